/**
 * Proofs of MemLLM4's claims (./claims.ts) on the lexical backbone, a deterministic stub
 * causal LM (./_stub_lm.ts) and memspec's byte LM (the committed checkpoint).
 *
 * @module
 */
import { initGpu, liveBufferCount, loadCheckpoint, saveCheckpoint } from "../../../impl/mod.ts";
import { LexicalBackbone } from "../../../impl/ams/backbone/lexical.ts";
import { KAKEYA_REBUILD_POLICY, kakeyaRelativeError } from "../../../impl/ams/kakeya/kakeya.ts";
import type { KakeyaHandle } from "../../../impl/ams/kakeya/kakeya.ts";
import type { Backbone } from "../../../impl/ams/backbone/backbone.ts";
import { type DecodeContext, MemLLM4 } from "../../../impl/ams/mem_llm/mem_llm.ts";
import { SESSION_FACTS } from "../../../impl/ams/session/session_data.ts";
import { checkClose, describeClose } from "../../../invariants/close.ts";
import type { Tracked } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { checkFaults, type FaultCase, faultMeasurement } from "../../_harness/fault_case.ts";
import {
  centroidOracle,
  contextForward,
  ENC_TRACKED,
  fourierOracle,
  timeForward,
  topicForward,
} from "../../oracle/ams/encoders.ts";
import { CB_BUNDLES, CB_TRACKED, cbPass } from "../../oracle/ams/cross_bundle.ts";
import {
  fusedTopKOracle,
  greedyOracle,
  writeInputsOracle,
  wteMeanOracle,
} from "../../oracle/ams/mem_llm.ts";
import { dimsOf } from "../cross_bundle/_cases.ts";
import { StubCausalLM } from "./_stub_lm.ts";
import { ByteLMBackbone } from "../../../impl/apps/ams_byte_lm_backbone.ts";
import {
  ML_DETERMINISM,
  ML_END_TO_END_BYTELM,
  ML_END_TO_END_GENERATE,
  ML_END_TO_END_LEXICAL,
  ML_FAULT,
  ML_GPU_PARITY,
  ML_REBUILD,
  ML_TOPK,
} from "./claims.ts";

/** The harness's mode-A prompt for the dog query, restated. */
const PROMPT = "User: What is my dog's name?\nAssistant:";

const BUNDLE_FIELDS = ["base", "fiber", "dirn"] as const;

/** The named weights under `prefix`, prefix dropped, as f64. */
function under(w: Record<string, Float32Array>, prefix: string): Record<string, Float64Array> {
  return Object.fromEntries(
    Object.entries(w).filter(([k]) => k.startsWith(prefix)).map((
      [k, v],
    ) => [k.slice(prefix.length), Float64Array.from(v)]),
  );
}

/** Compares `got` with tracked values; the worst ratio and a line. */
function compare(name: string, got: ArrayLike<number>, want: readonly Tracked[]) {
  const v = checkClose(got, want.map((x) => x.v), { atol: want.map((x) => x.e) });
  return { name, ratio: v.ratio, line: `${name}: ${describeClose(v)}` };
}

// --- parity -------------------------------------------------------------------------------

claimTest(ML_GPU_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  const texts = SESSION_FACTS.slice(0, 6);
  const d = 16;
  const bb = new LexicalBackbone({ d }).fit(texts);
  const m = new MemLLM4({ cfg: { d_LLM: d }, backbone: bb, seed: 5 });
  try {
    for (const t of texts) await m.write(t);
    const w = await m.namedWeights();
    const cfg = m.cfg;
    const ids = texts.map((t) => bb.tokenize(t));
    const hs = ids.map((l) => bb.pooledHiddenSync([l]));
    const inp = writeInputsOracle(hs, ids);
    const B = texts.length;
    const H = new Float64Array(B * d);
    hs.forEach((h, i) => H.set(h, i * d));
    const g = { B, d };
    const ff = fourierOracle(inp.flatMap((x) => x.timeScalars), B, cfg.d_time).map(Math.fround);
    const wte = m.wteNormed();
    const V = wte.length / d;
    const c = new Float64Array(B * d);
    inp.forEach((x, i) =>
      c.set(centroidOracle(x.contentIds, wte, V, d, null).map(Math.fround), i * d)
    );
    const session = new Float64Array(B * d);
    inp.forEach((x, i) => session.set(x.session.map(Math.fround), i * d));
    const want = {
      time: timeForward(ENC_TRACKED, g, under(w, "bundle_time."), {
        h: H,
        ff,
        surprise: inp.map((x) => x.surprise),
      }),
      topic: topicForward(ENC_TRACKED, g, under(w, "bundle_topic."), { h: H, c }),
      ctx: contextForward(ENC_TRACKED, g, under(w, "bundle_ctx."), {
        h: H,
        session,
        prev: [],
        T: 0,
      }),
    };
    const entries = m.store.entries();
    const rows = [];
    for (const b of CB_BUNDLES) {
      for (const f of BUNDLE_FIELDS) {
        const got = entries.flatMap((e) => Array.from(e[`${b}_${f}`]));
        rows.push(compare(`${b} ${f}`, got, want[b][f]));
      }
    }
    const ctx = await m.prepareDecodeContext(PROMPT);
    const hq = Float64Array.from(bb.pooledHiddenSync([bb.tokenize(PROMPT)]));
    const dims = dimsOf(cfg, 1, B);
    const fibers = Object.fromEntries(
      CB_BUNDLES.map((b) => [b, Float64Array.from(entries.flatMap((e) => [...e[`${b}_fiber`]]))]),
    ) as Record<(typeof CB_BUNDLES)[number], Float64Array>;
    const cb = cbPass(CB_TRACKED, dims, under(w, "cross_attn."), { h: hq, fibers, mask: null });
    rows.push(compare("prefix", ctx.prefix, cb.prefix));
    for (const b of CB_BUNDLES) {
      const Hh = dims.heads[b];
      const avg: Tracked[] = [];
      for (let j = 0; j < B; j++) {
        let v = 0, e = 0;
        for (let k = 0; k < Hh; k++) {
          v += cb.weights[b][k * B + j]!.v / Hh;
          e += cb.weights[b][k * B + j]!.e / Hh;
        }
        // One f32 rounding of the f64 average.
        avg.push({ v, e: e + 2 ** -24 * (Math.abs(v) + e) });
      }
      rows.push(compare(`attention ${b}`, ctx.attention[b], avg));
    }
    rows.sort((a, z) => z.ratio - a.ratio);
    const worst = rows[0]!.ratio;
    // Write step 6: the stashed large fields (6 < kakeya_min_entries, so still pending).
    let largeWrong = 0;
    entries.forEach((e, i) => {
      const p = e.pending_large_fields;
      const ctxPad = new Float64Array(d);
      ctxPad.set(e.ctx_base);
      const want = {
        semantic_emb: Float64Array.from(hs[i]!),
        content_wte_mean: wteMeanOracle(ids[i]!, wte, d),
        context_descriptor: ctxPad,
      };
      for (const [k, v] of Object.entries(want)) {
        const got = p?.[k];
        if (got === undefined || got.length !== d || got.some((x, j) => x !== v[j])) largeWrong++;
      }
    });
    return {
      figure: worst,
      bound: 1,
      pass: worst <= 1,
      parts: [{ name: "large fields unequal", figure: largeWrong, bound: 0, direction: "==" }],
      detail: `6 writes, d_LLM ${d}, ${rows.length} arrays; worst first: ` +
        rows.slice(0, 4).map((r) => r.line).join("; "),
    };
  } finally {
    m.dispose();
  }
});

// --- end to end -----------------------------------------------------------------------------

/** The M1 checks after writing the first n facts with kakeya_min_entries = minEntries. */
async function endToEnd(
  bb: Backbone,
  minEntries: number,
  n: number,
): Promise<{ fails: string[]; model: MemLLM4; ctx: DecodeContext }> {
  const m = new MemLLM4({
    cfg: { d_LLM: bb.d, kakeya_min_entries: minEntries },
    backbone: bb,
    seed: 1,
  });
  const fails: string[] = [];
  const tag = `min ${minEntries}, ${n} writes`;
  for (const t of SESSION_FACTS.slice(0, n)) await m.write(t);
  if (m.store.size !== n) fails.push(`${tag}: ${m.store.size} entries`);
  for (const e of m.store.verifyConsistency()) fails.push(`${tag}: ${e}`);
  if (m.kakeyaBuilds !== 1) fails.push(`${tag}: ${m.kakeyaBuilds} builds`);
  if (m.registry.activeCount < 2) fails.push(`${tag}: ${m.registry.activeCount} active sets`);
  const axes = await m.canonicalAxes();
  for (const f of m.registry.verifyInvariants(n, axes)) fails.push(`${tag}: ${f.message}`);
  const noHandle = m.store.entries().filter((e) => e.kakeya_handle === null).length;
  if (noHandle) fails.push(`${tag}: ${noHandle} entries without a handle`);
  const ctx = await m.prepareDecodeContext(PROMPT);
  if (ctx.prefix.length !== 12 * bb.d) fails.push(`${tag}: prefix of ${ctx.prefix.length}`);
  if (!ctx.prefix.every(Number.isFinite)) fails.push(`${tag}: non-finite prefix`);
  if (ctx.entryIds.join() !== m.store.mids().join()) fails.push(`${tag}: entries ${ctx.entryIds}`);
  for (const b of CB_BUNDLES) {
    const s = ctx.attention[b].reduce((a, v) => a + v, 0);
    // Softmax rows in f32 over ≤ 8 entries, averaged over heads: a few roundings of 2⁻²⁴.
    if (!(Math.abs(s - 1) <= 1e-5)) fails.push(`${tag}: ${b} attention sums to ${s}`);
  }
  return { fails, model: m, ctx };
}

claimTest(ML_END_TO_END_LEXICAL, async (): Promise<Measurement> => {
  await initGpu();
  const fails: string[] = [];
  const seen: string[] = [];
  for (const [minEntries, n] of [[4, 6], [8, 8]] as const) {
    const bb = new LexicalBackbone({ d: 256 }).fit(SESSION_FACTS.slice(0, n));
    const r = await endToEnd(bb, minEntries, n);
    fails.push(...r.fails);
    seen.push(
      `min ${minEntries}/${n} writes: ${r.model.registry.activeCount} active sets, ` +
        `builds ${r.model.kakeyaBuilds}`,
    );
    r.model.dispose();
  }
  return {
    figure: fails.length,
    bound: 0,
    pass: fails.length === 0,
    detail: seen.join("; ") + (fails.length ? `; ${fails.join("; ")}` : ""),
  };
});

claimTest(ML_END_TO_END_GENERATE, async (): Promise<Measurement> => {
  await initGpu();
  const fails: string[] = [];
  const seen: string[] = [];
  const steps = 12;
  for (const [minEntries, n] of [[4, 6], [8, 8]] as const) {
    const bb = new StubCausalLM({ d: 256 });
    const r = await endToEnd(bb, minEntries, n);
    fails.push(...r.fails);
    const m = r.model;
    try {
      const calls = bb.logitCalls;
      const text = await m.generate(PROMPT, steps);
      if (bb.logitCalls - calls !== steps) {
        fails.push(`${bb.logitCalls - calls} LM calls for ${steps} tokens`);
      }
      const d = bb.d;
      const lastLogits = (rows: readonly ArrayLike<number>[]) => {
        const acc = new Float64Array(d);
        for (const x of rows) for (let j = 0; j < d; j++) acc[j]! += x[j]!;
        return bb.logitsOf(acc.map((v) => v / rows.length));
      };
      const promptIds = bb.tokenize(PROMPT);
      const embed = (id: number) => bb.embedTokens([id]);
      const want = greedyOracle(r.ctx.prefix, d, promptIds, embed, lastLogits, steps);
      const wantText = bb.detokenize(want);
      const got = [...new TextEncoder().encode(text)];
      const bad = want.filter((t, i) => got[i] !== t).length + Math.abs(got.length - steps);
      if (bad) fails.push(`generated "${text}", the oracle "${wantText}"`);
      // The prefix steers the text: the same loop on a zero prefix reads otherwise.
      const zero = bb.detokenize(
        greedyOracle(new Float32Array(r.ctx.prefix.length), d, promptIds, embed, lastLogits, steps),
      );
      if (zero === text) fails.push(`a zero prefix gives the same text "${zero}"`);
      seen.push(`min ${minEntries}/${n} writes: "${text}" (zero prefix: "${zero}")`);
    } finally {
      m.dispose();
    }
  }
  return {
    figure: fails.length,
    bound: 0,
    pass: fails.length === 0,
    detail: seen.join("; ") + (fails.length ? `; ${fails.join("; ")}` : ""),
  };
});

claimTest(ML_END_TO_END_BYTELM, async (): Promise<Measurement> => {
  await initGpu();
  const before = liveBufferCount();
  const fails: string[] = [];
  const seen: string[] = [];
  const steps = 12;
  const bb = await ByteLMBackbone.load();
  try {
    for (const [minEntries, n] of [[4, 6], [8, 8]] as const) {
      const r = await endToEnd(bb, minEntries, n);
      fails.push(...r.fails);
      const m = r.model;
      try {
        const text = await m.generate(PROMPT, steps);
        // The original's loop on the host: [prefix; prompt; bytes so far], argmax of the last.
        const d = bb.d, seq = [...bb.tokenize(PROMPT)], want: number[] = [];
        for (let s = 0; s < steps; s++) {
          const T = r.ctx.prefix.length / d + seq.length;
          const x = new Float32Array(T * d);
          x.set(r.ctx.prefix, 0);
          x.set(bb.embedTokens(seq), r.ctx.prefix.length);
          const logits = await bb.nextTokenLogits(x, 1, T);
          let best = 0;
          for (let v = 1; v < 256; v++) {
            if (logits[(T - 1) * 256 + v]! > logits[(T - 1) * 256 + best]!) best = v;
          }
          want.push(best);
          seq.push(best);
        }
        // generate returns the bytes decoded (a cut UTF-8 sequence replaced): compare texts.
        const wantText = bb.detokenize(want);
        if (typeof text !== "string" || text.length === 0 || text !== wantText) {
          fails.push(
            `generated ${JSON.stringify(text)}, the host loop ${JSON.stringify(wantText)}`,
          );
        }
        seen.push(
          `min ${minEntries}/${n} writes: ${m.registry.activeCount} active sets, builds ` +
            `${m.kakeyaBuilds}, "${text}"`,
        );
      } finally {
        m.dispose();
      }
    }
  } finally {
    bb.dispose();
  }
  const leaked = liveBufferCount() - before;
  if (leaked !== 0) fails.push(`${leaked} GPU buffers leaked`);
  return {
    figure: fails.length,
    bound: 0,
    pass: fails.length === 0,
    detail: seen.join("; ") + (fails.length ? `; ${fails.join("; ")}` : ""),
  };
});

// --- determinism ----------------------------------------------------------------------------

/** Every stored triple and the context of PROMPT, as one f32 array. */
async function fingerprint(m: MemLLM4): Promise<Float32Array> {
  const ctx = await m.prepareDecodeContext(PROMPT);
  const parts: number[] = [];
  for (const e of m.store.entries()) {
    for (const b of CB_BUNDLES) for (const f of BUNDLE_FIELDS) parts.push(...e[`${b}_${f}`]);
  }
  parts.push(...ctx.prefix, ...ctx.attention.time, ...ctx.attention.topic, ...ctx.attention.ctx);
  return Float32Array.from(parts);
}

function bitDiffs(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

claimTest(ML_DETERMINISM, async (): Promise<Measurement> => {
  await initGpu();
  const texts = SESSION_FACTS.slice(0, 6);
  const bb = new LexicalBackbone({ d: 64 }).fit(texts);
  const make = (seed: number, weights?: Record<string, Float32Array>) =>
    new MemLLM4({ cfg: { d_LLM: 64 }, backbone: bb, seed, weights });
  const m1 = make(3), m2 = make(3), m5 = make(4);
  const w = await m1.namedWeights();
  const m3 = make(9, w), m4 = make(11);
  m4.loadWeights(w);
  const models = [m1, m2, m3, m4, m5];
  try {
    for (const m of models) {
      // The second issues every write at once: writes must still run in call order.
      if (m === m2) await Promise.all(texts.map((t) => m.write(t)));
      else for (const t of texts) await m.write(t);
    }
    const f = await Promise.all(models.map(fingerprint));
    const diffs = [bitDiffs(f[0]!, f[1]!), bitDiffs(f[0]!, f[2]!), bitDiffs(f[0]!, f[3]!)];
    const otherDiffers = bitDiffs(f[0]!, f[4]!) > 0 ? 1 : 0;
    const total = diffs.reduce((a, b) => a + b, 0);
    return {
      figure: total,
      bound: 0,
      pass: total === 0 && otherDiffers === 1,
      parts: [{ name: "another seed differs", figure: otherDiffers, bound: 1, direction: "==" }],
      detail: `${f[0]!.length} values; differing: same seed ${diffs[0]}, from namedWeights ` +
        `${diffs[1]}, after loadWeights ${diffs[2]}; seed 4 vs 3: ${bitDiffs(f[0]!, f[4]!)}`,
    };
  } finally {
    for (const m of models) m.dispose();
  }
});

// --- rebuild policy -------------------------------------------------------------------------

claimTest(ML_REBUILD, async (): Promise<Measurement> => {
  await initGpu();
  const texts = SESSION_FACTS.slice(0, 16);
  const bb = new LexicalBackbone({ d: 256 }).fit(texts);
  const fails: string[] = [];
  const seen: string[] = [];
  for (const policy of ["once", KAKEYA_REBUILD_POLICY] as const) {
    const name = policy === "once" ? "once" : "rebuild policy";
    const m = new MemLLM4({ cfg: { d_LLM: 256 }, backbone: bb, seed: 2, rebuildPolicy: policy });
    const errors = () =>
      m.store.entries().map((e) =>
        kakeyaRelativeError(
          bb.pooledHiddenSync([bb.tokenize(e.source_text)]),
          m.registry.decodeField(e.kakeya_handle as KakeyaHandle, "semantic_emb"),
        )
      );
    const builds: string[] = [];
    const at: number[] = [];
    try {
      for (const t of texts) {
        const before = m.kakeyaBuilds;
        await m.write(t);
        if (m.kakeyaBuilds === before) continue;
        const worst = Math.max(...errors());
        at.push(m.store.size);
        builds.push(`n = ${m.store.size} (worst ${worst.toExponential(2)})`);
        if (!(worst < 0.65)) fails.push(`${name}: after the build at ${m.store.size}, ${worst}`);
      }
      for (const e of m.store.verifyConsistency()) fails.push(`${name}: ${e}`);
      const late = errors().slice(8).sort((a, b) => a - b);
      const med = (late[3]! + late[4]!) / 2;
      seen.push(`${name}: builds at ${builds.join(", ")}; entries 9–16 median ${med.toFixed(3)}`);
      const expected = policy === "once" ? "8" : "8,13";
      if (at.join() !== expected) fails.push(`${name}: builds at ${at}, expected ${expected}`);
      if (policy === "once" && !(med > 0.65)) {
        fails.push(`once: later entries' median error ${med}`);
      }
    } finally {
      m.dispose();
    }
  }
  return {
    figure: fails.length,
    bound: 0,
    pass: fails.length === 0,
    detail: seen.join("; ") + (fails.length ? `; ${fails.join("; ")}` : ""),
  };
});

// --- top-k ----------------------------------------------------------------------------------

claimTest(ML_TOPK, async (): Promise<Measurement> => {
  await initGpu();
  const texts = SESSION_FACTS.slice(0, 10);
  const bb = new LexicalBackbone({ d: 64 }).fit(texts);
  const make = (k?: number) =>
    new MemLLM4({ cfg: { d_LLM: 64 }, backbone: bb, seed: 6, retrievalTopK: k });
  const models = [make(4), make(10), make(undefined)];
  const fails: string[] = [];
  try {
    for (const m of models) for (const t of texts) await m.write(t);
    const [m4, m10, mAll] = models as [MemLLM4, MemLLM4, MemLLM4];
    const ctx = await m4.prepareDecodeContext(PROMPT);
    const h = bb.pooledHiddenSync([bb.tokenize(PROMPT)]);
    const q = await m4.queryDirns(h);
    const fused = new Map<number, number>(m4.store.mids().map((mid) => [mid, 0]));
    for (const b of CB_BUNDLES) {
      for (const hit of m4.store.retrieve(b, q[b])) {
        fused.set(hit.mid, fused.get(hit.mid)! + hit.score);
      }
    }
    const want = fusedTopKOracle(fused, 4);
    if (ctx.entryIds.join() !== want.join()) fails.push(`attended ${ctx.entryIds}, oracle ${want}`);
    for (const b of CB_BUNDLES) {
      const s = ctx.attention[b].reduce((a, v) => a + v, 0);
      if (!(Math.abs(s - 1) <= 1e-5)) fails.push(`${b} sums to ${s}`);
    }
    const diff = bitDiffs(await fingerprint(m10), await fingerprint(mAll));
    if (diff) fails.push(`k = 10 differs from no filter in ${diff} values`);
    return {
      figure: fails.length,
      bound: 0,
      pass: fails.length === 0,
      detail: `k = 4 of 10: attended ${ctx.entryIds.join(", ")} (oracle ${want.join(", ")}); ` +
        `k = 10 vs none: ${diff} differing values` + (fails.length ? `; ${fails.join("; ")}` : ""),
    };
  } finally {
    for (const m of models) m.dispose();
  }
});

// --- faults ---------------------------------------------------------------------------------

/** What must not change when a call fails. */
async function snapshot(m: MemLLM4): Promise<string> {
  const w = await m.namedWeights();
  let sum = 0;
  for (const v of Object.values(w)) for (const x of v) sum += x;
  return JSON.stringify({
    size: m.store.size,
    next: m.store.nextMid,
    mids: m.store.mids(),
    summary: m.sessionSummary ? Array.from(m.sessionSummary) : null,
    builds: m.kakeyaBuilds,
    active: m.registry.activeCount,
    weights: sum,
    names: Object.keys(w).length,
  });
}

claimTest(ML_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const live = liveBufferCount();
  const texts = SESSION_FACTS.slice(0, 2);
  const bb = new LexicalBackbone({ d: 16 }).fit(texts);
  const stub = new StubCausalLM({ d: 16, contextLength: 40 });
  const tiny = new StubCausalLM({ d: 16, contextLength: 10 });
  const m = new MemLLM4({ cfg: { d_LLM: 16 }, backbone: bb, seed: 1 });
  const g = new MemLLM4({ cfg: { d_LLM: 16 }, backbone: stub, seed: 1 });
  const gTiny = new MemLLM4({ cfg: { d_LLM: 16 }, backbone: tiny, seed: 1 });
  const empty = new MemLLM4({ cfg: { d_LLM: 16 }, backbone: stub, seed: 1 });
  const other = new MemLLM4({ cfg: { d_LLM: 32 }, backbone: new LexicalBackbone({ d: 32 }) });
  const dir = await Deno.makeTempDir({ dir: "out" });
  const failures: string[] = [];
  let total = 0;
  try {
    for (const t of texts) {
      await m.write(t);
      await g.write(t);
      await gTiny.write("ab");
    }
    const ow = await other.namedWeights();
    const mw = await m.namedWeights();
    const ckpt = `${dir}/other.safetensors`;
    await saveCheckpoint(ckpt, { params: Object.fromEntries(other.namedParameters()) });
    const missing = { ...mw };
    delete missing["cross_attn.prefix_scale"];
    const cases: [MemLLM4, FaultCase][] = [
      [m, {
        name: "write empty string",
        run: () => m.write(""),
        expect: RangeError,
        mentions: ["non-empty"],
      }],
      [m, {
        name: "write empty bytes",
        run: () => m.write(new Uint8Array()),
        expect: RangeError,
        mentions: ["non-empty"],
      }],
      [m, {
        name: "write non-UTF-8",
        run: () => m.write(new Uint8Array([0x61, 0xff])),
        expect: TypeError,
        mentions: ["UTF-8"],
      }],
      [m, {
        name: "write a number",
        run: () => m.write(42 as unknown as string),
        expect: TypeError,
        mentions: ["string"],
      }],
      [m, { name: "write no word", run: () => m.write("?!"), expect: RangeError }],
      [empty, {
        name: "context on empty store",
        run: () => empty.prepareDecodeContext("hi"),
        expect: RangeError,
        mentions: ["empty"],
      }],
      [empty, {
        name: "generate on empty store",
        run: () => empty.generate("hi", 2),
        expect: RangeError,
        mentions: ["empty"],
      }],
      [m, {
        name: "generate on lexical",
        run: () => m.generate("hi", 2),
        expect: TypeError,
        mentions: ["nextTokenLogits"],
      }],
      [g, {
        name: "maxNewTokens 0",
        run: () => g.generate("hi", 0),
        expect: RangeError,
        mentions: ["maxNewTokens"],
      }],
      [g, {
        name: "maxNewTokens 2.5",
        run: () => g.generate("hi", 2.5),
        expect: RangeError,
        mentions: ["maxNewTokens"],
      }],
      [g, {
        name: "prefix + prompt beyond context",
        run: () => g.generate("x".repeat(20), 9),
        expect: RangeError,
        mentions: ["context of 40", "12 + 20 + 9"],
      }],
      [gTiny, {
        name: "L_mem beyond context",
        run: () => gTiny.generate("a", 1),
        expect: RangeError,
        mentions: ["context of 10"],
      }],
      [m, { name: "weights of d_LLM 32", run: () => m.loadWeights(ow), expect: TypeError }],
      [m, {
        name: "unknown weight",
        run: () => m.loadWeights({ ...mw, "cross_attn.extra": [1] }),
        expect: TypeError,
        mentions: ["unknown parameter"],
      }],
      [m, {
        name: "missing weight",
        run: () => m.loadWeights(missing),
        expect: TypeError,
        mentions: ["prefix_scale"],
      }],
      [m, {
        name: "checkpoint of d_LLM 32",
        run: () => loadCheckpoint(ckpt, { params: Object.fromEntries(m.namedParameters()) }),
        expect: TypeError,
      }],
      [m, {
        name: "construct with d_LLM 32 weights",
        run: () => new MemLLM4({ cfg: { d_LLM: 16 }, backbone: bb, weights: ow }),
        expect: TypeError,
      }],
      [m, {
        name: "backbone width 16 for d_LLM 32",
        run: () => new MemLLM4({ cfg: { d_LLM: 32 }, backbone: bb }),
        expect: RangeError,
        mentions: ["d_LLM"],
      }],
      [m, {
        name: "retrievalTopK 0",
        run: () => new MemLLM4({ cfg: { d_LLM: 16 }, backbone: bb, retrievalTopK: 0 }),
        expect: RangeError,
        mentions: ["retrievalTopK"],
      }],
    ]; // deno-fmt-ignore
    total = cases.length;
    for (const [model, c] of cases) {
      const before = await snapshot(model);
      failures.push(
        ...await checkFaults([c], (v) => (v instanceof MemLLM4 ? v.dispose() : undefined)),
      );
      const after = await snapshot(model);
      if (after !== before) failures.push(`${c.name}: the model changed`);
    }
  } finally {
    for (const x of [m, g, gTiny, empty, other]) x.dispose();
    await Deno.remove(dir, { recursive: true });
  }
  if (liveBufferCount() !== live) failures.push(`leaked ${liveBufferCount() - live} buffers`);
  return faultMeasurement(total, failures);
});
