/**
 * Claims of the amygdala corpus (impl/amygdala/corpus, impl/amygdala/activations): the
 * positives/negatives rule, activations once per unique text, last-non-pad pooling with the
 * padding side explicit, and the preflight faults. Tested in ./corpus_test.ts.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const RULE = "kent/consciousness:training/amygdala_training/train_steering_vectors.py " +
  "(Kent Overstreet's amygdala trainer), docstring: positives(E) = stories/E.txt ∪ " +
  "paired/S/E.txt; negatives(E) = other concepts' stories ∪ every paired/S/baseline.txt; " +
  "corpus layout kent/consciousness:training/amygdala_stories/";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "amygdala", ...c });
}

/** The positives/negatives rule, on the shipped corpus and fuzzed corpora. */
export const CORPUS_RULE = claim({
  id: "amygdala.corpus.property_rule",
  kind: "property",
  statement: "conceptSets returns, for every concept, positives = stories/E ∪ paired/S/E and " +
    "negatives = the other concepts' stories ∪ every paired baseline, each without repeats, " +
    "disjoint, on the shipped concept corpus and on fuzzed corpora written to disk (concepts " +
    "with stories only, paired only, or both; texts repeated across files)",
  source: RULE,
  bound: "concepts whose sets differ from an independent enumeration of the rule == 0 " +
    "(shipped corpus + 40 fuzzed corpora)",
  direction: "==",
});

/** Activations once per unique text. */
export const CORPUS_DEDUP = claim({
  id: "amygdala.corpus.property_dedup",
  kind: "property",
  statement: "training a readout asks its activation source for each distinct text exactly " +
    "once (in one call), although a text is a positive of one concept and a negative of the " +
    "others, and a text repeated across files appears in several sets",
  source: `${RULE}; the trainer rewrite's "activations computed once per unique text"`,
  bound: "texts asked for more than once + texts used but never asked for + extra calls == 0",
  direction: "==",
});

/** Pooling reads the last real token; a left-padded batch is detected. */
export const CORPUS_POOLING = claim({
  id: "amygdala.corpus.property_pooling",
  kind: "property",
  statement: "poolLast reads each row's last real token: index Σmask − 1 for a right-padded " +
    "batch, T − 1 for a batch declared left-padded; a left-padded batch pooled as " +
    "right-padded (where Σmask − 1 reads a pad) is refused with a CorpusError, as is a " +
    "right-padded batch declared left-padded, a mask with holes or an empty row",
  source: "kent/consciousness:training/amygdala_training/train_steering_vectors.py _pool_last " +
    "(hidden state at sum(attention_mask) − 1, which assumes right padding)",
  bound: "fuzzed batches (fast-check, 200 runs) pooled to a wrong row + mis-padded batches " +
    "accepted == 0",
  direction: "==",
  divergence: "The original's _pool_last assumes right padding: on a left-padded batch " +
    "(tokenizer padding_side='left') it silently reads a pad position for every row shorter " +
    "than the batch. memspec makes the side explicit and refuses the mismatch.",
});

/** Preflight faults, before any model work. */
export const CORPUS_FAULT = claim({
  id: "amygdala.corpus.fault",
  kind: "fault",
  statement: "preflight refuses, with a CorpusError naming the folder, file or concept and " +
    "before any activation is computed: a missing corpus folder, a corpus with neither " +
    "stories/ nor paired/, a scenario without baseline, a malformed concept name, a concept " +
    "with fewer positives than required, a corpus whose texts are all empty; empty files are " +
    "skipped with a warning naming them; training refuses layers of different hidden sizes, an " +
    "unknown layer, a source without per-byte states for the subspace method, and NaN or " +
    "mis-sized activations (naming the layer and the text); " +
    "`deno task amygdala train` refuses a missing corpus and layers of different hidden " +
    "sizes before the byte LM is built, writing nothing, an unknown --method or --model, " +
    "--lm-steps with --model stack, and a model.json naming no known model",
  source: `${RULE}; the trainer's preflight checks (directories exist, enough positives per ` +
    "concept, empty files skipped with a warning)",
  bound: "cases without the documented error or warning, or with activations computed == 0",
  direction: "==",
});
