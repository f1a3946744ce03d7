/**
 * Claims of memspec's io building blocks (impl/io): the safetensors format on
 * bytes and files, f32 ↔ f16/bf16 rounding, conversions to GPU tensors, and
 * checkpoints. Tested in ./safetensors_test.ts and ./checkpoint_test.ts.
 *
 * Every figure here is a count of failures (bound 0, direction `==`), or a
 * difference that must be exactly zero: reading and writing bytes is exact, so
 * no tolerance applies.
 *
 * @module
 */
import { type Claim, declareClaim } from "../_harness/claim.ts";

const FORMAT = 'huggingface/safetensors README, "Format" (8-byte little-endian u64 header ' +
  "length, UTF-8 JSON header with dtype, shape, data_offsets and __metadata__, byte buffer)";
const IEEE = "IEEE 754-2019 §4.3.1 (roundTiesToEven), binary16; numpy float16 " +
  "(npy_floatbits_to_halfbits); PyTorch c10::BFloat16 round_to_nearest_even";
const CHECKPOINT = "PyTorch torch.nn.Module.load_state_dict (strict, missing/unexpected keys) " +
  "and torch.optim.Optimizer.state_dict; POSIX rename(2) (atomic replacement)";

function claim(c: Omit<Claim, "family" | "direction">): Claim {
  return declareClaim({ family: "io", direction: "==", ...c });
}

// ------------------------------------------------------------------ safetensors

/** memspec reads numpy-written files of every dtype. */
export const ST_FIXTURE_PARITY = claim({
  id: "io.safetensors.fixture_parity",
  kind: "parity",
  statement: "decodeSafetensors reads every numpy-written file of fixtures/io (F64, F32, F16, " +
    "BF16, I64, I32, U8, BOOL; scalars, empty and rank-3 tensors, NaN payloads, non-ASCII " +
    "names, metadata) to the dtypes, shapes, bytes and metadata numpy wrote",
  source: `${FORMAT}; fixtures/gen/io_safetensors_fixtures.py (numpy writer)`,
  bound: "mismatched tensors + mismatched metadata + missing or extra names == 0",
});

/** memspec writes what the numpy writer writes. */
export const ST_FIXTURE_WRITTEN = claim({
  id: "io.safetensors.fixture_parity_written",
  kind: "parity",
  statement: "encodeSafetensors writes, for the tensors and metadata of every numpy-written " +
    "file, the same bytes as the numpy writer (header order, compact JSON, space padding to 8 " +
    "bytes, data layout), so the numpy reader, which reads every file the numpy writer " +
    "writes, reads memspec's files",
  source: `${FORMAT}; the reference Rust writer's layout (tensors by dtype size then name, ` +
    "__metadata__ first, header padded to 8 bytes); fixtures/gen/io_safetensors_fixtures.py",
  bound: "files whose re-encoding differs from numpy's bytes in any byte == 0",
});

/** f16 and bf16 conversions against numpy and PyTorch. */
export const ST_FIXTURE_HALF = claim({
  id: "io.safetensors.fixture_parity_half",
  kind: "parity",
  statement: "f32 → f16 rounding matches numpy's astype(float16) bit for bit on ties, " +
    "subnormal and overflow boundaries, NaN payloads and random bit patterns; f16 → f32 " +
    "matches numpy on all 65536 f16 bit patterns; f32 → bf16 matches PyTorch's " +
    ".to(torch.bfloat16) bit for bit on every non-NaN input",
  source: `${IEEE}; fixtures/io/narrow.safetensors, fixtures/io/f16_widen.safetensors`,
  bound: "bit-pattern mismatches == 0 (bf16 NaN inputs: the output must be a NaN)",
  divergence: "PyTorch 1.13's vectorised f32 → bf16 cast writes every NaN as 0xFFFF (sign " +
    "and payload lost); memspec keeps the NaN's sign and its top payload bits (as numpy does " +
    "for f16), so for NaN inputs only NaN-ness is compared.",
});

/** Round to nearest even, against an enumeration oracle. */
export const ST_HALF_ROUNDING = claim({
  id: "io.safetensors.property_half_rounding",
  kind: "property",
  statement: "f32 → f16 and f32 → bf16 return the representable value nearest to the f32 " +
    "(ties to the even significand, overflow past the last rounding interval to ±Inf, signed " +
    "zeros kept) on fuzzed f32 bit patterns, and widening back is exact",
  source: IEEE,
  bound: "fuzzed inputs (fast-check, 10000 runs, every f32 bit pattern reachable) whose result " +
    "differs from the f64 enumeration oracle == 0",
});

/** Fuzzed round trip of every dtype. */
export const ST_ROUND_TRIP = claim({
  id: "io.safetensors.property_round_trip",
  kind: "property",
  statement: "decode(encode(tensors, metadata)) returns every tensor's dtype, shape and bit " +
    "pattern (NaN payloads and signs of F64, F32, F16 and BF16 included) and the metadata, " +
    "for fuzzed sets of tensors of every dtype and rank 0 to 4 with fuzzed names",
  source: FORMAT,
  bound: "failing fast-check runs (500 runs, shrinking on failure) == 0",
});

/** Round trip through GPU tensors. */
export const ST_TENSORS = claim({
  id: "io.safetensors.property_tensors",
  kind: "property",
  statement: "saveTensors/loadTensors round-trip f32 and i32 GPU tensors exactly; F16 and " +
    "BF16 storage equal the host rounding of the read-back values; F64, F16, BF16, I64, U8 and " +
    "BOOL entries upload as the f32/i32 values they denote; no buffer leaks",
  source: FORMAT,
  bound: "elements differing from the expected bit pattern == 0",
});

/** Malformed files and bad inputs. */
export const ST_FAULT = claim({
  id: "io.safetensors.fault",
  kind: "fault",
  statement: "every malformed file (header length past the end, bad UTF-8 or JSON, a header " +
    "that is not an object, overlapping, out-of-range or non-contiguous offsets, a byte size " +
    "other than prod(shape) × dtype size, an unknown dtype, bad shape entries, non-string " +
    "metadata) is a SyntaxError naming the file and the fault, and loadTensors of it leaves " +
    "the live GPU-buffer count unchanged; bad tensors to encode are TypeErrors, an I64 " +
    "outside int32 a RangeError before any upload, a disposed tensor to save a " +
    "DisposedTensorError",
  source: FORMAT,
  bound: "cases not raising the documented error (class, file name, fault named) or " +
    "changing the live buffer count == 0",
});

// ------------------------------------------------------------------ checkpoints

/** Resuming from a checkpoint is bit-exact. */
export const CK_RESUME = claim({
  id: "io.checkpoint.behaviour_resume_bitexact",
  kind: "behaviour",
  statement: "a 2-layer MLP (matmul, add, relu, MSE) trained with Adam for 12 steps, " +
    "checkpointed at step 6 and loaded into a fresh model and a fresh Adam, ends with " +
    "parameters and moments bit for bit equal to an uninterrupted 12-step run (and AdamW " +
    "likewise)",
  source: `${CHECKPOINT}; Kingma & Ba 2015, Algorithm 1 (the step count enters the bias ` +
    "correction)",
  bound: "elements of parameters and moments whose bit pattern differs == 0",
});

/** Save and load are exact; provenance is recorded. */
export const CK_ROUND_TRIP = claim({
  id: "io.checkpoint.property_round_trip",
  kind: "property",
  statement: "saveCheckpoint/loadCheckpoint restore f32 and i32 parameters exactly, write the " +
    "provenance (format, memspec version from deno.json, date, the caller's meta, names, " +
    "shapes, dtypes, optimiser steps) into the file and its JSON sidecar (with the file's " +
    "sha256); non-strict loading reports and tolerates missing and unexpected names",
  source: CHECKPOINT,
  bound: "mismatched values or provenance fields == 0",
});

/** expandCopy. */
export const CK_EXPAND = claim({
  id: "io.checkpoint.property_expand_copy",
  kind: "property",
  statement: "non-strict loading with expandCopy puts saved[:m₁, …, :m_k] into the overlap of " +
    "every dimension and keeps the tensor's current values elsewhere, for grown, shrunk and " +
    "mixed shapes of rank 1 to 3 (Adam moments expanded with zeros)",
  source: CHECKPOINT,
  bound: "elements differing from the host oracle == 0",
});

/** Strict and non-strict refusals. */
export const CK_FAULT_STRICT = claim({
  id: "io.checkpoint.fault_strict",
  kind: "fault",
  statement: "strict loading refuses any missing, unexpected or mis-shaped tensor with one " +
    "TypeError listing all of them; non-strict loading refuses a shape mismatch without " +
    "expandCopy; a refused load changes no parameter and leaks no buffer",
  source: CHECKPOINT,
  bound: "cases not refused as documented, or refused loads that changed a value == 0",
});

/** Interrupted saves. */
export const CK_FAULT_INTERRUPTED = claim({
  id: "io.checkpoint.fault_interrupted_save",
  kind: "fault",
  statement: "a save whose writer fails half-way leaves the previous checkpoint loading " +
    "exactly as before, no file under a new checkpoint's name and no temporary file behind",
  source: CHECKPOINT,
  bound: "cases where a partial file is taken, the old checkpoint changed, or a temporary " +
    "file is left == 0",
});
