/**
 * Planted bugs of memspec's ops pointwise building blocks: each a real mistake an
 * implementation could make, and the claims that must catch it.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

/** The planted bugs of this group. */
export const OPS_POINTWISE_MUTATIONS: readonly Mutation[] = [];
