import { deepStrictEqual, throws } from "node:assert/strict";
import {
  backward,
  DisposedTensorError,
  initGpu,
  liveBufferCount,
  matmul,
  sum,
  tensor,
  tidy,
} from "./mod.ts";

Deno.test("backward() inside the tidy that built the graph reaches the leaves", async () => {
  await initGpu();
  const before = liveBufferCount();
  const w = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
  tidy(() => backward(sum(matmul(w, w))));
  // d/dW Σ(W·W) = 1·Wᵀ + Wᵀ·1 for the all-ones output gradient.
  deepStrictEqual(Array.from(await w.grad!.toArray()), [7, 11, 9, 13]);
  w.dispose();
  deepStrictEqual(liveBufferCount(), before);
});

Deno.test("backward() through a graph whose intermediates were disposed throws, naming the op", async () => {
  await initGpu();
  const before = liveBufferCount();
  const w = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
  const loss = tidy(() => sum(matmul(w, w)));
  throws(
    () => backward(loss),
    (e: unknown) => e instanceof DisposedTensorError && /output of matmul/.test(e.message),
  );
  deepStrictEqual(w.grad, null);
  loss.dispose();
  w.dispose();
  deepStrictEqual(liveBufferCount(), before);
});
