/**
 * Oracle claims of the linear recurrence: the f64 analytic backward against
 * central differences, and the original's division-based chunked scan
 * measured against the sequential recurrence (its failure region recorded as
 * a divergence figure).
 *
 * @module
 */
import fc from "fast-check";
import {
  divisionChunkedScan,
  recurrenceBackward,
  type RecurrenceDims,
  recurrenceForward,
} from "../../oracle/decepticons/linear_recurrence.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import {
  DIVISION_SCAN_DOMAIN_REL,
  DIVISION_SCAN_FAILURE_MIN_REL,
  GRADCHECK_MAX_REL,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { SCAN_DIVISION_DIVERGENCE, SCAN_GRADCHECK } from "./claims.ts";
import { recordFigure } from "../../_harness/figures.ts";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

claimTest(SCAN_GRADCHECK, () => {
  let worst = 0;
  let where = "";
  let runs = 0;
  fc.assert(
    fc.property(
      fc.record({
        nb: fc.integer({ min: 1, max: 2 }),
        T: fc.integer({ min: 1, max: 9 }),
        C: fc.integer({ min: 1, max: 3 }),
        complex: fc.boolean(),
        withInit: fc.boolean(),
        withFinal: fc.boolean(),
        seed: fc.nat(),
      }),
      (p) => {
        const w: 1 | 2 = p.complex ? 2 : 1;
        const d: RecurrenceDims = { nb: p.nb, T: p.T, C: p.C, w };
        const r = lcg(p.seed);
        const n = p.nb * p.T * p.C * w;
        const ns = p.nb * p.C * w;
        // Gates of modulus in [0.18, 1] (the claim's range), inputs in [−1, 1].
        const a = Float64Array.from({ length: n }, () => (p.complex ? 1.4 : 1) * (r() - 0.5));
        if (!p.complex) { for (let i = 0; i < n; i++) a[i] = 0.18 + 0.82 * r(); }
        const b = Float64Array.from({ length: n }, () => 2 * r() - 1);
        const init = Float64Array.from({ length: ns }, () => 2 * r() - 1);
        const gF = p.withFinal ? Float64Array.from({ length: ns }, () => 2 * r() - 1) : null;
        const inputs = p.withInit ? [a, b, init] : [a, b];
        const f = (xs: Float64Array[]) => {
          const out = recurrenceForward(d, xs[0]!, xs[1]!, p.withInit ? xs[2]! : null);
          if (!gF) return out.h;
          const all = new Float64Array(out.h.length + out.final.length);
          all.set(out.h);
          all.set(out.final, out.h.length);
          return all;
        };
        const wts = Float64Array.from({ length: n + (gF ? ns : 0) }, () => 2 * r() - 1);
        const vjp = (wv: Float64Array) => {
          const gH = wv.subarray(0, n);
          const g = recurrenceBackward(
            d,
            a,
            b,
            p.withInit ? init : null,
            gH,
            gF ? wv.subarray(n) : null,
          );
          return p.withInit ? [g.da, g.db, g.dinit] : [g.da, g.db];
        };
        const res = gradcheck(f, inputs, vjp, wts);
        runs++;
        if (res.maxError >= worst) {
          worst = res.maxError;
          where = `T=${p.T} C=${p.C} complex=${p.complex} input ${res.worst.input}`;
        }
      },
    ),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail:
      `${runs} fuzzed cases, every entry of a, b (and init), real and complex; worst at ${where}`,
  };
});

/** max|h_div − h_seq| / max|h_seq| of the original's algorithm at uniform gate g, K = 32. */
function divisionError(gate: number, T: number, seed: number): number {
  const d: RecurrenceDims = { nb: 1, T, C: 1, w: 1 };
  const r = lcg(seed);
  const a = new Float64Array(T).fill(gate);
  const b = Float64Array.from({ length: T }, () => 2 * r() - 1);
  const seq = recurrenceForward(d, a, b, null).h;
  const div = divisionChunkedScan(d, a, b, 32);
  let num = 0;
  let den = 0;
  for (let t = 0; t < T; t++) {
    num = Math.max(num, Math.abs(div[t]! - seq[t]!));
    den = Math.max(den, Math.abs(seq[t]!));
  }
  return num / den;
}

claimTest(SCAN_DIVISION_DIVERGENCE, () => {
  const T = 1024;
  const at = (g: number) => Math.max(...[1, 2, 3].map((s) => divisionError(g, T, s)));
  const fail018 = at(0.18);
  const fail05 = at(0.5);
  const fail0562 = at(0.5623);
  const ok06 = at(0.6);
  const ok097 = at(0.97);
  // The curve behind the finding: error against gate, with the 0.5623 boundary marked.
  const gates = [
    0.18,
    0.25,
    0.3,
    0.35,
    0.4,
    0.45,
    0.5,
    0.53,
    0.55,
    0.5623,
    0.58,
    0.6,
    0.7,
    0.8,
    0.9,
    0.97,
  ];
  recordFigure({
    id: "linear_recurrence_division_error_vs_gate",
    claim: SCAN_DIVISION_DIVERGENCE.id,
    title: "Original's division-based chunked scan: error against gate (K = 32, T = 1024, f64)",
    x: { label: "uniform gate g" },
    y: { label: "max |h_div − h_seq| / max |h_seq|", log: true },
    series: [{
      name: "division-based chunked scan",
      points: gates.map((g) => [g, Math.max(at(g), 1e-17)] as const),
    }],
    marks: [
      { x: 0.5623, label: "0.5623" },
      { y: DIVISION_SCAN_DOMAIN_REL, label: "domain bound" },
    ],
  });
  return {
    figure: fail018,
    bound: DIVISION_SCAN_FAILURE_MIN_REL,
    pass: true,
    parts: [
      {
        name: "error at gate 0.18",
        figure: fail018,
        bound: DIVISION_SCAN_FAILURE_MIN_REL,
        direction: ">=",
      },
      { name: "error at gate 0.6", figure: ok06, bound: DIVISION_SCAN_DOMAIN_REL, direction: "<=" },
      {
        name: "error at gate 0.97",
        figure: ok097,
        bound: DIVISION_SCAN_DOMAIN_REL,
        direction: "<=",
      },
    ],
    detail: `original's division-based chunked scan (K = 32, f64, T = ${T}, 3 input draws), ` +
      `max rel error vs sequential: gate 0.18 ${fail018.toPrecision(3)}, 0.5 ` +
      `${fail05.toPrecision(3)}, 0.5623 ${fail0562.toExponential(2)}, 0.6 ` +
      `${ok06.toExponential(2)}, 0.97 ${ok097.toExponential(2)} (domain bound ` +
      `${DIVISION_SCAN_DOMAIN_REL})`,
  };
});
