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
 * The analytic backward ({@link patchedBackward}) differentiates L = Σ g ⊙ logits with respect
 * to every trainable array (in_proj, decays and log_table are fixed), by the chain rule through
 * the same definitions; the autoregressive decoder's GRU through spec/oracle/nn/gru.ts's
 * backward.
 *
 * @module
 */
import { gruBackward, gruForward } from "../nn/gru.ts";

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

// --- analytic backward (f64) of L = Σ g ⊙ logits ---

/** d GELU(x) / dx of the tanh form. */
export function geluTanhGrad(x: number): number {
  const th = Math.tanh(GELU_C * (x + 0.044715 * x * x * x));
  return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

/** The trainable arrays of a configuration (what {@link patchedBackward} returns). */
export function patchTrainableNames(c: PatchOracleConfig): string[] {
  const names = ["embedding", "patch_w", "patch_b"];
  if (c.decoder === "autoregressive") {
    names.push(
      "ar_gru.weight_ih_l0",
      "ar_gru.weight_hh_l0",
      "ar_gru.bias_ih_l0",
      "ar_gru.bias_hh_l0",
    );
  } else names.push("dec_w", "dec_b");
  names.push("head_w", "head_b");
  if (c.localWindow > 0) names.push("local_w", "local_b", "local_out_w");
  if (c.trustRouting) names.push("trust_w1", "trust_b1", "trust_w2", "trust_b2");
  return names;
}

/**
 * Accumulates the gradients of y = x W + b (one row x of n, W [n, m]) from dy into dW, db,
 * and returns dx.
 */
function affineBack(
  x: ArrayLike<number>,
  W: ArrayLike<number>,
  dy: ArrayLike<number>,
  n: number,
  m: number,
  dW: Float64Array,
  db: Float64Array | null,
): Float64Array {
  const dx = new Float64Array(n);
  if (db !== null) { for (let j = 0; j < m; j++) db[j] = db[j]! + dy[j]!; }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) {
      dW[i * m + j] = dW[i * m + j]! + x[i]! * dy[j]!;
      s += W[i * m + j]! * dy[j]!;
    }
    dx[i] = s;
  }
  return dx;
}

/** Gradients of L = Σ g ⊙ patchedForward(c, v, ids, B, T) for every trainable array. */
export function patchedBackward(
  c: PatchOracleConfig,
  v: PatchOracleValues,
  ids: ArrayLike<number>,
  B: number,
  T: number,
  g: ArrayLike<number>,
): Record<string, Float64Array> {
  const { patchSize: P, embeddingDim: E, linearModes: M, decoderHidden: Hd, patchN: N } = c;
  const V = ORACLE_PATCH_VOCAB;
  const NV = N * V;
  const Fd = M + E;
  const K = Math.floor(T / P);
  const grads: Record<string, Float64Array> = {};
  for (const name of patchTrainableNames(c)) {
    grads[name] = new Float64Array(v[name]?.length ?? 0);
  }
  const gr = (name: string) => grads[name]!;
  const emb = need(v, "embedding", V * E);
  const embRow = (id: number): Float64Array => {
    const r = new Float64Array(E);
    if (id >= 0 && id < V) { for (let i = 0; i < E; i++) r[i] = emb[id * E + i]!; }
    return r;
  };
  const dEmb = (id: number, d: ArrayLike<number>, from: number) => {
    if (id < 0 || id >= V) return;
    const de = gr("embedding");
    for (let i = 0; i < E; i++) de[id * E + i] = de[id * E + i]! + d[from + i]!;
  };
  const patchW = need(v, "patch_w", P * E * E);
  const patchB = need(v, "patch_b", E);
  const inProj = need(v, "in_proj", E * M);
  const decays = need(v, "decays", M);
  const headW = need(v, "head_w", Hd * (c.decoder === "mlp_factored" ? P * NV : NV));
  const headB = need(v, "head_b", c.decoder === "mlp_factored" ? P * NV : NV);
  const off = c.decoder === "hybrid" ? 0 : 1;
  for (let bb = 0; bb < B; bb++) {
    const x = (t: number) => ids[bb * T + t]!;
    // Forward: the patch inputs, embeddings, states and contexts.
    const pes: Float64Array[] = [];
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
      const gk = new Float64Array(Fd);
      gk.set(S, 0);
      gk.set(e, M);
      pes.push(pe);
      G.push(gk);
    }
    const dG = G.map(() => new Float64Array(Fd));
    for (let t = 0; t < T; t++) {
      const u = t + off;
      const k = Math.floor(u / P);
      const b = u % P;
      // The decoder's logits y (before the local path and the trust routing).
      const dy = Float64Array.from({ length: NV }, (_, j) => g[(bb * T + t) * NV + j]!);
      let y: Float64Array | null = null;
      let decBack: (dyDec: Float64Array) => void;
      if (c.decoder === "mlp_factored") {
        const dw = need(v, "dec_w", Fd * Hd);
        const pre = affine(G[k]!, dw, need(v, "dec_b", Hd), Fd, Hd);
        const z = pre.map(geluTanh);
        const all = affine(z, headW, headB, Hd, P * NV);
        y = all.slice(b * NV, (b + 1) * NV);
        decBack = (dd) => {
          const full = new Float64Array(P * NV);
          full.set(dd, b * NV);
          const dz = affineBack(z, headW, full, Hd, P * NV, gr("head_w"), gr("head_b"));
          const dpre = dz.map((q, i) => q * geluTanhGrad(pre[i]!));
          const dg = affineBack(G[k]!, dw, dpre, Fd, Hd, gr("dec_w"), gr("dec_b"));
          for (let i = 0; i < Fd; i++) dG[k]![i] = dG[k]![i]! + dg[i]!;
        };
      } else if (c.decoder === "autoregressive") {
        const I = Fd + E;
        const names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"];
        const [wIh, wHh, bIh, bHh] = names.map((n, i) =>
          Float64Array.from(need(v, `ar_gru.${n}`, [3 * Hd * I, 3 * Hd * Hd, 3 * Hd, 3 * Hd][i]!))
        );
        const steps = b + 1;
        const xs = new Float64Array(steps * I);
        for (let s = 0; s < steps; s++) {
          xs.set(G[k]!, s * I);
          if (s > 0) xs.set(embRow(x(k * P + s - 1)), s * I + Fd);
        }
        const geo = { batch: 1, steps, input: I, hidden: Hd };
        const inp = { x: xs, wIh: wIh!, wHh: wHh!, bIh: bIh!, bHh: bHh!, h0: null };
        const fwd = gruForward(geo, inp);
        const h = fwd.hs.slice((steps - 1) * Hd);
        y = affine(h, headW, headB, Hd, NV);
        decBack = (dd) => {
          const dh = affineBack(h, headW, dd, Hd, NV, gr("head_w"), gr("head_b"));
          const gOut = new Float64Array(steps * Hd);
          gOut.set(dh, (steps - 1) * Hd);
          const gg = gruBackward(geo, inp, fwd, gOut);
          const acc = (name: string, d: Float64Array) => {
            const a = gr(`ar_gru.${name}`);
            for (let i = 0; i < a.length; i++) a[i] = a[i]! + d[i]!;
          };
          acc("weight_ih_l0", gg.wIh);
          acc("weight_hh_l0", gg.wHh);
          acc("bias_ih_l0", gg.bIh);
          acc("bias_hh_l0", gg.bHh);
          for (let s = 0; s < steps; s++) {
            for (let i = 0; i < Fd; i++) dG[k]![i] = dG[k]![i]! + gg.x[s * I + i]!;
            if (s > 0) dEmb(x(k * P + s - 1), gg.x, s * I + Fd);
          }
        };
      } else {
        const dw = need(v, "dec_w", (M + E) * Hd);
        const f = new Float64Array(M + E);
        f.set(G[k]!.subarray(0, M), 0);
        f.set(embRow(x(t)), M);
        const pre = affine(f, dw, need(v, "dec_b", Hd), M + E, Hd);
        const z = pre.map(geluTanh);
        y = affine(z, headW, headB, Hd, NV);
        decBack = (dd) => {
          const dz = affineBack(z, headW, dd, Hd, NV, gr("head_w"), gr("head_b"));
          const dpre = dz.map((q, i) => q * geluTanhGrad(pre[i]!));
          const df = affineBack(f, dw, dpre, M + E, Hd, gr("dec_w"), gr("dec_b"));
          for (let i = 0; i < M; i++) dG[k]![i] = dG[k]![i]! + df[i]!;
          dEmb(x(t), df, M);
        };
      }
      let localBack: ((dd: Float64Array) => void) | null = null;
      if (c.localWindow > 0) {
        const W = c.localWindow;
        const Lh = c.localHidden;
        const win = new Float64Array(W * E);
        for (let j = 0; j < W && j <= t; j++) win.set(embRow(x(t - j)), j * E);
        const lw = need(v, "local_w", W * E * Lh);
        const lo = need(v, "local_out_w", Lh * NV);
        const pre = affine(win, lw, need(v, "local_b", Lh), W * E, Lh);
        const hl = pre.map((q) => c.localScale * geluTanh(q));
        const l = affine(hl, lo, null, Lh, NV);
        for (let j = 0; j < NV; j++) y[j] = y[j]! + l[j]!;
        localBack = (dd) => {
          const dhl = affineBack(hl, lo, dd, Lh, NV, gr("local_out_w"), null);
          const dpre = dhl.map((q, i) => q * c.localScale * geluTanhGrad(pre[i]!));
          const dwin = affineBack(win, lw, dpre, W * E, Lh, gr("local_w"), gr("local_b"));
          for (let j = 0; j < W && j <= t; j++) dEmb(x(t - j), dwin, j * E);
        };
      }
      if (c.trustRouting) {
        // y_j ← ls_j + τ (lt_j − ls_j) over the first head: ∂ls = g (1 − τ), ∂τ = Σ g (lt − ls).
        const Th = c.trustHidden;
        const kt = Math.floor((t + off) / P);
        const f = new Float64Array(E + Fd);
        f.set(embRow(x(t)), 0);
        f.set(G[kt]!, E);
        const w1 = need(v, "trust_w1", (E + Fd) * Th);
        const w2 = need(v, "trust_w2", Th);
        const pre = affine(f, w1, need(v, "trust_b1", Th), E + Fd, Th);
        const th = pre.map(geluTanh);
        const tau = sigmoid(affine(th, w2, need(v, "trust_b2", 1), Th, 1)[0]!);
        const lt = need(v, "log_table", V * V);
        let mx = -Infinity;
        for (let j = 0; j < V; j++) mx = Math.max(mx, y[j]!);
        let se = 0;
        for (let j = 0; j < V; j++) se += Math.exp(y[j]! - mx);
        const lse = mx + Math.log(se);
        let dTau = 0;
        let dSum = 0;
        const dls = new Float64Array(V);
        for (let j = 0; j < V; j++) {
          const ls = y[j]! - lse;
          dTau += dy[j]! * (lt[x(t) * V + j]! - ls);
          dls[j] = dy[j]! * (1 - tau);
          dSum += dls[j]!;
        }
        for (let j = 0; j < V; j++) dy[j] = dls[j]! - Math.exp(y[j]! - lse) * dSum;
        const da = Float64Array.of(dTau * tau * (1 - tau));
        const dth = affineBack(th, w2, da, Th, 1, gr("trust_w2"), gr("trust_b2"));
        const dpre = dth.map((q, i) => q * geluTanhGrad(pre[i]!));
        const df = affineBack(f, w1, dpre, E + Fd, Th, gr("trust_w1"), gr("trust_b1"));
        dEmb(x(t), df, 0);
        for (let i = 0; i < Fd; i++) dG[kt]![i] = dG[kt]![i]! + df[E + i]!;
      }
      localBack?.(dy);
      decBack(dy);
    }
    // The contexts G_{k+1} = [S_k, e_k]: back through S_k = d ⊙ S_{k−1} + e_k W_in.
    const lam = new Float64Array(M);
    for (let k = K - 1; k >= 0; k--) {
      for (let i = 0; i < M; i++) lam[i] = dG[k + 1]![i]! + decays[i]! * lam[i]!;
      const de = dG[k + 1]!.slice(M);
      for (let i = 0; i < E; i++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += inProj[i * M + m]! * lam[m]!;
        de[i] = de[i]! + s;
      }
      const dpe = affineBack(pes[k]!, patchW, de, P * E, E, gr("patch_w"), gr("patch_b"));
      for (let j = 0; j < P; j++) dEmb(x(k * P + j), dpe, j * E);
    }
  }
  return grads;
}
