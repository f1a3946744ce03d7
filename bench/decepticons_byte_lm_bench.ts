/**
 * Byte language model bench: training throughput of the causal-bank byte model
 * in bytes per second, per substrate, at the defaults of
 * {@link CAUSAL_BANK_LM_DEFAULTS} (E = 24, M = 96, readout and local hidden 96,
 * local window 4) with batch 16 × 64 bytes, on the shipped corpus. One bench
 * iteration is `STEPS` Adam steps (forward, backward, clip, update) and one
 * loss readback; `deno bench` reports its time, and a table printed at exit
 * gives bytes per second (median of the iterations).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/decepticons_byte_lm_bench.ts`
 *
 * @module
 */
import process from "node:process";
import { initGpu } from "../impl/mod.ts";
import {
  CAUSAL_BANK_LM_DEFAULTS,
  CausalBankLM,
  type LMSubstrate,
} from "../impl/decepticons/byte_lm/byte_lm.ts";

await initGpu();

const corpus = Deno.readFileSync(new URL("../fixtures/corpus/byte_lm.txt", import.meta.url));
const train = corpus.subarray(0, Math.floor(corpus.length * 0.9));
const STEPS = 4;
const BATCH = 16;
const SEQ = 64;
const rates = new Map<string, number[]>();
const models: CausalBankLM[] = [];

const cases: { substrate: LMSubstrate; scanMethod?: "chunked" | "sequential" }[] = [
  { substrate: "frozen", scanMethod: "chunked" },
  { substrate: "frozen", scanMethod: "sequential" },
  { substrate: "learned_recurrence", scanMethod: "chunked" },
  { substrate: "gated_retention" },
  { substrate: "gated_delta" },
];

for (const c of cases) {
  const name = `byte LM train ${c.substrate}${c.scanMethod ? ` (${c.scanMethod} scan)` : ""} ` +
    `B=${BATCH} T=${SEQ}`;
  const lm = new CausalBankLM({ ...c });
  models.push(lm);
  // Warm-up (pipeline compilation, Adam state) outside the timed iterations.
  await lm.train(train, { steps: 1, batch: BATCH, seqLen: SEQ, lr: 1e-3, logEvery: 1 });
  let seed = 1;
  Deno.bench({
    name,
    group: "byte LM training",
    n: 3,
    warmup: 0,
    async fn() {
      const r = await lm.train(train, {
        steps: STEPS,
        batch: BATCH,
        seqLen: SEQ,
        lr: 1e-3,
        logEvery: STEPS,
        seed: seed++,
      });
      const list = rates.get(name) ?? [];
      list.push(r.bytesPerSecond);
      rates.set(name, list);
    },
  });
}

process.on("exit", () => {
  for (const lm of models) lm.dispose();
  const d = CAUSAL_BANK_LM_DEFAULTS;
  console.log(
    `\nbyte LM training throughput (E=${d.embeddingDim}, M=${d.linearModes}, hidden ` +
      `${d.readoutHidden}+${d.localHidden}, window ${d.localWindow}, ${STEPS} steps per ` +
      `iteration, one readback):`,
  );
  for (const [name, list] of rates) {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`  ${name.padEnd(60)} ${median.toFixed(0).padStart(8)} bytes/s`);
  }
});
