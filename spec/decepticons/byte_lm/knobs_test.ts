/**
 * The causal-bank knobs of the byte LM: the hemisphere tables and per-hemisphere learning
 * rates, stacked (strided) blocks on every substrate, the static gate applied once, polynomial
 * features, training noise, the substrate regulariser and the learnable substrates, against a
 * torch fixture (fixtures/gen/decepticons_knobs_fixtures.py), the f64 oracle
 * (spec/oracle/decepticons/byte_lm.ts) and exact properties. Sizes: E = 8, M = 16, V = 256,
 * T = 40 (longer than the scan chunk 16), B = 2.
 *
 * @module
 */
import {
  backward,
  gpu,
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
import {
  fastHeadCount,
  fastScanCount,
  retentionHemisphereLogits,
  scanHemisphereLogDecays,
} from "../../../impl/decepticons/causal_bank/hemispheres.ts";
import {
  localPathInputWidth,
  polyTerms,
  substrateReadoutInputWidth,
  triuSelectors,
} from "../../../impl/decepticons/causal_bank/poly_features.ts";
import {
  decayRegularizerValue,
  regularizerScale,
} from "../../../impl/decepticons/causal_bank/regularizer.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type SubFigure } from "../../_harness/claim.ts";
import { type EncodedArray, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  decayRegularizerOracle,
  frozenBlocksOracle,
  polyTermsOracle,
} from "../../oracle/decepticons/byte_lm.ts";
import {
  BYTE_LM_BLOCKS_ACT,
  BYTE_LM_HEMISPHERE_INIT,
  BYTE_LM_HEMISPHERE_LR,
  BYTE_LM_KNOBS_CAUSAL,
  BYTE_LM_KNOBS_FIXTURE,
  BYTE_LM_KNOBS_VALIDATION,
  BYTE_LM_LEARNABLE_SUBSTRATES,
  BYTE_LM_POLY_DIMS,
  BYTE_LM_REGULARIZER,
  BYTE_LM_STATIC_GATE_ONCE,
  BYTE_LM_TRAINING_NOISE,
} from "./claims.ts";

await initGpu();

/** The claims' sizes. */
const SMALL: Partial<CausalBankLMConfig> = {
  embeddingDim: 8,
  linearModes: 16,
  readoutHidden: 16,
  localWindow: 3,
  localHidden: 16,
  stateDim: 8,
  numHeads: 2,
  halfLifeMin: 1.5,
  halfLifeMax: 64,
  scanChunk: 16,
  maxSeqLen: 64,
  seed: 3,
};
const B = 2;
const T = 40;
const U32 = 2 ** -24;

/** Seeded bytes [rows, T]. */
function byteRows(rows: number, seed: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: rows * T }, () => 32 + r.int(90));
}

function ids(data: Int32Array, rows: number): Tensor {
  return tensor(data, [rows, T], { dtype: "i32" });
}

/** Logits [rows, T, 256] of a model on byte rows, read back. */
async function logitsOf(lm: CausalBankLM, data: Int32Array, rows: number): Promise<Float32Array> {
  const tok = ids(data, rows);
  try {
    const l = tidy(() => lm.forward(tok));
    const [v] = await readTensors([l]);
    l.dispose();
    return v as Float32Array;
  } finally {
    tok.dispose();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function writeParam(lm: CausalBankLM, name: string, data: Float32Array<ArrayBuffer>): void {
  const p = lm.parameters.get(name);
  if (p === undefined || p.size !== data.length) {
    throw new TypeError(`Cannot write parameter "${name}": expected ${p?.size} values`);
  }
  gpu().device.queue.writeBuffer(p.buffer, 0, data);
}

// ------------------------------------------------------------------ fixture

interface KnobsFixture {
  format: string;
  hemispheres: {
    scan: {
      size: number;
      ratio: number;
      hemispheres: number;
      logDecays: EncodedArray;
      decays: EncodedArray;
    }[];
    retention: {
      heads: number;
      ratio: number;
      hemispheres: number;
      fastHeads: number;
      logits: EncodedArray;
      gamma: EncodedArray;
    }[];
  };
  poly: {
    name: string;
    inputWidth: number;
    width: number;
    u: EncodedArray;
    proj: EncodedArray;
    bias: EncodedArray;
    z: EncodedArray;
    quadratic: EncodedArray;
    cubic: EncodedArray;
  }[];
  blocks: {
    T: number;
    modes: number;
    numBlocks: number;
    blockStride: number;
    decays: EncodedArray;
    drive: EncodedArray;
    blocks: Record<"w1" | "b1" | "w2" | "b2", EncodedArray>[];
    beta: number;
    gate: number;
    firstPass: EncodedArray;
    states: EncodedArray;
    gatedStates: EncodedArray;
  };
  regulariser: {
    decayCases: {
      name: string;
      decays: EncodedArray;
      value: number;
      gradient: EncodedArray;
      steps: { step: number; adaptive: number; fixed: number }[];
    }[];
    gateWeights: EncodedArray;
    gateValue: number;
  };
}

/** Worst |a − b| / (FIXTURE_F64_REL·max(1, |b|)) with the case where it happened. */
class Worst {
  ratio = 0;
  where = "";
  add(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
    if (got.length !== want.length) {
      throw new Error(`Cannot compare ${what}: ${got.length} values against ${want.length}`);
    }
    for (let i = 0; i < want.length; i++) {
      const r = Math.abs(got[i]! - want[i]!) / (FIXTURE_F64_REL * Math.max(1, Math.abs(want[i]!)));
      if (!(r <= this.ratio)) {
        this.ratio = Number.isNaN(r) ? Infinity : r;
        this.where = `${what}[${i}]`;
      }
    }
  }
}

claimTest(BYTE_LM_KNOBS_FIXTURE, async () => {
  const { data, integrity } = await loadPinnedJson<KnobsFixture>(
    "fixtures/decepticons/byte_lm_knobs.json",
    "memspec.decepticons.byte_lm_knobs.v1",
  );
  const w = new Worst();
  for (const c of data.hemispheres.scan) {
    const a = scanHemisphereLogDecays(c.size, c.hemispheres, c.ratio);
    const tag = `scan S ${c.size} n ${c.hemispheres}`;
    w.add(`${tag} A`, a, f64(c.logDecays, tag));
    w.add(`${tag} α`, a.map((x) => Math.exp(Math.min(x, -1e-6))), f64(c.decays, tag));
  }
  let countErrors = 0;
  for (const c of data.hemispheres.retention) {
    const l = retentionHemisphereLogits(c.heads, c.hemispheres, c.ratio);
    const tag = `retention H ${c.heads} n ${c.hemispheres}`;
    w.add(`${tag} ℓ`, l, f64(c.logits, tag));
    w.add(`${tag} γ`, l.map((x) => 1 / (1 + Math.exp(-x))), f64(c.gamma, tag));
    if (c.hemispheres === 2 && fastHeadCount(c.heads, c.ratio) !== c.fastHeads) countErrors++;
  }
  // Polynomial terms: the oracle on the shipped inputs, and the GPU on the f32 features.
  let gpuRatio = 0;
  let gpuWhere = "";
  for (const c of data.poly) {
    const u = f64(c.u, c.name);
    const p = f64(c.proj, c.name);
    const bias = f64(c.bias, c.name);
    const n = c.inputWidth;
    const d = c.width;
    const rows = u.length / n;
    const z = new Float64Array(rows * d);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) {
        let acc = bias[j]!;
        for (let i = 0; i < n; i++) acc += u[r * n + i]! * p[i * d + j]!;
        z[r * d + j] = acc;
      }
    }
    w.add(`${c.name} z`, z, f64(c.z, c.name));
    const pairs = (d * (d + 1)) / 2;
    const o3 = polyTermsOracle(z, rows, d, 3);
    const quad = new Float64Array(rows * pairs);
    const cub = new Float64Array(rows * d);
    for (let r = 0; r < rows; r++) {
      quad.set(o3.subarray(r * (pairs + d), r * (pairs + d) + pairs), r * pairs);
      cub.set(o3.subarray(r * (pairs + d) + pairs, (r + 1) * (pairs + d)), r * d);
    }
    w.add(`${c.name} quadratic`, quad, f64(c.quadratic, c.name));
    w.add(`${c.name} cubic`, cub, f64(c.cubic, c.name));
    const zf = Float32Array.from(z);
    const exact = polyTermsOracle(zf, rows, d, 3);
    const sel = triuSelectors(d);
    const made = [
      tensor(zf, [rows, d]),
      tensor(sel.si, [d, sel.pairs]),
      tensor(sel.sj, [d, sel.pairs]),
    ];
    const out = tidy(() => polyTerms(made[0]!, 3, made[1]!, made[2]!));
    const [g] = await readTensors([out]);
    for (const t of [out, ...made]) t.dispose();
    for (let i = 0; i < exact.length; i++) {
      const cubic = i % (pairs + d) >= pairs;
      const bound = (cubic ? 2 * U32 + U32 * U32 : U32) * Math.abs(exact[i]!);
      const r = Math.abs(g![i]! - exact[i]!) / bound;
      const ratio = g![i] === exact[i] ? 0 : r;
      if (!(ratio <= gpuRatio)) {
        gpuRatio = Number.isNaN(ratio) ? Infinity : ratio;
        gpuWhere = `${c.name} term ${i}`;
      }
    }
  }
  // Blocks: the frozen bank through three blocks at stride 2, the gate once.
  const bk = data.blocks;
  const blocks = bk.blocks.map((b, i) => ({
    w1: f64(b.w1, `block ${i} w1`),
    b1: f64(b.b1, `block ${i} b1`),
    w2: f64(b.w2, `block ${i} w2`),
    b2: f64(b.b2, `block ${i} b2`),
  }));
  const base = {
    B: 1,
    T: bk.T,
    M: bk.modes,
    decays: f64(bk.decays, "decays"),
    drive: f64(bk.drive, "drive"),
    blocks,
    stride: bk.blockStride,
  };
  w.add(
    "blocks first pass",
    frozenBlocksOracle({ ...base, numBlocks: 1 }),
    f64(bk.firstPass, "S1"),
  );
  w.add("blocks states", frozenBlocksOracle({ ...base, numBlocks: 3 }), f64(bk.states, "S"));
  w.add(
    "blocks gated states",
    frozenBlocksOracle({ ...base, numBlocks: 3, gate: 1 + 0.5 * Math.tanh(bk.beta) }),
    f64(bk.gatedStates, "gated S"),
  );
  // Regulariser: oracle value and gradient, the host value, the scale per step, the gate term.
  const rg = data.regulariser;
  for (const c of rg.decayCases) {
    const d = f64(c.decays, c.name);
    const o = decayRegularizerOracle(d);
    w.add(`${c.name} R`, [o.value], [c.value]);
    w.add(`${c.name} host R`, [decayRegularizerValue(d)], [c.value]);
    w.add(`${c.name} ∂R/∂d`, o.gradient, f64(c.gradient, c.name));
    for (const s of c.steps) {
      w.add(`${c.name} step ${s.step}`, [o.value * regularizerScale(s.step, true)], [s.adaptive]);
      w.add(`${c.name} step ${s.step} fixed`, [o.value * regularizerScale(s.step, false)], [
        s.fixed,
      ]);
    }
  }
  const wg = f64(rg.gateWeights, "gate weights");
  w.add("gate penalty", [1e-4 * wg.reduce((a, x) => a + x * x, 0)], [rg.gateValue]);
  const parts: SubFigure[] = [
    { name: "GPU poly terms worst ratio", figure: gpuRatio, bound: 1, direction: "<=" },
    { name: "fast head count mismatches", figure: countErrors, bound: 0, direction: "==" },
  ];
  return {
    figure: w.ratio,
    bound: 1,
    pass: true,
    parts,
    detail: `host vs torch worst ratio at ${w.where}; GPU poly ${gpuRatio.toPrecision(3)} at ` +
      `${gpuWhere}; ${integrity}`,
  };
});

// ------------------------------------------------------------------ hemispheres

claimTest(BYTE_LM_HEMISPHERE_INIT, async () => {
  const errs: number[] = [];
  const near = (got: number, want: number) => errs.push(Math.abs(got - want));
  const alpha = (a: Float64Array) => Array.from(a, (x) => Math.exp(Math.min(x, -1e-6)));
  const a1 = alpha(scanHemisphereLogDecays(16, 1, 0.25));
  near(a1[0]!, 0.905);
  near(a1[15]!, 0.007);
  const a2 = alpha(scanHemisphereLogDecays(16, 2, 0.25));
  [0.368, 0.189, 0.097, 0.05].forEach((v, i) => near(a2[i]!, v));
  near(a2[4]!, 0.99);
  near(a2[15]!, 0.607);
  const sig = (a: Float64Array) => Array.from(a, (x) => 1 / (1 + Math.exp(-x)));
  const g1 = sig(retentionHemisphereLogits(4, 1, 0.25));
  [0.622, 0.818, 0.924, 0.971].forEach((v, i) => near(g1[i]!, v));
  const g2 = sig(retentionHemisphereLogits(4, 2, 0.25));
  [0.182, 0.881, 0.953, 0.982].forEach((v, i) => near(g2[i]!, v));
  // A tie: Python's round(2.5) is 2, so ten heads at ratio 0.25 give two fast heads, not three.
  const counts = Number(fastScanCount(10, 0.3) !== 3) + Number(fastHeadCount(6, 0.3) !== 2) +
    Number(fastHeadCount(10, 0.25) !== 2);
  // The LM: γ of the table, and the fast and slow tensors put back equal the one-hemisphere ones.
  const cfg = { ...SMALL, substrate: "gated_retention" as const, numHeads: 4, stateDim: 8 };
  const one = new CausalBankLM(cfg);
  const two = new CausalBankLM({ ...cfg, numHemispheres: 2 });
  let gammaRatio = 0;
  let differing = 0;
  try {
    const H = 4;
    const f = fastHeadCount(H, 0.25);
    const [gamma] = await readTensors([two.buffers.get("gamma")!]);
    const want = sig(retentionHemisphereLogits(H, 2, 0.25));
    want.forEach((v, i) => {
      gammaRatio = Math.max(gammaRatio, Math.abs(gamma![i]! - v) / (U32 * v));
    });
    // name, rows, width per head, groups
    const layout: [string, number, number, number][] = [
      ["wq", 8, 2, 1],
      ["wk", 8, 2, 1],
      ["wv", 8, 2, 1],
      ["gate_w", 8, 1, 3],
      ["gate_b", 1, 1, 3],
    ];
    for (const [name, rows, hw, groups] of layout) {
      const [whole, fast, slow] = await readTensors([
        one.parameters.get(name)!,
        two.parameters.get(`${name}_fast`)!,
        two.parameters.get(`${name}_slow`)!,
      ]);
      const back: number[] = [];
      for (let r = 0; r < rows; r++) {
        for (let g = 0; g < groups; g++) {
          const fw = f * hw;
          const sw = (H - f) * hw;
          back.push(...fast!.subarray(r * groups * fw + g * fw, r * groups * fw + (g + 1) * fw));
          back.push(...slow!.subarray(r * groups * sw + g * sw, r * groups * sw + (g + 1) * sw));
        }
      }
      for (let i = 0; i < whole!.length; i++) if (back[i] !== whole![i]) differing++;
      if (back.length !== whole!.length) differing += Math.abs(back.length - whole!.length);
    }
  } finally {
    one.dispose();
    two.dispose();
  }
  const worst = Math.max(...errs);
  return {
    figure: worst,
    bound: 5e-4,
    pass: true,
    parts: [
      { name: "fast count mismatches", figure: counts, bound: 0, direction: "==" },
      { name: "LM γ / (2^-24 γ)", figure: gammaRatio, bound: 1, direction: "<=" },
      { name: "recombined tensors differing", figure: differing, bound: 0, direction: "==" },
    ],
    detail: `worst printed-figure error ${worst.toExponential(2)} over ${errs.length} figures; ` +
      `α hem 2 fast ${a2.slice(0, 4).map((x) => x.toFixed(3)).join(", ")}`,
  };
});

claimTest(BYTE_LM_HEMISPHERE_LR, async () => {
  const lm = new CausalBankLM({
    ...SMALL,
    substrate: "gated_retention",
    numHeads: 4,
    numHemispheres: 2,
    fastLrMult: 4,
  });
  const lr = 1e-3;
  const tok = ids(byteRows(B, 21), B);
  const tgt = ids(byteRows(B, 22), B);
  try {
    const names = [...lm.parameters.keys()];
    const before = await readTensors(names.map((n) => lm.parameters.get(n)!));
    // The step's gradients (the same batch gives the same ones), to undo Adam's ε per element;
    // elements with |g| <= 1e-7 (and exact zeros) are left out: they move too little to measure.
    const l0 = tidy(() => {
      const l = lm.loss(tok, tgt);
      backward(l);
      return l;
    });
    l0.dispose();
    const grads = await readTensors(names.map((n) => lm.parameters.get(n)!.grad!));
    for (const p of lm.parameters.values()) {
      p.grad?.dispose();
      p.grad = null;
    }
    const loss = lm.trainStep(tok, tgt, lr, Infinity);
    loss.dispose();
    const after = await readTensors(names.map((n) => lm.parameters.get(n)!));
    const moves = (pred: (n: string) => boolean) => {
      const out: number[] = [];
      names.forEach((n, k) => {
        if (!pred(n)) return;
        const a = before[k]!;
        const b = after[k]!;
        const g = grads[k]!;
        for (let i = 0; i < a.length; i++) {
          // Adam's first step is lr·g/(|g| + ε): undo the ε factor exactly.
          const ag = Math.abs(g[i]!);
          if (ag > 1e-7) out.push((Math.abs(b[i]! - a[i]!) * (ag + 1e-8)) / (ag * lr));
        }
      });
      return median(out);
    };
    const fast = moves((n) => n.endsWith("_fast"));
    const slow = moves((n) => n.endsWith("_slow"));
    const groups = lm.optimizerGroups();
    const rel = (x: number, want: number) => Math.abs(x - want) / want;
    const parts: SubFigure[] = [
      { name: "|slow/lr - 1|", figure: rel(slow, 1), bound: 1e-3, direction: "<=" },
      ...(["wo", "in_proj", "readout_w", "embedding"] as const).map((n) => ({
        name: `|${n}/lr - 1|`,
        figure: rel(moves((m) => m === n), 1),
        bound: 1e-3,
        direction: "<=" as const,
      })),
      {
        name: "fast group = the _fast tensors",
        figure: groups.fast.length === 5 && groups.fast.every((n) => n.endsWith("_fast")) ? 0 : 1,
        bound: 0,
        direction: "==",
      },
    ];
    const figure = rel(fast / slow, 4);
    return {
      figure,
      bound: 1e-3,
      pass: true,
      parts,
      detail: `median |Δθ|/lr: fast ${fast.toPrecision(6)}, slow ${slow.toPrecision(6)}; ` +
        `fast tensors ${groups.fast.join(", ")}`,
    };
  } finally {
    tok.dispose();
    tgt.dispose();
    lm.dispose();
  }
});

// ------------------------------------------------------------------ validation

claimTest(BYTE_LM_KNOBS_VALIDATION, () => {
  const before = liveBufferCount();
  const cases: [Record<string, unknown>, "TypeError" | "RangeError", string[]][] = [];
  for (const s of ["frozen", "learned_recurrence", "learnable_decays", "learnable_mixing"]) {
    cases.push([{ substrate: s, numHemispheres: 2 }, "RangeError", ["numHemispheres", s]]);
  }
  cases.push(
    [
      { substrate: "gated_retention", numHeads: 1, numHemispheres: 2 },
      "RangeError",
      ["numHemispheres", "numHeads"],
    ],
    [
      { substrate: "gated_delta", numHeads: 1, numHemispheres: 2 },
      "RangeError",
      ["numHemispheres", "numHeads"],
    ],
    [
      { substrate: "gated_delta", numHeads: 2, numHemispheres: 2, fastHemisphereRatio: 0.9 },
      "RangeError",
      ["fastHemisphereRatio", "numHeads"],
    ],
    [{ numHemispheres: 3 }, "RangeError", ["numHemispheres"]],
    [{ numHemispheres: 1.5 }, "RangeError", ["numHemispheres"]],
    [{ numHemispheres: "2" }, "TypeError", ["numHemispheres"]],
    [{ fastHemisphereRatio: 0 }, "RangeError", ["fastHemisphereRatio"]],
    [{ fastHemisphereRatio: 1 }, "RangeError", ["fastHemisphereRatio"]],
    [{ fastHemisphereRatio: NaN }, "RangeError", ["fastHemisphereRatio"]],
    [{ fastLrMult: 0 }, "RangeError", ["fastLrMult"]],
    [{ fastLrMult: Infinity }, "RangeError", ["fastLrMult"]],
    [{ numBlocks: 0 }, "RangeError", ["numBlocks"]],
    [{ numBlocks: 2.5 }, "RangeError", ["numBlocks"]],
    [{ blockMixingRatio: 0 }, "RangeError", ["blockMixingRatio"]],
    [{ blockMixingRatio: 1.5 }, "RangeError", ["blockMixingRatio"]],
    [{ blockStride: 0 }, "RangeError", ["blockStride"]],
    [{ staticBankGate: "yes" }, "TypeError", ["staticBankGate"]],
    [{ localPolyOrder: 4 }, "RangeError", ["localPolyOrder"]],
    [{ substratePolyOrder: 0 }, "RangeError", ["substratePolyOrder"]],
    [{ substratePolyOrder: 2, linearModes: 3 }, "RangeError", [
      "substratePolyOrder",
      "linearModes",
    ]],
    [{ localPolyOrder: 2, localWindow: 0 }, "RangeError", ["localPolyOrder", "localWindow"]],
    [
      { localPolyOrder: 3, localWindow: 1, embeddingDim: 3 },
      "RangeError",
      ["localPolyOrder", "localWindow", "embeddingDim"],
    ],
    [{ trainingNoise: -0.1 }, "RangeError", ["trainingNoise"]],
    [{ trainingNoise: NaN }, "RangeError", ["trainingNoise"]],
    [{ substrateReg: 1 }, "TypeError", ["substrateReg"]],
    [{ adaptiveReg: null }, "TypeError", ["adaptiveReg"]],
  );
  const failures: string[] = [];
  for (const [over, cls, fields] of cases) {
    try {
      new CausalBankLM({ ...SMALL, ...over } as Partial<CausalBankLMConfig>).dispose();
      failures.push(`${JSON.stringify(over)}: accepted`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!(e instanceof Error) || e.name !== cls || !fields.every((f) => msg.includes(f))) {
        failures.push(`${JSON.stringify(over)}: ${e instanceof Error ? e.name : e} "${msg}"`);
      }
    }
  }
  // Control: every knob at a valid non-default value is accepted.
  try {
    new CausalBankLM({
      ...SMALL,
      substrate: "gated_delta",
      numHemispheres: 2,
      numBlocks: 3,
      blockStride: 2,
      staticBankGate: true,
      localPolyOrder: 3,
      substratePolyOrder: 2,
      trainingNoise: 0.1,
      substrateReg: true,
      adaptiveReg: true,
    }).dispose();
  } catch (e) {
    failures.push(`control refused: ${e}`);
  }
  const leaked = liveBufferCount() - before;
  return {
    figure: failures.length + Math.abs(leaked),
    bound: 0,
    pass: true,
    detail: `${cases.length} invalid cases and a control; leaked ${leaked}` +
      (failures.length ? `; ${failures.slice(0, 4).join(" | ")}` : ""),
  };
});

// ------------------------------------------------------------------ blocks

const ALL_SUBSTRATES: LMSubstrate[] = [
  "frozen",
  "learnable_decays",
  "learnable_mixing",
  "learned_recurrence",
  "gated_retention",
  "gated_delta",
];

claimTest(BYTE_LM_BLOCKS_ACT, async () => {
  const data = byteRows(B, 31);
  const tgt = ids(byteRows(B, 32), B);
  const configs: { substrate: LMSubstrate; stride: number; scan: "chunked" | "sequential" }[] = [
    ...ALL_SUBSTRATES.map((substrate) => ({ substrate, stride: 2, scan: "chunked" as const })),
    { substrate: "gated_delta", stride: 1, scan: "chunked" },
    { substrate: "gated_retention", stride: 1, scan: "chunked" },
    { substrate: "frozen", stride: 2, scan: "sequential" },
    { substrate: "learned_recurrence", stride: 2, scan: "sequential" },
  ];
  let minChange = Infinity;
  let minWhere = "";
  let zeroGrad = 0;
  let unchanged = 0;
  const zeroNames: string[] = [];
  const refs = new Map<string, Float32Array>();
  try {
    for (const c of configs) {
      const key = `${c.substrate}/${c.scan}`;
      if (!refs.has(key)) {
        const one = new CausalBankLM({ ...SMALL, substrate: c.substrate, scanMethod: c.scan });
        refs.set(key, await logitsOf(one, data, B));
        one.dispose();
      }
      const lm = new CausalBankLM({
        ...SMALL,
        substrate: c.substrate,
        scanMethod: c.scan,
        numBlocks: 3,
        blockStride: c.stride,
      });
      try {
        const got = await logitsOf(lm, data, B);
        const change = maxAbsDiff(got, refs.get(key)!);
        if (!(change > 0)) unchanged++;
        if (change < minChange) {
          minChange = change;
          minWhere = `${c.substrate} stride ${c.stride} ${c.scan}`;
        }
        const tok = ids(data, B);
        const l = tidy(() => {
          const loss = lm.loss(tok, tgt);
          backward(loss);
          return loss;
        });
        l.dispose();
        tok.dispose();
        const names = [...lm.parameters.keys()].filter((n) => n.startsWith("block"));
        const grads = await readTensors(names.map((n) => lm.parameters.get(n)!.grad!));
        names.forEach((n, i) => {
          if (grads[i]!.every((g) => g === 0)) {
            zeroGrad++;
            zeroNames.push(`${c.substrate}:${n}`);
          }
        });
        for (const p of lm.parameters.values()) {
          p.grad?.dispose();
          p.grad = null;
        }
      } finally {
        lm.dispose();
      }
    }
  } finally {
    tgt.dispose();
  }
  return {
    figure: zeroGrad,
    bound: 0,
    pass: true,
    parts: [{
      name: "configurations with unchanged logits",
      figure: unchanged,
      bound: 0,
      direction: "==",
    }],
    detail:
      `${configs.length} configurations; smallest logit change ${minChange.toExponential(2)} ` +
      `(${minWhere})` + (zeroNames.length ? `; zero gradients: ${zeroNames.join(", ")}` : ""),
  };
});

claimTest(BYTE_LM_KNOBS_CAUSAL, async () => {
  // Row 0 the base bytes; row i changes the byte at t0_i (in a batch: rows are independent).
  const t0s = [5, 17, 33];
  const rows = 1 + t0s.length;
  const base = byteRows(1, 41);
  const data = new Int32Array(rows * T);
  for (let r = 0; r < rows; r++) data.set(base, r * T);
  t0s.forEach((t0, i) => (data[(i + 1) * T + t0] = (base[t0]! + 97) % 256));
  let before = 0;
  let atT0 = Infinity;
  const V = 256;
  for (const substrate of ALL_SUBSTRATES) {
    const gated = substrate === "gated_retention" || substrate === "gated_delta";
    const lm = new CausalBankLM({
      ...SMALL,
      substrate,
      numBlocks: 3,
      blockStride: 2,
      staticBankGate: true,
      substratePolyOrder: 3,
      localPolyOrder: 3,
      ...(gated ? { numHemispheres: 2 } : {}),
    });
    try {
      // A non-zero gate, so the gate's product is exercised.
      writeParam(lm, "bank_gate_beta", Float32Array.of(0.75));
      const l = await logitsOf(lm, data, rows);
      t0s.forEach((t0, i) => {
        const off = (i + 1) * T * V;
        for (let k = 0; k < t0 * V; k++) before = Math.max(before, Math.abs(l[off + k]! - l[k]!));
        atT0 = Math.min(
          atT0,
          maxAbsDiff(l, l.map((_, k) => l[k - off]!), off + t0 * V, off + (t0 + 1) * V),
        );
      });
    } finally {
      lm.dispose();
    }
  }
  return {
    figure: before,
    bound: 0,
    pass: true,
    parts: [{
      name: "min max |Δ| at t0 is not 0",
      figure: atT0 > 0 ? 0 : 1,
      bound: 0,
      direction: "==",
    }],
    detail: `${ALL_SUBSTRATES.length} substrates × t0 ∈ {${t0s.join(", ")}}, T ${T}, chunk 16; ` +
      `smallest change at t0 ${atT0.toExponential(2)}`,
  };
});

// ------------------------------------------------------------------ static gate

claimTest(BYTE_LM_STATIC_GATE_ONCE, async () => {
  const beta = 0.75;
  const g = 1 + 0.5 * Math.tanh(beta);
  const tok = ids(byteRows(B, 51), B);
  const ks: number[] = [];
  try {
    for (const numBlocks of [1, 2, 3]) {
      const cfg = { ...SMALL, substrate: "learned_recurrence" as const, numBlocks };
      const plain = new CausalBankLM(cfg);
      const gated = new CausalBankLM({ ...cfg, staticBankGate: true });
      try {
        writeParam(gated, "bank_gate_beta", Float32Array.of(beta));
        const [sp, sg] = tidy(
          () => [plain.states(plain.embed(tok)), gated.states(gated.embed(tok))],
        );
        const [a, b] = await readTensors([sp!, sg!]);
        sp!.dispose();
        sg!.dispose();
        const k: number[] = [];
        for (let i = 0; i < a!.length; i++) {
          if (Math.abs(a![i]!) > 1e-3) k.push(Math.log(b![i]! / a![i]!) / Math.log(g));
        }
        ks.push(median(k));
      } finally {
        plain.dispose();
        gated.dispose();
      }
    }
  } finally {
    tok.dispose();
  }
  const worst = Math.max(...ks.map((k) => Math.abs(k - 1)));
  return {
    figure: worst,
    bound: 1e-5,
    pass: true,
    detail: `g = ${g.toFixed(4)}; exponent k per numBlocks 1, 2, 3: ${
      ks.map((k) => k.toFixed(7)).join(", ")
    } (the original: 1, 2, 3)`,
  };
});

// ------------------------------------------------------------------ polynomial widths

claimTest(BYTE_LM_POLY_DIMS, () => {
  const mismatches: string[] = [];
  const expect = (what: string, got: number, want: number) => {
    if (got !== want) mismatches.push(`${what}: ${got} != ${want}`);
  };
  expect("substrate order 3, M 256, E 32", substrateReadoutInputWidth(256, 32, 3), 2432);
  expect("local order 3, W 8, E 32", localPathInputWidth(8, 32, 3), 2400);
  expect("substrate order 2, M 256, E 32", substrateReadoutInputWidth(256, 32, 2), 2368);
  expect("local order 1, W 8, E 32", localPathInputWidth(8, 32, 1), 256);
  const plain = new CausalBankLM({ ...SMALL });
  const plainNames = [...plain.parameters.keys()];
  plain.dispose();
  const tok = ids(byteRows(B, 61), B);
  try {
    for (const [sp, lp] of [[3, 3], [2, 2], [3, 1]] as const) {
      const lm = new CausalBankLM({ ...SMALL, substratePolyOrder: sp, localPolyOrder: lp });
      try {
        const tag = `substrate ${sp}, local ${lp}`;
        expect(
          `${tag} readout_w rows`,
          lm.parameters.get("readout_w")!.shape[0]!,
          substrateReadoutInputWidth(16, 8, sp),
        );
        expect(
          `${tag} local_w rows`,
          lm.parameters.get("local_w")!.shape[0]!,
          localPathInputWidth(3, 8, lp),
        );
        const l = tidy(() => lm.forward(tok));
        expect(`${tag} logits shape`, Number(l.shape.join() === `${B},${T},256`), 1);
        l.dispose();
        const names = [...lm.parameters.keys()].filter((n) => !n.includes("_poly_"));
        expect(`${tag} readout parameter names`, Number(names.join() === plainNames.join()), 1);
      } finally {
        lm.dispose();
      }
    }
  } finally {
    tok.dispose();
  }
  return {
    figure: mismatches.length,
    bound: 0,
    pass: true,
    detail: mismatches.length
      ? mismatches.join("; ")
      : "2432 and 2400 at the original's default sizes",
  };
});

// ------------------------------------------------------------------ regulariser

claimTest(BYTE_LM_REGULARIZER, async () => {
  const big = new CausalBankLM({
    ...SMALL,
    linearModes: 256,
    halfLifeMin: 1.5,
    halfLifeMax: 512,
    substrate: "learnable_decays",
    adaptiveReg: true,
  });
  const parts: SubFigure[] = [];
  let detail = "";
  try {
    const [d] = await readTensors([big.parameters.get("decays")!]);
    const oracle = decayRegularizerOracle(Float64Array.from(d!));
    const [r0, r4000] = tidy(
      () => [big.substrateRegularization(0), big.substrateRegularization(4000)],
    );
    const [v0, v4000] = await readTensors([r0!, r4000!]);
    r0!.dispose();
    r4000!.dispose();
    parts.push(
      {
        name: "scale(4000)/scale(0)",
        figure: regularizerScale(4000, true) / regularizerScale(0, true),
        bound: 3,
        direction: "==",
      },
      {
        name: "|R_gpu - R_oracle|/(1e-5 R)",
        figure: Math.max(
          Math.abs(v0![0]! - oracle.value),
          Math.abs(v4000![0]! - 3 * oracle.value) / 3,
        ) / (1e-5 * oracle.value),
        bound: 1,
        direction: "<=",
      },
    );
    // Its gradient reaches the decays the forward reads.
    const dn = tidy(() => {
      backward(big.substrateRegularization(0));
      return big.parameters.get("decays")!.grad!;
    });
    const [gd] = await readTensors([dn]);
    const gdNorm = Math.hypot(...gd!);
    parts.push({ name: "‖∂R/∂d‖ is not 0", figure: gdNorm > 0 ? 0 : 1, bound: 0, direction: "==" });
    for (const p of big.parameters.values()) {
      p.grad?.dispose();
      p.grad = null;
    }
    detail = `R(init) ${oracle.value.toPrecision(6)} (GPU ${v0![0]!.toPrecision(6)}), step 4000 ` +
      `${v4000![0]!.toPrecision(6)}; ‖∂R/∂d‖ ${gdNorm.toExponential(2)}`;
    const figure = Math.abs(oracle.value - 0.05851);
    // learned_recurrence: the penalty is on W_g, and its gradient reaches it.
    const lr = new CausalBankLM({ ...SMALL, substrate: "learned_recurrence" });
    try {
      const wg = Float32Array.from(new Rng(5).normals(8 * 16, 0.3));
      writeParam(lr, "gate_w", wg);
      const gw = tidy(() => {
        backward(lr.substrateRegularization(0));
        return lr.parameters.get("gate_w")!.grad!;
      });
      const [g] = await readTensors([gw]);
      let worst = 0;
      for (let i = 0; i < wg.length; i++) {
        // ∂/∂W (1e-4 Σ W²) = 2e-4 W, through two f32 products and the sum's broadcast.
        worst = Math.max(
          worst,
          Math.abs(g![i]! - 2e-4 * wg[i]!) / (4 * U32 * 2e-4 * Math.abs(wg[i]!)),
        );
      }
      parts.push(
        {
          name: "‖∂R/∂W_g‖ is not 0",
          figure: Math.hypot(...g!) > 0 ? 0 : 1,
          bound: 0,
          direction: "==",
        },
        { name: "∂R/∂W_g vs 2e-4 W_g (ratio to 4u)", figure: worst, bound: 1, direction: "<=" },
      );
      for (const p of lr.parameters.values()) {
        p.grad?.dispose();
        p.grad = null;
      }
    } finally {
      lr.dispose();
    }
    let nonzero = 0;
    for (const substrate of ["frozen", "gated_retention", "gated_delta"] as const) {
      const m = new CausalBankLM({ ...SMALL, substrate, adaptiveReg: true });
      const r = tidy(() => m.substrateRegularization(4000));
      const [v] = await readTensors([r]);
      r.dispose();
      m.dispose();
      if (v![0] !== 0) nonzero++;
    }
    parts.push({ name: "frozen / gated R not 0", figure: nonzero, bound: 0, direction: "==" });
    return { figure, bound: 5e-6, pass: true, parts, detail };
  } finally {
    big.dispose();
  }
});

// ------------------------------------------------------------------ training noise

claimTest(BYTE_LM_TRAINING_NOISE, async () => {
  const data = byteRows(B, 71);
  const tok = ids(data, B);
  const tgt = ids(byteRows(B, 72), B);
  const noisy = new CausalBankLM({ ...SMALL, trainingNoise: 0.5 });
  const quiet = new CausalBankLM({ ...SMALL, trainingNoise: 0 });
  const again = new CausalBankLM({ ...SMALL, trainingNoise: 0.5 });
  try {
    const a = await logitsOf(noisy, data, B);
    const a2 = await logitsOf(noisy, data, B);
    const b = await logitsOf(quiet, data, B);
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || a[i] !== a2[i]) differing++;
    const step = async (m: CausalBankLM) => {
      const l = m.trainStep(tok, tgt, 1e-3);
      const [v] = await readTensors([l]);
      l.dispose();
      return v![0]!;
    };
    const ln = await step(noisy);
    const lq = await step(quiet);
    const la = await step(again);
    return {
      figure: differing,
      bound: 0,
      pass: true,
      parts: [
        {
          name: "train loss noise vs none: equal",
          figure: ln === lq ? 1 : 0,
          bound: 0,
          direction: "==",
        },
        { name: "two noisy runs differ", figure: ln === la ? 0 : 1, bound: 0, direction: "==" },
      ],
      detail: `train-step loss ${ln.toFixed(6)} (σ 0.5) vs ${lq.toFixed(6)} (σ 0); repeat ` +
        `${la.toFixed(6)}`,
    };
  } finally {
    for (const m of [noisy, quiet, again]) m.dispose();
    tok.dispose();
    tgt.dispose();
  }
});

// ------------------------------------------------------------------ learnable substrates

const CORPUS = Deno.readFileSync(new URL("../../../fixtures/corpus/byte_lm.txt", import.meta.url));

claimTest(BYTE_LM_LEARNABLE_SUBSTRATES, async () => {
  const parts: SubFigure[] = [];
  const notes: string[] = [];
  for (
    const [substrate, name] of [["learnable_decays", "decays"], [
      "learnable_mixing",
      "in_proj",
    ]] as const
  ) {
    const lm = new CausalBankLM({ ...SMALL, substrate });
    try {
      const [before] = await readTensors([lm.parameters.get(name)!]);
      const { losses } = await lm.train(CORPUS, {
        steps: 12,
        batch: 2,
        seqLen: T,
        lr: 1e-2,
        logEvery: 1,
        seed: 9,
      });
      const [after] = await readTensors([lm.parameters.get(name)!]);
      const moved = maxAbsDiff(before!, after!);
      const first = losses[0]!.loss;
      const last = losses.at(-1)!.loss;
      parts.push(
        {
          name: `${substrate} loss did not fall`,
          figure: last < first ? 0 : 1,
          bound: 0,
          direction: "==",
        },
        {
          name: `${substrate} ${name} unchanged`,
          figure: moved > 0 ? 0 : 1,
          bound: 0,
          direction: "==",
        },
        {
          name: `${substrate} other substrate tensor trains`,
          figure: lm.parameters.has(name === "decays" ? "in_proj" : "decays") ? 1 : 0,
          bound: 0,
          direction: "==",
        },
      );
      notes.push(
        `${substrate}: loss ${first.toFixed(3)} → ${last.toFixed(3)}, max |Δ${name}| ${
          moved.toExponential(2)
        }`,
      );
    } finally {
      lm.dispose();
    }
  }
  const fails = parts.filter((p) => p.figure !== p.bound);
  return { figure: fails.length, bound: 0, pass: true, parts, detail: notes.join("; ") };
});
