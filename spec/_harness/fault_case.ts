/**
 * One fault case, checked the one way every fault claim checks it: the call throws the
 * expected error class with the expected message, leaves the live GPU-buffer count where it
 * was, and records no GPU work before throwing. A fault claim runs its list with
 * {@link checkFaults}, checks a valid control call with {@link controlLeak}, and reports with
 * {@link faultMeasurement}.
 *
 * @example
 * ```ts
 * import { checkFault } from "./fault_case.ts";
 * import { strictEqual } from "node:assert/strict";
 * const bad = await checkFault({
 *   name: "negative size",
 *   run: () => { throw new RangeError("Cannot make zeros: expected a size >= 0 but got -1"); },
 *   expect: RangeError,
 *   message: /expected a size >= 0/,
 * });
 * strictEqual(bad, null);
 * ```
 *
 * @module
 */
import { initGpu, liveBufferCount, type Tensor } from "../../impl/mod.ts";
import { batchStats } from "../../impl/gpu/batch.ts";
import type { Measurement } from "./claim.ts";

/** A constructor of the expected error. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** A call that must fail before any GPU work. */
export interface FaultCase {
  /** Shown in the claim's detail. */
  name: string;
  /** The call; may be async. */
  run: () => unknown;
  /** The error class it must throw. */
  expect: ErrorClass;
  /** A pattern the message must match. */
  message?: RegExp;
  /** Words the message must contain, every one. */
  mentions?: readonly string[];
  /** Extra check of the error object: null when it holds, else what is wrong. */
  inspect?: (e: Error) => string | null;
  /** The call may record GPU work before it throws (the throw is the GPU's own report). */
  gpuWorkAllowed?: boolean;
}

/**
 * Runs `c` and says what is wrong with the way it failed, or null when it failed as it must.
 * A value the call wrongly returns is handed to `release` (e.g. to dispose tensors), so that
 * it is reported as this case's failure rather than as a leak of the whole test.
 */
export async function checkFault(
  c: FaultCase,
  release: (value: unknown) => void = () => {},
): Promise<string | null> {
  await initGpu();
  const live = liveBufferCount();
  const dispatches = batchStats().dispatches;
  let thrown: unknown = null;
  let returned = false;
  try {
    release(await c.run());
    returned = true;
  } catch (e) {
    thrown = e;
  }
  if (returned) return `${c.name}: expected ${c.expect.name}, got no error`;
  const msg = thrown instanceof Error ? thrown.message : String(thrown);
  if (!(thrown instanceof c.expect)) {
    return `${c.name}: expected ${c.expect.name}, got ${(thrown as Error)?.name ?? "?"}: ${msg}`;
  }
  if (c.message !== undefined && !c.message.test(msg)) {
    return `${c.name}: message "${msg}" does not match ${c.message}`;
  }
  if (c.mentions !== undefined && !c.mentions.every((s) => msg.includes(s))) {
    return `${c.name}: message "${msg}" lacks one of ${JSON.stringify(c.mentions)}`;
  }
  const extra = c.inspect ? c.inspect(thrown as Error) : null;
  if (extra !== null) return `${c.name}: ${extra}`;
  if (liveBufferCount() !== live) {
    return `${c.name}: leaked ${liveBufferCount() - live} GPU buffers`;
  }
  if (!c.gpuWorkAllowed && batchStats().dispatches !== dispatches) {
    return `${c.name}: recorded GPU work before throwing`;
  }
  return null;
}

/**
 * Runs every case through {@link checkFault}, in order, and returns what was wrong with each case
 * that did not fail as it must (empty when every one did). `release` as for {@link checkFault}.
 */
export async function checkFaults(
  cases: readonly FaultCase[],
  release?: (value: unknown) => void,
): Promise<string[]> {
  const failures: string[] = [];
  for (const c of cases) {
    const wrong = await checkFault(c, release);
    if (wrong !== null) failures.push(wrong);
  }
  return failures;
}

/**
 * A fault claim's control: a valid call must succeed and leak nothing. Runs `call` (which
 * releases what it makes), clears the gradients it left on `parameters`, and returns null when
 * the live GPU-buffer count is back where it was, else how many buffers leaked.
 */
export async function controlLeak(
  parameters: readonly Tensor[],
  call: () => unknown,
): Promise<string | null> {
  const live = liveBufferCount();
  await call();
  for (const p of parameters) {
    p.grad?.dispose();
    p.grad = null;
  }
  const leaked = liveBufferCount() - live;
  return leaked === 0 ? null : `control leaked ${leaked} buffers`;
}

/**
 * A fault claim's measurement: the number of `failures` (cases that did not fail as they must,
 * and any check of state or of a control call that did not hold) against a bound of 0, the
 * detail counting them against the `total` cases and naming each.
 */
export function faultMeasurement(total: number, failures: readonly string[]): Measurement {
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${total - failures.length}/${total} fault cases raised the documented ` +
      `error before GPU work` + (failures.length ? `; ${failures.join("; ")}` : ""),
  };
}
