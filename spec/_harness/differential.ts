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
import { fcParams } from "./fuzz.ts";

/** Named output arrays of one case. */
export type Outputs = Readonly<Record<string, ArrayLike<number>>>;

/** Per-output absolute bounds: one per element, or one for all. */
export type Bounds = Readonly<Record<string, ArrayLike<number> | number>>;

/** A named fixed case. */
export interface NamedCase<C> {
  readonly name: string;
  readonly input: C;
}

/** What a differential claim compares. */
export interface DifferentialSpec<C> {
  /** Fixed cases (limits, large sizes, regression cases), each its own test step. */
  readonly cases?: readonly NamedCase<C>[];
  /** Fuzzed cases: one step running `runs` (default 100) shrinking fast-check cases. */
  readonly fuzz?: {
    readonly arbitrary: fc.Arbitrary<C>;
    readonly runs?: number;
    /** A short name of a fuzzed case for the worst-case report; JSON when absent. */
    readonly name?: (input: C) => string;
  };
  /** The implementation under test. */
  readonly gpu: (input: C) => Outputs | Promise<Outputs>;
  /** The f64 definition. */
  readonly oracle: (input: C) => Outputs | Promise<Outputs>;
  /** Each compared element's bound; `oracle` is this case's oracle outputs. */
  readonly bound: (input: C, oracle: Outputs) => Bounds | Promise<Bounds>;
  /** Whether NaN matches NaN (where the claim allows it); default false. */
  readonly equalNaN?: boolean;
}

/** The worst comparison of one case. */
export interface CaseResult {
  readonly ratio: number;
  readonly elements: number;
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
        fc.asyncProperty(fuzz.arbitrary, async (input) => {
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
