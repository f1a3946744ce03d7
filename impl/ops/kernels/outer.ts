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
 * The gradients sum over [r_begin, r_end) of their reduced index: the
 * program runner splits long sums so no invocation loops past the adapter's
 * loop budget, and every launch after the first (r_begin > 0) adds to `out`
 * (one more rounding per launch; each product still meets at most n roundings).
 *
 * Bindings: forward: a, b, out; grad_a: g (as a), b, out; grad_b: g (as a),
 * a (as b), out — the first input is `x`, the second `y`.
 * Grid: ⌈total / 64⌉ workgroups of 64, linear, tiled past 65,535, where
 * total counts the elements of out.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup. */
export const OUTER_WORKGROUP = 64;

/** Which outer kernel. */
export type OuterMode = "forward" | "grad_a" | "grad_b";

const INDEX: Record<OuterMode, string> = {
  forward: "let j = e % p.n;\n  let i = (e / p.n) % p.m;\n  let bi = e / (p.n * p.m);",
  grad_a: "let i = e % p.m;\n  let bi = e / p.m;",
  grad_b: "let j = e % p.n;\n  let bi = e / p.n;",
};

const BODY: Record<OuterMode, string> = {
  forward: "out[e] = x[offs.x + i] * y[offs.y + j];",
  grad_a: `let row = (bi * p.m + i) * p.n;
  var acc = 0.0;
  for (var j = p.r_begin; j < p.r_end; j++) { acc = fma(x[row + j], y[offs.y + j], acc); }
  if (p.r_begin == 0u) { out[e] = acc; } else { out[e] = out[e] + acc; }`,
  grad_b: `let base = bi * p.m * p.n + j;
  var acc = 0.0;
  for (var i = p.r_begin; i < p.r_end; i++) { acc = fma(x[base + i * p.n], y[offs.x + i], acc); }
  if (p.r_begin == 0u) { out[e] = acc; } else { out[e] = out[e] + acc; }`,
};

const HELPERS = `
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
`;

/** Compile-time sizes of the outer kernels: the batch rank bounds the offset loop. */
export interface OuterSizes extends Record<string, number> {
  /** Kept batch dims after broadcasting and collapsing (0 when there are none, at most 8). */
  brank: number;
}

function outerProgram(mode: OuterMode): Program<OuterSizes> {
  return defineProgram<OuterSizes>({
    name: `outer_${mode}`,
    workgroupSize: OUTER_WORKGROUP,
    uniforms: {
      total: "u32",
      m: "u32",
      n: "u32",
      brank: "u32",
      r_begin: "u32",
      r_end: "u32",
      bshape: "array<vec4u, 2>",
      sa: "array<vec4u, 2>",
      sb: "array<vec4u, 2>",
    },
    bindings: { x: { access: "read" }, y: { access: "read" }, out: { access: "read_write" } },
    helpers: () => HELPERS,
    main: () =>
      `let e = wg * ${OUTER_WORKGROUP}u + lid;
  if (e >= p.total) { return; }
  ${INDEX[mode]}
  let offs = vector_offsets(bi);
  ${BODY[mode]}`,
    // The batch loop, and for the gradients the sum over `steps` values of the reduced index.
    loopIterations: (s, steps) => s.brank + 1 + (mode === "forward" ? 0 : steps + 1),
    split: mode === "forward" ? undefined : { begin: "r_begin", end: "r_end" },
  });
}

/** The three outer programs, by mode. */
export const OUTER_PROGRAMS: Readonly<Record<OuterMode, Program<OuterSizes>>> = {
  forward: outerProgram("forward"),
  grad_a: outerProgram("grad_a"),
  grad_b: outerProgram("grad_b"),
};
