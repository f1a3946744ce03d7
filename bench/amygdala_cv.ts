/**
 * Model selection for the amygdala real-activations claim (spec/amygdala/activations): the
 * cross-validated AUROC, on the training stories only, of every readout method on the
 * last-byte states of a candidate byte LM. Each of the 7 folds holds out one story per
 * concept and one paired scenario (its baseline and framings); the readout is trained on the
 * rest; a concept's fold AUROC ranks the held-out texts (positives: its story and framing).
 * `--heldout` runs the one held-out check of a finalist (the shipped held-out stories).
 * Not a `deno bench` file (its name has no `_bench`): a script, one candidate per run.
 *
 * Options: `--model` frozen | learned_recurrence | gated_retention | gated_delta (CausalBankLM
 * of ACTIVATION_LM_CONFIG with that substrate; the gated ones read the readout hidden layer) |
 * gru | stack (StackByteLM: `--window`, `--local` F, `--modes` M); `--steps`, `--lr`, `--batch`,
 * `--seqlen`, `--seed` (default 7); `--emb` E, `--hidden` (readout or GRU width); `--layer`;
 * `--pool last,mean`; `--stories` (the training stories appended to the LM corpus, never the
 * held-out ones); `--heldout`. The chosen model (spec/amygdala/activations/claims.ts):
 *
 *   npx -y deno@2.9.6 run --allow-read=. --allow-write=out --allow-env bench/amygdala_cv.ts \
 *     --model stack --steps 600 --layer 2 --window 6 --local 64 --modes 256 [--heldout]
 *
 * @module
 */
import {
  add,
  CausalBankLM,
  type CausalBankLMConfig,
  embedding,
  initGpu,
  matmul,
  noGrad,
  readTensors,
  Rng,
  type Tensor,
  tensor,
  tidy,
} from "../impl/mod.ts";
import {
  type ActivationSource,
  auroc,
  type Corpus,
  corpusTexts,
  poolLast,
  readCorpus,
  splitTexts,
  TRAIN_METHODS,
  type TrainMethod,
  trainReadout,
} from "../impl/amygdala/mod.ts";
import {
  ACTIVATION_LM_CONFIG,
  ACTIVATION_LM_TRAINING,
  ByteLMActivations,
} from "../impl/apps/byte_lm_activations.ts";
import {
  type BytePooling,
  StackByteLM,
  trainOnWindows,
  type WindowTraining,
} from "../impl/apps/byte_lm_activations.ts";
import { gru, gruParameterNames, type GruWeights, initGruWeights } from "../impl/nn/gru/gru.ts";

/**
 * A GRU byte LM (a candidate that was not kept): byte embedding (E) → one GRU layer (H,
 * impl/nn/gru, the GRU of decepticons' recurrent readout) → linear logits.
 */
class GruByteLM {
  readonly parameters: Map<string, Tensor>;
  readonly #gru: GruWeights;
  readonly #E: number;
  readonly #H: number;

  constructor(c: { embeddingDim: number; hidden: number; seed: number }) {
    const { embeddingDim: E, hidden: H, seed } = c;
    this.#E = E;
    this.#H = H;
    const rng = new Rng(seed);
    this.#gru = initGruWeights(E, H, seed, "gru.");
    const names = gruParameterNames("gru.");
    const bound = Math.sqrt(6 / (H + 256));
    const outW = new Float32Array(H * 256);
    for (let i = 0; i < outW.length; i++) outW[i] = (2 * rng.uniform() - 1) * bound;
    this.parameters = new Map<string, Tensor>([
      ["embedding", tensor(rng.normals(256 * E, 1), [256, E], { requiresGrad: true })],
      [names[0], this.#gru.wIh],
      [names[1], this.#gru.wHh],
      [names[2], this.#gru.bIh],
      [names[3], this.#gru.bHh],
      ["out_w", tensor(outW, [H, 256], { requiresGrad: true })],
      ["out_b", tensor(new Float32Array(256), [256], { requiresGrad: true })],
    ]);
  }

  states(tokens: Tensor): Tensor {
    return gru(embedding(this.parameters.get("embedding")!, tokens), this.#gru);
  }

  forward(tokens: Tensor): Tensor {
    const p = this.parameters;
    return add(matmul(this.states(tokens), p.get("out_w")!), p.get("out_b")!);
  }

  train(corpus: Uint8Array, o: WindowTraining): Promise<number[]> {
    return trainOnWindows([...this.parameters.values()], (t) => this.forward(t), corpus, o);
  }

  /** Layer 0 the embedding width (unused), layer 1 the GRU state. */
  source(pooling: BytePooling): ActivationSource {
    const H = this.#H;
    return {
      layers: [0, 1],
      hiddenSizes: [this.#E, H],
      activate: async (texts) => {
        const enc = new TextEncoder();
        const bytes = texts.map((s) => enc.encode(s));
        const B = bytes.length;
        const T = Math.max(...bytes.map((b) => b.length));
        const ids = new Int32Array(B * T);
        const mask = new Uint8Array(B * T);
        bytes.forEach((b, i) => {
          ids.set(b, i * T);
          mask.fill(1, i * T, i * T + b.length);
        });
        const out = noGrad(() => tidy(() => this.states(tensor(ids, [B, T], { dtype: "i32" }))));
        const all = ((await readTensors([out])) as Float32Array[])[0]!;
        out.dispose();
        let pooled: Float32Array;
        if (pooling === "last") pooled = Float32Array.from(poolLast(all, mask, B, T, H, "right"));
        else {
          pooled = new Float32Array(B * H);
          bytes.forEach((b, i) => {
            for (let t = 0; t < b.length; t++) {
              for (let k = 0; k < H; k++) {
                pooled[i * H + k]! += all[(i * T + t) * H + k]! / b.length;
              }
            }
          });
        }
        return { layers: new Map([[1, { hidden: H, pooled }]]) };
      },
    };
  }
}

const args: Record<string, string | undefined> & { heldout?: boolean; stories?: boolean } = {
  model: "frozen",
  steps: "60",
  layer: "1",
  seed: "7",
  lr: "3e-3",
  seqlen: "64",
  batch: "8",
};
for (let i = 0; i < Deno.args.length; i++) {
  const a = Deno.args[i]!.replace(/^--/, "");
  if (a === "heldout" || a === "stories") args[a] = true as never;
  else args[a] = Deno.args[++i];
}
await initGpu();
const CORPUS = "fixtures/corpus/amygdala";
const corpus = await readCorpus(CORPUS);
const steps = Number(args.steps);
const t0 = performance.now();
let lmText = await Deno.readFile("fixtures/corpus/byte_lm.txt");
if (args.stories) {
  // The training stories only (never the held-out ones), appended to the LM corpus.
  const extra = new TextEncoder().encode("\n\n" + corpusTexts(corpus).join("\n\n"));
  const joined = new Uint8Array(lmText.length + extra.length);
  joined.set(lmText);
  joined.set(extra, lmText.length);
  lmText = joined;
}
const train = {
  ...ACTIVATION_LM_TRAINING,
  steps,
  lr: Number(args.lr),
  seqLen: Number(args.seqlen),
  batch: Number(args.batch),
};

/** texts → [N, H] last-byte states of the chosen layer. */
let featurizeOf: (
  pool: "last" | "mean",
) => (texts: string[]) => Promise<{ h: number; rows: Float32Array }>;
const layer = Number(args.layer);
const pools = (args.pool ?? "last").split(",") as ("last" | "mean")[];
if (args.model === "stack") {
  const lm = new StackByteLM({
    embeddingDim: Number(args.emb ?? 16),
    window: Number(args.window ?? 4),
    localHidden: Number(args.local ?? 32),
    linearModes: Number(args.modes ?? 64),
    readoutHidden: Number(args.hidden ?? 64),
    seed: Number(args.seed),
  });
  const losses = await lm.train(lmText, { ...train, seed: Number(args.seed) });
  console.log(`trained ${steps} steps: loss ${losses.map((l) => l.toFixed(3)).join(" ")}`);
  featurizeOf = (pool) => async (texts) => {
    const a = await lm.source(pool).activate(texts);
    const l = a.layers.get(layer)!;
    return { h: l.hidden, rows: l.pooled };
  };
} else if (args.model === "gru") {
  const lm = new GruByteLM({
    embeddingDim: Number(args.emb ?? 16),
    hidden: Number(args.hidden ?? 64),
    seed: Number(args.seed),
  });
  const losses = await lm.train(lmText, { ...train, seed: Number(args.seed) });
  console.log(`trained ${steps} steps: loss ${losses.map((l) => l.toFixed(3)).join(" ")}`);
  featurizeOf = (pool) => async (texts) => {
    const src = lm.source(pool);
    const a = await src.activate(texts);
    const l = a.layers.get(layer)!;
    return { h: l.hidden, rows: l.pooled };
  };
} else {
  const config: Partial<CausalBankLMConfig> = {
    ...ACTIVATION_LM_CONFIG,
    substrate: args.model as CausalBankLMConfig["substrate"],
    seed: Number(args.seed),
  };
  if (args.hidden) config.readoutHidden = Number(args.hidden);
  const lm = new CausalBankLM(config);
  const r = await lm.train(lmText, { ...train, logEvery: Math.max(1, Math.floor(steps / 4)) });
  console.log(`trained ${steps} steps: ${r.losses.map((l) => l.loss.toFixed(3)).join(" ")}`);
  if (args.model === "frozen" || args.model === "learned_recurrence") {
    featurizeOf = (pool) => async (texts) => {
      const src = new ByteLMActivations(lm, { pooling: pool });
      const a = await src.activate(texts);
      const l = a.layers.get(layer)!;
      return { h: l.hidden, rows: l.pooled };
    };
  } else {
    // The readout hidden layer through the public API, pooled at the last byte.
    featurizeOf = () => async (texts) => {
      const enc = new TextEncoder();
      const bytes = texts.map((s) => enc.encode(s));
      const B = bytes.length;
      const T = Math.max(...bytes.map((b) => b.length));
      const ids = new Int32Array(B * T);
      const mask = new Uint8Array(B * T);
      bytes.forEach((b, i) => {
        ids.set(b, i * T);
        mask.fill(1, i * T, i * T + b.length);
      });
      const H = lm.config.readoutHidden;
      const out = noGrad(() =>
        tidy(() => lm.hiddenStates(lm.embed(tensor(ids, [B, T], { dtype: "i32" }))))
      );
      const all = ((await readTensors([out])) as Float32Array[])[0]!;
      out.dispose();
      return { h: H, rows: Float32Array.from(poolLast(all, mask, B, T, H, "right")) };
    };
  }
}
console.log(`model ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

async function evaluate(
  featurize: (texts: string[]) => Promise<{ h: number; rows: Float32Array }>,
) {
  const held = new Map<string, string[]>();
  for (const c of [...corpus.concepts, "_neutral"]) {
    held.set(c, splitTexts(await Deno.readTextFile(`${CORPUS}/heldout/${c}.txt`)));
  }
  const heldTexts = [...held.values()].flat();
  const all = [...new Set([...corpusTexts(corpus), ...heldTexts])];
  const feats = await featurize(all);
  const H = feats.h;
  const index = new Map(all.map((t, i) => [t, i]));
  const source: ActivationSource = {
    layers: [0],
    hiddenSizes: [H],
    activate(list) {
      const pooled = new Float32Array(list.length * H);
      list.forEach((t, r) =>
        pooled.set(feats.rows.subarray(index.get(t)! * H, (index.get(t)! + 1) * H), r * H)
      );
      return Promise.resolve({ layers: new Map([[0, { hidden: H, pooled }]]) });
    },
  };
  function scores(vec: Float32Array, c: number, texts: string[]) {
    return texts.map((t) => {
      const i = index.get(t)!;
      let s = 0;
      for (let k = 0; k < H; k++) s += vec[c * H + k]! * feats.rows[i * H + k]!;
      return s;
    });
  }
  const methods = TRAIN_METHODS.filter((m) => m !== "subspace") as TrainMethod[];
  const scen = [...corpus.paired.keys()];
  const nStories = Math.min(...corpus.concepts.map((c) => corpus.stories.get(c)!.length));
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" / ");
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const report: string[] = [];
  for (const m of methods) {
    try {
      const per = corpus.concepts.map(() => [] as number[]);
      for (let f = 0; f < nStories; f++) {
        const hs = scen[f % scen.length]!;
        const stories = new Map(
          [...corpus.stories].map(([c, s]) => [c, s.filter((_, i) => i !== f)]),
        );
        const paired = new Map([...corpus.paired].filter(([k]) => k !== hs));
        const sub: Corpus = { ...corpus, stories, paired };
        const heldF: string[] = [];
        const lab: string[] = [];
        for (const c of corpus.concepts) {
          heldF.push(corpus.stories.get(c)![f]!);
          lab.push(c);
        }
        const p = corpus.paired.get(hs)!;
        for (const t of p.baseline) (heldF.push(t), lab.push("_"));
        for (const [c, ts] of p.concepts) for (const t of ts) (heldF.push(t), lab.push(c));
        const tr = await trainReadout(sub, source, { method: m, layers: [0] });
        const vec = tr.vectors.vectors.get(0)!;
        corpus.concepts.forEach((c, ci) =>
          per[ci]!.push(auroc(scores(vec, ci, heldF), lab.map((l) => l === c)))
        );
      }
      const au = per.map(mean);
      report.push(
        `CV ${m}: ${fmt(au)} (mean ${mean(au).toFixed(3)}, >=0.8: ${
          au.filter((x) => x >= 0.8).length
        })`,
      );
      console.log(report.at(-1));
    } catch (e) {
      console.log(`CV ${m}: ${e instanceof Error ? e.name : e}`);
    }
  }
  if (args.heldout) {
    for (const m of methods) {
      let tr;
      try {
        tr = await trainReadout(corpus, source, { method: m, layers: [0] });
      } catch (e) {
        console.log(`HELDOUT ${m}: ${e instanceof Error ? e.name : e}`);
        continue;
      }
      const vec = tr.vectors.vectors.get(0)!;
      const au = corpus.concepts.map((c, ci) => {
        const labels: boolean[] = [];
        for (const [hc, ts] of held) for (const _ of ts) labels.push(hc === c);
        return auroc(scores(vec, ci, heldTexts), labels);
      });
      console.log(
        `HELDOUT ${m}: ${fmt(au)} (mean ${mean(au).toFixed(3)}, >=0.8: ${
          au.filter((x) => x >= 0.8).length
        })`,
      );
    }
  }
}
for (const pool of pools) {
  console.log(`pooling ${pool}`);
  await evaluate(featurizeOf(pool));
}
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
