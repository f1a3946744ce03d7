/**
 * Benches of AMS v4's geometry (impl/ams/geometry): one path transport (10 points, d_base 16,
 * d_F 64 — the topic bundle's sizes; 27 generator evaluations then the fused RK4 kernel, one
 * host read) and metric evaluation throughput (d = 8 and 16, batches of 1,024 points, one
 * dispatch and one read each); a geodesic solve (B = 4, 80 Adam steps, one read) for scale.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/ams_geometry_bench.ts`
 *
 * @module
 */
import { initGpu } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import {
  geodesicGpu,
  initConnection,
  initMetric,
  metricGpu,
  transportGpu,
} from "../impl/ams/geometry/geometry.ts";

await initGpu();

const rng = new Rng(23);
const normals = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

{
  const d = 16;
  const dF = 64;
  const conn = initConnection(initMetric(d, rng), dF, rng);
  const path = normals(10 * d, 0.3);
  const fiber = normals(dF);
  Deno.bench({
    name: "ams.geometry transport: one 10-point path, d_base 16, d_F 64",
    group: "transport",
    async fn() {
      await transportGpu(conn, fiber, path, 1, 10, 4);
    },
  });
}

for (const d of [8, 16]) {
  const w = initMetric(d, rng);
  const n = 1024;
  const x = normals(n * d);
  Deno.bench({
    name: `ams.geometry metric: ${n} points, d ${d}`,
    group: "metric",
    async fn() {
      await metricGpu(w, x, n);
    },
  });
}

{
  const d = 8;
  const w = initMetric(d, rng);
  const B = 4;
  const xs = normals(B * d);
  const xe = normals(B * d);
  Deno.bench({
    name: "ams.geometry geodesic: B 4, d 8, 80 Adam steps (one read)",
    group: "geodesic",
    async fn() {
      await geodesicGpu(w, xs, xe, B, { nGeoPts: 8, maxSteps: 80, tol: 1e-5, lr: 0.02 });
    },
  });
}
