/**
 * Shared setup of the training claims: a small lexical backbone over both corpora, a seeded
 * stub linear LM for PSA, and models seeded like the original's run.
 *
 * @module
 */
import { readTensors } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { LexicalBackbone } from "../../../impl/ams/backbone/lexical.ts";
import { MemLLM4 } from "../../../impl/ams/mem_llm/mem_llm.ts";
import { SESSION_TRAINING_CORPUS } from "../../../impl/ams/session/session_data.ts";
import { type PsaLanguageModel, stubLinearLm } from "../../../impl/ams/training/losses.ts";
import { amsTrainingCorpus } from "../../../impl/ams/training/corpus.ts";

/** d_LLM of the claims (the backbone's hash buckets): small, so each step is fast on llvmpipe. */
export const TRAIN_D = 32;

/** The v4.7 corpus at its defaults. */
export const V47_CORPUS: readonly string[] = amsTrainingCorpus();

let backbone: LexicalBackbone | null = null;
/** The lexical backbone fitted on both corpora. */
export function trainBackbone(): LexicalBackbone {
  backbone ??= new LexicalBackbone({ d: TRAIN_D }).fit([
    ...SESSION_TRAINING_CORPUS,
    ...V47_CORPUS,
  ]);
  return backbone;
}

let lm: PsaLanguageModel | null = null;
/** A seeded stub linear LM over the backbone's ids (E, W ~ N(0, 0.3²)). */
export function trainLm(): PsaLanguageModel {
  const rng = new Rng(2024);
  lm ??= stubLinearLm(
    rng.normals(TRAIN_D * TRAIN_D, 0.3),
    rng.normals(TRAIN_D * TRAIN_D, 0.3),
    TRAIN_D,
    TRAIN_D,
  );
  return lm;
}

/** A MemLLM4 at d_LLM = TRAIN_D over the shared backbone. */
export function trainModel(seed = 42, d = TRAIN_D): MemLLM4 {
  const bb = d === TRAIN_D ? trainBackbone() : new LexicalBackbone({ d }).fit(
    SESSION_TRAINING_CORPUS,
  );
  return new MemLLM4({ cfg: { d_LLM: d }, backbone: bb, seed });
}

/** Every parameter's values, by name (one sync). */
export async function weightsOf(m: MemLLM4): Promise<Map<string, Float32Array>> {
  const named = m.namedParameters();
  const vals = await readTensors(named.map(([, t]) => t));
  return new Map(named.map(([k], i) => [k, vals[i] as Float32Array]));
}

/** Elements that differ bit for bit between two weight maps (a missing name counts as all). */
export function bitDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let n = 0;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (y === undefined || y.length !== x.length) {
      n += x.length;
      continue;
    }
    const xu = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const yu = new Uint32Array(y.buffer, y.byteOffset, y.length);
    for (let i = 0; i < x.length; i++) if (xu[i] !== yu[i]) n++;
  }
  return n;
}
