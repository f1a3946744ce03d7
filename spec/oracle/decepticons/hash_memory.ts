/**
 * f64 oracle of the hash memory (impl/decepticons/hash_memory/hash_memory.ts),
 * written from the slot-hash definition of
 * asuramaya/decepticons:src/decepticons/models/hash_memory.py (7be9af7) rather
 * than from memspec's banded kernel: at time t, slot s holds position
 * p(t, s) = ⌊(t − 1 − s)/M⌋·M + s when t − 1 − s ≥ 0, and the memory reads the
 * softmax over those slots. Forward and analytic backward of L = Σ g ⊙ out.
 *
 * Weights are [in, out] (x·W), row-major; x, out and g are [B, T, E].
 *
 * @module
 */

/** The hash memory's weights, f64 copies of the f32 parameters. */
export interface HashMemoryWeights {
  write_w: Float64Array; // [E, D]
  write_b: Float64Array; // [D]
  query_w: Float64Array; // [E, D]
  query_b: Float64Array; // [D]
  out_w: Float64Array; // [D, E]
  out_b: Float64Array; // [E]
}

/** Sizes of one oracle problem. */
export interface HashMemoryShape {
  B: number;
  T: number;
  E: number;
  M: number;
  D: number;
}

/** The positions the M slots hold at time t (the valid ones, by slot). */
export function slotPositions(t: number, M: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < M; s++) {
    if (t - 1 - s >= 0) out.push(Math.floor((t - 1 - s) / M) * M + s);
  }
  return out;
}

/** y[n, :] = x[n, :]·W + b for x [N, I], W [I, O]. */
export function affine(x: Float64Array, w: Float64Array, b: Float64Array | null, O: number) {
  const I = w.length / O;
  const N = x.length / I;
  const y = new Float64Array(N * O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < I; i++) s += x[n * I + i]! * w[i * O + o]!;
      y[n * O + o] = s;
    }
  }
  return y;
}

/** Intermediates of one forward: w, q [B·T, D], r [B·T, D], the attention per (b, t). */
export interface HashMemoryForward {
  out: Float64Array;
  w: Float64Array;
  q: Float64Array;
  r: Float64Array;
  /** Per row b·T + t: the positions read and their softmax weights. */
  attn: { pos: number[]; a: Float64Array }[];
}

/** out [B, T, E] of the hash memory. */
export function hashMemoryForward(
  p: HashMemoryWeights,
  x: Float64Array,
  s: HashMemoryShape,
): HashMemoryForward {
  const { B, T, E, M, D } = s;
  const w = affine(x, p.write_w, p.write_b, D);
  const q = affine(x, p.query_w, p.query_b, D);
  const r = new Float64Array(B * T * D);
  const attn: HashMemoryForward["attn"] = [];
  const scale = 1 / Math.sqrt(D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      const pos = slotPositions(t, M);
      const sc = pos.map((pp) => {
        let d = 0;
        for (let k = 0; k < D; k++) d += q[row * D + k]! * w[(b * T + pp) * D + k]!;
        return d * scale;
      });
      const m = Math.max(...sc);
      const e = sc.map((v) => Math.exp(v - m));
      const z = e.reduce((u, v) => u + v, 0);
      const a = Float64Array.from(e, (v) => v / z);
      pos.forEach((pp, j) => {
        for (let k = 0; k < D; k++) {
          r[row * D + k] = r[row * D + k]! + a[j]! * w[(b * T + pp) * D + k]!;
        }
      });
      attn.push({ pos, a });
    }
  }
  return { out: affine(r, p.out_w, p.out_b, E), w, q, r, attn };
}

/** Gradients of L = Σ g ⊙ out: every weight and x. */
export type HashMemoryGrads = HashMemoryWeights & { x: Float64Array };

/** Analytic backward of L = Σ g ⊙ out through {@link hashMemoryForward}. */
export function hashMemoryBackward(
  p: HashMemoryWeights,
  x: Float64Array,
  s: HashMemoryShape,
  g: Float64Array,
): HashMemoryGrads {
  const { B, T, E, D } = s;
  const f = hashMemoryForward(p, x, s);
  const N = B * T;
  const scale = 1 / Math.sqrt(D);
  const out_w = new Float64Array(D * E);
  const out_b = new Float64Array(E);
  const dr = new Float64Array(N * D);
  for (let n = 0; n < N; n++) {
    for (let e = 0; e < E; e++) {
      const gv = g[n * E + e]!;
      out_b[e] = out_b[e]! + gv;
      for (let k = 0; k < D; k++) {
        out_w[k * E + e] = out_w[k * E + e]! + f.r[n * D + k]! * gv;
        dr[n * D + k] = dr[n * D + k]! + gv * p.out_w[k * E + e]!;
      }
    }
  }
  const dw = new Float64Array(N * D);
  const dq = new Float64Array(N * D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      const { pos, a } = f.attn[row]!;
      if (pos.length === 0) continue;
      const da = pos.map((pp) => {
        let d = 0;
        for (let k = 0; k < D; k++) d += dr[row * D + k]! * f.w[(b * T + pp) * D + k]!;
        return d;
      });
      let c = 0;
      a.forEach((av, j) => (c += av * da[j]!));
      pos.forEach((pp, j) => {
        const ds = a[j]! * (da[j]! - c) * scale;
        const col = (b * T + pp) * D;
        for (let k = 0; k < D; k++) {
          dw[col + k] = dw[col + k]! + a[j]! * dr[row * D + k]! + ds * f.q[row * D + k]!;
          dq[row * D + k] = dq[row * D + k]! + ds * f.w[col + k]!;
        }
      });
    }
  }
  const wGrad = (dy: Float64Array, wt: Float64Array) => {
    const gw = new Float64Array(E * D);
    const gb = new Float64Array(D);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < D; k++) {
        const v = dy[n * D + k]!;
        gb[k] = gb[k]! + v;
        for (let i = 0; i < E; i++) gw[i * D + k] = gw[i * D + k]! + x[n * E + i]! * v;
      }
    }
    const gx = new Float64Array(N * E);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < E; i++) {
        let v = 0;
        for (let k = 0; k < D; k++) v += dy[n * D + k]! * wt[i * D + k]!;
        gx[n * E + i] = v;
      }
    }
    return { gw, gb, gx };
  };
  const W = wGrad(dw, p.write_w);
  const Q = wGrad(dq, p.query_w);
  return {
    write_w: W.gw,
    write_b: W.gb,
    query_w: Q.gw,
    query_b: Q.gb,
    out_w,
    out_b,
    x: W.gx.map((v, i) => v + Q.gx[i]!),
  };
}

/** L = Σ g ⊙ out (for central differences). */
export function hashMemoryLoss(
  p: HashMemoryWeights,
  x: Float64Array,
  s: HashMemoryShape,
  g: Float64Array,
): number {
  const { out } = hashMemoryForward(p, x, s);
  let l = 0;
  for (let i = 0; i < out.length; i++) l += out[i]! * g[i]!;
  return l;
}
