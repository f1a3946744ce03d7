/**
 * matmul, workgroup-memory tiled family (for real GPUs): a workgroup of 16×16
 * invocations computes a 64×64 block of C. Per step of 16 along K it stages
 * a 64×16 tile of A and a 16×64 tile of B in workgroup memory, synchronises,
 * and each invocation accumulates its 4×4 outputs in vec4 registers.
 *
 * Edges: only elements inside A and B are staged and the product loop stops
 * at K, so the tiles' stale entries past M or N reach only accumulators of
 * rows or columns outside C, which are never stored; invocations whose whole
 * block lies outside C skip the products.
 *
 * Transposed operands are read with their own strides while staging; the
 * staging order follows the contiguous dimension so neighbouring invocations
 * read neighbouring addresses.
 *
 * Uniforms: the shared matmul uniforms (MATMUL_UNIFORMS of
 * `matmul_register_blocked.ts`). Bindings: `a`, `b` (read), `c` (read_write).
 * Sizes: the transposes, `accumulate` and `brank` ({@link TiledSizes}).
 * Grid: batch · ⌈M/64⌉ · ⌈N/64⌉ workgroups of (16, 16), linear, tiled past
 * 65,535 per dimension.
 *
 * K range: one dispatch sums k in [k_begin, k_end) (see MATMUL_UNIFORMS).
 *
 * Accuracy: class T3, a dot product of length K accumulated in order with
 * fma: |c − Σ a·b| ≤ γ_K · Σ|a|·|b|.
 *
 * On llvmpipe this family is slow: every workgroup-memory access is a per-lane
 * loop and every barrier suspends and resumes each SIMD group, about 0.5 ms
 * per workgroup even for a 1×1 product. It runs there only on request.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";
import { MATMUL_HELPERS, MATMUL_UNIFORMS } from "./matmul_register_blocked.ts";

/** Rows and columns of C per workgroup, and the K step. */
export const TILED_BLOCK = { tile: 64, bk: 16, wg: 16 } as const;

/**
 * Worst-case loop-header evaluations of one invocation summing `len` values of
 * k with `brank` batch dims: per step of 16, the step loop, the staging loop
 * and the product loop; then the store loops.
 */
export function tiledLoopIterations(len: number, brank: number): number {
  const { tile, bk, wg } = TILED_BLOCK;
  const steps = Math.ceil(len / bk);
  const staging = (tile * bk) / (wg * wg) + 1;
  const stores = 5 + 4 * 5;
  return brank + 1 + (steps + 1) + steps * (staging + bk + 1) + stores;
}

/** Compile-time sizes of the tiled program. */
export interface TiledSizes extends Record<string, number | boolean> {
  /** A is stored [K, M]. */
  transA: boolean;
  /** B is stored [N, K]. */
  transB: boolean;
  /** Add the partial sums to C (K chunks after the first) instead of storing them. */
  accumulate: boolean;
  /** Batch dims of the output (bounds the batch loop; not in the WGSL). */
  brank: number;
}

/** The body of `main` of the tiled kernel for one operand layout. */
function tiledMain(s: TiledSizes): string {
  const { transA, transB, accumulate } = s;
  const { tile, bk, wg } = TILED_BLOCK;
  const per = (tile * bk) / (wg * wg);
  // Tile coordinates of staging element e, fastest along the stored contiguous dim.
  const aCoord = transA
    ? `let mm = e % ${tile}u; let kk = e / ${tile}u;`
    : `let kk = e % ${bk}u; let mm = e / ${bk}u;`;
  const bCoord = transB
    ? `let kk = e % ${bk}u; let nn = e / ${bk}u;`
    : `let nn = e % ${tile}u; let kk = e / ${tile}u;`;
  const aIdx = transA ? "kg * p.m + r" : "r * p.k + kg";
  const bIdx = transB ? "cg * p.k + kg" : "kg * p.n + cg";
  const at = "c[c_off + (r0 + i) * p.n + c0 + j]";
  const store = accumulate ? `${at} = ${at} + accs[i][j];` : `${at} = accs[i][j];`;
  return `let w = wg;
  if (w >= p.workgroups) { return; }
  let per = p.tiles_m * p.tiles_n;
  let bi = w / per;
  let t = w - bi * per;
  let tr = t / p.tiles_n;
  let tc = t - tr * p.tiles_n;
  let mats = batch_matrices(bi);
  let a_off = mats.x * p.m * p.k;
  let b_off = mats.y * p.k * p.n;
  let row0 = tr * ${tile}u;
  let col0 = tc * ${tile}u;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  let r0 = row0 + lid3.y * 4u;
  let c0 = col0 + lid3.x * 4u;
  for (var k0 = p.k_begin; k0 < p.k_end; k0 += ${bk}u) {
    for (var j = 0u; j < ${per}u; j++) {
      let e = lid + ${wg * wg}u * j;
      {
        ${aCoord}
        let r = row0 + mm;
        let kg = k0 + kk;
        if (r < p.m && kg < p.k_end) { tile_a[kk * ${tile}u + mm] = a[a_off + ${aIdx}]; }
      }
      {
        ${bCoord}
        let cg = col0 + nn;
        let kg = k0 + kk;
        if (cg < p.n && kg < p.k_end) { tile_b[kk * ${tile}u + nn] = b[b_off + ${bIdx}]; }
      }
    }
    workgroupBarrier();
    // Invocations whose block lies wholly outside C skip the products.
    let kn = select(0u, min(${bk}u, p.k_end - k0), r0 < p.m && c0 < p.n);
    for (var kk = 0u; kk < kn; kk++) {
      let ia = kk * ${tile}u + lid3.y * 4u;
      let ib = kk * ${tile}u + lid3.x * 4u;
      let av = vec4f(tile_a[ia], tile_a[ia + 1u], tile_a[ia + 2u], tile_a[ia + 3u]);
      let bv = vec4f(tile_b[ib], tile_b[ib + 1u], tile_b[ib + 2u], tile_b[ib + 3u]);
      acc0 = fma(vec4f(av.x), bv, acc0);
      acc1 = fma(vec4f(av.y), bv, acc1);
      acc2 = fma(vec4f(av.z), bv, acc2);
      acc3 = fma(vec4f(av.w), bv, acc3);
    }
    workgroupBarrier();
  }
  let c_off = bi * p.m * p.n;
  var accs = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    if (r0 + i < p.m) {
      for (var j = 0u; j < 4u; j++) {
        if (c0 + j < p.n) { ${store} }
      }
    }
  }`;
}

/** The tiled matmul program (sizes: the operand layout and `accumulate`). */
export const MATMUL_TILED: Program<TiledSizes> = defineProgram<TiledSizes>({
  name: "matmul_tiled",
  workgroupSize: [TILED_BLOCK.wg, TILED_BLOCK.wg, 1],
  uniforms: MATMUL_UNIFORMS,
  bindings: { a: { access: "read" }, b: { access: "read" }, c: { access: "read_write" } },
  helpers: () =>
    `${MATMUL_HELPERS}
var<workgroup> tile_a: array<f32, ${TILED_BLOCK.tile * TILED_BLOCK.bk}>;
var<workgroup> tile_b: array<f32, ${TILED_BLOCK.tile * TILED_BLOCK.bk}>;
`,
  main: tiledMain,
  loopIterations: (s, steps) => tiledLoopIterations(steps, s.brank),
});
