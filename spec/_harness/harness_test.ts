import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { declareClaim, declaredClaims, hasClaimSuffix, judge } from "./claim.ts";
import { findClaimFiles, loadClaimFiles } from "./claim_files.ts";
import { buildRows, gateExitCode, tally } from "./gate_rows.ts";
import { scaffold } from "./new_mechanism.ts";

const base = {
  family: "harness_test",
  kind: "exact" as const,
  statement: "s",
  source: "s",
  bound: "b",
};

Deno.test("declareClaim() rejects an id that does not start with its family", () => {
  throws(() => declareClaim({ ...base, id: "other.x.property" }), TypeError);
});

Deno.test("declareClaim() rejects a last segment outside the suffix vocabulary", async (t) => {
  await t.step("control: a vocabulary word with a detail is accepted", () => {
    declareClaim({ ...base, id: "harness_test.vocab.fixture_parity_gpu" });
  });
  await t.step("fault: a free-form suffix is refused, naming the vocabulary", () => {
    throws(
      () => declareClaim({ ...base, id: "harness_test.vocab.numpy_parity" }),
      /expected its last segment to start with one of oracle_gradcheck, gpu_parity/,
    );
  });
  await t.step("limits: a word must be whole (gpu_paritys is refused)", () => {
    ok(hasClaimSuffix("a.b.gpu_parity"));
    ok(!hasClaimSuffix("a.b.gpu_paritys"));
    ok(!hasClaimSuffix("a.b.parity"));
  });
});

Deno.test("declareClaim() rejects a duplicate id and keeps the first declaration", () => {
  const c = { ...base, id: "harness_test.dup.property_once", statement: "first" };
  declareClaim(c);
  throws(() => declareClaim({ ...c, statement: "second" }), /already declared/);
  deepStrictEqual(declaredClaims().find((d) => d.id === c.id)?.statement, "first");
});

Deno.test("judge() computes the verdict from figure, direction and bound", async (t) => {
  await t.step("control: a figure within its bound passes", () => {
    ok(judge({}, { figure: 0.5, bound: 1, pass: true }).pass);
    ok(judge({ direction: ">=" }, { figure: 1, bound: 1, pass: true }).pass);
    ok(judge({ direction: "==" }, { figure: 917, bound: 917, pass: true }).pass);
  });
  await t.step("fault: a pass whose figure violates its bound fails", () => {
    const j = judge({}, { figure: 1.5, bound: 1, pass: true });
    strictEqual(j.pass, false);
    ok(j.reason.includes("(the test reported pass)"), j.reason);
    strictEqual(judge({ direction: ">=" }, { figure: 0.9, bound: 1, pass: true }).pass, false);
    strictEqual(judge({ direction: "==" }, { figure: 916, bound: 917, pass: true }).pass, false);
  });
  await t.step("fault: NaN never holds a bound", () => {
    strictEqual(judge({}, { figure: NaN, bound: 1, pass: true }).pass, false);
  });
  await t.step("fault: every part of a composite figure must hold its bound", () => {
    const parts = [
      { name: "store gate", figure: 0.86, bound: 0.8, direction: ">=" as const },
      { name: "distractor gate", figure: 0.25, bound: 0.2, direction: "<=" as const },
    ];
    const j = judge({}, { figure: "0.86, 0.25", bound: "> 0.8, < 0.2", pass: true, parts });
    strictEqual(j.pass, false);
    ok(j.reason.includes("distractor gate"), j.reason);
    ok(j.judged);
  });
  await t.step("fault: a text figure without numeric parts cannot pass", () => {
    const j = judge({}, { figure: "8 of 8", bound: "8 of 8", pass: true });
    strictEqual(j.pass, false);
    strictEqual(j.judged, false);
    ok(j.reason.includes("not a number"), j.reason);
  });
  await t.step("a test's own failure stands even when the figure holds", () => {
    strictEqual(judge({}, { figure: 0, bound: 1, pass: false }).pass, false);
  });
});

Deno.test("the gate fails on a pending claim, an undeclared result and a failed claim", async (t) => {
  const claims = [
    { ...base, id: "harness_test.gate.property_a" },
    { ...base, id: "harness_test.gate.property_b" },
  ];
  const result = (id: string, verdict: "pass" | "fail") => ({
    id,
    verdict,
    figure: "0",
    bound: "0",
    detail: "",
    ms: 1,
  });
  await t.step("control: every claim passed", () => {
    const rows = buildRows(claims, claims.map((c) => result(c.id, "pass")));
    deepStrictEqual(tally(rows), { pass: 2, fail: 0, pending: 0 });
    strictEqual(gateExitCode(tally(rows), 0, false), 0);
  });
  await t.step("pending: a declared claim no test ran fails unless allowed", () => {
    const rows = buildRows(claims, [result(claims[0]!.id, "pass")]);
    deepStrictEqual(tally(rows), { pass: 1, fail: 0, pending: 1 });
    strictEqual(gateExitCode(tally(rows), 0, false), 1);
    strictEqual(gateExitCode(tally(rows), 0, true), 0);
  });
  await t.step("undeclared: a result whose id nobody declares is a failing row", () => {
    const rows = buildRows(claims, [
      ...claims.map((c) => result(c.id, "pass")),
      result("harness_test.gate.property_renamed", "pass"),
    ]);
    const row = rows.find((r) => r.id === "harness_test.gate.property_renamed");
    strictEqual(row?.verdict, "fail");
    ok(row?.detail.startsWith("undeclared"));
    strictEqual(gateExitCode(tally(rows), 0, true), 1);
  });
  await t.step("fail: one failing result fails the claim and the gate", () => {
    const rows = buildRows(claims, [
      result(claims[0]!.id, "pass"),
      result(claims[1]!.id, "pass"),
      result(claims[1]!.id, "fail"),
    ]);
    strictEqual(rows[1]!.verdict, "fail");
    strictEqual(gateExitCode(tally(rows), 0, false), 1);
  });
});

Deno.test("claims files are found by walking the tree, so none can be left out", async (t) => {
  // Under out/ (the only place tests may write); removed at the end.
  await Deno.mkdir("out", { recursive: true });
  const root = await Deno.realPath(await Deno.makeTempDir({ dir: "out", prefix: "claims_walk_" }));
  try {
    await Deno.mkdir(`${root}/fam/widget`, { recursive: true });
    await Deno.mkdir(`${root}/_harness`, { recursive: true });
    const claimFile = (id: string) =>
      `import { declareClaim } from "${new URL("./claim.ts", import.meta.url).href}";\n` +
      `declareClaim({ id: "${id}", family: "harness_test", kind: "exact", statement: "s", ` +
      `source: "s", bound: "b" });\n`;
    // Nothing imports these files: the walk alone must find them.
    await Deno.writeTextFile(
      `${root}/fam/widget/claims.ts`,
      claimFile("harness_test.walk.property_w"),
    );
    await Deno.writeTextFile(
      `${root}/fam/extra_claims.ts`,
      claimFile("harness_test.walk.property_x"),
    );
    await Deno.writeTextFile(`${root}/fam/widget/widget_test.ts`, "// not a claims file\n");
    await Deno.writeTextFile(`${root}/_harness/claims.ts`, "throw new Error('skipped');\n");
    const files = await findClaimFiles(new URL(`file://${root}/`));
    await t.step("finds claims.ts and *_claims.ts at any depth, skips _folders", () => {
      deepStrictEqual(files.map((f) => f.pathname.slice(root.length)), [
        "/fam/extra_claims.ts",
        "/fam/widget/claims.ts",
      ]);
    });
    await t.step(
      "loading them declares their claims, which the gate then lists as pending",
      async () => {
        await loadClaimFiles(files);
        const rows = buildRows(
          declaredClaims().filter((c) => c.id.startsWith("harness_test.walk.")),
          [],
        );
        deepStrictEqual(rows.map((r) => [r.id, r.verdict]).sort(), [
          ["harness_test.walk.property_w", "pending"],
          ["harness_test.walk.property_x", "pending"],
        ]);
        strictEqual(gateExitCode(tally(rows), 0, false), 1);
      },
    );
    await t.step("the repository's own spec/ tree: every claims file is found", async () => {
      const mine = await findClaimFiles(new URL("../", import.meta.url));
      ok(mine.some((f) => f.pathname.endsWith("spec/fastweights/store/claims.ts")));
      ok(mine.some((f) => f.pathname.endsWith("spec/decepticons/codec/claims.ts")));
      ok(mine.some((f) => f.pathname.endsWith("spec/ops/claims.ts")));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scaffold() lays out a mechanism folder on both sides with its own claims", () => {
  const files = scaffold("demo", "ring_buffer");
  deepStrictEqual([...files.keys()], [
    "spec/demo/ring_buffer/claims.ts",
    "spec/demo/ring_buffer/ring_buffer_test.ts",
    "spec/oracle/demo/ring_buffer.ts",
    "impl/demo/ring_buffer/ring_buffer.ts",
    "impl/demo/ring_buffer/kernels/.gitkeep",
  ]);
  const claims = files.get("spec/demo/ring_buffer/claims.ts")!;
  ok(claims.includes('id: "demo.ring_buffer.oracle_gradcheck"'));
  ok(claims.includes("ringBufferGpuParity"));
});

Deno.test("scaffold() gives a second mechanism of a family its own files", () => {
  const a = [...scaffold("demo", "widget").keys()];
  const b = [...scaffold("demo", "gadget").keys()];
  deepStrictEqual(a.filter((p) => b.includes(p)), []);
});

Deno.test("scaffold() rejects names that are not snake_case", () => {
  throws(() => scaffold("Demo", "x"), /family "Demo"/);
  throws(() => scaffold("demo", "ring-buffer"), /mechanism "ring-buffer"/);
});
