/**
 * Proofs of the tier-1 and tier-2 session claims (./claims.ts) on the lexical backbone.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { LexicalBackbone } from "../../../impl/ams/backbone/lexical.ts";
import { MemLLM4 } from "../../../impl/ams/mem_llm/mem_llm.ts";
import { sessionTier1, type Tier1Table } from "../../../impl/ams/session/session.ts";
import { SESSION_FACTS } from "../../../impl/ams/session/session_data.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { checkFaults, type FaultCase, faultMeasurement } from "../../_harness/fault_case.ts";
import {
  SESSION_TIER1_FAULT,
  SESSION_TIER1_LEXICAL,
  SESSION_TIER1_RESET,
  SESSION_TIER1_UNIFORM,
  SESSION_TIER2,
} from "./claims.ts";

/** Fresh-v4 tables at N = 10 and 20 (attention over every entry), computed once. */
let fresh: Promise<Tier1Table[]> | null = null;
function freshTables(): Promise<Tier1Table[]> {
  fresh ??= (async () => {
    await initGpu();
    const out: Tier1Table[] = [];
    for (const nFacts of [10, 20]) out.push(await sessionTier1({ nFacts }));
    return out;
  })();
  return fresh;
}

const hits = (t: Tier1Table, k: "rC" | "rA" | "flat") => Math.round(t[k] * t.rows.length);

function describe(t: Tier1Table): string {
  return `N = ${t.nFacts}: R_C ${hits(t, "rC")}/10, R_A ${hits(t, "rA")}/10, flat ` +
    `${hits(t, "flat")}/10 (C top-1 ${t.rows.map((r) => r.rcTop1).join(" ")}; A top-1 ` +
    `${t.rows.map((r) => r.raTop1).join(" ")})`;
}

claimTest(SESSION_TIER1_LEXICAL, async (): Promise<Measurement> => {
  const tables = await freshTables();
  const gaps = tables.map((t) => hits(t, "flat") - Math.max(hits(t, "rA"), hits(t, "rC")));
  return {
    figure: Math.min(...gaps),
    bound: 1,
    pass: true,
    parts: tables.map((t) => ({
      name: `flat hits at N = ${t.nFacts}`,
      figure: hits(t, "flat"),
      bound: 9,
      direction: "==" as const,
    })),
    detail: tables.map(describe).join("; ") + `; gaps ${gaps.join(", ")}`,
  };
});

claimTest(SESSION_TIER1_UNIFORM, async (): Promise<Measurement> => {
  const tables = await freshTables();
  let worst = 0;
  let where = "";
  for (const t of tables) {
    const u = 12 / t.nFacts;
    for (const r of t.rows) {
      for (const [i, m] of r.raMass.entries()) {
        const dev = Math.abs(m - u) / u;
        if (dev > worst) (worst = dev, where = `N = ${t.nFacts}, "${r.query}", fact ${i}: ${m}`);
      }
    }
  }
  return {
    figure: worst,
    bound: 0.01,
    pass: worst <= 0.01,
    detail: `largest relative deviation from 12/N at ${where}`,
  };
});

claimTest(SESSION_TIER2, async (): Promise<Measurement> => {
  const tables = [...await freshTables()];
  for (const nFacts of [10, 20]) {
    tables.push(
      await sessionTier1({
        nFacts,
        makeModel: (b) =>
          new MemLLM4({ cfg: { d_LLM: b.d }, backbone: b, seed: 0, retrievalTopK: 4 }),
      }),
    );
  }
  const wrong: string[] = [];
  for (const t of tables) {
    for (const r of t.rows) {
      const tag = `N = ${t.nFacts} k = ${t.retrievalTopK ?? "all"} "${r.query}"`;
      if (r.tier2AHit !== r.raHit) wrong.push(`${tag}: mode A`);
      if (r.tier2CHit !== r.rcHit) wrong.push(`${tag}: mode C`);
      if (r.tier2A !== SESSION_FACTS[r.raTop1]) wrong.push(`${tag}: A answer`);
      if (r.tier2C !== SESSION_FACTS[r.rcTop1]) wrong.push(`${tag}: C answer`);
    }
    if (t.tier2A !== t.rA || t.tier2C !== t.rC) wrong.push(`N = ${t.nFacts}: rates`);
  }
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0,
    detail: tables.map((t) =>
      `k = ${t.retrievalTopK ?? "all"} N = ${t.nFacts}: tier 2 A ${t.tier2A}, C ${t.tier2C}`
    ).join("; ") + (wrong.length ? `; ${wrong.join("; ")}` : ""),
  };
});

claimTest(SESSION_TIER1_RESET, async (): Promise<Measurement> => {
  const [pristine] = await freshTables();
  const bb = new LexicalBackbone().fit(SESSION_FACTS.slice(0, 10));
  const model = new MemLLM4({ cfg: { d_LLM: bb.d }, backbone: bb, seed: 0 });
  try {
    // A used model: other memories, a session summary and a built registry before the run.
    for (const f of SESSION_FACTS.slice(10, 19)) await model.write(f);
    const used = await sessionTier1({ nFacts: 10, model });
    const key = (t: Tier1Table) =>
      t.rows.map((r) => JSON.stringify({ ...r, raMass: r.raMass.map((x) => x.toString()) }));
    const a = key(pristine!), b = key(used);
    const diff = a.filter((r, i) => r !== b[i]).length;
    const mids = model.store.mids().join();
    const midsOk = mids === Array.from({ length: 10 }, (_, i) => i).join() ? 0 : 1;
    return {
      figure: diff + midsOk,
      bound: 0,
      pass: diff + midsOk === 0,
      detail: `10 rows of a model that held 9 other memories against a fresh model's; ` +
        `differing ${diff}; mids after the run ${mids}`,
    };
  } finally {
    model.dispose();
  }
});

claimTest(SESSION_TIER1_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const cases: FaultCase[] = [
    {
      name: "nFacts 11",
      run: () => sessionTier1({ nFacts: 11 }),
      expect: RangeError,
      mentions: ["nFacts"],
    },
    {
      name: 'nFacts "10"',
      run: () => sessionTier1({ nFacts: "10" as unknown as number }),
      expect: RangeError,
      mentions: ["nFacts"],
    },
    {
      name: "options null",
      run: () => sessionTier1(null as never),
      expect: TypeError,
      mentions: ["options"],
    },
    {
      name: "model {}",
      run: () => sessionTier1({ nFacts: 10, model: {} as MemLLM4 }),
      expect: TypeError,
      mentions: ["MemLLM4"],
    },
    {
      name: "backbone null",
      run: () => sessionTier1({ nFacts: 10, backbone: null as never }),
      expect: TypeError,
      mentions: ["MemLLM4"],
    },
    {
      name: "makeModel null",
      run: () => sessionTier1({ nFacts: 10, makeModel: null as never }),
      expect: TypeError,
      mentions: ["makeModel"],
    },
    {
      name: "makeModel → {}",
      run: () => sessionTier1({ nFacts: 10, makeModel: () => ({}) as MemLLM4 }),
      expect: TypeError,
      mentions: ["makeModel"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
