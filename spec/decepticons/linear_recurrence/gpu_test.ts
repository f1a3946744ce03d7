/**
 * GPU claims of the linear recurrence: both forms
 * against the f64 sequential oracle within the ledger's derived bound, fuzzed
 * over sizes, gates and chunk lengths, plus fixed T = 4096 cases; carrying
 * state across calls; causality impulses in every forward and backward
 * kernel; gradients against the oracle's analytic backward; stability; op
 * validation; parity with the numpy fixtures; the frozen bank as a scan.
 *
 * Every GPU element is compared with |gpu − f64| ≤ γ_k·m_t (+ flush slack):
 * k from the ledger's `scanRoundingPath` for the form, m_t the magnitude
 * companion Σ_s |Π a|·|b_s| of that element (the modulus for complex values).
 *
 * @module
 */
import fc from "fast-check";
import {
  add,
  backward,
  initGpu,
  mul,
  readTensors,
  sum,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { recordedWork } from "../../../impl/gpu/batch.ts";
import {
  linearRecurrence,
  type LinearRecurrenceOptions,
  type ScanMethod,
} from "../../../impl/decepticons/linear_recurrence/linear_recurrence.ts";
import {
  buildDecayBank,
  CAUSAL_BANK_DEFAULTS,
} from "../../../impl/decepticons/causal_bank/config.ts";
import {
  recurrenceBackward,
  type RecurrenceDims,
  recurrenceForward,
  recurrenceMagnitude,
} from "../../oracle/decepticons/linear_recurrence.ts";
import { kernelApply } from "../../oracle/decepticons/causal_bank.ts";
import {
  F32_MIN_NORMAL,
  FIXTURE_F64_REL,
  gamma32,
  scanAtol,
  scanRoundingPath,
  U32,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { Comparison, differential, jointly, type NamedCase } from "../../_harness/differential.ts";
import { type EncodedArray, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { BANK_KERNEL_SCAN } from "../causal_bank/claims.ts";
import {
  SCAN_CAUSALITY,
  SCAN_CHUNKED,
  SCAN_FIXTURES,
  SCAN_GRADIENTS,
  SCAN_SEQUENTIAL,
  SCAN_STABILITY,
  SCAN_STATE_CARRY,
  SCAN_VALIDATION,
} from "./claims.ts";

await initGpu();

/** The gates every parity claim must cover. */
const GATE_SET = [0.18, 0.5, 0.5623, 0.6, 0.97, 1.0];

/** A recurrence case: sizes and f32 inputs ([B, T, C]·w). */
interface ScanCase extends RecurrenceDims {
  a: Float32Array;
  b: Float32Array;
  init: Float32Array | null;
}

/** One scan form: the options passed to linearRecurrence. */
interface Form {
  method: ScanMethod;
  chunk: number;
  segment?: number;
}

function label(f: Form): string {
  return f.method === "sequential"
    ? `sequential(seg ${f.segment ?? "max"})`
    : `chunked(K ${f.chunk})`;
}

/** Recursion depth of the chunked form over T steps (levels that are chunked). */
function chunkLevels(T: number, K: number): number {
  let n = T;
  let k = Math.min(K, T);
  let levels = 0;
  while (true) {
    levels++;
    const nC = Math.ceil(n / k);
    if (nC <= 1) return levels;
    const sub = Math.max(k, 2);
    if (nC <= sub) return levels;
    n = nC;
    k = sub;
  }
}

/** Rounding path k of logical step s for a form over T steps. */
function pathOf(form: Form, T: number, s: number, complex: boolean): number {
  return scanRoundingPath(s, {
    chunk: form.method === "sequential" ? null : Math.min(form.chunk, T),
    levels: form.method === "sequential" ? 0 : chunkLevels(T, form.chunk),
    complex,
  });
}

/** Per-number forward bounds of a case under a form. */
function forwardBounds(cs: ScanCase, form: Form, stepOffset = 0, extraPath = 0): Float64Array {
  const m = recurrenceMagnitude(cs, cs.a, cs.b, cs.init);
  const out = new Float64Array(m.length * cs.w);
  for (let bi = 0; bi < cs.nb; bi++) {
    for (let t = 0; t < cs.T; t++) {
      const k = pathOf(form, cs.T, t, cs.w === 2) + extraPath;
      for (let c = 0; c < cs.C; c++) {
        const e = (bi * cs.T + t) * cs.C + c;
        const atol = scanAtol(k, m[e]!, t + stepOffset);
        for (let j = 0; j < cs.w; j++) out[e * cs.w + j] = atol;
      }
    }
  }
  return out;
}

function shapeOf(cs: RecurrenceDims): number[] {
  return cs.w === 2 ? [cs.nb, cs.T, cs.C, 2] : [cs.nb, cs.T, cs.C];
}

function stateShape(cs: RecurrenceDims): number[] {
  return cs.w === 2 ? [cs.nb, cs.C, 2] : [cs.nb, cs.C];
}

function optionsOf(cs: RecurrenceDims, form: Form, init?: Tensor): LinearRecurrenceOptions {
  return {
    method: form.method,
    chunk: form.chunk,
    complex: cs.w === 2,
    ...(form.segment ? { maxStepsPerDispatch: form.segment } : {}),
    ...(init ? { initialState: init } : {}),
  };
}

/** Runs every form on a case with one readback: [h, final] per form. */
async function runForms(cs: ScanCase, forms: readonly Form[]): Promise<Float32Array[][]> {
  const owned: Tensor[] = [];
  try {
    const a = tensor(cs.a, shapeOf(cs));
    const b = tensor(cs.b, shapeOf(cs));
    owned.push(a, b);
    const init = cs.init ? tensor(cs.init, stateShape(cs)) : undefined;
    if (init) owned.push(init);
    const outs: Tensor[] = [];
    for (const f of forms) {
      const { h, finalState } = linearRecurrence(a, b, optionsOf(cs, f, init));
      owned.push(h, finalState);
      outs.push(h, finalState);
    }
    const vals = (await readTensors(outs)) as Float32Array[];
    return forms.map((_, i) => [vals[2 * i]!, vals[2 * i + 1]!]);
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** Final-state bounds: the last step's bounds. */
function finalBounds(cs: ScanCase, fwd: Float64Array): Float64Array {
  const out = new Float64Array(cs.nb * cs.C * cs.w);
  for (let bi = 0; bi < cs.nb; bi++) {
    for (let j = 0; j < cs.C * cs.w; j++) {
      out[bi * cs.C * cs.w + j] = fwd[((bi * cs.T + cs.T - 1) * cs.C) * cs.w + j]!;
    }
  }
  return out;
}

/** Adds each form's h and final state against the f64 recurrence to `c`. */
async function compareForms(
  c: Comparison,
  cs: ScanCase,
  forms: readonly Form[],
): Promise<Comparison> {
  const ref = recurrenceForward(cs, cs.a, cs.b, cs.init);
  const got = await runForms(cs, forms);
  forms.forEach((f, i) => {
    const fb = forwardBounds(cs, f);
    c.add(`${label(f)} h`, got[i]![0]!, ref.h, fb);
    c.add(`${label(f)} final`, got[i]![1]!, ref.final, finalBounds(cs, fb));
  });
  return c;
}

/** Deterministic pseudo-random numbers for fixed cases. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Gate per channel: c < GATE_SET.length uses the fixed gates, others random in [0.18, 1]. */
function makeCase(
  nb: number,
  T: number,
  C: number,
  complex: boolean,
  seed: number,
  gateOf: (c: number, r: () => number) => number,
  withInit: boolean,
): ScanCase {
  const w: 1 | 2 = complex ? 2 : 1;
  const r = lcg(seed);
  const a = new Float32Array(nb * T * C * w);
  const b = new Float32Array(nb * T * C * w);
  for (let i = 0; i < nb * T * C; i++) {
    const c = i % C;
    const g = gateOf(c, r);
    if (complex) {
      const th = 2 * Math.PI * r();
      a[2 * i] = g * Math.cos(th);
      a[2 * i + 1] = g * Math.sin(th);
      b[2 * i] = 2 * r() - 1;
      b[2 * i + 1] = 2 * r() - 1;
    } else {
      a[i] = g;
      b[i] = 2 * r() - 1;
    }
  }
  const init = withInit ? Float32Array.from({ length: nb * C * w }, () => 2 * r() - 1) : null;
  return { nb, T, C, w, a, b, init };
}

const fixedGate = (c: number, r: () => number) =>
  c < GATE_SET.length ? GATE_SET[c]! : 0.18 + 0.82 * r();

const caseArb = fc.record({
  nb: fc.integer({ min: 1, max: 2 }),
  T: fc.oneof(fc.constantFrom(1, 2, 31, 32, 33, 64, 97), fc.integer({ min: 1, max: 300 })),
  C: fc.integer({ min: 1, max: 8 }),
  complex: fc.boolean(),
  withInit: fc.boolean(),
  seed: fc.nat(),
  chunk: fc.oneof(fc.constantFrom(1, 2, 7, 32, 64), fc.integer({ min: 1, max: 80 })),
  segment: fc.integer({ min: 1, max: 320 }),
});

/** A fuzzed recurrence case: sizes, gate layout seed, chunk and segment. */
type FuzzScan = typeof caseArb extends fc.Arbitrary<infer S> ? S : never;

/** A fixed case: a built problem and the forms it runs. */
interface FixedScan {
  readonly cs: ScanCase;
  readonly forms: readonly Form[];
}

function fuzzName(p: FuzzScan, T = p.T): string {
  return `fuzz T=${T} C=${p.C} nb=${p.nb} complex=${p.complex} init=${p.withInit} ` +
    `seed=${p.seed} chunk=${p.chunk} segment=${p.segment}`;
}

function fuzzClaim(methodOf: (chunk: number, segment: number) => Form[], detail: string) {
  return async (t: Deno.TestContext) => {
    let nonDividing = 0;
    // Fixed big cases: T = 4096, one channel per fixed gate plus random ones.
    const cases: NamedCase<FixedScan | FuzzScan>[] = [];
    for (const complex of [false, true]) {
      const cs = makeCase(1, 4096, 8, complex, complex ? 2 : 1, fixedGate, true);
      for (const form of methodOf(32, 1000).concat(methodOf(100, 4096))) {
        const name = `T=4096 ${complex ? "complex" : "real"} ${label(form)}`;
        cases.push({ name, input: { cs, forms: [form] } });
      }
    }
    const m = await differential<FixedScan | FuzzScan>(t, {
      cases,
      fuzz: { arbitrary: caseArb, name: (p) => "cs" in p ? "" : fuzzName(p) },
      ...jointly((input) => {
        if ("cs" in input) return compareForms(new Comparison(), input.cs, input.forms);
        const p = input;
        if (p.T % p.chunk !== 0) nonDividing++;
        const cs = makeCase(p.nb, p.T, p.C, p.complex, p.seed, fixedGate, p.withInit);
        return compareForms(new Comparison(), cs, methodOf(p.chunk, p.segment));
      }),
    });
    return {
      ...m,
      detail: `${m.detail}; fuzzed cases with chunks not dividing T: ${nonDividing}; ${detail}`,
    };
  };
}

claimTest(
  SCAN_SEQUENTIAL,
  fuzzClaim(
    (_chunk, segment) => [{ method: "sequential", chunk: 32, segment }],
    "segments of 1..320 steps per dispatch",
  ),
);

claimTest(
  SCAN_CHUNKED,
  fuzzClaim((chunk) => [{ method: "chunked", chunk }], "chunks 1..80 (and 32, 100 at T=4096)"),
);

/** A state-carry case: T steps split in two calls at `split`. */
interface SplitCase {
  readonly T: number;
  readonly split: number;
  readonly complex: boolean;
  readonly form: Form;
}

claimTest(SCAN_STATE_CARRY, async (t) => {
  const cases: NamedCase<SplitCase>[] = [];
  for (const complex of [false, true]) {
    for (const [T, split] of [[300, 113], [97, 1], [64, 32]] as const) {
      for (
        const form of [{ method: "sequential", chunk: 32 }, {
          method: "chunked",
          chunk: 7,
        }] as Form[]
      ) {
        const name = `T=${T} split ${split} ${label(form)} ${complex ? "complex" : "real"}`;
        cases.push({ name, input: { T, split, complex, form } });
      }
    }
  }
  return await differential(t, {
    cases,
    ...jointly<SplitCase>(async ({ T, split, complex, form }) => {
      const out = new Comparison();
      const cs = makeCase(2, T, 5, complex, T + split, fixedGate, true);
      const w = cs.w;
      const sliceCase = (t0: number, t1: number, init: Float32Array | null): ScanCase => ({
        ...cs,
        T: t1 - t0,
        a: sliceSteps(cs, cs.a, t0, t1),
        b: sliceSteps(cs, cs.b, t0, t1),
        init,
      });
      const [[hAll, fAll]] = (await runForms(cs, [form])) as [[Float32Array, Float32Array]];
      const first = sliceCase(0, split, cs.init);
      const [[h1, f1]] = (await runForms(first, [form])) as [[Float32Array, Float32Array]];
      const second = sliceCase(split, T, f1);
      const [[h2, f2]] = (await runForms(second, [form])) as [[Float32Array, Float32Array]];
      const joined = joinSteps(cs, h1, split, h2);
      if (form.method === "sequential") {
        // The sequential form's split run is the one call bit for bit (signed zeros too).
        let differing = 0;
        joined.forEach((x, i) => differing += Object.is(x, hAll[i]!) ? 0 : 1);
        f2.forEach((x, i) => differing += Object.is(x, fAll[i]!) ? 0 : 1);
        out.add("values differing from the one call", [differing], [0], 0);
      }
      // Both against the f64 recurrence: the second call's path adds the first's.
      const ref = recurrenceForward(cs, cs.a, cs.b, cs.init);
      const m = recurrenceMagnitude(cs, cs.a, cs.b, cs.init);
      const k1 = pathOf(form, split, split - 1, complex);
      const atol = new Float64Array(joined.length);
      for (let bi = 0; bi < cs.nb; bi++) {
        for (let t = 0; t < T; t++) {
          const k = t < split
            ? pathOf(form, split, t, complex)
            : k1 + pathOf(form, T - split, t - split, complex);
          for (let c = 0; c < cs.C; c++) {
            const e = (bi * T + t) * cs.C + c;
            for (let j = 0; j < w; j++) atol[e * w + j] = scanAtol(k, m[e]!, t);
          }
        }
      }
      out.add("joined h", joined, ref.h, atol);
      return out;
    }),
  });
});

function sliceSteps(cs: RecurrenceDims, x: Float32Array, t0: number, t1: number): Float32Array {
  const row = cs.C * cs.w;
  const out = new Float32Array(cs.nb * (t1 - t0) * row);
  for (let bi = 0; bi < cs.nb; bi++) {
    out.set(x.subarray((bi * cs.T + t0) * row, (bi * cs.T + t1) * row), bi * (t1 - t0) * row);
  }
  return out;
}

function joinSteps(cs: RecurrenceDims, h1: Float32Array, split: number, h2: Float32Array) {
  const row = cs.C * cs.w;
  const out = new Float32Array(cs.nb * cs.T * row);
  const T2 = cs.T - split;
  for (let bi = 0; bi < cs.nb; bi++) {
    out.set(h1.subarray(bi * split * row, (bi + 1) * split * row), bi * cs.T * row);
    out.set(h2.subarray(bi * T2 * row, (bi + 1) * T2 * row), (bi * cs.T + split) * row);
  }
  return out;
}

/** Runs forward and backward of L = Σ G·h + Σ GF·final; returns h, grads of a, b, init. */
async function runGrad(
  cs: ScanCase,
  form: Form,
  G: Float32Array,
  GF: Float32Array | null,
): Promise<{ h: Float32Array; da: Float32Array; db: Float32Array; dinit: Float32Array | null }> {
  const a = tensor(cs.a, shapeOf(cs), { requiresGrad: true });
  const b = tensor(cs.b, shapeOf(cs), { requiresGrad: true });
  const init = cs.init ? tensor(cs.init, stateShape(cs), { requiresGrad: true }) : undefined;
  try {
    const h = tidy(() => {
      const { h, finalState } = linearRecurrence(a, b, optionsOf(cs, form, init));
      let loss = sum(mul(h, tensor(G, shapeOf(cs))));
      if (GF) loss = add(loss, sum(mul(finalState, tensor(GF, stateShape(cs)))));
      backward(loss);
      return h;
    });
    const outs = [h, a.grad!, b.grad!, ...(init ? [init.grad!] : [])];
    const vals = (await readTensors(outs)) as Float32Array[];
    h.dispose();
    return { h: vals[0]!, da: vals[1]!, db: vals[2]!, dinit: init ? vals[3]! : null };
  } finally {
    a.dispose();
    b.dispose();
    init?.dispose();
  }
}

/** Modulus of element e of x (w numbers per element). */
function modAt(x: ArrayLike<number>, e: number, w: 1 | 2): number {
  return w === 1 ? Math.abs(x[e]!) : Math.hypot(x[2 * e]!, x[2 * e + 1]!);
}

/** Adds the gradients of a, b (and init) through `form` against the f64 backward to `c`. */
async function compareGrad(c: Comparison, cs: ScanCase, form: Form, withFinal: boolean) {
  const { nb, T, C, w } = cs;
  const r = lcg(cs.T * 7 + cs.C);
  const G = Float32Array.from({ length: nb * T * C * w }, () => 2 * r() - 1);
  const GF = withFinal ? Float32Array.from({ length: nb * C * w }, () => 2 * r() - 1) : null;
  const got = await runGrad(cs, form, G, GF);
  const ref = recurrenceBackward(cs, cs.a, cs.b, cs.init, G, GF);
  // Magnitudes: the forward companion m_h and the adjoint's mλ_t = |g_t| + |a_{t+1}|·mλ_{t+1}.
  const mh = recurrenceMagnitude(cs, cs.a, cs.b, cs.init);
  const fb = forwardBounds(cs, form);
  const mg = new Float64Array(nb * T * C);
  const eg = new Float64Array(nb * T * C);
  const cm = w === 2 ? 3 : 1;
  for (let bi = 0; bi < nb; bi++) {
    for (let c = 0; c < C; c++) {
      let x = 0;
      for (let t = T - 1; t >= 0; t--) {
        const e = (bi * T + t) * C + c;
        if (t + 1 < T) x *= modAt(cs.a, e + C, w);
        x += modAt(G, e, w) + (t === T - 1 && GF ? modAt(GF, bi * C + c, w) : 0);
        mg[e] = x;
        eg[e] = scanAtol(pathOf(form, T, T - 1 - t, w === 2), x, T - 1 - t);
      }
    }
  }
  const bda = new Float64Array(nb * T * C * w);
  const bdb = new Float64Array(nb * T * C * w);
  const bdi = new Float64Array(nb * C * w);
  for (let bi = 0; bi < nb; bi++) {
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < T; t++) {
        const e = (bi * T + t) * C + c;
        const hp = t > 0 ? mh[e - C]! : cs.init ? modAt(cs.init, bi * C + c, w) : 0;
        const ehp = t > 0 ? fb[(e - C) * w]! : 0;
        const el = eg[e]!;
        const ml = mg[e]!;
        const da = el * (hp + ehp) + ml * ehp + cm * U32 * (ml + el) * (hp + ehp) +
          2 * F32_MIN_NORMAL;
        for (let j = 0; j < w; j++) {
          bda[e * w + j] = da;
          bdb[e * w + j] = el;
        }
      }
      const e0 = bi * T * C + c;
      const a0 = modAt(cs.a, e0, w);
      const di = eg[e0]! * a0 + cm * U32 * a0 * (mg[e0]! + eg[e0]!) + 2 * F32_MIN_NORMAL;
      for (let j = 0; j < w; j++) bdi[(bi * C + c) * w + j] = di;
    }
  }
  const what = label(form);
  c.add(`${what} da`, got.da, ref.da, bda);
  c.add(`${what} db`, got.db, ref.db, bdb);
  if (got.dinit) c.add(`${what} dinit`, got.dinit, ref.dinit, bdi);
  return c;
}

/** A fixed gradient case: a built problem and the form it runs. */
interface FixedGrad {
  readonly cs: ScanCase;
  readonly form: Form;
}

claimTest(SCAN_GRADIENTS, async (t) => {
  const cases: NamedCase<FixedGrad | [FuzzScan, boolean]>[] = [];
  for (const complex of [false, true]) {
    const cs = makeCase(1, 4096, 6, complex, 5, fixedGate, true);
    for (
      const form of [{ method: "sequential", chunk: 32 }, { method: "chunked", chunk: 32 }, {
        method: "chunked",
        chunk: 100,
      }] as Form[]
    ) {
      cases.push({
        name: `T=4096 ${complex ? "complex" : "real"} ${label(form)}`,
        input: { cs, form },
      });
    }
  }
  const m = await differential<FixedGrad | [FuzzScan, boolean]>(t, {
    cases,
    // Every fuzzed case through both forms (a property must not depend on the run count).
    fuzz: {
      arbitrary: fc.tuple(caseArb, fc.boolean()),
      name: (x) => Array.isArray(x) ? `${fuzzName(x[0], Math.min(x[0].T, 120))} final=${x[1]}` : "",
    },
    ...jointly(async (input) => {
      if (!Array.isArray(input)) return compareGrad(new Comparison(), input.cs, input.form, true);
      const [p, withFinal] = input;
      const T = Math.min(p.T, 120);
      const cs = makeCase(p.nb, T, p.C, p.complex, p.seed, fixedGate, p.withInit);
      const c = new Comparison();
      await compareGrad(c, cs, { method: "chunked", chunk: p.chunk }, withFinal);
      return compareGrad(c, cs, { method: "sequential", chunk: 32, segment: p.segment }, withFinal);
    }),
  });
  return { ...m, detail: `${m.detail}; fuzzed cases through both forms` };
});

claimTest(SCAN_CAUSALITY, async () => {
  // Forward: perturb b (and a) at t0; every state before t0 must be bit-identical.
  // Backward: perturb the upstream gradient at t0; every gradient after t0 must be identical.
  let violations = 0;
  let checked = 0;
  const forms: Form[] = [
    { method: "sequential", chunk: 32 },
    { method: "sequential", chunk: 32, segment: 5 },
    { method: "chunked", chunk: 7 },
    { method: "chunked", chunk: 32 },
    { method: "chunked", chunk: 1 },
  ];
  for (const complex of [false, true]) {
    const T = 96;
    const t0 = 41;
    const cs = makeCase(1, T, 4, complex, 9, fixedGate, true);
    const w = cs.w;
    const pert = { ...cs, a: Float32Array.from(cs.a), b: Float32Array.from(cs.b) };
    for (let c = 0; c < cs.C * w; c++) {
      pert.b[t0 * cs.C * w + c] = pert.b[t0 * cs.C * w + c]! + 1000;
      pert.a[t0 * cs.C * w + c] = pert.a[t0 * cs.C * w + c]! * 0.5;
    }
    const base = await runForms(cs, forms);
    const moved = await runForms(pert, forms);
    forms.forEach((_, i) => {
      const n = t0 * cs.C * w;
      for (let j = 0; j < n; j++) {
        checked++;
        if (!Object.is(base[i]![0]![j], moved[i]![0]![j])) violations++;
      }
      // The impulse itself must show at t0 (the test can see an effect).
      if (base[i]![0]![n] === moved[i]![0]![n]) violations++;
    });
    const r = lcg(3);
    const G = Float32Array.from({ length: T * cs.C * w }, () => 2 * r() - 1);
    const G2 = Float32Array.from(G);
    for (let c = 0; c < cs.C * w; c++) G2[t0 * cs.C * w + c] = G2[t0 * cs.C * w + c]! + 1000;
    for (const form of forms) {
      const g1 = await runGrad(cs, form, G, null);
      const g2 = await runGrad(cs, form, G2, null);
      for (const key of ["da", "db"] as const) {
        for (let j = (t0 + 1) * cs.C * w; j < T * cs.C * w; j++) {
          checked++;
          if (!Object.is(g1[key][j], g2[key][j])) violations++;
        }
      }
    }
  }
  return {
    figure: violations,
    bound: 0,
    pass: violations === 0,
    detail: `${checked} values before t0 = 41 (forward) or after it (backward), real and ` +
      `complex, forms: ${forms.map(label).join(", ")}`,
  };
});

claimTest(SCAN_STABILITY, async () => {
  let worstRatio = 0;
  let detail = "";
  for (const complex of [false, true]) {
    for (const keepMax of [0.5, 0.97]) {
      const cs = makeCase(2, 1000, 6, complex, 17, (_c, r) => keepMax * r(), false);
      // Pin one gate per channel at the maximum so max keep is attained.
      for (let c = 0; c < cs.C; c++) {
        if (complex) {
          cs.a[2 * c] = keepMax;
          cs.a[2 * c + 1] = 0;
        } else cs.a[c] = keepMax;
      }
      let maxB = 0;
      let maxKeep = 0;
      for (let e = 0; e < cs.nb * cs.T * cs.C; e++) {
        maxB = Math.max(maxB, modAt(cs.b, e, cs.w));
        maxKeep = Math.max(maxKeep, modAt(cs.a, e, cs.w));
      }
      const bound = maxB / (1 - maxKeep);
      const forms: Form[] = [{ method: "sequential", chunk: 32 }, { method: "chunked", chunk: 32 }];
      const got = await runForms(cs, forms);
      forms.forEach((f, i) => {
        const h = got[i]![0]!;
        let maxH = 0;
        for (let e = 0; e < cs.nb * cs.T * cs.C; e++) maxH = Math.max(maxH, modAt(h, e, cs.w));
        // f32 states may exceed the exact ones by their rounding bound γ_k·m ≤ γ_k·bound.
        const k = pathOf(f, cs.T, cs.T - 1, complex);
        const ratio = maxH / (bound * (1 + gamma32(k)) + F32_MIN_NORMAL);
        if (ratio >= worstRatio) {
          worstRatio = ratio;
          detail = `${label(f)} complex=${complex} keep<=${maxKeep.toFixed(4)}: ` +
            `max|h| ${maxH.toPrecision(6)} vs max|b|/(1-keep) ${bound.toPrecision(6)}`;
        }
      });
    }
  }
  return { figure: worstRatio, bound: 1, pass: worstRatio <= 1, detail: `worst ${detail}` };
});

claimTest(SCAN_VALIDATION, async () => {
  const a = tensor(new Float32Array(12).fill(0.5), [1, 4, 3]);
  const b = tensor(new Float32Array(12).fill(1), [1, 4, 3]);
  const b2 = tensor(new Float32Array(8), [1, 4, 2]);
  const flat = tensor(new Float32Array(12), [4, 3]);
  const init = tensor(new Float32Array(2), [1, 2]);
  const ints = tensor(new Int32Array(12), [1, 4, 3], { dtype: "i32" });
  const c3 = tensor(new Float32Array(36), [1, 4, 3, 3]);
  const cases: [string, () => unknown, "TypeError" | "RangeError", RegExp][] = [
    ["rank", () => linearRecurrence(flat, flat), "TypeError", /linearRecurrence.*\[4, 3\]/],
    ["shape mismatch", () => linearRecurrence(a, b2), "TypeError", /\[1, 4, 3\].*\[1, 4, 2\]/],
    [
      "complex rank",
      () => linearRecurrence(a, b, { complex: true }),
      "TypeError",
      /complex gates and inputs must both be \[B, T, C, 2\]/,
    ],
    [
      "complex axis",
      () => linearRecurrence(c3, c3, { complex: true }),
      "TypeError",
      /last axis of 2/,
    ],
    [
      "init shape",
      () => linearRecurrence(a, b, { initialState: init }),
      "TypeError",
      /initialState must be \[1, 3\]/,
    ],
    ["dtype", () => linearRecurrence(ints, b), "TypeError", /linearRecurrence/],
    [
      "method",
      () => linearRecurrence(a, b, { method: "parallel" as ScanMethod }),
      "RangeError",
      /"sequential", "chunked"/,
    ],
    ["chunk 0", () => linearRecurrence(a, b, { chunk: 0 }), "RangeError", /chunk = 0/],
    ["chunk 1.5", () => linearRecurrence(a, b, { chunk: 1.5 }), "RangeError", /chunk = 1.5/],
    ["chunk huge", () => linearRecurrence(a, b, { chunk: 1e9 }), "RangeError", /loop budget/],
    [
      "segment 0",
      () => linearRecurrence(a, b, { maxStepsPerDispatch: 0 }),
      "RangeError",
      /maxStepsPerDispatch/,
    ],
  ];
  let failures: string[] = [];
  const before = recordedWork();
  for (const [name, fn, kind, msg] of cases) {
    try {
      fn();
      failures.push(`${name}: no error`);
    } catch (e) {
      if (!(e instanceof Error) || e.name !== kind || !msg.test(e.message)) {
        failures.push(`${name}: got ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
      }
    }
  }
  const dispatched = recordedWork() - before;
  if (dispatched !== 0) failures.push(`${dispatched} dispatches recorded by invalid calls`);
  // Control: the valid call runs and is right (h = 1, 1.5, 1.75, 1.875 per channel).
  const { h, finalState } = linearRecurrence(a, b);
  const hv = await h.toFloat32();
  if (hv[9] !== 1.875) failures.push(`control: h[3] = ${hv[9]}`);
  for (const t of [a, b, b2, flat, init, ints, c3, h, finalState]) t.dispose();
  failures = failures.slice(0, 5);
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${cases.length} invalid cases and a control` +
      (failures.length ? `; ${failures.join(" | ")}` : ""),
  };
});

interface ScanFixture {
  format: string;
  cases: {
    name: string;
    complex: boolean;
    a: EncodedArray;
    b: EncodedArray;
    init: EncodedArray;
    h: EncodedArray;
  }[];
}

claimTest(SCAN_FIXTURES, async (t) => {
  const { data, integrity } = await loadPinnedJson<ScanFixture>(
    "fixtures/decepticons/scan.json",
    "memspec.decepticons.scan.v1",
  );
  const forms: Form[] = [
    { method: "sequential", chunk: 32 },
    { method: "chunked", chunk: 32 },
    { method: "chunked", chunk: 5 },
  ];
  const m = await differential(t, {
    cases: data.cases.map((fx) => ({ name: fx.name, input: fx })),
    ...jointly<ScanFixture["cases"][number]>(async (fx) => {
      const [nb, T, C] = fx.a.shape as [number, number, number];
      const w: 1 | 2 = fx.complex ? 2 : 1;
      const cs: ScanCase = {
        nb,
        T,
        C,
        w,
        a: Float32Array.from(f64(fx.a, `${fx.name} a`)),
        b: Float32Array.from(f64(fx.b, `${fx.name} b`)),
        init: Float32Array.from(f64(fx.init, `${fx.name} init`)),
      };
      const expected = f64(fx.h, `${fx.name} h`);
      // The oracle against numpy within FIXTURE_F64_REL of each element's magnitude.
      const ref = recurrenceForward(cs, cs.a, cs.b, cs.init);
      const mag = recurrenceMagnitude(cs, cs.a, cs.b, cs.init);
      const rel = Float64Array.from(
        expected,
        (_, i) => FIXTURE_F64_REL * (mag[Math.floor(i / w)]! || 1),
      );
      const c = new Comparison().add("oracle h vs numpy", ref.h, expected, rel);
      const got = await runForms(cs, forms);
      forms.forEach((f, i) =>
        c.add(`${label(f)} h vs numpy`, got[i]![0]!, expected, forwardBounds(cs, f))
      );
      return c;
    }),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(BANK_KERNEL_SCAN, async (t) => {
  // The default bank with 16 modes: the kernel's direct double sum (f64) against the f64 scan,
  // and the GPU scan (both forms) against the kernel sum within the ledger bound.
  const bank = buildDecayBank({ ...CAUSAL_BANK_DEFAULTS, linearModes: 16 });
  const T = 200;
  const C = bank.decays.length;
  return await differential(t, {
    cases: [{ name: `16-mode default bank T=${T}`, input: null }],
    ...jointly<null>(async () => {
      const r = lcg(11);
      const drive = Float32Array.from({ length: T * C }, () => 2 * r() - 1);
      const a = Float32Array.from({ length: T * C }, (_, i) => bank.decays[i % C]!);
      const cs: ScanCase = { nb: 1, T, C, w: 1, a, b: drive, init: null };
      const m = recurrenceMagnitude(cs, cs.a, cs.b, null);
      const scanF64 = recurrenceForward(cs, cs.a, cs.b, null).h;
      const kernel = new Float64Array(T * C);
      for (let c = 0; c < C; c++) {
        const col = Float64Array.from({ length: T }, (_, t) => drive[t * C + c]!);
        const s = kernelApply(bank.decays[c]!, col);
        for (let t = 0; t < T; t++) kernel[t * C + c] = s[t]!;
      }
      const out = new Comparison().add(
        "f64 kernel sum vs f64 scan",
        kernel,
        scanF64,
        Float64Array.from(m, (x) => FIXTURE_F64_REL * x),
      );
      const forms: Form[] = [{ method: "sequential", chunk: 32 }, { method: "chunked", chunk: 32 }];
      const got = await runForms(cs, forms);
      forms.forEach((f, i) =>
        out.add(`${label(f)} h vs kernel sum`, got[i]![0]!, kernel, forwardBounds(cs, f))
      );
      return out;
    }),
  });
});
