/**
 * Runs a substrate over whole token sequences on the GPU with the fused
 * recurrence kernels (kernels/reservoir.ts for echo-state,
 * hierarchical and the mixed reservoir branch; kernels/linear.ts
 * for delay, linear, oscillatory and the mixed delay branch). The loop over t
 * runs inside the shader; a sequence longer than the adapter's loop budget
 * allows in one invocation is split by the program runner over several
 * launches that carry the state through a buffer.
 *
 * @example A delay line on the GPU
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { delayLine } from "./build.ts";
 * import { runSubstrate } from "./gpu.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const d = delayLine({ length: 3, dim: 2, vocab: 4 });
 * const r = runSubstrate(d, [1, 2, 3], { batch: 1 });
 * const h = await r.states.toArray();
 * // After three tokens the last slot holds token 1's embedding (d = 1).
 * ok(Math.abs(h[2 * 6 + 4]! - Math.fround(d.emb[2]!)) === 0);
 * r.states.dispose();
 * r.final.dispose();
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { dispatch, type Program, type Sizes } from "../../gpu/program.ts";
import { emptyLike, type Tensor, tensor } from "../../tensor.ts";
import { reservoirSizes, SUBSTRATE_RESERVOIR } from "./kernels/reservoir.ts";
import { SUBSTRATE_COPY } from "./kernels/copy.ts";
import { SUBSTRATE_LINEAR } from "./kernels/linear.ts";
import {
  checkSubstrate,
  type ReservoirLayer,
  stateDimOf as stateDim,
  type Substrate,
} from "./build.ts";
import { checkFiniteList, checkList, checkObject, shown } from "../../validate.ts";

export { reservoirLoops } from "./kernels/reservoir.ts";
export { linearLoops } from "./kernels/linear.ts";
export { paddedLoops } from "./kernels/loops.ts";

/** Options of {@link runSubstrate}. */
export interface RunOptions {
  /** Sequences; `tokens` holds batch·T ids row-major. */
  batch: number;
  /** Initial unit state [batch, units] (f64, rounded to f32), or zero. */
  init?: Float64Array;
  /** Initial hierarchical phase (0 after a fresh state). */
  phase?: number;
}

/** Result of {@link runSubstrate}. */
export interface RunResult {
  /** Unit states after every token [batch, T, units] (no phase entry). */
  states: Tensor;
  /** Final unit state [batch, units]. */
  final: Tensor;
  /** The hierarchical phase after the run (0 for other substrates). */
  phase: number;
}

/** Number of units on the GPU: the state size without the hierarchical phase. */
export function unitCount(s: Substrate): number {
  checkSubstrate("unitCount", s);
  return unitsOf(s);
}

/** {@link unitCount} of a substrate already checked. */
function unitsOf(s: Substrate): number {
  return s.kind === "hierarchical" ? stateDim(s) - 1 : stateDim(s);
}

/**
 * Throws when one step of `program` alone loops past the adapter's budget (the runner
 * splits longer runs at step boundaries, so one step must fit).
 */
function assertOneStepFits<S extends Sizes>(program: Program<S>, sizes: S, name: string): void {
  if ((program.loopIterations?.(sizes, 1) ?? 0) > gpu().maxLoopIterations) {
    throw new RangeError(`Cannot run ${name}: one step exceeds the adapter's loop budget`);
  }
}

/** Coefficients [N, 2], predecessors [N, 2] and per-token input [V, N] of a linear substrate. */
export function linearTables(
  s: Substrate & { kind: "delay" | "linear" | "oscillatory" },
): { coef: Float64Array; pred: Uint32Array; input: Float64Array; n: number } {
  const n = stateDim(s);
  const V = s.vocab;
  const E = s.dim;
  const coef = new Float64Array(2 * n);
  const pred = new Uint32Array(2 * n);
  const input = new Float64Array(V * n);
  for (let i = 0; i < n; i++) pred[2 * i] = pred[2 * i + 1] = i;
  if (s.kind === "delay") {
    for (let i = E; i < n; i++) {
      coef[2 * i] = s.decay;
      pred[2 * i] = i - E;
    }
    for (let v = 0; v < V; v++) for (let e = 0; e < E; e++) input[v * n + e] = s.emb[v * E + e]!;
  } else if (s.kind === "linear") {
    s.decays.forEach((d, k) => {
      for (let e = 0; e < E; e++) coef[2 * (k * E + e)] = d;
      for (let v = 0; v < V; v++) {
        for (let e = 0; e < E; e++) input[v * n + k * E + e] = s.emb[v * E + e]!;
      }
    });
  } else {
    const K = s.decays.length;
    const M = s.damping.length;
    const proj = (q: Float64Array, v: number, a: number) => {
      let acc = 0;
      for (let b = 0; b < E; b++) acc += q[a * E + b]! * s.emb[v * E + b]!;
      return acc;
    };
    for (let k = 0; k < K; k++) {
      for (let a = 0; a < E; a++) {
        coef[2 * (k * E + a)] = s.decays[k]!;
        for (let v = 0; v < V; v++) input[v * n + k * E + a] = proj(s.q[k]!, v, a);
      }
    }
    for (let j = 0; j < M; j++) {
      const th = (2 * Math.PI) / s.periods[j]!;
      const r = s.damping[j]!;
      const co = (K + 2 * j) * E;
      for (let a = 0; a < E; a++) {
        const ci = co + a;
        const si = co + E + a;
        coef[2 * ci] = r * Math.cos(th);
        coef[2 * ci + 1] = -r * Math.sin(th);
        pred[2 * ci + 1] = si;
        coef[2 * si] = r * Math.cos(th);
        coef[2 * si + 1] = r * Math.sin(th);
        pred[2 * si + 1] = ci;
        for (let v = 0; v < V; v++) {
          input[v * n + ci] = proj(s.q[K + j]!, v, a);
          input[v * n + si] = proj(s.q[K + M + j]!, v, a);
        }
      }
    }
  }
  return { coef, pred, input, n };
}

/** Token-major drive [V, N] and concatenated W / Up of a reservoir stack (Up empty for one layer). */
export function reservoirTables(
  layers: readonly ReservoirLayer[],
  V: number,
): { uin: Float64Array; w: Float64Array; up: Float64Array; n: number } {
  const N = layers.reduce((a, l) => a + l.n, 0);
  const uin = new Float64Array(V * N);
  const w: number[] = [];
  const up: number[] = [];
  let off = 0;
  for (const l of layers) {
    for (let i = 0; i < l.n; i++) {
      for (let v = 0; v < V; v++) uin[v * N + off + i] = l.u[i * V + v]!;
    }
    for (const x of l.w) w.push(x);
    if (l.up) { for (const x of l.up) up.push(x); }
    off += l.n;
  }
  return { uin, w: Float64Array.from(w), up: Float64Array.from(up), n: N };
}

interface Branch {
  col: number;
  n: number;
  run(
    tokens: Tensor,
    state: Tensor,
    hist: Tensor,
    batch: number,
    T: number,
    rowStride: number,
  ): void;
  dispose(): void;
}

function reservoirBranch(
  layers: readonly ReservoirLayer[],
  V: number,
  col: number,
  phase0: number,
): Branch {
  const sizes = reservoirSizes(layers);
  assertOneStepFits(SUBSTRATE_RESERVOIR, sizes, "reservoir substrate");
  const tb = reservoirTables(layers, V);
  const w = tensor(tb.w, [tb.w.length]);
  const uin = tensor(tb.uin, [tb.uin.length]);
  // Only stacks (more than one layer) have upward weights; the kernel reads none otherwise.
  const up = tb.up.length > 0 ? tensor(tb.up, [tb.up.length]) : null;
  return {
    col,
    n: tb.n,
    run(tokens, state, hist, batch, T, rowStride) {
      // The runner splits T over launches that carry the state (the loop budget).
      dispatch(SUBSTRATE_RESERVOIR, {
        sizes,
        uniforms: { batch, tm: T, phase0, col, row_stride: rowStride },
        buffers: {
          tokens: tokens.buffer,
          w: w.buffer,
          uin: uin.buffer,
          up: up?.buffer,
          state: state.buffer,
          hist: hist.buffer,
        },
        workgroups: batch,
        steps: T,
      });
    },
    dispose: () => [w, uin, up].forEach((b) => b?.dispose()),
  };
}

function linearBranch(
  s: Substrate & { kind: "delay" | "linear" | "oscillatory" },
  col: number,
): Branch {
  const tb = linearTables(s);
  const sizes = { n: tb.n };
  assertOneStepFits(SUBSTRATE_LINEAR, sizes, `${s.kind} substrate`);
  const coef = tensor(tb.coef, [tb.coef.length]);
  const pred = tensor(Int32Array.from(tb.pred), [tb.pred.length]);
  const input = tensor(tb.input, [tb.input.length]);
  return {
    col,
    n: tb.n,
    run(tokens, state, hist, batch, T, rowStride) {
      // The runner splits T over launches that carry the state (the loop budget).
      dispatch(SUBSTRATE_LINEAR, {
        sizes,
        uniforms: { batch, tm: T, col, row_stride: rowStride },
        buffers: {
          tokens: tokens.buffer,
          coef: coef.buffer,
          pred: pred.buffer,
          inp: input.buffer,
          state: state.buffer,
          hist: hist.buffer,
        },
        workgroups: batch,
        steps: T,
      });
    },
    dispose: () => [coef, pred, input].forEach((b) => b.dispose()),
  };
}

/**
 * Runs `s` over `batch` sequences of T = tokens.length / batch ids each.
 *
 * @throws {TypeError} when tokens do not split into `batch` equal rows, or `init` has the wrong size.
 * @throws {RangeError} when a token is outside 0..V−1, or the state is too large (> 2048 units
 *   per branch).
 */
export function runSubstrate(s: Substrate, tokens: ArrayLike<number>, o: RunOptions): RunResult {
  const op = "runSubstrate";
  checkSubstrate(op, s);
  checkList(op, "tokens", tokens);
  checkObject(op, "the options", o);
  if (o.init !== undefined) checkFiniteList(op, "init", o.init);
  for (let i = 0; i < tokens.length; i++) {
    if (typeof tokens[i] !== "number") {
      throw new TypeError(
        `Cannot run ${op}: expected token ${i} to be a number but got ${shown(tokens[i])}`,
      );
    }
  }
  const D = unitsOf(s);
  const B = o.batch;
  if (!Number.isInteger(B) || B < 1 || tokens.length % B !== 0 || tokens.length === 0) {
    throw new TypeError(
      `Cannot run the ${s.kind} substrate (runSubstrate) on ${tokens.length} tokens in ${B} ` +
        "sequences: " +
        "expected a positive multiple of the batch",
    );
  }
  const T = tokens.length / B;
  for (let i = 0; i < tokens.length; i++) {
    const x = tokens[i]!;
    if (!Number.isInteger(x) || x < 0 || x >= s.vocab) {
      throw new RangeError(
        `Cannot run the ${s.kind} substrate (runSubstrate): token ${x} at ${i} is outside ` +
          `0..${s.vocab - 1} (expected a vocabulary id)`,
      );
    }
  }
  if (o.init && o.init.length !== B * D) {
    throw new TypeError(
      `Cannot run the ${s.kind} substrate (runSubstrate): init has ${o.init.length} values, ` +
        `expected [${B}, ${D}]`,
    );
  }
  const phase0 = o.phase ?? 0;
  // The phase is a u32 uniform of the kernel (and counts steps): bounded like one.
  if (!Number.isInteger(phase0) || phase0 < 0 || phase0 > 2 ** 31 - 1) {
    throw new RangeError(
      `Cannot run the ${s.kind} substrate (runSubstrate): phase ${phase0} must be an integer in ` +
        "[0, 2^31 − 1]",
    );
  }
  // Each branch keeps 2 × its units in workgroup memory (16 KiB by default): ≤ 2048 units.
  const sizes = s.kind === "mixed"
    ? [s.esn.n, stateDim(s.delay)]
    : s.kind === "hierarchical"
    ? [D]
    : [stateDim(s)];
  for (const n of sizes) {
    if (n > 2048) {
      throw new RangeError(
        `Cannot run the ${s.kind} substrate (runSubstrate): ${n} units exceed 2048 per branch ` +
          "(expected at most 2048)",
      );
    }
  }
  const branches: { branch: Branch; lo: number }[] = [];
  const add = (b: Branch) => branches.push({ branch: b, lo: b.col });
  if (s.kind === "echo_state") add(reservoirBranch([s.layer], s.vocab, 0, 0));
  else if (s.kind === "hierarchical") add(reservoirBranch(s.layers, s.vocab, 0, phase0));
  else if (s.kind === "mixed") {
    add(reservoirBranch([s.esn], s.vocab, 0, 0));
    add(linearBranch(s.delay, s.esn.n));
  } else add(linearBranch(s, 0));
  const tok = tensor(Int32Array.from(tokens), [B, T], { dtype: "i32" });
  const states = emptyLike([B, T, D], "f32", `${s.kind} states`);
  const final = emptyLike([B, D], "f32", `${s.kind} final state`);
  for (const { branch, lo } of branches) {
    const init = new Float32Array(B * branch.n);
    if (o.init) {
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < branch.n; i++) init[b * branch.n + i] = o.init[b * D + lo + i]!;
      }
    }
    const st = tensor(init, [B, branch.n]);
    branch.run(tok, st, states, B, T, D);
    // Gather the branch's final state into its columns of `final` (last row of the history).
    launchCopyFinal(st, final, B, branch.n, lo, D);
    st.dispose();
    branch.dispose();
  }
  tok.dispose();
  let phase = 0;
  if (s.kind === "hierarchical") {
    const period = s.layers.reduce((a, l) => a * l.stride, 1);
    phase = (phase0 + T) % period;
  }
  return { states, final, phase };
}

function launchCopyFinal(src: Tensor, dst: Tensor, B: number, n: number, col: number, D: number) {
  dispatch(SUBSTRATE_COPY, {
    uniforms: { count: B * n, n, col, stride: D },
    buffers: { src: src.buffer, dst: dst.buffer },
    workgroups: Math.ceil((B * n) / 64),
  });
}
