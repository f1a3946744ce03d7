/**
 * Tests of the differential helper itself: a control case that passes, a
 * planted off-by-one that fails its own named step, a missing output, and a
 * fuzzed failure that fast-check shrinks.
 *
 * The failing cases run under a recording test context, so that their failed
 * steps are observed here rather than failing this test.
 *
 * @module
 */
import fc from "fast-check";
import { deepStrictEqual, match, ok, rejects, strictEqual, throws } from "node:assert/strict";
import {
  compareCase,
  Comparison,
  differential,
  type DifferentialSpec,
  jointly,
  relativeBounds,
} from "./differential.ts";

/** One step the recording context ran. */
interface StepRecord {
  name: string;
  ok: boolean;
  error?: unknown;
}

/** A test context whose steps run in place and are recorded, a failed one included. */
function recordingContext(): { t: Deno.TestContext; steps: StepRecord[] } {
  const steps: StepRecord[] = [];
  const step = async (name: string, fn: (t: Deno.TestContext) => unknown): Promise<boolean> => {
    try {
      await fn(t);
      steps.push({ name, ok: true });
      return true;
    } catch (error) {
      steps.push({ name, ok: false, error });
      return false;
    }
  };
  const t = {
    name: "recording",
    origin: "differential_test.ts",
    step,
  } as unknown as Deno.TestContext;
  return { t, steps };
}

const u = 2 ** -24;

/** Doubling in f32 against f64: exact for f32 inputs, so any bound passes. */
const doubling = (offByOne = false): DifferentialSpec<number[]> => ({
  cases: [
    { name: "n=1", input: [1] },
    { name: "n=5 mixed signs", input: [0.5, -3, 7, 1e-3, 2] },
  ],
  gpu: (x) => ({
    y: Float32Array.from(x, (v, i) => 2 * v + (offByOne && i === x.length - 1 ? 1 : 0)),
  }),
  oracle: (x) => ({ y: x.map((v) => 2 * Math.fround(v)) }),
  bound: (_x, o) => ({ y: Array.from(o.y!, (v) => Math.abs(v) * u + 1e-30) }),
});

Deno.test("differential: a control case passes with ratio < 1", async (t) => {
  const m = await differential(t, doubling());
  ok(m.pass, m.detail);
  strictEqual(m.bound, 1);
  ok(typeof m.figure === "number" && m.figure < 1, `figure ${m.figure}`);
  match(m.detail!, /2 cases, 6 elements/);
});

Deno.test("differential: a planted off-by-one fails its named step with ratio > 1", async () => {
  const { t, steps } = recordingContext();
  const m = await differential(t, doubling(true));
  strictEqual(m.pass, false);
  ok(typeof m.figure === "number" && m.figure > 1, `figure ${m.figure}`);
  deepStrictEqual(steps.map((s) => [s.name, s.ok]), [["n=1", false], ["n=5 mixed signs", false]]);
  // The worst case is named in the detail, and each failed step names its case.
  match(m.detail!, /^worst n=(1|5 mixed signs) y: /);
  match(m.detail!, /FAILED steps: n=1, n=5 mixed signs/);
  for (const s of steps) match(String(s.error), new RegExp(`case ${s.name} is over`));
});

Deno.test("differential: only the failing case's step fails", async () => {
  const { t, steps } = recordingContext();
  const spec = doubling();
  const m = await differential(t, {
    ...spec,
    cases: [...spec.cases!, { name: "planted", input: [4, 4] }],
    gpu: (x) => ({ y: x.map((v, i) => 2 * v + (x.length === 2 && i === 1 ? 1 : 0)) }),
  });
  strictEqual(m.pass, false);
  deepStrictEqual(steps.filter((s) => !s.ok).map((s) => s.name), ["planted"]);
  match(m.detail!, /^worst planted y: .*@1 /);
});

Deno.test("compareCase: a missing GPU output, a missing bound or a length mismatch throws TypeError", async () => {
  const base = doubling();
  await rejects(
    () => compareCase({ ...base, gpu: () => ({ z: [2] }) }, "missing", [1]),
    { name: "TypeError", message: new RegExp('output "y" is missing from the GPU outputs') },
  );
  await rejects(
    () => compareCase({ ...base, bound: () => ({}) }, "no bound", [1]),
    { name: "TypeError", message: new RegExp('output "y" is missing from the bounds') },
  );
  await rejects(
    () => compareCase({ ...base, gpu: () => ({ y: [2, 2] }) }, "long", [1]),
    { name: "TypeError", message: new RegExp("2 GPU values, 1 oracle values") },
  );
});

Deno.test("differential: a missing output fails its step with a TypeError", async () => {
  const { t, steps } = recordingContext();
  const m = await differential(t, { ...doubling(), gpu: () => ({}) });
  strictEqual(m.pass, false);
  ok(steps.length === 2 && steps.every((s) => !s.ok && s.error instanceof TypeError));
});

Deno.test("differential: a fuzzed failure shrinks to its smallest case", async () => {
  const { t, steps } = recordingContext();
  // Wrong from 500 on: fast-check must shrink any failing draw to exactly 500.
  const m = await differential(t, {
    fuzz: { arbitrary: fc.integer({ min: 0, max: 1000 }), runs: 50, name: (x) => `x=${x}` },
    gpu: (x) => ({ y: [x >= 500 ? x + 1 : x] }),
    oracle: (x) => ({ y: [x] }),
    bound: () => ({ y: 0.5 }),
  });
  strictEqual(m.pass, false);
  ok(typeof m.figure === "number" && m.figure > 1, `figure ${m.figure}`);
  deepStrictEqual(steps.map((s) => [s.name, s.ok]), [["fuzzed cases", false]]);
  const report = String(steps[0]!.error);
  match(report, /Counterexample: \[500\]/);
  match(report, /Shrunk \d+ time/);
  match(report, /seed: -?\d+, path: "[\d:]+"/);
  match(m.detail!, /^worst x=\d+ y: /);
  match(m.detail!, /FAILED steps: fuzzed cases/);
});

Deno.test("jointly: computes each case once and serves gpu, oracle and bound from it", async (t) => {
  const calls: number[] = [];
  const m = await differential(t, {
    cases: [{ name: "a", input: 1 }, { name: "b", input: 2 }],
    ...jointly((x: number) => {
      calls.push(x);
      return new Comparison().add("y", [x], [x], 0).add("z", [2 * x], [2 * x], [u]);
    }),
  });
  ok(m.pass, m.detail);
  deepStrictEqual(calls, [1, 2]);
  match(m.detail!, /2 cases, 4 elements/);
});

Deno.test("Comparison: a repeated output name throws TypeError", () => {
  const c = new Comparison().add("y", [1], [1], 0);
  throws(() => c.add("y", [2], [2], 0), { name: "TypeError", message: /Cannot add output "y"/ });
  // A name inherited from Object.prototype is a new name.
  c.add("toString", [1], [1], 0);
  deepStrictEqual(Object.keys(c.gpu), ["y", "toString"]);
});

Deno.test("relativeBounds: rel·max(1, |ref|)", () => {
  deepStrictEqual(Array.from(relativeBounds([0, 0.5, -4, 1e3], 1e-12)), [
    1e-12,
    1e-12,
    4e-12,
    1e-9,
  ]);
});
