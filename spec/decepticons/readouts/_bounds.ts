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
 * The backward (`readoutGradBounds`, `gatedMixGradBounds`) walks autograd's kernels in the same
 * way from the seed ∂logits = w of L = Σ w ⊙ logits (sum's and mul's backward pass w exactly):
 * matmul's backward is two matmuls (∂A = ∂C Bᵀ of inner length the output width, ∂B = Aᵀ ∂C of
 * inner length the rows), a broadcast operand's gradient is a sum over the broadcast axis (any
 * order), unary backwards replay their WGSL (`g * gelu_grad(x)`, `select(0, g, x > 0)` with
 * its sign checked against the error, `g * 2.0 * x`, `g * y * (1.0 - y)`, sqrt's
 * `g * 0.5 / y`), div's `g / b` and `-g * a / (b * b)`, mean's `scale·g`, max's gradient to
 * the first maximum, the log-softmax backward g − exp(y)·Σg, and every tensor that feeds
 * several ops gets the sum of their gradients in any order (`trackSum` over the terms).
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
import {
  bandInput,
  bandSpec,
  type OracleParams,
  type OracleReadoutSpec,
} from "../../oracle/decepticons/readouts.ts";
import { gruBounds } from "../../nn/gru/_bounds.ts";
import { trackGelu, trackGeluBackward } from "../../_harness/tracked_wgsl_math.ts";

/** Tracked arrays: exact values v and error bounds e, row-major. */
export interface TA {
  readonly v: Float64Array;
  readonly e: Float64Array;
}

const E = { ...track, ...trackBuiltins };
const ONE: Tracked = { v: 1, e: 0 };
const HALF = E.literal(0.5);

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
          trackGelu,
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
        h = map(linear(shifted, n, H, bw, H, bb), trackGelu);
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
      let logits: TA | null = null;
      let balance: Tracked | null = null;
      for (let i = 0; i < spec.bands; i++) {
        const { ui, fi } = bandInput(spec, i, u.v, n, F);
        const r = readoutBounds(
          bandSpec(spec, i),
          p,
          `${prefix}.band${i}`,
          ui,
          { B, T, F: fi, V },
          embedding,
        );
        const prev: TA | null = logits;
        logits = prev === null ? r.logits : map(prev, (t, j) => E.add(t, at(r.logits, j)));
        if (r.balance !== null) balance = balance === null ? r.balance : E.add(balance, r.balance);
      }
      return { logits: logits!, balance };
    }
  }
}

/** The gate's 6-long dot product φ·w as a matmul (γ_6 on the magnitudes); w exact. */
function gateDot(phi: readonly Tracked[], wt: readonly Tracked[]): Tracked {
  return {
    v: phi.reduce((a, t, k) => a + t.v * wt[k]!.v, 0),
    e: phi.reduce((a, t, k) => a + Math.abs(wt[k]!.v) * t.e, 0) +
      gamma32(6) * phi.reduce((a, t, k) => a + (Math.abs(t.v) + t.e) * Math.abs(wt[k]!.v), 0) +
      12 * F32_MIN_NORMAL,
  };
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
    const g = E.mul(sigmoid(E.add(gateDot(phi, wt), bt)), s);
    put(gate, r, g);
    for (let j = 0; j < V; j++) put(logits, r * V + j, E.add(l[r]![j]!, E.mul(g, c[r]![j]!)));
  }
  return { gate, logits };
}

// ------------------------------------------------------------------ backward

const TWO: Tracked = { v: 2, e: 0 };

/** x [rows, cols] transposed (a move: exact). */
function transposed(x: TA, rows: number, cols: number): TA {
  const out = empty(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) put(out, c * rows + r, at(x, r * cols + c));
  }
  return out;
}

/** Elementwise f over two arrays of one length. */
function zip(a: TA, b: TA, f: (x: Tracked, y: Tracked) => Tracked): TA {
  return map(a, (t, i) => f(t, at(b, i)));
}

/**
 * relu's backward `select(0, g, x > 0)`: exact where the sign of the computed x is certain;
 * else the kernel may pass ĝ or 0 where the exact value is the other, |g| + e_g apart at most.
 */
function reluBackward(x: Tracked, g: Tracked): Tracked {
  const v = x.v > 0 ? g.v : 0;
  if (x.v > x.e) return g;
  if (x.v < -x.e || (x.v <= 0 && x.e === 0)) return { v: 0, e: 0 };
  return { v, e: Math.abs(g.v) + g.e };
}

/** Column sums of x [n, o] (a broadcast bias's sumToShape, any order). */
function colSums(x: TA, n: number, o: number): TA {
  const out = empty(o);
  for (let c = 0; c < o; c++) {
    put(out, c, sumAny(Array.from({ length: n }, (_, r) => at(x, r * o + c))));
  }
  return out;
}

/**
 * Backward of y = x W + b (x [n, i], W [i, o]) from ∂y: ∂x = ∂y Wᵀ (inner o), ∂W = xᵀ ∂y
 * (inner n), ∂b = Σ_rows ∂y.
 */
function linearBackward(x: TA, n: number, i: number, w: TA, o: number, dy: TA) {
  return {
    dx: matmul(dy, [n, o], w, [i, o], true),
    dw: matmul(transposed(x, n, i), [i, n], dy, [n, o]),
    db: colSums(dy, n, o),
  };
}

/** Bounds of a readout's gradients: parameters by full name and the features. */
export interface ReadoutGradBounds {
  params: Record<string, TA>;
  du: TA;
  /** ∂L/∂embedding [V, E] of tied-embedding readouts (summed over bands), else null. */
  dEmbedding: TA | null;
}

/** The routed core's backward from ∂out [n, O] (gradients into `grads`); returns ∂u. */
function routedBackward(
  p: OracleParams,
  prefix: string,
  u: TA,
  n: number,
  f: number,
  H: number,
  X: number,
  O: number,
  dOut: TA,
  grads: Record<string, TA>,
): TA {
  const rw = param(p, `${prefix}.router_w`);
  const z = linear(u, n, f, rw, X, param(p, `${prefix}.router_b`));
  const pi = rowsOf(z, n, X).map((row) => softmaxRow(row, false));
  const w1 = param(p, `${prefix}.w1`);
  const pre = linear(u, n, f, w1, X * H, param(p, `${prefix}.b1`));
  const w2 = param(p, `${prefix}.w2`);
  const b2 = param(p, `${prefix}.b2`);
  const dPre = empty(n * X * H);
  const dw2 = empty(X * H * O);
  const db2 = empty(X * O);
  const dpi: Tracked[][] = Array.from({ length: n }, () => []);
  for (let e = 0; e < X; e++) {
    const ae = empty(n * H);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < H; k++) {
        const m = E.max0(at(pre, r * X * H + e * H + k));
        put(ae, r * H + k, E.mul(m, m));
      }
    }
    const we = {
      v: w2.v.subarray(e * H * O, (e + 1) * H * O),
      e: w2.e.subarray(e * H * O, (e + 1) * H * O),
    };
    const be = { v: b2.v.subarray(e * O, (e + 1) * O), e: b2.e.subarray(e * O, (e + 1) * O) };
    const le = linear(ae, n, H, we, O, be);
    // mul's backward: ∂ℓ_e = g·π_e; ∂π_e = Σ_c g·ℓ_e (sumToShape over the broadcast O).
    const dl = empty(n * O);
    for (let r = 0; r < n; r++) {
      const terms: Tracked[] = [];
      for (let c = 0; c < O; c++) {
        const g = at(dOut, r * O + c);
        put(dl, r * O + c, E.mul(g, pi[r]![e]!));
        terms.push(E.mul(g, at(le, r * O + c)));
      }
      dpi[r]![e] = sumAny(terms);
    }
    const g = linearBackward(ae, n, H, we, O, dl);
    for (let i = 0; i < H * O; i++) put(dw2, e * H * O + i, at(g.dw, i));
    for (let i = 0; i < O; i++) put(db2, e * O + i, at(g.db, i));
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < H; k++) {
        const x = at(pre, r * X * H + e * H + k);
        // square's backward g·2·x on the computed relu, then relu's.
        const dSq = E.mul(E.mul(at(g.dx, r * H + k), TWO), E.max0(x));
        put(dPre, r * X * H + e * H + k, reluBackward(x, dSq));
      }
    }
  }
  // The softmax backward gx = π(g − Σ g π).
  const dz = empty(n * X);
  pi.forEach((row, r) => {
    const c = sumAny(row.map((y, j) => E.mul(dpi[r]![j]!, y)));
    row.forEach((y, j) => put(dz, r * X + j, E.mul(y, E.sub(dpi[r]![j]!, c))));
  });
  const gr = linearBackward(u, n, f, rw, X, dz);
  const g1 = linearBackward(u, n, f, w1, X * H, dPre);
  grads[`${prefix}.router_w`] = gr.dw;
  grads[`${prefix}.router_b`] = gr.db;
  grads[`${prefix}.w1`] = g1.dw;
  grads[`${prefix}.b1`] = g1.db;
  grads[`${prefix}.w2`] = dw2;
  grads[`${prefix}.b2`] = db2;
  // u feeds both matmuls: autograd adds the two gradients.
  return zip(g1.dx, gr.dx, E.add);
}

/**
 * Bounds of the GPU's gradients of L = Σ w ⊙ logits (w [N, V], f32 values) in every parameter,
 * the features u [N, F] and (tied-embedding readouts) the embedding, for every position-wise
 * kind and bands of them. L's backward seeds ∂logits = 1·w exactly.
 *
 * @throws {RangeError} for the recurrent readout (its bounds are the GRU's), or a normalised
 *   embedding row whose norm may be at the 1e-12 floor.
 */
export function readoutGradBounds(
  spec: OracleReadoutSpec,
  p: OracleParams,
  prefix: string,
  uValues: ArrayLike<number>,
  dims: { B: number; T: number; F: number; V: number },
  wValues: ArrayLike<number>,
  embedding?: ArrayLike<number>,
): ReadoutGradBounds {
  const { B, T, F, V } = dims;
  const n = B * T;
  const u = loaded(uValues);
  const dLogits = loaded(wValues);
  const params: Record<string, TA> = {};
  switch (spec.kind) {
    case "mlp": {
      const inputs: TA[] = [u];
      const pres: TA[] = [];
      const fans: number[] = [F];
      spec.hidden.forEach((w, i) => {
        const pre = linear(
          inputs[i]!,
          n,
          fans[i]!,
          param(p, `${prefix}.w${i}`),
          w,
          param(p, `${prefix}.b${i}`),
        );
        pres.push(pre);
        inputs.push(map(pre, trackGelu));
        fans.push(w);
      });
      const L = spec.hidden.length;
      const go = linearBackward(inputs[L]!, n, fans[L]!, param(p, `${prefix}.out_w`), V, dLogits);
      params[`${prefix}.out_w`] = go.dw;
      params[`${prefix}.out_b`] = go.db;
      let dh = go.dx;
      for (let i = L - 1; i >= 0; i--) {
        const dPre = zip(pres[i]!, dh, trackGeluBackward);
        const g = linearBackward(
          inputs[i]!,
          n,
          fans[i]!,
          param(p, `${prefix}.w${i}`),
          fans[i + 1]!,
          dPre,
        );
        params[`${prefix}.w${i}`] = g.dw;
        params[`${prefix}.b${i}`] = g.db;
        dh = g.dx;
      }
      return { params, du: dh, dEmbedding: null };
    }
    case "tied_recursive": {
      const H = spec.hidden;
      const D = spec.depth;
      const inW = param(p, `${prefix}.in_w`);
      const delta = param(p, `${prefix}.delta`);
      const bw = param(p, `${prefix}.block_w`);
      const bb = param(p, `${prefix}.block_b`);
      let h = linear(u, n, F, inW, H, param(p, `${prefix}.in_b`));
      const shifted: TA[] = [];
      const pres: TA[] = [];
      for (let d = 0; d < D; d++) {
        const s = map(h, (t, i) => E.add(t, at(delta, d * H + (i % H))));
        const pre = linear(s, n, H, bw, H, bb);
        shifted.push(s);
        pres.push(pre);
        h = map(pre, trackGelu);
      }
      const go = linearBackward(h, n, H, param(p, `${prefix}.out_w`), V, dLogits);
      params[`${prefix}.out_w`] = go.dw;
      params[`${prefix}.out_b`] = go.db;
      const dws: TA[] = [];
      const dbs: TA[] = [];
      const dDelta = empty(D * H);
      let dh = go.dx;
      for (let d = D - 1; d >= 0; d--) {
        const g = linearBackward(shifted[d]!, n, H, bw, H, zip(pres[d]!, dh, trackGeluBackward));
        dws.push(g.dw);
        dbs.push(g.db);
        // δ_d is broadcast over the rows: its gradient is the column sums (slice backward: a move).
        const dd = colSums(g.dx, n, H);
        for (let k = 0; k < H; k++) put(dDelta, d * H + k, at(dd, k));
        dh = g.dx;
      }
      // The shared block's gradient: autograd adds the D applications' (any order).
      const acc = (xs: TA[]) => map(xs[0]!, (_, i) => sumAny(xs.map((x) => at(x, i))));
      const gi = linearBackward(u, n, F, inW, H, dh);
      params[`${prefix}.in_w`] = gi.dw;
      params[`${prefix}.in_b`] = gi.db;
      params[`${prefix}.block_w`] = acc(dws);
      params[`${prefix}.block_b`] = acc(dbs);
      params[`${prefix}.delta`] = dDelta;
      return { params, du: gi.dx, dEmbedding: null };
    }
    case "routed_sqrelu_experts": {
      const du = routedBackward(p, prefix, u, n, F, spec.hidden, spec.experts, V, dLogits, params);
      return { params, du, dEmbedding: null };
    }
    case "tied_embed_readout": {
      const Ed = spec.embeddingDim;
      if (embedding === undefined || embedding.length !== V * Ed) {
        throw new TypeError(
          `Cannot bound the tied readout's gradients: expected an embedding of ${V * Ed} values ` +
            `but got ${embedding === undefined ? "none" : embedding.length}`,
        );
      }
      const out = routed(p, prefix, u, n, F, spec.hidden, spec.experts, Ed).out;
      const emb = loaded(embedding);
      // The forward's table, keeping each row's computed norm and max(norm, 1e-12).
      let table = emb;
      const dens: Tracked[] = [];
      if (spec.normalize) {
        const normed = empty(V * Ed);
        table = normed;
        for (let v = 0; v < V; v++) {
          const row = Array.from({ length: Ed }, (_, c) => at(emb, v * Ed + c));
          const norm = E.sqrt(sumAny(row.map((x) => E.mul(x, x))));
          if (!(norm.v - norm.e > 1e-12)) {
            throw new RangeError(
              `Cannot bound the tied readout's gradients: expected embedding row ${v}'s norm ` +
                `above 1e-12 by more than its error but got ${norm.v} ± ${norm.e}`,
            );
          }
          dens.push(norm);
          row.forEach((x, c) => put(normed, v * Ed + c, E.div(x, norm)));
        }
      }
      // logits = out tableᵀ: ∂out = ∂logits table (inner V), ∂table = ∂logitsᵀ out (inner n).
      const dOut = matmul(dLogits, [n, V], table, [V, Ed]);
      const dTable = matmul(transposed(dLogits, n, V), [V, n], out, [n, Ed]);
      let dEmbedding = dTable;
      if (spec.normalize) {
        const dEmb = empty(V * Ed);
        dEmbedding = dEmb;
        for (let v = 0; v < V; v++) {
          const den = dens[v]!;
          const xs = Array.from({ length: Ed }, (_, c) => at(emb, v * Ed + c));
          const gs = Array.from({ length: Ed }, (_, c) => at(dTable, v * Ed + c));
          // div's backward: ∂emb = g / den and ∂den = Σ_c −g·emb / (den·den); maximum passes ∂den
          // to the norm (norm > 1e-12, checked), sqrt's backward g·0.5 / norm, sum's broadcasts.
          const dDen = sumAny(gs.map((g, c) => E.div(E.mul(E.neg(g), xs[c]!), E.mul(den, den))));
          const dSq = E.div(E.mul(dDen, HALF), den);
          // mul(emb, emb) sends g·emb to each operand; autograd adds them to the div's share.
          xs.forEach((x, c) => {
            const sq = E.mul(dSq, x);
            put(
              dEmb,
              v * Ed + c,
              sumAny([E.div(gs[c]!, den), sq, sq]),
            );
          });
        }
      }
      const du = routedBackward(p, prefix, u, n, F, spec.hidden, spec.experts, Ed, dOut, params);
      return { params, du, dEmbedding };
    }
    case "recurrent":
      throw new RangeError(
        `Cannot bound the readout's gradients: expected a position-wise readout but got ` +
          `"recurrent" (the GRU's bounds are spec/nn/gru/_bounds.ts's)`,
      );
    case "bands": {
      const { bands: nb, modes: M } = spec;
      const Ex = F - M;
      // Every band's contribution to ∂u (zero outside the columns it reads), added by autograd.
      const parts: TA[] = [];
      const dEmbs: TA[] = [];
      for (let i = 0; i < nb; i++) {
        const { ui, fi, start, width } = bandInput(spec, i, u.v, n, F);
        const g = readoutGradBounds(
          bandSpec(spec, i),
          p,
          `${prefix}.band${i}`,
          ui,
          { B, T, F: fi, V },
          wValues,
          embedding,
        );
        Object.assign(params, g.params);
        if (g.dEmbedding !== null) dEmbs.push(g.dEmbedding);
        const part = empty(n * F);
        for (let r = 0; r < n; r++) {
          for (let c = 0; c < width; c++) put(part, r * F + start + c, at(g.du, r * fi + c));
          for (let c = 0; c < Ex; c++) put(part, r * F + M + c, at(g.du, r * fi + width + c));
        }
        parts.push(part);
      }
      // Adds of exact zeros are exact: the count of terms bounds the roundings any element meets.
      const du = map(parts[0]!, (_, i) => trackSum(parts.map((x) => at(x, i)), 2 * nb));
      const dEmbedding = dEmbs.length === 0
        ? null
        : map(dEmbs[0]!, (_, i) => sumAny(dEmbs.map((x) => at(x, i))));
      return { params, du, dEmbedding };
    }
  }
}

/** One row's gate features as the kernels compute them, and what their backward needs. */
function gateRow(row: Tracked[]) {
  const lp = softmaxRow(row, true);
  const ex = lp.map((t) => E.exp(t));
  const entropy = E.neg(sumAny(lp.map((t, j) => E.mul(ex[j]!, t))));
  let arg = 0;
  for (let j = 1; j < row.length; j++) if (row[j]!.v > row[arg]!.v) arg = j;
  const m = meanOf(row);
  const c = row.map((x) => E.sub(x, m));
  const variance = meanOf(c.map((d) => E.mul(d, d)));
  return { lp, ex, entropy, max: maxOf(row), arg, c, variance };
}

/**
 * One row's share of ∂ℓ from the gate features' gradients dH, dMax, dVar, as autograd's
 * kernels compute it, each term of the row's accumulated gradient (the direct term first).
 */
function gateRowBackward(
  f: ReturnType<typeof gateRow>,
  direct: Tracked[],
  dH: Tracked,
  dMax: Tracked,
  dVar: Tracked,
): Tracked[] {
  const V = direct.length;
  // neg, then sum's broadcast (scale 1: exact); mul(e, lp) sends g·lp to e (then exp's g·y)
  // and g·e to lp, which autograd adds; log-softmax's backward gx = g − exp(y)·Σg.
  const dS = E.neg(dH);
  const dlp = f.lp.map((t, j) => sumAny([E.mul(dS, f.ex[j]!), E.mul(E.mul(dS, t), f.ex[j]!)]));
  const G = sumAny(dlp);
  const gx = dlp.map((g, j) => E.sub(g, E.mul(E.exp(f.lp[j]!), G)));
  // mean's backward scale·g; mul(c, c) sends g·c to both operands; sub's −g summed to the
  // mean's shape, then the mean's backward again.
  const gm = E.mul(dVar, E.uniform(1 / V));
  const dc = f.c.map((d) => {
    const t = E.mul(gm, d);
    return sumAny([t, t]);
  });
  const dMean = E.mul(sumAny(dc.map((t) => E.neg(t))), E.uniform(1 / V));
  return direct.map((t, j) =>
    sumAny([t, gx[j]!, j === f.arg ? dMax : { v: 0, e: 0 }, dc[j]!, dMean])
  );
}

/**
 * Bounds of the GPU's gradients of L = Σ dY ⊙ logits of the gated mix (exact f32 rows lin, loc
 * [N, V], weights w [6], bias b, seed dY [N, V]) in lin, loc, w and b.
 */
export function gatedMixGradBounds(
  lin: ArrayLike<number>,
  loc: ArrayLike<number>,
  n: number,
  V: number,
  w: ArrayLike<number>,
  b: number,
  localScale: number,
  dYValues: ArrayLike<number>,
): { dLin: TA; dLoc: TA; dW: TA; dB: TA } {
  const l = rowsOf(loaded(lin), n, V);
  const c = rowsOf(loaded(loc), n, V);
  const dY = rowsOf(loaded(dYValues), n, V);
  const wt = Array.from(w, (x) => E.input(x));
  const s = E.uniform(localScale);
  const dLin = empty(n * V);
  const dLoc = empty(n * V);
  const phis = empty(n * 6);
  const dz = empty(n);
  for (let r = 0; r < n; r++) {
    const fl = gateRow(l[r]!);
    const fc = gateRow(c[r]!);
    const phi = [fl.entropy, fc.entropy, fl.max, fc.max, fl.variance, fc.variance];
    phi.forEach((t, k) => put(phis, r * 6 + k, t));
    const y = sigmoid(E.add(gateDot(phi, wt), E.input(b)));
    const gate = E.mul(y, s);
    // add passes dY to lin; mul(g, loc) sends dY·g to loc and Σ_j dY·loc to g.
    const dg = sumAny(dY[r]!.map((d, j) => E.mul(d, c[r]![j]!)));
    // mul by s, then sigmoid's backward g·y·(1 − y).
    const z = E.mul(E.mul(E.mul(dg, s), y), E.sub(ONE, y));
    put(dz, r, z);
    // dφ = dz wᵀ: a matmul of inner length 1, one rounding per product.
    const dPhi = wt.map((wk) => E.mul(z, wk));
    const gl = gateRowBackward(fl, dY[r]!, dPhi[0]!, dPhi[2]!, dPhi[4]!);
    const gc = gateRowBackward(fc, dY[r]!.map((d) => E.mul(d, gate)), dPhi[1]!, dPhi[3]!, dPhi[5]!);
    gl.forEach((t, j) => put(dLin, r * V + j, t));
    gc.forEach((t, j) => put(dLoc, r * V + j, t));
  }
  return {
    dLin,
    dLoc,
    dW: matmul(transposed(phis, n, 6), [6, n], dz, [n, 1]),
    dB: colSums(dz, n, 1),
  };
}
