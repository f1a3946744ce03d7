/**
 * f64 oracle of key-value binding through a trained slow projector
 * (cybertronai/schmidhuber-problems PR #8,
 * fast-weights-key-value/fast_weights_key_value.py). A slow matrix W_K ∈
 * R^{d×d} projects the raw keys; the fast weights W_fast = Σ_t v_t (W_K k_t)ᵀ
 * are rebuilt every episode; the read is y = W_fast (W_K q) with q the stored
 * key k_{q_idx}; the loss is ½‖y − v_{q_idx}‖². Raw keys share a bias direction
 * b (k_t = α b + β ξ_t), so a projector that suppresses b makes the keys closer
 * to orthogonal.
 *
 * Plain f64, no imports from impl/: random draws come from caller-supplied
 * `normal()` and `int(n)` functions.
 *
 * @example N = 1 recalls the value exactly up to scale
 * ```ts
 * import { kvCosine, kvForward } from "./key_value.ts";
 * import { ok } from "node:assert/strict";
 * const ep = { keys: Float64Array.of(1, 0.5), values: Float64Array.of(0.3, -0.2), query: 0 };
 * const f = kvForward(2, Float64Array.of(1, 0, 0, 1), ep);
 * ok(Math.abs(kvCosine(f.y, Float64Array.of(0.3, -0.2)) - 1) < 1e-15);
 * ```
 *
 * @module
 */

/** One episode: N keys [N, d], N values [N, d_v], and the queried index. */
export interface KvEpisode {
  readonly keys: Float64Array;
  readonly values: Float64Array;
  readonly query: number;
}

/** Task settings: key size, value size, pairs per episode, bias weight α and noise weight β. */
export interface KvTask {
  readonly keyDim: number;
  readonly valueDim: number;
  readonly pairs: number;
  readonly alpha: number;
  readonly beta: number;
}

/** The original's task: d_key = d_val = 8, N = 5, α = 1, β = 0.4. */
export const KV_DEFAULTS: KvTask = { keyDim: 8, valueDim: 8, pairs: 5, alpha: 1, beta: 0.4 };

/** A unit bias direction from `d` normal draws. */
export function kvBiasDirection(d: number, normal: () => number): Float64Array {
  const b = Float64Array.from({ length: d }, () => normal());
  const n = Math.hypot(...b);
  return b.map((x) => x / n);
}

/**
 * One episode, drawing in the original's order: ξ ~ N(0,1)^{N×d}/√d, keys
 * k_t = α b + β ξ_t; values ~ N(0,1)^{N×d_v}/√d_v; then the query index.
 */
export function kvMakeEpisode(
  task: KvTask,
  bias: Float64Array,
  normal: () => number,
  int: (n: number) => number,
  pairs = task.pairs,
): KvEpisode {
  const d = task.keyDim;
  const keys = new Float64Array(pairs * d);
  for (let t = 0; t < pairs; t++) {
    for (let c = 0; c < d; c++) {
      keys[t * d + c] = task.alpha * bias[c]! + task.beta * (normal() / Math.sqrt(d));
    }
  }
  const values = Float64Array.from(
    { length: pairs * task.valueDim },
    () => normal() / Math.sqrt(task.valueDim),
  );
  return { keys, values, query: int(pairs) };
}

/** Forward activations of one episode. */
export interface KvForward {
  /** Projected keys K = keys W_Kᵀ, [N, d]. */
  projected: Float64Array;
  /** W_fast = Vᵀ K, [d_v, d]. */
  fast: Float64Array;
  /** Projected query W_K q, [d]. */
  pq: Float64Array;
  y: Float64Array;
  loss: number;
}

function project(d: number, wk: Float64Array, x: Float64Array, off: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += wk[i * d + j]! * x[off + j]!;
    out[i] = s;
  }
  return out;
}

/** Forward pass of one episode with projector `wk` ([d, d], row-major). */
export function kvForward(d: number, wk: Float64Array, ep: KvEpisode): KvForward {
  const n = ep.keys.length / d;
  const dv = ep.values.length / n;
  const projected = new Float64Array(n * d);
  for (let t = 0; t < n; t++) projected.set(project(d, wk, ep.keys, t * d), t * d);
  const fast = new Float64Array(dv * d);
  for (let t = 0; t < n; t++) {
    for (let a = 0; a < dv; a++) {
      for (let c = 0; c < d; c++) {
        fast[a * d + c]! += ep.values[t * dv + a]! * projected[t * d + c]!;
      }
    }
  }
  const pq = project(d, wk, ep.keys, ep.query * d);
  const y = new Float64Array(dv);
  let loss = 0;
  for (let a = 0; a < dv; a++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += fast[a * d + c]! * pq[c]!;
    y[a] = s;
    loss += 0.5 * (s - ep.values[ep.query * dv + a]!) ** 2;
  }
  return { projected, fast, pq, y, loss };
}

/** The read in linear-attention form: y = Σ_t v_t ⟨W_K k_t, W_K q⟩. */
export function kvLinearAttention(d: number, wk: Float64Array, ep: KvEpisode): Float64Array {
  const n = ep.keys.length / d;
  const dv = ep.values.length / n;
  const pq = project(d, wk, ep.keys, ep.query * d);
  const y = new Float64Array(dv);
  for (let t = 0; t < n; t++) {
    const pk = project(d, wk, ep.keys, t * d);
    let s = 0;
    for (let c = 0; c < d; c++) s += pk[c]! * pq[c]!;
    for (let a = 0; a < dv; a++) y[a]! += ep.values[t * dv + a]! * s;
  }
  return y;
}

/**
 * ∂L/∂W_K for one episode: dy = y − v*; dW_fast = dy (W_K q)ᵀ; d(W_K q) =
 * W_fastᵀ dy; dK = V dW_fast; dW_K = dKᵀ keys + d(W_K q) qᵀ.
 */
export function kvBackward(d: number, ep: KvEpisode, f: KvForward): Float64Array {
  const n = ep.keys.length / d;
  const dv = ep.values.length / n;
  const dy = Float64Array.from(f.y, (y, a) => y - ep.values[ep.query * dv + a]!);
  const dFast = new Float64Array(dv * d);
  for (let a = 0; a < dv; a++) for (let c = 0; c < d; c++) dFast[a * d + c] = dy[a]! * f.pq[c]!;
  const dpq = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    for (let a = 0; a < dv; a++) dpq[c]! += f.fast[a * d + c]! * dy[a]!;
  }
  const dK = new Float64Array(n * d);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < d; c++) {
      for (let a = 0; a < dv; a++) dK[t * d + c]! += ep.values[t * dv + a]! * dFast[a * d + c]!;
    }
  }
  const g = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = dpq[i]! * ep.keys[ep.query * d + j]!;
      for (let t = 0; t < n; t++) s += dK[t * d + i]! * ep.keys[t * d + j]!;
      g[i * d + j] = s;
    }
  }
  return g;
}

/** Cosine of two vectors (0 when either is zero). */
export function kvCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** SGD settings: learning rate and the gradient-norm cap (rescale to this norm when above). */
export interface KvSgd {
  readonly lr: number;
  readonly maxNorm: number;
}

/** lr 0.05; a gradient with ‖·‖_F > 1 is rescaled to unit norm. */
export const KV_SGD: KvSgd = { lr: 0.05, maxNorm: 1 };

/** One SGD step on `wk` in place; returns the loss before the step and the gradient norm. */
export function kvSgdStep(d: number, wk: Float64Array, ep: KvEpisode, sgd: KvSgd) {
  const f = kvForward(d, wk, ep);
  const g = kvBackward(d, ep, f);
  const norm = Math.hypot(...g);
  const scale = norm > sgd.maxNorm ? sgd.maxNorm / norm : 1;
  for (let i = 0; i < wk.length; i++) wk[i]! -= sgd.lr * scale * g[i]!;
  return { loss: f.loss, norm };
}

/** Mean recall cosine of a projector over episodes. */
export function kvMeanCosine(d: number, wk: Float64Array, episodes: readonly KvEpisode[]): number {
  let s = 0;
  for (const ep of episodes) {
    const f = kvForward(d, wk, ep);
    const n = ep.keys.length / d;
    const dv = ep.values.length / n;
    s += kvCosine(f.y, ep.values.subarray(ep.query * dv, (ep.query + 1) * dv));
  }
  return s / episodes.length;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations, f64.
 * Returns eigenvalues ascending and the matching eigenvectors as rows.
 */
export function symmetricEigen(n: number, m: ArrayLike<number>) {
  const a = Float64Array.from(m);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) =>
    a[x * n + x]! - a[y * n + y]!
  );
  return {
    values: order.map((i) => a[i * n + i]!),
    vectors: order.map((i) => Float64Array.from({ length: n }, (_, k) => v[k * n + i]!)),
  };
}

/**
 * Singular values of a square matrix (ascending) and its right-singular
 * vectors, from the eigen-decomposition of MᵀM.
 */
export function singularDecomposition(n: number, m: ArrayLike<number>) {
  const mtm = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += m[k * n + i]! * m[k * n + j]!;
      mtm[i * n + j] = s;
    }
  }
  const e = symmetricEigen(n, mtm);
  return { singular: e.values.map((x) => Math.sqrt(Math.max(0, x))), right: e.vectors };
}
