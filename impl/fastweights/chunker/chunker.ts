/**
 * History-compression chunkers on the GPU (cybertronai/schmidhuber-problems PR #8, chunker-22-symbol/ and
 * chunker-very-deep-1200/): the Elman nets of the automatizer, the chunker
 * and the single-net baselines, run forward and through BPTT by two fused
 * kernels that loop over time inside the shader, one invocation per sequence.
 * A long sequence (T = 1200) is split into time slices that fit the adapter's
 * loop budget; the recurrent state and the carried gradient stay in GPU
 * buffers between slices, so a whole BPTT is recorded without a host sync.
 *
 * Both training protocols run on the GPU with their own fused kernels:
 * chunker-22 in ./chunker_train.ts (many seeds at once, two dispatches per
 * block, one readback at the end), chunker-1200 in ./chunker1200_train.ts
 * (the automatizer's 128,000 window updates fused many to a dispatch, then
 * threshold, masks, chunker, baseline and eval, one readback per stage). The
 * f64 oracle (spec/oracle/fastweights/chunker.ts) is the reference for all of
 * them; these two kernels give the gradients of any sequence batch.
 *
 * @example Gradients of one sequence
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { chunkerBptt } from "./chunker.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const dims = { vocab: 3, hidden: 2, out: 3, label: 0, steps: 2 };
 * const P = 2 * 3 + 2 * 2 + 3 * 2 + 2 + 3;
 * const r = chunkerBptt(dims, {
 *   params: new Float32Array(P).fill(0.1),
 *   h0: new Float32Array(2),
 *   inputs: Int32Array.of(0, 1),
 *   targets: Int32Array.of(1, 2),
 *   ceWeight: Float32Array.of(1, 1),
 * });
 * strictEqual((await r.grads.toFloat32()).length, P);
 * for (const t of Object.values(r)) t.dispose();
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { dispatch, maxStepsPerLaunch } from "../../gpu/program.ts";
import { emptyLike, type Tensor, tensor, zeros } from "../../tensor.ts";
import {
  CHUNKER_FORWARD,
  chunkerForwardLoopsPerStep,
  type ChunkerNetDims,
  chunkerOffsets,
  chunkerSizes,
  chunkerUniforms,
} from "./kernels/forward.ts";
import { CHUNKER_BACKWARD, chunkerBackwardLoopsPerStep } from "./kernels/backward.ts";
import { checkFiniteList, checkObject, checkTyped, shown } from "../../validate.ts";

export type { ChunkerNetDims };

/** Host inputs of {@link chunkerBptt} for S sequences. */
export interface ChunkerBatch {
  /** f32 [S, P] in the flat layout W_xh, W_hh, W_hy, W_hl, b_h, b_y, b_l. */
  params: Float32Array;
  /** f32 [S, H] initial states. */
  h0: Float32Array;
  /** i32 [S, T] input symbols. */
  inputs: Int32Array;
  /** i32 [S, T] target symbols. */
  targets: Int32Array;
  /** f32 [S, T] cross-entropy weight per step (0: unsupervised). */
  ceWeight: Float32Array;
  /** f32 [S, T] label targets in {0, 1}, negative for none (label head only). */
  labelTarget?: Float32Array;
}

/** Outputs of {@link chunkerBptt} (owned by the caller). */
export interface ChunkerBpttResult {
  /** [S, T + 1, H] states (row 0 = h0). */
  hs: Tensor;
  /** [S, T, O]. */
  logits: Tensor;
  /** [S, T] σ(label) (0 without a label head). */
  labels: Tensor;
  /** [S, P] ∂loss/∂params per sequence. */
  grads: Tensor;
}

/** Parameters per net of `dims`. */
export function chunkerParamCount(dims: ChunkerNetDims): number {
  checkDims(dims, "chunkerParamCount");
  return chunkerOffsets(dims).size;
}

function checkDims(d: ChunkerNetDims, op: string): void {
  checkObject(op, "the net's dims", d);
  for (const k of ["vocab", "hidden", "out", "label", "steps"] as const) {
    if (typeof d[k] !== "number") {
      throw new TypeError(
        `Cannot run a chunker net (${op}): expected ${k} to be a number but got ${shown(d[k])}`,
      );
    }
  }
  for (const k of ["vocab", "hidden", "out", "steps"] as const) {
    if (!Number.isInteger(d[k]) || d[k] < 1) {
      throw new RangeError(
        `Cannot run a chunker net (${op}): ${k} must be a positive integer, got ${d[k]}`,
      );
    }
  }
  if (d.label !== 0 && d.label !== 1) {
    throw new RangeError(
      `Cannot run a chunker net (${op}): label must be 0 or 1, got ${d.label}`,
    );
  }
  // Past these the parameter count leaves the f32-indexable range (the vocabulary is one-hot).
  if (d.vocab > 65536 || d.steps > 2 ** 24) {
    throw new RangeError(
      `Cannot run a chunker net (${op}) with vocab ${d.vocab} and ${d.steps} steps: expected ` +
        `at most 65536 symbols and ${2 ** 24} steps`,
    );
  }
  if (d.hidden > 256 || d.out > 256) {
    throw new RangeError(
      `Cannot run a chunker net (${op}) with hidden ${d.hidden} and out ${d.out}: expected at ` +
        "most 256 each",
    );
  }
}

/** Time steps per dispatch so that one invocation stays within the loop budget. */
export function chunkerSliceSteps(perStep: number): number {
  const steps = Math.floor((gpu().maxLoopIterations - 1) / perStep);
  if (steps < 1) {
    throw new RangeError(
      `Cannot run a chunker net: one time step needs ${perStep} loop ` +
        `iterations, past this adapter's limit of ${gpu().maxLoopIterations}`,
    );
  }
  return steps;
}

/**
 * Forward and BPTT of S sequences (one net each), recorded as time slices
 * that fit the adapter's loop budget (forward: split by the program runner;
 * backward: from the last slice down); no host sync.
 *
 * @throws {TypeError} when an array's length disagrees with the dims.
 * @throws {RangeError} for invalid dims or symbols out of range.
 */
export function chunkerBptt(dims: ChunkerNetDims, batch: ChunkerBatch): ChunkerBpttResult {
  const op = "chunkerBptt";
  checkDims(dims, op);
  checkObject(op, "the batch", batch);
  checkFiniteList(op, "params", checkTyped(op, "params", batch.params, Float32Array));
  checkFiniteList(op, "h0", checkTyped(op, "h0", batch.h0, Float32Array));
  checkTyped(op, "inputs", batch.inputs, Int32Array);
  checkTyped(op, "targets", batch.targets, Int32Array);
  checkFiniteList(op, "ceWeight", checkTyped(op, "ceWeight", batch.ceWeight, Float32Array));
  if (batch.labelTarget !== undefined) {
    checkFiniteList(
      op,
      "labelTarget",
      checkTyped(op, "labelTarget", batch.labelTarget, Float32Array),
    );
  }
  const { hidden: H, out: O, steps: T, vocab: V } = dims;
  const P = chunkerParamCount(dims);
  const S = batch.h0.length / H;
  const expect: [string, number, number][] = [
    ["params", batch.params.length, S * P],
    ["inputs", batch.inputs.length, S * T],
    ["targets", batch.targets.length, S * T],
    ["ceWeight", batch.ceWeight.length, S * T],
    ["labelTarget", batch.labelTarget?.length ?? S * T, S * T],
  ];
  if (!Number.isInteger(S) || S < 1) {
    throw new TypeError(
      `Cannot run chunker BPTT (chunkerBptt): h0 has ${batch.h0.length} values, expected a ` +
        `positive multiple of H = ${H}`,
    );
  }
  for (const [name, got, want] of expect) {
    if (got !== want) {
      throw new TypeError(
        `Cannot run chunker BPTT on ${S} sequences of ${T} steps: ${name} has ${got} values, ` +
          `expected ${want}`,
      );
    }
  }
  // One time step of each kernel must fit the loop budget (checked before any allocation).
  chunkerSliceSteps(chunkerForwardLoopsPerStep(dims));
  chunkerSliceSteps(chunkerBackwardLoopsPerStep(dims));
  for (
    const [name, arr, n] of [["inputs", batch.inputs, V], ["targets", batch.targets, O]] as const
  ) {
    for (const x of arr) {
      if (!(x >= 0 && x < n)) {
        throw new RangeError(
          `Cannot run chunker BPTT (chunkerBptt): ${name} holds ${x}, expected values in [0, ${n})`,
        );
      }
    }
  }
  const hsInit = new Float32Array(S * (T + 1) * H);
  for (let s = 0; s < S; s++) hsInit.set(batch.h0.subarray(s * H, (s + 1) * H), s * (T + 1) * H);
  const params = tensor(batch.params, [S, P]);
  const inputs = tensor(batch.inputs, [S, T], { dtype: "i32" });
  const targets = tensor(batch.targets, [S, T], { dtype: "i32" });
  const cew = tensor(batch.ceWeight, [S, T]);
  const labt = tensor(batch.labelTarget ?? new Float32Array(S * T).fill(-1), [S, T]);
  const out: ChunkerBpttResult = {
    hs: tensor(hsInit, [S, T + 1, H]),
    logits: emptyLike([S, T, O], "f32", "chunker logits"),
    labels: emptyLike([S, T], "f32", "chunker labels"),
    grads: zeros([S, P]),
  };
  const carry = zeros([S, H]);
  const workgroups = Math.ceil(S / 64);
  const sizes = chunkerSizes(dims);
  const shared = chunkerUniforms(dims, S);
  dispatch(CHUNKER_FORWARD, {
    sizes,
    uniforms: { ...shared, t_begin: 0, t_end: 0 },
    buffers: {
      params: params.buffer,
      inputs: inputs.buffer,
      hs: out.hs.buffer,
      logits: out.logits.buffer,
      labels: out.labels.buffer,
    },
    workgroups,
    steps: T,
  });
  // BPTT walks back in time: slices from the end down, each as long as the budget allows.
  const slice = maxStepsPerLaunch(CHUNKER_BACKWARD, sizes, T);
  for (let end = T; end > 0; end -= slice) {
    const first = Math.max(0, end - slice);
    dispatch(CHUNKER_BACKWARD, {
      sizes,
      uniforms: { ...shared, first, count: end - first },
      buffers: {
        params: params.buffer,
        inputs: inputs.buffer,
        targets: targets.buffer,
        cew: cew.buffer,
        labt: labt.buffer,
        hs: out.hs.buffer,
        logits: out.logits.buffer,
        labels: out.labels.buffer,
        carry: carry.buffer,
        grads: out.grads.buffer,
      },
      workgroups,
      steps: end - first,
    });
  }
  for (const t of [params, inputs, targets, cew, labt, carry]) t.dispose();
  return out;
}
