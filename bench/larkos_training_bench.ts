/**
 * Bench of one Larkos 0.3 training step on the GPU (impl/larkos/training/): the reasoner,
 * the temporal encoder and the fusion head forward, backward, global-norm clipping and the
 * AdamW update, on the synthetic task of the training claims at 1 graph × 1 sample and at
 * 4 graphs × 4 samples (the claims' step), reported as µs per step. No host sync inside a step; one per iteration.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/larkos_training_bench.ts`
 *
 * @module
 */
import { initGpu } from "../impl/mod.ts";
import { LarkosTrainer } from "../impl/larkos/training/training.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

for (const [graphs, samplesPerGraph] of [[1, 1], [4, 4]] as const) {
  const trainer = new LarkosTrainer({ seed: 1, graphs, samplesPerGraph });
  throughputBench({
    name: `larkos training step (reasoner + temporal encoder + fusion head), ${graphs} ` +
      `graph${graphs > 1 ? "s" : ""} × ${samplesPerGraph} sample${samplesPerGraph > 1 ? "s" : ""}`,
    group: "larkos training step",
    reps: 2,
    work: 1,
    unit: "µs/op",
    iterations: 3,
    // The step keeps its loss on the GPU for a later read; the bench never reads it.
    call: () => trainer.step(),
  });
}
