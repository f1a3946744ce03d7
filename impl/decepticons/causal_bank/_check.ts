/**
 * The argument check the causal bank's knob modules share (blocks, polynomial features, the
 * regulariser, the static gate).
 *
 * @module
 */
import { assertLive, Tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";

/** A live f32 tensor of `rank` (and, where given, these sizes; -1 any), or a named error. */
export function checkTensor(
  fn: string,
  what: string,
  x: unknown,
  shape: readonly number[],
): Tensor {
  const want = `[${shape.map((d) => (d < 0 ? "·" : d)).join(", ")}]`;
  if (
    !(x instanceof Tensor) || x.dtype !== "f32" || x.rank !== shape.length ||
    shape.some((d, i) => d >= 0 && x.shape[i] !== d)
  ) {
    const got = x instanceof Tensor ? `${x.dtype} [${x.shape.join(", ")}]` : shown(x);
    throw new TypeError(
      `Cannot run ${fn}: expected ${what} as an f32 Tensor ${want} but got ${got}`,
    );
  }
  assertLive(x, fn, what);
  return x;
}
