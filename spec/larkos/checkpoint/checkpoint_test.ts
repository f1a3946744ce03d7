/**
 * Tests of the larkos checkpoint claims (./claims.ts): round trip, the shape-change
 * divergence, expandCopy fuzzed, the original's fallbacks, the transfer over every 0.3
 * module, and faults.
 *
 * @module
 */
import fc from "fast-check";
import {
  AdamW,
  initGpu,
  liveBufferCount,
  readTensors,
  saveCheckpoint,
  type Tensor,
  tensor,
} from "../../../impl/mod.ts";
import { recordedWork } from "../../../impl/gpu/batch.ts";
import {
  expandCopy,
  loadLarkosCheckpoint,
  type LoadLarkosCheckpointOptions,
  saveLarkosCheckpoint,
  transferParameters,
} from "../../../impl/larkos/checkpoint/checkpoint.ts";
import { LARKOS } from "../../../impl/larkos/config.ts";
import { OnlineMinMax } from "../../../impl/larkos/temporal_encoder/input_pipeline.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { checkFault, type FaultCase } from "../../_harness/fault_case.ts";
import { fcParams, replayHint } from "../../_harness/fuzz.ts";
import {
  bitDiffs,
  buildModules,
  buildNormalisers,
  disposeModules,
  flatParams,
  type Modules03,
  REASONER_INPUT_WEIGHT,
  withTempDir,
} from "./_modules.ts";
import {
  CK_EXPAND_COPY,
  CK_FALLBACKS,
  CK_FAULT,
  CK_ROUND_TRIP,
  CK_SHAPE_CHANGE,
  CK_TRANSFER,
} from "./claims.ts";

/** Counts failed checks and keeps the first few for the claim's detail. */
class Failures {
  count = 0;
  checks = 0;
  readonly notes: string[] = [];

  check(ok: boolean, what: () => string): boolean {
    this.checks++;
    if (!ok) {
      this.count++;
      if (this.notes.length < 5) this.notes.push(what());
    }
    return ok;
  }

  measurement(extra = ""): Measurement {
    return {
      figure: this.count,
      bound: 0,
      pass: this.count === 0,
      detail: (this.notes.length > 0 ? this.notes.join("; ") : `${this.checks} checks`) +
        (extra ? `; ${extra}` : ""),
    };
  }
}

/** Every parameter's host values, by flat name, in one sync. */
async function hostParams(m: Modules03): Promise<Map<string, Float32Array>> {
  const ps = flatParams(m);
  const values = await readTensors(ps.map(([, t]) => t));
  return new Map(ps.map(([n], i) => [n, values[i] as Float32Array]));
}

function shapeOf(m: Modules03, name: string): readonly number[] {
  return flatParams(m).find(([n]) => n === name)![1].shape;
}

/** Elements of `after` differing from `want`, summed over every parameter. */
function diffAll(after: Map<string, Float32Array>, want: Map<string, Float32Array>): number {
  let d = 0;
  for (const [n, a] of after) d += bitDiffs(a, want.get(n) ?? new Float32Array());
  return d;
}

function cachedFusedCog(seed: number, lastDim: number): { shape: number[]; values: Float32Array } {
  return {
    shape: [1, lastDim],
    values: Float32Array.from({ length: lastDim }, (_, i) => Math.sin(seed * 7 + i) * 2),
  };
}

// ------------------------------------------------------------------ round trip

claimTest(CK_ROUND_TRIP, async () => {
  await initGpu();
  const src = buildModules(1);
  const dst = buildModules(2);
  const nSrc = buildNormalisers(11, 20);
  const nDst = buildNormalisers(12, 3);
  const cache = cachedFusedCog(1, LARKOS.FUSION_DIM);
  let diffs = 0;
  let params = 0;
  try {
    await withTempDir(async (dir) => {
      const path = `${dir}/rt.safetensors`;
      await saveLarkosCheckpoint(path, {
        modules: src,
        normalisers: nSrc,
        cached: { cached_fused_cog: cache },
        meta: { step: 7 },
      });
      const r = await loadLarkosCheckpoint(path, { modules: dst, normalisers: nDst });
      const [a, b] = [await hostParams(src), await hostParams(dst)];
      params = [...a.values()].reduce((s, v) => s + v.length, 0);
      diffs += diffAll(b, a);
      const sa = nSrc.online_norm.stats();
      const sb = nDst.online_norm.stats();
      diffs += bitDiffs(sa.min, sb.min) + bitDiffs(sa.max, sb.max) +
        bitDiffs(sa.seen.map(Number), sb.seen.map(Number));
      const fa = nSrc.fused_cog_norm.stats();
      const fb = nDst.fused_cog_norm.stats();
      diffs += bitDiffs(fa.mean, fb.mean) + bitDiffs(fa.var, fb.var) + Number(fa.seen !== fb.seen);
      const got = r.cached.cached_fused_cog;
      diffs += got === null || got === undefined
        ? cache.values.length
        : bitDiffs(got.values, cache.values) + bitDiffs(got.shape, cache.shape);
      diffs += Number((r.meta as { step?: number }).step !== 7) + r.expanded.length +
        r.missing.length + r.unexpected.length;
    });
  } finally {
    disposeModules(src);
    disposeModules(dst);
  }
  return {
    figure: diffs,
    bound: 0,
    pass: diffs === 0,
    detail: `${params} parameters, 2 normalisers, 1 cached tensor`,
  };
});

// ------------------------------------------------------------------ shape change

claimTest(CK_SHAPE_CHANGE, async () => {
  await initGpu();
  const f = new Failures();
  const cases: { name: string; saved: Modules03; tensor: string; from: string; to: string }[] = [
    {
      name: "D_NODE 5 → 8",
      saved: buildModules(3, { dNode: 5 }),
      tensor: `graph_reasoner.${REASONER_INPUT_WEIGHT}`,
      from: "[64, 5]",
      to: "[64, 8]",
    },
    {
      name: "TEMPORAL_WINDOW 6 → 4",
      saved: buildModules(5, { seqLen: 6 }),
      tensor: "temporal_encoder.pos",
      from: "[6, 48]",
      to: "[4, 48]",
    },
  ];
  const model = buildModules(4);
  try {
    await withTempDir(async (dir) => {
      for (const c of cases) {
        const path = `${dir}/old.safetensors`;
        await saveLarkosCheckpoint(path, { modules: c.saved });
        const before = await hostParams(model);
        let msg = "";
        try {
          await loadLarkosCheckpoint(path, { modules: model });
        } catch (e) {
          msg = e instanceof TypeError ? e.message : `${(e as Error).name}: ${e}`;
        }
        for (const word of [JSON.stringify(c.tensor), c.from, c.to, "expandCopy"]) {
          f.check(msg.includes(word), () => `${c.name}: refusal "${msg}" lacks ${word}`);
        }
        const unchanged = diffAll(await hostParams(model), before);
        f.check(unchanged === 0, () => `${c.name}: a refused load changed ${unchanged} elements`);
        const r = await loadLarkosCheckpoint(path, {
          modules: model,
          onShapeMismatch: "expandCopy",
        });
        f.check(
          r.expanded.length === 1 && r.expanded[0] === c.tensor,
          () => `${c.name}: expanded ${r.expanded}`,
        );
        const saved = await hostParams(c.saved);
        const after = await hostParams(model);
        let wrong = 0;
        for (const [n, v] of after) {
          const want = n === c.tensor
            ? expandCopy(saved.get(n)!, shapeOf(c.saved, n), before.get(n)!, shapeOf(model, n))
            : saved.get(n)!;
          wrong += bitDiffs(v, want);
        }
        f.check(wrong === 0, () => `${c.name}: ${wrong} elements differ after expandCopy`);
      }
    });
  } finally {
    for (const c of cases) disposeModules(c.saved);
    disposeModules(model);
  }
  return f.measurement(`${cases.length} configurations refused, then expand-copied`);
});

// ------------------------------------------------------------------ expandCopy fuzzed

/** The definition, index by index: decode each fresh index, compare with the old shape. */
function expandOracle(
  old: Float32Array,
  oldShape: number[],
  fresh: Float32Array,
  freshShape: number[],
): Float32Array {
  const out = new Float32Array(fresh.length);
  for (let f = 0; f < fresh.length; f++) {
    let rest = f;
    const idx = new Array<number>(freshShape.length);
    for (let k = freshShape.length - 1; k >= 0; k--) {
      idx[k] = rest % freshShape[k]!;
      rest = Math.floor(rest / freshShape[k]!);
    }
    const inside = idx.every((i, k) => i < oldShape[k]!);
    let o = 0;
    for (let k = 0; k < oldShape.length; k++) o = o * oldShape[k]! + idx[k]!;
    out[f] = inside ? old[o]! : fresh[f]!;
  }
  return out;
}

claimTest(CK_EXPAND_COPY, () => {
  const f = new Failures();
  const shapes = fc.integer({ min: 1, max: 4 }).chain((rank) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: rank, maxLength: rank }),
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: rank, maxLength: rank }),
      fc.integer({ min: 0, max: 0x7fffffff }),
    )
  );
  const params = fcParams<[[number[], number[], number]]>(300);
  let runs = 0;
  try {
    fc.assert(
      fc.property(shapes, ([oldShape, freshShape, seed]) => {
        runs++;
        const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
        // Distinct values: old ones positive, fresh ones negative, so a swap cannot hide.
        const old = Float32Array.from({ length: n(oldShape) }, (_, i) => 1 + i + (seed % 97));
        const fresh = Float32Array.from({ length: n(freshShape) }, (_, i) => -1 - i);
        const got = expandCopy(old, oldShape, fresh, freshShape);
        const want = expandOracle(old, oldShape, fresh, freshShape);
        const d = bitDiffs(got, want);
        return f.check(
          d === 0,
          () => `old ${oldShape} → fresh ${freshShape}: ${d} elements differ`,
        );
      }),
      params,
    );
  } catch (e) {
    throw new Error(`${replayHint(CK_EXPAND_COPY.id)}\n${(e as Error).message}`);
  }
  return f.measurement(`${runs} fuzzed shape pairs, ranks 1–4`);
});

// ------------------------------------------------------------------ fallbacks

claimTest(CK_FALLBACKS, async () => {
  await initGpu();
  const f = new Failures();
  const m = buildModules(6);
  try {
    await withTempDir(async (dir) => {
      const path = `${dir}/fb.safetensors`;
      // A cache of the wrong width and fused_cog_norm statistics of another width.
      const wide = buildNormalisers(21, 10, 32);
      await saveLarkosCheckpoint(path, {
        modules: m,
        normalisers: wide,
        cached: { cached_fused_cog: cachedFusedCog(2, 32) },
      });
      const live = { fused_cog_norm: buildNormalisers(22, 4).fused_cog_norm };
      const before = live.fused_cog_norm.stats();
      const r = await loadLarkosCheckpoint(path, { modules: m, normalisers: live });
      f.check(r.dropped.join() === "cached_fused_cog", () => `dropped ${r.dropped}`);
      f.check(!("cached_fused_cog" in r.cached), () => "the [1, 32] cache was returned");
      f.check(
        r.statsKeptFresh.join() === "fused_cog_norm" && r.statsLoaded.length === 0,
        () => `kept fresh ${r.statsKeptFresh}, loaded ${r.statsLoaded}`,
      );
      const after = live.fused_cog_norm.stats();
      f.check(
        bitDiffs(after.mean, before.mean) + bitDiffs(after.var, before.var) === 0,
        () => "fused_cog_norm changed although kept fresh",
      );
      // online_norm of 8 channels saved, 6 live: refused, nothing written.
      const online = { online_norm: new OnlineMinMax({ tracking: "asymmetric" }) };
      const onlineBefore = online.online_norm.stats();
      const paramsBefore = await hostParams(m);
      const path8 = `${dir}/fb8.safetensors`;
      const eight = new OnlineMinMax({ tracking: "asymmetric", dim: 8 });
      eight.update([1, 2, 3, 4, 5, 6, 7, 8]);
      await saveLarkosCheckpoint(path8, { modules: m, normalisers: { online_norm: eight } });
      let msg = "";
      try {
        await loadLarkosCheckpoint(path8, { modules: m, normalisers: online });
      } catch (e) {
        msg = e instanceof TypeError ? e.message : String(e);
      }
      f.check(
        msg.includes('"online_norm"') && msg.includes("Float64Array(8)"),
        () => `online_norm refusal: "${msg}"`,
      );
      const onlineAfter = online.online_norm.stats();
      f.check(
        bitDiffs(onlineAfter.min, onlineBefore.min) === 0 &&
          diffAll(await hostParams(m), paramsBefore) === 0,
        () => "the refused load wrote something",
      );
      // The right widths: restored and returned.
      const path64 = `${dir}/fb64.safetensors`;
      const good = buildNormalisers(23, 10);
      const cache = cachedFusedCog(3, 64);
      await saveLarkosCheckpoint(path64, {
        modules: m,
        normalisers: good,
        cached: { cached_fused_cog: cache },
      });
      const r64 = await loadLarkosCheckpoint(path64, { modules: m, normalisers: live });
      const got = r64.cached.cached_fused_cog;
      f.check(
        r64.dropped.length === 0 && got !== null && got !== undefined &&
          bitDiffs(got.values, cache.values) === 0,
        () => "the [1, 64] cache was not returned bit for bit",
      );
      const restored = live.fused_cog_norm.stats();
      const want = good.fused_cog_norm.stats();
      f.check(
        r64.statsLoaded.join() === "fused_cog_norm" &&
          bitDiffs(restored.mean, want.mean) + bitDiffs(restored.var, want.var) === 0,
        () => "fused_cog_norm of the live width was not restored",
      );
    });
  } finally {
    disposeModules(m);
  }
  return f.measurement();
});

// ------------------------------------------------------------------ transfer

claimTest(CK_TRANSFER, async () => {
  await initGpu();
  const src = buildModules(1);
  const dst = buildModules(2, { seqLen: 6 });
  let wrong = 0;
  let elements = 0;
  const covered = new Set<string>();
  try {
    const fresh = await hostParams(dst);
    const source = await hostParams(src);
    const r = await transferParameters(src, dst);
    const after = await hostParams(dst);
    for (const [n, v] of after) {
      const s = source.get(n);
      const want = s === undefined
        ? fresh.get(n)!
        : expandCopy(s, shapeOf(src, n), fresh.get(n)!, shapeOf(dst, n));
      wrong += bitDiffs(v, want);
      elements += v.length;
      if (s !== undefined) covered.add(n.split(".")[0]!);
    }
    wrong += r.keptFresh.length;
    if (r.expanded.join() !== "temporal_encoder.pos") wrong++;
  } finally {
    disposeModules(src);
    disposeModules(dst);
  }
  const left = 3 - covered.size;
  return {
    figure: wrong + left,
    bound: 0,
    pass: wrong + left === 0,
    detail: `${elements} elements over ${covered.size} modules (${[...covered].join(", ")})`,
  };
});

// ------------------------------------------------------------------ faults

claimTest(CK_FAULT, async () => {
  await initGpu();
  const problems: string[] = [];
  const model = buildModules(8);
  const norms = buildNormalisers(31, 5);
  const old = buildModules(9, { dNode: 5 });
  const opt = new AdamW(flatParams(model).map(([, t]) => t), { lr: 0.01 });
  let cases = 0;
  try {
    await withTempDir(async (dir) => {
      const oldPath = `${dir}/old.safetensors`;
      await saveLarkosCheckpoint(oldPath, { modules: old, normalisers: norms });
      const rankPath = `${dir}/rank.safetensors`;
      const flatPos = tensor(new Float32Array(4 * 48), [4 * 48]);
      const fake = {
        ...model,
        temporal_encoder: {
          namedParameters: () =>
            model.temporal_encoder.namedParameters().map(([n, t]) =>
              (n === "pos" ? [n, flatPos] : [n, t]) as [string, Tensor]
            ),
        },
      };
      await saveLarkosCheckpoint(rankPath, { modules: fake });
      flatPos.dispose();
      const partialPath = `${dir}/partial.safetensors`;
      await saveLarkosCheckpoint(partialPath, {
        modules: { fusion_transformer: model.fusion_transformer },
      });
      const plainPath = `${dir}/plain.safetensors`;
      const w = tensor([1, 2], [2]);
      await saveCheckpoint(plainPath, { params: { "graph_reasoner.x": w } });
      w.dispose();
      const trackingPath = `${dir}/tracking.safetensors`;
      const original = new OnlineMinMax({ tracking: "original" });
      original.update([1, 2, 3, 4, 5, 6]);
      await saveLarkosCheckpoint(trackingPath, {
        modules: model,
        normalisers: {
          fused_cog_norm: buildNormalisers(32, 2).fused_cog_norm,
          online_norm: original,
        },
      });
      const goodPath = `${dir}/good.safetensors`;
      await saveLarkosCheckpoint(goodPath, { modules: model });

      const before = await hostParams(model);
      const normsBefore = JSON.stringify([
        ...norms.online_norm.stats().min,
        ...norms.fused_cog_norm.stats().mean,
      ]);
      const load = (path: string, o: Partial<LoadLarkosCheckpointOptions> = {}) => () =>
        loadLarkosCheckpoint(path, { modules: model, normalisers: norms, ...o });
      const faults: FaultCase[] = [
        {
          name: "grown reasoner input (D_NODE 5 → 8)",
          run: load(oldPath),
          expect: TypeError,
          mentions: [`"graph_reasoner.${REASONER_INPUT_WEIGHT}"`, "[64, 5]", "[64, 8]"],
        },
        {
          name: "rank change under expandCopy",
          run: load(rankPath, { onShapeMismatch: "expandCopy" }),
          expect: TypeError,
          mentions: ['"temporal_encoder.pos"', "rank change"],
        },
        {
          name: "modules and normalisers missing (strict)",
          run: load(partialPath),
          expect: TypeError,
          mentions: ["missing", "graph_reasoner.", '"online_norm" missing'],
        },
        {
          // The layouts match; the normaliser's own setStats refuses the tracking mode after
          // fused_cog_norm was restored: that one is put back and no parameter is written.
          name: "online_norm saved with the original's tracking, loaded into the fixed one",
          run: load(trackingPath, {
            normalisers: { fused_cog_norm: norms.fused_cog_norm, online_norm: norms.online_norm },
          }),
          expect: TypeError,
          mentions: ["tracking", "asymmetric"],
        },
        {
          name: "a memspec checkpoint not from the larkos saver",
          run: load(plainPath),
          expect: SyntaxError,
          mentions: ["larkos-checkpoint/1"],
        },
        {
          name: "optimizer state missing (strict)",
          run: () => loadLarkosCheckpoint(goodPath, { modules: model, optimizer: opt }),
          expect: TypeError,
          mentions: ["optimizer state missing"],
        },
        {
          name: "module name with a dot",
          run: () =>
            saveLarkosCheckpoint(`${dir}/dot.safetensors`, {
              modules: { "graph.reasoner": model.graph_reasoner },
            }),
          expect: TypeError,
          mentions: ['"graph.reasoner"'],
        },
        {
          name: "unknown onShapeMismatch",
          run: load(goodPath, { onShapeMismatch: "truncate" as "refuse" }),
          expect: TypeError,
          mentions: ['"refuse" or "expandCopy"', "truncate"],
        },
      ];
      for (const c of faults) {
        cases++;
        const live = liveBufferCount();
        const dispatches = recordedWork();
        const bad = await checkFault(c);
        if (bad !== null) problems.push(bad);
        if (liveBufferCount() !== live || recordedWork() !== dispatches) {
          problems.push(`${c.name}: GPU state changed`);
        }
      }
      const changed = diffAll(await hostParams(model), before);
      if (changed !== 0) problems.push(`${changed} parameter elements changed`);
      const normsAfter = JSON.stringify([
        ...norms.online_norm.stats().min,
        ...norms.fused_cog_norm.stats().mean,
      ]);
      if (normsAfter !== normsBefore) {
        problems.push("normaliser statistics changed");
      }
    });
  } finally {
    opt.dispose();
    disposeModules(model);
    disposeModules(old);
  }
  return {
    figure: problems.length,
    bound: 0,
    pass: problems.length === 0,
    detail: problems.slice(0, 4).join("; ") || `${cases} fault cases`,
  };
});
