/**
 * The controlled stack on the shipped corpus: determinism, causality, controller ranges,
 * bits per byte beside the plain coder's, faults.
 *
 * @module
 */
import { claimTest } from "../../_harness/claim.ts";
import {
  ControlledStack,
  type StackTrace,
} from "../../../impl/decepticons/controlled_stack/controlled_stack.ts";
import { ByteLatentPredictiveCoder } from "../../../impl/decepticons/predictive_coder/predictive_coder.ts";
import { initGpu } from "../../../impl/mod.ts";
import {
  STACK_BPB,
  STACK_CAUSAL,
  STACK_DETERMINISTIC,
  STACK_FAULTS,
  STACK_RANGES,
  STACK_REPLAY,
} from "./claims.ts";
import { hierarchical } from "../../../impl/decepticons/substrate/build.ts";
import { checkFaults, faultMeasurement } from "../control/_fixtures.ts";

const CORPUS = Deno.readFileSync(new URL("../../../fixtures/corpus/byte_lm.txt", import.meta.url));

function maxDiff(a: StackTrace, b: StackTrace, from: number, to: number, D: number): number {
  let m = 0;
  const cmp = (x: Float64Array, y: Float64Array, w: number) => {
    for (let i = from * w; i < to * w; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  };
  cmp(a.features, b.features, D);
  cmp(a.gates, b.gates, 2);
  cmp(a.routes, b.routes, 3);
  return m;
}

claimTest(STACK_DETERMINISTIC, () => {
  const bytes = CORPUS.subarray(0, 512);
  const a = new ControlledStack().trace(bytes);
  const s = new ControlledStack();
  const b = s.trace(bytes);
  const d = maxDiff(a, b, 0, 512, s.featureDim);
  return {
    figure: d,
    bound: 0,
    pass: true,
    detail: `512 bytes, ${s.featureDim} features per step`,
  };
});

claimTest(STACK_CAUSAL, () => {
  const s = new ControlledStack();
  const bytes = Array.from(CORPUS.subarray(1000, 1256));
  const base = s.trace(bytes);
  let before = 0;
  let at = Infinity;
  const D = s.featureDim;
  for (const t of [0, 37, 100, 255]) {
    const changed = [...bytes];
    changed[t] = (changed[t]! + 128) % 256;
    const tr = s.trace(changed);
    before = Math.max(before, maxDiff(base, tr, 0, t, D));
    at = Math.min(at, maxDiff(base, tr, t, t + 1, D));
  }
  return {
    figure: before,
    bound: 0,
    pass: true,
    parts: [{ name: "smallest response at t", figure: at, bound: 1e-9, direction: ">=" }],
    detail: `impulses at 0, 37, 100, 255 of 256 bytes: max change before t ${before}; smallest ` +
      `change at t ${at.toExponential(2)}`,
  };
});

claimTest(STACK_RANGES, () => {
  const s = new ControlledStack();
  const tr = s.trace(CORPUS.subarray(0, 1024));
  let bad = 0;
  let worstSum = 0;
  for (const g of tr.gates) if (!(g > 0 && g < 1)) bad++;
  for (let t = 0; t < 1024; t++) {
    const w = tr.routes.subarray(t * 3, t * 3 + 3);
    if (!w.every((x) => x > 0)) bad++;
    worstSum = Math.max(worstSum, Math.abs(w[0]! + w[1]! + w[2]! - 1));
  }
  for (const f of tr.features) if (!Number.isFinite(f)) bad++;
  const gmin = Math.min(...tr.gates);
  const gmax = Math.max(...tr.gates);
  return {
    figure: worstSum,
    bound: 1e-15,
    pass: true,
    parts: [{ name: "range violations", figure: bad, bound: 0, direction: "==" }],
    detail: `gates in [${gmin.toFixed(4)}, ${gmax.toFixed(4)}]; worst |Σw − 1| ${
      worstSum.toExponential(2)
    }`,
  };
});

claimTest(STACK_BPB, async () => {
  const train = CORPUS.subarray(0, 3072);
  const held = CORPUS.subarray(CORPUS.length - 1024);
  const controlled = new ControlledStack();
  const trainBits = controlled.fit(train);
  const stack = controlled.score(held);
  const plain = new ControlledStack({ controllers: false });
  plain.fit(train);
  const uncontrolled = plain.score(held);
  await initGpu();
  const coder = ByteLatentPredictiveCoder.fromSeed({
    size: 96,
    reservoirFeatures: 32,
    globalDim: 32,
    latentDim: 32,
  });
  await coder.fit(train, { readout: "ridge" });
  const coderBits = await coder.score(held);
  // The training unigram (add-½ counts) on the held-out targets.
  const counts = new Float64Array(256).fill(0.5);
  for (const b of train) counts[b]!++;
  const total = counts.reduce((a, b) => a + b, 0);
  let unigram = 0;
  for (let i = 1; i < held.length; i++) unigram -= Math.log2(counts[held[i]!]! / total);
  unigram /= held.length - 1;
  return {
    figure: stack - unigram,
    bound: 0,
    pass: true,
    parts: [
      { name: "stack − uncontrolled", figure: stack - uncontrolled, bound: 0, direction: "<=" },
      { name: "stack − plain coder", figure: stack - coderBits, bound: 0, direction: "<=" },
    ],
    detail: `held-out bpb: controlled stack ${stack.toFixed(3)} (train ${trainBits.toFixed(3)}, ` +
      `floor ${controlled.readout!.floor.toExponential(2)}), uncontrolled ` +
      `${uncontrolled.toFixed(3)}, plain coder (ridge) ${coderBits.toFixed(3)}, train unigram ` +
      `${unigram.toFixed(3)}`,
  };
});

claimTest(STACK_FAULTS, async () => {
  const s = new ControlledStack();
  const cases = [
    {
      name: "two layer sizes",
      run: () => new ControlledStack({ sizes: [4, 4] as unknown as [number, number, number] }),
      expect: TypeError,
      mentions: ["3 layer sizes"],
    },
    {
      name: "stride 0",
      run: () => new ControlledStack({ stride: 0 }),
      expect: RangeError,
      mentions: ["stride"],
    },
    {
      name: "id 300",
      run: () => s.trace([1, 300]),
      expect: RangeError,
      mentions: ["tokens[1]", "[0, 255]", "300"],
    },
    {
      name: "one-byte corpus",
      run: () => s.fit([7]),
      expect: RangeError,
      mentions: ["at least 2 bytes"],
    },
    {
      name: "score before fit",
      run: () => s.score([1, 2, 3]),
      expect: TypeError,
      mentions: ["fit() first"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});

claimTest(STACK_REPLAY, () => {
  const s = new ControlledStack();
  const { sizes, stride, seed } = s.config;
  const layers = hierarchical({ sizes, stride, vocab: 256, seed }).layers;
  const bytes = Array.from(CORPUS.subarray(2000, 2256));
  const tr = s.trace(bytes);
  const D = s.featureDim;
  const [nf, nm, ns] = sizes;
  const at = (t: number, i: number) => tr.features[t * D + i]!;
  // The states, recovered from the routed features: s = feature / routing weight.
  const state = (t: number, layer: 0 | 1 | 2): number[] => {
    if (t < 0) return new Array(sizes[layer]).fill(0);
    const off = layer === 0 ? 0 : layer === 1 ? nf : nf + nm;
    const w = tr.routes[t * 3 + layer]!;
    return Array.from({ length: sizes[layer] }, (_, i) => at(t, off + i) / w);
  };
  const step = (layer: 0 | 1 | 2, prev: number[], drive: (i: number) => number): number[] => {
    const l = layers[layer]!;
    return prev.map((p, i) => {
      let acc = drive(i);
      for (let j = 0; j < l.n; j++) acc += l.w[i * l.n + j]! * prev[j]!;
      return (1 - l.leak) * p + l.leak * Math.tanh(acc);
    });
  };
  let worst = 0;
  const cmp = (got: number[], want: number[]) => {
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  };
  const base = nf + nm + ns;
  for (let t = 0; t < bytes.length; t++) {
    const x = bytes[t]!;
    const [gfm, gms] = [tr.gates[t * 2]!, tr.gates[t * 2 + 1]!];
    const gain = 2 * at(t, base + 2);
    const slowGain = 2 * at(t, base + 3);
    const [lf, lm, ls] = layers as [typeof layers[0], typeof layers[0], typeof layers[0]];
    const f = step(0, state(t - 1, 0), (i) => gain * lf.u[i * 256 + x]!);
    cmp(state(t, 0), f);
    const m = step(1, state(t - 1, 1), (i) => {
      let up = 0;
      for (let j = 0; j < nf; j++) up += lm.up![i * nf + j]! * f[j]!;
      return lm.u[i * 256 + x]! + gfm * up;
    });
    cmp(state(t, 1), m);
    const slowMoves = (t + 1) % stride === 0;
    const sl = slowMoves
      ? step(2, state(t - 1, 2), (i) => {
        let up = 0;
        for (let j = 0; j < nm; j++) up += ls.up![i * nm + j]! * m[j]!;
        return slowGain * ls.u[i * 256 + x]! + gms * up;
      })
      : state(t - 1, 2);
    cmp(state(t, 2), sl);
  }
  return {
    figure: worst,
    bound: 1e-12,
    pass: true,
    detail: `256 steps, ${nf + nm + ns} state entries each; worst |Δ| ${worst.toExponential(2)}`,
  };
});
