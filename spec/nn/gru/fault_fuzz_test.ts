/**
 * The GRU's public surface (impl/nn/gru/gru.ts) under the fault fuzzer: every export has an
 * entry of ./_faults.ts or an exclusion with its reason.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import * as gruModule from "../../../impl/nn/gru/gru.ts";
import { registerFaultFuzz } from "../../_harness/fault_fuzz.ts";
import { GRU_EXCLUDED, GRU_FAULT_ENTRIES } from "./_faults.ts";
import { GRU_PUBLIC_FAULTS } from "./claims.ts";

registerFaultFuzz(
  GRU_PUBLIC_FAULTS,
  gruModule as unknown as Record<string, unknown>,
  GRU_FAULT_ENTRIES,
  GRU_EXCLUDED,
  () => initGpu(),
);
