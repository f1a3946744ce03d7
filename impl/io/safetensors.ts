/**
 * The safetensors format (huggingface/safetensors, README "Format"), read and
 * written as pure functions on bytes:
 *
 * - 8 bytes: N, the header length, an unsigned little-endian 64-bit integer;
 * - N bytes: a UTF-8 JSON object `{name: {dtype, shape, data_offsets: [begin, end]}}`, with
 *   an optional `"__metadata__": {string: string}`; offsets are relative to the byte buffer;
 * - the byte buffer: every tensor's little-endian elements, row-major, covering the buffer
 *   exactly once.
 *
 * The writer lays files out as the reference Rust writer does: `__metadata__` first, tensors
 * ordered by element size (largest first) and then by name (code-point order), so every
 * tensor starts at a multiple of its element size, compact JSON, the header padded with
 * spaces to a multiple of 8 bytes. The numpy writer of fixtures/gen/io_safetensors_fixtures.py
 * writes the same bytes for the same tensors (claim `io.safetensors.fixture_parity_written`).
 *
 * The reader checks everything before returning anything: a malformed file is a
 * `SyntaxError` naming the file and what is wrong. Tensor data are copies, never views of
 * the input bytes. F16 and BF16 data are `Uint16Array` bit patterns (see ./f16.ts for
 * conversions); I64 data are `BigInt64Array`; BOOL data are `Uint8Array` of 0/1.
 *
 * @example Encode and decode
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const bytes = encodeSafetensors(
 *   { w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } },
 *   { note: "demo" },
 * );
 * const { tensors, metadata } = decodeSafetensors(bytes, "demo.safetensors");
 * deepStrictEqual(Array.from(tensors.get("w")!.data as Float32Array), [1, 2]);
 * deepStrictEqual(metadata, { note: "demo" });
 * ```
 *
 * @module
 */
import { writeFileAtomic, type WriteFileAtomicOptions } from "./atomic.ts";

/** The element types memspec reads and writes. */
export type SafetensorsDType = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "U8" | "BOOL";

/** Every {@link SafetensorsDType}, in the reference's order of element size. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = Object.freeze([
  "F64",
  "I64",
  "F32",
  "I32",
  "F16",
  "BF16",
  "U8",
  "BOOL",
]);

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = Object.freeze({
  F64: 8,
  I64: 8,
  F32: 4,
  I32: 4,
  F16: 2,
  BF16: 2,
  U8: 1,
  BOOL: 1,
});

/** The typed array holding each dtype's elements (F16/BF16 as bit patterns). */
export interface SafetensorsArrays {
  /** IEEE binary64. */
  F64: Float64Array;
  /** IEEE binary32. */
  F32: Float32Array;
  /** IEEE binary16, as bit patterns. */
  F16: Uint16Array;
  /** bfloat16 (the top half of a binary32), as bit patterns. */
  BF16: Uint16Array;
  /** Signed 64-bit integers. */
  I64: BigInt64Array;
  /** Signed 32-bit integers. */
  I32: Int32Array;
  /** Unsigned bytes. */
  U8: Uint8Array;
  /** Booleans, one byte each (0 or 1). */
  BOOL: Uint8Array;
}

/** One tensor of a safetensors file: dtype, shape and its row-major elements. */
export type SafetensorsTensor = {
  [D in SafetensorsDType]: {
    readonly dtype: D;
    readonly shape: readonly number[];
    readonly data: SafetensorsArrays[D];
  };
}[SafetensorsDType];

/** A decoded safetensors file. */
export interface SafetensorsContents {
  /** The tensors by name, in byte-buffer order. */
  readonly tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` object, or null when the file has none. */
  readonly metadata: Record<string, string> | null;
}

/** Tensors to encode: a record or a map from name to tensor. */
export type SafetensorsInput =
  | Readonly<Record<string, SafetensorsTensor>>
  | ReadonlyMap<string, SafetensorsTensor>;

const ARRAY_TYPES: Readonly<Record<SafetensorsDType, { name: string; is(x: unknown): boolean }>> = {
  F64: { name: "Float64Array", is: (x) => x instanceof Float64Array },
  F32: { name: "Float32Array", is: (x) => x instanceof Float32Array },
  F16: { name: "Uint16Array", is: (x) => x instanceof Uint16Array },
  BF16: { name: "Uint16Array", is: (x) => x instanceof Uint16Array },
  I64: { name: "BigInt64Array", is: (x) => x instanceof BigInt64Array },
  I32: { name: "Int32Array", is: (x) => x instanceof Int32Array },
  U8: { name: "Uint8Array", is: (x) => x instanceof Uint8Array },
  BOOL: { name: "Uint8Array", is: (x) => x instanceof Uint8Array },
};

const METADATA_KEY = "__metadata__";

function isDType(x: unknown): x is SafetensorsDType {
  return typeof x === "string" && Object.hasOwn(DTYPE_BYTES, x);
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "string") return `the string ${JSON.stringify(x).slice(0, 40)}`;
  if (typeof x === "object") return `a ${(x as object).constructor?.name ?? "object"}`;
  return `${typeof x} ${String(x)}`;
}

/** Orders names by code point, as Rust's `str` ordering (bytes of UTF-8) does. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function checkedEntries(input: SafetensorsInput): [string, SafetensorsTensor][] {
  const entries: [string, SafetensorsTensor][] = input instanceof Map
    ? [...input.entries()]
    : Object.entries(input as Record<string, SafetensorsTensor>);
  for (const [name, t] of entries) {
    const what = `Cannot encode safetensors tensor ${JSON.stringify(name)}`;
    if (name === METADATA_KEY) {
      throw new TypeError(`${what}: expected a tensor name other than ${METADATA_KEY}`);
    }
    if (t === null || typeof t !== "object") {
      throw new TypeError(`${what}: expected {dtype, shape, data} but got ${describe(t)}`);
    }
    if (!isDType(t.dtype)) {
      throw new TypeError(
        `${what}: expected a dtype in ${SAFETENSORS_DTYPES.join(", ")} but got ${
          describe(t.dtype)
        }`,
      );
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TypeError(
        `${what}: expected a shape of integers >= 0 but got ${JSON.stringify(t.shape)}`,
      );
    }
    const spec = ARRAY_TYPES[t.dtype];
    if (!spec.is(t.data)) {
      throw new TypeError(
        `${what}: expected ${t.dtype} data in a ${spec.name} but got ${describe(t.data)}`,
      );
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) {
      throw new TypeError(
        `${what}: expected ${n} elements for shape [${t.shape.join(", ")}] but got ` +
          `${t.data.length}`,
      );
    }
    if (t.dtype === "BOOL") {
      const bad = t.data.findIndex((b) => b > 1);
      if (bad >= 0) {
        throw new TypeError(`${what}: expected BOOL bytes 0 or 1 but got ${t.data[bad]} at ${bad}`);
      }
    }
  }
  return entries;
}

function checkedMetadata(metadata: Readonly<Record<string, string>>): Record<string, string> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new TypeError(
      `Cannot encode safetensors metadata: expected an object of strings but got ${
        describe(metadata)
      }`,
    );
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new TypeError(
        `Cannot encode safetensors metadata ${JSON.stringify(k)}: expected a string value but ` +
          `got ${describe(v)}`,
      );
    }
  }
  return { ...metadata };
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file, laid out as the
 * reference writer lays it out (see the module doc).
 *
 * @throws {TypeError} for a tensor whose dtype, shape or data is invalid (data must be the
 *   dtype's typed array with prod(shape) elements; BOOL bytes 0 or 1), a tensor named
 *   `__metadata__`, or a non-string metadata value.
 *
 * @example
 * ```ts
 * import { encodeSafetensors } from "./safetensors.ts";
 * import { strictEqual } from "node:assert/strict";
 * const bytes = encodeSafetensors({ ids: { dtype: "I32", shape: [3], data: new Int32Array(3) } });
 * const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
 * strictEqual(n % 8, 0); // the header is padded to 8 bytes
 * strictEqual(bytes.length, 8 + n + 12);
 * ```
 */
export function encodeSafetensors(
  tensors: SafetensorsInput,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array<ArrayBuffer> {
  const entries = checkedEntries(tensors);
  const meta = metadata === undefined ? undefined : checkedMetadata(metadata);
  // The reference order: larger elements first (natural alignment), then by name.
  entries.sort(([na, a], [nb, b]) =>
    DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || compareCodePoints(na, nb)
  );
  const parts: string[] = [];
  if (meta !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(meta)}`);
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],` +
        `"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // space padding
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function malformed(file: string, what: string): SyntaxError {
  return new SyntaxError(`Cannot read safetensors file ${file}: ${what}`);
}

function parseEntry(file: string, name: string, value: unknown): HeaderEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw malformed(
      file,
      `${where}: expected {dtype, shape, data_offsets} but got ${describe(value)}`,
    );
  }
  const v = value as Record<string, unknown>;
  if (!isDType(v.dtype)) {
    throw malformed(
      file,
      `${where}: expected a dtype in ${SAFETENSORS_DTYPES.join(", ")} but got ${describe(v.dtype)}`,
    );
  }
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw malformed(
      file,
      `${where}: expected a shape of integers >= 0 but got ${JSON.stringify(shape)}`,
    );
  }
  const offsets = v.data_offsets;
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]
  ) {
    throw malformed(
      file,
      `${where}: expected data_offsets [begin, end] of integers with 0 <= begin <= end but ` +
        `got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  let n = 1;
  for (const d of shape as number[]) n *= d;
  const bytes = n * DTYPE_BYTES[v.dtype];
  if (end - begin !== bytes) {
    throw malformed(
      file,
      `${where}: expected ${bytes} bytes for ${v.dtype} of shape [${shape.join(", ")}] but its ` +
        `data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: v.dtype, shape: [...shape as number[]], begin, end };
}

function typedArray(dtype: SafetensorsDType, buffer: ArrayBuffer): SafetensorsArrays[typeof dtype] {
  switch (dtype) {
    case "F64":
      return new Float64Array(buffer);
    case "F32":
      return new Float32Array(buffer);
    case "F16":
    case "BF16":
      return new Uint16Array(buffer);
    case "I64":
      return new BigInt64Array(buffer);
    case "I32":
      return new Int32Array(buffer);
    case "U8":
    case "BOOL":
      return new Uint8Array(buffer);
  }
}

/**
 * Decodes a safetensors file, checking every rule of the format before returning.
 *
 * @param bytes the whole file.
 * @param fileName how error messages name the file; default `"<bytes>"`.
 * @throws {SyntaxError} naming the file and the fault: a header length past the end of the
 *   file, a header that is not UTF-8 JSON or not an object, an entry with an unknown dtype,
 *   a bad shape or bad data_offsets, a byte size other than prod(shape) × dtype size,
 *   offsets out of the byte buffer, overlapping, or not covering it contiguously, metadata
 *   that is not an object of strings.
 *
 * @example A malformed file is a SyntaxError
 * ```ts
 * import { decodeSafetensors } from "./safetensors.ts";
 * import { throws } from "node:assert/strict";
 * const bytes = new Uint8Array(8);
 * bytes[0] = 100; // a header of 100 bytes, in a file of 8
 * throws(() => decodeSafetensors(bytes, "bad.safetensors"), SyntaxError);
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, fileName = "<bytes>"): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot decode safetensors file ${fileName}: expected a Uint8Array but got ${
        describe(bytes)
      }`,
    );
  }
  if (bytes.length < 8) {
    throw malformed(
      fileName,
      `expected at least 8 bytes (the header length) but the file has ${bytes.length}`,
    );
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    throw malformed(
      fileName,
      `the header length ${n} runs past the end of the file (${bytes.length - 8} bytes after ` +
        "the length)",
    );
  }
  const headerLength = Number(n);
  let header: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
    header = JSON.parse(text);
  } catch (e) {
    throw malformed(
      fileName,
      `the header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw malformed(
      fileName,
      `expected the header to be a JSON object but got ${describe(header)}`,
    );
  }
  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw malformed(
          fileName,
          `expected ${METADATA_KEY} to be an object of strings but got ${describe(value)}`,
        );
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") {
          throw malformed(
            fileName,
            `expected ${METADATA_KEY} value ${JSON.stringify(k)} to be a string but got ` +
              describe(v),
          );
        }
      }
      metadata = { ...(value as Record<string, string>) };
      continue;
    }
    entries.push(parseEntry(fileName, name, value));
  }
  const bufferStart = 8 + headerLength;
  const bufferLength = bytes.length - bufferStart;
  for (const e of entries) {
    if (e.end > bufferLength) {
      throw malformed(
        fileName,
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] are out of ` +
          `range of the byte buffer (${bufferLength} bytes)`,
      );
    }
  }
  // The tensors must tile the buffer: sorted by offsets, each starts where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last: HeaderEntry | null = null;
  for (const e of sorted) {
    if (e.begin < covered) {
      throw malformed(
        fileName,
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ` +
          `${JSON.stringify(last!.name)} [${last!.begin}, ${last!.end}]`,
      );
    } else if (e.begin > covered) {
      throw malformed(
        fileName,
        `the tensors do not cover the byte buffer contiguously: bytes [${covered}, ${e.begin}) ` +
          `before tensor ${JSON.stringify(e.name)} belong to no tensor`,
      );
    }
    covered = e.end;
    last = e;
  }
  if (covered !== bufferLength) {
    throw malformed(
      fileName,
      `the tensors do not cover the byte buffer contiguously: bytes [${covered}, ` +
        `${bufferLength}) at its end belong to no tensor`,
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of sorted) {
    const copy = bytes.slice(bufferStart + e.begin, bufferStart + e.end).buffer;
    tensors.set(
      e.name,
      { dtype: e.dtype, shape: e.shape, data: typedArray(e.dtype, copy) } as SafetensorsTensor,
    );
  }
  return { tensors, metadata };
}

/**
 * Reads and decodes a safetensors file.
 *
 * @throws {SyntaxError} for a malformed file (see {@link decodeSafetensors}), naming `path`.
 * @throws {Deno.errors.NotFound} and other I/O errors from `Deno.readFile`.
 *
 * @example
 * ```ts
 * import { readSafetensors } from "./safetensors.ts";
 * import { strictEqual } from "node:assert/strict";
 * const { tensors, metadata } = await readSafetensors("fixtures/io/plain.safetensors");
 * strictEqual(tensors.get("ids")!.dtype, "I32");
 * strictEqual(metadata, null);
 * ```
 */
export async function readSafetensors(path: string | URL): Promise<SafetensorsContents> {
  const bytes = await Deno.readFile(path);
  return decodeSafetensors(bytes, String(path));
}

/**
 * Encodes tensors and writes them to `path` atomically: the bytes go to a temporary file in
 * the same folder, which is renamed over `path` only once complete, so a write interrupted
 * half-way leaves the old file (if any) in place.
 *
 * @throws {TypeError} for invalid tensors or metadata (see {@link encodeSafetensors}).
 *
 * @example
 * ```ts
 * import { readSafetensors, writeSafetensors } from "./safetensors.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * await writeSafetensors(`${dir}/w.safetensors`, {
 *   w: { dtype: "F32", shape: [1], data: new Float32Array([1]) },
 * }, { step: "3" });
 * deepStrictEqual((await readSafetensors(`${dir}/w.safetensors`)).metadata, { step: "3" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: SafetensorsInput,
  metadata?: Readonly<Record<string, string>>,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata), options);
}
