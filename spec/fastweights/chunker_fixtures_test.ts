/**
 * Chunker parity with numpy f64 (fixtures/fastweights/chunker.json, written by
 * fixtures/gen/fastweights_chunker_fixtures.py): the fixture carries numpy's
 * draws (parameters, streams, sequences) and the oracle must reproduce every
 * derived array within FIXTURE_F64_REL, masks exactly.
 *
 * @module
 */
import { FIXTURE_F64_REL } from "../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import {
  adamClipStep,
  adamState,
  C22_CLIP,
  c22Dims,
  perStepCe,
  rnnBackward,
  rnnDims,
  rnnForward,
  type RnnLossSpec,
  sgdClipStep,
  softmaxRow,
} from "../oracle/fastweights/chunker.ts";
import { C1200_FIXTURE, C22_FIXTURE } from "./chunker_claims.ts";
import { decode, type EncodedArray, f64, loadFastweightsFixture } from "./fixture_loader.ts";

type Enc = EncodedArray;

interface ChunkerFixture {
  format: string;
  chunker22: {
    a: Enc;
    single: Enc;
    c: Enc;
    stream: Enc;
    logits: Enc;
    pTarget: Enc;
    mask050: Enc;
    mask095: Enc;
    cLabel: number[];
    gradA: Enc;
    gradSingle: Enc;
    gradC: Enc;
    adamA: Enc;
    adamC: Enc;
  };
  chunker1200: {
    a: Enc;
    c: Enc;
    base: Enc;
    seq12: Enc;
    seq1200: Enc;
    ceA: Enc;
    theta: number;
    mask: Enc;
    gradBase: Enc;
    sgdBase: Enc;
    carried: Enc;
    gradAWindow: Enc;
    gradC: Enc;
  };
}

const load = () =>
  loadFastweightsFixture<ChunkerFixture>("chunker.json", "memspec-fastweights-chunker-1");

/** Worst |oracle − numpy| / max(1, |numpy|) and mismatched mask entries, with where. */
class Worst {
  err = 0;
  where = "";
  maskMismatches = 0;
  compared = 0;
  values(what: string, got: ArrayLike<number>, want: ArrayLike<number>) {
    if (got.length !== want.length) {
      throw new TypeError(`Cannot compare ${what}: ${got.length} vs ${want.length} values`);
    }
    for (let i = 0; i < want.length; i++) {
      const e = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
      if (!(e <= this.err)) {
        this.err = Number.isNaN(e) ? Infinity : e;
        this.where = `${what}[${i}]`;
      }
    }
    this.compared += want.length;
  }
  mask(what: string, got: ArrayLike<number>, want: ArrayLike<number>) {
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) this.maskMismatches++;
    this.compared += want.length;
    if (got.length !== want.length) this.maskMismatches += Math.abs(got.length - want.length);
    if (this.maskMismatches) this.where ||= what;
  }
  result(): Measurement {
    return {
      figure: this.err,
      bound: FIXTURE_F64_REL,
      pass: this.err <= FIXTURE_F64_REL && this.maskMismatches === 0,
      detail: `worst at ${this.where}; ${this.compared} values; ${this.maskMismatches} mask ` +
        "mismatches",
    };
  }
}

const ints = (e: Enc, what: string) => Array.from(decode(e, what));

claimTest(C22_FIXTURE, async () => {
  const { data, integrity } = await load();
  const fx = data.chunker22;
  const w = new Worst();
  const dims = c22Dims("chunker");
  const single = c22Dims("single").a;
  const a = f64(fx.a, "a");
  const c = f64(fx.c, "c");
  const stream = ints(fx.stream, "stream");
  const logits = f64(fx.logits, "logits");
  const pT = f64(fx.pTarget, "pTarget");
  const m050 = ints(fx.mask050, "mask050");
  const m095 = ints(fx.mask095, "mask095");
  let h: ArrayLike<number> = new Float64Array(32);
  for (let b = 0; b < 3; b++) {
    const f = rnnForward(dims.a, a, h, stream.slice(b * 21, b * 21 + 21));
    w.values(`logits block ${b}`, f.logits, logits.subarray(b * 21 * 22, (b + 1) * 21 * 22));
    const p = Array.from(
      { length: 21 },
      (_, t) => softmaxRow(f.logits, t, 22)[stream[b * 21 + t + 1]!]!,
    );
    w.values(`p(target) block ${b}`, p, pT.subarray(b * 21, (b + 1) * 21));
    w.mask(
      `mask θ=0.5 block ${b}`,
      p.map((x) => (x < 0.5 ? 1 : 0)),
      m050.slice(b * 21, b * 21 + 21),
    );
    w.mask(
      `mask θ=0.95 block ${b}`,
      p.map((x) => (x < 0.95 ? 1 : 0)),
      m095.slice(b * 21, b * 21 + 21),
    );
    h = f.h.subarray(21 * 32);
  }
  const labels = [0, 1].map((s) => rnnForward(dims.c, c, new Float64Array(32), [s]).label[0]!);
  w.values("C label (a, x)", labels, fx.cLabel);
  const xs = stream.slice(0, 21);
  const ceWeight = Array.from({ length: 21 }, (_, t) => (t < 20 ? 1 : 0));
  const spec: RnnLossSpec = { targets: stream.slice(1, 22), ceWeight };
  const h0 = new Float64Array(32);
  const ga = rnnBackward(dims.a, a, xs, rnnForward(dims.a, a, h0, xs), spec);
  w.values("∂A", ga, f64(fx.gradA, "gradA"));
  const ps = f64(fx.single, "single");
  const lab = new Float64Array(21).fill(NaN);
  lab[20] = xs[0] === 0 ? 1 : 0;
  const sspec = { ...spec, labelTarget: lab };
  w.values(
    "∂single",
    rnnBackward(single, ps, xs, rnnForward(single, ps, h0, xs), sspec),
    f64(fx.gradSingle, "gradSingle"),
  );
  const cspec = { targets: [0], ceWeight: [0], labelTarget: [1] };
  const gc = rnnBackward(dims.c, c, [0], rnnForward(dims.c, c, h0, [0]), cspec);
  w.values("∂C", gc, f64(fx.gradC, "gradC"));
  const a1 = a.slice();
  adamClipStep(a1, ga, adamState(a.length), 1e-2, C22_CLIP);
  w.values("Adam step A", a1, f64(fx.adamA, "adamA"));
  const c1 = c.slice();
  adamClipStep(c1, gc, adamState(c.length), 1e-2, C22_CLIP);
  w.values("Adam step C", c1, f64(fx.adamC, "adamC"));
  const r = w.result();
  return { ...r, detail: `${r.detail}; ${integrity}` };
});

claimTest(C1200_FIXTURE, async () => {
  const { data, integrity } = await load();
  const fx = data.chunker1200;
  const w = new Worst();
  const da = rnnDims(7, 16, 7, 0);
  const dc = rnnDims(7, 8, 7, 0);
  const a = f64(fx.a, "a");
  const base = f64(fx.base, "base");
  const c = f64(fx.c, "c");
  const s = ints(fx.seq1200, "seq1200");
  const s12 = ints(fx.seq12, "seq12");
  const T = s.length;
  const ce = perStepCe(da, rnnForward(da, a, new Float64Array(16), s.slice(0, T - 1)), s.slice(1));
  w.values("A per-step CE (T = 1200)", ce, f64(fx.ceA, "ceA"));
  const mask = Array.from(ce, (v, t) => (t === 0 || v > fx.theta ? 1 : 0));
  w.mask("mask", mask, ints(fx.mask, "mask"));
  const x = s.slice(0, T - 1);
  const spec = { targets: s.slice(1), ceWeight: new Float64Array(T - 1).fill(1) };
  const gb = rnnBackward(da, base, x, rnnForward(da, base, new Float64Array(16), x), spec);
  w.values("∂baseline (1199 steps)", gb, f64(fx.gradBase, "gradBase"));
  const b1 = base.slice();
  sgdClipStep(b1, gb, 0.05 / (T - 1), 5);
  w.values("SGD step baseline", b1, f64(fx.sgdBase, "sgdBase"));
  const win = s.slice(6, 12);
  const wspec = { targets: s.slice(7, 13), ceWeight: new Float64Array(6).fill(1) };
  const carried = f64(fx.carried, "carried");
  w.values(
    "∂A window",
    rnnBackward(da, a, win, rnnForward(da, a, carried, win), wspec),
    f64(fx.gradAWindow, "gradAWindow"),
  );
  const cx = [s12[0]!, s12[10]!];
  const cspec = { targets: [s12[1]!, s12[11]!], ceWeight: [1, 1] };
  w.values(
    "∂C pair",
    rnnBackward(dc, c, cx, rnnForward(dc, c, new Float64Array(8), cx), cspec),
    f64(fx.gradC, "gradC"),
  );
  const r = w.result();
  return { ...r, detail: `${r.detail}; ${integrity}` };
});
