/**
 * The decayed fast-weight recurrence S ← γ·S + kᵀv, o = q·S (one 64 × 64 state, γ = 0.99,
 * the peers' workload) as a raw hand-written WGSL probe beside memspec's `retention`
 * (recurrent form), in the same process, interleaved: batch after batch each runs R calls
 * and one sync (R so that a batch takes ≥ 250 ms; the 11 ms sync is amortised) and the figure
 * is the fastest batch per call. Other load on the machine moves both alike, so only the
 * ratio of one run means anything.
 *
 * The probe keeps the state in vec4 registers (one invocation per block of four columns),
 * spreads the sequence over workgroups and loops over t inside the shader, bound once and
 * dispatched straight on the device (no runner, no allocation per call). Its output is checked
 * against retention's first (the same operations in the same order: equal to the last bit
 * unless the compiler contracts them differently). Variants isolate where memspec's time goes:
 * the workgroup size, scalar against vec4 loads of q and k, and memspec's own kernel bound
 * and dispatched raw (its code, without the op's host path).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/retention_probe_bench.ts`
 * (the table is printed at the end; `PROBE_T=4096` runs the long sequence instead).
 *
 * @module
 */
// Direct module imports (not ../impl/mod.ts): the probe needs only the device, tensors and the op.
import { optionalEnv } from "./_env.ts";
import { gpu, initGpu } from "../impl/gpu/device.ts";
import { sync } from "../impl/gpu/readback.ts";
import { type Tensor, tensor, tidy } from "../impl/tensor.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { retention } from "../impl/decepticons/retention/retention.ts";
import {
  RETENTION_FORWARD,
  RETENTION_SCAN_WG,
} from "../impl/decepticons/retention/kernels/forward.ts";
import { RETENTION_FORWARD_VEC4 } from "../impl/decepticons/retention/kernels/forward_vec4.ts";

const D = 64;
const GAMMA = 0.99;
const MIN_BATCH_MS = 250;
const BATCHES = 5;

/** WGSL of the probe: `wg` invocations per workgroup, q and k read as vec4 or as f32. */
function probeWgsl(wg: number, vecLoads: boolean): string {
  const blocks = D / 4;
  const rows: string[] = [];
  for (let c = 0; c < D; c++) {
    const kc = vecLoads ? `k4_${c >> 2}.${"xyzw"[c & 3]}` : `ks[t * ${D}u + ${c}u]`;
    const qc = vecLoads ? `q4_${c >> 2}.${"xyzw"[c & 3]}` : `qs[t * ${D}u + ${c}u]`;
    if (vecLoads && (c & 3) === 0) {
      rows.push(`let k4_${c >> 2} = ks[t * ${blocks}u + ${c >> 2}u];`);
      rows.push(`let q4_${c >> 2} = qs[t * ${blocks}u + ${c >> 2}u];`);
    }
    rows.push(`s_${c} = g * s_${c} + ${kc} * wv;`);
    rows.push(`o = o + ${qc} * s_${c};`);
  }
  const elem = vecLoads ? "vec4f" : "f32";
  return `
struct P { tm: u32, g: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> qs: array<${elem}>;
@group(0) @binding(2) var<storage, read> ks: array<${elem}>;
@group(0) @binding(3) var<storage, read> vs: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> os: array<vec4f>;
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let jb = gid.x;
  if (jb >= ${blocks}u) { return; }
  let g = p.g;
  ${Array.from({ length: D }, (_, c) => `var s_${c} = vec4f(0.0);`).join(" ")}
  for (var t = 0u; t < p.tm; t++) {
    let wv = vs[t * ${blocks}u + jb];
    var o = vec4f(0.0);
    ${rows.join("\n    ")}
    os[t * ${blocks}u + jb] = o;
  }
}`;
}

interface Subject {
  name: string;
  /** Records one call (memspec: inside the caller's tidy scope). */
  call: () => void;
  /** Waits for the recorded calls. */
  wait: () => Promise<void>;
  best: number;
  reps: number;
}

/** Raw-dispatch subject: one bind group, R dispatches in one pass, one submit and wait. */
function rawSubject(
  name: string,
  code: string,
  wg: number,
  buffers: GPUBuffer[],
  workgroups: number,
  output = buffers[buffers.length - 1]!,
): Subject & { output: GPUBuffer } {
  const { device } = gpu();
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint: "main" },
  });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  device.popErrorScope().then((e) => {
    if (e) console.error(name, e.message);
  });
  let pending = 0;
  const s = {
    name: `${name} (workgroup ${wg})`,
    best: Infinity,
    reps: 1,
    output,
    call: () => {
      pending++;
    },
    wait: async () => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      for (let i = 0; i < pending; i++) pass.dispatchWorkgroups(workgroups);
      pass.end();
      device.queue.submit([enc.finish()]);
      pending = 0;
      await device.queue.onSubmittedWorkDone();
    },
  };
  return s;
}

async function readBuffer(src: GPUBuffer, bytes: number): Promise<Float32Array> {
  const { device } = gpu();
  const dst = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, dst, 0, bytes);
  device.queue.submit([enc.finish()]);
  await dst.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(dst.getMappedRange().slice(0));
  dst.destroy();
  return out;
}

async function compare(T: number): Promise<string[]> {
  await initGpu();
  const { device } = gpu();
  const rng = new Rng(7);
  const values = (n: number) => Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) / 4);
  const [qv, kv, vv] = [values(T * D), values(T * D), values(T * D)];
  const q = tensor(qv, [1, T, D]);
  const k = tensor(kv, [1, T, D]);
  const v = tensor(vv, [1, T, D]);
  const g = tensor([GAMMA], [1]);
  const storage = (data: Float32Array<ArrayBuffer> | null, bytes: number) => {
    const b = device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    if (data !== null) device.queue.writeBuffer(b, 0, data);
    return b;
  };
  const uni = device.createBuffer({
    size: 16,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const u = new ArrayBuffer(16);
  new Uint32Array(u, 0, 1)[0] = T;
  new Float32Array(u, 4, 1)[0] = GAMMA;
  device.queue.writeBuffer(uni, 0, u);
  const bytes = 4 * T * D;
  const [qb, kb, vb] = [storage(qv, bytes), storage(kv, bytes), storage(vv, bytes)];
  const subjects: (Subject & { output?: GPUBuffer })[] = [];
  for (const [wg, vec] of [[4, true], [8, true], [4, false], [8, false]] as const) {
    const ob = storage(null, bytes);
    subjects.push(
      rawSubject(
        `probe, q and k as ${vec ? "vec4" : "f32"}`,
        probeWgsl(wg, vec),
        wg,
        [uni, qb, kb, vb, ob],
        (D / 4) / wg,
      ),
    );
  }
  // memspec's own forward kernels (their generated code), bound and dispatched raw.
  for (const program of [RETENTION_FORWARD, RETENTION_FORWARD_VEC4]) {
    const sizes = {
      dk: D,
      dv: D,
      delta: false,
      hist: false,
      reverse: false,
      ckpt: 0,
      dgamma: false,
    };
    const mu = device.createBuffer({
      size: 32,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(mu, 0, Uint32Array.of(1, T, 0, T, 1, 0, 0, 0));
    const ob = storage(null, bytes);
    const bound: Record<string, GPUBuffer> = {
      qs: qb,
      ks: kb,
      vs: vb,
      gates: storage(Float32Array.of(GAMMA), 16),
      state: storage(null, 4 * D * D),
      os: ob,
    };
    // In the program's binding order; an absent optional binding gets a placeholder of its
    // own (a buffer bound read-only and read-write in one dispatch is a usage conflict).
    const buffers = Object.keys(program.bindings).map((name) => bound[name] ?? storage(null, 16));
    const wg = RETENTION_SCAN_WG;
    subjects.push(
      rawSubject(
        `memspec's ${program.name}, raw`,
        program.wgsl(sizes),
        wg,
        [mu, ...buffers],
        Math.ceil(D / 4 / wg),
        ob,
      ),
    );
  }
  let outs: Tensor[] = [];
  const memspec: Subject = {
    name: "memspec retention(q, k, v, γ), recurrent",
    best: Infinity,
    reps: 1,
    call: () => {
      outs.push(retention(q, k, v, g));
    },
    wait: async () => {
      await sync();
      for (const o of outs) o.dispose();
      outs = [];
    },
  };
  subjects.push(memspec);
  // The chunkwise form (chunk 64, the peers' bench form) for reference; its values are
  // checked by the retention claims, not here.
  let chunked: Tensor[] = [];
  subjects.push({
    name: "memspec retention(q, k, v, γ), chunkwise (chunk 64)",
    best: Infinity,
    reps: 1,
    call: () => {
      chunked.push(retention(q, k, v, g, { form: "chunkwise", chunk: 64 }));
    },
    wait: async () => {
      await sync();
      for (const o of chunked) o.dispose();
      chunked = [];
    },
  });

  // Parity first: every probe against retention's output.
  const ref = retention(q, k, v, g);
  const want = await ref.toArray();
  ref.dispose();
  let scale = 0;
  for (const x of want) scale = Math.max(scale, Math.abs(x));
  const lines: string[] = [];
  for (const s of subjects) {
    if (!("output" in s)) continue;
    s.call();
    await s.wait();
    const got = await readBuffer((s as { output: GPUBuffer }).output, bytes);
    let worst = 0;
    let equal = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i]! - want[i]!);
      worst = Math.max(worst, d);
      if (d === 0) equal++;
    }
    if (!(worst <= 1e-5 * scale)) {
      throw new Error(
        `Cannot compare "${s.name}": expected its output within 1e-5·max|o| = ` +
          `${(1e-5 * scale).toExponential(2)} of retention's but got ${worst.toExponential(2)}`,
      );
    }
    lines.push(`  ${s.name}: ${equal}/${want.length} outputs equal, max |diff| ${worst}`);
  }

  // Calibrate R per subject, then interleave batches and keep each one's fastest.
  const batch = async (s: Subject, reps: number) => {
    const t0 = performance.now();
    tidy(() => {
      for (let i = 0; i < reps; i++) s.call();
    });
    await s.wait();
    return performance.now() - t0;
  };
  for (const s of subjects) {
    await batch(s, 2);
    const ms = Math.min(await batch(s, 8), await batch(s, 8)) / 8;
    s.reps = Math.max(1, Math.ceil((MIN_BATCH_MS * 1.1) / ms));
  }
  const single: Record<string, number> = {};
  for (let b = 0; b < BATCHES; b++) {
    for (const s of subjects) {
      s.best = Math.min(s.best, (await batch(s, s.reps)) / s.reps);
      const one = await batch(s, 1);
      single[s.name] = Math.min(single[s.name] ?? Infinity, one);
    }
  }
  const probe = Math.min(...subjects.filter((s) => s.name.startsWith("probe")).map((s) => s.best));
  lines.unshift(
    `decayed recurrence 64×64, T=${T}: GPU time per call (R calls per sync, best of ` +
      `${BATCHES} interleaved batches), 1 call + sync (end to end), ratio to the best probe`,
  );
  for (const s of subjects) {
    lines.push(
      `  ${s.name.padEnd(58)} R=${String(s.reps).padStart(4)} ${s.best.toFixed(3).padStart(8)} ms` +
        `  end to end ${single[s.name]!.toFixed(2).padStart(6)} ms  ${
          (s.best / probe).toFixed(2)
        }×`,
    );
  }
  for (const t of [q, k, v, g]) t.dispose();
  return lines;
}

const T = Number(optionalEnv("PROBE_T") ?? 512);
let report: string[] = [];
Deno.bench({
  name: `retention recurrent vs raw probe, 64×64 T=${T} (table printed at exit)`,
  n: 1,
  warmup: 0,
  async fn() {
    report = await compare(T);
  },
});
globalThis.addEventListener("unload", () => console.log(report.join("\n")));
