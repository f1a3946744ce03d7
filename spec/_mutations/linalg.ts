/**
 * Planted bugs of the linalg family: each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

/** The linalg family's planted bugs. */
export const LINALG_MUTATIONS: readonly Mutation[] = [];
