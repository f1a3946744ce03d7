/**
 * The fast-weight memory as a store: a state W ∈ R^{d_v×d_k} with gated
 * rank-1 writes W ← W + η g v kᵀ, linear reads y = W q and a reset to zero.
 * Every write and read is one dispatch of the fused recurrence kernel
 * (fastweights_scan_forward.ts) with the current state as its initial state;
 * a batch of writes is still one dispatch.
 *
 * @example Store two values under orthonormal keys and read one back
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { FastWeightStore } from "./store.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const m = new FastWeightStore(2, 3);
 * m.write([1, 0], [1, 2, 3]);
 * m.write([0, 1], [4, 5, 6]);
 * const y = m.read([0, 1]);
 * deepStrictEqual(Array.from(await y.toArray()), [4, 5, 6]);
 * y.dispose();
 * m.dispose();
 * ```
 *
 * @module
 */
import { emptyLike, type Tensor, tensor, zeros } from "../../tensor.ts";
import { recordScanForward } from "../recurrence/recurrence.ts";
import { SCAN_FORWARD } from "../recurrence/kernels/forward.ts";
import { maxStepsPerLaunch } from "../../gpu/program.ts";
import { shown } from "../../validate.ts";

/** A fast-weight memory on the GPU. */
export class FastWeightStore {
  /** Key and query size d_k. */
  readonly keyDim: number;
  /** Value size d_v. */
  readonly valueDim: number;
  /** Write strength η. */
  readonly eta: number;
  #state: Tensor;
  #disposed = false;

  /**
   * An empty memory (W = 0).
   *
   * @throws {RangeError} for sizes outside [1, 256] (keys) or [1, 4096] (values), or a non-finite η.
   */
  constructor(keyDim: number, valueDim: number, eta = 1) {
    for (const [what, v] of [["key size", keyDim], ["value size", valueDim], ["eta", eta]]) {
      if (typeof v !== "number") {
        throw new TypeError(
          `Cannot build a FastWeightStore with ${what} ${shown(v)}: expected a number`,
        );
      }
    }
    if (!Number.isInteger(keyDim) || keyDim < 1 || keyDim > 256) {
      throw new RangeError(
        `Cannot build a FastWeightStore with key size ${keyDim}: expected an integer in 1..256`,
      );
    }
    if (!Number.isInteger(valueDim) || valueDim < 1 || valueDim > 4096) {
      throw new RangeError(
        `Cannot build a FastWeightStore with value size ${valueDim}: expected an integer in 1..4096`,
      );
    }
    if (!Number.isFinite(eta)) {
      throw new RangeError(
        `Cannot build a FastWeightStore with eta = ${eta}: expected a finite number`,
      );
    }
    // Finite but past the f32 range: the kernel's uniform would hold ±Infinity.
    if (Number.isFinite(eta) && Math.abs(Math.fround(eta)) === Infinity) {
      throw new RangeError(
        `Cannot build a FastWeightStore with eta = ${eta}: expected a finite f32 number`,
      );
    }
    this.keyDim = keyDim;
    this.valueDim = valueDim;
    this.eta = eta;
    this.#state = zeros([valueDim, keyDim]);
  }

  /** The state W [d_v, d_k] (owned by the store; read it, do not dispose it). */
  get state(): Tensor {
    return this.#state;
  }

  /**
   * Refuses a non-finite entry (or one past the f32 range, which the upload would turn into
   * ±Infinity): one such write would poison every later read of the memory.
   */
  #checkFinite(op: string, what: string, xs: ArrayLike<number>): void {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      if (!Number.isFinite(Math.fround(x))) {
        throw new RangeError(
          `Cannot ${op} a FastWeightStore: ${what}[${i}] is ${x}, expected a finite f32 value`,
        );
      }
    }
  }

  /**
   * Refuses what is not a list of numbers (a string, an object, `["1"]`), which the upload would
   * coerce or the length check would misread; finiteness is {@link #checkFinite}'s.
   */
  #checkNumbers(op: string, what: string, xs: unknown): void {
    const list = Array.isArray(xs) || (ArrayBuffer.isView(xs) && !(xs instanceof DataView));
    if (!list) {
      throw new TypeError(
        `Cannot ${op} a FastWeightStore: expected ${what} to be an array or typed array of ` +
          `numbers but got ${shown(xs)}`,
      );
    }
    const a = xs as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) {
      if (typeof a[i] !== "number") {
        throw new TypeError(
          `Cannot ${op} a FastWeightStore: expected ${what}[${i}] to be a number but got ` +
            shown(a[i]),
        );
      }
    }
  }

  /** Refuses any use after {@link dispose}, naming the store, before anything is allocated. */
  #checkLive(op: string): void {
    if (this.#disposed) {
      throw new TypeError(
        `Cannot ${op} a FastWeightStore of key size ${this.keyDim} and value size ` +
          `${this.valueDim}: it was disposed (expected a live store)`,
      );
    }
  }

  #check(op: string, what: string, n: number, want: number): void {
    if (n !== want) {
      throw new TypeError(
        `Cannot ${op} a FastWeightStore of key size ${this.keyDim} and value size ` +
          `${this.valueDim}: ${what} has ${n} entries, expected ${want}`,
      );
    }
  }

  /**
   * Writes `count` = keys.length / d_k gated pairs in order: W ← W + η g_t v_t k_tᵀ for each
   * t. Any number of writes is accepted: a long call is split into launches that each fit the
   * adapter's loop budget (the recurrence loops over time inside the kernel), carrying W.
   *
   * @throws {TypeError} when the lengths disagree, or the store was disposed.
   * @throws {RangeError} when a key, value or gate is not a finite f32 value; the state is
   *   then unchanged.
   */
  writeMany(keys: ArrayLike<number>, values: ArrayLike<number>, gates: ArrayLike<number>): void {
    this.#checkLive("write to");
    this.#checkNumbers("write to", "keys", keys);
    this.#checkNumbers("write to", "values", values);
    this.#checkNumbers("write to", "gates", gates);
    const count = gates.length;
    this.#check("write to", "keys", keys.length, count * this.keyDim);
    this.#check("write to", "values", values.length, count * this.valueDim);
    this.#checkFinite("write to", "keys", keys);
    this.#checkFinite("write to", "values", values);
    this.#checkFinite("write to", "gates", gates);
    if (count === 0) return;
    const per = maxStepsPerLaunch(
      SCAN_FORWARD,
      { keyDim: this.keyDim, valueDim: this.valueDim, history: false },
      count,
    );
    const kAll = Float32Array.from(keys);
    const vAll = Float32Array.from(values);
    const gAll = Float32Array.from(gates);
    for (let t0 = 0; t0 < count; t0 += per) {
      const n = Math.min(per, count - t0);
      const made: Tensor[] = [];
      let next: Tensor | null = null;
      try {
        const k = tensor(kAll.subarray(t0 * this.keyDim, (t0 + n) * this.keyDim), [
          1,
          n,
          this.keyDim,
        ]);
        made.push(k);
        const v = tensor(vAll.subarray(t0 * this.valueDim, (t0 + n) * this.valueDim), [
          1,
          n,
          this.valueDim,
        ]);
        made.push(v);
        const g = tensor(gAll.subarray(t0, t0 + n), [1, n]);
        made.push(g);
        const q = zeros([1, this.keyDim]);
        made.push(q);
        const y = emptyLike([1, this.valueDim], "f32", "store write read");
        made.push(y);
        next = emptyLike([this.valueDim, this.keyDim], "f32", "fast-weight store state");
        recordScanForward(
          {
            n: 1,
            tm: n,
            keyDim: this.keyDim,
            valueDim: this.valueDim,
            eta: this.eta,
            keys: k,
            values: v,
            gates: g,
            queries: q,
            queryAtLast: false,
            lens: null,
          },
          { y, w: next, hist: null, w0: this.#state },
        );
      } catch (e) {
        next?.dispose();
        throw e;
      } finally {
        for (const x of made) x.dispose();
      }
      this.#state.dispose();
      this.#state = next;
    }
  }

  /** Writes one gated pair: W ← W + η g v kᵀ. */
  write(key: ArrayLike<number>, value: ArrayLike<number>, gate = 1): void {
    this.#checkLive("write to");
    if (typeof gate !== "number") {
      throw new TypeError(
        `Cannot write to a FastWeightStore: expected the gate to be a number but got ${
          shown(gate)
        }`,
      );
    }
    this.writeMany(key, value, [gate]);
  }

  /**
   * Reads y = W q (one dispatch); the caller owns the returned [1, d_v] tensor.
   *
   * @throws {TypeError} when the query's length is not d_k, or the store was disposed.
   * @throws {RangeError} when a query entry is not a finite f32 value.
   */
  read(query: ArrayLike<number>): Tensor {
    this.#checkLive("read from");
    this.#checkNumbers("read from", "query", query);
    this.#check("read from", "the query", query.length, this.keyDim);
    this.#checkFinite("read from", "query", query);
    const q = tensor(Float32Array.from(query), [1, this.keyDim]);
    const dummy = zeros([1, 1, Math.max(this.keyDim, this.valueDim)]);
    const g = zeros([1, 1]);
    const y = emptyLike([1, this.valueDim], "f32", "store read");
    const w = emptyLike([this.valueDim, this.keyDim], "f32", "store read state copy");
    recordScanForward(
      {
        n: 1,
        tm: 1,
        steps: 0,
        keyDim: this.keyDim,
        valueDim: this.valueDim,
        eta: this.eta,
        keys: dummy,
        values: dummy,
        gates: g,
        queries: q,
        queryAtLast: false,
        lens: null,
      },
      { y, w, hist: null, w0: this.#state },
    );
    for (const t of [q, dummy, g, w]) t.dispose();
    return y;
  }

  /**
   * Resets the memory to W = 0.
   *
   * @throws {TypeError} when the store was disposed.
   */
  reset(): void {
    this.#checkLive("reset");
    this.#state.dispose();
    this.#state = zeros([this.valueDim, this.keyDim]);
  }

  /** Releases the state; later calls throw. Disposing twice is harmless. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#state.dispose();
  }
}
