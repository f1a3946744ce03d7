/**
 * Fault claims of the aggregators (./claims.ts): typed errors naming the concept and the
 * argument, inputs left unmodified; and the library-inventory divergence.
 *
 * @module
 */
import {
  aggregate,
  AGGREGATOR_METHODS,
  AggregatorInputError,
  type AggregatorMethod,
  logisticAggregator,
  logisticL1Aggregator,
  meanAggregator,
  pcaAggregator,
  pooledDirection,
  ZeroDirectionError,
} from "../../../impl/amygdala/mod.ts";
import { fromRows, type Matrix, matrix } from "../../../impl/linalg/mod.ts";
import { claimTest } from "../../_harness/claim.ts";
import { AGG_FAULT, AGG_INVENTORY } from "./claims.ts";

interface FaultCase {
  what: string;
  run: (pos: Matrix, neg: Matrix) => unknown;
  pos: Matrix;
  neg: Matrix;
  error: typeof AggregatorInputError | typeof ZeroDirectionError;
  /** The argument (input errors) or method (zero directions) the error must name. */
  names: string;
  message: RegExp;
}

const ctx = { concept: "wistful", layer: 3 };
const P = fromRows([[1, 2, 3], [2, 3, 4]]);
const N = fromRows([[0, 2, 3], [1, 3, 4]]);
const EMPTY = matrix(0, 3);
const NARROW = fromRows([[1, 2], [2, 3]]);
const ONE = fromRows([[0, 0, 0]]);
const withNaN = fromRows([[1, 2, 3], [2, NaN, 4]]);
const withInf = fromRows([[1, 2, 3], [2, 3, -Infinity]]);

const PAIRED: [AggregatorMethod, (p: Matrix, n: Matrix) => unknown][] = [
  ["mean", (p, n) => meanAggregator(p, n, ctx)],
  ["pca", (p, n) => pcaAggregator(p, n, ctx)],
  ["logistic", (p, n) => logisticAggregator(p, n, ctx)],
  ["logistic_l1", (p, n) => logisticL1Aggregator(p, n, ctx)],
];
const ALL: [AggregatorMethod, (p: Matrix, n: Matrix) => unknown][] = [
  ["pooled", (p, n) => pooledDirection(p, n, ctx)],
  ...PAIRED,
];

const CASES: FaultCase[] = [];
for (const [method, run] of ALL) {
  const input = (what: string, pos: Matrix, neg: Matrix, names: string, message: RegExp) =>
    CASES.push({
      what: `${method}: ${what}`,
      run,
      pos,
      neg,
      error: AggregatorInputError,
      names,
      message,
    });
  input(
    "empty positives",
    EMPTY,
    N,
    "positives",
    /expected at least one row of positives but got 0/,
  );
  input(
    "empty negatives",
    P,
    EMPTY,
    "negatives",
    /expected at least one row of negatives but got 0/,
  );
  input(
    "mismatched hidden sizes",
    P,
    NARROW,
    "negatives",
    /expected negatives of hidden size 3 \(the positives'\) but got 2/,
  );
  input(
    "NaN positive",
    withNaN,
    N,
    "positives",
    /expected finite positives but got NaN at row 1, column 1/,
  );
  input(
    "-Inf negative",
    P,
    withInf,
    "negatives",
    /expected finite negatives but got -Infinity at row 1, column 2/,
  );
  input(
    "malformed matrix",
    { rows: 2, cols: 3, data: new Float64Array(5) },
    N,
    "positives",
    /expected positives as a rows × cols matrix with rows·cols values but got 2 × 3 with 5/,
  );
}
for (const [method, run] of PAIRED) {
  CASES.push({
    what: `${method}: unequal counts`,
    run,
    pos: P,
    neg: ONE,
    error: AggregatorInputError,
    names: "negatives",
    message: /expected as many negatives as positives \(2, paired rows\) but got 1/,
  });
}
// Zero directions.
const SAME = fromRows([[1, 2, 3], [3, 2, 1]]);
const SWAPPED = fromRows([[3, 2, 1], [1, 2, 3]]);
for (const [method, run] of ALL) {
  CASES.push({
    what: `${method}: mean P = mean N`,
    run: method === "mean" ? (p, n) => aggregate("mean", p, n, ctx) : run,
    pos: SAME,
    neg: SWAPPED,
    error: ZeroDirectionError,
    names: method,
    message: /expected a non-zero/,
  });
}
CASES.push({
  what: "logistic_l1: penalty zeroes w (C‖Σδ‖∞/2 = 0.9 ≤ 1)",
  run: (p, n) => logisticL1Aggregator(p, n, ctx),
  pos: fromRows([[0.9, 0.3, 0]]),
  neg: fromRows([[0, 0, 0.5]]),
  error: ZeroDirectionError,
  names: "logistic_l1",
  message: /C·‖Σ δ_i‖_∞\/2 ≤ 1/,
});
// Options.
for (const [opt, value] of [["C", 0], ["C", NaN], ["tol", -1], ["maxIter", 1.5]] as const) {
  CASES.push({
    what: `logistic: ${opt} = ${value}`,
    run: (p, n) => logisticAggregator(p, n, { ...ctx, [opt]: value }),
    pos: P,
    neg: N,
    error: AggregatorInputError,
    names: opt,
    message: new RegExp(`expected ${opt} `),
  });
}

claimTest(AGG_FAULT, () => {
  const failures: string[] = [];
  for (const c of CASES) {
    const before = [Float64Array.from(c.pos.data), Float64Array.from(c.neg.data)];
    try {
      c.run(c.pos, c.neg);
      failures.push(`${c.what}: no error`);
    } catch (e) {
      const named = e instanceof AggregatorInputError
        ? e.argument
        : e instanceof ZeroDirectionError
        ? e.method
        : undefined;
      const ok = e instanceof c.error && named === c.names &&
        (e as { concept?: string }).concept === "wistful" &&
        /^Cannot aggregate the .* of concept "wistful" at layer 3: /.test((e as Error).message) &&
        c.message.test((e as Error).message);
      if (!ok) {
        failures.push(`${c.what}: got ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
      }
    }
    const changed = before[0]!.some((x, i) => !Object.is(x, c.pos.data[i])) ||
      before[1]!.some((x, i) => !Object.is(x, c.neg.data[i]));
    if (changed) failures.push(`${c.what}: an input was modified`);
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: true,
    detail: `${CASES.length} cases${
      failures.length ? `; ${failures.slice(0, 3).join(" | ")}` : ""
    }`,
  };
});

claimTest(AGG_INVENTORY, () => {
  const failures: string[] = [];
  const expected = ["pooled", "mean", "pca", "logistic", "logistic_l1"];
  if (JSON.stringify(AGGREGATOR_METHODS) !== JSON.stringify(expected)) {
    failures.push(`inventory ${JSON.stringify(AGGREGATOR_METHODS)}`);
  }
  for (const unknown of ["linear", "subspace_typo", ""]) {
    try {
      aggregate(unknown as AggregatorMethod, P, N, ctx);
      failures.push(`${JSON.stringify(unknown)} accepted`);
    } catch (e) {
      const ok = e instanceof AggregatorInputError && e.argument === "method" &&
        e.message.includes(`expected one of ${expected.join(", ")} but got "${unknown}"`);
      if (!ok) failures.push(`${JSON.stringify(unknown)}: ${e}`);
    }
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: true,
    detail: `library aggregators: mean, pca, logistic (3); memspec adds pooled and ` +
      `logistic_l1; ${failures.join("; ") || "linear rejected"}`,
  };
});
