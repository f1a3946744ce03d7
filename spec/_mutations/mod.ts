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
import { OPS_POINTWISE_MUTATIONS } from "./ops_pointwise.ts";
import { OPS_SELECTION_MUTATIONS } from "./ops_selection.ts";
import { NN_MUTATIONS } from "./nn.ts";
import { LINALG_GPU_MUTATIONS } from "./linalg_gpu.ts";
import { IO_MUTATIONS } from "./io.ts";
import { AMYGDALA_AGGREGATORS_MUTATIONS } from "./amygdala_aggregators.ts";
import { AMYGDALA_SUBSPACE_MUTATIONS } from "./amygdala_subspace.ts";
import { AMYGDALA_PIPELINE_MUTATIONS } from "./amygdala_pipeline.ts";

/** Every planted bug. */
export const MUTATIONS: readonly Mutation[] = [
  ...OPS_MUTATIONS,
  ...FASTWEIGHTS_MUTATIONS,
  ...DECEPTICONS_MUTATIONS,
  ...LINALG_MUTATIONS,
  ...OPS_POINTWISE_MUTATIONS,
  ...OPS_SELECTION_MUTATIONS,
  ...NN_MUTATIONS,
  ...LINALG_GPU_MUTATIONS,
  ...IO_MUTATIONS,
  ...AMYGDALA_AGGREGATORS_MUTATIONS,
  ...AMYGDALA_SUBSPACE_MUTATIONS,
  ...AMYGDALA_PIPELINE_MUTATIONS,
];
