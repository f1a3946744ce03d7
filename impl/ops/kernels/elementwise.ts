/**
 * Elementwise kernels, generated from a WGSL expression per op (the `expr`
 * size: each expression is its own WGSL program).
 *
 * - {@link UNARY_MAP}: `out[i] = f(x[i])` (forward) or `f(x[i], y[i], g[i])`
 *   (backward, y the forward output) with attributes `p.a0`, `p.a1`.
 *   Bindings: `xs` the input, `out`; backward also `ys` the forward output and
 *   `gs` the output gradient. Grid: ceil(n/64) workgroups of 64, tiled.
 * - {@link BINARY_MAP}: `out[i] = f(a[ia], b[ib])` (forward) or `f(a[ia], b[ib], g[i])`
 *   (backward) with NumPy broadcasting; a strided variant (rank ≤ 8) and a
 *   same-shape fast path (the `strided` size). Uniforms {n, rank, shape, strides
 *   of a, b}. Bindings: `lhs` (a), `rhs` (b), `out`; backward also `gs` the
 *   output gradient. Grid as the unary map. {@link BINARY_CONTIGUOUS} is the
 *   same-shape forward without uniforms (the per-op path's common case).
 * - {@link SUM_TO_SHAPE}: reduces a broadcast gradient back to an input's shape by a
 *   sequential sum over the broadcast positions, one invocation per output
 *   and chunk of positions. Bindings: `xs` the broadcast gradient, `out` the
 *   sums (or the chunk partials). Grid: ceil(outputs·chunks/64), tiled.
 *   Accuracy class T3: count − 1 roundings per output.
 *
 * Accuracy: one rounding per arithmetic op (T1) for + − ×; WGSL builtins
 * (exp, log, tanh, division, sin, cos, atan2, pow) carry the WGSL spec's bounds (T2;
 * the ledger's `track` and `trackBuiltins` compose them per expression). The helpers of
 * the pointwise ops (sin/cos argument reduction, acos, ELU's series, pow's special
 * values) are documented at `POINTWISE_HELPERS`.
 *
 * Non-finite values: WGSL lets implementations assume no NaN or infinity is
 * present (§15.7.2), and its `max`/`clamp` return the non-NaN operand. Unary
 * kernels therefore get {@link WGSL_IS_NAN}, a NaN test on the bit pattern
 * (a comparison such as `x != x` may be folded away under that assumption),
 * to propagate NaN deliberately where a builtin would swallow it.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup of every elementwise kernel (one element each). */
export const ELEMENTWISE_WORKGROUP = 64;
const WG = ELEMENTWISE_WORKGROUP;

const DIM = `
fn dim(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
`;

/**
 * WGSL `is_nan(x)`: true for every NaN bit pattern (exponent all ones, mantissa
 * non-zero), tested on the bits so no finite-math assumption can fold it away.
 */
export const WGSL_IS_NAN = `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
`;

/** √(2/π), the GELU tanh approximation's constant, as WGSL. */
const GELU_C = "0.7978845608028654";
/** The argument of tanh in the GELU approximation, as a WGSL expression in `x`. */
export const GELU_INNER = `${GELU_C} * (x + 0.044715 * x * x * x)`;

/** f32(π) and f32(π − f32(π)): the two-part π of the sin/cos argument reduction (exact f32 literals). */
export const PI_HI: number = Math.fround(Math.PI);
/** See {@link PI_HI}. */
export const PI_LO: number = Math.fround(Math.PI - PI_HI);
/** 1/π as a WGSL literal: only picks the multiple of π to remove, so its rounding is harmless. */
const INV_PI = "0.3183098861837907";
/** Below this |x| the ELU kernel uses e^x − 1's Taylor polynomial (exp(x) − 1 would cancel). */
export const ELU_SERIES_ABOVE: number = -0.0625;

/**
 * WGSL helpers for non-finite values and the trigonometric, ELU and power ops:
 *
 * - `nan_f32()`, `inf_f32()`, `is_inf(x)`, `is_finite(x)`: built and tested on bit patterns,
 *   so no finite-math assumption can fold them (WGSL §15.7.2).
 * - `sin_r(x)`, `cos_r(x)`: WGSL's `sin`/`cos` are bounded (2⁻¹¹ absolute) only on [−π, π],
 *   so the argument is reduced first: k = round(x/π), r = (x − k·PI_HI) − k·PI_LO, |r| ≤ π/2
 *   plus rounding, and sin x = (−1)^k sin r, cos x = (−1)^k cos r. k is an integer-valued f32,
 *   its parity read as k/2 ≠ floor(k/2). NaN and ±∞ give NaN (as PyTorch).
 * - `acos_r(x)`, `acos_grad(x, g)`: acos x = 2·atan2(√(1 − x), √(1 + x)), which stays inside
 *   atan2's accuracy domain (both arguments normal) for every |x| < 1, where WGSL's own
 *   `acos` (inherited from atan2(√(1 − x²), x)) has no bound at x = 0 and cancels near ±1.
 *   ±1 give 0 and π exactly, |x| > 1 and NaN give NaN; the gradient −g/√((1 − x)(1 + x))
 *   is −g·∞ at ±1 (PyTorch's value, NaN for g = 0) and NaN outside [−1, 1].
 * - `elu_neg(x)`: e^x − 1 for x ≤ 0, by its degree-5 Taylor polynomial above
 *   {@link ELU_SERIES_ABOVE} (truncation below 2⁻²⁹ relative) and exp(x) − 1 below.
 * - `pow_s(x, q)`, `pow_grad(x, q)`: x^q by WGSL's `pow` on |x| (inherited from
 *   exp2(q·log2|x|)), with the sign of an odd integer q for x < 0, NaN for x < 0 and a
 *   non-integer q, x^0 = 1 (NaN included) and exact 0, 1 or ∞ at x = 0 and x = ±∞, where
 *   WGSL's `pow` has no bound; q is an integer when floor(q) = q. The gradient is
 *   q·x^(q − 1), 0 for q = 0 (PyTorch masks it), NaN for x < 0 and a non-integer q.
 */
const POINTWISE_HELPERS = `
fn nan_f32() -> f32 { return bitcast<f32>(0x7fc00000u); }
fn inf_f32() -> f32 { return bitcast<f32>(0x7f800000u); }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
const PI_HI: f32 = ${PI_HI};
const PI_LO: f32 = ${PI_LO};
fn reduce_pi(x: f32) -> vec2f {
  let k = round(x * ${INV_PI});
  let r = (x - k * PI_HI) - k * PI_LO;
  let odd = k * 0.5 != floor(k * 0.5);
  return vec2f(r, select(1.0, -1.0, odd));
}
fn sin_r(x: f32) -> f32 {
  if (!is_finite(x)) { return nan_f32(); }
  let q = reduce_pi(x);
  return q.y * sin(q.x);
}
fn cos_r(x: f32) -> f32 {
  if (!is_finite(x)) { return nan_f32(); }
  let q = reduce_pi(x);
  return q.y * cos(q.x);
}
fn acos_r(x: f32) -> f32 {
  if (is_nan(x) || abs(x) > 1.0) { return nan_f32(); }
  if (x == 1.0) { return 0.0; }
  if (x == -1.0) { return PI_HI; }
  return 2.0 * atan2(sqrt(1.0 - x), sqrt(1.0 + x));
}
fn acos_grad(x: f32, g: f32) -> f32 {
  if (is_nan(x) || abs(x) > 1.0) { return nan_f32(); }
  if (abs(x) == 1.0) { return -g * inf_f32(); }
  return -g / sqrt((1.0 - x) * (1.0 + x));
}
fn elu_neg(x: f32) -> f32 {
  if (x > ${ELU_SERIES_ABOVE}) {
    return x * (1.0 + x * (0.5 + x * (${1 / 6} + x * (${1 / 24} + x * ${1 / 120}))));
  }
  return exp(x) - 1.0;
}
fn pow_s(x: f32, q: f32) -> f32 {
  if (q == 0.0) { return 1.0; }
  if (is_nan(x)) { return x; }
  let q_int = floor(q) == q;
  if (x < 0.0 && !q_int) { return nan_f32(); }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) {
    r = select(0.0, inf_f32(), q < 0.0);
  } else if (is_inf(ax)) {
    r = select(inf_f32(), 0.0, q < 0.0);
  } else {
    r = pow(ax, q);
  }
  let odd = q_int && q * 0.5 != floor(q * 0.5);
  return select(r, -r, x < 0.0 && odd);
}
fn pow_grad(x: f32, q: f32) -> f32 {
  if (q == 0.0) { return 0.0; }
  if (x < 0.0 && floor(q) != q) { return nan_f32(); }
  return q * pow_s(x, q - 1.0);
}
`;

/** Helper functions the unary expressions may call: `softplus(x)` and `gelu_grad(x)`. */
const UNARY_HELPERS = `
fn softplus(x: f32) -> f32 {
  let e = exp(-abs(x));
  var l: f32;
  if (e < 0.000244140625) { l = e - 0.5 * e * e; } else { l = log(1.0 + e); }
  return max(x, 0.0) + l;
}
fn gelu_grad(x: f32) -> f32 {
  let u = clamp(${GELU_INNER}, -15.0, 15.0);
  let t = tanh(u);
  let du = ${GELU_C} * (1.0 + 3.0 * 0.044715 * x * x);
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
}
`;

/**
 * Every helper a unary expression may call (`softplus`, `gelu_grad`, `is_nan` and the
 * pointwise helpers): the unary map's and the fused elementwise program's.
 */
export const UNARY_EXPRESSION_HELPERS: string = UNARY_HELPERS + WGSL_IS_NAN + POINTWISE_HELPERS;

/** Compile-time sizes of the unary map: the op's WGSL expression. */
export interface UnaryMapSizes extends Record<string, string> {
  /** `f(x)` forward, `f(x, y, g)` backward; may use `p.a0`, `p.a1` and the helpers. */
  expr: string;
}

function unaryMapProgram(withGrad: boolean): Program<UnaryMapSizes> {
  return defineProgram<UnaryMapSizes>({
    name: withGrad ? "unary_map_backward" : "unary_map",
    workgroupSize: WG,
    uniforms: { n: "u32", a0: "f32", a1: "f32" },
    bindings: withGrad
      ? {
        xs: { access: "read" },
        ys: { access: "read" },
        gs: { access: "read" },
        out: { access: "read_write" },
      }
      : { xs: { access: "read" }, out: { access: "read_write" } },
    helpers: () => UNARY_EXPRESSION_HELPERS,
    main: (s) =>
      `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  let x = xs[i];
  ${withGrad ? "let y = ys[i];\n  let g = gs[i];" : "let y = 0.0; let g = 0.0;"}
  out[i] = ${s.expr};`,
  });
}

/** `y = f(x)` (forward) and its gradient form (backward), by the `expr` size. */
export const UNARY_MAP: Readonly<Record<"forward" | "backward", Program<UnaryMapSizes>>> = {
  forward: unaryMapProgram(false),
  backward: unaryMapProgram(true),
};

/** Compile-time sizes of the binary map. */
export interface BinaryMapSizes extends Record<string, string | boolean> {
  /** `f(a, b)` forward, `f(a, b, g)` backward. */
  expr: string;
  /** False when every operand has out's shape (no index walk). */
  strided: boolean;
}

function binaryMapProgram(withGrad: boolean): Program<BinaryMapSizes> {
  const index = (strided: boolean) =>
    strided
      ? `var ia = 0u; var ib = 0u; var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.shape, du);
    let c = rem % size;
    rem = rem / size;
    ia += c * dim(p.sa, du);
    ib += c * dim(p.sb, du);
  }`
      : "let ia = i; let ib = i;";
  return defineProgram<BinaryMapSizes>({
    name: withGrad ? "binary_map_backward" : "binary_map",
    workgroupSize: WG,
    uniforms: {
      n: "u32",
      rank: "u32",
      shape: "array<vec4u, 2>",
      sa: "array<vec4u, 2>",
      sb: "array<vec4u, 2>",
    },
    bindings: withGrad
      ? {
        lhs: { access: "read" },
        rhs: { access: "read" },
        gs: { access: "read" },
        out: { access: "read_write" },
      }
      : { lhs: { access: "read" }, rhs: { access: "read" }, out: { access: "read_write" } },
    helpers: () => DIM + WGSL_IS_NAN,
    main: (s) =>
      `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  ${index(s.strided)}
  let a = lhs[ia];
  let b = rhs[ib];
  ${withGrad ? "let g = gs[i];" : ""}
  out[i] = ${s.expr};`,
  });
}

/**
 * The same-shape forward of {@link BINARY_MAP} without uniforms: the element
 * count is the output binding's length (the runtime binds a tensor's buffer
 * with its logical size), so a dispatch binds three storage buffers and nothing
 * else. On llvmpipe's GL path a uniform binding costs about as much per
 * dispatch as a 64-element add itself.
 */
export const BINARY_CONTIGUOUS: Program<{ expr: string }> = defineProgram<{ expr: string }>({
  name: "binary_contiguous",
  workgroupSize: WG,
  bindings: { lhs: { access: "read" }, rhs: { access: "read" }, out: { access: "read_write" } },
  helpers: () => WGSL_IS_NAN,
  main: (s) =>
    `let i = wg * ${WG}u + lid;
  if (i >= arrayLength(&out)) { return; }
  let a = lhs[i];
  let b = rhs[i];
  out[i] = ${s.expr};`,
});

/** `out = f(a, b)` (forward) and `f(a, b, g)` (backward) with broadcasting. */
export const BINARY_MAP: Readonly<Record<"forward" | "backward", Program<BinaryMapSizes>>> = {
  forward: binaryMapProgram(false),
  backward: binaryMapProgram(true),
};

/** Compile-time sizes of {@link SUM_TO_SHAPE}: they only bound its loops. */
export interface SumToShapeSizes extends Record<string, number> {
  /** Rank of the broadcast shape. */
  rank: number;
  /** Number of reduced dimensions. */
  rrank: number;
}

/**
 * Sums `x` (of the broadcast shape) down to a target shape. For output `j`,
 * `base` gives x's offset of the kept coordinates; the loop walks chunk `c`
 * of the `count` reduced positions. The host picks the chunk so one
 * invocation's loops fit the budget (`steps` = positions per chunk).
 */
export const SUM_TO_SHAPE: Program<SumToShapeSizes> = defineProgram<SumToShapeSizes>({
  name: "sum_to_shape",
  workgroupSize: WG,
  uniforms: {
    n: "u32",
    rank: "u32",
    count: "u32",
    rrank: "u32",
    chunks: "u32",
    chunk: "u32",
    tshape: "array<vec4u, 2>",
    tstride_x: "array<vec4u, 2>",
    rshape: "array<vec4u, 2>",
    rstride_x: "array<vec4u, 2>",
  },
  bindings: { xs: { access: "read" }, out: { access: "read_write" } },
  helpers: () => DIM,
  main: () =>
    `let idx = wg * ${WG}u + lid;
  if (idx >= p.n * p.chunks) { return; }
  let j = idx / p.chunks;
  let c = idx % p.chunks;
  var base = 0u;
  var rem = j;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.tshape, du);
    base += (rem % size) * dim(p.tstride_x, du);
    rem = rem / size;
  }
  var acc = 0.0;
  let r1 = min(p.count, (c + 1u) * p.chunk);
  for (var r = c * p.chunk; r < r1; r++) {
    var off = base;
    var rr = r;
    for (var d = i32(p.rrank) - 1; d >= 0; d--) {
      let du = u32(d);
      let size = dim(p.rshape, du);
      off += (rr % size) * dim(p.rstride_x, du);
      rr = rr / size;
    }
    acc += xs[off];
  }
  out[idx] = acc;`,
  // The adapter's loop budget counts every evaluation of a loop header, the
  // exiting one too: the rank decode costs rank + 1, the position loop
  // steps + 1, and each position's decode over the reduced dimensions rrank + 1.
  loopIterations: (s, steps) => s.rank + 2 + steps * (2 + s.rrank),
});
