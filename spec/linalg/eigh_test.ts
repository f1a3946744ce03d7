/**
 * eigh (cyclic Jacobi) against numpy's eigh and against its rounding bounds;
 * general eigenvalues (Francis QR) of the same symmetric matrices. One step
 * per fixture case (n = 1, 2, 3, 64, 257 random; repeated eigenvalues;
 * rank deficient), each failing on its own when its ratio exceeds 1.
 *
 * @module
 */
import { ok } from "node:assert/strict";
import { type Eigh, eigh } from "../../impl/linalg/eigh.ts";
import { eigenvalues } from "../../impl/linalg/eigvals.ts";
import { fromRows, type Matrix, matrix } from "../../impl/linalg/matrix.ts";
import { pivotRow } from "../../impl/linalg/sign.ts";
import {
  LINALG_JACOBI_C,
  linalgValueBound,
  linalgVectorBound,
  U64,
} from "../../invariants/tolerance.ts";
import { claimTest } from "../_harness/claim.ts";
import {
  clusters,
  type EighCase,
  gapOf,
  loadEighCases,
  orthonormalityError,
  perCase,
  projectorDifference,
  reconstructionError,
  signViolations,
} from "./_cases.ts";
import {
  EIGH_FIXTURE_PARITY,
  EIGH_FIXTURE_PARITY_VECTORS,
  EIGH_ORTHONORMALITY,
  EIGH_RECONSTRUCTION,
  EIGH_SIGN_CONVENTION,
  EIGVALS_FIXTURE_PARITY,
} from "./claims.ts";

const { cases, integrity } = await loadEighCases();

const cache = new Map<string, Eigh>();
/** eigh of a case, computed once per test run (n = 257 takes about half a second). */
function decompose(name: string, a: Matrix): Eigh {
  let e = cache.get(name);
  if (e === undefined) {
    e = eigh(a);
    cache.set(name, e);
  }
  return e;
}

/**
 * Extra cases of the property claims: the zero matrix, extreme scales, and eigenvectors whose
 * largest components tie exactly ((1, ±1)/√2: the Jacobi rotation of an equal diagonal has
 * c = s), where only the lowest-index rule of the sign convention decides the sign.
 */
function extraCases(): { name: string; a: Matrix }[] {
  const r3 = cases.find((c) => c.name === "random_3")!;
  const scaled = (f: number) => matrix(3, 3, Array.from(r3.a.data, (x) => x * f));
  return [
    { name: "zero_3", a: matrix(3, 3) },
    { name: "random_3 × 1e300", a: scaled(1e300) },
    { name: "random_3 × 1e-300", a: scaled(1e-300) },
    { name: "tied_2", a: fromRows([[2, 1], [1, 2]]) },
    { name: "tied_3", a: fromRows([[1, 1, 0], [1, 1, 0], [0, 0, 5]]) },
  ];
}

claimTest(EIGH_FIXTURE_PARITY, (t) =>
  perCase(t, cases, (c: EighCase, w) => {
    const e = decompose(c.name, c.a);
    const bound = linalgValueBound(c.n, c.norm2);
    for (let i = 0; i < c.n; i++) {
      w.add(`λ${i}`, Math.abs(e.values[i]! - c.values[i]!), bound);
    }
  }, `bound 8·n·u·‖A‖₂; ${integrity}`));

claimTest(EIGH_FIXTURE_PARITY_VECTORS, (t) => {
  let ambiguous = 0;
  let vectors = 0;
  let clustered = 0;
  return perCase(t, cases, (c: EighCase, w) => {
    const e = decompose(c.name, c.a);
    const n = c.n;
    for (const group of clusters(c.values, Math.sqrt(U64) * c.norm2)) {
      const gap = gapOf(c.values, group);
      const bound = linalgVectorBound(n, c.norm2, gap, group.length);
      if (group.length > 1) {
        clustered++;
        w.add(
          `cluster λ${group[0]}..λ${group.at(-1)}`,
          projectorDifference(e.vectors, c.vectors, group),
          bound,
        );
        continue;
      }
      vectors++;
      const j = group[0]!;
      // Where numpy's two largest magnitudes are within the bound of each other, the sign
      // convention itself is ill conditioned: compare up to sign there.
      const r = pivotRow(c.vectors.data, n, n, j);
      let second = 0;
      for (let i = 0; i < n; i++) {
        if (i !== r) second = Math.max(second, Math.abs(c.vectors.data[i * n + j]!));
      }
      const tie = Math.abs(c.vectors.data[r * n + j]!) - second <= 2 * bound;
      let same = 0;
      let flipped = 0;
      for (let i = 0; i < n; i++) {
        const [x, y] = [e.vectors.data[i * n + j]!, c.vectors.data[i * n + j]!];
        same = Math.max(same, Math.abs(x - y));
        flipped = Math.max(flipped, Math.abs(x + y));
      }
      if (tie) ambiguous++;
      w.add(`v${j} (gap ${gap.toExponential(2)})`, tie ? Math.min(same, flipped) : same, bound);
    }
  }, "").then((m) => ({
    ...m,
    detail: `${m.detail}${vectors} vectors (${ambiguous} compared up to sign: near-tied largest ` +
      `components), ${clustered} clusters by projector; bound 8·n·u·(‖A‖₂/gap + k); ${integrity}`,
  }));
});

claimTest(EIGH_ORTHONORMALITY, (t) =>
  perCase(t, [...cases, ...extraCases()], (c, w) => {
    const e = decompose(c.name, c.a);
    w.add("‖VᵀV − I‖_max", orthonormalityError(e.vectors), LINALG_JACOBI_C * c.a.rows * U64);
  }, "bound 8·n·u"));

claimTest(EIGH_RECONSTRUCTION, (t) =>
  perCase(t, [...cases, ...extraCases()], (c, w) => {
    const e = decompose(c.name, c.a);
    const { error, norm } = reconstructionError(c.a, e.vectors, e.values, e.vectors);
    w.add(
      "‖A − VΛVᵀ‖_F/‖A‖_F",
      norm === 0 ? error : error / norm,
      LINALG_JACOBI_C * c.a.rows * U64,
    );
  }, "bound 8·n·u"));

claimTest(EIGH_SIGN_CONVENTION, async (t) => {
  const violations: string[] = [];
  for (const c of [...cases, ...extraCases()]) {
    await t.step(`n=${c.a.rows} ${c.name}`, () => {
      const e = decompose(c.name, c.a);
      const before = violations.length;
      for (const j of signViolations(e.vectors)) violations.push(`${c.name} v${j}`);
      for (let i = 1; i < e.values.length; i++) {
        if (!(e.values[i - 1]! <= e.values[i]!)) violations.push(`${c.name} λ${i - 1} > λ${i}`);
      }
      // numpy's vectors in the fixture must follow the same convention (the generator's job).
      if ("vectors" in c) {
        for (const j of signViolations((c as EighCase).vectors)) {
          violations.push(`${c.name} numpy v${j}`);
        }
      }
      ok(violations.length === before, violations.slice(before).join(", "));
    });
  }
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.join(", ") || "every vector's largest component positive; ascending",
  };
});

claimTest(EIGVALS_FIXTURE_PARITY, (t) =>
  perCase(t, cases, (c: EighCase, w) => {
    const { re, im } = eigenvalues(c.a);
    const order = Array.from(re.keys()).sort((i, j) => re[i]! - re[j]! || i - j);
    const bound = linalgValueBound(c.n, c.norm2);
    order.forEach((k, i) => {
      w.add(`μ${i}`, Math.max(Math.abs(re[k]! - c.values[i]!), Math.abs(im[k]!)), bound);
    });
  }, `bound 8·n·u·‖A‖₂; ${integrity}`));
