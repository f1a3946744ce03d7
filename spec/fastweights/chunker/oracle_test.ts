/**
 * Chunker gradient checks: the oracle's hand-derived BPTT for every net of
 * chunker-22 (A with and without the label head, C) and chunker-1200 (A on a
 * window of 6 from a carried state, C on a compressed pair, the full-BPTT
 * baseline) against f64 central differences on every parameter entry.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import {
  c1200Sequence,
  C22,
  c22Dims,
  c22Scale,
  c22Stream,
  rnnBackward,
  type RnnDims,
  rnnDims,
  rnnForward,
  rnnInit,
  rnnLoss,
  type RnnLossSpec,
} from "../../oracle/fastweights/chunker.ts";
import { C1200_GRADCHECK, C22_GRADCHECK } from "./claims.ts";

/** One gradcheck case: a net, its parameters, start state, inputs and loss. */
export interface RnnCase {
  name: string;
  dims: RnnDims;
  params: Float64Array;
  h0: Float64Array;
  inputs: ArrayLike<number>;
  spec: RnnLossSpec;
}

function check(cases: readonly RnnCase[]): Measurement {
  let worst = 0;
  let detail = "";
  for (const c of cases) {
    const loss = (p: Float64Array) =>
      rnnLoss(c.dims, rnnForward(c.dims, p, c.h0, c.inputs), c.spec);
    const g = rnnBackward(
      c.dims,
      c.params,
      c.inputs,
      rnnForward(c.dims, c.params, c.h0, c.inputs),
      c.spec,
    );
    const r = gradcheck(
      ([p]) => [loss(p!)],
      [c.params],
      (w) => [g.map((x) => x * w[0]!)],
      Float64Array.of(1),
    );
    if (r.maxError >= worst) {
      worst = r.maxError;
      detail = `worst: ${c.name}, entry ${r.worst.index} of ${c.dims.size}: analytic ` +
        `${r.worst.analytic.toExponential(6)} vs numeric ${r.worst.numeric.toExponential(6)}`;
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `${cases.length} nets; ${detail}`,
  };
}

/** The chunker-22 gradcheck cases (A, single net with the label head, C). */
export function c22Cases(seed: number): RnnCase[] {
  const rng = new Rng(seed);
  const stream = c22Stream(3, () => rng.uniform());
  const inputs = stream.subarray(0, C22.block);
  const targets = stream.subarray(1, C22.block + 1);
  const ce = Float64Array.from({ length: C22.block }, (_, t) => (t < C22.block - 1 ? 1 : 0));
  const cases: RnnCase[] = [];
  for (const mode of ["chunker", "single"] as const) {
    const dims = c22Dims(mode).a;
    // Init scale 1 (not 0.5/√fan-in): larger activations exercise tanh' away from 1.
    const params = rnnInit(dims, rng, (f) => 2 * c22Scale(f));
    const labelTarget = new Float64Array(C22.block).fill(NaN);
    labelTarget[C22.block - 1] = inputs[0] === C22.a ? 1 : 0;
    const h0 = Float64Array.from({ length: C22.hidden }, () => 0.5 * rng.normal());
    cases.push({
      name: mode === "chunker" ? "A (symbol head)" : "single net (symbol + label heads)",
      dims,
      params,
      h0: h0.map(Math.tanh),
      inputs,
      spec: { targets, ceWeight: ce, labelTarget: mode === "single" ? labelTarget : undefined },
    });
  }
  const dc = c22Dims("chunker").c;
  cases.push({
    name: "C (one step from h = 0)",
    dims: dc,
    params: rnnInit(dc, rng, (f) => 2 * c22Scale(f)),
    h0: new Float64Array(C22.hidden),
    inputs: [C22.a],
    spec: { targets: [0], ceWeight: [0], labelTarget: [1] },
  });
  return cases;
}

/** The chunker-1200 gradcheck cases at sequence length T. */
export function c1200Cases(seed: number, T: number): RnnCase[] {
  const rng = new Rng(seed);
  const seq = c1200Sequence(T, rng.int(2));
  const a = rnnDims(7, 16, 7, 0);
  const c = rnnDims(7, 8, 7, 0);
  const carried = Float64Array.from({ length: 16 }, () => Math.tanh(rng.normal()));
  return [
    {
      name: "A (window of 6 at t = 6 from a carried state)",
      dims: a,
      params: rnnInit(a, rng, () => 0.5),
      h0: carried,
      inputs: seq.subarray(6, 12),
      spec: { targets: seq.subarray(7, 13), ceWeight: new Float64Array(6).fill(1) },
    },
    {
      name: "C (compressed pair)",
      dims: c,
      params: rnnInit(c, rng, () => 0.5),
      h0: new Float64Array(8),
      inputs: [seq[0]!, seq[T - 2]!],
      spec: { targets: [seq[1]!, seq[T - 1]!], ceWeight: [1, 1] },
    },
    {
      name: `baseline (full BPTT over ${T - 1} steps)`,
      dims: a,
      params: rnnInit(a, rng, () => 0.3),
      h0: new Float64Array(16),
      inputs: seq.subarray(0, T - 1),
      spec: { targets: seq.subarray(1), ceWeight: new Float64Array(T - 1).fill(1) },
    },
  ];
}

claimTest(C22_GRADCHECK, () => check(c22Cases(22)));

claimTest(C1200_GRADCHECK, () => check(c1200Cases(1200, 200)));
