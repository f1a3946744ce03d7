/**
 * Parity of the memories with the numpy f64 fixture (catalogue C1
 * DC-mem-fix), written from the catalogue's description by
 * fixtures/gen/decepticons_memory_fixtures.py.
 *
 * @module
 */
import { claimTest } from "../../_harness/claim.ts";
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

/** Worst |got − want| / max(|want|, 1) and exact-equality failures across named comparisons. */
class Parity {
  worst = 0;
  where = "";
  values = 0;
  failures: string[] = [];
  close(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
    if (got.length !== want.length) {
      this.failures.push(`${what}: length ${got.length} != ${want.length}`);
      return;
    }
    for (let i = 0; i < want.length; i++) {
      this.values++;
      const w = want[i]!;
      const err = Math.abs(got[i]! - w) / Math.max(Math.abs(w), 1);
      if (!(err <= this.worst)) {
        this.worst = Number.isNaN(err) ? Infinity : err;
        this.where = `${what}[${i}]`;
      }
    }
  }
  equal(what: string, got: number, want: number): void {
    this.values++;
    if (got !== want) this.failures.push(`${what}: ${got} != ${want}`);
  }
}

claimTest(MEMORY_FIXTURE_PARITY, async () => {
  const { data, integrity } = await loadMemoryFixture();
  const V = data.vocab_size;
  const p = new Parity();

  // OnlineCausalMemory, maxOrder 3, hashed like the original (no sharing at order 3).
  const on = data.online;
  p.close(
    "online.features",
    OnlineCausalMemory.trace(on.tokens, { vocabSize: V, maxOrder: 3, buckets: on.buckets }),
    on.features_order3,
  );

  // NgramMemory.
  const ngd = data.ngram;
  const ng = new NgramMemory({ vocabSize: V, buckets: ngd.buckets }).fit(ngd.train);
  for (const order of ["unigram", "bigram", "trigram", "max"] as NgramOrder[]) {
    p.close(`ngram.chosen.${order}`, ng.chosenProbs(ngd.test, order), ngd.chosen[order]);
  }
  p.close("ngram.unigram", ng.unigramProbs(), ngd.unigram);
  p.close("ngram.bigram", ng.bigramProbs(ngd.bigram_prev), ngd.bigram);
  p.close("ngram.trigram", ng.trigramProbs(...ngd.trigram_context), ngd.trigram);
  const wide = new NgramMemory({ vocabSize: 2048, buckets: ngd.buckets });
  for (const [l, r, b] of ngd.bucket_pairs) {
    p.equal(`ngram.bucket(${l}, ${r})`, wide.bucket(l, r), b);
    p.equal(`oracle bucket(${l}, ${r})`, ngramBucketU64(l, r, ngd.buckets), b);
  }

  // ExactContextMemory and the mixer.
  const exd = data.exact;
  const ex = new ExactContextMemory({ vocabSize: V, maxOrder: exd.max_order, alpha: exd.alpha })
    .fit(exd.train);
  exd.contexts.forEach((ctx, c) => {
    const got = ex.experts(ctx);
    const want = exd.experts[c]!;
    p.equal(`exact.experts[${c}].length`, got.length, want.length);
    want.forEach((w, k) => {
      const g = got[k]!;
      p.equal(`exact.experts[${c}][${k}].order`, g?.order, w.order);
      p.equal(`exact.experts[${c}][${k}].total`, g?.total, w.total);
      p.close(`exact.experts[${c}][${k}].support`, [g?.support ?? NaN], [w.support]);
      p.close(`exact.experts[${c}][${k}].probs`, g?.probs ?? [], w.probs);
    });
    const pd = ex.predictiveDistribution(ctx);
    p.equal(`exact.predictive[${c}].order`, pd.order, exd.predictive[c]!.order);
    p.close(`exact.predictive[${c}].probs`, pd.probs, exd.predictive[c]!.probs);
  });
  const mix = new SupportWeightedMixer().mix(
    ex.unigramDistribution(),
    ex.experts(exd.contexts[exd.mix_context]!),
  );
  p.close("mixer.weights", mix.weights, exd.mix_weights);
  p.close("mixer.probs", mix.probs, exd.mix_probs);

  // StatisticalBackoffMemory: the original's in-sample fit and the leave-one-out fit.
  const bo = data.backoff;
  const inSample = new StatisticalBackoffMemory({ vocabSize: V, fit: "in_sample" }).fit(bo.train);
  p.close("backoff.in_sample.weights", inSample.weights, bo.weights_in_sample);
  p.close("backoff.in_sample.nll", inSample.nll, bo.nll_in_sample);
  const loo = new StatisticalBackoffMemory({ vocabSize: V });
  const looReport = loo.fit(bo.train);
  p.close("backoff.loo.weights", looReport.weights, bo.weights_leave_one_out);
  p.close("backoff.loo.nll", looReport.nll, bo.nll_leave_one_out);
  p.close(
    "backoff.loo.probe",
    bo.probe.map((x, t) => loo.predict(bo.probe.slice(0, t))[x]!),
    bo.probe_chosen_leave_one_out,
  );

  const pass = p.failures.length === 0 && p.worst <= FIXTURE_F64_REL;
  return {
    figure: p.worst,
    bound: FIXTURE_F64_REL,
    pass,
    detail: p.failures.slice(0, 3).join("; ") ||
      `${p.values} values (online 400×7, n-gram, exact, mixer, back-off); worst at ${p.where}; ` +
        integrity,
  };
});
