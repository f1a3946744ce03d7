/**
 * matmul throughput in GFLOP/s (2·M·N·K per product) at 256³, 512³ and 1024³,
 * for the default kernel ("auto") and each family forced. Anchors on this kind
 * of machine (llvmpipe, 2 cores; tfjs-webgpu, jax-js and onnxruntime-web
 * measured side by side): peers on the same adapter 6–8 GFLOP/s, our earlier
 * probe 17–21, numpy 239.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/matmul_bench.ts`
 *
 * @module
 */
import { initGpu, matmul, type MatmulKernel, type Tensor, tensor } from "../impl/mod.ts";
import { matmulPath } from "../impl/ops/matmul.ts";
import { throughputBench } from "./_throughput.ts";

const ctx = await initGpu();

function operand(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 2654435761 + seed) % 1000) / 1000 - 0.5;
  return tensor(v, shape);
}

/** The least calls per sync; bench/_throughput.ts raises R until an iteration takes ≥ 250 ms. */
const REPS: Record<number, number> = { 256: 16, 512: 4, 1024: 2 };

const kernels: MatmulKernel[] = ["auto", "register", "register-buffer"];
if (!ctx.isFallbackAdapter) kernels.push("tiled");

for (const n of [256, 512, 1024]) {
  const a = operand([n, n], 1);
  const b = operand([n, n], 2);
  for (const kernel of kernels) {
    const path = matmulPath(a.shape, b.shape, { kernel });
    throughputBench({
      name: `matmul ${n}³ ${kernel} (${path})`,
      group: `matmul ${n}³`,
      reps: REPS[n]!,
      work: 2 * n * n * n,
      unit: "GFLOP/s",
      call: () => matmul(a, b, { kernel }),
    });
  }
}

// On llvmpipe the workgroup-memory family runs at well under 1 GFLOP/s; one small size shows it.
if (ctx.isFallbackAdapter) {
  const a = operand([256, 256], 3);
  const b = operand([256, 256], 4);
  throughputBench({
    name: "matmul 256³ tiled (tiled)",
    group: "matmul 256³",
    reps: 1,
    work: 2 * 256 ** 3,
    unit: "GFLOP/s",
    call: () => matmul(a, b, { kernel: "tiled" }),
    iterations: 3,
  });
}

// Training shapes: a linear layer's forward and both gradients at [64·64, 512] · [512, 512].
{
  const x = operand([64, 64, 512], 5);
  const w = operand([512, 512], 6);
  const g = operand([64, 64, 512], 7);
  const x2 = operand([4096, 512], 5);
  const g2 = operand([4096, 512], 7);
  const work = 2 * 64 * 64 * 512 * 512;
  throughputBench({
    name: "linear fwd x·W [4096,512]·[512,512]",
    group: "linear",
    reps: 2,
    work,
    unit: "GFLOP/s",
    call: () => matmul(x, w),
  });
  throughputBench({
    name: "linear dX = g·Wᵀ",
    group: "linear",
    reps: 2,
    work,
    unit: "GFLOP/s",
    call: () => matmul(g, w, { transB: true }),
  });
  throughputBench({
    name: "linear dW = xᵀ·g (folded batch)",
    group: "linear",
    reps: 2,
    work,
    unit: "GFLOP/s",
    // What matmul's backward records for dW: one product over the folded rows.
    call: () => matmul(x2, g2, { transA: true }),
  });
}

// Small products, where "auto" switches from storage-buffer to texture operands (PACK_MIN_WORK).
for (const n of [64, 96, 128]) {
  const a = operand([n, n], 8);
  const b = operand([n, n], 9);
  for (const kernel of ["register", "register-buffer"] as const) {
    throughputBench({
      name: `matmul ${n}³ ${kernel}`,
      group: "matmul small",
      reps: 200,
      work: 2 * n * n * n,
      unit: "GFLOP/s",
      call: () => matmul(a, b, { kernel }),
    });
  }
}
