/**
 * Substrate claims proved on the f64 oracle: the echo-state reservoir's exact
 * spectral radius, its fading memory and boundedness, and the oscillatory
 * memory's modes and state bounds.
 *
 * @module
 */
import fc from "fast-check";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  echoState,
  oscillatory,
  reservoirMatrix,
} from "../../../impl/decepticons/substrate/build.ts";
import { eigenvalues, spectralRadius } from "../../../impl/decepticons/substrate/eigen.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  oracleRollout,
  oracleStateDim,
  oracleStep,
  type OracleSubstrate,
} from "../../oracle/decepticons/substrate.ts";
import {
  SUB_ECHO_STATE_BOUNDED,
  SUB_ECHO_STATE_PROPERTY,
  SUB_OSCILLATORY,
  SUB_SPECTRAL_RADIUS,
} from "./claims.ts";
import {
  SUB_ESN_BOUND_SLACK,
  SUB_ESP_DISTANCE,
  SUB_MODE_EXACT,
  SUB_RADIUS_ERROR,
} from "../../../invariants/tolerance.ts";

let defaultEsn: OracleSubstrate | null = null;
function esnDefault(): OracleSubstrate {
  defaultEsn ??= echoState();
  return defaultEsn;
}

/** The Park–Miller matrix of fixtures/gen/decepticons_substrate_fixtures.py. */
function lcgMatrix(n: number, c: number, seed: number): Float64Array {
  const m = 2147483647;
  let s = seed;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      s = (s * 16807) % m;
      const v = s / m - 0.5;
      s = (s * 16807) % m;
      w[i * n + j] = s / m < c && i !== j ? v : 0;
    }
  }
  return w;
}

/** Unit roundoff of f64. */
const U64 = 2 ** -53;
/** LU growth ‖|L̂||Û|‖_F / ‖W‖_F the residual bound assumes (measured: ≤ 6.1 at n 512). */
const LU_GROWTH_MAX = 16;
/**
 * c in ‖Wv − λv‖ ≤ c·n·u·‖W‖_F‖v‖. One solve of (W − λI)y = x by complex LU with partial
 * pivoting is backward stable: (W − λI + ΔA)ŷ = x, |ΔA| ≤ γ'₃ₙ|L̂||Û| (Higham, Thm 9.4, with
 * γ'ₖ ≈ 2√2·k·u for complex flops, Lemma 3.5), so v = ŷ/‖ŷ‖ has
 * ‖(W − λI)v‖ ≤ ‖x‖/‖ŷ‖ + 6√2·n·u·G‖W‖_F (G the growth, ≤ LU_GROWTH_MAX). The Rayleigh
 * quotient can only lower the residual; forming it in f64 adds ≤ γ'ₙ₊₁(‖W‖_F + |λ|)‖v‖ ≤
 * 6√2·n·u·‖W‖_F‖v‖ (|λ| ≤ ‖W‖_F, n ≥ 2); the shift is QR's backward-stable eigenvalue, so
 * ‖x‖/‖ŷ‖ ≤ n·u·‖W‖_F after a solve. Hence c = 6√2·(G + 1) + 1.
 */
const RESIDUAL_C = 6 * Math.SQRT2 * (LU_GROWTH_MAX + 1) + 1;
/** Squarings of the Gelfand bound at the fuzzed sizes: k = 2³⁶, so ln C / k ~ 1e-10·ln C. */
const GELFAND_STEPS = 36;

function frobenius(w: Float64Array): number {
  let s = 0;
  for (const x of w) s += x * x;
  return Math.sqrt(s);
}

/**
 * QR's eigenvalue of largest modulus (Im ≥ 0 of a conjugate pair), only a shift for
 * {@link inverseIteration}, and that modulus: what spectralRadius computes, from one QR run.
 */
function dominantGuess(w: Float64Array, n: number): { re: number; im: number; radius: number } {
  const { re, im } = eigenvalues(w, n);
  let best = 0;
  for (let i = 1; i < n; i++) {
    if (Math.hypot(re[i]!, im[i]!) > Math.hypot(re[best]!, im[best]!)) best = i;
  }
  return { re: re[best]!, im: Math.abs(im[best]!), radius: Math.hypot(re[best]!, im[best]!) };
}

/**
 * Certifies the eigenvalue near the shift λ₀ by complex inverse iteration, written here (not
 * impl/linalg): LU of W − λ₀I with partial pivoting in f64, three solves from a fixed start,
 * then the Rayleigh quotient λ = vᴴWv / vᴴv. `residual` is ‖Wv − λv‖ / (‖W‖_F‖v‖): λ is an
 * exact eigenvalue of W + E with ‖E‖₂ ≤ residual·‖W‖_F. `growth` is ‖|L̂||Û|‖_F / ‖W‖_F.
 */
function inverseIteration(
  w: Float64Array,
  n: number,
  shift: { re: number; im: number },
): { modulus: number; residual: number; growth: number } {
  const wf = frobenius(w);
  const ar = Float64Array.from(w);
  const ai = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    ar[i * n + i] = ar[i * n + i]! - shift.re;
    ai[i * n + i] = -shift.im;
  }
  const piv = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let p = k;
    let pm = -1;
    for (let i = k; i < n; i++) {
      const m = ar[i * n + k]! ** 2 + ai[i * n + k]! ** 2;
      if (m > pm) [p, pm] = [i, m];
    }
    piv[k] = p;
    for (let j = 0; p !== k && j < n; j++) {
      [ar[k * n + j], ar[p * n + j]] = [ar[p * n + j]!, ar[k * n + j]!];
      [ai[k * n + j], ai[p * n + j]] = [ai[p * n + j]!, ai[k * n + j]!];
    }
    // An exactly singular column: a pivot of u·‖W‖_F, the size rounding would have left.
    if (pm === 0) ar[k * n + k] = U64 * wf;
    const dr = ar[k * n + k]!;
    const di = ai[k * n + k]!;
    const dd = dr * dr + di * di;
    for (let i = k + 1; i < n; i++) {
      const xr = ar[i * n + k]!;
      const xi = ai[i * n + k]!;
      const mr = (xr * dr + xi * di) / dd;
      const mi = (xi * dr - xr * di) / dd;
      ar[i * n + k] = mr;
      ai[i * n + k] = mi;
      if (mr === 0 && mi === 0) continue;
      for (let j = k + 1; j < n; j++) {
        const ur = ar[k * n + j]!;
        const ui = ai[k * n + j]!;
        ar[i * n + j] = ar[i * n + j]! - (mr * ur - mi * ui);
        ai[i * n + j] = ai[i * n + j]! - (mr * ui + mi * ur);
      }
    }
  }
  // Growth ‖|L̂||Û|‖_F, row by row (L̂ unit lower, Û upper, both in |L̂| + |Û| − I).
  const mod = ar.map((x, i) => Math.hypot(x, ai[i]!));
  let g2 = 0;
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let k = 0; k <= i; k++) {
      const l = k === i ? 1 : mod[i * n + k]!;
      for (let j = k; l !== 0 && j < n; j++) row[j] = row[j]! + l * mod[k * n + j]!;
    }
    for (let j = 0; j < n; j++) g2 += row[j]! ** 2;
  }
  let vr = Float64Array.from({ length: n }, (_, i) => Math.cos(1 + 0.7 * i));
  let vi = Float64Array.from({ length: n }, (_, i) => Math.sin(2 + 1.3 * i));
  for (let it = 0; it < 3; it++) {
    const yr = Float64Array.from(vr);
    const yi = Float64Array.from(vi);
    for (let k = 0; k < n; k++) {
      const p = piv[k]!;
      [yr[k], yr[p]] = [yr[p]!, yr[k]!];
      [yi[k], yi[p]] = [yi[p]!, yi[k]!];
    }
    for (let i = 0; i < n; i++) {
      let sr = yr[i]!;
      let si = yi[i]!;
      for (let k = 0; k < i; k++) {
        sr -= ar[i * n + k]! * yr[k]! - ai[i * n + k]! * yi[k]!;
        si -= ar[i * n + k]! * yi[k]! + ai[i * n + k]! * yr[k]!;
      }
      yr[i] = sr;
      yi[i] = si;
    }
    for (let i = n - 1; i >= 0; i--) {
      let sr = yr[i]!;
      let si = yi[i]!;
      for (let k = i + 1; k < n; k++) {
        sr -= ar[i * n + k]! * yr[k]! - ai[i * n + k]! * yi[k]!;
        si -= ar[i * n + k]! * yi[k]! + ai[i * n + k]! * yr[k]!;
      }
      const dr = ar[i * n + i]!;
      const di = ai[i * n + i]!;
      const dd = dr * dr + di * di;
      yr[i] = (sr * dr + si * di) / dd;
      yi[i] = (si * dr - sr * di) / dd;
    }
    let ny = 0;
    for (let i = 0; i < n; i++) ny += yr[i]! ** 2 + yi[i]! ** 2;
    ny = Math.sqrt(ny);
    vr = yr.map((x) => x / ny);
    vi = yi.map((x) => x / ny);
  }
  // Rayleigh quotient and residual, with W applied to v directly.
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      wr[i] = wr[i]! + w[i * n + j]! * vr[j]!;
      wi[i] = wi[i]! + w[i * n + j]! * vi[j]!;
    }
  }
  let qr = 0;
  let qi = 0;
  let vv = 0;
  for (let i = 0; i < n; i++) {
    qr += vr[i]! * wr[i]! + vi[i]! * wi[i]!;
    qi += vr[i]! * wi[i]! - vi[i]! * wr[i]!;
    vv += vr[i]! ** 2 + vi[i]! ** 2;
  }
  const lr = qr / vv;
  const li = qi / vv;
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    r2 += (wr[i]! - (lr * vr[i]! - li * vi[i]!)) ** 2 + (wi[i]! - (lr * vi[i]! + li * vr[i]!)) ** 2;
  }
  return {
    modulus: Math.hypot(lr, li),
    residual: Math.sqrt(r2) / (wf * Math.sqrt(vv)),
    growth: Math.sqrt(g2) / wf,
  };
}

/**
 * Gelfand upper bounds U_j = ‖W^(2^j)‖_F^(1/2^j) ≥ ρ(W) for j = 0..steps, by repeated squaring
 * with rescaling (f64, the test's own product): B₀ = W/‖W‖_F, B_j = B_{j−1}²/s_j with
 * s_j = ‖B_{j−1}²‖_F, so ln U_j = ln ‖W‖_F + Σ_{i ≤ j} ln(s_i)/2^i. Non-increasing (‖A²‖ ≤
 * ‖A‖²), converging to ρ(W) like ln C / 2^j (C ≈ the dominant eigenvalues' condition).
 */
function gelfandBounds(w: Float64Array, n: number, steps: number): number[] {
  const s0 = frobenius(w);
  let b = w.map((x) => x / s0);
  let c = new Float64Array(n * n);
  let logU = Math.log(s0);
  const out = [s0];
  for (let j = 1; j <= steps; j++) {
    c.fill(0);
    for (let i = 0; i < n; i++) {
      const ci = i * n;
      for (let k = 0; k < n; k++) {
        const a = b[ci + k]!;
        if (a === 0) continue;
        const bk = k * n;
        for (let jj = 0; jj < n; jj++) c[ci + jj] = c[ci + jj]! + a * b[bk + jj]!;
      }
    }
    const s = frobenius(c);
    if (s === 0) return [...out, 0]; // nilpotent: ρ = 0 (the builder refuses such draws)
    for (let i = 0; i < n * n; i++) c[i] = c[i]! / s;
    logU += Math.log(s) / 2 ** j;
    [b, c] = [c, b];
    out.push(Math.exp(logU));
  }
  return out;
}

claimTest(SUB_SPECTRAL_RADIUS, async () => {
  const { data: fx, integrity } = await loadPinnedJson<{
    format: string;
    eigenLcg: { n: number; c: number; seed: number; radius: number }[];
  }>("fixtures/decepticons/substrates.json", "memspec.decepticons.substrates.v1");
  let worstNumpy = 0;
  for (const k of fx.eigenLcg) {
    const r = spectralRadius(lcgMatrix(k.n, k.c, k.seed), k.n);
    worstNumpy = Math.max(worstNumpy, Math.abs(r - k.radius));
  }
  // The default reservoir, then fuzzed sizes, connectivities and radii.
  const esn = esnDefault();
  if (esn.kind !== "echo_state") throw new TypeError("expected an echo-state reservoir");
  // One QR run at n 512 (the slowest step here) gives both the routine's radius and the shift.
  const guess = dominantGuess(esn.layer.w, esn.layer.n);
  let worstTarget = Math.abs(guess.radius - 0.95);
  let diag = 0;
  for (let i = 0; i < esn.layer.n; i++) diag = Math.max(diag, Math.abs(esn.layer.w[i * 513]!));
  // Independent of the routine that scaled W: the dominant eigenpair certified by inverse
  // iteration (n 512 and fuzzed), and Gelfand bounds (fuzzed n ≤ 60 only: at n 512 the
  // eigenvalues fill a disk and U_j converges like ln(n)/2^(j+1), ~1.4·ρ after 3 squarings).
  const cert = inverseIteration(esn.layer.w, esn.layer.n, guess);
  let worstResidual = cert.residual / (esn.layer.n * U64);
  let worstGrowth = cert.growth;
  let worstModulus = Math.abs(cert.modulus - 0.95);
  let worstViolation = -Infinity; // max ρ_target − U_j at j = GELFAND_STEPS
  let worstWidth = -Infinity; // max U_j − |λ| at j = GELFAND_STEPS
  const gapAt = new Map<number, number>([[10, 0], [20, 0], [30, 0], [GELFAND_STEPS, 0]]);
  let built = 0;
  let refused = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 60 }),
      fc.double({ min: 0.1, max: 1, noNaN: true }),
      fc.double({ min: 0.05, max: 1.5, noNaN: true }),
      fc.nat(),
      (n, c, rho, seed) => {
        let w: Float64Array;
        try {
          w = reservoirMatrix(n, c, rho, new Rng(seed));
        } catch (e) {
          // A nilpotent draw (radius 0) cannot be rescaled: the builder refuses it.
          if (e instanceof RangeError && /radius 0|ill-conditioned/.test(e.message)) {
            refused++;
            return;
          }
          throw e;
        }
        built++;
        worstTarget = Math.max(worstTarget, Math.abs(spectralRadius(w, n) - rho));
        for (let i = 0; i < n; i++) diag = Math.max(diag, Math.abs(w[i * (n + 1)]!));
        const ii = inverseIteration(w, n, dominantGuess(w, n));
        worstResidual = Math.max(worstResidual, ii.residual / (n * U64));
        worstGrowth = Math.max(worstGrowth, ii.growth);
        worstModulus = Math.max(worstModulus, Math.abs(ii.modulus - rho));
        const u = gelfandBounds(w, n, GELFAND_STEPS);
        worstViolation = Math.max(worstViolation, rho - u[GELFAND_STEPS]!);
        worstWidth = Math.max(worstWidth, u[GELFAND_STEPS]! - ii.modulus);
        for (const j of gapAt.keys()) gapAt.set(j, Math.max(gapAt.get(j)!, u[j]! / rho - 1));
      },
    ),
    fcParams(100),
  );
  const figure = Math.max(worstNumpy, worstTarget);
  const gaps = [...gapAt].map(([j, g]) => `${g.toExponential(1)} (j ${j})`).join(", ");
  return {
    figure,
    bound: SUB_RADIUS_ERROR,
    pass: figure < SUB_RADIUS_ERROR && diag === 0,
    parts: [
      {
        name: "inverse-iteration residual / (n·u)",
        figure: worstResidual,
        bound: RESIDUAL_C,
        direction: "<=",
      },
      { name: "LU growth", figure: worstGrowth, bound: LU_GROWTH_MAX, direction: "<=" },
      {
        name: "| |λ| − ρ_target | (inverse iteration)",
        figure: worstModulus,
        bound: SUB_RADIUS_ERROR,
        direction: "<=",
      },
      {
        name: `ρ_target − U_${GELFAND_STEPS} (Gelfand, n ≤ 60)`,
        figure: worstViolation,
        bound: SUB_RADIUS_ERROR,
        direction: "<=",
      },
      {
        name: `U_${GELFAND_STEPS} − |λ| (Gelfand bracket, n ≤ 60)`,
        figure: worstWidth,
        bound: SUB_RADIUS_ERROR,
        direction: "<=",
      },
    ],
    detail: `|ρ − target| ≤ ${worstTarget.toExponential(2)} (default n 512 + ${built} fuzzed, ` +
      `${refused} refused); |ρ_ts − ρ_numpy| ≤ ${worstNumpy.toExponential(2)} on ` +
      `${fx.eigenLcg.length} matrices (n ${fx.eigenLcg.map((k) => k.n).join(", ")}); max |diag| ` +
      `${diag}; independent: residual ≤ ${worstResidual.toExponential(2)}·n·u (c ` +
      `${RESIDUAL_C.toFixed(0)}), LU growth ≤ ${worstGrowth.toFixed(2)}, | |λ| − ρ | ≤ ` +
      `${worstModulus.toExponential(2)}, ρ − U_${GELFAND_STEPS} ≤ ` +
      `${worstViolation.toExponential(2)}, U_${GELFAND_STEPS} − |λ| ≤ ` +
      `${worstWidth.toExponential(2)}; certified relative gap U_j/ρ − 1 ≤ ${gaps}; ${integrity}`,
  };
});

claimTest(SUB_ECHO_STATE_PROPERTY, () => {
  const esn = esnDefault();
  const n = oracleStateDim(esn);
  let worst = 0;
  const detail: string[] = [];
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const tokens = Array.from({ length: 300 }, () => rng.int(256));
    const a0 = Float64Array.from({ length: n }, () => rng.uniformIn(-1, 1));
    const a = oracleRollout(esn, tokens, a0);
    const b = oracleRollout(esn, tokens);
    const dist = (t: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (a[t * n + i]! - b[t * n + i]!) ** 2;
      return Math.sqrt(s);
    };
    let d0 = 0;
    for (let i = 0; i < n; i++) d0 += a0[i]! ** 2;
    worst = Math.max(worst, dist(299));
    detail.push(
      `seed ${seed}: ${Math.sqrt(d0).toFixed(2)} → ${dist(49).toExponential(2)} (t 50) → ` +
        `${dist(199).toExponential(2)} (t 200) → ${dist(299).toExponential(2)} (t 300)`,
    );
  }
  return {
    figure: worst,
    bound: SUB_ESP_DISTANCE,
    pass: worst < SUB_ESP_DISTANCE,
    detail: detail.join("; "),
  };
});

claimTest(SUB_ECHO_STATE_BOUNDED, () => {
  let worst = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.double({ min: 0.1, max: 1, noNaN: true }),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      fc.double({ min: 0.01, max: 5, noNaN: true }),
      fc.nat(),
      (n, rho, leak, inputScale, seed) => {
        let esn: OracleSubstrate;
        try {
          esn = echoState({
            size: n,
            vocab: 8,
            spectralRadius: rho,
            leak,
            inputScale,
            seed,
            connectivity: 0.5,
          });
        } catch (e) {
          if (e instanceof RangeError && /radius 0|ill-conditioned/.test(e.message)) return;
          throw e;
        }
        const rng = new Rng(seed + 1);
        let s = Float64Array.from({ length: n }, () => rng.uniformIn(-1, 1));
        s[0] = rng.uniform() < 0.5 ? 1 : -1;
        for (let t = 0; t < 60; t++) {
          s = oracleStep(esn, s, rng.int(8));
          for (const v of s) worst = Math.max(worst, Math.abs(v));
        }
      },
    ),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: 1 + SUB_ESN_BOUND_SLACK,
    pass: worst <= 1 + SUB_ESN_BOUND_SLACK,
    detail: "max |s_t| over 100 fuzzed reservoirs × 60 steps, ‖s_0‖∞ = 1",
  };
});

claimTest(SUB_OSCILLATORY, () => {
  const osc = oscillatory();
  if (osc.kind !== "oscillatory") throw new TypeError("expected an oscillatory memory");
  const D = oracleStateDim(osc);
  const E = osc.dim;
  const K = osc.decays.length;
  const M = osc.damping.length;
  // The recurrence matrix, column by column: A e_i = step(e_i, x) − step(0, x).
  const zero = oracleStep(osc, new Float64Array(D), 0);
  const A = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    const e = new Float64Array(D);
    e[i] = 1;
    const col = oracleStep(osc, e, 0);
    for (let r = 0; r < D; r++) A[r * D + i] = col[r]! - zero[r]!;
  }
  const { re, im } = eigenvalues(A, D);
  const expected: { mod: number; arg: number }[] = [];
  for (const r of osc.decays) for (let a = 0; a < E; a++) expected.push({ mod: r, arg: 0 });
  for (let j = 0; j < M; j++) {
    for (let a = 0; a < 2 * E; a++) {
      expected.push({ mod: osc.damping[j]!, arg: (2 * Math.PI) / osc.periods[j]! });
    }
  }
  // Greedy matching: each computed eigenvalue takes the nearest unused expected one.
  const used = new Array<boolean>(expected.length).fill(false);
  let worstMode = 0;
  for (let i = 0; i < D; i++) {
    const mod = Math.hypot(re[i]!, im[i]!);
    const arg = Math.abs(Math.atan2(im[i]!, re[i]!));
    let best = -1;
    let bestD = Infinity;
    expected.forEach((x, k) => {
      const d = Math.max(Math.abs(x.mod - mod), Math.abs(x.arg - arg));
      if (!used[k] && d < bestD) {
        bestD = d;
        best = k;
      }
    });
    used[best] = true;
    worstMode = Math.max(worstMode, bestD);
  }
  // Bounds over 2000 random tokens from zero.
  const rng = new Rng(5);
  let s: Float64Array = new Float64Array(D);
  let worstRatio = 0;
  let maxAbs = 0;
  for (let t = 0; t < 2000; t++) {
    s = oracleStep(osc, s, rng.int(256));
    for (let k = 0; k < K; k++) {
      let q = 0;
      for (let a = 0; a < E; a++) q += s[k * E + a]! ** 2;
      worstRatio = Math.max(worstRatio, Math.sqrt(q) * (1 - osc.decays[k]!));
    }
    for (let j = 0; j < M; j++) {
      let q = 0;
      for (let a = 0; a < 2 * E; a++) q += s[(K + 2 * j) * E + a]! ** 2;
      worstRatio = Math.max(worstRatio, (Math.sqrt(q) * (1 - osc.damping[j]!)) / Math.SQRT2);
    }
    for (const v of s) maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  return {
    figure: worstMode,
    bound: SUB_MODE_EXACT,
    pass: worstMode < SUB_MODE_EXACT && worstRatio <= 1,
    detail: `damping [${osc.damping.map((d) => d.toFixed(4)).join(", ")}], periods ` +
      `[${osc.periods.join(", ")}]; worst norm / bound ${worstRatio.toFixed(3)}; max |state| ` +
      `${maxAbs.toFixed(2)} over 2000 steps (the original, re-run: 5.1)`,
  };
});
