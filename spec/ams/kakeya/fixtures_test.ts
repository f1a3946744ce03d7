/**
 * Proofs of the Kakeya fixture claims (./claims.ts) against fixtures/ams/kakeya_set.json and
 * fixtures/ams/kakeya_kmeans.json (fixtures/gen/ams_kakeya_fixtures.py).
 *
 * @module
 */
import { matrix } from "../../../impl/linalg/mod.ts";
import { kakeyaPca, KakeyaSet, sphericalKMeans } from "../../../impl/ams/kakeya/kakeya.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { oracleTerms, sqDist } from "../../oracle/ams/kakeya.ts";
import { oracleParts } from "./_cases.ts";
import { KAKEYA_FIXTURE_KMEANS, KAKEYA_FIXTURE_SET } from "./claims.ts";

/** Float agreement of two f64 implementations (different summation orders only). */
const FLOAT_REL = 1e-9;
/** Agreement of k-means centres (means of at most 60 unit rows, normalised). */
const CENTRE_ABS = 1e-12;
/** A residual whose largest entry is below this fraction of the row's scale is rounding noise. */
const NOISE_REL = 1e-9;

interface SetCase {
  name: string;
  n: number;
  d: number;
  d_eff: number;
  d_res: number;
  K: number;
  x: EncodedArray;
  axis_in_field: EncodedArray;
  mean: EncodedArray;
  basis: EncodedArray;
  centers: EncodedArray;
  singular_values: EncodedArray;
  cumvar: EncodedArray;
  alpha: EncodedArray;
  seg: EncodedArray;
  tau: EncodedArray;
  residual_idx: EncodedArray;
  residual_vals: EncodedArray;
  v_hat: EncodedArray;
  err_total: EncodedArray;
  err_pca: EncodedArray;
  err_residual: EncodedArray;
}

interface KmeansCase {
  name: string;
  n: number;
  d: number;
  K: number;
  dirs: EncodedArray;
  init_order: EncodedArray;
  assignment: EncodedArray;
  centers: EncodedArray;
  iterations: number;
}

claimTest(KAKEYA_FIXTURE_SET, async (): Promise<Measurement> => {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: SetCase[] }>(
    "fixtures/ams/kakeya_set.json",
    "memspec.ams.kakeya_set.v1",
  );
  let worst = 0;
  let where = "";
  let intMismatches = 0;
  let worstSign = 0;
  let noiseRows = 0;
  let rowsTotal = 0;
  const floats = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
    for (let i = 0; i < want.length; i++) {
      const r = Math.abs(got[i]! - want[i]!) / (FLOAT_REL * (1 + Math.abs(want[i]!)));
      if (!(r <= worst)) {
        worst = Number.isNaN(r) ? Infinity : r;
        where = `${what}[${i}]`;
      }
    }
  };
  for (const c of data.cases) {
    const { n, d, d_eff: e } = c;
    const x = matrix(n, d, f64(c.x, `${c.name}.x`, [n, d]));
    const set = KakeyaSet.fromParts({
      mean: f64(c.mean, `${c.name}.mean`, [d]),
      basis: matrix(e, d, f64(c.basis, `${c.name}.basis`, [e, d])),
      centers: matrix(
        c.centers.shape[0]!,
        e,
        f64(c.centers, `${c.name}.centers`),
      ),
      axisInField: f64(c.axis_in_field, `${c.name}.axis`, [d]),
      dRes: c.d_res,
    });
    const dr = Math.min(c.d_res, e);
    const seg = ints(c.seg, `${c.name}.seg`, [n]);
    const idx = ints(c.residual_idx, `${c.name}.residual_idx`, [n, dr]);
    const alpha = f64(c.alpha, `${c.name}.alpha`, [n]);
    const tau = f64(c.tau, `${c.name}.tau`, [n]);
    const vals = f64(c.residual_vals, `${c.name}.residual_vals`, [n, dr]);
    const vhat = f64(c.v_hat, `${c.name}.v_hat`, [n, d]);
    const eTot = f64(c.err_total, `${c.name}.err_total`, [n]);
    const ePca = f64(c.err_pca, `${c.name}.err_pca`, [n]);
    const eRes = f64(c.err_residual, `${c.name}.err_residual`, [n]);
    const parts = oracleParts(set);
    for (let i = 0; i < n; i++) {
      rowsTotal++;
      const v = x.data.subarray(i * d, (i + 1) * d);
      const code = set.encode(v);
      if (code.segId !== seg[i]) intMismatches++;
      // A row that is its own segment centre (a singleton cluster) has r = rounding noise: the
      // order of its |r| is noise too, so its indices are not compared (its values, ≈ 0, are).
      const topR = dr > 0 ? Math.abs(vals[i * dr]!) : 0;
      if (topR <= NOISE_REL * (1 + Math.abs(alpha[i]!) + Math.abs(tau[i]!))) noiseRows++;
      else {
        for (let q = 0; q < dr; q++) if (code.residualIdx[q] !== idx[i * dr + q]) intMismatches++;
      }
      floats(`${c.name}.alpha`, [code.alpha], [alpha[i]!]);
      floats(`${c.name}.tau`, [code.tau], [tau[i]!]);
      floats(
        `${c.name}.residual_vals row ${i}`,
        code.residualVals,
        vals.subarray(i * dr, (i + 1) * dr),
      );
      const back = set.decode(code);
      floats(`${c.name}.v_hat row ${i}`, back, vhat.subarray(i * d, (i + 1) * d));
      // The decomposition: ‖v − v̂‖² from memspec's v̂; the two terms from the oracle.
      const r = new Array<number>(e).fill(0);
      const cc = set.coefficients(v);
      let a = 0;
      for (let q = 0; q < e; q++) a += cc[q]! * set.t[q]!;
      const p = Array.from(cc, (y, q) => y - a * set.t[q]!);
      for (let q = 0; q < e; q++) r[q] = p[q]! - code.tau * set.centers.data[code.segId * e + q]!;
      const terms = oracleTerms(parts, v, r, Array.from(code.residualIdx));
      floats(`${c.name}.err_total`, [sqDist(v, back)], [eTot[i]!]);
      floats(`${c.name}.err_pca`, [terms.pca], [ePca[i]!]);
      floats(`${c.name}.err_residual`, [terms.residual], [eRes[i]!]);
    }
    // Building from X: same rank, spectrum and cumvar; the basis rows equal up to sign.
    const built = kakeyaPca(x, 0.99);
    if (built.dEff !== e) intMismatches++;
    floats(`${c.name}.singular_values`, built.singularValues, f64(c.singular_values, "s"));
    floats(`${c.name}.cumvar`, built.cumvar, f64(c.cumvar, "cumvar"));
    const b = f64(c.basis, "basis");
    for (let q = 0; q < Math.min(e, built.dEff); q++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += built.basis.data[q * d + j]! * b[q * d + j]!;
      worstSign = Math.max(worstSign, (1 - Math.abs(dot)) / FLOAT_REL);
    }
  }
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1 && intMismatches === 0 && worstSign <= 1,
    parts: [
      { name: "integer mismatches", figure: intMismatches, bound: 0, direction: "==" },
      {
        name: "basis rows (1 − |⟨b, b_torch⟩|)/1e-9",
        figure: worstSign,
        bound: 1,
        direction: "<=",
      },
    ],
    detail: `${data.cases.length} cases (${data.cases.map((c) => c.name).join(", ")}); ` +
      `${rowsTotal - noiseRows} of ${rowsTotal} rows with residual indices compared (the others ` +
      `are their own centre: r is rounding noise); worst ` +
      `float at ${where}; ${integrity}`,
  };
});

claimTest(KAKEYA_FIXTURE_KMEANS, async (): Promise<Measurement> => {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: KmeansCase[] }>(
    "fixtures/ams/kakeya_kmeans.json",
    "memspec.ams.kakeya_kmeans.v1",
  );
  let mismatches = 0;
  let worstCentre = 0;
  const where: string[] = [];
  for (const c of data.cases) {
    const r = sphericalKMeans(matrix(c.n, c.d, f64(c.dirs, `${c.name}.dirs`, [c.n, c.d])), c.K);
    const init = ints(c.init_order, `${c.name}.init_order`);
    const assign = ints(c.assignment, `${c.name}.assignment`, [c.n]);
    const bad = (init.length !== r.initOrder.length ? 1 : 0) +
      init.filter((v, i) => r.initOrder[i] !== v).length +
      assign.filter((v, i) => r.assignment[i] !== v).length +
      (r.iterations !== c.iterations ? 1 : 0);
    if (bad > 0 && where.length < 3) where.push(`${c.name}: ${bad}`);
    mismatches += bad;
    const cs = f64(c.centers, `${c.name}.centers`);
    if (cs.length !== r.centers.data.length) mismatches++;
    for (let i = 0; i < cs.length; i++) {
      worstCentre = Math.max(worstCentre, Math.abs(cs[i]! - r.centers.data[i]!));
    }
  }
  return {
    figure: mismatches,
    bound: 0,
    pass: mismatches === 0,
    parts: [{
      name: "max |centre − torch|",
      figure: worstCentre,
      bound: CENTRE_ABS,
      direction: "<=",
    }],
    detail: `${data.cases.length} cases (${
      data.cases.map((c) => `${c.name}: ${c.iterations} it`).join(", ")
    })` +
      (where.length ? `; mismatches ${where.join("; ")}` : "") + `; ${integrity}`,
  };
});
