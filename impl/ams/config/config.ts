/**
 * `Cfg4`: the configuration of AMS v4 (FluffyAIcode/AgentMemorySystem:ams_v4/core/config.py,
 * PR #30), with every default and every invariant its `__post_init__` asserts. Field names keep
 * the original's snake spelling (`d_F_topic`, `kakeya_K`, `L_mem`) so that a reader can match
 * each one against the source.
 *
 * The original's rules (each a `RangeError` naming the field, its value and the rule):
 * - `d_time`, `d_topic`, `d_ctx` ≥ 4;
 * - `n_heads_<b>` divides `d_F_<b>` for each bundle (time, topic, ctx);
 * - `n_kakeya_sets` ≥ 2, 0 < `kakeya_variance_ratio` ≤ 1, `kakeya_K` ≥ 2, `kakeya_d_res` ≥ 0,
 *   `kakeya_min_entries` ≥ 2, `kakeya_alignment_tol` > 0, 0 < `kakeya_reconstruction_tol` < 1;
 * - `prefix_slots_time + prefix_slots_topic + prefix_slots_ctx` = `L_mem`, each ≥ 1;
 * - `n_geo_pts` ≥ 2, 0 < `tau` < 1, `cfg_scale` ≥ 0, `llm_dtype` ∈ {bf16, fp16, fp32},
 *   `compression_min_dim` ≥ 64, every loss weight ≥ 0.
 *
 * memspec adds the rules Python's duck typing leaves implicit: every number finite, every size
 * or count an integer (sizes ≥ 1), `geo_tol`/`geo_lr` > 0, `norm_correction_interval` ≥ 1,
 * `geo_max_steps` ≥ 0, a string `llm_name`, and no unknown field. {@link CFG4_RULES} lists them
 * all; the property test of `ams.config.property_rules` draws configs from it.
 *
 * @example
 * ```ts
 * import { cfg4, CFG4_DEFAULTS } from "./config.ts";
 * import { strictEqual, throws } from "node:assert/strict";
 * strictEqual(CFG4_DEFAULTS.d_F_topic, 64);
 * const c = cfg4({ d_topic: 32, n_geo_pts: 4 });
 * strictEqual(c.d_topic, 32);
 * strictEqual(c.loss_weights.recon, 1);
 * throws(() => cfg4({ n_heads_time: 5 }), RangeError); // 5 does not divide d_F_time = 32
 * ```
 *
 * @module
 */

/** The loss weights of `Cfg4.loss_weights` (train_v4.py reads them by these names). */
export interface Cfg4LossWeights {
  /** Weight of the reconstruction loss (1.0). */
  readonly recon: number;
  /** Weight of the bundle-axis alignment loss (0.5). */
  readonly bundle_axis_alignment: number;
  /** Weight of the cross-bundle independence loss (0.2). */
  readonly cross_bundle_independence: number;
  /** Weight of the prefix semantic-anchor loss (0.5). */
  readonly prefix_semantic_anchor: number;
  /** Weight of the write-policy loss (0.1). */
  readonly write_policy: number;
}

/** The dtypes the original accepts for the frozen backbone. */
export type Cfg4Dtype = "bf16" | "fp16" | "fp32";

/** AMS v4's configuration (ams_v4/core/config.py), snake-case names as in the original. */
export interface Cfg4 {
  /** The frozen backbone's name (Qwen/Qwen2.5-1.5B-Instruct). */
  readonly llm_name: string;
  /** The backbone's dtype. */
  readonly llm_dtype: Cfg4Dtype;
  /** The backbone's hidden size. */
  readonly d_LLM: number;
  /** The backbone's vocabulary size. */
  readonly vocab_size: number;
  /** Time bundle: base dim, fiber dim, attention heads. */
  readonly d_time: number;
  /** Time bundle's fiber dim (32). */
  readonly d_F_time: number;
  /** Time bundle's attention heads (4); must divide d_F_time. */
  readonly n_heads_time: number;
  /** Topic bundle: base dim (the sphere S^{d_topic−1}), fiber dim, heads. */
  readonly d_topic: number;
  /** Topic bundle's fiber dim (64). */
  readonly d_F_topic: number;
  /** Topic bundle's attention heads (8); must divide d_F_topic. */
  readonly n_heads_topic: number;
  /** Context bundle: base dim, fiber dim, heads. */
  readonly d_ctx: number;
  /** Context bundle's fiber dim (48). */
  readonly d_F_ctx: number;
  /** Context bundle's attention heads (4); must divide d_F_ctx. */
  readonly n_heads_ctx: number;
  /** Kakeya codec: number of sets and each set's parameters. */
  readonly n_kakeya_sets: number;
  /** Variance fraction the PCA keeps (0.99). */
  readonly kakeya_variance_ratio: number;
  /** Spherical k-means centres per set (16). */
  readonly kakeya_K: number;
  /** Residual coordinates kept per vector (5). */
  readonly kakeya_d_res: number;
  /** Entries needed before a set is built (8). */
  readonly kakeya_min_entries: number;
  /** Largest alignment error accepted (1e-3). */
  readonly kakeya_alignment_tol: number;
  /** Largest median relative reconstruction error accepted (0.15). */
  readonly kakeya_reconstruction_tol: number;
  /** Fields narrower than this are stored raw, not compressed. */
  readonly compression_min_dim: number;
  /** Direction tree: branching factor and leaf capacity. */
  readonly tree_K: number;
  /** Direction tree's largest leaf before it splits (20). */
  readonly tree_max_leaf: number;
  /** Retrieval: results and beam width. */
  readonly retrieval_topk: number;
  /** Retrieval beam width (5). */
  readonly retrieval_beam: number;
  /** Geodesic solver: interior points, Adam steps, stop tolerance, learning rate. */
  readonly n_geo_pts: number;
  /** Geodesic solver's Adam steps at most (80). */
  readonly geo_max_steps: number;
  /** Geodesic solver's stop tolerance on the relative energy change (1e-5). */
  readonly geo_tol: number;
  /** Geodesic solver's Adam learning rate (0.02). */
  readonly geo_lr: number;
  /** The transporter renormalises after every this-many segments. */
  readonly norm_correction_interval: number;
  /** Prefix length and its split over the three bundles. */
  readonly L_mem: number;
  /** Prefix slots of the time bundle (2). */
  readonly prefix_slots_time: number;
  /** Prefix slots of the topic bundle (6). */
  readonly prefix_slots_topic: number;
  /** Prefix slots of the context bundle (4). */
  readonly prefix_slots_ctx: number;
  /** Training loss weights. */
  readonly loss_weights: Cfg4LossWeights;
  /** Unused in v4 but still asserted: temperature, CFG scale, write-gate threshold. */
  readonly tau: number;
  /** Classifier-free guidance scale (3.5; unused in v4). */
  readonly cfg_scale: number;
  /** Write-gate threshold (0.4; unused in v4). */
  readonly write_gate_threshold: number;
}

/** What `cfg4` accepts: any subset of the fields; `loss_weights` may itself be partial. */
export type Cfg4Overrides = Partial<Omit<Cfg4, "loss_weights">> & {
  readonly loss_weights?: Partial<Cfg4LossWeights>;
};

/** The original's defaults (ams_v4/core/config.py). */
export const CFG4_DEFAULTS: Readonly<Cfg4> = Object.freeze({
  llm_name: "Qwen/Qwen2.5-1.5B-Instruct",
  llm_dtype: "bf16",
  d_LLM: 1536,
  vocab_size: 151936,
  d_time: 8,
  d_F_time: 32,
  n_heads_time: 4,
  d_topic: 16,
  d_F_topic: 64,
  n_heads_topic: 8,
  d_ctx: 12,
  d_F_ctx: 48,
  n_heads_ctx: 4,
  n_kakeya_sets: 4,
  kakeya_variance_ratio: 0.99,
  kakeya_K: 16,
  kakeya_d_res: 5,
  kakeya_min_entries: 8,
  kakeya_alignment_tol: 1e-3,
  kakeya_reconstruction_tol: 0.15,
  compression_min_dim: 256,
  tree_K: 8,
  tree_max_leaf: 20,
  retrieval_topk: 8,
  retrieval_beam: 5,
  n_geo_pts: 8,
  geo_max_steps: 80,
  geo_tol: 1e-5,
  geo_lr: 0.02,
  norm_correction_interval: 4,
  L_mem: 12,
  prefix_slots_time: 2,
  prefix_slots_topic: 6,
  prefix_slots_ctx: 4,
  loss_weights: Object.freeze({
    recon: 1.0,
    bundle_axis_alignment: 0.5,
    cross_bundle_independence: 0.2,
    prefix_semantic_anchor: 0.5,
    write_policy: 0.1,
  }),
  tau: 0.07,
  cfg_scale: 3.5,
  write_gate_threshold: 0.4,
});

/** The numeric fields that are sizes or counts (integers). */
export const CFG4_INT_FIELDS = [
  "d_LLM",
  "vocab_size",
  "d_time",
  "d_F_time",
  "n_heads_time",
  "d_topic",
  "d_F_topic",
  "n_heads_topic",
  "d_ctx",
  "d_F_ctx",
  "n_heads_ctx",
  "n_kakeya_sets",
  "kakeya_K",
  "kakeya_d_res",
  "kakeya_min_entries",
  "compression_min_dim",
  "tree_K",
  "tree_max_leaf",
  "retrieval_topk",
  "retrieval_beam",
  "n_geo_pts",
  "geo_max_steps",
  "norm_correction_interval",
  "L_mem",
  "prefix_slots_time",
  "prefix_slots_topic",
  "prefix_slots_ctx",
] as const;

/** The numeric fields that are real numbers. */
export const CFG4_REAL_FIELDS = [
  "kakeya_variance_ratio",
  "kakeya_alignment_tol",
  "kakeya_reconstruction_tol",
  "geo_tol",
  "geo_lr",
  "tau",
  "cfg_scale",
  "write_gate_threshold",
] as const;

/** The names of the loss weights. */
export const CFG4_LOSS_WEIGHT_NAMES = [
  "recon",
  "bundle_axis_alignment",
  "cross_bundle_independence",
  "prefix_semantic_anchor",
  "write_policy",
] as const;

/** One invariant: the field it is reported under, its text, and its test on a typed config. */
export interface Cfg4Rule {
  /** The field the error names (`loss_weights.recon` for a loss weight). */
  readonly field: string;
  /** The rule in words, as the error message states it. */
  readonly rule: string;
  /** Whether the rule is the original's assertion or a memspec addition. */
  readonly origin: "original" | "memspec";
  /** True when `c` satisfies the rule. */
  readonly holds: (c: Cfg4) => boolean;
  /** The value the error reports. */
  readonly value: (c: Cfg4) => unknown;
}

const BUNDLES = ["time", "topic", "ctx"] as const;

function rule(
  field: string,
  text: string,
  origin: "original" | "memspec",
  holds: (c: Cfg4) => boolean,
  value?: (c: Cfg4) => unknown,
): Cfg4Rule {
  const get = value ?? ((c: Cfg4) => (c as unknown as Record<string, unknown>)[field]);
  return Object.freeze({ field, rule: text, origin, holds, value: get });
}

/**
 * Every value rule `cfg4` checks, in the order it checks them (type checks come first and are
 * not listed: a wrong type is a `TypeError`). Size fields are integers ≥ 1 unless a rule below
 * says otherwise; the lower bounds of those fields are listed here.
 */
export const CFG4_RULES: readonly Cfg4Rule[] = Object.freeze([
  // memspec: sizes and counts are integers, each at least 1 (d_res and max_steps at least 0).
  ...CFG4_INT_FIELDS.filter((f) => f !== "kakeya_d_res" && f !== "geo_max_steps").map((f) =>
    rule(f, "to be an integer ≥ 1", "memspec", (c) => Number.isInteger(c[f]) && c[f] >= 1)
  ),
  rule(
    "geo_max_steps",
    "to be an integer ≥ 0",
    "memspec",
    (c) => Number.isInteger(c.geo_max_steps) && c.geo_max_steps >= 0,
  ),
  rule(
    "kakeya_d_res",
    "to be an integer ≥ 0 (d_res ≥ 0)",
    "original",
    (c) => Number.isInteger(c.kakeya_d_res) && c.kakeya_d_res >= 0,
  ),
  ...CFG4_REAL_FIELDS.map((f) =>
    rule(f, "to be a finite number", "memspec", (c) => Number.isFinite(c[f]))
  ),
  // The original's assertions.
  ...BUNDLES.map((b) => {
    const f = `d_${b}` as "d_time" | "d_topic" | "d_ctx";
    return rule(f, "to be ≥ 4 (bundle base dims ≥ 4)", "original", (c) => c[f] >= 4);
  }),
  ...BUNDLES.map((b) => {
    const h = `n_heads_${b}` as "n_heads_time" | "n_heads_topic" | "n_heads_ctx";
    const d = `d_F_${b}` as "d_F_time" | "d_F_topic" | "d_F_ctx";
    return rule(
      h,
      `to divide ${d} (heads divide the fiber dim)`,
      "original",
      (c) => c[d] % c[h] === 0,
      (c) => `${c[h]} (${d} = ${c[d]})`,
    );
  }),
  rule("n_kakeya_sets", "to be ≥ 2", "original", (c) => c.n_kakeya_sets >= 2),
  rule(
    "kakeya_variance_ratio",
    "to be in (0, 1]",
    "original",
    (c) => c.kakeya_variance_ratio > 0 && c.kakeya_variance_ratio <= 1,
  ),
  rule("kakeya_K", "to be ≥ 2", "original", (c) => c.kakeya_K >= 2),
  rule("kakeya_min_entries", "to be ≥ 2", "original", (c) => c.kakeya_min_entries >= 2),
  rule("kakeya_alignment_tol", "to be > 0", "original", (c) => c.kakeya_alignment_tol > 0),
  rule(
    "kakeya_reconstruction_tol",
    "to be in (0, 1)",
    "original",
    (c) => c.kakeya_reconstruction_tol > 0 && c.kakeya_reconstruction_tol < 1,
  ),
  rule(
    "L_mem",
    "to equal prefix_slots_time + prefix_slots_topic + prefix_slots_ctx",
    "original",
    (c) => c.prefix_slots_time + c.prefix_slots_topic + c.prefix_slots_ctx === c.L_mem,
    (c) =>
      `${c.L_mem} (slots ${c.prefix_slots_time} + ${c.prefix_slots_topic} + ${c.prefix_slots_ctx})`,
  ),
  rule("n_geo_pts", "to be ≥ 2", "original", (c) => c.n_geo_pts >= 2),
  rule("tau", "to be in (0, 1)", "original", (c) => c.tau > 0 && c.tau < 1),
  rule("cfg_scale", "to be ≥ 0", "original", (c) => c.cfg_scale >= 0),
  rule(
    "llm_dtype",
    'to be one of "bf16", "fp16", "fp32"',
    "original",
    (c) => c.llm_dtype === "bf16" || c.llm_dtype === "fp16" || c.llm_dtype === "fp32",
  ),
  rule("compression_min_dim", "to be ≥ 64", "original", (c) => c.compression_min_dim >= 64),
  ...CFG4_LOSS_WEIGHT_NAMES.map((w) =>
    rule(
      `loss_weights.${w}`,
      "to be a finite number ≥ 0 (loss weights ≥ 0)",
      "original",
      (c) => Number.isFinite(c.loss_weights[w]) && c.loss_weights[w] >= 0,
      (c) => c.loss_weights[w],
    )
  ),
  // memspec: the solver's tolerance and step, and the renormalisation interval.
  rule("geo_tol", "to be > 0", "memspec", (c) => c.geo_tol > 0),
  rule("geo_lr", "to be > 0", "memspec", (c) => c.geo_lr > 0),
]);

const KNOWN = new Set(Object.keys(CFG4_DEFAULTS));

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `an object (${(v as object).constructor?.name ?? "null prototype"})`;
}

/**
 * Builds a frozen `Cfg4` from the defaults and `overrides`, checking every rule of
 * {@link CFG4_RULES}.
 *
 * @throws {TypeError} when `overrides` is not an object, names an unknown field, or gives a field
 *   a value of the wrong type (a number field a non-number, `llm_name` a non-string,
 *   `loss_weights` a non-object).
 * @throws {RangeError} when a value breaks a rule: the message names the field, its value and the
 *   rule, e.g. "Cannot build Cfg4: expected n_heads_time to divide d_F_time (heads divide the
 *   fiber dim) but got 5 (d_F_time = 32)".
 *
 * @example
 * ```ts
 * import { cfg4 } from "./config.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => cfg4({ prefix_slots_ctx: 5 }), /L_mem/); // 2 + 6 + 5 ≠ 12
 * throws(() => cfg4({ loss_weights: { recon: -1 } }), /loss_weights.recon/);
 * ```
 */
export function cfg4(overrides: Cfg4Overrides = {}): Readonly<Cfg4> {
  const op = "Cannot build Cfg4";
  if (overrides === null || typeof overrides !== "object" || Array.isArray(overrides)) {
    throw new TypeError(`${op}: expected overrides to be an object but got ${show(overrides)}`);
  }
  const o = overrides as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) {
      throw new TypeError(
        `${op}: expected a Cfg4 field but got unknown field ${JSON.stringify(k)}`,
      );
    }
  }
  const lwIn = o.loss_weights === undefined ? {} : o.loss_weights;
  if (lwIn === null || typeof lwIn !== "object" || Array.isArray(lwIn)) {
    throw new TypeError(`${op}: expected loss_weights to be an object but got ${show(lwIn)}`);
  }
  const lwKnown = new Set<string>(CFG4_LOSS_WEIGHT_NAMES);
  for (const k of Object.keys(lwIn)) {
    if (!lwKnown.has(k)) {
      throw new TypeError(
        `${op}: expected a loss weight (${CFG4_LOSS_WEIGHT_NAMES.join(", ")}) but got ` +
          `unknown loss_weights.${k}`,
      );
    }
  }
  const loss_weights = Object.freeze({ ...CFG4_DEFAULTS.loss_weights, ...lwIn });
  const merged = { ...CFG4_DEFAULTS, ...o, loss_weights } as Record<string, unknown>;
  checkFieldTypes(op, merged);
  const c = merged as unknown as Cfg4;
  for (const r of CFG4_RULES) {
    if (!r.holds(c)) {
      throw new RangeError(`${op}: expected ${r.field} ${r.rule} but got ${show(r.value(c))}`);
    }
  }
  return Object.freeze(c);
}

/** Throws a TypeError naming the first field of `merged` whose value has the wrong type. */
function checkFieldTypes(op: string, merged: Record<string, unknown>): void {
  const loss_weights = merged.loss_weights;
  if (loss_weights === null || typeof loss_weights !== "object" || Array.isArray(loss_weights)) {
    throw new TypeError(
      `${op}: expected loss_weights to be an object but got ${show(loss_weights)}`,
    );
  }
  for (const f of [...CFG4_INT_FIELDS, ...CFG4_REAL_FIELDS]) {
    if (typeof merged[f] !== "number") {
      throw new TypeError(`${op}: expected ${f} to be a number but got ${show(merged[f])}`);
    }
  }
  for (const w of CFG4_LOSS_WEIGHT_NAMES) {
    const v = (loss_weights as Record<string, unknown>)[w];
    if (typeof v !== "number") {
      throw new TypeError(`${op}: expected loss_weights.${w} to be a number but got ${show(v)}`);
    }
  }
  for (const f of ["llm_name", "llm_dtype"]) {
    if (typeof merged[f] !== "string") {
      throw new TypeError(`${op}: expected ${f} to be a string but got ${show(merged[f])}`);
    }
  }
}

/**
 * Lists the rules `c` breaks (empty for a valid config); never throws on a typed config.
 *
 * @throws {TypeError} when `c` is not an object or a field has the wrong type (a number field a
 *   non-number, `llm_name` a non-string, `loss_weights` a non-object): its rules cannot be read.
 */
export function cfg4Violations(c: Cfg4): readonly Cfg4Rule[] {
  const op = "Cannot list the Cfg4 violations";
  if (c === null || typeof c !== "object" || Array.isArray(c)) {
    throw new TypeError(`${op}: expected a Cfg4 object but got ${show(c)}`);
  }
  checkFieldTypes(op, c as unknown as Record<string, unknown>);
  return CFG4_RULES.filter((r) => !r.holds(c));
}
