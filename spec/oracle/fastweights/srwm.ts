/**
 * f64 oracle of the self-referential weight matrix
 * (cybertronai/schmidhuber-problems PR #8,
 * self-referential-weight-matrix/self_referential_weight_matrix.py), written
 * from the original's math, not its code. With h₀ = 0 and F₀ = 0, for t = 1..T:
 *   pre_t = (W_slow + F_{t−1}) h_{t−1} + W_xh x_t + b_h;  h_t = tanh(pre_t);
 *   y_t = σ(W_y·h_t + b_y);  r_t = softmax(A_row h_t);  c_t = softmax(A_col h_t);
 *   v_t = tanh(A_val·h_t);  g_t = σ(A_gate·h_t);  F_t = F_{t−1} + η g_t v_t r_t c_tᵀ.
 * Loss: binary cross-entropy averaged over the query steps, y clipped to
 * [1e-8, 1 − 1e-8]. Backward is hand-derived BPTT; the fast-weight adjoint is
 * dF_{t−1} = dF_t + dpre_t h_{t−1}ᵀ. The logit gradient is (y − y*)/Q, the
 * exact derivative whenever y lies inside the clip range.
 *
 * Parameters are one flat vector in the order W_slow [H, H], W_xh [H, n_in],
 * W_y [H], A_row [H, H], A_col [H, H], A_val [H], A_gate [H], b_h [H], b_y [1]:
 * 3H² + H·n_in + 4H + 1 values, 157 at H = 6, n_in = 4.
 *
 * @example Forward and backward of one episode
 * ```ts
 * import { srwmBackward, srwmEpisode, srwmForward, srwmLayout } from "./srwm.ts";
 * const L = srwmLayout(6, 4);
 * const p = new Float64Array(L.total).map((_, i) => Math.sin(i) * 0.3);
 * const ep = srwmEpisode(2, [0, 1, 2, 3], [3, 2, 1, 0]);
 * const tape = srwmForward(L, 0.5, p, ep);
 * const g = srwmBackward(L, 0.5, p, ep, tape);
 * console.assert(g.length === 157 && Number.isFinite(tape.loss));
 * ```
 *
 * @module
 */

/** Offsets of the parameter tensors in the flat vector. */
export interface SrwmLayout {
  readonly hidden: number;
  readonly nIn: number;
  readonly wSlow: number;
  readonly wXh: number;
  readonly wY: number;
  readonly aRow: number;
  readonly aCol: number;
  readonly aVal: number;
  readonly aGate: number;
  readonly bH: number;
  readonly bY: number;
  readonly total: number;
  /** [name, offset, size] of each tensor, in order. */
  readonly tensors: readonly (readonly [string, number, number])[];
}

/** The flat layout for hidden size H and input size n_in. */
export function srwmLayout(hidden: number, nIn: number): SrwmLayout {
  const H = hidden;
  const sizes: [string, number][] = [
    ["W_slow", H * H],
    ["W_xh", H * nIn],
    ["W_y", H],
    ["A_row", H * H],
    ["A_col", H * H],
    ["A_val", H],
    ["A_gate", H],
    ["b_h", H],
    ["b_y", 1],
  ];
  const tensors: [string, number, number][] = [];
  let off = 0;
  for (const [n, s] of sizes) {
    tensors.push([n, off, s]);
    off += s;
  }
  const at = (i: number) => tensors[i]![1];
  return {
    hidden: H,
    nIn,
    wSlow: at(0),
    wXh: at(1),
    wY: at(2),
    aRow: at(3),
    aCol: at(4),
    aVal: at(5),
    aGate: at(6),
    bH: at(7),
    bY: at(8),
    total: off,
    tensors,
  };
}

/** One episode: inputs x [T, n_in], targets [T], and which steps are scored. */
export interface SrwmEpisode {
  readonly steps: number;
  readonly x: Float64Array;
  readonly target: Float64Array;
  readonly query: readonly boolean[];
}

/** The four input pairs, in the order (−1,−1), (−1,1), (1,−1), (1,1). */
export const SRWM_PAIRS: readonly (readonly [number, number])[] = [[-1, -1], [-1, 1], [1, -1], [
  1,
  1,
]];

/** Task k ∈ {0: AND, 1: OR, 2: XOR, 3: NAND} of the bits (a, b) = (x₀ > 0, x₁ > 0). */
export function srwmTaskLabel(task: number, a: number, b: number): number {
  switch (task) {
    case 0:
      return a & b;
    case 1:
      return a | b;
    case 2:
      return a ^ b;
    case 3:
      return 1 - (a & b);
  }
  throw new RangeError(`Cannot label SRWM task ${task}: expected 0..3`);
}

/**
 * The 8-step episode of `task`: demos [x₀, x₁, 2y − 1, 1] in `demo` order,
 * then queries [x₀, x₁, 0, 0] in `query` order (indices into {@link SRWM_PAIRS}).
 */
export function srwmEpisode(
  task: number,
  demo: readonly number[],
  query: readonly number[],
): SrwmEpisode {
  const order = [...demo, ...query];
  const T = order.length;
  const x = new Float64Array(T * 4);
  const target = new Float64Array(T);
  order.forEach((q, t) => {
    const [x0, x1] = SRWM_PAIRS[q]!;
    const y = srwmTaskLabel(task, x0 > 0 ? 1 : 0, x1 > 0 ? 1 : 0);
    const isDemo = t < demo.length;
    x.set([x0, x1, isDemo ? 2 * y - 1 : 0, isDemo ? 1 : 0], t * 4);
    target[t] = y;
  });
  return { steps: T, x, target, query: order.map((_, t) => t >= demo.length) };
}

/** Everything the forward computed (per step t = 0..T−1). */
export interface SrwmTape {
  /** h [T + 1, H], h[0] = 0. */
  h: Float64Array;
  y: Float64Array;
  r: Float64Array;
  c: Float64Array;
  v: Float64Array;
  g: Float64Array;
  /** F [T + 1, H, H]: the fast weights before step t (F[0] = 0) and after the last step. */
  fast: Float64Array;
  loss: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function softmaxInto(z: Float64Array, out: Float64Array, off: number): void {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += Math.exp(z[i]! - m);
  for (let i = 0; i < z.length; i++) out[off + i] = Math.exp(z[i]! - m) / s;
}

/** The forward pass of one episode. */
export function srwmForward(
  L: SrwmLayout,
  eta: number,
  p: ArrayLike<number>,
  ep: SrwmEpisode,
): SrwmTape {
  const { hidden: H, nIn } = L;
  const T = ep.steps;
  const HH = H * H;
  const tape: SrwmTape = {
    h: new Float64Array((T + 1) * H),
    y: new Float64Array(T),
    r: new Float64Array(T * H),
    c: new Float64Array(T * H),
    v: new Float64Array(T),
    g: new Float64Array(T),
    fast: new Float64Array((T + 1) * HH),
    loss: 0,
  };
  const zr = new Float64Array(H);
  const zc = new Float64Array(H);
  let Q = 0;
  for (let t = 0; t < T; t++) {
    const F = t * HH;
    for (let i = 0; i < H; i++) {
      let s = p[L.bH + i]!;
      for (let j = 0; j < H; j++) {
        s += (p[L.wSlow + i * H + j]! + tape.fast[F + i * H + j]!) * tape.h[t * H + j]!;
      }
      for (let k = 0; k < nIn; k++) s += p[L.wXh + i * nIn + k]! * ep.x[t * nIn + k]!;
      tape.h[(t + 1) * H + i] = Math.tanh(s);
    }
    const h = tape.h.subarray((t + 1) * H, (t + 2) * H);
    let zy = p[L.bY]!;
    let zv = 0;
    let zg = 0;
    for (let j = 0; j < H; j++) {
      zy += p[L.wY + j]! * h[j]!;
      zv += p[L.aVal + j]! * h[j]!;
      zg += p[L.aGate + j]! * h[j]!;
    }
    for (let i = 0; i < H; i++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < H; j++) {
        a += p[L.aRow + i * H + j]! * h[j]!;
        b += p[L.aCol + i * H + j]! * h[j]!;
      }
      zr[i] = a;
      zc[i] = b;
    }
    softmaxInto(zr, tape.r, t * H);
    softmaxInto(zc, tape.c, t * H);
    const y = sigmoid(zy);
    tape.y[t] = y;
    tape.v[t] = Math.tanh(zv);
    tape.g[t] = sigmoid(zg);
    const coef = eta * tape.g[t]! * tape.v[t]!;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        tape.fast[F + HH + i * H + j] = tape.fast[F + i * H + j]! +
          coef * tape.r[t * H + i]! * tape.c[t * H + j]!;
      }
    }
    if (ep.query[t]) {
      const yc = Math.min(1 - 1e-8, Math.max(1e-8, y));
      tape.loss -= ep.target[t]! * Math.log(yc) + (1 - ep.target[t]!) * Math.log(1 - yc);
      Q++;
    }
  }
  tape.loss /= Q;
  return tape;
}

/** The BPTT gradient of the loss with respect to every parameter (flat, as `p`). */
export function srwmBackward(
  L: SrwmLayout,
  eta: number,
  p: ArrayLike<number>,
  ep: SrwmEpisode,
  tape: SrwmTape,
): Float64Array {
  const { hidden: H, nIn } = L;
  const T = ep.steps;
  const HH = H * H;
  const Q = ep.query.filter(Boolean).length;
  const grad = new Float64Array(L.total);
  const dF = new Float64Array(HH); // adjoint of F_t (after step t)
  const dhNext = new Float64Array(H); // ∂L/∂h_t through pre_{t+1}
  const dh = new Float64Array(H);
  const dpre = new Float64Array(H);
  const dr = new Float64Array(H);
  const dc = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const h = tape.h.subarray((t + 1) * H, (t + 2) * H);
    const hp = tape.h.subarray(t * H, (t + 1) * H);
    const r = tape.r.subarray(t * H, (t + 1) * H);
    const c = tape.c.subarray(t * H, (t + 1) * H);
    const v = tape.v[t]!;
    const g = tape.g[t]!;
    const dz = ep.query[t] ? (tape.y[t]! - ep.target[t]!) / Q : 0;
    grad[L.bY] = grad[L.bY]! + dz;
    for (let j = 0; j < H; j++) {
      grad[L.wY + j] = grad[L.wY + j]! + dz * h[j]!;
      dh[j] = dhNext[j]! + p[L.wY + j]! * dz;
    }
    // The write F_t = F_{t−1} + η g v r cᵀ.
    let s = 0;
    for (let i = 0; i < H; i++) {
      let u = 0;
      let w = 0;
      for (let j = 0; j < H; j++) {
        u += dF[i * H + j]! * c[j]!;
        w += dF[j * H + i]! * r[j]!;
      }
      dr[i] = eta * g * v * u;
      dc[i] = eta * g * v * w;
      s += r[i]! * u;
    }
    const dv = eta * g * s;
    const dg = eta * v * s;
    let rr = 0;
    let cc = 0;
    for (let i = 0; i < H; i++) {
      rr += r[i]! * dr[i]!;
      cc += c[i]! * dc[i]!;
    }
    const dav = dv * (1 - v * v);
    const dag = dg * g * (1 - g);
    for (let i = 0; i < H; i++) {
      const lr = r[i]! * (dr[i]! - rr);
      const lc = c[i]! * (dc[i]! - cc);
      for (let j = 0; j < H; j++) {
        grad[L.aRow + i * H + j] = grad[L.aRow + i * H + j]! + lr * h[j]!;
        grad[L.aCol + i * H + j] = grad[L.aCol + i * H + j]! + lc * h[j]!;
        dh[j] = dh[j]! + p[L.aRow + i * H + j]! * lr + p[L.aCol + i * H + j]! * lc;
      }
    }
    for (let j = 0; j < H; j++) {
      grad[L.aVal + j] = grad[L.aVal + j]! + dav * h[j]!;
      grad[L.aGate + j] = grad[L.aGate + j]! + dag * h[j]!;
      dh[j] = dh[j]! + p[L.aVal + j]! * dav + p[L.aGate + j]! * dag;
    }
    for (let i = 0; i < H; i++) dpre[i] = dh[i]! * (1 - h[i]! * h[i]!);
    const F = t * HH;
    for (let i = 0; i < H; i++) {
      grad[L.bH + i] = grad[L.bH + i]! + dpre[i]!;
      for (let j = 0; j < H; j++) {
        grad[L.wSlow + i * H + j] = grad[L.wSlow + i * H + j]! + dpre[i]! * hp[j]!;
        dF[i * H + j] = dF[i * H + j]! + dpre[i]! * hp[j]!;
      }
      for (let k = 0; k < nIn; k++) {
        grad[L.wXh + i * nIn + k] = grad[L.wXh + i * nIn + k]! + dpre[i]! * ep.x[t * nIn + k]!;
      }
    }
    for (let j = 0; j < H; j++) {
      let a = 0;
      for (let i = 0; i < H; i++) {
        a += (p[L.wSlow + i * H + j]! + tape.fast[F + i * H + j]!) * dpre[i]!;
      }
      dhNext[j] = a;
    }
  }
  return grad;
}

/** Adam settings with the per-tensor clip of the original. */
export interface SrwmAdam {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** A tensor's gradient with norm above this is rescaled to it. */
  clip: number;
}

/** lr 0.01, β (0.9, 0.999), ε 1e-8, clip 5. */
export const SRWM_ADAM: SrwmAdam = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, clip: 5 };

/**
 * One Adam step (step number `step` ≥ 1) in place on p, m, v after clipping
 * each tensor's gradient to norm ≤ clip.
 */
export function srwmAdamStep(
  L: SrwmLayout,
  o: SrwmAdam,
  p: Float64Array,
  m: Float64Array,
  v: Float64Array,
  grad: ArrayLike<number>,
  step: number,
): void {
  for (const [, off, size] of L.tensors) {
    let ss = 0;
    for (let i = off; i < off + size; i++) ss += grad[i]! * grad[i]!;
    const n = Math.sqrt(ss);
    const scale = n > o.clip ? o.clip / n : 1;
    for (let i = off; i < off + size; i++) {
      const g = grad[i]! * scale;
      m[i] = o.beta1 * m[i]! + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i]! + (1 - o.beta2) * g * g;
      const mh = m[i]! / (1 - o.beta1 ** step);
      const vh = v[i]! / (1 - o.beta2 ** step);
      p[i] = p[i]! - o.lr * mh / (Math.sqrt(vh) + o.eps);
    }
  }
}
