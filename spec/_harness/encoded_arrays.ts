/**
 * The one decoder of the numeric arrays in memspec's JSON fixtures
 * (fixtures/{fastweights,decepticons,linalg}/*.json, written by fixtures/gen/*_fixtures.py
 * through fixtures/gen/_encoding.py; fixtures/README.md, "JSON fixtures").
 *
 * Every numeric array, whatever its rank or size, is an object
 * `{"dtype": "f64" | "f32" | "i32" | "i8", "shape": [d0, d1, …], "b64": "…"}` whose `b64`
 * holds the elements row-major, little-endian, base64-encoded (RFC 4648, with padding).
 * Scalars stay JSON numbers. Malformed arrays fail loudly with a {@link SyntaxError} naming
 * the array, e.g. `Cannot decode fixture array chunker22.a: shape [2, 3] needs 48 bytes of
 * f64 but b64 holds 40`.
 *
 * @example Decoding an array
 * ```ts
 * import { type EncodedArray, f64, i32, ints } from "./encoded_arrays.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * // 1.5 and -2 as little-endian f64, then 7 and -1 as i32.
 * const a: EncodedArray = { dtype: "f64", shape: [2], b64: "AAAAAAAA+D8AAAAAAAAAwA==" };
 * deepStrictEqual(Array.from(f64(a, "a")), [1.5, -2]);
 * const t: EncodedArray = { dtype: "i32", shape: [1, 2], b64: "BwAAAP////8=" };
 * deepStrictEqual(Array.from(i32(t, "t")), [7, -1]);
 * deepStrictEqual(ints(t, "t"), [7, -1]);
 * ```
 *
 * @module
 */
import { type LoadFixtureOptions, loadPinnedJson } from "./fixtures.ts";

/** The element types of an encoded array. */
export const ENCODED_DTYPES = ["f64", "f32", "i32", "i8"] as const;

/** An element type of an encoded array. */
export type EncodedDType = typeof ENCODED_DTYPES[number];

/** An encoded array as the generators write it (fixtures/gen/_encoding.py `encode`). */
export interface EncodedArray {
  dtype: EncodedDType;
  shape: number[];
  b64: string;
}

/**
 * The stored form of a fixture type written with decoded fields: every `number[]` field, and
 * every list of fixed-length tuples (a table such as `[number, number, number][]`), one
 * {@link EncodedArray}; every other list of `number[]` (sequences of different lengths) a list
 * of them; strings, scalars and encoded arrays as they are. Loaders parse `Stored<T>` and
 * decode it to `T`.
 */
export type Stored<T> = T extends EncodedArray ? T
  : T extends readonly number[] ? EncodedArray
  : T extends readonly (readonly [number, ...number[]])[] ? EncodedArray
  : T extends readonly (infer U)[] ? Stored<U>[]
  : T extends object ? { [K in keyof T]: Stored<T[K]> }
  : T;

/** The typed array each dtype decodes to. */
export interface DecodedArrays {
  f64: Float64Array;
  f32: Float32Array;
  i32: Int32Array;
  i8: Int8Array;
}

/** A decoded array of any dtype. */
export type DecodedArray = DecodedArrays[EncodedDType];

const BYTES: Record<EncodedDType, number> = { f64: 8, f32: 4, i32: 4, i8: 1 };

// Typed arrays use the platform's byte order; the fixtures are little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(what: string, message: string): never {
  throw new SyntaxError(`Cannot decode fixture array ${what}: ${message}`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Checks that `a` is an {@link EncodedArray} (a known dtype, a shape of non-negative
 * integers, a base64 string) and returns its shape and element count.
 *
 * @throws {SyntaxError} naming `what` when it is not.
 */
export function checkEncoded(
  a: unknown,
  what: string,
): { dtype: EncodedDType; shape: number[]; size: number } {
  if (typeof a !== "object" || a === null || Array.isArray(a)) {
    fail(what, `expected an object {dtype, shape, b64} but got ${describe(a)}`);
  }
  const { dtype, shape, b64 } = a as Record<string, unknown>;
  if (typeof dtype !== "string" || !(ENCODED_DTYPES as readonly string[]).includes(dtype)) {
    fail(what, `expected dtype one of ${ENCODED_DTYPES.join(", ")} but got ${describe(dtype)}`);
  }
  if (!Array.isArray(shape)) fail(what, `expected shape to be an array but got ${describe(shape)}`);
  shape.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || d < 0) {
      fail(what, `expected shape[${i}] to be a non-negative integer but got ${describe(d)}`);
    }
  });
  if (typeof b64 !== "string") fail(what, `expected b64 to be a string but got ${describe(b64)}`);
  const size = (shape as number[]).reduce((x, y) => x * y, 1);
  return { dtype: dtype as EncodedDType, shape: shape as number[], size };
}

function bytesOf(b64: string, what: string): Uint8Array<ArrayBuffer> {
  // atob accepts some malformed input (missing padding, whitespace); the generators always
  // write canonical base64, so anything else is a corrupted or hand-edited file.
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    fail(what, `b64 is not canonical base64 (length ${b64.length})`);
  }
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * Decodes an {@link EncodedArray} to the typed array of its dtype (row-major elements).
 *
 * @param what names the array in error messages (e.g. `chunker22.gradA`).
 * @throws {SyntaxError} when the array is malformed: not an object, an unknown dtype, a shape
 *   that is not a list of non-negative integers, b64 that is not canonical base64, or a byte
 *   count other than the shape's element count times the dtype's size.
 */
export function decode(a: EncodedArray, what: string): DecodedArray {
  if (!LITTLE_ENDIAN) {
    throw new Error(`Cannot decode fixture array ${what}: this platform is big-endian`);
  }
  const { dtype, shape, size } = checkEncoded(a, what);
  const bytes = bytesOf(a.b64, what);
  const need = size * BYTES[dtype];
  if (bytes.length !== need) {
    fail(
      what,
      `shape [${shape.join(", ")}] needs ${need} bytes of ${dtype} but b64 holds ${bytes.length}`,
    );
  }
  switch (dtype) {
    case "f64":
      return new Float64Array(bytes.buffer);
    case "f32":
      return new Float32Array(bytes.buffer);
    case "i32":
      return new Int32Array(bytes.buffer);
    case "i8":
      return new Int8Array(bytes.buffer);
  }
}

/**
 * Decodes an array that must have dtype `dtype` and, when given, shape `shape`.
 *
 * @throws {SyntaxError} naming `what` when it is malformed ({@link decode}) or its dtype or
 *   shape differs.
 */
export function decodeAs<D extends EncodedDType>(
  a: EncodedArray,
  dtype: D,
  what: string,
  shape?: readonly number[],
): DecodedArrays[D] {
  const { dtype: got } = checkEncoded(a, what);
  if (got !== dtype) fail(what, `expected dtype ${dtype} but got ${got}`);
  if (shape !== undefined) checkShape(a, shape, what);
  return decode(a, what) as DecodedArrays[D];
}

/**
 * Checks an encoded array's shape without decoding it.
 *
 * @throws {SyntaxError} naming `what` when the shape differs from `shape`.
 */
export function checkShape(a: EncodedArray, shape: readonly number[], what: string): void {
  const { shape: got } = checkEncoded(a, what);
  if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
    fail(what, `expected shape [${shape.join(", ")}] but got [${got.join(", ")}]`);
  }
}

/** Decodes an f64 array (optionally of shape `shape`). @throws {SyntaxError} as {@link decodeAs}. */
export function f64(a: EncodedArray, what: string, shape?: readonly number[]): Float64Array {
  return decodeAs(a, "f64", what, shape);
}

/** Decodes an f32 array (optionally of shape `shape`). @throws {SyntaxError} as {@link decodeAs}. */
export function f32(a: EncodedArray, what: string, shape?: readonly number[]): Float32Array {
  return decodeAs(a, "f32", what, shape);
}

/** Decodes an i32 array (optionally of shape `shape`). @throws {SyntaxError} as {@link decodeAs}. */
export function i32(a: EncodedArray, what: string, shape?: readonly number[]): Int32Array {
  return decodeAs(a, "i32", what, shape);
}

/** Decodes an i8 array (optionally of shape `shape`). @throws {SyntaxError} as {@link decodeAs}. */
export function i8(a: EncodedArray, what: string, shape?: readonly number[]): Int8Array {
  return decodeAs(a, "i8", what, shape);
}

/**
 * Decodes an integer array (i32 or i8) to plain numbers, row-major: token lists, indices.
 *
 * @throws {SyntaxError} naming `what` when it is malformed, of a float dtype, or of another
 *   shape than `shape` (when given).
 */
export function ints(a: EncodedArray, what: string, shape?: readonly number[]): number[] {
  const { dtype } = checkEncoded(a, what);
  if (dtype !== "i32" && dtype !== "i8") fail(what, `expected dtype i32 or i8 but got ${dtype}`);
  if (shape !== undefined) checkShape(a, shape, what);
  return Array.from(decode(a, what));
}

/**
 * Decodes an f64 array to plain numbers, row-major: short float lists (losses, rates).
 *
 * @throws {SyntaxError} as {@link f64}.
 */
export function f64List(a: EncodedArray, what: string, shape?: readonly number[]): number[] {
  return Array.from(f64(a, what, shape));
}

/** A loaded fixture and how its integrity was checked. */
export interface LoadedFixture<T> {
  data: T;
  /** The manifest check, for claim details. */
  integrity: string;
}

/**
 * Loads `fixtures/fastweights/<name>` and checks its `format` field.
 *
 * @throws {Error} when the manifest does not list the file or pins another sha256.
 * @throws {SyntaxError} when the JSON or its format is wrong.
 */
export function loadFastweightsFixture<T extends { format: string }>(
  name: string,
  format: string,
  options: LoadFixtureOptions = {},
): Promise<LoadedFixture<T>> {
  return loadPinnedJson<T>(`fixtures/fastweights/${name}`, format, options);
}
