/**
 * The linear recurrence h_t = a_t ⊙ h_{t−1} + b_t, the substrate every
 * causal-bank mode reduces to: frozen and learned decay banks, retention over a
 * flattened memory, gated keep/write recurrences, and (complex, |a| ≤ 1)
 * oscillatory banks. Two forms compute the same thing:
 *
 * - `"sequential"`: one invocation per (sequence, channel) loops over t,
 *   split over dispatches (carrying the state) to stay within the adapter's
 *   loop budget;
 * - `"chunked"`: division-free. Phase 1 composes, inside each chunk of K
 *   steps, the prefix affine maps (A_i, B_i) (h_i = A_i·h_in + B_i, products
 *   taken forward, never divided); phase 2 scans the chunk summaries, with the
 *   same chunked scan applied recursively (a K-ary tree, O(T) work in all)
 *   until one chunk holds them, then sequentially; phase 3 applies each
 *   chunk's carried-in state in parallel.
 *
 * The original's chunked scan (asuramaya/decepticons `_chunked_recurrence_scan`)
 * divides by the in-chunk cumulative gate product clamped at 1e−8, which is
 * wrong by O(1) once that product falls below 1e−8 (uniform gates below
 * ≈ 0.5623 with K = 32); nothing here divides.
 *
 * The backward pass is the adjoint recurrence λ_t = conj(a_{t+1})·λ_{t+1} + g_t,
 * run by the same kernels in reverse time, then ∂L/∂a_t = λ_t·conj(h_{t−1}),
 * ∂L/∂b_t = λ_t and ∂L/∂h_init = conj(a_0)·λ_0.
 *
 * @example One channel, gate 0.5, input 1: h = 1, 1.5, 1.75
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { linearRecurrence } from "./linear_recurrence.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const a = tensor([0.5, 0.5, 0.5], [1, 3, 1]);
 * const b = tensor([1, 1, 1], [1, 3, 1]);
 * const { h, finalState } = linearRecurrence(a, b, { method: "chunked", chunk: 2 });
 * deepStrictEqual(Array.from(await h.toArray()), [1, 1.5, 1.75]);
 * deepStrictEqual(Array.from(await finalState.toArray()), [1.75]);
 * for (const t of [a, b, h, finalState]) t.dispose();
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { assertLoopBudget } from "../../gpu/batch.ts";
import { dispatch } from "../../gpu/program.ts";
import { recordOp } from "../../autograd.ts";
import {
  assertDType,
  assertLive,
  emptyLike,
  formatShape,
  type Tensor,
  zeros,
} from "../../tensor.ts";
import { reshape } from "../../ops/reshape.ts";
import { concat } from "../../ops/concat.ts";
import { SCAN_SEQUENTIAL } from "./kernels/sequential.ts";
import { SCAN_CHUNK_LOCAL } from "./kernels/chunk_local.ts";
import { SCAN_CHUNK_APPLY } from "./kernels/chunk_apply.ts";
import { SCAN_GRAD } from "./kernels/grad.ts";
import { checkObject, checkTensor, shown } from "../../validate.ts";

/** How the recurrence is evaluated. */
export type ScanMethod = "sequential" | "chunked";

/** The scan methods, for validation messages and loops in tests. */
export const SCAN_METHODS: readonly ScanMethod[] = ["sequential", "chunked"];

/** Default chunk length of the chunked form (the original's K = 32). */
export const DEFAULT_SCAN_CHUNK = 32;

/** Options of {@link linearRecurrence}. */
export interface LinearRecurrenceOptions {
  /** Evaluation form; default `"chunked"`. */
  method?: ScanMethod;
  /** Chunk length K of the chunked form (any K ≥ 1; it need not divide T); default 32. */
  chunk?: number;
  /** State before step 0, [B, C] (complex: [B, C, 2]); default zero. */
  initialState?: Tensor;
  /** Values are complex, stored as interleaved (re, im) pairs in a last axis of 2. */
  complex?: boolean;
  /**
   * Most steps one sequential dispatch may run (default: the adapter's loop
   * budget less 2); longer sequences split over dispatches, carrying the state.
   */
  maxStepsPerDispatch?: number;
}

/** Outputs of {@link linearRecurrence}. */
export interface LinearRecurrenceResult {
  /** Every state h_t, [B, T, C] (complex: [B, T, C, 2]). */
  h: Tensor;
  /** h_{T−1}, [B, C] (complex: [B, C, 2]): pass it as the next call's `initialState`. */
  finalState: Tensor;
}

const WG = 64;

/** A resolved scan: sizes, element width and form. */
interface ScanPlan {
  nb: number;
  T: number;
  C: number;
  w: 1 | 2;
  method: ScanMethod;
  K: number;
  segment: number;
}

/** Buffers of one scan: gates, inputs, optional initial state, outputs. */
interface ScanBuffers {
  a: GPUBuffer;
  b: GPUBuffer;
  init: GPUBuffer | null;
  h: GPUBuffer;
  state: GPUBuffer;
}

/** Loop-header evaluations of one sequential invocation over `steps` steps. */
export function sequentialLoops(steps: number): number {
  return SCAN_SEQUENTIAL.loopIterations!({ w: 1 }, steps);
}

/** Loop-header evaluations of one chunked phase-1 invocation with chunk length `k`. */
export function chunkLocalLoops(k: number): number {
  return SCAN_CHUNK_LOCAL.loopIterations!({ w: 1 }, k);
}

/**
 * Records one scan (forward, or the adjoint in reverse time when `rev`) into
 * `buf.h` and `buf.state`. No validation: {@link linearRecurrence} validates.
 */
function recordScan(p: ScanPlan, buf: ScanBuffers, rev: boolean): void {
  const { nb, T, C, w } = p;
  if (T === 0 || nb * C === 0) return;
  const init = buf.init ?? undefined;
  if (p.method === "sequential") {
    // Segments of the caller's length (the runner would split a longer one itself).
    for (let s0 = 0; s0 < T; s0 += p.segment) {
      dispatch(SCAN_SEQUENTIAL, {
        sizes: { w },
        uniforms: { nb, T, C, rev: rev ? 1 : 0, use_init: init ? 1 : 0 },
        buffers: { ga: buf.a, gb: buf.b, init, h: buf.h, state: buf.state },
        workgroups: Math.ceil((nb * C) / WG),
        steps: Math.min(T, s0 + p.segment) - s0,
        firstStep: s0,
      });
    }
    return;
  }
  const K = Math.min(p.K, T);
  const nC = Math.ceil(T / K);
  const apre = emptyLike([nb, T, C, w], "f32", "scan prefix products");
  const sumA = emptyLike([nb, nC, C, w], "f32", "scan chunk gates");
  const sumB = emptyLike([nb, nC, C, w], "f32", "scan chunk inputs");
  const carry = emptyLike([nb, nC, C, w], "f32", "scan chunk states");
  const carryState = emptyLike([nb, C, w], "f32", "scan chunk final");
  try {
    dispatch(SCAN_CHUNK_LOCAL, {
      sizes: { w },
      uniforms: { nb, T, C, rev: rev ? 1 : 0, K, nC },
      buffers: {
        ga: buf.a,
        gb: buf.b,
        apre: apre.buffer,
        h: buf.h,
        sum_a: sumA.buffer,
        sum_b: sumB.buffer,
      },
      workgroups: Math.ceil((nb * nC * C) / WG),
      steps: K,
    });
    if (nC > 1) {
      // Phase 2: the summaries form a recurrence of their own, in forward order, scanned
      // by the same method with chunks of at least 2 (so each level shrinks) until one
      // chunk holds them.
      const subK = Math.max(K, 2);
      const sub: ScanPlan = {
        ...p,
        T: nC,
        K: subK,
        method: nC > subK ? "chunked" : "sequential",
      };
      recordScan(sub, {
        a: sumA.buffer,
        b: sumB.buffer,
        init: buf.init,
        h: carry.buffer,
        state: carryState.buffer,
      }, false);
    }
    dispatch(SCAN_CHUNK_APPLY, {
      sizes: { w },
      uniforms: { nb, T, C, rev: rev ? 1 : 0, K, nC, use_init: init ? 1 : 0 },
      buffers: { apre: apre.buffer, init, carry: carry.buffer, h: buf.h, state: buf.state },
      workgroups: Math.ceil((nb * T * C) / WG),
    });
  } finally {
    for (const t of [apre, sumA, sumB, carry, carryState]) t.dispose();
  }
}

function plan(
  a: Tensor,
  b: Tensor,
  options: LinearRecurrenceOptions,
): ScanPlan {
  const op = "linearRecurrence";
  checkTensor(op, "gates", a, "f32");
  checkTensor(op, "inputs", b, "f32");
  if (options !== undefined) checkObject(op, "the options", options);
  if (options.initialState !== undefined) {
    checkTensor(op, "initialState", options.initialState, "f32");
  }
  if (options.complex !== undefined && typeof options.complex !== "boolean") {
    throw new TypeError(
      `Cannot run ${op}: expected complex to be a boolean but got ${shown(options.complex)}`,
    );
  }
  const complex = options.complex ?? false;
  const w: 1 | 2 = complex ? 2 : 1;
  // undefined means the default; null is no method.
  const method = options.method === undefined ? "chunked" : options.method;
  const init = options.initialState;
  for (const [t, which] of [[a, "gates"], [b, "inputs"]] as const) {
    assertLive(t, "linearRecurrence", which);
    assertDType(t, "f32", "linearRecurrence", which);
  }
  if (init) {
    assertLive(init, "linearRecurrence", "initialState");
    assertDType(init, "f32", "linearRecurrence", "initialState");
  }
  const shapes = () =>
    `gates ${formatShape(a.shape)} and inputs ${formatShape(b.shape)}` +
    (init ? ` with initialState ${formatShape(init.shape)}` : "");
  const rank = complex ? 4 : 3;
  const layout = complex ? "[B, T, C, 2]" : "[B, T, C]";
  if (a.rank !== rank || b.rank !== rank) {
    throw new TypeError(
      `Cannot run linearRecurrence on ${shapes()}: ${complex ? "complex" : "real"} gates and ` +
        `inputs must both be ${layout}`,
    );
  }
  if (a.shape.join() !== b.shape.join()) {
    throw new TypeError(
      `Cannot run linearRecurrence on ${shapes()}: gates and inputs must have the same shape`,
    );
  }
  if (complex && a.shape[3] !== 2) {
    throw new TypeError(
      `Cannot run linearRecurrence on ${shapes()}: complex values need a last axis of 2 (re, im)`,
    );
  }
  const [nb, T, C] = a.shape as [number, number, number];
  const stateShape = complex ? [nb, C, 2] : [nb, C];
  if (init && init.shape.join() !== stateShape.join()) {
    throw new TypeError(
      `Cannot run linearRecurrence on ${shapes()}: initialState must be ` +
        `${formatShape(stateShape)}`,
    );
  }
  if (T < 1) {
    throw new RangeError(`Cannot run linearRecurrence on ${shapes()}: T must be >= 1`);
  }
  if (!SCAN_METHODS.includes(method)) {
    throw new RangeError(
      `Cannot run linearRecurrence with method "${method}": expected one of ` +
        SCAN_METHODS.map((m) => `"${m}"`).join(", "),
    );
  }
  const budget = gpu().maxLoopIterations;
  const K = options.chunk ?? DEFAULT_SCAN_CHUNK;
  if (!Number.isInteger(K) || K < 1 || chunkLocalLoops(K) > budget) {
    throw new RangeError(
      `Cannot run linearRecurrence with chunk = ${K}: expected an integer in [1, ${budget - 1}] ` +
        `(this adapter's loop budget)`,
    );
  }
  const segment = options.maxStepsPerDispatch ?? budget - 2;
  if (!Number.isInteger(segment) || segment < 1) {
    throw new RangeError(
      `Cannot run linearRecurrence with maxStepsPerDispatch = ${segment}: expected an integer >= 1`,
    );
  }
  if (sequentialLoops(segment) > budget) {
    throw new RangeError(
      `Cannot run linearRecurrence with maxStepsPerDispatch = ${segment}: expected at most ` +
        `${budget - 2} (this adapter's loop budget)`,
    );
  }
  assertLoopBudget(SCAN_SEQUENTIAL.name, sequentialLoops(segment));
  return { nb, T, C, w, method, K, segment };
}

/**
 * Runs h_t = a_t ⊙ h_{t−1} + b_t over every sequence and channel, with h_{−1}
 * the initial state (default 0). Differentiable in the gates, the inputs and
 * the initial state. Any gate values compute (the sum is exact in exact
 * arithmetic for every form); the recurrence is stable for |a| ≤ 1, where
 * ‖h_t‖ ≤ ‖h_{−1}‖ + max‖b‖/(1 − max|a|).
 *
 * @param a gates [B, T, C] (complex: [B, T, C, 2])
 * @param b inputs, same shape
 * @returns every state and the final state (the next call's initial state:
 *   two calls carrying it equal one long call)
 * @throws {TypeError} when the shapes disagree, naming the op and the shapes.
 * @throws {RangeError} for T = 0, an unknown method, or a chunk or segment
 *   length outside [1, the adapter's loop budget].
 */
export function linearRecurrence(
  a: Tensor,
  b: Tensor,
  options: LinearRecurrenceOptions = {},
): LinearRecurrenceResult {
  const p = plan(a, b, options);
  const init = options.initialState ?? null;
  const shape = a.shape;
  const h = emptyLike(shape, "f32", "linearRecurrence h");
  const state = emptyLike([p.nb, p.C, p.w], "f32", "linearRecurrence state");
  recordScan(p, {
    a: a.buffer,
    b: b.buffer,
    init: init?.buffer ?? null,
    h: h.buffer,
    state: state.buffer,
  }, false);
  const inputs = init ? [a, b, init] : [a, b];
  recordOp(h, "linearRecurrence", inputs, (g) => {
    // The states h_{t−1} enter ∂L/∂a: reuse h when the caller still holds it, else recompute.
    let hs = h;
    if (h.disposed) {
      hs = emptyLike(shape, "f32", "linearRecurrence h (recomputed)");
      const st = emptyLike([p.nb, p.C, p.w], "f32", "linearRecurrence state");
      recordScan(p, {
        a: a.buffer,
        b: b.buffer,
        init: init?.buffer ?? null,
        h: hs.buffer,
        state: st.buffer,
      }, false);
    }
    const lam = emptyLike(shape, "f32", "linearRecurrence adjoint");
    const lamState = emptyLike([p.nb, p.C, p.w], "f32", "linearRecurrence adjoint state");
    recordScan(
      p,
      { a: a.buffer, b: g.buffer, init: null, h: lam.buffer, state: lamState.buffer },
      true,
    );
    const da = emptyLike(shape, "f32", "linearRecurrence gate grad");
    const dinit = emptyLike(
      init ? init.shape : [p.nb, p.C, p.w],
      "f32",
      "linearRecurrence init grad",
    );
    dispatch(SCAN_GRAD, {
      sizes: { w: p.w },
      uniforms: { nb: p.nb, T: p.T, C: p.C, use_init: init ? 1 : 0 },
      buffers: {
        ga: a.buffer,
        h: hs.buffer,
        init: init?.buffer,
        lam: lam.buffer,
        da: da.buffer,
        dinit: dinit.buffer,
      },
      workgroups: Math.ceil((p.nb * p.T * p.C + p.nb * p.C) / WG),
    });
    return init ? [da, lam, dinit] : [da, lam];
  });
  // The final state is h_{T−1}: its gradient flows into h at the last step.
  const finalState = reshape(state, p.w === 2 ? [p.nb, p.C, 2] : [p.nb, p.C]);
  state.dispose();
  recordOp(finalState, "linearRecurrence finalState", [h], (g) => {
    const gs = reshape(g, p.w === 2 ? [p.nb, 1, p.C, 2] : [p.nb, 1, p.C]);
    if (p.T === 1) return [gs];
    const before = zeros(p.w === 2 ? [p.nb, p.T - 1, p.C, 2] : [p.nb, p.T - 1, p.C]);
    return [concat([before, gs], 1)];
  });
  return { h, finalState };
}
