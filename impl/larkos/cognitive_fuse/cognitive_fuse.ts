/**
 * Larkos 0.3's weight-free cognitive fusion
 * (Okerew/larkos_models:modules/fusion_mechanism/fusion_mechanism.c), reproduced on the host
 * in float32 bit for bit: every arithmetic step is one `Math.fround` in the C's order.
 *
 * - A hashed projection coefficient `projCoef(r, c)`: splitmix64's finaliser on
 *   `(r ≪ 32) ⊕ u32(c·2654435761 + 1)` (the product and sum mod 2³²), the low 24 bits mapped
 *   to [−1, 1) as `bits / 2²³ − 1` (exact in f32).
 * - `project(x)_i = (1/√n)·Σ_j x_j·coef(i, j)` (zero for n = 0), LN without affine
 *   (population variance, ε = 1e-6).
 * - The query q = LN(project(llm)), mixed as LN(q + 0.5·LN(project(text))) when there is text.
 * - The first n' = min(n, 1200) memories give keys LN(project(imp·((1 − β)·dw + β·vec))) and
 *   scores ⟨q, key⟩/8; the top K = min(n', 32) by insertion (ties keep the earlier memory),
 *   softmax over those K, mv = LN(Σ w_k key_k) (0 without memories).
 * - Bands: fused[0:32] from q with row seed 1009, fused[32:64] from mv with row seed 3001;
 *   cross_i = fused_i + s·fused_{(i+32) mod 64} with s = 0.5·σ(2c − 1); out = LN(cross).
 *
 * `+ − × ÷` and `sqrt` of f32 operands computed in f64 and rounded once are the correctly
 * rounded f32 results, so they agree with C's float arithmetic exactly. `expf` (the softmax
 * and σ) is computed as the correctly rounded `fround(exp(x))`; a C library's `expf` may
 * differ from that by one ulp in rare arguments, which the fixtures record per case.
 *
 * @example The hash anchors and a call without memories
 * ```ts
 * import { cognitiveFuse, projCoef } from "./cognitive_fuse.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * strictEqual(projCoef(0, 0), Math.fround(-0.981544375));
 * const out = cognitiveFuse({
 *   llm: [1, 2, 3, 4, 5, 6, 7, 8].map((v) => v / 8),
 *   memories: [], importances: [], defaultWeights: new Array(22).fill(0.1),
 *   memWeightRatio: 0.5, contextFactor: 0.5,
 * });
 * ok(Math.abs(out[0]! - 2.094135) < 1e-5);
 * ```
 *
 * @module
 */
import { LARKOS } from "../config.ts";
import { checkFiniteList, checkList, checkObject, checkReal, shown } from "../../validate.ts";

const f = Math.fround;

/** Width of the fused vector and of every projection: 64. */
export const CF_DIM: number = LARKOS.FUSION_DIM;
/** Width of one band: 32. */
export const CF_BAND: number = LARKOS.BAND_Q;
/** Width of a memory vector: 22. */
export const CF_MEMORY_WIDTH: number = LARKOS.MEMORY_VECTOR_SIZE;
/** Memories read at most: 1200. */
export const CF_MAX_MEMORIES: number = LARKOS.MAX_MEMORIES;
/** Top-K kept at most: 32. */
export const CF_TOP_K: number = LARKOS.TOP_K;
/** Row seed of the query band. */
export const CF_SEED_Q = 1009;
/** Row seed of the memory band. */
export const CF_SEED_M = 3001;
/** LayerNorm's ε, as the f32 the C adds. */
export const CF_LN_EPS: number = f(1e-6);

/** One call's input. */
export interface CognitiveFuseInput {
  /** The language-model embedding (any length L ≥ 0; L = 0 projects to zero). */
  readonly llm: ArrayLike<number>;
  /** Memory vectors, each of {@link CF_MEMORY_WIDTH} values; only the first 1200 are read. */
  readonly memories: readonly ArrayLike<number>[];
  /** One importance per memory. */
  readonly importances: ArrayLike<number>;
  /** The default weights dw blended with each memory: {@link CF_MEMORY_WIDTH} values. */
  readonly defaultWeights: ArrayLike<number>;
  /** The blend β, clamped to [0, 1]: 0 uses dw alone, 1 the memory alone. */
  readonly memWeightRatio: number;
  /** The context factor c of the cross-band mix s = 0.5·σ(2c − 1). */
  readonly contextFactor: number;
  /** Optional text embedding (any length; empty or absent = no text). */
  readonly text?: ArrayLike<number>;
}

/** The intermediates of one call, for claims and debugging. */
export interface CognitiveFuseTrace {
  /** The output, LN(cross): 64 values. */
  out: Float32Array;
  /** The query after the text mix: 64 values. */
  q: Float32Array;
  /** ⟨q, key_m⟩/8 of the first n' memories. */
  scores: Float32Array;
  /** The selected memories, highest score first (ties: earlier memory first). */
  top: Int32Array;
  /** Softmax weights of the selected memories, in `top`'s order. */
  weights: Float32Array;
  /** LN of the weighted key sum (zero without memories): 64 values. */
  mv: Float32Array;
  /** The two bands before the mix: 64 values. */
  fused: Float32Array;
  /** The mix factor s = 0.5·σ(2c − 1). */
  s: number;
}

// --- the hash ---------------------------------------------------------------------------

const MASK64 = (1n << 64n) - 1n;

function checkIndex(what: string, v: unknown): number {
  if (typeof v !== "number") {
    throw new TypeError(
      `Cannot compute projCoef: expected ${what} to be a number but got ${shown(v)}`,
    );
  }
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(
      `Cannot compute projCoef: expected ${what} to be an integer in [0, 4294967295] but got ${v}`,
    );
  }
  return v;
}

/**
 * The projection coefficient of row `r`, column `c`, computed with 64-bit BigInt arithmetic
 * exactly as the C's `uint64_t` code: an f32 in [−1, 1), a multiple of 2⁻²³.
 *
 * @throws {TypeError} when r or c is not a number.
 * @throws {RangeError} when r or c is not an integer in [0, 2³² − 1].
 *
 * @example
 * ```ts
 * import { projCoef } from "./cognitive_fuse.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(projCoef(1009, 0), Math.fround(0.917762518));
 * ```
 */
export function projCoef(r: number, c: number): number {
  checkIndex("r", r);
  checkIndex("c", c);
  // The product and the +1 are uint32 in the C: they wrap mod 2³² before the xor.
  const lo = (Math.imul(c, 2654435761) + 1) >>> 0;
  let z = (BigInt(r) << 32n) ^ BigInt(lo);
  z = (z + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z = z ^ (z >> 31n);
  const bits = Number(z & 0xffffffn);
  return f(f(bits / 8388608) - 1);
}

// Fast exact path: the same u64 arithmetic on (hi, lo) u32 pairs, as the WGSL kernel does it.
let zHi = 0;
let zLo = 0;

/** (hi, lo) · (bHi, bLo) mod 2⁶⁴ into (zHi, zLo); 16-bit limbs keep every product exact. */
function mul64(hi: number, lo: number, bHi: number, bLo: number): void {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2³³, exact
  const t = a0 * b0 + (mid % 65536) * 65536; // < 2³³, exact
  const carry = Math.floor(t / 4294967296);
  zLo = t >>> 0;
  zHi = (a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(lo, bHi) + Math.imul(hi, bLo)) >>>
    0;
}

/**
 * {@link projCoef} without BigInt, for the projections' inner loops: bit-identical (the
 * claims check it over a grid of rows and columns). Arguments are trusted integers in
 * [0, 2³²).
 */
export function projCoefFast(r: number, c: number): number {
  let lo = (Math.imul(c, 2654435761) + 1) >>> 0;
  let hi = r >>> 0;
  // + 0x9e3779b9_7f4a7c15 with carry.
  const s = lo + 0x7f4a7c15;
  lo = s >>> 0;
  hi = (hi + 0x9e3779b9 + (s >= 4294967296 ? 1 : 0)) >>> 0;
  // z ^= z >> 30; z *= 0xbf58476d1ce4e5b9
  lo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
  hi = (hi ^ (hi >>> 30)) >>> 0;
  mul64(hi, lo, 0xbf58476d, 0x1ce4e5b9);
  hi = zHi;
  lo = zLo;
  // z ^= z >> 27; z *= 0x94d049bb133111eb
  lo = (lo ^ ((lo >>> 27) | (hi << 5))) >>> 0;
  hi = (hi ^ (hi >>> 27)) >>> 0;
  mul64(hi, lo, 0x94d049bb, 0x133111eb);
  hi = zHi;
  lo = zLo;
  // z ^= z >> 31: only the low 24 bits are kept.
  lo = (lo ^ ((lo >>> 31) | (hi << 1))) >>> 0;
  return f(f((lo & 0xffffff) / 8388608) - 1);
}

const tables = new Map<string, Float32Array>();

/** coef(i + seed, j) for i < rows, j < n, row-major; cached (the coefficients are constants). */
export function coefTable(seed: number, rows: number, n: number): Float32Array {
  const key = `${seed}:${rows}:${n}`;
  let t = tables.get(key);
  if (t === undefined) {
    t = new Float32Array(rows * n);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < n; j++) t[i * n + j] = projCoefFast(i + seed, j);
    }
    if (tables.size > 64) tables.clear(); // many distinct lengths: keep memory bounded
    tables.set(key, t);
  }
  return t;
}

// --- f32 building blocks, in the C's order -------------------------------------------------

/** y[off + i] = f32(Σ_j x_j·coef(i + seed, j))·(1/√n), i < len; zero when n = 0. */
function projectRows(
  x: ArrayLike<number>,
  n: number,
  y: Float32Array,
  off: number,
  len: number,
  seed: number,
): void {
  if (n <= 0) {
    y.fill(0, off, off + len);
    return;
  }
  const table = coefTable(seed, len, n);
  const scale = f(1 / f(Math.sqrt(f(n))));
  for (let i = 0; i < len; i++) {
    let acc = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) acc = f(acc + f(x[j]! * table[row + j]!));
    y[off + i] = f(acc * scale);
  }
}

/** LayerNorm without affine, in place: mean, population variance, (v − mean)/√(var + ε). */
function layerNorm(v: Float32Array): void {
  const d = v.length;
  let mean = 0;
  for (let i = 0; i < d; i++) mean = f(mean + v[i]!);
  mean = f(mean / d);
  let variance = 0;
  for (let i = 0; i < d; i++) {
    const t = f(v[i]! - mean);
    variance = f(variance + f(t * t));
  }
  variance = f(variance / d);
  const sd = f(Math.sqrt(f(variance + CF_LN_EPS)));
  for (let i = 0; i < d; i++) v[i] = f(f(v[i]! - mean) / sd);
}

/** The C's expf, as the correctly rounded f32 of e^x. */
function expf(x: number): number {
  return f(Math.exp(x));
}

/**
 * The mix factor s = 0.5·σ(2c − 1) in f32, as the fusion computes it.
 *
 * @example
 * ```ts
 * import { contextMix } from "./cognitive_fuse.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(contextMix(0.5), 0.25);
 * ```
 *
 * @throws {TypeError} when the context factor is not a number.
 * @throws {RangeError} when it is not finite in f32.
 */
export function contextMix(contextFactor: number): number {
  const c = f(checkReal("run contextMix", "contextFactor", contextFactor));
  const z = f(f(2 * c) - 1);
  return f(0.5 * f(1 / f(1 + expf(-z))));
}

// --- validation ------------------------------------------------------------------------------

/** The checked, f32-rounded form of an input, as both the host and the GPU path read it. */
export interface CheckedFuseInput {
  /** The llm embedding in f32. */
  llm: Float32Array;
  /** The text embedding in f32 (empty without text). */
  text: Float32Array;
  /** The default weights in f32: 22 values. */
  dw: Float32Array;
  /** The first n' memories, row-major [n', 22]. */
  vec: Float32Array;
  /** Their importances. */
  imp: Float32Array;
  /** n' = min(n, 1200). */
  n: number;
  /** β clamped to [0, 1]. */
  beta: number;
  /** The context factor in f32. */
  c: number;
}

/**
 * Checks an input and rounds it to f32 as the C reads it.
 *
 * @throws {TypeError} when a field is missing or not a list, a memory does not hold 22 values,
 *   the importances are not one per memory, or dw does not hold 22 values.
 * @throws {RangeError} when any value is NaN, ±∞ or outside f32.
 */
export function checkFuseInput(input: unknown, op = "cognitiveFuse"): CheckedFuseInput {
  // One phrase for every message: "Cannot run cognitiveFuse: …" (the helpers of validate.ts
  // print "Cannot <phrase>" for a phrase with a space).
  const what = `run ${op}`;
  const o = checkObject(what, "the input", input);
  const llm = Float32Array.from(checkFiniteList(what, "llm", o.llm));
  const text = o.text === undefined
    ? new Float32Array(0)
    : Float32Array.from(checkFiniteList(what, "text", o.text));
  const dw = Float32Array.from(checkFiniteList(what, "defaultWeights", o.defaultWeights));
  if (dw.length !== CF_MEMORY_WIDTH) {
    throw new TypeError(
      `Cannot ${what}: expected defaultWeights to hold ${CF_MEMORY_WIDTH} values ` +
        `(MEMORY_VECTOR_SIZE) but got ${dw.length}`,
    );
  }
  if (!Array.isArray(o.memories)) {
    throw new TypeError(
      `Cannot ${what}: expected memories to be an array of ${CF_MEMORY_WIDTH}-value rows ` +
        `but got ${shown(o.memories)}`,
    );
  }
  const rows = o.memories as unknown[];
  const count = checkList(what, "importances", o.importances);
  if (count !== rows.length) {
    throw new TypeError(
      `Cannot ${what}: expected importances to hold one value per memory (${rows.length}) ` +
        `but got ${count}`,
    );
  }
  const allImp = checkFiniteList(what, "importances", o.importances);
  const n = Math.min(rows.length, CF_MAX_MEMORIES);
  const vec = new Float32Array(n * CF_MEMORY_WIDTH);
  rows.forEach((row, m) => {
    const len = checkList(what, `memories[${m}]`, row);
    if (len !== CF_MEMORY_WIDTH) {
      throw new TypeError(
        `Cannot ${what}: expected memories[${m}] to hold ${CF_MEMORY_WIDTH} values ` +
          `(MEMORY_VECTOR_SIZE) but got ${len}`,
      );
    }
    const values = checkFiniteList(what, `memories[${m}]`, row);
    if (m < n) vec.set(Float32Array.from(values), m * CF_MEMORY_WIDTH);
  });
  const imp = Float32Array.from(allImp).subarray(0, n);
  const betaRaw = f(checkReal(what, "memWeightRatio", o.memWeightRatio));
  const beta = betaRaw < 0 ? 0 : betaRaw > 1 ? 1 : betaRaw;
  const c = f(checkReal(what, "contextFactor", o.contextFactor));
  return { llm, text, dw, vec, imp, n, beta, c };
}

// --- the fusion ------------------------------------------------------------------------------

/** The query: LN(project(llm)), mixed with LN(project(text)) when there is text. */
function query(x: CheckedFuseInput): Float32Array {
  const q = new Float32Array(CF_DIM);
  projectRows(x.llm, x.llm.length, q, 0, CF_DIM, 0);
  layerNorm(q);
  if (x.text.length > 0) {
    const t = new Float32Array(CF_DIM);
    projectRows(x.text, x.text.length, t, 0, CF_DIM, 0);
    layerNorm(t);
    for (let i = 0; i < CF_DIM; i++) q[i] = f(q[i]! + f(0.5 * t[i]!));
    layerNorm(q);
  }
  return q;
}

/** key_m = LN(project(imp·((1 − β)·dw + β·vec))) of memory m, into `key`. */
function memoryKey(x: CheckedFuseInput, m: number, key: Float32Array): void {
  const blend = new Float32Array(CF_MEMORY_WIDTH);
  const oneMinusBeta = f(1 - x.beta);
  const imp = x.imp[m]!;
  for (let j = 0; j < CF_MEMORY_WIDTH; j++) {
    const b = f(f(oneMinusBeta * x.dw[j]!) + f(x.beta * x.vec[m * CF_MEMORY_WIDTH + j]!));
    blend[j] = f(imp * b);
  }
  projectRows(blend, CF_MEMORY_WIDTH, key, 0, CF_DIM, 0);
  layerNorm(key);
}

/**
 * The top K = min(n, 32) of `scores` by insertion into a descending list: an entry moves up
 * only past strictly smaller scores (ties keep the earlier entry first), and a full list
 * admits only a score strictly above its last.
 */
export function topKInsertion(scores: ArrayLike<number>, k: number = CF_TOP_K): Int32Array {
  const n = scores.length;
  const K = Math.min(n, k);
  const top = new Int32Array(K);
  const topS = new Float64Array(K);
  let filled = 0;
  for (let m = 0; m < n; m++) {
    const s = scores[m]!;
    if (filled === K && !(s > topS[K - 1]!)) continue;
    let pos = filled < K ? filled : K - 1;
    while (pos > 0 && topS[pos - 1]! < s) {
      topS[pos] = topS[pos - 1]!;
      top[pos] = top[pos - 1]!;
      pos--;
    }
    topS[pos] = s;
    top[pos] = m;
    if (filled < K) filled++;
  }
  return top;
}

/**
 * {@link cognitiveFuse} with its intermediates.
 *
 * @throws {TypeError | RangeError} as {@link checkFuseInput}.
 *
 * @example
 * ```ts
 * import { cognitiveFuseTrace } from "./cognitive_fuse.ts";
 * import { strictEqual } from "node:assert/strict";
 * const t = cognitiveFuseTrace({
 *   llm: [0.5, -1, 2], memories: [new Array(22).fill(1)], importances: [1],
 *   defaultWeights: new Array(22).fill(0.1), memWeightRatio: 0.7, contextFactor: 0.25,
 * });
 * strictEqual(t.top.length, 1);
 * strictEqual(t.weights[0], 1);
 * ```
 */
export function cognitiveFuseTrace(input: CognitiveFuseInput): CognitiveFuseTrace {
  return trace(checkFuseInput(input, "cognitiveFuseTrace"));
}

/** The fusion of a checked input, with its intermediates. */
function trace(x: CheckedFuseInput): CognitiveFuseTrace {
  const q = query(x);
  const keys = new Float32Array(x.n * CF_DIM);
  const scores = new Float32Array(x.n);
  for (let m = 0; m < x.n; m++) {
    const key = keys.subarray(m * CF_DIM, (m + 1) * CF_DIM);
    memoryKey(x, m, key);
    let dot = 0;
    for (let i = 0; i < CF_DIM; i++) dot = f(dot + f(q[i]! * key[i]!));
    scores[m] = f(dot / 8); // √64
  }
  const top = topKInsertion(scores);
  const K = top.length;
  const weights = new Float32Array(K);
  const mv = new Float32Array(CF_DIM);
  if (K > 0) {
    const mx = scores[top[0]!]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      weights[k] = expf(f(scores[top[k]!]! - mx));
      sum = f(sum + weights[k]!);
    }
    for (let k = 0; k < K; k++) weights[k] = f(weights[k]! / sum);
    for (let k = 0; k < K; k++) {
      const w = weights[k]!;
      const base = top[k]! * CF_DIM;
      for (let i = 0; i < CF_DIM; i++) mv[i] = f(mv[i]! + f(w * keys[base + i]!));
    }
    layerNorm(mv);
  }
  const fused = new Float32Array(CF_DIM);
  projectRows(q, CF_DIM, fused, 0, CF_BAND, CF_SEED_Q);
  projectRows(mv, CF_DIM, fused, CF_BAND, CF_BAND, CF_SEED_M);
  const s = contextMix(x.c);
  const out = new Float32Array(CF_DIM);
  for (let i = 0; i < CF_DIM; i++) {
    out[i] = f(fused[i]! + f(s * fused[(i + CF_BAND) % CF_DIM]!));
  }
  layerNorm(out);
  return { out, q, scores, top, weights, mv, fused, s };
}

/**
 * The fused 64-vector of one call, in f32 bit for bit as the C computes it (see the module
 * comment for the one caveat, expf).
 *
 * @throws {TypeError} when a field is missing or not a list, a memory does not hold 22 values,
 *   the importances are not one per memory, or dw does not hold 22 values.
 * @throws {RangeError} when any value is NaN, ±∞ or outside f32.
 *
 * @example
 * ```ts
 * import { cognitiveFuse } from "./cognitive_fuse.ts";
 * import { ok } from "node:assert/strict";
 * const out = cognitiveFuse({
 *   llm: [1, 2, 3], memories: [], importances: [], defaultWeights: new Array(22).fill(0),
 *   memWeightRatio: 0, contextFactor: 0.5,
 * });
 * const mean = out.reduce((a, b) => a + b, 0) / 64;
 * ok(Math.abs(mean) < 1e-6);
 * ```
 */
export function cognitiveFuse(input: CognitiveFuseInput): Float32Array {
  return trace(checkFuseInput(input)).out;
}
