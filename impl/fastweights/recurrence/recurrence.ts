/**
 * The fused fast-weight recurrence: gated rank-1 writes
 * W_t = W_{t−1} + η g_t v_t k_tᵀ over all T steps of a batch of sequences, then
 * one read y = W_{T−1} q, forward and backward each in ONE dispatch (the loop
 * over t runs inside the shader; see the programs in ./kernels/forward.ts and
 * ./kernels/backward.ts).
 *
 * {@link fastWeightRecall} is the autograd op. {@link recordScanForward} and
 * {@link recordScanBackward} are the raw recorders the mechanisms use with
 * their own buffers (per-episode lengths, the query taken at the last step,
 * an initial state, the state history).
 *
 * @example Two writes, one read
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { fastWeightRecall } from "./recurrence.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const keys = tensor([1, 0, 0, 1], [1, 2, 2]);      // k_0 = e_0, k_1 = e_1
 * const values = tensor([3, 4], [1, 2, 1]);           // v_0 = 3, v_1 = 4
 * const gates = tensor([1, 1], [1, 2]);
 * const query = tensor([0, 1], [1, 2]);               // reads back v_1
 * const y = fastWeightRecall(keys, values, gates, query, 1);
 * deepStrictEqual(Array.from(await y.toArray()), [4]);
 * for (const t of [keys, values, gates, query, y]) t.dispose();
 * ```
 *
 * @module
 */
import { assertLoopBudget } from "../../gpu/batch.ts";
import { dispatch } from "../../gpu/program.ts";
import { recordOp } from "../../autograd.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../../tensor.ts";
import { SCAN_FORWARD, scanForwardLoops } from "./kernels/forward.ts";
import { SCAN_BACKWARD, scanBackwardLoops } from "./kernels/backward.ts";

import { checkReal, checkTensor } from "../../validate.ts";
export { scanBackwardLoops, scanForwardLoops };

/** Where a recurrence reads its inputs: `n` sequences padded to `tm` steps. */
export interface ScanInputs {
  /** Sequences n (episodes of the batch). */
  n: number;
  /**
   * Padded steps per sequence tm: the time axis of `keys`, `values` and `gates` (every T_n ≤ tm).
   */
  tm: number;
  /** Key size d_k: the columns of the state W [d_v, d_k]. */
  keyDim: number;
  /** Value size d_v: the rows of the state W. */
  valueDim: number;
  /** Write strength η of every write W += (η·g_t)·v_t k_tᵀ. */
  eta: number;
  /** Keys k_t, [n, tm, d_k]. */
  keys: Tensor;
  /** Values v_t, [n, tm, d_v]. */
  values: Tensor;
  /** Write gates g_t, [n, tm]; steps past a sequence's length are ignored. */
  gates: Tensor;
  /** [n, d_k], or [n, tm, d_k] read at each sequence's last step when `queryAtLast`. */
  queries: Tensor;
  /**
   * True: each sequence reads with the query at its last step T_n − 1 of `queries`
   * [n, tm, d_k] (the unknown-delay recall); false: with `queries` [n, d_k].
   */
  queryAtLast: boolean;
  /** Steps per sequence (u32 [n]); null: every sequence has `steps` (default `tm`) steps. */
  lens: Tensor | null;
  /** Steps of every sequence when `lens` is null; default `tm`. 0 reads the initial state. */
  steps?: number;
}

/** Outputs of {@link recordScanForward}. */
export interface ScanForwardOutputs {
  /** [n, d_v]. */
  y: Tensor;
  /** Final state [n, d_v, d_k]. */
  w: Tensor;
  /** State after every step [n, tm, d_v, d_k], or null. */
  hist: Tensor | null;
  /** Initial state [n, d_v, d_k], or null for zero. */
  w0?: Tensor | null;
}

/** Outputs of {@link recordScanBackward}. */
export interface ScanBackwardOutputs {
  /** ∂L/∂y [n, d_v] (input). */
  dy: Tensor;
  /** ∂L/∂k_t [n, tm, d_k] (output; zero past each sequence's length). */
  dKeys: Tensor;
  /** ∂L/∂v_t [n, tm, d_v] (output; zero past each sequence's length). */
  dValues: Tensor;
  /** ∂L/∂g_t [n, tm] (output; zero past each sequence's length). */
  dGates: Tensor;
  /**
   * ∂L/∂q [n, d_k] (output): of the one query each sequence reads (its last step's with
   * `queryAtLast`).
   */
  dQuery: Tensor;
}

const WG = 64;

/** Records the forward recurrence into `out` (one dispatch). */
export function recordScanForward(inp: ScanInputs, out: ScanForwardOutputs): void {
  dispatch(SCAN_FORWARD, {
    sizes: { keyDim: inp.keyDim, valueDim: inp.valueDim, history: out.hist !== null },
    uniforms: {
      n: inp.n,
      tm: inp.tm,
      fixed_t: inp.steps ?? inp.tm,
      use_lens: inp.lens ? 1 : 0,
      q_at_last: inp.queryAtLast ? 1 : 0,
      use_init: out.w0 ? 1 : 0,
      store_hist: out.hist ? 1 : 0,
      eta: inp.eta,
    },
    buffers: {
      keys: inp.keys.buffer,
      vals: inp.values.buffer,
      gates: inp.gates.buffer,
      qs: inp.queries.buffer,
      lens: inp.lens?.buffer,
      w0: out.w0?.buffer,
      ys: out.y.buffer,
      ws: out.w.buffer,
      hist: out.hist?.buffer,
    },
    workgroups: Math.ceil((inp.n * inp.valueDim) / WG),
    steps: inp.tm,
  });
}

/** Records the backward recurrence (one dispatch): head gradients from ∂L/∂y. */
export function recordScanBackward(inp: ScanInputs, out: ScanBackwardOutputs): void {
  dispatch(SCAN_BACKWARD, {
    sizes: { keyDim: inp.keyDim, valueDim: inp.valueDim },
    uniforms: {
      n: inp.n,
      tm: inp.tm,
      fixed_t: inp.steps ?? inp.tm,
      use_lens: inp.lens ? 1 : 0,
      q_at_last: inp.queryAtLast ? 1 : 0,
      eta: inp.eta,
    },
    buffers: {
      keys: inp.keys.buffer,
      vals: inp.values.buffer,
      gates: inp.gates.buffer,
      qs: inp.queries.buffer,
      lens: inp.lens?.buffer,
      dys: out.dy.buffer,
      dkeys: out.dKeys.buffer,
      dvals: out.dValues.buffer,
      dgates: out.dGates.buffer,
      dqs: out.dQuery.buffer,
    },
    workgroups: Math.ceil((inp.n * inp.tm + inp.n * inp.keyDim) / WG),
    steps: inp.tm,
  });
}

/**
 * Gated fast-weight writes over a sequence, then one read:
 * y[n] = (Σ_t η g[n,t] v[n,t] k[n,t]ᵀ) q[n]. Differentiable in every input.
 *
 * @param keys [N, T, d_k]
 * @param values [N, T, d_v]
 * @param gates [N, T]
 * @param query [N, d_k]
 * @param eta write strength η
 * @returns y [N, d_v]
 * @throws {TypeError} when the shapes disagree, naming the op and the shapes.
 * @throws {RangeError} when η is not finite, or T is too long for one invocation's loop
 *   budget on this adapter (llvmpipe: about 65,535 / (d_k + 1) steps).
 */
export function fastWeightRecall(
  keys: Tensor,
  values: Tensor,
  gates: Tensor,
  query: Tensor,
  eta: number,
): Tensor {
  for (
    const [t, which] of [[keys, "keys"], [values, "values"], [gates, "gates"], [query, "query"]]
  ) {
    checkTensor("fastWeightRecall", which as string, t, "f32");
  }
  checkReal("fastWeightRecall", "eta", eta);
  for (
    const [t, which] of [[keys, "keys"], [values, "values"], [gates, "gates"], [
      query,
      "query",
    ]] as const
  ) assertDType(t, "f32", "fastWeightRecall", which);
  const bad = (why: string) =>
    new TypeError(
      `Cannot fastWeightRecall tensors of shapes keys ${formatShape(keys.shape)}, values ` +
        `${formatShape(values.shape)}, gates ${formatShape(gates.shape)} and query ` +
        `${formatShape(query.shape)}: ${why}`,
    );
  if (keys.rank !== 3 || values.rank !== 3 || gates.rank !== 2 || query.rank !== 2) {
    throw bad("expected ranks 3, 3, 2 and 2");
  }
  const [n, T, dk] = keys.shape as [number, number, number];
  const dv = values.shape[2]!;
  if (values.shape[0] !== n || values.shape[1] !== T) {
    throw bad(`values must be [${n}, ${T}, d_v]`);
  }
  if (gates.shape[0] !== n || gates.shape[1] !== T) throw bad(`gates must be [${n}, ${T}]`);
  if (query.shape[0] !== n || query.shape[1] !== dk) throw bad(`query must be [${n}, ${dk}]`);
  if (dk < 1 || dv < 1 || dk > 256 || dv > 4096) {
    throw bad("key size must be in [1, 256] and value size in [1, 4096]");
  }
  if (!Number.isFinite(eta)) {
    throw new RangeError(`Cannot fastWeightRecall with eta = ${eta}: expected a finite number`);
  }
  // Forward and backward loop over t inside one invocation: refuse lengths the
  // adapter would silently truncate, before any GPU work.
  assertLoopBudget("fastweights_scan_forward", scanForwardLoops(T, dk, false));
  assertLoopBudget("fastweights_scan_backward", scanBackwardLoops(T, dk, dv));
  const inputs: ScanInputs = {
    n,
    tm: T,
    keyDim: dk,
    valueDim: dv,
    eta,
    keys,
    values,
    gates,
    queries: query,
    queryAtLast: false,
    lens: null,
  };
  const y = emptyLike([n, dv], "f32", "fastWeightRecall y");
  const w = emptyLike([n, dv, dk], "f32", "fastWeightRecall state");
  recordScanForward(inputs, { y, w, hist: null });
  w.dispose();
  return recordOp(y, "fastWeightRecall", [keys, values, gates, query], (g) => {
    const grads = {
      dy: g,
      dKeys: emptyLike(keys.shape, "f32", "fastWeightRecall dKeys"),
      dValues: emptyLike(values.shape, "f32", "fastWeightRecall dValues"),
      dGates: emptyLike(gates.shape, "f32", "fastWeightRecall dGates"),
      dQuery: emptyLike(query.shape, "f32", "fastWeightRecall dQuery"),
    };
    recordScanBackward(inputs, grads);
    return [grads.dKeys, grads.dValues, grads.dGates, grads.dQuery];
  });
}
