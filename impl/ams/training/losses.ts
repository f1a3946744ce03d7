/**
 * AMS v4's five training losses on the GPU (FluffyAIcode/AgentMemorySystem:
 * ams_v4/training/losses.py, ams_v4/training/batch_encode.py, PR #30), each a scalar tensor with
 * autograd back to the batch encodings, the bundle axes and the cross-bundle attention:
 *
 * - {@link prefixSemanticAnchorLoss} (PSA): per example, the cross-bundle prefix of the query's
 *   pooled hidden state over the gradient-carrying fibers of every batch entry is prepended to
 *   the embedded query and target ids; the frozen LM's teacher-forced cross-entropy over the
 *   target tokens (logit position L_mem + s − 1 + j predicts target j), averaged over examples.
 * - {@link bundleAxisAlignmentLoss} (BAA): the mean of its parts — time (N ≥ 2):
 *   1 − Pearson(base_time·axis_time, [0..N−1]); topic (N ≥ 3): a Jaccard triplet hinge
 *   relu(cos(i, neg) − cos(i, pos) + 0.2) and a diversity term Σ_{i≠j} relu(cos_ij − 0.7) /
 *   (N(N−1)); ctx: mean relu(0.3 − ⟨normalize(ctx_base), axis_ctx⟩).
 * - {@link crossBundleIndependenceLoss} (CBI): z_b = mean over dims of normalize(fiber_b) per
 *   memory; the mean over the three bundle pairs of (|Pearson(z_a, z_b)| − 0.3)².
 * - {@link reconLoss}: 0 unless a Kakeya set is active (N ≥ kakeya_min_entries), else the mean
 *   relative error of decode(encode(h)) for semantic_emb over up to 4 memories; a host
 *   diagnostic with no gradient.
 * - {@link writePolicyLoss} (WP): mean over bundles of mean relu(1 − ‖fiber_b‖) plus
 *   0.01 · the fraction of texts with fewer than 3 tokens.
 *
 * memspec's choices where the original leaves numerics open: Pearson(a, b) =
 * Σ a_c b_c / √(Σ a_c² · Σ b_c² + {@link PEARSON_EPS}) with a_c = a − mean(a) (finite, with a
 * finite gradient, for constant inputs); cosines are dot products of rows normalised with
 * max(‖x‖, 1e-8), as F.normalize.
 *
 * The triplet's negative: the original sets the Jaccard matrix's diagonal to −1 and takes
 * argmin, so the negative is always the row itself (Jaccard ≥ 0 > −1) and the hinge is
 * relu(1.2 − cos(i, pos)); {@link tripletPairs} reproduces that with `fixNegatives: false` and
 * gives memspec's fix (argmin over j ≠ i) with `fixNegatives: true` (the v4.7 variant).
 *
 * Call the losses inside `tidy`: intermediates are released with the scope.
 *
 * @example BAA, CBI and WP of a batch of three encodings
 * ```ts
 * import { initGpu, tensor, tidyAsync } from "../../mod.ts";
 * import {
 *   bundleAxisAlignmentLoss,
 *   crossBundleIndependenceLoss,
 *   writePolicyLoss,
 * } from "./losses.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const v = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k + 1));
 * await tidyAsync(async () => {
 *   const fibers = {
 *     time: tensor(v(6, 1), [3, 2]),
 *     topic: tensor(v(9, 2), [3, 3]),
 *     ctx: tensor(v(6, 3), [3, 2]),
 *   };
 *   const baa = bundleAxisAlignmentLoss({
 *     timeBase: tensor(v(6, 4), [3, 2]),
 *     topicDirn: tensor(v(6, 5), [3, 2]),
 *     ctxBase: tensor(v(6, 6), [3, 2]),
 *     axisTime: tensor([1, 0], [2]),
 *     axisCtx: tensor([0, 1], [2]),
 *     tokenIds: [[1, 2], [2, 3], [5]],
 *   }).loss;
 *   const cbi = crossBundleIndependenceLoss(fibers);
 *   const wp = writePolicyLoss(fibers, [5, 2, 7]);
 *   const [a, c, w] = await Promise.all([baa, cbi, wp].map((t) => t.toFloat32()));
 *   ok(a![0]! >= 0 && c![0]! >= 0 && w![0]! >= 0);
 * });
 * ```
 *
 * @module
 */
import { assertDType, formatShape, Tensor, tensor } from "../../tensor.ts";
import { CROSS_BUNDLES, CrossBundleAttention, fiberDim } from "../cross_bundle/cross_bundle.ts";
import { add, div, maximum, mul, sub } from "../../ops/binary.ts";
import { abs, relu, sqrt, square } from "../../ops/unary.ts";
import { mean, sum } from "../../ops/reduce.ts";
import { matmul } from "../../ops/matmul.ts";
import { concat } from "../../ops/concat.ts";
import { reshape } from "../../ops/reshape.ts";
import { slice } from "../../ops/slice.ts";
import { crossEntropy } from "../../ops/cross_entropy.ts";
import { KakeyaRegistry } from "../kakeya/kakeya.ts";

/** The largest finite f32. */
const F32_MAX = 3.4028234663852886e38;

/** Added under the square root of Pearson's denominator (memspec's choice; see module docs). */
export const PEARSON_EPS = 1e-12;
/** F.normalize's eps, as in the encoders. */
export const LOSS_NORMALIZE_EPS = 1e-8;
/** The triplet hinge's margin (0.2). */
export const TRIPLET_MARGIN = 0.2;
/** The diversity term's cosine ceiling (0.7). */
export const DIVERSITY_CEILING = 0.7;
/** The ctx axis hinge's target (0.3). */
export const CTX_AXIS_TARGET = 0.3;
/** CBI's target |Pearson| (0.3). */
export const CBI_TARGET = 0.3;
/** WP's weight of the short-text fraction (0.01). */
export const WP_SHORT_WEIGHT = 0.01;
/** WP: a text with fewer tokens than this counts as short (3). */
export const WP_SHORT_TOKENS = 3;
/** The original's Jaccard id floor: ids below it are dropped before the Jaccard sets (1000). */
export const ORIGINAL_JACCARD_MIN_ID = 1000;
/** recon reads at most this many memories (4). */
export const RECON_MAX_MEMORIES = 4;

/** The three bundles' fibers [N, d_F_b] of a batch. */
export interface BatchFibers {
  /** [N, d_F_time]. */
  readonly time: Tensor;
  /** [N, d_F_topic]. */
  readonly topic: Tensor;
  /** [N, d_F_ctx]. */
  readonly ctx: Tensor;
}

/** Checks that `t` is a live f32 Tensor (a typed error naming `what` otherwise). */
function checkTensor(t: unknown, what: string, op: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to be a Tensor but got ${describeValue(t)}`,
    );
  }
  assertDType(t, "f32", op, what);
}

function describeValue(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return typeof x === "object" ? `a ${(x as object).constructor?.name ?? "object"}` : String(x);
}

/** Checks that `t` is a live f32 vector [n] (n ≥ 1, and = `n` when given). */
function checkVector(t: unknown, what: string, op: string, n?: number): number {
  checkTensor(t, what, op);
  if (t.rank !== 1 || t.shape[0]! < 1 || (n !== undefined && t.shape[0] !== n)) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} of shape [${n ?? "n"}] (n >= 1) but got ${
        formatShape(t.shape)
      }`,
    );
  }
  return t.shape[0]!;
}

function checkMatrix(t: Tensor, what: string, op: string, rows?: number): number {
  checkTensor(t, what, op);
  if (t.rank !== 2 || (rows !== undefined && t.shape[0] !== rows) || t.shape[0]! < 1) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} of shape [${rows ?? "N"}, width] (N >= 1) but got ` +
        formatShape(t.shape),
    );
  }
  return t.shape[0]!;
}

/** x / max(‖x‖, 1e-8) along the last axis (F.normalize). */
export function normalizeLastAxis(x: Tensor): Tensor {
  checkTensor(x, "x", "normalise along the last axis (normalizeLastAxis)");
  if (x.rank < 1 || x.size < 1) {
    throw new TypeError(
      "Cannot normalise along the last axis (normalizeLastAxis): expected a non-empty tensor " +
        `of rank >= 1 but got shape ${formatShape(x.shape)}`,
    );
  }
  const n = sqrt(sum(square(x), -1, true));
  return div(x, maximum(n, tensor([LOSS_NORMALIZE_EPS], [1])));
}

/** Pearson correlation of two [N] tensors (module docs), a [] tensor. */
export function pearson(a: Tensor, b: Tensor): Tensor {
  const op = "compute a Pearson correlation (pearson)";
  const n = checkVector(a, "a", op);
  checkVector(b, "b", op, n);
  const ac = sub(a, mean(a));
  const bc = sub(b, mean(b));
  const num = sum(mul(ac, bc));
  const den = sqrt(add(mul(sum(square(ac)), sum(square(bc))), tensor([PEARSON_EPS], [])));
  return div(num, den);
}

/** raw / max(‖raw‖, 1e-8): the bundle's canonical axis, with gradient to raw. */
export function axisOf(raw: Tensor): Tensor {
  checkVector(raw, "raw", "compute a canonical axis (axisOf)");
  const r = reshape(raw, [1, raw.size]);
  return reshape(normalizeLastAxis(r), [raw.size]);
}

/** Options of {@link tripletPairs}. */
export interface TripletOptions {
  /** Ids below this are dropped before the Jaccard sets (the original: 1000). Default 0. */
  minId?: number;
  /** memspec's fix (v4.7): argmin over j ≠ i. False: the original's argmin with the diagonal at −1. */
  fixNegatives?: boolean;
}

/** The Jaccard matrix and each row's positive and negative. */
export interface TripletPairs {
  /** J [N·N], row-major; the diagonal holds 1 (a set with itself). */
  readonly jaccard: Float64Array;
  /** argmax_{j} J_ij with J_ii set to −1 (first index on ties). */
  readonly pos: readonly number[];
  /** The negative of row i (first index on ties). */
  readonly neg: readonly number[];
}

/**
 * Jaccard similarity of the token-id sets (ids ≥ `minId`; two empty sets give 1), each row's
 * positive argmax_{j≠i} J_ij and its negative: the original's argmin with J_ii = −1 (always i
 * itself) or memspec's argmin over j ≠ i.
 *
 * @example The original's negative is the row itself
 * ```ts
 * import { tripletPairs } from "./losses.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const ids = [[1, 2, 3], [2, 3, 4], [7, 8]];
 * deepStrictEqual(tripletPairs(ids).neg, [0, 1, 2]);
 * deepStrictEqual(tripletPairs(ids, { fixNegatives: true }).neg, [2, 2, 0]);
 * ```
 *
 * @throws {TypeError} when tokenIds is not a list of integer lists.
 */
export function tripletPairs(
  tokenIds: readonly (readonly number[])[],
  options: TripletOptions = {},
): TripletPairs {
  const op = "compute the triplet pairs";
  checkIdLists(tokenIds, op);
  const { minId, fixNegatives } = checkTripletOptions(options, op);
  const N = tokenIds.length;
  const sets = tokenIds.map((l) => new Set(l.filter((t) => t >= minId)));
  const J = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const a = sets[i]!, b = sets[j]!;
      let inter = 0;
      for (const t of a) if (b.has(t)) inter++;
      const uni = a.size + b.size - inter;
      J[i * N + j] = uni === 0 ? 1 : inter / uni;
    }
  }
  const pos: number[] = [], neg: number[] = [];
  for (let i = 0; i < N; i++) {
    let p = 0, pv = -Infinity, q = 0, qv = Infinity;
    for (let j = 0; j < N; j++) {
      const v = j === i ? -1 : J[i * N + j]!;
      if (v > pv) (pv = v, p = j);
      // The original's argmin sees the −1 diagonal; the fix skips it.
      if (fixNegatives && j === i) continue;
      if (v < qv) (qv = v, q = j);
    }
    pos.push(p);
    neg.push(q);
  }
  return { jaccard: J, pos, neg };
}

function checkTripletOptions(
  o: unknown,
  op: string,
): { minId: number; fixNegatives: boolean } {
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    throw new TypeError(`Cannot ${op}: expected options { minId, fixNegatives } but got ${o}`);
  }
  const { minId = 0, fixNegatives = false } = o as TripletOptions;
  if (typeof minId !== "number" || !Number.isSafeInteger(minId) || minId < 0) {
    throw new RangeError(`Cannot ${op}: expected minId to be an integer >= 0 but got ${minId}`);
  }
  if (typeof fixNegatives !== "boolean") {
    throw new TypeError(
      `Cannot ${op}: expected fixNegatives to be a boolean but got ${fixNegatives}`,
    );
  }
  return { minId, fixNegatives };
}

function checkIdLists(tokenIds: unknown, op: string): asserts tokenIds is number[][] {
  if (!Array.isArray(tokenIds)) {
    throw new TypeError(
      `Cannot ${op}: expected tokenIds as a list of id lists but got ${tokenIds}`,
    );
  }
  tokenIds.forEach((l, i) => {
    if (!Array.isArray(l) || !l.every((t) => Number.isInteger(t))) {
      throw new TypeError(`Cannot ${op}: expected token-id list ${i} to be a list of integers`);
    }
  });
}

/** Inputs of {@link bundleAxisAlignmentLoss}. */
export interface BaaInputs {
  /** The time bases [N, d_time]. */
  readonly timeBase: Tensor;
  /** The topic directions [N, d_topic]. */
  readonly topicDirn: Tensor;
  /** The ctx bases [N, d_ctx]. */
  readonly ctxBase: Tensor;
  /** The time bundle's canonical axis [d_time] (see {@link axisOf}). */
  readonly axisTime: Tensor;
  /** The ctx bundle's canonical axis [d_ctx]. */
  readonly axisCtx: Tensor;
  /** Each memory's token ids (the Jaccard sets). */
  readonly tokenIds: readonly (readonly number[])[];
}

/** BAA and its parts. */
export interface BaaResult {
  /** The mean of the parts, []. */
  readonly loss: Tensor;
  /** The parts by name (time, triplet, diversity, ctx), those that apply. */
  readonly parts: Readonly<Record<string, Tensor>>;
  /** The triplet pairs (N ≥ 3), else null. */
  readonly pairs: TripletPairs | null;
}

/**
 * Bundle-axis alignment (module docs).
 *
 * @throws {TypeError} on mismatched shapes or malformed token ids.
 */
export function bundleAxisAlignmentLoss(x: BaaInputs, options: TripletOptions = {}): BaaResult {
  const op = "compute the bundle-axis alignment loss";
  if (x === null || typeof x !== "object") {
    throw new TypeError(`Cannot ${op}: expected the inputs object but got ${x}`);
  }
  const N = checkMatrix(x.timeBase, "timeBase", op);
  checkMatrix(x.topicDirn, "topicDirn", op, N);
  checkMatrix(x.ctxBase, "ctxBase", op, N);
  checkVector(x.axisTime, "axisTime", op, x.timeBase.shape[1]);
  checkVector(x.axisCtx, "axisCtx", op, x.ctxBase.shape[1]);
  checkIdLists(x.tokenIds, op);
  checkTripletOptions(options, op);
  if (x.tokenIds.length !== N) {
    throw new TypeError(`Cannot ${op}: expected ${N} token-id lists but got ${x.tokenIds.length}`);
  }
  const parts: Record<string, Tensor> = {};
  if (N >= 2) {
    const dt = x.timeBase.shape[1]!;
    const proj = reshape(matmul(x.timeBase, reshape(x.axisTime, [dt, 1])), [N]);
    const idx = tensor(Float32Array.from({ length: N }, (_, i) => i), [N]);
    parts.time = sub(tensor([1], []), pearson(proj, idx));
  }
  let pairs: TripletPairs | null = null;
  if (N >= 3) {
    pairs = tripletPairs(x.tokenIds, options);
    const u = normalizeLastAxis(x.topicDirn);
    const C = matmul(u, u, { transB: true }); // [N, N]
    const sel = (cols: readonly number[]) => {
      const m = new Float32Array(N * N);
      cols.forEach((j, i) => (m[i * N + j] = 1));
      return sum(mul(C, tensor(m, [N, N])), 1); // [N]: C[i, cols[i]]
    };
    const cosPos = sel(pairs.pos), cosNeg = sel(pairs.neg);
    parts.triplet = mean(relu(add(sub(cosNeg, cosPos), tensor([TRIPLET_MARGIN], []))));
    const off = new Float32Array(N * N).fill(1);
    for (let i = 0; i < N; i++) off[i * N + i] = 0;
    const over = relu(sub(C, tensor([DIVERSITY_CEILING], [])));
    parts.diversity = div(sum(mul(over, tensor(off, [N, N]))), tensor([N * (N - 1)], []));
  }
  const dc = x.ctxBase.shape[1]!;
  const cproj = reshape(matmul(normalizeLastAxis(x.ctxBase), reshape(x.axisCtx, [dc, 1])), [N]);
  parts.ctx = mean(relu(sub(tensor([CTX_AXIS_TARGET], []), cproj)));
  const list = Object.values(parts);
  const loss = div(list.reduce((a, b) => add(a, b)), tensor([list.length], []));
  return { loss, parts, pairs };
}

function checkFibers(f: BatchFibers, op: string): number {
  if (f === null || typeof f !== "object") {
    throw new TypeError(`Cannot ${op}: expected fibers {time, topic, ctx} but got ${f}`);
  }
  const N = checkMatrix(f.time, "the time fibers", op);
  checkMatrix(f.topic, "the topic fibers", op, N);
  checkMatrix(f.ctx, "the ctx fibers", op, N);
  return N;
}

/**
 * Cross-bundle independence (module docs): a [] tensor.
 *
 * @throws {TypeError} when the fibers are not three [N, ·] f32 tensors with the same N.
 */
export function crossBundleIndependenceLoss(fibers: BatchFibers): Tensor {
  const op = "compute the cross-bundle independence loss";
  const N = checkFibers(fibers, op);
  const z = (t: Tensor) => reshape(mean(normalizeLastAxis(t), -1), [N]);
  const zt = z(fibers.time), zp = z(fibers.topic), zc = z(fibers.ctx);
  const term = (a: Tensor, b: Tensor) => square(sub(abs(pearson(a, b)), tensor([CBI_TARGET], [])));
  return div(add(add(term(zt, zp), term(zt, zc)), term(zp, zc)), tensor([3], []));
}

/**
 * Write policy (module docs): a [] tensor. `tokenCounts` holds each text's token count.
 *
 * @throws {TypeError} on malformed fibers or a token count list of the wrong length.
 */
export function writePolicyLoss(fibers: BatchFibers, tokenCounts: readonly number[]): Tensor {
  const op = "compute the write-policy loss";
  const N = checkFibers(fibers, op);
  if (!Array.isArray(tokenCounts) || tokenCounts.length !== N) {
    throw new TypeError(
      `Cannot ${op}: expected ${N} token counts but got ${
        Array.isArray(tokenCounts) ? tokenCounts.length : tokenCounts
      }`,
    );
  }
  const bad = tokenCounts.findIndex((c) => !Number.isSafeInteger(c) || c < 0);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot ${op}: expected token counts to be integers >= 0 but count ${bad} is ` +
        `${tokenCounts[bad]}`,
    );
  }
  const hinge = (t: Tensor) => mean(relu(sub(tensor([1], []), sqrt(sum(square(t), -1)))));
  const fib = div(
    add(add(hinge(fibers.time), hinge(fibers.topic)), hinge(fibers.ctx)),
    tensor([3], []),
  );
  const short = tokenCounts.filter((c) => c < WP_SHORT_TOKENS).length / N;
  return add(fib, tensor([WP_SHORT_WEIGHT * short], []));
}

/**
 * A frozen causal LM that PSA trains through: input embeddings of ids, and logits from input
 * embeddings with autograd to those embeddings (the prefix is prepended to them).
 */
export interface PsaLanguageModel {
  /** Width of the input embeddings (d_LLM). */
  readonly d: number;
  /** Vocabulary size of the logits. */
  readonly vocabSize: number;
  /** The input embeddings [1, T, d] of `ids` (constants: the backbone is frozen). */
  embed(ids: readonly number[]): Tensor;
  /** The logits [1, T, vocabSize] of inputs [1, T, d], differentiable with respect to inputs. */
  logits(inputs: Tensor): Tensor;
}

/** One PSA example: the query's pooled hidden state and the teacher-forced ids. */
export interface PsaExample {
  /** The query's pooled hidden state [d_LLM] (no gradient). */
  readonly queryHidden: ArrayLike<number>;
  /** The query ids followed by the target ids. */
  readonly ids: readonly number[];
  /** Where the target starts: ids[0..s) is the query, ids[s..) the target (1 ≤ s < ids.length). */
  readonly split: number;
}

/**
 * Prefix semantic anchor (module docs): a [] tensor, the mean over `examples` of each example's
 * mean cross-entropy over its target tokens; 0 when there is no example.
 *
 * @throws {TypeError} on fibers of the wrong widths, an example whose split is outside
 *   [1, ids.length), or an LM whose width differs from d_LLM.
 * @throws {RangeError} on an id outside [0, vocabSize).
 */
export function prefixSemanticAnchorLoss(
  cross: CrossBundleAttention,
  fibers: BatchFibers,
  examples: readonly PsaExample[],
  lm: PsaLanguageModel,
): Tensor {
  const op = "compute the prefix semantic-anchor loss";
  if (!(cross instanceof CrossBundleAttention)) {
    throw new TypeError(
      `Cannot ${op}: expected cross to be a CrossBundleAttention but got ${describeValue(cross)}`,
    );
  }
  checkFibers(fibers, op);
  // Every width is checked here, before the first example's forward allocates anything, so a
  // malformed later example cannot leave the earlier examples' tensors behind.
  for (const b of CROSS_BUNDLES) {
    const w = fiberDim(cross.cfg, b);
    if (fibers[b].shape[1] !== w) {
      throw new TypeError(
        `Cannot ${op}: expected the ${b} fibers of width d_F = ${w} but got shape ` +
          formatShape(fibers[b].shape),
      );
    }
  }
  const d = cross.cfg.d_LLM;
  if (
    lm === null || typeof lm !== "object" || lm.d !== d || typeof lm.embed !== "function" ||
    typeof lm.logits !== "function" || !Number.isSafeInteger(lm.vocabSize) || lm.vocabSize < 1
  ) {
    throw new TypeError(
      `Cannot ${op}: expected an LM (d, vocabSize, embed, logits) of width d_LLM = ${d} but ` +
        `got ${describeValue(lm)}`,
    );
  }
  if (!Array.isArray(examples)) {
    throw new TypeError(`Cannot ${op}: expected a list of examples but got ${examples}`);
  }
  examples.forEach((e, i) => {
    if (e === null || typeof e !== "object") {
      throw new TypeError(`Cannot ${op}: expected example ${i} to be an object but got ${e}`);
    }
    if (
      !Array.isArray(e?.ids) || !Number.isInteger(e.split) || e.split < 1 || e.split >= e.ids.length
    ) {
      throw new TypeError(
        `Cannot ${op}: expected example ${i} to split its ids at s in [1, ${e?.ids?.length}) ` +
          `but got ${e?.split}`,
      );
    }
    const bad = e.ids.find((t: number) => !Number.isInteger(t) || t < 0 || t >= lm.vocabSize);
    if (bad !== undefined) {
      throw new RangeError(
        `Cannot ${op}: expected ids in [0, ${lm.vocabSize}) but example ${i} has ${bad}`,
      );
    }
    if (
      e.queryHidden === null || typeof e.queryHidden !== "object" || e.queryHidden.length !== d
    ) {
      throw new TypeError(
        `Cannot ${op}: expected example ${i}'s queryHidden of ${d} values but got ` +
          `${e.queryHidden?.length}`,
      );
    }
    for (let j = 0; j < d; j++) {
      const v = e.queryHidden[j];
      if (typeof v !== "number" || !Number.isFinite(v) || Math.abs(v) > F32_MAX) {
        throw new RangeError(
          `Cannot ${op}: expected example ${i}'s queryHidden to hold finite f32 values but ` +
            `element ${j} is ${v}`,
        );
      }
    }
  });
  if (examples.length === 0) return tensor([0], []);
  const L = cross.cfg.L_mem;
  const V = lm.vocabSize;
  let total: Tensor | null = null;
  for (const e of examples) {
    const T = e.ids.length, s = e.split;
    const { prefix } = cross.forward(e.queryHidden, fibers);
    const x = concat([prefix, lm.embed(e.ids)], 1);
    const logits = lm.logits(x);
    const sel = reshape(slice(logits, [0, L + s - 1, 0], [1, T - s, V]), [T - s, V]);
    const ce = crossEntropy(sel, e.ids.slice(s));
    total = total === null ? ce : add(total, ce);
  }
  return div(total!, tensor([examples.length], []));
}

/**
 * A deterministic stub LM for PSA: input embeddings are rows of a fixed table E [V, d], and the
 * logits are a fixed causal linear map of the inputs, logits_t = (1/(t+1)) Σ_{u≤t} X_u·W with
 * W [d, V] (a running mean, so the prefix reaches every later position as in a causal LM; a
 * position-wise map would leave PSA independent of the prefix). The PyTorch fixture ships E
 * and W, so PSA's value and gradient are checkable without a trained LM.
 *
 * @example
 * ```ts
 * import { initGpu, tidyAsync } from "../../mod.ts";
 * import { stubLinearLm } from "./losses.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const lm = stubLinearLm(new Float32Array(3 * 2).fill(1), new Float32Array(2 * 3).fill(0.5), 3, 2);
 * await tidyAsync(async () => {
 *   const l = await lm.logits(lm.embed([0, 2])).toFloat32();
 *   strictEqual(l.length, 6);
 *   strictEqual(l[0], 1); // (1/1)·Σ_j E[0, j]·0.5 over d = 2
 * });
 * ```
 *
 * @throws {TypeError} when E is not V·d values or W not d·V values.
 * @throws {RangeError} on a value that is not finite in f32, or V, d not integers ≥ 1.
 */
export function stubLinearLm(
  E: ArrayLike<number>,
  W: ArrayLike<number>,
  V: number,
  d: number,
): PsaLanguageModel {
  const op = "create the stub linear LM";
  for (const [k, v] of [["V", V], ["d", d]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`Cannot ${op}: expected ${k} to be an integer >= 1 but got ${v}`);
    }
  }
  for (const [k, a, n] of [["E", E, V * d], ["W", W, d * V]] as const) {
    if (a === null || typeof a !== "object" || a.length !== n) {
      throw new TypeError(`Cannot ${op}: expected ${k} of ${n} values but got ${a?.length}`);
    }
    for (let i = 0; i < n; i++) {
      // Past the f32 range a value would become ±Infinity in the f32 copy below.
      if (!Number.isFinite(a[i]) || Math.abs(a[i]!) > F32_MAX) {
        throw new RangeError(
          `Cannot ${op}: expected finite f32 ${k} values but ${k}[${i}] is ${a[i]}`,
        );
      }
    }
  }
  const e = Float32Array.from(E), w = Float32Array.from(W);
  return {
    d,
    vocabSize: V,
    embed(ids) {
      const out = new Float32Array(ids.length * d);
      ids.forEach((t, i) => out.set(e.subarray(t * d, (t + 1) * d), i * d));
      return tensor(out, [1, ids.length, d]);
    },
    logits(x) {
      const T = x.shape[1]!;
      const A = new Float32Array(T * T);
      for (let t = 0; t < T; t++) for (let u = 0; u <= t; u++) A[t * T + u] = 1 / (t + 1);
      const mixed = matmul(tensor(A, [T, T]), reshape(x, [T, d]));
      return reshape(matmul(mixed, tensor(w, [d, V])), [1, T, V]);
    },
  };
}

/** The fields recon encodes per memory, host values. */
export interface ReconFields {
  /** semantic_emb = h, [N, d_LLM]. */
  readonly semanticEmb: ArrayLike<number>;
  /** content_wte_mean, [N, d_LLM]. */
  readonly contentWteMean: ArrayLike<number>;
  /** context_descriptor (ctx_base zero-padded to d_LLM), [N, d_LLM]. */
  readonly contextDescriptor: ArrayLike<number>;
}

/**
 * recon (module docs): 0 when `registry` has no active set (the original's registry builds
 * only once the store holds kakeya_min_entries memories), else the mean relative error
 * ‖decode(encode(fields)).semantic_emb − h‖ / ‖h‖ over the first min(4, N) memories. A host
 * diagnostic: no gradient reaches any parameter.
 *
 * @example No active set: recon is 0
 * ```ts
 * import { KakeyaRegistry } from "../kakeya/kakeya.ts";
 * import { reconLoss } from "./losses.ts";
 * import { strictEqual } from "node:assert/strict";
 * const f = new Float64Array(3 * 4).fill(1);
 * const fields = { semanticEmb: f, contentWteMean: f, contextDescriptor: f };
 * strictEqual(reconLoss(new KakeyaRegistry(), fields, 3, 4), 0);
 * ```
 *
 * @throws {TypeError} when a field does not hold N·d values.
 */
export function reconLoss(
  registry: KakeyaRegistry,
  fields: ReconFields,
  N: number,
  d: number,
): number {
  const op = "compute the recon loss";
  if (!(registry instanceof KakeyaRegistry)) {
    throw new TypeError(`Cannot ${op}: expected a KakeyaRegistry but got ${registry}`);
  }
  for (const [k, v] of [["N", N], ["d", d]] as const) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`Cannot ${op}: expected ${k} to be an integer >= 1 but got ${v}`);
    }
  }
  if (fields === null || typeof fields !== "object") {
    throw new TypeError(`Cannot ${op}: expected the fields object but got ${fields}`);
  }
  for (const k of ["semanticEmb", "contentWteMean", "contextDescriptor"] as const) {
    const a = fields[k];
    if (a === null || typeof a !== "object" || a.length !== N * d) {
      throw new TypeError(`Cannot ${op}: expected ${k} of N·d = ${N * d} values`);
    }
    // Checked even when no set is active, so a malformed call is refused whatever the registry.
    for (let i = 0; i < N * d; i++) {
      if (typeof a[i] !== "number" || !Number.isFinite(a[i])) {
        throw new RangeError(`Cannot ${op}: expected finite ${k} values but ${k}[${i}] is ${a[i]}`);
      }
    }
  }
  if (registry.activeCount === 0) return 0;
  const n = Math.min(RECON_MAX_MEMORIES, N);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const row = (a: ArrayLike<number>) =>
      Float64Array.from(Array.prototype.slice.call(a, i * d, (i + 1) * d) as number[]);
    const h = row(fields.semanticEmb);
    const handle = registry.encode({
      semantic_emb: h,
      content_wte_mean: row(fields.contentWteMean),
      context_descriptor: row(fields.contextDescriptor),
    });
    const back = registry.decodeField(handle, "semantic_emb");
    let num = 0, den = 0;
    for (let j = 0; j < d; j++) (num += (back[j]! - h[j]!) ** 2, den += h[j]! ** 2);
    s += Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-8);
  }
  return s / n;
}
