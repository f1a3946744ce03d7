/**
 * Conversions between memspec tensors (f32 and i32 on the GPU) and safetensors
 * entries, and file helpers on top of them.
 *
 * To safetensors: f32 tensors become F32 (or, on request, F16 / BF16 rounded to
 * nearest even), i32 tensors I32; every tensor is read back with one host sync.
 * From safetensors: F32, F16 and BF16 widen exactly to f32; F64 rounds to the
 * nearest f32; I32, U8 and BOOL become i32 exactly, I64 too when every value
 * fits in an int32. Everything is checked before the first GPU buffer is
 * created, and a failure part-way releases what was created: a failed load
 * leaves `liveBufferCount()` unchanged.
 *
 * @example Save and load tensors
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { loadTensors, saveTensors } from "./tensors.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const w = tensor([1, 2, 3], [3]);
 * await saveTensors(`${dir}/w.safetensors`, { w });
 * const { tensors } = await loadTensors(`${dir}/w.safetensors`);
 * deepStrictEqual(Array.from(await tensors.w!.toArray()), [1, 2, 3]);
 * w.dispose();
 * tensors.w!.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
import { DisposedTensorError } from "../gpu/errors.ts";
import { formatShape, readTensors, Tensor, tensor } from "../tensor.ts";
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from "./f16.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsInput,
  type SafetensorsTensor,
} from "./safetensors.ts";
import { writeFileAtomic, type WriteFileAtomicOptions } from "./atomic.ts";

/** The float dtype f32 tensors are stored as. */
export type FloatStorage = "F32" | "F16" | "BF16";

/** Options of {@link tensorsToSafetensors}. */
export interface ToSafetensorsOptions {
  /** How f32 tensors are stored: F32 (exact, the default), F16 or BF16 (rounded, ties to even). */
  float?: FloatStorage;
}

function checkTensors(op: string, tensors: Readonly<Record<string, Tensor>>): [string, Tensor][] {
  if (tensors === null || typeof tensors !== "object") {
    throw new TypeError(`Cannot ${op}: expected a record of tensors but got ${tensors}`);
  }
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) {
      throw new TypeError(`Cannot ${op}: expected ${JSON.stringify(name)} to be a Tensor`);
    }
    if (t.disposed) {
      throw new DisposedTensorError(
        `tensor ${JSON.stringify(name)} (shape ${formatShape(t.shape)}) to ${op}`,
      );
    }
  }
  return entries;
}

/**
 * Reads tensors back (one host sync) as safetensors entries.
 *
 * @throws {TypeError} for a value that is not a Tensor, or an unknown float storage.
 * @throws {DisposedTensorError} for a disposed tensor.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { tensorsToSafetensors } from "./tensors.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const w = tensor([1, 0.5], [2]);
 * const entries = await tensorsToSafetensors({ w }, { float: "F16" });
 * deepStrictEqual(Array.from(entries.get("w")!.data as Uint16Array), [0x3c00, 0x3800]);
 * w.dispose();
 * ```
 */
export async function tensorsToSafetensors(
  tensors: Readonly<Record<string, Tensor>>,
  options: ToSafetensorsOptions = {},
): Promise<Map<string, SafetensorsTensor>> {
  const op = "convert tensors to safetensors";
  const float = options.float ?? "F32";
  if (float !== "F32" && float !== "F16" && float !== "BF16") {
    throw new TypeError(`Cannot ${op}: expected float F32, F16 or BF16 but got ${float}`);
  }
  const entries = checkTensors(op, tensors);
  const values = await readTensors(entries.map(([, t]) => t));
  const out = new Map<string, SafetensorsTensor>();
  entries.forEach(([name, t], i) => {
    const v = values[i]!;
    const shape = [...t.shape];
    if (v instanceof Int32Array) out.set(name, { dtype: "I32", shape, data: v });
    else if (float === "F16") out.set(name, { dtype: "F16", shape, data: f32ToF16Bits(v) });
    else if (float === "BF16") out.set(name, { dtype: "BF16", shape, data: f32ToBf16Bits(v) });
    else out.set(name, { dtype: "F32", shape, data: v });
  });
  return out;
}

/**
 * The host values a safetensors entry becomes on the GPU: f32 for F64/F32/F16/BF16, i32 for
 * I64/I32/U8/BOOL.
 *
 * @throws {RangeError} for an I64 value outside int32.
 *
 * @example
 * ```ts
 * import { safetensorsHostValues } from "./tensors.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const v = safetensorsHostValues("x", { dtype: "I64", shape: [2], data: new BigInt64Array([-3n, 4n]) });
 * deepStrictEqual(v, new Int32Array([-3, 4]));
 * ```
 */
export function safetensorsHostValues(
  name: string,
  t: SafetensorsTensor,
): Float32Array | Int32Array {
  switch (t.dtype) {
    case "F32":
      return t.data;
    case "F16":
      return f16BitsToF32(t.data);
    case "BF16":
      return bf16BitsToF32(t.data);
    case "F64":
      return Float32Array.from(t.data);
    case "I32":
      return t.data;
    case "U8":
    case "BOOL":
      return Int32Array.from(t.data);
    case "I64": {
      const out = new Int32Array(t.data.length);
      t.data.forEach((v, i) => {
        if (v < -2147483648n || v > 2147483647n) {
          throw new RangeError(
            `Cannot convert safetensors tensor ${JSON.stringify(name)} (I64) to an i32 tensor: ` +
              `expected values in int32 but got ${v} at index ${i}`,
          );
        }
        out[i] = Number(v);
      });
      return out;
    }
  }
}

/**
 * Uploads safetensors entries as memspec tensors (see the module doc for the dtype mapping).
 * Every entry is converted on the host before the first upload; if an upload fails, the
 * tensors already created are released.
 *
 * @throws {RangeError} for an I64 value outside int32 (nothing allocated).
 *
 * @example
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { safetensorsToTensors } from "./tensors.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const t = safetensorsToTensors({ ids: { dtype: "U8", shape: [2], data: new Uint8Array([7, 9]) } });
 * deepStrictEqual(Array.from(await t.ids!.toArray()), [7, 9]);
 * t.ids!.dispose();
 * ```
 */
export function safetensorsToTensors(entries: SafetensorsInput): Record<string, Tensor> {
  const list = entries instanceof Map
    ? [...entries.entries()]
    : Object.entries(entries as Record<string, SafetensorsTensor>);
  const host = list.map(([name, t]) => [name, t.shape, safetensorsHostValues(name, t)] as const);
  const out: Record<string, Tensor> = {};
  try {
    for (const [name, shape, values] of host) {
      out[name] = tensor(values, shape, { dtype: values instanceof Int32Array ? "i32" : "f32" });
    }
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  }
  return out;
}

/**
 * Reads tensors back (one host sync) and writes them as a safetensors file, atomically
 * (temporary file, then rename).
 *
 * @throws {TypeError} as {@link tensorsToSafetensors} and for non-string metadata.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { readSafetensors } from "./safetensors.ts";
 * import { saveTensors } from "./tensors.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const w = tensor([0.1], [1]);
 * await saveTensors(`${dir}/w.safetensors`, { w }, { note: "demo" }, { float: "BF16" });
 * strictEqual((await readSafetensors(`${dir}/w.safetensors`)).tensors.get("w")!.dtype, "BF16");
 * w.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveTensors(
  path: string,
  tensors: Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
  options: ToSafetensorsOptions & WriteFileAtomicOptions = {},
): Promise<void> {
  const entries = await tensorsToSafetensors(tensors, options);
  await writeFileAtomic(path, encodeSafetensors(entries, metadata), options);
}

/**
 * Reads a safetensors file into memspec tensors. The file is decoded and checked in full
 * before any GPU buffer is created.
 *
 * @throws {SyntaxError} for a malformed file, naming `path` and the fault.
 * @throws {RangeError} for an I64 value outside int32.
 *
 * @example
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { loadTensors } from "./tensors.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const { tensors } = await loadTensors("fixtures/io/plain.safetensors");
 * deepStrictEqual(tensors.ids!.shape, [2, 2]);
 * for (const t of Object.values(tensors)) t.dispose();
 * ```
 */
export async function loadTensors(
  path: string,
): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> | null }> {
  const bytes = await Deno.readFile(path);
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  return { tensors: safetensorsToTensors(tensors), metadata };
}
