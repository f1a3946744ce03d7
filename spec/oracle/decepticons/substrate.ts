/**
 * f64 oracle of the decepticons substrates (asuramaya/decepticons v0.1.3
 * src/decepticons/reservoir.py, delay.py, linear_memory.py,
 * oscillatory_memory.py, mixed_memory.py, hierarchical.py): one step of each
 * recurrence on explicit parameters, and rollouts over a token sequence.
 * Written from the original's equations, independently of impl/ (the GPU
 * kernels and the parameter construction).
 *
 * - echo-state: s' = (1−λ)s + λ·tanh(W s + U[:, x])
 * - delay line: H'[0] = E_x, H'[j] = d·H[j−1]
 * - linear memory: m_k' = d_k m_k + E_x
 * - oscillatory: m_k' = r_k m_k + Q_k u_x; (c, s)' = ρ_j R(θ_j)(c, s) + (Qc_j u_x, Qs_j u_x)
 * - mixed: [echo-state, delay], independent branches
 * - hierarchical: fast, mid, slow leaky reservoirs with same-step upward drive;
 *   the slow layer moves only when stride = 1 or (phase + 1) mod stride = 0.
 *   The phase is PART OF THE STATE (the original keeps it on the object).
 *
 * @module
 */

/** A leaky tanh reservoir layer: W [n, n], U [n, V] (column x is token x's drive). */
export interface OracleLayer {
  n: number;
  leak: number;
  w: Float64Array;
  u: Float64Array;
  /** Upward weights [n, n_below] from the layer below's new state, or null. */
  up: Float64Array | null;
  /** 1: updates every step. */
  stride: number;
}

/** Oracle view of every substrate: all parameters explicit. */
export type OracleSubstrate =
  | { kind: "echo_state"; vocab: number; layer: OracleLayer }
  | { kind: "delay"; vocab: number; length: number; dim: number; decay: number; emb: Float64Array }
  | { kind: "linear"; vocab: number; dim: number; decays: number[]; emb: Float64Array }
  | {
    kind: "oscillatory";
    vocab: number;
    dim: number;
    decays: number[];
    damping: number[];
    periods: number[];
    /** Unit-norm token vectors [V, E]. */
    emb: Float64Array;
    /** K decay projections, then M cos projections, then M sin projections, each [E, E]. */
    q: Float64Array[];
  }
  | { kind: "mixed"; vocab: number; esn: OracleLayer; delay: OracleSubstrate & { kind: "delay" } }
  | { kind: "hierarchical"; vocab: number; layers: OracleLayer[] };

/** State size (the hierarchical phase is one extra trailing entry). */
export function oracleStateDim(s: OracleSubstrate): number {
  switch (s.kind) {
    case "echo_state":
      return s.layer.n;
    case "delay":
      return s.length * s.dim;
    case "linear":
      return s.decays.length * s.dim;
    case "oscillatory":
      return (s.decays.length + 2 * s.damping.length) * s.dim;
    case "mixed":
      return s.esn.n + s.delay.length * s.delay.dim;
    case "hierarchical":
      return s.layers.reduce((a, l) => a + l.n, 0) + 1;
  }
}

function layerStep(
  l: OracleLayer,
  prev: Float64Array,
  po: number,
  below: Float64Array | null,
  bo: number,
  nb: number,
  x: number,
  out: Float64Array,
  oo: number,
): void {
  for (let i = 0; i < l.n; i++) {
    let a = l.u[i * (l.u.length / l.n) + x]!;
    for (let j = 0; j < l.n; j++) a += l.w[i * l.n + j]! * prev[po + j]!;
    if (l.up && below) { for (let j = 0; j < nb; j++) a += l.up[i * nb + j]! * below[bo + j]!; }
    out[oo + i] = (1 - l.leak) * prev[po + i]! + l.leak * Math.tanh(a);
  }
}

/**
 * One step: the next state from `state` and token `x` (a pure function).
 *
 * @throws {RangeError} when x is not a token id of the vocabulary.
 */
export function oracleStep(
  s: OracleSubstrate,
  state: Float64Array,
  x: number,
): Float64Array<ArrayBuffer> {
  if (!Number.isInteger(x) || x < 0 || x >= s.vocab) {
    throw new RangeError(
      `Cannot step the ${s.kind} substrate with token ${x}: expected 0..${s.vocab - 1}`,
    );
  }
  const out = new Float64Array(state.length);
  switch (s.kind) {
    case "echo_state":
      layerStep(s.layer, state, 0, null, 0, 0, x, out, 0);
      return out;
    case "delay": {
      const E = s.dim;
      for (let e = 0; e < E; e++) out[e] = s.emb[x * E + e]!;
      for (let j = 1; j < s.length; j++) {
        for (let e = 0; e < E; e++) out[j * E + e] = s.decay * state[(j - 1) * E + e]!;
      }
      return out;
    }
    case "linear": {
      const E = s.dim;
      s.decays.forEach((d, k) => {
        for (let e = 0; e < E; e++) out[k * E + e] = d * state[k * E + e]! + s.emb[x * E + e]!;
      });
      return out;
    }
    case "oscillatory": {
      const E = s.dim;
      const K = s.decays.length;
      const M = s.damping.length;
      const u = s.emb.subarray(x * E, (x + 1) * E);
      const proj = (q: Float64Array, a: number) => {
        let v = 0;
        for (let b = 0; b < E; b++) v += q[a * E + b]! * u[b]!;
        return v;
      };
      for (let k = 0; k < K; k++) {
        for (let a = 0; a < E; a++) {
          out[k * E + a] = s.decays[k]! * state[k * E + a]! + proj(s.q[k]!, a);
        }
      }
      for (let j = 0; j < M; j++) {
        const th = (2 * Math.PI) / s.periods[j]!;
        const r = s.damping[j]!;
        const co = (K + 2 * j) * E;
        const so = co + E;
        for (let a = 0; a < E; a++) {
          const c = state[co + a]!;
          const sn = state[so + a]!;
          out[co + a] = r * (Math.cos(th) * c - Math.sin(th) * sn) + proj(s.q[K + j]!, a);
          out[so + a] = r * (Math.sin(th) * c + Math.cos(th) * sn) + proj(s.q[K + M + j]!, a);
        }
      }
      return out;
    }
    case "mixed": {
      layerStep(s.esn, state, 0, null, 0, 0, x, out, 0);
      const d = oracleStep(s.delay, state.subarray(s.esn.n), x);
      out.set(d, s.esn.n);
      return out;
    }
    case "hierarchical": {
      const units = state.length - 1;
      const phase = state[units]!;
      let off = 0;
      let below = -1;
      let nb = 0;
      for (const l of s.layers) {
        const moves = l.stride === 1 || (phase + 1) % l.stride === 0;
        if (moves) layerStep(l, state, off, below < 0 ? null : out, below, nb, x, out, off);
        else out.set(state.subarray(off, off + l.n), off);
        below = off;
        nb = l.n;
        off += l.n;
      }
      const period = s.layers.reduce((a, l) => a * l.stride, 1);
      out[units] = (phase + 1) % period;
      return out;
    }
  }
}

/** States after each token: [T, D] row-major. */
export function oracleRollout(
  s: OracleSubstrate,
  tokens: ArrayLike<number>,
  init?: Float64Array,
): Float64Array {
  const D = oracleStateDim(s);
  let st: Float64Array = init ? Float64Array.from(init) : new Float64Array(D);
  const out = new Float64Array(tokens.length * D);
  for (let t = 0; t < tokens.length; t++) {
    st = oracleStep(s, st, tokens[t]!);
    out.set(st, t * D);
  }
  return out;
}
