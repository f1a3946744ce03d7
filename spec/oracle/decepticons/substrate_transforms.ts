/**
 * f64 oracles of the substrate transforms (impl/decepticons/substrate_transforms/),
 * written from their equations, and of the original's placements that memspec
 * diverges from (asuramaya/decepticons:src/decepticons/models/
 * substrate_transforms.py at 7be9af7): the overwrite gate after the scan, the
 * sign-flipping magnitude factor, and temporal attention without a mask.
 *
 * Sequences are [B, T, width] row-major; weights [in, out] (x·W).
 *
 * @module
 */
import { affine } from "./hash_memory.ts";

/** Sizes of a sequence problem. */
export interface SeqShape {
  B: number;
  T: number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Bank of mode m: banks of ⌊M/n⌋ modes, the last taking the remainder. */
export function oracleBankOf(m: number, M: number, n: number): number {
  return Math.min(Math.floor(m / Math.floor(M / n)), n - 1);
}

/** Bank router: D'[m] = D[m]·softmax(x W + b)[bank(m)]. */
export function routerForward(
  drive: Float64Array,
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  M: number,
): Float64Array {
  const n = b.length;
  const pre = affine(x, w, b, n);
  const rows = pre.length / n;
  const out = new Float64Array(rows * M);
  for (let r = 0; r < rows; r++) {
    const z = pre.subarray(r * n, (r + 1) * n);
    const m = Math.max(...z);
    const e = Array.from(z, (v) => Math.exp(v - m));
    const s = e.reduce((u, v) => u + v, 0);
    for (let k = 0; k < M; k++) {
      out[r * M + k] = drive[r * M + k]! * (e[oracleBankOf(k, M, n)]! / s);
    }
  }
  return out;
}

/** The overwrite gate g = σ(x W + b) [B·T, M]. */
export function overwriteGateValues(x: Float64Array, w: Float64Array, b: Float64Array) {
  return affine(x, w, b, b.length).map(sigmoid);
}

/** memspec: S_t = (1 − g_t) d S_{t−1} + g_t D_t (the gate inside the recurrence). */
export function overwriteInside(
  drive: Float64Array,
  gate: Float64Array,
  d: ArrayLike<number>,
  s: SeqShape,
): Float64Array {
  const M = d.length;
  const out = new Float64Array(s.B * s.T * M);
  for (let b = 0; b < s.B; b++) {
    for (let m = 0; m < M; m++) {
      let h = 0;
      for (let t = 0; t < s.T; t++) {
        const i = (b * s.T + t) * M + m;
        h = (1 - gate[i]!) * d[m]! * h + gate[i]! * drive[i]!;
        out[i] = h;
      }
    }
  }
  return out;
}

/** The original: S_t = d S_{t−1} + D_t, then S'_t = g_t D_t + (1 − g_t) S_t (after the scan). */
export function overwriteAfterScan(
  drive: Float64Array,
  gate: Float64Array,
  d: ArrayLike<number>,
  s: SeqShape,
): Float64Array {
  const M = d.length;
  const out = new Float64Array(s.B * s.T * M);
  for (let b = 0; b < s.B; b++) {
    for (let m = 0; m < M; m++) {
      let h = 0;
      for (let t = 0; t < s.T; t++) {
        const i = (b * s.T + t) * M + m;
        h = d[m]! * h + drive[i]!;
        out[i] = gate[i]! * drive[i]! + (1 - gate[i]!) * h;
      }
    }
  }
  return out;
}

/** memspec's magnitude feature: [S/n, σ(γ) ln n] (or S/n), n = max(‖S‖, ε). */
export function magnitudeFeature(
  states: Float64Array,
  M: number,
  gamma: number,
  eps: number,
  keepMagnitude = true,
): Float64Array {
  const rows = states.length / M;
  const W = M + (keepMagnitude ? 1 : 0);
  const out = new Float64Array(rows * W);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let k = 0; k < M; k++) ss += states[r * M + k]! ** 2;
    const n = Math.max(Math.sqrt(ss), eps);
    for (let k = 0; k < M; k++) out[r * W + k] = states[r * M + k]! / n;
    if (keepMagnitude) out[r * W + M] = sigmoid(gamma) * Math.log(n);
  }
  return out;
}

/** The original's keep-magnitude factor 1 + σ(γ)·ln(n + ε) multiplying S/n. */
export function originalMagnitudeFactor(norm: number, gamma: number, eps: number): number {
  return 1 + sigmoid(gamma) * Math.log(Math.max(norm, eps) + eps);
}

/** Mode selector: S ⊙ σ((x W + b)/τ). */
export function selectorForward(
  states: Float64Array,
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  tau: number,
): Float64Array {
  const pre = affine(x, w, b, b.length);
  return states.map((v, i) => v * sigmoid(pre[i]! / tau));
}

/** Temporal attention weights: q_w, k_w, v_w [M, h·d], o_w [h·d, M]. */
export interface TemporalWeights {
  q_w: Float64Array;
  k_w: Float64Array;
  v_w: Float64Array;
  o_w: Float64Array;
}

/**
 * Temporal attention over snapshots at 0, I, 2I, …: causal (snapshots at jI ≤ t only, as
 * memspec always does) or, as the original does without an interval mask, every snapshot.
 */
export function temporalForward(
  states: Float64Array,
  p: TemporalWeights,
  s: SeqShape & { M: number; heads: number; headDim: number; interval: number },
  causal = true,
): Float64Array {
  const { B, T, M, heads: h, headDim: d, interval: I } = s;
  const hd = h * d;
  const nS = Math.ceil(T / I);
  const q = affine(states, p.q_w, null, hd);
  const snaps = new Float64Array(B * nS * M);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < nS; j++) {
      snaps.set(states.subarray((b * T + j * I) * M, (b * T + j * I + 1) * M), (b * nS + j) * M);
    }
  }
  const k = affine(snaps, p.k_w, null, hd);
  const v = affine(snaps, p.v_w, null, hd);
  const o = new Float64Array(B * T * hd);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let hh = 0; hh < h; hh++) {
        const sc: number[] = [];
        for (let j = 0; j < nS; j++) {
          if (causal && j * I > t) break;
          let dot = 0;
          for (let c = 0; c < d; c++) {
            dot += q[(b * T + t) * hd + hh * d + c]! * k[(b * nS + j) * hd + hh * d + c]!;
          }
          sc.push(dot / Math.sqrt(d));
        }
        const m = Math.max(...sc);
        const e = sc.map((x) => Math.exp(x - m));
        const z = e.reduce((u, x) => u + x, 0);
        for (let j = 0; j < sc.length; j++) {
          for (let c = 0; c < d; c++) {
            o[(b * T + t) * hd + hh * d + c] = o[(b * T + t) * hd + hh * d + c]! +
              (e[j]! / z) * v[(b * nS + j) * hd + hh * d + c]!;
          }
        }
      }
    }
  }
  const y = affine(o, p.o_w, null, M);
  return y.map((val, i) => val + states[i]!);
}
