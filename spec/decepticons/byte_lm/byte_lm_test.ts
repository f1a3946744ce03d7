/**
 * Tests of the causal-bank byte language model:
 * training on the shipped corpus against the unigram baseline and a floor from
 * the corpus's own compressibility, determinism under seed, causality for every
 * substrate mode, per-mode trainability and validation. The unigram entropy is
 * computed here from byte counts of the training split, independently of the
 * model code (and checked against numpy's in the pinned fixture); the floor is
 * a fraction of the held-out text's conditional LZMA rate given the training
 * split (fixtures/decepticons/byte_lm.json), so a model that reads its own
 * target fails it.
 *
 * @module
 */
import {
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import {
  CausalBankLM,
  type CausalBankLMConfig,
  type LMSubstrate,
} from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  BYTE_LM_COMPRESSOR_FLOOR_FRACTION,
  BYTE_LM_UNIGRAM_MARGIN_BITS,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { recordFigure } from "../../_harness/figures.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  BYTE_LM_CAUSALITY,
  BYTE_LM_DETERMINISTIC,
  BYTE_LM_MODES_TRAIN,
  BYTE_LM_TRAINS,
  BYTE_LM_VALIDATION,
} from "./claims.ts";

await initGpu();

const CORPUS = Deno.readFileSync(new URL("../../../fixtures/corpus/byte_lm.txt", import.meta.url));
/** The split: the last 10 % of the file is held out. */
const CUT = Math.floor(CORPUS.length * 0.9);
const TRAIN = CORPUS.subarray(0, CUT);
const HELD_OUT = CORPUS.subarray(CUT);

/** Unigram entropy in bits of a byte string's empirical distribution. */
function unigramEntropyBits(bytes: Uint8Array): number {
  const counts = new Float64Array(256);
  for (const b of bytes) counts[b]!++;
  let h = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / bytes.length;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/**
 * The training budget of the claim: 80 Adam steps of 16 windows × 64 bytes (82 KB, about 2.7
 * passes over the training split), cosine-decayed lr; measured 25-32 s on 2-core llvmpipe.
 */
const TRAIN_OPTIONS = {
  steps: 80,
  batch: 16,
  seqLen: 64,
  lr: 0.02,
  finalLrFraction: 0.1,
  logEvery: 10,
  seed: 7,
} as const;

/** The pinned compressibility of the split (fixtures/gen/decepticons_byte_lm_fixtures.py). */
interface CompressionFixture {
  format: string;
  corpus_sha256: string;
  corpus_bytes: number;
  cut: number;
  unigram_entropy_train_bits: number;
  lzma_conditional_bpb: number;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

claimTest(BYTE_LM_TRAINS, async () => {
  const { data: fx } = await loadPinnedJson<CompressionFixture>(
    "fixtures/decepticons/byte_lm.json",
    "memspec.decepticons.byte_lm.v1",
  );
  // The fixture must describe this corpus and this split.
  const sha = await sha256Hex(Uint8Array.from(CORPUS));
  if (sha !== fx.corpus_sha256 || fx.cut !== CUT || fx.corpus_bytes !== CORPUS.length) {
    throw new Error(
      `Cannot use fixtures/decepticons/byte_lm.json: it describes a corpus of ` +
        `${fx.corpus_bytes} bytes (sha256 ${fx.corpus_sha256.slice(0, 12)}…, cut ${fx.cut}) but ` +
        `the corpus has ${CORPUS.length} bytes (sha256 ${sha.slice(0, 12)}…, cut ${CUT}); ` +
        "regenerate it with fixtures/gen/decepticons_byte_lm_fixtures.py",
    );
  }
  const baseline = unigramEntropyBits(TRAIN);
  if (!(Math.abs(baseline - fx.unigram_entropy_train_bits) <= 1e-12)) {
    throw new Error(
      `Cannot trust the unigram baseline: ${baseline} bits here, ` +
        `${fx.unigram_entropy_train_bits} in the fixture (numpy)`,
    );
  }
  const floor = BYTE_LM_COMPRESSOR_FLOOR_FRACTION * fx.lzma_conditional_bpb;
  const lm = new CausalBankLM({ substrate: "frozen", seed: 42 });
  try {
    const run = await lm.train(TRAIN, TRAIN_OPTIONS);
    const t0 = performance.now();
    const bpb = await lm.evaluateBitsPerByte(HELD_OUT, { seqLen: 128 });
    const evalMs = performance.now() - t0;
    const first = run.losses[0]!;
    const last = run.losses.at(-1)!;
    const margin = baseline - bpb;
    const falls = last.loss < first.loss;
    const detail = `unigram(train) ${baseline.toFixed(4)} bits, held-out ${bpb.toFixed(4)} ` +
      `bits/byte (${HELD_OUT.length} bytes), floor ${floor.toFixed(4)} = ` +
      `${BYTE_LM_COMPRESSOR_FLOOR_FRACTION} x LZMA ${fx.lzma_conditional_bpb.toFixed(4)} ` +
      `(held-out / LZMA ${(bpb / fx.lzma_conditional_bpb).toFixed(3)}); loss ` +
      `${(first.loss / Math.LN2).toFixed(3)} bits at step ${first.step} -> ` +
      `${(last.loss / Math.LN2).toFixed(3)} at step ${last.step}; train ` +
      `${(run.wallMs / 1000).toFixed(1)} s (${run.bytesPerSecond.toFixed(0)} bytes/s), ` +
      `eval (windows of 128, no carried state) ${(evalMs / 1000).toFixed(1)} s`;
    console.log(`byte_lm.trains: margin ${margin.toFixed(4)} bits; ${detail}`);
    recordFigure({
      id: "byte_lm_training_loss",
      claim: BYTE_LM_TRAINS.id,
      title: "Causal-bank byte LM (frozen bank): training loss and held-out bits per byte",
      x: { label: "step" },
      y: { label: "bits per byte" },
      series: [{
        name: "training loss (bits/byte)",
        points: run.losses.map((l) => [l.step, l.loss / Math.LN2] as const),
      }],
      marks: [
        { y: baseline, label: `unigram ${baseline.toFixed(2)}` },
        { y: bpb, label: `held-out ${bpb.toFixed(2)}` },
        { y: floor, label: `floor ${floor.toFixed(2)}` },
      ],
    });
    return {
      figure: margin,
      bound: BYTE_LM_UNIGRAM_MARGIN_BITS,
      pass: falls,
      parts: [
        {
          name: "margin below unigram (bits)",
          figure: margin,
          bound: BYTE_LM_UNIGRAM_MARGIN_BITS,
          direction: ">=",
        },
        {
          name: "held-out bpb above the compressor floor",
          figure: bpb,
          bound: floor,
          direction: ">=",
        },
        {
          name: "last / first logged training loss",
          figure: last.loss / first.loss,
          bound: 1 - 2 ** -20,
          direction: "<=",
        },
      ],
      detail,
    };
  } finally {
    lm.dispose();
  }
});

const SMALL: Partial<CausalBankLMConfig> = {
  embeddingDim: 8,
  linearModes: 16,
  stateDim: 8,
  numHeads: 2,
  readoutHidden: 16,
  localHidden: 16,
  localWindow: 4,
  scanChunk: 16,
};

async function paramValues(lm: CausalBankLM): Promise<Float32Array[]> {
  return (await readTensors(lm.trainable())) as Float32Array[];
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n + Math.abs(a.length - b.length);
}

claimTest(BYTE_LM_DETERMINISTIC, async () => {
  const opts = { steps: 4, batch: 4, seqLen: 40, lr: 0.01, logEvery: 1, seed: 3 };
  const runs: { losses: number[]; params: Float32Array[] }[] = [];
  for (let r = 0; r < 2; r++) {
    const lm = new CausalBankLM({ ...SMALL, seed: 11 });
    try {
      const { losses } = await lm.train(TRAIN, opts);
      runs.push({ losses: losses.map((l) => l.loss), params: await paramValues(lm) });
    } finally {
      lm.dispose();
    }
  }
  const other = new CausalBankLM({ ...SMALL, seed: 12 });
  const otherParams = await paramValues(other);
  other.dispose();
  const [a, b] = runs as [typeof runs[0], typeof runs[0]];
  let diff = differing(a.losses, b.losses);
  let total = a.losses.length;
  a.params.forEach((p, i) => {
    diff += differing(p, b.params[i]!);
    total += p.length;
  });
  const seedMatters = differing(otherParams[0]!, runs[0]!.params[0]!) > 0;
  const detail = `${total} values compared over ${opts.steps} steps; losses ` +
    `${a.losses.map((l) => l.toFixed(4)).join(", ")}; seed 12 differs from seed 11: ${seedMatters}`;
  console.log(`byte_lm.deterministic: ${diff} differing values; ${detail}`);
  return { figure: diff, bound: 0, pass: diff === 0 && seedMatters, detail };
});

const MODES: { substrate: LMSubstrate; scanMethod?: "sequential" | "chunked" }[] = [
  { substrate: "frozen", scanMethod: "chunked" },
  { substrate: "frozen", scanMethod: "sequential" },
  { substrate: "learned_recurrence", scanMethod: "chunked" },
  { substrate: "learned_recurrence", scanMethod: "sequential" },
  { substrate: "gated_retention" },
  { substrate: "gated_delta" },
];

claimTest(BYTE_LM_CAUSALITY, async () => {
  const B = 2;
  const T = 72; // > scanChunk (16): four chunks and a partial one
  const rng = new Rng(5);
  const base = Int32Array.from({ length: B * T }, () => rng.int(256));
  const t0s = [0, 1, 15, 16, 40, T - 1];
  let violations = 0;
  let silent = 0;
  let checked = 0;
  for (const mode of MODES) {
    const lm = new CausalBankLM({ ...SMALL, ...mode, seed: 9 });
    try {
      const logitsOf = async (ids: Int32Array) => {
        const out = tidy(() => {
          const tok = tensor(ids, [B, T], { dtype: "i32" });
          return lm.forward(tok);
        });
        const [v] = await readTensors([out]);
        out.dispose();
        return v as Float32Array;
      };
      const ref = await logitsOf(base);
      for (const t0 of t0s) {
        const changed = base.slice();
        for (let b = 0; b < B; b++) changed[b * T + t0] = (base[b * T + t0]! + 97) % 256;
        const got = await logitsOf(changed);
        let atT0 = 0;
        for (let b = 0; b < B; b++) {
          for (let t = 0; t <= t0; t++) {
            for (let v = 0; v < 256; v++) {
              const i = (b * T + t) * 256 + v;
              const same = Object.is(ref[i], got[i]);
              if (t < t0) {
                checked++;
                if (!same) violations++;
              } else if (!same) atT0++;
            }
          }
        }
        if (atT0 === 0) silent++;
      }
    } finally {
      lm.dispose();
    }
  }
  const detail = `${MODES.length} mode/scan combinations x t0 in {${t0s.join(", ")}}, B ${B}, ` +
    `T ${T}, chunk 16; ${checked} logits before t0 compared; cases with no change at t0: ` +
    `${silent}`;
  console.log(`byte_lm.causality: ${violations} differing logits before t0; ${detail}`);
  return { figure: violations, bound: 0, pass: violations === 0 && silent === 0, detail };
});

claimTest(BYTE_LM_MODES_TRAIN, async () => {
  const opts = { steps: 12, batch: 4, seqLen: 48, lr: 0.01, logEvery: 1, seed: 1 };
  const rows: string[] = [];
  let pass = true;
  let worstRatio = 0;
  for (const substrate of ["frozen", "learned_recurrence", "gated_retention", "gated_delta"]) {
    const lm = new CausalBankLM({ ...SMALL, substrate: substrate as LMSubstrate, seed: 4 });
    try {
      const before = await paramValues(lm);
      const { losses } = await lm.train(TRAIN, opts);
      const after = await paramValues(lm);
      const names = [...lm.parameters.keys()];
      const frozen = names.filter((_, i) => differing(before[i]!, after[i]!) === 0);
      const first = losses[0]!.loss;
      const last = losses.at(-1)!.loss;
      worstRatio = Math.max(worstRatio, last / first);
      if (!(last < first) || frozen.length > 0) pass = false;
      rows.push(
        `${substrate} ${first.toFixed(3)} -> ${last.toFixed(3)} nats` +
          (frozen.length > 0 ? ` (unchanged: ${frozen.join(", ")})` : ""),
      );
    } finally {
      lm.dispose();
    }
  }
  const detail = rows.join("; ");
  console.log(`byte_lm.modes_train: worst last/first loss ${worstRatio.toFixed(4)}; ${detail}`);
  // The worst last/first loss ratio must stay below 1 (the bound is a strict decrease).
  return { figure: worstRatio, bound: 1 - 2 ** -20, pass: pass && worstRatio < 1, detail };
});

claimTest(BYTE_LM_VALIDATION, () => {
  const before = liveBufferCount();
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError][] = [
    // deno-lint-ignore no-explicit-any
    ["unknown substrate", () => new CausalBankLM({ substrate: "hierarchical" as any }), RangeError],
    // deno-lint-ignore no-explicit-any
    ["embeddingDim as a string", () => new CausalBankLM({ embeddingDim: "8" as any }), TypeError],
    ["embeddingDim 0", () => new CausalBankLM({ embeddingDim: 0 }), RangeError],
    ["linearModes 2.5", () => new CausalBankLM({ linearModes: 2.5 }), RangeError],
    ["stateDim 6 over 4 heads", () => new CausalBankLM({ stateDim: 6, numHeads: 4 }), RangeError],
    ["halfLifeMin -1", () => new CausalBankLM({ halfLifeMin: -1 }), RangeError],
    ["halfLifeMax < halfLifeMin", () => new CausalBankLM({ halfLifeMax: 1 }), RangeError],
    // deno-lint-ignore no-explicit-any
    ["scanMethod fft", () => new CausalBankLM({ scanMethod: "fft" as any }), RangeError],
    ["localScale NaN", () => new CausalBankLM({ localScale: NaN }), RangeError],
    ["seed -1", () => new CausalBankLM({ seed: -1 }), RangeError],
    // deno-lint-ignore no-explicit-any
    ["config null", () => new CausalBankLM(null as any), TypeError],
  ];
  const lm = new CausalBankLM({ ...SMALL, maxSeqLen: 16 });
  const f32 = tensor([1, 2], [1, 2]);
  const ids1 = tensor(new Int32Array([1, 2]), [2], { dtype: "i32" });
  const long = tensor(new Int32Array(17), [1, 17], { dtype: "i32" });
  const ok2 = tensor(new Int32Array([1, 2]), [1, 2], { dtype: "i32" });
  const bytes = new TextEncoder().encode("some text to train on");
  const opts = { steps: 1, batch: 1, seqLen: 4, lr: 0.01 };
  const asyncCases: [string, () => Promise<unknown>, typeof TypeError | typeof RangeError][] = [
    // deno-lint-ignore no-explicit-any
    ["train on a string", () => lm.train("text" as any, opts), TypeError],
    ["train steps 0", () => lm.train(bytes, { ...opts, steps: 0 }), RangeError],
    ["train lr NaN", () => lm.train(bytes, { ...opts, lr: NaN }), RangeError],
    ["train seqLen > maxSeqLen", () => lm.train(bytes, { ...opts, seqLen: 17 }), RangeError],
    ["train corpus too short", () => lm.train(bytes.subarray(0, 4), opts), RangeError],
    ["evaluate 1 byte", () => lm.evaluateBitsPerByte(bytes.subarray(0, 1)), RangeError],
  ];
  cases.push(
    ["forward f32 tokens", () => lm.forward(f32), TypeError],
    ["forward rank-1 tokens", () => lm.forward(ids1), TypeError],
    ["forward T > maxSeqLen", () => lm.forward(long), RangeError],
    ["loss with mismatched targets", () => lm.loss(ok2, ids1), TypeError],
    ["trainStep lr 0", () => lm.trainStep(ok2, ok2, 0), RangeError],
  );
  const failures: string[] = [];
  let passed = 0;
  const check = (name: string, e: unknown, cls: typeof TypeError | typeof RangeError) => {
    if (e instanceof cls && /CausalBankLM|causal-bank/.test((e as Error).message)) passed++;
    else failures.push(`${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
  };
  for (const [name, fn, cls] of cases) {
    try {
      fn();
      failures.push(`${name}: no error`);
    } catch (e) {
      check(name, e, cls);
    }
  }
  return (async () => {
    for (const [name, fn, cls] of asyncCases) {
      try {
        await fn();
        failures.push(`${name}: no error`);
      } catch (e) {
        check(name, e, cls);
      }
    }
    lm.dispose();
    const disposedCase = (() => {
      try {
        lm.forward(ok2);
        return "forward after dispose: no error";
      } catch (e) {
        return e instanceof TypeError ? null : `forward after dispose: ${e}`;
      }
    })();
    const total = cases.length + asyncCases.length + 1;
    if (disposedCase === null) passed++;
    else failures.push(disposedCase);
    for (const t of [f32, ids1, long, ok2] as Tensor[]) t.dispose();
    const leaked = liveBufferCount() - before;
    const detail = `${passed}/${total} fault cases raised the expected error; leaked ${leaked}` +
      (failures.length ? `; failures: ${failures.join(" | ")}` : "");
    console.log(`byte_lm.validation: ${detail}`);
    return {
      figure: total - passed + leaked,
      bound: 0,
      pass: passed === total && leaked === 0,
      detail,
    };
  })();
});
