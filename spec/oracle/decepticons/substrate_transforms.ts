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

// --- analytic backward (f64) of L = Σ g ⊙ out, for the gradient claims ---

/** Gradients of an affine map y = x W + b [N, O] given dy: dx = dy Wᵀ, dW = xᵀ dy, db = Σ dy. */
function affineBackward(x: Float64Array, w: Float64Array, dy: Float64Array, O: number) {
  const I = w.length / O;
  const N = x.length / I;
  const dx = new Float64Array(N * I);
  const dw = new Float64Array(I * O);
  const db = new Float64Array(O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const g = dy[n * O + o]!;
      db[o] = db[o]! + g;
      for (let i = 0; i < I; i++) {
        dx[n * I + i] = dx[n * I + i]! + g * w[i * O + o]!;
        dw[i * O + o] = dw[i * O + o]! + x[n * I + i]! * g;
      }
    }
  }
  return { dx, dw, db };
}

/** Gradients of the bank router's L = Σ g ⊙ routerForward(…) (names as the module's). */
export function routerBackward(
  drive: Float64Array,
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  M: number,
  g: Float64Array,
): { drive: Float64Array; x: Float64Array; route_w: Float64Array; route_b: Float64Array } {
  const n = b.length;
  const pre = affine(x, w, b, n);
  const rows = pre.length / n;
  const dDrive = new Float64Array(rows * M);
  const dPre = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const z = pre.subarray(r * n, (r + 1) * n);
    const m = Math.max(...z);
    const e = Array.from(z, (v) => Math.exp(v - m));
    const s = e.reduce((u, v) => u + v, 0);
    const rho = e.map((v) => v / s);
    const dRho = new Float64Array(n);
    for (let k = 0; k < M; k++) {
      const j = oracleBankOf(k, M, n);
      dDrive[r * M + k] = g[r * M + k]! * rho[j]!;
      dRho[j] = dRho[j]! + g[r * M + k]! * drive[r * M + k]!;
    }
    let c = 0;
    for (let j = 0; j < n; j++) c += rho[j]! * dRho[j]!;
    for (let j = 0; j < n; j++) dPre[r * n + j] = rho[j]! * (dRho[j]! - c);
  }
  const a = affineBackward(x, w, dPre, n);
  return { drive: dDrive, x: a.dx, route_w: a.dw, route_b: a.db };
}

/**
 * Gradients of the overwrite gate's L = Σ g ⊙ overwriteInside(D, σ(x W + b), d): the adjoint
 * λ_t = g_t + a_{t+1} λ_{t+1} of h_t = a_t h_{t−1} + b_t, a = (1 − σ) d, b = σ D.
 */
export function overwriteBackward(
  drive: Float64Array,
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  d: ArrayLike<number>,
  s: SeqShape,
  g: Float64Array,
): { drive: Float64Array; x: Float64Array; gate_w: Float64Array; gate_b: Float64Array } {
  const M = d.length;
  const gate = overwriteGateValues(x, w, b);
  const h = overwriteInside(drive, gate, d, s);
  const dDrive = new Float64Array(drive.length);
  const dPre = new Float64Array(drive.length);
  for (let bb = 0; bb < s.B; bb++) {
    for (let m = 0; m < M; m++) {
      let lam = 0;
      for (let t = s.T - 1; t >= 0; t--) {
        const i = (bb * s.T + t) * M + m;
        if (t + 1 < s.T) lam *= (1 - gate[i + M]!) * d[m]!;
        lam += g[i]!;
        const prev = t > 0 ? h[i - M]! : 0;
        const gi = gate[i]!;
        // ∂h/∂σ = −d·h_{t−1} + D_t; σ' = σ(1 − σ).
        dPre[i] = lam * (drive[i]! - d[m]! * prev) * gi * (1 - gi);
        dDrive[i] = lam * gi;
      }
    }
  }
  const a = affineBackward(x, w, dPre, M);
  return { drive: dDrive, x: a.dx, gate_w: a.dw, gate_b: a.db };
}

/** Gradients of the magnitude feature's L = Σ g ⊙ magnitudeFeature(S, M, γ, ε, keep). */
export function magnitudeBackward(
  states: Float64Array,
  M: number,
  gamma: number,
  eps: number,
  g: Float64Array,
  keepMagnitude = true,
): { states: Float64Array; log_gain: Float64Array } {
  const rows = states.length / M;
  const W = M + (keepMagnitude ? 1 : 0);
  const sg = sigmoid(gamma);
  const dS = new Float64Array(states.length);
  let dGamma = 0;
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let k = 0; k < M; k++) ss += states[r * M + k]! ** 2;
    const norm = Math.sqrt(ss);
    const n = Math.max(norm, eps);
    // dL/dn: the direction channels S/n and the magnitude channel σ(γ) ln n.
    let dn = 0;
    for (let k = 0; k < M; k++) dn -= g[r * W + k]! * states[r * M + k]! / (n * n);
    if (keepMagnitude) {
      dn += g[r * W + M]! * sg / n;
      dGamma += g[r * W + M]! * Math.log(n) * sg * (1 - sg);
    }
    // Below ε the norm is the constant ε: no path through it.
    const through = norm > eps ? dn / norm : 0;
    for (let k = 0; k < M; k++) {
      dS[r * M + k] = g[r * W + k]! / n + through * states[r * M + k]!;
    }
  }
  return { states: dS, log_gain: Float64Array.of(dGamma) };
}

/** Gradients of the mode selector's L = Σ g ⊙ S ⊙ σ((x W + b)/τ). */
export function selectorBackward(
  states: Float64Array,
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  tau: number,
  g: Float64Array,
): { states: Float64Array; x: Float64Array; select_w: Float64Array; select_b: Float64Array } {
  const pre = affine(x, w, b, b.length);
  const sig = pre.map((v) => sigmoid(v / tau));
  const dS = sig.map((v, i) => g[i]! * v);
  const dPre = sig.map((v, i) => g[i]! * states[i]! * v * (1 - v) / tau);
  const a = affineBackward(x, w, dPre, b.length);
  return { states: dS, x: a.dx, select_w: a.dw, select_b: a.db };
}

/** Gradients of causal temporal attention's L = Σ g ⊙ temporalForward(S, p, s, true). */
export function temporalBackward(
  states: Float64Array,
  p: TemporalWeights,
  s: SeqShape & { M: number; heads: number; headDim: number; interval: number },
  g: Float64Array,
): { states: Float64Array } & TemporalWeights {
  const { B, T, M, heads: h, headDim: d, interval: I } = s;
  const hd = h * d;
  const nS = Math.ceil(T / I);
  const scale = 1 / Math.sqrt(d);
  const snapRow = (b: number, j: number) => b * T + j * I;
  const q = affine(states, p.q_w, null, hd);
  const snaps = new Float64Array(B * nS * M);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < nS; j++) {
      snaps.set(states.subarray(snapRow(b, j) * M, (snapRow(b, j) + 1) * M), (b * nS + j) * M);
    }
  }
  const k = affine(snaps, p.k_w, null, hd);
  const v = affine(snaps, p.v_w, null, hd);
  const o = new Float64Array(B * T * hd);
  const dq = new Float64Array(B * T * hd);
  const dk = new Float64Array(B * nS * hd);
  const dv = new Float64Array(B * nS * hd);
  // y = o W_o + S: do = g W_oᵀ.
  const oBack = affineBackward(new Float64Array(B * T * hd), p.o_w, g, M);
  const dO = oBack.dx;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const nj = Math.min(nS, Math.floor(t / I) + 1);
      for (let hh = 0; hh < h; hh++) {
        const qo = (b * T + t) * hd + hh * d;
        const sc = new Float64Array(nj);
        for (let j = 0; j < nj; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[qo + c]! * k[(b * nS + j) * hd + hh * d + c]!;
          sc[j] = dot * scale;
        }
        const m = Math.max(...sc);
        const e = sc.map((x) => Math.exp(x - m));
        const z = e.reduce((u, x) => u + x, 0);
        const a = e.map((x) => x / z);
        const da = new Float64Array(nj);
        let c0 = 0;
        for (let j = 0; j < nj; j++) {
          const vo = (b * nS + j) * hd + hh * d;
          for (let c = 0; c < d; c++) {
            o[qo + c] = o[qo + c]! + a[j]! * v[vo + c]!;
            da[j] = da[j]! + dO[qo + c]! * v[vo + c]!;
            dv[vo + c] = dv[vo + c]! + a[j]! * dO[qo + c]!;
          }
          c0 += a[j]! * da[j]!;
        }
        for (let j = 0; j < nj; j++) {
          const ds = a[j]! * (da[j]! - c0) * scale;
          const ko = (b * nS + j) * hd + hh * d;
          for (let c = 0; c < d; c++) {
            dq[qo + c] = dq[qo + c]! + ds * k[ko + c]!;
            dk[ko + c] = dk[ko + c]! + ds * q[qo + c]!;
          }
        }
      }
    }
  }
  const o_w = affineBackward(o, p.o_w, g, M).dw;
  const qb = affineBackward(states, p.q_w, dq, hd);
  const kb = affineBackward(snaps, p.k_w, dk, hd);
  const vb = affineBackward(snaps, p.v_w, dv, hd);
  // The residual, the queries, and the snapshots' keys and values.
  const dS = g.map((v, i) => v + qb.dx[i]!);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < nS; j++) {
      for (let c = 0; c < M; c++) {
        const si = (b * nS + j) * M + c;
        dS[snapRow(b, j) * M + c] = dS[snapRow(b, j) * M + c]! + kb.dx[si]! + vb.dx[si]!;
      }
    }
  }
  return { states: dS, q_w: qb.dw, k_w: kb.dw, v_w: vb.dw, o_w };
}
