/**
 * Benches of Larkos 0.3's edge-gain GAT layer (impl/larkos/gat_layer): forward
 * and forward + backward at N = 8 (the reasoner's graph), 128 and 1024 nodes,
 * dIn = dOut = 64, 2 heads, B = 1, on a graph with self-loops and about a
 * quarter of the other pairs as edges (the kernels are dense: work does not
 * depend on the density).
 *
 * Work per forward call: 2·N·dIn·dOut (z = h·Wᵀ) + 4·N·dOut (s, t) + N²·H·4
 * (scores, gain, exp, normalise) + 2·N²·dOut (aggregation) flops; forward +
 * backward counts 3×.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/larkos_gat_layer_bench.ts`
 *
 * @module
 */
import { backward, initGpu, type Tensor, tensor } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { GATLayer, type GraphEdges } from "../impl/larkos/gat_layer/gat_layer.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const rng = new Rng(17);
const D = 64;
const H = 2;

function clearGrads(leaves: readonly Tensor[]): void {
  for (const t of leaves) {
    t.grad?.dispose();
    t.grad = null;
  }
}

function graph(n: number): GraphEdges {
  const adjacency = new Uint8Array(n * n);
  const weights = new Float32Array(n * n);
  for (let k = 0; k < n * n; k++) {
    adjacency[k] = k % (n + 1) === 0 || rng.uniform() < 0.25 ? 1 : 0;
    weights[k] = rng.uniformIn(-3, 3);
  }
  return { nodes: n, adjacency, weights };
}

const flops = (n: number) => 2 * n * D * D + 4 * n * D + 4 * n * n * H + 2 * n * n * D;

for (const n of [8, 128, 1024]) {
  const gat = new GATLayer({ dIn: D, dOut: D, heads: H, seed: 5 });
  const edges = graph(n);
  const h = tensor(Float32Array.from({ length: n * D }, () => rng.uniformIn(-1, 1)), [1, n, D], {
    requiresGrad: true,
  });
  const leaves = [h, ...gat.parameters()];
  const big = n === 1024;
  const shape = `N=${n} (d ${D}, ${H} heads)`;
  throughputBench({
    name: `GAT layer forward ${shape}`,
    group: `GAT layer ${shape}`,
    reps: big ? 2 : 8,
    work: flops(n),
    unit: "GFLOP/s",
    iterations: 3,
    call: () => gat.forward(h, edges),
  });
  throughputBench({
    name: `GAT layer forward + backward ${shape}`,
    group: `GAT layer ${shape}`,
    reps: big ? 1 : 4,
    work: 3 * flops(n),
    unit: "GFLOP/s",
    iterations: 3,
    call: () => {
      clearGrads(leaves);
      const y = gat.forward(h, edges);
      backward(y, y);
    },
  });
}
