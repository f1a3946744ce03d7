/**
 * Cases of multi-head attention and their run on the GPU and on the oracle,
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
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { multiheadAttention } from "../../../impl/nn/mod.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import {
  mhaBackward,
  mhaForward,
  type MhaGeometry,
  type MhaInputs,
  type MhaMasks,
} from "../../oracle/nn/multihead_attention.ts";
import { mhaBounds } from "./_bounds.ts";

/** One case. */
export interface MhaCase {
  g: MhaGeometry;
  x: MhaInputs;
  /** The output gradient (f32 values). */
  gOut: Float64Array;
  masks: MhaMasks;
  label: string;
}

/** Mask modes of generated cases. */
export type MaskMode = "none" | "padding" | "additive" | "boolean_full" | "both";

function f32s(seed: number, n: number, lo = -1, hi = 1): Float64Array {
  return caseValues(seed, n, lo, hi);
}

/** A seeded case of geometry `g`; inputs in [−2, 2) scaled by `amp`, weights ~ U(−1/√d, 1/√d)·wAmp. */
export function makeCase(
  g: MhaGeometry,
  seed: number,
  mode: MaskMode,
  opts: { bias?: boolean; amp?: number; wAmp?: number; dropout?: { p: number; seed: number } } = {},
): MhaCase {
  const { batch: B, heads: H, lq: Lq, lk: Lk, d } = g;
  const amp = opts.amp ?? 1;
  const wb = (opts.wAmp ?? 1) / Math.sqrt(d);
  const scaled = (s: number, n: number, a: number) =>
    Float64Array.from(f32s(s, n), (v) => Math.fround(v * a));
  const bias = opts.bias ?? true;
  const x: MhaInputs = {
    query: scaled(seed + 1, B * Lq * d, 2 * amp),
    key: scaled(seed + 2, B * Lk * d, 2 * amp),
    value: scaled(seed + 3, B * Lk * d, 2 * amp),
    inProjWeight: scaled(seed + 4, 3 * d * d, wb),
    inProjBias: bias ? scaled(seed + 5, 3 * d, 0.5) : null,
    outProjWeight: scaled(seed + 6, d * d, wb),
    outProjBias: bias ? scaled(seed + 7, d, 0.5) : null,
  };
  const masks: MhaMasks = {};
  const pick = (s: number, n: number, frac: number) =>
    Array.from(f32s(s, n, 0, 1), (u) => u < frac);
  if (mode === "padding" || mode === "both") {
    const kpm = pick(seed + 8, B * Lk, 0.35);
    for (let b = 0; b < B; b++) kpm[b * Lk + ((seed >>> 0) % Lk)] = false; // one live key per batch
    masks.keyPaddingMask = kpm;
  }
  if (mode === "additive" || mode === "both") {
    const n = Lq * Lk;
    const data = scaled(seed + 9, n, 1);
    const drop = pick(seed + 10, n, 0.3);
    for (let i = 0; i < Lq; i++) {
      for (let j = 0; j < Lk; j++) {
        if (drop[i * Lk + j] && j !== ((seed >>> 0) % Lk)) data[i * Lk + j] = -Infinity;
      }
    }
    masks.attnMask = { shape: [Lq, Lk], data };
  }
  if (mode === "boolean_full") {
    const n = B * H * Lq * Lk;
    const data = pick(seed + 11, n, 0.4);
    for (let r = 0; r < B * H * Lq; r++) data[r * Lk + ((seed + r) >>> 0) % Lk] = false;
    masks.attnMask = { shape: [B * H, Lq, Lk], data };
  }
  if (opts.dropout) masks.dropout = opts.dropout;
  return {
    g,
    x,
    gOut: f32s(seed ^ 0x5bd1e995, B * Lq * d),
    masks,
    label: `B=${B} H=${H} Lq=${Lq} Lk=${Lk} d=${d} mask=${mode}${bias ? "" : " nobias"}` +
      `${opts.dropout ? ` dropout=${opts.dropout.p}` : ""}${
        amp !== 1 ? ` amp=${amp}` : ""
      } seed=${seed}`,
  };
}

/** The fuzz arbitrary: sizes 1, primes, Lk past 64. */
export const mhaArbitrary: fc.Arbitrary<MhaCase> = fc
  .record({
    batch: fc.constantFrom(1, 2, 3),
    heads: fc.constantFrom(1, 2, 3, 4),
    dh: fc.constantFrom(1, 2, 3, 5, 8),
    lq: fc.constantFrom(1, 2, 3, 5, 7, 11),
    lk: fc.constantFrom(1, 2, 3, 7, 13, 31, 64, 67, 97),
    mode: fc.constantFrom<MaskMode>("none", "padding", "additive", "boolean_full", "both"),
    bias: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .map((r) =>
    makeCase(
      { batch: r.batch, heads: r.heads, lq: r.lq, lk: r.lk, d: r.heads * r.dh },
      r.seed,
      r.mode,
      { bias: r.bias },
    )
  );

/** What the GPU returned for a case. */
export interface MhaGpuResult {
  out: Float32Array;
  weightsPerHead: Float32Array;
  weightsAveraged: Float32Array;
  grads: Float32Array[];
}

/** Runs a case on the GPU: forward (per-head and averaged weights) and backward; one sync. */
export async function runMhaGpu(c: MhaCase, training = false): Promise<MhaGpuResult> {
  await initGpu();
  const before = liveBufferCount();
  const { batch: B, heads: H, lq: Lq, lk: Lk, d } = c.g;
  const x = c.x;
  const leaf = (v: Float64Array, shape: number[]) => tensor(v, shape, { requiresGrad: true });
  const leaves: Tensor[] = [
    leaf(x.query, [B, Lq, d]),
    leaf(x.key, [B, Lk, d]),
    leaf(x.value, [B, Lk, d]),
    leaf(x.inProjWeight, [3 * d, d]),
    ...(x.inProjBias ? [leaf(x.inProjBias, [3 * d])] : []),
    leaf(x.outProjWeight, [d, d]),
    ...(x.outProjBias ? [leaf(x.outProjBias, [d])] : []),
  ];
  const [q, k, v, inW] = leaves as [Tensor, Tensor, Tensor, Tensor];
  let at = 4;
  const inB = x.inProjBias ? leaves[at++]! : null;
  const outW = leaves[at++]!;
  const outB = x.outProjBias ? leaves[at++]! : null;
  const params = { inProjWeight: inW, inProjBias: inB, outProjWeight: outW, outProjBias: outB };
  const opts = {
    heads: H,
    keyPaddingMask: c.masks.keyPaddingMask as boolean[] | undefined,
    attnMask: c.masks.attnMask
      ? {
        shape: c.masks.attnMask.shape,
        data: typeof c.masks.attnMask.data[0] === "boolean"
          ? (c.masks.attnMask.data as boolean[])
          : Float64Array.from(c.masks.attnMask.data as ArrayLike<number>),
      }
      : undefined,
    dropout: c.masks.dropout?.p ?? 0,
    dropoutSeed: c.masks.dropout?.seed ?? 0,
    training: training || c.masks.dropout !== undefined,
  };
  let values: (Float32Array | Int32Array)[];
  try {
    const read = tidy(() => {
      const per = multiheadAttention(q, k, v, params, { ...opts, averageAttnWeights: false });
      const avg = multiheadAttention(q, k, v, params, { ...opts, needWeights: true });
      backward(per.output, tensor(c.gOut, [B, Lq, d]));
      return [per.output, per.weights!, avg.weights!, ...leaves.map((t) => t.grad!)];
    });
    values = await readTensors(read);
    read[0]!.dispose();
    read[1]!.dispose();
    read[2]!.dispose();
  } finally {
    for (const t of leaves) t.dispose();
  }
  if (liveBufferCount() !== before) {
    throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
  }
  return {
    out: values[0] as Float32Array,
    weightsPerHead: values[1] as Float32Array,
    weightsAveraged: values[2] as Float32Array,
    grads: values.slice(3) as Float32Array[],
  };
}

/** One compared array's verdict. */
export interface Compared {
  name: string;
  verdict: CloseVerdict;
}

/** Bounds of the head-averaged weights: the mean op sums H terms (path H) and scales by f32(1/H). */
export function averagedBounds(
  g: MhaGeometry,
  pd: Float64Array,
  perHead: Float64Array,
): { want: Float64Array; bound: Float64Array } {
  const { batch: B, heads: H, lq: Lq, lk: Lk } = g;
  const want = new Float64Array(B * Lq * Lk);
  const bound = new Float64Array(B * Lq * Lk);
  const u = 2 ** -24;
  const gammaH = (H * u) / (1 - H * u);
  const invH = 1 / H;
  const invHErr = Math.abs(Math.fround(invH) - invH);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Lq; i++) {
      for (let j = 0; j < Lk; j++) {
        let s = 0;
        let e = 0;
        for (let h = 0; h < H; h++) {
          const k = ((b * H + h) * Lq + i) * Lk + j;
          s += pd[k]!;
          e += perHead[k]!;
        }
        const at = (b * Lq + i) * Lk + j;
        want[at] = s / H;
        // Σ: Σe + γ_H·(Σ|v| + Σe); product with f32(1/H): propagated + one rounding.
        const sumE = e + gammaH * (s + e) + H * 2 ** -126;
        const prodE = sumE * invH + (s + sumE) * invHErr;
        bound[at] = prodE + u * (s / H + prodE) + 2 ** -126;
      }
    }
  }
  return { want, bound };
}

/** Runs a case on both sides; returns every comparison, worst first. */
export async function checkMhaCase(c: MhaCase): Promise<Compared[]> {
  const f = mhaForward(c.g, c.x, c.masks);
  const gr = mhaBackward(c.g, c.x, c.gOut, c.masks);
  const b = mhaBounds(c.g, c.x, c.gOut, c.masks);
  const got = await runMhaGpu(c);
  const out: Compared[] = [];
  const cmp = (
    name: string,
    values: ArrayLike<number>,
    want: ArrayLike<number>,
    atol: ArrayLike<number>,
  ) => out.push({ name, verdict: checkClose(values, want, { atol }) });
  cmp("output", got.out, f.out, b.out);
  cmp("weights per head", got.weightsPerHead, f.pd, b.weights);
  const avg = averagedBounds(c.g, f.pd, b.weights);
  cmp("weights averaged", got.weightsAveraged, avg.want, avg.bound);
  const names = [
    "query",
    "key",
    "value",
    "inProjWeight",
    "inProjBias",
    "outProjWeight",
    "outProjBias",
  ] as const;
  let k = 0;
  for (const n of names) {
    const want = gr[n];
    const bound = b[n];
    if (want === null || bound === null) continue;
    cmp(`grad ${n}`, got.grads[k++]!, want, bound);
  }
  return out.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** One line for a comparison. */
export function describeCompared(c: MhaCase, r: Compared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}
