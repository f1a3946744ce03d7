import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { initGpu } from "./device.ts";
import {
  batchStats,
  flush,
  launch,
  MAX_DISPATCHES_PER_SUBMIT,
  packUniforms,
  pipelineFor,
} from "./batch.ts";
import { createStorageBuffer, liveBufferCount, releaseBuffer } from "./buffers.ts";
import { WGSL_LINEAR_WORKGROUP } from "./grid.ts";
import { readBuffers, sync } from "./readback.ts";
import { add, setElementwiseFusion, tensor, tidy } from "../mod.ts";

/** Runs `fn` with elementwise fusion off, so each add is its own dispatch. */
async function opByOp(fn: () => Promise<void>): Promise<void> {
  const was = setElementwiseFusion(false);
  try {
    await fn();
  } finally {
    setElementwiseFusion(was);
  }
}

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

Deno.test("packUniforms: u32, f32 and i32 slots, little-endian, padded to 16 bytes", () => {
  const buf = packUniforms([7, { f32: 1.5 }, { i32: -2 }, 0xffffffff, { f32: -0 }]);
  strictEqual(buf.byteLength, 32);
  const view = new DataView(buf);
  strictEqual(view.getUint32(0, true), 7);
  strictEqual(view.getFloat32(4, true), 1.5);
  strictEqual(view.getInt32(8, true), -2);
  strictEqual(view.getUint32(12, true), 0xffffffff);
  strictEqual(view.getUint32(16, true), 0x80000000); // −0 keeps its sign bit
  for (let i = 20; i < 32; i += 4) strictEqual(view.getUint32(i, true), 0, "padding is zero");
  strictEqual(packUniforms([]).byteLength, 16);
  strictEqual(packUniforms([1, 2, 3, 4]).byteLength, 16);
  strictEqual(packUniforms([1, 2, 3, 4, 5]).byteLength, 32);
});

Deno.test("packUniforms: a plain number must be a u32", () => {
  throws(() => packUniforms([-1]), RangeError);
  throws(() => packUniforms([1.5]), RangeError);
  throws(() => packUniforms([2 ** 32]), RangeError);
  throws(() => packUniforms([NaN]), RangeError);
});

const FILL_WGSL = `
struct Config { n: u32 }
@group(0) @binding(0) var<uniform> cfg: Config;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_workgroup(wid, nwg);
  if (i >= cfg.n) { return; }
  out[i] = out[i] + i + 1u;
}
`;

gpuTest("pipeline cache: one pipeline per kernel source", async () => {
  await initGpu();
  const a = pipelineFor("fill", FILL_WGSL);
  strictEqual(pipelineFor("fill again", FILL_WGSL), a);
  ok(pipelineFor("fill other", FILL_WGSL + "\n// another source") !== a);
  await sync();
});

gpuTest("tiled launch: 65,534 / 65,535 / 65,536 workgroups each run exactly once", async () => {
  await initGpu();
  const before = liveBufferCount();
  for (const n of [65534, 65535, 65536]) {
    const buf = createStorageBuffer(n * 4, "fill");
    launch({ name: "fill", code: FILL_WGSL, uniforms: [n], buffers: [buf], workgroups: n });
    const [bytes] = await readBuffers([{ buffer: buf, byteLength: n * 4 }]);
    releaseBuffer(buf);
    const out = new Uint32Array(bytes!);
    const wrong = out.findIndex((v, i) => v !== i + 1);
    strictEqual(wrong, -1, `n ${n}: workgroup ${wrong} wrote ${out[wrong]}`);
  }
  strictEqual(liveBufferCount(), before);
});

gpuTest("batching: a chain of 100 ops costs one submit, at the readback", () =>
  opByOp(async () => {
    await initGpu();
    await sync();
    const x = tensor([1, 2, 3], [3]);
    const s0 = batchStats();
    const y = tidy(() => {
      let acc = x;
      for (let i = 0; i < 100; i++) acc = add(acc, x);
      return acc;
    });
    const s1 = batchStats();
    strictEqual(s1.submits, s0.submits, "recording ops must not submit");
    strictEqual(s1.dispatches - s0.dispatches, 100);
    deepStrictEqual(Array.from(await y.toArray()), [101, 202, 303]);
    strictEqual(batchStats().submits - s0.submits, 1, "the chain and its readback: one submit");
    x.dispose();
    y.dispose();
  }));

gpuTest(
  "batching: the batch submits itself past MAX_DISPATCHES_PER_SUBMIT dispatches",
  () =>
    opByOp(async () => {
      await initGpu();
      await sync();
      const x = tensor([1], [1]);
      const s0 = batchStats();
      const y = tidy(() => {
        let acc = x;
        for (let i = 0; i < MAX_DISPATCHES_PER_SUBMIT + 1; i++) acc = add(acc, x);
        return acc;
      });
      strictEqual(batchStats().submits - s0.submits, 1, "one automatic submit at the limit");
      deepStrictEqual(Array.from(await y.toArray()), [MAX_DISPATCHES_PER_SUBMIT + 2]);
      x.dispose();
      y.dispose();
      flush();
    }),
);
