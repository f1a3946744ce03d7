/**
 * Errors that WebGPU reports asynchronously (error scopes resolve later than
 * the call that caused them). Ops stay synchronous: they register the scope's
 * promise here, and every host sync awaits the list and throws the first
 * error, typed and naming the kernel or allocation that caused it.
 *
 * @module
 */
import { deviceLostError, takeUncapturedErrors } from "./device.ts";
import { GpuOutOfMemoryError, KernelValidationError } from "./errors.ts";

const pending: Promise<Error | null>[] = [];

/** Registers an asynchronous check; it is awaited at the next {@link throwPendingErrors}. */
export function deferCheck(check: Promise<Error | null>): void {
  pending.push(check);
}

/**
 * Awaits every registered check and throws the first error found, then any
 * error the device raised outside a scope, then a device loss.
 */
export async function throwPendingErrors(): Promise<void> {
  const checks = pending.splice(0, pending.length);
  const results = await Promise.all(checks);
  const first = results.find((e) => e !== null);
  if (first) {
    // The same fault may also have been reported unscoped; it must not resurface later.
    takeUncapturedErrors();
    throw first;
  }
  const stray = takeUncapturedErrors()[0];
  if (stray !== undefined) {
    if (stray instanceof GPUOutOfMemoryError) {
      throw new GpuOutOfMemoryError("complete GPU work", stray.message);
    }
    throw new KernelValidationError("<unscoped>", null, null, stray.message);
  }
  const lost = deviceLostError();
  if (lost !== null) throw lost;
}
