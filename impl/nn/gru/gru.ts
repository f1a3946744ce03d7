/**
 * A unidirectional GRU with PyTorch 1.13 `nn.GRU` semantics (batch-first),
 * its parameters in torch's layout (rows [r; z; n]):
 *
 *   r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
 *   z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
 *   n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 *
 * The input projection of every step is one matmul; the recurrence is one
 * WGSL kernel looping over t with h in workgroup memory (kernels/recurrence.ts),
 * and its backward one reverse-time kernel plus a matmul and a sum for W_hh and
 * b_hh. Weights are seeded per tensor name from memspec's Rng
 * ({@link initGruWeights}), never from a global generator.
 *
 * @example States of a GRU from a seeded init, with a gradient for every weight
 * ```ts
 * import { backward, initGpu, sum, tensor, tidy } from "../../mod.ts";
 * import { gru, initGruWeights } from "./gru.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const w = initGruWeights(3, 4, 7, "demo.");
 * const x = tensor(Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 3]);
 * const h = tidy(() => {
 *   const out = gru(x, w);
 *   backward(sum(out));
 *   return out;
 * });
 * ok(h.shape.join() === "2,5,4" && w.wHh.grad !== null);
 * ok((await h.toFloat32()).every((v) => Math.abs(v) < 1));
 * for (const t of [h, x, w.wIh, w.wHh, w.bIh, w.bHh]) t.dispose();
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { gpu } from "../../gpu/device.ts";
import { dispatch } from "../../gpu/program.ts";
import { noGrad, recordOp } from "../../autograd.ts";
import { DisposedTensorError } from "../../gpu/errors.ts";
import { formatShape, outputLike, Tensor, tensor, zeros } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { slice } from "../../ops/slice.ts";
import { concat } from "../../ops/concat.ts";
import { transpose } from "../../ops/transpose.ts";
import { sumToShape } from "../../ops/sum_to_shape.ts";
import { GRU_BACKWARD, GRU_FORWARD, gruLanes, gruWorkgroupWords } from "./kernels/recurrence.ts";

const OP = "gru";

/** PyTorch 1.13 nn.GRU parameter layout: rows [r; z; n]. */
export interface GruWeights {
  /** [3H, I] = [W_ir; W_iz; W_in]. */
  wIh: Tensor;
  /** [3H, H] = [W_hr; W_hz; W_hn]. */
  wHh: Tensor;
  /** [3H] = [b_ir; b_iz; b_in]. */
  bIh: Tensor;
  /** [3H] = [b_hr; b_hz; b_hn]. */
  bHh: Tensor;
}

/**
 * All hidden states [B, T, H] of a unidirectional GRU from h0 (default zeros)
 * over x [B, T, I]; differentiable in x, h0 and every weight.
 *
 * Without h0 the state starts at zeros and no gradient is formed for it. The
 * intermediates a backward needs (the input projection, the stored gates) live
 * in the caller's tidy scope, like any op's: call backward() inside it.
 *
 * @throws {TypeError} naming the operand (x, h0, wIh, wHh, bIh, bHh, or the weights object)
 *   when it is not an f32 tensor of its shape ([B, T, I], [B, H], [3H, I], [3H, H], [3H]).
 * @throws {DisposedTensorError} naming the operand when it was disposed.
 * @throws {RangeError} for a hidden size past {@link gruMaxHidden}. All before any GPU work.
 */
export function gru(x: Tensor, w: GruWeights, h0?: Tensor): Tensor {
  const { B, T, I, H } = gruShapes(x, w, h0);
  const sizes = { h: H, wg: gruLanes(H) };
  // The input projection of every step at once; the recurrence needs only what depends on h.
  const x2 = reshape(x, [B * T, I]);
  const proj = matmul(x2, w.wIh, { transB: true });
  const gi = add(proj, w.bIh);
  // Lanes read W_hhᵀ so that the lanes of a workgroup read consecutive words.
  const wt = noGrad(() => transpose(w.wHh));
  const h0t = h0 ?? zeros([B, H]);
  const hs = outputLike([B, T, H], "f32", "gru hidden states");
  const gates = outputLike([B, T, 4 * H], "f32", "gru gates");
  dispatch(GRU_FORWARD, {
    sizes,
    uniforms: { nb: B, tm: T },
    buffers: {
      gi: gi.buffer,
      wt: wt.buffer,
      bhh: w.bHh.buffer,
      h0: h0t.buffer,
      hs: hs.buffer,
      gates: gates.buffer,
    },
    workgroups: B,
    steps: T,
  });
  wt.dispose();
  // gates is an input (no gradient) so that backward() names it if a scope disposed it early.
  recordOp(hs, OP, [gi, w.wHh, w.bHh, h0t, gates], (go) => {
    const dgi = outputLike([B * T, 3 * H], "f32", `${OP} grad gi`);
    const dgh = outputLike([B, T, 3 * H], "f32", `${OP} grad gh`);
    const dh0 = outputLike([B, H], "f32", `${OP} grad h0`);
    dispatch(GRU_BACKWARD, {
      sizes,
      uniforms: { nb: B, tm: T },
      buffers: {
        go: go.buffer,
        gates: gates.buffer,
        hs: hs.buffer,
        h0: h0t.buffer,
        wh: w.wHh.buffer,
        carry: dh0.buffer,
        dgi: dgi.buffer,
        dgh: dgh.buffer,
      },
      workgroups: B,
      steps: T,
    });
    // h_{t−1} for every step: h0, then hs without its last step.
    const prev = T === 1
      ? reshape(h0t, [B, 1, H])
      : concat([reshape(h0t, [B, 1, H]), slice(hs, [0, 0, 0], [B, T - 1, H])], 1);
    const dghRows = reshape(dgh, [B * T, 3 * H]);
    const dWhh = matmul(dghRows, reshape(prev, [B * T, H]), { transA: true });
    const dbHh = sumToShape(dghRows, [3 * H]);
    return [dgi, dWhh, dbHh, h0 === undefined ? null : dh0, null];
  });
  if (hs.node === null) {
    // No graph: nothing will read the intermediates (release waits for the recorded work).
    for (const t of [gates, gi, proj, x2]) if (t !== x) t.dispose();
    if (h0 === undefined) h0t.dispose();
  }
  return hs;
}

/** The largest hidden size {@link gru} accepts on any adapter. */
export const MAX_GRU_HIDDEN = 1024;

/**
 * The largest hidden size {@link gru} accepts on this adapter: {@link MAX_GRU_HIDDEN}, or less
 * where the backward's 4H f32 of workgroup memory do not fit.
 */
export function gruMaxHidden(): number {
  const words = Math.floor(gpu().limits.maxComputeWorkgroupStorageSize / 4);
  let h = MAX_GRU_HIDDEN;
  while (h > 1 && gruWorkgroupWords(h) > words) h--;
  return h;
}

/** Checks the operands of {@link gru}; returns its sizes. */
export function gruShapes(
  x: Tensor,
  w: GruWeights,
  h0?: Tensor,
): { B: number; T: number; I: number; H: number } {
  const op = "run the GRU";
  const live = (name: string, t: unknown): Tensor => {
    if (!(t instanceof Tensor)) {
      throw new TypeError(`Cannot ${op}: expected ${name} to be a Tensor but got ${describe(t)}`);
    }
    if (t.disposed) {
      throw new DisposedTensorError(`${name} of the GRU (shape ${formatShape(t.shape)})`);
    }
    if (t.dtype !== "f32") {
      throw new TypeError(`Cannot ${op}: expected ${name} of dtype f32 but got ${t.dtype}`);
    }
    return t;
  };
  if (w === null || typeof w !== "object") {
    throw new TypeError(
      `Cannot ${op}: expected weights {wIh, wHh, bIh, bHh} but got ${describe(w)}`,
    );
  }
  live("x", x);
  for (const k of ["wIh", "wHh", "bIh", "bHh"] as const) live(k, w[k]);
  if (h0 !== undefined) live("h0", h0);
  if (x.rank !== 3) {
    throw new TypeError(
      `Cannot ${op}: expected x of shape [B, T, I] but got ${formatShape(x.shape)}`,
    );
  }
  const [B, T, I] = x.shape as [number, number, number];
  if (w.wHh.rank !== 2 || w.wHh.shape[0] !== 3 * w.wHh.shape[1]!) {
    throw new TypeError(
      `Cannot ${op}: expected wHh of shape [3H, H] but got ${formatShape(w.wHh.shape)}`,
    );
  }
  const H = w.wHh.shape[1]!;
  const maxH = gruMaxHidden();
  if (H > maxH) {
    throw new RangeError(
      `Cannot ${op}: expected a hidden size H ≤ ${maxH} (4H f32 of workgroup memory, at most ` +
        `${MAX_GRU_HIDDEN}) but got H = ${H}`,
    );
  }
  const want = (name: string, t: Tensor, shape: number[]) => {
    if (t.shape.join() !== shape.join()) {
      throw new TypeError(
        `Cannot ${op}: expected ${name} of shape ${formatShape(shape)} but got ${
          formatShape(t.shape)
        }`,
      );
    }
  };
  want("wIh", w.wIh, [3 * H, I]);
  want("bIh", w.bIh, [3 * H]);
  want("bHh", w.bHh, [3 * H]);
  if (h0 !== undefined) want("h0", h0, [B, H]);
  if (B < 1 || T < 1 || I < 1 || H < 1) {
    throw new RangeError(
      `Cannot ${op}: expected B, T, I, H ≥ 1 but got ${B}, ${T}, ${I}, ${H}`,
    );
  }
  return { B, T, I, H };
}

/** A value as error messages print it. */
function describe(v: unknown): string {
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "an array";
  return v === null || typeof v !== "object" ? String(v) : "an object";
}

/** FNV-1a of a name, to key a parameter's random stream (as the byte LM does). */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The parameter names {@link initGruWeights} draws, in order, for a prefix. */
export function gruParameterNames(prefix: string): [string, string, string, string] {
  if (typeof prefix !== "string") {
    throw new TypeError(
      `Cannot name the GRU parameters: expected prefix a string but got ${describe(prefix)}`,
    );
  }
  return [
    `${prefix}weight_ih_l0`,
    `${prefix}weight_hh_l0`,
    `${prefix}bias_ih_l0`,
    `${prefix}bias_hh_l0`,
  ];
}

/**
 * Host values of {@link initGruWeights}: torch's U(−1/√H, 1/√H) for every tensor, each from
 * its own stream `new Rng(hashU32(seed, fnv1a(prefix + torchName)))`.
 */
export function gruInitValues(
  inputSize: number,
  hiddenSize: number,
  seed: number,
  prefix: string,
): { wIh: Float32Array; wHh: Float32Array; bIh: Float32Array; bHh: Float32Array } {
  const op = "initialise the GRU weights";
  for (const [name, v] of [["inputSize", inputSize], ["hiddenSize", hiddenSize]] as const) {
    if (typeof v !== "number") {
      throw new TypeError(
        `Cannot ${op}: expected ${name} a positive integer but got ${describe(v)}`,
      );
    }
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 24) {
      throw new RangeError(
        `Cannot ${op}: expected ${name} a positive integer up to 2^24 but got ${v}`,
      );
    }
  }
  if (typeof seed !== "number") {
    throw new TypeError(
      `Cannot ${op}: expected seed an integer in [0, 2^32) but got ${describe(seed)}`,
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`Cannot ${op}: expected seed an integer in [0, 2^32) but got ${seed}`);
  }
  if (typeof prefix !== "string") {
    throw new TypeError(`Cannot ${op}: expected prefix a string but got ${describe(prefix)}`);
  }
  if (3 * hiddenSize * Math.max(inputSize, hiddenSize) > 2 ** 28) {
    throw new RangeError(
      `Cannot ${op}: expected 3·hiddenSize·max(inputSize, hiddenSize) ≤ 2^28 values but got ` +
        `inputSize ${inputSize}, hiddenSize ${hiddenSize}`,
    );
  }
  const H = hiddenSize;
  const k = 1 / Math.sqrt(H);
  const draw = (name: string, n: number) => {
    const r = new Rng(hashU32(seed, nameHash(name)));
    return Float32Array.from({ length: n }, () => r.uniformIn(-k, k));
  };
  const [a, b, c, d] = gruParameterNames(prefix);
  return {
    wIh: draw(a, 3 * H * inputSize),
    wHh: draw(b, 3 * H * H),
    bIh: draw(c, 3 * H),
    bHh: draw(d, 3 * H),
  };
}

/** Seeded U(±1/√H) init of every GRU tensor from memspec's Rng (seed, name prefix). */
export function initGruWeights(
  inputSize: number,
  hiddenSize: number,
  seed: number,
  prefix: string,
): GruWeights {
  const v = gruInitValues(inputSize, hiddenSize, seed, prefix);
  const H = hiddenSize;
  return {
    wIh: tensor(v.wIh, [3 * H, inputSize], { requiresGrad: true }),
    wHh: tensor(v.wHh, [3 * H, H], { requiresGrad: true }),
    bIh: tensor(v.bIh, [3 * H], { requiresGrad: true }),
    bHh: tensor(v.bHh, [3 * H], { requiresGrad: true }),
  };
}
