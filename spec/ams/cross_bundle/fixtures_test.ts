/**
 * Proof of `ams.cross_bundle.fixture_parity`: the oracle and the GPU module against an
 * independent torch 1.13 float64 implementation (fixtures/ams/cross_bundle.json, written by
 * fixtures/gen/ams_cross_bundle_fixtures.py).
 *
 * @module
 */
import { initGpu, liveBufferCount, readTensors, tidy } from "../../../impl/mod.ts";
import { cfg4 } from "../../../impl/ams/config/config.ts";
import {
  CROSS_BUNDLES,
  CrossBundleAttention,
} from "../../../impl/ams/cross_bundle/cross_bundle.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f32, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { type CbBundle, cbForward } from "../../oracle/ams/cross_bundle.ts";
import { dimsOf } from "./_cases.ts";
import { CB_FIXTURE_PARITY } from "./claims.ts";

/** Path of the fixture file. */
export const CB_FIXTURE = "fixtures/ams/cross_bundle.json";

/** The fp32 tolerance of the AMS module fixtures (GPU output vs torch, absolute). */
const FP32_FIXTURE_ATOL = 1e-5;

interface TorchCase {
  name: string;
  dims: Record<string, number>;
  batch: number;
  entries: number;
  params: Record<string, EncodedArray>;
  h: EncodedArray;
  fibers: Record<CbBundle, EncodedArray>;
  mask: boolean[] | null;
  weights: Record<CbBundle, EncodedArray>;
  prefix: EncodedArray;
}

claimTest(CB_FIXTURE_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TorchCase[] }>(
    CB_FIXTURE,
    "memspec.ams.cross_bundle.v1",
  );
  let oracleWorst = 0;
  let oracleWhere = "";
  let gpuWorst = 0;
  let gpuWhere = "";
  let arrays = 0;
  const check = (got: ArrayLike<number>, want: Float64Array, what: string, gpu: boolean) => {
    arrays++;
    if (got.length !== want.length) {
      throw new Error(`${what}: ${got.length} values, torch has ${want.length}`);
    }
    for (let i = 0; i < want.length; i++) {
      const diff = Math.abs(got[i]! - want[i]!);
      if (gpu) {
        const r = Number.isNaN(diff) ? Infinity : diff;
        if (!(r <= gpuWorst)) [gpuWorst, gpuWhere] = [r, `${what}[${i}]`];
      } else {
        const r = diff / (FIXTURE_F64_REL * (1 + Math.abs(want[i]!)));
        if (!(r <= oracleWorst)) {
          [oracleWorst, oracleWhere] = [Number.isNaN(r) ? Infinity : r, `${what}[${i}]`];
        }
      }
    }
  };
  const live = liveBufferCount();
  for (const t of data.cases) {
    const cfg = cfg4(t.dims);
    const p = Object.fromEntries(
      Object.entries(t.params).map(([k, v]) => [k, Float64Array.from(f32(v, `${t.name}.${k}`))]),
    );
    const h = f64(t.h, `${t.name}.h`);
    const fibers = Object.fromEntries(
      CROSS_BUNDLES.map((b) => [b, f64(t.fibers[b], `${t.name}.fibers.${b}`)]),
    ) as Record<CbBundle, Float64Array>;
    const prefix = f64(t.prefix, `${t.name}.prefix`);
    const weights = Object.fromEntries(
      CROSS_BUNDLES.map((b) => [b, f64(t.weights[b], `${t.name}.weights.${b}`)]),
    ) as Record<CbBundle, Float64Array>;
    // The oracle, in f64 on torch's f64 inputs.
    const o = cbForward(dimsOf(cfg, t.batch, t.entries), p, { h, fibers, mask: t.mask });
    check(o.prefix, prefix, `${t.name} oracle prefix`, false);
    for (const b of CROSS_BUNDLES) {
      check(o.weights[b], weights[b], `${t.name} oracle w_${b}`, false);
    }
    // The GPU module, on the f32 roundings of the inputs.
    const m = new CrossBundleAttention({ cfg, weights: p });
    try {
      const outs = tidy(() => {
        const r = m.forward(h, fibers, { mask: t.mask });
        return [r.prefix, r.weights.time, r.weights.topic, r.weights.ctx];
      });
      const vals = await readTensors(outs);
      for (const x of outs) x.dispose();
      check(vals[0]!, prefix, `${t.name} GPU prefix`, true);
      CROSS_BUNDLES.forEach((b, i) =>
        check(vals[1 + i]!, weights[b], `${t.name} GPU w_${b}`, true)
      );
    } finally {
      m.dispose();
    }
  }
  if (liveBufferCount() !== live) throw new Error("the GPU runs leaked buffers");
  const pass = oracleWorst <= 1 && gpuWorst <= FP32_FIXTURE_ATOL;
  return {
    figure: gpuWorst,
    bound: FP32_FIXTURE_ATOL,
    pass,
    parts: [{
      name: "oracle |Δ| / (1e-12·(1 + |torch|))",
      figure: oracleWorst,
      bound: 1,
      direction: "<=",
    }],
    detail: `${data.cases.length} cases, ${arrays} arrays (${integrity}); GPU worst ` +
      `${gpuWhere}, oracle worst ${oracleWhere}`,
  };
});
