/**
 * Parameter construction of the decepticons substrates (asuramaya/decepticons
 * src/decepticons/reservoir.py, delay.py, linear_memory.py,
 * oscillatory_memory.py, mixed_memory.py, hierarchical.py) in f64 on the host,
 * from memspec's counter-based {@link Rng} (not numpy's PCG64: parity with the
 * original goes through fixtures that carry numpy's draws).
 *
 * Every substrate is a plain parameter record; the GPU runner
 * (./gpu.ts) consumes it. The hierarchical substrate's state carries its
 * step phase as a trailing entry, so its step is a pure function of
 * (state, token).
 *
 * @example An echo-state reservoir with its spectral radius set exactly
 * ```ts
 * import { echoState } from "./build.ts";
 * import { spectralRadius } from "./eigen.ts";
 * import { ok } from "node:assert/strict";
 * const esn = echoState({ size: 40, vocab: 16 });
 * ok(Math.abs(spectralRadius(esn.layer.w, 40) - 0.95) < 1e-9);
 * ```
 *
 * @module
 */
import { Rng } from "../../gpu/rng.ts";
import { spectralRadius } from "./eigen.ts";
import {
  checkFiniteList,
  checkInt,
  checkList,
  checkObject,
  checkOneOf,
  checkReal,
  shown,
} from "../../validate.ts";

/** Checks a non-empty list of finite numbers. */
function realList(op: string, what: string, v: unknown): void {
  checkFiniteList(op, what, v);
  if ((v as ArrayLike<number>).length === 0) {
    throw new RangeError(`Cannot run ${op}: expected ${what} to hold at least one value`);
  }
}

/** A leaky tanh reservoir layer: s' = (1−λ)s + λ tanh(W s + U[:, x] + Up·below'). */
export interface ReservoirLayer {
  /** Units n. */
  n: number;
  /** Leak rate λ in (0, 1]. */
  leak: number;
  /** [n, n] row-major, zero diagonal. */
  w: Float64Array;
  /** [n, V]: column x is token x's drive. */
  u: Float64Array;
  /** [n, n_below] upward weights from the layer below's new state, or null. */
  up: Float64Array | null;
  /** The layer moves when stride = 1 or (phase + 1) mod stride = 0. */
  stride: number;
}

/** Echo-state reservoir. */
export interface EchoState {
  /** Discriminant of {@link Substrate}. */
  kind: "echo_state";
  /** Vocabulary size V: token ids are 0..V−1. */
  vocab: number;
  /** The reservoir. */
  layer: ReservoirLayer;
}
/** Delay line H'[0] = E_x, H'[j] = d·H[j−1]. */
export interface DelayLine {
  /** Discriminant of {@link Substrate}. */
  kind: "delay";
  /** Vocabulary size V: token ids are 0..V−1. */
  vocab: number;
  /** Slots L of the line. */
  length: number;
  /** Embedding width E of each slot. */
  dim: number;
  /** Decay d applied as a slot moves down the line. */
  decay: number;
  /** [V, E]. */
  emb: Float64Array;
}
/** Linear memory m_k' = d_k m_k + E_x. */
export interface LinearMemory {
  /** Discriminant of {@link Substrate}. */
  kind: "linear";
  /** Vocabulary size V: token ids are 0..V−1. */
  vocab: number;
  /** Embedding width E of each bank. */
  dim: number;
  /** Decay d_k of each bank, |d_k| < 1. */
  decays: number[];
  /** Token embeddings [V, E]. */
  emb: Float64Array;
}
/** Oscillatory memory: K decay banks and M damped rotations. */
export interface Oscillatory {
  /** Discriminant of {@link Substrate}. */
  kind: "oscillatory";
  /** Vocabulary size V: token ids are 0..V−1. */
  vocab: number;
  /** Embedding width E of each bank. */
  dim: number;
  /** Decays of the K plain decay banks, in [0, 1). */
  decays: number[];
  /** Damping ρ_m of the M rotations, in [0, 1). */
  damping: number[];
  /** Period of each rotation in steps (angle 2π / period per step). */
  periods: number[];
  /** Unit-norm token vectors [V, E]. */
  emb: Float64Array;
  /** K decay projections, M cos projections, M sin projections; each [E, E] orthogonal. */
  q: Float64Array[];
}
/** Mixed memory: [echo-state, delay] with independent branches. */
export interface Mixed {
  /** Discriminant of {@link Substrate}. */
  kind: "mixed";
  /** Vocabulary size V: token ids are 0..V−1. */
  vocab: number;
  /** The echo-state branch. */
  esn: ReservoirLayer;
  /** The delay-line branch. */
  delay: DelayLine;
}
/** Hierarchical reservoirs: fast, mid, slow (the slow one strided). */
export interface Hierarchical {
  /** Discriminant of {@link Substrate}. */
  kind: "hierarchical";
  /** Vocabulary size V: token ids are 0..V−1. */
  vocab: number;
  /** The fast, mid and slow layers, bottom up. */
  layers: ReservoirLayer[];
}

/** Any substrate. */
export type Substrate = EchoState | DelayLine | LinearMemory | Oscillatory | Mixed | Hierarchical;

/** State size; the hierarchical phase is one extra trailing entry. */
export function stateDim(s: Substrate): number {
  checkSubstrate("stateDim", s);
  return stateDimOf(s);
}

/** {@link stateDim} of a substrate already checked. */
export function stateDimOf(s: Substrate): number {
  switch (s.kind) {
    case "echo_state":
      return s.layer.n;
    case "delay":
      return s.length * s.dim;
    case "linear":
      return s.decays.length * s.dim;
    case "oscillatory":
      return (s.decays.length + 2 * s.damping.length) * s.dim;
    case "mixed":
      return s.esn.n + s.delay.length * s.delay.dim;
    case "hierarchical":
      return s.layers.reduce((a, l) => a + l.n, 0) + 1;
  }
}

function check(cond: boolean, what: string, op?: string): void {
  if (!cond) {
    throw new RangeError(`Cannot build ${op ? `the substrate (${op})` : "substrate"}: ${what}`);
  }
}

/** Most state units one substrate branch may hold (runSubstrate's workgroup-memory limit). */
export const MAX_BRANCH_UNITS = 2048;
/** Most vocabulary ids a substrate embeds. */
const MAX_VOCAB = 65536;
/** Most f64 values one drawn table (embedding, input weights) may hold. */
const MAX_TABLE = 2 ** 24;

/** Checks a builder's options object (undefined means every default). */
function checkOptions(op: string, o: unknown): void {
  if (o !== undefined) checkObject(op, "the options", o);
}

/** Checks the vocabulary and seed options shared by every builder; returns them with defaults. */
function vocabAndSeed(op: string, o: { vocab?: unknown; seed?: unknown }, seedSpan = 0) {
  const vocab = o.vocab === undefined ? 256 : checkInt(op, "vocab", o.vocab, 1, MAX_VOCAB);
  const seed = o.seed === undefined ? 7 : checkInt(op, "seed", o.seed, 0, 0xffffffff - seedSpan);
  return { vocab, seed };
}

/** Checks an optional finite number option. */
function optReal(op: string, what: string, v: unknown, min = -Infinity, max = Infinity) {
  return v === undefined ? undefined : checkReal(op, what, v, min, max);
}

/** Checks a drawn table of `count` values fits {@link MAX_TABLE}. */
function checkTable(op: string, what: string, count: number): void {
  if (count > MAX_TABLE) {
    throw new RangeError(
      `Cannot run ${op}: the ${what} would hold ${count} values, expected at most ${MAX_TABLE}`,
    );
  }
}

/** Checks a substrate's state size against {@link MAX_BRANCH_UNITS}. */
function checkUnits(op: string, what: string, units: number): void {
  if (units > MAX_BRANCH_UNITS) {
    throw new RangeError(
      `Cannot run ${op}: ${what} gives ${units} state units, expected at most ${MAX_BRANCH_UNITS}`,
    );
  }
}

/** Checks the reservoir options of an echo-state layer. */
function checkReservoirOptions(op: string, o: Partial<ReservoirOptions>, prefix = ""): void {
  checkOptions(op, o);
  if (o.size !== undefined) checkInt(op, `${prefix}size`, o.size, 1, MAX_BRANCH_UNITS);
  optReal(op, `${prefix}connectivity`, o.connectivity, Number.MIN_VALUE, 1);
  optReal(op, `${prefix}spectralRadius`, o.spectralRadius, 0);
  optReal(op, `${prefix}leak`, o.leak, Number.MIN_VALUE, 1);
  optReal(op, `${prefix}inputScale`, o.inputScale);
  if (o.topology !== undefined) {
    checkOneOf(op, `${prefix}topology`, o.topology, ["erdos_renyi", "small_world"]);
  }
  optReal(op, `${prefix}rewireProbability`, o.rewireProbability, 0, 1);
}

/**
 * Checks that `s` is a substrate as the builders make it: a known kind, and every size and
 * table consistent with its vocabulary (a hand-made object with a wrong table would upload the
 * wrong number of values).
 *
 * @throws {TypeError} naming `op` and the first bad field.
 */
export function checkSubstrate(op: string, s: unknown): asserts s is Substrate {
  checkObject(op, "the substrate", s);
  const o = s as Record<string, unknown>;
  const kinds = ["echo_state", "delay", "linear", "oscillatory", "mixed", "hierarchical"] as const;
  const kind = checkOneOf(op, "substrate.kind", o.kind, kinds);
  const vocab = checkInt(op, "substrate.vocab", o.vocab, 1, MAX_VOCAB);
  const table = (what: string, v: unknown, n: number) => {
    if (!(v instanceof Float64Array) || v.length !== n) {
      throw new TypeError(
        `Cannot run ${op}: expected ${what} to be a Float64Array of ${n} values but got ` +
          shown(v),
      );
    }
    checkFiniteList(op, what, v);
  };
  const layer = (what: string, l: unknown, below: number | null) => {
    checkObject(op, what, l);
    const r = l as Record<string, unknown>;
    const n = checkInt(op, `${what}.n`, r.n, 1, MAX_BRANCH_UNITS);
    checkReal(op, `${what}.leak`, r.leak, Number.MIN_VALUE, 1);
    checkInt(op, `${what}.stride`, r.stride, 1, 2 ** 24);
    table(`${what}.w`, r.w, n * n);
    table(`${what}.u`, r.u, n * vocab);
    if (below === null) {
      if (r.up !== null) {
        throw new TypeError(
          `Cannot run ${op}: expected ${what}.up to be null but got ${shown(r.up)}`,
        );
      }
    } else table(`${what}.up`, r.up, n * below);
    return n;
  };
  const reals = (what: string, v: unknown, min: number, max: number) => {
    checkList(op, what, v);
    const a = v as unknown[];
    if (a.length === 0) {
      throw new RangeError(`Cannot run ${op}: expected ${what} to hold at least one value`);
    }
    a.forEach((x, i) => checkReal(op, `${what}[${i}]`, x, min, max));
    return a.length;
  };
  const linear = (what: string, d: Record<string, unknown>, count: number) => {
    const dim = checkInt(op, `${what}.dim`, d.dim, 1, MAX_BRANCH_UNITS);
    table(`${what}.emb`, d.emb, vocab * dim);
    checkUnits(op, what, count * dim);
    return dim;
  };
  if (kind === "echo_state") layer("substrate.layer", o.layer, null);
  else if (kind === "hierarchical") {
    checkList(op, "substrate.layers", o.layers, 3);
    let below: number | null = null;
    let units = 0;
    for (const [i, l] of (o.layers as unknown[]).entries()) {
      below = layer(`substrate.layers[${i}]`, l, below);
      units += below;
    }
    checkUnits(op, "substrate", units);
  } else if (kind === "delay") {
    const length = checkInt(op, "substrate.length", o.length, 1, MAX_BRANCH_UNITS);
    checkReal(op, "substrate.decay", o.decay);
    linear("substrate", o, length);
  } else if (kind === "linear") {
    linear("substrate", o, reals("substrate.decays", o.decays, -1, 1));
  } else if (kind === "oscillatory") {
    const nd = reals("substrate.decays", o.decays, 0, 1);
    const np = reals("substrate.damping", o.damping, 0, 1);
    reals("substrate.periods", o.periods, Number.MIN_VALUE, Infinity);
    checkList(op, "substrate.periods", o.periods, np);
    const dim = linear("substrate", o, nd + 2 * np);
    checkList(op, "substrate.q", o.q, nd + 2 * np);
    (o.q as unknown[]).forEach((q, i) => table(`substrate.q[${i}]`, q, dim * dim));
  } else {
    layer("substrate.esn", o.esn, null);
    checkObject(op, "substrate.delay", o.delay);
    checkSubstrate(op, { ...(o.delay as object), kind: "delay", vocab });
  }
}

const PROBE_REL = 2e-12;
const PROBE_TOLERANCE = 1e-10;

/** Which sparsity pattern a reservoir's W gets (the original's reservoir.py topologies). */
export type ReservoirTopology = "erdos_renyi" | "small_world";

/** Options of one reservoir matrix. */
export interface ReservoirOptions {
  /** Units n. */
  size: number;
  /** Share c of nonzero recurrent weights, in (0, 1]. */
  connectivity?: number;
  /** Spectral radius ρ the recurrent matrix is scaled to. */
  spectralRadius?: number;
  /** Leak rate λ in (0, 1]. */
  leak?: number;
  /** Standard deviation σ_in of the input weights. */
  inputScale?: number;
  /** Default "erdos_renyi" (a Bernoulli(c) mask). */
  topology?: ReservoirTopology;
  /** Small-world rewiring probability per lattice edge; default 0.1. */
  rewireProbability?: number;
}

/** Mask options of {@link reservoirMatrix}. */
export interface ReservoirMaskOptions {
  /** Default "erdos_renyi". */
  topology?: ReservoirTopology;
  /** Small-world only: probability in [0, 1] that a lattice edge is rewired; default 0.1. */
  rewireProbability?: number;
}

/** Ring-lattice degree of a small-world mask: round(c(n − 1)) made even, at least 2. */
export function smallWorldDegree(n: number, c: number): number {
  let k = Math.round(c * (n - 1));
  if (k % 2 === 1) k += 1;
  k = Math.max(2, k);
  // A ring lattice cannot have more than n − 1 neighbours per node.
  return Math.min(k, (n - 1) % 2 === 0 ? n - 1 : n - 2);
}

/**
 * A symmetric small-world (Watts–Strogatz) mask [n, n] of 0/1: the ring lattice in which
 * node i links to i ± 1..k/2 (k = {@link smallWorldDegree}), then every lattice edge
 * (i, i + j), visited in order i = 0..n−1, j = 1..k/2, is moved with probability p to
 * (i, m) for a uniformly drawn m that is neither i nor already linked to i. The edge
 * count n·k/2 is conserved; the diagonal stays 0.
 *
 * @throws {RangeError} when n < 3, c is outside (0, 1] or p is outside [0, 1].
 */
export function smallWorldMask(n: number, c: number, p: number, rng: Rng): Uint8Array {
  check(Number.isInteger(n) && n >= 3, `a small-world mask needs size >= 3, got ${n}`);
  check(c > 0 && c <= 1, `connectivity ${c} outside (0, 1]`);
  check(p >= 0 && p <= 1, `rewire probability ${p} outside [0, 1]`);
  const k = smallWorldDegree(n, c);
  const mask = new Uint8Array(n * n);
  const link = (i: number, j: number, on: 0 | 1) => {
    mask[i * n + j] = on;
    mask[j * n + i] = on;
  };
  for (let i = 0; i < n; i++) for (let j = 1; j <= k / 2; j++) link(i, (i + j) % n, 1);
  for (let i = 0; i < n; i++) {
    for (let j = 1; j <= k / 2; j++) {
      const old = (i + j) % n;
      if (rng.uniform() >= p || mask[i * n + old] === 0) continue;
      const free: number[] = [];
      for (let m = 0; m < n; m++) if (m !== i && mask[i * n + m] === 0) free.push(m);
      if (free.length === 0) continue;
      link(i, old, 0);
      link(i, free[rng.int(free.length)]!, 1);
    }
  }
  return mask;
}

/**
 * A random W [n, n] with a Bernoulli(c) mask (or a symmetric small-world mask,
 * {@link smallWorldMask}) and zero diagonal, rescaled so its
 * spectral radius is exactly `radius` (Hessenberg + Francis QR in f64).
 *
 * @throws {RangeError} when the size or connectivity is out of range, or the draw has radius 0.
 */
export function reservoirMatrix(
  n: number,
  c: number,
  radius: number,
  rng: Rng,
  mask: ReservoirMaskOptions = {},
  op?: string,
): Float64Array {
  check(Number.isInteger(n) && n >= 1 && n <= 2048, `size ${n} outside [1, 2048]`, op);
  check(c > 0 && c <= 1, `connectivity ${c} outside (0, 1]`, op);
  check(radius >= 0 && Number.isFinite(radius), `spectral radius ${radius} must be >= 0`, op);
  const topology = mask.topology ?? "erdos_renyi";
  check(
    topology === "erdos_renyi" || topology === "small_world",
    `unknown topology "${topology}" (expected "erdos_renyi" or "small_world")`,
    op,
  );
  const w = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) w[i] = rng.normal();
  if (topology === "small_world") {
    const m = smallWorldMask(n, c, mask.rewireProbability ?? 0.1, rng);
    for (let i = 0; i < n * n; i++) if (m[i] === 0) w[i] = 0;
  } else {
    for (let i = 0; i < n * n; i++) if (rng.uniform() >= c || i % (n + 1) === 0) w[i] = 0;
  }
  const r = spectralRadius(w, n);
  check(
    r > 0,
    "the drawn matrix has spectral radius 0 (expected a nonzero radius: raise the connectivity)",
    op,
  );
  // Conditioning probe: a defective dominant eigenvalue (near-nilpotent sparse draws) moves
  // like δ^(1/k) under a perturbation δ, so rounding alone would already make "exactly ρ"
  // unattainable. Perturb every entry by a relative 1e-12 (a fixed pattern, no draws) and
  // refuse the draw when the radius moves by more than 1e-10·r: rounding perturbs by ~1e-16,
  // far less than the probe, so the computed radius is then accurate to ~1e-10·r or better.
  const probe = w.map((x, i) => x * (1 + PROBE_REL * (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5)));
  const moved = Math.abs(spectralRadius(probe, n) - r);
  check(
    moved <= PROBE_TOLERANCE * r,
    `the drawn matrix's dominant eigenvalue is ill-conditioned (radius ${r} moves by ${moved} ` +
      "under a 1e-12 relative perturbation; expected a well-conditioned draw); draw again " +
      "with another seed",
    op,
  );
  for (let i = 0; i < n * n; i++) w[i] = w[i]! * (radius / r);
  return w;
}

function gaussian(count: number, scale: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: count }, () => rng.normal() * scale);
}

/**
 * Echo-state defaults (the original's reservoir.py): n 512, c 0.05, ρ 0.95, λ 0.25, σ_in 0.2,
 * seed 7.
 */
export function echoState(
  o: Partial<ReservoirOptions> & { vocab?: number; seed?: number } = {},
): EchoState {
  return echoStateAs("echoState", o);
}

function echoStateAs(
  op: string,
  o: Partial<ReservoirOptions> & { vocab?: number; seed?: number },
): EchoState {
  checkReservoirOptions(op, o);
  const { vocab, seed } = vocabAndSeed(op, o, 17);
  const n = o.size ?? 512;
  checkTable(op, "input weights", n * vocab);
  const leak = o.leak ?? 0.25;
  check(leak > 0 && leak <= 1, `leak ${leak} outside (0, 1]`, op);
  const w = reservoirMatrix(n, o.connectivity ?? 0.05, o.spectralRadius ?? 0.95, new Rng(seed), {
    topology: o.topology,
    rewireProbability: o.rewireProbability,
  }, op);
  const u = gaussian(n * vocab, o.inputScale ?? 0.2, new Rng(seed + 17));
  return { kind: "echo_state", vocab, layer: { n, leak, w, u, up: null, stride: 1 } };
}

/** Delay line defaults: L 16, E 16, d 1, σ 1. */
export function delayLine(
  o: {
    length?: number;
    dim?: number;
    decay?: number;
    scale?: number;
    vocab?: number;
    seed?: number;
  } = {},
): DelayLine {
  return delayLineAs("delayLine", o);
}

function delayLineAs(
  op: string,
  o: {
    length?: number;
    dim?: number;
    decay?: number;
    scale?: number;
    vocab?: number;
    seed?: number;
  },
): DelayLine {
  checkOptions(op, o);
  const { vocab, seed } = vocabAndSeed(op, o);
  const length = o.length === undefined ? 16 : checkInt(op, "length", o.length, 1, 2 ** 24);
  const dim = o.dim === undefined ? 16 : checkInt(op, "dim", o.dim, 1, MAX_BRANCH_UNITS);
  optReal(op, "decay", o.decay);
  optReal(op, "scale", o.scale);
  checkUnits(op, `a delay line of length ${length} and dim ${dim}`, length * dim);
  checkTable(op, "embedding", vocab * dim);
  check(length >= 1 && dim >= 1, `length ${length} and dim ${dim} must be >= 1`, op);
  const emb = gaussian(vocab * dim, (o.scale ?? 1) / Math.sqrt(dim), new Rng(seed));
  return { kind: "delay", vocab, length, dim, decay: o.decay ?? 1, emb };
}

/** Linear memory defaults: decays (0.25, 0.5, 0.75, 0.9, 0.97), E 16. */
export function linearMemory(
  o: { decays?: number[]; dim?: number; vocab?: number; seed?: number } = {},
): LinearMemory {
  const op = "linearMemory";
  checkOptions(op, o);
  const { vocab, seed } = vocabAndSeed(op, o);
  if (o.decays !== undefined) realList(op, "decays", o.decays);
  const decays = o.decays ?? [0.25, 0.5, 0.75, 0.9, 0.97];
  const dim = o.dim === undefined ? 16 : checkInt(op, "dim", o.dim, 1, MAX_BRANCH_UNITS);
  check(decays.every((d) => Math.abs(d) < 1), "every decay must satisfy |d| < 1", op);
  checkUnits(op, `${decays.length} decays of dim ${dim}`, decays.length * dim);
  checkTable(op, "embedding", vocab * dim);
  const emb = gaussian(vocab * dim, 1 / Math.sqrt(dim), new Rng(seed));
  return { kind: "linear", vocab, dim, decays, emb };
}

/** An orthogonal E×E matrix: QR (modified Gram–Schmidt) of a Gaussian, sign-fixed by R's diagonal. */
export function orthogonal(e: number, rng: Rng): Float64Array {
  const g = gaussian(e * e, 1, rng);
  const q = new Float64Array(e * e);
  for (let j = 0; j < e; j++) {
    const v = Float64Array.from({ length: e }, (_, i) => g[i * e + j]!);
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < e; i++) d += q[i * e + k]! * v[i]!;
      for (let i = 0; i < e; i++) v[i] = v[i]! - d * q[i * e + k]!;
    }
    const nrm = Math.hypot(...v);
    // Gram–Schmidt's R diagonal is positive, the sign-fixed convention.
    for (let i = 0; i < e; i++) q[i * e + j] = v[i]! / nrm;
  }
  return q;
}

/** Oscillatory defaults: r (0.25, 0.5, 0.75, 0.9); ρ linspace(0.85, 0.98, 4); periods 4, 8, 16, 32. */
export function oscillatory(
  o: {
    dim?: number;
    decays?: number[];
    damping?: number[];
    periods?: number[];
    vocab?: number;
    seed?: number;
  } = {},
): Oscillatory {
  const op = "oscillatory";
  checkOptions(op, o);
  const { vocab, seed } = vocabAndSeed(op, o);
  const dim = o.dim === undefined ? 16 : checkInt(op, "dim", o.dim, 1, MAX_BRANCH_UNITS);
  if (o.decays !== undefined) realList(op, "decays", o.decays);
  if (o.damping !== undefined) realList(op, "damping", o.damping);
  if (o.periods !== undefined) realList(op, "periods", o.periods);
  const decays = o.decays ?? [0.25, 0.5, 0.75, 0.9];
  const damping = o.damping ?? [0.85, 0.85 + 0.13 / 3, 0.85 + 0.26 / 3, 0.98];
  const periods = o.periods ?? [4, 8, 16, 32];
  check(damping.length === periods.length, "one period per damping (expected equal lengths)", op);
  check(
    [...decays, ...damping].every((d) => d >= 0 && d < 1),
    "decays and damping must lie in [0, 1)",
    op,
  );
  check(periods.every((p) => p > 0), "periods must be > 0", op);
  const count = decays.length + 2 * damping.length;
  checkUnits(op, `${count} modes of dim ${dim}`, count * dim);
  checkTable(op, "embedding", vocab * dim);
  const rng = new Rng(seed);
  const emb = gaussian(vocab * dim, 1, rng);
  for (let v = 0; v < vocab; v++) {
    let s = 0;
    for (let e = 0; e < dim; e++) s += emb[v * dim + e]! ** 2;
    const nrm = Math.sqrt(s);
    for (let e = 0; e < dim; e++) emb[v * dim + e] = emb[v * dim + e]! / nrm;
  }
  const q: Float64Array[] = [];
  for (let k = 0; k < decays.length + 2 * damping.length; k++) q.push(orthogonal(dim, rng));
  return { kind: "oscillatory", vocab, dim, decays, damping, periods, emb, q };
}

/** Mixed: ESN(512) and delay(16×16), independent. */
export function mixed(
  o: {
    esn?: Partial<ReservoirOptions>;
    delayLength?: number;
    delayDim?: number;
    vocab?: number;
    seed?: number;
  } = {},
): Mixed {
  const op = "mixed";
  checkOptions(op, o);
  const { vocab, seed } = vocabAndSeed(op, o, 17);
  if (o.esn !== undefined) checkReservoirOptions(op, o.esn, "esn.");
  const esn = echoStateAs(op, { ...o.esn, vocab, seed }).layer;
  const delay = delayLineAs(op, { length: o.delayLength, dim: o.delayDim, vocab, seed: seed + 1 });
  return { kind: "mixed", vocab, esn, delay };
}

/** Hierarchical defaults: fast 128/.15/.7/.35, mid 256/.08/.9/.25, slow 384/.04/.98/.15. */
export function hierarchical(
  o: { sizes?: [number, number, number]; stride?: number; vocab?: number; seed?: number } = {},
): Hierarchical {
  const op = "hierarchical";
  checkOptions(op, o);
  const { vocab, seed } = vocabAndSeed(op, o);
  if (o.sizes !== undefined) {
    checkList(op, "sizes", o.sizes, 3);
    o.sizes.forEach((n, i) => checkInt(op, `sizes[${i}]`, n, 1, MAX_BRANCH_UNITS));
    checkUnits(op, `sizes ${o.sizes.join(", ")}`, o.sizes[0] + o.sizes[1] + o.sizes[2]);
  }
  if (o.stride !== undefined) checkInt(op, "stride", o.stride, 1, 2 ** 24);
  const [nf, nm, ns] = o.sizes ?? [128, 256, 384];
  checkTable(op, "input weights", Math.max(nf, nm, ns) * vocab);
  const stride = o.stride ?? 4;
  check(Number.isInteger(stride) && stride >= 1, `stride ${stride} must be an integer >= 1`, op);
  const rng = new Rng(seed);
  const spec = [[nf, 0.15, 0.7, 0.35], [nm, 0.08, 0.9, 0.25], [ns, 0.04, 0.98, 0.15]] as const;
  const ws = spec.map(([n, c, r]) => reservoirMatrix(n, c, r, rng, {}, op));
  const us = spec.map(([n]) => gaussian(n * vocab, 0.2 / Math.sqrt(vocab), rng));
  const upMid = gaussian(nm * nf, 0.1 / Math.sqrt(nf), rng);
  const upSlow = gaussian(ns * nm, 0.1 / Math.sqrt(nm), rng);
  const layers: ReservoirLayer[] = spec.map(([n, , , leak], i) => ({
    n,
    leak,
    w: ws[i]!,
    u: us[i]!,
    up: i === 0 ? null : i === 1 ? upMid : upSlow,
    stride: i === 2 ? stride : 1,
  }));
  return { kind: "hierarchical", vocab, layers };
}
