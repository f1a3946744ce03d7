/**
 * Byte LM readouts bench: training throughput (bytes per second of Adam steps: forward,
 * backward with the balance loss, clip, update) of the causal-bank byte model per readout kind,
 * with routed bands, the gated mix, the hash memory, the online memory (`memoryKind`), each
 * substrate transform and all five together, two hemispheres of a gated substrate and two
 * blocks, beside today's plain configuration (frozen bank, MLP readout), at small widths (E = 16, M = 32,
 * readout and local hidden 32, window 4) with batch 8 × 64 bytes on the shipped corpus. One
 * iteration is `STEPS` steps and one loss readback (the byte-LM bench's protocol,
 * bench/decepticons_byte_lm_bench.ts); a table printed at exit gives the median bytes per
 * second and the slowdown against the plain model.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/byte_lm_readouts_bench.ts`
 *
 * @module
 */
import process from "node:process";
import { initGpu } from "../impl/mod.ts";
import { CausalBankLM, type CausalBankLMConfig } from "../impl/decepticons/byte_lm/byte_lm.ts";

await initGpu();

const corpus = Deno.readFileSync(new URL("../fixtures/corpus/byte_lm.txt", import.meta.url));
const train = corpus.subarray(0, Math.floor(corpus.length * 0.9));
const STEPS = 2;
const BATCH = 8;
const SEQ = 64;
const WIDTHS: Partial<CausalBankLMConfig> = {
  embeddingDim: 16,
  linearModes: 32,
  readoutHidden: 32,
  localHidden: 32,
  localWindow: 4,
  maxSeqLen: SEQ,
};
const GATED: Partial<CausalBankLMConfig> = {
  substrate: "gated_retention",
  stateDim: 8,
  numHeads: 2,
};

const cases: { name: string; config: Partial<CausalBankLMConfig> }[] = [
  { name: "plain (frozen, mlp)", config: {} },
  { name: "tied_recursive (depth 2)", config: { readoutKind: "tied_recursive", readoutDepth: 2 } },
  { name: "routed_sqrelu_experts (4)", config: { readoutKind: "routed_sqrelu_experts" } },
  { name: "tied_embed_readout (4)", config: { readoutKind: "tied_embed_readout" } },
  { name: "recurrent (GRU)", config: { readoutKind: "recurrent" } },
  { name: "mlp, gated mix", config: { mixMode: "gated" } },
  { name: "mlp bands 2", config: { readoutBands: 2 } },
  {
    name: "routed bands 2 x 4",
    config: { readoutKind: "routed_sqrelu_experts", readoutBands: 2 },
  },
  {
    name: "routed, hash memory (16 slots x 16)",
    config: {
      readoutKind: "routed_sqrelu_experts",
      hashMemory: true,
      hashMemorySlots: 16,
      hashMemoryDim: 16,
    },
  },
  { name: "mlp, online memory (ngram)", config: { memoryKind: "ngram" } },
  { name: "bank router (2 banks)", config: { substrateBankRouter: true, substrateNBanks: 2 } },
  { name: "overwrite gate", config: { overwriteGate: true } },
  { name: "magnitude normaliser (kept channel)", config: { magnitudeNormalize: true } },
  { name: "mode selector", config: { modeSelector: true } },
  {
    name: "temporal attention (every 16, 2 x 8)",
    config: {
      temporalAttention: true,
      temporalSnapshotInterval: 16,
      temporalAttentionHeads: 2,
      temporalAttentionHeadDim: 8,
    },
  },
  {
    name: "all five transforms",
    config: {
      substrateBankRouter: true,
      substrateNBanks: 2,
      overwriteGate: true,
      magnitudeNormalize: true,
      modeSelector: true,
      temporalAttention: true,
      temporalSnapshotInterval: 16,
      temporalAttentionHeads: 2,
      temporalAttentionHeadDim: 8,
    },
  },
  { name: "gated_retention", config: GATED },
  { name: "gated_retention, hemispheres", config: { ...GATED, numHemispheres: 2 } },
  { name: "frozen, two blocks", config: { numBlocks: 2 } },
  {
    name: "rich: routed bands, hemispheres, two blocks",
    config: {
      ...GATED,
      numHemispheres: 2,
      numBlocks: 2,
      readoutKind: "routed_sqrelu_experts",
      readoutBands: 2,
    },
  },
];

const rates = new Map<string, number[]>();
const models: CausalBankLM[] = [];

for (const c of cases) {
  const name = `byte LM train ${c.name} B=${BATCH} T=${SEQ}`;
  const lm = new CausalBankLM({ ...WIDTHS, ...c.config });
  models.push(lm);
  // Warm-up (pipeline compilation, Adam state) outside the timed iterations.
  await lm.train(train, { steps: 1, batch: BATCH, seqLen: SEQ, lr: 1e-3, logEvery: 1 });
  let seed = 1;
  Deno.bench({
    name,
    group: "byte LM readouts training",
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
  console.log(
    `\nbyte LM readouts training throughput (E=${WIDTHS.embeddingDim}, M=${WIDTHS.linearModes}, ` +
      `hidden ${WIDTHS.readoutHidden}+${WIDTHS.localHidden}, window ${WIDTHS.localWindow}, ` +
      `${STEPS} steps per iteration, one readback):`,
  );
  let plain = NaN;
  for (const [name, list] of rates) {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    if (Number.isNaN(plain)) plain = median;
    console.log(
      `  ${name.padEnd(72)} ${median.toFixed(0).padStart(8)} bytes/s  ` +
        `${(plain / median).toFixed(2)}x the plain model's time`,
    );
  }
});
