/**
 * The byte LM's f64 oracle (spec/oracle/decepticons/byte_lm.ts): its analytic
 * gradients of the loss against central differences, for every substrate.
 *
 * L = 64·loss, so the checked gradients are of order 10⁻²–1 and the error
 * max(|a|, |n|, 1)-relative measures them at ~1e-8 (finite differences of an
 * f64 loss of ~350 with h = 5e-6 leave ~1e-9 of cancellation). Every element
 * of every parameter is checked but for the two large ones: the embedding on
 * the rows the batch reads (every other row's gradient is exactly zero on both
 * sides) and the output weight on the columns of the batch's targets plus 8
 * seeded others (every column gets a softmax term; the targets' also the −1).
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import {
  byteLMForward,
  byteLMGradients,
  byteLMTrainableNames,
  ORACLE_BYTE_VOCAB,
} from "../../oracle/decepticons/byte_lm.ts";
import { caseBatch, caseValues, LM_CASES } from "./_cases.ts";
import { BYTE_LM_ORACLE_GRADCHECK } from "./claims.ts";

/** The loss weight: gradients of order one keep the check relative. */
const LOSS_WEIGHT = 64;

claimTest(BYTE_LM_ORACLE_GRADCHECK, async (t) => {
  let worst = 0;
  let worstAt = "";
  let evaluations = 0;
  const seen = new Set<string>();
  for (const cs of LM_CASES) {
    const c = cs.config;
    // The scan form and the hemispheres do not change the oracle: one case per substrate, with
    // and without blocks.
    const key = `${c.substrate}${(c.numBlocks ?? 1) > 1 ? ", two blocks" : ""}${
      c.staticBankGate ? ", static gate" : ""
    }${(c.substratePolyOrder ?? 1) > 1 ? ", poly" : ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await t.step(key, () => {
      const values = caseValues(c, cs.seed);
      const batch = caseBatch(cs.seed);
      const names = byteLMTrainableNames(c);
      const E = c.embeddingDim;
      const rows = new Set(batch.tokens);
      const classes = new Set(batch.targets);
      const r = new Rng(cs.seed);
      while (classes.size < new Set(batch.targets).size + 8) classes.add(r.int(ORACLE_BYTE_VOCAB));
      const width = c.readoutHidden + c.localHidden;
      // Checked indices of each parameter.
      const picks = names.map((n) => {
        const len = values[n]!.length;
        if (n === "embedding") {
          return [...rows].flatMap((id) => Array.from({ length: E }, (_, d) => id * E + d));
        }
        if (n === "out_w") {
          return Array.from({ length: width }, (_, i) => [...classes].map((v) => i * 256 + v))
            .flat();
        }
        return Array.from({ length: len }, (_, i) => i);
      });
      const point = picks.map((idx, k) => Float64Array.from(idx, (i) => values[names[k]!]![i]!));
      const f = (xs: Float64Array[]) => {
        const v: Record<string, Float64Array> = { ...values };
        names.forEach((n, k) => {
          const full = Float64Array.from(values[n]!);
          picks[k]!.forEach((i, j) => (full[i] = xs[k]![j]!));
          v[n] = full;
        });
        return [byteLMForward(c, v, batch).loss];
      };
      const trace = byteLMForward(c, values, batch);
      const vjp = (w: Float64Array) => {
        const g = byteLMGradients(c, values, batch, trace, w[0]!);
        return names.map((n, k) => Float64Array.from(picks[k]!, (i) => g[n]![i]!));
      };
      const res = gradcheck(f, point, vjp, Float64Array.of(LOSS_WEIGHT));
      evaluations += res.evaluations;
      const checked = picks.reduce((s, p) => s + p.length, 0);
      const where =
        `${c.substrate} ${names[res.worst.input]}[${
          picks[res.worst.input]?.[res.worst.index]
        }] (analytic ${res.worst.analytic.toExponential(4)}, numeric ` +
        `${res.worst.numeric.toExponential(4)}; ${checked} elements)`;
      console.log(`byte_lm.oracle_gradcheck: ${res.maxError.toExponential(2)} at ${where}`);
      if (res.maxError >= worst) {
        worst = res.maxError;
        worstAt = where;
      }
    });
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    // Every substrate of the model (the four of the original's tests and the learnable bank),
    // two blocks on four of them, two blocks with the static gate on the learnable bank, and
    // polynomial features on two of them.
    pass: worst <= GRADCHECK_MAX_REL && seen.size === 13,
    detail: `worst at ${worstAt}; ${evaluations} loss evaluations, L = ${LOSS_WEIGHT}·loss`,
  };
});
