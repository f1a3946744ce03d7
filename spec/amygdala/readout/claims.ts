/**
 * Claims of the amygdala readout artefact and its runtime projection
 * (impl/amygdala/readout): the file contract, unit norm after fp16, the
 * readout's linearity, GPU parity with the f64 oracle, numpy parity in both
 * directions, and the faults. Tested in ./readout_test.ts.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const TRAINER = "kent/consciousness:training/amygdala_training/train_steering_vectors.py " +
  "(Kent Overstreet's amygdala trainer), docstring: readout.safetensors with layer_<idx>.vectors " +
  "fp16 (n_concepts, hidden_size) and readout.json {concepts, layers, hidden_size, dtype}";
const RUNTIME = "kent/consciousness:src/agent/api/mod.rs @0f1c4cf (TokenReadout, a per-token " +
  '[n_layers][n_concepts] readout) and doc/amygdala-design.md ("dot product of current ' +
  'activation with probe vector")';
const FORMAT = 'huggingface/safetensors README, "Format"; IEEE 754-2019 binary16, ' +
  "roundTiesToEven (numpy astype(float16))";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "amygdala", ...c });
}

/** The file contract, by a fuzzed round trip. */
export const READOUT_FILE_CONTRACT = claim({
  id: "amygdala.readout.property_file_contract",
  kind: "property",
  statement: "writeReadout → readReadout round-trips every readout exactly: one F16 tensor " +
    "layer_<idx>.vectors of shape (n_concepts, hidden_size) per layer and nothing else, a " +
    "manifest {concepts, layers, hidden_size, dtype: float16} in the given orders (layers " +
    "unsorted included), row c of every layer the f16 rounding of concept c's vector",
  source: `${TRAINER}; ${FORMAT}`,
  bound: "fuzzed readouts (fast-check, 60 runs: 1–7 concepts, 1–4 layers, H 1–70) with any " +
    "mismatch in names, shapes, dtypes, manifest fields, row order or bits == 0",
  direction: "==",
});

/** Unit rows stay unit after f32 and f16 rounding, to a derived bound. */
export const READOUT_UNIT_NORM = claim({
  id: "amygdala.readout.property_unit_norm",
  kind: "property",
  statement: "a unit direction (f64) stored as f32 and then as f16 keeps |‖d‖₂ − 1| within " +
    "the rounding bound: 2⁻²⁴ + γ after f32 and 2⁻¹¹ + 2⁻²⁴ + √H·2⁻²⁵ after f16 (relative " +
    "half-ulp per element, plus the absolute half-ulp of f16 subnormals), tighter than the " +
    "original's 2e-3",
  source: `${TRAINER} (pooled CAA rows unit per layer, stored as fp16); IEEE 754-2019 ` +
    "§2.1 (unit roundoff 2⁻¹¹ for binary16, 2⁻²⁴ for binary32)",
  bound: "worst |‖d‖ − 1| / bound over 400 fuzzed directions (H 1–1024, spread and spiky) <= 1",
});

/** The readout is linear in the token state. */
export const READOUT_LINEARITY = claim({
  id: "amygdala.readout.property_linearity",
  kind: "property",
  statement: "the GPU readout is linear: r(a·h₁ + b·h₂) = a·r(h₁) + b·r(h₂) within the sum of " +
    "the three products' accumulation bounds and the f32 rounding of a·h₁ + b·h₂",
  source: RUNTIME,
  bound: "worst |r(a h₁ + b h₂) − a r(h₁) − b r(h₂)| / (γ_H·(Σ|x||V| + |a|Σ|h₁||V| + " +
    "|b|Σ|h₂||V|) + u·Σ|a h₁ + b h₂||V|) over 40 fuzzed cases <= 1",
});

/** The GPU readout against the f64 oracle. */
export const READOUT_GPU_PARITY = claim({
  id: "amygdala.readout.gpu_parity",
  kind: "parity",
  statement: "ReadoutProjector.project (r = h Vᵀ on the GPU, [T, C]) matches the f64 oracle " +
    "element by element for fuzzed batches of tokens (T, C and H of 1, primes and past the " +
    "workgroup size, f16-stored and arbitrary f32 vectors)",
  source: `${RUNTIME}; PyTorch torch.matmul semantics`,
  bound: "T3 (invariants/tolerance.ts accumulationBound): γ_H·Σ_k|h_tk||V_ck| + 2H·2⁻¹²⁶ per " +
    "element; worst ratio over 100 fuzzed runs (fast-check) <= 1",
});

/** memspec reads numpy-written readout folders. */
export const READOUT_FIXTURE_PARITY = claim({
  id: "amygdala.readout.fixture_parity",
  kind: "parity",
  statement: "readReadout reads the numpy-written readout folder to the concepts, layers, " +
    "hidden size and f16 bit patterns numpy wrote (astype(float16) of the f32 vectors)",
  source: `${TRAINER}; fixtures/gen/amygdala_readout_fixtures.py (numpy writer and reader)`,
  bound: "mismatched fields + mismatched f16 bit patterns == 0",
  direction: "==",
});

/** memspec writes what numpy writes, so numpy's reader reads memspec's folders. */
export const READOUT_FIXTURE_WRITTEN = claim({
  id: "amygdala.readout.fixture_parity_written",
  kind: "parity",
  statement: "writeReadout writes, for the f32 vectors of the numpy fixture, byte for byte the " +
    "numpy writer's readout.safetensors and readout.json, so the numpy reader " +
    "(read_readout, which reads every folder the numpy writer writes) reads memspec's folders",
  source: `${TRAINER}; ${FORMAT}; fixtures/gen/amygdala_readout_fixtures.py`,
  bound: "files whose bytes differ from numpy's in any byte == 0",
  direction: "==",
});

/** Bad readouts and bad inputs raise typed errors naming the file, before any GPU work. */
export const READOUT_FAULT = claim({
  id: "amygdala.readout.fault",
  kind: "fault",
  statement: "a readout folder whose manifest disagrees with its tensors (extra, missing, " +
    "mis-shaped or non-F16 tensor, wrong hidden_size or dtype, malformed JSON or fields) " +
    "raises a SyntaxError naming the file; writeReadout refuses NaN, ±Inf, out-of-f16 values " +
    "and mismatched sizes before writing (the folder is unchanged); project refuses a token " +
    "batch of another hidden size with a TypeError before any GPU work (no buffer leaked)",
  source: `${TRAINER}; memspec's error conventions (README, "Errors")`,
  bound: "cases without the documented error, or with a changed folder or a leaked buffer == 0",
  direction: "==",
});
