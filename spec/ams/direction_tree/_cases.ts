/**
 * Generators of the direction-tree claims: uniform unit dirns on S^{d−1} from the suite's
 * seeded RNG, noisy queries, and the recall protocol of the original's stronger test (the
 * brute-force best by cosine among the tree's top 3).
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  bruteForceCosine,
  type DirectionTreeOptions,
  DirectionTreeV4,
} from "../../../impl/ams/direction_tree/direction_tree.ts";

/** A unit vector of length d drawn uniformly on the sphere (normalised Gaussians), in f64. */
export function unitDirn(rng: Rng, d: number): Float64Array {
  for (;;) {
    const v = new Float64Array(d);
    let ss = 0;
    for (let i = 0; i < d; i++) {
      v[i] = rng.normal();
      ss += v[i]! * v[i]!;
    }
    if (ss < 1e-12) continue;
    const n = Math.sqrt(ss);
    for (let i = 0; i < d; i++) v[i] = v[i]! / n;
    return v;
  }
}

/** normalise(v + σ·g), g standard normal: the noisy query of the recall claims. */
export function noisy(rng: Rng, v: Float64Array, sigma: number): Float64Array {
  const out = new Float64Array(v.length);
  let ss = 0;
  for (let i = 0; i < v.length; i++) {
    out[i] = v[i]! + sigma * rng.normal();
    ss += out[i]! * out[i]!;
  }
  const n = Math.sqrt(ss);
  for (let i = 0; i < v.length; i++) out[i] = out[i]! / n;
  return out;
}

/** One recall measurement. */
export interface RecallRun {
  /** Queries asked. */
  queries: number;
  /** Queries whose brute-force best (by cosine) is in the tree's top 3. */
  hits: number;
  /** Queries whose tree top-1 is not the cosine best. */
  top1Differs: number;
  /** Largest tree score returned. */
  maxScore: number;
  /** Queries whose returned list has a score above 1. */
  scoresAbove1: number;
}

/**
 * Builds a tree of `n` uniform unit dirns in S^{d−1} (ids 0 … n − 1) and queries each stored
 * dirn, optionally with noise σ: counts the queries whose brute-force best (f64 cosine over
 * every stored dirn, lowest id on ties) is among the tree's top `k` (beam `beam`).
 */
export function recallRun(
  seed: number,
  n: number,
  d: number,
  sigma: number,
  options: DirectionTreeOptions & { beam?: number; k?: number } = {},
): RecallRun {
  return recallRuns(seed, n, d, [sigma], options)[0]!;
}

/**
 * {@link recallRun} for several noise levels on one tree: the dirns are drawn first, then each
 * σ > 0 draws its noisy queries in turn from the same stream, so a single σ gives exactly
 * `recallRun`'s draws and the tree is built once.
 */
export function recallRuns(
  seed: number,
  n: number,
  d: number,
  sigmas: readonly number[],
  options: DirectionTreeOptions & { beam?: number; k?: number } = {},
): RecallRun[] {
  const rng = new Rng(seed);
  const dirns = Array.from({ length: n }, () => unitDirn(rng, d));
  const tree = new DirectionTreeV4(d, options);
  dirns.forEach((v, i) => tree.insert(i, v));
  const k = options.k ?? 3;
  return sigmas.map((sigma) => {
    const qs = dirns.map((v) => sigma > 0 ? noisy(rng, v, sigma) : v);
    const best = bruteForceCosine(qs, dirns, 1);
    let hits = 0;
    let top1Differs = 0;
    let maxScore = -Infinity;
    let scoresAbove1 = 0;
    qs.forEach((q, i) => {
      const hitsTree = tree.retrieve(q, options.beam ?? 5);
      const want = best[i]![0]!.mid;
      if (hitsTree.slice(0, k).some((h) => h.mid === want)) hits++;
      if (hitsTree[0]?.mid !== want) top1Differs++;
      const top = hitsTree[0]?.score ?? -Infinity;
      maxScore = Math.max(maxScore, top);
      if (top > 1) scoresAbove1++;
    });
    return { queries: n, hits, top1Differs, maxScore, scoresAbove1 };
  });
}
