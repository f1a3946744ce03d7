/**
 * The fixture runner: every `fixtures/ops/<op>.csv` proves claim
 * `ops.<op>.fixture_parity` for the OpSpec named `<op>` in {@link OP_SPECS}:
 *
 * 1. the f64 oracle, forward and backward (given the fixture's output
 *    gradient), matches PyTorch's f64 values within
 *    `FIXTURE_F64_REL·max(|f|, 1)`;
 * 2. the GPU, forward and backward with the same output gradient, matches
 *    PyTorch's values within the spec's own bound rule.
 *
 * Figure: the worst of (oracle error / (FIXTURE_F64_REL·max(|f|, 1)), GPU
 * error / bound) over every case and array; bound 1. Adding a fixture file
 * needs no code here; a file whose op has no spec fails, saying so.
 *
 * @module
 */
import { claimTest } from "../_harness/claim.ts";
import {
  checkFixtureGpu,
  checkFixtureOracle,
  type FixtureResult,
  listFixtures,
  loadFixture,
  OP_FIXTURE_DIR,
} from "../_harness/fixtures.ts";
import { opClaims } from "../_harness/op_spec.ts";
import { describeClose } from "../../invariants/close.ts";
import { OP_SPECS } from "./claims.ts";

function arrayName(which: number): string {
  return which < 0 ? "output" : `grad ${which}`;
}

for (const path of listFixtures(OP_FIXTURE_DIR)) {
  const op = path.slice(path.lastIndexOf("/") + 1, -".csv".length);
  const spec = OP_SPECS.find((s) => s.name === op);
  if (spec === undefined) {
    Deno.test(`${path}: fixture has an OpSpec`, () => {
      throw new Error(
        `${path} has no OpSpec named "${op}" in OP_SPECS (spec/ops/claims.ts): add the spec to ` +
          "its group's *_specs.ts list, or remove the fixture from its generator",
      );
    });
    continue;
  }
  const claim = opClaims(spec)[2]!;
  claimTest(claim, async () => {
    const fixture = await loadFixture(path);
    const worst = { oracle: { ratio: 0, text: "" }, gpu: { ratio: 0, text: "" } };
    let failed = "";
    const consider = (side: "oracle" | "gpu", name: string, r: FixtureResult) => {
      const text = `case "${name}" ${arrayName(r.worst.which)}: ${describeClose(r.worst.verdict)}`;
      if (!r.pass && failed === "") failed = `${side} ${text}`;
      if (r.ratio > worst[side].ratio || worst[side].text === "") {
        worst[side] = { ratio: r.ratio, text };
      }
    };
    for (const c of fixture.cases) consider("oracle", c.name, checkFixtureOracle(spec, c));
    for (const c of fixture.cases) consider("gpu", c.name, await checkFixtureGpu(spec, c));
    const figure = Math.max(worst.oracle.ratio, worst.gpu.ratio);
    return {
      figure,
      bound: 1,
      pass: failed === "" && figure <= 1,
      detail: `${fixture.cases.length} cases from ${path}` +
        (failed !== "" ? `; first failure: ${failed}` : "") +
        `; oracle worst ${worst.oracle.text}; gpu worst ${worst.gpu.text}`,
    };
  });
}
