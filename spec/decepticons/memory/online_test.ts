/**
 * OnlineCausalMemory claims (the original's src/decepticons/online_memory.py):
 * model-based command fuzzing
 * against the plain count model, and order independence (with the
 * original's shared-table cross-talk measured on its model).
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import {
  OCM_FEATURES,
  OnlineCausalMemory,
} from "../../../impl/decepticons/memory/online_causal.ts";
import { PlainCountModel, sharedTableTrace } from "../../oracle/decepticons/memory.ts";
import { ONLINE_MODEL, ONLINE_ORDERS_INDEPENDENT } from "./claims.ts";
import { loadMemoryFixture } from "./_fixture_loader.ts";

interface Real {
  mem: OnlineCausalMemory;
  stats: { queries: number; counts: number; worstFeature: number; failures: string[] };
}

class UpdateCommand implements fc.Command<PlainCountModel, Real> {
  constructor(readonly token: number) {}
  check = (m: Readonly<PlainCountModel>) => this.token < m.vocabSize;
  run(m: PlainCountModel, r: Real): void {
    r.mem.update(this.token);
    m.update(this.token);
  }
  toString = () => `update(${this.token})`;
}

class QueryCommand implements fc.Command<PlainCountModel, Real> {
  constructor(readonly probe: number[]) {}
  check = () => true;
  run(m: PlainCountModel, r: Real): void {
    const s = r.stats;
    s.queries++;
    const got = r.mem.query();
    const want = m.features();
    for (let i = 0; i < OCM_FEATURES; i++) {
      const err = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1);
      s.worstFeature = Math.max(s.worstFeature, err);
      if (!(err <= FIXTURE_F64_REL)) s.failures.push(`f${i} ${got[i]} vs ${want[i]}`);
    }
    // Counts conserved: each order's total is the number of positions with that context length.
    for (let o = 1; o <= m.maxOrder; o++) {
      if (r.mem.orderTotal(o) !== m.orderTotal(o)) {
        s.failures.push(`order ${o} total ${r.mem.orderTotal(o)} vs ${m.orderTotal(o)}`);
      }
    }
    // Every count of every tail of the history, and of a random (mostly unseen) context.
    const h = m.history;
    const contexts: number[][] = [];
    for (let L = 0; L < m.maxOrder && L <= h.length; L++) contexts.push(h.slice(h.length - L));
    contexts.push(this.probe.slice(0, m.maxOrder - 1).map((t) => t % m.vocabSize));
    for (const ctx of contexts) {
      for (let v = 0; v < m.vocabSize; v++) {
        s.counts++;
        const a = r.mem.count(ctx, v);
        const b = m.count(ctx, v);
        if (a !== b) s.failures.push(`count([${ctx}], ${v}) ${a} vs ${b}`);
      }
    }
    if (s.failures.length > 0) throw new Error(s.failures.slice(0, 3).join("; "));
  }
  toString = () => `query(probe=[${this.probe}])`;
}

class ResetCommand implements fc.Command<PlainCountModel, Real> {
  check = () => true;
  run(m: PlainCountModel, r: Real): void {
    r.mem.reset();
    m.reset();
  }
  toString = () => "reset()";
}

claimTest(ONLINE_MODEL, () => {
  const stats: Real["stats"] = { queries: 0, counts: 0, worstFeature: 0, failures: [] };
  let runs = 0;
  const arb = fc.record({
    vocabSize: fc.constantFrom(2, 3, 5, 16),
    maxOrder: fc.constantFrom(2, 3, 4, 5),
    cmds: fc.commands(
      [
        fc.nat(15).map((t) => new UpdateCommand(t)),
        fc.nat(15).map((t) => new UpdateCommand(t % 2)), // small alphabets repeat contexts
        fc.array(fc.nat(15), { minLength: 4, maxLength: 4 }).map((p) => new QueryCommand(p)),
        fc.constant(new ResetCommand()),
      ],
      { maxCommands: 60, size: "large" },
    ),
  });
  fc.assert(
    fc.property(arb, ({ vocabSize, maxOrder, cmds }) => {
      runs++;
      const setup = () => ({
        model: new PlainCountModel(vocabSize, maxOrder),
        real: { mem: new OnlineCausalMemory({ vocabSize, maxOrder }), stats },
      });
      fc.modelRun(setup, cmds);
    }),
    fcParams(150),
  );
  return {
    figure: stats.worstFeature,
    bound: FIXTURE_F64_REL,
    pass: stats.failures.length === 0 && stats.worstFeature <= FIXTURE_F64_REL,
    detail: `${runs} command sequences (≤ 60 of update/query/reset, V ∈ {2,3,5,16}, ` +
      `maxOrder 2..5): ${stats.queries} queries, ${stats.counts} counts equal; worst feature ` +
      `rel error ${stats.worstFeature.toExponential(2)}`,
  };
});

claimTest(ONLINE_ORDERS_INDEPENDENT, async () => {
  const { data } = await loadMemoryFixture();
  const { tokens, buckets } = data.online;
  const V = data.vocab_size;
  const ours3 = OnlineCausalMemory.trace(tokens, { vocabSize: V, maxOrder: 3, buckets });
  const ours4 = OnlineCausalMemory.trace(tokens, { vocabSize: V, maxOrder: 4, buckets });
  let ourDiff = 0;
  for (let i = 0; i < ours3.length; i++) {
    ourDiff = Math.max(ourDiff, Math.abs(ours3[i]! - ours4[i]!));
  }
  // Fuzzed streams, exact contexts: maxOrder 3 vs 5, features and order-3 counts.
  let fuzzDiff = 0;
  let runs = 0;
  fc.assert(
    fc.property(fc.array(fc.nat(3), { minLength: 1, maxLength: 80 }), (seq) => {
      runs++;
      const a = new OnlineCausalMemory({ vocabSize: 4, maxOrder: 3 });
      const b = new OnlineCausalMemory({ vocabSize: 4, maxOrder: 5 });
      for (const t of seq) {
        const fa = a.query();
        const fb = b.query();
        for (let i = 0; i < OCM_FEATURES; i++) {
          fuzzDiff = Math.max(fuzzDiff, Math.abs(fa[i]! - fb[i]!));
        }
        a.update(t);
        b.update(t);
      }
      for (let l = 0; l < 4; l++) {
        for (let r = 0; r < 4; r++) {
          for (let v = 0; v < 4; v++) {
            fuzzDiff = Math.max(fuzzDiff, Math.abs(a.count([l, r], v) - b.count([l, r], v)));
          }
        }
      }
    }),
    fcParams(100),
  );
  // The original's shared table, modelled independently: its cross-talk into f4.
  const shared3 = sharedTableTrace(tokens, V, 3, buckets);
  const shared4 = sharedTableTrace(tokens, V, 4, buckets);
  let crossTalk = 0;
  let polluted = 0;
  let modelVsNumpy = 0;
  for (let t = 0; t < tokens.length; t++) {
    const d = Math.abs(shared3[t]![4]! - shared4[t]![4]!);
    crossTalk = Math.max(crossTalk, d);
    if (d > 0) polluted++;
    for (let i = 0; i < OCM_FEATURES; i++) {
      const want = data.online.features_order4_shared[t * OCM_FEATURES + i]!;
      modelVsNumpy = Math.max(
        modelVsNumpy,
        Math.abs(shared4[t]![i]! - want) / Math.max(Math.abs(want), 1),
      );
    }
  }
  const figure = Math.max(ourDiff, fuzzDiff);
  return {
    figure,
    bound: 0,
    pass: figure === 0 && modelVsNumpy <= FIXTURE_F64_REL && crossTalk > 0,
    detail: `separate tables: max |Δf| = ${ourDiff} on the ${tokens.length}-token fixture, ` +
      `${fuzzDiff} over ${runs} fuzzed streams; original's shared table (model, agrees with ` +
      `numpy to ${modelVsNumpy.toExponential(1)}): f4 cross-talk up to ${crossTalk.toFixed(3)} ` +
      `at ${polluted}/${tokens.length} positions`,
  };
});
