/**
 * Planted bugs of the substrate transforms inside the causal-bank byte LM
 * (impl/decepticons/byte_lm/byte_lm.ts, the modules of impl/decepticons/substrate_transforms/
 * and the oracle spec/oracle/decepticons/byte_lm.ts): each a real mistake an implementation
 * could make, and the claims of spec/decepticons/byte_lm/transforms_lm_test.ts that must
 * catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");
const LM = "impl/decepticons/byte_lm/byte_lm.ts";
const TESTS = ["spec/decepticons/byte_lm/transforms_lm_test.ts"];
const MECH = "byte_lm";

/** The planted bugs of the transforms in the byte LM. */
export const DECEPTICONS_TRANSFORMS_LM_MUTATIONS: readonly Mutation[] = [
  planted(MECH, "transforms_overwrite_after_scan", "forward", {
    file: LM,
    find: "      return gate.forward(\n" +
      "        drive,\n" +
      "        x,\n" +
      '        c.substrate === "learnable_decays" ? this.#p("decays") : undefined,\n' +
      "      );",
    replace: "      const g = gate.gate(x);\n" +
      '      const d = c.substrate === "learnable_decays"\n' +
      '        ? add(tensor(new Float32Array(b * t), [b, t, 1]), this.#p("decays"))\n' +
      "        : this.#gates(b, t);\n" +
      "      const h = linearRecurrence(d, drive, scan).h;\n" +
      "      return add(mul(g, drive), mul(sub(tensor([1], [1]), g), h));",
    tests: TESTS,
    filter: claims(MECH, "divergence_overwrite_erases_history"),
    why: "the original's placement: the gate mixes the drive into the states after the " +
      "ungated scan, so the next step still reads the history (no erase)",
  }),
  planted(MECH, "transforms_gate_fixed_decays", "backward", {
    file: LM,
    find: '        c.substrate === "learnable_decays" ? this.#p("decays") : undefined,',
    replace: "        undefined,",
    tests: TESTS,
    filter: claims(MECH, "property_transforms_train"),
    why: "the gated bank runs on the module's fixed copy of the decays: the learnable decays " +
      "no longer reach the forward and never train",
  }),
  planted(MECH, "transforms_temporal_before_selector", "forward", {
    file: LM,
    find: "    if (tr.selector !== null) s = tr.selector.forward(s, x);\n" +
      "    if (tr.temporal !== null) s = tr.temporal.forward(s);",
    replace: "    if (tr.temporal !== null) s = tr.temporal.forward(s);\n" +
      "    if (tr.selector !== null) s = tr.selector.forward(s, x);",
    tests: TESTS,
    filter: claims(MECH, "gpu_parity_transforms"),
    why: "temporal attention applied before the mode selector (the original selects, then " +
      "attends over the selected states)",
  }),
  planted(MECH, "transforms_temporal_mask_off_by_one", "causality", {
    file: "impl/decepticons/substrate_transforms/temporal_attention.ts",
    find: "host[t * nS + j] = j * I > t ? 1 : 0;",
    replace: "host[t * nS + j] = j * I > t + 1 ? 1 : 0;",
    tests: TESTS,
    filter: claims(MECH, "property_transforms_causal"),
    why: "the causal mask one position late: the position before a snapshot reads it (the " +
      "next byte's state)",
  }),
  planted(MECH, "transforms_oracle_temporal_unmasked", "oracle", {
    file: "spec/oracle/decepticons/byte_lm.ts",
    find: "        interval: c.temporalSnapshotInterval ?? 64,\n      },\n    );",
    replace: "        interval: c.temporalSnapshotInterval ?? 64,\n      },\n      false,\n    );",
    tests: TESTS,
    filter: claims(MECH, "gpu_parity_transforms"),
    why: "the LM oracle calls temporal attention without its causal mask (the original's " +
      "default): its states read later snapshots",
  }),
  planted(MECH, "transforms_readout_width_from_modes", "forward", {
    file: LM,
    find: "    const w = stateWidth(c);\n    const router = c.substrateBankRouter",
    replace: "    const w = c.linearModes;\n    const router = c.substrateBankRouter",
    tests: TESTS,
    filter: claims(MECH, "gpu_parity_transforms", "property_transforms_causal"),
    why: "the selector and temporal attention sized from M, not the states' width: the kept " +
      "log-magnitude channel does not fit them",
  }),
];
