import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextUp } from "./_testing.ts";
import { checkRecallAtK, recallAtK, type RetrievalResult, type TiePolicy } from "./recall_at_k.ts";

const POLICIES: TiePolicy[] = ["order", "optimistic", "pessimistic", "expected"];

Deno.test("checkRecallAtK control: perfect retrieval has recall 1 under every policy", () => {
  const q = { retrieved: [3, 1, 2, 9], scores: [0.9, 0.8, 0.7, 0.1], relevant: [1, 3, 2] };
  for (const ties of POLICIES) {
    const v = checkRecallAtK([q], { k: 3, minRecall: 1, ties });
    ok(v.pass && v.figure === 1, ties);
  }
});

Deno.test("checkRecallAtK fault: one of two relevant ids missed gives 0.5 at that query", () => {
  const queries = [
    { retrieved: ["a", "b"], relevant: ["a"] },
    { retrieved: ["c", "d", "e"], relevant: ["c", "e"] },
  ];
  const v = checkRecallAtK(queries, { k: 2, minRecall: 0.8 });
  ok(!v.pass);
  strictEqual(v.figure, 0.75);
  deepStrictEqual(v.worst, { query: 1, recall: 0.5 });
  deepStrictEqual(Array.from(v.perQuery), [1, 0.5]);
});

Deno.test("recallAtK limits: a relevant id at rank k − 1 and k is found, at k + 1 it is not", () => {
  const k = 4;
  for (const [rank, want] of [[k - 1, 1], [k, 1], [k + 1, 0]] as const) {
    const retrieved = Array.from({ length: 8 }, (_, i) => i + 1); // id = rank (1-based)
    strictEqual(recallAtK({ retrieved, relevant: [rank] }, { k }), want, `rank ${rank}`);
  }
});

Deno.test("checkRecallAtK limits: minRecall at, and just above, the mean recall", () => {
  const queries = [{ retrieved: [1, 2], relevant: [2, 5] }]; // recall@2 = 0.5
  strictEqual(checkRecallAtK(queries, { k: 2, minRecall: 0.5 }).pass, true);
  strictEqual(checkRecallAtK(queries, { k: 2, minRecall: nextUp(0.5) }).pass, false);
});

Deno.test("recallAtK ties: each policy at a three-way tie across the boundary", () => {
  // a scores above; b, c, d, e tie at 0.5 for the 2 places left at k = 3; c and e are relevant.
  const q = {
    retrieved: ["a", "b", "c", "d", "e", "f"],
    scores: [0.9, 0.5, 0.5, 0.5, 0.5, 0.1],
    relevant: ["a", "c", "e", "f"],
  };
  strictEqual(recallAtK(q, { k: 3 }), 2 / 4); // order: a, b, c
  strictEqual(recallAtK(q, { k: 3, ties: "optimistic" }), 3 / 4); // a, c, e
  strictEqual(recallAtK(q, { k: 3, ties: "pessimistic" }), 1 / 4); // a, b, d
  strictEqual(recallAtK(q, { k: 3, ties: "expected" }), (1 + 2 * 2 / 4) / 4);
});

Deno.test("recallAtK ties: sorting by score, and the input order breaking ties", () => {
  const q = { retrieved: ["x", "y", "z"], scores: [0.1, 0.9, 0.9], relevant: ["z"] };
  strictEqual(recallAtK(q, { k: 1 }), 0); // y before z: listed first
  strictEqual(recallAtK(q, { k: 1, ties: "optimistic" }), 1);
  strictEqual(recallAtK(q, { k: 1, ties: "expected" }), 0.5);
  strictEqual(recallAtK(q, { k: 2, ties: "pessimistic" }), 1); // both tied fit
});

Deno.test("recallAtK: no tie at the boundary, or fewer ids than k, makes every policy agree", () => {
  const distinct = { retrieved: [1, 2, 3, 4], scores: [4, 3, 3, 1], relevant: [3, 4] };
  for (const ties of POLICIES) strictEqual(recallAtK(distinct, { k: 3, ties }), 0.5, ties);
  const short = { retrieved: [1, 2], scores: [1, 1], relevant: [2, 7] };
  for (const ties of POLICIES) strictEqual(recallAtK(short, { k: 5, ties }), 0.5, ties);
  const unscored = { retrieved: [1, 2], relevant: [2] };
  for (const ties of POLICIES) strictEqual(recallAtK(unscored, { k: 1, ties }), 0, ties);
});

Deno.test("recallAtK denominator: capped divides by min(k, |relevant|)", () => {
  const q = { retrieved: [1, 2, 3], relevant: [1, 2, 3, 4, 5] };
  strictEqual(recallAtK(q, { k: 2 }), 2 / 5);
  strictEqual(recallAtK(q, { k: 2, denominator: "capped" }), 1);
  strictEqual(recallAtK({ retrieved: [1, 9], relevant: [1] }, { k: 2, denominator: "capped" }), 1);
});

Deno.test("recallAtK: ±∞ scores rank first and last", () => {
  const q = { retrieved: [1, 2, 3], scores: [-Infinity, Infinity, 0], relevant: [2] };
  strictEqual(recallAtK(q, { k: 1 }), 1);
});

Deno.test("recallAtK and checkRecallAtK: precise errors", () => {
  const q = { retrieved: [1, 2], relevant: [1] };
  throws(() => recallAtK(q, { k: 0 }), {
    name: "RangeError",
    message: "Cannot compute recall@k for k = 0: k must be a positive integer",
  });
  throws(() => recallAtK(q, { k: 1.5 }), RangeError);
  throws(() => recallAtK({ retrieved: [1], relevant: [] }, { k: 1 }), /no relevant ids/);
  throws(() => recallAtK({ retrieved: [1, 1], relevant: [1] }, { k: 1 }), /retrieved ids contain/);
  throws(() => recallAtK({ retrieved: [1], relevant: [1, 1] }, { k: 1 }), /relevant ids contain/);
  throws(() => recallAtK({ retrieved: [1, 2], scores: [1], relevant: [1] }, { k: 1 }), {
    name: "TypeError",
    message: "Cannot compute recall@k with 1 scores for 2 ids: lengths must match",
  });
  throws(() => recallAtK({ retrieved: [1], scores: [NaN], relevant: [1] }, { k: 1 }), {
    name: "RangeError",
    message: "Cannot compute recall@k: the score of retrieved id 0 is NaN",
  });
  // @ts-expect-error: an unknown policy is rejected at run time too
  throws(() => recallAtK(q, { k: 1, ties: "random" }), /ties = random: expected one of/);
  // @ts-expect-error: an unknown denominator is rejected at run time too
  throws(() => recallAtK(q, { k: 1, denominator: "k" }), /denominator = k/);
  throws(() => checkRecallAtK([], { k: 1, minRecall: 0 }), /over no queries/);
  throws(() => checkRecallAtK([q], { k: 1, minRecall: 2 }), /minRecall must be/);
  throws(() => checkRecallAtK([q, { retrieved: [1], relevant: [] }], { k: 1, minRecall: 0 }), {
    name: "RangeError",
    message: "Query 1: Cannot compute recall@k of a query with no relevant ids",
  });
  throws(
    () => checkRecallAtK([{ retrieved: [1], scores: [], relevant: [1] }], { k: 1, minRecall: 0 }),
    {
      name: "TypeError",
      message: "Query 0: Cannot compute recall@k with 0 scores for 1 ids: lengths must match",
    },
  );
});

/** A retrieval result over ids 0..n−1 with scores from a few levels (so ties are common). */
const queryArb = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    retrieved: fc.constant(Array.from({ length: n }, (_, i) => i)),
    scores: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
    relevant: fc.uniqueArray(fc.integer({ min: 0, max: n + 2 }), { minLength: 1, maxLength: n }),
    k: fc.integer({ min: 1, max: n + 1 }),
  })
);

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p])
  );
}

Deno.test("recallAtK property: pessimistic ≤ order, expected ≤ optimistic", () => {
  fc.assert(
    fc.property(queryArb, ({ k, ...q }) => {
      const [order, opt, pes, exp] = POLICIES.map((ties) => recallAtK(q, { k, ties }));
      const eps = 1e-15;
      ok(pes! <= order! && order! <= opt!, `${pes} ${order} ${opt}`);
      ok(pes! <= exp! + eps && exp! <= opt! + eps, `${pes} ${exp} ${opt}`);
    }),
    fcParams(100),
  );
});

Deno.test("recallAtK property: expected is the mean of order over every tie-breaking", () => {
  fc.assert(
    fc.property(queryArb, ({ k, retrieved, scores, relevant }) => {
      // Listing order decides ties under "order"; averaging over all listings averages over all
      // tie-breaks uniformly.
      const listings = permutations(retrieved.map((id, i) => ({ id, s: scores[i]! })));
      let sum = 0;
      for (const l of listings) {
        sum += recallAtK({ retrieved: l.map((e) => e.id), scores: l.map((e) => e.s), relevant }, {
          k,
        });
      }
      const want = sum / listings.length;
      const got = recallAtK({ retrieved, scores, relevant }, { k, ties: "expected" });
      ok(Math.abs(got - want) <= 1e-12, `${got} vs ${want}`);
    }),
    fcParams(100),
  );
});

Deno.test("recallAtK property: recall is non-decreasing in k under every policy", () => {
  fc.assert(
    fc.property(queryArb, ({ k: _k, ...q }) => {
      for (const ties of POLICIES) {
        let previous = 0;
        for (let k = 1; k <= q.retrieved.length + 1; k++) {
          const r = recallAtK(q as RetrievalResult<number>, { k, ties });
          ok(r >= previous - 1e-15 && r <= 1, `${ties} k=${k}: ${r} < ${previous}`);
          previous = r;
        }
      }
    }),
    fcParams(100),
  );
});
