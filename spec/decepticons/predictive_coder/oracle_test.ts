/**
 * Oracle-level claims of the decepticons ByteLatentPredictiveCoder: feature
 * width, patch bounds, causality, determinism, the faithful ridge readout's
 * bpb on the quickstart text, parity with numpy f64
 * (fixtures/decepticons/coder.json) and the original test's greedy "0101…"
 * continuation. Everything runs on the f64 oracle (no GPU work).
 *
 * @module
 */
import fc from "fast-check";
import {
  CODER_BPB_TARGET,
  CODER_BPB_WINDOW,
  CODER_FIXTURE_FEATURE_ABS,
  CODER_FIXTURE_READOUT_ABS,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { stringDistance } from "../../_harness/strings.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { f64 } from "../../_harness/encoded_arrays.ts";
import {
  bitsPerByte,
  CODER_DEFAULTS,
  type CoderConfig,
  type CoderDraws,
  coderFeatureDim,
  coderGenerate,
  coderTrace,
  ridgeFit,
  ridgeLogits,
  softmaxRows,
} from "../../oracle/decepticons/predictive_coder.ts";
import { oracleRollout, type OracleSubstrate } from "../../oracle/decepticons/substrate.ts";
import {
  CODER_CAUSALITY,
  CODER_DETERMINISM,
  CODER_FEATURE_DIM,
  CODER_FIXTURE,
  CODER_GREEDY_0101,
  CODER_PATCH_BOUNDS,
  CODER_RIDGE_FAITHFUL,
} from "./claims.ts";
import { coderCase, type CoderFixture, loadCoderFixture, textTokens } from "./_fixture_data.ts";

const V = 256;

/** A small seeded uniform source (mulberry32) for fuzzed draws and streams. */
function uniformSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussians(u: () => number, count: number, scale: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    out[i] = scale * r * Math.cos(2 * Math.PI * u());
  }
  return out;
}

/** Random draws (R scaled by 0.9/‖R‖_F, so its radius is < 0.9; no eigen routine needed). */
function randomDraws(u: () => number, cfg: CoderConfig, N: number): CoderDraws {
  const F = cfg.reservoirFeatures;
  const G = cfg.globalDim;
  const L = cfg.latentDim;
  const pool = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const R = gaussians(u, G * G, 1);
  const norm = Math.hypot(...R) || 1;
  for (let i = 0; i < R.length; i++) R[i] = R[i]! * 0.9 / norm;
  return {
    indices: Int32Array.from(pool.slice(0, F).sort((a, b) => a - b)),
    P: gaussians(u, L * F, 0.25 / Math.sqrt(F)),
    R,
    Gin: gaussians(u, G * L, 0.3 / Math.sqrt(G)),
    Lp: gaussians(u, F * G, 1 / Math.sqrt(G)),
  };
}

function sameBits(a: Float64Array, b: Float64Array, count = a.length): boolean {
  if (a.length < count || b.length < count) return false;
  for (let i = 0; i < count; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

interface FuzzConfig {
  F: number;
  G: number;
  L: number;
  extra: number;
  minPatch: number;
  span: number;
  patchSize: number;
  threshold: number;
  mode: "adaptive" | "fixed";
  seed: number;
}

const configArb: fc.Arbitrary<FuzzConfig> = fc.record({
  F: fc.integer({ min: 1, max: 9 }),
  G: fc.integer({ min: 1, max: 7 }),
  L: fc.integer({ min: 1, max: 7 }),
  extra: fc.integer({ min: 0, max: 5 }),
  minPatch: fc.integer({ min: 1, max: 6 }),
  span: fc.integer({ min: 0, max: 20 }),
  patchSize: fc.integer({ min: 1, max: 30 }),
  threshold: fc.double({ min: 0, max: 0.6, noNaN: true }),
  mode: fc.constantFrom<"adaptive" | "fixed">("adaptive", "fixed"),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

function configOf(c: FuzzConfig): CoderConfig {
  return {
    reservoirFeatures: c.F,
    globalDim: c.G,
    latentDim: c.L,
    minPatch: c.minPatch,
    maxPatch: c.minPatch + c.span,
    patchSize: c.patchSize,
    noveltyThreshold: c.threshold,
    mode: c.mode,
    ridgeAlpha: 1e-3,
  };
}

// --- the quickstart pipeline, computed once -------------------------------------------------

interface Pipeline {
  fx: CoderFixture;
  tokens: Uint8Array;
  states: Float64Array;
  N: number;
  trace: ReturnType<typeof coderTrace>;
  W: Float64Array;
  logits: Float64Array;
  bpb: number;
}

async function runQuickstart(): Promise<Pipeline> {
  const fx = await loadCoderFixture();
  const q = fx.quickstart;
  const { cfg, draws, substrate } = coderCase(q.draws, V);
  const tokens = textTokens(q.text);
  const n = tokens.length;
  const N = substrate.layer.n;
  const states = oracleRollout(substrate, tokens);
  const trace = coderTrace(cfg, draws, states, n, N);
  const targets = tokens.subarray(1);
  const W = ridgeFit(trace.features, targets, n - 1, trace.D, V, cfg.ridgeAlpha);
  const logits = ridgeLogits(trace.features, W, n - 1, trace.D, V);
  const bpb = bitsPerByte(softmaxRows(logits, n - 1, V), targets, V);
  return { fx, tokens, states, N, trace, W, logits, bpb };
}

let cached: Promise<Pipeline> | null = null;
function quickstart(): Promise<Pipeline> {
  cached ??= runQuickstart();
  return cached;
}

// --- claims ---------------------------------------------------------------------------------

claimTest(CODER_FEATURE_DIM, () => {
  const atDefaults = coderFeatureDim(CODER_DEFAULTS);
  let checked = 0;
  fc.assert(
    fc.property(configArb, fc.integer({ min: 2, max: 30 }), (c, n) => {
      const cfg = configOf(c);
      const N = c.F + c.extra;
      const u = uniformSource(c.seed);
      const tr = coderTrace(cfg, randomDraws(u, cfg, N), gaussians(u, n * N, 0.3), n, N);
      checked++;
      return tr.D === 2 * c.F + c.G + c.L + 3 && tr.features.length === (n - 1) * tr.D &&
        tr.boundaries.length === n - 1 && tr.patches >= 1;
    }),
    fcParams(100),
  );
  return {
    figure: atDefaults,
    bound: 387,
    pass: atDefaults === 387,
    detail: `2·96 + 96 + 96 + 3 at the defaults; ${checked} fuzzed traces had (n − 1)·D values`,
  };
});

claimTest(CODER_PATCH_BOUNDS, () => {
  let patches = 0;
  let worst = "";
  fc.assert(
    fc.property(configArb, fc.integer({ min: 2, max: 150 }), (c, n) => {
      const cfg = configOf(c);
      const N = c.F + c.extra;
      const u = uniformSource(c.seed);
      const draws = randomDraws(u, cfg, N);
      // A stream mixing smooth stretches and jumps, so novelty crosses the threshold sometimes.
      const amp = u() * 0.8;
      const states = new Float64Array(n * N);
      for (let t = 0; t < n; t++) {
        const jump = u() < 0.3;
        for (let i = 0; i < N; i++) {
          const prev = t > 0 ? states[(t - 1) * N + i]! : 0;
          const v = jump ? (2 * u() - 1) * amp : prev + (2 * u() - 1) * amp * 0.1;
          states[t * N + i] = Math.max(-1, Math.min(1, v));
        }
      }
      const tr = coderTrace(cfg, draws, states, n, N);
      const cap = Math.min(cfg.maxPatch, Math.max(cfg.minPatch, cfg.patchSize));
      const tail = 2 * cfg.reservoirFeatures + cfg.globalDim + cfg.latentDim;
      let len = 0;
      let commits = 0;
      for (let t = 0; t < n - 1; t++) {
        len++;
        const b = tr.boundaries[t] === 1;
        const row = tr.features.subarray(t * tr.D, (t + 1) * tr.D);
        if (row[tail + 1] !== len / cfg.maxPatch) {
          worst = `ℓ column ${row[tail + 1]} ≠ ${len}/${cfg.maxPatch} at t ${t}`;
          return false;
        }
        if (row[tail + 2] !== (b ? 1 : 0)) {
          worst = `boundary column disagrees at t ${t}`;
          return false;
        }
        if (b) {
          const ok = len >= cfg.minPatch && len <= cfg.maxPatch && len <= cap &&
            (cfg.mode === "adaptive" || len === cap);
          if (!ok) {
            worst = `patch of ${len} (min ${cfg.minPatch}, max ${cfg.maxPatch}, size ` +
              `${cfg.patchSize}, ${cfg.mode})`;
            return false;
          }
          commits++;
          patches++;
          len = 0;
        }
      }
      if (len >= cap) {
        worst = `trailing partial patch of ${len} ≥ ${cap}`;
        return false;
      }
      if (tr.patches !== commits + (len > 0 ? 1 : 0)) {
        worst = `patches ${tr.patches} ≠ ${commits} + ${len > 0 ? 1 : 0}`;
        return false;
      }
      return true;
    }),
    fcParams(200),
  );
  return {
    figure: 0,
    bound: 0,
    pass: worst === "",
    detail: worst || `${patches} committed patches over 200 fuzzed configs, all within bounds`,
  };
});

claimTest(CODER_CAUSALITY, async () => {
  let cases = 0;
  fc.assert(
    fc.property(
      configArb,
      fc.integer({ min: 4, max: 24 }),
      fc.integer({ min: 3, max: 60 }),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      (c, n, T, cutAt) => {
        const cfg = configOf(c);
        const N = Math.max(n, c.F);
        const u = uniformSource(c.seed);
        const draws = randomDraws(u, cfg, N);
        const vocab = 8;
        const w = gaussians(u, N * N, 1);
        const norm = Math.hypot(...w) || 1;
        for (let i = 0; i < w.length; i++) w[i] = w[i]! * 0.95 / norm;
        const sub: OracleSubstrate = {
          kind: "echo_state",
          vocab,
          layer: { n: N, leak: 0.25, w, u: gaussians(u, N * vocab, 0.2), up: null, stride: 1 },
        };
        const tokens = Array.from({ length: T }, () => Math.floor(u() * vocab));
        const k = Math.min(T - 2, Math.floor(cutAt * (T - 1))); // rows 0..k must not change
        const other = tokens.map((x, t) => t <= k ? x : (x + 1 + Math.floor(u() * 7)) % vocab);
        const full = coderTrace(cfg, draws, oracleRollout(sub, tokens), T, N);
        const changed = coderTrace(cfg, draws, oracleRollout(sub, other), T, N);
        const prefix = coderTrace(cfg, draws, oracleRollout(sub, tokens.slice(0, k + 2)), k + 2, N);
        const rows = (k + 1) * full.D;
        cases++;
        return sameBits(full.features, changed.features, rows) &&
          sameBits(full.features, prefix.features, rows) &&
          full.boundaries.subarray(0, k + 1).every((b, i) => b === changed.boundaries[i]);
      },
    ),
    fcParams(60),
  );
  // The quickstart text: the trace of the first 1000 bytes == the full trace's first 999 rows.
  const p = await quickstart();
  const { cfg, draws } = coderCase(p.fx.quickstart.draws, V);
  const m = 1000;
  const pre = coderTrace(cfg, draws, p.states.subarray(0, m * p.N), m, p.N);
  const same = sameBits(p.trace.features, pre.features, (m - 1) * p.trace.D);
  return {
    figure: same ? 0 : 1,
    bound: 0,
    pass: same,
    detail: `${cases} fuzzed cut points (suffix changed and prefix-only traces); quickstart ` +
      `prefix ${m} of ${p.tokens.length}: ${same ? "identical" : "DIFFERS"}`,
  };
});

claimTest(CODER_DETERMINISM, async () => {
  const a = await quickstart();
  const b = await runQuickstart();
  const same = sameBits(a.states, b.states) && sameBits(a.trace.features, b.trace.features) &&
    sameBits(a.W, b.W) && sameBits(a.logits, b.logits) && Object.is(a.bpb, b.bpb);
  return {
    figure: same ? 0 : 1,
    bound: 0,
    pass: same,
    detail: `two runs on the quickstart text: states, ${a.trace.features.length} feature ` +
      `values, W [${a.trace.D + 1}, ${V}], logits and bpb ${same ? "bit-identical" : "DIFFER"}`,
  };
});

claimTest(CODER_RIDGE_FAITHFUL, async () => {
  const p = await quickstart();
  const { cfg, draws, substrate } = coderCase(p.fx.quickstart.draws, V);
  const rows = p.tokens.length - 1;
  let lo = Infinity;
  let hi = -Infinity;
  let targetLogit = 0;
  for (let t = 0; t < rows; t++) {
    for (let v = 0; v < V; v++) {
      lo = Math.min(lo, p.logits[t * V + v]!);
      hi = Math.max(hi, p.logits[t * V + v]!);
    }
    targetLogit += p.logits[t * V + p.tokens[t + 1]!]!;
  }
  const floor = Math.log2(255 + Math.E) - Math.log2(Math.E);
  const prompt = textTokens(p.fx.quickstart.greedyPrompt);
  const gen = coderGenerate(cfg, draws, substrate, p.W, prompt, 40);
  const text = new TextDecoder().decode(Uint8Array.from(gen));
  const err = Math.abs(p.bpb - CODER_BPB_TARGET);
  return {
    figure: err,
    bound: CODER_BPB_WINDOW,
    pass: err <= CODER_BPB_WINDOW,
    detail: `|bpb − ${CODER_BPB_TARGET}| (the figure) with ` +
      `oracle ${p.bpb.toFixed(6)}, numpy ${p.fx.quickstart.trainBpb.toFixed(6)}; logits in [${
        lo.toFixed(4)
      }, ` +
      `${hi.toFixed(4)}], mean target logit ${(targetLogit / rows).toFixed(4)}; perfect-fit ` +
      `floor log2(255+e) − log2(e) = ${floor.toFixed(4)}; f64 greedy from "predictive " ` +
      `${JSON.stringify(text)} (numpy ${
        text === p.fx.quickstart.greedyOutput
          ? "identical"
          : JSON.stringify(p.fx.quickstart.greedyOutput)
      })`,
  };
});

claimTest(CODER_FIXTURE, async () => {
  const p = await quickstart();
  const q = p.fx.quickstart;
  const D = p.trace.D;
  const worstAbs = (got: (r: number, i: number) => number, want: Float64Array, rows: number[]) => {
    const w = want.length / rows.length;
    let e = 0;
    rows.forEach((r, k) => {
      for (let i = 0; i < w; i++) e = Math.max(e, Math.abs(got(r, i) - want[k * w + i]!));
    });
    return e;
  };
  const featErr = worstAbs(
    (r, i) => p.trace.features[r * D + i]!,
    f64(q.features, "features"),
    q.featureRows,
  );
  const stateErr = worstAbs((r, i) => p.states[r * p.N + i]!, f64(q.states, "states"), q.stateRows);
  const logitErr = worstAbs((r, i) => p.logits[r * V + i]!, f64(q.logits, "logits"), q.logitRows);
  const bpbErr = Math.abs(p.bpb - q.trainBpb);
  const bounds = Array.from(p.trace.boundaries, (b) => b ? "1" : "0").join("");
  const boundsSame = bounds === q.boundaries;
  const pass = D === q.featureDim && featErr <= CODER_FIXTURE_FEATURE_ABS &&
    stateErr <= CODER_FIXTURE_FEATURE_ABS && boundsSame && p.trace.patches === q.patches &&
    logitErr <= CODER_FIXTURE_READOUT_ABS && bpbErr <= CODER_FIXTURE_READOUT_ABS;
  return {
    figure: featErr,
    bound: CODER_FIXTURE_FEATURE_ABS,
    pass,
    detail: `${q.featureRows.length} feature rows × ${D}; states ${stateErr.toExponential(2)}; ` +
      `boundaries ${boundsSame ? "identical" : "DIFFER"} (${p.trace.boundaries.length}); ` +
      `patches ${p.trace.patches} vs ${q.patches}; logits ${logitErr.toExponential(2)}, bpb ` +
      `${bpbErr.toExponential(2)} (bound ${CODER_FIXTURE_READOUT_ABS})`,
  };
});

claimTest(CODER_GREEDY_0101, async () => {
  const fx = await loadCoderFixture();
  const g = fx.greedy;
  const { cfg, draws, substrate } = coderCase(g.draws, V);
  const tokens = textTokens(g.text);
  const n = tokens.length;
  const N = substrate.layer.n;
  const tr = coderTrace(cfg, draws, oracleRollout(substrate, tokens), n, N);
  const W = ridgeFit(tr.features, tokens.subarray(1), n - 1, tr.D, V, cfg.ridgeAlpha);
  const out = coderGenerate(cfg, draws, substrate, W, textTokens(g.prompt), g.steps);
  const text = new TextDecoder().decode(Uint8Array.from(out));
  const want = "010101010";
  return {
    figure: stringDistance(text, want),
    bound: 0,
    pass: text === want && g.greedyOutput === want,
    detail:
      `output ${JSON.stringify(text)}; fitted on ${JSON.stringify(g.text.slice(0, 16))} × ${
        g.text.length / 16
      } ` +
      `(${tr.patches} patches); numpy's continuation ${JSON.stringify(g.greedyOutput)}`,
  };
});
