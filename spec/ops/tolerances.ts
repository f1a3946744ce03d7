/**
 * The f32 tolerance of every ops fixture, as data: `fixtures/ops/tolerances.json`.
 *
 * For each fixture file `fixtures/ops/<op>.csv`, each case and each compared array
 * (`output`, `grad_input<k>`), the file holds the per-element absolute bound that
 * memspec's f32 GPU kernel is held to against PyTorch's f64 values: the OpSpec's
 * derived bound rule (`OP_SPECS` in spec/ops/claims.ts) evaluated on the fixture's
 * inputs, attributes, output gradient and expected values — the very numbers the
 * fixture runner (spec/ops/fixtures_test.ts) compares with. A PyTorch user checking an
 * f32 port can read them without running TypeScript: `|port − f64| ≤ bound` element by
 * element (the bounds assume memspec's kernels' f32 expressions; a port computing in
 * another order may need its own analysis, but these are a sound yardstick for the same
 * formulas).
 *
 * Arrays use the fixtures' one JSON encoding, `{dtype: "f64", shape, b64}` (little-endian,
 * row-major, base64; fixtures/README.md). `deno task fixtures:tolerances` rewrites the file;
 * spec/ops/tolerances_test.ts fails when the committed file differs from the rules.
 *
 * @example Reading a bound in Python
 * ```ts ignore
 * // import json, base64, numpy as np
 * // t = json.load(open("fixtures/ops/tolerances.json"))["ops"]["exp"]
 * // b = t["cases"]["small"]["output"]
 * // atol = np.frombuffer(base64.b64decode(b["b64"]), "<f8").reshape(b["shape"])
 * ```
 *
 * @module
 */
import { listFixtures, loadFixture, OP_FIXTURE_DIR } from "../_harness/fixtures.ts";
import type { OpSpec } from "../_harness/op_spec.ts";
import type { NDArray } from "../oracle/ndarray.ts";
import { OP_SPECS } from "./claims.ts";

/** Where the tolerance file lives, relative to the repository root. */
export const TOLERANCE_FILE = "fixtures/ops/tolerances.json";

/** An f64 array in the fixtures' JSON encoding. */
export interface EncodedF64 {
  dtype: "f64";
  shape: number[];
  b64: string;
}

/** The tolerances of one op. */
export interface OpTolerance {
  /** The fixture file the bounds were evaluated on. */
  fixture: string;
  /** The bound rule in words, as the op's claim states it. */
  rule: string;
  /** Per case: per compared array (`output`, `grad_input<k>`), the per-element bound. */
  cases: Record<string, Record<string, EncodedF64>>;
}

/** The whole file. */
export interface ToleranceFile {
  format: "memspec.ops.tolerances.v1";
  about: string;
  ops: Record<string, OpTolerance>;
}

function encodeF64(shape: readonly number[], values: ArrayLike<number>): EncodedF64 {
  const data = Float64Array.from(values);
  const bytes = new Uint8Array(data.buffer);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return { dtype: "f64", shape: [...shape], b64: btoa(bin) };
}

function toNd(shape: readonly number[], values: Float64Array): NDArray {
  return { shape: [...shape], data: values };
}

/** The bounds of one op's fixture: its rule evaluated on every case and array. */
async function toleranceOf(spec: OpSpec, path: string): Promise<OpTolerance> {
  const fixture = await loadFixture(path);
  const cases: Record<string, Record<string, EncodedF64>> = {};
  for (const c of fixture.cases) {
    const inputs = c.inputs.map((x) => toNd(x.shape, x.values));
    const opCase = { inputs: c.inputs, attrs: c.attrs, seed: 0, label: c.name };
    const gradOutput = c.gradOutput ?? { shape: c.output.shape, data: new Float64Array(0) };
    const arrays: Record<string, EncodedF64> = {};
    const add = (name: string, which: number, expected: NDArray) => {
      const atol = spec.bound({ case: opCase, inputs, gradOutput, expected, which });
      arrays[name] = encodeF64(expected.shape, atol);
    };
    add("output", -1, c.output);
    c.gradInputs.forEach((g, k) => {
      if (g !== null) add(`grad_input${k}`, k, g);
    });
    cases[c.name] = arrays;
  }
  return { fixture: path, rule: spec.boundText, cases };
}

/**
 * Evaluates every ops fixture's bounds. Throws when a fixture has no OpSpec (the fixture
 * runner reports the same).
 */
export async function computeTolerances(): Promise<ToleranceFile> {
  const ops: Record<string, OpTolerance> = {};
  for (const path of listFixtures(OP_FIXTURE_DIR)) {
    const op = path.slice(path.lastIndexOf("/") + 1, -".csv".length);
    const spec = OP_SPECS.find((s) => s.name === op);
    if (spec === undefined) {
      throw new Error(`Cannot compute the tolerances of ${path}: no OpSpec named "${op}"`);
    }
    ops[op] = await toleranceOf(spec, path);
  }
  return {
    format: "memspec.ops.tolerances.v1",
    about: "Per-element absolute f32 bounds of memspec's GPU ops against the f64 values of " +
      "fixtures/ops/<op>.csv, by op, case and array; written by spec/ops/tolerances.ts " +
      "(deno task fixtures:tolerances); do not edit.",
    ops,
  };
}

/** The file's text: stable key order, one op a line group. */
export function tolerancesText(file: ToleranceFile): string {
  return JSON.stringify(file, null, 1) + "\n";
}

if (import.meta.main) {
  const file = await computeTolerances();
  await Deno.writeTextFile(
    new URL(`../../${TOLERANCE_FILE}`, import.meta.url),
    tolerancesText(file),
  );
  console.log(`wrote ${TOLERANCE_FILE}: ${Object.keys(file.ops).length} ops`);
}
