/**
 * Planted bugs of memspec's nn building blocks: each a real mistake an
 * implementation could make, and the claims that must catch it.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

/** The planted bugs of this group. */
export const NN_MUTATIONS: readonly Mutation[] = [];
