/**
 * The per-op path against a raw dispatch: 1000 chained `x = x + c` on 64
 * elements through memspec's `add` (a pooled output buffer, a cached pipeline
 * and bind group, uniforms in the batch's ring) and through a hand-written WGSL
 * add with its two bind groups made once (ping-pong buffers, one pass), in µs
 * per op. Each iteration records R chains and syncs once, R raised until an
 * iteration takes ≥ 250 ms, so the ≥ 11 ms host sync is under 5% of the
 * figure; a "1 chain + sync" row gives the latency a caller of one chain sees. Two chain styles
 * for memspec: intermediates freed as the chain goes (`dispose`: elementwise fusion records runs
 * of 256 adds as one dispatch) and kept until a `tidy` scope ends (runs of 14, the outputs a run
 * may bind); and the `tidy` chain op by op with fusion off, one dispatch per add.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/dispatch_bench.ts`
 *
 * @module
 */
import { add, gpu, initGpu, setElementwiseFusion, type Tensor, tensor, tidy } from "../impl/mod.ts";
import { flush, openEncoder } from "../impl/gpu/batch.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const CHAIN = 1000;
const N = 64;

const x0 = tensor(new Float32Array(N).fill(1), [N]);
const c = tensor(new Float32Array(N).fill(0.5), [N]);

function chainDispose(): Tensor {
  let x = add(x0, c);
  for (let i = 1; i < CHAIN; i++) {
    const y = add(x, c);
    x.dispose();
    x = y;
  }
  return x;
}

function chainTidy(): Tensor {
  return tidy(() => {
    let x: Tensor = x0;
    for (let i = 0; i < CHAIN; i++) x = add(x, c);
    return x;
  });
}

const RAW_WGSL = `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= arrayLength(&o)) { return; }
  o[g.x] = a[g.x] + b[g.x];
}`;

/** The raw probe: one pipeline, two ping-pong buffers, two bind groups made once. */
function rawChain(): () => void {
  const { device } = gpu();
  const pipeline = device.createComputePipeline({
    label: "raw add",
    layout: "auto",
    compute: { module: device.createShaderModule({ code: RAW_WGSL }), entryPoint: "main" },
  });
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const ping = [0, 1].map(() => device.createBuffer({ size: N * 4, usage }));
  const groups = [0, 1].map((k) =>
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: ping[k]! } },
        { binding: 1, resource: { buffer: c.buffer } },
        { binding: 2, resource: { buffer: ping[1 - k]! } },
      ],
    })
  );
  return () => {
    // Its own pass in the batch's encoder; the bench's sync submits it.
    const pass = openEncoder().beginComputePass();
    for (let i = 0; i < CHAIN; i++) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, groups[i & 1]!);
      pass.dispatchWorkgroups(1);
    }
    pass.end();
    flush();
  };
}

/** The `tidy` chain with fusion off: every add its own dispatch. */
function chainOpByOp(): Tensor {
  const was = setElementwiseFusion(false);
  try {
    return chainTidy();
  } finally {
    setElementwiseFusion(was);
  }
}

const raw = rawChain();
const rows: [string, () => Tensor | void, boolean][] = [
  ["raw WGSL add ×1000 (bind groups made once)", raw, false],
  ["memspec add ×1000, disposing as it goes", chainDispose, false],
  ["memspec add ×1000 in tidy", chainTidy, false],
  ["memspec add ×1000 in tidy, fusion off", chainOpByOp, false],
  ["raw WGSL add ×1000, 1 chain + sync", raw, true],
  ["memspec add ×1000, 1 chain + sync", chainTidy, true],
];
for (const [name, call, latency] of rows) {
  throughputBench({
    name: `${name}, ${N} elements`,
    group: latency ? "1000-op chain + sync" : "1000-op chain",
    reps: 1,
    latency,
    work: CHAIN,
    unit: "µs/op",
    call,
    iterations: 7,
  });
}
