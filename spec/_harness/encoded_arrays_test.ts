/**
 * Tests of the one fixture array decoder (encoded_arrays.ts) and of the JSON fixture loader's
 * `format` check (fixtures.ts `loadPinnedJson`): well-formed arrays of every dtype decode to
 * the values fixtures/gen/_encoding.py encoded (the controls), every kind of malformed array
 * fails with a SyntaxError naming the array, and every JSON fixture of
 * fixtures/ declares a scheme `format` and stores every
 * numeric array in the one encoding.
 *
 * @module
 */
import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import {
  checkShape,
  decode,
  type EncodedArray,
  f32,
  f64,
  f64List,
  i32,
  i8,
  ints,
} from "./encoded_arrays.ts";
import { FIXTURE_FORMAT, FIXTURE_MANIFEST, loadPinnedJson } from "./fixtures.ts";

// Written by fixtures/gen/_encoding.py `encode` (so the Python and TypeScript sides agree).
const F64: EncodedArray = { dtype: "f64", shape: [3], b64: "mpmZmZmZuT8AAAAAAAAAgJx1AIg85Dd+" };
const F32: EncodedArray = { dtype: "f32", shape: [2, 2], b64: "AADAPwAAEMAAAEBAAAAAPg==" };
const I32: EncodedArray = { dtype: "i32", shape: [3], b64: "AAAAAAAAAID///9/" };
const I8: EncodedArray = { dtype: "i8", shape: [4], b64: "Af9/gA==" };
const EMPTY: EncodedArray = { dtype: "i32", shape: [0], b64: "" };
const SCALAR: EncodedArray = { dtype: "f64", shape: [], b64: "AAAAAAAABEA=" };

/** Asserts that `f` throws a SyntaxError whose message names `what` and contains `message`. */
function throwsNaming(f: () => unknown, what: string, message: string | RegExp): void {
  throws(f, (e: unknown) => {
    ok(e instanceof SyntaxError, `expected a SyntaxError, got ${e}`);
    ok(
      e.message.startsWith(`Cannot decode fixture array ${what}: `),
      `"${e.message}" should name ${what}`,
    );
    ok(
      typeof message === "string" ? e.message.includes(message) : message.test(e.message),
      `"${e.message}" should contain ${message}`,
    );
    return true;
  });
}

/** An array with `fields` replaced, typed loosely to build malformed input. */
function broken(base: EncodedArray, fields: Record<string, unknown>): EncodedArray {
  return { ...base, ...fields } as unknown as EncodedArray;
}

Deno.test("decode reads every dtype as _encoding.py wrote it (control)", () => {
  const a = f64(F64, "a", [3]);
  ok(a instanceof Float64Array);
  deepStrictEqual(Array.from(a), [0.1, -0, 1e300]);
  ok(Object.is(a[1], -0), "the sign of -0 survives");
  const b = f32(F32, "b", [2, 2]);
  ok(b instanceof Float32Array);
  deepStrictEqual(Array.from(b), [1.5, -2.25, 3, 0.125]);
  const c = i32(I32, "c");
  ok(c instanceof Int32Array);
  deepStrictEqual(Array.from(c), [0, -(2 ** 31), 2 ** 31 - 1]);
  const d = i8(I8, "d");
  ok(d instanceof Int8Array);
  deepStrictEqual(Array.from(d), [1, -1, 127, -128]);
  deepStrictEqual(Array.from(decode(F64, "a")), [0.1, -0, 1e300]);
});

Deno.test("decode handles empty and rank-0 arrays (control)", () => {
  deepStrictEqual(ints(EMPTY, "empty", [0]), []);
  deepStrictEqual(Array.from(f64(SCALAR, "scalar", [])), [2.5]);
  deepStrictEqual(
    Array.from(f64({ dtype: "f64", shape: [3, 0], b64: "" }, "none", [3, 0])),
    [],
  );
});

Deno.test("ints and f64List return plain numbers (control)", () => {
  deepStrictEqual(ints(I32, "c"), [0, -(2 ** 31), 2 ** 31 - 1]);
  deepStrictEqual(ints(I8, "d", [4]), [1, -1, 127, -128]);
  deepStrictEqual(f64List(F64, "a"), [0.1, -0, 1e300]);
  ok(Array.isArray(f64List(F64, "a")));
  checkShape(F32, [2, 2], "b");
});

Deno.test("decode refuses what is not an encoded array, naming it", () => {
  for (const v of [null, undefined, 3, "AAAA", [1, 2, 3]]) {
    throwsNaming(
      () => decode(v as unknown as EncodedArray, "x.y"),
      "x.y",
      "expected an object {dtype, shape, b64}",
    );
  }
  // The old {shape, values} encoding of retention.json.
  throwsNaming(
    () => decode({ shape: [2], values: [1, 2] } as unknown as EncodedArray, "q"),
    "q",
    "expected dtype one of f64, f32, i32, i8 but got undefined",
  );
});

Deno.test("decode refuses an unknown dtype", () => {
  for (const dtype of ["f16", "float64", "F64", "u8", 8]) {
    throwsNaming(
      () => decode(broken(F64, { dtype }), "w"),
      "w",
      "expected dtype one of f64, f32, i32, i8",
    );
  }
});

Deno.test("decode refuses a malformed shape", () => {
  throwsNaming(() => decode(broken(F64, { shape: 3 }), "s"), "s", "expected shape to be an array");
  throwsNaming(() => decode(broken(F64, { shape: undefined }), "s"), "s", "shape to be an array");
  for (const [shape, at] of [[[-1], 0], [[3, 1.5], 1], [["3"], 0], [[NaN], 0]] as const) {
    throwsNaming(
      () => decode(broken(F64, { shape }), "s"),
      "s",
      `expected shape[${at}] to be a non-negative integer`,
    );
  }
});

Deno.test("decode refuses b64 that is not canonical base64", () => {
  throwsNaming(() => decode(broken(F64, { b64: 42 }), "b"), "b", "expected b64 to be a string");
  for (const b64 of ["AAAA AAA", "AAA", "AA*A", "A===", "AAAA\n"]) {
    throwsNaming(() => decode(broken(I8, { b64 }), "b"), "b", "not canonical base64");
  }
});

Deno.test("decode refuses a byte count other than the shape needs", () => {
  // 24 bytes of f64 hold 3 values, not 4 (nor 2).
  throwsNaming(
    () => decode(broken(F64, { shape: [2, 2] }), "n"),
    "n",
    "shape [2, 2] needs 32 bytes of f64 but b64 holds 24",
  );
  throwsNaming(() => decode(broken(F64, { shape: [2] }), "n"), "n", "needs 16 bytes");
  // The same bytes reinterpreted as another dtype: 4 bytes of i8 are one i32, not four.
  throwsNaming(
    () => decode(broken(I8, { dtype: "i32" }), "n"),
    "n",
    "shape [4] needs 16 bytes of i32 but b64 holds 4",
  );
});

Deno.test("typed accessors refuse another dtype or shape", () => {
  throwsNaming(() => f64(I32, "t"), "t", "expected dtype f64 but got i32");
  throwsNaming(() => f32(F64, "t"), "t", "expected dtype f32 but got f64");
  throwsNaming(() => i32(I8, "t"), "t", "expected dtype i32 but got i8");
  throwsNaming(() => i8(I32, "t"), "t", "expected dtype i8 but got i32");
  throwsNaming(() => ints(F64, "t"), "t", "expected dtype i32 or i8 but got f64");
  throwsNaming(() => f64List(I32, "t"), "t", "expected dtype f64 but got i32");
  throwsNaming(() => f64(F64, "t", [1, 3]), "t", "expected shape [1, 3] but got [3]");
  throwsNaming(() => ints(I32, "t", [4]), "t", "expected shape [4] but got [3]");
  throwsNaming(() => checkShape(F32, [4], "t"), "t", "expected shape [4] but got [2, 2]");
});

// --- loadPinnedJson's format check, on scratch files listed in a scratch manifest ---

const ROOT = new URL("../../", import.meta.url);
const SCRATCH = "out/encoded_arrays_test";

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Writes `text` as `<name>.json` with a manifest pinning it; returns the file and manifest. */
async function pinned(name: string, text: string): Promise<{ path: string; manifest: string }> {
  const dir = `${SCRATCH}/${name}`;
  await Deno.mkdir(new URL(dir + "/", ROOT), { recursive: true });
  const path = `${dir}/${name}.json`;
  await Deno.writeTextFile(new URL(path, ROOT), text);
  const manifest = `${dir}/manifest.json`;
  await Deno.writeTextFile(
    new URL(manifest, ROOT),
    JSON.stringify({ files: { [path]: { sha256: await sha256(text) } } }),
  );
  return { path, manifest };
}

Deno.test("loadPinnedJson accepts the expected scheme format (control)", async () => {
  const text = JSON.stringify({ format: "memspec.test.good_name.v12", x: F64 });
  const { path, manifest } = await pinned("good", text);
  const { data, integrity } = await loadPinnedJson<{ format: string; x: EncodedArray }>(
    path,
    "memspec.test.good_name.v12",
    { manifest },
  );
  deepStrictEqual(f64List(data.x, "x"), [0.1, -0, 1e300]);
  ok(integrity.includes("verified"));
});

Deno.test("loadPinnedJson refuses a format outside the scheme, naming the file", async () => {
  for (
    const [name, format] of [
      ["dashed", "memspec-fastweights-chunker-1"],
      ["unprefixed", "decepticons-memory-v1"],
      ["upper", "memspec.Linalg.eigh.v1"],
      ["noversion", "memspec.linalg.eigh"],
      ["extra", "memspec.linalg.eigh.v1.x"],
      ["number", 1],
      ["missing", undefined],
    ] as const
  ) {
    const { path, manifest } = await pinned(`bad_${name}`, JSON.stringify({ format }));
    await rejects(loadPinnedJson(path, "memspec.linalg.eigh.v1", { manifest }), (e: unknown) => {
      ok(e instanceof SyntaxError, `expected a SyntaxError, got ${e}`);
      ok(e.message.startsWith(`Cannot read ${path}: `), `"${e.message}" should name ${path}`);
      ok(e.message.includes("expected a format matching"), e.message);
      return true;
    });
  }
});

Deno.test("loadPinnedJson refuses another scheme format than expected", async () => {
  const { path, manifest } = await pinned("other", JSON.stringify({ format: "memspec.a.b.v2" }));
  await rejects(
    loadPinnedJson(path, "memspec.a.b.v1", { manifest }),
    (e: unknown) => {
      ok(e instanceof SyntaxError);
      strictEqual(
        e.message,
        `Cannot read ${path}: expected format "memspec.a.b.v1" but got "memspec.a.b.v2"`,
      );
      return true;
    },
  );
  // A loader asking for a format outside the scheme is a programming error.
  await rejects(loadPinnedJson(path, "memspec-a-b-1", { manifest }), TypeError);
});

// --- the repository's JSON fixtures ---

/** Walks a parsed fixture: decodes every encoded array, refuses any bare numeric list. */
function walk(v: unknown, where: string, found: { arrays: number }): void {
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === "number" || Array.isArray(x))) {
      const flat = v.flat(Infinity);
      if (flat.every((x) => typeof x === "number")) {
        throw new SyntaxError(`${where}: a numeric JSON list; encode it (fixtures/README.md)`);
      }
    }
    v.forEach((x, i) => walk(x, `${where}[${i}]`, found));
  } else if (typeof v === "object" && v !== null) {
    if ("b64" in v) {
      decode(v as EncodedArray, where);
      found.arrays++;
      return;
    }
    if ("bytes_b64" in v || "sha256" in v) {
      // A safetensors tensor's raw bytes (fixtures/io/expected.json): dtype, shape, bytes.
      const shape = (v as { shape?: unknown }).shape;
      ok(
        Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0),
        `${where}: a raw-bytes entry needs a shape of non-negative integers`,
      );
      return;
    }
    for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`, found);
  }
}

/**
 * JSON files in an original's own file format, kept as the original writes them (they are
 * artefacts under test, not memspec fixtures): the amygdala trainer's readout manifest
 * {concepts, layers, hidden_size, dtype} (kent/consciousness), read by its runtime.
 */
const ORIGINAL_FORMATS = new Set(["fixtures/amygdala/readout/readout.json"]);

async function manifestJson(): Promise<string[]> {
  const manifest = JSON.parse(await Deno.readTextFile(new URL(FIXTURE_MANIFEST, ROOT))) as {
    files: Record<string, unknown>;
  };
  return Object.keys(manifest.files).filter((f) => f.endsWith(".json") && !ORIGINAL_FORMATS.has(f));
}

Deno.test("the files exempt as an original's format exist and are not memspec-formatted", async () => {
  for (const path of ORIGINAL_FORMATS) {
    const raw = JSON.parse(await Deno.readTextFile(new URL(path, ROOT))) as { format?: unknown };
    strictEqual(raw.format, undefined, `${path}: has a memspec format; remove its exemption`);
  }
});

Deno.test("every JSON fixture in the manifest declares a scheme format", async () => {
  for (const path of await manifestJson()) {
    const raw = JSON.parse(await Deno.readTextFile(new URL(path, ROOT))) as { format?: unknown };
    ok(
      typeof raw.format === "string" && FIXTURE_FORMAT.test(raw.format),
      `${path}: format ${JSON.stringify(raw.format)} does not match ${FIXTURE_FORMAT}`,
    );
  }
});

Deno.test("every JSON fixture encodes every numeric array", async () => {
  const files = await manifestJson();
  ok(files.length >= 14, `expected at least the 14 JSON fixtures, found ${files.length}`);
  for (const path of files) {
    const raw = JSON.parse(await Deno.readTextFile(new URL(path, ROOT))) as { format: string };
    // fixtures/<family>/<a>/<b>.json is named memspec.<family>.<a>_<b>.v1.
    const [, family, ...rest] = path.split("/") as [string, string, ...string[]];
    strictEqual(
      raw.format,
      `memspec.${family}.${rest.join("_").replace(/\.json$/, "")}.v1`,
      `${path}: the format names the family and file`,
    );
    // Loads through the manifest check, as every loader does.
    await loadPinnedJson(path, raw.format);
    const found = { arrays: 0 };
    walk(raw, path, found);
    // byte_lm.json holds scalars only; io/expected.json holds safetensors bytes, not arrays.
    const arrayFree = ["fixtures/decepticons/byte_lm.json", "fixtures/io/expected.json"];
    ok(found.arrays > 0 || arrayFree.includes(path), `${path}: no encoded arrays`);
  }
});
