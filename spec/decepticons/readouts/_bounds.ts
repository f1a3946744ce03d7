/**
 * Error bounds of the readouts on the GPU (f32) against the f64 oracle
 * (spec/oracle/decepticons/readouts.ts): one rigorous bound per logit, per gate value and for
 * the balance loss, and for the balance loss's gradient in the router logits.
 *
 * ## Derivation
 *
 * Every value the GPU computes is carried as (v, e): v its exact value on the same f32
 * parameters and features (the oracle's value), e a bound on |computed − v| (running error
 * analysis, Higham, Accuracy and Stability, section 3.3), following the readouts' op graph
 * (impl/decepticons/readouts/) op by op with the ledger's `track` / `trackBuiltins` rules:
 *
 * - moves (reshape, transpose, slice, concat, the embedding gather of the one-hot table) are
 *   exact; relu is exact and 1-Lipschitz; max picks one computed value, so it is within the
 *   largest input error of the exact max; maximum(norm, 10⁻¹²) likewise;
 * - elementwise kernels replay their WGSL expression (impl/ops/unary.ts): GELU
 *   `0.5 * x * (1 + tanh(clamp(C (x + 0.044715 x³), ±15)))`, sigmoid `1 / (1 + exp(−x))`,
 *   square `x * x`, sqrt, the binary ops, f32 constants as rounded uniforms;
 * - matmul with inner length L: |Ĉ − C| ≤ |A| e_B + e_A |B| + e_A e_B + γ_L (|A| + e_A)(|B| +
 *   e_B) + 2L·2⁻¹²⁶ whatever order the kernel sums in (every product meets ≤ L roundings);
 * - sums of n terms (the mixture over experts, reductions, mean as sum × f32(1/n)): `trackSum`
 *   with k = n − 1, valid for any summation order;
 * - softmax and log-softmax replay impl/ops/kernels/softmax.ts (m = max, d = x − m, e = exp d,
 *   s = Σe, y = e/s or d − log s) on tracked inputs; the softmax backward replays
 *   gx = y·(g − Σ g·y);
 * - the GRU's states come from the GRU's own bounds (spec/nn/gru/_bounds.ts, gruBounds).
 *
 * The balance loss uses the argmax of the computed router probabilities: the walk checks that
 * every row's top two probabilities are further apart than their error bounds, so the computed
 * argmax is the exact one (else it throws: no bound would hold).
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
import type { OracleParams, OracleReadoutSpec } from "../../oracle/decepticons/readouts.ts";
import { gruBounds } from "../../nn/gru/_bounds.ts";

/** Tracked arrays: exact values v and error bounds e, row-major. */
export interface TA {
  readonly v: Float64Array;
  readonly e: Float64Array;
}

const E = { ...track, ...trackBuiltins };
const ONE: Tracked = { v: 1, e: 0 };
const HALF = E.literal(0.5);
const GELU_C = E.literal(0.7978845608028654);
const GELU_A = E.literal(0.044715);

function empty(n: number): { v: Float64Array; e: Float64Array } {
  return { v: new Float64Array(n), e: new Float64Array(n) };
}

function at(x: TA, i: number): Tracked {
  return { v: x.v[i]!, e: x.e[i]! };
}

function put(x: { v: Float64Array; e: Float64Array }, i: number, t: Tracked): void {
  x.v[i] = t.v;
  x.e[i] = t.e;
}

/** f32 values loaded from a buffer. */
export function loaded(x: ArrayLike<number>): TA {
  const v = Float64Array.from(x);
  return { v, e: v.map((a) => (Math.abs(a) < F32_MIN_NORMAL ? Math.abs(a) : 0)) };
}

function map(x: TA, f: (t: Tracked, i: number) => Tracked): TA {
  const out = empty(x.v.length);
  for (let i = 0; i < x.v.length; i++) put(out, i, f(at(x, i), i));
  return out;
}

function mm(
  a: Float64Array,
  aShape: readonly [number, number],
  b: Float64Array,
  bShape: readonly [number, number],
  transB: boolean,
): Float64Array {
  return matmulForward(
    { shape: aShape, data: a },
    { shape: bShape, data: b },
    { transA: 0, transB: transB ? 1 : 0 },
  ).data;
}

/** C = A·op(B), inner length L: the product rule on errors plus γ_L of the magnitudes. */
function matmul(
  a: TA,
  aShape: readonly [number, number],
  b: TA,
  bShape: readonly [number, number],
  transB = false,
): TA {
  const L = aShape[1];
  const abs = (x: TA) => x.v.map((v, i) => Math.abs(v) + x.e[i]!);
  const v = mm(a.v, aShape, b.v, bShape, transB);
  const p1 = mm(a.v.map(Math.abs), aShape, b.e, bShape, transB);
  const p2 = mm(a.e, aShape, b.v.map(Math.abs), bShape, transB);
  const p3 = mm(a.e, aShape, b.e, bShape, transB);
  const mag = mm(abs(a), aShape, abs(b), bShape, transB);
  const g = gamma32(L);
  const e = v.map((_, i) => p1[i]! + p2[i]! + p3[i]! + g * mag[i]! + 2 * L * F32_MIN_NORMAL);
  return { v, e };
}

/** x [n, o] + bias [o] (broadcast add). */
function addRows(x: TA, bias: TA): TA {
  const o = bias.v.length;
  return map(x, (t, i) => E.add(t, at(bias, i % o)));
}

/** x W + b for x [n, i], W [i, o]. */
function linear(x: TA, n: number, i: number, w: TA, o: number, b: TA): TA {
  return addRows(matmul(x, [n, i], w, [i, o]), b);
}

/** The GELU kernel's expression. */
function gelu(x: Tracked): Tracked {
  const inner = E.mul(GELU_C, E.add(x, E.mul(E.mul(E.mul(GELU_A, x), x), x)));
  return E.mul(E.mul(HALF, x), E.add(ONE, E.tanh(E.clampArg(inner, -15, 15))));
}

/** The sigmoid kernel's expression. */
function sigmoid(x: Tracked): Tracked {
  return E.div(ONE, E.add(ONE, E.exp(E.neg(x))));
}

/** A sum of computed terms in any order. */
function sumAny(terms: readonly Tracked[]): Tracked {
  return trackSum(terms, Math.max(terms.length - 1, 0));
}

/** mean: the sum times f32(1/n). */
function meanOf(terms: readonly Tracked[]): Tracked {
  return E.mul(sumAny(terms), E.uniform(1 / terms.length));
}

/** The computed max of tracked values: one of them, so within the largest error of the max. */
function maxOf(xs: readonly Tracked[]): Tracked {
  let v = -Infinity;
  let e = 0;
  for (const x of xs) {
    v = Math.max(v, x.v);
    e = Math.max(e, x.e);
  }
  return { v, e };
}

/** Softmax (or log-softmax) of one row of tracked values, as the kernel computes it. */
function softmaxRow(x: readonly Tracked[], log: boolean): Tracked[] {
  const m = maxOf(x);
  const d = x.map((t) => E.sub(t, m));
  const ex = d.map((t) => E.exp(t));
  const s = sumAny(ex);
  if (log) {
    const ls = E.log(s);
    return d.map((t) => E.sub(t, ls));
  }
  return ex.map((t) => E.div(t, s));
}

function rowsOf(x: TA, n: number, k: number): Tracked[][] {
  return Array.from({ length: n }, (_, r) => Array.from({ length: k }, (_, j) => at(x, r * k + j)));
}

function param(p: OracleParams, name: string): TA {
  const v = p[name];
  if (v === undefined) throw new TypeError(`Cannot bound the readout: no parameter "${name}"`);
  return loaded(v);
}

/** Bounds of one readout forward: logits [N, V] and the balance loss (null without router). */
export interface ReadoutBounds {
  logits: TA;
  balance: Tracked | null;
}

/** The routed core: router probabilities [N, X] (tracked) and the mixed output [N, O]. */
function routed(
  p: OracleParams,
  prefix: string,
  u: TA,
  n: number,
  f: number,
  H: number,
  X: number,
  O: number,
): { pi: Tracked[][]; out: TA; balance: Tracked } {
  const z = linear(u, n, f, param(p, `${prefix}.router_w`), X, param(p, `${prefix}.router_b`));
  const pi = rowsOf(z, n, X).map((row) => softmaxRow(row, false));
  const pre = linear(u, n, f, param(p, `${prefix}.w1`), X * H, param(p, `${prefix}.b1`));
  const a = map(pre, (t) => {
    const r = E.max0(t);
    return E.mul(r, r);
  });
  const w2 = param(p, `${prefix}.w2`);
  const b2 = param(p, `${prefix}.b2`);
  const outs: TA[] = [];
  for (let e = 0; e < X; e++) {
    const ae = empty(n * H);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < H; k++) put(ae, k + r * H, at(a, r * X * H + e * H + k));
    }
    const we = {
      v: w2.v.subarray(e * H * O, (e + 1) * H * O),
      e: w2.e.subarray(e * H * O, (e + 1) * H * O),
    };
    const be = { v: b2.v.subarray(e * O, (e + 1) * O), e: b2.e.subarray(e * O, (e + 1) * O) };
    outs.push(linear(ae, n, H, we, O, be));
  }
  const out = empty(n * O);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < O; c++) {
      put(out, r * O + c, sumAny(outs.map((l, e) => E.mul(at(l, r * O + c), pi[r]![e]!))));
    }
  }
  return { pi, out, balance: balanceBound(pi) };
}

/** The exact argmax of each row, checked to be the computed one. */
function safeArgmax(pi: Tracked[][]): number[] {
  return pi.map((row, r) => {
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j]!.v > row[best]!.v) best = j;
    for (let j = 0; j < row.length; j++) {
      if (j !== best && row[best]!.v - row[best]!.e <= row[j]!.v + row[j]!.e) {
        throw new RangeError(
          `Cannot bound the balance loss: row ${r}'s router probabilities ${row[best]!.v} and ` +
            `${row[j]!.v} are within their error bounds, so the computed argmax may differ`,
        );
      }
    }
    return best;
  });
}

/** L = X·Σ_e f̂_e P̂_e with f̂ = count·f32(1/N) and P̂ = mean π̂. */
function balanceBound(pi: Tracked[][]): Tracked {
  const n = pi.length;
  const X = pi[0]!.length;
  const arg = safeArgmax(pi);
  const terms: Tracked[] = [];
  for (let e = 0; e < X; e++) {
    const count = arg.filter((a) => a === e).length;
    const f = E.mul({ v: count, e: 0 }, E.uniform(1 / n));
    terms.push(E.mul(f, meanOf(pi.map((row) => row[e]!))));
  }
  return E.mul(sumAny(terms), { v: X, e: 0 });
}

/**
 * Bounds of the balance loss's gradient in the router logits z [N, X] (π = softmax z on exact
 * f32 logits), as the GPU's backward computes it: ∂/∂f̂P̂ scaled by X, then by f̂ (the mul's
 * backward), by f32(1/N) (the mean's), then the softmax backward gx = π̂(g − Σ g π̂).
 */
export function balanceGradBounds(z: ArrayLike<number>, n: number, X: number): TA {
  const zt = loaded(z);
  const pi = rowsOf(zt, n, X).map((row) => softmaxRow(row, false));
  const arg = safeArgmax(pi);
  const gP = Array.from({ length: X }, (_, e) => {
    const count = arg.filter((a) => a === e).length;
    const f = E.mul({ v: count, e: 0 }, E.uniform(1 / n));
    return E.mul(E.mul({ v: 1, e: 0 }, { v: X, e: 0 }), f);
  });
  const gPi = gP.map((g) => E.mul(g, E.uniform(1 / n)));
  const out = empty(n * X);
  pi.forEach((row, r) => {
    const c = sumAny(row.map((y, j) => E.mul(gPi[j]!, y)));
    row.forEach((y, j) => put(out, r * X + j, E.mul(y, E.sub(gPi[j]!, c))));
  });
  return out;
}

/** Bounds of a readout's forward on features u [N, F] (f32 values). */
export function readoutBounds(
  spec: OracleReadoutSpec,
  p: OracleParams,
  prefix: string,
  uValues: ArrayLike<number>,
  dims: { B: number; T: number; F: number; V: number },
  embedding?: ArrayLike<number>,
): ReadoutBounds {
  const { B, T, F, V } = dims;
  const n = B * T;
  const u = loaded(uValues);
  switch (spec.kind) {
    case "mlp": {
      let h = u;
      let fan = F;
      spec.hidden.forEach((w, i) => {
        h = map(
          linear(h, n, fan, param(p, `${prefix}.w${i}`), w, param(p, `${prefix}.b${i}`)),
          gelu,
        );
        fan = w;
      });
      return {
        logits: linear(h, n, fan, param(p, `${prefix}.out_w`), V, param(p, `${prefix}.out_b`)),
        balance: null,
      };
    }
    case "tied_recursive": {
      const H = spec.hidden;
      let h = linear(u, n, F, param(p, `${prefix}.in_w`), H, param(p, `${prefix}.in_b`));
      const delta = param(p, `${prefix}.delta`);
      const bw = param(p, `${prefix}.block_w`);
      const bb = param(p, `${prefix}.block_b`);
      for (let d = 0; d < spec.depth; d++) {
        const shifted = map(h, (t, i) => E.add(t, at(delta, d * H + (i % H))));
        h = map(linear(shifted, n, H, bw, H, bb), gelu);
      }
      return {
        logits: linear(h, n, H, param(p, `${prefix}.out_w`), V, param(p, `${prefix}.out_b`)),
        balance: null,
      };
    }
    case "routed_sqrelu_experts": {
      const r = routed(p, prefix, u, n, F, spec.hidden, spec.experts, V);
      return { logits: r.out, balance: r.balance };
    }
    case "tied_embed_readout": {
      const Ed = spec.embeddingDim;
      const r = routed(p, prefix, u, n, F, spec.hidden, spec.experts, Ed);
      let table = loaded(embedding!);
      if (spec.normalize) {
        const t0 = table;
        const out = empty(V * Ed);
        for (let v = 0; v < V; v++) {
          const row = Array.from({ length: Ed }, (_, c) => at(t0, v * Ed + c));
          const norm = E.sqrt(sumAny(row.map((x) => E.mul(x, x))));
          // maximum(norm, 1e-12): 1-Lipschitz, and the rows here are far above 1e-12.
          const den = { v: Math.max(norm.v, 1e-12), e: norm.e };
          row.forEach((x, c) => put(out, v * Ed + c, E.div(x, den)));
        }
        table = out;
      }
      return { logits: matmul(r.out, [n, Ed], table, [V, Ed], true), balance: r.balance };
    }
    case "recurrent": {
      const H = spec.hidden;
      const g = `${prefix}.gru.`;
      const hs = gruBounds(
        { batch: B, steps: T, input: F, hidden: H },
        {
          x: Float64Array.from(uValues),
          wIh: p[`${g}weight_ih_l0`]!,
          wHh: p[`${g}weight_hh_l0`]!,
          bIh: p[`${g}bias_ih_l0`]!,
          bHh: p[`${g}bias_hh_l0`]!,
          h0: null,
        },
        new Float64Array(B * T * H),
      ).hs;
      return {
        logits: linear(hs, n, H, param(p, `${prefix}.out_w`), V, param(p, `${prefix}.out_b`)),
        balance: null,
      };
    }
    case "bands": {
      const { bands: nb, modes: M } = spec;
      const Ex = F - M;
      const w = Math.floor(M / nb);
      let logits: TA | null = null;
      let balance: Tracked | null = null;
      for (let i = 0; i < nb; i++) {
        const k = spec.bandExperts?.[i] ?? spec.experts ?? 4;
        const start = i * w;
        const width = k === 0 ? 0 : i === nb - 1 ? M - start : w;
        const fi = width + Ex;
        const ui = new Float64Array(n * fi);
        for (let r = 0; r < n; r++) {
          for (let c = 0; c < width; c++) ui[r * fi + c] = u.v[r * F + start + c]!;
          for (let c = 0; c < Ex; c++) ui[r * fi + width + c] = u.v[r * F + M + c]!;
        }
        const hid = spec.hidden.map((h) => Math.floor(h / nb));
        let sub: OracleReadoutSpec;
        if (k === 0) sub = { kind: "mlp", hidden: [] };
        else if (spec.bandKind === "mlp") sub = { kind: "mlp", hidden: hid };
        else if (spec.bandKind === "tied_recursive") {
          sub = { kind: "tied_recursive", hidden: hid[0]!, depth: spec.depth ?? 2 };
        } else if (spec.bandKind === "routed_sqrelu_experts") {
          sub = { kind: "routed_sqrelu_experts", hidden: hid[0]!, experts: k };
        } else {
          sub = {
            kind: "tied_embed_readout",
            hidden: hid[0]!,
            experts: k,
            embeddingDim: spec.embeddingDim!,
            normalize: spec.normalize ?? false,
          };
        }
        const r = readoutBounds(sub, p, `${prefix}.band${i}`, ui, { B, T, F: fi, V }, embedding);
        const prev: TA | null = logits;
        logits = prev === null ? r.logits : map(prev, (t, j) => E.add(t, at(r.logits, j)));
        if (r.balance !== null) balance = balance === null ? r.balance : E.add(balance, r.balance);
      }
      return { logits: logits!, balance };
    }
  }
}

/** Bounds of the gated mix of exact f32 logits rows lin, loc [N, V]: the gate [N] and logits. */
export function gatedMixBounds(
  lin: ArrayLike<number>,
  loc: ArrayLike<number>,
  n: number,
  V: number,
  w: ArrayLike<number>,
  b: number,
  localScale: number,
): { gate: TA; logits: TA } {
  const l = rowsOf(loaded(lin), n, V);
  const c = rowsOf(loaded(loc), n, V);
  const wt = Array.from(w, (x) => E.input(x));
  const bt = E.input(b);
  const s = E.uniform(localScale);
  const entropy = (row: Tracked[]) => {
    const lp = softmaxRow(row, true);
    return E.neg(sumAny(lp.map((t) => E.mul(E.exp(t), t))));
  };
  const variance = (row: Tracked[]) => {
    const m = meanOf(row);
    return meanOf(row.map((x) => {
      const d = E.sub(x, m);
      return E.mul(d, d);
    }));
  };
  const gate = empty(n);
  const logits = empty(n * V);
  for (let r = 0; r < n; r++) {
    const phi = [
      entropy(l[r]!),
      entropy(c[r]!),
      maxOf(l[r]!),
      maxOf(c[r]!),
      variance(l[r]!),
      variance(c[r]!),
    ];
    // The 6-long dot product as a matmul (γ_6 on the magnitudes), then the bias.
    const dot = {
      v: phi.reduce((a, t, k) => a + t.v * wt[k]!.v, 0),
      e: phi.reduce((a, t, k) => a + Math.abs(wt[k]!.v) * t.e, 0) +
        gamma32(6) * phi.reduce((a, t, k) => a + (Math.abs(t.v) + t.e) * Math.abs(wt[k]!.v), 0) +
        12 * F32_MIN_NORMAL,
    };
    const g = E.mul(sigmoid(E.add(dot, bt)), s);
    put(gate, r, g);
    for (let j = 0; j < V; j++) put(logits, r * V + j, E.add(l[r]![j]!, E.mul(g, c[r]![j]!)));
  }
  return { gate, logits };
}
