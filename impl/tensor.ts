/**
 * Device tensors. A tensor owns one storage buffer holding its elements in
 * row-major order; ops record kernels and return new tensors without waiting
 * for the GPU. Reading values back (`toArray`, {@link readTensors}) is the only
 * host sync.
 *
 * @example Upload, compute, read back
 * ```ts
 * import { initGpu, tensor, tidy } from "./mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const t = tensor([1, 2, 3, 4], [2, 2]);
 * deepStrictEqual(Array.from(await t.toArray()), [1, 2, 3, 4]);
 * t.dispose();
 * ```
 *
 * @module
 */
import { createStorageBuffer, releaseBuffer } from "./gpu/buffers.ts";
import { DisposedTensorError } from "./gpu/errors.ts";
import { readBuffers } from "./gpu/readback.ts";
import { gpu } from "./gpu/device.ts";

/** Element types. f32 for values; i32 for indices (embedding ids, class targets). */
export type DType = "f32" | "i32";

/** A node of the autograd graph: the op that produced a tensor and how to push gradients back. */
export interface GradNode {
  /** Name of the op that produced the tensor, as error messages print it. */
  readonly op: string;
  /** The op's input tensors, in argument order. */
  readonly inputs: readonly Tensor[];
  /** Gradients for each input given the output gradient; null where an input needs none. */
  readonly backward: (gradOutput: Tensor) => readonly (Tensor | null)[];
}

/** Formats a shape the way every error message in memspec does: `[3, 4]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Number of elements of a shape, validating each dimension. */
export function shapeSize(shape: readonly number[], what = "tensor"): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TypeError(
        `Cannot create ${what} of shape ${formatShape(shape)}: dimensions must be integers >= 0`,
      );
    }
    n *= d;
  }
  return n;
}

const scopes: Set<Tensor>[] = [];

/** A tensor on the GPU. */
export class Tensor {
  /** Dimensions, outermost first (frozen). */
  readonly shape: readonly number[];
  /** Element type: `f32` values or `i32` indices. */
  readonly dtype: DType;
  /** Number of elements: the product of the dimensions. */
  readonly size: number;
  /** Whether gradients flow to this tensor. Set on leaves; ops propagate it. */
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf after {@link backward}. Disposed with the tensor. */
  grad: Tensor | null = null;
  /** The producing op, for autograd; null on leaves and outside grad mode. */
  node: GradNode | null = null;
  /** After `dispose()`: the op that produced this tensor (for error messages), else null. */
  disposedOp: string | null = null;
  #buffer: GPUBuffer | null;

  /** Wraps a buffer the caller created with {@link createStorageBuffer}; the tensor takes ownership. */
  constructor(buffer: GPUBuffer, shape: readonly number[], dtype: DType = "f32") {
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.dtype = dtype;
    this.requiresGrad = false;
    this.#buffer = buffer;
    scopes.at(-1)?.add(this);
  }

  /** The storage buffer. Throws a {@link DisposedTensorError} after `dispose()`. */
  get buffer(): GPUBuffer {
    if (this.#buffer === null) {
      throw new DisposedTensorError(`a tensor of shape ${formatShape(this.shape)}`);
    }
    return this.#buffer;
  }

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return this.#buffer === null;
  }

  /** Rank (number of dimensions). */
  get rank(): number {
    return this.shape.length;
  }

  /** Releases the buffer (and the gradient's). Safe to call twice. */
  dispose(): void {
    if (this.#buffer === null) return;
    releaseBuffer(this.#buffer);
    this.#buffer = null;
    this.disposedOp = this.node?.op ?? null;
    this.node = null;
    this.grad?.dispose();
    this.grad = null;
    for (const s of scopes) s.delete(this);
  }

  /** Reads the values back to the host (one sync). */
  async toArray(): Promise<Float32Array | Int32Array> {
    const [values] = await readTensors([this]);
    return values!;
  }

  /** Reads an f32 tensor back; throws a TypeError for other dtypes. */
  async toFloat32(): Promise<Float32Array> {
    assertDType(this, "f32", "toFloat32");
    return (await this.toArray()) as Float32Array;
  }
}

/**
 * Throws a TypeError naming `op` when `t` is not of dtype `dtype`, and a
 * {@link DisposedTensorError} when it was disposed.
 */
export function assertDType(t: Tensor, dtype: DType, op: string, which = "input"): void {
  // Checked first so that an op given a disposed tensor fails before allocating its output.
  assertLive(t, op, which);
  if (t.dtype !== dtype) {
    throw new TypeError(
      `Cannot ${op} a tensor of dtype ${t.dtype} as ${which}: expected dtype ${dtype} ` +
        `(shape ${formatShape(t.shape)})`,
    );
  }
}

/** Throws a {@link DisposedTensorError} naming `op` when `t` was disposed. */
export function assertLive(t: Tensor, op: string, which = "input"): void {
  if (t.disposed) {
    throw new DisposedTensorError(`${which} of ${op} (shape ${formatShape(t.shape)})`);
  }
}

/** Reads several tensors with one host sync. */
export async function readTensors(ts: readonly Tensor[]): Promise<(Float32Array | Int32Array)[]> {
  const raw = await readBuffers(ts.map((t) => ({ buffer: t.buffer, byteLength: t.size * 4 })));
  return raw.map((b, i) => (ts[i]!.dtype === "i32" ? new Int32Array(b) : new Float32Array(b)));
}

/** Options for creating a tensor. */
export interface TensorOptions {
  /** Element type; default `i32` for an `Int32Array`, else `f32`. */
  dtype?: DType;
  /** Whether gradients flow to this tensor (a leaf parameter); default false. */
  requiresGrad?: boolean;
}

/**
 * Uploads `data` as a tensor of `shape`.
 *
 * @throws {TypeError} when the length does not match the shape, or values are
 *   not integers for dtype i32.
 * @throws {RangeError} when the size exceeds the device's buffer limits.
 */
export function tensor(
  data: ArrayLike<number>,
  shape: readonly number[],
  options: TensorOptions = {},
): Tensor {
  const dtype = options.dtype ?? (data instanceof Int32Array ? "i32" : "f32");
  const n = shapeSize(shape);
  if (data.length !== n) {
    throw new TypeError(
      `Cannot create a tensor of shape ${formatShape(shape)} from ${data.length} values: ` +
        `expected ${n}`,
    );
  }
  gpu();
  let host: Float32Array | Int32Array;
  if (dtype === "i32") {
    host = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = data[i]!;
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new TypeError(
          `Cannot create an i32 tensor: value ${v} at index ${i} is not an int32`,
        );
      }
      host[i] = v;
    }
  } else {
    host = data instanceof Float32Array ? data : Float32Array.from(data);
  }
  const t = new Tensor(
    createStorageBuffer(n * 4, `tensor ${formatShape(shape)}`, host),
    shape,
    dtype,
  );
  t.requiresGrad = options.requiresGrad ?? false;
  return t;
}

/** A zero-filled tensor (a fresh buffer, or a pooled one cleared in the batch). */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  const n = shapeSize(shape);
  const t = new Tensor(
    createStorageBuffer(n * 4, () => `zeros ${formatShape(shape)}`),
    shape,
    options.dtype ?? "f32",
  );
  t.requiresGrad = options.requiresGrad ?? false;
  return t;
}

/** An output tensor for a kernel to fill, zero-filled. Same as {@link zeros}; named for intent. */
export function emptyLike(
  shape: readonly number[],
  dtype: DType = "f32",
  label = "output",
): Tensor {
  const n = shapeSize(shape);
  return new Tensor(
    createStorageBuffer(n * 4, () => `${label} ${formatShape(shape)}`),
    shape,
    dtype,
  );
}

/**
 * An output tensor whose kernel writes every element before anything reads it:
 * its buffer may come from the pool without a zero fill, so an op that records
 * only its kernel costs one dispatch. Use {@link emptyLike} when a kernel
 * accumulates into its output or leaves elements untouched.
 *
 * @example
 * ```ts
 * import { initGpu } from "./mod.ts";
 * import { outputLike } from "./tensor.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const t = outputLike([2, 3]);
 * deepStrictEqual(t.shape, [2, 3]);
 * t.dispose();
 * ```
 */
export function outputLike(
  shape: readonly number[],
  dtype: DType = "f32",
  label = "output",
): Tensor {
  const n = shapeSize(shape);
  return new Tensor(
    createStorageBuffer(n * 4, () => `${label} ${formatShape(shape)}`, undefined, false),
    shape,
    dtype,
  );
}

function collect(value: unknown, out: Set<Tensor>): void {
  if (value instanceof Tensor) {
    out.add(value);
    if (value.grad) out.add(value.grad);
  } else if (Array.isArray(value)) { for (const v of value) collect(v, out); }
  else if (value !== null && typeof value === "object" && !(ArrayBuffer.isView(value))) {
    for (const v of Object.values(value)) collect(v, out);
  }
}

function closeScope(scope: Set<Tensor>, result: unknown): void {
  scopes.pop();
  const kept = new Set<Tensor>();
  collect(result, kept);
  const parent = scopes.at(-1);
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors
 * it returns (found in arrays and plain objects) and their gradients.
 *
 * @example
 * ```ts
 * import { initGpu, liveBufferCount, tensor, tidy } from "./mod.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * tidy(() => { tensor([1, 2], [2]); tensor([3], [1]); });
 * strictEqual(liveBufferCount(), before);
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(scope, undefined);
    throw e;
  }
  closeScope(scope, result);
  return result;
}

/** {@link tidy} for async work. Do not interleave two tidyAsync calls concurrently. */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    closeScope(scope, undefined);
    throw e;
  }
  closeScope(scope, result);
  return result;
}

/** Removes `t` from every open tidy scope so it outlives them. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}
