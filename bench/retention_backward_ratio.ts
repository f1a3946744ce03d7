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
 * Run: `npx -y deno@2.9.6 run --allow-read=. --allow-env bench/retention_backward_ratio.ts [rounds]`
 * (rounds: default 7).
 *
 * @module
 */
import { backward, initGpu, sync, type Tensor, tensor, tidy } from "../impl/mod.ts";
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
}
