/**
 * Proofs of the GRU claims (spec/nn/gru/claims.ts) except the fixture parity
 * (fixtures_test.ts): the oracle's gradcheck, GPU forward and backward against
 * the oracle under derived bounds, causality, h0, the seeded init and bad input.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, liveBufferCount, noGrad, type Tensor, tensor, tidy } from "../../../impl/mod.ts";
import {
  gru,
  gruInitValues,
  gruMaxHidden,
  gruParameterNames,
  type GruWeights,
  initGruWeights,
} from "../../../impl/nn/gru/gru.ts";
import { gpu } from "../../../impl/gpu/device.ts";
import { recordedWork } from "../../../impl/gpu/batch.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { checkClose } from "../../../invariants/close.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { FIXTURE_F64_REL, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { type NamedVerdict, parityClaimTests } from "../_gpu_parity.ts";
import { gruBackward, gruForward, type GruOracleInputs } from "../../oracle/nn/gru.ts";
import { gruBounds } from "./_bounds.ts";
import {
  GRU_FIXTURE,
  GRU_GRAD_KEYS,
  type GruCase,
  makeGruCase,
  runGruGpu,
  uploadWeights,
} from "./_cases.ts";
import {
  GRU_CAUSAL,
  GRU_FAULT,
  GRU_GPU_GRADIENTS,
  GRU_GPU_PARITY,
  GRU_GRADCHECK,
  GRU_H0,
  GRU_SEEDED_INIT,
} from "./claims.ts";

await initGpu();

// ------------------------------------------------------------------ oracle gradcheck

claimTest(GRU_GRADCHECK, () => {
  const keys = ["x", "wIh", "wHh", "bIh", "bHh", "h0"] as const;
  let worst = 0;
  let where = "";
  const cases = [
    makeGruCase({ batch: 2, steps: 5, input: 3, hidden: 4 }, 31, true),
    makeGruCase({ batch: 1, steps: 6, input: 2, hidden: 3 }, 32, false),
  ];
  for (const c of cases) {
    const names = keys.filter((k) => c.x[k] !== null);
    const build = (xs: Float64Array[]): GruOracleInputs => {
      const x: GruOracleInputs = { ...c.x };
      names.forEach((n, i) => (x[n] = xs[i]!));
      return x;
    };
    const r = gradcheck(
      (xs) => gruForward(c.g, build(xs)).hs,
      names.map((n) => c.x[n]!),
      (wv) => {
        const gr = gruBackward(c.g, c.x, gruForward(c.g, c.x), wv);
        return names.map((n) => gr[n]);
      },
      c.gOut,
    );
    if (!(r.maxError <= worst)) {
      worst = r.maxError;
      where = `${c.label}: ${names[r.worst.input]}[${r.worst.index}] analytic ` +
        `${r.worst.analytic} numeric ${r.worst.numeric}`;
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `${cases.length} cases; worst ${where}`,
  };
});

// ------------------------------------------------------------------ GPU vs oracle

interface GruVerdict extends NamedVerdict {
  label: string;
}

/** GPU vs oracle on one case: states and every gradient, each against its derived bound. */
async function checkCase(c: GruCase): Promise<GruVerdict[]> {
  const got = await runGruGpu(c);
  const f = gruForward(c.g, c.x);
  const gr = gruBackward(c.g, c.x, f, c.gOut);
  const b = gruBounds(c.g, c.x, c.gOut);
  const slack = (v: number) => FIXTURE_F64_REL * (1 + Math.abs(v));
  const cmp = (name: string, gpu: Float64Array, want: Float64Array, e: Float64Array) => ({
    name,
    label: c.label,
    verdict: checkClose(gpu, want, { atol: e.map((x, i) => x + slack(want[i]!)) }),
  });
  const out = [cmp("out states", got.hs, f.hs, b.hs.e)];
  for (const k of GRU_GRAD_KEYS) {
    const mine = got.grads[k];
    if (k === "h0" && c.x.h0 === null) {
      if (mine !== null) throw new Error(`${c.label}: h0 was not given but got a gradient`);
      continue;
    }
    out.push(cmp(`grad ${k}`, mine!, gr[k], b.grads[k].e));
  }
  return out;
}

/** Steps that make both kernels split over launches on this adapter (≥ 40 everywhere). */
function splittingSteps(h: number): number {
  const lanes = Math.min(256, Math.ceil(h / 8) * 8);
  const u = Math.ceil(h / lanes);
  // GRU_FORWARD.loopIterations per step (the backward's is larger, so it splits first).
  const perStep = 1 + u + 1 + u * (h + 1);
  return Math.max(40, Math.ceil((1.1 * gpu().maxLoopIterations) / perStep));
}

parityClaimTests(GRU_GPU_PARITY, GRU_GPU_GRADIENTS, {
  fixed: () => [
    makeGruCase({ batch: 2, steps: 40, input: 8, hidden: 16 }, 1, true),
    makeGruCase({ batch: 2, steps: 1, input: 8, hidden: 16 }, 2, true),
    makeGruCase({ batch: 2, steps: 40, input: 8, hidden: 16 }, 3, false),
    // Small weights keep the states away from saturation over many steps.
    makeGruCase({ batch: 1, steps: splittingSteps(8), input: 2, hidden: 8 }, 4, true, 1),
    // More units than lanes (two units per lane) and a hidden size off the lane multiple.
    makeGruCase({ batch: 1, steps: 3, input: 3, hidden: 260 }, 5, true),
  ],
  arbitrary: fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    steps: fc.integer({ min: 1, max: 12 }),
    input: fc.integer({ min: 1, max: 6 }),
    hidden: fc.constantFrom(1, 5, 16),
    seed: fc.integer({ min: 0, max: 0xffff }),
    h0: fc.boolean(),
  }).map(({ seed, h0, ...g }) => makeGruCase(g, seed, h0)),
  runs: 8,
  check: checkCase,
  describe: (_c, r) =>
    `${r.label} ${r.name}: ratio ${r.verdict.ratio.toPrecision(3)} max_abs ${
      r.verdict.maxAbs.toExponential(2)
    }`,
});

// ------------------------------------------------------------------ causality

/** States [B, T, H] of a case's weights on inputs xs (no gradient). */
async function states(
  c: GruCase,
  xs: Float64Array,
  h0?: Float64Array | null,
): Promise<Float32Array> {
  const { batch: B, steps: T, input: I, hidden: H } = c.g;
  const w = uploadWeights(c);
  try {
    const hs = noGrad(() =>
      tidy(() => {
        const h = h0 === undefined || h0 === null ? undefined : tensor(h0, [B, H]);
        return gru(tensor(xs, [B, T, I]), w, h);
      })
    );
    const out = await hs.toFloat32();
    hs.dispose();
    return out;
  } finally {
    for (const t of [w.wIh, w.wHh, w.bIh, w.bHh]) t.dispose();
  }
}

claimTest(GRU_CAUSAL, async (): Promise<Measurement> => {
  const c = makeGruCase({ batch: 2, steps: 41, input: 8, hidden: 16 }, 7, true);
  const { batch: B, steps: T, input: I, hidden: H } = c.g;
  const base = await states(c, c.x.x, c.x.h0);
  let before = 0;
  let moved = 0;
  let pairs = 0;
  const details: string[] = [];
  for (const t0 of [20, 33]) {
    const xs = Float64Array.from(c.x.x);
    for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) xs[(b * T + t0) * I + i]! += 0.75;
    const after = await states(c, xs, c.x.h0);
    let pre = 0;
    for (let b = 0; b < B; b++) {
      let hit = 0;
      for (let t = 0; t <= t0; t++) {
        for (let j = 0; j < H; j++) {
          const k = (b * T + t) * H + j;
          const d = Math.abs(after[k]! - base[k]!);
          if (t < t0) pre = Math.max(pre, d);
          else hit = Math.max(hit, d);
        }
      }
      pairs++;
      if (hit > 0) moved++;
      details.push(`t0 = ${t0}, b = ${b}: max |Δh_t0| ${hit.toExponential(2)}`);
    }
    before = Math.max(before, pre);
    details.push(`t0 = ${t0}: max |Δh| before t0 = ${pre}`);
  }
  return {
    figure: before,
    bound: 0,
    pass: before === 0 && moved === pairs,
    parts: [
      { name: "max |Δh| before t0", figure: before, bound: 0, direction: "<=" },
      {
        name: "(t0, b) pairs whose state at t0 moved",
        figure: moved,
        bound: pairs,
        direction: "==",
      },
    ],
    detail: details.join("; "),
  };
});

// ------------------------------------------------------------------ h0

claimTest(GRU_H0, async (): Promise<Measurement> => {
  const c = makeGruCase({ batch: 2, steps: 40, input: 8, hidden: 16 }, 8, true);
  const { batch: B, hidden: H } = c.g;
  const dflt = await states(c, c.x.x, null);
  const zero = await states(c, c.x.x, new Float64Array(B * H));
  const given = await states(c, c.x.x, c.x.h0);
  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  const zeroVsDefault = maxDiff(zero, dflt);
  const givenVsDefault = maxDiff(given, dflt);
  const gpuRun = await runGruGpu(c);
  const gradH0 = gpuRun.grads.h0!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return {
    figure: zeroVsDefault,
    bound: 0,
    pass: zeroVsDefault === 0 && givenVsDefault > 0 && gradH0 > 0,
    parts: [
      { name: "max |h(zero h0) − h(default)|", figure: zeroVsDefault, bound: 0, direction: "<=" },
      {
        name: "h(h0) differs from h(default)",
        figure: givenVsDefault > 0 ? 1 : 0,
        bound: 1,
        direction: "==",
      },
      { name: "∂L/∂h0 nonzero", figure: gradH0 > 0 ? 1 : 0, bound: 1, direction: "==" },
    ],
    detail: `max |h(h0) − h(default)| = ${givenVsDefault.toExponential(3)}; ` +
      `max |∂L/∂h0| = ${gradH0.toExponential(3)}`,
  };
});

// ------------------------------------------------------------------ seeded init

claimTest(GRU_SEEDED_INIT, async (): Promise<Measurement> => {
  const { data } = await loadPinnedJson<
    { format: string; global_rng: { hidden: number; max_abs_state_diff: number } }
  >(GRU_FIXTURE, "memspec.nn.gru.v1");
  const I = 8;
  const H = 16;
  const keys = ["wIh", "wHh", "bIh", "bHh"] as const;
  const a = gruInitValues(I, H, 11, "readout.gru.");
  // Draws in between (another stream, another GRU) must not move the next construction.
  new Rng(12345).normals(1000);
  gruInitValues(I, H, 99, "other.");
  const b = gruInitValues(I, H, 11, "readout.gru.");
  const other = gruInitValues(I, H, 12, "readout.gru.");
  const renamed = gruInitValues(I, H, 11, "readout2.gru.");
  let same = 0;
  let seedMoved = 0;
  let prefixMoved = 0;
  let range = 0;
  for (const k of keys) {
    for (let i = 0; i < a[k].length; i++) {
      same = Math.max(same, Math.abs(a[k][i]! - b[k][i]!));
      range = Math.max(range, Math.abs(a[k][i]!) * Math.sqrt(H));
    }
    if (a[k].some((v, i) => v !== other[k][i])) seedMoved++;
    if (a[k].some((v, i) => v !== renamed[k][i])) prefixMoved++;
  }
  // The device tensors hold the host values.
  const w = initGruWeights(I, H, 11, "readout.gru.");
  let uploaded = 0;
  try {
    for (const k of keys) {
      const got = await w[k].toFloat32();
      uploaded = Math.max(
        uploaded,
        got.reduce((m, v, i) => Math.max(m, Math.abs(v - a[k][i]!)), 0),
      );
    }
  } finally {
    for (const k of keys) w[k].dispose();
  }
  const worst = Math.max(same, uploaded);
  return {
    figure: worst,
    bound: 0,
    pass: worst === 0 && seedMoved === 4 && prefixMoved === 4 && range <= 1,
    parts: [
      { name: "max |Δ| same seed (host and device)", figure: worst, bound: 0, direction: "<=" },
      { name: "tensors moved by another seed", figure: seedMoved, bound: 4, direction: "==" },
      { name: "tensors moved by another prefix", figure: prefixMoved, bound: 4, direction: "==" },
      { name: "max |w|·√H", figure: range, bound: 1, direction: "<=" },
    ],
    detail: `torch.nn.GRU under global seeds 0 and 1 (H = ${data.global_rng.hidden}): states ` +
      `differ by up to ${data.global_rng.max_abs_state_diff.toFixed(3)} (fixture)`,
  };
});

// ------------------------------------------------------------------ bad input

claimTest(GRU_FAULT, (): Measurement => {
  const B = 2;
  const T = 3;
  const I = 4;
  const H = 5;
  const w: GruWeights = initGruWeights(I, H, 1, "g.");
  const x = tensor(new Float32Array(B * T * I), [B, T, I]);
  const h0 = tensor(new Float32Array(B * H), [B, H]);
  const dead = tensor(new Float32Array(B * T * I), [B, T, I]);
  dead.dispose();
  const ix = tensor(new Int32Array(B * T * I), [B, T, I]);
  const bigH = gruMaxHidden() + 1;
  const big = { ...w, wHh: tensor(new Float32Array(3 * bigH * bigH), [3 * bigH, bigH]) };
  type Case = [string, () => unknown, ErrorConstructor, RegExp];
  const shaped = (name: keyof GruWeights, shape: number[]) => ({
    ...w,
    [name]: tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)), shape),
  });
  // Built outside the counted section: the wrong-shape operands themselves.
  const wrong = {
    wIh: shaped("wIh", [3 * H, I + 1]),
    wHh: shaped("wHh", [3 * H, H + 1]),
    bIh: shaped("bIh", [3 * H + 1]),
    bHh: shaped("bHh", [H]),
  };
  const h0Bad = tensor(new Float32Array(B * (H + 1)), [B, H + 1]);
  const x2 = tensor(new Float32Array(T * I), [T, I]);
  const h0Int = tensor(new Int32Array(B * H), [B, H]);
  const hostCases: [string, unknown][] = [
    ["x a number", 3],
    ["x null", null],
    ["x an array", [1, 2]],
  ];
  const cases: Case[] = [
    ["x rank 2", () => gru(x2, w), TypeError, /x of shape \[B, T, I\]/],
    ["x disposed", () => gru(dead, w), Error, /disposed|tensor of shape/i],
    ["x int32", () => gru(ix, w), TypeError, /x/],
    ["wIh shape", () => gru(x, wrong.wIh), TypeError, /wIh of shape \[15, 4\]/],
    ["wHh not [3H, H]", () => gru(x, wrong.wHh), TypeError, /wHh of shape \[3H, H\]/],
    ["bIh length", () => gru(x, wrong.bIh), TypeError, /bIh of shape \[15\]/],
    ["bHh length", () => gru(x, wrong.bHh), TypeError, /bHh of shape \[15\]/],
    ["h0 shape", () => gru(x, w, h0Bad), TypeError, /h0 of shape \[2, 5\]/],
    ["weights null", () => gru(x, null as unknown as GruWeights), TypeError, /weights/],
    ...hostCases.map(([name, v]): Case => [
      name,
      () => gru(v as Tensor, w),
      TypeError,
      /expected x to be a Tensor/,
    ]),
    [
      "wHh not a tensor",
      () => gru(x, { ...w, wHh: {} as Tensor }),
      TypeError,
      /wHh to be a Tensor/,
    ],
    ["h0 int32", () => gru(x, w, h0Int), TypeError, /h0 of dtype/],
    ["H past workgroup memory", () => gru(x, big), RangeError, /hidden size H/],
    ["init inputSize 0", () => gruInitValues(0, 4, 1, "p"), RangeError, /inputSize/],
    ["init hiddenSize 2.5", () => gruInitValues(3, 2.5, 1, "p"), RangeError, /hiddenSize/],
    ["init seed −1", () => gruInitValues(3, 4, -1, "p"), RangeError, /seed/],
    ["init prefix", () => gruInitValues(3, 4, 1, 7 as unknown as string), TypeError, /prefix/],
    ["initGruWeights seed", () => initGruWeights(3, 4, 2 ** 32, "p"), RangeError, /seed/],
    ["init sizes too large", () => gruInitValues(2 ** 20, 2 ** 10, 1, "p"), RangeError, /2\^28/],
    [
      "parameter names prefix",
      () => gruParameterNames(null as unknown as string),
      TypeError,
      /prefix/,
    ],
  ];
  const failures: string[] = [];
  for (const [name, f, type, msg] of cases) {
    const before = liveBufferCount();
    const dispatches = recordedWork();
    try {
      f();
      failures.push(`${name}: no error`);
    } catch (e) {
      if (!(e instanceof type) || !msg.test((e as Error).message)) {
        failures.push(`${name}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    if (liveBufferCount() !== before) failures.push(`${name}: leaked a buffer`);
    if (recordedWork() !== dispatches) failures.push(`${name}: recorded GPU work`);
  }
  for (
    const t of [
      x,
      h0,
      ix,
      x2,
      h0Bad,
      h0Int,
      big.wHh,
      wrong.wIh.wIh,
      wrong.wHh.wHh,
      wrong.bIh.bIh,
      wrong.bHh.bHh,
      w.wIh,
      w.wHh,
      w.bIh,
      w.bHh,
    ] as Tensor[]
  ) t.dispose();
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${cases.length} cases${failures.length ? `; ${failures.join("; ")}` : ""}`,
  };
});
