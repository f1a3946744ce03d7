/**
 * The one differential helper for every op (tinygrad's habit): an
 * {@link OpSpec} names the GPU op, its f64 oracle (forward and analytic
 * backward), its tolerance rules and its case generators; {@link checkOpCase}
 * runs a case on both and compares forward outputs and every input gradient;
 * {@link registerOpClaims} turns a spec into its claims:
 *
 * - `ops.<name>.oracle_gradcheck`: oracle analytic gradients vs central differences, f64;
 * - `ops.<name>.gpu_parity`: GPU forward and backward vs the oracle, fast-check
 *   fuzzed (≥ 100 runs) plus fixed edge cases (sizes 1, primes, non-multiples of
 *   the workgroup size, a grid past 65,535 workgroups);
 * - `ops.<name>.fixture_parity`: proven by the fixture runner from PyTorch CSVs.
 *
 * @module
 */
import fc from "fast-check";
import {
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../impl/mod.ts";
import { Rng } from "../../impl/gpu/rng.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../invariants/close.ts";
import { gradcheck } from "../../invariants/gradcheck.ts";
import { accumulationBound, GRADCHECK_MAX_REL } from "../../invariants/tolerance.ts";
import type { NDArray } from "../oracle/ndarray.ts";
import { type Claim, claimTest, declareClaim } from "./claim.ts";
import { type CaseArbitrary, fcParams, replayHint } from "./fuzz.ts";

/** One input of a case; values are already f32-rounded (or integers for i32). */
export interface OpInput {
  /** The input's shape. */
  shape: number[];
  /** Its values, row-major (f32-rounded, or integers for i32). */
  values: Float64Array;
  /** Element type on the GPU; default "f32". */
  dtype?: "f32" | "i32";
  /** Whether the op is differentiable in this input; default true for f32. */
  differentiable?: boolean;
}

/** Attributes of a case: scalars or lists (axis, bounds, flags as 0/1). */
export type OpAttrs = Record<string, number | number[]>;

/** One case: inputs, attributes, and the seed of its output gradient. */
export interface OpCase {
  /** The op's inputs, in argument order. */
  inputs: OpInput[];
  /** The op's attributes. */
  attrs: OpAttrs;
  /** Seeds the output gradient's values. */
  seed: number;
  /** Shown in reports, e.g. "grid > 65535". */
  label?: string;
}

/** The f64 definition of an op. */
export interface OracleOp {
  /** The op's output for `inputs`, in f64. */
  forward(inputs: NDArray[], attrs: OpAttrs): NDArray;
  /** Gradient for each input given the output gradient; null where not differentiable. */
  backward(inputs: NDArray[], attrs: OpAttrs, gradOutput: NDArray): (NDArray | null)[];
}

/** Per-element absolute bounds for a compared array (the ledger's rules build these). */
export type BoundRule = (args: {
  case: OpCase;
  inputs: NDArray[];
  gradOutput: NDArray;
  /** The oracle's value for the compared array. */
  expected: NDArray;
  /** Which array: -1 the forward output, k the gradient of input k. */
  which: number;
}) => ArrayLike<number>;

/** Everything the helper needs to check one op. */
export interface OpSpec {
  /** Op name, as in claim ids (`ops.<name>.*`) and fixture files. */
  name: string;
  /** Where the op's definition comes from. */
  source: string;
  /** Runs the op on the GPU. */
  gpu(inputs: Tensor[], attrs: OpAttrs): Tensor;
  /** The op's f64 definition, forward and analytic backward. */
  oracle: OracleOp;
  /** Tolerance of the forward output and of each gradient. */
  bound: BoundRule;
  /** In words, for the claim line, e.g. "T3: k·u32·Σ|a||b|". */
  boundText: string;
  /** Fuzzed cases (≥ 100 runs). */
  arbitrary: CaseArbitrary<OpCase>;
  /** Fixed edge cases, the large grid among them. */
  examples: () => OpCase[];
  /** Cases for the f64 gradcheck (kept away from kinks). */
  gradcheckCases: () => OpCase[];
  /** Fuzz runs; default 100. */
  numRuns?: number;
}

/** Deterministic f32-rounded values in [lo, hi) for a case. */
export function caseValues(seed: number, n: number, lo = -2, hi = 2): Float64Array {
  const rng = new Rng(seed >>> 0);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(rng.uniformIn(lo, hi));
  return out;
}

/** An f32 input of `shape` with seeded values in [lo, hi). */
export function f32Input(shape: number[], seed: number, lo = -2, hi = 2): OpInput {
  return { shape, values: caseValues(seed, shape.reduce((a, b) => a * b, 1), lo, hi) };
}

function toNd(x: OpInput): NDArray {
  return { shape: x.shape, data: x.values };
}

function isDiff(x: OpInput): boolean {
  return (x.dtype ?? "f32") === "f32" && x.differentiable !== false;
}

/** The output gradient used for a case (seeded, f32-rounded). */
export function gradOutputFor(c: OpCase, shape: readonly number[]): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape: [...shape], data: caseValues(c.seed ^ 0x9e3779b9, n, -1, 1) };
}

/** Result of one case: the worst forward/backward verdicts. */
export interface CaseResult {
  /** Whether the output and every gradient are within their bounds. */
  pass: boolean;
  /** The verdict of the worst compared array. */
  worst: CloseVerdict;
  /** -1 forward, k gradient of input k. */
  worstWhich: number;
}

/**
 * Runs an op on the GPU: forward, then (when `gradOutput` is given) backward
 * from it. Returns the forward output followed by the gradient of each input
 * marked in `wantsGrad`, read with one host sync. Throws when the output shape
 * differs from `expectedShape` or when the run leaves a GPU buffer alive.
 */
export async function runOpOnGpu(
  spec: OpSpec,
  inputs: readonly OpInput[],
  attrs: OpAttrs,
  expectedShape: readonly number[],
  gradOutput: NDArray | null,
  wantsGrad: readonly boolean[],
  label: string,
): Promise<(Float32Array | Int32Array)[]> {
  await initGpu();
  const before = liveBufferCount();
  const ts = inputs.map((x, k) =>
    tensor(x.values, x.shape, {
      dtype: x.dtype ?? "f32",
      requiresGrad: gradOutput !== null && wantsGrad[k] === true,
    })
  );
  let values: (Float32Array | Int32Array)[];
  try {
    const read = tidy(() => {
      const y = spec.gpu(ts, attrs);
      if (y.shape.join() !== expectedShape.join()) {
        throw new TypeError(
          `${spec.name}: GPU output shape [${y.shape}] differs from the expected [${expectedShape}] (${label})`,
        );
      }
      if (gradOutput === null) return [y];
      backward(y, tensor(gradOutput.data, gradOutput.shape));
      return [y, ...ts.filter((_, k) => wantsGrad[k]).map((t) => t.grad!)];
    });
    values = await readTensors(read);
    read[0]!.dispose();
  } finally {
    for (const t of ts) t.dispose();
  }
  if (liveBufferCount() !== before) {
    throw new Error(`${spec.name}: ${label} leaked ${liveBufferCount() - before} GPU buffers`);
  }
  return values;
}

/** One compared array: -1 the forward output, k the gradient of input k. */
export interface Comparison {
  which: number;
  verdict: CloseVerdict;
}

/**
 * Compares GPU values (as returned by {@link runOpOnGpu}) with expected arrays
 * under the spec's bound rule; returns every comparison, worst first.
 */
export function compareWithBounds(
  spec: OpSpec,
  c: OpCase,
  gradOutput: NDArray,
  got: readonly ArrayLike<number>[],
  expected: NDArray,
  expectedGrads: readonly (NDArray | null)[],
  equalNaN = false,
): Comparison[] {
  const inputs = c.inputs.map(toNd);
  const out: Comparison[] = [];
  const compare = (which: number, values: ArrayLike<number>, want: NDArray) => {
    const atol = spec.bound({ case: c, inputs, gradOutput, expected: want, which });
    out.push({ which, verdict: checkClose(values, want.data, { atol, equalNaN }) });
  };
  compare(-1, got[0]!, expected);
  let v = 1;
  expectedGrads.forEach((want, k) => {
    if (want !== null) compare(k, got[v++]!, want);
  });
  return out.sort((a, b) => b.verdict.ratio - a.verdict.ratio);
}

/**
 * Runs `c` on the GPU (forward, then backward with a seeded output gradient)
 * and on the oracle; compares every array with the spec's bounds. Checks that
 * the case leaves no live buffer behind.
 */
export async function checkOpCase(spec: OpSpec, c: OpCase): Promise<CaseResult> {
  const inputs = c.inputs.map(toNd);
  const expected = spec.oracle.forward(inputs, c.attrs);
  const gradOutput = gradOutputFor(c, expected.shape);
  const wantsGrad = c.inputs.map(isDiff);
  const anyGrad = wantsGrad.some((w) => w);
  const oracleGrads = anyGrad ? spec.oracle.backward(inputs, c.attrs, gradOutput) : [];
  const expectedGrads = wantsGrad.map((w, k) => {
    if (!w) return null;
    const g = oracleGrads[k];
    if (!g) throw new Error(`${spec.name}: the oracle gave no gradient for input ${k}`);
    return g;
  });
  const got = await runOpOnGpu(
    spec,
    c.inputs,
    c.attrs,
    expected.shape,
    anyGrad ? gradOutput : null,
    wantsGrad,
    c.label ?? `seed ${c.seed}`,
  );
  const [worst] = compareWithBounds(spec, c, gradOutput, got, expected, expectedGrads);
  return { pass: worst!.verdict.pass, worst: worst!.verdict, worstWhich: worst!.which };
}

function describeCase(c: OpCase): string {
  const shapes = c.inputs.map((x) => `[${x.shape.join(",")}]`).join(" ");
  return `${c.label ? c.label + " " : ""}${shapes} attrs=${JSON.stringify(c.attrs)} seed=${c.seed}`;
}

/** Runs the f64 gradcheck of a spec over its gradcheck cases; returns the worst error. */
export function oracleGradcheck(spec: OpSpec): { maxError: number; where: string } {
  let maxError = 0;
  let where = "";
  for (const c of spec.gradcheckCases()) {
    const inputs = c.inputs.map(toNd);
    const out = spec.oracle.forward(inputs, c.attrs);
    const w = gradOutputFor(c, out.shape).data;
    const r = gradcheck(
      (xs) =>
        spec.oracle.forward(xs.map((d, k) => ({ shape: c.inputs[k]!.shape, data: d })), c.attrs)
          .data,
      inputs.map((x) => x.data),
      (wv) =>
        spec.oracle.backward(inputs, c.attrs, { shape: out.shape, data: wv }).map((g, k) =>
          isDiff(c.inputs[k]!) ? g?.data ?? null : null
        ),
      w,
      { check: c.inputs.map(isDiff) },
    );
    if (!(r.maxError <= maxError)) {
      maxError = r.maxError;
      where = `${
        describeCase(c)
      } input ${r.worst.input}[${r.worst.index}] analytic ${r.worst.analytic} numeric ${r.worst.numeric}`;
    }
  }
  return { maxError, where };
}

/** Claim ids of an op. */
export function opClaimIds(name: string): { gradcheck: string; parity: string; fixture: string } {
  return {
    gradcheck: `ops.${name}.oracle_gradcheck`,
    parity: `ops.${name}.gpu_parity`,
    fixture: `ops.${name}.fixture_parity`,
  };
}

/** Declares the three claims of an op spec (once per process). */
export function declareOpClaims(spec: OpSpec): Claim[] {
  const ids = opClaimIds(spec.name);
  return [
    declareClaim({
      id: ids.gradcheck,
      family: "ops",
      kind: "gradcheck",
      statement: `${spec.name}: oracle analytic gradients match central differences in f64`,
      source: spec.source,
      bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
    }),
    declareClaim({
      id: ids.parity,
      family: "ops",
      kind: "parity",
      statement: `${spec.name}: GPU forward and backward match the f64 oracle on fuzzed shapes`,
      source: spec.source,
      bound: `error/bound <= 1 (${spec.boundText})`,
    }),
    declareClaim({
      id: ids.fixture,
      family: "ops",
      kind: "parity",
      statement: `${spec.name}: oracle and GPU match the PyTorch CSV fixtures`,
      source: `${spec.source}; fixtures/gen/ops_fixtures.py`,
      bound: `oracle rel 1e-12; GPU error/bound <= 1`,
    }),
  ];
}

const declaredSpecs = new Map<string, Claim[]>();

/** The claims of a spec, declaring them on first use. */
export function opClaims(spec: OpSpec): Claim[] {
  let cs = declaredSpecs.get(spec.name);
  if (cs === undefined) {
    cs = declareOpClaims(spec);
    declaredSpecs.set(spec.name, cs);
  }
  return cs;
}

/** Registers the gradcheck and parity tests of an op spec. */
export function registerOpClaims(spec: OpSpec): void {
  const [gc, parity] = opClaims(spec);
  claimTest(gc!, () => {
    const { maxError, where } = oracleGradcheck(spec);
    return {
      figure: maxError,
      bound: GRADCHECK_MAX_REL,
      pass: maxError <= GRADCHECK_MAX_REL,
      detail: where,
    };
  });
  claimTest(parity!, async () => {
    let worst = -1;
    let worstDetail = "";
    let runs = 0;
    const consider = (c: OpCase, r: CaseResult) => {
      runs++;
      if (!(r.worst.ratio <= worst)) {
        worst = r.worst.ratio;
        worstDetail = `${describeCase(c)} on ${
          r.worstWhich < 0 ? "output" : `grad ${r.worstWhich}`
        }: ${describeClose(r.worst)}`;
      }
    };
    for (const c of spec.examples()) {
      const r = await checkOpCase(spec, c);
      consider(c, r);
      if (!r.pass) {
        return { figure: worst, bound: 1, pass: false, detail: `example failed: ${worstDetail}` };
      }
    }
    const params = fcParams(spec.numRuns ?? 100);
    try {
      await fc.assert(
        fc.asyncProperty(spec.arbitrary as fc.Arbitrary<OpCase>, async (c) => {
          const r = await checkOpCase(spec, c);
          consider(c, r);
          return r.pass;
        }),
        params,
      );
    } catch (e) {
      throw new Error(
        `${spec.name} parity failed (worst ${worstDetail})\n${replayHint(parity!.id)}\n${
          (e as Error).message
        }`,
      );
    }
    return {
      figure: worst,
      bound: 1,
      pass: worst <= 1,
      detail: `${runs} cases (seed ${params.seed}); worst ${worstDetail}`,
    };
  });
}

/**
 * Bound rule for ops that are sums of products of their inputs (add, mul,
 * matmul, reductions, their gradients): class T3, `k·u32·m_i` where the
 * magnitude companion m is the oracle run on |inputs| (and |output gradient|).
 * `k` is the rounding-path length of the compared array.
 */
export function multilinearBound(
  oracle: OracleOp,
  k: (c: OpCase, which: number) => number,
): BoundRule {
  return ({ case: c, inputs, gradOutput, which }) => {
    const abs = inputs.map((x) => ({ shape: x.shape, data: x.data.map(Math.abs) }));
    const m = which < 0 ? oracle.forward(abs, c.attrs) : oracle.backward(abs, c.attrs, {
      shape: gradOutput.shape,
      data: gradOutput.data.map(Math.abs),
    })[which]!;
    return accumulationBound(k(c, which), m.data);
  };
}
