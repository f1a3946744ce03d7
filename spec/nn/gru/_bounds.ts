/**
 * Error bounds of the GRU on the GPU (f32, impl/nn/gru/gru.ts) against the f64
 * oracle (spec/oracle/nn/gru.ts): one rigorous bound per state and per
 * gradient element.
 *
 * ## Derivation
 *
 * Running error analysis (Higham, Accuracy and Stability of Numerical Algorithms, section 3.3) with the
 * ledger's rules (invariants/tolerance.ts: `track`, `trackBuiltins`,
 * `trackSum`): every value the GPU computes is a pair (v, e), v its exact value
 * on the same f32 inputs, e a bound on |computed − v|. The walk follows the
 * GPU's work in order:
 *
 * - gi = x·W_ihᵀ (matmul, inner length I) + b_ih (the broadcast add, one
 *   rounding): matmul C = A·B with inner length L is bounded by
 *   |A|·e_B + e_A·|B| + e_A·e_B + γ_L·(|A| + e_A)(|B| + e_B) + 2L·2⁻¹²⁶ whatever
 *   order the kernel sums in (each product meets ≤ L roundings).
 * - The recurrence. Tracking h_{t−1}'s error through every operation of a step
 *   (the product rule on |W|) over-counts by the absolute Jacobian each step,
 *   which grows geometrically over T although the GRU contracts; instead each
 *   step's error is split into (a) the step's own roundings, tracked operation
 *   by operation with h_{t−1} exact: a = b_hh + Σ_k W·h_k in order k = 0 … H − 1,
 *   r = 1/(1 + exp(−(gi + a))) (WGSL exp 3 + 2|x| ulp, division 2.5 ulp),
 *   n = tanh(clamp(gi_n + r·a_n, −15, 15)) (tanh inherited from sinh/cosh, the
 *   clamp 1-Lipschitz), h' = n + z·(h − n), gi's own error included; and (b)
 *   h_{t−1}'s error moved by the step's exact Jacobian J_t = ∂h_t/∂h_{t−1} at the
 *   oracle's values. The error is kept as columns Σ_c col_c·δ_c (|δ_c| ≤ 1,
 *   independent): each step applies J_t to every column and adds one column per
 *   unit for (a); its bound is Σ_c |col_c|. Columns older than a window are boxed
 *   (replaced by the axis columns of their bound: a superset), which keeps the
 *   cost linear in T. The stored gates' errors are (a) plus |∂gate/∂h_{t−1}|
 *   times h_{t−1}'s bound.
 * - The backward kernel likewise: its operations tracked on the forward's
 *   tracked gates and states with ∂h exact: ∂h = carry + ∂L/∂h_t,
 *   ∂z = ∂h·(h_{t−1} − n), ∂n̂ = (∂h·(1 − z))·(1 − n·n), ∂r̂ = (∂n̂·a_n)·(r·(1 − r)),
 *   ∂ẑ = ∂z·(z·(1 − z)), ∂gh_n = ∂n̂·r, carry = ∂h·z + Σ_k ∂gh_k·W_hh[k, j] in
 *   order k = 0 … 3H − 1; the carry is J_tᵀ·∂h exactly, so the carried error's
 *   columns move by J_tᵀ, and every per-step output gets |∂output/∂(∂h)| times
 *   the carried error's bound.
 *
 *   Splitting (a) from (b) is a first-order analysis: it drops products of two
 *   errors (relative size ~10⁻⁵ of the bounds here).
 * - ∂W_hh = ∂ghᵀ·[h0; h_{0…T−2}] and ∂W_ih = ∂giᵀ·x (inner length B·T),
 *   ∂x = ∂gi·W_ih (inner length 3H): the matmul rule on tracked operands.
 * - ∂b_hh, ∂b_ih: sumToShape over B·T rows, one or two passes of sequential
 *   sums, so a term meets at most (c − 1) + (m − 1) ≤ 2·B·T − 2 additions
 *   (c rows per chunk, m chunks); the bound takes k = 2·B·T − 1.
 * - Reshapes, slices, concatenation and the gradient hand-offs of autograd are
 *   exact moves (each leaf receives one gradient: no accumulation).
 *
 * The f64 oracle's own distance from the exact values is far below 10⁻¹² of
 * the magnitudes at these sizes; the comparison adds FIXTURE_F64_REL·(1 + |v|).
 *
 * @module
 */
import {
  F32_MIN_NORMAL,
  gamma32,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
} from "../../../invariants/tolerance.ts";
import { matmulForward } from "../../oracle/matmul.ts";
import type { GruGeometry, GruOracleInputs } from "../../oracle/nn/gru.ts";

/** Tracked arrays: exact values v and error bounds e, row-major. */
export interface TA {
  readonly v: Float64Array;
  readonly e: Float64Array;
}

/** Bounds of one call: the states and every gradient of Σ g ⊙ h. */
export interface GruBounds {
  hs: TA;
  grads: { x: TA; wIh: TA; wHh: TA; bIh: TA; bHh: TA; h0: TA };
}

const E = { ...track, ...trackBuiltins };
const ONE: Tracked = { v: 1, e: 0 };

function mm(
  a: Float64Array,
  aShape: readonly [number, number],
  b: Float64Array,
  bShape: readonly [number, number],
  transA: boolean,
  transB: boolean,
): Float64Array {
  return matmulForward(
    { shape: aShape, data: a },
    { shape: bShape, data: b },
    { transA: transA ? 1 : 0, transB: transB ? 1 : 0 },
  ).data;
}

function loaded(x: Float64Array): TA {
  return { v: x, e: x.map((v) => (Math.abs(v) < F32_MIN_NORMAL ? Math.abs(v) : 0)) };
}

function absPlus(x: TA): Float64Array {
  return x.v.map((v, i) => Math.abs(v) + x.e[i]!);
}

/** C = op(A)·op(B), inner length L: the product rule on errors plus γ_L of the magnitudes. */
function matmul(
  a: TA,
  aShape: readonly [number, number],
  b: TA,
  bShape: readonly [number, number],
  transA = false,
  transB = false,
): TA {
  const L = transA ? aShape[0] : aShape[1];
  const v = mm(a.v, aShape, b.v, bShape, transA, transB);
  const p1 = mm(a.v.map(Math.abs), aShape, b.e, bShape, transA, transB);
  const p2 = mm(a.e, aShape, b.v.map(Math.abs), bShape, transA, transB);
  const p3 = mm(a.e, aShape, b.e, bShape, transA, transB);
  const mag = mm(absPlus(a), aShape, absPlus(b), bShape, transA, transB);
  const g = gamma32(L);
  const e = v.map((_, i) => p1[i]! + p2[i]! + p3[i]! + g * mag[i]! + 2 * L * F32_MIN_NORMAL);
  return { v, e };
}

/** Column sums of x [rows, cols] through sumToShape (k = 2·rows − 1, see the module notes). */
function colSums(x: TA, cols: number): TA {
  const rows = x.v.length / cols;
  const v = new Float64Array(cols);
  const e = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    const terms: Tracked[] = [];
    for (let r = 0; r < rows; r++) terms.push({ v: x.v[r * cols + c]!, e: x.e[r * cols + c]! });
    const s = trackSum(terms, Math.max(0, 2 * rows - 1));
    v[c] = s.v;
    e[c] = s.e;
  }
  return { v, e };
}

/** Error columns kept exactly before they are boxed: at most this many steps' worth. */
function window(h: number): number {
  return Math.max(4, Math.min(64, Math.floor(4096 / h)));
}

/**
 * An error e ∈ R^H known as Σ_c col_c·δ_c with every |δ_c| ≤ 1 (independent signs): a
 * linear map L moves it to Σ (L col_c)·δ_c exactly, and |e| ≤ Σ_c |col_c| componentwise
 * (the box). Past `window` steps' worth of columns they are replaced by the box's H
 * axis columns (a superset of the possible errors), which bounds the cost.
 */
class ErrorColumns {
  #cols: Float64Array[] = [];
  constructor(readonly h: number, readonly windowSteps: number) {}
  /** Adds independent errors |e_j| ≤ box_j (one column per component). */
  addBox(box: ArrayLike<number>): void {
    for (let j = 0; j < this.h; j++) {
      if (box[j]! === 0) continue;
      const c = new Float64Array(this.h);
      c[j] = box[j]!;
      this.#cols.push(c);
    }
    if (this.#cols.length > this.windowSteps * this.h) {
      const b = this.box();
      this.#cols = [];
      this.addBox(b);
    }
  }
  /** e ← L·e (or Lᵀ·e) for L [H, H] row-major. */
  apply(L: Float64Array, transposed: boolean): void {
    const h = this.h;
    this.#cols = this.#cols.map((c) => {
      const out = new Float64Array(h);
      for (let i = 0; i < h; i++) {
        let s = 0;
        for (let k = 0; k < h; k++) s += (transposed ? L[k * h + i]! : L[i * h + k]!) * c[k]!;
        out[i] = s;
      }
      return out;
    });
  }
  /** Σ_c |col_c|, rounded up a little for the f64 sums (relative 2⁻⁴⁰). */
  box(): Float64Array {
    const b = new Float64Array(this.h);
    for (const c of this.#cols) for (let i = 0; i < this.h; i++) b[i]! += Math.abs(c[i]!);
    return b.map((v) => v * (1 + 2 ** -40));
  }
}

function sigmoid(x: Tracked): Tracked {
  return E.div(ONE, E.add(ONE, E.exp(E.neg(x))));
}

function store(out: TA, i: number, t: Tracked): void {
  (out.v as Float64Array)[i] = t.v;
  (out.e as Float64Array)[i] = t.e;
}

function empty(n: number): TA {
  return { v: new Float64Array(n), e: new Float64Array(n) };
}

/**
 * Bounds of the GPU's states and gradients of L = Σ gOut ⊙ h for one call, on the
 * f32 values of every input (given as f64). `inp.h0` null: the GPU's zero state.
 */
export function gruBounds(
  g: GruGeometry,
  inp: GruOracleInputs,
  gOut: Float64Array,
): GruBounds {
  const { batch: B, steps: T, input: I, hidden: H } = g;
  const BT = B * T;
  const H3 = 3 * H;
  const x = loaded(inp.x);
  const wIh = loaded(inp.wIh);
  const wHh = inp.wHh;
  const h0 = loaded(inp.h0 ?? new Float64Array(B * H));
  // gi = x·W_ihᵀ + b_ih.
  const proj = matmul(x, [BT, I], wIh, [H3, I], false, true);
  const gi = empty(BT * H3);
  for (let i = 0; i < BT * H3; i++) {
    store(gi, i, E.add({ v: proj.v[i]!, e: proj.e[i]! }, E.input(inp.bIh[i % H3]!)));
  }
  const at = (a: TA, i: number): Tracked => ({ v: a.v[i]!, e: a.e[i]! });
  // Forward kernel: the step's own rounding, tracked with h_{t−1} exact, plus h_{t−1}'s error
  // carried by the exact Jacobians (error columns, see the module notes).
  const hs = empty(BT * H);
  const gates = empty(BT * 4 * H); // r, z, n, a_n as the kernel stores them
  const jac: Float64Array[] = new Array(BT); // ∂h_t/∂h_{t−1} [H, H] per step, for the backward
  const W = (row: number, k: number) => wHh[row * H + k]!;
  for (let b = 0; b < B; b++) {
    let hv = Array.from({ length: H }, (_, j) => h0.v[b * H + j]!);
    const cols = new ErrorColumns(H, window(H));
    cols.addBox(Array.from({ length: H }, (_, j) => h0.e[b * H + j]!));
    for (let t = 0; t < T; t++) {
      const st = b * T + t;
      const he = cols.box();
      const nv: number[] = new Array(H);
      const local: number[] = new Array(H);
      const J = new Float64Array(H * H);
      for (let j = 0; j < H; j++) {
        const acc = [j, H + j, 2 * H + j].map((row) => {
          let a = E.input(inp.bHh[row]!);
          for (let k = 0; k < H; k++) a = E.add(a, E.mul(E.input(W(row, k)), { v: hv[k]!, e: 0 }));
          return a;
        });
        const r = sigmoid(E.add(at(gi, st * H3 + j), acc[0]!));
        const z = sigmoid(E.add(at(gi, st * H3 + H + j), acc[1]!));
        const pre = E.add(at(gi, st * H3 + 2 * H + j), E.mul(r, acc[2]!));
        const n = E.tanh(E.clampArg(pre, -15, 15));
        const hn = E.add(n, E.mul(z, E.sub({ v: hv[j]!, e: 0 }, n)));
        // ∂/∂h_{t−1,k} of r, z, a_n, n and h_t at the exact values.
        const dr = r.v * (1 - r.v);
        const dz = z.v * (1 - z.v);
        const dn = 1 - n.v * n.v;
        let pr = 0;
        let pz = 0;
        let pa = 0;
        let pn = 0;
        for (let k = 0; k < H; k++) {
          const ar = dr * W(j, k);
          const az = dz * W(H + j, k);
          const an = W(2 * H + j, k);
          const nk = dn * (r.v * an + acc[2]!.v * ar);
          J[j * H + k] = (1 - z.v) * nk + (hv[j]! - n.v) * az + (j === k ? z.v : 0);
          const ek = he[k]!;
          pr += Math.abs(ar) * ek;
          pz += Math.abs(az) * ek;
          pa += Math.abs(an) * ek;
          pn += Math.abs(nk) * ek;
        }
        nv[j] = hn.v;
        local[j] = hn.e;
        const q = st * 4 * H + j;
        store(gates, q, { v: r.v, e: r.e + pr });
        store(gates, q + H, { v: z.v, e: z.e + pz });
        store(gates, q + 2 * H, { v: n.v, e: n.e + pn });
        store(gates, q + 3 * H, { v: acc[2]!.v, e: acc[2]!.e + pa });
      }
      jac[st] = J;
      cols.apply(J, false);
      cols.addBox(local);
      const box = cols.box();
      for (let j = 0; j < H; j++) store(hs, st * H + j, { v: nv[j]!, e: box[j]! });
      hv = nv;
    }
  }
  // Backward kernel: each step's operations tracked on the forward's tracked values with ∂h
  // exact, plus the carried adjoint's error through the exact (linear) dependence on ∂h: the
  // carry is J_tᵀ·∂h, so its error columns move by J_tᵀ.
  const dgi = empty(BT * H3);
  const dgh = empty(BT * H3);
  const dh0 = empty(B * H);
  for (let b = 0; b < B; b++) {
    let cv = new Array<number>(H).fill(0);
    const cols = new ErrorColumns(H, window(H));
    for (let t = T - 1; t >= 0; t--) {
      const st = b * T + t;
      const edhBox = cols.box();
      const local: number[] = new Array(H);
      const dsh: Tracked[] = new Array(H3);
      const direct: Tracked[] = new Array(H);
      for (let j = 0; j < H; j++) {
        const dh = E.add({ v: cv[j]!, e: 0 }, E.input(gOut[st * H + j]!));
        const edh = edhBox[j]!;
        const q = st * 4 * H + j;
        const r = at(gates, q);
        const z = at(gates, q + H);
        const n = at(gates, q + 2 * H);
        const an = at(gates, q + 3 * H);
        const hp = t === 0 ? at(h0, b * H + j) : at(hs, (st - 1) * H + j);
        const dz = E.mul(dh, E.sub(hp, n));
        const dpn = E.mul(E.mul(dh, E.sub(ONE, z)), E.sub(ONE, E.mul(n, n)));
        const dpr = E.mul(E.mul(dpn, an), E.mul(r, E.sub(ONE, r)));
        const dpz = E.mul(dz, E.mul(z, E.sub(ONE, z)));
        const dan = E.mul(dpn, r);
        dsh[j] = dpr;
        dsh[H + j] = dpz;
        dsh[2 * H + j] = dan;
        direct[j] = E.mul(dh, z);
        // ∂h's error enters each output linearly, with the exact coefficient.
        const cN = (1 - z.v) * (1 - n.v * n.v);
        const cZ = (hp.v - n.v) * z.v * (1 - z.v);
        const plus = (x: Tracked, c: number): Tracked => ({ v: x.v, e: x.e + Math.abs(c) * edh });
        const vr = plus(dpr, cN * an.v * r.v * (1 - r.v));
        const vz = plus(dpz, cZ);
        const vn = plus(dpn, cN);
        const va = plus(dan, cN * r.v);
        const o = st * H3 + j;
        store(dgi, o, vr);
        store(dgi, o + H, vz);
        store(dgi, o + 2 * H, vn);
        store(dgh, o, vr);
        store(dgh, o + H, vz);
        store(dgh, o + 2 * H, va);
      }
      const next = direct.map((d, j) => {
        let acc = d;
        for (let k = 0; k < H3; k++) acc = E.add(acc, E.mul(dsh[k]!, E.input(wHh[k * H + j]!)));
        return acc;
      });
      for (let j = 0; j < H; j++) local[j] = next[j]!.e;
      cols.apply(jac[st]!, true);
      cols.addBox(local);
      cv = next.map((x) => x.v);
    }
    const box = cols.box();
    for (let j = 0; j < H; j++) store(dh0, b * H + j, { v: cv[j]!, e: box[j]! });
  }
  // h_{t−1} rows: h0 then hs without the last step (exact moves).
  const prev = empty(BT * H);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        const src = t === 0 ? at(h0, b * H + j) : at(hs, (b * T + t - 1) * H + j);
        store(prev, (b * T + t) * H + j, src);
      }
    }
  }
  return {
    hs,
    grads: {
      x: matmul(dgi, [BT, H3], wIh, [H3, I]),
      wIh: matmul(dgi, [BT, H3], x, [BT, I], true),
      wHh: matmul(dgh, [BT, H3], prev, [BT, H], true),
      bIh: colSums(dgi, H3),
      bHh: colSums(dgh, H3),
      h0: dh0,
    },
  };
}
