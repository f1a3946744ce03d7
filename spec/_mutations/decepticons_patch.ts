/**
 * Planted bugs of the causal bank's patch decoders (impl/decepticons/patch_decoders): one or more
 * per claim group, each a real mistake an implementation could make (several are the original's
 * own defects), and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");
const FILE = "impl/decepticons/patch_decoders/patch_decoders.ts";
const ORACLE = "spec/oracle/decepticons/patch_decoders.ts";
const GPU = ["spec/decepticons/patch_decoders/gpu_test.ts"];
const ORACLE_TEST = ["spec/decepticons/patch_decoders/oracle_test.ts"];
const M = "patch_decoders";

/** The patch decoders' planted bugs. */
export const DECEPTICONS_PATCH_MUTATIONS: readonly Mutation[] = [
  planted(M, "oracle_gru_update_swapped", "oracle", {
    file: ORACLE,
    find: "out[j] = (1 - z) * n + z * h[j]!;",
    replace: "out[j] = z * n + (1 - z) * h[j]!;",
    tests: ORACLE_TEST,
    filter: claims(M, "fixture_parity"),
    why: "the oracle's GRU keeps the candidate with weight z instead of 1 − z (torch's update " +
      "gate read the other way round)",
  }),
  planted(M, "local_scale_dropped", "forward", {
    file: FILE,
    find: 'matmul(mul(hl, this.#p("local_scale")), this.#p("local_out_w"))',
    replace: 'matmul(hl, this.#p("local_out_w"))',
    tests: GPU,
    filter: claims(M, "gpu_parity"),
    why: "the local path's logits added at full weight, not localScale",
  }),
  planted(M, "autoregressive_reads_next_byte", "causality", {
    file: FILE,
    find: "prev[b * U + u] = x[b * T + u - 1]!;",
    replace: "prev[b * U + u] = x[b * T + Math.min(u, T - 1)]!;",
    tests: GPU,
    filter: claims(M, "property_causality"),
    why: "the teacher-forced GRU input at position u is x_u, the byte being predicted",
  }),
  planted(M, "factored_predicts_x_t", "forward", {
    file: FILE,
    find: "[0, 1, 0], [B, T, N * V]",
    replace: "[0, 0, 0], [B, T, N * V]",
    tests: GPU,
    filter: claims(M, "divergence_target_convention"),
    why: "the factored heads unshifted: logits[t] predict x_t (the original's convention) while " +
      "the hybrid's predict x_{t+1}",
  }),
  planted(M, "hybrid_needs_whole_patches", "forward", {
    file: FILE,
    find: "const K = Math.floor(T / P);",
    replace: 'if (c.decoder === "hybrid" && T % P !== 0) throw new RangeError("T mod P != 0");\n' +
      "    const K = Math.floor(T / P);",
    tests: GPU,
    filter: claims(M, "divergence_hybrid_any_length"),
    why: "the hybrid decoder refuses T mod P != 0 (the original's view crash) instead of padding " +
      "like the other decoders",
  }),
  planted(M, "trust_undefined_table", "fault", {
    file: FILE,
    find: "if (c.trustTable === null || c.trustTable === undefined) {",
    replace: "if (c.trustTable === null) {",
    tests: GPU,
    filter: claims(M, "divergence_trust_table_required"),
    why: "a missing (undefined) table slips past the configuration check",
  }),
  planted(M, "local_path_one_head", "forward", {
    file: FILE,
    find: 'xavier("local_out_w", c.localHidden, N * V);',
    replace: 'xavier("local_out_w", c.localHidden, V);',
    tests: GPU,
    filter: claims(M, "property_patch_n"),
    why: "the local path emits [B, T, V] beside the readout's [B, T, N, V] (the original's " +
      "non-adaptive crash)",
  }),
  planted(M, "id_256_accepted", "fault", {
    file: FILE,
    find: "v < 0 || v >= PATCH_VOCAB",
    replace: "v < 0 || v > PATCH_VOCAB",
    tests: GPU,
    filter: claims(M, "divergence_ids_never_wrapped"),
    why: "id 256 passes the check (and embeds to zero, as if wrapped away)",
  }),
  planted(M, "local_path_dead", "forward", {
    file: FILE,
    find: "    if (c.localWindow > 0) {\n      const W = c.localWindow;",
    replace:
      '    if (c.localWindow > 0 && c.decoder === "hybrid") {\n      const W = c.localWindow;',
    tests: GPU,
    filter: claims(M, "divergence_local_path_live"),
    why: "the local readout built but not used under the factored and autoregressive decoders " +
      "(the original's dead local path)",
  }),
  planted(M, "init_ignores_seed", "forward", {
    file: FILE,
    find: "new Rng(hashU32(c.seed, nameHash(name)))",
    replace: "new Rng(hashU32(42, nameHash(name)))",
    tests: GPU,
    filter: claims(M, "property_seeded_init"),
    why: "the parameter streams keyed by a fixed seed: every model draws the same weights",
  }),
  planted(M, "patch_n_zero_accepted", "fault", {
    file: FILE,
    find: 'checkInt("patchN", c.patchN, 1, 16);',
    replace: 'checkInt("patchN", c.patchN, 0, 16);',
    tests: GPU,
    filter: claims(M, "fault_validation"),
    why: "patchN 0 accepted: a model with no output heads",
  }),
  planted(M, "oracle_adjoint_drops_decay", "oracle", {
    file: ORACLE,
    find: "for (let i = 0; i < M; i++) lam[i] = dG[k + 1]![i]! + decays[i]! * lam[i]!;",
    replace: "for (let i = 0; i < M; i++) lam[i] = dG[k + 1]![i]!;",
    tests: ORACLE_TEST,
    filter: claims(M, "oracle_gradcheck"),
    why: "the oracle's backward through the frozen bank drops the decay carry d ⊙ λ_{k+1}: a " +
      "patch's embedding gets no gradient from the later contexts its state reaches",
  }),
  planted(M, "bank_drive_detached", "backward", {
    file: FILE,
    find: 'const drive = matmul(e, this.#p("in_proj"));',
    replace: 'const drive = matmul(e, this.#p("in_proj"));\n      drive.requiresGrad = false;',
    tests: GPU,
    filter: claims(M, "gpu_gradients"),
    why: "the bank's drive e·W_in detached (a stop-gradient on the substrate's input): the " +
      "logits are unchanged, but the patch encoder and the embedding learn only through the " +
      "context's e, never through the states S that carry it to later patches",
  }),
];
