/**
 * Proofs of the encoders' claims (./claims.ts): oracle gradcheck, GPU parity of forward and
 * backward, unit norms, optional previous turns, the IDF centroid, shapes and layout, faults.
 * The torch fixture is in ./fixtures_test.ts, the aliasing divergence in ./divergence_test.ts.
 *
 * @module
 */
import {
  DisposedTensorError,
  initGpu,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import {
  contextAttnDim,
  ContextEncoder,
  fourierPerScalar,
  idfCentroid,
  TimeEncoder,
  timeFourierFeatures,
  timeFrequencies,
  TopicEncoder,
} from "../../../impl/ams/encoders/encoders.ts";
import { cfg4, CFG4_DEFAULTS } from "../../../impl/ams/config/config.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL, RNG_SIGMAS } from "../../../invariants/tolerance.ts";
import { checkFault, type FaultCase } from "../../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import { parityClaimTests } from "../../nn/_gpu_parity.ts";
import {
  centroidOracle,
  contextBackward,
  contextForward,
  ENC_F64,
  type EncDims,
  fourierOracle,
  timeBackward,
  timeForward,
  topicBackward,
  topicForward,
} from "../../oracle/ams/encoders.ts";
import {
  buildModule,
  compareGpu,
  describeCompared,
  encArbitrary,
  type EncCase,
  forwardOf,
  gpuCentroids,
  gpuFourier,
  makeCase,
  outDims,
  runGpu,
  shapesOf,
  smallCfg,
} from "./_cases.ts";
import {
  ENC_CENTROID,
  ENC_FAULT,
  ENC_GPU_GRADIENTS,
  ENC_GPU_PARITY,
  ENC_GRADCHECK,
  ENC_INIT,
  ENC_PREV_OPTIONAL,
  ENC_SHAPES,
  ENC_UNIT_NORM,
} from "./claims.ts";

// --- gradcheck -----------------------------------------------------------------------------

/** Gradcheck of one case: inputs h, (session, prev), then every parameter by name. */
function gradcheckCase(c: EncCase) {
  const g: EncDims = { B: c.B, d: c.cfg.d_LLM };
  const names = Object.keys(c.params);
  const data: Float64Array[] = [c.h];
  if (c.kind === "context") {
    data.push(c.session!);
    if (c.T! > 0) data.push(c.prev!);
  }
  const nd = data.length;
  const flat = [...data, ...names.map((n) => c.params[n]!)];
  const [db, dF] = outDims(c.kind, c.cfg);
  const split = (w: Float64Array) => ({
    base: w.subarray(0, c.B * db),
    fiber: w.subarray(c.B * db, c.B * (db + dF)),
    dirn: w.subarray(c.B * (db + dF)),
  });
  const unflat = (xs: Float64Array[]) => Object.fromEntries(names.map((n, k) => [n, xs[nd + k]!]));
  const ff = c.kind === "time" ? gpuFourier(c) : null;
  const cent = c.kind === "topic" ? gpuCentroids(c) : null;
  const run = (xs: Float64Array[]) => {
    const p = unflat(xs);
    const o = c.kind === "time"
      ? timeForward(ENC_F64, g, p, { h: xs[0]!, ff: ff!, surprise: c.surprise! })
      : c.kind === "topic"
      ? topicForward(ENC_F64, g, p, { h: xs[0]!, c: cent! })
      : contextForward(ENC_F64, g, p, {
        h: xs[0]!,
        session: xs[1]!,
        prev: c.T! > 0 ? xs[2]! : new Float64Array(0),
        T: c.T!,
      });
    return Float64Array.from([...o.base, ...o.fiber, ...o.dirn]);
  };
  const vjp = (w: Float64Array) => {
    const up = split(w);
    const r = c.kind === "time"
      ? timeBackward(ENC_F64, g, c.params, { h: c.h, ff: ff!, surprise: c.surprise! }, up)
      : c.kind === "topic"
      ? topicBackward(ENC_F64, g, c.params, { h: c.h, c: cent! }, up)
      : contextBackward(ENC_F64, g, c.params, {
        h: c.h,
        session: c.session!,
        prev: c.prev!,
        T: c.T!,
      }, up);
    const gd: Float64Array[] = [Float64Array.from(r.grads.h)];
    if (c.kind === "context") {
      gd.push(Float64Array.from(r.grads.session!));
      if (c.T! > 0) gd.push(Float64Array.from(r.grads.prev!));
    }
    return [...gd, ...names.map((n) => Float64Array.from(r.grads.params[n]!))];
  };
  const w = Float64Array.from([...c.up.base, ...c.up.fiber, ...c.up.dirn]);
  return { r: gradcheck(run, flat, vjp, w, { mode: "full" }), names, nd };
}

claimTest(ENC_GRADCHECK, () => {
  const small = smallCfg({
    d_LLM: 5,
    d_time: 4,
    d_F_time: 4,
    d_topic: 4,
    d_F_topic: 4,
    d_ctx: 4,
    d_F_ctx: 4,
  });
  const cases = [
    makeCase("time", small, 2, 31, { sMax: 4 }),
    makeCase("topic", small, 3, 32),
    makeCase("topic", small, 2, 33, { idf: true }),
    makeCase("context", small, 2, 34, { T: 3 }),
    makeCase("context", small, 2, 35, { T: 0 }),
  ];
  let worst = 0;
  let where = "";
  let evaluations = 0;
  for (const c of cases) {
    const { r, names, nd } = gradcheckCase(c);
    evaluations += r.evaluations;
    if (!(r.maxError <= worst)) {
      worst = r.maxError;
      const k = r.worst.input;
      const what = k < nd ? ["h", "session", "prev"][k] : names[k - nd];
      where = `${c.label}: ${what}[${r.worst.index}] analytic ${r.worst.analytic} numeric ` +
        `${r.worst.numeric}`;
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail:
      `${cases.length} cases (every input element), ${evaluations} evaluations; worst ${where}`,
  };
});

// --- GPU parity ----------------------------------------------------------------------------

/** Fixed cases: Cfg4's base/fiber dims at a small d_LLM, and edge cases. */
function parityCases(): EncCase[] {
  const cfg = cfg4({ d_LLM: 48 });
  return [
    makeCase("time", cfg, 3, 11, { sMax: 1000 }),
    makeCase("topic", cfg, 3, 12),
    makeCase("topic", cfg, 2, 13, { idf: true }),
    makeCase("context", cfg, 2, 14, { T: 3 }),
    makeCase("context", cfg, 1, 15, { T: 0 }),
  ];
}

parityClaimTests(ENC_GPU_PARITY, ENC_GPU_GRADIENTS, {
  fixed: parityCases,
  arbitrary: encArbitrary,
  runs: 60,
  check: async (c: EncCase) => compareGpu(c, await runGpu(c)),
  describe: describeCompared,
});

// --- unit norms ----------------------------------------------------------------------------

/** The original tests' bound on |‖d‖ − 1|. */
const UNIT_NORM_TOL = 1e-4;

function rowNorms(x: Float32Array, width: number): number[] {
  return Array.from({ length: x.length / width }, (_, r) => {
    let s = 0;
    for (let j = 0; j < width; j++) s += x[r * width + j]! ** 2;
    return Math.sqrt(s);
  });
}

claimTest(ENC_UNIT_NORM, async (): Promise<Measurement> => {
  await initGpu();
  const cfg = cfg4({ d_LLM: 48 });
  const B = 6;
  const time = new TimeEncoder({ cfg, seed: 1 });
  const topic = new TopicEncoder({ cfg, seed: 2 });
  const ctx = new ContextEncoder({ cfg, seed: 3 });
  const d = cfg.d_LLM;
  const h = caseValues(901, B * d, -2, 2);
  const V = 20;
  const wte = caseValues(902, V * d, -1, 1);
  const ids = [[0, 1, 2], [], [5, 5, 19], [-1, 40], [7], [3, 4, 8, 9, 10, 11]];
  // Degenerate topic: zero down_project.2 and hidden_to_topic, so mixed = 0 exactly.
  const zeroW = Object.fromEntries(
    topic.namedParameters().map(([k, t]) => [
      k,
      k.startsWith("down_project.2") || k.startsWith("hidden_to_topic")
        ? new Float32Array(t.size)
        : caseValues(903 + t.size, t.size, -0.1, 0.1),
    ]),
  );
  const degenerate = new TopicEncoder({ cfg, weights: zeroW });
  const outs = tidy(() => {
    const t = time.forward(h, {
      timeScalars: caseValues(904, B * 3, 0, 1000).map(Math.round),
      surprise: caseValues(905, B, 0, 1),
    });
    const p = topic.forward(h, { tokenIds: ids, wteNormed: wte });
    const c0 = ctx.forward(h, { sessionSummary: caseValues(906, B * d), prevTurns: null });
    const c1 = ctx.forward(h, {
      sessionSummary: caseValues(906, B * d),
      prevTurns: caseValues(907, B * 4 * d),
    });
    const z = degenerate.forward(h, { tokenIds: ids, wteNormed: wte });
    return [t.dirn, p.base, p.dirn, c0.dirn, c1.dirn, z.base];
  });
  const v = await readTensors(outs) as Float32Array[];
  for (const t of new Set(outs)) t.dispose();
  for (const m of [time, topic, ctx, degenerate]) m.dispose();
  const groups: [string, Float32Array, number][] = [
    ["time dirn", v[0]!, cfg.d_time],
    ["topic base", v[1]!, cfg.d_topic],
    ["topic dirn", v[2]!, cfg.d_topic],
    ["ctx dirn (no turns)", v[3]!, cfg.d_ctx],
    ["ctx dirn (4 turns)", v[4]!, cfg.d_ctx],
  ];
  let worst = 0;
  let where = "";
  for (const [name, x, w] of groups) {
    for (const n of rowNorms(x, w)) {
      if (!(Math.abs(n - 1) <= worst)) {
        worst = Math.abs(n - 1);
        where = name;
      }
    }
  }
  const degenerateBad = Array.from(v[5]!).filter((x) => !Object.is(x, 0) && x !== 0).length;
  return {
    figure: worst,
    bound: UNIT_NORM_TOL,
    pass: worst <= UNIT_NORM_TOL && degenerateBad === 0,
    parts: [{ name: "degenerate base ≠ 0", figure: degenerateBad, bound: 0, direction: "==" }],
    detail: `${B} rows per encoder at Cfg4's dims (d_LLM 48): worst |‖d‖ − 1| ` +
      `${worst.toExponential(2)} (${where}); mixed = 0 gives base 0 exactly (${degenerateBad} ` +
      "non-zero entries)",
  };
});

// --- prev_turns optional -------------------------------------------------------------------

/** 100× the fixtures' fp32 tolerance: real turns must move dirn by more than this. */
const TURNS_EFFECT_MIN = 1e-3;

claimTest(ENC_PREV_OPTIONAL, async (): Promise<Measurement> => {
  await initGpu();
  const cfg = cfg4({ d_LLM: 32 });
  const d = cfg.d_LLM;
  const B = 3;
  const T = 4;
  const ctx = new ContextEncoder({ cfg, seed: 9 });
  const w = Object.fromEntries(
    ctx.namedParameters().map(([k]) => [k, new Float32Array(0)] as [string, Float32Array]),
  );
  const cur = await readTensors(ctx.parameters()) as Float32Array[];
  ctx.namedParameters().forEach(([k], i) => {
    w[k] = k.startsWith("v_proj") ? new Float32Array(cur[i]!.length) : cur[i]!;
  });
  const zeroV = new ContextEncoder({ cfg, weights: w });
  const h = caseValues(911, B * d);
  const s = caseValues(912, B * d);
  const prev = caseValues(913, B * T * d);
  const outs = tidy(() => {
    const a = ctx.forward(h, { sessionSummary: s, prevTurns: null });
    const b = ctx.forward(h, { sessionSummary: s, prevTurns: new Float32Array(0), turns: 0 });
    const c = zeroV.forward(h, { sessionSummary: s, prevTurns: null });
    const e = zeroV.forward(h, { sessionSummary: s, prevTurns: prev });
    const f = ctx.forward(h, { sessionSummary: s, prevTurns: prev });
    return [a, b, c, e, f].flatMap((o) => [o.base, o.fiber, o.dirn]);
  });
  const v = await readTensors(outs) as Float32Array[];
  for (const t of outs) t.dispose();
  ctx.dispose();
  zeroV.dispose();
  const same = (x: Float32Array, y: Float32Array) => x.every((q, i) => Object.is(q, y[i]));
  let differing = 0;
  for (let k = 0; k < 3; k++) {
    if (!same(v[k]!, v[3 + k]!)) differing++; // null vs T = 0
    if (!same(v[6 + k]!, v[9 + k]!)) differing++; // zero pool vs null, same weights
  }
  let minEffect = Infinity;
  const dirA = v[2]!;
  const dirF = v[14]!;
  for (let b = 0; b < B; b++) {
    let m = 0;
    for (let j = 0; j < cfg.d_ctx; j++) {
      m = Math.max(m, Math.abs(dirA[b * cfg.d_ctx + j]! - dirF[b * cfg.d_ctx + j]!));
    }
    minEffect = Math.min(minEffect, m);
  }
  return {
    figure: differing,
    bound: 0,
    pass: differing === 0 && minEffect >= TURNS_EFFECT_MIN,
    parts: [{
      name: "min row max |Δdirn| with turns",
      figure: minEffect,
      bound: TURNS_EFFECT_MIN,
      direction: ">=",
    }],
    detail: `B ${B}, T ${T}: null = T 0 and zero-value-projection turns = null on base, fiber, ` +
      `dirn (${differing} differing arrays); real turns move dirn by >= ` +
      `${minEffect.toExponential(2)} per row`,
  };
});

// --- the centroid --------------------------------------------------------------------------

claimTest(ENC_CENTROID, (): Measurement => {
  const d = 24;
  const V = 10;
  const wte = caseValues(921, V * d, -1, 1);
  const idf = caseValues(922, V, -0.5, 3); // some below the 0.1 floor, some negative
  let nonZero = 0;
  let differing = 0;
  let worst = 0;
  for (const ids of [[], [-1], [V], [V + 5, -3, -1]]) {
    for (const w of [null, idf]) {
      nonZero += Array.from(idfCentroid(ids, wte, V, d, w)).filter((x) => !Object.is(x, 0)).length;
    }
  }
  const lists = [[0, 3, 3, 7], [1], [9, 2, 5, 5, 5, 0]];
  for (const ids of lists) {
    for (const w of [null, idf]) {
      const mixed = [-1, ...ids.flatMap((t) => [t, V + 2])];
      const a = idfCentroid(mixed, wte, V, d, w);
      const b = idfCentroid(ids, wte, V, d, w);
      if (!a.every((x, i) => Object.is(x, b[i]))) differing++;
      const o = centroidOracle(ids, wte, V, d, w);
      for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(a[j]! - o[j]!));
    }
  }
  const figure = nonZero + differing;
  return {
    figure,
    bound: 0,
    pass: figure === 0 && worst <= 1e-15,
    parts: [{ name: "|centroid − oracle|", figure: worst, bound: 1e-15, direction: "<=" }],
    detail: `empty and all-OOV lists (with and without IDF): ${nonZero} non-zero entries; ` +
      `OOV ids among valid ones: ${differing} differing centroids; worst |Δ| vs the oracle ` +
      `${worst.toExponential(2)}`,
  };
});

// --- shapes and layout ---------------------------------------------------------------------

claimTest(ENC_SHAPES, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  const check = (ok: boolean, what: string) => ok || violations.push(what);
  // Parameter widths at the defaults (d_LLM 1536), without building the modules.
  const def = CFG4_DEFAULTS;
  const want: Record<string, Record<string, number[]>> = {
    time: {
      "time_mlp.0.weight": [32, 24],
      "time_mlp.2.weight": [8, 32],
      "hidden_proj.weight": [8, 1536],
      "base_ln.weight": [8],
      "fiber_mlp.0.weight": [128, 1536 + 8 + 1],
      "fiber_mlp.2.weight": [32, 128],
    },
    topic: {
      "down_project.0.weight": [64, 1536],
      "down_project.2.weight": [16, 64],
      "hidden_to_topic.weight": [16, 1536],
      "fiber_mlp.0.weight": [256, 1536 + 16],
      "fiber_mlp.2.weight": [64, 256],
    },
    context: {
      "q_proj.weight": [48, 1536],
      "k_proj.weight": [48, 1536],
      "v_proj.weight": [48, 1536],
      "mix_mlp.0.weight": [64, 2 * 1536 + 48],
      "mix_mlp.2.weight": [12, 64],
      "base_ln.weight": [12],
      "fiber_mlp.0.weight": [192, 2 * 1536 + 12],
      "fiber_mlp.2.weight": [48, 192],
    },
  };
  for (const kind of ["time", "topic", "context"] as const) {
    const shapes = Object.fromEntries(shapesOf(kind, def).map(([k, s]) => [k, s.join()]));
    for (const [k, s] of Object.entries(want[kind]!)) {
      check(shapes[k] === s.join(), `${kind} ${k}: ${shapes[k]} ≠ ${s}`);
    }
  }
  check(contextAttnDim(12) === 48 && fourierPerScalar(8) === 8, "d_attn or n_f");
  check(fourierPerScalar(5) === 6 && fourierPerScalar(2) === 4, "n_f rule");
  // Layout: scalar-major blocks [sin(sω), cos(sω)], bit-identical to the oracle's copy.
  const s = [3, 0.5, 17, 1000, 2, 9];
  const ff = timeFourierFeatures(s, 2, 8);
  const w = timeFrequencies(4);
  check(ff.length === 2 * 24, "Fourier width");
  s.forEach((x, q) => {
    for (let i = 0; i < 4; i++) {
      check(Object.is(ff[q * 8 + i], Math.sin(x * w[i]!)), `sin at scalar ${q} freq ${i}`);
      check(Object.is(ff[q * 8 + 4 + i], Math.cos(x * w[i]!)), `cos at scalar ${q} freq ${i}`);
    }
  });
  const fo = fourierOracle(s, 2, 8);
  check(ff.every((x, i) => Object.is(x, fo[i])), "features ≠ the oracle's");
  check(Math.abs(w[3]! - 1e4) < 1e-9 && Math.abs(w[1]! - 21.5443469) < 1e-6, "frequencies");
  // Output shapes on the GPU at Cfg4's dims and at other dims.
  const cfgs = [cfg4({ d_LLM: 20 }), smallCfg({ d_LLM: 7, d_time: 5, d_topic: 6, d_ctx: 9 })];
  const shapesSeen: string[] = [];
  for (const cfg of cfgs) {
    for (const kind of ["time", "topic", "context"] as const) {
      for (const B of [1, 3]) {
        const c = makeCase(kind, cfg, B, 40 + B, { T: 2 });
        const m = buildModule(c);
        const d = cfg.d_LLM;
        const got = tidy(() => {
          const h = tensor(c.h, [B, d]);
          const sess = kind === "context" ? tensor(c.session!, [B, d]) : null;
          const prev = kind === "context" ? tensor(c.prev!, [B, 2, d]) : null;
          const o = forwardOf(m, c, h, sess, prev);
          return [o.base.shape, o.fiber.shape, o.dirn.shape].map((x) => x.join());
        });
        m.dispose();
        const [db, dF] = outDims(kind, cfg);
        const exp = [`${B},${db}`, `${B},${dF}`, `${B},${db}`];
        check(got.join("|") === exp.join("|"), `${kind} B ${B}: ${got} ≠ ${exp}`);
        shapesSeen.push(`${kind}:${got[1]}`);
      }
    }
  }
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length > 0
      ? violations.slice(0, 4).join("; ")
      : `default parameter widths, n_f and d_attn rules, scalar-major Fourier layout, output ` +
        `shapes (${shapesSeen.length} forwards)`,
  };
});

// --- faults --------------------------------------------------------------------------------

claimTest(ENC_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const cfg = cfg4({ d_LLM: 8 });
  const d = 8;
  const time = new TimeEncoder({ cfg, seed: 1 });
  const topic = new TopicEncoder({ cfg, seed: 2 });
  const ctx = new ContextEncoder({ cfg, seed: 3 });
  const dead = new TimeEncoder({ cfg, seed: 4 });
  dead.parameters()[0]!.dispose();
  const h2 = caseValues(1, 2 * d);
  const wte = caseValues(2, 5 * d);
  const hNaN = Float64Array.from(h2);
  hNaN[3] = NaN;
  const ts = [1, 0, 0, 2, 0, 0];
  const sig = [0.1, 0.2];
  const goodW = Object.fromEntries(
    (await readTensors(time.parameters()) as Float32Array[]).map((v, i) => [
      time.namedParameters()[i]![0],
      v,
    ]),
  );
  const wide = tensor(new Float32Array(2 * 3 * (d + 1)), [2, 3, d + 1]);
  const cases: FaultCase[] = [
    {
      name: "h of the wrong width",
      run: () => time.forward(caseValues(1, 2 * d + 1), { timeScalars: ts, surprise: sig }),
      expect: TypeError,
      mentions: ["h", "d_LLM = 8"],
    },
    {
      name: "h tensor of the wrong width",
      run: () => ctx.forward(wide, { sessionSummary: h2, prevTurns: null }),
      expect: TypeError,
      mentions: ["expected h of shape [B, 8]"],
    },
    {
      name: "NaN in h",
      run: () => time.forward(hNaN, { timeScalars: ts, surprise: sig }),
      expect: RangeError,
      mentions: ["h", "finite", "NaN"],
    },
    {
      name: "NaN time scalar",
      run: () => time.forward(h2, { timeScalars: [1, 0, NaN, 2, 0, 0], surprise: sig }),
      expect: RangeError,
      mentions: ["timeScalars", "finite"],
    },
    {
      name: "time scalars [B, 2]",
      run: () => time.forward(h2, { timeScalars: [1, 0, 2, 0], surprise: sig }),
      expect: TypeError,
      mentions: ["timeScalars", "6 values"],
    },
    {
      name: "surprise of the wrong length",
      run: () => time.forward(h2, { timeScalars: ts, surprise: [0.1] }),
      expect: TypeError,
      mentions: ["surprise"],
    },
    {
      name: "flat id list with B = 2",
      run: () => topic.forward(h2, { tokenIds: [0, 1], wteNormed: wte }),
      expect: TypeError,
      mentions: ["flat list", "batch 2"],
    },
    {
      name: "id-list count ≠ B",
      run: () => topic.forward(h2, { tokenIds: [[0], [1], [2]], wteNormed: wte }),
      expect: TypeError,
      mentions: ["expected 2 token-id lists"],
    },
    {
      name: "non-integer id",
      run: () => topic.forward(h2, { tokenIds: [[0.5], [1]], wteNormed: wte }),
      expect: TypeError,
      mentions: ["integer token ids"],
    },
    {
      name: "table not V·d_LLM",
      run: () => topic.forward(h2, { tokenIds: [[0], [1]], wteNormed: caseValues(3, 5 * d + 1) }),
      expect: TypeError,
      mentions: ["wteNormed"],
    },
    {
      name: "prev_turns of the wrong width (tensor)",
      run: () => ctx.forward(h2, { sessionSummary: h2, prevTurns: wide }),
      expect: TypeError,
      mentions: ["prevTurns", "[2, T, 8]"],
    },
    {
      name: "prev_turns of the wrong width (host)",
      run: () => ctx.forward(h2, { sessionSummary: h2, prevTurns: caseValues(4, 2 * 3 * (d + 1)) }),
      expect: TypeError,
      mentions: ["prevTurns", "d_LLM = 8"],
    },
    {
      name: "session summary of the wrong shape",
      run: () => ctx.forward(h2, { sessionSummary: caseValues(5, d), prevTurns: null }),
      expect: TypeError,
      mentions: ["sessionSummary"],
    },
    {
      name: "weights missing a parameter",
      run: () => {
        const w = { ...goodW };
        delete w["fiber_mlp.2.bias"];
        return new TimeEncoder({ cfg, weights: w });
      },
      expect: TypeError,
      mentions: ["fiber_mlp.2.bias"],
    },
    {
      name: "weights with an unknown name",
      run: () => new TimeEncoder({ cfg, weights: { ...goodW, "ln.weight": [1] } }),
      expect: TypeError,
      mentions: ["unknown parameter", "ln.weight"],
    },
    {
      name: "weights of the wrong length",
      run: () =>
        new TimeEncoder({ cfg, weights: { ...goodW, "base_ln.weight": new Float32Array(7) } }),
      expect: TypeError,
      mentions: ["base_ln.weight", "8 values"],
    },
    {
      name: "d_time < 4",
      run: () => new TimeEncoder({ cfg: { d_LLM: 8, d_time: 3 } }),
      expect: RangeError,
      mentions: ["d_time"],
    },
    {
      name: "disposed parameter",
      run: () => dead.forward(h2, { timeScalars: ts, surprise: sig }),
      expect: DisposedTensorError,
    },
  ];
  const failures: string[] = [];
  const release = (v: unknown) => {
    if (v && typeof v === "object") {
      if ("dispose" in v && typeof v.dispose === "function") v.dispose();
      for (const t of Object.values(v)) {
        if (t && typeof t === "object" && "dispose" in t) (t as Tensor).dispose();
      }
    }
  };
  for (const c of cases) {
    const r = await checkFault(c, release);
    if (r !== null) failures.push(r);
  }
  wide.dispose();
  for (const m of [time, topic, ctx]) m.dispose();
  for (const p of dead.parameters().slice(1)) p.dispose();
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length > 0 ? failures.join("; ") : `${cases.length} fault cases`,
  };
});

// --- initialisation ------------------------------------------------------------------------

claimTest(ENC_INIT, async (): Promise<Measurement> => {
  await initGpu();
  const cfg = CFG4_DEFAULTS;
  const mods = [
    new TimeEncoder({ cfg, seed: 11 }),
    new TopicEncoder({ cfg, seed: 11 }),
    new ContextEncoder({ cfg, seed: 11 }),
    new TimeEncoder({ cfg, seed: 11 }),
    new TimeEncoder({ cfg, seed: 12 }),
  ];
  const all = mods.flatMap((m) => m.parameters());
  const vals = await readTensors(all) as Float32Array[];
  const violations: string[] = [];
  let k = 0;
  let tensors = 0;
  let values = 0;
  const per: Float32Array[][] = [];
  for (const m of mods) {
    const named = m.namedParameters();
    const shapes = Object.fromEntries(named.map(([n, t]) => [n, t.shape]));
    const mine: Float32Array[] = [];
    for (const [n] of named) {
      const v = vals[k++]!;
      mine.push(v);
      if (per.length >= 3) continue; // the last two modules only for reproducibility
      tensors++;
      values += v.length;
      if (n === "base_ln.weight" || n === "base_ln.bias") {
        const want = n.endsWith("weight") ? 1 : 0;
        if (!v.every((x) => x === want)) violations.push(`${n} not ${want}s`);
        continue;
      }
      const fanIn = shapes[n.replace(/bias$/, "weight")]![1]!;
      const b = 1 / Math.sqrt(fanIn);
      if (!v.every((x) => Math.abs(x) <= Math.fround(b))) violations.push(`${n} outside ±${b}`);
      if (v.length < 32) continue;
      let mean = 0;
      for (const x of v) mean += x;
      mean /= v.length;
      let varc = 0;
      for (const x of v) varc += x * x;
      varc /= v.length;
      const seMean = b / Math.sqrt(3 * v.length);
      const seVar = (b * b * Math.sqrt(4 / 45)) / Math.sqrt(v.length);
      if (Math.abs(mean) > RNG_SIGMAS * seMean) violations.push(`${n} mean ${mean}`);
      if (Math.abs(varc - (b * b) / 3) > RNG_SIGMAS * seVar) violations.push(`${n} var ${varc}`);
    }
    per.push(mine);
  }
  const same = per[0]!.every((v, i) => v.every((x, j) => Object.is(x, per[3]![i]![j])));
  const differ = per[0]!.some((v, i) => v.some((x, j) => x !== per[4]![i]![j]));
  if (!same) violations.push("seed 11 twice differs");
  if (!differ) violations.push("seeds 11 and 12 agree");
  for (const m of mods) m.dispose();
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length > 0
      ? violations.slice(0, 4).join("; ")
      : `${tensors} tensors, ${values} values of the three encoders at d_LLM 1536 ` +
        `(${mods.slice(0, 3).map((m) => m.parameterCount()).join(" / ")} parameters): ranges, ` +
        `means and variances within ${RNG_SIGMAS} standard errors; seeded runs reproduce`,
  };
});
