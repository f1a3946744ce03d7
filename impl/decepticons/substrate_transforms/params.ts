/**
 * Shared plumbing of the substrate transforms and the hash memory: seeded
 * parameter initialisation, optional shipped weights, and the input checks
 * every `forward` runs before any GPU work.
 *
 * Every parameter draws from its own stream `new Rng(hashU32(seed, fnv1a(name)))`,
 * keyed by the full (prefixed) name, as the causal-bank LM does
 * (impl/decepticons/byte_lm/byte_lm.ts). Linear weights and biases follow
 * PyTorch's `nn.Linear` default distribution U(±1/√fan_in), the original's
 * init for these modules (asuramaya/decepticons:src/decepticons/models/
 * substrate_transforms.py and models/hash_memory.py at 7be9af7), but from
 * memspec's seeded streams rather than torch's global RNG.
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { checkInt, checkObject, shown } from "../../validate.ts";

/** FNV-1a of a name, to key a parameter's random stream. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** `n` draws of U(±1/√fanIn) from the stream of (seed, name), rounded to f32. */
export function linearInit(seed: number, name: string, fanIn: number, n: number): Float32Array {
  const r = new Rng(hashU32(seed, nameHash(name)));
  const lim = 1 / Math.sqrt(fanIn);
  return Float32Array.from({ length: n }, () => r.uniformIn(-lim, lim));
}

/** One parameter's plan: its local name, shape and seeded initial values. */
export interface ParamPlan {
  /** Local name (the map key is prefix + name). */
  readonly name: string;
  /** Shape, [in, out] for a weight (x·W layout: PyTorch's weight transposed). */
  readonly shape: readonly number[];
  /** Seeded initial values, used unless `weights` supplies the parameter. */
  readonly init: () => Float32Array;
}

/** Shipped initial values by local parameter name (e.g. a PyTorch state dict, transposed). */
export type ShippedWeights = Readonly<Record<string, ArrayLike<number>>>;

/**
 * Checks the common options (seed, prefix, weights) of a transform.
 *
 * @throws {TypeError|RangeError} naming the field.
 */
export function checkCommon(
  op: string,
  o: Record<string, unknown>,
): { seed: number; prefix: string; weights: ShippedWeights | undefined } {
  const seed = o.seed === undefined ? 0 : checkInt(op, "seed", o.seed, 0, 0xffffffff);
  if (o.prefix !== undefined && typeof o.prefix !== "string") {
    throw new TypeError(
      `Cannot run ${op}: expected prefix to be a string but got ${shown(o.prefix)}`,
    );
  }
  const weights = o.weights === undefined
    ? undefined
    : (checkObject(op, "weights", o.weights) as ShippedWeights);
  return { seed, prefix: (o.prefix as string | undefined) ?? "", weights };
}

/**
 * Resolves every parameter's host values (shipped or seeded) and checks the shipped ones,
 * before any upload.
 *
 * @throws {TypeError} for an unknown shipped name, a wrong length or a non-number.
 * @throws {RangeError} for a value not finite in f32.
 */
export function resolveParams(
  op: string,
  plans: readonly ParamPlan[],
  weights: ShippedWeights | undefined,
): Float32Array[] {
  if (weights !== undefined) {
    const known = new Set(plans.map((p) => p.name));
    for (const k of Object.keys(weights)) {
      if (!known.has(k)) {
        throw new TypeError(
          `Cannot run ${op}: expected weights to name only ${[...known].join(", ")} but got "${k}"`,
        );
      }
    }
  }
  return plans.map((p) => {
    const n = p.shape.reduce((a, d) => a * d, 1);
    const w = weights?.[p.name];
    if (w === undefined) return p.init();
    const ok = Array.isArray(w) || (ArrayBuffer.isView(w) && !(w instanceof DataView));
    if (!ok || w.length !== n) {
      throw new TypeError(
        `Cannot run ${op}: expected weights.${p.name} to hold ${n} values ` +
          `(${formatShape(p.shape)}) but got ${shown(w)}`,
      );
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = w[i];
      if (typeof x !== "number") {
        throw new TypeError(
          `Cannot run ${op}: expected weights.${p.name}[${i}] to be a number but got ${shown(x)}`,
        );
      }
      if (!Number.isFinite(Math.fround(x))) {
        throw new RangeError(
          `Cannot run ${op}: expected weights.${p.name}[${i}] to be finite in f32 but got ${x}`,
        );
      }
      out[i] = x;
    }
    return out;
  });
}

/** Uploads resolved parameters as trainable leaves keyed by prefix + name. */
export function uploadParams(
  plans: readonly ParamPlan[],
  values: readonly Float32Array[],
  prefix: string,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  try {
    plans.forEach((p, i) => {
      out.set(prefix + p.name, tensor(values[i]!, p.shape, { requiresGrad: true }));
    });
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/**
 * Checks a live f32 sequence tensor [B, T, width] with B, T ≥ 1 (and T = `t` when given).
 *
 * @returns [B, T].
 * @throws {TypeError} naming `what` for a non-tensor, a disposed one, a dtype, rank or width
 *   mismatch, or a T other than `t`.
 */
export function checkSequence(
  op: string,
  what: string,
  v: unknown,
  width: number,
  bt?: readonly [number, number],
): [number, number] {
  const want = bt ? `[${bt[0]}, ${bt[1]}, ${width}]` : `[B, T, ${width}]`;
  if (!(v instanceof Tensor)) {
    throw new TypeError(
      `Cannot run ${op}: expected ${what} as an f32 tensor ${want} but got ${shown(v)}`,
    );
  }
  assertLive(v, op, what);
  const [b, t, w] = v.shape;
  if (
    v.dtype !== "f32" || v.rank !== 3 || w !== width || b! < 1 || t! < 1 ||
    (bt !== undefined && (b !== bt[0] || t !== bt[1]))
  ) {
    throw new TypeError(
      `Cannot run ${op}: expected ${what} as an f32 tensor ${want} but got ` +
        `${v.dtype} ${formatShape(v.shape)}`,
    );
  }
  return [b!, t!];
}

/** The error a method of a disposed module raises. */
export function assertNotDisposed(disposed: boolean, op: string): void {
  if (disposed) {
    throw new TypeError(`Cannot run ${op}: expected a live module but it was disposed`);
  }
}
