/**
 * The patch decoders' f64 oracle against the torch float64 fixture
 * (decepticons.patch_decoders.fixture_parity): the shipped weights, ids and logits of every case
 * of fixtures/decepticons/patch_decoders.json.
 *
 * @module
 */
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import { patchedForward } from "../../oracle/decepticons/patch_decoders.ts";
import { loadPatchFixture } from "./_fixture.ts";
import { PATCH_FIXTURE_PARITY } from "./claims.ts";

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
