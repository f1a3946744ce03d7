/**
 * Elementwise fusion: consecutive same-shape elementwise ops (the binary ops add, sub,
 * mul, div, maximum, minimum without broadcasting, and every unary op of
 * impl/ops/unary.ts; operands and output of one size, at most {@link FUSE_MAX_ELEMENTS}
 * elements) are held back as one run and recorded as a single dispatch of the fused
 * program (impl/ops/kernels/fused_elementwise.ts) when anything else touches the batch: a
 * dispatch, a clear or copy, a read-back, a submit. A chain of k small ops then costs one
 * dispatch instead of k.
 *
 * What a caller sees does not change: every op still returns a tensor with its own
 * buffer (`liveBufferCount` counts it at once), values are bit-identical to the per-op
 * kernels (the same WGSL expressions and helpers on the same f32 operands; backward
 * kernels are never fused), and recorded order is
 * still execution order. Two things follow from holding the run:
 *
 * - an output whose tensor is disposed before the run is recorded is never written
 *   (nothing can read it), and ops feeding only such outputs are not run;
 * - a run binds at most {@link FUSED_MAX_SLOTS} buffers (inputs read from outside the run
 *   and outputs of live tensors), so a chain whose intermediates all stay alive is cut
 *   into runs of about that many ops.
 *
 * {@link setElementwiseFusion} turns it off (every op dispatches alone), for differential
 * checks and benches.
 *
 * @example A chain of adds records no dispatch until it is read, then one
 * ```ts
 * import { add, initGpu, tensor } from "../mod.ts";
 * import { batchStats } from "../gpu/batch.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const c = tensor([1, 2], [2]);
 * let y = tensor([10, 20], [2]);
 * const before = batchStats().dispatches;
 * for (let i = 0; i < 3; i++) {
 *   const next = add(y, c);
 *   y.dispose();
 *   y = next;
 * }
 * strictEqual(batchStats().dispatches, before);
 * deepStrictEqual(Array.from(await y.toArray()), [13, 26]);
 * strictEqual(batchStats().dispatches, before + 1);
 * y.dispose();
 * c.dispose();
 * ```
 *
 * @module
 */
import { countFusedOp, holdWork, onBufferRelease, recordHeldWork } from "../gpu/batch.ts";
import { gpu } from "../gpu/device.ts";
import { dispatch } from "../gpu/program.ts";
import { BINARY_OPS, type BinaryOpName } from "./binary_defs.ts";
import { UNARY_OPS, type UnaryOpName } from "./unary_defs.ts";
import { BINARY_CONTIGUOUS, ELEMENTWISE_WORKGROUP, UNARY_MAP } from "./kernels/elementwise.ts";
import {
  FUSED_MAX_OPS,
  FUSED_MAX_SLOTS,
  FUSED_USES,
  fusedElementwiseProgram,
  fusedOpStatement,
  fusedUnaryStatement,
} from "./kernels/fused_elementwise.ts";

/**
 * Ops of more elements dispatch alone: past this size a kernel is bandwidth-bound and
 * the dispatch it would save is a small share of its time.
 */
export const FUSE_MAX_ELEMENTS = 1 << 16;

/** A fused op: a binary op, or a unary op with its two attributes. */
type FusedOp =
  | { readonly kind: "binary"; readonly name: BinaryOpName }
  | {
    readonly kind: "unary";
    readonly name: UnaryOpName;
    readonly attrs: readonly [number, number];
  };

/** One value of a run: a buffer's contents when the run starts (a leaf) or an op's result. */
interface Value {
  /** The op, or null for a leaf. */
  readonly op: FusedOp | null;
  /** The buffer the leaf is read from, or the op's output buffer. */
  readonly buffer: GPUBuffer;
  /** Operand value indices (ops only). */
  readonly a: number;
  readonly b: number;
  /** An op whose output tensor is still alive: its result must be stored. */
  live: boolean;
}

interface Run {
  readonly device: GPUDevice;
  readonly n: number;
  readonly values: Value[];
  /** The value each buffer holds inside the run: its latest writer, or its leaf. */
  readonly current: Map<GPUBuffer, number>;
  /** Buffers read from outside the run. */
  readonly leaves: Set<GPUBuffer>;
  /** Output buffers of live ops, with the op writing them. */
  readonly written: Map<GPUBuffer, number>;
  ops: number;
}

let enabled = true;
let run: Run | null = null;

/**
 * Turns elementwise fusion on or off and returns the previous setting. Turning it off
 * records the open run first.
 */
export function setElementwiseFusion(on: boolean): boolean {
  const was = enabled;
  if (!on) recordHeldWork();
  enabled = on;
  return was;
}

function maxSlots(device: GPUDevice): number {
  return Math.min(FUSED_MAX_SLOTS, device.limits.maxStorageBuffersPerShaderStage);
}

/** Buffers the run would bind after an op reading `a`, `b` and writing `out`. */
function slotsAfter(r: Run, a: GPUBuffer, b: GPUBuffer, out: GPUBuffer): number {
  const bound = (x: GPUBuffer) => r.leaves.has(x) || r.written.has(x);
  let slots = r.leaves.size;
  for (const x of r.written.keys()) if (!r.leaves.has(x)) slots++;
  if (!r.current.has(a) && !bound(a)) slots++;
  if (b !== a && !r.current.has(b) && !bound(b)) slots++;
  if (out !== a && out !== b && !bound(out)) slots++;
  return slots;
}

function valueOf(r: Run, buffer: GPUBuffer): number {
  const held = r.current.get(buffer);
  if (held !== undefined) return held;
  const id = r.values.length;
  r.values.push({ op: null, buffer, a: -1, b: -1, live: false });
  r.current.set(buffer, id);
  r.leaves.add(buffer);
  return id;
}

/**
 * Records `out = op(a, b)` (all three buffers of `n` f32 elements, same shape) into the
 * open run, opening one if needed. Returns false, recording nothing, when the op is not
 * fusable (fusion off, no elements, or more than {@link FUSE_MAX_ELEMENTS}); the caller
 * then dispatches it alone.
 */
export function fuseBinary(
  op: BinaryOpName,
  a: GPUBuffer,
  b: GPUBuffer,
  out: GPUBuffer,
  n: number,
): boolean {
  return hold({ kind: "binary", name: op }, a, b, out, n);
}

/**
 * Records `out = op(x)` with attributes `attrs` (clamp's bounds, leaky_relu's slope, elu's
 * alpha, pow's exponent; both buffers of `n` f32 elements) into the open run, as
 * {@link fuseBinary}.
 */
export function fuseUnary(
  op: UnaryOpName,
  x: GPUBuffer,
  out: GPUBuffer,
  n: number,
  attrs: readonly [number, number],
): boolean {
  return hold({ kind: "unary", name: op, attrs: [attrs[0], attrs[1]] }, x, x, out, n);
}

function hold(op: FusedOp, a: GPUBuffer, b: GPUBuffer, out: GPUBuffer, n: number): boolean {
  if (!enabled || n === 0 || n > FUSE_MAX_ELEMENTS) return false;
  const { device } = gpu();
  if (
    run !== null &&
    (run.device !== device || run.n !== n || run.ops >= FUSED_MAX_OPS ||
      slotsAfter(run, a, b, out) > maxSlots(device))
  ) recordHeldWork();
  if (run === null) {
    run = {
      device,
      n,
      values: [],
      current: new Map(),
      leaves: new Set(),
      written: new Map(),
      ops: 0,
    };
    holdWork(recordRun);
  }
  const r = run;
  const va = valueOf(r, a);
  const vb = valueOf(r, b);
  const id = r.values.length;
  r.values.push({ op, buffer: out, a: va, b: vb, live: true });
  r.current.set(out, id);
  r.written.set(out, id);
  r.ops++;
  countFusedOp();
  return true;
}

/** A released output is never read again: its op's store (and the ops feeding only it) is dropped. */
onBufferRelease((buffer) => {
  const r = run;
  if (r === null) return;
  const id = r.written.get(buffer);
  if (id === undefined) return;
  r.values[id]!.live = false;
  r.written.delete(buffer);
  r.current.delete(buffer);
});

function recordRun(): void {
  const r = run;
  run = null;
  // A run of a replaced device holds buffers nothing can use any more.
  if (r === null || r.device !== gpu().device) return;
  const { values, n } = r;
  const needed = values.map((v) => v.live);
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]!;
    if (needed[i] && v.op !== null) needed[v.a] = needed[v.b] = true;
  }
  const ops = values.flatMap((v, i) => (needed[i] && v.op !== null ? [i] : []));
  if (ops.length === 0) return;
  const workgroups = Math.ceil(n / ELEMENTWISE_WORKGROUP);
  if (ops.length === 1) {
    // One op alone runs its own kernel, exactly as it would unfused.
    const v = values[ops[0]!]!;
    const op = v.op!;
    if (op.kind === "binary") {
      dispatch(BINARY_CONTIGUOUS, {
        sizes: { expr: BINARY_OPS[op.name].forward },
        buffers: { lhs: values[v.a]!.buffer, rhs: values[v.b]!.buffer, out: v.buffer },
        workgroups,
      });
    } else {
      dispatch(UNARY_MAP.forward, {
        sizes: { expr: UNARY_OPS[op.name].forward },
        uniforms: { n, a0: op.attrs[0], a1: op.attrs[1] },
        buffers: { xs: values[v.a]!.buffer, out: v.buffer },
        workgroups,
      });
    }
    return;
  }
  const slotOf = new Map<GPUBuffer, number>();
  const slot = (buffer: GPUBuffer) => {
    let s = slotOf.get(buffer);
    if (s === undefined) slotOf.set(buffer, s = slotOf.size);
    return s;
  };
  const lines: string[] = [];
  // Every load first: a buffer the run reads and later rewrites is read before it is written.
  values.forEach((v, i) => {
    if (v.op === null && needed[i]) lines.push(`let v${i} = s${slot(v.buffer)}[i];`);
  });
  let use = 1;
  for (const i of ops) {
    const v = values[i]!;
    const op = v.op!;
    if (op.kind === "binary") {
      lines.push(fusedOpStatement(op.name, i, v.a, v.b, use));
      use += FUSED_USES.binary;
    } else {
      lines.push(fusedUnaryStatement(op.name, i, v.a, op.attrs, use));
      use += FUSED_USES.unary;
    }
    if (v.live) lines.push(`s${slot(v.buffer)}[i] = v${i};`);
  }
  const buffers: Record<string, GPUBuffer> = {};
  for (const [buffer, s] of slotOf) buffers[`s${s}`] = buffer;
  dispatch(fusedElementwiseProgram(slotOf.size), {
    sizes: { body: lines.join("\n  ") },
    uniforms: { n, z: 0 },
    buffers,
    workgroups,
  });
}
