/**
 * MemStore and MemEntry: AMS v4's memory store (FluffyAIcode/AgentMemorySystem:
 * ams_v4/core/mem_store.py and mem_entry.py, PR #30). A store owns its entries and one
 * {@link DirectionTreeV4} per bundle (time, topic, ctx), each keyed by that bundle's dirn.
 *
 * - {@link MemStore.add} validates every field first (typed errors, nothing changed on
 *   failure), assigns mid = next_mid++ and inserts the mid into the three trees.
 * - {@link MemStore.remove} deletes the mid from the entries and all three trees.
 * - {@link MemStore.retrieve} beam-retrieves one bundle's tree.
 * - The large fields (semantic_emb, content_wte_mean, context_descriptor: d_LLM = 1536 each)
 *   stay raw in the entry's `pending_large_fields` dict until a Kakeya registry is built, as in
 *   the original's write path; {@link MemStore.attachKakeya} then encodes every pending dict
 *   into a handle and drops the raw fields (all entries or none).
 * - {@link MemStore.verifyConsistency} lists failures: triple dims (invariant 1), raw large
 *   fields including the pending ones (invariant 2, memspec's reading), each tree's ids against
 *   the store's and each tree's own structure.
 *
 * @example
 * ```ts
 * import { MemStore } from "./mem_store.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * const e = (d: number, i = 0) => Float64Array.from({ length: d }, (_, j) => (j === i ? 1 : 0));
 * const entry = (i: number) => ({
 *   time_base: e(8, i), time_fiber: new Float64Array(32), time_dirn: e(8, i),
 *   topic_base: e(16, i), topic_fiber: new Float64Array(64), topic_dirn: e(16, i),
 *   ctx_base: e(12, i), ctx_fiber: new Float64Array(48), ctx_dirn: e(12, i),
 * });
 * const store = new MemStore();
 * strictEqual(store.add(entry(0)), 0);
 * strictEqual(store.add(entry(1)), 1);
 * strictEqual(store.retrieve("topic", e(16, 1))[0]!.mid, 1);
 * store.remove(0);
 * deepStrictEqual(store.mids(), [1]);
 * deepStrictEqual(store.verifyConsistency(), []);
 * ```
 *
 * @module
 */
import type { Cfg4 } from "../config/config.ts";
import {
  checkedUnitDirn,
  DirectionTreeV4,
  DIRN_UNIT_TOL,
  type TreeHit,
} from "../direction_tree/direction_tree.ts";
import {
  AMS_TRIPLE_FIELDS,
  type AmsTripleField,
  amsTripleLength,
  checkAmsNoRawLargeFields,
  checkAmsTripleDims,
} from "../../../invariants/ams_store.ts";

/** A bundle of AMS v4. */
export type Bundle = "time" | "topic" | "ctx";

/** The three bundles in the original's order. */
export const BUNDLES: readonly Bundle[] = Object.freeze(["time", "topic", "ctx"]);

/** The Cfg4 fields the store reads. */
export type StoreConfig = Pick<
  Cfg4,
  | "d_time"
  | "d_F_time"
  | "d_topic"
  | "d_F_topic"
  | "d_ctx"
  | "d_F_ctx"
  | "tree_K"
  | "tree_max_leaf"
  | "retrieval_beam"
  | "compression_min_dim"
  | "kakeya_min_entries"
>;

/** Cfg4's defaults for the fields the store reads. */
export const STORE_CONFIG_DEFAULTS: Readonly<StoreConfig> = Object.freeze({
  d_time: 8,
  d_F_time: 32,
  d_topic: 16,
  d_F_topic: 64,
  d_ctx: 12,
  d_F_ctx: 48,
  tree_K: 8,
  tree_max_leaf: 20,
  retrieval_beam: 5,
  compression_min_dim: 256,
  kakeya_min_entries: 8,
});

/** What {@link MemStore.add} takes: the nine triple fields and optional bookkeeping. */
export type MemEntryInput = { readonly [F in AmsTripleField]: ArrayLike<number> } & {
  readonly surprise?: number;
  readonly ts?: number;
  readonly last?: number;
  readonly cnt?: number;
  readonly source_text?: string;
  readonly content_token_ids?: readonly number[];
  readonly rare_keyword_ids?: readonly number[];
  /** Raw large fields (e.g. semantic_emb), kept pending until a registry is attached. */
  readonly large_fields?: Readonly<Record<string, ArrayLike<number>>>;
};

/** A stored memory (the original's MemEntry); triples are f64 copies of the input. */
export type MemEntry = { readonly [F in AmsTripleField]: Float64Array } & {
  readonly mid: number;
  readonly surprise: number;
  readonly ts: number;
  readonly last: number;
  readonly cnt: number;
  readonly version: number;
  readonly source_text: string;
  readonly content_token_ids: readonly number[];
  readonly rare_keyword_ids: readonly number[];
  /** The Kakeya handle once the registry encoded the large fields; null before. */
  kakeya_handle: unknown;
  /** The raw large fields kept until the registry encodes them; null after (or when none). */
  pending_large_fields: Record<string, Float64Array> | null;
};

/** The triple field each bundle's tree is keyed by. */
const DIRN_FIELD: Readonly<Record<Bundle, AmsTripleField>> = {
  time: "time_dirn",
  topic: "topic_dirn",
  ctx: "ctx_dirn",
};

/** Fields that must be unit vectors: the three dirns and the topic base (on S^{d_topic − 1}). */
const UNIT_FIELDS: ReadonlySet<AmsTripleField> = new Set([
  "time_dirn",
  "topic_base",
  "topic_dirn",
  "ctx_dirn",
]);

function finiteCopy(v: unknown, len: number | null, what: string): Float64Array {
  if (v === null || typeof v !== "object" || typeof (v as ArrayLike<number>).length !== "number") {
    throw new TypeError(`Cannot ${what}: expected an array of numbers but got ${String(v)}`);
  }
  const a = v as ArrayLike<number>;
  if (len !== null && a.length !== len) {
    throw new TypeError(`Cannot ${what}: expected length ${len} but got ${a.length}`);
  }
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RangeError(`Cannot ${what}: expected finite numbers but element ${i} is ${x}`);
    }
    out[i] = x;
  }
  return out;
}

function finiteNumber(v: unknown, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RangeError(`Cannot ${what}: expected a finite number but got ${String(v)}`);
  }
  return v;
}

/**
 * The memory store: entries by mid, and a direction tree per bundle.
 */
export class MemStore {
  /** The configuration in force. */
  readonly cfg: Readonly<StoreConfig>;
  #entries = new Map<number, MemEntry>();
  #nextMid = 0;
  #trees: Record<Bundle, DirectionTreeV4>;

  /**
   * Takes the store's fields from `cfg` (a whole Cfg4 will do); missing ones are Cfg4's defaults.
   *
   * @throws {RangeError} when a dim or tree setting is not a positive integer (treeK ≥ 2)
   */
  constructor(cfg: Partial<StoreConfig> = {}) {
    if (cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) {
      throw new TypeError(`Cannot build a MemStore: expected a config object but got ${cfg}`);
    }
    // Only the fields the store reads are taken, so a whole Cfg4 can be passed.
    const c = { ...STORE_CONFIG_DEFAULTS };
    for (const k of Object.keys(STORE_CONFIG_DEFAULTS) as (keyof StoreConfig)[]) {
      if (cfg[k] !== undefined) c[k] = cfg[k]!;
    }
    for (const [k, v] of Object.entries(c)) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new RangeError(
          `Cannot build a MemStore: expected ${k} to be a positive integer but got ${v}`,
        );
      }
    }
    this.cfg = Object.freeze(c);
    const opts = { treeK: c.tree_K, maxLeaf: c.tree_max_leaf };
    this.#trees = {
      time: new DirectionTreeV4(c.d_time, opts),
      topic: new DirectionTreeV4(c.d_topic, opts),
      ctx: new DirectionTreeV4(c.d_ctx, opts),
    };
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** The mid the next add assigns. */
  get nextMid(): number {
    return this.#nextMid;
  }

  /** Whether `mid` is stored. */
  has(mid: number): boolean {
    return this.#entries.has(mid);
  }

  /** The live entry of `mid`, or undefined. */
  get(mid: number): MemEntry | undefined {
    return this.#entries.get(mid);
  }

  /** Stored mids, ascending. */
  mids(): number[] {
    return [...this.#entries.keys()].sort((a, b) => a - b);
  }

  /** The live entries by ascending mid. */
  entries(): MemEntry[] {
    return this.mids().map((m) => this.#entries.get(m)!);
  }

  /** The tree of `bundle` (read it; inserting or removing through it breaks the store). */
  tree(bundle: Bundle): DirectionTreeV4 {
    this.#bundle(bundle, "get the tree of");
    return this.#trees[bundle];
  }

  /**
   * Adds an entry: checks every field, assigns mid = next_mid++, inserts it into the three
   * trees, and returns the mid. The large fields stay pending until {@link attachKakeya}.
   *
   * @throws {TypeError} when a triple field is missing or not of its configured length, or a
   *   large field is not an array
   * @throws {RangeError} when an element is not finite, a dirn or the topic base is not unit
   *   (within 1e-4), or a scalar is not finite; the store is unchanged
   */
  add(input: MemEntryInput): number {
    if (input === null || typeof input !== "object") {
      throw new TypeError(`Cannot add a memory: expected an entry object but got ${input}`);
    }
    const triples = {} as Record<AmsTripleField, Float64Array>;
    for (const f of AMS_TRIPLE_FIELDS) {
      const len = amsTripleLength(f, this.cfg);
      const what = `add a memory: ${f}`;
      triples[f] = UNIT_FIELDS.has(f)
        ? checkedUnitDirn(finiteCopy(input[f], len, what), len, DIRN_UNIT_TOL, what)
        : finiteCopy(input[f], len, what);
    }
    let pending: Record<string, Float64Array> | null = null;
    if (input.large_fields !== undefined) {
      if (input.large_fields === null || typeof input.large_fields !== "object") {
        throw new TypeError(
          `Cannot add a memory: expected large_fields to be an object of arrays but got ` +
            `${input.large_fields}`,
        );
      }
      pending = {};
      for (const [k, v] of Object.entries(input.large_fields)) {
        pending[k] = finiteCopy(v, null, `add a memory: large field ${k}`);
      }
    }
    if (input.source_text !== undefined && typeof input.source_text !== "string") {
      throw new TypeError(
        `Cannot add a memory: expected source_text to be a string but got ${input.source_text}`,
      );
    }
    for (const k of ["content_token_ids", "rare_keyword_ids"] as const) {
      const ids = input[k] as unknown;
      if (
        ids !== undefined &&
        (!Array.isArray(ids) || !ids.every((t) => Number.isSafeInteger(t) && t >= 0))
      ) {
        throw new TypeError(
          `Cannot add a memory: expected ${k} to be an array of non-negative integer token ids ` +
            `but got ${ids}`,
        );
      }
    }
    const scalar = (k: "surprise" | "ts" | "last" | "cnt") =>
      finiteNumber(input[k], k === "ts" || k === "last" ? this.#nextMid : 0, `add a memory: ${k}`);
    const entry: MemEntry = {
      mid: this.#nextMid,
      ...triples,
      surprise: scalar("surprise"),
      ts: scalar("ts"),
      last: scalar("last"),
      cnt: scalar("cnt"),
      version: 0,
      source_text: String(input.source_text ?? ""),
      content_token_ids: [...(input.content_token_ids ?? [])],
      rare_keyword_ids: [...(input.rare_keyword_ids ?? [])],
      kakeya_handle: null,
      pending_large_fields: pending,
    };
    const mid = this.#nextMid++;
    this.#entries.set(mid, entry);
    for (const b of BUNDLES) this.#trees[b].insert(mid, triples[DIRN_FIELD[b]]);
    return mid;
  }

  /**
   * Removes `mid` from the entries and from all three trees.
   *
   * @throws {RangeError} when `mid` is not stored (the store is unchanged)
   */
  remove(mid: number): void {
    if (!this.#entries.has(mid)) {
      throw new RangeError(
        `Cannot remove memory ${mid}: expected a stored mid but it is not in the store`,
      );
    }
    this.#entries.delete(mid);
    for (const b of BUNDLES) this.#trees[b].remove(mid);
  }

  /**
   * Beam-retrieves `bundle`'s tree with the unit query `q` (default beam: retrieval_beam):
   * every mid reached, sorted by (−score, mid), score = leaf cosine + ancestor-centre cosines.
   *
   * @throws {RangeError} when the store is empty, the beam is not a positive integer, or `q` is
   *   not a finite unit vector
   * @throws {TypeError} when `bundle` is unknown or `q` is not of the bundle's dim
   */
  retrieve(
    bundle: Bundle,
    q: ArrayLike<number>,
    beam: number = this.cfg.retrieval_beam,
  ): TreeHit[] {
    this.#bundle(bundle, "retrieve from");
    if (this.#entries.size === 0) {
      throw new RangeError(
        `Cannot retrieve from the ${bundle} tree: expected a non-empty store but the store is empty`,
      );
    }
    return this.#trees[bundle].retrieve(q, beam);
  }

  /** The raw large fields still pending, by mid (the registry's build corpus). */
  pendingLargeFields(): Map<number, Readonly<Record<string, Float64Array>>> {
    const out = new Map<number, Readonly<Record<string, Float64Array>>>();
    for (const e of this.entries()) {
      if (e.pending_large_fields !== null) out.set(e.mid, e.pending_large_fields);
    }
    return out;
  }

  /**
   * Encodes every entry's pending large fields with `encode` (a built registry's encoder),
   * stores the handle on the entry and drops the raw fields. Every handle is computed before
   * any entry changes, so an encoder that throws leaves the store unchanged. Returns the number
   * of entries encoded.
   */
  attachKakeya(encode: (fields: Readonly<Record<string, Float64Array>>) => unknown): number {
    if (typeof encode !== "function") {
      throw new TypeError(
        `Cannot attach a Kakeya registry to the MemStore: expected an encode function but got ` +
          `${encode}`,
      );
    }
    const handles = new Map<number, unknown>();
    for (const [mid, fields] of this.pendingLargeFields()) handles.set(mid, encode(fields));
    for (const [mid, h] of handles) {
      const e = this.#entries.get(mid)!;
      e.kakeya_handle = h;
      e.pending_large_fields = null;
    }
    return handles.size;
  }

  /**
   * The store's consistency failures (empty when consistent): invariant 1 (triple dims),
   * invariant 2 with the pending dicts included, each tree's ids = the store's mids, and each
   * tree's own structure (see {@link DirectionTreeV4.verifyConsistency}).
   */
  verifyConsistency(): string[] {
    const errs: string[] = [];
    const entries = this.entries();
    const v1 = checkAmsTripleDims(entries, this.cfg);
    if (!v1.pass) {
      errs.push(
        `invariant 1: ${v1.figure} triple fields wrong, first mid ${v1.worst.mid} ` +
          `${v1.worst.field} (${v1.worst.problem})`,
      );
    }
    const v2 = checkAmsNoRawLargeFields(entries, { minDim: this.cfg.compression_min_dim });
    if (!v2.pass) {
      errs.push(
        `invariant 2: ${v2.figure} raw large fields stored, first mid ${v2.worst.mid} ` +
          `${v2.worst.path} [${v2.worst.shape}]` +
          (v2.worst.path.startsWith("pending_large_fields.") ? " (pending registry build)" : ""),
      );
    }
    const mids = this.mids();
    for (const b of BUNDLES) {
      for (const m of this.#trees[b].verifyConsistency(mids)) errs.push(`${b} tree: ${m}`);
    }
    return errs;
  }

  #bundle(bundle: Bundle, what: string): void {
    if (!BUNDLES.includes(bundle)) {
      throw new TypeError(
        `Cannot ${what} bundle ${JSON.stringify(bundle)}: expected one of time, topic, ctx`,
      );
    }
  }
}
