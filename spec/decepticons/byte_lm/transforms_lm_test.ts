/**
 * The substrate transforms inside the causal-bank byte LM (impl/decepticons/byte_lm/byte_lm.ts
 * with impl/decepticons/substrate_transforms/): causality with each transform and all five
 * (decepticons.byte_lm.property_transforms_causal), the overwrite gate erasing the history
 * (decepticons.byte_lm.divergence_overwrite_erases_history), GPU parity against the f64 oracle
 * stage by stage (decepticons.byte_lm.gpu_parity_transforms), the gradient reaching and training
 * every transform parameter (decepticons.byte_lm.property_transforms_train), every transform off
 * leaving the model bit-identical (decepticons.byte_lm.property_transforms_off_identical), and
 * the refusals (decepticons.byte_lm.fault_transforms_validation).
 *
 * The parity is staged like the readout path's (readouts_lm_test.ts): each stage runs the
 * model's own module on the inputs the GPU produced for it (read back exactly), against the
 * stage's f64 oracle on those same inputs, under the stage's derived bound; the model's
 * `states(x)` must equal the staged chain bit for bit, so the stages are what the model runs.
 *
 * Sizes: E = 8, M = 16, T = 40 (> scan chunk 16), B = 2.
 *
 * @module
 */
import {
  backward,
  initGpu,
  liveBufferCount,
  matmul,
  noGrad,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import {
  CausalBankLM,
  type CausalBankLMConfig,
  TRANSFORM_PREFIXES,
} from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { gpu } from "../../../impl/mod.ts";
import { BYTE_LM_REFERENCE_FACTOR, track, trackBuiltins } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import {
  byteLMForward,
  linearReadoutSpec,
  mm,
  ORACLE_BYTE_VOCAB,
  windowIds,
} from "../../oracle/decepticons/byte_lm.ts";
import type { ByteLMBoundsConfig } from "./_bounds.ts";
import { oracleReadout } from "../../oracle/decepticons/readouts.ts";
import {
  magnitudeFeature,
  oracleBankOf,
  overwriteAfterScan,
  overwriteGateValues,
  overwriteInside,
  routerForward,
  selectorForward,
  temporalForward,
} from "../../oracle/decepticons/substrate_transforms.ts";
import { readoutBounds } from "../readouts/_bounds.ts";
import {
  magnitudeBounds,
  overwriteBounds,
  routerBounds,
  selectorBounds,
  temporalBounds,
} from "../substrate_transforms/_bounds.ts";
import { checkBounds, loaded, type TA, tmm } from "../hash_memory/_tracked.ts";
import {
  TRANSFORMS_LM_CAUSAL,
  TRANSFORMS_LM_GPU_PARITY,
  TRANSFORMS_LM_GRADIENTS,
  TRANSFORMS_LM_OFF_IDENTICAL,
  TRANSFORMS_LM_OVERWRITE_ERASES,
  TRANSFORMS_LM_VALIDATION,
} from "./transforms_lm_claims.ts";

await initGpu();

const V = ORACLE_BYTE_VOCAB;
const TR = { ...track, ...trackBuiltins };
const B = 2;
const T = 40;

/** The small LM every claim here builds on (chunk 16 < T = 40). */
const BASE: Partial<CausalBankLMConfig> = {
  embeddingDim: 8,
  linearModes: 16,
  readoutHidden: 12,
  localHidden: 8,
  localWindow: 3,
  stateDim: 8,
  numHeads: 2,
  halfLifeMin: 1.5,
  halfLifeMax: 64,
  scanChunk: 16,
  maxSeqLen: 64,
  seed: 5,
};

const TEMPORAL: Partial<CausalBankLMConfig> = {
  temporalAttention: true,
  temporalSnapshotInterval: 8,
  temporalAttentionHeads: 2,
  temporalAttentionHeadDim: 4,
};

/** All five transforms (router of 3 banks, log magnitude kept). */
const ALL5: Partial<CausalBankLMConfig> = {
  substrateBankRouter: true,
  substrateNBanks: 3,
  overwriteGate: true,
  magnitudeNormalize: true,
  modeSelector: true,
  ...TEMPORAL,
};

/** Every transform field at its default: all off. */
const OFF: Partial<CausalBankLMConfig> = {
  substrateBankRouter: false,
  substrateNBanks: 4,
  overwriteGate: false,
  magnitudeNormalize: false,
  magnitudeKeep: true,
  modeSelector: false,
  temporalAttention: false,
  temporalSnapshotInterval: 64,
  temporalAttentionHeads: 2,
  temporalAttentionHeadDim: 32,
};

function randomIds(seed: number, n: number, lo = 32, span = 90): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => lo + r.int(span));
}

const ids = (v: Int32Array, b = B, t = T) => tensor(v, [b, t], { dtype: "i32" });

function isTransformParam(name: string): boolean {
  return Object.values(TRANSFORM_PREFIXES).some((p) => name.startsWith(p));
}

// ------------------------------------------------------------------ (a) causality

const CAUSAL_T0S = [1, 8, 13, 33];

const CAUSAL_CONFIGS: { name: string; config: Partial<CausalBankLMConfig> }[] = [
  { name: "bank router (3 banks)", config: { substrateBankRouter: true, substrateNBanks: 3 } },
  { name: "overwrite gate", config: { overwriteGate: true } },
  { name: "magnitude (kept)", config: { magnitudeNormalize: true } },
  { name: "mode selector", config: { modeSelector: true } },
  { name: "temporal attention (I = 8)", config: TEMPORAL },
  { name: "all five", config: ALL5 },
  {
    name: "all five, learnable_decays, two blocks, static gate",
    config: { ...ALL5, substrate: "learnable_decays", numBlocks: 2, staticBankGate: true },
  },
];

claimTest(TRANSFORMS_LM_CAUSAL, async () => {
  let before = 0;
  let temporalBefore = 0;
  const unchanged: string[] = [];
  const base = randomIds(404, B * T);
  for (const k of CAUSAL_CONFIGS) {
    const lm = new CausalBankLM({ ...BASE, ...k.config });
    const made: Tensor[] = [];
    try {
      const inputs = [base];
      for (const t0 of CAUSAL_T0S) {
        const moved = Int32Array.from(base);
        for (let b = 0; b < B; b++) moved[b * T + t0] = (base[b * T + t0]! + 7) % 256;
        inputs.push(moved);
      }
      const toks = inputs.map((v) => ids(v));
      made.push(...toks);
      const logits = noGrad(() => tidy(() => toks.map((t) => lm.forward(t))));
      made.push(...logits);
      const [ref, ...rest] = await readTensors(logits);
      rest.forEach((y, j) => {
        const t0 = CAUSAL_T0S[j]!;
        let atT0 = 0;
        for (let b = 0; b < B; b++) {
          for (let t = 0; t <= t0; t++) {
            for (let v = 0; v < V; v++) {
              const i = (b * T + t) * V + v;
              const d = Math.abs(ref![i]! - y![i]!);
              if (t < t0) {
                before = Math.max(before, d);
                if (k.config.temporalAttention) temporalBefore = Math.max(temporalBefore, d);
              } else atT0 = Math.max(atT0, d);
            }
          }
        }
        if (!(atT0 > 0)) unchanged.push(`${k.name} @ ${t0}`);
      });
    } finally {
      for (const t of made) t.dispose();
      lm.dispose();
    }
  }
  return {
    figure: before,
    bound: 0,
    pass: before === 0 && unchanged.length === 0,
    parts: [{
      name: "(configuration, t0) unchanged at t0",
      figure: unchanged.length,
      bound: 0,
      direction: "==",
    }],
    detail: `${CAUSAL_CONFIGS.length} configurations × t0 in [${CAUSAL_T0S.join(", ")}] at ` +
      `T = ${T}, scan chunk 16; with temporal attention: max |Δ| before t0 ` +
      `${formatFigure(temporalBefore)}; unchanged at t0: [${unchanged.join(", ")}]`,
  };
});

// ------------------------------------------------------------------ (b) overwrite erases

const T_STAR = 20;

/** Two histories differing before t*, equal from t* on; the gate opens exactly at t*. */
async function eraseCase(
  substrate: "frozen" | "learnable_decays",
  scanMethod: "chunked" | "sequential",
): Promise<{ after: number; beforeDiff: number; original: [number, number] }> {
  const lm = new CausalBankLM({
    ...BASE,
    substrate,
    scanMethod,
    localWindow: 0,
    overwriteGate: true,
  });
  const made: Tensor[] = [];
  try {
    const E = lm.config.embeddingDim;
    const M = lm.config.linearModes;
    const [tableF] = await readTensors([lm.parameters.get("embedding")!]);
    const table = Float32Array.from(tableF!);
    // The f32 rows the GPU holds (the overwrite byte's row is rewritten below).
    const row = (id: number) => Array.from(table.subarray(id * E, (id + 1) * E));
    const hA = randomIds(11, B * T);
    const hB = randomIds(12, B * T);
    // From t* on both histories hold hA's bytes; the byte at t* is 0 (outside 32..121), its
    // embedding row set 20 times longer than any used byte's, along its own direction s.
    const star = 0;
    let longest = 0;
    for (const u of new Set<number>([...hA, ...hB])) {
      longest = Math.max(longest, Math.hypot(...row(u)));
    }
    const dir = row(star);
    const s = dir.map((v) => (v * 20 * longest) / Math.hypot(...dir));
    table.set(s, star * E);
    for (let b = 0; b < B; b++) {
      for (let t = T_STAR; t < T; t++) hB[b * T + t] = hA[b * T + t]!;
      hA[b * T + T_STAR] = star;
      hB[b * T + T_STAR] = star;
    }
    // g = σ(K·x·s/‖s‖²), K = 40: 40 at the overwrite byte (g = 1 in f32), |·| <= 2 at every
    // other byte (|x·s|/‖s‖² <= ‖x‖/‖s‖ <= 1/20), so the drive enters elsewhere.
    const n2 = s.reduce((a, v) => a + v * v, 0);
    const K = 40;
    const gw = new Float32Array(E * M);
    for (let e = 0; e < E; e++) for (let m = 0; m < M; m++) gw[e * M + m] = (K * s[e]!) / n2;
    const gb = new Float32Array(M);
    const q = gpu().device.queue;
    q.writeBuffer(lm.parameters.get("embedding")!.buffer, 0, table);
    q.writeBuffer(lm.parameters.get("overwrite_gate.gate_w")!.buffer, 0, gw);
    q.writeBuffer(lm.parameters.get("overwrite_gate.gate_b")!.buffer, 0, gb);
    const ta = ids(hA);
    const tb = ids(hB);
    made.push(ta, tb);
    const outs = noGrad(() =>
      tidy(() => [
        lm.states(lm.embed(ta)),
        lm.states(lm.embed(tb)),
        lm.forward(ta),
        lm.forward(tb),
      ])
    );
    made.push(...outs);
    const [sa, sb, la, lb] = await readTensors(outs);
    let after = 0;
    let beforeDiff = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let m = 0; m < M; m++) {
          const d = Math.abs(sa![(b * T + t) * M + m]! - sb![(b * T + t) * M + m]!);
          if (t >= T_STAR) after = Math.max(after, d);
          else beforeDiff = Math.max(beforeDiff, d);
        }
        if (t < T_STAR) continue;
        for (let v = 0; v < V; v++) {
          after = Math.max(after, Math.abs(la![(b * T + t) * V + v]! - lb![(b * T + t) * V + v]!));
        }
      }
    }
    // The original's placement on the same drive, gate and decays (f64): after the scan.
    const [pIn, pDecays] = await readTensors([
      lm.buffers.get("in_proj") ?? lm.parameters.get("in_proj")!,
      ...(substrate === "learnable_decays" ? [lm.parameters.get("decays")!] : []),
    ]);
    const decays = pDecays ?? lm.transforms!.overwrite!.decays;
    const original = [0, 0] as [number, number];
    const x = (h: Int32Array) => Float64Array.from(Array.from(h).flatMap((id) => row(id)));
    const [xa, xb] = [x(hA), x(hB)];
    const [w64, b64, p64] = [Float64Array.from(gw), Float64Array.from(gb), Float64Array.from(pIn!)];
    const scanned = [xa, xb].map((xx) =>
      overwriteAfterScan(
        mm(xx, [B * T, E], p64, [E, M]),
        overwriteGateValues(xx, w64, b64),
        decays,
        { B, T },
      )
    );
    for (let b = 0; b < B; b++) {
      for (let m = 0; m < M; m++) {
        for (const k of [0, 1]) {
          const i = (b * T + T_STAR + k) * M + m;
          original[k] = Math.max(original[k]!, Math.abs(scanned[0]![i]! - scanned[1]![i]!));
        }
      }
    }
    return { after, beforeDiff, original };
  } finally {
    for (const t of made) t.dispose();
    lm.dispose();
  }
}

claimTest(TRANSFORMS_LM_OVERWRITE_ERASES, async () => {
  const runs = [
    ["frozen, chunked", await eraseCase("frozen", "chunked")],
    ["learnable_decays, sequential", await eraseCase("learnable_decays", "sequential")],
  ] as const;
  const after = Math.max(...runs.map(([, r]) => r.after));
  const control = Math.min(...runs.map(([, r]) => r.beforeDiff));
  const detail = runs.map(([n, r]) =>
    `${n}: max |Δ| from t* ${formatFigure(r.after)}, states before t* differ by ` +
    `${formatFigure(r.beforeDiff)}; the original's after-scan gate on the same drive: ` +
    `|Δ| ${formatFigure(r.original[0])} at t*, ${formatFigure(r.original[1])} at t* + 1`
  ).join("; ");
  console.log(`byte_lm.overwrite_erases_history: ${detail}`);
  return {
    figure: after,
    bound: 0,
    pass: after === 0 && control > 0,
    parts: [{
      name: "states before t* differ (min over runs)",
      figure: control,
      bound: 0,
      direction: ">=",
    }],
    detail: `t* = ${T_STAR}, T = ${T}; ${detail}`,
  };
});

// ------------------------------------------------------------------ (c) parity, stage by stage

interface ParityCase {
  name: string;
  config: Partial<CausalBankLMConfig>;
}

const PARITY_CASES: ParityCase[] = [
  { name: "frozen, all five, magnitude kept, mlp", config: { ...ALL5 } },
  {
    name: "learnable_decays, all five, no magnitude channel, routed readout",
    config: {
      ...ALL5,
      substrate: "learnable_decays",
      magnitudeKeep: false,
      readoutKind: "routed_sqrelu_experts",
    },
  },
];

/** The oracle configuration of a model. */
function oracleConfig(c: Readonly<CausalBankLMConfig>): ByteLMBoundsConfig {
  return {
    substrate: c.substrate,
    embeddingDim: c.embeddingDim,
    linearModes: c.linearModes,
    stateDim: c.stateDim,
    numHeads: c.numHeads,
    readoutHidden: c.readoutHidden,
    localWindow: c.localWindow,
    localHidden: c.localHidden,
    localScale: c.localScale,
    scanMethod: c.scanMethod,
    scanChunk: c.scanChunk,
    readoutKind: c.readoutKind,
    readoutExperts: c.readoutExperts,
    substrateBankRouter: c.substrateBankRouter,
    overwriteGate: c.overwriteGate,
    magnitudeNormalize: c.magnitudeNormalize,
    magnitudeKeep: c.magnitudeKeep,
    modeSelector: c.modeSelector,
    temporalAttention: c.temporalAttention,
    temporalSnapshotInterval: c.temporalSnapshotInterval,
    temporalAttentionHeads: c.temporalAttentionHeads,
    temporalAttentionHeadDim: c.temporalAttentionHeadDim,
  } as ByteLMBoundsConfig;
}

interface StageResult {
  ratio: number;
  at: string;
  chainDiffering: number;
  endToEnd: number;
  /** The extended oracle's states vs the transforms' oracles composed (max rel). */
  composedRel: number;
}

async function parityCase(cs: ParityCase): Promise<StageResult> {
  const lm = new CausalBankLM({ ...BASE, ...cs.config });
  const made: Tensor[] = [];
  const keep = <X extends Tensor>(t: X): X => (made.push(t), t);
  try {
    const c = lm.config;
    const tr = lm.transforms!;
    const mods = lm.readoutModules!;
    const { embeddingDim: E, linearModes: M } = c;
    const N = B * T;
    const W = c.localWindow;
    const named = [...lm.parameters, ...lm.buffers];
    const read = await readTensors(named.map(([, t]) => t));
    const values: Record<string, Float64Array> = {};
    named.forEach(([n], i) => (values[n] = Float64Array.from(read[i]!)));
    if (c.substrate === "frozen") values.decays = Float64Array.from(tr.overwrite!.decays);
    const tokens = randomIds(77, N);
    const targets = randomIds(78, N);
    const batch = { B, T, tokens, targets };
    const table = values.embedding!;
    const x32 = new Float32Array(N * E);
    tokens.forEach((id, n) => x32.set(table.subarray(id * E, (id + 1) * E), n * E));
    const x64 = Float64Array.from(x32);
    const xT = keep(tensor(x32, [B, T, E]));
    const up = (v: Float32Array, w: number) => keep(tensor(v, [B, T, w]));
    const run = async (f: () => Tensor): Promise<Float32Array> => {
      const y = keep(noGrad(() => tidy(f)));
      return (await readTensors([y]))[0] as Float32Array;
    };
    const stages: [string, ArrayLike<number>, ArrayLike<number>, TA][] = [];
    // The drive x·P.
    const P = lm.buffers.get("in_proj") ?? lm.parameters.get("in_proj")!;
    const drive = await run(() => matmul(xT, P));
    stages.push([
      "drive",
      drive,
      mm(x64, [N, E], values.in_proj!, [E, M]),
      tmm(loaded(x32), loaded(values.in_proj!), { m: N, k: E, n: M, bShared: true }),
    ]);
    // The routed drive.
    const rw = values["bank_router.route_w"]!;
    const rb = values["bank_router.route_b"]!;
    const routed = await run(() => tr.router!.forward(up(drive, M), xT));
    const bank = Array.from({ length: M }, (_, m) => oracleBankOf(m, M, rb.length));
    stages.push([
      "routed",
      routed,
      routerForward(Float64Array.from(drive), x64, rw, rb, M),
      routerBounds(drive, x32, rw, rb, bank, N, E, M),
    ]);
    // The gated bank (learnable decays: the trained tensor).
    const gw = values["overwrite_gate.gate_w"]!;
    const gb = values["overwrite_gate.gate_b"]!;
    const decays = values.decays!;
    const dT = c.substrate === "learnable_decays" ? lm.parameters.get("decays")! : undefined;
    const states = await run(() => tr.overwrite!.forward(up(routed, M), xT, dT));
    stages.push([
      "states",
      states,
      overwriteInside(Float64Array.from(routed), overwriteGateValues(x64, gw, gb), decays, {
        B,
        T,
      }),
      overwriteBounds(routed, x32, gw, gb, decays, { B, T, E }, {
        method: c.scanMethod,
        chunk: c.scanChunk,
      }),
    ]);
    // Magnitude → selector → temporal attention.
    const gamma = values["magnitude.log_gain"]![0]!;
    const mag = await run(() => tr.magnitude!.forward(up(states, M)));
    const sw = tr.magnitude!.outputDim;
    stages.push([
      "magnitude",
      mag,
      magnitudeFeature(Float64Array.from(states), M, gamma, tr.magnitude!.eps, c.magnitudeKeep),
      magnitudeBounds(states, M, gamma, tr.magnitude!.eps, c.magnitudeKeep),
    ]);
    const sel = (n: string) => values[`mode_selector.${n}`]!;
    const selected = await run(() => tr.selector!.forward(up(mag, sw), xT));
    stages.push([
      "selector",
      selected,
      selectorForward(Float64Array.from(mag), x64, sel("select_w"), sel("select_b"), 1),
      selectorBounds(mag, x32, sel("select_w"), sel("select_b"), 1, N, E),
    ]);
    const ta = (n: string) => values[`temporal_attention.${n}`]!;
    const tw = { q_w: ta("q_w"), k_w: ta("k_w"), v_w: ta("v_w"), o_w: ta("o_w") };
    const shape = {
      B,
      T,
      M: sw,
      heads: c.temporalAttentionHeads,
      headDim: c.temporalAttentionHeadDim,
      interval: c.temporalSnapshotInterval,
    };
    const temporal = await run(() => tr.temporal!.forward(up(selected, sw)));
    stages.push([
      "temporal",
      temporal,
      temporalForward(Float64Array.from(selected), tw, shape),
      temporalBounds(selected, tw, shape),
    ]);
    // The model's states are the staged chain, bit for bit.
    const modelStates = await run(() => lm.states(xT));
    let chainDiffering = 0;
    modelStates.forEach((v, i) => (chainDiffering += Object.is(v, temporal[i]) ? 0 : 1));
    // The readouts on the GPU's features u = [S', x] and the local window.
    const F = sw + E;
    const features = new Float32Array(N * F);
    for (let n = 0; n < N; n++) {
      features.set(temporal.subarray(n * sw, (n + 1) * sw), n * F);
      features.set(x32.subarray(n * E, (n + 1) * E), n * F + sw);
    }
    const wIds = windowIds(batch, W);
    const localIn = new Float32Array(N * W * E);
    wIds.forEach((id, i) => {
      if (id >= 0) localIn.set(table.subarray(id * E, (id + 1) * E), i * E);
    });
    const emb = lm.parameters.get("embedding")!;
    const uT = keep(tensor(features, [B, T, F]));
    const wT = keep(tensor(localIn, [B, T, W * E]));
    const lin = await run(() => mods.linear.forward(uT, { embedding: emb }).logits);
    const loc = await run(() => mods.local!.forward(wT).logits);
    const oc = oracleConfig(c);
    const spec = linearReadoutSpec(oc);
    const dims = { B, T, F, V };
    stages.push([
      "linear logits",
      lin,
      oracleReadout(spec, values, "readout", Float64Array.from(features), dims, table).logits,
      readoutBounds(spec, values, "readout", features, dims, table).logits,
    ]);
    const localSpec = { kind: "mlp" as const, hidden: [c.localHidden] };
    const localDims = { B, T, F: W * E, V };
    stages.push([
      "local logits",
      loc,
      oracleReadout(localSpec, values, "local", Float64Array.from(localIn), localDims).logits,
      readoutBounds(localSpec, values, "local", localIn, localDims).logits,
    ]);
    // The model's logits against the additive mix of the two paths' GPU logits.
    const tok = keep(ids(tokens));
    const logits = await run(() => lm.forward(tok));
    const s = TR.uniform(c.localScale);
    const mixV = Float64Array.from(lin, (l, i) => l + c.localScale * loc[i]!);
    const mixE = Float64Array.from(
      lin,
      (l, i) => TR.add(TR.input(l), TR.mul(TR.input(loc[i]!), s)).e,
    );
    stages.push(["logits", logits, mixV, { v: mixV, e: mixE }]);
    let ratio = 0;
    let at = "";
    for (const [name, g, o, walk] of stages) {
      const r = checkBounds(name, g, o, walk, BYTE_LM_REFERENCE_FACTOR);
      if (r.ratio >= ratio) {
        ratio = r.ratio;
        at = `${cs.name}: ${r.at}`;
      }
    }
    // End to end: the extended oracle (every transform's oracle in the model's order), and its
    // states against the transforms' oracles composed here on the exact embeddings.
    const trace = byteLMForward(oc, values, batch);
    let endToEnd = 0;
    logits.forEach((v, i) => (endToEnd = Math.max(endToEnd, Math.abs(v - trace.logits[i]!))));
    const d64 = routerForward(mm(x64, [N, E], values.in_proj!, [E, M]), x64, rw, rb, M);
    const s64 = overwriteInside(d64, overwriteGateValues(x64, gw, gb), decays, { B, T });
    const m64 = magnitudeFeature(s64, M, gamma, tr.magnitude!.eps, c.magnitudeKeep);
    const c64 = temporalForward(
      selectorForward(m64, x64, sel("select_w"), sel("select_b"), 1),
      tw,
      shape,
    );
    let composedRel = 0;
    c64.forEach((v, i) => {
      const d = Math.abs(trace.states[i]! - v) / Math.max(1, Math.abs(v));
      composedRel = Math.max(composedRel, Number.isNaN(d) ? Infinity : d);
    });
    if (trace.states.length !== c64.length) composedRel = Infinity;
    return { ratio, at, chainDiffering, endToEnd, composedRel };
  } finally {
    for (const t of made) t.dispose();
    lm.dispose();
  }
}

claimTest(TRANSFORMS_LM_GPU_PARITY, async () => {
  let ratio = 0;
  let at = "";
  let chain = 0;
  let e2e = 0;
  let composed = 0;
  for (const cs of PARITY_CASES) {
    const r = await parityCase(cs);
    chain += r.chainDiffering;
    e2e = Math.max(e2e, r.endToEnd);
    composed = Math.max(composed, r.composedRel);
    if (r.ratio >= ratio) {
      ratio = r.ratio;
      at = r.at;
    }
  }
  const detail = `worst at ${at}; ${PARITY_CASES.length} cases, 9 stages each; end to end ` +
    `(GPU logits vs the oracle's on exact embeddings) max |Δ| ${e2e.toExponential(2)}; ` +
    `extended oracle vs the transforms' oracles composed: max rel ${formatFigure(composed)}`;
  console.log(`byte_lm.gpu_parity_transforms: worst ratio ${formatFigure(ratio)}; ${detail}`);
  return {
    figure: ratio,
    bound: 1,
    pass: ratio <= 1 && chain === 0 && composed <= 1e-12,
    parts: [
      {
        name: "extended oracle vs the transforms' oracles composed (rel)",
        figure: composed,
        bound: 1e-12,
        direction: "<=",
      },
      {
        name: "states(x) vs the staged chain, differing values",
        figure: chain,
        bound: 0,
        direction: "==",
      },
    ],
    detail,
  };
});

// ------------------------------------------------------------------ (d) gradients and training

claimTest(TRANSFORMS_LM_GRADIENTS, async () => {
  const zeroGrad: string[] = [];
  const unmoved: string[] = [];
  const outside: string[] = [];
  let checked = 0;
  for (const substrate of ["frozen", "learnable_decays"] as const) {
    const lm = new CausalBankLM({ ...BASE, ...ALL5, substrate });
    const tok = ids(randomIds(31, B * T));
    const tgt = ids(randomIds(32, B * T));
    try {
      const names = [...lm.parameters.keys()].filter((n) => isTransformParam(n) || n === "decays");
      checked += names.length;
      const base = new Set(lm.optimizerGroups().base);
      for (const n of names) if (!base.has(n)) outside.push(`${substrate}: ${n}`);
      tidy(() => backward(lm.loss(tok, tgt)));
      const grads = await readTensors(names.map((n) => lm.parameters.get(n)!.grad!));
      names.forEach((n, i) => {
        if (grads[i]!.every((g) => g === 0)) zeroGrad.push(`${substrate}: ${n}`);
      });
      for (const p of lm.parameters.values()) {
        p.grad?.dispose();
        p.grad = null;
      }
      const before = await readTensors(names.map((n) => lm.parameters.get(n)!));
      lm.trainStep(tok, tgt, 1e-2).dispose();
      const after = await readTensors(names.map((n) => lm.parameters.get(n)!));
      names.forEach((n, i) => {
        if (after[i]!.every((v, j) => v === before[i]![j])) unmoved.push(`${substrate}: ${n}`);
      });
    } finally {
      tok.dispose();
      tgt.dispose();
      lm.dispose();
    }
  }
  return {
    figure: zeroGrad.length,
    bound: 0,
    pass: zeroGrad.length === 0 && unmoved.length === 0 && outside.length === 0 && checked > 0,
    parts: [
      { name: "unchanged by a step", figure: unmoved.length, bound: 0, direction: "==" },
      { name: "outside the base group", figure: outside.length, bound: 0, direction: "==" },
    ],
    detail: `${checked} transform tensors (and the learnable decays); zero gradient: ` +
      `[${zeroGrad.join(", ")}]; unmoved: [${unmoved.join(", ")}]; outside base: ` +
      `[${outside.join(", ")}]`,
  };
});

// ------------------------------------------------------------------ (e) everything off

async function runTwoSteps(config: Partial<CausalBankLMConfig>) {
  const lm = new CausalBankLM(config);
  const tok = ids(randomIds(51, B * T));
  const tgt = ids(randomIds(52, B * T));
  try {
    const l = noGrad(() => tidy(() => lm.forward(tok)));
    const [logits] = await readTensors([l]);
    l.dispose();
    for (let s = 0; s < 2; s++) lm.trainStep(tok, tgt, 1e-2).dispose();
    const names = [...lm.parameters.keys()];
    const params = await readTensors(names.map((n) => lm.parameters.get(n)!));
    return { names, logits: logits!, params };
  } finally {
    tok.dispose();
    tgt.dispose();
    lm.dispose();
  }
}

claimTest(TRANSFORMS_LM_OFF_IDENTICAL, async () => {
  let differing = 0;
  let nameDiff = 0;
  const paths = [
    { name: "mlp path", config: { ...BASE } },
    { name: "tied_recursive readout", config: { ...BASE, readoutKind: "tied_recursive" } },
  ] as const;
  for (const p of paths) {
    const a = await runTwoSteps(p.config);
    const b = await runTwoSteps({ ...p.config, ...OFF });
    if (a.names.join() !== b.names.join()) nameDiff++;
    a.logits.forEach((v, i) => (differing += Object.is(v, b.logits[i]) ? 0 : 1));
    a.params.forEach((t, k) => {
      t.forEach((v, i) => (differing += Object.is(v, b.params[k]?.[i]) ? 0 : 1));
    });
  }
  return {
    figure: differing,
    bound: 0,
    pass: differing === 0 && nameDiff === 0,
    parts: [{
      name: "paths with other parameter names",
      figure: nameDiff,
      bound: 0,
      direction: "==",
    }],
    detail: `${paths.map((p) => p.name).join(", ")}: logits, then every parameter after 2 Adam ` +
      `steps, with the ${Object.keys(OFF).length} transform fields at their defaults vs absent`,
  };
});

// ------------------------------------------------------------------ (f) refusals

const BAD: {
  name: string;
  config: Partial<CausalBankLMConfig>;
  error: typeof TypeError | typeof RangeError;
  fields: string[];
}[] = [
  {
    name: "overwrite gate on gated_retention",
    config: { substrate: "gated_retention", overwriteGate: true },
    error: RangeError,
    fields: ["overwriteGate", "substrate", "gated_retention"],
  },
  {
    name: "overwrite gate on gated_delta",
    config: { substrate: "gated_delta", overwriteGate: true },
    error: RangeError,
    fields: ["overwriteGate", "substrate", "gated_delta"],
  },
  {
    name: "overwrite gate on learned_recurrence",
    config: { substrate: "learned_recurrence", overwriteGate: true },
    error: RangeError,
    fields: ["overwriteGate", "substrate", "learned_recurrence"],
  },
  {
    name: "one bank",
    config: { substrateBankRouter: true, substrateNBanks: 1 },
    error: RangeError,
    fields: ["substrateBankRouter", "substrateNBanks"],
  },
  {
    name: "more banks than modes",
    config: { substrateBankRouter: true, substrateNBanks: 17 },
    error: RangeError,
    fields: ["substrateNBanks", "linearModes"],
  },
  {
    name: "temporal heads beyond 256",
    config: { ...TEMPORAL, temporalAttentionHeads: 257 },
    error: RangeError,
    fields: ["temporalAttentionHeads"],
  },
  {
    name: "snapshot interval 0",
    config: { ...TEMPORAL, temporalSnapshotInterval: 0 },
    error: RangeError,
    fields: ["temporalSnapshotInterval"],
  },
  {
    name: "fractional head width",
    config: { ...TEMPORAL, temporalAttentionHeadDim: 1.5 },
    error: RangeError,
    fields: ["temporalAttentionHeadDim"],
  },
  {
    name: "overwriteGate not a boolean",
    config: { overwriteGate: "yes" as never },
    error: TypeError,
    fields: ["overwriteGate"],
  },
  {
    name: "magnitudeKeep not a boolean",
    config: { magnitudeNormalize: true, magnitudeKeep: 1 as never },
    error: TypeError,
    fields: ["magnitudeKeep"],
  },
  {
    name: "substrateNBanks not a number",
    config: { substrateBankRouter: true, substrateNBanks: "3" as never },
    error: TypeError,
    fields: ["substrateNBanks"],
  },
  {
    name: "modeSelector null",
    config: { modeSelector: null as never },
    error: TypeError,
    fields: ["modeSelector"],
  },
];

claimTest(TRANSFORMS_LM_VALIDATION, () => {
  const wrong: string[] = [];
  let leaked = 0;
  for (const k of BAD) {
    const before = liveBufferCount();
    try {
      new CausalBankLM({ ...BASE, ...k.config }).dispose();
      wrong.push(`${k.name}: accepted`);
    } catch (e) {
      const msg = (e as Error).message;
      if (!(e instanceof k.error) || (e.constructor !== k.error)) {
        wrong.push(`${k.name}: ${(e as Error).name}`);
      } else if (!k.fields.every((f) => msg.includes(f))) {
        wrong.push(`${k.name}: "${msg}" does not name ${k.fields.join(", ")}`);
      }
    }
    leaked += liveBufferCount() - before;
  }
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0 && leaked === 0,
    parts: [{ name: "buffers allocated", figure: leaked, bound: 0, direction: "==" }],
    detail: `${BAD.length} cases; wrong: [${wrong.join("; ")}]`,
  };
});
