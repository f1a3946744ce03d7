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
 * @module
 */
import { gpu } from "./device.ts";
import { KernelValidationError } from "./errors.ts";
import { deferCheck } from "./pending_errors.ts";
import { tileGrid } from "./grid.ts";

/** Submit automatically past this many recorded dispatches, to bound encoder memory. */
export const MAX_DISPATCHES_PER_SUBMIT = 2048;

let encoder: GPUCommandEncoder | null = null;
let pass: GPUComputePassEncoder | null = null;
let recorded = 0;
let submits = 0;
let dispatches = 0;
const destroyAfterSubmit: { destroy(): void }[] = [];

/**
 * Uniforms of the open batch live in mapped arenas, written slot by slot and
 * unmapped at submit: one buffer per 64 KiB of uniforms instead of one per
 * dispatch (creating a buffer costs ~40 µs on llvmpipe, more than a dispatch).
 */
const ARENA_BYTES = 64 * 1024;
let arena: { buffer: GPUBuffer; bytes: Uint8Array; used: number } | null = null;
const mappedArenas: GPUBuffer[] = [];
const pipelines = new Map<string, GPUComputePipeline>();

/** Destroys `buffer` now if no recorded work can use it, else after the next submit. */
export function deferDestroy(buffer: { destroy(): void }): void {
  if (encoder === null) buffer.destroy();
  else destroyAfterSubmit.push(buffer);
}

/** The open command encoder (opening one if needed), with the compute pass ended. */
export function openEncoder(): GPUCommandEncoder {
  if (pass !== null) {
    pass.end();
    pass = null;
  }
  if (encoder === null) encoder = gpu().device.createCommandEncoder({ label: "memspec batch" });
  return encoder;
}

function openPass(): GPUComputePassEncoder {
  if (pass === null) pass = openEncoder().beginComputePass();
  return pass;
}

/** Submits everything recorded so far. Cheap when nothing is recorded. */
export function flush(): void {
  if (encoder === null) return;
  if (pass !== null) {
    pass.end();
    pass = null;
  }
  for (const b of mappedArenas.splice(0, mappedArenas.length)) {
    b.unmap();
    destroyAfterSubmit.push(b);
  }
  arena = null;
  const { device } = gpu();
  device.queue.submit([encoder.finish()]);
  encoder = null;
  recorded = 0;
  submits++;
  for (const b of destroyAfterSubmit.splice(0, destroyAfterSubmit.length)) b.destroy();
}

/** Counters for benches and tests: submits and dispatches since process start. */
export function batchStats(): { submits: number; dispatches: number } {
  return { submits, dispatches };
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

/** Copies `data` into the open batch's uniform arena; returns the binding range. */
function uniformSlot(device: GPUDevice, data: ArrayBuffer): GPUBufferBinding {
  const align = device.limits.minUniformBufferOffsetAlignment;
  if (arena === null || arena.used + data.byteLength > ARENA_BYTES) {
    const size = Math.max(ARENA_BYTES, data.byteLength);
    const buffer = device.createBuffer({
      label: "memspec uniforms",
      size,
      usage: GPUBufferUsage.UNIFORM,
      mappedAtCreation: true,
    });
    arena = { buffer, bytes: new Uint8Array(buffer.getMappedRange()), used: 0 };
    mappedArenas.push(buffer);
  }
  const offset = arena.used;
  arena.bytes.set(new Uint8Array(data), offset);
  arena.used = Math.ceil((offset + data.byteLength) / align) * align;
  return { buffer: arena.buffer, offset, size: data.byteLength };
}

/** Records one dispatch into the open batch. Zero workgroups record nothing. */
export function launch(l: Launch): void {
  const { device, limits } = gpu();
  if (l.loopIterations !== undefined) assertLoopBudget(l.name, l.loopIterations);
  const grid = typeof l.workgroups === "number"
    ? tileGrid(l.workgroups, limits.maxComputeWorkgroupsPerDimension)
    : l.workgroups;
  if (grid[0] === 0 || grid[1] === 0 || grid[2] === 0) return;
  const pipeline = pipelineFor(l.name, l.code);
  const entries: GPUBindGroupEntry[] = [];
  if (l.uniformBytes !== undefined) {
    entries.push({ binding: 0, resource: uniformSlot(device, l.uniformBytes) });
  } else if (l.uniforms !== undefined) {
    entries.push({ binding: 0, resource: uniformSlot(device, packUniforms(l.uniforms)) });
  }
  const offset = entries.length;
  l.buffers.forEach((b, i) =>
    entries.push({ binding: offset + i, resource: b instanceof GPUBuffer ? { buffer: b } : b })
  );
  const bindGroup = device.createBindGroup({
    label: l.name,
    layout: pipeline.getBindGroupLayout(0),
    entries,
  });
  const p = openPass();
  p.setPipeline(pipeline);
  p.setBindGroup(0, bindGroup);
  p.dispatchWorkgroups(grid[0], grid[1], grid[2]);
  recorded++;
  dispatches++;
  if (recorded >= MAX_DISPATCHES_PER_SUBMIT) flush();
}
