/**
 * The patched causal bank on the GPU: parity with the f64 oracle on the fixture's weights,
 * causality and the one target convention by impulse (every decoder), the hybrid decoder at
 * T mod P ≠ 0, patchN shapes, trust routing's required table, ids refused, the local path's
 * gradient, seeded init and validation.
 *
 * The impulse runs put every perturbation in one batch: row 0 holds the base sequence, row
 * r + 1 the same sequence with x_r changed, so one forward per configuration answers both
 * "nothing before r moves" and "position r moves".
 *
 * @module
 */
import {
  backward,
  gpu,
  initGpu,
  liveBufferCount,
  readTensors,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import {
  PATCH_CAUSAL_DECODERS,
  type PatchCausalDecoder,
  PatchedCausalBank,
  type PatchedCausalBankConfig,
} from "../../../impl/decepticons/patch_decoders/patch_decoders.ts";
import { BYTE_LM_REFERENCE_FACTOR } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  patchedBackward,
  patchedForward,
  patchTrainableNames,
} from "../../oracle/decepticons/patch_decoders.ts";
import { patchedBounds, patchedGradBounds } from "./_bounds.ts";
import { loadPatchFixture, type PatchFixtureCase } from "./_fixture.ts";
import {
  PATCH_CAUSALITY,
  PATCH_GPU_GRADIENTS,
  PATCH_GPU_PARITY,
  PATCH_HYBRID_ANY_LENGTH,
  PATCH_IDS_REFUSED,
  PATCH_LOCAL_LIVE,
  PATCH_N_SHAPES,
  PATCH_SEEDED,
  PATCH_TARGET_CONVENTION,
  PATCH_TRUST_TABLE,
  PATCH_VALIDATION,
} from "./claims.ts";

await initGpu();

const V = 256;
const T = 40;
const P = 4;

/** A seeded byte sequence. */
function bytes(n: number, seed: number): Int32Array {
  let s = seed >>> 0;
  return Int32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

/** A uniform-ish next-byte table: row a peaks at (a + 1) mod 256. */
function table(): Float64Array {
  const t = new Float64Array(V * V);
  for (let a = 0; a < V; a++) {
    let s = 0;
    for (let c = 0; c < V; c++) s += t[a * V + c] = c === (a + 1) % V ? 20 : 1;
    for (let c = 0; c < V; c++) t[a * V + c]! /= s;
  }
  return t;
}

async function logitsOf(m: PatchedCausalBank, ids: Int32Array, B: number, t: number) {
  const y = tidy(() => m.forward(ids, [B, t]));
  try {
    const [a] = await readTensors([y]);
    return a as Float32Array;
  } finally {
    y.dispose();
  }
}

// ------------------------------------------------------------------ parity

claimTest(PATCH_GPU_PARITY, async () => {
  const { cases, integrity } = await loadPatchFixture();
  let worst = 0;
  let where = "";
  for (const cs of cases) {
    const lt = cs.values.log_table;
    const m = new PatchedCausalBank({
      ...cs.config,
      trustTable: lt ? Float64Array.from(lt, Math.exp) : null,
      maxSeqLen: 64,
    });
    try {
      const values = await loadCase(m, cs);
      const g = await logitsOf(m, cs.ids, cs.B, cs.T);
      const o = patchedForward(cs.config, values, cs.ids, cs.B, cs.T);
      const bd = patchedBounds(cs.config, values, cs.ids, cs.B, cs.T);
      for (let i = 0; i < o.length; i++) {
        // The walk computes its own exact values: they must be the oracle's.
        if (!(Math.abs(bd.v[i]! - o[i]!) <= 1e-9 * (1 + Math.abs(o[i]!)))) {
          throw new Error(
            `Cannot bound ${cs.name}: the walk's value ${bd.v[i]} at ${i} differs from the ` +
              `oracle's ${o[i]}`,
          );
        }
        const r = Math.abs(g[i]! - o[i]!) / (bd.e[i]! * BYTE_LM_REFERENCE_FACTOR);
        if (!(r <= worst)) {
          worst = Number.isNaN(r) ? Infinity : r;
          where = `${cs.name}[${i}]`;
        }
      }
    } finally {
      m.dispose();
    }
  }
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `worst |gpu - oracle| / bound = ${formatFigure(worst)} at ${where}; ${integrity}`,
  };
});

// ------------------------------------------------------------------ gradients

/** Loads a fixture case's shipped arrays into a model; returns the device's values (f64). */
async function loadCase(m: PatchedCausalBank, cs: PatchFixtureCase) {
  for (const [name, t] of [...m.parameters, ...m.buffers]) {
    if (name === "local_scale") continue; // the config's own value
    const v = cs.values[name];
    if (v === undefined || v.length !== t.size) {
      throw new TypeError(
        `Cannot load ${cs.name}: expected "${name}" with ${t.size} values but the fixture has ` +
          `${v?.length ?? 0}`,
      );
    }
    gpu().device.queue.writeBuffer(t.buffer, 0, Float32Array.from(v));
  }
  const named = [...m.parameters, ...m.buffers];
  const read = await readTensors(named.map(([, t]) => t));
  const values: Record<string, Float64Array> = {};
  named.forEach(([n], i) => (values[n] = Float64Array.from(read[i]!)));
  values.decays = Float64Array.from(m.decays);
  return values;
}

/** The gradient cases: a fixture case, its first B rows' first T ids. */
const GRAD_CASES = [
  { name: "mlp_factored", B: 2, T: 20 },
  { name: "mlp_factored_n2", B: 1, T: 16 },
  { name: "hybrid", B: 2, T: 18 },
  { name: "autoregressive", B: 2, T: 18 },
] as const;

claimTest(PATCH_GPU_GRADIENTS, async () => {
  const { cases, integrity } = await loadPatchFixture();
  let worst = 0;
  let where = "";
  let elements = 0;
  const perCase: string[] = [];
  for (const [ci, { name, B, T: Tg }] of GRAD_CASES.entries()) {
    let caseWorst = 0;
    const cs = cases.find((c) => c.name === name);
    if (cs === undefined) throw new Error(`Cannot find fixture case ${name}`);
    const ids = new Int32Array(B * Tg);
    for (let b = 0; b < B; b++) ids.set(cs.ids.subarray(b * cs.T, b * cs.T + Tg), b * Tg);
    const NV = cs.config.patchN * V;
    const r = new Rng(101 + ci);
    const w = Float32Array.from({ length: B * Tg * NV }, () => Math.fround(r.uniformIn(-1, 1)));
    const m = new PatchedCausalBank({ ...cs.config, maxSeqLen: 64 });
    try {
      const values = await loadCase(m, cs);
      const y = tidy(() => {
        const out = m.forward(ids, [B, Tg]);
        backward(out, tensor(w, out.shape));
        return out;
      });
      y.dispose();
      const names = patchTrainableNames(cs.config);
      const got = await readTensors(names.map((n) => m.parameters.get(n)!.grad!));
      const want = patchedBackward(cs.config, values, ids, B, Tg, w);
      const bd = patchedGradBounds(cs.config, values, ids, B, Tg, w);
      names.forEach((n, k) => {
        const g = got[k]!;
        const o = want[n]!;
        const e = bd[n]!;
        if (g.length !== o.length || e.v.length !== o.length) {
          throw new Error(
            `Cannot compare ${name} ${n}: expected ${o.length} values but the GPU gave ` +
              `${g.length} and the walk ${e.v.length}`,
          );
        }
        for (let i = 0; i < o.length; i++) {
          // The walk computes its own exact values: they must be the oracle's.
          if (!(Math.abs(e.v[i]! - o[i]!) <= 1e-12 * Math.max(1, Math.abs(o[i]!)))) {
            throw new Error(
              `Cannot bound ${name} ${n}: the walk's value ${e.v[i]} at ${i} differs from the ` +
                `oracle's ${o[i]}`,
            );
          }
          const q = Math.abs(g[i]! - o[i]!) / (e.e[i]! * BYTE_LM_REFERENCE_FACTOR);
          // An exactly zero gradient with a zero bound (an id never read) is a match.
          const ratio = g[i] === o[i] ? 0 : q;
          caseWorst = Number.isNaN(ratio) ? Infinity : Math.max(caseWorst, ratio);
          if (!(ratio <= worst)) {
            worst = Number.isNaN(ratio) ? Infinity : ratio;
            where = `${name} ${n}[${i}]`;
          }
          elements++;
        }
      });
      perCase.push(`${name} B ${B} T ${Tg} ${formatFigure(caseWorst)}`);
    } finally {
      for (const p of m.parameters.values()) {
        p.grad?.dispose();
        p.grad = null;
      }
      m.dispose();
    }
  }
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `worst |gpu - oracle| / bound = ${formatFigure(worst)} at ${where}; ${elements} ` +
      `gradient elements; worst per case: ${perCase.join(", ")}; ${integrity}`,
  };
});

// ------------------------------------------------------------------ impulses

interface ImpulseRun {
  name: string;
  decoder: PatchCausalDecoder;
  local: boolean;
  /** Largest |change| of a logit before the changed position. */
  leak: number;
  /** Positions that must depend on x_t and do not. */
  missing: number;
  /** Positions checked for dependence. */
  required: number;
}

const IMPULSE_CONFIGS: { name: string; config: Partial<PatchedCausalBankConfig> }[] = [];
for (const decoder of PATCH_CAUSAL_DECODERS) {
  IMPULSE_CONFIGS.push(
    { name: `${decoder}`, config: { decoder } },
    { name: `${decoder} no local`, config: { decoder, localWindow: 0 } },
    { name: `${decoder} patchN 2`, config: { decoder, patchN: 2 } },
    { name: `${decoder} trust`, config: { decoder, trustRouting: true, trustTable: table() } },
  );
}

let impulses: Promise<ImpulseRun[]> | null = null;

/** One batched forward per configuration: row 0 the base, row r + 1 with x_r changed. */
function runImpulses(): Promise<ImpulseRun[]> {
  impulses ??= (async () => {
    const base = bytes(T, 7);
    const ids = new Int32Array((T + 1) * T);
    for (let r = 0; r <= T; r++) ids.set(base, r * T);
    for (let r = 0; r < T; r++) ids[(r + 1) * T + r] = (base[r]! + 97) % V;
    const out: ImpulseRun[] = [];
    for (const { name, config } of IMPULSE_CONFIGS) {
      const m = new PatchedCausalBank({ ...config, patchSize: P, seed: 3 });
      try {
        const y = await logitsOf(m, ids, T + 1, T);
        const w = y.length / ((T + 1) * T);
        const decoder = m.config.decoder;
        const local = m.config.localWindow > 0;
        let leak = 0;
        let missing = 0;
        let required = 0;
        for (let r = 0; r < T; r++) {
          const row = (r + 1) * T * w;
          for (let i = 0; i < r * w; i++) leak = Math.max(leak, Math.abs(y[row + i]! - y[i]!));
          // Without the local path the factored heads read whole patches: only a patch's last
          // byte reaches the logits at its own position.
          const must = local || decoder !== "mlp_factored" || (r + 1) % P === 0;
          if (!must) continue;
          required++;
          let moved = 0;
          for (let i = r * w; i < (r + 1) * w; i++) {
            moved = Math.max(moved, Math.abs(y[row + i]! - y[i]!));
          }
          if (!(moved > 0)) missing++;
        }
        out.push({ name, decoder, local, leak, missing, required });
      } finally {
        m.dispose();
      }
    }
    return out;
  })();
  return impulses;
}

claimTest(PATCH_CAUSALITY, async () => {
  const runs = await runImpulses();
  const worst = runs.reduce((a, r) => (r.leak >= a.leak ? r : a));
  return {
    figure: worst.leak,
    bound: 0,
    pass: worst.leak === 0,
    detail: `${runs.length} configurations x ${T} impulse positions; largest change before t0 ` +
      `${formatFigure(worst.leak)} (${worst.name})`,
  };
});

claimTest(PATCH_TARGET_CONVENTION, async () => {
  const runs = await runImpulses();
  const missing = runs.reduce((a, r) => a + r.missing, 0);
  const required = runs.reduce((a, r) => a + r.required, 0);
  return {
    figure: missing,
    bound: 0,
    pass: missing === 0,
    detail: `${required} positions checked over ${runs.length} configurations (` +
      runs.map((r) => `${r.name}: ${r.required - r.missing}/${r.required}`).join("; ") + ")",
  };
});

// ------------------------------------------------------------------ hybrid at T mod P ≠ 0

claimTest(PATCH_HYBRID_ANY_LENGTH, async () => {
  const ids32 = bytes(2 * 32, 11);
  const ids30 = new Int32Array(2 * 30);
  for (let b = 0; b < 2; b++) ids30.set(ids32.subarray(b * 32, b * 32 + 30), b * 30);
  let worst = 0;
  const per: string[] = [];
  for (const decoder of PATCH_CAUSAL_DECODERS) {
    const m = new PatchedCausalBank({ decoder, patchSize: P, seed: 5 });
    try {
      const a = await logitsOf(m, ids30, 2, 30);
      const b = await logitsOf(m, ids32, 2, 32);
      let d = 0;
      for (let r = 0; r < 2; r++) {
        for (let i = 0; i < 30 * V; i++) {
          d = Math.max(d, Math.abs(a[r * 30 * V + i]! - b[r * 32 * V + i]!));
        }
      }
      per.push(`${decoder} ${formatFigure(d)}`);
      worst = Math.max(worst, d);
    } finally {
      m.dispose();
    }
  }
  return {
    figure: worst,
    bound: 0,
    pass: worst === 0,
    detail: `max |logits(T 30) - logits(T 32)[:30]| per decoder: ${per.join(", ")}`,
  };
});

// ------------------------------------------------------------------ trust routing

claimTest(PATCH_TRUST_TABLE, async () => {
  const before = liveBufferCount();
  let bad = 0;
  const notes: string[] = [];
  const cases: Partial<PatchedCausalBankConfig>[] = [
    { trustRouting: true },
    { trustRouting: true, trustTable: null },
    { trustRouting: true, trustTable: undefined as unknown as null },
  ];
  for (const decoder of PATCH_CAUSAL_DECODERS) {
    for (const c of cases) {
      try {
        new PatchedCausalBank({ decoder, ...c }).dispose();
        bad++;
        notes.push(`${decoder} ${JSON.stringify(c)} accepted`);
      } catch (e) {
        const ok = e instanceof RangeError && /trustRouting/.test(e.message) &&
          /trustTable/.test(e.message);
        if (!ok) {
          bad++;
          notes.push(`${decoder}: ${e}`);
        }
      }
    }
  }
  const leaked = liveBufferCount() - before;
  // With a table every decoder builds and runs.
  let failed = 0;
  for (const decoder of PATCH_CAUSAL_DECODERS) {
    const m = new PatchedCausalBank({ decoder, trustRouting: true, trustTable: table() });
    try {
      const y = await logitsOf(m, bytes(12, 3), 1, 12);
      if (!y.every(Number.isFinite)) failed++;
    } catch (e) {
      failed++;
      notes.push(`${decoder} with a table: ${e}`);
    } finally {
      m.dispose();
    }
  }
  const figure = bad + Math.abs(leaked) + failed;
  return {
    figure,
    bound: 0,
    pass: figure === 0,
    detail: `${cases.length * 3} tableless configurations, ${bad} not refused; leaked ` +
      `${leaked}; tabled models failing ${failed}${notes.length ? `: ${notes.join("; ")}` : ""}`,
  };
});

// ------------------------------------------------------------------ patchN

claimTest(PATCH_N_SHAPES, () => {
  let bad = 0;
  const notes: string[] = [];
  for (const decoder of PATCH_CAUSAL_DECODERS) {
    for (const N of [1, 2, 3]) {
      const m = new PatchedCausalBank({ decoder, patchN: N, seed: 9 });
      try {
        const y = tidy(() => m.forward(bytes(2 * 10, N), [2, 10]));
        const want = N === 1 ? [2, 10, V] : [2, 10, N, V];
        if (y.shape.join() !== want.join()) {
          bad++;
          notes.push(`${decoder} N ${N}: [${y.shape.join(", ")}]`);
        }
        y.dispose();
      } finally {
        m.dispose();
      }
    }
    try {
      new PatchedCausalBank({ decoder, patchN: 2, trustRouting: true, trustTable: table() })
        .dispose();
      bad++;
      notes.push(`${decoder}: trust routing with patchN 2 accepted`);
    } catch (e) {
      if (!(e instanceof RangeError && /patchN/.test(e.message))) {
        bad++;
        notes.push(`${decoder}: ${e}`);
      }
    }
  }
  return {
    figure: bad,
    bound: 0,
    pass: bad === 0,
    detail: `9 shapes and 3 refusals checked${notes.length ? `: ${notes.join("; ")}` : ""}`,
  };
});

// ------------------------------------------------------------------ ids

claimTest(PATCH_IDS_REFUSED, () => {
  const m = new PatchedCausalBank({ decoder: "autoregressive" });
  const before = liveBufferCount();
  let bad = 0;
  let leaked = 0;
  const notes: string[] = [];
  try {
    for (const v of [256, 300, -1, 1.5, NaN, Infinity]) {
      const ids: number[] = Array.from(bytes(12, 1));
      ids[6 + 5] = v; // row 1, position 5
      for (const op of ["forward", "loss"] as const) {
        try {
          const y = m[op](ids, [2, 6]);
          y.dispose();
          bad++;
          notes.push(`${op}(${v}) accepted`);
        } catch (e) {
          if (!(e instanceof RangeError && e.message.includes("[1, 5]"))) {
            bad++;
            notes.push(`${op}(${v}): ${e}`);
          }
        }
      }
    }
    leaked = liveBufferCount() - before;
  } finally {
    m.dispose();
  }
  const figure = bad + Math.abs(leaked);
  return {
    figure,
    bound: 0,
    pass: figure === 0,
    detail: `6 ids x forward, loss; ${bad} not refused; leaked ${leaked}` +
      (notes.length ? `: ${notes.join("; ")}` : ""),
  };
});

// ------------------------------------------------------------------ local path

claimTest(PATCH_LOCAL_LIVE, async () => {
  let dead = 0;
  const norms: string[] = [];
  for (const decoder of PATCH_CAUSAL_DECODERS) {
    const m = new PatchedCausalBank({ decoder, seed: 13 });
    try {
      const loss = tidy(() => {
        const l = m.loss(bytes(2 * T, 21), [2, T]);
        backward(l);
        return l;
      });
      loss.dispose();
      for (const n of ["local_w", "local_b", "local_out_w"]) {
        const g = m.parameters.get(n)!.grad;
        let norm = 0;
        if (g !== null) {
          const [a] = await readTensors([g]);
          for (const x of a!) norm += x * x;
        }
        if (!(norm > 0)) dead++;
        norms.push(`${decoder} ${n} ${formatFigure(Math.sqrt(norm))}`);
      }
    } finally {
      for (const p of m.parameters.values()) {
        p.grad?.dispose();
        p.grad = null;
      }
      m.dispose();
    }
  }
  return {
    figure: dead,
    bound: 0,
    pass: dead === 0,
    detail: `gradient norms: ${norms.join(", ")}`,
  };
});

// ------------------------------------------------------------------ seeded init

claimTest(PATCH_SEEDED, async () => {
  let bad = 0;
  const notes: string[] = [];
  for (const decoder of PATCH_CAUSAL_DECODERS) {
    const models = [1, 1, 2].map((seed) => new PatchedCausalBank({ decoder, seed }));
    try {
      const names = [...models[0]!.parameters.keys()];
      const read = await Promise.all(
        models.map((m) => readTensors(names.map((n) => m.parameters.get(n)!))),
      );
      names.forEach((n, i) => {
        const [a, b, c] = [read[0]![i]!, read[1]![i]!, read[2]![i]!];
        if (!a.every((x, j) => x === b[j])) {
          bad++;
          notes.push(`${decoder} ${n} differs under one seed`);
        }
        // Zero-initialised biases are equal under every seed.
        if (a.some((x) => x !== 0) && a.every((x, j) => x === c[j])) {
          bad++;
          notes.push(`${decoder} ${n} unchanged under another seed`);
        }
      });
    } finally {
      for (const m of models) m.dispose();
    }
  }
  return {
    figure: bad,
    bound: 0,
    pass: bad === 0,
    detail: `three decoders, seeds 1, 1, 2${notes.length ? `: ${notes.join("; ")}` : ""}`,
  };
});

// ------------------------------------------------------------------ validation

claimTest(PATCH_VALIDATION, () => {
  const before = liveBufferCount();
  const bad: string[] = [];
  const expect = (what: string, field: string, kind: typeof RangeError, fn: () => unknown) => {
    try {
      const r = fn();
      if (r instanceof PatchedCausalBank) r.dispose();
      bad.push(`${what} accepted`);
    } catch (e) {
      if (!(e instanceof kind && e.message.includes(field))) bad.push(`${what}: ${e}`);
    }
  };
  const cfg: [keyof PatchedCausalBankConfig, unknown, typeof RangeError][] = [
    ["decoder", "none", RangeError],
    ["decoder", "causal", RangeError],
    ["decoder", 3, TypeError],
    ["patchSize", 0, RangeError],
    ["patchSize", 65, RangeError],
    ["patchSize", 1.5, RangeError],
    ["patchSize", "4", TypeError],
    ["embeddingDim", 0, RangeError],
    ["linearModes", 0, RangeError],
    ["decoderHidden", 0, RangeError],
    ["localWindow", -1, RangeError],
    ["localHidden", 0, RangeError],
    ["localScale", -1, RangeError],
    ["localScale", NaN, RangeError],
    ["patchN", 0, RangeError],
    ["patchN", 17, RangeError],
    ["trustHidden", 0, RangeError],
    ["maxSeqLen", 0, RangeError],
    ["seed", -1, RangeError],
    ["halfLifeMin", 0, RangeError],
    ["halfLifeMax", 1, RangeError],
    ["trustRouting", "yes", TypeError],
  ];
  for (const [field, value, kind] of cfg) {
    expect(
      `${field} = ${String(value)}`,
      field,
      kind,
      () => new PatchedCausalBank({ [field]: value } as Partial<PatchedCausalBankConfig>),
    );
  }
  const t = table();
  expect(
    "trustTable without trustRouting",
    "trustTable",
    RangeError,
    () => new PatchedCausalBank({ trustTable: t }),
  );
  expect(
    "a table of 10 entries",
    "trustTable",
    RangeError,
    () => new PatchedCausalBank({ trustRouting: true, trustTable: new Float64Array(10) }),
  );
  const half = t.map((x) => x / 2);
  expect(
    "a table whose rows sum to 1/2",
    "trustTable",
    RangeError,
    () => new PatchedCausalBank({ trustRouting: true, trustTable: half }),
  );
  const zero = t.slice();
  zero[5] = 0;
  expect(
    "a table with a zero entry",
    "trustTable",
    RangeError,
    () => new PatchedCausalBank({ trustRouting: true, trustTable: zero }),
  );
  expect(
    "config null",
    "config",
    TypeError,
    () => new PatchedCausalBank(null as unknown as Partial<PatchedCausalBankConfig>),
  );
  const m = new PatchedCausalBank({ maxSeqLen: 16 });
  try {
    const ids = Array.from(bytes(8, 2));
    expect("shape [0, 8]", "shape", RangeError, () => m.forward([], [0, 8]));
    expect(
      "shape [1, 17] past maxSeqLen",
      "maxSeqLen",
      RangeError,
      () => m.forward(Array.from(bytes(17, 1)), [1, 17]),
    );
    expect(
      "shape not a pair",
      "shape",
      TypeError,
      () => m.forward(ids, [8] as unknown as [number, number]),
    );
    expect("ids length 7 for [1, 8]", "ids", RangeError, () => m.forward(ids.slice(1), [1, 8]));
    expect("ids not an array", "ids", TypeError, () => m.forward(7 as unknown as number[], [1, 8]));
    expect("loss at T = 1", "T >= 2", RangeError, () => m.loss([1], [1, 1]));
  } finally {
    m.dispose();
  }
  expect("forward after dispose", "disposed", TypeError, () => m.forward([1, 2], [1, 2]));
  const leaked = liveBufferCount() - before;
  const figure = bad.length + Math.abs(leaked);
  return {
    figure,
    bound: 0,
    pass: figure === 0,
    detail: `${cfg.length + 11} fault cases; leaked ${leaked}` +
      (bad.length ? `: ${bad.join("; ")}` : ""),
  };
});
