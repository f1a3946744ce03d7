/**
 * Multi-head attention with PyTorch 1.13 `torch.nn.MultiheadAttention`
 * semantics (Vaswani et al., "Attention Is All You Need", 2017, §3.2.2):
 *
 * - parameters: packed `in_proj_weight` [3d, d] = [W_q; W_k; W_v] and
 *   `in_proj_bias` [3d], `out_proj.weight` [d, d] and `out_proj.bias` [d];
 * - q = x_q·W_qᵀ + b_q, k = x_k·W_kᵀ + b_k, v = x_v·W_vᵀ + b_v, split into
 *   `heads` heads of dh = d / heads columns each; per head
 *   softmax(q·kᵀ/√dh + mask)·v; heads concatenated; out = o·W_oᵀ + b_o;
 * - `keyPaddingMask` [B, Lk]: true (1) means the key is ignored;
 *   `attnMask` [Lq, Lk] or [B·heads, Lq, Lk]: boolean (true = not allowed) or
 *   additive float (−∞ = not allowed), as torch;
 * - attention weights returned on request, averaged over heads [B, Lq, Lk]
 *   (torch's `need_weights=True, average_attn_weights=True`, the default) or
 *   per head [B, heads, Lq, Lk]; they are the probabilities after attention
 *   dropout, as torch returns them, and carry no gradient (read-only output).
 *
 * Layout: batch-first, [B, L, d] (torch's `batch_first=True`; torch's default
 * is [L, B, d]). Query length Lq and key length Lk are independent.
 *
 * The projections use the matmul op; the attention core is fused WGSL
 * (impl/nn/multihead_attention/kernels/attention.ts): scores, masked stable
 * softmax and weighted sum in one pass per (batch, head, query), backward in
 * two kernels. Masks are host arrays: a row whose keys are all masked is a
 * RangeError before any GPU work (torch returns NaN there).
 *
 * @example Self-attention over 3 tokens with one padded key
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { MultiheadAttention } from "./multihead_attention.ts";
 * import { ok, throws } from "node:assert/strict";
 * await initGpu();
 * const mha = new MultiheadAttention(4, 2, { seed: 1 });
 * const x = tensor(Array.from({ length: 12 }, (_, i) => Math.sin(i)), [1, 3, 4]);
 * const { output, weights } = mha.forward(x, x, x, { keyPaddingMask: [false, false, true] });
 * const w = await weights!.toFloat32();
 * ok(w[2] === 0 && Math.abs(w[0]! + w[1]! - 1) < 1e-6);
 * ok(output.shape.join() === "1,3,4");
 * throws(() => mha.forward(x, x, x, { keyPaddingMask: [true, true, true] }), RangeError);
 * ```
 *
 * @module
 */
import { recordOp } from "../../autograd.ts";
import { dispatch } from "../../gpu/program.ts";
import { assertLoopBudget } from "../../gpu/batch.ts";
import { Rng } from "../../gpu/rng.ts";
import { assertDType, emptyLike, formatShape, type Tensor, tensor } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { mean } from "../../ops/reduce.ts";
import { slice } from "../../ops/slice.ts";
import { dropoutThreshold } from "../../ops/dropout.ts";
import { ACCUMULATE, ACCUMULATE_WORKGROUP } from "../../ops/kernels/accumulate.ts";
import { MAX_LANES, rowLanes, segmentWorkgroups } from "../../ops/kernels/reduce.ts";
import { gpu } from "../../gpu/device.ts";
import {
  ATTENTION_BACKWARD_KEY,
  ATTENTION_BACKWARD_QUERY,
  ATTENTION_FORWARD,
  ATTENTION_KEY_WORKGROUP,
  MASKED,
  MAX_UNROLLED_DH,
} from "./kernels/attention.ts";

const OP = "multiheadAttention";

/** A host mask: row-major values with their shape. */
export interface HostMask {
  /** The mask's shape: [Lq, Lk] or [B·heads, Lq, Lk] for attnMask. */
  readonly shape: readonly number[];
  /** Booleans (true = not allowed) or additive f32 values (−Infinity = not allowed). */
  readonly data: ArrayLike<boolean> | Float32Array | Float64Array;
}

/** A resolved mask: one additive bias per score, {@link MASKED} where a key is masked. */
export interface ResolvedMask {
  /** Bias values, [biasRows, Lk] with MASKED for masked keys. */
  readonly data: Float32Array;
  /** Rows of the bias: Lq (shared by every batch and head) or B·heads·Lq. */
  readonly rows: number;
}

/** Attention dropout of the fused core: probability and seed. */
export interface AttentionDropout {
  /** Drop probability in [0, 1). */
  readonly p: number;
  /** Mask seed, an integer in [0, 2³²). */
  readonly seed: number;
}

/** Geometry of one attention call. */
export interface AttentionGeometry {
  /** Batch size B. */
  readonly batch: number;
  /** Heads. */
  readonly heads: number;
  /** Query length Lq. */
  readonly lq: number;
  /** Key length Lk. */
  readonly lk: number;
  /** Model width d (heads · dh). */
  readonly d: number;
}

function isBoolArray(x: unknown): x is ArrayLike<boolean> {
  if (Array.isArray(x)) return x.every((v) => typeof v === "boolean");
  return false;
}

function maskTypeName(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) {
    const bad = x.find((v) => typeof v !== "boolean");
    return `an array holding ${typeof bad}`;
  }
  return (x as object)?.constructor?.name ?? typeof x;
}

/**
 * Combines `keyPaddingMask` ([B, Lk], true = ignore) and `attnMask` into one
 * additive bias, validating shapes and element types, and throws when any
 * (batch, head, query) row has every key masked.
 *
 * @example Key padding over an additive mask; a fully masked row throws
 * ```ts
 * import { MASKED } from "./kernels/attention.ts";
 * import { resolveMask } from "./multihead_attention.ts";
 * import { ok, throws } from "node:assert/strict";
 * const g = { batch: 1, heads: 1, lq: 1, lk: 2, d: 2 };
 * const m = resolveMask(g, [false, true], { shape: [1, 2], data: new Float32Array([0.5, 0]) })!;
 * ok(m.rows === 1 && m.data[0] === 0.5 && m.data[1] === MASKED);
 * throws(() => resolveMask(g, [true, true]), RangeError);
 * ```
 *
 * @throws {TypeError} when a mask has the wrong length, shape or element type.
 * @throws {RangeError} when a row is fully masked.
 */
export function resolveMask(
  g: AttentionGeometry,
  keyPaddingMask?: ArrayLike<boolean> | Uint8Array | null,
  attnMask?: HostMask | null,
): ResolvedMask | null {
  const { batch: B, heads: H, lq: Lq, lk: Lk } = g;
  let kpm: Uint8Array | null = null;
  if (keyPaddingMask !== undefined && keyPaddingMask !== null) {
    if (keyPaddingMask instanceof Uint8Array) {
      const bad = keyPaddingMask.findIndex((v) => v > 1);
      if (bad >= 0) {
        throw new TypeError(
          `Cannot run ${OP} with keyPaddingMask: expected 0/1 values but got ` +
            `${keyPaddingMask[bad]} at index ${bad}`,
        );
      }
      kpm = keyPaddingMask;
    } else if (isBoolArray(keyPaddingMask)) {
      kpm = Uint8Array.from(keyPaddingMask as boolean[], (v) => (v ? 1 : 0));
    } else {
      throw new TypeError(
        `Cannot run ${OP} with keyPaddingMask: expected booleans (an array of booleans or a ` +
          `Uint8Array of 0/1) but got ${maskTypeName(keyPaddingMask)}`,
      );
    }
    if (kpm.length !== B * Lk) {
      throw new TypeError(
        `Cannot run ${OP} with keyPaddingMask: expected ${B * Lk} values (shape [B, Lk] = ` +
          `[${B}, ${Lk}]) but got ${kpm.length}`,
      );
    }
  }
  let am: Float32Array | null = null;
  let amFull = false;
  if (attnMask !== undefined && attnMask !== null) {
    const shape = attnMask.shape;
    const shared = shape.length === 2 && shape[0] === Lq && shape[1] === Lk;
    amFull = shape.length === 3 && shape[0] === B * H && shape[1] === Lq && shape[2] === Lk;
    if (!shared && !amFull) {
      throw new TypeError(
        `Cannot run ${OP} with attnMask: expected shape [${Lq}, ${Lk}] or ` +
          `[${B * H}, ${Lq}, ${Lk}] (B·heads, Lq, Lk) but got ${formatShape(shape)}`,
      );
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const data = attnMask.data;
    if (data === null || data === undefined || data.length !== n) {
      throw new TypeError(
        `Cannot run ${OP} with attnMask: expected ${n} values for shape ${formatShape(shape)} ` +
          `but got ${data?.length}`,
      );
    }
    am = new Float32Array(n);
    if (data instanceof Float32Array || data instanceof Float64Array) {
      for (let i = 0; i < n; i++) {
        const v = data[i]!;
        if (v === -Infinity) am[i] = MASKED;
        else if (Number.isFinite(v)) am[i] = v;
        else {
          throw new TypeError(
            `Cannot run ${OP} with attnMask: expected finite additive values or -Infinity but ` +
              `got ${v} at index ${i}`,
          );
        }
      }
    } else if (isBoolArray(data)) {
      for (let i = 0; i < n; i++) am[i] = (data as boolean[])[i] ? MASKED : 0;
    } else {
      throw new TypeError(
        `Cannot run ${OP} with attnMask: expected booleans or a Float32Array/Float64Array but ` +
          `got ${maskTypeName(data)}`,
      );
    }
  }
  if (kpm === null && am === null) return null;
  const full = kpm !== null || amFull;
  const rows = full ? B * H * Lq : Lq;
  const out = new Float32Array(rows * Lk);
  for (let r = 0; r < rows; r++) {
    const i = r % Lq;
    const b = Math.floor(r / (H * Lq));
    const amRow = am === null ? -1 : amFull ? r : i;
    let live = 0;
    for (let j = 0; j < Lk; j++) {
      let v = am === null ? 0 : am[amRow * Lk + j]!;
      if (kpm !== null && kpm[b * Lk + j] === 1) v = MASKED;
      out[r * Lk + j] = v;
      if (v !== MASKED) live++;
    }
    if (live === 0) {
      const h = Math.floor(r / Lq) % H;
      throw new RangeError(
        `Cannot run ${OP}: every key of batch ${b}, head ${h}, query ${i} is masked ` +
          `(keyPaddingMask and attnMask leave no key to attend to; PyTorch would return NaN)`,
      );
    }
  }
  return { data: out, rows };
}

/** Loop iterations of one invocation of the row kernels (checked against the adapter's budget). */
function rowIterations(g: AttentionGeometry, lanes: number): number {
  const dh = g.d / g.heads;
  const perLane = Math.ceil(g.lk / lanes);
  // Scores (with the dh dot product) and ∂scores, exp, normalise; then the weighted sum: one
  // lane walks every key for every column (plus the private-array loads and stores), several
  // lanes walk every key for their share of the columns.
  const weighted = lanes === 1
    ? (g.lk + 1) * (dh + 1) + 3 * (dh + 1)
    : (Math.ceil(dh / lanes) + 1) * (g.lk + 1);
  // The segmented max and sums: three trees of log₂L levels at most 7 each.
  return (perLane + 1) * (dh + 2) * 2 + 3 * (perLane + 1) + weighted + 24;
}

/**
 * Lanes per (batch, head, query) row of the fused kernels: the reductions'
 * choice (impl/ops/kernels/reduce.ts `rowLanes`), doubled while one
 * invocation would loop past the adapter's budget (long key rows get more
 * lanes instead of failing).
 *
 * @example
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { attentionLanes } from "./multihead_attention.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * ok(attentionLanes({ batch: 4, heads: 8, lq: 128, lk: 128, d: 512 }) === 1);
 * ok(attentionLanes({ batch: 1, heads: 1, lq: 64, lk: 4000, d: 64 }) > 1);
 * ```
 *
 * @throws {RangeError} when even 64 lanes loop past the budget (a row too long for this adapter).
 */
export function attentionLanes(g: AttentionGeometry): number {
  let lanes = rowLanes(g.batch * g.heads * g.lq, g.lk);
  const budget = gpu().maxLoopIterations;
  while (lanes < MAX_LANES && rowIterations(g, lanes) > budget) lanes *= 2;
  assertLoopBudget(ATTENTION_BACKWARD_QUERY.name, rowIterations(g, lanes));
  assertLoopBudget(ATTENTION_BACKWARD_KEY.name, g.lq + 1);
  return lanes;
}

function uniformsOf(
  g: AttentionGeometry,
  lanes: number,
  biasRows: number,
  drop: AttentionDropout | null,
) {
  const active = drop !== null && drop.p > 0;
  return {
    rows: g.batch * g.heads * g.lq,
    lanes,
    heads: g.heads,
    lq: g.lq,
    lk: g.lk,
    d: g.d,
    dh: g.d / g.heads,
    scale: Math.fround(1 / Math.sqrt(g.d / g.heads)),
    bias_rows: biasRows,
    drop_seed: active ? drop.seed : 0,
    drop_threshold: active ? dropoutThreshold(drop.p) : 0,
    drop_scale: active ? Math.fround(1 / (1 - drop.p)) : 1,
  };
}

/**
 * The fused attention core on projected q [B, Lq, d], k, v [B, Lk, d]:
 * per head softmax(q·kᵀ/√dh + bias)·v. Returns the output [B, Lq, d]
 * (differentiable in q, k and v) and the probabilities [B, heads, Lq, Lk]
 * (after attention dropout; no gradient). Shapes are checked by the caller
 * ({@link MultiheadAttention.forward}); `bias` comes from {@link resolveMask}.
 *
 * @example One head, two keys, no mask
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { attentionCore } from "./multihead_attention.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const q = tensor([0, 0], [1, 1, 2]);
 * const kv = tensor([1, 2, 3, 4], [1, 2, 2]);
 * const { output, probs } = attentionCore(q, kv, kv, 1, null, null);
 * ok(Array.from(await probs.toFloat32()).every((p) => p === 0.5));
 * ok(Array.from(await output.toFloat32()).join() === "2,3");
 * ```
 *
 * @throws {RangeError} when one invocation would loop past the adapter's budget.
 */
export function attentionCore(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  heads: number,
  bias: ResolvedMask | null,
  drop: AttentionDropout | null,
): { output: Tensor; probs: Tensor } {
  const [B, Lq, d] = q.shape as [number, number, number];
  const Lk = k.shape[1]!;
  const g: AttentionGeometry = { batch: B, heads, lq: Lq, lk: Lk, d };
  const rows = B * heads * Lq;
  const lanes = attentionLanes(g);
  const uniforms = uniformsOf(g, lanes, bias?.rows ?? 1, drop);
  const dh = d / heads;
  const sizes = {
    oneLane: lanes === 1,
    hasBias: bias !== null,
    // Compiled in for the common head widths only (powers of two from 8), keeping the
    // number of pipeline variants small.
    dh: lanes === 1 && dh >= 8 && dh <= MAX_UNROLLED_DH && (dh & (dh - 1)) === 0 ? dh : 0,
  };
  const biasT = bias === null ? null : tensor(bias.data, [bias.rows, Lk]);
  const probs = emptyLike([B, heads, Lq, Lk], "f32", "attention probabilities");
  const output = emptyLike([B, Lq, d], "f32", "attention output");
  dispatch(ATTENTION_FORWARD, {
    sizes,
    uniforms,
    buffers: {
      qs: q.buffer,
      ks: k.buffer,
      vs: v.buffer,
      bias: biasT?.buffer,
      ps: probs.buffer,
      os: output.buffer,
    },
    workgroups: segmentWorkgroups(rows, lanes),
  });
  recordOp(output, OP, [q, k, v], (go) => {
    const ps = emptyLike([B, heads, Lq, Lk], "f32", "attention p (backward)");
    const dss = emptyLike([B, heads, Lq, Lk], "f32", "attention dscores");
    const gq = emptyLike([B, Lq, d], "f32", `${OP} grad q`);
    const gk = emptyLike([B, Lk, d], "f32", `${OP} grad k`);
    const gv = emptyLike([B, Lk, d], "f32", `${OP} grad v`);
    dispatch(ATTENTION_BACKWARD_QUERY, {
      sizes,
      uniforms,
      buffers: {
        qs: q.buffer,
        ks: k.buffer,
        vs: v.buffer,
        bias: biasT?.buffer,
        gos: go.buffer,
        ps: ps.buffer,
        dss: dss.buffer,
        gq: gq.buffer,
      },
      workgroups: segmentWorkgroups(rows, lanes),
    });
    dispatch(ATTENTION_BACKWARD_KEY, {
      uniforms,
      buffers: {
        qs: q.buffer,
        gos: go.buffer,
        ps: ps.buffer,
        dss: dss.buffer,
        gk: gk.buffer,
        gv: gv.buffer,
      },
      workgroups: Math.ceil((B * Lk * d) / ATTENTION_KEY_WORKGROUP),
    });
    return [gq, gk, gv];
  });
  // Without a graph node the bias is done with (release waits for the recorded work);
  // with one, it lives in the caller's scope like the projections the node holds.
  if (biasT !== null && output.node === null) biasT.dispose();
  return { output, probs };
}

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Seeds the initial parameters (memspec's Rng); default 0. */
  seed?: number;
  /** Whether the projections have biases; default true (torch's `bias=True`). */
  bias?: boolean;
  /** Attention dropout probability on the weights (torch's `dropout`); default 0. */
  dropout?: number;
}

/** Options of one {@link MultiheadAttention.forward} call. */
export interface AttentionCallOptions {
  /** [B, Lk] booleans, true (1) = the key is ignored. */
  keyPaddingMask?: ArrayLike<boolean> | Uint8Array | null;
  /** [Lq, Lk] or [B·heads, Lq, Lk]: boolean (true = not allowed) or additive float. */
  attnMask?: HostMask | null;
  /** Return the attention weights; default true (torch's `need_weights=True`). */
  needWeights?: boolean;
  /** Average the weights over heads; default true (torch's `average_attn_weights=True`). */
  averageAttnWeights?: boolean;
  /** Training mode: attention dropout applies; default false. */
  training?: boolean;
  /** Seed of the attention-dropout mask in training; default 0. */
  dropoutSeed?: number;
}

/** What {@link MultiheadAttention.forward} returns. */
export interface AttentionResult {
  /** The attention output [B, Lq, d]. */
  output: Tensor;
  /** Weights [B, Lq, Lk] (averaged) or [B, heads, Lq, Lk]; null when not requested. */
  weights: Tensor | null;
}

/** The weights of a {@link MultiheadAttention}, as host arrays (e.g. torch's state dict). */
export interface MultiheadAttentionWeights {
  /** [3d, d] = [W_q; W_k; W_v]. */
  inProjWeight: ArrayLike<number>;
  /** [3d]; absent without bias. */
  inProjBias?: ArrayLike<number>;
  /** [d, d]. */
  outProjWeight: ArrayLike<number>;
  /** [d]; absent without bias. */
  outProjBias?: ArrayLike<number>;
}

/**
 * Uniform values in [−bound, bound) from `rng`, rounded to f32 (torch's
 * `uniform_`-based initialisers, drawn from memspec's seeded stream).
 *
 * @example
 * ```ts
 * import { Rng } from "../../gpu/rng.ts";
 * import { uniformInit } from "./multihead_attention.ts";
 * import { ok } from "node:assert/strict";
 * const w = uniformInit(new Rng(1), 100, 0.25);
 * ok(w.every((x) => Math.abs(x) <= 0.25));
 * ```
 */
export function uniformInit(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniformIn(-bound, bound);
  return out;
}

/**
 * A copy of `t` in a fresh buffer, as a leaf (exact: a new buffer is zero, then += t).
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { copyTensor } from "./multihead_attention.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const t = tensor([1.5, -2], [2], { requiresGrad: true });
 * const c = copyTensor(t);
 * ok(c.buffer !== t.buffer && c.requiresGrad);
 * ok(Array.from(await c.toFloat32()).join() === "1.5,-2");
 * ```
 */
export function copyTensor(t: Tensor, requiresGrad = t.requiresGrad): Tensor {
  const c = emptyLike(t.shape, t.dtype, "copy");
  dispatch(ACCUMULATE, {
    uniforms: { n: t.size },
    buffers: { dst: c.buffer, src: t.buffer },
    workgroups: Math.ceil(t.size / ACCUMULATE_WORKGROUP),
  });
  c.requiresGrad = requiresGrad;
  return c;
}

function checkCount(what: string, got: ArrayLike<number> | undefined, n: number, op: string) {
  if (got === undefined || got === null || typeof got.length !== "number" || got.length !== n) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} of ${n} values but got ${got?.length ?? String(got)}`,
    );
  }
}

function checkSeed(seed: number, what: string): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`Cannot ${what}: expected a seed in [0, 2^32) but got ${seed}`);
  }
}

function checkDropout(p: number, what: string): void {
  if (typeof p !== "number" || !(p >= 0 && p < 1)) {
    throw new RangeError(`Cannot ${what}: expected a dropout probability in [0, 1) but got ${p}`);
  }
}

/** The parameter tensors of multi-head attention (see {@link MultiheadAttention}). */
export interface MultiheadAttentionParams {
  /** [3d, d] = [W_q; W_k; W_v]. */
  readonly inProjWeight: Tensor;
  /** [3d], or null. */
  readonly inProjBias: Tensor | null;
  /** [d, d]. */
  readonly outProjWeight: Tensor;
  /** [d], or null. */
  readonly outProjBias: Tensor | null;
}

/** Options of {@link multiheadAttention}: a call's options plus heads and dropout. */
export interface MultiheadAttentionCall extends AttentionCallOptions {
  /** Heads h; d must be divisible by h. */
  heads: number;
  /** Attention dropout probability, applied in training only; default 0. */
  dropout?: number;
}

/**
 * Multi-head attention as a function of its parameter tensors (gradients flow
 * to every input and parameter that requires one): what
 * {@link MultiheadAttention.forward} runs. Everything is checked before any GPU work.
 *
 * @example Cross-attention: one query over five memories
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { multiheadAttention } from "./multihead_attention.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const eye = [1, 0, 0, 1];
 * const params = {
 *   inProjWeight: tensor([...eye, ...eye, ...eye], [6, 2]), inProjBias: null,
 *   outProjWeight: tensor(eye, [2, 2]), outProjBias: null,
 * };
 * const q = tensor([0, 0], [1, 1, 2]);
 * const mem = tensor([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], [1, 5, 2]);
 * const { output } = multiheadAttention(q, mem, mem, params, { heads: 1 });
 * ok(Array.from(await output.toFloat32()).every((x) => Math.abs(x - 3) < 1e-5));
 * ```
 *
 * @throws {TypeError} on a dtype or shape mismatch, or a malformed mask.
 * @throws {RangeError} when d is not divisible by heads, a (batch, head, query) row has
 *   every key masked, or a dropout probability or seed is out of range.
 * @throws {DisposedTensorError} when an input or parameter was disposed.
 */
export function multiheadAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  params: MultiheadAttentionParams,
  options: MultiheadAttentionCall,
): AttentionResult {
  const H = options.heads;
  const { inProjWeight, inProjBias, outProjWeight, outProjBias } = params;
  assertDType(inProjWeight, "f32", OP, "inProjWeight");
  assertDType(outProjWeight, "f32", OP, "outProjWeight");
  if (inProjBias !== null) assertDType(inProjBias, "f32", OP, "inProjBias");
  if (outProjBias !== null) assertDType(outProjBias, "f32", OP, "outProjBias");
  assertDType(query, "f32", OP, "query");
  assertDType(key, "f32", OP, "key");
  assertDType(value, "f32", OP, "value");
  const d = outProjWeight.shape[0]!;
  if (!Number.isInteger(H) || H < 1 || d % H !== 0) {
    throw new RangeError(
      `Cannot run ${OP}: expected embedDim divisible by heads but got embedDim ${d} and ` +
        `heads ${H}`,
    );
  }
  const pshapes = `inProjWeight ${formatShape(inProjWeight.shape)}, inProjBias ` +
    `${inProjBias === null ? "none" : formatShape(inProjBias.shape)}, outProjWeight ` +
    `${formatShape(outProjWeight.shape)}, outProjBias ` +
    `${outProjBias === null ? "none" : formatShape(outProjBias.shape)}`;
  if (
    outProjWeight.shape.join() !== `${d},${d}` ||
    inProjWeight.shape.join() !== `${3 * d},${d}` ||
    (inProjBias !== null && inProjBias.shape.join() !== `${3 * d}`) ||
    (outProjBias !== null && outProjBias.shape.join() !== `${d}`)
  ) {
    throw new TypeError(
      `Cannot run ${OP}: expected parameters [3d, d], [3d], [d, d], [d] with d = ${d} but got ` +
        pshapes,
    );
  }
  const shapes = `query ${formatShape(query.shape)}, key ${formatShape(key.shape)}, ` +
    `value ${formatShape(value.shape)}`;
  if (query.rank !== 3 || key.rank !== 3 || value.rank !== 3) {
    throw new TypeError(
      `Cannot run ${OP}: expected batch-first inputs of rank 3 ([B, L, d]) but got ${shapes}`,
    );
  }
  const [B, Lq, dq] = query.shape as [number, number, number];
  const [Bk, Lk, dk] = key.shape as [number, number, number];
  if (dq !== d || dk !== d || value.shape[2] !== d) {
    throw new TypeError(
      `Cannot run ${OP}: expected last dimension embedDim ${d} but got ${shapes}`,
    );
  }
  if (Bk !== B || value.shape[0] !== B || value.shape[1] !== Lk) {
    throw new TypeError(
      `Cannot run ${OP}: expected key and value of shape [${B}, Lk, ${d}] with one Lk but got ` +
        shapes,
    );
  }
  if (B < 1 || Lq < 1 || Lk < 1) {
    throw new RangeError(`Cannot run ${OP}: expected non-empty B, Lq and Lk but got ${shapes}`);
  }
  const needWeights = options.needWeights ?? true;
  const average = options.averageAttnWeights ?? true;
  const training = options.training ?? false;
  const p = options.dropout ?? 0;
  checkDropout(p, `run ${OP}`);
  const dropoutSeed = options.dropoutSeed ?? 0;
  checkSeed(dropoutSeed, `run ${OP}`);
  const g: AttentionGeometry = { batch: B, heads: H, lq: Lq, lk: Lk, d };
  const bias = resolveMask(g, options.keyPaddingMask, options.attnMask);
  attentionLanes(g); // the loop-budget check, before any GPU work
  const drop = training && p > 0 ? { p, seed: dropoutSeed } : null;
  const project = (x: Tensor, part: number) => {
    const w = slice(inProjWeight, [part * d, 0], [d, d]);
    const y = matmul(x, w, { transB: true });
    return inProjBias === null ? y : add(y, slice(inProjBias, [part * d], [d]));
  };
  const q = project(query, 0);
  const k = project(key, 1);
  const v = project(value, 2);
  const { output: o, probs } = attentionCore(q, k, v, H, bias, drop);
  const y = matmul(o, outProjWeight, { transB: true });
  const output = outProjBias === null ? y : add(y, outProjBias);
  let weights: Tensor | null = null;
  if (needWeights) {
    weights = average ? mean(probs, 1) : probs;
    if (average) probs.dispose();
  } else probs.dispose();
  return { output, weights };
}

/**
 * `torch.nn.MultiheadAttention(embed_dim, num_heads, bias=True,
 * batch_first=True)`: parameters initialised as torch's `_reset_parameters`
 * (xavier_uniform_ on in_proj_weight, zero in_proj_bias and out_proj.bias,
 * out_proj.weight as nn.Linear: U(−1/√d, 1/√d)) from memspec's seeded Rng.
 *
 * @example Weights from given arrays, gradients to every parameter
 * ```ts
 * import { backward, initGpu, sum, tensor, tidy } from "../../mod.ts";
 * import { MultiheadAttention } from "./multihead_attention.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const mha = new MultiheadAttention(2, 1);
 * mha.setWeights({ inProjWeight: [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1], outProjWeight: [1, 0, 0, 1] });
 * const x = tensor([1, 2, 3, 4], [1, 2, 2]);
 * tidy(() => backward(sum(mha.forward(x, x, x, { needWeights: false }).output)));
 * ok(mha.parameters().every((p) => p.grad !== null));
 * mha.dispose();
 * ```
 */
export class MultiheadAttention {
  /** Model width d. */
  readonly embedDim: number;
  /** Heads h. */
  readonly numHeads: number;
  /** d / h. */
  readonly headDim: number;
  /** Whether the projections have biases. */
  readonly hasBias: boolean;
  /** Attention dropout probability (training only). */
  readonly dropout: number;
  /** [3d, d] = [W_q; W_k; W_v]. */
  inProjWeight: Tensor;
  /** [3d], or null without bias. */
  inProjBias: Tensor | null;
  /** [d, d]. */
  outProjWeight: Tensor;
  /** [d], or null without bias. */
  outProjBias: Tensor | null;

  /**
   * Multi-head attention of width `embedDim` split over `numHeads` heads, with seeded
   * PyTorch-style initialisation.
   *
   * @throws {RangeError} when d or h is not a positive integer, d is not divisible by h, the
   *   seed is not in [0, 2³²) or dropout is not in [0, 1).
   */
  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    if (
      !Number.isInteger(embedDim) || embedDim < 1 || !Number.isInteger(numHeads) || numHeads < 1
    ) {
      throw new RangeError(
        `Cannot create MultiheadAttention: expected positive integers embedDim and numHeads but ` +
          `got ${embedDim} and ${numHeads}`,
      );
    }
    if (embedDim % numHeads !== 0) {
      throw new RangeError(
        `Cannot create MultiheadAttention: expected embedDim divisible by numHeads but got ` +
          `embedDim ${embedDim} and numHeads ${numHeads}`,
      );
    }
    const seed = options.seed ?? 0;
    checkSeed(seed, "create MultiheadAttention");
    const dropout = options.dropout ?? 0;
    checkDropout(dropout, "create MultiheadAttention");
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.hasBias = options.bias ?? true;
    this.dropout = dropout;
    const d = embedDim;
    const rng = new Rng(seed);
    // xavier_uniform_ on [3d, d]: fan_in d, fan_out 3d.
    const wIn = uniformInit(rng, 3 * d * d, Math.sqrt(6 / (d + 3 * d)));
    // nn.Linear's kaiming_uniform_(a=√5): bound 1/√fan_in.
    const wOut = uniformInit(rng, d * d, 1 / Math.sqrt(d));
    this.inProjWeight = tensor(wIn, [3 * d, d], { requiresGrad: true });
    this.outProjWeight = tensor(wOut, [d, d], { requiresGrad: true });
    this.inProjBias = this.hasBias
      ? tensor(new Float32Array(3 * d), [3 * d], { requiresGrad: true })
      : null;
    this.outProjBias = this.hasBias
      ? tensor(new Float32Array(d), [d], { requiresGrad: true })
      : null;
  }

  /**
   * The parameters with torch's state-dict names (`in_proj_weight`, `in_proj_bias`,
   * `out_proj.weight`, `out_proj.bias`; no biases without bias), in that order: pass
   * `Object.fromEntries(mha.namedParameters())` to `saveCheckpoint`.
   */
  namedParameters(): [string, Tensor][] {
    const list: [string, Tensor | null][] = [
      ["in_proj_weight", this.inProjWeight],
      ["in_proj_bias", this.inProjBias],
      ["out_proj.weight", this.outProjWeight],
      ["out_proj.bias", this.outProjBias],
    ];
    return list.filter((e): e is [string, Tensor] => e[1] !== null);
  }

  /** The parameters, in torch's state-dict order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /**
   * Replaces the parameters with the given arrays (checked first, then uploaded).
   *
   * @throws {TypeError} when an array has the wrong length, or a bias is given without bias.
   */
  setWeights(w: MultiheadAttentionWeights): void {
    const d = this.embedDim;
    const op = "set MultiheadAttention weights";
    checkCount("inProjWeight [3d, d]", w.inProjWeight, 3 * d * d, op);
    checkCount("outProjWeight [d, d]", w.outProjWeight, d * d, op);
    if (this.hasBias) {
      if (w.inProjBias !== undefined) checkCount("inProjBias [3d]", w.inProjBias, 3 * d, op);
      if (w.outProjBias !== undefined) checkCount("outProjBias [d]", w.outProjBias, d, op);
    } else if (w.inProjBias !== undefined || w.outProjBias !== undefined) {
      throw new TypeError(`Cannot ${op}: expected no biases (bias: false) but got some`);
    }
    const put = (old: Tensor, data: ArrayLike<number>) => {
      const t = tensor(data, old.shape, { requiresGrad: true });
      old.dispose();
      return t;
    };
    this.inProjWeight = put(this.inProjWeight, w.inProjWeight);
    this.outProjWeight = put(this.outProjWeight, w.outProjWeight);
    if (this.inProjBias !== null) {
      this.inProjBias = put(this.inProjBias, w.inProjBias ?? new Float32Array(3 * d));
    }
    if (this.outProjBias !== null) {
      this.outProjBias = put(this.outProjBias, w.outProjBias ?? new Float32Array(d));
    }
  }

  /** A deep copy: same values in new buffers (torch's `copy.deepcopy`). */
  clone(): MultiheadAttention {
    for (const p of this.parameters()) {
      assertDType(p, "f32", "clone MultiheadAttention", "parameter");
    }
    const c = Object.create(MultiheadAttention.prototype) as MultiheadAttention;
    Object.assign(c, {
      embedDim: this.embedDim,
      numHeads: this.numHeads,
      headDim: this.headDim,
      hasBias: this.hasBias,
      dropout: this.dropout,
      inProjWeight: copyTensor(this.inProjWeight),
      inProjBias: this.inProjBias === null ? null : copyTensor(this.inProjBias),
      outProjWeight: copyTensor(this.outProjWeight),
      outProjBias: this.outProjBias === null ? null : copyTensor(this.outProjBias),
    });
    return c;
  }

  /**
   * Attention of `query` [B, Lq, d] over `key` and `value` [B, Lk, d].
   * Everything is checked before any GPU work.
   *
   * @throws {TypeError} on a dtype or shape mismatch, or a malformed mask.
   * @throws {RangeError} when a (batch, head, query) row has every key masked, or a
   *   dropout seed is out of range.
   * @throws {DisposedTensorError} when an input or parameter was disposed.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: AttentionCallOptions = {},
  ): AttentionResult {
    return multiheadAttention(query, key, value, {
      inProjWeight: this.inProjWeight,
      inProjBias: this.inProjBias,
      outProjWeight: this.outProjWeight,
      outProjBias: this.outProjBias,
    }, { ...options, heads: this.numHeads, dropout: this.dropout });
  }

  /** Releases every parameter (and its gradient). */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}
