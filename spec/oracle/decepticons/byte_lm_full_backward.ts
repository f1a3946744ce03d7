/**
 * The byte LM's full f64 backward on the readout path, from the loss: the mean cross-entropy's
 * gradient in the logits, the gated (or additive) mix's backward, the linear readout's (every
 * position-wise kind, bands, and the GRU readout through spec/oracle/nn/gru.ts), the local MLP
 * readout's, the hash memory's, the tied readouts' share of the embedding table's gradient, and
 * the substrate's backward (spec/oracle/decepticons/byte_lm.ts `byteLMBackward`) from the
 * adjoints those readouts hand back. Every trainable parameter of the model gets its gradient.
 *
 * The stages can be pinned to given forward values (the features u, the two paths' logits, the
 * mixed logits): the backward of each stage then runs on the values it is handed, which is how
 * a GPU's backward is compared stage by stage on the forward it actually computed. Without pins
 * every stage reads the oracle's own forward.
 *
 * With `balanceCoef` > 0 the objective is the training step's: the cross-entropy plus
 * balanceCoef times the routed readouts' and bands' Switch balance loss (its gradient in each
 * router's logits `balanceLossGradLogits` of spec/oracle/decepticons/readouts.ts, the hard
 * counts held constant), through the routers to their weights and the features.
 *
 * @module
 */
import { gruBackward, gruForward } from "../nn/gru.ts";
import { hashMemoryBackward } from "./hash_memory.ts";
import {
  balanceLossGradLogits,
  bandSpec,
  gatedMixBackward,
  linear,
  linearBackward,
  type OracleParams,
  oracleReadoutBackward,
} from "./readouts.ts";
import {
  byteLMBackward,
  type ByteLMBatch,
  byteLMForward,
  type ByteLMOracleConfig,
  type ByteLMTrace,
  type ByteLMValues,
  linearReadoutSpec,
  ORACLE_BYTE_VOCAB,
  usesReadoutPath,
} from "./byte_lm.ts";

/** One router of the linear readout: its parameters' prefix, the u columns it reads, experts. */
export interface BalanceRouter {
  readonly prefix: string;
  readonly cols: readonly number[];
  readonly experts: number;
}

/**
 * The routers whose balance loss the objective sums: the routed and tied-embedding readouts'
 * (every column of u), or each routed or tied-embedding band's (its slice of S, then x).
 */
export function balanceRouters(c: ByteLMOracleConfig): BalanceRouter[] {
  const spec = linearReadoutSpec(c);
  const { embeddingDim: E, linearModes: M } = c;
  const all = Array.from({ length: M + E }, (_, i) => i);
  if (spec.kind === "routed_sqrelu_experts" || spec.kind === "tied_embed_readout") {
    return [{ prefix: "readout", cols: all, experts: spec.experts }];
  }
  if (spec.kind !== "bands") return [];
  const w = Math.floor(M / spec.bands);
  const out: BalanceRouter[] = [];
  for (let i = 0; i < spec.bands; i++) {
    const b = bandSpec(spec, i);
    if (b.kind !== "routed_sqrelu_experts" && b.kind !== "tied_embed_readout") continue;
    const start = i * w;
    const width = i === spec.bands - 1 ? M - start : w;
    const cols = [
      ...Array.from({ length: width }, (_, k) => start + k),
      ...Array.from({ length: E }, (_, k) => M + k),
    ];
    out.push({ prefix: `readout.band${i}`, cols, experts: b.experts });
  }
  return out;
}

/**
 * The balance loss's gradients (seed 1): each router's weights and ∂/∂u [N, F], on u.
 */
export function balanceBackward(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  u: Float64Array,
  N: number,
): { params: OracleParams; du: Float64Array } {
  const F = u.length / N;
  const params: OracleParams = {};
  const du = new Float64Array(N * F);
  for (const r of balanceRouters(c)) {
    const f = r.cols.length;
    const X = r.experts;
    const ub = new Float64Array(N * f);
    for (let n = 0; n < N; n++) r.cols.forEach((col, k) => (ub[n * f + k] = u[n * F + col]!));
    const w = need(values, `${r.prefix}.router_w`);
    const z = linear(ub, N, f, w, X, need(values, `${r.prefix}.router_b`));
    const pi = new Float64Array(N * X);
    for (let n = 0; n < N; n++) {
      let m = -Infinity;
      for (let j = 0; j < X; j++) m = Math.max(m, z[n * X + j]!);
      let s = 0;
      for (let j = 0; j < X; j++) s += Math.exp(z[n * X + j]! - m);
      for (let j = 0; j < X; j++) pi[n * X + j] = Math.exp(z[n * X + j]! - m) / s;
    }
    const g = linearBackward(ub, N, f, w, X, balanceLossGradLogits(pi, N, X));
    params[`${r.prefix}.router_w`] = g.dw;
    params[`${r.prefix}.router_b`] = g.db;
    for (let n = 0; n < N; n++) r.cols.forEach((col, k) => (du[n * F + col]! += g.dx[n * f + k]!));
  }
  return { params, du };
}

/** Forward values the backward stages read instead of the oracle's own (all f64 copies). */
export interface FullBackwardPins {
  /** The linear readout's features u = [S, x + HashMemory(x)] [N, F]. */
  readonly features?: ArrayLike<number>;
  /** The linear readout's logits [N, 256]. */
  readonly lin?: ArrayLike<number>;
  /** The local readout's logits [N, 256]. */
  readonly loc?: ArrayLike<number>;
  /** The mixed logits the loss reads [N, 256]. */
  readonly logits?: ArrayLike<number>;
}

/** The adjoints between the stages, as the backward computed them. */
export interface FullBackwardAdjoints {
  /** ∂L/∂logits [N, 256]. */
  dLogits: Float64Array;
  /** ∂L/∂ℓ_lin and ∂L/∂ℓ_loc [N, 256] (ℓ_loc's null without a local path). */
  dLin: Float64Array;
  dLoc: Float64Array | null;
  /** ∂L/∂u of the linear readout's features [N, F] (the readout's share only). */
  dU: Float64Array;
  /** ∂L/∂window [N, W·E] (null without a local path). */
  dWin: Float64Array | null;
  /** The tied readouts' ∂L/∂embedding [256, E] (null for the other kinds). */
  dEmbeddingTied: Float64Array | null;
  /** The hash memory's ∂L/∂x [N, E] (null without the memory). */
  dXHash: Float64Array | null;
  /** What the substrate's backward started from: ∂L/∂u with x's columns carrying the memory. */
  dCat: Float64Array;
}

/** What {@link byteLMFullBackward} returns. */
export interface ByteLMFullBackward {
  /** ∂L/∂θ of every trainable parameter, by name. */
  grads: Record<string, Float64Array>;
  adjoints: FullBackwardAdjoints;
  /** The oracle's own forward. */
  trace: ByteLMTrace;
  /** The mean cross-entropy of the logits the backward read. */
  loss: number;
}

function need(values: ByteLMValues, name: string): Float64Array {
  const v = values[name];
  if (v === undefined) {
    throw new TypeError(`Cannot run the byte LM's full backward: expected parameter "${name}"`);
  }
  return v;
}

function pinned(
  what: string,
  given: ArrayLike<number> | undefined,
  own: Float64Array,
): Float64Array {
  if (given === undefined) return own;
  if (given.length !== own.length) {
    throw new TypeError(
      `Cannot pin the byte LM's ${what}: expected ${own.length} values but got ${given.length}`,
    );
  }
  return Float64Array.from(given);
}

/**
 * The mean cross-entropy of logits [N, V] and its gradient (softmax − one-hot)/N, in f64.
 */
export function crossEntropyGrad(
  logits: Float64Array,
  targets: Int32Array,
  N: number,
  V: number,
): { loss: number; dLogits: Float64Array } {
  const d = new Float64Array(N * V);
  let loss = 0;
  for (let r = 0; r < N; r++) {
    let m = -Infinity;
    for (let j = 0; j < V; j++) m = Math.max(m, logits[r * V + j]!);
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[r * V + j]! - m);
    const t = targets[r]!;
    loss += Math.log(s) + m - logits[r * V + t]!;
    for (let j = 0; j < V; j++) {
      d[r * V + j] = (Math.exp(logits[r * V + j]! - m) / s - (j === t ? 1 : 0)) / N;
    }
  }
  return { loss: loss / N, dLogits: d };
}

/**
 * The linear readout's backward from ∂L/∂ℓ_lin: parameter gradients under "readout", ∂L/∂u and
 * the tied readouts' embedding gradient. The GRU readout (torch layout, zero initial state) runs
 * through spec/oracle/nn/gru.ts; the other kinds through `oracleReadoutBackward`.
 */
export function linearReadoutBackward(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  u: Float64Array,
  dims: { B: number; T: number; F: number },
  dLin: Float64Array,
): { params: OracleParams; du: Float64Array; dEmbedding: Float64Array | null } {
  const { B, T, F } = dims;
  const V = ORACLE_BYTE_VOCAB;
  const N = B * T;
  const spec = linearReadoutSpec(c);
  const p = values as OracleParams;
  if (spec.kind !== "recurrent") {
    return oracleReadoutBackward(
      spec,
      p,
      "readout",
      u,
      { B, T, F, V },
      dLin,
      need(values, "embedding"),
    );
  }
  const H = spec.hidden;
  const g = "readout.gru.";
  const geo = { batch: B, steps: T, input: F, hidden: H };
  const inp = {
    x: u,
    wIh: need(values, `${g}weight_ih_l0`),
    wHh: need(values, `${g}weight_hh_l0`),
    bIh: need(values, `${g}bias_ih_l0`),
    bHh: need(values, `${g}bias_hh_l0`),
    h0: null,
  };
  const fwd = gruForward(geo, inp);
  // logits = hs W_out + b_out.
  const out = linearBackward(fwd.hs, N, H, need(values, "readout.out_w"), V, dLin);
  const gr = gruBackward(geo, inp, fwd, out.dx);
  return {
    params: {
      "readout.out_w": out.dw,
      "readout.out_b": out.db,
      [`${g}weight_ih_l0`]: gr.wIh,
      [`${g}weight_hh_l0`]: gr.wHh,
      [`${g}bias_ih_l0`]: gr.bIh,
      [`${g}bias_hh_l0`]: gr.bHh,
    },
    du: gr.x,
    dEmbedding: null,
  };
}

/**
 * ∂L/∂θ of L = mean cross-entropy for every trainable parameter of a configuration on the
 * readout path (readout kinds, bands, the gated mix, the hash memory), in f64.
 *
 * @throws {RangeError} for a configuration off the readout path, or with local polynomial
 *   features (the substrate's backward takes the window's adjoint, not the local input's).
 */
export function byteLMFullBackward(
  c: ByteLMOracleConfig,
  values: ByteLMValues,
  batch: ByteLMBatch,
  pins: FullBackwardPins = {},
  balanceCoef = 0,
): ByteLMFullBackward {
  if (!usesReadoutPath(c)) {
    throw new RangeError(
      "Cannot run the byte LM's full backward: expected a configuration on the readout path " +
        "(another readoutKind, bands, the gated mix or the hash memory) but got the MLP path " +
        "(byteLMBackward covers it)",
    );
  }
  if ((c.localPolyOrder ?? 1) > 1) {
    throw new RangeError(
      "Cannot run the byte LM's full backward: expected localPolyOrder 1 but got " +
        `${c.localPolyOrder}`,
    );
  }
  const trace = byteLMForward(c, values, batch);
  const rp = trace.readout!;
  const { B, T } = batch;
  const N = B * T;
  const V = ORACLE_BYTE_VOCAB;
  const { embeddingDim: E, linearModes: M } = c;
  const u = pinned("features", pins.features, rp.features);
  const F = u.length / N;
  const lin = pinned("linear logits", pins.lin, rp.lin);
  const logits = pinned("logits", pins.logits, rp.logits);
  const grads: Record<string, Float64Array> = {};
  const ce = crossEntropyGrad(logits, batch.targets, N, V);
  const dLogits = ce.dLogits;
  let dLin: Float64Array = dLogits;
  let dLoc: Float64Array | null = null;
  let dWin: Float64Array | null = null;
  if (rp.loc !== null) {
    const loc = pinned("local logits", pins.loc, rp.loc);
    if ((c.mixMode ?? "additive") === "gated") {
      const m = gatedMixBackward(
        lin,
        loc,
        N,
        V,
        need(values, "mix.gate_w"),
        need(values, "mix.gate_b")[0]!,
        c.localScale,
        dLogits,
      );
      dLin = m.dLin;
      dLoc = m.dLoc;
      grads["mix.gate_w"] = m.dW;
      grads["mix.gate_b"] = Float64Array.of(m.dB);
    } else {
      dLoc = dLogits.map((g) => g * c.localScale);
    }
    const W = c.localWindow;
    const lg = oracleReadoutBackward(
      { kind: "mlp", hidden: [c.localHidden] },
      values as OracleParams,
      "local",
      trace.localIn!,
      { B, T, F: W * E, V },
      dLoc,
    );
    Object.assign(grads, lg.params);
    dWin = lg.du;
  }
  const rg = linearReadoutBackward(c, values, u, { B, T, F }, dLin);
  Object.assign(grads, rg.params);
  if (balanceCoef > 0) {
    // The balance loss reads the routers only: its share joins theirs and u's.
    const bb = balanceBackward(c, values, u, N);
    for (const [k, v] of Object.entries(bb.params)) {
      const into = grads[k]!;
      for (let i = 0; i < into.length; i++) into[i]! += balanceCoef * v[i]!;
    }
    for (let i = 0; i < rg.du.length; i++) rg.du[i]! += balanceCoef * bb.du[i]!;
  }
  const dCat = Float64Array.from(rg.du);
  let dXHash: Float64Array | null = null;
  if (c.hashMemory ?? false) {
    // u's x columns hold x + HashMemory(x): x gets their adjoint twice, directly and through
    // the memory; the substrate's backward adds both to x's other paths.
    const dxr = new Float64Array(N * E);
    for (let n = 0; n < N; n++) {
      for (let d = 0; d < E; d++) dxr[n * E + d] = rg.du[n * F + M + d]!;
    }
    const hp = (n: string) => need(values, `hash_memory.${n}`);
    const hg = hashMemoryBackward(
      {
        write_w: hp("write_w"),
        write_b: hp("write_b"),
        query_w: hp("query_w"),
        query_b: hp("query_b"),
        out_w: hp("out_w"),
        out_b: hp("out_b"),
      },
      trace.x,
      { B, T, E, M: c.hashMemorySlots ?? 64, D: c.hashMemoryDim ?? 64 },
      dxr,
    );
    for (const k of ["write_w", "write_b", "query_w", "query_b", "out_w", "out_b"] as const) {
      grads[`hash_memory.${k}`] = hg[k];
    }
    dXHash = hg.x;
    for (let n = 0; n < N; n++) {
      for (let d = 0; d < E; d++) dCat[n * F + M + d]! += hg.x[n * E + d]!;
    }
  }
  const up = byteLMBackward(c, values, batch, trace, 1, { dCat, dWin });
  for (const [k, v] of Object.entries(up.grads)) grads[k] = v;
  if (rg.dEmbedding !== null) {
    const emb = grads.embedding!;
    for (let i = 0; i < emb.length; i++) emb[i]! += rg.dEmbedding[i]!;
  }
  return {
    grads,
    adjoints: {
      dLogits,
      dLin,
      dLoc,
      dU: rg.du,
      dWin,
      dEmbeddingTied: rg.dEmbedding,
      dXHash,
      dCat,
    },
    trace,
    loss: ce.loss,
  };
}
