/**
 * Properties of the causal bank's readouts on the GPU: the balance loss's value table and
 * gradient, the routed readout's convex combination, the tied-recursive readout at δ = 0,
 * causality and seeded init of every kind, the bands' fixes (remainder modes, live
 * parameters), the gated mix's range, validation, and the GRU readout's training smoke test.
 *
 * Shapes: E = 8 embedding columns beside M = 16 modes (F = 24), V = 256, B = 2, T = 40.
 *
 * @module
 */
import {
  Adam,
  backward,
  crossEntropy,
  gpu,
  initGpu,
  liveBufferCount,
  noGrad,
  readTensors,
  reshape,
  softmax,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { add, mul } from "../../../impl/ops/binary.ts";
import { gelu } from "../../../impl/ops/unary.ts";
import { sum } from "../../../impl/ops/reduce.ts";
import { matmul } from "../../../impl/ops/matmul.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  buildReadout,
  type CausalBankReadout,
  type ReadoutSpec,
} from "../../../impl/decepticons/readouts/readouts.ts";
import {
  RoutedExpertsReadout,
  switchBalanceLoss,
} from "../../../impl/decepticons/readouts/routed_experts.ts";
import { TiedRecursiveReadout } from "../../../impl/decepticons/readouts/tied_recursive.ts";
import { BandsReadout } from "../../../impl/decepticons/readouts/bands.ts";
import { GatedMix } from "../../../impl/decepticons/readouts/gated_mix.ts";
import { TiedEmbedReadout } from "../../../impl/decepticons/readouts/tied_embed.ts";
import { MlpReadout } from "../../../impl/decepticons/readouts/mlp.ts";
import { RecurrentReadout } from "../../../impl/decepticons/readouts/recurrent.ts";
import {
  BYTE_LM_REFERENCE_FACTOR,
  F32_MIN_NORMAL,
  gamma32,
  WGSL_DIV_REL,
} from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import {
  balanceLossGradLogits,
  type OracleParams,
  oracleReadout,
  softmaxRows,
} from "../../oracle/decepticons/readouts.ts";
import { balanceGradBounds, readoutBounds } from "./_bounds.ts";
import {
  READOUT_BALANCE_GRADIENT,
  READOUT_BALANCE_VALUES,
  READOUT_BAND_LIVE,
  READOUT_BAND_REMAINDER,
  READOUT_CAUSALITY,
  READOUT_CONVEX,
  READOUT_FAULTS,
  READOUT_GATE_RANGE,
  READOUT_GRU_TRAINS,
  READOUT_SEEDED,
  READOUT_TIED_RECURSIVE,
} from "./claims.ts";

await initGpu();

const EMB = 8;
const M = 16;
const F = M + EMB;
const V = 256;
const B = 2;
const T = 40;
const N = B * T;
const PREFIX = "readout";

/** Seeded values U(−scale, scale). */
function uniform(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniformIn(-scale, scale));
}

/** One spec per kind. */
const KINDS: { name: string; spec: ReadoutSpec }[] = [
  { name: "mlp", spec: { kind: "mlp", hidden: [16] } },
  { name: "tied_recursive", spec: { kind: "tied_recursive", hidden: 16, depth: 2 } },
  {
    name: "routed_sqrelu_experts",
    spec: { kind: "routed_sqrelu_experts", hidden: 16, experts: 4 },
  },
  {
    name: "tied_embed_readout",
    spec: {
      kind: "tied_embed_readout",
      hidden: 16,
      experts: 4,
      embeddingDim: EMB,
      normalize: true,
    },
  },
  { name: "recurrent", spec: { kind: "recurrent", hidden: 16 } },
  {
    name: "bands",
    spec: {
      kind: "bands",
      bands: 3,
      modes: M,
      bandKind: "routed_sqrelu_experts",
      hidden: [12],
      bandExperts: [4, 2, 0],
    },
  },
];

const EMBEDDING = uniform(V * EMB, 77, 0.5);

/** Logits [B, T, V] (and the balance) of a readout on host features. */
async function logitsOf(
  r: CausalBankReadout,
  u: Float32Array,
  f = F,
): Promise<{ logits: Float32Array; balance: number | null }> {
  const ut = tensor(u, [B, T, f]);
  const emb = tensor(EMBEDDING, [V, EMB]);
  const out = noGrad(() => tidy(() => r.forward(ut, { embedding: emb })));
  const ts = out.balance ? [out.logits, out.balance] : [out.logits];
  const read = await readTensors(ts);
  for (const t of [...ts, ut, emb]) t.dispose();
  return { logits: read[0] as Float32Array, balance: out.balance ? read[1]![0]! : null };
}

async function paramsOf(r: { parameters: ReadonlyMap<string, Tensor> }): Promise<OracleParams> {
  const names = [...r.parameters.keys()];
  const read = await readTensors(names.map((n) => r.parameters.get(n)!));
  return Object.fromEntries(names.map((n, i) => [n, Float64Array.from(read[i]!)]));
}

// ------------------------------------------------------------------ balance loss

claimTest(READOUT_BALANCE_VALUES, async () => {
  const rows: string[] = [];
  let violated = 0;
  const check = (ok: boolean, what: string) => {
    rows.push(`${what}${ok ? "" : " (VIOLATED)"}`);
    if (!ok) violated++;
  };
  const opts = { inputDim: F, vocab: V, seed: 11, prefix: PREFIX };
  const u = uniform(N * F, 12);
  // Uniform router: W_r = 0, b_r = 0.
  {
    const r = new RoutedExpertsReadout(8, 4, opts);
    try {
      const w = r.parameters;
      gpu().device.queue.writeBuffer(
        w.get(`${PREFIX}.router_w`)!.buffer,
        0,
        new Float32Array(F * 4),
      );
      const { balance } = await logitsOf(r, u);
      check(Math.abs(balance! - 1) <= 2 ** -22, `uniform L = ${balance}`);
    } finally {
      r.dispose();
    }
  }
  // Collapsed: expert 0's bias +30.
  {
    const r = new RoutedExpertsReadout(8, 4, opts);
    try {
      const w = r.parameters;
      gpu().device.queue.writeBuffer(
        w.get(`${PREFIX}.router_w`)!.buffer,
        0,
        new Float32Array(F * 4),
      );
      gpu().device.queue.writeBuffer(
        w.get(`${PREFIX}.router_b`)!.buffer,
        0,
        Float32Array.of(30, 0, 0, 0),
      );
      const { balance } = await logitsOf(r, u);
      check(balance! >= 4 * (1 - 1e-6) && balance! <= 4, `collapsed L = ${balance}`);
    } finally {
      r.dispose();
    }
  }
  // Random routers (seeded inits, features of scale 2).
  for (let s = 0; s < 5; s++) {
    const r = new RoutedExpertsReadout(8, 4, { ...opts, seed: 100 + s });
    try {
      const { balance } = await logitsOf(r, uniform(N * F, 200 + s, 2));
      check(balance! > 0 && balance! <= 4, `random seed ${100 + s} L = ${balance!.toFixed(6)}`);
    } finally {
      r.dispose();
    }
  }
  // Each forward's own value: two batches, each against the oracle of that batch.
  {
    const r = new RoutedExpertsReadout(8, 4, { ...opts, seed: 5 });
    try {
      const p = await paramsOf(r);
      const spec = { kind: "routed_sqrelu_experts" as const, hidden: 8, experts: 4 };
      const values: number[] = [];
      for (const seed of [31, 32]) {
        const ub = uniform(N * F, seed, 3);
        const { balance } = await logitsOf(r, ub);
        const x = Float64Array.from(ub);
        const dims = { B, T, F, V };
        const o = oracleReadout(spec, p, PREFIX, x, dims).balance!;
        const bd = readoutBounds(spec, p, PREFIX, x, dims).balance!;
        const ok = Math.abs(balance! - o) <= bd.e * BYTE_LM_REFERENCE_FACTOR;
        check(ok, `batch ${seed}: L = ${balance!.toFixed(6)} (oracle ${o.toFixed(6)})`);
        values.push(balance!);
      }
      check(values[0] !== values[1], "the two batches' losses differ");
    } finally {
      r.dispose();
    }
  }
  // 0 rows: refused before any GPU work.
  {
    const r = new RoutedExpertsReadout(8, 4, opts);
    const empty = tensor(new Float32Array(0), [0, T, F]);
    const before = liveBufferCount();
    let refused = false;
    try {
      r.forward(empty);
    } catch (e) {
      refused = e instanceof RangeError && /B >= 1/.test(e.message);
    }
    check(refused && liveBufferCount() === before, "0 rows refused");
    empty.dispose();
    r.dispose();
  }
  return {
    figure: violated,
    bound: 0,
    pass: violated === 0,
    detail: rows.join("; "),
  };
});

claimTest(READOUT_BALANCE_GRADIENT, async () => {
  let worst = 0;
  let where = "";
  const X = 4;
  for (const [name, collapsed] of [["random", false], ["collapsed", true]] as const) {
    const zv = uniform(N * X, 41, 1.5);
    if (collapsed) { for (let r = 0; r < N; r++) zv[r * X] = Math.fround(zv[r * X]! + 6); }
    const z = tensor(zv, [N, X], { requiresGrad: true });
    try {
      tidy(() => backward(switchBalanceLoss(softmax(z, -1))));
      const [g] = await readTensors([z.grad!]);
      const pi = softmaxRows(Float64Array.from(zv), N, X);
      const o = balanceLossGradLogits(pi, N, X);
      const b = balanceGradBounds(zv, N, X);
      for (let i = 0; i < o.length; i++) {
        if (!(Math.abs(b.v[i]! - o[i]!) <= 1e-9 * (1 + Math.abs(o[i]!)))) {
          throw new Error(`Cannot bound ${name}: the walk's value at ${i} is not the oracle's`);
        }
        const d = Math.abs(g![i]! - o[i]!);
        const ratio = d === 0 ? 0 : d / (b.e[i]! * BYTE_LM_REFERENCE_FACTOR);
        if (ratio >= worst) {
          worst = ratio;
          where = `${name} [${Math.floor(i / X)}, ${i % X}]`;
        }
      }
    } finally {
      z.grad?.dispose();
      z.dispose();
    }
  }
  return { figure: worst, bound: 1, pass: worst <= 1, detail: `worst ratio at ${where}` };
});

claimTest(READOUT_CONVEX, async () => {
  const X = 4;
  const r = new RoutedExpertsReadout(16, X, { inputDim: F, vocab: V, seed: 9, prefix: PREFIX });
  const ut = tensor(uniform(N * F, 13, 2), [B, T, F]);
  let read: (Float32Array | Int32Array)[];
  try {
    const out = noGrad(() =>
      tidy(() => {
        const { pi, experts } = r.parts(ut);
        return [pi, experts, r.forward(ut).logits];
      })
    );
    read = await readTensors(out);
    for (const t of out) t.dispose();
  } finally {
    ut.dispose();
    r.dispose();
  }
  const [pi, ell, logits] = read as Float32Array[];
  const simplexBound = (1 + WGSL_DIV_REL) / (1 - gamma32(X - 1)) - 1 + X * F32_MIN_NORMAL;
  let worst = 0;
  let negative = 0;
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let e = 0; e < X; e++) {
      if (pi![n * X + e]! < 0) negative++;
      s += pi![n * X + e]!;
    }
    worst = Math.max(worst, Math.abs(s - 1) / simplexBound);
    for (let v = 0; v < V; v++) {
      let exact = 0;
      let mag = 0;
      for (let e = 0; e < X; e++) {
        const t = pi![n * X + e]! * ell![(e * N + n) * V + v]!;
        exact += t;
        mag += Math.abs(t);
      }
      const bound = gamma32(X) * mag + 2 * X * F32_MIN_NORMAL;
      const d = Math.abs(logits![n * V + v]! - exact);
      worst = Math.max(worst, d === 0 ? 0 : d / bound);
    }
  }
  return {
    figure: worst + negative,
    bound: 1,
    pass: worst <= 1 && negative === 0,
    detail: `worst ratio ${formatFigure(worst)} (simplex and mixture); negative π: ${negative}`,
  };
});

claimTest(READOUT_TIED_RECURSIVE, async () => {
  let worst = 0;
  for (const depth of [1, 2, 3]) {
    const r = new TiedRecursiveReadout(16, depth, {
      inputDim: F,
      vocab: V,
      seed: 20 + depth,
      prefix: PREFIX,
    });
    const ut = tensor(uniform(N * F, 14 + depth), [B, T, F]);
    try {
      const p = (k: string) => r.parameters.get(`${PREFIX}.${k}`)!;
      const [a, b] = noGrad(() =>
        tidy(() => {
          const viaReadout = r.forward(ut).logits;
          // D GELU layers written out: h = u W_in + b_in; h ← GELU(h W_b + b_b), D times.
          let h = add(matmul(reshape(ut, [N, F]), p("in_w")), p("in_b"));
          for (let d = 0; d < depth; d++) h = gelu(add(matmul(h, p("block_w")), p("block_b")));
          return [viaReadout, add(matmul(h, p("out_w")), p("out_b"))];
        })
      );
      const [x, y] = await readTensors([a!, b!]);
      a!.dispose();
      b!.dispose();
      for (let i = 0; i < x!.length; i++) worst = Math.max(worst, Math.abs(x![i]! - y![i]!));
    } finally {
      ut.dispose();
      r.dispose();
    }
  }
  return { figure: worst, bound: 0, pass: worst === 0, detail: "D = 1, 2, 3" };
});

// ------------------------------------------------------------------ causality and seeding

const T0 = 33;

claimTest(READOUT_CAUSALITY, async () => {
  let before = 0;
  const unchanged: string[] = [];
  const u = uniform(N * F, 50);
  const moved = Float32Array.from(u);
  for (let b = 0; b < B; b++) {
    for (let f = 0; f < F; f++) moved[(b * T + T0) * F + f]! += 0.75;
  }
  const compare = (name: string, x: Float32Array, y: Float32Array) => {
    let atT0 = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t <= T0; t++) {
        for (let v = 0; v < V; v++) {
          const i = (b * T + t) * V + v;
          const d = Math.abs(x[i]! - y[i]!);
          if (t < T0) before = Math.max(before, d);
          else atT0 = Math.max(atT0, d);
        }
      }
    }
    if (!(atT0 > 0)) unchanged.push(name);
  };
  for (const k of KINDS) {
    const r = buildReadout(k.spec, { inputDim: F, vocab: V, seed: 3, prefix: PREFIX });
    try {
      compare(k.name, (await logitsOf(r, u)).logits, (await logitsOf(r, moved)).logits);
    } finally {
      r.dispose();
    }
  }
  // The gated mix, on two logits streams with a change at t0.
  const mix = new GatedMix(0.25, { seed: 3, prefix: "mix" });
  const lin = uniform(N * V, 51, 2);
  const loc = uniform(N * V, 52, 2);
  const loc2 = Float32Array.from(loc);
  for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) loc2[(b * T + T0) * V + v]! += 0.5;
  const run = async (l: Float32Array) => {
    const a = tensor(lin, [B, T, V]);
    const c = tensor(l, [B, T, V]);
    const out = noGrad(() => tidy(() => mix.forward(a, c)));
    const [x] = await readTensors([out.logits]);
    for (const t of [a, c, out.logits, out.gate]) t.dispose();
    return x as Float32Array;
  };
  try {
    compare("gated mix", await run(loc), await run(loc2));
  } finally {
    mix.dispose();
  }
  return {
    figure: before,
    bound: 0,
    pass: before === 0 && unchanged.length === 0,
    parts: [{ name: "kinds unchanged at t0", figure: unchanged.length, bound: 0, direction: "==" }],
    detail: `${KINDS.length} kinds + the gated mix at T = ${T}, t0 = ${T0}; unchanged at t0: ` +
      `[${unchanged.join(", ")}]`,
  };
});

claimTest(READOUT_SEEDED, async () => {
  let worst = 0;
  let sameUnderOther = 0;
  const details: string[] = [];
  const u = uniform(N * F, 60);
  for (const k of KINDS) {
    const opts = { inputDim: F, vocab: V, prefix: PREFIX };
    const [a, b, c] = [5, 5, 6].map((seed) => buildReadout(k.spec, { ...opts, seed }));
    try {
      const [pa, pb, pc] = await Promise.all([a!, b!, c!].map(paramsOf));
      for (const name of Object.keys(pa!)) {
        const x = pa![name]!;
        for (let i = 0; i < x.length; i++) {
          worst = Math.max(worst, Math.abs(x[i]! - pb![name]![i]!));
        }
        const nonzero = x.some((v) => v !== 0);
        if (nonzero && x.every((v, i) => v === pc![name]![i])) {
          sameUnderOther++;
          details.push(`${name} equal under another seed`);
        }
      }
      const [la, lb] = [await logitsOf(a!, u), await logitsOf(b!, u)];
      for (let i = 0; i < la.logits.length; i++) {
        worst = Math.max(worst, Math.abs(la.logits[i]! - lb.logits[i]!));
      }
    } finally {
      for (const r of [a!, b!, c!]) r.dispose();
    }
  }
  return {
    figure: worst,
    bound: 0,
    pass: worst === 0 && sameUnderOther === 0,
    parts: [{
      name: "non-zero tensors equal under another seed",
      figure: sameUnderOther,
      bound: 0,
      direction: "==",
    }],
    detail: `${KINDS.length} kinds (GRU and bands included)${
      details.length ? `; ${details.join(", ")}` : ""
    }`,
  };
});

// ------------------------------------------------------------------ bands

claimTest(READOUT_BAND_REMAINDER, async () => {
  const m = 10;
  const f = m + EMB;
  const r = new BandsReadout(
    { bands: 3, modes: m, bandKind: "mlp", hidden: [12] },
    { inputDim: f, vocab: V, seed: 8, prefix: PREFIX },
  );
  const u = uniform(N * f, 70);
  const dead: number[] = [];
  const changes: string[] = [];
  try {
    const base = (await logitsOf(r, u, f)).logits;
    for (let mode = 0; mode < m; mode++) {
      const z = Float32Array.from(u);
      for (let n = 0; n < N; n++) z[n * f + mode] = 0;
      const l = (await logitsOf(r, z, f)).logits;
      let d = 0;
      for (let i = 0; i < l.length; i++) d = Math.max(d, Math.abs(l[i]! - base[i]!));
      if (!(d > 0)) dead.push(mode);
      changes.push(`${mode}: ${d.toExponential(2)}`);
    }
  } finally {
    r.dispose();
  }
  return {
    figure: dead.length,
    bound: 0,
    pass: dead.length === 0,
    detail: `layout [0,3) [3,6) [6,10); max |Δ logits| per zeroed mode ${changes.join(", ")}`,
  };
});

claimTest(READOUT_BAND_LIVE, async () => {
  const cases: { name: string; spec: ReadoutSpec }[] = [
    { name: "mlp", spec: { kind: "bands", bands: 2, modes: M, bandKind: "mlp", hidden: [16] } },
    KINDS.find((k) => k.name === "bands")!,
    {
      name: "tied_embed_readout",
      spec: {
        kind: "bands",
        bands: 2,
        modes: M,
        bandKind: "tied_embed_readout",
        hidden: [16],
        experts: 2,
        embeddingDim: EMB,
        normalize: true,
      },
    },
  ];
  let bad = 0;
  let total = 0;
  const details: string[] = [];
  for (const c of cases) {
    const r = buildReadout(c.spec, { inputDim: F, vocab: V, seed: 4, prefix: PREFIX });
    const ut = tensor(uniform(N * F, 80), [B, T, F]);
    const w = tensor(uniform(N * V, 81), [B, T, V]);
    const emb = tensor(EMBEDDING, [V, EMB]);
    try {
      tidy(() => backward(sum(mul(r.forward(ut, { embedding: emb }).logits, w))));
      const names = [...r.parameters.keys()];
      const grads = await readTensors(names.map((n) => r.parameters.get(n)!.grad!));
      names.forEach((n, i) => {
        total++;
        const outside = !n.startsWith(`${PREFIX}.band`);
        const zero = grads[i]!.every((g) => g === 0);
        if (outside || zero) {
          bad++;
          details.push(`${c.name}: ${n}${outside ? " outside a band" : " zero gradient"}`);
        }
      });
    } finally {
      for (const p of r.parameters.values()) {
        p.grad?.dispose();
        p.grad = null;
      }
      for (const t of [ut, w, emb]) t.dispose();
      r.dispose();
    }
  }
  return {
    figure: bad,
    bound: 0,
    pass: bad === 0,
    detail: `${total} parameter tensors over 3 banded readouts${
      details.length ? `; ${details.join(", ")}` : ""
    }`,
  };
});

// ------------------------------------------------------------------ gated mix

claimTest(READOUT_GATE_RANGE, async () => {
  let outside = 0;
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of [0.25, 1]) {
    for (const [k, scale] of [0.5, 2, 4].entries()) {
      const mix = new GatedMix(s, { seed: 90 + k, prefix: "mix" });
      const a = tensor(uniform(N * V, 91 + 2 * k, scale), [B, T, V]);
      const c = tensor(uniform(N * V, 92 + 2 * k, scale), [B, T, V]);
      try {
        const out = noGrad(() => tidy(() => mix.forward(a, c)));
        const [g] = await readTensors([out.gate]);
        out.gate.dispose();
        out.logits.dispose();
        for (const x of g!) {
          count++;
          lo = Math.min(lo, x / s);
          hi = Math.max(hi, x / s);
          if (!(x > 0 && x < s)) outside++;
        }
      } finally {
        for (const t of [a, c]) t.dispose();
        mix.dispose();
      }
    }
  }
  return {
    figure: outside,
    bound: 0,
    pass: outside === 0 && count === 480,
    detail: `${count} gates; g/s in [${lo.toFixed(4)}, ${hi.toFixed(4)}]`,
  };
});

// ------------------------------------------------------------------ validation

claimTest(READOUT_FAULTS, () => {
  const opts = { inputDim: F, vocab: V, seed: 1, prefix: PREFIX };
  type Case = [string, () => unknown, typeof TypeError | typeof RangeError, RegExp];
  // deno-lint-ignore no-explicit-any
  const any = (x: unknown) => x as any;
  const bandsBase = { kind: "bands", bands: 2, modes: M, bandKind: "mlp", hidden: [16] };
  const cases: Case[] = [
    ["null spec", () => buildReadout(any(null), opts), TypeError, /spec/],
    ["unknown kind", () => buildReadout(any({ kind: "gru" }), opts), RangeError, /kind/],
    [
      "mlp width 0",
      () => buildReadout({ kind: "mlp", hidden: [0] }, opts),
      RangeError,
      /hidden\[0\]/,
    ],
    [
      "mlp hidden not a list",
      () => buildReadout(any({ kind: "mlp", hidden: 4 }), opts),
      TypeError,
      /hidden/,
    ],
    [
      "depth 0",
      () => buildReadout({ kind: "tied_recursive", hidden: 4, depth: 0 }, opts),
      RangeError,
      /depth/,
    ],
    [
      "one expert",
      () => buildReadout({ kind: "routed_sqrelu_experts", hidden: 4, experts: 1 }, opts),
      RangeError,
      /experts/,
    ],
    [
      "normalize not boolean",
      () =>
        buildReadout(
          any({ kind: "tied_embed_readout", hidden: 4, experts: 2, embeddingDim: 8, normalize: 1 }),
          opts,
        ),
      TypeError,
      /normalize/,
    ],
    [
      "gru width 0",
      () => buildReadout({ kind: "recurrent", hidden: 0 }, opts),
      RangeError,
      /hidden/,
    ],
    [
      "band hidden width 0",
      () => buildReadout(any({ ...bandsBase, bands: 4, hidden: [2] }), opts),
      RangeError,
      /readoutBands 4 with hidden\[0\] = 2: band hidden width 0/,
    ],
    [
      "recurrent bands",
      () => buildReadout(any({ ...bandsBase, bandKind: "recurrent" }), opts),
      RangeError,
      /bandKind/,
    ],
    [
      "routed band with one expert",
      () =>
        buildReadout(
          any({ ...bandsBase, bandKind: "routed_sqrelu_experts", bandExperts: [1, 2] }),
          opts,
        ),
      RangeError,
      /bandExperts\[0\]/,
    ],
    [
      "bandExperts length",
      () => buildReadout(any({ ...bandsBase, bandExperts: [2] }), opts),
      RangeError,
      /bandExperts/,
    ],
    ["one band", () => buildReadout(any({ ...bandsBase, bands: 1 }), opts), RangeError, /bands/],
    [
      "two hidden widths for routed bands",
      () =>
        buildReadout(
          any({ ...bandsBase, bandKind: "routed_sqrelu_experts", hidden: [8, 8] }),
          opts,
        ),
      RangeError,
      /hidden width/,
    ],
    [
      "modes = inputDim",
      () => buildReadout(any({ ...bandsBase, modes: F }), opts),
      RangeError,
      /inputDim/,
    ],
    [
      "inputDim 0",
      () => buildReadout({ kind: "mlp", hidden: [] }, { ...opts, inputDim: 0 }),
      RangeError,
      /inputDim/,
    ],
    [
      "vocab -1",
      () => buildReadout({ kind: "mlp", hidden: [] }, { ...opts, vocab: -1 }),
      RangeError,
      /vocab/,
    ],
    [
      "seed 1.5",
      () => buildReadout({ kind: "mlp", hidden: [] }, { ...opts, seed: 1.5 }),
      RangeError,
      /seed/,
    ],
    [
      "empty prefix",
      () => buildReadout({ kind: "mlp", hidden: [] }, { ...opts, prefix: "" }),
      TypeError,
      /prefix/,
    ],
    [
      "options null",
      () => buildReadout({ kind: "mlp", hidden: [] }, any(null)),
      TypeError,
      /options/,
    ],
    ["gate scale 0", () => new GatedMix(0, { seed: 1, prefix: "mix" }), RangeError, /localScale/],
  ];
  // Forward faults on live readouts (built once; their buffers are outside the measured calls).
  const mlp = new MlpReadout([4], opts);
  const tied = new TiedEmbedReadout(
    { hidden: 4, experts: 2, embeddingDim: EMB, normalize: false },
    opts,
  );
  const gru = new RecurrentReadout(4, opts);
  const mix = new GatedMix(0.25, { seed: 1, prefix: "mix" });
  const disposed = new MlpReadout([4], opts);
  disposed.dispose();
  const good = tensor(new Float32Array(N * F), [B, T, F]);
  const narrow = tensor(new Float32Array(N * 3), [B, T, 3]);
  const ints = tensor(new Int32Array(N * F), [B, T, F], { dtype: "i32" });
  const empty = tensor(new Float32Array(0), [0, T, F]);
  const wrongEmb = tensor(new Float32Array(V * 3), [V, 3]);
  const l1 = tensor(new Float32Array(N * V), [B, T, V]);
  const l2 = tensor(new Float32Array(N * 4), [B, T, 4]);
  const noRows = tensor(new Float32Array(0), [0, 4]);
  const vector = tensor([1, 0], [2]);
  cases.push(
    ["balance of [0, 4]", () => switchBalanceLoss(noRows), RangeError, /row/],
    ["balance of a vector", () => switchBalanceLoss(vector), TypeError, /router probabilities/],
    ["features of another width", () => mlp.forward(narrow), TypeError, /features u/],
    ["i32 features", () => mlp.forward(ints), TypeError, /features u/],
    ["features not a tensor", () => mlp.forward(any([1, 2])), TypeError, /features u/],
    ["empty batch", () => gru.forward(empty), RangeError, /B >= 1/],
    ["tied without embedding", () => tied.forward(good), TypeError, /ctx\.embedding/],
    [
      "tied with a [V, 3] embedding",
      () => tied.forward(good, { embedding: wrongEmb }),
      TypeError,
      /ctx\.embedding/,
    ],
    ["ctx not an object", () => mlp.forward(good, any(5)), TypeError, /ctx/],
    ["gate inputs of two shapes", () => mix.forward(l1, l2), TypeError, /local logits/],
    ["disposed readout", () => disposed.forward(good), TypeError, /disposed/],
  );
  let failed = 0;
  let leaked = 0;
  const misses: string[] = [];
  for (const [name, fn, cls, re] of cases) {
    const before = liveBufferCount();
    let ok = false;
    try {
      fn();
    } catch (e) {
      ok = e instanceof cls && re.test((e as Error).message);
      if (!ok) misses.push(`${name}: ${(e as Error).name}: ${(e as Error).message.slice(0, 120)}`);
    }
    if (!ok && misses.at(-1)?.startsWith(name) !== true) misses.push(`${name}: no error`);
    const after = liveBufferCount();
    leaked += Math.abs(after - before);
    if (!ok) failed++;
  }
  for (const t of [good, narrow, ints, empty, wrongEmb, l1, l2, noRows, vector]) t.dispose();
  for (const r of [mlp, tied, gru]) r.dispose();
  mix.dispose();
  return {
    figure: failed + leaked,
    bound: 0,
    pass: failed + leaked === 0,
    detail: `${cases.length - failed}/${cases.length} cases raised the expected error naming the ` +
      `field; leaked ${leaked}${misses.length ? `; ${misses.join(" | ")}` : ""}`,
  };
});

// ------------------------------------------------------------------ the GRU readout trains

claimTest(READOUT_GRU_TRAINS, async () => {
  const r = new RecurrentReadout(16, { inputDim: F, vocab: V, seed: 2, prefix: PREFIX });
  const ut = tensor(uniform(N * F, 95), [B, T, F]);
  const rng = new Rng(96);
  const tgt = tensor(Int32Array.from({ length: N }, () => rng.int(V)), [N], { dtype: "i32" });
  const params = [...r.parameters.values()];
  const opt = new Adam(params, { lr: 1e-2 });
  const losses: number[] = [];
  let unchanged = 0;
  try {
    const start = await paramsOf(r);
    for (let s = 0; s < 12; s++) {
      const loss = tidy(() => {
        const l = crossEntropy(reshape(r.forward(ut).logits, [N, V]), tgt);
        backward(l);
        opt.step();
        opt.zeroGrad();
        return l;
      });
      const [v] = await readTensors([loss]);
      loss.dispose();
      losses.push(v![0]!);
    }
    const end = await paramsOf(r);
    for (const n of Object.keys(start)) {
      if (start[n]!.every((x, i) => x === end[n]![i])) unchanged++;
    }
  } finally {
    opt.dispose();
    for (const t of [ut, tgt]) t.dispose();
    r.dispose();
  }
  const min = Math.min(...losses.slice(1));
  return {
    figure: losses[0]! - min,
    bound: 1e-3,
    pass: losses[0]! - min >= 1e-3 && unchanged === 0,
    parts: [{ name: "parameter tensors unchanged", figure: unchanged, bound: 0, direction: "==" }],
    detail: `loss ${losses[0]!.toFixed(4)} → min ${min.toFixed(4)} over 12 Adam steps`,
  };
});
