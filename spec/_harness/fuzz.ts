/**
 * fast-check settings shared by every property: a fixed default seed so runs
 * are reproducible, overridable for replay with `FC_SEED` and `FC_PATH`
 * (printed by every failure), and `FC_RUNS` to fuzz longer.
 *
 * @module
 */
import type fc from "fast-check";

/** The default seed of every property, so a run is reproducible. */
export const DEFAULT_SEED = 20261124;

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Parameters for `fc.assert`: seed and path from the environment when replaying. */
export function fcParams<T>(numRuns: number): fc.Parameters<T> & { seed: number } {
  const seed = Number(env("FC_SEED") ?? DEFAULT_SEED);
  const path = env("FC_PATH");
  const runs = Number(env("FC_RUNS") ?? numRuns);
  return {
    seed,
    numRuns: Math.max(runs, numRuns),
    ...(path ? { path } : {}),
    endOnFailure: false,
  };
}

/** The one-line command replaying a failed property. */
export function replayHint(claimId: string): string {
  return `replay: FC_SEED=<seed> FC_PATH=<path> npx -y deno@2.9.6 task test --filter "${claimId}" ` +
    `(seed and path are in the fast-check report below)`;
}
