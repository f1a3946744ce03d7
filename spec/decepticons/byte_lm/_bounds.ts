/**
 * Error bounds of the byte LM on the GPU (f32) against its f64 oracle
 * (spec/oracle/decepticons/byte_lm.ts): one rigorous bound per logit, for the
 * loss, and per element of every parameter gradient.
 *
 * ## Derivation
 *
 * Every value the GPU computes is carried as a pair (v, e): v its exact value
 * on the same f32 parameters and tokens (the oracle's value), e a bound on
 * |computed − v| (running error analysis, Higham, Accuracy and Stability,
 * §3.3). The walk below follows the GPU's autograd graph op by op
 * (impl/decepticons/byte_lm/byte_lm.ts and the op kernels), so every rounding
 * the GPU makes is counted once, in the order it happens:
 *
 * - Moves (embedding gather, reshape, transpose, slice, concat and their
 *   backwards, the zero-padded window ids, `sum`'s backward with scale 1, a
 *   negation) are exact: e carries over.
 * - Elementwise kernels replay their WGSL expression step by step with the
 *   ledger's `track` / `trackBuiltins` rules on the tracked operands (GELU and
 *   its gradient through the inherited tanh, sigmoid as 1/(1 + exp(−x)), the
 *   WGSL division and square root, the f32 constants 1/√d_s and 10⁻⁶ as
 *   rounded uniforms). These rules propagate the operands' errors exactly (a
 *   monotone builtin by its values at v ± e, products by the product rule),
 *   so no Lipschitz constant has to be assumed for GELU or sigmoid.
 * - matmul C = A·B with inner length L (the dot length: K forward, the output
 *   width for ∂A = G·Bᵀ, the N = B·T rows for ∂B = Aᵀ·G): whatever order
 *   the kernel sums in, every product meets ≤ L roundings (matmul_specs.ts), so
 *   |Ĉ − C| ≤ |A|·e_B + e_A·|B| + e_A·e_B + γ_L·(|A| + e_A)(|B| + e_B) + 2L·2⁻¹²⁶:
 *   the first three terms are the operands' errors carried through the
 *   product, the fourth the kernel's own rounding on the computed operands
 *   (|Â| ≤ |A| + e_A); each is the f64 matmul oracle run on absolute values.
 * - Sums (bias gradients through `sumToShape`, the row sums of the embedding
 *   backward, autograd's accumulation of the paths into one gradient, the key
 *   norm's reduction): `trackSum` with k the longest chain of additions a term
 *   meets (count − 1 for a sequential sum; the path of reducePathLength for the
 *   reduction kernel; n − 1 for n accumulated paths in any order).
 * - Cross-entropy: `crossEntropyBounds`' replay of the kernel (m = max x, d =
 *   x − m, e = exp d, s = Σe over the row path, loss = log s − d_t, the mean
 *   through the sum kernel times f32(1/N); gradient (g·f32(1/N))·(e/s − [j = t]))
 *   on tracked logits: the computed max is one of the computed logits, so it is
 *   within max_j e_j of the exact max.
 * - The linear recurrence h_t = a_t h_{t−1} + b_t (frozen, learned_recurrence):
 *   h is a polynomial with coefficients +1 in a and b, so with
 *   H(a, b) = Σ_s |Π a|·|b_s| (`recurrenceMagnitude`, the oracle on |inputs|)
 *   the inputs' errors move h by ≤ H(|a| + e_a, |b| + e_b) − H(|a|, |b|), and
 *   the kernel's own rounding is ≤ γ_k·H(|a| + e_a, |b| + e_b) + 2k(t + 1)·2⁻¹²⁶
 *   with k the ledger's `scanRoundingPath` for the form (`scanAtol`). The
 *   adjoint λ_t = g_t + a_{t+1} λ_{t+1} is the same with (a, g) in reverse time;
 *   ∂L/∂a_t = λ_t·h_{t−1} is one tracked product.
 * - Retention and the gated delta rule (recurrent form, impl/decepticons/
 *   retention/kernels/: forward.ts, and for the backward adjoint.ts and dgate.ts
 *   (retention) or backward.ts and grads.ts (delta)): forward and backward outputs
 *   are polynomials in (q, k, v, g, β, ∂L/∂o) computed by straight-line programs
 *   of + − ×. For such a program, the computed value is Σ_m c_m m(x̂)·Π(1 + δ)
 *   over the monomials of its expansion, each with at most k factors (1 + δ),
 *   k the number of operations in the monomial's derivation tree; so the
 *   rounding error is ≤ γ_k·P̄(|x̂|) ≤ γ_k·P̄(|x| + e) and the inputs' errors
 *   move the value by ≤ P̄(|x| + e) − P̄(|x|), where P̄ is the polynomial with
 *   every coefficient replaced by its absolute value (the companion). For gated
 *   retention every coefficient is +1, so P̄ is the retention oracle run on
 *   absolute values. For the gated delta rule the substitution v → −|v|,
 *   β → −|β| makes every monomial of the forward and of both backward passes
 *   (the kernels' arrangement and the oracle's alike) the same sign, so P̄ is
 *   |the oracle| at (|q|, |k|, −|v|, |g|, −|β|, |∂L/∂o|). The counts k, per
 *   step t of T and key / value sizes d_k, d_v:
 *   - forward state: a fresh term k_c·(w·v_j) and its add cost 3; each later
 *     step costs 2 (retention: g·s and the add; s − k·(0·u) is exact) or
 *     d_k + 5 (delta, through u = Σ k s: d_k, β·u, k·(βu), the subtraction, g·,
 *     the add); the read q·S adds d_k: K_f = T·c_f + d_k with c_f = 3 or d_k + 5;
 *   - adjoint dS_t: the fresh q·do and its add cost 2, each later step 2
 *     (retention) or d_k + 6 (delta: w = Σ k dS, β·w, k·, −, g·, the next add):
 *     K_a = 2 + (T − 1)·c_a;
 *   - gathered gradients multiply a forward-state term by an adjoint term and
 *     add ≤ 2d_k + d_v + 4 operations (dk: ds·u, prev·w, +, g·β, −, the d_v sum;
 *     dg: p = Σ dS·S, w·u, β·, −, the d_v sum; dβ likewise; dq, dv fewer):
 *     K_b = K_f + K_a + 2d_k + d_v + 4.
 *   Subnormal flushes add ≤ 2⁻¹²⁶ per operation, 2k·2⁻¹²⁶ in all (the ledger's
 *   convention for accumulations).
 *
 * - Blocks (U = S + Φ(S), Φ = relu(S W1 + c1) W2 + c2, then a second substrate pass on U):
 *   matmuls, bias adds and the add as above; relu is exact and 1-Lipschitz (e carries); its
 *   backward passes g exactly where the sign of the computed pre-activation is certain, and
 *   may differ by |g| + e_g where |pre| ≤ e_pre. A tensor several passes read (the states into
 *   a block, the learned recurrence's gate weights read anew by each pass, the gated read-out
 *   o W_o that every pass adds) gets its gradient through autograd's accumulation.
 * - Hemispheres move columns between tensors (concat, slice): exact.
 * - The static gate g = add(1, mul(tanh β, 0.5)) through the ledger's tanh rule; mul(S, g)
 *   one product each; β's gradient sums ∂L/∂S·S over all B·T·M elements (sumToShape: any
 *   order, count − 1 additions) before the tanh backward g·(1 − y·y).
 * - Polynomial features: the 0/1 selector matmuls copy exactly, but are bounded as any matmul
 *   (γ_d of the magnitudes: loose, valid); each product one rounding; z feeds two (order 2) or
 *   five (order 3) gradient paths.
 *
 * The retention counts hold for the recurrent form, the one byte_lm.ts requests
 * (`form: "recurrent"`, and gatedDelta's default); a chunkwise form would need
 * its own counts.
 *
 * Tightness (measured on the claims' cases): worst |gpu − oracle|/bound 0.044
 * (logits) and 0.088 (gradients). Bounds run 10⁻⁵–10⁻⁴ of the logits and
 * 10⁻⁴–10⁻² of most gradients: WGSL's exp is only (3 + 2|x|) ulp, and GELU's
 * inherited tanh saturates through exp(15). The componentwise companion of the
 * gated delta rule ignores the contraction of I − β kᵀk (‖·‖₂ ≤ 1): it grows by
 * up to (1 + β‖k‖²) per step where the state contracts, so at T = 7 the delta
 * substrate's gate-projection gradients are bounded only to 0.3–0.9 of their
 * size and its other substrate gradients to ~0.1. A norm-wise bound, as
 * spec/decepticons/retention/gpu_test.ts derives for the kernel on exact
 * inputs, would tighten it.
 *
 * The f64 oracle's own distance from the exact values (≤ ~10³·2⁻⁵³ of the
 * magnitudes at these sizes, 2⁻²⁹ of the f32 unit) is covered by the ledger's
 * BYTE_LM_REFERENCE_FACTOR (1 + 2⁻²⁰), which the comparison applies.
 *
 * @module
 */
import {
  F32_MIN_NORMAL,
  gamma32,
  scanAtol,
  scanRoundingPath,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
  trackSumOf,
} from "../../../invariants/tolerance.ts";
import { reducePathLength, rowLanes, segmentPathLength } from "../../../impl/ops/kernels/reduce.ts";
import {
  recurrenceAdjoint,
  recurrenceForward,
  recurrenceMagnitude,
} from "../../oracle/decepticons/linear_recurrence.ts";
import {
  scanBackward,
  scanForward,
  type ScanGradients,
  type ScanProblem,
} from "../../oracle/decepticons/retention.ts";
import {
  type ByteLMBatch,
  type ByteLMOracleConfig,
  type ByteLMValues,
  DELTA_KEY_EPS,
  fromHeads,
  isBank,
  mm,
  ORACLE_BYTE_VOCAB,
  polyDims,
  toHeads,
  usesReadoutPath,
  windowIds,
} from "../../oracle/decepticons/byte_lm.ts";
import { trackGelu, trackGeluBackward } from "../../_harness/tracked_wgsl_math.ts";

/** An array of tracked values: exact values v and error bounds e, row-major. */
export interface TA {
  readonly v: Float64Array;
  readonly e: Float64Array;
}

/** The scan form the bank's recurrence runs in (frozen and learned_recurrence). */
export interface ScanFormOf {
  readonly scanMethod: "sequential" | "chunked";
  readonly scanChunk: number;
}

/**
 * The adjoints the readout path hands back to the substrate (f32, as the GPU computed them):
 * ∂L/∂u of the readout's features u = [S, x(, substrate poly terms)] [N, ·] and ∂L/∂window of
 * the local path's window [N, W·E] (null without a local path).
 */
export interface FeatureAdjoints {
  readonly dCat: ArrayLike<number>;
  readonly dWin: ArrayLike<number> | null;
}

/** A configuration the bounds walk needs: the oracle's plus the scan form. */
export type ByteLMBoundsConfig = ByteLMOracleConfig & ScanFormOf;

/** Bounds of one case: logits [N, 256], the loss, every trainable parameter's gradient. */
export interface ByteLMBounds {
  logits: TA;
  loss: Tracked;
  grads: Record<string, TA>;
  /**
   * The readout's features u = [S, x(, substrate poly terms)] [N, ·]: the bound the readout
   * path's stages start from. On the readout path (another readout kind, bands or the gated
   * mix: {@link usesReadoutPath}) the walk stops here: logits, loss and grads are empty, and the
   * readouts' own bounds (spec/decepticons/readouts/_bounds.ts) take over on the GPU's features.
   */
  features: TA;
}

const E = { ...track, ...trackBuiltins };
const ONE: Tracked = { v: 1, e: 0 };
const HALF = E.literal(0.5);

// ------------------------------------------------------------------ array helpers

function at(x: TA, i: number): Tracked {
  return { v: x.v[i]!, e: x.e[i]! };
}

function fromTracked(ts: readonly Tracked[]): TA {
  return { v: Float64Array.from(ts, (t) => t.v), e: Float64Array.from(ts, (t) => t.e) };
}

/** f32 inputs loaded from buffers: exact unless subnormal (flushed). */
function loaded(x: Float64Array): TA {
  return { v: x, e: x.map((v) => (Math.abs(v) < F32_MIN_NORMAL ? Math.abs(v) : 0)) };
}

function map(x: TA, f: (t: Tracked, i: number) => Tracked): TA {
  const out: Tracked[] = new Array(x.v.length);
  for (let i = 0; i < out.length; i++) out[i] = f(at(x, i), i);
  return fromTracked(out);
}

function zip(a: TA, b: TA, f: (x: Tracked, y: Tracked, i: number) => Tracked): TA {
  const out: Tracked[] = new Array(a.v.length);
  for (let i = 0; i < out.length; i++) out[i] = f(at(a, i), at(b, i), i);
  return fromTracked(out);
}

/** An exact move of both arrays (a layout change). */
function move(x: TA, f: (a: Float64Array) => Float64Array): TA {
  return { v: f(x.v), e: f(x.e) };
}

function absPlus(x: TA): Float64Array {
  return x.v.map((v, i) => Math.abs(v) + x.e[i]!);
}

/** C = op(A)·op(B) with inner length L: the product rule on errors plus γ_L of the magnitudes. */
function matmul(
  a: TA,
  aShape: readonly [number, number],
  b: TA,
  bShape: readonly [number, number],
  transA = false,
  transB = false,
): TA {
  const L = transA ? aShape[0] : aShape[1];
  const v = mm(a.v, aShape, b.v, bShape, transA, transB);
  const aAbs = a.v.map(Math.abs);
  const bAbs = b.v.map(Math.abs);
  const p1 = mm(aAbs, aShape, b.e, bShape, transA, transB);
  const p2 = mm(a.e, aShape, bAbs, bShape, transA, transB);
  const p3 = mm(a.e, aShape, b.e, bShape, transA, transB);
  const mag = mm(absPlus(a), aShape, absPlus(b), bShape, transA, transB);
  const g = gamma32(L);
  const e = v.map((_, i) => p1[i]! + p2[i]! + p3[i]! + g * mag[i]! + 2 * L * F32_MIN_NORMAL);
  return { v, e };
}

/** x[n, :] + bias (the broadcast add kernel): one rounding each. */
function addRows(x: TA, bias: TA): TA {
  const c = bias.v.length;
  return map(x, (t, i) => E.add(t, at(bias, i % c)));
}

/** Column sums of x [rows, cols] through sumToShape: ≤ rows − 1 additions per term. */
function colSums(x: TA, cols: number): TA {
  const rows = x.v.length / cols;
  const out: Tracked[] = [];
  for (let c = 0; c < cols; c++) {
    const terms: Tracked[] = [];
    for (let r = 0; r < rows; r++) terms.push(at(x, r * cols + c));
    out.push(trackSum(terms, rows - 1));
  }
  return fromTracked(out);
}

/** Autograd's accumulation of n gradient paths (any order): ≤ n − 1 additions per term. */
function accumulate(parts: readonly TA[]): TA {
  const n = parts[0]!.v.length;
  const out: Tracked[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = trackSum(parts.map((p) => at(p, i)), parts.length - 1);
  return fromTracked(out);
}

function concatCols(x: TA, cx: number, y: TA, cy: number): TA {
  const rows = x.v.length / cx;
  const f = (a: Float64Array, b: Float64Array) => {
    const out = new Float64Array(rows * (cx + cy));
    for (let r = 0; r < rows; r++) {
      out.set(a.subarray(r * cx, (r + 1) * cx), r * (cx + cy));
      out.set(b.subarray(r * cy, (r + 1) * cy), r * (cx + cy) + cx);
    }
    return out;
  };
  return { v: f(x.v, y.v), e: f(x.e, y.e) };
}

function takeCols(x: TA, cols: number, from: number, width: number): TA {
  return move(x, (a) => {
    const rows = a.length / cols;
    const out = new Float64Array(rows * width);
    for (let r = 0; r < rows; r++) {
      out.set(a.subarray(r * cols + from, r * cols + from + width), r * width);
    }
    return out;
  });
}

function gatherRows(table: TA, ids: Int32Array, dim: number): TA {
  return move(table, (t) => {
    const out = new Float64Array(ids.length * dim);
    ids.forEach((id, i) => {
      if (id >= 0) out.set(t.subarray(id * dim, (id + 1) * dim), i * dim);
    });
    return out;
  });
}

/** Column block i of [N, G·H] as per-head gates [B·H, T] (an exact move). */
function headGates(x: TA, B: number, T: number, H: number, groups: number, i: number): TA {
  return move(x, (a) => {
    const out = new Float64Array(B * H * T);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < H; h++) {
          out[(b * H + h) * T + t] = a[(b * T + t) * groups * H + i * H + h]!;
        }
      }
    }
    return out;
  });
}

/** Places per-head gate gradients into column block i of a zero [N, G·H] (slice backward). */
function placeHeadGates(
  into: { v: Float64Array; e: Float64Array },
  g: TA,
  B: number,
  T: number,
  H: number,
  groups: number,
  i: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        const to = (b * T + t) * groups * H + i * H + h;
        into.v[to] = g.v[(b * H + h) * T + t]!;
        into.e[to] = g.e[(b * H + h) * T + t]!;
      }
    }
  }
}

// ------------------------------------------------------------------ elementwise kernels

/** Sigmoid forward: `1.0 / (1.0 + exp(-x))`. */
/**
 * relu's backward (g where x > 0): exact when the sign of the computed x is certain; otherwise
 * the kernel may pass ĝ or 0 where the exact value is the other, |g| + e_g apart at most.
 */
function reluBackward(x: Tracked, g: Tracked): Tracked {
  const v = x.v > 0 ? g.v : 0;
  if (x.v > x.e) return g;
  if (x.v < -x.e || (x.v <= 0 && x.e === 0)) return { v: 0, e: 0 };
  return { v, e: Math.abs(g.v) + g.e };
}

function sigmoid(x: Tracked): Tracked {
  return E.div(ONE, E.add(ONE, E.exp(E.neg(x))));
}

/** Sigmoid backward from the computed y: `g * y * (1.0 - y)`. */
function sigmoidBackward(y: Tracked, g: Tracked): Tracked {
  return E.mul(E.mul(g, y), E.sub(ONE, y));
}

// ------------------------------------------------------------------ cross-entropy

/**
 * `crossEntropyBounds` (invariants/tolerance.ts) on tracked logits: the same
 * replay of impl/ops/kernels/cross_entropy.ts, with the seed g = 1.
 */
function crossEntropy(
  logits: TA,
  targets: Int32Array,
  rows: number,
  classes: number,
): { loss: Tracked; gx: TA } {
  const kRow = segmentPathLength(classes, rowLanes(rows, classes));
  const kMean = reducePathLength({ outer: 1, n: rows, inner: 1 });
  const w = E.mul(ONE, E.uniform(1 / rows));
  const gx: Tracked[] = new Array(rows * classes);
  let lossV = 0;
  let lossE = 0;
  let lossMag = 0;
  const d: Tracked[] = new Array(classes);
  const ex: Tracked[] = new Array(classes);
  for (let i = 0; i < rows; i++) {
    const start = i * classes;
    let mv = -Infinity;
    let me = 0;
    for (let j = 0; j < classes; j++) {
      mv = Math.max(mv, logits.v[start + j]!);
      me = Math.max(me, logits.e[start + j]!);
    }
    const m: Tracked = { v: mv, e: me };
    for (let j = 0; j < classes; j++) {
      d[j] = E.sub(at(logits, start + j), m);
      ex[j] = E.exp(d[j]!);
    }
    const s = trackSum(ex, kRow);
    const t = targets[i]!;
    const li = E.sub(E.log(s), d[t]!);
    lossV += li.v;
    lossE += li.e;
    lossMag += Math.abs(li.v) + li.e;
    for (let j = 0; j < classes; j++) {
      gx[start + j] = E.mul(w, E.sub(E.div(ex[j]!, s), { v: j === t ? 1 : 0, e: 0 }));
    }
  }
  const loss = E.mul(trackSumOf(lossV, lossE, lossMag, kMean), E.uniform(1 / rows));
  return { loss, gx: fromTracked(gx) };
}

// ------------------------------------------------------------------ linear recurrence

/** Recursion depth of the chunked scan over T steps (as spec/decepticons/linear_recurrence). */
function chunkLevels(T: number, K: number): number {
  let n = T;
  let k = Math.min(K, T);
  let levels = 0;
  while (true) {
    levels++;
    const nC = Math.ceil(n / k);
    if (nC <= 1) return levels;
    const sub = Math.max(k, 2);
    if (nC <= sub) return levels;
    n = nC;
    k = sub;
  }
}

/** The ledger's rounding path of logical step s of a scan over T steps. */
function scanPath(form: ScanFormOf, T: number, s: number): number {
  const chunked = form.scanMethod === "chunked";
  return scanRoundingPath(s, {
    chunk: chunked ? Math.min(form.scanChunk, T) : null,
    levels: chunked ? chunkLevels(T, form.scanChunk) : 0,
    complex: false,
  });
}

/** h = scan(a, b) over [B, T, C]: companion propagation plus the scan's own bound. */
function recurrence(form: ScanFormOf, B: number, T: number, C: number, a: TA, b: TA): TA {
  const dims = { nb: B, T, C, w: 1 as const };
  const v = recurrenceForward(dims, a.v, b.v, null).h;
  const mAbs = recurrenceMagnitude(dims, a.v, b.v, null);
  const mBar = recurrenceMagnitude(dims, absPlus(a), absPlus(b), null);
  const e = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = Math.floor(i / C) % T;
    e[i] = mBar[i]! - mAbs[i]! + scanAtol(scanPath(form, T, t), mBar[i]!, t);
  }
  return { v, e };
}

/** The adjoint λ (= ∂L/∂b) and ∂L/∂a = λ_t·h_{t−1} of a scan, from the upstream g. */
function recurrenceBackward(
  form: ScanFormOf,
  B: number,
  T: number,
  C: number,
  a: TA,
  h: TA,
  g: TA,
): { da: TA; lam: TA } {
  const dims = { nb: B, T, C, w: 1 as const };
  const v = recurrenceAdjoint(dims, a.v, g.v);
  const lAbs = recurrenceAdjoint(dims, a.v.map(Math.abs), g.v.map(Math.abs));
  const lBar = recurrenceAdjoint(dims, absPlus(a), absPlus(g));
  const e = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const s = T - 1 - (Math.floor(i / C) % T);
    e[i] = lBar[i]! - lAbs[i]! + scanAtol(scanPath(form, T, s), lBar[i]!, s);
  }
  const lam = { v, e };
  const da = map(lam, (l, i) => {
    const t = Math.floor(i / C) % T;
    return E.mul(l, t > 0 ? at(h, i - C) : { v: 0, e: 0 });
  });
  return { da, lam };
}

// ------------------------------------------------------------------ polynomial features

/** The features' forward values: z, its two selected copies, the square and the terms. */
interface PolyT {
  u: TA;
  z: TA;
  qi: TA;
  qj: TA;
  zz: TA | null;
  pairs: number;
  out: TA;
}

/**
 * polyTerms on the GPU: z = add(matmul(u, P), p); q = mul(matmul(z, Sᵢ), matmul(z, Sⱼ)) with the
 * 0/1 selectors (the matmul bound covers them, though they copy exactly); order 3 appends
 * mul(mul(z, z), z).
 */
function polyForward(
  u: TA,
  n: number,
  d: number,
  order: 2 | 3,
  prefix: string,
  p: (name: string) => TA,
  values: ByteLMValues,
): PolyT {
  const rows = u.v.length / n;
  const pairs = (d * (d + 1)) / 2;
  const z = addRows(matmul(u, [rows, n], p(`${prefix}_w`), [n, d]), p(`${prefix}_b`));
  const si = loaded(need(values, `${prefix}_sel_i`));
  const sj = loaded(need(values, `${prefix}_sel_j`));
  const qi = matmul(z, [rows, d], si, [d, pairs]);
  const qj = matmul(z, [rows, d], sj, [d, pairs]);
  const q = zip(qi, qj, (a1, b1) => E.mul(a1, b1));
  if (order === 2) return { u, z, qi, qj, zz: null, pairs, out: q };
  const zz = zip(z, z, (a1, b1) => E.mul(a1, b1));
  const cube = zip(zz, z, (a1, b1) => E.mul(a1, b1));
  return { u, z, qi, qj, zz, pairs, out: concatCols(q, pairs, cube, d) };
}

/** ∂L/∂z of {@link polyForward} from the terms' adjoint: two (order 2) or five paths into z. */
function polyBackward(pt: PolyT, dT: TA, d: number, values: ByteLMValues, prefix: string): TA {
  const rows = pt.z.v.length / d;
  const w = pt.pairs + (pt.zz === null ? 0 : d);
  const dq = takeCols(dT, w, 0, pt.pairs);
  const si = loaded(need(values, `${prefix}_sel_i`));
  const sj = loaded(need(values, `${prefix}_sel_j`));
  // mul(qi, qj): qi gets dq·qj, qj gets dq·qi; each matmul by a selector passes it back by Sᵀ.
  const viaI = matmul(
    zip(dq, pt.qj, (g1, b1) => E.mul(g1, b1)),
    [rows, pt.pairs],
    si,
    [d, pt.pairs],
    false,
    true,
  );
  const viaJ = matmul(
    zip(dq, pt.qi, (g1, a1) => E.mul(g1, a1)),
    [rows, pt.pairs],
    sj,
    [d, pt.pairs],
    false,
    true,
  );
  if (pt.zz === null) return accumulate([viaI, viaJ]);
  const dc = takeCols(dT, w, pt.pairs, d);
  // mul(zz, z): zz gets dc·z, z gets dc·zz; mul(z, z): both operands get dzz·z.
  const dzz = zip(dc, pt.z, (g1, z1) => E.mul(g1, z1));
  const viaCube = zip(dc, pt.zz, (g1, s1) => E.mul(g1, s1));
  const viaSq = zip(dzz, pt.z, (g1, z1) => E.mul(g1, z1));
  return accumulate([viaI, viaJ, viaCube, viaSq, viaSq]);
}

// ------------------------------------------------------------------ retention

/** Operation counts K_f, K_b of the recurrent retention kernels (module doc). */
function retentionPaths(delta: boolean, T: number, dk: number, dv: number) {
  const kf = T * (delta ? dk + 5 : 3) + dk;
  const ka = 2 + (T - 1) * (delta ? dk + 6 : 2);
  return { kf, kb: kf + ka + 2 * dk + dv + 4 };
}

interface TrackedProblem {
  n: number;
  t: number;
  dk: number;
  dv: number;
  q: TA;
  k: TA;
  v: TA;
  gates: TA;
  beta: TA | null;
}

/**
 * The companion problem at magnitudes `mag` (|x| or |x| + e): every coefficient
 * of the expansion made non-negative (retention) or of one sign (delta: v and β
 * negated), so the oracle's |value| is the companion P̄.
 */
function companion(p: TrackedProblem, mag: (x: TA) => Float64Array): ScanProblem {
  const delta = p.beta !== null;
  return {
    n: p.n,
    t: p.t,
    dk: p.dk,
    dv: p.dv,
    q: mag(p.q),
    k: mag(p.k),
    v: delta ? mag(p.v).map((x) => -x) : mag(p.v),
    gates: mag(p.gates),
    beta: delta ? mag(p.beta!).map((x) => -x) : null,
  };
}

const absOf = (x: TA) => x.v.map(Math.abs);

function exactProblem(p: TrackedProblem): ScanProblem {
  return {
    n: p.n,
    t: p.t,
    dk: p.dk,
    dv: p.dv,
    q: p.q.v,
    k: p.k.v,
    v: p.v.v,
    gates: p.gates.v,
    beta: p.beta?.v ?? null,
  };
}

/** err = P̄(|x| + e) − P̄(|x|) + γ_k·P̄(|x| + e) + 2k·2⁻¹²⁶, elementwise. */
function companionError(bar: Float64Array, abs: Float64Array, k: number): Float64Array {
  const g = gamma32(k);
  return bar.map((b, i) =>
    Math.abs(b) - Math.abs(abs[i]!) + g * Math.abs(b) + 2 * k * F32_MIN_NORMAL
  );
}

function retentionForward(p: TrackedProblem): TA {
  const { kf } = retentionPaths(p.beta !== null, p.t, p.dk, p.dv);
  const v = scanForward(exactProblem(p)).o;
  const bar = scanForward(companion(p, absPlus)).o;
  const abs = scanForward(companion(p, absOf)).o;
  return { v, e: companionError(bar, abs, kf) };
}

interface TrackedScanGrads {
  dq: TA;
  dk: TA;
  dv: TA;
  dGates: TA;
  dBeta: TA | null;
}

function retentionBackward(p: TrackedProblem, dO: TA): TrackedScanGrads {
  const { kb } = retentionPaths(p.beta !== null, p.t, p.dk, p.dv);
  const ex = exactProblem(p);
  const ref = scanBackward(ex, scanForward(ex), dO.v);
  const cBar = companion(p, absPlus);
  const cAbs = companion(p, absOf);
  const bar = scanBackward(cBar, scanForward(cBar), absPlus(dO));
  const abs = scanBackward(cAbs, scanForward(cAbs), absOf(dO));
  const pick = (f: (g: ScanGradients) => Float64Array | null): TA => ({
    v: f(ref)!,
    e: companionError(f(bar)!, f(abs)!, kb),
  });
  return {
    dq: pick((g) => g.dq),
    dk: pick((g) => g.dk),
    dv: pick((g) => g.dv),
    dGates: pick((g) => g.dGates),
    dBeta: p.beta === null ? null : pick((g) => g.dBeta),
  };
}

// ------------------------------------------------------------------ the model

function need(values: ByteLMValues, name: string): Float64Array {
  const v = values[name];
  if (v === undefined) {
    throw new TypeError(`Cannot bound the byte LM: expected an array "${name}"`);
  }
  return v;
}

/**
 * Bounds of the GPU's logits, loss and parameter gradients (backward from the
 * loss with seed 1) against the oracle, on the parameter values `values` and
 * the batch. The walk computes its own exact values `v` alongside (equal to the
 * oracle's up to f64 rounding).
 *
 * @throws {TypeError} when an array is missing.
 */
export function byteLMBounds(
  c: ByteLMBoundsConfig,
  values: ByteLMValues,
  batch: ByteLMBatch,
  inject?: FeatureAdjoints,
): ByteLMBounds {
  const { B, T } = batch;
  const N = B * T;
  const { embeddingDim: Ed, linearModes: M } = c;
  const V = ORACLE_BYTE_VOCAB;
  const hl = c.readoutHidden;
  const W = c.localWindow;
  const width = hl + (W > 0 ? c.localHidden : 0);
  const p = (name: string) => loaded(need(values, name));
  const emb = p("embedding");

  // ---- forward
  const x = gatherRows(emb, batch.tokens, Ed);
  const inProj = p("in_proj");
  const drive = matmul(x, [N, Ed], inProj, [Ed, M]);
  let states: TA;
  let gatesA: TA | null = null;
  let scanIn: TA | null = null;
  let g = null as null | {
    q0: TA;
    k0: TA;
    v0: TA;
    gates: TA;
    keep: { r: TA; e: TA; w: TA; a: TA; bm: TA } | null;
    key: { kh: TA; nrm: TA } | null;
    problem: TrackedProblem;
    o: TA;
  };
  let mixT: TA | null = null;
  const H = c.numHeads;
  const S = c.stateDim;
  const ds = S / H;
  const delta = c.substrate === "gated_delta";
  const groups = delta ? 2 : 3;
  if (isBank(c.substrate)) {
    const d = need(values, "decays");
    const gates = loaded(Float64Array.from({ length: N * M }, (_, i) => d[i % M]!));
    gatesA = gates;
    scanIn = drive;
    states = recurrence(c, B, T, M, gates, drive);
  } else if (c.substrate === "learned_recurrence") {
    const z = addRows(matmul(x, [N, Ed], p("gate_w"), [Ed, M]), p("gate_b"));
    gatesA = map(z, sigmoid);
    const a = gatesA;
    scanIn = zip(drive, map(drive, (dv, i) => E.mul(at(a, i), dv)), (dv, ad) => E.sub(dv, ad));
    states = recurrence(c, B, T, M, gatesA, scanIn);
  } else {
    const q0 = matmul(x, [N, Ed], p("wq"), [Ed, S]);
    const k0 = matmul(x, [N, Ed], p("wk"), [Ed, S]);
    const v0 = matmul(x, [N, Ed], p("wv"), [Ed, S]);
    const z = addRows(matmul(x, [N, Ed], p("gate_w"), [Ed, groups * H]), p("gate_b"));
    const gates = map(z, sigmoid);
    const scale = E.uniform(1 / Math.sqrt(ds));
    const heads = (t: TA) => move(t, (a) => toHeads(a, B, T, H, ds));
    const q = heads(map(q0, (t) => E.mul(t, scale)));
    let problem: TrackedProblem;
    let keep: { r: TA; e: TA; w: TA; a: TA; bm: TA } | null = null;
    let key: { kh: TA; nrm: TA } | null = null;
    if (!delta) {
      const gamma = p("gamma");
      const r = headGates(gates, B, T, H, groups, 0);
      const w = headGates(gates, B, T, H, groups, 1);
      const e = headGates(gates, B, T, H, groups, 2);
      // mul(mul(r, γ), sub(1, e)): A = r·γ, Bm = 1 − e, keep = A·Bm.
      const a = map(r, (rv, i) => E.mul(rv, at(gamma, Math.floor(i / T) % H)));
      const bm = map(e, (ev) => E.sub(ONE, ev));
      const keepGate = zip(a, bm, (x1, x2) => E.mul(x1, x2));
      const vh = heads(v0);
      const v = map(vh, (t, i) => E.mul(t, at(w, Math.floor(i / ds))));
      problem = { n: B * H, t: T, dk: ds, dv: ds, q, k: heads(k0), v, gates: keepGate, beta: null };
      keep = { r, e, w, a, bm };
    } else {
      const kh = heads(k0);
      const sq = map(kh, (t) => E.mul(t, t));
      const kSum = reducePathLength({ outer: B * H * T, n: ds, inner: 1 });
      const eps = E.uniform(DELTA_KEY_EPS);
      const nrm: Tracked[] = [];
      for (let r = 0; r < B * H * T; r++) {
        const terms: Tracked[] = [];
        for (let i = 0; i < ds; i++) terms.push(at(sq, r * ds + i));
        nrm.push(E.sqrt(E.add(trackSum(terms, kSum), eps)));
      }
      const nrmA = fromTracked(nrm);
      const k = map(kh, (t, i) => E.div(t, at(nrmA, Math.floor(i / ds))));
      problem = {
        n: B * H,
        t: T,
        dk: ds,
        dv: ds,
        q,
        k,
        v: heads(v0),
        gates: headGates(gates, B, T, H, groups, 0),
        beta: headGates(gates, B, T, H, groups, 1),
      };
      key = { kh, nrm: nrmA };
    }
    const oh = retentionForward(problem);
    const o = move(oh, (a) => fromHeads(a, B, T, H, ds));
    mixT = matmul(o, [N, S], p("wo"), [S, M]);
    states = zip(mixT, drive, (m1, m2) => E.add(m1, m2));
    g = { q0, k0, v0, gates, keep, key, problem, o };
  }
  // Further blocks (blockMlp, then the pass on U = add(S, Φ(S)) as the drive).
  const firstStates = states;
  const blocksT: { input: TA; pre: TA; h: TA; u: TA; out: TA }[] = [];
  for (let k = 1; k < (c.numBlocks ?? 1); k++) {
    const b1 = p(`block${k}_b1`);
    const m = b1.v.length;
    const pre = addRows(matmul(states, [N, M], p(`block${k}_w1`), [M, m]), b1);
    const h = map(pre, (t) => E.max0(t));
    const phi = addRows(matmul(h, [N, m], p(`block${k}_w2`), [m, M]), p(`block${k}_b2`));
    const u = zip(states, phi, (a1, b2) => E.add(a1, b2));
    let out: TA;
    if (isBank(c.substrate)) out = recurrence(c, B, T, M, gatesA!, u);
    else if (c.substrate === "learned_recurrence") {
      const a = gatesA!;
      // sub(U, mul(a, U)), as the first pass's.
      const sIn = zip(u, map(u, (uv, i) => E.mul(at(a, i), uv)), (u1, au) => E.sub(u1, au));
      out = recurrence(c, B, T, M, a, sIn);
    } else out = zip(mixT!, u, (m1, u1) => E.add(m1, u1));
    blocksT.push({ input: states, pre, h, u, out });
    states = out;
  }
  // The static gate once: add(1, mul(tanh(β), 0.5)), then mul(S, g) broadcast.
  let gateT: { t: Tracked; g: Tracked; states: TA } | null = null;
  if (c.staticBankGate) {
    const t = E.tanh(E.clampArg(at(p("bank_gate_beta"), 0), -15, 15));
    const g = E.add(ONE, E.mul(t, HALF));
    gateT = { t, g, states };
    states = map(states, (sv) => E.mul(sv, g));
  }
  // Polynomial features of the final states, appended to the readout's input.
  const sp = polyDims(M, c.substratePolyOrder ?? 1);
  let cat = concatCols(states, M, x, Ed);
  let polyS: PolyT | null = null;
  if (sp.terms > 0) {
    polyS = polyForward(
      states,
      M,
      sp.d,
      c.substratePolyOrder as 2 | 3,
      "substrate_poly",
      p,
      values,
    );
    cat = concatCols(cat, M + Ed, polyS.out, sp.terms);
  }
  const catW = M + Ed + sp.terms;
  const none = { v: new Float64Array(0), e: new Float64Array(0) };
  if (usesReadoutPath(c) && inject === undefined) {
    return { logits: none, loss: { v: NaN, e: Infinity }, grads: {}, features: cat };
  }
  if (inject !== undefined && (c.localPolyOrder ?? 1) > 1) {
    throw new RangeError(
      "Cannot bound the byte LM from injected adjoints: expected localPolyOrder 1 (the " +
        `window's adjoint is injected, not the local input's) but got ${c.localPolyOrder}`,
    );
  }
  // The MLP path's readout, forward and backward to ∂L/∂[S, x(, poly)] and the window's
  // adjoint; or, on the readout path, those adjoints injected as the GPU's readouts computed them.
  let win: TA | null = null;
  let winIds: Int32Array | null = null;
  let preL: TA | null = null;
  let localIn: TA | null = null;
  let polyL: PolyT | null = null;
  const scaleT = E.input(c.localScale);
  const grads: Record<string, TA> = {};
  let logits: TA = none;
  let lossT: Tracked = { v: NaN, e: Infinity };
  let dHidden: TA = none;
  let dCat: TA;
  if (inject === undefined) {
    const pre = addRows(matmul(cat, [N, catW], p("readout_w"), [catW, hl]), p("readout_b"));
    const hLin = map(pre, trackGelu);
    let hidden = hLin;
    if (W > 0) {
      winIds = windowIds(batch, W);
      win = gatherRows(emb, winIds, Ed);
      const lp = polyDims(W * Ed, c.localPolyOrder ?? 1);
      localIn = win;
      if (lp.terms > 0) {
        polyL = polyForward(win, W * Ed, lp.d, c.localPolyOrder as 2 | 3, "local_poly", p, values);
        localIn = concatCols(win, W * Ed, polyL.out, lp.terms);
      }
      const inW = W * Ed + lp.terms;
      preL = addRows(matmul(localIn, [N, inW], p("local_w"), [inW, c.localHidden]), p("local_b"));
      const hLoc = map(preL, trackGelu);
      hidden = concatCols(hLin, hl, map(hLoc, (t) => E.mul(t, scaleT)), c.localHidden);
    }
    logits = addRows(matmul(hidden, [N, width], p("out_w"), [width, V]), p("out_b"));
    const ce = crossEntropy(logits, batch.targets, N, V);
    lossT = ce.loss;

    // ---- backward
    const dLogits = ce.gx;
    grads.out_b = colSums(dLogits, V);
    grads.out_w = matmul(hidden, [N, width], dLogits, [N, V], true);
    dHidden = matmul(dLogits, [N, V], p("out_w"), [width, V], false, true);
    const dPre = zip(pre, takeCols(dHidden, width, 0, hl), trackGeluBackward);
    grads.readout_b = colSums(dPre, hl);
    grads.readout_w = matmul(cat, [N, catW], dPre, [N, hl], true);
    dCat = matmul(dPre, [N, hl], p("readout_w"), [catW, hl], false, true);
  } else {
    if (inject.dCat.length !== N * catW || (W > 0) !== (inject.dWin !== null)) {
      throw new TypeError(
        `Cannot bound the byte LM from injected adjoints: expected ∂L/∂u of ${N * catW} values` +
          `${W > 0 ? ` and the window's of ${N * W * Ed}` : ""}`,
      );
    }
    dCat = loaded(Float64Array.from(inject.dCat));
    if (W > 0) winIds = windowIds(batch, W);
  }
  let dStates = takeCols(dCat, catW, 0, M);
  if (polyS !== null) {
    const dz = polyBackward(
      polyS,
      takeCols(dCat, catW, M + Ed, sp.terms),
      sp.d,
      values,
      "substrate_poly",
    );
    grads.substrate_poly_b = colSums(dz, sp.d);
    grads.substrate_poly_w = matmul(states, [N, M], dz, [N, sp.d], true);
    // The final states feed the concat and the projection: two paths.
    dStates = accumulate([
      dStates,
      matmul(dz, [N, sp.d], p("substrate_poly_w"), [M, sp.d], false, true),
    ]);
  }
  if (gateT !== null) {
    const { t, g, states: before } = gateT;
    // mul's backward: g's share Σ ∂L/∂S·S (sumToShape to [1], any order); S's ∂L/∂S·g.
    const terms: Tracked[] = [];
    for (let i = 0; i < before.v.length; i++) terms.push(E.mul(at(dStates, i), at(before, i)));
    const dg = trackSum(terms, terms.length - 1);
    // add(1, ·) passes it on; mul(tanh, 0.5): ·0.5; tanh's backward g·(1 − y·y).
    const dt = E.mul(dg, HALF);
    grads.bank_gate_beta = fromTracked([E.mul(dt, E.sub(ONE, E.mul(t, t)))]);
    dStates = map(dStates, (d) => E.mul(d, g));
  }
  const dxParts: TA[] = [takeCols(dCat, catW, M, Ed)];
  let dWin: TA | null = null;
  if (W > 0 && inject !== undefined) dWin = loaded(Float64Array.from(inject.dWin!));
  else if (W > 0) {
    const lh = c.localHidden;
    const dHLoc = map(takeCols(dHidden, width, hl, lh), (t) => E.mul(t, scaleT));
    const dPreL = zip(preL!, dHLoc, trackGeluBackward);
    grads.local_b = colSums(dPreL, lh);
    const lp = polyDims(W * Ed, c.localPolyOrder ?? 1);
    const inW = W * Ed + lp.terms;
    grads.local_w = matmul(localIn!, [N, inW], dPreL, [N, lh], true);
    const dIn = matmul(dPreL, [N, lh], p("local_w"), [inW, lh], false, true);
    dWin = takeCols(dIn, inW, 0, W * Ed);
    if (polyL !== null) {
      const dz = polyBackward(
        polyL,
        takeCols(dIn, inW, W * Ed, lp.terms),
        lp.d,
        values,
        "local_poly",
      );
      grads.local_poly_b = colSums(dz, lp.d);
      grads.local_poly_w = matmul(win!, [N, W * Ed], dz, [N, lp.d], true);
      dWin = accumulate([
        dWin,
        matmul(dz, [N, lp.d], p("local_poly_w"), [W * Ed, lp.d], false, true),
      ]);
    }
  }
  /** x·W: W's gradient, and x's share of the path. */
  const project = (name: string, n: number, dOut: TA, trainable = true) => {
    if (trainable) grads[name] = matmul(x, [N, Ed], dOut, [N, n], true);
    dxParts.push(matmul(dOut, [N, n], p(name), [Ed, n], false, true));
  };
  // The further blocks, last first; their shares of the gate, decay and read-out gradients.
  const decayParts: TA[] = [];
  const gateWParts: TA[] = [];
  const gateBParts: TA[] = [];
  const mixParts: TA[] = [];
  for (let k = blocksT.length; k >= 1; k--) {
    const bt = blocksT[k - 1]!;
    let dU: TA;
    if (isBank(c.substrate)) {
      const { da, lam } = recurrenceBackward(c, B, T, M, gatesA!, bt.out, dStates);
      dU = lam;
      if (c.substrate === "learnable_decays") decayParts.push(colSums(da, M));
    } else if (c.substrate === "learned_recurrence") {
      // Each pass recomputes a from x: its own sigmoid, add and matmul nodes.
      const a = gatesA!;
      const { da, lam } = recurrenceBackward(c, B, T, M, a, bt.out, dStates);
      const negLam = map(lam, (t) => E.neg(t));
      const dA = accumulate([da, zip(negLam, bt.u, (g1, u1) => E.mul(g1, u1))]);
      dU = accumulate([lam, zip(negLam, a, (g1, a1) => E.mul(g1, a1))]);
      const dZ = zip(a, dA, sigmoidBackward);
      gateBParts.push(colSums(dZ, M));
      gateWParts.push(matmul(x, [N, Ed], dZ, [N, M], true));
      dxParts.push(matmul(dZ, [N, M], p("gate_w"), [Ed, M], false, true));
    } else {
      // add(mix, U): both get ∂L/∂S exactly.
      dU = dStates;
      mixParts.push(dStates);
    }
    const m = bt.h.v.length / N;
    grads[`block${k}_b2`] = colSums(dU, M);
    grads[`block${k}_w2`] = matmul(bt.h, [N, m], dU, [N, M], true);
    const dH = matmul(dU, [N, M], p(`block${k}_w2`), [m, M], false, true);
    const dPreB = zip(bt.pre, dH, reluBackward);
    grads[`block${k}_b1`] = colSums(dPreB, m);
    grads[`block${k}_w1`] = matmul(bt.input, [N, M], dPreB, [N, m], true);
    // S feeds the block MLP and the add: two paths.
    dStates = accumulate([dU, matmul(dPreB, [N, m], p(`block${k}_w1`), [M, m], false, true)]);
  }
  if (isBank(c.substrate)) {
    const { da, lam } = recurrenceBackward(c, B, T, M, gatesA!, firstStates, dStates);
    // learnable_decays: add(zeros, d)'s backward sums ∂L/∂a over the B·T rows, as a bias's;
    // each pass's broadcast adds its own share.
    if (c.substrate === "learnable_decays") {
      grads.decays = decayParts.length
        ? accumulate([colSums(da, M), ...decayParts])
        : colSums(da, M);
    }
    project("in_proj", M, lam, c.substrate === "learnable_mixing");
  } else if (c.substrate === "learned_recurrence") {
    const a = gatesA!;
    const { da, lam } = recurrenceBackward(c, B, T, M, a, firstStates, dStates);
    // sub(D, mul(a, D)): D gets λ; mul gets −λ, so a gets (−λ)·D and D gets (−λ)·a.
    const negLam = map(lam, (t) => E.neg(t));
    const dA = accumulate([da, zip(negLam, drive, (g1, d1) => E.mul(g1, d1))]);
    const dDrive = accumulate([lam, zip(negLam, a, (g1, a1) => E.mul(g1, a1))]);
    const dZ = zip(a, dA, sigmoidBackward);
    grads.gate_b = colSums(dZ, M);
    project("gate_w", M, dZ);
    if (gateBParts.length) {
      grads.gate_b = accumulate([grads.gate_b, ...gateBParts]);
      grads.gate_w = accumulate([grads.gate_w!, ...gateWParts]);
    }
    project("in_proj", M, dDrive);
  } else {
    const gd = g!;
    const heads = (t: TA) => move(t, (a) => toHeads(a, B, T, H, ds));
    const unheads = (t: TA) => move(t, (a) => fromHeads(a, B, T, H, ds));
    // The read-out feeds every pass: autograd sums its adjoints first.
    const dRead = mixParts.length ? accumulate([dStates, ...mixParts]) : dStates;
    grads.wo = matmul(gd.o, [N, S], dRead, [N, M], true);
    const dO = heads(matmul(dRead, [N, M], p("wo"), [S, M], false, true));
    const sg = retentionBackward(gd.problem, dO);
    const scale = E.uniform(1 / Math.sqrt(ds));
    const dQ0 = unheads(map(sg.dq, (t) => E.mul(t, scale)));
    const dGates = { v: new Float64Array(N * groups * H), e: new Float64Array(N * groups * H) };
    let dK0: TA;
    let dV0: TA;
    if (!delta) {
      const kp = gd.keep!;
      const vh = heads(gd.v0);
      // v = vh·w: vh gets g·w; w gets Σ_c g·vh over the head's d_s columns (sumToShape).
      dV0 = unheads(map(sg.dv, (t, i) => E.mul(t, at(kp.w, Math.floor(i / ds)))));
      const prod = zip(sg.dv, vh, (g1, v1) => E.mul(g1, v1));
      const dw: Tracked[] = [];
      for (let r = 0; r < B * H * T; r++) {
        const terms: Tracked[] = [];
        for (let i = 0; i < ds; i++) terms.push(at(prod, r * ds + i));
        dw.push(trackSum(terms, ds - 1));
      }
      const gamma = p("gamma");
      // keep = A·Bm: A gets g·Bm, Bm gets g·A; r gets (g·Bm)·γ; e gets −(g·A).
      const dA = zip(sg.dGates, kp.bm, (g1, b1) => E.mul(g1, b1));
      const dBm = zip(sg.dGates, kp.a, (g1, a1) => E.mul(g1, a1));
      const dr = map(dA, (t, i) => E.mul(t, at(gamma, Math.floor(i / T) % H)));
      const de = map(dBm, (t) => E.neg(t));
      placeHeadGates(dGates, dr, B, T, H, groups, 0);
      placeHeadGates(dGates, fromTracked(dw), B, T, H, groups, 1);
      placeHeadGates(dGates, de, B, T, H, groups, 2);
      dK0 = unheads(sg.dk);
    } else {
      const { kh, nrm } = gd.key!;
      // k = div(kh, ν): kh gets g/ν; ν gets Σ_c (−g·kh)/(ν·ν) (sumToShape over d_s).
      const nu = (i: number) => at(nrm, Math.floor(i / ds));
      const viaDiv = map(sg.dk, (t, i) => E.div(t, nu(i)));
      const dNrmTerms = zip(
        sg.dk,
        kh,
        (g1, k1, i) => E.div(E.mul(E.neg(g1), k1), E.mul(nu(i), nu(i))),
      );
      const dSq: Tracked[] = [];
      for (let r = 0; r < B * H * T; r++) {
        const terms: Tracked[] = [];
        for (let i = 0; i < ds; i++) terms.push(at(dNrmTerms, r * ds + i));
        // sqrt backward `g * 0.5 / y`; the add and the sum pass it on exactly.
        dSq.push(E.div(E.mul(trackSum(terms, ds - 1), HALF), at(nrm, r)));
      }
      const dSqA = fromTracked(dSq);
      // mul(kh, kh): both operands get g·kh.
      const viaSq = map(kh, (k1, i) => E.mul(at(dSqA, Math.floor(i / ds)), k1));
      dK0 = unheads(accumulate([viaDiv, viaSq, viaSq]));
      placeHeadGates(dGates, sg.dGates, B, T, H, groups, 0);
      placeHeadGates(dGates, sg.dBeta!, B, T, H, groups, 1);
      dV0 = unheads(sg.dv);
    }
    const dZ = zip(gd.gates, dGates, sigmoidBackward);
    grads.gate_b = colSums(dZ, groups * H);
    project("gate_w", groups * H, dZ);
    project("wq", S, dQ0);
    project("wk", S, dK0);
    project("wv", S, dV0);
    // add(matmul(o, wo), D): D gets ∂L/∂S exactly.
    project("in_proj", M, dStates);
  }
  const dX = accumulate(dxParts);
  // The table's gradient: per row, the sum of its ids' rows of ∂L/∂x and of the window.
  const terms: Tracked[][] = Array.from({ length: V * Ed }, () => []);
  const scatter = (ids: Int32Array, gr: TA) =>
    ids.forEach((id, i) => {
      if (id < 0) return;
      for (let d = 0; d < Ed; d++) terms[id * Ed + d]!.push(at(gr, i * Ed + d));
    });
  scatter(batch.tokens, dX);
  if (W > 0) scatter(winIds!, dWin!);
  grads.embedding = fromTracked(terms.map((ts) => trackSum(ts, ts.length)));
  return { logits, loss: lossT, grads, features: cat };
}
