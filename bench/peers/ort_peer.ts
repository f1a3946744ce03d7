/**
 * onnxruntime-web's WebGPU execution provider on the same adapter, with the
 * ONNX models built in code (`_onnx.ts`). Inputs live in GPU buffers and
 * outputs stay there (`preferredOutputLocation: "gpu-buffer"`), so a timed
 * call is one `session.run` without copies; the end-to-end path downloads
 * the output. Sync: the EP's device queue.
 *
 * `ort.env.wasm.numThreads = 1`: with more threads ORT imports its wasm glue
 * from a `blob:` URL, which Deno's module loader refuses.
 *
 * @module
 */
// The peers are bench-only: a pinned npm: specifier (deno.lock), not a workspace import.
// deno-lint-ignore no-import-prefix
import * as ort from "npm:onnxruntime-web@1.30.0/webgpu";
import { GraphBuilder } from "./_onnx.ts";
import {
  CHAIN_OPS,
  CHAIN_SIZE,
  CHUNK,
  chunkMasks,
  D,
  type Form,
  GAMMA,
  type Inputs,
  matmulSize,
  type Peer,
  type Prepared,
  recurrenceLength,
  type WorkloadId,
} from "./_common.ts";

function device(): GPUDevice {
  return (ort.env.webgpu as unknown as { device: GPUDevice }).device;
}

/** A float32 GPU tensor on ORT's device holding `data`. */
function gpuTensor(data: Float32Array, dims: number[]): ort.Tensor {
  const dev = device();
  const buffer = dev.createBuffer({
    size: Math.max(16, data.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  dev.queue.writeBuffer(buffer, 0, new Float32Array(data));
  return ort.Tensor.fromGpuBuffer(buffer as unknown as ort.Tensor.GpuBufferType, {
    dataType: "float32",
    dims,
    dispose: () => buffer.destroy(),
  });
}

async function session(
  g: GraphBuilder,
  optimize: boolean,
  feeds: Record<string, { data: Float32Array; dims: number[] }>,
  output: string,
): Promise<Prepared> {
  const s = await ort.InferenceSession.create(g.model(), {
    executionProviders: ["webgpu"],
    // The unrolled graphs are run as written (no folding of the chains).
    graphOptimizationLevel: optimize ? "all" : "disabled",
    preferredOutputLocation: "gpu-buffer",
  });
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) inputs[name] = gpuTensor(f.data, f.dims);
  const call = async () => (await s.run(inputs))[output]!;
  return {
    // The output goes back to ORT's buffer manager at once (it frees after the queued work), so
    // R calls reuse buffers as a caller's loop would.
    call: async () => (await call()).dispose(),
    sync: () => device().queue.onSubmittedWorkDone(),
    release: () => {},
    async run() {
      const out = await call();
      const values = (await out.getData(true)) as Float32Array;
      return values;
    },
    dispose() {
      Object.values(inputs).forEach((t) => t.dispose());
      void s.release();
    },
  };
}

/**
 * Split and Concat as trees of fan-out 8: one node with T outputs (or inputs) needs T + 1 storage
 * buffers in one shader, over the adapter's limit (maxStorageBuffersPerShaderStage, 16 here).
 */
const FAN_OUT = 8;

/** Splits `name` [T, …] along axis 0 into `${name}_0` … `${name}_{T−1}`. */
function splitTree(g: GraphBuilder, name: string, t: number, base = 0, label = name): void {
  if (t === 1) return;
  const parts = Math.min(FAN_OUT, t);
  const size = Math.ceil(t / parts);
  const sizes = Array.from({ length: parts }, (_, i) => Math.min(size, t - i * size)).filter((n) =>
    n > 0
  );
  const sizesName = `${label}_sizes`;
  g.shape(sizesName, sizes);
  let start = base;
  const outs = sizes.map((n, i) => {
    const out = n === 1 ? `${name}_${start}` : `${label}.${i}`;
    start += n;
    return out;
  });
  g.node("Split", [label, sizesName], outs, { axis: 0 });
  start = base;
  sizes.forEach((n, i) => {
    splitTree(g, name, n, start, outs[i]!);
    start += n;
  });
}

/** Concatenates `${name}_0` … `${name}_{T−1}` along axis 0 into `name`. */
function concatTree(g: GraphBuilder, name: string, t: number): void {
  let level = Array.from({ length: t }, (_, i) => `${name}_${i}`);
  let depth = 0;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += FAN_OUT) {
      const group = level.slice(i, i + FAN_OUT);
      const out = level.length <= FAN_OUT ? name : `${name}.c${depth}.${i / FAN_OUT}`;
      g.node("Concat", group, [out], { axis: 0 });
      next.push(out);
    }
    level = next;
    depth++;
  }
}

function recurrenceForms(t: number): Form[] {
  return [
    {
      form: "per-step",
      note: `unrolled graph: q, k, v split into ${t} steps, then per step MatMul(k_t, v_t), ` +
        "Mul(S, γ), Add, MatMul(q_t, S), then concatenated (4 nodes per step; Split and Concat " +
        `as trees of fan-out ${FAN_OUT}, graph optimisation off)`,
      prepare(inp: Inputs) {
        const g = new GraphBuilder();
        g.input("q", [t, 1, D]);
        g.input("k", [t, D, 1]);
        g.input("v", [t, 1, D]);
        g.constant("gamma", [1], Float32Array.of(GAMMA));
        for (const x of ["q", "k", "v"]) splitTree(g, x, t);
        for (let i = 0; i < t; i++) {
          if (i === 0) g.node("MatMul", ["k_0", "v_0"], ["s0"]);
          else {
            g.node("MatMul", [`k_${i}`, `v_${i}`], [`kv${i}`]);
            g.node("Mul", [`s${i - 1}`, "gamma"], [`sd${i}`]);
            g.node("Add", [`sd${i}`, `kv${i}`], [`s${i}`]);
          }
          g.node("MatMul", [`q_${i}`, `s${i}`], [`o_${i}`]);
        }
        concatTree(g, "o", t);
        g.output("o", [t, 1, D]);
        return session(g, false, {
          q: { data: inp.q!, dims: [t, 1, D] },
          k: { data: inp.k!, dims: [t, D, 1] },
          v: { data: inp.v!, dims: [t, 1, D] },
        }, "o");
      },
    },
    {
      form: "chunked",
      note:
        `C = ${CHUNK}, one graph of batched MatMuls: ((Q Kᵀ)⊙D)V + (γ^{i+1}Q)·(carry · Kᵀ(γ^{C−1−j}V))`,
      prepare(inp: Inputs) {
        const m = chunkMasks(t);
        const n = m.chunks;
        const g = new GraphBuilder();
        for (const x of ["q", "k", "v"]) g.input(x, [n, CHUNK, D]);
        g.constant("intra", [CHUNK, CHUNK], m.intra);
        g.constant("rowDecay", [CHUNK, 1], m.rowDecay);
        g.constant("stateDecay", [CHUNK, 1], m.stateDecay);
        g.constant("carry", [n, n], m.carry);
        g.shape("flat", [n, D * D]);
        g.shape("square", [n, D, D]);
        g.node("Transpose", ["k"], ["kT"], { perm: [0, 2, 1] });
        g.node("MatMul", ["q", "kT"], ["scores"]);
        g.node("Mul", ["scores", "intra"], ["masked"]);
        g.node("MatMul", ["masked", "v"], ["o1"]);
        g.node("Mul", ["v", "stateDecay"], ["vd"]);
        g.node("MatMul", ["kT", "vd"], ["u"]);
        g.node("Reshape", ["u", "flat"], ["uf"]);
        g.node("MatMul", ["carry", "uf"], ["sf"]);
        g.node("Reshape", ["sf", "square"], ["s"]);
        g.node("Mul", ["q", "rowDecay"], ["qd"]);
        g.node("MatMul", ["qd", "s"], ["o2"]);
        g.node("Add", ["o1", "o2"], ["o"]);
        g.output("o", [n, CHUNK, D]);
        const dims = [n, CHUNK, D];
        return session(g, true, {
          q: { data: inp.q!, dims },
          k: { data: inp.k!, dims },
          v: { data: inp.v!, dims },
        }, "o");
      },
    },
  ];
}

/** onnxruntime-web, WebGPU EP. */
export const ortPeer: Peer = {
  name: "ort-webgpu",
  library: "onnxruntime-web 1.30.0 (WebGPU EP, numThreads 1)",
  async init() {
    ort.env.wasm.numThreads = 1;
    // The EP creates its device with the first session: a one-node model starts it.
    const g = new GraphBuilder();
    g.input("a", [1]);
    g.node("Add", ["a", "a"], ["b"]);
    g.output("b", [1]);
    await ort.InferenceSession.create(g.model(), { executionProviders: ["webgpu"] });
    return device().adapterInfo?.description ?? "unknown adapter";
  },
  forms(id: WorkloadId): Form[] {
    if (id.startsWith("matmul")) {
      const n = matmulSize(id);
      return [{
        form: "matmul",
        note: "one MatMul node, GPU-resident input and output",
        prepare(inp: Inputs) {
          const g = new GraphBuilder();
          g.input("a", [n, n]);
          g.input("b", [n, n]);
          g.node("MatMul", ["a", "b"], ["c"]);
          g.output("c", [n, n]);
          return session(g, true, {
            a: { data: inp.a!, dims: [n, n] },
            b: { data: inp.b!, dims: [n, n] },
          }, "c");
        },
      }];
    }
    if (id.startsWith("recurrence")) return recurrenceForms(recurrenceLength(id));
    return [{
      form: "per-op",
      note: `graph of ${CHAIN_OPS} Add nodes on ${CHAIN_SIZE} elements (graph optimisation off)`,
      prepare(inp: Inputs) {
        const g = new GraphBuilder();
        g.input("x", [CHAIN_SIZE]);
        g.input("c", [CHAIN_SIZE]);
        for (let i = 0; i < CHAIN_OPS; i++) {
          g.node("Add", [i === 0 ? "x" : `y${i - 1}`, "c"], [`y${i}`]);
        }
        g.output(`y${CHAIN_OPS - 1}`, [CHAIN_SIZE]);
        return session(g, false, {
          x: { data: inp.x!, dims: [CHAIN_SIZE] },
          c: { data: inp.c!, dims: [CHAIN_SIZE] },
        }, `y${CHAIN_OPS - 1}`);
      },
    }];
  },
};
