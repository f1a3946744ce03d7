/**
 * Patch-latent blocks (asuramaya/decepticons src/decepticons/patch_latent_blocks.py), in f64 on
 * the host:
 * - {@link LocalByteEncoder}: h' = tanh(W_r h + W_i·Emb[x] + b), out = tanh(W_o h' + b_o), every
 *   matrix N(0, 1)/√cols × scale (recurrent scale 0.7), drawn from memspec's Rng. As in the
 *   original the recurrent matrix is not rescaled by default, so its spectral radius is only
 *   about the scale and the echo-state property is not guaranteed by construction; the
 *   `spectralRadius` option rescales W_r to that radius exactly (computed in f64). `fitOutput` fits W_o, b_o by ridge to arctanh(clip(target, ±0.999999)).
 *   Ids are range-checked against the vocabulary and never wrapped (the original coerces them to
 *   uint8 first, so at V = 512 id 300 reads as 44 and −1 as 255);
 * - {@link PatchPooler}: a patch's rows pooled by mean, last, or (1 − a)·mean + a·last;
 * - {@link GlobalLocalBridge}: a linear map [g, z] → local fitted by ridge (bias unpenalised).
 *
 * @example Pooling a patch
 * ```ts
 * import { PatchPooler } from "./patch_latent_blocks.ts";
 * const p = new PatchPooler({ mode: "mix", mix: 0.25 });
 * if (p.pool([[0, 0], [4, 8]]).join() !== "2.5,5") throw new Error();
 * ```
 *
 * @module
 */
import { Rng } from "../../gpu/rng.ts";
import { choleskySolve } from "../../linalg/cholesky.ts";
import { spectralRadius } from "../substrate/eigen.ts";
import { checkStateVector } from "../hierarchical_views/hierarchical_views.ts";
import { checkInt, checkList, checkObject, checkOneOf, checkReal, shown } from "../../validate.ts";

/** Checks token ids: integers in 0..V−1, never wrapped. */
function checkIds(op: string, tokens: unknown, V: number): number[] {
  checkList(op, "the tokens", tokens);
  const a = Array.from(tokens as ArrayLike<unknown>);
  a.forEach((t, i) => {
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t >= V) {
      throw new RangeError(
        `Cannot ${op}: expected token ids in 0..${V - 1} but token ${i} is ${shown(t)} (ids are ` +
          "range-checked, never wrapped)",
      );
    }
  });
  return a as number[];
}

/** Ridge fit of Y [n, k] on [X, 1] [n, d + 1], bias unpenalised: weights [(d + 1), k]. */
function ridge(x: Float64Array, y: Float64Array, n: number, d: number, k: number, alpha: number) {
  const E = d + 1;
  const a = new Float64Array(E * E);
  const b = new Float64Array(E * k);
  const row = new Float64Array(E);
  for (let t = 0; t < n; t++) {
    row.set(x.subarray(t * d, (t + 1) * d));
    row[d] = 1;
    for (let i = 0; i < E; i++) {
      for (let j = 0; j < E; j++) a[i * E + j] = a[i * E + j]! + row[i]! * row[j]!;
      for (let c = 0; c < k; c++) b[i * k + c] = b[i * k + c]! + row[i]! * y[t * k + c]!;
    }
  }
  for (let i = 0; i < d; i++) a[i * E + i] = a[i * E + i]! + alpha;
  return choleskySolve({ rows: E, cols: E, data: a }, { rows: E, cols: k, data: b })
    .data as Float64Array;
}

/** Options of {@link LocalByteEncoder}. */
export interface LocalByteEncoderOptions {
  /** Vocabulary V (default 256). */
  vocabSize?: number;
  /** Embedding width (default 16). */
  embedDim?: number;
  /** Hidden width (default 32). */
  hiddenDim?: number;
  /** Output width (default 16). */
  outputDim?: number;
  /** Recurrent scale (default 0.7). */
  recurrentScale?: number;
  /** Input scale (default 1). */
  inputScale?: number;
  /** When given (> 0), W_r is rescaled to exactly this spectral radius (default: not rescaled). */
  spectralRadius?: number;
  /** Seed of memspec's Rng (default 7). */
  seed?: number;
}

/** The local byte encoder (see the module documentation). */
export class LocalByteEncoder {
  /** Vocabulary V. */
  readonly vocabSize: number;
  /** Embedding width. */
  readonly embedDim: number;
  /** Hidden width H. */
  readonly hiddenDim: number;
  /** Output width O. */
  readonly outputDim: number;
  /** Emb [V, e]. */
  readonly embedding: Float64Array;
  /** W_r [H, H]. */
  readonly recurrent: Float64Array;
  /** W_i [H, e]. */
  readonly input: Float64Array;
  /** b [H]. */
  readonly bias: Float64Array;
  /** W_o [O, H]. */
  output: Float64Array;
  /** b_o [O]. */
  outputBias: Float64Array;

  /**
   * A seeded encoder.
   *
   * @throws {TypeError} / {RangeError} for an option of the wrong type or out of range.
   */
  constructor(options: LocalByteEncoderOptions = {}) {
    const op = "build LocalByteEncoder";
    checkObject(op, "the options", options);
    const int = (k: keyof LocalByteEncoderOptions, d: number, max: number) =>
      options[k] === undefined ? d : checkInt(op, k, options[k], 1, max);
    this.vocabSize = int("vocabSize", 256, 65536);
    this.embedDim = int("embedDim", 16, 4096);
    this.hiddenDim = int("hiddenDim", 32, 4096);
    this.outputDim = int("outputDim", 16, 4096);
    const rs = options.recurrentScale === undefined
      ? 0.7
      : checkReal(op, "recurrentScale", options.recurrentScale);
    const is = options.inputScale === undefined
      ? 1
      : checkReal(op, "inputScale", options.inputScale);
    const seed = options.seed === undefined ? 7 : checkInt(op, "seed", options.seed, 0, 2 ** 31);
    const rho = options.spectralRadius === undefined
      ? undefined
      : checkReal(op, "spectralRadius", options.spectralRadius, Number.MIN_VALUE);
    const rng = new Rng(seed);
    const g = (rows: number, cols: number, scale: number) =>
      Float64Array.from({ length: rows * cols }, () => rng.normal() * scale / Math.sqrt(cols));
    const H = this.hiddenDim, e = this.embedDim, O = this.outputDim;
    this.embedding = g(this.vocabSize, e, 1);
    this.recurrent = g(H, H, rs);
    if (rho !== undefined) {
      const r = spectralRadius(this.recurrent, H);
      if (!(r > 0)) {
        throw new RangeError(
          `Cannot ${op}: expected a recurrent matrix with a nonzero spectral radius to rescale ` +
            `to ${rho} but got radius ${r}`,
        );
      }
      this.recurrent = this.recurrent.map((w) => (w * rho) / r);
    }
    this.input = g(H, e, is);
    this.bias = new Float64Array(H);
    this.output = g(O, H, 1);
    this.outputBias = new Float64Array(O);
  }

  /**
   * Hidden states [n, H] of `tokens` from a zero state.
   *
   * @throws {RangeError} for an id outside 0..V−1 (never wrapped).
   */
  hidden(tokens: ArrayLike<number>): Float64Array {
    const seq = checkIds("encode with LocalByteEncoder", tokens, this.vocabSize);
    const H = this.hiddenDim, e = this.embedDim;
    const out = new Float64Array(seq.length * H);
    let h = new Float64Array(H);
    for (let t = 0; t < seq.length; t++) {
      const x = seq[t]!;
      const next = new Float64Array(H);
      for (let i = 0; i < H; i++) {
        let a = this.bias[i]!;
        for (let j = 0; j < H; j++) a += this.recurrent[i * H + j]! * h[j]!;
        for (let j = 0; j < e; j++) a += this.input[i * e + j]! * this.embedding[x * e + j]!;
        next[i] = Math.tanh(a);
      }
      out.set(next, t * H);
      h = next;
    }
    return out;
  }

  /**
   * Outputs [n, O] = tanh(W_o h + b_o) of `tokens`.
   *
   * @throws {RangeError} for an id outside 0..V−1 (never wrapped).
   */
  encode(tokens: ArrayLike<number>): Float64Array {
    const h = this.hidden(tokens);
    const H = this.hiddenDim, O = this.outputDim, n = h.length / H;
    const out = new Float64Array(n * O);
    for (let t = 0; t < n; t++) {
      for (let o = 0; o < O; o++) {
        let a = this.outputBias[o]!;
        for (let j = 0; j < H; j++) a += this.output[o * H + j]! * h[t * H + j]!;
        out[t * O + o] = Math.tanh(a);
      }
    }
    return out;
  }

  /**
   * Fits W_o, b_o by ridge (α, bias unpenalised) so that encode(tokens) ≈ targets [n, O].
   *
   * @throws {RangeError} for a bad id, targets of the wrong size or not finite, or α < 0.
   */
  fitOutput(tokens: ArrayLike<number>, targets: ArrayLike<number>, alpha = 1e-3): this {
    const op = "fit LocalByteEncoder";
    const n = checkIds(op, tokens, this.vocabSize).length;
    checkStateVector(op, "the targets", targets, n * this.outputDim);
    checkReal(op, "alpha", alpha, 0);
    const h = this.hidden(tokens);
    const H = this.hiddenDim, O = this.outputDim;
    const y = Float64Array.from(
      targets,
      (v) => Math.atanh(Math.min(0.999999, Math.max(-0.999999, v))),
    );
    const w = ridge(h, y, n, H, O, alpha);
    const wo = new Float64Array(O * H);
    for (let j = 0; j < H; j++) for (let o = 0; o < O; o++) wo[o * H + j] = w[j * O + o]!;
    this.output = wo;
    this.outputBias = w.slice(H * O);
    return this;
  }
}

/** Pooling modes of {@link PatchPooler}. */
export const POOL_MODES = ["mean", "last", "mix"] as const;
/** A pooling mode. */
export type PoolMode = typeof POOL_MODES[number];

/** A patch's rows pooled to one vector. */
export class PatchPooler {
  /** The mode. */
  readonly mode: PoolMode;
  /** a of the mix mode. */
  readonly mix: number;

  /**
   * A pooler.
   *
   * @throws {RangeError} for an unknown mode or a mix weight outside [0, 1].
   */
  constructor(options: { mode?: PoolMode; mix?: number } = {}) {
    const op = "build PatchPooler";
    checkObject(op, "the options", options);
    this.mode = options.mode === undefined
      ? "mean"
      : checkOneOf(op, "mode", options.mode, POOL_MODES);
    this.mix = options.mix === undefined ? 0.5 : checkReal(op, "mix", options.mix, 0, 1);
  }

  /**
   * The pooled vector of `rows` (at least one row, every row the same width, finite).
   *
   * @throws {TypeError} / {RangeError} for no rows, ragged rows or non-finite values.
   */
  pool(rows: readonly ArrayLike<number>[]): Float64Array {
    const op = "pool with PatchPooler";
    const n = checkList(op, "the rows", rows);
    if (n === 0) throw new RangeError(`Cannot ${op}: expected at least one row but got none`);
    const d = checkList(op, "row 0", rows[0]);
    rows.forEach((r, i) => checkStateVector(op, `row ${i}`, r, d));
    const mean = new Float64Array(d);
    for (const r of rows) for (let j = 0; j < d; j++) mean[j] = mean[j]! + r[j]! / n;
    const last = Float64Array.from(rows[n - 1]!);
    if (this.mode === "mean") return mean;
    if (this.mode === "last") return last;
    return mean.map((m, j) => (1 - this.mix) * m + this.mix * last[j]!);
  }
}

/** A linear bridge [g, z] → local, fitted by ridge with an unpenalised bias. */
export class GlobalLocalBridge {
  /** Global width G. */
  readonly globalDim: number;
  /** Patch-latent width Z. */
  readonly latentDim: number;
  /** Local width L. */
  readonly localDim: number;
  /** Weights [(G + Z + 1), L], the bias row last; null before fit. */
  #w: Float64Array | null = null;

  /**
   * An unfitted bridge.
   *
   * @throws {RangeError} when a width is not an integer ≥ 1.
   */
  constructor(options: { globalDim: number; latentDim: number; localDim: number }) {
    const op = "build GlobalLocalBridge";
    checkObject(op, "the options", options);
    this.globalDim = checkInt(op, "globalDim", options.globalDim, 1, 4096);
    this.latentDim = checkInt(op, "latentDim", options.latentDim, 1, 4096);
    this.localDim = checkInt(op, "localDim", options.localDim, 1, 4096);
  }

  /**
   * Fits on n rows: inputs [n, G + Z] (each row [g, z]) and targets [n, L].
   *
   * @throws {RangeError} for sizes that do not match, non-finite values, no rows or α < 0.
   */
  fit(inputs: ArrayLike<number>, targets: ArrayLike<number>, alpha = 1e-3): this {
    const op = "fit GlobalLocalBridge";
    const d = this.globalDim + this.latentDim;
    const n = checkList(op, "the inputs", inputs) / d;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot ${op}: expected inputs of n·${d} values (n ≥ 1) but got ${inputs.length}`,
      );
    }
    checkStateVector(op, "the inputs", inputs, n * d);
    checkStateVector(op, "the targets", targets, n * this.localDim);
    checkReal(op, "alpha", alpha, 0);
    this.#w = ridge(
      Float64Array.from(inputs),
      Float64Array.from(targets),
      n,
      d,
      this.localDim,
      alpha,
    );
    return this;
  }

  /**
   * The local vector of one global state and patch latent.
   *
   * @throws {TypeError} before fit, or for widths that do not match.
   */
  predict(global: ArrayLike<number>, latent: ArrayLike<number>): Float64Array {
    const op = "predict with GlobalLocalBridge";
    if (this.#w === null) {
      throw new TypeError(`Cannot ${op}: call fit() first (expected a fitted bridge)`);
    }
    checkStateVector(op, "the global state", global, this.globalDim);
    checkStateVector(op, "the latent", latent, this.latentDim);
    const G = this.globalDim, Z = this.latentDim, L = this.localDim, w = this.#w;
    const out = w.slice((G + Z) * L);
    for (let i = 0; i < G + Z; i++) {
      const x = i < G ? global[i]! : latent[i - G]!;
      for (let l = 0; l < L; l++) out[l] = out[l]! + x * w[i * L + l]!;
    }
    return out;
  }
}
