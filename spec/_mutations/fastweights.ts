/**
 * Planted bugs of the fastweights family: each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

/** The fastweights family's planted bugs. */
export const FASTWEIGHTS_MUTATIONS: readonly Mutation[] = [];
