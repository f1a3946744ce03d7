/**
 * Proofs of the direction tree's claims (./claims.ts).
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import {
  bruteForceCosine,
  cosineScanGpu,
  DirectionTreeV4,
  type TreeStructure,
} from "../../../impl/ams/direction_tree/direction_tree.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { recordFigure } from "../../_harness/figures.ts";
import { claimTest, type Measurement, type SubFigure } from "../../_harness/claim.ts";
import { checkFault, type FaultCase } from "../../_harness/fault_case.ts";
import { f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadRecallFixture, loadTreeFixture, type StoredStructure } from "./_fixture.ts";
import { type RecallRun, recallRuns, unitDirn } from "./_cases.ts";
import { ORIGINAL_RECALL, recallBound, scanBound } from "./_bounds.ts";
import {
  TREE_FAULT,
  TREE_FIXTURE,
  TREE_NO_SPLIT,
  TREE_RECALL,
  TREE_SCAN_PARITY,
  TREE_SCORES,
} from "./claims.ts";

/** The tree sizes and query noise levels of the recall claims (d = 16, beam 5, top 3). */
const RECALL_NS = [50, 200, 1000] as const;
const RECALL_SIGMAS = [0, 0.3] as const;
const SEEDS = [1, 2, 3, 4, 5];

/** Recall runs by `${n}/${σ}`, one per seed; each (seed, N) tree is built once for both σ. */
let recallCache: Map<string, RecallRun[]> | undefined;
function recallTable(): Map<string, RecallRun[]> {
  if (recallCache !== undefined) return recallCache;
  const table = new Map<string, RecallRun[]>();
  for (const n of RECALL_NS) {
    for (const seed of SEEDS) {
      recallRuns(seed, n, 16, RECALL_SIGMAS).forEach((r, j) => {
        const key = `${n}/${RECALL_SIGMAS[j]}`;
        table.set(key, [...(table.get(key) ?? []), r]);
      });
    }
  }
  recallCache = table;
  return table;
}

const pct = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}%`;

/** Mismatches between a tree's structure and the stored one, by path. */
function structureDiff(have: TreeStructure, want: StoredStructure, path: string): string[] {
  if (want.ids !== undefined) {
    if (!have.leaf) return [`${path}: internal node where numpy has a leaf`];
    return JSON.stringify(have.ids) === JSON.stringify(want.ids)
      ? []
      : [`${path}: leaf ${JSON.stringify(have.ids)} ≠ ${JSON.stringify(want.ids)}`];
  }
  const kids = want.children ?? [];
  if (have.leaf) return [`${path}: leaf where numpy has ${kids.length} children`];
  if (have.children.length !== kids.length) {
    return [`${path}: ${have.children.length} children ≠ ${kids.length}`];
  }
  return kids.flatMap((k, i) => structureDiff(have.children[i]!, k, `${path}.${i}`));
}

claimTest(TREE_FIXTURE, async (): Promise<Measurement> => {
  const { cases, integrity } = await loadTreeFixture();
  let mismatches = 0;
  let worstScore = 0;
  const notes: string[] = [];
  for (const c of cases) {
    const dirns = f64(c.dirns, `${c.name}.dirns`);
    const n = dirns.length / c.d;
    const tree = new DirectionTreeV4(c.d, { treeK: c.tree_k, maxLeaf: c.max_leaf });
    for (let i = 0; i < n; i++) tree.insert(i, dirns.subarray(i * c.d, (i + 1) * c.d));
    const d1 = structureDiff(tree.structure(), c.structure_after_insert, `${c.name}/insert`);
    for (const m of ints(c.removed, `${c.name}.removed`)) tree.remove(m);
    const d2 = structureDiff(tree.structure(), c.structure_after_remove, `${c.name}/remove`);
    mismatches += d1.length + d2.length;
    notes.push(...d1, ...d2);
    const qs = f64(c.queries, `${c.name}.queries`);
    c.results.forEach((r, qi) => {
      const hits = tree.retrieve(qs.subarray(qi * c.d, (qi + 1) * c.d), c.beam);
      const ids = ints(r.ids, `${c.name}.results[${qi}].ids`);
      const scores = f64(r.scores, `${c.name}.results[${qi}].scores`);
      if (hits.length !== ids.length || hits.some((h, i) => h.mid !== ids[i])) {
        mismatches++;
        notes.push(`${c.name} query ${qi}: ids differ`);
        return;
      }
      hits.forEach((h, i) => worstScore = Math.max(worstScore, Math.abs(h.score - scores[i]!)));
    });
  }
  return {
    figure: mismatches,
    bound: 0,
    pass: mismatches === 0,
    parts: [{ name: "max |score − numpy|", figure: worstScore, bound: 1e-6, direction: "<=" }],
    detail: `${cases.length} cases; ${notes.slice(0, 3).join("; ")}; ${integrity}`,
  };
});

claimTest(TREE_NO_SPLIT, (): Measurement => {
  let differs = 0;
  let splits = 0;
  for (const seed of SEEDS) {
    const rng = new Rng(seed);
    const dirns = Array.from({ length: 20 }, () => unitDirn(rng, 16));
    const tree = new DirectionTreeV4(16);
    dirns.forEach((v, i) => tree.insert(i, v));
    if (!tree.structure().leaf) splits++;
    const exact = bruteForceCosine(dirns, dirns, 20);
    dirns.forEach((q, i) => {
      const got = tree.retrieve(q, 5).map((h) => h.mid);
      const want = exact[i]!.map((h) => h.mid);
      if (got[0] !== i || JSON.stringify(got) !== JSON.stringify(want)) differs++;
    });
  }
  return {
    figure: differs,
    bound: 0,
    pass: differs === 0,
    parts: [{ name: "splits", figure: splits, bound: 0, direction: "==" }],
    detail: `${SEEDS.length} seeds × 20 queries`,
  };
});

claimTest(TREE_SCORES, (): Measurement => {
  const runs = recallTable().get("1000/0")!;
  const above = runs.reduce((a, r) => a + r.scoresAbove1, 0);
  const differs = runs.reduce((a, r) => a + r.top1Differs, 0);
  const maxScore = Math.max(...runs.map((r) => r.maxScore));
  const queries = runs.reduce((a, r) => a + r.queries, 0);
  // Self-queries: the brute-force best of a stored dirn is itself.
  const selfMisses = runs.reduce((a, r) => a + r.queries - r.hits, 0);
  return {
    figure: above,
    bound: 1,
    pass: above >= 1,
    parts: [
      { name: "top-1 not the cosine best", figure: differs, bound: 1, direction: ">=" },
      {
        name: "self-queries missing from the top 3",
        figure: selfMisses,
        bound: 1,
        direction: ">=",
      },
    ],
    detail: `N=1000, ${SEEDS.length} seeds: ${above}/${queries} top scores > 1 (max ` +
      `${maxScore.toFixed(3)}), top-1 ≠ cosine best ${differs}/${queries}, own dirn not in the ` +
      `top 3 ${selfMisses}/${queries}`,
  };
});

claimTest(TREE_RECALL, async (): Promise<Measurement> => {
  const { data, integrity } = await loadRecallFixture();
  if (data.d !== 16 || data.beam !== 5 || data.k !== 3) {
    throw new RangeError(
      `Cannot compare recall: expected the reference at d = 16, beam 5, top 3 but got d = ` +
        `${data.d}, beam ${data.beam}, top ${data.k}`,
    );
  }
  const table = recallTable();
  const parts: SubFigure[] = [];
  const notes: string[] = [];
  let margin = Infinity;
  for (const n of RECALL_NS) {
    for (const sigma of RECALL_SIGMAS) {
      const key = `${n}/${sigma}`;
      const ref = data.settings.find((s) => s.n === n && s.sigma === sigma);
      const original = ORIGINAL_RECALL[key];
      if (ref === undefined || original === undefined) {
        throw new RangeError(`Cannot compare recall: no reference or original figure for ${key}`);
      }
      const runs = table.get(key)!;
      const hits = runs.reduce((a, r) => a + r.hits, 0);
      const queries = runs.reduce((a, r) => a + r.queries, 0);
      const recall = hits / queries;
      const b = recallBound(
        { recall: ref.recall, seedSd: ref.seed_sd, seeds: ref.seeds.length },
        SEEDS.length,
        original,
      );
      margin = Math.min(margin, recall - b.bound);
      parts.push({
        name: `recall N=${n} σ=${sigma}`,
        figure: recall,
        bound: b.bound,
        direction: ">=",
      });
      const vsOriginal = recall > original
        ? `gain ${(100 * (recall - original)).toFixed(1)} points over`
        : recall < original
        ? `${(100 * (original - recall)).toFixed(1)} points under`
        : "equal to";
      notes.push(
        `N=${n} σ=${sigma}: ${pct(recall)} (${hits}/${queries}) >= ${pct(b.bound, 2)}; reference ` +
          `${pct(b.reference)} ± 3·${pct(b.se, 2)} over ${ref.seeds.length} seeds; ${vsOriginal} ` +
          `the original's ${pct(original)} (${b.originalZ.toFixed(1)} se from the reference, ` +
          `${b.reproduced ? "within" : "beyond"} 3 se${b.originalBinds ? "; binds" : ""}); ` +
          `reference on torch's draws ${pct(ref.torch_recall)}`,
      );
      // The finding: the original's 96% at N = 1000 is beyond sampling of the algorithm.
      if (key === "1000/0") {
        parts.push({
          name: "original 96% above the reference at N=1000 σ=0, in se",
          figure: b.originalZ,
          bound: 3,
          direction: ">=",
        });
      }
    }
  }
  // Recall against N, one series per (source, noise): memspec, the reference, the original.
  const series = RECALL_SIGMAS.flatMap((sigma) => {
    const at = (f: (n: number) => number) =>
      RECALL_NS.map((n) => [n, 100 * f(n)] as [number, number]);
    const mine = (n: number) => {
      const runs = table.get(`${n}/${sigma}`)!;
      return runs.reduce((a, r) => a + r.hits, 0) / runs.reduce((a, r) => a + r.queries, 0);
    };
    const ref = (n: number) => data.settings.find((s) => s.n === n && s.sigma === sigma)!.recall;
    return [
      { name: `memspec σ=${sigma}`, points: at(mine) },
      { name: `reference σ=${sigma}`, points: at(ref) },
      { name: `original σ=${sigma}`, points: at((n) => ORIGINAL_RECALL[`${n}/${sigma}`]!) },
    ];
  });
  recordFigure({
    id: "ams_tree_recall",
    claim: TREE_RECALL.id,
    title: "Direction tree: brute-force best in the top 3 (%), 5 seeds",
    x: { label: "stored dirns N", log: true },
    y: { label: "recall (%)" },
    series,
  });
  return {
    figure: margin,
    bound: 0,
    pass: margin >= 0,
    parts,
    detail: `${notes.join("; ")}; ${integrity}`,
  };
});

claimTest(TREE_SCAN_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  let worst = 0;
  let where = "";
  let argmaxBad = 0;
  let compared = 0;
  for (const [d, seed] of [[8, 11], [12, 12], [16, 13]] as const) {
    const rng = new Rng(seed);
    const nq = 40;
    const n = 500;
    const x = new Float32Array(n * d);
    for (let j = 0; j < n; j++) x.set(unitDirn(rng, d), j * d);
    const q = new Float32Array(nq * d);
    // Half the queries are stored dirns (cosine 1 against themselves), half random.
    for (let i = 0; i < nq; i++) {
      q.set(i % 2 === 0 ? x.subarray(i * d, i * d + d) : unitDirn(rng, d), i * d);
    }
    const got = await cosineScanGpu(q, x, d);
    for (let i = 0; i < nq; i++) {
      const qi = q.subarray(i * d, i * d + d);
      const ref: { v: number; e: number }[] = [];
      for (let j = 0; j < n; j++) {
        const b = scanBound(qi, x.subarray(j * d, j * d + d));
        ref.push(b);
        const r = Math.abs(got[i * n + j]! - b.v) / b.e;
        if (!(r <= worst)) {
          worst = r;
          where = `d=${d} q=${i} j=${j}`;
        }
      }
      const order = ref.map((_, j) => j).sort((a, b) => ref[b]!.v - ref[a]!.v || a - b);
      const best = order[0]!;
      const second = order[1]!;
      if (ref[best]!.v - ref[second]!.v > ref[best]!.e + ref[second]!.e) {
        compared++;
        let g = 0;
        for (let j = 1; j < n; j++) if (got[i * n + j]! > got[i * n + g]!) g = j;
        if (g !== best) argmaxBad++;
      }
    }
  }
  const figure = worst + argmaxBad;
  return {
    figure,
    bound: 1,
    pass: figure <= 1,
    detail: `worst error/bound ${worst.toExponential(2)} at ${where}; argmax compared on ` +
      `${compared} queries, ${argmaxBad} differ`,
  };
});

claimTest(TREE_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const rng = new Rng(99);
  const tree = new DirectionTreeV4(4, { maxLeaf: 3 });
  for (let i = 0; i < 10; i++) tree.insert(i, unitDirn(rng, 4));
  const snapshot = () => JSON.stringify(tree.structure());
  const before = snapshot();
  const e0 = [1, 0, 0, 0];
  const cases: FaultCase[] = [
    {
      name: "short dirn",
      run: () => tree.insert(20, [1, 0, 0]),
      expect: TypeError,
      mentions: ["length 4"],
    },
    {
      name: "non-unit dirn",
      run: () => tree.insert(20, [2, 0, 0, 0]),
      expect: RangeError,
      mentions: ["unit"],
    },
    {
      name: "NaN dirn",
      run: () => tree.insert(20, [NaN, 0, 0, 0]),
      expect: RangeError,
      mentions: ["finite"],
    },
    {
      name: "infinite dirn",
      run: () => tree.insert(20, [Infinity, 0, 0, 0]),
      expect: RangeError,
      mentions: ["finite"],
    },
    {
      name: "duplicate id",
      run: () => tree.insert(3, e0),
      expect: RangeError,
      mentions: ["already"],
    },
    {
      name: "negative id",
      run: () => tree.insert(-1, e0),
      expect: RangeError,
      mentions: ["non-negative"],
    },
    {
      name: "remove absent id",
      run: () => tree.remove(42),
      expect: RangeError,
      mentions: ["42", "not in it"],
    },
    {
      name: "non-unit query",
      run: () => tree.retrieve([0.5, 0, 0, 0]),
      expect: RangeError,
      mentions: ["unit"],
    },
    {
      name: "query of wrong length",
      run: () => tree.retrieve([1, 0]),
      expect: TypeError,
      mentions: ["length 4"],
    },
    { name: "beam 0", run: () => tree.retrieve(e0, 0), expect: RangeError, mentions: ["beam"] },
    {
      name: "treeK 1",
      run: () => new DirectionTreeV4(4, { treeK: 1 }),
      expect: RangeError,
      mentions: ["treeK"],
    },
    {
      name: "scan rows of the wrong width",
      run: () => cosineScanGpu(new Float32Array(5), new Float32Array(8), 4),
      expect: TypeError,
      mentions: ["queries"],
    },
    {
      name: "scan NaN dirn",
      run: () => cosineScanGpu(new Float32Array(4).fill(1), new Float32Array([1, NaN, 0, 0]), 4),
      expect: RangeError,
      mentions: ["finite"],
    },
    {
      name: "scan with no dirns",
      run: () => cosineScanGpu(new Float32Array(4).fill(1), new Float32Array(0), 4),
      expect: RangeError,
      mentions: ["non-empty"],
    },
  ];
  const bad: string[] = [];
  for (const c of cases) {
    const r = await checkFault(c);
    if (r !== null) bad.push(r);
    else if (snapshot() !== before || tree.size !== 10) bad.push(`${c.name}: the tree changed`);
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: `${cases.length} cases; ${bad.join("; ")}`,
  };
});
