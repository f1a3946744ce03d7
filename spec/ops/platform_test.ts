import { add, backward, embedding, gpu, initGpu, tensor, tidy } from "../../impl/mod.ts";
import { LOOP_BUDGET_HEADROOM } from "../../impl/gpu/device.ts";
import { launch } from "../../impl/gpu/batch.ts";
import { createStorageBuffer, releaseBuffer } from "../../impl/gpu/buffers.ts";
import { readBuffers } from "../../impl/gpu/readback.ts";
import { claimTest } from "../_harness/claim.ts";
import { longLoopsExactClaim, loopBudgetClaim } from "./platform_claims.ts";

const COUNT_WGSL = `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1)
fn main() {
  var c = 0u;
  for (var i = 0u; i < p.n; i++) { c += 1u; }
  out[0] = c;
}
`;

/** Runs COUNT_WGSL for `n` iterations (declaring `declared` when given); returns the count reached. */
async function countLoop(n: number, declared?: number): Promise<number> {
  const out = createStorageBuffer(4, "loop count");
  try {
    launch({
      name: "loop_count",
      code: COUNT_WGSL,
      uniforms: [n],
      buffers: [out],
      workgroups: 1,
      loopIterations: declared,
    });
    const [bytes] = await readBuffers([{ buffer: out, byteLength: 4 }]);
    return new Uint32Array(bytes!)[0]!;
  } finally {
    releaseBuffer(out);
  }
}

claimTest(loopBudgetClaim, async () => {
  await initGpu();
  const measured = gpu().measuredLoopIterations;
  const usable = gpu().maxLoopIterations;
  if (measured === Infinity) {
    // No limit found: then a loop past the probe's 2^20 must run in full, or the probe lied.
    const requested = 2 ** 20 + 1;
    const ran = await countLoop(requested);
    return {
      figure: Math.abs(ran - requested),
      bound: 0,
      pass: ran === requested,
      detail: `no limit found up to 2^20; a ${requested}-iteration loop ran ${ran}`,
    };
  }
  // Control: a declared loop at the usable budget runs in full, and so does an undeclared one
  // right below the measured limit.
  const ranUsable = await countLoop(usable - 1, usable);
  const ranBelow = await countLoop(measured - 1);
  // Fault: one iteration past the measured limit is cut short without any error.
  const ranPast = await countLoop(measured + 1);
  let refused = false;
  try {
    launch({
      name: "loop_count",
      code: COUNT_WGSL,
      uniforms: [usable],
      buffers: [],
      workgroups: 1,
      loopIterations: usable + 1,
    });
  } catch (e) {
    refused = e instanceof RangeError && /loop iterations/.test(e.message);
  }
  const headroomOk = usable === Math.floor(measured * LOOP_BUDGET_HEADROOM);
  const checks = [
    { name: "declared loop at the usable budget runs in full", ok: ranUsable === usable - 1 },
    {
      name: "undeclared loop below the measured limit runs in full",
      ok: ranBelow === measured - 1,
    },
    { name: "a loop past the measured limit is cut short", ok: ranPast < measured + 1 },
    { name: "a declared count past the usable budget is refused", ok: refused },
    { name: "usable budget is 7/8 of the measured one", ok: headroomOk },
  ];
  const broken = checks.filter((c) => !c.ok);
  return {
    figure: broken.length,
    bound: 0,
    pass: broken.length === 0,
    parts: [
      {
        name: "iterations run by a declared usable-budget loop",
        figure: ranUsable,
        bound: usable - 1,
        direction: "==",
      },
      {
        name: "iterations run below the measured limit",
        figure: ranBelow,
        bound: measured - 1,
        direction: "==",
      },
      {
        name: "iterations run one past the measured limit",
        figure: ranPast,
        bound: measured,
        direction: "<=",
      },
    ],
    detail: `measured limit ${measured}, usable ${usable}; ` +
      (broken.length ? `BROKEN: ${broken.map((c) => c.name).join("; ")}; ` : "") +
      `declared ${usable} ran ${ranUsable} of ${usable - 1}; undeclared ${
        measured - 1
      } ran ${ranBelow}; ${measured + 1} requested ran ${ranPast} (silently cut); usable+1 ${
        refused ? "refused" : "ACCEPTED"
      }`,
  };
});

claimTest(longLoopsExactClaim, async () => {
  await initGpu();
  let worst = 0;
  const details: string[] = [];
  for (const n of [65534, 65535, 65536, 200003]) {
    const ones = new Float32Array(n).fill(1);
    const x = tensor(ones, [n], { requiresGrad: true });
    const b = tensor([0], [1], { requiresGrad: true });
    const table = tensor([0, 0, 0, 0], [2, 2], { requiresGrad: true });
    const ids = tensor(new Int32Array(n).fill(1), [n], { dtype: "i32" });
    try {
      tidy(() => {
        backward(add(x, b), tensor(ones, [n]));
        backward(embedding(table, ids), tensor(new Float32Array(2 * n).fill(1), [n, 2]));
      });
      const bg = (await b.grad!.toArray())[0]!;
      const tg = Array.from(await table.grad!.toArray());
      // n < 2^24, so every partial sum of ones is an exact f32 integer.
      const err = Math.max(Math.abs(bg - n), ...tg.map((v, i) => Math.abs(v - (i >= 2 ? n : 0))));
      worst = Math.max(worst, err);
      details.push(`n=${n}: ${bg}, ${tg[2]}`);
    } finally {
      for (const t of [x, b, table, ids]) t.dispose();
    }
  }
  return { figure: worst, bound: 0, pass: worst === 0, detail: details.join("; ") };
});
