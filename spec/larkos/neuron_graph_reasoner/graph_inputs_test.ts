/**
 * Proofs of the host claims of the neuron-graph reasoner (./claims.ts): the
 * feature layout and edge rules of build_graph_inputs, the velocity buffer,
 * and the degree feature's divergence from the edges.
 *
 * @module
 */
import {
  GraphInputBuilder,
  type NeuronMap,
  type NeuronState,
} from "../../../impl/larkos/neuron_graph_reasoner/graph_inputs.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { loadNgrFixture } from "./_fixture.ts";
import { NGR_DEGREE, NGR_LAYOUT, NGR_VELOCITY } from "./claims.ts";

const N = 8;

function nrn(o: Partial<NeuronState>): NeuronState {
  return {
    state: 0,
    output: 0,
    layerId: 0,
    numConnections: 0,
    connections: [],
    weights: [],
    ...o,
  };
}

/** A hand case: a map and the features / edges it must give (unlisted entries: defaults). */
interface HandCase {
  name: string;
  neurons: NeuronMap;
  /** Expected feature rows by neuron (f64 values; compared after f32 rounding). */
  rows: Record<number, number[]>;
  /** Expected edges i→j (besides the self-loops) with their weights. */
  edges: [number, number, number][];
  /** Self-loop weights other than 1. */
  selfWeights?: Record<number, number>;
}

const t = Math.tanh;

const HAND: HandCase[] = [
  {
    name: "empty map: every neuron default, self-loops only",
    neurons: {},
    rows: {},
    edges: [],
  },
  {
    name: "one neuron, weights per slot, layer one-hots",
    neurons: {
      neuron_3: nrn({
        state: 0.5,
        output: -0.75,
        layerId: 1,
        numConnections: 2,
        connections: [0, 7],
        weights: [0.25, -1],
      }),
      neuron_5: nrn({ state: -2, output: 3, layerId: 2 }),
    },
    rows: {
      3: [0.5, -0.75, 0, 1, t(2 / 6), 0.5, 0.75, t(-0.375)],
      5: [-2, 3, 0, 0, 0, -2, 3, 0],
    },
    edges: [[3, 0, 0.25], [3, 7, -1]],
  },
  {
    name: "slots past num_connections and past 6 are ignored, weights shorter than the list",
    neurons: {
      neuron_0: nrn({ numConnections: 7, connections: [1, 2, 3, 4, 5, 6, 7], weights: [0.5] }),
      neuron_1: nrn({ numConnections: 1, connections: [4, 5], weights: [0.1, 0.2] }),
    },
    rows: {
      0: [0, 0, 1, 0, t(7 / 6), 0, 0, t(0.5)],
      1: [0, 0, 1, 0, t(1 / 6), 0, 0, t(0.1)],
    },
    edges: [[0, 1, 0.5], [0, 2, 0], [0, 3, 0], [0, 4, 0], [0, 5, 0], [0, 6, 0], [1, 4, 0.1]],
  },
  {
    name: "invalid targets skipped (their weight too), self-connection overwrites w_ii",
    neurons: {
      neuron_2: nrn({ numConnections: 4, connections: [8, 2, -1, 6], weights: [9, -0.5, 7, 2] }),
      neuron_4: nrn({ numConnections: 1, connections: [4], weights: [] }),
    },
    rows: {
      2: [0, 0, 1, 0, t(4 / 6), 0, 0, t(0.75)],
      4: [0, 0, 1, 0, t(1 / 6), 0, 0, 0],
    },
    edges: [[2, 6, 2]],
    selfWeights: { 2: -0.5 },
  },
  {
    name: "a repeated target: the later slot's weight wins, both weights enter the mean",
    neurons: { neuron_6: nrn({ numConnections: 2, connections: [1, 1], weights: [0.3, 0.9] }) },
    rows: { 6: [0, 0, 1, 0, t(2 / 6), 0, 0, t(0.6)] },
    edges: [[6, 1, 0.9]],
  },
];

const DEFAULT_ROW = [0, 0, 1, 0, 0, 0, 0, 0];

claimTest(NGR_LAYOUT, async (): Promise<Measurement> => {
  const bad: string[] = [];
  let compared = 0;
  const diff = (what: string, got: number, want: number) => {
    compared++;
    if (!Object.is(got, want)) bad.push(`${what}: got ${got}, want ${want}`);
  };
  // Against the PyTorch generator's own build (velocity carried across its calls).
  const { cases, integrity } = await loadNgrFixture();
  for (const c of cases) {
    const b = new GraphInputBuilder();
    c.calls.forEach((call, k) => {
      const { features, edges } = b.build(call.neurons);
      for (let i = 0; i < N * N; i++) {
        diff(`${c.name} call ${k} feature ${i}`, features[i]!, Math.fround(call.features[i]!));
        diff(`${c.name} call ${k} A[${i}]`, edges.adjacency[i]!, call.adjacency[i]!);
        diff(`${c.name} call ${k} w[${i}]`, edges.weights[i]!, Math.fround(call.weights[i]!));
      }
      if (edges.nodes !== N) bad.push(`${c.name}: nodes ${edges.nodes}`);
    });
  }
  // Hand cases.
  for (const h of HAND) {
    const { features, edges } = new GraphInputBuilder().build(h.neurons);
    for (let i = 0; i < N; i++) {
      const want = h.rows[i] ?? DEFAULT_ROW;
      for (let f = 0; f < 8; f++) {
        diff(`${h.name}: neuron ${i} f${f}`, features[i * 8 + f]!, Math.fround(want[f]!));
      }
      for (let j = 0; j < N; j++) {
        const e = h.edges.find(([a, b]) => a === i && b === j);
        const self = i === j;
        diff(`${h.name}: A[${i},${j}]`, edges.adjacency[i * N + j]!, self || e ? 1 : 0);
        const w = self ? (h.selfWeights?.[i] ?? 1) : (e?.[2] ?? 0);
        diff(`${h.name}: w[${i},${j}]`, edges.weights[i * N + j]!, Math.fround(w));
      }
    }
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: `${compared} values compared (${cases.length} fixture cases, ` +
      `${cases.reduce((s, c) => s + c.calls.length, 0)} calls; ${HAND.length} hand cases); ` +
      integrity + (bad.length ? `; ${bad.slice(0, 5).join("; ")}` : ""),
  };
});

claimTest(NGR_VELOCITY, (): Measurement => {
  const bad: string[] = [];
  const map: NeuronMap = Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [
      `neuron_${i}`,
      nrn({ state: Math.sin(i + 1) * 0.9, output: Math.cos(i), layerId: i % 2 }),
    ]),
  );
  const b = new GraphInputBuilder();
  const first = b.build(map).features;
  for (let i = 0; i < 6; i++) {
    if (first[i * 8 + 5] !== Math.fround(Math.sin(i + 1) * 0.9)) bad.push(`first call f5[${i}]`);
  }
  const second = b.build(map).features;
  for (let i = 0; i < N; i++) {
    if (!Object.is(second[i * 8 + 5], 0)) bad.push(`second call f5[${i}] = ${second[i * 8 + 5]}`);
  }
  // Only f5 moves between the two calls.
  for (let k = 0; k < 64; k++) {
    if (k % 8 !== 5 && first[k] !== second[k]) bad.push(`feature ${k} changed between calls`);
  }
  // A changed state gives its difference; a neuron that disappears falls back to state 0.
  const moved = { ...map, neuron_2: nrn({ ...map.neuron_2!, state: 0.25 }) };
  delete (moved as Record<string, NeuronState>).neuron_5;
  const third = b.build(moved).features;
  const want2 = Math.fround(0.25 - Math.sin(3) * 0.9);
  if (third[2 * 8 + 5] !== want2) bad.push(`changed state: f5 ${third[2 * 8 + 5]} vs ${want2}`);
  if (third[5 * 8 + 5] !== Math.fround(-Math.sin(6) * 0.9)) bad.push("vanished neuron's f5");
  // Alternating states: each call measures against the call before it, not an older one.
  const alt = new GraphInputBuilder();
  const at = (s: number) => ({ neuron_4: nrn({ state: s }) });
  const seq = [0.5, -0.25, 0.5, 0.75, 0.75].map((s) => alt.build(at(s)).features[4 * 8 + 5]!);
  const wantSeq = [0.5, -0.75, 0.75, 0.25, 0];
  if (seq.some((v, i) => v !== wantSeq[i])) bad.push(`alternating f5 ${seq} vs ${wantSeq}`);
  // stats()/setStats() carry the buffer to another builder.
  const saved = b.stats();
  const other = new GraphInputBuilder();
  other.setStats(saved);
  const a = b.build(map).features;
  const c = other.build(map).features;
  if (a.some((v, i) => !Object.is(v, c[i]))) bad.push("restored builder differs");
  saved.prevStates[0] = 99; // a copy: mutating it changes nothing
  if (b.stats().prevStates[0] === 99) bad.push("stats() is not a copy");
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.length === 0
      ? "second call f5 = 0 for all 8 neurons; only f5 moves; differences and a vanished " +
        "neuron's fallback exact; stats round trip"
      : bad.slice(0, 6).join("; "),
  };
});

claimTest(NGR_DEGREE, (): Measurement => {
  const neurons: NeuronMap = {
    neuron_0: nrn({ numConnections: 4, connections: [1, 9, -2, 8], weights: [0.5, 0.5, 0.5, 0.5] }),
    // Also: a count above the list's length.
    neuron_1: nrn({ numConnections: 6, connections: [2], weights: [0.1] }),
  };
  const { features, edges } = new GraphInputBuilder().build(neurons);
  const gaps = [0, 1].map((i) => {
    let valid = 0;
    for (let j = 0; j < N; j++) if (j !== i && edges.adjacency[i * N + j] === 1) valid++;
    return { i, valid, f4: features[i * 8 + 4]!, gap: features[i * 8 + 4]! - Math.tanh(valid / 6) };
  });
  const g = gaps[0]!;
  return {
    figure: g.gap,
    bound: 0.1,
    pass: g.gap >= 0.1,
    detail: gaps.map((x) =>
      `neuron ${x.i}: f4 = ${x.f4.toFixed(4)}, ${x.valid} usable edge(s) → tanh(${x.valid}/6) = ` +
      `${Math.tanh(x.valid / 6).toFixed(4)}, gap ${x.gap.toFixed(4)}`
    ).join("; "),
  };
});
