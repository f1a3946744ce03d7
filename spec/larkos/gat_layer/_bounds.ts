/**
 * Derived per-element bounds of the GAT layer on the GPU: a running error
 * analysis (invariants/tolerance.ts `track`, `trackBuiltins`, `trackSum`)
 * that replays, in f64, every f32 operation of impl/larkos/gat_layer on the
 * same f32 inputs, in the kernels' order, and returns for each output and
 * gradient element a rigorous bound on |GPU − exact|.
 *
 * Operations replayed:
 * - z = h·Wᵀ (the matmul op, any summation order: path dIn, the ledger's rule
 *   as in spec/nn/multihead_attention/_bounds.ts `tLinear`);
 * - s, t: dot products of length hd;
 * - the gain: the host's f64 2/(1 + e^(−2w)) rounded once to f32 (plus 4 f64
 *   ulps for the f64 evaluation against the exact 1 + tanh w);
 * - per row: x = s_i + t_j; e = x or f32(0.2)·x (the literal's rounding
 *   included; where |x| may be below its error the branch may flip and the
 *   worse branch counts); ẽ = e·g; m = max ẽ (a selection: its error shifts
 *   every exponent alike and cancels in ε/Σε, entering only through the
 *   rounding of ẽ − m and exp's argument bound, as the attention core's
 *   analysis); ε = exp(ẽ − m) (WGSL 3 + 2|x| ulp); τ = Σ ε (segmented over L
 *   lanes: path ceil(N/L) + log₂L ≤ N, bounded by N); α = ε/τ (2.5 ulp); out_c = Σ_j α_j z_jc (path N);
 * - backward: ∂α_j = Σ_c ∂out_c z_jc (path hd); δ = Σ α ∂α (segmented);
 *   ∂x = ((α(∂α − δ))·g)·slope (slope 1 exact, f32(0.2) otherwise, a flip
 *   where the sign of x is uncertain); ∂s = Σ_j ∂x (segmented); ∂t = Σ_i ∂x
 *   (path N); ∂z = ((Σ_i α ∂out) + ∂s·a_src) + ∂t·a_dst (path N);
 *   ∂a = Σ_{b,n} ∂s·z (path B·N); ∂W and ∂h through the matmul backward
 *   (`tLinearBackward`: paths B·N + B and dOut).
 *
 * Every sum uses an order-free path length (its number of terms), so the
 * bounds hold for any summation tree.
 *
 * @module
 */
import {
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
  U64,
} from "../../../invariants/tolerance.ts";
import { edgeGain } from "../../../impl/larkos/gat_layer/gat_layer.ts";
import {
  gainF64,
  GAT_SLOPE,
  type GatEdges,
  type GatGeometry,
  type GatParams,
} from "../../oracle/larkos/gat_layer.ts";
import {
  errs,
  shiftedExp,
  tInputs,
  tLinear,
  tLinearBackward,
} from "../../nn/multihead_attention/_bounds.ts";

type T = Tracked;

const ZERO: T = { v: 0, e: 0 };

/** The f32 gain the GPU reads, against the exact 1 + tanh(w). */
export function tGain(w: number): T {
  const exact = gainF64(w);
  return { v: exact, e: Math.abs(Math.fround(edgeGain(w)) - exact) + 4 * U64 * exact };
}

/** LeakyReLU₀.₂ as the kernel computes it: select(f32(0.2)·x, x, x > 0). */
export function tLeaky(x: T): T {
  const exact = x.v > 0 ? x.v : GAT_SLOPE * x.v;
  const pos = trackBuiltins.against(x, exact);
  const neg = trackBuiltins.against(track.mul(trackBuiltins.literal(GAT_SLOPE), x), exact);
  if (Math.abs(x.v) <= x.e) return trackBuiltins.either(pos, neg);
  return x.v > 0 ? pos : neg;
}

/** The backward's g·slope with the slope chosen by the sign of x (computed with error). */
function tSlope(x: T, g: T): T {
  const exact = g.v * (x.v > 0 ? 1 : GAT_SLOPE);
  const pos = trackBuiltins.against(g, exact);
  const neg = trackBuiltins.against(track.mul(g, trackBuiltins.literal(GAT_SLOPE)), exact);
  if (Math.abs(x.v) <= x.e) return trackBuiltins.either(pos, neg);
  return x.v > 0 ? pos : neg;
}

/** Per-element bounds of the layer's outputs and gradients. */
export interface GatBounds {
  /** [B, N, dOut]. */
  out: Float64Array;
  /** [B, H, N, N]. */
  attention: Float64Array;
  /** [B, N, dIn]. */
  h: Float64Array;
  "W.weight": Float64Array;
  a_src: Float64Array;
  a_dst: Float64Array;
}

/**
 * Bounds of the GPU's GAT layer on f32 inputs h [B, N, dIn], f32 parameters and edges, with
 * output gradient gOut (f32 values). `backward` false skips the gradients (empty arrays).
 */
export function gatBounds(
  params: GatParams,
  h: ArrayLike<number>,
  B: number,
  N: number,
  edges: GatEdges,
  g: GatGeometry,
  gOut: ArrayLike<number>,
  backward = true,
): GatBounds {
  const { dIn, dOut, heads: H } = g;
  const hd = dOut / H;
  // The segmented sums' path, ceil(N/L) + log₂L for L lanes, is at most N for every lane count
  // the kernels choose (L ≤ N): the order-free N holds whatever the adapter's budget picks.
  const kSeg = N;
  const hT = tInputs(h);
  const W = params["W.weight"];
  const z = tLinear(hT, B * N, dIn, W, 0, dOut, null);
  const aS = tInputs(params.a_src);
  const aD = tInputs(params.a_dst);
  const s: T[] = new Array(B * H * N);
  const t: T[] = new Array(B * H * N);
  const terms: T[] = [];
  const terms2: T[] = [];
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      for (let n = 0; n < N; n++) {
        terms.length = 0;
        terms2.length = 0;
        for (let c = 0; c < hd; c++) {
          const zv = z[(b * N + n) * dOut + hh * hd + c]!;
          terms.push(track.mul(aS[hh * hd + c]!, zv));
          terms2.push(track.mul(aD[hh * hd + c]!, zv));
        }
        s[(b * H + hh) * N + n] = trackSum(terms, hd);
        t[(b * H + hh) * N + n] = trackSum(terms2, hd);
      }
    }
  }
  const gain: (T | null)[] = Array.from(
    { length: N * N },
    (_, k) => (edges.adjacency[k] === 1 ? tGain(edges.weights[k]!) : null),
  );
  const x: T[] = new Array(B * H * N * N);
  const alpha: T[] = new Array(B * H * N * N);
  const out: T[] = new Array(B * N * dOut);
  const sc: T[] = new Array(N);
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      const bh = b * H + hh;
      for (let i = 0; i < N; i++) {
        const row = (bh * N + i) * N;
        let mv = -Infinity;
        let me = 0;
        for (let j = 0; j < N; j++) {
          const xj = track.add(s[bh * N + i]!, t[bh * N + j]!);
          x[row + j] = xj;
          const gij = gain[i * N + j];
          if (gij === null || gij === undefined) {
            sc[j] = ZERO;
            continue;
          }
          sc[j] = track.mul(tLeaky(xj), gij);
          mv = Math.max(mv, sc[j]!.v);
          me = Math.max(me, sc[j]!.e);
        }
        const ex: T[] = sc.map((v, j) => (gain[i * N + j] === null ? ZERO : shiftedExp(v, mv, me)));
        const tot = trackSum(ex, kSeg);
        for (let j = 0; j < N; j++) {
          if (gain[i * N + j] === null) {
            alpha[row + j] = ZERO;
            continue;
          }
          const q = track.div(ex[j]!, tot);
          alpha[row + j] = { v: q.v, e: q.e * (1 + 2 * me) };
        }
        for (let c = 0; c < hd; c++) {
          terms.length = 0;
          for (let j = 0; j < N; j++) {
            terms.push(track.mul(alpha[row + j]!, z[(b * N + j) * dOut + hh * hd + c]!));
          }
          out[(b * N + i) * dOut + hh * hd + c] = trackSum(terms, N);
        }
      }
    }
  }
  if (!backward) {
    const none = new Float64Array(0);
    return {
      out: errs(out),
      attention: errs(alpha),
      h: none,
      "W.weight": none,
      a_src: none,
      a_dst: none,
    };
  }
  const go = tInputs(gOut);
  const dx: T[] = new Array(B * H * N * N);
  const ds: T[] = new Array(B * H * N);
  const dt: T[] = new Array(B * H * N);
  const da: T[] = new Array(N);
  for (let b = 0; b < B; b++) {
    for (let hh = 0; hh < H; hh++) {
      const bh = b * H + hh;
      for (let i = 0; i < N; i++) {
        const row = (bh * N + i) * N;
        const gi = (b * N + i) * dOut + hh * hd;
        for (let j = 0; j < N; j++) {
          terms.length = 0;
          for (let c = 0; c < hd; c++) {
            terms.push(track.mul(go[gi + c]!, z[(b * N + j) * dOut + hh * hd + c]!));
          }
          da[j] = trackSum(terms, hd);
        }
        const delta = trackSum(da.map((v, j) => track.mul(alpha[row + j]!, v)), kSeg);
        for (let j = 0; j < N; j++) {
          const gij = gain[i * N + j];
          if (gij === null || gij === undefined) {
            dx[row + j] = ZERO;
            continue;
          }
          const de = track.mul(alpha[row + j]!, track.sub(da[j]!, delta));
          dx[row + j] = tSlope(x[row + j]!, track.mul(de, gij));
        }
        ds[bh * N + i] = trackSum(dx.slice(row, row + N), kSeg);
      }
      for (let n = 0; n < N; n++) {
        terms.length = 0;
        for (let i = 0; i < N; i++) terms.push(dx[(bh * N + i) * N + n]!);
        dt[bh * N + n] = trackSum(terms, N);
      }
    }
  }
  const gz: T[] = new Array(B * N * dOut);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      for (let col = 0; col < dOut; col++) {
        const hh = Math.floor(col / hd);
        const bh = b * H + hh;
        terms.length = 0;
        for (let i = 0; i < N; i++) {
          terms.push(track.mul(alpha[(bh * N + i) * N + n]!, go[(b * N + i) * dOut + col]!));
        }
        const k = bh * N + n;
        gz[(b * N + n) * dOut + col] = track.add(
          track.add(trackSum(terms, N), track.mul(ds[k]!, aS[col]!)),
          track.mul(dt[k]!, aD[col]!),
        );
      }
    }
  }
  const gaS: T[] = new Array(dOut);
  const gaD: T[] = new Array(dOut);
  for (let col = 0; col < dOut; col++) {
    const hh = Math.floor(col / hd);
    terms.length = 0;
    terms2.length = 0;
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        const zv = z[(b * N + n) * dOut + col]!;
        const k = (b * H + hh) * N + n;
        terms.push(track.mul(ds[k]!, zv));
        terms2.push(track.mul(dt[k]!, zv));
      }
    }
    gaS[col] = trackSum(terms, B * N);
    gaD[col] = trackSum(terms2, B * N);
  }
  const lin = tLinearBackward(hT, gz, B * N, B, dIn, W, 0, dOut);
  return {
    out: errs(out),
    attention: errs(alpha),
    h: errs(lin.gx),
    "W.weight": errs(lin.gw),
    a_src: errs(gaS),
    a_dst: errs(gaD),
  };
}
