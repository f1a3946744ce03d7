/**
 * FrozenReadoutExpert bench: scoring time at n = 100, 200, 400 bytes of the shipped corpus, for
 * memspec's one-pass scoring (n − 1 substrate steps) and for the original's re-run over every
 * prefix (n(n − 1)/2 steps, emulated here with predictProba per prefix), host f64 on a delay-line
 * expert (3 slots of width 8). Time should grow linearly for the first and quadratically for the
 * second.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. bench/decepticons_experts_bench.ts`
 *
 * @module
 */
import { FrozenReadoutExpert } from "../impl/decepticons/experts/experts.ts";
import { hostSubstrate } from "../impl/decepticons/experts/host_substrate.ts";
import { delayLine } from "../impl/decepticons/substrate/build.ts";

const corpus = Deno.readFileSync(new URL("../fixtures/corpus/byte_lm.txt", import.meta.url));

for (const n of [100, 200, 400]) {
  const text = Array.from(corpus.subarray(0, n));
  const expert = new FrozenReadoutExpert({
    substrate: hostSubstrate(delayLine({ length: 3, dim: 8 })),
  });
  expert.fit(text);
  Deno.bench({ name: `one pass, n ${n}`, group: `n ${n}`, baseline: true }, () => {
    expert.score(text);
  });
  Deno.bench({ name: `re-run per prefix, n ${n}`, group: `n ${n}` }, () => {
    for (let k = 1; k < n; k++) expert.predictProba(text.slice(0, k));
  });
}
