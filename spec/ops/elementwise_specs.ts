/**
 * Op specs of the elementwise ops: what each is checked against and how closely.
 *
 * Every bound is derived, per element, by running the kernel's own WGSL
 * expression through the ledger's running error analysis (`track` and
 * `trackBuiltins` in invariants/tolerance.ts):
 * WGSL's accuracy rules for builtins (exp (3 + 2|x|) ULP, log 3 ULP or 2⁻²¹
 * absolute on [0.5, 2], inverseSqrt 2 ULP, x / y 2.5 ULP, sqrt and tanh
 * inherited from their defining expressions), one rounding per + − ×, the
 * f32 rounding of literals, and propagation of every operand's error. A
 * gradient's bound starts from the forward output's bound, since the backward
 * kernels read y back. Broadcast gradients add the sequential sum of
 * `sumToShape` (γ_{n−1}, Higham).
 *
 * Input domains are those where WGSL's rules give a bound and nothing
 * overflows: log, sqrt and rsqrt take positive normal inputs; acos takes |x| < 1
 * (2·atan2(√(1 − x), √(1 + x)) keeps both atan2 arguments normal); sin and cos any
 * |x| ≤ 10⁴ (the kernel reduces by k·π, so WGSL's [−π, π] rule applies to the
 * remainder; the bound grows as ~2u|x|); pow takes normal x > 0, and x < 0 for
 * integer exponents, with |p·log2|x|| ≤ 42; maximum and minimum draw from a
 * quarter-step grid too, so ties (split gradients) occur; div takes
 * denominators with |b| ∈ [2⁻²⁰, 2²⁰] (x / y is bounded only for
 * |y| ∈ [2⁻¹²⁶, 2¹²⁶], and b² must stay normal); exp's fuzzed inputs keep
 * |x| ≤ 80 (its edge cases reach 88 and −87, just inside f32's range). Each case
 * draws one of several scales so small, moderate and saturating inputs all
 * occur; gradcheck cases stay at least 0.01 (≫ 10·h) from kinks, by
 * construction.
 *
 * @module
 */
import fc from "fast-check";
import { clamp, type Tensor } from "../../impl/mod.ts";
import { binary, type BinaryOpName } from "../../impl/ops/binary.ts";
import { elu, leakyRelu, powScalar, unary, type UnaryOpName } from "../../impl/ops/unary.ts";
import { ELU_SERIES_ABOVE, PI_HI, PI_LO } from "../../impl/ops/kernels/elementwise.ts";
import { Rng } from "../../impl/gpu/rng.ts";
import {
  F32_MIN_NORMAL,
  sequentialSumError,
  track,
  trackBuiltins,
  type Tracked,
} from "../../invariants/tolerance.ts";
import type { BoundRule, OpAttrs, OpInput, OpSpec } from "../_harness/op_spec.ts";
import { BINARY_ORACLES, cachedBroadcastIndex, UNARY_ORACLES } from "../oracle/elementwise.ts";
import { broadcastShape } from "../oracle/broadcast.ts";
import { BIG_GRID_SIZE, broadcastPairArb, seedArb, shapeArb } from "./_arbitraries.ts";

/**
 * The ledger's running error analysis: arithmetic (`track`) and builtins (`trackBuiltins`,
 * whose `literal` allows WGSL's choice of either neighbouring f32).
 */
const E = { ...track, ...trackBuiltins, exact: track.input };

// --- input values ------------------------------------------------------------

/** How a case's values are drawn (all rounded to f32). */
type Domain =
  /** Uniform in [lo, hi), skipping `margin` around each point of `avoid`. */
  | { kind: "uniform"; lo: number; hi: number; avoid?: number[]; margin?: number }
  /** 2ᵗ with t uniform in [lo, hi): positive, log-uniform. */
  | { kind: "pow2"; lo: number; hi: number }
  /** ±2ᵗ with t uniform in [lo, hi) and a random sign: bounded away from 0. */
  | { kind: "signedPow2"; lo: number; hi: number }
  /** lo + step·j for integers j with lo + step·j < hi: coarse, so two draws often tie. */
  | { kind: "grid"; lo: number; hi: number; step: number };

/** A symmetric uniform domain [−s, s). */
function sym(s: number, avoid?: number[], margin?: number): Domain {
  return { kind: "uniform", lo: -s, hi: s, ...(avoid ? { avoid, margin: margin ?? 0.01 } : {}) };
}

/** The sub-intervals of [lo, hi) left after removing (p − m, p + m) around each point. */
function allowedIntervals(lo: number, hi: number, avoid: number[], m: number): [number, number][] {
  let parts: [number, number][] = [[lo, hi]];
  for (const p of avoid) {
    parts = parts.flatMap(([a, b]): [number, number][] => {
      const out: [number, number][] = [];
      if (p - m > a) out.push([a, Math.min(b, p - m)]);
      if (p + m < b) out.push([Math.max(a, p + m), b]);
      return out;
    });
  }
  return parts.filter(([a, b]) => b > a);
}

/** Seeded f32 values of a domain. */
function domainValues(seed: number, n: number, d: Domain): Float64Array {
  const rng = new Rng(seed >>> 0);
  const out = new Float64Array(n);
  if (d.kind === "uniform") {
    const parts = allowedIntervals(d.lo, d.hi, d.avoid ?? [], d.margin ?? 0);
    const total = parts.reduce((s, [a, b]) => s + b - a, 0);
    for (let i = 0; i < n; i++) {
      let t = rng.uniformIn(0, total);
      let v = parts[parts.length - 1]![1];
      for (const [a, b] of parts) {
        if (t < b - a) {
          v = a + t;
          break;
        }
        t -= b - a;
      }
      out[i] = Math.fround(v);
    }
  } else if (d.kind === "grid") {
    const steps = Math.ceil((d.hi - d.lo) / d.step);
    for (let i = 0; i < n; i++) {
      out[i] = Math.fround(
        d.lo + d.step * Math.min(steps - 1, Math.floor(rng.uniformIn(0, steps))),
      );
    }
  } else {
    for (let i = 0; i < n; i++) {
      const mag = 2 ** rng.uniformIn(d.lo, d.hi);
      const sign = d.kind === "signedPow2" && rng.uniformIn(0, 1) < 0.5 ? -1 : 1;
      out[i] = Math.fround(sign * mag);
    }
  }
  return out;
}

function input(shape: number[], seed: number, d: Domain): OpInput {
  return { shape, values: domainValues(seed, shape.reduce((a, b) => a * b, 1), d) };
}

/** Length of the block the big-grid inputs repeat: prime, so no tile of 64 lines up with it. */
const BIG_BLOCK = 4099;

/**
 * A 1-D input of `n` values repeating one seeded block of {@link BIG_BLOCK}:
 * the grid > 65535 cases exercise tiling, and their bounds then cost one model
 * evaluation per distinct value ({@link elementBounds} reuses a repeat's). The
 * output gradient is not repeated, so a misplaced element still shows.
 */
function bigInput(n: number, seed: number, d: Domain): OpInput {
  const block = domainValues(seed, BIG_BLOCK, d);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i += BIG_BLOCK) {
    values.set(block.subarray(0, Math.min(BIG_BLOCK, n - i)), i);
  }
  return { shape: [n], values };
}

function fixed(values: number[]): OpInput {
  return { shape: [values.length], values: Float64Array.from(values, Math.fround) };
}

// --- unary ops -----------------------------------------------------------------

/** Error model of a unary kernel: its forward and backward expressions, step by step. */
interface UnaryModel {
  /** The forward expression at input x. */
  fwd(x: number, attrs: OpAttrs): Tracked;
  /** The backward expression at x with output gradient g (y read back from the forward). */
  bwd(x: number, g: number, attrs: OpAttrs): Tracked;
}

const ZERO: Tracked = { v: 0, e: 0 };
const one = E.literal(1);
const HALF = E.literal(0.5);

/** `(1.0 / (1.0 + exp(-x)))`, the SIG expression shared by sigmoid, silu and softplus′. */
const sigmoidModel = (x: number) => E.div(one, E.add(one, E.exp(E.neg(E.exact(x)))));
/** `1.0 - y` with y the sigmoid. */
const oneMinusSigmoid = (x: number) => E.sub(one, sigmoidModel(x));

/** √(2/π), 0.044715 and 3·0.044715 (a constant expression), as the GELU kernel's f32 literals. */
const GELU_C = E.literal(Math.sqrt(2 / Math.PI));
const GELU_A = E.literal(0.044715);
const GELU_3A = E.literal(3 * 0.044715);

/** `tanh(clamp(C * (x + 0.044715 * x * x * x), -15.0, 15.0))`; the reference does not clamp. */
const geluTanh = (x: number) => {
  const xa = E.exact(x);
  const inner = E.mul(GELU_C, E.add(xa, E.mul(E.mul(E.mul(GELU_A, xa), xa), xa)));
  return E.tanh(E.clampArg(inner, -15, 15));
};

/** `tanh(clamp(x, -15.0, 15.0))`; the reference does not clamp. */
const tanhModel = (x: number) => E.tanh(E.clampArg(E.exact(x), -15, 15));

/** 2⁻¹²: below it the softplus kernel switches from log(1 + e) to the series e − e²/2. */
const SOFTPLUS_SERIES_BELOW = 2 ** -12;

const softplusModel = (x: number) => {
  const e = E.exp(E.neg(E.exact(Math.abs(x))));
  const log1pE = Math.log1p(e.v);
  const series = () => E.against(E.sub(e, E.mul(E.mul(HALF, e), e)), log1pE);
  const logBranch = () => E.against(E.log(E.add(one, e)), log1pE);
  // The kernel branches on the computed e: bound whichever branches it may take.
  const l = e.v + e.e < SOFTPLUS_SERIES_BELOW
    ? series()
    : e.v - e.e >= SOFTPLUS_SERIES_BELOW
    ? logBranch()
    : E.either(series(), logBranch());
  return E.add(E.max0(E.exact(x)), l);
};

const expModel = (x: number) => E.exp(E.exact(x));
const logModel = (x: number) => E.log(E.exact(x));
const sqrtModel = (x: number) => E.sqrt(E.exact(x));
const rsqrtModel = (x: number) => E.inverseSqrt(E.exact(x));

/** The factors the backward kernels of the form `g * (…)` multiply g by. */
const tanhGradFactor = (x: number) => {
  const y = tanhModel(x);
  return E.sub(one, E.mul(y, y)); // 1.0 - y * y
};
// SIG * (1.0 + x * (1.0 - SIG))
const siluGradFactor = (x: number) =>
  E.mul(sigmoidModel(x), E.add(one, E.mul(E.exact(x), oneMinusSigmoid(x))));
const geluGradFactor = (x: number) => {
  // gelu_grad: 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du,
  // du = C * (1.0 + 3.0 * 0.044715 * x * x)
  const xa = E.exact(x);
  const t = geluTanh(x);
  const du = E.mul(GELU_C, E.add(one, E.mul(E.mul(GELU_3A, xa), xa)));
  const first = E.mul(HALF, E.add(one, t));
  const second = E.mul(E.mul(E.mul(HALF, xa), E.sub(one, E.mul(t, t))), du);
  return E.add(first, second);
};

function attrNum(attrs: OpAttrs, name: string): number {
  const v = attrs[name];
  if (typeof v !== "number") throw new TypeError(`Expected a numeric attribute "${name}"`);
  return v;
}

const times = (g: number, f: Tracked) => E.mul(E.exact(g), f);

/** An attribute as the kernel's f32 uniform: exact when it is an f32 already, else one rounding. */
const attrUniform = (v: number): Tracked => (Math.fround(v) === v ? E.exact(v) : E.uniform(v));

/**
 * sin or cos after the kernel's reduction (`reduce_pi`): k = round(fl(x·fl(1/π))), then
 * r = (x − k·PI_HI) − k·PI_LO and (−1)^k·f(r). fl(1/π) and the product are within 2⁻²² of
 * x/π relatively, so k is an integer within 0.5 + 2⁻²¹|x/π| of x/π: the bound is the worst
 * over those candidates (their |r| ≤ π/2 plus rounding, inside WGSL's [−π, π]). r is
 * measured against x − kπ; PI_HI + PI_LO misses π by 3.6e-15 per unit of k, which `against`
 * adds, with 2⁻⁵⁰(|x| + 1) for the f64 evaluation of the references.
 */
function reducedTrig(x: number, f: "sin" | "cos"): Tracked {
  const t = x / Math.PI;
  const slack = Math.abs(t) * 2 ** -21 + 2 ** -40;
  const xa = E.exact(x);
  let worst: Tracked | null = null;
  for (let k = Math.ceil(t - 0.5 - slack); k <= Math.floor(t + 0.5 + slack); k++) {
    const kk = E.exact(k);
    const r = E.sub(E.sub(xa, E.mul(kk, E.literal(PI_HI))), E.mul(kk, E.literal(PI_LO)));
    const reduced = E.against(r, x - k * Math.PI);
    const y = f === "sin" ? E.sin(reduced) : E.cos(reduced);
    const e = y.e + 2 ** -50 * (Math.abs(x) + 1);
    if (worst === null || !(e <= worst.e)) {
      worst = { v: f === "sin" ? Math.sin(x) : Math.cos(x), e };
    }
  }
  return worst!;
}

/** acos_r: 0 and π (as f32 PI_HI) at ±1, else 2·atan2(√(1 − x), √(1 + x)). */
const acosModel = (x: number): Tracked => {
  if (x === 1) return { v: 0, e: 0 };
  if (x === -1) return E.against(E.literal(PI_HI), Math.PI);
  const xa = E.exact(x);
  const angle = E.atan2(E.sqrt(E.sub(one, xa)), E.sqrt(E.add(one, xa)));
  return E.against(E.mul(E.literal(2), angle), Math.acos(x));
};

/** acos_grad for |x| < 1: −g / √((1 − x)·(1 + x)). */
const acosGradModel = (x: number, g: number): Tracked => {
  const xa = E.exact(x);
  return E.div(E.neg(E.exact(g)), E.sqrt(E.mul(E.sub(one, xa), E.add(one, xa))));
};

/** e^x − 1 coefficients of elu_neg's Taylor polynomial, as WGSL literals. */
const ELU_C = [1 / 6, 1 / 24, 1 / 120].map((c) => E.literal(c));

/** elu_neg(x) for x ≤ 0: the polynomial above {@link ELU_SERIES_ABOVE}, exp(x) − 1 below. */
const eluNegModel = (x: number): Tracked => {
  const xa = E.exact(x);
  if (x > ELU_SERIES_ABOVE) {
    // x * (1.0 + x * (0.5 + x * (1/6 + x * (1/24 + x * 1/120)))); `against` adds the truncation.
    const inner = E.add(ELU_C[1]!, E.mul(xa, ELU_C[2]!));
    const poly = E.mul(
      xa,
      E.add(one, E.mul(xa, E.add(HALF, E.mul(xa, E.add(ELU_C[0]!, E.mul(xa, inner)))))),
    );
    return E.against(poly, Math.expm1(x));
  }
  return E.against(E.sub(E.exp(xa), one), Math.expm1(x));
};

/**
 * pow_s(x, q) with q the kernel's computed exponent: 1 when q is exactly 0, exact 0 at
 * x = 0 for q > 0, WGSL's pow on |x| otherwise (sign of an odd integer q for x < 0).
 * Infinity outside the domain (x = 0 with q ≤ 0, x < 0 with a q not surely an integer).
 */
function powModel(x: number, q: Tracked): Tracked {
  if (q.v === 0 && q.e === 0) return { v: 1, e: 0 };
  if (x === 0) return q.v > 0 && q.v - q.e > 0 ? { v: 0, e: 0 } : { v: NaN, e: Infinity };
  if (x > 0) return E.pow(E.exact(x), q);
  if (!Number.isInteger(q.v) || q.e !== 0) return { v: NaN, e: Infinity };
  const t = E.pow(E.exact(-x), q);
  return q.v % 2 === 0 ? t : { v: -t.v, e: t.e };
}

/** The kernel's exponent p and p − 1 (exact when both are f32 numbers: no rounding happens). */
function powExponents(p: number): { p: Tracked; pm1: Tracked } {
  const pt = attrUniform(p);
  const exact = Math.fround(p) === p && Math.fround(p - 1) === p - 1;
  return { p: pt, pm1: exact ? E.exact(p - 1) : E.sub(pt, one) };
}

/** The error model of every unary kernel, mirroring impl/ops/unary.ts expression by expression. */
const UNARY_MODELS: Record<UnaryOpName, UnaryModel> = {
  neg: { fwd: (x) => E.neg(E.exact(x)), bwd: (_x, g) => E.neg(E.exact(g)) },
  exp: { fwd: expModel, bwd: (x, g) => times(g, expModel(x)) }, // g * y
  log: { fwd: logModel, bwd: (x, g) => E.div(E.exact(g), E.exact(x)) }, // g / x
  tanh: { fwd: tanhModel, bwd: (x, g) => times(g, tanhGradFactor(x)) },
  sigmoid: {
    fwd: sigmoidModel,
    // g * y * (1.0 - y)
    bwd: (x, g) => E.mul(times(g, sigmoidModel(x)), oneMinusSigmoid(x)),
  },
  relu: { fwd: (x) => E.max0(E.exact(x)), bwd: (x, g) => (x > 0 ? E.exact(g) : ZERO) },
  silu: {
    fwd: (x) => E.mul(E.exact(x), sigmoidModel(x)), // x * SIG
    bwd: (x, g) => times(g, siluGradFactor(x)),
  },
  gelu: {
    // 0.5 * x * (1.0 + tanh(…))
    fwd: (x) => E.mul(E.mul(HALF, E.exact(x)), E.add(one, geluTanh(x))),
    bwd: (x, g) => times(g, geluGradFactor(x)),
  },
  softplus: { fwd: softplusModel, bwd: (x, g) => times(g, sigmoidModel(x)) }, // g * SIG
  square: {
    fwd: (x) => E.mul(E.exact(x), E.exact(x)),
    bwd: (x, g) => E.mul(E.mul(E.exact(g), E.literal(2)), E.exact(x)), // g * 2.0 * x
  },
  sqrt: { fwd: sqrtModel, bwd: (x, g) => E.div(E.mul(E.exact(g), HALF), sqrtModel(x)) }, // g * 0.5 / y
  rsqrt: {
    fwd: rsqrtModel,
    bwd: (x, g) => {
      // g * -0.5 * y * y * y
      const y = rsqrtModel(x);
      return E.mul(E.mul(E.mul(E.mul(E.exact(g), E.literal(-0.5)), y), y), y);
    },
  },
  abs: {
    fwd: (x) => ({ v: Math.abs(x), e: E.exact(x).e }),
    bwd: (x, g) => (x > 0 ? E.exact(g) : x < 0 ? E.neg(E.exact(g)) : ZERO),
  },
  clamp: {
    fwd: (x, a) => ({
      v: Math.min(Math.max(x, attrNum(a, "lo")), attrNum(a, "hi")),
      e: E.exact(x).e,
    }),
    bwd: (x, g, a) => (x >= attrNum(a, "lo") && x <= attrNum(a, "hi") ? E.exact(g) : ZERO),
  },
  sin: { fwd: (x) => reducedTrig(x, "sin"), bwd: (x, g) => times(g, reducedTrig(x, "cos")) },
  // -g * sin_r(x)
  cos: {
    fwd: (x) => reducedTrig(x, "cos"),
    bwd: (x, g) => E.mul(E.neg(E.exact(g)), reducedTrig(x, "sin")),
  },
  acos: { fwd: acosModel, bwd: acosGradModel },
  leaky_relu: {
    // select(p.a0 * x, x, x > 0.0); gradient select(g * p.a0, g, x > 0.0)
    fwd: (
      x,
      a,
    ) => (x > 0 ? E.exact(x) : E.mul(attrUniform(attrNum(a, "negativeSlope")), E.exact(x))),
    bwd: (x, g, a) =>
      x > 0 ? E.exact(g) : E.mul(E.exact(g), attrUniform(attrNum(a, "negativeSlope"))),
  },
  elu: {
    // select(x, p.a0 * elu_neg(x), x <= 0.0); gradient select(g, g * p.a0 * exp(x), x <= 0.0)
    fwd: (x, a) => (x > 0 ? E.exact(x) : E.mul(attrUniform(attrNum(a, "alpha")), eluNegModel(x))),
    bwd: (x, g, a) =>
      x > 0
        ? E.exact(g)
        : E.mul(E.mul(E.exact(g), attrUniform(attrNum(a, "alpha"))), E.exp(E.exact(x))),
  },
  pow: {
    fwd: (x, a) => powModel(x, powExponents(attrNum(a, "exponent")).p),
    // g * pow_grad(x, q), pow_grad = q * pow_s(x, q - 1.0), 0 for q = 0
    bwd: (x, g, a) => {
      const { p, pm1 } = powExponents(attrNum(a, "exponent"));
      return p.v === 0 ? ZERO : E.mul(E.exact(g), E.mul(p, powModel(x, pm1)));
    },
  },
};

/** A bound must be finite: Infinity means WGSL gives none there, i.e. a case left its domain. */
function finite(e: number, i: number): number {
  if (!(e < Infinity)) {
    throw new RangeError(
      `Element ${i} is outside the domain where WGSL's accuracy rules bound the kernel ` +
        `(bound ${e}): fix the case generator`,
    );
  }
  return e;
}

/**
 * Per-element bounds of an expression in the element's inputs (x_i, y_i) and, for a
 * gradient, the output gradient g_i. Returns |t_i| (the exact value's magnitude) and e_i.
 *
 * g is a normal f32 read once from memory (exact) and enters the expression once, so every
 * tracked step is affine in |g| (errors scale with |g|, the flush slack does not):
 * e_i = α·|g_i| + β with β the bound at g = 0 and α + β at g = 1, and |t_i| = |t at g = 1|·|g_i|.
 * α, β are computed once per distinct input: element i reuses element i − {@link BIG_BLOCK}'s
 * when its inputs repeat (the big-grid inputs do). A subnormal g is evaluated directly.
 */
function elementBounds(
  n: number,
  x: (i: number) => number,
  y: (i: number) => number,
  model: (x: number, y: number, g: number) => Tracked,
  g: Float64Array | null,
): { abs: Float64Array; err: Float64Array } {
  const abs = new Float64Array(n);
  const err = new Float64Array(n);
  const rx = new Float64Array(BIG_BLOCK);
  const ry = new Float64Array(BIG_BLOCK);
  const alphaV = new Float64Array(BIG_BLOCK);
  const alphaE = new Float64Array(BIG_BLOCK);
  const betaE = new Float64Array(BIG_BLOCK);
  for (let i = 0, r = 0; i < n; i++, r = r + 1 === BIG_BLOCK ? 0 : r + 1) {
    const xi = x(i);
    const yi = y(i);
    if (!(i >= BIG_BLOCK && rx[r] === xi && ry[r] === yi)) {
      rx[r] = xi;
      ry[r] = yi;
      if (g === null) {
        const t = model(xi, yi, 0);
        alphaV[r] = Math.abs(t.v);
        betaE[r] = finite(t.e, i);
      } else {
        const t1 = model(xi, yi, 1);
        betaE[r] = finite(model(xi, yi, 0).e, i);
        alphaE[r] = finite(t1.e, i) - betaE[r]!;
        alphaV[r] = Math.abs(t1.v);
      }
    }
    if (g === null) {
      abs[i] = alphaV[r]!;
      err[i] = betaE[r]!;
      continue;
    }
    const gi = Math.abs(g[i]!);
    if (gi === 0 || gi >= F32_MIN_NORMAL) {
      abs[i] = alphaV[r]! * gi;
      err[i] = alphaE[r]! * gi + betaE[r]!;
    } else {
      const t = model(xi, yi, g[i]!);
      abs[i] = Math.abs(t.v);
      err[i] = finite(t.e, i);
    }
  }
  return { abs, err };
}

/** The per-element bound of a unary spec, from its error model. */
function unaryBound(model: UnaryModel): BoundRule {
  return ({ case: c, inputs, gradOutput, which }) => {
    const x = inputs[0]!.data;
    const xi = (i: number) => x[i]!;
    const none = () => 0;
    return which < 0
      ? elementBounds(x.length, xi, none, (v) => model.fwd(v, c.attrs), null).err
      : elementBounds(x.length, xi, none, (v, _, g) => model.bwd(v, g, c.attrs), gradOutput.data)
        .err;
  };
}

/** What distinguishes one unary spec. */
interface UnaryDesc {
  name: UnaryOpName;
  source: string;
  boundText: string;
  /** Fuzzed domains; each case draws one. */
  domains: Domain[];
  /** Gradcheck domain (away from kinks). */
  gradcheck: Domain;
  /** Attributes: fuzzed, and for examples/gradcheck. */
  attrsArb?: fc.Arbitrary<OpAttrs>;
  attrs?: OpAttrs;
  /** Fixed inputs at the op's edges (kinks, branch switches, saturation). */
  edges?: { label: string; values: number[]; attrs?: OpAttrs }[];
  /** Fuzzed domains when they depend on the attributes (pow: negative bases for integer p only). */
  domainsFor?: (attrs: OpAttrs) => Domain[];
  /** Further gradcheck cases with their own domain and attributes. */
  gradcheckMore?: { domain: Domain; attrs: OpAttrs }[];
}

/** The public function of each unary op that takes attributes (it validates them first). */
const UNARY_WITH_ATTRS: Partial<Record<UnaryOpName, (x: Tensor, a: OpAttrs) => Tensor>> = {
  clamp: (x, a) => clamp(x, attrNum(a, "lo"), attrNum(a, "hi")),
  leaky_relu: (x, a) => leakyRelu(x, attrNum(a, "negativeSlope")),
  elu: (x, a) => elu(x, attrNum(a, "alpha")),
  pow: (x, a) => powScalar(x, attrNum(a, "exponent")),
};

function unarySpec(d: UnaryDesc): OpSpec {
  const attrs = d.attrs ?? {};
  const attrsArb = d.attrsArb ?? fc.constant(attrs);
  const withAttrs = UNARY_WITH_ATTRS[d.name];
  const domainsFor = d.domainsFor;
  return {
    name: d.name,
    source: d.source,
    // Ops with attributes go through their public functions, which validate them first.
    gpu: ([x], a) => (withAttrs ? withAttrs(x!, a) : unary(d.name, x!)),
    oracle: UNARY_ORACLES[d.name],
    bound: unaryBound(UNARY_MODELS[d.name]),
    boundText: d.boundText,
    arbitrary: domainsFor
      ? fc.tuple(shapeArb(), seedArb, fc.nat(), attrsArb).map(([shape, seed, pick, a]) => {
        const ds = domainsFor(a);
        return { inputs: [input(shape, seed, ds[pick % ds.length]!)], attrs: a, seed };
      })
      : fc.tuple(shapeArb(), seedArb, fc.constantFrom(...d.domains), attrsArb).map((
        [shape, seed, domain, a],
      ) => ({ inputs: [input(shape, seed, domain)], attrs: a, seed })),
    examples: () => [
      { inputs: [input([1], 1, d.domains[0]!)], attrs, seed: 2, label: "size 1" },
      { inputs: [input([], 3, d.domains[0]!)], attrs, seed: 4, label: "rank 0" },
      ...(d.edges ?? []).map((e, k) => ({
        inputs: [fixed(e.values)],
        attrs: e.attrs ?? attrs,
        seed: 5 + k,
        label: e.label,
      })),
      {
        inputs: [bigInput(BIG_GRID_SIZE, 10, d.domains[d.domains.length - 1]!)],
        attrs,
        seed: 11,
        label: "grid > 65535",
      },
    ],
    gradcheckCases: () => [
      { inputs: [input([7], 12, d.gradcheck)], attrs, seed: 13 },
      { inputs: [input([3, 5], 14, d.gradcheck)], attrs, seed: 15 },
      ...(d.gradcheckMore ?? []).map((m, k) => ({
        inputs: [input([3, 4], 16 + 2 * k, m.domain)],
        attrs: m.attrs,
        seed: 17 + 2 * k,
      })),
    ],
    numRuns: 100,
  };
}

const TORCH = "PyTorch torch.";
const WGSL_RULES = "https://www.w3.org/TR/WGSL/#floating-point-accuracy";

/** Unary specs. */
const UNARY_DESCS: UnaryDesc[] = [
  {
    name: "neg",
    source: `${TORCH}neg`,
    boundText: "exact (0; 2^-126 for a flushed subnormal input)",
    domains: [sym(2), sym(1e30)],
    gradcheck: sym(2),
  },
  {
    name: "exp",
    source: `${TORCH}exp; ${WGSL_RULES}`,
    boundText: "track: exp (3+2|x|) ULP; gradient g·y adds a rounding to y's relative error",
    domains: [sym(1), sym(10), sym(80)],
    gradcheck: sym(5),
    edges: [{ label: "near over/underflow", values: [88, -87, 87.5, -80, 0, 1e-7, -1e-7] }],
  },
  {
    name: "log",
    source: `${TORCH}log; ${WGSL_RULES}`,
    boundText: "track: log 3 ULP outside [0.5, 2], 2^-21 inside; gradient g / x 2.5 ULP",
    domains: [{ kind: "pow2", lo: -1.5, hi: 1.5 }, { kind: "pow2", lo: -20, hi: 20 }, {
      kind: "pow2",
      lo: -120,
      hi: 120,
    }],
    gradcheck: { kind: "uniform", lo: 0.1, hi: 4 },
    edges: [{
      label: "around 1 and the [0.5, 2] switch",
      values: [1, 0.5, 2, 1 + 2 ** -23, 1 - 2 ** -24, 0.4999999, 2.0000002, 2 ** -126, 2 ** 125],
    }],
  },
  {
    name: "tanh",
    source: `${TORCH}tanh; ${WGSL_RULES} (tanh inherited from sinh/cosh)`,
    boundText: "track: tanh as (e^x − e^−x)/(e^x + e^−x) from exp's ULP rule, clamp to ±15",
    domains: [sym(1), sym(5), sym(30)],
    gradcheck: sym(3),
    edges: [{ label: "tiny and saturated", values: [0, 1e-30, -1e-7, 14.99, 15, 15.01, -16, 40] }],
  },
  {
    name: "sigmoid",
    source: `${TORCH}sigmoid; ${WGSL_RULES}`,
    boundText: "track: 1/(1 + exp(−x)); gradient g·y·(1 − y) from y's bound",
    domains: [sym(1), sym(8), sym(80)],
    gradcheck: sym(6),
    edges: [{ label: "saturated", values: [0, 17, -17, 80, -80, 87, -87] }],
  },
  {
    name: "relu",
    source: `${TORCH}relu (gradient 0 at 0)`,
    boundText: "exact",
    domains: [sym(2), sym(1e30)],
    gradcheck: sym(2, [0]),
    edges: [{ label: "kink", values: [0, -0, 1e-30, -1e-30] }],
  },
  {
    name: "silu",
    source: `${TORCH}nn.functional.silu; ${WGSL_RULES}`,
    boundText: "track: x·sigmoid(x); gradient s·(1 + x·(1 − s)) step by step",
    domains: [sym(1), sym(8), sym(80)],
    gradcheck: sym(6),
    edges: [{ label: "gradient zero and saturation", values: [-1.2784645, 0, 80, -80] }],
  },
  {
    name: "gelu",
    source: `${TORCH}nn.functional.gelu(approximate="tanh"); ${WGSL_RULES}`,
    boundText: "track: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) with f32 literals, inherited tanh",
    domains: [sym(1), sym(4), sym(10)],
    gradcheck: sym(4),
    edges: [{ label: "inner clamp at ±15", values: [6.5, -6.5, 6.6, -6.6, 7, -7, 0, 1e-20] }],
  },
  {
    name: "softplus",
    source: `${TORCH}nn.functional.softplus (beta 1); ${WGSL_RULES}`,
    boundText: "track: max(x, 0) + log(1 + e) or the series e − e²/2 (truncation e³/3)",
    domains: [sym(1), sym(10), sym(80)],
    gradcheck: sym(6),
    edges: [{
      label: "series switch at e = 2^-12",
      values: [8.3177, 8.31777, 8.3178, -8.3177, -8.31777, -8.3178, 15.5, -15.5, 0],
    }],
  },
  {
    name: "square",
    source: `${TORCH}square`,
    boundText: "track: one rounding; gradient (g·2)·x one rounding",
    domains: [sym(2), sym(1e18)],
    gradcheck: sym(2),
  },
  {
    name: "sqrt",
    source: `${TORCH}sqrt; ${WGSL_RULES} (sqrt inherited from 1/inverseSqrt)`,
    boundText: "track: 1/inverseSqrt(x) (2 ULP, then 2.5 ULP); gradient (g·0.5)/y",
    domains: [{ kind: "pow2", lo: -2, hi: 2 }, { kind: "pow2", lo: -20, hi: 20 }, {
      kind: "pow2",
      lo: -120,
      hi: 120,
    }],
    gradcheck: { kind: "uniform", lo: 0.1, hi: 4 },
    edges: [{ label: "powers of 4", values: [1, 4, 0.25, 2 ** -124, 2 ** 124] }],
  },
  {
    name: "rsqrt",
    source: `${TORCH}rsqrt; ${WGSL_RULES}`,
    boundText: "track: inverseSqrt 2 ULP; gradient g·(−0.5)·y·y·y",
    domains: [{ kind: "pow2", lo: -2, hi: 2 }, { kind: "pow2", lo: -20, hi: 20 }, {
      kind: "pow2",
      lo: -80,
      hi: 80,
    }],
    gradcheck: { kind: "uniform", lo: 0.1, hi: 4 },
    edges: [{ label: "powers of 4", values: [1, 4, 0.25, 2 ** -80, 2 ** 80] }],
  },
  {
    name: "abs",
    source: `${TORCH}abs (gradient 0 at 0)`,
    boundText: "exact",
    domains: [sym(2), sym(1e30)],
    gradcheck: sym(2, [0]),
    edges: [{ label: "kink", values: [0, -0, 1e-30, -1e-30] }],
  },
  {
    name: "clamp",
    source: `${TORCH}clamp (gradient passes where lo <= x <= hi)`,
    boundText: "exact",
    domains: [sym(3)],
    attrs: { lo: -0.75, hi: 0.5 },
    attrsArb: fc.tuple(
      fc.double({ min: -2, max: 1, noNaN: true }),
      fc.oneof(fc.constant(0), fc.double({ min: 0, max: 2, noNaN: true })),
    ).map(([lo, w]) => ({ lo: Math.fround(lo), hi: Math.fround(Math.fround(lo) + w) })),
    gradcheck: sym(3, [-0.75, 0.5]),
    edges: [
      { label: "at the bounds", values: [-0.75, 0.5, -0.7500001, 0.50000006, 0, 3, -3] },
      { label: "lo = hi", values: [-1, 0.25, 0.2500001, 2], attrs: { lo: 0.25, hi: 0.25 } },
    ],
  },
  {
    name: "sin",
    source: `${TORCH}sin; ${WGSL_RULES}`,
    boundText: "track: argument reduced by k·π (two-part π), WGSL sin/cos 2^-11 absolute on " +
      "[-π, π] plus the reduction's rounding (~2u|x|); gradient g·cos the same",
    domains: [sym(Math.PI), sym(30), sym(1000)],
    gradcheck: sym(10),
    edges: [{
      label: "multiples and half-multiples of π, tiny, 1e4",
      values: [
        0,
        Math.PI / 2,
        Math.PI,
        -Math.PI,
        1.5 * Math.PI,
        2.5 * Math.PI,
        100.5 * Math.PI,
        1e-30,
        -1e-7,
        1e4,
        -1e4,
      ],
    }],
  },
  {
    name: "cos",
    source: `${TORCH}cos; ${WGSL_RULES}`,
    boundText: "track: as sin, reduced by k·π; gradient −g·sin the same",
    domains: [sym(Math.PI), sym(30), sym(1000)],
    gradcheck: sym(10),
    edges: [{
      label: "multiples and half-multiples of π, tiny, 1e4",
      values: [
        0,
        Math.PI / 2,
        Math.PI,
        -Math.PI,
        1.5 * Math.PI,
        2.5 * Math.PI,
        100.5 * Math.PI,
        1e-30,
        -1e-7,
        1e4,
        -1e4,
      ],
    }],
  },
  {
    name: "acos",
    source: `${TORCH}acos; ${WGSL_RULES} (atan2 4096 ULP)`,
    boundText: "track: 2·atan2(√(1 − x), √(1 + x)) with atan2's 4096 ULP, open domain |x| < 1; " +
      "gradient −g/√((1 − x)(1 + x))",
    domains: [
      { kind: "uniform", lo: 0.999, hi: 0.9999999 },
      { kind: "uniform", lo: -0.9999999, hi: -0.999 },
      { kind: "uniform", lo: -0.9999999, hi: 0.9999999 },
    ],
    gradcheck: { kind: "uniform", lo: -0.95, hi: 0.95 },
    edges: [{
      label: "0, tiny, ±0.5, next to ±1",
      values: [0, 1e-30, -1e-30, 1e-7, 0.5, -0.5, 0.99999994, -0.99999994],
    }],
  },
  {
    name: "leaky_relu",
    source: `${TORCH}nn.functional.leaky_relu (slope where x <= 0)`,
    boundText: "track: x, or slope·x with the slope rounded to f32 (one rounding each); " +
      "gradient g or g·slope",
    domains: [sym(2), sym(1e30)],
    attrs: { negativeSlope: 0.01 },
    attrsArb: fc.oneof(fc.constant(0.01), fc.double({ min: -1, max: 1, noNaN: true })).map((
      s,
    ) => ({ negativeSlope: s })),
    gradcheck: sym(2, [0]),
    gradcheckMore: [{ domain: sym(2, [0]), attrs: { negativeSlope: -0.3 } }],
    edges: [
      { label: "kink", values: [0, -0, 1e-30, -1e-30, 3, -3] },
      {
        label: "kink, negative slope",
        values: [0, 1e-30, -1e-30, 3, -3],
        attrs: { negativeSlope: -0.5 },
      },
    ],
  },
  {
    name: "elu",
    source: `${TORCH}nn.functional.elu; ${WGSL_RULES}`,
    boundText: "track: alpha·(e^x − 1) by the degree-5 Taylor polynomial above −1/16 (truncation " +
      "included), exp(x) − 1 below; gradient g·alpha·exp(x)",
    domains: [sym(0.1), sym(4), sym(100)],
    attrs: { alpha: 1 },
    attrsArb: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 3, noNaN: true })).map((alpha) => ({
      alpha,
    })),
    gradcheck: sym(3, [0]),
    gradcheckMore: [{ domain: sym(3, [0]), attrs: { alpha: 1.7 } }],
    edges: [
      {
        label: "series switch at −1/16, tiny, saturated",
        values: [0, -0.0625, -0.06249999, -0.0625001, 1e-30, -1e-30, -1e-8, -20, -88, -104],
      },
      { label: "alpha 2 around 0", values: [0, -0.5, 0.5, -1e-6], attrs: { alpha: 2 } },
    ],
  },
  {
    name: "pow",
    source: `${TORCH}pow (scalar exponent); ${WGSL_RULES} (pow inherited from exp2(y·log2(x)))`,
    boundText: "track: |x|^p as exp2(p·log2|x|) (log2 3 ULP or 2^-21, exp2 (3+2|t|) ULP), sign " +
      "of odd integer p; domain x > 0 normal, x < 0 for integer p; gradient g·p·x^(p−1)",
    domains: [{ kind: "signedPow2", lo: -1, hi: 1 }, { kind: "signedPow2", lo: -6, hi: 6 }],
    domainsFor: (a) =>
      Number.isInteger(attrNum(a, "exponent"))
        ? [{ kind: "signedPow2", lo: -1, hi: 1 }, { kind: "signedPow2", lo: -6, hi: 6 }]
        : [{ kind: "pow2", lo: -1, hi: 1 }, { kind: "pow2", lo: -6, hi: 6 }],
    attrs: { exponent: 3 },
    attrsArb: fc.oneof(
      fc.constantFrom(0, 1, 2, 3, -1, -2, 7, 0.5, -0.5, 1.5, 1 / 3),
      fc.double({ min: -4, max: 4, noNaN: true }),
    ).map((exponent) => ({ exponent })),
    gradcheck: { kind: "uniform", lo: -2, hi: 2, avoid: [0], margin: 0.1 },
    gradcheckMore: [
      { domain: { kind: "uniform", lo: 0.2, hi: 3 }, attrs: { exponent: 2.5 } },
      { domain: { kind: "uniform", lo: 0.2, hi: 3 }, attrs: { exponent: -1.5 } },
      {
        domain: { kind: "uniform", lo: -2, hi: 2, avoid: [0], margin: 0.1 },
        attrs: { exponent: -2 },
      },
    ],
    edges: [
      { label: "0, ±1, ±2, around 1", values: [0, 1, -1, 2, -2, 0.5, 1e-3, 1e3, 1.0000001] },
      { label: "p = 0", values: [0, 1, -2, 1e-20, 3e10], attrs: { exponent: 0 } },
      { label: "p = 1", values: [0, 1, -2, 1e-20, 3e10], attrs: { exponent: 1 } },
      { label: "p = 0.5", values: [1, 4, 2, 1e-20, 3e10], attrs: { exponent: 0.5 } },
    ],
  },
];

// --- binary ops ------------------------------------------------------------------

/** Error model of a binary kernel: forward and the two gradient terms per broadcast element. */
interface BinaryModel {
  fwd(a: number, b: number, g: number): Tracked;
  gradA(a: number, b: number, g: number): Tracked;
  gradB(a: number, b: number, g: number): Tracked;
}

/** maximum/minimum's gradient term: 0 where the operand lost, 0.5 * g at a tie, else g. */
const tieShare = (lost: boolean, tie: boolean, g: number): Tracked =>
  lost ? ZERO : tie ? E.mul(HALF, E.exact(g)) : E.exact(g);

const BINARY_MODELS: Record<BinaryOpName, BinaryModel> = {
  add: {
    fwd: (a, b) => E.add(E.exact(a), E.exact(b)),
    gradA: (_a, _b, g) => E.exact(g),
    gradB: (_a, _b, g) => E.exact(g),
  },
  sub: {
    fwd: (a, b) => E.sub(E.exact(a), E.exact(b)),
    gradA: (_a, _b, g) => E.exact(g),
    gradB: (_a, _b, g) => E.neg(E.exact(g)),
  },
  mul: {
    fwd: (a, b) => E.mul(E.exact(a), E.exact(b)),
    gradA: (_a, b, g) => E.mul(E.exact(g), E.exact(b)),
    gradB: (a, _b, g) => E.mul(E.exact(g), E.exact(a)),
  },
  div: {
    fwd: (a, b) => E.div(E.exact(a), E.exact(b)),
    gradA: (_a, b, g) => E.div(E.exact(g), E.exact(b)),
    // -g * a / (b * b)
    gradB: (a, b, g) => E.div(E.mul(E.neg(E.exact(g)), E.exact(a)), E.mul(E.exact(b), E.exact(b))),
  },
  maximum: {
    // A comparison selects an operand: exact, unless a subnormal operand is flushed.
    fwd: (a, b) => ({ v: Math.max(a, b), e: E.exact(a).e + E.exact(b).e }),
    gradA: (a, b, g) => tieShare(a < b, a === b, g),
    gradB: (a, b, g) => tieShare(a > b, a === b, g),
  },
  minimum: {
    fwd: (a, b) => ({ v: Math.min(a, b), e: E.exact(a).e + E.exact(b).e }),
    gradA: (a, b, g) => tieShare(a > b, a === b, g),
    gradB: (a, b, g) => tieShare(a < b, a === b, g),
  },
};

/**
 * Bound of a binary spec: the forward per element; a gradient per input
 * element as the sequential sum (sumToShape) of its n = broadcast-count terms.
 */
function binaryBound(model: BinaryModel): BoundRule {
  return ({ inputs, gradOutput, which }) => {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const shape = broadcastShape(a.shape, b.shape);
    const ia = cachedBroadcastIndex(a.shape, shape);
    const ib = cachedBroadcastIndex(b.shape, shape);
    const av = (i: number) => a.data[ia[i]!]!;
    const bv = (i: number) => b.data[ib[i]!]!;
    if (which < 0) return elementBounds(ia.length, av, bv, model.fwd, null).err;
    const target = which === 0 ? a : b;
    const idx = which === 0 ? ia : ib;
    const term = which === 0 ? model.gradA : model.gradB;
    // Every broadcast term's |t| and error, summed per target element by sumToShape's
    // sequential loop over its n = broadcast-count terms (n = 1: the term itself).
    const t = elementBounds(ia.length, av, bv, term, gradOutput.data);
    const n = target.data.length === 0 ? 0 : idx.length / target.data.length;
    if (n === 1) return t.err;
    const sumAbs = new Float64Array(target.data.length);
    const sumErr = new Float64Array(target.data.length);
    for (let i = 0; i < idx.length; i++) {
      sumAbs[idx[i]!] = sumAbs[idx[i]!]! + t.abs[i]!;
      sumErr[idx[i]!] = sumErr[idx[i]!]! + t.err[i]!;
    }
    return sumAbs.map((s, j) => sequentialSumError(n, s, sumErr[j]!));
  };
}

function binarySpec(name: BinaryOpName, domainsA: Domain[], domainsB: Domain[]): OpSpec {
  const gcB: Domain = name === "div" ? { kind: "signedPow2", lo: -1, hi: 1 } : sym(2);
  return {
    name,
    source: `${TORCH}${name} (NumPy broadcasting); ${WGSL_RULES}`,
    gpu: ([a, b]: Tensor[]) => binary(name, a!, b!),
    oracle: BINARY_ORACLES[name],
    bound: binaryBound(BINARY_MODELS[name]),
    boundText: name === "div"
      ? "track: a / b 2.5 ULP; gradients g / b and (−g·a)/(b·b), then sumToShape γ_{n−1}"
      : name === "maximum" || name === "minimum"
      ? "exact forward (a comparison selects an operand); gradient terms g, g/2 at a tie " +
        "(PyTorch 1.13) or 0, then sumToShape γ_{n−1}"
      : "track: one rounding forward; gradient terms then sumToShape γ_{n−1}",
    arbitrary: fc.tuple(
      broadcastPairArb(),
      seedArb,
      fc.constantFrom(...domainsA),
      fc.constantFrom(...domainsB),
    ).map(([[sa, sb], seed, da, db]) => ({
      inputs: [input(sa, seed, da), input(sb, seed + 1, db)],
      attrs: {},
      seed,
    })),
    examples: () => [
      {
        inputs: [input([1], 1, domainsA[0]!), input([1], 2, domainsB[0]!)],
        attrs: {},
        seed: 3,
        label: "size 1",
      },
      {
        inputs: [input([], 4, domainsA[0]!), input([3, 5], 5, domainsB[0]!)],
        attrs: {},
        seed: 6,
        label: "rank 0 broadcast",
      },
      {
        inputs: [input([2, 1, 3, 1], 7, domainsA[0]!), input([3, 1, 5], 8, domainsB[0]!)],
        attrs: {},
        seed: 9,
        label: "both broadcast",
      },
      {
        inputs: [bigInput(BIG_GRID_SIZE, 10, domainsA[0]!), input([1], 11, domainsB[0]!)],
        attrs: {},
        seed: 12,
        label: "grid > 65535",
      },
    ],
    gradcheckCases: () => [
      { inputs: [input([3, 4], 13, sym(2)), input([4], 14, gcB)], attrs: {}, seed: 15 },
      { inputs: [input([2, 1, 3], 16, sym(2)), input([5, 1], 17, gcB)], attrs: {}, seed: 18 },
    ],
    numRuns: 100,
  };
}

const BINARY_PLAIN: Domain[] = [sym(2), sym(1e6)];
/** Quarter steps in [−2, 2): two draws tie often, so the split tie gradient is exercised. */
const TIES: Domain[] = [{ kind: "grid", lo: -2, hi: 2, step: 0.25 }, sym(2), sym(1e6)];
const DENOMINATORS: Domain[] = [
  { kind: "signedPow2", lo: -2, hi: 2 },
  { kind: "signedPow2", lo: -20, hi: 20 },
];

/** Every elementwise op spec. */
export const ELEMENTWISE_SPECS: OpSpec[] = [
  binarySpec("add", BINARY_PLAIN, BINARY_PLAIN),
  binarySpec("sub", BINARY_PLAIN, BINARY_PLAIN),
  binarySpec("mul", BINARY_PLAIN, BINARY_PLAIN),
  binarySpec("div", BINARY_PLAIN, DENOMINATORS),
  binarySpec("maximum", TIES, TIES),
  binarySpec("minimum", TIES, TIES),
  ...UNARY_DESCS.map(unarySpec),
];
