/**
 * The substrate transforms' claims: oracles against the PyTorch fixture, GPU
 * forwards against the oracles under derived bounds, causality (each transform
 * and their chain), the four divergences (overwrite erases, sign-safe
 * magnitude, causal temporal attention, every mode routed), seeded init,
 * gradients and bad input. Claims: ./claims.ts.
 *
 * @module
 */
import {
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  bankOf,
  MagnitudeNormalizer,
  ModeSelector,
  OverwriteGate,
  SubstrateBankRouter,
  TemporalAttention,
} from "../../../impl/decepticons/substrate_transforms/substrate_transforms.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure, type SubFigure } from "../../_harness/claim.ts";
import {
  magnitudeFeature,
  oracleBankOf,
  originalMagnitudeFactor,
  overwriteAfterScan,
  overwriteGateValues,
  overwriteInside,
  routerForward,
  selectorForward,
  temporalForward,
} from "../../oracle/decepticons/substrate_transforms.ts";
import { checkBounds, type TA } from "../hash_memory/_tracked.ts";
import { HASH_REFERENCE_FACTOR } from "../hash_memory/_bounds.ts";
import { loadTransformsFixture, type TransformsFixture } from "../hash_memory/_fixture.ts";
import {
  magnitudeBounds,
  overwriteBounds,
  routerBounds,
  selectorBounds,
  temporalBounds,
} from "./_bounds.ts";
import {
  XF_CAUSALITY,
  XF_FAULT,
  XF_FIXTURE_PARITY,
  XF_GPU_PARITY,
  XF_GRADIENTS,
  XF_MAGNITUDE,
  XF_OVERWRITE,
  XF_ROUTER,
  XF_SEEDED,
  XF_TEMPORAL,
} from "./claims.ts";

await initGpu();

let fixture: ReturnType<typeof loadTransformsFixture> | null = null;
const loadOnce = () => (fixture ??= loadTransformsFixture());

/** Worst |a − b| / max(|b|, 1). */
function worstRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < b.length; i++) {
    w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1));
  }
  return a.length === b.length ? w : Infinity;
}

/** Oracle outputs of every fixture section. */
function oracleOutputs(f: TransformsFixture) {
  const { router: r, overwrite: o, magnitude: m, selector: s, temporal: t } = f;
  const gate = overwriteGateValues(o.x, o.gate_w, o.gate_b);
  const tshape = {
    B: t.B,
    T: t.T,
    M: t.M,
    heads: t.heads,
    headDim: t.head_dim,
    interval: t.interval,
  };
  return {
    router: routerForward(r.drive, r.x, r.route_w, r.route_b, r.M),
    overwrite: overwriteInside(o.drive, gate, o.decays, o),
    overwriteAfter: overwriteAfterScan(o.drive, gate, o.decays, o),
    magnitude: magnitudeFeature(m.states, m.M, m.log_gain[0]!, m.eps),
    factors: Float64Array.from(m.norms, (n) => originalMagnitudeFactor(n, 0, m.eps)),
    selector: selectorForward(s.states, s.x, s.select_w, s.select_b, s.temperature),
    temporal: temporalForward(t.states, t, tshape, true),
    temporalUnmasked: temporalForward(t.states, t, tshape, false),
  };
}

claimTest(XF_FIXTURE_PARITY, async () => {
  const { data: f, integrity } = await loadOnce();
  const o = oracleOutputs(f);
  const banks = Int32Array.from(
    { length: f.router.M },
    (_, m) => oracleBankOf(m, f.router.M, f.router.banks),
  );
  const parts: [string, number][] = [
    ["router", worstRel(o.router, f.router.out)],
    ["router banks", worstRel(banks, f.router.bank)],
    ["overwrite inside", worstRel(o.overwrite, f.overwrite.out)],
    [
      "overwrite after scan (original)",
      worstRel(o.overwriteAfter, f.overwrite.original_after_scan),
    ],
    ["magnitude", worstRel(o.magnitude, f.magnitude.out)],
    ["magnitude factor (original)", worstRel(o.factors, f.magnitude.original_factor)],
    ["selector", worstRel(o.selector, f.selector.out)],
    ["temporal", worstRel(o.temporal, f.temporal.out)],
    ["temporal unmasked (original)", worstRel(o.temporalUnmasked, f.temporal.original_unmasked)],
  ];
  const [name, worst] = parts.reduce((a, b) => (b[1] >= a[1] ? b : a));
  return {
    figure: worst,
    bound: FIXTURE_F64_REL,
    pass: true,
    detail: `${parts.length} arrays; worst ${name}; ${integrity}`,
  };
});

const f32 = (x: ArrayLike<number>) => Float32Array.from(x);

claimTest(XF_GPU_PARITY, async () => {
  const { data: f } = await loadOnce();
  const o = oracleOutputs(f);
  const { router: r, overwrite: ow, magnitude: m, selector: s, temporal: t } = f;
  const made: Tensor[] = [];
  const mods: { dispose(): void }[] = [];
  const up = (x: ArrayLike<number>, shape: number[]) => {
    const tt = tensor(f32(x), shape);
    made.push(tt);
    return tt;
  };
  try {
    const router = new SubstrateBankRouter({
      modes: r.M,
      embeddingDim: r.E,
      banks: r.banks,
      weights: { route_w: r.route_w, route_b: r.route_b },
    });
    const gates = (["chunked", "sequential"] as const).map((method) =>
      new OverwriteGate({
        decays: ow.decays,
        embeddingDim: ow.E,
        scanMethod: method,
        scanChunk: 8,
        weights: { gate_w: ow.gate_w, gate_b: ow.gate_b },
      })
    );
    const mag = new MagnitudeNormalizer({
      modes: m.M,
      eps: m.eps,
      weights: { log_gain: m.log_gain },
    });
    const sel = new ModeSelector({
      modes: s.M,
      embeddingDim: s.E,
      temperature: s.temperature,
      weights: { select_w: s.select_w, select_b: s.select_b },
    });
    const att = new TemporalAttention({
      modes: t.M,
      heads: t.heads,
      headDim: t.head_dim,
      snapshotInterval: t.interval,
      weights: { q_w: t.q_w, k_w: t.k_w, v_w: t.v_w, o_w: t.o_w },
    });
    mods.push(router, ...gates, mag, sel, att);
    const rx = up(r.x, [r.B, r.T, r.E]);
    const rd = up(r.drive, [r.B, r.T, r.M]);
    const ox = up(ow.x, [ow.B, ow.T, ow.E]);
    const od = up(ow.drive, [ow.B, ow.T, ow.M]);
    const ms = up(m.states, [m.B, m.T, m.M]);
    const sx = up(s.x, [s.B, s.T, s.E]);
    const ss = up(s.states, [s.B, s.T, s.M]);
    const ts = up(t.states, [t.B, t.T, t.M]);
    const outs = tidy(() => [
      router.forward(rd, rx),
      gates[0]!.forward(od, ox),
      gates[1]!.forward(od, ox),
      mag.forward(ms),
      sel.forward(ss, sx),
      att.forward(ts),
    ]);
    made.push(...outs);
    const read = await readTensors(outs);
    const rows = (q: { B: number; T: number }) => q.B * q.T;
    const checks: [string, ArrayLike<number>, Float64Array, TA][] = [
      [
        "router",
        read[0]!,
        o.router,
        routerBounds(r.drive, r.x, r.route_w, r.route_b, r.bank, rows(r), r.E, r.M),
      ],
      ...(["chunked", "sequential"] as const).map((
        method,
        i,
      ): [string, ArrayLike<number>, Float64Array, TA] => [
        `overwrite ${method}`,
        read[1 + i]!,
        o.overwrite,
        overwriteBounds(ow.drive, ow.x, ow.gate_w, ow.gate_b, ow.decays, ow, { method, chunk: 8 }),
      ]),
      [
        "magnitude",
        read[3]!,
        o.magnitude,
        magnitudeBounds(m.states, m.M, m.log_gain[0]!, m.eps, true),
      ],
      [
        "selector",
        read[4]!,
        o.selector,
        selectorBounds(s.states, s.x, s.select_w, s.select_b, s.temperature, rows(s), s.E),
      ],
      [
        "temporal",
        read[5]!,
        o.temporal,
        temporalBounds(t.states, t, {
          B: t.B,
          T: t.T,
          M: t.M,
          heads: t.heads,
          headDim: t.head_dim,
          interval: t.interval,
        }),
      ],
    ];
    let ratio = 0;
    let where = "";
    let walkRel = 0;
    const scales: string[] = [];
    for (const [name, gpu, oracle, walk] of checks) {
      const c = checkBounds(name, gpu, oracle, walk, HASH_REFERENCE_FACTOR);
      walkRel = Math.max(walkRel, c.walkRel);
      scales.push(`${name} ${formatFigure(c.boundScale)}`);
      if (c.ratio >= ratio) {
        ratio = c.ratio;
        where = c.at;
      }
    }
    return {
      figure: ratio,
      bound: 1,
      pass: true,
      parts: [{ name: "walk vs oracle (rel)", figure: walkRel, bound: 1e-12, direction: "<=" }],
      detail: `worst at ${where}; median bound / max|value|: ${scales.join(", ")}`,
    };
  } finally {
    for (const tt of made) tt.dispose();
    for (const mm of mods) mm.dispose();
  }
});

/** Seeded values in [−1, 1). */
function seeded(seed: number, n: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniformIn(-1, 1));
}

/** Decays of a small bank, in (0, 1). */
const DECAYS = Float32Array.from({ length: 12 }, (_, i) => 0.3 + 0.06 * i);

claimTest(XF_CAUSALITY, async () => {
  const B = 2, T = 40, E = 8, M = 12;
  const router = new SubstrateBankRouter({ modes: M, embeddingDim: E, banks: 5, seed: 1 });
  const gate = new OverwriteGate({ decays: DECAYS, embeddingDim: E, scanChunk: 8, seed: 2 });
  const mag = new MagnitudeNormalizer({ modes: M, weights: { log_gain: [0.4] } });
  const sel = new ModeSelector({ modes: M + 1, embeddingDim: E, seed: 3 });
  const att = new TemporalAttention({
    modes: M + 1,
    heads: 2,
    headDim: 3,
    snapshotInterval: 8,
    seed: 4,
  });
  const t0s = [1, 9, 17, 33];
  const made: Tensor[] = [];
  try {
    const base = { x: seeded(10, B * T * E), d: seeded(11, B * T * M), s: seeded(12, B * T * M) };
    const bump = (a: Float32Array, w: number, t0: number) => {
      const c = a.slice();
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < w; k++) c[(b * T + t0) * w + k] = c[(b * T + t0) * w + k]! + 0.5;
      }
      return c;
    };
    const variants = [
      base,
      ...t0s.map((t0) => ({
        x: bump(base.x, E, t0),
        d: bump(base.d, M, t0),
        s: bump(base.s, M, t0),
      })),
    ];
    const names = ["router", "overwrite", "magnitude", "selector", "temporal", "chain"];
    const outs = tidy(() =>
      variants.flatMap((v) => {
        const x = tensor(v.x, [B, T, E]);
        const d = tensor(v.d, [B, T, M]);
        const s = tensor(v.s, [B, T, M]);
        const s1 = tensor(
          seeded(13, B * T * (M + 1)).map((u, i) =>
            i % (M + 1) === M ? u : v.s[Math.floor(i / (M + 1)) * M + (i % (M + 1))]!
          ),
          [B, T, M + 1],
        );
        const chain = att.forward(
          sel.forward(mag.forward(gate.forward(router.forward(d, x), x)), x),
        );
        return [
          router.forward(d, x),
          gate.forward(d, x),
          mag.forward(s),
          sel.forward(s1, x),
          att.forward(s1),
          chain,
        ];
      })
    );
    made.push(...outs);
    const read = await readTensors(outs);
    let before = 0;
    let unchanged = 0;
    const where: string[] = [];
    t0s.forEach((t0, k) => {
      names.forEach((name, j) => {
        const y0 = read[j]!;
        const y = read[(k + 1) * names.length + j]!;
        const W = y.length / (B * T);
        let atT0 = 0;
        for (let b = 0; b < B; b++) {
          for (let t = 0; t <= t0; t++) {
            for (let c = 0; c < W; c++) {
              const i = (b * T + t) * W + c;
              const d = Math.abs(y[i]! - y0[i]!);
              if (t < t0) {
                if (d > before) where.push(`${name} t0 ${t0} t ${t}`);
                before = Math.max(before, d);
              } else atT0 = Math.max(atT0, d);
            }
          }
        }
        if (atT0 === 0) {
          unchanged++;
          where.push(`${name} unchanged at t0 ${t0}`);
        }
      });
    });
    return {
      figure: before,
      bound: 0,
      pass: true,
      parts: [{ name: "outputs unchanged at t0", figure: unchanged, bound: 0, direction: "==" }],
      detail: `${names.length} modules × t0 in {${t0s.join(", ")}}, B ${B}, T ${T}` +
        (where.length ? `; ${where.slice(0, 4).join(", ")}` : ""),
    };
  } finally {
    for (const t of made) t.dispose();
    for (const m of [router, gate, mag, sel, att]) m.dispose();
  }
});

claimTest(XF_OVERWRITE, async () => {
  const B = 2, T = 40, E = 4, M = 12, tStar = 20;
  // Channel 0 of x opens the gate fully at t* (pre-activation ≥ 97: σ rounds to exactly 1).
  const r = new Rng(21);
  const gw = Float32Array.from({ length: E * M }, (_, i) => (i < M ? 100 : r.uniformIn(-0.3, 0.3)));
  const x = seeded(22, B * T * E);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) x[(b * T + t) * E] = t === tStar ? 1 : 0;
  const d1 = seeded(23, B * T * M);
  const d2 = d1.slice();
  const other = seeded(24, B * T * M);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < tStar * M; i++) d2[b * T * M + i] = other[b * T * M + i]!;
  }
  const gates = (["chunked", "sequential"] as const).map((method) =>
    new OverwriteGate({
      decays: DECAYS,
      embeddingDim: E,
      scanMethod: method,
      scanChunk: 8,
      weights: { gate_w: gw, gate_b: new Float32Array(M).fill(-3) },
    })
  );
  const made: Tensor[] = [];
  try {
    const xt = tensor(x, [B, T, E]);
    const a = tensor(d1, [B, T, M]);
    const b2 = tensor(d2, [B, T, M]);
    made.push(xt, a, b2);
    const outs = tidy(() =>
      gates.flatMap((g) => [g.forward(a, xt), g.forward(b2, xt), g.gate(xt)])
    );
    made.push(...outs);
    const read = await readTensors(outs);
    let after = 0;
    let beforeDiff = Infinity;
    for (let k = 0; k < gates.length; k++) {
      const [h1, h2] = [read[3 * k]!, read[3 * k + 1]!];
      let bd = 0;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          for (let m = 0; m < M; m++) {
            const i = (b * T + t) * M + m;
            const d = Math.abs(h1[i]! - h2[i]!);
            if (t >= tStar) after = Math.max(after, d);
            else bd = Math.max(bd, d);
          }
        }
      }
      beforeDiff = Math.min(beforeDiff, bd);
    }
    // The original's placement on the same gates (read back) and drives: differs at t* + 1.
    const g = Float64Array.from(read[2]!);
    const shape = { B, T };
    const o1 = overwriteAfterScan(Float64Array.from(d1), g, DECAYS, shape);
    const o2 = overwriteAfterScan(Float64Array.from(d2), g, DECAYS, shape);
    let origAt = 0;
    let origNext = 0;
    for (let b = 0; b < B; b++) {
      for (let m = 0; m < M; m++) {
        const i = (b * T + tStar) * M + m;
        origAt = Math.max(origAt, Math.abs(o1[i]! - o2[i]!));
        origNext = Math.max(origNext, Math.abs(o1[i + M]! - o2[i + M]!));
      }
    }
    const gateAt = Math.min(
      ...Array.from({ length: B * M }, (_, j) => g[(Math.floor(j / M) * T + tStar) * M + (j % M)]!),
    );
    return {
      figure: after,
      bound: 0,
      pass: true,
      parts: [
        { name: "gate at t* (must be 1)", figure: gateAt, bound: 1, direction: "==" },
        {
          name: "histories differ before t* (1 when so)",
          figure: beforeDiff > 0 ? 1 : 0,
          bound: 1,
          direction: "==",
        },
        {
          name: "original: differs at t* + 1 (1 when so)",
          figure: origNext > 0 ? 1 : 0,
          bound: 1,
          direction: "==",
        },
      ],
      detail: `t* ${tStar}; max |ΔS| before t* ${formatFigure(beforeDiff)}; the original's ` +
        `after-scan gate: |ΔS| ${formatFigure(origAt)} at t*, ${formatFigure(origNext)} at t* + 1`,
    };
  } finally {
    for (const t of made) t.dispose();
    for (const gg of gates) gg.dispose();
  }
});

claimTest(XF_MAGNITUDE, async () => {
  const M = 16;
  const norms = [10, 1, 0.2, 0.13, 0.05, 1e-3];
  const r = new Rng(31);
  const u = Array.from({ length: M }, () => r.uniformIn(-1, 1));
  const un = Math.hypot(...u);
  const states = new Float32Array(norms.length * M);
  norms.forEach((n, k) => u.forEach((v, j) => (states[k * M + j] = (v / un) * n)));
  const mag = new MagnitudeNormalizer({ modes: M });
  const st = tensor(states, [1, norms.length, M]);
  try {
    const out = tidy(() => mag.forward(st));
    const [y] = await readTensors([out]);
    out.dispose();
    let minCos = Infinity;
    for (let k = 0; k < norms.length; k++) {
      let dot = 0, ny = 0, ns = 0;
      for (let j = 0; j < M; j++) {
        const a = y![k * (M + 1) + j]!;
        const s = states[k * M + j]!;
        dot += a * s;
        ny += a * a;
        ns += s * s;
      }
      minCos = Math.min(minCos, dot / Math.sqrt(ny * ns));
    }
    const oracle = magnitudeFeature(Float64Array.from(states), M, 0, 1e-6);
    const walk = magnitudeBounds(states, M, 0, 1e-6, true);
    const chk = checkBounds("magnitude", y!, oracle, walk, HASH_REFERENCE_FACTOR);
    const factors = norms.map((n) => originalMagnitudeFactor(n, 0, 1e-6));
    const parts: SubFigure[] = [
      { name: "within the f32 bound (ratio)", figure: chk.ratio, bound: 1, direction: "<=" },
      { name: "original factor at 0.05", figure: factors[4]!, bound: 0, direction: "<=" },
      { name: "original factor at 1e-3", figure: factors[5]!, bound: 0, direction: "<=" },
    ];
    return {
      figure: minCos,
      bound: 1 - 2 ** -20,
      pass: true,
      parts,
      detail: `norms ${norms.join(", ")}; the original's factors ` +
        factors.map((v) => formatFigure(v)).join(", ") +
        `; memspec ln channel at 0.05: ${formatFigure(y![4 * (M + 1) + M]!)}`,
    };
  } finally {
    st.dispose();
    mag.dispose();
  }
});

claimTest(XF_TEMPORAL, async () => {
  let refused = 0;
  try {
    new TemporalAttention({ modes: 4, heads: 1, headDim: 2 } as never);
  } catch (e) {
    if (e instanceof TypeError && e.message.includes("snapshotInterval")) refused = 1;
  }
  const B = 2, T = 40, M = 8, cut = 24;
  const att = new TemporalAttention({
    modes: M,
    heads: 2,
    headDim: 4,
    snapshotInterval: 8,
    seed: 5,
  });
  const s1 = seeded(41, B * T * M);
  const s2 = s1.slice();
  for (let b = 0; b < B; b++) {
    for (let i = cut * M; i < T * M; i++) s2[b * T * M + i] = s2[b * T * M + i]! + 1;
  }
  const made: Tensor[] = [];
  try {
    const a = tensor(s1, [B, T, M]);
    const b2 = tensor(s2, [B, T, M]);
    made.push(a, b2);
    const outs = tidy(() => [att.forward(a), att.forward(b2)]);
    made.push(...outs);
    const [y1, y2, ...w] = await readTensors([...outs, ...att.parameters.values()]);
    let before = 0;
    for (let i = 0; i < B * T * M; i++) {
      if (Math.floor(i / M) % T < cut) before = Math.max(before, Math.abs(y1![i]! - y2![i]!));
    }
    const p = {
      q_w: Float64Array.from(w[0]!),
      k_w: Float64Array.from(w[1]!),
      v_w: Float64Array.from(w[2]!),
      o_w: Float64Array.from(w[3]!),
    };
    const shape = { B, T, M, heads: 2, headDim: 4, interval: 8 };
    const o1 = temporalForward(Float64Array.from(s1), p, shape, false);
    const o2 = temporalForward(Float64Array.from(s2), p, shape, false);
    let orig = 0;
    for (let i = 0; i < B * T * M; i++) {
      if (Math.floor(i / M) % T < cut) orig = Math.max(orig, Math.abs(o1[i]! - o2[i]!));
    }
    return {
      figure: before,
      bound: 0,
      pass: true,
      parts: [
        { name: "missing interval refused", figure: refused, bound: 1, direction: "==" },
        {
          name: "original moves earlier outputs (1 when so)",
          figure: orig > 0 ? 1 : 0,
          bound: 1,
          direction: "==",
        },
      ],
      detail: `states changed at t >= ${cut}; the original's unmasked attention moves outputs ` +
        `before ${cut} by ${formatFigure(orig)}`,
    };
  } finally {
    for (const t of made) t.dispose();
    att.dispose();
  }
});

claimTest(XF_ROUTER, async () => {
  const B = 2, T = 40, E = 8, M = 10, n = 3;
  let refused = 0;
  try {
    new SubstrateBankRouter({ modes: 3, embeddingDim: 2, banks: 4 });
  } catch (e) {
    if (e instanceof RangeError && /banks/.test(e.message) && /modes/.test(e.message)) refused = 1;
  }
  const router = new SubstrateBankRouter({ modes: M, embeddingDim: E, banks: n, seed: 8 });
  const x = tensor(seeded(51, B * T * E), [B, T, E]);
  const dv = seeded(52, B * T * M);
  const d = tensor(dv, [B, T, M]);
  try {
    const outs = tidy(() => [router.forward(d, x), router.routing(x)]);
    const [y, rho] = await readTensors(outs);
    for (const t of outs) t.dispose();
    let bad = 0;
    const sizes = new Array(n).fill(0);
    for (let m = 0; m < M; m++) sizes[bankOf(m, M, n)]++;
    for (let i = 0; i < B * T; i++) {
      for (let m = 0; m < M; m++) {
        const want = dv[i * M + m]! * rho![i * n + bankOf(m, M, n)]!;
        if (Math.abs(y![i * M + m]! - want) > 2 ** -24 * Math.abs(want) + 2 ** -126) bad++;
      }
    }
    return {
      figure: bad,
      bound: 0,
      pass: true,
      parts: [{ name: "banks > modes refused", figure: refused, bound: 1, direction: "==" }],
      detail: `bank sizes ${sizes.join(", ")} (M ${M}, ${n} banks); ${B * T * M} routed values`,
    };
  } finally {
    x.dispose();
    d.dispose();
    router.dispose();
  }
});

/** Builders of every transform from a seed (small sizes). */
const BUILDERS: Record<
  string,
  (seed: number) => { parameters: ReadonlyMap<string, Tensor>; dispose(): void }
> = {
  router: (seed) => new SubstrateBankRouter({ modes: 6, embeddingDim: 4, banks: 2, seed }),
  overwrite: (seed) => new OverwriteGate({ decays: DECAYS.subarray(0, 6), embeddingDim: 4, seed }),
  magnitude: (seed) => new MagnitudeNormalizer({ modes: 6, seed }),
  selector: (seed) => new ModeSelector({ modes: 6, embeddingDim: 4, seed }),
  temporal: (seed) =>
    new TemporalAttention({ modes: 6, heads: 2, headDim: 2, snapshotInterval: 3, seed }),
};
/** Parameters with constant initial values (no random stream). */
const CONSTANT_INIT = new Set(["log_gain", "gate_b"]);

claimTest(XF_SEEDED, async () => {
  let differing = 0;
  let equalAcross = 0;
  let tensors = 0;
  for (const build of Object.values(BUILDERS)) {
    const ms = [build(5), build(5), build(6)];
    try {
      const names = [...ms[0]!.parameters.keys()];
      const vals = await Promise.all(ms.map((m) => readTensors([...m.parameters.values()])));
      names.forEach((name, i) => {
        tensors++;
        const [a, b, c] = vals.map((v) => v[i]!);
        a!.forEach((v, j) => (differing += v === b![j] ? 0 : 1));
        if (!CONSTANT_INIT.has(name) && a!.every((v, j) => v === c![j])) equalAcross++;
      });
    } finally {
      for (const m of ms) m.dispose();
    }
  }
  return {
    figure: differing,
    bound: 0,
    pass: true,
    parts: [{
      name: "random tensors equal across seeds",
      figure: equalAcross,
      bound: 0,
      direction: "==",
    }],
    detail: `5 transforms, ${tensors} tensors, seeds 5, 5, 6`,
  };
});

claimTest(XF_GRADIENTS, async () => {
  const B = 2, T = 12, E = 4, M = 6;
  let bad = 0;
  const notes: string[] = [];
  for (const [name, build] of Object.entries(BUILDERS)) {
    const mod = build(3) as unknown as {
      parameters: ReadonlyMap<string, Tensor>;
      forward(a: Tensor, b?: Tensor): Tensor;
      dispose(): void;
    };
    const made: Tensor[] = [];
    try {
      const s = tensor(seeded(61, B * T * M), [B, T, M], { requiresGrad: true });
      const x = tensor(seeded(62, B * T * E), [B, T, E], { requiresGrad: true });
      made.push(s, x);
      const usesX = name === "router" || name === "overwrite" || name === "selector";
      const out = tidy(() => {
        const y = usesX ? mod.forward(s, x) : mod.forward(s);
        const g = tensor(seeded(63, y.size), y.shape);
        backward(y, g);
        return y;
      });
      made.push(out);
      const params = [...mod.parameters.entries()];
      const inputs = usesX ? [s, x] : [s];
      const read = await readTensors([
        ...params.map(([, p]) => p.grad!),
        ...inputs.map((t) => t.grad!),
      ]);
      params.forEach(([pn], i) => {
        const gr = read[i]!;
        if (!gr.every(Number.isFinite) || gr.every((v) => v === 0)) {
          bad++;
          notes.push(`${name}.${pn}`);
        }
      });
      for (let i = params.length; i < read.length; i++) {
        if (!read[i]!.every(Number.isFinite)) {
          bad++;
          notes.push(`${name} input ${i - params.length}`);
        }
      }
    } finally {
      for (const t of made) t.dispose();
      mod.dispose();
    }
  }
  return {
    figure: bad,
    bound: 0,
    pass: true,
    detail: `5 transforms (B ${B}, T ${T})` + (notes.length ? `; ${notes.join(", ")}` : ""),
  };
});

/** Runs `fn`, expecting `cls` with a message naming `field`; returns a failure or null. */
function expectThrow(what: string, cls: ErrorConstructor, field: string, fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof cls && (e as Error).message.includes(field)) return null;
    return `${what}: threw ${(e as Error).name}: ${(e as Error).message}`;
  }
  return `${what}: did not throw`;
}

claimTest(XF_FAULT, () => {
  const before = liveBufferCount();
  const failures: (string | null)[] = [];
  const T_ = TypeError, R_ = RangeError;
  const ctors: [string, ErrorConstructor, string, () => unknown][] = [
    ["router no options", T_, "options", () => new SubstrateBankRouter(null as never)],
    [
      "router modes 0",
      R_,
      "modes",
      () => new SubstrateBankRouter({ modes: 0, embeddingDim: 2, banks: 1 }),
    ],
    [
      "router banks > modes",
      R_,
      "banks",
      () => new SubstrateBankRouter({ modes: 2, embeddingDim: 2, banks: 3 }),
    ],
    [
      "router banks 0",
      R_,
      "banks",
      () => new SubstrateBankRouter({ modes: 2, embeddingDim: 2, banks: 0 }),
    ],
    [
      "router weights length",
      T_,
      "weights.route_b",
      () =>
        new SubstrateBankRouter({ modes: 2, embeddingDim: 2, banks: 2, weights: { route_b: [1] } }),
    ],
    ["gate decays missing", T_, "decays", () => new OverwriteGate({ embeddingDim: 2 } as never)],
    ["gate decays empty", R_, "decays", () => new OverwriteGate({ decays: [], embeddingDim: 2 })],
    [
      "gate decay 1.5",
      R_,
      "decays[1]",
      () => new OverwriteGate({ decays: [0.5, 1.5], embeddingDim: 2 }),
    ],
    [
      "gate scanMethod",
      T_,
      "scanMethod",
      () => new OverwriteGate({ decays: [0.5], embeddingDim: 2, scanMethod: "fast" as never }),
    ],
    [
      "gate scanChunk 0",
      R_,
      "scanChunk",
      () => new OverwriteGate({ decays: [0.5], embeddingDim: 2, scanChunk: 0 }),
    ],
    [
      "gate bias NaN",
      R_,
      "bias",
      () => new OverwriteGate({ decays: [0.5], embeddingDim: 2, bias: NaN }),
    ],
    ["magnitude eps 0", R_, "eps", () => new MagnitudeNormalizer({ modes: 2, eps: 0 })],
    [
      "magnitude keepMagnitude",
      T_,
      "keepMagnitude",
      () => new MagnitudeNormalizer({ modes: 2, keepMagnitude: 1 as never }),
    ],
    [
      "selector temperature 0",
      R_,
      "temperature",
      () => new ModeSelector({ modes: 2, embeddingDim: 2, temperature: 0 }),
    ],
    [
      "selector seed 2^32",
      R_,
      "seed",
      () => new ModeSelector({ modes: 2, embeddingDim: 2, seed: 2 ** 32 }),
    ],
    [
      "temporal interval missing",
      T_,
      "snapshotInterval",
      () => new TemporalAttention({ modes: 2, heads: 1, headDim: 2 } as never),
    ],
    [
      "temporal interval 0",
      R_,
      "snapshotInterval",
      () => new TemporalAttention({ modes: 2, heads: 1, headDim: 2, snapshotInterval: 0 }),
    ],
    [
      "temporal heads 0",
      R_,
      "heads",
      () => new TemporalAttention({ modes: 2, heads: 0, headDim: 2, snapshotInterval: 2 }),
    ],
    [
      "temporal weights name",
      T_,
      "weights",
      () =>
        new TemporalAttention({
          modes: 2,
          heads: 1,
          headDim: 2,
          snapshotInterval: 2,
          weights: { w: [1] },
        }),
    ],
  ];
  for (const [w, cls, f, fn] of ctors) failures.push(expectThrow(w, cls, f, fn));
  if (liveBufferCount() !== before) failures.push("a refused constructor left buffers");
  const router = new SubstrateBankRouter({ modes: 4, embeddingDim: 2, banks: 2 });
  const gate = new OverwriteGate({ decays: [0.5, 0.5, 0.5, 0.5], embeddingDim: 2 });
  const mag = new MagnitudeNormalizer({ modes: 4 });
  const sel = new ModeSelector({ modes: 4, embeddingDim: 2 });
  const att = new TemporalAttention({ modes: 4, heads: 1, headDim: 2, snapshotInterval: 2 });
  const s = tensor(new Float32Array(2 * 3 * 4), [2, 3, 4]);
  const x = tensor(new Float32Array(2 * 3 * 2), [2, 3, 2]);
  const xShort = tensor(new Float32Array(2 * 2 * 2), [2, 2, 2]);
  const si = tensor(new Int32Array(2 * 3 * 4), [2, 3, 4], { dtype: "i32" });
  const live = liveBufferCount();
  const calls: [string, ErrorConstructor, string, () => unknown][] = [
    ["router drive not a tensor", T_, "drive", () => router.forward([1] as never, x)],
    ["router x width", T_, "x", () => router.forward(s, s)],
    ["router x T mismatch", T_, "x", () => router.forward(s, xShort)],
    ["router routing i32", T_, "x", () => router.routing(si)],
    ["gate drive i32", T_, "drive", () => gate.forward(si, x)],
    ["gate x missing", T_, "x", () => gate.forward(s, undefined as never)],
    ["gate gate() width", T_, "x", () => gate.gate(s)],
    ["magnitude states width", T_, "states", () => mag.forward(x)],
    ["selector x T mismatch", T_, "x", () => sel.forward(s, xShort)],
    ["temporal states i32", T_, "states", () => att.forward(si)],
  ];
  for (const [w, cls, f, fn] of calls) failures.push(expectThrow(w, cls, f, fn));
  if (liveBufferCount() !== live) failures.push("a refused call left buffers");
  for (const m of [router, gate, mag, sel, att]) m.dispose();
  failures.push(expectThrow("forward after dispose", T_, "disposed", () => mag.forward(s)));
  for (const t of [s, x, xShort, si]) t.dispose();
  const bad = failures.filter((f) => f !== null);
  const leaked = liveBufferCount() - before;
  return {
    figure: bad.length + Math.abs(leaked),
    bound: 0,
    pass: true,
    detail: `${ctors.length + calls.length + 1} cases` + (bad.length ? `; ${bad.join("; ")}` : ""),
  };
});
