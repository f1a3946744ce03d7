/**
 * Proofs of the store's state-machine, original-test and fault claims (./claims.ts).
 *
 * @module
 */
import fc from "fast-check";
import { initGpu } from "../../../impl/mod.ts";
import { type Bundle, BUNDLES, MemStore } from "../../../impl/ams/mem_store/mem_store.ts";
import type { TreeStructure } from "../../../impl/ams/direction_tree/direction_tree.ts";
import { KakeyaRegistry } from "../../../impl/ams/kakeya/kakeya.ts";
import {
  checkAmsActiveKakeyaSets,
  checkAmsKakeyaAlignment,
  checkAmsNoRawLargeFields,
  checkAmsTripleDims,
} from "../../../invariants/ams_store.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { fcParams, replayHint } from "../../_harness/fuzz.ts";
import { checkFault, type FaultCase } from "../../_harness/fault_case.ts";
import { bundleAxes, LARGE_FIELDS, makeEntry, makeQuery, stackField } from "./_cases.ts";
import { STORE_FAULT, STORE_ORIGINAL_TESTS, STORE_STATE_MACHINE } from "./claims.ts";

const DIMS: Record<Bundle, number> = { time: 8, topic: 16, ctx: 12 };
const MIN_ENTRIES = 8;

interface Model {
  mids: number[];
  nextMid: number;
  removed: number[];
  pending: Set<number>;
  built: boolean;
}

interface Real {
  store: MemStore;
  registry: KakeyaRegistry | null;
  axes: ReturnType<typeof bundleAxes>;
  counts: Record<string, number>;
}

function fail(what: string): never {
  throw new Error(what);
}

function same(a: readonly number[], b: readonly number[], what: string): void {
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    fail(`${what}: [${a}] ≠ [${b}]`);
  }
}

function expectThrow(f: () => unknown, type: ErrorConstructor, what: string): void {
  try {
    f();
  } catch (e) {
    if (e instanceof type) return;
    fail(`${what}: expected ${type.name}, got ${e}`);
  }
  fail(`${what}: expected ${type.name}, got no error`);
}

/** After every command: the store's mids, next mid and each tree's ids match the model. */
function agree(m: Model, r: Real, after: string): void {
  same(r.store.mids(), m.mids, `${after}: store mids vs model`);
  if (r.store.nextMid !== m.nextMid) fail(`${after}: next mid ${r.store.nextMid} ≠ ${m.nextMid}`);
  for (const b of BUNDLES) {
    const ids = r.store.tree(b).ids().sort((x, y) => x - y);
    same(ids, m.mids, `${after}: ${b} tree ids vs store`);
  }
}

class Add implements fc.Command<Model, Real> {
  constructor(readonly seed: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const mid = r.store.add(makeEntry(this.seed));
    if (mid !== m.nextMid) fail(`add: mid ${mid}, model expects ${m.nextMid}`);
    m.mids.push(mid);
    m.nextMid++;
    // The original's write: with an active registry the fields are encoded at once.
    if (r.registry !== null) r.store.attachKakeya((f) => r.registry!.encode(f));
    else m.pending.add(mid);
    r.counts.add = (r.counts.add ?? 0) + 1;
    agree(m, r, this.toString());
  }
  toString = () => `add(${this.seed})`;
}

/** Several adds in a row, so that sequences reach the registry build's 8 entries. */
class AddMany implements fc.Command<Model, Real> {
  constructor(readonly seeds: readonly number[]) {}
  check = () => true;
  run(m: Model, r: Real): void {
    for (const s of this.seeds) new Add(s).run(m, r);
  }
  toString = () => `addMany(${this.seeds})`;
}

class Remove implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.mids.length > 0;
  run(m: Model, r: Real): void {
    const mid = m.mids[this.pick % m.mids.length]!;
    r.store.remove(mid);
    m.mids = m.mids.filter((x) => x !== mid);
    m.removed.push(mid);
    m.pending.delete(mid);
    r.counts.remove = (r.counts.remove ?? 0) + 1;
    agree(m, r, this.toString());
  }
  toString = () => `remove(#${this.pick})`;
}

class RemoveAbsent implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const mid = m.removed.length > 0 ? m.removed[this.pick % m.removed.length]! : m.nextMid;
    expectThrow(() => r.store.remove(mid), RangeError, `remove absent ${mid}`);
    r.counts.removeAbsent = (r.counts.removeAbsent ?? 0) + 1;
    agree(m, r, this.toString());
  }
  toString = () => `removeAbsent(#${this.pick})`;
}

/**
 * The documented score of every mid of a tree for query q: ⟨q, dirn⟩ + the sum of ⟨centre, q⟩
 * over the children on the mid's path from the root, accumulated root first (the tree's order).
 */
function documentedScores(
  t: TreeStructure,
  q: Float64Array,
  dirnOf: (mid: number) => Float64Array,
): Map<number, number> {
  const out = new Map<number, number>();
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };
  const walk = (nd: TreeStructure, sc: number) => {
    if (nd.leaf) { for (const mid of nd.ids) out.set(mid, dot(q, dirnOf(mid)) + sc); }
    else nd.children.forEach((c, i) => walk(c, sc + dot(nd.centres[i]!, q)));
  };
  walk(t, 0);
  return out;
}

class Retrieve implements fc.Command<Model, Real> {
  constructor(readonly bundle: Bundle, readonly seed: number, readonly beam: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const q = makeQuery(this.seed, DIMS[this.bundle]);
    const what = this.toString();
    if (m.mids.length === 0) {
      expectThrow(() => r.store.retrieve(this.bundle, q, this.beam), RangeError, what);
    } else {
      const hits = r.store.retrieve(this.bundle, q, this.beam);
      if (hits.length === 0) fail(`${what}: no hits from ${m.mids.length} mids`);
      const live = new Set(m.mids);
      const seen = new Set<number>();
      const field = (`${this.bundle}_dirn`) as "time_dirn" | "topic_dirn" | "ctx_dirn";
      const want = documentedScores(
        r.store.tree(this.bundle).structure(),
        q,
        (mid) => r.store.get(mid)![field],
      );
      hits.forEach((h, i) => {
        if (!live.has(h.mid)) fail(`${what}: returned mid ${h.mid}, not stored`);
        if (seen.has(h.mid)) fail(`${what}: mid ${h.mid} twice`);
        seen.add(h.mid);
        if (!(Math.abs(h.score - want.get(h.mid)!) <= 1e-12)) {
          fail(`${what}: mid ${h.mid} scored ${h.score}, documented score ${want.get(h.mid)}`);
        }
        const prev = hits[i - 1];
        if (prev && (prev.score < h.score || (prev.score === h.score && prev.mid > h.mid))) {
          fail(`${what}: not sorted by (−score, mid) at ${i}`);
        }
      });
    }
    r.counts.retrieve = (r.counts.retrieve ?? 0) + 1;
    agree(m, r, what);
  }
  toString = () => `retrieve(${this.bundle}, q${this.seed}, beam ${this.beam})`;
}

class Verify implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    const errs = r.store.verifyConsistency();
    if (m.pending.size === 0) {
      if (errs.length > 0) fail(`verify: ${errs.join("; ")}`);
    } else if (errs.length !== 1 || !/invariant 2: .*pending/.test(errs[0]!)) {
      fail(`verify: expected only the pending raw fields, got ${JSON.stringify(errs)}`);
    }
    const entries = r.store.entries();
    if (!checkAmsTripleDims(entries).pass) fail("verify: invariant 1 failed");
    const v2 = checkAmsNoRawLargeFields(entries);
    if (v2.figure !== 3 * m.pending.size) {
      fail(`verify: invariant 2 flags ${v2.figure}, model expects ${3 * m.pending.size}`);
    }
    const v2orig = checkAmsNoRawLargeFields(entries, { nested: false });
    if (v2orig.figure !== 0) fail(`verify: the original's route flags ${v2orig.figure}`);
    const n = m.mids.length;
    const v3 = checkAmsActiveKakeyaSets(r.registry ?? { slots: [] }, n, MIN_ENTRIES);
    const want3 = r.registry !== null || n < MIN_ENTRIES;
    if (v3.pass !== want3) fail(`verify: invariant 3 ${v3.pass}, model expects ${want3}`);
    if (r.registry !== null && !checkAmsKakeyaAlignment(r.registry, r.axes).pass) {
      fail("verify: invariant 4 failed after the build");
    }
    r.counts.verify = (r.counts.verify ?? 0) + 1;
    agree(m, r, "verify");
  }
  toString = () => "verify()";
}

class Build implements fc.Command<Model, Real> {
  check = (m: Readonly<Model>) => !m.built && m.mids.length >= MIN_ENTRIES;
  run(m: Model, r: Real): void {
    const pending = [...r.store.pendingLargeFields().values()];
    const corpus = Object.fromEntries(LARGE_FIELDS.map((f) => [f, stackField(pending, f)]));
    const reg = new KakeyaRegistry({ minEntries: MIN_ENTRIES });
    reg.build(corpus, r.axes);
    const encoded = r.store.attachKakeya((f) => reg.encode(f));
    if (encoded !== m.pending.size) fail(`build: encoded ${encoded} of ${m.pending.size}`);
    r.registry = reg;
    m.pending.clear();
    m.built = true;
    r.counts.build = (r.counts.build ?? 0) + 1;
    agree(m, r, "build");
  }
  toString = () => "buildRegistry()";
}

const addArb = fc.integer({ min: 0, max: 1e6 }).map((s) => new Add(s));
const commandsArb = fc.commands(
  [
    addArb,
    addArb,
    fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 2, maxLength: 8 })
      .map((seeds) => new AddMany(seeds)),
    fc.nat().map((p) => new Remove(p)),
    fc.nat().map((p) => new RemoveAbsent(p)),
    fc.tuple(
      fc.constantFrom<Bundle>("time", "topic", "ctx"),
      fc.nat(),
      fc.integer({ min: 1, max: 6 }),
    )
      .map(([b, s, w]) => new Retrieve(b, s, w)),
    fc.constant(new Verify()),
    fc.constant(new Build()),
  ],
  { maxCommands: 40, size: "large" },
);

claimTest(STORE_STATE_MACHINE, (): Measurement => {
  let runs = 0;
  const counts: Record<string, number> = {};
  let failures = 0;
  let message = "";
  try {
    fc.assert(
      fc.property(commandsArb, (cmds) => {
        const real: Real = { store: new MemStore(), registry: null, axes: bundleAxes(), counts };
        fc.modelRun(
          () => ({
            model: { mids: [], nextMid: 0, removed: [], pending: new Set<number>(), built: false },
            real,
          }),
          cmds,
        );
        runs++;
      }),
      fcParams(200),
    );
  } catch (e) {
    failures = 1;
    message = `${e instanceof Error ? e.message : e}`.slice(0, 1500) +
      `; ${replayHint(STORE_STATE_MACHINE.id)}`;
    console.error(message);
  }
  return {
    figure: failures,
    bound: 0,
    pass: failures === 0,
    detail: `${runs} sequences (≤ 40 commands); commands run ${JSON.stringify(counts)}` +
      (message ? `; ${message}` : ""),
  };
});

claimTest(STORE_ORIGINAL_TESTS, (): Measurement => {
  const bad: string[] = [];
  const expect = (ok: boolean, what: string) => ok || bad.push(what);
  const s1 = new MemStore();
  for (let i = 0; i < 5; i++) s1.add(makeEntry(100 + i, false));
  expect(s1.size === 5, "5 adds: size 5");
  for (const b of BUNDLES) expect(s1.tree(b).size === 5, `5 adds: ${b} tree size 5`);
  const s2 = new MemStore();
  const mids = Array.from({ length: 6 }, (_, i) => s2.add(makeEntry(200 + i, false)));
  s2.remove(mids[2]!);
  expect(s2.size === 5, "remove: size 5");
  for (const b of BUNDLES) {
    expect(s2.tree(b).size === 5 && !s2.tree(b).has(mids[2]!), `remove: ${b} tree`);
  }
  expect(new MemStore().verifyConsistency().length === 0, "verify empty");
  const s3 = new MemStore();
  for (let i = 0; i < 4; i++) s3.add(makeEntry(300 + i, false));
  expect(s3.verifyConsistency().length === 0, "verify populated");
  const s4 = new MemStore();
  const mid = s4.add(makeEntry(400, false));
  (s4.get(mid) as unknown as Record<string, unknown>).semantic_emb_raw = new Float32Array(1536);
  const v = checkAmsNoRawLargeFields(s4.entries());
  expect(!v.pass && v.worst.path === "semantic_emb_raw", "raw 1536-d attribute flagged");
  const errs = s4.verifyConsistency();
  expect(errs.length === 1 && errs[0]!.includes("semantic_emb_raw"), "verify names it");
  return { figure: bad.length, bound: 0, pass: bad.length === 0, detail: bad.join("; ") };
});

claimTest(STORE_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const store = new MemStore();
  for (let i = 0; i < 25; i++) store.add(makeEntry(500 + i));
  store.remove(3);
  const snapshot = () =>
    JSON.stringify({
      mids: store.mids(),
      next: store.nextMid,
      trees: BUNDLES.map((b) => store.tree(b).structure()),
      pending: [...store.pendingLargeFields().keys()],
    });
  const before = snapshot();
  const good = makeEntry(999);
  const withField = (f: string, v: unknown) => ({ ...good, [f]: v }) as typeof good;
  const nan = (d: number, at = 0) =>
    Float64Array.from({ length: d }, (_, i) => (i === at ? NaN : 0));
  const empty = new MemStore();
  const cases: FaultCase[] = [
    {
      name: "time_fiber of length 31",
      run: () => store.add(withField("time_fiber", new Float64Array(31))),
      expect: TypeError,
      mentions: ["time_fiber", "32"],
    },
    {
      name: "topic_dirn of length 12",
      run: () => store.add(withField("topic_dirn", new Float64Array(12))),
      expect: TypeError,
      mentions: ["topic_dirn", "16"],
    },
    {
      name: "missing ctx_base",
      run: () => store.add(withField("ctx_base", undefined)),
      expect: TypeError,
      mentions: ["ctx_base"],
    },
    {
      name: "non-unit time_dirn",
      run: () => store.add(withField("time_dirn", new Float64Array(8).fill(1))),
      expect: RangeError,
      mentions: ["time_dirn", "unit"],
    },
    {
      name: "topic base off the sphere",
      run: () => store.add(withField("topic_base", new Float64Array(16).fill(0.5))),
      expect: RangeError,
      mentions: ["topic_base", "unit"],
    },
    {
      name: "NaN fiber",
      run: () => store.add(withField("ctx_fiber", nan(48, 5))),
      expect: RangeError,
      mentions: ["ctx_fiber", "finite"],
    },
    {
      name: "infinite base",
      run: () => store.add(withField("time_base", new Float64Array(8).fill(Infinity))),
      expect: RangeError,
      mentions: ["time_base", "finite"],
    },
    {
      name: "NaN large field",
      run: () => store.add({ ...good, large_fields: { semantic_emb: nan(1536, 7) } }),
      expect: RangeError,
      mentions: ["semantic_emb", "finite"],
    },
    {
      name: "large_fields not an object",
      run: () => store.add({ ...good, large_fields: 5 as never }),
      expect: TypeError,
      mentions: ["large_fields"],
    },
    {
      name: "NaN surprise",
      run: () => store.add({ ...good, surprise: NaN }),
      expect: RangeError,
      mentions: ["surprise"],
    },
    {
      name: "retrieve from an empty store",
      run: () => empty.retrieve("topic", makeQuery(1, 16)),
      expect: RangeError,
      mentions: ["empty"],
    },
    {
      name: "remove a removed mid",
      run: () => store.remove(3),
      expect: RangeError,
      mentions: ["3", "not in the store"],
    },
    {
      name: "remove an unknown mid",
      run: () => store.remove(1000),
      expect: RangeError,
      mentions: ["1000"],
    },
    {
      name: "unknown bundle",
      run: () => store.retrieve("place" as Bundle, makeQuery(1, 16)),
      expect: TypeError,
      mentions: ["place"],
    },
    {
      name: "query of the wrong dim",
      run: () => store.retrieve("ctx", makeQuery(1, 16)),
      expect: TypeError,
      mentions: ["length 12"],
    },
    {
      name: "non-unit query",
      run: () => store.retrieve("time", new Float64Array(8).fill(1)),
      expect: RangeError,
      mentions: ["unit"],
    },
    {
      name: "encoder throws during attach",
      run: () =>
        store.attachKakeya(() => {
          throw new RangeError("encoder refused");
        }),
      expect: RangeError,
      mentions: ["encoder refused"],
    },
  ];
  const bad: string[] = [];
  for (const c of cases) {
    const r = await checkFault(c);
    if (r !== null) bad.push(r);
    else if (snapshot() !== before) bad.push(`${c.name}: the store changed`);
  }
  if (empty.size !== 0 || empty.nextMid !== 0) bad.push("the empty store changed");
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: `${cases.length} cases; ${bad.join("; ")}`,
  };
});
