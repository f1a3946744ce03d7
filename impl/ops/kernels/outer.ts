/**
 * outer and its gradients, for a batch of vectors with broadcast batch dims.
 * Vector `bi` of a starts at element `ia(bi)`, of b at `ib(bi)`, where the
 * uniform's `sa`, `sb` give per batch dim the element step (0 where broadcast).
 *
 * - `forward`: `out[bi, i, j] = a[ia + i] · b[ib + j]`; one invocation per
 *   output element. Accuracy: one rounded product (T1, relative error ≤ u).
 * - `grad_a`: `out[bi, i] = Σ_j g[bi, i, j] · b[ib + j]`, summed in order of j.
 * - `grad_b`: `out[bi, j] = Σ_i g[bi, i, j] · a[ia + i]`, summed in order of i.
 *   Accuracy of both: class T3, a dot product of length n (resp. m),
 *   |err| ≤ γ_n · Σ|g|·|b|.
 *
 * The gradients sum over [r_begin, r_end) of their reduced index: the host
 * splits long sums so no invocation loops past the adapter's loop budget, and
 * the kernels of every chunk after the first add to `out` (one more rounding
 * per chunk; each product still meets at most n roundings).
 *
 * Bindings: 0 uniform {total, m, n, brank, r_begin, r_end, bshape, sa, sb}; forward: 1 a,
 * 2 b, 3 out; grad_a: 1 g, 2 b, 3 out; grad_b: 1 g, 2 a, 3 out.
 * Grid: ⌈total / 64⌉ workgroups of 64, linear, tiled past 65,535, where
 * total counts the elements of out.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../gpu/grid.ts";

/** Invocations per workgroup. */
export const OUTER_WORKGROUP = 64;

/** Which outer kernel. */
export type OuterMode = "forward" | "grad_a" | "grad_b";

const BODY: Record<OuterMode, { bindings: string; index: string; body: string }> = {
  forward: {
    bindings: `@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;`,
    index: "let j = e % p.n;\n  let i = (e / p.n) % p.m;\n  let bi = e / (p.n * p.m);",
    body: "out[e] = a[offs.x + i] * b[offs.y + j];",
  },
  grad_a: {
    bindings: `@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;`,
    index: "let i = e % p.m;\n  let bi = e / p.m;",
    body: `let row = (bi * p.m + i) * p.n;
  var acc = 0.0;
  for (var j = p.r_begin; j < p.r_end; j++) { acc = fma(g[row + j], b[offs.y + j], acc); }
  STORE`,
  },
  grad_b: {
    bindings: `@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;`,
    index: "let j = e % p.n;\n  let bi = e / p.n;",
    body: `let base = bi * p.m * p.n + j;
  var acc = 0.0;
  for (var i = p.r_begin; i < p.r_end; i++) { acc = fma(g[base + i * p.n], a[offs.x + i], acc); }
  STORE`,
  },
};

/**
 * Worst-case loop-header evaluations of one invocation: the batch loop, and
 * for the gradients the sum over `len` values of the reduced index.
 */
export function outerLoopIterations(mode: OuterMode, len: number, brank: number): number {
  return brank + 1 + (mode === "forward" ? 0 : len + 1);
}

/** WGSL of one outer kernel; `accumulate` (gradients) adds to `out` instead of storing. */
export function outerWgsl(mode: OuterMode, accumulate = false): string {
  const k = BODY[mode];
  const body = k.body.replace("STORE", accumulate ? "out[e] = out[e] + acc;" : "out[e] = acc;");
  return `
struct Params {
  total: u32, m: u32, n: u32, brank: u32,
  r_begin: u32, r_end: u32, pad0: u32, pad1: u32,
  bshape: array<vec4u, 2>,
  sa: array<vec4u, 2>,
  sb: array<vec4u, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;
${k.bindings}
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${WGSL_LINEAR_WORKGROUP}
fn dim(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }

// Element offsets of a's and b's vector for batch index bi.
fn vector_offsets(bi: u32) -> vec2u {
  var off = vec2u(0u, 0u);
  var rem = bi;
  for (var d = i32(p.brank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.bshape, du);
    let c = rem % size;
    rem = rem / size;
    off += c * vec2u(dim(p.sa, du), dim(p.sb, du));
  }
  return off;
}

@compute @workgroup_size(${OUTER_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let e = linear_workgroup(wid, nwg) * ${OUTER_WORKGROUP}u + lid;
  if (e >= p.total) { return; }
  ${k.index}
  let offs = vector_offsets(bi);
  ${body}
}
`;
}
