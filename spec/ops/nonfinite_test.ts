/**
 * Test of claim `ops.api.property_nonfinite_policy` (./nonfinite_claims.ts): every
 * elementwise op, forward and backward (output gradient 1), at NaN, ±∞, 0 and
 * an out-of-domain or overflowing input, against the policy tables below,
 * which restate the module docs of impl/ops/unary.ts and impl/ops/binary.ts.
 *
 * Each op runs once on a vector of all its special inputs. An entry agrees
 * when NaN meets NaN, ±∞ meets the same infinity, and a finite value lies
 * within {@link NONFINITE_FINITE_REL}·max(1, |want|) (zero's sign is not
 * checked: WGSL may ignore it). The figure is the number of (op, input) pairs
 * with a disagreeing output or gradient.
 *
 * @module
 */
import {
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../impl/mod.ts";
import { binary, type BinaryOpName } from "../../impl/ops/binary.ts";
import { unary, type UnaryOpName } from "../../impl/ops/unary.ts";
import { NONFINITE_FINITE_REL } from "../../invariants/tolerance.ts";
import { claimTest } from "../_harness/claim.ts";
import { NONFINITE_POLICY } from "./nonfinite_claims.ts";

const INF = Infinity;

/** One unary entry: input x, then the policy's forward value and gradient (g = 1). */
type UnaryEntry = [x: number, y: number, dx: number];

/** The unary policy (impl/ops/unary.ts): NaN, +∞, −∞, 0, then the op's domain/extreme input. */
const UNARY_POLICY: Record<UnaryOpName, UnaryEntry[]> = {
  neg: [[NaN, NaN, -1], [INF, -INF, -1], [-INF, INF, -1], [0, 0, -1]],
  exp: [[NaN, NaN, NaN], [INF, INF, INF], [-INF, 0, 0], [0, 1, 1], [100, INF, INF]],
  log: [[NaN, NaN, NaN], [INF, INF, 0], [-INF, NaN, 0], [0, -INF, INF], [-1, NaN, -1]],
  tanh: [[NaN, NaN, NaN], [INF, 1, 0], [-INF, -1, 0], [0, 0, 1], [100, 1, 0]],
  sigmoid: [[NaN, NaN, NaN], [INF, 1, 0], [-INF, 0, 0], [0, 0.5, 0.25], [-100, 0, 0]],
  relu: [[NaN, NaN, 0], [INF, INF, 1], [-INF, 0, 0], [0, 0, 0]],
  silu: [[NaN, NaN, NaN], [INF, INF, NaN], [-INF, NaN, NaN], [0, 0, 0.5], [-100, 0, 0]],
  gelu: [[NaN, NaN, NaN], [INF, INF, NaN], [-INF, NaN, NaN], [0, 0, 0.5], [-100, 0, 0]],
  softplus: [[NaN, NaN, NaN], [INF, INF, 1], [-INF, 0, 0], [0, Math.LN2, 0.5], [100, 100, 1]],
  square: [[NaN, NaN, NaN], [INF, INF, INF], [-INF, INF, -INF], [0, 0, 0], [1e20, INF, 2e20]],
  sqrt: [[NaN, NaN, NaN], [INF, INF, 0], [-INF, NaN, NaN], [0, 0, INF], [-1, NaN, NaN]],
  rsqrt: [[NaN, NaN, NaN], [INF, 0, 0], [-INF, NaN, NaN], [0, INF, -INF], [-1, NaN, NaN]],
  abs: [[NaN, NaN, 0], [INF, INF, 1], [-INF, INF, -1], [0, 0, 0]],
  clamp: [[NaN, NaN, 0], [INF, 1, 0], [-INF, -1, 0], [0, 0, 1]],
  // sin, cos: no finite entry, as WGSL bounds sin/cos only to 2⁻¹¹ (looser than the check).
  sin: [[NaN, NaN, NaN], [INF, NaN, NaN], [-INF, NaN, NaN]],
  cos: [[NaN, NaN, NaN], [INF, NaN, NaN], [-INF, NaN, NaN]],
  // acos: ±1 exact (acos(0) is left out: atan2's 4096 ULP is looser than the check).
  acos: [[NaN, NaN, NaN], [INF, NaN, NaN], [-INF, NaN, NaN], [1, 0, -INF], [-1, Math.PI, -INF], [
    2,
    NaN,
    NaN,
  ]],
  leaky_relu: [[NaN, NaN, 0.01], [INF, INF, 1], [-INF, -INF, 0.01], [0, 0, 0.01]],
  elu: [[NaN, NaN, 1], [INF, INF, 1], [-INF, -1, 0], [0, 0, 1], [-100, -1, 0]],
  pow: [[NaN, NaN, NaN], [INF, INF, 0], [-INF, NaN, NaN], [0, 0, INF], [-1, NaN, NaN], [
    4,
    2,
    0.25,
  ]],
};

/** The attributes of the policy's rows: clamp's bounds, the slope, alpha and exponent. */
const UNARY_ATTRS: Partial<Record<UnaryOpName, [number, number]>> = {
  clamp: [-1, 1],
  leaky_relu: [0.01, 0],
  elu: [1, 0],
  pow: [0.5, 0],
};

/** One binary entry: inputs a, b, then the forward value and both gradients (g = 1). */
type BinaryEntry = [a: number, b: number, y: number, da: number, db: number];

/**
 * The binary policy (impl/ops/binary.ts): NaN in either operand, ±∞, zeros, then the
 * op's domain violation and an overflow.
 */
const BINARY_POLICY: Record<BinaryOpName, BinaryEntry[]> = {
  add: [
    [NaN, 1, NaN, 1, 1],
    [1, NaN, NaN, 1, 1],
    [INF, 1, INF, 1, 1],
    [-INF, 1, -INF, 1, 1],
    [0, 0, 0, 1, 1],
    [INF, -INF, NaN, 1, 1],
    [3e38, 3e38, INF, 1, 1],
  ],
  sub: [
    [NaN, 1, NaN, 1, -1],
    [1, NaN, NaN, 1, -1],
    [INF, 1, INF, 1, -1],
    [-INF, 1, -INF, 1, -1],
    [0, 0, 0, 1, -1],
    [INF, INF, NaN, 1, -1],
    [3e38, -3e38, INF, 1, -1],
  ],
  mul: [
    [NaN, 1, NaN, 1, NaN],
    [1, NaN, NaN, NaN, 1],
    [INF, 1, INF, 1, INF],
    [-INF, 1, -INF, 1, -INF],
    [0, 0, 0, 0, 0],
    [0, INF, NaN, INF, 0],
    [1e30, 1e30, INF, 1e30, 1e30],
  ],
  div: [
    [NaN, 1, NaN, 1, NaN],
    [1, NaN, NaN, NaN, NaN],
    [INF, 1, INF, 1, -INF],
    [-INF, 1, -INF, 1, INF],
    [0, 1, 0, 1, 0],
    [1, 0, INF, INF, -INF],
    [0, 0, NaN, INF, NaN],
    [1e30, 1e-30, INF, 1e30, -INF],
  ],
  maximum: [
    [NaN, 1, NaN, 1, 1],
    [1, NaN, NaN, 1, 1],
    [INF, 1, INF, 1, 0],
    [-INF, 1, 1, 0, 1],
    [0, 0, 0, 0.5, 0.5],
    [INF, INF, INF, 0.5, 0.5],
    [3e38, -3e38, 3e38, 1, 0],
  ],
  minimum: [
    [NaN, 1, NaN, 1, 1],
    [1, NaN, NaN, 1, 1],
    [INF, 1, 1, 0, 1],
    [-INF, 1, -INF, 1, 0],
    [0, 0, 0, 0.5, 0.5],
    [-INF, -INF, -INF, 0.5, 0.5],
    [3e38, -3e38, -3e38, 0, 1],
  ],
};

/** Whether `got` satisfies the policy's `want`. */
function agrees(got: number, want: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Number.isFinite(got) &&
    Math.abs(got - want) <= NONFINITE_FINITE_REL * Math.max(1, Math.abs(want));
}

/** Runs `op` forward and backward (output gradient 1) and reads output and input gradients. */
async function runWithGrads(
  inputs: number[][],
  op: (ts: Tensor[]) => Tensor,
): Promise<Float32Array[]> {
  const ts = inputs.map((v) => tensor(v, [v.length], { requiresGrad: true }));
  try {
    const read = tidy(() => {
      const y = op(ts);
      backward(y, tensor(inputs[0]!.map(() => 1), [inputs[0]!.length]));
      return [y, ...ts.map((t) => t.grad!)];
    });
    const values = await readTensors(read);
    read[0]!.dispose();
    return values as Float32Array[];
  } finally {
    for (const t of ts) t.dispose();
  }
}

function show(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

claimTest(NONFINITE_POLICY, async () => {
  await initGpu();
  const before = liveBufferCount();
  const disagreements: string[] = [];
  let pairs = 0;
  for (const [op, entries] of Object.entries(UNARY_POLICY) as [UnaryOpName, UnaryEntry[]][]) {
    const xs = entries.map((e) => e[0]);
    const attrs: [number, number] = UNARY_ATTRS[op] ?? [0, 0];
    const [y, dx] = await runWithGrads([xs], ([x]) => unary(op, x!, attrs));
    entries.forEach(([x, wantY, wantDx], i) => {
      pairs++;
      if (!agrees(y![i]!, wantY) || !agrees(dx![i]!, wantDx)) {
        disagreements.push(
          `${op}(${show(x)}) = ${show(y![i]!)} / grad ${show(dx![i]!)}, ` +
            `policy ${show(wantY)} / ${show(wantDx)}`,
        );
      }
    });
  }
  for (const [op, entries] of Object.entries(BINARY_POLICY) as [BinaryOpName, BinaryEntry[]][]) {
    const as = entries.map((e) => e[0]);
    const bs = entries.map((e) => e[1]);
    const [y, da, db] = await runWithGrads([as, bs], ([a, b]) => binary(op, a!, b!));
    entries.forEach(([a, b, wantY, wantDa, wantDb], i) => {
      pairs++;
      if (!agrees(y![i]!, wantY) || !agrees(da![i]!, wantDa) || !agrees(db![i]!, wantDb)) {
        disagreements.push(
          `${op}(${show(a)}, ${show(b)}) = ${show(y![i]!)} / grads ${show(da![i]!)}, ` +
            `${show(db![i]!)}, policy ${show(wantY)} / ${show(wantDa)}, ${show(wantDb)}`,
        );
      }
    });
  }
  if (liveBufferCount() !== before) {
    throw new Error(`the policy check leaked ${liveBufferCount() - before} GPU buffers`);
  }
  return {
    figure: disagreements.length,
    bound: 0,
    pass: disagreements.length === 0,
    detail:
      `${pairs} (op, input) pairs over ${
        Object.keys(UNARY_POLICY).length + Object.keys(BINARY_POLICY).length
      } ops` + (disagreements.length > 0 ? `; disagreeing: ${disagreements.join("; ")}` : ""),
  };
});
