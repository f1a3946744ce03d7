/**
 * The catalogue of planted bugs, by family. `deno task mutate` applies each in
 * a temporary copy of the tree and runs the claims that must catch it.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";
import { OPS_MUTATIONS } from "./ops.ts";
import { FASTWEIGHTS_MUTATIONS } from "./fastweights.ts";
import { DECEPTICONS_MUTATIONS } from "./decepticons.ts";
import { LINALG_MUTATIONS } from "./linalg.ts";

/** Every planted bug. */
export const MUTATIONS: readonly Mutation[] = [
  ...OPS_MUTATIONS,
  ...FASTWEIGHTS_MUTATIONS,
  ...DECEPTICONS_MUTATIONS,
  ...LINALG_MUTATIONS,
];
