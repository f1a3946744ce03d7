/**
 * Host readback: one staging copy, one submit and one map for any number of
 * buffers, so a test reading a forward output and all gradients pays the
 * ~11 ms sync once.
 *
 * @module
 */
import { gpu } from "./device.ts";
import { flush, openEncoder } from "./batch.ts";
import { throwPendingErrors } from "./pending_errors.ts";

/** A region to read: the first `byteLength` bytes of `buffer`. */
export interface ReadRequest {
  /**
   * The buffer to read, from offset 0; it needs `COPY_SRC` usage (buffers from
   * `createStorageBuffer` have it).
   */
  buffer: GPUBuffer;
  /**
   * Bytes to return. The copy is rounded up to a multiple of 4 (WebGPU's copy
   * alignment), so `buffer` must hold at least that many bytes; 0 reads nothing.
   */
  byteLength: number;
}

/**
 * Submits all recorded work and returns the bytes of each request.
 *
 * @throws {KernelValidationError | GpuOutOfMemoryError | DeviceLostError} from any work in the batch.
 */
export async function readBuffers(requests: readonly ReadRequest[]): Promise<ArrayBuffer[]> {
  const { device } = gpu();
  const offsets: number[] = [];
  let total = 0;
  for (const r of requests) {
    offsets.push(total);
    total += Math.ceil(r.byteLength / 4) * 4;
  }
  if (total === 0) {
    flush();
    await device.queue.onSubmittedWorkDone();
    await throwPendingErrors();
    return requests.map(() => new ArrayBuffer(0));
  }
  const staging = device.createBuffer({
    label: "memspec readback",
    size: total,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const enc = openEncoder();
    requests.forEach((r, i) => {
      const bytes = Math.ceil(r.byteLength / 4) * 4;
      if (bytes > 0) enc.copyBufferToBuffer(r.buffer, 0, staging, offsets[i]!, bytes);
    });
    flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      // A failed map usually means the batch itself was invalid: report that cause first.
      await throwPendingErrors();
      throw e;
    }
    await throwPendingErrors();
    const all = staging.getMappedRange().slice(0);
    staging.unmap();
    return requests.map((r, i) => all.slice(offsets[i]!, offsets[i]! + r.byteLength));
  } finally {
    staging.destroy();
  }
}

/** Waits for all recorded work and surfaces any pending GPU error. */
export async function sync(): Promise<void> {
  flush();
  await gpu().device.queue.onSubmittedWorkDone();
  await throwPendingErrors();
}
