import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { conjugateDiagonal, maxAbsDiff, orthogonalArb } from "./_testing.ts";
import { eigenSymmetric, type SymmetricEigen } from "./eigen_symmetric.ts";
import { fromRows, matmul, type Matrix, matrix } from "./matrix.ts";
import { checkOrthonormality } from "./orthonormality.ts";

const TOL = 1e-12;

/** max_j ‖A·v_j − λ_j·v_j‖_∞ over the computed eigenpairs. */
function residual(a: Matrix, e: SymmetricEigen): number {
  const av = matmul(a, e.vectors);
  let worst = 0;
  const n = a.rows;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = Math.abs(av.data[i * n + j]! - e.values[j]! * e.vectors.data[i * n + j]!);
      worst = Math.max(worst, r);
    }
  }
  return worst;
}

Deno.test("eigenSymmetric: a diagonal matrix is already converged, values sorted descending", () => {
  const e = eigenSymmetric(fromRows([[3, 0, 0, 0], [0, -1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0]]));
  deepStrictEqual(Array.from(e.values), [3, 2, 0, -1]);
  strictEqual(e.rotations, 0);
  strictEqual(e.sweeps, 1);
  // Column j is the unit vector of the diagonal entry that became values[j].
  // deno-fmt-ignore
  const expected = [
    1, 0, 0, 0,
    0, 0, 0, 1,
    0, 1, 0, 0,
    0, 0, 1, 0,
  ];
  deepStrictEqual(Array.from(e.vectors.data), expected);
});

Deno.test("eigenSymmetric: 2×2 matrices match the closed form to 1e-12", () => {
  const cases: [number, number, number][] = [
    [2, 1, 2],
    [1, 2, -3],
    [5, 1e-9, 5],
    [0, 1, 0],
    [1e3, -7, 1e-3],
    [-4, 0.5, 9],
  ];
  for (const [a, b, c] of cases) {
    const m = fromRows([[a, b], [b, c]]);
    const e = eigenSymmetric(m);
    const mean = (a + c) / 2;
    const radius = Math.hypot((a - c) / 2, b);
    ok(Math.abs(e.values[0]! - (mean + radius)) <= TOL * Math.max(1, Math.abs(mean) + radius));
    ok(Math.abs(e.values[1]! - (mean - radius)) <= TOL * Math.max(1, Math.abs(mean) + radius));
    // Eigenvector of the larger eigenvalue: (b, λ₁ − a) normalised, up to sign.
    const [x, y] = [b, mean + radius - a];
    const norm = Math.hypot(x, y);
    const dot = Math.abs(e.vectors.data[0]! * x / norm + e.vectors.data[2]! * y / norm);
    ok(Math.abs(dot - 1) <= TOL, `case ${[a, b, c]}: |⟨v, v*⟩| = ${dot}`);
    ok(residual(m, e) <= TOL * Math.max(1, Math.abs(mean) + radius));
  }
});

Deno.test("eigenSymmetric: a rotation-conjugated diagonal gives back the diagonal and the rotation", () => {
  // R = rotation by angle φ about the unit axis k (Rodrigues); A = R·diag(4, 1, -2)·Rᵀ.
  const [kx, ky, kz] = [1 / 3, 2 / 3, 2 / 3];
  const phi = 0.7;
  const [c, s, t] = [Math.cos(phi), Math.sin(phi), 1 - Math.cos(phi)];
  const r = fromRows([
    [c + kx * kx * t, kx * ky * t - kz * s, kx * kz * t + ky * s],
    [ky * kx * t + kz * s, c + ky * ky * t, ky * kz * t - kx * s],
    [kz * kx * t - ky * s, kz * ky * t + kx * s, c + kz * kz * t],
  ]);
  const a = conjugateDiagonal(r, [4, 1, -2]);
  const e = eigenSymmetric(a);
  deepStrictEqual(Array.from(e.values, (v, i) => Math.abs(v - [4, 1, -2][i]!) <= TOL), [
    true,
    true,
    true,
  ]);
  for (let j = 0; j < 3; j++) {
    let dot = 0;
    for (let i = 0; i < 3; i++) dot += e.vectors.data[i * 3 + j]! * r.data[i * 3 + j]!;
    ok(Math.abs(Math.abs(dot) - 1) <= TOL, `column ${j}: |⟨v, r⟩| = ${Math.abs(dot)}`);
  }
  ok(e.sweeps <= 8, `${e.sweeps} sweeps`);
});

Deno.test("eigenSymmetric: eigenvectors have their largest component positive", () => {
  const e = eigenSymmetric(fromRows([[1, -2], [-2, 1]]));
  for (let j = 0; j < 2; j++) {
    const [x, y] = [e.vectors.data[j]!, e.vectors.data[2 + j]!];
    ok(Math.abs(x) >= Math.abs(y) ? x > 0 : y > 0);
  }
});

Deno.test("eigenSymmetric: an asymmetric input is decomposed as its symmetric part", () => {
  const e = eigenSymmetric(fromRows([[2, 3], [-1, 2]])); // symmetric part [[2, 1], [1, 2]]
  ok(Math.abs(e.values[0]! - 3) <= TOL && Math.abs(e.values[1]! - 1) <= TOL);
});

Deno.test("eigenSymmetric: 0 × 0, 1 × 1 and f32 input", () => {
  strictEqual(eigenSymmetric(matrix(0, 0)).values.length, 0);
  deepStrictEqual(Array.from(eigenSymmetric(fromRows([[-7]])).values), [-7]);
  const f32: Matrix = { rows: 2, cols: 2, data: Float32Array.of(2, 1, 1, 2) };
  const e = eigenSymmetric(f32);
  ok(Math.abs(e.values[0]! - 3) <= TOL && Math.abs(e.values[1]! - 1) <= TOL);
});

Deno.test("eigenSymmetric: extreme magnitudes neither overflow nor lose the bound", () => {
  const big = eigenSymmetric(fromRows([[1e300, 1e300], [1e300, 1e300]]));
  ok(Math.abs(big.values[0]! - 2e300) <= 1e-15 * 2e300 && Math.abs(big.values[1]!) <= 1e285);
  ok(Number.isFinite(big.errorBound) && big.errorBound > 0);
  const tiny = eigenSymmetric(fromRows([[3e-300, 1e-300], [1e-300, 3e-300]]));
  ok(Math.abs(tiny.values[0]! - 4e-300) <= 1e-314 && Math.abs(tiny.values[1]! - 2e-300) <= 1e-314);
  ok(tiny.errorBound > 0);
});

Deno.test("eigenSymmetric: precise errors", () => {
  throws(() => eigenSymmetric(matrix(2, 3)), {
    name: "TypeError",
    message: "Cannot eigendecompose a matrix of shape [2, 3]: it must be square",
  });
  throws(() => eigenSymmetric(fromRows([[1, 0], [NaN, 1]])), {
    name: "RangeError",
    message: "Cannot eigendecompose a matrix with a non-finite element: (1, 0) is NaN",
  });
  throws(() => eigenSymmetric(fromRows([[1, Infinity], [0, 1]])), RangeError);
  throws(() => eigenSymmetric(fromRows([[1]]), { maxSweeps: 0 }), /maxSweeps must be a positive/);
  throws(() => eigenSymmetric(fromRows([[1]]), { maxSweeps: 1.5 }), RangeError);
  // One sweep cannot finish a coupled 3 × 3 matrix: the second sweep is the one that rotates nothing.
  throws(
    () => eigenSymmetric(fromRows([[1, 2, 3], [2, 4, 5], [3, 5, 6]]), { maxSweeps: 1 }),
    /within maxSweeps = 1 sweeps: off-diagonal norm still/,
  );
});

Deno.test("eigenSymmetric: Q·diag(λ)·Qᵀ for random orthogonal Q gives λ back within errorBound", () => {
  const caseArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
    fc.tuple(
      orthogonalArb(n),
      // The error bound assumes no underflow: eigenvalues are 0 or far above the subnormals.
      fc.array(
        fc.double({ min: -100, max: 100, noNaN: true }).map((x) => Math.abs(x) < 1e-100 ? 0 : x),
        { minLength: n, maxLength: n },
      ),
    )
  );
  fc.assert(
    fc.property(caseArb, ([q, lambda]) => {
      const a = conjugateDiagonal(q, lambda);
      const e = eigenSymmetric(a);
      const sorted = [...lambda].sort((x, y) => y - x);
      // The construction itself rounds: A is Q·Λ·Qᵀ + F with |F_ij| ≤ n·u·Σ_k|λ_k|·|q_ik·q_jk| +
      // O(u) from Q's own non-orthogonality; ‖F‖₂ ≤ ‖F‖_F stays below 4n·u·Σ|λ| for n ≤ 8.
      const sumAbs = lambda.reduce((s, l) => s + Math.abs(l), 0);
      const construction = 4 * a.rows * 2 ** -53 * sumAbs * a.rows;
      sorted.forEach((l, i) => {
        const err = Math.abs(e.values[i]! - l);
        ok(err <= e.errorBound + construction, `λ${i}: error ${err} > ${e.errorBound}`);
      });
      ok(checkOrthonormality(e.vectors, { atol: 1e-13 }).pass);
      ok(residual(a, e) <= 1e-12 * Math.max(1, sumAbs));
      ok(e.sweeps <= 12, `${e.sweeps} sweeps`);
      // V·Λ·Vᵀ reconstructs the input.
      const back = conjugateDiagonal(e.vectors, e.values);
      const diff = maxAbsDiff(back.data, a.data);
      ok(diff <= 1e-12 * Math.max(1, sumAbs), `reconstruction error ${diff}`);
    }),
    fcParams(100),
  );
});
