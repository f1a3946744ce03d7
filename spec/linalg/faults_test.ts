/**
 * Typed errors of impl/linalg, raised before any work: TypeError for shapes
 * and asymmetry (naming the worst pair), RangeError for non-finite elements
 * (naming the first) and for a matrix that is not positive definite (naming
 * the pivot). Each claim counts the cases that deviate.
 *
 * @module
 */
import { cholesky, choleskySolve } from "../../impl/linalg/cholesky.ts";
import { eigh } from "../../impl/linalg/eigh.ts";
import { eigenvalues } from "../../impl/linalg/eigvals.ts";
import { fromRows, type Matrix, matrix, type MatrixData } from "../../impl/linalg/matrix.ts";
import { pca, svd } from "../../impl/linalg/svd.ts";
import { SYMMETRY_RTOL } from "../../impl/linalg/validate.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import { spd } from "./_cases.ts";
import {
  CHOLESKY_FAULT_NOT_PD,
  EIGH_FAULT_NON_FINITE,
  EIGH_FAULT_NON_SYMMETRIC,
} from "./claims.ts";

/** Collects deviations: `expectError` records one when `fn` does not throw as stated. */
class Deviations {
  list: string[] = [];
  cases = 0;

  expectError(
    what: string,
    fn: () => unknown,
    type: typeof TypeError | typeof RangeError,
    message: string | RegExp,
  ): void {
    this.cases++;
    try {
      fn();
      this.list.push(`${what}: did not throw`);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      const matches = typeof message === "string" ? text.includes(message) : message.test(text);
      if (!(e instanceof type) || !matches) {
        this.list.push(`${what}: ${e instanceof Error ? e.name : typeof e}: ${text}`);
      }
    }
  }

  expectOk(what: string, fn: () => unknown): void {
    this.cases++;
    try {
      fn();
    } catch (e) {
      this.list.push(`${what}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
    }
  }

  measurement(ok: string): Measurement {
    return {
      figure: this.list.length,
      bound: 0,
      pass: this.list.length === 0,
      detail: `${this.cases} cases; ` + (this.list.join(" | ") || ok),
    };
  }
}

/** A copy of `a` with a_ij changed to `x`. */
function withEntry(a: Matrix<MatrixData>, i: number, j: number, x: number): Matrix {
  const out = matrix(a.rows, a.cols, a.data);
  out.data[i * a.cols + j] = x;
  return out;
}

function maxAbs(a: Matrix): number {
  return a.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

const SIZES = [2, 3, 64, 257];

claimTest(EIGH_FAULT_NON_SYMMETRIC, async (t) => {
  const d = new Deviations();
  for (const n of SIZES) {
    await t.step(`n=${n}`, () => {
      const a = spd(n, 3000 + n);
      const [i, j] = [n - 1, Math.floor((n - 1) / 2)]; // below the diagonal
      const [p, q] = [Math.min(i, j), Math.max(i, j)];
      const scale = maxAbs(a);
      // 1000× the tolerance: rejected, naming the pair (p, q) with p < q.
      const bad = withEntry(a, i, j, a.data[i * n + j]! + 1000 * SYMMETRY_RTOL * scale);
      for (const [name, fn] of [["eigh", () => eigh(bad)], ["cholesky", () => cholesky(bad)]]) {
        d.expectError(
          `${name} n=${n} asymmetric at (${i}, ${j})`,
          fn as () => unknown,
          TypeError,
          `at (${p}, ${q})`,
        );
      }
      // Half the tolerance: accepted.
      const fine = withEntry(a, i, j, a.data[i * n + j]! + 0.5 * SYMMETRY_RTOL * scale);
      d.expectOk(`eigh n=${n} within tolerance`, () => eigh(fine));
      d.expectOk(`cholesky n=${n} within tolerance`, () => cholesky(fine));
      // A looser tolerance, when asked for, accepts the larger asymmetry.
      d.expectOk(`eigh n=${n} symmetryRtol 1e-6`, () => eigh(bad, { symmetryRtol: 1e-6 }));
    });
  }
  await t.step("shapes", () => {
    d.expectError("eigh 2 × 3", () => eigh(matrix(2, 3)), TypeError, "must be square");
    d.expectError("cholesky 3 × 2", () => cholesky(matrix(3, 2)), TypeError, "must be square");
    d.expectError("eigenvalues 1 × 2", () => eigenvalues(matrix(1, 2)), TypeError, "square");
    d.expectError(
      "eigh 2 × 2 holding 3",
      () => eigh({ rows: 2, cols: 2, data: new Float64Array(3) }),
      TypeError,
      "holding 3 elements: expected 4",
    );
    d.expectError(
      "choleskySolve rhs rows",
      () => choleskySolve(spd(3, 1), matrix(2, 1)),
      TypeError,
      "expected 3 rows",
    );
    d.expectError(
      "svd of a plain array",
      // @ts-expect-error: a plain array is not a typed array
      () => svd({ rows: 1, cols: 1, data: [1] }),
      TypeError,
      "not a Float64Array or Float32Array",
    );
    d.expectOk("eigh of f32 data", () => eigh({ rows: 1, cols: 1, data: Float32Array.of(2) }));
  });
  return d.measurement("asymmetry beyond 1e-12·max|a| rejected naming the pair, within accepted");
});

claimTest(EIGH_FAULT_NON_FINITE, async (t) => {
  const d = new Deviations();
  for (const n of SIZES) {
    await t.step(`n=${n}`, () => {
      const a = spd(n, 4000 + n);
      const [i, j] = [n - 1, 0];
      for (const x of [NaN, Infinity, -Infinity]) {
        const bad = withEntry(a, i, j, x);
        const named = `(${i}, ${j}) is ${x}`;
        const routines: [string, () => unknown][] = [
          ["eigh", () => eigh(bad)],
          ["eigenvalues", () => eigenvalues(bad)],
          ["cholesky", () => cholesky(bad)],
          ["choleskySolve A", () => choleskySolve(bad, matrix(n, 1))],
          ["choleskySolve B", () => choleskySolve(a, withEntry(matrix(n, 2), i, 1, x))],
          ["svd", () => svd(bad)],
          ["pca", () => pca(bad)],
        ];
        for (const [name, fn] of routines) {
          const where = name === "choleskySolve B" ? `(${i}, 1) is ${x}` : named;
          d.expectError(`${name} n=${n} ${x}`, fn, RangeError, where);
        }
      }
    });
  }
  return d.measurement("every routine names the first non-finite element");
});

claimTest(CHOLESKY_FAULT_NOT_PD, async (t) => {
  const d = new Deviations();
  const pivot = (j: number) => new RegExp(`not positive definite: expected pivot ${j} `);
  const cases: [string, Matrix, number][] = [
    ["n=1 zero", matrix(1, 1), 0],
    ["n=1 negative", fromRows([[-2]]), 0],
    ["n=2 indefinite", fromRows([[1, 2], [2, 1]]), 1],
    ["n=2 singular", fromRows([[1, 1], [1, 1]]), 1],
    ["n=3 negative definite", fromRows([[-1, 0, 0], [0, -1, 0], [0, 0, -1]]), 0],
    ["n=3 indefinite last", fromRows([[2, 0, 0], [0, 3, 0], [0, 0, -1]]), 2],
    ["n=64 a[40][40] = −1", withEntry(spd(64, 5064), 40, 40, -1), 40],
    ["n=257 a[256][256] = 0", withEntry(spd(257, 5257), 256, 256, 0), 256],
  ];
  for (const [name, a, j] of cases) {
    await t.step(name, () => {
      d.expectError(`cholesky ${name}`, () => cholesky(a), RangeError, pivot(j));
      d.expectError(
        `choleskySolve ${name}`,
        () => choleskySolve(a, matrix(a.rows, 1)),
        RangeError,
        pivot(j),
      );
    });
  }
  return d.measurement("every case rejected naming its first non-positive pivot");
});
