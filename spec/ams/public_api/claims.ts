/**
 * The fault claim of the ams family's public surface (impl/ams/mod.ts): every exported
 * function, constructor and method, fuzzed with malformed arguments.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Every public entry point refuses malformed arguments with a typed, named error. */
export const AMS_PUBLIC_FAULTS: Claim = declareClaim({
  id: "ams.public_api.fault_fuzz",
  family: "ams",
  kind: "fault",
  statement: "every function, constructor and method exported by impl/ams/mod.ts refuses " +
    "malformed arguments (wrong types, lengths, shapes and dtypes, NaN, ±Infinity and values " +
    "past the f32 range, non-unit dirns where unit ones are required, malformed configs, " +
    "weights, matrices, codes, handles and store entries, unknown bundles, removed or " +
    "duplicate ids, empty stores and unbuilt registries, non-integers, negative counts, huge " +
    "sizes, invalid UTF-8, disposed tensors, calls after dispose) with a TypeError, " +
    "RangeError or memspec error naming itself and what it expected, before any GPU work, " +
    "leaving the live-buffer count and the object's state unchanged",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "failing (export, poison) cases = 0, per export",
});
