/**
 * fast-check settings shared by every property: a fixed default seed so runs
 * are reproducible, overridable for replay with `FC_SEED` and `FC_PATH`
 * (printed by every failure), and `FC_RUNS` to fuzz longer.
 *
 * @module
 */

/** The default seed of every property, so a run is reproducible. */
export const DEFAULT_SEED = 20261124;

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * The run parameters {@link fcParams} sets: a subset of fast-check's `fc.Parameters<T>` (typed
 * here so that the harness's public types do not name fast-check's), accepted by `fc.assert`.
 */
export interface FuzzParameters<T> {
  /** The seed: `FC_SEED`, else {@link DEFAULT_SEED}. */
  seed: number;
  /** Runs: the larger of the property's own count and `FC_RUNS`. */
  numRuns: number;
  /** The replay path of a failed run (`FC_PATH`), when replaying. */
  path?: string;
  /** Always false: a failing property shrinks to its smallest counterexample. */
  endOnFailure: boolean;
  /** Never set here; ties the parameters to the property's values `T`, as `fc.Parameters<T>`. */
  examples?: T[];
}

/**
 * A fast-check arbitrary of `T` (`fc.Arbitrary<T>` from npm:fast-check): what the differential
 * helpers fuzz with. Only the member that fixes `T` is named, so that the harness's public types
 * do not name fast-check's; any `fc.Arbitrary<T>` is one.
 */
export interface CaseArbitrary<T> {
  /** fast-check's own check that `value` is a `T` it can shrink without context. */
  canShrinkWithoutContext(value: unknown): value is T;
}

/**
 * Parameters for `fc.assert`: seed and path from the environment when replaying.
 *
 * @param numRuns the property's own number of runs (`FC_RUNS` may raise it)
 */
export function fcParams<T>(numRuns: number): FuzzParameters<T> {
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
