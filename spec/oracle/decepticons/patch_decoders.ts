/**
 * f64 oracle of the patched causal bank and its decoders (asuramaya/decepticons:src/decepticons/
 * models/causal_bank_torch.py (7be9af7), patch_size > 1 with patch_causal_decoder, patch_n and
 * trust_routing, in memspec's one target convention): the forward to logits on explicit
 * parameter arrays, written from the definitions in the module doc of
 * impl/decepticons/patch_decoders/patch_decoders.ts, independently of the GPU code.
 *
 * Layout: ids [B, T] row-major; logits [B, T, N·256] (head n of position t at columns
 * n·256 … n·256 + 255). Forward, with K = ⌊T/P⌋ complete patches, u = t + off (off = 1 for
 * mlp_factored and autoregressive, 0 for hybrid) and k = ⌊u/P⌋, b = u mod P:
 *
 * - e_k = [emb(x_{kP}) … emb(x_{kP+P−1})] W_p + b_p; S_k = d ⊙ S_{k−1} + e_k W_in (S_{−1} = 0);
 *   G_0 = 0, G_k = [S_{k−1}, e_{k−1}] (k = 1 … K);
 * - mlp_factored: y_t = (GELU(G_k W_h + b_h) W_o + b_o)[b·NV … b·NV + NV − 1];
 * - autoregressive: h = 0 at b = 0 … (reset per patch), GRU step over [G_k, emb(x_{u−1})]
 *   (the embedding zero at b = 0) for b = 0 … u mod P; y_t = h_u W_o + b_o;
 * - hybrid: y_t = GELU([S_{k−1}, emb(x_t)] W_h + b_h) W_o + b_o (S_{−1} = 0, k = ⌊t/P⌋);
 * - local path: y_t += (s·GELU([emb(x_t) … emb(x_{t−W+1})] W_ℓ + b_ℓ)) U_ℓ (zero rows before 0);
 * - trust routing: y_t ← ls_t + τ_t (log p[x_t] − ls_t), ls = log_softmax(y_t),
 *   τ_t = σ(GELU([emb(x_t), G_{⌊u/P⌋}] W_1 + b_1) W_2 + b_2).
 *
 * GELU is the tanh form 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (what the GPU computes); the
 * GRU is PyTorch's (rows [r; z; n] of W_ih, W_hh, b_ih, b_hh).
 *
 * @module
 */

/** The decoders the oracle runs. */
export type OracleDecoder = "mlp_factored" | "autoregressive" | "hybrid";

/** The sizes and switches the oracle needs. */
export interface PatchOracleConfig {
  decoder: OracleDecoder;
  patchSize: number;
  embeddingDim: number;
  linearModes: number;
  decoderHidden: number;
  localWindow: number;
  localHidden: number;
  localScale: number;
  patchN: number;
  trustRouting: boolean;
  trustHidden: number;
}

/** Named arrays (parameters and fixed tensors: in_proj, decays [M], log_table [256, 256]). */
export type PatchOracleValues = Readonly<Record<string, ArrayLike<number>>>;

/** The byte vocabulary. */
export const ORACLE_PATCH_VOCAB = 256;

const GELU_C = Math.sqrt(2 / Math.PI);

/** The tanh-form GELU. */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function need(v: PatchOracleValues, name: string, size: number): ArrayLike<number> {
  const a = v[name];
  if (a === undefined || a.length !== size) {
    throw new TypeError(
      `Cannot run the patch-decoder oracle: expected "${name}" with ${size} values but got ` +
        `${a === undefined ? "none" : a.length}`,
    );
  }
  return a;
}

/** y = x W + b for one row x (length n), W [n, m] row-major; b optional. */
function affine(
  x: ArrayLike<number>,
  W: ArrayLike<number>,
  b: ArrayLike<number> | null,
  n: number,
  m: number,
): Float64Array {
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) y[j] = b === null ? 0 : b[j]!;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    for (let j = 0; j < m; j++) y[j]! += xi * W[i * m + j]!;
  }
  return y;
}

/** The logits [B, T, N·256] of the patched causal bank on ids [B, T]. */
export function patchedForward(
  c: PatchOracleConfig,
  v: PatchOracleValues,
  ids: ArrayLike<number>,
  B: number,
  T: number,
): Float64Array {
  const { patchSize: P, embeddingDim: E, linearModes: M, decoderHidden: Hd, patchN: N } = c;
  const V = ORACLE_PATCH_VOCAB;
  const NV = N * V;
  const Fd = M + E;
  const K = Math.floor(T / P);
  const emb = need(v, "embedding", V * E);
  const embRow = (id: number): Float64Array => {
    const r = new Float64Array(E);
    if (id >= 0 && id < V) { for (let i = 0; i < E; i++) r[i] = emb[id * E + i]!; }
    return r;
  };
  const patchW = need(v, "patch_w", P * E * E);
  const patchB = need(v, "patch_b", E);
  const inProj = need(v, "in_proj", E * M);
  const decays = need(v, "decays", M);
  const headW = need(v, "head_w", Hd * (c.decoder === "mlp_factored" ? P * NV : NV));
  const headB = need(v, "head_b", c.decoder === "mlp_factored" ? P * NV : NV);
  const out = new Float64Array(B * T * NV);
  for (let bb = 0; bb < B; bb++) {
    const x = (t: number) => ids[bb * T + t]!;
    // Patch contexts G_0 … G_K.
    const G: Float64Array[] = [new Float64Array(Fd)];
    let S: Float64Array = new Float64Array(M);
    for (let k = 0; k < K; k++) {
      const pe = new Float64Array(P * E);
      for (let j = 0; j < P; j++) pe.set(embRow(x(k * P + j)), j * E);
      const e = affine(pe, patchW, patchB, P * E, E);
      const d = affine(e, inProj, null, E, M);
      const Sn = new Float64Array(M);
      for (let i = 0; i < M; i++) Sn[i] = decays[i]! * S[i]! + d[i]!;
      S = Sn;
      const g = new Float64Array(Fd);
      g.set(S, 0);
      g.set(e, M);
      G.push(g);
    }
    const off = c.decoder === "hybrid" ? 0 : 1;
    for (let t = 0; t < T; t++) {
      const u = t + off;
      const k = Math.floor(u / P);
      const b = u % P;
      let y: Float64Array;
      if (c.decoder === "mlp_factored") {
        const z = affine(G[k]!, need(v, "dec_w", Fd * Hd), need(v, "dec_b", Hd), Fd, Hd).map(
          geluTanh,
        );
        const all = affine(z, headW, headB, Hd, P * NV);
        y = all.slice(b * NV, (b + 1) * NV);
      } else if (c.decoder === "autoregressive") {
        const I = Fd + E;
        const wIh = need(v, "ar_gru.weight_ih_l0", 3 * Hd * I);
        const wHh = need(v, "ar_gru.weight_hh_l0", 3 * Hd * Hd);
        const bIh = need(v, "ar_gru.bias_ih_l0", 3 * Hd);
        const bHh = need(v, "ar_gru.bias_hh_l0", 3 * Hd);
        let h: Float64Array = new Float64Array(Hd);
        for (let s = 0; s <= b; s++) {
          const inp = new Float64Array(I);
          inp.set(G[k]!, 0);
          if (s > 0) inp.set(embRow(x(k * P + s - 1)), Fd);
          h = gruStep(inp, h, wIh, wHh, bIh, bHh, I, Hd);
        }
        y = affine(h, headW, headB, Hd, NV);
      } else {
        const f = new Float64Array(M + E);
        f.set(G[k]!.subarray(0, M), 0);
        f.set(embRow(x(t)), M);
        const z = affine(f, need(v, "dec_w", (M + E) * Hd), need(v, "dec_b", Hd), M + E, Hd).map(
          geluTanh,
        );
        y = affine(z, headW, headB, Hd, NV);
      }
      if (c.localWindow > 0) {
        const W = c.localWindow;
        const win = new Float64Array(W * E);
        for (let j = 0; j < W && j <= t; j++) win.set(embRow(x(t - j)), j * E);
        const Lh = c.localHidden;
        const hl = affine(win, need(v, "local_w", W * E * Lh), need(v, "local_b", Lh), W * E, Lh)
          .map((q) => c.localScale * geluTanh(q));
        const l = affine(hl, need(v, "local_out_w", Lh * NV), null, Lh, NV);
        for (let j = 0; j < NV; j++) y[j]! += l[j]!;
      }
      if (c.trustRouting) {
        const Th = c.trustHidden;
        const f = new Float64Array(E + Fd);
        f.set(embRow(x(t)), 0);
        f.set(G[Math.floor((t + off) / P)]!, E);
        const th = affine(
          f,
          need(v, "trust_w1", (E + Fd) * Th),
          need(v, "trust_b1", Th),
          E + Fd,
          Th,
        )
          .map(geluTanh);
        const tau = sigmoid(affine(th, need(v, "trust_w2", Th), need(v, "trust_b2", 1), Th, 1)[0]!);
        const lt = need(v, "log_table", V * V);
        let mx = -Infinity;
        for (let j = 0; j < V; j++) mx = Math.max(mx, y[j]!);
        let s = 0;
        for (let j = 0; j < V; j++) s += Math.exp(y[j]! - mx);
        const lse = mx + Math.log(s);
        for (let j = 0; j < V; j++) {
          const ls = y[j]! - lse;
          y[j] = ls + tau * (lt[x(t) * V + j]! - ls);
        }
      }
      out.set(y, (bb * T + t) * NV);
    }
  }
  return out;
}

/** One PyTorch GRU step: h' = (1 − z) n + z h. */
export function gruStep(
  x: ArrayLike<number>,
  h: ArrayLike<number>,
  wIh: ArrayLike<number>,
  wHh: ArrayLike<number>,
  bIh: ArrayLike<number>,
  bHh: ArrayLike<number>,
  I: number,
  H: number,
): Float64Array {
  const gi = new Float64Array(3 * H);
  const gh = new Float64Array(3 * H);
  for (let r = 0; r < 3 * H; r++) {
    let a = bIh[r]!;
    for (let i = 0; i < I; i++) a += wIh[r * I + i]! * x[i]!;
    gi[r] = a;
    let q = bHh[r]!;
    for (let i = 0; i < H; i++) q += wHh[r * H + i]! * h[i]!;
    gh[r] = q;
  }
  const out = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const r = sigmoid(gi[j]! + gh[j]!);
    const z = sigmoid(gi[H + j]! + gh[H + j]!);
    const n = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
    out[j] = (1 - z) * n + z * h[j]!;
  }
  return out;
}
