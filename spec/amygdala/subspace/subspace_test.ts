/**
 * The subspace method's claims (./claims.ts): numpy parity, span = H × H, projector eigenvalue
 * bounds, the exact and noisy planted cases, sorted eigenvalues, the eigengap's growth with the
 * planted amplitude, the sign-orientation and non-positive-spectrum divergences, typed errors.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { eigh } from "../../../impl/linalg/eigh.ts";
import { type Matrix, matrix } from "../../../impl/linalg/matrix.ts";
import {
  combineTopK,
  storySubspace,
  type SubspaceDirection,
  subspaceDirection,
  type SubspaceOptions,
  SubspaceSpectrumError,
} from "../../../impl/amygdala/subspace/subspace.ts";
import { recordFigure } from "../../_harness/figures.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  eighDescending,
  oracleM,
  orientedTopK,
  storyMeanDifference,
  topKSum,
} from "../../oracle/amygdala/subspace.ts";
import {
  absCos,
  directionBound,
  exactPlanted,
  gToken,
  noise,
  noisyPlanted,
  perturbation,
  type Planted,
} from "./_gen.ts";
import {
  SUB_CLAMP,
  SUB_EIGEN_BOUNDS,
  SUB_EIGENGAP,
  SUB_EXACT_PLANTED,
  SUB_FAULT,
  SUB_FIXTURE,
  SUB_NOISY_PLANTED,
  SUB_NONPOSITIVE,
  SUB_SIGN_DIVERGENCE,
  SUB_SORTED,
  SUB_SPAN_PARITY,
} from "./claims.ts";

/** Σk_i and the story count of a result: the N of the perturbation E. */
function order(r: SubspaceDirection, h: number): number {
  const k = [...r.posRanks, ...r.baseRanks].reduce((a, b) => a + b, 0);
  return perturbation(h, k, r.posRanks.length + r.baseRanks.length);
}

function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** Worst ratio of value and direction errors to their bounds, one comparison. */
class Worst {
  ratio = 0;
  where = "";
  add(err: number, bound: number, where: string): void {
    const r = err / bound;
    if (!(r <= this.ratio)) [this.ratio, this.where] = [Number.isNaN(r) ? Infinity : r, where];
  }
}

function compareSpectra(
  w: Worst,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  e: number,
  what: string,
): void {
  if (got.length !== want.length) {
    w.add(Infinity, 1, `${what}: length ${got.length} ≠ ${want.length}`);
  }
  for (let j = 0; j < Math.min(got.length, want.length); j++) {
    w.add(Math.abs(got[j]! - want[j]!), 2 * e, `${what} λ${j + 1}`);
  }
}

// --- numpy fixture ---

interface FixtureCase {
  name: string;
  h: number;
  u: EncodedArray;
  pos: EncodedArray[];
  base: EncodedArray[];
  eigvals: EncodedArray;
  d1: EncodedArray;
  d5: EncodedArray;
  pos_ranks: EncodedArray;
  base_ranks: EncodedArray;
}

const { data: FIXTURE, integrity } = await loadPinnedJson<{ format: string; cases: FixtureCase[] }>(
  "fixtures/amygdala/subspace.json",
  "memspec.amygdala.subspace.v1",
);

function decodeStories(list: EncodedArray[], what: string): Matrix[] {
  return list.map((a, i) => matrix(a.shape[0]!, a.shape[1]!, f64(a, `${what}[${i}]`)));
}

claimTest(SUB_FIXTURE, (): Measurement => {
  const w = new Worst();
  const methods: string[] = [];
  for (const c of FIXTURE.cases) {
    const pos = decodeStories(c.pos, `${c.name}.pos`);
    const base = decodeStories(c.base, `${c.name}.base`);
    const eig = f64(c.eigvals, `${c.name}.eigvals`);
    for (const [k, want] of [[1, f64(c.d1, "d1")], [5, f64(c.d5, "d5")]] as const) {
      const r = subspaceDirection(pos, base, { eigenK: k });
      methods.push(`${c.name}: ${r.method}`);
      const e = order(r, c.h);
      const ranks = [...r.posRanks, ...r.baseRanks].join(",");
      if (
        ranks !== [...ints(c.pos_ranks, "pos_ranks"), ...ints(c.base_ranks, "base_ranks")].join(",")
      ) {
        w.add(Infinity, 1, `${c.name} ranks ${ranks}`);
      }
      compareSpectra(w, r.eigvals, eig, e, `${c.name} k=${k}`);
      w.add(diffNorm(r.direction, want), directionBound(eig, k, e), `${c.name} d${k}`);
      // The oracle: the explicit H × H matrix.
      const o = eighDescending(oracleM(pos, base));
      compareSpectra(w, o.values.subarray(0, eig.length), eig, e, `${c.name} oracle`);
      const od = orientedTopK(o.values, o.vectors, k, storyMeanDifference(pos, base));
      w.add(diffNorm(od, want), directionBound(eig, k, e), `${c.name} oracle d${k}`);
    }
  }
  return {
    figure: w.ratio,
    bound: 1,
    pass: true,
    detail: `worst at ${w.where}; ${[...new Set(methods)].join("; ")}; ${integrity}`,
  };
});

// --- span = H × H ---

claimTest(SUB_SPAN_PARITY, (): Measurement => {
  const w = new Worst();
  const cases: [string, Planted][] = [
    ["g_token_128", gToken(11, 128)],
    ["g_token_160", gToken(12, 160, 4)],
    ["noisy_128", noisyPlanted(13, 3, 128, 4, 6, 6)],
  ];
  const seen: string[] = [];
  for (const [name, p] of cases) {
    const h = p.u.length;
    const o = eighDescending(oracleM(p.pos, p.base));
    const g = storyMeanDifference(p.pos, p.base);
    for (const k of [1, 3, 5]) {
      const span = subspaceDirection(p.pos, p.base, { eigenK: k, method: "span" });
      const full = subspaceDirection(p.pos, p.base, { eigenK: k, method: "full" });
      const e = order(span, h);
      seen.push(`${name}: r = ${span.spanRank} of H = ${h}`);
      compareSpectra(w, span.eigvals, full.eigvals, e, `${name} k=${k} span/full`);
      compareSpectra(
        w,
        span.eigvals,
        o.values.subarray(0, span.eigvals.length),
        e,
        `${name} oracle`,
      );
      const bound = directionBound(o.values, k, e);
      w.add(diffNorm(span.direction, full.direction), bound, `${name} d${k} span/full`);
      w.add(
        diffNorm(span.direction, orientedTopK(o.values, o.vectors, k, g)),
        bound,
        `${name} d${k} oracle`,
      );
    }
  }
  return {
    figure: w.ratio,
    bound: 1,
    pass: true,
    detail: `worst at ${w.where}; ${[...new Set(seen)].join("; ")}`,
  };
});

// --- projector eigenvalue bounds ---

function projectorMean(set: Matrix[], h: number): Matrix {
  const m = new Float64Array(h * h);
  for (const x of set) {
    const v = storySubspace(x);
    for (let a = 0; a < h; a++) {
      for (let b = a; b < h; b++) {
        let s = 0;
        for (let l = 0; l < v.cols; l++) s += v.data[a * v.cols + l]! * v.data[b * v.cols + l]!;
        m[a * h + b] = m[a * h + b]! + s / set.length;
      }
    }
  }
  for (let a = 0; a < h; a++) for (let b = 0; b < a; b++) m[a * h + b] = m[b * h + a]!;
  return matrix(h, h, m);
}

claimTest(SUB_EIGEN_BOUNDS, (): Measurement => {
  const rng = new Rng(4242);
  let worst = 0;
  let where = "";
  const story = (h: number): Matrix => {
    const t = 1 + rng.int(12);
    const x = noise(rng, t, h);
    if (t > 2 && rng.uniform() < 0.4) {
      // Duplicate and combine rows: an exactly rank-deficient story.
      for (let i = 0; i < h; i++) {
        x.data[h + i] = x.data[i]!;
        x.data[2 * h + i] = x.data[i]! - 2 * x.data[h + i]!;
      }
    }
    return x;
  };
  for (let c = 0; c < 24; c++) {
    const h = [5, 16, 40][c % 3]!;
    const pos = Array.from({ length: 1 + rng.int(6) }, () => story(h));
    const base = Array.from({ length: 1 + rng.int(6) }, () => story(h));
    const e = 2 * perturbation(h, 6 * 12 * 2, pos.length + base.length);
    const ep = eigh(projectorMean(pos, h)).values;
    const eb = eigh(projectorMean(base, h)).values;
    // (The oracle's plain SVD does not converge on exactly dependent rows: impl's
    // storySubspace, with its Gram fallback, gives the V_i here.)
    const mp = projectorMean(pos, h);
    const mb = projectorMean(base, h);
    const em = eigh(matrix(h, h, mp.data.map((x, i) => x - mb.data[i]!))).values;
    let r: ArrayLike<number> = [];
    try {
      r = subspaceDirection(pos, base, { eigenK: 1, method: "full" }).eigvals;
    } catch (err) {
      // No positive eigenvalue: the documented error; the spectrum is checked through em.
      if (!(err instanceof SubspaceSpectrumError)) throw err;
    }
    const out = (v: ArrayLike<number>, lo: number, hi: number) => {
      let o = 0;
      for (let i = 0; i < v.length; i++) o = Math.max(o, lo - v[i]!, v[i]! - hi);
      return o;
    };
    for (
      const [name, o] of [
        ["M_pos", out(ep, 0, 1)],
        ["M_base", out(eb, 0, 1)],
        ["M", out(em, -1, 1)],
        ["subspace_eigvals", out(r, -1, 1)],
      ] as const
    ) {
      if (o / e > worst) [worst, where] = [o / e, `case ${c} (H = ${h}) ${name}`];
    }
  }
  const p = noisyPlanted(1);
  const em = eighDescending(oracleM(p.pos, p.base)).values;
  return {
    figure: worst,
    bound: 1,
    pass: true,
    detail: `worst at ${where || "none"}; noisy planted eig(M) ∈ [${
      em[em.length - 1]!.toFixed(3)
    }, ${em[0]!.toFixed(3)}] (the original measured [−0.37, 0.57])`,
  };
}, { sanitize: false });

// --- exact planted ---

claimTest(SUB_EXACT_PLANTED, (): Measurement => {
  let worst = 0;
  let where = "";
  let lam = "";
  for (const h of [16, 32, 64]) {
    for (const seed of [1, 2, 3]) {
      const p = exactPlanted(seed * 100 + h, h);
      const r = subspaceDirection(p.pos, p.base, { eigenK: 1 });
      const e = order(r, h);
      const r1 = Math.abs(r.eigvals[0]! - 1) / (2 * e);
      const r2 = diffNorm(r.direction, p.u) / directionBound(r.eigvals, 1, e);
      if (Math.max(r1, r2) > worst) [worst, where] = [Math.max(r1, r2), `H = ${h} seed ${seed}`];
      if (h === 32 && seed === 1) lam = `λ₁ − 1 = ${(r.eigvals[0]! - 1).toExponential(2)}`;
    }
  }
  return { figure: worst, bound: 1, pass: true, detail: `worst ratio at ${where}; ${lam}` };
});

// --- noisy planted: the original's figures ---

function meanSd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return [m, Math.sqrt(v)];
}

claimTest(SUB_NOISY_PLANTED, (): Measurement => {
  const lams: number[] = [];
  const coss: number[] = [];
  const seeds = 16;
  for (let s = 0; s < seeds; s++) {
    const p = noisyPlanted(1000 + s);
    const r = subspaceDirection(p.pos, p.base, { eigenK: 1 });
    if (s === 0) {
      recordFigure({
        id: "amygdala_subspace_spectrum",
        claim: SUB_NOISY_PLANTED.id,
        title: "Subspace method: the top eigenvalues of M = M_pos − M_base (noisy planted, seed 0)",
        x: { label: "eigenvalue index j" },
        y: { label: "λ_j" },
        series: [{ name: "λ_j, descending", points: [...r.eigvals].map((v, j) => [j + 1, v]) }],
        marks: [{ y: 0.57, label: "the original's λ₁ 0.57" }],
      });
    }
    lams.push(r.eigvals[0]!);
    coss.push(absCos(r.topVectors.data.filter((_, i) => i % r.topVectors.cols === 0), p.u));
  }
  const [ml, sl] = meanSd(lams);
  const [mc, sc] = meanSd(coss);
  const tol = (sd: number) => 3 * sd * Math.sqrt(1 + 1 / seeds) + 0.005;
  return {
    figure: `λ₁ ${ml.toFixed(3)} ± ${sl.toFixed(3)}, |cos| ${mc.toFixed(3)} ± ${sc.toFixed(3)}`,
    bound: "0.57, 0.89",
    pass: true,
    parts: [
      {
        name: "|mean λ₁ − 0.57| − tol",
        figure: Math.abs(ml - 0.57) - tol(sl),
        bound: 0,
        direction: "<=",
      },
      {
        name: "|mean |cos| − 0.89| − tol",
        figure: Math.abs(mc - 0.89) - tol(sc),
        bound: 0,
        direction: "<=",
      },
    ],
    detail: `16 seeds; tolerances ${tol(sl).toFixed(3)} (λ₁) and ${tol(sc).toFixed(3)} (cos)`,
  };
});

// --- sorted eigenvalues ---

claimTest(SUB_SORTED, (): Measurement => {
  let violations = 0;
  const notes: string[] = [];
  for (const h of [3, 8, 20, 21, 64, 96]) {
    const p = exactPlanted(h, h, 2, 2, Math.min(5, Math.max(1, Math.floor(h / 4))));
    for (const method of ["span", "full"] as const) {
      const r = subspaceDirection(p.pos, p.base, { eigenK: 1, method });
      if (r.eigvals.length !== Math.min(20, h)) violations++;
      for (let j = 1; j < r.eigvals.length; j++) {
        if (r.eigvals[j]! > r.eigvals[j - 1]!) violations++;
      }
      if (r.eigengap.lead !== r.eigvals[0]! - r.eigvals[1]!) violations++;
      if (method === "span") notes.push(`H = ${h}: ${r.eigvals.length} values`);
    }
  }
  return { figure: violations, bound: 0, pass: true, detail: notes.join(", ") };
});

// --- eigengap vs amplitude ---

claimTest(SUB_EIGENGAP, (): Measurement => {
  const amps = [1.5, 2, 3, 4, 6];
  const gaps: number[] = [];
  const coss: number[] = [];
  let unreported = 0;
  for (const a of amps) {
    let g = 0;
    let c = 0;
    for (let s = 0; s < 8; s++) {
      const p = noisyPlanted(7000 + s, a);
      const r = subspaceDirection(p.pos, p.base, { eigenK: 1 });
      if (!(r.eigengap.lead === r.eigvals[0]! - r.eigvals[1]!)) unreported++;
      g += r.eigengap.lead / 8;
      c += absCos(r.direction, p.u) / 8;
    }
    gaps.push(g);
    coss.push(c);
  }
  recordFigure({
    id: "amygdala_subspace_eigengap",
    claim: SUB_EIGENGAP.id,
    title: "Subspace method: eigengap and recovered direction against the planted amplitude",
    x: { label: "planted amplitude a" },
    y: { label: "mean over 8 seeds" },
    series: [
      { name: "eigengap λ₁ − λ₂", points: amps.map((a, i) => [a, gaps[i]!] as const) },
      { name: "|cos(d, u)|", points: amps.map((a, i) => [a, coss[i]!] as const) },
    ],
  });
  let bad = unreported;
  for (let i = 1; i < amps.length; i++) {
    if (!(gaps[i]! > gaps[i - 1]!)) bad++;
    if (!(coss[i]! > coss[i - 1]!)) bad++;
  }
  return {
    figure: bad,
    bound: 0,
    pass: true,
    detail: amps.map((a, i) => `a = ${a}: gap ${gaps[i]!.toFixed(3)}, cos ${coss[i]!.toFixed(3)}`)
      .join("; "),
  };
});

// --- sign orientation divergence ---

claimTest(SUB_SIGN_DIVERGENCE, (): Measurement => {
  let maxDiff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let s = 0; s < 4; s++) {
    const p = noisyPlanted(500 + s);
    const o = eighDescending(oracleM(p.pos, p.base));
    const k = 5;
    const h = p.u.length;
    const top = matrix(h, k);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < k; j++) top.data[i * k + j] = o.vectors.data[i * h + j]!;
    }
    const g = storyMeanDifference(p.pos, p.base);
    const ref = combineTopK(o.values.subarray(0, k), top, g).direction;
    for (let mask = 0; mask < 32; mask++) {
      const signs = Array.from({ length: k }, (_, j) => (mask >> j) & 1 ? -1 : 1);
      const flipped = matrix(h, k, top.data.map((x, i) => x * signs[i % k]!));
      const d = combineTopK(o.values.subarray(0, k), flipped, g).direction;
      for (let i = 0; i < h; i++) maxDiff = Math.max(maxDiff, Math.abs(d[i]! - ref[i]!));
      let c = 0;
      const orig = topKSum(o.values, o.vectors, k, signs);
      for (let i = 0; i < h; i++) c += orig[i]! * p.u[i]!;
      [lo, hi] = [Math.min(lo, c), Math.max(hi, c)];
    }
  }
  return {
    figure: maxDiff,
    bound: 0,
    pass: true,
    parts: [{ name: "original's cos(d, u) spread", figure: hi - lo, bound: 0.5, direction: ">=" }],
    detail: `original (unoriented) cos(d, u) over 32 sign patterns × 4 seeds ∈ [${lo.toFixed(3)}, ${
      hi.toFixed(3)
    }]`,
  };
});

// --- non-positive spectrum ---

claimTest(SUB_NONPOSITIVE, (): Measurement => {
  const rng = new Rng(99);
  const h = 12;
  const a = noise(rng, 4, h);
  const b = noise(rng, 3, h);
  // Positive stories inside the base subspaces: a's rows are also rows of the base story.
  const big = matrix(7, h, [...a.data, ...b.data]);
  const cases: [string, Matrix[], Matrix[]][] = [
    ["positives = base", [a, b], [a, b]],
    ["positive subspace inside base", [a], [big]],
  ];
  let missed = 0;
  let nan = 0;
  const notes: string[] = [];
  for (const [name, pos, base] of cases) {
    for (const method of ["span", "full"] as const) {
      try {
        subspaceDirection(pos, base, { eigenK: 3, method });
        missed++;
        notes.push(`${name} (${method}): no error`);
      } catch (e) {
        if (!(e instanceof SubspaceSpectrumError) || !/k = 3/.test(e.message)) {
          missed++;
          notes.push(`${name} (${method}): ${String(e)}`);
        }
      }
    }
    const o = eighDescending(oracleM(pos, base));
    // Clamp rounding-level positives to 0 as the original's exact arithmetic would have them.
    const vals = o.values.map((x) => (Math.abs(x) < 1e-12 ? 0 : x));
    nan += topKSum(vals, o.vectors, 3, [1, 1, 1]).filter(Number.isNaN).length;
  }
  return {
    figure: missed,
    bound: 0,
    pass: true,
    detail: `${notes.join("; ") || "every case raised SubspaceSpectrumError"}; the original's ` +
      `unguarded sum: ${nan} NaN components of ${2 * h}`,
  };
});

// --- faults ---

claimTest(SUB_FAULT, (): Measurement => {
  const ok3 = matrix(2, 3, [1, 0, 0, 0, 1, 0]);
  const nan = matrix(2, 3, [1, 0, 0, 0, NaN, 0]);
  const cases: [string, () => unknown, "TypeError" | "RangeError", RegExp][] = [
    [
      "NaN",
      () => subspaceDirection([ok3], [nan]),
      "RangeError",
      /base story 0 .*NaN at token 1, feature 1/,
    ],
    [
      "Infinity",
      () => subspaceDirection([matrix(1, 3, [Infinity, 0, 0])], [ok3]),
      "RangeError",
      /finite/,
    ],
    [
      "hidden",
      () => subspaceDirection([ok3], [ok3, matrix(1, 4)]),
      "TypeError",
      /hidden size 3 .*base story 1 has 4/,
    ],
    ["empty pos", () => subspaceDirection([], [ok3]), "RangeError", /at least one positive story/],
    ["empty base", () => subspaceDirection([ok3], []), "RangeError", /at least one base story/],
    [
      "k = 0",
      () => subspaceDirection([ok3], [ok3], { eigenK: 0 }),
      "RangeError",
      /eigenK .*1\.\.3 .*0/,
    ],
    ["k > H", () => subspaceDirection([ok3], [ok3], { eigenK: 4 }), "RangeError", /eigenK/],
    ["k = 1.5", () => subspaceDirection([ok3], [ok3], { eigenK: 1.5 }), "RangeError", /eigenK/],
    [
      "orient",
      () => subspaceDirection([ok3], [ok3], { orient: [1, 0] }),
      "TypeError",
      /orientation of length 3/,
    ],
    [
      "method",
      () =>
        subspaceDirection([ok3], [ok3], {
          method: "qr" as unknown as SubspaceOptions["method"],
        }),
      "TypeError",
      /span, full or auto/,
    ],
    [
      "no tokens",
      () => subspaceDirection([matrix(0, 3)], [ok3]),
      "RangeError",
      /at least one token/,
    ],
  ];
  const bad: string[] = [];
  for (const [name, fn, type, re] of cases) {
    try {
      fn();
      bad.push(`${name}: no error`);
    } catch (e) {
      const err = e as Error;
      if (
        err.name !== type || !re.test(err.message) ||
        !err.message.startsWith("Cannot compute the subspace direction: expected")
      ) bad.push(`${name}: ${err.name}: ${err.message}`);
    }
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: true,
    detail: bad.join("; ") || `${cases.length} cases, each the documented error`,
  };
});

// --- negative weights clamped ---

claimTest(SUB_CLAMP, (): Measurement => {
  let worst = 0;
  const notes: string[] = [];
  for (
    const [name, p] of [["g_token_48", gToken(21, 48, 2)], [
      "exact_24",
      exactPlanted(22, 24),
    ]] as const
  ) {
    const h = p.u.length;
    for (const method of ["span", "full"] as const) {
      const all = subspaceDirection(p.pos, p.base, { eigenK: h, method });
      const positive = all.weights.filter((w) => w > 0).length;
      const only = subspaceDirection(p.pos, p.base, { eigenK: positive, method });
      worst = Math.max(worst, diffNorm(all.direction, only.direction));
      if (method === "span") {
        notes.push(
          `${name}: ${positive} positive of ${h}, λ_min ${all.topValues[h - 1]!.toFixed(3)}`,
        );
      }
    }
  }
  return { figure: worst, bound: 0, pass: true, detail: notes.join("; ") };
});
