/**
 * Benches of AMS v4's session path on llvmpipe (impl/apps/ams_session_cli.ts): one memory
 * write, mode C's tree retrieval (pooled bare query, topic dirn with empty content ids, topic
 * tree), mode A's prefix construction (pooled prompt, cross-bundle attention over 20 entries,
 * one read-back), one Trainer4 step (batch 3, the original's recipe), and greedy generation of
 * 40 bytes for a batch of 10 prompts with no host sync per byte (the incremental decode against
 * re-running the LM every byte, and mode D's 1.5 kB prompts at N = 20) — on memspec's byte LM
 * (d_LLM 64) and the lexical backbone (d_LLM 512).
 *
 * The original's figures, for comparison only — another machine (an NVIDIA H200) and another
 * model (Qwen2.5-1.5B-Instruct, bf16, d_LLM 1536): retrieve 18–28 ms and generate 412–533 ms
 * per query (30 new tokens), 0.26 s per training step
 * (FluffyAIcode/AgentMemorySystem:reports/session_viability_v4_* and ckpt/v4_train_stdout.log,
 * PR #30).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/ams_session_bench.ts`
 *
 * @module
 */
import { initGpu, SESSION_FACTS, SESSION_QUERIES, SESSION_TRAINING_CORPUS } from "../impl/mod.ts";
import { Trainer4 } from "../impl/ams/training/trainer.ts";
import { promptA } from "../impl/ams/session/session.ts";
import { ByteLMBackbone } from "../impl/apps/ams_byte_lm_backbone.ts";
import { amsLexicalBackbone, amsSessionModel, promptD } from "../impl/apps/ams_session_cli.ts";
import type { Backbone } from "../impl/ams/backbone/backbone.ts";

await initGpu();
const byteLM = await ByteLMBackbone.load();
const backbones: [string, Backbone][] = [
  ["bytelm", byteLM],
  ["lexical", amsLexicalBackbone(SESSION_FACTS)],
];
const query = "What is my dog's name?";
/** Everything that holds GPU buffers, released when the bench process unloads. */
const held: { dispose(): void }[] = [byteLM];
globalThis.addEventListener("unload", () => {
  for (const h of held.reverse()) h.dispose();
});

for (const [name, bb] of backbones) {
  const model = amsSessionModel(bb, "v4");
  held.push(model);
  for (const f of SESSION_FACTS) await model.write(f);
  let i = 0;
  Deno.bench({
    name: `${name}: one memory write (store of 20 → 21, then removed)`,
    group: "write",
    fn: async () => {
      const mid = await model.write(SESSION_FACTS[i++ % 20]!);
      model.store.remove(mid);
    },
  });
  Deno.bench({
    name: `${name}: tree retrieval (mode C) over 20 entries`,
    group: "retrieve",
    fn: async () => {
      const qh = await bb.pooledHidden([bb.tokenize(query)]);
      const dirn = (await model.queryDirns(qh.slice(0, bb.d))).topic;
      model.store.retrieve("topic", dirn);
    },
  });
  Deno.bench({
    name: `${name}: prefix construction (mode A) over 20 entries`,
    group: "prefix",
    fn: async () => {
      await model.prepareDecodeContext(promptA(query));
    },
  });
  const trainee = amsSessionModel(bb, "v4");
  const tr = new Trainer4(trainee, {
    steps: 1,
    corpus: SESSION_TRAINING_CORPUS,
    lm: bb === byteLM
      ? {
        d: byteLM.d,
        vocabSize: byteLM.vocabSize,
        embed: (ids) => byteLM.embedTensor(ids),
        logits: (x) => byteLM.logitsFromEmbeds(x),
      }
      : null,
  });
  held.push(trainee, tr);
  Deno.bench({
    name: `${name}: one training step (batch 3, five losses, AdamW)`,
    group: "train",
    fn: async () => {
      await tr.step();
    },
  });
}

const prompts = Array.from({ length: 10 }, (_, i) => ({
  ids: byteLM.tokenize(promptA(`Question ${i}: what is my dog's name?`)),
}));
Deno.bench({
  name: "bytelm: greedy generation, 10 prompts × 40 bytes, one read-back (incremental)",
  group: "generate",
  baseline: true,
  fn: async () => {
    await byteLM.generateGreedy(prompts, 40, { decode: "incremental" });
  },
});
Deno.bench({
  name: "bytelm: greedy generation, 10 prompts × 40 bytes, one read-back (rerun every byte)",
  group: "generate",
  fn: async () => {
    await byteLM.generateGreedy(prompts, 40, { decode: "rerun" });
  },
});
// Mode D at N = 20: every fact in each of the 10 prompts (≈ 1.5 kB). Re-running the LM over
// them for every byte takes minutes here (the CLI's --decode rerun); incrementally, seconds.
const dPrompts = SESSION_QUERIES.map((q) => ({
  ids: byteLM.tokenize(promptD(SESSION_FACTS, q.query)),
}));
Deno.bench({
  name: "bytelm: mode D at N = 20, 10 prompts of ≈ 1.5 kB × 40 bytes (incremental)",
  group: "generate D",
  n: 3,
  warmup: 1,
  fn: async () => {
    await byteLM.generateGreedy(dPrompts, 40, { decode: "incremental" });
  },
});
