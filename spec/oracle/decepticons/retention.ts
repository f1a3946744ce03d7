/**
 * f64 oracle of matrix-memory retention, gated retention and the gated delta
 * rule, written independently of the GPU code.
 *
 * Every sequence n has a state S ∈ R^{d_k×d_v} (S_{−1} = 0) and, per step t,
 * a keep gate g_t ∈ (0, 1] (retention: g_t = γ_n for every t):
 *
 * - retention / gated retention: S_t = g_t S_{t−1} + k_tᵀ v_t;
 * - gated delta: S_t = g_t (I − β_t k_tᵀ k_t) S_{t−1} + β_t k_tᵀ v_t;
 * - read: o_t = q_t S_t (row vectors q_t, k_t ∈ R^{d_k}, v_t, o_t ∈ R^{d_v}).
 *
 * Both are the case (β_e, β_w) = (0, 1) and (β_t, β_t) of
 * S_t = g_t (S_{t−1} − β_e k_tᵀ (k_t S_{t−1})) + β_w k_tᵀ v_t, which is how
 * {@link scanForward} and {@link scanBackward} are written.
 *
 * Besides the sequential recurrence: the parallel form O = (Q Kᵀ ⊙ D) V with
 * D_ts = Π_{r=s+1..t} g_r (running products, no division), the chunkwise forms
 * (intra-chunk parallel + inter-chunk recurrent state, division-free), and
 * {@link dividedChunkScan}, a re-derivation of the original's division-based
 * chunked scan kept only to measure its recorded divergence.
 *
 * @module
 */

/** One batch of sequences: q, k [n, t, dk], v [n, t, dv], gates [n, t], beta [n, t] or null. */
export interface ScanProblem {
  n: number;
  t: number;
  dk: number;
  dv: number;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  gates: Float64Array;
  /** Delta-rule strengths; null: (gated) retention. */
  beta: Float64Array | null;
}

/** Forward results: o [n, t, dv] and every state S_t [n, t, dk, dv]. */
export interface ScanForward {
  o: Float64Array;
  states: Float64Array;
}

/** Gradients of a scalar loss with respect to every input of {@link ScanProblem}. */
export interface ScanGradients {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  dGates: Float64Array;
  dBeta: Float64Array | null;
}

function strengths(p: ScanProblem, st: number): [number, number] {
  return p.beta === null ? [0, 1] : [p.beta[st]!, p.beta[st]!];
}

/** The sequential recurrence (ground truth). */
export function scanForward(p: ScanProblem): ScanForward {
  const { n, t: T, dk, dv } = p;
  const o = new Float64Array(n * T * dv);
  const states = new Float64Array(n * T * dk * dv);
  const s = new Float64Array(dk * dv);
  const u = new Float64Array(dv);
  for (let b = 0; b < n; b++) {
    s.fill(0);
    for (let t = 0; t < T; t++) {
      const st = b * T + t;
      const g = p.gates[st]!;
      const [be, bw] = strengths(p, st);
      const k = p.k.subarray(st * dk, (st + 1) * dk);
      const v = p.v.subarray(st * dv, (st + 1) * dv);
      const q = p.q.subarray(st * dk, (st + 1) * dk);
      u.fill(0);
      for (let c = 0; c < dk; c++) for (let j = 0; j < dv; j++) u[j]! += k[c]! * s[c * dv + j]!;
      for (let c = 0; c < dk; c++) {
        for (let j = 0; j < dv; j++) {
          const i = c * dv + j;
          s[i] = g * (s[i]! - be * k[c]! * u[j]!) + bw * k[c]! * v[j]!;
        }
      }
      for (let j = 0; j < dv; j++) {
        let acc = 0;
        for (let c = 0; c < dk; c++) acc += q[c]! * s[c * dv + j]!;
        o[st * dv + j] = acc;
      }
      states.set(s, st * dk * dv);
    }
  }
  return { o, states };
}

/**
 * Analytic backward of {@link scanForward} for ∂L/∂o = `dO`: the adjoint
 * recurrence dS_t = q_tᵀ do_t + A_{t+1}ᵀ dS_{t+1} with A_t = g_t (I − β_e k_tᵀ k_t),
 * and per step, with w = k_t dS_t, u = k_t S_{t−1}:
 * dg_t = ⟨dS_t, S_{t−1}⟩ − β_e ⟨w, u⟩; dβ_t = −g_t ⟨w, u⟩ + ⟨w, v_t⟩;
 * dk_t = β_w dS_t v_tᵀ − g_t β_e (dS_t uᵀ + S_{t−1} wᵀ); dv_t = β_w w; dq_t = S_t do_tᵀ.
 */
export function scanBackward(p: ScanProblem, fwd: ScanForward, dO: Float64Array): ScanGradients {
  const { n, t: T, dk, dv } = p;
  const dq = new Float64Array(n * T * dk);
  const dkOut = new Float64Array(n * T * dk);
  const dvOut = new Float64Array(n * T * dv);
  const dGates = new Float64Array(n * T);
  const dBeta = p.beta === null ? null : new Float64Array(n * T);
  const ds = new Float64Array(dk * dv);
  const prev = new Float64Array(dk * dv);
  const w = new Float64Array(dv);
  const u = new Float64Array(dv);
  for (let b = 0; b < n; b++) {
    ds.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const st = b * T + t;
      const g = p.gates[st]!;
      const [be, bw] = strengths(p, st);
      const k = p.k.subarray(st * dk, (st + 1) * dk);
      const v = p.v.subarray(st * dv, (st + 1) * dv);
      const q = p.q.subarray(st * dk, (st + 1) * dk);
      const d = dO.subarray(st * dv, (st + 1) * dv);
      const cur = fwd.states.subarray(st * dk * dv, (st + 1) * dk * dv);
      if (t > 0) prev.set(fwd.states.subarray((st - 1) * dk * dv, st * dk * dv));
      else prev.fill(0);
      for (let c = 0; c < dk; c++) {
        let acc = 0;
        for (let j = 0; j < dv; j++) {
          ds[c * dv + j]! += q[c]! * d[j]!;
          acc += cur[c * dv + j]! * d[j]!;
        }
        dq[st * dk + c] = acc;
      }
      w.fill(0);
      u.fill(0);
      for (let c = 0; c < dk; c++) {
        for (let j = 0; j < dv; j++) {
          w[j]! += k[c]! * ds[c * dv + j]!;
          u[j]! += k[c]! * prev[c * dv + j]!;
        }
      }
      let dg = 0;
      let wu = 0;
      let wv = 0;
      for (let j = 0; j < dv; j++) {
        wu += w[j]! * u[j]!;
        wv += w[j]! * v[j]!;
        dvOut[st * dv + j] = bw * w[j]!;
      }
      for (let i = 0; i < dk * dv; i++) dg += ds[i]! * prev[i]!;
      dGates[st] = dg - be * wu;
      if (dBeta !== null) dBeta[st] = -g * wu + wv;
      for (let c = 0; c < dk; c++) {
        let acc = 0;
        for (let j = 0; j < dv; j++) {
          const i = c * dv + j;
          acc += bw * ds[i]! * v[j]! - g * be * (ds[i]! * u[j]! + prev[i]! * w[j]!);
        }
        dkOut[st * dk + c] = acc;
      }
      for (let c = 0; c < dk; c++) {
        for (let j = 0; j < dv; j++) {
          const i = c * dv + j;
          ds[i] = g * (ds[i]! - be * k[c]! * w[j]!);
        }
      }
    }
  }
  return { dq, dk: dkOut, dv: dvOut, dGates, dBeta };
}

/** Π_{r=from..to} gates[base + r] by repeated multiplication (1 when from > to). */
function decay(gates: Float64Array, base: number, from: number, to: number): number {
  let d = 1;
  for (let r = from; r <= to; r++) d *= gates[base + r]!;
  return d;
}

function requireRetention(p: ScanProblem, form: string): void {
  if (p.beta !== null) {
    throw new TypeError(`Cannot evaluate the ${form} form of the gated delta rule: not defined`);
  }
}

/** Parallel form O = (Q Kᵀ ⊙ D) V, D_ts = Π_{r=s+1..t} g_r for s ≤ t (retention only). */
export function retentionParallel(p: ScanProblem): Float64Array {
  requireRetention(p, "parallel");
  const { n, t: T, dk, dv } = p;
  const o = new Float64Array(n * T * dv);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < T; t++) {
      let dts = 1; // D_{t,t}; then multiplied by g_{s+1} walking s downwards
      for (let s = t; s >= 0; s--) {
        if (s < t) dts *= p.gates[b * T + s + 1]!;
        let qk = 0;
        for (let c = 0; c < dk; c++) qk += p.q[(b * T + t) * dk + c]! * p.k[(b * T + s) * dk + c]!;
        const w = qk * dts;
        for (let j = 0; j < dv; j++) o[(b * T + t) * dv + j]! += w * p.v[(b * T + s) * dv + j]!;
      }
    }
  }
  return o;
}

/**
 * Chunkwise form of (gated) retention with chunk length `chunk`: the state
 * entering each chunk is carried recurrently (S_c = G_c S_{c−1} + L_c), the
 * outputs inside a chunk are the parallel form plus the decayed read of the
 * entering state. Every decay is a product of gates: nothing is divided.
 */
export function retentionChunkwise(p: ScanProblem, chunk: number): Float64Array {
  requireRetention(p, "chunkwise");
  const { n, t: T, dk, dv } = p;
  const o = new Float64Array(n * T * dv);
  const s = new Float64Array(dk * dv);
  for (let b = 0; b < n; b++) {
    s.fill(0);
    const base = b * T;
    for (let c0 = 0; c0 < T; c0 += chunk) {
      const c1 = Math.min(c0 + chunk, T);
      for (let t = c0; t < c1; t++) {
        const inDecay = decay(p.gates, base, c0, t);
        for (let j = 0; j < dv; j++) {
          let acc = 0;
          for (let c = 0; c < dk; c++) acc += p.q[(base + t) * dk + c]! * s[c * dv + j]!;
          o[(base + t) * dv + j] = inDecay * acc;
        }
        for (let s2 = c0; s2 <= t; s2++) {
          let qk = 0;
          for (let c = 0; c < dk; c++) {
            qk += p.q[(base + t) * dk + c]! * p.k[(base + s2) * dk + c]!;
          }
          const w = qk * decay(p.gates, base, s2 + 1, t);
          for (let j = 0; j < dv; j++) o[(base + t) * dv + j]! += w * p.v[(base + s2) * dv + j]!;
        }
      }
      const whole = decay(p.gates, base, c0, c1 - 1);
      for (let i = 0; i < dk * dv; i++) s[i]! *= whole;
      for (let s2 = c0; s2 < c1; s2++) {
        const w = decay(p.gates, base, s2 + 1, c1 - 1);
        for (let c = 0; c < dk; c++) {
          for (let j = 0; j < dv; j++) {
            s[c * dv + j]! += w * p.k[(base + s2) * dk + c]! * p.v[(base + s2) * dv + j]!;
          }
        }
      }
    }
  }
  return o;
}

/**
 * Chunkwise gated delta rule: each chunk's transition is the affine map
 * S ↦ M_c S + L_c (M_c = Π A_t, d_k×d_k, from the chunk's own steps, no
 * division); chunk maps are independent of each other, the entering states
 * are carried recurrently, and the outputs inside a chunk are replayed from
 * the entering state.
 */
export function deltaChunkwise(p: ScanProblem, chunk: number): Float64Array {
  const { n, t: T, dk, dv } = p;
  const o = new Float64Array(n * T * dv);
  for (let b = 0; b < n; b++) {
    let s = new Float64Array(dk * dv);
    for (let c0 = 0; c0 < T; c0 += chunk) {
      const c1 = Math.min(c0 + chunk, T);
      // Chunk map from the chunk alone: M = Π A, L = the chunk's state from S = 0.
      let m = new Float64Array(dk * dk);
      for (let i = 0; i < dk; i++) m[i * dk + i] = 1;
      const sub: ScanProblem = {
        ...p,
        n: 1,
        t: c1 - c0,
        q: p.q.slice((b * T + c0) * dk, (b * T + c1) * dk),
        k: p.k.slice((b * T + c0) * dk, (b * T + c1) * dk),
        v: p.v.slice((b * T + c0) * dv, (b * T + c1) * dv),
        gates: p.gates.slice(b * T + c0, b * T + c1),
        beta: p.beta === null ? null : p.beta.slice(b * T + c0, b * T + c1),
      };
      const local = scanForward(sub);
      for (let t = 0; t < c1 - c0; t++) {
        const g = sub.gates[t]!;
        const be = sub.beta === null ? 0 : sub.beta[t]!;
        const k = sub.k.subarray(t * dk, (t + 1) * dk);
        // m ← g (I − β kᵀk) m
        const next = new Float64Array(dk * dk);
        for (let c = 0; c < dk; c++) {
          for (let e = 0; e < dk; e++) {
            let km = 0;
            for (let f = 0; f < dk; f++) km += k[f]! * m[f * dk + e]!;
            next[c * dk + e] = g * (m[c * dk + e]! - be * k[c]! * km);
          }
        }
        m = next;
        // outputs: q_t (M_t S_in) + local o_t, with M_t the map up to step t
        const q = sub.q.subarray(t * dk, (t + 1) * dk);
        for (let j = 0; j < dv; j++) {
          let acc = 0;
          for (let c = 0; c < dk; c++) {
            let ms = 0;
            for (let e = 0; e < dk; e++) ms += m[c * dk + e]! * s[e * dv + j]!;
            acc += q[c]! * ms;
          }
          o[(b * T + c0 + t) * dv + j] = acc + local.o[t * dv + j]!;
        }
      }
      const lastLocal = local.states.subarray((c1 - c0 - 1) * dk * dv, (c1 - c0) * dk * dv);
      const ns = new Float64Array(dk * dv);
      for (let c = 0; c < dk; c++) {
        for (let j = 0; j < dv; j++) {
          let acc = lastLocal[c * dv + j]!;
          for (let e = 0; e < dk; e++) acc += m[c * dk + e]! * s[e * dv + j]!;
          ns[c * dv + j] = acc;
        }
      }
      s = ns;
    }
  }
  return o;
}

/**
 * The original's division-based chunked scan (asuramaya/decepticons causal_bank_torch.py,
 * `CausalBankModel._chunked_recurrence_scan`)
 * on the flattened memory, re-derived in f64 from its description for the divergence
 * record only: per chunk of K steps, A_i = exp(Σ_{r≤i} ln max(g_r, 1e−6)) and
 * S_i = A_i (S_in + Σ_{j≤i} W_j / max(A_j, 1e−8)), W_j = β_w k_jᵀ v_j. (Gated delta is
 * outside its scope: the original has no delta term; β is ignored.)
 */
export function dividedChunkScan(p: ScanProblem, chunk = 32): Float64Array {
  const { n, t: T, dk, dv } = p;
  const o = new Float64Array(n * T * dv);
  const sIn = new Float64Array(dk * dv);
  const acc = new Float64Array(dk * dv);
  for (let b = 0; b < n; b++) {
    sIn.fill(0);
    for (let c0 = 0; c0 < T; c0 += chunk) {
      const c1 = Math.min(c0 + chunk, T);
      let logA = 0;
      acc.fill(0);
      const s = new Float64Array(dk * dv);
      for (let t = c0; t < c1; t++) {
        logA += Math.log(Math.max(p.gates[b * T + t]!, 1e-6));
        const a = Math.exp(logA);
        const inv = 1 / Math.max(a, 1e-8);
        for (let c = 0; c < dk; c++) {
          for (let j = 0; j < dv; j++) {
            acc[c * dv + j]! += p.k[(b * T + t) * dk + c]! * p.v[(b * T + t) * dv + j]! * inv;
          }
        }
        for (let i = 0; i < dk * dv; i++) s[i] = a * (sIn[i]! + acc[i]!);
        for (let j = 0; j < dv; j++) {
          let r = 0;
          for (let c = 0; c < dk; c++) r += p.q[(b * T + t) * dk + c]! * s[c * dv + j]!;
          o[(b * T + t) * dv + j] = r;
        }
      }
      sIn.set(s);
    }
  }
  return o;
}

/** max_i |a_i − b_i| / max(max_i |b_i|, tiny): the relative error of the divergence record. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-300);
}

/** Frobenius norm of state S_t of sequence `b` in {@link ScanForward.states}. */
export function stateNorm(p: ScanProblem, states: Float64Array, b: number, t: number): number {
  const sz = p.dk * p.dv;
  let s = 0;
  const off = (b * p.t + t) * sz;
  for (let i = 0; i < sz; i++) s += states[off + i]! ** 2;
  return Math.sqrt(s);
}
