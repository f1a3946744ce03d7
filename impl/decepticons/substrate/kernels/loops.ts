/**
 * Loop counts of the fused time-loop kernels (substrates and the coder's
 * commit recurrence), whose time loop holds workgroup barriers.
 *
 * @module
 */

/** Loop-header evaluations of one step of a kernel, and of its fixed prologue/epilogue. */
export interface StepLoops {
  /** Loop-header evaluations one time step adds. */
  step: number;
  /** Loop-header evaluations of the prologue and epilogue, once per launch. */
  fixed: number;
}

/**
 * The loop count declared for `steps` steps. Measured on llvmpipe: a kernel with a barrier
 * in its time loop runs up to ~1.3% more loop-header evaluations per step than its WGSL loops
 * count (e.g. 68.9 instead of 68 for a 64-unit reservoir; its last step is then cut short
 * silently), so each step is padded by 5% plus 2.
 */
export function paddedLoops(l: StepLoops, steps: number): number {
  return l.fixed + steps * (Math.ceil(l.step * 1.05) + 2);
}
