/**
 * Byte LM readouts bench: training throughput (bytes per second of Adam steps: forward,
 * backward with the balance loss, clip, update) of the causal-bank byte model per readout kind,
 * with routed bands, the gated mix, the hash memory, the online memory (`memoryKind`), each
 * substrate transform and all five together, two hemispheres of a gated substrate and two
 * blocks, beside today's plain configuration (frozen bank, MLP readout), at small widths (E = 16, M = 32,
 * readout and local hidden 32, window 4) with batch 8 × 64 bytes on the shipped corpus. One
 * iteration is 2 steps and one loss readback (bench/_byte_lm_training.ts, the protocol of
 * bench/decepticons_byte_lm_bench.ts too); a table printed at exit gives the median bytes per
 * second and the slowdown against the plain model.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/byte_lm_readouts_bench.ts`
 *
 * @module
 */

import type { CausalBankLMConfig } from "../impl/decepticons/byte_lm/byte_lm.ts";
import { benchTraining } from "./_byte_lm_training.ts";

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

await benchTraining(cases, {
  group: "byte LM readouts training",
  widths: WIDTHS,
  steps: 2,
  batch: 8,
  seqLen: SEQ,
  heading: `byte LM readouts training throughput (E=${WIDTHS.embeddingDim}, ` +
    `M=${WIDTHS.linearModes}, hidden ${WIDTHS.readoutHidden}+${WIDTHS.localHidden}, window ` +
    `${WIDTHS.localWindow}; the first row is the plain model)`,
});
