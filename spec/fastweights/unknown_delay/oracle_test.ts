/**
 * Unknown-delay claims proven on the f64 oracle: parameter count, gradient
 * check over every entry, rank-one writes, the linear-attention identity and
 * invariance to the order of the writes before recall.
 *
 * @module
 */
import fc from "fast-check";
import { Rng } from "../../../impl/gpu/rng.ts";
import { randomUdParams, udEpisodes } from "./_cases.ts";
import { udLayout } from "../../../impl/fastweights/unknown_delay/layout.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { FW_F64_IDENTITY_REL, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import {
  UD_DEFAULTS,
  udBackward,
  type UdConfig,
  udFlatten,
  udForward,
  udLinearAttention,
  udParamCount,
  udUnflatten,
} from "../../oracle/fastweights/unknown_delay.ts";
import {
  UD_GRADCHECK,
  UD_LINEAR_ATTENTION,
  UD_PARAM_COUNT,
  UD_PERMUTATION,
  UD_RANK_ONE,
} from "./claims.ts";

const cfgArb: fc.Arbitrary<UdConfig> = fc.record({
  p: fc.integer({ min: 1, max: 6 }),
  hidden: fc.integer({ min: 1, max: 9 }),
  keyDim: fc.integer({ min: 1, max: 6 }),
  eta: fc.double({ min: 0.05, max: 2, noNaN: true }),
});

claimTest(UD_PARAM_COUNT, () => {
  let bad = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 128 }),
      fc.integer({ min: 1, max: 64 }),
      (p, hidden, keyDim) => {
        const cfg = { p, hidden, keyDim, eta: 0.5 };
        const want = hidden * (p + 3) + (2 * keyDim + p + 1) * (hidden + 1);
        const ok = udParamCount(cfg) === want && udLayout(cfg).total === want;
        if (!ok) bad++;
        return ok; // false shrinks to the smallest mismatching (p, H, d_k) and prints the seed
      },
    ),
    fcParams(100),
  );
  const atDefaults = udParamCount(UD_DEFAULTS);
  return {
    figure: atDefaults,
    bound: 917,
    pass: bad === 0 && atDefaults === 917 && udLayout(UD_DEFAULTS).total === 917,
    parts: [{
      name: "GPU layout total at the defaults",
      figure: udLayout(UD_DEFAULTS).total,
      bound: 917,
      direction: "==",
    }],
    detail: `${bad} of 100 fuzzed (p, H, d_k) mismatched; oracle and GPU layout agree`,
  };
});

claimTest(UD_GRADCHECK, () => {
  // The original's small check configuration and the full-size model, every entry.
  const cases: { cfg: UdConfig; delays: number[]; seed: number }[] = [
    { cfg: { p: 3, hidden: 5, keyDim: 4, eta: 0.5 }, delays: [4, 4], seed: 1 },
    { cfg: UD_DEFAULTS, delays: [1, 7, 20], seed: 2 },
    { cfg: { p: 2, hidden: 7, keyDim: 3, eta: 1.3 }, delays: [0, 3, 9], seed: 3 },
  ];
  let worst = 0;
  let detail = "";
  for (const { cfg, delays, seed } of cases) {
    const params = randomUdParams(cfg, seed, 2);
    const eps = udEpisodes(cfg.p, seed + 100, delays);
    const flat = udFlatten(params);
    const grads = udFlatten(udBackward(cfg, params, eps, udForward(cfg, params, eps)));
    // Scale the loss so the largest gradient entry is 1: the check's absolute floor
    // (max(|a|, |n|, 1)) then sits at the scale of the gradient, not of 1.
    const scale = 1 / Math.max(...Array.from(grads, Math.abs));
    const r = gradcheck(
      ([x]) => [udForward(cfg, udUnflatten(cfg, x!), eps).loss],
      [flat],
      (w) => [grads.map((g) => g * w[0]!)],
      Float64Array.of(scale),
    );
    if (r.maxError >= worst) {
      worst = r.maxError;
      detail = `worst at p=${cfg.p} H=${cfg.hidden} d_k=${cfg.keyDim} entry ${r.worst.index}: ` +
        `analytic ${r.worst.analytic.toExponential(6)} vs numeric ${
          r.worst.numeric.toExponential(6)
        }; ${flat.length} entries checked in that case`;
    }
  }
  return { figure: worst, bound: GRADCHECK_MAX_REL, pass: worst <= GRADCHECK_MAX_REL, detail };
});

claimTest(UD_RANK_ONE, () => {
  let worstMinor = 0;
  let worstNorm = 0;
  let writes = 0;
  fc.assert(
    fc.property(cfgArb, fc.nat(), fc.integer({ min: 0, max: 12 }), (cfg, seed, delay) => {
      const params = randomUdParams(cfg, seed);
      const [ep] = udEpisodes(cfg.p, seed + 7, [delay]);
      const a = udForward(cfg, params, [ep!], { history: true }).episodes[0]!;
      const { p, keyDim: dk, eta } = cfg;
      const hist = a.history!;
      for (let t = 0; t < ep!.steps; t++) {
        const cur = hist.subarray(t * p * dk, (t + 1) * p * dk);
        const prev = t === 0
          ? new Float64Array(p * dk)
          : hist.subarray((t - 1) * p * dk, t * p * dk);
        const d = cur.map((x, i) => x - prev[i]!);
        const scale = Math.max(...Array.from(cur, Math.abs), ...Array.from(prev, Math.abs), 1e-300);
        // Rank ≤ 1 ⇔ every 2×2 minor vanishes.
        for (let r1 = 0; r1 < p; r1++) {
          for (let r2 = r1 + 1; r2 < p; r2++) {
            for (let c1 = 0; c1 < dk; c1++) {
              for (let c2 = c1 + 1; c2 < dk; c2++) {
                const m = d[r1 * dk + c1]! * d[r2 * dk + c2]! - d[r1 * dk + c2]! * d[r2 * dk + c1]!;
                worstMinor = Math.max(worstMinor, Math.abs(m) / (scale * scale));
              }
            }
          }
        }
        const fro = Math.hypot(...d);
        const nv = Math.hypot(...a.v.subarray(t * p, (t + 1) * p));
        const nk = Math.hypot(...a.k.subarray(t * dk, (t + 1) * dk));
        const want = eta * a.g[t]! * nv * nk;
        const prevFro = Math.hypot(...prev);
        worstNorm = Math.max(worstNorm, Math.abs(fro - want) / Math.max(want, prevFro, 1e-300));
        writes++;
      }
    }),
    fcParams(100),
  );
  const figure = Math.max(worstMinor, worstNorm);
  return {
    figure,
    bound: FW_F64_IDENTITY_REL,
    pass: figure <= FW_F64_IDENTITY_REL,
    detail: `${writes} writes over 100 fuzzed configurations; worst 2×2 minor / max|W|² ` +
      `${worstMinor.toExponential(2)}, worst |‖ΔW‖_F − ηg‖v‖‖k‖| / max(ηg‖v‖‖k‖, ‖W_{t−1}‖_F) ` +
      `${worstNorm.toExponential(2)}`,
  };
});

/** |a − b| / (1 + Σ|terms|) of the read of one episode, worst over the bits. */
function identityError(
  cfg: UdConfig,
  a: ReturnType<typeof udForward>["episodes"][number],
  other: Float64Array,
): number {
  const { p, keyDim: dk, eta } = cfg;
  const T = a.g.length;
  let worst = 0;
  for (let r = 0; r < p; r++) {
    let mag = 0;
    for (let t = 0; t < T; t++) {
      let kq = 0;
      for (let c = 0; c < dk; c++) kq += Math.abs(a.k[t * dk + c]! * a.q[(T - 1) * dk + c]!);
      mag += Math.abs(eta * a.g[t]! * a.v[t * p + r]!) * kq;
    }
    worst = Math.max(worst, Math.abs(a.y[r]! - other[r]!) / (1 + mag));
  }
  return worst;
}

claimTest(UD_LINEAR_ATTENTION, () => {
  let worst = 0;
  fc.assert(
    fc.property(cfgArb, fc.nat(), fc.integer({ min: 0, max: 40 }), (cfg, seed, delay) => {
      const params = randomUdParams(cfg, seed);
      const [ep] = udEpisodes(cfg.p, seed + 11, [delay]);
      const a = udForward(cfg, params, [ep!]).episodes[0]!;
      worst = Math.max(worst, identityError(cfg, a, udLinearAttention(cfg, a)));
    }),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: FW_F64_IDENTITY_REL,
    pass: worst <= FW_F64_IDENTITY_REL,
    detail: "100 fuzzed configurations and delays 0..40",
  };
});

claimTest(UD_PERMUTATION, () => {
  let worst = 0;
  let zeroed = 0;
  fc.assert(
    fc.property(
      cfgArb,
      fc.nat(),
      fc.integer({ min: 1, max: 30 }),
      fc.nat(),
      (cfg, seed, delay, permSeed) => {
        const params = randomUdParams(cfg, seed);
        const [ep] = udEpisodes(cfg.p, seed + 13, [delay]);
        const base = udForward(cfg, params, [ep!]).episodes[0]!;
        const rng = new Rng(permSeed);
        const T = ep!.steps;
        const order = Array.from({ length: T - 1 }, (_, t) => t);
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        order.push(T - 1);
        const permuted = udForward(cfg, params, [ep!], { writeOrder: () => order }).episodes[0]!;
        worst = Math.max(worst, identityError(cfg, base, permuted.y));
        const none = udForward(cfg, params, [ep!], { writeOrder: () => [] }).episodes[0]!;
        zeroed += none.y.filter((y) => y !== 0).length;
      },
    ),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: FW_F64_IDENTITY_REL,
    pass: worst <= FW_F64_IDENTITY_REL && zeroed === 0,
    detail: `100 fuzzed episodes with random write orders of steps 0..T−2; ` +
      `${zeroed} nonzero reads from an all-zero W`,
  };
});
