/**
 * DirectionTreeV4: AMS v4's per-bundle index over unit directions
 * (FluffyAIcode/AgentMemorySystem:ams_v4/core/mem_store.py, PR #30; structurally the v3.46
 * `DirectionTree` of scheme_b_v344.py), on the host in f64: dirns are small (8, 12 or 16
 * numbers) and every step branches on comparisons.
 *
 * - Insert: a leaf appends the id; when it holds more than `maxLeaf` ids it splits: K =
 *   min(treeK, n) clusters; the leaf's dirns are centred and projected onto their top min(K, d)
 *   right singular vectors; Euclidean farthest-first k-means on the projections (init at point
 *   0, each next centre the point with the largest min-squared-distance, ≤ 50 iterations,
 *   stop when the assignment repeats, an empty cluster takes the point farthest from its
 *   nearest centre); empty clusters are dropped; with ≤ 1 child left the split is abandoned;
 *   a child larger than `maxLeaf` splits in turn. Inside the tree the id goes to the child
 *   argmax(centres·dirn) (first on ties); each child's centre is the normalised mean of every
 *   dirn under it, recomputed along the insertion path.
 * - Retrieve(q, beam): beams start at [(root, 0)]; a leaf scores each id ⟨q, dirn⟩ + the
 *   beam's path score (the max per id); an internal node passes its top-min(beam, #children)
 *   children by ⟨centre, q⟩ on with the path score plus that similarity; the new beams are
 *   sorted by path score (stable) and cut to `beam`. The output is sorted by (−score, id).
 *   Scores therefore add ancestor-centre cosines to the leaf cosine: they are not cosines and
 *   can exceed 1 (the divergence claim measures it).
 * - Remove: the id leaves its leaf; then every internal node drops its empty children,
 *   collapses into its only child, or recomputes its centres (the original's rebalance).
 *
 * The distances, SVD subspace and means are sign- and basis-free, so an independent numpy
 * implementation reproduces the structure exactly (fixtures/ams/direction_tree.json); SVD comes from
 * impl/linalg's one-sided Jacobi.
 *
 * @example Insert past one leaf and retrieve
 * ```ts
 * import { DirectionTreeV4 } from "./direction_tree.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * const tree = new DirectionTreeV4(2, { maxLeaf: 4 });
 * for (let i = 0; i < 12; i++) {
 *   const a = (2 * Math.PI * i) / 12;
 *   tree.insert(i, [Math.cos(a), Math.sin(a)]);
 * }
 * strictEqual(tree.size, 12);
 * ok(!tree.structure().leaf); // 12 > 4: the root split
 * const hits = tree.retrieve([1, 0], 5);
 * strictEqual(hits[0]!.mid, 0);
 * ok(tree.verifyConsistency().length === 0);
 * ```
 *
 * @module
 */
import { matrix } from "../../linalg/matrix.ts";
import { svd } from "../../linalg/svd.ts";
import { createStorageBuffer, releaseBuffer } from "../../gpu/buffers.ts";
import { dispatch } from "../../gpu/program.ts";
import { readBuffers } from "../../gpu/readback.ts";
import { COSINE_SCAN, COSINE_SCAN_WORKGROUP } from "./kernels/cosine_scan.ts";

/** Options of a {@link DirectionTreeV4} (the original's Cfg4 defaults). */
export interface DirectionTreeOptions {
  /** Clusters per split, `tree_K`; default 8, an integer ≥ 2. */
  treeK?: number;
  /** Largest leaf before it splits, `tree_max_leaf`; default 20, an integer ≥ 1. */
  maxLeaf?: number;
  /** Largest | ‖dirn‖ − 1 | accepted for stored dirns and queries; default 1e-4. */
  unitTol?: number;
}

/** Default `tree_K` of the original's Cfg4. */
export const TREE_K_DEFAULT = 8;
/** Default `tree_max_leaf` of the original's Cfg4. */
export const TREE_MAX_LEAF_DEFAULT = 20;
/** Default `retrieval_beam` of the original's Cfg4. */
export const RETRIEVAL_BEAM_DEFAULT = 5;
/**
 * Largest | ‖dirn‖ − 1 | the tree accepts: the original's own unit-norm tests of the encoders'
 * dirns use 1e-4 (f32 encoders normalise to about 1e-7).
 */
export const DIRN_UNIT_TOL = 1e-4;
/** k-means iterations of a split (the original's `max_iter`). */
export const SPLIT_KMEANS_MAX_ITER = 50;
/** F.normalize's eps in the centres. */
const NORMALIZE_EPS = 1e-12;

/** One retrieved id with its tree score. */
export interface TreeHit {
  /** The memory id. */
  readonly mid: number;
  /** Leaf cosine plus the ancestor-centre cosines of its beam. */
  readonly score: number;
}

/** A node of the tree as {@link DirectionTreeV4.structure} returns it. */
export interface TreeStructure {
  /** Whether the node is a leaf. */
  readonly leaf: boolean;
  /** A leaf's ids in stored order; empty for an internal node. */
  readonly ids: readonly number[];
  /** An internal node's children in order. */
  readonly children: readonly TreeStructure[];
  /** An internal node's centres, one unit row per child; empty for a leaf. */
  readonly centres: readonly (readonly number[])[];
}

class Node {
  leaf = true;
  ids: number[] = [];
  children: Node[] = [];
  /** One row of length d per child (F.normalize of the mean); null for a leaf. */
  centres: Float64Array[] | null = null;
  constructor(readonly depth: number) {}
  count(): number {
    return this.leaf ? this.ids.length : this.children.reduce((s, c) => s + c.count(), 0);
  }
}

function checkInteger(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot build a direction tree: expected ${name} to be an integer >= ${min} but got ${value}`,
    );
  }
  return value;
}

/**
 * A copy of `v` as Float64Array after checking it is a finite unit vector of length `dim`.
 *
 * @throws {TypeError} when `v` is not an array of numbers of length `dim`
 * @throws {RangeError} when an element is not finite or | ‖v‖ − 1 | > `tol`
 */
export function checkedUnitDirn(
  v: ArrayLike<number>,
  dim: number,
  tol: number,
  what: string,
): Float64Array {
  if (v === null || typeof v !== "object" || typeof v.length !== "number") {
    throw new TypeError(`Cannot ${what}: expected an array of ${dim} numbers but got ${v}`);
  }
  if (v.length !== dim) {
    throw new TypeError(`Cannot ${what}: expected a dirn of length ${dim} but got ${v.length}`);
  }
  if (typeof tol !== "number" || !Number.isFinite(tol) || tol < 0) {
    throw new RangeError(`Cannot ${what}: expected a tolerance >= 0 (finite) but got ${tol}`);
  }
  const out = new Float64Array(dim);
  let ss = 0;
  for (let i = 0; i < dim; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RangeError(
        `Cannot ${what}: expected finite numbers but element ${i} of the dirn is ${x}`,
      );
    }
    out[i] = x;
    ss += x * x;
  }
  const norm = Math.sqrt(ss);
  if (!(Math.abs(norm - 1) <= tol)) {
    throw new RangeError(
      `Cannot ${what}: expected a unit dirn (| ‖d‖ − 1 | <= ${tol}) but its norm is ${norm}`,
    );
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Euclidean farthest-first k-means of the original's split (`_farthest_kmeans`): `data` is
 * n × p row-major; returns the assignment of each row to one of K = min(k, n) clusters.
 * Init: centre 0 is row 0; each next centre is the row with the largest squared distance to
 * its nearest centre (first on ties). Then up to `maxIter` rounds: assign each row to its
 * nearest centre (first on ties); stop when the assignment equals the previous one (the first
 * "previous" is all zeros); else each centre becomes its members' mean, and an empty cluster
 * takes the row farthest from its nearest centre (distances of this round) and claims it.
 *
 * @example
 * ```ts
 * import { farthestFirstKmeans } from "./direction_tree.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const data = new Float64Array([0, 0, 0.1, 0, 5, 5, 5.1, 5]);
 * deepStrictEqual(Array.from(farthestFirstKmeans(data, 4, 2, 2)), [0, 0, 1, 1]);
 * ```
 *
 * @throws {RangeError} when n, p, k (≥ 1) or maxIter (≥ 0) is not an integer, or data holds
 *   a non-finite value. @throws {TypeError} when data is not a Float64Array of n·p values.
 */
export function farthestFirstKmeans(
  data: Float64Array,
  n: number,
  p: number,
  k: number,
  maxIter: number = SPLIT_KMEANS_MAX_ITER,
): Int32Array {
  const op = "run the farthest-first k-means";
  for (
    const [what, v, min] of [["n", n, 1], ["p", p, 1], ["k", k, 1], [
      "maxIter",
      maxIter,
      0,
    ]] as const
  ) {
    if (!Number.isSafeInteger(v) || v < min || v > 2 ** 31 - 1) {
      throw new RangeError(
        `Cannot ${op}: expected ${what} to be an integer >= ${min} but got ${v}`,
      );
    }
  }
  const raw = data as unknown;
  if (!(raw instanceof Float64Array || raw instanceof Float32Array) || raw.length !== n * p) {
    throw new TypeError(
      `Cannot ${op}: expected data to be a Float64Array of n·p = ${n * p} values but got ` +
        `${
          raw === null || typeof raw !== "object" ? raw : `length ${(raw as Float64Array).length}`
        }`,
    );
  }
  const bad = data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new RangeError(`Cannot ${op}: expected finite data but element ${bad} is ${data[bad]}`);
  }
  const K = Math.min(k, n);
  const asgn = new Int32Array(n);
  const dist = (i: number, c: Float64Array, j: number) => {
    let s = 0;
    for (let l = 0; l < p; l++) {
      const e = data[i * p + l]! - c[j * p + l]!;
      s += e * e;
    }
    return Math.sqrt(s);
  };
  const ctrs = new Float64Array(K * p);
  ctrs.set(data.subarray(0, p), 0);
  for (let c = 1; c < K; c++) {
    let best = -1;
    let bestD2 = -Infinity;
    for (let i = 0; i < n; i++) {
      let m = Infinity;
      for (let j = 0; j < c; j++) m = Math.min(m, dist(i, ctrs, j));
      const d2 = m * m;
      if (d2 > bestD2) {
        bestD2 = d2;
        best = i;
      }
    }
    ctrs.set(data.subarray(best * p, best * p + p), c * p);
  }
  const dists = new Float64Array(n * K);
  for (let it = 0; it < maxIter; it++) {
    let changed = false;
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let arg = 0;
      for (let j = 0; j < K; j++) {
        const d = dist(i, ctrs, j);
        dists[i * K + j] = d;
        if (d < dists[i * K + arg]!) arg = j;
      }
      next[i] = arg;
      if (arg !== asgn[i]) changed = true;
    }
    if (!changed) break;
    asgn.set(next);
    for (let j = 0; j < K; j++) {
      let members = 0;
      const mean = new Float64Array(p);
      for (let i = 0; i < n; i++) {
        if (asgn[i] !== j) continue;
        members++;
        for (let l = 0; l < p; l++) mean[l] = mean[l]! + data[i * p + l]!;
      }
      if (members > 0) {
        for (let l = 0; l < p; l++) ctrs[j * p + l] = mean[l]! / members;
      } else {
        let far = 0;
        let farD = -Infinity;
        for (let i = 0; i < n; i++) {
          let m = Infinity;
          for (let jj = 0; jj < K; jj++) m = Math.min(m, dists[i * K + jj]!);
          if (m > farD) {
            farD = m;
            far = i;
          }
        }
        ctrs.set(data.subarray(far * p, far * p + p), j * p);
        asgn[far] = j;
      }
    }
  }
  return asgn;
}

/**
 * The per-bundle direction tree of AMS v4. Ids are non-negative integers; each carries a unit
 * dirn of length `dim`, copied on insert.
 */
export class DirectionTreeV4 {
  /** Length of every dirn. */
  readonly dim: number;
  /** Clusters per split. */
  readonly treeK: number;
  /** Largest leaf before it splits. */
  readonly maxLeaf: number;
  /** Largest | ‖dirn‖ − 1 | accepted. */
  readonly unitTol: number;
  #root = new Node(0);
  #dirns = new Map<number, Float64Array>();

  /**
   * An empty tree over unit directions of `dim` values.
   *
   * @throws {RangeError} when `dim` is not a positive integer, `treeK` < 2, `maxLeaf` < 1 or
   *   `unitTol` is not a finite non-negative number
   */
  constructor(dim: number, options: DirectionTreeOptions = {}) {
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new TypeError(
        `Cannot build a direction tree: expected an options object but got ${options}`,
      );
    }
    this.dim = checkInteger(dim, "dim", 1);
    if (dim > 1 << 24) {
      throw new RangeError(
        `Cannot build a direction tree: expected dim to be at most 2^24 but got ${dim}`,
      );
    }
    // Only undefined means the default: null is a value, refused like any other non-number.
    const or = (v: number | undefined, d: number) => (v === undefined ? d : v);
    this.treeK = checkInteger(or(options.treeK, TREE_K_DEFAULT), "treeK", 2);
    this.maxLeaf = checkInteger(or(options.maxLeaf, TREE_MAX_LEAF_DEFAULT), "maxLeaf", 1);
    const tol = or(options.unitTol, DIRN_UNIT_TOL);
    if (typeof tol !== "number" || !Number.isFinite(tol) || tol < 0) {
      throw new RangeError(
        `Cannot build a direction tree: expected unitTol to be a finite number >= 0 but got ${tol}`,
      );
    }
    this.unitTol = tol;
  }

  /** Number of ids in the tree. */
  get size(): number {
    return this.#dirns.size;
  }

  /** Whether `mid` is in the tree. */
  has(mid: number): boolean {
    return this.#dirns.has(mid);
  }

  /** The ids held in the leaves, in leaf order (depth first). */
  ids(): number[] {
    return collect(this.#root);
  }

  /** A copy of the dirn stored for `mid`, or undefined. */
  dirn(mid: number): Float64Array | undefined {
    const d = this.#dirns.get(mid);
    return d === undefined ? undefined : d.slice();
  }

  /**
   * Inserts `mid` with its unit `dirn`.
   *
   * @throws {RangeError} when `mid` is not a non-negative safe integer or is already in the
   *   tree, or the dirn is not finite or not unit (within `unitTol`); the tree is unchanged
   * @throws {TypeError} when `dirn` is not an array of `dim` numbers
   */
  insert(mid: number, dirn: ArrayLike<number>): void {
    if (!Number.isSafeInteger(mid) || mid < 0) {
      throw new RangeError(
        `Cannot insert into a direction tree: expected a non-negative integer id but got ${mid}`,
      );
    }
    if (this.#dirns.has(mid)) {
      throw new RangeError(
        `Cannot insert into a direction tree: expected an id not in it but id ${mid} is already in it`,
      );
    }
    const d = checkedUnitDirn(dirn, this.dim, this.unitTol, `insert id ${mid}`);
    this.#dirns.set(mid, d);
    this.#ins(this.#root, mid, d);
  }

  /**
   * Removes `mid`, then rebalances (empty children dropped, one-child nodes collapsed, centres
   * recomputed).
   *
   * @throws {RangeError} when `mid` is not in the tree (the tree is unchanged)
   */
  remove(mid: number): void {
    if (!this.#dirns.has(mid)) {
      throw new RangeError(
        `Cannot remove id ${mid} from a direction tree: expected an id in it but it is not in it`,
      );
    }
    this.#dirns.delete(mid);
    rm(this.#root, mid);
    this.#rebalance(this.#root);
  }

  /**
   * Beam retrieval with the original's score; every id reached, sorted by (−score, id).
   * An empty tree returns [].
   *
   * @throws {RangeError} when `beam` is not a positive integer or `q` is not a finite unit
   *   vector (within `unitTol`)
   * @throws {TypeError} when `q` is not an array of `dim` numbers
   */
  retrieve(q: ArrayLike<number>, beam: number = RETRIEVAL_BEAM_DEFAULT): TreeHit[] {
    if (!Number.isSafeInteger(beam) || beam < 1) {
      throw new RangeError(
        `Cannot retrieve from a direction tree: expected beam to be a positive integer but got ` +
          `${beam}`,
      );
    }
    const qd = checkedUnitDirn(q, this.dim, this.unitTol, "retrieve from a direction tree");
    let beams: [Node, number][] = [[this.#root, 0]];
    const results = new Map<number, number>();
    while (beams.length > 0) {
      const nb: [Node, number][] = [];
      for (const [nd, sc] of beams) {
        if (nd.leaf) {
          for (const mid of nd.ids) {
            const s = dot(qd, this.#dirns.get(mid)!) + sc;
            const prev = results.get(mid);
            if (prev === undefined || s > prev) results.set(mid, s);
          }
        } else if (nd.centres !== null) {
          const sims = nd.centres.map((c) => dot(c, qd));
          const tk = Math.min(beam, nd.children.length);
          // topk: descending similarity, the lower child first on ties.
          const order = sims.map((_, i) => i).sort((i, j) => sims[j]! - sims[i]! || i - j);
          for (const i of order.slice(0, tk)) nb.push([nd.children[i]!, sc + sims[i]!]);
        } else {
          for (const ch of nd.children) nb.push([ch, sc]);
        }
      }
      nb.sort((a, b) => b[1] - a[1]); // stable: the order pushed on ties
      beams = nb.slice(0, beam);
    }
    return [...results.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([mid, score]) => ({ mid, score }));
  }

  /**
   * The tree's shape: leaves' ids and internal nodes' children and centres (copies).
   */
  structure(): TreeStructure {
    const walk = (nd: Node): TreeStructure => ({
      leaf: nd.leaf,
      ids: nd.leaf ? [...nd.ids] : [],
      children: nd.leaf ? [] : nd.children.map(walk),
      centres: nd.leaf || nd.centres === null ? [] : nd.centres.map((c) => Array.from(c)),
    });
    return walk(this.#root);
  }

  /**
   * Checks the tree against itself and, when given, the ids it must hold: leaf ids = stored
   * ids, each once; every internal node has ≥ 2 children and one centre per child equal to the
   * normalised mean of the dirns under it (to 1e-12). Returns one message per failure (empty
   * when consistent), like the original's `verify_consistency`.
   */
  verifyConsistency(expected?: Iterable<number>): string[] {
    if (expected !== undefined) {
      const it = expected as unknown as { [Symbol.iterator]?: unknown };
      const list =
        it !== null && typeof it === "object" && typeof it[Symbol.iterator] === "function"
          ? [...expected]
          : null;
      const bad = list?.find((id) => !Number.isSafeInteger(id) || id < 0);
      if (list === null || bad !== undefined) {
        throw new TypeError(
          `Cannot verify a direction tree: expected the ids it must hold as an iterable of ` +
            `non-negative integers but got ${list === null ? String(expected) : `id ${bad}`}`,
        );
      }
      expected = list;
    }
    const errs: string[] = [];
    const leafIds = collect(this.#root);
    const seen = new Set<number>();
    for (const id of leafIds) {
      if (seen.has(id)) errs.push(`id ${id} is in two leaves`);
      seen.add(id);
    }
    const stored = new Set(this.#dirns.keys());
    const treeOnly = [...seen].filter((i) => !stored.has(i));
    const storeOnly = [...stored].filter((i) => !seen.has(i));
    if (treeOnly.length + storeOnly.length > 0) {
      errs.push(`leaves ≠ stored dirns: leaf only ${treeOnly}, stored only ${storeOnly}`);
    }
    if (expected !== undefined) {
      const want = new Set(expected);
      const extra = [...stored].filter((i) => !want.has(i));
      const missing = [...want].filter((i) => !stored.has(i));
      if (extra.length + missing.length > 0) {
        errs.push(`tree ≠ expected ids: tree only ${extra}, expected only ${missing}`);
      }
    }
    const check = (nd: Node, path: string) => {
      if (nd.leaf) return;
      if (nd.children.length < 2) errs.push(`node ${path} has ${nd.children.length} children`);
      const want = this.#centres(nd);
      const have = nd.centres ?? [];
      if (have.length !== nd.children.length) {
        errs.push(`node ${path} has ${have.length} centres for ${nd.children.length} children`);
      }
      for (let i = 0; i < Math.min(want.length, have.length); i++) {
        let err = 0;
        for (let l = 0; l < this.dim; l++) {
          err = Math.max(err, Math.abs(want[i]![l]! - have[i]![l]!));
        }
        if (!(err <= 1e-12)) errs.push(`node ${path} centre ${i} is off by ${err}`);
      }
      nd.children.forEach((c, i) => check(c, `${path}.${i}`));
    };
    check(this.#root, "root");
    return errs;
  }

  #ins(nd: Node, mid: number, d: Float64Array): void {
    if (nd.leaf) {
      nd.ids.push(mid);
      if (nd.ids.length > this.maxLeaf) this.#split(nd);
    } else {
      const best = this.#best(nd, d);
      this.#ins(nd.children[best]!, mid, d);
      nd.centres = this.#centres(nd);
    }
  }

  #best(nd: Node, d: Float64Array): number {
    if (nd.centres === null || nd.children.length === 0) return 0;
    let arg = 0;
    let best = -Infinity;
    nd.centres.forEach((c, i) => {
      const s = dot(c, d);
      if (s > best) {
        best = s;
        arg = i;
      }
    });
    return arg;
  }

  #split(nd: Node): void {
    const ids = nd.ids;
    const n = ids.length;
    if (n < 2) return;
    const K = Math.min(this.treeK, n);
    if (K < 2) return;
    const d = this.dim;
    const mean = new Float64Array(d);
    for (const id of ids) {
      const v = this.#dirns.get(id)!;
      for (let l = 0; l < d; l++) mean[l] = mean[l]! + v[l]!;
    }
    for (let l = 0; l < d; l++) mean[l] = mean[l]! / n;
    const centred = matrix(n, d);
    ids.forEach((id, i) => {
      const v = this.#dirns.get(id)!;
      for (let l = 0; l < d; l++) centred.data[i * d + l] = v[l]! - mean[l]!;
    });
    const nComp = Math.min(K, d);
    // Right singular vectors (columns of V); distances in their span do not depend on the
    // basis chosen inside it, so signs and rotations of degenerate pairs do not matter.
    const { v } = svd(centred);
    const proj = new Float64Array(n * nComp);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < nComp; c++) {
        let s = 0;
        for (let l = 0; l < d; l++) s += centred.data[i * d + l]! * v.data[l * v.cols + c]!;
        proj[i * nComp + c] = s;
      }
    }
    const asgn = farthestFirstKmeans(proj, n, nComp, K);
    const children: Node[] = [];
    for (let k = 0; k < K; k++) {
      const ch = new Node(nd.depth + 1);
      ch.ids = ids.filter((_, i) => asgn[i] === k);
      if (ch.ids.length > 0) children.push(ch);
    }
    if (children.length <= 1) return;
    nd.leaf = false;
    nd.children = children;
    nd.ids = [];
    nd.centres = this.#centres(nd);
    // The centres stay as computed before the children split (as in the original): a child's
    // split reorders its leaves, which moves its mean by rounding only.
    for (const ch of nd.children) {
      if (ch.leaf && ch.ids.length > this.maxLeaf) this.#split(ch);
    }
  }

  /** F.normalize(mean of the dirns under `nd`) in the order the leaves hold them. */
  #centreOf(nd: Node): Float64Array | null {
    const ids = collect(nd);
    if (ids.length === 0) return null;
    const c = new Float64Array(this.dim);
    for (const id of ids) {
      const v = this.#dirns.get(id)!;
      for (let l = 0; l < this.dim; l++) c[l] = c[l]! + v[l]!;
    }
    let ss = 0;
    for (let l = 0; l < this.dim; l++) {
      c[l] = c[l]! / ids.length;
      ss += c[l]! * c[l]!;
    }
    const norm = Math.max(Math.sqrt(ss), NORMALIZE_EPS);
    for (let l = 0; l < this.dim; l++) c[l] = c[l]! / norm;
    return c;
  }

  #centres(nd: Node): Float64Array[] {
    const out: Float64Array[] = [];
    for (const ch of nd.children) {
      const c = this.#centreOf(ch);
      if (c !== null) out.push(c);
    }
    return out;
  }

  #rebalance(nd: Node): void {
    if (nd.leaf) return;
    for (const c of nd.children) this.#rebalance(c);
    nd.children = nd.children.filter((c) => c.count() > 0);
    if (nd.children.length === 0) {
      nd.leaf = true;
      nd.ids = [];
      nd.centres = null;
    } else if (nd.children.length === 1) {
      const ch = nd.children[0]!;
      nd.leaf = ch.leaf;
      nd.ids = ch.ids;
      nd.children = ch.children;
      nd.centres = ch.centres;
    } else {
      nd.centres = this.#centres(nd);
    }
  }
}

function collect(nd: Node): number[] {
  if (nd.leaf) return [...nd.ids];
  return nd.children.flatMap(collect);
}

function rm(nd: Node, mid: number): boolean {
  if (nd.leaf) {
    const i = nd.ids.indexOf(mid);
    if (i < 0) return false;
    nd.ids.splice(i, 1);
    return true;
  }
  return nd.children.some((c) => rm(c, mid));
}

/**
 * Exact nearest neighbours by cosine on the host, in f64: for each query, every id sorted by
 * (−⟨q, d⟩/(‖q‖‖d‖), id), cut to `k`. The reference the recall claims compare the tree with.
 *
 * @example
 * ```ts
 * import { bruteForceCosine } from "./direction_tree.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const hits = bruteForceCosine([[1, 0]], [[0, 1], [1, 0], [0.6, 0.8]], 2);
 * deepStrictEqual(hits[0]!.map((h) => h.mid), [1, 2]);
 * ```
 *
 * @throws {TypeError} when queries or dirns are not non-empty lists of vectors of one width,
 *   or mids are not one distinct integer per dirn. @throws {RangeError} when a vector is zero
 *   or not finite, or k is not an integer ≥ 1.
 */
export function bruteForceCosine(
  queries: readonly ArrayLike<number>[],
  dirns: readonly ArrayLike<number>[],
  k: number,
  mids?: readonly number[],
): TreeHit[][] {
  const op = "rank by brute-force cosine";
  const rows = (what: string, xs: unknown, width: number | null): number => {
    if (!Array.isArray(xs) || xs.length === 0) {
      throw new TypeError(`Cannot ${op}: expected ${what} to be a non-empty array of vectors`);
    }
    xs.forEach((v, i) => {
      const ok = Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array;
      if (!ok || (width !== null && v.length !== width) || v.length === 0) {
        throw new TypeError(
          `Cannot ${op}: expected ${what}[${i}] to be a vector of ${width ?? "≥ 1"} numbers`,
        );
      }
      width = v.length;
      let ss = 0;
      for (const x of Array.from(v as ArrayLike<number>)) {
        if (typeof x !== "number" || !Number.isFinite(x)) {
          throw new RangeError(`Cannot ${op}: expected ${what}[${i}] to be finite but got ${x}`);
        }
        ss += x * x;
      }
      if (ss === 0) throw new RangeError(`Cannot ${op}: expected ${what}[${i}] to be non-zero`);
    });
    return width!;
  };
  rows("queries", queries, rows("dirns", dirns, null));
  if (!Number.isSafeInteger(k) || k < 1) {
    throw new RangeError(`Cannot ${op}: expected k to be a positive integer but got ${k}`);
  }
  if (
    mids !== undefined &&
    (!Array.isArray(mids) || mids.length !== dirns.length ||
      !mids.every((m) => Number.isSafeInteger(m)) || new Set(mids).size !== mids.length)
  ) {
    throw new TypeError(
      `Cannot ${op}: expected mids to be ${dirns.length} distinct integer ids (one per dirn)`,
    );
  }
  const norms = dirns.map((d) => Math.sqrt(Array.from(d).reduce((s, x) => s + x * x, 0)));
  return queries.map((q) => {
    const qn = Math.sqrt(Array.from(q).reduce((s, x) => s + x * x, 0));
    const scored = dirns.map((d, i) => {
      let s = 0;
      for (let l = 0; l < d.length; l++) s += q[l]! * d[l]!;
      return { mid: mids?.[i] ?? i, score: s / (qn * norms[i]!) };
    });
    scored.sort((a, b) => b.score - a.score || a.mid - b.mid);
    return scored.slice(0, k);
  });
}

/**
 * The brute-force cosine scan on the GPU: `queries` (nq × d) against `dirns` (n × d), both
 * row-major, returns the nq × n cosines in f32, row q holding query q's scores (one dispatch,
 * one host sync). Kernel: ./kernels/cosine_scan.ts.
 *
 * @throws {TypeError} when `d` is not a positive integer or an array's length is not a multiple
 *   of `d`
 * @throws {RangeError} when there are no queries or no dirns, or an element is not finite;
 *   nothing is sent to the GPU then
 *
 * @example
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { cosineScanGpu } from "./direction_tree.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const s = await cosineScanGpu(new Float32Array([1, 0]), new Float32Array([0, 2, 3, 0]), 2);
 * ok(Math.abs(s[0]!) < 1e-7 && Math.abs(s[1]! - 1) < 1e-6);
 * ```
 */
export async function cosineScanGpu(
  queries: Float32Array,
  dirns: Float32Array,
  d: number,
): Promise<Float32Array> {
  const what = "run the cosine scan";
  if (!Number.isSafeInteger(d) || d < 1) {
    throw new TypeError(`Cannot ${what}: expected d to be a positive integer but got ${d}`);
  }
  for (const [name, a] of [["queries", queries], ["dirns", dirns]] as const) {
    if (!(a instanceof Float32Array) || a.length % d !== 0) {
      throw new TypeError(
        `Cannot ${what}: expected ${name} as a Float32Array of rows of ${d} but got length ` +
          `${(a as { length?: number })?.length}`,
      );
    }
    if (a.length === 0) throw new RangeError(`Cannot ${what}: expected ${name} to be non-empty`);
    const bad = a.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new RangeError(
        `Cannot ${what}: expected finite ${name} but element ${bad} is ${a[bad]}`,
      );
    }
  }
  const nq = queries.length / d;
  const n = dirns.length / d;
  const q = createStorageBuffer(queries.byteLength, "ams cosine scan queries", queries);
  const x = createStorageBuffer(dirns.byteLength, "ams cosine scan dirns", dirns);
  const out = createStorageBuffer(nq * n * 4, "ams cosine scan scores");
  try {
    dispatch(COSINE_SCAN, {
      uniforms: { nq, n, d },
      buffers: { q, x, out },
      workgroups: Math.ceil((nq * n) / COSINE_SCAN_WORKGROUP),
      steps: d,
    });
    const [bytes] = await readBuffers([{ buffer: out, byteLength: nq * n * 4 }]);
    return new Float32Array(bytes!);
  } finally {
    releaseBuffer(q);
    releaseBuffer(x);
    releaseBuffer(out);
  }
}
