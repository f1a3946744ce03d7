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
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "NoAdapterError";
  /**
   * Builds the message: the reason, then the drivers to install.
   *
   * @param detail why no adapter came back; the message adds what to install.
   */
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
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "DeviceLostError";
  /**
   * Wraps the device-lost information the driver reported.
   *
   * @param reason the `GPUDeviceLostInfo.reason` ("destroyed" or "unknown").
   * @param message the driver's message.
   */
  constructor(readonly reason: string, message: string) {
    super(`The GPU device was lost (reason "${reason}"): ${message}`);
  }
}

/** Device memory ran out while allocating buffers or running a kernel. */
export class GpuOutOfMemoryError extends Error {
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "GpuOutOfMemoryError";
  /**
   * Builds "Cannot <what>: the GPU is out of memory: <detail>".
   *
   * @param what what was being done, completing "Cannot …" (e.g. "allocate a tensor [4096, 4096]").
   * @param detail the device's message.
   */
  constructor(what: string, detail: string) {
    super(`Cannot ${what}: the GPU is out of memory: ${detail}`);
  }
}

/** A kernel failed WGSL compilation or pipeline validation. */
export class KernelValidationError extends Error {
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "KernelValidationError";
  /**
   * Wraps the validator's message with the kernel's name and, when known, where in its WGSL the
   * error is.
   *
   * @param kernel the program's name.
   * @param line 1-based WGSL line of the first error, or null.
   * @param column 1-based WGSL column, or null.
   * @param detail the validator's message.
   */
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
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "DisposedTensorError";
  /**
   * Builds "Cannot use <what>: the tensor was disposed".
   *
   * @param what the tensor that was used, completing "Cannot use …".
   */
  constructor(what: string) {
    super(`Cannot use ${what}: the tensor was disposed`);
  }
}
