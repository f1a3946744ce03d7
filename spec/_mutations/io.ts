/**
 * Planted bugs of memspec's io building blocks: each a real mistake an
 * implementation could make, and the claims that must catch it.
 *
 * Layers: the f16/bf16 rounding (forward), the safetensors reader's checks
 * (fault), and the checkpoint's restore and atomic write (training, fault).
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("io");
const ST = ["spec/io/safetensors_test.ts"];
const CK = ["spec/io/checkpoint_test.ts"];

/** The planted bugs of this group. */
export const IO_MUTATIONS: readonly Mutation[] = [
  planted("safetensors", "f16_truncates", "forward", {
    file: "impl/io/f16.ts",
    find: "if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;",
    replace: "// the dropped bits are discarded: truncation toward zero",
    tests: ST,
    filter: claims("safetensors", "fixture_parity_half", "property_half_rounding"),
    why: "f32 → f16 truncates the 13 dropped mantissa bits instead of rounding to nearest even " +
      "(a bare shift): every value above a half-way point comes out one ulp low",
  }),
  planted("safetensors", "bf16_ties_away", "forward", {
    file: "impl/io/f16.ts",
    find: "const bias = 0x7fff + ((u >>> 16) & 1);",
    replace: "const bias = 0x8000;",
    tests: ST,
    filter: claims("safetensors", "fixture_parity_half", "property_half_rounding"),
    why: "f32 → bf16 rounds ties away from zero (add 0x8000, shift) instead of to even: " +
      "wrong exactly on the ties whose kept significand is even",
  }),
  planted("safetensors", "header_big_endian", "forward", {
    file: "impl/io/safetensors.ts",
    find: "new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)",
    replace: "new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false)",
    tests: ST,
    filter: claims("safetensors", "fixture_parity", "property_round_trip"),
    why: "the 8-byte header length read as big-endian (DataView's default): every real file's " +
      "header length becomes astronomically large",
  }),
  planted("safetensors", "overlap_off_by_one", "fault", {
    file: "impl/io/safetensors.ts",
    find: "if (e.begin < covered) {",
    replace: "if (e.begin < covered - 1) {",
    tests: ST,
    filter: claims("safetensors", "fault"),
    why: "the overlap check compares against the last byte of the previous tensor instead of " +
      "its end: two tensors sharing one byte pass as contiguous",
  }),
  planted("safetensors", "metadata_values_unchecked", "fault", {
    file: "impl/io/safetensors.ts",
    find: 'if (typeof v !== "string") {',
    occurrence: 1,
    replace: 'if (typeof v === "symbol") {',
    tests: ST,
    filter: claims("safetensors", "fault"),
    why: "the reader accepts __metadata__ values that are not strings (numbers, objects), which " +
      "the format forbids and other readers reject",
  }),
  planted("checkpoint", "step_not_restored", "training", {
    file: "impl/io/checkpoint.ts",
    find: "stateWrites.push([i, { m: mv[0]!, v: mv[1]!, step }]);",
    replace: "stateWrites.push([i, { m: mv[0]!, v: mv[1]!, step: 0 }]);",
    tests: CK,
    filter: claims("checkpoint", "behaviour_resume_bitexact"),
    why: "the moments are restored but the step count restarts at 0, so the bias corrections " +
      "1 − βᵗ after a resume use the wrong t",
  }),
  planted("checkpoint", "strict_ignores_shapes", "fault", {
    file: "impl/io/checkpoint.ts",
    find: "if (misShaped.length > 0) problems.push",
    replace: "if (!strict && misShaped.length > 0) problems.push",
    tests: CK,
    filter: claims("checkpoint", "fault_strict"),
    why: "strict loading checks names but not shapes: a mis-shaped tensor is written into a " +
      "buffer of another size",
  }),
  planted("checkpoint", "expand_saved_stride", "forward", {
    file: "impl/io/checkpoint.ts",
    find: "fo = fo * freshShape[k]! + idx[k]!;",
    replace: "fo = fo * savedShape[k]! + idx[k]!;",
    tests: CK,
    filter: claims("checkpoint", "property_expand_copy"),
    why: "expandCopy indexes the new tensor with the saved tensor's strides: right for " +
      "rank 1 and the first dimension, scrambled for every other",
  }),
  planted("checkpoint", "rename_skipped", "fault", {
    file: "impl/io/atomic.ts",
    find: "await writer(tmp, bytes);\n    await Deno.rename(tmp, path);",
    replace: "await writer(path, bytes);",
    tests: CK,
    filter: claims("checkpoint", "fault_interrupted_save"),
    why: "the file is written in place instead of to a temporary name renamed over it: a save " +
      "interrupted half-way leaves a truncated file under the checkpoint's name",
  }),
];
