/**
 * Matrix-memory retention, gated retention and the gated delta rule
 * (asuramaya/decepticons README: "multi-head matrix-memory retention path" and
 * "gated_retention mode"; src/decepticons/models/causal_bank_torch.py).
 *
 * Every sequence n (one batch element × head, flattened) carries a state
 * S ∈ R^{d_k×d_v}, S_{−1} = 0, updated with a keep gate g_t ∈ (0, 1]:
 *
 * - {@link retention}: S_t = γ_n S_{t−1} + k_tᵀ v_t, per-sequence (per-head) decay γ_n;
 * - {@link gatedRetention}: S_t = g_t S_{t−1} + k_tᵀ v_t, data-dependent g_t;
 * - {@link gatedDelta}: S_t = g_t (I − β_t k_tᵀ k_t) S_{t−1} + β_t k_tᵀ v_t
 *   (the gated delta rule of Yang, Kautz & Hatamizadeh 2024, with row vectors);
 * - every form reads o_t = q_t S_t.
 *
 * Forms: "recurrent" (one fused kernel looping over t, split over dispatches
 * that carry S when the loop budget requires), "parallel" O = (Q Kᵀ ⊙ D) V
 * with D_ts = Π_{r=s+1..t} g_r ((gated) retention only), and "chunkwise"
 * (chunk summaries in parallel, a recurrent carry across chunks, and inside
 * each chunk a score block P = Q Kᵀ ⊙ D computed once, then a matmul-like
 * output pass). The gated delta rule's chunkwise form is the WY / UT-transform
 * one: per chunk a unit lower triangular solve turns the rule into gated
 * retention on pseudo-values, each chunk's state map (G_c − B_c, L_c) is
 * carried recurrently. No form divides by a cumulative gate product: the
 * original's division-based chunked scan is wrong by O(1) once a chunk's
 * product drops below 1e−8.
 * Every form has the same backward. For (gated) retention (key and value sizes ≤ 64) it is
 * three scans of the forward kernel and no state history: dq forwards in time on transposed
 * roles, dk and dv backwards in time; a learned γ's gradient rides on the dv scan, while
 * learned per-step gates take an adjoint scan in place of the dv scan, which recomputes
 * S_{t−1} per short chunk from the dq scan's checkpoints. The gated delta rule (and larger
 * sizes) runs the adjoint recurrence (two fused kernels) on a recomputed state history.
 *
 * @example Retention with γ = 0.5: o_1 = q_1 (γ k_0ᵀ v_0 + k_1ᵀ v_1)
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { retention } from "./retention.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const q = tensor([1, 1], [1, 2, 1]);
 * const k = tensor([1, 1], [1, 2, 1]);
 * const v = tensor([4, 2], [1, 2, 1]);
 * const gamma = tensor([0.5], [1]);
 * const o = retention(q, k, v, gamma, { form: "chunkwise", chunk: 1 });
 * deepStrictEqual(Array.from(await o.toArray()), [4, 4]);
 * for (const t of [q, k, v, gamma, o]) t.dispose();
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { checkAllocation } from "../../gpu/buffers.ts";
import {
  dispatch,
  type DispatchArgs,
  maxStepsPerLaunch,
  type Program,
  type Sizes,
} from "../../gpu/program.ts";
import { assertLoopBudget } from "../../gpu/batch.ts";
import { recordOp } from "../../autograd.ts";
import { assertDType, emptyLike, formatShape, outputLike, type Tensor } from "../../tensor.ts";
import { sum } from "../../ops/reduce.ts";
import {
  RETENTION_FORWARD,
  RETENTION_SCAN_WG,
  type RetentionForwardSizes,
  type RetentionSizes,
} from "./kernels/forward.ts";
import { RETENTION_FORWARD_VEC4, retentionForwardVec4 } from "./kernels/forward_vec4.ts";
import { RETENTION_BACKWARD } from "./kernels/backward.ts";
import { RETENTION_ADJOINT } from "./kernels/adjoint.ts";
import { RETENTION_ADJOINT_VEC4 } from "./kernels/adjoint_vec4.ts";
import { RETENTION_DGATE } from "./kernels/dgate.ts";
import { RETENTION_GRADS } from "./kernels/grads.ts";
import { RETENTION_CHUNK_SUMMARY } from "./kernels/chunk_summary.ts";
import { RETENTION_CHUNK_SUMMARY_VEC4 } from "./kernels/chunk_summary_vec4.ts";
import { RETENTION_CHUNK_CARRY } from "./kernels/chunk_carry.ts";
import {
  RETENTION_CHUNK_OUTPUT,
  RETENTION_OUTPUT_ROWS,
  retentionOutputWidth,
} from "./kernels/chunk_output.ts";
import { RETENTION_CHUNK_SCORES } from "./kernels/chunk_scores.ts";
import { RETENTION_DELTA_SOLVE } from "./kernels/delta_solve.ts";
import { RETENTION_DELTA_MAPS } from "./kernels/delta_maps.ts";
import { RETENTION_DELTA_CARRY } from "./kernels/delta_carry.ts";
import { checkObject, checkTensor } from "../../validate.ts";
import { SCAN_LANES, scanLanes, UNROLL_MAX_ROWS } from "./kernels/unroll.ts";

/** How the forward is computed; every form has the same value and gradient. */
export type RetentionForm = "recurrent" | "parallel" | "chunkwise";

/** Options of {@link retention} and {@link gatedRetention}. */
export interface RetentionOptions {
  /** Default "recurrent". */
  form?: RetentionForm;
  /** Chunk length of the chunkwise form; default 32. Need not divide T. */
  chunk?: number;
}

/**
 * Largest key size (a scan keeps its state column in registers up to 64 rows, past that in a
 * private array; see kernels/unroll.ts).
 */
export const RETENTION_MAX_KEY_DIM = 256;

/** Largest chunk a call accepts (a chunk longer than T is clamped to T; past this it is absurd). */
const RETENTION_MAX_CHUNK = 2 ** 20;
/** Largest value size. */
export const RETENTION_MAX_VALUE_DIM = 4096;

const WG = 64;

/**
 * Steps per chunk of the fused backward's state recompute at key size d_k: the dq pass
 * checkpoints the state entering each chunk, the adjoint pass rebuilds a chunk's states in
 * d_k·chunk vec4 registers (at most 512). The checkpoint stores dominate the dq pass's cost
 * beyond a forward's (T/chunk·d_k·d_v floats: 16 MB at 64 × 64, T = 4096, chunk 4; llvmpipe
 * scatters each vec4 store), so the chunk is the longest the registers allow. Measured on
 * llvmpipe at T = 4096, per pass alone, in one process: at d_k = 64, chunk 8 against 4 took
 * the dq pass from 12.8–16.7 ms to 8.6–11.7 ms and the adjoint from 14.3–21.6 ms to
 * 12.7–16.6 ms (chunk 16: both slower again, spills); at d_k = 16, chunk 16 against 8 took
 * the dq pass from 2.9 ms to 2.5 ms and the adjoint from 5.6–5.8 ms to 3.5–5.3 ms.
 */
function adjointChunk(dk: number): number {
  return Math.max(2, Math.min(16, Math.floor(512 / dk)));
}

interface Problem {
  op: string;
  n: number;
  tm: number;
  dk: number;
  dv: number;
  q: Tensor;
  k: Tensor;
  v: Tensor;
  /** [n, tm], or [n] when perSeq. */
  gates: Tensor;
  perSeq: boolean;
  beta: Tensor | null;
}

function validate(
  op: string,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  gates: Tensor,
  perSeq: boolean,
  beta: Tensor | null,
): Problem {
  const named: [Tensor, string][] = [[q, "q"], [k, "k"], [v, "v"], [
    gates,
    perSeq ? "gamma" : "gates",
  ]];
  if (beta !== null) named.push([beta, "beta"]);
  for (const [t, which] of named) checkTensor(op, which, t, "f32");
  for (const [t, which] of named) assertDType(t, "f32", op, which);
  const shapes = named.map(([t, w]) => `${w} ${formatShape(t.shape)}`).join(", ");
  const bad = (why: string) => new TypeError(`Cannot ${op} tensors of shapes ${shapes}: ${why}`);
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) throw bad("q, k and v must have rank 3");
  const [n, tm, dk] = q.shape as [number, number, number];
  const dv = v.shape[2]!;
  if (k.shape[0] !== n || k.shape[1] !== tm || k.shape[2] !== dk) {
    throw bad(`k must be [${n}, ${tm}, ${dk}] like q`);
  }
  if (v.shape[0] !== n || v.shape[1] !== tm) throw bad(`v must be [${n}, ${tm}, d_v]`);
  if (perSeq) {
    if (gates.rank !== 1 || gates.shape[0] !== n) throw bad(`gamma must be [${n}]`);
  } else if (gates.rank !== 2 || gates.shape[0] !== n || gates.shape[1] !== tm) {
    throw bad(`gates must be [${n}, ${tm}]`);
  }
  if (beta && (beta.rank !== 2 || beta.shape[0] !== n || beta.shape[1] !== tm)) {
    throw bad(`beta must be [${n}, ${tm}]`);
  }
  if (n < 1 || tm < 1 || dk < 1 || dv < 1) throw bad("every size must be at least 1");
  if (dk > RETENTION_MAX_KEY_DIM || dv > RETENTION_MAX_VALUE_DIM) {
    throw bad(
      `key size must be in [1, ${RETENTION_MAX_KEY_DIM}] and value size in [1, ` +
        `${RETENTION_MAX_VALUE_DIM}]`,
    );
  }
  return { op, n, tm, dk, dv, q, k, v, gates, perSeq, beta };
}

/**
 * Workgroups of a scan over `sequences` states of `rows` × `cols`: one invocation per
 * (sequence, block of four columns, or column).
 */
function scanWorkgroups(sequences: number, rows: number, cols: number): number {
  return Math.ceil((sequences * Math.ceil(cols / scanLanes(rows))) / RETENTION_SCAN_WG);
}

/**
 * The forward scan's program for a state of dk rows and dv columns: the vec4-bound one
 * where both are multiples of four and the rows unrolled, else the f32 one (same values).
 */
function forwardProgram(dk: number, dv: number): Program<RetentionForwardSizes> {
  return retentionForwardVec4(dk, dv) ? RETENTION_FORWARD_VEC4 : RETENTION_FORWARD;
}

/**
 * Records a forward scan of `steps` steps as one launch per range [t0, t1) that fits the
 * adapter's loop budget (the state carried through `state`), each recorded on the runner's
 * fast path (cached pipeline and bind group, uniforms in the batch's ring).
 *
 * @throws {RangeError} when one step alone loops past the budget (before anything is recorded).
 */
function dispatchScan(
  program: Program<RetentionForwardSizes>,
  args: DispatchArgs<RetentionForwardSizes> & { sizes: RetentionForwardSizes },
  steps: number,
): void {
  const per = maxStepsPerLaunch(program, args.sizes, steps);
  assertLoopBudget(program.name, loopsOf(program, args.sizes, Math.min(per, steps)));
  for (let t0 = 0; t0 < steps; t0 += per) {
    const t1 = Math.min(steps, t0 + per);
    dispatch(program, { ...args, uniforms: { ...args.uniforms, t0, t1 } });
  }
}

/** Loop-header evaluations of `program` running `steps` steps (0 when it declares none). */
function loopsOf<S extends Sizes>(program: Program<S>, sizes: S, steps: number): number {
  return program.loopIterations?.(sizes, steps) ?? 0;
}

/** Records the recurrent forward; returns o and, when asked, the state history. */
function recurrentForward(p: Problem, history: boolean): { o: Tensor; hist: Tensor | null } {
  // The scan writes every entry of o, and of the state before a launch reads it: no zero
  // fill (a clear per buffer also breaks the batch's compute pass).
  const o = outputLike([p.n, p.tm, p.dv], "f32", `${p.op} o`);
  // The history is kept in blocks of four columns (vec4), the scans' register layout.
  const cols = SCAN_LANES * Math.ceil(p.dv / SCAN_LANES);
  const hist = history ? emptyLike([p.n, p.tm, p.dk, cols], "f32", `${p.op} history`) : null;
  const state = outputLike([p.n, p.dk, p.dv], "f32", `${p.op} state`);
  // Launches over ranges of T that carry the state (the loop budget).
  dispatchScan(forwardProgram(p.dk, p.dv), {
    sizes: {
      dk: p.dk,
      dv: p.dv,
      delta: p.beta !== null,
      hist: history,
      reverse: false,
      ckpt: 0,
      dgamma: false,
    },
    uniforms: { n: p.n, tm: p.tm, per_seq: p.perSeq ? 1 : 0, nck: 0 },
    buffers: {
      qs: p.q.buffer,
      ks: p.k.buffer,
      vs: p.v.buffer,
      gates: p.gates.buffer,
      betas: p.beta?.buffer, // read only when delta = 1; else the placeholder
      state: state.buffer,
      os: o.buffer,
      hist: hist?.buffer,
    },
    workgroups: scanWorkgroups(p.n, p.dk, p.dv),
  }, p.tm);
  state.dispose();
  return { o, hist };
}

/** The largest per-invocation loop count of a chunked form with blocks of `c` steps. */
function blockLoops(p: Problem, c: number): number {
  const sizes: RetentionSizes = { dk: p.dk, dv: p.dv };
  const worst = Math.max(
    loopsOf(RETENTION_CHUNK_SCORES, { dk: p.dk, delta: p.beta !== null, rows: 1 }, c),
    loopsOf(RETENTION_CHUNK_OUTPUT, { dk: p.dk, cols: p.dv, rows: 1 }, c),
  );
  if (!p.beta) return worst;
  return Math.max(
    worst,
    loopsOf(RETENTION_DELTA_SOLVE, sizes, c),
    loopsOf(RETENTION_DELTA_MAPS, sizes, c),
    loopsOf(RETENTION_DELTA_CARRY, { ...sizes, chunk: c }, 1),
  );
}

/** Records the score pass: P (and A for delta) [n, tm, c] and din [n, tm]. */
function chunkScores(p: Problem, c: number) {
  const scores = emptyLike([p.n, p.tm, c], "f32", `${p.op} scores`);
  const tri = p.beta ? emptyLike([p.n, p.tm, c], "f32", `${p.op} solve matrix`) : null;
  const din = emptyLike([p.n, p.tm], "f32", `${p.op} entering decays`);
  const rows = c % RETENTION_OUTPUT_ROWS === 0 ? RETENTION_OUTPUT_ROWS : 1;
  dispatch(RETENTION_CHUNK_SCORES, {
    sizes: { dk: p.dk, delta: p.beta !== null, rows },
    uniforms: { n: p.n, tm: p.tm, chunk: c, delta: p.beta ? 1 : 0, per_seq: p.perSeq ? 1 : 0 },
    buffers: {
      qs: p.q.buffer,
      ks: p.k.buffer,
      gates: p.gates.buffer,
      betas: p.beta?.buffer, // read only when delta = 1; else the placeholder
      ps: scores.buffer,
      as_: tri?.buffer,
      din: din.buffer,
    },
    workgroups: Math.ceil((p.n * Math.ceil(p.tm / rows)) / WG),
    steps: c,
  });
  return { scores, tri, din };
}

/** Records the output pass y = P·x[:, xoff..xoff+cols) (+ the read of `sin`). */
function chunkOutput(
  p: Problem,
  c: number,
  nc: number,
  cols: number,
  scores: Tensor,
  din: Tensor,
  x: Tensor,
  xstride: number,
  xoff: number,
  sin: Tensor | null,
  z: Tensor | null,
  label: string,
): Tensor {
  const y = emptyLike([p.n, p.tm, cols], "f32", `${p.op} ${label}`);
  // Four steps per invocation when they never straddle a chunk (chunk % 4 = 0).
  const rows = c % RETENTION_OUTPUT_ROWS === 0 ? RETENTION_OUTPUT_ROWS : 1;
  dispatch(RETENTION_CHUNK_OUTPUT, {
    sizes: { dk: p.dk, cols, rows },
    uniforms: {
      n: p.n,
      tm: p.tm,
      chunk: c,
      nc,
      use_sin: sin ? 1 : 0,
      use_z: z ? 1 : 0,
      xstride,
      xoff,
    },
    buffers: {
      qs: p.q.buffer,
      ps: scores.buffer,
      xs: x.buffer,
      din: din.buffer,
      zs: z?.buffer,
      sin: sin?.buffer,
      ys: y.buffer,
    },
    workgroups: Math.ceil(
      (p.n * Math.ceil(p.tm / rows) * Math.ceil(cols / retentionOutputWidth(rows, cols))) / WG,
    ),
    steps: c,
  });
  return y;
}

/** (Gated) retention, parallel (c = T) or chunkwise: summaries, carry, scores, output. */
function chunkwiseForward(p: Problem, chunk: number, parallel: boolean): Tensor {
  const c = parallel ? p.tm : Math.min(chunk, p.tm);
  const nc = Math.ceil(p.tm / c);
  let sin: Tensor | null = null;
  if (nc > 1) {
    const l = emptyLike([p.n, nc, p.dk, p.dv], "f32", `${p.op} chunk summaries`);
    sin = emptyLike([p.n, nc, p.dk, p.dv], "f32", `${p.op} chunk states`);
    const state = emptyLike([p.n, p.dk, p.dv], "f32", `${p.op} carry`);
    const summary = retentionForwardVec4(p.dk, p.dv)
      ? RETENTION_CHUNK_SUMMARY_VEC4
      : RETENTION_CHUNK_SUMMARY;
    dispatch(summary, {
      sizes: { dk: p.dk, dv: p.dv },
      uniforms: { n: p.n, tm: p.tm, chunk: c, nc, per_seq: p.perSeq ? 1 : 0 },
      buffers: { ks: p.k.buffer, vs: p.v.buffer, gates: p.gates.buffer, ls: l.buffer },
      workgroups: scanWorkgroups(p.n * nc, p.dk, p.dv),
      steps: c,
    });
    // The runner splits the nc chunks over launches that carry the state.
    dispatch(RETENTION_CHUNK_CARRY, {
      sizes: { dk: p.dk, dv: p.dv, chunk: c },
      uniforms: { n: p.n, tm: p.tm, chunk: c, nc, per_seq: p.perSeq ? 1 : 0 },
      buffers: { gates: p.gates.buffer, ls: l.buffer, state: state.buffer, sin: sin.buffer },
      workgroups: Math.ceil((p.n * p.dv) / WG),
      steps: nc,
    });
    l.dispose();
    state.dispose();
  }
  const { scores, din } = chunkScores(p, c);
  const o = chunkOutput(p, c, nc, p.dv, scores, din, p.v, p.dv, 0, sin, null, "o");
  for (const t of [scores, din, sin]) t?.dispose();
  return o;
}

/**
 * The gated delta rule, chunkwise (the WY / UT-transform form): scores and the
 * triangular system per chunk, its solve X = [X_v | X_w] (pseudo-values
 * U = X_v − X_w S_in), the chunk maps (B_c, L_c), the carry of the entering
 * states, z = P·X_w, and the output o = P·X_v + (din·q − z)·S_in.
 */
function deltaChunkwiseForward(p: Problem, chunk: number): Tensor {
  const c = Math.min(chunk, p.tm);
  const nc = Math.ceil(p.tm / c);
  const w = p.dk + p.dv;
  const { scores, tri, din } = chunkScores(p, c);
  const x = emptyLike([p.n, p.tm, w], "f32", `${p.op} solved pseudo-values`);
  dispatch(RETENTION_DELTA_SOLVE, {
    sizes: { dk: p.dk, dv: p.dv },
    uniforms: { n: p.n, tm: p.tm, chunk: c, nc },
    buffers: {
      ks: p.k.buffer,
      vs: p.v.buffer,
      betas: p.beta!.buffer,
      din: din.buffer,
      as_: tri!.buffer,
      xs: x.buffer,
    },
    workgroups: Math.ceil((p.n * nc * w) / WG),
    steps: c,
  });
  tri!.dispose();
  let sin: Tensor | null = null;
  let z: Tensor | null = null;
  if (nc > 1) {
    const maps = emptyLike([p.n, nc, p.dk, w], "f32", `${p.op} chunk maps`);
    dispatch(RETENTION_DELTA_MAPS, {
      sizes: { dk: p.dk, dv: p.dv },
      uniforms: { n: p.n, tm: p.tm, chunk: c, nc },
      buffers: { ks: p.k.buffer, gates: p.gates.buffer, xs: x.buffer, maps: maps.buffer },
      workgroups: Math.ceil((p.n * nc * w) / WG),
      steps: c,
    });
    sin = emptyLike([p.n, nc, p.dk, p.dv], "f32", `${p.op} chunk states`);
    const state = emptyLike([p.n, p.dk, p.dv], "f32", `${p.op} carry`);
    // The runner splits the nc chunks over launches that carry the state.
    dispatch(RETENTION_DELTA_CARRY, {
      sizes: { dk: p.dk, dv: p.dv, chunk: c },
      uniforms: { n: p.n, tm: p.tm, chunk: c, nc },
      buffers: { gates: p.gates.buffer, maps: maps.buffer, state: state.buffer, sin: sin.buffer },
      workgroups: Math.ceil((p.n * p.dv) / WG),
      steps: nc,
    });
    maps.dispose();
    state.dispose();
    z = chunkOutput(p, c, nc, p.dk, scores, din, x, w, p.dv, null, null, "z");
  }
  const o = chunkOutput(p, c, nc, p.dv, scores, din, x, w, 0, sin, z, "o");
  for (const t of [scores, din, x, sin, z]) t?.dispose();
  return o;
}

/**
 * Backward of (gated) retention in every form, as scans and no state history:
 * dq_t = do_t S_tᵀ is the forward recurrence on (do, v, k) (state Sᵀ); dk_t = v_t dS_tᵀ is the
 * same recurrence backwards in time on (v, do, q) (state dSᵀ, gates shifted by one step); each
 * costs about a forward. dv_t = k_t dS_t is the recurrence backwards in time on (k, q, do)
 * (state dS), and the gates' gradient depends on what they are:
 * - fixed (no gradient asked; RetNet's setting): nothing more, three scans in all;
 * - a learned per-sequence γ: the dv scan also carries E_t = dS_{t+1} + γ·E_{t+1} and sums
 *   (k_t E_t)·v_t, which adds up to ∂L/∂γ = Σ_t ⟨dS_t, S_{t−1}⟩ (forward.ts `dgamma`): two more
 *   multiply-adds per state entry and step, no checkpoints;
 * - learned per-step gates: each step's ⟨dS_t, S_{t−1}⟩ comes with dv from the adjoint pass
 *   (state dS, S_{t−1} recomputed per chunk from checkpoints the dq pass stores every
 *   {@link adjointChunk} steps), gathered over columns by the dgate pass.
 * Every sum runs in the order of the adjoint kernels these replace (and of their tracked
 * bounds): the reversed forward kernel updates dS as g·dS + q·do and sums dv in row order, as
 * the adjoint does.
 */
function fusedBackward(p: Problem, dO: Tensor): (Tensor | null)[] {
  // A gate that needs no gradient (a constant, or one detached) skips the gate's passes.
  const gateGrad = p.gates.requiresGrad;
  const adjoint = gateGrad && !p.perSeq;
  const c = adjointChunk(p.dk);
  const nck = Math.ceil(p.tm / c);
  const tiles = Math.ceil(p.dv / SCAN_LANES);
  const perSeq = p.perSeq ? 1 : 0;
  // No zero fills: the passes write every entry they or a later pass read (checkpoint slot 0,
  // the zero state, is never read; the carries are written before a launch reads them).
  const ck = adjoint && nck > 1
    ? outputLike([p.n, nck, p.dv, p.dk], "f32", `${p.op} checkpoints`)
    : null;
  // The scans' carry, [d_v, d_k] or [d_k, d_v] per sequence: each scan writes it before it
  // reads it, so the scans recorded in turn share it.
  const state = outputLike([p.n, p.dk, p.dv], "f32", `${p.op} scan carry`);
  const dq = outputLike(p.q.shape, "f32", `${p.op} dq`);
  const dk = outputLike(p.k.shape, "f32", `${p.op} dk`);
  const dv = outputLike(p.v.shape, "f32", `${p.op} dv`);
  const scan = (
    transposed: boolean,
    reverse: boolean,
    io: { qs: Tensor; ks: Tensor; vs: Tensor; os: Tensor },
    decay?: { ws: Tensor; estate: Tensor; gps: Tensor },
  ) => {
    // The transposed problems: d_v state rows, d_k columns (blocks of four over d_k).
    const [rows, cols] = transposed ? [p.dv, p.dk] : [p.dk, p.dv];
    dispatchScan(forwardProgram(rows, cols), {
      sizes: {
        dk: rows,
        dv: cols,
        delta: false,
        hist: false,
        reverse,
        ckpt: !reverse && ck ? c : 0,
        dgamma: decay !== undefined,
      },
      uniforms: { n: p.n, tm: p.tm, per_seq: perSeq, nck },
      buffers: {
        qs: io.qs.buffer,
        ks: io.ks.buffer,
        vs: io.vs.buffer,
        gates: p.gates.buffer,
        state: state.buffer,
        os: io.os.buffer,
        ck: reverse ? undefined : ck?.buffer,
        ws: decay?.ws.buffer,
        estate: decay?.estate.buffer,
        gps: decay?.gps.buffer,
      },
      workgroups: scanWorkgroups(p.n, rows, cols),
    }, p.tm);
  };
  scan(true, false, { qs: dO, ks: p.v, vs: p.k, os: dq });
  scan(true, true, { qs: p.v, ks: dO, vs: p.q, os: dk });
  if (!adjoint) {
    const io = { qs: p.k, ks: p.q, vs: dO, os: dv };
    if (!gateGrad) {
      scan(false, true, io);
      state.dispose();
      return [dq, dk, dv, null];
    }
    // Per column block, the sums of (k_t E_t)·v_t; their total is ∂L/∂γ.
    const gps = outputLike([p.n, tiles * SCAN_LANES], "f32", `${p.op} decay partials`);
    const estate = outputLike([p.n, p.dk, p.dv], "f32", `${p.op} decay carry`);
    scan(false, true, io, { ws: p.v, estate, gps });
    const dGamma = sum(gps, 1);
    for (const t of [state, gps, estate]) t.dispose();
    return [dq, dk, dv, dGamma];
  }
  const dg = outputLike([p.n, p.tm], "f32", `${p.op} dgates`);
  const ps = outputLike([p.n, p.tm, tiles, SCAN_LANES], "f32", `${p.op} gate partials`);
  const dstate = outputLike([p.n, p.dk, p.dv], "f32", `${p.op} adjoint carry`);
  // The runner splits the chunks over launches in reversed order, carrying dS.
  dispatch(retentionForwardVec4(p.dk, p.dv) ? RETENTION_ADJOINT_VEC4 : RETENTION_ADJOINT, {
    sizes: { dk: p.dk, dv: p.dv, chunk: c },
    uniforms: { n: p.n, tm: p.tm, nck, per_seq: perSeq },
    buffers: {
      qs: p.q.buffer,
      ks: p.k.buffer,
      vs: p.v.buffer,
      gates: p.gates.buffer,
      dos: dO.buffer,
      ck: (ck ?? state).buffer, // read only for chunks m > 0, which exist only with ck
      dstate: dstate.buffer,
      dvs: dv.buffer,
      ps: ps.buffer,
    },
    workgroups: scanWorkgroups(p.n, p.dk, p.dv),
    steps: nck,
  });
  dispatch(RETENTION_DGATE, {
    sizes: { dv: p.dv },
    uniforms: { count: p.n * p.tm },
    buffers: { ps: ps.buffer, dgs: dg.buffer },
    workgroups: Math.ceil((p.n * p.tm) / WG),
  });
  for (const t of [ck, state, ps, dstate]) t?.dispose();
  return [dq, dk, dv, dg];
}

/**
 * Backward of every form: (gated) retention with both sizes unrolled takes
 * {@link fusedBackward}; the delta rule and larger sizes (where the transposed scans would
 * keep d_v rows in a private array) take the recomputed history, the adjoint recurrence and
 * the gradient gathering.
 */
function recurrentBackward(p: Problem, dO: Tensor): (Tensor | null)[] {
  if (p.beta === null && p.dk <= UNROLL_MAX_ROWS && p.dv <= UNROLL_MAX_ROWS) {
    return fusedBackward(p, dO);
  }
  const { hist } = recurrentForward(p, true);
  const h = hist!;
  const cols = SCAN_LANES * Math.ceil(p.dv / SCAN_LANES);
  const dshist = emptyLike([p.n, p.tm, p.dk, cols], "f32", `${p.op} adjoint history`);
  const wup = emptyLike([p.n, p.tm, 3, cols], "f32", `${p.op} adjoint columns`);
  const dstate = emptyLike([p.n, p.dk, p.dv], "f32", `${p.op} adjoint carry`);
  const dq = emptyLike(p.q.shape, "f32", `${p.op} dq`);
  const dk = emptyLike(p.k.shape, "f32", `${p.op} dk`);
  const dv = emptyLike(p.v.shape, "f32", `${p.op} dv`);
  const dg = emptyLike([p.n, p.tm], "f32", `${p.op} dgates`);
  const dBeta = p.beta ? emptyLike(p.beta.shape, "f32", `${p.op} dbeta`) : null;
  // The runner splits T over launches in reversed steps (the first takes the end of the
  // sequence), carrying the adjoint state.
  dispatch(RETENTION_BACKWARD, {
    sizes: { dk: p.dk, dv: p.dv, delta: p.beta !== null, hist: false },
    uniforms: { n: p.n, tm: p.tm, per_seq: p.perSeq ? 1 : 0 },
    buffers: {
      qs: p.q.buffer,
      ks: p.k.buffer,
      gates: p.gates.buffer,
      betas: p.beta?.buffer, // read only when delta = 1; else the placeholder
      dos: dO.buffer,
      hist: h.buffer,
      dstate: dstate.buffer,
      dshist: dshist.buffer,
      wup: wup.buffer,
      dvs: dv.buffer,
    },
    workgroups: scanWorkgroups(p.n, p.dk, p.dv),
    steps: p.tm,
  });
  dispatch(RETENTION_GRADS, {
    sizes: { dk: p.dk, dv: p.dv },
    uniforms: { n: p.n, tm: p.tm, delta: p.beta ? 1 : 0, per_seq: p.perSeq ? 1 : 0 },
    buffers: {
      vs: p.v.buffer,
      gates: p.gates.buffer,
      betas: p.beta?.buffer, // read only when delta = 1; else the placeholder
      dos: dO.buffer,
      hist: h.buffer,
      dshist: dshist.buffer,
      wup: wup.buffer,
      dqs: dq.buffer,
      dks: dk.buffer,
      dgs: dg.buffer,
      dbs: dBeta?.buffer,
    },
    workgroups: Math.ceil((p.n * p.tm * (Math.ceil(p.dk / 4) + 1)) / WG),
  });
  for (const t of [h, dshist, wup, dstate]) t.dispose();
  const dGates = p.perSeq ? sum(dg, 1) : dg;
  const out = [dq, dk, dv, dGates];
  if (dBeta) out.push(dBeta);
  return out;
}

function run(p: Problem, options: RetentionOptions): Tensor {
  if (options !== undefined) checkObject(p.op, "the options", options);
  // undefined means the default; null is no form.
  const form = options.form === undefined ? "recurrent" : options.form;
  const chunk = options.chunk === undefined ? 32 : options.chunk;
  const allowed: RetentionForm[] = p.beta
    ? ["recurrent", "chunkwise"]
    : ["recurrent", "parallel", "chunkwise"];
  if (!allowed.includes(form)) {
    const expected = p.beta
      ? '"recurrent" or "chunkwise"'
      : '"recurrent", "parallel" or "chunkwise"';
    throw new RangeError(`Cannot ${p.op} with form "${form}": expected ${expected}`);
  }
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > RETENTION_MAX_CHUNK) {
    throw new RangeError(
      `Cannot ${p.op} with chunk ${chunk}: expected a positive integer <= ${RETENTION_MAX_CHUNK}`,
    );
  }
  if (form !== "recurrent") {
    const c = form === "parallel" ? p.tm : Math.min(chunk, p.tm);
    const loops = blockLoops(p, c);
    if (loops > gpu().maxLoopIterations) {
      throw new RangeError(
        `Cannot ${p.op} in the ${form} form with ${c} steps per block and key size ${p.dk}: ` +
          `${loops} loop iterations per invocation exceed this adapter's limit of ` +
          `${gpu().maxLoopIterations}; use a smaller chunk or the recurrent form`,
      );
    }
    // The score block is [N, T, c] floats (the parallel form's is O(T²) per sequence).
    checkAllocation(4 * p.n * p.tm * c, `the ${p.op} ${form} score block [${p.n}, ${p.tm}, ${c}]`);
  }
  const o = form === "recurrent"
    ? recurrentForward(p, false).o
    : p.beta
    ? deltaChunkwiseForward(p, chunk)
    : chunkwiseForward(p, chunk, form === "parallel");
  const inputs = [p.q, p.k, p.v, p.gates, ...(p.beta ? [p.beta] : [])];
  return recordOp(o, p.op, inputs, (g) => recurrentBackward(p, g));
}

/**
 * Multi-head matrix-memory retention with a per-sequence (per-head) decay γ:
 * S_t = γ_n S_{t−1} + k_tᵀ v_t, o_t = q_t S_t. Differentiable in q, k, v and γ: the backward is
 * three scans of the forward kernel with γ's gradient carried by the dv scan, which a γ that
 * needs no gradient (a fixed decay) leaves out.
 *
 * @param q queries [N, T, d_k] (N = batch × heads)
 * @param k keys [N, T, d_k]
 * @param v values [N, T, d_v]
 * @param gamma decays [N], meant in (0, 1] (values outside are computed as given)
 * @returns o [N, T, d_v]
 * @throws {TypeError} when the shapes disagree, naming the op and every shape.
 * @throws {RangeError} for an unknown form, a chunk that is not a positive integer, or a
 *   parallel / chunk block too long for this adapter's loop budget.
 */
export function retention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  gamma: Tensor,
  options: RetentionOptions = {},
): Tensor {
  return run(validate("retention", q, k, v, gamma, true, null), options);
}

/**
 * Gated retention: data-dependent keep gates, S_t = g_t S_{t−1} + k_tᵀ v_t, o_t = q_t S_t.
 * (The original's write gate w_t is a scaling of k_t or v_t.) Differentiable in every input;
 * the gates' gradient takes an adjoint pass, which gates that need no gradient skip (the
 * backward is then three scans, as {@link retention}'s).
 *
 * @param gates keep gates [N, T], meant in (0, 1]
 * @returns o [N, T, d_v]
 * @throws {TypeError} when the shapes disagree. @throws {RangeError} as {@link retention}.
 */
export function gatedRetention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  gates: Tensor,
  options: RetentionOptions = {},
): Tensor {
  return run(validate("gatedRetention", q, k, v, gates, false, null), options);
}

/**
 * The gated delta rule: S_t = g_t (I − β_t k_tᵀ k_t) S_{t−1} + β_t k_tᵀ v_t, o_t = q_t S_t.
 * Differentiable in every input. Keys are used as given: with ‖k_t‖ = 1 and β_t ∈ [0, 1]
 * the transition is a contraction (callers normalise k).
 *
 * Forms: "recurrent" (default) and "chunkwise", the WY / UT-transform form: inside a
 * chunk the pseudo-values u_t = β_t (v_t − g_t k_t S_{t−1}) come from one unit lower
 * triangular solve per chunk (the decays between positions are running products of
 * gates, never ratios), chunk states are carried recurrently, and each chunk's outputs
 * are a matmul-like pass over a precomputed score block. `chunk` need not divide T.
 * Both forms share the adjoint-recurrence backward.
 *
 * @param gates keep gates [N, T], meant in (0, 1]
 * @param beta write strengths [N, T], meant in [0, 1]
 * @returns o [N, T, d_v]
 * @throws {TypeError} when the shapes disagree. @throws {RangeError} for another form, a
 *   chunk that is not a positive integer, or a chunk too long for the loop budget.
 *
 * @example One step with g = 1, β = 1, k = 1: S_0 = v_0, o_0 = q_0 v_0
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { gatedDelta } from "./retention.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const q = tensor([2, 1], [1, 2, 1]);
 * const k = tensor([1, 1], [1, 2, 1]);
 * const v = tensor([3, 5], [1, 2, 1]);
 * const g = tensor([1, 1], [1, 2]);
 * const beta = tensor([1, 1], [1, 2]);
 * // S_1 = (1 − 1)·S_0 + 5 = 5: the delta rule overwrites the memory.
 * const o = gatedDelta(q, k, v, g, beta, { form: "chunkwise", chunk: 2 });
 * deepStrictEqual(Array.from(await o.toArray()), [6, 5]);
 * for (const t of [q, k, v, g, beta, o]) t.dispose();
 * ```
 */
export function gatedDelta(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  gates: Tensor,
  beta: Tensor,
  options: { form?: "recurrent" | "chunkwise"; chunk?: number } = {},
): Tensor {
  return run(validate("gatedDelta", q, k, v, gates, false, beta), options);
}
