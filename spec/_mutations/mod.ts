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
import { OPS_FUSION_MUTATIONS } from "./ops_fusion.ts";
import { OPS_POOL_MUTATIONS } from "./ops_pool.ts";
import { NN_MUTATIONS } from "./nn.ts";
import { NN_GRU_MUTATIONS } from "./nn_gru.ts";
import { LINALG_GPU_MUTATIONS } from "./linalg_gpu.ts";
import { IO_MUTATIONS } from "./io.ts";
import { AMYGDALA_AGGREGATORS_MUTATIONS } from "./amygdala_aggregators.ts";
import { AMYGDALA_SUBSPACE_MUTATIONS } from "./amygdala_subspace.ts";
import { AMYGDALA_PIPELINE_MUTATIONS } from "./amygdala_pipeline.ts";
import { LARKOS_GAT_LAYER_MUTATIONS } from "./larkos_gat_layer.ts";
import { LARKOS_NEURON_GRAPH_REASONER_MUTATIONS } from "./larkos_neuron_graph_reasoner.ts";
import { LARKOS_TEMPORAL_ENCODER_MUTATIONS } from "./larkos_temporal_encoder.ts";
import { LARKOS_FUSION_HEAD_MUTATIONS } from "./larkos_fusion_head.ts";
import { AMS_GEOMETRY_MUTATIONS } from "./ams_geometry.ts";
import { LARKOS_CHECKPOINT_MUTATIONS } from "./larkos_checkpoint.ts";
import { LARKOS_TRAINING_MUTATIONS } from "./larkos_training.ts";
import { LARKOS_COGNITIVE_FUSE_MUTATIONS } from "./larkos_cognitive_fuse.ts";

import { AMS_KAKEYA_MUTATIONS } from "./ams_kakeya.ts";
import { AMS_ENCODERS_MUTATIONS } from "./ams_encoders.ts";
import { AMS_DIRECTION_TREE_MUTATIONS, AMS_MEM_STORE_MUTATIONS } from "./ams_direction_tree.ts";
import { AMS_BACKBONE_MUTATIONS } from "./ams_backbone.ts";
import { AMS_CROSS_BUNDLE_MUTATIONS } from "./ams_cross_bundle.ts";
import { DECEPTICONS_CONTROL_MUTATIONS } from "./decepticons_control.ts";
import { DECEPTICONS_VIEWS_MUTATIONS } from "./decepticons_views.ts";
import { DECEPTICONS_KNOBS_MUTATIONS } from "./decepticons_knobs.ts";
import { DECEPTICONS_PATCH_MUTATIONS } from "./decepticons_patch.ts";
import { DECEPTICONS_CONFIG_MUTATIONS } from "./decepticons_config.ts";
import { AMS_TRAINING_MUTATIONS } from "./ams_training.ts";
import { AMS_MEM_LLM_MUTATIONS } from "./ams_mem_llm.ts";
import { AMS_SESSION_GATE_MUTATIONS } from "./ams_session_gate.ts";
import { DECEPTICONS_READOUTS_MUTATIONS } from "./decepticons_readouts.ts";
import { DECEPTICONS_XFORM_MUTATIONS } from "./decepticons_xform.ts";
import { DECEPTICONS_GRADLM_MUTATIONS } from "./decepticons_gradlm.ts";
import { DECEPTICONS_MEMORY_LM_MUTATIONS } from "./decepticons_memory_lm.ts";
import { DECEPTICONS_TRANSFORMS_LM_MUTATIONS } from "./decepticons_transforms_lm.ts";
/** Every planted bug. */
export const MUTATIONS: readonly Mutation[] = [
  ...OPS_MUTATIONS,
  ...FASTWEIGHTS_MUTATIONS,
  ...DECEPTICONS_MUTATIONS,
  ...LINALG_MUTATIONS,
  ...OPS_POINTWISE_MUTATIONS,
  ...OPS_SELECTION_MUTATIONS,
  ...OPS_POOL_MUTATIONS,
  ...OPS_FUSION_MUTATIONS,
  ...NN_MUTATIONS,
  ...NN_GRU_MUTATIONS,
  ...LINALG_GPU_MUTATIONS,
  ...IO_MUTATIONS,
  ...AMYGDALA_AGGREGATORS_MUTATIONS,
  ...AMYGDALA_SUBSPACE_MUTATIONS,
  ...AMYGDALA_PIPELINE_MUTATIONS,
  ...LARKOS_GAT_LAYER_MUTATIONS,
  ...LARKOS_NEURON_GRAPH_REASONER_MUTATIONS,
  ...LARKOS_TEMPORAL_ENCODER_MUTATIONS,
  ...LARKOS_FUSION_HEAD_MUTATIONS,
  ...AMS_GEOMETRY_MUTATIONS,
  ...LARKOS_CHECKPOINT_MUTATIONS,
  ...LARKOS_TRAINING_MUTATIONS,
  ...LARKOS_COGNITIVE_FUSE_MUTATIONS,
  ...AMS_KAKEYA_MUTATIONS,
  ...AMS_ENCODERS_MUTATIONS,
  ...AMS_DIRECTION_TREE_MUTATIONS,
  ...AMS_MEM_STORE_MUTATIONS,
  ...AMS_BACKBONE_MUTATIONS,
  ...AMS_CROSS_BUNDLE_MUTATIONS,
  ...DECEPTICONS_CONTROL_MUTATIONS,
  ...DECEPTICONS_VIEWS_MUTATIONS,
  ...DECEPTICONS_KNOBS_MUTATIONS,
  ...DECEPTICONS_PATCH_MUTATIONS,
  ...DECEPTICONS_CONFIG_MUTATIONS,
  ...AMS_TRAINING_MUTATIONS,
  ...AMS_MEM_LLM_MUTATIONS,
  ...AMS_SESSION_GATE_MUTATIONS,
  ...DECEPTICONS_READOUTS_MUTATIONS,
  ...DECEPTICONS_XFORM_MUTATIONS,
  ...DECEPTICONS_GRADLM_MUTATIONS,
  ...DECEPTICONS_MEMORY_LM_MUTATIONS,
  ...DECEPTICONS_TRANSFORMS_LM_MUTATIONS,
];
