/**
 * GPU claims of retention, gated retention and the gated delta rule: every
 * kernel against the f64 sequential recurrence (and its analytic gradients)
 * within running f32 error bounds, causality impulses, and the PyTorch f64
 * fixtures.
 *
 * The bounds come from a step-by-step simulation of each kernel's f32
 * operations with the ledger's `track` rules (each value carries |computed −
 * exact| ≤ e); the simulation follows the kernels' operation order, while the
 * values compared against come from the independent oracle
 * (spec/oracle/decepticons/retention.ts).
 *
 * @module
 */
import fc from "fast-check";
import { backward, initGpu, readTensors, type Tensor, tensor } from "../../../impl/mod.ts";
import {
  gatedDelta,
  gatedRetention,
  retention,
  type RetentionForm,
} from "../../../impl/decepticons/retention/retention.ts";
import {
  DECEPTICONS_F64_INVERSE_SLACK_REL,
  DECEPTICONS_F64_SLACK_REL,
  F32_MIN_NORMAL,
  FIXTURE_F64_REL,
  FW_REFERENCE_FACTOR,
  gamma32,
  track,
  type Tracked,
  trackSum,
  U32,
} from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { checkClose } from "../../../invariants/close.ts";
import { gpu } from "../../../impl/gpu/device.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { type EncodedArray, f64 } from "../../_harness/encoded_arrays.ts";
import { Comparison, differential, jointly, type NamedCase } from "../../_harness/differential.ts";
import {
  retentionChunkwise,
  retentionParallel,
  scanBackward,
  scanForward,
  type ScanGradients,
  type ScanProblem,
} from "../../oracle/decepticons/retention.ts";
import {
  GDELTA_GPU_FORWARD,
  GDELTA_GPU_GRADIENTS,
  GRET_GPU_FORMS,
  GRET_GPU_GRADIENTS,
  RET_CAUSALITY,
  RET_FIXTURES,
  RET_GPU_FORMS,
  RET_GPU_GRADIENTS,
  RET_TEST_GATES,
} from "./claims.ts";

await initGpu();

type Mode = "retention" | "gated_retention" | "gated_delta";

// ---------------------------------------------------------------- problems

function uniform(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** A problem whose every value is an f32 (so GPU and oracle see the same inputs). */
interface Case {
  mode: Mode;
  p: ScanProblem;
  /** Retention's per-sequence γ (f32 values), else null. */
  gamma: Float64Array | null;
  /** ∂L/∂o. */
  w: Float64Array;
}

function makeCase(
  mode: Mode,
  seed: number,
  n: number,
  t: number,
  dk: number,
  dv: number,
  gate: (b: number, t: number, r: () => number) => number,
): Case {
  const r = uniform(seed);
  const sym = (m: number) => Float64Array.from({ length: m }, () => Math.fround(2 * r() - 1));
  const k = sym(n * t * dk);
  if (mode === "gated_delta") {
    for (let i = 0; i < n * t; i++) {
      const row = k.subarray(i * dk, (i + 1) * dk);
      const norm = Math.hypot(...row) || 1;
      for (let c = 0; c < dk; c++) row[c] = Math.fround(row[c]! / norm);
    }
  }
  const gamma = mode === "retention"
    ? Float64Array.from({ length: n }, (_, b) => Math.fround(gate(b, 0, r)))
    : null;
  const gates = Float64Array.from(
    { length: n * t },
    (_, i) => gamma ? gamma[Math.floor(i / t)]! : Math.fround(gate(Math.floor(i / t), i % t, r)),
  );
  const p: ScanProblem = {
    n,
    t,
    dk,
    dv,
    q: sym(n * t * dk),
    k,
    v: sym(n * t * dv),
    gates,
    beta: mode === "gated_delta"
      ? Float64Array.from({ length: n * t }, () => Math.fround(r()))
      : null,
  };
  return { mode, p, gamma, w: sym(n * t * dv) };
}

// ---------------------------------------------------------------- GPU runs

interface GpuResult {
  o: Float32Array;
  /** dq, dk, dv, dgates (dγ for retention; absent for fixed gates), dβ (delta). */
  grads: Float32Array[] | null;
}

async function runGpu(
  c: Case,
  form: RetentionForm,
  chunk: number,
  grads: boolean,
  fixedGates = false,
): Promise<GpuResult> {
  const { p } = c;
  const made: Tensor[] = [];
  const mk = (x: Float64Array, shape: number[], requiresGrad = grads) => {
    const t = tensor(Array.from(x), shape, { requiresGrad });
    made.push(t);
    return t;
  };
  const q = mk(p.q, [p.n, p.t, p.dk]);
  const k = mk(p.k, [p.n, p.t, p.dk]);
  const v = mk(p.v, [p.n, p.t, p.dv]);
  // Fixed gates need no gradient: the backward then skips the gate's adjoint pass.
  const gateGrad = grads && !fixedGates;
  const g = c.gamma ? mk(c.gamma, [p.n], gateGrad) : mk(p.gates, [p.n, p.t], gateGrad);
  const beta = p.beta ? mk(p.beta, [p.n, p.t]) : null;
  const opts = { form, chunk: chunk > 0 ? chunk : 32 };
  const o = c.mode === "retention"
    ? retention(q, k, v, g, opts)
    : c.mode === "gated_retention"
    ? gatedRetention(q, k, v, g, opts)
    : gatedDelta(q, k, v, g, beta!, {
      form: form === "recurrent" ? "recurrent" : "chunkwise",
      chunk: opts.chunk,
    });
  made.push(o);
  if (grads) {
    const w = tensor(Array.from(c.w), [p.n, p.t, p.dv]);
    made.push(w);
    backward(o, w);
  }
  const inputs = [q, k, v, g, ...(beta ? [beta] : [])].filter((t) => t.requiresGrad);
  const read = await readTensors([o, ...(grads ? inputs.map((t) => t.grad!) : [])]);
  for (const t of inputs) t.grad?.dispose();
  for (const t of made) t.dispose();
  return {
    o: read[0] as Float32Array,
    grads: grads ? (read.slice(1) as Float32Array[]) : null,
  };
}

// ---------------------------------------------------------------- tracked bounds

const ZERO: Tracked = { v: 0, e: 0 };
const ONE: Tracked = { v: 1, e: 0 };
const { add, sub, mul } = track;
const inp = (x: number): Tracked => track.input(x);

function strengths(p: ScanProblem, st: number): [Tracked, Tracked] {
  return p.beta ? [inp(p.beta[st]!), inp(p.beta[st]!)] : [ZERO, ONE];
}

/** Bounds of decepticons_retention_forward: o and the state history S_t. */
function trackRecurrent(p: ScanProblem): { o: Tracked[]; hist: Tracked[] } {
  if (p.beta) return trackDeltaRecurrent(p);
  const { n, t: T, dk, dv } = p;
  const o: Tracked[] = new Array(n * T * dv);
  const hist: Tracked[] = new Array(n * T * dk * dv);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < dv; j++) {
      const s: Tracked[] = new Array(dk).fill(ZERO);
      for (let t = 0; t < T; t++) {
        const st = b * T + t;
        const g = inp(p.gates[st]!);
        const [be, bw] = strengths(p, st);
        let u = ZERO;
        if (p.beta) {
          for (let c = 0; c < dk; c++) u = add(u, mul(inp(p.k[st * dk + c]!), s[c]!));
        }
        const wv = mul(bw, inp(p.v[st * dv + j]!));
        const bu = mul(be, u);
        let acc = ZERO;
        for (let c = 0; c < dk; c++) {
          const kc = inp(p.k[st * dk + c]!);
          s[c] = add(mul(g, sub(s[c]!, mul(kc, bu))), mul(kc, wv));
          acc = add(acc, mul(inp(p.q[st * dk + c]!), s[c]!));
          hist[(st * dk + c) * dv + j] = s[c]!;
        }
        o[st * dv + j] = acc;
      }
    }
  }
  return { o, hist };
}

/**
 * Bounds of decepticons_retention_forward for the gated delta rule, propagated in the
 * 2-norm of each state column: entry-wise running analysis multiplies the error by
 * 1 + β‖k‖₁‖k‖_∞ per step (vacuous past a few hundred steps at gate 1), while the exact
 * transition g(I − βkᵀk) has 2-norm g·max(1, |1 − β‖k‖²|). With ŝ = s + δ, ‖δ‖₂ ≤ E:
 * E ← g·ρ·E + ‖ε‖₂, ε the step's own roundings evaluated on |ŝ_c| ≤ |s_c| + E (the kernel's
 * order: u = k·ŝ as a dk-term sum, β·u, then per entry g·(ŝ_c − k_c·βu) + k_c·(β·v)); every
 * entry then carries |δ_c| ≤ E, and o_t = q·ŝ adds ‖q‖₂E and its dk-term sum. 2⁻¹²⁶ per
 * operation covers flushed subnormals.
 */
function trackDeltaRecurrent(p: ScanProblem): { o: Tracked[]; hist: Tracked[] } {
  const { n, t: T, dk, dv } = p;
  const o: Tracked[] = new Array(n * T * dv);
  const hist: Tracked[] = new Array(n * T * dk * dv);
  const u = U32;
  const tiny = F32_MIN_NORMAL;
  const gk = gamma32(dk);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < dv; j++) {
      const s = new Float64Array(dk);
      let E = 0;
      for (let t = 0; t < T; t++) {
        const st = b * T + t;
        const g = p.gates[st]!;
        const be = p.beta![st]!;
        const k = p.k.subarray(st * dk, (st + 1) * dk);
        const q = p.q.subarray(st * dk, (st + 1) * dk);
        let ku = 0;
        let kk = 0;
        let bound = 0;
        for (let c = 0; c < dk; c++) {
          ku += k[c]! * s[c]!;
          kk += k[c]! ** 2;
          bound += Math.abs(k[c]!) * (Math.abs(s[c]!) + E);
        }
        const eu = gk * bound + 2 * dk * tiny; // û vs k·ŝ
        const bigU = bound + eu; // ≥ |û|
        const ebu = be * eu + u * be * bigU + tiny; // fl(β·û) vs β(k·ŝ)
        const bu = be * bigU * (1 + u) + tiny; // ≥ |fl(β·û)|
        const wv = be * p.v[st * dv + j]!;
        const ewv = u * Math.abs(wv) + tiny;
        let eps2 = 0;
        const next = new Float64Array(dk);
        for (let c = 0; c < dk; c++) {
          const kc = Math.abs(k[c]!);
          const m = Math.abs(s[c]!) + E;
          const t1 = kc * bu;
          const e1 = kc * ebu + u * t1 + tiny;
          const t2 = m + t1 + e1;
          const e2 = e1 + u * t2 + tiny;
          const t3 = g * (t2 + e2);
          const e3 = g * e2 + u * t3 + tiny;
          const t4 = kc * (Math.abs(wv) + ewv);
          const e4 = kc * ewv + u * t4 + tiny;
          const ec = e3 + e4 + u * (t3 + e3 + t4 + e4) + tiny;
          eps2 += ec * ec;
          next[c] = g * (s[c]! - k[c]! * (be * ku)) + k[c]! * wv;
        }
        const rho = Math.max(1, Math.abs(1 - be * kk)) * (1 + DECEPTICONS_F64_SLACK_REL);
        E = g * rho * E + Math.sqrt(eps2) * (1 + DECEPTICONS_F64_SLACK_REL);
        s.set(next);
        let qs = 0;
        let qn = 0;
        let qm = 0;
        for (let c = 0; c < dk; c++) {
          qs += q[c]! * s[c]!;
          qn += q[c]! ** 2;
          qm += Math.abs(q[c]!) * (Math.abs(s[c]!) + E);
          hist[(st * dk + c) * dv + j] = { v: s[c]!, e: E };
        }
        o[st * dv + j] = { v: qs, e: Math.sqrt(qn) * E + gk * qm + 2 * dk * tiny };
      }
    }
  }
  return { o, hist };
}

/** Bounds of the chunkwise passes (summary, carry, output); parallel: one chunk of T. */
function trackChunkwise(p: ScanProblem, chunk: number, parallel: boolean): Tracked[] {
  const { n, t: T, dk, dv } = p;
  const C = parallel ? T : Math.min(chunk, T);
  const nc = Math.ceil(T / C);
  const useSin = nc > 1;
  const sin: Tracked[] = new Array(n * nc * dk * dv).fill(ZERO);
  if (useSin) {
    const l: Tracked[] = new Array(n * nc * dk * dv);
    for (let b = 0; b < n; b++) {
      for (let ci = 0; ci < nc; ci++) {
        for (let j = 0; j < dv; j++) {
          const acc: Tracked[] = new Array(dk).fill(ZERO);
          for (let t = ci * C; t < Math.min(ci * C + C, T); t++) {
            const st = b * T + t;
            const g = inp(p.gates[st]!);
            const vj = inp(p.v[st * dv + j]!);
            for (let c = 0; c < dk; c++) {
              acc[c] = add(mul(g, acc[c]!), mul(inp(p.k[st * dk + c]!), vj));
            }
          }
          for (let c = 0; c < dk; c++) l[((b * nc + ci) * dk + c) * dv + j] = acc[c]!;
        }
      }
    }
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < dv; j++) {
        const s: Tracked[] = new Array(dk).fill(ZERO);
        for (let ci = 0; ci < nc; ci++) {
          let gc = ONE;
          for (let t = ci * C; t < Math.min(ci * C + C, T); t++) {
            gc = mul(gc, inp(p.gates[b * T + t]!));
          }
          for (let c = 0; c < dk; c++) {
            const i = ((b * nc + ci) * dk + c) * dv + j;
            sin[i] = s[c]!;
            s[c] = add(mul(gc, s[c]!), l[i]!);
          }
        }
      }
    }
  }
  const o: Tracked[] = new Array(n * T * dv);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < T; t++) {
      const st = b * T + t;
      const ci = Math.floor(t / C);
      const c0 = ci * C;
      // q_t·k_s does not depend on the column j: track it once per (t, s).
      const qk: Tracked[] = [];
      for (let s = t; s >= c0; s--) {
        let acc = ZERO;
        for (let c = 0; c < dk; c++) {
          acc = add(acc, mul(inp(p.q[st * dk + c]!), inp(p.k[(b * T + s) * dk + c]!)));
        }
        qk.push(acc);
      }
      for (let j = 0; j < dv; j++) {
        let d = ONE;
        let acc = ZERO;
        for (let s = t, i = 0; s >= c0; s--, i++) {
          acc = add(acc, mul(mul(d, qk[i]!), inp(p.v[(b * T + s) * dv + j]!)));
          d = mul(d, inp(p.gates[b * T + s]!));
        }
        if (useSin) {
          let qs = ZERO;
          for (let c = 0; c < dk; c++) {
            qs = add(qs, mul(inp(p.q[st * dk + c]!), sin[((b * nc + ci) * dk + c) * dv + j]!));
          }
          acc = add(acc, mul(d, qs));
        }
        o[st * dv + j] = acc;
      }
    }
  }
  return o;
}

/**
 * Bounds of the forward substitution x_t = b_t − Σ_{s<t} A[t][s]·x_s (unit lower triangular
 * T = I + A, the kernel's order) for W right-hand sides. A running analysis would multiply the
 * errors by Π(1 + Σ|A|) and be vacuous for long chunks at gate 1; instead Higham (Accuracy and
 * Stability, Thm 8.5): the computed x̂ solves (T + ΔT) x̂ = b̂ with |ΔT| ≤ γ_{L+1}|T|, so with
 * the inputs' tracked errors e_A, e_b and F = e_A + γ_{L+1}(|T| + e_A):
 * |x̂ − x| ≤ |T⁻¹|(e_b + F|x̂|), and |x̂| ≤ |x| + |x̂ − x| closes it: E ≤ E₀ + r·max E₀ / (1 − θ),
 * E₀ = |T⁻¹|(e_b + F|x|), r = |T⁻¹|F·1, θ = max r (T⁻¹ in f64, inflated by
 * DECEPTICONS_F64_INVERSE_SLACK_REL).
 * 2⁻¹²⁶ per operation covers flushed subnormals.
 */
function trackSolve(
  A: Tracked[][],
  rhs: (t: number, r: number) => Tracked,
  W: number,
): Tracked[][] {
  const L = A.length;
  const g = gamma32(L + 1);
  const a = (t: number, s: number) => (s < t ? A[t]![s]! : ZERO);
  // |T⁻¹| by forward substitution on the identity, column by column.
  const inv: Float64Array[] = Array.from({ length: L }, () => new Float64Array(L));
  for (let col = 0; col < L; col++) {
    for (let t = col; t < L; t++) {
      let x = t === col ? 1 : 0;
      for (let s = col; s < t; s++) x -= a(t, s).v * inv[s]![col]!;
      inv[t]![col] = x;
    }
  }
  let invMax = 0;
  for (const row of inv) for (const x of row) invMax = Math.max(invMax, Math.abs(x));
  const absInv = (t: number, s: number) =>
    Math.abs(inv[t]![s]!) * (1 + DECEPTICONS_F64_INVERSE_SLACK_REL) +
    DECEPTICONS_F64_INVERSE_SLACK_REL * 1e-3 * invMax;
  const f = (t: number, s: number) => {
    const e = s === t ? 0 : a(t, s).e;
    const m = s === t ? 1 : Math.abs(a(t, s).v);
    return e + g * (m + e);
  };
  let theta = 0;
  const rows = new Float64Array(L);
  for (let t = 0; t < L; t++) {
    let acc = 0;
    for (let y = 0; y <= t; y++) {
      let fy = 0;
      for (let s = 0; s <= y; s++) fy += f(y, s);
      acc += absInv(t, y) * fy;
    }
    rows[t] = acc;
    theta = Math.max(theta, acc);
  }
  const out: Tracked[][] = Array.from({ length: L }, () => new Array(W));
  for (let r = 0; r < W; r++) {
    const x = new Float64Array(L);
    const eb = new Float64Array(L);
    for (let t = 0; t < L; t++) {
      const b = rhs(t, r);
      let v = b.v;
      for (let s = 0; s < t; s++) v -= a(t, s).v * x[s]!;
      x[t] = v;
      let fx = 0;
      for (let s = 0; s <= t; s++) fx += f(t, s) * Math.abs(x[s]!);
      eb[t] = b.e + fx + 2 * (t + 1) * F32_MIN_NORMAL;
    }
    const e0 = new Float64Array(L);
    let max0 = 0;
    for (let t = 0; t < L; t++) {
      let acc = 0;
      for (let y = 0; y <= t; y++) acc += absInv(t, y) * eb[y]!;
      e0[t] = acc;
      max0 = Math.max(max0, acc);
    }
    for (let t = 0; t < L; t++) {
      const e = theta < 1 ? e0[t]! + (rows[t]! * max0) / (1 - theta) : Infinity;
      out[t]![r] = { v: x[t]!, e };
    }
  }
  return out;
}

/**
 * Bounds of the chunkwise gated delta passes (scores, solve, maps, carry, z, output),
 * replaying each kernel's f32 operations in its order.
 */
function trackDeltaChunkwise(p: ScanProblem, chunk: number): Tracked[] {
  const { n, t: T, dk, dv } = p;
  const C = Math.min(chunk, T);
  const nc = Math.ceil(T / C);
  const W = dv + dk;
  const o: Tracked[] = new Array(n * T * dv);
  const q = (st: number, c: number) => inp(p.q[st * dk + c]!);
  const k = (st: number, c: number) => inp(p.k[st * dk + c]!);
  for (let b = 0; b < n; b++) {
    // Entering state of each column: exact values and a 2-norm bound E on its error.
    const s: Float64Array[] = Array.from({ length: dv }, () => new Float64Array(dk));
    const sE: number[] = new Array(dv).fill(0);
    for (let ci = 0; ci < nc; ci++) {
      const c0 = ci * C;
      const c1 = Math.min(c0 + C, T);
      const L = c1 - c0;
      // scores: P[t][s − c0], A[t][s − c0], din[t]
      const P: Tracked[][] = [];
      const A: Tracked[][] = [];
      const din: Tracked[] = [];
      for (let t = c0; t < c1; t++) {
        const st = b * T + t;
        const be = inp(p.beta![st]!);
        const pr: Tracked[] = new Array(L);
        const ar: Tracked[] = new Array(L);
        let d = ONE;
        for (let x = t; x >= c0; x--) {
          const ss = b * T + x;
          let qk = ZERO;
          let kk = ZERO;
          for (let c = 0; c < dk; c++) {
            qk = add(qk, mul(q(st, c), k(ss, c)));
            kk = add(kk, mul(k(st, c), k(ss, c)));
          }
          pr[x - c0] = mul(d, qk);
          if (x < t) ar[x - c0] = mul(be, mul(d, kk));
          d = mul(d, inp(p.gates[ss]!));
        }
        P.push(pr);
        A.push(ar);
        din.push(d);
      }
      // solve: X[t − c0][r], r < dv: X_v, r = dv + c: X_w
      const X = trackSolve(A, (t, r) => {
        const st = b * T + c0 + t;
        const be = inp(p.beta![st]!);
        return r < dv ? mul(be, inp(p.v[st * dv + r]!)) : mul(be, mul(din[t]!, k(st, r - dv)));
      }, W);
      // output (z and the read of the entering state only past the first chunk)
      const last = ci === nc - 1;
      for (let t = c0; t < c1; t++) {
        const st = b * T + t;
        const z: Tracked[] = new Array(dk).fill(ZERO);
        if (nc > 1) {
          for (let c = 0; c < dk; c++) {
            let acc = ZERO;
            for (let y = t; y >= c0; y--) {
              acc = add(acc, mul(P[t - c0]![y - c0]!, X[y - c0]![dv + c]!));
            }
            z[c] = acc;
          }
        }
        for (let j = 0; j < dv; j++) {
          let acc = ZERO;
          for (let y = t; y >= c0; y--) acc = add(acc, mul(P[t - c0]![y - c0]!, X[y - c0]![j]!));
          if (nc > 1) {
            // (din·q − z)·ŝ with ŝ = s + δ, ‖δ‖₂ <= E: ‖qe‖₂E plus the rest on magnitudes.
            const sv = s[j]!;
            const E = sE[j]!;
            let r = ZERO;
            let exact = 0;
            let qn = 0;
            for (let c = 0; c < dk; c++) {
              const qe = sub(mul(din[t - c0]!, q(st, c)), z[c]!);
              r = add(r, mul({ v: Math.abs(qe.v), e: qe.e }, { v: Math.abs(sv[c]!) + E, e: 0 }));
              exact += qe.v * sv[c]!;
              qn += qe.v ** 2;
            }
            acc = add(acc, { v: exact, e: r.e + Math.sqrt(qn) * E });
          }
          o[st * dv + j] = acc;
        }
      }
      if (last) continue;
      // maps: column r of [L | B] by acc ← g·acc + k·x
      const maps: Tracked[][] = Array.from({ length: dk }, () => new Array(W));
      for (let r = 0; r < W; r++) {
        const acc: Tracked[] = new Array(dk).fill(ZERO);
        for (let t = c0; t < c1; t++) {
          const g = inp(p.gates[b * T + t]!);
          for (let c = 0; c < dk; c++) {
            acc[c] = add(mul(g, acc[c]!), mul(k(b * T + t, c), X[t - c0]![r]!));
          }
        }
        for (let c = 0; c < dk; c++) maps[c]![r] = acc[c]!;
      }
      // carry, in the 2-norm of each state column (as trackDeltaRecurrent): the exact chunk
      // map M_c = G_c − B_c is the product of the chunk's step maps, so ‖M_c‖₂ <= Π g·ρ;
      // the step's own error (B̂ − B, L̂ − L, Ĝ − G on |ŝ| <= |s| + E, and the roundings)
      // is tracked on magnitudes (|a − b| <= |a| + |b|).
      let gc = ONE;
      let rhoC = 1;
      for (let t = c0; t < c1; t++) {
        const st = b * T + t;
        gc = mul(gc, inp(p.gates[st]!));
        let kk = 0;
        for (let c = 0; c < dk; c++) kk += p.k[st * dk + c]! ** 2;
        rhoC *= p.gates[st]! * Math.max(1, Math.abs(1 - p.beta![st]! * kk));
      }
      rhoC *= 1 + DECEPTICONS_F64_SLACK_REL;
      const mag = (x: Tracked): Tracked => ({ v: Math.abs(x.v), e: x.e });
      for (let j = 0; j < dv; j++) {
        const sv = s[j]!;
        const E = sE[j]!;
        const m: Tracked[] = Array.from(sv, (x) => ({ v: Math.abs(x) + E, e: 0 }));
        const next = new Float64Array(dk);
        let eps2 = 0;
        for (let c = 0; c < dk; c++) {
          let bb = ZERO;
          let exact = gc.v * sv[c]! + maps[c]![j]!.v;
          for (let e = 0; e < dk; e++) {
            bb = add(bb, mul(mag(maps[c]![dv + e]!), m[e]!));
            exact -= maps[c]![dv + e]!.v * sv[e]!;
          }
          const local = add(add(mul(mag(gc), m[c]!), bb), mag(maps[c]![j]!));
          eps2 += local.e ** 2;
          next[c] = exact;
        }
        s[j] = next;
        sE[j] = rhoC * E + Math.sqrt(eps2) * (1 + DECEPTICONS_F64_SLACK_REL);
      }
    }
  }
  return o;
}

/**
 * Pass 1 of the backward for the gated delta rule (the adjoint recurrence), with the adjoint
 * column's error propagated in the 2-norm as in {@link trackDeltaRecurrent}: per step the
 * kernel adds q_c·do (own roundings), forms w = k·dŜ, u = k·S_{t−1}, p = dŜ·S_{t−1} (tracked
 * with |Δ_c| <= F on every entry), then dŜ_c ← g·(dŜ_c − k_c·(β·w)); the exact part maps Δ by
 * g(I − βkᵀk) (2-norm <= g·ρ), the rest is the step's own rounding ε: F ← gρF + ‖ε‖₂.
 */
function trackDeltaAdjoint(
  p: ScanProblem,
  hist: Tracked[],
  dO: Float64Array,
  dshist: Tracked[],
  wup: Tracked[],
  dvOut: Tracked[],
): void {
  const { n, t: T, dk, dv } = p;
  const u32 = U32;
  const tiny = F32_MIN_NORMAL;
  const gk = gamma32(dk);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < dv; j++) {
      const ds = new Float64Array(dk);
      let F = 0;
      for (let t = T - 1; t >= 0; t--) {
        const st = b * T + t;
        const d = dO[st * dv + j]!;
        const g = p.gates[st]!;
        const be = p.beta![st]!;
        // ds_c += q_c·d: two roundings per entry.
        let e2 = 0;
        for (let c = 0; c < dk; c++) {
          const qd = Math.abs(p.q[st * dk + c]! * d);
          const ec = u32 * qd + u32 * (Math.abs(ds[c]!) + F + qd * (1 + u32)) + 2 * tiny;
          e2 += ec * ec;
          ds[c]! += p.q[st * dk + c]! * d;
        }
        F += Math.sqrt(e2) * (1 + DECEPTICONS_F64_SLACK_REL);
        let w = ZERO;
        let u = ZERO;
        let pp = ZERO;
        let kk = 0;
        let kAbs = 0;
        for (let c = 0; c < dk; c++) {
          const dsc: Tracked = { v: ds[c]!, e: F };
          dshist[(st * dk + c) * dv + j] = dsc;
          const kc = inp(p.k[st * dk + c]!);
          w = add(w, mul(kc, dsc));
          kk += kc.v ** 2;
          kAbs += Math.abs(kc.v) * (Math.abs(ds[c]!) + F);
          if (t > 0) {
            const prev = hist[((st - 1) * dk + c) * dv + j]!;
            u = add(u, mul(kc, prev));
            pp = add(pp, mul(dsc, prev));
          }
        }
        wup[(st * dv + j) * 3] = w;
        wup[(st * dv + j) * 3 + 1] = u;
        wup[(st * dv + j) * 3 + 2] = pp;
        dvOut[st * dv + j] = mul(inp(be), w);
        // ds_c ← g·(ds_c − k_c·(β·ŵ)): ŵ's own rounding (not k·Δ, the propagated part).
        let wv = 0;
        for (let c = 0; c < dk; c++) wv += p.k[st * dk + c]! * ds[c]!;
        const ew = gk * kAbs + 2 * dk * tiny;
        const bigW = kAbs + ew;
        const ebw = be * ew + u32 * be * bigW + tiny;
        const bw = be * bigW * (1 + u32) + tiny;
        let eps2 = 0;
        for (let c = 0; c < dk; c++) {
          const kc = Math.abs(p.k[st * dk + c]!);
          const m = Math.abs(ds[c]!) + F;
          const t1 = kc * bw;
          const e1 = kc * ebw + u32 * t1 + tiny;
          const t2 = m + t1 + e1;
          const e2c = e1 + u32 * t2 + tiny;
          const e3 = g * e2c + u32 * g * (t2 + e2c) + tiny;
          eps2 += e3 * e3;
        }
        for (let c = 0; c < dk; c++) ds[c] = g * (ds[c]! - p.k[st * dk + c]! * (be * wv));
        const rho = Math.max(1, Math.abs(1 - be * kk)) * (1 + DECEPTICONS_F64_SLACK_REL);
        F = g * rho * F + Math.sqrt(eps2) * (1 + DECEPTICONS_F64_SLACK_REL);
      }
    }
  }
}

/**
 * Bounds of the backward kernels (on the recurrent forward's history). Retention's learned γ
 * takes the decay-gradient scan: per column, backwards over t, E_t = g·E_{t+1} + dS_{t+1} (0 at
 * the last step), w = Σ_c k_t[c]·E_t[c] in row order, a_j += w·v_t[j]; dγ sums the columns'
 * a_j in any order.
 */
function trackBackward(p: ScanProblem, hist: Tracked[], dO: Float64Array, perSeq: boolean) {
  const { n, t: T, dk, dv } = p;
  const dshist: Tracked[] = new Array(n * T * dk * dv);
  const wup: Tracked[] = new Array(n * T * dv * 3);
  const dvOut: Tracked[] = new Array(n * T * dv);
  const decaySums: Tracked[] = new Array(n * dv).fill(ZERO);
  if (p.beta) trackDeltaAdjoint(p, hist, dO, dshist, wup, dvOut);
  for (let b = 0; b < (p.beta ? 0 : n); b++) {
    for (let j = 0; j < dv; j++) {
      const ds: Tracked[] = new Array(dk).fill(ZERO);
      const es: Tracked[] = new Array(dk).fill(ZERO);
      for (let t = T - 1; t >= 0; t--) {
        const st = b * T + t;
        if (perSeq) {
          // dS_{t+1} before its decay, and the gate of step t + 1 (0 past the end).
          const gNext = t + 1 < T ? inp(p.gates[st + 1]!) : ZERO;
          let wE = ZERO;
          for (let c = 0; c < dk; c++) {
            const next = t + 1 < T ? dshist[((st + 1) * dk + c) * dv + j]! : ZERO;
            es[c] = add(mul(gNext, es[c]!), next);
            wE = add(wE, mul(inp(p.k[st * dk + c]!), es[c]!));
          }
          decaySums[b * dv + j] = add(decaySums[b * dv + j]!, mul(wE, inp(p.v[st * dv + j]!)));
        }
        const d = inp(dO[st * dv + j]!);
        let w = ZERO;
        let u = ZERO;
        let pp = ZERO;
        for (let c = 0; c < dk; c++) {
          ds[c] = add(ds[c]!, mul(inp(p.q[st * dk + c]!), d));
          dshist[(st * dk + c) * dv + j] = ds[c]!;
          const kc = inp(p.k[st * dk + c]!);
          w = add(w, mul(kc, ds[c]!));
          if (t > 0) {
            const prev = hist[((st - 1) * dk + c) * dv + j]!;
            u = add(u, mul(kc, prev));
            pp = add(pp, mul(ds[c]!, prev));
          }
        }
        wup[(st * dv + j) * 3] = w;
        wup[(st * dv + j) * 3 + 1] = u;
        wup[(st * dv + j) * 3 + 2] = pp;
        const g = inp(p.gates[st]!);
        const [be, bw] = strengths(p, st);
        dvOut[st * dv + j] = mul(bw, w);
        const bwk = mul(be, w);
        for (let c = 0; c < dk; c++) ds[c] = mul(g, sub(ds[c]!, mul(inp(p.k[st * dk + c]!), bwk)));
      }
    }
  }
  const dq: Tracked[] = new Array(n * T * dk);
  const dk_: Tracked[] = new Array(n * T * dk);
  const dg: Tracked[] = new Array(n * T);
  const db: Tracked[] = new Array(n * T);
  for (let st = 0; st < n * T; st++) {
    const t = st % T;
    const g = inp(p.gates[st]!);
    const [be, bw] = strengths(p, st);
    let g1 = ZERO;
    let b1 = ZERO;
    for (let j = 0; j < dv; j++) {
      const w = wup[(st * dv + j) * 3]!;
      const u = wup[(st * dv + j) * 3 + 1]!;
      g1 = add(g1, sub(wup[(st * dv + j) * 3 + 2]!, mul(be, mul(w, u))));
      b1 = add(b1, mul(w, sub(inp(p.v[st * dv + j]!), mul(g, u))));
    }
    dg[st] = g1;
    db[st] = b1;
    const gb = mul(g, be);
    for (let c = 0; c < dk; c++) {
      const row = (st * dk + c) * dv;
      let aq = ZERO;
      let ak = ZERO;
      for (let j = 0; j < dv; j++) {
        const ds = dshist[row + j]!;
        aq = add(aq, mul(hist[row + j]!, inp(dO[st * dv + j]!)));
        const prev = t > 0 ? hist[row - dk * dv + j]! : ZERO;
        const w = wup[(st * dv + j) * 3]!;
        const u = wup[(st * dv + j) * 3 + 1]!;
        ak = add(
          ak,
          sub(mul(bw, mul(ds, inp(p.v[st * dv + j]!))), mul(gb, add(mul(ds, u), mul(prev, w)))),
        );
      }
      dq[st * dk + c] = aq;
      dk_[st * dk + c] = ak;
    }
  }
  // Retention's dγ sums the decay scan's per-column sums (the `sum` op over the padded
  // column blocks): any order.
  const padded = 4 * Math.ceil(dv / 4);
  const dGates = perSeq
    ? Array.from({ length: n }, (_, b) => trackSum(decaySums.slice(b * dv, (b + 1) * dv), padded))
    : dg;
  return { dq, dk: dk_, dv: dvOut, dGates, dBeta: p.beta ? db : null };
}

function sumPerSeq(x: Float64Array, n: number, t: number): Float64Array {
  return Float64Array.from({ length: n }, (_, b) => {
    let s = 0;
    for (let i = 0; i < t; i++) s += x[b * t + i]!;
    return s;
  });
}

/** A kernel run: the form and its chunk (the options' default 32 when 0). */
interface Run {
  readonly form: RetentionForm;
  readonly chunk: number;
  /** Gates that need no gradient (the backward's three-scan path): dq, dk, dv compared. */
  readonly fixedGates?: boolean;
}

function runLabel({ form, chunk, fixedGates }: Run): string {
  return (form === "chunkwise" ? `${form} c=${chunk}` : form) + (fixedGates ? " fixed gates" : "");
}

function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** Per-element bounds of tracked values: e·(1 + 2⁻²⁰), the ledger's reference factor. */
function atolOf(bounds: readonly Tracked[]): Float64Array {
  return Float64Array.from(bounds, (b) => b.e * FW_REFERENCE_FACTOR);
}

/** The tracked bounds of a forward run. */
function forwardBounds(c: Case, { form, chunk }: Run): Tracked[] {
  return form === "recurrent"
    ? trackRecurrent(c.p).o
    : c.p.beta
    ? trackDeltaChunkwise(c.p, chunk)
    : trackChunkwise(c.p, chunk, form === "parallel");
}

/** Adds each run's GPU forward against the oracle's sequential recurrence to `out`. */
async function compareForward(out: Comparison, c: Case, runs: readonly Run[]): Promise<void> {
  const ref = scanForward(c.p).o;
  for (const run of runs) {
    const gpu = await runGpu(c, run.form, run.chunk, false);
    out.add(`o ${runLabel(run)}`, gpu.o, ref, atolOf(forwardBounds(c, run)));
  }
}

/** Adds each run's GPU gradients against the oracle's analytic gradients to `out`. */
async function compareGradients(out: Comparison, c: Case, runs: readonly Run[]): Promise<void> {
  const ref: ScanGradients = scanBackward(c.p, scanForward(c.p), c.w);
  const bounds = trackBackward(c.p, trackRecurrent(c.p).hist, c.w, c.gamma !== null);
  const dG = c.gamma ? sumPerSeq(ref.dGates, c.p.n, c.p.t) : ref.dGates;
  for (const run of runs) {
    const gs = (await runGpu(c, run.form, run.chunk, true, run.fixedGates)).grads!;
    const tag = runLabel(run);
    out.add(`${tag} dq`, gs[0]!, ref.dq, atolOf(bounds.dq));
    out.add(`${tag} dk`, gs[1]!, ref.dk, atolOf(bounds.dk));
    out.add(`${tag} dv`, gs[2]!, ref.dv, atolOf(bounds.dv));
    if (run.fixedGates) continue;
    out.add(`${tag} d${c.gamma ? "gamma" : "gates"}`, gs[3]!, dG, atolOf(bounds.dGates));
    if (ref.dBeta) out.add(`${tag} dbeta`, gs[4]!, ref.dBeta, atolOf(bounds.dBeta!));
  }
}

// ---------------------------------------------------------------- fuzz shapes

const FORMS: readonly RetentionForm[] = ["recurrent", "parallel", "chunkwise"];
const shapeArb = fc.record({
  seed: fc.integer({ min: 1, max: 1e6 }),
  n: fc.integer({ min: 1, max: 3 }),
  t: fc.oneof(fc.constantFrom(1, 2, 31, 32, 33, 64), fc.integer({ min: 1, max: 70 })),
  dk: fc.constantFrom(1, 3, 4),
  dv: fc.constantFrom(1, 2, 5),
  chunk: fc.oneof(fc.constantFrom(1, 8, 16, 32), fc.integer({ min: 1, max: 23 })),
  gateIndex: fc.integer({ min: 0, max: RET_TEST_GATES.length - 1 }),
  form: fc.constantFrom(...FORMS),
});
type Shape = typeof shapeArb extends fc.Arbitrary<infer S> ? S : never;

/** A keep-gate pattern for the gated mechanisms: fixed runs of a test gate, or random. */
function gatedGate(s: Shape) {
  const base = RET_TEST_GATES[s.gateIndex]!;
  return (_b: number, t: number, r: () => number) =>
    (t >> 3) % 2 === 0 ? base : 1e-3 + (1 - 1e-3) * r();
}

function retentionCase(s: Shape): Case {
  return makeCase(
    "retention",
    s.seed,
    s.n,
    s.t,
    s.dk,
    s.dv,
    (b) => RET_TEST_GATES[(s.gateIndex + b) % RET_TEST_GATES.length]!,
  );
}

/** A fixed case: a built problem and the kernels it runs. */
interface Fixed {
  readonly problem: Case;
  readonly runs: readonly Run[];
}

/**
 * A GPU claim over fixed cases and 100 fuzzed shapes (`build` makes a fuzzed shape's problem
 * and runs), comparing with `compare` (forward or gradients).
 */
function retentionClaim(
  t: Deno.TestContext,
  compare: (out: Comparison, c: Case, runs: readonly Run[]) => Promise<void>,
  fixed: NamedCase<Fixed>[],
  build: (s: Shape) => Fixed,
): Promise<Measurement> {
  return differential<Fixed | Shape>(t, {
    cases: fixed,
    fuzz: { arbitrary: shapeArb, name: (s) => `fuzz ${JSON.stringify(s)}` },
    ...jointly(async (input) => {
      const { problem, runs } = "problem" in input ? input : build(input);
      const out = new Comparison();
      await compare(out, problem, runs);
      return out;
    }),
  });
}

/** The named fixed cases of one problem: one case per run, `<run> <what>`. */
function perRun(problem: Case, runs: readonly Run[], what: string): NamedCase<Fixed>[] {
  return runs.map((run) => ({ name: `${runLabel(run)} ${what}`, input: { problem, runs: [run] } }));
}

/** Every form at the shape's chunk. */
const allForms = (s: Shape): Run[] => FORMS.map((form) => ({ form, chunk: s.chunk }));

// ---------------------------------------------------------------- claims

/** One head per test gate (0.18 … 1.0). */
const bigGate = (b: number) => RET_TEST_GATES[b]!;

claimTest(RET_GPU_FORMS, (t) => {
  // T = 4096, d_k = 8: the recurrent forward splits over two dispatches (loop budget).
  const big = makeCase("retention", 11, RET_TEST_GATES.length, 4096, 8, 2, bigGate);
  // The parallel form is O(T²) per sequence: its big case is T = 512.
  const mid = makeCase("retention", 12, RET_TEST_GATES.length, 512, 4, 2, bigGate);
  return retentionClaim(t, compareForward, [
    ...perRun(big, [
      { form: "recurrent", chunk: 32 },
      { form: "chunkwise", chunk: 32 },
      { form: "chunkwise", chunk: 48 },
    ], "T=4096"),
    ...perRun(mid, [{ form: "parallel", chunk: 0 }], "T=512"),
  ], (s) => ({ problem: retentionCase(s), runs: allForms(s) }));
});

claimTest(RET_GPU_GRADIENTS, (t) => {
  const big = makeCase("retention", 13, RET_TEST_GATES.length, 4096, 8, 1, bigGate);
  // Heads of 16 × 16 (the vec4 scans), γ learned and fixed.
  const heads = makeCase("retention", 14, RET_TEST_GATES.length, 512, 16, 16, bigGate);
  // Past the loop budget (one launch runs at most budget − 1 steps) every scan splits T over
  // two launches that carry its state, and the decay scan its E and its sums.
  const budget = gpu().maxLoopIterations;
  const longT = Number.isFinite(budget) ? Math.ceil(1.1 * budget) : 4096;
  const long = makeCase("retention", 15, 1, longT, 4, 4, () => 0.97);
  return retentionClaim(
    t,
    compareGradients,
    [
      ...perRun(big, [{ form: "chunkwise", chunk: 64 }, {
        form: "recurrent",
        chunk: 32,
        fixedGates: true,
      }], "T=4096"),
      ...perRun(heads, [{ form: "recurrent", chunk: 32 }, {
        form: "recurrent",
        chunk: 32,
        fixedGates: true,
      }], "T=512 16×16"),
      ...perRun(long, [{ form: "recurrent", chunk: 32 }, {
        form: "recurrent",
        chunk: 32,
        fixedGates: true,
      }], `T=${longT} (two launches)`),
    ],
    // Every other fuzzed shape takes γ fixed.
    (s) => ({
      problem: retentionCase(s),
      runs: [{ form: s.form, chunk: s.chunk, fixedGates: s.seed % 2 === 1 }],
    }),
  );
});

/** Gated cases: runs of each test gate, the original's init keep 0.483, and random keeps. */
function gatedBig(mode: Mode, seed: number): Case {
  return makeCase(mode, seed, 2, 4096, 8, 4, (b, t, r) => {
    const phase = Math.floor(t / 256) % 8;
    if (phase < RET_TEST_GATES.length) return RET_TEST_GATES[phase]!;
    if (phase === 6) return b === 0 ? 0.483 : 0.0038 + (0.513 - 0.0038) * r();
    return 1e-3 + (1 - 1e-3) * r();
  });
}

/** A fuzzed gated problem of `mode`. */
function gatedCase(mode: Mode, s: Shape): Case {
  return makeCase(mode, s.seed, s.n, s.t, s.dk, s.dv, gatedGate(s));
}

claimTest(GRET_GPU_FORMS, (t) => {
  const big = gatedBig("gated_retention", 21);
  const mid = makeCase(
    "gated_retention",
    22,
    2,
    512,
    4,
    2,
    (_b, t, r) => t % 5 === 0 ? 0.18 : r(),
  );
  return retentionClaim(t, compareForward, [
    ...perRun(big, [
      { form: "recurrent", chunk: 32 },
      { form: "chunkwise", chunk: 32 },
      { form: "chunkwise", chunk: 48 },
    ], "T=4096"),
    ...perRun(mid, [{ form: "parallel", chunk: 0 }], "T=512"),
  ], (s) => ({ problem: gatedCase("gated_retention", s), runs: allForms(s) }));
});

claimTest(GRET_GPU_GRADIENTS, (t) => {
  const big = gatedBig("gated_retention", 23);
  return retentionClaim(
    t,
    compareGradients,
    perRun(big, [{ form: "recurrent", chunk: 32 }, {
      form: "recurrent",
      chunk: 32,
      fixedGates: true,
    }], "T=4096"),
    (s) => ({
      problem: gatedCase("gated_retention", s),
      runs: [{ form: s.form, chunk: s.chunk, fixedGates: s.seed % 2 === 1 }],
    }),
  );
});

/** The delta rule's gates: each test gate held for the whole sequence, or random in (0, 1]. */
const DELTA_GATES = [...RET_TEST_GATES, "random"] as const;

/** The delta rule's forms for a fuzzed form: the parallel draw runs chunkwise. */
const deltaForm = (form: RetentionForm): RetentionForm =>
  form === "recurrent" ? "recurrent" : "chunkwise";

claimTest(GDELTA_GPU_FORWARD, async (t) => {
  const big = gatedBig("gated_delta", 31);
  // T = 4096 chunkwise: a chunk that divides T and one that does not.
  const cases = perRun(big, [
    { form: "recurrent", chunk: 0 },
    { form: "chunkwise", chunk: 64 },
    { form: "chunkwise", chunk: 48 },
  ], "T=4096");
  // Per gate: every step at that gate (or random), chunks that divide T = 320 and not.
  const chunkwise: Run[] = [32, 40, 48].map((chunk) => ({ form: "chunkwise", chunk }));
  const gateCases = new Map<Case, string>();
  for (const [i, gate] of DELTA_GATES.entries()) {
    const c = makeCase(
      "gated_delta",
      33 + i,
      1,
      320,
      4,
      3,
      (_b, _t, r) => gate === "random" ? 1e-3 + (1 - 1e-3) * r() : gate,
    );
    gateCases.set(c, String(gate));
    cases.push({
      name: `gate ${gate} T=320`,
      input: { problem: c, runs: [...chunkwise, { form: "recurrent", chunk: 0 }] },
    });
  }
  // Per gate, how tight the bounds are and the chunkwise worst ratio (reported).
  const perGate: string[] = [];
  const m = await retentionClaim(
    t,
    async (out, c, runs) => {
      await compareForward(out, c, runs);
      const gate = gateCases.get(c);
      if (gate === undefined) return;
      const scale = maxAbs(out.oracle[`o ${runLabel(chunkwise[0]!)}`]!);
      let tight = 0;
      let ratio = 0;
      for (const run of chunkwise) {
        for (const b of trackDeltaChunkwise(c.p, run.chunk)) tight = Math.max(tight, b.e / scale);
        const key = `o ${runLabel(run)}`;
        ratio = Math.max(
          ratio,
          checkClose(out.gpu[key]!, out.oracle[key]!, { atol: out.bound[key]! }).ratio,
        );
      }
      let tightRec = 0;
      for (const b of trackRecurrent(c.p).o) tightRec = Math.max(tightRec, b.e / scale);
      perGate.push(
        `${gate}: ${ratio.toFixed(3)} (bound <= ${tight.toExponential(1)}·max|o|; ` +
          `recurrent's ${tightRec.toExponential(1)})`,
      );
    },
    cases,
    (s) => ({
      problem: gatedCase("gated_delta", s),
      runs: [{ form: "recurrent", chunk: 0 }, { form: "chunkwise", chunk: s.chunk }],
    }),
  );
  return {
    ...m,
    detail: `chunkwise worst ratio per gate (T=320, chunks 32, 40, 48): ${
      perGate.join(", ")
    }; ${m.detail}`,
  };
});

claimTest(GDELTA_GPU_GRADIENTS, async (t) => {
  const big = gatedBig("gated_delta", 32);
  // How tight the tracked bounds are on the T = 4096 case (runs of gate 1.0 included).
  let tightness: string[] = [];
  const m = await retentionClaim(
    t,
    async (out, c, runs) => {
      await compareGradients(out, c, runs);
      if (c !== big) return;
      tightness = (["dq", "dk", "dv", "dgates", "dbeta"] as const).map((key) => {
        const scale = maxAbs(out.oracle[`recurrent ${key}`]!);
        // The bounds carry the reference factor: report the tracked bound itself.
        const e = maxAbs(out.bound[`recurrent ${key}`] as Float64Array) / FW_REFERENCE_FACTOR;
        return `${key} ${(e / scale).toExponential(1)}`;
      });
    },
    perRun(big, [{ form: "recurrent", chunk: 0 }], "T=4096"),
    (s) => ({
      problem: gatedCase("gated_delta", s),
      runs: [{ form: deltaForm(s.form), chunk: s.chunk }],
    }),
  );
  return {
    ...m,
    detail: `T=4096 max bound / max|reference|: ${tightness.join(", ")}; fuzzed cases through ` +
      `the recurrent and chunkwise forward; ${m.detail}`,
  };
});

// ---------------------------------------------------------------- causality

function perturbAt(c: Case, t0: number, seed: number): Case {
  const r = uniform(seed);
  const p = c.p;
  const cp: ScanProblem = {
    ...p,
    q: p.q.slice(),
    k: p.k.slice(),
    v: p.v.slice(),
    gates: p.gates.slice(),
    beta: p.beta ? p.beta.slice() : null,
  };
  for (let b = 0; b < p.n; b++) {
    const st = b * p.t + t0;
    for (let i = 0; i < p.dk; i++) {
      cp.q[st * p.dk + i] = Math.fround(3 * r() - 1.5);
      cp.k[st * p.dk + i] = Math.fround(3 * r() - 1.5);
    }
    for (let i = 0; i < p.dv; i++) cp.v[st * p.dv + i] = Math.fround(5 * r() - 2.5);
    if (!c.gamma) cp.gates[st] = Math.fround(0.05 + 0.9 * r());
    if (cp.beta) cp.beta[st] = Math.fround(r());
  }
  return { ...c, p: cp };
}

claimTest(RET_CAUSALITY, async () => {
  const T = 70;
  const t0 = 37;
  let changed = 0;
  let checked = 0;
  const kernels: [Mode, RetentionForm, number][] = [
    ["retention", "recurrent", 0],
    ["retention", "parallel", 0],
    ["retention", "chunkwise", 16],
    ["retention", "chunkwise", 9],
    ["gated_retention", "recurrent", 0],
    ["gated_retention", "parallel", 0],
    ["gated_retention", "chunkwise", 16],
    ["gated_delta", "recurrent", 0],
    ["gated_delta", "chunkwise", 16],
    ["gated_delta", "chunkwise", 9],
  ];
  const parts: string[] = [];
  for (const [mode, form, chunk] of kernels) {
    const base = makeCase(mode, 41, 2, T, 3, 2, (_b, _t, r) => 0.2 + 0.8 * r());
    const a = await runGpu(base, form, chunk, false);
    const b = await runGpu(perturbAt(base, t0, 42), form, chunk, false);
    let diff = 0;
    for (let n = 0; n < 2; n++) {
      for (let i = 0; i < t0 * 2; i++) {
        const idx = n * T * 2 + i;
        checked++;
        if (!Object.is(a.o[idx], b.o[idx])) diff++;
      }
    }
    // The impulse must show at t₀ itself (the test can see a change).
    let seen = 0;
    for (let i = t0 * 2; i < T * 2; i++) if (a.o[i] !== b.o[i]) seen++;
    if (seen === 0) diff++;
    changed += diff;
    parts.push(`${mode}/${form}${chunk ? chunk : ""}: ${diff}`);
    // Backward: an impulse in ∂L/∂o at t₀ changes no input gradient after t₀.
    if (form === "recurrent" || mode === "gated_delta") {
      const ga = await runGpu(base, form, chunk, true);
      const w2 = base.w.slice();
      for (let n = 0; n < 2; n++) for (let j = 0; j < 2; j++) w2[(n * T + t0) * 2 + j] = 7.5;
      const gb = await runGpu({ ...base, w: w2 }, form, chunk, true);
      let bdiff = 0;
      const widths = [3, 3, 2];
      for (let gi = 0; gi < 3; gi++) {
        const width = widths[gi]!;
        for (let n = 0; n < 2; n++) {
          for (let t = t0 + 1; t < T; t++) {
            for (let i = 0; i < width; i++) {
              const idx = (n * T + t) * width + i;
              checked++;
              if (!Object.is(ga.grads![gi]![idx], gb.grads![gi]![idx])) bdiff++;
            }
          }
        }
      }
      changed += bdiff;
      parts.push(`${mode} backward: ${bdiff}`);
    }
  }
  return {
    figure: changed,
    bound: 0,
    pass: changed === 0,
    detail: `t₀ = ${t0}, T = ${T}; changed values per kernel: ${
      parts.join(", ")
    }; ${checked} compared`,
  };
});

// ---------------------------------------------------------------- PyTorch fixtures

interface FixtureCase {
  name: string;
  kind: Mode;
  chunk: number;
  [key: string]: unknown;
}

claimTest(RET_FIXTURES, async (t) => {
  const path = "fixtures/decepticons/retention.json";
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: FixtureCase[] }>(
    path,
    "memspec.decepticons.retention.v1",
  );
  const arr = (c: FixtureCase, key: string) => {
    const a = c[key] as EncodedArray | undefined;
    if (a === undefined) throw new SyntaxError(`Cannot read ${path}: case ${c.name} lacks ${key}`);
    return f64(a, `${path} ${c.name}.${key}`);
  };
  // Each case through each form: the oracle against PyTorch within FIXTURE_F64_REL of the
  // array's largest magnitude (at least 1), and the GPU against PyTorch within its bounds.
  const cases: NamedCase<{ fx: FixtureCase; form: RetentionForm }>[] = [];
  for (const fx of data.cases) {
    const forms: RetentionForm[] = fx.kind === "gated_delta"
      ? ["recurrent"]
      : ["recurrent", "parallel", "chunkwise"];
    for (const form of forms) cases.push({ name: `${fx.name} ${form}`, input: { fx, form } });
  }
  const relBound = (torch: Float64Array) => {
    let scale = 1;
    for (const x of torch) scale = Math.max(scale, Math.abs(x));
    return FIXTURE_F64_REL * scale;
  };
  const m = await differential(t, {
    cases,
    ...jointly<{ fx: FixtureCase; form: RetentionForm }>(async ({ fx, form }) => {
      const q = arr(fx, "q");
      const [n, T, dk] = (fx.q as EncodedArray).shape as [number, number, number];
      const dv = (fx.v as EncodedArray).shape[2]!;
      const retentionKind = fx.kind === "retention";
      const g = arr(fx, retentionKind ? "gamma" : "gates");
      const gates = retentionKind
        ? Float64Array.from({ length: n * T }, (_, i) => g[Math.floor(i / T)]!)
        : g;
      const p: ScanProblem = {
        n,
        t: T,
        dk,
        dv,
        q,
        k: arr(fx, "k"),
        v: arr(fx, "v"),
        gates,
        beta: fx.kind === "gated_delta" ? arr(fx, "beta") : null,
      };
      const w = arr(fx, "w");
      const c: Case = { mode: fx.kind, p, gamma: retentionKind ? g : null, w };
      const f = scanForward(p);
      const grads = scanBackward(p, f, w);
      const out = new Comparison();
      const oracle = (key: string, ours: ArrayLike<number>) => {
        const torch = arr(fx, `${key}_${form}`);
        out.add(`oracle ${key}`, ours, torch, relBound(torch));
      };
      oracle(
        "o",
        form === "recurrent"
          ? f.o
          : form === "parallel"
          ? retentionParallel(p)
          : retentionChunkwise(p, fx.chunk),
      );
      oracle("dq", grads.dq);
      oracle("dk", grads.dk);
      oracle("dv", grads.dv);
      oracle(
        retentionKind ? "dgamma" : "dgates",
        retentionKind ? sumPerSeq(grads.dGates, n, T) : grads.dGates,
      );
      if (grads.dBeta) oracle("dbeta", grads.dBeta);
      // The GPU against PyTorch's values within the tracked f32 bounds.
      const bounds = form === "recurrent"
        ? trackRecurrent(p).o
        : trackChunkwise(p, fx.chunk, form === "parallel");
      const gpu = await runGpu(c, form, fx.chunk, false);
      out.add("GPU o", gpu.o, arr(fx, `o_${form}`), atolOf(bounds));
      return out;
    }),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

Deno.test({
  name: "retention ops validate shapes, forms and chunks before any GPU work",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { liveBufferCount } = await import("../../../impl/mod.ts");
    const q = tensor(new Float32Array(2 * 5 * 3), [2, 5, 3]);
    const v = tensor(new Float32Array(2 * 5 * 4), [2, 5, 4]);
    const g = tensor(new Float32Array(2 * 5).fill(0.5), [2, 5]);
    const gamma = tensor([0.5, 0.9], [2]);
    const bad = tensor(new Float32Array(2 * 4 * 3), [2, 4, 3]);
    const before = liveBufferCount();
    const throwsWith = (fn: () => unknown, type: ErrorConstructor, text: string) => {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof type) || !(e as Error).message.includes(text)) {
          throw new Error(`expected ${type.name} with "${text}", got ${e}`);
        }
        return;
      }
      throw new Error(`expected ${type.name} with "${text}", nothing thrown`);
    };
    throwsWith(
      () => retention(q, bad, v, gamma),
      TypeError,
      "Cannot retention tensors of shapes q [2, 5, 3], k [2, 4, 3], v [2, 5, 4], gamma [2]",
    );
    throwsWith(() => retention(q, q, v, g), TypeError, "gamma must be [2]");
    throwsWith(() => gatedRetention(q, q, v, gamma), TypeError, "gates must be [2, 5]");
    throwsWith(() => gatedDelta(q, q, v, g, gamma), TypeError, "beta must be [2, 5]");
    throwsWith(() => retention(q, q, v, gamma, { chunk: 0 }), RangeError, "chunk 0");
    throwsWith(
      () => retention(q, q, v, gamma, { form: "fast" as RetentionForm }),
      RangeError,
      'form "fast"',
    );
    throwsWith(
      () => gatedDelta(q, q, v, g, g, { form: "parallel" as "recurrent" }),
      RangeError,
      'form "parallel": expected "recurrent" or "chunkwise"',
    );
    throwsWith(
      () => gatedDelta(q, q, v, g, g, { form: "chunkwise", chunk: 2.5 }),
      RangeError,
      "chunk 2.5",
    );
    if (liveBufferCount() !== before) throw new Error("a refused call allocated GPU buffers");
    // d_k = 256: the delta carry alone needs 256·257 loop iterations per chunk.
    const wide = tensor(new Float32Array(2 * 5 * 256), [2, 5, 256]);
    const before2 = liveBufferCount();
    throwsWith(
      () => gatedDelta(wide, wide, v, g, g, { form: "chunkwise", chunk: 4 }),
      RangeError,
      "exceed this adapter's limit",
    );
    if (liveBufferCount() !== before2) throw new Error("a refused call allocated GPU buffers");
    for (const t of [q, v, g, gamma, bad, wide]) t.dispose();
  },
});
