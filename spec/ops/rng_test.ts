/**
 * Tests of the RNG claims (./rng_claims.ts): the WGSL stream against the
 * TypeScript one, bit for bit, and the distribution of the uniform draws.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, liveBufferCount, Rng } from "../../impl/mod.ts";
import { hashU32, RNG_WGSL } from "../../impl/gpu/rng.ts";
import { launch } from "../../impl/gpu/batch.ts";
import { createStorageBuffer, releaseBuffer } from "../../impl/gpu/buffers.ts";
import { WGSL_LINEAR_WORKGROUP } from "../../impl/gpu/grid.ts";
import { readBuffers } from "../../impl/gpu/readback.ts";
import { RNG_CHI2_TAIL, RNG_SIGMAS } from "../../invariants/tolerance.ts";
import { claimTest } from "../_harness/claim.ts";
import { fcParams, replayHint } from "../_harness/fuzz.ts";
import { RNG_BIT_IDENTICAL, RNG_UNIFORM_DISTRIBUTION } from "./rng_claims.ts";

const WG = 64;

/** Test kernel: for each (seed, index) pair, writes rng_u32 and the bits of rng_uniform. */
const RNG_PROBE_WGSL = `${RNG_WGSL}
struct Config { n: u32 }
@group(0) @binding(0) var<uniform> cfg: Config;
@group(0) @binding(1) var<storage, read> pairs: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (i >= cfg.n) { return; }
  let seed = pairs[2u * i];
  let index = pairs[2u * i + 1u];
  out[2u * i] = rng_u32(seed, index);
  out[2u * i + 1u] = bitcast<u32>(rng_uniform(seed, index));
}
`;

/** Runs the probe kernel on interleaved (seed, index) pairs; returns interleaved (u32, f32 bits). */
async function gpuStream(pairs: Uint32Array): Promise<Uint32Array> {
  const n = pairs.length / 2;
  const input = createStorageBuffer(pairs.byteLength, "rng pairs", pairs);
  const output = createStorageBuffer(pairs.byteLength, "rng out");
  try {
    launch({
      name: "rng_probe",
      code: RNG_PROBE_WGSL,
      uniforms: [n],
      buffers: [input, output],
      workgroups: Math.ceil(n / WG),
    });
    const [bytes] = await readBuffers([{ buffer: output, byteLength: pairs.byteLength }]);
    return new Uint32Array(bytes!);
  } finally {
    releaseBuffer(input);
    releaseBuffer(output);
  }
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** Mismatches between the GPU output and the TS stream; the first few, described. */
function compareStreams(pairs: Uint32Array, got: Uint32Array, notes: string[]): number {
  let bad = 0;
  for (let i = 0; i < pairs.length / 2; i++) {
    const seed = pairs[2 * i]!;
    const index = pairs[2 * i + 1]!;
    const u = hashU32(seed, index);
    f32[0] = (u >>> 8) * 2 ** -24;
    const wantBits = f32Bits[0]!;
    for (
      const [want, have, what] of [[u, got[2 * i]!, "u32"], [wantBits, got[2 * i + 1]!, "f32"]]
    ) {
      if (want !== have) {
        bad++;
        if (notes.length < 3) notes.push(`${what}(${seed}, ${index}): ts ${want} gpu ${have}`);
      }
    }
  }
  return bad;
}

const EDGE_U32 = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 2, 2 ** 32 - 1] as const;
const u32Arb = fc.oneof(
  fc.constantFrom(...EDGE_U32),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);

/** 2^20 pairs in four blocks: seed 0 from index 0; indices across 2^31; across 2^32 − 1; random. */
function bulkPairs(): Uint32Array {
  const n = 2 ** 20;
  const q = n / 4;
  const pairs = new Uint32Array(2 * n);
  const rng = new Rng(7);
  for (let i = 0; i < n; i++) {
    const block = Math.floor(i / q);
    const j = i % q;
    const [seed, index] = block === 0
      ? [0, j]
      : block === 1
      ? [2 ** 32 - 1, 2 ** 31 - q / 2 + j]
      : block === 2
      ? [2 ** 31, 2 ** 32 - q + j]
      : [rng.nextU32(), rng.nextU32()];
    pairs[2 * i] = seed;
    pairs[2 * i + 1] = index;
  }
  return pairs;
}

claimTest(RNG_BIT_IDENTICAL, async () => {
  await initGpu();
  const before = liveBufferCount();
  const notes: string[] = [];
  const bulk = bulkPairs();
  const bulkOut = await gpuStream(bulk);
  let mismatches = compareStreams(bulk, bulkOut, notes);
  // Block 0 is stream 0 from index 0: the host Rng's cursor API must give the same floats.
  const host = new Rng(0);
  for (let i = 0; i < bulk.length / 8; i++) {
    f32[0] = host.uniform();
    if (f32Bits[0] !== bulkOut[2 * i + 1]) {
      mismatches++;
      if (notes.length < 3) {
        notes.push(`Rng(0).uniform() #${i}: ts ${f32[0]} gpu bits ${bulkOut[2 * i + 1]}`);
      }
    }
  }
  let fuzzed = 0;
  const params = fcParams<[[number, number][]]>(100);
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(u32Arb, u32Arb), { minLength: 1, maxLength: 97 }),
        async (list) => {
          const pairs = Uint32Array.from(list.flat());
          const bad = compareStreams(pairs, await gpuStream(pairs), notes);
          mismatches += bad;
          fuzzed += list.length;
          return bad === 0;
        },
      ),
      params,
    );
  } catch (e) {
    throw new Error(
      `${RNG_BIT_IDENTICAL.id}: ${notes.join("; ")}\n${replayHint(RNG_BIT_IDENTICAL.id)}\n${
        (e as Error).message
      }`,
    );
  }
  if (liveBufferCount() !== before) throw new Error("the RNG probe leaked GPU buffers");
  return {
    figure: mismatches,
    bound: 0,
    pass: mismatches === 0,
    detail: `${bulk.length / 2} bulk + ${fuzzed} fuzzed pairs (seed ${params.seed}), u32 and ` +
      `f32 bits, and Rng(0).uniform() over the first ${bulk.length / 8} draws${
        notes.length > 0 ? `; ${notes.join("; ")}` : ""
      }`,
  };
});

// ---------------------------------------------------------------- distribution

/** ln Γ(a) for a positive integer or half-integer a, by the recurrence from Γ(1) or Γ(1/2). */
function lnGammaHalfInteger(a: number): number {
  let s = Number.isInteger(a) ? 0 : 0.5 * Math.log(Math.PI);
  for (let x = Number.isInteger(a) ? 1 : 0.5; x < a; x++) s += Math.log(x);
  return s;
}

/**
 * Regularised upper incomplete gamma Q(a, x) for x > a + 1, by Legendre's
 * continued fraction evaluated with the modified Lentz method.
 */
function upperGammaQ(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGammaHalfInteger(a)) * h;
}

/** The chi-square quantile with `df` degrees of freedom whose upper tail is `tail` (bisection). */
function chiSquareUpperQuantile(df: number, tail: number): number {
  let lo = df + 2;
  let hi = df + 100 * Math.sqrt(2 * df);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (upperGammaQ(df / 2, mid / 2) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

claimTest(RNG_UNIFORM_DISTRIBUTION, () => {
  const n = 1_000_000;
  const bins = 256;
  const rng = new Rng(20261124);
  const counts = new Float64Array(bins);
  let sum = 0;
  let sumSq = 0;
  let outside = 0;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = rng.uniform();
    xs[i] = x;
    if (!(x >= 0 && x < 1)) outside++;
    sum += x;
    counts[Math.floor(x * bins)]!++;
  }
  const mean = sum / n;
  for (const x of xs) sumSq += (x - mean) ** 2;
  const variance = sumSq / (n - 1);
  // Exact moments of k / N for k uniform on {0, …, N − 1}, N = 2^24.
  const N = 2 ** 24;
  const mu = (N - 1) / (2 * N);
  const sigma2 = (N * N - 1) / (12 * N * N);
  const mu4 = ((N * N - 1) * (3 * N * N - 7)) / (240 * N ** 4);
  const zMean = (mean - mu) / Math.sqrt(sigma2 / n);
  // Variance of the unbiased sample variance: μ4/n − σ⁴(n − 3)/(n(n − 1)).
  const varOfVar = mu4 / n - (sigma2 * sigma2 * (n - 3)) / (n * (n - 1));
  const zVar = (variance - sigma2) / Math.sqrt(varOfVar);
  const expected = n / bins;
  let chi2 = 0;
  for (const c of counts) chi2 += (c - expected) ** 2 / expected;
  const chi2Max = chiSquareUpperQuantile(bins - 1, RNG_CHI2_TAIL);
  const ratios = [
    Math.abs(zMean) / RNG_SIGMAS,
    Math.abs(zVar) / RNG_SIGMAS,
    chi2 / chi2Max,
    outside > 0 ? Infinity : 0,
  ];
  const figure = Math.max(...ratios);
  return {
    figure,
    bound: 1,
    pass: figure <= 1,
    detail: `n ${n}: z_mean ${zMean.toFixed(3)}, z_var ${zVar.toFixed(3)} (bound ${RNG_SIGMAS}), ` +
      `chi2 ${chi2.toFixed(1)} <= ${chi2Max.toFixed(1)} (df ${bins - 1}, tail ${RNG_CHI2_TAIL}), ` +
      `${outside} draws outside [0, 1)`,
  };
});

Deno.test("chi-square quantile: closed forms for df = 2 (−2 ln p) and the Wilson–Hilferty value", () => {
  const q2 = chiSquareUpperQuantile(2, 1e-6);
  if (Math.abs(q2 - -2 * Math.log(1e-6)) > 1e-9) throw new Error(`df 2: ${q2}`);
  // Wilson–Hilferty, accurate to ~0.1% at df = 255: k(1 − 2/(9k) + z·√(2/(9k)))³, z = 4.753424.
  const k = 255;
  const wh = k * (1 - 2 / (9 * k) + 4.753424 * Math.sqrt(2 / (9 * k))) ** 3;
  const q = chiSquareUpperQuantile(k, 1e-6);
  if (Math.abs(q / wh - 1) > 2e-3) throw new Error(`df 255: ${q} vs Wilson–Hilferty ${wh}`);
});
