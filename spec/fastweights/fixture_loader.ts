/**
 * Loader of the fast-weight numpy fixtures (fixtures/fastweights/*.json,
 * written by fixtures/gen/fastweights_*_fixtures.py): JSON with arrays as
 * little-endian float64 (or int8) in base64 plus their shapes. The file's
 * sha256 is checked against fixtures/manifest.json when the manifest lists it.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

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

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A loaded fixture and how its integrity was checked. */
export interface LoadedFixture<T> {
  data: T;
  /** "manifest sha256 verified" or why not. */
  integrity: string;
}

/**
 * Loads `fixtures/fastweights/<name>` and checks its `format` field.
 *
 * @throws {Error} when the manifest lists the file with a different sha256.
 * @throws {SyntaxError} when the JSON or its format is wrong.
 */
export async function loadFastweightsFixture<T extends { format: string }>(
  name: string,
  format: string,
): Promise<LoadedFixture<T>> {
  const path = `fixtures/fastweights/${name}`;
  const bytes = await Deno.readFile(new URL(path, ROOT));
  const sha = await sha256Hex(bytes);
  let integrity = "not listed in fixtures/manifest.json (run `deno task fixtures`)";
  try {
    const manifest = JSON.parse(await Deno.readTextFile(new URL("fixtures/manifest.json", ROOT)));
    const entry = manifest?.files?.[path];
    if (entry) {
      if (entry.sha256 !== sha) {
        throw new Error(
          `Cannot load ${path}: its sha256 ${sha} differs from the manifest's ${entry.sha256}; ` +
            "regenerate with `deno task fixtures`",
        );
      }
      integrity = "manifest sha256 verified";
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("Cannot load")) throw e;
  }
  let data: T;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (e) {
    throw new SyntaxError(`Cannot parse ${path}: ${e instanceof Error ? e.message : e}`);
  }
  if (data.format !== format) {
    throw new SyntaxError(`Cannot read ${path}: format "${data.format}", expected "${format}"`);
  }
  return { data, integrity };
}
