/**
 * Cases of the GAT layer and their run on the GPU and on the oracle, compared
 * element by element under the derived bounds (./_bounds.ts).
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
import { GATLayer, type GraphEdges } from "../../../impl/larkos/gat_layer/gat_layer.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import {
  type GatGeometry,
  gatLayerBackward,
  gatLayerForward,
  type GatParams,
} from "../../oracle/larkos/gat_layer.ts";
import { gatBounds } from "./_bounds.ts";

/** One case: geometry, f32 parameters and inputs (as f64 arrays), a graph, an output gradient. */
export interface GatCase {
  g: GatGeometry;
  B: number;
  N: number;
  params: { "W.weight": Float64Array; a_src: Float64Array; a_dst: Float64Array };
  h: Float64Array;
  edges: GraphEdges;
  gOut: Float64Array;
  label: string;
}

/** Options of {@link makeGraph}. */
export interface GraphOptions {
  /** Probability of an edge i→j (j ≠ i); self-loops always. */
  density: number;
  /** Edge weights uniform in ±wAmp. */
  wAmp: number;
  /** Extreme weights (−12, −9.5, 30) on some edges and non-edges. */
  extreme?: boolean;
  /** Nodes whose only edge is the self-loop. */
  isolated?: readonly number[];
}

/** A seeded graph with self-loops. */
export function makeGraph(N: number, seed: number, o: GraphOptions): GraphEdges {
  const u = caseValues(seed * 7 + 1, N * N, 0, 1);
  const wv = caseValues(seed * 7 + 2, N * N, -o.wAmp, o.wAmp);
  const pick = caseValues(seed * 7 + 3, N * N, 0, 1);
  const adjacency = new Uint8Array(N * N);
  const weights = new Float32Array(N * N);
  const iso = new Set(o.isolated ?? []);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      adjacency[k] = i === j || (!iso.has(i) && u[k]! < o.density) ? 1 : 0;
      let w = wv[k]!;
      if (o.extreme) {
        const p = pick[k]!;
        if (p < 0.1) w = -12;
        else if (p < 0.2) w = -9.5;
        else if (p < 0.25) w = 30;
      }
      weights[k] = w;
    }
  }
  return { nodes: N, adjacency, weights };
}

/** Seeded f32 parameters: W U(±1/√dIn)·amp, a_src/a_dst N-like scale 1/√hd·amp. */
export function makeParams(
  g: GatGeometry,
  seed: number,
  amp = 1,
): { "W.weight": Float64Array; a_src: Float64Array; a_dst: Float64Array } {
  const hd = g.dOut / g.heads;
  const bw = amp / Math.sqrt(g.dIn);
  const ba = (amp * Math.sqrt(3)) / Math.sqrt(hd);
  return {
    "W.weight": caseValues(seed * 13 + 1, g.dOut * g.dIn, -bw, bw),
    a_src: caseValues(seed * 13 + 2, g.dOut, -ba, ba),
    a_dst: caseValues(seed * 13 + 3, g.dOut, -ba, ba),
  };
}

/** A seeded case. */
export function makeCase(
  g: GatGeometry,
  B: number,
  N: number,
  seed: number,
  graph: GraphOptions,
  opts: { amp?: number; hAmp?: number } = {},
): GatCase {
  const hAmp = opts.hAmp ?? 2;
  return {
    g,
    B,
    N,
    params: makeParams(g, seed, opts.amp ?? 1),
    h: caseValues(seed * 13 + 4, B * N * g.dIn, -hAmp, hAmp),
    edges: makeGraph(N, seed, graph),
    gOut: caseValues(seed ^ 0x2545f491, B * N * g.dOut, -1, 1),
    label: `B=${B} N=${N} dIn=${g.dIn} dOut=${g.dOut} H=${g.heads} density=${graph.density}` +
      `${graph.extreme ? " extreme-w" : ""}${opts.amp ? ` amp=${opts.amp}` : ""} seed=${seed}`,
  };
}

/** The fuzz arbitrary. */
export const gatArbitrary: fc.Arbitrary<GatCase> = fc
  .record({
    B: fc.constantFrom(1, 2, 3),
    N: fc.constantFrom(1, 2, 3, 5, 7, 13),
    heads: fc.constantFrom(1, 2, 4),
    hd: fc.constantFrom(1, 2, 3, 5),
    dIn: fc.constantFrom(1, 3, 8),
    density: fc.constantFrom(0, 0.2, 0.5, 1),
    extreme: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .map((r) =>
    makeCase(
      { dIn: r.dIn, dOut: r.heads * r.hd, heads: r.heads },
      r.B,
      r.N,
      r.seed,
      { density: r.density, wAmp: 3, extreme: r.extreme },
    )
  );

/** What the GPU returned. */
export interface GatGpuResult {
  out: Float32Array;
  attention: Float32Array;
  grads: Record<"h" | "W.weight" | "a_src" | "a_dst", Float32Array>;
}

/** Builds the layer of a case. */
export function buildLayer(c: GatCase): GATLayer {
  return new GATLayer({ ...c.g, weights: c.params });
}

/** Runs a case on the GPU: forward with attention, backward from gOut; one sync. */
export async function runGatGpu(c: GatCase, withBackward = true): Promise<GatGpuResult> {
  await initGpu();
  const before = liveBufferCount();
  const gat = buildLayer(c);
  const h = tensor(c.h, [c.B, c.N, c.g.dIn], { requiresGrad: withBackward });
  let values: (Float32Array | Int32Array)[];
  try {
    const read = tidy(() => {
      const { out, attention } = gat.forwardWithAttention(h, c.edges);
      if (!withBackward) return [out, attention];
      backward(out, tensor(c.gOut, [c.B, c.N, c.g.dOut]));
      return [out, attention, h.grad!, ...gat.parameters().map((p) => p.grad!)];
    });
    values = await readTensors(read);
    read[0]!.dispose();
    read[1]!.dispose();
  } finally {
    h.dispose();
    gat.dispose();
  }
  if (liveBufferCount() !== before) {
    throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
  }
  const none = new Float32Array(0);
  return {
    out: values[0] as Float32Array,
    attention: values[1] as Float32Array,
    grads: {
      h: (values[2] as Float32Array) ?? none,
      "W.weight": (values[3] as Float32Array) ?? none,
      a_src: (values[4] as Float32Array) ?? none,
      a_dst: (values[5] as Float32Array) ?? none,
    },
  };
}

/** The oracle's params of a case. */
export function oracleParams(c: GatCase): GatParams {
  return c.params;
}

/** One compared array's verdict (`out…` forward, `grad…` gradients). */
export interface GatCompared {
  name: string;
  verdict: CloseVerdict;
}

/** Runs a case on both sides; every comparison, worst first. */
export async function checkGatCase(c: GatCase): Promise<GatCompared[]> {
  await initGpu();
  const f = gatLayerForward(c.params, c.h, c.B, c.N, c.edges, c.g);
  const gr = gatLayerBackward(c.params, c.h, c.B, c.N, c.edges, c.g, c.gOut);
  const b = gatBounds(c.params, c.h, c.B, c.N, c.edges, c.g, c.gOut);
  const got = await runGatGpu(c);
  const res: GatCompared[] = [];
  const cmp = (name: string, v: ArrayLike<number>, want: ArrayLike<number>, atol: Float64Array) =>
    res.push({ name, verdict: checkClose(v, want, { atol }) });
  cmp("output", got.out, f.out, b.out);
  cmp("output attention", got.attention, f.attention, b.attention);
  cmp("grad h", got.grads.h, gr.h, b.h);
  cmp("grad W.weight", got.grads["W.weight"], gr["W.weight"], b["W.weight"]);
  cmp("grad a_src", got.grads.a_src, gr.a_src, b.a_src);
  cmp("grad a_dst", got.grads.a_dst, gr.a_dst, b.a_dst);
  return res.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** One line for a comparison. */
export function describeGatCompared(c: GatCase, r: GatCompared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}
