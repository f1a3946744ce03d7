/**
 * Fast-weight benches. The fused recurrence (one dispatch forward, one
 * backward, the loop over t inside the shader) against the same computation
 * composed from single ops, W ← W + outer(v_t, k_t)·(η g_t) for t < T then
 * y = W q, at T = 512 with a 64×64 state, forward and forward + backward;
 * plus one training iteration of each mechanism.
 *
 * The composed version gets its per-step keys, values and gates as separate
 * leaf tensors, so it pays no slicing: four ops per step (outer, two muls, add).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/fastweights_bench.ts`
 *
 * @module
 */
import {
  add,
  backward,
  initGpu,
  matmul,
  mul,
  outer,
  reshape,
  type Tensor,
  tensor,
  zeros,
} from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { fastWeightRecall } from "../impl/fastweights/recurrence/recurrence.ts";
import {
  UdEpisodes,
  udStreamsTensor,
  udTrainingStreams,
  UNKNOWN_DELAY_DEFAULTS,
  UnknownDelayNet,
} from "../impl/fastweights/unknown_delay/unknown_delay.ts";
import { KV_TASK_DEFAULTS, kvTrain } from "../impl/fastweights/key_value/key_value.ts";
import { SRWM_DEFAULTS, SRWM_ETA, srwmTrain } from "../impl/fastweights/srwm/srwm.ts";
import {
  chunkerBptt,
  type ChunkerNetDims,
  chunkerParamCount,
} from "../impl/fastweights/chunker/chunker.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const T = 512;
const D = 64;
const ETA = 0.5;
const rng = new Rng(2024);
const values = (n: number, scale = 1) =>
  Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) * scale);

// Fused inputs.
const keys = tensor(values(T * D, 0.25), [1, T, D], { requiresGrad: true });
const vals = tensor(values(T * D, 0.25), [1, T, D], { requiresGrad: true });
const gates = tensor(values(T).map((x) => x + 0.5), [1, T], { requiresGrad: true });
const query = tensor(values(D), [1, D], { requiresGrad: true });
const fusedLeaves = [keys, vals, gates, query];

// Composed inputs: the same numbers as per-step leaves.
const kHost = await keys.toFloat32();
const vHost = await vals.toFloat32();
const gHost = await gates.toFloat32();
const qHost = await query.toFloat32();
const kSteps = Array.from(
  { length: T },
  (_, t) => tensor(kHost.slice(t * D, (t + 1) * D), [1, D], { requiresGrad: true }),
);
const vSteps = Array.from(
  { length: T },
  (_, t) => tensor(vHost.slice(t * D, (t + 1) * D), [D, 1], { requiresGrad: true }),
);
const gSteps = Array.from(
  { length: T },
  (_, t) => tensor([gHost[t]!], [1, 1], { requiresGrad: true }),
);
const qCol = tensor(qHost, [D, 1], { requiresGrad: true });
const eta = tensor([ETA], [1, 1]);
const composedLeaves = [...kSteps, ...vSteps, ...gSteps, qCol];

function clearGrads(leaves: readonly Tensor[]): void {
  for (const t of leaves) {
    t.grad?.dispose();
    t.grad = null;
  }
}

function composed(): Tensor {
  let w: Tensor = zeros([D, D]);
  for (let t = 0; t < T; t++) {
    const write = mul(
      outer(reshape(vSteps[t]!, [D]), reshape(kSteps[t]!, [D])),
      mul(gSteps[t]!, eta),
    );
    w = add(w, write);
  }
  return matmul(w, qCol);
}

const GROUP = "fast-weight recurrence T=512, 64×64 state";
const FLOPS = 3 * T * D * D + 2 * D * D;

throughputBench({
  name: "recurrence forward, fused (1 dispatch)",
  group: `${GROUP}, forward`,
  reps: 8,
  work: FLOPS,
  unit: "GFLOP/s",
  call: () => fastWeightRecall(keys, vals, gates, query, ETA),
});

throughputBench({
  name: "recurrence forward, composed ops",
  group: `${GROUP}, forward`,
  reps: 1,
  work: FLOPS,
  unit: "GFLOP/s",
  call: () => composed(),
});

throughputBench({
  name: "recurrence fwd+bwd, fused (2 dispatches)",
  group: `${GROUP}, forward + backward`,
  reps: 8,
  work: 3 * FLOPS,
  unit: "GFLOP/s",
  call: () => {
    clearGrads(fusedLeaves);
    const y = fastWeightRecall(keys, vals, gates, query, ETA);
    backward(y, tensor(new Float32Array(D).fill(1), [1, D]));
  },
});

throughputBench({
  name: "recurrence fwd+bwd, composed ops",
  group: `${GROUP}, forward + backward`,
  reps: 1,
  work: 3 * FLOPS,
  unit: "GFLOP/s",
  call: () => {
    clearGrads(composedLeaves);
    const y = composed();
    backward(y, tensor(new Float32Array(D).fill(1), [D, 1]));
  },
});

// One training iteration of each mechanism.
const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const net = UnknownDelayNet.create(UNKNOWN_DELAY_DEFAULTS, SEEDS);
const ep = new UdEpisodes(UNKNOWN_DELAY_DEFAULTS.p, SEEDS.length, 32, 32);
const streams = udStreamsTensor(SEEDS.map(udTrainingStreams));
const acts = net.allocateActivations(ep);
const grads = net.allocateGradients(ep);
const losses = zeros([1, SEEDS.length]);
const norms = zeros([SEEDS.length]);
let iteration = 0;

throughputBench({
  name: "unknown-delay training iteration, 10 seeds × 32",
  group: "training iteration",
  reps: 20,
  work: 1,
  unit: "µs/op",
  call: () => {
    ep.recordTraining(streams, iteration++, 5, 30);
    net.recordForward(ep, acts);
    net.recordBackward(ep, acts, grads, losses, 0);
    net.recordAdam(grads.grads, norms);
  },
});

throughputBench({
  name: "key-value training, 10 seeds × 1500 steps",
  group: "training iteration",
  reps: 1,
  work: 1500,
  unit: "µs/op",
  call: () => {
    const run = kvTrain(KV_TASK_DEFAULTS, SEEDS, { steps: 1500 });
    run.losses.dispose();
    return run.wk;
  },
});

throughputBench({
  name: "SRWM training, 8 seeds × 300 episodes",
  group: "training iteration",
  reps: 1,
  work: 300,
  unit: "µs/op",
  call: () => {
    const run = srwmTrain(
      SRWM_DEFAULTS,
      SEEDS.slice(0, 8).map((seed) => ({ seed, eta: SRWM_ETA })),
      300,
    );
    run.losses.dispose();
    run.grads.dispose();
    return run.params;
  },
});

// Chunker nets: training runs in the f64 oracle (thousands of strictly sequential
// tiny updates); the GPU path is the fused Elman BPTT, benched here per iteration.
for (
  const [label, dims] of [
    ["chunker-22 automatizer, one 21-step block", {
      vocab: 22,
      hidden: 32,
      out: 22,
      label: 0,
      steps: 21,
    }],
    ["chunker-1200 full-BPTT baseline, 1199 steps", {
      vocab: 7,
      hidden: 16,
      out: 7,
      label: 0,
      steps: 1199,
    }],
  ] as [string, ChunkerNetDims][]
) {
  const P = chunkerParamCount(dims);
  const T = dims.steps;
  const batch = {
    params: values(P, 0.5),
    h0: new Float32Array(dims.hidden),
    inputs: Int32Array.from({ length: T }, (_, t) => t % dims.vocab),
    targets: Int32Array.from({ length: T }, (_, t) => (t + 1) % dims.vocab),
    ceWeight: new Float32Array(T).fill(1),
  };
  throughputBench({
    name: `${label}: forward + BPTT`,
    group: "training iteration",
    reps: 4,
    work: 1,
    unit: "µs/op",
    call: () => {
      const r = chunkerBptt(dims, batch);
      r.hs.dispose();
      r.logits.dispose();
      r.labels.dispose();
      return r.grads;
    },
  });
}
