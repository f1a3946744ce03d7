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
 *   - frozen: S_t = d ⊙ S_{t−1} + D_t (d the decay bank, given); learnable_decays the same with
 *     d a trainable parameter, learnable_mixing the same with P trainable;
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
import { gatedMix as gatedMixOracle, oracleReadout, type OracleReadoutSpec } from "./readouts.ts";
import { hashMemoryForward } from "./hash_memory.ts";
import { OnlineCausalMemory } from "../../../impl/decepticons/memory/online_causal.ts";
import {
  magnitudeFeature,
  overwriteGateValues,
  overwriteInside,
  routerForward,
  selectorForward,
  temporalForward,
} from "./substrate_transforms.ts";
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
  | "learnable_decays"
  | "learnable_mixing"
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
  /**
   * Substrate passes (default 1): each further block k mixes the states, U = S + Φ_k(S) with
   * Φ_k(s) = relu(s W1 + c1) W2 + c2, and runs the substrate on U as its drive (unstrided).
   */
  readonly numBlocks?: number;
  /** The block MLPs' bottleneck m (with numBlocks > 1). */
  readonly blockBottleneck?: number;
  /** Scale the final states by g = 1 + 0.5·tanh(β) once (β = `bank_gate_beta` [1]). */
  readonly staticBankGate?: boolean;
  /**
   * Polynomial order (default 1: none) of the features of S appended to the readout's input:
   * z = S P + p ([M, d], d = min(64, ⌊M/4⌋)), then z_i z_j (i ≤ j) and, at 3, z³.
   */
  readonly substratePolyOrder?: number;
  /** The same on the local window (d = min(64, ⌊W·E/4⌋)), appended to the local MLP's input. */
  readonly localPolyOrder?: number;
  /**
   * The linear readout's kind (default "mlp"). With another kind, bands (`readoutBands` > 1) or
   * the gated mix, the model reads out through the readout path ({@link byteLMReadoutPath}):
   * forward only (the analytic backward covers the MLP path).
   */
  readonly readoutKind?:
    | "mlp"
    | "tied_recursive"
    | "routed_sqrelu_experts"
    | "tied_embed_readout"
    | "recurrent";
  readonly readoutDepth?: number;
  readonly readoutExperts?: number;
  readonly tiedReadoutNormalize?: boolean;
  readonly readoutBands?: number;
  readonly bandExperts?: readonly number[];
  readonly mixMode?: "additive" | "gated";
  /**
   * The hash memory (readout path): the linear readout reads [S, x + HashMemory(x)], the
   * memory's parameters `hash_memory.{write,query,out}_{w,b}` (spec/oracle/decepticons/
   * hash_memory.ts).
   */
  readonly hashMemory?: boolean;
  readonly hashMemorySlots?: number;
  readonly hashMemoryDim?: number;
  // online memory
  /**
   * The online memory (readout path; default "none"): u ← u + σ(memory_gate)·(f W + b) with
   * f [N, 7] the host OnlineCausalMemory.trace of each row (every kind reads the same features).
   */
  readonly memoryKind?: "none" | "ngram" | "exact_context" | "statistical_backoff";
  // substrate transforms (readout path; forward only), the oracles of
  // spec/oracle/decepticons/substrate_transforms.ts on the parameters under the model's prefixes
  /** D ← routerForward(D, x) before the substrate (`bank_router.route_{w,b}`). */
  readonly substrateBankRouter?: boolean;
  /** Bank substrates: every pass is overwriteInside(D, σ(x W + b), d) (`overwrite_gate.*`). */
  readonly overwriteGate?: boolean;
  /** S ← magnitudeFeature(S) (γ = `magnitude.log_gain`, ε = 10⁻⁶), after the static gate. */
  readonly magnitudeNormalize?: boolean;
  /** Keep the log-magnitude channel (default true): the states are then M + 1 wide. */
  readonly magnitudeKeep?: boolean;
  /** S ← selectorForward(S, x) (τ = 1, `mode_selector.select_{w,b}`), after the normaliser. */
  readonly modeSelector?: boolean;
  /** S ← temporalForward(S) (causal, `temporal_attention.*`), after the selector. */
  readonly temporalAttention?: boolean;
  readonly temporalSnapshotInterval?: number;
  readonly temporalAttentionHeads?: number;
  readonly temporalAttentionHeadDim?: number;
}

/** Whether any substrate transform is on. */
export function usesTransforms(c: ByteLMOracleConfig): boolean {
  return (c.substrateBankRouter ?? false) || (c.overwriteGate ?? false) ||
    (c.magnitudeNormalize ?? false) || (c.modeSelector ?? false) ||
    (c.temporalAttention ?? false);
}

/** The width of the states the readout reads: M, plus the kept log-magnitude channel. */
export function oracleStateWidth(c: ByteLMOracleConfig): number {
  return c.linearModes + ((c.magnitudeNormalize ?? false) && (c.magnitudeKeep ?? true) ? 1 : 0);
}

/** The online memory's residual on the readout input (see {@link memoryResidualOracle}). */
export interface MemoryResidualTrace {
  /** The features f [N, 7] (OnlineCausalMemory.trace of each row from the empty memory). */
  features: Float64Array;
  /** f W + b [N, F]. */
  proj: Float64Array;
  /** σ(memory_gate). */
  sig: number;
  /** σ(memory_gate)·(f W + b) [N, F]. */
  residual: Float64Array;
}

/**
 * online memory: the residual σ(g)·(f W + b) the readout input u [N, F] receives, with
 * `memory_w` [7, F], `memory_b` [F], `memory_gate` [1] and f the host memory's feature trace of
 * each row of the batch (exact contexts, maxOrder 3).
 */
export function memoryResidualOracle(
  values: ByteLMValues,
  batch: { B: number; T: number; tokens: Int32Array },
  F: number,
): MemoryResidualTrace {
  const { B, T } = batch;
  const N = B * T;
  const features = new Float64Array(N * 7);
  for (let b = 0; b < B; b++) {
    features.set(OnlineCausalMemory.trace(batch.tokens.subarray(b * T, (b + 1) * T)), b * T * 7);
  }
  const proj = addRows(
    mm(features, [N, 7], need(values, "memory_w"), [7, F]),
    need(values, "memory_b"),
  );
  const sig = sigmoid(need(values, "memory_gate")[0]!);
  return { features, proj, sig, residual: proj.map((v) => sig * v) };
}

/**
 * online memory: the gradients of the residual's parameters from ∂L/∂u [N, F] (u's adjoint):
 * ∂W = fᵀ(σ ∂u) [7, F], ∂b = Σ_n σ ∂u [F], ∂g = σ(1 − σ)·Σ ∂u ⊙ (f W + b) [1].
 */
export function memoryResidualBackward(
  m: MemoryResidualTrace,
  dU: ArrayLike<number>,
): { memory_w: Float64Array; memory_b: Float64Array; memory_gate: Float64Array } {
  const F = m.proj.length / (m.features.length / 7);
  const N = m.proj.length / F;
  const dProj = Float64Array.from({ length: N * F }, (_, i) => m.sig * dU[i]!);
  let dSig = 0;
  for (let i = 0; i < N * F; i++) dSig += dU[i]! * m.proj[i]!;
  return {
    memory_w: mm(m.features, [N, 7], dProj, [N, F], true),
    memory_b: colSums(dProj, F),
    memory_gate: Float64Array.of(dSig * m.sig * (1 - m.sig)),
  };
}

/** Whether a configuration reads out through the readout path (not the MLP one). */
export function usesReadoutPath(c: ByteLMOracleConfig): boolean {
  return (c.readoutKind ?? "mlp") !== "mlp" || (c.readoutBands ?? 1) > 1 ||
    (c.mixMode ?? "additive") === "gated" || (c.hashMemory ?? false) || usesTransforms(c) ||
    (c.memoryKind ?? "none") !== "none";
}

/** The readout spec of the linear path (the readouts oracle's). */
export function linearReadoutSpec(c: ByteLMOracleConfig): OracleReadoutSpec {
  const kind = c.readoutKind ?? "mlp";
  const h = c.readoutHidden;
  const E = c.embeddingDim;
  if ((c.readoutBands ?? 1) > 1) {
    if (kind === "recurrent") {
      throw new RangeError("Cannot run the byte-LM oracle: bands cannot be recurrent readouts");
    }
    return {
      kind: "bands",
      bands: c.readoutBands!,
      modes: oracleStateWidth(c),
      bandKind: kind,
      hidden: [h],
      depth: c.readoutDepth ?? 1,
      experts: c.readoutExperts ?? 4,
      ...(c.bandExperts !== undefined && c.bandExperts.length > 0
        ? { bandExperts: c.bandExperts }
        : {}),
      embeddingDim: E,
      normalize: c.tiedReadoutNormalize ?? false,
    };
  }
  switch (kind) {
    case "mlp":
      return { kind, hidden: [h] };
    case "tied_recursive":
      return { kind, hidden: h, depth: c.readoutDepth ?? 1 };
    case "routed_sqrelu_experts":
      return { kind, hidden: h, experts: c.readoutExperts ?? 4 };
    case "tied_embed_readout":
      return {
        kind,
        hidden: h,
        experts: c.readoutExperts ?? 4,
        embeddingDim: E,
        normalize: c.tiedReadoutNormalize ?? false,
      };
    case "recurrent":
      return { kind, hidden: h };
  }
}

/** The readout path's intermediates (see {@link byteLMReadoutPath}). */
export interface ReadoutPathTrace {
  /** u = [S, x(, poly terms)] [N, F]. */
  features: Float64Array;
  /** The linear readout's logits [N, 256]. */
  lin: Float64Array;
  /** The local MLP readout's logits [N, 256] (null without a local path). */
  loc: Float64Array | null;
  /** The gated mix's gate [N] (null with the additive mix). */
  gate: Float64Array | null;
  /** The balance loss of the routed readouts and bands (null without a router). */
  balance: number | null;
  logits: Float64Array;
}

/**
 * The readout path on the readouts oracle (spec/oracle/decepticons/readouts.ts):
 * ℓ_lin = readout(u) under the prefix "readout" (the tied readouts on the embedding table),
 * ℓ_loc = the MLP readout "local" of the local input, logits = ℓ_lin + s·ℓ_loc (additive) or
 * the gated mix "mix" of the two.
 */
export function byteLMReadoutPath(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  batch: { B: number; T: number },
  features: Float64Array,
  localIn: Float64Array | null,
): ReadoutPathTrace {
  const { B, T } = batch;
  const N = B * T;
  const V = ORACLE_BYTE_VOCAB;
  const p = values as Record<string, Float64Array>;
  const emb = need(values, "embedding");
  const F = features.length / N;
  const lin = oracleReadout(linearReadoutSpec(c), p, "readout", features, { B, T, F, V }, emb);
  if (localIn === null) {
    return {
      features,
      lin: lin.logits,
      loc: null,
      gate: null,
      balance: lin.balance,
      logits: lin.logits,
    };
  }
  const FL = localIn.length / N;
  const loc = oracleReadout(
    { kind: "mlp", hidden: [c.localHidden] },
    p,
    "local",
    localIn,
    { B, T, F: FL, V },
  ).logits;
  if ((c.mixMode ?? "additive") === "gated") {
    const m = gatedMixOracle(
      lin.logits,
      loc,
      N,
      V,
      need(values, "mix.gate_w"),
      need(values, "mix.gate_b")[0]!,
      c.localScale,
    );
    return { features, lin: lin.logits, loc, gate: m.gate, balance: lin.balance, logits: m.logits };
  }
  const logits = lin.logits.map((l, i) => l + c.localScale * loc[i]!);
  return { features, lin: lin.logits, loc, gate: null, balance: lin.balance, logits };
}

/** The projection width and term count of polynomial features of an input n wide. */
export function polyDims(n: number, order: number): { d: number; terms: number } {
  const d = Math.min(64, Math.floor(n / 4));
  if (order < 2) return { d, terms: 0 };
  return { d, terms: (d * (d + 1)) / 2 + (order === 3 ? d : 0) };
}

/** ∂L/∂z of {@link polyTermsOracle}'s terms from their adjoint dT [rows, terms]. */
export function polyTermsBackward(
  z: Float64Array,
  dT: Float64Array,
  rows: number,
  d: number,
  order: 2 | 3,
): Float64Array {
  const pairs = (d * (d + 1)) / 2;
  const w = pairs + (order === 3 ? d : 0);
  const dz = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let p = 0;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const g = dT[r * w + p++]!;
        dz[r * d + i]! += g * z[r * d + j]!;
        dz[r * d + j]! += g * z[r * d + i]!;
      }
    }
    if (order === 3) {
      for (let i = 0; i < d; i++) dz[r * d + i]! += 3 * z[r * d + i]! ** 2 * dT[r * w + pairs + i]!;
    }
  }
  return dz;
}

/** The block parameters' names, in the model's order. */
function blockNames(c: ByteLMOracleConfig): string[] {
  const out: string[] = [];
  for (let k = 1; k < (c.numBlocks ?? 1); k++) {
    out.push(`block${k}_w1`, `block${k}_b1`, `block${k}_w2`, `block${k}_b2`);
  }
  return out;
}

/** Whether a substrate is the decay bank (fixed or learnable decays and mixing). */
export function isBank(s: ByteLMOracleSubstrate): boolean {
  return s === "frozen" || s === "learnable_decays" || s === "learnable_mixing";
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

/** The floor ε of the magnitude feature's norm (the module's default). */
export const MAGNITUDE_EPS = 1e-6;

/** Names of the trainable parameters, in the model's order. */
export function byteLMTrainableNames(c: ByteLMOracleConfig): string[] {
  const names = ["embedding"];
  if (c.substrate === "learnable_decays") names.push("decays");
  else if (c.substrate !== "frozen") names.push("in_proj");
  if (c.substrate === "learned_recurrence") names.push("gate_w", "gate_b");
  if (c.substrate === "gated_retention" || c.substrate === "gated_delta") {
    names.push("wq", "wk", "wv", "wo", "gate_w", "gate_b");
  }
  names.push(...blockNames(c));
  if (c.staticBankGate) names.push("bank_gate_beta");
  if ((c.substratePolyOrder ?? 1) > 1) names.push("substrate_poly_w", "substrate_poly_b");
  names.push("readout_w", "readout_b");
  if (c.localWindow > 0 && (c.localPolyOrder ?? 1) > 1) names.push("local_poly_w", "local_poly_b");
  if (c.localWindow > 0) names.push("local_w", "local_b");
  names.push("out_w", "out_b");
  return names;
}

/** Shapes of every array {@link ByteLMValues} needs (trainable and fixed) but the decay bank. */
export function byteLMParameterShapes(c: ByteLMOracleConfig): Record<string, number[]> {
  const { embeddingDim: E, linearModes: M, stateDim: S, numHeads: H } = c;
  const s: Record<string, number[]> = { embedding: [ORACLE_BYTE_VOCAB, E], in_proj: [E, M] };
  if (c.substrate === "learned_recurrence") Object.assign(s, { gate_w: [E, M], gate_b: [M] });
  if (c.substrate === "learnable_decays") s.decays = [M];
  if (c.substrate === "gated_retention" || c.substrate === "gated_delta") {
    const g = c.substrate === "gated_retention" ? 3 * H : 2 * H;
    Object.assign(s, { wq: [E, S], wk: [E, S], wv: [E, S], wo: [S, M] });
    Object.assign(s, { gate_w: [E, g], gate_b: [g] });
    if (c.substrate === "gated_retention") s.gamma = [H];
  }
  const m = c.blockBottleneck ?? 1;
  for (let k = 1; k < (c.numBlocks ?? 1); k++) {
    Object.assign(s, {
      [`block${k}_w1`]: [M, m],
      [`block${k}_b1`]: [m],
      [`block${k}_w2`]: [m, M],
      [`block${k}_b2`]: [M],
    });
  }
  if (c.staticBankGate) s.bank_gate_beta = [1];
  const sp = polyDims(M, c.substratePolyOrder ?? 1);
  if (sp.terms > 0) Object.assign(s, { substrate_poly_w: [M, sp.d], substrate_poly_b: [sp.d] });
  s.readout_w = [M + E + sp.terms, c.readoutHidden];
  s.readout_b = [c.readoutHidden];
  const out = c.readoutHidden + (c.localWindow > 0 ? c.localHidden : 0);
  if (c.localWindow > 0) {
    const lp = polyDims(c.localWindow * E, c.localPolyOrder ?? 1);
    if (lp.terms > 0) {
      Object.assign(s, { local_poly_w: [c.localWindow * E, lp.d], local_poly_b: [lp.d] });
    }
    s.local_w = [c.localWindow * E + lp.terms, c.localHidden];
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

/** One further block k: S_in, pre = S_in W1 + c1, h = relu(pre), U = S_in + h W2 + c2, S_out. */
export interface BlockTrace {
  input: Float64Array;
  pre: Float64Array;
  h: Float64Array;
  u: Float64Array;
  /** learned_recurrence: U − a⊙U, the pass's scan input. */
  scanInput: Float64Array | null;
  out: Float64Array;
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
  /** The first pass's states, and each further block's inputs (numBlocks > 1). */
  blocks: BlockTrace[];
  /** Gated substrates: the memory's read-out o W_o [N, M], shared by every pass. */
  mix: Float64Array | null;
  /** The static gate g and the states it scales (null without the gate). */
  gate: { g: number; states: Float64Array } | null;
  /** Substrate polynomial features: the projection z [N, d] (null without). */
  polyZ: Float64Array | null;
  /** The local MLP's input [window, terms] and the window's projection z (null without). */
  localIn: Float64Array | null;
  localZ: Float64Array | null;
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
  /** The readout path's intermediates (null on the MLP path; then cat … hidden are empty). */
  readout: ReadoutPathTrace | null;
  /**
   * The states before the substrate transforms (after the static gate), [N, M]; `states` are
   * the transformed ones the readout reads ([N, M + 1] with a kept magnitude channel).
   */
  substrateStates?: Float64Array;
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
  const drive0 = mm(x, [N, E], need(values, "in_proj"), [E, M]);
  // The bank router scales the first pass's drive per bank.
  const drive = (c.substrateBankRouter ?? false)
    ? routerForward(
      drive0,
      x,
      need(values, "bank_router.route_w"),
      need(values, "bank_router.route_b"),
      M,
    )
    : drive0;
  // The overwrite gate g = σ(x W + b), inside every bank pass's recurrence.
  const owGate = (c.overwriteGate ?? false)
    ? overwriteGateValues(
      x,
      need(values, "overwrite_gate.gate_w"),
      need(values, "overwrite_gate.gate_b"),
    )
    : null;
  let states: Float64Array;
  let z: Float64Array | null = null;
  let a: Float64Array | null = null;
  let scanInput: Float64Array | null = null;
  let gated: GatedTrace | null = null;
  let mix: Float64Array | null = null;
  const dims = { nb: B, T, C: M, w: 1 as const };
  if (isBank(c.substrate) && owGate !== null) {
    states = overwriteInside(drive, owGate, need(values, "decays"), { B, T });
  } else if (isBank(c.substrate)) {
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
    mix = Float64Array.from(states);
    for (let i = 0; i < states.length; i++) states[i]! += drive[i]!;
  }
  // Further blocks: U = S + Φ(S), then the same substrate on U as its drive.
  const blocks: BlockTrace[] = [];
  for (let k = 1; k < (c.numBlocks ?? 1); k++) {
    const w1 = need(values, `block${k}_w1`);
    const b1 = need(values, `block${k}_b1`);
    const m = b1.length;
    const pre = addRows(mm(states, [N, M], w1, [M, m]), b1);
    const h = pre.map((v) => Math.max(v, 0));
    const phi = addRows(
      mm(h, [N, m], need(values, `block${k}_w2`), [m, M]),
      need(values, `block${k}_b2`),
    );
    const u = states.map((v, i) => v + phi[i]!);
    let out: Float64Array;
    let scanIn: Float64Array | null = null;
    if (isBank(c.substrate) && owGate !== null) {
      out = overwriteInside(u, owGate, need(values, "decays"), { B, T });
    } else if (isBank(c.substrate)) {
      const d = need(values, "decays");
      out = recurrenceForward(
        dims,
        Float64Array.from({ length: N * M }, (_, i) => d[i % M]!),
        u,
        null,
      ).h;
    } else if (c.substrate === "learned_recurrence") {
      const av = a!;
      scanIn = u.map((v, i) => v - av[i]! * v);
      out = recurrenceForward(dims, av, scanIn, null).h;
    } else {
      out = u.map((v, i) => mix![i]! + v);
    }
    blocks.push({ input: states, pre, h, u, scanInput: scanIn, out });
    states = out;
  }
  let gate: { g: number; states: Float64Array } | null = null;
  if (c.staticBankGate) {
    const g = 1 + 0.5 * Math.tanh(need(values, "bank_gate_beta")[0]!);
    gate = { g, states };
    states = states.map((v) => v * g);
  }
  // The transforms after the static gate: magnitude → selector → temporal attention.
  const substrateStates = states;
  if (c.magnitudeNormalize ?? false) {
    const gamma = need(values, "magnitude.log_gain")[0]!;
    states = magnitudeFeature(states, M, gamma, MAGNITUDE_EPS, c.magnitudeKeep ?? true);
  }
  const sw = oracleStateWidth(c);
  if (c.modeSelector ?? false) {
    const sel = (n: string) => need(values, `mode_selector.${n}`);
    states = selectorForward(states, x, sel("select_w"), sel("select_b"), 1);
  }
  if (c.temporalAttention ?? false) {
    const ta = (n: string) => need(values, `temporal_attention.${n}`);
    states = temporalForward(
      states,
      { q_w: ta("q_w"), k_w: ta("k_w"), v_w: ta("v_w"), o_w: ta("o_w") },
      {
        B,
        T,
        M: sw,
        heads: c.temporalAttentionHeads ?? 2,
        headDim: c.temporalAttentionHeadDim ?? 32,
        interval: c.temporalSnapshotInterval ?? 64,
      },
    );
  }
  const hl = c.readoutHidden;
  let cat = concatCols(states, sw, x, E);
  const sp = polyDims(sw, c.substratePolyOrder ?? 1);
  let polyZ: Float64Array | null = null;
  if (sp.terms > 0) {
    polyZ = addRows(
      mm(states, [N, sw], need(values, "substrate_poly_w"), [sw, sp.d]),
      need(values, "substrate_poly_b"),
    );
    cat = concatCols(
      cat,
      sw + E,
      polyTermsOracle(polyZ, N, sp.d, c.substratePolyOrder as 2 | 3),
      sp.terms,
    );
  }
  const catW = sw + E + sp.terms;
  let win: Float64Array | null = null;
  let winIds: Int32Array | null = null;
  let preLocal: Float64Array | null = null;
  let hLocal: Float64Array | null = null;
  let localIn: Float64Array | null = null;
  let localZ: Float64Array | null = null;
  const W = c.localWindow;
  const lh = c.localHidden;
  const lp = polyDims(W * E, c.localPolyOrder ?? 1);
  if (W > 0) {
    winIds = windowIds(batch, W);
    win = gatherRows(emb, winIds, E);
    localIn = win;
    if (lp.terms > 0) {
      localZ = addRows(
        mm(win, [N, W * E], need(values, "local_poly_w"), [W * E, lp.d]),
        need(values, "local_poly_b"),
      );
      localIn = concatCols(
        win,
        W * E,
        polyTermsOracle(localZ, N, lp.d, c.localPolyOrder as 2 | 3),
        lp.terms,
      );
    }
  }
  const common = {
    x,
    drive,
    z,
    a,
    scanInput,
    gated,
    states,
    blocks,
    mix,
    gate,
    polyZ,
    substrateStates,
  };
  if (usesReadoutPath(c)) {
    if (c.hashMemory ?? false) {
      // The readout's x is x + HashMemory(x); the substrate and its poly terms read x and S.
      const hp = (n: string) => need(values, `hash_memory.${n}`);
      const hm = hashMemoryForward(
        {
          write_w: hp("write_w"),
          write_b: hp("write_b"),
          query_w: hp("query_w"),
          query_b: hp("query_b"),
          out_w: hp("out_w"),
          out_b: hp("out_b"),
        },
        x,
        { B, T, E, M: c.hashMemorySlots ?? 64, D: c.hashMemoryDim ?? 64 },
      ).out;
      const xr = x.map((v, i) => v + hm[i]!);
      const rest = catW - sw - E;
      const head = concatCols(states, sw, xr, E);
      cat = rest > 0 ? concatCols(head, sw + E, takeCols(cat, catW, sw + E, rest), rest) : head;
    }
    // online memory: the readout input gets σ(g)·(f W + b).
    if ((c.memoryKind ?? "none") !== "none") {
      const m = memoryResidualOracle(values, batch, cat.length / N);
      cat = cat.map((v, i) => v + m.residual[i]!);
    }
    const rp = byteLMReadoutPath(c, values, batch, cat, localIn);
    const empty = new Float64Array(0);
    return {
      ...common,
      localIn,
      localZ,
      cat,
      pre: empty,
      hLin: empty,
      win,
      winIds,
      preLocal: null,
      hLocal: null,
      hidden: empty,
      logits: rp.logits,
      loss: crossEntropyOf(rp.logits, batch.targets, N),
      readout: rp,
    };
  }
  const pre = addRows(
    mm(cat, [N, catW], need(values, "readout_w"), [catW, hl]),
    need(values, "readout_b"),
  );
  const hLin = pre.map(geluTanh);
  let hidden: Float64Array = hLin;
  if (W > 0) {
    const inW = W * E + lp.terms;
    preLocal = addRows(
      mm(localIn!, [N, inW], need(values, "local_w"), [inW, lh]),
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
  const loss = crossEntropyOf(logits, batch.targets, N);
  return {
    x,
    drive,
    z,
    a,
    scanInput,
    gated,
    states,
    blocks,
    mix,
    gate,
    polyZ,
    localIn,
    localZ,
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
    readout: null,
  };
}

/** The mean cross-entropy of logits [N, 256] against the targets (the softmax oracle's). */
function crossEntropyOf(logits: Float64Array, targets: Int32Array, N: number): number {
  return SOFTMAX_ORACLES.cross_entropy.forward([
    { shape: [N, ORACLE_BYTE_VOCAB], data: logits },
    { shape: [N], data: Float64Array.from(targets) },
  ], {}).data[0]!;
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
  inject?: { readonly dCat: ArrayLike<number>; readonly dWin: ArrayLike<number> | null },
): ByteLMBackward {
  if ((tr.readout !== null || usesReadoutPath(c)) && inject === undefined) {
    throw new RangeError(
      "Cannot run the byte-LM oracle's backward: expected the MLP readout path, or the readout " +
        "path's adjoints of its features and window injected, but got the readout path " +
        `(readoutKind ${c.readoutKind ?? "mlp"}, readoutBands ${c.readoutBands ?? 1}, mixMode ` +
        `${c.mixMode ?? "additive"}) without them`,
    );
  }
  const { B, T } = batch;
  const N = B * T;
  const { embeddingDim: E, linearModes: M } = c;
  const V = ORACLE_BYTE_VOCAB;
  const hl = c.readoutHidden;
  const W = c.localWindow;
  const width = hl + (W > 0 ? c.localHidden : 0);
  const grads: Record<string, Float64Array> = {};
  const sp = polyDims(M, c.substratePolyOrder ?? 1);
  const catW = M + E + sp.terms;
  // The MLP readout's backward to ∂L/∂[S, x(, poly)]; or those adjoints injected (the readout
  // path's, as the GPU's readouts computed them).
  const none: Float64Array = new Float64Array(0);
  let dLogits: Float64Array = none;
  let dHidden: Float64Array = none;
  let dPre: Float64Array = none;
  let dCat: Float64Array;
  if (inject === undefined) {
    dLogits = SOFTMAX_ORACLES.cross_entropy.backward(
      [{ shape: [N, V], data: tr.logits }, { shape: [N], data: Float64Array.from(batch.targets) }],
      {},
      { shape: [], data: Float64Array.of(gLoss) },
    )[0]!.data;
    grads.out_b = colSums(dLogits, V);
    grads.out_w = mm(tr.hidden, [N, width], dLogits, [N, V], true);
    dHidden = mm(dLogits, [N, V], need(values, "out_w"), [width, V], false, true);
    const dHLin = takeCols(dHidden, width, 0, hl);
    dPre = dHLin.map((g, i) => g * geluTanhGrad(tr.pre[i]!));
    grads.readout_b = colSums(dPre, hl);
    grads.readout_w = mm(tr.cat, [N, catW], dPre, [N, hl], true);
    dCat = mm(dPre, [N, hl], need(values, "readout_w"), [catW, hl], false, true);
  } else {
    if (inject.dCat.length !== N * catW || (W > 0) !== (inject.dWin !== null)) {
      throw new TypeError(
        `Cannot run the byte-LM oracle's backward: expected ∂L/∂u of ${N * catW} values` +
          `${W > 0 ? ` and the window's of ${N * W * E}` : ""}`,
      );
    }
    dCat = Float64Array.from(inject.dCat);
  }
  const dFinal = takeCols(dCat, catW, 0, M);
  const dX = takeCols(dCat, catW, M, E);
  if (tr.polyZ !== null) {
    // The features read the final states: their share joins the readout's.
    const dz = polyTermsBackward(
      tr.polyZ,
      takeCols(dCat, catW, M + E, sp.terms),
      N,
      sp.d,
      c.substratePolyOrder as 2 | 3,
    );
    grads.substrate_poly_b = colSums(dz, sp.d);
    grads.substrate_poly_w = mm(tr.states, [N, M], dz, [N, sp.d], true);
    const viaPoly = mm(dz, [N, sp.d], need(values, "substrate_poly_w"), [M, sp.d], false, true);
    for (let i = 0; i < dFinal.length; i++) dFinal[i]! += viaPoly[i]!;
  }
  const dEmb = new Float64Array(V * E);
  let dPreLocal: Float64Array | null = null;
  let dWin: Float64Array | null = null;
  if (W > 0 && inject !== undefined) {
    dWin = Float64Array.from(inject.dWin!);
    scatterRows(dEmb, tr.winIds!, dWin, E);
  } else if (W > 0) {
    const lh = c.localHidden;
    const dHs = takeCols(dHidden, width, hl, lh);
    dPreLocal = dHs.map((g, i) => c.localScale * g * geluTanhGrad(tr.preLocal![i]!));
    grads.local_b = colSums(dPreLocal, lh);
    const lp = polyDims(W * E, c.localPolyOrder ?? 1);
    const inW = W * E + lp.terms;
    grads.local_w = mm(tr.localIn!, [N, inW], dPreLocal, [N, lh], true);
    const dIn = mm(dPreLocal, [N, lh], need(values, "local_w"), [inW, lh], false, true);
    dWin = takeCols(dIn, inW, 0, W * E);
    if (tr.localZ !== null) {
      const dz = polyTermsBackward(
        tr.localZ,
        takeCols(dIn, inW, W * E, lp.terms),
        N,
        lp.d,
        c.localPolyOrder as 2 | 3,
      );
      grads.local_poly_b = colSums(dz, lp.d);
      grads.local_poly_w = mm(tr.win!, [N, W * E], dz, [N, lp.d], true);
      const viaPoly = mm(dz, [N, lp.d], need(values, "local_poly_w"), [W * E, lp.d], false, true);
      for (let i = 0; i < dWin.length; i++) dWin[i]! += viaPoly[i]!;
    }
    scatterRows(dEmb, tr.winIds!, dWin, E);
  }
  const adj: ByteLMAdjoints = {
    dLogits,
    dHidden,
    dPre,
    dPreLocal,
    dWin,
    dCat,
    dStates: dFinal,
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
  // The further blocks, last first: each pass's drive U gets the pass's adjoint; U = S + Φ(S).
  let dStates = dFinal;
  if (tr.gate !== null) {
    // S·g: β gets 0.5·(1 − tanh²β)·Σ ∂L/∂S ⊙ S_before; the states get g·∂L/∂S.
    const { g, states } = tr.gate;
    let dg = 0;
    for (let i = 0; i < states.length; i++) dg += dFinal[i]! * states[i]!;
    const t = Math.tanh(need(values, "bank_gate_beta")[0]!);
    grads.bank_gate_beta = Float64Array.of(0.5 * (1 - t * t) * dg);
    dStates = dFinal.map((v) => v * g);
  }
  const blockDA = new Float64Array(N * M); // learned_recurrence: ∂L/∂a of the further passes
  const blockDDecays = new Float64Array(M); // learnable_decays
  const dMix = new Float64Array(tr.mix === null ? 0 : N * M); // gated: the read-out's adjoint
  for (let k = tr.blocks.length; k >= 1; k--) {
    const bt = tr.blocks[k - 1]!;
    let dU: Float64Array;
    if (isBank(c.substrate)) {
      const d = need(values, "decays");
      const gates = Float64Array.from({ length: N * M }, (_, i) => d[i % M]!);
      const rb = recurrenceBackward(dims, gates, bt.u, null, dStates, null);
      dU = rb.db;
      addInto(blockDDecays, colSums(rb.da, M));
    } else if (c.substrate === "learned_recurrence") {
      const a = tr.a!;
      const rb = recurrenceBackward(dims, a, bt.scanInput!, null, dStates, null);
      dU = rb.db.map((g, i) => g - g * a[i]!);
      addInto(blockDA, rb.da.map((g, i) => g - rb.db[i]! * bt.u[i]!));
    } else {
      dU = dStates;
      addInto(dMix, dStates);
    }
    const m = bt.h.length / N;
    grads[`block${k}_b2`] = colSums(dU, M);
    grads[`block${k}_w2`] = mm(bt.h, [N, m], dU, [N, M], true);
    const dH = mm(dU, [N, M], need(values, `block${k}_w2`), [m, M], false, true);
    const dPreB = dH.map((g, i) => (bt.pre[i]! > 0 ? g : 0));
    grads[`block${k}_b1`] = colSums(dPreB, m);
    grads[`block${k}_w1`] = mm(bt.input, [N, M], dPreB, [N, m], true);
    dStates = dU.slice();
    addInto(dStates, mm(dPreB, [N, m], need(values, `block${k}_w1`), [M, m], false, true));
  }
  adj.dStates = dStates;
  /** x·W for a projection W [E, n]: its gradient, and x's share added to dX. */
  const project = (name: string, n: number, dOut: Float64Array) => {
    grads[name] = mm(tr.x, [N, E], dOut, [N, n], true);
    addInto(dX, mm(dOut, [N, n], need(values, name), [E, n], false, true));
  };
  let dDrive: Float64Array;
  if (isBank(c.substrate)) {
    const d = need(values, "decays");
    const gates = Float64Array.from({ length: N * M }, (_, i) => d[i % M]!);
    const rb = recurrenceBackward(dims, gates, tr.drive, null, dStates, null);
    dDrive = rb.db;
    // learnable_decays: d is broadcast over the B·T rows, so its gradient sums ∂L/∂a over them.
    if (c.substrate === "learnable_decays") {
      grads.decays = colSums(rb.da, M);
      addInto(grads.decays, blockDDecays);
    }
    // in_proj trains only for learnable_mixing; otherwise only x's share.
    if (c.substrate === "learnable_mixing") project("in_proj", M, dDrive);
    else addInto(dX, mm(dDrive, [N, M], need(values, "in_proj"), [E, M], false, true));
  } else if (c.substrate === "learned_recurrence") {
    const a = tr.a!;
    const rb = recurrenceBackward(dims, a, tr.scanInput!, null, dStates, null);
    const dIn = rb.db;
    // scanInput = D − a⊙D.
    dDrive = dIn.map((g, i) => g - g * a[i]!);
    const dA = rb.da.map((g, i) => g - dIn[i]! * tr.drive[i]! + blockDA[i]!);
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
    // The read-out feeds every pass: its adjoint sums the first pass's and the blocks'.
    const dRead = dStates.slice();
    addInto(dRead, dMix);
    grads.wo = mm(g.o, [N, S], dRead, [N, M], true);
    const dOS = mm(dRead, [N, M], need(values, "wo"), [S, M], false, true);
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

// ---------------------------------------------------------------------------------------------
// The knobs of the causal bank (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py
// (7be9af7)): polynomial features, stacked frozen-bank blocks with the static gate, and the
// substrate regulariser, in f64 on explicit arrays.

/**
 * Polynomial terms of projected features z [rows, d]: the upper-triangle products z_i z_j
 * (i ≤ j, row-major) and, at order 3, the cube z³ after them: [rows, d(d+1)/2 (+ d)].
 */
export function polyTermsOracle(z: ArrayLike<number>, rows: number, d: number, order: 2 | 3) {
  const pairs = (d * (d + 1)) / 2;
  const w = pairs + (order === 3 ? d : 0);
  const out = new Float64Array(rows * w);
  for (let r = 0; r < rows; r++) {
    let p = 0;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) out[r * w + p++] = z[r * d + i]! * z[r * d + j]!;
    }
    if (order === 3) { for (let i = 0; i < d; i++) out[r * w + pairs + i] = z[r * d + i]! ** 3; }
  }
  return out;
}

/** One block MLP's weights: Φ(s) = relu(s W1 + b1) W2 + b2 with W1 [M, m], W2 [m, M]. */
export interface BlockWeightsOracle {
  readonly w1: ArrayLike<number>;
  readonly b1: ArrayLike<number>;
  readonly w2: ArrayLike<number>;
  readonly b2: ArrayLike<number>;
}

/**
 * The frozen bank run through `numBlocks` blocks ([B, T, M] drive, decays d [M]): the first pass
 * S_t = d ⊙ S_{t−1} + D_t, then per block idx = 0..numBlocks−2 with s = stride^idx: unstrided
 * (idx 0, stride 1 or s ≥ T) S ← Sub(S + Φ(S)); strided S ← S + Up_s(Sub(Ŝ + Φ(Ŝ))) with
 * Ŝ = S[:, ::s] and Up_s repeating each row s times; finally S ← g·S (g = 1 without a gate).
 */
export function frozenBlocksOracle(o: {
  B: number;
  T: number;
  M: number;
  decays: ArrayLike<number>;
  drive: ArrayLike<number>;
  blocks: readonly BlockWeightsOracle[];
  numBlocks: number;
  stride: number;
  gate?: number;
}): Float64Array {
  const { B, M } = o;
  const sub = (x: Float64Array, t: number) => {
    const out = new Float64Array(x.length);
    for (let b = 0; b < B; b++) {
      const h = new Float64Array(M);
      for (let s = 0; s < t; s++) {
        for (let m = 0; m < M; m++) {
          h[m] = o.decays[m]! * h[m]! + x[(b * t + s) * M + m]!;
          out[(b * t + s) * M + m] = h[m]!;
        }
      }
    }
    return out;
  };
  const phiAdd = (x: Float64Array, w: BlockWeightsOracle) => {
    const rows = x.length / M;
    const m = w.b1.length;
    const out = Float64Array.from(x);
    for (let r = 0; r < rows; r++) {
      const hid = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        let a = w.b1[j]!;
        for (let i = 0; i < M; i++) a += x[r * M + i]! * w.w1[i * m + j]!;
        hid[j] = Math.max(a, 0);
      }
      for (let i = 0; i < M; i++) {
        let a = w.b2[i]!;
        for (let j = 0; j < m; j++) a += hid[j]! * w.w2[j * M + i]!;
        out[r * M + i]! += a;
      }
    }
    return out;
  };
  const T = o.T;
  let s = sub(Float64Array.from(o.drive), T);
  for (let idx = 0; idx < o.numBlocks - 1; idx++) {
    const st = o.stride ** idx;
    const w = o.blocks[idx]!;
    if (idx === 0 || o.stride === 1 || st >= T) {
      s = sub(phiAdd(s, w), T);
      continue;
    }
    const tp = Math.ceil(T / st);
    const sh = new Float64Array(B * tp * M);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < tp; k++) {
        for (let m = 0; m < M; m++) sh[(b * tp + k) * M + m] = s[(b * T + k * st) * M + m]!;
      }
    }
    const y = sub(phiAdd(sh, w), tp);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const k = Math.floor(t / st);
        for (let m = 0; m < M; m++) s[(b * T + t) * M + m]! += y[(b * tp + k) * M + m]!;
      }
    }
  }
  const g = o.gate ?? 1;
  return g === 1 ? s : s.map((v) => v * g);
}

/**
 * The decay regulariser R(d) = 10 Σ relu(0.01 − d) + 10 Σ relu(d − 0.9999) +
 * 0.1·mean_{i≠j} exp(−(d_i − d_j)²/0.01) and its analytic gradient (relu'(0) = 0, as torch).
 */
export function decayRegularizerOracle(d: ArrayLike<number>): {
  value: number;
  gradient: Float64Array;
} {
  const m = d.length;
  const c = 0.1 / (m * (m - 1));
  let value = 0;
  const gradient = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const di = d[i]!;
    if (0.01 - di > 0) {
      value += 10 * (0.01 - di);
      gradient[i]! -= 10;
    }
    if (di - 0.9999 > 0) {
      value += 10 * (di - 0.9999);
      gradient[i]! += 10;
    }
    for (let j = 0; j < m; j++) {
      if (j === i) continue;
      const diff = di - d[j]!;
      const k = Math.exp(-(diff * diff) / 0.01);
      value += c * k;
      // Each unordered pair appears twice (i, j) and (j, i): both move with d_i.
      gradient[i]! += 2 * c * k * (-2 * diff / 0.01);
    }
  }
  return { value, gradient };
}
