/**
 * Gradients of the readouts: the f64 oracle's analytic backward against central differences
 * (decepticons.readouts.oracle_gradcheck), and the GPU's autograd against the oracle within the
 * derived backward bounds of _bounds.ts (decepticons.readouts.gpu_gradients).
 *
 * @module
 */
import {
  backward,
  gpu,
  initGpu,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { mul } from "../../../impl/ops/binary.ts";
import { sum } from "../../../impl/ops/reduce.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { buildReadout, type ReadoutSpec } from "../../../impl/decepticons/readouts/readouts.ts";
import { GatedMix } from "../../../impl/decepticons/readouts/gated_mix.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { BYTE_LM_REFERENCE_FACTOR, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import {
  gatedMix,
  gatedMixBackward,
  type OracleParams,
  oracleReadout,
  oracleReadoutBackward,
  type OracleReadoutSpec,
} from "../../oracle/decepticons/readouts.ts";
import { gatedMixGradBounds, readoutGradBounds, type TA } from "./_bounds.ts";
import { loadReadoutsFixture } from "./_fixture.ts";
import { READOUT_GPU_GRADIENTS, READOUT_ORACLE_GRADCHECK } from "./claims.ts";

await initGpu();

const { data: fx } = await loadReadoutsFixture();

/** Seeded values U(−scale, scale), f32-representable. */
function uniform(n: number, seed: number, scale = 1): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: n }, () => Math.fround(r.uniformIn(-scale, scale)));
}

/** One gradient-checked case: a spec, its weights and features, and its dimensions. */
interface GradCase {
  name: string;
  spec: OracleReadoutSpec;
  params: OracleParams;
  u: Float64Array;
  embedding: Float64Array;
  dims: { B: number; T: number; F: number; V: number };
  /** Elements checked per tensor (null: every element). */
  picks: number | null;
}

const FIXTURE_KINDS = [
  "mlp",
  "tied_recursive",
  "routed_sqrelu_experts",
  "tied_embed_readout",
  "tied_embed_normalized",
  "bands2_mlp",
  "bands3_routed_remainder",
  "bands2_tied_embed",
  "bands3_routed_tail_remainder",
];

const fixtureCases: GradCase[] = FIXTURE_KINDS.map((name) => {
  const c = fx.cases.find((k) => k.name === name)!;
  return {
    name,
    spec: c.spec,
    params: c.params,
    u: c.u,
    embedding: fx.embedding,
    dims: { B: fx.B, T: fx.T, F: c.F, V: fx.V },
    picks: 6,
  };
});

/** A fixture case's readout with fresh seeded weights, features and embedding, B·T = 3 rows. */
function fuzzed(name: string, seed: number): GradCase {
  const c = fx.cases.find((k) => k.name === name)!;
  // The fixture's parameter shapes; non-zero biases and larger values, so every ReLU and GELU
  // sees both signs and the router is far from uniform.
  const params: OracleParams = {};
  let s = seed;
  for (const [k, v] of Object.entries(c.params)) params[k] = uniform(v.length, s++, 0.6);
  const B = 1;
  const T = 3;
  return {
    name: `fuzzed ${name}`,
    spec: c.spec,
    params,
    u: uniform(B * T * c.F, s++, 1.5),
    embedding: uniform(fx.embedding.length, s++, 0.8),
    dims: { B, T, F: c.F, V: fx.V },
    picks: 24,
  };
}

/** Max gradcheck error of one case (inputs: every parameter, u, the tied embedding). */
function checkCase(c: GradCase, seed: number): { error: number; where: string; count: number } {
  const { B, T, V } = c.dims;
  const w = uniform(B * T * V, seed);
  const names = Object.keys(c.params).sort();
  const tied = JSON.stringify(c.spec).includes("tied_embed");
  const full: Float64Array[] = [...names.map((n) => c.params[n]!), c.u];
  if (tied) full.push(c.embedding);
  const labels = [...names, "u", ...(tied ? ["embedding"] : [])];
  const r = new Rng(seed + 1);
  const picks = full.map((x) => {
    if (c.picks === null || x.length <= c.picks) return Array.from(x.keys());
    const set = new Set<number>();
    while (set.size < c.picks) set.add(r.int(x.length));
    return [...set];
  });
  const assemble = (xs: Float64Array[]) => {
    const arrays = full.map((x, k) => {
      const a = Float64Array.from(x);
      picks[k]!.forEach((i, j) => (a[i] = xs[k]![j]!));
      return a;
    });
    const params = Object.fromEntries(names.map((n, k) => [n, arrays[k]!]));
    return { params, u: arrays[names.length]!, emb: tied ? arrays[names.length + 1]! : undefined };
  };
  const f = (xs: Float64Array[]) => {
    const a = assemble(xs);
    return oracleReadout(c.spec, a.params, fx.prefix, a.u, c.dims, a.emb).logits;
  };
  const vjp = (wt: Float64Array) => {
    const g = oracleReadoutBackward(c.spec, c.params, fx.prefix, c.u, c.dims, wt, c.embedding);
    const all = [...names.map((n) => g.params[n]!), g.du, ...(tied ? [g.dEmbedding!] : [])];
    return all.map((x, k) => Float64Array.from(picks[k]!, (i) => x[i]!));
  };
  const point = full.map((x, k) => Float64Array.from(picks[k]!, (i) => x[i]!));
  const res = gradcheck(f, point, vjp, w);
  const count = picks.reduce((s, p) => s + p.length, 0);
  return {
    error: res.maxError,
    where: `${c.name} ${labels[res.worst.input]}[${picks[res.worst.input]?.[res.worst.index]}] ` +
      `(analytic ${res.worst.analytic.toExponential(4)}, numeric ` +
      `${res.worst.numeric.toExponential(4)})`,
    count,
  };
}

/** The gated mix's inputs: the fixture's (N = 80) or fuzzed (N = 3, V = 16). */
interface MixCase {
  name: string;
  lin: Float64Array;
  loc: Float64Array;
  w: Float64Array;
  b: number;
  localScale: number;
  n: number;
  v: number;
}

const g0 = fx.gatedMix;
const MIX_CASES: MixCase[] = [
  { name: "gated mix", ...g0, w: g0.w, n: fx.B * fx.T, v: fx.V },
  {
    name: "fuzzed gated mix",
    lin: uniform(3 * 16, 61, 3),
    loc: uniform(3 * 16, 62, 2),
    w: uniform(6, 63, 1),
    b: Math.fround(0.3),
    localScale: 0.5,
    n: 3,
    v: 16,
  },
];

/** Max gradcheck error of the gated mix in lin, loc (24 seeded elements each), w and b. */
function checkMix(c: MixCase, seed: number): { error: number; where: string; count: number } {
  const dY = uniform(c.n * c.v, seed);
  const r = new Rng(seed + 1);
  const pick = (len: number) => {
    if (len <= 24) return Array.from({ length: len }, (_, i) => i);
    const set = new Set<number>();
    while (set.size < 24) set.add(r.int(len));
    return [...set];
  };
  const picks = [pick(c.lin.length), pick(c.loc.length), pick(6), [0]];
  const full = [c.lin, c.loc, c.w, Float64Array.of(c.b)];
  const f = (xs: Float64Array[]) => {
    const a = full.map((x, k) => {
      const y = Float64Array.from(x);
      picks[k]!.forEach((i, j) => (y[i] = xs[k]![j]!));
      return y;
    });
    return gatedMix(a[0]!, a[1]!, c.n, c.v, a[2]!, a[3]![0]!, c.localScale).logits;
  };
  const vjp = (wt: Float64Array) => {
    const g = gatedMixBackward(c.lin, c.loc, c.n, c.v, c.w, c.b, c.localScale, wt);
    return [g.dLin, g.dLoc, g.dW, Float64Array.of(g.dB)].map((x, k) =>
      Float64Array.from(picks[k]!, (i) => x[i]!)
    );
  };
  const point = full.map((x, k) => Float64Array.from(picks[k]!, (i) => x[i]!));
  const res = gradcheck(f, point, vjp, dY);
  const labels = ["lin", "loc", "gate_w", "gate_b"];
  return {
    error: res.maxError,
    where: `${c.name} ${labels[res.worst.input]}[${picks[res.worst.input]?.[res.worst.index]}] ` +
      `(analytic ${res.worst.analytic.toExponential(4)}, numeric ` +
      `${res.worst.numeric.toExponential(4)})`,
    count: picks.reduce((a, p) => a + p.length, 0),
  };
}

claimTest(READOUT_ORACLE_GRADCHECK, () => {
  let worst = 0;
  let where = "";
  let count = 0;
  const cases = [...fixtureCases, ...FIXTURE_KINDS.map((n, i) => fuzzed(n, 500 + 40 * i))];
  const results = [
    ...cases.map((c, i) => checkCase(c, 900 + i)),
    ...MIX_CASES.map((c, i) => checkMix(c, 950 + i)),
  ];
  for (const r of results) {
    count += r.count;
    if (r.error >= worst) {
      worst = r.error;
      where = r.where;
    }
  }
  console.log(`readouts.oracle_gradcheck: ${worst.toExponential(2)} at ${where}`);
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `max rel error at ${where}; ${count} elements over ${results.length} cases`,
  };
});

/** The GPU's parameter and feature gradients of L = Σ w ⊙ logits on a case's f32 weights. */
async function gpuGrads(
  c: GradCase,
  w: Float64Array,
): Promise<
  { params: Record<string, Float32Array>; du: Float32Array; dEmbedding: Float32Array | null }
> {
  const { B, T, F, V } = c.dims;
  const r = buildReadout(c.spec as ReadoutSpec, {
    inputDim: F,
    vocab: V,
    seed: 1,
    prefix: fx.prefix,
  });
  const made: Tensor[] = [];
  try {
    for (const [name, t] of r.parameters) {
      gpu().device.queue.writeBuffer(t.buffer, 0, Float32Array.from(c.params[name]!));
    }
    const ut = tensor(Float32Array.from(c.u), [B, T, F], { requiresGrad: true });
    const wt = tensor(Float32Array.from(w), [B, T, V]);
    const tied = JSON.stringify(c.spec).includes("tied_embed");
    const emb = tensor(Float32Array.from(c.embedding), [V, fx.embeddingDim], {
      requiresGrad: tied,
    });
    made.push(ut, wt, emb);
    tidy(() => backward(sum(mul(r.forward(ut, { embedding: emb }).logits, wt))));
    const names = [...r.parameters.keys()];
    const read = await readTensors([
      ...names.map((n) => r.parameters.get(n)!.grad!),
      ut.grad!,
      ...(tied ? [emb.grad!] : []),
    ]);
    return {
      params: Object.fromEntries(names.map((n, i) => [n, read[i] as Float32Array])),
      du: read[names.length] as Float32Array,
      dEmbedding: tied ? read[names.length + 1] as Float32Array : null,
    };
  } finally {
    for (const t of made) {
      t.grad?.dispose();
      t.dispose();
    }
    for (const t of r.parameters.values()) {
      t.grad?.dispose();
      t.grad = null;
    }
    r.dispose();
  }
}

/** Worst |gpu − v| / (e·factor), checking the walk's exact values against the oracle's. */
function ratio(what: string, g: ArrayLike<number>, b: TA, oracle: ArrayLike<number>) {
  let worst = 0;
  let at = 0;
  for (let i = 0; i < oracle.length; i++) {
    const o = oracle[i]!;
    if (!(Math.abs(b.v[i]! - o) <= 1e-9 * (1 + Math.abs(o)))) {
      throw new Error(
        `Cannot bound ${what}: the walk's value ${b.v[i]} at ${i} is not the oracle's ${o}`,
      );
    }
    const d = Math.abs(g[i]! - b.v[i]!);
    const q = d === 0 ? 0 : d / (b.e[i]! * BYTE_LM_REFERENCE_FACTOR);
    if (q >= worst) {
      worst = q;
      at = i;
    }
  }
  return { worst, at };
}

const GPU_KINDS = [
  "mlp",
  "tied_recursive",
  "routed_sqrelu_experts",
  "bands2_mlp",
  "bands3_routed_remainder",
  "tied_embed_readout",
  "tied_embed_normalized",
  "bands2_tied_embed",
  "bands3_routed_tail_remainder",
];

claimTest(READOUT_GPU_GRADIENTS, async () => {
  let worst = 0;
  let where = "";
  let count = 0;
  const perKind: string[] = [];
  for (const [i, name] of GPU_KINDS.entries()) {
    let kindWorst = 0;
    const f = fixtureCases.find((k) => k.name === name)!;
    // The GPU's f32 weights and features, as f64 for the oracle and the walk.
    const params: OracleParams = {};
    for (const [k, v] of Object.entries(f.params)) {
      params[k] = Float64Array.from(Float32Array.from(v));
    }
    const c: GradCase = {
      ...f,
      params,
      u: Float64Array.from(Float32Array.from(f.u)),
      embedding: Float64Array.from(Float32Array.from(f.embedding)),
    };
    const { B, T, V } = c.dims;
    const w = uniform(B * T * V, 700 + i);
    const g = await gpuGrads(c, w);
    const o = oracleReadoutBackward(c.spec, c.params, fx.prefix, c.u, c.dims, w, c.embedding);
    const b = readoutGradBounds(c.spec, c.params, fx.prefix, c.u, c.dims, w, c.embedding);
    const note = (what: string, gv: ArrayLike<number>, bv: TA, ov: ArrayLike<number>) => {
      const r = ratio(`${name} ${what}`, gv, bv, ov);
      count += ov.length;
      kindWorst = Math.max(kindWorst, r.worst);
      if (r.worst >= worst) {
        worst = r.worst;
        where = `${name} ${what}[${r.at}] (gpu ${gv[r.at]}, oracle ${ov[r.at]!.toExponential(6)})`;
      }
    };
    for (const n of Object.keys(o.params).sort()) note(n, g.params[n]!, b.params[n]!, o.params[n]!);
    note("u", g.du, b.du, o.du);
    if (
      (o.dEmbedding === null) !== (g.dEmbedding === null) ||
      (o.dEmbedding === null) !== (b.dEmbedding === null)
    ) {
      throw new Error(
        `Cannot compare ${name}: the GPU, oracle and walk disagree on an embedding gradient`,
      );
    }
    if (o.dEmbedding !== null) note("embedding", g.dEmbedding!, b.dEmbedding!, o.dEmbedding);
    perKind.push(`${name} ${formatFigure(kindWorst)}`);
  }
  // The gated mix on the fixture's logits and gate weights, rounded to f32.
  {
    const c = MIX_CASES[0]!;
    const lin = Float64Array.from(Float32Array.from(c.lin));
    const loc = Float64Array.from(Float32Array.from(c.loc));
    const w = Float64Array.from(Float32Array.from(c.w));
    const bias = Math.fround(c.b);
    const dY = uniform(c.n * c.v, 760);
    const mix = new GatedMix(c.localScale, { seed: 1, prefix: "mix" });
    const made: Tensor[] = [];
    let read: (Float32Array | Int32Array)[];
    try {
      gpu().device.queue.writeBuffer(
        mix.parameters.get("mix.gate_w")!.buffer,
        0,
        Float32Array.from(w),
      );
      gpu().device.queue.writeBuffer(
        mix.parameters.get("mix.gate_b")!.buffer,
        0,
        Float32Array.of(bias),
      );
      const shape = [fx.B, fx.T, c.v];
      const a = tensor(Float32Array.from(lin), shape, { requiresGrad: true });
      const b = tensor(Float32Array.from(loc), shape, { requiresGrad: true });
      const dy = tensor(Float32Array.from(dY), shape);
      made.push(a, b, dy);
      tidy(() => backward(sum(mul(mix.forward(a, b).logits, dy))));
      read = await readTensors([
        a.grad!,
        b.grad!,
        mix.parameters.get("mix.gate_w")!.grad!,
        mix.parameters.get("mix.gate_b")!.grad!,
      ]);
    } finally {
      for (const t of made) {
        t.grad?.dispose();
        t.dispose();
      }
      for (const t of mix.parameters.values()) {
        t.grad?.dispose();
        t.grad = null;
      }
      mix.dispose();
    }
    const o = gatedMixBackward(lin, loc, c.n, c.v, w, bias, c.localScale, dY);
    const bd = gatedMixGradBounds(lin, loc, c.n, c.v, w, bias, c.localScale, dY);
    let kindWorst = 0;
    const note = (what: string, gv: ArrayLike<number>, bv: TA, ov: ArrayLike<number>) => {
      const r = ratio(`gated mix ${what}`, gv, bv, ov);
      count += ov.length;
      kindWorst = Math.max(kindWorst, r.worst);
      if (r.worst >= worst) {
        worst = r.worst;
        where = `gated mix ${what}[${r.at}] (gpu ${gv[r.at]}, oracle ${
          ov[r.at]!.toExponential(6)
        })`;
      }
    };
    note("lin", read[0]!, bd.dLin, o.dLin);
    note("loc", read[1]!, bd.dLoc, o.dLoc);
    note("gate_w", read[2]!, bd.dW, o.dW);
    note("gate_b", read[3]!, bd.dB, [o.dB]);
    perKind.push(`gated mix ${formatFigure(kindWorst)}`);
  }
  console.log(
    `readouts.gpu_gradients: worst ratio ${formatFigure(worst)} at ${where}; ${perKind.join(", ")}`,
  );
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `worst |gpu - oracle| / bound at ${where}; ${count} gradient elements over ` +
      `${GPU_KINDS.length} readouts and the gated mix (${perKind.join(", ")})`,
  };
});
