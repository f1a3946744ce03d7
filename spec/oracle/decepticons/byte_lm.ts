/**
 * f64 oracle of the causal-bank byte language model (asuramaya/decepticons
 * src/decepticons/models/causal_bank_torch.py, CausalBankModel): the forward to
 * next-byte logits, the mean cross-entropy loss, and the analytic gradient of
 * the loss with respect to every trainable parameter, for the four substrates.
 * Written from the model's definition (impl/decepticons/byte_lm/byte_lm.ts,
 * module doc) on explicit parameter arrays, independently of the GPU code; the
 * pieces are the existing f64 oracles (matmul, GELU and sigmoid, cross-entropy,
 * the linear recurrence, (gated) retention and the gated delta rule), composed
 * here with a hand-written reverse mode.
 *
 * Layout: tokens [B, T] row-major, activations [N, ·] with row n = b·T + t
 * (N = B·T). Forward:
 *
 * - x = Emb[tokens] ∈ R^{N×E}; drive D = x P (P = in_proj, [E, M]);
 * - substrate states S ∈ R^{N×M}:
 *   - frozen: S_t = d ⊙ S_{t−1} + D_t (d the decay bank, given);
 *   - learned_recurrence: a = σ(x W_g + b_g), S_t = a_t ⊙ S_{t−1} + (D_t − a_t ⊙ D_t);
 *   - gated_retention: q, k, v = x W_{q,k,v} split into H heads of d_s = S/H;
 *     (r, w, e) = σ(x W_g + b_g) ([N, 3H]); keep = r·γ_h·(1 − e); per head
 *     M_t = keep_t M_{t−1} + k_tᵀ (w_t v_t), o_t = (q_t/√d_s) M_t; S = o W_o + D;
 *   - gated_delta: as above with unit-norm keys k/√(Σk² + 10⁻⁶), (g, β) =
 *     σ(x W_g + b_g) ([N, 2H]) and M_t = g_t (I − β_t k_tᵀk_t) M_{t−1} + β_t k_tᵀ v_t;
 * - readout: logits = [GELU([S, x] W₁ + b₁), s·GELU(win W_ℓ + b_ℓ)] W_out + b_out, with
 *   win_n = [x_t, x_{t−1}, …, x_{t−W+1}] (zero rows before the sequence starts) and
 *   s = localScale; without a local path (W = 0) the hidden layer is GELU([S, x] W₁ + b₁);
 * - loss = (1/N) Σ_n (log Σ_v exp(logits_{n,v}) − logits_{n,target_n}).
 *
 * @example The loss of a tiny frozen model is finite and its gradients have the parameters' sizes
 * ```ts
 * import { byteLMForward, byteLMGradients, byteLMParameterShapes } from "./byte_lm.ts";
 * import { ok } from "node:assert/strict";
 * const cfg = {
 *   substrate: "frozen" as const, embeddingDim: 2, linearModes: 3, stateDim: 2, numHeads: 1,
 *   readoutHidden: 4, localWindow: 2, localHidden: 3, localScale: 0.25,
 * };
 * const values: Record<string, Float64Array> = {};
 * for (const [name, shape] of Object.entries(byteLMParameterShapes(cfg))) {
 *   const n = shape.reduce((a, b) => a * b, 1);
 *   values[name] = Float64Array.from({ length: n }, (_, i) => Math.sin(i + name.length) * 0.3);
 * }
 * values.decays = Float64Array.of(0.5, 0.9, 0.99);
 * const batch = { B: 1, T: 3, tokens: Int32Array.of(104, 105, 33), targets: Int32Array.of(105, 33, 10) };
 * const trace = byteLMForward(cfg, values, batch);
 * ok(Number.isFinite(trace.loss) && trace.logits.length === 3 * 256);
 * const grads = byteLMGradients(cfg, values, batch, trace);
 * ok(grads.embedding!.length === 256 * 2 && grads.in_proj === undefined);
 * ```
 *
 * @module
 */
import { matmulForward } from "../matmul.ts";
import { geluTanh, geluTanhGrad, sigmoid } from "../elementwise.ts";
import { SOFTMAX_ORACLES } from "../softmax.ts";
import { recurrenceBackward, recurrenceForward } from "./linear_recurrence.ts";
import {
  scanBackward,
  type ScanForward,
  scanForward,
  type ScanGradients,
  type ScanProblem,
} from "./retention.ts";

/** Vocabulary of the byte model. */
export const ORACLE_BYTE_VOCAB = 256;

/** The substrates of the byte model. */
export type ByteLMOracleSubstrate =
  | "frozen"
  | "learned_recurrence"
  | "gated_retention"
  | "gated_delta";

/** The configuration fields the model's function depends on. */
export interface ByteLMOracleConfig {
  readonly substrate: ByteLMOracleSubstrate;
  /** E. */
  readonly embeddingDim: number;
  /** M. */
  readonly linearModes: number;
  /** S (gated substrates), split over `numHeads` heads. */
  readonly stateDim: number;
  readonly numHeads: number;
  readonly readoutHidden: number;
  /** W (0: no local path). */
  readonly localWindow: number;
  readonly localHidden: number;
  readonly localScale: number;
}

/** A batch: tokens and next-byte targets, both [B, T] row-major. */
export interface ByteLMBatch {
  readonly B: number;
  readonly T: number;
  readonly tokens: Int32Array;
  readonly targets: Int32Array;
}

/**
 * Parameter and fixed arrays by the model's names (row-major, f64 holding the
 * f32 values the GPU holds): the trainable ones of {@link byteLMTrainableNames},
 * plus `in_proj` (fixed for frozen), `decays` [M] (frozen) and `gamma` [H]
 * (gated_retention).
 */
export type ByteLMValues = Readonly<Record<string, Float64Array>>;

/** The constant added under the key norm of the gated delta substrate. */
export const DELTA_KEY_EPS = 1e-6;

/** Names of the trainable parameters, in the model's order. */
export function byteLMTrainableNames(c: ByteLMOracleConfig): string[] {
  const names = ["embedding"];
  if (c.substrate !== "frozen") names.push("in_proj");
  if (c.substrate === "learned_recurrence") names.push("gate_w", "gate_b");
  if (c.substrate === "gated_retention" || c.substrate === "gated_delta") {
    names.push("wq", "wk", "wv", "wo", "gate_w", "gate_b");
  }
  names.push("readout_w", "readout_b");
  if (c.localWindow > 0) names.push("local_w", "local_b");
  names.push("out_w", "out_b");
  return names;
}

/** Shapes of every array {@link ByteLMValues} needs (trainable and fixed) but the decay bank. */
export function byteLMParameterShapes(c: ByteLMOracleConfig): Record<string, number[]> {
  const { embeddingDim: E, linearModes: M, stateDim: S, numHeads: H } = c;
  const s: Record<string, number[]> = { embedding: [ORACLE_BYTE_VOCAB, E], in_proj: [E, M] };
  if (c.substrate === "learned_recurrence") Object.assign(s, { gate_w: [E, M], gate_b: [M] });
  if (c.substrate === "gated_retention" || c.substrate === "gated_delta") {
    const g = c.substrate === "gated_retention" ? 3 * H : 2 * H;
    Object.assign(s, { wq: [E, S], wk: [E, S], wv: [E, S], wo: [S, M] });
    Object.assign(s, { gate_w: [E, g], gate_b: [g] });
    if (c.substrate === "gated_retention") s.gamma = [H];
  }
  s.readout_w = [M + E, c.readoutHidden];
  s.readout_b = [c.readoutHidden];
  const out = c.readoutHidden + (c.localWindow > 0 ? c.localHidden : 0);
  if (c.localWindow > 0) {
    s.local_w = [c.localWindow * E, c.localHidden];
    s.local_b = [c.localHidden];
  }
  s.out_w = [out, ORACLE_BYTE_VOCAB];
  s.out_b = [ORACLE_BYTE_VOCAB];
  return s;
}

/** The gated substrates' inner values (heads layout [B·H, T, d_s], gates [B·H, T]). */
export interface GatedTrace {
  /** x W_q, x W_k, x W_v: [N, S]. */
  q0: Float64Array;
  k0: Float64Array;
  v0: Float64Array;
  /** Pre-activation and σ of the gate projection: [N, G·H]. */
  z: Float64Array;
  gates: Float64Array;
  /** The retention problem (q scaled, keys normalised for delta, values written). */
  problem: ScanProblem;
  fwd: ScanForward;
  /** Delta: per (head row, t) the key norm √(Σk₀² + ε); retention: null. */
  keyNorm: Float64Array | null;
  /** o in [N, S]. */
  o: Float64Array;
}

/** Every intermediate of one forward, for the backward and for error bounds. */
export interface ByteLMTrace {
  x: Float64Array;
  drive: Float64Array;
  /** learned_recurrence: pre-activation and gates a [N, M]; the scan input D − a⊙D. */
  z: Float64Array | null;
  a: Float64Array | null;
  scanInput: Float64Array | null;
  gated: GatedTrace | null;
  /** Substrate states S [N, M]. */
  states: Float64Array;
  /** [S, x] [N, M + E], its readout pre-activation [N, hidden] and GELU. */
  cat: Float64Array;
  pre: Float64Array;
  hLin: Float64Array;
  /** Local window [N, W·E], its pre-activation and GELU [N, localHidden]; null without. */
  win: Float64Array | null;
  winIds: Int32Array | null;
  preLocal: Float64Array | null;
  hLocal: Float64Array | null;
  /** The output layer's input [N, hidden (+ localHidden)]. */
  hidden: Float64Array;
  logits: Float64Array;
  loss: number;
}

function need(values: ByteLMValues, name: string): Float64Array {
  const v = values[name];
  if (v === undefined) {
    throw new TypeError(`Cannot evaluate the byte LM oracle: expected an array "${name}"`);
  }
  return v;
}

/** C = op(A)·op(B) for row-major A, B (shapes as given before the transposes). */
export function mm(
  a: Float64Array,
  aShape: readonly [number, number],
  b: Float64Array,
  bShape: readonly [number, number],
  transA = false,
  transB = false,
): Float64Array {
  return matmulForward(
    { shape: aShape, data: a },
    { shape: bShape, data: b },
    { transA: transA ? 1 : 0, transB: transB ? 1 : 0 },
  ).data;
}

/** y[n, :] = x[n, :] + bias for every row. */
function addRows(x: Float64Array, bias: Float64Array): Float64Array {
  const c = bias.length;
  return x.map((v, i) => v + bias[i % c]!);
}

/** Column sums of x [rows, cols]. */
export function colSums(x: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < x.length; i++) out[i % cols]! += x[i]!;
  return out;
}

/** [x | y] by rows. */
function concatCols(x: Float64Array, cx: number, y: Float64Array, cy: number): Float64Array {
  const rows = x.length / cx;
  const out = new Float64Array(rows * (cx + cy));
  for (let r = 0; r < rows; r++) {
    out.set(x.subarray(r * cx, (r + 1) * cx), r * (cx + cy));
    out.set(y.subarray(r * cy, (r + 1) * cy), r * (cx + cy) + cx);
  }
  return out;
}

/** Columns [from, from + width) of x [rows, cols]. */
export function takeCols(x: Float64Array, cols: number, from: number, width: number): Float64Array {
  const rows = x.length / cols;
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    out.set(x.subarray(r * cols + from, r * cols + from + width), r * width);
  }
  return out;
}

/** Rows of the table by id (id −1: a zero row). */
function gatherRows(table: Float64Array, ids: Int32Array, dim: number): Float64Array {
  const out = new Float64Array(ids.length * dim);
  ids.forEach((id, i) => {
    if (id >= 0) out.set(table.subarray(id * dim, (id + 1) * dim), i * dim);
  });
  return out;
}

/** The adjoint of {@link gatherRows}: rows of g summed into a [vocab, dim] table by id. */
export function scatterRows(
  into: Float64Array,
  ids: Int32Array,
  g: Float64Array,
  dim: number,
): void {
  ids.forEach((id, i) => {
    if (id < 0) return;
    for (let d = 0; d < dim; d++) into[id * dim + d]! += g[i * dim + d]!;
  });
}

/**
 * The local window's ids [N, W]: entry (n = b·T + t, j) is token (b, t − j), or
 * −1 (a zero embedding) when t − j < 0.
 */
export function windowIds(batch: ByteLMBatch, W: number): Int32Array {
  const { B, T, tokens } = batch;
  const ids = new Int32Array(B * T * W);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < W; j++) {
        ids[(b * T + t) * W + j] = t - j >= 0 ? tokens[b * T + t - j]! : -1;
      }
    }
  }
  return ids;
}

/** [N, S] (head h owns columns h·d_s…) → [B·H, T, d_s]. */
export function toHeads(
  x: Float64Array,
  B: number,
  T: number,
  H: number,
  ds: number,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        for (let c = 0; c < ds; c++) {
          out[((b * H + h) * T + t) * ds + c] = x[(b * T + t) * H * ds + h * ds + c]!;
        }
      }
    }
  }
  return out;
}

/** The inverse of {@link toHeads}. */
export function fromHeads(
  x: Float64Array,
  B: number,
  T: number,
  H: number,
  ds: number,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        for (let c = 0; c < ds; c++) {
          out[(b * T + t) * H * ds + h * ds + c] = x[((b * H + h) * T + t) * ds + c]!;
        }
      }
    }
  }
  return out;
}

/** Column block i of gates [N, G·H] as per-head gates [B·H, T]. */
export function headGates(
  gates: Float64Array,
  B: number,
  T: number,
  H: number,
  groups: number,
  i: number,
): Float64Array {
  const out = new Float64Array(B * H * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        out[(b * H + h) * T + t] = gates[(b * T + t) * groups * H + i * H + h]!;
      }
    }
  }
  return out;
}

/** Adds per-head gate gradients [B·H, T] into column block i of [N, G·H]. */
export function addHeadGates(
  into: Float64Array,
  g: Float64Array,
  B: number,
  T: number,
  H: number,
  groups: number,
  i: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        into[(b * T + t) * groups * H + i * H + h]! += g[(b * H + h) * T + t]!;
      }
    }
  }
}

function checkBatch(c: ByteLMOracleConfig, batch: ByteLMBatch): void {
  const n = batch.B * batch.T;
  if (batch.tokens.length !== n || batch.targets.length !== n) {
    throw new TypeError(
      `Cannot evaluate the byte LM oracle: expected ${n} tokens and targets for [${batch.B}, ` +
        `${batch.T}] but got ${batch.tokens.length} and ${batch.targets.length}`,
    );
  }
  if (c.stateDim % c.numHeads !== 0) {
    throw new RangeError(
      `Cannot evaluate the byte LM oracle: expected stateDim (${c.stateDim}) divisible by ` +
        `numHeads (${c.numHeads})`,
    );
  }
}

function gatedForward(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  batch: ByteLMBatch,
  x: Float64Array,
): GatedTrace {
  const { B, T } = batch;
  const N = B * T;
  const { embeddingDim: E, stateDim: S, numHeads: H } = c;
  const ds = S / H;
  const delta = c.substrate === "gated_delta";
  const groups = delta ? 2 : 3;
  const q0 = mm(x, [N, E], need(values, "wq"), [E, S]);
  const k0 = mm(x, [N, E], need(values, "wk"), [E, S]);
  const v0 = mm(x, [N, E], need(values, "wv"), [E, S]);
  const z = addRows(mm(x, [N, E], need(values, "gate_w"), [E, groups * H]), need(values, "gate_b"));
  const gates = z.map(sigmoid);
  const scale = 1 / Math.sqrt(ds);
  const q = toHeads(q0, B, T, H, ds).map((v) => v * scale);
  const kh = toHeads(k0, B, T, H, ds);
  let vh = toHeads(v0, B, T, H, ds);
  let keyNorm: Float64Array | null = null;
  let problem: ScanProblem;
  if (!delta) {
    const gamma = need(values, "gamma");
    const r = headGates(gates, B, T, H, groups, 0);
    const w = headGates(gates, B, T, H, groups, 1);
    const e = headGates(gates, B, T, H, groups, 2);
    const keep = r.map((rv, i) => rv * gamma[Math.floor(i / T) % H]! * (1 - e[i]!));
    vh = vh.map((v, i) => v * w[Math.floor(i / ds)]!);
    problem = { n: B * H, t: T, dk: ds, dv: ds, q, k: kh, v: vh, gates: keep, beta: null };
  } else {
    keyNorm = new Float64Array(B * H * T);
    const k = new Float64Array(kh.length);
    for (let r = 0; r < B * H * T; r++) {
      let s = 0;
      for (let i = 0; i < ds; i++) s += kh[r * ds + i]! ** 2;
      keyNorm[r] = Math.sqrt(s + DELTA_KEY_EPS);
      for (let i = 0; i < ds; i++) k[r * ds + i] = kh[r * ds + i]! / keyNorm[r]!;
    }
    problem = {
      n: B * H,
      t: T,
      dk: ds,
      dv: ds,
      q,
      k,
      v: vh,
      gates: headGates(gates, B, T, H, groups, 0),
      beta: headGates(gates, B, T, H, groups, 1),
    };
  }
  const fwd = scanForward(problem);
  return { q0, k0, v0, z, gates, problem, fwd, keyNorm, o: fromHeads(fwd.o, B, T, H, ds) };
}

/**
 * The forward: logits [N, 256] and the mean cross-entropy, with every intermediate.
 *
 * @throws {TypeError} when an array is missing or tokens and targets do not match [B, T].
 */
export function byteLMForward(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  batch: ByteLMBatch,
): ByteLMTrace {
  checkBatch(c, batch);
  const { B, T } = batch;
  const N = B * T;
  const { embeddingDim: E, linearModes: M } = c;
  const emb = need(values, "embedding");
  const x = gatherRows(emb, batch.tokens, E);
  const drive = mm(x, [N, E], need(values, "in_proj"), [E, M]);
  let states: Float64Array;
  let z: Float64Array | null = null;
  let a: Float64Array | null = null;
  let scanInput: Float64Array | null = null;
  let gated: GatedTrace | null = null;
  const dims = { nb: B, T, C: M, w: 1 as const };
  if (c.substrate === "frozen") {
    const d = need(values, "decays");
    const gates = Float64Array.from({ length: N * M }, (_, i) => d[i % M]!);
    states = recurrenceForward(dims, gates, drive, null).h;
  } else if (c.substrate === "learned_recurrence") {
    z = addRows(mm(x, [N, E], need(values, "gate_w"), [E, M]), need(values, "gate_b"));
    a = z.map(sigmoid);
    const av = a;
    scanInput = drive.map((dv, i) => dv - av[i]! * dv);
    states = recurrenceForward(dims, a, scanInput, null).h;
  } else {
    gated = gatedForward(c, values, batch, x);
    states = mm(gated.o, [N, c.stateDim], need(values, "wo"), [c.stateDim, M]);
    for (let i = 0; i < states.length; i++) states[i]! += drive[i]!;
  }
  const hl = c.readoutHidden;
  const cat = concatCols(states, M, x, E);
  const pre = addRows(
    mm(cat, [N, M + E], need(values, "readout_w"), [M + E, hl]),
    need(values, "readout_b"),
  );
  const hLin = pre.map(geluTanh);
  let hidden: Float64Array = hLin;
  let win: Float64Array | null = null;
  let winIds: Int32Array | null = null;
  let preLocal: Float64Array | null = null;
  let hLocal: Float64Array | null = null;
  const W = c.localWindow;
  if (W > 0) {
    winIds = windowIds(batch, W);
    win = gatherRows(emb, winIds, E);
    const lh = c.localHidden;
    preLocal = addRows(
      mm(win, [N, W * E], need(values, "local_w"), [W * E, lh]),
      need(values, "local_b"),
    );
    hLocal = preLocal.map(geluTanh);
    hidden = concatCols(hLin, hl, hLocal.map((v) => c.localScale * v), lh);
  }
  const width = hl + (W > 0 ? c.localHidden : 0);
  const logits = addRows(
    mm(hidden, [N, width], need(values, "out_w"), [width, ORACLE_BYTE_VOCAB]),
    need(values, "out_b"),
  );
  const loss = SOFTMAX_ORACLES.cross_entropy.forward([
    { shape: [N, ORACLE_BYTE_VOCAB], data: logits },
    { shape: [N], data: Float64Array.from(batch.targets) },
  ], {}).data[0]!;
  return {
    x,
    drive,
    z,
    a,
    scanInput,
    gated,
    states,
    cat,
    pre,
    hLin,
    win,
    winIds,
    preLocal,
    hLocal,
    hidden,
    logits,
    loss,
  };
}

/** The adjoints of one backward (for error bounds), besides the parameter gradients. */
export interface ByteLMAdjoints {
  dLogits: Float64Array;
  dHidden: Float64Array;
  dPre: Float64Array;
  dPreLocal: Float64Array | null;
  dWin: Float64Array | null;
  dCat: Float64Array;
  /** ∂L/∂S [N, M]. */
  dStates: Float64Array;
  /** ∂L/∂D [N, M]. */
  dDrive: Float64Array;
  /** learned_recurrence: ∂L/∂(scan input), ∂L/∂a (both paths), ∂L/∂z. */
  dScanInput: Float64Array | null;
  dA: Float64Array | null;
  /** Gated substrates: ∂L/∂o [B·H, T, d_s] and the retention oracle's gradients. */
  dO: Float64Array | null;
  scanGrads: ScanGradients | null;
  /** ∂L/∂(gates) [N, G·H] (gated) or ∂L/∂a [N, M] (learned) before σ′; ∂L/∂z after. */
  dGates: Float64Array | null;
  dZ: Float64Array | null;
  /** Gated: ∂L/∂q₀, ∂L/∂k₀, ∂L/∂v₀ [N, S]. */
  dQ0: Float64Array | null;
  dK0: Float64Array | null;
  dV0: Float64Array | null;
  /** ∂L/∂x [N, E] (all paths but the embedding table's). */
  dX: Float64Array;
}

/** What {@link byteLMBackward} returns. */
export interface ByteLMBackward {
  /** ∂L/∂θ for every trainable parameter, by name. */
  grads: Record<string, Float64Array>;
  adjoints: ByteLMAdjoints;
}

/**
 * Reverse mode through {@link byteLMForward}: ∂(gLoss·L)/∂θ for every trainable
 * parameter, and the adjoints of the intermediates.
 */
export function byteLMBackward(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  batch: ByteLMBatch,
  tr: ByteLMTrace,
  gLoss = 1,
): ByteLMBackward {
  const { B, T } = batch;
  const N = B * T;
  const { embeddingDim: E, linearModes: M } = c;
  const V = ORACLE_BYTE_VOCAB;
  const hl = c.readoutHidden;
  const W = c.localWindow;
  const width = hl + (W > 0 ? c.localHidden : 0);
  const grads: Record<string, Float64Array> = {};
  const dLogits = SOFTMAX_ORACLES.cross_entropy.backward(
    [{ shape: [N, V], data: tr.logits }, { shape: [N], data: Float64Array.from(batch.targets) }],
    {},
    { shape: [], data: Float64Array.of(gLoss) },
  )[0]!.data;
  grads.out_b = colSums(dLogits, V);
  grads.out_w = mm(tr.hidden, [N, width], dLogits, [N, V], true);
  const dHidden = mm(dLogits, [N, V], need(values, "out_w"), [width, V], false, true);
  const dHLin = takeCols(dHidden, width, 0, hl);
  const dPre = dHLin.map((g, i) => g * geluTanhGrad(tr.pre[i]!));
  grads.readout_b = colSums(dPre, hl);
  grads.readout_w = mm(tr.cat, [N, M + E], dPre, [N, hl], true);
  const dCat = mm(dPre, [N, hl], need(values, "readout_w"), [M + E, hl], false, true);
  const dStates = takeCols(dCat, M + E, 0, M);
  const dX = takeCols(dCat, M + E, M, E);
  const dEmb = new Float64Array(V * E);
  let dPreLocal: Float64Array | null = null;
  let dWin: Float64Array | null = null;
  if (W > 0) {
    const lh = c.localHidden;
    const dHs = takeCols(dHidden, width, hl, lh);
    dPreLocal = dHs.map((g, i) => c.localScale * g * geluTanhGrad(tr.preLocal![i]!));
    grads.local_b = colSums(dPreLocal, lh);
    grads.local_w = mm(tr.win!, [N, W * E], dPreLocal, [N, lh], true);
    dWin = mm(dPreLocal, [N, lh], need(values, "local_w"), [W * E, lh], false, true);
    scatterRows(dEmb, tr.winIds!, dWin, E);
  }
  const adj: ByteLMAdjoints = {
    dLogits,
    dHidden,
    dPre,
    dPreLocal,
    dWin,
    dCat,
    dStates,
    dDrive: new Float64Array(0),
    dScanInput: null,
    dA: null,
    dO: null,
    scanGrads: null,
    dGates: null,
    dZ: null,
    dQ0: null,
    dK0: null,
    dV0: null,
    dX,
  };
  const dims = { nb: B, T, C: M, w: 1 as const };
  const addInto = (into: Float64Array, y: Float64Array) => {
    for (let i = 0; i < into.length; i++) into[i]! += y[i]!;
  };
  /** x·W for a projection W [E, n]: its gradient, and x's share added to dX. */
  const project = (name: string, n: number, dOut: Float64Array) => {
    grads[name] = mm(tr.x, [N, E], dOut, [N, n], true);
    addInto(dX, mm(dOut, [N, n], need(values, name), [E, n], false, true));
  };
  let dDrive: Float64Array;
  if (c.substrate === "frozen") {
    const d = need(values, "decays");
    const gates = Float64Array.from({ length: N * M }, (_, i) => d[i % M]!);
    dDrive = recurrenceBackward(dims, gates, tr.drive, null, dStates, null).db;
    // in_proj is fixed: only x's share.
    addInto(dX, mm(dDrive, [N, M], need(values, "in_proj"), [E, M], false, true));
  } else if (c.substrate === "learned_recurrence") {
    const a = tr.a!;
    const rb = recurrenceBackward(dims, a, tr.scanInput!, null, dStates, null);
    const dIn = rb.db;
    // scanInput = D − a⊙D.
    dDrive = dIn.map((g, i) => g - g * a[i]!);
    const dA = rb.da.map((g, i) => g - dIn[i]! * tr.drive[i]!);
    const dZ = dA.map((g, i) => g * a[i]! * (1 - a[i]!));
    grads.gate_b = colSums(dZ, M);
    project("gate_w", M, dZ);
    project("in_proj", M, dDrive);
    Object.assign(adj, { dScanInput: dIn, dA, dGates: dA, dZ });
  } else {
    const g = tr.gated!;
    const { stateDim: S, numHeads: H } = c;
    const ds = S / H;
    const delta = c.substrate === "gated_delta";
    const groups = delta ? 2 : 3;
    dDrive = dStates;
    grads.wo = mm(g.o, [N, S], dStates, [N, M], true);
    const dOS = mm(dStates, [N, M], need(values, "wo"), [S, M], false, true);
    const dO = toHeads(dOS, B, T, H, ds);
    const sg = scanBackward(g.problem, g.fwd, dO);
    const scale = 1 / Math.sqrt(ds);
    const dQ0 = fromHeads(sg.dq.map((v) => v * scale), B, T, H, ds);
    const dGates = new Float64Array(N * groups * H);
    let dK0: Float64Array;
    let dV0: Float64Array;
    if (!delta) {
      const gamma = need(values, "gamma");
      const r = headGates(g.gates, B, T, H, groups, 0);
      const w = headGates(g.gates, B, T, H, groups, 1);
      const e = headGates(g.gates, B, T, H, groups, 2);
      const vh = toHeads(g.v0, B, T, H, ds);
      dK0 = fromHeads(sg.dk, B, T, H, ds);
      dV0 = fromHeads(sg.dv.map((v, i) => v * w[Math.floor(i / ds)]!), B, T, H, ds);
      const dw = new Float64Array(B * H * T);
      for (let i = 0; i < sg.dv.length; i++) dw[Math.floor(i / ds)]! += sg.dv[i]! * vh[i]!;
      const gam = (i: number) => gamma[Math.floor(i / T) % H]!;
      const dr = sg.dGates.map((gk, i) => gk * gam(i) * (1 - e[i]!));
      const de = sg.dGates.map((gk, i) => -gk * r[i]! * gam(i));
      addHeadGates(dGates, dr, B, T, H, groups, 0);
      addHeadGates(dGates, dw, B, T, H, groups, 1);
      addHeadGates(dGates, de, B, T, H, groups, 2);
    } else {
      // k = k₀/ν with ν = √(Σk₀² + ε): ∂k_i/∂k₀_j = δ_ij/ν − k₀_i k₀_j/ν³.
      const kh = toHeads(g.k0, B, T, H, ds);
      const dkh = new Float64Array(kh.length);
      for (let r = 0; r < B * H * T; r++) {
        const nu = g.keyNorm![r]!;
        let dot = 0;
        for (let i = 0; i < ds; i++) dot += sg.dk[r * ds + i]! * kh[r * ds + i]!;
        for (let i = 0; i < ds; i++) {
          dkh[r * ds + i] = sg.dk[r * ds + i]! / nu - (kh[r * ds + i]! * dot) / nu ** 3;
        }
      }
      dK0 = fromHeads(dkh, B, T, H, ds);
      dV0 = fromHeads(sg.dv, B, T, H, ds);
      addHeadGates(dGates, sg.dGates, B, T, H, groups, 0);
      addHeadGates(dGates, sg.dBeta!, B, T, H, groups, 1);
    }
    const dZ = dGates.map((gv, i) => gv * g.gates[i]! * (1 - g.gates[i]!));
    grads.gate_b = colSums(dZ, groups * H);
    project("gate_w", groups * H, dZ);
    project("wq", S, dQ0);
    project("wk", S, dK0);
    project("wv", S, dV0);
    project("in_proj", M, dDrive);
    Object.assign(adj, { dO, scanGrads: sg, dGates, dZ, dQ0, dK0, dV0 });
  }
  adj.dDrive = dDrive;
  scatterRows(dEmb, batch.tokens, dX, E);
  grads.embedding = dEmb;
  return { grads, adjoints: adj };
}

/** ∂(gLoss·L)/∂θ for every trainable parameter (see {@link byteLMBackward}). */
export function byteLMGradients(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  batch: ByteLMBatch,
  trace: ByteLMTrace,
  gLoss = 1,
): Record<string, Float64Array> {
  return byteLMBackward(c, values, batch, trace, gLoss).grads;
}
