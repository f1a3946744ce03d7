/**
 * `deno task amygdala`: Kent Overstreet's amygdala trainer
 * (kent/consciousness:training/amygdala_training/train_steering_vectors.py) on memspec's
 * own byte LMs, trained on fixtures/corpus/byte_lm.txt: `--model bank` (the default),
 * decepticons' one-layer causal-bank LM, trained here; `--model stack`, the two-layer stack
 * LM (`StackByteLM`: a GELU layer over the last 6 bytes feeding the frozen decay bank), loaded
 * from its committed checkpoint fixtures/checkpoints/amygdala_stack_lm.safetensors.
 *
 * ```
 * deno task amygdala train --corpus DIR [--model bank|stack]
 *     [--method pooled|subspace|mean|pca|logistic|logistic_l1] [--layers 1,2]
 *     [--subspace-eigen-k K] [--quality-report] [--lm-steps N] --out out/DIR
 * deno task amygdala readout --readout out/DIR --text "…"
 * ```
 *
 * `train` preflights the corpus (folders, names, empty files skipped with a warning, enough
 * positives per concept) and the layers before any model work, then gets the model: with
 * `bank` it trains the byte LM (seeded: the same model on every run; default layers 1, 2);
 * with `stack` it loads the committed checkpoint (no training, so `--lm-steps` is refused;
 * default layer 2, the bank state the held-out AUROC claim reads). It computes activations
 * once per unique text, trains one direction per concept and layer with a progress bar on
 * stderr, and writes `readout.safetensors`, `readout.json`, the model's checkpoint with its
 * JSON sidecar (`byte_lm.safetensors` + `byte_lm.json` for `bank`; for `stack` a copy of the
 * committed one, `stack_lm.safetensors` + `stack_lm.json`, so the folder keeps the weights its
 * readout was trained on), `model.json` (which model and checkpoint) and, with
 * `--quality-report`, `quality.json`. `readout` loads the model `model.json` names (a folder
 * without it, written before `--model`, is a `bank` folder) and the readout, and prints, for
 * each layer, the readout of the text's last byte (r = V_l h) per concept, as JSON on stdout.
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
  sidecarPath,
  tensor,
  writeFileAtomic,
} from "../mod.ts";
import {
  type ActivationSource,
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
  loadStackByteLM,
  STACK_LM_CHECKPOINT,
  STACK_LM_CONFIG,
  STACK_LM_LAYER_NAMES,
} from "./byte_lm_activations.ts";

/** The activation models `train` reads: the one-layer causal-bank LM or the stack LM. */
export const MODELS: readonly ["bank", "stack"] = Object.freeze(["bank", "stack"] as const);
/** One of {@link MODELS}. */
export type ActivationModel = (typeof MODELS)[number];

const USAGE = `usage:
  deno task amygdala train --corpus DIR [--model ${MODELS.join("|")}]
      [--method ${TRAIN_METHODS.join("|")}] [--layers 1,2]
      [--subspace-eigen-k K] [--quality-report] [--lm-steps N (bank only)] --out DIR
  deno task amygdala readout --readout DIR --text TEXT`;

/** The byte LM's training corpus. */
export const LM_CORPUS = "fixtures/corpus/byte_lm.txt";
/** The checkpoint of the LM a readout was trained on, inside the output folder. */
export const LM_CHECKPOINT = "byte_lm.safetensors";
/** Layers trained by default: the substrate and the readout hidden layer (both 64 wide). */
export const DEFAULT_LAYERS: readonly number[] = [1, 2];
/** The copy of the committed stack LM inside a `--model stack` output folder. */
export const STACK_CHECKPOINT = "stack_lm.safetensors";
/**
 * Layers trained by default with `--model stack`: the bank state (256 wide), the layer the
 * held-out AUROC claim reads.
 */
export const STACK_DEFAULT_LAYERS: readonly number[] = [2];
/** The record of the model a readout folder was trained on, inside the folder. */
export const MODEL_JSON = "model.json";

/** A command-line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {
  /**
   * A usage error with its message.
   *
   * @param message what is wrong
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parsed `train` arguments. */
export interface TrainArgs {
  /** The concept corpus folder (`--corpus`). */
  corpus: string;
  /** Which byte LM's states are read (`--model`, default `bank`). */
  model: ActivationModel;
  /** The direction-finding method (`--method`, default `pooled`). */
  method: TrainMethod;
  /** Layers to train (`--layers`; default 1, 2 for `bank`, 2 for `stack`). */
  layers: number[];
  /** The subspace method's k (`--subspace-eigen-k`). */
  eigenK?: number;
  /** Whether to write quality.json (`--quality-report`). */
  quality: boolean;
  /** The output folder (`--out`). */
  out: string;
  /** Byte-LM training steps (`bank` only; 0 with `stack`, whose model is loaded). */
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
 * @throws {UsageError} for a missing, unknown or malformed flag, or `--lm-steps` with
 *   `--model stack` (its model is loaded, not trained).
 *
 * @example
 * ```ts
 * import { parseTrainArgs } from "./amygdala_cli.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const a = parseTrainArgs(["--corpus", "c", "--out", "out/r", "--layers", "2"]);
 * deepStrictEqual([a.method, a.layers, a.quality], ["pooled", [2], false]);
 * // The stack LM is loaded, not trained: layer 2 (its bank state) by default.
 * const s = parseTrainArgs(["--corpus", "c", "--out", "out/r", "--model", "stack"]);
 * deepStrictEqual([s.model, s.layers], ["stack", [2]]);
 * ```
 */
export function parseTrainArgs(args: readonly string[]): TrainArgs {
  const a = [...args];
  let corpus: string | undefined;
  let out: string | undefined;
  let method: TrainMethod = "pooled";
  let model: ActivationModel = "bank";
  let layers: number[] | undefined;
  let eigenK: number | undefined;
  let quality = false;
  let lmSteps: number | undefined;
  for (let i = 0; i < a.length; i++) {
    const f = a[i]!;
    switch (f) {
      case "--corpus":
        corpus = takeValue(a, i++, f);
        break;
      case "--out":
        out = takeValue(a, i++, f);
        break;
      case "--model": {
        const m = takeValue(a, i++, f);
        if (!(MODELS as readonly string[]).includes(m)) {
          throw new UsageError(
            `Cannot read --model: expected one of ${MODELS.join(", ")} but got "${m}"`,
          );
        }
        model = m as ActivationModel;
        break;
      }
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
  if (model === "stack" && lmSteps !== undefined) {
    throw new UsageError(
      "Cannot read --lm-steps: expected it only with --model bank (the stack LM is loaded " +
        `from ${STACK_LM_CHECKPOINT}, not trained) but got --lm-steps ${lmSteps} with ` +
        "--model stack",
    );
  }
  return {
    corpus,
    model,
    method,
    layers: layers ?? [...(model === "stack" ? STACK_DEFAULT_LAYERS : DEFAULT_LAYERS)],
    quality,
    out,
    lmSteps: lmSteps ?? (model === "stack" ? 0 : ACTIVATION_LM_TRAINING.steps),
    ...(eigenK ? { eigenK } : {}),
  };
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

/** The hidden size and name of each exposed layer of `model`. */
function modelLayers(model: ActivationModel): { sizes: number[]; names: readonly string[] } {
  if (model === "stack") {
    const c = STACK_LM_CONFIG;
    return {
      sizes: [c.embeddingDim, c.localHidden, c.linearModes, c.readoutHidden],
      names: STACK_LM_LAYER_NAMES,
    };
  }
  return { sizes: byteLMHiddenSizes(), names: BYTE_LM_LAYER_NAMES };
}

/** What {@link MODEL_JSON} records: the model and its checkpoint's file name in the folder. */
export interface ModelRecord {
  /** Which byte LM the readout was trained on. */
  model: ActivationModel;
  /** {@link LM_CHECKPOINT} for `bank`, {@link STACK_CHECKPOINT} for `stack`. */
  checkpoint: string;
}

function modelRecord(model: ActivationModel): ModelRecord {
  return { model, checkpoint: model === "stack" ? STACK_CHECKPOINT : LM_CHECKPOINT };
}

/**
 * `train`: preflight, the model (the byte LM trained, or the stack LM loaded), the readout
 * (and quality.json).
 *
 * @throws {CorpusError} for a corpus or layer fault (before any model work); the stack
 *   checkpoint's loader errors; errors of the methods.
 */
export async function runTrain(a: TrainArgs): Promise<void> {
  const t0 = performance.now();
  const corpus = await readCorpus(a.corpus, { warn: (m) => log(`warning: ${m}`) });
  // Preflight before any model work: the layers exist and share one hidden size (a readout
  // file has one hidden_size).
  const { sizes, names } = modelLayers(a.model);
  for (const l of a.layers) {
    if (l >= sizes.length) {
      throw new CorpusError(
        `Cannot train at layer ${l}: expected one of 0..${sizes.length - 1} of the ${a.model} ` +
          `model (${names.slice(0, sizes.length).join(", ")})`,
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
      `${corpus.paired.size} paired scenarios; model ${a.model}; layers ${a.layers.join(", ")}; ` +
      `method ${a.method}`,
  );
  await initGpu();
  let source: ActivationSource;
  let dispose: () => void;
  // Writes the model's checkpoint into the output folder (after the readout trained).
  let saveModel: () => Promise<void>;
  if (a.model === "stack") {
    log(`loading the stack LM from ${STACK_LM_CHECKPOINT}…`);
    const lm = await loadStackByteLM(STACK_LM_CHECKPOINT);
    source = lm.source();
    dispose = () => lm.dispose();
    // A copy, not a reference: the folder keeps the weights its readout was trained on even
    // if the committed checkpoint is rebuilt (and its sidecar, for people and tools).
    saveModel = async () => {
      const to = `${a.out}/${STACK_CHECKPOINT}`;
      await writeFileAtomic(to, await Deno.readFile(STACK_LM_CHECKPOINT));
      await writeFileAtomic(sidecarPath(to), await Deno.readFile(sidecarPath(STACK_LM_CHECKPOINT)));
    };
  } else {
    log(`training the byte LM on ${LM_CORPUS} (${a.lmSteps} steps)…`);
    const lm = await trainByteLM(a.lmSteps, (s, l) => log(`  step ${s}: loss ${l.toFixed(3)}`));
    source = new ByteLMActivations(lm);
    dispose = () => lm.dispose();
    saveModel = async () => {
      await saveCheckpoint(`${a.out}/${LM_CHECKPOINT}`, {
        params: Object.fromEntries(lm.parameters),
        meta: { config: lm.config, steps: a.lmSteps, corpus: LM_CORPUS },
      });
    };
  }
  try {
    const trained = await trainReadout(corpus, source, {
      method: a.method,
      layers: a.layers,
      ...(a.eigenK !== undefined ? { eigenK: a.eigenK } : {}),
      progress: bar,
    });
    const quality = a.quality ? qualityOf(a.method, trained) : null;
    await Deno.mkdir(a.out, { recursive: true });
    await writeReadout(a.out, trained.vectors);
    await saveModel();
    const record = modelRecord(a.model);
    await writeFileAtomic(
      `${a.out}/${MODEL_JSON}`,
      new TextEncoder().encode(JSON.stringify(record, null, 2) + "\n"),
    );
    if (quality !== null) {
      await writeFileAtomic(
        `${a.out}/quality.json`,
        new TextEncoder().encode(JSON.stringify(quality, null, 2) + "\n"),
      );
    }
    log(
      `wrote ${a.out}/readout.safetensors, readout.json, ${record.checkpoint}, ${MODEL_JSON}` +
        `${quality !== null ? ", quality.json" : ""} in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
    );
  } finally {
    dispose();
  }
}

/**
 * The model a readout folder was trained on: its {@link MODEL_JSON}, or `bank` for a folder
 * without one (written before `--model`).
 *
 * @throws {SyntaxError} for a model.json that is not JSON, names no known model, or names a
 *   checkpoint other than that model's.
 */
export async function readModelRecord(dir: string): Promise<ModelRecord> {
  const path = `${dir}/${MODEL_JSON}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return modelRecord("bank");
    throw e;
  }
  let rec: { model?: unknown; checkpoint?: unknown };
  try {
    rec = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `Cannot read ${path}: expected JSON but got ${e instanceof Error ? e.message : e}`,
    );
  }
  if (!(MODELS as readonly unknown[]).includes(rec?.model)) {
    throw new SyntaxError(
      `Cannot read ${path}: expected "model" one of ${MODELS.join(", ")} but got ` +
        `${JSON.stringify(rec?.model)}`,
    );
  }
  const want = modelRecord(rec.model as ActivationModel);
  if (rec.checkpoint !== want.checkpoint) {
    throw new SyntaxError(
      `Cannot read ${path}: expected "checkpoint" "${want.checkpoint}" for model ` +
        `${want.model} but got ${JSON.stringify(rec.checkpoint)}`,
    );
  }
  return want;
}

/** Loads the one-layer byte LM saved in a bank readout folder. */
async function loadBankLM(path: string): Promise<CausalBankLM> {
  const info = await readCheckpointInfo(path);
  const meta = info.meta as { config?: CausalBankLMConfig } | null;
  if (meta?.config === undefined) {
    throw new SyntaxError(`Cannot read ${path}: expected the LM's config in its metadata`);
  }
  const lm = new CausalBankLM(meta.config);
  try {
    await loadCheckpoint(path, { params: Object.fromEntries(lm.parameters) });
  } catch (e) {
    lm.dispose();
    throw e;
  }
  return lm;
}

/**
 * `readout`: the readout of `text`'s last byte at every layer of a readout folder, by concept,
 * on the model the folder was trained on (see {@link readModelRecord}).
 *
 * @throws {SyntaxError} for a readout folder whose manifest disagrees with its tensors, or
 *   whose model.json or checkpoint metadata is malformed.
 * @throws {CorpusError} when a readout layer's hidden size is not the model's.
 */
export async function runReadout(dir: string, text: string): Promise<Record<string, unknown>> {
  const readout = await readReadout(dir);
  const record = await readModelRecord(dir);
  const checkpoint = `${dir}/${record.checkpoint}`;
  await initGpu();
  let source: ActivationSource;
  let dispose: () => void;
  if (record.model === "stack") {
    const lm = await loadStackByteLM(checkpoint);
    source = lm.source();
    dispose = () => lm.dispose();
  } else {
    const lm = await loadBankLM(checkpoint);
    source = new ByteLMActivations(lm);
    dispose = () => lm.dispose();
  }
  let projector: ReadoutProjector | undefined;
  try {
    projector = new ReadoutProjector(readout);
    const acts = await source.activate([text]);
    const out: Record<string, unknown> = {};
    for (const l of readout.layers) {
      const a = acts.layers.get(l);
      if (a === undefined || a.hidden !== readout.hiddenSize) {
        throw new CorpusError(
          `Cannot read out layer ${l}: expected the ${record.model} model's layer of hidden ` +
            `size ${readout.hiddenSize} but got ${a?.hidden ?? "none"}`,
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
    projector?.dispose();
    dispose();
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
