/**
 * Command batching. Ops record dispatches into one open compute pass; nothing
 * is submitted until a host sync (a readback) or the batch grows past
 * {@link MAX_DISPATCHES_PER_SUBMIT}. A chain of ops therefore costs one submit
 * and one readback: on Deno every host sync costs at least ~11 ms, whatever
 * the GPU (deno_webgpu polls, then sleeps 10 ms).
 *
 * Within one pass, WebGPU makes each dispatch's storage writes visible to the
 * next dispatch, so recorded order is execution order.
 *
 * Per dispatch the host does no allocation on the device: uniforms go to a
 * host-side ring copied to one persistent uniform buffer at submit, pipelines
 * and bind-group layouts are compiled once, and bind groups are cached by the
 * buffers they bind (the buffer pool hands the same buffers back, so a loop of
 * ops finds its bind groups again).
 *
 * @module
 */
import { gpu } from "./device.ts";
import { KernelValidationError } from "./errors.ts";
import { deferCheck } from "./pending_errors.ts";
import { tileGrid } from "./grid.ts";
import { bindingMeta } from "./buffers.ts";

/** Submit automatically past this many recorded dispatches, to bound encoder memory. */
export const MAX_DISPATCHES_PER_SUBMIT = 2048;

let encoder: GPUCommandEncoder | null = null;
let pass: GPUComputePassEncoder | null = null;
let recorded = 0;
let submits = 0;
let dispatches = 0;
const destroyAfterSubmit: { destroy(): void }[] = [];

/**
 * Uniforms of the open batch: written on the host into `ring`, copied to one
 * persistent uniform buffer by a single `queue.writeBuffer` just before the
 * batch is submitted. The queue runs that write after every earlier submit and
 * before this batch's commands, so each batch reads its own uniforms; a batch
 * whose uniforms would overflow the buffer is submitted first.
 */
const RING_BYTES = 1024 * 1024;
let ring: {
  device: GPUDevice;
  buffer: GPUBuffer;
  host: Uint8Array<ArrayBuffer>;
  view: DataView;
  used: number;
  align: number;
} | null = null;

/** The uniform ring of the current device, created on first use. */
export function uniformRing(): {
  buffer: GPUBuffer;
  host: Uint8Array<ArrayBuffer>;
  view: DataView;
  used: number;
  align: number;
} {
  const { device } = gpu();
  if (ring === null || ring.device !== device) {
    const host = new Uint8Array(RING_BYTES);
    ring = {
      device,
      buffer: device.createBuffer({
        label: "memspec uniforms",
        size: RING_BYTES,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      }),
      host,
      view: new DataView(host.buffer),
      used: 0,
      align: device.limits.minUniformBufferOffsetAlignment,
    };
  }
  return ring;
}

/**
 * Reserves `bytes` of the uniform ring for the next dispatch (submitting the
 * batch first when it is full) and returns the offset; the caller writes there
 * and then calls {@link commitUniforms}.
 */
export function reserveUniforms(bytes: number): number {
  const r = uniformRing();
  if (r.used + bytes > RING_BYTES) flush();
  return r.used;
}

/** Marks the `bytes` written at the reserved offset as used. */
export function commitUniforms(bytes: number): void {
  const r = ring!;
  r.used = Math.ceil((r.used + bytes) / r.align) * r.align;
}

const pipelines = new Map<string, GPUComputePipeline>();

/**
 * Work an op layer holds back to record later as one dispatch (the open run of fused
 * elementwise ops, impl/ops/fused_elementwise.ts). It is recorded before anything else
 * touches the batch (a dispatch, a clear or copy, a submit, a destroy), so recorded
 * order stays execution order.
 */
let heldWork: (() => void) | null = null;
let releaseListener: ((buffer: GPUBuffer) => void) | null = null;
let fusedOps = 0;

/** Holds `record` back until the batch is next touched (replacing any held work, which the holder records first). */
export function holdWork(record: () => void): void {
  heldWork = record;
}

/** Records the held work now, if any. */
export function recordHeldWork(): void {
  const work = heldWork;
  if (work === null) return;
  heldWork = null;
  work();
}

/** Sets the function told of every buffer release (the fusion drops the stores of dead outputs). */
export function onBufferRelease(listener: (buffer: GPUBuffer) => void): void {
  releaseListener = listener;
}

/** Tells the release listener that `buffer` was released. */
export function noteRelease(buffer: GPUBuffer): void {
  releaseListener?.(buffer);
}

/** Counts one op recorded into held work rather than dispatched. */
export function countFusedOp(): void {
  fusedOps++;
}

/**
 * The buffer pool's reuse clock: dispatches and fused ops recorded since process start.
 * A fused op counts because the held run loads every input before it stores any output,
 * so a buffer released after one op reads it may be the output of a later op of the run.
 */
export function reuseClock(): number {
  return dispatches + fusedOps;
}

/** Destroys `buffer` now if no recorded work can use it, else after the next submit. */
export function deferDestroy(buffer: { destroy(): void }): void {
  recordHeldWork();
  if (encoder === null) buffer.destroy();
  else destroyAfterSubmit.push(buffer);
}

/** The open command encoder (opening one if needed), with the compute pass ended. */
export function openEncoder(): GPUCommandEncoder {
  recordHeldWork();
  if (pass !== null) {
    pass.end();
    pass = null;
  }
  if (encoder === null) encoder = gpu().device.createCommandEncoder({ label: "memspec batch" });
  return encoder;
}

/** The pipeline last set on the open pass: a chain of one op sets it once. */
let passPipeline: GPUComputePipeline | null = null;

function openPass(): GPUComputePassEncoder {
  if (pass === null) {
    pass = openEncoder().beginComputePass();
    passPipeline = null;
  }
  return pass;
}

/** Submits everything recorded so far. Cheap when nothing is recorded. */
export function flush(): void {
  recordHeldWork();
  if (encoder === null) {
    // Nothing recorded can read uniforms written since the last submit.
    if (ring !== null) ring.used = 0;
    return;
  }
  if (pass !== null) {
    pass.end();
    pass = null;
  }
  const { device } = gpu();
  if (ring !== null && ring.used > 0) {
    if (ring.device === device) device.queue.writeBuffer(ring.buffer, 0, ring.host, 0, ring.used);
    ring.used = 0;
  }
  device.queue.submit([encoder.finish()]);
  encoder = null;
  recorded = 0;
  submits++;
  for (const b of destroyAfterSubmit.splice(0, destroyAfterSubmit.length)) b.destroy();
}

/** Dispatches recorded since process start. */
export function dispatchCount(): number {
  return dispatches;
}

/**
 * Records a zero fill of `buffer`'s first `bytes` into the open batch (a pooled
 * buffer handed out again must read as zeros, as a fresh one does).
 */
export function recordClear(buffer: GPUBuffer, bytes: number): void {
  openEncoder().clearBuffer(buffer, 0, bytes);
}

/**
 * Counters for benches and tests since process start: submits, dispatches, and binary
 * ops recorded into a fused run (`fusedOps`; the run's own dispatch counts in
 * `dispatches` when it is recorded).
 */
export function batchStats(): { submits: number; dispatches: number; fusedOps: number } {
  return { submits, dispatches, fusedOps };
}

/**
 * GPU work recorded since process start: dispatches plus ops held in a fused run. A call
 * that must record nothing (a refused call) leaves it unchanged.
 */
export function recordedWork(): number {
  return dispatches + fusedOps;
}

/**
 * The compute pipeline for `code` (entry point `main`), compiled once and cached
 * by source. Compilation errors surface at the next host sync as a
 * {@link KernelValidationError} naming the kernel, line and column.
 */
export function pipelineFor(name: string, code: string): GPUComputePipeline {
  const cached = pipelines.get(code);
  if (cached !== undefined) return cached;
  const { device } = gpu();
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ label: name, code });
  const pipeline = device.createComputePipeline({
    label: name,
    layout: "auto",
    compute: { module, entryPoint: "main" },
  });
  deferCheck(
    device.popErrorScope().then(async (e) => {
      if (e === null) return null;
      pipelines.delete(code);
      const info = await module.getCompilationInfo();
      const msg = info.messages.find((m) => m.type === "error");
      return new KernelValidationError(
        name,
        msg?.lineNum ?? null,
        msg?.linePos ?? null,
        msg?.message ?? e.message,
      );
    }),
  );
  pipelines.set(code, pipeline);
  return pipeline;
}

/** A uniform value: a plain number is a u32; wrap floats and signed ints. */
export type UniformValue = number | { f32: number } | { i32: number };

/** Packs uniform values into 4-byte slots, padded to 16 bytes as uniform bindings require. */
export function packUniforms(values: readonly UniformValue[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
  const buf = new ArrayBuffer(bytes);
  const view = new DataView(buf);
  values.forEach((v, i) => {
    if (typeof v === "number") {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new RangeError(`Cannot pack uniform ${i}: expected a u32 but found ${v}`);
      }
      view.setUint32(i * 4, v, true);
    } else if ("f32" in v) view.setFloat32(i * 4, v.f32, true);
    else view.setInt32(i * 4, v.i32, true);
  });
  return buf;
}

/** One kernel launch. */
export interface Launch {
  /** Names the kernel in errors. */
  name: string;
  /** WGSL source with entry point `main`. */
  code: string;
  /**
   * Uniforms bound at binding 0 when present; storage buffers then follow
   * from binding 1 in order. Without uniforms, storage starts at binding 0.
   */
  uniforms?: readonly UniformValue[];
  /** Uniforms already packed (by a program's named layout); bound at binding 0 like `uniforms`. */
  uniformBytes?: ArrayBuffer;
  /** Storage buffers (or texture views, for texture bindings), bound in order. */
  buffers: readonly (GPUBuffer | GPUTextureView)[];
  /** Total workgroups (tiled past the per-dimension limit) or an explicit grid. */
  workgroups: number | readonly [number, number, number];
  /**
   * Worst-case loop-header evaluations of one invocation, all loops together
   * (a loop of k iterations costs k + 1, nested loops multiply). When
   * given, a launch past the adapter's `maxLoopIterations` throws a RangeError
   * instead of computing a silently truncated result.
   */
  loopIterations?: number;
}

/**
 * Throws a RangeError when one invocation of `kernel` would loop more often
 * than kernels may declare on this adapter (`gpu().maxLoopIterations`, an
 * eighth below the measured budget: llvmpipe stops every loop after 65,535
 * iterations in total, without an error).
 */
export function assertLoopBudget(kernel: string, iterations: number): void {
  const max = gpu().maxLoopIterations;
  if (iterations > max) {
    throw new RangeError(
      `Cannot run kernel "${kernel}": one invocation would run ${iterations} loop iterations, ` +
        `past this adapter's declarable limit of ${max} (7/8 of the measured ` +
        `${gpu().measuredLoopIterations}, past which it stops looping silently); split the work`,
    );
  }
}

/** Copies `data` into the open batch's uniforms; returns the binding range. */
function uniformSlot(data: ArrayBuffer): GPUBufferBinding {
  const offset = reserveUniforms(data.byteLength);
  const r = ring!;
  r.host.set(new Uint8Array(data), offset);
  commitUniforms(data.byteLength);
  return { buffer: r.buffer, offset, size: data.byteLength };
}

/** Records one dispatch into the open batch. Zero workgroups record nothing. */
export function launch(l: Launch): void {
  recordHeldWork();
  const { device, limits } = gpu();
  if (l.loopIterations !== undefined) assertLoopBudget(l.name, l.loopIterations);
  const grid = typeof l.workgroups === "number"
    ? tileGrid(l.workgroups, limits.maxComputeWorkgroupsPerDimension)
    : l.workgroups;
  if (grid[0] === 0 || grid[1] === 0 || grid[2] === 0) return;
  const pipeline = pipelineFor(l.name, l.code);
  const entries: GPUBindGroupEntry[] = [];
  if (l.uniformBytes !== undefined) {
    entries.push({ binding: 0, resource: uniformSlot(l.uniformBytes) });
  } else if (l.uniforms !== undefined) {
    entries.push({ binding: 0, resource: uniformSlot(packUniforms(l.uniforms)) });
  }
  const offset = entries.length;
  // Pooled buffers may be larger than their tensor: bind the logical size.
  l.buffers.forEach((b, i) =>
    entries.push({
      binding: offset + i,
      resource: b instanceof GPUBuffer ? { buffer: b, size: bindingMeta(b).bytes } : b,
    })
  );
  const bindGroup = device.createBindGroup({
    label: l.name,
    layout: pipeline.getBindGroupLayout(0),
    entries,
  });
  const p = openPass();
  p.setPipeline(pipeline);
  passPipeline = pipeline;
  p.setBindGroup(0, bindGroup);
  p.dispatchWorkgroups(grid[0], grid[1], grid[2]);
  recorded++;
  dispatches++;
  if (recorded >= MAX_DISPATCHES_PER_SUBMIT) flush();
}

/** Bind groups by layout and bound resources; cleared wholesale when it grows past the cap. */
const bindGroups = new Map<string, GPUBindGroup>();
const BIND_GROUP_CACHE_CAP = 8192;

/**
 * The cached bind group for `key` (which must name the layout and every bound
 * resource with its size), made by `make` on a miss.
 */
export function cachedBindGroup(key: string, make: () => GPUBindGroup): GPUBindGroup {
  let bg = bindGroups.get(key);
  if (bg === undefined) {
    if (bindGroups.size >= BIND_GROUP_CACHE_CAP) bindGroups.clear();
    bg = make();
    bindGroups.set(key, bg);
  }
  return bg;
}

const dynamicOffset = new Uint32Array(1);

/**
 * Records one dispatch of a compiled pipeline with a ready bind group; the
 * uniform binding, if any, is dynamic at `uniformOffset`. Callers check the
 * grid (no zero dimension) and the loop budget first, and call
 * {@link recordHeldWork} before reserving their uniforms (held work recorded
 * later would reserve the same uniform range).
 */
export function recordDispatch(
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
  uniformOffset: number,
  x: number,
  y: number,
  z: number,
): void {
  const p = openPass();
  if (passPipeline !== pipeline) {
    p.setPipeline(pipeline);
    passPipeline = pipeline;
  }
  if (uniformOffset < 0) p.setBindGroup(0, bindGroup);
  else {
    dynamicOffset[0] = uniformOffset;
    p.setBindGroup(0, bindGroup, dynamicOffset, 0, 1);
  }
  p.dispatchWorkgroups(x, y, z);
  recorded++;
  dispatches++;
  if (recorded >= MAX_DISPATCHES_PER_SUBMIT) flush();
}

/**
 * The compute pipeline for `code` with an explicit bind-group layout (cached by
 * source and layout). Compilation errors surface at the next host sync as a
 * {@link KernelValidationError}; a pipeline that failed is dropped from the
 * cache and `onError` is called.
 */
export function pipelineWithLayout(
  name: string,
  code: string,
  layoutKey: string,
  layout: GPUBindGroupLayout,
  onError: () => void = () => {},
): GPUComputePipeline {
  const key = layoutKey + "\u0000" + code;
  const cached = pipelines.get(key);
  if (cached !== undefined) return cached;
  const { device } = gpu();
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ label: name, code });
  const pipeline = device.createComputePipeline({
    label: name,
    layout: device.createPipelineLayout({ label: name, bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: "main" },
  });
  deferCheck(
    device.popErrorScope().then(async (e) => {
      if (e === null) return null;
      pipelines.delete(key);
      onError();
      const info = await module.getCompilationInfo();
      const msg = info.messages.find((m) => m.type === "error");
      return new KernelValidationError(
        name,
        msg?.lineNum ?? null,
        msg?.linePos ?? null,
        msg?.message ?? e.message,
      );
    }),
  );
  pipelines.set(key, pipeline);
  return pipeline;
}
