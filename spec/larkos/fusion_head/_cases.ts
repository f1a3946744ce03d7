/**
 * Cases of the fusion head and their run on the GPU and on the oracle, compared
 * element by element under the derived bounds (./_bounds.ts).
 *
 * @module
 */
import {
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidyAsync,
} from "../../../impl/mod.ts";
import { hashU32 } from "../../../impl/gpu/rng.ts";
import { copyTensor } from "../../../impl/nn/multihead_attention/multihead_attention.ts";
import {
  FUSION_PARAMETER_SHAPES,
  fusionSeeds,
  FusionTransformerHead,
} from "../../../impl/larkos/fusion_head/fusion_head.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import {
  FH_D,
  FH_GRAPH,
  FH_OUT,
  type FusionCall,
  fusionEmbed,
  fusionEmbedBackward,
  type FusionInputs,
  fusionLayerCall,
  fusionLayerGeometry,
  type FusionParams,
  fusionPool,
  fusionPoolBackward,
  layerParamsOf,
} from "../../oracle/larkos/fusion_head.ts";
import { layerBackward, layerForward, PARAM_NAMES } from "../../oracle/nn/transformer_encoder.ts";
import { makeParams } from "../../nn/transformer_encoder/_cases.ts";
import { encoderBounds } from "../../nn/transformer_encoder/_bounds.ts";
import { embedBounds, poolBounds } from "./_bounds.ts";

/** One case. */
export interface FusionCase {
  B: number;
  params: FusionParams;
  x: FusionInputs;
  gOut: Float64Array;
  call: FusionCall;
  label: string;
}

/** Seeded f32 parameters with torch-like scales, three different encoder layers. */
export function makeFusionParams(seed: number): FusionParams {
  const v = (s: number, n: number, lo: number, hi: number) => caseValues(seed * 53 + s, n, lo, hi);
  const p: FusionParams = {
    token_type_embed: v(1, 4 * FH_D, -0.05, 0.05),
    pool_query: v(2, FH_D, -0.3, 0.3),
    "proj_q.weight": v(3, FH_D * 32, -0.18, 0.18),
    "proj_q.bias": v(4, FH_D, -0.18, 0.18),
    "proj_m.weight": v(5, FH_D * 32, -0.18, 0.18),
    "proj_m.bias": v(6, FH_D, -0.18, 0.18),
    "proj_driver.weight": v(7, FH_D * 8, -0.35, 0.35),
    "proj_driver.bias": v(8, FH_D, -0.35, 0.35),
    "input_norm.weight": v(9, FH_D, 0.8, 1.2),
    "input_norm.bias": v(10, FH_D, -0.2, 0.2),
    "linear_out.weight": v(11, FH_OUT * FH_D, -0.125, 0.125),
    "linear_out.bias": v(12, FH_OUT, -0.125, 0.125),
  };
  const g = fusionLayerGeometry(1);
  for (let i = 0; i < 3; i++) {
    const lp = makeParams(g, seed * 7 + 101 * i);
    for (const [n, a] of Object.entries(lp)) p[`encoder.layers.${i}.${n}`] = a;
  }
  return p;
}

/** Seeded inputs of batch B: graph tokens in [−2, 2], bands in [−3, 3], driver in [−2, 2]. */
export function makeFusionInputs(B: number, seed: number): FusionInputs {
  return {
    graph: caseValues(seed + 1, B * FH_GRAPH * FH_D, -2, 2),
    bandQ: caseValues(seed + 2, B * 32, -3, 3),
    bandM: caseValues(seed + 3, B * 32, -3, 3),
    driver: caseValues(seed + 4, B * FH_OUT, -2, 2),
  };
}

/** A seeded case. */
export function makeFusionCase(B: number, seed: number, call: FusionCall = {}): FusionCase {
  const t = call.training ?? null;
  return {
    B,
    params: makeFusionParams(seed),
    x: makeFusionInputs(B, seed),
    gOut: caseValues(seed ^ 0x2545f491, B * FH_OUT, -1, 1),
    call,
    label: `B=${B} seed=${seed} ${
      t === null ? "eval" : `train p=${t.p} seed=${t.seed}${t.frozenInput ? " frozen" : ""}`
    }`,
  };
}

/** A head with a case's weights, in the case's mode. */
export function headOf(c: FusionCase): FusionTransformerHead {
  const t = c.call.training ?? null;
  const head = new FusionTransformerHead({ weights: c.params, dropout: t?.p ?? 0.1 });
  return head.train(t !== null);
}

/** The arrays of one run: forward values and gradients (inputs and parameters). */
export interface FusionArrays {
  tokens: Float32Array;
  input: Float32Array;
  layers: Float32Array[];
  pool: Float32Array;
  pooled: Float32Array;
  out: Float32Array;
  graph: Float32Array;
  bandQ: Float32Array;
  bandM: Float32Array;
  driver: Float32Array;
  params: Record<string, Float32Array>;
}

/**
 * What the GPU returned: the head's one autograd graph (`whole`) and the same head run
 * stage by stage (`staged`), each stage on leaf copies of the previous stage's GPU output
 * and back-propagated from the next stage's GPU gradient (`gradIn`: the gradient reaching
 * the encoder's input, each layer's input and the encoder's output).
 */
export interface FusionGpuResult {
  whole: FusionArrays;
  staged: FusionArrays;
  /** Gradient reaching the encoder's input (staged). */
  gradInput: Float32Array;
  /** Gradient reaching each layer's output (staged): layer 0, 1, 2. */
  gradLayers: Float32Array[];
}

const N_PARAMS = FUSION_PARAMETER_SHAPES.length;

function arraysOf(v: Float32Array[], k: number): FusionArrays {
  const at = (i: number) => v[k + i]!;
  const params: Record<string, Float32Array> = {};
  FUSION_PARAMETER_SHAPES.forEach(([n], i) => (params[n] = at(12 + i)));
  return {
    tokens: at(0),
    input: at(1),
    layers: [at(2), at(3), at(4)],
    pool: at(5),
    pooled: at(6),
    out: at(7),
    graph: at(8),
    bandQ: at(9),
    bandM: at(10),
    driver: at(11),
    params,
  };
}

/**
 * Runs a case on the GPU, whole and staged (see {@link FusionGpuResult}); one sync.
 */
export async function runFusionGpu(c: FusionCase): Promise<FusionGpuResult> {
  await initGpu();
  const before = liveBufferCount();
  const B = c.B;
  const head = headOf(c);
  const seed = c.call.training?.seed ?? 0;
  const frozenInput = c.call.training?.frozenInput ?? false;
  const shapes = [[B, FH_GRAPH, FH_D], [B, 32], [B, 32], [B, FH_OUT]];
  const hostIn = [c.x.graph, c.x.bandQ, c.x.bandM, c.x.driver];
  const detached: Tensor[] = [];
  let values: Float32Array[];
  try {
    values = await tidyAsync(async () => {
      const xs = hostIn.map((v, i) => tensor(v, shapes[i]!, { requiresGrad: true }));
      const t = head.forwardTrace(xs[0]!, xs[1]!, xs[2]!, xs[3]!, { frozenInput, seed });
      const fwd = [t.tokens, t.input, ...t.layers, t.pool, t.pooled, t.out];
      const gOut = tensor(c.gOut, [B, FH_OUT]);
      backward(t.out, gOut);
      // The whole graph's gradients move out of the parameters, so the staged run starts
      // from none.
      const take = (x: Tensor) => {
        const g = x.grad!;
        x.grad = null;
        detached.push(g);
        return g;
      };
      const whole = [...fwd, ...xs.map(take), ...head.parameters().map(take)];
      const encLeaf = copyTensor(t.layers[2]!, true);
      const pr = head.pool(encLeaf);
      backward(pr.out, gOut);
      const encSeed = fusionSeeds(seed).encoder;
      const ys: Tensor[] = [];
      const leaves: Tensor[] = [];
      let next = encLeaf;
      for (let i = 2; i >= 0; i--) {
        const leaf = copyTensor(i === 0 ? t.input : t.layers[i - 1]!, true);
        const y = head.encoder.layers[i]!.forward(leaf, { seed: hashU32(encSeed, i) });
        backward(y, next.grad!);
        ys[i] = y;
        leaves[i] = leaf;
        next = leaf;
      }
      const xs2 = hostIn.map((v, i) => tensor(v, shapes[i]!, { requiresGrad: true }));
      const e = head.embed(xs2[0]!, xs2[1]!, xs2[2]!, xs2[3]!, { frozenInput, seed });
      backward(e.input, leaves[0]!.grad!);
      const staged = [
        e.tokens,
        e.input,
        ...ys,
        pr.pool,
        pr.pooled,
        pr.out,
        ...xs2.map((x) => x.grad!),
        ...head.parameters().map((p) => p.grad!),
      ];
      const gradIn = [leaves[0]!.grad!, leaves[1]!.grad!, leaves[2]!.grad!, encLeaf.grad!];
      return (await readTensors([...whole, ...staged, ...gradIn])) as Float32Array[];
    });
  } finally {
    for (const g of detached) g.dispose();
    head.dispose();
  }
  if (liveBufferCount() !== before) {
    throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
  }
  const per = 12 + N_PARAMS;
  const g = values.slice(2 * per);
  return {
    whole: arraysOf(values, 0),
    staged: arraysOf(values, per),
    gradInput: g[0]!,
    gradLayers: [g[1]!, g[2]!, g[3]!],
  };
}

/** One compared array's verdict (`grad…` names are gradients). */
export interface FusionCompared {
  name: string;
  verdict: CloseVerdict;
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

/**
 * Runs a case on both sides and compares each stage of the GPU run with the oracle on
 * that stage's f32 GPU inputs: every comparison, worst first.
 */
export async function checkFusionCase(c: FusionCase): Promise<FusionCompared[]> {
  const got = await runFusionGpu(c);
  const s = got.staged;
  const out: FusionCompared[] = [];
  const cmp = (
    name: string,
    v: ArrayLike<number>,
    want: ArrayLike<number>,
    atol: ArrayLike<number>,
  ) => out.push({ name, verdict: checkClose(v, want, { atol }) });
  const { params: p, x, B, call } = c;
  // Embed stage.
  const gIn = f64(got.gradInput);
  const eo = fusionEmbed(p, x, B, call);
  const eg = fusionEmbedBackward(p, x, B, gIn, call);
  const eb = embedBounds(p, x, B, gIn, call);
  cmp("out tokens", s.tokens, eo.tokens, eb.tokens);
  cmp("out encoder input", s.input, eo.input, eb.input);
  cmp("grad graph", s.graph, eg.graph, eb.graph);
  cmp("grad band_q", s.bandQ, eg.bandQ, eb.bandQ);
  cmp("grad band_m", s.bandM, eg.bandM, eb.bandM);
  cmp("grad driver", s.driver, eg.driver, eb.driver);
  for (const [n, a] of Object.entries(eg.params)) cmp(`grad ${n}`, s.params[n]!, a, eb.params[n]!);
  // Encoder layers, each on its GPU input and the GPU gradient reaching its output.
  const g = fusionLayerGeometry(B);
  for (let i = 0; i < 3; i++) {
    const xin = f64(i === 0 ? got.whole.input : got.whole.layers[i - 1]!);
    const gy = f64(got.gradLayers[i]!);
    const lp = layerParamsOf(p, i);
    const lc = fusionLayerCall(call, i);
    const lo = layerForward(g, lp, xin, lc);
    const lg = layerBackward(g, lp, xin, gy, lc);
    const lb = encoderBounds(g, [lp], xin, gy, lc, false);
    cmp(`out layer ${i}`, s.layers[i]!, lo.out, lb.out);
    const gxWant = i === 0 ? gIn : f64(got.gradLayers[i - 1]!);
    cmp(`grad layer ${i} input`, gxWant, lg.x, lb.x);
    for (const n of PARAM_NAMES) {
      const name = `encoder.layers.${i}.${n}`;
      cmp(`grad ${name}`, s.params[name]!, lg.params[n], lb.params[0]![n]!);
    }
  }
  // Pool stage on the GPU's encoder output.
  const enc = f64(got.whole.layers[2]!);
  const po = fusionPool(p, enc, B);
  const pg = fusionPoolBackward(p, enc, B, c.gOut);
  const pb = poolBounds(p, enc, B, c.gOut);
  cmp("out pool", s.pool, po.pool, pb.pool);
  cmp("out pooled", s.pooled, po.pooled, pb.pooled);
  cmp("out", s.out, po.out, pb.out);
  cmp("grad encoder output", got.gradLayers[2]!, pg.enc, pb.enc);
  for (const [n, a] of Object.entries(pg.params)) cmp(`grad ${n}`, s.params[n]!, a, pb.params[n]!);
  return out.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** Arrays of the whole run that differ (bit for bit) from the staged run. */
export function wholeVsStaged(r: FusionGpuResult): string[] {
  const bad: string[] = [];
  const same = (name: string, a: Float32Array, b: Float32Array) => {
    if (a.length !== b.length || a.some((v, i) => !Object.is(v, b[i]))) bad.push(name);
  };
  const w = r.whole;
  const s = r.staged;
  same("tokens", w.tokens, s.tokens);
  same("encoder input", w.input, s.input);
  w.layers.forEach((l, i) => same(`layer ${i}`, l, s.layers[i]!));
  same("pool", w.pool, s.pool);
  same("pooled", w.pooled, s.pooled);
  same("out", w.out, s.out);
  same("grad graph", w.graph, s.graph);
  same("grad band_q", w.bandQ, s.bandQ);
  same("grad band_m", w.bandM, s.bandM);
  same("grad driver", w.driver, s.driver);
  for (const [n] of FUSION_PARAMETER_SHAPES) same(`grad ${n}`, w.params[n]!, s.params[n]!);
  return bad;
}

/** One line for a comparison. */
export function describeFusionCompared(c: FusionCase, r: FusionCompared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}
