/**
 * The patch decoders' f64 oracle against the torch float64 fixture
 * (decepticons.patch_decoders.fixture_parity): the shipped weights, ids and logits of every case
 * of fixtures/decepticons/patch_decoders.json; and its analytic backward against central
 * differences (decepticons.patch_decoders.oracle_gradcheck).
 *
 * @module
 */
import { FIXTURE_F64_REL, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import {
  patchedBackward,
  patchedForward,
  patchTrainableNames,
} from "../../oracle/decepticons/patch_decoders.ts";
import { loadPatchFixture, type PatchFixtureCase } from "./_fixture.ts";
import { PATCH_FIXTURE_PARITY, PATCH_ORACLE_GRADCHECK } from "./claims.ts";

claimTest(PATCH_FIXTURE_PARITY, async () => {
  const { cases, integrity } = await loadPatchFixture();
  let worst = 0;
  let where = "";
  for (const cs of cases) {
    const got = patchedForward(cs.config, cs.values, cs.ids, cs.B, cs.T);
    if (got.length !== cs.logits.length) {
      throw new Error(
        `Cannot compare case ${cs.name}: expected ${cs.logits.length} logits but the oracle gave ` +
          `${got.length}`,
      );
    }
    for (let i = 0; i < got.length; i++) {
      const want = cs.logits[i]!;
      const r = Math.abs(got[i]! - want) / (FIXTURE_F64_REL * Math.max(1, Math.abs(want)));
      if (!(r <= worst)) {
        worst = Number.isNaN(r) ? Infinity : r;
        where = `${cs.name}[${i}]`;
      }
    }
  }
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `worst |oracle - fixture| / (1e-12 max(1, |fixture|)) = ${formatFigure(worst)} at ` +
      `${where}; ${cases.length} cases (${cases.map((c) => c.name).join(", ")}); ${integrity}`,
  };
});

/** Coordinate scale of the central differences (see the gradcheck below). */
const STEP_SCALE = 3;

/** A fuzzed case of a fixture case: weights × (1 + u/2), seeded ids, B 1, T 23. */
function fuzzed(cs: PatchFixtureCase, seed: number): PatchFixtureCase {
  const r = new Rng(seed);
  const values: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(cs.values)) {
    const fixed = k === "in_proj" || k === "decays" || k === "log_table";
    values[k] = fixed ? v : v.map((x) => Math.fround(x * (1 + 0.5 * r.uniformIn(-1, 1))));
  }
  const B = 1;
  const T = 23;
  const ids = Int32Array.from({ length: B * T }, () => Math.floor(r.uniformIn(0, 256)) % 256);
  return { ...cs, name: `${cs.name} fuzzed`, B, T, ids, values, logits: new Float64Array(0) };
}

claimTest(PATCH_ORACLE_GRADCHECK, async () => {
  const { cases } = await loadPatchFixture();
  const decoders = new Set<string>();
  const fuzz = cases.filter((c) => {
    const key = `${c.config.decoder} ${c.config.trustRouting}`;
    const first = !decoders.has(key);
    decoders.add(key);
    return first;
  }).map((c, i) => fuzzed(c, 900 + i));
  let worst = 0;
  let where = "";
  let evaluations = 0;
  // The fixture's weights on its first sequence's first 18 ids (4 patches and a partial one):
  // the central differences' cancellation grows with L's size, Σ|g ⊙ logits|.
  const heads = cases.map((c) => ({ ...c, B: 1, T: 18, ids: c.ids.slice(0, 18) }));
  for (const [ci, cs] of [...heads, ...fuzz].entries()) {
    const names = patchTrainableNames(cs.config);
    const n = cs.B * cs.T * cs.config.patchN * 256;
    const gr = new Rng(700 + ci);
    const g = Float64Array.from({ length: n }, () => gr.uniformIn(-1, 1));
    const analytic = patchedBackward(cs.config, cs.values, cs.ids, cs.B, cs.T, g);
    for (const name of names) {
      const x0 = cs.values[name]!;
      const big = x0.length > 64;
      // In u = x / STEP_SCALE: the helper's step 5e-6 becomes 1.5e-5 in x, which balances the
      // cancellation of L (a sum of B·T·N·256 terms) against truncation; the
      // error of ∂L/∂u = STEP_SCALE·∂L/∂x is no looser than that of ∂L/∂x.
      const r = gradcheck(
        ([u]) =>
          patchedForward(
            cs.config,
            { ...cs.values, [name]: u!.map((q) => q * STEP_SCALE) },
            cs.ids,
            cs.B,
            cs.T,
          ),
        [x0.map((q) => q / STEP_SCALE)],
        () => [analytic[name]!.map((q) => q * STEP_SCALE)],
        g,
        big ? { mode: "random", directions: 6, seed: 31 + ci } : {},
      );
      evaluations += r.evaluations;
      if (!(r.maxError <= worst)) {
        worst = r.maxError;
        where = `${cs.name} ${name}[${r.worst.index}]`;
      }
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: true,
    detail: `${cases.length} fixture + ${fuzz.length} fuzzed cases, ${evaluations} evaluations; ` +
      `worst at ${where}`,
  };
});
