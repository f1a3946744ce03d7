/**
 * Proof of `ams.encoders.fixture_parity`: the oracle and the GPU encoders against an
 * independent torch 1.13 float64 implementation (fixtures/ams/encoders.json, written by
 * fixtures/gen/ams_encoders_fixtures.py).
 *
 * @module
 */
import { initGpu, readTensors, tidy } from "../../../impl/mod.ts";
import {
  ContextEncoder,
  type EncoderOutput,
  idfCentroid,
  TimeEncoder,
  timeFourierFeatures,
  timeFrequencies,
  TopicEncoder,
} from "../../../impl/ams/encoders/encoders.ts";
import { cfg4 } from "../../../impl/ams/config/config.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f32, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  contextBackward,
  ENC_F64,
  type EncDims,
  type EncGrads,
  type EncOut,
  timeBackward,
  topicBackward,
} from "../../oracle/ams/encoders.ts";
import { ENC_FIXTURE_PARITY } from "./claims.ts";

/** Path of the fixture file. */
export const ENC_FIXTURE = "fixtures/ams/encoders.json";

/** The fp32 tolerance of the AMS module fixtures (GPU output vs torch, absolute). */
const FP32_FIXTURE_ATOL = 1e-5;

interface TorchCase {
  name: string;
  encoder: "time" | "topic" | "context";
  d_LLM: number;
  batch: number;
  params: Record<string, EncodedArray>;
  h: EncodedArray;
  time_scalars?: EncodedArray;
  surprise?: EncodedArray;
  freqs?: EncodedArray;
  fourier?: EncodedArray;
  /** One i32 array per row (ragged; an empty list is shape [0]). */
  token_ids?: EncodedArray[];
  vocab?: number;
  wte_normed?: EncodedArray;
  idf?: EncodedArray;
  centroids?: EncodedArray;
  turns?: number;
  session_summary?: EncodedArray;
  prev_turns?: EncodedArray;
  grad_base: EncodedArray;
  grad_fiber: EncodedArray;
  grad_dirn: EncodedArray;
  base: EncodedArray;
  fiber: EncodedArray;
  dirn: EncodedArray;
  grad_h: EncodedArray;
  grad_session_summary?: EncodedArray;
  grad_prev_turns?: EncodedArray;
  grad_params: Record<string, EncodedArray>;
}

claimTest(ENC_FIXTURE_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TorchCase[] }>(
    ENC_FIXTURE,
    "memspec.ams.encoders.v1",
  );
  let oracleWorst = 0;
  let oracleWhere = "";
  let gpuWorst = 0;
  let gpuWhere = "";
  let arrays = 0;
  const ratio = (got: ArrayLike<number>, want: Float64Array, what: string) => {
    arrays++;
    if (got.length !== want.length) {
      throw new Error(`${what}: ${got.length} values, torch has ${want.length}`);
    }
    for (let i = 0; i < want.length; i++) {
      const r = Math.abs(got[i]! - want[i]!) / (FIXTURE_F64_REL * (1 + Math.abs(want[i]!)));
      if (!(r <= oracleWorst)) {
        oracleWorst = Number.isNaN(r) ? Infinity : r;
        oracleWhere = `${what}[${i}]`;
      }
    }
  };
  for (const t of data.cases) {
    const B = t.batch;
    const d = t.d_LLM;
    const p = Object.fromEntries(
      Object.entries(t.params).map(([k, v]) => [k, Float64Array.from(f32(v, `${t.name}.${k}`))]),
    );
    const g: EncDims = { B, d };
    const up = {
      base: f64(t.grad_base, "grad_base"),
      fiber: f64(t.grad_fiber, "grad_fiber"),
      dirn: f64(t.grad_dirn, "grad_dirn"),
    };
    const h = f64(t.h, `${t.name}.h`);
    let o: { out: EncOut<number>; grads: EncGrads<number> };
    let cfg;
    let gpu: (() => EncoderOutput) | null = null;
    let module: TimeEncoder | TopicEncoder | ContextEncoder;
    if (t.encoder === "time") {
      const s = f64(t.time_scalars!, "time_scalars");
      const ff = f64(t.fourier!, "fourier");
      // memspec's host features and frequencies against torch's float64 ones.
      ratio(timeFrequencies(4), f64(t.freqs!, "freqs"), `${t.name} freqs`);
      ratio(timeFourierFeatures(s, B, 8), ff, `${t.name} fourier`);
      const sig = f64(t.surprise!, "surprise");
      o = timeBackward(ENC_F64, g, p, { h, ff, surprise: sig }, up);
      cfg = cfg4({ d_LLM: d });
      const m = new TimeEncoder({ cfg, weights: p });
      module = m;
      gpu = () => m.forward(h, { timeScalars: s, surprise: sig });
    } else if (t.encoder === "topic") {
      const V = t.vocab!;
      const wte = Float64Array.from(f64(t.wte_normed!, "wte"));
      const idf = t.idf ? f64(t.idf, "idf") : null;
      const c = f64(t.centroids!, "centroids");
      if (t.token_ids!.length !== B) {
        throw new SyntaxError(
          `Cannot read ${ENC_FIXTURE} ${t.name}.token_ids: expected ${B} id lists ` +
            `but got ${t.token_ids!.length}`,
        );
      }
      const tokenIds = t.token_ids!.map((a, b) => ints(a, `${t.name}.token_ids[${b}]`));
      const mine = new Float64Array(B * d);
      tokenIds.forEach((l, b) => mine.set(idfCentroid(l, wte, V, d, idf), b * d));
      ratio(mine, c, `${t.name} centroids`);
      o = topicBackward(ENC_F64, g, p, { h, c }, up);
      cfg = cfg4({ d_LLM: d });
      const m = new TopicEncoder({ cfg, weights: p });
      module = m;
      // B = 1 cases go through the flat-list form of the input contract.
      const ids = B === 1 ? tokenIds[0]! : tokenIds;
      gpu = () => m.forward(h, { tokenIds: ids, wteNormed: wte, idf });
    } else {
      const T = t.turns!;
      const session = f64(t.session_summary!, "session");
      const prev = T > 0 ? f64(t.prev_turns!, "prev") : new Float64Array(0);
      o = contextBackward(ENC_F64, g, p, { h, session, prev, T }, up);
      ratio(o.grads.session!, f64(t.grad_session_summary!, "grad_session"), `${t.name} grad s`);
      if (T > 0) ratio(o.grads.prev!, f64(t.grad_prev_turns!, "grad_prev"), `${t.name} grad prev`);
      cfg = cfg4({ d_LLM: d });
      const m = new ContextEncoder({ cfg, weights: p });
      module = m;
      gpu = () => m.forward(h, { sessionSummary: session, prevTurns: T > 0 ? prev : null });
    }
    ratio(o.out.base, f64(t.base, "base"), `${t.name} base`);
    ratio(o.out.fiber, f64(t.fiber, "fiber"), `${t.name} fiber`);
    ratio(o.out.dirn, f64(t.dirn, "dirn"), `${t.name} dirn`);
    ratio(o.grads.h, f64(t.grad_h, "grad_h"), `${t.name} grad h`);
    for (const [k, v] of Object.entries(t.grad_params)) {
      ratio(o.grads.params[k]!, f64(v, k), `${t.name} grad ${k}`);
    }
    const outs = tidy(() => {
      const r = gpu!();
      return [r.base, r.fiber, r.dirn];
    });
    const vals = await readTensors(outs) as Float32Array[];
    for (const x of new Set(outs)) x.dispose();
    module.dispose();
    (["base", "fiber", "dirn"] as const).forEach((k, i) => {
      const want = f64(t[k], k);
      for (let j = 0; j < want.length; j++) {
        const e = Math.abs(vals[i]![j]! - want[j]!);
        if (!(e <= gpuWorst)) {
          gpuWorst = Number.isNaN(e) ? Infinity : e;
          gpuWhere = `${t.name} ${k}[${j}]`;
        }
      }
    });
  }
  return {
    figure: oracleWorst,
    bound: 1,
    pass: oracleWorst <= 1 && gpuWorst <= FP32_FIXTURE_ATOL,
    parts: [{
      name: "GPU outputs vs torch (max abs)",
      figure: gpuWorst,
      bound: FP32_FIXTURE_ATOL,
      direction: "<=",
    }],
    detail: `${data.cases.length} torch cases, ${arrays} arrays against the oracle and the host ` +
      `features (${integrity}); worst |Δ|/(1e-12·(1 + |torch|)) ${oracleWorst.toPrecision(3)} ` +
      `(${oracleWhere}); GPU base/fiber/dirn vs torch max abs ${gpuWorst.toExponential(2)} ` +
      `(${gpuWhere})`,
  };
});
