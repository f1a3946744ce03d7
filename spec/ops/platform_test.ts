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
    return { figure: "unlimited", bound: "n/a", pass: true, detail: "no limit found up to 2^20" };
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
  return {
    figure: measured,
    bound: `usable ${usable} (7/8); usable+1 refused`,
    pass: refused && headroomOk && ranUsable === usable - 1 && ranBelow === measured - 1 &&
      ranPast < measured + 1,
    detail: `declared ${usable} ran ${ranUsable} of ${usable - 1}; undeclared ${
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
