/**
 * The readout artefact of Kent Overstreet's amygdala trainer
 * (kent/consciousness:training/amygdala_training/train_steering_vectors.py docstring) and
 * its runtime projection (kent/consciousness:src/agent/api/mod.rs, the vLLM fork's
 * ReadoutManager): a folder holding
 *
 * - `readout.safetensors`: one tensor per layer, `layer_<idx>.vectors`, F16, shape
 *   (n_concepts, hidden_size), row c the unit direction of concept c;
 * - `readout.json`: `{"concepts": [...], "layers": [...], "hidden_size": H, "dtype": "float16"}`,
 *   rows in `concepts` order.
 *
 * At runtime each token's readout is linear, r_{l,c} = ⟨V_l[c], h_l⟩: one matmul
 * h Vᵀ [T, C] per layer over a batch of T tokens ({@link ReadoutProjector}).
 *
 * @example Write, read, project
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { readReadout, ReadoutProjector, writeReadout } from "./readout.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * await writeReadout(dir, {
 *   concepts: ["calm", "afraid"],
 *   layers: [3],
 *   hiddenSize: 2,
 *   vectors: new Map([[3, Float32Array.from([1, 0, 0, 1])]]),
 * });
 * const readout = await readReadout(dir);
 * const projector = new ReadoutProjector(readout);
 * const h = tensor([2, 5], [1, 2]); // one token, H = 2
 * const r = projector.project(3, h);
 * deepStrictEqual(Array.from(await r.toArray()), [2, 5]);
 * r.dispose();
 * h.dispose();
 * projector.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { f16BitsToF32, f32ToF16Bits } from "../../io/f16.ts";
import { readSafetensors, type SafetensorsTensor, writeSafetensors } from "../../io/safetensors.ts";
import { writeFileAtomic } from "../../io/atomic.ts";
import { assertLive, Tensor, tensor } from "../../tensor.ts";
import { matmul } from "../../ops/matmul.ts";
import { checkInt, checkObject, checkString, shown } from "../validate.ts";

/** The tensor file of a readout folder. */
export const READOUT_TENSORS = "readout.safetensors";
/** The manifest of a readout folder. */
export const READOUT_MANIFEST = "readout.json";

/** Concept directions to write: per layer, C rows of H values (row-major, f32). */
export interface ReadoutVectors {
  /** Concept names, the rows' order. */
  readonly concepts: readonly string[];
  /** Layer indices, the manifest's order. */
  readonly layers: readonly number[];
  /** Hidden size H. */
  readonly hiddenSize: number;
  /** By layer: C·H values, row c = concept c's direction. */
  readonly vectors: ReadonlyMap<number, Float32Array>;
}

/** A readout folder read back. */
export interface ReadoutFolder extends ReadoutVectors {
  /** By layer: the stored f16 bit patterns (C·H). */
  readonly bits: ReadonlyMap<number, Uint16Array>;
}

/** The manifest as written to `readout.json`. */
export interface ReadoutManifest {
  /** The concept names; row c of every layer's vectors is concept c's direction. */
  concepts: string[];
  /** The layer indices, one `layer_<i>.vectors` tensor each. */
  layers: number[];
  /** H, the length of each direction. */
  hidden_size: number;
  /** The stored element type; always f16. */
  dtype: "float16";
}

/**
 * The tensor name of a layer's vectors.
 *
 * @throws {RangeError} when `layer` is not an integer >= 0.
 */
export function layerKey(layer: number): string {
  checkInt(layer, "name the readout tensor of a layer", "the layer index", 0);
  return `layer_${layer}.vectors`;
}

function checkVectors(r: ReadoutVectors, what: string): void {
  checkObject(r, what, "the readout");
  if (!(r.vectors instanceof Map)) {
    throw new TypeError(`Cannot ${what}: expected vectors a Map but got ${shown(r.vectors)}`);
  }
  if (!Array.isArray(r.concepts) || r.concepts.length === 0) {
    throw new TypeError(`Cannot ${what}: expected a non-empty list of concepts`);
  }
  if (r.concepts.some((c) => typeof c !== "string" || c.length === 0)) {
    throw new TypeError(`Cannot ${what}: expected every concept a non-empty string`);
  }
  if (new Set(r.concepts).size !== r.concepts.length) {
    throw new TypeError(`Cannot ${what}: expected distinct concepts but some repeat`);
  }
  if (!Array.isArray(r.layers) || r.layers.length === 0) {
    throw new TypeError(`Cannot ${what}: expected a non-empty list of layers`);
  }
  if (
    r.layers.some((l) => !Number.isInteger(l) || l < 0) ||
    new Set(r.layers).size !== r.layers.length
  ) {
    throw new TypeError(
      `Cannot ${what}: expected distinct layer indices >= 0 but got [${r.layers.join(", ")}]`,
    );
  }
  if (!Number.isSafeInteger(r.hiddenSize) || r.hiddenSize < 1) {
    throw new TypeError(`Cannot ${what}: expected hiddenSize >= 1 but got ${r.hiddenSize}`);
  }
  const want = r.concepts.length * r.hiddenSize;
  for (const l of r.layers) {
    const v = r.vectors.get(l);
    if (!(v instanceof Float32Array) || v.length !== want) {
      throw new TypeError(
        `Cannot ${what}: expected layer ${l}'s vectors a Float32Array of ${r.concepts.length}·` +
          `${r.hiddenSize} = ${want} values but got ${v === undefined ? "none" : v.length}`,
      );
    }
    const bad = v.findIndex((x) => !Number.isFinite(x) || Math.abs(x) > 65504);
    if (bad >= 0) {
      throw new RangeError(
        `Cannot ${what}: expected finite values within f16's range but layer ${l}, concept ` +
          `"${r.concepts[Math.floor(bad / r.hiddenSize)]}" holds ${v[bad]}`,
      );
    }
  }
  if (r.vectors.size !== r.layers.length) {
    throw new TypeError(
      `Cannot ${what}: expected vectors for exactly the layers [${r.layers.join(", ")}] but got ` +
        `[${[...r.vectors.keys()].join(", ")}]`,
    );
  }
}

/** The manifest of `r`, as `readout.json` holds it. */
export function readoutManifest(r: ReadoutVectors): ReadoutManifest {
  checkVectors(r, "make the readout manifest");
  return {
    concepts: [...r.concepts],
    layers: [...r.layers],
    hidden_size: r.hiddenSize,
    dtype: "float16",
  };
}

/** The text of `readout.json`: the manifest, two-space indented, with a final newline. */
export function manifestText(r: ReadoutVectors): string {
  return JSON.stringify(readoutManifest(r), null, 2) + "\n";
}

/**
 * Writes a readout folder: `readout.safetensors` (f32 → f16, round to nearest even) and
 * `readout.json`, each atomically; everything is checked before the first byte is written,
 * so a refused input leaves the folder as it was. The folder is created if absent.
 *
 * @throws {TypeError} when `dir` is not a string, or for inconsistent names, layers or sizes.
 * @throws {RangeError} for a
 *   non-finite value or one past f16's range.
 */
export async function writeReadout(dir: string, r: ReadoutVectors): Promise<void> {
  checkString(dir, "write the readout", "dir (a folder path)");
  checkVectors(r, `write the readout ${dir}`);
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const l of r.layers) {
    tensors[layerKey(l)] = {
      dtype: "F16",
      shape: [r.concepts.length, r.hiddenSize],
      data: f32ToF16Bits(r.vectors.get(l)!),
    };
  }
  await Deno.mkdir(dir, { recursive: true });
  await writeSafetensors(`${dir}/${READOUT_TENSORS}`, tensors);
  await writeFileAtomic(`${dir}/${READOUT_MANIFEST}`, new TextEncoder().encode(manifestText(r)));
}

function bad(file: string, expected: string, got: string): SyntaxError {
  return new SyntaxError(`Cannot read the readout ${file}: expected ${expected} but got ${got}`);
}

/**
 * Reads a readout folder and checks its manifest against its tensors: the manifest's fields
 * and types; exactly one tensor `layer_<idx>.vectors` per manifest layer, F16, shape
 * (n_concepts, hidden_size). A folder whose manifest disagrees with its tensors is refused.
 *
 * @throws {TypeError} when `dir` is not a string. @throws {SyntaxError} naming the file at
 *   fault. @throws {Deno.errors.NotFound} for a missing file.
 */
export async function readReadout(dir: string): Promise<ReadoutFolder> {
  checkString(dir, "read the readout", "dir (a folder path)");
  const mPath = `${dir}/${READOUT_MANIFEST}`;
  const tPath = `${dir}/${READOUT_TENSORS}`;
  let m: unknown;
  try {
    m = JSON.parse(await Deno.readTextFile(mPath));
  } catch (e) {
    if (e instanceof SyntaxError) throw bad(mPath, "JSON", `unparsable text (${e.message})`);
    throw e;
  }
  if (m === null || typeof m !== "object" || Array.isArray(m)) {
    throw bad(mPath, "a JSON object", JSON.stringify(m).slice(0, 40));
  }
  const o = m as Record<string, unknown>;
  const concepts = o.concepts;
  if (
    !Array.isArray(concepts) || concepts.length === 0 ||
    concepts.some((c) => typeof c !== "string" || c.length === 0) ||
    new Set(concepts).size !== concepts.length
  ) {
    throw bad(mPath, '"concepts" a non-empty list of distinct names', JSON.stringify(concepts));
  }
  const layers = o.layers;
  if (
    !Array.isArray(layers) || layers.length === 0 ||
    layers.some((l) => !Number.isInteger(l) || (l as number) < 0) ||
    new Set(layers).size !== layers.length
  ) {
    throw bad(mPath, '"layers" a non-empty list of distinct indices >= 0', JSON.stringify(layers));
  }
  const hidden = o.hidden_size;
  if (!Number.isInteger(hidden) || (hidden as number) < 1) {
    throw bad(mPath, '"hidden_size" an integer >= 1', JSON.stringify(hidden));
  }
  if (o.dtype !== "float16") throw bad(mPath, '"dtype": "float16"', JSON.stringify(o.dtype));
  const H = hidden as number;
  const C = concepts.length;
  const { tensors } = await readSafetensors(tPath);
  const want = new Set((layers as number[]).map(layerKey));
  for (const name of tensors.keys()) {
    if (!want.has(name)) {
      throw bad(
        tPath,
        `only the manifest's tensors ${[...want].join(", ")}`,
        `an extra tensor "${name}"`,
      );
    }
  }
  const vectors = new Map<number, Float32Array>();
  const bits = new Map<number, Uint16Array>();
  for (const l of layers as number[]) {
    const t = tensors.get(layerKey(l));
    if (t === undefined) {
      throw bad(tPath, `a tensor "${layerKey(l)}" (manifest layer ${l})`, "none");
    }
    if (t.dtype !== "F16") throw bad(tPath, `"${layerKey(l)}" of dtype F16`, t.dtype);
    if (t.shape.length !== 2 || t.shape[0] !== C || t.shape[1] !== H) {
      throw bad(
        tPath,
        `"${layerKey(l)}" of shape [${C}, ${H}] (the manifest's concepts and hidden_size)`,
        `[${t.shape.join(", ")}]`,
      );
    }
    bits.set(l, t.data);
    vectors.set(l, f16BitsToF32(t.data));
  }
  return {
    concepts: concepts as string[],
    layers: layers as number[],
    hiddenSize: H,
    vectors,
    bits,
  };
}

/**
 * The runtime readout on the GPU: holds each layer's V_l [C, H] on the device and projects
 * a batch of token states h [T, H] to r = h V_lᵀ [T, C] (r_{t,c} = ⟨V_l[c], h_t⟩), one
 * matmul per layer and call, no host sync.
 */
export class ReadoutProjector {
  /** The readout's concepts, the columns' order. */
  readonly concepts: readonly string[];
  /** Hidden size H. */
  readonly hiddenSize: number;
  readonly #v = new Map<number, Tensor>();
  #disposed = false;

  /**
   * Uploads every layer's vectors.
   *
   * @throws {TypeError|RangeError} for inconsistent vectors (see {@link writeReadout}).
   */
  constructor(readout: ReadoutVectors) {
    checkVectors(readout, "build a readout projector");
    this.concepts = [...readout.concepts];
    this.hiddenSize = readout.hiddenSize;
    for (const l of readout.layers) {
      this.#v.set(l, tensor(readout.vectors.get(l)!, [this.concepts.length, this.hiddenSize]));
    }
  }

  /** The layer indices, in the readout's order. */
  get layers(): number[] {
    return [...this.#v.keys()];
  }

  /**
   * Readout of T token states at `layer`: r = h Vᵀ, [T, C]. Records GPU work only; the
   * caller owns (and disposes) the result.
   *
   * @throws {RangeError} for an unknown layer. @throws {TypeError} when h is not an f32
   *   [T, H] tensor of the readout's hidden size (before any GPU work).
   */
  project(layer: number, h: Tensor): Tensor {
    if (this.#disposed) {
      throw new TypeError("Cannot project with a readout projector: it was disposed");
    }
    const v = this.#v.get(layer);
    if (v === undefined) {
      throw new RangeError(
        `Cannot project at layer ${layer}: expected one of ${this.layers.join(", ")}`,
      );
    }
    if (!(h instanceof Tensor)) {
      throw new TypeError(`Cannot project at layer ${layer}: expected h a Tensor [T, H]`);
    }
    assertLive(h, "ReadoutProjector.project", "h");
    if (h.dtype !== "f32" || h.rank !== 2 || h.shape[1] !== this.hiddenSize) {
      throw new TypeError(
        `Cannot project at layer ${layer}: expected h an f32 [T, ${this.hiddenSize}] tensor but ` +
          `got ${h.dtype} [${h.shape.join(", ")}]`,
      );
    }
    return matmul(h, v, { transB: true });
  }

  /** Releases the device copies of the vectors. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#v.values()) t.dispose();
    this.#v.clear();
  }
}
