/**
 * f64 oracle of the elementwise ops: forward and analytic backward.
 *
 * @module
 */
import type { OpAttrs, OracleOp } from "../_harness/op_spec.ts";
import { broadcastBinary, reduceToShape } from "./broadcast.ts";
import { type NDArray, ndMap } from "./ndarray.ts";

/** A binary op from its scalar function and partial derivatives. */
function binaryOracle(
  f: (a: number, b: number) => number,
  da: (a: number, b: number) => number,
  db: (a: number, b: number) => number,
): OracleOp {
  return {
    forward: ([a, b]) => broadcastBinary(a!, b!, f),
    backward: ([a, b], _attrs, g) => {
      const gaFull = broadcastBinary(a!, b!, (x, y, i) => g.data[i]! * da(x, y));
      const gbFull = broadcastBinary(a!, b!, (x, y, i) => g.data[i]! * db(x, y));
      return [reduceToShape(gaFull, a!.shape), reduceToShape(gbFull, b!.shape)];
    },
  };
}

/** Oracles of add, sub, mul, div. */
export const BINARY_ORACLES: Record<"add" | "sub" | "mul" | "div", OracleOp> = {
  add: binaryOracle((a, b) => a + b, () => 1, () => 1),
  sub: binaryOracle((a, b) => a - b, () => 1, () => -1),
  mul: binaryOracle((a, b) => a * b, (_a, b) => b, (a) => a),
  div: binaryOracle((a, b) => a / b, (_a, b) => 1 / b, (a, b) => -a / (b * b)),
};

/** A unary op from its scalar function and derivative. */
export function unaryOracle(
  f: (x: number, attrs: OpAttrs) => number,
  df: (x: number, attrs: OpAttrs) => number,
): OracleOp {
  return {
    forward: ([x], attrs) => ndMap(x!, (v) => f(v, attrs)),
    backward: ([x], attrs, g): NDArray[] => [ndMap(x!, (v, i) => g.data[i]! * df(v, attrs))],
  };
}

/** Oracles of the unary ops. */
export const UNARY_ORACLES = {
  exp: unaryOracle(Math.exp, Math.exp),
};
