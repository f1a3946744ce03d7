/**
 * The GPU parity run shared by the nn blocks' two claims per block (`gpu_parity` for the
 * forward output, `gpu_gradients` for every gradient): the fixed cases and the fuzzed ones run
 * once, each compared array's error-to-bound ratio goes to the forward or the gradient slot
 * (arrays named `grad…` are gradients), and both claims read the one summary.
 *
 * A case that throws (a leaked buffer, a shape error) fails both claims: it is not a ratio, so
 * it must not hide behind one. {@link parityClaimTests} binds both claims to one run.
 *
 * @module
 */
import fc from "fast-check";
import { checkClose, type CloseVerdict } from "../../invariants/close.ts";
import { FIXTURE_F64_REL } from "../../invariants/tolerance.ts";
import { type Claim, claimTest, type Measurement } from "../_harness/claim.ts";
import { fcParams, replayHint } from "../_harness/fuzz.ts";

/** One compared array of a case. */
export interface NamedVerdict {
  /** `out…` for forward arrays, `grad…` for gradients. */
  name: string;
  verdict: CloseVerdict;
}

/** What a block's parity run needs. */
export interface ParitySpec<C, R extends NamedVerdict> {
  /** The claim id fast-check's replay hint names. */
  claimId: string;
  /** Fixed cases, run first. */
  fixed: () => C[];
  /** Fuzzed cases. */
  arbitrary: fc.Arbitrary<C>;
  /** Fuzzed runs: 100 unless given (`FC_RUNS` may raise it). */
  runs?: number;
  /** Runs a case on the GPU and the oracle; one verdict per compared array. */
  check: (c: C) => Promise<R[]>;
  /** A compared array in words, for the claim's detail. */
  describe: (c: C, r: R) => string;
}

interface Slot {
  ratio: number;
  detail: string;
}

/** The summary both claims read. */
export interface ParitySummary {
  forward: Slot;
  gradients: Slot;
  runs: number;
  seed: number;
  /** fast-check's report of a failing property, with the replay hint. */
  failure: string | null;
  /** The first error a case threw. */
  thrown: string | null;
}

/** Runs the fixed and fuzzed cases of `spec` once; call the result's promise from both claims. */
export function runParity<C, R extends NamedVerdict>(
  spec: ParitySpec<C, R>,
): Promise<ParitySummary> {
  return (async () => {
    const s: ParitySummary = {
      forward: { ratio: -1, detail: "" },
      gradients: { ratio: -1, detail: "" },
      runs: 0,
      seed: 0,
      failure: null,
      thrown: null,
    };
    const consider = async (c: C): Promise<boolean> => {
      let rs: R[];
      try {
        rs = await spec.check(c);
      } catch (e) {
        s.thrown ??= (e as Error).message;
        throw e;
      }
      s.runs++;
      for (const r of rs) {
        const slot = r.name.startsWith("grad") ? s.gradients : s.forward;
        if (!(r.verdict.ratio <= slot.ratio)) {
          slot.ratio = r.verdict.ratio;
          slot.detail = spec.describe(c, r);
        }
      }
      return rs.every((r) => r.verdict.pass);
    };
    for (const c of spec.fixed()) await consider(c);
    const params = fcParams<[C]>(spec.runs ?? 100);
    s.seed = params.seed;
    try {
      await fc.assert(fc.asyncProperty(spec.arbitrary, consider), params);
    } catch (e) {
      s.failure = `${replayHint(spec.claimId)}\n${(e as Error).message}`;
    }
    return s;
  })();
}

/** The measurement of one slot: its worst ratio against 1; a thrown case fails it outright. */
export function parityMeasurement(
  s: ParitySummary,
  slot: "forward" | "gradients",
): Measurement {
  const w = s[slot];
  if (s.thrown !== null) throw new Error(`a case threw: ${s.thrown}\n${s.failure ?? ""}`);
  if (s.failure !== null && w.ratio > 1) throw new Error(`worst ${w.detail}\n${s.failure}`);
  return {
    figure: w.ratio,
    bound: 1,
    pass: w.ratio <= 1,
    detail: `${s.runs} cases (seed ${s.seed}); worst ${w.detail}`,
  };
}

/**
 * Binds a block's two GPU claims to one parity run of `spec`: `forward` measures its forward
 * slot, `gradients` its gradient slot. The run starts in whichever claim's test runs first (its
 * live-buffer check covers the run); the other reads the same summary. fast-check's replay hint
 * names the `forward` claim.
 */
export function parityClaimTests<C, R extends NamedVerdict>(
  forward: Claim,
  gradients: Claim,
  spec: Omit<ParitySpec<C, R>, "claimId">,
): void {
  let run: Promise<ParitySummary> | null = null;
  const summary = () => run ??= runParity({ claimId: forward.id, ...spec });
  claimTest(forward, async () => parityMeasurement(await summary(), "forward"));
  claimTest(gradients, async () => parityMeasurement(await summary(), "gradients"));
}

/**
 * The nn blocks' `fixture_parity` tally: the oracle and the GPU against a PyTorch fixture's
 * arrays, each within its own bound plus the fixture's f64 slack (FIXTURE_F64_REL·(1 + |torch|)),
 * reduced to the worst ratio of each side and where the GPU's worst stands.
 */
export class TorchFixtureTally {
  #oracle = 0;
  #gpu = 0;
  #where = "";

  /** The fixture's f64 slack per element. */
  static slack(torch: ArrayLike<number>): Float64Array {
    return Float64Array.from(torch, (v) => FIXTURE_F64_REL * (1 + Math.abs(v)));
  }

  /** An array only the oracle computes (the GPU has no counterpart). */
  oracleOnly(oracle: ArrayLike<number>, torch: ArrayLike<number>): void {
    this.#oracle = Math.max(
      this.#oracle,
      checkClose(oracle, torch, { atol: TorchFixtureTally.slack(torch) }).ratio,
    );
  }

  /** One array: the oracle within the slack, the GPU within `bound` plus the slack. */
  add(
    label: string,
    oracle: ArrayLike<number>,
    gpu: ArrayLike<number>,
    bound: ArrayLike<number>,
    torch: ArrayLike<number>,
  ): void {
    const slack = TorchFixtureTally.slack(torch);
    this.oracleOnly(oracle, torch);
    const g = checkClose(gpu, torch, { atol: Float64Array.from(bound, (v, i) => v + slack[i]!) });
    if (g.ratio > this.#gpu) {
      this.#gpu = g.ratio;
      this.#where = `${label}: GPU ratio ${g.ratio.toPrecision(3)} max_abs ${
        g.maxAbs.toExponential(2)
      }`;
    }
  }

  /** The claim's measurement: the worse of both sides, bound 1. */
  measurement(cases: number, integrity: string): Measurement {
    const figure = Math.max(this.#oracle, this.#gpu);
    return {
      figure,
      bound: 1,
      pass: figure <= 1,
      parts: [
        { name: "oracle vs torch", figure: this.#oracle, bound: 1, direction: "<=" },
        { name: "GPU vs torch", figure: this.#gpu, bound: 1, direction: "<=" },
      ],
      detail: `${cases} torch cases (${integrity}); oracle worst ratio ` +
        `${this.#oracle.toPrecision(3)}; GPU worst ${this.#where}`,
    };
  }
}
