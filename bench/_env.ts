/**
 * Optional settings of the benches read from the environment. `deno task bench` grants env
 * access to the fuzz variables only, so reading any other variable throws `NotCapable` there;
 * a bench setting is optional, and an unreadable one is unset (the bench runs its defaults).
 *
 * @example
 * ```ts
 * import { optionalEnv } from "./_env.ts";
 * const sizes = (optionalEnv("MY_BENCH_SIZES") ?? "64,256").split(",").map(Number);
 * ```
 *
 * @module
 */

/**
 * The variable `name`, or undefined when it is unset or the process may not read it.
 * Any other error of `Deno.env.get` (an invalid name) is rethrown.
 */
export function optionalEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) return undefined;
    throw e;
  }
}
