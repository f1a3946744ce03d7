/**
 * Benches of AMS v4's training on the GPU (impl/ams/training): one Trainer4 step of the
 * original's recipe (batch 3: three production writes, the batch re-encoded with gradients, the
 * five losses with PSA through a stub causal linear LM, backward, clip, AdamW) with the loss
 * read back, at d_LLM 64 and at Cfg4's d_LLM 1536 on the lexical backbone, and the five losses'
 * forward alone at 1536.
 *
 * The original's figure — 0.26 s per step (15.7 s for 60 steps) — is another machine (an H200)
 * and another model (Qwen2.5-1.5B as the frozen backbone, so its PSA runs a 1.5B-parameter LM);
 * quote it beside these, never as a comparison of implementations.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-write=out bench/ams_training_bench.ts`
 *
 * @module
 */
import { initGpu, readTensors, tidy } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { LexicalBackbone } from "../impl/ams/backbone/lexical.ts";
import { MemLLM4 } from "../impl/ams/mem_llm/mem_llm.ts";
import { SESSION_TRAINING_CORPUS } from "../impl/ams/session/session_data.ts";
import { stubLinearLm } from "../impl/ams/training/losses.ts";
import { Trainer4, TRAINER4_LOSSES } from "../impl/ams/training/trainer.ts";

await initGpu();

const owned: { dispose(): void }[] = [];
// Release the GPU state before the process exits (the device is torn down after this).
globalThis.addEventListener("unload", () => {
  for (const o of owned.reverse()) o.dispose();
});

for (const d of [64, 1536]) {
  const backbone = new LexicalBackbone({ d }).fit(SESSION_TRAINING_CORPUS);
  const rng = new Rng(5);
  const lm = stubLinearLm(rng.normals(d * d, 0.05), rng.normals(d * d, 0.05), d, d);
  const model = new MemLLM4({ cfg: { d_LLM: d }, backbone, seed: 42 });
  const tr = new Trainer4(model, { steps: 1_000_000, readEvery: 1, lm });
  owned.push(model, tr);
  Deno.bench({
    name: `Trainer4 step, batch 3, d_LLM ${d} (one read-back)`,
    group: "step",
    baseline: d === 64,
    fn: async () => {
      await tr.step(true);
    },
  });
  if (d === 1536) {
    const batch = await tr.prepareBatch(tr.batchTexts(0));
    Deno.bench({
      name: `five losses forward, batch 3, d_LLM ${d} (one read-back)`,
      group: "losses",
      fn: async () => {
        const ts = tidy(() => {
          const l = tr.losses(batch);
          return [l.total, ...TRAINER4_LOSSES.map((n) => l.losses[n])];
        });
        await readTensors(ts);
        for (const t of ts) t.dispose();
      },
    });
  }
}
