/**
 * Proofs of the temporal encoder's module claims (./claims.ts): oracle
 * gradcheck, GPU parity of forward and backward, shape and frame-order
 * sensitivity), the parameter count and cloned layers, and faults. The input
 * pipeline's claims are in ./input_pipeline_test.ts, the torch fixture in
 * ./fixtures_test.ts.
 *
 * @module
 */
import { DisposedTensorError, initGpu, tensor, tidy } from "../../../impl/mod.ts";
import {
  TemporalAttentionEncoder,
  temporalParameterShapes,
} from "../../../impl/larkos/temporal_encoder/temporal_encoder.ts";
import {
  fourierEncode,
  FrameHistory,
  OnlineMinMax,
} from "../../../impl/larkos/temporal_encoder/input_pipeline.ts";
import { LARKOS } from "../../../impl/larkos/config.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL, RNG_SIGMAS } from "../../../invariants/tolerance.ts";
import { checkFaults, type FaultCase } from "../../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import {
  flatParams,
  temporalBackward,
  type TemporalGeometry,
  temporalOutput,
  unflatParams,
} from "../../oracle/larkos/temporal_encoder.ts";
import { parityClaimTests } from "../../nn/_gpu_parity.ts";
import {
  compareStages,
  compositionDiffs,
  describeTemporalCompared,
  larkosGeometry,
  makeTemporalCase,
  runTemporalGpu,
  temporalArbitrary,
  type TemporalCase,
} from "./_cases.ts";
import {
  TE_FAULT,
  TE_GPU_GRADIENTS,
  TE_GPU_PARITY,
  TE_GRADCHECK,
  TE_PARAMETERS,
  TE_SHAPE_ORDER,
} from "./claims.ts";

const small = (o: Partial<TemporalGeometry> = {}): TemporalGeometry => ({
  batch: 2,
  length: 4,
  d: 8,
  heads: 2,
  ff: 6,
  ...o,
});

claimTest(TE_GRADCHECK, () => {
  const cases: [TemporalCase, "full" | "random"][] = [
    [makeTemporalCase(small(), 21, { pad: 1 }), "full"],
    [
      makeTemporalCase(small({ length: 3, d: 6, heads: 3 }), 22, {
        dropout: { p: 0.25, seed: 5 },
      }),
      "full",
    ],
    [makeTemporalCase(larkosGeometry(1), 23, { pad: 2 }), "random"],
  ];
  let worst = 0;
  let where = "";
  let evaluations = 0;
  for (const [c, mode] of cases) {
    const names = Object.keys(flatParams(c.params));
    const flat = [c.x, ...names.map((n) => flatParams(c.params)[n]!)];
    const layers = c.params.layers.length;
    const unflat = (xs: Float64Array[]) =>
      unflatParams(Object.fromEntries(names.map((n, k) => [n, xs[1 + k]!])), layers);
    const r = gradcheck(
      (xs) => temporalOutput(c.g, unflat(xs), xs[0]!, c.call),
      flat,
      (w) => {
        const gr = temporalBackward(c.g, c.params, c.x, w, c.call);
        const fp = flatParams(gr.params);
        return [gr.x, ...names.map((n) => fp[n]!)];
      },
      c.gOut,
      { mode, directions: 3 },
    );
    evaluations += r.evaluations;
    if (!(r.maxError <= worst)) {
      worst = r.maxError;
      const k = r.worst.input;
      where = `${c.label} (${mode}): ${k === 0 ? "x" : names[k - 1]}[${r.worst.index}] ` +
        `analytic ${r.worst.analytic} numeric ${r.worst.numeric}`;
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `${cases.length} cases, ${evaluations} evaluations; worst ${where}`,
  };
});

/** Fixed cases: Larkos' sizes (young and full histories, batch, dropout) and smaller ones. */
function parityCases(): TemporalCase[] {
  return [
    makeTemporalCase(larkosGeometry(1), 11, { pad: 2 }),
    makeTemporalCase(larkosGeometry(3), 12, { dropout: { p: 0.1, seed: 9 } }),
    makeTemporalCase(larkosGeometry(1), 13, { pad: 3 }),
    makeTemporalCase(small({ length: 3, d: 6, heads: 3, ff: 5 }), 14),
    makeTemporalCase(small({ batch: 1, length: 5, ff: 7 }), 15, {
      dropout: { p: 0.2, seed: 3 },
      pad: 1,
    }),
  ];
}

// The fixed and fuzzed cases run once; both GPU claims read the summary. A case whose module
// run differs from its stages in turn throws (it is not a ratio), failing both claims.
parityClaimTests(TE_GPU_PARITY, TE_GPU_GRADIENTS, {
  fixed: parityCases,
  arbitrary: temporalArbitrary,
  check: async (c: TemporalCase) => {
    const r = await runTemporalGpu(c);
    const diffs = compositionDiffs(r);
    if (diffs.length > 0) {
      throw new Error(`${c.label}: the module differs from its stages in turn on ${diffs}`);
    }
    return compareStages(c, r);
  },
  describe: describeTemporalCompared,
});

/** The frame-order bound: 100× the larkos fixtures' fp32 parity tolerance (1e-5). */
const FRAME_ORDER_MIN = 1e-3;

claimTest(TE_SHAPE_ORDER, async (): Promise<Measurement> => {
  await initGpu();
  const L = LARKOS.TEMPORAL_WINDOW;
  const D = LARKOS.FOURIER_OUT_DIM;
  const enc = new TemporalAttentionEncoder({ seed: 5 }).eval();
  // A full history of Fourier frames from distinct channel values.
  const frames = Array.from(
    { length: L },
    (_, t) => fourierEncode(Array.from({ length: 6 }, (_, k) => Math.sin(1.7 * t + 0.9 * k))),
  );
  const pairs: [number, number][] = [];
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) pairs.push([i, j]);
  // Batch: the history, then one swapped history per pair (one forward, one sync).
  const batch = new Float32Array((1 + pairs.length) * L * D);
  const put = (b: number, order: number[]) =>
    order.forEach((src, t) => batch.set(frames[src]!, (b * L + t) * D));
  put(0, [0, 1, 2, 3]);
  pairs.forEach(([i, j], k) => {
    const order = [0, 1, 2, 3];
    [order[i], order[j]] = [order[j]!, order[i]!];
    put(1 + k, order);
  });
  const x = tensor(batch, [1 + pairs.length, L, D]);
  const one = tensor(batch.subarray(0, L * D), [1, L, D]);
  const [y, y1] = tidy(() => [enc.forward(x), enc.forward(one)]);
  const shapeViolations = [y1!.shape.join() === "1,4,48" ? 0 : 1][0]!;
  const [v, v1] = [await y!.toFloat32(), await y1!.toFloat32()];
  for (const t of [x, one, y!, y1!]) t.dispose();
  enc.dispose();
  let minGap = Infinity;
  let where = "";
  pairs.forEach(([i, j], k) => {
    let gap = 0;
    for (let t = 0; t < L; t++) {
      // swap(y(x)) at frame t is y(x) at the frame that moved to t.
      const src = t === i ? j : t === j ? i : t;
      for (let c = 0; c < D; c++) {
        gap = Math.max(gap, Math.abs(v[((1 + k) * L + t) * D + c]! - v[src * D + c]!));
      }
    }
    if (gap < minGap) {
      minGap = gap;
      where = `frames ${i}↔${j}`;
    }
  });
  const batchedSame = v1.every((a, i) => a === v[i]) ? 0 : 1;
  const figure = shapeViolations + batchedSame > 0 ? 0 : minGap;
  return {
    figure,
    bound: FRAME_ORDER_MIN,
    pass: figure >= FRAME_ORDER_MIN,
    parts: [
      { name: "shape violations", figure: shapeViolations, bound: 0, direction: "==" },
      { name: "batched ≠ single", figure: batchedSame, bound: 0, direction: "==" },
    ],
    detail: `y: [1, 4, 48]; ${pairs.length} frame swaps, smallest max |y(swap x) − swap(y(x))| ` +
      `${minGap.toExponential(3)} (${where}); batch row 0 equals the lone forward bit for bit`,
  };
});

claimTest(TE_PARAMETERS, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  const enc = new TemporalAttentionEncoder({ seed: 17 });
  const named = enc.namedParameters();
  const count = enc.parameterCount();
  if (count !== 32000) violations.push(`parameter count ${count}, not 32,000`);
  const shapes = temporalParameterShapes({ L: 4, d: 48, ff: 64, layers: 2 });
  const want = Object.keys(shapes);
  if (named.map(([n]) => n).join() !== want.join()) violations.push("names or order differ");
  named.forEach(([n, t]) => {
    if (t.shape.join() !== shapes[n]?.join()) violations.push(`${n} has shape [${t.shape}]`);
  });
  const perLayer = enc.encoder.layers[0]!.parameters().reduce((s, t) => s + t.size, 0);
  if (perLayer !== 15856) violations.push(`per-layer count ${perLayer}`);
  const [l0, l1] = enc.encoder.layers;
  const v0 = await Promise.all(l0!.parameters().map((p) => p.toFloat32()));
  const v1 = await Promise.all(l1!.parameters().map((p) => p.toFloat32()));
  v0.forEach((a, k) => {
    if (a.some((x, i) => !Object.is(x, v1[k]![i]))) violations.push(`layer param ${k} differs`);
    if (l0!.parameters()[k]!.buffer === l1!.parameters()[k]!.buffer) {
      violations.push(`layer param ${k} shares a buffer`);
    }
  });
  const pos = await enc.pos.toFloat32();
  const nw = await enc.inputNormWeight.toFloat32();
  const nb = await enc.inputNormBias.toFloat32();
  if (nw.some((x) => x !== 1) || nb.some((x) => x !== 0)) violations.push("input_norm not 1, 0");
  // Sample std of n normals: standard error σ/√(2n).
  const n = pos.length;
  const sd = Math.sqrt(pos.reduce((s, x) => s + x * x, 0) / n);
  const se = 0.02 / Math.sqrt(2 * n);
  if (Math.abs(sd - 0.02) > RNG_SIGMAS * se) violations.push(`pos std ${sd}`);
  const again = new TemporalAttentionEncoder({ seed: 17 });
  const other = new TemporalAttentionEncoder({ seed: 18 });
  const pa = await again.pos.toFloat32();
  const po = await other.pos.toFloat32();
  if (pa.some((x, i) => x !== pos[i])) violations.push("same seed, different pos");
  if (po.every((x, i) => x === pos[i])) violations.push("another seed, same pos");
  for (const m of [enc, again, other]) m.dispose();
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? `32,000 parameters in ${named.length} named tensors (pos 192, input_norm 96, 2 × ` +
        `15,856); layers bit-identical in own buffers; pos std ${sd.toFixed(5)} (±${
          (RNG_SIGMAS * se).toExponential(1)
        })`
      : violations.slice(0, 6).join("; "),
  };
});

claimTest(TE_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const enc = new TemporalAttentionEncoder({ seed: 1 }).eval();
  const good = tensor(new Float32Array(192), [1, 4, 48]);
  const bad = tensor(new Float32Array(240), [1, 5, 48]);
  const flat = tensor(new Float32Array(192), [4, 48]);
  const norm = new OnlineMinMax({ tracking: "asymmetric" });
  norm.update([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const before = JSON.stringify(norm.stats(), (_, v) => v instanceof Float64Array ? [...v] : v);
  const six = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
  const nan6 = [0.1, NaN, 0.3, 0.4, 0.5, 0.6];
  const hist = new FrameHistory();
  const disposed = new TemporalAttentionEncoder({ seed: 2 });
  disposed.pos.dispose();
  const weights = Object.fromEntries(
    enc.namedParameters().map(([n, t]) => [n, new Float32Array(t.size)]),
  );
  const cases: FaultCase[] = [
    {
      name: "update of 5",
      run: () => norm.update([1, 2, 3, 4, 5]),
      expect: TypeError,
      mentions: ["6", "5"],
    },
    { name: "update NaN", run: () => norm.update(nan6), expect: RangeError, mentions: ["index 1"] },
    { name: "normalize of 7", run: () => norm.normalize([...six, 1]), expect: TypeError },
    {
      name: "normalize Inf",
      run: () => norm.normalize([Infinity, 0, 0, 0, 0, 0]),
      expect: RangeError,
    },
    { name: "observe NaN", run: () => norm.observe(nan6), expect: RangeError },
    { name: "fourier of 5", run: () => fourierEncode([1, 2, 3, 4, 5]), expect: TypeError },
    { name: "fourier NaN", run: () => fourierEncode(nan6), expect: RangeError },
    {
      name: "fourier null",
      run: () => fourierEncode(null as unknown as number[]),
      expect: TypeError,
    },
    { name: "history frame 47", run: () => hist.push(new Float64Array(47)), expect: TypeError },
    {
      name: "history 5 frames",
      run: () => hist.restore(Array(5).fill(new Float64Array(48))),
      expect: RangeError,
    },
    {
      name: "bad tracking",
      run: () => new OnlineMinMax({ tracking: "ema" as "original" }),
      expect: TypeError,
    },
    {
      name: "bad momentum",
      run: () => new OnlineMinMax({ tracking: "original", momentum: 0 }),
      expect: RangeError,
    },
    {
      name: "setStats wrong tracking",
      run: () => norm.setStats({ ...norm.stats(), tracking: "original" }),
      expect: TypeError,
    },
    {
      name: "setStats NaN min",
      run: () => norm.setStats({ ...norm.stats(), min: new Float64Array(6).fill(NaN) }),
      expect: RangeError,
    },
    {
      name: "setStats short max",
      run: () => norm.setStats({ ...norm.stats(), max: new Float64Array(5) }),
      expect: TypeError,
    },
    {
      name: "x [1, 5, 48]",
      run: () => enc.forward(bad),
      expect: TypeError,
      mentions: ["[B, 4, 48]", "[1, 5, 48]"],
    },
    { name: "x [4, 48]", run: () => enc.forward(flat), expect: TypeError },
    { name: "bad seed", run: () => enc.forward(good, { seed: -1 }), expect: RangeError },
    { name: "disposed pos", run: () => disposed.forward(good), expect: DisposedTensorError },
    {
      name: "d % heads",
      run: () => new TemporalAttentionEncoder({ nhead: 5 }),
      expect: RangeError,
    },
    {
      name: "dropout 1",
      run: () => new TemporalAttentionEncoder({ dropout: 1 }),
      expect: RangeError,
    },
    {
      name: "seed 2^32",
      run: () => new TemporalAttentionEncoder({ seed: 2 ** 32 }),
      expect: RangeError,
    },
    {
      name: "weights missing pos",
      run: () => {
        const { pos: _drop, ...rest } = weights;
        return new TemporalAttentionEncoder({ weights: rest });
      },
      expect: TypeError,
      mentions: ["pos"],
    },
    {
      name: "weights short in_proj",
      run: () =>
        new TemporalAttentionEncoder({
          weights: { ...weights, "encoder.layers.1.self_attn.in_proj_weight": new Float32Array(3) },
        }),
      expect: TypeError,
      mentions: ["encoder.layers.1.self_attn.in_proj_weight", "6912"],
    },
    {
      name: "weights unknown name",
      run: () =>
        enc.setWeights({ ...weights, "encoder.layers.2.norm1.weight": new Float32Array(48) }),
      expect: TypeError,
      mentions: ["unknown"],
    },
  ];
  const failures = await checkFaults(cases, (v) => (v as { dispose?: () => void })?.dispose?.());
  const after = JSON.stringify(norm.stats(), (_, v) => v instanceof Float64Array ? [...v] : v);
  if (after !== before) failures.push("a failed call changed the normaliser's statistics");
  if (hist.length !== 0) failures.push("a failed push changed the history");
  for (const t of [good, bad, flat]) t.dispose();
  enc.dispose();
  for (const t of disposed.parameters()) if (!t.disposed) t.dispose();
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length === 0
      ? `${cases.length} fault cases: typed errors, no leak, no GPU work, state unchanged`
      : failures.slice(0, 6).join("; "),
  };
});
