/**
 * The hierarchical feature view: fixture parity (with the host stepper), layout, finiteness,
 * bad input.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { differential, relativeBounds } from "../../_harness/differential.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { HierarchicalFeatureView } from "../../../impl/decepticons/hierarchical_views/hierarchical_views.ts";
import { hostSubstrate } from "../../../impl/decepticons/experts/host_substrate.ts";
import { type Hierarchical, hierarchical } from "../../../impl/decepticons/substrate/build.ts";
import {
  HIER_VIEW_FAULT,
  HIER_VIEW_FINITE,
  HIER_VIEW_FIXTURE,
  HIER_VIEW_LAYOUT,
} from "./claims.ts";
import { loadViewsFixture } from "./_views_fixture.ts";

claimTest(HIER_VIEW_FIXTURE, async (t) => {
  const { data, integrity } = await loadViewsFixture();
  const h = data.hierarchical;
  const sub: Hierarchical = {
    kind: "hierarchical",
    vocab: h.vocab,
    layers: h.sizes.map((n, i) => ({
      n,
      leak: h.leaks[i]!,
      w: h.w[i]!,
      u: h.u[i]!,
      up: i === 0 ? null : i === 1 ? h.upMid : h.upSlow,
      stride: i === 2 ? h.stride : 1,
    })),
  };
  const view = HierarchicalFeatureView.of(sub);
  const D = view.stateDim;
  const m = await differential(t, {
    cases: [{ name: `rollout of ${h.tokens.length} tokens`, input: h }],
    gpu: () => {
      const host = hostSubstrate(sub);
      let s = host.initial();
      const states = new Float64Array(h.tokens.length * D);
      const enc = new Float64Array(h.tokens.length * view.featureDim);
      let prev: Float64Array | null = null;
      h.tokens.forEach((x, t) => {
        s = host.step(s, x);
        const units = s.slice(0, D);
        states.set(units, t * D);
        enc.set(view.encode(units, prev), t * view.featureDim);
        prev = units;
      });
      return { states, encodings: enc };
    },
    oracle: () => ({ states: h.states, encodings: h.encodings }),
    bound: (_c, o) => ({
      states: relativeBounds(o.states!, FIXTURE_F64_REL),
      encodings: relativeBounds(o.encodings!, FIXTURE_F64_REL),
    }),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(HIER_VIEW_LAYOUT, () => {
  // The original's default sizes and leaks (memspec's hierarchical() defaults too).
  const view = new HierarchicalFeatureView({ sizes: [128, 256, 384], leaks: [0.35, 0.25] });
  const widths = [view.stateDim, view.predictiveDim, view.featureDim];
  const small = new HierarchicalFeatureView({ sizes: [3, 5, 2], leaks: [0.35, 0.25] });
  const s = Float64Array.from({ length: 10 }, (_, i) => Math.sin(i + 1));
  const pred = small.predictive(s);
  let deltaErr = 0;
  for (let i = 0; i < 10; i++) deltaErr = Math.max(deltaErr, Math.abs(pred[i]! - s[i]!));
  const enc = small.encode(s, null);
  const pooled = small.pooled(s);
  let layoutErr = 0;
  for (let i = 0; i < 6; i++) layoutErr = Math.max(layoutErr, Math.abs(enc[i]! - pooled[i]!));
  for (let i = 0; i < pred.length; i++) {
    layoutErr = Math.max(layoutErr, Math.abs(enc[6 + i]! - pred[i]!));
  }
  return {
    figure: deltaErr + layoutErr,
    bound: 0,
    pass: widths.join() === "768,1161,1167",
    parts: [
      { name: "state width", figure: widths[0]!, bound: 768, direction: "==" },
      { name: "predictive width", figure: widths[1]!, bound: 1161, direction: "==" },
      { name: "feature width", figure: widths[2]!, bound: 1167, direction: "==" },
    ],
    detail: `widths ${widths.join(", ")}; max |delta − state| ${deltaErr}; layout ${layoutErr}`,
  };
});

claimTest(HIER_VIEW_FINITE, () => {
  const failures: string[] = [];
  // An 80-step rollout of memspec's own hierarchical substrate (small sizes).
  const sub = hierarchical({ sizes: [64, 48, 32], stride: 3, vocab: 16, seed: 3 });
  const host = hostSubstrate(sub);
  const view = HierarchicalFeatureView.of(sub);
  let s = host.initial();
  let prev: Float64Array | null = null;
  for (let t = 0; t < 80; t++) {
    s = host.step(s, (t * 7) % 16);
    const units = s.slice(0, view.stateDim);
    if (!view.encode(units, prev).every(Number.isFinite)) failures.push(`rollout step ${t}`);
    prev = units;
  }
  let runs = 0;
  const arb = fc.tuple(
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({
      min: 1,
      max: 9,
    }),
    fc.double({ min: -1, max: 1, noNaN: true }),
    fc.integer({ min: 0, max: 2 ** 30 }),
  );
  fc.assert(
    fc.property(arb, ([F, M, S, leak, seed]) => {
      runs++;
      const v = new HierarchicalFeatureView({ sizes: [F, M, S], leaks: [leak, -leak] });
      let x = seed;
      const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 1e6;
      const st = Float64Array.from({ length: F + M + S }, rnd);
      const pv = Float64Array.from({ length: F + M + S }, rnd);
      const f = v.encode(st, pv);
      const want = F + M + S + Math.min(F, M) + Math.min(M, S) + 15;
      const ok = f.every(Number.isFinite) && f.length === want && f.length === v.featureDim;
      if (!ok) failures.push(`sizes ${F},${M},${S}`);
      return ok;
    }),
    fcParams(200),
  );
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `80 rollout steps and ${runs} fuzzed states; ${failures.slice(0, 3).join("; ")}`,
  };
});

claimTest(HIER_VIEW_FAULT, async () => {
  const ok = {
    sizes: [2, 2, 2] as [number, number, number],
    leaks: [0.3, 0.2] as [number, number],
  };
  const view = new HierarchicalFeatureView(ok);
  const cases = [
    {
      name: "size 0",
      run: () => new HierarchicalFeatureView({ ...ok, sizes: [0, 2, 2] }),
      expect: RangeError,
      mentions: ["sizes[0]"],
    },
    {
      name: "fractional size",
      run: () => new HierarchicalFeatureView({ ...ok, sizes: [2, 2.5, 2] }),
      expect: RangeError,
      mentions: ["sizes[1]"],
    },
    {
      name: "two sizes",
      run: () =>
        new HierarchicalFeatureView({
          ...ok,
          sizes: [2, 2] as unknown as [number, number, number],
        }),
      expect: TypeError,
      mentions: ["sizes"],
    },
    {
      name: "NaN leak",
      run: () => new HierarchicalFeatureView({ ...ok, leaks: [NaN, 0.2] }),
      expect: RangeError,
      mentions: ["leaks[0]"],
    },
    {
      name: "short state",
      run: () => view.encode(new Float64Array(5)),
      expect: TypeError,
      mentions: ["6 values"],
    },
    {
      name: "non-finite state",
      run: () => view.encode([0, 0, Infinity, 0, 0, 0]),
      expect: RangeError,
      mentions: ["state[2]"],
    },
    {
      name: "previous state of the wrong width",
      run: () => view.encode(new Float64Array(6), new Float64Array(7)),
      expect: TypeError,
      mentions: ["previous state"],
    },
  ];
  const failures = await checkFaults(cases);
  return faultMeasurement(cases.length, failures);
});
