/**
 * Claims of elementwise fusion (impl/ops/fused_elementwise.ts): runs of small same-shape
 * binary ops are held back and recorded as one dispatch, which must change nothing a
 * program computes, nothing the leak checks see, and must cut the dispatches it says.
 *
 * @module
 */
import { declareClaim } from "../_harness/claim.ts";

const SOURCE = "memspec's per-op path (impl/ops/fused_elementwise.ts, " +
  "impl/ops/kernels/fused_elementwise.ts, impl/gpu/batch.ts); WebGPU: commands in one pass " +
  "run in recorded order";

/** Fusing changes no value: the fused program equals the per-op kernels bit for bit. */
export const FUSION_BIT_IDENTICAL = declareClaim({
  id: "ops.fusion.property_bit_identical",
  family: "ops",
  kind: "property",
  statement: "for twelve fixed programs (eight a compiler could simplify across ops: " +
    "(a + b) − a, (b − a) + a, (a · b) / b, x − x and x / x, exp(log x) and log(exp x), " +
    "−(−x) and √(x²), (x²)^0.5 and clamp(tanh x); two sizes in a row; a broadcasting op " +
    "reading a held output; a freed input's buffer reused as a later output and as a zero " +
    "fill) and under fuzzed programs of the six " +
    "binary ops and every unary op (with clamp, slope, alpha and exponent attributes) on " +
    "tensors of two sizes (NaN, ±∞, ±0 and 1e30 among the inputs), with disposals that hand " +
    "buffers read by a held run to its later outputs, reads in mid-run, broadcasting ops and " +
    "zero-filled allocations between ops, every read returns the same f32 values (NaN as " +
    "NaN, −0 as −0) as the same program run op by op with fusion off, and liveBufferCount " +
    "equals the model after every step",
  source: SOURCE,
  bound: "0 failing programs (the twelve, and >= 60 fuzzed programs of up to 40 steps)",
});

/** Fusion cuts dispatches as documented, and no further. */
export const FUSION_DISPATCHES = declareClaim({
  id: "ops.fusion.property_dispatch_counts",
  family: "ops",
  kind: "property",
  statement: "a chain of k adds whose intermediates are disposed as it goes records " +
    "⌈k/256⌉ dispatches (k = 255, 256, 257: 1, 1, 2); one whose intermediates all stay alive " +
    "binds at most 16 buffers per run, so 14, 15 and 28 ops record 1, 2 and 2; tensors of " +
    "65535 and 65536 elements fuse and of 65537 do not (4 ops: 1, 1, 4 dispatches); a run " +
    "whose outputs were all disposed unread records none; with fusion off every op records one",
  source: SOURCE,
  bound: "0 counts that differ",
});

/** A refused call holds no fused work. */
export const FUSION_REFUSAL = declareClaim({
  id: "ops.fusion.fault_refusal_records_nothing",
  family: "ops",
  kind: "fault",
  statement: "a binary op refused for mismatched shapes, a wrong dtype or a disposed operand, " +
    "issued while a fused run is held, throws before recording (recordedWork and " +
    "liveBufferCount unchanged) and leaves the held run's results intact",
  source: SOURCE,
  bound: "0 broken checks",
});
