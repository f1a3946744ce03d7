/**
 * Memory-bound row-wise ops in GB/s (bytes read plus bytes written once, the
 * minimum any implementation moves): softmax, layer norm and sum over the last
 * axis of a [rows, cols] f32 tensor, at a wide (1024 × 1024) and a narrow
 * (16384 × 64) shape.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/rowwise_bench.ts`
 *
 * @module
 */
import { initGpu, layerNorm, softmax, sum, type Tensor, tensor } from "../impl/mod.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

function filled(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 2654435761 + seed) % 1000) / 250 - 2;
  return tensor(v, shape);
}

for (const [rows, cols] of [[1024, 1024], [16384, 64]] as const) {
  const x = filled([rows, cols], 1);
  const gamma = filled([cols], 2);
  const beta = filled([cols], 3);
  const bytes = rows * cols * 4;
  const shape = `[${rows}, ${cols}]`;
  throughputBench({
    name: `softmax ${shape}`,
    group: `rowwise ${shape}`,
    reps: 16,
    work: 2 * bytes,
    unit: "GB/s",
    call: () => softmax(x, -1),
  });
  throughputBench({
    name: `layerNorm ${shape}`,
    group: `rowwise ${shape}`,
    reps: 16,
    work: 2 * bytes + 2 * cols * 4,
    unit: "GB/s",
    call: () => layerNorm(x, gamma, beta, 1e-5),
  });
  throughputBench({
    name: `sum(axis -1) ${shape}`,
    group: `rowwise ${shape}`,
    reps: 16,
    work: bytes + rows * 4,
    unit: "GB/s",
    call: () => sum(x, -1),
  });
}
