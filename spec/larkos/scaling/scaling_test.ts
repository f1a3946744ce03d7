/**
 * Tests of the scaling claims (./claims.ts): host arithmetic, no GPU.
 *
 * @module
 */
import { LARKOS } from "../../../impl/larkos/config.ts";
import { claimTest } from "../../_harness/claim.ts";
import {
  attentionBytes,
  modelInputDim,
  oneSignificantFigure,
  scaledLr,
  WORKED_EXAMPLES,
} from "./_scaling.ts";
import { SC_ATTENTION_VRAM, SC_MODEL_INPUT_DIM, SC_WORKED_EXAMPLES } from "./claims.ts";

claimTest(SC_MODEL_INPUT_DIM, () => {
  const wrong: string[] = [];
  for (const c of WORKED_EXAMPLES) {
    const d = modelInputDim(c);
    if (d !== c.statedModelInputDim) wrong.push(`${c.name}: ${d} != ${c.statedModelInputDim}`);
  }
  const base = modelInputDim(WORKED_EXAMPLES[0]!);
  if (base !== LARKOS.MODEL_INPUT_DIM) wrong.push(`8N ${base} != LARKOS ${LARKOS.MODEL_INPUT_DIM}`);
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0,
    detail: wrong.join("; ") ||
      WORKED_EXAMPLES.map((c) => `${c.name}: ${modelInputDim(c)}`).join(", "),
  };
});

claimTest(SC_ATTENTION_VRAM, () => {
  const at512 = attentionBytes(8, 32, 512);
  const at16k = attentionBytes(8, 32, 16_000);
  const doubling = attentionBytes(8, 32, 1024) / at512;
  const fourier16 = attentionBytes(
    8,
    32,
    modelInputDim({
      TEMPORAL_WINDOW: 2,
      INPUT_SIZE: 32,
      FOURIER_ENCODINGS: 64,
    }),
  ) / at512;
  const parts = [
    { name: "bytes at 512", figure: at512, bound: 1_342_177_280, direction: "==" as const },
    { name: "~1 GB", figure: oneSignificantFigure(at512), bound: 1e9, direction: "==" as const },
    { name: "~1 TB", figure: oneSignificantFigure(at16k), bound: 1e12, direction: "==" as const },
    { name: "2x dim", figure: doubling, bound: 4, direction: "==" as const },
    { name: "16x Fourier", figure: fourier16, bound: 256, direction: "==" as const },
  ];
  return {
    figure: at512,
    bound: 1_342_177_280,
    parts,
    pass: true,
    detail: `${(at512 / 1e9).toFixed(3)} GB at 512 (stated ~1 GB), ${
      (at16k / 1e12).toFixed(3)
    } TB at 16,000 (stated ~1 TB)`,
  };
});

claimTest(SC_WORKED_EXAMPLES, () => {
  const wrong: string[] = [];
  for (const c of WORKED_EXAMPLES) {
    const bands = c.BAND_Q + c.BAND_N + c.BAND_M;
    if (bands !== c.FUSION_DIM) wrong.push(`${c.name}: bands ${bands} != ${c.FUSION_DIM}`);
    for (
      const [a, b, what] of [
        [c.D_MODEL, c.NHEAD, "D_MODEL/NHEAD"],
        [c.FUSION_DIM, c.FUSE_NHEAD, "FUSION_DIM/FUSE_NHEAD"],
        [c.EMBEDDING_SIZE, c.NUM_HEADS, "EMBEDDING_SIZE/NUM_HEADS"],
      ] as const
    ) {
      if (a % b !== 0) wrong.push(`${c.name}: ${what} = ${a}/${b}`);
    }
  }
  const [base, ...rest] = WORKED_EXAMPLES;
  const lrs = rest.map((c) => [c, scaledLr(base!, c)] as const);
  for (const [c, lr] of lrs) {
    if (oneSignificantFigure(lr) !== c.BASE_LR) wrong.push(`${c.name}: lr ${lr} vs ${c.BASE_LR}`);
  }
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0,
    detail: wrong.join("; ") ||
      `rule lrs ${lrs.map(([c, lr]) => `${c.name} ${lr.toPrecision(4)}`).join(", ")}`,
  };
});
