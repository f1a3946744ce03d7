/**
 * The causal bank's readouts (asuramaya/decepticons:src/decepticons/models/readouts_torch.py
 * (7be9af7), selected by linear_readout_kind, depth, num_experts and readout_bands): one spec
 * union and one factory. Every readout maps features u [B, T, F] (the bank state and the
 * embedding, [S, x]) to logits [B, T, V] and returns the balance loss of that very forward
 * (null without a router).
 *
 * @example A routed readout from a spec
 * ```ts
 * import { initGpu, tidy, zeros } from "../../mod.ts";
 * import { buildReadout } from "./readouts.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const r = buildReadout(
 *   { kind: "routed_sqrelu_experts", hidden: 8, experts: 4 },
 *   { inputDim: 6, vocab: 16, seed: 7, prefix: "readout" },
 * );
 * const u = zeros([1, 3, 6]);
 * const { logits, balance } = tidy(() => r.forward(u));
 * deepStrictEqual([logits.shape, balance!.shape], [[1, 3, 16], []]);
 * for (const t of [logits, balance!, u]) t.dispose();
 * r.dispose();
 * ```
 *
 * @module
 */
import { shown } from "../../validate.ts";
import { READOUT_KINDS } from "../causal_bank/config.ts";
import type { CausalBankReadout, ReadoutBuildOptions } from "./_common.ts";
import { MlpReadout } from "./mlp.ts";
import { TiedRecursiveReadout } from "./tied_recursive.ts";
import { RoutedExpertsReadout } from "./routed_experts.ts";
import { TiedEmbedReadout, type TiedEmbedSettings } from "./tied_embed.ts";
import { RecurrentReadout } from "./recurrent.ts";
import { BandsReadout, type BandsSettings } from "./bands.ts";

export type {
  CausalBankReadout,
  ReadoutBuildOptions,
  ReadoutContext,
  ReadoutOutput,
} from "./_common.ts";

/** What {@link buildReadout} builds: the config's readout kinds (one spelling) and "bands". */
export const READOUT_SPEC_KINDS = [...READOUT_KINDS, "bands"] as const;
/** A readout kind. */
export type ReadoutSpecKind = typeof READOUT_SPEC_KINDS[number];

/** What {@link buildReadout} builds, by kind. */
export type ReadoutSpec =
  | { kind: "mlp"; hidden: readonly number[] }
  | { kind: "tied_recursive"; hidden: number; depth: number }
  | { kind: "routed_sqrelu_experts"; hidden: number; experts: number }
  | ({ kind: "tied_embed_readout" } & TiedEmbedSettings)
  | { kind: "recurrent"; hidden: number }
  | ({ kind: "bands" } & BandsSettings);

/**
 * Builds the readout a spec names, its parameters seeded from (options.seed, name).
 *
 * @throws {TypeError|RangeError} naming the bad field (an unknown kind included), before any GPU
 *   work.
 */
export function buildReadout(spec: ReadoutSpec, options: ReadoutBuildOptions): CausalBankReadout {
  if (spec === null || typeof spec !== "object") {
    throw new TypeError(
      `Cannot build a readout: expected a spec { kind, … } but got ${shown(spec)}`,
    );
  }
  switch (spec.kind) {
    case "mlp":
      return new MlpReadout(spec.hidden, options);
    case "tied_recursive":
      return new TiedRecursiveReadout(spec.hidden, spec.depth, options);
    case "routed_sqrelu_experts":
      return new RoutedExpertsReadout(spec.hidden, spec.experts, options);
    case "tied_embed_readout":
      return new TiedEmbedReadout(spec, options);
    case "recurrent":
      return new RecurrentReadout(spec.hidden, options);
    case "bands":
      return new BandsReadout(spec, options);
    default:
      throw new RangeError(
        `Cannot build a readout: expected kind to be one of ${
          READOUT_SPEC_KINDS.join(", ")
        } but got ` +
          shown((spec as { kind: unknown }).kind),
      );
  }
}
