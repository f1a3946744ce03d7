/**
 * Benches of AMS v4's direction tree (impl/ams/direction_tree) against the brute-force GPU
 * cosine scan, at N = 1,000 and 10,000 uniform unit dirns in S^15: latency of a batch of 100
 * queries (tree: host beam retrieval, beam 5, one query at a time; scan: one dispatch over all
 * 100 × N pairs and one host sync), with the recall of each printed beside it at exit (the
 * f64 brute-force best among the tree's top 3 and top 1, and the scan's argmax = the f64 best),
 * for queries that are stored dirns plus noise σ = 0.3.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/ams_direction_tree_bench.ts`
 *
 * @module
 */
import process from "node:process";
import { initGpu } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import {
  bruteForceCosine,
  cosineScanGpu,
  DirectionTreeV4,
} from "../impl/ams/direction_tree/direction_tree.ts";

await initGpu();

const D = 16;
const Q = 100;
const SIGMA = 0.3;

function unit(rng: Rng): Float64Array {
  const v = Float64Array.from({ length: D }, () => rng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const lines: string[] = [];

for (const n of [1000, 10000]) {
  const rng = new Rng(n);
  const dirns = Array.from({ length: n }, () => unit(rng));
  const t0 = performance.now();
  const tree = new DirectionTreeV4(D);
  dirns.forEach((v, i) => tree.insert(i, v));
  const buildMs = performance.now() - t0;
  const queries = Array.from({ length: Q }, (_, i) => {
    const v = dirns[(i * 7919) % n]!.map((x) => x + SIGMA * rng.normal());
    const m = Math.hypot(...v);
    return v.map((x) => x / m);
  });
  const qf = new Float32Array(Q * D);
  queries.forEach((q, i) => qf.set(q, i * D));
  const xf = new Float32Array(n * D);
  dirns.forEach((v, i) => xf.set(v, i * D));
  const best = bruteForceCosine(queries, dirns, 1).map((h) => h[0]!.mid);

  let top1 = 0;
  let top3 = 0;
  const tt = performance.now();
  queries.forEach((q, i) => {
    const hits = tree.retrieve(q, 5);
    if (hits[0]?.mid === best[i]) top1++;
    if (hits.slice(0, 3).some((h) => h.mid === best[i])) top3++;
  });
  const treeMs = performance.now() - tt;
  const ts = performance.now();
  const scores = await cosineScanGpu(qf, xf, D);
  const scanMs = performance.now() - ts;
  let scanTop1 = 0;
  for (let i = 0; i < Q; i++) {
    let g = 0;
    for (let j = 1; j < n; j++) if (scores[i * n + j]! > scores[i * n + g]!) g = j;
    if (g === best[i]) scanTop1++;
  }
  lines.push(
    `N=${n}: tree build ${buildMs.toFixed(0)} ms; ${Q} queries: tree ${treeMs.toFixed(1)} ms ` +
      `(recall@1 ${top1}%, brute-force best in top 3 ${top3}%), GPU scan ${scanMs.toFixed(1)} ms ` +
      `incl. upload and sync (recall@1 ${scanTop1}%)`,
  );

  const group = `ams direction tree N=${n}`;
  Deno.bench(`tree retrieve N=${n} (${Q} queries, beam 5)`, { group, baseline: true }, () => {
    for (const q of queries) tree.retrieve(q, 5);
  });
  Deno.bench(
    `GPU cosine scan N=${n} (${Q} queries, one dispatch + one sync)`,
    { group },
    async () => {
      await cosineScanGpu(qf, xf, D);
    },
  );
}

process.on("exit", () => {
  console.log("\nDirection tree vs brute-force scan (first run, before the timed iterations):");
  for (const l of lines) console.log(`  ${l}`);
});
