/**
 * Cases of the temporal encoder and their run on the GPU and on the oracle,
 * compared element by element under the derived bounds (./_bounds.ts).
 *
 * @module
 */
import {
  add,
  backward,
  initGpu,
  layerNorm,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { copyTensor } from "../../../impl/nn/multihead_attention/multihead_attention.ts";
import { hashU32 } from "../../../impl/gpu/rng.ts";
import { TemporalAttentionEncoder } from "../../../impl/larkos/temporal_encoder/temporal_encoder.ts";
import fc from "fast-check";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import {
  layerBackward,
  type LayerCall,
  layerForward,
  PARAM_NAMES,
} from "../../oracle/nn/transformer_encoder.ts";
import { encoderBounds } from "../../nn/transformer_encoder/_bounds.ts";
import {
  flatParams,
  inputStageBackward,
  inputStageForward,
  layerGeometry,
  type TemporalGeometry,
  type TemporalParams,
} from "../../oracle/larkos/temporal_encoder.ts";
import { makeParams } from "../../nn/transformer_encoder/_cases.ts";
import { inputStageBounds } from "./_bounds.ts";

/** One case. */
export interface TemporalCase {
  g: TemporalGeometry;
  params: TemporalParams;
  x: Float64Array;
  gOut: Float64Array;
  call: LayerCall;
  label: string;
}

/** Larkos' geometry at batch B. */
export function larkosGeometry(batch: number): TemporalGeometry {
  return { batch, length: 4, d: 48, heads: 4, ff: 64 };
}

/** Seeded f32 parameters: pos ±0.05, LayerNorm near 1 and 0, layers as nn's cases. */
export function makeTemporalParams(g: TemporalGeometry, seed: number, layers = 2): TemporalParams {
  const { length: L, d } = g;
  return {
    pos: caseValues(seed * 13 + 1, L * d, -0.05, 0.05),
    "input_norm.weight": caseValues(seed * 13 + 2, d, 0.8, 1.2),
    "input_norm.bias": caseValues(seed * 13 + 3, d, -0.2, 0.2),
    layers: Array.from({ length: layers }, (_, i) => makeParams(layerGeometry(g), seed + 101 * i)),
  };
}

/**
 * Fourier-like histories: each real frame [sin(π·2^e·c_d)] ++ [cos(π·2^e·c_d)] of random
 * channels c ∈ [−1, 1) (f32), `pad` zero frames in front of every history.
 */
export function fourierHistories(g: TemporalGeometry, seed: number, pad: number): Float64Array {
  const { batch: B, length: L, d } = g;
  const x = new Float64Array(B * L * d);
  // Sines in the first ⌈d/2⌉ slots, cosines of the same arguments after (d = 48: 24 + 24).
  const half = Math.ceil(d / 2);
  const per = Math.max(1, Math.floor(half / 4));
  for (let b = 0; b < B; b++) {
    for (let t = pad; t < L; t++) {
      const c = caseValues(seed * 7 + b * L + t, per, -1, 1);
      const base = (b * L + t) * d;
      for (let j = 0; j < d; j++) {
        const k = j < half ? j : j - half;
        const a = Math.PI * 2 ** (k % 4) * c[Math.floor(k / 4) % per]!;
        x[base + j] = Math.fround(j < half ? Math.sin(a) : Math.cos(a));
      }
    }
  }
  return x;
}

/** A seeded case; `dropout` puts the module in training mode with replayed masks. */
export function makeTemporalCase(
  g: TemporalGeometry,
  seed: number,
  opts: { pad?: number; dropout?: { p: number; seed: number } } = {},
): TemporalCase {
  const pad = opts.pad ?? 0;
  const call: LayerCall = opts.dropout ? { dropout: opts.dropout } : {};
  return {
    g,
    params: makeTemporalParams(g, seed),
    x: fourierHistories(g, seed, pad),
    gOut: caseValues(seed ^ 0x2545f491, g.batch * g.length * g.d, -1, 1),
    call,
    label: `B=${g.batch} L=${g.length} d=${g.d} H=${g.heads} ff=${g.ff} pad=${pad}` +
      `${opts.dropout ? ` dropout=${opts.dropout.p}` : ""} seed=${seed}`,
  };
}

/**
 * The fuzz arbitrary: small geometries (batch 1–3, 1–5 frames, 1–3 heads of width 1–5,
 * feed-forward 1–9, 2 layers), histories with 0–4 zero frames in front, eval or dropout 0.2.
 */
export const temporalArbitrary: fc.Arbitrary<TemporalCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    length: fc.integer({ min: 1, max: 5 }),
    heads: fc.integer({ min: 1, max: 3 }),
    dh: fc.integer({ min: 1, max: 5 }),
    ff: fc.integer({ min: 1, max: 9 }),
    pad: fc.integer({ min: 0, max: 4 }),
    dropout: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .map((r) =>
    makeTemporalCase(
      { batch: r.batch, length: r.length, d: r.heads * r.dh, heads: r.heads, ff: r.ff },
      r.seed,
      {
        pad: Math.min(r.pad, r.length - 1),
        ...(r.dropout ? { dropout: { p: 0.2, seed: r.seed ^ 77 } } : {}),
      },
    )
  );

/** A module holding a case's weights (eval unless the case has dropout). */
export function buildTemporalModule(c: TemporalCase): TemporalAttentionEncoder {
  const g = c.g;
  const m = new TemporalAttentionEncoder({
    seqLen: g.length,
    dModel: g.d,
    nhead: g.heads,
    dimFeedforward: g.ff,
    numLayers: c.params.layers.length,
    dropout: c.call.dropout?.p ?? 0.1,
    weights: flatParams(c.params),
  });
  return m.train(c.call.dropout !== undefined);
}

/** What one run of the module returned (output, input gradient, parameter gradients). */
export interface TemporalGpuRun {
  out: Float32Array;
  gx: Float32Array;
  grads: Record<string, Float32Array>;
}

/** The stages run in turn: each stage's f32 input and output and incoming gradient. */
export interface TemporalStages extends TemporalGpuRun {
  /** LN(x + pos): the first layer's input. */
  seq: Float32Array;
  /** Each layer's output. */
  layerOutputs: Float32Array[];
  /** ∂ of each layer's input (layer 0's is ∂seq). */
  layerInputGrads: Float32Array[];
}

/** The module's full run and its stages run in turn, on two modules with the case's weights. */
export interface TemporalGpuResult {
  full: TemporalGpuRun;
  staged: TemporalStages;
}

/** The dropout call of layer i (the encoder seeds layer i with hashU32(seed, i)). */
export function layerCall(c: TemporalCase, i: number): LayerCall {
  const dr = c.call.dropout;
  return dr ? { dropout: { p: dr.p, seed: hashU32(dr.seed, i) } } : {};
}

/**
 * Runs a case on the GPU twice: the module's forward and backward from gOut, and the same
 * computation stage by stage (input stage, then each layer on a copied leaf of the previous
 * output, backward stage by stage from the leaves' gradients); one sync; checks for leaks.
 */
export async function runTemporalGpu(c: TemporalCase): Promise<TemporalGpuResult> {
  await initGpu();
  const before = liveBufferCount();
  const { batch: B, length: L, d } = c.g;
  const seed = c.call.dropout?.seed ?? 0;
  const full = buildTemporalModule(c);
  const st = buildTemporalModule(c);
  const names = full.namedParameters().map(([n]) => n);
  const n = st.encoder.layers.length;
  const x = tensor(c.x, [B, L, d], { requiresGrad: true });
  const xs = tensor(c.x, [B, L, d], { requiresGrad: true });
  let values: (Float32Array | Int32Array)[];
  try {
    const read = tidy(() => {
      const y = full.forward(x, { seed });
      backward(y, tensor(c.gOut, [B, L, d]));
      const seq = layerNorm(add(xs, st.pos), st.inputNormWeight, st.inputNormBias, 1e-5);
      const leaves: Tensor[] = [];
      const outs: Tensor[] = [];
      let h = seq;
      st.encoder.layers.forEach((l, i) => {
        const leaf = copyTensor(h, true);
        leaves.push(leaf);
        h = l.forward(leaf, { seed: hashU32(seed, i) });
        outs.push(h);
      });
      backward(outs[n - 1]!, tensor(c.gOut, [B, L, d]));
      for (let i = n - 1; i >= 1; i--) backward(outs[i - 1]!, leaves[i]!.grad!);
      backward(seq, leaves[0]!.grad!);
      return [
        y,
        x.grad!,
        ...full.parameters().map((p) => p.grad!),
        outs[n - 1]!,
        xs.grad!,
        ...st.parameters().map((p) => p.grad!),
        seq,
        ...outs,
        ...leaves.map((l) => l.grad!),
        ...leaves,
      ];
    });
    // Leaves last: read only up to their gradients; owned tensors (y, seq, outputs, leaves
    // with their gradients) are released here, the parameters' gradients with the modules.
    values = await readTensors(read.slice(0, read.length - n));
    const owned = [read[0]!, read[2 + names.length]!, ...read.slice(read.length - 3 * n - 1)];
    for (const t of new Set(owned)) t.dispose();
  } finally {
    for (const t of [x, xs]) t.dispose();
    full.dispose();
    st.dispose();
  }
  if (liveBufferCount() !== before) {
    throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
  }
  let k = 0;
  const next = () => values[k++] as Float32Array;
  const run = (): TemporalGpuRun => {
    const out = next();
    const gx = next();
    const grads: Record<string, Float32Array> = {};
    for (const nm of names) grads[nm] = next();
    return { out, gx, grads };
  };
  const f = run();
  const s = run();
  const seqV = next();
  const layerOutputs = Array.from({ length: n }, next);
  const layerInputGrads = Array.from({ length: n }, next);
  return { full: f, staged: { ...s, seq: seqV, layerOutputs, layerInputGrads } };
}

/** One compared array's verdict. */
export interface TemporalCompared {
  name: string;
  verdict: CloseVerdict;
}

/** Arrays of the module's run that differ from the staged run in some bit. */
export function compositionDiffs(r: TemporalGpuResult): string[] {
  const diffs: string[] = [];
  const same = (a: Float32Array, b: Float32Array) =>
    a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  if (!same(r.full.out, r.staged.out)) diffs.push("output");
  if (!same(r.full.gx, r.staged.gx)) diffs.push("grad x");
  for (const [n, v] of Object.entries(r.full.grads)) {
    if (!same(v, r.staged.grads[n]!)) diffs.push(`grad ${n}`);
  }
  return diffs;
}

/**
 * Every stage's comparison with the oracle run on that stage's GPU input (and incoming
 * gradient), under the stage's derived bounds; worst first.
 */
export function compareStages(c: TemporalCase, r: TemporalGpuResult): TemporalCompared[] {
  const s = r.staged;
  const lg = layerGeometry(c.g);
  const n = c.params.layers.length;
  const out: TemporalCompared[] = [];
  const cmp = (
    name: string,
    got: ArrayLike<number>,
    want: ArrayLike<number>,
    atol: ArrayLike<number>,
  ) => out.push({ name, verdict: checkClose(got, want, { atol }) });
  const gSeq = s.layerInputGrads[0]!;
  const ib = inputStageBounds(c.g, c.params, c.x, gSeq);
  cmp("output seq = LN(x + pos)", s.seq, inputStageForward(c.g, c.params, c.x), ib.seq);
  const ig = inputStageBackward(c.g, c.params, c.x, gSeq);
  cmp("grad x", s.gx, ig.x, ib.x);
  for (const nm of ["pos", "input_norm.weight", "input_norm.bias"] as const) {
    cmp(`grad ${nm}`, s.grads[nm]!, ig[nm], ib[nm]);
  }
  for (let i = 0; i < n; i++) {
    const hin = Float64Array.from(i === 0 ? s.seq : s.layerOutputs[i - 1]!);
    const gIn = i === n - 1 ? c.gOut : Float64Array.from(s.layerInputGrads[i + 1]!);
    const p = c.params.layers[i]!;
    const call = layerCall(c, i);
    const b = encoderBounds(lg, [p], hin, gIn, call);
    cmp(`output layer ${i}`, s.layerOutputs[i]!, layerForward(lg, p, hin, call).out, b.out);
    const gr = layerBackward(lg, p, hin, gIn, call);
    cmp(`grad layer ${i} input`, s.layerInputGrads[i]!, gr.x, b.x);
    for (const nm of PARAM_NAMES) {
      cmp(
        `grad encoder.layers.${i}.${nm}`,
        s.grads[`encoder.layers.${i}.${nm}`]!,
        gr.params[nm],
        b.params[0]![nm]!,
      );
    }
  }
  return out.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** One line for a comparison. */
export function describeTemporalCompared(c: TemporalCase, r: TemporalCompared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}
