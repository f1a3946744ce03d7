/**
 * Substrate claims on the GPU: 1000-step rollouts of every substrate against
 * the f64 oracle within derived f32 bounds, and causality (oracle and GPU).
 *
 * The bound of one GPU step replays the kernel's operations with running error
 * analysis (the ledger's `track`), charging every sum for any association (the
 * WGSL order is not honoured by llvmpipe: it reassociates), starting from the GPU's own
 * previous state (exact f32 values), and is compared with the oracle's step
 * from that same state. For the linear substrates the step bounds are also
 * propagated through the recurrence (|d| ≤ 1, r_k < 1, ‖ρR(θ)‖₂ = ρ < 1) into
 * a bound on the whole trajectory against the oracle's own rollout. The
 * reservoirs' maps are not contractive in any norm cheap to certify (‖W‖₂ > 1
 * at ρ = 0.95), so their global deviation is reported, not bounded.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, liveBufferCount } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  delayLine,
  echoState,
  hierarchical,
  linearMemory,
  mixed,
  oscillatory,
  type ReservoirLayer,
  type Substrate,
} from "../../../impl/decepticons/substrate/build.ts";
import { linearTables, runSubstrate } from "../../../impl/decepticons/substrate/gpu.ts";
import {
  F32_MIN_NORMAL,
  FW_REFERENCE_FACTOR,
  gamma32,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
  U32,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { trackFwTanh } from "../../_harness/tracked_wgsl_math.ts";
import { Comparison, differential, jointly } from "../../_harness/differential.ts";
import {
  oracleRollout,
  oracleStep,
  type OracleSubstrate,
} from "../../oracle/decepticons/substrate.ts";
import { SUB_CAUSALITY, SUB_FINAL_STATE, SUB_GPU_ROLLOUT, SUB_RUN_ARGUMENTS } from "./claims.ts";

await initGpu();

/** The substrate with every parameter rounded to f32 (what the GPU holds). */
function roundToF32(s: Substrate): Substrate {
  const r = (a: Float64Array) => a.map(Math.fround);
  const layer = (l: ReservoirLayer): ReservoirLayer => ({
    ...l,
    w: r(l.w),
    u: r(l.u),
    up: l.up ? r(l.up) : null,
  });
  switch (s.kind) {
    case "echo_state":
      return { ...s, layer: layer(s.layer) };
    case "delay":
    case "linear":
      return { ...s, emb: r(s.emb) };
    case "oscillatory":
      return { ...s, emb: r(s.emb), q: s.q.map(r) };
    case "mixed":
      return { ...s, esn: layer(s.esn), delay: { ...s.delay, emb: r(s.delay.emb) } };
    case "hierarchical":
      return { ...s, layers: s.layers.map(layer) };
  }
}

const exactErr = (x: number) => Math.abs(Math.fround(x) - x);

/** Per-element bound of one linear-kernel step from the GPU's previous state `prev`. */
function linearStepBounds(
  tb: ReturnType<typeof linearTables>,
  prev: ArrayLike<number>,
  po: number,
  x: number,
): Float64Array {
  const out = new Float64Array(tb.n);
  for (let i = 0; i < tb.n; i++) {
    const c0 = tb.coef[2 * i]!;
    const c1 = tb.coef[2 * i + 1]!;
    const b = tb.input[x * tb.n + i]!;
    const p0 = track.mul({ v: c0, e: exactErr(c0) }, track.input(prev[po + tb.pred[2 * i]!]!));
    const p1 = track.mul({ v: c1, e: exactErr(c1) }, track.input(prev[po + tb.pred[2 * i + 1]!]!));
    // Any association: llvmpipe was seen to evaluate (c0·s0 + c1·s1) + B as (c0·s0 + B) + c1·s1
    // (its LLVM backend reassociates), so each term is charged the chain's 2 additions.
    out[i] = trackSum([p0, p1, { v: b, e: exactErr(b) }], 2).e;
  }
  return out;
}

/**
 * Bounds of one reservoir-layer step: a = U + Σ W s + Σ Up below' (left to right, each product
 * rounded once), fw_tanh, then keep·s + leak·tanh with f32 literals.
 */
function layerStepBounds(
  l: ReservoirLayer,
  V: number,
  prev: ArrayLike<number>,
  po: number,
  below: ArrayLike<number> | null,
  bo: number,
  nb: number,
  x: number,
  out: Float64Array,
  oo: number,
): void {
  const keep = trackBuiltins.literal(1 - l.leak);
  const leak = trackBuiltins.literal(l.leak);
  for (let i = 0; i < l.n; i++) {
    const u = l.u[i * V + x]!;
    let v = u;
    let mag = Math.abs(u);
    let terms = 1;
    for (let j = 0; j < l.n; j++) {
      const p = l.w[i * l.n + j]! * prev[po + j]!;
      v += p;
      mag += Math.abs(p);
    }
    terms += l.n;
    if (l.up && below) {
      for (let j = 0; j < nb; j++) {
        const p = l.up[i * nb + j]! * below[bo + j]!;
        v += p;
        mag += Math.abs(p);
      }
      terms += nb;
    }
    // Products: one rounding each (u·|p| + a flushed subnormal); the chain of terms − 1 adds.
    const eProd = U32 * mag + terms * F32_MIN_NORMAL;
    const a: Tracked = {
      v,
      e: eProd + gamma32(terms - 1) * (mag + eProd) + terms * F32_MIN_NORMAL,
    };
    const th = trackFwTanh(a);
    out[oo + i] = track.add(track.mul(keep, track.input(prev[po + i]!)), track.mul(leak, th)).e;
  }
}

/** Step bounds of any substrate from the GPU's previous state (units only) at phase `phase`. */
function stepBounds(
  s: Substrate,
  prev: ArrayLike<number>,
  cur: ArrayLike<number>,
  x: number,
  phase: number,
) {
  switch (s.kind) {
    case "echo_state": {
      const out = new Float64Array(s.layer.n);
      layerStepBounds(s.layer, s.vocab, prev, 0, null, 0, 0, x, out, 0);
      return out;
    }
    case "delay":
    case "linear":
    case "oscillatory":
      return linearStepBounds(linearTables(s), prev, 0, x);
    case "mixed": {
      const out = new Float64Array(s.esn.n + s.delay.length * s.delay.dim);
      layerStepBounds(s.esn, s.vocab, prev, 0, null, 0, 0, x, out, 0);
      out.set(linearStepBounds(linearTables(s.delay), prev, s.esn.n, x), s.esn.n);
      return out;
    }
    case "hierarchical": {
      const out = new Float64Array(s.layers.reduce((a, l) => a + l.n, 0));
      let off = 0;
      let bo = -1;
      let nb = 0;
      for (const l of s.layers) {
        const moves = l.stride === 1 || (phase + 1) % l.stride === 0;
        // The layer below's NEW state is the GPU's own output of this step.
        if (moves) layerStepBounds(l, s.vocab, prev, off, bo < 0 ? null : cur, bo, nb, x, out, off);
        bo = off;
        nb = l.n;
        off += l.n;
      }
      return out;
    }
  }
}

function withPhase(s: Substrate, units: ArrayLike<number>, phase: number): Float64Array {
  const d = s.kind === "hierarchical" ? units.length + 1 : units.length;
  const out = new Float64Array(d);
  out.set(Array.from(units));
  if (s.kind === "hierarchical") out[units.length] = phase;
  return out;
}

/**
 * A 1000-step rollout on the GPU against the oracle: every step against the oracle's step from
 * the GPU's previous state ("step-local"), and for the linear substrates the whole trajectory
 * against the oracle's own rollout within the bound propagated through the recurrence. The
 * largest global |gpu − oracle| goes into `deviations` (reported, not bounded).
 */
async function compareRollout(
  s: Substrate,
  T: number,
  seed: number,
  deviations: Map<string, number>,
): Promise<Comparison> {
  const rng = new Rng(seed);
  const tokens = Array.from({ length: T }, () => rng.int(s.vocab));
  const res = runSubstrate(s, tokens, { batch: 1 });
  const h = await res.states.toArray();
  res.states.dispose();
  res.final.dispose();
  const D = h.length / T;
  const period = s.kind === "hierarchical" ? s.layers.reduce((a, l) => a * l.stride, 1) : 1;
  const ref = oracleRollout(s as OracleSubstrate, tokens);
  const Do = ref.length / T;
  let deviation = 0;
  const tb = s.kind === "delay" || s.kind === "linear" || s.kind === "oscillatory"
    ? linearTables(s)
    : null;
  const stepWant = new Float64Array(T * D);
  const stepBound = new Float64Array(T * D);
  const trajWant = new Float64Array(tb ? T * D : 0);
  const trajBound = new Float64Array(tb ? T * D : 0);
  let eb = new Float64Array(D);
  const zero = new Float64Array(D);
  for (let t = 0; t < T; t++) {
    const prev = t === 0 ? zero : h.subarray((t - 1) * D, t * D);
    const cur = h.subarray(t * D, (t + 1) * D);
    const phase = t % period;
    const want = oracleStep(s as OracleSubstrate, withPhase(s, prev, phase), tokens[t]!).subarray(
      0,
      D,
    );
    const delta = stepBounds(s, prev, cur, tokens[t]!, phase);
    stepWant.set(want, t * D);
    for (let i = 0; i < D; i++) {
      stepBound[t * D + i] = delta[i]! * FW_REFERENCE_FACTOR;
      deviation = Math.max(deviation, Math.abs(cur[i]! - ref[t * Do + i]!));
    }
    if (tb) {
      const next = new Float64Array(D);
      for (let i = 0; i < D; i++) {
        const j = tb.pred[2 * i + 1]!;
        const c1 = tb.coef[2 * i + 1]!;
        if (c1 === 0) {
          next[i] = Math.abs(tb.coef[2 * i]!) * eb[tb.pred[2 * i]!]! + delta[i]!;
        } else if (i < j) {
          // A (c, s) pair: ‖M e + δ‖₂ ≤ ‖M‖₂‖e‖₂ + ‖δ‖₂ with M = [[c0_i, c1_i], [c1_j, c0_j]].
          const m = [tb.coef[2 * i]!, c1, tb.coef[2 * j + 1]!, tb.coef[2 * j]!];
          const a = m[0]! ** 2 + m[2]! ** 2;
          const d = m[1]! ** 2 + m[3]! ** 2;
          const b = m[0]! * m[1]! + m[2]! * m[3]!;
          const norm = Math.sqrt((a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b));
          next[i] = next[j] = norm * Math.hypot(eb[i]!, eb[j]!) + Math.hypot(delta[i]!, delta[j]!);
        }
      }
      eb = next;
      trajWant.set(ref.subarray(t * Do, t * Do + D), t * D);
      for (let i = 0; i < D; i++) trajBound[t * D + i] = eb[i]! * FW_REFERENCE_FACTOR;
    }
  }
  deviations.set(s.kind, deviation);
  // Flat index t·D + i: step t, unit i.
  const c = new Comparison().add(`step-local h[t·${D}+i]`, h, stepWant, stepBound);
  if (tb) c.add(`trajectory h[t·${D}+i]`, h, trajWant, trajBound);
  return c;
}

claimTest(SUB_GPU_ROLLOUT, async (ctx) => {
  const subs: Substrate[] = [
    echoState(),
    delayLine(),
    linearMemory(),
    oscillatory(),
    mixed({ esn: { size: 128 } }),
    hierarchical(),
  ].map(roundToF32);
  const deviations = new Map<string, number>();
  const m = await differential(ctx, {
    cases: subs.map((s, k) => ({ name: `${s.kind} T=1000`, input: { s, seed: 40 + k } })),
    ...jointly<{ s: Substrate; seed: number }>(({ s, seed }) =>
      compareRollout(s, 1000, seed, deviations)
    ),
  });
  const dev = [...deviations].map(([k, d]) => `${k} ${d.toExponential(2)}`).join(", ");
  return { ...m, detail: `${m.detail}; max |gpu − oracle rollout| (reported): ${dev}` };
});

/** Small configurations of every substrate for the causality fuzz. */
function smallSubstrates(): Substrate[] {
  return [
    echoState({ size: 24, vocab: 16, connectivity: 0.3 }),
    delayLine({ length: 4, dim: 3, vocab: 16 }),
    linearMemory({ dim: 3, vocab: 16 }),
    oscillatory({ dim: 3, vocab: 16 }),
    mixed({ esn: { size: 16, connectivity: 0.3 }, delayLength: 3, delayDim: 3, vocab: 16 }),
    hierarchical({ sizes: [12, 16, 20], stride: 3, vocab: 16, seed: 11 }),
  ].map(roundToF32);
}

claimTest(SUB_CAUSALITY, async () => {
  const subs = smallSubstrates();
  const arb = fc.record({
    kind: fc.integer({ min: 0, max: subs.length - 1 }),
    len: fc.integer({ min: 1, max: 48 }),
    pos: fc.nat(),
    seed: fc.nat(),
    shift: fc.integer({ min: 1, max: 15 }),
  });
  // Oracle: 100 fuzzed cases.
  let oracleCases = 0;
  let unchangedAtT = 0;
  fc.assert(
    fc.property(arb, ({ kind, len, pos, seed, shift }) => {
      const s = subs[kind]!;
      const p = pos % len;
      const rng = new Rng(seed);
      const a = Array.from({ length: len }, () => rng.int(16));
      const b = a.slice();
      b[p] = (a[p]! + shift) % 16;
      const ra = oracleRollout(s as OracleSubstrate, a);
      const rb = oracleRollout(s as OracleSubstrate, b);
      const D = ra.length / len;
      for (let i = 0; i < p * D; i++) if (ra[i] !== rb[i]) return false;
      let changed = false;
      for (let i = p * D; i < (p + 1) * D; i++) changed ||= ra[i] !== rb[i];
      if (!changed) unchangedAtT++;
      oracleCases++;
      return true;
    }),
    fcParams(100),
  );
  // GPU: both sequences in one batched run; 100 fuzzed cases.
  const samples = fc.sample(arb, { seed: 7, numRuns: 100 });
  let gpuCases = 0;
  let gpuViolations = 0;
  for (const { kind, len, pos, seed, shift } of samples) {
    const s = subs[kind]!;
    const p = pos % len;
    const rng = new Rng(seed);
    const a = Array.from({ length: len }, () => rng.int(16));
    const b = a.slice();
    b[p] = (a[p]! + shift) % 16;
    const r = runSubstrate(s, [...a, ...b], { batch: 2 });
    const h = await r.states.toArray();
    r.states.dispose();
    r.final.dispose();
    const D = h.length / (2 * len);
    for (let i = 0; i < p * D; i++) if (h[i] !== h[len * D + i]) gpuViolations++;
    let changed = false;
    for (let i = p * D; i < (p + 1) * D; i++) changed ||= h[i] !== h[len * D + i];
    if (!changed) unchangedAtT++;
    gpuCases++;
  }
  return {
    figure: gpuViolations,
    bound: 0,
    pass: gpuViolations === 0 && unchangedAtT === 0,
    detail: `${oracleCases} oracle and ${gpuCases} GPU cases over 6 substrates; earlier states ` +
      `identical bit for bit; the state at t unchanged in ${unchangedAtT} cases`,
  };
});

claimTest(SUB_FINAL_STATE, async () => {
  const before = liveBufferCount();
  const B = 3;
  const T = 17;
  const cut = 7;
  const failures: string[] = [];
  for (const s of smallSubstrates()) {
    const rng = new Rng(5);
    const rows = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(16)));
    const whole = runSubstrate(s, rows.flat(), { batch: B });
    const [h, fin] = [await whole.states.toArray(), await whole.final.toArray()];
    whole.states.dispose();
    whole.final.dispose();
    const D = fin.length / B;
    // The final state of row b is its state after the last token (mixed substrates gather
    // each branch into its own columns of a [batch, units] state).
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < D; i++) {
        if (fin[b * D + i] !== h[(b * T + T - 1) * D + i]) {
          failures.push(`${s.kind}: final[${b}, ${i}] is not the last state`);
          break;
        }
      }
    }
    const head = runSubstrate(s, rows.flatMap((r) => r.slice(0, cut)), { batch: B });
    const [h1, f1] = [await head.states.toArray(), await head.final.toArray()];
    head.states.dispose();
    head.final.dispose();
    const tail = runSubstrate(s, rows.flatMap((r) => r.slice(cut)), {
      batch: B,
      init: Float64Array.from(f1),
      phase: head.phase,
    });
    const h2 = await tail.states.toArray();
    tail.states.dispose();
    tail.final.dispose();
    let differ = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < D; i++) {
          const got = t < cut ? h1[(b * cut + t) * D + i] : h2[(b * (T - cut) + t - cut) * D + i];
          if (got !== h[(b * T + t) * D + i]) differ++;
        }
      }
    }
    if (differ > 0) failures.push(`${s.kind}: the split run differs in ${differ} entries`);
  }
  if (liveBufferCount() !== before) failures.push("GPU buffers left alive");
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length
      ? failures.slice(0, 4).join("; ")
      : `every substrate, batch ${B}, T ${T}, cut at ${cut}`,
  };
});

claimTest(SUB_RUN_ARGUMENTS, () => {
  const before = liveBufferCount();
  const failures: string[] = [];
  const cases: [string, () => unknown, ErrorConstructor, string][] = [];
  for (const s of smallSubstrates()) {
    const k = s.kind;
    cases.push(
      [
        `${k} token V`,
        () => runSubstrate(s, [1, 2, 16], { batch: 1 }),
        RangeError,
        "token 16 at 2",
      ],
      [
        `${k} token −1`,
        () => runSubstrate(s, [-1, 2], { batch: 1 }),
        RangeError,
        "token -1 at 0",
      ],
      [
        `${k} token 2.5`,
        () => runSubstrate(s, [1, 2.5], { batch: 1 }),
        RangeError,
        "token 2.5 at 1",
      ],
      [`${k} batch`, () => runSubstrate(s, [1, 2, 3], { batch: 2 }), TypeError, "3 tokens in 2"],
      [`${k} batch 0`, () => runSubstrate(s, [1, 2], { batch: 0 }), TypeError, "in 0 sequences"],
      [
        `${k} init`,
        () => runSubstrate(s, [1, 2], { batch: 1, init: new Float64Array(1) }),
        TypeError,
        "init has 1 values",
      ],
      [
        `${k} phase`,
        () => runSubstrate(s, [1, 2], { batch: 1, phase: -1 }),
        RangeError,
        "phase -1",
      ],
    );
  }
  for (const [name, fn, type, text] of cases) {
    try {
      const r = fn() as { states: { dispose(): void }; final: { dispose(): void } };
      r.states.dispose();
      r.final.dispose();
      failures.push(`${name}: accepted`);
    } catch (e) {
      if (!(e instanceof type) || !e.message.includes(text)) failures.push(`${name}: ${e}`);
    }
  }
  if (liveBufferCount() !== before) failures.push("a refused call allocated GPU buffers");
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length
      ? failures.slice(0, 4).join("; ")
      : `${cases.length} fault cases raised the named error`,
  };
});
