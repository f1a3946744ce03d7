/**
 * Reduces a tensor of a broadcast shape back to one of its operand shapes by
 * summing over the broadcast dimensions: the backward of broadcasting.
 *
 * @module
 */
import { launch } from "../gpu/batch.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { ELEMENTWISE_WORKGROUP, SUM_TO_SHAPE_WGSL } from "../kernels/elementwise.ts";
import { MAX_RANK, padDims, sameShape, stridesOf } from "./_shape.ts";

/**
 * Sums `x` down to `shape`, which must broadcast to `x.shape`. Returns `x`
 * itself when the shapes are equal (callers must not dispose it twice).
 * Each output is one invocation's sequential sum over its broadcast copies,
 * in row-major order (count − 1 roundings).
 *
 * @throws {TypeError} when `x` is not f32 or `shape` does not broadcast to `x.shape`.
 */
export function sumToShape(x: Tensor, shape: readonly number[]): Tensor {
  assertDType(x, "f32", "sumToShape");
  if (sameShape(x.shape, shape)) return x;
  const rank = x.rank;
  if (shape.length > rank || rank > MAX_RANK) {
    throw new TypeError(
      `Cannot reduce a tensor of shape ${formatShape(x.shape)} to shape ${formatShape(shape)}: ` +
        `the target must broadcast to the source`,
    );
  }
  const xStrides = stridesOf(x.shape);
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const tStrideX: number[] = [];
  const rShape: number[] = [];
  const rStrideX: number[] = [];
  for (let d = 0; d < rank; d++) {
    const td = padded[d]!;
    const xd = x.shape[d]!;
    if (td === xd) tStrideX.push(xStrides[d]!);
    else if (td === 1) {
      tStrideX.push(0);
      rShape.push(xd);
      rStrideX.push(xStrides[d]!);
    } else {
      throw new TypeError(
        `Cannot reduce a tensor of shape ${formatShape(x.shape)} to shape ${formatShape(shape)}: ` +
          `dimension ${d} is ${xd} in the source and ${td} in the target`,
      );
    }
  }
  const out = emptyLike(shape, "f32", "sumToShape");
  const n = out.size;
  const count = rShape.reduce((a, b) => a * b, 1);
  launch({
    name: "sum_to_shape",
    code: SUM_TO_SHAPE_WGSL,
    uniforms: [
      n,
      rank,
      count,
      rShape.length,
      ...padDims(padded, 1),
      ...padDims(tStrideX),
      ...padDims(rShape, 1),
      ...padDims(rStrideX),
    ],
    buffers: [x.buffer, out.buffer],
    workgroups: Math.ceil(n / ELEMENTWISE_WORKGROUP),
  });
  return out;
}
