/**
 * Properties shared by every causal memory:
 * causality, normalisation, monotone back-off, token validation.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { MEMORY_DIST_SUM_ABS } from "../../../invariants/tolerance.ts";
import {
  OCM_FEATURES,
  OnlineCausalMemory,
} from "../../../impl/decepticons/memory/online_causal.ts";
import {
  ExactContextMemory,
  SupportWeightedMixer,
} from "../../../impl/decepticons/memory/exact_context.ts";
import { NgramMemory } from "../../../impl/decepticons/memory/ngram.ts";
import { StatisticalBackoffMemory } from "../../../impl/decepticons/memory/statistical_backoff.ts";
import {
  MEMORY_BACKOFF_MONOTONE,
  MEMORY_CAUSALITY,
  MEMORY_NORMALISED,
  MEMORY_TOKEN_RANGE,
} from "./claims.ts";

/** A fuzz case: vocabulary, a training corpus, a traced stream, a position and a replacement. */
const caseArb = fc.constantFrom(2, 3, 8, 40).chain((V) =>
  fc.record({
    V: fc.constant(V),
    corpus: fc.array(fc.nat(V - 1), { maxLength: 60 }),
    seq: fc.array(fc.nat(V - 1), { minLength: 1, maxLength: 30 }),
    at: fc.nat(1000),
    shift: fc.integer({ min: 1, max: V - 1 }),
    alpha: fc.constantFrom(0.05, 0.5, 1e-3),
  })
);

interface Traces {
  name: string;
  width: number;
  trace(seq: number[]): Float64Array;
}

function memories(V: number, corpus: number[], alpha: number): Traces[] {
  const exact = new ExactContextMemory({ vocabSize: V, alpha }).fit(corpus);
  const ngram = new NgramMemory({
    vocabSize: V,
    bigramAlpha: alpha,
    trigramAlpha: alpha,
    buckets: 64,
  })
    .fit([corpus]);
  const backoff = new StatisticalBackoffMemory({ vocabSize: V, buckets: 64, steps: 16 });
  backoff.fit([corpus]);
  const backoffIn = new StatisticalBackoffMemory({ vocabSize: V, steps: 16, fit: "in_sample" });
  backoffIn.fit([corpus]);
  return [
    {
      name: "online",
      width: OCM_FEATURES,
      trace: (s) => OnlineCausalMemory.trace(s, { vocabSize: V, maxOrder: 4 }),
    },
    {
      name: "online(hashed)",
      width: OCM_FEATURES,
      trace: (s) => OnlineCausalMemory.trace(s, { vocabSize: V, buckets: 8192 }),
    },
    { name: "exact", width: V, trace: (s) => exact.trace(s) },
    { name: "ngram", width: V, trace: (s) => ngram.trace(s, "max") },
    { name: "backoff", width: V, trace: (s) => backoff.trace(s) },
    { name: "backoff(in_sample)", width: V, trace: (s) => backoffIn.trace(s) },
  ];
}

claimTest(MEMORY_CAUSALITY, () => {
  let worst = 0;
  let runs = 0;
  let rowsCompared = 0;
  let laterChanged = 0;
  fc.assert(
    fc.property(caseArb, ({ V, corpus, seq, at, shift, alpha }) => {
      runs++;
      const t = at % seq.length;
      const changed = seq.slice();
      changed[t] = (seq[t]! + shift) % V;
      for (const m of memories(V, corpus, alpha)) {
        const a = m.trace(seq);
        const b = m.trace(changed);
        // Rows 0..t: everything predicted before token t is read.
        for (let i = 0; i < (t + 1) * m.width; i++) {
          worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
        }
        for (let i = (t + 1) * m.width; i < a.length; i++) {
          if (a[i] !== b[i]) {
            laterChanged++;
            break;
          }
        }
        rowsCompared += t + 1;
      }
      return worst === 0;
    }),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: 0,
    pass: worst === 0 && laterChanged > 0,
    detail:
      `${runs} cases × 6 memories (online exact/hashed, exact, ngram, backoff LOO/in-sample), ` +
      `${rowsCompared} rows <= t identical; ${laterChanged} traces changed after t (the change ` +
      `is seen)`,
  };
});

claimTest(MEMORY_NORMALISED, () => {
  let worstSum = 0;
  let minP = Infinity;
  let rows = 0;
  let runs = 0;
  const check = (p: Float64Array, V: number) => {
    for (let r = 0; r * V < p.length; r++) {
      let s = 0;
      for (let v = 0; v < V; v++) {
        s += p[r * V + v]!;
        minP = Math.min(minP, p[r * V + v]!);
      }
      worstSum = Math.max(worstSum, Math.abs(s - 1));
      rows++;
    }
  };
  fc.assert(
    fc.property(caseArb, ({ V, corpus, seq, alpha }) => {
      runs++;
      for (const m of memories(V, corpus, alpha)) if (m.width === V) check(m.trace(seq), V);
      const exact = new ExactContextMemory({ vocabSize: V, alpha: 0 }).fit(corpus);
      check(exact.trace(seq), V); // α = 0: the 1e-12 floor keeps every entry positive
      const experts = exact.experts(seq);
      const mix = new SupportWeightedMixer().mix(exact.unigramDistribution(), experts);
      check(mix.probs, V);
      check(mix.weights, mix.weights.length);
      return worstSum <= MEMORY_DIST_SUM_ABS && minP > 0;
    }),
    fcParams(100),
  );
  // A large sparse vocabulary: V = 2048, ids above 255.
  const big = [300, 2047, 1500, 300, 2047, 1500, 7];
  const ng = new NgramMemory({ vocabSize: 2048 }).fit([big]);
  check(ng.trace(big), 2048);
  check(new ExactContextMemory({ vocabSize: 2048 }).fit(big).trace(big), 2048);
  return {
    figure: worstSum,
    bound: MEMORY_DIST_SUM_ABS,
    pass: worstSum <= MEMORY_DIST_SUM_ABS && minP > 0,
    detail: `${rows} distributions over ${runs} cases (+ V = 2048); min p = ${
      minP.toExponential(2)
    }`,
  };
});

claimTest(MEMORY_BACKOFF_MONOTONE, () => {
  const violations: string[] = [];
  let contexts = 0;
  fc.assert(
    fc.property(caseArb, ({ V, corpus, seq, alpha }) => {
      const exact = new ExactContextMemory({ vocabSize: V, alpha, maxOrder: 4 }).fit(corpus);
      // Contexts drawn from the corpus (seen) and from the stream (often unseen).
      const pool = [corpus, seq];
      for (const src of pool) {
        for (let end = 0; end <= src.length; end++) {
          contexts++;
          const ctx = src.slice(0, end);
          const experts = exact.experts(ctx);
          for (let k = 1; k < experts.length; k++) {
            if (experts[k]!.total > experts[k - 1]!.total) {
              violations.push(`totals rise at order ${k + 1} for [${ctx}]`);
            }
          }
          const seen = experts.filter((e) => e.total > 0).map((e) => e.order);
          const want = seen.length ? Math.max(...seen) : 0;
          const got = exact.predictiveDistribution(ctx);
          const wantProbs = want === 0 ? exact.unigramDistribution() : experts[want - 1]!.probs;
          if (got.order !== want || got.probs.some((p, v) => p !== wantProbs[v])) {
            violations.push(`back-off order ${got.order} != ${want} for [${ctx}]`);
          }
        }
      }
      // Statistical back-off: order min(len, 2), lower orders standing in for missing ones.
      const sb = new StatisticalBackoffMemory({ vocabSize: V, steps: 8 });
      sb.fit([corpus]);
      const [w0, w1, w2] = sb.weights;
      const uni = sb.ngram.unigramProbs();
      const bi = sb.ngram.bigramProbs(seq[0]!);
      const p0 = sb.predict([]);
      const p1 = sb.predict([seq[0]!]);
      for (let v = 0; v < V; v++) {
        if (Math.abs(p0[v]! - uni[v]!) > MEMORY_DIST_SUM_ABS) violations.push("len 0 != unigram");
        const mixed = w0! * uni[v]! + (w1! + w2!) * bi[v]!;
        if (Math.abs(p1[v]! - mixed) > MEMORY_DIST_SUM_ABS) violations.push("len 1 fallback");
      }
      let last = -1;
      for (let L = 0; L <= seq.length; L++) {
        const o = StatisticalBackoffMemory.orderFor(L);
        if (o < last) violations.push(`order falls at length ${L}`);
        last = o;
      }
      return violations.length === 0;
    }),
    fcParams(100),
  );
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.slice(0, 3).join("; ") ||
      `${contexts} exact contexts (maxOrder 4): totals non-increasing, back-off to the highest ` +
        "seen order; statistical order min(len, 2) with lower-order fallbacks",
  };
});

claimTest(MEMORY_TOKEN_RANGE, () => {
  const deviations: string[] = [];
  const V = 300;
  const users: [string, (s: number[]) => unknown][] = [
    ["online.update", (s) => s.forEach((t) => new OnlineCausalMemory({ vocabSize: V }).update(t))],
    ["online.trace", (s) => OnlineCausalMemory.trace(s, { vocabSize: V })],
    ["exact.fit", (s) => new ExactContextMemory({ vocabSize: V }).fit(s)],
    ["exact.experts", (s) => new ExactContextMemory({ vocabSize: V }).experts(s)],
    ["ngram.update", (s) => new NgramMemory({ vocabSize: V }).update(s)],
    ["ngram.chosenProbs", (s) => new NgramMemory({ vocabSize: V }).chosenProbs(s, "max")],
    ["backoff.fit", (s) => new StatisticalBackoffMemory({ vocabSize: V }).fit([s])],
  ];
  for (const [name, use] of users) {
    try {
      use([5, 299, 256]); // ids above 255 are kept at V = 300
    } catch (e) {
      deviations.push(`${name} rejected valid ids: ${e}`);
    }
    for (const bad of [-1, 300, 2.5]) {
      try {
        use([1, 2, bad]);
        deviations.push(`${name} accepted ${bad}`);
      } catch (e) {
        const index = name === "online.update" ? 0 : 2;
        if (!(e instanceof RangeError) || !e.message.includes(`token ${bad} at index ${index}`)) {
          deviations.push(`${name}(${bad}): ${e}`);
        }
      }
    }
  }
  return {
    figure: deviations.length,
    bound: 0,
    pass: deviations.length === 0,
    detail: deviations.slice(0, 3).join("; ") ||
      `${users.length} entry points: ids 256 and 299 kept at V = 300; −1, 300, 2.5 rejected`,
  };
});
