/**
 * f64 oracle of the optimisers and of global-norm gradient clipping, written
 * from their definitions (PyTorch `torch.optim.SGD`, `torch.optim.Adam`,
 * `torch.optim.AdamW`, `torch.nn.utils.clip_grad_norm_`; Kingma & Ba 2015,
 * Algorithm 1). Hyperparameters are taken as given (f64); tensors are the f32
 * values the GPU holds. One call is one step, so a test can restart each step
 * from the GPU's own f32 state.
 *
 * @example An Adam step from zero moments moves each weight by lr·|g|/(|g| + ε)
 * ```ts
 * import { adamStep } from "./optim.ts";
 * import { ok } from "node:assert/strict";
 * const r = adamStep(
 *   { p: Float64Array.of(1), g: Float64Array.of(-3), m: null, v: null, t: 1 },
 *   { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
 * );
 * ok(Math.abs(r.p[0]! - (1 + 0.01 * 3 / (3 + 1e-8))) < 1e-15);
 * ```
 *
 * @module
 */

/** SGD hyperparameters. */
export interface SgdHyper {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/**
 * One SGD step. `buf` is the momentum buffer before the step, null on the
 * first step (PyTorch then sets buf = d). Returns the new weights and buffer
 * (null without momentum).
 */
export function sgdStep(
  p: Float64Array,
  g: Float64Array,
  buf: Float64Array | null,
  h: SgdHyper,
): { p: Float64Array; buf: Float64Array | null } {
  const n = p.length;
  const out = new Float64Array(n);
  const nextBuf = h.momentum !== 0 ? new Float64Array(n) : null;
  for (let i = 0; i < n; i++) {
    const d = g[i]! + h.weightDecay * p[i]!;
    let step = d;
    if (nextBuf !== null) {
      step = buf === null ? d : h.momentum * buf[i]! + d;
      nextBuf[i] = step;
    }
    out[i] = p[i]! - h.lr * step;
  }
  return { p: out, buf: nextBuf };
}

/** Adam hyperparameters; `decoupled` selects AdamW's weight decay. */
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** Adam state of one parameter before step `t` (1-based); null moments mean zeros. */
export interface AdamInput {
  p: Float64Array;
  g: Float64Array;
  m: Float64Array | null;
  v: Float64Array | null;
  t: number;
}

/**
 * One Adam step: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * p ← p − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ). L2 decay adds
 * wd·p to g first; decoupled decay (AdamW) scales p by (1 − lr·wd) first.
 */
export function adamStep(
  s: AdamInput,
  h: AdamHyper,
): { p: Float64Array; m: Float64Array; v: Float64Array } {
  const n = s.p.length;
  const p = new Float64Array(n);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const c1 = 1 - Math.pow(h.beta1, s.t);
  const c2 = 1 - Math.pow(h.beta2, s.t);
  for (let i = 0; i < n; i++) {
    let w = s.p[i]!;
    let g = s.g[i]!;
    if (h.decoupled) w = w * (1 - h.lr * h.weightDecay);
    else g = g + h.weightDecay * w;
    m[i] = h.beta1 * (s.m?.[i] ?? 0) + (1 - h.beta1) * g;
    v[i] = h.beta2 * (s.v?.[i] ?? 0) + (1 - h.beta2) * g * g;
    const mHat = m[i]! / c1;
    const vHat = v[i]! / c2;
    p[i] = w - h.lr * mHat / (Math.sqrt(vHat) + h.eps);
  }
  return { p, m, v };
}

/**
 * Global-norm clipping: ‖g‖ over every gradient together, then each scaled by
 * min(1, maxNorm / (‖g‖ + 1e-6)). Returns the norm, the scale and the scaled gradients.
 */
export function clipGradNormOracle(
  grads: readonly Float64Array[],
  maxNorm: number,
): { norm: number; scale: number; grads: Float64Array[] } {
  let sumSq = 0;
  for (const g of grads) for (const x of g) sumSq += x * x;
  const norm = Math.sqrt(sumSq);
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  return { norm, scale, grads: grads.map((g) => g.map((x) => x * scale)) };
}
