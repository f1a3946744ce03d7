/**
 * Error bounds of the patched causal bank's GPU logits (f32) against its f64 oracle
 * (spec/oracle/decepticons/patch_decoders.ts): one rigorous bound per logit.
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

const E = { ...track, ...trackBuiltins };
const ONE: Tracked = { v: 1, e: 0 };
const HALF = E.literal(0.5);
const GELU_C = E.literal(Math.sqrt(2 / Math.PI));
const GELU_A = E.literal(0.044715);

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

function gelu(x: Tracked): Tracked {
  const inner = E.mul(GELU_C, E.add(x, E.mul(E.mul(E.mul(GELU_A, x), x), x)));
  const th = E.tanh(E.clampArg(inner, -15, 15));
  return E.mul(E.mul(HALF, x), E.add(ONE, th));
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
      const z = map(addRows(mm(G, K + 1, Fd, need(v, "dec_w"), Hd), need(v, "dec_b"), Hd), gelu);
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
      const z = map(addRows(mm(f, T, M + Ed, need(v, "dec_w"), Hd), need(v, "dec_b"), Hd), gelu);
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
        gelu,
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
        gelu,
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
