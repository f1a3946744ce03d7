/**
 * The quality metrics' and report's claims (./claims.ts): numpy parity, the first-PC sample-size
 * divergence, ridge, head concentration (bounds and the uniform value), single neuron, spectrum
 * metrics, the report object, typed errors.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { eigh } from "../../../impl/linalg/eigh.ts";
import { type Matrix, matrix } from "../../../impl/linalg/matrix.ts";
import {
  deltaSpectrum,
  firstPcNullBaseline,
  firstPcVarianceRatio,
  headConcentration,
  nearestConcepts,
  ridgeCombination,
  singleNeuronAlignment,
  spectrumMetrics,
  storyAlignment,
} from "../../../impl/amygdala/quality/quality.ts";
import { qualityReport } from "../../../impl/amygdala/quality/report.ts";
import { subspaceDirection } from "../../../impl/amygdala/subspace/subspace.ts";
import { FIXTURE_F64_REL, U64 } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  firstPcRatioOracle,
  participationRatioOracle,
  ridgeR2Oracle,
} from "../../oracle/amygdala/quality.ts";
import { gToken, noise, unit } from "../subspace/_gen.ts";
import {
  Q_FAULT,
  Q_FIRST_PC,
  Q_FIXTURE,
  Q_HEADS,
  Q_HEADS_UNIFORM,
  Q_NEURON,
  Q_REPORT,
  Q_RIDGE,
  Q_SPECTRUM,
} from "./claims.ts";

function mat(a: EncodedArray, what: string): Matrix {
  return matrix(a.shape[0]!, a.shape[1]!, f64(a, what));
}

/** κ₂ of the symmetric positive definite OOᵀ + λI. */
function ridgeCondition(o: Matrix, lambda: number): number {
  const n = o.rows;
  const h = o.cols;
  const g = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let a = 0; a < h; a++) s += o.data[i * h + a]! * o.data[j * h + a]!;
      g.data[i * n + j] = s + (i === j ? lambda : 0);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g.data[i * n + j] = g.data[j * n + i]!;
  const v = eigh(g).values;
  return v[n - 1]! / v[0]!;
}

/** The smallest eigenvalue of OOᵀ + λI (with ridgeCondition: λ_max(OOᵀ) + λ = κ·this). */
function ridgeSmallest(o: Matrix, lambda: number): number {
  const n = o.rows;
  const h = o.cols;
  const g = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let a = 0; a < h; a++) s += o.data[i * h + a]! * o.data[j * h + a]!;
      g.data[i * n + j] = s + (i === j ? lambda : 0);
      g.data[j * n + i] = g.data[i * n + j]!;
    }
  }
  return eigh(g).values[0]!;
}

function without(m: Matrix, row: number): Matrix {
  const out = matrix(m.rows - 1, m.cols);
  for (let i = 0, r = 0; i < m.rows; i++) {
    if (i === row) continue;
    out.data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r++ * m.cols);
  }
  return out;
}

function row(m: Matrix, i: number): Float64Array {
  return m.data.slice(i * m.cols, (i + 1) * m.cols);
}

// --- numpy fixture ---

interface QualityFixture {
  directions: EncodedArray;
  pos: EncodedArray;
  neg: EncodedArray;
  first_pc_ratio: number;
  story_cosines: EncodedArray;
  ridge_target: number;
  ridge_alpha: EncodedArray;
  ridge_r2: number;
  nearest_target: number;
  nearest_index: EncodedArray;
  nearest_cos: EncodedArray;
  w_down: EncodedArray;
  single_neuron_direction: number;
  single_neuron_score: number;
  single_neuron_index: number;
  heads_pos: EncodedArray;
  heads_neg: EncodedArray;
  n_heads: number;
  head_raw: EncodedArray;
  head_selectivity: EncodedArray;
  head_top: EncodedArray;
  head_concentration: number;
  spectra: {
    eigenvalues: EncodedArray;
    first: number;
    k90: number;
    pr: number;
    pr_signal: number;
  }[];
}

const { data: FIXTURE, integrity } = await loadPinnedJson<
  { format: string; quality: QualityFixture }
>("fixtures/amygdala/subspace.json", "memspec.amygdala.subspace.v1");

claimTest(Q_FIXTURE, (): Measurement => {
  const q = FIXTURE.quality;
  let worst = 0;
  let where = "";
  const cmp = (got: number, want: number, what: string, kappa = 1) => {
    const r = Math.abs(got - want) / (FIXTURE_F64_REL * Math.max(Math.abs(want), 1) * kappa);
    if (!(r <= worst)) [worst, where] = [Number.isNaN(r) ? Infinity : r, what];
  };
  const exact = (ok: boolean, what: string) => {
    if (!ok) [worst, where] = [Infinity, what];
  };
  const dirs = mat(q.directions, "directions");
  const names = Array.from({ length: dirs.rows }, (_, i) => `c${i}`);
  const p = mat(q.pos, "pos");
  const n = mat(q.neg, "neg");
  cmp(firstPcVarianceRatio(p), q.first_pc_ratio, "first_pc_variance_ratio");
  const cos = f64(q.story_cosines, "story_cosines");
  storyAlignment(p, n, row(dirs, 0)).cosines.forEach((c, i) => cmp(c, cos[i]!, `story ${i}`));
  const o = without(dirs, q.ridge_target);
  const kappa = ridgeCondition(o, 0.01);
  const ridge = ridgeCombination(o, row(dirs, q.ridge_target));
  const alpha = f64(q.ridge_alpha, "ridge_alpha");
  ridge.alpha.forEach((a, i) => cmp(a, alpha[i]!, `ridge α${i}`, kappa));
  cmp(ridge.r2, q.ridge_r2, "ridge R²", kappa);
  const near = nearestConcepts(dirs, names, q.nearest_target);
  exact(
    near.map((x) => x.concept).join() ===
      ints(q.nearest_index, "nearest_index").map((i) => `c${i}`).join(),
    "nearest order",
  );
  const nearCos = f64(q.nearest_cos, "nearest_cos");
  near.forEach((x, i) => cmp(x.cos, nearCos[i]!, `nearest ${i}`));
  const sn = singleNeuronAlignment(mat(q.w_down, "w_down"), row(dirs, q.single_neuron_direction));
  cmp(sn.score, q.single_neuron_score, "single-neuron score");
  exact(sn.neuron === q.single_neuron_index, "single-neuron index");
  const hc = headConcentration(
    mat(q.heads_pos, "heads_pos"),
    mat(q.heads_neg, "heads_neg"),
    q.n_heads,
  );
  const raw = f64(q.head_raw, "head_raw");
  const sel = f64(q.head_selectivity, "head_selectivity");
  hc.raw_norm.forEach((r, i) => cmp(r, raw[i]!, `head ${i} raw`));
  hc.top.forEach(([h, , s]) => cmp(s, sel[h]!, `head ${h} selectivity`));
  exact(hc.top.map(([h]) => h).join() === ints(q.head_top, "head_top").join(), "top heads");
  cmp(hc.concentration, q.head_concentration, "head concentration");
  q.spectra.forEach((s, i) => {
    const m = spectrumMetrics(f64(s.eigenvalues, "eigenvalues"));
    cmp(m.first_pc_ratio, s.first, `spectrum ${i} first`);
    exact(m.k90 === s.k90, `spectrum ${i} k90`);
    cmp(m.participation_ratio, s.pr, `spectrum ${i} PR`);
    cmp(m.participation_ratio_signal, s.pr_signal, `spectrum ${i} PR signal`);
  });
  return {
    figure: worst,
    bound: 1,
    pass: true,
    detail: `worst at ${where}; κ₂(OOᵀ + λI) = ${kappa.toFixed(1)}; ${integrity}`,
  };
});

// --- first-PC ratio and its null baseline ---

claimTest(Q_FIRST_PC, (): Measurement => {
  const rng = new Rng(31);
  const h = 32;
  let violations = 0;
  let worstTwo = 0;
  const notes: string[] = [];
  for (let n = 2; n <= 12; n++) {
    const lo = 1 / Math.min(n - 1, h);
    let mean = 0;
    for (let s = 0; s < 8; s++) {
      const x = noise(rng, n, h);
      const r = firstPcVarianceRatio(x);
      if (r < lo * (1 - 1e-12) || r > 1 + 1e-12) violations++;
      if (Math.abs(r - firstPcRatioOracle(x)) > 1e-12) violations++;
      if (n === 2) worstTwo = Math.max(worstTwo, Math.abs(r - 1));
      mean += r / 8;
    }
    const b = firstPcNullBaseline(n, h);
    if (b.lower_bound !== lo || b.mean < lo || b.mean > 1) violations++;
    if (n === 2 || n === 3 || n === 5) notes.push(`n = ${n}: null mean ${b.mean.toFixed(3)}`);
  }
  const twoBound = 4 * (2 + h) * U64;
  return {
    figure: violations,
    bound: 0,
    pass: true,
    parts: [{ name: "|ratio(n = 2) − 1|", figure: worstTwo, bound: twoBound, direction: "<=" }],
    detail: `${notes.join(", ")} (H = ${h}, ${64} trials)`,
  };
});

// --- ridge ---

claimTest(Q_RIDGE, (): Measurement => {
  const rng = new Rng(77);
  let violations = 0;
  const notes: string[] = [];
  const lambdas = [1e-6, 1e-4, 1e-2, 0.1, 1, 10];
  for (let c = 0; c < 40; c++) {
    const h = 8 + rng.int(41);
    const n = 1 + rng.int(Math.min(12, h - 1));
    const o = noise(rng, n, h);
    const t = unit(rng, h);
    let prev = Infinity;
    for (const l of lambdas) {
      const r = ridgeCombination(o, t, l).r2;
      if (!(r >= 0 && r <= 1)) violations++;
      if (r > prev + 1e-12) violations++;
      // The primal oracle solves with κ₂(OᵀO + λI) = (λ_max(OOᵀ) + λ)/λ (rank n < H).
      const kappa = ridgeCondition(o, l);
      const primal = kappa * (ridgeSmallest(o, l)) / l;
      if (Math.abs(r - ridgeR2Oracle(o, t, l)) > 1e-12 * Math.max(kappa, primal)) violations++;
      prev = r;
    }
    // t in span(O): R² → 1 as λ → 0.
    const coef = Array.from({ length: n }, () => rng.normal());
    const inSpan = new Float64Array(h);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < h; a++) inSpan[a] = inSpan[a]! + coef[i]! * o.data[i * h + a]!;
    }
    const near = ridgeCombination(o, inSpan, 1e-8).r2;
    if (1 - near > 1e-6) violations++;
    // t ⟂ O: exactly 0 (Ot = 0 gives α = 0).
    const ort = matrix(n, h);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < h - 1; a++) ort.data[i * h + a] = o.data[i * h + a]!;
    }
    const e = new Float64Array(h);
    e[h - 1] = 1;
    if (ridgeCombination(ort, e).r2 !== 0) violations++;
    if (c === 0) {
      notes.push(`case 0: H = ${h}, ${n} others, 1 − R²(in span) = ${(1 - near).toExponential(2)}`);
    }
  }
  return { figure: violations, bound: 0, pass: true, detail: notes.join("; ") };
});

// --- heads ---

claimTest(Q_HEADS, (): Measurement => {
  const rng = new Rng(55);
  let violations = 0;
  for (let c = 0; c < 30; c++) {
    const nh = 1 + rng.int(32);
    const hd = 1 + rng.int(6);
    const pos = noise(rng, 2 + rng.int(6), nh * hd);
    const neg = noise(rng, 2 + rng.int(6), nh * hd);
    const r = headConcentration(pos, neg, nh);
    const k = Math.min(10, nh);
    if (r.concentration < (k / nh) * (1 - 1e-15) || r.concentration > 1) violations++;
    if (nh <= 10 && r.concentration !== 1) violations++;
    if (r.uniform_value !== k / nh) violations++;
  }
  return { figure: violations, bound: 0, pass: true, detail: "30 random cases" };
});

claimTest(Q_HEADS_UNIFORM, (): Measurement => {
  let worst = 0;
  const notes: string[] = [];
  let bound = 0;
  for (const nh of [16, 40]) {
    const hd = 4;
    const pos = matrix(1, nh * hd);
    const neg = matrix(2, nh * hd);
    // Every head: the same Δ (one unit entry), the same negative spread.
    for (let h = 0; h < nh; h++) {
      pos.data[h * hd] = 1;
      neg.data[h * hd + 1] = 1;
      neg.data[nh * hd + h * hd + 1] = -1;
    }
    const r = headConcentration(pos, neg, nh);
    const want = Math.min(10, nh) / nh;
    const b = 4 * nh * U64;
    bound = Math.max(bound, b);
    worst = Math.max(worst, Math.abs(r.concentration - want) / b);
    notes.push(`${nh} heads: ${r.concentration} (k/n = ${want}; the message's n/k = ${nh / 10})`);
  }
  return { figure: worst, bound: 1, pass: true, detail: notes.join("; ") };
});

// --- single neuron ---

claimTest(Q_NEURON, (): Measurement => {
  const rng = new Rng(8);
  let worst = 0;
  let wrong = 0;
  for (const h of [16, 32, 64]) {
    const w = noise(rng, h, 4 * h);
    const j = rng.int(4 * h);
    const d = new Float64Array(h);
    for (let i = 0; i < h; i++) d[i] = 0.37 * w.data[i * 4 * h + j]!;
    const r = singleNeuronAlignment(w, d);
    worst = Math.max(worst, Math.abs(r.score - 1) / (4 * h * U64));
    if (r.neuron !== j) wrong++;
    const neg = singleNeuronAlignment(w, d.map((x) => -x));
    if (neg.neuron === j) wrong++;
  }
  return {
    figure: worst,
    bound: 1,
    pass: true,
    parts: [{ name: "wrong neuron", figure: wrong, bound: 0, direction: "==" }],
  };
});

// --- spectrum metrics ---

claimTest(Q_SPECTRUM, (): Measurement => {
  let violations = 0;
  for (let k = 1; k <= 20; k++) {
    const m = spectrumMetrics(Array(k).fill(0.7));
    const tol = 4 * k * U64;
    if (Math.abs(m.participation_ratio - k) > tol * k) violations++;
    if (Math.abs(m.first_pc_ratio - 1 / k) > tol) violations++;
    if (m.k90 !== Math.ceil(0.9 * k - 1e-9)) violations++;
  }
  const rng = new Rng(3);
  for (let c = 0; c < 40; c++) {
    const n = 1 + rng.int(30);
    const l: number[] = Array.from(
      { length: n },
      () => (rng.uniform() < 0.2 ? 0 : rng.uniform() ** 3),
    );
    if (!l.some((x) => x > 0)) l[0] = 1;
    const rank = l.filter((x) => x > 0).length;
    const m = spectrumMetrics(l);
    if (!(m.first_pc_ratio > 0 && m.first_pc_ratio <= 1)) violations++;
    if (m.k90 < 1 || m.k90 > n) violations++;
    if (m.participation_ratio < 1 - 1e-12 || m.participation_ratio > rank * (1 + 1e-12)) {
      violations++;
    }
    if (m.participation_ratio_signal > m.k90 * (1 + 1e-12)) violations++;
    const o = participationRatioOracle(l);
    if (Math.abs(m.participation_ratio - o) > 4 * n * U64 * o) violations++;
  }
  return { figure: violations, bound: 0, pass: true, detail: "k = 1..20 flat; 40 random spectra" };
});

// --- the report ---

claimTest(Q_REPORT, (): Measurement => {
  const h = 24;
  const concepts = ["calm", "fear", "joy", "grief"];
  const layers = [5, 9];
  const rng = new Rng(12);
  const dirs = layers.map(() => {
    const m = matrix(concepts.length, h);
    concepts.forEach((_, c) => m.data.set(unit(rng, h), c * h));
    return m;
  });
  const acts = concepts.map(() =>
    layers.map(() => {
      const g = gToken(rng.int(1000), h, 2);
      return {
        pos: noise(rng, 5, h),
        neg: noise(rng, 7, h),
        heads: { pos: noise(rng, 5, 32), neg: noise(rng, 7, 32), nHeads: 8 },
        deltas: noise(rng, 5, h),
        subspace: subspaceDirection(g.pos, g.base, { eigenK: 3 }),
      };
    })
  );
  const wDown = layers.map(() => noise(rng, h, 4 * h));
  const report = qualityReport({
    method: "subspace",
    concepts,
    layers,
    directions: dirs,
    activations: (c, l) => acts[c]![l]!,
    wDown,
  });
  let bad = 0;
  const notes: string[] = [];
  const same = (a: unknown, b: unknown, what: string) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      bad++;
      notes.push(what);
    }
  };
  same(report.middle_layer, 9, "middle layer");
  concepts.forEach((name, c) => {
    const cq = report.quality[name];
    if (!cq) {
      bad++;
      return;
    }
    layers.forEach((layer, l) => {
      const q = cq.layers[String(layer)];
      const a = acts[c]![l]!;
      const d = row(dirs[l]!, c);
      if (!q) {
        bad++;
        return;
      }
      same(q.first_pc_variance_ratio, firstPcVarianceRatio(a.pos), `${name}/${layer} first_pc`);
      same(q.first_pc_null_baseline, firstPcNullBaseline(5, h), `${name}/${layer} null`);
      same(q.story_alignment, storyAlignment(a.pos, a.neg, d), `${name}/${layer} stories`);
      same(q.single_neuron, singleNeuronAlignment(wDown[l]!, d), `${name}/${layer} neuron`);
      same(q.heads, headConcentration(a.heads.pos, a.heads.neg, 8), `${name}/${layer} heads`);
      same(q.spectrum, spectrumMetrics(deltaSpectrum(a.deltas)), `${name}/${layer} spectrum`);
      same(q.subspace_eigengap?.lead, a.subspace.eigengap.lead, `${name}/${layer} eigengap`);
      same(
        report.subspace_eigvals?.[name]?.[String(layer)],
        Array.from(a.subspace.eigvals),
        `${name}/${layer} eigvals`,
      );
    });
    same(cq.nearest_concepts, nearestConcepts(dirs[1]!, concepts, c), `${name} nearest`);
    const ridge = ridgeCombination(without(dirs[1]!, c), row(dirs[1]!, c));
    same(cq.ridge.r2, ridge.r2, `${name} ridge`);
    same(cq.ridge.top.length, Math.min(5, concepts.length - 1), `${name} ridge top`);
  });
  same(JSON.parse(JSON.stringify(report)), JSON.parse(JSON.stringify(report)), "round trip");
  return {
    figure: bad,
    bound: 0,
    pass: true,
    detail: notes.join("; ") ||
      `${concepts.length} concepts × ${layers.length} layers, every field`,
  };
});

// --- faults ---

claimTest(Q_FAULT, (): Measurement => {
  const p = matrix(3, 2, [1, 2, 3, 4, 5, 7]);
  const nan = matrix(2, 2, [1, NaN, 0, 0]);
  const cases: [string, () => unknown, "TypeError" | "RangeError", RegExp][] = [
    [
      "NaN",
      () => storyAlignment(p, nan, [1, 0]),
      "RangeError",
      /finite the negatives .*NaN at row 0/,
    ],
    ["hidden", () => storyAlignment(p, matrix(1, 3), [1, 0]), "TypeError", /3 columns|2 columns/],
    ["empty", () => storyAlignment(matrix(0, 2), p, [1, 0]), "RangeError", /at least one positive/],
    [
      "one positive",
      () => firstPcVarianceRatio(matrix(1, 2, [1, 2])),
      "RangeError",
      /at least 2 positives/,
    ],
    [
      "heads",
      () => headConcentration(matrix(1, 6), matrix(1, 6), 4),
      "TypeError",
      /n_heads to divide the width 6/,
    ],
    ["lambda", () => ridgeCombination(p, [1, 0], 0), "RangeError", /positive finite λ/],
    [
      "negative eigenvalue",
      () => spectrumMetrics([1, -0.5]),
      "RangeError",
      /non-negative .*-0.5 at 1/,
    ],
    ["neuron rows", () => singleNeuronAlignment(matrix(3, 4), [1, 0]), "TypeError", /length 3/],
    [
      "report layers",
      () =>
        qualityReport({
          method: "pooled",
          concepts: ["a"],
          layers: [1, 2],
          directions: [matrix(1, 2, [1, 0])],
          activations: () => ({ pos: p, neg: p }),
        }),
      "TypeError",
      /2 direction matrices .*got 1/,
    ],
    [
      "report concept",
      () =>
        qualityReport({
          method: "pooled",
          concepts: ["a"],
          layers: [1],
          directions: [matrix(1, 2, [1, 0])],
          activations: () => ({ pos: p, neg: nan }),
        }),
      "RangeError",
      /concept "a" at layer 1/,
    ],
  ];
  const bad: string[] = [];
  for (const [name, fn, type, re] of cases) {
    try {
      fn();
      bad.push(`${name}: no error`);
    } catch (e) {
      const err = e as Error;
      if (err.name !== type || !re.test(err.message) || !/^Cannot .*expected/.test(err.message)) {
        bad.push(`${name}: ${err.name}: ${err.message}`);
      }
    }
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: true,
    detail: bad.join("; ") || `${cases.length} cases, each the documented error`,
  };
});
