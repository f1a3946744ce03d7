/**
 * Cases of the cognitive fusion: the gcc reference fixture (fixtures/larkos/cognitive_fuse.json,
 * written by fixtures/gen/larkos_cognitive_fuse_fixtures.py from the C in
 * fixtures/gen/larkos_cognitive_fuse.c), the published anchors, and seeded random inputs.
 *
 * @module
 */
import type { CognitiveFuseInput } from "../../../impl/larkos/cognitive_fuse/cognitive_fuse.ts";
import { hashU32 } from "../../../impl/gpu/rng.ts";
import { type EncodedArray, f32, f64, i32 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";

/** The fixture file and its format. */
export const CF_FIXTURE = "fixtures/larkos/cognitive_fuse.json";
const FORMAT = "memspec.larkos.cognitive_fuse.v1";

/** The eight published hash anchors: (r, c) → coef, as printed (f32 values to 9 digits). */
export const HASH_ANCHORS: readonly (readonly [number, number, number])[] = [
  [0, 0, -0.981544375],
  [0, 1, -0.754216671],
  [1, 0, -0.300127149],
  [1, 767, 0.92225039],
  [63, 21, -0.0590817928],
  [1009, 0, 0.917762518],
  [3001, 1, -0.507400393],
  [3032, 767, -0.983842492],
];

/** The published output anchors: out[0:6] to 1e-5. */
export const FUSE_ANCHORS = {
  a: [2.094135, 1.813482, -0.2269, 1.55599, 1.003467, 0.256232],
  b: [0.806431, 1.665247, -0.110408, 1.216895, 0.751534, -0.801077],
} as const;

/** The catalogue's anchor tolerance: 1e-5 on f32 outputs printed to six decimals. */
export const ANCHOR_ATOL = 1e-5;

/** One gcc case: the input and the C's outputs and intermediates. */
export interface GccCase {
  name: string;
  input: CognitiveFuseInput;
  out: Float32Array;
  q: Float32Array;
  scores: Float32Array;
  top: Int32Array;
  w: Float32Array;
  mv: Float32Array;
  fused: Float32Array;
  s: number;
  /** libm expf results that were not the correctly rounded value, in this case. */
  expfNotCr: number;
}

/** The loaded fixture. */
export interface GccFixture {
  hash: { r: Float64Array; c: Float64Array; coef: Float32Array };
  cases: GccCase[];
  integrity: string;
}

interface StoredCase {
  name: string;
  llm: EncodedArray;
  text: EncodedArray;
  dw: EncodedArray;
  memories: EncodedArray;
  importances: EncodedArray;
  beta: number;
  c: number;
  out: EncodedArray;
  q: EncodedArray;
  scores: EncodedArray;
  top: EncodedArray;
  w: EncodedArray;
  mv: EncodedArray;
  fused: EncodedArray;
  s: number;
  expfNotCr: number;
}

interface StoredFixture {
  format: string;
  hash: { r: EncodedArray; c: EncodedArray; coef: EncodedArray };
  cases: StoredCase[];
}

/** Rows of a [n, 22] array. */
function rows(flat: Float32Array, width: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < flat.length; i += width) out.push(flat.slice(i, i + width));
  return out;
}

let cached: Promise<GccFixture> | null = null;

/** Loads (once) and decodes the gcc fixture. */
export function loadGccFixture(): Promise<GccFixture> {
  cached ??= (async () => {
    const { data, integrity } = await loadPinnedJson<StoredFixture>(CF_FIXTURE, FORMAT);
    const cases = data.cases.map((c): GccCase => {
      const at = (what: string) => `${c.name}.${what}`;
      return {
        name: c.name,
        input: {
          llm: f32(c.llm, at("llm")),
          text: f32(c.text, at("text")),
          defaultWeights: f32(c.dw, at("dw")),
          memories: rows(f32(c.memories, at("memories")), 22),
          importances: f32(c.importances, at("importances")),
          memWeightRatio: c.beta,
          contextFactor: c.c,
        },
        out: f32(c.out, at("out")),
        q: f32(c.q, at("q")),
        scores: f32(c.scores, at("scores")),
        top: i32(c.top, at("top")),
        w: f32(c.w, at("w")),
        mv: f32(c.mv, at("mv")),
        fused: f32(c.fused, at("fused")),
        s: c.s,
        expfNotCr: c.expfNotCr,
      };
    });
    return {
      hash: {
        r: f64(data.hash.r, "hash.r"),
        c: f64(data.hash.c, "hash.c"),
        coef: f32(data.hash.coef, "hash.coef"),
      },
      cases,
      integrity,
    };
  })();
  return cached;
}

/** The anchor inputs, computed in f64 and rounded once to f32 (as the fixture's). */
export function anchorInput(which: "a" | "b"): CognitiveFuseInput {
  const llm = Float32Array.from({ length: 8 }, (_, i) => (i + 1) / 8);
  const dw = new Float32Array(22).fill(0.1);
  if (which === "a") {
    return {
      llm,
      memories: [],
      importances: [],
      defaultWeights: dw,
      memWeightRatio: 0.5,
      contextFactor: 0.5,
    };
  }
  const row0 = Float32Array.from({ length: 22 }, (_, j) => j / 22);
  return {
    llm,
    memories: [row0, row0.map((v) => -v), Float32Array.from({ length: 22 }, (_, j) => Math.cos(j))],
    importances: [1, 0.5, 2],
    defaultWeights: dw,
    memWeightRatio: 0.7,
    contextFactor: 0.25,
    text: Float32Array.from({ length: 16 }, (_, j) => Math.sin(j)),
  };
}

/** A seeded uniform value in [−1, 1) from (seed, index). */
export function uniform(seed: number, i: number): number {
  return (hashU32(seed, i) / 2 ** 32) * 2 - 1;
}

/** A seeded random input: L, n memories, T text values, importances in [0.1, 3). */
export function randomInput(
  seed: number,
  o: { L: number; n: number; T: number; beta?: number; c?: number },
): CognitiveFuseInput {
  let k = 0;
  const next = () => uniform(seed, k++);
  return {
    llm: Float32Array.from({ length: o.L }, next),
    memories: Array.from({ length: o.n }, () => Float32Array.from({ length: 22 }, next)),
    importances: Float32Array.from({ length: o.n }, () => 1.55 + 1.45 * next()),
    defaultWeights: Float32Array.from({ length: 22 }, () => 0.5 * next()),
    memWeightRatio: o.beta ?? 0.6,
    contextFactor: o.c ?? 0.5 + 0.5 * next(),
    text: Float32Array.from({ length: o.T }, next),
  };
}

/** Largest |a_i − b_i|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Elements whose f32 bits differ (NaN never equal), plus a length mismatch counted in full. */
export function bitMismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let bad = Math.abs(a.length - b.length);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(Math.fround(a[i]!), Math.fround(b[i]!))) bad++;
  return bad;
}
