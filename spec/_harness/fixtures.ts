/**
 * PyTorch fixtures: loading `fixtures/ops/<op>.csv` and checking an op spec
 * against them.
 *
 * A fixture file holds one row per array (`case,tensor,dtype,shape,values`):
 * inputs (`input<k>`, f32 or i32), attributes (`attr.<name>`, dtype `attr`),
 * the output gradient (`grad_output`, f32) and PyTorch's f64 ground truth
 * (`output`, `grad_input<k>`, f64). Shapes are written `2x3` (empty for a
 * scalar); values are space-separated round-trip decimals (`NaN`, `Infinity`,
 * `-Infinity` spelled out). An input without a `grad_input<k>` row is not
 * differentiable in that case. Every file's sha256 must match
 * `fixtures/manifest.json`, which `deno task fixtures` writes with the files.
 *
 * Malformed files fail loudly: a {@link SyntaxError} naming the file and the
 * 1-based line, e.g. `Cannot parse fixtures/ops/add.csv line 7: expected 5
 * columns but found 4`.
 *
 * @example Parsing a fixture text
 * ```ts
 * import { parseFixture } from "./fixtures.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const text = "case,tensor,dtype,shape,values\n" +
 *   "c,input0,f32,2,1 -2\n" +
 *   "c,grad_output,f32,2,0.5 0.5\n" +
 *   "c,output,f64,2,-1 2\n" +
 *   "c,grad_input0,f64,2,-0.5 -0.5\n";
 * const [c] = parseFixture(text, "neg.csv");
 * deepStrictEqual(Array.from(c!.output.data), [-1, 2]);
 * deepStrictEqual(c!.inputs[0]!.shape, [2]);
 * ```
 *
 * @module
 */
import { parse } from "csv-parse/sync";
import { checkClose, type CloseVerdict } from "../../invariants/close.ts";
import { FIXTURE_F64_REL } from "../../invariants/tolerance.ts";
import type { NDArray } from "../oracle/ndarray.ts";
import {
  compareWithBounds,
  type OpAttrs,
  type OpCase,
  type OpInput,
  type OpSpec,
  runOpOnGpu,
} from "./op_spec.ts";

/** One fixture case: what to feed the op and what PyTorch computed. */
export interface FixtureCase {
  /** The case name (first column). */
  readonly name: string;
  /** 1-based line of the case's first row. */
  readonly line: number;
  readonly inputs: OpInput[];
  readonly attrs: OpAttrs;
  /** The output gradient; null when no input is differentiable. */
  readonly gradOutput: NDArray | null;
  /** PyTorch's f64 forward output. */
  readonly output: NDArray;
  /** PyTorch's f64 gradient of each input; null where the input is not differentiable. */
  readonly gradInputs: (NDArray | null)[];
}

/** A loaded, verified fixture file. */
export interface Fixture {
  /** The path as given (repository-relative). */
  readonly path: string;
  /** The op name: the file name without `.csv`. */
  readonly op: string;
  readonly sha256: string;
  readonly cases: FixtureCase[];
}

/** The repository root, where fixture paths and manifest keys are relative to. */
const ROOT = new URL("../../", import.meta.url);

/** The manifest every fixture file is verified against. */
export const FIXTURE_MANIFEST = "fixtures/manifest.json";

/** Directory of the op fixtures. */
export const OP_FIXTURE_DIR = "fixtures/ops";

const HEADER = ["case", "tensor", "dtype", "shape", "values"] as const;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NAMED: Record<string, number> = { "NaN": NaN, "Infinity": Infinity, "-Infinity": -Infinity };
const DTYPES = ["f32", "i32", "f64", "attr"] as const;
type FixtureDType = typeof DTYPES[number];

type Role =
  | { kind: "input"; index: number }
  | { kind: "attr"; key: string }
  | { kind: "grad_output" }
  | { kind: "output" }
  | { kind: "grad_input"; index: number };

interface Row {
  line: number;
  role: Role;
  tensor: string;
  dtype: FixtureDType;
  shape: number[];
  values: Float64Array;
}

function fail(path: string, line: number, message: string): never {
  throw new SyntaxError(`Cannot parse ${path} line ${line}: ${message}`);
}

function parseRole(path: string, line: number, s: string): Role {
  let m: RegExpMatchArray | null;
  if ((m = s.match(/^input(0|[1-9]\d*)$/))) return { kind: "input", index: Number(m[1]) };
  if ((m = s.match(/^grad_input(0|[1-9]\d*)$/))) {
    return { kind: "grad_input", index: Number(m[1]) };
  }
  if ((m = s.match(/^attr\.([A-Za-z_][A-Za-z0-9_]*)$/))) return { kind: "attr", key: m[1]! };
  if (s === "grad_output" || s === "output") return { kind: s };
  return fail(
    path,
    line,
    `unknown tensor role "${s}" (expected input<k>, attr.<name>, grad_output, output or ` +
      `grad_input<k>)`,
  );
}

const ALLOWED: Record<Role["kind"], readonly FixtureDType[]> = {
  input: ["f32", "i32"],
  attr: ["attr"],
  grad_output: ["f32"],
  output: ["f64"],
  grad_input: ["f64"],
};

function parseShape(path: string, line: number, s: string): number[] {
  if (s === "") return [];
  const dims = s.split("x");
  for (const d of dims) {
    if (!/^(0|[1-9]\d*)$/.test(d)) {
      fail(path, line, `malformed shape "${s}" (expected dimensions joined by "x", e.g. 2x3)`);
    }
  }
  return dims.map(Number);
}

function parseValues(path: string, line: number, s: string, dtype: FixtureDType): Float64Array {
  const tokens = s.trim() === "" ? [] : s.trim().split(/\s+/);
  const out = new Float64Array(tokens.length);
  tokens.forEach((t, i) => {
    let v: number;
    if (t in NAMED) v = NAMED[t]!;
    else if (NUMBER.test(t)) v = Number(t);
    else return fail(path, line, `value ${i} "${t}" is not a number`);
    if (dtype === "i32" && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
      fail(path, line, `value ${i} "${t}" is not an i32 integer`);
    }
    if (dtype === "f32" && Number.isFinite(v) && Math.fround(v) !== v) {
      fail(path, line, `value ${i} "${t}" is not exactly representable in f32`);
    }
    out[i] = v;
  });
  return out;
}

function parseRow(path: string, line: number, cols: string[]): Row {
  const [, tensorName, dtype, shapeText, valueText] = cols as [
    string,
    string,
    string,
    string,
    string,
  ];
  const role = parseRole(path, line, tensorName);
  if (!(DTYPES as readonly string[]).includes(dtype)) {
    fail(path, line, `unknown dtype "${dtype}" (expected one of ${DTYPES.join(", ")})`);
  }
  const dt = dtype as FixtureDType;
  if (!ALLOWED[role.kind].includes(dt)) {
    fail(
      path,
      line,
      `tensor ${tensorName} has dtype ${dt}, expected ${ALLOWED[role.kind].join(" or ")}`,
    );
  }
  const shape = parseShape(path, line, shapeText);
  if (role.kind === "attr" && shape.length > 1) {
    fail(path, line, `attribute ${tensorName} has rank ${shape.length}; expected a scalar or list`);
  }
  const values = parseValues(path, line, valueText, dt);
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n) {
    fail(
      path,
      line,
      `shape ${shapeText === "" ? "(scalar)" : shapeText} needs ${n} values but found ` +
        `${values.length}`,
    );
  }
  return { line, role, tensor: tensorName, dtype: dt, shape, values };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function showShape(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}

function buildCase(path: string, name: string, rows: Row[]): FixtureCase {
  const first = rows[0]!.line;
  const seen = new Map<string, number>();
  for (const r of rows) {
    const prev = seen.get(r.tensor);
    if (prev !== undefined) {
      fail(path, r.line, `case "${name}" has a second ${r.tensor} row (first on line ${prev})`);
    }
    seen.set(r.tensor, r.line);
  }
  const byKind = <K extends Role["kind"]>(kind: K) =>
    rows.filter((r): r is Row & { role: Extract<Role, { kind: K }> } => r.role.kind === kind);
  const inputRows = byKind("input").sort((a, b) => a.role.index - b.role.index);
  if (inputRows.length === 0) fail(path, first, `case "${name}" has no input rows`);
  inputRows.forEach((r, k) => {
    if (r.role.index !== k) fail(path, r.line, `case "${name}" has ${r.tensor} but no input${k}`);
  });
  const outputRow = byKind("output")[0];
  if (outputRow === undefined) fail(path, first, `case "${name}" has no output row`);
  const gradRows = byKind("grad_input");
  const gradOutputRow = byKind("grad_output")[0];
  if (gradRows.length > 0 && gradOutputRow === undefined) {
    fail(path, first, `case "${name}" has input gradients but no grad_output row`);
  }
  if (gradOutputRow !== undefined) {
    if (gradRows.length === 0) {
      fail(path, gradOutputRow.line, `case "${name}" has a grad_output but no grad_input rows`);
    }
    if (!sameShape(gradOutputRow.shape, outputRow.shape)) {
      fail(
        path,
        gradOutputRow.line,
        `grad_output shape ${showShape(gradOutputRow.shape)} differs from the output shape ` +
          `${showShape(outputRow.shape)}`,
      );
    }
  }
  const gradInputs: (NDArray | null)[] = inputRows.map(() => null);
  for (const r of gradRows) {
    const input = inputRows[r.role.index];
    if (input === undefined) {
      fail(path, r.line, `${r.tensor} has no input${r.role.index} in case "${name}"`);
    }
    if (input.dtype !== "f32") fail(path, r.line, `${r.tensor} belongs to an ${input.dtype} input`);
    if (!sameShape(r.shape, input.shape)) {
      fail(
        path,
        r.line,
        `${r.tensor} shape ${showShape(r.shape)} differs from input${r.role.index} shape ` +
          `${showShape(input.shape)}`,
      );
    }
    gradInputs[r.role.index] = { shape: r.shape, data: r.values };
  }
  const attrs: OpAttrs = {};
  for (const r of byKind("attr")) {
    attrs[r.role.key] = r.shape.length === 0 ? r.values[0]! : Array.from(r.values);
  }
  const inputs: OpInput[] = inputRows.map((r, k) => ({
    shape: r.shape,
    values: r.values,
    dtype: r.dtype as "f32" | "i32",
    differentiable: gradInputs[k] !== null,
  }));
  return {
    name,
    line: first,
    inputs,
    attrs,
    gradOutput: gradOutputRow ? { shape: gradOutputRow.shape, data: gradOutputRow.values } : null,
    output: { shape: outputRow.shape, data: outputRow.values },
    gradInputs,
  };
}

interface CsvErrorLike {
  message: string;
  lines?: number;
}

/**
 * Parses a fixture text. `path` only labels errors.
 *
 * @throws {SyntaxError} naming `path` and the 1-based line for any malformed row or case.
 */
export function parseFixture(text: string, path: string): FixtureCase[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: false,
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as CsvErrorLike;
    fail(path, err.lines ?? 1, err.message);
  }
  if (records.length === 0) fail(path, 1, `empty file; expected the header ${HEADER.join(",")}`);
  const header = records[0]!;
  if (header.record.join(",") !== HEADER.join(",")) {
    fail(
      path,
      header.info.lines,
      `expected the header "${HEADER.join(",")}" but found "${header.record.join(",")}"`,
    );
  }
  const cases: FixtureCase[] = [];
  const done = new Set<string>();
  let current: { name: string; rows: Row[] } | null = null;
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== HEADER.length) {
      fail(path, line, `expected ${HEADER.length} columns but found ${record.length}`);
    }
    if (record.some((f) => /[\r\n]/.test(f))) fail(path, line, "a field spans several lines");
    const name = record[0]!;
    if (name === "") fail(path, line, "empty case name");
    if (current === null || current.name !== name) {
      if (done.has(name)) {
        fail(path, line, `case "${name}" continues after other cases (rows must be contiguous)`);
      }
      if (current !== null) cases.push(buildCase(path, current.name, current.rows));
      current = { name, rows: [] };
      done.add(name);
    }
    current.rows.push(parseRow(path, line, record));
  }
  if (current === null) fail(path, header.info.lines, "no cases after the header");
  cases.push(buildCase(path, current.name, current.rows));
  return cases;
}

interface ManifestEntry {
  sha256: string;
  generator?: string;
  claims?: string[];
}

const manifests = new Map<string, Promise<Record<string, ManifestEntry>>>();

async function readManifest(manifestPath: string): Promise<Record<string, ManifestEntry>> {
  let cached = manifests.get(manifestPath);
  if (cached === undefined) {
    cached = Deno.readTextFile(new URL(manifestPath, ROOT)).then((t) => {
      const json = JSON.parse(t) as { files?: Record<string, ManifestEntry> };
      if (typeof json.files !== "object" || json.files === null) {
        throw new SyntaxError(`Cannot read ${manifestPath}: it has no "files" object`);
      }
      return json.files;
    });
    manifests.set(manifestPath, cached);
  }
  return await cached;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Reads a fixture file (a repository-relative path) and verifies its sha256 against the
 * manifest, which must list it: every fixture loader goes through here.
 *
 * @throws {Error} when the file is missing from the manifest or its hash differs
 *   (regenerate with `deno task fixtures`).
 */
export async function readPinnedFixture(
  path: string,
  options: LoadFixtureOptions = {},
): Promise<{ bytes: Uint8Array<ArrayBuffer>; sha256: string }> {
  const manifestPath = options.manifest ?? FIXTURE_MANIFEST;
  const bytes = await Deno.readFile(new URL(path, ROOT));
  const sha256 = await sha256Hex(bytes);
  const entry = (await readManifest(manifestPath))[path];
  if (entry === undefined) {
    throw new Error(
      `Cannot load ${path}: it is not listed in ${manifestPath}; regenerate the fixtures with ` +
        "`deno task fixtures`",
    );
  }
  if (entry.sha256 !== sha256) {
    throw new Error(
      `Cannot load ${path}: its sha256 ${sha256} differs from ${entry.sha256} in ` +
        `${manifestPath} (edited by hand or stale); regenerate the fixtures with ` +
        "`deno task fixtures`",
    );
  }
  return { bytes, sha256 };
}

/**
 * The `format` every JSON fixture declares: `memspec.<family>.<name>.v<version>`
 * (fixtures/gen/_encoding.py `fixture_format`; fixtures/README.md, "JSON fixtures").
 */
export const FIXTURE_FORMAT = /^memspec\.[a-z0-9_]+\.[a-z0-9_]+\.v[0-9]+$/;

/**
 * Loads a manifest-pinned JSON fixture ({@link readPinnedFixture}) and checks its `format`:
 * it must follow the scheme {@link FIXTURE_FORMAT} and equal `format`.
 *
 * @returns the parsed file and an integrity line for claim details.
 * @throws {Error} as {@link readPinnedFixture}.
 * @throws {SyntaxError} naming the file for bad JSON, a `format` outside the scheme, or a
 *   `format` other than the expected one.
 */
export async function loadPinnedJson<T extends { format: string }>(
  path: string,
  format: string,
  options: LoadFixtureOptions = {},
): Promise<{ data: T; integrity: string }> {
  if (!FIXTURE_FORMAT.test(format)) {
    throw new TypeError(
      `Cannot load ${path}: expected format "${format}" does not match ${FIXTURE_FORMAT}`,
    );
  }
  const { bytes, sha256 } = await readPinnedFixture(path, options);
  let data: T;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (e) {
    throw new SyntaxError(`Cannot parse ${path}: ${e instanceof Error ? e.message : e}`);
  }
  const declared: unknown = typeof data === "object" && data !== null ? data.format : undefined;
  if (typeof declared !== "string" || !FIXTURE_FORMAT.test(declared)) {
    throw new SyntaxError(
      `Cannot read ${path}: expected a format matching ${FIXTURE_FORMAT} but got ` +
        `${JSON.stringify(declared) ?? "none"}`,
    );
  }
  if (declared !== format) {
    throw new SyntaxError(`Cannot read ${path}: expected format "${format}" but got "${declared}"`);
  }
  return { data, integrity: `manifest sha256 ${sha256.slice(0, 12)}… verified` };
}

/** Options of {@link loadFixture}. */
export interface LoadFixtureOptions {
  /** Repository-relative manifest path; default {@link FIXTURE_MANIFEST}. */
  manifest?: string;
}

/**
 * Loads a fixture file (a repository-relative path), verifies its sha256
 * against the manifest, and parses it.
 *
 * @throws {Error} when the file is missing from the manifest or its hash differs
 *   (regenerate with `deno task fixtures`).
 * @throws {SyntaxError} when the file is malformed (file and line named).
 */
export async function loadFixture(
  path: string,
  options: LoadFixtureOptions = {},
): Promise<Fixture> {
  const { bytes, sha256 } = await readPinnedFixture(path, options);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new SyntaxError(`Cannot parse ${path} line 1: the file is not valid UTF-8`);
  }
  const name = path.slice(path.lastIndexOf("/") + 1);
  return {
    path,
    op: name.endsWith(".csv") ? name.slice(0, -4) : name,
    sha256,
    cases: parseFixture(text, path),
  };
}

/** Repository-relative paths of every `*.csv` in `dir`, sorted. Synchronous, for test registration. */
export function listFixtures(dir: string = OP_FIXTURE_DIR): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(new URL(dir + "/", ROOT))) {
    if (e.isFile && e.name.endsWith(".csv")) out.push(`${dir}/${e.name}`);
  }
  return out.sort();
}

/** The op case a fixture case stands for (its seed is unused: the output gradient is given). */
export function fixtureOpCase(c: FixtureCase): OpCase {
  return { inputs: c.inputs, attrs: c.attrs, seed: 0, label: c.name };
}

function toNd(x: OpInput): NDArray {
  return { shape: x.shape, data: x.values };
}

/** One compared array of a fixture case. */
export interface FixtureComparison {
  /** -1 the forward output, k the gradient of input k. */
  which: number;
  verdict: CloseVerdict;
}

/** The worst of a case's comparisons. */
export interface FixtureResult {
  pass: boolean;
  /** Worst error-to-bound ratio. */
  ratio: number;
  worst: FixtureComparison;
  comparisons: FixtureComparison[];
}

function summarise(comparisons: FixtureComparison[]): FixtureResult {
  const worst = comparisons.reduce((w, c) => (c.verdict.ratio > w.verdict.ratio ? c : w));
  return {
    pass: comparisons.every((c) => c.verdict.pass),
    ratio: worst.verdict.ratio,
    worst,
    comparisons,
  };
}

function expectShape(op: string, c: FixtureCase, what: string, got: readonly number[]): void {
  const want = c.output.shape;
  if (!sameShape(got, want)) {
    throw new TypeError(
      `${op}: ${what} output shape ${showShape(got)} differs from the fixture's ` +
        `${showShape(want)} (case "${c.name}", line ${c.line})`,
    );
  }
}

/**
 * Compares the spec's f64 oracle with a fixture case: forward output and each
 * differentiable input's gradient (given the fixture's output gradient), with
 * `|o − f| ≤ FIXTURE_F64_REL·max(|f|, 1)`; NaN matches NaN.
 */
export function checkFixtureOracle(spec: OpSpec, c: FixtureCase): FixtureResult {
  const inputs = c.inputs.map(toNd);
  const atol = (f: NDArray) => f.data.map((v) => FIXTURE_F64_REL * Math.max(Math.abs(v), 1));
  const out = spec.oracle.forward(inputs, c.attrs);
  expectShape(spec.name, c, "the oracle's", out.shape);
  const comparisons: FixtureComparison[] = [
    {
      which: -1,
      verdict: checkClose(out.data, c.output.data, { atol: atol(c.output), equalNaN: true }),
    },
  ];
  if (c.gradOutput !== null) {
    const grads = spec.oracle.backward(inputs, c.attrs, c.gradOutput);
    c.gradInputs.forEach((want, k) => {
      if (want === null) return;
      const got = grads[k];
      if (!got) throw new Error(`${spec.name}: the oracle gave no gradient for input ${k}`);
      if (!sameShape(got.shape, want.shape)) {
        throw new TypeError(
          `${spec.name}: the oracle's gradient of input ${k} has shape ${showShape(got.shape)}, ` +
            `the fixture's ${showShape(want.shape)} (case "${c.name}")`,
        );
      }
      comparisons.push({
        which: k,
        verdict: checkClose(got.data, want.data, { atol: atol(want), equalNaN: true }),
      });
    });
  }
  return summarise(comparisons);
}

/**
 * Runs a fixture case on the GPU, forward and then backward with the
 * fixture's output gradient, and compares every array with the spec's own
 * bound rule (`expected` is PyTorch's value); NaN matches NaN. Checks that the
 * case leaves no GPU buffer alive.
 */
export async function checkFixtureGpu(spec: OpSpec, c: FixtureCase): Promise<FixtureResult> {
  const wantsGrad = c.gradInputs.map((g) => g !== null);
  const got = await runOpOnGpu(
    spec,
    c.inputs,
    c.attrs,
    c.output.shape,
    c.gradOutput,
    wantsGrad,
    `fixture case "${c.name}" (line ${c.line})`,
  );
  const gradOutput = c.gradOutput ?? { shape: c.output.shape, data: new Float64Array(0) };
  return summarise(
    compareWithBounds(spec, fixtureOpCase(c), gradOutput, got, c.output, c.gradInputs, true),
  );
}
