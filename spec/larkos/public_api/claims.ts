/**
 * The fault claim of the larkos family's public surface (impl/larkos/mod.ts): every exported
 * function, constructor and method, fuzzed with malformed arguments.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Every public entry point refuses malformed arguments with a typed, named error. */
export const LK_PUBLIC_FAULTS: Claim = declareClaim({
  id: "larkos.public_api.fault_fuzz",
  family: "larkos",
  kind: "fault",
  statement: "every function, constructor and method exported by impl/larkos/mod.ts " +
    "refuses malformed arguments (wrong shapes, dtypes and types, NaN and ±Infinity, graphs " +
    "without self-loops or of the wrong node count, malformed neuron maps, memories of the " +
    "wrong width, bad weight records and statistics, huge sizes, non-integers, negative " +
    "counts, non-boolean flags, disposed tensors, calls after dispose) with a TypeError, " +
    "RangeError, SyntaxError or memspec error naming itself and what it expected, before any " +
    "file or GPU work, leaving the live-buffer count and the object's state unchanged",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "failing (export, poison) cases = 0, per export",
});
