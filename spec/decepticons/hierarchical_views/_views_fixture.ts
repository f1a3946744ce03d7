/**
 * Loader of fixtures/decepticons/views.json (written by
 * fixtures/gen/decepticons_views_fixtures.py): the hierarchical rollout with its view encodings,
 * the linear-memory view and the sampled multiscale readout, decoded to plain arrays. The sha256
 * must match fixtures/manifest.json.
 *
 * @module
 */
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";

const PATH = "fixtures/decepticons/views.json";
const FORMAT = "memspec.decepticons.views.v1";

interface StoredViews {
  format: string;
  hierarchical: {
    vocab: number;
    sizes: EncodedArray;
    leaks: EncodedArray;
    stride: number;
    w: EncodedArray[];
    u: EncodedArray[];
    up_mid: EncodedArray;
    up_slow: EncodedArray;
    tokens: EncodedArray;
    states: EncodedArray;
    encodings: EncodedArray;
  };
  linear: {
    banks: number;
    dim: number;
    prev: EncodedArray;
    state: EncodedArray;
    encoding_no_prev: EncodedArray;
    encoding: EncodedArray;
  };
  sampled: {
    test_vector: EncodedArray;
    seeded_seed: number;
    seeded_indices: EncodedArray;
    seeded_flags: EncodedArray;
    seeded_prev: EncodedArray;
    seeded_state: EncodedArray;
    seeded_encoding: EncodedArray;
  };
}

/** The decoded views fixture. */
export interface ViewsFixture {
  hierarchical: {
    vocab: number;
    sizes: [number, number, number];
    leaks: [number, number, number];
    stride: number;
    /** Recurrent [n, n] per layer, row-major. */
    w: Float64Array[];
    /** Input [n, V] per layer, row-major. */
    u: Float64Array[];
    upMid: Float64Array;
    upSlow: Float64Array;
    tokens: number[];
    /** States after each token [T, F + Mi + S] (no phase entry). */
    states: Float64Array;
    /** encode(s_t, s_{t−1}) [T, featureDim], prev absent at t = 0. */
    encodings: Float64Array;
  };
  linear: {
    banks: number;
    dim: number;
    prev: Float64Array;
    state: Float64Array;
    encodingNoPrev: Float64Array;
    encoding: Float64Array;
  };
  sampled: {
    testVector: Float64Array;
    seededSeed: number;
    /** Absolute indices per band [3][3]. */
    seededIndices: number[][];
    /** [mean, energy, drift] per band. */
    seededFlags: boolean[][];
    seededPrev: Float64Array;
    seededState: Float64Array;
    seededEncoding: Float64Array;
  };
}

/**
 * Loads the views fixture and says how its integrity was checked.
 *
 * @throws {Error} when the manifest does not list the file or pins another sha256.
 * @throws {SyntaxError} when the JSON or its format is wrong.
 */
export async function loadViewsFixture(): Promise<{ data: ViewsFixture; integrity: string }> {
  const { data: s, integrity } = await loadPinnedJson<StoredViews>(PATH, FORMAT);
  const h = s.hierarchical;
  const rows = (a: EncodedArray, what: string) => {
    const flat = ints(a, what);
    const [r, c] = a.shape as [number, number];
    return Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
  };
  return {
    integrity,
    data: {
      hierarchical: {
        vocab: h.vocab,
        sizes: ints(h.sizes, "hierarchical.sizes", [3]) as [number, number, number],
        leaks: Array.from(f64(h.leaks, "hierarchical.leaks", [3])) as [number, number, number],
        stride: h.stride,
        w: h.w.map((m, i) => f64(m, `hierarchical.w[${i}]`)),
        u: h.u.map((m, i) => f64(m, `hierarchical.u[${i}]`)),
        upMid: f64(h.up_mid, "hierarchical.up_mid"),
        upSlow: f64(h.up_slow, "hierarchical.up_slow"),
        tokens: ints(h.tokens, "hierarchical.tokens"),
        states: f64(h.states, "hierarchical.states"),
        encodings: f64(h.encodings, "hierarchical.encodings"),
      },
      linear: {
        banks: s.linear.banks,
        dim: s.linear.dim,
        prev: f64(s.linear.prev, "linear.prev"),
        state: f64(s.linear.state, "linear.state"),
        encodingNoPrev: f64(s.linear.encoding_no_prev, "linear.encoding_no_prev"),
        encoding: f64(s.linear.encoding, "linear.encoding"),
      },
      sampled: {
        testVector: f64(s.sampled.test_vector, "sampled.test_vector"),
        seededSeed: s.sampled.seeded_seed,
        seededIndices: rows(s.sampled.seeded_indices, "sampled.seeded_indices"),
        seededFlags: rows(s.sampled.seeded_flags, "sampled.seeded_flags").map((r) =>
          r.map((x) => x !== 0)
        ),
        seededPrev: f64(s.sampled.seeded_prev, "sampled.seeded_prev"),
        seededState: f64(s.sampled.seeded_state, "sampled.seeded_state"),
        seededEncoding: f64(s.sampled.seeded_encoding, "sampled.seeded_encoding"),
      },
    },
  };
}
