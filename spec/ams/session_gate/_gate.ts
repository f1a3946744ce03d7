/**
 * The session runs the gate's claims read, computed once per process: on each backbone, v4
 * fresh, v4 trained (the original's recipe) and v4.7 trained, at N = 10 and 20. The byte LM is
 * loaded once and freed at the end, so the live-buffer count is back where it was when the
 * first claim that awaits it finishes.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { ByteLMBackbone } from "../../../impl/apps/ams_byte_lm_backbone.ts";
import {
  type AmsSessionBackbone,
  type AmsSessionReport,
  type AmsSessionVariant,
  runAmsSession,
} from "../../../impl/apps/ams_session_cli.ts";

/** Which model a run uses. */
export type GateModel = "v4 fresh" | "v4 trained" | "v47 trained";

/** The three models, in report order. */
export const GATE_MODELS: readonly GateModel[] = ["v4 fresh", "v4 trained", "v47 trained"];

/** A run's key: backbone, model, N. */
export function gateKey(backbone: AmsSessionBackbone, model: GateModel, n: number): string {
  return `${backbone}/${model}/N${n}`;
}

/**
 * Where generation runs on the byte LM: every model at N = 10 and 20 (the CLI's setting). The
 * incremental decode reads mode D's ≈ 1.5 kB prompts once, then one recurrence step per byte
 * (re-running the LM over them for each of 40 bytes took minutes on llvmpipe).
 */
export const GENERATION_N: readonly number[] = [10, 20];

let runs: Promise<Map<string, AmsSessionReport>> | null = null;

/** Every run of the gate, by {@link gateKey}. */
export function gateRuns(): Promise<Map<string, AmsSessionReport>> {
  runs ??= (async () => {
    await initGpu();
    const out = new Map<string, AmsSessionReport>();
    const byteLM = await ByteLMBackbone.load();
    try {
      for (const backbone of ["lexical", "bytelm"] as const) {
        for (const model of GATE_MODELS) {
          const variant: AmsSessionVariant = model.startsWith("v47") ? "v47" : "v4";
          for (const nFacts of [10, 20]) {
            out.set(
              gateKey(backbone, model, nFacts),
              await runAmsSession({
                nFacts,
                backbone,
                variant,
                trained: model === "v4 fresh" ? null : undefined,
                byteLM,
                generate: backbone === "bytelm" && GENERATION_N.includes(nFacts),
                // Mode D involves no memory: one run per N serves the three models.
                runD: model === "v4 fresh",
              }),
            );
          }
        }
      }
    } finally {
      byteLM.dispose();
    }
    return out;
  })();
  return runs;
}
