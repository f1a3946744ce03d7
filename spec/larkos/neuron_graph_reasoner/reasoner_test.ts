/**
 * Proofs of the GPU-side claims of the neuron-graph reasoner (./claims.ts):
 * oracle gradcheck, stage-wise GPU parity of forward and backward, the
 * composition of the stages, the PyTorch fixture, permutation equivariance
 * with and without the per-neuron embedding, output shape and LayerNorm
 * statistics, parameters, and faults.
 *
 * @module
 */
import {
  backward,
  DisposedTensorError,
  initGpu,
  readTensors,
  sum,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import type { GraphEdges } from "../../../impl/larkos/gat_layer/gat_layer.ts";
import {
  GraphInputBuilder,
  NeuronGraphReasoner,
  REASONER_LN_EPS,
  REASONER_PARAMETER_NAMES,
} from "../../../impl/larkos/neuron_graph_reasoner/neuron_graph_reasoner.ts";
import { checkClose } from "../../../invariants/close.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { FIXTURE_F64_REL, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { parityClaimTests } from "../../nn/_gpu_parity.ts";
import {
  checkFaults,
  controlLeak,
  type ErrorClass,
  faultMeasurement,
} from "../../_harness/fault_case.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import {
  NGR_GEOMETRY,
  ngrBackward,
  ngrForward,
  type NgrGeometry,
  ngrParamNames,
  type NgrParams,
} from "../../oracle/larkos/neuron_graph_reasoner.ts";
import { gatBounds } from "../gat_layer/_bounds.ts";
import { embedBounds, mixBounds } from "./_bounds.ts";
import {
  checkNgrCase,
  compareStaged,
  describeNgrCompared,
  makeCase,
  makeNeuronMap,
  makeParams,
  moduleOf,
  ngrArbitrary,
  type NgrCase,
  runStaged,
} from "./_cases.ts";
import { loadNgrFixture } from "./_fixture.ts";
import {
  NGR_COMPOSITION,
  NGR_EQUIVARIANCE,
  NGR_FAULT,
  NGR_FIXTURE_PARITY,
  NGR_GPU_GRADIENTS,
  NGR_GPU_PARITY,
  NGR_GRADCHECK,
  NGR_PARAMETERS,
  NGR_SHAPE_LN,
} from "./claims.ts";

const N = 8;

claimTest(NGR_GRADCHECK, (): Measurement => {
  let worst = 0;
  let where = "";
  let evaluations = 0;
  const run = (
    g: NgrGeometry,
    c: { params: NgrParams; features: Float64Array; edges: GraphEdges; gOut: Float64Array },
    label: string,
    big: "full" | "random",
  ) => {
    const names = ngrParamNames(g.layers);
    const flat = [c.features, ...names.map((n) => c.params[n]!)];
    const unflat = (xs: Float64Array[]) => Object.fromEntries(names.map((n, k) => [n, xs[k + 1]!]));
    const f = (xs: Float64Array[]) => ngrForward(g, unflat(xs), xs[0]!, c.edges).out;
    const vjp = (w: Float64Array) => {
      const r = ngrBackward(g, c.params, c.features, c.edges, w);
      return [r.features, ...names.map((n) => r.params[n]!)];
    };
    const large = flat.map((x) => x.length > 256);
    const parts = big === "full" ? [gradcheck(f, flat, vjp, c.gOut)] : [
      gradcheck(f, flat, vjp, c.gOut, { check: large.map((l) => !l) }),
      gradcheck(f, flat, vjp, c.gOut, { check: large, mode: "random", directions: 6 }),
    ];
    for (const r of parts) {
      evaluations += r.evaluations;
      if (!(r.maxError <= worst)) {
        worst = r.maxError;
        const k = r.worst.input;
        where = `${label}: ${k === 0 ? "features" : names[k - 1]}[${r.worst.index}] analytic ` +
          `${r.worst.analytic} numeric ${r.worst.numeric}`;
      }
    }
  };
  // The original's sizes (features and small parameters element by element, the four large
  // matrices along random directions) and a small geometry with every element checked.
  const c = makeCase(5, { embed: 0.5 });
  run(c.g, c, c.label, "random");
  const small: NgrGeometry = { ...NGR_GEOMETRY, d: 8, heads: 2 };
  const sc = makeCase(6);
  const params = makeParams(small, 6, 0.3);
  run(
    small,
    {
      params,
      features: sc.features,
      edges: sc.edges,
      gOut: caseValues(66, N * small.d, -1, 1),
    },
    "d = 8",
    "full",
  );
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `${evaluations} central differences; worst ${where}`,
  };
});

/** The parity cases: fixed seeds over batch 1 and 2, E scales, sparse and dense maps. */
function parityCases(): NgrCase[] {
  return [
    makeCase(11),
    makeCase(12, { embed: 0.5 }),
    makeCase(13, { batch: 2 }),
    makeCase(14, { present: 0.3 }),
    makeCase(15, { present: 1 }),
    makeCase(16, { batch: 3, embed: 0.5 }),
    makeCase(17),
    makeCase(18, { present: 1, embed: 1 }),
  ];
}

// The fixed and fuzzed cases run once; both GPU claims read the summary.
parityClaimTests(NGR_GPU_PARITY, NGR_GPU_GRADIENTS, {
  fixed: parityCases,
  arbitrary: ngrArbitrary,
  check: checkNgrCase,
  describe: describeNgrCompared,
});

claimTest(NGR_COMPOSITION, async (): Promise<Measurement> => {
  await initGpu();
  const bad: string[] = [];
  let compared = 0;
  for (const c of [makeCase(21, { embed: 0.5 }), makeCase(22, { batch: 2 })]) {
    const model = moduleOf(c);
    const B = c.g.batch;
    const x = tensor(c.features, [B, N, 8], { requiresGrad: true });
    const read = tidy(() => {
      const y = model.forward(x, c.edges);
      backward(y, tensor(c.gOut, [B, N, 64]));
      return [y, x.grad!, ...model.parameters().map((p) => p.grad!)];
    });
    const full = (await readTensors(read)) as Float32Array[];
    read[0]!.dispose();
    x.dispose();
    for (const p of model.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
    const st = await runStaged(model, c);
    const staged = [
      st.h[c.g.layers]!,
      st.gFeatures,
      ...model.namedParameters().map(([n]) => st.grads[n]!),
    ];
    const names = ["output", "grad features", ...REASONER_PARAMETER_NAMES.map((n) => `grad ${n}`)];
    full.forEach((a, k) => {
      compared++;
      if (a.length !== staged[k]!.length || a.some((v, i) => !Object.is(v, staged[k]![i]))) {
        bad.push(`${c.label}: ${names[k]} differs`);
      }
    });
    model.dispose();
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.length === 0
      ? `${compared} arrays bit-identical (output, feature gradient, 15 parameter gradients; ` +
        "batch 1 and 2)"
      : bad.slice(0, 6).join("; "),
  };
});

claimTest(NGR_FIXTURE_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  const { cases, integrity } = await loadNgrFixture();
  let oracleWorst = 0;
  let oracleWhere = "";
  let stageWorst = 0;
  let stageWhere = "";
  let e2eWorst = 0;
  let e2eWhere = "";
  const FP32_TOL = 1e-5;
  for (const t of cases) {
    const call = t.calls[t.calls.length - 1]!;
    const edges: GraphEdges = {
      nodes: N,
      adjacency: Uint8Array.from(call.adjacency),
      weights: Float32Array.from(call.weights),
    };
    const features = Float64Array.from(call.features, Math.fround);
    const g = NGR_GEOMETRY;
    // Oracle against torch, every array.
    const fw = ngrForward(g, t.params, features, edges);
    const bw = ngrBackward(g, t.params, features, edges, t.gradOutput);
    const oc = (name: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
      const v = checkClose(got, want, {
        atol: Float64Array.from(want, (x) => FIXTURE_F64_REL * (1 + Math.abs(x))),
      });
      if (!(v.ratio <= oracleWorst)) {
        oracleWorst = v.ratio;
        oracleWhere = `${t.name} ${name}`;
      }
    };
    oc("h0", fw.h[0]!, t.h0);
    t.layers.forEach((l, i) => {
      oc(`gat ${i}`, fw.gat[i]!, l.gat);
      oc(`attention ${i}`, fw.attention[i]!, l.attention);
      oc(`h${i + 1}`, fw.h[i + 1]!, l.h);
    });
    oc("output", fw.out, t.output);
    oc("grad features", bw.features, t.gradFeatures);
    for (const n of REASONER_PARAMETER_NAMES) oc(`grad ${n}`, bw.params[n]!, t.gradParams[n]!);
    // GPU: stage by stage against the oracle on the fixture's weights.
    const c: NgrCase = { g, params: t.params, features, edges, gOut: t.gradOutput, label: t.name };
    const model = moduleOf(c);
    const st = await runStaged(model, c);
    model.dispose();
    for (const r of compareStaged(c, st)) {
      if (!(r.verdict.ratio <= stageWorst)) {
        stageWorst = r.verdict.ratio;
        stageWhere = describeNgrCompared(c, r);
      }
    }
    // GPU end to end against torch (the staged chain is the module's forward, bit for bit).
    const ec = (name: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(got[i]! - want[i]!);
        if (!(d <= e2eWorst)) {
          e2eWorst = d;
          e2eWhere = `${t.name} ${name}[${i}]`;
        }
      }
    };
    ec("h0", st.h[0]!, t.h0);
    t.layers.forEach((l, i) => {
      ec(`gat ${i}`, st.gat[i]!, l.gat);
      ec(`attention ${i}`, st.attention[i]!, l.attention);
      ec(`h${i + 1}`, st.h[i + 1]!, l.h);
    });
  }
  const parts = [
    { name: "oracle vs torch (ratio)", figure: oracleWorst, bound: 1, direction: "<=" as const },
    {
      name: "GPU stages vs oracle (ratio)",
      figure: stageWorst,
      bound: 1,
      direction: "<=" as const,
    },
    {
      name: "GPU forward vs torch (abs)",
      figure: e2eWorst,
      bound: FP32_TOL,
      direction: "<=" as const,
    },
  ];
  const figure = Math.max(oracleWorst, stageWorst, e2eWorst / FP32_TOL);
  return {
    figure,
    bound: 1,
    pass: figure <= 1,
    parts,
    detail: `${cases.length} torch cases; oracle worst ratio ${oracleWorst.toExponential(2)} ` +
      `(${oracleWhere}); GPU stage worst ${stageWhere}; GPU end-to-end max |Δ| ` +
      `${e2eWorst.toExponential(2)} (${e2eWhere}); ${integrity}`,
  };
});

/** Node permutation π (new index k holds old node perm[k]) applied to a case. */
function permuteCase(c: NgrCase, perm: number[]): NgrCase {
  const B = c.g.batch;
  const f = new Float64Array(c.features.length);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < N; k++) {
      for (let q = 0; q < 8; q++) f[(b * N + k) * 8 + q] = c.features[(b * N + perm[k]!) * 8 + q]!;
    }
  }
  const adjacency = new Uint8Array(N * N);
  const weights = new Float32Array(N * N);
  for (let a = 0; a < N; a++) {
    for (let b2 = 0; b2 < N; b2++) {
      adjacency[a * N + b2] = c.edges.adjacency[perm[a]! * N + perm[b2]!]!;
      weights[a * N + b2] = c.edges.weights[perm[a]! * N + perm[b2]!]!;
    }
  }
  return {
    ...c,
    features: f,
    edges: { nodes: N, adjacency, weights },
    label: `${c.label} permuted`,
  };
}

/** Rows of [B, N, w] permuted: out[b, k] = x[b, perm[k]]. */
function permuteRows(x: ArrayLike<number>, B: number, w: number, perm: number[]): Float64Array {
  const out = new Float64Array(B * N * w);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < N; k++) {
      for (let q = 0; q < w; q++) out[(b * N + k) * w + q] = x[(b * N + perm[k]!) * w + q]!;
    }
  }
  return out;
}

claimTest(NGR_EQUIVARIANCE, async (): Promise<Measurement> => {
  await initGpu();
  const perm = [3, 7, 0, 5, 1, 6, 2, 4];
  const base = makeCase(31, { present: 1 });
  const withE = (e: Float64Array): NgrCase => ({
    ...base,
    params: { ...base.params, node_embed: e } as NgrParams,
  });
  const zeroE = withE(new Float64Array(N * 64));
  // E at the original's init scale (uniform with the sd of N(0, 0.02²)).
  const initE = withE(
    Float64Array.from(caseValues(32, N * 64, -1, 1), (v) => Math.fround(v * 0.02 * Math.sqrt(3))),
  );
  const maxDiff = (c: NgrCase, on: "oracle" | Float32Array[]) => {
    const pc = permuteCase(c, perm);
    const a = on === "oracle" ? ngrForward(c.g, c.params, c.features, c.edges).out : on[0]!;
    const b = on === "oracle" ? ngrForward(pc.g, pc.params, pc.features, pc.edges).out : on[1]!;
    const pa = permuteRows(a, c.g.batch, 64, perm);
    let m = 0;
    for (let i = 0; i < pa.length; i++) m = Math.max(m, Math.abs(b[i]! - pa[i]!));
    return m;
  };
  const oracleZero = maxDiff(zeroE, "oracle");
  const oracleInit = maxDiff(initE, "oracle");
  // GPU end to end (reported): the module's forward on x and on Px.
  const gpuOut = async (c: NgrCase) => {
    const m = moduleOf(c);
    const outs: Float32Array[] = [];
    for (const cc of [c, permuteCase(c, perm)]) {
      const x = tensor(cc.features, [1, N, 8]);
      const y = tidy(() => m.forward(x, cc.edges));
      outs.push((await y.toArray()) as Float32Array);
      y.dispose();
      x.dispose();
    }
    m.dispose();
    return outs;
  };
  const gpuZero = maxDiff(zeroE, await gpuOut(zeroE));
  const gpuInit = maxDiff(initE, await gpuOut(initE));
  // GPU stage by stage with E = 0: each stage fed the permuted GPU values of the unpermuted
  // run must give the permuted stage output, within the two runs' derived bounds.
  const model = moduleOf(zeroE);
  const st = await runStaged(model, zeroE);
  const pc = permuteCase(zeroE, perm);
  const ph = st.h.map((h) => permuteRows(h, 1, 64, perm));
  const pg = st.gat.map((h) => permuteRows(h, 1, 64, perm));
  const fed = tidy(() => {
    const outs: Tensor[] = [model.embed(tensor(pc.features, [1, N, 8]))];
    for (let l = 0; l < 2; l++) {
      const r = model.gat(l, tensor(ph[l]!, [1, N, 64]), pc.edges);
      r.attention.dispose();
      outs.push(r.out, model.mix(l, tensor(ph[l]!, [1, N, 64]), tensor(pg[l]!, [1, N, 64])));
    }
    return outs;
  });
  const fv = (await readTensors(fed)) as Float32Array[];
  for (const t of fed) t.dispose();
  model.dispose();
  const g = zeroE.g;
  const geo = { dIn: 64, dOut: 64, heads: 2 };
  const none = new Float64Array(N * 64);
  const gp = (l: number) => ({
    "W.weight": zeroE.params[`gat_layers.${l}.W.weight`]!,
    a_src: zeroE.params[`gat_layers.${l}.a_src`]!,
    a_dst: zeroE.params[`gat_layers.${l}.a_dst`]!,
  });
  const stageBounds = [
    [
      embedBounds(g, zeroE.params, zeroE.features, none).out,
      embedBounds(g, zeroE.params, pc.features, none).out,
    ],
  ];
  const wants = [st.h[0]!];
  for (let l = 0; l < 2; l++) {
    stageBounds.push([
      gatBounds(gp(l), st.h[l]!, 1, N, zeroE.edges, geo, none, false).out,
      gatBounds(gp(l), ph[l]!, 1, N, pc.edges, geo, none, false).out,
    ]);
    wants.push(st.gat[l]!);
    const gm = zeroE.params[`norms.${l}.weight`]!;
    const bt = zeroE.params[`norms.${l}.bias`]!;
    stageBounds.push([
      mixBounds(64, st.h[l]!, st.gat[l]!, gm, bt, g.eps, none).out,
      mixBounds(64, ph[l]!, pg[l]!, gm, bt, g.eps, none).out,
    ]);
    wants.push(st.h[l + 1]!);
  }
  let stageRatio = 0;
  fv.forEach((got, s) => {
    const want = permuteRows(wants[s]!, 1, 64, perm);
    const [b0, b1] = stageBounds[s]!;
    const atol = Float64Array.from(b1!, (v, i) => v + permuteRows(b0!, 1, 64, perm)[i]!);
    stageRatio = Math.max(stageRatio, checkClose(got, want, { atol }).ratio);
  });
  // F(Px) and P·F(x) in f64 differ only in summation order: the ledger's f64 agreement
  // tolerance (FIXTURE_F64_REL, outputs are O(1)) bounds them. "Broken" means a difference of
  // at least 0.01, four orders above the GPU's own E = 0 figure (rounding only).
  const F64_BOUND = FIXTURE_F64_REL;
  const BROKEN = 0.01;
  const parts = [
    { name: "oracle E = 0", figure: oracleZero, bound: F64_BOUND, direction: "<=" as const },
    { name: "GPU stages E = 0 (ratio)", figure: stageRatio, bound: 1, direction: "<=" as const },
    { name: "oracle E ≠ 0", figure: oracleInit, bound: BROKEN, direction: ">=" as const },
    { name: "GPU E ≠ 0", figure: gpuInit, bound: BROKEN, direction: ">=" as const },
  ];
  return {
    figure: oracleZero,
    bound: F64_BOUND,
    pass: parts.every((p) => (p.direction === "<=" ? p.figure <= p.bound : p.figure >= p.bound)),
    parts,
    detail: `perm [${perm}]: E = 0: oracle ${oracleZero.toExponential(2)}, GPU end to end ` +
      `${gpuZero.toExponential(2)}, GPU stages ratio ${stageRatio.toFixed(3)}; E ~ U(±0.02·√3): ` +
      `oracle ${oracleInit.toFixed(4)}, GPU ${gpuInit.toFixed(4)}`,
  };
});

claimTest(NGR_SHAPE_LN, async (): Promise<Measurement> => {
  await initGpu();
  const bad: string[] = [];
  const model = new NeuronGraphReasoner({ seed: 41 });
  const { features, edges } = new GraphInputBuilder().build(makeNeuronMap(41, 1));
  // Shapes: [1, 8, 64] and a batch of 3.
  for (const B of [1, 3]) {
    const feats = new Float32Array(B * 64);
    for (let b = 0; b < B; b++) feats.set(features, b * 64);
    const x = NeuronGraphReasoner.featuresTensor(feats);
    const y = tidy(() => model.forward(x, edges));
    if (y.shape.join() !== `${B},8,64`) bad.push(`shape ${y.shape} for B = ${B}`);
    y.dispose();
    x.dispose();
  }
  // LayerNorm statistics of the last stage at init (γ = 1, β = 0), from the staged run.
  const named = Object.fromEntries(
    await Promise.all(
      model.namedParameters().map(async ([n, t]) => [n, Float64Array.from(await t.toArray())]),
    ),
  ) as NgrParams;
  const c: NgrCase = {
    g: NGR_GEOMETRY,
    params: named,
    features: Float64Array.from(features),
    edges,
    gOut: new Float64Array(N * 64),
    label: "seed 41 init",
  };
  const st = await runStaged(model, c);
  model.dispose();
  const L = 2;
  const y = st.h[L]!;
  const e = mixBounds(
    64,
    st.h[L - 1]!,
    st.gat[L - 1]!,
    named["norms.1.weight"]!,
    named["norms.1.bias"]!,
    REASONER_LN_EPS,
    c.gOut,
  ).out;
  let worst = 0;
  let where = "";
  let maxVarDev = 0;
  for (let r = 0; r < N; r++) {
    // The exact r = h + ELU(G) of the GPU's f32 inputs: σ² of the row, the exact output's var.
    const h = st.h[L - 1]!.subarray(r * 64, r * 64 + 64);
    const G = st.gat[L - 1]!.subarray(r * 64, r * 64 + 64);
    const rr = Array.from(h, (v, i) => v + (G[i]! > 0 ? G[i]! : Math.expm1(G[i]!)));
    const mu = rr.reduce((a, b) => a + b, 0) / 64;
    const s2 = rr.reduce((a, b) => a + (b - mu) ** 2, 0) / 64;
    const exactVar = s2 / (s2 + REASONER_LN_EPS);
    const row = y.subarray(r * 64, r * 64 + 64);
    const er = e.subarray(r * 64, r * 64 + 64);
    const mean = row.reduce((a, b) => a + b, 0) / 64;
    const v = row.reduce((a, b) => a + b * b, 0) / 64 - mean * mean;
    const eMean = er.reduce((a, b) => a + b, 0) / 64;
    let eVar = eMean * eMean;
    for (let i = 0; i < 64; i++) eVar += (2 * Math.abs(row[i]!) * er[i]! + er[i]! ** 2) / 64;
    const slack = 1e-12; // the f64 evaluation of these statistics
    const rm = Math.abs(mean) / (eMean + slack);
    const rv = Math.abs(v - exactVar) / (eVar + slack);
    maxVarDev = Math.max(maxVarDev, Math.abs(v - 1));
    for (const [ratio, what] of [[rm, "mean"], [rv, "var"]] as const) {
      if (!(ratio <= worst)) {
        worst = ratio;
        where = `token ${r} ${what}: mean ${mean.toExponential(2)}, var ${v.toFixed(7)} ` +
          `(exact ${exactVar.toFixed(7)})`;
      }
    }
  }
  if (bad.length > 0) worst = Infinity;
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: bad.length > 0
      ? bad.join("; ")
      : `shapes [1, 8, 64] and [3, 8, 64]; worst ${where}; max |var − 1| ${
        maxVarDev.toExponential(2)
      }`,
  };
});

claimTest(NGR_PARAMETERS, async (): Promise<Measurement> => {
  await initGpu();
  const bad: string[] = [];
  const m = new NeuronGraphReasoner({ seed: 51 });
  const named = m.namedParameters();
  const total = named.reduce((s, [, t]) => s + t.size, 0);
  if (total !== 9792) bad.push(`total ${total}`);
  const perGat = named.filter(([n]) => n.startsWith("gat_layers.0.")).reduce(
    (s, [, t]) => s + t.size,
    0,
  );
  if (perGat !== 4224) bad.push(`GAT layer ${perGat}`);
  if (named.map(([n]) => n).join() !== REASONER_PARAMETER_NAMES.join()) bad.push("names");
  if (named.map(([n]) => n).join() !== ngrParamNames(2).join()) bad.push("oracle names");
  if (REASONER_LN_EPS !== NGR_GEOMETRY.eps) bad.push("LayerNorm eps differs from the oracle's");
  const v: Record<string, Float64Array> = Object.fromEntries(
    await Promise.all(
      named.map(async ([n, t]) => [n, Float64Array.from(await t.toArray())] as const),
    ),
  );
  const within = (n: string, b: number) => {
    if (v[n]!.some((x) => !(Math.abs(x) <= b))) bad.push(`${n} outside ±${b}`);
  };
  within("input_proj.weight", 1 / Math.sqrt(8));
  within("input_proj.bias", 1 / Math.sqrt(8));
  within("gat_layers.0.W.weight", 1 / 8);
  const E = v["node_embed"]!;
  const mean = E.reduce((a, b) => a + b, 0) / E.length;
  const sd = Math.sqrt(E.reduce((a, b) => a + (b - mean) ** 2, 0) / E.length);
  // 512 normal draws: the sample sd sits within 6 standard errors (0.02·6/√1024) of 0.02.
  if (!(Math.abs(sd - 0.02) <= 0.02 * 6 / Math.sqrt(2 * 512))) bad.push(`E sd ${sd}`);
  for (const l of [0, 1]) {
    if (v[`norms.${l}.weight`]!.some((x) => x !== 1)) bad.push(`norms.${l}.weight not 1`);
    if (v[`norms.${l}.bias`]!.some((x) => x !== 0)) bad.push(`norms.${l}.bias not 0`);
  }
  if (v["gat_layers.0.W.weight"]!.every((x, i) => x === v["gat_layers.1.W.weight"]![i])) {
    bad.push("GAT layers share their init");
  }
  const again = new NeuronGraphReasoner({ seed: 51 });
  const other = new NeuronGraphReasoner({ seed: 52 });
  const a2 = await again.nodeEmbed.toArray();
  const o2 = await other.nodeEmbed.toArray();
  if (a2.some((x, i) => x !== E[i])) bad.push("same seed, different init");
  if (o2.every((x, i) => x === E[i])) bad.push("another seed, same init");
  for (const x of [m, again, other]) x.dispose();
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.length === 0
      ? `9,792 parameters (GAT layer 4,224) in ${named.length} tensors; E sd ${sd.toFixed(5)}; ` +
        "torch init ranges; seeded"
      : bad.join("; "),
  };
});

claimTest(NGR_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const failures: string[] = [];
  const builder = new GraphInputBuilder();
  builder.build(makeNeuronMap(61));
  const statsBefore = builder.stats().prevStates;
  const model = new NeuronGraphReasoner({ seed: 3 });
  const before = await Promise.all(model.parameters().map((p) => p.toArray()));
  const good = builder.stats();
  const { edges } = new GraphInputBuilder().build(makeNeuronMap(62));
  const x = tensor(new Float32Array(64).fill(0.25), [1, 8, 8]);
  const narrow = tensor(new Float32Array(56), [1, 8, 7]);
  const ints = tensor(new Int32Array(64), [1, 8, 8]);
  const gone = tensor(new Float32Array(64), [1, 8, 8]);
  gone.dispose();
  const broken = new NeuronGraphReasoner({ seed: 4 });
  broken.normBiases[1]!.dispose();
  const n0 = {
    state: 0,
    output: 0,
    layerId: 0,
    numConnections: 1,
    connections: [1],
    weights: [0.5],
  };
  const noLoop: GraphEdges = {
    ...edges,
    adjacency: Uint8Array.from(edges.adjacency, (v, k) => (k === 9 ? 0 : v)),
  };
  const seven: GraphEdges = {
    nodes: 7,
    adjacency: Uint8Array.from({ length: 49 }, (_, k) => (k % 8 === 0 ? 1 : 0)),
    weights: new Float32Array(49),
  };
  const nanW: GraphEdges = {
    ...edges,
    weights: Float32Array.from(edges.weights, (v, k) => (k === 3 ? NaN : v)),
  };
  const weightsOf = (over: Record<string, ArrayLike<number>>) => {
    const w: Record<string, ArrayLike<number>> = {};
    for (const n of REASONER_PARAMETER_NAMES) {
      w[n] = new Float32Array(before[REASONER_PARAMETER_NAMES.indexOf(n)]!.length);
    }
    return { ...w, ...over };
  };
  const cases: { name: string; run: () => unknown; expect: ErrorClass; mentions: string[] }[] = [
    {
      name: "unknown key",
      run: () => builder.build({ neuron_8: n0 }),
      expect: TypeError,
      mentions: ["neuron_8", "neuron_7"],
    },
    {
      name: "odd key",
      run: () => builder.build({ n1: n0 }),
      expect: TypeError,
      mentions: ['"n1"'],
    },
    {
      name: "NaN state",
      run: () => builder.build({ neuron_2: { ...n0, state: NaN } }),
      expect: TypeError,
      mentions: ["neuron_2.state", "NaN"],
    },
    {
      name: "non-integer connection",
      run: () => builder.build({ neuron_1: { ...n0, connections: [1.5] } }),
      expect: TypeError,
      mentions: ["neuron_1.connections[0]", "integer"],
    },
    {
      name: "non-integer layer",
      run: () => builder.build({ neuron_1: { ...n0, layerId: 0.5 } }),
      expect: TypeError,
      mentions: ["layerId"],
    },
    {
      name: "negative num_connections",
      run: () => builder.build({ neuron_3: { ...n0, numConnections: -1 } }),
      expect: TypeError,
      mentions: ["numConnections", ">= 0"],
    },
    {
      name: "connections not an array",
      run: () => builder.build({ neuron_0: { ...n0, connections: 3 as unknown as number[] } }),
      expect: TypeError,
      mentions: ["connections", "array"],
    },
    {
      name: "NaN weight",
      run: () => builder.build({ neuron_0: { ...n0, weights: [NaN] } }),
      expect: TypeError,
      mentions: ["weights[0]"],
    },
    {
      name: "map is an array",
      run: () => builder.build([] as unknown as Record<string, typeof n0>),
      expect: TypeError,
      mentions: ["neuron map", "array"],
    },
    {
      name: "stats of 7",
      run: () => builder.setStats({ prevStates: new Float64Array(7) }),
      expect: TypeError,
      mentions: ["prevStates", "8"],
    },
    {
      name: "NaN stats",
      run: () => builder.setStats({ prevStates: Float64Array.of(0, 0, NaN, 0, 0, 0, 0, 0) }),
      expect: TypeError,
      mentions: ["finite"],
    },
    {
      name: "features width",
      run: () => model.forward(narrow, edges),
      expect: TypeError,
      mentions: ["[B, 8, 8]", "[1, 8, 7]"],
    },
    {
      name: "features dtype",
      run: () => model.forward(ints, edges),
      expect: TypeError,
      mentions: ["NeuronGraphReasoner", "i32"],
    },
    {
      name: "disposed features",
      run: () => model.forward(gone, edges),
      expect: DisposedTensorError,
      mentions: ["NeuronGraphReasoner"],
    },
    {
      name: "disposed parameter",
      run: () => broken.forward(x, edges),
      expect: DisposedTensorError,
      mentions: ["norms.1.bias"],
    },
    {
      name: "no self-loop",
      run: () => model.forward(x, noLoop),
      expect: RangeError,
      mentions: ["node 1", "self-loop"],
    },
    {
      name: "7 nodes",
      run: () => model.forward(x, seven),
      expect: TypeError,
      mentions: ["8 nodes", "7"],
    },
    {
      name: "NaN edge weight",
      run: () => model.forward(x, nanW),
      expect: TypeError,
      mentions: ["finite", "(0, 3)"],
    },
    {
      name: "NaN host features",
      run: () =>
        NeuronGraphReasoner.featuresTensor(
          Float32Array.from({ length: 64 }, (_, k) => (k === 13 ? NaN : 0)),
        ),
      expect: TypeError,
      mentions: ["neuron 1", "feature 5"],
    },
    {
      name: "host features length",
      run: () => NeuronGraphReasoner.featuresTensor(new Float32Array(60)),
      expect: TypeError,
      mentions: ["B·64", "60"],
    },
    {
      name: "missing weight",
      run: () =>
        new NeuronGraphReasoner({ weights: { "input_proj.weight": new Float32Array(512) } }),
      expect: TypeError,
      mentions: ["input_proj.bias"],
    },
    {
      name: "unknown weight",
      run: () => new NeuronGraphReasoner({ weights: weightsOf({ "gat.W": [1] }) }),
      expect: TypeError,
      mentions: ["unknown parameter", "gat.W"],
    },
    {
      name: "NaN weight value",
      run: () =>
        new NeuronGraphReasoner({
          weights: weightsOf({
            node_embed: Float32Array.from({ length: 512 }, (_, k) => (k === 9 ? NaN : 0)),
          }),
        }),
      expect: TypeError,
      mentions: ["node_embed", "NaN"],
    },
    {
      name: "bad seed",
      run: () => new NeuronGraphReasoner({ seed: -2 }),
      expect: RangeError,
      mentions: ["seed"],
    },
  ];
  failures.push(...await checkFaults(cases, (v) => (v as Tensor | undefined)?.dispose?.()));
  if (builder.stats().prevStates.some((v, i) => !Object.is(v, statsBefore[i]))) {
    failures.push("a failed build or setStats moved the velocity buffer");
  }
  builder.setStats(good);
  const after = await Promise.all(model.parameters().map((p) => p.toArray()));
  if (after.some((a, i) => a.some((v, j) => !Object.is(v, before[i]![j])))) {
    failures.push("parameters changed");
  }
  // Control: a valid call with gradients succeeds and leaks nothing.
  const leak = await controlLeak(
    model.parameters(),
    () => tidy(() => backward(sum(model.forward(x, edges)))),
  );
  if (leak !== null) failures.push(leak);
  for (const t of [x, narrow, ints]) t.dispose();
  model.dispose();
  broken.dispose();
  return faultMeasurement(cases.length, failures);
});
