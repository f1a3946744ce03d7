/**
 * Linear substrates (delay line, linear memory, oscillatory memory), fused
 * over time: one workgroup per sequence keeps the state in workgroup memory
 * (double-buffered by step parity) and loops over the tokens [t0, t1) of its
 * launch. Every state entry has at most two predecessors:
 *   s'[i] = (c0[i]·s[p0[i]] + c1[i]·s[p1[i]]) + B[x, i]
 * (delay: p0 = i − E, c1 = 0; linear/decay banks: p0 = i; oscillatory (c, s)
 * pairs: p0 = i, p1 = the partner). B is the token's input (E_x, or Q u_x
 * computed in f64 on the host and rounded once). The program runner splits
 * long sequences over launches: `state` carries the state in and out.
 *
 * Bindings: tokens u32 [batch, tm]; coef [N, 2] f32; pred u32 [N, 2]; inp [V, N];
 * state [batch, N] (read_write); hist [batch, tm, rowStride] (column col + i).
 * Grid: `batch` workgroups of 64 (tiled).
 * Accuracy (per step): two products and two adds, each correctly rounded; llvmpipe was seen to
 * evaluate (c0·s0 + c1·s1) + B as (c0·s0 + B) + c1·s1, so bounds charge any association.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { paddedLoops, type StepLoops } from "./loops.ts";

/** Workgroup size of the linear-substrate kernel. */
export const LINEAR_WG = 64;

/** Compile-time size of the linear substrate: its state size N (≤ 2048). */
export interface LinearSubstrateSizes extends Record<string, number> {
  /** State size N: the substrate's units, at most 2048. */
  n: number;
}

/** Loop-header evaluations of one linear-kernel step, and of the prologue/epilogue. */
export function linearLoops(N: number): StepLoops {
  return { step: 1 + Math.ceil(N / LINEAR_WG) + 1, fixed: 2 * (Math.ceil(N / LINEAR_WG) + 1) + 1 };
}

/** The linear substrate over the tokens [t0, t1) of each launch. */
export const SUBSTRATE_LINEAR: Program<LinearSubstrateSizes> = defineProgram<
  LinearSubstrateSizes
>({
  name: "decepticons_substrate_linear",
  workgroupSize: LINEAR_WG,
  uniformVar: "prm",
  uniforms: {
    batch: "u32",
    tm: "u32",
    t0: "u32",
    t1: "u32",
    col: "u32",
    row_stride: "u32",
  },
  bindings: {
    tokens: { access: "read", type: "u32" },
    coef: { access: "read" },
    pred: { access: "read", type: "u32" },
    inp: { access: "read" },
    state: { access: "read_write" },
    hist: { access: "read_write" },
  },
  helpers: ({ n }) => `var<workgroup> sh: array<f32, ${2 * n}>;`,
  main: ({ n: N }) => `
  let b = wg;
  if (b >= prm.batch) { return; }
  let steps = prm.t1 - prm.t0;
  for (var i = lid; i < ${N}u; i += ${LINEAR_WG}u) { sh[i] = state[b * ${N}u + i]; }
  workgroupBarrier();
  for (var s = 0u; s < steps; s++) {
    let t = prm.t0 + s;
    let x = tokens[b * prm.tm + t];
    let cur = (s % 2u) * ${N}u;
    let nx = ${N}u - cur;
    for (var i = lid; i < ${N}u; i += ${LINEAR_WG}u) {
      let v = (coef[2u * i] * sh[cur + pred[2u * i]] + coef[2u * i + 1u] * sh[cur + pred[2u * i + 1u]])
        + inp[x * ${N}u + i];
      sh[nx + i] = v;
      hist[(b * prm.tm + t) * prm.row_stride + prm.col + i] = v;
    }
    workgroupBarrier();
  }
  let fin = (steps % 2u) * ${N}u;
  for (var i = lid; i < ${N}u; i += ${LINEAR_WG}u) { state[b * ${N}u + i] = sh[fin + i]; }`,
  loopIterations: ({ n }, steps) => paddedLoops(linearLoops(n), steps),
  split: { begin: "t0", end: "t1" },
});
