/**
 * Byte language model bench: training throughput of the causal-bank byte model
 * in bytes per second, per substrate, at the defaults of
 * {@link CAUSAL_BANK_LM_DEFAULTS} (E = 24, M = 96, readout and local hidden 96,
 * local window 4) with batch 16 × 64 bytes, on the shipped corpus. One bench
 * iteration is 4 Adam steps (forward, backward, clip, update) and one
 * loss readback; `deno bench` reports its time, and a table printed at exit
 * gives bytes per second (median of the iterations).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/decepticons_byte_lm_bench.ts`
 *
 * @module
 */

import {
  CAUSAL_BANK_LM_DEFAULTS as D,
  type LMSubstrate,
} from "../impl/decepticons/byte_lm/byte_lm.ts";
import { benchTraining } from "./_byte_lm_training.ts";

const cases: { substrate: LMSubstrate; scanMethod?: "chunked" | "sequential" }[] = [
  { substrate: "frozen", scanMethod: "chunked" },
  { substrate: "frozen", scanMethod: "sequential" },
  { substrate: "learned_recurrence", scanMethod: "chunked" },
  { substrate: "gated_retention" },
  { substrate: "gated_delta" },
];

await benchTraining(
  cases.map((c) => ({
    name: `${c.substrate}${c.scanMethod ? ` (${c.scanMethod} scan)` : ""}`,
    config: c,
  })),
  {
    group: "byte LM training",
    widths: {},
    steps: 4,
    batch: 16,
    seqLen: 64,
    heading: `byte LM training throughput (E=${D.embeddingDim}, M=${D.linearModes}, hidden ` +
      `${D.readoutHidden}+${D.localHidden}, window ${D.localWindow})`,
  },
);
