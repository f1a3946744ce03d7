/**
 * f64 oracle of the causal bank's readouts (impl/decepticons/readouts/), written from the
 * math, independent of the kernels: the MLP, tied-recursive, routed squared-ReLU experts (and
 * the Switch balance loss with its analytic gradient), tied-embedding, GRU and banded readouts,
 * and the gated local/linear mix. Parameters are host arrays by full name in memspec's layout
 * (linear weights [in, out]: y = x W; the GRU's in torch's [3H, ·] rows [r; z; n]); features and
 * logits are row-major [N, ·] with N = B·T rows (position-wise kinds) or [B, T, ·] (the GRU).
 *
 * GELU is the tanh form (memspec's kernel; the fixtures use torch's GELU(approximate="tanh")).
 *
 * The analytic backward (`oracleReadoutBackward`, `gatedMixBackward`) gives the gradients of
 * L = Σ dY ⊙ logits in every parameter, the features, the tied embedding and the gated mix's
 * inputs, by the chain rule on the same f64 forward (checked against central differences by
 * decepticons.readouts.oracle_gradcheck). The balance loss is not in L; its gradient is
 * `balanceLossGradLogits`.
 *
 * @module
 */
import { geluTanh, geluTanhGrad, sigmoid } from "../elementwise.ts";

/** Named host parameters. */
export type OracleParams = Record<string, Float64Array>;

/** What a readout oracle needs to know about the readout. */
export type OracleReadoutSpec =
  | { kind: "mlp"; hidden: readonly number[] }
  | { kind: "tied_recursive"; hidden: number; depth: number }
  | { kind: "routed_sqrelu_experts"; hidden: number; experts: number }
  | {
    kind: "tied_embed_readout";
    hidden: number;
    experts: number;
    embeddingDim: number;
    normalize: boolean;
  }
  | { kind: "recurrent"; hidden: number }
  | {
    kind: "bands";
    bands: number;
    modes: number;
    bandKind: "mlp" | "tied_recursive" | "routed_sqrelu_experts" | "tied_embed_readout";
    hidden: readonly number[];
    depth?: number;
    experts?: number;
    bandExperts?: readonly number[];
    embeddingDim?: number;
    normalize?: boolean;
  };

/** One oracle forward. */
export interface OracleReadoutResult {
  /** [N, V]. */
  logits: Float64Array;
  /** The balance loss of this forward (summed over routed bands), or null without a router. */
  balance: number | null;
}

function need(p: OracleParams, name: string, length: number): Float64Array {
  const v = p[name];
  if (v === undefined || v.length !== length) {
    throw new TypeError(
      `Cannot run the readout oracle: expected parameter "${name}" with ${length} values but got ` +
        `${v === undefined ? "none" : v.length}`,
    );
  }
  return v;
}

/** y = x W + b for x [N, I], W [I, O], b [O] (b may be omitted). */
export function linear(
  x: Float64Array,
  n: number,
  i: number,
  w: Float64Array,
  o: number,
  b?: Float64Array,
): Float64Array {
  const y = new Float64Array(n * o);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < o; c++) {
      let s = b ? b[c]! : 0;
      for (let k = 0; k < i; k++) s += x[r * i + k]! * w[k * o + c]!;
      y[r * o + c] = s;
    }
  }
  return y;
}

/** Row-wise softmax of z [N, K]. */
export function softmaxRows(z: Float64Array, n: number, k: number): Float64Array {
  const p = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[r * k + j]!);
    let s = 0;
    for (let j = 0; j < k; j++) s += p[r * k + j] = Math.exp(z[r * k + j]! - m);
    for (let j = 0; j < k; j++) p[r * k + j]! /= s;
  }
  return p;
}

/** The index of the first maximum of each row of p [N, K]. */
export function argmaxRows(p: Float64Array, n: number, k: number): Int32Array {
  const a = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (p[r * k + j]! > p[r * k + best]!) best = j;
    a[r] = best;
  }
  return a;
}

/** Switch balance loss E Σ_e f_e P_e of router probabilities π [N, E] (N ≥ 1). */
export function balanceLoss(pi: Float64Array, n: number, e: number): number {
  if (n < 1) {
    throw new RangeError("Cannot compute the balance loss: expected at least one row but got 0");
  }
  const arg = argmaxRows(pi, n, e);
  let l = 0;
  for (let j = 0; j < e; j++) {
    let f = 0;
    let p = 0;
    for (let r = 0; r < n; r++) {
      if (arg[r] === j) f++;
      p += pi[r * e + j]!;
    }
    l += (f / n) * (p / n);
  }
  return e * l;
}

/**
 * ∂L/∂z [N, E] of the balance loss with respect to the router logits z (π = softmax z), f held
 * constant (it is a hard count): ∂L/∂z_{n,j} = (E/N) π_{n,j} (f_j − Σ_e f_e π_{n,e}).
 */
export function balanceLossGradLogits(pi: Float64Array, n: number, e: number): Float64Array {
  const arg = argmaxRows(pi, n, e);
  const f = new Float64Array(e);
  for (let r = 0; r < n; r++) f[arg[r]!]! += 1 / n;
  const g = new Float64Array(n * e);
  for (let r = 0; r < n; r++) {
    let dot = 0;
    for (let j = 0; j < e; j++) dot += f[j]! * pi[r * e + j]!;
    for (let j = 0; j < e; j++) g[r * e + j] = (e / n) * pi[r * e + j]! * (f[j]! - dot);
  }
  return g;
}

/** Router probabilities and every expert's output [E][N, O] of the routed core. */
export function routedParts(
  p: OracleParams,
  prefix: string,
  u: Float64Array,
  n: number,
  f: number,
  hidden: number,
  experts: number,
  outDim: number,
): { pi: Float64Array; outputs: Float64Array[] } {
  const H = hidden;
  const X = experts;
  const z = linear(
    u,
    n,
    f,
    need(p, `${prefix}.router_w`, f * X),
    X,
    need(p, `${prefix}.router_b`, X),
  );
  const pi = softmaxRows(z, n, X);
  const w1 = need(p, `${prefix}.w1`, f * X * H);
  const b1 = need(p, `${prefix}.b1`, X * H);
  const w2 = need(p, `${prefix}.w2`, X * H * outDim);
  const b2 = need(p, `${prefix}.b2`, X * outDim);
  const pre = linear(u, n, f, w1, X * H, b1);
  const outputs: Float64Array[] = [];
  for (let e = 0; e < X; e++) {
    const a = new Float64Array(n * H);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < H; k++) {
        const v = Math.max(pre[r * X * H + e * H + k]!, 0);
        a[r * H + k] = v * v;
      }
    }
    outputs.push(
      linear(
        a,
        n,
        H,
        w2.subarray(e * H * outDim, (e + 1) * H * outDim),
        outDim,
        b2.subarray(e * outDim, (e + 1) * outDim),
      ),
    );
  }
  return { pi, outputs };
}

/** Σ_e π_e ℓ_e of the routed core's parts. */
export function mixExperts(
  pi: Float64Array,
  outputs: Float64Array[],
  n: number,
  o: number,
): Float64Array {
  const X = outputs.length;
  const out = new Float64Array(n * o);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < o; c++) {
      let s = 0;
      for (let e = 0; e < X; e++) s += pi[r * X + e]! * outputs[e]![r * o + c]!;
      out[r * o + c] = s;
    }
  }
  return out;
}

/** Embedding rows scaled to unit L2 norm (norms below 1e-12 taken as 1e-12). */
export function normalizeRows(emb: Float64Array, v: number, e: number): Float64Array {
  const out = new Float64Array(v * e);
  for (let r = 0; r < v; r++) {
    let s = 0;
    for (let c = 0; c < e; c++) s += emb[r * e + c]! ** 2;
    const norm = Math.max(Math.sqrt(s), 1e-12);
    for (let c = 0; c < e; c++) out[r * e + c] = emb[r * e + c]! / norm;
  }
  return out;
}

/**
 * All hidden states [B, T, H] of a PyTorch GRU (rows [r; z; n], h₀ = 0) over x [B, T, I].
 */
export function gruStates(
  x: Float64Array,
  B: number,
  T: number,
  I: number,
  H: number,
  wIh: Float64Array,
  wHh: Float64Array,
  bIh: Float64Array,
  bHh: Float64Array,
): Float64Array {
  const hs = new Float64Array(B * T * H);
  const gi = new Float64Array(3 * H);
  const gh = new Float64Array(3 * H);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const xo = (b * T + t) * I;
      for (let g = 0; g < 3 * H; g++) {
        let si = bIh[g]!;
        for (let k = 0; k < I; k++) si += wIh[g * I + k]! * x[xo + k]!;
        let sh = bHh[g]!;
        for (let k = 0; k < H; k++) sh += wHh[g * H + k]! * h[k]!;
        gi[g] = si;
        gh[g] = sh;
      }
      const next = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gi[j]! + gh[j]!);
        const z = sigmoid(gi[H + j]! + gh[H + j]!);
        const nn = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
        next[j] = (1 - z) * nn + z * h[j]!;
      }
      h = next;
      hs.set(h, (b * T + t) * H);
    }
  }
  return hs;
}

/**
 * Band i's input of a banded spec over u [n, F] = [S (M modes), x]: its modes (the last band
 * takes the remainder; a static band, 0 experts, none) and all of x, as [n, fi], with where its
 * modes start in u and how many it reads.
 */
export function bandInput(
  spec: Extract<OracleReadoutSpec, { kind: "bands" }>,
  i: number,
  u: ArrayLike<number>,
  n: number,
  F: number,
): { ui: Float64Array; fi: number; start: number; width: number } {
  const { bands: nb, modes: M } = spec;
  const E = F - M;
  const w = Math.floor(M / nb);
  const k = spec.bandExperts?.[i] ?? spec.experts ?? 4;
  const start = i * w;
  const width = k === 0 ? 0 : i === nb - 1 ? M - start : w;
  const fi = width + E;
  const ui = new Float64Array(n * fi);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < width; c++) ui[r * fi + c] = u[r * F + start + c]!;
    for (let c = 0; c < E; c++) ui[r * fi + width + c] = u[r * F + M + c]!;
  }
  return { ui, fi, start, width };
}

/** The readout of band i of a banded spec (band experts 0: a linear readout, no hidden layer). */
export function bandSpec(
  spec: Extract<OracleReadoutSpec, { kind: "bands" }>,
  i: number,
): OracleReadoutSpec {
  const k = spec.bandExperts?.[i] ?? spec.experts ?? 4;
  const hid = spec.hidden.map((h) => Math.floor(h / spec.bands));
  if (k === 0) return { kind: "mlp", hidden: [] };
  if (spec.bandKind === "mlp") return { kind: "mlp", hidden: hid };
  if (spec.bandKind === "tied_recursive") {
    return { kind: "tied_recursive", hidden: hid[0]!, depth: spec.depth ?? 2 };
  }
  if (spec.bandKind === "routed_sqrelu_experts") {
    return { kind: "routed_sqrelu_experts", hidden: hid[0]!, experts: k };
  }
  return {
    kind: "tied_embed_readout",
    hidden: hid[0]!,
    experts: k,
    embeddingDim: spec.embeddingDim!,
    normalize: spec.normalize ?? false,
  };
}

/**
 * The readout oracle: logits [N, V] (N = B·T) of features u [B, T, F] under `spec`, with the
 * parameters named `<prefix>.…` as the implementation names them, and the balance loss.
 * `embedding` [V, E] is needed for tied-embedding readouts.
 */
export function oracleReadout(
  spec: OracleReadoutSpec,
  p: OracleParams,
  prefix: string,
  u: Float64Array,
  dims: { B: number; T: number; F: number; V: number },
  embedding?: Float64Array,
): OracleReadoutResult {
  const { B, T, F, V } = dims;
  const n = B * T;
  switch (spec.kind) {
    case "mlp": {
      let h = u;
      let fan = F;
      spec.hidden.forEach((w, i) => {
        h = linear(h, n, fan, need(p, `${prefix}.w${i}`, fan * w), w, need(p, `${prefix}.b${i}`, w))
          .map(geluTanh);
        fan = w;
      });
      const logits = linear(
        h,
        n,
        fan,
        need(p, `${prefix}.out_w`, fan * V),
        V,
        need(p, `${prefix}.out_b`, V),
      );
      return { logits, balance: null };
    }
    case "tied_recursive": {
      const H = spec.hidden;
      let h = linear(u, n, F, need(p, `${prefix}.in_w`, F * H), H, need(p, `${prefix}.in_b`, H));
      const delta = need(p, `${prefix}.delta`, spec.depth * H);
      const bw = need(p, `${prefix}.block_w`, H * H);
      const bb = need(p, `${prefix}.block_b`, H);
      for (let d = 0; d < spec.depth; d++) {
        const shifted = h.map((v, i) => v + delta[d * H + (i % H)]!);
        h = linear(shifted, n, H, bw, H, bb).map(geluTanh);
      }
      const logits = linear(
        h,
        n,
        H,
        need(p, `${prefix}.out_w`, H * V),
        V,
        need(p, `${prefix}.out_b`, V),
      );
      return { logits, balance: null };
    }
    case "routed_sqrelu_experts": {
      const { pi, outputs } = routedParts(p, prefix, u, n, F, spec.hidden, spec.experts, V);
      return { logits: mixExperts(pi, outputs, n, V), balance: balanceLoss(pi, n, spec.experts) };
    }
    case "tied_embed_readout": {
      const E = spec.embeddingDim;
      if (embedding === undefined || embedding.length !== V * E) {
        throw new TypeError(
          `Cannot run the tied-embedding oracle: expected an embedding of ${V * E} values`,
        );
      }
      const { pi, outputs } = routedParts(p, prefix, u, n, F, spec.hidden, spec.experts, E);
      const m = mixExperts(pi, outputs, n, E);
      const table = spec.normalize ? normalizeRows(embedding, V, E) : embedding;
      const logits = new Float64Array(n * V);
      for (let r = 0; r < n; r++) {
        for (let v = 0; v < V; v++) {
          let s = 0;
          for (let c = 0; c < E; c++) s += m[r * E + c]! * table[v * E + c]!;
          logits[r * V + v] = s;
        }
      }
      return { logits, balance: balanceLoss(pi, n, spec.experts) };
    }
    case "recurrent": {
      const H = spec.hidden;
      const g = `${prefix}.gru.`;
      const hs = gruStates(
        u,
        B,
        T,
        F,
        H,
        need(p, `${g}weight_ih_l0`, 3 * H * F),
        need(p, `${g}weight_hh_l0`, 3 * H * H),
        need(p, `${g}bias_ih_l0`, 3 * H),
        need(p, `${g}bias_hh_l0`, 3 * H),
      );
      const logits = linear(
        hs,
        n,
        H,
        need(p, `${prefix}.out_w`, H * V),
        V,
        need(p, `${prefix}.out_b`, V),
      );
      return { logits, balance: null };
    }
    case "bands": {
      const logits = new Float64Array(n * V);
      let balance: number | null = null;
      for (let i = 0; i < spec.bands; i++) {
        const bp = `${prefix}.band${i}`;
        const { ui, fi } = bandInput(spec, i, u, n, F);
        const r = oracleReadout(bandSpec(spec, i), p, bp, ui, { B, T, F: fi, V }, embedding);
        for (let j = 0; j < logits.length; j++) logits[j]! += r.logits[j]!;
        if (r.balance !== null) balance = (balance ?? 0) + r.balance;
      }
      return { logits, balance };
    }
  }
}

/** Entropy (nats) of softmax(ℓ), max ℓ and the population variance of ℓ, of one row. */
export function rowFeatures(l: Float64Array, start: number, v: number): [number, number, number] {
  let m = -Infinity;
  let mean = 0;
  for (let j = 0; j < v; j++) {
    m = Math.max(m, l[start + j]!);
    mean += l[start + j]!;
  }
  mean /= v;
  let s = 0;
  let variance = 0;
  for (let j = 0; j < v; j++) {
    s += Math.exp(l[start + j]! - m);
    variance += (l[start + j]! - mean) ** 2;
  }
  const lse = m + Math.log(s);
  let h = 0;
  for (let j = 0; j < v; j++) {
    const lp = l[start + j]! - lse;
    h -= Math.exp(lp) * lp;
  }
  return [h, m, variance / v];
}

/**
 * The gated mix of logits rows ℓ_lin, ℓ_loc [N, V]: g = σ(φ·w + b)·s with φ = [H_lin, H_loc,
 * max_lin, max_loc, Var_lin, Var_loc]; logits = ℓ_lin + g·ℓ_loc.
 */
export function gatedMix(
  lin: Float64Array,
  loc: Float64Array,
  n: number,
  v: number,
  w: ArrayLike<number>,
  b: number,
  localScale: number,
): { logits: Float64Array; gate: Float64Array } {
  const logits = new Float64Array(n * v);
  const gate = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const [hl, ml, vl] = rowFeatures(lin, r * v, v);
    const [hc, mc, vc] = rowFeatures(loc, r * v, v);
    const phi = [hl, hc, ml, mc, vl, vc];
    let z = b;
    for (let k = 0; k < 6; k++) z += phi[k]! * w[k]!;
    const g = sigmoid(z) * localScale;
    gate[r] = g;
    for (let j = 0; j < v; j++) logits[r * v + j] = lin[r * v + j]! + g * loc[r * v + j]!;
  }
  return { logits, gate };
}

// ------------------------------------------------------------------ backward

/** Gradients of one readout: parameters by full name, the features u, the embedding table. */
export interface OracleReadoutGrads {
  /** ∂L/∂θ by the parameter's full name. */
  params: OracleParams;
  /** ∂L/∂u [N, F]. */
  du: Float64Array;
  /** ∂L/∂embedding [V, E] of tied-embedding readouts (summed over bands), else null. */
  dEmbedding: Float64Array | null;
}

/** Backward of y = x W + b (x [N, I], W [I, O]): ∂x = ∂y Wᵀ, ∂W = xᵀ ∂y, ∂b = Σ_rows ∂y. */
export function linearBackward(
  x: Float64Array,
  n: number,
  i: number,
  w: Float64Array,
  o: number,
  dy: Float64Array,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(n * i);
  const dw = new Float64Array(i * o);
  const db = new Float64Array(o);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < o; c++) {
      const g = dy[r * o + c]!;
      if (g === 0) continue;
      db[c]! += g;
      for (let k = 0; k < i; k++) {
        dx[r * i + k]! += g * w[k * o + c]!;
        dw[k * o + c]! += x[r * i + k]! * g;
      }
    }
  }
  return { dx, dw, db };
}

/** Softmax backward of rows: ∂z = π ⊙ (∂π − Σ_j ∂π_j π_j). */
function softmaxRowsBackward(pi: Float64Array, dpi: Float64Array, n: number, k: number) {
  const dz = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let dot = 0;
    for (let j = 0; j < k; j++) dot += dpi[r * k + j]! * pi[r * k + j]!;
    for (let j = 0; j < k; j++) dz[r * k + j] = pi[r * k + j]! * (dpi[r * k + j]! - dot);
  }
  return dz;
}

/**
 * Backward of the routed core (router, squared-ReLU experts, π-weighted mix) from ∂out [N, O]:
 * the parameter gradients (into `grads` under the prefix) and ∂u [N, F].
 */
function routedBackward(
  p: OracleParams,
  prefix: string,
  u: Float64Array,
  n: number,
  f: number,
  H: number,
  X: number,
  O: number,
  dOut: Float64Array,
  grads: OracleParams,
): Float64Array {
  const { pi, outputs } = routedParts(p, prefix, u, n, f, H, X, O);
  const w1 = need(p, `${prefix}.w1`, f * X * H);
  const pre = linear(u, n, f, w1, X * H, need(p, `${prefix}.b1`, X * H));
  const w2 = need(p, `${prefix}.w2`, X * H * O);
  const dpi = new Float64Array(n * X);
  const dPre = new Float64Array(n * X * H);
  const dw2 = new Float64Array(X * H * O);
  const db2 = new Float64Array(X * O);
  for (let e = 0; e < X; e++) {
    const a = new Float64Array(n * H);
    const dl = new Float64Array(n * O);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < H; k++) a[r * H + k] = Math.max(pre[r * X * H + e * H + k]!, 0) ** 2;
      let s = 0;
      for (let c = 0; c < O; c++) {
        s += dOut[r * O + c]! * outputs[e]![r * O + c]!;
        dl[r * O + c] = pi[r * X + e]! * dOut[r * O + c]!;
      }
      dpi[r * X + e] = s;
    }
    const g = linearBackward(a, n, H, w2.subarray(e * H * O, (e + 1) * H * O), O, dl);
    dw2.set(g.dw, e * H * O);
    db2.set(g.db, e * O);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < H; k++) {
        const v = pre[r * X * H + e * H + k]!;
        // d(relu(v)²)/dv = 2·relu(v).
        dPre[r * X * H + e * H + k] = v > 0 ? 2 * v * g.dx[r * H + k]! : 0;
      }
    }
  }
  const dz = softmaxRowsBackward(pi, dpi, n, X);
  const gr = linearBackward(u, n, f, need(p, `${prefix}.router_w`, f * X), X, dz);
  const g1 = linearBackward(u, n, f, w1, X * H, dPre);
  grads[`${prefix}.router_w`] = gr.dw;
  grads[`${prefix}.router_b`] = gr.db;
  grads[`${prefix}.w1`] = g1.dw;
  grads[`${prefix}.b1`] = g1.db;
  grads[`${prefix}.w2`] = dw2;
  grads[`${prefix}.b2`] = db2;
  return g1.dx.map((v, i) => v + gr.dx[i]!);
}

/**
 * The readout oracle's analytic backward: gradients of L = Σ dLogits ⊙ logits (dLogits [N, V])
 * in every parameter, the features u and (tied-embedding readouts) the embedding, for every kind
 * but the GRU readout (its backward is spec/oracle/nn/gru.ts's). The balance loss is not in L.
 *
 * @throws {RangeError} for a recurrent readout (or recurrent bands).
 */
export function oracleReadoutBackward(
  spec: OracleReadoutSpec,
  p: OracleParams,
  prefix: string,
  u: Float64Array,
  dims: { B: number; T: number; F: number; V: number },
  dLogits: Float64Array,
  embedding?: Float64Array,
): OracleReadoutGrads {
  const { B, T, F, V } = dims;
  const n = B * T;
  const params: OracleParams = {};
  switch (spec.kind) {
    case "mlp": {
      // Forward again, keeping each layer's input and pre-activation.
      const inputs: Float64Array[] = [u];
      const pres: Float64Array[] = [];
      const fans: number[] = [F];
      spec.hidden.forEach((w, i) => {
        const pre = linear(
          inputs[i]!,
          n,
          fans[i]!,
          need(p, `${prefix}.w${i}`, fans[i]! * w),
          w,
          need(p, `${prefix}.b${i}`, w),
        );
        pres.push(pre);
        inputs.push(pre.map(geluTanh));
        fans.push(w);
      });
      const L = spec.hidden.length;
      const go = linearBackward(
        inputs[L]!,
        n,
        fans[L]!,
        need(p, `${prefix}.out_w`, fans[L]! * V),
        V,
        dLogits,
      );
      params[`${prefix}.out_w`] = go.dw;
      params[`${prefix}.out_b`] = go.db;
      let dh = go.dx;
      for (let i = L - 1; i >= 0; i--) {
        const dPre = dh.map((g, j) => g * geluTanhGrad(pres[i]![j]!));
        const g = linearBackward(
          inputs[i]!,
          n,
          fans[i]!,
          need(p, `${prefix}.w${i}`, fans[i]! * fans[i + 1]!),
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
      const inW = need(p, `${prefix}.in_w`, F * H);
      const delta = need(p, `${prefix}.delta`, D * H);
      const bw = need(p, `${prefix}.block_w`, H * H);
      const bb = need(p, `${prefix}.block_b`, H);
      let h = linear(u, n, F, inW, H, need(p, `${prefix}.in_b`, H));
      const shifted: Float64Array[] = [];
      const pres: Float64Array[] = [];
      for (let d = 0; d < D; d++) {
        const s = h.map((v, i) => v + delta[d * H + (i % H)]!);
        const pre = linear(s, n, H, bw, H, bb);
        shifted.push(s);
        pres.push(pre);
        h = pre.map(geluTanh);
      }
      const go = linearBackward(h, n, H, need(p, `${prefix}.out_w`, H * V), V, dLogits);
      params[`${prefix}.out_w`] = go.dw;
      params[`${prefix}.out_b`] = go.db;
      const dbw = new Float64Array(H * H);
      const dbb = new Float64Array(H);
      const dDelta = new Float64Array(D * H);
      let dh = go.dx;
      // The block's weights are shared: their gradient sums over the D applications.
      for (let d = D - 1; d >= 0; d--) {
        const dPre = dh.map((g, j) => g * geluTanhGrad(pres[d]![j]!));
        const g = linearBackward(shifted[d]!, n, H, bw, H, dPre);
        g.dw.forEach((v, i) => (dbw[i]! += v));
        g.db.forEach((v, i) => (dbb[i]! += v));
        g.dx.forEach((v, i) => (dDelta[d * H + (i % H)]! += v));
        dh = g.dx;
      }
      const gi = linearBackward(u, n, F, inW, H, dh);
      params[`${prefix}.in_w`] = gi.dw;
      params[`${prefix}.in_b`] = gi.db;
      params[`${prefix}.block_w`] = dbw;
      params[`${prefix}.block_b`] = dbb;
      params[`${prefix}.delta`] = dDelta;
      return { params, du: gi.dx, dEmbedding: null };
    }
    case "routed_sqrelu_experts": {
      const du = routedBackward(p, prefix, u, n, F, spec.hidden, spec.experts, V, dLogits, params);
      return { params, du, dEmbedding: null };
    }
    case "tied_embed_readout": {
      const E = spec.embeddingDim;
      if (embedding === undefined || embedding.length !== V * E) {
        throw new TypeError(
          `Cannot run the tied-embedding oracle's backward: expected an embedding of ${V * E} ` +
            `values but got ${embedding === undefined ? "none" : embedding.length}`,
        );
      }
      const { pi, outputs } = routedParts(p, prefix, u, n, F, spec.hidden, spec.experts, E);
      const m = mixExperts(pi, outputs, n, E);
      const table = spec.normalize ? normalizeRows(embedding, V, E) : embedding;
      // logits = m tableᵀ: ∂m = ∂logits table, ∂table = ∂logitsᵀ m.
      const dm = linear(dLogits, n, V, table, E);
      const dTable = new Float64Array(V * E);
      for (let r = 0; r < n; r++) {
        for (let v = 0; v < V; v++) {
          const g = dLogits[r * V + v]!;
          for (let c = 0; c < E; c++) dTable[v * E + c]! += g * m[r * E + c]!;
        }
      }
      let dEmbedding = dTable;
      if (spec.normalize) {
        // y = x / ‖x‖ (‖x‖ > 1e-12): ∂x = (∂y − y (∂y·y)) / ‖x‖.
        dEmbedding = new Float64Array(V * E);
        for (let v = 0; v < V; v++) {
          let s = 0;
          for (let c = 0; c < E; c++) s += embedding[v * E + c]! ** 2;
          const norm = Math.sqrt(s);
          if (norm <= 1e-12) continue;
          let dot = 0;
          for (let c = 0; c < E; c++) dot += dTable[v * E + c]! * table[v * E + c]!;
          for (let c = 0; c < E; c++) {
            dEmbedding[v * E + c] = (dTable[v * E + c]! - table[v * E + c]! * dot) / norm;
          }
        }
      }
      const du = routedBackward(p, prefix, u, n, F, spec.hidden, spec.experts, E, dm, params);
      return { params, du, dEmbedding };
    }
    case "recurrent":
      throw new RangeError(
        "Cannot run the readout oracle's backward: expected a position-wise kind but got " +
          "\"recurrent\" (the GRU's backward is spec/oracle/nn/gru.ts's)",
      );
    case "bands": {
      const { bands: nb, modes: M } = spec;
      const E = F - M;
      const du = new Float64Array(n * F);
      let dEmbedding: Float64Array | null = null;
      for (let i = 0; i < nb; i++) {
        const { ui, fi, start, width } = bandInput(spec, i, u, n, F);
        const sub = bandSpec(spec, i);
        const g = oracleReadoutBackward(
          sub,
          p,
          `${prefix}.band${i}`,
          ui,
          { B, T, F: fi, V },
          dLogits,
          embedding,
        );
        Object.assign(params, g.params);
        // Every band reads the embedding columns: their gradients add up.
        for (let r = 0; r < n; r++) {
          for (let c = 0; c < width; c++) du[r * F + start + c]! += g.du[r * fi + c]!;
          for (let c = 0; c < E; c++) du[r * F + M + c]! += g.du[r * fi + width + c]!;
        }
        if (g.dEmbedding !== null) {
          if (dEmbedding === null) dEmbedding = g.dEmbedding;
          else g.dEmbedding.forEach((v, j) => (dEmbedding![j]! += v));
        }
      }
      return { params, du, dEmbedding };
    }
  }
}

/**
 * ∂φ/∂ℓ of one row's gate features φ = [H, max, Var] (entropy of softmax ℓ, its maximum and
 * population variance), scaled by dH, dMax, dVar and added into `into` from `start`:
 * ∂H/∂ℓ_j = −p_j (log p_j + H); ∂max/∂ℓ_j = 1 at the first maximum; ∂Var/∂ℓ_j = 2(ℓ_j − μ)/V.
 */
function rowFeaturesBackward(
  l: Float64Array,
  start: number,
  v: number,
  dH: number,
  dMax: number,
  dVar: number,
  into: Float64Array,
): void {
  const [h] = rowFeatures(l, start, v);
  let m = -Infinity;
  let arg = 0;
  let mean = 0;
  for (let j = 0; j < v; j++) {
    if (l[start + j]! > m) {
      m = l[start + j]!;
      arg = j;
    }
    mean += l[start + j]!;
  }
  mean /= v;
  let s = 0;
  for (let j = 0; j < v; j++) s += Math.exp(l[start + j]! - m);
  const lse = m + Math.log(s);
  for (let j = 0; j < v; j++) {
    const lp = l[start + j]! - lse;
    into[start + j]! += -dH * Math.exp(lp) * (lp + h) + dVar * 2 * (l[start + j]! - mean) / v;
  }
  into[start + arg]! += dMax;
}

/**
 * The gated mix's analytic backward: gradients of L = Σ dY ⊙ logits in ℓ_lin, ℓ_loc [N, V],
 * the gate's weights w [6] and bias b (see {@link gatedMix}).
 */
export function gatedMixBackward(
  lin: Float64Array,
  loc: Float64Array,
  n: number,
  v: number,
  w: ArrayLike<number>,
  b: number,
  localScale: number,
  dY: Float64Array,
): { dLin: Float64Array; dLoc: Float64Array; dW: Float64Array; dB: number } {
  const dLin = Float64Array.from(dY);
  const dLoc = new Float64Array(n * v);
  const dW = new Float64Array(6);
  let dB = 0;
  for (let r = 0; r < n; r++) {
    const [hl, ml, vl] = rowFeatures(lin, r * v, v);
    const [hc, mc, vc] = rowFeatures(loc, r * v, v);
    const phi = [hl, hc, ml, mc, vl, vc];
    let z = b;
    for (let k = 0; k < 6; k++) z += phi[k]! * w[k]!;
    const sg = sigmoid(z);
    const g = sg * localScale;
    let dg = 0;
    for (let j = 0; j < v; j++) {
      dg += dY[r * v + j]! * loc[r * v + j]!;
      dLoc[r * v + j] = g * dY[r * v + j]!;
    }
    const dz = dg * localScale * sg * (1 - sg);
    dB += dz;
    for (let k = 0; k < 6; k++) dW[k]! += dz * phi[k]!;
    rowFeaturesBackward(lin, r * v, v, dz * w[0]!, dz * w[2]!, dz * w[4]!, dLin);
    rowFeaturesBackward(loc, r * v, v, dz * w[1]!, dz * w[3]!, dz * w[5]!, dLoc);
  }
  return { dLin, dLoc, dW, dB };
}
