/**
 * Evaluation contracts (asuramaya/decepticons src/decepticons/eval.py, train_eval.py,
 * train_modes.py): next-step scoring, rollouts (teacher-forced and closed-loop), dataset
 * evaluation, rollout curves, and the train-mode schedule (slow updates and checkpoints),
 * over any next-token model.
 *
 * memspec differs from the original where the original is wrong: token ids are never
 * downcast (the original casts closed-loop rollouts and curve contexts to uint8, so 300
 * reaches the model as 44); ids outside [0, V) are refused; and a rollout reports its bits
 * per byte on the continuation beside the original's figure over prompt and continuation.
 * Sampling draws from memspec's counter-based Rng, not numpy's PCG64.
 *
 * @example Teacher-forced rollout of a uniform model
 * ```ts
 * import { evaluateRollout } from "./evaluation.ts";
 * import { ok } from "node:assert/strict";
 * const uniform = { vocabSize: 512, predictProba: () => new Float64Array(512).fill(1 / 512) };
 * const r = evaluateRollout(uniform, { prompt: [300, 301], continuation: [302] });
 * ok(Math.abs(r.continuationBitsPerByte - 9) < 1e-12 && r.tokens[0] === 300);
 * ```
 *
 * @module
 */
import { finiteNumber, integer, optionsRecord, tokenIds } from "../control/check.ts";
import { Rng } from "../../gpu/rng.ts";
import { shown } from "../../validate.ts";

/** A next-token model: a distribution over V ids given a context of ids. */
export interface NextTokenModel {
  /** V: ids are 0..V−1. */
  readonly vocabSize: number;
  /** P(next | context), V non-negative values (normalised by the evaluator). */
  predictProba(context: readonly number[]): ArrayLike<number>;
}

/** Probability floor of every score. */
export const PROBABILITY_FLOOR = 1e-12;

function checkModel(op: string, m: unknown): NextTokenModel {
  const model = m as NextTokenModel;
  if (m === null || typeof m !== "object" || typeof model.predictProba !== "function") {
    throw new TypeError(`Cannot ${op}: expected a model with predictProba but got ${shown(m)}`);
  }
  integer(op, "model vocabSize", model.vocabSize, 1, 2 ** 24);
  return model;
}

/** The model's distribution at `context`, clipped to the floor and normalised. */
function distribution(op: string, model: NextTokenModel, context: readonly number[]): Float64Array {
  const raw = model.predictProba(context);
  if (!raw || raw.length !== model.vocabSize) {
    throw new RangeError(
      `Cannot ${op}: expected the model to return ${model.vocabSize} probabilities but got ` +
        shown(raw),
    );
  }
  const p = new Float64Array(model.vocabSize);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const x = raw[i]!;
    if (!Number.isFinite(x) || x < 0) {
      throw new RangeError(
        `Cannot ${op}: expected model probabilities to be finite and >= 0 but got ${x} at ${i}`,
      );
    }
    p[i] = Math.max(x, PROBABILITY_FLOOR);
    s += p[i]!;
  }
  for (let i = 0; i < p.length; i++) p[i] = p[i]! / s;
  return p;
}

/** −log2 P(tokens[t] | tokens[<t]) for t = from..n−1. */
function bitsFrom(op: string, model: NextTokenModel, tokens: number[], from: number): number[] {
  const out: number[] = [];
  for (let t = Math.max(from, 1); t < tokens.length; t++) {
    out.push(-Math.log2(distribution(op, model, tokens.slice(0, t))[tokens[t]!]!));
  }
  return out;
}

/** Checks a list of integers in [min, max] (checkpoint steps). */
function intList(op: string, what: string, v: unknown, min: number, max: number): number[] {
  if (!Array.isArray(v)) {
    throw new TypeError(`Cannot ${op}: expected ${what} to be an array but got ${shown(v)}`);
  }
  return v.map((c, i) => integer(op, `${what}[${i}]`, c, min, max));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Bits per token of `tokens[1..n−1]` under the model, each from its own prefix.
 *
 * @throws {TypeError | RangeError} for a bad model, fewer than 2 tokens or ids outside [0, V).
 */
export function scoreNextStep(model: NextTokenModel, tokens: ArrayLike<number>): number {
  const op = "score next steps";
  const m = checkModel(op, model);
  const ids = tokenIds(op, "tokens", tokens, m.vocabSize);
  if (ids.length < 2) {
    throw new RangeError(`Cannot ${op}: expected at least 2 tokens but got ${ids.length}`);
  }
  return mean(bitsFrom(op, m, ids, 1));
}

/** Options of {@link evaluateRollout}. */
export interface RolloutOptions {
  /** The prompt (at least one id). */
  prompt: ArrayLike<number>;
  /** Teacher-forced: the true continuation (at least one id). */
  continuation?: ArrayLike<number>;
  /** Closed loop: how many ids to generate (used when no continuation is given). */
  steps?: number;
  /** Closed loop: argmax instead of sampling (default false). */
  greedy?: boolean;
  /** Closed loop: sampling temperature (default 1). */
  temperature?: number;
  /** Closed loop: sampling seed (default 0). */
  seed?: number;
}

/** A rollout's report. */
export interface RolloutReport {
  /** "teacher_forced" with a continuation, else "closed_loop". */
  readonly mode: "teacher_forced" | "closed_loop";
  /** prompt ++ continuation (generated in closed loop), ids as they are. */
  readonly tokens: readonly number[];
  /** Prompt length. */
  readonly promptTokens: number;
  /** Bits per token over every scored target, prompt included (the original's figure). */
  readonly totalBitsPerByte: number;
  /** Bits per token over the continuation's targets only. */
  readonly continuationBitsPerByte: number;
}

/** Samples from p^{1/T} (log-clip/T softmax), or the argmax (lower index on ties). */
function draw(p: Float64Array, greedy: boolean, temperature: number, rng: Rng): number {
  if (greedy) {
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
    return best;
  }
  const logits = Array.from(p, (x) => Math.log(Math.max(x, PROBABILITY_FLOOR)) / temperature);
  const m = Math.max(...logits);
  const w = logits.map((l) => Math.exp(l - m));
  const total = w.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < w.length; i++) {
    u -= w[i]!;
    if (u < 0) return i;
  }
  return w.length - 1;
}

/**
 * Rolls the model out from a prompt: scored on the given continuation (teacher-forced) or on
 * `steps` ids it generates itself (closed loop).
 *
 * @throws {TypeError | RangeError} for a bad model, an empty prompt or continuation, ids
 *   outside [0, V), or bad sampling options.
 */
export function evaluateRollout(model: NextTokenModel, options: RolloutOptions): RolloutReport {
  const op = "evaluate a rollout";
  const m = checkModel(op, model);
  const o = optionsRecord(op, options);
  const prompt = tokenIds(op, "prompt", o.prompt, m.vocabSize);
  if (prompt.length === 0) {
    throw new RangeError(`Cannot ${op}: expected a non-empty prompt but got none`);
  }
  let tokens: number[];
  let mode: RolloutReport["mode"];
  if (o.continuation !== undefined) {
    const cont = tokenIds(op, "continuation", o.continuation, m.vocabSize);
    if (cont.length === 0) {
      throw new RangeError(`Cannot ${op}: expected a non-empty continuation but got none`);
    }
    tokens = [...prompt, ...cont];
    mode = "teacher_forced";
  } else {
    const steps = integer(op, "steps", o.steps, 1, 2 ** 24);
    const greedy = o.greedy ?? false;
    if (typeof greedy !== "boolean") {
      throw new TypeError(`Cannot ${op}: expected greedy to be a boolean but got ${shown(greedy)}`);
    }
    const temperature = finiteNumber(op, "temperature", o.temperature ?? 1, 0, Infinity, {
      min: true,
    });
    const rng = new Rng(integer(op, "seed", o.seed ?? 0, 0, 0xffffffff));
    tokens = [...prompt];
    for (let i = 0; i < steps; i++) {
      tokens.push(draw(distribution(op, m, tokens), greedy === true, temperature, rng));
    }
    mode = "closed_loop";
  }
  const bits = bitsFrom(op, m, tokens, 1);
  const contBits = bitsFrom(op, m, tokens, prompt.length);
  return Object.freeze({
    mode,
    tokens: Object.freeze(tokens),
    promptTokens: prompt.length,
    totalBitsPerByte: mean(bits),
    continuationBitsPerByte: mean(contBits),
  });
}

/**
 * Dataset bits per token: Σ bpb_i (n_i − 1) / Σ (n_i − 1).
 *
 * @throws {TypeError | RangeError} for a bad model, no sequences, a sequence of fewer than 2
 *   ids, or ids outside [0, V).
 */
export function evaluateDataset(
  model: NextTokenModel,
  sequences: ReadonlyArray<ArrayLike<number>>,
): { bitsPerByte: number; tokens: number; sequences: number } {
  const op = "evaluate a dataset";
  const m = checkModel(op, model);
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new RangeError(
      `Cannot ${op}: expected at least one sequence but got ${shown(sequences)}`,
    );
  }
  const seqs = sequences.map((s, i) => {
    const ids = tokenIds(op, `sequence ${i}`, s, m.vocabSize);
    if (ids.length < 2) {
      throw new RangeError(
        `Cannot ${op}: expected sequence ${i} to hold at least 2 ids but got ${ids.length}`,
      );
    }
    return ids;
  });
  let num = 0;
  let den = 0;
  for (const ids of seqs) {
    num += mean(bitsFrom(op, m, ids, 1)) * (ids.length - 1);
    den += ids.length - 1;
  }
  return { bitsPerByte: num / den, tokens: den, sequences: seqs.length };
}

/** A transfer probe's report. */
export interface TransferProbe {
  /** Dataset bits per byte of the source model on the target data. */
  readonly sourceBitsPerByte: number;
  /** Dataset bits per byte of the model trained from scratch on the target data. */
  readonly scratchBitsPerByte: number;
  /** source − scratch: what the source's training costs (> 0) or saves (< 0) on the target. */
  readonly gap: number;
}

/**
 * The transfer probe: both models' dataset bits per byte on the target sequences and their
 * gap, source − scratch.
 *
 * @throws {TypeError | RangeError} as {@link evaluateDataset}, or for models of different
 *   vocabularies.
 *
 * @example A model probed against itself has gap 0
 * ```ts
 * import { evaluateTransferProbe } from "./evaluation.ts";
 * import { strictEqual } from "node:assert/strict";
 * const m = { vocabSize: 4, predictProba: () => [0.1, 0.2, 0.3, 0.4] };
 * strictEqual(evaluateTransferProbe(m, m, [[0, 1, 2]]).gap, 0);
 * ```
 */
export function evaluateTransferProbe(
  source: NextTokenModel,
  scratch: NextTokenModel,
  sequences: ReadonlyArray<ArrayLike<number>>,
): TransferProbe {
  const op = "evaluate a transfer probe";
  const a = checkModel(op, source);
  const b = checkModel(op, scratch);
  if (a.vocabSize !== b.vocabSize) {
    throw new RangeError(
      `Cannot ${op}: expected both models to share a vocabulary but got ${a.vocabSize} and ` +
        `${b.vocabSize}`,
    );
  }
  const s = evaluateDataset(a, sequences).bitsPerByte;
  const t = evaluateDataset(b, sequences).bitsPerByte;
  return Object.freeze({ sourceBitsPerByte: s, scratchBitsPerByte: t, gap: s - t });
}

/** Options of {@link evaluateRolloutCurve}. */
export interface CurveOptions {
  /** "teacher_forced" (next = target), "sampled" or "greedy". */
  mode?: "teacher_forced" | "sampled" | "greedy";
  /** Sampling temperature (default 1). */
  temperature?: number;
  /** Sampling seed (default 0). */
  seed?: number;
  /** Steps (1..targets) at which to report bits per byte; default every step. */
  checkpoints?: readonly number[];
}

/** One checkpoint of a rollout curve. */
export interface CurvePoint {
  /** Steps taken. */
  readonly step: number;
  /** Bits per token over the context so far, prompt included (the original's figure). */
  readonly totalBitsPerByte: number;
  /** Bits per token over the generated part only. */
  readonly continuationBitsPerByte: number;
}

/**
 * A rollout curve: at each step the model's argmax is compared with the target, then the
 * context grows by the target (teacher-forced), a sample, or the argmax.
 *
 * @throws {TypeError | RangeError} for a bad model, empty prompt or targets, ids outside
 *   [0, V), or checkpoints outside 1..targets.
 */
export function evaluateRolloutCurve(
  model: NextTokenModel,
  prompt: ArrayLike<number>,
  targets: ArrayLike<number>,
  options: CurveOptions = {},
): { predictions: number[]; context: number[]; matchRate: number; points: CurvePoint[] } {
  const op = "evaluate a rollout curve";
  const m = checkModel(op, model);
  const o = optionsRecord(op, options);
  const ctx = tokenIds(op, "prompt", prompt, m.vocabSize);
  const tgt = tokenIds(op, "targets", targets, m.vocabSize);
  if (ctx.length === 0 || tgt.length === 0) {
    throw new RangeError(`Cannot ${op}: expected a non-empty prompt and targets`);
  }
  const mode = o.mode ?? "teacher_forced";
  if (mode !== "teacher_forced" && mode !== "sampled" && mode !== "greedy") {
    throw new TypeError(
      `Cannot ${op}: expected mode "teacher_forced", "sampled" or "greedy" but got ${shown(mode)}`,
    );
  }
  const temperature = finiteNumber(op, "temperature", o.temperature ?? 1, 0, Infinity, {
    min: true,
  });
  const rng = new Rng(integer(op, "seed", o.seed ?? 0, 0, 0xffffffff));
  const marks = new Set(
    intList(op, "checkpoints", o.checkpoints ?? tgt.map((_, i) => i + 1), 1, tgt.length),
  );
  const promptLen = ctx.length;
  const predictions: number[] = [];
  const points: CurvePoint[] = [];
  let matches = 0;
  for (let step = 0; step < tgt.length; step++) {
    const p = distribution(op, m, ctx);
    const pred = draw(p, true, 1, rng);
    predictions.push(pred);
    if (pred === tgt[step]) matches++;
    ctx.push(
      mode === "teacher_forced" ? tgt[step]! : draw(p, mode === "greedy", temperature, rng),
    );
    if (marks.has(step + 1)) {
      points.push({
        step: step + 1,
        totalBitsPerByte: ctx.length >= 2 ? mean(bitsFrom(op, m, ctx, 1)) : NaN,
        continuationBitsPerByte: mean(bitsFrom(op, m, ctx, promptLen)),
      });
    }
  }
  return { predictions, context: ctx, matchRate: matches / tgt.length, points };
}

/** Whether step i (from 0) updates the slow path: (i + 1) mod stride = 0.
 *
 * @example Stride 2
 * ```ts
 * import { shouldUpdateSlow } from "./evaluation.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual([0, 1, 2, 3].map((i) => shouldUpdateSlow(i, 2)).join(), "false,true,false,true");
 * ```
 */
export function shouldUpdateSlow(i: number, stride: number): boolean {
  integer("decide a slow update", "step", i, 0, 2 ** 52);
  integer("decide a slow update", "stride", stride, 1, 2 ** 31);
  return (i + 1) % stride === 0;
}

/**
 * Checkpoints: explicit ∪ {k·stride} ∪ {total if final}, within [1, total], sorted.
 *
 * @throws {RangeError} for an explicit checkpoint outside [1, total] or a bad stride/total.
 */
export function resolveCheckpoints(
  total: number,
  o: { stride?: number; explicit?: readonly number[]; final?: boolean } = {},
): number[] {
  const op = "resolve checkpoints";
  integer(op, "total", total, 1, 2 ** 31);
  const opts = optionsRecord(op, o);
  const set = new Set<number>(intList(op, "explicit", opts.explicit ?? [], 1, total));
  const final = opts.final ?? true;
  if (typeof final !== "boolean") {
    throw new TypeError(`Cannot ${op}: expected final to be a boolean but got ${shown(final)}`);
  }
  if (opts.stride !== undefined) {
    const s = integer(op, "stride", opts.stride, 1, 2 ** 31);
    for (let k = s; k <= total; k += s) set.add(k);
  }
  if (final) set.add(total);
  return [...set].sort((a, b) => a - b);
}
