/**
 * `fixtures/ops/tolerances.json` is the ops fixtures' bounds as data: it must say exactly
 * what the bound rules compute today, for every fixture file, case and compared array.
 *
 * @module
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { listFixtures, OP_FIXTURE_DIR } from "../_harness/fixtures.ts";
import { computeTolerances, TOLERANCE_FILE, type ToleranceFile } from "./tolerances.ts";

const committedText = () => Deno.readTextFile(new URL(`../../${TOLERANCE_FILE}`, import.meta.url));

Deno.test("fixtures/ops/tolerances.json equals the bound rules evaluated on every fixture", async () => {
  const committed = JSON.parse(await committedText()) as ToleranceFile;
  const fresh = await computeTolerances();
  const stale = Object.keys(fresh.ops).filter((op) =>
    JSON.stringify(fresh.ops[op]) !== JSON.stringify(committed.ops[op])
  );
  const extra = Object.keys(committed.ops).filter((op) => !(op in fresh.ops));
  deepStrictEqual(
    { stale, extra },
    { stale: [], extra: [] },
    "fixtures/ops/tolerances.json is out of date: run `deno task fixtures:tolerances`",
  );
});

Deno.test("every ops fixture has its tolerances, each bound finite and ≥ 0", async () => {
  const committed = JSON.parse(await committedText()) as ToleranceFile;
  deepStrictEqual(committed.format, "memspec.ops.tolerances.v1");
  const ops = listFixtures(OP_FIXTURE_DIR).map((p) => p.slice(p.lastIndexOf("/") + 1, -4));
  deepStrictEqual(Object.keys(committed.ops).sort(), ops);
  const bad: string[] = [];
  for (const [op, t] of Object.entries(committed.ops)) {
    for (const [name, arrays] of Object.entries(t.cases)) {
      ok("output" in arrays, `${op} case ${name} has no output bound`);
      for (const [array, enc] of Object.entries(arrays)) {
        const bin = atob(enc.b64);
        const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
        const values = new Float64Array(bytes.buffer);
        const n = enc.shape.reduce((a, b) => a * b, 1);
        if (values.length !== n) bad.push(`${op}/${name}/${array}: ${values.length} ≠ ${n}`);
        if (values.some((v) => !(v >= 0) || !Number.isFinite(v))) {
          bad.push(`${op}/${name}/${array}: a bound is negative or not finite`);
        }
      }
    }
  }
  deepStrictEqual(bad, []);
});
