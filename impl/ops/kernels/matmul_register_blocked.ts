/**
 * matmul, register-blocked family (for fallback adapters such as llvmpipe): no
 * workgroup memory and no barriers. Each invocation keeps a TM × 4·TNV block
 * of C in vec4 registers (TM rows, TNV vec4 column groups) and walks K in
 * steps of 4.
 *
 * Two operand paths, one generator:
 *
 * - `texture`: A and B were copied, or packed by `matmul_transpose.ts`, into
 *   rgba32f texture arrays (A: texel (k/4, m) of layer la; B: texel (n/4, k)
 *   of layer lb), zero-padded to whole texels along K and N. llvmpipe fetches
 *   texels with vectorised gathers, while every storage-buffer load becomes a
 *   per-lane loop with a bounds check per component: at 1024³ this path runs
 *   at about 30 GFLOP/s against 7 for the buffer path (bench/matmul_bench.ts).
 * - `buffer`: A and B are read straight from the storage buffers with their
 *   own strides (transposes included); used when the operands exceed the
 *   device's texture limits (e.g. more than 256 matrices in a batch).
 *
 * Uniforms {@link MATMUL_UNIFORMS}. Bindings: `texture`: `ta`, `tb` (A and B,
 * texture_2d_array<f32>), `c`; `buffer`: `a`, `b` (read), `c`. One program per
 * operand path and store width ({@link registerBlockedProgram}); the
 * transposes, the blocking and `accumulate` are sizes.
 * Grid: batch · tiles_m · tiles_n workgroups (tiles_m = ⌈M / (WY·TM)⌉,
 * tiles_n = ⌈N / (WX·4·TNV)⌉), linear and tiled past 65,535 per dimension;
 * workgroup (WX, WY); one workgroup covers WY·TM rows and WX·4·TNV columns.
 *
 * Edges: load coordinates are clamped (every load is in bounds and no lane
 * diverges), stores are masked. The buffer path walks K in steps of 4 with a
 * scalar tail; the texture path reads zero padding past K, and 0 · 0 adds an
 * exact zero.
 *
 * Accuracy: class T3. Each output is a dot product of length K: K products
 * and K additions (fused or not) in a fixed order, so
 * |c − Σ a·b| ≤ γ_K · Σ|a|·|b| with γ_K = K·u / (1 − K·u).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Where the register-blocked kernel reads its operands from. */
export type MatmulOperands = "texture" | "buffer";

/** Compile-time sizes of a register-blocked program. */
export interface RegisterBlockedSizes extends Record<string, number | boolean> {
  /** A is stored [K, M] (buffer path only; the texture path packs transposes away). */
  transA: boolean;
  /** B is stored [N, K] (buffer path only). */
  transB: boolean;
  /** Rows of C per invocation. */
  tm: number;
  /** vec4 column groups of C per invocation. */
  tnv: number;
  /** Workgroup size in x (invocations along columns). */
  wx: number;
  /** Workgroup size in y (invocations along rows). */
  wy: number;
  /** Add the partial sums to C (every K chunk after the first) instead of storing them. */
  accumulate: boolean;
  /** Batch dims of the output (bounds the batch loop; not in the WGSL). */
  brank: number;
}

/**
 * Blockings tuned on llvmpipe (2 threads, 256-bit vectors) at 1024³, kernel
 * alone. Texture operands, outputs per invocation (rows × columns) in GFLOP/s
 * (wall clock, machine partly loaded): 8×4 12, 8×8 18, 16×8 22, 16×16 26; by
 * CPU time 16×16 reaches 31–34 in 8×1, 8×8 and 16×1 workgroups alike; 24×16,
 * 32×16 and 16×32 were slower (spills). Loads dominate on llvmpipe, so larger
 * blocks win until spills take over. Storage-buffer operands: 8×4 in 8×8.
 */
export const REGISTER_BLOCKING = {
  texture: { tm: 16, tnv: 4, wx: 8, wy: 1 },
  buffer: { tm: 8, tnv: 1, wx: 8, wy: 8 },
} as const;

/**
 * The uniforms shared by every matmul kernel. The output has `brank` batch
 * dims (collapsed where contiguous) of sizes `bshape`; `sa` and `sb` hold, per
 * batch dim, the step of A's and B's matrix index (0 where broadcast). C is
 * dense: matrix `bi` starts at element `bi · M · N`.
 *
 * One dispatch sums the products over k in [k_begin, k_end), k_begin a
 * multiple of 16: the host splits K so that no invocation loops past the
 * adapter's loop budget, and the kernels of every chunk after the first add
 * their partial sums to C (one more rounding per chunk, within the same γ_K
 * bound: each product still meets at most K roundings).
 */
export const MATMUL_UNIFORMS = {
  m: "u32",
  n: "u32",
  k: "u32",
  workgroups: "u32",
  tiles_m: "u32",
  tiles_n: "u32",
  brank: "u32",
  k_begin: "u32",
  k_end: "u32",
  bshape: "array<vec4u, 2>",
  sa: "array<vec4u, 2>",
  sb: "array<vec4u, 2>",
} as const;

/** WGSL helpers shared by every matmul kernel: `dim` and `batch_matrices`. */
export const MATMUL_HELPERS = `
fn dim(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }

// Matrix indices of A and B for output matrix bi.
fn batch_matrices(bi: u32) -> vec2u {
  var idx = vec2u(0u, 0u);
  var rem = bi;
  for (var d = i32(p.brank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.bshape, du);
    let i = rem % size;
    rem = rem / size;
    idx += i * vec2u(dim(p.sa, du), dim(p.sb, du));
  }
  return idx;
}
`;

const range = (n: number) => [...Array(n).keys()];

/**
 * Worst-case loop-header evaluations of one invocation of a register-blocked
 * kernel summing `len` values of k, with `brank` batch dims: the batch loop,
 * the K loop in steps of 4 and (buffer path) the scalar tail.
 */
export function registerBlockedLoopIterations(
  operands: MatmulOperands,
  len: number,
  brank: number,
): number {
  const batch = brank + 1;
  return operands === "texture"
    ? batch + Math.ceil(len / 4) + 1
    : batch + Math.floor(len / 4) + 1 + (len % 4) + 1;
}

/** The body of `main` of one register-blocked variant. */
function registerBlockedMain(
  operands: MatmulOperands,
  vec4Store: boolean,
  cfg: RegisterBlockedSizes,
): string {
  const { transA, transB, tm, tnv, wx, wy } = cfg;
  const tex = operands === "texture";
  const tn = 4 * tnv;
  const rows = range(tm);
  const vecs = range(tnv);
  const lines: string[] = [];
  const emit = (s: string) => lines.push(`  ${s}`);
  // acc_i_v += a_i[q] · b_q_v for q = 0..3, as one fma chain per accumulator.
  const fmaBlock = (aVec: (i: number) => string, qs: number[]) => {
    for (const i of rows) {
      emit(`  let a${i} = ${aVec(i)};`);
      for (const v of vecs) {
        let e = `acc${i}_${v}`;
        for (const q of qs) e = `fma(vec4f(a${i}[${q}]), b${q}_${v}, ${e})`;
        emit(`  acc${i}_${v} = ${e};`);
      }
    }
  };
  for (const i of rows) for (const v of vecs) emit(`var acc${i}_${v} = vec4f(0.0);`);
  if (tex) {
    // Texel coordinates: A rows, B vec4 columns; clamped, so every fetch is in bounds.
    emit(`let kv = (p.k_end + 3u) / 4u;`);
    emit(`let nv = (p.n + 3u) / 4u;`);
    for (const i of rows) emit(`let ra${i} = min(row0 + ${i}u, p.m - 1u);`);
    for (const v of vecs) emit(`let cb${v} = min(col0 / 4u + ${v}u, nv - 1u);`);
    emit(`for (var k = p.k_begin / 4u; k < kv; k++) {`);
    for (const q of [0, 1, 2, 3]) {
      for (const v of vecs) {
        emit(`  let b${q}_${v} = textureLoad(tb, vec2u(cb${v}, 4u * k + ${q}u), mats.y, 0);`);
      }
    }
    fmaBlock((i) => `textureLoad(ta, vec2u(k, ra${i}), mats.x, 0)`, [0, 1, 2, 3]);
    emit(`}`);
  } else {
    const cols = range(tn);
    // Element offsets of A(r_i, k) and B(k, c_j): a per-row/column base plus a k term.
    const aAt = (i: number, k: string) => transA ? `a[ar${i} + (${k}) * p.m]` : `a[ar${i} + ${k}]`;
    const bAt = (j: number, k: string) => transB ? `b[bc${j} + ${k}]` : `b[bc${j} + (${k}) * p.n]`;
    const bVec = (v: number, k: string) =>
      `vec4f(${[0, 1, 2, 3].map((q) => bAt(4 * v + q, k)).join(", ")})`;
    emit(`let a_off = mats.x * p.m * p.k;`);
    emit(`let b_off = mats.y * p.k * p.n;`);
    for (const i of rows) {
      const r = `min(row0 + ${i}u, p.m - 1u)`;
      emit(`let ar${i} = a_off + ${transA ? r : `${r} * p.k`};`);
    }
    for (const j of cols) {
      const c = `min(col0 + ${j}u, p.n - 1u)`;
      emit(`let bc${j} = b_off + ${transB ? `${c} * p.k` : c};`);
    }
    emit(`let k4 = p.k_begin + ((p.k_end - p.k_begin) & ~3u);`);
    emit(`for (var k = p.k_begin; k < k4; k += 4u) {`);
    for (const q of [0, 1, 2, 3]) {
      for (const v of vecs) emit(`  let b${q}_${v} = ${bVec(v, `k + ${q}u`)};`);
    }
    fmaBlock((i) => `vec4f(${[0, 1, 2, 3].map((q) => aAt(i, `k + ${q}u`)).join(", ")})`, [
      0,
      1,
      2,
      3,
    ]);
    emit(`}`);
    emit(`for (var k = k4; k < p.k_end; k++) {`);
    for (const v of vecs) emit(`  let b0_${v} = ${bVec(v, "k")};`);
    fmaBlock((i) => `vec4f(${aAt(i, "k")})`, [0]);
    emit(`}`);
  }
  emit(`let c_off = bi * p.m * p.n;`);
  const store = (at: string, value: string) =>
    cfg.accumulate ? `${at} = ${at} + ${value};` : `${at} = ${value};`;
  for (const i of rows) {
    emit(`if (row0 + ${i}u < p.m) {`);
    emit(`  let o = c_off + (row0 + ${i}u) * p.n + col0;`);
    if (vec4Store) {
      for (const v of vecs) {
        emit(`  if (col0 + ${4 * v}u < p.n) { ${store(`c[o / 4u + ${v}u]`, `acc${i}_${v}`)} }`);
      }
    } else {
      for (const j of range(tn)) {
        const value = `acc${i}_${j >> 2}[${j & 3}]`;
        emit(`  if (col0 + ${j}u < p.n) { ${store(`c[o + ${j}u]`, value)} }`);
      }
    }
    emit(`}`);
  }
  return `let w = wg;
  if (w >= p.workgroups) { return; }
  let per = p.tiles_m * p.tiles_n;
  let bi = w / per;
  let t = w - bi * per;
  let tr = t / p.tiles_n;
  let tc = t - tr * p.tiles_n;
  let mats = batch_matrices(bi);
  let row0 = (tr * ${wy}u + lid3.y) * ${tm}u;
  let col0 = (tc * ${wx}u + lid3.x) * ${tn}u;
${lines.join("\n")}`;
}

const registerPrograms = new Map<string, Program<RegisterBlockedSizes>>();

/**
 * The register-blocked program reading operands from `operands`, storing C as
 * vec4s when `vec4Store` (bound as array<vec4f>; requires N % 4 == 0) or as
 * scalars; cached.
 */
export function registerBlockedProgram(
  operands: MatmulOperands,
  vec4Store: boolean,
): Program<RegisterBlockedSizes> {
  const key = `${operands} ${vec4Store}`;
  let program = registerPrograms.get(key);
  if (program === undefined) {
    const tex = operands === "texture";
    const c = { access: "read_write", type: vec4Store ? "vec4f" : "f32" } as const;
    program = defineProgram<RegisterBlockedSizes>({
      name: `matmul_register_${operands}`,
      workgroupSize: (s) => [s.wx, s.wy, 1],
      uniforms: MATMUL_UNIFORMS,
      bindings: tex
        ? {
          ta: { access: "read", kind: "texture_2d_array" },
          tb: { access: "read", kind: "texture_2d_array" },
          c,
        }
        : { a: { access: "read" }, b: { access: "read" }, c },
      helpers: () => MATMUL_HELPERS,
      main: (s) => registerBlockedMain(operands, vec4Store, s),
      loopIterations: (s, steps) => registerBlockedLoopIterations(operands, steps, s.brank),
    });
    registerPrograms.set(key, program);
  }
  return program;
}
