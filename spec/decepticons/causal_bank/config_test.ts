/**
 * Causal-bank substrate construction: the deterministic
 * decay bank against the f64 oracle, and table-driven config validation (every
 * invalid field and combination, plus controls).
 *
 * @module
 */
import {
  buildDecayBank,
  CAUSAL_BANK_DEFAULTS,
  type CausalBankConfig,
  validateCausalBankConfig,
} from "../../../impl/decepticons/causal_bank/config.ts";
import { decayOfHalfLife, logSpaced } from "../../oracle/decepticons/causal_bank.ts";
import { U32, U64 } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { BANK_CONFIG, BANK_DECAYS } from "./claims.ts";

claimTest(BANK_DECAYS, () => {
  const problems: string[] = [];
  let checked = 0;
  for (
    const cfg of [
      CAUSAL_BANK_DEFAULTS,
      { ...CAUSAL_BANK_DEFAULTS, linearModes: 1 },
      { ...CAUSAL_BANK_DEFAULTS, linearModes: 37, halfLifeMin: 3, halfLifeMax: 40 },
      { ...CAUSAL_BANK_DEFAULTS, linearModes: 64, oscillatoryFrac: 0.25 },
    ]
  ) {
    const bank = buildDecayBank(cfg);
    const again = buildDecayBank(cfg);
    const pairs = Math.floor((cfg.linearModes * cfg.oscillatoryFrac) / 2);
    const plain = cfg.linearModes - 2 * pairs;
    const h = logSpaced(cfg.halfLifeMin, cfg.halfLifeMax, plain);
    if (bank.decays.length !== plain) {
      problems.push(`M=${cfg.linearModes}: ${bank.decays.length} modes`);
    }
    for (let i = 0; i < plain; i++) {
      checked++;
      const want = Math.fround(decayOfHalfLife(h[i]!));
      // Half-lives may differ from the oracle's by f64 rounding; the f32 decays must agree.
      if (bank.decays[i] !== want) {
        problems.push(`M=${cfg.linearModes} mode ${i}: ${bank.decays[i]} != ${want}`);
      }
      if (again.decays[i] !== bank.decays[i]) problems.push(`mode ${i} differs across calls`);
      // The impulse response halves after h steps: d^h = 1/2.
      // In f64 each pow is within ~1 ulp (2u₆₄ relative) and raising to h multiplies the
      // first one's error by h: |d^h − 1/2| ≤ ½·(2h + 4)·u₆₄.
      const hl = bank.halfLives[i]!;
      if (Math.abs(Math.pow(decayOfHalfLife(hl), hl) - 0.5) > 0.5 * (2 * hl + 4) * U64) {
        problems.push(`mode ${i}: d^h != 1/2`);
      }
    }
    if (bank.oscillatory.gates.length !== 2 * pairs) problems.push(`pairs ${pairs}`);
    // Oscillatory pairs: a = d·e^{iω} with d = 0.5^{1/h}, h log-spaced over
    // [max(h_min, 2), max(h_max, 2)], and ω = 2π/period, periods log-spaced over [4, 64].
    const oh = logSpaced(Math.max(cfg.halfLifeMin, 2), Math.max(cfg.halfLifeMax, 2), pairs);
    const periods = logSpaced(4, 64, pairs);
    for (let i = 0; i < pairs; i++) {
      const re = bank.oscillatory.gates[2 * i]!;
      const im = bank.oscillatory.gates[2 * i + 1]!;
      const mod = Math.hypot(re, im);
      if (!(mod < 1)) problems.push(`oscillatory pair ${i}: |a| = ${mod}`);
      checked++;
      const d = decayOfHalfLife(oh[i]!);
      const omega = (2 * Math.PI) / periods[i]!;
      // One f32 rounding of the f64 value, plus f64 differences of a few ulps in the
      // log-spaced half-lives and periods (|a| ≤ 1): |gate − want| ≤ u₃₂·|want| + 64·u₆₄.
      for (const [got, want] of [[re, d * Math.cos(omega)], [im, d * Math.sin(omega)]]) {
        if (!(Math.abs(got! - want!) <= U32 * Math.abs(want!) + 64 * U64)) {
          problems.push(`M=${cfg.linearModes} oscillatory pair ${i}: ${re}+${im}i != d·e^{iω}`);
          break;
        }
      }
    }
  }
  const def = buildDecayBank(CAUSAL_BANK_DEFAULTS).decays;
  const lo = def[0]!;
  const hi = def[def.length - 1]!;
  if (Math.abs(lo - 0.62996) > 5e-6 || Math.abs(hi - 0.998647) > 5e-7) {
    problems.push(`default range [${lo}, ${hi}]`);
  }
  return {
    figure: problems.length,
    bound: 0,
    pass: problems.length === 0,
    detail: `${checked} decays in 4 configurations; default range [${lo.toPrecision(6)}, ` +
      `${hi.toPrecision(7)}]` + (problems.length ? `; ${problems.slice(0, 4).join(" | ")}` : ""),
  };
});

type Bad = [
  string,
  Partial<Record<keyof CausalBankConfig, unknown>>,
  "TypeError" | "RangeError",
  RegExp,
];

const INVALID: Bad[] = [
  [
    "no path",
    { enableLinear: false, enableLocal: false },
    "RangeError",
    /enableLinear\/enableLocal/,
  ],
  [
    "oscillatory with fft",
    { oscillatoryFrac: 0.25, linearImpl: "fft" },
    "RangeError",
    /oscillatoryFrac.*linearImpl "kernel".*"fft"/,
  ],
  [
    "oscillatory with scan",
    { oscillatoryFrac: 0.25, linearImpl: "scan" },
    "RangeError",
    /oscillatoryFrac.*"kernel"/,
  ],
  [
    "gated_retention without state",
    { substrateMode: "gated_retention", stateImpl: "retention" },
    "RangeError",
    /"gated_retention" requires stateDim > 0 and stateImpl "retention"/,
  ],
  [
    "gated_retention with scan",
    { substrateMode: "gated_retention", stateDim: 8 },
    "RangeError",
    /"gated_retention".*stateImpl "scan"/,
  ],
  [
    "gated_delta without state",
    { substrateMode: "gated_delta" },
    "RangeError",
    /"gated_delta" requires stateDim > 0/,
  ],
  [
    "gated_delta with retention",
    { substrateMode: "gated_delta", stateDim: 8, stateImpl: "retention" },
    "RangeError",
    /"gated_delta".*stateImpl "retention"/,
  ],
  [
    "heads do not divide",
    { stateDim: 10, numHeads: 4 },
    "RangeError",
    /stateDim \(10\) must be divisible by numHeads \(4\)/,
  ],
  [
    "state impl without state",
    { stateImpl: "retention" },
    "RangeError",
    /stateImpl "retention" requires stateDim > 0/,
  ],
  [
    "hierarchical",
    { substrateMode: "gated_delta", stateDim: 8, stateImpl: "hierarchical" },
    "RangeError",
    /stateImpl must be one of "scan", "retention".*not causal/,
  ],
  [
    "patch leak",
    { patchSize: 4 },
    "RangeError",
    /patchSize 4 > 1 requires a causal patchDecoder \("mlp_factored", "autoregressive" or "hybrid"\).*leaks future/,
  ],
  [
    "unknown mode",
    { substrateMode: "lstm" },
    "RangeError",
    /substrateMode must be one of "frozen"/,
  ],
  [
    "unknown impl",
    { linearImpl: "conv" },
    "RangeError",
    /linearImpl must be one of "kernel", "fft", "scan"/,
  ],
  [
    "unknown decoder",
    { patchDecoder: "mlp" },
    "RangeError",
    /patchDecoder must be one of "none", "mlp_factored", "autoregressive", "hybrid"/,
  ],
  ["mode type", { substrateMode: 3 }, "TypeError", /substrateMode must be a string, one of/],
  ["modes zero", { linearModes: 0 }, "RangeError", /linearModes must be an integer >= 1, got 0/],
  ["modes fraction", { linearModes: 2.5 }, "RangeError", /linearModes must be an integer >= 1/],
  ["modes type", { linearModes: "256" }, "TypeError", /linearModes must be a number/],
  ["embedding zero", { embeddingDim: 0 }, "RangeError", /embeddingDim must be an integer >= 1/],
  ["seq len", { maxSeqLen: -1 }, "RangeError", /maxSeqLen must be an integer >= 1/],
  ["state negative", { stateDim: -2 }, "RangeError", /stateDim must be an integer >= 0/],
  ["heads zero", { numHeads: 0 }, "RangeError", /numHeads must be an integer >= 1/],
  ["chunk zero", { scanChunk: 0 }, "RangeError", /scanChunk must be an integer >= 1/],
  ["half-life zero", { halfLifeMin: 0 }, "RangeError", /halfLifeMin must be a finite number > 0/],
  [
    "half-life order",
    { halfLifeMin: 10, halfLifeMax: 5 },
    "RangeError",
    /halfLifeMax must be finite and >= halfLifeMin/,
  ],
  ["half-life NaN", { halfLifeMax: NaN }, "RangeError", /halfLifeMax/],
  ["half-life type", { halfLifeMin: "1.5" }, "TypeError", /halfLifeMin must be a number/],
  ["frac range", { oscillatoryFrac: 1 }, "RangeError", /oscillatoryFrac must be in \[0, 1\)/],
  ["frac negative", { oscillatoryFrac: -0.1 }, "RangeError", /oscillatoryFrac must be in \[0, 1\)/],
  ["flag type", { enableLocal: 1 }, "TypeError", /enableLocal must be a boolean/],
];

const VALID: Partial<CausalBankConfig>[] = [
  {},
  { enableLocal: false },
  { enableLinear: false },
  { oscillatoryFrac: 0.5, linearImpl: "kernel" },
  { linearImpl: "scan" },
  { substrateMode: "gated_retention", stateDim: 8, numHeads: 2, stateImpl: "retention" },
  { substrateMode: "gated_delta", stateDim: 16, numHeads: 4, stateImpl: "scan" },
  { substrateMode: "learned_recurrence", linearImpl: "scan" },
  { stateDim: 8, numHeads: 8 },
  { patchSize: 4, patchDecoder: "hybrid" },
  { patchSize: 4, patchDecoder: "mlp_factored", enableLocal: false },
  { patchSize: 2, patchDecoder: "autoregressive", enableLocal: false },
  { halfLifeMin: 2, halfLifeMax: 2 },
];

claimTest(BANK_CONFIG, () => {
  const failures: string[] = [];
  for (const [name, patch, kind, msg] of INVALID) {
    const cfg = { ...CAUSAL_BANK_DEFAULTS, ...patch } as CausalBankConfig;
    try {
      validateCausalBankConfig(cfg);
      failures.push(`${name}: accepted`);
    } catch (e) {
      if (!(e instanceof Error) || e.name !== kind || !msg.test(e.message)) {
        failures.push(`${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
  }
  for (const patch of VALID) {
    try {
      validateCausalBankConfig({ ...CAUSAL_BANK_DEFAULTS, ...patch });
    } catch (e) {
      failures.push(`control ${JSON.stringify(patch)}: ${e instanceof Error ? e.message : e}`);
    }
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${INVALID.length} invalid configurations, ${VALID.length} controls` +
      (failures.length ? `; ${failures.slice(0, 4).join(" | ")}` : ""),
  };
});
