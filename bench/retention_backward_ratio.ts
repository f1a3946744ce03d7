/**
 * Retention's forward + backward against its forward, per call, in interleaved rounds: each
 * round times the forward, forward + backward with γ learned and with γ fixed (no gradient
 * asked) back to back, R calls per sync (R such that a batch takes about 300 ms), so that the
 * ratio of a round compares figures taken within the same second; the host's drift between
 * rounds (±30% on a shared llvmpipe machine) then moves both sides of a ratio together.
 * Prints per shape the median and range over the rounds of each time and each ratio.
 *
 * Shapes: T = 4096 with W = 64 as 4 heads of 16² (the head-factored layout of
 * `decepticons_retention_bench.ts`) and one 64 × 64 state.
 *
 * Then, per shape, the ceiling of a chunkwise backward built from matmul-class products (the
 * route that would escape the scans' passes over T where small products run near the adapter's
 * peak): per chunk of C steps such a backward makes at least ten products, five C × C × d (the
 * scores again, dO·Vᵀ, and dq, dk, dv inside the chunk) and five C × d × d (dq, dk, dv from the
 * chunk's entering state and its adjoint, and both chunk summaries), 10·T·d·(C + d) flops per
 * sequence. The bench times memspec's batched matmul on exactly those shapes and prints the time
 * those flops take at the faster of the two measured rates: a lower bound on such a backward's
 * time (it leaves out the masks, the decays and the carries), beside the 2 × forward that
 * forward + backward ≤ 3× forward allows.
 *
 * Run: `npx -y deno@2.9.6 run --allow-read=. --allow-env bench/retention_backward_ratio.ts [rounds]`
 * (rounds: default 7).
 *
 * @module
 */
import { backward, initGpu, matmul, sync, type Tensor, tensor, tidy } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { retention } from "../impl/decepticons/retention/retention.ts";

const T = 4096;
const rounds = Number(Deno.args[0] ?? 7);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new RangeError(`Cannot run ${rounds} rounds: expected a positive integer`);
}

await initGpu();
const rng = new Rng(5);
const values = (n: number, scale: number) =>
  Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) * scale);

/** Milliseconds per call of `call` over `reps` calls and one sync. */
async function perCall(call: () => void, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) call();
  await sync();
  return (performance.now() - t0) / reps;
}

const median = (x: readonly number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;
const summary = (x: readonly number[], digits = 2) =>
  `${median(x).toFixed(digits)} (${Math.min(...x).toFixed(digits)}–${
    Math.max(...x).toFixed(digits)
  })`;

for (const [heads, d] of [[4, 16], [1, 64]] as const) {
  const shape = [heads, T, d];
  const leaf = () => tensor(values(heads * T * d, 0.25), shape, { requiresGrad: true });
  const [q, k, v] = [leaf(), leaf(), leaf()];
  const learned = tensor(Array(heads).fill(0.99), [heads], { requiresGrad: true });
  const fixed = tensor(Array(heads).fill(0.99), [heads]);
  const seed = tensor(values(heads * T * d, 1), shape);
  const clearGrads = () => {
    for (const t of [q, k, v, learned] as Tensor[]) {
      t.grad?.dispose();
      t.grad = null;
    }
  };
  const calls = {
    forward: () => tidy(() => void retention(q, k, v, learned)),
    learned: () => {
      clearGrads();
      tidy(() => backward(retention(q, k, v, learned), seed));
    },
    fixed: () => {
      clearGrads();
      tidy(() => backward(retention(q, k, v, fixed), seed));
    },
  };
  type Name = keyof typeof calls;
  const names = Object.keys(calls) as Name[];
  // Warm-up (pipelines compiled, pool filled), then R per call from a short timing.
  const reps = {} as Record<Name, number>;
  for (const name of names) {
    await perCall(calls[name], 2);
    reps[name] = Math.max(5, Math.ceil(300 / await perCall(calls[name], 5)));
  }
  const ms = { forward: [], learned: [], fixed: [] } as Record<Name, number[]>;
  const ratio = { learned: [] as number[], fixed: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const round = {} as Record<Name, number>;
    for (const name of names) round[name] = await perCall(calls[name], reps[name]);
    for (const name of names) ms[name].push(round[name]);
    ratio.learned.push(round.learned / round.forward);
    ratio.fixed.push(round.fixed / round.forward);
  }
  const label = heads === 1 ? `${d}×${d}` : `W=${heads * d} (${heads}×${d}²)`;
  console.log(`retention ${label} T=${T}, ${rounds} rounds, median (min–max):`);
  console.log(`  forward ${summary(ms.forward)} ms`);
  console.log(
    `  forward + backward, γ learned ${summary(ms.learned)} ms: ${summary(ratio.learned)}×`,
  );
  console.log(`  forward + backward, γ fixed   ${summary(ms.fixed)} ms: ${summary(ratio.fixed)}×`);
  clearGrads();
  for (const t of [q, k, v, learned, fixed, seed]) t.dispose();
  await chunkedCeiling(heads, d, median(ms.forward));
}

/** GFLOP/s of memspec's batched matmul [b, m, kk] × [b, kk, nn], best of three timed batches. */
async function bmmRate(b: number, m: number, kk: number, nn: number): Promise<number> {
  const x = tensor(values(b * m * kk, 1), [b, m, kk]);
  const y = tensor(values(b * kk * nn, 1), [b, kk, nn]);
  const call = () => tidy(() => void matmul(x, y));
  await perCall(call, 2);
  const reps = Math.max(5, Math.ceil(300 / await perCall(call, 5)));
  let best = Infinity;
  for (let r = 0; r < 3; r++) best = Math.min(best, await perCall(call, reps));
  x.dispose();
  y.dispose();
  return (2 * b * m * kk * nn) / (best * 1e6);
}

/** Prints the chunkwise backward's lower bound per chunk length (see the module doc). */
async function chunkedCeiling(heads: number, d: number, forwardMs: number): Promise<void> {
  console.log(
    `  chunkwise backward from matmul-class products (allowed: ${(2 * forwardMs).toFixed(2)} ms):`,
  );
  for (const c of [16, 32, 64]) {
    const chunks = heads * (T / c);
    const scoreRate = await bmmRate(chunks, c, d, c);
    const stateRate = await bmmRate(chunks, c, d, d);
    const flops = 10 * heads * T * d * (c + d);
    const ms = flops / (Math.max(scoreRate, stateRate) * 1e6);
    console.log(
      `    C=${c}: ${(flops / 1e6).toFixed(0)} MFLOP; batched matmul ${scoreRate.toFixed(1)} ` +
        `GFLOP/s (C×d×C), ${stateRate.toFixed(1)} (C×d×d): at least ${ms.toFixed(2)} ms`,
    );
  }
}
