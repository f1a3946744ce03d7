/**
 * The substrate regulariser of the causal bank
 * (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7),
 * `substrate_regularization(step)` with `adaptive_reg`), on the parameters the
 * forward reads:
 *
 * - learnable decays d ∈ R^M: R = scale·[10 Σ_m relu(0.01 − d_m) + 10 Σ_m relu(d_m − 0.9999)
 *   + 0.1·mean_{i≠j} exp(−(d_i − d_j)²/0.01)];
 * - learned recurrence: R = scale·10⁻⁴·‖W_g‖², on the gate weights W_g the forward reads
 *   (the original takes the decay branch here, on decays its forward never reads);
 * - scale = 1 + √(step/1000) with `adaptiveReg`, else 1.
 *
 * @example The scale at step 4000 with adaptiveReg
 * ```ts
 * import { regularizerScale } from "./regularizer.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(regularizerScale(4000, true), 3);
 * strictEqual(regularizerScale(4000, false), 1);
 * ```
 *
 * @module
 */
import { Tensor, tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";
import { add, mul, sub } from "../../ops/binary.ts";
import { exp, relu } from "../../ops/unary.ts";
import { sum } from "../../ops/reduce.ts";
import { reshape } from "../../ops/reshape.ts";
import { checkTensor } from "./_check.ts";

function checkScale(fn: string, scale: unknown): void {
  if (typeof scale !== "number") {
    throw new TypeError(`Cannot run ${fn}: expected scale as a number but got ${shown(scale)}`);
  }
  if (!(Number.isFinite(Math.fround(scale)) && scale >= 0)) {
    throw new RangeError(`Cannot run ${fn}: expected scale finite (f32) and >= 0 but got ${scale}`);
  }
}

/** Weight of the learned-recurrence gate penalty ‖W_g‖². */
export const GATE_REG_WEIGHT = 1e-4;
/** Lower edge of the decays' allowed range. */
export const DECAY_REG_LO = 0.01;
/** Upper edge of the decays' allowed range. */
export const DECAY_REG_HI = 0.9999;
/** Width (squared distance scale) of the diversity kernel. */
export const DECAY_REG_WIDTH = 0.01;

/**
 * scale = 1 + √(step/1000) with `adaptive`, else 1.
 *
 * @throws {TypeError|RangeError} for a step that is not a finite number ≥ 0 or a non-boolean flag.
 */
export function regularizerScale(step: number, adaptive: boolean): number {
  if (typeof step !== "number" || typeof adaptive !== "boolean") {
    throw new TypeError(
      "Cannot scale the substrate regulariser: expected step as a number and adaptiveReg as a " +
        `boolean but got ${typeof step} and ${typeof adaptive}`,
    );
  }
  if (!(Number.isFinite(step) && step >= 0)) {
    throw new RangeError(
      `Cannot scale the substrate regulariser: expected step finite and >= 0 but got ${step}`,
    );
  }
  return adaptive ? 1 + Math.sqrt(step / 1000) : 1;
}

/**
 * The decay regulariser R(d) without its scale, in f64 on the host.
 *
 * @throws {TypeError|RangeError} for decays that are not at least two finite numbers.
 */
export function decayRegularizerValue(decays: ArrayLike<number>): number {
  if (decays === null || typeof decays !== "object" || typeof decays.length !== "number") {
    throw new TypeError(
      `Cannot compute the decay regulariser: expected decays as an array but got ${decays}`,
    );
  }
  const m = decays.length;
  if (m < 2) {
    throw new RangeError(
      `Cannot compute the decay regulariser: expected at least 2 decays (the diversity term ` +
        `averages over pairs) but got ${m}`,
    );
  }
  let range = 0;
  let div = 0;
  for (let i = 0; i < m; i++) {
    const di = decays[i]!;
    if (typeof di !== "number" || !Number.isFinite(di)) {
      throw new RangeError(
        `Cannot compute the decay regulariser: expected finite decays but got ${di} at ${i}`,
      );
    }
    range += 10 * Math.max(DECAY_REG_LO - di, 0) + 10 * Math.max(di - DECAY_REG_HI, 0);
    for (let j = 0; j < m; j++) {
      if (j !== i) div += Math.exp(-((di - decays[j]!) ** 2) / DECAY_REG_WIDTH);
    }
  }
  return range + (0.1 * div) / (m * (m - 1));
}

/**
 * scale·R(d) of a decay parameter d [M] (M ≥ 2) on the GPU, shape []; differentiable in d.
 * Records GPU work; call inside `tidy()`.
 *
 * @throws {TypeError} for a tensor that is not a live f32 tensor of the documented shape.
 * @throws {RangeError} for fewer than 2 decays or a scale not finite and >= 0.
 */
export function decayRegularizer(d: Tensor, scale: number): Tensor {
  checkTensor("decayRegularizer", "decays", d, [-1]);
  checkScale("decayRegularizer", scale);
  const m = d.size;
  if (m < 2) {
    throw new RangeError(
      `Cannot run decayRegularizer: expected at least 2 decays (the diversity term averages ` +
        `over pairs) but got ${m}`,
    );
  }
  const lo = sum(relu(sub(tensor([DECAY_REG_LO], [1]), d)));
  const hi = sum(relu(sub(d, tensor([DECAY_REG_HI], [1]))));
  const diff = sub(reshape(d, [m, 1]), reshape(d, [1, m]));
  const off = new Float32Array(m * m).fill(1);
  for (let i = 0; i < m; i++) off[i * m + i] = 0;
  // The mask drops the diagonal exactly (exp(0) = 1 there), instead of subtracting M later.
  const kern = mul(
    exp(mul(mul(diff, diff), tensor([-1 / DECAY_REG_WIDTH], [1]))),
    tensor(off, [m, m]),
  );
  const div = mul(sum(kern), tensor([0.1 / (m * (m - 1))], [1]));
  const total = add(mul(add(lo, hi), tensor([10], [1])), div);
  return reshape(mul(total, tensor([scale], [1])), []);
}

/**
 * scale·10⁻⁴·‖W_g‖² of the learned recurrence's gate weights on the GPU, shape [];
 * differentiable in W_g. Records GPU work; call inside `tidy()`.
 *
 * @throws {TypeError} for a tensor that is not a live f32 tensor of the documented shape.
 * @throws {RangeError} for a scale not finite and >= 0.
 */
export function gateRegularizer(wg: Tensor, scale: number): Tensor {
  if (!(wg instanceof Tensor)) checkTensor("gateRegularizer", "gate weights", wg, [-1, -1]);
  checkTensor("gateRegularizer", "gate weights", wg, wg.shape.map(() => -1));
  checkScale("gateRegularizer", scale);
  return reshape(mul(sum(mul(wg, wg)), tensor([GATE_REG_WEIGHT * scale], [1])), []);
}
