/**
 * Planted bugs of Larkos 0.3's cognitive fusion: the hash's uint32 product computed without
 * the wrap, the top-K tie rule reversed, the two band seeds swapped in the GPU kernel, and the
 * cross-band mix factor without its 0.5.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const HOST = "impl/larkos/cognitive_fuse/cognitive_fuse.ts";
const FUSE_KERNEL = "impl/larkos/cognitive_fuse/kernels/fuse.ts";
const HOST_TEST = ["spec/larkos/cognitive_fuse/cognitive_fuse_test.ts"];
const GPU_TEST = ["spec/larkos/cognitive_fuse/gpu_test.ts"];

/** The planted bugs of this group. */
export const LARKOS_COGNITIVE_FUSE_MUTATIONS: readonly Mutation[] = [
  {
    id: "larkos.cognitive_fuse.u32_product_without_wrap",
    family: "larkos",
    mechanism: "cognitive_fuse",
    layer: "forward",
    file: HOST,
    find: "const lo = (Math.imul(c, 2654435761) + 1) >>> 0;",
    replace: "const lo = c * 2654435761 + 1;",
    tests: HOST_TEST,
    filter: "larkos.cognitive_fuse.fixture_parity_hash",
    why: "the column product c·2654435761 + 1 computed in f64 (or u64) instead of uint32: from " +
      "c = 2 on the product passes 2³², its high bits leak into the row half of the key and " +
      "every coefficient of a later column changes",
  },
  {
    id: "larkos.cognitive_fuse.tie_rule_reversed",
    family: "larkos",
    mechanism: "cognitive_fuse",
    layer: "forward",
    file: HOST,
    find: "while (pos > 0 && topS[pos - 1]! < s) {",
    replace: "while (pos > 0 && topS[pos - 1]! <= s) {",
    tests: HOST_TEST,
    filter: "larkos.cognitive_fuse.fixture_parity_host",
    why: "the insertion moves a new score past equal ones, so among tied memories the later " +
      "wins: the top-K list differs from the C's wherever the K boundary cuts a tie",
  },
  {
    id: "larkos.cognitive_fuse.gpu_band_seeds_swapped",
    family: "larkos",
    mechanism: "cognitive_fuse",
    layer: "forward",
    file: FUSE_KERNEL,
    find: "var seed = 1009u;\n  if (k >= 32u) { seed = 3001u; }",
    replace: "var seed = 3001u;\n  if (k >= 32u) { seed = 1009u; }",
    tests: GPU_TEST,
    filter: "larkos.cognitive_fuse.gpu_parity",
    why: "the query band projected with the memory band's row seed and vice versa: still two " +
      "different random projections, but not the original's",
  },
  {
    id: "larkos.cognitive_fuse.mix_without_half",
    family: "larkos",
    mechanism: "cognitive_fuse",
    layer: "forward",
    file: HOST,
    find: "return f(0.5 * f(1 / f(1 + expf(-z))));",
    replace: "return f(1 / f(1 + expf(-z)));",
    tests: HOST_TEST,
    filter: "larkos.cognitive_fuse.fixture_parity_anchors",
    why: "s = σ(2c − 1) without the 0.5: the cross-band mix doubles, s leaves [0.134, 0.366]",
  },
];
