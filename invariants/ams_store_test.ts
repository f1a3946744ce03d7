import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { nextDown, nextUp } from "./_testing.ts";
import {
  AMS_DEFAULT_DIMS,
  AMS_TRIPLE_FIELDS,
  type AmsKakeyaRegistryView,
  amsTripleLength,
  checkAmsActiveKakeyaSets,
  checkAmsKakeyaAlignment,
  checkAmsNoRawLargeFields,
  checkAmsPrefixShape,
  checkAmsReconstruction,
  checkAmsTripleDims,
} from "./ams_store.ts";

function entry(mid: number): Record<string, unknown> {
  const e: Record<string, unknown> = { mid };
  for (const f of AMS_TRIPLE_FIELDS) {
    const v = new Float64Array(amsTripleLength(f, AMS_DEFAULT_DIMS));
    v[0] = 1;
    e[f] = v;
  }
  return e;
}

Deno.test("checkAmsTripleDims control: valid entries pass with figure 0", () => {
  const v = checkAmsTripleDims([entry(0), entry(1)]);
  ok(v.pass);
  strictEqual(v.figure, 0);
});

Deno.test("checkAmsTripleDims fault: wrong length, NaN and a missing field are counted", () => {
  const a = entry(4);
  a.topic_fiber = new Float64Array(63);
  const b = entry(5);
  (b.ctx_dirn as Float64Array)[2] = NaN;
  const c = entry(6);
  delete c.time_base;
  const v = checkAmsTripleDims([entry(0), a, b, c]);
  strictEqual(v.figure, 3);
  deepStrictEqual(v.worst, { mid: 4, field: "topic_fiber", problem: "length 63, expected 64" });
  strictEqual(
    checkAmsTripleDims([{ ...entry(1), time_dirn: "x" }]).worst.problem,
    "not a numeric array",
  );
});

Deno.test("checkAmsTripleDims: plain number arrays count as arrays; other dims are honoured", () => {
  const e = entry(0);
  e.time_base = [1, 0, 0, 0, 0, 0, 0, 0];
  ok(checkAmsTripleDims([e]).pass);
  ok(!checkAmsTripleDims([e], { ...AMS_DEFAULT_DIMS, d_time: 9 }).pass);
});

Deno.test("checkAmsNoRawLargeFields: attribute, dict and Map raws are found; the original route sees attributes only", () => {
  const a = { ...entry(0), semantic_emb_raw: new Float32Array(1536) };
  const b = {
    ...entry(1),
    pending: { semantic_emb: new Float64Array(1536), small: new Float64Array(8) },
  };
  const c = { ...entry(2), cache: new Map([["x", new Float32Array(300)]]) };
  const v = checkAmsNoRawLargeFields([a, b, c]);
  strictEqual(v.figure, 3);
  deepStrictEqual(v.worst, { mid: 0, path: "semantic_emb_raw", shape: [1536] });
  strictEqual(checkAmsNoRawLargeFields([a, b, c], { nested: false }).figure, 1);
  ok(checkAmsNoRawLargeFields([b], { nested: false }).pass);
});

Deno.test("checkAmsNoRawLargeFields limits: numel and last dim at min_dim count, one below does not", () => {
  ok(!checkAmsNoRawLargeFields([{ mid: 0, x: new Float64Array(256) }]).pass);
  ok(checkAmsNoRawLargeFields([{ mid: 0, x: new Float64Array(255) }]).pass);
  // A (4, 100) tensor: numel 400 but last dim 100 < 256: not large (the original's rule).
  ok(
    checkAmsNoRawLargeFields([{ mid: 0, x: { shape: [4, 100], data: new Float32Array(400) } }])
      .pass,
  );
  ok(
    !checkAmsNoRawLargeFields([{ mid: 0, x: { shape: [2, 256], data: new Float32Array(512) } }])
      .pass,
  );
  // The nine triple fields are exempt whatever their size.
  ok(checkAmsNoRawLargeFields([{ mid: 0, topic_fiber: new Float64Array(512) }]).pass);
  throws(() => checkAmsNoRawLargeFields([], { minDim: 0 }), RangeError);
});

const eye2 = { rows: 2, cols: 2, data: [1, 0, 0, 1] };

Deno.test("checkAmsActiveKakeyaSets: vacuous below min_entries, >= 2 at and above", () => {
  const one: AmsKakeyaRegistryView = {
    slots: [{ active: true, bundle: "time", set: null, map: null }],
  };
  const two: AmsKakeyaRegistryView = {
    slots: [...one.slots, { active: true, bundle: "ctx", set: null, map: null }],
  };
  ok(checkAmsActiveKakeyaSets(one, 7, 8).pass);
  const v = checkAmsActiveKakeyaSets(one, 8, 8);
  ok(!v.pass);
  strictEqual(v.figure, 1);
  ok(checkAmsActiveKakeyaSets(two, 100, 8).pass);
  throws(() => checkAmsActiveKakeyaSets(one, -1, 8), RangeError);
});

Deno.test("checkAmsKakeyaAlignment: figure is ‖t − y/‖y‖‖; limits at the tolerance; inactive sets skipped", () => {
  const t = [Math.cos(0.01), Math.sin(0.01)];
  const reg: AmsKakeyaRegistryView = {
    slots: [
      { active: true, bundle: "time", map: eye2, set: { basis: eye2, t } },
      { active: false, bundle: "topic", map: null, set: null },
    ],
  };
  const axes = { time: [2, 0], topic: [], ctx: [] };
  const err = Math.hypot(t[0]! - 1, t[1]!);
  const v = checkAmsKakeyaAlignment(reg, axes, err);
  ok(v.pass);
  strictEqual(v.figure, err);
  ok(!checkAmsKakeyaAlignment(reg, axes, nextDown(err)).pass);
  ok(checkAmsKakeyaAlignment(reg, axes, nextUp(err)).pass);
  throws(() => checkAmsKakeyaAlignment(reg, { time: [1, 0, 0], topic: [], ctx: [] }), TypeError);
});

Deno.test("checkAmsKakeyaAlignment: a NaN axis fails and sticks", () => {
  const reg: AmsKakeyaRegistryView = {
    slots: [
      { active: true, bundle: "time", map: eye2, set: { basis: eye2, t: [1, 0] } },
      { active: true, bundle: "ctx", map: eye2, set: { basis: eye2, t: [1, 0] } },
    ],
  };
  const v = checkAmsKakeyaAlignment(reg, { time: [NaN, 0], topic: [], ctx: [1, 0] });
  ok(!v.pass && Number.isNaN(v.figure) && v.worst.set === 0);
});

Deno.test("checkAmsReconstruction: median and max bounds, each decisive", () => {
  const pair = (r: number) => ({ original: [1, 0], decoded: [1 - r, 0] });
  const ok1 = checkAmsReconstruction([pair(0.1), pair(0.12), pair(0.6)]);
  ok(ok1.pass);
  ok(Math.abs(ok1.figure - 0.12) < 1e-15 && Math.abs(ok1.max - 0.6) < 1e-15);
  strictEqual(ok1.worst.index, 2);
  ok(!checkAmsReconstruction([pair(0.1), pair(0.12), pair(0.65)]).pass); // max must be < 0.65
  ok(!checkAmsReconstruction([pair(0.2), pair(0.2)]).pass); // median 0.2 > 0.15
  throws(() => checkAmsReconstruction([]), RangeError);
  throws(() => checkAmsReconstruction([{ original: [0, 0], decoded: [0, 0] }]), RangeError);
});

Deno.test("checkAmsPrefixShape: counts mismatched dims; a wrong rank counts 3", () => {
  ok(checkAmsPrefixShape([1, 12, 1536], { batch: 1 }).pass);
  strictEqual(checkAmsPrefixShape([1, 12, 768], { batch: 1 }).figure, 1);
  strictEqual(checkAmsPrefixShape([12, 1536], { batch: 1 }).figure, 3);
  ok(checkAmsPrefixShape([3, 8, 64], { batch: 3, L_mem: 8, d_LLM: 64 }).pass);
});
