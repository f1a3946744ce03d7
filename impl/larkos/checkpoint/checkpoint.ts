/**
 * Checkpoints of Larkos 0.3's modules (Okerew/larkos_models:modules/checkpoint.py and
 * `TrainingLoop.start_training_from`, modules/training.py), on memspec's checkpoint building
 * block (impl/io/checkpoint.ts): every module's parameters under `<module>.<torch name>`,
 * the optimiser's moments, the normalisers' statistics and cached host tensors in one
 * safetensors file, written atomically.
 *
 * The original's fallbacks are made explicit here:
 * - a saved tensor whose shape differs from the model's is refused with a `TypeError` naming
 *   the tensor, both shapes and the option to choose (`onShapeMismatch: "refuse"`, the
 *   default), or overlap-copied when the caller asks (`onShapeMismatch: "expandCopy"`:
 *   `result[:m₁, …, :m_k] = saved[:m₁, …, :m_k]`, the rest keeps the model's current values).
 *   The original's `load_state_dict(strict=False)` is documented to "still load" such a
 *   checkpoint, but raises a size-mismatch RuntimeError;
 * - a normaliser's statistics are restored only when their layout (field names and lengths)
 *   matches the live normaliser's, otherwise refused, or kept fresh for the names in
 *   `statsKeepFreshOnMismatch` (by default `fused_cog_norm`, as the original does);
 * - a cached tensor whose last dimension differs from the expected one is dropped (by default
 *   `cached_fused_cog` against FUSION_DIM = 64, as the original does).
 *
 * {@link transferParameters} is `start_training_from`'s per-parameter transfer over every
 * module it is given; the original's omits the graph reasoner and the temporal encoder.
 *
 * Every check runs before the first write: a refused load changes nothing.
 *
 * @example Save two modules' parameters and a normaliser, load them into fresh ones
 * ```ts
 * import { initGpu, tensor, type Tensor } from "../../mod.ts";
 * import { loadLarkosCheckpoint, saveLarkosCheckpoint } from "./checkpoint.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const mod = (w: number[]) => {
 *   const t = tensor(w, [w.length]);
 *   return { t, namedParameters: (): [string, Tensor][] => [["weight", t]] };
 * };
 * let saved = { mean: new Float64Array([0.5, 2]) };
 * const norm = { stats: () => saved, setStats: (s: typeof saved) => (saved = s) };
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const a = mod([1, 2]);
 * await saveLarkosCheckpoint(`${dir}/k.safetensors`, {
 *   modules: { graph_reasoner: a },
 *   normalisers: { fused_cog_norm: norm },
 * });
 * const b = mod([0, 0]);
 * saved = { mean: new Float64Array([0, 0]) };
 * await loadLarkosCheckpoint(`${dir}/k.safetensors`, {
 *   modules: { graph_reasoner: b },
 *   normalisers: { fused_cog_norm: norm },
 * });
 * deepStrictEqual(Array.from(await b.t.toArray()), [1, 2]);
 * deepStrictEqual(Array.from(saved.mean), [0.5, 2]);
 * a.t.dispose();
 * b.t.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { Adam } from "../../ops/optim.ts";
import { formatShape, readTensors, type Tensor } from "../../tensor.ts";
import { createStorageBuffer, releaseBuffer } from "../../gpu/buffers.ts";
import { openEncoder } from "../../gpu/batch.ts";
import {
  type CheckpointLoadReport,
  type CheckpointProvenance,
  loadCheckpoint,
  readCheckpointInfo,
  saveCheckpoint,
  type SaveCheckpointOptions,
} from "../../io/checkpoint.ts";
import { LARKOS } from "../config.ts";
import { checkBool, shown } from "../../validate.ts";

/** A record argument (modules, normalisers, cached tensors, options): a plain, non-array object. */
function checkRecord(op: string, what: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new TypeError(`Cannot ${op}: expected ${what} to be a record but got ${shown(v)}`);
  }
  return v as Record<string, unknown>;
}

/** A file path argument. */
function checkPath(op: string, path: unknown): string {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`Cannot ${op}: expected a file path string but got ${shown(path)}`);
  }
  return path;
}

/** A shape: an array of integers >= 0. */
function checkShape(op: string, what: string, v: unknown): readonly number[] {
  if (
    !Array.isArray(v) || !v.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)
  ) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to be an array of integers >= 0 but got ${shown(v)}`,
    );
  }
  return v;
}

/**
 * The `format` of a larkos checkpoint's metadata.
 *
 * @example
 * ```ts
 * import { LARKOS_CHECKPOINT_FORMAT, LARKOS_MODULE_NAMES } from "./checkpoint.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(LARKOS_CHECKPOINT_FORMAT, "larkos-checkpoint/1");
 * strictEqual(LARKOS_MODULE_NAMES.length, 3);
 * ```
 */
export const LARKOS_CHECKPOINT_FORMAT = "larkos-checkpoint/1";

/** The original's names of the 0.3 modules in a checkpoint (modules/checkpoint.py). */
export const LARKOS_MODULE_NAMES: readonly [
  "graph_reasoner",
  "temporal_encoder",
  "fusion_transformer",
] = Object.freeze(
  ["graph_reasoner", "temporal_encoder", "fusion_transformer"] as const,
);

/** Anything with parameters in the original's state-dict names: every larkos and nn module. */
export interface ParameterModule {
  /** The parameters with their torch state-dict names. */
  namedParameters(): readonly (readonly [string, Tensor])[];
}

/**
 * A normaliser with statistics to save (`_OnlineMinMax`, `_OnlineMeanStd`): `stats()` returns
 * a record of numbers, booleans, nulls, strings, number arrays, typed arrays (Float64Array,
 * Float32Array, Int32Array) or nested records of these; `setStats` takes the same layout back.
 */
export interface StatsHolder {
  /** The current statistics (not mutated by the checkpoint). */
  stats(): unknown;
  /** Restores statistics of the layout `stats()` returns. */
  setStats(stats: never): void;
}

/** A host tensor cached outside any module (the original's `cached_fused_cog`). */
export interface CachedTensor {
  /** Dimensions, outermost first. */
  shape: readonly number[];
  /** Row-major values, `shape`'s product of them. */
  values: Float32Array;
}

/** What {@link saveLarkosCheckpoint} saves. */
export interface LarkosCheckpointContents {
  /** Modules by name (conventionally {@link LARKOS_MODULE_NAMES}); names without dots. */
  modules: Readonly<Record<string, ParameterModule>>;
  /** Normalisers by name (`online_norm`, `fused_cog_norm`). */
  normalisers?: Readonly<Record<string, StatsHolder>>;
  /** Cached host tensors by name (`cached_fused_cog`); null records "no cache". */
  cached?: Readonly<Record<string, CachedTensor | null>>;
  /** An Adam/AdamW over some of the modules' parameters: its moments and steps are saved. */
  optimizer?: Adam;
  /** Anything JSON-serialisable (the training step, a run name). */
  meta?: unknown;
}

/** Options of {@link loadLarkosCheckpoint}. */
export interface LoadLarkosCheckpointOptions {
  /** The modules to load into, by the names they were saved under (written in place). */
  modules: Readonly<Record<string, ParameterModule>>;
  /** Normalisers to restore through `setStats`. */
  normalisers?: Readonly<Record<string, StatsHolder>>;
  /** An Adam/AdamW over some of the modules' parameters whose moments and steps are restored. */
  optimizer?: Adam;
  /**
   * Refuse (default) or overlap-copy a saved tensor of another shape and the same rank.
   * A rank change is refused either way.
   */
  onShapeMismatch?: "refuse" | "expandCopy";
  /**
   * Refuse (default true) a parameter or normaliser missing from the checkpoint, or one the
   * checkpoint has that the model lacks (the original's `strict=False` tolerates both; here
   * the caller says so).
   */
  strict?: boolean;
  /**
   * Normalisers whose statistics are kept fresh, not refused, when their saved layout differs
   * from the live one. Default `["fused_cog_norm"]` (the original's fallback).
   */
  statsKeepFreshOnMismatch?: readonly string[];
  /**
   * The last dimension each cached tensor must have; one with another is dropped.
   * Default `{ cached_fused_cog: LARKOS.FUSION_DIM }` (the original's fallback).
   */
  cachedLastDim?: Readonly<Record<string, number>>;
}

/** What {@link loadLarkosCheckpoint} did. */
export interface LarkosCheckpointLoadReport {
  /** The checkpoint's provenance (its `meta` is the larkos envelope). */
  provenance: CheckpointProvenance;
  /** The caller's `meta` as saved. */
  meta: unknown;
  /** Parameters loaded exactly, as `<module>.<name>`. */
  loaded: string[];
  /** Parameters loaded by overlap copy from another shape. */
  expanded: string[];
  /** Parameters of the model the checkpoint lacks (kept as they were; non-strict only). */
  missing: string[];
  /** Parameters of the checkpoint the model lacks (ignored; non-strict only). */
  unexpected: string[];
  /** Normalisers restored. */
  statsLoaded: string[];
  /** Normalisers kept fresh: missing from the checkpoint (non-strict) or of another layout. */
  statsKeptFresh: string[];
  /** The cached tensors that passed their last-dimension check (null when saved as null). */
  cached: Record<string, CachedTensor | null>;
  /** Cached tensors dropped for their last dimension. */
  dropped: string[];
}

/** The larkos part of a checkpoint's `meta`. */
interface Envelope {
  format: typeof LARKOS_CHECKPOINT_FORMAT;
  config: typeof LARKOS;
  modules: Record<string, string[]>;
  stats: Record<string, unknown>;
  cached: Record<string, { shape: number[]; values: (number | string)[] } | null>;
  user: unknown;
}

const TYPED = "$typed";

/** Encodes a number for JSON, keeping NaN and ±Infinity (JSON has no literal for them). */
function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function decodeNumber(x: unknown, where: string): number {
  if (typeof x === "number") return x;
  if (x === "NaN" || x === "Infinity" || x === "-Infinity") return Number(x);
  throw new SyntaxError(`expected a number at ${where} but got ${JSON.stringify(x)}`);
}

/** Statistics as JSON, exactly: numbers in shortest round-trip form, typed arrays tagged. */
function encodeStats(v: unknown, where: string): unknown {
  if (typeof v === "number") return encodeNumber(v);
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) {
    return { [TYPED]: v.constructor.name, values: Array.from(v, encodeNumber) };
  }
  if (Array.isArray(v)) return v.map((x, i) => encodeStats(x, `${where}[${i}]`));
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [
        k,
        encodeStats(x, `${where}.${k}`),
      ]),
    );
  }
  throw new TypeError(
    `Cannot save larkos checkpoint: expected the statistics at ${where} to be numbers, ` +
      `booleans, strings, nulls, arrays, Float64Array/Float32Array/Int32Array or plain records ` +
      `but got ${Object.prototype.toString.call(v)}`,
  );
}

function decodeStats(v: unknown, where: string): unknown {
  if (v === null || typeof v !== "object") {
    return typeof v === "string" && (v === "NaN" || v === "Infinity" || v === "-Infinity")
      ? Number(v)
      : v;
  }
  if (Array.isArray(v)) return v.map((x, i) => decodeStats(x, `${where}[${i}]`));
  const o = v as Record<string, unknown>;
  if (TYPED in o) {
    const values = o.values;
    if (!Array.isArray(values)) {
      throw new SyntaxError(`expected a values array at ${where}`);
    }
    const nums = values.map((x, i) => decodeNumber(x, `${where}[${i}]`));
    if (o[TYPED] === "Float64Array") return Float64Array.from(nums);
    if (o[TYPED] === "Float32Array") return Float32Array.from(nums);
    if (o[TYPED] === "Int32Array") return Int32Array.from(nums);
    throw new SyntaxError(`unknown typed array ${JSON.stringify(o[TYPED])} at ${where}`);
  }
  return Object.fromEntries(
    Object.entries(o).map(([k, x]) => [k, decodeStats(x, `${where}.${k}`)]),
  );
}

/**
 * The layout of statistics: field names, kinds and lengths (values left out), so that two
 * normalisers of different widths or kinds are told apart.
 *
 * @example
 * ```ts
 * import { statsLayout } from "./checkpoint.ts";
 * import { notStrictEqual, strictEqual } from "node:assert/strict";
 * const a = { mean: new Float64Array(64), seen: true };
 * strictEqual(statsLayout(a), statsLayout({ seen: false, mean: new Float64Array(64).fill(1) }));
 * notStrictEqual(statsLayout(a), statsLayout({ mean: new Float64Array(32), seen: true }));
 * ```
 */
export function statsLayout(v: unknown): string {
  if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) {
    return `${v.constructor.name}(${v.length})`;
  }
  if (Array.isArray(v)) return `[${v.map(statsLayout).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${
      Object.keys(v).sort().map((k) => `${k}:${statsLayout((v as Record<string, unknown>)[k])}`)
        .join(",")
    }}`;
  }
  return v === null ? "null" : typeof v;
}

/**
 * `old` copied into a copy of `fresh` over the overlap of every dimension (the original's
 * `_expand_copy(new_param, old_param)`): `result[i₁, …, i_k] = old[i₁, …, i_k]` where every
 * `i_d < min(oldShape[d], freshShape[d])`, `fresh`'s value elsewhere. Both row-major.
 *
 * @throws {TypeError} when old or fresh is not a Float32Array or Int32Array (or they differ in
 *   kind), a shape is not an array of integers >= 0, the ranks differ, or a values array does
 *   not hold its shape's element count.
 *
 * @example Grow a [2, 2] matrix to [2, 3], shrink to [1, 2]
 * ```ts
 * import { expandCopy } from "./checkpoint.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const old = new Float32Array([1, 2, 3, 4]);
 * deepStrictEqual(
 *   Array.from(expandCopy(old, [2, 2], new Float32Array(6).fill(9), [2, 3])),
 *   [1, 2, 9, 3, 4, 9],
 * );
 * deepStrictEqual(Array.from(expandCopy(old, [2, 2], new Float32Array(2), [1, 2])), [1, 2]);
 * ```
 */
export function expandCopy<T extends Float32Array | Int32Array>(
  old: T,
  oldShape: readonly number[],
  fresh: T,
  freshShape: readonly number[],
): T {
  const op = "expandCopy";
  for (const [what, a] of [["old", old], ["fresh", fresh]] as const) {
    if (!(a instanceof Float32Array) && !(a instanceof Int32Array)) {
      throw new TypeError(
        `Cannot ${op}: expected ${what} to be a Float32Array or Int32Array but got ${shown(a)}`,
      );
    }
  }
  if (old.constructor !== fresh.constructor) {
    throw new TypeError(
      `Cannot ${op}: expected old and fresh of one kind but got ${old.constructor.name} and ` +
        fresh.constructor.name,
    );
  }
  checkShape(op, "oldShape", oldShape);
  checkShape(op, "freshShape", freshShape);
  if (oldShape.length !== freshShape.length) {
    throw new TypeError(
      `Cannot ${op}: expected shapes of the same rank but got ${formatShape(oldShape)} and ` +
        formatShape(freshShape),
    );
  }
  for (const [what, a, s] of [["old", old, oldShape], ["fresh", fresh, freshShape]] as const) {
    const n = s.reduce((p, d) => p * d, 1);
    if (a.length !== n) {
      throw new TypeError(
        `Cannot ${op}: expected ${what} to hold ${n} values (shape ${formatShape(s)}) but got ` +
          a.length,
      );
    }
  }
  const out = fresh.slice() as T;
  const rank = freshShape.length;
  const overlap = freshShape.map((d, k) => Math.min(d, oldShape[k]!));
  if (overlap.some((d) => d === 0)) return out;
  const idx = new Array<number>(rank).fill(0);
  for (;;) {
    let o = 0;
    let f = 0;
    for (let k = 0; k < rank; k++) {
      o = o * oldShape[k]! + idx[k]!;
      f = f * freshShape[k]! + idx[k]!;
    }
    out[f] = old[o]!;
    let k = rank - 1;
    while (k >= 0 && ++idx[k]! === overlap[k]!) idx[k--] = 0;
    if (k < 0) return out;
  }
}

/** Every module's parameters flattened to `<module>.<name>`, checked. */
function flatten(
  op: string,
  modules: Readonly<Record<string, ParameterModule>>,
): { params: Record<string, Tensor>; byModule: Record<string, string[]> } {
  checkRecord(op, "modules (a record of modules)", modules);
  const params: Record<string, Tensor> = {};
  const byModule: Record<string, string[]> = {};
  for (const [m, mod] of Object.entries(modules)) {
    if (m === "" || m.includes(".")) {
      throw new TypeError(
        `Cannot ${op}: expected module names without dots but got ${JSON.stringify(m)}`,
      );
    }
    if (mod === null || typeof mod?.namedParameters !== "function") {
      throw new TypeError(
        `Cannot ${op}: expected module ${JSON.stringify(m)} to have namedParameters() but got ` +
          String(mod),
      );
    }
    byModule[m] = [];
    for (const [n, t] of mod.namedParameters()) {
      params[`${m}.${n}`] = t;
      byModule[m]!.push(n);
    }
  }
  return { params, byModule };
}

function checkCached(op: string, name: string, c: CachedTensor | null): void {
  if (c === null) return;
  if (c === undefined || typeof c !== "object") {
    throw new TypeError(
      `Cannot ${op}: expected cached ${JSON.stringify(name)} to be { shape, values } or null ` +
        `but got ${shown(c)}`,
    );
  }
  checkShape(op, `cached ${JSON.stringify(name)}.shape`, c.shape);
  const n = c.shape.reduce((p, d) => p * d, 1);
  if (!(c?.values instanceof Float32Array) || c.values.length !== n) {
    throw new TypeError(
      `Cannot ${op}: expected cached ${JSON.stringify(name)} to be { shape, values: ` +
        `Float32Array of the shape's size } but got ${
          c?.values instanceof Float32Array
            ? `${c.values.length} values for shape ${formatShape(c.shape)}`
            : String(c?.values)
        }`,
    );
  }
}

/**
 * Saves larkos modules, normaliser statistics, cached host tensors and optimiser state to
 * `path` (and its JSON sidecar), atomically; one host sync reads every tensor.
 *
 * @returns the provenance written.
 * @throws {TypeError} for a module name with a dot, a module without `namedParameters()`,
 *   statistics of an unsupported kind, a malformed cached tensor, or what
 *   {@link saveCheckpoint} refuses.
 *
 * @example
 * ```ts
 * import { initGpu, tensor, type Tensor } from "../../mod.ts";
 * import { saveLarkosCheckpoint } from "./checkpoint.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const w = tensor([1, 2], [2]);
 * const p = await saveLarkosCheckpoint(`${dir}/k.safetensors`, {
 *   modules: { temporal_encoder: { namedParameters: (): [string, Tensor][] => [["pos", w]] } },
 *   cached: { cached_fused_cog: null },
 * });
 * deepStrictEqual(p.parameters.map((x) => x.name), ["temporal_encoder.pos"]);
 * w.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveLarkosCheckpoint(
  path: string,
  contents: LarkosCheckpointContents,
  options: SaveCheckpointOptions = {},
): Promise<CheckpointProvenance> {
  const op = `save larkos checkpoint ${shown(path)}`;
  checkPath(op, path);
  checkRecord(op, "the contents", contents);
  const { params, byModule } = flatten(op, contents.modules);
  const stats: Record<string, unknown> = {};
  const normalisers = contents.normalisers === undefined
    ? {}
    : checkRecord(op, "normalisers", contents.normalisers);
  const cachedIn = contents.cached === undefined ? {} : checkRecord(op, "cached", contents.cached);
  if (contents.optimizer !== undefined && !(contents.optimizer instanceof Adam)) {
    throw new TypeError(
      `Cannot ${op}: expected optimizer to be an Adam or AdamW but got ${
        shown(contents.optimizer)
      }`,
    );
  }
  try {
    JSON.stringify(contents.meta ?? null);
  } catch (e) {
    throw new TypeError(
      `Cannot ${op}: expected meta to be JSON-serialisable but got ${(e as Error).message}`,
    );
  }
  for (const [name, h] of Object.entries(normalisers) as [string, StatsHolder][]) {
    if (typeof h?.stats !== "function" || typeof h?.setStats !== "function") {
      throw new TypeError(
        `Cannot ${op}: expected normaliser ${JSON.stringify(name)} to have stats() and setStats()`,
      );
    }
    stats[name] = encodeStats(h.stats(), name);
  }
  const cached: Envelope["cached"] = {};
  for (const [name, c] of Object.entries(cachedIn) as [string, CachedTensor | null][]) {
    checkCached(op, name, c);
    cached[name] = c === null
      ? null
      : { shape: [...c.shape], values: Array.from(c.values, encodeNumber) };
  }
  const envelope: Envelope = {
    format: LARKOS_CHECKPOINT_FORMAT,
    config: LARKOS,
    modules: byModule,
    stats,
    cached,
    user: contents.meta ?? null,
  };
  return await saveCheckpoint(path, {
    params,
    ...(contents.optimizer === undefined ? {} : { optimizer: contents.optimizer }),
    meta: envelope,
  }, options);
}

function readEnvelope(path: string, provenance: CheckpointProvenance): Envelope {
  const e = provenance.meta as Partial<Envelope> | null;
  if (e === null || typeof e !== "object" || e.format !== LARKOS_CHECKPOINT_FORMAT) {
    throw new SyntaxError(
      `Cannot read larkos checkpoint ${path}: expected meta.format ${LARKOS_CHECKPOINT_FORMAT} ` +
        `but got ${JSON.stringify((e as { format?: unknown } | null)?.format)} (a memspec ` +
        "checkpoint not written by saveLarkosCheckpoint)",
    );
  }
  if (
    typeof e.stats !== "object" || e.stats === null || typeof e.cached !== "object" ||
    e.cached === null || typeof e.modules !== "object" || e.modules === null
  ) {
    throw new SyntaxError(
      `Cannot read larkos checkpoint ${path}: expected modules, stats and cached records in its meta`,
    );
  }
  return e as Envelope;
}

/**
 * Loads a larkos checkpoint into `options.modules` (in place), the normalisers (through
 * `setStats`) and the optimiser, with the original's fallbacks as explicit options.
 *
 * @returns what was loaded, expanded, missing, unexpected, kept fresh or dropped.
 * @throws {TypeError} naming every tensor saved with another shape (unless
 *   `onShapeMismatch: "expandCopy"`, and then every rank change), every missing or unexpected
 *   parameter or normaliser (strict), and every normaliser of another statistics layout not
 *   in `statsKeepFreshOnMismatch`; nothing is written then.
 * @throws {SyntaxError} for a file that is not a larkos checkpoint, or malformed statistics.
 * @throws what a normaliser's `setStats` throws for statistics it refuses; every statistic
 *   already restored is put back and no parameter is written then.
 *
 * @example The original's "Linear(5 → 64) into Linear(8 → 64)", refused, then expand-copied
 * ```ts
 * import { initGpu, tensor, type Tensor } from "../../mod.ts";
 * import { loadLarkosCheckpoint, saveLarkosCheckpoint } from "./checkpoint.ts";
 * import { deepStrictEqual, rejects } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const linear = (w: Tensor) => ({ namedParameters: (): [string, Tensor][] => [["weight", w]] });
 * const old = tensor(new Float32Array(64 * 5).fill(1), [64, 5]);
 * await saveLarkosCheckpoint(`${dir}/k.safetensors`, { modules: { graph_reasoner: linear(old) } });
 * const grown = tensor(new Float32Array(64 * 8), [64, 8]);
 * const modules = { graph_reasoner: linear(grown) };
 * await rejects(loadLarkosCheckpoint(`${dir}/k.safetensors`, { modules }), TypeError);
 * const r = await loadLarkosCheckpoint(`${dir}/k.safetensors`, {
 *   modules,
 *   onShapeMismatch: "expandCopy",
 * });
 * deepStrictEqual(r.expanded, ["graph_reasoner.weight"]);
 * deepStrictEqual(Array.from((await grown.toArray()).slice(0, 8)), [1, 1, 1, 1, 1, 0, 0, 0]);
 * old.dispose();
 * grown.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadLarkosCheckpoint(
  path: string,
  options: LoadLarkosCheckpointOptions,
): Promise<LarkosCheckpointLoadReport> {
  const op = `load larkos checkpoint ${shown(path)}`;
  checkPath(op, path);
  checkRecord(op, "the options", options);
  const mode = options.onShapeMismatch === undefined ? "refuse" : options.onShapeMismatch;
  if (mode !== "refuse" && mode !== "expandCopy") {
    throw new TypeError(
      `Cannot ${op}: expected onShapeMismatch "refuse" or "expandCopy" but got ${String(mode)}`,
    );
  }
  const strict = options.strict === undefined ? true : checkBool(op, "strict", options.strict);
  const fresh = options.statsKeepFreshOnMismatch === undefined
    ? ["fused_cog_norm"]
    : options.statsKeepFreshOnMismatch;
  if (!Array.isArray(fresh) || !fresh.every((n) => typeof n === "string")) {
    throw new TypeError(
      `Cannot ${op}: expected statsKeepFreshOnMismatch to be an array of normaliser names but ` +
        `got ${shown(fresh)}`,
    );
  }
  const keepFresh = new Set(fresh);
  const lastDims = options.cachedLastDim === undefined
    ? { cached_fused_cog: LARKOS.FUSION_DIM }
    : checkRecord(op, "cachedLastDim", options.cachedLastDim);
  for (const [name, d] of Object.entries(lastDims)) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new TypeError(
        `Cannot ${op}: expected cachedLastDim.${name} to be an integer >= 0 but got ${shown(d)}`,
      );
    }
  }
  if (options.optimizer !== undefined && !(options.optimizer instanceof Adam)) {
    throw new TypeError(
      `Cannot ${op}: expected optimizer to be an Adam or AdamW but got ${shown(options.optimizer)}`,
    );
  }
  const { params } = flatten(op, options.modules);
  const normalisers = Object.entries(
    options.normalisers === undefined ? {} : checkRecord(op, "normalisers", options.normalisers),
  ) as [string, StatsHolder][];
  for (const [name, h] of normalisers) {
    if (typeof h?.stats !== "function" || typeof h?.setStats !== "function") {
      throw new TypeError(
        `Cannot ${op}: expected normaliser ${JSON.stringify(name)} to have stats() and setStats()`,
      );
    }
  }
  const provenance = await readCheckpointInfo(path);
  const envelope = readEnvelope(path, provenance);

  // Every check before any write: shapes, names, statistics layouts.
  const saved = new Map(provenance.parameters.map((p) => [p.name, p]));
  const problems: string[] = [];
  const mismatched: string[] = [];
  for (const [name, t] of Object.entries(params)) {
    const s = saved.get(name);
    if (s === undefined) continue;
    const same = s.shape.length === t.shape.length && s.shape.every((d, i) => d === t.shape[i]);
    if (same) continue;
    const what = `${JSON.stringify(name)} saved ${formatShape(s.shape)}, model ${
      formatShape(t.shape)
    }`;
    if (mode === "expandCopy" && s.shape.length === t.shape.length) continue;
    mismatched.push(what + (s.shape.length !== t.shape.length ? " (a rank change)" : ""));
  }
  if (mismatched.length > 0) {
    problems.push(
      `shape mismatch ${mismatched.join("; ")} (the checkpoint is from another ` +
        `configuration: pass onShapeMismatch: "expandCopy" to copy the overlap of same-rank ` +
        `tensors and keep the model's values elsewhere)`,
    );
  }
  const missing = Object.keys(params).filter((n) => !saved.has(n));
  const unexpected = [...saved.keys()].filter((n) => !(n in params));
  if (strict && missing.length > 0) {
    problems.push(`missing ${missing.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  if (strict && unexpected.length > 0) {
    problems.push(`unexpected ${unexpected.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  const opt = options.optimizer;
  if (strict && opt !== undefined) {
    const info = provenance.optimizer;
    if (info === null) {
      problems.push(`optimizer state missing (the checkpoint has none, the ${opt.name} needs it)`);
    } else if (info.kind !== opt.name) {
      problems.push(`optimizer kind mismatch: saved ${info.kind}, given ${opt.name}`);
    }
  }
  const statsWrites: [string, StatsHolder, unknown][] = [];
  const statsKeptFresh: string[] = [];
  for (const [name, h] of normalisers) {
    if (!(name in envelope.stats)) {
      if (strict) problems.push(`normaliser ${JSON.stringify(name)} missing from the checkpoint`);
      else statsKeptFresh.push(name);
      continue;
    }
    let value: unknown;
    try {
      value = decodeStats(envelope.stats[name], name);
    } catch (e) {
      throw new SyntaxError(
        `Cannot read larkos checkpoint ${path}: malformed statistics (${(e as Error).message})`,
      );
    }
    const want = statsLayout(h.stats());
    const got = statsLayout(value);
    if (want === got) statsWrites.push([name, h, value]);
    else if (keepFresh.has(name)) statsKeptFresh.push(name);
    else {
      problems.push(
        `normaliser ${JSON.stringify(name)} saved with statistics ${got}, model ${want}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new TypeError(
      `Cannot ${op}: expected the checkpoint to match the model but got ${problems.join("; ")}`,
    );
  }
  const cached: Record<string, CachedTensor | null> = {};
  const dropped: string[] = [];
  for (const [name, c] of Object.entries(envelope.cached)) {
    if (c === null) {
      cached[name] = null;
      continue;
    }
    const want = lastDims[name];
    if (want !== undefined && c.shape.at(-1) !== want) {
      dropped.push(name);
      continue;
    }
    cached[name] = {
      shape: c.shape,
      values: Float32Array.from(c.values, (x, i) => decodeNumber(x, `${name}[${i}]`)),
    };
  }

  // Statistics first: a normaliser's own setStats may refuse what the layout check let
  // through (another tracking mode, another momentum). Then every statistic already set is
  // restored and nothing else is written; the same if the parameter load refuses.
  const previous = statsWrites.map(([, h]) => [h, h.stats()] as const);
  let applied = 0;
  const restore = () => {
    for (let k = 0; k < applied; k++) previous[k]![0].setStats(previous[k]![1] as never);
  };
  let report: CheckpointLoadReport;
  try {
    for (const [, h, value] of statsWrites) {
      h.setStats(value as never);
      applied++;
    }
    report = await loadCheckpoint(path, {
      params,
      ...(opt === undefined ? {} : { optimizer: opt }),
      strict: false,
      expandCopy: mode === "expandCopy",
    });
  } catch (e) {
    restore();
    throw e;
  }
  return {
    provenance,
    meta: envelope.user,
    loaded: report.loaded,
    expanded: report.expanded,
    missing,
    unexpected,
    statsLoaded: statsWrites.map(([n]) => n),
    statsKeptFresh,
    cached,
    dropped,
  };
}

/** What {@link transferParameters} did, by `<module>.<name>`. */
export interface TransferReport {
  /** Copied exactly (same shape). */
  copied: string[];
  /** Overlap-copied from another shape of the same rank, fresh values elsewhere. */
  expanded: string[];
  /** Absent from the source, or of another rank: the target's values kept. */
  keptFresh: string[];
}

/** Copies host values into `t`'s buffer, recorded in order with the batch's GPU work. */
function writeInto(t: Tensor, values: Float32Array | Int32Array): void {
  if (values.byteLength === 0) return;
  const staging = createStorageBuffer(values.byteLength, "larkos transfer upload", values);
  // Recorded in the open batch (not queue.writeBuffer) so that it runs after the work
  // already recorded on the target.
  openEncoder().copyBufferToBuffer(staging, 0, t.buffer, 0, values.byteLength);
  releaseBuffer(staging);
}

/**
 * `start_training_from`'s per-parameter transfer, over every module given (the original's
 * omits the graph reasoner and the temporal encoder): for each target parameter
 * `<module>.<name>`, the source's parameter of the same name is copied when the shapes are
 * equal, overlap-copied ({@link expandCopy}) when only the sizes differ, and the target's
 * (fresh) values are kept when the source lacks it or its rank differs. One host sync reads
 * every source and expanded target parameter; the writes are recorded in order.
 *
 * @throws {TypeError} for a module name with a dot, a module without `namedParameters()`,
 *   or a dtype change between source and target (before any write).
 *
 * @example
 * ```ts
 * import { initGpu, tensor, type Tensor } from "../../mod.ts";
 * import { transferParameters } from "./checkpoint.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const mod = (t: Tensor) => ({ namedParameters: (): [string, Tensor][] => [["pos", t]] });
 * const from = tensor([1, 2, 3, 4], [2, 2]);
 * const to = tensor([0, 0, 0, 0, 0, 0], [3, 2]);
 * const r = await transferParameters(
 *   { temporal_encoder: mod(from) },
 *   { temporal_encoder: mod(to) },
 * );
 * deepStrictEqual(r.expanded, ["temporal_encoder.pos"]);
 * deepStrictEqual(Array.from(await to.toArray()), [1, 2, 3, 4, 0, 0]);
 * from.dispose();
 * to.dispose();
 * ```
 */
export async function transferParameters(
  source: Readonly<Record<string, ParameterModule>>,
  target: Readonly<Record<string, ParameterModule>>,
): Promise<TransferReport> {
  const op = "transfer larkos parameters";
  const src = flatten(op, source).params;
  const dst = flatten(op, target).params;
  const pairs: [string, Tensor, Tensor][] = [];
  const keptFresh: string[] = [];
  for (const [name, t] of Object.entries(dst)) {
    const s = src[name];
    if (s === undefined || s.rank !== t.rank) {
      keptFresh.push(name);
      continue;
    }
    if (s.dtype !== t.dtype) {
      throw new TypeError(
        `Cannot ${op}: ${JSON.stringify(name)} is ${s.dtype} in the source and ${t.dtype} in ` +
          "the target",
      );
    }
    pairs.push([name, s, t]);
  }
  const expanding = pairs.filter(([, s, t]) => s.shape.some((d, i) => d !== t.shape[i]));
  const values = await readTensors([
    ...pairs.map(([, s]) => s),
    ...expanding.map(([, , t]) => t),
  ]);
  const copied: string[] = [];
  const expanded: string[] = [];
  pairs.forEach(([name, s, t], i) => {
    const k = expanding.findIndex(([n]) => n === name);
    if (k < 0) {
      writeInto(t, values[i]!);
      copied.push(name);
    } else {
      writeInto(t, expandCopy(values[i]!, s.shape, values[pairs.length + k]!, t.shape));
      expanded.push(name);
    }
  });
  return { copied, expanded, keptFresh };
}
