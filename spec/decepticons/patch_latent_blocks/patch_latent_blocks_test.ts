/**
 * Patch-latent blocks: the pooler table, ids never wrapped, the ridge fits, bad input.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import {
  GlobalLocalBridge,
  LocalByteEncoder,
  PatchPooler,
  type PoolMode,
} from "../../../impl/decepticons/patch_latent_blocks/patch_latent_blocks.ts";
import { spectralRadius } from "../../../impl/decepticons/substrate/eigen.ts";
import { BLOCKS_FAULT, BRIDGE_FIT, ENCODER_IDS, ENCODER_RADIUS, POOLER_TABLE } from "./claims.ts";

claimTest(POOLER_TABLE, () => {
  const rows = [[0, 0], [4, 8]];
  const got = [
    ...new PatchPooler({ mode: "mix", mix: 0.25 }).pool(rows),
    ...new PatchPooler({ mode: "mean" }).pool(rows),
    ...new PatchPooler({ mode: "last" }).pool(rows),
  ];
  const want = [2.5, 5, 2, 4, 4, 8];
  const err = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
  let violations = 0;
  let runs = 0;
  const arb = fc.tuple(
    fc.array(
      fc.array(fc.double({ min: -100, max: 100, noNaN: true }), {
        minLength: 3,
        maxLength: 3,
      }),
      { minLength: 1, maxLength: 6 },
    ),
    fc.double({ min: 0, max: 1, noNaN: true }),
  );
  fc.assert(
    fc.property(arb, ([patch, a]) => {
      runs++;
      const mix = new PatchPooler({ mode: "mix", mix: a }).pool(patch);
      const mean = new PatchPooler().pool(patch);
      const last = patch[patch.length - 1]!;
      const ok = mix.every((m, j) => {
        const lo = Math.min(mean[j]!, last[j]!), hi = Math.max(mean[j]!, last[j]!);
        return m >= lo - 1e-12 * (1 + Math.abs(lo)) && m <= hi + 1e-12 * (1 + Math.abs(hi));
      });
      if (!ok) violations++;
      return ok;
    }),
    fcParams(200),
  );
  return {
    figure: err + violations,
    bound: 0,
    pass: true,
    detail: `table [${got.join(", ")}]; ${runs} fuzzed patches, ${violations} violations`,
  };
});

claimTest(ENCODER_IDS, async () => {
  const enc = new LocalByteEncoder({ vocabSize: 512, hiddenDim: 8, outputDim: 4, embedDim: 4 });
  const a = enc.encode([300]);
  const b = enc.encode([44]);
  enc.encode([511]);
  const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
  const failures = await checkFaults([-1, 512, 2.5].map((id) => ({
    name: `id ${id}`,
    run: () => enc.encode([1, id]),
    expect: RangeError,
    mentions: [`token 1 is ${id}`],
  })));
  return {
    figure: diff,
    bound: 0.01,
    pass: true,
    parts: [{ name: "accepted bad ids", figure: failures.length, bound: 0, direction: "==" }],
    detail: `max |enc(300) − enc(44)| ${diff.toFixed(4)}; ${failures.join("; ")}`,
  };
});

claimTest(ENCODER_RADIUS, () => {
  let worst = 0;
  for (const [seed, rho] of [[7, 0.9], [8, 0.5]] as const) {
    const enc = new LocalByteEncoder({ hiddenDim: 32, seed, spectralRadius: rho });
    worst = Math.max(worst, Math.abs(spectralRadius(enc.recurrent, 32) - rho) / rho);
  }
  const plain = spectralRadius(new LocalByteEncoder({ hiddenDim: 32, seed: 7 }).recurrent, 32);
  return {
    figure: worst,
    bound: 1e-12,
    pass: true,
    parts: [{
      name: "|unrescaled radius − 0.7|",
      figure: Math.abs(plain - 0.7),
      bound: 1e-6,
      direction: ">=",
    }],
    detail: `max relative radius error ${worst.toExponential(2)}; unrescaled radius at seed 7: ` +
      plain.toFixed(4),
  };
});

claimTest(BRIDGE_FIT, () => {
  const G = 3, Z = 2, L = 4, n = 40;
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const A = Array.from({ length: (G + Z) * L }, rnd);
  const c = Array.from({ length: L }, rnd);
  const map = (v: number[]) => c.map((b, l) => v.reduce((s, vi, i) => s + vi * A[i * L + l]!, b));
  const inputs: number[] = [];
  const targets: number[] = [];
  for (let t = 0; t < n; t++) {
    const v = Array.from({ length: G + Z }, rnd);
    inputs.push(...v);
    targets.push(...map(v));
  }
  const bridge = new GlobalLocalBridge({ globalDim: G, latentDim: Z, localDim: L })
    .fit(inputs, targets, 0);
  let bridgeErr = 0;
  for (let k = 0; k < 10; k++) {
    const v = Array.from({ length: G + Z }, rnd);
    const got = bridge.predict(v.slice(0, G), v.slice(G));
    map(v).forEach((w, l) => bridgeErr = Math.max(bridgeErr, Math.abs(got[l]! - w)));
  }
  // fitOutput: targets produced by another encoder's readout over the same hidden states.
  const tokens = Array.from({ length: 60 }, (_, i) => (i * 37 + 11) % 256);
  const teacher = new LocalByteEncoder({ hiddenDim: 12, outputDim: 3, seed: 9 });
  const student = new LocalByteEncoder({ hiddenDim: 12, outputDim: 3, seed: 9 });
  student.output = student.output.map((w) => -w);
  const want = teacher.encode(tokens);
  student.fitOutput(tokens, want, 0);
  const got = student.encode(tokens);
  const fitErr = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
  return {
    figure: Math.max(bridgeErr, fitErr),
    bound: 1e-12,
    pass: true,
    detail: `bridge ${bridgeErr.toExponential(2)}, fitOutput ${fitErr.toExponential(2)}`,
  };
});

claimTest(BLOCKS_FAULT, async () => {
  const bridge = new GlobalLocalBridge({ globalDim: 2, latentDim: 1, localDim: 1 });
  const pooler = new PatchPooler();
  const cases = [
    {
      name: "hiddenDim 0",
      run: () => new LocalByteEncoder({ hiddenDim: 0 }),
      expect: RangeError,
      mentions: ["hiddenDim"],
    },
    {
      name: "spectralRadius 0",
      run: () => new LocalByteEncoder({ spectralRadius: 0 }),
      expect: RangeError,
      mentions: ["spectralRadius"],
    },
    {
      name: "mode max",
      run: () => new PatchPooler({ mode: "max" as PoolMode }),
      expect: TypeError,
      mentions: ["mode"],
    },
    {
      name: "mix 1.5",
      run: () => new PatchPooler({ mode: "mix", mix: 1.5 }),
      expect: RangeError,
      mentions: ["mix"],
    },
    {
      name: "empty patch",
      run: () => pooler.pool([]),
      expect: RangeError,
      mentions: ["at least one row"],
    },
    {
      name: "ragged patch",
      run: () => pooler.pool([[1, 2], [3]]),
      expect: TypeError,
      mentions: ["row 1"],
    },
    {
      name: "bridge localDim 0",
      run: () => new GlobalLocalBridge({ globalDim: 1, latentDim: 1, localDim: 0 }),
      expect: RangeError,
      mentions: ["localDim"],
    },
    {
      name: "inputs not a multiple of G + Z",
      run: () => bridge.fit([1, 2, 3, 4], [1]),
      expect: RangeError,
      mentions: ["n·3"],
    },
    {
      name: "targets of the wrong size",
      run: () => bridge.fit([1, 2, 3], [1, 2]),
      expect: TypeError,
      mentions: ["targets"],
    },
    {
      name: "predict before fit",
      run: () => bridge.predict([1, 2], [3]),
      expect: TypeError,
      mentions: ["fit() first"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
