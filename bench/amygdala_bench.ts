/**
 * The amygdala subspace method and quality metrics (impl/amygdala/subspace/,
 * impl/amygdala/quality/): the span eigenproblem (r = rank of the stacked story subspaces)
 * beside the full H × H eigendecomposition of M that the original runs
 * (kent/consciousness:training/amygdala_training/train_steering_vectors.py, `eigh` of
 * 5120 × 5120 per concept on a GPU), at H = 256 and 1024, on G-token stories: 6 positive and
 * 6 paired-baseline stories of 8–12 tokens (Σk_i ≈ 120 ≪ H), all in f64 on the host. Beside
 * them, each quality metric on one concept (H = 512: 12 positives, 60 negatives, 95 concept
 * directions, W_down 512 × 2048, 16 heads × 32).
 *
 * Measured here (`deno bench`, f64 host, 2 cores shared with other helpers' work at load
 * ≈ 3.8, 2026-12-06; mean per call):
 *
 * | H    | span (r × r eigh, r ≈ 120) | full (H × H eigh) | ratio |
 * | ---- | -------------------------- | ----------------- | ----- |
 * | 256  | 61.7 ms                    | 755 ms            | 12×   |
 * | 1024 | 127 ms                     | 176.8 s (2 runs)  | 1393× |
 *
 * Quality metrics at H = 512: first_pc_variance_ratio 0.72 ms, its null baseline (64 trials)
 * 66.7 ms, story alignment 0.21 ms, single neuron 4.2 ms, nearest concepts 0.65 ms, ridge R²
 * 8.2 ms, head concentration 0.62 ms, spectrum metrics 1.3 ms.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/amygdala_bench.ts`
 * (AMYGDALA_BENCH_SIZES=256 skips the H = 1024 full decomposition, about a minute a run).
 *
 * @module
 */
import { Rng } from "../impl/gpu/rng.ts";
import { type Matrix, matrix } from "../impl/linalg/matrix.ts";
import { subspaceDirection } from "../impl/amygdala/subspace/subspace.ts";
import {
  deltaSpectrum,
  firstPcNullBaseline,
  firstPcVarianceRatio,
  headConcentration,
  nearestConcepts,
  ridgeCombination,
  singleNeuronAlignment,
  spectrumMetrics,
  storyAlignment,
} from "../impl/amygdala/quality/quality.ts";

function gaussian(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  const m = matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = scale * rng.normal();
  return m;
}

function unit(rng: Rng, h: number): Float64Array {
  const u = Float64Array.from({ length: h }, () => rng.normal());
  const n = Math.hypot(...u);
  return u.map((x) => x / n);
}

/** G-token: 6 positive stories (u + a scenario direction) and their 6 baselines. */
function stories(h: number, seed: number): { pos: Matrix[]; base: Matrix[] } {
  const rng = new Rng(seed);
  const u = unit(rng, h);
  const pos: Matrix[] = [];
  const base: Matrix[] = [];
  for (let p = 0; p < 6; p++) {
    const s = unit(rng, h);
    for (const positive of [true, false]) {
      const t = 8 + rng.int(5);
      const x = gaussian(rng, t, h, 0.5);
      for (let r = 0; r < t; r++) {
        const a = positive ? 1 + 2 * rng.uniform() : 0;
        const b = 2 * rng.uniform();
        for (let i = 0; i < h; i++) x.data[r * h + i] = x.data[r * h + i]! + a * u[i]! + b * s[i]!;
      }
      (positive ? pos : base).push(x);
    }
  }
  return { pos, base };
}

function benchSizes(): number[] {
  let list: string | undefined;
  try {
    list = Deno.env.get("AMYGDALA_BENCH_SIZES");
  } catch {
    list = undefined;
  }
  return (list ?? "256,1024").split(",").map(Number);
}

for (const h of benchSizes()) {
  const { pos, base } = stories(h, h);
  Deno.bench({
    name: `subspace H=${h} span (r × r eigh)`,
    group: `subspace H=${h}`,
    baseline: true,
    n: h >= 1024 ? 3 : 10,
    warmup: 1,
    fn: () => {
      subspaceDirection(pos, base, { eigenK: 5, method: "span" });
    },
  });
  Deno.bench({
    name: `subspace H=${h} full (H × H eigh)`,
    group: `subspace H=${h}`,
    n: h >= 1024 ? 1 : 2,
    warmup: 0,
    fn: () => {
      subspaceDirection(pos, base, { eigenK: 5, method: "full" });
    },
  });
}

// --- quality metrics, one concept at H = 512 ---
{
  const h = 512;
  const rng = new Rng(512);
  const p = gaussian(rng, 12, h);
  const n = gaussian(rng, 60, h);
  const dirs = gaussian(rng, 95, h);
  const names = Array.from({ length: 95 }, (_, i) => `c${i}`);
  const others = matrix(94, h, dirs.data.subarray(h));
  const d = dirs.data.slice(0, h);
  const w = gaussian(rng, h, 4 * h);
  const hp = gaussian(rng, 12, 512);
  const hn = gaussian(rng, 60, 512);
  const deltas = gaussian(rng, 12, h);
  const group = "quality H=512";
  const benches: [string, () => unknown][] = [
    ["first_pc_variance_ratio (12 × 512)", () => firstPcVarianceRatio(p)],
    ["null baseline (12 × 512, 64 trials)", () => firstPcNullBaseline(12, h)],
    ["story alignment (12 + 60)", () => storyAlignment(p, n, d)],
    ["single neuron (W_down 512 × 2048)", () => singleNeuronAlignment(w, d)],
    ["nearest concepts (95)", () => nearestConcepts(dirs, names, 0)],
    ["ridge R² (94 others)", () => ridgeCombination(others, d)],
    ["head concentration (16 × 32)", () => headConcentration(hp, hn, 16)],
    ["spectrum metrics (12 deltas)", () => spectrumMetrics(deltaSpectrum(deltas))],
  ];
  for (const [name, run] of benches) {
    Deno.bench({ name, group, n: 10, warmup: 1, fn: () => void run() });
  }
}
