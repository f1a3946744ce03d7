/**
 * Rebuilds fixtures/checkpoints/amygdala_stack_lm.safetensors, the two-layer byte LM of the
 * amygdala activations claim (spec/amygdala/activations): STACK_LM_CONFIG trained by
 * STACK_LM_TRAINING (600 seeded Adam steps) on fixtures/corpus/byte_lm.txt, about a minute on a
 * software GPU. Deterministic for one machine; another adapter may round differently.
 *
 *   npx -y deno@2.9.6 run --allow-read=. --allow-write=fixtures/checkpoints --allow-env \
 *     bench/amygdala_stack_lm.ts
 *
 * @module
 */
import { initGpu } from "../impl/mod.ts";
import { buildStackByteLM, STACK_LM_CHECKPOINT } from "../impl/apps/byte_lm_activations.ts";

await initGpu();
const t0 = performance.now();
const lm = await buildStackByteLM(await Deno.readFile("fixtures/corpus/byte_lm.txt"));
lm.dispose();
console.log(
  `wrote ${STACK_LM_CHECKPOINT} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
