/**
 * How a norm evolves over steps, from the sequence ‖x_0‖, ‖x_1‖, … (e.g. of a
 * memory state under a norm-preserving or a decaying update):
 * - {@link checkNormDrift}: conservation; the figure is the relative drift
 *   max_t |‖x_t‖ − ‖x_0‖| / ‖x_0‖, compared `<=` with `maxDrift`;
 * - {@link checkNormDecay}: geometric decay at rate γ from step t0; the figure
 *   is max_{t≥t0} |‖x_t‖ − e_t| / e_t with e_t = γ^{t−t0}·‖x_{t0}‖ (mode
 *   "equal"), or only the excess max(0, ‖x_t‖ − e_t) / e_t (mode "atMost",
 *   for a contraction that may decay faster), compared `<=` with `rtol`.
 *
 * Norms are inputs (compute them with e.g. `rowNorms` of unit_norm.ts); a NaN norm
 * makes the figure NaN and fails.
 *
 * @example
 * ```ts
 * import { checkNormDecay, checkNormDrift } from "./norm_drift.ts";
 * import { ok } from "node:assert/strict";
 * const drift = checkNormDrift([2, 2.01, 1.98], { maxDrift: 0.02 });
 * ok(drift.pass && drift.worst.step === 2);
 * ok(checkNormDecay([4, 2, 1, 0.5], { gamma: 0.5, rtol: 0 }).pass);
 * ```
 *
 * @module
 */
import { assertBound, makeVerdict, type Verdict, WorstTracker } from "./verdict.ts";

/** Options for {@link checkNormDrift}. */
export interface NormDriftOptions {
  /** Largest relative drift accepted. */
  maxDrift: number;
}

/** The step where the norm strayed furthest from its reference. */
export interface NormDriftWorst {
  /** Index of the step. */
  step: number;
  /** The norm measured there. */
  norm: number;
  /** ‖x_0‖ for drift, e_t for decay. */
  expected: number;
}

/** Options for {@link checkNormDecay}. */
export interface NormDecayOptions {
  /** Decay factor per step, > 0. */
  gamma: number;
  /** Largest relative deviation (or excess) accepted. */
  rtol: number;
  /** The reference step; default 0. Earlier steps are not checked. */
  t0?: number;
  /** "equal" (default): ‖x_t‖ must equal e_t; "atMost": it must not exceed it. */
  mode?: "equal" | "atMost";
}

function validateNorms(norms: ArrayLike<number>, what: string): void {
  if (norms.length === 0) {
    throw new TypeError(`Cannot ${what} an empty norm sequence: it needs at least one step`);
  }
  for (let t = 0; t < norms.length; t++) {
    if (norms[t]! < 0 || norms[t] === -Infinity) {
      throw new RangeError(`Cannot ${what}: norm at step ${t} is negative (${norms[t]})`);
    }
  }
}

/**
 * Checks that a norm is conserved: max_t |‖x_t‖ − ‖x_0‖| / ‖x_0‖ ≤ maxDrift.
 *
 * @throws {TypeError} when `norms` is empty
 * @throws {RangeError} when a norm is negative, ‖x_0‖ is zero or not finite, or
 * `maxDrift` is negative or not finite
 *
 * @example A drift of exactly the bound passes
 * ```ts
 * import { checkNormDrift } from "./norm_drift.ts";
 * import { ok } from "node:assert/strict";
 * const v = checkNormDrift([4, 5, 3], { maxDrift: 0.25 });
 * ok(v.pass && v.figure === 0.25 && v.worst.step === 1);
 * ```
 */
export function checkNormDrift(
  norms: ArrayLike<number>,
  options: NormDriftOptions,
): Verdict<NormDriftWorst> {
  const what = "check the norm drift of";
  validateNorms(norms, what);
  assertBound(options.maxDrift, "maxDrift", "check norm drift", { min: 0 });
  const n0 = norms[0]!;
  if (!(n0 > 0) || !Number.isFinite(n0)) {
    throw new RangeError(
      `Cannot ${what} a sequence starting at norm ${n0}: the relative drift needs a finite, ` +
        `non-zero initial norm`,
    );
  }
  const worst = new WorstTracker();
  for (let t = 0; t < norms.length; t++) worst.offer(Math.abs(norms[t]! - n0) / n0, t);
  return makeVerdict(worst.value, "<=", options.maxDrift, {
    step: worst.index,
    norm: norms[worst.index]!,
    expected: n0,
  });
}

/**
 * Checks geometric decay: ‖x_t‖ against e_t = γ^{t−t0}·‖x_{t0}‖ for every t ≥ t0.
 *
 * @throws {TypeError} when `norms` is empty
 * @throws {RangeError} when a norm is negative, ‖x_{t0}‖ is zero or not finite,
 * `gamma` is not positive and finite, `rtol` is negative or not finite, `t0` is
 * not an index of `norms`, or `mode` is unknown
 *
 * @example A state that decays at 0.9 instead of the claimed 0.8
 * ```ts
 * import { checkNormDecay } from "./norm_drift.ts";
 * import { ok } from "node:assert/strict";
 * const norms = [1, 0.9, 0.81];
 * const v = checkNormDecay(norms, { gamma: 0.8, rtol: 1e-12 });
 * ok(!v.pass && v.worst.step === 2 && Math.abs(v.figure - (0.81 / 0.64 - 1)) < 1e-15);
 * ok(checkNormDecay(norms, { gamma: 0.95, rtol: 0, mode: "atMost" }).pass);
 * ```
 */
export function checkNormDecay(
  norms: ArrayLike<number>,
  options: NormDecayOptions,
): Verdict<NormDriftWorst> {
  const what = "check the norm decay of";
  validateNorms(norms, what);
  const gamma = options.gamma;
  if (typeof gamma !== "number" || !(gamma > 0) || !Number.isFinite(gamma)) {
    throw new RangeError(
      `Cannot check norm decay: gamma must be positive and finite, got ${gamma}`,
    );
  }
  assertBound(options.rtol, "rtol", "check norm decay", { min: 0 });
  const t0 = options.t0 ?? 0;
  if (!Number.isSafeInteger(t0) || t0 < 0 || t0 >= norms.length) {
    throw new RangeError(
      `Cannot check norm decay from t0 = ${t0}: it must be a step in [0, ${norms.length - 1}]`,
    );
  }
  const mode = options.mode ?? "equal";
  if (mode !== "equal" && mode !== "atMost") {
    throw new RangeError(`Cannot check norm decay: mode must be "equal" or "atMost", got ${mode}`);
  }
  const ref = norms[t0]!;
  if (!(ref > 0) || !Number.isFinite(ref)) {
    throw new RangeError(
      `Cannot ${what} a sequence with norm ${ref} at t0 = ${t0}: the relative deviation needs a ` +
        `finite, non-zero reference norm`,
    );
  }
  const worst = new WorstTracker();
  const expected = (t: number) => gamma ** (t - t0) * ref;
  for (let t = t0; t < norms.length; t++) {
    const e = expected(t);
    const dev = (norms[t]! - e) / e;
    worst.offer(mode === "equal" ? Math.abs(dev) : Math.max(0, dev), t);
  }
  return makeVerdict(worst.value, "<=", options.rtol, {
    step: worst.index,
    norm: norms[worst.index]!,
    expected: expected(worst.index),
  });
}
