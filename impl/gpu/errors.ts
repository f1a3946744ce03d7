/**
 * Typed errors for the GPU runtime. Built-in classes (TypeError, RangeError,
 * SyntaxError) cover bad arguments; these domain classes cover the conditions
 * a caller is expected to catch: no adapter, a lost device, device memory
 * exhausted, and a kernel the WGSL compiler or validator rejected.
 *
 * @module
 */

/** No WebGPU adapter could be acquired on this machine. */
export class NoAdapterError extends Error {
  override name = "NoAdapterError";
  constructor(detail: string) {
    super(
      `Cannot acquire a WebGPU adapter: ${detail}. memspec needs WebGPU: install GPU drivers ` +
        `(Vulkan, Metal or D3D12), or Mesa's llvmpipe for a CPU adapter ` +
        `(Debian/Ubuntu: apt-get install mesa-vulkan-drivers libgl1-mesa-dri)`,
    );
  }
}

/** The GPU device was lost (driver reset, destroy(), or an unrecoverable fault). */
export class DeviceLostError extends Error {
  override name = "DeviceLostError";
  constructor(readonly reason: string, message: string) {
    super(`The GPU device was lost (reason "${reason}"): ${message}`);
  }
}

/** Device memory ran out while allocating buffers or running a kernel. */
export class GpuOutOfMemoryError extends Error {
  override name = "GpuOutOfMemoryError";
  constructor(what: string, detail: string) {
    super(`Cannot ${what}: the GPU is out of memory: ${detail}`);
  }
}

/** A kernel failed WGSL compilation or pipeline validation. */
export class KernelValidationError extends Error {
  override name = "KernelValidationError";
  constructor(
    readonly kernel: string,
    readonly line: number | null,
    readonly column: number | null,
    detail: string,
  ) {
    const where = line === null ? "" : ` at line ${line}, column ${column ?? 0}`;
    super(`Kernel "${kernel}" was rejected by the WebGPU validator${where}: ${detail.trim()}`);
  }
}

/** A tensor was used after `dispose()`. */
export class DisposedTensorError extends Error {
  override name = "DisposedTensorError";
  constructor(what: string) {
    super(`Cannot use ${what}: the tensor was disposed`);
  }
}
