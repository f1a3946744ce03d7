/**
 * Proofs of the transformer encoder claims (./claims.ts): oracle gradcheck,
 * fuzzed GPU parity of forward and backward, clones, dropout and faults.
 * Fixture parity is in ./fixtures_test.ts.
 *
 * @module
 */
import {
  backward,
  DisposedTensorError,
  initGpu,
  readTensors,
  sum,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { TransformerEncoder, TransformerEncoderLayer } from "../../../impl/nn/mod.ts";
import { hashU32 } from "../../../impl/gpu/rng.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import {
  checkFaults,
  controlLeak,
  type ErrorClass,
  faultMeasurement,
} from "../../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { parityClaimTests } from "../_gpu_parity.ts";
import {
  layerForward,
  type LayerGeometry,
  type LayerParams,
  PARAM_NAMES,
} from "../../oracle/nn/transformer_encoder.ts";
import { encoderBounds } from "./_bounds.ts";
import {
  checkEncCase,
  describeEncCompared,
  encArbitrary,
  type EncCase,
  encOracle,
  makeEncCase,
} from "./_cases.ts";
import {
  ENC_CLONES,
  ENC_COMPOSITION,
  ENC_DROPOUT,
  ENC_FAULT,
  ENC_GPU_GRADIENTS,
  ENC_GPU_PARITY,
  ENC_GRADCHECK,
} from "./claims.ts";

const geo = (o: Partial<LayerGeometry> = {}): LayerGeometry => ({
  batch: 2,
  length: 3,
  d: 4,
  heads: 2,
  ff: 6,
  activation: "relu",
  eps: 1e-5,
  ...o,
});

claimTest(ENC_GRADCHECK, () => {
  const cases = [
    makeEncCase(geo(), 41, "none"),
    makeEncCase(geo({ activation: "gelu" }), 42, "both"),
    makeEncCase(geo(), 43, "padding", { dropout: { p: 0.25, seed: 6 } }),
    makeEncCase(geo({ activation: "gelu" }), 44, "causal", { layers: 2 }),
  ];
  let worst = 0;
  let where = "";
  for (const c of cases) {
    // Flattened inputs: x, then each layer's twelve parameters in torch order.
    const flat: Float64Array[] = [c.x, ...c.params.flatMap((p) => PARAM_NAMES.map((n) => p[n]))];
    const unflat = (xs: Float64Array[]): [Float64Array, LayerParams[]] => {
      const ps = c.params.map((_, i) =>
        Object.fromEntries(
          PARAM_NAMES.map((n, k) => [n, xs[1 + i * PARAM_NAMES.length + k]!]),
        ) as LayerParams
      );
      return [xs[0]!, ps];
    };
    const r = gradcheck(
      (xs) => {
        const [x, ps] = unflat(xs);
        return encOracle({ ...c, x, params: ps }).out;
      },
      flat,
      (w) => {
        const o = encOracle({ ...c, gOut: w });
        return [o.x, ...o.params.flatMap((p) => PARAM_NAMES.map((n) => p[n]))];
      },
      c.gOut,
    );
    if (!(r.maxError <= worst)) {
      worst = r.maxError;
      const k = r.worst.input;
      const name = k === 0
        ? "src"
        : `layers.${Math.floor((k - 1) / 12)}.${PARAM_NAMES[(k - 1) % 12]}`;
      where =
        `${c.label}: ${name}[${r.worst.index}] analytic ${r.worst.analytic} numeric ${r.worst.numeric}`;
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: where,
  };
});

/** Fixed cases: d = 48 and 64 (the bench widths), size 1, masks, dropout. */
function fixedCases(): EncCase[] {
  return [
    makeEncCase(geo({ batch: 1, length: 1, d: 1, heads: 1, ff: 1 }), 51, "none"),
    makeEncCase(geo({ batch: 1, length: 11, d: 48, heads: 4, ff: 96 }), 52, "both"),
    makeEncCase(
      geo({ batch: 1, length: 7, d: 64, heads: 4, ff: 128, activation: "gelu" }),
      53,
      "padding",
    ),
    makeEncCase(geo({ length: 5, d: 8, ff: 16 }), 54, "causal"),
    makeEncCase(geo({ length: 5, d: 8, ff: 16, activation: "gelu" }), 55, "both", {
      dropout: { p: 0.1, seed: 8 },
    }),
  ];
}

// The fixed and fuzzed cases run once; both GPU claims read the summary.
parityClaimTests(ENC_GPU_PARITY, ENC_GPU_GRADIENTS, {
  fixed: fixedCases,
  arbitrary: encArbitrary,
  check: checkEncCase,
  describe: describeEncCompared,
});

claimTest(ENC_COMPOSITION, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  const g = geo({ batch: 2, length: 4, d: 8, ff: 12, activation: "gelu" });
  const c = makeEncCase(g, 71, "padding");
  const { batch: B, length: L, d } = g;
  const layer = new TransformerEncoderLayer(d, 2, {
    dimFeedforward: g.ff,
    activation: "gelu",
    dropout: 0.2,
    seed: 3,
  });
  const enc = new TransformerEncoder(layer, 3); // training mode, as torch's default
  layer.dispose();
  const kpm = c.call.keyPaddingMask as boolean[];
  const run = async (composed: boolean) => {
    const x = tensor(c.x, [B, L, d], { requiresGrad: true });
    const read = tidy(() => {
      let y = x;
      if (composed) y = enc.forward(x, { srcKeyPaddingMask: kpm, seed: 99 });
      else {enc.layers.forEach((
          l,
          i,
        ) => (y = l.forward(y, { srcKeyPaddingMask: kpm, seed: hashU32(99, i) }))
        );}
      backward(y, tensor(c.gOut, [B, L, d]));
      return [y, x.grad!, ...enc.parameters().map((p) => p.grad!)];
    });
    const vals = await readTensors(read);
    read[0]!.dispose();
    x.dispose();
    for (const p of enc.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
    return vals;
  };
  const a = await run(true);
  const b = await run(false);
  a.forEach((arr, k) => {
    if (arr.some((v, i) => !Object.is(v, b[k]![i]))) violations.push(`array ${k} differs`);
  });
  enc.dispose();
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? `3-layer encoder (GELU, dropout 0.2, padding) = its layers in turn, bit for bit: output, ` +
        `src gradient and ${a.length - 2} parameter gradients`
      : violations.slice(0, 6).join("; "),
  };
});

claimTest(ENC_CLONES, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  const d = 8;
  const ff = 12;
  const layer = new TransformerEncoderLayer(d, 2, { dimFeedforward: ff, seed: 17 });
  const enc = new TransformerEncoder(layer, 3);
  const src = await Promise.all(layer.parameters().map((p) => p.toFloat32()));
  for (const [i, l] of enc.layers.entries()) {
    const vals = await Promise.all(l.parameters().map((p) => p.toFloat32()));
    vals.forEach((v, k) => {
      if (v.some((x, j) => !Object.is(x, src[k]![j]))) {
        violations.push(`layer ${i} param ${k} differs`);
      }
    });
    l.parameters().forEach((p, k) => {
      if (p.buffer === layer.parameters()[k]!.buffer) {
        violations.push(`layer ${i} param ${k} shares the layer's buffer`);
      }
      enc.layers.forEach((o, j) => {
        if (j !== i && o.parameters()[k]!.buffer === p.buffer) {
          violations.push(`layers ${i},${j} share param ${k}`);
        }
      });
    });
  }
  // Changing one layer changes no other.
  enc.layers[0]!.setWeights(
    Object.fromEntries(
      layer.namedParameters().map(([n, t]) => [n, new Float32Array(t.size).fill(0.5)]),
    ),
  );
  const l1 = await enc.layers[1]!.linear1Weight.toFloat32();
  if (l1.some((x, j) => x !== src[4]![j])) violations.push("setting layer 0 changed layer 1");
  // Initialisation as torch: in_proj within xavier bound √(6/(d + 3d)), attention biases 0,
  // Linear within 1/√fan_in, LayerNorm ones and zeros; reproducible by seed.
  const [inW, inB, outW, outB, w1, b1, w2, b2, n1w, n1b, n2w, n2b] = src;
  const within = (a: Float32Array, bnd: number, name: string) => {
    if (a.some((x) => !(Math.abs(x) <= bnd))) violations.push(`${name} outside ±${bnd}`);
    if (a.every((x) => x === a[0])) violations.push(`${name} is constant`);
  };
  within(inW!, Math.sqrt(6 / (4 * d)), "in_proj_weight");
  within(outW!, 1 / Math.sqrt(d), "out_proj.weight");
  within(w1!, 1 / Math.sqrt(d), "linear1.weight");
  within(b1!, 1 / Math.sqrt(d), "linear1.bias");
  within(w2!, 1 / Math.sqrt(ff), "linear2.weight");
  within(b2!, 1 / Math.sqrt(ff), "linear2.bias");
  for (
    const [a, v, n] of [
      [inB, 0, "in_proj_bias"],
      [outB, 0, "out_proj.bias"],
      [n1w, 1, "norm1.weight"],
      [n1b, 0, "norm1.bias"],
      [n2w, 1, "norm2.weight"],
      [n2b, 0, "norm2.bias"],
    ] as const
  ) {
    if (a!.some((x) => x !== v)) violations.push(`${n} is not ${v}`);
  }
  const again = new TransformerEncoderLayer(d, 2, { dimFeedforward: ff, seed: 17 });
  const other = new TransformerEncoderLayer(d, 2, { dimFeedforward: ff, seed: 18 });
  const a2 = await again.linear1Weight.toFloat32();
  const o2 = await other.linear1Weight.toFloat32();
  if (a2.some((x, j) => x !== w1![j])) violations.push("same seed, different init");
  if (o2.every((x, j) => x === w1![j])) violations.push("another seed, same init");
  for (const m of [layer, enc, again, other]) m.dispose();
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? "3 clones bit-identical in 36 own buffers; independent after setWeights; torch init ranges; seeded"
      : violations.slice(0, 6).join("; "),
  };
});

claimTest(ENC_DROPOUT, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  const g = geo({ batch: 2, length: 5, d: 8, ff: 16 });
  const c = makeEncCase(g, 61, "padding");
  const { batch: B, length: L, d } = g;
  const run = async (training: boolean, seed: number) => {
    const layer = new TransformerEncoderLayer(d, 2, { dimFeedforward: g.ff, dropout: 0.1 });
    layer.setWeights(c.params[0]!);
    layer.train(training);
    const x = tensor(c.x, [B, L, d]);
    const y = tidy(() =>
      layer.forward(x, { srcKeyPaddingMask: c.call.keyPaddingMask as boolean[], seed })
    );
    const v = await y.toFloat32();
    for (const t of [x, y]) t.dispose();
    layer.dispose();
    return v;
  };
  // Eval: equals the dropout-free oracle within its bound, whatever the seed.
  const e1 = await run(false, 1);
  const e2 = await run(false, 2);
  const want = layerForward(g, c.params[0]!, c.x, c.call).out;
  const bound = encoderBounds(g, c.params, c.x, c.gOut, c.call).out;
  e1.forEach((v, i) => {
    if (!(Math.abs(v - want[i]!) <= bound[i]!)) {
      violations.push(`eval element ${i} off the dropout-free oracle`);
    }
  });
  if (e1.some((v, i) => v !== e2[i])) violations.push("eval depends on the seed");
  // Training: reproducible by seed; another seed differs; equals the oracle with replayed masks.
  const t1 = await run(true, 5);
  const t1b = await run(true, 5);
  const t2 = await run(true, 6);
  if (t1.some((v, i) => !Object.is(v, t1b[i]))) {
    violations.push("same seed, different training output");
  }
  if (t1.every((v, i) => v === t2[i])) violations.push("another seed, same training output");
  const call = { ...c.call, dropout: { p: 0.1, seed: 5 } };
  const wantT = layerForward(g, c.params[0]!, c.x, call).out;
  const boundT = encoderBounds(g, c.params, c.x, c.gOut, call).out;
  t1.forEach((v, i) => {
    if (!(Math.abs(v - wantT[i]!) <= boundT[i]!)) {
      violations.push(`training element ${i} off the replayed oracle`);
    }
  });
  if (t1.every((v, i) => Math.abs(v - want[i]!) <= bound[i]!)) {
    violations.push("training output equals eval");
  }
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? "eval = dropout-free oracle for 2 seeds; training seeded, = oracle with replayed masks"
      : violations.slice(0, 6).join("; "),
  };
});

claimTest(ENC_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const failures: string[] = [];
  const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, seed: 2 });
  layer.eval();
  const before = await Promise.all(layer.parameters().map((p) => p.toFloat32()));
  const x = tensor(new Float32Array(2 * 3 * 4).fill(0.5), [2, 3, 4]);
  const wide = tensor(new Float32Array(2 * 3 * 5), [2, 3, 5]);
  const ints = tensor(new Int32Array(24), [2, 3, 4]);
  const gone = tensor(new Float32Array(24), [2, 3, 4]);
  gone.dispose();
  const broken = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6 });
  broken.linear2Weight.dispose();
  const cases: { name: string; run: () => unknown; expect: ErrorClass; mentions: string[] }[] = [
    {
      name: "d not divisible",
      run: () => new TransformerEncoderLayer(6, 4),
      expect: RangeError,
      mentions: ["TransformerEncoderLayer", "divisible"],
    },
    {
      name: "dim_feedforward 0",
      run: () => new TransformerEncoderLayer(4, 2, { dimFeedforward: 0 }),
      expect: RangeError,
      mentions: ["dimFeedforward", "positive integer"],
    },
    {
      name: "dropout 1",
      run: () => new TransformerEncoderLayer(4, 2, { dropout: 1 }),
      expect: RangeError,
      mentions: ["dropout in [0, 1)"],
    },
    {
      name: "activation",
      run: () => new TransformerEncoderLayer(4, 2, { activation: "tanh" as "relu" }),
      expect: TypeError,
      mentions: ["activation", "tanh"],
    },
    {
      name: "layers 0",
      run: () => new TransformerEncoder(layer, 0),
      expect: RangeError,
      mentions: ["TransformerEncoder", "numLayers"],
    },
    {
      name: "src width",
      run: () => layer.forward(wide),
      expect: TypeError,
      mentions: ["TransformerEncoderLayer", "[B, L, 4]", "[2, 3, 5]"],
    },
    {
      name: "src dtype",
      run: () => layer.forward(ints),
      expect: TypeError,
      mentions: ["TransformerEncoderLayer", "dtype i32"],
    },
    {
      name: "disposed src",
      run: () => layer.forward(gone),
      expect: DisposedTensorError,
      mentions: ["TransformerEncoderLayer"],
    },
    {
      name: "disposed parameter",
      run: () => broken.forward(x),
      expect: DisposedTensorError,
      mentions: ["linear2.weight"],
    },
    {
      name: "src mask shape",
      run: () => layer.forward(x, { srcMask: { shape: [3, 4], data: new Float32Array(12) } }),
      expect: TypeError,
      mentions: ["attnMask", "[3, 3]"],
    },
    {
      name: "padding mask dtype",
      run: () =>
        layer.forward(x, { srcKeyPaddingMask: [0, 1, 0, 0, 1, 0] as unknown as boolean[] }),
      expect: TypeError,
      mentions: ["keyPaddingMask", "booleans"],
    },
    {
      name: "fully padded sequence",
      run: () => layer.forward(x, { srcKeyPaddingMask: [true, true, true, false, false, false] }),
      expect: RangeError,
      mentions: ["batch 0", "masked"],
    },
    {
      name: "bad seed",
      run: () => layer.forward(x, { seed: -1 }),
      expect: RangeError,
      mentions: ["seed"],
    },
    {
      name: "bad weights",
      run: () => layer.setWeights({ "linear1.weight": new Float32Array(3) }),
      expect: TypeError,
      mentions: ["TransformerEncoderLayer weights", "self_attn.in_proj_weight"],
    },
    {
      name: "unknown weight",
      run: () => layer.setWeights({ "linear3.weight": new Float32Array(3) }),
      expect: TypeError,
      mentions: ["unknown parameter", "linear3.weight"],
    },
  ];
  failures.push(...await checkFaults(cases));
  const after = await Promise.all(layer.parameters().map((p) => p.toFloat32()));
  if (after.some((a, i) => a.some((v, j) => !Object.is(v, before[i]![j])))) {
    failures.push("parameters changed");
  }
  // Control: a valid call with gradients succeeds and leaks nothing.
  const mask = [false, true, false, false, false, true];
  const leak = await controlLeak(
    layer.parameters(),
    () => tidy(() => backward(sum(layer.forward(x, { srcKeyPaddingMask: mask })))),
  );
  if (leak !== null) failures.push(leak);
  for (const t of [x, wide, ints]) t.dispose();
  layer.dispose();
  broken.dispose();
  return faultMeasurement(cases.length, failures);
});
