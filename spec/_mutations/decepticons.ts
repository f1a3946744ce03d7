/**
 * Planted bugs of the decepticons family: each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

/** The decepticons family's planted bugs. */
export const DECEPTICONS_MUTATIONS: readonly Mutation[] = [];
