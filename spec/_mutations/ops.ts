/**
 * Planted bugs of the ops family: each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

/** The ops family's planted bugs. */
export const OPS_MUTATIONS: readonly Mutation[] = [];
