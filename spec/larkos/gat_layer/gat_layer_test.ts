/**
 * Proofs of the GAT layer's claims (./claims.ts): oracle gradcheck, fuzzed GPU
 * parity of forward and backward, the attention rows, the isolated node,
 * permutation equivariance and faults. The divergences are in
 * ./divergence_test.ts, fixture parity in ./fixtures_test.ts.
 *
 * @module
 */
import {
  DisposedTensorError,
  initGpu,
  matmul,
  readTensors,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { GATLayer, type GraphEdges } from "../../../impl/larkos/gat_layer/gat_layer.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import {
  checkFaults,
  controlLeak,
  type ErrorClass,
  faultMeasurement,
} from "../../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { parityClaimTests } from "../../nn/_gpu_parity.ts";
import {
  gatLayerBackward,
  gatLayerForward,
  type GatParams,
} from "../../oracle/larkos/gat_layer.ts";
import { gatBounds } from "./_bounds.ts";
import {
  checkGatCase,
  describeGatCompared,
  gatArbitrary,
  type GatCase,
  makeCase,
  runGatGpu,
} from "./_cases.ts";
import {
  GAT_FAULT,
  GAT_GPU_GRADIENTS,
  GAT_GPU_PARITY,
  GAT_GRADCHECK,
  GAT_ISOLATED,
  GAT_PERMUTATION,
  GAT_ROWS,
} from "./claims.ts";

/** The catalogue's bound on a row's mass. */
const ROW_SUM_TOL = 1e-6;
/** The catalogue's bound on the permutation difference. */
const PERMUTATION_TOL = 1e-6;

claimTest(GAT_GRADCHECK, () => {
  const cases = [
    makeCase({ dIn: 3, dOut: 4, heads: 2 }, 2, 3, 11, { density: 0.5, wAmp: 3 }),
    makeCase({ dIn: 2, dOut: 4, heads: 4 }, 1, 5, 12, { density: 1, wAmp: 3 }),
    makeCase({ dIn: 4, dOut: 3, heads: 1 }, 2, 5, 13, { density: 0.3, wAmp: 3 }),
    makeCase({ dIn: 2, dOut: 2, heads: 1 }, 1, 1, 14, { density: 0, wAmp: 3 }),
  ];
  let worst = 0;
  let where = "";
  const names = ["h", "W.weight", "a_src", "a_dst", "weights"] as const;
  for (const c of cases) {
    const w0 = Float64Array.from(c.edges.weights);
    const f = (xs: Float64Array[]) => {
      const p: GatParams = { "W.weight": xs[1]!, a_src: xs[2]!, a_dst: xs[3]! };
      const edges = { nodes: c.N, adjacency: c.edges.adjacency, weights: xs[4]! };
      return gatLayerForward(p, xs[0]!, c.B, c.N, edges, c.g).out;
    };
    const r = gradcheck(
      f,
      [c.h, c.params["W.weight"], c.params.a_src, c.params.a_dst, w0],
      (gv) => {
        const gr = gatLayerBackward(c.params, c.h, c.B, c.N, c.edges, c.g, gv);
        return names.map((n) => gr[n]);
      },
      c.gOut,
    );
    if (!(r.maxError <= worst)) {
      worst = r.maxError;
      where = `${c.label}: ${names[r.worst.input]}[${r.worst.index}] analytic ` +
        `${r.worst.analytic} numeric ${r.worst.numeric}`;
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `${cases.length} cases; worst ${where}`,
  };
});

/** Fixed cases: the reasoner's size, two lanes per row, large scores, extreme weights, N = 1. */
function fixedCases(): GatCase[] {
  return [
    makeCase({ dIn: 64, dOut: 64, heads: 2 }, 1, 8, 21, { density: 0.6, wAmp: 3 }),
    makeCase({ dIn: 8, dOut: 8, heads: 1 }, 1, 33, 22, { density: 0.4, wAmp: 3 }),
    makeCase({ dIn: 4, dOut: 8, heads: 2 }, 2, 7, 23, { density: 0.5, wAmp: 3 }, { amp: 6 }),
    makeCase({ dIn: 3, dOut: 8, heads: 4 }, 2, 13, 24, { density: 0.5, wAmp: 3, extreme: true }),
    makeCase({ dIn: 1, dOut: 1, heads: 1 }, 1, 1, 25, { density: 0, wAmp: 3 }),
  ];
}

// The fixed and fuzzed cases run once; both GPU claims read the summary.
parityClaimTests(GAT_GPU_PARITY, GAT_GPU_GRADIENTS, {
  fixed: fixedCases,
  arbitrary: gatArbitrary,
  check: checkGatCase,
  describe: describeGatCompared,
});

claimTest(GAT_ROWS, async (): Promise<Measurement> => {
  let worst = 0;
  let where = "";
  let offEdge = 0;
  let rows = 0;
  const cases = [
    makeCase({ dIn: 8, dOut: 8, heads: 2 }, 2, 64, 31, { density: 0.1, wAmp: 3 }),
    makeCase({ dIn: 8, dOut: 16, heads: 4 }, 1, 29, 32, { density: 0.5, wAmp: 3 }),
    makeCase({ dIn: 64, dOut: 64, heads: 2 }, 1, 8, 33, { density: 0.7, wAmp: 3 }),
    makeCase({ dIn: 5, dOut: 5, heads: 1 }, 3, 17, 34, { density: 1, wAmp: 3 }),
  ];
  for (const c of cases) {
    const got = await runGatGpu(c, false);
    const { N } = c;
    for (let r = 0; r < got.attention.length / N; r++) {
      const i = r % N;
      let s = 0;
      for (let j = 0; j < N; j++) {
        const a = got.attention[r * N + j]!;
        if (c.edges.adjacency[i * N + j] === 0 && a !== 0) offEdge++;
        s += a; // f32 values summed in f64: exact to u64
      }
      rows++;
      const d = Math.abs(s - 1);
      if (!(d <= worst)) {
        worst = d;
        where = `${c.label} row ${r}: Σα − 1 = ${(s - 1).toExponential(2)}`;
      }
    }
  }
  return {
    figure: worst,
    bound: ROW_SUM_TOL,
    pass: worst <= ROW_SUM_TOL && offEdge === 0,
    parts: [{ name: "off-edge non-zeros", figure: offEdge, bound: 0, direction: "==" }],
    detail: `${rows} rows in ${cases.length} graphs; off-edge non-zeros ${offEdge}; worst ${where}`,
  };
});

claimTest(GAT_ISOLATED, async (): Promise<Measurement> => {
  await initGpu();
  let differing = 0;
  let compared = 0;
  const details: string[] = [];
  for (
    const [g, B, N, seed, iso] of [
      [{ dIn: 64, dOut: 64, heads: 2 }, 1, 8, 41, [0, 5]],
      [{ dIn: 6, dOut: 12, heads: 4 }, 2, 13, 42, [3, 7, 12]],
      [{ dIn: 3, dOut: 3, heads: 1 }, 1, 33, 43, [1, 32]],
    ] as const
  ) {
    const c = makeCase(g, B, N, seed, { density: 0.6, wAmp: 3, isolated: iso }, { amp: 3 });
    // Self-loop weights of the isolated nodes: 1 (the reasoner's), a large and a negative one.
    iso.forEach((i, k) => (c.edges.weights[i * N + i] = [1, 7.5, -4][k % 3]!));
    const gat = new GATLayer({ ...g, weights: c.params });
    const h = tensor(c.h, [B, N, g.dIn]);
    const read = tidy(() => [gat.forward(h, c.edges), matmul(h, gat.weight, { transB: true })]);
    const [out, z] = (await readTensors(read)) as Float32Array[];
    for (const t of read) t.dispose();
    h.dispose();
    gat.dispose();
    for (let b = 0; b < B; b++) {
      for (const i of iso) {
        for (let col = 0; col < g.dOut; col++) {
          const k = (b * N + i) * g.dOut + col;
          compared++;
          if (!Object.is(out![k], z![k])) {
            differing++;
            if (details.length < 3) details.push(`${c.label} node ${i} col ${col}`);
          }
        }
      }
    }
  }
  return {
    figure: differing,
    bound: 0,
    pass: differing === 0,
    detail: `${compared} elements of isolated nodes compared with (W h)_i` +
      (details.length ? `; differing: ${details.join(", ")}` : ""),
  };
});

/** The graph and inputs of `c` with nodes relabelled: new node k is old node perm[k]. */
function permuted(c: GatCase, perm: readonly number[]): GatCase {
  const { B, N } = c;
  const d = c.g.dIn;
  const h = new Float64Array(c.h.length);
  const adjacency = new Uint8Array(N * N);
  const weights = new Float32Array(N * N);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < N; k++) {
      for (let q = 0; q < d; q++) h[(b * N + k) * d + q] = c.h[(b * N + perm[k]!) * d + q]!;
    }
  }
  for (let k = 0; k < N; k++) {
    for (let l = 0; l < N; l++) {
      adjacency[k * N + l] = c.edges.adjacency[perm[k]! * N + perm[l]!]!;
      weights[k * N + l] = c.edges.weights[perm[k]! * N + perm[l]!]!;
    }
  }
  const edges: GraphEdges = { nodes: N, adjacency, weights };
  return { ...c, h, edges, label: `${c.label} permuted` };
}

claimTest(GAT_PERMUTATION, async (): Promise<Measurement> => {
  let worstRatio = 0;
  let worstAbs = 0;
  let where = "";
  const cases = [
    makeCase({ dIn: 64, dOut: 64, heads: 2 }, 1, 8, 51, { density: 0.6, wAmp: 3 }),
    makeCase({ dIn: 8, dOut: 8, heads: 2 }, 2, 23, 52, { density: 0.3, wAmp: 3 }),
    makeCase({ dIn: 4, dOut: 12, heads: 4 }, 1, 11, 53, { density: 0.8, wAmp: 3 }),
  ];
  for (const [n, c] of cases.entries()) {
    const { B, N } = c;
    // A seeded permutation (Fisher–Yates on the case's values).
    const perm = Array.from({ length: N }, (_, k) => k);
    for (let k = N - 1; k > 0; k--) {
      const r = Math.floor(((c.h[k % c.h.length]! + 2) / 4) * (k + 1)) % (k + 1);
      [perm[k], perm[r]] = [perm[r]!, perm[k]!];
    }
    if (perm.every((v, k) => v === k)) [perm[0], perm[N - 1]] = [perm[N - 1]!, perm[0]!];
    const p = permuted(c, perm);
    const a = await runGatGpu(c, false);
    const b = await runGatGpu(p, false);
    const ba = gatBounds(c.params, c.h, B, N, c.edges, c.g, c.gOut, false).out;
    const bb = gatBounds(p.params, p.h, B, N, p.edges, p.g, p.gOut, false).out;
    const dOut = c.g.dOut;
    for (let bi = 0; bi < B; bi++) {
      for (let k = 0; k < N; k++) {
        for (let col = 0; col < dOut; col++) {
          const kp = (bi * N + k) * dOut + col;
          const ko = (bi * N + perm[k]!) * dOut + col;
          const diff = Math.abs(b.out[kp]! - a.out[ko]!);
          const ratio = diff / (bb[kp]! + ba[ko]!);
          worstAbs = Math.max(worstAbs, diff);
          if (!(ratio <= worstRatio)) {
            worstRatio = ratio;
            where = `case ${n} (${c.label}) node ${k} col ${col}: |Δ| ${diff.toExponential(2)}`;
          }
        }
      }
    }
  }
  return {
    figure: worstRatio,
    bound: 1,
    pass: worstRatio <= 1 && worstAbs <= PERMUTATION_TOL,
    parts: [{
      name: "max |gat(Ph) − P·gat(h)|",
      figure: worstAbs,
      bound: PERMUTATION_TOL,
      direction: "<=",
    }],
    detail: `${cases.length} graphs; max abs difference ${worstAbs.toExponential(2)}; worst ` +
      `ratio at ${where}`,
  };
});

claimTest(GAT_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const failures: string[] = [];
  const gat = new GATLayer({ dIn: 3, dOut: 4, heads: 2, seed: 1 });
  const before = await Promise.all(gat.parameters().map((p) => p.toFloat32()));
  const N = 3;
  const good: GraphEdges = {
    nodes: N,
    adjacency: Uint8Array.of(1, 1, 0, 0, 1, 1, 1, 0, 1),
    weights: new Float32Array(9).fill(0.5),
  };
  const with_ = (o: Partial<GraphEdges>) => ({ ...good, ...o }) as GraphEdges;
  // Inputs made before the cases, so a case's buffer count measures the call alone.
  const h = tensor(new Float32Array(2 * N * 3).fill(0.25), [2, N, 3]);
  const hWide = tensor(new Float32Array(2 * N * 4), [2, N, 4]);
  const hNodes = tensor(new Float32Array(2 * 4 * 3), [2, 4, 3]);
  const hFlat = tensor(new Float32Array(N * 3), [N, 3]);
  const hInt = tensor(new Int32Array(2 * N * 3), [2, N, 3]);
  const gone = tensor(new Float32Array(2 * N * 3), [2, N, 3]);
  gone.dispose();
  const owned = [h, hWide, hNodes, hFlat, hInt];
  const noSelf = Uint8Array.from(good.adjacency);
  noSelf[2 * N + 2] = 0;
  const nanW = Float32Array.from(good.weights);
  nanW[5] = NaN;
  const infW = Float32Array.from(good.weights);
  infW[2] = -Infinity;
  const cases: { name: string; run: () => unknown; expect: ErrorClass; mentions: string[] }[] = [
    {
      name: "node without self-loop",
      run: () => gat.forward(h, with_({ adjacency: noSelf })),
      expect: RangeError,
      mentions: ["GATLayer.forward", "node 2 has no self-loop"],
    },
    {
      name: "adjacency length",
      run: () => gat.forward(h, with_({ adjacency: new Uint8Array(8).fill(1) })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "edges.adjacency", "9 values", "Uint8Array of 8"],
    },
    {
      name: "adjacency type",
      run: () =>
        gat.forward(h, with_({ adjacency: [1, 1, 0, 0, 1, 1, 1, 0, 1] as unknown as Uint8Array })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "edges.adjacency", "Uint8Array", "Array of 9"],
    },
    {
      name: "adjacency value 2",
      run: () => gat.forward(h, with_({ adjacency: Uint8Array.of(1, 1, 0, 0, 1, 2, 1, 0, 1) })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "values 0 or 1", "got 2 at (1, 2)"],
    },
    {
      name: "weights length",
      run: () => gat.forward(h, with_({ weights: new Float32Array(10) })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "edges.weights", "9 values", "Float32Array of 10"],
    },
    {
      name: "weights type",
      run: () => gat.forward(h, with_({ weights: new Float64Array(9) as unknown as Float32Array })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "edges.weights", "Float64Array of 9"],
    },
    {
      name: "NaN weight",
      run: () => gat.forward(h, with_({ weights: nanW })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "finite edges.weights", "NaN at (1, 2)"],
    },
    {
      name: "-Infinity weight",
      run: () => gat.forward(h, with_({ weights: infW })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "-Infinity at (0, 2)"],
    },
    {
      name: "nodes not an integer",
      run: () => gat.forward(h, with_({ nodes: 2.5 })),
      expect: TypeError,
      mentions: ["GATLayer.forward", "edges.nodes", "2.5"],
    },
    {
      name: "h width",
      run: () => gat.forward(hWide, good),
      expect: TypeError,
      mentions: ["GATLayer.forward", "[B, 3, 3]", "[2, 3, 4]"],
    },
    {
      name: "h node count vs edges.nodes",
      run: () => gat.forward(hNodes, good),
      expect: TypeError,
      mentions: ["GATLayer.forward", "N = edges.nodes", "[2, 4, 3]"],
    },
    {
      name: "h rank 2",
      run: () => gat.forward(hFlat, good),
      expect: TypeError,
      mentions: ["GATLayer.forward", "[3, 3]"],
    },
    {
      name: "h dtype i32",
      run: () => gat.forward(hInt, good),
      expect: TypeError,
      mentions: ["GATLayer.forward", "dtype i32"],
    },
    {
      name: "disposed h",
      run: () => gat.forward(gone, good),
      expect: DisposedTensorError,
      mentions: ["GATLayer.forward"],
    },
    {
      name: "disposed parameter",
      run: () => {
        const g2 = new GATLayer({ dIn: 3, dOut: 4, heads: 2 });
        g2.aSrc.dispose();
        try {
          return g2.forward(h, good);
        } finally {
          g2.dispose();
        }
      },
      expect: DisposedTensorError,
      mentions: ["GATLayer.forward", "a_src"],
    },
    {
      name: "dOut not divisible by heads",
      run: () => new GATLayer({ dIn: 3, dOut: 6, heads: 4 }),
      expect: RangeError,
      mentions: ["GATLayer", "divisible", "dOut 6", "heads 4"],
    },
    {
      name: "dIn zero",
      run: () => new GATLayer({ dIn: 0, dOut: 4, heads: 2 }),
      expect: RangeError,
      mentions: ["GATLayer", "dIn", "got 0"],
    },
    {
      name: "seed out of range",
      run: () => new GATLayer({ dIn: 3, dOut: 4, heads: 2, seed: -1 }),
      expect: RangeError,
      mentions: ["GATLayer", "seed", "-1"],
    },
    {
      name: "weights of the wrong length",
      run: () =>
        new GATLayer({
          dIn: 3,
          dOut: 4,
          heads: 2,
          weights: { "W.weight": new Float32Array(11), a_src: [1, 2, 3, 4], a_dst: [1, 2, 3, 4] },
        }),
      expect: TypeError,
      mentions: ["GATLayer", 'weights["W.weight"]', "12 values", "got 11"],
    },
    {
      name: "non-finite weight array",
      run: () =>
        new GATLayer({
          dIn: 3,
          dOut: 4,
          heads: 2,
          weights: { "W.weight": new Float32Array(12), a_src: [1, NaN, 3, 4], a_dst: [1, 2, 3, 4] },
        }),
      expect: TypeError,
      mentions: ["GATLayer", 'weights["a_src"]', "NaN at 1"],
    },
  ];
  failures.push(...await checkFaults(cases));
  const after = await Promise.all(gat.parameters().map((p) => p.toFloat32()));
  if (after.some((a, i) => a.some((v, j) => !Object.is(v, before[i]![j])))) {
    failures.push("parameters changed");
  }
  // Control: a valid call leaks nothing (its graph's intermediates live in the tidy scope).
  const leak = await controlLeak(gat.parameters(), async () => {
    const out = tidy(() => gat.forward(h, good));
    await out.toFloat32();
    out.dispose();
  });
  if (leak !== null) failures.push(leak);
  gat.dispose();
  for (const t of owned) t.dispose();
  return faultMeasurement(cases.length, failures);
});
