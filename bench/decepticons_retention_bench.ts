/**
 * Retention and gated delta benches: the chunkwise forms (chunk 64; retention:
 * chunk summaries, an inter-chunk carry, a score block and a matmul-like output
 * pass per chunk; gated delta: the WY / UT-transform form with one triangular
 * solve per chunk) against the recurrent form (one fused kernel looping over t,
 * split over dispatches by the loop budget) at T ∈ {1024, 4096} and model width
 * 64 and 256, forward and forward + backward (the backward is the same scans for
 * every form).
 *
 * Width W is split into W / 16 heads of d_k = d_v = 16 (one sequence per
 * head), the head-factored layout of the original's retention path
 * (d_s = state_dim / heads). Work per call is counted as the recurrence's
 * 4·T·d_k·d_v flops per head for retention, 8·T·d_k·d_v for the delta rule
 * (forward; ×3 for forward + backward), so the forms are compared on the same
 * figure. Gated delta runs on unit-norm keys, keep gates in [0.18, 1) and β in [0, 1).
 *
 * Retention forward + backward, old against new: the fused backward (dq and dk by the
 * forward scan with transposed roles, forwards and backwards in time; dv by the scan
 * backwards in time, carrying the learned decay's gradient) beside
 * the previous backward (the state history S_t of every step stored by the forward scan,
 * the adjoint recurrence storing dS_t of every step, then a gathering pass), kept here as
 * `previousBackward` through its kernels (they still serve the gated delta rule), for one
 * 64 × 64 state at T = 512 and 4096 and for W = 64 (4 heads of 16²) at T = 4096; and the
 * backward with γ fixed (no gradient asked: the dv scan without the decay's gradient).
 *
 * Then, the decayed fast-weight recurrence S ← 0.99·S + kᵀv, o = q·S with one 64 × 64
 * state (the peers' workload) at T = 512 and 4096, recurrent and chunkwise (chunk 64),
 * beside the previous recurrent kernel (one invocation per column, the state in a private
 * array walked by a loop, 64 columns in one workgroup: one llvmpipe thread), kept here as
 * LEGACY_FORWARD so old and new run in the same window. R calls per sync keep each batch
 * ≥ 250 ms (the 11 ms sync is amortised); "1 call + sync" is what a caller waits.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/decepticons_retention_bench.ts`
 *
 * @module
 */
import { backward, initGpu, type Tensor, tensor } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { defineProgram, dispatch } from "../impl/gpu/program.ts";
import { createStorageBuffer, releaseBuffer } from "../impl/gpu/buffers.ts";
import { RETENTION_FORWARD } from "../impl/decepticons/retention/kernels/forward.ts";
import { RETENTION_BACKWARD } from "../impl/decepticons/retention/kernels/backward.ts";
import { RETENTION_GRADS } from "../impl/decepticons/retention/kernels/grads.ts";
import { scanLanes } from "../impl/decepticons/retention/kernels/unroll.ts";
import {
  gatedDelta,
  retention,
  type RetentionForm,
} from "../impl/decepticons/retention/retention.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const HEAD = 16;
const CHUNK = 64;
const rng = new Rng(5);
const values = (n: number, scale: number) =>
  Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) * scale);

function clearGrads(leaves: readonly Tensor[]): void {
  for (const t of leaves) {
    t.grad?.dispose();
    t.grad = null;
  }
}

/** Unit-norm key rows (the gated delta rule's contraction condition). */
function unitRows(x: Float32Array, width: number): Float32Array {
  for (let i = 0; i < x.length; i += width) {
    let n = 0;
    for (let c = 0; c < width; c++) n += x[i + c]! ** 2;
    const inv = 1 / Math.sqrt(n || 1);
    for (let c = 0; c < width; c++) x[i + c]! *= inv;
  }
  return x;
}

/**
 * The previous recurrent retention kernel (per-sequence γ, no history): one invocation
 * per state column, the column in a private array walked by loops, 64 invocations per
 * workgroup. A bench reference only.
 */
const LEGACY_FORWARD = defineProgram<{ dk: number; dv: number }>({
  name: "bench_legacy_retention_forward",
  workgroupSize: 64,
  uniforms: { n: "u32", tm: "u32", t0: "u32", t1: "u32" },
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    vs: { access: "read" },
    gates: { access: "read" },
    state: { access: "read_write" },
    os: { access: "read_write" },
  },
  main: ({ dk, dv }) => `
  let gi = wg * 64u + lid;
  if (gi >= p.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let j = gi % ${dv}u;
  var s: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) {
    s[c] = 0.0;
    if (p.t0 > 0u) { s[c] = state[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  let g = gates[n];
  for (var t = p.t0; t < p.t1; t++) {
    let st = n * p.tm + t;
    let wv = vs[st * ${dv}u + j];
    var o = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      let kc = ks[st * ${dk}u + c];
      s[c] = g * s[c] + kc * wv;
      o = o + qs[st * ${dk}u + c] * s[c];
    }
    os[st * ${dv}u + j] = o;
  }
  for (var c = 0u; c < ${dk}u; c++) { state[(n * ${dk}u + c) * ${dv}u + j] = s[c]; }`,
  loopIterations: ({ dk }, steps) => 2 * (dk + 1) + (steps + 1) + steps * (dk + 1),
  split: { begin: "t0", end: "t1" },
});

/**
 * The previous retention backward for per-sequence γ: history scan, adjoint scan, gathering
 * (the per-step dγ is left unsummed). Buffers are made per call, as the op made them.
 */
function previousBackward(q: Tensor, k: Tensor, v: Tensor, gamma: Tensor, dO: Tensor): void {
  const [n, tm, dk] = q.shape as [number, number, number];
  const dv = v.shape[2]!;
  const tiles = Math.ceil(dv / 4);
  const wg = Math.ceil((n * Math.ceil(dv / scanLanes(dk))) / 8);
  const buf = (floats: number, label: string) => createStorageBuffer(4 * floats, label);
  const hist = buf(n * tm * dk * tiles * 4, "bench previous history");
  const state = buf(n * dk * dv, "bench previous state");
  const o = buf(n * tm * dv, "bench previous o");
  const sizes = { dk, dv, delta: false, hist: true, reverse: false, ckpt: 0, dgamma: false };
  const uniforms = { n, tm, per_seq: 1 };
  // One launch of every step (the host splits retention's scans; tm fits the budget here).
  dispatch(RETENTION_FORWARD, {
    sizes,
    uniforms: { ...uniforms, nck: 0, t0: 0, t1: tm },
    buffers: { qs: q.buffer, ks: k.buffer, vs: v.buffer, gates: gamma.buffer, state, os: o, hist },
    workgroups: wg,
    steps: tm,
  });
  const dshist = buf(n * tm * dk * tiles * 4, "bench previous adjoint history");
  const wup = buf(n * tm * 3 * tiles * 4, "bench previous adjoint columns");
  const [dq, dkey, dval] = [q, k, v].map((t) => buf(t.size, "bench previous gradient"));
  const dg = buf(n * tm, "bench previous dgates");
  dispatch(RETENTION_BACKWARD, {
    sizes: { dk, dv, delta: false, hist: false },
    uniforms,
    buffers: {
      qs: q.buffer,
      ks: k.buffer,
      gates: gamma.buffer,
      dos: dO.buffer,
      hist,
      dstate: state,
      dshist,
      wup,
      dvs: dval!,
    },
    workgroups: wg,
    steps: tm,
  });
  dispatch(RETENTION_GRADS, {
    sizes: { dk, dv },
    uniforms: { ...uniforms, delta: 0 },
    buffers: {
      vs: v.buffer,
      gates: gamma.buffer,
      dos: dO.buffer,
      hist,
      dshist,
      wup,
      dqs: dq!,
      dks: dkey!,
      dgs: dg,
    },
    workgroups: Math.ceil((n * tm * (Math.ceil(dk / 4) + 1)) / 64),
  });
  for (const b of [hist, state, o, dshist, wup, dq!, dkey!, dval!, dg]) releaseBuffer(b);
}

for (const [heads, d, T] of [[1, 64, 512], [1, 64, 4096], [4, 16, 4096]] as const) {
  const shape = [heads, T, d];
  const leaf = (scale: number) =>
    tensor(values(heads * T * d, scale), shape, { requiresGrad: true });
  const [q, k, v] = [leaf(0.25), leaf(0.25), leaf(0.25)];
  const gamma = tensor(Array.from({ length: heads }, () => 0.99), [heads], { requiresGrad: true });
  const fixedGamma = tensor(Array.from({ length: heads }, () => 0.99), [heads]);
  const seed = tensor(values(heads * T * d, 1), shape);
  const label = heads === 1 ? `${d}×${d} T=${T}` : `W=${heads * d} (${heads}×${d}²) T=${T}`;
  const group = `retention backward, old vs new, ${label}`;
  const work = 3 * 4 * heads * T * d * d;
  const reps = (ms: number) => Math.max(1, Math.ceil(250 / ms));
  const perCall = (T / 512) * (heads === 1 ? 1 : 0.2);
  throughputBench({
    name: `retention recurrent forward ${label}`,
    group,
    reps: reps(perCall * 1.5),
    work: work / 3,
    unit: "GFLOP/s",
    call: () => retention(q, k, v, gamma),
  });
  throughputBench({
    name: `retention recurrent forward + fused backward ${label}`,
    group,
    reps: reps(perCall * 10),
    work,
    unit: "GFLOP/s",
    iterations: 3,
    call: () => {
      clearGrads([q, k, v, gamma]);
      backward(retention(q, k, v, gamma), seed);
    },
  });
  // A fixed γ (RetNet's setting: no gradient asked) takes the three-scan backward.
  throughputBench({
    name: `retention recurrent forward + fused backward, γ fixed ${label}`,
    group,
    reps: reps(perCall * 8),
    work,
    unit: "GFLOP/s",
    iterations: 3,
    call: () => {
      clearGrads([q, k, v]);
      backward(retention(q, k, v, fixedGamma), seed);
    },
  });
  throughputBench({
    name: `retention recurrent forward + previous backward ${label}`,
    group,
    reps: reps(perCall * 25),
    work,
    unit: "GFLOP/s",
    iterations: 3,
    call: () => {
      const o = retention(q, k, v, gamma);
      previousBackward(q, k, v, gamma, seed);
      return o;
    },
  });
}

{
  const D = 64;
  const gamma = tensor([0.99], [1]);
  for (const T of [512, 4096]) {
    const q = tensor(values(T * D, 0.25), [1, T, D]);
    const k = tensor(values(T * D, 0.25), [1, T, D]);
    const v = tensor(values(T * D, 0.25), [1, T, D]);
    const state = createStorageBuffer(4 * D * D, "bench legacy state");
    const out = createStorageBuffer(4 * T * D, "bench legacy output");
    const work = 4 * T * D * D;
    const group = `decayed recurrence 64×64, T=${T}`;
    // Per-call estimates on llvmpipe (ms) set R so that a batch takes ≥ 250 ms.
    const reps = (ms: number) => Math.ceil(250 / ms);
    for (const form of ["recurrent", "chunkwise"] as RetentionForm[]) {
      throughputBench({
        name: `retention ${form} 64×64 T=${T}`,
        group,
        reps: reps((T / 512) * (form === "recurrent" ? 1.2 : 3)),
        work,
        unit: "GFLOP/s",
        call: () => retention(q, k, v, gamma, { form, chunk: CHUNK }),
      });
    }
    throughputBench({
      name: `previous recurrent kernel 64×64 T=${T}`,
      group,
      reps: reps((T / 512) * 4),
      work,
      unit: "GFLOP/s",
      call: () => {
        dispatch(LEGACY_FORWARD, {
          sizes: { dk: D, dv: D },
          uniforms: { n: 1, tm: T },
          buffers: {
            qs: q.buffer,
            ks: k.buffer,
            vs: v.buffer,
            gates: gamma.buffer,
            state,
            os: out,
          },
          workgroups: 1,
          steps: T,
        });
      },
    });
  }
}

for (const T of [1024, 4096]) {
  for (const width of [64, 256]) {
    const heads = width / HEAD;
    const q = tensor(values(heads * T * HEAD, 0.5), [heads, T, HEAD], { requiresGrad: true });
    const k = tensor(values(heads * T * HEAD, 0.5), [heads, T, HEAD], { requiresGrad: true });
    const v = tensor(values(heads * T * HEAD, 1), [heads, T, HEAD], { requiresGrad: true });
    const gamma = tensor(
      Float32Array.from({ length: heads }, (_, h) => 1 - 2 ** -(1 + (5 * h) / heads)),
      [heads],
      { requiresGrad: true },
    );
    const kUnit = tensor(unitRows(values(heads * T * HEAD, 1), HEAD), [heads, T, HEAD], {
      requiresGrad: true,
    });
    const gates = tensor(
      Float32Array.from({ length: heads * T }, () => 0.18 + 0.82 * rng.uniform()),
      [heads, T],
      { requiresGrad: true },
    );
    const beta = tensor(
      Float32Array.from({ length: heads * T }, () => rng.uniform()),
      [heads, T],
      { requiresGrad: true },
    );
    const seed = tensor(values(heads * T * HEAD, 1), [heads, T, HEAD]);
    const flops = 4 * heads * T * HEAD * HEAD;
    const mechanisms = [
      {
        name: "retention",
        leaves: [q, k, v, gamma],
        // 4·d_k·d_v flops per step and head (update and read); the delta rule 8·d_k·d_v
        // (k_t S_{t−1} and the rank-one erase on top).
        work: flops,
        call: (form: RetentionForm) => retention(q, k, v, gamma, { form, chunk: CHUNK }),
      },
      {
        name: "gated delta",
        leaves: [q, kUnit, v, gates, beta],
        work: 2 * flops,
        call: (form: RetentionForm) =>
          gatedDelta(q, kUnit, v, gates, beta, {
            form: form === "recurrent" ? "recurrent" : "chunkwise",
            chunk: CHUNK,
          }),
      },
    ];
    for (const m of mechanisms) {
      for (const form of ["recurrent", "chunkwise"] as RetentionForm[]) {
        const group = `${m.name} T=${T} width ${width} (${heads}×${HEAD}²)`;
        throughputBench({
          name: `${m.name} ${form} forward T=${T} W=${width}`,
          group: `${group}, forward`,
          reps: T === 4096 ? 2 : 4,
          work: m.work,
          unit: "GFLOP/s",
          iterations: 3,
          call: () => m.call(form),
        });
        throughputBench({
          name: `${m.name} ${form} forward + backward T=${T} W=${width}`,
          group: `${group}, forward + backward`,
          reps: 1,
          work: 3 * m.work,
          unit: "GFLOP/s",
          iterations: T === 4096 ? 2 : 3,
          call: () => {
            clearGrads(m.leaves);
            const o = m.call(form);
            backward(o, seed);
          },
        });
      }
    }
  }
}
