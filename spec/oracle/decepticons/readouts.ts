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
 * @module
 */
import { geluTanh, sigmoid } from "../elementwise.ts";

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
      const { bands: nb, modes: M } = spec;
      const E = F - M;
      const w = Math.floor(M / nb);
      const logits = new Float64Array(n * V);
      let balance: number | null = null;
      for (let i = 0; i < nb; i++) {
        const k = spec.bandExperts?.[i] ?? spec.experts ?? 4;
        const bp = `${prefix}.band${i}`;
        const start = i * w;
        const width = k === 0 ? 0 : i === nb - 1 ? M - start : w;
        const fi = width + E;
        const ui = new Float64Array(n * fi);
        for (let r = 0; r < n; r++) {
          for (let c = 0; c < width; c++) ui[r * fi + c] = u[r * F + start + c]!;
          for (let c = 0; c < E; c++) ui[r * fi + width + c] = u[r * F + M + c]!;
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
        const r = oracleReadout(sub, p, bp, ui, { B, T, F: fi, V }, embedding);
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
