/**
 * Claims of the fast-weight memory used as a key-value store.
 *
 * Seeds in the training claims are memspec's own (the counter-based `Rng` of
 * impl/gpu/rng.ts), not numpy's PCG64 streams: the original's numbers are
 * matched through fixtures that carry numpy's draws instead.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "fastweights", ...c });
}

// --- the fast-weight memory as a store ---

const STORE = "cybertronai/schmidhuber-problems PR #8, fast-weights-unknown-delay: the gated " +
  "rank-1 write W += η g v kᵀ; memspec: that memory used as a key-value store";

/** Orthonormal keys. */
export const STORE_ORTHONORMAL = claim({
  id: "fastweights.store.property_orthonormal_readback",
  statement: "values written under orthonormal keys with gate 1 and η = 1 read back exactly",
  source: STORE,
  bound: "every read within its running f32 error bound of the stored value (ratio <= 1)",
  kind: "property",
});

/** Gate 0. */
export const STORE_GATE_ZERO = claim({
  id: "fastweights.store.property_gate_zero",
  statement: "a write with gate 0 leaves the memory bit-for-bit unchanged",
  source: STORE,
  bound: "0 differing bits",
  kind: "property",
});

/** Linearity. */
export const STORE_LINEARITY = claim({
  id: "fastweights.store.property_read_linearity",
  statement: "reads are linear in the stored values: read(a·V₁ + b·V₂) = a·read(V₁) + b·read(V₂)",
  source: STORE,
  bound: "every read within its running f32 error bound (ratio <= 1)",
  kind: "property",
});

/** Model-based interleavings. */
export const STORE_MODEL = claim({
  id: "fastweights.store.property_model_interleavings",
  statement: "random interleavings of write, read and reset never disagree with a plain f64 model",
  source: STORE,
  bound: "every read within its running f32 error bound (ratio <= 1)",
  kind: "property",
});

/** Bad input raises the documented error before any GPU work. */
export const STORE_FAULTS = claim({
  id: "fastweights.store.fault_arguments",
  statement:
    "FastWeightStore rejects bad sizes, a non-finite η, lengths that disagree and non-finite keys, values, gates or queries with the documented error, leaving the state unchanged and no GPU buffer behind",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "fault cases without the documented error, or leaving buffers or state behind = 0",
  kind: "fault",
});

/** Long writes are split, not refused. */
export const STORE_LONG_WRITES = claim({
  id: "fastweights.store.property_long_writes",
  statement: "one writeMany call of any length (1, 9,999 and 100,000 writes) is split over " +
    "launches that fit the adapter's loop budget and gives the exact sum W = Σ η g v kᵀ",
  source: "memspec: the fast-weight store's writes-per-call contract (no per-call limit)",
  bound: "max |W − exact| = 0 on integer-valued writes (every partial sum exact in f32)",
  kind: "property",
});
