/**
 * Tests of the fault claims (./fault_claims.ts). Each claim runs its fault
 * cases (the documented error class, a message naming the op and shapes, no
 * leaked buffer, no GPU work recorded before the throw) and its controls (the
 * same calls with valid input succeed and leak nothing).
 *
 * @module
 */
import {
  add,
  backward,
  DisposedTensorError,
  exp,
  gpu,
  initGpu,
  KernelValidationError,
  layerNorm,
  liveBufferCount,
  matmul,
  NoAdapterError,
  readTensors,
  sync,
  type Tensor,
  tensor,
  tidy,
  tidyAsync,
  zeros,
} from "../../impl/mod.ts";
import { maximum, minimum } from "../../impl/ops/binary.ts";
import { elu, leakyRelu, powScalar } from "../../impl/ops/unary.ts";
import { launch } from "../../impl/gpu/batch.ts";
import { checkAllocation, createStorageBuffer, releaseBuffer } from "../../impl/gpu/buffers.ts";
import { checkFault, type FaultCase } from "../_harness/fault_case.ts";
import { type Claim, claimTest, type Measurement } from "../_harness/claim.ts";
import {
  FAULT_BACKWARD,
  FAULT_DISPOSED,
  FAULT_DTYPE,
  FAULT_KERNEL_VALIDATION,
  FAULT_NO_ADAPTER,
  FAULT_POINTWISE_ATTRIBUTE,
  FAULT_POINTWISE_SHAPE,
  FAULT_RANK,
  FAULT_SHAPE,
  FAULT_SIZE_LIMIT,
  FAULT_TIDY_THROW,
} from "./fault_claims.ts";

/** A control: the same call with valid input; it must succeed and leave no buffer behind. */
interface Control {
  name: string;
  run: () => void | Promise<void>;
}

async function runFaults(cases: readonly FaultCase[], controls: readonly Control[]) {
  await initGpu();
  const failures: string[] = [];
  for (const c of cases) {
    const wrong = await checkFault(c);
    if (wrong !== null) failures.push(wrong);
  }
  let controlsPassed = 0;
  for (const c of controls) {
    const live = liveBufferCount();
    try {
      await c.run();
      if (liveBufferCount() !== live) {
        failures.push(`control ${c.name}: leaked ${liveBufferCount() - live} buffers`);
      } else controlsPassed++;
    } catch (e) {
      failures.push(`control ${c.name} failed: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  return { failures, controlsPassed };
}

function faultClaim(
  claim: Claim,
  setup: () => { cases: FaultCase[]; controls: Control[]; teardown?: () => void | Promise<void> },
): void {
  claimTest(claim, async (): Promise<Measurement> => {
    await initGpu();
    const { cases, controls, teardown } = setup();
    let r;
    try {
      r = await runFaults(cases, controls);
    } finally {
      await teardown?.();
    }
    const matched = cases.length - r.failures.filter((f) => !f.startsWith("control")).length;
    const detail = `${matched}/${cases.length} fault cases raised the documented error; ` +
      `${r.controlsPassed}/${controls.length} controls passed` +
      (r.failures.length > 0 ? `; ${r.failures.join("; ")}` : "");
    if (r.failures.some((f) => f.includes("leaked"))) {
      // The harness fails a test that leaves buffers alive; say which case leaked them.
      throw new Error(`${r.failures.length} failures: ${detail}`);
    }
    return {
      figure: r.failures.length,
      bound: 0,
      pass: r.failures.length === 0,
      detail,
    };
  });
}

/**
 * A control that runs `fn` inside tidyAsync and reads its outputs back (one
 * sync): fails when the call throws or a value is not finite.
 */
function readsBack(fn: () => Tensor | Tensor[]): () => Promise<void> {
  return () =>
    tidyAsync(async () => {
      const values = await readTensors([fn()].flat());
      if (values.some((v) => v.some((x) => !Number.isFinite(x)))) {
        throw new Error("a control produced a non-finite value");
      }
    });
}

function ones(shape: number[]): Tensor {
  return tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
}

/**
 * The gradient of add(a [3, 1], b [3, 0]): the output [3, 0] is empty, so a's gradient sums a
 * broadcast dimension of size 0 back to size 1 and must be zeros of shape [3, 1]; b's is empty.
 */
async function emptyBroadcastGradient(): Promise<void> {
  const a = tensor([1, 2, 3], [3, 1], { requiresGrad: true });
  const b = tensor(new Float32Array(0), [3, 0], { requiresGrad: true });
  try {
    tidy(() => backward(add(a, b), zeros([3, 0])));
    const [ga, gb] = await readTensors([a.grad!, b.grad!]);
    const shapes = `${a.grad!.shape}|${b.grad!.shape}`;
    if (shapes !== "3,1|3,0") throw new Error(`gradient shapes ${shapes}, expected 3,1|3,0`);
    if (ga!.length !== 3 || ga!.some((x) => x !== 0) || gb!.length !== 0) {
      throw new Error(`a's gradient is [${Array.from(ga!)}], expected [0, 0, 0]`);
    }
  } finally {
    for (const t of [a, b]) {
      t.grad?.dispose();
      t.dispose();
    }
  }
}

faultClaim(FAULT_SHAPE, () => {
  const a23 = ones([2, 3]);
  const b4 = ones([4]);
  const m34 = ones([3, 4]);
  const m56 = ones([5, 6]);
  const g4 = ones([4]);
  const b3 = ones([3]);
  return {
    cases: [
      {
        name: "add [2,3] + [4]",
        run: () => add(a23, b4),
        expect: TypeError,
        mentions: ["add", "[2, 3]", "[4]"],
      },
      {
        name: "matmul [3,4] · [5,6]",
        run: () => matmul(m34, m56),
        expect: TypeError,
        mentions: ["matmul", "[3, 4]", "[5, 6]", "4 != 5"],
      },
      {
        name: "layerNorm x [2,3] gamma [4]",
        run: () => layerNorm(a23, g4, b3),
        expect: TypeError,
        mentions: ["layerNorm", "[2, 3]", "[4]"],
      },
    ],
    controls: [
      { name: "add [2,3] + [3]", run: readsBack(() => add(a23, b3)) },
      {
        name: "matmul [3,4] · [4,3]",
        run: readsBack(() => matmul(m34, ones([4, 3]))),
      },
      { name: "layerNorm x [2,3]", run: readsBack(() => layerNorm(a23, b3, b3)) },
      {
        // sumToShape once recursed on a size-0 broadcast until the stack overflowed.
        name: "add [3,1] + [3,0] backward: a's gradient sums an empty broadcast to zeros",
        run: emptyBroadcastGradient,
      },
    ],
    teardown: () => [a23, b4, m34, m56, g4, b3].forEach((t) => t.dispose()),
  };
});

faultClaim(FAULT_RANK, () => {
  const v3 = ones([3]);
  const m32 = ones([3, 2]);
  const r9 = ones([1, 1, 1, 1, 1, 1, 1, 1, 2]);
  const r8 = ones([1, 1, 1, 1, 1, 1, 1, 2]);
  return {
    cases: [
      {
        name: "matmul rank 1",
        run: () => matmul(v3, m32),
        expect: TypeError,
        mentions: ["matmul", "[3]", "[3, 2]", "rank"],
      },
      {
        name: "add rank 9",
        run: () => add(r9, r9),
        expect: TypeError,
        mentions: ["add", "[1, 1, 1, 1, 1, 1, 1, 1, 2]", "rank 9"],
      },
    ],
    controls: [
      {
        name: "matmul rank 2",
        run: readsBack(() => matmul(ones([2, 3]), m32)),
      },
      { name: "add rank 8", run: readsBack(() => add(r8, r8)) },
    ],
    teardown: () => [v3, m32, r9, r8].forEach((t) => t.dispose()),
  };
});

faultClaim(FAULT_DTYPE, () => {
  const ids = tensor(new Int32Array([1, 2, 3]), [3]);
  const idm = tensor(new Int32Array([1, 2, 3, 4]), [2, 2]);
  const f3 = ones([3]);
  const f22 = ones([2, 2]);
  return {
    cases: [
      { name: "exp i32", run: () => exp(ids), expect: TypeError, mentions: ["exp", "i32", "[3]"] },
      {
        name: "add f32 + i32",
        run: () => add(f3, ids),
        expect: TypeError,
        mentions: ["add", "i32"],
      },
      {
        name: "matmul i32",
        run: () => matmul(idm, f22),
        expect: TypeError,
        mentions: ["matmul", "i32"],
      },
    ],
    controls: [
      { name: "exp f32", run: readsBack(() => exp(f3)) },
      { name: "add f32 + f32", run: readsBack(() => add(f3, f3)) },
      { name: "matmul f32", run: readsBack(() => matmul(f22, f22)) },
    ],
    teardown: () => [ids, idm, f3, f22].forEach((t) => t.dispose()),
  };
});

faultClaim(FAULT_SIZE_LIMIT, () => {
  const { limits } = gpu();
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const col = zeros([2 ** 17, 1]);
  const row = zeros([1, 2 ** 17]);
  const notThrowing = (bytes: number) => () => checkAllocation(bytes, `${bytes} bytes`);
  return {
    cases: [
      {
        name: "checkAllocation(limit + 1)",
        run: () => checkAllocation(limit + 1, "a probe"),
        expect: RangeError,
        mentions: [String(limit + 1), String(limit), "maxStorageBufferBindingSize"],
      },
      {
        name: `zeros of ${Math.floor(limit / 4) + 1} f32 (limit + 4 bytes or less)`,
        run: () => zeros([Math.floor(limit / 4) + 1]),
        expect: RangeError,
        mentions: [`[${Math.floor(limit / 4) + 1}]`, "maxStorageBufferBindingSize"],
      },
      {
        name: "matmul output [131072, 131072]",
        run: () => matmul(col, row),
        expect: RangeError,
        mentions: ["[131072, 131072]"],
      },
    ],
    controls: [
      { name: "checkAllocation(limit - 1)", run: notThrowing(limit - 1) },
      { name: "checkAllocation(limit)", run: notThrowing(limit) },
      { name: "small zeros", run: readsBack(() => zeros([7])) },
      {
        name: "matmul [131072, 1] · [1, 3]",
        run: readsBack(() => matmul(col, zeros([1, 3]))),
      },
    ],
    teardown: () => {
      col.dispose();
      row.dispose();
    },
  };
});

faultClaim(FAULT_DISPOSED, () => {
  const live = ones([3]);
  const m = ones([2, 2]);
  const gone = ones([3]);
  const goneM = ones([2, 2]);
  gone.dispose();
  goneM.dispose();
  const mentions = ["disposed", "[3]"];
  return {
    cases: [
      { name: "exp(disposed)", run: () => exp(gone), expect: DisposedTensorError, mentions },
      {
        name: "add(live, disposed)",
        run: () => add(live, gone),
        expect: DisposedTensorError,
        mentions,
      },
      {
        name: "matmul(disposed, live)",
        run: () => matmul(goneM, m),
        expect: DisposedTensorError,
        mentions: ["disposed", "[2, 2]"],
      },
      { name: "toArray()", run: () => gone.toArray(), expect: DisposedTensorError, mentions },
      {
        name: "readTensors",
        run: () => readTensors([live, gone]),
        expect: DisposedTensorError,
        mentions,
      },
    ],
    controls: [
      { name: "exp(live)", run: readsBack(() => exp(live)) },
      { name: "matmul(live, live)", run: readsBack(() => matmul(m, m)) },
      {
        name: "dispose twice",
        run: () => {
          const t = ones([1]);
          t.dispose();
          t.dispose();
        },
      },
    ],
    teardown: () => {
      live.dispose();
      m.dispose();
    },
  };
});

faultClaim(FAULT_NO_ADAPTER, () => ({
  cases: [
    {
      name: "requestAdapter returns null",
      run: () => initGpu({ gpu: { requestAdapter: () => Promise.resolve(null) } }),
      expect: NoAdapterError,
      mentions: ["requestAdapter() returned null", "install"],
    },
    {
      name: "requestAdapter throws",
      run: () => initGpu({ gpu: { requestAdapter: () => Promise.reject(new Error("no driver")) } }),
      expect: NoAdapterError,
      mentions: ["requestAdapter() threw", "no driver"],
    },
  ],
  controls: [
    {
      name: "initGpu() and an op afterwards",
      run: async () => {
        await initGpu();
        await readsBack(() => exp(ones([2])))();
      },
    },
  ],
}));

/** Source with a WGSL error whose expected position is computed from the text itself. */
function brokenKernel(lines: string[], token: string) {
  const line = lines.findIndex((l) => l.includes(token));
  return { code: lines.join("\n"), line: line + 1, column: lines[line]!.indexOf(token) + 1 };
}

faultClaim(FAULT_KERNEL_VALIDATION, () => {
  const unknown = brokenKernel([
    "@group(0) @binding(0) var<storage, read_write> out: array<f32>;",
    "@compute @workgroup_size(1)",
    "fn main() {",
    "  out[0] = undefined_name;",
    "}",
  ], "undefined_name");
  const reserved = brokenKernel([
    "@compute @workgroup_size(1)",
    "fn main() {",
    "  let target = 1.0;",
    "}",
  ], "target");
  const run = (name: string, code: string, withBuffer: boolean) => async () => {
    const b = createStorageBuffer(4, "fault probe");
    try {
      launch({ name, code, buffers: withBuffer ? [b] : [], workgroups: 1 });
      await sync();
    } finally {
      releaseBuffer(b);
    }
  };
  const at = (want: { line: number; column: number }) => (e: Error) => {
    const k = e as KernelValidationError;
    return k.line === want.line && k.column === want.column
      ? null
      : `reported line ${k.line} column ${k.column}, expected ${want.line}:${want.column}`;
  };
  return {
    cases: [
      {
        name: "unknown identifier",
        run: run("fault_unknown", unknown.code, true),
        expect: KernelValidationError,
        mentions: ['"fault_unknown"', `line ${unknown.line}, column ${unknown.column}`],
        inspect: at(unknown),
        gpuWorkAllowed: true,
      },
      {
        name: "reserved word",
        run: run("fault_reserved", reserved.code, false),
        expect: KernelValidationError,
        mentions: ['"fault_reserved"', "target"],
        inspect: at(reserved),
        gpuWorkAllowed: true,
      },
    ],
    controls: [
      { name: "an op after the rejected kernels", run: readsBack(() => exp(ones([3]))) },
      { name: "a clean sync", run: () => sync() },
    ],
    teardown: async () => {
      // Leave the device clean for later tests even if a stale error was reported.
      for (let i = 0; i < 3; i++) {
        try {
          await sync();
          break;
        } catch { /* drained */ }
      }
    },
  };
});

faultClaim(FAULT_TIDY_THROW, () => {
  const boom = () => new RangeError("boom from inside tidy");
  return {
    cases: [
      {
        name: "tidy",
        run: () =>
          tidy(() => {
            const a = ones([4]);
            add(a, a);
            throw boom();
          }),
        expect: RangeError,
        mentions: ["boom"],
        gpuWorkAllowed: true,
      },
      {
        name: "nested tidy",
        run: () =>
          tidy(() => {
            ones([2]);
            tidy(() => {
              exp(ones([3]));
              throw boom();
            });
          }),
        expect: RangeError,
        mentions: ["boom"],
        gpuWorkAllowed: true,
      },
      {
        name: "tidyAsync",
        run: () =>
          tidyAsync(async () => {
            const a = ones([5]);
            await a.toArray();
            exp(a);
            throw boom();
          }),
        expect: RangeError,
        mentions: ["boom"],
        gpuWorkAllowed: true,
      },
    ],
    controls: [
      {
        name: "tidy keeps what it returns",
        run: async () => {
          const before = liveBufferCount();
          const kept = tidy(() => {
            const a = ones([4]);
            return add(a, a);
          });
          if (liveBufferCount() !== before + 1) throw new Error("tidy did not keep exactly one");
          await readTensors([kept]);
          kept.dispose();
        },
      },
    ],
  };
});

faultClaim(FAULT_BACKWARD, () => {
  const plain = ones([1]);
  const x = tensor([0.5, -1, 2], [3], { requiresGrad: true });
  return {
    cases: [
      {
        name: "no requiresGrad",
        run: () => backward(plain),
        expect: TypeError,
        mentions: ["[1]", "does not require a gradient"],
      },
      {
        name: "non-scalar without gradOutput",
        run: () => tidy(() => backward(exp(x))),
        expect: TypeError,
        mentions: ["[3]", "single element"],
        gpuWorkAllowed: true,
      },
      {
        name: "gradOutput of another shape",
        run: () => tidy(() => backward(exp(x), ones([2]))),
        expect: TypeError,
        mentions: ["[2]", "[3]"],
        gpuWorkAllowed: true,
      },
    ],
    controls: [
      {
        name: "backward with a matching gradOutput",
        run: async () => {
          tidy(() => backward(exp(x), ones([3])));
          const [g] = await readTensors([x.grad!]);
          x.grad!.dispose();
          x.grad = null;
          const want = [0.5, -1, 2].map(Math.exp);
          if (g!.some((v, i) => Math.abs(v - want[i]!) > 1e-5 * want[i]!)) {
            throw new Error(`gradient ${Array.from(g!)} is not exp(x)`);
          }
        },
      },
    ],
    teardown: () => {
      plain.dispose();
      x.dispose();
    },
  };
});

faultClaim(FAULT_POINTWISE_ATTRIBUTE, () => {
  const x = tensor([-2, -0.5, 0.5, 2], [4]);
  const attribute = (
    op: string,
    what: string,
    value: number,
    run: () => unknown,
  ): FaultCase => ({
    name: `${op} ${what} ${value}`,
    run,
    expect: RangeError,
    mentions: [op, `expected a finite ${what}`, `but got ${value}`],
  });
  return {
    cases: [
      attribute("leaky_relu", "negative slope", NaN, () => leakyRelu(x, NaN)),
      attribute("leaky_relu", "negative slope", -Infinity, () => leakyRelu(x, -Infinity)),
      attribute("leaky_relu", "negative slope", 1e39, () => leakyRelu(x, 1e39)),
      attribute("elu", "alpha", NaN, () => elu(x, NaN)),
      attribute("elu", "alpha", Infinity, () => elu(x, Infinity)),
      attribute("pow", "exponent", NaN, () => powScalar(x, NaN)),
      attribute("pow", "exponent", Infinity, () => powScalar(x, Infinity)),
      attribute("pow", "exponent", -1e39, () => powScalar(x, -1e39)),
    ],
    controls: [
      { name: "leakyRelu default slope", run: readsBack(() => leakyRelu(x)) },
      { name: "leakyRelu slope -0.5", run: readsBack(() => leakyRelu(x, -0.5)) },
      { name: "elu alpha 3e38", run: readsBack(() => elu(x, 3e38)) },
      { name: "powScalar exponent 3", run: readsBack(() => powScalar(x, 3)) },
    ],
    teardown: () => x.dispose(),
  };
});

faultClaim(FAULT_POINTWISE_SHAPE, () => {
  const a23 = ones([2, 3]);
  const b4 = ones([4]);
  const b3 = ones([3]);
  const ids = tensor(new Int32Array([1, 2, 3]), [3]);
  return {
    cases: [
      {
        name: "maximum [2,3], [4]",
        run: () => maximum(a23, b4),
        expect: TypeError,
        mentions: ["maximum", "[2, 3]", "[4]"],
      },
      {
        name: "minimum [4], [2,3]",
        run: () => minimum(b4, a23),
        expect: TypeError,
        mentions: ["minimum", "[4]", "[2, 3]"],
      },
      {
        name: "maximum f32, i32",
        run: () => maximum(b3, ids),
        expect: TypeError,
        mentions: ["maximum", "i32"],
      },
    ],
    controls: [
      { name: "maximum [2,3], [3]", run: readsBack(() => maximum(a23, b3)) },
      { name: "minimum [3], [2,3]", run: readsBack(() => minimum(b3, a23)) },
    ],
    teardown: () => [a23, b4, b3, ids].forEach((t) => t.dispose()),
  };
});
