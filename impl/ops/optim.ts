/**
 * Optimisers and gradient clipping, as GPU kernels that update parameters in
 * place: one dispatch per parameter tensor per step, recorded into the open
 * batch like any op (no host sync). Semantics follow PyTorch's `torch.optim.SGD`
 * (dampening 0, no Nesterov), `torch.optim.Adam` / `AdamW` (bias-corrected, ε
 * added after the square root) and `torch.nn.utils.clip_grad_norm_`.
 *
 * Optimiser state (momentum buffers, Adam moments) lives in tensors created
 * on a parameter's first step; they count in `liveBufferCount()` and are
 * released by `dispose()`. They outlive any open `tidy` scope.
 *
 * Hyperparameters are given as f64 numbers and reach the kernels as f32
 * uniforms; bias corrections are computed on the host in f64.
 *
 * @example One Adam step
 * ```ts
 * import { Adam, initGpu, tensor } from "../mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const w = tensor([1, -2], [2], { requiresGrad: true });
 * w.grad = tensor([2, -4], [2]); // as backward() would leave it for sum(w²)
 * const opt = new Adam([w], { lr: 0.1 });
 * opt.step(); // the first bias-corrected step moves each weight by lr·|g|/(|g| + ε) ≈ 0.1
 * const [a, b] = await w.toArray();
 * ok(Math.abs(a! - 0.9) < 1e-6 && Math.abs(b! + 1.9) < 1e-6);
 * opt.dispose();
 * w.dispose();
 * ```
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { createStorageBuffer, releaseBuffer } from "../gpu/buffers.ts";
import { DisposedTensorError } from "../gpu/errors.ts";
import { emptyLike, formatShape, keep, Tensor, tensor, zeros } from "../tensor.ts";
import {
  ADAM,
  ADAM_MODE,
  NORM_FINALIZE,
  OPTIM_WORKGROUP,
  SCALE_INPLACE,
  SGD,
  SGD_MOMENTUM,
  SUMSQ_CHUNK,
  SUMSQ_PARTIALS,
} from "./kernels/optim.ts";

/** How parameters whose `.grad` is null are treated. */
export interface GradPolicy {
  /**
   * Skip parameters without a gradient, leaving them (and their state)
   * untouched, as PyTorch does. Default false: such a parameter is a TypeError,
   * since it usually means a forgotten `backward()` or a detached graph.
   */
  skipParamsWithoutGrad?: boolean;
}

/** Options of {@link Sgd}. */
export interface SgdOptions extends GradPolicy {
  /** Learning rate, finite and ≥ 0. */
  lr: number;
  /** Momentum factor μ, finite and ≥ 0; default 0 (no buffer). */
  momentum?: number;
  /** L2 weight decay added to the gradient, finite and ≥ 0; default 0. */
  weightDecay?: number;
}

/** Options of {@link Adam}. */
export interface AdamOptions extends GradPolicy {
  /** Learning rate, finite and ≥ 0. */
  lr: number;
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to √v̂ (after the square root), finite and ≥ 0; default 1e-8. */
  eps?: number;
  /** Weight decay, finite and ≥ 0; default 0. */
  weightDecay?: number;
  /**
   * Decoupled weight decay (AdamW: `w ← w·(1 − lr·wd)` before the update)
   * instead of L2 decay added to the gradient (Adam). Default false.
   */
  decoupledWeightDecay?: boolean;
}

/** Adam's moment estimates of one parameter. */
export interface AdamState {
  /** First moment m (not bias-corrected). */
  readonly m: Tensor;
  /** Second moment v (not bias-corrected). */
  readonly v: Tensor;
  /** Steps taken by this parameter. */
  readonly step: number;
}

function checkRange(
  op: string,
  name: string,
  value: number,
  lo: number,
  hi = Infinity,
  allowInfinity = false,
): number {
  const finiteOk = allowInfinity ? !Number.isNaN(value) : Number.isFinite(value);
  if (typeof value !== "number" || !finiteOk || value < lo || (hi !== Infinity && value >= hi)) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi})`;
    throw new RangeError(
      `Cannot ${op}: ${name} must be a ${allowInfinity ? "" : "finite "}number ${range}, ` +
        `got ${value}`,
    );
  }
  return value;
}

function checkParams(op: string, params: readonly Tensor[], allowEmpty: boolean): Tensor[] {
  if (!Array.isArray(params)) {
    throw new TypeError(`Cannot ${op}: expected an array of parameter tensors`);
  }
  if (params.length === 0 && !allowEmpty) {
    throw new TypeError(`Cannot ${op}: the parameter list is empty`);
  }
  const seen = new Map<Tensor, number>();
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) {
      throw new TypeError(`Cannot ${op}: parameter ${i} is not a Tensor`);
    }
    if (p.disposed) {
      throw new DisposedTensorError(`parameter ${i} (shape ${formatShape(p.shape)}) in ${op}`);
    }
    if (p.dtype !== "f32") {
      throw new TypeError(
        `Cannot ${op}: parameter ${i} of shape ${formatShape(p.shape)} has dtype ${p.dtype}, ` +
          `expected f32`,
      );
    }
    const first = seen.get(p);
    if (first !== undefined) {
      throw new TypeError(
        `Cannot ${op}: parameter ${i} is the same tensor as parameter ${first}`,
      );
    }
    seen.set(p, i);
  });
  return [...params];
}

/**
 * The gradients of `params`, validated before any GPU work; null where a
 * parameter has none and `skip` is set.
 */
function gradsOf(op: string, params: readonly Tensor[], skip: boolean): (Tensor | null)[] {
  return params.map((p, i) => {
    if (p.disposed) {
      throw new DisposedTensorError(`parameter ${i} (shape ${formatShape(p.shape)}) in ${op}`);
    }
    const g = p.grad;
    if (g === null) {
      if (skip) return null;
      throw new TypeError(
        `Cannot ${op}: parameter ${i} of shape ${formatShape(p.shape)} has no gradient ` +
          `(.grad is null): call backward() first, or pass skipParamsWithoutGrad: true`,
      );
    }
    if (g.disposed) {
      throw new DisposedTensorError(`the gradient of parameter ${i} in ${op}`);
    }
    if (g.dtype !== "f32" || g.shape.join() !== p.shape.join()) {
      throw new TypeError(
        `Cannot ${op}: the gradient of parameter ${i} has shape ${formatShape(g.shape)} and ` +
          `dtype ${g.dtype}, but the parameter has shape ${formatShape(p.shape)} and dtype f32`,
      );
    }
    return g;
  });
}

/** What every optimiser offers. */
export interface Optimizer {
  /** The parameters, in the order given. */
  readonly params: readonly Tensor[];
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;
  /** Records one in-place update of every parameter from its `.grad`. No host sync. */
  step(): void;
  /** Disposes every parameter's gradient and sets it to null. */
  zeroGrad(): void;
  /** Releases the optimiser state. Later calls to `step()` throw. Safe to call twice. */
  dispose(): void;
}

/**
 * The shared base of {@link Sgd} and {@link Adam}: parameter validation, the learning rate with its
 * range check, the gradient policy and `zeroGrad()`. Subclass it only to write a new optimiser.
 */
export abstract class OptimizerBase implements Optimizer {
  readonly params: readonly Tensor[];
  /**
   * Whether parameters without a gradient are skipped ({@link GradPolicy.skipParamsWithoutGrad}).
   */
  protected readonly skip: boolean;
  /** Set by `dispose()`; a later `step()` throws a {@link DisposedTensorError}. */
  protected disposed = false;
  #lr = 0;

  /**
   * Validates and freezes the parameter list.
   *
   * @param name the optimiser's name in error messages ("SGD", "Adam", "AdamW").
   * @param params the parameters, each an f32 tensor, no duplicates.
   * @param options how parameters without a gradient are treated.
   * @throws {TypeError} for an empty, non-tensor, non-f32 or duplicated parameter list.
   * @throws {DisposedTensorError} for a disposed parameter.
   */
  protected constructor(readonly name: string, params: readonly Tensor[], options: GradPolicy) {
    this.params = Object.freeze(checkParams(`create ${name}`, params, false));
    this.skip = options.skipParamsWithoutGrad ?? false;
  }

  get lr(): number {
    return this.#lr;
  }

  set lr(value: number) {
    this.#lr = checkRange(`set the ${this.name} learning rate`, "lr", value, 0);
  }

  /** Validates and returns the gradients of this step. */
  protected grads(): (Tensor | null)[] {
    if (this.disposed) {
      throw new DisposedTensorError(`the state of a ${this.name} optimiser after dispose()`);
    }
    return gradsOf(`step ${this.name}`, this.params, this.skip);
  }

  abstract step(): void;

  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  abstract dispose(): void;
}

function zerosKept(shape: readonly number[]): Tensor {
  return keep(zeros(shape));
}

/**
 * Stochastic gradient descent: `d = g + wd·w`; with momentum μ > 0,
 * `buf ← μ·buf + d` (buf starts at d) and `w ← w − lr·buf`; otherwise
 * `w ← w − lr·d`.
 */
export class Sgd extends OptimizerBase {
  /** Momentum μ (0: plain SGD). */
  readonly momentum: number;
  /** L2 weight decay added to the gradient. */
  readonly weightDecay: number;
  readonly #buffers: (Tensor | null)[];

  /**
   * SGD over `params` with `options.lr`, momentum and weight decay (both default 0).
   *
   * @throws {RangeError} for a negative or non-finite lr, momentum or weight decay.
   * @throws {TypeError} for an empty, non-tensor, non-f32 or duplicated parameter list.
   */
  constructor(params: readonly Tensor[], options: SgdOptions) {
    super("SGD", params, options);
    this.lr = options.lr;
    this.momentum = checkRange("create SGD", "momentum", options.momentum ?? 0, 0);
    this.weightDecay = checkRange("create SGD", "weightDecay", options.weightDecay ?? 0, 0);
    this.#buffers = this.params.map(() => null);
  }

  /** Momentum buffer of each parameter; null before its first step or without momentum. */
  get momentumBuffers(): readonly (Tensor | null)[] {
    return [...this.#buffers];
  }

  /**
   * Records one SGD update of every parameter from its `.grad` (one dispatch each); no host sync.
   *
   * @throws {TypeError} when a parameter has no gradient (unless skipped) or one of another shape.
   * @throws {DisposedTensorError} after `dispose()`, or for a disposed parameter or gradient.
   */
  step(): void {
    const grads = this.grads();
    const withMomentum = this.momentum > 0;
    grads.forEach((g, i) => {
      if (g === null) return;
      const p = this.params[i]!;
      const buffers: Record<string, GPUBuffer> = { weights: p.buffer, grads: g.buffer };
      if (withMomentum) {
        this.#buffers[i] ??= zerosKept(p.shape);
        buffers.bufs = this.#buffers[i]!.buffer;
      }
      dispatch(withMomentum ? SGD_MOMENTUM : SGD, {
        uniforms: { n: p.size, lr: this.lr, wd: this.weightDecay, momentum: this.momentum },
        buffers,
        workgroups: Math.ceil(p.size / OPTIM_WORKGROUP),
      });
    });
  }

  /**
   * Releases the momentum buffers; a later `step()` throws a {@link DisposedTensorError}. Safe to
   * call twice.
   */
  dispose(): void {
    this.disposed = true;
    this.#buffers.forEach((b, i) => {
      b?.dispose();
      this.#buffers[i] = null;
    });
  }
}

/**
 * Creates an {@link Sgd} optimiser over `params`.
 *
 * @example
 * ```ts
 * import { initGpu, sgd, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const w = tensor([1, 2], [2]);
 * w.grad = tensor([0.5, -0.5], [2]);
 * const opt = sgd([w], { lr: 0.5 });
 * opt.step();
 * deepStrictEqual(Array.from(await w.toArray()), [0.75, 2.25]);
 * opt.dispose();
 * w.dispose();
 * ```
 */
export function sgd(params: readonly Tensor[], options: SgdOptions): Sgd {
  return new Sgd(params, options);
}

/**
 * Adam (Kingma & Ba, 2015, Algorithm 1) with PyTorch's conventions: at step t,
 * `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`,
 * `w ← w − lr·m̂ / (√v̂ + ε)` with `m̂ = m / (1−β1ᵗ)`, `v̂ = v / (1−β2ᵗ)`.
 * Weight decay is L2 (added to g) or, with `decoupledWeightDecay`, AdamW's
 * `w ← w·(1 − lr·wd)` before the update. Each parameter counts its own steps.
 */
export class Adam extends OptimizerBase {
  /** First-moment decay β1, in [0, 1). */
  readonly beta1: number;
  /** Second-moment decay β2, in [0, 1). */
  readonly beta2: number;
  /** ε added to √v̂ in the denominator. */
  readonly eps: number;
  /**
   * Weight decay: L2 added to the gradient, or AdamW's decoupled decay with `decoupledWeightDecay`.
   */
  readonly weightDecay: number;
  /** Whether weight decay is AdamW's decoupled `w ← w·(1 − lr·wd)` instead of L2. */
  readonly decoupledWeightDecay: boolean;
  readonly #m: (Tensor | null)[];
  readonly #v: (Tensor | null)[];
  readonly #steps: number[];

  /**
   * Adam (AdamW with `decoupledWeightDecay`) over `params`; β1 0.9, β2 0.999 and ε 1e-8 by default.
   *
   * @throws {RangeError} for lr, eps or weight decay negative or non-finite, or β outside [0, 1).
   * @throws {TypeError} for an empty, non-tensor, non-f32 or duplicated parameter list.
   */
  constructor(params: readonly Tensor[], options: AdamOptions) {
    const name = options.decoupledWeightDecay ? "AdamW" : "Adam";
    super(name, params, options);
    this.lr = options.lr;
    this.beta1 = checkRange(`create ${name}`, "beta1", options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRange(`create ${name}`, "beta2", options.beta2 ?? 0.999, 0, 1);
    this.eps = checkRange(`create ${name}`, "eps", options.eps ?? 1e-8, 0);
    this.weightDecay = checkRange(`create ${name}`, "weightDecay", options.weightDecay ?? 0, 0);
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    this.#m = this.params.map(() => null);
    this.#v = this.params.map(() => null);
    this.#steps = this.params.map(() => 0);
  }

  /** Moments and step count of parameter `i`; null before its first step. */
  state(i: number): AdamState | null {
    const m = this.#m[i];
    const v = this.#v[i];
    if (m === null || v === null || m === undefined || v === undefined) return null;
    return { m, v, step: this.#steps[i]! };
  }

  /**
   * Restores parameter `i`'s moments and step count (a checkpoint's `state(i)`
   * read back): `m` and `v` hold the parameter's element count of finite
   * values (v ≥ 0), `step` is an integer ≥ 0. The moment tensors are created
   * when absent, and replaced (the old ones disposed: tensors returned by an
   * earlier `state(i)` are then disposed) when present; buffers are filled at
   * creation, so the upload is ordered before later steps. Every check runs
   * before anything changes.
   *
   * @example A state round trip: the restored optimiser steps exactly as the original
   * ```ts
   * import { initGpu, readTensors, tensor } from "../mod.ts";
   * import { AdamW } from "./optim.ts";
   * import { deepStrictEqual } from "node:assert/strict";
   * await initGpu();
   * const a = tensor([1, -2], [2]);
   * a.grad = tensor([0.5, 0.25], [2]);
   * const opt = new AdamW([a], { lr: 0.1 });
   * opt.step();
   * const s = opt.state(0)!;
   * const [m, v] = (await readTensors([s.m, s.v])) as Float32Array[];
   * const b = tensor(await a.toArray(), [2]);
   * b.grad = tensor([0.5, 0.25], [2]);
   * const restored = new AdamW([b], { lr: 0.1 });
   * restored.setState(0, { m: m!, v: v!, step: s.step });
   * opt.step();
   * restored.step();
   * deepStrictEqual(Array.from(await b.toArray()), Array.from(await a.toArray()));
   * opt.dispose();
   * restored.dispose();
   * a.dispose();
   * b.dispose();
   * ```
   *
   * @throws {RangeError} when `i` is not a parameter index, a value is not finite (or v < 0),
   *   or `step` is not an integer >= 0.
   * @throws {TypeError} when `m` or `v` is not a Float32Array of the parameter's size.
   * @throws {DisposedTensorError} after `dispose()`.
   */
  setState(i: number, state: { m: Float32Array; v: Float32Array; step: number }): void {
    const op = `set the ${this.name} state`;
    if (this.disposed) {
      throw new DisposedTensorError(`the state of a ${this.name} optimiser after dispose()`);
    }
    if (!Number.isInteger(i) || i < 0 || i >= this.params.length) {
      throw new RangeError(
        `Cannot ${op}: expected a parameter index in [0, ${this.params.length}) but got ${i}`,
      );
    }
    const p = this.params[i]!;
    if (typeof state !== "object" || state === null) {
      throw new TypeError(`Cannot ${op} of parameter ${i}: expected { m, v, step }`);
    }
    for (const key of ["m", "v"] as const) {
      const a = state[key];
      if (!(a instanceof Float32Array) || a.length !== p.size) {
        throw new TypeError(
          `Cannot ${op} of parameter ${i}: expected ${key} to be a Float32Array of ${p.size} ` +
            `values (shape ${formatShape(p.shape)}) but got ${
              a instanceof Float32Array ? `${a.length} values` : String(a)
            }`,
        );
      }
      const bad = a.findIndex((x) => !Number.isFinite(x) || (key === "v" && x < 0));
      if (bad >= 0) {
        throw new RangeError(
          `Cannot ${op} of parameter ${i}: expected ${key} to hold finite values` +
            `${key === "v" ? " >= 0" : ""} but ${key}[${bad}] is ${a[bad]}`,
        );
      }
    }
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new RangeError(
        `Cannot ${op} of parameter ${i}: expected step to be an integer >= 0 but got ${state.step}`,
      );
    }
    this.#m[i]?.dispose();
    this.#v[i]?.dispose();
    this.#m[i] = keep(tensor(state.m, p.shape));
    this.#v[i] = keep(tensor(state.v, p.shape));
    this.#steps[i] = state.step;
  }

  /**
   * Records one Adam update of every parameter from its `.grad` (one dispatch each); no host sync.
   *
   * @throws {TypeError} when a parameter has no gradient (unless skipped) or one of another shape.
   * @throws {DisposedTensorError} after `dispose()`, or for a disposed parameter or gradient.
   */
  step(): void {
    const grads = this.grads();
    const mode = this.weightDecay === 0
      ? ADAM_MODE.none
      : this.decoupledWeightDecay
      ? ADAM_MODE.decoupled
      : ADAM_MODE.l2;
    grads.forEach((g, i) => {
      if (g === null) return;
      const p = this.params[i]!;
      this.#m[i] ??= zerosKept(p.shape);
      this.#v[i] ??= zerosKept(p.shape);
      const t = ++this.#steps[i]!;
      const bc1 = 1 - this.beta1 ** t;
      const bc2 = 1 - this.beta2 ** t;
      dispatch(ADAM, {
        uniforms: {
          n: p.size,
          mode,
          b1: this.beta1,
          omb1: 1 - this.beta1,
          b2: this.beta2,
          omb2: 1 - this.beta2,
          step_size: this.lr / bc1,
          inv_sqrt_bc2: 1 / Math.sqrt(bc2),
          eps: this.eps,
          wd: this.weightDecay,
          decay: 1 - this.lr * this.weightDecay,
        },
        buffers: {
          weights: p.buffer,
          grads: g.buffer,
          m_state: this.#m[i]!.buffer,
          v_state: this.#v[i]!.buffer,
        },
        workgroups: Math.ceil(p.size / OPTIM_WORKGROUP),
      });
    });
  }

  /**
   * Releases the moment estimates; a later `step()` throws a {@link DisposedTensorError}. Safe to
   * call twice.
   */
  dispose(): void {
    this.disposed = true;
    for (const states of [this.#m, this.#v]) {
      states.forEach((s, i) => {
        s?.dispose();
        states[i] = null;
      });
    }
  }
}

/** Options of {@link AdamW}: {@link AdamOptions} with PyTorch 1.13's AdamW defaults. */
export interface AdamWOptions extends GradPolicy {
  /** Learning rate, finite and ≥ 0; default 1e-3. */
  lr?: number;
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to √v̂ (after the square root), finite and ≥ 0; default 1e-8. */
  eps?: number;
  /** Decoupled weight decay, finite and ≥ 0; default 0.01. */
  weightDecay?: number;
}

/** PyTorch 1.13's `torch.optim.AdamW` defaults. */
export const ADAMW_DEFAULTS: Readonly<Required<Omit<AdamWOptions, keyof GradPolicy>>> = Object
  .freeze({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });

/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR
 * 2019) as PyTorch 1.13's `torch.optim.AdamW`: each step first scales the
 * weights by (1 − lr·wd), then takes the Adam step; defaults lr 1e-3,
 * betas (0.9, 0.999), eps 1e-8, weight_decay 0.01 (amsgrad and maximize off).
 * The same kernel as {@link Adam} with `decoupledWeightDecay`.
 *
 * @example Defaults, one step
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { AdamW } from "./optim.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const w = tensor([1], [1]);
 * w.grad = tensor([2], [1]);
 * const opt = new AdamW([w]);
 * strictEqual(opt.weightDecay, 0.01);
 * opt.step(); // w·(1 − 1e-3·0.01) − 1e-3·g/(|g| + ε)
 * const [a] = await w.toArray();
 * ok(Math.abs(a! - (1 - 1e-5 - 1e-3)) < 1e-6);
 * opt.dispose();
 * w.dispose();
 * ```
 */
export class AdamW extends Adam {
  /**
   * AdamW over `params` with PyTorch 1.13's defaults for every option left out.
   *
   * @throws {RangeError} for lr, eps or weight decay negative or non-finite, or β outside [0, 1).
   * @throws {TypeError} for an empty, non-tensor, non-f32 or duplicated parameter list.
   */
  constructor(params: readonly Tensor[], options: AdamWOptions = {}) {
    super(params, {
      ...options,
      lr: options.lr ?? ADAMW_DEFAULTS.lr,
      beta1: options.beta1 ?? ADAMW_DEFAULTS.beta1,
      beta2: options.beta2 ?? ADAMW_DEFAULTS.beta2,
      eps: options.eps ?? ADAMW_DEFAULTS.eps,
      weightDecay: options.weightDecay ?? ADAMW_DEFAULTS.weightDecay,
      decoupledWeightDecay: true,
    });
  }
}

/**
 * Creates an {@link AdamW} optimiser over `params` (PyTorch 1.13 defaults).
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { adamW } from "./optim.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const w = tensor([1, 2], [2]);
 * const opt = adamW([w], { lr: 0.01 });
 * strictEqual(opt.name, "AdamW");
 * strictEqual(opt.lr, 0.01);
 * opt.dispose();
 * w.dispose();
 * ```
 */
export function adamW(params: readonly Tensor[], options: AdamWOptions = {}): AdamW {
  return new AdamW(params, options);
}

/**
 * Scales the gradients of `params` in place so that their global L2 norm is at
 * most `maxNorm`: `scale = min(1, maxNorm / (‖g‖ + 1e-6))`, as PyTorch's
 * `clip_grad_norm_`. The norm is computed and applied on the GPU without a host
 * readback. Returns the norm before clipping as a one-element tensor (shape []).
 *
 * @throws {RangeError} when `maxNorm` is NaN or negative (Infinity disables clipping).
 * @throws {TypeError} when a parameter has no gradient (unless skipped) or one of another shape.
 *
 * @example
 * ```ts
 * import { clipGradNorm, initGpu, tensor } from "../mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const w = tensor([0, 0], [2]);
 * w.grad = tensor([3, 4], [2]);
 * const norm = clipGradNorm([w], 1);
 * const [n] = await norm.toArray();
 * const [a, b] = await w.grad.toArray();
 * ok(Math.abs(n! - 5) < 1e-5 && Math.abs(a! - 0.6) < 1e-6 && Math.abs(b! - 0.8) < 1e-6);
 * norm.dispose();
 * w.dispose();
 * ```
 */
export function clipGradNorm(
  params: readonly Tensor[],
  maxNorm: number,
  options: GradPolicy = {},
): Tensor {
  const op = "clipGradNorm";
  checkRange(op, "maxNorm", maxNorm, 0, Infinity, true);
  checkParams(op, params, true);
  const grads = gradsOf(op, params, options.skipParamsWithoutGrad ?? false).filter(
    (g): g is Tensor => g !== null,
  );
  const counts = grads.map((g) => Math.ceil(g.size / SUMSQ_CHUNK));
  const total = counts.reduce((a, b) => a + b, 0);
  const partials = createStorageBuffer(total * 4, `${op} partials`);
  const scale = createStorageBuffer(4, `${op} scale`);
  const norm = emptyLike([], "f32", `${op} norm`);
  let offset = 0;
  grads.forEach((g, k) => {
    dispatch(SUMSQ_PARTIALS, {
      uniforms: { n: g.size, offset },
      buffers: { grads: g.buffer, partials },
      workgroups: counts[k]!,
    });
    offset += counts[k]!;
  });
  // With maxNorm = Infinity nothing is scaled: the scale kernels are skipped, and no infinite
  // uniform reaches WGSL (whose implementations may assume finite math).
  const unbounded = maxNorm === Infinity;
  dispatch(NORM_FINALIZE, {
    uniforms: { count: total, max_norm: unbounded ? 0 : maxNorm },
    buffers: { partials, norm_out: norm.buffer, scale_out: scale },
    workgroups: 1,
  });
  for (const g of unbounded ? [] : grads) {
    dispatch(SCALE_INPLACE, {
      uniforms: { n: g.size },
      buffers: { grads: g.buffer, scale },
      workgroups: Math.ceil(g.size / OPTIM_WORKGROUP),
    });
  }
  releaseBuffer(partials);
  releaseBuffer(scale);
  return norm;
}
