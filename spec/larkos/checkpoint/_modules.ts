/**
 * The 0.3 modules the checkpoint claims save, load and transfer: the neuron-graph reasoner,
 * the temporal encoder and the fusion head, built from seeds, with the normalisers
 * (`_OnlineMinMax` of the input pipeline, `_OnlineMeanStd` of fused_cog), and host helpers
 * (bit-exact comparison, a temporary folder under out/tmp).
 *
 * @module
 */
import { type Tensor, tensor } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import type { ParameterModule } from "../../../impl/larkos/checkpoint/checkpoint.ts";
import { LARKOS } from "../../../impl/larkos/config.ts";
import { NeuronGraphReasoner } from "../../../impl/larkos/neuron_graph_reasoner/neuron_graph_reasoner.ts";
import { TemporalAttentionEncoder } from "../../../impl/larkos/temporal_encoder/temporal_encoder.ts";
import { OnlineMinMax } from "../../../impl/larkos/temporal_encoder/input_pipeline.ts";
import { FusionTransformerHead } from "../../../impl/larkos/fusion_head/fusion_head.ts";
import { OnlineMeanStd } from "../../../impl/larkos/fusion_head/online_mean_std.ts";

/** A module with parameters that can be released. */
export interface DisposableModule extends ParameterModule {
  dispose(): void;
}

/**
 * A reasoner as a checkpoint of another configuration would hold it: the real
 * {@link NeuronGraphReasoner}'s parameters with the input Linear's weight [64, dIn] instead
 * of [64, 8] (the original's D_NODE before it grew from 5 to 8).
 */
export class ReasonerOfOtherWidth implements DisposableModule {
  readonly inner: NeuronGraphReasoner;
  readonly inputWeight: Tensor;

  constructor(seed: number, dIn: number) {
    this.inner = new NeuronGraphReasoner({ seed });
    const rng = new Rng(seed);
    const D = LARKOS.FUSE_GRAPH_DMODEL;
    this.inputWeight = tensor(rng.normals(D * dIn, 0.2), [D, dIn], { requiresGrad: true });
  }

  namedParameters(): [string, Tensor][] {
    return this.inner.namedParameters().map(([n, t]) =>
      [n, n === REASONER_INPUT_WEIGHT ? this.inputWeight : t] as [string, Tensor]
    );
  }

  dispose(): void {
    this.inner.dispose();
    this.inputWeight.dispose();
  }
}

/** The name of the reasoner's input Linear weight (the tensor D_NODE 5 → 8 changes). */
export const REASONER_INPUT_WEIGHT = "input_proj.weight";

/** The three 0.3 modules, by the original's checkpoint names (a type, so it is a record). */
export type Modules03 = {
  graph_reasoner: DisposableModule;
  temporal_encoder: TemporalAttentionEncoder;
  fusion_transformer: FusionTransformerHead;
};

/** Options of {@link buildModules}. */
export interface BuildOptions {
  /** TEMPORAL_WINDOW of the temporal encoder (the pos table's rows); default 4. */
  seqLen?: number;
  /** D_NODE of the reasoner's input Linear; default 8. */
  dNode?: number;
}

/** The 0.3 modules from one seed. */
export function buildModules(seed: number, options: BuildOptions = {}): Modules03 {
  return {
    graph_reasoner: options.dNode === undefined || options.dNode === LARKOS.D_NODE
      ? new NeuronGraphReasoner({ seed: seed * 3 + 1 })
      : new ReasonerOfOtherWidth(seed * 3 + 1, options.dNode),
    temporal_encoder: new TemporalAttentionEncoder({
      seed: seed * 3 + 2,
      ...(options.seqLen === undefined ? {} : { seqLen: options.seqLen }),
    }),
    fusion_transformer: new FusionTransformerHead({ seed: seed * 3 + 3 }),
  };
}

/** Releases every module. */
export function disposeModules(m: Modules03): void {
  m.graph_reasoner.dispose();
  m.temporal_encoder.dispose();
  m.fusion_transformer.dispose();
}

/** Every parameter as `<module>.<name>` in a fixed order. */
export function flatParams(m: Modules03): [string, Tensor][] {
  return Object.entries(m).flatMap(([k, mod]) =>
    (mod as ParameterModule).namedParameters().map(([n, t]) => [`${k}.${n}`, t] as [string, Tensor])
  );
}

/** The two normalisers, fed `steps` seeded inputs so their statistics are not the initial ones. */
export function buildNormalisers(
  seed: number,
  steps: number,
  fusedWidth: number = LARKOS.FUSION_DIM,
): { online_norm: OnlineMinMax; fused_cog_norm: OnlineMeanStd } {
  const rng = new Rng(seed);
  const online = new OnlineMinMax({ tracking: "asymmetric" });
  const fused = new OnlineMeanStd(fusedWidth);
  for (let s = 0; s < steps; s++) {
    online.update(Array.from({ length: LARKOS.INPUT_SIZE }, () => rng.normal()));
    fused.update(Float64Array.from({ length: fusedWidth }, () => rng.normal()));
  }
  return { online_norm: online, fused_cog_norm: fused };
}

/** The bytes of a typed array (a view). */
function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Elements whose bit patterns differ (length difference counted as differences). */
export function bitDiffs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let d = Math.abs(a.length - b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) d++;
  return d;
}

/** Whether two typed arrays hold the same bytes. */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = bytesOf(a);
  const y = bytesOf(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Runs `fn` with a fresh folder under out/tmp, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  await Deno.mkdir("out/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out/tmp", prefix: "larkos-ckpt-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
