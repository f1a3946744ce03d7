/**
 * The fault claim of the amygdala family's public surface (impl/amygdala/mod.ts): every
 * exported function, constructor and method, fuzzed with malformed arguments.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Every public entry point refuses malformed arguments with a typed, named error. */
export const AMY_PUBLIC_FAULTS: Claim = declareClaim({
  id: "amygdala.public_api.fault_fuzz",
  family: "amygdala",
  kind: "fault",
  statement: "every function, constructor and method exported by impl/amygdala/mod.ts " +
    "refuses malformed arguments (wrong shapes and types, NaN and ±Infinity activations, " +
    "empty lists, non-integers, negative counts, malformed corpora, sources and readouts, " +
    "paths of the wrong type, disposed tensors, calls after dispose) with a TypeError, " +
    "RangeError or SyntaxError naming itself and what it expected, before any file or GPU " +
    "work, leaving the live-buffer count and the object's state unchanged",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "failing (export, poison) cases = 0, per export",
});
