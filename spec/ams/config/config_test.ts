/**
 * Proofs of Cfg4's claims (./claims.ts). The rules are restated here from the original's
 * `__post_init__` (not imported from the implementation), so the property judges cfg4 against
 * an independent reading.
 *
 * @module
 */
import fc from "fast-check";
import { type Cfg4, cfg4, CFG4_DEFAULTS } from "../../../impl/ams/config/config.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { checkFault } from "../../_harness/fault_case.ts";
import { fcParams, replayHint } from "../../_harness/fuzz.ts";
import { CFG4_DEFAULTS_CLAIM, CFG4_FAULT, CFG4_RULES_CLAIM } from "./claims.ts";

/** Runs of each property (the claim says ≥ 200). */
const RUNS = 200;

type Mutable = { -readonly [K in Exclude<keyof Cfg4, "loss_weights">]: Cfg4[K] } & {
  loss_weights: Record<string, number>;
};

const INTS = [
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
  "kakeya_min_entries",
  "compression_min_dim",
  "tree_K",
  "tree_max_leaf",
  "retrieval_topk",
  "retrieval_beam",
  "n_geo_pts",
  "norm_correction_interval",
  "L_mem",
  "prefix_slots_time",
  "prefix_slots_topic",
  "prefix_slots_ctx",
] as const; // deno-fmt-ignore
const REALS = [
  "kakeya_variance_ratio", "kakeya_alignment_tol", "kakeya_reconstruction_tol", "geo_tol",
  "geo_lr", "tau", "cfg_scale", "write_gate_threshold",
] as const; // deno-fmt-ignore
const WEIGHTS = [
  "recon", "bundle_axis_alignment", "cross_bundle_independence", "prefix_semantic_anchor",
  "write_policy",
] as const; // deno-fmt-ignore

/** The rules as the test reads them: [field the error must name, broken?]. */
function brokenRules(c: Mutable): string[] {
  const out: string[] = [];
  const isInt = (v: number) => Number.isInteger(v);
  for (const f of INTS) if (!(isInt(c[f]) && c[f] >= 1)) out.push(f);
  if (!(isInt(c.geo_max_steps) && c.geo_max_steps >= 0)) out.push("geo_max_steps");
  if (!(isInt(c.kakeya_d_res) && c.kakeya_d_res >= 0)) out.push("kakeya_d_res");
  for (const f of REALS) if (!Number.isFinite(c[f])) out.push(f);
  for (const b of ["time", "topic", "ctx"] as const) {
    if (!(c[`d_${b}`] >= 4)) out.push(`d_${b}`);
    if (c[`d_F_${b}`] % c[`n_heads_${b}`] !== 0) out.push(`n_heads_${b}`);
  }
  if (!(c.n_kakeya_sets >= 2)) out.push("n_kakeya_sets");
  if (!(c.kakeya_variance_ratio > 0 && c.kakeya_variance_ratio <= 1)) {
    out.push("kakeya_variance_ratio");
  }
  if (!(c.kakeya_K >= 2)) out.push("kakeya_K");
  if (!(c.kakeya_min_entries >= 2)) out.push("kakeya_min_entries");
  if (!(c.kakeya_alignment_tol > 0)) out.push("kakeya_alignment_tol");
  if (!(c.kakeya_reconstruction_tol > 0 && c.kakeya_reconstruction_tol < 1)) {
    out.push("kakeya_reconstruction_tol");
  }
  if (c.prefix_slots_time + c.prefix_slots_topic + c.prefix_slots_ctx !== c.L_mem) {
    out.push("L_mem");
  }
  if (!(c.n_geo_pts >= 2)) out.push("n_geo_pts");
  if (!(c.tau > 0 && c.tau < 1)) out.push("tau");
  if (!(c.cfg_scale >= 0)) out.push("cfg_scale");
  if (!["bf16", "fp16", "fp32"].includes(c.llm_dtype)) out.push("llm_dtype");
  if (!(c.compression_min_dim >= 64)) out.push("compression_min_dim");
  for (const w of WEIGHTS) {
    const v = c.loss_weights[w]!;
    if (!(Number.isFinite(v) && v >= 0)) out.push(`loss_weights.${w}`);
  }
  if (!(c.geo_tol > 0)) out.push("geo_tol");
  if (!(c.geo_lr > 0)) out.push("geo_lr");
  return [...new Set(out)];
}

const openUnit = fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true });

/** A config that satisfies every rule. */
const validArb: fc.Arbitrary<Mutable> = fc.record({
  d_LLM: fc.integer({ min: 1, max: 4096 }),
  vocab_size: fc.integer({ min: 1, max: 200000 }),
  dims: fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 4, max: 64 }))),
  heads: fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 1, max: 8 }))),
  perHead: fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 1, max: 16 }))),
  n_kakeya_sets: fc.integer({ min: 2, max: 8 }),
  kakeya_variance_ratio: fc.oneof(fc.constant(1), openUnit),
  kakeya_K: fc.integer({ min: 2, max: 64 }),
  kakeya_d_res: fc.integer({ min: 0, max: 32 }),
  kakeya_min_entries: fc.integer({ min: 2, max: 64 }),
  kakeya_alignment_tol: fc.double({ min: 1e-12, max: 10, noNaN: true }),
  kakeya_reconstruction_tol: openUnit,
  compression_min_dim: fc.integer({ min: 64, max: 4096 }),
  tree_K: fc.integer({ min: 1, max: 32 }),
  tree_max_leaf: fc.integer({ min: 1, max: 64 }),
  retrieval_topk: fc.integer({ min: 1, max: 64 }),
  retrieval_beam: fc.integer({ min: 1, max: 16 }),
  n_geo_pts: fc.integer({ min: 2, max: 32 }),
  geo_max_steps: fc.integer({ min: 0, max: 200 }),
  geo_tol: fc.double({ min: 1e-12, max: 1, noNaN: true }),
  geo_lr: fc.double({ min: 1e-6, max: 1, noNaN: true }),
  norm_correction_interval: fc.integer({ min: 1, max: 16 }),
  slots: fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 1, max: 8 }))),
  weights: fc.tuple(...WEIGHTS.map(() => fc.double({ min: 0, max: 5, noNaN: true }))),
  tau: openUnit,
  cfg_scale: fc.double({ min: 0, max: 20, noNaN: true }),
  write_gate_threshold: fc.double({ min: -10, max: 10, noNaN: true }),
  llm_dtype: fc.constantFrom("bf16" as const, "fp16" as const, "fp32" as const),
}).map((r) => {
  const c: Mutable = {
    ...(CFG4_DEFAULTS as unknown as Mutable),
    ...r,
    loss_weights: Object.fromEntries(WEIGHTS.map((w, i) => [w, r.weights[i]!])),
  };
  (["time", "topic", "ctx"] as const).forEach((b, i) => {
    c[`d_${b}`] = r.dims[i]!;
    c[`n_heads_${b}`] = r.heads[i]!;
    c[`d_F_${b}`] = r.heads[i]! * r.perHead[i]!;
  });
  c.prefix_slots_time = r.slots[0]!;
  c.prefix_slots_topic = r.slots[1]!;
  c.prefix_slots_ctx = r.slots[2]!;
  c.L_mem = r.slots[0]! + r.slots[1]! + r.slots[2]!;
  for (const k of ["dims", "heads", "perHead", "slots", "weights"]) {
    delete (c as unknown as Record<string, unknown>)[k];
  }
  return c;
});

/** One way to break exactly one rule: the field it breaks, and the edit. */
type Breaker = [string, (c: Mutable, pick: number) => void];

const BREAKERS: Breaker[] = [
  ...(["time", "topic", "ctx"] as const).flatMap((b): Breaker[] => [
    [`d_${b}`, (c, p) => void (c[`d_${b}`] = 1 + (p % 3))],
    [`n_heads_${b}`, (c) => void (c[`n_heads_${b}`] = c[`d_F_${b}`] + 1)],
  ]),
  ["n_kakeya_sets", (c) => void (c.n_kakeya_sets = 1)],
  [
    "kakeya_variance_ratio",
    (c, p) => void (c.kakeya_variance_ratio = [0, -0.5, 1 + 1e-12][p % 3]!),
  ],
  ["kakeya_K", (c) => void (c.kakeya_K = 1)],
  ["kakeya_d_res", (c, p) => void (c.kakeya_d_res = -1 - (p % 4))],
  ["kakeya_min_entries", (c) => void (c.kakeya_min_entries = 1)],
  ["kakeya_alignment_tol", (c, p) => void (c.kakeya_alignment_tol = [0, -1e-3][p % 2]!)],
  [
    "kakeya_reconstruction_tol",
    (c, p) => void (c.kakeya_reconstruction_tol = [0, 1, -0.1, 1.5][p % 4]!),
  ],
  ["L_mem", (c, p) => void (c.L_mem += p % 2 === 0 ? 1 : -1)],
  ...(["time", "topic", "ctx"] as const).map((b): Breaker => [
    `prefix_slots_${b}`,
    (c) => {
      c.L_mem -= c[`prefix_slots_${b}`];
      c[`prefix_slots_${b}`] = 0;
    },
  ]),
  ["n_geo_pts", (c) => void (c.n_geo_pts = 1)],
  ["tau", (c, p) => void (c.tau = [0, 1, -0.5, 2][p % 4]!)],
  ["cfg_scale", (c, p) => void (c.cfg_scale = -1e-9 - (p % 5))],
  ["llm_dtype", (c, p) => void (c.llm_dtype = ["fp8", "int8", "BF16", ""][p % 4] as "bf16")],
  ["compression_min_dim", (c, p) => void (c.compression_min_dim = 1 + (p % 63))],
  ...WEIGHTS.map((w): Breaker => [
    `loss_weights.${w}`,
    (c, p) => void (c.loss_weights[w] = [-1e-9, -2, Infinity][p % 3]!),
  ]),
  ["d_LLM", (c, p) => void (c.d_LLM = [0, 1.5, -3][p % 3]!)],
  ["geo_max_steps", (c) => void (c.geo_max_steps = -1)],
  ["geo_tol", (c, p) => void (c.geo_tol = [0, -1e-5][p % 2]!)],
  ["geo_lr", (c, p) => void (c.geo_lr = [0, -0.02][p % 2]!)],
  ["write_gate_threshold", (c, p) => void (c.write_gate_threshold = [NaN, Infinity][p % 2]!)],
]; // deno-fmt-ignore

function overridesOf(c: Mutable): Record<string, unknown> {
  return { ...c, loss_weights: { ...c.loss_weights } };
}

/** What is wrong with cfg4's answer on `c` (null when it is right). */
function judgeCase(c: Mutable): string | null {
  const broken = brokenRules(c);
  let thrown: unknown = null;
  let out: Cfg4 | null = null;
  try {
    out = cfg4(overridesOf(c) as Partial<Cfg4>);
  } catch (e) {
    thrown = e;
  }
  if (broken.length === 0) {
    if (thrown !== null) return `valid config threw ${String(thrown)}`;
    for (const k of Object.keys(c) as (keyof Cfg4)[]) {
      if (k === "loss_weights") continue;
      if (!Object.is(out![k], c[k])) return `field ${k} = ${out![k]} but overridden ${c[k]}`;
    }
    for (const w of WEIGHTS) {
      if (out!.loss_weights[w] !== c.loss_weights[w]) return `loss weight ${w} not kept`;
    }
    return Object.isFrozen(out) ? null : "the config is not frozen";
  }
  if (!(thrown instanceof RangeError)) {
    return `broken ${broken.join(", ")} but got ${thrown === null ? "no error" : String(thrown)}`;
  }
  const msg = thrown.message;
  if (!broken.some((f) => msg.includes(`expected ${f} `))) {
    return `broken ${broken.join(", ")} but the message names none: ${msg}`;
  }
  if (!/ but got \S/.test(msg)) return `the message states no value: ${msg}`;
  return null;
}

claimTest(CFG4_DEFAULTS_CLAIM, (): Measurement => {
  const original: Record<string, unknown> = {
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
    tau: 0.07,
    cfg_scale: 3.5,
    write_gate_threshold: 0.4,
  }; // deno-fmt-ignore
  const weights = {
    recon: 1.0, bundle_axis_alignment: 0.5, cross_bundle_independence: 0.2,
    prefix_semantic_anchor: 0.5, write_policy: 0.1,
  }; // deno-fmt-ignore
  const c = cfg4();
  const wrong: string[] = [];
  for (const [k, v] of Object.entries(original)) {
    if ((c as unknown as Record<string, unknown>)[k] !== v) wrong.push(k);
  }
  for (const [k, v] of Object.entries(weights)) {
    if ((c.loss_weights as unknown as Record<string, number>)[k] !== v) wrong.push(k);
  }
  const extra = Object.keys(c).filter((k) => !(k in original) && k !== "loss_weights");
  wrong.push(...extra.map((k) => `unexpected ${k}`));
  if (!Object.isFrozen(c) || !Object.isFrozen(c.loss_weights)) wrong.push("not frozen");
  if (brokenRules(c as unknown as Mutable).length !== 0) wrong.push("defaults break a rule");
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0,
    detail: wrong.length === 0 ? `${Object.keys(original).length + 5} fields` : wrong.join(", "),
  };
});

claimTest(CFG4_RULES_CLAIM, (): Measurement => {
  const failures: string[] = [];
  let valid = 0;
  let brokenOne = 0;
  let wide = 0;
  const breakerArb = fc.option(
    fc.tuple(fc.integer({ min: 0, max: BREAKERS.length - 1 }), fc.nat(100)),
    { freq: 4 },
  );
  const prop1 = fc.property(validArb, breakerArb, (c0, br) => {
    const c: Mutable = { ...c0, loss_weights: { ...c0.loss_weights } };
    if (br !== null) {
      const [field, edit] = BREAKERS[br[0]]!;
      edit(c, br[1]);
      const broken = brokenRules(c);
      // The breaker must break exactly the rule it names: a check of the generator itself.
      if (broken.length !== 1 || broken[0] !== field) {
        failures.push(`breaker ${field} broke [${broken.join(", ")}]`);
        return false;
      }
      brokenOne++;
    } else valid++;
    const why = judgeCase(c);
    if (why !== null) failures.push(why);
    return why === null;
  });
  // Wide draws: every numeric field from a range straddling its rule, so valid and invalid mix.
  const wideArb = validArb.chain((c) =>
    fc.tuple(
      fc.constant(c),
      fc.array(
        fc.tuple(
          fc.constantFrom(...INTS, ...REALS, "geo_max_steps", "kakeya_d_res"),
          fc.oneof(fc.integer({ min: -3, max: 80 }), fc.double({ min: -2, max: 2 })),
        ),
        { maxLength: 4 },
      ),
      fc.tuple(fc.constantFrom(...WEIGHTS), fc.double({ min: -1, max: 1, noNaN: true })),
    )
  ).map(([c, edits, [w, wv]]) => {
    const m: Mutable = { ...c, loss_weights: { ...c.loss_weights, [w]: wv } };
    for (const [f, v] of edits) (m as unknown as Record<string, number>)[f] = v;
    return m;
  });
  const prop2 = fc.property(wideArb, (c) => {
    wide++;
    const why = judgeCase(c);
    if (why !== null) failures.push(why);
    return why === null;
  });
  const runs: (() => void)[] = [
    () => fc.assert(prop1, fcParams<[Mutable, [number, number] | null]>(RUNS)),
    () => fc.assert(prop2, fcParams<[Mutable]>(RUNS)),
  ];
  for (const run of runs) {
    try {
      run();
    } catch (e) {
      failures.push(`${replayHint(CFG4_RULES_CLAIM.id)}\n${(e as Error).message.slice(0, 800)}`);
    }
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${valid} valid, ${brokenOne} one-rule-broken, ${wide} wide draws` +
      (failures.length > 0 ? `; first: ${failures[0]}` : ""),
  };
});

claimTest(CFG4_FAULT, async (): Promise<Measurement> => {
  const cases: [string, () => unknown, RegExp][] = [
    ["null overrides", () => cfg4(null as unknown as Partial<Cfg4>), /overrides/],
    ["array overrides", () => cfg4([] as unknown as Partial<Cfg4>), /overrides/],
    ["unknown field", () => cfg4({ d_topics: 16 } as unknown as Partial<Cfg4>), /d_topics/],
    ["string size", () => cfg4({ d_time: "8" } as unknown as Partial<Cfg4>), /d_time.*number/],
    ["numeric name", () => cfg4({ llm_name: 3 } as unknown as Partial<Cfg4>), /llm_name.*string/],
    [
      "null weights",
      () => cfg4({ loss_weights: null } as unknown as Partial<Cfg4>),
      /loss_weights.*object/,
    ],
    [
      "unknown weight",
      () => cfg4({ loss_weights: { recn: 1 } } as unknown as Partial<Cfg4>),
      /loss_weights\.recn/,
    ],
    [
      "string weight",
      () => cfg4({ loss_weights: { recon: "1" } } as unknown as Partial<Cfg4>),
      /loss_weights\.recon.*number/,
    ],
  ]; // deno-fmt-ignore
  const bad: string[] = [];
  for (const [name, run, message] of cases) {
    const why = await checkFault({ name, run, expect: TypeError, message });
    if (why !== null) bad.push(why);
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.length === 0 ? `${cases.length} cases` : bad.join("; "),
  };
});
