/**
 * memspec's io building blocks: the safetensors format on bytes and files,
 * f32 ↔ f16/bf16 conversions (round to nearest even), conversions between
 * safetensors entries and GPU tensors, atomic file writes, and checkpoints
 * (parameters, Adam/AdamW state, provenance).
 *
 * @example Round trip through bytes
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, f32ToBf16Bits } from "./mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const data = f32ToBf16Bits(new Float32Array([1, -2]));
 * const bytes = encodeSafetensors({ x: { dtype: "BF16", shape: [2], data } });
 * deepStrictEqual(decodeSafetensors(bytes).tensors.get("x")!.data, data);
 * ```
 *
 * @module
 */
export {
  bf16BitsToF32,
  bf16BitsToF32Bits,
  f16BitsToF32,
  f16BitsToF32Bits,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  f32ToBf16Bits,
  f32ToF16Bits,
} from "./f16.ts";
export {
  decodeSafetensors,
  DTYPE_BYTES,
  encodeSafetensors,
  readSafetensors,
  SAFETENSORS_DTYPES,
  type SafetensorsArrays,
  type SafetensorsContents,
  type SafetensorsDType,
  type SafetensorsInput,
  type SafetensorsTensor,
  writeSafetensors,
} from "./safetensors.ts";
export {
  type FloatStorage,
  loadTensors,
  safetensorsToTensors,
  saveTensors,
  tensorsToSafetensors,
  type ToSafetensorsOptions,
} from "./tensors.ts";
export { type FileWriter, writeFileAtomic, type WriteFileAtomicOptions } from "./atomic.ts";
export {
  type AdamStateValues,
  CHECKPOINT_FORMAT,
  type CheckpointContents,
  type CheckpointLoadReport,
  type CheckpointOptimizerInfo,
  type CheckpointProvenance,
  loadCheckpoint,
  type LoadCheckpointOptions,
  MEMSPEC_VERSION,
  readCheckpointInfo,
  saveCheckpoint,
  type SaveCheckpointOptions,
  sidecarPath,
} from "./checkpoint.ts";
