/**
 * Behaviour of the individual memories (the original's exact_context.py,
 * ngram_memory.py, statistical_backoff.py): n-gram order
 * modes, exact-context back-off and mixer, and the leave-one-out back-off fit.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { encodeText } from "../../../impl/decepticons/codec/codec.ts";
import {
  ExactContextMemory,
  SupportWeightedMixer,
} from "../../../impl/decepticons/memory/exact_context.ts";
import { NgramMemory } from "../../../impl/decepticons/memory/ngram.ts";
import { StatisticalBackoffMemory } from "../../../impl/decepticons/memory/statistical_backoff.ts";
import { ngramBucketU64 } from "../../oracle/decepticons/memory.ts";
import { BACKOFF_LEAVE_ONE_OUT, EXACT_CONTEXT_MIXER, NGRAM_MODES } from "./claims.ts";

const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((x, i) => x === b[i]);

claimTest(NGRAM_MODES, () => {
  const failures: string[] = [];
  let runs = 0;
  const seqs = fc.array(fc.array(fc.nat(5), { maxLength: 30 }), { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(seqs, fc.array(fc.nat(5), { minLength: 2, maxLength: 20 }), (corpus, probe) => {
      runs++;
      const fitted = new NgramMemory({ vocabSize: 6, buckets: 16 }).fit(corpus);
      const stepwise = new NgramMemory({ vocabSize: 6, buckets: 16 });
      for (const s of corpus) stepwise.update(s);
      const tri = fitted.chosenProbs(probe, "trigram");
      const uni = fitted.chosenProbs(probe, "unigram");
      const bi = fitted.chosenProbs(probe, "bigram");
      if (tri[0] !== uni[0]) failures.push("trigram[0] != unigram[0]");
      if (tri[1] !== bi[1]) failures.push("trigram[1] != bigram[1]");
      if (!same(tri, fitted.chosenProbs(probe, "max"))) failures.push("trigram != max");
      for (const order of ["unigram", "bigram", "trigram"] as const) {
        if (!same(fitted.trace(probe, order), stepwise.trace(probe, order))) {
          failures.push(`update != fit (${order})`);
        }
        // chosenProbs[i] is the row entry of the actual token.
        const rows = fitted.trace(probe, order);
        const chosen = fitted.chosenProbs(probe, order);
        if (!probe.every((x, t) => rows[t * 6 + x] === chosen[t])) failures.push("chosen != row");
      }
      return failures.length === 0;
    }),
    fcParams(100),
  );
  // The 32-bit bucket against wrapping uint64 arithmetic (BigInt), 500 pairs incl. large ids.
  const m = new NgramMemory({ vocabSize: 1 << 16, buckets: 4096 });
  let pairs = 0;
  fc.assert(
    fc.property(fc.nat(65535), fc.nat(65535), (l, r) => {
      pairs++;
      const ok = m.bucket(l, r) === ngramBucketU64(l, r, 4096);
      if (!ok) failures.push(`bucket(${l}, ${r})`);
      return ok;
    }),
    fcParams(500),
  );
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.slice(0, 3).join("; ") ||
      `${runs} corpora × probes: order modes, update ≡ fit, chosen ≡ row; ${pairs} bucket pairs`,
  };
});

claimTest(EXACT_CONTEXT_MIXER, () => {
  const failures: string[] = [];
  const abab = Array.from(encodeText("ab".repeat(20)));
  const a = 97;
  const mem = new ExactContextMemory().fit(abab);
  const experts = mem.experts(Array.from(encodeText("ab")));
  for (const e of experts) {
    const argmax = e.probs.indexOf(Math.max(...e.probs));
    if (argmax !== a || !(e.support > 0)) {
      failures.push(`order ${e.order} prefers ${argmax}, support ${e.support}`);
    }
  }
  if (experts.length !== 2) failures.push(`${experts.length} experts after "ab", want 2`);
  // Unseen context: exactly the unigram.
  const unseen = mem.predictiveDistribution(Array.from(encodeText("zz")));
  if (unseen.order !== 0 || !same(unseen.probs, mem.unigramDistribution())) {
    failures.push("unseen context is not the unigram");
  }
  // Ids above 255 at V = 2048.
  const wide = new ExactContextMemory({ vocabSize: 2048 }).fit([1000, 2000, 1000, 2000, 1000]);
  const w = wide.predictiveDistribution([1000]);
  if (w.order !== 1 || w.probs.indexOf(Math.max(...w.probs)) !== 2000) {
    failures.push("V = 2048 does not predict 2000 after 1000");
  }
  // Mixer: weights sum to 1; high support moves mass to the exact expert.
  const mixer = new SupportWeightedMixer();
  const base = new Float64Array(4).fill(0.25);
  const expert = new Float64Array([0.97, 0.01, 0.01, 0.01]);
  const low = mixer.mix(base, [{ probs: expert, support: 0 }]);
  const high = mixer.mix(base, [{ probs: expert, support: Math.log1p(1e4) }]);
  const sumErr = Math.max(
    Math.abs(low.weights[0]! + low.weights[1]! - 1),
    Math.abs(high.weights[0]! + high.weights[1]! - 1),
  );
  if (!(sumErr <= 1e-12)) failures.push(`weights sum off by ${sumErr}`);
  if (!(high.weights[1]! > high.weights[0]!) || !(high.probs[0]! > low.probs[0]!)) {
    failures.push("support does not shift mass to the expert");
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.join("; ") ||
      `after "ab": p(a) = ${experts.map((e) => e.probs[a]!.toFixed(3)).join(", ")}; mixer ` +
        `expert weight ${low.weights[1]!.toFixed(3)} at support 0 → ` +
        `${high.weights[1]!.toFixed(3)} at log1p(1e4)`,
  };
});

/** A deterministic word stream (LCG-drawn words), for held-out scoring. */
function wordStream(n: number, seed: number): number[] {
  const words = ["the", "memory", "counts", "causal", "bytes", "order", "table", "of", "a", "and"];
  let s = seed >>> 0;
  let text = "";
  while (text.length < n) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    text += words[s % words.length]! + ((s >>> 16) % 7 === 0 ? ".\n" : " ");
  }
  return Array.from(encodeText(text.slice(0, n)));
}

const mean = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;

claimTest(BACKOFF_LEAVE_ONE_OUT, () => {
  const failures: string[] = [];
  const train = wordStream(500, 1);
  const test = wordStream(2000, 2);
  const fits = (["leave_one_out", "in_sample"] as const).map((fit) => {
    const m = new StatisticalBackoffMemory({ fit });
    const report = m.fit([train]);
    const w = report.weights;
    if (!(w.every((x) => x >= 0) && Math.abs(w[0]! + w[1]! + w[2]! - 1) <= 1e-9)) {
      failures.push(`${fit}: weights off the simplex`);
    }
    if (!report.nll.every((x, i) => i === 0 || x <= report.nll[i - 1]!)) {
      failures.push(`${fit}: EG NLL increased`);
    }
    const bits = m.bits(test);
    if (!bits.every((b) => b >= 0)) failures.push(`${fit}: negative bits`);
    return { w, heldOut: mean(bits) };
  });
  const [loo, inSample] = fits as [(typeof fits)[0], (typeof fits)[0]];
  const gap = loo.heldOut - inSample.heldOut;
  // The original's finding on 20 repeats of the fox sentence: collapse onto the trigram, 0.082 bits.
  const fox = Array.from(encodeText("the quick brown fox jumps over the lazy dog. ".repeat(20)));
  const orig = new StatisticalBackoffMemory({ fit: "in_sample" });
  const w = orig.fit([fox]).weights;
  const foxBits = mean(orig.bits(fox));
  if (!(w[2]! > 0.9999) || Math.abs(foxBits - 0.082) > 5e-4) {
    failures.push(`in-sample fox: w = [${w}], ${foxBits} bits (the original: [0, 0, 1.0], 0.082)`);
  }
  const f = (x: Float64Array) => `[${Array.from(x, (v) => v.toFixed(4)).join(", ")}]`;
  return {
    figure: gap,
    bound: 0,
    pass: gap <= 0 && failures.length === 0,
    detail: failures.join("; ") ||
      `held-out bits/token ${loo.heldOut.toFixed(4)} (leave-one-out, w = ${f(loo.w)}) vs ` +
        `${inSample.heldOut.toFixed(4)} (in sample, w = ${f(inSample.w)}); in-sample on the ` +
        `fox text: w3 = ${w[2]!.toFixed(5)}, ${foxBits.toFixed(4)} bits (the original: 0.082)`,
  };
});
