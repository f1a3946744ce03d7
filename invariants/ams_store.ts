/**
 * The six invariants of AMS v4's memory store (FluffyAIcode/AgentMemorySystem:ARCHITECTURE_v4.md
 * §6, PR #30) as checkers on a live store, each returning a verdict with its figure:
 *
 * 1. {@link checkAmsTripleDims}: every entry's nine triple fields are finite numeric arrays of
 *    the configured dims (figure: fields that are not).
 * 2. {@link checkAmsNoRawLargeFields}: no raw large field is stored on an entry: no numeric
 *    array with numel ≥ min_dim and last dim ≥ min_dim other than the nine triple fields, found
 *    among the entry's own properties AND inside the dicts they hold (the pending large fields
 *    kept before the Kakeya registry builds). The original's check inspects tensor attributes
 *    only, so raw fields in its pending dict pass it.
 * 3. {@link checkAmsActiveKakeyaSets}: once n ≥ kakeya_min_entries, ≥ 2 Kakeya sets are active.
 * 4. {@link checkAmsKakeyaAlignment}: every active set's t is aligned with its bundle's axis
 *    pushed through the set's map and basis: ‖t − y/‖y‖‖ ≤ tol, y = B·(axis·M), checked WITH
 *    the axes (the original's store route calls the registry check without them).
 * 5. {@link checkAmsReconstruction}: the relative reconstruction errors of decoded fields have a
 *    median ≤ 0.15 and a max < 0.65.
 * 6. {@link checkAmsPrefixShape}: a prefix has shape (B, L_mem, d_LLM).
 *
 * Registries enter through {@link AmsKakeyaRegistryView}, a structural interface the
 * `KakeyaRegistry` of impl/ams/kakeya satisfies. Nothing here touches the GPU.
 *
 * @example Invariants 1 and 2 on one entry with a raw field in its pending dict
 * ```ts
 * import { checkAmsNoRawLargeFields, checkAmsTripleDims } from "./ams_store.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * const unit = (d: number) => Float64Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
 * const entry = {
 *   mid: 0,
 *   time_base: unit(8), time_fiber: new Float64Array(32), time_dirn: unit(8),
 *   topic_base: unit(16), topic_fiber: new Float64Array(64), topic_dirn: unit(16),
 *   ctx_base: unit(12), ctx_fiber: new Float64Array(48), ctx_dirn: unit(12),
 *   pending_large_fields: { semantic_emb: new Float32Array(1536) },
 * };
 * ok(checkAmsTripleDims([entry]).pass);
 * const v = checkAmsNoRawLargeFields([entry]);
 * ok(!v.pass);
 * strictEqual(v.worst.path, "pending_large_fields.semantic_emb");
 * ```
 *
 * @module
 */
import { assertBound, makeVerdict, type Verdict } from "./verdict.ts";

/** A bundle of AMS v4. */
export type AmsBundle = "time" | "topic" | "ctx";

/** One of the nine triple fields of a memory entry ({@link AMS_TRIPLE_FIELDS}). */
export type AmsTripleField =
  | "time_base"
  | "time_fiber"
  | "time_dirn"
  | "topic_base"
  | "topic_fiber"
  | "topic_dirn"
  | "ctx_base"
  | "ctx_fiber"
  | "ctx_dirn";

/** The nine triple fields of a memory entry, in the original's order. */
export const AMS_TRIPLE_FIELDS: readonly AmsTripleField[] = [
  "time_base",
  "time_fiber",
  "time_dirn",
  "topic_base",
  "topic_fiber",
  "topic_dirn",
  "ctx_base",
  "ctx_fiber",
  "ctx_dirn",
];

/** The bundle dims the triples must have (Cfg4's field names). */
export interface AmsTripleDims {
  /** Time bundle's base dim. */
  readonly d_time: number;
  /** Time bundle's fiber dim. */
  readonly d_F_time: number;
  /** Topic bundle's base dim. */
  readonly d_topic: number;
  /** Topic bundle's fiber dim. */
  readonly d_F_topic: number;
  /** Context bundle's base dim. */
  readonly d_ctx: number;
  /** Context bundle's fiber dim. */
  readonly d_F_ctx: number;
}

/** Cfg4's default dims: 8/32, 16/64, 12/48. */
export const AMS_DEFAULT_DIMS: AmsTripleDims = Object.freeze({
  d_time: 8,
  d_F_time: 32,
  d_topic: 16,
  d_F_topic: 64,
  d_ctx: 12,
  d_F_ctx: 48,
});

/** Cfg4's compression_min_dim. */
export const AMS_COMPRESSION_MIN_DIM = 256;
/** Cfg4's kakeya_alignment_tol (invariant 4). */
export const AMS_ALIGNMENT_TOL = 1e-3;
/** Cfg4's kakeya_reconstruction_tol: the median bound of invariant 5. */
export const AMS_RECONSTRUCTION_MEDIAN = 0.15;
/** The max bound of invariant 5, 3·0.15 + 0.2 (strict). */
export const AMS_RECONSTRUCTION_MAX = 0.65;

/** The length each triple field must have under `dims`. */
export function amsTripleLength(field: AmsTripleField, dims: AmsTripleDims): number {
  const [bundle, part] = field.split("_") as [AmsBundle, string];
  const key = part === "fiber" ? `d_F_${bundle}` : `d_${bundle}`;
  return dims[key as keyof AmsTripleDims];
}

/** An entry as the checkers see it: any object; the triple fields are read by name. */
export type AmsEntryView = { readonly mid?: number } & Readonly<Record<string, unknown>>;

function numericLength(v: unknown): number | null {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return (v as unknown as ArrayLike<number>).length;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v.length;
  return null;
}

/** Where invariant 1 failed first. */
export interface AmsFieldWorst {
  /** The entry's mid (-1 when none failed or it has none). */
  mid: number;
  /** The field. */
  field: string;
  /** What was wrong. */
  problem: string;
}

/**
 * Invariant 1: every entry's nine triple fields are numeric arrays of the configured length with
 * finite elements. Figure: the number of fields that are not, compared `<=` 0.
 *
 * @example
 * ```ts
 * import { checkAmsTripleDims } from "./ams_store.ts";
 * import { strictEqual } from "node:assert/strict";
 * const v = checkAmsTripleDims([{ mid: 3, time_base: [1, 2] }]);
 * strictEqual(v.figure, 9); // time_base too short, the other eight missing
 * strictEqual(v.worst.mid, 3);
 * ```
 */
export function checkAmsTripleDims(
  entries: Iterable<AmsEntryView>,
  dims: AmsTripleDims = AMS_DEFAULT_DIMS,
): Verdict<AmsFieldWorst> {
  let bad = 0;
  let worst: AmsFieldWorst = { mid: -1, field: "", problem: "" };
  for (const e of entries) {
    for (const f of AMS_TRIPLE_FIELDS) {
      const v = e[f];
      const want = amsTripleLength(f, dims);
      const n = numericLength(v);
      let problem = "";
      if (n === null) problem = "not a numeric array";
      else if (n !== want) problem = `length ${n}, expected ${want}`;
      else if (!Array.from(v as ArrayLike<number>).every(Number.isFinite)) {
        problem = "a non-finite element";
      }
      if (problem !== "") {
        if (bad === 0) worst = { mid: e.mid ?? -1, field: f, problem };
        bad++;
      }
    }
  }
  return makeVerdict(bad, "<=", 0, worst);
}

/** Where invariant 2 failed first. */
export interface AmsRawFieldWorst {
  /** The entry's mid (-1 when none). */
  mid: number;
  /** The property path, e.g. `semantic_emb_raw` or `pending_large_fields.semantic_emb`. */
  path: string;
  /** The array's shape. */
  shape: number[];
}

/** Options of {@link checkAmsNoRawLargeFields}. */
export interface AmsRawFieldOptions {
  /** compression_min_dim (default 256): numel and last dim at least this count as large. */
  minDim?: number;
  /**
   * Whether to look inside the dicts an entry holds (default true). False reproduces the
   * original's check, which inspects tensor attributes only.
   */
  nested?: boolean;
}

function shapeOf(v: unknown): number[] | null {
  const n = numericLength(v);
  if (n !== null) return [n];
  if (typeof v === "object" && v !== null && "shape" in v && "data" in v) {
    const s = (v as { shape: unknown }).shape;
    if (Array.isArray(s) && s.every((x) => Number.isSafeInteger(x))) return s as number[];
  }
  return null;
}

function isPlainDict(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || ArrayBuffer.isView(v) || Array.isArray(v)) {
    return false;
  }
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Invariant 2: no raw large field on any entry. A property (or, with `nested`, a value inside a
 * dict or Map the entry holds) is a raw large field when it is a numeric array (or a
 * `{shape, data}` tensor) with numel ≥ minDim and last dim ≥ minDim, and is not one of the nine
 * triple fields. Figure: the number found, compared `<=` 0.
 *
 * @throws {RangeError} when `minDim` is not a positive integer
 *
 * @example The original's check (`nested: false`) misses a raw field in the pending dict
 * ```ts
 * import { checkAmsNoRawLargeFields } from "./ams_store.ts";
 * import { ok } from "node:assert/strict";
 * const e = { mid: 0, pending_large_fields: { semantic_emb: new Float32Array(1536) } };
 * ok(checkAmsNoRawLargeFields([e], { nested: false }).pass);
 * ok(!checkAmsNoRawLargeFields([e]).pass);
 * ```
 */
export function checkAmsNoRawLargeFields(
  entries: Iterable<AmsEntryView>,
  options: AmsRawFieldOptions = {},
): Verdict<AmsRawFieldWorst> {
  const minDim = options.minDim ?? AMS_COMPRESSION_MIN_DIM;
  if (!Number.isSafeInteger(minDim) || minDim < 1) {
    throw new RangeError(
      `Cannot check for raw large fields: expected minDim to be a positive integer but got ${minDim}`,
    );
  }
  const nested = options.nested ?? true;
  const triple = new Set<string>(AMS_TRIPLE_FIELDS);
  let found = 0;
  let worst: AmsRawFieldWorst = { mid: -1, path: "", shape: [] };
  const offer = (mid: number, path: string, v: unknown) => {
    const shape = shapeOf(v);
    if (shape === null || shape.length === 0) return;
    const numel = shape.reduce((a, b) => a * b, 1);
    if (numel >= minDim && shape[shape.length - 1]! >= minDim) {
      if (found === 0) worst = { mid, path, shape };
      found++;
    }
  };
  for (const e of entries) {
    const mid = e.mid ?? -1;
    for (const [name, v] of Object.entries(e)) {
      if (triple.has(name)) continue;
      offer(mid, name, v);
      if (!nested) continue;
      if (v instanceof Map) {
        for (const [k, x] of v) offer(mid, `${name}.${String(k)}`, x);
      } else if (isPlainDict(v) && shapeOf(v) === null) {
        for (const [k, x] of Object.entries(v)) offer(mid, `${name}.${k}`, x);
      }
    }
  }
  return makeVerdict(found, "<=", 0, worst);
}

/** A dense matrix as the registry views hold it (impl/linalg's Matrix is one). */
export interface AmsMatrixView {
  /** Rows. */
  readonly rows: number;
  /** Columns. */
  readonly cols: number;
  /** rows × cols values, row-major. */
  readonly data: ArrayLike<number>;
}

/** One Kakeya set of a registry, as the checkers read it (impl/ams/kakeya's KakeyaSlot is one). */
export interface AmsKakeyaSlotView {
  /** Whether the set was built. */
  readonly active: boolean;
  /** The bundle that owns the set. */
  readonly bundle: AmsBundle;
  /** The built set's basis B (d_eff × d_field) and axis direction t (d_eff), or null. */
  readonly set: { readonly basis: AmsMatrixView; readonly t: ArrayLike<number> } | null;
  /** The base-to-field map M (d_base × d_field), or null. */
  readonly map: AmsMatrixView | null;
}

/** A Kakeya registry as the checkers read it (impl/ams/kakeya's KakeyaRegistry is one). */
export interface AmsKakeyaRegistryView {
  /** The sets in routing order. */
  readonly slots: readonly AmsKakeyaSlotView[];
}

/**
 * Invariant 3: once the store holds n ≥ minEntries memories, at least 2 Kakeya sets are active.
 * Figure: the active count, compared `>=` 2 (or `>=` 0, vacuously, below minEntries).
 *
 * @throws {RangeError} when n or minEntries is not a non-negative integer
 *
 * @example
 * ```ts
 * import { checkAmsActiveKakeyaSets } from "./ams_store.ts";
 * import { ok } from "node:assert/strict";
 * const none = { slots: [] };
 * ok(checkAmsActiveKakeyaSets(none, 7, 8).pass); // below min_entries: nothing required
 * ok(!checkAmsActiveKakeyaSets(none, 8, 8).pass);
 * ```
 */
export function checkAmsActiveKakeyaSets(
  registry: AmsKakeyaRegistryView,
  n: number,
  minEntries = 8,
): Verdict<{ n: number; minEntries: number }> {
  for (const [name, x] of [["n", n], ["minEntries", minEntries]] as const) {
    if (!Number.isSafeInteger(x) || x < 0) {
      throw new RangeError(
        `Cannot check the active Kakeya sets: expected ${name} to be an integer >= 0 but got ${x}`,
      );
    }
  }
  const active = registry.slots.filter((s) => s.active).length;
  return makeVerdict(active, ">=", n >= minEntries ? 2 : 0, { n, minEntries });
}

/**
 * Invariant 4, checked with the bundle axes: for every active set with its bundle's axis a,
 * y = B·(a·M) and the error ‖t − y/max(‖y‖, 1e-8)‖. Figure: the largest error, compared `<=`
 * tol; worst: the set.
 *
 * @throws {TypeError} when an active set lacks its basis or map, an axis is missing, or the
 *   sizes do not chain (axis length = rows of M, cols of M = cols of B, rows of B = length of t)
 * @throws {RangeError} when tol is negative or not finite
 *
 * @example
 * ```ts
 * import { checkAmsKakeyaAlignment } from "./ams_store.ts";
 * import { ok } from "node:assert/strict";
 * const eye = { rows: 2, cols: 2, data: [1, 0, 0, 1] };
 * const reg = { slots: [{ active: true, bundle: "time" as const, map: eye,
 *   set: { basis: eye, t: [1, 0] } }] };
 * ok(checkAmsKakeyaAlignment(reg, { time: [3, 0], topic: [], ctx: [] }).pass);
 * ok(!checkAmsKakeyaAlignment(reg, { time: [0, 1], topic: [], ctx: [] }).pass);
 * ```
 */
export function checkAmsKakeyaAlignment(
  registry: AmsKakeyaRegistryView,
  axes: Readonly<Record<AmsBundle, ArrayLike<number>>>,
  tol = AMS_ALIGNMENT_TOL,
): Verdict<{ set: number; error: number }> {
  assertBound(tol, "tol", "check the Kakeya alignment", { min: 0 });
  let worst = { set: -1, error: 0 };
  let figure = 0;
  registry.slots.forEach((s, i) => {
    if (!s.active) return;
    const what = `Cannot check the Kakeya alignment of set ${i}`;
    if (s.set === null || s.map === null) {
      throw new TypeError(`${what}: expected an active set to have a basis and a map`);
    }
    const a = axes[s.bundle];
    const M = s.map;
    const B = s.set.basis;
    const t = s.set.t;
    if (a === undefined || a.length !== M.rows || M.cols !== B.cols || B.rows !== t.length) {
      throw new TypeError(
        `${what}: expected axis (${a?.length}) = rows of M (${M.rows}), cols of M (${M.cols}) ` +
          `= cols of B (${B.cols}), rows of B (${B.rows}) = length of t (${t.length})`,
      );
    }
    const field = new Float64Array(M.cols);
    for (let r = 0; r < M.rows; r++) {
      for (let c = 0; c < M.cols; c++) field[c] = field[c]! + a[r]! * M.data[r * M.cols + c]!;
    }
    const y = new Float64Array(B.rows);
    let yy = 0;
    for (let r = 0; r < B.rows; r++) {
      let s2 = 0;
      for (let c = 0; c < B.cols; c++) s2 += B.data[r * B.cols + c]! * field[c]!;
      y[r] = s2;
      yy += s2 * s2;
    }
    const ny = Math.max(Math.sqrt(yy), 1e-8);
    let ee = 0;
    for (let r = 0; r < B.rows; r++) ee += (t[r]! - y[r]! / ny) ** 2;
    const err = Math.sqrt(ee);
    // NaN wins and sticks: a NaN error anywhere fails the verdict and is located.
    if (!Number.isNaN(figure) && (worst.set < 0 || !(err <= figure))) {
      figure = err;
      worst = { set: i, error: err };
    }
  });
  return makeVerdict(figure, "<=", tol, worst);
}

/** A field and its decoded reconstruction. */
export interface AmsReconstructionPair {
  /** The field as stored before compression. */
  readonly original: ArrayLike<number>;
  /** Its reconstruction decoded from the compressed form. */
  readonly decoded: ArrayLike<number>;
}

/** Outcome of {@link checkAmsReconstruction}: the median's verdict, with the max's own. */
export interface AmsReconstructionVerdict extends Verdict<{ index: number; relError: number }> {
  /** The max relative error, compared `<` {@link AMS_RECONSTRUCTION_MAX}. */
  readonly max: number;
  /** The max's bound. */
  readonly maxBound: number;
}

/**
 * Invariant 5: relative errors ‖v − v̂‖/‖v‖ of the pairs; the figure is their median (`<=`
 * 0.15) and the verdict passes only when the max is also < 0.65; worst: the pair with the max.
 *
 * @throws {RangeError} when there are no pairs, a pair's lengths differ, or an original is zero
 *
 * @example
 * ```ts
 * import { checkAmsReconstruction } from "./ams_store.ts";
 * import { ok } from "node:assert/strict";
 * const v = checkAmsReconstruction([{ original: [1, 0], decoded: [0.9, 0] }]);
 * ok(v.pass && Math.abs(v.figure - 0.1) < 1e-12);
 * ```
 */
export function checkAmsReconstruction(
  pairs: readonly AmsReconstructionPair[],
  medianBound = AMS_RECONSTRUCTION_MEDIAN,
  maxBound = AMS_RECONSTRUCTION_MAX,
): AmsReconstructionVerdict {
  if (pairs.length === 0) {
    throw new RangeError("Cannot check the reconstruction: expected at least one pair but got 0");
  }
  const errs = pairs.map((p, i) => {
    if (p.original.length !== p.decoded.length) {
      throw new RangeError(
        `Cannot check the reconstruction: pair ${i} has ${p.original.length} original and ` +
          `${p.decoded.length} decoded elements`,
      );
    }
    let num = 0;
    let den = 0;
    for (let j = 0; j < p.original.length; j++) {
      num += (p.original[j]! - p.decoded[j]!) ** 2;
      den += p.original[j]! ** 2;
    }
    if (!(den > 0)) {
      throw new RangeError(`Cannot check the reconstruction: pair ${i} has a zero original`);
    }
    return Math.sqrt(num / den);
  });
  const sorted = [...errs].sort((a, b) => a - b);
  const m = sorted.length;
  const median = m % 2 === 1 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
  let worst = 0;
  errs.forEach((e, i) => {
    if (!(e <= errs[worst]!)) worst = i;
  });
  const max = errs[worst]!;
  const base = makeVerdict(median, "<=", medianBound, { index: worst, relError: max });
  return { ...base, pass: base.pass && max < maxBound, max, maxBound };
}

/**
 * Invariant 6: a prefix's shape is (B, L_mem, d_LLM). Figure: mismatched dims (a rank other
 * than 3 counts 3), compared `<=` 0.
 *
 * @example
 * ```ts
 * import { checkAmsPrefixShape } from "./ams_store.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * ok(checkAmsPrefixShape([2, 12, 1536], { batch: 2 }).pass);
 * strictEqual(checkAmsPrefixShape([2, 8, 1536], { batch: 2 }).figure, 1);
 * ```
 */
export function checkAmsPrefixShape(
  shape: readonly number[],
  expected: { batch: number; L_mem?: number; d_LLM?: number },
): Verdict<{ shape: number[]; expected: number[] }> {
  const want = [expected.batch, expected.L_mem ?? 12, expected.d_LLM ?? 1536];
  const bad = shape.length !== 3 ? 3 : shape.filter((s, i) => s !== want[i]).length;
  return makeVerdict(bad, "<=", 0, { shape: [...shape], expected: want });
}
