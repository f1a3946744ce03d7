/**
 * Proofs of the fusion head claims (./claims.ts): oracle gradcheck, stage-wise GPU
 * parity of forward and backward, the staged composition, structure, graph-token
 * permutation, frozen input and its divergence, the normaliser's state and the faults.
 * Fixture parity is in ./fixtures_test.ts.
 *
 * @module
 */
import fc from "fast-check";
import {
  add,
  backward,
  DisposedTensorError,
  initGpu,
  mul,
  readTensors,
  sum,
  type Tensor,
  tensor,
  tidy,
  tidyAsync,
} from "../../../impl/mod.ts";
import {
  FUSION_PARAMETER_SHAPES,
  FUSION_SEQ_LEN,
  FUSION_TOKEN_TYPES,
  FusionTransformerHead,
} from "../../../impl/larkos/fusion_head/fusion_head.ts";
import {
  MEAN_STD_CLAMP,
  OnlineMeanStd,
  splitBandQM,
} from "../../../impl/larkos/fusion_head/online_mean_std.ts";
import { LARKOS } from "../../../impl/larkos/config.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import {
  checkFaults,
  controlLeak,
  type FaultCase,
  faultMeasurement,
} from "../../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { parityClaimTests } from "../../nn/_gpu_parity.ts";
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import {
  fusionBackward,
  fusionForward,
  type FusionInputs,
  type FusionParams,
} from "../../oracle/larkos/fusion_head.ts";
import { poolBounds } from "./_bounds.ts";
import {
  checkFusionCase,
  describeFusionCompared,
  type FusionCase,
  makeFusionCase,
  makeFusionInputs,
  runFusionGpu,
  wholeVsStaged,
} from "./_cases.ts";
import {
  FH_COMPOSITION,
  FH_FAULT,
  FH_FROZEN_DIVERGENCE,
  FH_FROZEN_INPUT,
  FH_GPU_GRADIENTS,
  FH_GPU_PARITY,
  FH_GRADCHECK,
  FH_MEAN_STD_STATE,
  FH_PERMUTATION,
  FH_STRUCTURE,
  FUSION_FIXTURE,
  FUSION_PERMUTATION_ABS,
} from "./claims.ts";

const INPUT_NAMES = ["graph", "bandQ", "bandM", "driver"] as const;

claimTest(FH_GRADCHECK, () => {
  const cases = [
    makeFusionCase(2, 41),
    makeFusionCase(1, 42, { training: { p: 0.1, seed: 5, frozenInput: false } }),
    makeFusionCase(1, 43, { training: { p: 0.25, seed: 6, frozenInput: true } }),
  ];
  const names = FUSION_PARAMETER_SHAPES.map(([n]) => n);
  let worst = 0;
  let where = "";
  let evaluations = 0;
  for (const c of cases) {
    const flat = [...INPUT_NAMES.map((n) => c.x[n]), ...names.map((n) => c.params[n]!)];
    const unflat = (xs: Float64Array[]): [FusionInputs, FusionParams] => [
      { graph: xs[0]!, bandQ: xs[1]!, bandM: xs[2]!, driver: xs[3]! },
      Object.fromEntries(names.map((n, i) => [n, xs[4 + i]!])),
    ];
    const f = (xs: Float64Array[]) => {
      const [x, p] = unflat(xs);
      return fusionForward(p, x, c.B, c.call).out;
    };
    const vjp = (w: Float64Array) => {
      const g = fusionBackward(c.params, c.x, c.B, w, c.call);
      return [...INPUT_NAMES.map((n) => g[n]), ...names.map((n) => g.params[n]!)];
    };
    // Every tensor along random directions; the bands and the driver also element by element.
    const runs = [
      { how: "direction", r: gradcheck(f, flat, vjp, c.gOut, { mode: "random", seed: 3 }) },
      {
        how: "element",
        r: gradcheck(f, flat, vjp, c.gOut, { check: flat.map((_, i) => i >= 1 && i <= 3) }),
      },
    ];
    for (const { how, r } of runs) {
      evaluations += r.evaluations;
      if (!(r.maxError <= worst)) {
        worst = r.maxError;
        const k = r.worst.input;
        where = `${c.label}: ${k < 4 ? INPUT_NAMES[k] : names[k - 4]} ${how} ${r.worst.index} ` +
          `analytic ${r.worst.analytic} numeric ${r.worst.numeric}`;
      }
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `${cases.length} cases, ${evaluations} evaluations; worst ${where}`,
  };
});

/** Fixed parity cases: batch 1, 2, 3 and 4, eval and training, frozen or not. */
function fixedCases(): FusionCase[] {
  return [
    makeFusionCase(1, 51),
    makeFusionCase(2, 52, { training: { p: 0.1, seed: 9, frozenInput: false } }),
    makeFusionCase(3, 53, { training: { p: 0.1, seed: 10, frozenInput: true } }),
    makeFusionCase(4, 54),
  ];
}

const arbitrary: fc.Arbitrary<FusionCase> = fc
  .record({
    B: fc.constantFrom(1, 2, 3),
    mode: fc.constantFrom("eval", "train", "frozen"),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .map((r) =>
    makeFusionCase(
      r.B,
      r.seed,
      r.mode === "eval"
        ? {}
        : { training: { p: 0.1, seed: r.seed ^ 77, frozenInput: r.mode === "frozen" } },
    )
  );

// The fixed cases, then 8 fuzzed ones (FC_RUNS raises it), stage by stage, once for both GPU
// claims; a case that throws fails both.
parityClaimTests(FH_GPU_PARITY, FH_GPU_GRADIENTS, {
  fixed: fixedCases,
  arbitrary,
  runs: 8,
  check: checkFusionCase,
  describe: describeFusionCompared,
});

claimTest(FH_COMPOSITION, async (): Promise<Measurement> => {
  const cases = [
    makeFusionCase(2, 61, { training: { p: 0.1, seed: 12, frozenInput: false } }),
    makeFusionCase(1, 62),
  ];
  const bad: string[] = [];
  for (const c of cases) {
    for (const b of wholeVsStaged(await runFusionGpu(c))) bad.push(`${c.label}: ${b}`);
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.length === 0
      ? `${cases.length} cases (training with dropout and noise, eval): 8 forward arrays, 4 ` +
        "input gradients and 48 parameter gradients identical bit for bit"
      : bad.join("; "),
  };
});

/** Host values of a [B, 8, 64] graph, bands and driver as tensors. */
function inputTensors(x: FusionInputs, B: number): [Tensor, Tensor, Tensor, Tensor] {
  return [
    tensor(x.graph, [B, 8, 64]),
    tensor(x.bandQ, [B, 32]),
    tensor(x.bandM, [B, 32]),
    tensor(x.driver, [B, 8]),
  ];
}

claimTest(FH_STRUCTURE, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  const check = (ok: boolean, what: string) => ok || violations.push(what);
  const { data } = await loadPinnedJson<{
    format: string;
    cases: { parameter_names: string[]; parameter_shapes: EncodedArray[] }[];
  }>(FUSION_FIXTURE, "memspec.larkos.fusion_head.v1");
  const torchNames = data.cases[0]!.parameter_names;
  const torchShapes = data.cases[0]!.parameter_shapes.map((a, i) => ints(a, `shape ${i}`));
  const head = new FusionTransformerHead({ seed: 3 });
  const named = head.namedParameters();
  check(head.parameterCount() === 106184, `parameter count ${head.parameterCount()} ≠ 106184`);
  check(
    named.length === torchNames.length &&
      named.every(([n, t], i) => n === torchNames[i] && t.shape.join() === torchShapes[i]!.join()),
    "parameter names, order or shapes differ from torch's named_parameters()",
  );
  check(
    FUSION_SEQ_LEN === LARKOS.MAX_NEURONS + 3 && FUSION_SEQ_LEN === 11,
    `sequence length ${FUSION_SEQ_LEN}`,
  );
  check(
    FUSION_TOKEN_TYPES.join() === "0,0,0,0,0,0,0,0,1,2,3",
    `token types ${FUSION_TOKEN_TYPES.join()}`,
  );
  const layers = head.encoder.layers;
  check(layers.length === 3, `${layers.length} encoder layers`);
  for (const l of layers) {
    check(
      l.dModel === 64 && l.nhead === 4 && l.dimFeedforward === 128 && l.activation === "relu" &&
        l.dropout === 0.1 && l.layerNormEps === 1e-5,
      "an encoder layer is not d 64, 4 heads, ff 128, ReLU, dropout 0.1, eps 1e-5",
    );
  }
  const clone = await readTensors(layers.flatMap((l) => l.parameters())) as Float32Array[];
  const per = layers[0]!.parameters().length;
  for (let i = 1; i < 3; i++) {
    for (let k = 0; k < per; k++) {
      const a = clone[k]!;
      const b = clone[i * per + k]!;
      if (a.some((v, j) => !Object.is(v, b[j]))) violations.push(`layer ${i} differs at init`);
    }
  }
  // Shapes and the pool weights of an eval call, B = 3.
  head.eval();
  const B = 3;
  const xs = inputTensors(makeFusionInputs(B, 71), B);
  const [out, pool, enc] = await tidyAsync(async () => {
    const t = head.forwardTrace(...xs);
    check(t.out.shape.join() === "3,8", `output shape [${t.out.shape}]`);
    check(t.pool.shape.join() === "3,11", `pool shape [${t.pool.shape}]`);
    check(t.tokens.shape.join() === "3,11,64", `token shape [${t.tokens.shape}]`);
    check(t.layers.length === 3, `${t.layers.length} layer outputs`);
    return (await readTensors([t.out, t.pool, t.layers[2]!])) as Float32Array[];
  });
  const params: FusionParams = {};
  const hostParams = await readTensors(named.map(([, t]) => t)) as Float32Array[];
  named.forEach(([n], i) => (params[n] = Float64Array.from(hostParams[i]!)));
  const pb = poolBounds(params, Float64Array.from(enc!), B, null);
  let worstSum = 0;
  for (let b = 0; b < B; b++) {
    let s = 0;
    let bound = 0;
    for (let t = 0; t < 11; t++) {
      const a = pool![b * 11 + t]!;
      check(a >= 0, `negative pool weight ${a}`);
      s += a;
      bound += pb.pool[b * 11 + t]!;
    }
    worstSum = Math.max(worstSum, Math.abs(s - 1));
    check(Math.abs(s - 1) <= bound, `batch ${b}: |Σa − 1| = ${Math.abs(s - 1)} > ${bound}`);
  }
  check(out!.every(Number.isFinite), "non-finite output");
  for (const x of xs) x.dispose();
  head.dispose();
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? `106,184 parameters in 48 tensors named as torch's named_parameters(); 11 tokens of ` +
        `4 types; 3 cloned layers; output [3, 8]; pool weights ≥ 0, worst |Σa − 1| ` +
        `${worstSum.toExponential(2)} within its derived bound`
      : violations.join("; "),
  };
});

claimTest(FH_PERMUTATION, async (): Promise<Measurement> => {
  await initGpu();
  const head = new FusionTransformerHead({ seed: 7 }).eval();
  const B = 4;
  const P = 6;
  const x = makeFusionInputs(B, 81);
  // Batch row b·(P + 1) + k holds input b with permutation k (k = 0: identity).
  const n = B * (P + 1);
  const graph = new Float64Array(n * 512);
  const rep = (src: Float64Array, w: number) => {
    const out = new Float64Array(n * w);
    for (let r = 0; r < n; r++) {
      out.set(src.subarray(Math.floor(r / (P + 1)) * w, (Math.floor(r / (P + 1)) + 1) * w), r * w);
    }
    return out;
  };
  const perms: number[][] = [];
  for (let r = 0; r < n; r++) {
    const b = Math.floor(r / (P + 1));
    const u = caseValues(900 + r, 8, 0, 1);
    const perm = r % (P + 1) === 0
      ? [0, 1, 2, 3, 4, 5, 6, 7]
      : [0, 1, 2, 3, 4, 5, 6, 7].sort((i, j) => u[i]! - u[j]!);
    perms.push(perm);
    for (let t = 0; t < 8; t++) {
      graph.set(
        x.graph.subarray((b * 8 + perm[t]!) * 64, (b * 8 + perm[t]! + 1) * 64),
        (r * 8 + t) * 64,
      );
    }
  }
  const xs = inputTensors(
    { graph, bandQ: rep(x.bandQ, 32), bandM: rep(x.bandM, 32), driver: rep(x.driver, 8) },
    n,
  );
  const out = await tidyAsync(async () => await head.forward(...xs).toFloat32());
  let worst = 0;
  for (let r = 0; r < n; r++) {
    const base = Math.floor(r / (P + 1)) * (P + 1);
    for (let o = 0; o < 8; o++) {
      worst = Math.max(worst, Math.abs(out[r * 8 + o]! - out[base * 8 + o]!));
    }
  }
  const nonTrivial = perms.filter((p) => p.some((v, i) => v !== i)).length;
  for (const t of xs) t.dispose();
  head.dispose();
  return {
    figure: worst,
    bound: FUSION_PERMUTATION_ABS,
    pass: worst <= FUSION_PERMUTATION_ABS && nonTrivial === B * P,
    detail: `${B} inputs × ${P} random graph-token permutations (all non-identity) on the GPU, ` +
      `eval mode; max |Δout| ${worst.toExponential(2)}`,
  };
});

/** Bit-for-bit equality. */
function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

claimTest(FH_FROZEN_INPUT, async (): Promise<Measurement> => {
  await initGpu();
  const head = new FusionTransformerHead({ seed: 5 });
  const B = 2;
  const xs = inputTensors(makeFusionInputs(B, 91), B);
  const r = await tidyAsync(async () => {
    const run = (frozenInput: boolean, seed?: number) => {
      const t = head.forwardTrace(
        ...xs,
        seed === undefined ? { frozenInput } : { frozenInput, seed },
      );
      return [t.input, t.out];
    };
    head.eval();
    const ev = run(false, 1);
    head.train();
    const f1 = run(true, 1);
    const f2 = run(true, 2);
    const f1b = run(true, 1);
    const fs = run(true); // the module's own seed stream
    const u1 = run(false, 1);
    const u2 = run(false, 2);
    return (await readTensors([
      ...ev,
      ...f1,
      ...f2,
      ...f1b,
      ...fs,
      ...u1,
      ...u2,
    ])) as Float32Array[];
  });
  const [evIn, , f1In, f1Out, f2In, , , f1bOut, fsIn, , u1In, , u2In] = r;
  const violations: string[] = [];
  const check = (ok: boolean, what: string) => ok || violations.push(what);
  check(same(f1In!, evIn!), "frozen encoder input (seed 1) ≠ eval's");
  check(same(f2In!, evIn!), "frozen encoder input (seed 2) ≠ eval's");
  check(same(fsIn!, evIn!), "frozen encoder input (stream seed) ≠ eval's");
  check(same(f1Out!, f1bOut!), "frozen output not reproduced by the same seed");
  check(!same(u1In!, u2In!), "control: unfrozen encoder inputs equal across seeds");
  check(!same(u1In!, evIn!), "control: unfrozen encoder input equals eval's");
  for (const t of xs) t.dispose();
  head.dispose();
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? `training mode, B = 2: with frozenInput the encoder input equals eval's bit for bit ` +
        `for seeds 1, 2 and the stream, and seed 1 reproduces its output; without it the ` +
        `encoder input changes with the seed (control)`
      : violations.join("; "),
  };
});

claimTest(FH_FROZEN_DIVERGENCE, async (): Promise<Measurement> => {
  await initGpu();
  const head = new FusionTransformerHead({ seed: 6 });
  const B = 2;
  const xs = inputTensors(makeFusionInputs(B, 92), B);
  const seeds = [1, 2, 3, 4, 5];
  const outs = await tidyAsync(async () =>
    (await readTensors(
      seeds.map((seed) => head.forward(...xs, { frozenInput: true, seed })),
    )) as Float32Array[]
  );
  let identical = 0;
  let minDiff = Infinity;
  for (let i = 0; i < seeds.length; i++) {
    for (let j = i + 1; j < seeds.length; j++) {
      if (same(outs[i]!, outs[j]!)) identical++;
      let d = 0;
      outs[i]!.forEach((v, k) => (d = Math.max(d, Math.abs(v - outs[j]![k]!))));
      minDiff = Math.min(minDiff, d);
    }
  }
  const { data } = await loadPinnedJson<{
    format: string;
    cases: { frozen_train_out_seed1: EncodedArray; frozen_train_out_seed2: EncodedArray }[];
  }>(FUSION_FIXTURE, "memspec.larkos.fusion_head.v1");
  const t1 = f64(data.cases[0]!.frozen_train_out_seed1, "frozen_train_out_seed1");
  const t2 = f64(data.cases[0]!.frozen_train_out_seed2, "frozen_train_out_seed2");
  let torchDiff = 0;
  t1.forEach((v, k) => (torchDiff = Math.max(torchDiff, Math.abs(v - t2[k]!))));
  const figure = identical + (torchDiff > 0 ? 0 : 1);
  for (const t of xs) t.dispose();
  head.dispose();
  return {
    figure,
    bound: 0,
    pass: figure === 0,
    detail: `memspec: ${seeds.length * (seeds.length - 1) / 2} seed pairs of frozen training ` +
      `calls, ${identical} identical, smallest max |Δout| ${minDiff.toExponential(2)}; torch ` +
      `(the fixture's head, frozen_input=True, torch seeds 1 and 2): max |Δout| ` +
      `${torchDiff.toExponential(2)}`,
  };
});

claimTest(FH_MEAN_STD_STATE, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  const check = (ok: boolean, what: string) => ok || violations.push(what);
  const seq = (s: number) => Array.from(caseValues(500 + s, 64, -4, 4));
  const a = new OnlineMeanStd();
  for (let s = 0; s < 10; s++) a.update(seq(s));
  const b = new OnlineMeanStd();
  b.setStats(a.stats());
  for (let s = 10; s < 30; s++) {
    a.update(seq(s));
    b.update(seq(s));
  }
  const sa = a.stats();
  const sb = b.stats();
  check(
    sa.mean.every((v, i) => Object.is(v, sb.mean[i])) &&
      sa.var.every((v, i) => Object.is(v, sb.var[i])),
    "restored statistics do not continue bit for bit",
  );
  const far = a.normalize(new Array(64).fill(1e6));
  check(far.every((v) => v === MEAN_STD_CLAMP), "normalize exceeds the clamp");
  // A constant dimension: var decays as 0.98^k below the floor; (x − mean) / 0.1 then.
  const c = new OnlineMeanStd(1);
  for (let s = 0; s < 300; s++) c.update([2]);
  check(c.stats().var[0]! < 0.1 ** 2, "constant dimension's var did not decay below the floor²");
  check(Math.abs(c.normalize([2.05])[0]! - 0.5) < 1e-9, "std floor 0.1 not applied");
  // splitBandQM: exact halves, gradients routed back.
  const fusedHost = Float32Array.from(caseValues(77, 3 * 64, -2, 2));
  const fused = tensor(fusedHost, [3, 64], { requiresGrad: true });
  const [q, m, gq] = await tidyAsync(async () => {
    const [bq, bm] = splitBandQM(fused);
    const w = tensor(Array.from({ length: 96 }, (_, i) => i + 1), [3, 32]);
    backward(sum(add(mul(bq, w), bm)));
    return (await readTensors([bq, bm, fused.grad!])) as Float32Array[];
  });
  for (let r = 0; r < 3; r++) {
    for (let j = 0; j < 32; j++) {
      check(q![r * 32 + j] === fusedHost[r * 64 + j], "band_q is not fused[:, :32]");
      check(m![r * 32 + j] === fusedHost[r * 64 + 32 + j], "band_m is not fused[:, 32:]");
      check(gq![r * 64 + j] === r * 32 + j + 1, "band_q gradient misrouted");
      check(gq![r * 64 + 32 + j] === 1, "band_m gradient misrouted");
    }
  }
  fused.dispose();
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? "stats()/setStats() resume 20 updates bit for bit; clamp ±3; std floor 0.1; " +
        "splitBandQM halves [3, 64] exactly with gradients routed to their halves"
      : [...new Set(violations)].join("; "),
  };
});

claimTest(FH_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const head = new FusionTransformerHead({ seed: 2 });
  const B = 2;
  const [graph, bq, bm, dr] = inputTensors(makeFusionInputs(B, 95), B);
  const t = (shape: number[]) => tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)), shape);
  const narrowGraph = t([B, 8, 63]);
  const shortGraph = t([B, 7, 64]);
  const flatGraph = t([B, 512]);
  const bq31 = t([B, 31]);
  const bm33 = t([B, 33]);
  const dr7 = t([B, 7]);
  const bq3 = t([3, 32]);
  const dr1 = t([1, 8]);
  const empty = t([0, 8, 64]);
  const emptyQ = t([0, 32]);
  const emptyD = t([0, 8]);
  const intBand = tensor(new Int32Array(B * 32), [B, 32]);
  const gone = t([B, 32]);
  gone.dispose();
  const fused63 = t([B, 63]);
  const good = await readTensors(head.parameters());
  const weights: Record<string, Float32Array> = {};
  head.namedParameters().forEach(([n], i) => (weights[n] = good[i] as Float32Array));
  const nanWeights = {
    ...weights,
    pool_query: weights.pool_query!.map((v, i) => i === 5 ? NaN : v),
  };
  const shortWeights = { ...weights, "proj_q.weight": weights["proj_q.weight"]!.slice(1) };
  const missing = { ...weights };
  delete missing["linear_out.bias"];
  const norm = new OnlineMeanStd(4);
  norm.update([1, 2, 3, 4]);
  const before = norm.stats();
  const cases: FaultCase[] = [
    {
      name: "graph width 63",
      run: () => head.forward(narrowGraph, bq, bm, dr),
      expect: TypeError,
      mentions: ["graph tokens", "[B, 8, 64]", "[2, 8, 63]"],
    },
    {
      name: "7 graph tokens",
      run: () => head.forward(shortGraph, bq, bm, dr),
      expect: TypeError,
      mentions: ["graph tokens", "[2, 7, 64]"],
    },
    {
      name: "graph rank 2",
      run: () => head.forward(flatGraph, bq, bm, dr),
      expect: TypeError,
      mentions: ["graph tokens", "[2, 512]"],
    },
    {
      name: "band_q width 31",
      run: () => head.forward(graph, bq31, bm, dr),
      expect: TypeError,
      mentions: ["band_q", "[B, 32]", "[2, 31]"],
    },
    {
      name: "band_m width 33",
      run: () => head.forward(graph, bq, bm33, dr),
      expect: TypeError,
      mentions: ["band_m", "[2, 33]"],
    },
    {
      name: "driver width 7",
      run: () => head.forward(graph, bq, bm, dr7),
      expect: TypeError,
      mentions: ["driver", "[B, 8]", "[2, 7]"],
    },
    {
      name: "band_q batch 3",
      run: () => head.forward(graph, bq3, bm, dr),
      expect: TypeError,
      mentions: ["band_q", "batch 2", "[3, 32]"],
    },
    {
      name: "driver batch 1",
      run: () => head.forward(graph, bq, bm, dr1),
      expect: TypeError,
      mentions: ["driver", "batch 2", "[1, 8]"],
    },
    {
      name: "empty batch",
      run: () => head.forward(empty, emptyQ, emptyQ, emptyD),
      expect: RangeError,
      mentions: ["batch of at least 1"],
    },
    {
      name: "i32 band",
      run: () => head.forward(graph, intBand, bm, dr),
      expect: TypeError,
      mentions: ["band_q", "i32"],
    },
    {
      name: "disposed band",
      run: () => head.forward(graph, gone, bm, dr),
      expect: DisposedTensorError,
    },
    {
      name: "bad seed",
      run: () => head.forward(graph, bq, bm, dr, { seed: 2 ** 32 }),
      expect: RangeError,
      mentions: ["seed"],
    },
    {
      name: "frozenInput not boolean",
      run: () => head.forward(graph, bq, bm, dr, { frozenInput: 1 as unknown as boolean }),
      expect: TypeError,
      mentions: ["frozenInput"],
    },
    {
      name: "pool input shape",
      run: () => head.pool(graph),
      expect: TypeError,
      mentions: ["pool", "[B, 11, 64]"],
    },
    {
      name: "NaN weight",
      run: () => new FusionTransformerHead({ weights: nanWeights }),
      expect: RangeError,
      mentions: ["pool_query", "NaN", "index 5"],
    },
    {
      name: "short weight",
      run: () => new FusionTransformerHead({ weights: shortWeights }),
      expect: TypeError,
      mentions: ["proj_q.weight", "2048"],
    },
    {
      name: "missing weight",
      run: () => head.setWeights(missing),
      expect: TypeError,
      mentions: ["linear_out.bias", "none"],
    },
    {
      name: "unknown weight",
      run: () => head.setWeights({ ...weights, "proj_n.weight": new Float32Array(1) }),
      expect: TypeError,
      mentions: ["unknown parameter", "proj_n.weight"],
    },
    {
      name: "dropout 1",
      run: () => new FusionTransformerHead({ dropout: 1 }),
      expect: RangeError,
      mentions: ["dropout in [0, 1)"],
    },
    {
      name: "NaN fused vector",
      run: () => norm.update([1, NaN, 3, 4]),
      expect: RangeError,
      mentions: ["OnlineMeanStd", "NaN", "index 1"],
    },
    {
      name: "infinite fused vector",
      run: () => norm.normalize([1, 2, Infinity, 4]),
      expect: RangeError,
      mentions: ["OnlineMeanStd", "Infinity"],
    },
    {
      name: "fused vector length",
      run: () => norm.update([1, 2, 3]),
      expect: TypeError,
      mentions: ["4 numbers", "3"],
    },
    {
      name: "negative variance",
      run: () => norm.setStats({ ...before, var: Float64Array.of(1, -1, 1, 1) }),
      expect: RangeError,
      mentions: ["var", "-1"],
    },
    {
      name: "stats length",
      run: () => norm.setStats({ ...before, mean: new Float64Array(3) }),
      expect: TypeError,
      mentions: ["mean", "4 values"],
    },
    {
      name: "split width 63",
      run: () => splitBandQM(fused63),
      expect: TypeError,
      mentions: ["splitBandQM", "[B, 64]", "[2, 63]"],
    },
  ];
  const failures = await checkFaults(cases);
  const after = norm.stats();
  if (
    !after.mean.every((v, i) => v === before.mean[i]) ||
    !after.var.every((v, i) => v === before.var[i])
  ) {
    failures.push("OnlineMeanStd statistics changed by a refused call");
  }
  const now = await readTensors(head.parameters());
  if (now.some((a, i) => a.some((v, j) => !Object.is(v, good[i]![j])))) {
    failures.push("parameters changed by a refused call");
  }
  // Control: a valid training call with gradients succeeds and leaks nothing.
  const leak = await controlLeak(
    head.parameters(),
    () => tidy(() => backward(sum(head.forward(graph, bq, bm, dr, { seed: 4 })))),
  );
  if (leak !== null) failures.push(leak);
  for (
    const x of [
      graph,
      bq,
      bm,
      dr,
      narrowGraph,
      shortGraph,
      flatGraph,
      bq31,
      bm33,
      dr7,
      bq3,
      dr1,
      empty,
      emptyQ,
      emptyD,
      intBand,
      fused63,
    ]
  ) {
    x.dispose();
  }
  head.dispose();
  return faultMeasurement(cases.length, failures);
});
