/**
 * Named-parameter helpers shared by the ams modules that hold PyTorch state-dict parameters
 * (the three bundle encoders and cross-bundle attention): the parameter-shape table, the seed
 * check, the host-value check and the named-weights check run before any upload, and the
 * replacement of every parameter once the weights passed that check.
 *
 * @module
 */
import { formatShape, type Tensor, tensor } from "../tensor.ts";

/** A parameter-shape table: [state-dict name, shape] pairs in the original's registration order. */
export type AmsParameterShapes = readonly (readonly [string, readonly number[]])[];

/** Named arrays by state-dict name, as `setWeights` and the `weights` options take them. */
export type AmsNamedWeights = Readonly<Record<string, ArrayLike<number>>>;

/**
 * The seed of `new <name>(...)`: `undefined` reads as 0; anything else must be an integer in
 * [0, 2^32).
 *
 * @throws {RangeError} when `seed` is not an integer in [0, 2^32) (null included).
 */
export function checkedSeed(name: string, seed: unknown): number {
  const s = seed === undefined ? 0 : seed; // null is a value, refused below
  if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s > 0xffffffff) {
    throw new RangeError(`Cannot create ${name}: expected a seed in [0, 2^32) but got ${s}`);
  }
  return s;
}

/**
 * Checks `x` is an array of exactly `n` numbers, each finite (in f32 when `f32`: values are
 * uploaded as f32, where 1e39 would become Infinity); returns it unchanged.
 *
 * @throws {TypeError} when `x` is not array-like or has another length. @throws {RangeError}
 *   on a non-finite element.
 */
export function hostValues(
  x: ArrayLike<number>,
  n: number,
  what: string,
  op: string,
  f32 = true,
): ArrayLike<number> {
  if (x === null || typeof x !== "object" || typeof x.length !== "number") {
    throw new TypeError(`Cannot ${op}: expected ${what} as an array of numbers but got ${x}`);
  }
  if (x.length !== n) {
    throw new TypeError(`Cannot ${op}: expected ${what} of ${n} values but got ${x.length}`);
  }
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (typeof v !== "number" || !Number.isFinite(f32 ? Math.fround(v) : v)) {
      throw new RangeError(
        `Cannot ${op}: expected ${what} to be finite${
          f32 ? " in f32" : ""
        } but element ${i} is ${v}`,
      );
    }
  }
  return x;
}

/**
 * Checks named weights against a shape table before any upload: a record, no unknown name,
 * every name present with its shape's size, every value finite in f32.
 *
 * @throws {TypeError} when `w` is not a record, names an unknown parameter, lacks one or has a
 *   wrong length. @throws {RangeError} on a non-finite value.
 */
export function checkNamedWeights(
  w: AmsNamedWeights,
  shapes: AmsParameterShapes,
  op: string,
): void {
  if (w === null || typeof w !== "object") {
    throw new TypeError(`Cannot ${op}: expected a record of named arrays but got ${w}`);
  }
  const names = new Set(shapes.map(([k]) => k));
  for (const k of Object.keys(w)) {
    if (!names.has(k)) {
      throw new TypeError(
        `Cannot ${op}: unknown parameter "${k}"; expected one of ${[...names].join(", ")}`,
      );
    }
  }
  for (const [k, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = w[k];
    if (v === undefined || v === null || typeof v.length !== "number") {
      throw new TypeError(`Cannot ${op}: expected ${k} of ${n} values but got none`);
    }
    hostValues(v, n, `${k} (shape ${formatShape(shape)})`, op);
  }
}

/**
 * Replaces every parameter of `params` by the one named in `w` (already checked by
 * {@link checkNamedWeights}), disposing the old tensors.
 */
export function replaceNamedParams(
  params: Map<string, Tensor>,
  shapes: AmsParameterShapes,
  w: AmsNamedWeights,
): void {
  for (const [k, shape] of shapes) {
    params.get(k)!.dispose();
    params.set(k, tensor(w[k]!, shape, { requiresGrad: true }));
  }
}
