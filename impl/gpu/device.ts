/**
 * Adapter and device acquisition. The device is a process-wide singleton:
 * acquire it once with {@link initGpu}; ops then run synchronously (they only
 * record commands) and {@link gpu} returns the context.
 *
 * @example Acquire the device
 * ```ts
 * import { initGpu } from "./device.ts";
 * const ctx = await initGpu();
 * console.log(ctx.adapterDescription);
 * ```
 *
 * @module
 */
import { DeviceLostError, NoAdapterError } from "./errors.ts";

/** What the runtime knows about the device it runs on. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  /** True on software adapters (llvmpipe, SwiftShader, WARP). Kernels pick their family by it. */
  readonly isFallbackAdapter: boolean;
  readonly adapterDescription: string;
  readonly limits: GPUSupportedLimits;
}

let current: GpuContext | null = null;
let pending: Promise<GpuContext> | null = null;
let lost: DeviceLostError | null = null;
const uncaptured: GPUError[] = [];

/** Limits requested at the adapter's maximum: the defaults are far below what kernels here need. */
const RAISED_LIMITS = [
  "maxStorageBuffersPerShaderStage",
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupsPerDimension",
] as const;

/** Options for {@link initGpu}. */
export interface InitGpuOptions {
  /** Supply a `navigator.gpu`-like object; tests use this to simulate a missing adapter. */
  gpu?: Pick<GPU, "requestAdapter"> | undefined;
}

/**
 * Acquires the adapter and device once and caches them.
 *
 * @throws {NoAdapterError} when WebGPU is unavailable or returns no adapter.
 */
export function initGpu(options: InitGpuOptions = {}): Promise<GpuContext> {
  if (options.gpu !== undefined) return acquire(options.gpu);
  if (current !== null && lost === null) return Promise.resolve(current);
  if (pending === null || lost !== null) {
    lost = null;
    pending = acquire(globalThis.navigator?.gpu).then((ctx) => {
      current = ctx;
      return ctx;
    }, (e) => {
      pending = null;
      throw e;
    });
  }
  return pending;
}

async function acquire(gpuApi: Pick<GPU, "requestAdapter"> | undefined): Promise<GpuContext> {
  if (gpuApi === undefined) {
    throw new NoAdapterError("navigator.gpu is undefined in this runtime");
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpuApi.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    throw new NoAdapterError(`requestAdapter() threw ${String(e)}`);
  }
  if (adapter === null) throw new NoAdapterError("requestAdapter() returned null");
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredLimits });
  device.lost.then((info) => {
    lost = new DeviceLostError(String(info.reason), info.message);
  });
  device.addEventListener("uncapturederror", (ev) => {
    uncaptured.push((ev as GPUUncapturedErrorEvent).error);
  });
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback = info.isFallbackAdapter ??
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  return {
    device,
    adapter,
    isFallbackAdapter: fallback || /llvmpipe|swiftshader|warp/i.test(info.description),
    adapterDescription: info.description || `vendor ${info.vendor} device ${info.device}`,
    limits: device.limits,
  };
}

/**
 * The acquired context.
 *
 * @throws {Error} when {@link initGpu} has not resolved yet.
 * @throws {DeviceLostError} when the device was lost.
 */
export function gpu(): GpuContext {
  if (lost !== null) throw lost;
  if (current === null) {
    throw new Error("Cannot run a GPU op: the device is not initialised, await initGpu() first");
  }
  return current;
}

/** Errors the device reported outside any error scope since the last call; clears the list. */
export function takeUncapturedErrors(): GPUError[] {
  return uncaptured.splice(0, uncaptured.length);
}

/** The device-lost error, if the device was lost. */
export function deviceLostError(): DeviceLostError | null {
  return lost;
}
