/**
 * Argument checks shared by the families' public entry points (fastweights, decepticons): each
 * raises a `TypeError` (wrong type, wrong length) or `RangeError` (wrong value) whose message
 * names the entry point (`op`, e.g. "udLayout" or "NgramMemory.update") and what it expected, so
 * that malformed input fails before anything is allocated or dispatched.
 *
 * @module
 */
import { assertLive, formatShape, Tensor } from "./tensor.ts";
import { Rng } from "./gpu/rng.ts";

/** "Cannot <op>" for a phrase ("draw episodes (kvDrawEpisodes)"), "Cannot run <op>" for a name. */
function cannot(op: string): string {
  return op.includes(" ") ? `Cannot ${op}` : `Cannot run ${op}`;
}

/** How an error message prints a received value. */
export function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 24 ? v.slice(0, 24) + "…" : v);
  if (typeof v === "bigint") return `${v}n (a bigint)`;
  if (v instanceof Tensor) return `a tensor of shape ${formatShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return `an object (${v.constructor?.name ?? "null prototype"})`;
  return String(v);
}

/**
 * Checks an integer in [min, max].
 *
 * @throws {TypeError} when `v` is not a number.
 * @throws {RangeError} when it is not an integer in [min, max].
 */
export function checkInt(op: string, what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number") {
    throw new TypeError(`${cannot(op)}: expected ${what} to be a number but got ${shown(v)}`);
  }
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(
      `${cannot(op)}: expected ${what} to be an integer in [${min}, ${max}] but got ${v}`,
    );
  }
  return v;
}

/**
 * Checks a finite number representable in f32 (within [min, max] when given).
 *
 * @throws {TypeError} when `v` is not a number.
 * @throws {RangeError} when it is not finite in f32, or outside [min, max].
 */
export function checkReal(
  op: string,
  what: string,
  v: unknown,
  min = -Infinity,
  max = Infinity,
): number {
  if (typeof v !== "number") {
    throw new TypeError(`${cannot(op)}: expected ${what} to be a number but got ${shown(v)}`);
  }
  if (!Number.isFinite(Math.fround(v)) || v < min || v > max) {
    const range = min === -Infinity && max === Infinity ? "" : ` in [${min}, ${max}]`;
    throw new RangeError(
      `${cannot(op)}: expected ${what} to be a finite f32 number${range} but got ${v}`,
    );
  }
  return v;
}

/** Checks a non-null object (a configuration or options record). */
export function checkObject(op: string, what: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new TypeError(`${cannot(op)}: expected ${what} to be an object but got ${shown(v)}`);
  }
  return v as Record<string, unknown>;
}

/** Checks an array-like of numbers (an array or a typed array); returns its length. */
export function checkList(op: string, what: string, v: unknown, length?: number): number {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) {
    throw new TypeError(
      `${cannot(op)}: expected ${what} to be an array or typed array but got ${shown(v)}`,
    );
  }
  const n = (v as ArrayLike<unknown>).length;
  if (length !== undefined && n !== length) {
    throw new TypeError(
      `${cannot(op)}: expected ${what} to hold ${length} values but got ${n}`,
    );
  }
  return n;
}

/**
 * Checks an array-like of finite f32 numbers (of `length` entries, when given).
 *
 * @throws {TypeError} when it is not a list, has the wrong length, or holds a non-number.
 * @throws {RangeError} when an entry is not finite in f32.
 */
export function checkFiniteList(
  op: string,
  what: string,
  v: unknown,
  length?: number,
): ArrayLike<number> {
  const n = checkList(op, what, v, length);
  const xs = v as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (typeof x !== "number") {
      throw new TypeError(
        `${cannot(op)}: expected ${what}[${i}] to be a number but got ${shown(x)}`,
      );
    }
    if (!Number.isFinite(Math.fround(x))) {
      throw new RangeError(
        `${cannot(op)}: expected ${what}[${i}] to be a finite f32 value but got ${x}`,
      );
    }
  }
  return v as ArrayLike<number>;
}

/** Checks an array-like of integers in [min, max] (non-empty unless `emptyOk`). */
export function checkIntList(
  op: string,
  what: string,
  v: unknown,
  min: number,
  max: number,
  emptyOk = false,
): ArrayLike<number> {
  const n = checkList(op, what, v);
  if (n === 0 && !emptyOk) {
    throw new RangeError(`${cannot(op)}: expected ${what} to hold at least one value but got none`);
  }
  const xs = v as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) checkInt(op, `${what}[${i}]`, xs[i], min, max);
  return v as ArrayLike<number>;
}

/** Checks a typed array of the given kind (and length, when given). */
export function checkTyped<T extends Float32Array | Int32Array | Uint32Array>(
  op: string,
  what: string,
  v: unknown,
  kind: { new (n: number): T; name: string },
  length?: number,
): T {
  if (!(v instanceof kind)) {
    throw new TypeError(`${cannot(op)}: expected ${what} to be a ${kind.name} but got ${shown(v)}`);
  }
  if (length !== undefined && v.length !== length) {
    throw new TypeError(
      `${cannot(op)}: expected ${what} to hold ${length} values but got ${v.length}`,
    );
  }
  return v;
}

/** Checks a live tensor of `dtype` (and `shape`, when given). */
export function checkTensor(
  op: string,
  what: string,
  v: unknown,
  dtype: "f32" | "i32",
  shape?: readonly number[],
): Tensor {
  if (!(v instanceof Tensor)) {
    throw new TypeError(`${cannot(op)}: expected ${what} to be a tensor but got ${shown(v)}`);
  }
  assertLive(v, op, what);
  if (v.dtype !== dtype) {
    throw new TypeError(
      `${cannot(op)}: expected ${what} to be of dtype ${dtype} but got ${v.dtype}`,
    );
  }
  if (shape !== undefined && formatShape(v.shape) !== formatShape(shape)) {
    throw new TypeError(
      `${cannot(op)}: expected ${what} of shape ${formatShape(shape)} but got ` +
        formatShape(v.shape),
    );
  }
  return v;
}

/** Checks an {@link Rng}. */
export function checkRng(op: string, what: string, v: unknown): Rng {
  if (!(v instanceof Rng)) {
    throw new TypeError(`${cannot(op)}: expected ${what} to be an Rng but got ${shown(v)}`);
  }
  return v;
}

/** Checks one of `allowed` strings. */
export function checkOneOf<S extends string>(
  op: string,
  what: string,
  v: unknown,
  allowed: readonly S[],
): S {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new TypeError(
      `${cannot(op)}: expected ${what} to be one of ${allowed.map((a) => `"${a}"`).join(", ")} ` +
        `but got ${shown(v)}`,
    );
  }
  return v as S;
}

/** Checks a boolean. */
export function checkBool(op: string, what: string, v: unknown): boolean {
  if (typeof v !== "boolean") {
    throw new TypeError(`${cannot(op)}: expected ${what} to be a boolean but got ${shown(v)}`);
  }
  return v;
}
