/**
 * The online-memory attachment of the byte LM (`memoryKind`): the GPU's 7 count features
 * (impl/decepticons/memory/online_causal_gpu.ts) against the host memory's trace, their
 * causality, and the LM's residual u ← u + σ(memory_gate)·(f W + b) against the f64 oracle
 * (spec/oracle/decepticons/byte_lm.ts, memoryResidualOracle) stage by stage, with causality,
 * the original's divergences (active at init, the projection's width, exact_context's f4), the
 * memory parameters' gradients and the refusals. Claims: ./memory_lm_claims.ts.
 *
 * The parity is staged as in ./readouts_lm_test.ts: each stage's bound is derived on the inputs
 * the GPU actually fed it (the features' bound by a replay of the kernel's operations, the
 * readout input's from spec/decepticons/byte_lm/_bounds.ts plus the residual replayed with the
 * ledger's track rules, the readouts' from spec/decepticons/readouts/_bounds.ts on the GPU's u).
 *
 * @module
 */
import {
  add,
  backward,
  concat,
  crossEntropy,
  initGpu,
  liveBufferCount,
  matmul,
  mul,
  noGrad,
  readTensors,
  reshape,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { sigmoid } from "../../../impl/ops/unary.ts";
import {
  CausalBankLM,
  type CausalBankLMConfig,
} from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { onlineCausalFeatures } from "../../../impl/decepticons/memory/online_causal_gpu.ts";
import { OnlineCausalMemory } from "../../../impl/decepticons/memory/online_causal.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  BYTE_LM_REFERENCE_FACTOR,
  F32_MIN_NORMAL,
  gamma32,
  GRADCHECK_MAX_REL,
  sequentialSumError,
  track,
  trackBuiltins,
  type Tracked,
} from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import { differential } from "../../_harness/differential.ts";
import {
  type ByteLMBatch,
  byteLMForward,
  linearReadoutSpec,
  memoryResidualBackward,
  memoryResidualOracle,
  ORACLE_BYTE_VOCAB,
  windowIds,
} from "../../oracle/decepticons/byte_lm.ts";
import { oracleReadout } from "../../oracle/decepticons/readouts.ts";
import { readoutBounds } from "../readouts/_bounds.ts";
import { byteLMBounds } from "./_bounds.ts";
import { caseBatch, type LMCase, pathCase } from "./_cases.ts";
import { lmConfigOf, seedModel } from "./_gpu_cases.ts";
import {
  MEMORY_LM_ACTIVE_AT_INIT,
  MEMORY_LM_CAUSAL,
  MEMORY_LM_EXACT_CONTEXT,
  MEMORY_LM_FAULTS,
  MEMORY_LM_GPU_GRADIENTS,
  MEMORY_LM_GPU_PARITY,
  MEMORY_LM_ORACLE_GRADCHECK,
  MEMORY_LM_POLY_WIDTH,
  OCM_GPU_CAUSAL,
  OCM_GPU_INVALID_IDS,
  OCM_GPU_PARITY,
} from "./memory_lm_claims.ts";

await initGpu();

const V = ORACLE_BYTE_VOCAB;
const F7 = 7;
const TR = { ...track, ...trackBuiltins };
const ONE: Tracked = { v: 1, e: 0 };

// ------------------------------------------------------------------ the features' bound

/** The kernel's clip term CLIP·log(CLIP), CLIP the f32 literal 1e-10. */
const CLIP = TR.literal(1e-10);
const CLIP_TERM = TR.mul(CLIP, TR.log(CLIP));

/** The kernel's entropy of counts with total n: h ← h − p·log p over v (the clip term at 0). */
function entropyReplay(counts: Int32Array, n: number): Tracked {
  let h: Tracked = { v: 0, e: 0 };
  const nn = TR.input(n);
  for (let v = 0; v < V; v++) {
    const c = counts[v]!;
    if (c === 0) h = TR.sub(h, CLIP_TERM);
    else {
      const p = TR.div(TR.input(c), nn);
      h = TR.sub(h, TR.mul(p, TR.log(p)));
    }
  }
  return h;
}

/**
 * The replayed features [T, 7] of one stream (exact values v, the kernel's error bound e), the
 * kernel's operations in its order (online_causal_gpu.ts); counts are exact.
 */
function featureReplay(ids: ArrayLike<number>): { v: Float64Array; e: Float64Array } {
  const T = ids.length;
  const v = new Float64Array(T * F7);
  const e = new Float64Array(T * F7);
  const put = (t: number, k: number, x: Tracked) => {
    v[t * F7 + k] = x.v;
    e[t * F7 + k] = x.e;
  };
  for (let t = 0; t < T; t++) {
    const uni = new Int32Array(V);
    const bi = new Int32Array(V);
    const tri = new Int32Array(V);
    let n = 0;
    let nb = 0;
    let nt = 0;
    for (let s = 0; s < t; s++) {
      const x = ids[s]!;
      uni[x]!++;
      n++;
      if (t >= 1 && s >= 1 && ids[s - 1] === ids[t - 1]) {
        bi[x]!++;
        nb++;
        if (t >= 2 && s >= 2 && ids[s - 2] === ids[t - 2]) {
          tri[x]!++;
          nt++;
        }
      }
    }
    const max = (a: Int32Array) => a.reduce((m, c) => Math.max(m, c), 0);
    if (n > 0) {
      put(t, 0, entropyReplay(uni, n));
      put(t, 1, TR.div(TR.input(max(uni)), TR.input(n)));
      put(t, 5, TR.log(TR.add(ONE, TR.input(n))));
    }
    if (nb > 0) {
      put(t, 2, entropyReplay(bi, nb));
      put(t, 3, TR.div(TR.input(max(bi)), TR.input(nb)));
      put(t, 6, TR.log(TR.add(ONE, TR.input(nb))));
    }
    if (nt > 0) put(t, 4, TR.div(TR.input(max(tri)), TR.input(nt)));
  }
  return { v, e };
}

/** The GPU features [B, T, 7] of streams [B, T]. */
async function gpuFeatures(ids: Int32Array, B: number, T: number): Promise<Float32Array> {
  const tok = tensor(ids, [B, T], { dtype: "i32" });
  try {
    const f = noGrad(() => tidy(() => onlineCausalFeatures(tok)));
    try {
      return (await readTensors([f]))[0] as Float32Array;
    } finally {
      f.dispose();
    }
  } finally {
    tok.dispose();
  }
}

/** B = 3 streams of length T: random bytes, a period-7 phrase, a random block repeated. */
function streams(T: number, seed: number): Int32Array {
  const r = new Rng(seed);
  const out = new Int32Array(3 * T);
  const block = Int32Array.from({ length: 23 }, () => r.int(256));
  for (let t = 0; t < T; t++) {
    out[t] = r.int(256);
    out[T + t] = 97 + (t % 7);
    out[2 * T + t] = block[t % block.length]!;
  }
  return out;
}

const FEATURE_LENGTHS = [1, 2, 3, 37, 300] as const;

claimTest(OCM_GPU_PARITY, async (t) => {
  const m = await differential<number>(t, {
    cases: FEATURE_LENGTHS.map((T) => ({ name: `B = 3, T = ${T}`, input: T })),
    gpu: async (T) => ({ features: await gpuFeatures(streams(T, 100 + T), 3, T) }),
    oracle: (T) => {
      const ids = streams(T, 100 + T);
      const out = new Float64Array(3 * T * F7);
      for (let b = 0; b < 3; b++) {
        out.set(OnlineCausalMemory.trace(ids.subarray(b * T, (b + 1) * T)), b * T * F7);
      }
      return { features: out };
    },
    bound: (T) => {
      const ids = streams(T, 100 + T);
      const e = new Float64Array(3 * T * F7);
      for (let b = 0; b < 3; b++) {
        const r = featureReplay(ids.subarray(b * T, (b + 1) * T));
        const trace = OnlineCausalMemory.trace(ids.subarray(b * T, (b + 1) * T));
        // The replay's exact values must be the trace's, or the bound belongs elsewhere.
        r.v.forEach((x, i) => {
          if (!(Math.abs(x - trace[i]!) <= 1e-12 * (1 + Math.abs(x)))) {
            throw new Error(`Cannot bound feature ${i % F7} at row ${i / F7 | 0}: replay ${x}`);
          }
        });
        e.set(r.e.map((x) => x * BYTE_LM_REFERENCE_FACTOR), b * T * F7);
      }
      return { features: e };
    },
  });
  // Control: one token changed at 150 moves the rows after it (the comparison can see a change).
  const T = 300;
  const ids = streams(T, 100 + T);
  const moved = Int32Array.from(ids);
  moved[150] = (moved[150]! + 1) % 256;
  const [a, b] = [await gpuFeatures(ids, 3, T), await gpuFeatures(moved, 3, T)];
  let after = 0;
  for (let i = 151 * F7; i < T * F7; i++) after = Math.max(after, Math.abs(a[i]! - b[i]!));
  const detail = `${m.detail}; control: one token changed at t = 150 moves later rows by ` +
    `${after.toExponential(2)}`;
  console.log(`memory.gpu_parity_online_features: ${formatFigure(m.figure)}; ${detail}`);
  return {
    ...m,
    pass: m.pass && after > 0,
    parts: [{ name: "control rows moved", figure: after > 0 ? 1 : 0, bound: 1, direction: "==" }],
    detail,
  };
});

claimTest(OCM_GPU_CAUSAL, async () => {
  const T = 40;
  const B = 2;
  const r = new Rng(77);
  const ids = Int32Array.from({ length: B * T }, () => 97 + r.int(5));
  const base = await gpuFeatures(ids, B, T);
  let before = 0;
  const unmoved: number[] = [];
  for (const t0 of [0, 17, 38]) {
    const moved = Int32Array.from(ids);
    for (let b = 0; b < B; b++) {
      for (let t = t0; t < T; t++) moved[b * T + t] = (ids[b * T + t]! + 1 + r.int(200)) % 256;
    }
    const f = await gpuFeatures(moved, B, T);
    let after = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let k = 0; k < F7; k++) {
          const i = (b * T + t) * F7 + k;
          const d = Math.abs(f[i]! - base[i]!);
          if (t <= t0) before = Math.max(before, d);
          else after = Math.max(after, d);
        }
      }
    }
    if (!(after > 0)) unmoved.push(t0);
  }
  return {
    figure: before,
    bound: 0,
    pass: before === 0 && unmoved.length === 0,
    parts: [{
      name: "t0 with no later row moved",
      figure: unmoved.length,
      bound: 0,
      direction: "==",
    }],
    detail: `T = ${T}, B = ${B}, tokens >= t0 replaced for t0 in {0, 17, 38}; ` +
      `unmoved after t0: [${unmoved.join(", ")}]`,
  };
});

// ------------------------------------------------------------------ the LM, staged parity

type Kind = "ngram" | "exact_context" | "statistical_backoff";

const MEM_CASES: readonly LMCase[] = [
  { name: "ngram, mlp, frozen", config: pathCase("frozen", { memoryKind: "ngram" }), seed: 71 },
  {
    name: "exact_context, routed (2), gated_retention",
    config: pathCase("gated_retention", {
      memoryKind: "exact_context",
      readoutKind: "routed_sqrelu_experts",
      readoutExperts: 2,
    }),
    seed: 72,
  },
  {
    name: "statistical_backoff, mlp, learned_recurrence",
    config: pathCase("learned_recurrence", { memoryKind: "statistical_backoff" }),
    seed: 73,
  },
];

const MEM_T = 12;

/** The model's memory residual, op for op (byte_lm.ts #withMemory), on its own u = [S, x]. */
function residualU(lm: CausalBankLM, tok: Tensor): { u: Tensor; f: Tensor } {
  const p = (n: string) => lm.parameters.get(n)!;
  const xe = lm.embed(tok);
  const f = onlineCausalFeatures(tok);
  const proj = add(matmul(f, p("memory_w")), p("memory_b"));
  return { u: add(concat([lm.states(xe), xe], 2), mul(proj, sigmoid(p("memory_gate")))), f };
}

interface MemRun {
  values: Record<string, Float64Array>;
  batch: ByteLMBatch;
  f: Float32Array;
  u: Float32Array;
  lin: Float32Array;
  local: Float32Array;
  localIn: Float32Array;
  logits: Float32Array;
  /** ∂L/∂u of the readouts on the GPU's u, and the model's memory gradients. */
  dU: Float32Array;
  grads: Record<string, Float32Array>;
}

const runs = new Map<string, Promise<MemRun>>();

function memRun(cs: LMCase): Promise<MemRun> {
  let p = runs.get(cs.name);
  if (p !== undefined) return p;
  p = (async () => {
    const c = cs.config;
    const batch = caseBatch(cs.seed, 2, MEM_T);
    const { B, T } = batch;
    const N = B * T;
    const E = c.embeddingDim;
    const W = c.localWindow;
    const lm = new CausalBankLM(lmConfigOf(c, cs.seed));
    const made: Tensor[] = [];
    try {
      const mods = lm.readoutModules!;
      const values = await seedModel(lm, cs.config, cs.seed);
      const tok = tensor(batch.tokens, [B, T], { dtype: "i32" });
      const tgt = tensor(batch.targets, [B, T], { dtype: "i32" });
      made.push(tok, tgt);
      const [logits, u, f] = noGrad(() =>
        tidy(() => {
          const r = residualU(lm, tok);
          return [lm.forward(tok), r.u, r.f];
        })
      );
      made.push(logits!, u!, f!);
      const [lv, uv, fv] = await readTensors([logits!, u!, f!]);
      const F = uv!.length / N;
      const ids = windowIds(batch, W);
      const localIn = new Float32Array(N * W * E);
      ids.forEach((id, i) => {
        if (id >= 0) {
          for (let d = 0; d < E; d++) localIn[i * E + d] = values.embedding![id * E + d]!;
        }
      });
      const uLeaf = tensor(uv!, [B, T, F], { requiresGrad: true });
      const win = tensor(localIn, [B, T, W * E]);
      made.push(uLeaf, win);
      const emb = lm.parameters.get("embedding")!;
      // The model's readouts, additive mix and loss, op for op, on the leaf u.
      const [linL, locL, l] = tidy(() => {
        const lin = mods.linear.forward(uLeaf, { embedding: emb }).logits;
        const loc = mods.local!.forward(win).logits;
        const lg = add(lin, mul(loc, lm.buffers.get("local_scale")!));
        const loss = crossEntropy(reshape(lg, [N, V]), reshape(tgt, [N]));
        backward(loss);
        return [lin, loc, loss];
      });
      made.push(linL!, locL!, l!);
      const [linv, locv, dU] = await readTensors([linL!, locL!, uLeaf.grad!]);
      for (const t of lm.parameters.values()) {
        t.grad?.dispose();
        t.grad = null;
      }
      made.push(tidy(() => {
        const loss = lm.loss(tok, tgt);
        backward(loss);
        return loss;
      }));
      const names = ["memory_w", "memory_b", "memory_gate"];
      const gr = await readTensors(names.map((n) => lm.parameters.get(n)!.grad!));
      for (const t of lm.parameters.values()) {
        t.grad?.dispose();
        t.grad = null;
      }
      return {
        values,
        batch,
        f: fv as Float32Array,
        u: uv as Float32Array,
        lin: linv as Float32Array,
        local: locv as Float32Array,
        localIn,
        logits: lv as Float32Array,
        dU: dU as Float32Array,
        grads: Object.fromEntries(names.map((n, i) => [n, gr[i] as Float32Array])),
      };
    } finally {
      for (const t of made) t.dispose();
      lm.dispose();
    }
  })();
  runs.set(cs.name, p);
  return p;
}

/** The tracked σ(g): the unary kernel's 1/(1 + exp(−g)). */
function sigmoidTracked(g: number): Tracked {
  return TR.div(ONE, TR.add(ONE, TR.exp(TR.neg(TR.input(g)))));
}

/** Tracked projection f W + b [N, F] (the 7-term matmul's γ₇ on the computed features). */
function projTracked(
  f: { v: Float64Array; e: Float64Array },
  w: Float64Array,
  b: Float64Array,
  N: number,
  F: number,
): { v: Float64Array; e: Float64Array } {
  const v = new Float64Array(N * F);
  const e = new Float64Array(N * F);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < F; j++) {
      let dv = 0;
      let prop = 0;
      let mag = 0;
      for (let k = 0; k < F7; k++) {
        const fv = f.v[n * F7 + k]!;
        const fe = f.e[n * F7 + k]!;
        const wk = w[k * F + j]!;
        dv += fv * wk;
        prop += fe * Math.abs(wk);
        mag += (Math.abs(fv) + fe) * Math.abs(wk);
      }
      const dot = { v: dv, e: prop + gamma32(F7) * mag + 2 * F7 * F32_MIN_NORMAL };
      const pr = TR.add(dot, TR.input(b[j]!));
      v[n * F + j] = pr.v;
      e[n * F + j] = pr.e;
    }
  }
  return { v, e };
}

/** The features' replay of a batch [B, T] (rows of every stream). */
function batchReplay(batch: ByteLMBatch): { v: Float64Array; e: Float64Array } {
  const { B, T } = batch;
  const v = new Float64Array(B * T * F7);
  const e = new Float64Array(B * T * F7);
  for (let b = 0; b < B; b++) {
    const r = featureReplay(batch.tokens.subarray(b * T, (b + 1) * T));
    v.set(r.v, b * T * F7);
    e.set(r.e, b * T * F7);
  }
  return { v, e };
}

interface Stages {
  gpu: Record<string, ArrayLike<number>>;
  oracle: Record<string, ArrayLike<number>>;
  bound: Record<string, ArrayLike<number>>;
}

async function stages(cs: LMCase): Promise<Stages> {
  const c = cs.config;
  const g = await memRun(cs);
  const { B, T } = g.batch;
  const N = B * T;
  const E = c.embeddingDim;
  const W = c.localWindow;
  const F = g.u.length / N;
  const trace = byteLMForward(c, g.values, g.batch);
  const walk = byteLMBounds(c, g.values, g.batch);
  const mem = memoryResidualOracle(g.values, g.batch, F);
  const fr = batchReplay(g.batch);
  const proj = projTracked(fr, g.values.memory_w!, g.values.memory_b!, N, F);
  const sig = sigmoidTracked(g.values.memory_gate![0]!);
  const uBound = new Float64Array(N * F);
  for (let i = 0; i < N * F; i++) {
    const base = { v: walk.features.v[i]!, e: walk.features.e[i]! };
    const r = TR.mul({ v: proj.v[i]!, e: proj.e[i]! }, sig);
    uBound[i] = TR.add(base, r).e;
  }
  const scaled = (e: ArrayLike<number>) =>
    Float64Array.from(e, (x) => x * BYTE_LM_REFERENCE_FACTOR);
  const spec = linearReadoutSpec(c);
  const emb = g.values.embedding!;
  const dims = { B, T, F, V };
  const lin = oracleReadout(spec, g.values, "readout", Float64Array.from(g.u), dims, emb);
  const linB = readoutBounds(spec, g.values, "readout", g.u, dims, emb);
  const localSpec = { kind: "mlp" as const, hidden: [c.localHidden] };
  const localDims = { B, T, F: W * E, V };
  const loc = oracleReadout(localSpec, g.values, "local", Float64Array.from(g.localIn), localDims);
  const locB = readoutBounds(localSpec, g.values, "local", g.localIn, localDims);
  const s = TR.uniform(c.localScale);
  const mixed = Float64Array.from(g.lin, (l, i) => l + c.localScale * g.local[i]!);
  const mixB = Float64Array.from(
    g.lin,
    (l, i) => TR.add(TR.input(l), TR.mul(TR.input(g.local[i]!), s)).e,
  );
  return {
    gpu: { features: g.f, u: g.u, lin: g.lin, local: g.local, logits: g.logits },
    oracle: {
      features: mem.features,
      u: trace.readout!.features,
      lin: lin.logits,
      local: loc.logits,
      logits: mixed,
    },
    bound: {
      features: scaled(fr.e),
      u: scaled(uBound),
      lin: scaled(linB.logits.e),
      local: scaled(locB.logits.e),
      logits: scaled(mixB),
    },
  };
}

const stageRuns = new Map<string, Promise<Stages>>();
function staged(cs: LMCase): Promise<Stages> {
  let p = stageRuns.get(cs.name);
  if (p === undefined) stageRuns.set(cs.name, p = stages(cs));
  return p;
}

claimTest(MEMORY_LM_GPU_PARITY, async (t) => {
  const m = await differential<LMCase>(t, {
    cases: MEM_CASES.map((cs) => ({ name: cs.name, input: cs })),
    gpu: async (cs) => (await staged(cs)).gpu,
    oracle: async (cs) => (await staged(cs)).oracle,
    bound: async (cs) => (await staged(cs)).bound,
  });
  console.log(`byte_lm.gpu_parity_memory: worst ratio ${formatFigure(m.figure)}; ${m.detail}`);
  return m;
});

// ------------------------------------------------------------------ gradients

async function gradStages(cs: LMCase): Promise<Stages> {
  const g = await memRun(cs);
  const { B, T } = g.batch;
  const N = B * T;
  const F = g.u.length / N;
  const fr = batchReplay(g.batch);
  const proj = projTracked(fr, g.values.memory_w!, g.values.memory_b!, N, F);
  const sv = g.values.memory_gate![0]!;
  const sig = sigmoidTracked(sv);
  // Oracle: ∂proj = σ ∂u; ∂W = fᵀ ∂proj; ∂b = Σ_n ∂proj; ∂g = σ(1 − σ) Σ ∂u ⊙ proj.
  const dW = new Float64Array(F7 * F);
  const dWe = new Float64Array(F7 * F);
  const db = new Float64Array(F);
  const dbe = new Float64Array(F);
  const dpV = new Float64Array(N * F);
  const dpE = new Float64Array(N * F);
  let dsV = 0;
  let dsAbs = 0;
  let dsErr = 0;
  for (let i = 0; i < N * F; i++) {
    const dp = TR.mul(TR.input(g.dU[i]!), sig);
    dpV[i] = dp.v;
    dpE[i] = dp.e;
    const term = TR.mul(TR.input(g.dU[i]!), { v: proj.v[i]!, e: proj.e[i]! });
    dsV += term.v;
    dsAbs += Math.abs(term.v);
    dsErr += term.e;
  }
  for (let j = 0; j < F; j++) {
    let v = 0;
    let a = 0;
    let er = 0;
    for (let n = 0; n < N; n++) {
      v += dpV[n * F + j]!;
      a += Math.abs(dpV[n * F + j]!);
      er += dpE[n * F + j]!;
    }
    db[j] = v;
    dbe[j] = sequentialSumError(N, a, er);
    for (let k = 0; k < F7; k++) {
      let w = 0;
      let prop = 0;
      let mag = 0;
      for (let n = 0; n < N; n++) {
        const fv = fr.v[n * F7 + k]!;
        const fe = fr.e[n * F7 + k]!;
        const pv = dpV[n * F + j]!;
        const pe = dpE[n * F + j]!;
        w += fv * pv;
        prop += Math.abs(fv) * pe + fe * Math.abs(pv) + fe * pe;
        mag += (Math.abs(fv) + fe) * (Math.abs(pv) + pe);
      }
      dW[k * F + j] = w;
      dWe[k * F + j] = prop + gamma32(N) * mag + 2 * N * F32_MIN_NORMAL;
    }
  }
  const ds = { v: dsV, e: sequentialSumError(N * F, dsAbs, dsErr) };
  const dg = TR.mul(TR.mul(ds, sig), TR.sub(ONE, sig));
  // The oracle's backward from the same ∂L/∂u; the walk's exact values must be its values.
  const o = memoryResidualBackward(memoryResidualOracle(g.values, g.batch, F), g.dU);
  const walk: Record<string, ArrayLike<number>> = {
    memory_w: dW,
    memory_b: db,
    memory_gate: [dg.v],
  };
  for (const [n, ov] of Object.entries(o)) {
    ov.forEach((x, i) => {
      const w = walk[n]![i]!;
      if (!(Math.abs(x - w) <= 1e-9 * (1 + Math.abs(x)))) {
        throw new Error(`Cannot bound ${cs.name} ∂L/∂${n}[${i}]: walk ${w} vs oracle ${x}`);
      }
    });
  }
  const sc = (e: ArrayLike<number>) => Float64Array.from(e, (x) => x * BYTE_LM_REFERENCE_FACTOR);
  return {
    gpu: g.grads,
    oracle: o,
    bound: { memory_w: sc(dWe), memory_b: sc(dbe), memory_gate: [dg.e * BYTE_LM_REFERENCE_FACTOR] },
  };
}

claimTest(MEMORY_LM_GPU_GRADIENTS, async (t) => {
  const m = await differential<LMCase>(t, {
    cases: MEM_CASES.map((cs) => ({ name: cs.name, input: cs })),
    gpu: async (cs) => (await gradStages(cs)).gpu,
    oracle: async (cs) => (await gradStages(cs)).oracle,
    bound: async (cs) => (await gradStages(cs)).bound,
  });
  const zero: string[] = [];
  for (const cs of MEM_CASES) {
    const g = (await memRun(cs)).grads;
    for (const [n, v] of Object.entries(g)) {
      if (v.every((x) => x === 0)) zero.push(`${cs.name}:${n}`);
    }
  }
  const detail = `${m.detail}; all-zero gradients: [${zero.join(", ")}]`;
  console.log(`byte_lm.gpu_gradients_memory: worst ratio ${formatFigure(m.figure)}; ${detail}`);
  return {
    ...m,
    pass: m.pass && zero.length === 0,
    parts: [{ name: "all-zero memory gradients", figure: zero.length, bound: 0, direction: "==" }],
    detail,
  };
});

// ------------------------------------------------------------------ causality

/** Small widths of the LM claims below (scan chunk 16 < T = 40). */
const SMALL: Partial<CausalBankLMConfig> = {
  embeddingDim: 8,
  linearModes: 16,
  readoutHidden: 12,
  localHidden: 8,
  localWindow: 3,
  stateDim: 8,
  numHeads: 2,
  scanChunk: 16,
  maxSeqLen: 64,
  seed: 5,
};

async function logitsOf(
  config: Partial<CausalBankLMConfig>,
  ids: Int32Array,
  B: number,
  T: number,
): Promise<Float32Array> {
  const lm = new CausalBankLM({ ...SMALL, ...config });
  const tok = tensor(ids, [B, T], { dtype: "i32" });
  try {
    const l = noGrad(() => tidy(() => lm.forward(tok)));
    try {
      return (await readTensors([l]))[0] as Float32Array;
    } finally {
      l.dispose();
    }
  } finally {
    tok.dispose();
    lm.dispose();
  }
}

const CAUSAL_CONFIGS: { name: string; config: Partial<CausalBankLMConfig> }[] = [
  { name: "ngram, frozen", config: { memoryKind: "ngram" } },
  {
    name: "exact_context, gated_retention, routed",
    config: {
      memoryKind: "exact_context",
      substrate: "gated_retention",
      readoutKind: "routed_sqrelu_experts",
    },
  },
  {
    name: "statistical_backoff, learned_recurrence, poly 2",
    config: {
      memoryKind: "statistical_backoff",
      substrate: "learned_recurrence",
      substratePolyOrder: 2,
    },
  },
];

claimTest(MEMORY_LM_CAUSAL, async () => {
  const B = 2;
  const T = 40;
  const T0 = 33;
  const r = new Rng(505);
  // A small alphabet: the memory's rows repeat, so its features move with the impulse.
  const ids = Int32Array.from({ length: B * T }, () => 97 + r.int(6));
  const moved = Int32Array.from(ids);
  for (let b = 0; b < B; b++) moved[b * T + T0] = (ids[b * T + T0]! + 7) % 256;
  let before = 0;
  const unchanged: string[] = [];
  for (const k of CAUSAL_CONFIGS) {
    const [x, y] = [await logitsOf(k.config, ids, B, T), await logitsOf(k.config, moved, B, T)];
    let atT0 = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t <= T0; t++) {
        for (let v = 0; v < V; v++) {
          const i = (b * T + t) * V + v;
          const d = Math.abs(x[i]! - y[i]!);
          if (t < T0) before = Math.max(before, d);
          else atT0 = Math.max(atT0, d);
        }
      }
    }
    if (!(atT0 > 0)) unchanged.push(k.name);
  }
  return {
    figure: before,
    bound: 0,
    pass: before === 0 && unchanged.length === 0,
    parts: [{
      name: "configs unchanged at t0",
      figure: unchanged.length,
      bound: 0,
      direction: "==",
    }],
    detail: `${CAUSAL_CONFIGS.length} configurations at T = ${T}, t0 = ${T0}, scan chunk 16; ` +
      `unchanged at t0: [${unchanged.join(", ")}]`,
  };
});

// ------------------------------------------------------------------ divergences

/** The smallest non-zero f32 difference. */
const F32_TINY = 2 ** -149;

claimTest(MEMORY_LM_ACTIVE_AT_INIT, async () => {
  const B = 2;
  const T = 20;
  const r = new Rng(606);
  const ids = Int32Array.from({ length: B * T }, () => 97 + r.int(6));
  // Both on the readout path (tied_recursive), so they share every other parameter.
  const common = { readoutKind: "tied_recursive" } as const;
  const none = await logitsOf({ ...common, memoryKind: "none" }, ids, B, T);
  const ngram = await logitsOf({ ...common, memoryKind: "ngram" }, ids, B, T);
  let d = 0;
  none.forEach((x, i) => (d = Math.max(d, Math.abs(x - ngram[i]!))));
  // The shared parameters are the same values: the logits differ by the residual only.
  const a = new CausalBankLM({ ...SMALL, ...common });
  const b = new CausalBankLM({ ...SMALL, ...common, memoryKind: "ngram" });
  let differing = 0;
  try {
    const names = [...a.parameters.keys()];
    const [ra, rb] = [
      await readTensors(names.map((n) => a.parameters.get(n)!)),
      await readTensors(names.map((n) => b.parameters.get(n)!)),
    ];
    ra.forEach((v, i) => v!.forEach((x, j) => (differing += x === rb[i]![j] ? 0 : 1)));
    const gate = (await readTensors([b.parameters.get("memory_gate")!]))[0]![0];
    if (gate !== 0) differing++;
  } finally {
    a.dispose();
    b.dispose();
  }
  return {
    figure: d,
    bound: F32_TINY,
    pass: d >= F32_TINY && differing === 0,
    parts: [{
      name: "differing shared values (or gate != 0)",
      figure: differing,
      bound: 0,
      direction: "==",
    }],
    detail: `max |logits(ngram) − logits(none)| ${d.toExponential(3)} at init (gate 0, σ = 0.5), ` +
      `T = ${T}, B = ${B}; shared parameters differing: ${differing}`,
  };
});

claimTest(MEMORY_LM_POLY_WIDTH, async () => {
  const B = 2;
  const T = 10;
  const r = new Rng(707);
  const ids = Int32Array.from({ length: B * T }, () => 97 + r.int(6));
  const bad: string[] = [];
  const widths: string[] = [];
  for (const order of [2, 3]) {
    const config = { ...SMALL, substratePolyOrder: order, memoryKind: "ngram" } as const;
    const lm = new CausalBankLM(config);
    const M = SMALL.linearModes!;
    const E = SMALL.embeddingDim!;
    const d = Math.min(64, Math.floor(M / 4));
    const F = M + E + (d * (d + 1)) / 2 + (order === 3 ? d : 0);
    const shape = lm.parameters.get("memory_w")!.shape.join(",");
    lm.dispose();
    widths.push(`order ${order}: memory_w [${shape}], M + E = ${M + E}`);
    if (shape !== `7,${F}`) bad.push(`order ${order} width`);
    const l = await logitsOf(config, ids, B, T);
    if (l.length !== B * T * V || !l.every(Number.isFinite)) bad.push(`order ${order} logits`);
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: `${widths.join("; ")}; failures: [${bad.join(", ")}]`,
  };
});

claimTest(MEMORY_LM_EXACT_CONTEXT, async () => {
  const r = new Rng(808);
  const block = Array.from({ length: 9 }, () => 97 + r.int(4));
  const text = Array.from({ length: 400 }, (_, i) => i % 3 === 0 ? 97 + r.int(4) : block[i % 9]!);
  let dHost = 0;
  // Exact contexts, and the original's hashing into 8192 buckets (where its shared table fails).
  for (const buckets of [undefined, 8192]) {
    const t3 = OnlineCausalMemory.trace(text, { maxOrder: 3, ...(buckets ? { buckets } : {}) });
    const t4 = OnlineCausalMemory.trace(text, { maxOrder: 4, ...(buckets ? { buckets } : {}) });
    t3.forEach((x, i) => (dHost = Math.max(dHost, Math.abs(x - t4[i]!))));
  }
  const B = 2;
  const T = 30;
  const ids = Int32Array.from(text.slice(0, B * T));
  const [a, b] = [
    await logitsOf({ memoryKind: "ngram" }, ids, B, T),
    await logitsOf({ memoryKind: "exact_context" }, ids, B, T),
  ];
  let dLm = 0;
  a.forEach((x, i) => (dLm = Math.max(dLm, Math.abs(x - b[i]!))));
  return {
    figure: dHost,
    bound: 0,
    pass: dHost === 0 && dLm === 0,
    parts: [{
      name: "max |logits(exact_context) − logits(ngram)|",
      figure: dLm,
      bound: 0,
      direction: "==",
    }],
    detail: `host traces maxOrder 4 vs 3 over ${text.length} tokens (exact and 8192 buckets): ` +
      `max |Δ| ${dHost}; LM logits ` +
      `exact_context vs ngram (T = ${T}, B = ${B}): max |Δ| ${dLm}`,
  };
});

// ------------------------------------------------------------------ refusals

claimTest(MEMORY_LM_FAULTS, () => {
  const failures: string[] = [];
  const expect = (name: string, type: typeof TypeError, words: string[], fn: () => unknown) => {
    const before = liveBufferCount();
    try {
      fn();
      failures.push(`${name}: no error`);
    } catch (e) {
      if (!(e instanceof type)) failures.push(`${name}: ${(e as Error).name}`);
      else {
        const missing = words.filter((w) => !(e as Error).message.includes(w));
        if (missing.length > 0) failures.push(`${name}: message lacks ${missing.join(", ")}`);
      }
    }
    if (liveBufferCount() !== before) failures.push(`${name}: leaked a buffer`);
  };
  const cfg = (c: Record<string, unknown>) => c as Partial<CausalBankLMConfig>;
  expect(
    "unknown kind",
    RangeError,
    ["memoryKind", "bogus"],
    () => new CausalBankLM(cfg({ ...SMALL, memoryKind: "bogus" })),
  );
  expect(
    "mistyped kind",
    TypeError,
    ["memoryKind"],
    () => new CausalBankLM(cfg({ ...SMALL, memoryKind: 3 })),
  );
  expect(
    "kind with bands",
    RangeError,
    ["memoryKind", "readoutBands"],
    () => new CausalBankLM({ ...SMALL, memoryKind: "ngram", readoutBands: 2 }),
  );
  const lm = new CausalBankLM({ ...SMALL, memoryKind: "ngram" });
  const x = tensor(new Float32Array(2 * 3 * 8), [2, 3, 8]);
  const f32 = tensor(new Float32Array(6), [2, 3]);
  const rank1 = tensor(new Int32Array(3), [3], { dtype: "i32" });
  try {
    expect(
      "forwardEmbeds with a memory",
      RangeError,
      ["memoryKind", "forwardEmbeds"],
      () => tidy(() => lm.forwardEmbeds(x)),
    );
    expect("f32 tokens", TypeError, ["tokens", "i32"], () => onlineCausalFeatures(f32));
    expect("rank-1 tokens", TypeError, ["tokens", "[B, T]"], () => onlineCausalFeatures(rank1));
    expect(
      "not a tensor",
      TypeError,
      ["tokens"],
      () => onlineCausalFeatures("abc" as unknown as Tensor),
    );
  } finally {
    for (const t of [x, f32, rank1]) t.dispose();
    lm.dispose();
  }
  const long = tensor(new Int32Array(40000), [1, 40000], { dtype: "i32" });
  try {
    expect(
      "T past the kernel's limit",
      RangeError,
      ["T <= 32768", "[1, 40000]"],
      () => onlineCausalFeatures(long),
    );
  } finally {
    long.dispose();
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `8 cases; failures: [${failures.join("; ")}]`,
  };
});

// ------------------------------------------------------------------ the oracle's backward

claimTest(MEMORY_LM_ORACLE_GRADCHECK, () => {
  const B = 2;
  const T = 9;
  const F = 5;
  const r = new Rng(909);
  const tokens = Int32Array.from({ length: B * T }, () => 97 + r.int(3));
  const batch = { B, T, tokens };
  const N = B * T;
  const values: Record<string, Float64Array> = {
    memory_w: Float64Array.from({ length: F7 * F }, () => r.uniformIn(-1, 1)),
    memory_b: Float64Array.from({ length: F }, () => r.uniformIn(-1, 1)),
    memory_gate: Float64Array.of(r.uniformIn(-1, 1)),
  };
  const dU = Float64Array.from({ length: N * F }, () => r.uniformIn(-1, 1));
  const loss = (v: Record<string, Float64Array>) =>
    memoryResidualOracle(v, batch, F).residual.reduce((a, x, i) => a + x * dU[i]!, 0);
  const analytic = memoryResidualBackward(memoryResidualOracle(values, batch, F), dU);
  const h = 1e-6;
  let worst = 0;
  let where = "";
  for (const [name, grad] of Object.entries(analytic)) {
    const p = values[name]!;
    for (let i = 0; i < p.length; i++) {
      const x0 = p[i]!;
      p[i] = x0 + h;
      const up = loss(values);
      p[i] = x0 - h;
      const down = loss(values);
      p[i] = x0;
      const num = (up - down) / (2 * h);
      const a = grad[i]!;
      const rel = Math.abs(a - num) / Math.max(Math.abs(a), Math.abs(num), 1);
      if (rel > worst) [worst, where] = [rel, `${name}[${i}]`];
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `B = ${B}, T = ${T}, F = ${F}, h = ${h}; worst at ${where}`,
  };
});

// ------------------------------------------------------------------ ids outside the bytes

claimTest(OCM_GPU_INVALID_IDS, async () => {
  const B = 2;
  const T = 30;
  const r = new Rng(1001);
  const base = Int32Array.from({ length: B * T }, () => 97 + r.int(3));
  const at = [3, 4, 11, 20, 35, 50];
  const put = (v: number) => {
    const ids = Int32Array.from(base);
    for (const i of at) ids[i] = v;
    return ids;
  };
  const [high, neg, byte] = [
    await gpuFeatures(put(97 + 256), B, T),
    await gpuFeatures(put(-5), B, T),
    await gpuFeatures(put(97), B, T),
  ];
  let d = 0;
  let differing = 0;
  high.forEach((x, i) => {
    d = Math.max(d, Math.abs(x - neg[i]!));
    if (x !== byte[i]) differing++;
  });
  return {
    figure: d,
    bound: 0,
    pass: d === 0 && differing > 0,
    parts: [{
      name: "values differing from the byte 97 (control)",
      figure: differing,
      bound: 1,
      direction: ">=",
    }],
    detail: `B = ${B}, T = ${T}, ids at [${at.join(", ")}]: max |f(353) − f(−5)| ${d}; ` +
      `${differing} values differ from the stream with 97 there`,
  };
});
