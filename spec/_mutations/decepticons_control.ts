/**
 * Planted bugs of the decepticons controllers and evaluation helpers (impl/decepticons/control,
 * gating, routing, modulation, predictive_surprise, learned_segmentation,
 * probability_diagnostics, span_selection, bridge_export, teacher_export, evaluation,
 * controlled_stack): each a real mistake an implementation could make, several of them the
 * original's own defects, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");
const IMPL = "impl/decepticons";
const SPEC = "spec/decepticons";
const test = (m: string) => [`${SPEC}/${m}/${m}_test.ts`];

/** The planted bugs of the controllers and evaluation helpers. */
export const DECEPTICONS_CONTROL_MUTATIONS: readonly Mutation[] = [
  planted("control", "mean_abs_without_abs", "forward", {
    file: `${IMPL}/control/control.ts`,
    find: 'else acc += r === "mean_abs" ? Math.abs(x) : x;',
    replace: "else acc += x;",
    tests: test("control"),
    filter: claims("control", "fixture_parity"),
    why: "mean_abs reduced without the absolute value: it becomes the plain mean",
  }),
  planted("gating", "initial_state_zero", "forward", {
    file: `${IMPL}/gating/gating.ts`,
    find: "fastToMid: sigmoid(c.fastToMidBias),\n      midToSlow: sigmoid(c.midToSlowBias),",
    replace: "fastToMid: 0,\n      midToSlow: 0,",
    tests: test("gating"),
    filter: claims("gating", "fixture_parity", "divergence_initial_state"),
    why: "the original's initial gate values (0, 0), which σ can never produce",
  }),
  planted("gating", "refresh_off_by_one", "forward", {
    file: `${IMPL}/gating/gating.ts`,
    find: "if (step - state.lastRefresh < c.refreshStride) {",
    replace: "if (step - state.lastRefresh <= c.refreshStride) {",
    tests: test("gating"),
    filter: claims("gating", "fixture_parity"),
    why: "a refresh only after more than `stride` steps instead of at `stride` steps",
  }),
  planted("routing", "non_finite_accepted", "fault", {
    file: `${IMPL}/routing/routing.ts`,
    find: "return finiteVector(op, `summary ${i}`, raw, c.summaryDim);",
    replace: "return Float64Array.from(raw as ArrayLike<number>);",
    tests: test("routing"),
    filter: claims("routing", "fault_inputs"),
    why: "the original's silent NaN routing: an infinite summary gives NaN weights and index 0",
  }),
  planted("routing", "ties_pick_last", "forward", {
    file: `${IMPL}/routing/routing.ts`,
    find: "if (weights[i]! > weights[best]!) best = i;",
    replace: "if (weights[i]! >= weights[best]!) best = i;",
    tests: test("routing"),
    filter: claims("routing", "fixture_parity", "property_distribution"),
    why: "ties select the last branch instead of the first (equal routing selects N − 1)",
  }),
  planted("modulation", "output_index_checked_lazily", "fault", {
    file: `${IMPL}/modulation/modulation.ts`,
    find: "idx.forEach((x, j) => integer(OP, `outputIndices[${j}] (hormones ${k})`, x, 0, k - 1));",
    replace:
      "idx.forEach((x, j) => integer(OP, `outputIndices[${j}] (hormones ${k})`, x, 0, 2 ** 20));",
    tests: test("modulation"),
    filter: claims("modulation", "fault_construction"),
    why: "the original's lazy validation: an output index ≥ K accepted at construction",
  }),
  planted("modulation", "hormone_scale_dropped", "forward", {
    file: `${IMPL}/modulation/modulation.ts`,
    find: "c.outputScales[j]! * hormones[h]! * c.hormoneScale",
    replace: "c.outputScales[j]! * hormones[h]!",
    tests: test("modulation"),
    filter: claims("modulation", "fixture_parity", "property_range"),
    why: "the hormone scale s_h left out of the output's pre-activation",
  }),
  planted("predictive_surprise", "feature_mode_ignored", "forward", {
    file: `${IMPL}/predictive_surprise/predictive_surprise.ts`,
    find: 'const s = this.config.featureMode === "residual" ? residual : surprise;',
    replace: "const s = surprise;",
    tests: test("predictive_surprise"),
    filter: claims("predictive_surprise", "fixture_parity", "divergence_options"),
    why: "the original's inert feature_mode: both modes summarise |r|",
  }),
  planted("learned_segmentation", "steps_double_counted", "forward", {
    file: `${IMPL}/learned_segmentation/learned_segmentation.ts`,
    find: "if (target !== null) this.scorer.update(f, target);\n    this.stepsSeen += 1;",
    replace:
      "if (target !== null) this.scorer.update(f, target);\n    this.stepsSeen += learn ? 2 : 1;",
    tests: test("learned_segmentation"),
    filter: claims("learned_segmentation", "fixture_parity", "divergence_counters"),
    why: "the original's bookkeeping: a learning step counted twice (steps_seen 20 after 10)",
  }),
  planted("learned_segmentation", "rate_term_sign", "training", {
    file: `${IMPL}/learned_segmentation/learned_segmentation.ts`,
    find: "c.targetRegularization * (p - r)",
    replace: "c.targetRegularization * (r - p)",
    tests: test("learned_segmentation"),
    filter: claims("learned_segmentation", "fixture_parity"),
    why: "the target-rate term of the bias update with its sign flipped",
  }),
  planted("probability_diagnostics", "ties_by_higher_index", "forward", {
    file: `${IMPL}/probability_diagnostics/probability_diagnostics.ts`,
    find: "idx.sort((a, b) => row[b]! - row[a]! || a - b);",
    replace: "idx.sort((a, b) => row[b]! - row[a]! || b - a);",
    tests: test("probability_diagnostics"),
    filter: claims("probability_diagnostics", "divergence_tie_order"),
    why: "top-k ties broken toward the higher index: shared top-k of tied rows changes",
  }),
  planted("span_selection", "gap_off_by_one", "forward", {
    file: `${IMPL}/span_selection/span_selection.ts`,
    find: "if (group.length > 0 && i - group[group.length - 1]! - 1 > maxGap) flush();",
    replace: "if (group.length > 0 && i - group[group.length - 1]! - 1 >= maxGap) flush();",
    tests: test("span_selection"),
    filter: claims("span_selection", "fixture_parity", "property_spans"),
    why: "a gap of exactly maxGap splits the span instead of being merged",
  }),
  planted("bridge_export", "replay_strict_comparison", "forward", {
    file: `${IMPL}/bridge_export/bridge_export.ts`,
    find: "agreement.reduce((a, x) => a + (selected(x, threshold) ? 1 : 0), 0);",
    replace: "agreement.reduce((a, x) => a + (x > threshold ? 1 : 0), 0);",
    tests: test("bridge_export"),
    filter: claims("bridge_export", "divergence_accounting"),
    why: "the original's accounting: replay bytes counted with > θ while the spans use ≥ θ",
  }),
  planted("teacher_export", "flip_rate_inverted", "forward", {
    file: `${IMPL}/teacher_export/teacher_export.ts`,
    find: "a + (l !== sl[i] ? 1 : 0)",
    replace: "a + (l === sl[i] ? 1 : 0)",
    tests: test("teacher_export"),
    filter: claims("teacher_export", "fixture_parity"),
    why: "the flip rate counting agreements instead of flips",
  }),
  planted("evaluation", "curve_context_uint8", "forward", {
    file: `${IMPL}/evaluation/evaluation.ts`,
    find: 'const ctx = tokenIds(op, "prompt", prompt, m.vocabSize);',
    replace: 'const ctx = tokenIds(op, "prompt", prompt, m.vocabSize).map((t) => t % 256);',
    tests: test("evaluation"),
    filter: claims("evaluation", "divergence_ids_not_wrapped"),
    why: "the original's uint8 cast of the curve context: 300 reaches the model as 44",
  }),
  planted("evaluation", "bpb_includes_prompt", "forward", {
    file: `${IMPL}/evaluation/evaluation.ts`,
    find: "const contBits = bitsFrom(op, m, tokens, prompt.length);",
    replace: "const contBits = bitsFrom(op, m, tokens, 1);",
    tests: test("evaluation"),
    filter: claims("evaluation", "divergence_continuation_bpb"),
    why: "the original's rollout figure: bits per byte over prompt and continuation",
  }),
  planted("controlled_stack", "reads_next_token", "causality", {
    file: `${IMPL}/controlled_stack/controlled_stack.ts`,
    find: "const x = ids[t]!;",
    replace: "const x = ids[Math.min(t + 1, T - 1)]!;",
    tests: test("controlled_stack"),
    filter: claims("controlled_stack", "property_causal"),
    why: "the substrate driven by the next byte: features at t see token t + 1",
  }),
  planted("controlled_stack", "gate_not_applied", "forward", {
    file: `${IMPL}/controlled_stack/controlled_stack.ts`,
    find: "return lm.u[i * V + x]! + gfm * up;",
    replace: "return lm.u[i * V + x]! + up;",
    tests: test("controlled_stack"),
    filter: claims("controlled_stack", "property_step_replay", "behaviour_bpb"),
    why: "the fast→mid gate computed but never applied to the upward drive",
  }),
];
