/**
 * The echo-state reservoir's small-world topology (the original's reservoir.py)
 * and the oscillatory memory's unit-norm token vectors (oscillatory_memory.py), on the host-side
 * builders in f64.
 *
 * @module
 */
import fc from "fast-check";
import { throws } from "node:assert/strict";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  echoState,
  oscillatory,
  reservoirMatrix,
  smallWorldDegree,
  smallWorldMask,
} from "../../../impl/decepticons/substrate/build.ts";
import { spectralRadius } from "../../../impl/decepticons/substrate/eigen.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { SUB_RADIUS_ERROR } from "../../../invariants/tolerance.ts";
import { SUB_OSCILLATORY_UNIT_INPUTS, SUB_SMALL_WORLD } from "./claims.ts";

/** Circular distance between nodes i and j on a ring of n. */
function ringDistance(i: number, j: number, n: number): number {
  const d = Math.abs(i - j);
  return Math.min(d, n - d);
}

/** Lattice violations (p = 0 must give exactly the ring lattice) plus structural checks. */
function maskDefects(mask: Uint8Array, n: number, k: number, lattice: boolean): string[] {
  const defects: string[] = [];
  let edges = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i * n + i] !== 0) defects.push(`diagonal ${i} set`);
    for (let j = 0; j < n; j++) {
      if (mask[i * n + j] !== mask[j * n + i]) defects.push(`asymmetric at (${i}, ${j})`);
      if (j > i && mask[i * n + j] === 1) edges++;
      const want = ringDistance(i, j, n) >= 1 && ringDistance(i, j, n) <= k / 2 ? 1 : 0;
      if (lattice && mask[i * n + j] !== want) defects.push(`(${i}, ${j}) != lattice`);
    }
  }
  if (edges !== (n * k) / 2) defects.push(`${edges} edges, expected ${(n * k) / 2}`);
  return defects;
}

claimTest(SUB_SMALL_WORLD, () => {
  const failures: string[] = [];
  let rewired = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 3, max: 70 }),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      fc.constantFrom(0, 0.1, 0.5, 1),
      fc.nat(),
      (n, c, p, seed) => {
        const k = smallWorldDegree(n, c);
        const mask = smallWorldMask(n, c, p, new Rng(seed));
        const defects = maskDefects(mask, n, k, p === 0);
        if (defects.length > 0) failures.push(`n ${n} c ${c} p ${p}: ${defects[0]}`);
        if (p === 1 && maskDefects(mask, n, k, true).length > 0) rewired++;
        return defects.length === 0;
      },
    ),
    fcParams(100),
  );
  // Control: p = 1 on a sparse ring must move edges off the lattice.
  const sparse = smallWorldMask(100, 0.04, 1, new Rng(3));
  const moved = maskDefects(sparse, 100, smallWorldDegree(100, 0.04), true).length > 0;
  // The radius is set exactly on the small-world support too; W's support is the mask's.
  let worst = 0;
  let supportSymmetric = true;
  const cases: [number, number, number][] = [[512, 0.05, 7], [40, 0.2, 1], [9, 0.5, 2]];
  for (const [n, c, seed] of cases) {
    const w = reservoirMatrix(n, c, 0.95, new Rng(seed), { topology: "small_world" });
    worst = Math.max(worst, Math.abs(spectralRadius(w, n) - 0.95));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if ((w[i * n + j] !== 0) !== (w[j * n + i] !== 0)) supportSymmetric = false;
      }
    }
  }
  const esn = echoState({ size: 64, vocab: 8, topology: "small_world", rewireProbability: 0.2 });
  const esnRadius = Math.abs(spectralRadius(esn.layer.w, 64) - 0.95);
  worst = Math.max(worst, esnRadius);
  // Fault cases: refused before any weights are kept.
  throws(() => smallWorldMask(2, 0.5, 0.1, new Rng(0)), /size >= 3, got 2/);
  throws(() => smallWorldMask(10, 0.5, 1.5, new Rng(0)), /rewire probability 1.5 outside/);
  throws(
    () => reservoirMatrix(10, 0.5, 0.9, new Rng(0), { topology: "ring" as "small_world" }),
    /unknown topology "ring"/,
  );
  return {
    figure: worst,
    bound: SUB_RADIUS_ERROR,
    pass: failures.length === 0 && moved && supportSymmetric && worst < SUB_RADIUS_ERROR,
    detail:
      `100 fuzzed masks: ${failures.length} defective${
        failures.length ? ` (${failures[0]})` : ""
      }; p = 1 moved edges off the lattice in ${rewired} fuzzed cases and in the n 100 control ` +
      `(${moved}); W support symmetric ${supportSymmetric}; max |ρ − 0.95| ` +
      `${worst.toExponential(2)} at n ${cases.map((c) => c[0]).join(", ")}, 64`,
  };
});

/** 4 ulp of 1: a sum of E squares, one sqrt and one division per entry. */
const UNIT_NORM_SLACK = 4 * 2 ** -52;

claimTest(SUB_OSCILLATORY_UNIT_INPUTS, () => {
  let worst = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 48 }), fc.nat(), (dim, seed) => {
      const o = oscillatory({ dim, vocab: 16, seed });
      for (let v = 0; v < 16; v++) {
        let s = 0;
        for (let e = 0; e < dim; e++) s += o.emb[v * dim + e]! ** 2;
        worst = Math.max(worst, Math.abs(Math.sqrt(s) - 1));
      }
    }),
    fcParams(100),
  );
  const defaults = oscillatory();
  for (let v = 0; v < 256; v++) {
    let s = 0;
    for (let e = 0; e < 16; e++) s += defaults.emb[v * 16 + e]! ** 2;
    worst = Math.max(worst, Math.abs(Math.sqrt(s) - 1));
  }
  return {
    figure: worst,
    bound: UNIT_NORM_SLACK,
    pass: worst <= UNIT_NORM_SLACK,
    detail: `max | ‖u_v‖₂ − 1 | over 100 fuzzed (dim, seed) × 16 tokens and the default 256 ` +
      "tokens; the builder takes no input scale (the original's is inert)",
  };
});
