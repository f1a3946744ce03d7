/**
 * A minimal ONNX model writer for the onnxruntime-web peer: just enough of the
 * protobuf wire format (varints, length-delimited fields, raw float data) to
 * build float32 graphs of MatMul / Mul / Add / Transpose / Reshape nodes in
 * code, so the bench ships no model files and needs no protobuf library.
 *
 * Field numbers follow onnx/onnx.proto (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto, TypeProto).
 *
 * @example Build a one-node model
 * ```ts
 * import { GraphBuilder } from "./_onnx.ts";
 * const g = new GraphBuilder();
 * g.input("a", [2, 2]);
 * g.input("b", [2, 2]);
 * g.node("MatMul", ["a", "b"], ["c"]);
 * g.output("c", [2, 2]);
 * const bytes = g.model();
 * if (bytes.length === 0) throw new Error("empty model");
 * ```
 *
 * @module
 */

/** ONNX TensorProto.DataType values used here. */
const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.AttributeType: INT and INTS. */
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** Appends protobuf fields to a growing byte list. */
class Writer {
  private bytes: number[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** A varint field (int32/int64/enum). */
  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** A length-delimited field of raw bytes. */
  raw(field: number, data: Uint8Array | readonly number[]): this {
    this.tag(field, 2);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  /** A string field. */
  str(field: number, s: string): this {
    return this.raw(field, new TextEncoder().encode(s));
  }

  /** An embedded message. */
  msg(field: number, w: Writer): this {
    return this.raw(field, w.bytes);
  }

  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function valueInfo(name: string, dims: readonly number[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.msg(1, new Writer().int(1, d));
  const tensorType = new Writer().int(1, FLOAT).msg(2, shape);
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensorType));
}

/** Builds one float32 ONNX graph and serialises it as a ModelProto (opset 17). */
export class GraphBuilder {
  private graph = new Writer().str(2, "memspec_peer");
  private nodes = 0;

  /** Declares a float32 graph input of the given shape. */
  input(name: string, dims: readonly number[]): void {
    this.graph.msg(11, valueInfo(name, dims));
  }

  /** Declares a float32 graph output of the given shape. */
  output(name: string, dims: readonly number[]): void {
    this.graph.msg(12, valueInfo(name, dims));
  }

  /** Adds a float32 constant (initializer). */
  constant(name: string, dims: readonly number[], data: Float32Array): void {
    const t = new Writer();
    for (const d of dims) t.int(1, d);
    t.int(2, FLOAT).str(8, name).raw(
      9,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    this.graph.msg(5, t);
  }

  /** Adds an int64 constant (for Reshape's shape input). */
  shape(name: string, values: readonly number[]): void {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    const t = new Writer().int(1, values.length).int(2, INT64).str(8, name);
    t.raw(9, new Uint8Array(data.buffer));
    this.graph.msg(5, t);
  }

  /** Adds a node with integer (`axis`) or integer-list (`perm`) attributes. */
  node(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, number | readonly number[]> = {},
  ): void {
    const n = new Writer();
    for (const i of inputs) n.str(1, i);
    for (const o of outputs) n.str(2, o);
    n.str(3, `${op.toLowerCase()}_${this.nodes++}`).str(4, op);
    for (const [name, value] of Object.entries(attrs)) {
      const a = new Writer().str(1, name);
      if (typeof value === "number") a.int(20, ATTR_INT).int(3, value);
      else {
        a.int(20, ATTR_INTS);
        for (const p of value) a.int(8, p);
      }
      n.msg(5, a);
    }
    this.graph.msg(1, n);
  }

  /** The serialised ModelProto (IR version 8, default-domain opset 17). */
  model(): Uint8Array {
    return new Writer()
      .int(1, 8)
      .str(2, "memspec bench/peers")
      .msg(7, this.graph)
      .msg(8, new Writer().str(1, "").int(2, 17))
      .done();
  }
}
