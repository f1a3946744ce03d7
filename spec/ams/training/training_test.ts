/**
 * Proofs of the training claims (./claims.ts): loss signs, gradient reach, three steps,
 * checkpoint continuation, determinism, the recon and triplet-negative divergences, the v4.7
 * corpus, faults. The PyTorch fixture is in ./fixtures_test.ts.
 *
 * @module
 */
import { backward, initGpu, readTensors, tidy } from "../../../impl/mod.ts";
import { SESSION_TRAINING_CORPUS } from "../../../impl/ams/session/session_data.ts";
import { SESSION_QUERIES } from "../../../impl/ams/session/session_data.ts";
import { tripletPairs } from "../../../impl/ams/training/losses.ts";
import { amsTrainingCorpus, corpusIdf, entityMask } from "../../../impl/ams/training/corpus.ts";
import {
  Trainer4,
  TRAINER4_LOSSES,
  type Trainer4Report,
} from "../../../impl/ams/training/trainer.ts";
import { F32_MIN_NORMAL } from "../../../invariants/tolerance.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { claimTest } from "../../_harness/claim.ts";
import {
  bitDiff,
  TRAIN_D,
  trainBackbone,
  trainLm,
  trainModel,
  V47_CORPUS,
  weightsOf,
} from "./_cases.ts";
import {
  TR_CHECKPOINT,
  TR_CORPUS,
  TR_DETERMINISM,
  TR_FAULT,
  TR_GRADIENT_REACH,
  TR_LOSS_SIGNS,
  TR_RECON_ZERO,
  TR_THREE_STEPS,
  TR_TRIPLET_NEGATIVE,
} from "./claims.ts";

await initGpu();

/** A 4-step run of the original's recipe from a model seeded `seed`: reports and weights. */
async function run4(seed: number) {
  const model = trainModel(seed);
  const tr = new Trainer4(model, { steps: 4, readEvery: 1, lm: trainLm() });
  try {
    const reports = await tr.run();
    return { reports, weights: await weightsOf(model) };
  } finally {
    tr.dispose();
    model.dispose();
  }
}

let straight: Promise<Awaited<ReturnType<typeof run4>>> | null = null;
/** The seed-42 4-step run, computed once and shared by three claims. */
function straight4() {
  straight ??= run4(42);
  return straight;
}

claimTest(TR_LOSS_SIGNS, async () => {
  const bad: string[] = [];
  let cases = 0;
  for (const variant of ["v4", "v47"] as const) {
    const model = trainModel(42);
    const tr = new Trainer4(model, { variant, lm: trainLm() });
    try {
      for (let k = 0; k < 4; k++) {
        const batch = await tr.prepareBatch(tr.batchTexts(k));
        const ts = tidy(() => {
          const l = tr.losses(batch);
          return [l.total, ...TRAINER4_LOSSES.map((n) => l.losses[n])];
        });
        const shapes = ts.map((t) => t.shape.length);
        const v = (await readTensors(ts)).map((a) => a[0]!);
        for (const t of ts) t.dispose();
        cases++;
        const [total, psa, baa, cbi, recon, wp] = v as number[];
        const where = `${variant} batch ${k}`;
        if (shapes.some((r) => r !== 0)) bad.push(`${where}: a loss of rank > 0`);
        if (!v.every(Number.isFinite)) bad.push(`${where}: non-finite ${v}`);
        if (!(psa! > 0)) bad.push(`${where}: PSA ${psa}`);
        if (!(baa! >= 0 && cbi! >= 0 && wp! >= 0)) bad.push(`${where}: ${baa}, ${cbi}, ${wp}`);
        if (recon !== 0) bad.push(`${where}: recon ${recon}`);
        const w = model.cfg.loss_weights;
        const sum = w.prefix_semantic_anchor * psa! + w.bundle_axis_alignment * baa! +
          w.cross_bundle_independence * cbi! + w.recon * recon! + w.write_policy * wp!;
        if (Math.abs(total! - sum) > 1e-5 * (1 + Math.abs(total!))) {
          bad.push(`${where}: total ${total} vs Σ w·L ${sum}`);
        }
      }
    } finally {
      tr.dispose();
      model.dispose();
    }
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: `${cases} batches (v4: the original's corpus; v47: memspec's); ${bad.join("; ")}`,
  };
});

claimTest(TR_GRADIENT_REACH, async () => {
  const model = trainModel(42);
  const tr = new Trainer4(model, { lm: trainLm() });
  const named = new Map(model.namedParameters());
  const lift = named.get("cross_attn.lift_time.0.weight")!;
  const axis = named.get("bundle_time._axis_raw")!;
  const grads: Record<string, Float32Array> = {};
  try {
    const batch = await tr.prepareBatch(tr.batchTexts(0));
    for (const [loss, p] of [["psa", lift], ["baa", axis]] as const) {
      tr.optimizer.zeroGrad();
      tidy(() => backward(tr.losses(batch).losses[loss]));
      grads[loss] = await p.grad!.toFloat32();
      tr.optimizer.zeroGrad();
    }
  } finally {
    tr.dispose();
    model.dispose();
  }
  const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const nonFinite = Object.values(grads).reduce(
    (n, a) => n + a.filter((v) => !Number.isFinite(v)).length,
    0,
  );
  const psaMax = maxAbs(grads.psa!), baaMax = maxAbs(grads.baa!);
  const figure = Math.min(psaMax, baaMax);
  return {
    figure,
    bound: F32_MIN_NORMAL,
    pass: nonFinite === 0,
    parts: [{ name: "non-finite gradient elements", figure: nonFinite, bound: 0, direction: "==" }],
    detail: `max |∂PSA/∂lift_time.0.weight| = ${psaMax.toExponential(3)}, ` +
      `max |∂BAA/∂bundle_time._axis_raw| = ${baaMax.toExponential(3)}`,
  };
});

claimTest(TR_THREE_STEPS, async () => {
  const model = trainModel(42);
  const tr = new Trainer4(model, { steps: 3, readEvery: 1, lm: trainLm() });
  let reports: Trainer4Report[];
  let unmoved = 0;
  let withGrad = 0;
  try {
    const before = await weightsOf(model);
    reports = await tr.run();
    const after = await weightsOf(model);
    // A nonzero first moment means a nonzero gradient reached the parameter: it must move.
    const names = model.namedParameters().map(([k]) => k);
    const states = tr.optimizer.params.map((_, i) => tr.optimizer.state(i));
    const ms = await readTensors(states.flatMap((st) => st === null ? [] : [st.m]));
    let q = 0;
    states.forEach((st, i) => {
      if (st === null) return;
      const m = ms[q++]!;
      if (!m.some((v) => v !== 0)) return;
      withGrad++;
      const k = names[i]!;
      if (bitDiff(new Map([[k, before.get(k)!]]), new Map([[k, after.get(k)!]])) === 0) unmoved++;
    });
  } finally {
    tr.dispose();
    model.dispose();
  }
  const t = reports.map((r) => r.total);
  const equal = Number(t[0] === t[1]) + Number(t[0] === t[2]) + Number(t[1] === t[2]);
  return {
    figure: equal + unmoved,
    bound: 0,
    pass: reports.length === 3,
    detail: `totals ${t.map((x) => x.toFixed(6)).join(", ")}; ${withGrad} parameters with a ` +
      `gradient, ${unmoved} unmoved`,
  };
});

claimTest(TR_CHECKPOINT, async () => {
  const ref = await straight4();
  await Deno.mkdir("out/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out/tmp" });
  const path = `${dir}/trainer4.safetensors`;
  const lm = trainLm();
  let resumed: Trainer4Report[] = [];
  let weights: Map<string, Float32Array>;
  {
    const model = trainModel(42);
    const tr = new Trainer4(model, { steps: 4, readEvery: 1, lm });
    try {
      await tr.step();
      await tr.step();
      await tr.save(path);
    } finally {
      tr.dispose();
      model.dispose();
    }
  }
  {
    const model = trainModel(7); // other init: everything must come from the checkpoint
    const tr = new Trainer4(model, { steps: 4, readEvery: 1, lm });
    try {
      await tr.load(path);
      resumed = await tr.run();
      weights = await weightsOf(model);
    } finally {
      tr.dispose();
      model.dispose();
    }
  }
  await Deno.remove(dir, { recursive: true });
  const wDiff = bitDiff(ref.weights, weights);
  const tDiff = resumed.filter((r) => r.total !== ref.reports[r.step]!.total).length;
  return {
    figure: wDiff + tDiff + (resumed.length === 2 ? 0 : 1),
    bound: 0,
    pass: true,
    detail: `resumed steps ${resumed.map((r) => r.step).join(",")}; differing parameter ` +
      `elements ${wDiff}, differing totals ${tDiff}`,
  };
});

claimTest(TR_DETERMINISM, async () => {
  const a = await straight4();
  const b = await run4(42);
  const c = await run4(43);
  const same = bitDiff(a.weights, b.weights) +
    a.reports.filter((r, i) => r.total !== b.reports[i]!.total).length;
  const other = bitDiff(a.weights, c.weights);
  return {
    figure: same + (other === 0 ? 1 : 0),
    bound: 0,
    pass: true,
    detail: `seed 42 twice: ${same} differing elements/totals; seed 43 vs 42: ${other} ` +
      "differing parameter elements",
  };
});

claimTest(TR_RECON_ZERO, async () => {
  const lm = trainLm();
  let maxRecon = 0, maxActive = 0;
  {
    const model = trainModel(42);
    const tr = new Trainer4(model, { steps: 4, readEvery: 1, lm });
    try {
      for (const r of await tr.run()) {
        maxRecon = Math.max(maxRecon, r.losses.recon);
        maxActive = Math.max(maxActive, r.activeSets);
      }
    } finally {
      tr.dispose();
      model.dispose();
    }
  }
  let recon8 = 0, active8 = 0;
  {
    const model = trainModel(42);
    const tr = new Trainer4(model, { steps: 1, batchSize: 8, readEvery: 1, lm });
    try {
      const r = (await tr.run())[0]!;
      recon8 = r.losses.recon;
      active8 = r.activeSets;
    } finally {
      tr.dispose();
      model.dispose();
    }
  }
  return {
    figure: maxRecon,
    bound: 0,
    pass: true,
    parts: [
      { name: "active sets at batch 3", figure: maxActive, bound: 0, direction: "==" },
      { name: "active sets at batch 8", figure: active8, bound: 2, direction: ">=" },
    ],
    detail: `batch 3 (the original's 60 steps cycle through these 4 batches): max recon ` +
      `${maxRecon}, max active sets ${maxActive}; batch 8: recon ${recon8.toExponential(3)}, ` +
      `active sets ${active8}`,
  };
});

claimTest(TR_TRIPLET_NEGATIVE, () => {
  const bb = trainBackbone();
  let rows = 0, selfOriginal = 0, badFix = 0;
  for (let k = 0; k < 4; k++) {
    const ids = [0, 1, 2].map((j) => bb.tokenize(SESSION_TRAINING_CORPUS[(3 * k + j) % 12]!));
    const orig = tripletPairs(ids);
    const fix = tripletPairs(ids, { fixNegatives: true });
    const N = ids.length;
    for (let i = 0; i < N; i++) {
      rows++;
      if (orig.neg[i] === i) selfOriginal++;
      const j = fix.neg[i]!;
      const row = Array.from({ length: N }, (_, c) => c).filter((c) => c !== i)
        .map((c) => fix.jaccard[i * N + c]!);
      if (j === i || fix.jaccard[i * N + j]! > Math.min(...row)) badFix++;
    }
  }
  const frac = selfOriginal / rows;
  return {
    figure: badFix,
    bound: 0,
    pass: true,
    parts: [{
      name: "original rows with neg = self (fraction)",
      figure: frac,
      bound: 1,
      direction: "==",
    }],
    detail: `${rows} rows of the original's 4 distinct batches: the original's rule picks self ` +
      `on ${selfOriginal}; memspec's fix: ${badFix} rows with neg = self or non-minimal`,
  };
});

claimTest(TR_CORPUS, () => {
  const bad: string[] = [];
  const c = V47_CORPUS;
  if (c.length < 200) bad.push(`only ${c.length} sentences`);
  if (new Set(c).size !== c.length) bad.push("duplicate sentences");
  const again = amsTrainingCorpus();
  if (again.join("\n") !== c.join("\n")) bad.push("not deterministic under its seed");
  if (amsTrainingCorpus({ seed: 43 }).join("\n") === c.join("\n")) bad.push("seed ignored");
  for (const { keyword } of SESSION_QUERIES) {
    const hit = c.find((s) => s.toLowerCase().includes(keyword));
    if (hit !== undefined) bad.push(`"${keyword}" in "${hit}"`);
  }
  const idf = corpusIdf(c);
  const entities = new Set<string>();
  for (const s of c) {
    const m = entityMask(s, idf);
    if (m === null) {
      bad.push(`no entity in "${s}"`);
      continue;
    }
    entities.add(m.target.toLowerCase());
    if (m.query.toLowerCase().split(/[^a-z']+/).includes(m.target.toLowerCase())) {
      bad.push(`query keeps the entity: "${m.query}"`);
    }
  }
  if (entities.size < 100) bad.push(`only ${entities.size} distinct entities`);
  return {
    figure: bad.length,
    bound: 0,
    pass: true,
    detail: `${c.length} sentences, ${entities.size} distinct masked entities; ${bad.join("; ")}`,
  };
});

claimTest(TR_FAULT, async () => {
  const model = trainModel(42);
  const small = trainModel(42, 16);
  await Deno.mkdir("out/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out/tmp" });
  const path = `${dir}/other.safetensors`;
  const other = new Trainer4(small, { steps: 1 });
  await other.save(path);
  other.dispose();
  small.dispose();
  const dead = new Trainer4(model, {});
  dead.dispose();
  const live = new Trainer4(model, { lm: trainLm() });
  const before = await weightsOf(model);
  const failures = await checkFaults([
    {
      name: "unknown variant",
      run: () => new Trainer4(model, { variant: "v5" as never }),
      expect: TypeError,
      mentions: ["variant"],
    },
    {
      name: "negative steps",
      run: () => new Trainer4(model, { steps: -1 }),
      expect: RangeError,
      mentions: ["steps"],
    },
    {
      name: "empty corpus",
      run: () => new Trainer4(model, { corpus: [] }),
      expect: TypeError,
      mentions: ["corpus"],
    },
    {
      name: "LM of another width",
      run: () => new Trainer4(model, { lm: { ...trainLm(), d: TRAIN_D + 1 } }),
      expect: TypeError,
      mentions: ["d_LLM"],
    },
    { name: "disposed trainer", run: () => dead.step(), expect: TypeError, mentions: ["disposed"] },
    {
      name: "checkpoint of another configuration",
      run: () => live.load(path),
      expect: TypeError,
    },
  ]);
  const after = await weightsOf(model);
  const changed = bitDiff(before, after);
  if (changed !== 0) failures.push(`the weights changed in ${changed} elements`);
  live.dispose();
  model.dispose();
  await Deno.remove(dir, { recursive: true });
  return faultMeasurement(6, failures);
});
