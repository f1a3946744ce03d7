/**
 * Benches of AMS v4's Kakeya codec (impl/ams/kakeya, f64 on the host): encode and decode
 * throughput at d = 1536 (the original's d_LLM) with a set built on 64 memories of rank 8 plus
 * noise (d_eff 8, K 16, d_res 5), and the set's build (PCA by one-sided Jacobi SVD plus
 * spherical k-means) at N = 8 (the original's one build) and N = 64.
 *
 * Each encode iteration encodes 256 vectors; the table printed at exit gives vectors/s (median
 * over iterations). Encode costs about 2·d·d_eff flops (the coefficients), decode the same.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. bench/ams_kakeya_bench.ts`
 *
 * @module
 */
import process from "node:process";
import { Rng } from "../impl/gpu/rng.ts";
import { matrix } from "../impl/linalg/mod.ts";
import { type CompressedVec, KakeyaSet } from "../impl/ams/kakeya/kakeya.ts";

const D = 1536;
const BATCH = 256;
const rng = new Rng(23);

function lowRank(n: number): Float64Array {
  const v = Float64Array.from({ length: 8 * D }, () => rng.normal());
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    const u = Array.from({ length: 8 }, () => rng.normal());
    for (let j = 0; j < D; j++) {
      let s = 0.1 * rng.normal();
      for (let k = 0; k < 8; k++) s += u[k]! * v[k * D + j]!;
      out[i * D + j] = s;
    }
  }
  return out;
}

const axis = Float64Array.from({ length: D }, () => rng.normal());
const train = matrix(64, D, lowRank(64));
const set = KakeyaSet.build(train, axis);
const queries = lowRank(BATCH);
const codes: CompressedVec[] = [];
for (let i = 0; i < BATCH; i++) codes.push(set.encode(queries.subarray(i * D, (i + 1) * D)));

const rates: Record<string, number[]> = {};
function timed(name: string, vectors: number, fn: () => void): () => void {
  return () => {
    const t0 = performance.now();
    fn();
    (rates[name] ??= []).push(vectors / ((performance.now() - t0) / 1000));
  };
}

Deno.bench({
  name: `encode d=${D} ×${BATCH}`,
  group: "kakeya codec",
  fn: timed("encode", BATCH, () => {
    for (let i = 0; i < BATCH; i++) set.encode(queries.subarray(i * D, (i + 1) * D));
  }),
});

Deno.bench({
  name: `decode d=${D} ×${BATCH}`,
  group: "kakeya codec",
  fn: timed("decode", BATCH, () => {
    for (const c of codes) set.decode(c);
  }),
});

const first8 = matrix(8, D, train.data.subarray(0, 8 * D));
Deno.bench({
  name: `build N=8 d=${D}`,
  group: "kakeya build",
  fn: timed("build N=8", 8, () => void KakeyaSet.build(first8, axis)),
});
Deno.bench({
  name: `build N=64 d=${D}`,
  group: "kakeya build",
  fn: timed("build N=64", 64, () => void KakeyaSet.build(train, axis)),
});

process.on("exit", () => {
  const rows = Object.entries(rates).map(([name, xs]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${name.padEnd(12)} ${s[Math.floor(s.length / 2)]!.toExponential(3)} vectors/s`;
  });
  console.log(
    `\nKakeya (d_eff ${set.dEff}, K ${set.centers.rows}, d_res ${set.dRes}):\n` +
      rows.join("\n"),
  );
});
