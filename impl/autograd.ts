/**
 * Reverse-mode autograd. Ops attach a {@link GradNode} to their output when
 * any input requires a gradient; {@link backward} walks the graph in reverse
 * topological order, runs each node's backward (itself GPU ops, recorded with
 * grad mode off) and accumulates into the leaves' `.grad`.
 *
 * @example Gradient of sum(x * x)
 * ```ts
 * import { backward, initGpu, mul, sum, tensor, tidy } from "./mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 2, 3], [3], { requiresGrad: true });
 * tidy(() => backward(sum(mul(x, x))));
 * deepStrictEqual(Array.from(await x.grad!.toArray()), [2, 4, 6]);
 * x.dispose();
 * ```
 *
 * @module
 */
import { formatShape, type GradNode, keep, Tensor, tensor, tidy } from "./tensor.ts";
import { createStorageBuffer } from "./gpu/buffers.ts";
import { ACCUMULATE, ACCUMULATE_WORKGROUP } from "./ops/kernels/accumulate.ts";
import { dispatch } from "./gpu/program.ts";
import { DisposedTensorError } from "./gpu/errors.ts";

let gradEnabled = true;

/** Whether ops currently record graph nodes. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording graph nodes. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Attaches a graph node to `output` when grad mode is on and any input requires a gradient.
 * Ops call this after recording their forward kernel. Returns `output`.
 */
export function recordOp(
  output: Tensor,
  op: string,
  inputs: readonly Tensor[],
  backwardFn: GradNode["backward"],
): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    output.node = { op, inputs, backward: backwardFn };
  }
  return output;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    if (t.disposed) {
      throw new DisposedTensorError(
        `a tensor of shape ${formatShape(t.shape)} in the graph of backward()` +
          `${t.disposedOp === null ? "" : ` (the output of ${t.disposedOp})`}; keep the graph ` +
          `alive until backward() runs, e.g. call backward() inside the tidy() that built it`,
      );
    }
    seen.add(t);
    stack.push([t, true]);
    for (const inp of t.node?.inputs ?? []) if (!seen.has(inp)) stack.push([inp, false]);
  }
  return order;
}

/**
 * Back-propagates from `root`. With no `gradOutput`, `root` must hold one
 * element and the seed is 1. Gradients accumulate into `.grad` of every leaf
 * that requires one; the new `.grad` tensors outlive any open `tidy` scope.
 *
 * @throws {TypeError} when `root` needs no gradient, or the seed's shape differs from root's.
 */
export function backward(root: Tensor, gradOutput?: Tensor): void {
  if (!root.requiresGrad) {
    throw new TypeError(
      `Cannot back-propagate from a tensor of shape ${formatShape(root.shape)}: ` +
        `it does not require a gradient (no input had requiresGrad: true)`,
    );
  }
  if (gradOutput === undefined && root.size !== 1) {
    throw new TypeError(
      `Cannot back-propagate from a tensor of shape ${formatShape(root.shape)} without a ` +
        `gradOutput: expected a single element, or pass a gradient of the same shape`,
    );
  }
  if (gradOutput !== undefined && gradOutput.shape.join() !== root.shape.join()) {
    throw new TypeError(
      `Cannot back-propagate: gradOutput shape ${formatShape(gradOutput.shape)} differs from ` +
        `the root's ${formatShape(root.shape)}`,
    );
  }
  const prev = gradEnabled;
  gradEnabled = false;
  // Every tensor in `grads` is owned by this walk, except the caller's gradOutput.
  const grads = new Map<Tensor, Tensor>();
  const stored = new Set<Tensor>();
  const release = (x: Tensor) => {
    if (x !== gradOutput && !stored.has(x)) x.dispose();
  };
  try {
    const seed = gradOutput ?? tensor([1], root.shape);
    grads.set(root, seed);
    stored.add(seed);
    for (const t of topoOrder(root).reverse()) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      stored.delete(g);
      if (t.node === null) {
        if (!t.requiresGrad) release(g);
        else if (t.grad === null) t.grad = keep(g === gradOutput ? copyOf(g) : g);
        else {
          accumulateInto(t.grad.buffer, g.buffer, g.size);
          release(g);
        }
        continue;
      }
      const node = t.node;
      // tidy disposes whatever a backward creates besides the gradients it returns.
      const inputGrads = tidy(() => node.backward(g));
      node.inputs.forEach((inp, i) => {
        const gi = inputGrads[i];
        if (gi === null || gi === undefined) return;
        if (!inp.requiresGrad) {
          if (gi !== g) release(gi);
          return;
        }
        if (gi.shape.join() !== inp.shape.join()) {
          throw new Error(
            `Internal error in the backward of ${node.op}: gradient for input ${i} has shape ` +
              `${formatShape(gi.shape)}, expected ${formatShape(inp.shape)}`,
          );
        }
        const existing = grads.get(inp);
        if (existing !== undefined) {
          accumulateInto(existing.buffer, gi.buffer, gi.size);
          if (gi !== g) release(gi);
        } else {
          const own = gi === g || gi === gradOutput || stored.has(gi) ? copyOf(gi) : gi;
          grads.set(inp, own);
          stored.add(own);
        }
      });
      release(g);
    }
  } finally {
    gradEnabled = prev;
    for (const x of stored) if (x !== gradOutput) x.dispose();
  }
}

function copyOf(t: Tensor): Tensor {
  // A fresh buffer is zeroed, so accumulating into it is a copy.
  const c = new Tensor(
    createStorageBuffer(t.size * 4, `grad ${formatShape(t.shape)}`),
    t.shape,
    t.dtype,
  );
  accumulateInto(c.buffer, t.buffer, t.size);
  return c;
}

/** Records `target += source` over the first `n` elements. */
function accumulateInto(target: GPUBuffer, source: GPUBuffer, n: number): void {
  dispatch(ACCUMULATE, {
    uniforms: { n },
    buffers: { dst: target, src: source },
    workgroups: Math.ceil(n / ACCUMULATE_WORKGROUP),
  });
}
