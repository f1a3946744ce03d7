/**
 * f64 oracle of the selection and loss building blocks: smooth L1 loss
 * (PyTorch `F.smooth_l1_loss`), argmax and top-k along an axis (ties to the
 * lower index), the lower-triangular fill (`torch.tril_indices` order) and
 * dropout's mask, each forward with its analytic backward where it has one.
 *
 * Attributes: smooth L1 `beta` and `reduction` (0 mean, 1 sum, 2 none);
 * argmax `axis`, `keepDims` (0/1); top-k `k`, `axis`; trilFill `n`.
 *
 * @example Top-2 of a row with a tie: the lower index comes first
 * ```ts
 * import { TOPK_INDICES_ORACLE } from "./selection.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const x = { shape: [4], data: Float64Array.of(1, 3, 0, 3) };
 * deepStrictEqual(Array.from(TOPK_INDICES_ORACLE.forward([x], { k: 2, axis: 0 }).data), [1, 3]);
 * ```
 *
 * @module
 */
import type { OpAttrs, OracleOp } from "../_harness/op_spec.ts";
import { hashU32 } from "../../impl/gpu/rng.ts";
import { type NDArray, ndZeros, sizeOf } from "./ndarray.ts";
import { axisView, forEachRow } from "./reduce.ts";

// ------------------------------------------------------------------ smooth L1

/** The reduction codes of the smooth L1 oracle's `reduction` attribute. */
export const REDUCTION_CODE = { mean: 0, sum: 1, none: 2 } as const;

/** smooth L1 of one difference d: 0.5·d²/β where |d| < β, else |d| − 0.5·β (β = 0: |d|). */
export function smoothL1Of(d: number, beta: number): number {
  const a = Math.abs(d);
  return a < beta ? (0.5 * d * d) / beta : a - 0.5 * beta;
}

/** Its derivative in d: d/β where |d| < β, else sign(d) (0 at d = 0). */
export function smoothL1Grad(d: number, beta: number): number {
  return Math.abs(d) < beta ? d / beta : d > 0 ? 1 : d < 0 ? -1 : 0;
}

/** smooth_l1_loss(input, target, beta, reduction): mean, sum, or elementwise. */
export const SMOOTH_L1_ORACLE: OracleOp = {
  forward: ([x, t], attrs) => {
    const beta = attrs.beta as number;
    const n = x!.data.length;
    const l = new Float64Array(n);
    for (let i = 0; i < n; i++) l[i] = smoothL1Of(x!.data[i]! - t!.data[i]!, beta);
    if (attrs.reduction === REDUCTION_CODE.none) return { shape: [...x!.shape], data: l };
    let s = 0;
    for (const v of l) s += v;
    return { shape: [], data: Float64Array.of(attrs.reduction === REDUCTION_CODE.sum ? s : s / n) };
  },
  backward: ([x, t], attrs, g) => {
    const beta = attrs.beta as number;
    const n = x!.data.length;
    const gx = new Float64Array(n);
    const gt = new Float64Array(n);
    const none = attrs.reduction === REDUCTION_CODE.none;
    const scale = attrs.reduction === REDUCTION_CODE.mean ? 1 / n : 1;
    for (let i = 0; i < n; i++) {
      const gi = none ? g.data[i]! : g.data[0]! * scale;
      gx[i] = gi * smoothL1Grad(x!.data[i]! - t!.data[i]!, beta);
      gt[i] = -gx[i]!;
    }
    return [{ shape: [...x!.shape], data: gx }, { shape: [...t!.shape], data: gt }];
  },
};

// ------------------------------------------------------------- argmax, top-k

/** Whether (v2, j2) comes before (v1, j1): larger value first, ties to the lower index. */
function before(v2: number, j2: number, v1: number, j1: number): boolean {
  return v2 > v1 || (v2 === v1 && j2 < j1);
}

/** The indices of one row's top k: larger values first, ties to the lower index. */
export function topkRow(row: ArrayLike<number>, k: number): number[] {
  const n = row.length;
  if (k > 16) {
    const idx = Array.from({ length: n }, (_, j) => j);
    idx.sort((
      a,
      b,
    ) => (before(row[a]!, a, row[b]!, b) ? -1 : before(row[b]!, b, row[a]!, a) ? 1 : 0));
    return idx.slice(0, k);
  }
  // Small k: insertion into a sorted list of the best k (O(n·k), no per-row sort).
  const best: number[] = [];
  for (let j = 0; j < n; j++) {
    const v = row[j]!;
    if (best.length === k && !before(v, j, row[best[k - 1]!]!, best[k - 1]!)) continue;
    let at = best.length;
    while (at > 0 && before(v, j, row[best[at - 1]!]!, best[at - 1]!)) at--;
    best.splice(at, 0, j);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * Rows of `x` along `axis`: for row r (in [outer, inner] order), its first element's flat index
 * `starts[r]`, its first output's `outs[r]`, and its top-k indices `idx[r·k .. r·k + k)`.
 */
function topkRows(x: NDArray, attrs: OpAttrs) {
  const v = axisView(x.shape, { axis: attrs.axis as number, keepDims: 1 });
  const k = attrs.k as number;
  const raw = attrs.axis as number;
  const a = raw < 0 ? raw + x.shape.length : raw;
  const outShape = x.shape.map((d, i) => (i === a ? k : d));
  const rows = v.outer * v.inner;
  const starts = new Float64Array(rows);
  const outs = new Float64Array(rows);
  const idx = new Int32Array(rows * k);
  const row = new Float64Array(v.n);
  for (let o = 0; o < v.outer; o++) {
    for (let i = 0; i < v.inner; i++) {
      const r = o * v.inner + i;
      starts[r] = o * v.n * v.inner + i;
      outs[r] = o * k * v.inner + i;
      for (let j = 0; j < v.n; j++) row[j] = x.data[starts[r]! + j * v.inner]!;
      idx.set(topkRow(row, k), r * k);
    }
  }
  return { v, k, outShape, rows, starts, outs, idx };
}

/** topk(x, k, axis).values; gradient scattered back to the selected positions. */
export const TOPK_VALUES_ORACLE: OracleOp = {
  forward: ([x], attrs) => {
    const { v, k, outShape, rows, starts, outs, idx } = topkRows(x!, attrs);
    const out = new Float64Array(sizeOf(outShape));
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < k; q++) {
        out[outs[r]! + q * v.inner] = x!.data[starts[r]! + idx[r * k + q]! * v.inner]!;
      }
    }
    return { shape: outShape, data: out };
  },
  backward: ([x], attrs, g) => {
    const { v, k, rows, starts, outs, idx } = topkRows(x!, attrs);
    const gx = ndZeros(x!.shape);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < k; q++) {
        gx.data[starts[r]! + idx[r * k + q]! * v.inner] = g.data[outs[r]! + q * v.inner]!;
      }
    }
    return [gx];
  },
};

/** topk(x, k, axis).indices (as f64 integers); not differentiable. */
export const TOPK_INDICES_ORACLE: OracleOp = {
  forward: ([x], attrs) => {
    const { v, k, outShape, rows, outs, idx } = topkRows(x!, attrs);
    const out = new Float64Array(sizeOf(outShape));
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < k; q++) out[outs[r]! + q * v.inner] = idx[r * k + q]!;
    }
    return { shape: outShape, data: out };
  },
  backward: () => [null],
};

/** argmax(x, axis, keepDims): the first maximum's index (f64 integers); not differentiable. */
export const ARGMAX_ORACLE: OracleOp = {
  forward: ([x], attrs) => {
    const v = axisView(x!.shape, attrs);
    const out = new Float64Array(v.outer * v.inner);
    forEachRow(v, (r, start) => {
      let best = 0;
      for (let j = 1; j < v.n; j++) {
        if (x!.data[start + j * v.inner]! > x!.data[start + best * v.inner]!) best = j;
      }
      out[r] = best;
    });
    return { shape: v.outShape, data: out };
  },
  backward: () => [null],
};

// ---------------------------------------------------------------- tril fill

/** Position of (r, c), c ≤ r, in the row-major lower triangle (`torch.tril_indices`). */
export function trilIndex(r: number, c: number): number {
  return (r * (r + 1)) / 2 + c;
}

/** trilFill(vec [..., n(n+1)/2], n) → [..., n, n]; the gradient gathers the lower triangle. */
export const TRIL_FILL_ORACLE: OracleOp = {
  forward: ([v], attrs) => {
    const n = attrs.n as number;
    const m = (n * (n + 1)) / 2;
    const batch = v!.data.length / m;
    const shape = [...v!.shape.slice(0, -1), n, n];
    const out = new Float64Array(batch * n * n);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < n; r++) {
        for (let c = 0; c <= r; c++) out[b * n * n + r * n + c] = v!.data[b * m + trilIndex(r, c)]!;
      }
    }
    return { shape, data: out };
  },
  backward: ([v], attrs, g) => {
    const n = attrs.n as number;
    const m = (n * (n + 1)) / 2;
    const batch = v!.data.length / m;
    const gv = ndZeros(v!.shape);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < n; r++) {
        for (let c = 0; c <= r; c++) {
          gv.data[b * m + trilIndex(r, c)] = g.data[b * n * n + r * n + c]!;
        }
      }
    }
    return [gv];
  },
};

// ------------------------------------------------------------------ dropout

/**
 * Dropout's mask, replayed from its definition: element i is kept when the top
 * 24 bits of `hashU32(seed, i)` (a uniform on the 2⁻²⁴ grid) are at least
 * ceil(p·2²⁴), i.e. when the uniform is ≥ p rounded up to the grid.
 */
export function dropoutMaskOracle(seed: number, n: number, p: number): Uint8Array {
  const threshold = Math.ceil(p * 16777216);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = hashU32(seed, i) >>> 8 >= threshold ? 1 : 0;
  return out;
}
