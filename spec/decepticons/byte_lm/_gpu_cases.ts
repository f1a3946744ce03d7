/**
 * The GPU side of the byte LM's differential cases: the model configuration an oracle
 * configuration stands for, and seeding a built model with a case's values (the oracle's own
 * for the parameters it defines, seeded draws for the readout modules', memory's and
 * transforms'), read back as the oracle will see them. Shared by the readout-path, full-gradient
 * and memory claims.
 *
 * @module
 */
import { gpu, readTensors } from "../../../impl/mod.ts";
import type {
  CausalBankLM,
  CausalBankLMConfig,
} from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import type { ByteLMBoundsConfig } from "./_bounds.ts";
import { caseDecays, caseValues } from "./_cases.ts";

/** The options an oracle configuration and a model configuration spell alike. */
const SHARED_OPTIONS = [
  "numBlocks",
  "staticBankGate",
  "substratePolyOrder",
  "localPolyOrder",
  "readoutKind",
  "readoutDepth",
  "readoutExperts",
  "tiedReadoutNormalize",
  "readoutBands",
  "bandExperts",
  "mixMode",
  "hashMemory",
  "hashMemorySlots",
  "hashMemoryDim",
  "memoryKind",
] as const satisfies readonly (keyof ByteLMBoundsConfig & keyof CausalBankLMConfig)[];

/**
 * The model configuration of an oracle configuration: its sizes, the cases' half-lives and
 * sequence limit (16), `seed`, and each option it sets (an unset one keeps the model's default,
 * which is the oracle's).
 */
export function lmConfigOf(c: ByteLMBoundsConfig, seed: number): Partial<CausalBankLMConfig> {
  const out: Record<string, unknown> = {
    substrate: c.substrate,
    embeddingDim: c.embeddingDim,
    linearModes: c.linearModes,
    stateDim: c.stateDim,
    numHeads: c.numHeads,
    readoutHidden: c.readoutHidden,
    localWindow: c.localWindow,
    localHidden: c.localHidden,
    localScale: c.localScale,
    halfLifeMin: 1.5,
    halfLifeMax: 64,
    scanMethod: c.scanMethod,
    scanChunk: c.scanChunk,
    maxSeqLen: 16,
    seed,
  };
  for (const k of SHARED_OPTIONS) if (c[k] !== undefined) out[k] = c[k];
  return out as Partial<CausalBankLMConfig>;
}

/**
 * Seeded f32 values of a parameter the oracle's cases do not define (readout modules, the
 * memory projection), in the spirit of {@link caseValues}: weights U(±1.5·√(3/fan-in)) (fan-in
 * the rows of [in, out] layouts, the columns of the GRU's torch layout [3H, in]), biases and
 * scalars U(±0.5), the gated mix's weights U(±0.3) (its features, an entropy near log 256, would
 * saturate the gate otherwise).
 */
export function readoutValue(name: string, shape: readonly number[], r: Rng): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  let lim = 0.5;
  if (name === "mix.gate_w") lim = 0.3;
  else if (name.includes(".weight_")) lim = 1.5 * Math.sqrt(3 / shape[1]!);
  else if (shape.length >= 2) lim = 1.5 * Math.sqrt(3 / shape[shape.length - 2]!);
  return Float64Array.from({ length: n }, () => Math.fround(r.uniformIn(-lim, lim)));
}

/**
 * Writes a case's values into every parameter of `lm` ({@link caseValues} where the oracle
 * defines the parameter, {@link readoutValue} from the stream of `seed · 7919` otherwise) and
 * returns the values the oracle sees: every parameter and buffer read back, and the frozen
 * bank's decays.
 *
 * @throws {TypeError} when a case value's length differs from its parameter's size.
 */
export async function seedModel(
  lm: CausalBankLM,
  c: ByteLMBoundsConfig,
  seed: number,
): Promise<Record<string, Float64Array>> {
  const seeded = caseValues(c, seed);
  const r = new Rng((seed * 7919) >>> 0);
  for (const [name, p] of lm.parameters) {
    const v = seeded[name] ?? readoutValue(name, p.shape, r);
    if (v.length !== p.size) {
      throw new TypeError(
        `Cannot seed parameter "${name}" [${p.shape.join(", ")}]: expected ${p.size} values ` +
          `but the case has ${v.length}`,
      );
    }
    gpu().device.queue.writeBuffer(p.buffer, 0, Float32Array.from(v));
  }
  const named = [...lm.parameters, ...lm.buffers];
  const read = await readTensors(named.map(([, t]) => t));
  const values: Record<string, Float64Array> = {};
  named.forEach(([name], i) => (values[name] = Float64Array.from(read[i]!)));
  if (c.substrate === "frozen") values.decays = caseDecays(c.linearModes);
  return values;
}
