/**
 * Proofs of the cross-bundle attention claims (./claims.ts): oracle gradcheck, GPU parity of
 * forward and backward, the query heads, the prefix shape (invariant 6), gradients, eval
 * determinism, slot allocation, the derived invariances, the slot norm, faults. The torch
 * fixture is in ./fixtures_test.ts.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, readTensors, type Tensor, tidy } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  CROSS_BUNDLES,
  CrossBundleAttention,
} from "../../../impl/ams/cross_bundle/cross_bundle.ts";
import { checkAmsPrefixShape } from "../../../invariants/ams_store.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { F32_MIN_NORMAL, FIXTURE_F64_REL, RNG_SIGMAS } from "../../../invariants/tolerance.ts";
import { checkFault, type FaultCase, faultMeasurement } from "../../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { parityClaimTests } from "../../nn/_gpu_parity.ts";
import { CB_F64, type CbBundle, type CbData, cbPass } from "../../oracle/ams/cross_bundle.ts";
import {
  buildModule,
  cbArbitrary,
  type CbCase,
  compareGpu,
  describeCompared,
  makeCase,
  runGpu,
  smallCfg,
  tracked,
  uniformValues,
} from "./_cases.ts";
import {
  CB_DETERMINISM,
  CB_DUPLICATE,
  CB_FAULT,
  CB_GPU_GRADIENTS,
  CB_GPU_PARITY,
  CB_GRADCHECK,
  CB_GRADIENT_REACHES,
  CB_INIT,
  CB_MASK,
  CB_PERMUTATION,
  CB_PREFIX_SHAPE,
  CB_QUERY_HEADS,
  CB_SINGLE_ENTRY,
  CB_SLOT_NORM,
  CB_TIME_ALLOCATION,
} from "./claims.ts";

const CFG48 = smallCfg({ d_LLM: 48 });

/**
 * The f64 oracle's relative noise floor: its gradients are sums of at most a few thousand
 * products, each rounding at 2⁻⁵³ ≈ 1.1e-16, so a value above 1e-12 of the largest gradient is
 * not rounding.
 */
const F64_NOISE = FIXTURE_F64_REL;

// --- gradcheck -----------------------------------------------------------------------------

claimTest(CB_GRADCHECK, () => {
  const cfg = smallCfg({
    d_LLM: 6,
    d_F_time: 4,
    n_heads_time: 2,
    d_F_topic: 6,
    n_heads_topic: 3,
    d_F_ctx: 4,
    n_heads_ctx: 1,
    prefix_slots_time: 1,
    prefix_slots_topic: 2,
    prefix_slots_ctx: 1,
    L_mem: 4,
  });
  let worst = 0;
  let detail = "";
  for (const [B, M, mask, seed] of [[2, 3, true, 1], [1, 1, false, 2], [2, 4, false, 3]] as const) {
    const c = makeCase("gradcheck", cfg, B, M, seed, { mask });
    const names = Object.keys(c.params);
    const keys = ["h", ...CROSS_BUNDLES.map((b) => `fibers.${b}`), ...names];
    const flat = [
      c.data.h,
      ...CROSS_BUNDLES.map((b) => c.data.fibers[b]),
      ...names.map((n) => c.params[n]!),
    ];
    const unflat = (xs: Float64Array[]) => {
      const data: CbData = {
        h: xs[0]!,
        fibers: { time: xs[1]!, topic: xs[2]!, ctx: xs[3]! },
        mask: c.data.mask,
      };
      const p = Object.fromEntries(names.map((n, k) => [n, xs[4 + k]!]));
      return { data, p };
    };
    const f = (xs: Float64Array[]) => {
      const { data, p } = unflat(xs);
      return Float64Array.from(cbPass(CB_F64, c.dims, p, data).prefix);
    };
    const vjp = (w: Float64Array) => {
      const g = cbPass(CB_F64, c.dims, c.params, c.data).backward(Array.from(w));
      return keys.map((k) => Float64Array.from(g[k]!));
    };
    const r = gradcheck(f, flat, vjp, c.up);
    if (r.maxError >= worst) {
      worst = r.maxError;
      detail = `${c.label}: worst ${keys[r.worst.input]}[${r.worst.index}] analytic ` +
        `${r.worst.analytic} numeric ${r.worst.numeric}`;
    }
  }
  return { figure: worst, bound: 1e-6, pass: worst <= 1e-6, detail };
});

// --- GPU parity ----------------------------------------------------------------------------

parityClaimTests(CB_GPU_PARITY, CB_GPU_GRADIENTS, {
  fixed: () => [
    makeCase("defaults", CFG48, 2, 5, 11, { mask: true }),
    makeCase("defaults", CFG48, 1, 1, 12),
    makeCase("defaults", CFG48, 3, 8, 13),
  ],
  arbitrary: cbArbitrary,
  runs: 12,
  check: async (c: CbCase) => compareGpu(c, await runGpu(c)),
  describe: describeCompared,
});

// --- properties ----------------------------------------------------------------------------

claimTest(CB_QUERY_HEADS, async () => {
  await initGpu();
  const c = makeCase("query heads", CFG48, 2, 3, 21);
  const m = buildModule(c);
  const t = tracked(c);
  const problems: string[] = [];
  try {
    const qs = tidy(() => m.queryHeads(c.data.h));
    const vals = await readTensors([qs.time, qs.topic, qs.ctx]) as Float32Array[];
    CROSS_BUNDLES.forEach((b, i) => {
      const want = [2, c.dims.dF[b]];
      if (qs[b].shape.join() !== want.join()) {
        problems.push(`${b} shape ${qs[b].shape} ≠ ${want}`);
      }
      const tv = t.queries[b];
      vals[i]!.forEach((v, k) => {
        if (!(Math.abs(v - tv[k]!.v) <= tv[k]!.e)) problems.push(`${b}[${k}] outside its bound`);
      });
    });
    const named = new Map(m.namedParameters());
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const [a, b] = [CROSS_BUNDLES[i]!, CROSS_BUNDLES[j]!];
        if (named.get(`query_heads.q_${a}.weight`) === named.get(`query_heads.q_${b}.weight`)) {
          problems.push(`${a} and ${b} share a weight`);
        }
        const n = Math.min(c.dims.dF[a], c.dims.dF[b]);
        let same = true;
        for (let r = 0; r < 2; r++) {
          for (let k = 0; k < n; k++) {
            if (vals[i]![r * c.dims.dF[a] + k] !== vals[j]![r * c.dims.dF[b] + k]) same = false;
          }
        }
        if (same) problems.push(`${a} and ${b} outputs equal on their common columns`);
      }
    }
    for (const b of CROSS_BUNDLES) qs[b].dispose();
  } finally {
    m.dispose();
  }
  return {
    figure: problems.length,
    bound: 0,
    pass: problems.length === 0,
    detail: problems.slice(0, 5).join("; ") || "shapes (2, 32), (2, 64), (2, 48); values in bound",
  };
});

claimTest(CB_PREFIX_SHAPE, async () => {
  await initGpu();
  const cfg = smallCfg({ d_LLM: 16 });
  const bad: string[] = [];
  let runs = 0;
  const params = fcParams<[number, number, number]>(10);
  const cases: [number, number, number][] = [[1, 1, 1], [4, 64, 2]];
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 0, max: 2 ** 20 }),
      async (B, M, seed) => {
        const c = makeCase("shape", cfg, B, M, seed, { params: "init" });
        const m = buildModule(c);
        try {
          const prefix = tidy(() => m.forward(c.data.h, c.data.fibers).prefix);
          const v = checkAmsPrefixShape(prefix.shape, { batch: B, L_mem: 12, d_LLM: 16 });
          const vals = (await readTensors([prefix]))[0]!;
          prefix.dispose();
          runs++;
          if (!v.pass) bad.push(`B ${B} M ${M}: shape ${prefix.shape}`);
          if (!vals.every(Number.isFinite)) bad.push(`B ${B} M ${M}: non-finite`);
        } finally {
          m.dispose();
        }
        return true;
      },
    ),
    { ...params, examples: cases },
  );
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: `${runs} cases (seed ${params.seed}) incl. (B 4, M 64); ${bad.slice(0, 3).join("; ")}`,
  };
});

claimTest(CB_GRADIENT_REACHES, async () => {
  let minOracle = Infinity;
  let minGpu = Infinity;
  let nonFinite = 0;
  for (const seed of [31, 32, 33]) {
    const c = makeCase("grad", CFG48, 2, 6, seed, { params: "init" });
    const r = await runGpu(c);
    const g = r.grads["query_heads.q_time.weight"]!;
    const o = cbPass(CB_F64, c.dims, c.params, c.data).backward(Array.from(c.up));
    const maxAbs = (a: ArrayLike<number>) =>
      Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const all = Math.max(...Object.values(o).map(maxAbs));
    minOracle = Math.min(minOracle, maxAbs(o["query_heads.q_time.weight"]!) / (F64_NOISE * all));
    minGpu = Math.min(minGpu, maxAbs(g));
    for (const a of Object.values(r.grads)) {
      nonFinite += a.filter((v) => !Number.isFinite(v)).length;
    }
  }
  return {
    figure: minOracle,
    bound: 1,
    pass: minOracle >= 1 && minGpu > 0 && nonFinite === 0,
    parts: [
      {
        name: "GPU max |∂q_time.weight| (min over seeds)",
        figure: minGpu,
        bound: F32_MIN_NORMAL,
        direction: ">=",
      },
      { name: "non-finite gradient elements", figure: nonFinite, bound: 0, direction: "==" },
    ],
    detail: "3 seeds, B 2, M 6, PyTorch-default parameters; figure: min over seeds of the f64 " +
      `oracle's max |∂q_time.weight| / (${F64_NOISE} · its largest gradient element); the GPU's ` +
      `gradient is ${
        minGpu.toExponential(2)
      } at least (its agreement with the oracle is the gradient parity claim)`,
  };
});

claimTest(CB_DETERMINISM, async () => {
  const c = makeCase("determinism", CFG48, 3, 7, 41, { mask: true });
  const m = buildModule(c);
  try {
    const a = await runGpu(c, { grads: false, module: m });
    const b = await runGpu(c, { grads: false, module: m });
    let diff = 0;
    const cmp = (x: Float32Array, y: Float32Array) =>
      x.forEach((v, i) => diff += Object.is(v, y[i]) ? 0 : 1);
    cmp(a.prefix, b.prefix);
    for (const k of CROSS_BUNDLES) cmp(a.weights[k], b.weights[k]);
    return { figure: diff, bound: 0, pass: diff === 0, detail: c.label };
  } finally {
    m.dispose();
  }
});

/** Worst |a − b| / (e_a + e_b) over the prefix, with max |a − b|. */
function twoRun(
  a: Float32Array,
  b: Float32Array,
  ea: readonly { e: number }[],
  eb: readonly { e: number }[],
) {
  let ratio = 0;
  let maxAbs = 0;
  a.forEach((v, i) => {
    const d = Math.abs(v - b[i]!);
    maxAbs = Math.max(maxAbs, d);
    if (d > 0) ratio = Math.max(ratio, d / (ea[i]!.e + eb[i]!.e));
  });
  return { ratio, maxAbs };
}

/** The case with its fibers (and mask) replaced. */
function withData(
  c: CbCase,
  M: number,
  fibers: Record<CbBundle, Float64Array>,
  mask: boolean[] | null,
): CbCase {
  return {
    ...c,
    dims: { ...c.dims, M },
    data: { h: c.data.h, fibers, mask },
  };
}

/** Rows `idx` of each bundle's fibers. */
function pick(c: CbCase, idx: readonly number[]): Record<CbBundle, Float64Array> {
  const out = {} as Record<CbBundle, Float64Array>;
  for (const b of CROSS_BUNDLES) {
    const f = c.dims.dF[b];
    const src = c.data.fibers[b];
    out[b] = new Float64Array(idx.length * f);
    idx.forEach((j, r) => out[b].set(src.subarray(j * f, (j + 1) * f), r * f));
  }
  return out;
}

async function compareRuns(a: CbCase, b: CbCase): Promise<Measurement> {
  const [ra, rb] = [await runGpu(a, { grads: false }), await runGpu(b, { grads: false })];
  const r = twoRun(ra.prefix, rb.prefix, tracked(a).prefix, tracked(b).prefix);
  return {
    figure: r.ratio,
    bound: 1,
    pass: r.ratio <= 1,
    detail: `${a.label} vs ${b.label}: max |Δ| ${r.maxAbs.toExponential(2)}`,
  };
}

function worstOf(ms: Measurement[]): Measurement {
  return ms.reduce((w, m) => (m.figure as number) > (w.figure as number) ? m : w);
}

claimTest(CB_PERMUTATION, async () => {
  const ms: Measurement[] = [];
  for (const [B, M, seed, mask] of [[2, 6, 51, false], [3, 9, 52, true]] as const) {
    const c = makeCase("permutation", CFG48, B, M, seed, { mask });
    const perm = Array.from({ length: M }, (_, i) => (i * 5 + 2) % M);
    const mask2 = c.data.mask === null ? null : Array.from(
      { length: B * M },
      (_, i) => c.data.mask![Math.floor(i / M) * M + perm[i % M]!]!,
    );
    const p = withData(c, M, pick(c, perm), mask2);
    p.label = "permuted";
    ms.push(await compareRuns(c, p));
  }
  return worstOf(ms);
});

claimTest(CB_DUPLICATE, async () => {
  const ms: Measurement[] = [];
  for (const [B, M, seed] of [[2, 5, 61], [1, 9, 62]] as const) {
    const c = makeCase("duplicate", CFG48, B, M, seed);
    const idx = Array.from({ length: 2 * M }, (_, i) => i % M);
    const p = withData(c, 2 * M, pick(c, idx), null);
    p.label = "every entry twice";
    ms.push(await compareRuns(c, p));
  }
  return worstOf(ms);
});

claimTest(CB_SINGLE_ENTRY, async () => {
  let maxDiff = 0;
  let notOne = 0;
  for (const seed of [71, 72]) {
    const c = makeCase("single entry", CFG48, 2, 1, seed);
    const m = buildModule(c);
    try {
      const rng = new Rng(seed);
      const runs = [];
      for (let k = 0; k < 3; k++) {
        // Each batch row's query differs between runs (and the rows differ within a run).
        runs.push(await runGpu(c, { grads: false, module: m, h: uniformValues(rng, 2 * 48, 3) }));
      }
      for (const r of runs) {
        for (const b of CROSS_BUNDLES) notOne += r.weights[b].filter((w) => w !== 1).length;
        // Rows within a run and across runs: all equal.
        const L = 12 * 48;
        for (let i = 0; i < L; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(r.prefix[i]! - r.prefix[L + i]!));
          maxDiff = Math.max(maxDiff, Math.abs(r.prefix[i]! - runs[0]!.prefix[i]!));
        }
      }
    } finally {
      m.dispose();
    }
  }
  return {
    figure: maxDiff,
    bound: 0,
    pass: maxDiff === 0 && notOne === 0,
    parts: [{ name: "attention weights ≠ 1", figure: notOne, bound: 0, direction: "==" }],
    detail: "2 seeds × 3 queries × 2 batch rows, M = 1",
  };
});

claimTest(CB_MASK, async () => {
  const ms: Measurement[] = [];
  for (const [M, keep, seed] of [[5, 2, 81], [8, 0, 82], [3, 2, 83]] as const) {
    const c = makeCase("mask", CFG48, 2, M, seed);
    const mask = Array.from({ length: 2 * M }, (_, i) => i % M !== keep);
    const masked = withData(c, M, c.data.fibers, mask);
    masked.label = `all but entry ${keep} of ${M} masked`;
    const single = withData(c, 1, pick(c, [keep]), null);
    single.label = "single entry";
    ms.push(await compareRuns(masked, single));
  }
  return worstOf(ms);
});

claimTest(CB_SLOT_NORM, async () => {
  let worst = 0;
  let detail = "";
  const ranges: string[] = [];
  for (const [d, B, M, seed] of [[48, 2, 4, 91], [1536, 1, 2, 92]] as const) {
    const c = makeCase("slot norm", smallCfg({ d_LLM: d }), B, M, seed, { params: "init" });
    const r = await runGpu(c, { grads: false });
    const o = cbPass(CB_F64, c.dims, c.params, c.data);
    const t = tracked(c).prefix;
    const s = c.params["prefix_scale"]![0]!;
    let lo = Infinity;
    let hi = 0;
    for (let row = 0; row < B * 12; row++) {
      let mu = 0;
      for (let j = 0; j < d; j++) mu += o.slots[row * d + j]!;
      mu /= d;
      let v = 0;
      for (let j = 0; j < d; j++) v += (o.slots[row * d + j]! - mu) ** 2;
      v /= d;
      const want = s * Math.sqrt(d) * Math.sqrt(v / (v + 1e-5));
      let n2 = 0;
      let e2 = 0;
      for (let j = 0; j < d; j++) {
        n2 += r.prefix[row * d + j]! ** 2;
        e2 += t[row * d + j]!.e ** 2;
      }
      const got = Math.sqrt(n2);
      lo = Math.min(lo, got);
      hi = Math.max(hi, got);
      const ratio = Math.abs(got - want) / (Math.sqrt(e2) + 1e-12);
      if (ratio >= worst) {
        worst = ratio;
        detail = `d ${d} slot ${row}: norm ${got.toFixed(7)} vs formula ${want.toFixed(7)}`;
      }
    }
    ranges.push(`d ${d}: [${lo.toFixed(5)}, ${hi.toFixed(5)}]`);
  }
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `${detail}; slot norms ${ranges.join(", ")}`,
  };
});

claimTest(CB_TIME_ALLOCATION, async () => {
  let changed = 0;
  let minRatio = Infinity;
  for (const [B, M, seed] of [[2, 4, 101], [1, 7, 102]] as const) {
    const c = makeCase("allocation", CFG48, B, M, seed, { params: "init" });
    const rng = new Rng(seed);
    const noise = uniformValues(rng, c.data.fibers.time.length, 10);
    const time = c.data.fibers.time.map((v, i) => Math.fround(v + noise[i]!));
    const p = withData(c, M, { ...c.data.fibers, time }, null);
    const [ra, rb] = [await runGpu(c, { grads: false }), await runGpu(p, { grads: false })];
    const [ta, tb] = [tracked(c).prefix, tracked(p).prefix];
    const d = 48;
    let timeRatio = 0;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < 12; s++) {
        for (let j = 0; j < d; j++) {
          const i = (b * 12 + s) * d + j;
          const diff = Math.abs(ra.prefix[i]! - rb.prefix[i]!);
          if (s < 2) timeRatio = Math.max(timeRatio, diff / (ta[i]!.e + tb[i]!.e));
          else if (!Object.is(ra.prefix[i], rb.prefix[i])) changed++;
        }
      }
    }
    minRatio = Math.min(minRatio, timeRatio);
  }
  return {
    figure: changed,
    bound: 0,
    pass: changed === 0 && minRatio >= 1,
    parts: [{
      name: "time slots: worst |Δ|/(e_a + e_b), min over cases",
      figure: minRatio,
      bound: 1,
      direction: ">=",
    }],
    detail: "2 cases, time fibers + U(±10) noise; figure: topic/ctx elements that changed",
  };
});

claimTest(CB_INIT, async () => {
  await initGpu();
  const problems: string[] = [];
  const m = new CrossBundleAttention({ seed: 5 });
  const d = m.cfg.d_LLM;
  try {
    const named = m.namedParameters();
    const vals = await readTensors(named.map(([, t]) => t)) as Float32Array[];
    const shapes = new Map(named.map(([k, t]) => [k, t.shape]));
    named.forEach(([k, t], i) => {
      const v = vals[i]!;
      const constant = (c: number) => {
        if (!v.every((x) => x === c)) problems.push(`${k} not all ${c}`);
      };
      if (k === "prefix_scale") return constant(Math.fround(1 / Math.sqrt(d)));
      if (k.endsWith("ln.weight")) return constant(1);
      if (k.endsWith("ln.bias") || k.endsWith("in_proj_bias") || k.endsWith("out_proj.bias")) {
        return constant(0);
      }
      const w = k.endsWith(".weight") || k.endsWith("_weight")
        ? t.shape
        : shapes.get(k.replace(/bias$/, "weight"))!;
      const b = k.endsWith("in_proj_weight")
        ? Math.sqrt(6 / (w[0]! + w[1]!))
        : 1 / Math.sqrt(w[1]!);
      if (!v.every((x) => Math.abs(x) <= b)) problems.push(`${k} outside ±${b}`);
      const n = v.length;
      if (n < 32) return;
      let mean = 0;
      for (const x of v) mean += x;
      mean /= n;
      let sq = 0;
      for (const x of v) sq += x * x;
      sq /= n;
      if (Math.abs(mean) > RNG_SIGMAS * b / Math.sqrt(3 * n)) problems.push(`${k} mean ${mean}`);
      const seVar = Math.sqrt((4 * b ** 4) / 45 / n);
      if (Math.abs(sq - (b * b) / 3) > RNG_SIGMAS * seVar) problems.push(`${k} variance ${sq}`);
    });
  } finally {
    m.dispose();
  }
  const small = smallCfg({ d_LLM: 16 });
  const read = async (seed: number) => {
    const x = new CrossBundleAttention({ cfg: small, seed });
    try {
      return (await readTensors(x.parameters()) as Float32Array[]).flatMap((a) => Array.from(a));
    } finally {
      x.dispose();
    }
  };
  const [a, a2, b] = [await read(3), await read(3), await read(4)];
  if (a.some((x, i) => !Object.is(x, a2[i]))) problems.push("seed 3 twice differs");
  if (a.every((x, i) => x === b[i])) problems.push("seeds 3 and 4 give the same parameters");
  return {
    figure: problems.length,
    bound: 0,
    pass: problems.length === 0,
    detail: problems.slice(0, 4).join("; ") || `${m.parameters().length} tensors at d_LLM ${d}`,
  };
});

// --- faults --------------------------------------------------------------------------------

claimTest(CB_FAULT, async () => {
  await initGpu();
  const cfg = smallCfg({ d_LLM: 8 });
  const c = makeCase("fault", cfg, 2, 3, 111);
  const m = buildModule(c);
  const F = c.data.fibers;
  const nan = (x: Float64Array, i: number) => {
    const y = Float64Array.from(x);
    y[i] = NaN;
    return y;
  };
  const release = (v: unknown) => {
    const r = v as { prefix?: Tensor } | null;
    r?.prefix?.dispose();
  };
  const fwd = (h: ArrayLike<number>, f: typeof F, mask?: unknown) => () =>
    tidy(() => m.forward(h, f, { mask: mask as boolean[] | undefined }).prefix);
  const none = new Float64Array(0);
  const cases: FaultCase[] = [
    {
      name: "M = 0",
      run: fwd(c.data.h, { time: none, topic: none, ctx: none }),
      expect: RangeError,
      mentions: ["M >= 1"],
    },
    {
      name: "time fibers of width 31",
      run: fwd(c.data.h, { ...F, time: F.time.subarray(0, 31 * 3) }),
      expect: TypeError,
      mentions: ["time fibers", "32"],
    },
    {
      name: "unequal entry counts",
      run: fwd(c.data.h, { ...F, ctx: F.ctx.subarray(0, 48 * 2) }),
      expect: TypeError,
      mentions: ["same entry count"],
    },
    {
      name: "mask of length 4",
      run: fwd(c.data.h, F, [false, false, true, false]),
      expect: TypeError,
      mentions: ["mask", "4"],
    },
    {
      name: "mask of numbers",
      run: fwd(c.data.h, F, [0, 1, 0]),
      expect: TypeError,
      mentions: ["mask booleans"],
    },
    {
      name: "mask hiding a whole row",
      run: fwd(c.data.h, F, [false, false, false, true, true, true]),
      expect: RangeError,
      mentions: ["row 1"],
    },
    {
      name: "h of width 7",
      run: fwd(c.data.h.subarray(0, 7), F),
      expect: TypeError,
      mentions: ["h"],
    },
    { name: "NaN in h", run: fwd(nan(c.data.h, 3), F), expect: RangeError, mentions: ["h", "NaN"] },
    {
      name: "NaN in topic fibers",
      run: fwd(c.data.h, { ...F, topic: nan(F.topic, 5) }),
      expect: RangeError,
      mentions: ["topic fibers", "NaN"],
    },
    {
      name: "query heads: NaN in h",
      run: () => m.queryHeads(nan(c.data.h, 0)),
      expect: RangeError,
      mentions: ["h"],
    },
    {
      name: "weights of the wrong size",
      run: () => new CrossBundleAttention({ cfg, weights: { ...c.params, prefix_scale: [1, 2] } }),
      expect: TypeError,
      mentions: ["prefix_scale"],
    },
  ];
  const failures: string[] = [];
  try {
    for (const fc of cases) {
      const w = await checkFault(fc, release);
      if (w !== null) failures.push(w);
    }
  } finally {
    m.dispose();
  }
  return faultMeasurement(cases.length, failures);
});
