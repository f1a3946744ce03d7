/**
 * f64 oracle of the elementwise ops: forward and analytic backward, from the
 * mathematical definitions (PyTorch semantics), independent of the kernels.
 *
 * Conventions at kinks (matching PyTorch): relu′(0) = 0, |·|′(0) = 0, clamp passes the
 * gradient where lo ≤ x ≤ hi (both ends included), leaky_relu′(0) = slope, elu′(0) = alpha,
 * and maximum/minimum split the gradient equally between tied operands (PyTorch 1.13).
 *
 * @example
 * ```ts
 * import { UNARY_ORACLES } from "./elementwise.ts";
 * import { ok } from "node:assert/strict";
 * const x = { shape: [2], data: Float64Array.of(0, 1) };
 * const g = { shape: [2], data: Float64Array.of(1, 1) };
 * const [dx] = UNARY_ORACLES.sigmoid.backward([x], {}, g);
 * ok(dx!.data[0] === 0.25);
 * ```
 *
 * @module
 */
import type { OpAttrs, OracleOp } from "../_harness/op_spec.ts";
import { broadcastIndex, broadcastShape } from "./broadcast.ts";
import { type NDArray, ndMap, sizeOf } from "./ndarray.ts";

/** Recently used broadcast index maps, by shapes (large cases reuse them across calls). */
const indexCache = new Map<string, Int32Array>();
const INDEX_CACHE_ENTRIES = 4;

/**
 * {@link broadcastIndex}, remembering the last few maps: a case's forward, backward and
 * bounds all need the same ones, and the large cases' maps take a while to build.
 */
export function cachedBroadcastIndex(
  shape: readonly number[],
  outShape: readonly number[],
): Int32Array {
  const key = `${shape.join(",")}|${outShape.join(",")}`;
  let idx = indexCache.get(key);
  if (idx === undefined) {
    idx = broadcastIndex(shape, outShape);
    if (indexCache.size >= INDEX_CACHE_ENTRIES) {
      indexCache.delete(indexCache.keys().next().value!);
    }
  } else indexCache.delete(key);
  indexCache.set(key, idx);
  return idx;
}

/** A binary op from its scalar function and partial derivatives. */
function binaryOracle(
  f: (a: number, b: number) => number,
  da: (a: number, b: number) => number,
  db: (a: number, b: number) => number,
): OracleOp {
  return {
    forward: ([a, b]) => {
      const shape = broadcastShape(a!.shape, b!.shape);
      const ia = cachedBroadcastIndex(a!.shape, shape);
      const ib = cachedBroadcastIndex(b!.shape, shape);
      const out = new Float64Array(ia.length);
      for (let i = 0; i < out.length; i++) out[i] = f(a!.data[ia[i]!]!, b!.data[ib[i]!]!);
      return { shape, data: out };
    },
    backward: ([a, b], _attrs, g) => {
      // The adjoint of broadcasting: each input's gradient sums its broadcast copies.
      const ia = cachedBroadcastIndex(a!.shape, g.shape);
      const ib = cachedBroadcastIndex(b!.shape, g.shape);
      const ga = new Float64Array(sizeOf(a!.shape));
      const gb = new Float64Array(sizeOf(b!.shape));
      for (let i = 0; i < ia.length; i++) {
        const x = a!.data[ia[i]!]!;
        const y = b!.data[ib[i]!]!;
        ga[ia[i]!] = ga[ia[i]!]! + g.data[i]! * da(x, y);
        gb[ib[i]!] = gb[ib[i]!]! + g.data[i]! * db(x, y);
      }
      return [{ shape: [...a!.shape], data: ga }, { shape: [...b!.shape], data: gb }];
    },
  };
}

/**
 * The share of the gradient an operand of maximum (or minimum) gets, PyTorch 1.13's
 * `where(a == b, g / 2, g)` zeroed where it lost: 0 when it lost, 1/2 at a tie, 1 when it
 * won or either is NaN (every comparison false).
 */
function winnerShare(lost: boolean, tie: boolean): number {
  return lost ? 0 : tie ? 0.5 : 1;
}

/** Oracles of add, sub, mul, div, maximum, minimum. */
export const BINARY_ORACLES: Record<
  "add" | "sub" | "mul" | "div" | "maximum" | "minimum",
  OracleOp
> = {
  add: binaryOracle((a, b) => a + b, () => 1, () => 1),
  sub: binaryOracle((a, b) => a - b, () => 1, () => -1),
  mul: binaryOracle((a, b) => a * b, (_a, b) => b, (a) => a),
  div: binaryOracle((a, b) => a / b, (_a, b) => 1 / b, (a, b) => -a / (b * b)),
  // Math.max and Math.min return NaN when either operand is NaN, as torch.maximum/minimum.
  maximum: binaryOracle(
    Math.max,
    (a, b) => winnerShare(a < b, a === b),
    (a, b) => winnerShare(a > b, a === b),
  ),
  minimum: binaryOracle(
    Math.min,
    (a, b) => winnerShare(a > b, a === b),
    (a, b) => winnerShare(a < b, a === b),
  ),
};

/** A unary op from its scalar function and derivative. */
export function unaryOracle(
  f: (x: number, attrs: OpAttrs) => number,
  df: (x: number, attrs: OpAttrs) => number,
): OracleOp {
  return {
    forward: ([x], attrs) => ndMap(x!, (v) => f(v, attrs)),
    backward: ([x], attrs, g): NDArray[] => [ndMap(x!, (v, i) => g.data[i]! * df(v, attrs))],
  };
}

/** Logistic sigmoid, without overflow for either sign. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** √(2/π), the GELU tanh approximation's scale. */
const GELU_SCALE = Math.sqrt(2 / Math.PI);
/** The cubic coefficient of the GELU tanh approximation. */
const GELU_CUBIC = 0.044715;

/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x)));
}

/** d/dx of {@link geluTanh}. */
export function geluTanhGrad(x: number): number {
  const t = Math.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_SCALE * (1 + 3 * GELU_CUBIC * x * x);
}

/** log(1 + eˣ) without overflow or cancellation. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function attr(attrs: OpAttrs, name: string): number {
  const v = attrs[name];
  if (typeof v !== "number") throw new TypeError(`Expected a numeric attribute "${name}"`);
  return v;
}

/** Oracles of the unary ops (clamp reads attributes `lo` and `hi`). */
export const UNARY_ORACLES = {
  neg: unaryOracle((x) => -x, () => -1),
  exp: unaryOracle(Math.exp, Math.exp),
  log: unaryOracle(Math.log, (x) => 1 / x),
  tanh: unaryOracle(Math.tanh, (x) => 1 - Math.tanh(x) ** 2),
  sigmoid: unaryOracle(sigmoid, (x) => sigmoid(x) * (1 - sigmoid(x))),
  relu: unaryOracle((x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0)),
  silu: unaryOracle((x) => x * sigmoid(x), (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
  gelu: unaryOracle(geluTanh, geluTanhGrad),
  softplus: unaryOracle(softplus, sigmoid),
  square: unaryOracle((x) => x * x, (x) => 2 * x),
  sqrt: unaryOracle(Math.sqrt, (x) => 0.5 / Math.sqrt(x)),
  rsqrt: unaryOracle((x) => 1 / Math.sqrt(x), (x) => -0.5 / (x * Math.sqrt(x))),
  abs: unaryOracle(Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  clamp: unaryOracle(
    (x, a) => Math.min(Math.max(x, attr(a, "lo")), attr(a, "hi")),
    (x, a) => (x >= attr(a, "lo") && x <= attr(a, "hi") ? 1 : 0),
  ),
  sin: unaryOracle(Math.sin, Math.cos),
  cos: unaryOracle(Math.cos, (x) => -Math.sin(x)),
  acos: unaryOracle(Math.acos, (x) => -1 / Math.sqrt(1 - x * x)),
  // torch.nn.functional.leaky_relu: the slope applies where x <= 0 (x = 0 included).
  leaky_relu: unaryOracle(
    (x, a) => (x > 0 ? x : attr(a, "negativeSlope") * x),
    (x, a) => (x > 0 ? 1 : attr(a, "negativeSlope")),
  ),
  // torch.nn.functional.elu: alpha·(eˣ − 1) where x <= 0; gradient alpha·eˣ there (alpha at 0).
  elu: unaryOracle(
    (x, a) => (x > 0 ? x : attr(a, "alpha") * Math.expm1(x)),
    (x, a) => (x > 0 ? 1 : attr(a, "alpha") * Math.exp(x)),
  ),
  // torch.pow(x, p): gradient p·x^(p−1), masked to 0 where p = 0.
  pow: unaryOracle(
    (x, a) => Math.pow(x, attr(a, "exponent")),
    (x, a) => {
      const p = attr(a, "exponent");
      return p === 0 ? 0 : p * Math.pow(x, p - 1);
    },
  ),
} satisfies Record<string, OracleOp>;

/** Names of the unary oracles. */
export type UnaryOracleName = keyof typeof UNARY_ORACLES;
