/**
 * The input pipeline of Larkos 0.3's temporal encoder
 * (Okerew/larkos_models:modules/training.py `_OnlineMinMax`, `fourier_encode`
 * and the `input_history` deque of `TrainingLoop`): the backend's 6 channels
 * are normalised online, Fourier-encoded to 48 dims, and the last 4 encodings
 * are stacked, oldest first and left-padded with zero frames, into the
 * [TEMPORAL_WINDOW, FOURIER_OUT_DIM] = [4, 48] sequence the encoder reads.
 *
 * Arithmetic follows the original's float32 tensors operation by operation
 * (every intermediate rounded with `Math.fround`, the scalars 0.02, 1e-8 and
 * π rounded to f32 as torch does), so a torch float32 trace reproduces bit for
 * bit: the original's defect (its constant Fourier input) is a float32 phenomenon, and its figures
 * (Fourier std 2.0e-7 over 100 steps) only appear in that arithmetic.
 *
 * `_OnlineMinMax` comes in two trackings:
 * - `"original"`: min and max follow the SAME EMA from the SAME first value,
 *   min ← min + m(x − min), max ← max + m(x − max), so min ≡ max forever and
 *   normalize returns only −3, −1 or +3 (odd integers, whose Fourier features
 *   are sin = 0, cos = ±1: a constant 48-dim input);
 * - `"asymmetric"` (memspec's fix): min ← min(x, min + m(x − min)),
 *   max ← max(x, max + m(x − max)): a value outside the range widens it at
 *   once, and the range contracts towards the data at rate m, so outliers
 *   are still forgotten slowly, as the original's docstring intends. It keeps
 *   the original's statistics (min, max, seen), its output scale ([−1, 1]
 *   inside the range) and its clamp, so checkpoints keep their meaning; a
 *   mean/std normaliser would change all three.
 *
 * @example The original's normaliser gives a constant Fourier input; the fix does not
 * ```ts
 * import { fourierEncode, OnlineMinMax, syntheticBackendTrace } from "./input_pipeline.ts";
 * import { ok } from "node:assert/strict";
 * const trace = syntheticBackendTrace({ seed: 1, steps: 20 });
 * const orig = new OnlineMinMax({ tracking: "original" });
 * const fix = new OnlineMinMax({ tracking: "asymmetric" });
 * const a = trace.map((x) => orig.observe(x));
 * const b = trace.map((x) => fix.observe(x));
 * ok(a.every((v) => v.every((y) => y === -3 || y === -1 || y === 3)));
 * ok(b.some((v) => v.some((y) => Math.abs(y) < 0.9)));
 * ok(fourierEncode(a[5]!).length === 48);
 * ```
 *
 * @module
 */
import { Rng } from "../../gpu/rng.ts";
import { checkInt, checkObject } from "../../validate.ts";
import { LARKOS } from "../config.ts";

/** The largest channel count or frame width (2^24, as the other families' size caps). */
const MAX_DIM = 2 ** 24;
/** The most values a history holds (2^26 f64, 512 MiB): refused before allocating. */
const MAX_HISTORY_VALUES = 2 ** 26;

const f = Math.fround;

/** How `_OnlineMinMax` tracks its range. */
export type MinMaxTracking = "original" | "asymmetric";

/** Options of {@link OnlineMinMax}. */
export interface OnlineMinMaxOptions {
  /** "original" (Larkos 0.3, min ≡ max) or "asymmetric" (memspec's fix). */
  tracking: MinMaxTracking;
  /** Channels; default LARKOS.INPUT_SIZE (6). */
  dim?: number;
  /** EMA momentum; default LARKOS.NORM_MOMENTUM (0.02), used as f32 like torch. */
  momentum?: number;
}

/** The statistics of an {@link OnlineMinMax}, as a checkpoint stores them. */
export interface MinMaxStats {
  /** Which min/max update the statistics come from. */
  tracking: MinMaxTracking;
  /** The EMA momentum (f32 value). */
  momentum: number;
  /** Per-channel running minimum (f32 values). */
  min: Float64Array;
  /** Per-channel running maximum (f32 values). */
  max: Float64Array;
  /** Whether each channel has been seen (the first sight hard-initialises it). */
  seen: boolean[];
}

function checkVector(x: unknown, n: number, what: string, op: string): ArrayLike<number> {
  const a = x as ArrayLike<number> | null | undefined;
  if (a === null || a === undefined || typeof a !== "object" || typeof a.length !== "number") {
    throw new TypeError(`Cannot ${op}: expected ${what} of ${n} numbers but got ${String(x)}`);
  }
  if (a.length !== n) {
    throw new TypeError(`Cannot ${op}: expected ${what} of ${n} numbers but got ${a.length}`);
  }
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(
        `Cannot ${op}: expected finite values in ${what} but got ${String(v)} at index ${i}`,
      );
    }
  }
  return a;
}

/**
 * `_OnlineMinMax` (momentum 0.02): per-channel running min and max, and
 * normalize(x) = clamp((x − min)/(max − min + 1e-8)·2 − 1, −3, 3), in the
 * original's float32 arithmetic. Before the first update min = 0 and max = 1
 * (the original's initial tensors); the first update sets min = max = x.
 *
 * @example The original keeps min ≡ max; the fix opens a range
 * ```ts
 * import { OnlineMinMax } from "./input_pipeline.ts";
 * import { ok } from "node:assert/strict";
 * const o = new OnlineMinMax({ tracking: "original", dim: 1 });
 * const a = new OnlineMinMax({ tracking: "asymmetric", dim: 1 });
 * for (const x of [0.2, 0.5, -0.1]) { o.update([x]); a.update([x]); }
 * ok(o.stats().min[0] === o.stats().max[0]);
 * ok(a.stats().min[0] === Math.fround(-0.1) && a.stats().max[0]! > 0.48); // 0.5 + 0.02·(−0.1 − 0.5)
 * ```
 */
export class OnlineMinMax {
  /** The tracking rule. */
  readonly tracking: MinMaxTracking;
  /** Channels. */
  readonly dim: number;
  /** The momentum as given (used as f32). */
  readonly momentum: number;
  #min: Float64Array;
  #max: Float64Array;
  #seen: boolean[];

  /**
   * A normaliser with min 0 and max 1 on every channel, none seen yet.
   *
   * @throws {TypeError} when tracking is neither "original" nor "asymmetric".
   * @throws {RangeError} when dim is not a positive integer or momentum is not in (0, 1].
   */
  constructor(options: OnlineMinMaxOptions) {
    const op = "create OnlineMinMax";
    const tracking = options?.tracking;
    if (tracking !== "original" && tracking !== "asymmetric") {
      throw new TypeError(
        `Cannot ${op}: expected tracking "original" or "asymmetric" but got ${String(tracking)}`,
      );
    }
    const dim = options.dim === undefined
      ? LARKOS.INPUT_SIZE
      : checkInt(op, "dim", options.dim, 1, MAX_DIM);
    const m = options.momentum === undefined ? LARKOS.NORM_MOMENTUM : options.momentum;
    if (typeof m !== "number" || !(m > 0 && m <= 1)) {
      throw new RangeError(`Cannot ${op}: expected momentum in (0, 1] but got ${m}`);
    }
    this.tracking = tracking;
    this.dim = dim;
    this.momentum = m;
    this.#min = new Float64Array(dim);
    this.#max = new Float64Array(dim).fill(1);
    this.#seen = new Array(dim).fill(false);
  }

  /**
   * Folds x into the running range (the original's `update`).
   *
   * @throws {TypeError} when x does not hold `dim` numbers. @throws {RangeError} on a
   *   non-finite value. The state is unchanged when it throws.
   */
  update(x: ArrayLike<number>): void {
    const v = checkVector(x, this.dim, "x", "update OnlineMinMax");
    const m = f(this.momentum);
    for (let i = 0; i < this.dim; i++) {
      const xi = f(v[i]!);
      if (!this.#seen[i]) {
        this.#min[i] = xi;
        this.#max[i] = xi;
        continue;
      }
      const lo = f(this.#min[i]! + f(m * f(xi - this.#min[i]!)));
      const hi = f(this.#max[i]! + f(m * f(xi - this.#max[i]!)));
      if (this.tracking === "original") {
        this.#min[i] = lo;
        this.#max[i] = hi;
      } else {
        this.#min[i] = Math.min(xi, lo);
        this.#max[i] = Math.max(xi, hi);
      }
    }
    this.#seen.fill(true);
  }

  /**
   * clamp((x − min)/(max − min + 1e-8)·2 − 1, −3, 3) per channel, with the
   * current statistics (no update), in float32 arithmetic.
   *
   * @throws {TypeError} when x does not hold `dim` numbers. @throws {RangeError} on a
   *   non-finite value.
   */
  normalize(x: ArrayLike<number>): Float64Array {
    const v = checkVector(x, this.dim, "x", "normalize with OnlineMinMax");
    const out = new Float64Array(this.dim);
    const eps = f(1e-8);
    for (let i = 0; i < this.dim; i++) {
      const mn = this.#min[i]!;
      const den = f(f(this.#max[i]! - mn) + eps);
      const s = f(f(f(f(f(v[i]!) - mn) / den) * 2) - 1);
      out[i] = Math.min(Math.max(s, -3), 3);
    }
    return out;
  }

  /** update(x) then normalize(x), as the original's training loop calls them. */
  observe(x: ArrayLike<number>): Float64Array {
    checkVector(x, this.dim, "x", "observe with OnlineMinMax");
    this.update(x);
    return this.normalize(x);
  }

  /** A copy of the statistics (for checkpoints). */
  stats(): MinMaxStats {
    return {
      tracking: this.tracking,
      momentum: this.momentum,
      min: this.#min.slice(),
      max: this.#max.slice(),
      seen: [...this.#seen],
    };
  }

  /**
   * Restores statistics saved by {@link stats}. Everything is checked before
   * anything is set.
   *
   * @throws {TypeError} when the tracking differs, an array has the wrong length or
   *   `seen` is not booleans. @throws {RangeError} on a non-finite value or a different
   *   momentum.
   */
  setStats(s: MinMaxStats): void {
    const op = "set OnlineMinMax stats";
    if (s?.tracking !== this.tracking) {
      throw new TypeError(
        `Cannot ${op}: expected tracking "${this.tracking}" but got ${String(s?.tracking)}`,
      );
    }
    if (s.momentum !== this.momentum) {
      throw new RangeError(
        `Cannot ${op}: expected momentum ${this.momentum} but got ${s.momentum}`,
      );
    }
    const min = checkVector(s.min, this.dim, "min", op);
    const max = checkVector(s.max, this.dim, "max", op);
    if (
      !Array.isArray(s.seen) || s.seen.length !== this.dim ||
      !s.seen.every((b) => typeof b === "boolean")
    ) {
      throw new TypeError(`Cannot ${op}: expected seen as ${this.dim} booleans`);
    }
    this.#min = Float64Array.from(min, f);
    this.#max = Float64Array.from(max, f);
    this.#seen = [...s.seen];
  }
}

/** The f32 frequencies 2^e·f32(π), e < LARKOS.FOURIER_ENCODINGS (torch's float32 `freqs`). */
export const FOURIER_FREQUENCIES: readonly number[] = Object.freeze(
  Array.from({ length: LARKOS.FOURIER_ENCODINGS }, (_, e) => 2 ** e * f(Math.PI)),
);

/**
 * `fourier_encode(x)` for x ∈ R^6: [sin(x_d·f_e)] ++ [cos(x_d·f_e)] with
 * f_e = 2^e·π, index d·4 + e within each block (d-major), 48 values. The
 * argument x_d·f_e is the f32 product (as torch's float32 tensors); sin and
 * cos are rounded to f32.
 *
 * @example The odd integers the original's normaliser emits encode to sin ≈ 0, cos = ±1
 * ```ts
 * import { fourierEncode } from "./input_pipeline.ts";
 * import { ok } from "node:assert/strict";
 * const y = fourierEncode([-1, 3, -3, -1, -1, 3]);
 * ok(y.slice(0, 24).every((v) => Math.abs(v) < 1e-6));
 * ok(y[24] === -1 && y[25] === 1 && y[26] === 1 && y[27] === 1);
 * ```
 *
 * @throws {TypeError} when x does not hold 6 numbers. @throws {RangeError} on a non-finite value.
 */
export function fourierEncode(x: ArrayLike<number>): Float64Array {
  const n = LARKOS.INPUT_SIZE;
  const E = LARKOS.FOURIER_ENCODINGS;
  const v = checkVector(x, n, "x", "fourier-encode");
  const out = new Float64Array(LARKOS.FOURIER_OUT_DIM);
  for (let d = 0; d < n; d++) {
    const xd = f(v[d]!);
    for (let e = 0; e < E; e++) {
      const a = f(xd * FOURIER_FREQUENCIES[e]!);
      out[d * E + e] = f(Math.sin(a));
      out[n * E + d * E + e] = f(Math.cos(a));
    }
  }
  return out;
}

/**
 * The original's `input_history`: a deque of the last `window` Fourier
 * vectors. {@link FrameHistory.frames} stacks them oldest first, left-padded
 * with zero frames while fewer than `window` were pushed: [window, width].
 *
 * @example Left padding, oldest first
 * ```ts
 * import { FrameHistory } from "./input_pipeline.ts";
 * import { ok } from "node:assert/strict";
 * const h = new FrameHistory({ width: 2 });
 * h.push([1, 1]);
 * h.push([2, 2]);
 * ok(h.frames().join() === "0,0,0,0,1,1,2,2");
 * ```
 */
export class FrameHistory {
  /** Frames kept (TEMPORAL_WINDOW). */
  readonly window: number;
  /** Values per frame (FOURIER_OUT_DIM). */
  readonly width: number;
  #frames: Float64Array[] = [];

  /**
   * An empty history.
   *
   * @throws {TypeError} when options is not an object or a size is not a number.
   * @throws {RangeError} when window or width is not a positive integer <= 2^24, or their
   *   product exceeds 2^26.
   */
  constructor(options: { window?: number; width?: number } = {}) {
    const op = "create FrameHistory";
    checkObject(op, "options", options);
    const window = options.window === undefined
      ? LARKOS.TEMPORAL_WINDOW
      : checkInt(op, "window", options.window, 1, MAX_DIM);
    const width = options.width === undefined
      ? LARKOS.FOURIER_OUT_DIM
      : checkInt(op, "width", options.width, 1, MAX_DIM);
    if (window * width > MAX_HISTORY_VALUES) {
      throw new RangeError(
        `Cannot ${op}: expected window·width <= ${MAX_HISTORY_VALUES} values but got ` +
          `${window * width}`,
      );
    }
    this.window = window;
    this.width = width;
  }

  /** Frames pushed and still kept (≤ window). */
  get length(): number {
    return this.#frames.length;
  }

  /**
   * Appends a frame, dropping the oldest beyond `window` (deque maxlen).
   *
   * @throws {TypeError} when the frame does not hold `width` numbers. @throws {RangeError}
   *   on a non-finite value.
   */
  push(frame: ArrayLike<number>): void {
    const v = checkVector(frame, this.width, "frame", "push to FrameHistory");
    this.#frames.push(Float64Array.from(v));
    if (this.#frames.length > this.window) this.#frames.shift();
  }

  /** [window·width], oldest first, zero frames in front while not full. */
  frames(): Float64Array {
    const out = new Float64Array(this.window * this.width);
    const pad = this.window - this.#frames.length;
    this.#frames.forEach((fr, i) => out.set(fr, (pad + i) * this.width));
    return out;
  }

  /** Copies of the kept frames, oldest first (the checkpoint's `input_history`). */
  snapshot(): Float64Array[] {
    return this.#frames.map((fr) => fr.slice());
  }

  /**
   * Replaces the kept frames (oldest first); everything is checked first.
   *
   * @throws {RangeError} when more than `window` frames are given or a value is not finite.
   * @throws {TypeError} when a frame has the wrong width.
   */
  restore(frames: readonly ArrayLike<number>[]): void {
    if (!Array.isArray(frames) || frames.length > this.window) {
      throw new RangeError(
        `Cannot restore FrameHistory: expected at most ${this.window} frames but got ${
          Array.isArray(frames) ? frames.length : String(frames)
        }`,
      );
    }
    const copies = frames.map((fr) =>
      Float64Array.from(checkVector(fr, this.width, "frame", "restore FrameHistory"))
    );
    this.#frames = copies;
  }
}

/** Options of {@link syntheticBackendTrace}. */
export interface SyntheticTraceOptions {
  /** Seeds the simulated backend (a u32). */
  seed: number;
  /** Steps to produce. */
  steps: number;
  /** Neurons simulated; default LARKOS.MAX_NEURONS. */
  neurons?: number;
  /** Short-term memory capacity for the churn channel; default 48. */
  capacity?: number;
}

/**
 * A seeded stand-in for the C backend's `get_input_tensor()` (the original
 * needs `neural_web.so`): per step, the 6 channels of `build_input_tensor`
 * from a simulated network, rounded to f32 like the original's tensor:
 * tanh(mean state), tanh(mean output), tanh(std state), tanh(mean |w|),
 * sin(2π·step/64) and the short-term memory churn (entries/capacity)·2 − 1.
 * States follow s ← 0.9·s + 0.3·N(0, 1), outputs tanh(1.5·s), two weights per
 * neuron drift by N(0, 0.05²), and memory fills by 1–2 entries a step,
 * consolidating to a quarter of its capacity when full.
 *
 * @example
 * ```ts
 * import { syntheticBackendTrace } from "./input_pipeline.ts";
 * import { ok } from "node:assert/strict";
 * const t = syntheticBackendTrace({ seed: 3, steps: 64 });
 * ok(t.length === 64 && t.every((x) => x.length === 6 && x.every((v) => Math.abs(v) <= 1)));
 * ```
 *
 * @throws {TypeError} when options is not an object or a field is not a number.
 * @throws {RangeError} when seed, steps (at most 2^20), neurons (2 to 2^16) or capacity is out
 *   of range.
 */
export function syntheticBackendTrace(options: SyntheticTraceOptions): Float64Array[] {
  const op = "make a synthetic backend trace";
  checkObject(op, "options", options);
  const seed = checkInt(op, "seed", options.seed, 0, 0xffffffff);
  // Each step is a host simulation of every neuron: 2^20 steps of 2^16 neurons at most.
  const steps = checkInt(op, "steps", options.steps, 0, 2 ** 20);
  const neurons = options.neurons === undefined
    ? LARKOS.MAX_NEURONS
    : checkInt(op, "neurons", options.neurons, 2, 2 ** 16);
  const capacity = options.capacity === undefined
    ? 48
    : checkInt(op, "capacity", options.capacity, 4, 2 ** 24);
  const rng = new Rng(seed);
  const s = Float64Array.from({ length: neurons }, () => 0.5 * rng.normal());
  const w = Float64Array.from({ length: 2 * neurons }, () => rng.uniformIn(-1, 1));
  let entries = rng.int(capacity);
  const out: Float64Array[] = [];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < neurons; i++) s[i] = 0.9 * s[i]! + 0.3 * rng.normal();
    for (let i = 0; i < w.length; i++) w[i] = w[i]! + 0.05 * rng.normal();
    entries += 1 + rng.int(2);
    if (entries > capacity) entries = Math.floor(capacity / 4);
    let ms = 0;
    let mo = 0;
    for (let i = 0; i < neurons; i++) {
      ms += s[i]!;
      mo += Math.tanh(1.5 * s[i]!);
    }
    ms /= neurons;
    mo /= neurons;
    let vs = 0;
    for (let i = 0; i < neurons; i++) vs += (s[i]! - ms) ** 2;
    let mw = 0;
    for (const v of w) mw += Math.abs(v);
    mw /= w.length;
    out.push(
      Float64Array.from([
        Math.tanh(ms),
        Math.tanh(mo),
        Math.tanh(Math.sqrt(vs / neurons)),
        Math.tanh(mw),
        Math.sin((2 * Math.PI * t) / 64),
        (entries / capacity) * 2 - 1,
      ], f),
    );
  }
  return out;
}

/** The state of a {@link TemporalInputPipeline}, as a checkpoint stores it. */
export interface TemporalInputState {
  /** The normaliser's statistics. */
  norm: MinMaxStats;
  /** The kept Fourier frames, oldest first (the original's `input_history`). */
  history: Float64Array[];
}

/**
 * The whole input pipeline of one training step, as the original's loop runs
 * it: update the normaliser with the backend's 6 channels, normalise them,
 * Fourier-encode, push onto the history and return the left-padded
 * [TEMPORAL_WINDOW·FOURIER_OUT_DIM] sequence (row-major [4, 48]) for the
 * temporal encoder.
 *
 * @example
 * ```ts
 * import { syntheticBackendTrace, TemporalInputPipeline } from "./input_pipeline.ts";
 * import { ok } from "node:assert/strict";
 * const p = new TemporalInputPipeline({ tracking: "asymmetric" });
 * const [a, b] = syntheticBackendTrace({ seed: 5, steps: 2 });
 * const s1 = p.step(a!);
 * ok(s1.length === 192 && s1.subarray(0, 144).every((v) => v === 0)); // 3 zero frames first
 * const s2 = p.step(b!);
 * ok(s2.subarray(96, 144).every((v, i) => v === s1[144 + i])); // the older frame moved up
 * ```
 */
export class TemporalInputPipeline {
  /** The normaliser. */
  readonly norm: OnlineMinMax;
  /** The frame history. */
  readonly history: FrameHistory;

  /**
   * A fresh pipeline with the given tracking and Larkos' sizes.
   *
   * @throws {TypeError} when tracking is neither "original" nor "asymmetric".
   */
  constructor(options: { tracking: MinMaxTracking }) {
    const tracking = options?.tracking;
    if (tracking !== "original" && tracking !== "asymmetric") {
      throw new TypeError(
        `Cannot create TemporalInputPipeline: expected tracking "original" or "asymmetric" ` +
          `but got ${String(tracking)}`,
      );
    }
    this.norm = new OnlineMinMax({ tracking });
    this.history = new FrameHistory();
  }

  /**
   * One step: x (6 channels) in, the [4, 48] sequence (flat) out.
   *
   * @throws {TypeError} when x does not hold 6 numbers. @throws {RangeError} on a non-finite
   *   value. Nothing changes when it throws.
   */
  step(x: ArrayLike<number>): Float64Array {
    checkVector(x, this.norm.dim, "x", "step the temporal input pipeline");
    this.history.push(fourierEncode(this.norm.observe(x)));
    return this.history.frames();
  }

  /** The normaliser's statistics and the history (copies). */
  stats(): TemporalInputState {
    return { norm: this.norm.stats(), history: this.history.snapshot() };
  }

  /**
   * Restores a saved state. The normaliser's statistics and the frames are both checked
   * before either is set.
   *
   * @throws as {@link OnlineMinMax.setStats} and {@link FrameHistory.restore}.
   */
  setStats(s: TemporalInputState): void {
    const probe = new FrameHistory();
    probe.restore(s?.history);
    const n = new OnlineMinMax({ tracking: this.norm.tracking, momentum: this.norm.momentum });
    n.setStats(s.norm);
    this.norm.setStats(s.norm);
    this.history.restore(s.history);
  }
}
