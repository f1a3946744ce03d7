/**
 * Broadcasting in the oracle: NumPy rules, written independently of the GPU
 * kernels' stride tables.
 *
 * @module
 */
import { type NDArray, ndStrides, sizeOf } from "./ndarray.ts";

/** The broadcast shape of two shapes; TypeError when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TypeError(`Shapes [${a}] and [${b}] do not broadcast`);
    }
    out.push(Math.max(da, db) === 1 ? 1 : da === 1 ? db : da);
  }
  return out;
}

/** For each element of `outShape`, the flat index into an array of `shape` broadcast to it. */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const idx = new Int32Array(n);
  const own = ndStrides(shape);
  const off = outShape.length - shape.length;
  const coord = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let d = 0; d < shape.length; d++) {
      if (shape[d] !== 1) k += coord[d + off]! * own[d]!;
    }
    idx[i] = k;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break;
      coord[d] = 0;
    }
  }
  return idx;
}

/** `f(a, b)` elementwise with broadcasting. */
export function broadcastBinary(
  a: NDArray,
  b: NDArray,
  f: (x: number, y: number, i: number) => number,
): NDArray {
  const shape = broadcastShape(a.shape, b.shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const out = new Float64Array(ia.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[ia[i]!]!, b.data[ib[i]!]!, i);
  return { shape, data: out };
}

/** Sums an array of a broadcast shape back to `shape` (the adjoint of broadcasting). */
export function reduceToShape(full: NDArray, shape: readonly number[]): NDArray {
  const idx = broadcastIndex(shape, full.shape);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < idx.length; i++) out[idx[i]!] = out[idx[i]!]! + full.data[i]!;
  return { shape: [...shape], data: out };
}
