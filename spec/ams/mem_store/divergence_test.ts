/**
 * Proofs of the store's divergence claims (./claims.ts): invariant 2's pending-dict loophole and
 * invariant 4 never evaluated on the original's store route.
 *
 * @module
 */
import { MemStore } from "../../../impl/ams/mem_store/mem_store.ts";
import { KakeyaRegistry } from "../../../impl/ams/kakeya/kakeya.ts";
import { matrix } from "../../../impl/linalg/matrix.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  checkAmsKakeyaAlignment,
  checkAmsNoRawLargeFields,
} from "../../../invariants/ams_store.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { bundleAxes, LARGE_FIELDS, makeEntry, stackField } from "./_cases.ts";
import { STORE_ALIGNMENT_ROUTE, STORE_PENDING_LOOPHOLE } from "./claims.ts";

/** Writes `n` memories with large fields into a fresh store (the registry not yet built). */
function storeOf(n: number, seed: number): MemStore {
  const s = new MemStore();
  for (let i = 0; i < n; i++) s.add(makeEntry(seed + i));
  return s;
}

/** Builds a registry from the store's pending fields and encodes them, as the write path does. */
function buildRegistry(store: MemStore): KakeyaRegistry {
  const pending = [...store.pendingLargeFields().values()];
  const reg = new KakeyaRegistry({ minEntries: store.cfg.kakeya_min_entries });
  reg.build(Object.fromEntries(LARGE_FIELDS.map((f) => [f, stackField(pending, f)])), bundleAxes());
  store.attachKakeya((f) => reg.encode(f));
  return reg;
}

claimTest(STORE_PENDING_LOOPHOLE, (): Measurement => {
  const store = storeOf(7, 800);
  const ours7 = checkAmsNoRawLargeFields(store.entries()).figure;
  const orig7 = checkAmsNoRawLargeFields(store.entries(), { nested: false }).figure;
  store.add(makeEntry(807));
  buildRegistry(store);
  const ours8 = checkAmsNoRawLargeFields(store.entries()).figure;
  const orig8 = checkAmsNoRawLargeFields(store.entries(), { nested: false }).figure;
  return {
    figure: ours7,
    bound: 21,
    pass: ours7 === 21,
    parts: [
      { name: "original route at n = 7", figure: orig7, bound: 0, direction: "==" },
      { name: "memspec after the build", figure: ours8, bound: 0, direction: "==" },
      { name: "original route after the build", figure: orig8, bound: 0, direction: "==" },
    ],
    detail: `n = 7: memspec flags ${ours7} raw 1536-d fields (pending dict), the original's ` +
      `check ${orig7}; n = 8 after the build: ${ours8} and ${orig8}`,
  };
});

claimTest(STORE_ALIGNMENT_ROUTE, (): Measurement => {
  const store = storeOf(8, 900);
  const reg = buildRegistry(store);
  const axes = bundleAxes();
  const n = store.size;
  const inv4 = (fs: ReturnType<KakeyaRegistry["verifyInvariants"]>) =>
    fs.filter((f) => f.invariant === 4).length;
  const before = checkAmsKakeyaAlignment(reg, axes);
  const origBefore = inv4(reg.verifyInvariants(n));
  // Change set 1's (topic) map after the build without rebuilding it.
  const slot = reg.slots[1]!;
  const rng = new Rng(31);
  const m2 = matrix(slot.map!.rows, slot.map!.cols);
  for (let i = 0; i < m2.data.length; i++) m2.data[i] = rng.normal() / Math.sqrt(slot.map!.rows);
  reg.replaceMap(1, m2);
  const after = checkAmsKakeyaAlignment(reg, axes);
  const flagged = reg.slots.filter((s, i) =>
    s.active && !checkAmsKakeyaAlignment({ slots: [reg.slots[i]!] }, axes).pass
  ).length;
  const origAfter = inv4(reg.verifyInvariants(n));
  const flaggedBefore = before.pass ? 0 : 1;
  return {
    figure: flagged,
    bound: 1,
    pass: flagged >= 1 && !after.pass,
    parts: [
      { name: "sets flagged before the change", figure: flaggedBefore, bound: 0, direction: "==" },
      { name: "original route before", figure: origBefore, bound: 0, direction: "==" },
      { name: "original route after", figure: origAfter, bound: 0, direction: "==" },
    ],
    detail: `alignment error with the axes: ${before.figure.toExponential(2)} after the build, ` +
      `${after.figure.toFixed(3)} (set ${after.worst.set}) after the map changed; the original's ` +
      `route (no axes) reports ${origBefore} then ${origAfter} invariant-4 failures`,
  };
});
