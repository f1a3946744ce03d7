import { deepStrictEqual, ok, throws } from "node:assert/strict";
import { declareClaim, declaredClaims } from "./claim.ts";
import { scaffold } from "./new_mechanism.ts";

Deno.test("declareClaim() rejects an id that does not start with its family", () => {
  throws(
    () =>
      declareClaim({
        id: "other.x.y",
        family: "harness_test",
        kind: "exact",
        statement: "s",
        source: "s",
        bound: "b",
      }),
    TypeError,
  );
});

Deno.test("declareClaim() rejects a duplicate id and keeps the first declaration", () => {
  const c = {
    id: "harness_test.dup.once",
    family: "harness_test",
    kind: "exact" as const,
    statement: "first",
    source: "s",
    bound: "b",
  };
  declareClaim(c);
  throws(() => declareClaim({ ...c, statement: "second" }), /already declared/);
  deepStrictEqual(declaredClaims().find((d) => d.id === c.id)?.statement, "first");
});

Deno.test("scaffold() lays out claims, oracle, test and impl files for a mechanism", () => {
  const files = scaffold("demo", "ring_buffer");
  deepStrictEqual([...files.keys()], [
    "spec/demo/claims.ts",
    "spec/oracle/demo/ring_buffer.ts",
    "spec/demo/ring_buffer_test.ts",
    "impl/demo/ring_buffer.ts",
  ]);
  ok(files.get("spec/demo/claims.ts")!.includes('id: "demo.ring_buffer.gradcheck"'));
  ok(files.get("spec/demo/claims.ts")!.includes("ringBufferGradcheck"));
});

Deno.test("scaffold() rejects names that are not snake_case", () => {
  throws(() => scaffold("Demo", "x"), /family "Demo"/);
  throws(() => scaffold("demo", "ring-buffer"), /mechanism "ring-buffer"/);
});
