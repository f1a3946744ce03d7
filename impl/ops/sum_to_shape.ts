/**
 * Reduces a tensor of a broadcast shape back to one of its operand shapes by
 * summing over the broadcast dimensions: the backward of broadcasting.
 *
 * @module
 */
import { dispatch, maxStepsPerLaunch } from "../gpu/program.ts";
import { reshape } from "./reshape.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { ELEMENTWISE_WORKGROUP, SUM_TO_SHAPE } from "./kernels/elementwise.ts";
import { MAX_RANK, padDims, sameShape, stridesOf } from "./_shape.ts";

/**
 * Sums `x` down to `shape`, which must broadcast to `x.shape`. Returns `x`
 * itself when the shapes are equal (callers must not dispose it twice).
 * Each output is a sequential sum over its broadcast copies in row-major
 * order, split into chunks that fit the adapter's loop budget and summed in
 * a second pass; the rounding path is at most count − 1 additions.
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
  const count = rShape.reduce((a, b) => a * b, 1);
  const n = padded.reduce((a, b) => a * b, 1);
  // An empty broadcast dimension sums nothing: zeros (a fresh buffer is zeroed).
  if (count === 0) return emptyLike(shape, "f32", "sumToShape");
  // Positions per invocation: as many as one invocation's loops fit in the
  // adapter's budget (SUM_TO_SHAPE.loopIterations); the chunks' partials are
  // summed by a second pass.
  const sizes = { rank, rrank: rShape.length };
  const chunk = maxStepsPerLaunch(SUM_TO_SHAPE, sizes, count);
  const chunks = Math.ceil(count / chunk);
  const partial = chunks === 1
    ? emptyLike(shape, "f32", "sumToShape")
    : emptyLike([n, chunks], "f32", "sumToShape partial");
  dispatch(SUM_TO_SHAPE, {
    sizes,
    uniforms: {
      n,
      rank,
      count,
      rrank: rShape.length,
      chunks,
      chunk,
      tshape: padDims(padded, 1),
      tstride_x: padDims(tStrideX),
      rshape: padDims(rShape, 1),
      rstride_x: padDims(rStrideX),
    },
    buffers: { xs: x.buffer, out: partial.buffer },
    workgroups: Math.ceil((n * chunks) / ELEMENTWISE_WORKGROUP),
    steps: chunk,
  });
  if (chunks === 1) return partial;
  // Sum the chunk partials of each output: [n, chunks] → [n, 1], same layout as `shape`.
  const summed = sumToShape(partial, [n, 1]);
  partial.dispose();
  const out = reshape(summed, shape);
  summed.dispose();
  return out;
}
