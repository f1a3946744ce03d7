/**
 * Recall@k of retrieval results: for one query, the fraction of its relevant
 * ids found among the top k retrieved, |relevant ∩ top-k| / |relevant| (or
 * over min(k, |relevant|) with `denominator: "capped"`, so that a perfect
 * ranking scores 1 even when more than k ids are relevant). The figure is
 * the mean over queries, compared `>=` with `minRecall`; the worst place is
 * the query with the lowest recall.
 *
 * Ties are explicit. With `scores`, the list is ranked by descending score
 * (stably), and ids tied with the k-th score compete for the places left at
 * the boundary. Say a ids score strictly above the k-th score, t ids (r of
 * them relevant) tie with it, and m = k − a places are left:
 * - "order" (default): ties keep the order given, as a stable sort would;
 * - "optimistic": relevant tied ids take the places first, min(r, m);
 * - "pessimistic": irrelevant tied ids take them first, max(0, m − (t − r));
 * - "expected": the mean under a uniformly random tie-break, m·r/t.
 * Without `scores` there are no ties and every policy is "order".
 *
 * @example
 * ```ts
 * import { checkRecallAtK } from "./recall_at_k.ts";
 * import { ok } from "node:assert/strict";
 * const queries = [
 *   { retrieved: ["a", "b", "c"], relevant: ["a", "c"] }, // top-2 finds a: 1/2
 *   { retrieved: ["x", "y", "z"], relevant: ["y"] }, // finds y: 1
 * ];
 * const v = checkRecallAtK(queries, { k: 2, minRecall: 0.75 });
 * ok(v.pass && v.figure === 0.75 && v.worst.query === 0 && v.worst.recall === 0.5);
 * ```
 *
 * @module
 */
import { assertBound, makeVerdict, type Verdict } from "./verdict.ts";

/** How ids tied with the k-th score are counted. */
export type TiePolicy = "order" | "optimistic" | "pessimistic" | "expected";

/** One query's retrieval result. */
export interface RetrievalResult<T> {
  /** Retrieved ids, best first unless `scores` say otherwise; no duplicates. */
  readonly retrieved: readonly T[];
  /** Scores of `retrieved`, higher is better; optional. */
  readonly scores?: ArrayLike<number>;
  /** The ids that should be found; at least one, no duplicates. */
  readonly relevant: readonly T[];
}

/** Options for {@link recallAtK}. */
export interface RecallOptions {
  /** How many top results count; a positive integer. */
  k: number;
  /** Tie policy at the k-th score; default "order". */
  ties?: TiePolicy;
  /** "relevant" (default): divide by |relevant|; "capped": by min(k, |relevant|). */
  denominator?: "relevant" | "capped";
}

/** Options for {@link checkRecallAtK}. */
export interface RecallCheckOptions extends RecallOptions {
  /** Smallest mean recall accepted, in [0, 1]. */
  minRecall: number;
}

/** The query with the lowest recall (the first on ties), or query -1 when there are none. */
export interface RecallWorst {
  /** Index of the query. */
  query: number;
  /** Its recall@k, in [0, 1]. */
  recall: number;
}

/** Outcome of {@link checkRecallAtK}. */
export interface RecallVerdict extends Verdict<RecallWorst> {
  /** Recall of every query. */
  readonly perQuery: Float64Array;
}

const POLICIES: readonly TiePolicy[] = ["order", "optimistic", "pessimistic", "expected"];

function validateOptions(options: RecallOptions): void {
  if (!Number.isSafeInteger(options.k) || options.k < 1) {
    throw new RangeError(
      `Cannot compute recall@k for k = ${options.k}: k must be a positive integer`,
    );
  }
  if (options.ties !== undefined && !POLICIES.includes(options.ties)) {
    throw new RangeError(
      `Cannot compute recall@k with ties = ${options.ties}: expected one of ${POLICIES.join(", ")}`,
    );
  }
  const den = options.denominator;
  if (den !== undefined && den !== "relevant" && den !== "capped") {
    throw new RangeError(
      `Cannot compute recall@k with denominator = ${den}: expected "relevant" or "capped"`,
    );
  }
}

/**
 * Recall@k of one query.
 *
 * @throws {TypeError} when `scores` and `retrieved` differ in length
 * @throws {RangeError} when `k` is not a positive integer, a policy is unknown,
 * `relevant` is empty, either list has a duplicate, or a score is NaN
 *
 * @example Three ids tie at the boundary of k = 2
 * ```ts
 * import { recallAtK } from "./recall_at_k.ts";
 * import { strictEqual } from "node:assert/strict";
 * // b, c, d tie at 0.5 for the single place left after a; only d is relevant.
 * const q = { retrieved: ["a", "b", "c", "d"], scores: [0.9, 0.5, 0.5, 0.5], relevant: ["a", "d"] };
 * strictEqual(recallAtK(q, { k: 2 }), 0.5); // b takes the place
 * strictEqual(recallAtK(q, { k: 2, ties: "optimistic" }), 1);
 * strictEqual(recallAtK(q, { k: 2, ties: "pessimistic" }), 0.5);
 * strictEqual(recallAtK(q, { k: 2, ties: "expected" }), (1 + 1 / 3) / 2);
 * ```
 */
export function recallAtK<T>(query: RetrievalResult<T>, options: RecallOptions): number {
  validateOptions(options);
  const { retrieved, scores, relevant } = query;
  const k = options.k;
  const relevantSet = new Set(relevant);
  if (relevantSet.size === 0) {
    throw new RangeError("Cannot compute recall@k of a query with no relevant ids");
  }
  if (relevantSet.size !== relevant.length) {
    throw new RangeError(`Cannot compute recall@k: the relevant ids contain a duplicate`);
  }
  if (new Set(retrieved).size !== retrieved.length) {
    throw new RangeError(`Cannot compute recall@k: the retrieved ids contain a duplicate`);
  }
  let order = Array.from(retrieved.keys());
  if (scores !== undefined) {
    if (scores.length !== retrieved.length) {
      throw new TypeError(
        `Cannot compute recall@k with ${scores.length} scores for ${retrieved.length} ids: ` +
          `lengths must match`,
      );
    }
    for (let i = 0; i < scores.length; i++) {
      if (Number.isNaN(scores[i]!)) {
        throw new RangeError(`Cannot compute recall@k: the score of retrieved id ${i} is NaN`);
      }
    }
    order = order.sort((i, j) => scores[j]! - scores[i]! || i - j);
  }
  const isRelevant = (rank: number) => relevantSet.has(retrieved[order[rank]!]!);
  const denominator = options.denominator === "capped"
    ? Math.min(k, relevantSet.size)
    : relevantSet.size;
  const ties = scores === undefined ? "order" : options.ties ?? "order";
  let found = 0;
  if (ties === "order" || order.length <= k) {
    for (let rank = 0; rank < Math.min(k, order.length); rank++) if (isRelevant(rank)) found++;
    return found / denominator;
  }
  const boundary = scores![order[k - 1]!]!;
  let above = 0;
  let tied = 0;
  let tiedRelevant = 0;
  for (let rank = 0; rank < order.length; rank++) {
    const s = scores![order[rank]!]!;
    if (s > boundary) {
      above++;
      if (isRelevant(rank)) found++;
    } else if (s === boundary) {
      tied++;
      if (isRelevant(rank)) tiedRelevant++;
    }
  }
  const places = k - above;
  if (ties === "optimistic") found += Math.min(tiedRelevant, places);
  else if (ties === "pessimistic") found += Math.max(0, places - (tied - tiedRelevant));
  else found += places * tiedRelevant / tied;
  return found / denominator;
}

/**
 * Checks that the mean recall@k over `queries` is at least `minRecall`.
 *
 * @throws {TypeError} when a query's `scores` and `retrieved` differ in length
 * @throws {RangeError} when there are no queries, `minRecall` is not in [0, 1],
 * or a query is invalid for {@link recallAtK} (the message names the query)
 *
 * @example Limits around k: the relevant id at rank k is found, at k + 1 it is not
 * ```ts
 * import { checkRecallAtK } from "./recall_at_k.ts";
 * import { ok } from "node:assert/strict";
 * const q = { retrieved: [1, 2, 3, 4], relevant: [3] };
 * ok(checkRecallAtK([q], { k: 3, minRecall: 1 }).pass);
 * ok(!checkRecallAtK([q], { k: 2, minRecall: 1 }).pass);
 * ```
 */
export function checkRecallAtK<T>(
  queries: readonly RetrievalResult<T>[],
  options: RecallCheckOptions,
): RecallVerdict {
  validateOptions(options);
  assertBound(options.minRecall, "minRecall", "check recall@k", { min: 0, max: 1 });
  if (queries.length === 0) throw new RangeError("Cannot check recall@k over no queries");
  const perQuery = new Float64Array(queries.length);
  let sum = 0;
  let worst = 0;
  queries.forEach((q, i) => {
    try {
      perQuery[i] = recallAtK(q, options);
    } catch (e) {
      if (e instanceof TypeError) throw new TypeError(`Query ${i}: ${e.message}`, { cause: e });
      if (e instanceof RangeError) throw new RangeError(`Query ${i}: ${e.message}`, { cause: e });
      throw e;
    }
    sum += perQuery[i]!;
    if (perQuery[i]! < perQuery[worst]!) worst = i;
  });
  return {
    ...makeVerdict(sum / queries.length, ">=", options.minRecall, {
      query: worst,
      recall: perQuery[worst]!,
    }),
    perQuery,
  };
}
