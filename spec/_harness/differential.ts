/**
 * The mechanism-level differential helper, counterpart of the op-level
 * `OpSpec`: a claim gives cases (named fixed cases and a fast-check
 * arbitrary), a GPU function, an oracle function and a bound function, all
 * over named outputs. Every fixed case runs as its own named test step and the
 * fuzzed cases as one step, so a failing case is printed alone with its name
 * (and fast-check's seed and path for a fuzzed one). The measurement is the
 * worst ratio `|gpu − oracle| / bound` over every element of every case, with
 * the case, output and index where it happened.
 *
 * @example A claim comparing a doubled vector with its oracle
 * ```ts ignore
 * import fc from "fast-check";
 * import { claimTest } from "./claim.ts";
 * import { differential } from "./differential.ts";
 * claimTest(DOUBLE_GPU_PARITY, (t) =>
 *   differential(t, {
 *     cases: [{ name: "n=1", input: [1] }, { name: "n=65", input: new Array(65).fill(0.5) }],
 *     fuzz: { arbitrary: fc.array(fc.float({ noNaN: true }), { minLength: 1 }) },
 *     gpu: async (x) => ({ y: await doubleOnGpu(x) }),
 *     oracle: (x) => ({ y: x.map((v) => 2 * v) }),
 *     bound: (_x, o) => ({ y: o.y.map((v) => Math.abs(v) * 2 ** -24) }),
 *   }));
 * ```
 *
 * @module
 */
import fc from "fast-check";
import { checkClose, describeClose } from "../../invariants/close.ts";
import type { Measurement } from "./claim.ts";
import { type CaseArbitrary, fcParams } from "./fuzz.ts";

/** Named output arrays of one case. */
export type Outputs = Readonly<Record<string, ArrayLike<number>>>;

/** Per-output absolute bounds: one per element, or one for all. */
export type Bounds = Readonly<Record<string, ArrayLike<number> | number>>;

/** A named fixed case. */
export interface NamedCase<C> {
  /** The case's name: its test step's name and where a worst ratio is reported. */
  readonly name: string;
  /** The case's input, passed to `gpu`, `oracle` and `bound`. */
  readonly input: C;
}

/** What a differential claim compares. */
export interface DifferentialSpec<C> {
  /** Fixed cases (limits, large sizes, regression cases), each its own test step. */
  readonly cases?: readonly NamedCase<C>[];
  /** Fuzzed cases: one step running `runs` (default 100) shrinking fast-check cases. */
  readonly fuzz?: {
    /** The cases' generator (any `fc.Arbitrary<C>`). */
    readonly arbitrary: CaseArbitrary<C>;
    readonly runs?: number;
    /** A short name of a fuzzed case for the worst-case report; JSON when absent. */
    readonly name?: (input: C) => string;
  };
  /** The implementation under test: the GPU, or the f64 oracle in a fixture claim. */
  readonly gpu: (input: C) => Outputs | Promise<Outputs>;
  /** The reference: the f64 definition, or a fixture's numpy or PyTorch values. */
  readonly oracle: (input: C) => Outputs | Promise<Outputs>;
  /** Each compared element's bound; `oracle` is this case's oracle outputs. */
  readonly bound: (input: C, oracle: Outputs) => Bounds | Promise<Bounds>;
  /** Whether NaN matches NaN (where the claim allows it); default false. */
  readonly equalNaN?: boolean;
}

/** The worst comparison of one case. */
export interface CaseResult {
  /** Worst |gpu − reference| / bound over the case's elements (≤ 1 passes). */
  readonly ratio: number;
  /** Elements compared. */
  readonly elements: number;
  /** Where the worst ratio happened: case, output, index, values and bound. */
  readonly detail: string;
}

/**
 * Runs one case: GPU, oracle, bounds, then every output element against its
 * bound. Outputs the oracle gives must all come back from the GPU, with the
 * same length.
 *
 * @throws {TypeError} when the GPU misses an output the oracle gives, or a length differs.
 */
export async function compareCase<C>(
  spec: DifferentialSpec<C>,
  name: string,
  input: C,
): Promise<CaseResult> {
  const gpu = await spec.gpu(input);
  const oracle = await spec.oracle(input);
  const bounds = await spec.bound(input, oracle);
  let ratio = 0;
  let elements = 0;
  let detail = `${name}: no elements`;
  for (const [key, want] of Object.entries(oracle)) {
    const got = gpu[key];
    const b = bounds[key];
    if (got === undefined || b === undefined) {
      throw new TypeError(
        `Cannot compare case ${name}: output "${key}" is missing from the ` +
          `${got === undefined ? "GPU outputs" : "bounds"}`,
      );
    }
    if (got.length !== want.length || (typeof b !== "number" && b.length !== want.length)) {
      throw new TypeError(
        `Cannot compare case ${name}, output "${key}": ${got.length} GPU values, ` +
          `${want.length} oracle values, ${typeof b === "number" ? "one" : b.length} bounds`,
      );
    }
    const v = checkClose(got, want, { atol: b, equalNaN: spec.equalNaN ?? false });
    elements += v.count;
    if (v.ratio >= ratio) {
      ratio = v.ratio;
      const bi = typeof b === "number" ? b : b[v.worstIndex];
      detail = `${name} ${key}: ${describeClose(v)} bound=${bi?.toExponential(2)}`;
    }
  }
  return { ratio, elements, detail };
}

/**
 * Runs every case of `spec` as test steps of `t` and returns the claim's
 * measurement: the worst ratio over all cases (≤ 1 passes), with the case
 * where it happened. A case over its bound fails its own step with its name.
 */
export async function differential<C>(
  t: Deno.TestContext,
  spec: DifferentialSpec<C>,
): Promise<Measurement> {
  let worst: CaseResult = { ratio: 0, elements: 0, detail: "no cases" };
  let cases = 0;
  let elements = 0;
  const keep = (r: CaseResult) => {
    cases++;
    elements += r.elements;
    if (r.ratio >= worst.ratio) worst = r;
  };
  const failed: string[] = [];
  for (const c of spec.cases ?? []) {
    const ok = await t.step(c.name, async () => {
      const r = await compareCase(spec, c.name, c.input);
      keep(r);
      if (!(r.ratio <= 1)) throw new Error(`case ${c.name} is over its bound: ${r.detail}`);
    });
    if (!ok) failed.push(c.name);
  }
  const fuzz = spec.fuzz;
  if (fuzz !== undefined) {
    const ok = await t.step("fuzzed cases", async () => {
      await fc.assert(
        fc.asyncProperty(fuzz.arbitrary as fc.Arbitrary<C>, async (input) => {
          const name = fuzz.name?.(input) ?? `fuzz ${JSON.stringify(input)}`.slice(0, 200);
          const r = await compareCase(spec, name, input);
          keep(r);
          return r.ratio <= 1;
        }),
        fcParams(fuzz.runs ?? 100),
      );
    });
    if (!ok) failed.push("fuzzed cases");
  }
  return {
    figure: worst.ratio,
    bound: 1,
    pass: failed.length === 0 && worst.ratio <= 1,
    detail: `worst ${worst.detail}; ${cases} cases, ${elements} elements` +
      (failed.length ? `; FAILED steps: ${failed.join(", ")}` : ""),
  };
}

/** GPU outputs, oracle outputs and bounds of one case, computed together. */
export interface Compared {
  /** The implementation's outputs. */
  readonly gpu: Outputs;
  /** The reference's outputs. */
  readonly oracle: Outputs;
  /** Each output's per-element bounds. */
  readonly bound: Bounds;
}

/**
 * A {@link Compared} built output by output.
 *
 * @example
 * ```ts
 * import { Comparison } from "./differential.ts";
 * const c = new Comparison().add("y", [1.5], [1.5], 0).add("z", [2], [2], [1e-7]);
 * console.assert(Object.keys(c.gpu).length === 2);
 * ```
 */
export class Comparison implements Compared {
  /** The implementation's outputs, by name. */
  readonly gpu: Record<string, ArrayLike<number>> = {};
  /** The reference's outputs, by name. */
  readonly oracle: Record<string, ArrayLike<number>> = {};
  /** Each output's bounds, by name: one per element, or one for all. */
  readonly bound: Record<string, ArrayLike<number> | number> = {};

  /**
   * Adds output `name`: the GPU's values, the reference's and their bounds.
   *
   * @throws {TypeError} when `name` is already added.
   */
  add(
    name: string,
    gpu: ArrayLike<number>,
    oracle: ArrayLike<number>,
    bound: ArrayLike<number> | number,
  ): this {
    if (Object.hasOwn(this.gpu, name)) {
      throw new TypeError(
        `Cannot add output "${name}": expected a new name but it is already added`,
      );
    }
    this.gpu[name] = gpu;
    this.oracle[name] = oracle;
    this.bound[name] = bound;
    return this;
  }
}

/**
 * The `gpu`, `oracle` and `bound` functions of a spec whose cases compute all
 * three in one pass, calling `compare` once per case: for references that
 * start from the GPU's own state (step-local bounds), or for outputs read back
 * from one dispatch together with the bounds derived from them.
 *
 * @example Spreading them into a spec
 * ```ts ignore
 * differential(t, { cases, ...jointly(async (c) => ({ gpu, oracle, bound })) });
 * ```
 */
export function jointly<C>(
  compare: (input: C) => Compared | Promise<Compared>,
): Pick<DifferentialSpec<C>, "gpu" | "oracle" | "bound"> {
  // compareCase asks for gpu, oracle and bound of one input in turn: keep the last one.
  let last: { input: C; result: Promise<Compared> } | undefined;
  const get = (input: C): Promise<Compared> => {
    if (last === undefined || last.input !== input) {
      last = { input, result: Promise.resolve().then(() => compare(input)) };
    }
    return last.result;
  };
  return {
    gpu: async (input) => (await get(input)).gpu,
    oracle: async (input) => (await get(input)).oracle,
    bound: async (input) => (await get(input)).bound,
  };
}

/**
 * Per-element bounds `rel·max(1, |ref_i|)`: an f64 computation against an f64
 * reference (e.g. the oracle against numpy within FIXTURE_F64_REL).
 *
 * @example
 * ```ts
 * import { relativeBounds } from "./differential.ts";
 * console.assert(relativeBounds([0.5, -4], 1e-12)[1] === 4e-12);
 * ```
 */
export function relativeBounds(ref: ArrayLike<number>, rel: number): Float64Array {
  return Float64Array.from({ length: ref.length }, (_, i) => rel * Math.max(1, Math.abs(ref[i]!)));
}
