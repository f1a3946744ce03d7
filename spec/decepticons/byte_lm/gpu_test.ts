/**
 * The byte LM on the GPU against its f64 oracle: logits and loss
 * (decepticons.byte_lm.gpu_parity) and every trainable parameter's gradient
 * (decepticons.byte_lm.gpu_gradients), for each substrate (and both scan forms
 * of the recurrent ones) as named cases.
 *
 * Each case builds a tiny {@link CausalBankLM}, writes seeded f32 values into
 * its trainable parameters (so gates and GELUs leave their linear range and the
 * gate weights are not zero as at init), reads every parameter and fixed tensor
 * back, and runs forward, loss and backward on a fixed batch. The oracle sees
 * exactly those f32 values (the frozen bank's decays come from the spec's own
 * causal-bank oracle). Bounds: spec/decepticons/byte_lm/_bounds.ts.
 *
 * @module
 */
import {
  backward,
  gpu,
  initGpu,
  noGrad,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { CausalBankLM } from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { BYTE_LM_REFERENCE_FACTOR } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure, type Measurement } from "../../_harness/claim.ts";
import { type Bounds, differential, type Outputs } from "../../_harness/differential.ts";
import {
  byteLMBackward,
  type ByteLMBatch,
  byteLMForward,
  byteLMTrainableNames,
} from "../../oracle/decepticons/byte_lm.ts";
import { type ByteLMBounds, byteLMBounds, type TA } from "./_bounds.ts";
import {
  caseBatch,
  caseDecays,
  caseValues,
  headLayout,
  joinHeads,
  LM_CASES,
  type LMCase,
  splitHeads,
} from "./_cases.ts";
import { fastHeadCount } from "../../../impl/decepticons/causal_bank/hemispheres.ts";
import { BYTE_LM_GPU_GRADIENTS, BYTE_LM_GPU_PARITY } from "./claims.ts";

await initGpu();

/** One case run on the GPU, with the oracle and the bounds on the same values. */
interface Run {
  gpu: { logits: Float32Array; loss: number; grads: Record<string, Float32Array> };
  oracle: { logits: Float64Array; loss: number; grads: Record<string, Float64Array> };
  bounds: ByteLMBounds;
}

async function runGpu(cs: LMCase, batch: ByteLMBatch) {
  const c = cs.config;
  const lm = new CausalBankLM({
    substrate: c.substrate,
    embeddingDim: c.embeddingDim,
    linearModes: c.linearModes,
    stateDim: c.stateDim,
    numHeads: c.numHeads,
    readoutHidden: c.readoutHidden,
    localWindow: c.localWindow,
    localHidden: c.localHidden,
    localScale: c.localScale,
    halfLifeMin: 1.5,
    halfLifeMax: 64,
    scanMethod: c.scanMethod,
    scanChunk: c.scanChunk,
    maxSeqLen: 16,
    seed: cs.seed,
    numHemispheres: cs.hemispheres ?? 1,
    numBlocks: c.numBlocks ?? 1,
    staticBankGate: c.staticBankGate ?? false,
    substratePolyOrder: c.substratePolyOrder ?? 1,
    localPolyOrder: c.localPolyOrder ?? 1,
  });
  const f = cs.hemispheres === 2 ? fastHeadCount(c.numHeads, lm.config.fastHemisphereRatio) : 0;
  /** The case's value of a model tensor: a whole tensor, or a hemisphere's share of one. */
  const seededOf = (seeded: Record<string, Float64Array>, name: string) => {
    const m = /^(.*)_(fast|slow)$/.exec(name);
    if (m === null) return seeded[name];
    const whole = seeded[m[1]!];
    const layout = headLayout(m[1]!, c);
    if (whole === undefined || layout === null) return undefined;
    const parts = splitHeads(whole, layout, c.numHeads, f);
    return Float64Array.from(m[2] === "fast" ? parts.fast : parts.slow);
  };
  /** Fast and slow tensors (values or gradients) put back together under the whole name. */
  const joined = <A extends ArrayLike<number>>(named: Record<string, A>) => {
    const out: Record<string, ArrayLike<number>> = { ...named };
    for (const name of Object.keys(named)) {
      const m = /^(.*)_fast$/.exec(name);
      if (m === null) continue;
      const base = m[1]!;
      out[base] = joinHeads(
        named[name]!,
        named[`${base}_slow`]!,
        headLayout(base, c)!,
        c.numHeads,
        f,
      );
      delete out[name];
      delete out[`${base}_slow`];
    }
    return out;
  };
  const made: Tensor[] = [];
  try {
    const seeded = caseValues(c, cs.seed);
    for (const [name, p] of lm.parameters) {
      const v = seededOf(seeded, name);
      if (v === undefined || v.length !== p.size) {
        throw new TypeError(
          `Cannot seed parameter "${name}" [${p.shape.join(", ")}]: expected ${p.size} values ` +
            `but the case has ${v?.length ?? 0}`,
        );
      }
      gpu().device.queue.writeBuffer(p.buffer, 0, Float32Array.from(v));
    }
    const named = [...lm.parameters, ...lm.buffers];
    const read = await readTensors(named.map(([, t]) => t));
    const raw: Record<string, Float64Array> = {};
    named.forEach(([name], i) => (raw[name] = Float64Array.from(read[i]!)));
    for (const [name] of lm.parameters) {
      const want = Float32Array.from(seededOf(seeded, name)!);
      if (!raw[name]!.every((v, i) => v === want[i])) {
        throw new Error(`Cannot seed parameter "${name}": the read-back values differ`);
      }
    }
    const values = joined(raw) as Record<string, Float64Array>;
    // The bank's fixed decays (learnable_decays reads its own back with the parameters).
    if (c.substrate === "frozen" || c.substrate === "learnable_mixing") {
      values.decays = caseDecays(c.linearModes);
    }
    const tok = tensor(batch.tokens, [batch.B, batch.T], { dtype: "i32" });
    const tgt = tensor(batch.targets, [batch.B, batch.T], { dtype: "i32" });
    made.push(tok, tgt);
    const logits = noGrad(() => tidy(() => lm.forward(tok)));
    made.push(logits);
    const loss = tidy(() => {
      const l = lm.loss(tok, tgt);
      backward(l);
      return l;
    });
    made.push(loss);
    const params = [...lm.parameters];
    const out = await readTensors([logits, loss, ...params.map(([, p]) => p.grad!)]);
    const split: Record<string, Float32Array> = {};
    params.forEach(([name], i) => (split[name] = out[i + 2] as Float32Array));
    const grads = joined(split) as Record<string, Float32Array>;
    for (const [, p] of params) {
      p.grad?.dispose();
      p.grad = null;
    }
    return {
      values,
      gpu: { logits: out[0] as Float32Array, loss: out[1]![0]!, grads },
    };
  } finally {
    for (const t of made) t.dispose();
    lm.dispose();
  }
}

/**
 * The bounds walk computes its own exact values: they must be the oracle's (up to f64
 * rounding), or the bounds belong to some other computation.
 */
function checkInStep(what: string, walk: TA, oracle: ArrayLike<number>): void {
  for (let i = 0; i < oracle.length; i++) {
    const o = oracle[i]!;
    if (!(Math.abs(walk.v[i]! - o) <= 1e-9 * (1 + Math.abs(o)))) {
      throw new Error(
        `Cannot bound ${what}: the bounds walk's value ${walk.v[i]} at ${i} differs from the ` +
          `oracle's ${o}`,
      );
    }
  }
}

const runs = new Map<string, Promise<Run>>();

/** The case's run, shared by both claims when they run in one process. */
function run(cs: LMCase): Promise<Run> {
  let r = runs.get(cs.name);
  if (r === undefined) {
    r = (async () => {
      const batch = caseBatch(cs.seed);
      const { values, gpu: g } = await runGpu(cs, batch);
      const trace = byteLMForward(cs.config, values, batch);
      const { grads } = byteLMBackward(cs.config, values, batch, trace);
      const bounds = byteLMBounds(cs.config, values, batch);
      checkInStep(`${cs.name} logits`, bounds.logits, trace.logits);
      for (const n of byteLMTrainableNames(cs.config)) {
        checkInStep(`${cs.name} ∂L/∂${n}`, bounds.grads[n]!, grads[n]!);
      }
      return { gpu: g, oracle: { logits: trace.logits, loss: trace.loss, grads }, bounds };
    })();
    runs.set(cs.name, r);
  }
  return r;
}

const scaled = (e: Float64Array) => e.map((x) => x * BYTE_LM_REFERENCE_FACTOR);
const cases = LM_CASES.map((cs) => ({ name: cs.name, input: cs }));

/** Runs a differential claim and prints its worst ratio and where. */
async function reported(what: string, m: Promise<Measurement>): Promise<Measurement> {
  const r = await m;
  console.log(`byte_lm.${what}: worst ratio ${formatFigure(r.figure)}; ${r.detail}`);
  return r;
}

claimTest(BYTE_LM_GPU_PARITY, (t) =>
  reported(
    "gpu_parity",
    differential<LMCase>(t, {
      cases,
      gpu: async (cs): Promise<Outputs> => {
        const { gpu: g } = await run(cs);
        return { logits: g.logits, loss: [g.loss] };
      },
      oracle: async (cs): Promise<Outputs> => {
        const { oracle: o } = await run(cs);
        return { logits: o.logits, loss: [o.loss] };
      },
      bound: async (cs): Promise<Bounds> => {
        const { bounds: b } = await run(cs);
        return { logits: scaled(b.logits.e), loss: b.loss.e * BYTE_LM_REFERENCE_FACTOR };
      },
    }),
  ));

claimTest(BYTE_LM_GPU_GRADIENTS, (t) =>
  reported(
    "gpu_gradients",
    differential<LMCase>(t, {
      cases,
      gpu: async (cs): Promise<Outputs> => (await run(cs)).gpu.grads,
      oracle: async (cs): Promise<Outputs> => {
        const { oracle: o } = await run(cs);
        const out: Record<string, Float64Array> = {};
        for (const n of byteLMTrainableNames(cs.config)) out[n] = o.grads[n]!;
        return out;
      },
      bound: async (cs): Promise<Bounds> => {
        const { bounds: b } = await run(cs);
        const out: Record<string, Float64Array> = {};
        for (const n of byteLMTrainableNames(cs.config)) out[n] = scaled(b.grads[n]!.e);
        return out;
      },
    }),
  ));
