/**
 * f64 oracle of AMS v4's query heads and cross-bundle attention
 * (FluffyAIcode/AgentMemorySystem:ams_v4/attention/{query_heads,cross_bundle}.py, PR #30),
 * forward and analytic backward:
 *
 * - u = LN(h) (γ_q, β_q), q_b = u·W_bᵀ + c_b;
 * - o_b = MHA_b(query q_b [B, 1, d_F_b], key = value = F_b repeated over the batch, key
 *   padding mask), PyTorch 1.13 semantics (spec/oracle/nn/multihead_attention.ts);
 * - X = [lift_time.0(o_time), …, lift_topic.0(o_topic), …, lift_ctx.0(o_ctx), …] [B, L, d];
 *   prefix = LN(X)·s (LN per slot row over d, γ_p, β_p; s = prefix_scale).
 *
 * Backward of L = Σ g·prefix: ∂s = Σ g·LN(X), ∂LN = g·s, LayerNorm's backward, each lift's
 * linear backward (∂o_b the sum over its slots), MHA's backward (∂F_b = Σ_batch ∂key + ∂value),
 * the query heads' backward (∂u the sum over the three heads) and LayerNorm's backward to h.
 *
 * The pass is written once over an arithmetic: {@link CB_F64} (the oracle: LayerNorm and the
 * linears from spec/oracle/ams/encoders.ts in f64, MHA from the nn oracle) and
 * {@link CB_TRACKED} (the running error analysis of the GPU's f32 ops: the encoders' tracked
 * LayerNorm and linear, the nn block's tracked MHA replay), so the GPU parity bounds come from
 * the same code as the oracle.
 *
 * @module
 */
import type { Tracked } from "../../../invariants/tolerance.ts";
import { ENC_F64, ENC_TRACKED, type EncArith, linB, linF, lnB, lnF } from "./encoders.ts";
import {
  mhaBackward,
  mhaForward,
  type MhaGeometry,
  type MhaInputs,
  type MhaMasks,
} from "../nn/multihead_attention.ts";
import { trackMhaBackward, trackMhaForward } from "../../nn/multihead_attention/_bounds.ts";

/** The bundles in slot order. */
export const CB_BUNDLES = ["time", "topic", "ctx"] as const;
/** A bundle. */
export type CbBundle = (typeof CB_BUNDLES)[number];
/** LayerNorm eps. */
export const CB_LN_EPS = 1e-5;

/** Sizes. */
export interface CbDims {
  /** d_LLM. */
  d: number;
  /** Batch. */
  B: number;
  /** Entries. */
  M: number;
  dF: Record<CbBundle, number>;
  heads: Record<CbBundle, number>;
  slots: Record<CbBundle, number>;
}

/** Parameters by state-dict name (impl/ams/cross_bundle), f64. */
export type CbParams = Readonly<Record<string, Float64Array>>;

/** Data: h [B, d], fibers [M, d_F_b], key padding mask [B·M] (true = ignore) or null. */
export interface CbData {
  h: Float64Array;
  fibers: Record<CbBundle, Float64Array>;
  mask: readonly boolean[] | null;
}

/** An MHA pass over an arithmetic. */
interface MhaPass<T> {
  forward(
    g: MhaGeometry,
    q: T[],
    kv: T[],
    w: MhaInputs,
    m: MhaMasks,
  ): { out: T[]; weights: T[]; back: (gOut: T[]) => MhaGradsT<T> };
}

interface MhaGradsT<T> {
  query: T[];
  key: T[];
  value: T[];
  inProjWeight: T[];
  inProjBias: T[];
  outProjWeight: T[];
  outProjBias: T[];
}

/** An arithmetic with its MHA. */
export interface CbArith<T> {
  ar: EncArith<T>;
  mha: MhaPass<T>;
}

const f64Mha: MhaPass<number> = {
  forward(g, q, kv, w, m) {
    const x: MhaInputs = {
      ...w,
      query: Float64Array.from(q),
      key: Float64Array.from(kv),
      value: Float64Array.from(kv),
    };
    const f = mhaForward(g, x, m);
    return {
      out: Array.from(f.out),
      weights: Array.from(f.pd),
      back: (gOut) => {
        const r = mhaBackward(g, x, Float64Array.from(gOut), m);
        return {
          query: Array.from(r.query),
          key: Array.from(r.key),
          value: Array.from(r.value),
          inProjWeight: Array.from(r.inProjWeight),
          inProjBias: Array.from(r.inProjBias!),
          outProjWeight: Array.from(r.outProjWeight),
          outProjBias: Array.from(r.outProjBias!),
        };
      },
    };
  },
};

const trackedMha: MhaPass<Tracked> = {
  forward(g, q, kv, w, m) {
    const xs = { query: q, key: kv, value: kv };
    const f = trackMhaForward(g, xs, w, m);
    return {
      out: f.out,
      weights: f.core.pd,
      back: (gOut) => trackMhaBackward(g, xs, w, m, f, gOut),
    };
  },
};

/** f64: the oracle. */
export const CB_F64: CbArith<number> = { ar: ENC_F64, mha: f64Mha };
/** The tracked replay of the GPU's f32 ops. */
export const CB_TRACKED: CbArith<Tracked> = { ar: ENC_TRACKED, mha: trackedMha };

/** Forward values (and the backward closure). */
export interface CbForward<T> {
  /** [B, L, d]. */
  prefix: T[];
  /** Pre-LayerNorm slots X [B, L, d]. */
  slots: T[];
  /** Query heads [B, d_F_b]. */
  queries: Record<CbBundle, T[]>;
  /** Per-head attention weights [B, H_b, 1, M]. */
  weights: Record<CbBundle, T[]>;
  /** Gradients of Σ g·prefix: "h", "fibers.<b>" and every parameter by name. */
  backward: (g: readonly T[]) => Record<string, T[]>;
}

/** The slot rows of bundle b within L: [first, count]. */
export function slotRange(dims: CbDims, b: CbBundle): [number, number] {
  let off = 0;
  for (const c of CB_BUNDLES) {
    if (c === b) return [off, dims.slots[b]];
    off += dims.slots[c];
  }
  throw new Error(`unknown bundle ${b}`);
}

/** Forward (and backward) of cross-bundle attention over `cb`. */
export function cbPass<T>(cb: CbArith<T>, dims: CbDims, p: CbParams, x: CbData): CbForward<T> {
  const { ar } = cb;
  const { d, B, M } = dims;
  const L = CB_BUNDLES.reduce((s, b) => s + dims.slots[b], 0);
  const h = Array.from(x.h, (v) => ar.input(v));
  const lnq = lnF(ar, h, d, p["query_heads.ln.weight"]!, p["query_heads.ln.bias"]!, CB_LN_EPS);
  const queries = {} as Record<CbBundle, T[]>;
  const weights = {} as Record<CbBundle, T[]>;
  const outs = {} as Record<CbBundle, T[]>;
  const backs = {} as Record<CbBundle, (g: T[]) => MhaGradsT<T>>;
  const X: T[] = new Array(B * L * d);
  for (const b of CB_BUNDLES) {
    const f = dims.dF[b];
    queries[b] = linF(ar, lnq.y, B, p[`query_heads.q_${b}.weight`]!, p[`query_heads.q_${b}.bias`]!);
    const kv: T[] = [];
    for (let r = 0; r < B; r++) for (const v of x.fibers[b]) kv.push(ar.input(v));
    const w: MhaInputs = {
      query: new Float64Array(0),
      key: new Float64Array(0),
      value: new Float64Array(0),
      inProjWeight: p[`attn_${b}.in_proj_weight`]!,
      inProjBias: p[`attn_${b}.in_proj_bias`]!,
      outProjWeight: p[`attn_${b}.out_proj.weight`]!,
      outProjBias: p[`attn_${b}.out_proj.bias`]!,
    };
    const g: MhaGeometry = { batch: B, heads: dims.heads[b], lq: 1, lk: M, d: f };
    const m: MhaMasks = { keyPaddingMask: x.mask };
    const r = cb.mha.forward(g, queries[b], kv, w, m);
    outs[b] = r.out;
    weights[b] = r.weights;
    backs[b] = r.back;
    const [first, n] = slotRange(dims, b);
    for (let s = 0; s < n; s++) {
      const y = linF(ar, r.out, B, p[`lift_${b}.${s}.weight`]!, p[`lift_${b}.${s}.bias`]!);
      for (let r2 = 0; r2 < B; r2++) {
        for (let j = 0; j < d; j++) X[(r2 * L + first + s) * d + j] = y[r2 * d + j]!;
      }
    }
  }
  const lnp = lnF(ar, X, d, p["prefix_ln.weight"]!, p["prefix_ln.bias"]!, CB_LN_EPS);
  const scale = p["prefix_scale"]![0]!;
  const prefix = lnp.y.map((v) => ar.mul(v, ar.input(scale)));

  const backward = (gp: readonly T[]): Record<string, T[]> => {
    const out: Record<string, T[]> = {};
    out["prefix_scale"] = [ar.sum(gp.map((g, i) => ar.mul(g, lnp.y[i]!)))];
    const gy = gp.map((g) => ar.mul(g, ar.input(scale)));
    const lb = lnB(ar, lnp.cache, gy, d, p["prefix_ln.weight"]!);
    out["prefix_ln.weight"] = lb.gg;
    out["prefix_ln.bias"] = lb.gb;
    const gu: T[][] = [];
    for (const b of CB_BUNDLES) {
      const f = dims.dF[b];
      const [first, n] = slotRange(dims, b);
      const parts: T[][] = [];
      for (let s = 0; s < n; s++) {
        const gs: T[] = new Array(B * d);
        for (let r = 0; r < B; r++) {
          for (let j = 0; j < d; j++) gs[r * d + j] = lb.gx[(r * L + first + s) * d + j]!;
        }
        const W = p[`lift_${b}.${s}.weight`]!;
        const l = linB(ar, outs[b], gs, B, W, d);
        out[`lift_${b}.${s}.weight`] = l.gW;
        out[`lift_${b}.${s}.bias`] = l.gb;
        parts.push(l.gx);
      }
      const go = n === 1
        ? parts[0]!
        : Array.from({ length: B * f }, (_, i) => ar.sum(parts.map((q) => q[i]!)));
      const mg = backs[b](go);
      out[`attn_${b}.in_proj_weight`] = mg.inProjWeight;
      out[`attn_${b}.in_proj_bias`] = mg.inProjBias;
      out[`attn_${b}.out_proj.weight`] = mg.outProjWeight;
      out[`attn_${b}.out_proj.bias`] = mg.outProjBias;
      const gF: T[] = [];
      for (let i = 0; i < M * f; i++) {
        const t: T[] = [];
        for (let r = 0; r < B; r++) t.push(mg.key[r * M * f + i]!, mg.value[r * M * f + i]!);
        gF.push(ar.sum(t));
      }
      out[`fibers.${b}`] = gF;
      const q = linB(ar, lnq.y, mg.query, B, p[`query_heads.q_${b}.weight`]!, f);
      out[`query_heads.q_${b}.weight`] = q.gW;
      out[`query_heads.q_${b}.bias`] = q.gb;
      gu.push(q.gx);
    }
    const gU = Array.from({ length: B * d }, (_, i) => ar.sum(gu.map((q) => q[i]!)));
    const hb = lnB(ar, lnq.cache, gU, d, p["query_heads.ln.weight"]!);
    out["query_heads.ln.weight"] = hb.gg;
    out["query_heads.ln.bias"] = hb.gb;
    out["h"] = hb.gx;
    return out;
  };
  return { prefix, slots: X, queries, weights, backward };
}

/** The f64 oracle's forward: prefix [B, L, d] and per-head weights. */
export function cbForward(dims: CbDims, p: CbParams, x: CbData): CbForward<number> {
  return cbPass(CB_F64, dims, p, x);
}
