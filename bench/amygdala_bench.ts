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
 * Each aggregator on the original's inventory at a size llvmpipe's host can hold: 95 concepts ×
 * 112 story pairs at H = 512 (planted directions; each concept's P against its paired N), all 95
 * concepts a call, f64 host, measured on an otherwise idle machine: pooled 18.8 ms, mean 21.9 ms,
 * pca 2.2 s, logistic 0.74 s, logistic_l1 156 s (coordinate descent over H = 512 coordinates,
 * 1.6 s a concept). The runtime readout r = V·h for 95 concepts × 4 layers at H = 512: 114 ms for
 * 4096 tokens × 4 layers, about 36,000 tokens a second for all four layers on llvmpipe (one host
 * sync a call included).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/amygdala_bench.ts`
 * (AMYGDALA_BENCH_SIZES=256 skips the H = 1024 full decomposition, about a minute a run).
 *
 * @module
 */
import { optionalEnv } from "./_env.ts";
import { initGpu, readTensors, tensor } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { aggregate, AGGREGATOR_METHODS } from "../impl/amygdala/aggregators/aggregators.ts";
import { ReadoutProjector } from "../impl/amygdala/readout/readout.ts";
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
  return (optionalEnv("AMYGDALA_BENCH_SIZES") ?? "256,1024").split(",").map(Number);
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

// --- aggregators: 95 concepts × 112 stories at H = 512 (the original's inventory) ---
{
  const h = 512;
  const concepts = 95;
  const perConcept = 112;
  const rng = new Rng(95_112);
  // Story c·k of concept c: noise plus the concept's planted direction; its paired negative is
  // the same story's baseline (noise plus a shared scenario direction), as the library pairs them.
  const scenario = unit(rng, h);
  const pos: Matrix[] = [];
  const neg: Matrix[] = [];
  for (let c = 0; c < concepts; c++) {
    const u = unit(rng, h);
    const p = gaussian(rng, perConcept, h);
    const n = gaussian(rng, perConcept, h);
    for (let r = 0; r < perConcept; r++) {
      for (let i = 0; i < h; i++) {
        p.data[r * h + i] = p.data[r * h + i]! + 2 * u[i]! + scenario[i]!;
        n.data[r * h + i] = n.data[r * h + i]! + scenario[i]!;
      }
    }
    pos.push(p);
    neg.push(n);
  }
  for (const method of AGGREGATOR_METHODS) {
    Deno.bench({
      name: `${method}: 95 concepts × 112 pairs, H = 512`,
      group: "aggregators 95 × 112 × 512",
      baseline: method === "pooled",
      n: method.startsWith("logistic") || method === "pca" ? 1 : 5,
      warmup: 0,
      fn: () => {
        for (let c = 0; c < concepts; c++) {
          aggregate(method, pos[c]!, neg[c]!, { concept: `c${c}` });
        }
      },
    });
  }
}

// --- the runtime readout r = V·h: 95 concepts × 4 layers, H = 512, 4096 tokens a call ---
{
  const h = 512;
  const tokens = 4096;
  const layers = [0, 1, 2, 3];
  const rng = new Rng(4096);
  const concepts = Array.from({ length: 95 }, (_, c) => `c${c}`);
  const vectors = new Map<number, Float32Array>();
  for (const l of layers) vectors.set(l, Float32Array.from(gaussian(rng, 95, h).data));
  await initGpu();
  const projector = new ReadoutProjector({ concepts, layers, hiddenSize: h, vectors });
  const states = layers.map(() => tensor(gaussian(rng, tokens, h).data, [tokens, h]));
  // Tokens a second = 4096 tokens × 4 layers / the time of one call (one host sync a call).
  Deno.bench({
    name: "readout 95 concepts × 4 layers, 4096 tokens (tokens/s = 16384 / time)",
    group: "runtime readout",
    n: 10,
    warmup: 2,
    fn: async () => {
      const outs = layers.map((l, i) => projector.project(l, states[i]!));
      await readTensors(outs);
      for (const o of outs) o.dispose();
    },
  });
}
