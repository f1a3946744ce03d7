/**
 * The fault claim of the decepticons family's public surface (impl/decepticons/mod.ts): every
 * exported function, constructor and method, fuzzed with malformed arguments.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Every public entry point refuses malformed arguments with a typed, named error. */
export const DC_PUBLIC_FAULTS: Claim = declareClaim({
  id: "decepticons.public_api.fault_fuzz",
  family: "decepticons",
  kind: "fault",
  statement: "every function, constructor and method exported by impl/decepticons/mod.ts " +
    "refuses malformed arguments (wrong shapes, dtypes and types, NaN and ±Infinity, empty " +
    "arrays, huge sizes, non-integers, negative counts, disposed tensors, calls after dispose) " +
    "with a TypeError, RangeError or memspec error naming itself and what it expected, before " +
    "any GPU work, leaving the live-buffer count and the object's state unchanged",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "failing (export, poison) cases = 0, per export",
});
