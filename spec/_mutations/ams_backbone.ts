/**
 * Planted bugs of AMS v4's lexical backbone (impl/ams/backbone/lexical.ts) and the session
 * harness's tier 0 (impl/ams/session/session.ts): each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const LEXICAL = "impl/ams/backbone/lexical.ts";
const SESSION = "impl/ams/session/session.ts";
const BACKBONE_TESTS = ["spec/ams/backbone/backbone_test.ts"];
const SESSION_TESTS = ["spec/ams/session/session_test.ts"];

/** The planted bugs of the lexical backbone and the tier-0 harness. */
export const AMS_BACKBONE_MUTATIONS: readonly Mutation[] = [
  planted("backbone", "stemming_removed", "forward", {
    file: LEXICAL,
    find: '.map((w) => stem(w.replaceAll("\'", "")));',
    replace: '.map((w) => w.replaceAll("\'", ""));',
    tests: BACKBONE_TESTS,
    filter: claims("backbone", "property_tokenizer", "property_determinism"),
    why: "the tokeniser skips the suffix stemmer: name/named, travel/traveled and plural and " +
      "singular forms hash to different buckets, so inflected forms no longer match",
  }),
  planted("backbone", "idf_not_applied", "forward", {
    file: LEXICAL,
    find: "for (const b of ids) v[b] = v[b]! + this.#idf[b]!;",
    replace: "for (const b of ids) v[b] = v[b]! + 1;",
    tests: BACKBONE_TESTS,
    filter: claims("backbone", "property_tfidf", "property_token_table", "property_determinism"),
    why: "the pooled state is the normalised raw term-count vector: the fitted IDF is computed " +
      "but never weights the counts, so common words weigh as much as rare ones",
  }),
  planted("session", "n_facts_off_by_one", "forward", {
    file: SESSION,
    find: "const facts = SESSION_FACTS.slice(0, nFacts);",
    replace: "const facts = SESSION_FACTS.slice(0, nFacts - 1);",
    tests: SESSION_TESTS,
    filter: claims("session", "property_plumbing", "behaviour_lexical_floor"),
    why: "--n-facts N writes the first N − 1 facts: at N = 10 the last gold fact (coral) is " +
      "never written, and at N = 20 the last distractor is missing",
  }),
];
