/**
 * Training-throughput benches of the causal-bank byte LM: one bench per configuration, each
 * iteration `steps` Adam steps (forward, backward with the balance loss, clip, update) on the
 * shipped corpus's first 90% and one loss readback; a table printed at exit gives each
 * configuration's median bytes per second and its time against the first configuration's.
 *
 * @module
 */
import process from "node:process";
import { initGpu } from "../impl/mod.ts";
import { CausalBankLM, type CausalBankLMConfig } from "../impl/decepticons/byte_lm/byte_lm.ts";

/** One configuration to time. */
export interface TrainingCase {
  /** Its name in the bench and the table. */
  name: string;
  /** Fields over the shared widths. */
  config: Partial<CausalBankLMConfig>;
}

/** The protocol shared by every case. */
export interface TrainingProtocol {
  /** `deno bench` group. */
  group: string;
  /** Fields every case starts from (widths). */
  widths: Partial<CausalBankLMConfig>;
  /** Adam steps per iteration. */
  steps: number;
  /** Windows per batch. */
  batch: number;
  /** Bytes per window. */
  seqLen: number;
  /** The table's heading (what the widths are). */
  heading: string;
}

/** Registers one bench per case (after a one-step warm-up of each) and the table at exit. */
export async function benchTraining(
  cases: readonly TrainingCase[],
  p: TrainingProtocol,
): Promise<void> {
  await initGpu();
  const corpus = Deno.readFileSync(new URL("../fixtures/corpus/byte_lm.txt", import.meta.url));
  const train = corpus.subarray(0, Math.floor(corpus.length * 0.9));
  const rates = new Map<string, number[]>();
  const models: CausalBankLM[] = [];
  const run = { batch: p.batch, seqLen: p.seqLen, lr: 1e-3 };
  for (const c of cases) {
    const name = `byte LM train ${c.name} B=${p.batch} T=${p.seqLen}`;
    const lm = new CausalBankLM({ ...p.widths, ...c.config });
    models.push(lm);
    // Warm-up (pipeline compilation, Adam state) outside the timed iterations.
    await lm.train(train, { ...run, steps: 1, logEvery: 1 });
    let seed = 1;
    Deno.bench({
      name,
      group: p.group,
      n: 3,
      warmup: 0,
      async fn() {
        const r = await lm.train(train, {
          ...run,
          steps: p.steps,
          logEvery: p.steps,
          seed: seed++,
        });
        rates.set(name, [...(rates.get(name) ?? []), r.bytesPerSecond]);
      },
    });
  }
  process.on("exit", () => {
    for (const lm of models) lm.dispose();
    console.log(`\n${p.heading}, ${p.steps} steps per iteration, one readback:`);
    let first = NaN;
    for (const [name, list] of rates) {
      const median = [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
      if (Number.isNaN(first)) first = median;
      console.log(
        `  ${name.padEnd(72)} ${median.toFixed(0).padStart(8)} bytes/s  ` +
          `${(first / median).toFixed(2)}x the first model's time`,
      );
    }
  });
}
