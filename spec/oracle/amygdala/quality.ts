/**
 * f64 oracle of the amygdala quality metrics (Kent Overstreet's amygdala
 * trainer, `--quality-report`), by routes other than impl/amygdala/quality's:
 * the first-PC ratio from the eigenvalues of the centred scatter matrix CᵀC
 * (eigh, not the SVD), the ridge R² from the primal normal equations
 * (OᵀO + λI)x = Oᵀt in H dimensions (not the dual (OOᵀ + λI)α = Ot), and the
 * participation ratio from its definition.
 *
 * @module
 */
import { choleskySolve } from "../../../impl/linalg/cholesky.ts";
import { eigh } from "../../../impl/linalg/eigh.ts";
import { type Matrix, matrix, type MatrixData } from "../../../impl/linalg/matrix.ts";

/** λ₁/Σλ of the scatter matrix of the centred rows. */
export function firstPcRatioOracle(p: Matrix<MatrixData>): number {
  const [n, h] = [p.rows, p.cols];
  const c = new Float64Array(n * h);
  for (let j = 0; j < h; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += p.data[i * h + j]! / n;
    for (let i = 0; i < n; i++) c[i * h + j] = p.data[i * h + j]! - m;
  }
  const s = new Float64Array(h * h);
  for (let a = 0; a < h; a++) {
    for (let b = a; b < h; b++) {
      let z = 0;
      for (let i = 0; i < n; i++) z += c[i * h + a]! * c[i * h + b]!;
      s[a * h + b] = z;
      s[b * h + a] = z;
    }
  }
  const v = eigh(matrix(h, h, s)).values;
  let tot = 0;
  for (const x of v) tot += Math.max(x, 0);
  return v[h - 1]! / tot;
}

/**
 * R² of the ridge fit through the primal system: with G = OᵀO + λI (H × H) and x = G⁻¹t, the
 * push-through identity Oᵀ(OOᵀ + λI)⁻¹O = G⁻¹OᵀO gives t − Oᵀα = t − G⁻¹OᵀOt = λx.
 */
export function ridgeR2Oracle(o: Matrix<MatrixData>, t: ArrayLike<number>, lambda: number): number {
  const [n, h] = [o.rows, o.cols];
  const g = matrix(h, h);
  for (let a = 0; a < h; a++) {
    for (let c = 0; c < h; c++) {
      let z = 0;
      for (let i = 0; i < n; i++) z += o.data[i * h + a]! * o.data[i * h + c]!;
      g.data[a * h + c] = z + (a === c ? lambda : 0);
    }
  }
  const x = choleskySolve(g, matrix(h, 1, Array.from({ length: h }, (_, a) => t[a]!))).data;
  let res = 0;
  let tt = 0;
  for (let a = 0; a < h; a++) {
    res += (lambda * x[a]!) ** 2;
    tt += t[a]! * t[a]!;
  }
  return Math.min(1, Math.max(0, 1 - res / Math.max(tt, 1e-12)));
}

/** (Σλ)²/Σλ². */
export function participationRatioOracle(values: readonly number[]): number {
  const s = values.reduce((a, b) => a + b, 0);
  return (s * s) / values.reduce((a, b) => a + b * b, 0);
}
