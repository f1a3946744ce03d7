/**
 * Batched matrix multiplication, `C = op(A) · op(B)` with `op(X) = X` or `Xᵀ`
 * on the last two dims, and NumPy broadcasting of the batch dims in front.
 *
 * Kernels (all record into the shared batch; nothing syncs):
 *
 * - `tiled`: workgroup-memory tiles, 64×64 per workgroup (real GPUs);
 * - `register`: register-blocked 16×16 per invocation, no barriers, operands
 *   packed into rgba32f textures first (fallback adapters such as llvmpipe:
 *   every storage-buffer load there is a per-lane loop, texel fetches are
 *   vectorised gathers). Falls back to `register-buffer` when an operand
 *   exceeds the device's texture limits (2D size, array layers);
 * - `register-buffer`: register-blocked 8×4, reading the storage buffers.
 *
 * `kernel: "auto"` (the default) picks `tiled` on real GPUs and `register` on
 * fallback adapters, `register-buffer` there for products too small to repay
 * packing. The other values force a family, for tests and benches.
 *
 * Loop budget: on adapters that stop long loops silently (llvmpipe: 65,535
 * iterations per invocation), K is split into chunks recorded as successive
 * dispatches, each adding to C.
 *
 * Folding: when B has no batch dims and A is not transposed, A's batch dims
 * are folded into its rows (one [batch·M, K] × [K, N] product, same memory),
 * and B's gradient becomes one product over batch·M instead of a sum of
 * per-batch products.
 *
 * @example
 * ```ts
 * import { initGpu, matmul, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const c = matmul(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 0, 0, 1, 1, 1], [3, 2]));
 * deepStrictEqual(Array.from(await c.toArray()), [4, 5, 10, 11]);
 * ```
 *
 * @module
 */
import { assertLoopBudget, openEncoder } from "../gpu/batch.ts";
import { acquireTexture, arrayLayers, releaseTexture } from "../gpu/textures.ts";
import { gpu } from "../gpu/device.ts";
import { dispatch, type UniformInput } from "../gpu/program.ts";
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import {
  REGISTER_BLOCKING,
  registerBlockedLoopIterations,
  registerBlockedProgram,
} from "./kernels/matmul_register_blocked.ts";
import { MATMUL_TILED, TILED_BLOCK, tiledLoopIterations } from "./kernels/matmul_tiled.ts";
import { MATMUL_PACK, MATMUL_PACK_WORKGROUP } from "./kernels/matmul_transpose.ts";
import { assertMaxRank, collapseBatch, padDims, sameShape } from "./_shape.ts";
import { sumToShape } from "./sum_to_shape.ts";

/** Kernel family of a matmul; see the module documentation. */
export type MatmulKernel = "auto" | "tiled" | "register" | "register-buffer";

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Use Aᵀ: A is [..., K, M]. Default false. */
  transA?: boolean;
  /** Use Bᵀ: B is [..., N, K]. Default false. */
  transB?: boolean;
  /** Force a kernel family; default "auto". Gradients use the same family. */
  kernel?: MatmulKernel;
}

/** The code path a matmul takes: the family and, for `register`, where operands are read from. */
export type MatmulPath = "tiled" | "register-texture" | "register-buffer";

const KERNELS: readonly MatmulKernel[] = ["auto", "tiled", "register", "register-buffer"];

/**
 * Products with batch·M·N·K below this (about 101³) run on `register-buffer`
 * under "auto" on fallback adapters: filling the operand textures (copies or
 * pack dispatches) costs more than texture fetches save on small products.
 * Measured on llvmpipe: 96³ takes 0.70 ms per call from buffers and 0.95 ms
 * through textures, 128³ 0.99 ms and 0.71 ms (bench/matmul_bench.ts, "small").
 */
export const PACK_MIN_WORK = 2 ** 20;

/** A storage buffer read as a stack of matrices of `shape` (its batch dims in front). */
interface Operand {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
}

/** The batch layout of one product: collapsed output batch dims and matrix-index steps. */
interface Plan {
  m: number;
  n: number;
  k: number;
  /** Output matrices. */
  batch: number;
  bshape: number[];
  sa: number[];
  sb: number[];
  /** Matrices stored in A and in B. */
  aMats: number;
  bMats: number;
}

const product = (xs: readonly number[]) => xs.reduce((p, d) => p * d, 1);

function describe(a: readonly number[], b: readonly number[], transA: boolean, transB: boolean) {
  const flags = [transA ? "transA" : "", transB ? "transB" : ""].filter((f) => f !== "");
  return `Cannot matmul tensors of shapes ${formatShape(a)} and ${formatShape(b)}` +
    (flags.length > 0 ? ` with ${flags.join(" and ")}` : "");
}

/** Output shape of a matmul; TypeError naming both shapes when they do not fit. */
function matmulShape(
  a: readonly number[],
  b: readonly number[],
  transA: boolean,
  transB: boolean,
): number[] {
  const what = describe(a, b, transA, transB);
  if (a.length < 2 || b.length < 2) {
    throw new TypeError(
      `${what}: both inputs need rank >= 2 (got ranks ${a.length} and ${b.length}); ` +
        `use outer() or add a dimension of size 1 for vectors`,
    );
  }
  const [m, ka] = transA ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
  const [kb, n] = transB ? [b.at(-1)!, b.at(-2)!] : [b.at(-2)!, b.at(-1)!];
  if (ka !== kb) {
    throw new TypeError(`${what}: inner dimensions must match (${ka} != ${kb})`);
  }
  const ba = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = ba[ba.length - rank + i] ?? 1;
    const db = bb[bb.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TypeError(
        `${what}: batch dimensions ${formatShape(ba)} and ${formatShape(bb)} do not broadcast ` +
          `(${da} != ${db} and neither is 1)`,
      );
    }
    batch.push(da === 1 ? db : da);
  }
  return [...batch, m, n];
}

/** Batch plan of `op(a) · op(b)` for operands whose shapes already fit. */
function planOf(a: Operand, b: Operand, transA: boolean, transB: boolean): Plan {
  const m = transA ? a.shape.at(-1)! : a.shape.at(-2)!;
  const k = transA ? a.shape.at(-2)! : a.shape.at(-1)!;
  const n = transB ? b.shape.at(-2)! : b.shape.at(-1)!;
  // Matrix indices: unit steps, so the collapse counts matrices.
  const c = collapseBatch(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return {
    m,
    n,
    k,
    batch: product(c.bshape),
    bshape: c.bshape,
    sa: c.sa,
    sb: c.sb,
    aMats: c.itemsA,
    bMats: c.itemsB,
  };
}

/** Whether the texture path can hold both operands of `plan` on this device. */
function texturesFit(plan: Plan): boolean {
  const { limits } = gpu();
  const side = limits.maxTextureDimension2D;
  const kp = Math.ceil(plan.k / 4) * 4;
  return Math.ceil(plan.k / 4) <= side && plan.m <= side && Math.ceil(plan.n / 4) <= side &&
    kp <= side && arrayLayers(plan.aMats) <= limits.maxTextureArrayLayers &&
    arrayLayers(plan.bMats) <= limits.maxTextureArrayLayers;
}

function pathFor(kernel: MatmulKernel, plan: Plan): MatmulPath {
  const fits = texturesFit(plan);
  switch (kernel) {
    case "tiled":
      return "tiled";
    case "register-buffer":
      return "register-buffer";
    case "register":
      return fits ? "register-texture" : "register-buffer";
    case "auto":
      if (!gpu().isFallbackAdapter) return "tiled";
      return fits && plan.batch * plan.m * plan.n * plan.k >= PACK_MIN_WORK
        ? "register-texture"
        : "register-buffer";
  }
}

/** The operand of a folded product: A's batch dims merged into its rows. */
function folded(a: Operand): Operand {
  return { buffer: a.buffer, shape: [product(a.shape.slice(0, -1)), a.shape.at(-1)!] };
}

/** Chooses the plan (folded where allowed and useful) and path of `op(a) · op(b)`. */
function choose(
  a: Operand,
  b: Operand,
  transA: boolean,
  transB: boolean,
  kernel: MatmulKernel,
): { a: Operand; plan: Plan; path: MatmulPath } {
  const plan = planOf(a, b, transA, transB);
  const path = pathFor(kernel, plan);
  if (transA || b.shape.length !== 2 || a.shape.length <= 2) return { a, plan, path };
  const fa = folded(a);
  const fplan = planOf(fa, b, transA, transB);
  const fpath = pathFor(kernel, fplan);
  // Folded rows may exceed the texture height where A's matrices still fit as layers.
  if (fpath === "register-buffer" && path === "register-texture") return { a, plan, path };
  return { a: fa, plan: fplan, path: fpath };
}

function matmulUniforms(
  plan: Plan,
  tilesM: number,
  tilesN: number,
  [kBegin, kEnd]: readonly [number, number],
): Record<string, UniformInput> {
  return {
    m: plan.m,
    n: plan.n,
    k: plan.k,
    workgroups: plan.batch * tilesM * tilesN,
    tiles_m: tilesM,
    tiles_n: tilesN,
    brank: plan.bshape.length,
    k_begin: kBegin,
    k_end: kEnd,
    bshape: padDims(plan.bshape, 1),
    sa: padDims(plan.sa),
    sb: padDims(plan.sb),
  };
}

/** Worst-case loop-header evaluations of one invocation of `path` summing `len` values of k. */
function loopIterations(path: MatmulPath, plan: Plan, len: number): number {
  const brank = plan.bshape.length;
  if (path === "tiled") return tiledLoopIterations(len, brank);
  return registerBlockedLoopIterations(
    path === "register-texture" ? "texture" : "buffer",
    len,
    brank,
  );
}

/**
 * The K ranges of one product's dispatches: all of K where the adapter has no
 * loop budget (real GPUs), else chunks of the longest multiple of 16 whose
 * invocations stay within it (llvmpipe silently stops every loop after 65,535
 * iterations; a chunk is then about 262,000 values of k for the register
 * kernels and 45,000 for the tiled one). Not the program runner's split:
 * chunks must start at multiples of 16 (the texture path reads K in texels,
 * the tiled one in steps of 16), and the buffer kernel's loop count is not
 * monotone in the length (its scalar tail), so the search runs over
 * multiples of 16 only.
 */
function kRanges(path: MatmulPath, plan: Plan): [number, number][] {
  const budget = gpu().maxLoopIterations;
  let chunk = plan.k;
  if (loopIterations(path, plan, plan.k) > budget) {
    let lo = 0; // largest known multiple of 16 within budget, in units of 16
    let hi = Math.floor(plan.k / 16) + 1; // hi · 16 > K, so past the budget
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (loopIterations(path, plan, mid * 16) <= budget) lo = mid;
      else hi = mid;
    }
    if (lo === 0) assertLoopBudget(`matmul (${path})`, loopIterations(path, plan, 16));
    chunk = lo * 16;
  }
  const ranges: [number, number][] = [];
  for (let k0 = 0; k0 < plan.k; k0 += chunk) ranges.push([k0, Math.min(plan.k, k0 + chunk)]);
  return ranges;
}

/** An operand's texture and how it gets filled: a buffer copy, or a pack dispatch. */
interface PackedOperand {
  texture: GPUTexture;
  copy: { source: GPUTexelCopyBufferInfo; size: [number, number, number] } | null;
  pack: { uniforms: Record<string, UniformInput>; src: GPUBuffer; workgroups: number } | null;
}

/**
 * Records the fills of the operand textures: buffer-to-texture copies into
 * the shared batch's encoder (its compute pass ended; the next dispatch
 * reopens one), then the pack dispatches. Commands run in recorded order, so
 * the matmul dispatches recorded next read the filled textures.
 */
function recordPacks(operands: readonly PackedOperand[]): void {
  const encoder = openEncoder();
  for (const o of operands) {
    if (o.copy !== null) {
      encoder.copyBufferToTexture(o.copy.source, { texture: o.texture }, o.copy.size);
    }
  }
  for (const o of operands) {
    if (o.pack === null) continue;
    dispatch(MATMUL_PACK, {
      uniforms: o.pack.uniforms,
      buffers: { src: o.pack.src, dst: o.texture.createView({ dimension: "2d-array" }) },
      workgroups: o.pack.workgroups,
    });
  }
}

/**
 * The texture of one operand: `layers` matrices of rows × cols (stored
 * transposed when `transposed`) as texels of 4 columns, `height` ≥ rows texel
 * rows (zero past rows). A buffer copy fills it when the layout already
 * matches (row-major, whole texels, rows a multiple of 256 bytes as copies
 * require), the pack kernel otherwise.
 */
function packOperand(
  src: GPUBuffer,
  rows: number,
  cols: number,
  height: number,
  layers: number,
  transposed: boolean,
  label: string,
): PackedOperand {
  const width = Math.ceil(cols / 4);
  const byCopy = !transposed && height === rows && (cols * 4) % 256 === 0;
  const texture = acquireTexture(width, height, arrayLayers(layers), label);
  if (byCopy) {
    return {
      texture,
      copy: {
        source: { buffer: src, bytesPerRow: cols * 4, rowsPerImage: rows },
        size: [width, rows, layers],
      },
      pack: null,
    };
  }
  const texels = width * height * layers;
  return {
    texture,
    copy: null,
    pack: {
      uniforms: {
        texels,
        width,
        height,
        rows,
        cols,
        sy: transposed ? 1 : cols,
        sx: transposed ? rows : 1,
      },
      src,
      workgroups: Math.ceil(texels / MATMUL_PACK_WORKGROUP),
    },
  };
}

/**
 * Records `op(a) · op(b)` into a new tensor of `outShape` (default: the
 * broadcast batch dims then [M, N]). Shapes must already be validated.
 */
function recordMatmul(
  a0: Operand,
  b: Operand,
  transA: boolean,
  transB: boolean,
  kernel: MatmulKernel,
  outShape?: readonly number[],
): Tensor {
  const shape = outShape ?? matmulShape(a0.shape, b.shape, transA, transB);
  const out = emptyLike(shape, "f32", "matmul");
  const { a, plan, path } = choose(a0, b, transA, transB, kernel);
  if (out.size === 0 || plan.k === 0) return out; // a fresh buffer is already zero
  const vec4Store = plan.n % 4 === 0;
  const ranges = kRanges(path, plan);
  const brank = plan.bshape.length;
  if (path === "register-texture") {
    const blocking = REGISTER_BLOCKING.texture;
    const kp = Math.ceil(plan.k / 4) * 4;
    const pa = packOperand(a.buffer, plan.m, plan.k, plan.m, plan.aMats, transA, "matmul A");
    const pb = packOperand(b.buffer, plan.k, plan.n, kp, plan.bMats, transB, "matmul B");
    const tilesM = Math.ceil(plan.m / (blocking.wy * blocking.tm));
    const tilesN = Math.ceil(plan.n / (blocking.wx * 4 * blocking.tnv));
    recordPacks([pa, pb]);
    const ta = pa.texture.createView({ dimension: "2d-array" });
    const tb = pb.texture.createView({ dimension: "2d-array" });
    ranges.forEach((range, i) => {
      dispatch(registerBlockedProgram("texture", vec4Store), {
        // The texture path packs transposes away.
        sizes: { ...blocking, transA: false, transB: false, accumulate: i > 0, brank },
        uniforms: matmulUniforms(plan, tilesM, tilesN, range),
        buffers: { ta, tb, c: out.buffer },
        workgroups: plan.batch * tilesM * tilesN,
        steps: range[1] - range[0],
      });
    });
    releaseTexture(pa.texture);
    releaseTexture(pb.texture);
    return out;
  }
  const tiled = path === "tiled";
  const blocking = REGISTER_BLOCKING.buffer;
  const tilesM = Math.ceil(plan.m / (tiled ? TILED_BLOCK.tile : blocking.wy * blocking.tm));
  const tilesN = Math.ceil(plan.n / (tiled ? TILED_BLOCK.tile : blocking.wx * 4 * blocking.tnv));
  ranges.forEach((range, i) => {
    const accumulate = i > 0;
    const args = {
      uniforms: matmulUniforms(plan, tilesM, tilesN, range),
      buffers: { a: a.buffer, b: b.buffer, c: out.buffer },
      workgroups: plan.batch * tilesM * tilesN,
      steps: range[1] - range[0],
    };
    if (tiled) dispatch(MATMUL_TILED, { ...args, sizes: { transA, transB, accumulate, brank } });
    else {
      dispatch(registerBlockedProgram("buffer", vec4Store), {
        ...args,
        sizes: { ...blocking, transA, transB, accumulate, brank },
      });
    }
  });
  return out;
}

function readOptions(options: MatmulOptions): Required<MatmulOptions> {
  const { transA = false, transB = false, kernel = "auto" } = options;
  if (typeof transA !== "boolean" || typeof transB !== "boolean") {
    throw new TypeError(
      `Cannot matmul with transA=${String(transA)}, transB=${String(transB)}: ` +
        `expected booleans`,
    );
  }
  if (!KERNELS.includes(kernel)) {
    throw new RangeError(
      `Cannot matmul with kernel "${String(kernel)}": expected one of ${KERNELS.join(", ")}`,
    );
  }
  return { transA, transB, kernel };
}

/**
 * The code path `matmul(a, b, options)` takes on this device, without running
 * it (for tests and benches).
 *
 * @throws {TypeError} as {@link matmul} for shapes that do not fit.
 */
export function matmulPath(
  aShape: readonly number[],
  bShape: readonly number[],
  options: MatmulOptions = {},
): MatmulPath {
  const { transA, transB, kernel } = readOptions(options);
  matmulShape(aShape, bShape, transA, transB);
  const unbound = {} as GPUBuffer; // choose() reads shapes only
  const a = { buffer: unbound, shape: aShape };
  const b = { buffer: unbound, shape: bShape };
  return choose(a, b, transA, transB, kernel).path;
}

/**
 * Matrix product `op(a) · op(b)` over the last two dims, with the batch dims
 * in front broadcast (NumPy `matmul` rules; both inputs need rank ≥ 2).
 * Gradients: dA = dC · op(B)ᵀ and dB = op(A)ᵀ · dC (transposed back where the
 * input was read transposed), summed over the batch dims an input was
 * broadcast along.
 *
 * @example Batched, with B transposed and broadcast
 * ```ts
 * import { initGpu, matmul, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const a = tensor([1, 2, 3, 4], [2, 1, 2]); // two 1×2 matrices
 * const b = tensor([1, 1, 0, 1], [2, 2]); // rows of Bᵀ
 * const c = matmul(a, b, { transB: true });
 * deepStrictEqual(c.shape, [2, 1, 2]);
 * deepStrictEqual(Array.from(await c.toArray()), [3, 2, 7, 4]);
 * ```
 *
 * @throws {TypeError} when a rank is below 2 or above 8, the inner dimensions
 *   differ, the batch dims do not broadcast, a dtype is not f32, or a flag is
 *   not a boolean.
 * @throws {RangeError} for an unknown kernel, or an output beyond the device's
 *   buffer limits.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transA, transB, kernel } = readOptions(options);
  assertDType(a, "f32", "matmul", "first input");
  assertDType(b, "f32", "matmul", "second input");
  assertMaxRank("matmul", a);
  assertMaxRank("matmul", b);
  const shape = matmulShape(a.shape, b.shape, transA, transB);
  const out = recordMatmul(a, b, transA, transB, kernel, shape);
  return recordOp(out, "matmul", [a, b], (g) => {
    const reduce = (full: Tensor, target: Tensor): Tensor => {
      if (sameShape(full.shape, target.shape)) return full;
      const r = sumToShape(full, target.shape);
      full.dispose();
      return r;
    };
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (a.requiresGrad) {
      // dop(A) = dC · op(B)ᵀ; when A is read transposed, dA = op(B) · dCᵀ.
      const full = transA
        ? recordMatmul(b, g, transB, true, kernel)
        : recordMatmul(g, b, false, !transB, kernel);
      da = reduce(full, a);
    }
    if (b.requiresGrad) {
      if (!transA && b.rank === 2 && a.rank > 2) {
        // B was shared by every matrix of A: one product over the folded rows.
        const fa = folded(a);
        const fg = folded(g);
        db = transB
          ? recordMatmul(fg, fa, true, false, kernel, b.shape)
          : recordMatmul(fa, fg, true, false, kernel, b.shape);
      } else {
        // dop(B) = op(A)ᵀ · dC; when B is read transposed, dB = dCᵀ · op(A).
        const full = transB
          ? recordMatmul(g, a, true, transA, kernel)
          : recordMatmul(a, g, !transA, false, kernel);
        db = reduce(full, b);
      }
    }
    return [da, db];
  });
}
