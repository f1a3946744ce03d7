/**
 * Storage buffers with a live count, recycled through a pool keyed by size class.
 *
 * Every tensor owns one buffer. {@link liveBufferCount} counts the buffers
 * handed out and not yet released (owned by live tensors or by an op's
 * temporaries), whether they came fresh from the device or from the pool, so
 * tests can assert that a suite, or a failed call, leaks nothing. Released
 * buffers go back to the pool ({@link poolStats} reports them separately) and
 * are handed out again for a later allocation of the same size class: creating
 * a buffer costs more than a dispatch on llvmpipe.
 *
 * Reuse is safe within one batch: recorded order is execution order, so a
 * dispatch that reads a buffer before its release runs before the dispatch that
 * writes it after its reuse. A released buffer waits for one more recorded
 * dispatch before it can be handed out, so an op that releases a temporary and
 * then records the dispatch reading it never gets that buffer back as its output.
 * A pooled buffer is bound with its logical size (so WGSL's `arrayLength` is the
 * tensor's) and zero-filled by a clear recorded in the batch unless the caller
 * writes every element ({@link createStorageBuffer}'s `zeroed`).
 *
 * Buffers are only ever filled through `mappedAtCreation`, never with
 * `queue.writeBuffer`: a write on the queue would run before commands that are
 * recorded but not yet submitted, and the batch keeps commands unsubmitted on
 * purpose. Uploads therefore always get a fresh buffer.
 *
 * @example The count follows ownership; the pool keeps the freed buffer
 * ```ts
 * import { initGpu } from "./device.ts";
 * import { createStorageBuffer, liveBufferCount, poolStats, releaseBuffer } from "./buffers.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const b = createStorageBuffer(1000, "example");
 * strictEqual(liveBufferCount(), before + 1);
 * releaseBuffer(b);
 * strictEqual(liveBufferCount(), before);
 * ok(poolStats().pooledBuffers >= 1);
 * ```
 *
 * @module
 */
import { gpu } from "./device.ts";
import { GpuOutOfMemoryError } from "./errors.ts";
import { deferCheck } from "./pending_errors.ts";
import { deferDestroy, noteRelease, recordClear, reuseClock } from "./batch.ts";

/** Bytes actually allocated for a logical size: at least 4 (WebGPU cannot bind 0 bytes), multiple of 4. */
export function physicalSize(byteLength: number): number {
  return Math.max(4, Math.ceil(byteLength / 4) * 4);
}

/** The smallest size class: every buffer of at most this many bytes shares one class. */
export const MIN_CLASS_BYTES = 256;
/** Buffers above this size are not pooled: created exactly and destroyed on release. */
export const MAX_POOLED_BYTES = 16 * 1024 * 1024;
/** The most bytes the pool keeps in free buffers; past it a released buffer is destroyed. */
export const POOL_CAP_BYTES = 64 * 1024 * 1024;

/**
 * The pool's size class of a logical size: {@link MIN_CLASS_BYTES} up to it, else
 * the size rounded up to a quarter of its power of two (2^e, 1.25·2^e, 1.5·2^e,
 * 1.75·2^e), so a class wastes at most a quarter of the bytes it holds. Sizes
 * above {@link MAX_POOLED_BYTES} are their own physical size.
 *
 * @example
 * ```ts
 * import { sizeClass } from "./buffers.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(sizeClass(12), 256);
 * strictEqual(sizeClass(1025), 1280);
 * ```
 */
export function sizeClass(byteLength: number): number {
  const p = physicalSize(byteLength);
  if (p > MAX_POOLED_BYTES) return p;
  if (p <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
  const quarter = 2 ** (Math.floor(Math.log2(p)) - 2);
  return Math.ceil(p / quarter) * quarter;
}

/** What the pool knows of a buffer it created or was given. */
interface BufferMeta {
  /** Unique per buffer, for bind-group cache keys. */
  readonly id: number;
  /** The class it belongs to (its allocated size), or 0 when not pooled. */
  readonly cls: number;
  /** Bytes to bind: the physical size of its current allocation. */
  bytes: number;
  /** Whether it is handed out (not in the pool). */
  live: boolean;
  /** `reuseClock()` when it was released; reusable once more work was recorded. */
  releasedAt: number;
}

const meta = new WeakMap<object, BufferMeta>();
let nextId = 1;

/** FIFO of free buffers of one class: the oldest release is handed out first. */
interface FreeList {
  items: GPUBuffer[];
  head: number;
}

let pool: { device: GPUDevice; free: Map<number, FreeList> } | null = null;
let pooledBuffers = 0;
let pooledBytes = 0;
let hits = 0;
let misses = 0;
let live = 0;

function poolOf(device: GPUDevice): Map<number, FreeList> {
  if (pool === null || pool.device !== device) {
    pool = { device, free: new Map() };
    pooledBuffers = 0;
    pooledBytes = 0;
  }
  return pool.free;
}

/**
 * A stable id and the bytes to bind for `resource` (a buffer or texture view):
 * pooled buffers bind their logical size, other buffers their whole size.
 */
export function bindingMeta(resource: GPUBuffer | GPUTextureView): { id: number; bytes: number } {
  let m = meta.get(resource);
  if (m === undefined) {
    const bytes = resource instanceof GPUBuffer ? resource.size : 0;
    m = { id: nextId++, cls: 0, bytes, live: true, releasedAt: 0 };
    meta.set(resource, m);
  }
  return m;
}

/**
 * Throws a RangeError when `byteLength` exceeds what one storage binding can hold.
 *
 * @param what names the allocation in the message, e.g. `"matmul output of shape [4, 5]"`
 */
export function checkAllocation(byteLength: number, what: string): void {
  const { limits } = gpu();
  const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (byteLength > max) {
    throw new RangeError(
      `Cannot allocate ${what}: ${byteLength} bytes exceeds the device limit of ${max} bytes ` +
        `(maxStorageBufferBindingSize)`,
    );
  }
}

/** A free buffer of class `cls` released before the last recorded dispatch, or null. */
function takeFree(free: Map<number, FreeList>, cls: number): GPUBuffer | null {
  const list = free.get(cls);
  if (list === undefined || list.head === list.items.length) return null;
  const b = list.items[list.head]!;
  if (meta.get(b)!.releasedAt >= reuseClock()) return null;
  list.items[list.head++] = undefined as unknown as GPUBuffer;
  if (list.head === list.items.length) {
    list.items.length = 0;
    list.head = 0;
  } else if (list.head > 64 && list.head * 2 > list.items.length) {
    list.items.splice(0, list.head);
    list.head = 0;
  }
  pooledBuffers--;
  pooledBytes -= cls;
  return b;
}

/**
 * Creates a storage buffer, optionally filled with `data`, or takes one of its
 * size class from the pool.
 *
 * @param byteLength logical size in bytes
 * @param label names the buffer in errors and in the device's labels; a function is called
 *   only when a name is needed (a fresh buffer or an error), not on a pool hit
 * @param data initial contents (a fresh buffer, filled at creation)
 * @param zeroed without `data`: whether the contents must read as zeros (default
 *   true). Pass false only when the kernel writing the buffer writes every element.
 * @throws {RangeError} when the size exceeds device limits.
 */
export function createStorageBuffer(
  byteLength: number,
  label: string | (() => string),
  data?: ArrayBufferView,
  zeroed = true,
): GPUBuffer {
  const { limits } = gpu();
  if (byteLength > Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize)) {
    checkAllocation(byteLength, typeof label === "string" ? label : label());
  }
  const { device } = gpu();
  const size = physicalSize(byteLength);
  const cls = sizeClass(byteLength);
  const free = poolOf(device);
  if (data === undefined && cls <= MAX_POOLED_BYTES) {
    const reused = takeFree(free, cls);
    if (reused !== null) {
      const m = meta.get(reused)!;
      m.bytes = size;
      m.live = true;
      if (zeroed) recordClear(reused, cls);
      hits++;
      live++;
      return reused;
    }
  }
  misses++;
  if (typeof label !== "string") label = label();
  device.pushErrorScope("out-of-memory");
  const buffer = device.createBuffer({
    label,
    size: cls,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    mappedAtCreation: data !== undefined,
  });
  deferCheck(
    device.popErrorScope().then((e) =>
      e === null ? null : new GpuOutOfMemoryError(`allocate ${label} (${size} bytes)`, e.message)
    ),
  );
  if (data !== undefined) {
    new Uint8Array(buffer.getMappedRange()).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    buffer.unmap();
  }
  meta.set(buffer, {
    id: nextId++,
    cls: cls <= MAX_POOLED_BYTES ? cls : 0,
    bytes: size,
    live: true,
    releasedAt: 0,
  });
  live++;
  return buffer;
}

/**
 * Releases a buffer created by {@link createStorageBuffer}: back to the pool, or
 * destroyed (after recorded work) when it is not pooled or the pool is full.
 * Releasing a buffer twice counts once.
 */
export function releaseBuffer(buffer: GPUBuffer): void {
  const m = meta.get(buffer);
  if (m !== undefined) {
    if (!m.live) return;
    m.live = false;
  }
  live--;
  noteRelease(buffer);
  if (m === undefined || m.cls === 0 || pooledBytes + m.cls > POOL_CAP_BYTES) {
    deferDestroy(buffer);
    return;
  }
  const free = poolOf(gpu().device);
  m.releasedAt = reuseClock();
  let list = free.get(m.cls);
  if (list === undefined) free.set(m.cls, list = { items: [], head: 0 });
  list.items.push(buffer);
  pooledBuffers++;
  pooledBytes += m.cls;
}

/** Number of storage buffers handed out and not yet released (pooled free buffers excluded). */
export function liveBufferCount(): number {
  return live;
}

/** What the pool holds and how often it served an allocation. */
export interface PoolStats {
  /** Free buffers kept for reuse (not counted by {@link liveBufferCount}). */
  readonly pooledBuffers: number;
  /** Their bytes; at most {@link POOL_CAP_BYTES}. */
  readonly pooledBytes: number;
  /** Allocations served from the pool since process start. */
  readonly hits: number;
  /** Allocations that created a buffer since process start. */
  readonly misses: number;
}

/** The pool's free buffers and hit counts. */
export function poolStats(): PoolStats {
  return { pooledBuffers, pooledBytes, hits, misses };
}

/** Destroys every free pooled buffer (after recorded work); live buffers are untouched. */
export function trimPool(): void {
  if (pool === null) return;
  for (const list of pool.free.values()) {
    for (let i = list.head; i < list.items.length; i++) {
      const b = list.items[i]!;
      meta.get(b)!.live = false;
      deferDestroy(b);
    }
  }
  pool.free.clear();
  pooledBuffers = 0;
  pooledBytes = 0;
}
