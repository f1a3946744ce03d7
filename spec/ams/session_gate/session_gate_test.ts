/**
 * Proofs of the session-gate claims (./claims.ts). The runs are computed once (./_gate.ts); the
 * byte-LM plumbing is checked against the LM's own forward and a host greedy loop written here.
 *
 * @module
 */
import {
  CausalBankLM,
  initGpu,
  liveBufferCount,
  type LMSubstrate,
  readCheckpointInfo,
  readTensors,
  saveCheckpoint,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import {
  AMS_BYTE_LM_CHECKPOINT,
  AMS_BYTE_LM_CONFIG,
  AMS_BYTE_LM_CORPUS_PATH,
  amsByteLMCorpus,
  type AmsByteLMMeta,
  ByteLMBackbone,
  type GreedyPrompt,
  loadAmsByteLM,
} from "../../../impl/apps/ams_byte_lm_backbone.ts";
import {
  amsSessionCheckpoint,
  amsSessionModel,
  loadAmsSessionCheckpoint,
  parseAmsSessionArgs,
  promptC,
  promptD,
  runAmsSession,
} from "../../../impl/apps/ams_session_cli.ts";
import { promptA } from "../../../impl/ams/session/session.ts";
import { SESSION_FACTS } from "../../../impl/ams/session/session_data.ts";
import { claimTest, type Measurement, type SubFigure } from "../../_harness/claim.ts";
import { checkFaults, type FaultCase, faultMeasurement } from "../../_harness/fault_case.ts";
import { GATE_MODELS, gateKey, gateRuns, GENERATION_N } from "./_gate.ts";
import {
  GATE_BYTE_LM_BACKBONE,
  GATE_BYTE_LM_CHECKPOINT,
  GATE_FAULT,
  GATE_GENERATION,
  GATE_INCREMENTAL_DECODE,
  GATE_MERGE_V47,
  GATE_TIER1,
  GATE_V4_DIVERGENCE,
} from "./claims.ts";

/** prefix_scale for the MemLLM4.generate check: a prefix about as large as an embedding row. */
const PREFIX_SCALE_FOR_CHECK = 4;

/** The ten keywords, restated: the byte LM's corpus must hold none. */
const KEYWORDS = [
  "chopin",
  "beethoven",
  "tokyo",
  "engineer",
  "max",
  "mandarin",
  "davis",
  "thai",
  "brown",
  "coral",
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** The original's greedy loop on the host: logits read back and argmax taken every step. */
async function hostGreedy(
  bb: ByteLMBackbone,
  prefix: Float32Array,
  ids: readonly number[],
  n: number,
): Promise<number[]> {
  const d = bb.d, seq = [...ids], out: number[] = [];
  for (let s = 0; s < n; s++) {
    const T = prefix.length / d + seq.length;
    const x = new Float32Array(T * d);
    x.set(prefix, 0);
    x.set(bb.embedTokens(seq), prefix.length);
    const logits = await bb.nextTokenLogits(x, 1, T);
    const last = logits.subarray((T - 1) * 256, T * 256);
    let best = 0;
    for (let v = 1; v < 256; v++) if (last[v]! > last[best]!) best = v;
    out.push(best);
    seq.push(best);
  }
  return out;
}

claimTest(GATE_BYTE_LM_BACKBONE, async (): Promise<Measurement> => {
  await initGpu();
  const bb = await ByteLMBackbone.load();
  try {
    const d = bb.d;
    const ids = bb.tokenize("User: What is my dog's name?\nAssistant:");
    const T = ids.length;
    // 1. Logits from embeddings against the ids' forward.
    const [a, b] = tidy(() => {
      const tok = tensor(Int32Array.from(ids), [1, T], { dtype: "i32" });
      return [bb.lm.forward(tok), bb.lm.forwardEmbeds(bb.lm.embed(tok))];
    });
    const [la, lb] = await readTensors([a!, b!]);
    a!.dispose();
    b!.dispose();
    const embedsVsIds = maxAbsDiff(la!, lb!);
    // 2. Seven leading zero rows change no shared position.
    const x = bb.embedTokens(ids);
    const padded = new Float32Array((T + 7) * d);
    padded.set(x, 7 * d);
    const plain = await bb.nextTokenLogits(x, 1, T);
    const pad = await bb.nextTokenLogits(padded, 1, T + 7);
    const leftPad = maxAbsDiff(plain, pad.subarray(7 * 256));
    // 3. GPU greedy (batched, one read-back) against the host loop, with and without a prefix.
    const soft = Float32Array.from({ length: 12 * d }, (_, i) => Math.sin(i * 0.37) * 0.1);
    const prompts = [
      { ids: bb.tokenize("User: I live in Oslo.\nUser: Where do I live?\nAssistant:") },
      { prefix: soft, ids: bb.tokenize("User: What is my job?\nAssistant:") },
      { ids: bb.tokenize("Context: My cat is named Luna.\nUser: What is my cat's name?") },
    ];
    const gpu = await bb.generateGreedy(prompts, 12);
    let differing = 0;
    for (const [i, p] of prompts.entries()) {
      const host = await hostGreedy(bb, p.prefix ?? new Float32Array(0), p.ids, 12);
      differing += host.filter((v, j) => v !== gpu[i]!.bytes[j]).length;
    }
    // 3b. MemLLM4.generate takes the device path on this backbone: the same bytes as the host
    // loop over its own decode context's prefix.
    const model = amsSessionModel(bb, "v4");
    let memDiffering = 0, prefixMatters = 0;
    try {
      // A prefix scaled to the embeddings' size, so that the bytes depend on it (at the init
      // scale 1/√d they do not), and a control that they do.
      const w = await model.namedWeights();
      model.loadWeights({ ...w, "cross_attn.prefix_scale": [PREFIX_SCALE_FOR_CHECK] });
      for (const f of ["My dog is Max.", "I work as a software engineer."]) await model.write(f);
      const q = "User: What is my dog's name?\nAssistant:";
      const qIds = bb.tokenize(q);
      const { prefix } = await model.prepareDecodeContext(q);
      const host = await hostGreedy(bb, prefix, qIds, 12);
      const bare = await hostGreedy(bb, new Float32Array(prefix.length), qIds, 12);
      prefixMatters = host.some((v, j) => v !== bare[j]) ? 1 : 0;
      const text = new TextEncoder().encode(await model.generate(q, 12));
      memDiffering = host.filter((v, j) => v !== text[j]).length +
        Math.abs(host.length - text.length);
    } finally {
      model.dispose();
    }
    // 4. A ragged batch against one text at a time.
    const texts = ["My dog is Max.", "I love classical piano, especially Chopin nocturnes.", "Hi"];
    const lists = texts.map((t) => bb.tokenize(t));
    const batch = await bb.pooledHidden(lists);
    let pooled = 0;
    for (const [i, l] of lists.entries()) {
      pooled = Math.max(
        pooled,
        maxAbsDiff(batch.subarray(i * d, (i + 1) * d), await bb.pooledHidden([l])),
      );
    }
    const parts: SubFigure[] = [
      { name: "embeds-vs-ids logit difference", figure: embedsVsIds, bound: 0, direction: "<=" },
      { name: "left-padding logit difference", figure: leftPad, bound: 1e-5, direction: "<=" },
      { name: "differing generated bytes", figure: differing, bound: 0, direction: "<=" },
      {
        name: "control: the prefix changes the host loop's bytes",
        figure: prefixMatters,
        bound: 1,
        direction: ">=",
      },
      {
        name: "MemLLM4.generate bytes differing from the host loop",
        figure: memDiffering,
        bound: 0,
        direction: "<=",
      },
      { name: "ragged pooled difference", figure: pooled, bound: 1e-5, direction: "<=" },
    ];
    return {
      figure: Math.max(embedsVsIds, leftPad, pooled, differing, memDiffering),
      bound: 1e-5,
      pass: true,
      parts,
      detail: `T = ${T}; 3 prompts × 12 bytes (one with a 12-row soft prefix); GPU bytes ` +
        JSON.stringify(gpu.map((g) => g.text)),
    };
  } finally {
    bb.dispose();
  }
});

/** The bytes of `out` differing from `want` (a length mismatch counts every missing byte). */
function differingBytes(out: ArrayLike<number>, want: ArrayLike<number>): number {
  let n = Math.abs(out.length - want.length);
  for (let j = 0; j < Math.min(out.length, want.length); j++) if (out[j] !== want[j]) n++;
  return n;
}

/**
 * Incremental against rerun (and, when `host`, against the host loop) for one batch, `n` bytes,
 * plus the shorter runs as prefixes of the longest; returns the differing bytes and the
 * incremental bytes.
 */
async function decodeAgreement(
  bb: ByteLMBackbone,
  prompts: readonly GreedyPrompt[],
  n: number,
  shorter: readonly number[],
  host: boolean,
): Promise<{ vsRerun: number; vsHost: number; vsShorter: number; bytes: Uint8Array[] }> {
  const inc = await bb.generateGreedy(prompts, n, { decode: "incremental" });
  const rerun = await bb.generateGreedy(prompts, n, { decode: "rerun" });
  let vsRerun = 0, vsHost = 0, vsShorter = 0;
  for (const [i, p] of prompts.entries()) {
    vsRerun += differingBytes(inc[i]!.bytes, rerun[i]!.bytes);
    if (host) {
      const h = await hostGreedy(bb, p.prefix ?? new Float32Array(0), p.ids, n);
      vsHost += differingBytes(inc[i]!.bytes, h);
    }
  }
  for (const k of shorter) {
    const short = await bb.generateGreedy(prompts, k);
    for (const [i, s] of short.entries()) {
      vsShorter += differingBytes(s.bytes, inc[i]!.bytes.subarray(0, k));
    }
  }
  return { vsRerun, vsHost, vsShorter, bytes: inc.map((g) => g.bytes) };
}

claimTest(GATE_INCREMENTAL_DECODE, async (): Promise<Measurement> => {
  await initGpu();
  const before = liveBufferCount();
  const bb = await ByteLMBackbone.load();
  let vsRerun = 0, vsHost = 0, vsShorter = 0, refusals = 0, controls = 0;
  const detail: string[] = [];
  const ms: number[] = [];
  try {
    const d = bb.d;
    const soft = (rows: number, k: number) =>
      Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.37 + k) * 0.1);
    const ids = (s: string) => bb.tokenize(s);
    // Mode D's shape alone (700+ bytes), then a ragged batch of short prompts.
    const dPrompt: GreedyPrompt = {
      ids: ids(promptD(SESSION_FACTS.slice(0, 10), "Where did I travel last summer?")),
    };
    const batch: GreedyPrompt[] = [
      { ids: ids(promptA("What is my dog's name?")) },
      { prefix: soft(12, 0), ids: ids(promptA("What is my job?")) },
      { prefix: soft(1, 1), ids: ids(promptC(SESSION_FACTS[3]!, "Who is my favorite composer?")) },
      { ids: [10] },
      { prefix: soft(12, 2), ids: [65, 58] },
    ];
    // D: 8 bytes (each rerun and host step reads 700+ positions), against both; the batch:
    // 24 bytes against the rerun (property_byte_lm_backbone holds the default decode to the
    // host loop on this checkpoint too).
    const runs = [[[dPrompt], 8, [1, 5], true], [batch, 24, [1, 2, 9], false]] as const;
    let bytes: Uint8Array[] = [];
    for (const [ps, n, shorter, host] of runs) {
      const t0 = performance.now();
      const r = await decodeAgreement(bb, ps, n, shorter, host);
      vsRerun += r.vsRerun;
      vsHost += r.vsHost;
      vsShorter += r.vsShorter;
      bytes = r.bytes;
      ms.push(performance.now() - t0);
    }
    const dec = new TextDecoder();
    detail.push(
      `checkpoint: a ${dPrompt.ids.length}-byte D prompt × 8 bytes and a batch of 5 × 24; ` +
        `e.g. ${JSON.stringify(bytes.slice(0, 3).map((b) => dec.decode(b)))}`,
    );
    // Controls: another question (batch row 0 asks for the dog), another soft prefix (row 4).
    const [otherQ, otherPrefix] = await bb.generateGreedy([
      { ids: ids(promptA("What is my job?")) },
      { prefix: soft(12, 0), ids: batch[4]!.ids },
    ], 24);
    if (differingBytes(otherQ!.bytes, bytes[0]!) > 0) controls++;
    if (differingBytes(otherPrefix!.bytes, bytes[4]!) > 0) controls++;
    // Seeded untrained LMs of both banks (chunked scan, W = 3), and a gated one.
    const small = (substrate: LMSubstrate) =>
      ByteLMBackbone.create(
        new CausalBankLM({
          substrate,
          embeddingDim: 8,
          readoutHidden: 8,
          linearModes: 16,
          localHidden: 8,
          localWindow: 3,
          scanMethod: "chunked",
          scanChunk: 4,
          maxSeqLen: 256,
          seed: 7,
        }),
      );
    const smallPrompts: GreedyPrompt[] = [
      { ids: ids("User: I live in Oslo.\nUser: Where do I live?\nAssistant:") },
      { prefix: Float32Array.from({ length: 3 * 8 }, (_, i) => Math.cos(i)), ids: [72, 105] },
      { ids: [33] },
    ];
    for (const sub of ["frozen", "learned_recurrence"] as const) {
      const lm = await small(sub);
      try {
        if (!lm.incremental) refusals++;
        const t0 = performance.now();
        const r = await decodeAgreement(lm, smallPrompts, 20, [1, 5], true);
        ms.push(performance.now() - t0);
        vsRerun += r.vsRerun;
        vsHost += r.vsHost;
        vsShorter += r.vsShorter;
      } finally {
        lm.dispose();
      }
    }
    const gated = await small("gated_delta");
    try {
      if (gated.incremental) refusals++;
      const failures = await checkFaults([{
        name: "incremental decode on a gated substrate",
        run: () => gated.generateGreedy(smallPrompts, 4, { decode: "incremental" }),
        expect: RangeError,
        mentions: ["gated_delta", 'decode "rerun"'],
      }]);
      refusals += failures.length;
      const [byDefault, byRerun] = [
        await gated.generateGreedy(smallPrompts, 6),
        await gated.generateGreedy(smallPrompts, 6, { decode: "rerun" }),
      ];
      vsRerun += byDefault.reduce((s, g, i) => s + differingBytes(g.bytes, byRerun[i]!.bytes), 0);
    } finally {
      gated.dispose();
    }
  } finally {
    bb.dispose();
  }
  const leaked = liveBufferCount() - before;
  const parts: SubFigure[] = [
    { name: "bytes differing: incremental vs rerun", figure: vsRerun, bound: 0, direction: "==" },
    {
      name: "bytes differing: incremental vs host loop",
      figure: vsHost,
      bound: 0,
      direction: "==",
    },
    {
      name: "bytes differing: shorter runs vs the longest",
      figure: vsShorter,
      bound: 0,
      direction: "==",
    },
    { name: "refusals failing (flag or typed error)", figure: refusals, bound: 0, direction: "==" },
    {
      name: "controls: prompt and prefix change the bytes",
      figure: controls,
      bound: 2,
      direction: ">=",
    },
    { name: "GPU buffers leaked", figure: leaked, bound: 0, direction: "==" },
  ];
  const figure = vsRerun + vsHost + vsShorter;
  return {
    figure,
    bound: 0,
    pass: true,
    parts,
    detail: detail.join("; ") + "; small LMs: frozen and learned recurrence, 3 prompts × 20 " +
      `bytes; ms ${ms.map((x) => x.toFixed(0)).join(", ")}`,
  };
});

claimTest(GATE_BYTE_LM_CHECKPOINT, async (): Promise<Measurement> => {
  await initGpu();
  const info = await readCheckpointInfo(AMS_BYTE_LM_CHECKPOINT);
  const meta = info.meta as AmsByteLMMeta;
  const wrong: string[] = [];
  for (const [k, v] of Object.entries(AMS_BYTE_LM_CONFIG)) {
    if ((meta.config as unknown as Record<string, unknown>)[k] !== v) wrong.push(`config.${k}`);
  }
  const sha = async (b: Uint8Array) =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", b as BufferSource))]
      .map((x) => x.toString(16).padStart(2, "0")).join("");
  const generated = new TextEncoder().encode(amsByteLMCorpus(meta.training.corpusSeed));
  const file = await Deno.readFile(AMS_BYTE_LM_CORPUS_PATH);
  if (await sha(generated) !== meta.corpusSha256) wrong.push("generated corpus sha-256");
  if (await sha(file) !== meta.corpusSha256) wrong.push("committed corpus sha-256");
  const lower = new TextDecoder().decode(file).toLowerCase();
  for (const k of KEYWORDS) if (lower.includes(k)) wrong.push(`keyword ${k} in the corpus`);
  const lm = await loadAmsByteLM();
  let bpb: number;
  try {
    bpb = await lm.evaluateBitsPerByte(generated.subarray(generated.length - 8192), {
      seqLen: 256,
    });
  } finally {
    lm.dispose();
  }
  const drift = Math.abs(bpb - meta.bitsPerByte);
  return {
    figure: drift,
    bound: 1e-3,
    pass: true,
    parts: [
      { name: "config or corpus mismatches", figure: wrong.length, bound: 0, direction: "<=" },
      { name: "|bits per byte − recorded|", figure: drift, bound: 1e-3, direction: "<=" },
      { name: "held-out bits per byte", figure: bpb, bound: 2.5, direction: "<=" },
    ],
    detail: `bits/byte ${bpb.toFixed(4)} (recorded ${meta.bitsPerByte.toFixed(4)}); corpus ` +
      `${meta.corpusBytes} bytes; ${meta.training.steps} steps; last loss ` +
      `${meta.losses.at(-1)?.loss.toFixed(4)} nats/byte` + (wrong.length ? `; ${wrong}` : ""),
  };
});

/** One line per run: R_A, R_C, flat, gold among attended. */
function runsDetail(runs: Awaited<ReturnType<typeof gateRuns>>, backbones: string[]): string {
  const out: string[] = [];
  for (const bb of backbones) {
    for (const m of GATE_MODELS) {
      for (const n of [10, 20]) {
        const r = runs.get(gateKey(bb as "lexical", m, n))!;
        const t = r.tier1;
        out.push(
          `${bb} ${m} N=${n}: R_A ${t.rA.toFixed(1)} R_C ${t.rC.toFixed(1)} flat ` +
            `${t.flat.toFixed(1)} gold-attended ${t.goldAttended.toFixed(1)}`,
        );
      }
    }
  }
  return out.join("; ");
}

claimTest(GATE_TIER1, async (): Promise<Measurement> => {
  const runs = await gateRuns();
  let beaten = 0;
  for (const bb of ["lexical", "bytelm"] as const) {
    for (const m of GATE_MODELS) {
      for (const n of [10, 20]) {
        const t = runs.get(gateKey(bb, m, n))!.tier1;
        if (t.rA > t.flat || t.rC > t.flat) beaten++;
      }
    }
  }
  return {
    figure: beaten,
    bound: 0,
    pass: true,
    detail: runsDetail(runs, ["lexical", "bytelm"]),
  };
});

claimTest(GATE_V4_DIVERGENCE, async (): Promise<Measurement> => {
  const runs = await gateRuns();
  let passing = 0;
  const detail: string[] = [];
  for (const bb of ["lexical", "bytelm"] as const) {
    const t = runs.get(gateKey(bb, "v4 trained", 20))!.tier1;
    if (t.rA > 0.5 && t.rC > 0.7) passing++;
    detail.push(`${bb}: R_A ${t.rA.toFixed(1)}, R_C ${t.rC.toFixed(1)}, flat ${t.flat.toFixed(1)}`);
  }
  return {
    figure: passing,
    bound: 0,
    pass: true,
    detail: `v4 trained at N = 20: ${detail.join("; ")}; the original (Qwen2.5-1.5B): A 0.0, C 0.3`,
  };
});

claimTest(GATE_MERGE_V47, async (): Promise<Measurement> => {
  const runs = await gateRuns();
  const parts: SubFigure[] = [];
  const detail: string[] = [];
  let passing = 0;
  for (const bb of ["lexical", "bytelm"] as const) {
    const t = runs.get(gateKey(bb, "v47 trained", 20))!.tier1;
    const gatePasses = t.rA > 0.5 && t.rC > 0.7 && t.rA >= t.flat && t.rC >= t.flat;
    if (gatePasses) passing++;
    parts.push({
      name: `${bb} passes the gate (R_A ${t.rA.toFixed(1)}, R_C ${t.rC.toFixed(1)}, flat ` +
        `${t.flat.toFixed(1)})`,
      figure: gatePasses ? 1 : 0,
      bound: 0,
      direction: "==",
    });
    detail.push(
      `${bb}: R_A ${t.rA.toFixed(1)}, R_C ${t.rC.toFixed(1)}, flat ${t.flat.toFixed(1)}, gold ` +
        `among the top-4 attended ${t.goldAttended.toFixed(1)}`,
    );
  }
  return {
    figure: passing,
    bound: 0,
    pass: true,
    parts,
    detail: `v4.7 trained at N = 20: ${detail.join("; ")}`,
  };
});

claimTest(GATE_GENERATION, async (): Promise<Measurement> => {
  const runs = await gateRuns();
  let missing = 0, highest = 0;
  const detail: string[] = [];
  for (const m of GATE_MODELS) {
    for (const n of GENERATION_N) {
      const r = runs.get(gateKey("bytelm", m, n))!;
      // D involves no memory: the v4-fresh run's D serves every model.
      const d = runs.get(gateKey("bytelm", "v4 fresh", n))!;
      const rates = [d.modes.D.hitRate, r.modes.A.hitRate, r.modes.C.hitRate];
      for (const x of rates) {
        if (x === null) missing++;
        else highest = Math.max(highest, x);
      }
      for (const [i, row] of r.tier1.rows.entries()) {
        for (const a of [d.tier1.rows[i]!.answers.D, row.answers.A, row.answers.C]) {
          if (a === null) missing++;
        }
      }
      const q = r.recorded[m === "v4 fresh" ? "v4Fresh" : "v4Trained"];
      detail.push(
        `${m} N=${n}: D/A/C ${rates.map((x) => (x === null ? "—" : x.toFixed(1))).join("/")} ` +
          `(Qwen v4 ${m === "v4 fresh" ? "fresh" : "trained"}: ${q.D}/${q.A}/${q.C})`,
      );
    }
  }
  const n0 = GENERATION_N[0]!;
  const fresh = runs.get(gateKey("bytelm", "v4 fresh", n0))!.tier1.rows;
  const ex = fresh.slice(0, 3).map((row) =>
    `${row.keyword}: D ${JSON.stringify(row.answers.D)}, A ${JSON.stringify(row.answers.A)}`
  );
  return {
    figure: highest,
    bound: 0.1,
    pass: true,
    parts: [
      { name: "highest hit rate", figure: highest, bound: 0.1, direction: "<=" },
      { name: "modes without an answer", figure: missing, bound: 0, direction: "<=" },
    ],
    detail: `${detail.join("; ")}; e.g. ${ex.join("; ")}`,
  };
});

claimTest(GATE_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const bb = await ByteLMBackbone.load();
  const model = amsSessionModel(bb, "v4");
  try {
    const d = bb.d;
    const before = () => model.store.size;
    const size0 = before();
    const storeKept = (e: Error) => (before() === size0 ? null : `store changed after ${e.name}`);
    const cases: FaultCase[] = [
      {
        name: "write an empty text",
        run: () => model.write(""),
        expect: RangeError,
        inspect: storeKept,
      },
      {
        name: "write non-UTF-8 bytes",
        run: () => model.write(new Uint8Array([0x61, 0xff, 0x62])),
        expect: TypeError,
        mentions: ["UTF-8"],
        inspect: storeKept,
      },
      {
        name: "tokenize non-UTF-8 bytes",
        run: () => bb.tokenize(new Uint8Array([0xc0, 0xaf])),
        expect: TypeError,
        mentions: ["UTF-8"],
      },
      {
        name: "tokenize an empty text",
        run: () => bb.tokenize(""),
        expect: RangeError,
        mentions: ["empty"],
      },
      {
        name: "query an empty store",
        run: () => model.prepareDecodeContext("What is my dog's name?"),
        expect: RangeError,
        mentions: ["empty"],
      },
      {
        name: "generate past the LM's context",
        run: () =>
          bb.generateGreedy(
            [{ prefix: new Float32Array(12 * d), ids: new Array(2030).fill(65) }],
            10,
          ),
        expect: RangeError,
        mentions: ["context"],
      },
      {
        name: "logits past the LM's context",
        run: () => bb.nextTokenLogits(new Float32Array(2049 * d), 1, 2049),
        expect: RangeError,
        mentions: ["context"],
      },
      {
        name: "byte LM from a checkpoint of another kind",
        run: () => loadAmsByteLM(amsSessionCheckpoint("lexical", "v4")),
        expect: TypeError,
        mentions: ["memspec.ams.byte_lm"],
      },
      {
        name: "MemLLM4 checkpoint of another backbone",
        run: () =>
          loadAmsSessionCheckpoint(model, amsSessionCheckpoint("lexical", "v4"), "bytelm", "v4"),
        expect: TypeError,
        mentions: ["backbone"],
      },
      {
        name: "N = 15",
        run: () => runAmsSession({ nFacts: 15, backbone: "lexical", variant: "v4" }),
        expect: RangeError,
        mentions: ["nFacts"],
      },
      {
        name: "backbone qwen",
        run: () => parseAmsSessionArgs(["--backbone", "qwen"]),
        expect: RangeError,
        mentions: ["backbone"],
      },
      {
        name: "variant v5",
        run: () => parseAmsSessionArgs(["--variant", "v5"]),
        expect: RangeError,
        mentions: ["variant"],
      },
      {
        name: "decode kv-cache",
        run: () => parseAmsSessionArgs(["--decode", "kv-cache"]),
        expect: RangeError,
        mentions: ["decode", "kv-cache"],
      },
    ];
    // A byte-LM checkpoint of another configuration (E = 8), saved for this case.
    await Deno.mkdir("out/tmp", { recursive: true });
    const dir = await Deno.makeTempDir({ dir: "out/tmp" });
    const small = new CausalBankLM({ ...AMS_BYTE_LM_CONFIG, embeddingDim: 8, readoutHidden: 8 });
    try {
      await saveCheckpoint(`${dir}/small.safetensors`, {
        params: Object.fromEntries(small.parameters),
        meta: { kind: "memspec.ams.byte_lm", config: { ...small.config } },
      });
    } finally {
      small.dispose();
    }
    cases.push({
      name: "byte LM from a checkpoint of another configuration",
      run: () => loadAmsByteLM(`${dir}/small.safetensors`),
      expect: TypeError,
      mentions: ["configuration", "embeddingDim (8, expected 64)"],
    });
    const failures = await checkFaults(cases);
    await Deno.remove(dir, { recursive: true });
    return faultMeasurement(cases.length, failures);
  } finally {
    model.dispose();
    bb.dispose();
  }
});
