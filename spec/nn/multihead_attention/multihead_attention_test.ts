/**
 * Proofs of the multi-head attention claims (./claims.ts): oracle gradcheck,
 * fuzzed GPU parity of forward and backward, mask and dropout properties, and
 * faults. Fixture parity is in ./fixtures_test.ts.
 *
 * @module
 */
import {
  backward,
  DisposedTensorError,
  gpu,
  initGpu,
  sum,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { MultiheadAttention, multiheadAttention } from "../../../impl/nn/mod.ts";
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
import { mhaBackward, mhaForward, type MhaInputs } from "../../oracle/nn/multihead_attention.ts";
import { mhaBounds } from "./_bounds.ts";
import {
  checkMhaCase,
  describeCompared,
  makeCase,
  mhaArbitrary,
  type MhaCase,
  runMhaGpu,
} from "./_cases.ts";
import {
  MHA_FAULT,
  MHA_GPU_GRADIENTS,
  MHA_GPU_PARITY,
  MHA_GRADCHECK,
  MHA_PROPERTY_MASK,
} from "./claims.ts";

const KEYS = [
  "query",
  "key",
  "value",
  "inProjWeight",
  "inProjBias",
  "outProjWeight",
  "outProjBias",
] as const;

/** Cases of the gradcheck: every mask mode, no bias, attention dropout. */
function gradcheckCases(): MhaCase[] {
  const g = { batch: 2, heads: 2, lq: 3, lk: 4, d: 4 };
  return [
    makeCase(g, 11, "none"),
    makeCase(g, 12, "padding"),
    makeCase(g, 13, "additive"),
    makeCase(g, 14, "boolean_full"),
    makeCase(g, 15, "both", { bias: false }),
    makeCase({ batch: 1, heads: 3, lq: 2, lk: 5, d: 6 }, 16, "both", {
      dropout: { p: 0.25, seed: 9 },
    }),
  ];
}

claimTest(MHA_GRADCHECK, () => {
  let worst = 0;
  let where = "";
  for (const c of gradcheckCases()) {
    const names = KEYS.filter((k) => c.x[k] !== null);
    const w = c.gOut;
    const build = (xs: Float64Array[]): MhaInputs => {
      const x: MhaInputs = { ...c.x };
      names.forEach((n, i) => (x[n] = xs[i]!));
      return x;
    };
    const r = gradcheck(
      (xs) => mhaForward(c.g, build(xs), c.masks).out,
      names.map((n) => c.x[n]!),
      (wv) => {
        const gr = mhaBackward(c.g, c.x, wv, c.masks);
        return names.map((n) => gr[n]!);
      },
      w,
    );
    if (!(r.maxError <= worst)) {
      worst = r.maxError;
      where =
        `${c.label}: ${names[r.worst.input]}[${r.worst.index}] analytic ${r.worst.analytic} ` +
        `numeric ${r.worst.numeric}`;
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: worst <= GRADCHECK_MAX_REL,
    detail: where,
  };
});

/** Fixed cases: the bench shapes that fit a test, Lk past 2·64 and 900, large scores, dropout. */
function fixedCases(): MhaCase[] {
  return [
    makeCase({ batch: 1, heads: 4, lq: 1, lk: 20, d: 64 }, 21, "none"),
    makeCase({ batch: 1, heads: 4, lq: 1, lk: 20, d: 64 }, 22, "padding"),
    makeCase({ batch: 1, heads: 4, lq: 11, lk: 11, d: 64 }, 23, "both"),
    makeCase({ batch: 2, heads: 2, lq: 3, lk: 131, d: 4 }, 24, "boolean_full"),
    makeCase({ batch: 1, heads: 1, lq: 1, lk: 1, d: 1 }, 25, "none"),
    // 64 rows of 900 keys: one lane per row would loop past llvmpipe's budget, so the rows
    // get two lanes (attentionLanes).
    makeCase({ batch: 1, heads: 2, lq: 32, lk: 900, d: 64 }, 28, "padding"),
    // Scores in the hundreds: exp without the max shift overflows here.
    makeCase({ batch: 1, heads: 2, lq: 3, lk: 5, d: 4 }, 26, "none", { amp: 8, wAmp: 8 }),
    makeCase({ batch: 2, heads: 2, lq: 5, lk: 7, d: 6 }, 27, "padding", {
      dropout: { p: 0.3, seed: 4 },
    }),
  ];
}

// The fixed and fuzzed cases run once; both GPU claims read the summary.
parityClaimTests(MHA_GPU_PARITY, MHA_GPU_GRADIENTS, {
  fixed: fixedCases,
  arbitrary: mhaArbitrary,
  check: checkMhaCase,
  describe: describeCompared,
});

claimTest(MHA_PROPERTY_MASK, async (): Promise<Measurement> => {
  await initGpu();
  const violations: string[] = [];
  // Masked keys: exactly 0; rows sum to 1 within Σ bounds + γ_Lk.
  for (
    const c of [
      makeCase({ batch: 2, heads: 3, lq: 4, lk: 9, d: 6 }, 31, "both"),
      makeCase({ batch: 2, heads: 2, lq: 3, lk: 70, d: 4 }, 32, "boolean_full"),
    ]
  ) {
    const got = await runMhaGpu(c);
    const f = mhaForward(c.g, c.x, c.masks);
    const b = mhaBounds(c.g, c.x, c.gOut, c.masks);
    const { lk } = c.g;
    for (let r = 0; r < f.p.length / lk; r++) {
      let s = 0;
      let e = 0;
      for (let j = 0; j < lk; j++) {
        const k = r * lk + j;
        if (f.p[k] === 0 && got.weightsPerHead[k] !== 0) {
          violations.push(`${c.label} masked ${k} = ${got.weightsPerHead[k]}`);
        }
        s += got.weightsPerHead[k]!;
        e += b.weights[k]!;
      }
      // Σ of lk f32 values summed here in f64: exact up to u64; each within its bound.
      if (Math.abs(s - 1) > e + 1e-15 * lk) violations.push(`${c.label} row ${r} sums to ${s}`);
    }
  }
  // Dropout: reproducible by seed, different for another seed, off in eval.
  const base = makeCase({ batch: 2, heads: 2, lq: 5, lk: 6, d: 4 }, 33, "none");
  const withDrop = (seed: number) => ({ ...base, masks: { dropout: { p: 0.4, seed } } });
  const a = await runMhaGpu(withDrop(1));
  const a2 = await runMhaGpu(withDrop(1));
  const bOther = await runMhaGpu(withDrop(2));
  if (a.out.some((v, i) => !Object.is(v, a2.out[i]))) {
    violations.push("same seed, different output");
  }
  if (a.out.every((v, i) => v === bOther.out[i])) violations.push("another seed, same output");
  // Eval: an MHA with dropout 0.4 in eval equals the dropout-free oracle within its bound.
  const evalOut = tidy(() => {
    const mha = new MultiheadAttention(4, 2, { dropout: 0.4 });
    mha.setWeights({
      inProjWeight: base.x.inProjWeight,
      inProjBias: base.x.inProjBias!,
      outProjWeight: base.x.outProjWeight,
      outProjBias: base.x.outProjBias!,
    });
    const q = tensor(base.x.query, [2, 5, 4]);
    const k = tensor(base.x.key, [2, 6, 4]);
    const v = tensor(base.x.value, [2, 6, 4]);
    const out = mha.forward(q, k, v, { training: false, needWeights: false }).output;
    mha.dispose();
    return out;
  });
  const ev = await evalOut.toFloat32();
  evalOut.dispose();
  const fo = mhaForward(base.g, base.x, {});
  const bo = mhaBounds(base.g, base.x, base.gOut, {});
  ev.forEach((v, i) => {
    if (Math.abs(v - fo.out[i]!) > bo.out[i]!) violations.push(`eval output ${i} off the oracle`);
  });
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? "masked weights exactly 0 in 2 cases; row sums within bounds; dropout seeded; eval = oracle"
      : violations.slice(0, 5).join("; "),
  };
});

claimTest(MHA_FAULT, async (): Promise<Measurement> => {
  await initGpu();
  const failures: string[] = [];
  const mha = new MultiheadAttention(4, 2, { seed: 1 });
  const before = await Promise.all(mha.parameters().map((p) => p.toFloat32()));
  const x = tensor(new Float32Array(2 * 3 * 4).fill(0.5), [2, 3, 4]);
  const mem = tensor(new Float32Array(2 * 5 * 4).fill(0.25), [2, 5, 4]);
  // Bad inputs are made before the cases, so a case's buffer count measures the op alone.
  const narrow = tensor(new Float32Array(6), [1, 2, 3]);
  const flat = tensor(new Float32Array(8), [2, 4]);
  const oneBatch = tensor(new Float32Array(20), [1, 5, 4]);
  const ints = tensor(new Int32Array(24), [2, 3, 4]);
  const gone = tensor(new Float32Array(24), [2, 3, 4]);
  gone.dispose();
  // d = 1 with 60,000 keys: even 64 lanes per row would loop past llvmpipe's budget.
  const tiny = tensor([0.5], [1, 1, 1]);
  const longKeys = tensor(new Float32Array(60000).fill(0.1), [1, 60000, 1]);
  const eye3 = tensor([1, 1, 1], [3, 1]);
  const eye1 = tensor([1], [1, 1]);
  const owned = [narrow, flat, oneBatch, ints, tiny, longKeys, eye3, eye1];
  const cases: { name: string; run: () => unknown; expect: ErrorClass; mentions: string[] }[] = [
    {
      name: "d not divisible by heads",
      run: () => new MultiheadAttention(6, 4),
      expect: RangeError,
      mentions: ["MultiheadAttention", "divisible"],
    },
    {
      name: "functional heads not dividing d",
      run: () =>
        multiheadAttention(x, x, x, {
          inProjWeight: mha.inProjWeight,
          inProjBias: mha.inProjBias,
          outProjWeight: mha.outProjWeight,
          outProjBias: mha.outProjBias,
        }, { heads: 3 }),
      expect: RangeError,
      mentions: ["multiheadAttention", "divisible"],
    },
    {
      name: "query width",
      run: () => mha.forward(narrow, x, x),
      expect: TypeError,
      mentions: ["multiheadAttention", "embedDim 4", "[1, 2, 3]"],
    },
    {
      name: "rank 2 query",
      run: () => mha.forward(flat, x, x),
      expect: TypeError,
      mentions: ["multiheadAttention", "rank 3"],
    },
    {
      name: "key/value length mismatch",
      run: () => mha.forward(x, mem, x),
      expect: TypeError,
      mentions: ["multiheadAttention", "key and value"],
    },
    {
      name: "batch mismatch",
      run: () => mha.forward(x, oneBatch, oneBatch),
      expect: TypeError,
      mentions: ["multiheadAttention", "[2, Lk, 4]"],
    },
    {
      name: "i32 query",
      run: () => mha.forward(ints, x, x),
      expect: TypeError,
      mentions: ["multiheadAttention", "dtype i32"],
    },
    {
      name: "keyPaddingMask length",
      run: () => mha.forward(x, mem, mem, { keyPaddingMask: [false, true] }),
      expect: TypeError,
      mentions: ["keyPaddingMask", "expected 10 values"],
    },
    {
      name: "keyPaddingMask dtype",
      run: () =>
        mha.forward(x, mem, mem, { keyPaddingMask: new Float32Array(10) as unknown as boolean[] }),
      expect: TypeError,
      mentions: ["keyPaddingMask", "expected booleans", "Float32Array"],
    },
    {
      name: "attnMask shape",
      run: () =>
        mha.forward(x, mem, mem, { attnMask: { shape: [5, 3], data: new Float32Array(15) } }),
      expect: TypeError,
      mentions: ["attnMask", "[3, 5] or [4, 3, 5]", "[5, 3]"],
    },
    {
      name: "attnMask dtype",
      run: () =>
        mha.forward(x, mem, mem, {
          attnMask: { shape: [3, 5], data: new Int32Array(15) as unknown as Float32Array },
        }),
      expect: TypeError,
      mentions: ["attnMask", "Int32Array"],
    },
    {
      name: "attnMask NaN",
      run: () =>
        mha.forward(x, mem, mem, {
          attnMask: { shape: [3, 5], data: new Float32Array(15).fill(NaN) },
        }),
      expect: TypeError,
      mentions: ["attnMask", "NaN"],
    },
    {
      name: "fully masked row (padding)",
      run: () =>
        mha.forward(x, mem, mem, {
          keyPaddingMask: [false, false, false, false, false, true, true, true, true, true],
        }),
      expect: RangeError,
      mentions: ["multiheadAttention", "batch 1, head 0, query 0", "masked"],
    },
    {
      name: "fully masked row (attnMask -Infinity)",
      run: () => {
        const data = new Float32Array(15);
        data.fill(-Infinity, 10, 15);
        return mha.forward(x, mem, mem, { attnMask: { shape: [3, 5], data } });
      },
      expect: RangeError,
      mentions: ["multiheadAttention", "query 2", "masked"],
    },
    {
      name: "disposed input",
      run: () => mha.forward(gone, x, x),
      expect: DisposedTensorError,
      mentions: ["multiheadAttention"],
    },
    {
      name: "disposed parameter",
      run: () => {
        const m2 = new MultiheadAttention(4, 2);
        m2.outProjWeight.dispose();
        try {
          return m2.forward(x, x, x);
        } finally {
          m2.dispose();
        }
      },
      expect: DisposedTensorError,
      mentions: ["multiheadAttention"],
    },
    {
      name: "key row past the loop budget",
      run: () =>
        multiheadAttention(tiny, longKeys, longKeys, {
          inProjWeight: eye3,
          inProjBias: null,
          outProjWeight: eye1,
          outProjBias: null,
        }, { heads: 1 }),
      expect: RangeError,
      mentions: ["attention_backward_query", "loop iterations"],
    },
    {
      name: "bad weights length",
      run: () =>
        mha.setWeights({ inProjWeight: new Float32Array(47), outProjWeight: new Float32Array(16) }),
      expect: TypeError,
      mentions: ["MultiheadAttention weights", "48"],
    },
  ];
  // The loop-budget case exists only on adapters that stop loops (llvmpipe); others have none.
  const budgeted = Number.isFinite(gpu().maxLoopIterations);
  if (!budgeted) cases.splice(cases.findIndex((c) => c.name === "key row past the loop budget"), 1);
  failures.push(...await checkFaults(cases));
  // State unchanged: the parameters hold their values.
  const after = await Promise.all(mha.parameters().map((p) => p.toFloat32()));
  if (after.some((a, i) => a.some((v, j) => !Object.is(v, before[i]![j])))) {
    failures.push("parameters changed");
  }
  // Control: a valid call with gradients succeeds and leaks nothing.
  const leak = await controlLeak(mha.parameters(), async () => {
    const xg: Tensor = tensor(new Float32Array(24).fill(0.1), [2, 3, 4], { requiresGrad: true });
    tidy(() =>
      backward(sum(mha.forward(xg, mem, mem, { keyPaddingMask: new Uint8Array(10) }).output))
    );
    await xg.grad!.toFloat32();
    xg.dispose();
  });
  if (leak !== null) failures.push(leak);
  mha.dispose();
  for (const t of [x, mem, ...owned]) t.dispose();
  return faultMeasurement(cases.length, failures);
});
