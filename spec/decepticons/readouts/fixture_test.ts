/**
 * The readouts against PyTorch and on the GPU: the f64 oracle on the shipped weights against
 * the fixture (decepticons.readouts.fixture_parity), and the GPU on the same weights rounded
 * to f32 against the oracle within the derived bounds of _bounds.ts
 * (decepticons.readouts.gpu_parity, decepticons.readouts.divergence_band_balance).
 *
 * @module
 */
import { gpu, initGpu, noGrad, readTensors, type Tensor, tensor, tidy } from "../../../impl/mod.ts";
import { buildReadout, type ReadoutSpec } from "../../../impl/decepticons/readouts/readouts.ts";
import { GatedMix } from "../../../impl/decepticons/readouts/gated_mix.ts";
import { BYTE_LM_REFERENCE_FACTOR, FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import { gatedMix, type OracleParams, oracleReadout } from "../../oracle/decepticons/readouts.ts";
import { gatedMixBounds, readoutBounds, type TA } from "./_bounds.ts";
import { loadReadoutsFixture, type ReadoutCase } from "./_fixture.ts";
import { READOUT_BAND_BALANCE, READOUT_FIXTURE, READOUT_GPU_PARITY } from "./claims.ts";

await initGpu();

const { data: fx, integrity } = await loadReadoutsFixture();
const { B, T, V } = fx;
const N = B * T;

/** Worst |a − b| / (FIXTURE_F64_REL·max(|b|, 1)) over the values. */
function fixtureRatio(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(
      worst,
      Math.abs(a[i]! - b[i]!) / (FIXTURE_F64_REL * Math.max(Math.abs(b[i]!), 1)),
    );
  }
  return worst;
}

claimTest(READOUT_FIXTURE, () => {
  let worst = 0;
  let where = "";
  const note = (r: number, what: string) => {
    if (r >= worst) {
      worst = r;
      where = what;
    }
  };
  for (const c of fx.cases) {
    const o = oracleReadout(c.spec, c.params, fx.prefix, c.u, { B, T, F: c.F, V }, fx.embedding);
    note(fixtureRatio(o.logits, c.logits), `${c.name} logits`);
    if ((o.balance === null) !== (c.balance === null)) {
      throw new Error(
        `Cannot compare ${c.name}: the oracle and torch disagree on having a balance`,
      );
    }
    if (c.balance !== null) note(fixtureRatio([o.balance!], [c.balance]), `${c.name} balance`);
  }
  const g = fx.gatedMix;
  const m = gatedMix(g.lin, g.loc, N, V, g.w, g.b, g.localScale);
  note(fixtureRatio(m.gate, g.gate), "gated mix gate");
  note(fixtureRatio(m.logits, g.logits), "gated mix logits");
  const figure = worst * FIXTURE_F64_REL;
  console.log(`readouts.fixture_parity: worst ${formatFigure(worst)} of the bound at ${where}`);
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1 && fx.cases.length === 10,
    detail: `worst |Δ|/max(|torch|,1) = ${figure.toExponential(2)} at ${where}; ` +
      `${fx.cases.length} readout cases + the gated mix; ${integrity}`,
  };
});

/** f32 copies of a case's parameters (as f64 arrays) and features. */
function rounded(c: ReadoutCase): { params: OracleParams; u: Float64Array } {
  const params: OracleParams = {};
  for (const [k, v] of Object.entries(c.params)) {
    params[k] = Float64Array.from(Float32Array.from(v));
  }
  return { params, u: Float64Array.from(Float32Array.from(c.u)) };
}

interface GpuRun {
  logits: Float32Array;
  balance: number | null;
}

/** Runs a fixture case's readout on the GPU with its f32-rounded weights. */
async function runGpu(c: ReadoutCase, params: OracleParams, u: Float64Array): Promise<GpuRun> {
  const r = buildReadout(c.spec as ReadoutSpec, {
    inputDim: c.F,
    vocab: V,
    seed: 1,
    prefix: fx.prefix,
  });
  const made: Tensor[] = [];
  try {
    const names = [...r.parameters.keys()].sort().join();
    const shipped = Object.keys(params).sort().join();
    if (names !== shipped) {
      throw new Error(
        `Cannot load ${c.name}: the readout's parameters [${names}] are not the ` +
          `fixture's [${shipped}]`,
      );
    }
    for (const [name, p] of r.parameters) {
      gpu().device.queue.writeBuffer(p.buffer, 0, Float32Array.from(params[name]!));
    }
    const ut = tensor(Float32Array.from(u), [B, T, c.F]);
    const emb = tensor(Float32Array.from(fx.embedding), [V, fx.embeddingDim]);
    made.push(ut, emb);
    const out = noGrad(() => tidy(() => r.forward(ut, { embedding: emb })));
    made.push(out.logits);
    if (out.balance) made.push(out.balance);
    const read = await readTensors(out.balance ? [out.logits, out.balance] : [out.logits]);
    return { logits: read[0] as Float32Array, balance: out.balance ? read[1]![0]! : null };
  } finally {
    for (const t of made) t.dispose();
    r.dispose();
  }
}

/** Worst |gpu − v| / (e·factor), checking the walk's exact values against the oracle's. */
function ratio(what: string, gpuV: ArrayLike<number>, b: TA, oracle: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < oracle.length; i++) {
    const o = oracle[i]!;
    if (!(Math.abs(b.v[i]! - o) <= 1e-9 * (1 + Math.abs(o)))) {
      throw new Error(
        `Cannot bound ${what}: the walk's value ${b.v[i]} at ${i} is not the oracle's ${o}`,
      );
    }
    const e = b.e[i]! * BYTE_LM_REFERENCE_FACTOR;
    const d = Math.abs(gpuV[i]! - b.v[i]!);
    worst = Math.max(worst, d === 0 ? 0 : d / e);
  }
  return worst;
}

/** Per case: worst logit ratio and balance ratio (the shared run of both GPU claims). */
const runs = new Map<
  string,
  Promise<{ logits: number; balance: number | null; value: number | null }>
>();
function caseRun(c: ReadoutCase) {
  let p = runs.get(c.name);
  if (p === undefined) {
    p = (async () => {
      const { params, u } = rounded(c);
      const emb = Float64Array.from(Float32Array.from(fx.embedding));
      const g = await runGpu(c, params, u);
      const dims = { B, T, F: c.F, V };
      const o = oracleReadout(c.spec, params, fx.prefix, u, dims, emb);
      const b = readoutBounds(c.spec, params, fx.prefix, u, dims, emb);
      const logits = ratio(`${c.name} logits`, g.logits, b.logits, o.logits);
      let balance: number | null = null;
      if (o.balance !== null) {
        balance = ratio(`${c.name} balance`, [g.balance!], {
          v: Float64Array.of(b.balance!.v),
          e: Float64Array.of(b.balance!.e),
        }, [o.balance]);
      }
      return { logits, balance, value: g.balance };
    })();
    runs.set(c.name, p);
  }
  return p;
}

claimTest(READOUT_GPU_PARITY, async () => {
  let worst = 0;
  let where = "";
  const note = (r: number, what: string) => {
    if (r >= worst) {
      worst = r;
      where = what;
    }
  };
  for (const c of fx.cases) {
    const r = await caseRun(c);
    note(r.logits, `${c.name} logits`);
    if (r.balance !== null) note(r.balance, `${c.name} balance`);
  }
  // The gated mix on the fixture's logits.
  const g = fx.gatedMix;
  const lin = Float32Array.from(g.lin);
  const loc = Float32Array.from(g.loc);
  const w = Float32Array.from(g.w);
  const bias = Math.fround(g.b);
  const mix = new GatedMix(g.localScale, { seed: 1, prefix: "mix" });
  const made: Tensor[] = [];
  let read: (Float32Array | Int32Array)[];
  try {
    gpu().device.queue.writeBuffer(mix.parameters.get("mix.gate_w")!.buffer, 0, w);
    gpu().device.queue.writeBuffer(
      mix.parameters.get("mix.gate_b")!.buffer,
      0,
      Float32Array.of(bias),
    );
    const a = tensor(lin, [B, T, V]);
    const b = tensor(loc, [B, T, V]);
    made.push(a, b);
    const out = noGrad(() => tidy(() => mix.forward(a, b)));
    made.push(out.logits, out.gate);
    read = await readTensors([out.gate, out.logits]);
  } finally {
    for (const t of made) t.dispose();
    mix.dispose();
  }
  const o = gatedMix(
    Float64Array.from(lin),
    Float64Array.from(loc),
    N,
    V,
    Float64Array.from(w),
    bias,
    g.localScale,
  );
  const bd = gatedMixBounds(lin, loc, N, V, w, bias, g.localScale);
  note(ratio("gated mix gate", read[0]!, bd.gate, o.gate), "gated mix gate");
  note(ratio("gated mix logits", read[1]!, bd.logits, o.logits), "gated mix logits");
  console.log(`readouts.gpu_parity: worst ratio ${formatFigure(worst)} at ${where}`);
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `worst |gpu - oracle| / bound at ${where}; ${fx.cases.length} readouts + gated mix`,
  };
});

claimTest(READOUT_BAND_BALANCE, async () => {
  let worst = 0;
  let tied = 0;
  const details: string[] = [];
  for (const name of ["bands3_routed_remainder", "bands2_tied_embed"]) {
    const c = fx.cases.find((k) => k.name === name)!;
    const r = await caseRun(c);
    worst = Math.max(worst, r.balance!);
    if (name === "bands2_tied_embed") tied = r.value!;
    details.push(`${name}: L = ${r.value!.toFixed(6)}, ratio ${formatFigure(r.balance!)}`);
  }
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1 && tied > 0,
    detail: details.join("; "),
  };
});
