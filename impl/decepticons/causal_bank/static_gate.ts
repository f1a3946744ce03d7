/**
 * The static bank gate of the causal bank
 * (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7),
 * `static_bank_gate`): g = 1 + span·tanh(β) per mode group, β starting at 0
 * (g = 1), span = 0.5, so g ∈ (1 − span, 1 + span). The original has two groups
 * (non-oscillatory and oscillatory modes); the byte model's bank has no
 * oscillatory pairs, so it has one β for every mode. memspec applies the gate
 * once to the final states, however many blocks run (the original multiplies
 * by g after every block and again after the loop: g^B).
 *
 * @example β = 0 leaves the states as they are
 * ```ts
 * import { staticGateValue } from "./static_gate.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(staticGateValue(0, 0.5), 1);
 * ```
 *
 * @module
 */
import { type Tensor, tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";
import { add, mul } from "../../ops/binary.ts";
import { tanh } from "../../ops/unary.ts";
import { checkTensor } from "./_check.ts";

/** The original's gate span. */
export const BANK_GATE_SPAN = 0.5;

/**
 * g = 1 + span·tanh(β), in f64 on the host.
 *
 * @throws {TypeError|RangeError} for β not finite or a span outside (0, 1).
 */
export function staticGateValue(beta: number, span: number = BANK_GATE_SPAN): number {
  if (typeof beta !== "number" || typeof span !== "number") {
    throw new TypeError(
      "Cannot compute the static bank gate: expected beta and span as numbers but got " +
        `${typeof beta} and ${typeof span}`,
    );
  }
  if (!Number.isFinite(beta) || !(span > 0 && span < 1)) {
    throw new RangeError(
      "Cannot compute the static bank gate: expected beta finite and span in (0, 1) but got " +
        `beta = ${beta}, span = ${span}`,
    );
  }
  return 1 + span * Math.tanh(beta);
}

/**
 * g = 1 + span·tanh(β) of a gate parameter β on the GPU; differentiable. Call inside `tidy()`.
 *
 * @throws {TypeError} for a tensor that is not a live f32 tensor of the documented shape.
 * @throws {RangeError} for a span outside (0, 1).
 */
export function staticGate(beta: Tensor, span: number = BANK_GATE_SPAN): Tensor {
  checkTensor("staticGate", "β", beta, [-1]);
  if (typeof span !== "number" || !(span > 0 && span < 1)) {
    throw new RangeError(`Cannot run staticGate: expected span in (0, 1) but got ${shown(span)}`);
  }
  return add(tensor([1], [1]), mul(tanh(beta), tensor([span], [1])));
}
