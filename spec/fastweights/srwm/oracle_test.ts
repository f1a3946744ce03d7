/**
 * SRWM claims proven on the f64 oracle: the parameter count and the full
 * gradient check of the hand-derived BPTT through the self-writes.
 *
 * @module
 */
import fc from "fast-check";
import { Rng } from "../../../impl/gpu/rng.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import {
  srwmBackward,
  srwmEpisode,
  srwmForward,
  srwmLayout,
} from "../../oracle/fastweights/srwm.ts";
import { SRWM_GRADCHECK, SRWM_PARAM_COUNT } from "./claims.ts";

claimTest(SRWM_PARAM_COUNT, () => {
  let bad = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 16 }), (H, nIn) => {
      const ok = srwmLayout(H, nIn).total === 3 * H * H + H * nIn + 4 * H + 1;
      if (!ok) bad++;
      return ok; // false shrinks to the smallest mismatching (H, n_in) and prints the seed
    }),
    fcParams(100),
  );
  const n = srwmLayout(6, 4).total;
  return {
    figure: n,
    bound: 157,
    pass: bad === 0 && n === 157,
    detail: `${bad} of 100 fuzzed (H, n_in) mismatched; README's 169 is wrong`,
  };
});

/** Parameters drawn from U(−s, s) (s = `scale`/√max(H, n_in)), biases included. */
function randomParams(H: number, seed: number, scale: number): Float64Array {
  const rng = new Rng(seed);
  const s = scale / Math.sqrt(Math.max(H, 4));
  return Float64Array.from({ length: srwmLayout(H, 4).total }, () => rng.uniformIn(-s, s));
}

claimTest(SRWM_GRADCHECK, () => {
  let worst = 0;
  let detail = "";
  let checked = 0;
  for (const [H, eta, scale] of [[6, 0.5, 2], [4, 0.3, 1], [6, 1.7, 3]] as const) {
    for (let task = 0; task < 4; task++) {
      const L = srwmLayout(H, 4);
      const p = randomParams(H, 17 * H + task, scale);
      const ep = srwmEpisode(task, [task, (task + 1) % 4, (task + 2) % 4, (task + 3) % 4], [
        3,
        1,
        0,
        2,
      ]);
      const grads = srwmBackward(L, eta, p, ep, srwmForward(L, eta, p, ep));
      // Scale the loss so the largest gradient entry is 1 (the check's floor is 1).
      const k = 1 / Math.max(...Array.from(grads, Math.abs));
      const r = gradcheck(
        ([x]) => [srwmForward(L, eta, x!, ep).loss],
        [p],
        (w) => [grads.map((g) => g * w[0]!)],
        Float64Array.of(k),
      );
      checked += p.length;
      if (r.maxError >= worst) {
        worst = r.maxError;
        const name = L.tensors.findLast(([, off]) => off <= r.worst.index)![0];
        detail = `worst at H=${H} η=${eta} task ${task}, ${name} entry ${r.worst.index}: ` +
          `analytic ${r.worst.analytic.toExponential(6)} vs numeric ${
            r.worst.numeric.toExponential(6)
          }`;
      }
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: `${detail}; ${checked} entries checked`,
  };
});
