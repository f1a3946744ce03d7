/**
 * Loader of the fast-weight numpy fixtures (fixtures/fastweights/*.json,
 * written by fixtures/gen/fastweights_*_fixtures.py): JSON with arrays as
 * little-endian float64 (or int8) in base64 plus their shapes. The file's
 * sha256 must match fixtures/manifest.json.
 *
 * @module
 */
import { loadPinnedJson } from "./fixtures.ts";

/** An encoded array as the generators write it. */
export interface EncodedArray {
  shape: number[];
  dtype: "f64" | "i8";
  b64: string;
}

/** Decodes an {@link EncodedArray}. @throws {SyntaxError} when malformed. */
export function decode(a: EncodedArray, what: string): Float64Array | Int8Array {
  if (!a || !Array.isArray(a.shape) || typeof a.b64 !== "string") {
    throw new SyntaxError(`Cannot decode fixture array ${what}: expected {shape, dtype, b64}`);
  }
  const bin = atob(a.b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const n = a.shape.reduce((x, y) => x * y, 1);
  const out = a.dtype === "i8" ? new Int8Array(bytes.buffer) : new Float64Array(bytes.buffer);
  if (out.length !== n) {
    throw new SyntaxError(
      `Cannot decode fixture array ${what}: shape [${a.shape.join(", ")}] needs ${n} values, ` +
        `found ${out.length}`,
    );
  }
  return out;
}

/** Decodes an f64 array. */
export function f64(a: EncodedArray, what: string): Float64Array {
  const out = decode(a, what);
  if (!(out instanceof Float64Array)) throw new SyntaxError(`Fixture array ${what} is not f64`);
  return out;
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
): Promise<LoadedFixture<T>> {
  return loadPinnedJson<T>(`fixtures/fastweights/${name}`, format);
}
