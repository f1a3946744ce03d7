/**
 * Planted bugs of Larkos 0.3's checkpoints (impl/larkos/checkpoint/): each a real mistake a
 * port of the original's fallbacks could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("larkos");
const FILE = "impl/larkos/checkpoint/checkpoint.ts";
const TESTS = ["spec/larkos/checkpoint/checkpoint_test.ts"];

/** The planted bugs of this group. */
export const LARKOS_CHECKPOINT_MUTATIONS: readonly Mutation[] = [
  planted("checkpoint", "expand_copy_off_by_one", "training", {
    file: FILE,
    find: "const overlap = freshShape.map((d, k) => Math.min(d, oldShape[k]!));",
    replace: "const overlap = freshShape.map((d, k) => Math.min(d - 1, oldShape[k]!));",
    tests: TESTS,
    filter: claims(
      "checkpoint",
      "property_expand_copy",
      "divergence_shape_change",
      "divergence_transfer_all_modules",
    ),
    why: "expandCopy's overlap taken as min(new − 1, old) (an exclusive bound used as an " +
      "inclusive one): the last row of every kept or grown dimension stays fresh",
  }),
  planted("checkpoint", "cached_fused_cog_kept", "training", {
    file: FILE,
    find: "if (want !== undefined && c.shape.at(-1) !== want) {",
    replace: "if (want !== undefined && c.shape.length === 0) {",
    tests: TESTS,
    filter: claims("checkpoint", "property_fallbacks"),
    why: "the cached fused_cog is returned whatever its last dimension (the check tests the " +
      "rank instead): a [1, 32] cache from an older FUSION_DIM reaches a 64-wide head",
  }),
  planted("checkpoint", "stats_loaded_on_mismatch", "training", {
    file: FILE,
    find: "if (want === got) statsWrites.push([name, h, value]);",
    replace: "if (want === got || keepFresh.has(name)) statsWrites.push([name, h, value]);",
    tests: TESTS,
    filter: claims("checkpoint", "property_fallbacks"),
    why: "fused_cog_norm's statistics are restored even when their width differs from the live " +
      "normaliser's (the fallback inverted): its setStats refuses them and the load fails",
  }),
  planted("checkpoint", "stats_not_restored", "fault", {
    file: FILE,
    find: "    restore();\n    throw e;",
    replace: "    throw e;",
    tests: TESTS,
    filter: claims("checkpoint", "fault"),
    why: "a load refused by a normaliser's own setStats (another tracking mode) leaves the " +
      "statistics restored before it in place: a refused load is half-written",
  }),
];
