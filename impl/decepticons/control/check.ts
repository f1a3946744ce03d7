/**
 * Host-side f64 argument checks shared by the decepticons controllers: every failure is a
 * TypeError (wrong type or length) or RangeError (wrong value) whose message reads
 * "Cannot <op>: expected <what> … but got …", raised before any state changes.
 *
 * @example
 * ```ts
 * import { finiteVector, sigmoid } from "./check.ts";
 * import { strictEqual, throws } from "node:assert/strict";
 * strictEqual(sigmoid(0), 0.5);
 * throws(() => finiteVector("encode a summary", "signal", [1, NaN]), RangeError);
 * ```
 *
 * @module
 */
import { shown } from "../../validate.ts";

/** The logistic function, evaluated without overflow for either sign. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Checks a finite f64 number in [min, max] (bounds inclusive unless `open`).
 *
 * @throws {TypeError} when `v` is not a number.
 * @throws {RangeError} when it is not finite or outside the range.
 */
export function finiteNumber(
  op: string,
  what: string,
  v: unknown,
  min = -Infinity,
  max = Infinity,
  open: { min?: boolean; max?: boolean } = {},
): number {
  if (typeof v !== "number") {
    throw new TypeError(`Cannot ${op}: expected ${what} to be a number but got ${shown(v)}`);
  }
  const lowOk = open.min ? v > min : v >= min;
  const highOk = open.max ? v < max : v <= max;
  if (!Number.isFinite(v) || !lowOk || !highOk) {
    const range = min === -Infinity && max === Infinity
      ? ""
      : ` in ${open.min ? "(" : "["}${min}, ${max}${open.max ? ")" : "]"}`;
    throw new RangeError(
      `Cannot ${op}: expected ${what} to be a finite number${range} but got ${v}`,
    );
  }
  return v;
}

/**
 * Checks an integer in [min, max].
 *
 * @throws {TypeError} when `v` is not a number.
 * @throws {RangeError} when it is not an integer in range.
 */
export function integer(op: string, what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number") {
    throw new TypeError(`Cannot ${op}: expected ${what} to be a number but got ${shown(v)}`);
  }
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(
      `Cannot ${op}: expected ${what} to be an integer in [${min}, ${max}] but got ${v}`,
    );
  }
  return v;
}

/**
 * Checks an array-like of finite numbers (non-empty unless `emptyOk`, of `length` entries when
 * given) and returns an f64 copy.
 *
 * @throws {TypeError} when it is not a list, has the wrong length or holds a non-number.
 * @throws {RangeError} when it is empty or an entry is not finite.
 */
export function finiteVector(
  op: string,
  what: string,
  v: unknown,
  length?: number,
  emptyOk = false,
): Float64Array {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to be an array or typed array but got ${shown(v)}`,
    );
  }
  const xs = v as ArrayLike<unknown>;
  if (length !== undefined && xs.length !== length) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to hold ${length} values but got ${xs.length}`,
    );
  }
  if (xs.length === 0 && !emptyOk) {
    throw new RangeError(`Cannot ${op}: expected ${what} to hold at least one value but got none`);
  }
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== "number") {
      throw new TypeError(
        `Cannot ${op}: expected ${what}[${i}] to be a number but got ${shown(x)}`,
      );
    }
    if (!Number.isFinite(x)) {
      throw new RangeError(`Cannot ${op}: expected ${what}[${i}] to be finite but got ${x}`);
    }
    out[i] = x;
  }
  return out;
}

/**
 * Checks a list of token ids, each an integer in [0, vocab) (never wrapped), and returns a copy.
 *
 * @throws {TypeError} when it is not a list or holds a non-number.
 * @throws {RangeError} when an id is fractional or outside [0, vocab).
 */
export function tokenIds(op: string, what: string, v: unknown, vocab: number): number[] {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to be an array or typed array but got ${shown(v)}`,
    );
  }
  const xs = v as ArrayLike<unknown>;
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) out.push(integer(op, `${what}[${i}]`, xs[i], 0, vocab - 1));
  return out;
}

/** Checks an optional options record. */
export function optionsRecord(op: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new TypeError(`Cannot ${op}: expected the options to be an object but got ${shown(v)}`);
  }
  return v as Record<string, unknown>;
}
