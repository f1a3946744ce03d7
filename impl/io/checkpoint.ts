/**
 * Checkpoints: named parameters, Adam/AdamW state and provenance in one
 * safetensors file, plus a JSON sidecar for people and tools.
 *
 * Layout of `<name>.safetensors`:
 * - each parameter under its own name (f32 as F32, i32 as I32: exact);
 * - each optimiser moment under `__optim__/m/<name>` and `__optim__/v/<name>` (F32);
 * - `__metadata__["memspec.checkpoint"]`: the provenance JSON ({@link CheckpointProvenance}:
 *   format, memspec version, date, the caller's `meta`, parameter names, shapes and dtypes,
 *   the optimiser's kind, hyperparameters and per-parameter step counts).
 *
 * The safetensors file is the checkpoint: loading reads nothing else. The sidecar
 * (`<name>.json`, or `<path>.json` when the path does not end in `.safetensors`) repeats the
 * provenance with the safetensors file's sha256, and is written after it. Both are written
 * atomically (a temporary name in the same folder, then a rename), so a save interrupted
 * half-way leaves the previous checkpoint loadable and never a partial file under its name.
 *
 * Loading writes into the caller's tensors in place (the optimiser holds them), in recorded
 * order with the GPU work around it. `strict` (the default, as PyTorch's
 * `load_state_dict(strict=True)`) refuses any missing, unexpected or mis-shaped tensor,
 * listing all of them; non-strict loading tolerates missing and unexpected names but still
 * refuses a shape mismatch unless `expandCopy` is set, which copies the overlap
 * (`result[:m₁, …, :m_k] = saved[:m₁, …, :m_k]`, m_d the smaller size of dimension d) and
 * keeps the tensor's current values elsewhere. Every check runs before the first write: a
 * refused load changes nothing.
 *
 * @example Save, then load into fresh tensors
 * ```ts
 * import { Adam, initGpu, tensor } from "../mod.ts";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const w = tensor([1, 2], [2], { requiresGrad: true });
 * w.grad = tensor([1, -1], [2]);
 * const opt = new Adam([w], { lr: 0.1 });
 * opt.step();
 * const path = `${dir}/run.safetensors`;
 * await saveCheckpoint(path, { params: { w }, optimizer: opt, meta: { run: 1 } });
 * const w2 = tensor([0, 0], [2], { requiresGrad: true });
 * const opt2 = new Adam([w2], { lr: 0.1 });
 * await loadCheckpoint(path, { params: { w: w2 }, optimizer: opt2 });
 * deepStrictEqual(await w2.toArray(), await w.toArray());
 * strictEqual(opt2.state(0)!.step, 1);
 * for (const x of [opt, opt2, w, w2]) x.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import denoConfig from "../../deno.json" with { type: "json" };
import type { Adam } from "../ops/optim.ts";
import { createStorageBuffer, releaseBuffer } from "../gpu/buffers.ts";
import { openEncoder } from "../gpu/batch.ts";
import { DisposedTensorError } from "../gpu/errors.ts";
import { formatShape, readTensors, Tensor } from "../tensor.ts";
import { writeFileAtomic, type WriteFileAtomicOptions } from "./atomic.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsContents,
  type SafetensorsTensor,
} from "./safetensors.ts";
import { safetensorsHostValues } from "./tensors.ts";

/** The `format` of {@link CheckpointProvenance}. */
export const CHECKPOINT_FORMAT = "memspec-checkpoint/1";
/** The metadata key holding the provenance JSON. */
export const CHECKPOINT_METADATA_KEY = "memspec.checkpoint";
/** Prefix of optimiser tensors; no parameter name may start with it. */
export const OPTIM_PREFIX = "__optim__/";

/** memspec's version, from deno.json. */
export const MEMSPEC_VERSION: string = (denoConfig as { version?: string }).version ?? "unknown";

/** The optimiser part of a checkpoint's provenance. */
export interface CheckpointOptimizerInfo {
  /** "Adam" or "AdamW". */
  kind: string;
  /** Learning rate. */
  lr: number;
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Added to √v̂. */
  eps: number;
  /** Weight decay (decoupled for AdamW). */
  weightDecay: number;
  /** Steps taken, by parameter name; parameters that never stepped are absent. */
  steps: Record<string, number>;
}

/** What a checkpoint records about itself (metadata key {@link CHECKPOINT_METADATA_KEY}). */
export interface CheckpointProvenance {
  /** The checkpoint format's name and version. */
  format: typeof CHECKPOINT_FORMAT;
  /** memspec's version from deno.json. */
  memspec: string;
  /** When it was saved (ISO 8601, UTC). */
  date: string;
  /** The caller's `meta` object, as JSON. */
  meta: unknown;
  /** Every parameter's name, shape and dtype, in the order given. */
  parameters: { name: string; shape: number[]; dtype: "f32" | "i32" }[];
  /** The optimiser's kind, hyperparameters and steps; null when none was saved. */
  optimizer: CheckpointOptimizerInfo | null;
}

/** The state `Adam.setState(i, state)` takes. */
export interface AdamStateValues {
  /** First moment, one value per parameter element. */
  m: Float32Array;
  /** Second moment, one value per parameter element. */
  v: Float32Array;
  /** Steps the parameter has taken. */
  step: number;
}

/** What {@link saveCheckpoint} saves. */
export interface CheckpointContents {
  /** Named parameters (f32 or i32 tensors). */
  params: Readonly<Record<string, Tensor>>;
  /** An Adam/AdamW optimiser over some of these parameters; its moments and steps are saved. */
  optimizer?: Adam;
  /** Anything JSON-serialisable: recorded in the provenance (run name, config, data hash). */
  meta?: unknown;
}

/**
 * The sidecar path of a checkpoint path.
 *
 * @example
 * ```ts
 * import { sidecarPath } from "./checkpoint.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(sidecarPath("out/run.safetensors"), "out/run.json");
 * strictEqual(sidecarPath("out/run.ckpt"), "out/run.ckpt.json");
 * ```
 */
export function sidecarPath(path: string): string {
  return path.endsWith(".safetensors") ? path.slice(0, -".safetensors".length) + ".json" : path +
    ".json";
}

function checkParams(op: string, params: Readonly<Record<string, Tensor>>): [string, Tensor][] {
  if (params === null || typeof params !== "object") {
    throw new TypeError(
      `Cannot ${op}: expected params to be a record of tensors but got ${params}`,
    );
  }
  const entries = Object.entries(params);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `Cannot ${op}: expected parameter ${JSON.stringify(name)} to be a Tensor but got ${t}`,
      );
    }
    if (t.disposed) {
      throw new DisposedTensorError(`parameter ${JSON.stringify(name)} to ${op}`);
    }
    if (name.startsWith(OPTIM_PREFIX)) {
      throw new TypeError(
        `Cannot ${op}: expected parameter names not starting with ${OPTIM_PREFIX} but got ` +
          JSON.stringify(name),
      );
    }
  }
  return entries;
}

/** The parameter name of each optimiser parameter, by identity. */
function optimizerNames(op: string, opt: Adam, params: [string, Tensor][]): string[] {
  const byTensor = new Map(params.map(([n, t]) => [t, n]));
  return opt.params.map((p, i) => {
    const name = byTensor.get(p);
    if (name === undefined) {
      throw new TypeError(
        `Cannot ${op}: optimizer parameter ${i} (shape ${formatShape(p.shape)}) is not one of ` +
          "the named params",
      );
    }
    return name;
  });
}

/** Options of {@link saveCheckpoint}. */
export type SaveCheckpointOptions = WriteFileAtomicOptions;

/**
 * Saves parameters, optimiser state and provenance to `path` (safetensors) and its sidecar
 * (JSON), atomically; one host sync reads every tensor back.
 *
 * @returns the provenance written.
 * @throws {DisposedTensorError} for a disposed parameter.
 * @throws {TypeError} for a non-tensor parameter, a parameter named with the
 *   optimiser prefix, an optimiser parameter missing from `params`, or `meta` that JSON
 *   cannot represent.
 * @throws the writer's error when the write fails; the previous checkpoint at `path` stays.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { saveCheckpoint } from "./checkpoint.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const w = tensor([1, 2, 3, 4], [2, 2]);
 * const p = await saveCheckpoint(`${dir}/run.safetensors`, { params: { w }, meta: { lr: 0.1 } });
 * deepStrictEqual(p.parameters, [{ name: "w", shape: [2, 2], dtype: "f32" }]);
 * w.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveCheckpoint(
  path: string,
  contents: CheckpointContents,
  options: SaveCheckpointOptions = {},
): Promise<CheckpointProvenance> {
  const op = `save checkpoint ${path}`;
  const params = checkParams(op, contents.params);
  const opt = contents.optimizer;
  const names = opt === undefined ? [] : optimizerNames(op, opt, params);
  let metaJson: string;
  try {
    metaJson = JSON.stringify(contents.meta ?? null);
  } catch (e) {
    throw new TypeError(`Cannot ${op}: meta is not JSON-serialisable (${(e as Error).message})`);
  }
  const states = names.map((name, i) => ({ name, state: opt!.state(i) }))
    .filter((s) => s.state !== null);
  const toRead = [
    ...params.map(([, t]) => t),
    ...states.flatMap((s) => [s.state!.m, s.state!.v]),
  ];
  const values = await readTensors(toRead);
  const tensors = new Map<string, SafetensorsTensor>();
  params.forEach(([name, t], i) => {
    const v = values[i]!;
    tensors.set(
      name,
      v instanceof Int32Array
        ? { dtype: "I32", shape: [...t.shape], data: v }
        : { dtype: "F32", shape: [...t.shape], data: v },
    );
  });
  const steps: Record<string, number> = {};
  states.forEach(({ name, state }, k) => {
    const shape = [...state!.m.shape];
    const m = values[params.length + 2 * k] as Float32Array;
    const v = values[params.length + 2 * k + 1] as Float32Array;
    tensors.set(`${OPTIM_PREFIX}m/${name}`, { dtype: "F32", shape, data: m });
    tensors.set(`${OPTIM_PREFIX}v/${name}`, { dtype: "F32", shape, data: v });
    steps[name] = state!.step;
  });
  const provenance: CheckpointProvenance = {
    format: CHECKPOINT_FORMAT,
    memspec: MEMSPEC_VERSION,
    date: new Date().toISOString(),
    meta: JSON.parse(metaJson) as unknown,
    parameters: params.map(([name, t]) => ({ name, shape: [...t.shape], dtype: t.dtype })),
    optimizer: opt === undefined ? null : {
      kind: opt.name,
      lr: opt.lr,
      beta1: opt.beta1,
      beta2: opt.beta2,
      eps: opt.eps,
      weightDecay: opt.weightDecay,
      steps,
    },
  };
  const bytes = encodeSafetensors(tensors, {
    [CHECKPOINT_METADATA_KEY]: JSON.stringify(provenance),
  });
  // The safetensors rename is the commit point; the sidecar follows it.
  await writeFileAtomic(path, bytes, options);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  const file = path.slice(path.lastIndexOf("/") + 1);
  const sidecar = JSON.stringify({ ...provenance, file, sha256 }, null, 2) + "\n";
  await writeFileAtomic(sidecarPath(path), new TextEncoder().encode(sidecar), options);
  return provenance;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** The tensors to load into, by name (written in place). */
  params: Readonly<Record<string, Tensor>>;
  /** An Adam/AdamW over some of `params` whose moments and steps are restored. */
  optimizer?: Adam;
  /**
   * Refuse any missing, unexpected or mis-shaped tensor (and an optimiser of another kind,
   * or one given for a checkpoint without optimiser state). Default true.
   */
  strict?: boolean;
  /**
   * Non-strict only: load a tensor saved with another shape of the same rank by copying the
   * overlap of every dimension, keeping current values elsewhere. Default false.
   */
  expandCopy?: boolean;
}

/** What {@link loadCheckpoint} did. */
export interface CheckpointLoadReport {
  /** The checkpoint's provenance. */
  provenance: CheckpointProvenance;
  /** Parameters loaded exactly. */
  loaded: string[];
  /** Parameters of `params` the checkpoint lacks (left as they were). */
  missing: string[];
  /** Parameters of the checkpoint not in `params` (ignored). */
  unexpected: string[];
  /** Parameters loaded by `expandCopy` from another shape. */
  expanded: string[];
}

function parseProvenance(path: string, file: SafetensorsContents): CheckpointProvenance {
  const text = file.metadata?.[CHECKPOINT_METADATA_KEY];
  if (text === undefined) {
    throw new SyntaxError(
      `Cannot read checkpoint ${path}: expected __metadata__ key ${CHECKPOINT_METADATA_KEY} ` +
        "(it is a safetensors file but not a memspec checkpoint)",
    );
  }
  let p: CheckpointProvenance;
  try {
    p = JSON.parse(text) as CheckpointProvenance;
  } catch (e) {
    throw new SyntaxError(
      `Cannot read checkpoint ${path}: its provenance is not JSON (${(e as Error).message})`,
    );
  }
  if (p === null || typeof p !== "object" || p.format !== CHECKPOINT_FORMAT) {
    throw new SyntaxError(
      `Cannot read checkpoint ${path}: expected provenance format ${CHECKPOINT_FORMAT} but got ` +
        `${JSON.stringify((p as { format?: unknown } | null)?.format)}`,
    );
  }
  const o = p.optimizer as unknown;
  const steps = (o as { steps?: unknown } | null)?.steps;
  if (
    o !== null &&
    (typeof o !== "object" || typeof steps !== "object" || steps === null || Array.isArray(steps))
  ) {
    throw new SyntaxError(
      `Cannot read checkpoint ${path}: expected its provenance's optimizer to be null or an ` +
        `object with steps by name but got ${JSON.stringify(o)?.slice(0, 80)}`,
    );
  }
  return p;
}

/** `saved` copied into `fresh` over the overlap of every dimension. */
function expandInto(
  saved: Float32Array | Int32Array,
  savedShape: readonly number[],
  fresh: Float32Array | Int32Array,
  freshShape: readonly number[],
): Float32Array | Int32Array {
  const out = fresh.slice();
  const rank = freshShape.length;
  const overlap = freshShape.map((d, k) => Math.min(d, savedShape[k]!));
  if (overlap.some((d) => d === 0)) return out;
  const idx = new Array<number>(rank).fill(0);
  for (;;) {
    let so = 0;
    let fo = 0;
    for (let k = 0; k < rank; k++) {
      so = so * savedShape[k]! + idx[k]!;
      fo = fo * freshShape[k]! + idx[k]!;
    }
    out[fo] = saved[so]!;
    let k = rank - 1;
    while (k >= 0 && ++idx[k]! === overlap[k]!) idx[k--] = 0;
    if (k < 0) return out;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Copies host values into `t`'s buffer, recorded in order with the batch's GPU work. */
function writeInto(t: Tensor, values: Float32Array | Int32Array): void {
  if (values.byteLength === 0) return;
  const staging = createStorageBuffer(values.byteLength, "checkpoint upload", values);
  // A copy recorded in the open batch, not queue.writeBuffer: it must run after the
  // dispatches already recorded (see impl/gpu/buffers.ts).
  openEncoder().copyBufferToBuffer(staging, 0, t.buffer, 0, values.byteLength);
  releaseBuffer(staging);
}

/**
 * Loads a checkpoint into `options.params` (in place) and, when given, the optimiser's
 * moments and steps (through `Adam.setState`).
 *
 * @returns which parameters were loaded, missing, unexpected or expanded, and the provenance.
 * @throws {SyntaxError} for a malformed file or one without memspec provenance.
 * @throws {TypeError} listing every missing, unexpected or mis-shaped tensor (strict), or
 *   every mis-shaped one (non-strict without `expandCopy`; with it, a rank or dtype change);
 *   nothing is written then.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * import { deepStrictEqual, rejects } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const path = `${dir}/run.safetensors`;
 * const a = tensor([1, 2], [2]);
 * await saveCheckpoint(path, { params: { a } });
 * const grown = tensor([0, 0, 9], [3]);
 * const b = tensor([5], [1]);
 * await rejects(loadCheckpoint(path, { params: { a: grown, b } }), TypeError); // strict
 * const report = await loadCheckpoint(path, {
 *   params: { a: grown, b },
 *   strict: false,
 *   expandCopy: true,
 * });
 * deepStrictEqual([report.expanded, report.missing], [["a"], ["b"]]);
 * deepStrictEqual(Array.from(await grown.toArray()), [1, 2, 9]);
 * for (const t of [a, grown, b]) t.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCheckpoint(
  path: string,
  options: LoadCheckpointOptions,
): Promise<CheckpointLoadReport> {
  const op = `load checkpoint ${path}`;
  const strict = options.strict ?? true;
  const expandCopy = options.expandCopy ?? false;
  if (strict && expandCopy) {
    throw new TypeError(`Cannot ${op}: expandCopy needs strict: false`);
  }
  const params = checkParams(op, options.params);
  const opt = options.optimizer;
  const optNames = opt === undefined ? [] : optimizerNames(op, opt, params);
  const file = decodeSafetensors(await Deno.readFile(path), path);
  const provenance = parseProvenance(path, file);
  const saved = new Map([...file.tensors].filter(([n]) => !n.startsWith(OPTIM_PREFIX)));
  const model = new Map(params);

  const missing = params.map(([n]) => n).filter((n) => !saved.has(n));
  const unexpected = [...saved.keys()].filter((n) => !model.has(n));
  const misShaped: string[] = [];
  const fatal: string[] = [];
  const expanded: string[] = [];
  for (const [name, t] of params) {
    const s = saved.get(name);
    if (s === undefined) continue;
    const savedDtype = s.dtype === "I32" ? "i32" : s.dtype === "F32" ? "f32" : null;
    if (savedDtype !== t.dtype) {
      fatal.push(`${JSON.stringify(name)} saved as ${s.dtype}, expected ${t.dtype}`);
    } else if (!sameShape(s.shape, t.shape)) {
      const what = `${JSON.stringify(name)} saved ${formatShape(s.shape)}, model ${
        formatShape(t.shape)
      }`;
      if (!strict && expandCopy && s.shape.length === t.shape.length) expanded.push(name);
      else misShaped.push(what);
    }
  }
  const problems: string[] = [];
  if (strict && missing.length > 0) {
    problems.push(`missing ${missing.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  if (strict && unexpected.length > 0) {
    problems.push(`unexpected ${unexpected.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  if (misShaped.length > 0) problems.push(`shape mismatch ${misShaped.join("; ")}`);
  if (fatal.length > 0) problems.push(`dtype mismatch ${fatal.join("; ")}`);
  const info = provenance.optimizer;
  if (opt !== undefined) {
    if (strict && info === null) {
      problems.push(`optimizer state missing (the checkpoint has none, the ${opt.name} needs it)`);
    } else if (strict && info !== null && info.kind !== opt.name) {
      problems.push(`optimizer kind mismatch: saved ${info.kind}, given ${opt.name}`);
    }
  }
  if (problems.length > 0) {
    throw new TypeError(
      `Cannot ${op}${strict ? " strictly" : ""}: ${problems.join("; ")}` +
        (strict ? "" : " (pass expandCopy: true to copy the overlap of same-rank shapes)"),
    );
  }

  // Every check has passed: compute every host value, then write.
  const expandedSet = new Set(expanded);
  const loadNames = params.map(([n]) => n).filter((n) => saved.has(n));
  const freshValues = new Map<string, Float32Array | Int32Array>();
  const needFresh = params.filter(([n]) => expandedSet.has(n));
  const read = await readTensors(needFresh.map(([, t]) => t));
  needFresh.forEach(([n], i) => freshValues.set(n, read[i]!));
  const writes: [Tensor, Float32Array | Int32Array][] = [];
  for (const name of loadNames) {
    const t = model.get(name)!;
    const s = saved.get(name)!;
    const host = safetensorsHostValues(name, s);
    writes.push([
      t,
      expandedSet.has(name) ? expandInto(host, s.shape, freshValues.get(name)!, t.shape) : host,
    ]);
  }
  const stateWrites: [number, AdamStateValues][] = [];
  if (opt !== undefined && info !== null) {
    optNames.forEach((name, i) => {
      const step = info.steps[name];
      const m = file.tensors.get(`${OPTIM_PREFIX}m/${name}`);
      const v = file.tensors.get(`${OPTIM_PREFIX}v/${name}`);
      if (step === undefined || m === undefined || v === undefined || !saved.has(name)) return;
      const t = model.get(name)!;
      const shape = saved.get(name)!.shape;
      // Checked here, before the first write, so that setState cannot refuse half-way.
      for (const [key, s] of [["m", m], ["v", v]] as const) {
        const bad = s.dtype !== "F32" || !sameShape(s.shape, shape)
          ? `${s.dtype} ${formatShape(s.shape)} for a parameter of shape ${formatShape(shape)}`
          : (() => {
            const k = s.data.findIndex((x) => !Number.isFinite(x) || (key === "v" && x < 0));
            return k < 0 ? null : `${key}[${k}] = ${s.data[k]}`;
          })();
        if (bad !== null) {
          throw new SyntaxError(
            `Cannot read checkpoint ${path}: the optimizer's ${key} of ${JSON.stringify(name)} ` +
              `is malformed (${bad})`,
          );
        }
      }
      if (!Number.isInteger(step) || step < 0) {
        throw new SyntaxError(
          `Cannot read checkpoint ${path}: the optimizer's step of ${JSON.stringify(name)} is ` +
            `${step}, expected an integer >= 0`,
        );
      }
      const mv = [m, v].map((s) => {
        const host = safetensorsHostValues(name, s) as Float32Array;
        // A fresh optimiser's moments are zero: the expanded part starts from zero.
        return expandedSet.has(name)
          ? expandInto(host, s.shape, new Float32Array(t.size), t.shape) as Float32Array
          : host;
      });
      stateWrites.push([i, { m: mv[0]!, v: mv[1]!, step }]);
    });
  }
  for (const [t, values] of writes) writeInto(t, values);
  for (const [i, state] of stateWrites) opt!.setState(i, state);
  return {
    provenance,
    loaded: loadNames.filter((n) => !expandedSet.has(n)),
    missing,
    unexpected,
    expanded,
  };
}

/**
 * Reads a checkpoint's provenance without loading any tensor.
 *
 * @throws {SyntaxError} for a malformed file or one without memspec provenance.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { readCheckpointInfo, saveCheckpoint } from "./checkpoint.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const w = tensor([1], [1]);
 * await saveCheckpoint(`${dir}/c.safetensors`, { params: { w }, meta: { note: "x" } });
 * deepStrictEqual((await readCheckpointInfo(`${dir}/c.safetensors`)).meta, { note: "x" });
 * w.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readCheckpointInfo(path: string): Promise<CheckpointProvenance> {
  return parseProvenance(path, decodeSafetensors(await Deno.readFile(path), path));
}
