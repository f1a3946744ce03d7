/**
 * Tests of the selection claims (./selection_claims.ts): the op specs of
 * ./selection_specs.ts (gradcheck and GPU parity; fixture parity runs in
 * ./fixtures_test.ts), dropout's property claims, top-k's planted ties,
 * argmax's lack of gradient and smooth L1's β = 0 subgradient.
 *
 * @module
 */
import fc from "fast-check";
import { backward, initGpu, liveBufferCount, readTensors, tensor, tidy } from "../../impl/mod.ts";
import { Rng } from "../../impl/gpu/rng.ts";
import { dropout } from "../../impl/ops/dropout.ts";
import { argmax, topk } from "../../impl/ops/topk.ts";
import { smoothL1Loss } from "../../impl/ops/smooth_l1_loss.ts";
import { RNG_SIGMAS } from "../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import { caseValues, registerOpClaims } from "../_harness/op_spec.ts";
import { fcParams, replayHint } from "../_harness/fuzz.ts";
import { dropoutMaskOracle, topkRow } from "../oracle/selection.ts";
import { BIG_GRID_SIZE, seedArb, shapeArb } from "./_arbitraries.ts";
import {
  ARGMAX_NO_GRADIENT,
  DROPOUT_DETERMINISM,
  DROPOUT_EXACT,
  DROPOUT_GRADIENT,
  DROPOUT_KEPT_FRACTION,
  SMOOTH_L1_BETA0,
  TOPK_TIE_ORDER,
} from "./selection_claims.ts";
import { SELECTION_SPECS } from "./selection_specs.ts";

for (const spec of SELECTION_SPECS) registerOpClaims(spec);

const f32 = new Float32Array(1);
const bits = new Uint32Array(f32.buffer);
function bitsOf(v: number): number {
  f32[0] = v;
  return bits[0]!;
}

/** Bit patterns of `got` that differ from `want` (both f32 values); the first few described. */
function mismatches(got: ArrayLike<number>, want: ArrayLike<number>, notes: string[], tag: string) {
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    if (bitsOf(got[i]!) !== bitsOf(want[i]!)) {
      bad++;
      if (notes.length < 4) notes.push(`${tag}[${i}]: got ${got[i]} want ${want[i]}`);
    }
  }
  return bad;
}

function checkNoLeak(before: number, what: string): void {
  if (liveBufferCount() !== before) {
    throw new Error(`${what} leaked ${liveBufferCount() - before} GPU buffers`);
  }
}

// ---------------------------------------------------------------- dropout

/** Expected dropout output (and gradient for output gradient g) from the host replay. */
function dropoutExpected(x: Float64Array, p: number, seed: number, training: boolean) {
  if (!training || p === 0) return Float32Array.from(x);
  const mask = dropoutMaskOracle(seed, x.length, p);
  const scale = p === 1 ? 0 : Math.fround(1 / (1 - p));
  return Float32Array.from(x, (v, i) => (mask[i] ? Math.fround(v * scale) : 0));
}

interface DropoutCase {
  shape: number[];
  p: number;
  seed: number;
  training: boolean;
  valueSeed: number;
}

const dropoutCaseArb: fc.Arbitrary<DropoutCase> = fc.record({
  shape: shapeArb(),
  p: fc.oneof(
    fc.constantFrom(0, 1, 0.5, 0.1, 2 ** -24, 1 - 2 ** -24),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ),
  seed: fc.oneof(fc.constantFrom(0, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  training: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, {
    weight: 1,
    arbitrary: fc.constant(false),
  }),
  valueSeed: seedArb,
});

/** Runs one case forward and backward; counts output and gradient bit mismatches. */
async function runDropoutCase(c: DropoutCase, notes: string[]) {
  await initGpu();
  const before = liveBufferCount();
  const n = c.shape.reduce((a, b) => a * b, 1);
  const xv = caseValues(c.valueSeed, n, -4, 4);
  const gv = caseValues(c.valueSeed ^ 0x55555555, n, -1, 1);
  const x = tensor(xv, c.shape, { requiresGrad: true });
  let out: (Float32Array | Int32Array)[];
  try {
    const y = tidy(() => {
      const y = dropout(x, c.p, { seed: c.seed, training: c.training });
      backward(y, tensor(gv, c.shape));
      return y;
    });
    out = await readTensors([y, x.grad!]);
    y.dispose();
  } finally {
    x.dispose();
  }
  checkNoLeak(before, "a dropout case");
  const tag = `[${c.shape}] p=${c.p} seed=${c.seed} training=${c.training}`;
  return {
    forward: mismatches(out[0]!, dropoutExpected(xv, c.p, c.seed, c.training), notes, `${tag} y`),
    gradient: mismatches(out[1]!, dropoutExpected(gv, c.p, c.seed, c.training), notes, `${tag} gx`),
  };
}

async function dropoutFuzz(
  claimId: string,
  pick: (r: { forward: number; gradient: number }) => number,
): Promise<Measurement> {
  const notes: string[] = [];
  let bad = 0;
  let runs = 0;
  const examples: DropoutCase[] = [
    { shape: [1], p: 0.5, seed: 1, training: true, valueSeed: 1 },
    { shape: [67], p: 0, seed: 2, training: true, valueSeed: 2 },
    { shape: [7, 13], p: 1, seed: 3, training: true, valueSeed: 3 },
    { shape: [5, 5], p: 0.7, seed: 4, training: false, valueSeed: 4 },
    { shape: [BIG_GRID_SIZE], p: 0.3, seed: 5, training: true, valueSeed: 5 },
  ];
  for (const c of examples) {
    bad += pick(await runDropoutCase(c, notes));
    runs++;
  }
  const params = fcParams<[DropoutCase]>(100);
  try {
    await fc.assert(
      fc.asyncProperty(dropoutCaseArb, async (c) => {
        const r = pick(await runDropoutCase(c, notes));
        bad += r;
        runs++;
        return r === 0;
      }),
      params,
    );
  } catch (e) {
    throw new Error(
      `${claimId} failed (${notes.join("; ")})\n${replayHint(claimId)}\n${(e as Error).message}`,
    );
  }
  return {
    figure: bad,
    bound: 0,
    pass: bad === 0,
    detail: `${runs} cases (seed ${params.seed})${notes.length ? `; ${notes.join("; ")}` : ""}`,
  };
}

claimTest(DROPOUT_EXACT, () => dropoutFuzz(DROPOUT_EXACT.id, (r) => r.forward));
claimTest(DROPOUT_GRADIENT, () => dropoutFuzz(DROPOUT_GRADIENT.id, (r) => r.gradient));

const FRACTION_N = 2 ** 18;
const FRACTION_SEEDS = 32;
const FRACTION_PS = [0.1, 0.25, 0.5, 0.9] as const;

/** Counts kept (nonzero) elements of dropout over ones, per (p, seed), one sync per p. */
claimTest(DROPOUT_KEPT_FRACTION, async () => {
  await initGpu();
  const before = liveBufferCount();
  const ones = tensor(new Float32Array(FRACTION_N).fill(1), [FRACTION_N]);
  let worst = 0;
  let where = "";
  try {
    for (const p of FRACTION_PS) {
      const q = Math.ceil(p * 2 ** 24) / 2 ** 24;
      const sigma = Math.sqrt(FRACTION_N * q * (1 - q));
      const ys = Array.from(
        { length: FRACTION_SEEDS },
        (_, s) => dropout(ones, p, { seed: 1000 * s + 7 }),
      );
      const read = await readTensors(ys);
      for (const y of ys) y.dispose();
      read.forEach((v, s) => {
        let kept = 0;
        for (const e of v) if (e !== 0) kept++;
        const z = Math.abs(kept - FRACTION_N * (1 - q)) / (RNG_SIGMAS * sigma);
        if (z > worst) {
          worst = z;
          where = `p ${p} seed ${1000 * s + 7}: kept ${kept} of ${FRACTION_N}`;
        }
      });
    }
  } finally {
    ones.dispose();
  }
  checkNoLeak(before, "the kept-fraction claim");
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `${FRACTION_PS.length}×${FRACTION_SEEDS} masks of ${FRACTION_N}; worst ${where}`,
  };
});

claimTest(DROPOUT_DETERMINISM, async () => {
  await initGpu();
  const before = liveBufferCount();
  const n = 65537;
  const xv = caseValues(11, n, 0.5, 2);
  const x = tensor(xv, [n]);
  const notes: string[] = [];
  let repeatBad = 0;
  let worstZ = 0;
  try {
    for (const [p, seed] of [[0.5, 0], [0.1, 12345], [0.9, 2 ** 32 - 2]] as const) {
      const ys = [
        dropout(x, p, { seed }),
        dropout(x, p, { seed }),
        dropout(x, p, { seed: seed + 1 }),
      ];
      const [a, b, c] = await readTensors(ys);
      for (const y of ys) y.dispose();
      repeatBad += mismatches(b!, a!, notes, `p ${p} seed ${seed} repeat`);
      let differ = 0;
      for (let i = 0; i < n; i++) if ((a![i] === 0) !== (c![i] === 0)) differ++;
      const q = Math.ceil(p * 2 ** 24) / 2 ** 24;
      const r = 2 * q * (1 - q);
      const z = Math.abs(differ - n * r) / (RNG_SIGMAS * Math.sqrt(n * r * (1 - r)));
      worstZ = Math.max(worstZ, z);
      notes.push(
        `p ${p}: seeds ${seed}, ${seed + 1} differ at ${differ}/${n} (z/6 ${z.toFixed(3)})`,
      );
    }
  } finally {
    x.dispose();
  }
  checkNoLeak(before, "the determinism claim");
  const figure = repeatBad + (worstZ > 1 ? 1 : 0);
  return { figure, bound: 0, pass: figure === 0, detail: notes.join("; ") };
});

// ---------------------------------------------------------------- ties and gradients

/** [outer, n, inner, k]: topk along the middle axis. */
const TIE_CASES: readonly [number, number, number, number][] = [
  [3, 1200, 1, 32],
  [5, 67, 3, 67],
  [1, 5, 7, 2],
  [130, 9, 1, 4],
];

claimTest(TOPK_TIE_ORDER, async () => {
  await initGpu();
  const before = liveBufferCount();
  const rng = new Rng(77);
  const notes: string[] = [];
  let bad = 0;
  let rows = 0;
  // [outer, n, inner] cases, along the middle axis: constant rows and planted copies of the max.
  for (
    const [outer, n, inner, k] of TIE_CASES
  ) {
    const size = outer * n * inner;
    const v = new Float64Array(size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const constant = (o + i) % 3 === 0;
        const row = Array.from({ length: n }, () => (constant ? 1.5 : rng.int(100) / 8));
        if (!constant) {
          const copies = 1 + rng.int(4);
          for (let c = 0; c < copies; c++) row[rng.int(n)] = 20;
        }
        row.forEach((x, j) => (v[(o * n + j) * inner + i] = x));
      }
    }
    const x = tensor(v, [outer, n, inner]);
    const { values, indices } = topk(x, k, 1);
    const am = argmax(x, 1);
    const [gotIdx, gotArg] = await readTensors([indices, am]);
    for (const t of [x, values, indices, am]) t.dispose();
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        rows++;
        const row = Array.from({ length: n }, (_, j) => v[(o * n + j) * inner + i]!);
        const want = topkRow(row, k);
        const got = want.map((_, r) => gotIdx![(o * k + r) * inner + i]!);
        const wrong = got.some((g, r) => g !== want[r]) || gotArg![o * inner + i] !== want[0];
        if (wrong) {
          bad++;
          if (notes.length < 3) {
            notes.push(
              `[${outer},${n},${inner}] row (${o},${i}): got ${got.slice(0, 6)} ` +
                `argmax ${gotArg![o * inner + i]}, want ${want.slice(0, 6)}`,
            );
          }
        }
      }
    }
  }
  checkNoLeak(before, "the tie-order claim");
  return {
    figure: bad,
    bound: 0,
    pass: bad === 0,
    detail: `${rows} rows with planted ties` + (notes.length ? `; ${notes.join("; ")}` : ""),
  };
});

claimTest(ARGMAX_NO_GRADIENT, async () => {
  await initGpu();
  const before = liveBufferCount();
  const problems: string[] = [];
  const x = tensor([1, 3, 2, 0], [2, 2], { requiresGrad: true });
  tidy(() => {
    const a = argmax(x, 1);
    const { values, indices } = topk(x, 1, 1);
    const checks: [string, boolean][] = [
      ["argmax is i32", a.dtype === "i32"],
      ["argmax requires no gradient", !a.requiresGrad && a.node === null],
      ["topk indices are i32", indices.dtype === "i32"],
      ["topk indices require no gradient", !indices.requiresGrad && indices.node === null],
      ["topk values require a gradient", values.requiresGrad],
    ];
    for (const [what, ok] of checks) if (!ok) problems.push(what);
  });
  x.dispose();
  checkNoLeak(before, "the no-gradient claim");
  return {
    figure: problems.length,
    bound: 0,
    pass: problems.length === 0,
    detail: problems.length ? `violated: ${problems.join(", ")}` : "5 checks held",
  };
});

claimTest(SMOOTH_L1_BETA0, async () => {
  await initGpu();
  const before = liveBufferCount();
  const notes: string[] = [];
  let bad = 0;
  for (const beta of [0, 0.5, 1, 2]) {
    const d = [0, beta, -beta, 2 * beta + 1, -(2 * beta + 1)];
    const t = d.map((_, i) => 0.5 * i - 1);
    const x = tensor(d.map((v, i) => v + t[i]!), [d.length], { requiresGrad: true });
    const tt = tensor(t, [d.length]);
    tidy(() => backward(smoothL1Loss(x, tt, { beta, reduction: "sum" })));
    const [g] = await readTensors([x.grad!]);
    x.dispose();
    tt.dispose();
    d.forEach((v, i) => {
      const want = v > 0 ? 1 : v < 0 ? -1 : 0;
      if (g![i] !== want) {
        bad++;
        notes.push(`beta ${beta} d ${v}: gradient ${g![i]}, want ${want}`);
      }
    });
  }
  checkNoLeak(before, "the beta = 0 claim");
  return {
    figure: bad,
    bound: 0,
    pass: bad === 0,
    detail: bad
      ? notes.join("; ")
      : "20 gradients at d = 0, ±beta, ±(2·beta + 1) for beta 0, 0.5, 1, 2",
  };
});
