/**
 * Cases of the transformer encoder and their run on the GPU and on the oracle,
 * compared element by element under the derived bounds (./_bounds.ts).
 *
 * @module
 */
import fc from "fast-check";
import {
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { TransformerEncoder, TransformerEncoderLayer } from "../../../impl/nn/mod.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import {
  encoderBackward,
  encoderForward,
  layerBackward,
  type LayerCall,
  layerForward,
  type LayerGeometry,
  type LayerParams,
  PARAM_NAMES,
} from "../../oracle/nn/transformer_encoder.ts";
import { encoderBounds } from "./_bounds.ts";

/** One case: a layer (layers = 0) or an encoder of `layers` layers. */
export interface EncCase {
  g: LayerGeometry;
  params: LayerParams[];
  /** 0: a lone TransformerEncoderLayer; n ≥ 1: TransformerEncoder of n layers. */
  layers: number;
  x: Float64Array;
  gOut: Float64Array;
  call: LayerCall;
  label: string;
}

/** Mask modes. */
export type EncMaskMode = "none" | "padding" | "causal" | "both";

/** Seeded f32 parameters of one layer (torch-like scales, LayerNorm near 1 and 0). */
export function makeParams(g: LayerGeometry, seed: number): LayerParams {
  const { d, ff } = g;
  const v = (s: number, n: number, lo: number, hi: number) => caseValues(seed * 31 + s, n, lo, hi);
  const a = Math.sqrt(6 / (4 * d));
  return {
    "self_attn.in_proj_weight": v(1, 3 * d * d, -a, a),
    "self_attn.in_proj_bias": v(2, 3 * d, -0.3, 0.3),
    "self_attn.out_proj.weight": v(3, d * d, -1 / Math.sqrt(d), 1 / Math.sqrt(d)),
    "self_attn.out_proj.bias": v(4, d, -0.3, 0.3),
    "linear1.weight": v(5, ff * d, -1 / Math.sqrt(d), 1 / Math.sqrt(d)),
    "linear1.bias": v(6, ff, -1 / Math.sqrt(d), 1 / Math.sqrt(d)),
    "linear2.weight": v(7, d * ff, -1 / Math.sqrt(ff), 1 / Math.sqrt(ff)),
    "linear2.bias": v(8, d, -1 / Math.sqrt(ff), 1 / Math.sqrt(ff)),
    "norm1.weight": v(9, d, 0.8, 1.2),
    "norm1.bias": v(10, d, -0.2, 0.2),
    "norm2.weight": v(11, d, 0.8, 1.2),
    "norm2.bias": v(12, d, -0.2, 0.2),
  };
}

/** A seeded case. */
export function makeEncCase(
  g: LayerGeometry,
  seed: number,
  mode: EncMaskMode,
  opts: { layers?: number; dropout?: { p: number; seed: number } } = {},
): EncCase {
  const { batch: B, length: L, d } = g;
  const layers = opts.layers ?? 0;
  const params = Array.from(
    { length: Math.max(1, layers) },
    (_, i) => makeParams(g, seed + 101 * i),
  );
  const call: LayerCall = {};
  if (mode === "padding" || mode === "both") {
    const u = caseValues(seed + 7, B * L, 0, 1);
    call.keyPaddingMask = Array.from(u, (x, i) => x < 0.35 && i % L !== 0);
  }
  if (mode === "causal" || mode === "both") {
    const data = new Float64Array(L * L);
    for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) data[i * L + j] = -Infinity;
    call.attnMask = { shape: [L, L], data };
  }
  if (opts.dropout) call.dropout = opts.dropout;
  return {
    g,
    params,
    layers,
    x: caseValues(seed + 3, B * L * d, -2, 2),
    gOut: caseValues(seed ^ 0x2545f491, B * L * d, -1, 1),
    call,
    label: `B=${B} L=${L} d=${d} H=${g.heads} ff=${g.ff} ${g.activation} mask=${mode}` +
      `${layers ? ` layers=${layers}` : ""}${
        opts.dropout ? ` dropout=${opts.dropout.p}` : ""
      } seed=${seed}`,
  };
}

/**
 * The fuzz arbitrary: single layers. Worst-case bounds compound through
 * stacked LayerNorms until they are vacuous, so stacks are covered by the
 * exact composition property instead (an encoder equals its layers run in turn).
 */
export const encArbitrary: fc.Arbitrary<EncCase> = fc
  .record({
    batch: fc.constantFrom(1, 2, 3),
    length: fc.constantFrom(1, 2, 3, 5, 7),
    heads: fc.constantFrom(1, 2, 3),
    dh: fc.constantFrom(1, 2, 3, 5),
    ff: fc.constantFrom(1, 3, 8, 17),
    activation: fc.constantFrom<"relu" | "gelu">("relu", "gelu"),
    mode: fc.constantFrom<EncMaskMode>("none", "padding", "causal", "both"),
    dropout: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .map((r) =>
    makeEncCase(
      {
        batch: r.batch,
        length: r.length,
        d: r.heads * r.dh,
        heads: r.heads,
        ff: r.ff,
        activation: r.activation,
        eps: 1e-5,
      },
      r.seed,
      r.mode,
      r.dropout ? { dropout: { p: 0.2, seed: r.seed ^ 77 } } : {},
    )
  );

/** What the GPU returned: output, input gradient, parameter gradients per layer (torch order). */
export interface EncGpuResult {
  out: Float32Array;
  gx: Float32Array;
  grads: Record<string, Float32Array>[];
}

/** Builds the module of a case (eval unless the case has dropout). */
export function buildModule(
  c: EncCase,
): { module: TransformerEncoderLayer | TransformerEncoder; layers: TransformerEncoderLayer[] } {
  const g = c.g;
  const layer = new TransformerEncoderLayer(g.d, g.heads, {
    dimFeedforward: g.ff,
    activation: g.activation,
    layerNormEps: g.eps,
    dropout: c.call.dropout?.p ?? 0.1,
  });
  if (c.layers === 0) {
    layer.setWeights(c.params[0]!);
    layer.train(c.call.dropout !== undefined);
    return { module: layer, layers: [layer] };
  }
  const enc = new TransformerEncoder(layer, c.layers);
  layer.dispose();
  enc.layers.forEach((l, i) => l.setWeights(c.params[i]!));
  enc.train(c.call.dropout !== undefined);
  return { module: enc, layers: enc.layers };
}

/** Runs a case on the GPU: forward, backward from gOut; one sync. */
export async function runEncGpu(c: EncCase): Promise<EncGpuResult> {
  await initGpu();
  const before = liveBufferCount();
  const { batch: B, length: L, d } = c.g;
  const { module, layers } = buildModule(c);
  const x = tensor(c.x, [B, L, d], { requiresGrad: true });
  let values: (Float32Array | Int32Array)[];
  try {
    const read = tidy(() => {
      const y = module.forward(x, {
        srcMask: c.call.attnMask
          ? {
            shape: c.call.attnMask.shape,
            data: Float64Array.from(c.call.attnMask.data as ArrayLike<number>),
          }
          : null,
        srcKeyPaddingMask: (c.call.keyPaddingMask as boolean[] | undefined) ?? null,
        seed: c.call.dropout?.seed ?? 0,
      });
      backward(y, tensor(c.gOut, [B, L, d]));
      return [y, x.grad!, ...layers.flatMap((l) => l.parameters().map((p) => p.grad!))];
    });
    values = await readTensors(read);
    read[0]!.dispose();
  } finally {
    x.dispose();
    module.dispose();
  }
  if (liveBufferCount() !== before) {
    throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
  }
  const grads: Record<string, Float32Array>[] = [];
  let k = 2;
  for (let i = 0; i < layers.length; i++) {
    grads.push(Object.fromEntries(PARAM_NAMES.map((n) => [n, values[k++] as Float32Array])));
  }
  return { out: values[0] as Float32Array, gx: values[1] as Float32Array, grads };
}

/** One compared array's verdict. */
export interface EncCompared {
  name: string;
  verdict: CloseVerdict;
}

/**
 * The oracle's output and gradients of a case: a lone layer uses the call's
 * seed itself; an encoder seeds layer i with hashU32(seed, i).
 */
export function encOracle(
  c: EncCase,
): { out: Float64Array; x: Float64Array; params: LayerParams[] } {
  if (c.layers === 0) {
    const r = layerBackward(c.g, c.params[0]!, c.x, c.gOut, c.call);
    return { out: layerForward(c.g, c.params[0]!, c.x, c.call).out, x: r.x, params: [r.params] };
  }
  return {
    out: encoderForward(c.g, c.params, c.x, c.call),
    ...encoderBackward(c.g, c.params, c.x, c.gOut, c.call),
  };
}

/** Runs a case on both sides; every comparison, worst first. */
export async function checkEncCase(c: EncCase): Promise<EncCompared[]> {
  const o = encOracle(c);
  const b = encoderBounds(c.g, c.params, c.x, c.gOut, c.call, c.layers > 0);
  const got = await runEncGpu(c);
  const out: EncCompared[] = [];
  const cmp = (
    name: string,
    values: ArrayLike<number>,
    want: ArrayLike<number>,
    atol: ArrayLike<number>,
  ) => out.push({ name, verdict: checkClose(values, want, { atol }) });
  cmp("output", got.out, o.out, b.out);
  cmp("grad src", got.gx, o.x, b.x);
  o.params.forEach((p, i) => {
    for (const n of PARAM_NAMES) {
      cmp(`grad layers.${i}.${n}`, got.grads[i]![n]!, p[n], b.params[i]![n]!);
    }
  });
  return out.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** One line for a comparison. */
export function describeEncCompared(c: EncCase, r: EncCompared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}
