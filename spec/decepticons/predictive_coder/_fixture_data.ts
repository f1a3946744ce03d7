/**
 * Loader of fixtures/decepticons/coder.json (written by
 * fixtures/gen/decepticons_coder_fixtures.py): numpy's draws for the
 * ByteLatentPredictiveCoder at the defaults (quickstart text) and at the
 * original test's small config ("0101…" text), turned into the f64 oracle's
 * inputs. The file's sha256 is checked against fixtures/manifest.json, which
 * must list it. Index and row lists are stored as i32 arrays and decoded here.
 *
 * @module
 */
import {
  type EncodedArray,
  f64,
  f64List,
  ints,
  type Stored,
} from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import type { CoderConfig, CoderDraws } from "../../oracle/decepticons/predictive_coder.ts";
import type { OracleSubstrate } from "../../oracle/decepticons/substrate.ts";

/** Path of the fixture, relative to the repository root. */
export const CODER_FIXTURE_PATH = "fixtures/decepticons/coder.json";

/** One configuration's draws (index lists decoded; matrices still encoded). */
export interface CoderFixtureDraws extends CoderConfig {
  n: number;
  connectivity: number;
  rho: number;
  leak: number;
  inputScale: number;
  seed: number;
  /** numpy's spectral radius of W before the rescale. */
  wRadiusRaw: number;
  /** Flat indices i·n + j of W's nonzeros (after the rescale). */
  wNonzeroFlat: number[];
  wNonzero: EncodedArray;
  /** The bytes whose U columns are carried (every byte of the text). */
  uBytes: number[];
  /** U[:, uBytes]: [n, uBytes.length]. */
  uColumns: EncodedArray;
  indices: number[];
  P: EncodedArray;
  rRadiusRaw: number;
  R: EncodedArray;
  Gin: EncodedArray;
  Lp: EncodedArray;
}

/** The whole fixture. */
export interface CoderFixture {
  format: string;
  vocab: number;
  quickstart: {
    draws: CoderFixtureDraws;
    text: string;
    stateRows: number[];
    states: EncodedArray;
    featureDim: number;
    featureRows: number[];
    features: EncodedArray;
    /** "0"/"1" per trace row. */
    boundaries: string;
    patches: number;
    logitRows: number[];
    logits: EncodedArray;
    logitRange: [number, number];
    meanTargetLogit: number;
    meanTargetProb: number;
    trainBpb: number;
    greedyPrompt: string;
    greedyOutput: string;
  };
  greedy: {
    draws: CoderFixtureDraws;
    text: string;
    patches: number;
    trainBpb: number;
    prompt: string;
    steps: number;
    greedyOutput: string;
  };
}

/** The oracle's inputs rebuilt from one configuration's draws. */
export interface CoderCase {
  cfg: CoderConfig;
  draws: CoderDraws;
  /** Echo-state substrate over 256 byte ids (U columns of absent bytes are zero). */
  substrate: OracleSubstrate & { kind: "echo_state" };
}

/**
 * Reads and checks the fixture.
 *
 * @throws {Error} when the manifest does not list the file or pins another sha256. @throws {SyntaxError} on a wrong format.
 */
export async function loadCoderFixture(): Promise<CoderFixture> {
  const { data } = await loadPinnedJson<Stored<CoderFixture>>(
    CODER_FIXTURE_PATH,
    "memspec.decepticons.coder.v1",
  );
  const q = data.quickstart;
  return {
    ...data,
    quickstart: {
      ...q,
      draws: decodeDraws(q.draws, "quickstart.draws"),
      stateRows: ints(q.stateRows, "quickstart.stateRows"),
      featureRows: ints(q.featureRows, "quickstart.featureRows"),
      logitRows: ints(q.logitRows, "quickstart.logitRows"),
      logitRange: f64List(q.logitRange, "quickstart.logitRange", [2]) as [number, number],
    },
    greedy: { ...data.greedy, draws: decodeDraws(data.greedy.draws, "greedy.draws") },
  };
}

/** Decodes one configuration's stored index lists (i32). */
function decodeDraws(d: Stored<CoderFixtureDraws>, what: string): CoderFixtureDraws {
  return {
    ...d,
    wNonzeroFlat: ints(d.wNonzeroFlat, `${what}.wNonzeroFlat`),
    uBytes: ints(d.uBytes, `${what}.uBytes`),
    indices: ints(d.indices, `${what}.indices`),
  };
}

/** Builds the oracle's config, draws and substrate from one configuration's draws. */
export function coderCase(d: CoderFixtureDraws, vocab = 256): CoderCase {
  const n = d.n;
  const w = new Float64Array(n * n);
  const vals = f64(d.wNonzero, "wNonzero");
  d.wNonzeroFlat.forEach((flat, k) => w[flat] = vals[k]!);
  const cols = f64(d.uColumns, "uColumns");
  const c = d.uBytes.length;
  const u = new Float64Array(n * vocab);
  for (let i = 0; i < n; i++) {
    d.uBytes.forEach((b, k) => u[i * vocab + b] = cols[i * c + k]!);
  }
  return {
    cfg: {
      reservoirFeatures: d.reservoirFeatures,
      globalDim: d.globalDim,
      latentDim: d.latentDim,
      minPatch: d.minPatch,
      maxPatch: d.maxPatch,
      patchSize: d.patchSize,
      noveltyThreshold: d.noveltyThreshold,
      mode: d.mode,
      ridgeAlpha: d.ridgeAlpha,
    },
    draws: {
      indices: Int32Array.from(d.indices),
      P: f64(d.P, "P"),
      R: f64(d.R, "R"),
      Gin: f64(d.Gin, "Gin"),
      Lp: f64(d.Lp, "Lp"),
    },
    substrate: {
      kind: "echo_state",
      vocab,
      layer: { n, leak: d.leak, w, u, up: null, stride: 1 },
    },
  };
}

/** UTF-8 bytes of a text as token ids. */
export function textTokens(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
