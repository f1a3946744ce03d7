/**
 * Mean cross-entropy of logits [N, C] against integer class targets [N]:
 * L = (1/N) Σᵢ −log softmax(xᵢ)[tᵢ], as PyTorch's `F.cross_entropy` with the
 * default `reduction="mean"` (no weights, no ignore index, no smoothing).
 * Stable: each row's maximum is subtracted before exponentiating. Recorded as
 * one row kernel and the sum reduction forward, one row kernel backward; the
 * gradient flows to the logits only.
 *
 * Target validation. Targets given as host data (an `Int32Array` or a number
 * array) are checked synchronously: a value outside [0, C) is a RangeError.
 * Targets given as an i32 tensor live on the GPU and cannot be checked
 * without a host sync, which ops never make; for them an out-of-range target
 * makes, by definition, the loss NaN and its row's gradient NaN (the kernel
 * writes the NaN bit pattern; one bad row poisons the mean, so it cannot go
 * unnoticed).
 *
 * @example Host targets are validated; tensor targets give NaN when out of range
 * ```ts
 * import { crossEntropy, initGpu, tensor } from "../mod.ts";
 * import { ok, throws } from "node:assert/strict";
 * await initGpu();
 * const logits = tensor([2, 0, 0, 0, 3, 0], [2, 3]);
 * const [loss] = await crossEntropy(logits, [0, 1]).toArray();
 * const want = Math.log(2 + Math.exp(2)) - 2 + Math.log(2 + Math.exp(3)) - 3;
 * ok(Math.abs(loss! - want / 2) < 1e-6);
 * throws(() => crossEntropy(logits, [0, 3]), RangeError);
 * const bad = tensor([0, 3], [2], { dtype: "i32" });
 * ok(Number.isNaN((await crossEntropy(logits, bad).toArray())[0]));
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, formatShape, Tensor, tensor } from "../tensor.ts";
import { dispatch } from "../gpu/program.ts";
import { MAX_ROW, rowLanes, segmentWorkgroups } from "./kernels/reduce.ts";
import { CROSS_ENTROPY_BACKWARD, CROSS_ENTROPY_ROWS } from "./kernels/cross_entropy.ts";
import { recordReduce } from "./_reduce.ts";

/** Throws unless host targets are N integers in [0, C); returns them as i32. */
function checkHostTargets(targets: ArrayLike<number>, rows: number, classes: number): Int32Array {
  if (targets.length !== rows) {
    throw new TypeError(
      `Cannot crossEntropy logits of shape [${rows}, ${classes}] with ${targets.length} ` +
        `targets: expected ${rows}`,
    );
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = targets[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= classes) {
      throw new RangeError(
        `Cannot crossEntropy: target ${t} at index ${i} is not a class index in [0, ${classes})`,
      );
    }
    out[i] = t;
  }
  return out;
}

/**
 * Mean cross-entropy of `logits` [N, C] (f32) against `targets` [N]: class
 * indices as an i32 tensor, or as host data (validated). Returns a tensor of
 * shape []. See the module documentation for out-of-range targets.
 *
 * @example Gradient: (softmax − onehot) / N
 * ```ts
 * import { backward, crossEntropy, initGpu, tensor } from "../mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const logits = tensor([0, 0], [1, 2], { requiresGrad: true });
 * backward(crossEntropy(logits, tensor([1], [1], { dtype: "i32" })));
 * const g = await logits.grad!.toArray();
 * ok(Math.abs(g[0]! - 0.5) < 1e-7 && Math.abs(g[1]! + 0.5) < 1e-7);
 * ```
 *
 * @throws {TypeError} when logits are not f32 of rank 2, or targets are not an
 *   i32 tensor / host array of shape [N].
 * @throws {RangeError} when N or C is 0, C exceeds 524,288, or a host target is out of range.
 */
export function crossEntropy(logits: Tensor, targets: Tensor | ArrayLike<number>): Tensor {
  assertDType(logits, "f32", "crossEntropy", "logits");
  if (logits.rank !== 2) {
    throw new TypeError(
      `Cannot crossEntropy logits of shape ${formatShape(logits.shape)}: expected rank 2 [N, C]`,
    );
  }
  const [rows, classes] = logits.shape as [number, number];
  if (rows === 0 || classes === 0 || classes > MAX_ROW) {
    throw new RangeError(
      `Cannot crossEntropy logits of shape ${formatShape(logits.shape)}: expected N >= 1 and ` +
        `1 <= C <= ${MAX_ROW}`,
    );
  }
  let host: Int32Array | null = null;
  if (targets instanceof Tensor) {
    const t = targets;
    assertDType(t, "i32", "crossEntropy", "targets");
    if (t.rank !== 1 || t.shape[0] !== rows) {
      throw new TypeError(
        `Cannot crossEntropy logits of shape ${formatShape(logits.shape)} with targets of ` +
          `shape ${formatShape(t.shape)}: expected targets of shape [${rows}]`,
      );
    }
  } else {
    host = checkHostTargets(targets as ArrayLike<number>, rows, classes);
  }
  // Host targets are uploaded per use, so no upload outlives the call that needs it.
  const withTargets = (f: (t: Tensor) => void) => {
    if (host === null) return f(targets as Tensor);
    const t = tensor(host, [rows], { dtype: "i32" });
    f(t);
    t.dispose();
  };
  const out = emptyLike([], "f32", "crossEntropy");
  const losses = emptyLike([rows], "f32", "crossEntropy rows");
  const lanes = rowLanes(rows, classes);
  const grid = { sizes: { oneLane: lanes === 1 }, workgroups: segmentWorkgroups(rows, lanes) };
  withTargets((t) =>
    dispatch(CROSS_ENTROPY_ROWS, {
      ...grid,
      uniforms: { rows, n: classes, lanes },
      buffers: { xs: logits.buffer, tg: t.buffer, losses: losses.buffer },
    })
  );
  recordReduce("sum", losses.buffer, out.buffer, { outer: 1, n: rows, inner: 1 }, {
    scale: Math.fround(1 / rows),
  });
  losses.dispose();
  const inputs = host === null ? [logits, targets as Tensor] : [logits];
  return recordOp(out, "cross_entropy", inputs, (g) => {
    const gx = emptyLike(logits.shape, "f32", "crossEntropy grad");
    withTargets((t) =>
      dispatch(CROSS_ENTROPY_BACKWARD, {
        ...grid,
        uniforms: { rows, n: classes, lanes, inv_rows: Math.fround(1 / rows) },
        buffers: { xs: logits.buffer, tg: t.buffer, gs: g.buffer, gx: gx.buffer },
      })
    );
    return host === null ? [gx, null] : [gx];
  });
}
