/**
 * The oracle's array type: f64 values in row-major order with a shape. The
 * oracle computes in f64 from f32-rounded inputs, so a GPU result is compared
 * with exactly the numbers the GPU was given.
 *
 * @module
 */

/** An f64 row-major array. */
export interface NDArray {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: Float64Array;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An NDArray from values (copied) and a shape; TypeError when the length does not match. */
export function nd(values: ArrayLike<number>, shape: readonly number[]): NDArray {
  const n = sizeOf(shape);
  if (values.length !== n) {
    throw new TypeError(
      `Cannot make an array of shape [${
        shape.join(", ")
      }] from ${values.length} values: expected ${n}`,
    );
  }
  return { shape: [...shape], data: Float64Array.from(values) };
}

/** A zero-filled NDArray. */
export function ndZeros(shape: readonly number[]): NDArray {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

/** Values rounded to f32 and back, as the GPU sees them. */
export function roundToF32(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(values));
}

/** Row-major strides. */
export function ndStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Elementwise map (returns a new array). */
export function ndMap(a: NDArray, f: (v: number, i: number) => number): NDArray {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!, i);
  return { shape: [...a.shape], data: out };
}

/** Elementwise absolute values: the input of a magnitude companion. */
export function ndAbs(a: NDArray): NDArray {
  return ndMap(a, Math.abs);
}
