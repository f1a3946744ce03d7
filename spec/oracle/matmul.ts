/**
 * The f64 oracle of matmul and outer: plain loops over the definitions, with
 * NumPy broadcasting of batch dims and analytic gradients.
 *
 * matmul: `C[β, i, j] = Σ_k opA[β, i, k] · opB[β, k, j]` where
 * `opA = transA ? Aᵀ : A` on the last two dims (same for B) and β runs over the
 * broadcast batch dims. Gradients:
 * `dA[α, i, k] = Σ_{β ↦ α} Σ_j g[β, i, j] · opB[β, k, j]` (read back through the
 * transpose), `dB[α, k, j] = Σ_{β ↦ α} Σ_i opA[β, i, k] · g[β, i, j]`, where
 * `β ↦ α` sums over the output batch positions that read A's (B's) matrix α.
 *
 * outer: `Y[β, i, j] = a[β, i] · b[β, j]`; `da[α, i] = Σ_{β ↦ α} Σ_j g[β, i, j] · b[β, j]`,
 * `db[α, j] = Σ_{β ↦ α} Σ_i g[β, i, j] · a[β, i]`.
 *
 * @module
 */
import type { OpAttrs, OracleOp } from "../_harness/op_spec.ts";
import { broadcastIndex, broadcastShape } from "./broadcast.ts";
import { type NDArray, sizeOf } from "./ndarray.ts";

/** Shapes of one matmul: batch shape, matrix dims, and per output matrix the A and B matrix. */
interface MatmulGeometry {
  batch: number[];
  m: number;
  n: number;
  k: number;
  /** For each output matrix, the index of A's and of B's matrix it reads. */
  aMat: Int32Array;
  bMat: Int32Array;
}

function geometry(a: NDArray, b: NDArray, transA: boolean, transB: boolean): MatmulGeometry {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new TypeError(`matmul oracle: ranks must be >= 2, got [${a.shape}] and [${b.shape}]`);
  }
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transA ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const ka = transA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const kb = transB ? b.shape[br - 1]! : b.shape[br - 2]!;
  const n = transB ? b.shape[br - 2]! : b.shape[br - 1]!;
  if (ka !== kb) throw new TypeError(`matmul oracle: inner dims ${ka} and ${kb} differ`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShape(batchA, batchB);
  return {
    batch,
    m,
    n,
    k: ka,
    aMat: broadcastIndex(batchA, batch),
    bMat: broadcastIndex(batchB, batch),
  };
}

/** Flat index of opX[mat, r, c] in X's data, for X stored [rows, cols] or transposed. */
function at(mat: number, r: number, c: number, rows: number, cols: number, trans: boolean): number {
  return mat * rows * cols + (trans ? c * rows + r : r * cols + c);
}

const flag = (attrs: OpAttrs, name: string) => attrs[name] === 1;

/** matmul forward in f64. */
export function matmulForward(a: NDArray, b: NDArray, attrs: OpAttrs): NDArray {
  const tA = flag(attrs, "transA");
  const tB = flag(attrs, "transB");
  const { batch, m, n, k, aMat, bMat } = geometry(a, b, tA, tB);
  const out = new Float64Array(sizeOf(batch) * m * n);
  for (let beta = 0; beta < aMat.length; beta++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          s += a.data[at(aMat[beta]!, i, q, m, k, tA)]! * b.data[at(bMat[beta]!, q, j, k, n, tB)]!;
        }
        out[(beta * m + i) * n + j] = s;
      }
    }
  }
  return { shape: [...batch, m, n], data: out };
}

/** matmul gradients in f64: [dA, dB], each of its input's shape. */
export function matmulBackward(
  a: NDArray,
  b: NDArray,
  attrs: OpAttrs,
  g: NDArray,
): [NDArray, NDArray] {
  const tA = flag(attrs, "transA");
  const tB = flag(attrs, "transB");
  const { m, n, k, aMat, bMat } = geometry(a, b, tA, tB);
  const da = new Float64Array(a.data.length);
  const db = new Float64Array(b.data.length);
  for (let beta = 0; beta < aMat.length; beta++) {
    for (let i = 0; i < m; i++) {
      for (let q = 0; q < k; q++) {
        let s = 0;
        for (let j = 0; j < n; j++) {
          s += g.data[(beta * m + i) * n + j]! * b.data[at(bMat[beta]!, q, j, k, n, tB)]!;
        }
        const ia = at(aMat[beta]!, i, q, m, k, tA);
        da[ia] = da[ia]! + s;
      }
    }
    for (let q = 0; q < k; q++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) {
          s += a.data[at(aMat[beta]!, i, q, m, k, tA)]! * g.data[(beta * m + i) * n + j]!;
        }
        const ib = at(bMat[beta]!, q, j, k, n, tB);
        db[ib] = db[ib]! + s;
      }
    }
  }
  return [{ shape: [...a.shape], data: da }, { shape: [...b.shape], data: db }];
}

function outerGeometry(a: NDArray, b: NDArray) {
  if (a.shape.length < 1 || b.shape.length < 1) {
    throw new TypeError(`outer oracle: ranks must be >= 1, got [${a.shape}] and [${b.shape}]`);
  }
  const m = a.shape.at(-1)!;
  const n = b.shape.at(-1)!;
  const batchA = a.shape.slice(0, -1);
  const batchB = b.shape.slice(0, -1);
  const batch = broadcastShape(batchA, batchB);
  return {
    batch,
    m,
    n,
    aVec: broadcastIndex(batchA, batch),
    bVec: broadcastIndex(batchB, batch),
  };
}

/** outer forward in f64. */
export function outerForward(a: NDArray, b: NDArray): NDArray {
  const { batch, m, n, aVec, bVec } = outerGeometry(a, b);
  const out = new Float64Array(aVec.length * m * n);
  for (let beta = 0; beta < aVec.length; beta++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        out[(beta * m + i) * n + j] = a.data[aVec[beta]! * m + i]! * b.data[bVec[beta]! * n + j]!;
      }
    }
  }
  return { shape: [...batch, m, n], data: out };
}

/** outer gradients in f64: [da, db]. */
export function outerBackward(a: NDArray, b: NDArray, g: NDArray): [NDArray, NDArray] {
  const { m, n, aVec, bVec } = outerGeometry(a, b);
  const da = new Float64Array(a.data.length);
  const db = new Float64Array(b.data.length);
  for (let beta = 0; beta < aVec.length; beta++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const gv = g.data[(beta * m + i) * n + j]!;
        const ia = aVec[beta]! * m + i;
        const ib = bVec[beta]! * n + j;
        da[ia] = da[ia]! + gv * b.data[ib]!;
        db[ib] = db[ib]! + gv * a.data[ia]!;
      }
    }
  }
  return [{ shape: [...a.shape], data: da }, { shape: [...b.shape], data: db }];
}

/**
 * matmul as an {@link OracleOp} (attrs `transA`, `transB` as 0/1).
 *
 * @example
 * ```ts
 * import { MATMUL_ORACLE } from "./matmul.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const a = { shape: [1, 2], data: Float64Array.of(1, 2) };
 * const b = { shape: [2, 1], data: Float64Array.of(3, 4) };
 * deepStrictEqual(Array.from(MATMUL_ORACLE.forward([a, b], {}).data), [11]);
 * ```
 */
export const MATMUL_ORACLE: OracleOp = {
  forward: ([a, b], attrs) => matmulForward(a!, b!, attrs),
  backward: ([a, b], attrs, g) => matmulBackward(a!, b!, attrs, g),
};

/** outer as an {@link OracleOp}. */
export const OUTER_ORACLE: OracleOp = {
  forward: ([a, b]) => outerForward(a!, b!),
  backward: ([a, b], _attrs, g) => outerBackward(a!, b!, g),
};
