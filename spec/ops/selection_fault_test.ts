/**
 * Tests of the selection fault claims (./selection_claims.ts): each bad call
 * raises its documented error class with a message naming the op and what was
 * expected, before any GPU work and without leaking a buffer; beside the
 * faults, controls (the same calls with valid input) succeed and leak nothing.
 *
 * @module
 */
import {
  initGpu,
  liveBufferCount,
  readTensors,
  Tensor,
  tensor,
  tidyAsync,
} from "../../impl/mod.ts";
import { dropout } from "../../impl/ops/dropout.ts";
import { smoothL1Loss } from "../../impl/ops/smooth_l1_loss.ts";
import { argmax, topk } from "../../impl/ops/topk.ts";
import { trilFill } from "../../impl/ops/tril_fill.ts";
import { checkFault, type FaultCase as SharedFaultCase } from "../_harness/fault_case.ts";
import { type Claim, claimTest } from "../_harness/claim.ts";
import {
  FAULT_ARGMAX,
  FAULT_DROPOUT,
  FAULT_SMOOTH_L1,
  FAULT_TOPK,
  FAULT_TRIL_FILL,
} from "./selection_claims.ts";

/** One fault on the shared inputs: `run` must throw `expect` naming every `mentions` entry. */
interface FaultCase extends Omit<SharedFaultCase, "run"> {
  run: (t: Inputs) => unknown;
}

/** Valid inputs every case may use (created once per claim). */
interface Inputs {
  x: Tensor;
  t: Tensor;
  ids: Tensor;
  vec: Tensor;
  short: Tensor;
  empty: Tensor;
  scalar: Tensor;
}

/** Disposes the tensors in a value an op returned (a tensor, or an object of tensors). */
function release(value: unknown): void {
  if (value instanceof Tensor) value.dispose();
  else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) if (v instanceof Tensor) v.dispose();
  }
}

function faultClaim(claim: Claim, cases: FaultCase[], controls: ((t: Inputs) => Tensor)[]) {
  claimTest(claim, async () => {
    await initGpu();
    const before = liveBufferCount();
    const inputs: Inputs = {
      x: tensor([1, 5, 2, 4, 3, 0], [2, 3]),
      t: tensor([0, 1, 2, 3, 4, 5], [2, 3]),
      ids: tensor(new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3]),
      vec: tensor([1, 2, 3, 4, 5, 6], [6]),
      short: tensor([1, 2, 3], [3]),
      empty: tensor([], [2, 0]),
      scalar: tensor([1], []),
    };
    const failures: string[] = [];
    try {
      for (const c of cases) {
        const wrong = await checkFault({ ...c, run: () => c.run(inputs) }, release);
        if (wrong !== null) failures.push(wrong);
      }
      for (const [k, control] of controls.entries()) {
        const live = liveBufferCount();
        try {
          await tidyAsync(() => readTensors([control(inputs)]));
        } catch (e) {
          failures.push(`control ${k}: ${(e as Error).message}`);
        }
        if (liveBufferCount() !== live) failures.push(`control ${k}: leaked buffers`);
      }
    } finally {
      for (const v of Object.values(inputs)) v.dispose();
    }
    if (liveBufferCount() !== before) failures.push("the claim leaked buffers");
    return {
      figure: failures.length,
      bound: 0,
      pass: failures.length === 0,
      detail: `${cases.length} fault cases, ${controls.length} controls` +
        (failures.length ? `; ${failures.join("; ")}` : ""),
    };
  });
}

faultClaim(FAULT_SMOOTH_L1, [
  {
    name: "shape mismatch",
    run: ({ x, short }) => smoothL1Loss(x, short),
    expect: TypeError,
    mentions: ["smoothL1Loss", "[2, 3]", "[3]"],
  },
  {
    name: "i32 target",
    run: ({ x, ids }) => smoothL1Loss(x, ids),
    expect: TypeError,
    mentions: ["smoothL1Loss", "i32"],
  },
  {
    name: "beta NaN",
    run: ({ x, t }) => smoothL1Loss(x, t, { beta: NaN }),
    expect: RangeError,
    mentions: ["smoothL1Loss", "beta", "NaN"],
  },
  {
    name: "beta negative",
    run: ({ x, t }) => smoothL1Loss(x, t, { beta: -1 }),
    expect: RangeError,
    mentions: ["beta", "-1"],
  },
  {
    name: "beta infinite",
    run: ({ x, t }) => smoothL1Loss(x, t, { beta: Infinity }),
    expect: RangeError,
    mentions: ["beta", "Infinity"],
  },
  {
    name: "mean of an empty input",
    run: ({ empty }) => smoothL1Loss(empty, empty),
    expect: RangeError,
    mentions: ["smoothL1Loss", "[2, 0]", "mean"],
  },
  {
    name: "unknown reduction",
    run: ({ x, t }) => smoothL1Loss(x, t, { reduction: "max" as "sum" }),
    expect: TypeError,
    mentions: ["reduction", '"max"'],
  },
], [
  ({ x, t }) => smoothL1Loss(x, t),
  ({ x, t }) => smoothL1Loss(x, t, { beta: 0, reduction: "none" }),
  ({ empty }) => smoothL1Loss(empty, empty, { reduction: "sum" }),
]);

faultClaim(FAULT_ARGMAX, [
  {
    name: "axis 2 of rank 2",
    run: ({ x }) => argmax(x, 2),
    expect: RangeError,
    mentions: ["argmax", "axis 2", "[-2, 1]"],
  },
  {
    name: "axis -3",
    run: ({ x }) => argmax(x, -3),
    expect: RangeError,
    mentions: ["argmax", "-3"],
  },
  {
    name: "axis 0.5",
    run: ({ x }) => argmax(x, 0.5),
    expect: RangeError,
    mentions: ["argmax", "0.5"],
  },
  {
    name: "empty axis",
    run: ({ empty }) => argmax(empty, 1),
    expect: RangeError,
    mentions: ["argmax", "[2, 0]", "size 0"],
  },
  {
    name: "i32 input",
    run: ({ ids }) => argmax(ids, 0),
    expect: TypeError,
    mentions: ["argmax", "i32"],
  },
], [({ x }) => argmax(x, -1), ({ x }) => argmax(x, 0, true)]);

faultClaim(FAULT_TOPK, [
  {
    name: "k = 0",
    run: ({ x }) => topk(x, 0),
    expect: RangeError,
    mentions: ["topk", "[2, 3]", "[1, 3]", "got 0"],
  },
  {
    name: "k > n",
    run: ({ x }) => topk(x, 4, 1),
    expect: RangeError,
    mentions: ["topk", "[1, 3]", "got 4"],
  },
  {
    name: "k not an integer",
    run: ({ x }) => topk(x, 1.5),
    expect: RangeError,
    mentions: ["topk", "1.5"],
  },
  {
    name: "bad axis",
    run: ({ x }) => topk(x, 1, 2),
    expect: RangeError,
    mentions: ["topk", "axis 2"],
  },
  {
    name: "i32 input",
    run: ({ ids }) => topk(ids, 1),
    expect: TypeError,
    mentions: ["topk", "i32"],
  },
], [({ x }) => topk(x, 3).values, ({ x }) => topk(x, 2, 0).indices]);

faultClaim(FAULT_TRIL_FILL, [
  {
    name: "n not an integer",
    run: ({ vec }) => trilFill(vec, 2.5),
    expect: RangeError,
    mentions: ["trilFill", "2.5"],
  },
  {
    name: "n = 0",
    run: ({ vec }) => trilFill(vec, 0),
    expect: RangeError,
    mentions: ["trilFill", ">= 1", "got 0"],
  },
  {
    name: "length 6 for n = 2",
    run: ({ vec }) => trilFill(vec, 2),
    expect: TypeError,
    mentions: ["trilFill", "[6]", "n(n+1)/2 = 3", "got 6"],
  },
  {
    name: "last axis 3 for n = 3",
    run: ({ x }) => trilFill(x, 3),
    expect: TypeError,
    mentions: ["trilFill", "[2, 3]", "= 6"],
  },
  {
    name: "rank 0",
    run: ({ scalar }) => trilFill(scalar, 1),
    expect: TypeError,
    mentions: ["trilFill", "rank-0"],
  },
  {
    name: "i32 vector",
    run: ({ ids }) => trilFill(ids, 2),
    expect: TypeError,
    mentions: ["trilFill", "i32"],
  },
], [({ vec }) => trilFill(vec, 3), ({ x }) => trilFill(x, 2)]);

faultClaim(FAULT_DROPOUT, [
  {
    name: "p = 1.5",
    run: ({ x }) => dropout(x, 1.5, { seed: 1 }),
    expect: RangeError,
    mentions: ["dropout", "[0, 1]", "1.5"],
  },
  {
    name: "p = -0.1",
    run: ({ x }) => dropout(x, -0.1, { seed: 1 }),
    expect: RangeError,
    mentions: ["dropout", "-0.1"],
  },
  {
    name: "p NaN",
    run: ({ x }) => dropout(x, NaN, { seed: 1 }),
    expect: RangeError,
    mentions: ["dropout", "NaN"],
  },
  {
    name: "seed -1",
    run: ({ x }) => dropout(x, 0.5, { seed: -1 }),
    expect: RangeError,
    mentions: ["dropout", "seed", "-1"],
  },
  {
    name: "seed 2^32",
    run: ({ x }) => dropout(x, 0.5, { seed: 2 ** 32 }),
    expect: RangeError,
    mentions: ["seed", "4294967296"],
  },
  {
    name: "seed missing",
    run: ({ x }) => dropout(x, 0.5, {} as { seed: number }),
    expect: RangeError,
    mentions: ["seed", "undefined"],
  },
  {
    name: "training not a boolean",
    run: ({ x }) => dropout(x, 0.5, { seed: 1, training: "yes" as unknown as boolean }),
    expect: TypeError,
    mentions: ["dropout", "training", "yes"],
  },
  {
    name: "i32 input",
    run: ({ ids }) => dropout(ids, 0.5, { seed: 1 }),
    expect: TypeError,
    mentions: ["dropout", "i32"],
  },
], [
  ({ x }) => dropout(x, 0.5, { seed: 1 }),
  ({ x }) => dropout(x, 1, { seed: 2 }),
  ({ x }) => dropout(x, 0.3, { seed: 3, training: false }),
]);
