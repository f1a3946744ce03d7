/**
 * Argument checks shared by the amygdala family's entry points: each throws a TypeError or
 * RangeError "Cannot <verb>: expected <what> … but got <value>" before any work. Not part of
 * the family's public surface (impl/amygdala/mod.ts does not export it).
 *
 * @module
 */
import type { Matrix, MatrixData } from "../linalg/matrix.ts";

/** A short printing of `v` for an error message. */
export function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return `a ${(v as object).constructor?.name ?? "object"}`;
}

/** Whether `v` is a plain options object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Checks that `v` is an object (not null, not an array). */
export function checkObject(v: unknown, verb: string, what: string): void {
  if (!isObject(v)) {
    throw new TypeError(`Cannot ${verb}: expected ${what} an object but got ${shown(v)}`);
  }
}

/** Checks an options argument: `undefined` (the defaults) or an object. */
export function checkOptions(v: unknown, verb: string, what = "options"): void {
  if (v !== undefined) checkObject(v, verb, what);
}

/** Checks that `v` is a string. */
export function checkString(v: unknown, verb: string, what: string): asserts v is string {
  if (typeof v !== "string") {
    throw new TypeError(`Cannot ${verb}: expected ${what} a string but got ${shown(v)}`);
  }
}

/** Checks that `v` is an array of strings (non-empty unless `emptyOk`). */
export function checkStrings(
  v: unknown,
  verb: string,
  what: string,
  emptyOk = false,
): asserts v is string[] {
  if (!Array.isArray(v)) {
    throw new TypeError(`Cannot ${verb}: expected ${what} an array of strings but got ${shown(v)}`);
  }
  if (!emptyOk && v.length === 0) {
    throw new RangeError(`Cannot ${verb}: expected ${what} a non-empty array but got none`);
  }
  const bad = v.findIndex((s) => typeof s !== "string");
  if (bad >= 0) {
    throw new TypeError(
      `Cannot ${verb}: expected ${what} an array of strings but entry ${bad} is ${shown(v[bad])}`,
    );
  }
}

/** Checks an optional function argument. */
export function checkFunction(v: unknown, verb: string, what: string, optional = false): void {
  if (optional && v === undefined) return;
  if (typeof v !== "function") {
    throw new TypeError(`Cannot ${verb}: expected ${what} a function but got ${shown(v)}`);
  }
}

/** Checks that `v` is a safe integer in [min, max]. */
export function checkInt(
  v: unknown,
  verb: string,
  what: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): asserts v is number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new RangeError(
      `Cannot ${verb}: expected ${what} an integer ${range} but got ${shown(v)}`,
    );
  }
}

/** Checks that `v` is a finite number. */
export function checkReal(v: unknown, verb: string, what: string): asserts v is number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RangeError(`Cannot ${verb}: expected ${what} a finite number but got ${shown(v)}`);
  }
}

/**
 * Checks a list of finite numbers (an array or a typed array) of length `n` (any length when
 * `n` is null).
 */
export function checkReals(
  v: unknown,
  verb: string,
  what: string,
  n: number | null,
): asserts v is ArrayLike<number> {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    throw new TypeError(`Cannot ${verb}: expected ${what} an array of numbers but got ${shown(v)}`);
  }
  const a = v as unknown as ArrayLike<unknown>;
  if (n !== null && a.length !== n) {
    throw new TypeError(`Cannot ${verb}: expected ${what} of length ${n} but got ${a.length}`);
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RangeError(
        `Cannot ${verb}: expected finite numbers in ${what} but got ${shown(x)} at ${i}`,
      );
    }
  }
}

/**
 * Whether `m` is a well-formed matrix: an object with safe-integer `rows` and `cols` and f64 or
 * f32 `data` of `rows · cols` values (the values are not inspected).
 */
export function isMatrix(m: unknown): m is Matrix<MatrixData> {
  if (m === null || typeof m !== "object") return false;
  const x = m as { rows?: unknown; cols?: unknown; data?: unknown };
  return typeof x.rows === "number" && typeof x.cols === "number" &&
    Number.isSafeInteger(x.rows) && Number.isSafeInteger(x.cols) && x.rows >= 0 && x.cols >= 0 &&
    (x.data instanceof Float64Array || x.data instanceof Float32Array) &&
    x.data.length === x.rows * x.cols;
}

/** The index of the first non-finite value of `data`, or −1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}
