/**
 * Proofs of ./claims.ts: the readout file contract, unit norm after fp16, linearity, GPU
 * parity, numpy parity both ways and the faults.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, liveBufferCount, readTensors, tensor } from "../../../impl/mod.ts";
import { f16BitsToF32, f32ToF16Bits } from "../../../impl/io/f16.ts";
import { decodeSafetensors, encodeSafetensors } from "../../../impl/io/safetensors.ts";
import {
  layerKey,
  manifestText,
  READOUT_MANIFEST,
  READOUT_TENSORS,
  ReadoutProjector,
  type ReadoutVectors,
  readReadout,
  writeReadout,
} from "../../../impl/amygdala/mod.ts";
import { accumulationBound, gamma32, U32 } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { type EncodedArray, f32, i32, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson, readPinnedFixture } from "../../_harness/fixtures.ts";
import { readoutOracle } from "../../oracle/amygdala/readout.ts";
import {
  READOUT_FAULT,
  READOUT_FILE_CONTRACT,
  READOUT_FIXTURE_PARITY,
  READOUT_FIXTURE_WRITTEN,
  READOUT_GPU_PARITY,
  READOUT_LINEARITY,
  READOUT_UNIT_NORM,
} from "./claims.ts";

await initGpu();

const TMP = "out/tmp";

async function tempDir(): Promise<string> {
  await Deno.mkdir(TMP, { recursive: true });
  return await Deno.makeTempDir({ dir: TMP, prefix: "amygdala_readout_" });
}

/** A seeded generator of normals (Box–Muller on mulberry32), for fuzz cases. */
function normals(seed: number, n: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return Float32Array.from(
    { length: n },
    () => scale * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
  );
}

class Failures {
  readonly list: string[] = [];
  cases = 0;
  check(ok: boolean, what: () => string): void {
    this.cases++;
    if (!ok) this.list.push(what());
  }
  measurement(detail: string): Measurement {
    return {
      figure: this.list.length,
      bound: 0,
      pass: this.list.length === 0,
      detail: this.list.length > 0
        ? `${this.list.length} failures: ${this.list.slice(0, 4).join("; ")}`
        : `${this.cases} checks; ${detail}`,
    };
  }
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ------------------------------------------------------------------ file contract

claimTest(READOUT_FILE_CONTRACT, async () => {
  const f = new Failures();
  const dir = await tempDir();
  let runs = 0;
  try {
    const arb = fc.record({
      concepts: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z_]{0,7}$/), {
        minLength: 1,
        maxLength: 7,
      }),
      layers: fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 4 }),
      hidden: fc.integer({ min: 1, max: 70 }),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ concepts, layers, hidden, seed }) => {
        runs++;
        const C = concepts.length;
        const vectors = new Map(layers.map((l, i) => [l, normals(seed + i, C * hidden)]));
        const r: ReadoutVectors = { concepts, layers, hiddenSize: hidden, vectors };
        const where = `C=${C} layers=[${layers}] H=${hidden} seed=${seed}`;
        await writeReadout(dir, r);
        const back = await readReadout(dir);
        const manifest = await Deno.readTextFile(`${dir}/${READOUT_MANIFEST}`);
        f.check(manifest === manifestText(r), () => `${where}: manifest text`);
        const m = JSON.parse(manifest);
        f.check(
          JSON.stringify(m) === JSON.stringify({
            concepts,
            layers,
            hidden_size: hidden,
            dtype: "float16",
          }),
          () => `${where}: manifest fields ${JSON.stringify(m)}`,
        );
        f.check(
          sameBits(back.concepts.map((_, i) => i), concepts.map((_, i) => i)) &&
            back.concepts.every((c, i) => c === concepts[i]) &&
            back.layers.every((l, i) => l === layers[i]) && back.hiddenSize === hidden,
          () => `${where}: read manifest`,
        );
        const { tensors } = decodeSafetensors(await Deno.readFile(`${dir}/${READOUT_TENSORS}`));
        f.check(
          tensors.size === layers.length && layers.every((l) => tensors.has(layerKey(l))),
          () => `${where}: tensor names ${[...tensors.keys()]}`,
        );
        for (const l of layers) {
          const t = tensors.get(layerKey(l))!;
          f.check(
            t.dtype === "F16" && t.shape.length === 2 && t.shape[0] === C && t.shape[1] === hidden,
            () => `${where}: ${layerKey(l)} is ${t.dtype} [${t.shape}]`,
          );
          // Row c of the file is concept c's vector, rounded to f16.
          const want = f32ToF16Bits(vectors.get(l)!);
          f.check(
            t.dtype === "F16" && sameBits(t.data, want),
            () => `${where}: ${layerKey(l)} bits`,
          );
          f.check(sameBits(back.bits.get(l)!, want), () => `${where}: read bits`);
          f.check(
            sameBits(back.vectors.get(l)!, f16BitsToF32(want)),
            () => `${where}: read values`,
          );
        }
      }),
      fcParams(60),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return f.measurement(`${runs} fuzzed readouts written and read back`);
});

// ------------------------------------------------------------------ unit norm after fp16

claimTest(READOUT_UNIT_NORM, () => {
  let worst = 0;
  let worstAt = "";
  let maxErr16 = 0;
  const check = (ratio: number, what: string) => {
    if (ratio > worst || Number.isNaN(ratio)) {
      worst = Number.isNaN(ratio) ? Infinity : ratio;
      worstAt = what;
    }
  };
  const norm = (v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
    return Math.sqrt(s);
  };
  let runs = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1024 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.boolean(),
      (h, seed, spiky) => {
        runs++;
        const raw = Float64Array.from(normals(seed, h));
        // Spiky: one dominant coordinate and tiny others (f16 subnormals in the tail).
        if (spiky) { for (let i = 1; i < h; i++) raw[i]! *= 1e-6; }
        const n = norm(raw);
        if (!(n > 0)) return;
        const d64 = raw.map((x) => x / n);
        const d32 = Float32Array.from(d64);
        const d16 = f16BitsToF32(f32ToF16Bits(d32));
        // f64 normalisation error: γ64(H + 2) relative, below 1e-12 for H ≤ 1024.
        const b32 = U32 + 1e-12;
        const b16 = 2 ** -11 + U32 + Math.sqrt(h) * 2 ** -25 + 1e-12;
        const e32 = Math.abs(norm(d32) - 1);
        const e16 = Math.abs(norm(d16) - 1);
        maxErr16 = Math.max(maxErr16, e16);
        check(e32 / b32, `f32 H=${h} seed=${seed} spiky=${spiky}: |‖d‖−1| = ${e32}`);
        check(e16 / b16, `f16 H=${h} seed=${seed} spiky=${spiky}: |‖d‖−1| = ${e16}`);
      },
    ),
    fcParams(400),
  );
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `${runs} directions; worst at ${worstAt}; largest |‖d₁₆‖ − 1| = ` +
      `${maxErr16.toExponential(3)} (original's bound 2e-3)`,
  };
});

// ------------------------------------------------------------------ GPU readout

interface ProjectCase {
  t: number;
  c: number;
  h: number;
  seed: number;
  f16: boolean;
  scale: number;
}

const DIMS = [1, 2, 3, 5, 7, 13, 31, 64, 65, 67, 129];

async function projectOnGpu(
  v: Float32Array,
  hs: readonly Float32Array[],
  c: number,
  h: number,
): Promise<Float32Array[]> {
  const projector = new ReadoutProjector({
    concepts: Array.from({ length: c }, (_, i) => `c${i}`),
    layers: [0],
    hiddenSize: h,
    vectors: new Map([[0, v]]),
  });
  const inputs = hs.map((x) => tensor(x, [x.length / h, h]));
  const outs = inputs.map((x) => projector.project(0, x));
  try {
    return (await readTensors(outs)) as Float32Array[];
  } finally {
    for (const t of [...outs, ...inputs]) t.dispose();
    projector.dispose();
  }
}

claimTest(READOUT_GPU_PARITY, async () => {
  let worst = 0;
  let worstAt = "no comparison";
  let compared = 0;
  let runs = 0;
  const arb = fc.record({
    t: fc.constantFrom(...DIMS),
    c: fc.constantFrom(1, 2, 3, 5, 7, 17, 95),
    h: fc.constantFrom(...DIMS),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    f16: fc.boolean(),
    scale: fc.constantFrom(1, 1e-3, 40),
  });
  await fc.assert(
    fc.asyncProperty(arb, async (k: ProjectCase) => {
      runs++;
      let v = normals(k.seed, k.c * k.h);
      if (k.f16) v = f16BitsToF32(f32ToF16Bits(v));
      const x = normals(k.seed ^ 0x5bd1e995, k.t * k.h, k.scale);
      const [got] = await projectOnGpu(v, [x], k.c, k.h);
      const { r, mag } = readoutOracle(x, v, k.t, k.c, k.h);
      const bound = accumulationBound(k.h, mag);
      for (let i = 0; i < r.length; i++) {
        compared++;
        const ratio = Math.abs(got![i]! - r[i]!) / bound[i]!;
        if (!(ratio <= worst)) {
          worst = Number.isNaN(ratio) ? Infinity : ratio;
          worstAt = `T=${k.t} C=${k.c} H=${k.h} seed=${k.seed} f16=${k.f16} scale=${k.scale} ` +
            `index ${i}: gpu ${got![i]} oracle ${r[i]} bound ${bound[i]!.toExponential(2)}`;
        }
      }
      return worst <= 1;
    }),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1,
    detail: `worst ${worstAt}; ${runs} runs, ${compared} elements`,
  };
});

claimTest(READOUT_LINEARITY, async () => {
  let worst = 0;
  let worstAt = "";
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(1, 3, 17, 64, 65),
      fc.constantFrom(1, 4, 95),
      fc.constantFrom(1, 7, 65, 130),
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.double({ min: -4, max: 4, noNaN: true }),
      fc.double({ min: -4, max: 4, noNaN: true }),
      async (t, c, h, seed, a, b) => {
        runs++;
        const v = f16BitsToF32(f32ToF16Bits(normals(seed, c * h)));
        const h1 = normals(seed + 1, t * h);
        const h2 = normals(seed + 2, t * h);
        const x = Float32Array.from(h1, (p, i) => a * p + b * h2[i]!);
        const [r1, r2, rx] = await projectOnGpu(v, [h1, h2, x], c, h);
        const m1 = readoutOracle(h1, v, t, c, h).mag;
        const m2 = readoutOracle(h2, v, t, c, h).mag;
        const mx = readoutOracle(x, v, t, c, h).mag;
        const g = gamma32(h);
        for (let i = 0; i < t * c; i++) {
          // Each GPU product is within γ_H·Σ|terms| of its exact value; x itself is the f32
          // rounding of a·h₁ + b·h₂ (relative u per element, so u·Σ|x||V| through V).
          const bound = g * (mx[i]! + Math.abs(a) * m1[i]! + Math.abs(b) * m2[i]!) +
            U32 * mx[i]! * (1 + U32) + 6 * h * 2 ** -126;
          const dev = Math.abs(rx![i]! - (a * r1![i]! + b * r2![i]!));
          const ratio = dev / bound;
          if (!(ratio <= worst)) {
            worst = Number.isNaN(ratio) ? Infinity : ratio;
            worstAt = `T=${t} C=${c} H=${h} seed=${seed} a=${a} b=${b}: deviation ${dev}`;
          }
        }
      },
    ),
    fcParams(40),
  );
  return { figure: worst, bound: 1, pass: worst <= 1, detail: `${runs} cases; worst ${worstAt}` };
});

// ------------------------------------------------------------------ numpy parity

const FIX = "fixtures/amygdala/readout";

interface VectorsFixture {
  format: string;
  concepts: string[];
  layers: EncodedArray;
  hidden_size: number;
  vectors: Record<string, EncodedArray>;
  f16_bits: Record<string, EncodedArray>;
}

async function fixtureVectors() {
  const { data, integrity } = await loadPinnedJson<VectorsFixture>(
    `${FIX}/vectors.json`,
    "memspec.amygdala.readout_vectors.v1",
  );
  const C = data.concepts.length;
  const H = data.hidden_size;
  const layers = ints(data.layers, "layers");
  const vectors = new Map(
    layers.map((l) => [l, f32(data.vectors[String(l)]!, `vectors ${l}`, [C, H])]),
  );
  const bits = new Map(
    layers.map((l) => [l, i32(data.f16_bits[String(l)]!, `f16_bits ${l}`, [C, H])]),
  );
  return { data, integrity, layers, vectors, bits };
}

claimTest(READOUT_FIXTURE_PARITY, async () => {
  const f = new Failures();
  const { data, integrity, layers, bits } = await fixtureVectors();
  // The folder's two files are pinned by the manifest like every fixture.
  await readPinnedFixture(`${FIX}/${READOUT_TENSORS}`);
  await readPinnedFixture(`${FIX}/${READOUT_MANIFEST}`);
  const r = await readReadout(FIX);
  f.check(r.concepts.join() === data.concepts.join(), () => `concepts ${r.concepts}`);
  f.check(r.layers.join() === layers.join(), () => `layers ${r.layers}`);
  f.check(r.hiddenSize === data.hidden_size, () => `hidden ${r.hiddenSize}`);
  for (const l of layers) {
    f.check(sameBits(r.bits.get(l)!, bits.get(l)!), () => `layer ${l}: f16 bits differ`);
  }
  return f.measurement(integrity);
});

claimTest(READOUT_FIXTURE_WRITTEN, async () => {
  const f = new Failures();
  const { data, integrity, layers, vectors } = await fixtureVectors();
  const dir = await tempDir();
  try {
    await writeReadout(dir, {
      concepts: data.concepts,
      layers,
      hiddenSize: data.hidden_size,
      vectors,
    });
    for (const name of [READOUT_TENSORS, READOUT_MANIFEST]) {
      const numpy = (await readPinnedFixture(`${FIX}/${name}`)).bytes;
      const ours = await Deno.readFile(`${dir}/${name}`);
      let at = ours.length === numpy.length ? -1 : Math.min(ours.length, numpy.length);
      for (let i = 0; i < Math.min(ours.length, numpy.length) && at < 0; i++) {
        if (ours[i] !== numpy[i]) at = i;
      }
      f.check(at < 0, () => `${name}: first difference at byte ${at} of ${numpy.length}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return f.measurement(`2 files compared byte for byte; ${integrity}`);
});

// ------------------------------------------------------------------ faults

async function snapshot(dir: string): Promise<string> {
  const parts: string[] = [];
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  for (const n of names.sort()) {
    const b = await Deno.readFile(`${dir}/${n}`);
    parts.push(`${n}:${Array.from(b).join(",")}`);
  }
  return parts.join("|");
}

claimTest(READOUT_FAULT, async () => {
  const f = new Failures();
  const dir = await tempDir();
  const good: ReadoutVectors = {
    concepts: ["a", "b"],
    layers: [4, 9],
    hiddenSize: 3,
    vectors: new Map([[4, new Float32Array([1, 0, 0, 0, 1, 0])], [
      9,
      new Float32Array([0, 0, 1, 0.6, 0.8, 0]),
    ]]),
  };
  const expectError = async (
    what: string,
    run: () => Promise<unknown> | unknown,
    name: string,
    pattern: RegExp,
  ) => {
    try {
      await run();
      f.check(false, () => `${what}: no error`);
    } catch (e) {
      f.check(
        e instanceof Error && e.name === name && pattern.test(e.message),
        () => `${what}: got ${e instanceof Error ? `${e.name}: ${e.message}` : e}`,
      );
    }
  };
  try {
    await writeReadout(dir, good);
    const before = await snapshot(dir);
    const tensors = (over: Record<string, unknown>) => {
      const base: Record<string, unknown> = {
        [layerKey(4)]: { dtype: "F16", shape: [2, 3], data: f32ToF16Bits(good.vectors.get(4)!) },
        [layerKey(9)]: { dtype: "F16", shape: [2, 3], data: f32ToF16Bits(good.vectors.get(9)!) },
      };
      for (const [k, v] of Object.entries(over)) {
        if (v === undefined) delete base[k];
        else base[k] = v;
      }
      return encodeSafetensors(base as Parameters<typeof encodeSafetensors>[0]);
    };
    const manifest = (m: unknown) => new TextEncoder().encode(JSON.stringify(m));
    const okManifest = { concepts: ["a", "b"], layers: [4, 9], hidden_size: 3, dtype: "float16" };
    const bad: [string, Uint8Array, Uint8Array, RegExp][] = [
      [
        "extra tensor",
        tensors({ "layer_5.vectors": { dtype: "F16", shape: [2, 3], data: new Uint16Array(6) } }),
        manifest(okManifest),
        /readout\.safetensors.*extra tensor "layer_5\.vectors"/,
      ],
      [
        "missing tensor",
        tensors({ [layerKey(9)]: undefined }),
        manifest(okManifest),
        /readout\.safetensors.*"layer_9\.vectors" \(manifest layer 9\)/,
      ],
      [
        "F32 tensor",
        tensors({
          [layerKey(4)]: { dtype: "F32", shape: [2, 3], data: new Float32Array(6) },
        }),
        manifest(okManifest),
        /readout\.safetensors.*dtype F16 but got F32/,
      ],
      [
        "transposed tensor",
        tensors({ [layerKey(4)]: { dtype: "F16", shape: [3, 2], data: new Uint16Array(6) } }),
        manifest(okManifest),
        /readout\.safetensors.*shape \[2, 3\].*got \[3, 2\]/,
      ],
      [
        "wrong hidden_size",
        tensors({}),
        manifest({ ...okManifest, hidden_size: 4 }),
        /readout\.safetensors.*shape \[2, 4\]/,
      ],
      [
        "three concepts",
        tensors({}),
        manifest({ ...okManifest, concepts: ["a", "b", "c"] }),
        /readout\.safetensors.*shape \[3, 3\]/,
      ],
      [
        "dtype float32",
        tensors({}),
        manifest({ ...okManifest, dtype: "float32" }),
        /readout\.json.*"dtype": "float16"/,
      ],
      [
        "repeated concept",
        tensors({}),
        manifest({ ...okManifest, concepts: ["a", "a"] }),
        /readout\.json.*distinct names/,
      ],
      [
        "layers not a list",
        tensors({}),
        manifest({ ...okManifest, layers: 4 }),
        /readout\.json.*"layers"/,
      ],
      [
        "malformed JSON",
        tensors({}),
        new TextEncoder().encode("{concepts"),
        /readout\.json: expected JSON/,
      ],
    ];
    for (const [what, st, js, pattern] of bad) {
      const d = await Deno.makeTempDir({ dir: TMP, prefix: "amygdala_bad_" });
      await Deno.writeFile(`${d}/${READOUT_TENSORS}`, st);
      await Deno.writeFile(`${d}/${READOUT_MANIFEST}`, js);
      await expectError(what, () => readReadout(d), "SyntaxError", pattern);
      await Deno.remove(d, { recursive: true });
    }
    const vec = (v: Float32Array) => new Map([[4, v], [9, good.vectors.get(9)!]]);
    const refused: [string, ReadoutVectors, string, RegExp][] = [
      [
        "NaN vector",
        { ...good, vectors: vec(new Float32Array([NaN, 0, 0, 0, 1, 0])) },
        "RangeError",
        /layer 4, concept "a" holds NaN/,
      ],
      [
        "infinite vector",
        { ...good, vectors: vec(new Float32Array([0, 0, 0, 0, -Infinity, 0])) },
        "RangeError",
        /concept "b" holds -Infinity/,
      ],
      [
        "past f16 range",
        { ...good, vectors: vec(new Float32Array([7e4, 0, 0, 0, 1, 0])) },
        "RangeError",
        /f16's range/,
      ],
      [
        "short vectors",
        { ...good, vectors: vec(new Float32Array(5)) },
        "TypeError",
        /layer 4's vectors a Float32Array of 2·3 = 6 values but got 5/,
      ],
      [
        "missing layer",
        { ...good, vectors: new Map([[4, good.vectors.get(4)!]]) },
        "TypeError",
        /layer 9's vectors/,
      ],
      [
        "repeated concept",
        { ...good, concepts: ["a", "a"] },
        "TypeError",
        /distinct concepts/,
      ],
    ];
    for (const [what, r, name, pattern] of refused) {
      await expectError(what, () => writeReadout(dir, r), name, pattern);
      const after = await snapshot(dir);
      f.check(after === before, () => `${what}: the folder changed`);
    }
    // project: a token batch of another hidden size, before any GPU work.
    const projector = new ReadoutProjector(good);
    const h = tensor(new Float32Array(8), [2, 4]);
    const buffers = liveBufferCount();
    await expectError(
      "hidden size 4 against 3",
      () => projector.project(4, h),
      "TypeError",
      /expected h an f32 \[T, 3\] tensor but got f32 \[2, 4\]/,
    );
    await expectError("unknown layer", () => projector.project(5, h), "RangeError", /layer 5/);
    f.check(liveBufferCount() === buffers, () => "project leaked a buffer");
    h.dispose();
    projector.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return f.measurement("10 malformed folders, 6 refused writes, 2 refused projections");
});
