/**
 * The fast-weight memory as a store, fuzzed: orthonormal-key read-back,
 * gate-0 writes, linearity of reads in the stored values, and random
 * write/read/reset interleavings (fast-check commands) against a plain f64
 * model that also carries each entry's running f32 error bound.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, liveBufferCount, readTensors } from "../../../impl/mod.ts";
import { FastWeightStore } from "../../../impl/fastweights/store/store.ts";
import { FW_REFERENCE_FACTOR, track, type Tracked } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import {
  STORE_FAULTS,
  STORE_GATE_ZERO,
  STORE_LINEARITY,
  STORE_LONG_WRITES,
  STORE_MODEL,
  STORE_ORTHONORMAL,
} from "./claims.ts";
import { WorstRatio } from "../../_harness/worst_ratio.ts";
import { referenceBounds, seqSum } from "../unknown_delay/_bounds.ts";
import { type Compared, Comparison, differential, jointly } from "../../_harness/differential.ts";

/** The store's f64 model: W with the running bound of every entry, updated like the kernel. */
class StoreModel {
  w: Tracked[];
  constructor(readonly keyDim: number, readonly valueDim: number, readonly eta: number) {
    this.w = Array.from({ length: keyDim * valueDim }, () => ({ v: 0, e: 0 }));
  }
  write(k: ArrayLike<number>, v: ArrayLike<number>, g: number): void {
    const eta = track.uniform(this.eta);
    for (let a = 0; a < this.valueDim; a++) {
      const coef = track.mul(track.mul(eta, track.input(g)), track.input(v[a]!));
      for (let c = 0; c < this.keyDim; c++) {
        const i = a * this.keyDim + c;
        this.w[i] = track.add(this.w[i]!, track.mul(coef, track.input(k[c]!)));
      }
    }
  }
  read(q: ArrayLike<number>): Tracked[] {
    return Array.from({ length: this.valueDim }, (_, a) =>
      seqSum(
        Array.from(
          { length: this.keyDim },
          (_, c) => track.mul(this.w[a * this.keyDim + c]!, track.input(q[c]!)),
        ),
      ));
  }
  reset(): void {
    this.w = this.w.map(() => ({ v: 0, e: 0 }));
  }
}

const f32 = (x: number) => Math.fround(x);
/** Values in [−4, 4] on a 1/1000 grid, rounded to f32 (fc.double would mostly give 0 or extremes). */
const valueArb = fc.integer({ min: -4000, max: 4000 }).map((i) => f32(i / 1000));
const vec = (n: number) => fc.array(valueArb, { minLength: n, maxLength: n });

/** Orthonormal key sets exact in f32: signed permutations of the basis, or Hadamard/√d (d = 1, 4, 16). */
function orthonormalKeys(d: number, kind: number, perm: number[], signs: boolean[]): number[][] {
  if (kind === 1 && (d === 4 || d === 16 || d === 1)) {
    const h = (i: number, j: number) => {
      let b = i & j;
      let parity = 0;
      while (b) {
        parity ^= b & 1;
        b >>= 1;
      }
      return parity ? -1 : 1;
    };
    return Array.from(
      { length: d },
      (_, i) => Array.from({ length: d }, (_, j) => (signs[i] ? -1 : 1) * h(i, j) / Math.sqrt(d)),
    );
  }
  return Array.from(
    { length: d },
    (_, i) => Array.from({ length: d }, (_, j) => (j === perm[i] ? (signs[i] ? -1 : 1) : 0)),
  );
}

/** A fuzzed orthonormal-key case: key set, writes and the values written. */
type OrthoCase = typeof orthoCaseArb extends fc.Arbitrary<infer C> ? C : never;

const orthoCaseArb = fc.constantFrom(1, 2, 3, 4, 5, 8, 16).chain((d) =>
  fc.record({
    d: fc.constant(d),
    dv: fc.integer({ min: 1, max: 9 }),
    kind: fc.integer({ min: 0, max: 1 }),
    perm: fc.shuffledSubarray(Array.from({ length: d }, (_, i) => i), {
      minLength: d,
      maxLength: d,
    }),
    signs: fc.array(fc.boolean(), { minLength: d, maxLength: d }),
    writes: fc.integer({ min: 1, max: d }),
    seed: fc.nat(),
  })
).chain((c) =>
  fc.record({
    c: fc.constant(c),
    values: fc.array(vec(c.dv), { minLength: c.writes, maxLength: c.writes }),
  })
);

claimTest(STORE_ORTHONORMAL, async (t) => {
  await initGpu();
  return differential(t, {
    fuzz: {
      arbitrary: orthoCaseArb,
      runs: 100,
      name: ({ c }) =>
        `d=${c.d} d_v=${c.dv} ${c.kind ? "Hadamard" : "permutation"} keys, ${c.writes} writes`,
    },
    ...jointly(async ({ c, values }: OrthoCase): Promise<Compared> => {
      const keys = orthonormalKeys(c.d, c.kind, c.perm, c.signs).slice(0, c.writes);
      const store = new FastWeightStore(c.d, c.dv, 1);
      const model = new StoreModel(c.d, c.dv, 1);
      let got: (Float32Array | Int32Array)[];
      try {
        keys.forEach((k, t) => {
          store.write(k, values[t]!, 1);
          model.write(k, values[t]!, 1);
        });
        const reads = keys.map((k) => store.read(k));
        try {
          got = await readTensors(reads);
        } finally {
          reads.forEach((r) => r.dispose());
        }
      } finally {
        store.dispose();
      }
      // The reference is the stored value itself: keys are exactly orthonormal.
      const cmp = new Comparison();
      keys.forEach((k, t) => {
        cmp.add(`key ${t}`, got[t]!, values[t]!, referenceBounds(model.read(k)));
      });
      return cmp;
    }),
  });
});

claimTest(STORE_GATE_ZERO, async () => {
  await initGpu();
  let changed = 0;
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 9 }).chain((d) =>
        fc.record({
          d: fc.constant(d),
          dv: fc.integer({ min: 1, max: 9 }),
          prior: fc.integer({ min: 0, max: 4 }),
          seedValues: fc.array(valueArb, { minLength: 200, maxLength: 200 }),
        })
      ),
      async ({ d, dv, prior, seedValues }) => {
        const at = (i: number) => seedValues[i % seedValues.length]!;
        const store = new FastWeightStore(d, dv, 0.5);
        try {
          for (let t = 0; t < prior; t++) {
            store.write(
              Array.from({ length: d }, (_, c) => at(t * 31 + c)),
              Array.from({ length: dv }, (_, a) => at(t * 17 + a + 7)),
              f32(Math.abs(at(t + 3)) / 4),
            );
          }
          const [before] = await readTensors([store.state]);
          store.write(
            Array.from({ length: d }, (_, c) => at(c + 101)),
            Array.from({ length: dv }, (_, a) => at(a + 151)),
            0,
          );
          const [after] = await readTensors([store.state]);
          const b = new Uint32Array(before!.buffer);
          const a = new Uint32Array(after!.buffer);
          for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) changed++;
          cases++;
        } finally {
          store.dispose();
        }
        return true;
      },
    ),
    fcParams(100),
  );
  return {
    figure: changed,
    bound: 0,
    pass: changed === 0,
    detail: `${cases} fuzzed stores (0..4 prior writes, η = 0.5): state bits compared before and ` +
      `after a gate-0 write`,
  };
});

const linearityArb = fc.record({
  d: fc.integer({ min: 1, max: 9 }),
  dv: fc.integer({ min: 1, max: 9 }),
  writes: fc.integer({ min: 1, max: 6 }),
  a: valueArb,
  b: valueArb,
  pool: fc.array(valueArb, { minLength: 300, maxLength: 300 }),
});

/** A fuzzed linearity case: sizes, the coefficients a, b and a pool of values to draw from. */
type LinearityCase = typeof linearityArb extends fc.Arbitrary<infer C> ? C : never;

claimTest(STORE_LINEARITY, async (t) => {
  await initGpu();
  return differential(t, {
    fuzz: {
      arbitrary: linearityArb,
      runs: 100,
      name: (c) => `d=${c.d} d_v=${c.dv} writes=${c.writes} a=${c.a} b=${c.b}`,
    },
    ...jointly(async ({ d, dv, writes, a, b, pool }: LinearityCase): Promise<Compared> => {
      const at = (i: number) => pool[i % pool.length]!;
      const keys = Array.from(
        { length: writes },
        (_, t) => Array.from({ length: d }, (_, c) => at(t * d + c)),
      );
      const gates = Array.from({ length: writes }, (_, t) => f32(Math.abs(at(t + 200)) / 4));
      const v1 = Array.from(
        { length: writes },
        (_, t) => Array.from({ length: dv }, (_, j) => at(t * dv + j + 50)),
      );
      const v2 = Array.from(
        { length: writes },
        (_, t) => Array.from({ length: dv }, (_, j) => at(t * dv + j + 120)),
      );
      const v3 = v1.map((row, t) => row.map((x, j) => f32(a * x + b * v2[t]![j]!)));
      const q = Array.from({ length: d }, (_, c) => at(c + 250));
      const stores = [v1, v2, v3].map((vs) => {
        const s = new FastWeightStore(d, dv, 0.5);
        const m = new StoreModel(d, dv, 0.5);
        vs.forEach((v, t) => {
          s.write(keys[t]!, v, gates[t]!);
          m.write(keys[t]!, v, gates[t]!);
        });
        return { s, m };
      });
      let read: (Float32Array | Int32Array)[];
      try {
        const reads = stores.map(({ s }) => s.read(q));
        try {
          read = await readTensors(reads);
        } finally {
          reads.forEach((r) => r.dispose());
        }
      } finally {
        stores.forEach(({ s }) => s.dispose());
      }
      const [g1, g2, g3] = read;
      const [b1, b2, b3] = stores.map(({ m }) => m.read(q));
      // a·read(V₁) + b·read(V₂) against read(V₃), V₃ = fl(a·V₁ + b·V₂): the GPU reads carry
      // their own bounds, and V₃'s rounding moves the exact read by |read₃ − (a r₁ + b r₂)|.
      const lhs = Array.from({ length: dv }, (_, j) => a * g1![j]! + b * g2![j]!);
      const bounds = Array.from({ length: dv }, (_, j) => ({
        v: b3![j]!.v,
        e: b3![j]!.e + Math.abs(a) * b1![j]!.e + Math.abs(b) * b2![j]!.e +
          Math.abs(b3![j]!.v - (a * b1![j]!.v + b * b2![j]!.v)) / FW_REFERENCE_FACTOR,
      }));
      return new Comparison().add(
        "read(V₃) vs a·read(V₁) + b·read(V₂)",
        g3!,
        lhs,
        referenceBounds(bounds),
      );
    }),
  });
});

// --- model-based interleavings ---

interface Real {
  store: FastWeightStore;
  worst: WorstRatio;
}

class WriteCommand implements fc.AsyncCommand<StoreModel, Real> {
  constructor(readonly key: number[], readonly value: number[], readonly gate: number) {}
  check = () => true;
  run(m: StoreModel, r: Real): Promise<void> {
    r.store.write(this.key, this.value, this.gate);
    m.write(this.key, this.value, this.gate);
    return Promise.resolve();
  }
  toString = () => `write(k=[${this.key}], v=[${this.value}], g=${this.gate})`;
}

class ReadCommand implements fc.AsyncCommand<StoreModel, Real> {
  constructor(readonly query: number[]) {}
  check = () => true;
  async run(m: StoreModel, r: Real): Promise<void> {
    const y = r.store.read(this.query);
    const [got] = await readTensors([y]);
    y.dispose();
    const want = m.read(this.query);
    r.worst.check(`read(q=[${this.query}])`, got!, want.map((t) => t.v), want);
    if (r.worst.failures.length > 0) throw new Error(r.worst.failures.join("; "));
  }
  toString = () => `read(q=[${this.query}])`;
}

class ResetCommand implements fc.AsyncCommand<StoreModel, Real> {
  check = () => true;
  run(m: StoreModel, r: Real): Promise<void> {
    r.store.reset();
    m.reset();
    return Promise.resolve();
  }
  toString = () => "reset()";
}

const D = 5;
const DV = 3;
const commandsArb = fc.commands(
  [
    fc.tuple(vec(D), vec(DV), fc.oneof(fc.constant(0), fc.constant(1), valueArb)).map(
      ([k, v, g]) => new WriteCommand(k, v, g),
    ),
    vec(D).map((q) => new ReadCommand(q)),
    fc.constant(new ResetCommand()),
  ],
  { maxCommands: 12 },
);

claimTest(STORE_MODEL, async () => {
  await initGpu();
  const before = liveBufferCount();
  const worst = new WorstRatio();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(commandsArb, async (cmds) => {
      const real: Real = { store: new FastWeightStore(D, DV, 0.75), worst };
      try {
        await fc.asyncModelRun(() => ({ model: new StoreModel(D, DV, 0.75), real }), cmds);
      } finally {
        real.store.dispose();
      }
      runs++;
    }),
    fcParams(100),
  );
  const leaked = liveBufferCount() - before;
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1 && leaked === 0,
    detail: `${runs} command sequences (≤ 12 of write/read/reset, gates 0, 1 or any); ` +
      `${worst.summary()}; ${leaked} buffers leaked`,
  };
});

claimTest(STORE_FAULTS, async () => {
  await initGpu();
  const failures: string[] = [];
  const rejects = (name: string, f: () => unknown, type: ErrorConstructor, text: string) => {
    try {
      f();
      failures.push(`${name}: accepted`);
    } catch (e) {
      if (!(e instanceof type) || !e.message.includes(text)) {
        failures.push(`${name}: expected a ${type.name} naming "${text}", got ${e}`);
      }
    }
  };
  rejects("key size 0", () => new FastWeightStore(0, 3), RangeError, "key size 0");
  rejects("key size 257", () => new FastWeightStore(257, 3), RangeError, "key size 257");
  rejects("key size 2.5", () => new FastWeightStore(2.5, 3), RangeError, "key size 2.5");
  rejects("value size 0", () => new FastWeightStore(2, 0), RangeError, "value size 0");
  rejects("value size 4097", () => new FastWeightStore(2, 4097), RangeError, "value size 4097");
  rejects("η NaN", () => new FastWeightStore(2, 3, NaN), RangeError, "eta = NaN");
  rejects("η ∞", () => new FastWeightStore(2, 3, Infinity), RangeError, "eta = Infinity");
  const store = new FastWeightStore(2, 3, 0.5);
  try {
    store.write([0.5, -1], [1, 2, 3], 0.75);
    const [before] = await readTensors([store.state]);
    const live = liveBufferCount();
    const k = [1, 0];
    const v = [1, 2, 3];
    rejects("short key", () => store.write([1], v), TypeError, "keys has 1 entries, expected 2");
    rejects("long value", () => store.write(k, [1, 2, 3, 4]), TypeError, "values has 4 entries");
    rejects(
      "gates for two writes, pairs for one",
      () => store.writeMany(k, v, [1, 1]),
      TypeError,
      "keys has 2 entries, expected 4",
    );
    rejects("short query", () => store.read([1]), TypeError, "the query has 1 entries");
    rejects("NaN key", () => store.write([1, NaN], v), RangeError, "keys[1] is NaN");
    rejects(
      "∞ value",
      () => store.writeMany([0, 1, 1, 0], [1, 2, 3, 4, -Infinity, 6], [1, 1]),
      RangeError,
      "values[4] is -Infinity",
    );
    rejects(
      "value past f32",
      () => store.write(k, [1, 1e39, 0]),
      RangeError,
      "values[1] is 1e+39",
    );
    rejects("NaN gate", () => store.write(k, v, NaN), RangeError, "gates[0] is NaN");
    rejects("NaN query", () => store.read([NaN, 0]), RangeError, "query[0] is NaN");
    if (liveBufferCount() !== live) failures.push("a rejected call left GPU buffers behind");
    const [after] = await readTensors([store.state]);
    const b = new Uint32Array(before!.buffer);
    const a = new Uint32Array(after!.buffer);
    if (b.some((x, i) => a[i] !== x)) failures.push("a rejected call changed the state");
  } finally {
    store.dispose();
  }
  // After dispose(): every call names the store, allocates nothing, and a second dispose is
  // harmless.
  const afterLive = liveBufferCount();
  rejects(
    "write after dispose",
    () => store.write([1, 0], [1, 0, 0]),
    TypeError,
    "it was disposed",
  );
  rejects("read after dispose", () => store.read([1, 0]), TypeError, "it was disposed");
  rejects("reset after dispose", () => store.reset(), TypeError, "it was disposed");
  store.dispose();
  if (liveBufferCount() !== afterLive) failures.push("a call after dispose() allocated buffers");
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length ? failures.join("; ") : "every fault case raised the documented error",
  };
});

claimTest(STORE_LONG_WRITES, async () => {
  await initGpu();
  // Keys in {0, 1}, values in {1, 2}, gates 1, η 1: every partial sum is an integer below
  // 2^24, so the f32 state must equal the host's exact sum bit for bit.
  const dk = 3;
  const dv = 2;
  const failures: string[] = [];
  let worst = 0;
  for (const count of [1, 9_999, 100_000]) {
    const keys = Float32Array.from(
      { length: count * dk },
      (_, i) => (i * 7 + (i >> 2)) % 3 === 0 ? 1 : 0,
    );
    const values = Float32Array.from({ length: count * dv }, (_, i) => 1 + ((i * 5) % 2));
    const gates = new Float32Array(count).fill(1);
    const want = new Float64Array(dv * dk);
    for (let t = 0; t < count; t++) {
      for (let a = 0; a < dv; a++) {
        for (let b = 0; b < dk; b++) want[a * dk + b]! += values[t * dv + a]! * keys[t * dk + b]!;
      }
    }
    const store = new FastWeightStore(dk, dv, 1);
    try {
      store.writeMany(keys, values, gates);
      const [w] = await readTensors([store.state]);
      const err = Math.max(...Array.from(w!, (x, i) => Math.abs(x - want[i]!)));
      worst = Math.max(worst, err);
      if (err !== 0) failures.push(`${count} writes: max |W − exact| = ${err}`);
    } finally {
      store.dispose();
    }
  }
  return {
    figure: worst,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.join("; ") ||
      "1, 9,999 and 100,000 writes in one writeMany call (split over launches) equal the exact sum",
  };
});
