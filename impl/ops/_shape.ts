/**
 * Shape helpers shared by the ops: validation with messages naming the op and
 * both shapes, broadcasting, strides.
 *
 * @module
 */
import { formatShape, type Tensor } from "../tensor.ts";

/** Highest rank the strided kernels accept (two vec4u of dimensions in a uniform). */
export const MAX_RANK = 8;

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Throws a TypeError when `t` has more than {@link MAX_RANK} dimensions. */
export function assertMaxRank(op: string, t: Tensor): void {
  if (t.rank > MAX_RANK) {
    throw new TypeError(
      `Cannot ${op} a tensor of shape ${formatShape(t.shape)}: rank ${t.rank} exceeds the ` +
        `maximum rank ${MAX_RANK}`,
    );
  }
}

/** Throws a TypeError naming `op` unless `t` has rank `rank`. */
export function assertRank(op: string, t: Tensor, rank: number, which = "input"): void {
  if (t.rank !== rank) {
    throw new TypeError(
      `Cannot ${op}: ${which} of shape ${
        formatShape(t.shape)
      } has rank ${t.rank}, expected rank ${rank}`,
    );
  }
}

/** NumPy broadcasting of two shapes; TypeError naming `op` and both shapes when incompatible. */
export function broadcastShapes(
  op: string,
  a: readonly number[],
  b: readonly number[],
): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TypeError(
        `Cannot ${op} tensors of shapes ${formatShape(a)} and ${formatShape(b)}: dimension ` +
          `${i} of the broadcast shape differs (${da} != ${db}) and neither is 1`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` as if broadcast to `outShape`:
 * zero along broadcast dimensions, aligned to the right.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - off;
    if (j < 0) return 0;
    return shape[j] === 1 ? 0 : own[j]!;
  });
}

/** Pads an array of dimension values to {@link MAX_RANK} entries for a uniform. */
export function padDims(values: readonly number[], fill = 0): number[] {
  const out = [...values];
  while (out.length < MAX_RANK) out.push(fill);
  return out;
}

/** Normalises a possibly negative axis; RangeError naming `op` when out of range. */
export function normaliseAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank || rank === 0) {
    throw new RangeError(
      `Cannot ${op} along axis ${axis}: expected an integer in [${-rank}, ${
        rank - 1
      }] for rank ${rank}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Broadcast batch dimensions of two operands, collapsed for a strided kernel. */
export interface CollapsedBatch {
  /** Sizes of the kept batch dims (size-1 dims dropped, chained neighbours merged). */
  bshape: number[];
  /**
   * Per kept dim, A's step: how far A's index advances per unit of that dim
   * (in items when `unitA` is 1, in elements when `unitA` is the item size);
   * 0 where A broadcasts along it.
   */
  sa: number[];
  /** Per kept dim, the same step for B (in the unit of `unitB`); 0 where B broadcasts along it. */
  sb: number[];
  /**
   * A's extent: the product of its own batch dims times `unitA` (its item
   * count when `unitA` is 1, its element count when `unitA` is the item size).
   */
  itemsA: number;
  /** B's extent: the product of its own batch dims times `unitB`. */
  itemsB: number;
}

/**
 * Pairs the batch dims `ba` and `bb` (right-aligned, broadcast) into one
 * iteration space: for every output batch dim its size and the steps through
 * A's and B's items (`unitA`, `unitB` elements per item; 1 to count items),
 * with size-1 dims dropped and neighbours merged where their steps chain.
 */
export function collapseBatch(
  ba: readonly number[],
  bb: readonly number[],
  unitA = 1,
  unitB = 1,
): CollapsedBatch {
  const rank = Math.max(ba.length, bb.length);
  const pa = [...new Array<number>(rank - ba.length).fill(1), ...ba];
  const pb = [...new Array<number>(rank - bb.length).fill(1), ...bb];
  const dims: [number, number, number][] = [];
  let strideA = unitA;
  let strideB = unitB;
  for (let d = rank - 1; d >= 0; d--) {
    const da = pa[d]!;
    const db = pb[d]!;
    dims.unshift([Math.max(da, db), da === 1 ? 0 : strideA, db === 1 ? 0 : strideB]);
    strideA *= da;
    strideB *= db;
  }
  // Merge neighbours whose steps chain (outer step = inner step · inner size).
  const merged: [number, number, number][] = [];
  for (const [size, sa, sb] of dims) {
    if (size === 1) continue;
    const last = merged.at(-1);
    if (last !== undefined && last[1] === sa * size && last[2] === sb * size) {
      merged[merged.length - 1] = [last[0] * size, sa, sb];
    } else merged.push([size, sa, sb]);
  }
  return {
    bshape: merged.map((d) => d[0]),
    sa: merged.map((d) => d[1]),
    sb: merged.map((d) => d[2]),
    itemsA: strideA,
    itemsB: strideB,
  };
}
