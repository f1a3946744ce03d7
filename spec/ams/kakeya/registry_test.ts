/**
 * Proofs of the KakeyaRegistry claims (./claims.ts): structure and routing, the per-field round
 * trip, the alignment invariant's divergence and the held-out rebuild policy.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import type { Matrix } from "../../../impl/linalg/mod.ts";
import {
  KAKEYA_DEFAULT_ROUTING,
  type KakeyaBundle,
  kakeyaRebuildDecision,
  KakeyaRegistry,
} from "../../../impl/ams/kakeya/kakeya.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { median, mul, normals, row, rows } from "./_cases.ts";
import { KAKEYA_ALIGNMENT, KAKEYA_HELD_OUT, KAKEYA_REGISTRY, KAKEYA_ROUND_TRIP } from "./claims.ts";

const FIELDS = ["semantic_emb", "content_wte_mean", "context_descriptor"] as const;
const WIDTHS = { semantic_emb: 128, content_wte_mean: 96, context_descriptor: 64 };
const TOL = 0.15;
const MAX_BAR = 3 * TOL + 0.2;

/** A source of memories: three fields sharing one 8-dim latent (the original's generator). */
function source(rng: Rng) {
  const maps = Object.fromEntries(FIELDS.map((f) => [f, normals(rng, 8, WIDTHS[f])]));
  return (n: number): Record<string, Matrix> => {
    const u = normals(rng, n, 8);
    return Object.fromEntries(FIELDS.map((f) => {
      const x = mul(u, maps[f]!);
      for (let i = 0; i < x.data.length; i++) x.data[i] = x.data[i]! + 0.1 * rng.normal();
      return [f, x];
    }));
  };
}

function axesOf(rng: Rng): Record<KakeyaBundle, Float64Array> {
  return {
    time: normals(rng, 1, 8).data,
    topic: normals(rng, 1, 16).data,
    ctx: normals(rng, 1, 12).data,
  };
}

function rowsOf(corpus: Record<string, Matrix>, i: number): Record<string, Float64Array> {
  return Object.fromEntries(
    Object.entries(corpus).map(([f, m]) => [f, Float64Array.from(row(m, i))]),
  );
}

function slice(corpus: Record<string, Matrix>, from: number, to: number): Record<string, Matrix> {
  return Object.fromEntries(Object.entries(corpus).map(([f, m]) => [f, rows(m, from, to)]));
}

claimTest(KAKEYA_REGISTRY, (): Measurement => {
  const rng = new Rng(8000);
  const corpus = source(rng)(12);
  const axes = axesOf(rng);
  const bad: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) bad.push(what);
  };
  const reg = new KakeyaRegistry();
  check(reg.slots.length === 4, "4 sets");
  check(
    reg.slots.every((s, i) =>
      s.bundle === KAKEYA_DEFAULT_ROUTING[i]!.bundle &&
      s.fields.join() === KAKEYA_DEFAULT_ROUTING[i]!.fields.join()
    ),
    "default routing",
  );
  // Invariant 3 with no build.
  const inv3 = reg.verifyInvariants(8);
  check(inv3.length === 1 && inv3[0]!.invariant === 3 && inv3[0]!.figure === 0, "inv 3 unbuilt");
  check(reg.verifyInvariants(7).length === 0, "no inv 3 below min_entries");
  reg.build(corpus, axes);
  check(reg.activeCount >= 2 && reg.activeCount === 4, "all 4 active");
  check(reg.verifyInvariants(12, axes).length === 0, "invariants hold after build");
  const h = reg.encode(rowsOf(corpus, 0));
  const sets = (f: string) => (h.entries[f] ?? []).map((c) => c.setIdx).join(",");
  check(sets("semantic_emb") === "0,1", "semantic_emb in sets 0, 1");
  check(sets("content_wte_mean") === "1,3", "content_wte_mean in sets 1, 3");
  check(sets("context_descriptor") === "2", "context_descriptor in set 2");
  check(h.entries.semantic_emb![1] === h.entries.content_wte_mean![0], "set 1 shares its code");
  for (const f of reg.routedFields) {
    check(reg.decodeField(h, f).length === WIDTHS[f as keyof typeof WIDTHS], `${f} width`);
    for (const c of h.entries[f]!) {
      check(
        reg.decodeField(h, f, c.setIdx).length === corpus[f]!.cols,
        `${f} from set ${c.setIdx}`,
      );
    }
  }
  // A missing field: its sets inactive, the others keep their indices.
  const noCtx = new KakeyaRegistry();
  noCtx.build(
    { semantic_emb: corpus.semantic_emb!, content_wte_mean: corpus.content_wte_mean! },
    axes,
  );
  check(noCtx.slots.map((s) => s.active).join() === "true,true,false,true", "ctx set inactive");
  check(noCtx.slots.every((s, i) => s.index === i), "indices aligned");
  const h2 = noCtx.encode(rowsOf(corpus, 1));
  check(
    (h2.entries.content_wte_mean ?? []).map((c) => c.setIdx).join() === "1,3" &&
      h2.entries.context_descriptor === undefined,
    "handle of the 3 active sets",
  );
  const onlyContent = new KakeyaRegistry();
  onlyContent.build({ content_wte_mean: corpus.content_wte_mean! }, axes);
  check(onlyContent.slots.map((s) => s.active).join() === "false,false,false,true", "one set");
  const f3 = onlyContent.verifyInvariants(12);
  check(f3.length === 1 && f3[0]!.invariant === 3 && f3[0]!.figure === 1, "inv 3 with one set");
  // A short routing is rejected.
  let rejected = false;
  try {
    new KakeyaRegistry({ routing: KAKEYA_DEFAULT_ROUTING.slice(0, 3) });
  } catch (e) {
    rejected = e instanceof RangeError && /n_kakeya_sets = 4/.test(e.message);
  }
  check(rejected, "short routing rejected");
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.length ? `broken: ${bad.join("; ")}` : "every structural check holds",
  };
});

claimTest(KAKEYA_ROUND_TRIP, (): Measurement => {
  const rng = new Rng(8100);
  const corpus = source(rng)(30);
  const reg = new KakeyaRegistry();
  reg.build(corpus, axesOf(rng));
  const errs = reg.reconstructionErrors(corpus);
  let worst = 0;
  const per: string[] = [];
  for (const f of FIELDS) {
    const e = errs[f]!;
    worst = Math.max(worst, ...e);
    per.push(`${f} median ${median(e).toFixed(3)} max ${Math.max(...e).toFixed(3)}`);
  }
  return {
    figure: worst,
    bound: 0.5,
    pass: worst < 0.5 && Object.keys(errs).length === 3,
    detail: `N = 30; ${per.join("; ")}`,
  };
});

claimTest(KAKEYA_ALIGNMENT, (): Measurement => {
  const rng = new Rng(8200);
  const corpus = source(rng)(16);
  const axes = axesOf(rng);
  const reg = new KakeyaRegistry();
  reg.build(corpus, axes);
  let misreported = 0;
  const notes: string[] = [];
  const expect = (what: string, got: number[], want: number[]) => {
    const g = [...got].sort().join(",");
    const w = [...want].sort().join(",");
    if (g !== w) {
      misreported += 1;
      notes.push(`${what}: reported [${g}], expected [${w}]`);
    }
  };
  const inv4 = (a: Record<KakeyaBundle, Float64Array>) =>
    reg.verifyInvariants(16, a).filter((f) => f.invariant === 4);
  expect("build axes", inv4(axes).map((f) => f.set!), []);
  // The by-construction figure: the largest alignment error with the build's axes and maps.
  let byConstruction = 0;
  for (const s of reg.slots) {
    if (s.set === null || s.map === null) continue;
    const a = axes[s.bundle];
    const af = new Float64Array(s.map.cols);
    for (let i = 0; i < s.map.rows; i++) {
      for (let j = 0; j < s.map.cols; j++) af[j] = af[j]! + a[i]! * s.map.data[i * s.map.cols + j]!;
    }
    byConstruction = Math.max(byConstruction, s.set.alignmentErrorFor(af));
  }
  let minFigure = Infinity;
  for (const b of ["time", "topic", "ctx"] as const) {
    const moved = { ...axes, [b]: normals(rng, 1, axes[b].length).data };
    const f = inv4(moved);
    for (const x of f) minFigure = Math.min(minFigure, x.figure);
    expect(
      `${b} axis changed`,
      f.map((x) => x.set!),
      reg.slots.filter((s) => s.bundle === b).map((s) => s.index),
    );
  }
  // A changed map M of set 2 (ctx) after build.
  const m2 = reg.slots[2]!.map!;
  reg.replaceMap(2, normals(rng, m2.rows, m2.cols));
  const f = inv4(axes);
  for (const x of f) minFigure = Math.min(minFigure, x.figure);
  expect("map 2 changed", f.map((x) => x.set!), [2]);
  return {
    figure: misreported,
    bound: 0,
    pass: misreported === 0 && byConstruction <= 1e-12 && minFigure > reg.alignmentTol,
    parts: [
      {
        name: "alignment error with the build's axes (by construction)",
        figure: byConstruction,
        bound: 1e-12,
        direction: "<=",
      },
      {
        name: "smallest reported figure",
        figure: minFigure,
        bound: reg.alignmentTol,
        direction: ">=",
      },
    ],
    detail:
      `by-construction max error ${byConstruction.toExponential(2)}; reported figures ≥ ${
        minFigure.toFixed(3)
      }` + (notes.length ? `; ${notes.join("; ")}` : ""),
  };
});

/** Runs a write stream; returns the held-out errors (pooled over fields) and the builds. */
function stream(seed: number, policy: "memspec" | "original") {
  const rng = new Rng(seed);
  const draw = source(rng);
  const axes = axesOf(rng);
  const writes = draw(64);
  const reg = new KakeyaRegistry();
  let nBuilt = 0;
  let recent: number[] = [];
  const builds: number[] = [];
  for (let n = 1; n <= 64; n++) {
    if (reg.activeCount > 0 && policy === "memspec") {
      const errs = reg.reconstructionErrors(slice(writes, n - 1, n));
      recent.push(median(FIELDS.map((f) => errs[f]![0]!)));
    }
    const rebuild = policy === "memspec"
      ? kakeyaRebuildDecision({ n, nBuilt, recentErrors: recent }).rebuild
      : nBuilt === 0 && n >= reg.minEntries;
    if (rebuild) {
      reg.build(slice(writes, 0, n), axes);
      nBuilt = n;
      recent = [];
      builds.push(n);
    }
  }
  const errs = reg.reconstructionErrors(draw(50));
  return { errors: FIELDS.flatMap((f) => errs[f]!), builds };
}

claimTest(KAKEYA_HELD_OUT, (): Measurement => {
  const ours: number[] = [];
  const theirs: number[] = [];
  const builds: string[] = [];
  for (const seed of [0, 1, 2, 3, 4]) {
    const m = stream(8300 + seed, "memspec");
    ours.push(...m.errors);
    builds.push(m.builds.join("/"));
    theirs.push(...stream(8300 + seed, "original").errors);
  }
  const med = median(ours);
  const max = Math.max(...ours);
  const orig = median(theirs);
  return {
    figure: med,
    bound: TOL,
    pass: med <= TOL && max < MAX_BAR && orig >= TOL,
    parts: [
      { name: "held-out max (memspec policy)", figure: max, bound: MAX_BAR, direction: "<=" },
      {
        name: "held-out median, built once at 8 (the original)",
        figure: orig,
        bound: TOL,
        direction: ">=",
      },
    ],
    detail: `5 seeds × 50 held-out memories × 3 fields: memspec median ${med.toFixed(3)}, max ${
      max.toFixed(3)
    } (builds at ${builds.join("; ")}); the original (built once at 8): median ${
      orig.toFixed(3)
    }, max ${Math.max(...theirs).toFixed(3)}`,
  };
});
