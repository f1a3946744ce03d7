/**
 * Fault-fuzz entries of the byte LM's online memory (impl/decepticons/memory/
 * online_causal_gpu.ts and the `memoryKind` field of impl/decepticons/byte_lm/byte_lm.ts), in
 * the format of ./fault_fuzz_test.ts: one entry per export and per LM call the memory changes,
 * tiny valid arguments, the argument paths poisoned; constants listed with their reason.
 *
 * @module
 */
import fc from "fast-check";
import { readTensors, tensor } from "../../../impl/mod.ts";
import { CausalBankLM } from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { MEMORY_KINDS } from "../../../impl/decepticons/causal_bank/config.ts";
import {
  OCM_GPU_MAX_T,
  onlineCausalFeatures,
} from "../../../impl/decepticons/memory/online_causal_gpu.ts";
import { type FaultEntry, Lazy, poisons as P } from "../../_harness/fault_fuzz.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;

const CONSTANT = "a constant (frozen data, not callable)";

/** The online memory's constants: no call to them is malformed. */
export const MEMORY_LM_EXCLUDED: Record<string, string> = {
  OCM_GPU_VOCAB: CONSTANT,
  OCM_GPU_MAX_T: CONSTANT,
};

/** A tiny valid LM with the memory (readout path; frozen substrate, one head). */
const LM = {
  embeddingDim: 4,
  linearModes: 4,
  stateDim: 2,
  numHeads: 1,
  readoutHidden: 4,
  localWindow: 2,
  localHidden: 4,
  maxSeqLen: 8,
  seed: 1,
  memoryKind: "ngram",
} as const;
const lm = () => new CausalBankLM(LM);
const lmState = async (m: InstanceType<typeof CausalBankLM>) =>
  await readTensors(["memory_w", "memory_b", "memory_gate"].map((n) => m.parameters.get(n)!));
const ids = (t: number) => tensor(new Int32Array(t).fill(97), [1, t], { dtype: "i32" });

/** The entries. */
export const MEMORY_LM_FAULT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "onlineCausalFeatures",
    names: ["online causal features", "onlineCausalFeatures"],
    args: () => [ids(3)],
    call: (_t, a) => onlineCausalFeatures(a[0] as Any),
    poisons: {
      "0": fc.oneof(
        P.tensor([1, 3], "i32", { wrongSize: false }),
        fc.constant(
          new Lazy(
            `tokens i32[1, ${OCM_GPU_MAX_T + 1}] past the kernel's limit`,
            () => ids(OCM_GPU_MAX_T + 1),
          ),
        ),
      ),
    },
  }),
  entry({
    name: "new CausalBankLM (memoryKind)",
    names: ["CausalBankLM"],
    args: () => [{ ...LM }],
    call: (_t, a) => new CausalBankLM(a[0] as Any),
    poisons: {
      "0.memoryKind": P.notOneOf(MEMORY_KINDS),
      // No band reads the memory's features.
      "0.readoutBands": fc.constantFrom<unknown>(2, 4),
    },
  }),
  entry({
    name: "CausalBankLM.forward (memoryKind)",
    names: ["CausalBankLM.forward", "CausalBankLM"],
    target: lm,
    args: () => [ids(3)],
    call: (t, a) => t.forward(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(
        P.tensor([1, 3], "i32", { wrongSize: false }),
        fc.constant(new Lazy("tokens i32[1, 9] past maxSeqLen 8", () => ids(9))),
      ),
    },
    state: lmState,
  }),
  entry({
    name: "CausalBankLM.forwardEmbeds (memoryKind)",
    names: ["CausalBankLM.forwardEmbeds", "CausalBankLM"],
    target: () => new CausalBankLM({ ...LM, memoryKind: "none" }),
    // A model with a memory refuses embeddings, valid as they are: its features count byte ids.
    stale: lm,
    args: () => [tensor(new Float32Array(12), [1, 3, 4])],
    call: (t, a) => t.forwardEmbeds(a[0] as Any),
    cleanup: (_a, t) => t.dispose(),
    poisons: { "this": fc.constant("a model with memoryKind ngram") },
  }),
];
