/**
 * Memory-cache views: fixture parity, mode identities (fuzzed), the back-off availability flag,
 * bad input.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { differential, type Outputs, relativeBounds } from "../../_harness/differential.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { ExactContextMemory } from "../../../impl/decepticons/memory/exact_context.ts";
import { StatisticalBackoffMemory } from "../../../impl/decepticons/memory/statistical_backoff.ts";
import {
  type ExactCacheMode,
  ExactContextCache,
  StatisticalBackoffCache,
} from "../../../impl/decepticons/memory_cache/memory_cache.ts";
import { CACHE_AVAILABLE, CACHE_FAULT, CACHE_FIXTURE, CACHE_MODES } from "./claims.ts";

interface StoredCache {
  format: string;
  vocab_size: number;
  train: EncodedArray;
  contexts: EncodedArray[];
  exact: {
    max_order: number;
    alpha: number;
    summaries: {
      orders: EncodedArray;
      totals: EncodedArray;
      supports: EncodedArray;
      probs: EncodedArray;
      confidence: EncodedArray;
      active: number;
    }[];
  };
  backoff: {
    weights: EncodedArray;
    summaries: {
      probs: EncodedArray;
      totals: EncodedArray;
      available: EncodedArray;
      active: number;
      mixed: EncodedArray;
    }[];
  };
}

/** Uniform up to the smoothing's rounding: (α/V)/α and a renormalisation, a few ulps. */
const UNIFORM_REL = 4 * 2 ** -52;

const bytes = (s: string) => Array.from(new TextEncoder().encode(s));

claimTest(CACHE_FIXTURE, async (t) => {
  const { data: s, integrity } = await loadPinnedJson<StoredCache>(
    "fixtures/decepticons/cache.json",
    "memspec.decepticons.cache.v1",
  );
  const V = s.vocab_size;
  const train = ints(s.train, "train");
  const contexts = s.contexts.map((c, i) => ints(c, `contexts[${i}]`));
  const exact = new ExactContextCache(
    new ExactContextMemory({ vocabSize: V, maxOrder: s.exact.max_order, alpha: s.exact.alpha })
      .fit(train),
  );
  const bm = new StatisticalBackoffMemory({ vocabSize: V });
  bm.fit([train]);
  const backoff = new StatisticalBackoffCache(bm);
  const exactKeys = ["orders", "totals", "active", "available", "backoff totals", "backoff active"];
  const m = await differential(t, {
    cases: contexts.map((ctx, i) => ({ name: `context ${i} [${ctx}]`, input: i })),
    gpu: (i) => {
      const ctx = contexts[i]!;
      const e = exact.predictionSummary(ctx);
      const b = backoff.predictionSummary(ctx);
      return {
        orders: e.records.map((r) => r.order),
        totals: e.records.map((r) => r.total),
        supports: e.records.map((r) => r.support),
        probs: e.records.flatMap((r) => [...r.probs]),
        confidence: e.records.map((r) => r.confidence),
        active: [e.active],
        "backoff probs": b.records.flatMap((r) => [...r.probs]),
        "backoff totals": b.records.map((r) => r.total),
        available: b.records.map((r) => +r.available),
        "backoff active": [b.active],
        mixed: backoff.predict(ctx, "mixed"),
        weights: b.records.map((r) => r.weight),
      };
    },
    oracle: (i) => {
      const e = s.exact.summaries[i]!;
      const b = s.backoff.summaries[i]!;
      return {
        orders: ints(e.orders, "orders"),
        totals: f64(e.totals, "totals"),
        supports: f64(e.supports, "supports"),
        probs: f64(e.probs, "probs"),
        confidence: f64(e.confidence, "confidence"),
        active: [e.active],
        "backoff probs": f64(b.probs, "backoff probs"),
        "backoff totals": f64(b.totals, "backoff totals"),
        available: ints(b.available, "available"),
        "backoff active": [b.active],
        mixed: f64(b.mixed, "mixed"),
        weights: f64(s.backoff.weights, "weights"),
      };
    },
    bound: (_i, o: Outputs) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [
          k,
          exactKeys.includes(k) ? 0 : relativeBounds(v, FIXTURE_F64_REL),
        ]),
      ),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(CACHE_MODES, () => {
  const failures: string[] = [];
  let runs = 0;
  const V = 6;
  const arb = fc.tuple(
    fc.array(fc.nat(V - 1), { minLength: 1, maxLength: 40 }),
    fc.array(fc.nat(V - 1), { maxLength: 5 }),
  );
  fc.assert(
    fc.property(arb, ([train, ctx]) => {
      runs++;
      const mem = new ExactContextMemory({ vocabSize: V }).fit(train);
      const cache = new ExactContextCache(mem);
      const bm = new StatisticalBackoffMemory({ vocabSize: V, buckets: 64, steps: 8 });
      bm.fit([train]);
      const bc = new StatisticalBackoffCache(bm);
      const bad: string[] = [];
      const same = (a: Float64Array, b: Float64Array) => a.every((x, i) => x === b[i]);
      if (!same(cache.predict(ctx, "active"), mem.predictiveDistribution(ctx).probs)) {
        bad.push("exact active");
      }
      if (!same(bc.predict(ctx, "mixed"), bm.predict(ctx))) bad.push("backoff mixed");
      const s = cache.predictionSummary(ctx);
      if (s.records.every((r, k) => k === 0 || r.total === 0)) {
        // Unseen at every order: active is the unigram, highest is uniform.
        if (s.active !== 0 || !same(cache.predict(ctx, "active"), mem.unigramDistribution())) {
          bad.push("unseen active");
        }
        if (
          ctx.length > 0 &&
          !cache.predict(ctx, "highest_order").every((p) => Math.abs(p * V - 1) <= UNIFORM_REL)
        ) bad.push("unseen highest");
      }
      const recs = [...s.records, ...bc.predictionSummary(ctx).records];
      for (const r of recs) {
        const sum = r.probs.reduce((a, x) => a + x, 0);
        if (!(Math.abs(sum - 1) <= 1e-12) || r.probs.some((p) => !(p > 0))) bad.push("not a dist");
      }
      if (bad.length) failures.push(`train [${train}] ctx [${ctx}]: ${bad.join(", ")}`);
      return bad.length === 0;
    }),
    fcParams(150),
  );
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${runs} fuzzed corpora and contexts; ${failures.slice(0, 2).join("; ")}`,
  };
});

claimTest(CACHE_AVAILABLE, () => {
  const train = bytes("the cat sat on the mat. the cat ate the rat.");
  const bm = new StatisticalBackoffMemory();
  bm.fit([train]);
  const cache = new StatisticalBackoffCache(bm);
  const unseen = cache.predictionSummary([9, 9]);
  const seen = cache.predictionSummary(bytes("ca"));
  const catCount = train.filter((_x, i) => i > 0 && train[i - 1] === bytes("a")[0]).length;
  const deviations = [
    unseen.records[2]!.available !== true,
    unseen.active !== 2,
    unseen.records[2]!.total !== 0,
    unseen.records[1]!.total !== 0,
    seen.records[1]!.total !== catCount,
    !seen.records.every((r) => r.available),
  ].filter(Boolean).length;
  return {
    figure: deviations,
    bound: 0,
    pass: deviations === 0,
    detail: `[9, 9]: available ${unseen.records[2]!.available}, active ${unseen.active}, ` +
      `total ${unseen.records[2]!.total}; "a" seen ${seen.records[1]!.total} times`,
  };
});

claimTest(CACHE_FAULT, async () => {
  const mem = new ExactContextMemory({ vocabSize: 4 }).fit([0, 1, 2, 3]);
  const cache = new ExactContextCache(mem);
  const bm = new StatisticalBackoffMemory({ vocabSize: 4 });
  bm.fit([[0, 1, 2, 3]]);
  const bc = new StatisticalBackoffCache(bm);
  const cases = [
    {
      name: "exact cache over a number",
      run: () => new ExactContextCache(3 as unknown as ExactContextMemory),
      expect: TypeError,
      mentions: ["ExactContextCache"],
    },
    {
      name: "backoff cache over an exact memory",
      run: () => new StatisticalBackoffCache(mem as unknown as StatisticalBackoffMemory),
      expect: TypeError,
      mentions: ["StatisticalBackoffCache"],
    },
    {
      name: "exact cache in mixed mode",
      run: () => cache.predict([0], "mixed" as unknown as ExactCacheMode),
      expect: TypeError,
      mentions: ["mixed"],
    },
    {
      name: "backoff cache in an unknown mode",
      run: () => bc.predict([0], "best" as unknown as "mixed"),
      expect: TypeError,
      mentions: ["best"],
    },
    {
      name: "exact context id 4 at V = 4",
      run: () => cache.predictionSummary([1, 4]),
      expect: RangeError,
      mentions: ["token 4"],
    },
    {
      name: "backoff context id −1",
      run: () => bc.predictionSummary([-1]),
      expect: RangeError,
      mentions: ["token -1"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
