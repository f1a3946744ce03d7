/**
 * Per-op cost of a dispatch-bound chain: 1000 chained `x = x + c` on 64- and
 * 4096-element tensors, R chains per readback (R raised until an iteration
 * takes ≥ 250 ms, so the ≥ 11 ms sync is under 5% of the figure), in µs per op (peers
 * measured on this kind of machine: raw WGSL 35–44 µs/op on llvmpipe,
 * tfjs-webgpu and ORT-webgpu about 96–108 µs/op, jax-js webgpu 276 µs/op at
 * 4096 elements).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/elementwise_bench.ts`
 *
 * @module
 */
import { add, initGpu, type Tensor, tensor } from "../impl/mod.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const CHAIN = 1000;

for (const n of [64, 4096]) {
  const x0 = tensor(new Float32Array(n).fill(1), [n]);
  const c = tensor(new Float32Array(n).fill(0.5), [n]);
  throughputBench({
    name: `add chain ×${CHAIN}, ${n} elements`,
    group: "elementwise chain",
    reps: 1,
    work: CHAIN,
    unit: "µs/op",
    readback: true,
    call: () => {
      let x: Tensor = x0;
      for (let i = 0; i < CHAIN; i++) x = add(x, c);
      return x;
    },
  });
}
