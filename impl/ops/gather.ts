/**
 * `embedding`: rows of a table gathered by integer ids.
 *
 * Out-of-range ids (negative or ≥ the vocabulary size) produce a zero row and
 * contribute nothing to the table's gradient. The op cannot reject them: ids
 * live on the GPU, and checking them would cost a host sync. Validate ids on
 * the host before uploading them when a silent zero row is not acceptable.
 *
 * The backward is deterministic and uses no float atomics: it sorts the
 * (id, position) pairs with a bitonic sort, finds each id's run, and sums
 * that run's gradient rows in increasing position order. Repeated ids sum;
 * results are bitwise reproducible. Cost: O(P log² P) for the sort, P being
 * the id count rounded up to a power of two, plus O(V·D + N·D) for the sums.
 *
 * @example
 * ```ts
 * import { backward, embedding, initGpu, tensor, tidy } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const table = tensor([1, 2, 3, 4, 5, 6], [3, 2], { requiresGrad: true });
 * const ids = tensor(Int32Array.of(2, 0, 2, 7), [4]);
 * const y = embedding(table, ids);
 * deepStrictEqual(Array.from(await y.toArray()), [5, 6, 1, 2, 5, 6, 0, 0]);
 * tidy(() => backward(y, tensor(new Float32Array(8).fill(1), [4, 2])));
 * deepStrictEqual(Array.from(await table.grad!.toArray()), [1, 1, 0, 0, 2, 2]);
 * ```
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import {
  BITONIC_STEP,
  EMBEDDING_BOUNDS,
  EMBEDDING_FORWARD,
  EMBEDDING_KEYS,
  EMBEDDING_ROW_SUMS,
  GATHER_WORKGROUP,
} from "./kernels/gather.ts";

const WG = GATHER_WORKGROUP;

/**
 * Sums the rows of `g` ([N, D] flattened) into a [V, D] gradient by id,
 * deterministically. Temporaries are left to the caller's tidy scope.
 */
function scatterAddRows(ids: Tensor, g: Tensor, vocab: number, dim: number): Tensor {
  const grad = emptyLike([vocab, dim], "f32", "embedding grad");
  const n = ids.size;
  if (n === 0 || dim === 0 || vocab === 0) return grad;
  let count = 1;
  while (count < n) count *= 2;
  // Keys are (id, position) pairs: two 4-byte words each.
  const keys = emptyLike([count, 2], "i32", "embedding sort keys");
  dispatch(EMBEDDING_KEYS, {
    uniforms: { n, count, vocab },
    buffers: { ids: ids.buffer, keys: keys.buffer },
    workgroups: Math.ceil(count / WG),
  });
  const half = count / 2;
  for (let k = 2; k <= count; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      dispatch(BITONIC_STEP, {
        uniforms: { n: half, j, k },
        buffers: { keys: keys.buffer },
        workgroups: Math.ceil(half / WG),
      });
    }
  }
  const bounds = emptyLike([vocab, 2], "i32", "embedding runs");
  dispatch(EMBEDDING_BOUNDS, {
    uniforms: { n },
    buffers: { keys: keys.buffer, bounds: bounds.buffer },
    workgroups: Math.ceil(n / WG),
  });
  // A run can be as long as all n ids: the runner splits [0, n) over launches
  // that keep one invocation's loop within the adapter's budget.
  dispatch(EMBEDDING_ROW_SUMS, {
    uniforms: { n: vocab * dim, dim, k0: 0, k1: 0 },
    buffers: { keys: keys.buffer, bounds: bounds.buffer, gs: g.buffer, grad: grad.buffer },
    workgroups: Math.ceil((vocab * dim) / WG),
    steps: n,
  });
  return grad;
}

/**
 * Gathers rows of `table` ([V, D], f32) by `ids` (i32, any shape): the result
 * has shape [...ids.shape, D]. Ids outside [0, V) give zero rows and no
 * gradient. Gradients flow to the table only; repeated ids sum.
 *
 * @throws {TypeError} when the table is not rank 2 f32, or ids are not i32.
 */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  if (table.rank !== 2) {
    throw new TypeError(
      `Cannot embed ids of shape ${formatShape(ids.shape)} in a table of shape ${
        formatShape(table.shape)
      }: ` +
        `the table must have rank 2 ([vocab, dim])`,
    );
  }
  assertDType(table, "f32", "embed", "table");
  assertDType(ids, "i32", "embed", "ids");
  const [vocab, dim] = table.shape as [number, number];
  const y = emptyLike([...ids.shape, dim], "f32", "embedding");
  dispatch(EMBEDDING_FORWARD, {
    uniforms: { n: y.size, dim, vocab },
    buffers: { table: table.buffer, ids: ids.buffer, out: y.buffer },
    workgroups: Math.ceil(y.size / WG),
  });
  return recordOp(y, "embedding", [table, ids], (g) => [
    scatterAddRows(ids, g, vocab, dim),
    null,
  ]);
}
