/**
 * Parity of the memories with the numpy f64 fixture written by
 * fixtures/gen/decepticons_memory_fixtures.py.
 *
 * @module
 */
import { claimTest } from "../../_harness/claim.ts";
import {
  type Bounds,
  differential,
  type Outputs,
  relativeBounds,
} from "../../_harness/differential.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { OnlineCausalMemory } from "../../../impl/decepticons/memory/online_causal.ts";
import {
  ExactContextMemory,
  SupportWeightedMixer,
} from "../../../impl/decepticons/memory/exact_context.ts";
import { NgramMemory, type NgramOrder } from "../../../impl/decepticons/memory/ngram.ts";
import { StatisticalBackoffMemory } from "../../../impl/decepticons/memory/statistical_backoff.ts";
import { ngramBucketU64 } from "../../oracle/decepticons/memory.ts";
import { MEMORY_FIXTURE_PARITY } from "./claims.ts";
import { loadMemoryFixture } from "./_fixture_loader.ts";

/** One component: what the implementation gives and what numpy wrote, by output name. */
interface Component {
  readonly impl: () => Outputs;
  readonly numpy: Outputs;
  /** Outputs that must match exactly (orders, counts, bucket ids). */
  readonly exact: readonly string[];
}

/** `|got − numpy| ≤ FIXTURE_F64_REL·max(|numpy|, 1)`, or 0 for the exact outputs. */
function fixtureBounds(c: Component, numpy: Outputs): Bounds {
  const out: Record<string, ArrayLike<number> | number> = {};
  for (const [key, want] of Object.entries(numpy)) {
    out[key] = c.exact.includes(key) ? 0 : relativeBounds(want, FIXTURE_F64_REL);
  }
  return out;
}

claimTest(MEMORY_FIXTURE_PARITY, async (t) => {
  const { data, integrity } = await loadMemoryFixture();
  const V = data.vocab_size;
  const on = data.online;
  const ngd = data.ngram;
  const exd = data.exact;
  const bo = data.backoff;
  const orders = ["unigram", "bigram", "trigram", "max"] as NgramOrder[];

  // OnlineCausalMemory, maxOrder 3, hashed like the original (no sharing at order 3).
  const online: Component = {
    impl: () => ({
      features: OnlineCausalMemory.trace(on.tokens, {
        vocabSize: V,
        maxOrder: 3,
        buckets: on.buckets,
      }),
    }),
    numpy: { features: on.features_order3 },
    exact: [],
  };

  const ngram: Component = {
    impl: () => {
      const ng = new NgramMemory({ vocabSize: V, buckets: ngd.buckets }).fit(ngd.train);
      const wide = new NgramMemory({ vocabSize: 2048, buckets: ngd.buckets });
      return {
        ...Object.fromEntries(orders.map((o) => [`chosen.${o}`, ng.chosenProbs(ngd.test, o)])),
        unigram: ng.unigramProbs(),
        bigram: ng.bigramProbs(ngd.bigram_prev),
        trigram: ng.trigramProbs(...ngd.trigram_context),
        bucket: ngd.bucket_pairs.map(([l, r]) => wide.bucket(l, r)),
        "oracle bucket": ngd.bucket_pairs.map(([l, r]) => ngramBucketU64(l, r, ngd.buckets)),
      };
    },
    numpy: {
      ...Object.fromEntries(orders.map((o) => [`chosen.${o}`, ngd.chosen[o]])),
      unigram: ngd.unigram,
      bigram: ngd.bigram,
      trigram: ngd.trigram,
      bucket: ngd.bucket_pairs.map(([, , b]) => b),
      "oracle bucket": ngd.bucket_pairs.map(([, , b]) => b),
    },
    exact: ["bucket", "oracle bucket"],
  };

  // ExactContextMemory: every context's experts (order, total, support, probabilities) and
  // predictive distribution.
  const fitExact = () =>
    new ExactContextMemory({ vocabSize: V, maxOrder: exd.max_order, alpha: exd.alpha })
      .fit(exd.train);
  const exactNumpy: Record<string, ArrayLike<number>> = {};
  const exactKeys: string[] = [];
  exd.contexts.forEach((_ctx, c) => {
    const want = exd.experts[c]!;
    exactNumpy[`experts[${c}].length`] = [want.length];
    exactNumpy[`experts[${c}].order`] = want.map((w) => w.order);
    exactNumpy[`experts[${c}].total`] = want.map((w) => w.total);
    exactNumpy[`experts[${c}].support`] = want.map((w) => w.support);
    want.forEach((w, k) => exactNumpy[`experts[${c}][${k}].probs`] = w.probs);
    exactNumpy[`predictive[${c}].order`] = [exd.predictive[c]!.order];
    exactNumpy[`predictive[${c}].probs`] = exd.predictive[c]!.probs;
    exactKeys.push(
      `experts[${c}].length`,
      `experts[${c}].order`,
      `experts[${c}].total`,
      `predictive[${c}].order`,
    );
  });
  const exact: Component = {
    impl: () => {
      const ex = fitExact();
      const out: Record<string, ArrayLike<number>> = {};
      exd.contexts.forEach((ctx, c) => {
        const got = ex.experts(ctx);
        const want = exd.experts[c]!;
        // Compared over the fixture's experts: a missing one reads NaN and fails.
        const at = (k: number) => got[k];
        out[`experts[${c}].length`] = [got.length];
        out[`experts[${c}].order`] = want.map((_, k) => at(k)?.order ?? NaN);
        out[`experts[${c}].total`] = want.map((_, k) => at(k)?.total ?? NaN);
        out[`experts[${c}].support`] = want.map((_, k) => at(k)?.support ?? NaN);
        want.forEach((_, k) => out[`experts[${c}][${k}].probs`] = at(k)?.probs ?? []);
        const pd = ex.predictiveDistribution(ctx);
        out[`predictive[${c}].order`] = [pd.order];
        out[`predictive[${c}].probs`] = pd.probs;
      });
      return out;
    },
    numpy: exactNumpy,
    exact: exactKeys,
  };

  const mixer: Component = {
    impl: () => {
      const ex = fitExact();
      const mix = new SupportWeightedMixer().mix(
        ex.unigramDistribution(),
        ex.experts(exd.contexts[exd.mix_context]!),
      );
      return { weights: mix.weights, probs: mix.probs };
    },
    numpy: { weights: exd.mix_weights, probs: exd.mix_probs },
    exact: [],
  };

  // StatisticalBackoffMemory: the original's in-sample fit and the leave-one-out fit.
  const inSample: Component = {
    impl: () => {
      const m = new StatisticalBackoffMemory({ vocabSize: V, fit: "in_sample" }).fit(bo.train);
      return { weights: m.weights, nll: m.nll };
    },
    numpy: { weights: bo.weights_in_sample, nll: bo.nll_in_sample },
    exact: [],
  };
  const leaveOneOut: Component = {
    impl: () => {
      const loo = new StatisticalBackoffMemory({ vocabSize: V });
      const report = loo.fit(bo.train);
      return {
        weights: report.weights,
        nll: report.nll,
        probe: bo.probe.map((x, i) => loo.predict(bo.probe.slice(0, i))[x]!),
      };
    },
    numpy: {
      weights: bo.weights_leave_one_out,
      nll: bo.nll_leave_one_out,
      probe: bo.probe_chosen_leave_one_out,
    },
    exact: [],
  };

  const m = await differential<Component>(t, {
    cases: [
      { name: `online maxOrder 3 (${on.tokens.length} tokens)`, input: online },
      { name: "ngram", input: ngram },
      { name: "exact context", input: exact },
      { name: "mixer", input: mixer },
      { name: "backoff in_sample", input: inSample },
      { name: "backoff leave_one_out", input: leaveOneOut },
    ],
    gpu: (c) => c.impl(),
    oracle: (c) => c.numpy,
    bound: fixtureBounds,
  });
  return { ...m, detail: `${m.detail}; ratio = |got − numpy| / bound; ${integrity}` };
});
