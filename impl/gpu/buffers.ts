/**
 * Storage buffers with a live count. Every tensor owns one buffer; the count
 * lets tests assert that a suite, or a failed call, leaks nothing.
 *
 * Buffers are only ever filled through `mappedAtCreation`, never with
 * `queue.writeBuffer`: a write on the queue would run before commands that are
 * recorded but not yet submitted, and the batch keeps commands unsubmitted on
 * purpose.
 *
 * @module
 */
import { gpu } from "./device.ts";
import { GpuOutOfMemoryError } from "./errors.ts";
import { deferCheck } from "./pending_errors.ts";
import { deferDestroy } from "./batch.ts";

let live = 0;

/** Bytes actually allocated for a logical size: at least 4 (WebGPU cannot bind 0 bytes), multiple of 4. */
export function physicalSize(byteLength: number): number {
  return Math.max(4, Math.ceil(byteLength / 4) * 4);
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

/**
 * Creates a storage buffer, optionally filled with `data`.
 *
 * @throws {RangeError} when the size exceeds device limits.
 */
export function createStorageBuffer(
  byteLength: number,
  label: string,
  data?: ArrayBufferView,
): GPUBuffer {
  checkAllocation(byteLength, label);
  const { device } = gpu();
  const size = physicalSize(byteLength);
  device.pushErrorScope("out-of-memory");
  const buffer = device.createBuffer({
    label,
    size,
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
  live++;
  return buffer;
}

/** Releases a buffer created by {@link createStorageBuffer}; destruction waits for recorded work. */
export function releaseBuffer(buffer: GPUBuffer): void {
  live--;
  deferDestroy(buffer);
}

/** Number of storage buffers created and not yet released. */
export function liveBufferCount(): number {
  return live;
}
