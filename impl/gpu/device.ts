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
  /** The WebGPU device every op records on. */
  readonly device: GPUDevice;
  /** The adapter the device came from. */
  readonly adapter: GPUAdapter;
  /** True on software adapters (llvmpipe, SwiftShader, WARP). Kernels pick their family by it. */
  readonly isFallbackAdapter: boolean;
  /**
   * The adapter's description (e.g. "llvmpipe (LLVM 15.0.7, 256 bits)"), or its vendor and device
   * ids.
   */
  readonly adapterDescription: string;
  /**
   * The device's limits: the adapter's own for storage, workgroup and texture sizes, which memspec
   * requests raised.
   */
  readonly limits: GPUSupportedLimits;
  /**
   * Loop-header evaluations one invocation may declare, all loops together and
   * each loop's exiting check included: {@link LOOP_BUDGET_HEADROOM} of the
   * measured budget ({@link GpuContext.measuredLoopIterations}). Infinity where
   * the probe found no limit. Kernels whose invocations loop longer must split
   * their work; `launch()` enforces it for kernels that declare their count.
   */
  readonly maxLoopIterations: number;
  /**
   * The budget the start-up probe measured: after this many loop-header
   * evaluations of one simple loop, the adapter silently stops looping (Mesa
   * llvmpipe: 65,535, its gallivm loop limiter; a loop of k iterations costs
   * k + 1). Infinity where the probe found no limit.
   */
  readonly measuredLoopIterations: number;
}

/**
 * Share of the measured loop budget kernels may declare. The k + 1 count is
 * exact for a simple loop but undercounts real kernels: an if/else with a loop
 * in each branch costs one more per evaluation (the untaken branch runs its
 * exit check), and a fused training kernel measured 6.5–10 more per six-step
 * window than its declared count; 136 windows per dispatch came out silently
 * wrong where the declared count said 134 fit. An eighth of headroom covers
 * such overheads without every kernel modelling them.
 */
export const LOOP_BUDGET_HEADROOM = 7 / 8;

/** Iterations the init probe asks for; a budget at or past this counts as unlimited. */
const LOOP_PROBE_ITERATIONS = 1 << 20;

const LOOP_PROBE_WGSL = `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1)
fn main() {
  var count = 0u;
  let n = out[0];
  for (var i = 0u; i < n; i++) { count += 1u; }
  out[0] = count;
}
`;

/** Measures how many loop iterations one invocation really runs (one dispatch, one readback). */
async function probeLoopBudget(device: GPUDevice): Promise<number> {
  const buffer = device.createBuffer({
    label: "loop budget probe",
    size: 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    mappedAtCreation: true,
  });
  new Uint32Array(buffer.getMappedRange())[0] = LOOP_PROBE_ITERATIONS;
  buffer.unmap();
  const staging = device.createBuffer({
    label: "loop budget readback",
    size: 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const pipeline = device.createComputePipeline({
      label: "loop budget probe",
      layout: "auto",
      compute: { module: device.createShaderModule({ code: LOOP_PROBE_WGSL }), entryPoint: "main" },
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer } }],
      }),
    );
    pass.dispatchWorkgroups(1);
    pass.end();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, 4);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const ran = new Uint32Array(staging.getMappedRange())[0]!;
    staging.unmap();
    return ran >= LOOP_PROBE_ITERATIONS ? Infinity : ran;
  } finally {
    buffer.destroy();
    staging.destroy();
  }
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
  // The llvmpipe matmul reads operands through texture arrays.
  "maxTextureDimension2D",
  "maxTextureArrayLayers",
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
  const measured = await probeLoopBudget(device);
  return {
    device,
    adapter,
    isFallbackAdapter: fallback || /llvmpipe|swiftshader|warp/i.test(info.description),
    adapterDescription: info.description || `vendor ${info.vendor} device ${info.device}`,
    limits: device.limits,
    maxLoopIterations: measured === Infinity
      ? Infinity
      : Math.floor(measured * LOOP_BUDGET_HEADROOM),
    measuredLoopIterations: measured,
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
