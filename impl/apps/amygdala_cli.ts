/**
 * `deno task amygdala`: Kent Overstreet's amygdala trainer
 * (kent/consciousness:training/amygdala_training/train_steering_vectors.py) on memspec's
 * own model, the causal-bank byte LM of decepticons trained on fixtures/corpus/byte_lm.txt.
 *
 * ```
 * deno task amygdala train --corpus DIR [--method pooled|subspace|mean|pca|logistic|logistic_l1]
 *     [--layers 1,2] [--subspace-eigen-k K] [--quality-report] [--lm-steps N] --out out/DIR
 * deno task amygdala readout --readout out/DIR --text "…"
 * ```
 *
 * `train` preflights the corpus (folders, names, empty files skipped with a warning, enough
 * positives per concept) before any model work, trains the byte LM (seeded: the same model on
 * every run), computes activations once per unique text, trains one direction per concept
 * and layer with a progress bar on stderr, and writes `readout.safetensors`, `readout.json`,
 * the LM's checkpoint `byte_lm.safetensors` (+ `byte_lm.json`) and, with `--quality-report`,
 * `quality.json`. `readout` loads the LM and the readout and prints, for each layer, the
 * readout of the text's last byte (r = V_l h) per concept, as JSON on stdout.
 *
 * @module
 */
import {
  CausalBankLM,
  type CausalBankLMConfig,
  initGpu,
  loadCheckpoint,
  readCheckpointInfo,
  saveCheckpoint,
  tensor,
  writeFileAtomic,
} from "../mod.ts";
import {
  CorpusError,
  readCorpus,
  ReadoutProjector,
  readReadout,
  TRAIN_METHODS,
  type TrainedReadout,
  type TrainMethod,
  trainReadout,
  writeReadout,
} from "../amygdala/mod.ts";
import { matrix } from "../linalg/matrix.ts";
import { qualityReport } from "../amygdala/quality/report.ts";
import {
  ACTIVATION_LM_CONFIG,
  ACTIVATION_LM_TRAINING,
  BYTE_LM_LAYER_NAMES,
  ByteLMActivations,
  byteLMHiddenSizes,
} from "./byte_lm_activations.ts";

const USAGE = `usage:
  deno task amygdala train --corpus DIR [--method ${TRAIN_METHODS.join("|")}] [--layers 1,2]
      [--subspace-eigen-k K] [--quality-report] [--lm-steps N] --out DIR
  deno task amygdala readout --readout DIR --text TEXT`;

/** The byte LM's training corpus. */
export const LM_CORPUS = "fixtures/corpus/byte_lm.txt";
/** The checkpoint of the LM a readout was trained on, inside the output folder. */
export const LM_CHECKPOINT = "byte_lm.safetensors";
/** Layers trained by default: the substrate and the readout hidden layer (both 64 wide). */
export const DEFAULT_LAYERS: readonly number[] = [1, 2];

/** A command-line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parsed `train` arguments. */
export interface TrainArgs {
  corpus: string;
  method: TrainMethod;
  layers: number[];
  eigenK?: number;
  quality: boolean;
  out: string;
  lmSteps: number;
}

function takeValue(args: string[], i: number, flag: string): string {
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) {
    throw new UsageError(`Cannot read ${flag}: expected a value after it but got none`);
  }
  return v;
}

function positiveInt(flag: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`Cannot read ${flag}: expected an integer >= ${min} but got "${v}"`);
  }
  return n;
}

/**
 * Parses `train`'s arguments.
 *
 * @throws {UsageError} for a missing, unknown or malformed flag.
 *
 * @example
 * ```ts
 * import { parseTrainArgs } from "./amygdala_cli.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const a = parseTrainArgs(["--corpus", "c", "--out", "out/r", "--layers", "2"]);
 * deepStrictEqual([a.method, a.layers, a.quality], ["pooled", [2], false]);
 * ```
 */
export function parseTrainArgs(args: readonly string[]): TrainArgs {
  const a = [...args];
  let corpus: string | undefined;
  let out: string | undefined;
  let method: TrainMethod = "pooled";
  let layers = [...DEFAULT_LAYERS];
  let eigenK: number | undefined;
  let quality = false;
  let lmSteps = ACTIVATION_LM_TRAINING.steps;
  for (let i = 0; i < a.length; i++) {
    const f = a[i]!;
    switch (f) {
      case "--corpus":
        corpus = takeValue(a, i++, f);
        break;
      case "--out":
        out = takeValue(a, i++, f);
        break;
      case "--method": {
        const m = takeValue(a, i++, f);
        if (!(TRAIN_METHODS as readonly string[]).includes(m)) {
          throw new UsageError(
            `Cannot read --method: expected one of ${TRAIN_METHODS.join(", ")} but got "${m}"`,
          );
        }
        method = m as TrainMethod;
        break;
      }
      case "--layers":
        layers = takeValue(a, i++, f).split(",").map((s) => positiveInt(f, s.trim(), 0));
        break;
      case "--subspace-eigen-k":
        eigenK = positiveInt(f, takeValue(a, i++, f));
        break;
      case "--lm-steps":
        lmSteps = positiveInt(f, takeValue(a, i++, f), 0);
        break;
      case "--quality-report":
        quality = true;
        break;
      default:
        throw new UsageError(`Cannot read the arguments: unknown flag "${f}"`);
    }
  }
  if (corpus === undefined) throw new UsageError("Cannot train: expected --corpus DIR");
  if (out === undefined) throw new UsageError("Cannot train: expected --out DIR");
  return { corpus, method, layers, quality, out, lmSteps, ...(eigenK ? { eigenK } : {}) };
}

function bar(done: number, total: number, what: string): void {
  const w = 24;
  const k = Math.round((done / total) * w);
  const line = `\r[${"#".repeat(k)}${" ".repeat(w - k)}] ${done}/${total} ${what}`.padEnd(70);
  Deno.stderr.writeSync(new TextEncoder().encode(line + (done === total ? "\n" : "")));
}

function log(message: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(message + "\n"));
}

/** Builds the quality.json object of a trained readout (the byte LM has no W_down or heads). */
export function qualityOf(method: string, t: TrainedReadout): unknown {
  const { concepts, layers, hiddenSize: H } = t.vectors;
  return qualityReport({
    method,
    concepts,
    layers,
    directions: layers.map((l) => t.directions.get(l)!),
    activations: (ci, li) => {
      const c = concepts[ci]!;
      const l = layers[li]!;
      const s = t.sets.get(c)!;
      const rows = (list: string[]) => matrix(list.length, H, t.activations.rows(l, list));
      const pair = t.pairs?.get(c);
      const deltas = pair === undefined ? undefined : (() => {
        const p = t.activations.rows(l, pair.positives);
        const n = t.activations.rows(l, pair.negatives);
        return matrix(pair.positives.length, H, p.map((v, i) => v - n[i]!));
      })();
      const sub = t.subspace?.get(c)?.get(l);
      return {
        pos: rows(s.positives),
        neg: rows(s.negatives),
        ...(deltas ? { deltas } : {}),
        ...(sub ? { subspace: sub } : {}),
      };
    },
  });
}

/** Trains (or, with 0 steps, only builds) the seeded byte LM on {@link LM_CORPUS}. */
export async function trainByteLM(
  steps: number,
  onProgress?: (step: number, loss: number) => void,
): Promise<CausalBankLM> {
  const lm = new CausalBankLM(ACTIVATION_LM_CONFIG);
  if (steps > 0) {
    const text = await Deno.readFile(LM_CORPUS);
    await lm.train(text, {
      ...ACTIVATION_LM_TRAINING,
      steps,
      logEvery: Math.max(1, Math.floor(steps / 4)),
      ...(onProgress ? { onProgress } : {}),
    });
  }
  return lm;
}

/**
 * `train`: preflight, the byte LM, the readout (and quality.json).
 *
 * @throws {CorpusError} for a corpus fault (before any model work); errors of the methods.
 */
export async function runTrain(a: TrainArgs): Promise<void> {
  const t0 = performance.now();
  const corpus = await readCorpus(a.corpus, { warn: (m) => log(`warning: ${m}`) });
  // Preflight before any model work: the layers exist and share one hidden size (a readout
  // file has one hidden_size).
  const sizes = byteLMHiddenSizes();
  for (const l of a.layers) {
    if (l >= sizes.length) {
      throw new CorpusError(
        `Cannot train at layer ${l}: expected one of 0..${sizes.length - 1} ` +
          `(${BYTE_LM_LAYER_NAMES.slice(0, sizes.length).join(", ")})`,
      );
    }
  }
  const hs = a.layers.map((l) => sizes[l]!);
  if (hs.some((h) => h !== hs[0])) {
    throw new CorpusError(
      `Cannot train over layers ${a.layers.join(", ")}: expected one hidden size (a readout ` +
        `file has one hidden_size) but got ${hs.join(", ")}`,
    );
  }
  log(
    `corpus ${a.corpus}: ${corpus.concepts.length} concepts (${corpus.concepts.join(", ")}), ` +
      `${corpus.paired.size} paired scenarios; layers ${a.layers.join(", ")}; method ${a.method}`,
  );
  await initGpu();
  log(`training the byte LM on ${LM_CORPUS} (${a.lmSteps} steps)…`);
  const lm = await trainByteLM(a.lmSteps, (s, l) => log(`  step ${s}: loss ${l.toFixed(3)}`));
  try {
    const source = new ByteLMActivations(lm);
    const trained = await trainReadout(corpus, source, {
      method: a.method,
      layers: a.layers,
      ...(a.eigenK !== undefined ? { eigenK: a.eigenK } : {}),
      progress: bar,
    });
    const quality = a.quality ? qualityOf(a.method, trained) : null;
    await Deno.mkdir(a.out, { recursive: true });
    await writeReadout(a.out, trained.vectors);
    await saveCheckpoint(`${a.out}/${LM_CHECKPOINT}`, {
      params: Object.fromEntries(lm.parameters),
      meta: { config: lm.config, steps: a.lmSteps, corpus: LM_CORPUS },
    });
    if (quality !== null) {
      await writeFileAtomic(
        `${a.out}/quality.json`,
        new TextEncoder().encode(JSON.stringify(quality, null, 2) + "\n"),
      );
    }
    log(
      `wrote ${a.out}/readout.safetensors, readout.json, ${LM_CHECKPOINT}` +
        `${quality !== null ? ", quality.json" : ""} in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
    );
  } finally {
    lm.dispose();
  }
}

/**
 * `readout`: the readout of `text`'s last byte at every layer of a readout folder, by concept.
 *
 * @throws {SyntaxError} for a readout folder whose manifest disagrees with its tensors.
 */
export async function runReadout(dir: string, text: string): Promise<Record<string, unknown>> {
  const readout = await readReadout(dir);
  const info = await readCheckpointInfo(`${dir}/${LM_CHECKPOINT}`);
  const meta = info.meta as { config?: CausalBankLMConfig } | null;
  if (meta?.config === undefined) {
    throw new SyntaxError(
      `Cannot read ${dir}/${LM_CHECKPOINT}: expected the LM's config in its metadata`,
    );
  }
  await initGpu();
  const lm = new CausalBankLM(meta.config);
  const projector = new ReadoutProjector(readout);
  try {
    await loadCheckpoint(`${dir}/${LM_CHECKPOINT}`, { params: Object.fromEntries(lm.parameters) });
    const source = new ByteLMActivations(lm);
    const acts = await source.activate([text]);
    const out: Record<string, unknown> = {};
    for (const l of readout.layers) {
      const a = acts.layers.get(l);
      if (a === undefined || a.hidden !== readout.hiddenSize) {
        throw new CorpusError(
          `Cannot read out layer ${l}: expected the LM's layer of hidden size ` +
            `${readout.hiddenSize} but got ${a?.hidden ?? "none"}`,
        );
      }
      const h = tensor(a.pooled, [1, a.hidden]);
      const r = projector.project(l, h);
      const v = await r.toArray();
      r.dispose();
      h.dispose();
      out[`layer_${l}`] = Object.fromEntries(readout.concepts.map((c, i) => [c, v[i]]));
    }
    return out;
  } finally {
    projector.dispose();
    lm.dispose();
  }
}

/** Runs the command line; returns the exit status. */
export async function main(args: readonly string[]): Promise<number> {
  const [cmd, ...rest] = args;
  try {
    if (cmd === "train") {
      await runTrain(parseTrainArgs(rest));
      return 0;
    }
    if (cmd === "readout") {
      let dir: string | undefined;
      let text: string | undefined;
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--readout") dir = takeValue(rest, i++, "--readout");
        else if (rest[i] === "--text") text = takeValue(rest, i++, "--text");
        else throw new UsageError(`Cannot read the arguments: unknown flag "${rest[i]}"`);
      }
      if (dir === undefined || text === undefined) {
        throw new UsageError("Cannot read out: expected --readout DIR and --text TEXT");
      }
      console.log(JSON.stringify(await runReadout(dir, text), null, 2));
      return 0;
    }
    throw new UsageError(`Cannot run: expected a command train or readout but got "${cmd ?? ""}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      log(`${e.message}\n${USAGE}`);
      return 2;
    }
    log(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
