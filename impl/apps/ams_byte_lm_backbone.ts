/**
 * memspec's own causal LM as an AMS v4 {@link Backbone}: decepticons' causal-bank byte LM
 * (asuramaya/decepticons CausalBankModel, memspec's `CausalBankLM`), trained on the GPU on a
 * corpus of short first-person facts and question–answer turns, then frozen. It stands where
 * the original runs Qwen2.5-1.5B-Instruct (FluffyAIcode/AgentMemorySystem:ams_v4/bridge/
 * backbone.py, PR #30): a model small enough to train and run on a software GPU, so every
 * step of the session harness (write, retrieve, prefix, generate) runs here end to end.
 *
 * The mapping:
 *
 * - token = byte: `tokenize` is the strict UTF-8 encoding of the text, vocabulary 256;
 * - d_LLM = the embedding width E, which is also the width of the hidden states (the
 *   configuration ties `readoutHidden` to E, as Qwen's hidden size is its embedding width);
 * - hidden state of a position = the linear path's hidden layer GELU([S_t, x_t] W₁ + b₁)
 *   (`CausalBankLM.hiddenStates`), a function of the whole past through the recurrent state;
 *   `pooledHidden` is its masked mean over the text's bytes (the original's masked mean);
 * - `tokenEmbeddings` = the byte-embedding table, rows L2-normalised;
 * - `nextTokenLogits` runs the LM on input embeddings, so a soft prefix can stand before the
 *   embedded prompt (`CausalBankLM.forwardEmbeds`).
 *
 * Greedy generation ({@link ByteLMBackbone.generateGreedy}) keeps the whole loop on the GPU:
 * each step's argmax byte is embedded and fed back by GPU ops, so the bytes are read back once
 * at the end (no host sync per token). The decode is incremental: the LM is recurrent, so the
 * prompt runs through it once and each later byte costs one step of the bank's recurrence from
 * the carried state plus the readout over the carried window of the last W embeddings — O(T + n)
 * for n bytes after T positions instead of the O(n·T) of re-running the LM over the stream
 * every byte (still available as `decode: "rerun"`, and the only decode of the gated
 * substrates). A batch of prompts is left-padded with zero embedding rows, which leaves the
 * model exactly as if each row started later (a zero drive keeps the recurrent state at zero,
 * and the window reads zeros before the start).
 *
 * The checkpoint ({@link AMS_BYTE_LM_CHECKPOINT}) is committed, not rebuilt by the tests:
 * training long enough for fluent bytes takes minutes on llvmpipe, far over a test's budget.
 * It is produced by a documented, seeded command (run this module:
 * `deno run --allow-read=. --allow-write=fixtures --allow-env impl/apps/ams_byte_lm_backbone.ts`),
 * which writes the corpus ({@link amsByteLMCorpus}, seed 42) to
 * {@link AMS_BYTE_LM_CORPUS_PATH} and the trained weights with their provenance (config,
 * corpus sha-256, steps, seed, losses) to the checkpoint.
 *
 * @example A tiny untrained backbone: pooled states and a generated continuation
 * ```ts
 * import { CausalBankLM, initGpu, liveBufferCount } from "../mod.ts";
 * import { ByteLMBackbone } from "./ams_byte_lm_backbone.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const lm = new CausalBankLM({
 *   substrate: "learned_recurrence", embeddingDim: 8, readoutHidden: 8, linearModes: 16,
 *   localHidden: 8, scanMethod: "sequential",
 * });
 * const bb = await ByteLMBackbone.create(lm);
 * strictEqual(bb.d, 8);
 * const h = await bb.pooledHidden([bb.tokenize("My dog"), bb.tokenize("Max")]);
 * strictEqual(h.length, 2 * 8);
 * const [out] = await bb.generateGreedy([{ ids: bb.tokenize("User: hi\nAssistant:") }], 4);
 * strictEqual(out!.bytes.length, 4);
 * // The incremental decode's bytes are the ones re-running the LM for every byte gives.
 * const [re] = await bb.generateGreedy([{ ids: bb.tokenize("User: hi\nAssistant:") }], 4, {
 *   decode: "rerun",
 * });
 * deepStrictEqual(re!.bytes, out!.bytes);
 * bb.dispose();
 * deepStrictEqual(liveBufferCount(), before);
 * ```
 *
 * @module
 */
import {
  add,
  argmax,
  type Backbone,
  type BackboneText,
  buildDecayBank,
  CAUSAL_BANK_DEFAULTS,
  CausalBankLM,
  type CausalBankLMConfig,
  concat,
  decodeBackboneText,
  div,
  embedding,
  gelu,
  keep,
  linearRecurrence,
  type LMSubstrate,
  loadCheckpoint,
  matmul,
  mul,
  noGrad,
  outer,
  readCheckpointInfo,
  readTensors,
  reshape,
  saveCheckpoint,
  SESSION_GOLD_KEYWORDS,
  sigmoid,
  slice,
  sub,
  sum,
  type Tensor,
  tensor,
  tidy,
} from "../mod.ts";

/** Bytes: the LM's vocabulary. */
const BYTE_VOCAB = 256;

/** Where the committed checkpoint lives (repository-relative). */
export const AMS_BYTE_LM_CHECKPOINT = "fixtures/checkpoints/ams_byte_lm.safetensors";
/** Where the training corpus lives (repository-relative), written by the training command. */
export const AMS_BYTE_LM_CORPUS_PATH = "fixtures/corpus/ams_byte_lm.txt";

/**
 * The backbone's LM configuration: a learned-recurrence bank (its zero-drive state stays
 * zero, which makes left-padding exact), E = readoutHidden = 64 (d_LLM = 64), 256 modes, a
 * local window of 8 bytes, and a context of 2048 bytes (mode D's 20 facts are ≈ 1.4 kB).
 */
export const AMS_BYTE_LM_CONFIG: Readonly<Partial<CausalBankLMConfig>> = Object.freeze({
  substrate: "learned_recurrence",
  embeddingDim: 64,
  readoutHidden: 64,
  linearModes: 256,
  halfLifeMin: 1.5,
  halfLifeMax: 512,
  localWindow: 8,
  localHidden: 128,
  localScale: 0.25,
  scanMethod: "sequential",
  maxSeqLen: 2048,
  seed: 42,
});

/** A training run of the backbone's LM. */
export interface AmsByteLMTraining {
  /** Seed of {@link amsByteLMCorpus}. */
  corpusSeed: number;
  /** Adam steps. */
  steps: number;
  /** Windows per step. */
  batch: number;
  /** Bytes per window. */
  seqLen: number;
  /** Peak learning rate. */
  lr: number;
  /** Cosine decay to this fraction of lr. */
  finalLrFraction: number;
  /** Window-sampler seed. */
  seed: number;
}

/** The training run the committed checkpoint records (the command's defaults). */
export const AMS_BYTE_LM_TRAINING: Readonly<AmsByteLMTraining> = Object.freeze({
  corpusSeed: 42,
  steps: 300,
  batch: 16,
  seqLen: 192,
  lr: 3e-3,
  finalLrFraction: 0.05,
  seed: 42,
});

// ---------------------------------------------------------------------------------------------
// The corpus: a seeded template generator written for memspec. It never uses an entity of the
// session harness's answers (its ten keywords), so mode D measures copying, not recall.

const PETS = ["cat", "dog", "parrot", "rabbit", "horse", "hamster", "turtle", "goat"];
const PET_NAMES = [
  "Luna",
  "Rex",
  "Bella",
  "Oscar",
  "Milo",
  "Daisy",
  "Pepper",
  "Ziggy",
  "Nala",
  "Otto",
  "Biscuit",
  "Juno",
];
const JOBS = [
  "teacher",
  "nurse",
  "pilot",
  "chef",
  "lawyer",
  "farmer",
  "dentist",
  "architect",
  "librarian",
  "plumber",
  "journalist",
  "pharmacist",
];
const CITIES = [
  "Lisbon",
  "Cairo",
  "Oslo",
  "Lima",
  "Prague",
  "Nairobi",
  "Seoul",
  "Dublin",
  "Quito",
  "Vienna",
  "Hanoi",
  "Perth",
];
const COMPOSERS = ["Mozart", "Bach", "Vivaldi", "Haydn", "Brahms", "Liszt", "Handel", "Ravel"];
const LANGUAGES = [
  "Spanish",
  "German",
  "Korean",
  "Arabic",
  "Italian",
  "Russian",
  "Swahili",
  "Greek",
];
const CUISINES = ["Indian", "Mexican", "Greek", "Korean", "French", "Turkish", "Italian"];
const FOODS = ["eggs", "gluten", "soy", "milk", "sesame", "walnuts", "mustard"];
const COLORS = ["Red", "Blue", "Green", "Black", "Silver", "Yellow", "White"];
const RELATIVES = ["brother", "sister", "cousin", "uncle", "aunt", "father", "mother"];
const FIELDS = [
  "volcanoes",
  "glaciers",
  "forests",
  "insects",
  "deserts",
  "rivers",
  "whales",
  "comets",
];
const ARTISTS = ["Nina Simone", "Ella Fitzgerald", "John Coltrane", "Billie Holiday", "Bob Marley"];
const SEASONS = ["spring", "summer", "autumn", "winter"];
const MONTHS = ["March", "April", "May", "June", "July", "October", "November"];
const GENERAL = [
  "Rivers carve valleys over thousands of years.",
  "Bread rises because yeast releases gas.",
  "Bridges are built to carry heavy loads across water.",
  "Many birds fly south before the winter.",
  "A good map shows roads, rivers and towns.",
  "Gardens need water, light and patience.",
  "The library opens at nine and closes at six.",
  "Trains connect the small towns along the coast.",
  "Old castles often stand on high ground.",
  "Clocks measure time in hours, minutes and seconds.",
];

/** One fact of a template: the statement, the question about it and its answer. */
interface TemplateFact {
  fact: string;
  question: string;
  answer: string;
}

/** A seeded generator: mulberry32, so the corpus is the same bytes on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function templateFacts(pick: <T>(xs: readonly T[]) => T): TemplateFact[] {
  const pet = pick(PETS), name = pick(PET_NAMES), job = pick(JOBS), city = pick(CITIES);
  const comp = pick(COMPOSERS), lang = pick(LANGUAGES), cuisine = pick(CUISINES);
  const food = pick(FOODS), color = pick(COLORS), rel = pick(RELATIVES), field = pick(FIELDS);
  const artist = pick(ARTISTS), season = pick(SEASONS), month = pick(MONTHS);
  const last = artist.split(" ").at(-1)!;
  return [
    {
      fact: `My ${pet} is named ${name}, and I walk with ${name} every day.`,
      question: `What is my ${pet}'s name?`,
      answer: `Your ${pet} is named ${name}.`,
    },
    {
      fact: `I work as a ${job} in a busy town.`,
      question: "What is my job?",
      answer: `You work as a ${job}.`,
    },
    {
      fact: `Last ${season} I traveled to ${city} and walked around the old streets.`,
      question: `Where did I travel last ${season}?`,
      answer: `You traveled to ${city}.`,
    },
    {
      fact: `My favorite composer is ${comp}, especially the slow pieces.`,
      question: "Who is my favorite composer?",
      answer: `Your favorite composer is ${comp}.`,
    },
    {
      fact: `I started learning ${lang} in ${month} this year.`,
      question: "What language am I learning this year?",
      answer: `You are learning ${lang}.`,
    },
    {
      fact: `I am allergic to ${food}, so I avoid ${cuisine} food.`,
      question: "What cuisine should I avoid because of allergies?",
      answer: `You should avoid ${cuisine} food.`,
    },
    {
      fact: `I use a keyboard with ${color} switches for writing.`,
      question: "What keyboard switches do I use?",
      answer: `You use ${color} switches.`,
    },
    {
      fact: `My ${rel} is a scientist studying ${field}.`,
      question: `What does my ${rel} study?`,
      answer: `Your ${rel} studies ${field}.`,
    },
    {
      fact: `I collect records; my latest is an album by ${artist}.`,
      question: "What is the latest record in my collection?",
      answer: `Your latest record is by ${last}.`,
    },
  ];
}

/**
 * The byte LM's training corpus: `sessions` seeded dialogues, each a few first-person facts
 * as `User:` lines (entities drawn from fixed lists), a general sentence, then questions about
 * some of the facts with `Assistant:` answers that copy the entity (three in ten sessions are a
 * single `Context:` line and its question instead, the shape of the harness's mode C), separated
 * by blank lines.
 * It never contains one of the session harness's ten keywords (checked), so a hit in the
 * harness's mode D is the LM copying from its prompt, not recalling its training.
 *
 * @example
 * ```ts
 * import { amsByteLMCorpus } from "./ams_byte_lm_backbone.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * const c = amsByteLMCorpus(42, 5);
 * strictEqual(c, amsByteLMCorpus(42, 5)); // seeded
 * ok(c.includes("\nAssistant: ") && !/beethoven|tokyo/i.test(c));
 * ```
 *
 * @throws {RangeError} when seed is not an integer in [0, 2³²) or sessions not an integer in
 *   [1, 100000].
 */
export function amsByteLMCorpus(seed = AMS_BYTE_LM_TRAINING.corpusSeed, sessions = 400): string {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(
      `Cannot generate the byte LM corpus: expected seed an integer in [0, 2^32) but got ${seed}`,
    );
  }
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > 100000) {
    throw new RangeError(
      `Cannot generate the byte LM corpus: expected sessions an integer in [1, 100000] but got ` +
        String(sessions),
    );
  }
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const out: string[] = [];
  for (let s = 0; s < sessions; s++) {
    if (rand() < 0.3) {
      // Mode C's shape: one retrieved fact as a context line, then its question.
      const f = pick(templateFacts(pick));
      out.push(`Context: ${f.fact}\nUser: ${f.question}\nAssistant: ${f.answer}`);
      continue;
    }
    const facts = shuffle(templateFacts(pick)).slice(0, 2 + Math.floor(rand() * 5));
    const lines = facts.map((f) => `User: ${f.fact}`);
    lines.splice(Math.floor(rand() * (lines.length + 1)), 0, `User: ${pick(GENERAL)}`);
    for (const f of shuffle([...facts]).slice(0, 1 + Math.floor(rand() * 2))) {
      lines.push(`User: ${f.question}\nAssistant: ${f.answer}`);
    }
    out.push(lines.join("\n"));
  }
  const text = out.join("\n\n") + "\n";
  const lower = text.toLowerCase();
  const leaked = SESSION_GOLD_KEYWORDS.filter((k) => lower.includes(k));
  if (leaked.length > 0) {
    // A list edit that lets a keyword in would make mode D a recall test: refuse it.
    throw new Error(`internal error: the byte LM corpus contains held-out keywords ${leaked}`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Training and the checkpoint.

/** What the checkpoint's provenance `meta` records. */
export interface AmsByteLMMeta {
  /** What the file is. */
  kind: "memspec.ams.byte_lm";
  /** The LM configuration (every field). */
  config: CausalBankLMConfig;
  /** The training run. */
  training: AmsByteLMTraining;
  /** sha-256 (hex) of the corpus bytes. */
  corpusSha256: string;
  /** Corpus length in bytes. */
  corpusBytes: number;
  /** The logged losses (nats per byte) at their steps. */
  losses: { step: number; loss: number }[];
  /** Bits per byte on the corpus's last 8 kB after training. */
  bitsPerByte: number;
  /** The command that produced it. */
  command: string;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Trains a fresh LM of {@link AMS_BYTE_LM_CONFIG} on the corpus with the recorded run
 * ({@link AMS_BYTE_LM_TRAINING}, overridable) and saves it to `path` with its provenance.
 * Deterministic for a given corpus and options (seeded init and window sampler).
 *
 * @throws {TypeError|RangeError} for bad options (the LM's own checks).
 */
export async function trainAmsByteLM(
  path: string,
  options: Partial<AmsByteLMTraining> & {
    onProgress?: (step: number, loss: number) => void;
  } = {},
): Promise<AmsByteLMMeta> {
  const run = { ...AMS_BYTE_LM_TRAINING, ...options };
  delete (run as { onProgress?: unknown }).onProgress;
  const corpus = new TextEncoder().encode(amsByteLMCorpus(run.corpusSeed));
  const lm = new CausalBankLM({ ...AMS_BYTE_LM_CONFIG });
  try {
    const { losses } = await lm.train(corpus.subarray(0, corpus.length - 8192), {
      steps: run.steps,
      batch: run.batch,
      seqLen: run.seqLen,
      lr: run.lr,
      finalLrFraction: run.finalLrFraction,
      seed: run.seed,
      logEvery: 50,
      onProgress: options.onProgress,
    });
    const bitsPerByte = await lm.evaluateBitsPerByte(corpus.subarray(corpus.length - 8192), {
      seqLen: 256,
    });
    const meta: AmsByteLMMeta = {
      kind: "memspec.ams.byte_lm",
      config: { ...lm.config },
      training: run,
      corpusSha256: await sha256Hex(corpus),
      corpusBytes: corpus.length,
      losses,
      bitsPerByte,
      command: "deno run --allow-read=. --allow-write=fixtures --allow-env " +
        "impl/apps/ams_byte_lm_backbone.ts",
    };
    await saveCheckpoint(path, { params: Object.fromEntries(lm.parameters), meta });
    return meta;
  } finally {
    lm.dispose();
  }
}

/**
 * Loads the byte LM saved at `path` (default: the committed checkpoint) into a fresh
 * `CausalBankLM` of the configuration the checkpoint records, after checking that it is this
 * backbone's configuration.
 *
 * @throws {TypeError} when the file is not a byte-LM checkpoint of this backbone (another
 *   kind, or a configuration differing from {@link AMS_BYTE_LM_CONFIG}: the message names the
 *   fields), before any GPU work.
 */
export async function loadAmsByteLM(path: string = AMS_BYTE_LM_CHECKPOINT): Promise<CausalBankLM> {
  const info = await readCheckpointInfo(path);
  const meta = info.meta as Partial<AmsByteLMMeta> | null;
  if (meta === null || typeof meta !== "object" || meta.kind !== "memspec.ams.byte_lm") {
    throw new TypeError(
      `Cannot load the AMS byte LM from ${path}: expected a checkpoint whose meta.kind is ` +
        `"memspec.ams.byte_lm" but got ${JSON.stringify((meta as { kind?: unknown })?.kind)}`,
    );
  }
  const cfg = meta.config as unknown as Record<string, unknown> | undefined;
  const want = AMS_BYTE_LM_CONFIG as Record<string, unknown>;
  const differ = Object.keys(want).filter((k) => cfg?.[k] !== want[k]);
  if (differ.length > 0) {
    throw new TypeError(
      `Cannot load the AMS byte LM from ${path}: expected a checkpoint of the backbone's ` +
        `configuration but got another for ${
          differ.map((k) => `${k} (${String(cfg?.[k])}, expected ${String(want[k])})`).join(", ")
        }`,
    );
  }
  const lm = new CausalBankLM({ ...AMS_BYTE_LM_CONFIG });
  try {
    await loadCheckpoint(path, { params: Object.fromEntries(lm.parameters) });
  } catch (e) {
    lm.dispose();
    throw e;
  }
  return lm;
}

// ---------------------------------------------------------------------------------------------
// The backbone.

/** One prompt of {@link ByteLMBackbone.generateGreedy}. */
export interface GreedyPrompt {
  /** Soft tokens before the prompt, `[L, d]` row-major (a memory prefix); none when absent. */
  readonly prefix?: Float32Array;
  /** The prompt's byte ids. */
  readonly ids: readonly number[];
}

/** One generated continuation. */
export interface GreedyOutput {
  /** The generated bytes, exactly `maxNew` of them. */
  readonly bytes: Uint8Array;
  /** The bytes decoded (invalid UTF-8 replaced). */
  readonly text: string;
}

/**
 * How {@link ByteLMBackbone.generateGreedy} decodes; both keep the loop on the GPU and read the
 * bytes back once.
 *
 * - `"incremental"`: the prompt runs through the LM once; each later step feeds only the new
 *   byte, carrying the bank's state (one step of its recurrence from the last state: frozen
 *   S_t = d ⊙ S_{t−1} + D_t, learned a_t ⊙ S_{t−1} + (1 − a_t) ⊙ D_t) and the local window
 *   (the last W embeddings). O(T + n) work for n bytes after T positions.
 * - `"rerun"`: each step re-runs the LM over the whole stream up to the last filled position
 *   (the original's loop without a KV cache), O(n·T). Any substrate.
 */
export type GreedyDecode = "incremental" | "rerun";

/** Options of {@link ByteLMBackbone.generateGreedy}. */
export interface GreedyOptions {
  /**
   * The decode ({@link GreedyDecode}); default `"incremental"` where the LM allows it
   * ({@link ByteLMBackbone.incremental}), else `"rerun"`.
   */
  readonly decode?: GreedyDecode;
}

/**
 * The substrates whose state the incremental decode carries: the linear-recurrence banks,
 * whose whole past is one state vector of M modes. The gated substrates (a matrix memory per
 * head) take the rerun decode.
 */
export const INCREMENTAL_SUBSTRATES: readonly LMSubstrate[] = Object.freeze([
  "frozen",
  "learned_recurrence",
]);

/**
 * The tensors the incremental decode reads (parameters and buffers together): it restates the
 * LM's forward over exactly these, so an LM holding any other (a later feature of the model)
 * takes the rerun decode rather than a step that would ignore it.
 */
function incrementalTensorNames(c: Readonly<CausalBankLMConfig>): string[] {
  return [
    "embedding",
    "in_proj",
    ...(c.substrate === "learned_recurrence" ? ["gate_w", "gate_b"] : []),
    "readout_w",
    "readout_b",
    ...(c.localWindow > 0 ? ["local_w", "local_b", "local_scale"] : []),
    "out_w",
    "out_b",
  ].sort();
}

/**
 * The frozen bank's decays of an LM configuration: the causal-bank configuration the LM builds
 * its bank from (byte_lm.ts bankConfig, restated for the frozen substrate), through the same
 * {@link buildDecayBank}. The rerun-vs-incremental claim pins the two together.
 */
function frozenDecays(c: Readonly<CausalBankLMConfig>): Float32Array | null {
  try {
    return buildDecayBank({
      ...CAUSAL_BANK_DEFAULTS,
      embeddingDim: c.embeddingDim,
      linearModes: c.linearModes,
      maxSeqLen: c.maxSeqLen,
      halfLifeMin: c.halfLifeMin,
      halfLifeMax: c.halfLifeMax,
      substrateMode: c.substrate,
      stateDim: 0,
      stateImpl: "scan",
      numHeads: 1,
      enableLocal: c.localWindow > 0,
      scanChunk: c.scanChunk,
    }).decays;
  } catch {
    // A bank this restatement cannot build: the LM's own is built otherwise, so rerun.
    return null;
  }
}

const BB = "ByteLMBackbone";

/**
 * A frozen {@link CausalBankLM} as an AMS v4 backbone (the module doc gives the mapping).
 * Create it with {@link ByteLMBackbone.create}, which reads the embedding table once; it owns
 * the LM and disposes it in {@link ByteLMBackbone.dispose}.
 */
export class ByteLMBackbone implements Backbone {
  /** "bytelm". */
  readonly name: string = "bytelm";
  /** d_LLM: the LM's embedding width (= its hidden width). */
  readonly d: number;
  /** 256: a token is a byte. */
  readonly vocabSize: number = BYTE_VOCAB;
  /** The frozen LM. */
  readonly lm: CausalBankLM;
  /** The longest input (soft prefix + bytes) the LM accepts. */
  readonly maxSeqLen: number;
  /**
   * Whether {@link generateGreedy} can decode incrementally: the substrate is one of
   * {@link INCREMENTAL_SUBSTRATES} and the LM holds exactly the tensors the step restates.
   */
  readonly incremental: boolean;
  readonly #table: Float32Array;
  readonly #normed: Float32Array;
  /** The frozen bank's decays d (frozen substrate only), as the LM builds them. */
  readonly #decays: Float32Array | null;
  #disposed = false;

  private constructor(lm: CausalBankLM, table: Float32Array) {
    this.lm = lm;
    this.d = lm.config.embeddingDim;
    this.maxSeqLen = lm.config.maxSeqLen;
    this.#table = table;
    const c = lm.config;
    const held = [...lm.parameters.keys(), ...lm.buffers.keys()].sort();
    this.#decays = c.substrate === "frozen" ? frozenDecays(c) : null;
    this.incremental = INCREMENTAL_SUBSTRATES.includes(c.substrate) &&
      held.join() === incrementalTensorNames(c).join() &&
      (c.substrate !== "frozen" || this.#decays?.length === c.linearModes);
    const d = this.d;
    this.#normed = new Float32Array(table.length);
    for (let v = 0; v < BYTE_VOCAB; v++) {
      let n = 0;
      for (let j = 0; j < d; j++) n += table[v * d + j]! ** 2;
      const s = n > 0 ? 1 / Math.sqrt(n) : 0;
      for (let j = 0; j < d; j++) this.#normed[v * d + j] = table[v * d + j]! * s;
    }
  }

  /**
   * The backbone over `lm` (taken over: disposed with the backbone).
   *
   * @throws {TypeError} when `lm` is not a live CausalBankLM whose readoutHidden equals its
   *   embeddingDim (the pooled state and the embeddings must share d_LLM).
   */
  static async create(lm: CausalBankLM): Promise<ByteLMBackbone> {
    if (!(lm instanceof CausalBankLM)) {
      throw new TypeError(`Cannot create a ${BB}: expected a CausalBankLM but got ${typeof lm}`);
    }
    const c = lm.config;
    if (c.readoutHidden !== c.embeddingDim) {
      throw new TypeError(
        `Cannot create a ${BB}: expected readoutHidden equal to embeddingDim (one d_LLM) but ` +
          `got ${c.readoutHidden} and ${c.embeddingDim}`,
      );
    }
    const [table] = await readTensors([lm.parameters.get("embedding")!]);
    return new ByteLMBackbone(lm, table as Float32Array);
  }

  /**
   * The backbone over the committed checkpoint (or the one at `path`).
   *
   * @throws {TypeError} for a checkpoint of another kind or configuration.
   */
  static async load(path: string = AMS_BYTE_LM_CHECKPOINT): Promise<ByteLMBackbone> {
    return await ByteLMBackbone.create(await loadAmsByteLM(path));
  }

  #live(op: string): void {
    if (this.#disposed) {
      throw new TypeError(`Cannot ${op}: expected a live ${BB} but it was disposed`);
    }
  }

  /**
   * The UTF-8 bytes of `text`.
   *
   * @throws {TypeError} when text is neither a string nor valid UTF-8 bytes.
   * @throws {RangeError} when the text is empty.
   */
  tokenize(text: BackboneText): number[] {
    const s = decodeBackboneText(text, `text for the ${BB}`);
    if (s.length === 0) {
      throw new RangeError(
        `Cannot tokenize text for the ${BB}: expected at least one byte but got an empty text`,
      );
    }
    return [...new TextEncoder().encode(s)];
  }

  #checkIds(op: string, ids: readonly (readonly number[])[], extra = 0): number {
    if (!Array.isArray(ids) || ids.length === 0) {
      throw new RangeError(
        `Cannot ${op}: expected a non-empty batch of id lists but got ${
          Array.isArray(ids) ? "an empty batch" : typeof ids
        }`,
      );
    }
    let tMax = 0;
    ids.forEach((row, r) => {
      if (!Array.isArray(row) || row.length === 0) {
        throw new RangeError(`Cannot ${op}: expected id list ${r} non-empty but it is empty`);
      }
      const bad = row.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= BYTE_VOCAB);
      if (bad >= 0) {
        throw new RangeError(
          `Cannot ${op}: expected ids in [0, 256) but list ${r} has ${row[bad]} at ${bad}`,
        );
      }
      tMax = Math.max(tMax, row.length);
    });
    if (tMax + extra > this.maxSeqLen) {
      throw new RangeError(
        `Cannot ${op}: expected at most ${this.maxSeqLen} positions (the LM's context) but ` +
          `got ${tMax + extra}`,
      );
    }
    return tMax;
  }

  /**
   * Masked mean over each list's bytes of the hidden states, `[ids.length, d]`; one host
   * sync for the batch (right-padded: the LM is causal, so pads change no earlier state).
   *
   * @throws {RangeError} for an empty batch or list, an id outside [0, 256), or a list longer
   *   than the LM's context.
   */
  async pooledHidden(ids: readonly (readonly number[])[]): Promise<Float32Array> {
    this.#live("pool hidden states");
    const t = this.#checkIds("pool hidden states", ids);
    const b = ids.length;
    const flat = new Int32Array(b * t);
    const mask = new Float32Array(b * t);
    const counts = new Float32Array(b);
    ids.forEach((row, r) => {
      row.forEach((v, j) => {
        flat[r * t + j] = v;
        mask[r * t + j] = 1;
      });
      counts[r] = row.length;
    });
    const pooled = noGrad(() =>
      tidy(() => {
        const tok = tensor(flat, [b, t], { dtype: "i32" });
        const h = this.lm.hiddenStates(this.lm.embed(tok));
        const s = sum(mul(h, tensor(mask, [b, t, 1])), 1);
        return div(s, tensor(counts, [b, 1]));
      })
    );
    try {
      const [v] = await readTensors([pooled]);
      return v as Float32Array;
    } finally {
      pooled.dispose();
    }
  }

  /** The byte-embedding table with rows L2-normalised, `[256, d]` (a copy). */
  tokenEmbeddings(): Float32Array {
    this.#live("read the token embeddings");
    return this.#normed.slice();
  }

  /** The most positions the LM reads at once (soft prefix included): its maxSeqLen. */
  get contextLength(): number {
    return this.maxSeqLen;
  }

  /**
   * The LM's own (unnormalised) input embeddings of `ids`, `[ids.length, d]` row-major.
   *
   * @throws {RangeError} when an id is outside [0, 256).
   */
  embedTokens(ids: readonly number[]): Float32Array {
    this.#live("embed tokens");
    if (!Array.isArray(ids)) {
      throw new TypeError(
        `Cannot embed tokens: expected an array of byte ids but got ${typeof ids}`,
      );
    }
    const d = this.d;
    const out = new Float32Array(ids.length * d);
    ids.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= BYTE_VOCAB) {
        throw new RangeError(`Cannot embed tokens: expected ids in [0, 256) but got ${v} at ${i}`);
      }
      out.set(this.#table.subarray(v * d, (v + 1) * d), i * d);
    });
    return out;
  }

  /**
   * The text of byte ids (invalid UTF-8 replaced by U+FFFD, as generated bytes may be cut).
   *
   * @throws {RangeError} when an id is outside [0, 256).
   */
  detokenize(ids: readonly number[]): string {
    if (!Array.isArray(ids) || ids.some((v) => !Number.isInteger(v) || v < 0 || v >= BYTE_VOCAB)) {
      throw new RangeError("Cannot detokenize: expected an array of byte ids in [0, 256)");
    }
    return new TextDecoder("utf-8").decode(Uint8Array.from(ids));
  }

  /** The raw byte-embedding table `[256, d]` (a copy): the rows the LM's input stream holds. */
  rawEmbeddings(): Float32Array {
    this.#live("read the raw embeddings");
    return this.#table.slice();
  }

  /**
   * The logits `[B, T, 256]` of the byte after each position of `inputEmbeds` (`[B, T, d]`);
   * positions where `mask` is 0 enter as zero rows (exact for leading padding; trailing
   * padding changes no earlier position, its own logits are meaningless). One host sync.
   *
   * @throws {RangeError} when the shapes disagree, a value is not finite, or T exceeds the
   *   LM's context.
   */
  readonly nextTokenLogits = async (
    inputEmbeds: Float32Array,
    batch: number,
    steps: number,
    mask?: Uint8Array,
  ): Promise<Float32Array> => {
    this.#live("compute next-token logits");
    const op = "compute next-token logits";
    if (!(inputEmbeds instanceof Float32Array)) {
      throw new TypeError(
        `Cannot ${op}: expected inputEmbeds a Float32Array but got ${typeof inputEmbeds}`,
      );
    }
    for (const [what, v] of [["batch", batch], ["steps", steps]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`Cannot ${op}: expected ${what} an integer >= 1 but got ${v}`);
      }
    }
    if (steps > this.maxSeqLen) {
      throw new RangeError(
        `Cannot ${op}: expected at most ${this.maxSeqLen} positions (the LM's context) but got ` +
          String(steps),
      );
    }
    const n = batch * steps;
    if (inputEmbeds.length !== n * this.d) {
      throw new RangeError(
        `Cannot ${op}: expected inputEmbeds of ${batch}·${steps}·${this.d} = ${n * this.d} ` +
          `values but got ${inputEmbeds.length}`,
      );
    }
    const bad = inputEmbeds.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new RangeError(
        `Cannot ${op}: expected finite inputEmbeds but [${bad}] is ${inputEmbeds[bad]}`,
      );
    }
    let x = inputEmbeds;
    if (mask !== undefined) {
      if (!(mask instanceof Uint8Array) || mask.length !== n) {
        throw new RangeError(
          `Cannot ${op}: expected mask a Uint8Array of ${n} values but got ${
            mask instanceof Uint8Array ? mask.length : typeof mask
          }`,
        );
      }
      x = inputEmbeds.slice();
      for (let i = 0; i < n; i++) if (mask[i] === 0) x.fill(0, i * this.d, (i + 1) * this.d);
    }
    const logits = noGrad(() =>
      tidy(() => this.lm.forwardEmbeds(tensor(x, [batch, steps, this.d])))
    );
    try {
      const [v] = await readTensors([logits]);
      return v as Float32Array;
    } finally {
      logits.dispose();
    }
  };

  /**
   * Logits `[B, T, 256]` from input embeddings as a GPU tensor, differentiable in `x` (for
   * a training loss through the frozen LM). Call inside `tidy()`.
   *
   * @throws {TypeError|RangeError} for x not an f32 `[B, T, d]` tensor within the context.
   */
  logitsFromEmbeds(x: Tensor): Tensor {
    this.#live("compute logits");
    return this.lm.forwardEmbeds(x);
  }

  /**
   * The input embeddings `[1, ids.length, d]` of byte ids as a constant GPU tensor (the frozen
   * table's rows): what a training loss prepends a prefix to. The caller disposes it (or
   * creates it inside `tidy()`).
   *
   * @throws {RangeError} when ids is empty or an id is outside [0, 256).
   */
  embedTensor(ids: readonly number[]): Tensor {
    this.#live("embed tokens");
    this.#checkIds("embed tokens", [ids]);
    return tensor(this.embedTokens(ids), [1, ids.length, this.d]);
  }

  /**
   * The greedy bytes after `[prefix; embed(ids)]`: {@link generateGreedy} for one prompt, the
   * device path `MemLLM4.generate` takes instead of a read-back per byte.
   *
   * @throws {RangeError} as {@link generateGreedy}.
   */
  async greedyIds(prefix: Float32Array, ids: readonly number[], maxNew: number): Promise<number[]> {
    const [out] = await this.generateGreedy([{ prefix, ids }], maxNew);
    return Array.from(out!.bytes);
  }

  /**
   * Greedy continuations of a batch of prompts, `maxNew` bytes each, with no host sync per
   * byte: every step's argmax byte is embedded and fed back by GPU ops, and the bytes are read
   * back once. By default the decode is incremental ({@link GreedyDecode}): the prompts run
   * through the LM once, then each step feeds only the new byte, carrying the bank's state and
   * the local window; `decode: "rerun"` re-runs the LM over the whole stream every step. Both
   * give the same bytes (claim ams.session_gate.property_incremental_decode). Rows are
   * left-padded with zero embeddings to a common end (exact, see the module doc). There is no
   * end-of-text byte: callers cut the text where they need to.
   *
   * @throws {RangeError} for an empty batch, a bad id, a prefix whose length is not a multiple
   *   of d or holds a non-finite value, maxNew not an integer in [1, 4096], a prompt that
   *   with its prefix and maxNew exceeds the LM's context, an unknown decode, or
   *   `decode: "incremental"` on an LM that does not allow it ({@link incremental}).
   */
  async generateGreedy(
    prompts: readonly GreedyPrompt[],
    maxNew: number,
    options: GreedyOptions = {},
  ): Promise<GreedyOutput[]> {
    const op = "generate greedily";
    this.#live(op);
    if (!Array.isArray(prompts) || prompts.length === 0) {
      throw new RangeError(`Cannot ${op}: expected a non-empty array of prompts`);
    }
    if (!Number.isInteger(maxNew) || maxNew < 1 || maxNew > 4096) {
      throw new RangeError(
        `Cannot ${op}: expected maxNew an integer in [1, 4096] but got ${maxNew}`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Cannot ${op}: expected an options object but got ${String(options)}`);
    }
    const decode = options.decode ?? (this.incremental ? "incremental" : "rerun");
    if (decode !== "incremental" && decode !== "rerun") {
      throw new RangeError(
        `Cannot ${op}: expected decode "incremental" or "rerun" but got ${JSON.stringify(decode)}`,
      );
    }
    if (decode === "incremental" && !this.incremental) {
      throw new RangeError(
        `Cannot ${op}: expected an LM the incremental decode restates (substrate ` +
          `${INCREMENTAL_SUBSTRATES.join(" or ")}, tensors ` +
          `${incrementalTensorNames(this.lm.config).join(", ")}) but got substrate ` +
          `${this.lm.config.substrate} with tensors ` +
          `${[...this.lm.parameters.keys(), ...this.lm.buffers.keys()].sort().join(", ")}; ` +
          `use decode "rerun"`,
      );
    }
    const d = this.d;
    const pre = prompts.map((p, r) => {
      const pf = p.prefix ?? new Float32Array(0);
      if (!(pf instanceof Float32Array) || pf.length % d !== 0) {
        throw new RangeError(
          `Cannot ${op}: expected prompt ${r}'s prefix a Float32Array of L·${d} values but got ` +
            `${pf instanceof Float32Array ? pf.length : typeof pf}`,
        );
      }
      const bad = pf.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new RangeError(
          `Cannot ${op}: expected a finite prefix but prompt ${r} has ${pf[bad]}`,
        );
      }
      return pf;
    });
    const lens = prompts.map((p, r) => pre[r]!.length / d + (p.ids?.length ?? 0));
    this.#checkIds(op, prompts.map((p) => p.ids), 0);
    const end = Math.max(...lens);
    const total = end + maxNew - 1; // the last generated byte is never fed back
    // Both decodes keep to the LM's context, so they decode the same set of prompts.
    if (total > this.maxSeqLen) {
      throw new RangeError(
        `Cannot ${op}: expected prefix + prompt + maxNew − 1 <= ${this.maxSeqLen} (the LM's ` +
          `context) but got ${total}`,
      );
    }
    const b = prompts.length;
    // The incremental decode needs the prompts only (end positions); the rerun the whole stream.
    const width = decode === "incremental" ? end : total;
    const x0 = new Float32Array(b * width * d);
    prompts.forEach((p, r) => {
      let o = (r * width + end - lens[r]!) * d;
      x0.set(pre[r]!, o);
      o += pre[r]!.length;
      for (const v of p.ids) {
        x0.set(this.#table.subarray(v * d, (v + 1) * d), o);
        o += d;
      }
    });
    const all = decode === "incremental"
      ? this.#decodeIncremental(x0, b, end, maxNew)
      : this.#decodeRerun(x0, b, end, total, maxNew);
    let v: Int32Array;
    try {
      v = (await readTensors([all]))[0] as Int32Array;
    } finally {
      all.dispose();
    }
    const dec = new TextDecoder("utf-8");
    return prompts.map((_, r) => {
      const bytes = Uint8Array.from(v.subarray(r * maxNew, (r + 1) * maxNew));
      return { bytes, text: dec.decode(bytes) };
    });
  }

  /**
   * The rerun decode: each step runs the LM over the stream `[b, total, d]` up to the last
   * filled position, takes the argmax there and adds the byte's embedding at the next position.
   * Returns the ids `[b, maxNew]` (the caller disposes them).
   */
  #decodeRerun(x0: Float32Array, b: number, end: number, total: number, maxNew: number): Tensor {
    const d = this.d;
    const table = this.lm.parameters.get("embedding")!;
    const outs: Tensor[] = [];
    let x = tensor(x0, [b, total, d]);
    try {
      for (let i = 0; i < maxNew; i++) {
        const pos = end - 1 + i;
        const step = noGrad(() =>
          tidy(() => {
            // The LM is causal: the positions up to pos decide the next byte.
            const seen = pos + 1 < total ? slice(x, [0, 0, 0], [b, pos + 1, d]) : x;
            const logits = this.lm.forwardEmbeds(seen);
            const last = reshape(slice(logits, [0, pos, 0], [b, 1, BYTE_VOCAB]), [b, BYTE_VOCAB]);
            const id = argmax(last, 1);
            let next: Tensor | null = null;
            if (pos + 1 < total) {
              const hot = new Float32Array(total);
              hot[pos + 1] = 1;
              // Row r gains emb(id_r) at position pos + 1: onehot ⊗ emb, batched over rows.
              const put = outer(tensor(hot, [1, total]), embedding(table, id));
              next = keep(add(x, put));
            }
            return { id: keep(reshape(id, [b, 1])), next };
          })
        );
        outs.push(step.id);
        if (step.next !== null) {
          x.dispose();
          x = step.next;
        }
      }
      return tidy(() => (outs.length === 1 ? reshape(outs[0]!, [b, 1]) : concat(outs, 1)));
    } finally {
      x.dispose();
      for (const t of outs) t.dispose();
    }
  }

  /** A tensor of the LM by name (parameter or buffer). */
  #w(name: string): Tensor {
    return this.lm.parameters.get(name) ?? this.lm.buffers.get(name)!;
  }

  /**
   * The bank's state after `x` `[b, t, d]` from `init` (`[b, M]`; zero when absent), `[b, M]`:
   * the LM's substrate (byte_lm.ts #substrate) restated for the two banks, through the same
   * scan, whose final state carried into the next call equals one long call. Call in tidy().
   */
  #bankState(x: Tensor, b: number, t: number, init?: Tensor): Tensor {
    const c = this.lm.config;
    const drive = matmul(x, this.#w("in_proj"));
    const scan = { method: c.scanMethod, chunk: c.scanChunk, initialState: init };
    if (c.substrate === "frozen") {
      const M = c.linearModes;
      const g = new Float32Array(b * t * M);
      for (let i = 0; i < b * t; i++) g.set(this.#decays!, i * M);
      return linearRecurrence(tensor(g, [b, t, M]), drive, scan).finalState;
    }
    const a = sigmoid(add(matmul(x, this.#w("gate_w")), this.#w("gate_b")));
    return linearRecurrence(a, sub(drive, mul(a, drive)), scan).finalState;
  }

  /**
   * The next byte after one position from its bank state `[b, M]`, its embedding `[b, 1, d]`
   * and its local window `[b, 1, W·d]` = [x_t, x_{t−1}, …, x_{t−W+1}] (null when W = 0): the
   * LM's readout (byte_lm.ts #readout) at that position, argmax `[b]`. Call in tidy().
   */
  #nextByte(state: Tensor, x: Tensor, window: Tensor | null, b: number): Tensor {
    const M = this.lm.config.linearModes;
    const hLin = gelu(
      add(
        matmul(concat([reshape(state, [b, 1, M]), x], 2), this.#w("readout_w")),
        this.#w("readout_b"),
      ),
    );
    let hidden = hLin;
    if (window !== null) {
      const hLoc = gelu(add(matmul(window, this.#w("local_w")), this.#w("local_b")));
      hidden = concat([hLin, mul(hLoc, this.#w("local_scale"))], 2);
    }
    const logits = add(matmul(hidden, this.#w("out_w")), this.#w("out_b"));
    return argmax(reshape(logits, [b, BYTE_VOCAB]), 1);
  }

  /**
   * The incremental decode: the prompts `[b, end, d]` run once (the bank's final state, the
   * last W embeddings, the first byte); each later step embeds the last byte, advances the
   * state one step of the recurrence and shifts the window by one. Returns the ids
   * `[b, maxNew]` (the caller disposes them).
   */
  #decodeIncremental(x0: Float32Array, b: number, end: number, maxNew: number): Tensor {
    const d = this.d;
    const W = this.lm.config.localWindow;
    const table = this.lm.parameters.get("embedding")!;
    const outs: Tensor[] = [];
    // What the next step carries: the bank's state and the local window.
    const carry: { state: Tensor | null; window: Tensor | null } = { state: null, window: null };
    const advance = (s: Tensor, w: Tensor | null, id: Tensor) => {
      carry.state?.dispose();
      carry.window?.dispose();
      carry.state = keep(s);
      carry.window = w === null ? null : keep(w);
      outs.push(keep(id));
    };
    try {
      noGrad(() =>
        tidy(() => {
          const x = tensor(x0, [b, end, d]);
          // Window row j is position end − 1 − j; positions before the stream read zeros.
          const rows: Tensor[] = [];
          for (let j = 0; j < W; j++) {
            const pos = end - 1 - j;
            rows.push(
              pos >= 0
                ? slice(x, [0, pos, 0], [b, 1, d])
                : tensor(new Float32Array(b * d), [b, 1, d]),
            );
          }
          const w = W === 0 ? null : W === 1 ? rows[0]! : concat(rows, 2);
          const s = this.#bankState(x, b, end);
          advance(s, w, this.#nextByte(s, slice(x, [0, end - 1, 0], [b, 1, d]), w, b));
        })
      );
      for (let i = 1; i < maxNew; i++) {
        noGrad(() =>
          tidy(() => {
            const x = reshape(embedding(table, outs.at(-1)!), [b, 1, d]);
            const s = this.#bankState(x, b, 1, carry.state!);
            const w0 = carry.window;
            const w = w0 === null
              ? null
              : W === 1
              ? x
              : concat([x, slice(w0, [0, 0, 0], [b, 1, (W - 1) * d])], 2);
            advance(s, w, this.#nextByte(s, x, w, b));
          })
        );
      }
      const cols = () => outs.map((t) => reshape(t, [b, 1]));
      return tidy(() => (outs.length === 1 ? cols()[0]! : concat(cols(), 1)));
    } finally {
      carry.state?.dispose();
      carry.window?.dispose();
      for (const t of outs) t.dispose();
    }
  }

  /** Releases the LM. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.lm.dispose();
  }
}

if (import.meta.main) {
  // The documented, seeded command that writes the committed corpus and checkpoint.
  const { initGpu } = await import("../mod.ts");
  await initGpu();
  await Deno.writeTextFile(AMS_BYTE_LM_CORPUS_PATH, amsByteLMCorpus());
  const steps = Number(Deno.env.get("AMS_BYTE_LM_STEPS") ?? AMS_BYTE_LM_TRAINING.steps);
  const t0 = performance.now();
  const meta = await trainAmsByteLM(AMS_BYTE_LM_CHECKPOINT, {
    steps,
    onProgress: (s, l) =>
      console.log(
        `step ${s}: ${l.toFixed(4)} nats/byte (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      ),
  });
  console.log(`bits per byte (held-out tail): ${meta.bitsPerByte.toFixed(3)}`);
}
