/**
 * GPU claims of the cognitive fusion (the WGSL hash, the anchors, parity with the host and the
 * gcc reference, determinism, β = 0) and the fault claim of every entry point.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { gpu } from "../../../impl/gpu/device.ts";
import {
  cognitiveFuse,
  type CognitiveFuseInput,
  cognitiveFuseTrace,
  projCoef,
} from "../../../impl/larkos/cognitive_fuse/cognitive_fuse.ts";
import {
  cognitiveFuseGpu,
  cognitiveFuseGpuBatch,
  projCoefGpu,
} from "../../../impl/larkos/cognitive_fuse/cognitive_fuse_gpu.ts";
import { claimTest } from "../../_harness/claim.ts";
import { checkFault, type FaultCase } from "../../_harness/fault_case.ts";
import {
  ANCHOR_ATOL,
  anchorInput,
  bitMismatches,
  FUSE_ANCHORS,
  HASH_ANCHORS,
  loadGccFixture,
  maxAbsDiff,
  randomInput,
} from "./_cases.ts";
import {
  CF_BETA_ZERO,
  CF_DETERMINISM,
  CF_FAULT,
  CF_GPU_ANCHORS,
  CF_GPU_HASH,
  CF_GPU_PARITY,
} from "./claims.ts";

claimTest(CF_GPU_HASH, async () => {
  await initGpu();
  const { hash } = await loadGccFixture();
  const r: number[] = HASH_ANCHORS.map((a) => a[0]);
  const c: number[] = HASH_ANCHORS.map((a) => a[1]);
  r.push(...hash.r);
  c.push(...hash.c);
  for (const base of [0, 1009, 3001]) {
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 800; j++) {
        r.push(base + i);
        c.push(j);
      }
    }
  }
  const got = await projCoefGpu(r, c);
  let bad = 0;
  for (let i = 0; i < r.length; i++) if (got[i] !== projCoef(r[i]!, c[i]!)) bad++;
  const anchorsBad = HASH_ANCHORS.filter(([, , want], i) => got[i] !== Math.fround(want)).length;
  return {
    figure: bad + anchorsBad,
    bound: 0,
    pass: true,
    detail: `${r.length} pairs in one dispatch; anchors ${anchorsBad} off`,
  };
});

claimTest(CF_GPU_ANCHORS, async () => {
  await initGpu();
  const [a, b] = await cognitiveFuseGpuBatch([anchorInput("a"), anchorInput("b")]);
  const ea = maxAbsDiff(a!.slice(0, 6), FUSE_ANCHORS.a);
  const eb = maxAbsDiff(b!.slice(0, 6), FUSE_ANCHORS.b);
  return {
    figure: Math.max(ea, eb),
    bound: ANCHOR_ATOL,
    pass: true,
    detail: `A ${ea.toExponential(2)}, B ${eb.toExponential(2)}`,
  };
});

/** The seeded inputs of the parity claim: up to 1300 memories, L up to 768, with and without text. */
function parityInputs(): CognitiveFuseInput[] {
  return [
    randomInput(200, { L: 768, n: 1200, T: 0 }),
    randomInput(201, { L: 768, n: 1300, T: 64 }),
    randomInput(202, { L: 64, n: 33, T: 5 }),
    randomInput(203, { L: 1, n: 1, T: 0, beta: 1 }),
    randomInput(204, { L: 300, n: 500, T: 300, beta: 0.2, c: -2 }),
    randomInput(205, { L: 0, n: 64, T: 0 }),
  ];
}

claimTest(CF_GPU_PARITY, async () => {
  await initGpu();
  const { cases } = await loadGccFixture();
  const inputs = [...cases.map((c) => c.input), ...parityInputs()];
  const t0 = performance.now();
  const gpu = await cognitiveFuseGpuBatch(inputs);
  const ms = performance.now() - t0;
  let host = 0;
  let gcc = 0;
  let identical = 0;
  let where = "";
  inputs.forEach((x, i) => {
    const h = cognitiveFuse(x);
    const d = maxAbsDiff(gpu[i]!, h);
    if (d > host) {
      host = d;
      where = i < cases.length ? cases[i]!.name : `seeded ${i - cases.length}`;
    }
    if (bitMismatches(gpu[i]!, h) === 0) identical++;
    if (i < cases.length) gcc = Math.max(gcc, maxAbsDiff(gpu[i]!, cases[i]!.out));
  });
  const memories = inputs.reduce((a, x) => a + Math.min(x.memories.length, 1200), 0);
  return {
    figure: host,
    bound: ANCHOR_ATOL,
    pass: true,
    parts: [{ name: "max |gpu − C|", figure: gcc, bound: ANCHOR_ATOL, direction: "<=" }],
    detail:
      `${inputs.length} calls, ${memories} memories, one batch (${ms.toFixed(0)} ms); worst ` +
      `at ${where}; ${identical} of ${inputs.length} outputs bit-identical to the host`,
  };
});

claimTest(CF_DETERMINISM, async () => {
  await initGpu();
  const inputs = parityInputs().slice(0, 3);
  let bad = 0;
  for (const x of inputs) bad += bitMismatches(cognitiveFuse(x), cognitiveFuseTrace(x).out);
  const first = await cognitiveFuseGpuBatch(inputs);
  const second = await cognitiveFuseGpuBatch([...inputs].reverse());
  inputs.forEach((_, i) => {
    bad += bitMismatches(first[i]!, second[inputs.length - 1 - i]!);
  });
  return {
    figure: bad,
    bound: 0,
    pass: true,
    detail: "host twice; GPU twice, the second batch in reverse order",
  };
});

claimTest(CF_BETA_ZERO, async () => {
  await initGpu();
  const x = randomInput(300, { L: 128, n: 50, T: 16, beta: 0 });
  const other = randomInput(301, { L: 0, n: 50, T: 0 });
  const y: CognitiveFuseInput = { ...x, memories: other.memories };
  const host = maxAbsDiff(cognitiveFuse(x), cognitiveFuse(y));
  const [gx, gy] = await cognitiveFuseGpuBatch([x, y]);
  const gpu = maxAbsDiff(gx!, gy!);
  return {
    figure: Math.max(host, gpu),
    bound: 0,
    pass: true,
    detail: `host ${host}, GPU ${gpu} (50 memories replaced)`,
  };
});

const DW = new Array(22).fill(0.1);
const OK: CognitiveFuseInput = {
  llm: [1, 2, 3],
  memories: [new Array(22).fill(0.5)],
  importances: [1],
  defaultWeights: DW,
  memWeightRatio: 0.5,
  contextFactor: 0.5,
};

/** The bad inputs, each run through the host and the GPU entry point. */
const BAD: readonly [string, unknown, typeof TypeError | typeof RangeError, string][] = [
  ["memory of 21 values", { ...OK, memories: [new Array(21).fill(0)] }, TypeError, "memories[0]"],
  ["memory of 288 values", { ...OK, memories: [new Array(288).fill(0)] }, TypeError, "22"],
  ["importances not one per memory", { ...OK, importances: [1, 2] }, TypeError, "importances"],
  [
    "dw of 8 values",
    { ...OK, defaultWeights: [1, 2, 3, 4, 5, 6, 7, 8] },
    TypeError,
    "defaultWeights",
  ],
  ["NaN in llm", { ...OK, llm: [1, NaN] }, RangeError, "llm[1]"],
  ["∞ in text", { ...OK, text: [Infinity] }, RangeError, "text[0]"],
  [
    "NaN in a memory",
    { ...OK, memories: [[...new Array(21).fill(0), NaN]] },
    RangeError,
    "memories[0][21]",
  ],
  ["NaN importance", { ...OK, importances: [NaN] }, RangeError, "importances[0]"],
  [
    "NaN in dw",
    { ...OK, defaultWeights: [...new Array(21).fill(0), NaN] },
    RangeError,
    "defaultWeights[21]",
  ],
  ["value past f32", { ...OK, llm: [1e39] }, RangeError, "llm[0]"],
  ["NaN mem_weight_ratio", { ...OK, memWeightRatio: NaN }, RangeError, "memWeightRatio"],
  ["∞ context factor", { ...OK, contextFactor: -Infinity }, RangeError, "contextFactor"],
  ["context factor a string", { ...OK, contextFactor: "0.5" }, TypeError, "contextFactor"],
  ["memories not an array", { ...OK, memories: new Float32Array(22) }, TypeError, "memories"],
  ["a memory that is a number", { ...OK, memories: [3] }, TypeError, "memories[0]"],
  ["llm missing", { ...OK, llm: undefined }, TypeError, "llm"],
  ["input null", null, TypeError, "input"],
];

claimTest(CF_FAULT, async () => {
  await initGpu();
  const cases: FaultCase[] = [];
  for (const [name, input, expect, mention] of BAD) {
    const x = input as CognitiveFuseInput;
    cases.push({ name: `host: ${name}`, run: () => cognitiveFuse(x), expect, mentions: [mention] });
    cases.push({
      name: `trace: ${name}`,
      run: () => cognitiveFuseTrace(x),
      expect,
      mentions: [mention],
    });
    cases.push({
      name: `gpu: ${name}`,
      run: () => cognitiveFuseGpu(x),
      expect,
      mentions: [mention],
    });
    cases.push({
      name: `gpu batch (second call): ${name}`,
      run: () => cognitiveFuseGpuBatch([OK, x]),
      expect,
      mentions: [mention, "call 1"],
    });
  }
  cases.push(
    {
      name: "batch not an array",
      run: () => cognitiveFuseGpuBatch(OK as unknown as CognitiveFuseInput[]),
      expect: TypeError,
      mentions: ["array of inputs"],
    },
    {
      name: "projCoef r negative",
      run: () => projCoef(-1, 0),
      expect: RangeError,
      mentions: ["r"],
    },
    {
      name: "projCoef c 2³²",
      run: () => projCoef(0, 2 ** 32),
      expect: RangeError,
      mentions: ["c"],
    },
    { name: "projCoef c 1.5", run: () => projCoef(0, 1.5), expect: RangeError, mentions: ["c"] },
    {
      name: "projCoef r a string",
      run: () => projCoef("1" as unknown as number, 0),
      expect: TypeError,
      mentions: ["r"],
    },
    {
      name: "projCoefGpu lengths differ",
      run: () => projCoefGpu([1, 2], [1]),
      expect: TypeError,
      mentions: ["one length"],
    },
    {
      name: "projCoefGpu c NaN",
      run: () => projCoefGpu([1], [NaN]),
      expect: RangeError,
      mentions: ["c[0]"],
    },
  );
  // Only an adapter with a loop budget (llvmpipe) refuses long projections.
  const budget = gpu().maxLoopIterations;
  if (Number.isFinite(budget)) {
    cases.push({
      name: "llm past the loop budget",
      run: () => cognitiveFuseGpu({ ...OK, llm: new Float32Array(budget) }),
      expect: RangeError,
      mentions: ["loop budget", String(budget)],
    });
  }
  const failures: string[] = [];
  for (const c of cases) {
    const why = await checkFault(c);
    if (why !== null) failures.push(why);
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: true,
    detail: `${cases.length} cases (loop budget ${budget})` +
      (failures.length ? `: ${failures.slice(0, 3).join("; ")}` : ""),
  };
});
