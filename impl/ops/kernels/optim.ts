/**
 * Optimiser kernels: in-place parameter updates and global-norm gradient clipping.
 *
 * - {@link SGD} / {@link SGD_MOMENTUM}: `d = g (+ wd·w)`, then with momentum
 *   `buf = μ·buf + d`, `w = w − lr·buf`; without, `w = w − lr·d`.
 *   Uniforms {n, lr, wd, momentum}; bindings `weights` (read_write), `grads`
 *   (read), `bufs` (read_write, momentum variant only). Grid: ceil(n / 64), tiled.
 * - {@link ADAM}: bias-corrected Adam/AdamW; ε is added after the square root.
 *   `mode` 1 adds L2 weight decay to the gradient (Adam), 2 decays the weight
 *   by `1 − lr·wd` first (AdamW). The host passes `lr / (1 − β1ᵗ)` and
 *   `1 / √(1 − β2ᵗ)`, computed in f64.
 *   Bindings `weights` (read_write), `grads` (read), `m_state`, `v_state`
 *   (read_write). Grid: ceil(n / 64), tiled.
 * - {@link SUMSQ_PARTIALS}: each workgroup of 256 sums the squares of a chunk
 *   of 4,096 gradient elements (16 sequential adds per invocation, then an
 *   8-level tree) into `partials[offset + workgroup]`.
 *   Uniforms {n, offset}; bindings `grads` (read), `partials` (read_write).
 *   Grid: ceil(n / 4096), tiled.
 * - {@link NORM_FINALIZE}: one workgroup of 256 sums the partials (strided
 *   sequential adds, then an 8-level tree), writes `norm = √Σ` and
 *   `scale = min(1, maxNorm / (norm + 1e-6))`.
 *   Uniforms {count, max_norm}; bindings `partials` (read), `norm_out`,
 *   `scale_out` (read_write). Grid: 1.
 * - {@link SCALE_INPLACE}: `g[i] = g[i] · scale[0]`.
 *   Uniform {n}; bindings `grads` (read_write), `scale` (read). Grid: ceil(n / 64), tiled.
 *
 * Every uniform block is read as `cfg`.
 *
 * Accuracy: + − × are correctly rounded (T1); `/` is within 2.5 ulp and
 * `sqrt` inherits 1 / inverseSqrt (2 ulp, then the 2.5 ulp division) per the
 * WGSL spec (T2). The sum of squares is class T3 with path length
 * `1 + 16 + 8 + ceil(P / 256) + 8` for P partials ({@link sumOfSquaresPathLength}).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Workgroup size of the elementwise update kernels. */
export const OPTIM_WORKGROUP = 64;
/** Invocations of a reduction workgroup (a power of two: the tree halves it). */
export const REDUCE_WORKGROUP = 256;
/** Sequential adds per invocation before the tree, in the partial-sum kernel. */
export const SUMSQ_ITEMS = 16;
/** Gradient elements summed by one partial-sum workgroup. */
export const SUMSQ_CHUNK = REDUCE_WORKGROUP * SUMSQ_ITEMS;

const WG = OPTIM_WORKGROUP;
const RWG = REDUCE_WORKGROUP;
const TREE_LEVELS = Math.log2(RWG);

/**
 * Rounding steps on the longest path of one squared element into the global
 * sum of squares, for `partials` workgroup partials: the square, the
 * invocation's sequential adds, the workgroup tree, the finalize kernel's
 * strided adds and its tree.
 */
export function sumOfSquaresPathLength(partials: number): number {
  return 1 + SUMSQ_ITEMS + TREE_LEVELS + Math.ceil(partials / RWG) + TREE_LEVELS;
}

const INDEX = `let i = wg * ${WG}u + lid;
  if (i >= cfg.n) { return; }`;

function sgdProgram(momentum: boolean): Program {
  return defineProgram({
    name: momentum ? "sgd_momentum" : "sgd",
    workgroupSize: WG,
    uniforms: { n: "u32", lr: "f32", wd: "f32", momentum: "f32" },
    uniformVar: "cfg",
    bindings: momentum
      ? {
        weights: { access: "read_write" },
        grads: { access: "read" },
        bufs: { access: "read_write" },
      }
      : { weights: { access: "read_write" }, grads: { access: "read" } },
    main: () =>
      `${INDEX}
  let w = weights[i];
  var d = grads[i];
  if (cfg.wd != 0.0) { d = d + cfg.wd * w; }
${
        momentum
          ? `  let b = cfg.momentum * bufs[i] + d;
  bufs[i] = b;
  weights[i] = w - cfg.lr * b;`
          : "  weights[i] = w - cfg.lr * d;"
      }`,
  });
}

/** Plain SGD step, in place. */
export const SGD: Program = sgdProgram(false);
/** SGD step with a momentum buffer, in place. */
export const SGD_MOMENTUM: Program = sgdProgram(true);

/** Weight-decay modes of {@link ADAM}. */
export const ADAM_MODE = { none: 0, l2: 1, decoupled: 2 } as const;

/** Adam / AdamW step, in place. */
export const ADAM: Program = defineProgram({
  name: "adam",
  workgroupSize: WG,
  uniforms: {
    n: "u32",
    mode: "u32",
    b1: "f32",
    omb1: "f32",
    b2: "f32",
    omb2: "f32",
    step_size: "f32",
    inv_sqrt_bc2: "f32",
    eps: "f32",
    wd: "f32",
    decay: "f32",
  },
  uniformVar: "cfg",
  bindings: {
    weights: { access: "read_write" },
    grads: { access: "read" },
    m_state: { access: "read_write" },
    v_state: { access: "read_write" },
  },
  main: () =>
    `${INDEX}
  var w = weights[i];
  var g = grads[i];
  if (cfg.mode == ${ADAM_MODE.l2}u) { g = g + cfg.wd * w; }
  if (cfg.mode == ${ADAM_MODE.decoupled}u) { w = w * cfg.decay; }
  let m = cfg.b1 * m_state[i] + cfg.omb1 * g;
  let v = cfg.b2 * v_state[i] + cfg.omb2 * (g * g);
  m_state[i] = m;
  v_state[i] = v;
  let denom = sqrt(v) * cfg.inv_sqrt_bc2 + cfg.eps;
  weights[i] = w - cfg.step_size * (m / denom);`,
});

const SCRATCH = `var<workgroup> scratch: array<f32, ${RWG}>;`;

const TREE = `
  scratch[lid] = acc;
  workgroupBarrier();
  for (var stride = ${RWG / 2}u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { scratch[lid] = scratch[lid] + scratch[lid + stride]; }
    workgroupBarrier();
  }`;

/** Partial sums of squares, one per workgroup, at `partials[offset + workgroup]`. */
export const SUMSQ_PARTIALS: Program = defineProgram({
  name: "sumsq_partials",
  workgroupSize: RWG,
  uniforms: { n: "u32", offset: "u32" },
  uniformVar: "cfg",
  bindings: { grads: { access: "read" }, partials: { access: "read_write" } },
  helpers: () => SCRATCH,
  main: () =>
    `let base = wg * ${SUMSQ_CHUNK}u;
  if (base >= cfg.n) { return; }
  var acc = 0.0;
  for (var j = 0u; j < ${SUMSQ_ITEMS}u; j++) {
    let k = base + j * ${RWG}u + lid;
    if (k < cfg.n) {
      let x = grads[k];
      acc = acc + x * x;
    }
  }
${TREE}
  if (lid == 0u) { partials[cfg.offset + wg] = scratch[0]; }`,
});

/** The global norm and the clip scale from the partial sums. */
export const NORM_FINALIZE: Program = defineProgram({
  name: "norm_finalize",
  workgroupSize: RWG,
  uniforms: { count: "u32", max_norm: "f32" },
  uniformVar: "cfg",
  bindings: {
    partials: { access: "read" },
    norm_out: { access: "read_write" },
    scale_out: { access: "read_write" },
  },
  helpers: () => SCRATCH,
  main: () =>
    `var acc = 0.0;
  for (var k = lid; k < cfg.count; k = k + ${RWG}u) { acc = acc + partials[k]; }
${TREE}
  if (lid == 0u) {
    let norm = sqrt(scratch[0]);
    norm_out[0] = norm;
    scale_out[0] = min(1.0, cfg.max_norm / (norm + 1e-6));
  }`,
});

/** `g *= scale[0]`, in place. */
export const SCALE_INPLACE: Program = defineProgram({
  name: "scale_inplace",
  workgroupSize: WG,
  uniforms: { n: "u32" },
  uniformVar: "cfg",
  bindings: { grads: { access: "read_write" }, scale: { access: "read" } },
  main: () =>
    `${INDEX}
  grads[i] = grads[i] * scale[0];`,
});
