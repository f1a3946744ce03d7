/**
 * Proof of ams.geometry.fixture_parity (./claims.ts) against fixtures/ams/geometry.json.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import {
  connectionGpu,
  geodesicGpu,
  type LinearWeights,
  metricGpu,
  type Mlp3Weights,
  transportGpu,
} from "../../../impl/ams/geometry/geometry.ts";
import { type EncodedArray, f32, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import {
  connectionPoint,
  F64,
  geodesicSolve,
  metricForward,
  slerpOriginal,
  slerpPath,
  transportForward,
} from "../../oracle/ams/geometry.ts";
import { trackedConnection, trackedMetric, trackedTransport } from "./_cases.ts";
import { GEOMETRY_FIXTURE_PARITY } from "./claims.ts";

await initGpu();

type Net = { weight: EncodedArray; bias: EncodedArray }[];
interface GeometryFixture {
  format: string;
  metric: { d: number; net: Net; x: EncodedArray; g: EncodedArray; eigvals: EncodedArray };
  connection: {
    d_base: number;
    d_F: number;
    net: Net;
    x: EncodedArray;
    v: EncodedArray;
    A: EncodedArray;
  };
  transport: { path: EncodedArray; fiber: EncodedArray; states: EncodedArray; interval: number };
  geodesic: {
    xs: EncodedArray;
    xe: EncodedArray;
    n_geo_pts: number;
    steps: number;
    lr: number;
    path: EncodedArray;
    trace: EncodedArray;
  };
  slerp: { a: EncodedArray; b: EncodedArray; dot: EncodedArray; n_pts: number; path: EncodedArray };
}

function net(n: Net, what: string): Mlp3Weights {
  return n.map((l, k): LinearWeights => {
    const weight = Float64Array.from(f32(l.weight, `${what}[${k}].weight`));
    const bias = Float64Array.from(f32(l.bias, `${what}[${k}].bias`));
    return { inF: l.weight.shape[1]!, outF: l.weight.shape[0]!, weight, bias };
  }) as unknown as Mlp3Weights;
}

/** Largest |a − ref|/(tol·(1 + |ref|)). */
function relRatio(a: ArrayLike<number>, ref: ArrayLike<number>, tol: number): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(a[i]! - ref[i]!) / (tol * (1 + Math.abs(ref[i]!)));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}

/** Largest |gpu − ref|/(e + 1e-12·(1 + |ref|)) with e the derived bound of each element. */
function gpuRatio(gpu: ArrayLike<number>, ref: ArrayLike<number>, e: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(gpu[i]! - ref[i]!) / (e[i]! + 1e-12 * (1 + Math.abs(ref[i]!)));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}

claimTest(GEOMETRY_FIXTURE_PARITY, async (): Promise<Measurement> => {
  const { data: fx, integrity } = await loadPinnedJson<GeometryFixture>(
    "fixtures/ams/geometry.json",
    "memspec.ams.geometry.v1",
  );
  const parts: { name: string; figure: number; bound: number; direction: "<=" }[] = [];
  const add = (name: string, figure: number) =>
    parts.push({ name, figure, bound: 1, direction: "<=" });
  // Metric.
  const d = fx.metric.d;
  const metric = { d, net: net(fx.metric.net, "metric.net") };
  const x = f32(fx.metric.x, "metric.x");
  const n = x.length / d;
  const gRef = f64(fx.metric.g, "metric.g");
  add("oracle metric", relRatio(metricForward(metric, Float64Array.from(x), n), gRef, 1e-12));
  const gGpu = await metricGpu(metric, x, n);
  const eMetric: number[] = [];
  for (let r = 0; r < n; r++) {
    eMetric.push(...trackedMetric(metric, x.subarray(r * d, r * d + d)).map((t) => t.e));
  }
  add("GPU metric", gpuRatio(gGpu, gRef, eMetric));
  // Connection.
  const dF = fx.connection.d_F;
  const conn = { dBase: d, dF, metric, net: net(fx.connection.net, "connection.net") };
  const xa = f32(fx.connection.x, "connection.x");
  const va = f32(fx.connection.v, "connection.v");
  const aRef = f64(fx.connection.A, "connection.A");
  const na = xa.length / d;
  const aOra: number[] = [];
  const eA: number[] = [];
  for (let r = 0; r < na; r++) {
    const xr = xa.subarray(r * d, r * d + d);
    const vr = va.subarray(r * d, r * d + d);
    aOra.push(...connectionPoint(F64, conn, Array.from(xr), Array.from(vr)));
    eA.push(...trackedConnection(conn, xr, vr).map((t) => t.e));
  }
  add("oracle connection", relRatio(aOra, aRef, 1e-12));
  add("GPU connection", gpuRatio(await connectionGpu(conn, xa, va, na), aRef, eA));
  // Transport: every state.
  const path = f32(fx.transport.path, "transport.path");
  const fib = f32(fx.transport.fiber, "transport.fiber");
  const sRef = f64(fx.transport.states, "transport.states");
  const B = fib.length / dF;
  const nPts = path.length / (B * d);
  const interval = fx.transport.interval;
  const sOra: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let k = 1; k <= nPts; k++) {
      const sub = Float64Array.from(path.subarray(b * nPts * d, (b * nPts + k) * d));
      const f = Float64Array.from(fib.subarray(b * dF, (b + 1) * dF));
      // transportForward returns the last state: replay each prefix of the path.
      if (k === 1) sOra.push(...f);
      else sOra.push(...transportForward(conn, f, sub, 1, k, interval));
    }
  }
  add("oracle transport states", relRatio(sOra, sRef, 1e-12));
  const gpuT = await transportGpu(conn, fib, path, B, nPts, interval);
  const eT: number[] = [];
  for (let b = 0; b < B; b++) {
    const st = trackedTransport(
      conn,
      fib.subarray(b * dF, (b + 1) * dF),
      path.subarray(b * nPts * d, (b + 1) * nPts * d),
      nPts,
      interval,
    );
    eT.push(...st.flat().map((t) => t.e));
  }
  add("GPU transport states", gpuRatio(gpuT.states, sRef, eT));
  // Geodesic after exactly 5 steps.
  const g = fx.geodesic;
  const xs = f32(g.xs, "geodesic.xs");
  const xe = f32(g.xe, "geodesic.xe");
  const Bg = xs.length / d;
  const settings = { nGeoPts: g.n_geo_pts, maxSteps: g.steps, tol: 1e-5, lr: g.lr };
  const pRef = f64(g.path, "geodesic.path");
  const tRef = f64(g.trace, "geodesic.trace");
  const ora = geodesicSolve(
    metric,
    Float64Array.from(xs),
    Float64Array.from(xe),
    Bg,
    settings,
    g.steps,
  );
  add("oracle geodesic path", relRatio(ora.path, pRef, 1e-9));
  add("oracle geodesic trace", relRatio(ora.trace, tRef, 1e-9));
  const gpuG = await geodesicGpu(metric, xs, xe, Bg, settings);
  add("GPU geodesic path", relRatio(gpuG.path, pRef, 1e-4));
  add("GPU geodesic trace", relRatio(gpuG.trace, tRef, 1e-4));
  add("GPU geodesic steps run", gpuG.iterations === g.steps ? 0 : Infinity);
  // Slerp: the oracle's replay of the original everywhere; memspec's path within the domain.
  const a = f64(fx.slerp.a, "slerp.a");
  const b = f64(fx.slerp.b, "slerp.b");
  const dots = f64(fx.slerp.dot, "slerp.dot");
  const sl = f64(fx.slerp.path, "slerp.path");
  const D = a.length / dots.length;
  const np = fx.slerp.n_pts;
  let orig = 0;
  let mem = 0;
  let inDomain = 0;
  for (let r = 0; r < dots.length; r++) {
    const ar = a.subarray(r * D, (r + 1) * D);
    const br = b.subarray(r * D, (r + 1) * D);
    const ref = sl.subarray(r * np * D, (r + 1) * np * D);
    // libm's acos may differ from torch's by an ulp; 1/sin θ amplifies it near ±1.
    const dc = Math.min(Math.max(dots[r]!, -1 + 1e-7), 1 - 1e-7);
    const cond = Math.max(1, 1 / Math.sin(Math.acos(dc)));
    orig = Math.max(orig, relRatio(slerpOriginal(ar, br, np), ref, 1e-12 * cond));
    if (Math.abs(dots[r]!) <= 1 - 1e-7) {
      mem = Math.max(mem, relRatio(slerpPath(ar, br, np), ref, 1e-9));
      inDomain++;
    }
  }
  add("oracle original slerp", orig);
  add("memspec slerp (in domain)", mem);
  const worst = Math.max(...parts.map((p) => p.figure));
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    parts,
    detail: parts.map((p) => `${p.name} ${p.figure.toExponential(2)}`).join(", ") +
      `; slerp pairs in domain ${inDomain}/${dots.length}; ${integrity}`,
  };
});
