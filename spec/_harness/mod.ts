/**
 * The claim harness for people who write claims for their own ports (the
 * package's `./harness` entry point): declare a claim, prove it in a Deno test
 * that returns a measured figure, and let the harness judge the figure against
 * the bound in the claim's direction. Also here: the mechanism-level
 * differential helper (GPU against a reference, named cases and fast-check
 * fuzzing, per-element bounds), the op-level one ({@link OpSpec},
 * {@link registerOpClaims}), the shared fast-check settings and the figure
 * recorder the gate's HTML report draws.
 *
 * A claim id is `<family>.<mechanism>.<kind>[_<detail>]`, the kind one word of
 * {@link CLAIM_SUFFIXES}. `claimTest` fails its test when the figure does not
 * hold the bound, when the test throws, or when it leaves a GPU buffer alive;
 * with `MEMSPEC_RESULTS_DIR` set (the gate sets it) it also writes the verdict
 * there.
 *
 * @example Judging a measurement against its claim
 * ```ts
 * import { type Claim, declareClaim, judge } from "./mod.ts";
 * import { ok } from "node:assert/strict";
 * const claim: Claim = declareClaim({
 *   id: "myport.adder.property_exact",
 *   family: "myport",
 *   kind: "exact",
 *   statement: "1 + 1 equals 2 exactly",
 *   source: "arithmetic",
 *   bound: "error = 0",
 *   direction: "==",
 * });
 * ok(judge(claim, { figure: 0, bound: 0, pass: true }).pass);
 * // A test cannot pass a figure its bound does not support:
 * ok(!judge(claim, { figure: 1e-9, bound: 0, pass: true }).pass);
 * ```
 *
 * @example Proving a claim in a test file (`deno test`)
 * ```ts ignore
 * import { claimTest, declareClaim, differential } from "@memspec/memspec/harness";
 * import fc from "npm:fast-check";
 * const PARITY = declareClaim({
 *   id: "myport.double.gpu_parity", family: "myport", kind: "parity",
 *   statement: "double: GPU matches the f64 oracle", source: "my paper, eq. 3",
 *   bound: "error/bound <= 1",
 * });
 * claimTest(PARITY, (t) =>
 *   differential(t, {
 *     cases: [{ name: "n=1", input: [1] }],
 *     fuzz: { arbitrary: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true })) },
 *     gpu: async (x) => ({ y: await doubleOnGpu(x) }),
 *     oracle: (x) => ({ y: x.map((v) => 2 * v) }),
 *     bound: (_x, o) => ({ y: o.y.map((v) => Math.abs(v) * 2 ** -24) }),
 *   }));
 * ```
 *
 * @module
 */
export {
  type Claim,
  CLAIM_SUFFIXES,
  ClaimFailedError,
  type ClaimKind,
  claimTest,
  type ClaimTestOptions,
  declareClaim,
  declaredClaims,
  type Direction,
  hasClaimSuffix,
  holds,
  judge,
  type Judgement,
  type Measurement,
  type SubFigure,
} from "./claim.ts";
export {
  type Bounds,
  type CaseResult,
  compareCase,
  type Compared,
  Comparison,
  differential,
  type DifferentialSpec,
  jointly,
  type NamedCase,
  type Outputs,
  relativeBounds,
} from "./differential.ts";
export {
  type BoundRule,
  type CaseResult as OpCaseResult,
  caseValues,
  checkOpCase,
  f32Input,
  gradOutputFor,
  multilinearBound,
  type OpAttrs,
  type OpCase,
  opClaimIds,
  opClaims,
  type OpInput,
  type OpSpec,
  oracleGradcheck,
  type OracleOp,
  registerOpClaims,
} from "./op_spec.ts";
export type { NDArray } from "../oracle/ndarray.ts";
export {
  type CaseArbitrary,
  DEFAULT_SEED,
  fcParams,
  type FuzzParameters,
  replayHint,
} from "./fuzz.ts";
export {
  type Axis,
  type Figure,
  type Mark,
  recordFigure,
  type Series,
  validateFigure,
} from "./figures.ts";
