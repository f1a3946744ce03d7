/**
 * What every causal-bank readout shares (impl/decepticons/readouts/): the
 * {@link CausalBankReadout} contract, the build options, seeded parameter streams and the
 * input checks. Not exported by the family module; each kind's file is.
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";

/** Vocabulary-free context a forward may need: the tied readouts' embedding table. */
export interface ReadoutContext {
  /** The embedding matrix [V, E] the tied-embedding readout projects onto. */
  embedding?: Tensor;
}

/** What one forward returns. */
export interface ReadoutOutput {
  /** Logits [B, T, V]. */
  logits: Tensor;
  /**
   * The Switch balance loss (shape []) of the rows of THIS forward, for readouts with a
   * router; null for the others. Never state kept from an earlier call.
   */
  balance: Tensor | null;
}

/** A causal-bank readout: features u [B, T, F] → logits [B, T, V]. */
export interface CausalBankReadout {
  /** The kind the readout was built as. */
  readonly kind: string;
  /** Trainable parameters by full name (`<prefix>.<local name>`), in a fixed order. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /**
   * Logits of features u [B, T, F] (and the balance loss of this call). Records GPU work only;
   * differentiable in u and every parameter. Call inside `tidy()`.
   */
  forward(u: Tensor, ctx?: ReadoutContext): ReadoutOutput;
  /** Releases every parameter; a second call does nothing. */
  dispose(): void;
}

/** How a readout is sized and seeded. */
export interface ReadoutBuildOptions {
  /** Width F of the features u. */
  inputDim: number;
  /** Vocabulary V: width of the logits. */
  vocab: number;
  /** Initialisation seed, an integer in [0, 2³²). */
  seed: number;
  /** Name prefix of every parameter (also keys its random stream). */
  prefix: string;
}

/** FNV-1a of a name, to key a parameter's random stream (the byte LM's convention). */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The random stream of a named parameter: memspec's Rng keyed by (seed, name). */
export function streamOf(seed: number, name: string): Rng {
  return new Rng(hashU32(seed, nameHash(name)));
}

/**
 * Builds named, seeded parameters: Xavier-uniform weights (stored [in, out]: y = x W),
 * zero biases. Every tensor it makes is kept in `params`, so a failure part-way can release
 * them all.
 */
export class ParamBuilder {
  /** Every parameter built or adopted so far, by full name (`prefix.local`). */
  readonly params = new Map<string, Tensor>();
  /**
   * An empty builder.
   *
   * @param seed seed of every parameter's stream (each name draws its own)
   * @param prefix prepended with a dot to every local name
   */
  constructor(readonly seed: number, readonly prefix: string) {}

  /** The full name of a local parameter name. */
  full(local: string): string {
    return `${this.prefix}.${local}`;
  }

  /**
   * Xavier-uniform weights U(±√(6 / (fanIn + fanOut))) of the given shape (one or more
   * [fanIn, fanOut] blocks, drawn row-major from the name's stream).
   */
  xavier(local: string, shape: number[], fanIn: number, fanOut: number): Tensor {
    const r = streamOf(this.seed, this.full(local));
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const n = shape.reduce((a, b) => a * b, 1);
    return this.set(local, Float32Array.from({ length: n }, () => r.uniformIn(-lim, lim)), shape);
  }

  /** A zero-initialised parameter (biases, the tied-recursive offsets). */
  zeros(local: string, shape: number[]): Tensor {
    return this.set(local, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  }

  /** Registers a parameter from values. */
  set(local: string, data: Float32Array, shape: number[]): Tensor {
    const t = tensor(data, shape, { requiresGrad: true });
    this.params.set(this.full(local), t);
    return t;
  }

  /** Adds an already-built parameter under its full name. */
  adopt(full: string, t: Tensor): void {
    this.params.set(full, t);
  }

  /** Releases everything built so far. */
  disposeAll(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

/** Checks an integer field; names it. */
export function intField(
  what: string,
  where: string,
  v: unknown,
  min: number,
  max: number,
): number {
  if (typeof v !== "number") {
    throw new TypeError(
      `Cannot build ${where}: expected ${what} to be a number but got ${shown(v)}`,
    );
  }
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(
      `Cannot build ${where}: expected ${what} to be an integer in [${min}, ${max}] but got ${v}`,
    );
  }
  return v;
}

/** Checks the build options (inputDim, vocab, seed, prefix). */
export function checkBuildOptions(where: string, o: unknown): ReadoutBuildOptions {
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    throw new TypeError(
      `Cannot build ${where}: expected options { inputDim, vocab, seed, prefix } but got ${
        shown(o)
      }`,
    );
  }
  const r = o as Record<string, unknown>;
  intField("inputDim", where, r.inputDim, 1, 65536);
  intField("vocab", where, r.vocab, 1, 65536);
  intField("seed", where, r.seed, 0, 0xffffffff);
  if (typeof r.prefix !== "string" || r.prefix.length === 0) {
    throw new TypeError(
      `Cannot build ${where}: expected prefix to be a non-empty string but got ${shown(r.prefix)}`,
    );
  }
  return r as unknown as ReadoutBuildOptions;
}

/**
 * Checks features u: a live f32 tensor [B, T, F] with B, T ≥ 1 (an empty batch has no rows
 * for the balance loss to average over). Returns [B, T].
 */
export function checkFeatures(where: string, u: unknown, F: number): [number, number] {
  if (!(u instanceof Tensor)) {
    throw new TypeError(
      `Cannot run ${where}.forward: expected features u as an f32 Tensor [B, T, ${F}] but got ${
        shown(u)
      }`,
    );
  }
  assertLive(u, `${where}.forward`, "features u");
  if (u.dtype !== "f32" || u.rank !== 3 || u.shape[2] !== F) {
    throw new TypeError(
      `Cannot run ${where}.forward: expected features u as an f32 Tensor [B, T, ${F}] but got ` +
        `${u.dtype} ${formatShape(u.shape)}`,
    );
  }
  const [b, t] = u.shape as [number, number, number];
  if (b < 1 || t < 1) {
    throw new RangeError(
      `Cannot run ${where}.forward: expected features u [B, T, ${F}] with B >= 1 and T >= 1 ` +
        `(0 rows leave the balance loss undefined) but got ${formatShape(u.shape)}`,
    );
  }
  return [b, t];
}

/** Checks the optional context argument. */
export function checkContext(where: string, ctx: unknown): ReadoutContext {
  if (ctx === undefined) return {};
  if (ctx === null || typeof ctx !== "object" || Array.isArray(ctx)) {
    throw new TypeError(
      `Cannot run ${where}.forward: expected ctx to be an object { embedding? } but got ${
        shown(ctx)
      }`,
    );
  }
  return ctx as ReadoutContext;
}

/** Throws when a readout is used after dispose(). */
export function assertNotDisposed(where: string, disposed: boolean, op: string): void {
  if (disposed) {
    throw new TypeError(`Cannot run ${where}.${op}: expected a live readout but it was disposed`);
  }
}
