/**
 * Error bounds of the patched causal bank's GPU logits (f32) against its f64 oracle
 * (spec/oracle/decepticons/patch_decoders.ts): one rigorous bound per logit
 * ({@link patchedBounds}) and per parameter-gradient element of L = Σ w ⊙ logits
 * ({@link patchedGradBounds}, whose doc lists the backward's rules).
 *
 * ## Derivation
 *
 * Every value the GPU computes is carried as a pair (v, e): v its exact value on the same f32
 * parameters and ids (the oracle's value), e a bound on |computed − v| (running error analysis,
 * Higham, Accuracy and Stability, section 3.3, with the ledger's `track` / `trackBuiltins` rules of
 * invariants/tolerance.ts). The walk follows the GPU's ops (impl/decepticons/patch_decoders/
 * patch_decoders.ts) one by one:
 *
 * - Moves (embedding gathers, reshape, slice, concat, the zero context G_0 and the −1 ids that
 *   embed to zero) are exact: e carries over.
 * - matmul C = A·W with inner length L: whatever order the kernel sums in, every product meets
 *   ≤ L roundings, so |Ĉ − C| ≤ |A|·e_W + e_A·|W| + e_A·e_W + γ_L·(|A| + e_A)(|W| + e_W) +
 *   2L·2⁻¹²⁶ (the byte LM's rule, spec/decepticons/byte_lm/_bounds.ts). Bias adds, the local
 *   path's scale and the residual adds are tracked one rounding each.
 * - GELU replays the unary kernel `0.5·x·(1 + tanh(clamp(√(2/π)(x + 0.044715·x·x·x), ±15)))`
 *   with the inherited tanh; sigmoid `1/(1 + exp(−x))`.
 * - The bank's recurrence runs sequentially (`x = a·x + b` per step): tracked step by step.
 * - The GRU (impl/nn/gru): each gate pre-activation sums I + H + 2 terms (W_ih x, b_ih, W_hh h,
 *   b_hh) in some order, so its rounding is ≤ γ_{I+H+2}·Σ|terms| on the computed operands; the
 *   candidate n = tanh(gi_n + r·gh_n) sums I + 1 and H + 1 terms, then one product and one add.
 *   The update h' = (1 − z)·n + z·h is bounded for either evaluation, n + z·(h − n) or
 *   (1 − z)·n + z·h (a fused multiply-add only removes a rounding): the inputs' errors move it by
 *   ≤ |1 − z|·e_n + |z|·e_h + |h − n|·e_z + e_z·(e_n + e_h) (it is bilinear), and its own
 *   rounding is ≤ γ_3·(|n̂| + |ẑ|(|ĥ| + |n̂|) + |1 − ẑ||n̂| + |ẑ||ĥ|) on the computed operands'
 *   magnitudes (|x̂| ≤ |x| + e). Gates as the unary ops compute them (sigmoid above, tanh
 *   clamped to ±15 with the inherited expression).
 * - log-softmax (trust routing) replays the kernel: m = max (a computed logit, within max_j e_j
 *   of the exact max), d = x − m, s = Σ exp(d) over the segmented path of
 *   `segmentPathLength(256, rowLanes(rows, 256))`, y = d − log s; the mixture
 *   ls + τ·(log p − ls) one sub, one mul, one add.
 *
 * The f64 oracle's own distance from the exact values (≲ 10³·2⁻⁵³ relative at these sizes) is
 * covered by the ledger's BYTE_LM_REFERENCE_FACTOR (1 + 2⁻²⁰), which the comparison applies.
 *
 * @module
 */
import {
  F32_MIN_NORMAL,
  gamma32,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
} from "../../../invariants/tolerance.ts";
import { rowLanes, segmentPathLength } from "../../../impl/ops/kernels/reduce.ts";
import {
  ORACLE_PATCH_VOCAB,
  type PatchOracleConfig,
  type PatchOracleValues,
} from "../../oracle/decepticons/patch_decoders.ts";
import { trackGelu, trackGeluBackward } from "../../_harness/tracked_wgsl_math.ts";

const E = { ...track, ...trackBuiltins };
const ONE: Tracked = { v: 1, e: 0 };

/** A tracked row-major array. */
export interface TA {
  readonly v: Float64Array;
  readonly e: Float64Array;
}

function ta(n: number): { v: Float64Array; e: Float64Array } {
  return { v: new Float64Array(n), e: new Float64Array(n) };
}

function at(x: TA, i: number): Tracked {
  return { v: x.v[i]!, e: x.e[i]! };
}

function put(x: { v: Float64Array; e: Float64Array }, i: number, t: Tracked): void {
  x.v[i] = t.v;
  x.e[i] = t.e;
}

/** An f32 array loaded from a buffer: exact unless subnormal (flushed). */
function loaded(a: ArrayLike<number>): TA {
  const v = Float64Array.from(a);
  return { v, e: v.map((x) => (Math.abs(x) < F32_MIN_NORMAL ? Math.abs(x) : 0)) };
}

function map(x: TA, f: (t: Tracked, i: number) => Tracked): TA {
  const out = ta(x.v.length);
  for (let i = 0; i < x.v.length; i++) put(out, i, f(at(x, i), i));
  return out;
}

/** C [R, m] = A [R, L] · W [L, m] (W transposed: W [m, L]), the matmul rule of the doc. */
function mm(A: TA, R: number, L: number, W: TA, m: number, transW = false): TA {
  const out = ta(R * m);
  const g = gamma32(L);
  const flush = 2 * L * F32_MIN_NORMAL;
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < m; j++) {
      let v = 0;
      let prop = 0;
      let mag = 0;
      for (let i = 0; i < L; i++) {
        const av = A.v[r * L + i]!;
        const ae = A.e[r * L + i]!;
        const w = transW ? j * L + i : i * m + j;
        const wv = W.v[w]!;
        const we = W.e[w]!;
        v += av * wv;
        prop += Math.abs(av) * we + ae * Math.abs(wv) + ae * we;
        mag += (Math.abs(av) + ae) * (Math.abs(wv) + we);
      }
      out.v[r * m + j] = v;
      out.e[r * m + j] = prop + g * mag + flush;
    }
  }
  return out;
}

/** Y [R, m] + bias [m], one rounding each. */
function addRows(Y: TA, b: TA, m: number): TA {
  return map(Y, (t, i) => E.add(t, at(b, i % m)));
}
function sigmoid(x: Tracked): Tracked {
  return E.div(ONE, E.add(ONE, E.exp(E.neg(x))));
}

function tanhOp(x: Tracked): Tracked {
  return E.tanh(E.clampArg(x, -15, 15));
}

/** Gathers rows of a [V, D] table by ids (−1: a zero row). */
function gather(table: TA, ids: ArrayLike<number>, D: number): TA {
  const out = ta(ids.length * D);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n]!;
    if (id < 0) continue;
    for (let d = 0; d < D; d++) put(out, n * D + d, at(table, id * D + d));
  }
  return out;
}

/** Columns [c0, c0 + w) of rows of width `width`. */
function cols(x: TA, R: number, width: number, c0: number, w: number): TA {
  const out = ta(R * w);
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < w; j++) put(out, r * w + j, at(x, r * width + c0 + j));
  }
  return out;
}

/** Rows concatenated side by side: [R, w1] ‖ [R, w2]. */
function side(a: TA, w1: number, b: TA, w2: number, R: number): TA {
  const out = ta(R * (w1 + w2));
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < w1; j++) put(out, r * (w1 + w2) + j, at(a, r * w1 + j));
    for (let j = 0; j < w2; j++) put(out, r * (w1 + w2) + w1 + j, at(b, r * w2 + j));
  }
  return out;
}

/** One GRU step for R rows: the rule of the doc. */
function gruStep(
  x: TA,
  h: TA,
  R: number,
  I: number,
  H: number,
  w: { wIh: TA; wHh: TA; bIh: TA; bHh: TA },
): TA {
  const out = ta(R * H);
  const gPre = gamma32(I + H + 2);
  const gIn = gamma32(I + 1);
  const gHn = gamma32(H + 1);
  const g3 = gamma32(3);
  /** Σ terms of one row of W·v + b: exact value, propagated error and magnitude. */
  const dot = (W: TA, b: TA, v: TA, r: number, row: number, n: number) => {
    let val = b.v[row]!;
    let prop = b.e[row]!;
    let mag = Math.abs(b.v[row]!) + b.e[row]!;
    for (let i = 0; i < n; i++) {
      const wv = W.v[row * n + i]!;
      const we = W.e[row * n + i]!;
      const xv = v.v[r * n + i]!;
      const xe = v.e[r * n + i]!;
      val += wv * xv;
      prop += Math.abs(wv) * xe + we * Math.abs(xv) + we * xe;
      mag += (Math.abs(wv) + we) * (Math.abs(xv) + xe);
    }
    return { val, prop, mag, n: n + 1 };
  };
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < H; j++) {
      const pre = (gate: number): Tracked => {
        const a = dot(w.wIh, w.bIh, x, r, gate * H + j, I);
        const b = dot(w.wHh, w.bHh, h, r, gate * H + j, H);
        const prop = a.prop + b.prop;
        return {
          v: a.val + b.val,
          e: prop + gPre * (a.mag + b.mag + prop) + 2 * (I + H + 2) * F32_MIN_NORMAL,
        };
      };
      const rg = sigmoid(pre(0));
      const zg = sigmoid(pre(1));
      const a = dot(w.wIh, w.bIh, x, r, 2 * H + j, I);
      const b = dot(w.wHh, w.bHh, h, r, 2 * H + j, H);
      const gi: Tracked = { v: a.val, e: a.prop + gIn * a.mag + 2 * a.n * F32_MIN_NORMAL };
      const gh: Tracked = { v: b.val, e: b.prop + gHn * b.mag + 2 * b.n * F32_MIN_NORMAL };
      const n = tanhOp(E.add(gi, E.mul(rg, gh)));
      const hp = at(h, r * H + j);
      const v = (1 - zg.v) * n.v + zg.v * hp.v;
      const prop = Math.abs(1 - zg.v) * n.e + Math.abs(zg.v) * hp.e +
        Math.abs(hp.v - n.v) * zg.e + zg.e * (n.e + hp.e);
      const nn = Math.abs(n.v) + n.e;
      const zz = Math.abs(zg.v) + zg.e;
      const hh = Math.abs(hp.v) + hp.e;
      const oz = Math.abs(1 - zg.v) + zg.e;
      const round = g3 * (nn + zz * (hh + nn) + oz * nn + zz * hh) + 6 * F32_MIN_NORMAL;
      put(out, r * H + j, { v, e: prop + round });
    }
  }
  return out;
}

function need(v: PatchOracleValues, name: string): TA {
  const a = v[name];
  if (a === undefined) throw new TypeError(`Cannot bound the patched bank: expected "${name}"`);
  return loaded(a);
}

/**
 * Bounds of the GPU's logits [B, T, N·256] against the oracle on the values `v` (the model's
 * read-back parameters and fixed tensors, decays included) and ids [B, T]. The walk's exact
 * values `v` equal the oracle's up to f64 rounding (the caller checks).
 */
export function patchedBounds(
  c: PatchOracleConfig,
  v: PatchOracleValues,
  ids: ArrayLike<number>,
  B: number,
  T: number,
): TA {
  const { patchSize: P, embeddingDim: Ed, linearModes: M, decoderHidden: Hd, patchN: N } = c;
  const V = ORACLE_PATCH_VOCAB;
  const NV = N * V;
  const Fd = M + Ed;
  const K = Math.floor(T / P);
  const U = (K + 1) * P;
  const emb = need(v, "embedding");
  const out = ta(B * T * NV);
  for (let bb = 0; bb < B; bb++) {
    const x = Array.from({ length: T }, (_, t) => ids[bb * T + t]!);
    // ---- contexts G [K + 1, Fd]
    const G = ta((K + 1) * Fd);
    if (K > 0) {
      const pe = gather(emb, x.slice(0, K * P), Ed); // [K, P·E]
      const e = addRows(mm(pe, K, P * Ed, need(v, "patch_w"), Ed), need(v, "patch_b"), Ed);
      const drive = mm(e, K, Ed, need(v, "in_proj"), M);
      const d = need(v, "decays");
      const S = ta(K * M);
      for (let i = 0; i < M; i++) {
        let s: Tracked = { v: 0, e: 0 };
        for (let k = 0; k < K; k++) {
          s = E.add(E.mul(at(d, i), s), at(drive, k * M + i));
          put(S, k * M + i, s);
        }
      }
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < M; j++) put(G, (k + 1) * Fd + j, at(S, k * M + j));
        for (let j = 0; j < Ed; j++) put(G, (k + 1) * Fd + M + j, at(e, k * Ed + j));
      }
    }
    const xe = gather(emb, x, Ed); // [T, E]
    const off = c.decoder === "hybrid" ? 0 : 1;
    const ctxOf = (t: number) => Math.floor((t + off) / P);
    let y: TA;
    if (c.decoder === "mlp_factored") {
      const z = map(
        addRows(mm(G, K + 1, Fd, need(v, "dec_w"), Hd), need(v, "dec_b"), Hd),
        trackGelu,
      );
      const heads = addRows(mm(z, K + 1, Hd, need(v, "head_w"), P * NV), need(v, "head_b"), P * NV);
      // Row u = kP + b of [U, NV] is heads[k][b·NV …]: the reshape; keep u = 1 … T.
      y = cols(heads, 1, (K + 1) * P * NV, NV, T * NV);
    } else if (c.decoder === "autoregressive") {
      const I = Fd + Ed;
      const w = {
        wIh: need(v, "ar_gru.weight_ih_l0"),
        wHh: need(v, "ar_gru.weight_hh_l0"),
        bIh: need(v, "ar_gru.bias_ih_l0"),
        bHh: need(v, "ar_gru.bias_hh_l0"),
      };
      const hs = ta(U * Hd);
      for (let k = 0; k <= K; k++) {
        let h = ta(Hd) as TA;
        for (let b = 0; b < P; b++) {
          const u = k * P + b;
          const prev = b > 0 && u - 1 < T ? x[u - 1]! : -1;
          const inp = side(
            cols(G, 1, (K + 1) * Fd, k * Fd, Fd),
            Fd,
            gather(emb, [prev], Ed),
            Ed,
            1,
          );
          h = gruStep(inp, h, 1, I, Hd, w);
          for (let j = 0; j < Hd; j++) put(hs, u * Hd + j, at(h, j));
        }
      }
      const hb = cols(hs, 1, U * Hd, Hd, T * Hd);
      y = addRows(mm(hb, T, Hd, need(v, "head_w"), NV), need(v, "head_b"), NV);
    } else {
      const sPrev = ta(T * M);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < M; j++) put(sPrev, t * M + j, at(G, ctxOf(t) * Fd + j));
      }
      const f = side(sPrev, M, xe, Ed, T);
      const z = map(
        addRows(mm(f, T, M + Ed, need(v, "dec_w"), Hd), need(v, "dec_b"), Hd),
        trackGelu,
      );
      y = addRows(mm(z, T, Hd, need(v, "head_w"), NV), need(v, "head_b"), NV);
    }
    if (c.localWindow > 0) {
      const W = c.localWindow;
      const win: number[] = [];
      for (let t = 0; t < T; t++) for (let j = 0; j < W; j++) win.push(j <= t ? x[t - j]! : -1);
      const we = gather(emb, win, Ed);
      const Lh = c.localHidden;
      const hl = map(
        addRows(mm(we, T, W * Ed, need(v, "local_w"), Lh), need(v, "local_b"), Lh),
        trackGelu,
      );
      const scale = at(need(v, "local_scale"), 0);
      const l = mm(map(hl, (t) => E.mul(t, scale)), T, Lh, need(v, "local_out_w"), NV);
      const yy = y;
      y = map(yy, (t, i) => E.add(t, at(l, i)));
    }
    if (c.trustRouting) {
      const Th = c.trustHidden;
      const ctx = ta(T * Fd);
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < Fd; j++) put(ctx, t * Fd + j, at(G, ctxOf(t) * Fd + j));
      }
      const f = side(xe, Ed, ctx, Fd, T);
      const th = map(
        addRows(mm(f, T, Ed + Fd, need(v, "trust_w1"), Th), need(v, "trust_b1"), Th),
        trackGelu,
      );
      const tau = map(
        addRows(mm(th, T, Th, need(v, "trust_w2"), 1), need(v, "trust_b2"), 1),
        sigmoid,
      );
      const lt = need(v, "log_table");
      const k = segmentPathLength(V, rowLanes(B * T, V));
      const mixed = ta(T * V);
      for (let t = 0; t < T; t++) {
        let mv = -Infinity;
        let me = 0;
        for (let j = 0; j < V; j++) {
          mv = Math.max(mv, y.v[t * V + j]!);
          me = Math.max(me, y.e[t * V + j]!);
        }
        const m: Tracked = { v: mv, e: me };
        const d: Tracked[] = [];
        for (let j = 0; j < V; j++) d.push(E.sub(at(y, t * V + j), m));
        const ls = E.log(trackSum(d.map((q) => E.exp(q)), k));
        for (let j = 0; j < V; j++) {
          const lq = E.sub(d[j]!, ls);
          const diff = E.sub(at(lt, x[t]! * V + j), lq);
          put(mixed, t * V + j, E.add(lq, E.mul(at(tau, t), diff)));
        }
      }
      y = mixed;
    }
    out.v.set(y.v, bb * T * NV);
    out.e.set(y.e, bb * T * NV);
  }
  return out;
}

// ------------------------------------------------------------------ backward

/** Aᵀ of A [R, L] (an exact move). */
function transpose(A: TA, R: number, L: number): TA {
  const out = ta(R * L);
  for (let r = 0; r < R; r++) for (let i = 0; i < L; i++) put(out, i * R + r, at(A, r * L + i));
  return out;
}

/** Column sums of X [R, m] (sumToShape: ≤ R − 1 additions per term). */
function colSum(X: TA, R: number, m: number): TA {
  const out = ta(m);
  for (let j = 0; j < m; j++) {
    const terms: Tracked[] = [];
    for (let r = 0; r < R; r++) terms.push(at(X, r * m + j));
    put(out, j, trackSum(terms, Math.max(R - 1, 0)));
  }
  return out;
}

/** dW = Aᵀ·G over the folded rows (inner length R) and dA = G·Wᵀ (inner length m). */
function affineBack(A: TA, W: TA, G: TA, R: number, L: number, m: number): { dW: TA; dA: TA } {
  return { dW: mm(transpose(A, R, L), L, R, G, m), dA: mm(G, R, m, W, L, true) };
}

/**
 * Bounds of the GPU's parameter gradients of L = Σ w ⊙ logits (`backward(logits, w)`, w exact
 * f32 values [B, T, N·256]) against the oracle's `patchedBackward`, per element, for the
 * mlp_factored and hybrid decoders (local path on or off, trust routing off). The walk replays
 * the forward of {@link patchedBounds} over all B rows at once (the weight gradients are
 * matmuls over the folded rows) and then autograd's backward op by op (module doc, and below):
 *
 * - matmul backward: dA = G·Wᵀ (inner length the output width), dW = Aᵀ·G over the B·rows
 *   folded rows; bias gradients through sumToShape (≤ rows − 1 additions); the broadcast and
 *   residual adds pass g exactly; slice, reshape and concat backwards are exact moves;
 * - GELU backward `g * gelu_grad(x)` on the tracked pre-activation; the local scale's
 *   backward g·s one rounding;
 * - autograd's accumulation of several paths into one tensor: e (the context and the bank's
 *   drive: one add), the hybrid's P copies of a context (≤ P − 1 adds);
 * - the bank's adjoint λ_k = g_k + d ⊙ λ_{k+1}, run sequentially in reverse (`x = a·x + b` per
 *   step, as the forward), ∂drive = λ;
 * - the embedding's gradient: every row a sum of its ids' terms over the calls that read the
 *   table (row sums, then the calls' accumulation): a summation tree of n terms over ≤ n − 1
 *   additions plus the paths' accumulation, bounded with k = (n − 1) + (paths − 1).
 *
 * - the autoregressive decoder's GRU (impl/nn/gru): spec/nn/gru/_bounds.ts's kernel replay
 *   (gi = x·W_ihᵀ + b_ih; per step a = b_hh + Σ_k W_hh·h_k in order, r, z = σ(gi + a),
 *   n = tanh(clamp(gi_n + r·a_n)), h' = n + z·(h − n); backward ∂h = carry + ∂L/∂h_t,
 *   ∂z = ∂h·(h_{t−1} − n), ∂n̂ = (∂h·(1 − z))·(1 − n·n), ∂r̂ = (∂n̂·a_n)·(r·(1 − r)),
 *   ∂ẑ = ∂z·(z·(1 − z)), ∂gh_n = ∂n̂·r, carry = ∂h·z + Σ_k ∂gh_k·W_hh[k, j] in order; ∂W by
 *   matmuls over the rows, the biases' sums with k = 2·rows − 1), but every operand tracked
 *   with its full error: its inputs (the contexts, ∂L/∂h) carry errors, which `gruBounds`
 *   (exact inputs) does not take, and over P steps per sequence plain tracking stays tight.
 *
 * @throws {RangeError} for trust routing (its backward is not walked here).
 */
export function patchedGradBounds(
  c: PatchOracleConfig,
  v: PatchOracleValues,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  w: ArrayLike<number>,
): Record<string, TA> {
  if (c.trustRouting) {
    throw new RangeError(
      "Cannot bound the patched bank's gradients: expected trustRouting false but got true " +
        "(the mixture's backward is not walked)",
    );
  }
  const { patchSize: P, embeddingDim: Ed, linearModes: M, decoderHidden: Hd, patchN: N } = c;
  const V = ORACLE_PATCH_VOCAB;
  const NV = N * V;
  const Fd = M + Ed;
  const K = Math.floor(T / P);
  const U = (K + 1) * P;
  const emb = need(v, "embedding");
  const grads: Record<string, TA> = {};
  /** Embedding terms per table element: every gathered row's gradient, by call. */
  const embTerms: Tracked[][] = Array.from({ length: V * Ed }, () => []);
  let embPaths = 0;
  const scatter = (rowIds: ArrayLike<number>, d: TA) => {
    embPaths++;
    for (let n = 0; n < rowIds.length; n++) {
      const id = rowIds[n]!;
      if (id < 0) continue; // −1 embeds to zero and receives no gradient
      for (let j = 0; j < Ed; j++) embTerms[id * Ed + j]!.push(at(d, n * Ed + j));
    }
  };
  const dy = loaded(w);
  const x = (b: number, t: number) => ids[b * T + t]!;
  // ---- forward: contexts G [B·(K + 1), Fd]
  const G = ta(B * (K + 1) * Fd);
  const pid: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < K * P; t++) pid.push(x(b, t));
  const d = need(v, "decays");
  const inProj = need(v, "in_proj");
  const patchW = need(v, "patch_w");
  const pe = gather(emb, pid, Ed); // [B·K, P·E]
  const e = addRows(mm(pe, B * K, P * Ed, patchW, Ed), need(v, "patch_b"), Ed);
  if (K > 0) {
    const drive = mm(e, B * K, Ed, inProj, M);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < M; i++) {
        let s: Tracked = { v: 0, e: 0 };
        for (let k = 0; k < K; k++) {
          s = E.add(E.mul(at(d, i), s), at(drive, (b * K + k) * M + i));
          put(G, (b * (K + 1) + k + 1) * Fd + i, s);
        }
      }
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < Ed; j++) {
          put(G, (b * (K + 1) + k + 1) * Fd + M + j, at(e, (b * K + k) * Ed + j));
        }
      }
    }
  }
  const dG = ta(B * (K + 1) * Fd);
  // The autoregressive decoder has no dec_w: its own walk reads the GRU's tensors.
  const decW = c.decoder === "autoregressive" ? ta(0) : need(v, "dec_w");
  const headW = need(v, "head_w");
  if (c.decoder === "mlp_factored") {
    const R = B * (K + 1);
    const pre = addRows(mm(G, R, Fd, decW, Hd), need(v, "dec_b"), Hd);
    const z = map(pre, trackGelu);
    // heads [R, P·NV]: row u = kP + b of a sequence holds logits[u − 1] (slice backward pads).
    const dh = ta(R * P * NV);
    for (let b = 0; b < B; b++) {
      for (let u = 1; u <= T; u++) {
        for (let j = 0; j < NV; j++) {
          put(dh, (b * U + u) * NV + j, at(dy, (b * T + u - 1) * NV + j));
        }
      }
    }
    const hb = affineBack(z, headW, dh, R, Hd, P * NV);
    grads.head_w = hb.dW;
    grads.head_b = colSum(dh, R, P * NV);
    const dpre = map(pre, (p, i) => trackGeluBackward(p, at(hb.dA, i)));
    const db = affineBack(G, decW, dpre, R, Fd, Hd);
    grads.dec_w = db.dW;
    grads.dec_b = colSum(dpre, R, Hd);
    for (let i = 0; i < R * Fd; i++) put(dG, i, at(db.dA, i));
  } else if (c.decoder === "autoregressive") {
    arGradBounds(c, v, ids, B, T, G, dy, grads, dG, scatter);
  } else {
    const R = B * T;
    const xe = gather(emb, Array.from({ length: R }, (_, n) => ids[n]!), Ed);
    const sPrev = ta(R * M);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const k = Math.floor(t / P);
        for (let j = 0; j < M; j++) {
          put(sPrev, (b * T + t) * M + j, at(G, (b * (K + 1) + k) * Fd + j));
        }
      }
    }
    const f = side(sPrev, M, xe, Ed, R);
    const pre = addRows(mm(f, R, M + Ed, decW, Hd), need(v, "dec_b"), Hd);
    const z = map(pre, trackGelu);
    const hb = affineBack(z, headW, dy, R, Hd, NV);
    grads.head_w = hb.dW;
    grads.head_b = colSum(dy, R, NV);
    const dpre = map(pre, (p, i) => trackGeluBackward(p, at(hb.dA, i)));
    const db = affineBack(f, decW, dpre, R, M + Ed, Hd);
    grads.dec_w = db.dW;
    grads.dec_b = colSum(dpre, R, Hd);
    // The P copies of each context (expand's concat) accumulate: ≤ P − 1 additions.
    for (let b = 0; b < B; b++) {
      for (let k = 0; k <= K; k++) {
        for (let j = 0; j < M; j++) {
          const terms: Tracked[] = [];
          for (let q = 0; q < P && k * P + q < T; q++) {
            terms.push(at(db.dA, (b * T + k * P + q) * (M + Ed) + j));
          }
          put(dG, (b * (K + 1) + k) * Fd + j, trackSum(terms, P - 1));
        }
      }
    }
    scatter(Array.from({ length: R }, (_, n) => ids[n]!), cols(db.dA, R, M + Ed, M, Ed));
  }
  if (c.localWindow > 0) {
    const W = c.localWindow;
    const Lh = c.localHidden;
    const R = B * T;
    const win: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) for (let j = 0; j < W; j++) win.push(j <= t ? x(b, t - j) : -1);
    }
    const we = gather(emb, win, Ed);
    const lw = need(v, "local_w");
    const pre = addRows(mm(we, R, W * Ed, lw, Lh), need(v, "local_b"), Lh);
    const scale = at(need(v, "local_scale"), 0);
    const hs = map(map(pre, trackGelu), (t) => E.mul(t, scale));
    const ob = affineBack(hs, need(v, "local_out_w"), dy, R, Lh, NV);
    grads.local_out_w = ob.dW;
    const dpre = map(pre, (p, i) => trackGeluBackward(p, E.mul(at(ob.dA, i), scale)));
    const lb = affineBack(we, lw, dpre, R, W * Ed, Lh);
    grads.local_w = lb.dW;
    grads.local_b = colSum(dpre, R, Lh);
    scatter(win, lb.dA);
  }
  // ---- the bank: λ_k = dS_k + d ⊙ λ_{k+1} (sequential, reverse time); de = de_ctx + λ W_inᵀ
  if (K > 0) {
    const lam = ta(B * K * M);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < M; i++) {
        let l: Tracked = { v: 0, e: 0 };
        for (let k = K - 1; k >= 0; k--) {
          l = E.add(E.mul(at(d, i), l), at(dG, (b * (K + 1) + k + 1) * Fd + i));
          put(lam, (b * K + k) * M + i, l);
        }
      }
    }
    const deDrive = mm(lam, B * K, M, inProj, Ed, true);
    const de = ta(B * K * Ed);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < Ed; j++) {
          const n = (b * K + k) * Ed + j;
          put(de, n, E.add(at(dG, (b * (K + 1) + k + 1) * Fd + M + j), at(deDrive, n)));
        }
      }
    }
    const pb = affineBack(pe, patchW, de, B * K, P * Ed, Ed);
    grads.patch_w = pb.dW;
    grads.patch_b = colSum(de, B * K, Ed);
    scatter(pid, pb.dA);
  } else {
    grads.patch_w = ta(P * Ed * Ed);
    grads.patch_b = ta(Ed);
  }
  const dEmb = ta(V * Ed);
  for (let i = 0; i < V * Ed; i++) {
    const terms = embTerms[i]!;
    if (terms.length === 0) continue;
    put(dEmb, i, trackSum(terms, terms.length - 1 + Math.max(embPaths - 1, 0)));
  }
  grads.embedding = dEmb;
  return grads;
}

/**
 * The autoregressive decoder's backward (see {@link patchedGradBounds}): head, GRU over the
 * B·(K + 1) patch sequences of P steps, the input's context columns summed over the P steps
 * into ∂G (≤ P − 1 additions) and its embedding columns scattered.
 */
function arGradBounds(
  c: PatchOracleConfig,
  v: PatchOracleValues,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  G: TA,
  dy: TA,
  grads: Record<string, TA>,
  dG: { v: Float64Array; e: Float64Array },
  scatter: (rowIds: ArrayLike<number>, d: TA) => void,
): void {
  const { patchSize: P, embeddingDim: Ed, linearModes: M, decoderHidden: H, patchN: N } = c;
  const NV = N * ORACLE_PATCH_VOCAB;
  const Fd = M + Ed;
  const I = Fd + Ed;
  const H3 = 3 * H;
  const K = Math.floor(T / P);
  const U = (K + 1) * P;
  const R = B * U; // GRU rows: sequence (b, k), step s at row b·U + kP + s
  const emb = need(v, "embedding");
  const wIh = need(v, "ar_gru.weight_ih_l0");
  const wHh = need(v, "ar_gru.weight_hh_l0");
  const bHh = need(v, "ar_gru.bias_hh_l0");
  const headW = need(v, "head_w");
  const prev: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let u = 0; u < U; u++) prev.push(u % P !== 0 && u <= T ? ids[b * T + u - 1]! : -1);
  }
  const ctx = ta(R * Fd);
  for (let b = 0; b < B; b++) {
    for (let u = 0; u < U; u++) {
      const k = Math.floor(u / P);
      for (let j = 0; j < Fd; j++) {
        put(ctx, (b * U + u) * Fd + j, at(G, (b * (K + 1) + k) * Fd + j));
      }
    }
  }
  const xin = side(ctx, Fd, gather(emb, prev, Ed), Ed, R);
  const gi = addRows(mm(xin, R, I, wIh, H3, true), need(v, "ar_gru.bias_ih_l0"), H3);
  // Forward kernel, every operand tracked; the gates r, z, n, a_n kept for the backward.
  const hs = ta(R * H);
  const gates = ta(R * 4 * H);
  for (let q = 0; q < B * (K + 1); q++) {
    let h: Tracked[] = new Array(H).fill({ v: 0, e: 0 });
    for (let s = 0; s < P; s++) {
      const row = q * P + s;
      const nh: Tracked[] = new Array(H);
      for (let j = 0; j < H; j++) {
        const acc = [j, H + j, 2 * H + j].map((r) => {
          let a = at(bHh, r);
          for (let k = 0; k < H; k++) a = E.add(a, E.mul(at(wHh, r * H + k), h[k]!));
          return a;
        });
        const r = sigmoid(E.add(at(gi, row * H3 + j), acc[0]!));
        const z = sigmoid(E.add(at(gi, row * H3 + H + j), acc[1]!));
        const n = tanhOp(E.add(at(gi, row * H3 + 2 * H + j), E.mul(r, acc[2]!)));
        nh[j] = E.add(n, E.mul(z, E.sub(h[j]!, n)));
        put(gates, row * 4 * H + j, r);
        put(gates, row * 4 * H + H + j, z);
        put(gates, row * 4 * H + 2 * H + j, n);
        put(gates, row * 4 * H + 3 * H + j, acc[2]!);
      }
      h = nh;
      for (let j = 0; j < H; j++) put(hs, row * H + j, h[j]!);
    }
  }
  // Head: y_t = h_{t+1} W_o + b_o (the slice drops u = 0 and u > T).
  const hb = ta(B * T * H);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) put(hb, (b * T + t) * H + j, at(hs, (b * U + t + 1) * H + j));
    }
  }
  const head = affineBack(hb, headW, dy, B * T, H, NV);
  grads.head_w = head.dW;
  grads.head_b = colSum(dy, B * T, NV);
  const gOut = ta(R * H);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        put(gOut, (b * U + t + 1) * H + j, at(head.dA, (b * T + t) * H + j));
      }
    }
  }
  // Backward kernel, reverse time per sequence.
  const dgi = ta(R * H3);
  const dgh = ta(R * H3);
  const hPrev = ta(R * H);
  for (let q = 0; q < B * (K + 1); q++) {
    let carry: Tracked[] = new Array(H).fill({ v: 0, e: 0 });
    for (let s = P - 1; s >= 0; s--) {
      const row = q * P + s;
      const dsh: Tracked[] = new Array(H3);
      const direct: Tracked[] = new Array(H);
      for (let j = 0; j < H; j++) {
        const dh = E.add(carry[j]!, at(gOut, row * H + j));
        const r = at(gates, row * 4 * H + j);
        const z = at(gates, row * 4 * H + H + j);
        const n = at(gates, row * 4 * H + 2 * H + j);
        const an = at(gates, row * 4 * H + 3 * H + j);
        const hp: Tracked = s === 0 ? { v: 0, e: 0 } : at(hs, (row - 1) * H + j);
        put(hPrev, row * H + j, hp);
        const dz = E.mul(dh, E.sub(hp, n));
        const dpn = E.mul(E.mul(dh, E.sub(ONE, z)), E.sub(ONE, E.mul(n, n)));
        const dpr = E.mul(E.mul(dpn, an), E.mul(r, E.sub(ONE, r)));
        const dpz = E.mul(dz, E.mul(z, E.sub(ONE, z)));
        dsh[j] = dpr;
        dsh[H + j] = dpz;
        dsh[2 * H + j] = E.mul(dpn, r);
        direct[j] = E.mul(dh, z);
        put(dgi, row * H3 + j, dpr);
        put(dgi, row * H3 + H + j, dpz);
        put(dgi, row * H3 + 2 * H + j, dpn);
        put(dgh, row * H3 + j, dpr);
        put(dgh, row * H3 + H + j, dpz);
        put(dgh, row * H3 + 2 * H + j, dsh[2 * H + j]!);
      }
      carry = direct.map((d, j) => {
        let acc = d;
        for (let k = 0; k < H3; k++) acc = E.add(acc, E.mul(dsh[k]!, at(wHh, k * H + j)));
        return acc;
      });
    }
  }
  const gsum = (X: TA, m: number): TA => {
    const out = ta(m);
    for (let j = 0; j < m; j++) {
      const terms: Tracked[] = [];
      for (let r = 0; r < R; r++) terms.push(at(X, r * m + j));
      put(out, j, trackSum(terms, 2 * R - 1)); // gruBounds' two-pass sumToShape count
    }
    return out;
  };
  grads["ar_gru.weight_ih_l0"] = mm(transpose(dgi, R, H3), H3, R, xin, I);
  grads["ar_gru.weight_hh_l0"] = mm(transpose(dgh, R, H3), H3, R, hPrev, H);
  grads["ar_gru.bias_ih_l0"] = gsum(dgi, H3);
  grads["ar_gru.bias_hh_l0"] = gsum(dgh, H3);
  const dx = mm(dgi, R, H3, wIh, I);
  // The context's P copies per sequence accumulate into ∂G: ≤ P − 1 additions.
  for (let q = 0; q < B * (K + 1); q++) {
    for (let j = 0; j < Fd; j++) {
      const terms: Tracked[] = [];
      for (let s = 0; s < P; s++) terms.push(at(dx, (q * P + s) * I + j));
      put(dG, q * Fd + j, trackSum(terms, P - 1));
    }
  }
  scatter(prev, cols(dx, R, I, Fd, Ed));
}
