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

claimTest(SUB_SPECTRAL_RADIUS, async () => {
  const { data: fx, integrity } = await loadPinnedJson<{
    format: string;
    eigenLcg: { n: number; c: number; seed: number; radius: number }[];
  }>("fixtures/decepticons/substrates.json", "memspec-decepticons-substrates-1");
  let worstNumpy = 0;
  for (const k of fx.eigenLcg) {
    const r = spectralRadius(lcgMatrix(k.n, k.c, k.seed), k.n);
    worstNumpy = Math.max(worstNumpy, Math.abs(r - k.radius));
  }
  // The default reservoir, then fuzzed sizes, connectivities and radii.
  const esn = esnDefault();
  if (esn.kind !== "echo_state") throw new TypeError("expected an echo-state reservoir");
  let worstTarget = Math.abs(spectralRadius(esn.layer.w, esn.layer.n) - 0.95);
  let diag = 0;
  for (let i = 0; i < esn.layer.n; i++) diag = Math.max(diag, Math.abs(esn.layer.w[i * 513]!));
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
          if (e instanceof RangeError && /radius 0|ill-conditioned/.test(e.message)) return;
          throw e;
        }
        worstTarget = Math.max(worstTarget, Math.abs(spectralRadius(w, n) - rho));
        for (let i = 0; i < n; i++) diag = Math.max(diag, Math.abs(w[i * (n + 1)]!));
      },
    ),
    fcParams(100),
  );
  const figure = Math.max(worstNumpy, worstTarget);
  return {
    figure,
    bound: SUB_RADIUS_ERROR,
    pass: figure < SUB_RADIUS_ERROR && diag === 0,
    detail: `|ρ − target| ≤ ${worstTarget.toExponential(2)} (default n 512 + 100 fuzzed); ` +
      `|ρ_ts − ρ_numpy| ≤ ${worstNumpy.toExponential(2)} on ${fx.eigenLcg.length} matrices ` +
      `(n ${fx.eigenLcg.map((k) => k.n).join(", ")}); max |diag| ${diag}; ${integrity}`,
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
