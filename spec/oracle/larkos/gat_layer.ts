/**
 * f64 oracle of Larkos 0.3's edge-gain graph attention layer
 * (Okerew/larkos_models:modules/training.py `_GATLayer`), forward and
 * analytic backward.
 *
 * Forward for node features h [B, N, dIn], adjacency A ∈ {0, 1}^{N×N}
 * (self-loops required) and edge weights w [N, N], heads H, hd = dOut / H:
 *
 *   z = h·Wᵀ (W [dOut, dIn], no bias), viewed as [B, N, H, hd]
 *   s_i = ⟨a_src^h, z_i^h⟩,  t_j = ⟨a_dst^h, z_j^h⟩        (a_src, a_dst [H, hd])
 *   x_ij = s_i + t_j,  e_ij = LeakyReLU₀.₂(x_ij)
 *   g_ij = 1 + tanh(w_ij) = 2 / (1 + exp(−2·w_ij))          (the edge gain)
 *   ẽ_ij = e_ij·g_ij on edges; α_i = softmax over the edges j of row i
 *   out_i^h = Σ_j α_ij z_j^h, heads concatenated: [B, N, dOut]
 *
 * Non-edges take no part: α = 0 there exactly, whatever w holds (the
 * original multiplies −∞ by the gain, which is NaN when the gain is 0).
 *
 * Backward of L = Σ gOut·out: ∂α_ij = ⟨gOut_i^h, z_j^h⟩, ∂z_j^h += Σ_i α_ij gOut_i^h,
 * δ_i = Σ_j α_ij ∂α_ij, ∂ẽ_ij = α_ij(∂α_ij − δ_i), ∂w_ij = Σ_{b,h} ∂ẽ_ij·e_ij·g'(w_ij)
 * with g' = 1 − tanh², ∂x_ij = ∂ẽ_ij·g_ij·(x_ij > 0 ? 1 : 0.2) (torch's slope at 0),
 * ∂s_i = Σ_j ∂x_ij, ∂t_j = Σ_i ∂x_ij, ∂z_i^h += ∂s_i a_src^h + ∂t_i a_dst^h,
 * ∂a_src^h = Σ_{b,i} ∂s_i z_i^h, ∂a_dst^h = Σ_{b,j} ∂t_j z_j^h, ∂W = Σ ∂z ⊗ h, ∂h = ∂z·W.
 *
 * @module
 */

/** Sizes of the layer. */
export interface GatGeometry {
  /** Input feature width. */
  dIn: number;
  /** Output width, heads · hd. */
  dOut: number;
  /** Heads H (dOut divisible by H). */
  heads: number;
}

/** Parameters by the original's state-dict names (f64 values). */
export interface GatParams {
  /** [dOut, dIn]. */
  "W.weight": ArrayLike<number>;
  /** [H, hd]. */
  a_src: ArrayLike<number>;
  /** [H, hd]. */
  a_dst: ArrayLike<number>;
}

/** A graph: adjacency (1 = edge i→j) and edge weights, both N·N row-major. */
export interface GatEdges {
  nodes: number;
  adjacency: ArrayLike<number>;
  weights: ArrayLike<number>;
}

/** The LeakyReLU slope of the original. */
export const GAT_SLOPE = 0.2;

/** The edge gain 1 + tanh(w), written 2/(1 + e^(−2w)) so that it keeps its digits as w → −∞. */
export function gainF64(w: number): number {
  return 2 / (1 + Math.exp(-2 * w));
}

/** Forward values, kept for the backward and the claims. */
export interface GatForward {
  /** [B, N, dOut]. */
  out: Float64Array;
  /** α [B, H, N, N], 0 off-edge. */
  attention: Float64Array;
  /** z = h·Wᵀ [B, N, dOut]. */
  z: Float64Array;
  /** s and t [B, H, N]. */
  s: Float64Array;
  t: Float64Array;
  /** Raw scores e = LeakyReLU(s_i + t_j) [B, H, N, N] (every pair, edge or not). */
  e: Float64Array;
  /** Gains g [N, N] (every pair). */
  gain: Float64Array;
}

/** Gradients of L = Σ gOut·out. */
export interface GatGrads {
  h: Float64Array;
  "W.weight": Float64Array;
  a_src: Float64Array;
  a_dst: Float64Array;
  /** ∂L/∂w [N, N], 0 off-edge. */
  weights: Float64Array;
}

function check(g: GatGeometry, B: number, N: number, edges: GatEdges): number {
  if (g.dOut % g.heads !== 0) {
    throw new RangeError(`oracle: dOut ${g.dOut} is not divisible by heads ${g.heads}`);
  }
  if (edges.nodes !== N) throw new RangeError(`oracle: edges.nodes ${edges.nodes} ≠ N ${N}`);
  for (let i = 0; i < N; i++) {
    let any = false;
    for (let j = 0; j < N; j++) any ||= edges.adjacency[i * N + j] === 1;
    if (!any) throw new RangeError(`oracle: row ${i} has no edge`);
  }
  if (B < 1) throw new RangeError(`oracle: B = ${B}`);
  return g.dOut / g.heads;
}

/** Forward of the layer on h [B, N, dIn]. */
export function gatLayerForward(
  params: GatParams,
  h: ArrayLike<number>,
  B: number,
  N: number,
  edges: GatEdges,
  g: GatGeometry,
): GatForward {
  const hd = check(g, B, N, edges);
  const { dIn, dOut, heads: H } = g;
  const W = params["W.weight"];
  const z = new Float64Array(B * N * dOut);
  for (let r = 0; r < B * N; r++) {
    for (let o = 0; o < dOut; o++) {
      let acc = 0;
      for (let c = 0; c < dIn; c++) acc += h[r * dIn + c]! * W[o * dIn + c]!;
      z[r * dOut + o] = acc;
    }
  }
  const s = new Float64Array(B * H * N);
  const t = new Float64Array(B * H * N);
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      for (let n = 0; n < N; n++) {
        let as = 0;
        let ad = 0;
        for (let c = 0; c < hd; c++) {
          const zv = z[(b * N + n) * dOut + hh * hd + c]!;
          as += params.a_src[hh * hd + c]! * zv;
          ad += params.a_dst[hh * hd + c]! * zv;
        }
        s[(b * H + hh) * N + n] = as;
        t[(b * H + hh) * N + n] = ad;
      }
    }
  }
  const gain = Float64Array.from({ length: N * N }, (_, k) => gainF64(edges.weights[k]!));
  const e = new Float64Array(B * H * N * N);
  const attention = new Float64Array(B * H * N * N);
  const out = new Float64Array(B * N * dOut);
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      const bh = b * H + hh;
      for (let i = 0; i < N; i++) {
        const row = (bh * N + i) * N;
        let m = -Infinity;
        for (let j = 0; j < N; j++) {
          const x = s[bh * N + i]! + t[bh * N + j]!;
          const ev = x > 0 ? x : GAT_SLOPE * x;
          e[row + j] = ev;
          if (edges.adjacency[i * N + j] === 1) m = Math.max(m, ev * gain[i * N + j]!);
        }
        let tot = 0;
        for (let j = 0; j < N; j++) {
          if (edges.adjacency[i * N + j] !== 1) continue;
          const ex = Math.exp(e[row + j]! * gain[i * N + j]! - m);
          attention[row + j] = ex;
          tot += ex;
        }
        for (let j = 0; j < N; j++) attention[row + j]! /= tot;
        for (let c = 0; c < hd; c++) {
          let acc = 0;
          for (let j = 0; j < N; j++) {
            acc += attention[row + j]! * z[(b * N + j) * dOut + hh * hd + c]!;
          }
          out[(b * N + i) * dOut + hh * hd + c] = acc;
        }
      }
    }
  }
  return { out, attention, z, s, t, e, gain };
}

/** Analytic gradients of L = Σ gOut·out (gOut [B, N, dOut]). */
export function gatLayerBackward(
  params: GatParams,
  h: ArrayLike<number>,
  B: number,
  N: number,
  edges: GatEdges,
  g: GatGeometry,
  gOut: ArrayLike<number>,
): GatGrads {
  const f = gatLayerForward(params, h, B, N, edges, g);
  const { dIn, dOut, heads: H } = g;
  const hd = dOut / H;
  const gz = new Float64Array(B * N * dOut);
  const gs = new Float64Array(B * H * N);
  const gt = new Float64Array(B * H * N);
  const gw = new Float64Array(N * N);
  const da = new Float64Array(N);
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      const bh = b * H + hh;
      for (let i = 0; i < N; i++) {
        const row = (bh * N + i) * N;
        const gi = (b * N + i) * dOut + hh * hd;
        let delta = 0;
        for (let j = 0; j < N; j++) {
          let acc = 0;
          for (let c = 0; c < hd; c++) {
            acc += gOut[gi + c]! * f.z[(b * N + j) * dOut + hh * hd + c]!;
          }
          da[j] = acc;
          delta += f.attention[row + j]! * acc;
          const a = f.attention[row + j]!;
          if (a !== 0) {
            for (let c = 0; c < hd; c++) gz[(b * N + j) * dOut + hh * hd + c]! += a * gOut[gi + c]!;
          }
        }
        for (let j = 0; j < N; j++) {
          if (edges.adjacency[i * N + j] !== 1) continue;
          const de = f.attention[row + j]! * (da[j]! - delta);
          const tw = Math.tanh(edges.weights[i * N + j]!);
          gw[i * N + j]! += de * f.e[row + j]! * (1 - tw * tw);
          const x = f.s[bh * N + i]! + f.t[bh * N + j]!;
          const dx = de * f.gain[i * N + j]! * (x > 0 ? 1 : GAT_SLOPE);
          gs[bh * N + i]! += dx;
          gt[bh * N + j]! += dx;
        }
      }
    }
  }
  const gaSrc = new Float64Array(H * hd);
  const gaDst = new Float64Array(H * hd);
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      for (let n = 0; n < N; n++) {
        const k = (b * H + hh) * N + n;
        for (let c = 0; c < hd; c++) {
          const at = (b * N + n) * dOut + hh * hd + c;
          const zv = f.z[at]!;
          gaSrc[hh * hd + c]! += gs[k]! * zv;
          gaDst[hh * hd + c]! += gt[k]! * zv;
          gz[at]! += gs[k]! * params.a_src[hh * hd + c]! + gt[k]! * params.a_dst[hh * hd + c]!;
        }
      }
    }
  }
  const W = params["W.weight"];
  const gW = new Float64Array(dOut * dIn);
  const gh = new Float64Array(B * N * dIn);
  for (let r = 0; r < B * N; r++) {
    for (let o = 0; o < dOut; o++) {
      const gv = gz[r * dOut + o]!;
      for (let c = 0; c < dIn; c++) {
        gW[o * dIn + c]! += gv * h[r * dIn + c]!;
        gh[r * dIn + c]! += gv * W[o * dIn + c]!;
      }
    }
  }
  return { h: gh, "W.weight": gW, a_src: gaSrc, a_dst: gaDst, weights: gw };
}
