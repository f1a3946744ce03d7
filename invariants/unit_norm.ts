/**
 * Unit norm of every row: the figure is max_i | ‖v_i‖₂ − 1 | over the rows
 * v_i of a matrix (e.g. normalised keys, embeddings, unit quaternions),
 * compared `<=` with `atol`. Norms are computed in f64 with scaling by the
 * row's largest magnitude, so they neither overflow nor underflow.
 *
 * @example
 * ```ts
 * import { checkUnitNorm } from "./unit_norm.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * ok(checkUnitNorm(fromRows([[0.6, 0.8], [0, -1]]), { atol: 1e-15 }).pass);
 * const v = checkUnitNorm(fromRows([[0.6, 0.8], [3, 4]]), { atol: 1e-6 });
 * ok(!v.pass && v.figure === 4 && v.worst.row === 1 && v.worst.norm === 5);
 * ```
 *
 * @module
 */
import { assertMatrix, type Matrix } from "./matrix.ts";
import { assertBound, makeVerdict, type Verdict, WorstTracker } from "./verdict.ts";

/** Options for {@link checkUnitNorm}. */
export interface UnitNormOptions {
  /** Largest | ‖v_i‖ − 1 | accepted. */
  atol: number;
}

/** The row whose norm was furthest from 1, or row -1 (norm NaN) for a matrix without rows. */
export interface UnitNormWorst {
  /** Index of the row. */
  row: number;
  /** Its Euclidean norm. */
  norm: number;
}

/**
 * The Euclidean norm of each row, in f64.
 *
 * @throws {TypeError} when `m` is not a well-formed matrix
 *
 * @example
 * ```ts
 * import { rowNorms } from "./unit_norm.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(rowNorms(fromRows([[3, 4], [0, 0], [1e200, 1e200]]))), [
 *   5,
 *   0,
 *   Math.SQRT2 * 1e200,
 * ]);
 * ```
 */
export function rowNorms(m: Matrix): Float64Array {
  assertMatrix(m, "take row norms of");
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let scale = 0;
    for (let j = 0; j < m.cols; j++) scale = Math.max(scale, Math.abs(m.data[i * m.cols + j]!));
    if (scale === 0 || !Number.isFinite(scale)) {
      // Zero row, or a NaN (Math.max propagates it) or an infinity: the plain formula says which.
      let s = 0;
      for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j]! ** 2;
      out[i] = Math.sqrt(s);
      continue;
    }
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += (m.data[i * m.cols + j]! / scale) ** 2;
    out[i] = scale * Math.sqrt(s);
  }
  return out;
}

/**
 * Checks that every row of `m` has Euclidean norm 1 within `atol`.
 *
 * @throws {TypeError} when `m` is not a well-formed matrix
 * @throws {RangeError} when `atol` is negative or not finite
 *
 * @example At the bound passes, just past it fails
 * ```ts
 * import { checkUnitNorm } from "./unit_norm.ts";
 * import { matrix } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const m = matrix(1, 1, [1.5]);
 * ok(checkUnitNorm(m, { atol: 0.5 }).pass && !checkUnitNorm(m, { atol: 0.49 }).pass);
 * ```
 */
export function checkUnitNorm(m: Matrix, options: UnitNormOptions): Verdict<UnitNormWorst> {
  assertMatrix(m, "check unit norms of");
  assertBound(options.atol, "atol", "check unit norms", { min: 0 });
  const norms = rowNorms(m);
  const worst = new WorstTracker();
  norms.forEach((norm, i) => worst.offer(Math.abs(norm - 1), i));
  return makeVerdict(worst.value, "<=", options.atol, {
    row: worst.index,
    norm: worst.index < 0 ? NaN : norms[worst.index]!,
  });
}
