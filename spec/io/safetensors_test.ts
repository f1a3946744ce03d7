/**
 * Tests of the safetensors claims (./claims.ts): numpy-written fixtures read
 * and re-written byte for byte, f16/bf16 rounding against numpy, PyTorch and an
 * enumeration oracle, fuzzed round trips of every dtype, GPU tensors, and
 * malformed files.
 *
 * @module
 */
import fc from "fast-check";
import {
  DisposedTensorError,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
} from "../../impl/mod.ts";
import {
  bf16BitsToF32Bits,
  decodeSafetensors,
  DTYPE_BYTES,
  encodeSafetensors,
  f16BitsToF32,
  f16BitsToF32Bits,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  f32ToBf16Bits,
  f32ToF16Bits,
  loadTensors,
  SAFETENSORS_DTYPES,
  type SafetensorsDType,
  type SafetensorsTensor,
  safetensorsToTensors,
  saveTensors,
  tensorsToSafetensors,
} from "../../impl/io/mod.ts";
import { claimTest } from "../_harness/claim.ts";
import { loadPinnedJson, readPinnedFixture } from "../_harness/fixtures.ts";
import { fcParams, replayHint } from "../_harness/fuzz.ts";
import { bytesOf, Failures, firstByteDiff, withTempDir } from "./_helpers.ts";
import {
  ST_FAULT,
  ST_FIXTURE_HALF,
  ST_FIXTURE_PARITY,
  ST_FIXTURE_WRITTEN,
  ST_HALF_ROUNDING,
  ST_ROUND_TRIP,
  ST_TENSORS,
} from "./claims.ts";

const DIR = "fixtures/io";
const FILES = [
  "dtypes.safetensors",
  "plain.safetensors",
  "empty.safetensors",
  "f16_widen.safetensors",
  "narrow.safetensors",
];

interface ExpectedTensor {
  dtype: SafetensorsDType;
  shape: number[];
  /** The tensor's raw bytes in its safetensors dtype, base64 (small tensors). */
  bytes_b64?: string;
  sha256?: string;
}

interface Expected {
  format: string;
  files: Record<string, {
    metadata: Record<string, string> | null;
    tensors: Record<string, ExpectedTensor>;
  }>;
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function fixtureBytes(name: string): Promise<Uint8Array> {
  return (await readPinnedFixture(`${DIR}/${name}`)).bytes;
}

function hex(n: number, width = 4): string {
  return `0x${n.toString(16).padStart(width, "0")}`;
}

// ------------------------------------------------------------------ fixtures

claimTest(ST_FIXTURE_PARITY, async () => {
  const { data, integrity } = await loadPinnedJson<Expected>(
    `${DIR}/expected.json`,
    "memspec.io.expected.v1",
  );
  const f = new Failures();
  let tensors = 0;
  for (const name of FILES) {
    const want = data.files[name]!;
    const got = decodeSafetensors(await fixtureBytes(name), `${DIR}/${name}`);
    f.check(
      JSON.stringify(got.metadata) === JSON.stringify(want.metadata),
      () => `${name}: metadata ${JSON.stringify(got.metadata)}`,
    );
    const names = Object.keys(want.tensors).sort();
    f.check(
      JSON.stringify([...got.tensors.keys()].sort()) === JSON.stringify(names),
      () => `${name}: names ${JSON.stringify([...got.tensors.keys()])}`,
    );
    for (const [tname, w] of Object.entries(want.tensors)) {
      tensors++;
      const t = got.tensors.get(tname);
      if (!f.check(t !== undefined, () => `${name}/${tname}: missing`)) continue;
      f.check(
        t!.dtype === w.dtype && JSON.stringify(t!.shape) === JSON.stringify(w.shape),
        () => `${name}/${tname}: ${t!.dtype} [${t!.shape}] vs ${w.dtype} [${w.shape}]`,
      );
      f.check(
        t!.data.byteLength === t!.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t!.dtype],
        () => `${name}/${tname}: ${t!.data.byteLength} bytes`,
      );
      if (w.bytes_b64 !== undefined) {
        const at = firstByteDiff(t!.data, fromBase64(w.bytes_b64));
        f.check(at < 0, () => `${name}/${tname}: byte ${at} differs`);
      } else {
        const sha = await sha256Hex(bytesOf(t!.data));
        f.check(sha === w.sha256, () => `${name}/${tname}: sha256 ${sha.slice(0, 12)}…`);
      }
    }
  }
  return f.measurement(`${FILES.length} numpy-written files, ${tensors} tensors; ${integrity}`);
});

claimTest(ST_FIXTURE_WRITTEN, async () => {
  const f = new Failures();
  let bytes = 0;
  for (const name of FILES) {
    const file = await fixtureBytes(name);
    bytes += file.length;
    const { tensors, metadata } = decodeSafetensors(file, name);
    const again = encodeSafetensors(tensors, metadata ?? undefined);
    const at = firstByteDiff(again, file);
    f.check(at < 0, () => `${name}: first difference at byte ${at} of ${file.length}`);
  }
  return f.measurement(`${FILES.length} files, ${bytes} bytes compared`);
});

claimTest(ST_FIXTURE_HALF, async () => {
  const f = new Failures();
  const narrow = decodeSafetensors(await fixtureBytes("narrow.safetensors"));
  const x = narrow.tensors.get("x")!.data as Float32Array;
  const xBits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const f16 = narrow.tensors.get("f16")!.data as Uint16Array;
  const bf16 = narrow.tensors.get("bf16")!.data as Uint16Array;
  const mine16 = f32ToF16Bits(x);
  const mineBf = f32ToBf16Bits(x);
  let nans = 0;
  for (let i = 0; i < x.length; i++) {
    f.check(
      mine16[i] === f16[i],
      () => `f16 of ${hex(xBits[i]!, 8)}: ${hex(mine16[i]!)} vs numpy ${hex(f16[i]!)}`,
    );
    if (Number.isNaN(x[i])) {
      nans++;
      f.check(
        (mineBf[i]! & 0x7f80) === 0x7f80 && (mineBf[i]! & 0x7f) !== 0,
        () => `bf16 of NaN ${hex(xBits[i]!, 8)}: ${hex(mineBf[i]!)} is not a NaN`,
      );
    } else {
      f.check(
        mineBf[i] === bf16[i],
        () => `bf16 of ${hex(xBits[i]!, 8)}: ${hex(mineBf[i]!)} vs torch ${hex(bf16[i]!)}`,
      );
    }
  }
  const widen = decodeSafetensors(await fixtureBytes("f16_widen.safetensors"));
  const h = widen.tensors.get("h")!.data as Uint16Array;
  const want = widen.tensors.get("f")!.data as Float32Array;
  const wantBits = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const got = f16BitsToF32(h);
  const gotBits = new Uint32Array(got.buffer);
  for (let i = 0; i < h.length; i++) {
    f.check(
      gotBits[i] === wantBits[i],
      () => `f32 of f16 ${hex(h[i]!)}: ${hex(gotBits[i]!, 8)} vs numpy ${hex(wantBits[i]!, 8)}`,
    );
  }
  return f.measurement(
    `${x.length} f32 inputs (${nans} NaN) narrowed to f16 (numpy) and bf16 (torch); ` +
      `${h.length} f16 patterns widened (numpy)`,
  );
});

// ------------------------------------------------------------------ rounding oracle

/** Every non-negative finite f16 value, ascending (bit patterns 0 … 0x7bff). */
const F16_VALUES = Float64Array.from({ length: 0x7c00 }, (_, b) => {
  const e = b >>> 10;
  const m = b & 0x3ff;
  return e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
});

function f32Value(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}

/** The f16 bit pattern nearest to the f32 `bits` (ties to even), by enumeration. */
function f16Oracle(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const a = Math.abs(f32Value(bits));
  if (a >= 65520) return sign | 0x7c00; // 65520: halfway to 2¹⁶, whose significand is even
  let lo = 0;
  let hi = F16_VALUES.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (F16_VALUES[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  if (lo === F16_VALUES.length - 1) return sign | lo;
  const dLo = a - F16_VALUES[lo]!;
  const dHi = F16_VALUES[lo + 1]! - a;
  return sign | (dLo < dHi || (dLo === dHi && lo % 2 === 0) ? lo : lo + 1);
}

/** The bf16 bit pattern nearest to the f32 `bits` (ties to even), from the two neighbours. */
function bf16Oracle(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const mag = bits & 0x7fffffff;
  const lo = mag >>> 16;
  const a = f32Value(mag);
  const vLo = f32Value(lo << 16);
  const vHi = lo === 0x7f7f ? 2 ** 128 : f32Value((lo + 1) << 16); // past the max: Inf
  const dLo = a - vLo;
  const dHi = vHi - a;
  return sign | (dLo < dHi || (dLo === dHi && lo % 2 === 0) ? lo : lo + 1);
}

/** f32 bit patterns: uniform, and near the rounding ties of both formats. */
const f32BitsArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.record({
    sign: fc.boolean(),
    exp: fc.integer({ min: 90, max: 160 }),
    high: fc.integer({ min: 0, max: 0x3ff }),
    low: fc.constantFrom(0x1000, 0x0fff, 0x1001, 0x8000, 0x7fff, 0x8001, 0, 0x1fff),
  }).map(({ sign, exp, high, low }) =>
    ((sign ? 0x80000000 : 0) | (exp << 23) | ((high << 13) & 0x7fffff) | low) >>> 0
  ),
  fc.integer({ min: 0x7f7e0000, max: 0x7fffffff }).chain((b) =>
    fc.constantFrom(b, (b | 0x80000000) >>> 0)
  ),
);

claimTest(ST_HALF_ROUNDING, () => {
  const f = new Failures();
  const params = fcParams<[number]>(10000);
  const check = (bits: number): boolean => {
    const x = f32Value(bits);
    const h = f32BitsToF16Bits(bits);
    const b = f32BitsToBf16Bits(bits);
    if (Number.isNaN(x)) {
      // NaN stays NaN, with its sign.
      const hNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 &&
        (h & 0x8000) === (bits >>> 16 & 0x8000);
      const bNaN = (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0 &&
        (b & 0x8000) === (bits >>> 16 & 0x8000);
      return hNaN && bNaN;
    }
    const wantH = f16Oracle(bits);
    const wantB = bf16Oracle(bits);
    // Widening back gives the representable value itself.
    const hBack = f32Value(f16BitsToF32Bits(h));
    const bBack = f32Value(bf16BitsToF32Bits(b));
    const hVal = (h & 0x7fff) >= 0x7c00 ? Infinity : F16_VALUES[h & 0x7fff]!;
    return h === wantH && b === wantB && Object.is(hBack, (h & 0x8000 ? -1 : 1) * hVal) &&
      Object.is(bBack, f32Value(b << 16));
  };
  try {
    fc.assert(
      fc.property(f32BitsArb, (bits) => {
        const ok = check(bits);
        f.check(
          ok,
          () =>
            `${hex(bits, 8)}: f16 ${hex(f32BitsToF16Bits(bits))} (oracle ${
              hex(f16Oracle(bits))
            }), ` +
            `bf16 ${hex(f32BitsToBf16Bits(bits))} (oracle ${hex(bf16Oracle(bits))})`,
        );
        return ok;
      }),
      params,
    );
  } catch (e) {
    throw new Error(`${replayHint(ST_HALF_ROUNDING.id)}\n${(e as Error).message}`);
  }
  // Every f16 pattern widens to its enumerated value (exhaustive, not fuzzed).
  for (let b = 0; b < 0x7c00; b++) {
    for (const sign of [0, 0x8000]) {
      const v = f32Value(f16BitsToF32Bits(sign | b));
      f.check(Object.is(v, (sign ? -1 : 1) * F16_VALUES[b]!), () => `widen ${hex(sign | b)}: ${v}`);
    }
  }
  return f.measurement(
    `${params.numRuns} fuzzed f32 patterns (seed ${params.seed}); ` +
      "all 63488 finite f16 patterns widened",
  );
});

// ------------------------------------------------------------------ fuzzed round trip

const NAN32 = [0x7fc00000, 0xffc00001, 0x7f800001, 0xffbfffff, 0x7fa5a5a5];
const NAN16 = [0x7e00, 0xfc01, 0x7d55, 0xffff];
const NANBF = [0x7fc0, 0xff81, 0x7fa5, 0xffff];

function elementBytes(dtype: SafetensorsDType): fc.Arbitrary<number[]> {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const le16 = (v: number) => [v & 0xff, v >>> 8];
  switch (dtype) {
    case "F64":
      return fc.tuple(u32, fc.oneof(u32, fc.constantFrom(0x7ff80000, 0xfff00001, 0x7ff00000)))
        .map(([lo, hi]) => [...le32(lo), ...le32(hi)]);
    case "I64":
      return fc.tuple(u32, u32).map(([lo, hi]) => [...le32(lo), ...le32(hi)]);
    case "F32":
      return fc.oneof(u32, fc.constantFrom(...NAN32)).map(le32);
    case "I32":
      return u32.map(le32);
    case "F16":
      return fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...NAN16)).map(le16);
    case "BF16":
      return fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...NANBF)).map(le16);
    case "U8":
      return fc.integer({ min: 0, max: 255 }).map((v) => [v]);
    case "BOOL":
      return fc.integer({ min: 0, max: 1 }).map((v) => [v]);
  }
}

function typed(dtype: SafetensorsDType, bytes: Uint8Array): SafetensorsTensor["data"] {
  const buf = bytes.slice().buffer;
  switch (dtype) {
    case "F64":
      return new Float64Array(buf);
    case "F32":
      return new Float32Array(buf);
    case "F16":
    case "BF16":
      return new Uint16Array(buf);
    case "I64":
      return new BigInt64Array(buf);
    case "I32":
      return new Int32Array(buf);
    case "U8":
    case "BOOL":
      return new Uint8Array(buf);
  }
}

const tensorArb: fc.Arbitrary<SafetensorsTensor> = fc.record({
  dtype: fc.constantFrom(...SAFETENSORS_DTYPES),
  shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }),
}).chain(({ dtype, shape }) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(elementBytes(dtype), { minLength: n, maxLength: n }).map((els) =>
    ({ dtype, shape, data: typed(dtype, Uint8Array.from(els.flat())) }) as SafetensorsTensor
  );
});

const nameArb = fc.string({ unit: "grapheme", maxLength: 8 }).filter((s) => s !== "__metadata__");

const fileArb = fc.record({
  tensors: fc.uniqueArray(fc.tuple(nameArb, tensorArb), {
    maxLength: 6,
    selector: ([n]) => n,
  }),
  metadata: fc.option(
    fc.array(
      fc.tuple(fc.string({ unit: "grapheme", maxLength: 6 }), fc.string({ maxLength: 10 })),
      {
        maxLength: 3,
      },
    ),
  ),
});

type FileCase = typeof fileArb extends fc.Arbitrary<infer T> ? T : never;

claimTest(ST_ROUND_TRIP, () => {
  const f = new Failures();
  const params = fcParams<[FileCase]>(500);
  let runs = 0;
  try {
    fc.assert(
      fc.property(fileArb, ({ tensors, metadata }) => {
        runs++;
        const meta = metadata === null ? undefined : Object.fromEntries(metadata);
        const input = new Map(tensors);
        const bytes = encodeSafetensors(input, meta);
        const got = decodeSafetensors(bytes, "fuzz.safetensors");
        let ok = JSON.stringify(got.metadata) === JSON.stringify(meta ?? null) &&
          got.tensors.size === input.size;
        for (const [name, t] of input) {
          const g = got.tensors.get(name);
          ok &&= g !== undefined && g.dtype === t.dtype &&
            JSON.stringify(g.shape) === JSON.stringify(t.shape) &&
            g.data.constructor === t.data.constructor && firstByteDiff(g.data, t.data) < 0;
        }
        // Writing what was read gives the same bytes again.
        ok &&= firstByteDiff(encodeSafetensors(got.tensors, got.metadata ?? undefined), bytes) < 0;
        f.check(ok, () => `tensors ${JSON.stringify([...input.keys()])}`);
        return ok;
      }),
      params,
    );
  } catch (e) {
    throw new Error(`${replayHint(ST_ROUND_TRIP.id)}\n${(e as Error).message}`);
  }
  return f.measurement(`${runs} fuzzed files (seed ${params.seed}), every dtype, rank 0–4`);
});

// ------------------------------------------------------------------ GPU tensors

claimTest(ST_TENSORS, async () => {
  await initGpu();
  const f = new Failures();
  const specials = new Uint32Array([
    0,
    0x80000000,
    0x7f800000,
    0xff800000,
    0x7fc00000,
    0xffc12345,
    1,
    0x3f800000,
    0x477ff000,
    0x3eaaaaab,
  ]);
  const fx = new Float32Array(specials.buffer);
  const ix = new Int32Array([0, -1, 2147483647, -2147483648, 7]);
  return await withTempDir(async (dir) => {
    const a = tensor(fx, [2, 5]);
    const b = tensor(ix, [5], { dtype: "i32" });
    try {
      const path = `${dir}/t.safetensors`;
      await saveTensors(path, { a, b }, { k: "v" });
      const { tensors, metadata } = await loadTensors(path);
      const [ga, gb] = await readTensors([tensors.a!, tensors.b!]);
      f.check(JSON.stringify(metadata) === '{"k":"v"}', () => `metadata ${metadata}`);
      f.check(firstByteDiff(ga!, fx) < 0, () => "f32 tensor changed");
      f.check(firstByteDiff(gb!, ix) < 0, () => "i32 tensor changed");
      f.check(
        JSON.stringify(tensors.a!.shape) === "[2,5]" && tensors.b!.dtype === "i32",
        () => "shape or dtype changed",
      );
      tensors.a!.dispose();
      tensors.b!.dispose();
      // F16 / BF16 storage is the host rounding of the values.
      const h = await tensorsToSafetensors({ a }, { float: "F16" });
      const bf = await tensorsToSafetensors({ a }, { float: "BF16" });
      f.check(firstByteDiff(h.get("a")!.data, f32ToF16Bits(fx)) < 0, () => "F16 storage");
      f.check(firstByteDiff(bf.get("a")!.data, f32ToBf16Bits(fx)) < 0, () => "BF16 storage");
      // Every dtype uploads as the value it denotes.
      const h16 = new Uint16Array([0x3c00, 0x8001, 0x7c00, 0x7e00]);
      const entries: Record<string, SafetensorsTensor> = {
        f64: { dtype: "F64", shape: [3], data: new Float64Array([0.1, -1e300, 2 ** -149]) },
        f16: { dtype: "F16", shape: [4], data: h16 },
        bf16: { dtype: "BF16", shape: [2], data: new Uint16Array([0x3fc0, 0xff81]) },
        i64: { dtype: "I64", shape: [2], data: new BigInt64Array([-5n, 2147483647n]) },
        u8: { dtype: "U8", shape: [2], data: new Uint8Array([0, 255]) },
        bool: { dtype: "BOOL", shape: [2], data: new Uint8Array([1, 0]) },
      };
      const want: Record<string, Float32Array | Int32Array> = {
        f64: new Float32Array([0.1, -Infinity, 2 ** -149]),
        f16: f16BitsToF32(h16),
        bf16: new Float32Array(new Uint32Array([0x3fc00000, 0xff810000]).buffer),
        i64: new Int32Array([-5, 2147483647]),
        u8: new Int32Array([0, 255]),
        bool: new Int32Array([1, 0]),
      };
      const up = safetensorsToTensors(entries);
      const names = Object.keys(entries);
      const vals = await readTensors(names.map((n) => up[n]!));
      names.forEach((n, i) => {
        f.check(
          firstByteDiff(vals[i]!, want[n]!) < 0 && vals[i]!.constructor === want[n]!.constructor,
          () => `${n}: ${Array.from(vals[i]!)}`,
        );
        up[n]!.dispose();
      });
      return f.measurement("f32/i32 save-load, F16/BF16 storage, uploads of 6 dtypes");
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

// ------------------------------------------------------------------ faults

const enc = new TextEncoder();

/** A file from a header (object or raw text), a byte buffer and an optional length field. */
function craft(header: unknown, buffer: Uint8Array, length?: bigint): Uint8Array {
  const json = typeof header === "string" ? enc.encode(header) : enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

const t = (dtype: string, shape: unknown, offsets: unknown) => ({
  dtype,
  shape,
  data_offsets: offsets,
});

interface FileFault {
  name: string;
  bytes: Uint8Array;
  mentions: string[];
}

const B16 = new Uint8Array(16);

const FILE_FAULTS: FileFault[] = [
  { name: "short", bytes: new Uint8Array(5), mentions: ["at least 8 bytes"] },
  {
    name: "header length past the end",
    bytes: craft({}, new Uint8Array(0), 3n),
    mentions: ["header length 3 runs past the end"],
  },
  {
    name: "header length 2^64 - 1",
    bytes: craft({}, new Uint8Array(0), 2n ** 64n - 1n),
    mentions: ["runs past the end"],
  },
  { name: "bad JSON", bytes: craft('{"a": ', B16), mentions: ["not valid UTF-8 JSON"] },
  {
    name: "bad UTF-8",
    bytes: (() => {
      const b = craft('{"a":1}', new Uint8Array(0));
      b[10] = 0xff;
      return b;
    })(),
    mentions: ["not valid UTF-8 JSON"],
  },
  { name: "header an array", bytes: craft([], new Uint8Array(0)), mentions: ["JSON object"] },
  { name: "header a number", bytes: craft("3", new Uint8Array(0)), mentions: ["JSON object"] },
  { name: "header null", bytes: craft("null", new Uint8Array(0)), mentions: ["JSON object"] },
  {
    name: "overlap by one byte",
    bytes: craft({ a: t("F32", [2], [0, 8]), b: t("F32", [2], [7, 15]) }, B16.subarray(0, 15)),
    mentions: ["overlap"],
  },
  {
    name: "same offsets twice",
    bytes: craft({ a: t("F32", [2], [0, 8]), b: t("F32", [2], [0, 8]) }, B16.subarray(0, 8)),
    mentions: ["overlap"],
  },
  {
    name: "out of range",
    bytes: craft({ a: t("F32", [4], [0, 16]) }, B16.subarray(0, 12)),
    mentions: ["out of range"],
  },
  {
    name: "gap",
    bytes: craft({ a: t("F32", [1], [0, 4]), b: t("F32", [1], [8, 12]) }, B16.subarray(0, 12)),
    mentions: ["contiguously", "[4, 8)"],
  },
  {
    name: "trailing bytes",
    bytes: craft({ a: t("F32", [2], [0, 8]) }, B16),
    mentions: ["contiguously", "[8, 16)"],
  },
  {
    name: "leading gap",
    bytes: craft({ a: t("F32", [2], [8, 16]) }, B16),
    mentions: ["contiguously", "[0, 8)"],
  },
  {
    name: "byte size",
    bytes: craft({ a: t("F32", [3], [0, 16]) }, B16),
    mentions: ["expected 12 bytes"],
  },
  {
    name: "byte size of F16",
    bytes: craft({ a: t("F16", [2, 2], [0, 16]) }, B16),
    mentions: ["expected 8 bytes"],
  },
  {
    name: "unknown dtype",
    bytes: craft({ a: t("F8_E4M3", [16], [0, 16]) }, B16),
    mentions: ["dtype", "F8_E4M3"],
  },
  {
    name: "lower-case dtype",
    bytes: craft({ a: t("f32", [4], [0, 16]) }, B16),
    mentions: ["dtype"],
  },
  {
    name: "negative shape",
    bytes: craft({ a: t("F32", [-4], [0, 16]) }, B16),
    mentions: ["shape"],
  },
  {
    name: "fractional shape",
    bytes: craft({ a: t("F32", [2.5], [0, 16]) }, B16),
    mentions: ["shape"],
  },
  {
    name: "string shape entry",
    bytes: craft({ a: t("F32", ["4"], [0, 16]) }, B16),
    mentions: ["shape"],
  },
  {
    name: "shape not an array",
    bytes: craft({ a: t("F32", 4, [0, 16]) }, B16),
    mentions: ["shape"],
  },
  {
    name: "offsets reversed",
    bytes: craft({ a: t("F32", [0], [16, 0]) }, B16),
    mentions: ["data_offsets"],
  },
  {
    name: "three offsets",
    bytes: craft({ a: t("F32", [4], [0, 16, 16]) }, B16),
    mentions: ["data_offsets"],
  },
  {
    name: "negative offset",
    bytes: craft({ a: t("U8", [1], [-1, 0]) }, new Uint8Array(0)),
    mentions: ["data_offsets"],
  },
  {
    name: "entry not an object",
    bytes: craft({ a: [1, 2] }, new Uint8Array(0)),
    mentions: ["expected {dtype"],
  },
  {
    name: "metadata value a number",
    bytes: craft({ __metadata__: { k: 1 } }, new Uint8Array(0)),
    mentions: ["__metadata__", '"k"', "string"],
  },
  {
    name: "metadata an array",
    bytes: craft({ __metadata__: ["x"] }, new Uint8Array(0)),
    mentions: ["__metadata__"],
  },
  {
    name: "metadata null",
    bytes: craft({ __metadata__: null }, new Uint8Array(0)),
    mentions: ["__metadata__"],
  },
];

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

claimTest(ST_FAULT, async () => {
  await initGpu();
  const f = new Failures();
  // Controls: a well-formed file of the same shapes decodes.
  f.check(
    decodeSafetensors(craft({ a: t("F32", [2], [0, 8]), b: t("F32", [2], [8, 16]) }, B16))
      .tensors.size === 2,
    () => "control file did not decode",
  );
  await withTempDir(async (dir) => {
    for (const [k, c] of FILE_FAULTS.entries()) {
      const path = `${dir}/fault-${k}.safetensors`;
      await Deno.writeFile(path, c.bytes);
      for (
        const [how, run] of [
          ["decode", () => decodeSafetensors(c.bytes, path)],
          ["loadTensors", () => loadTensors(path)],
        ] as const
      ) {
        const before = liveBufferCount();
        let err: unknown = null;
        try {
          const loaded = await run();
          // A load that wrongly succeeded: release its tensors so the figure, not a leak, reports it.
          if ("tensors" in loaded && !(loaded.tensors instanceof Map)) {
            for (const t of Object.values(loaded.tensors)) t.dispose();
          }
        } catch (e) {
          err = e;
        }
        const msg = err instanceof Error ? err.message : "";
        f.check(
          err instanceof SyntaxError && msg.includes(path) &&
            c.mentions.every((m) => msg.includes(m)) && liveBufferCount() === before,
          () => `${c.name} (${how}): ${err === null ? "no error" : describeError(err)}`,
        );
      }
    }
  });
  // Bad tensors to encode: TypeErrors naming the tensor.
  const encodeFaults: [string, () => unknown, string[]][] = [
    ["unknown dtype", () =>
      encodeSafetensors({
        a: { dtype: "F8" as "F32", shape: [1], data: new Float32Array(1) },
      }), ['"a"', "dtype"]],
    ["wrong array", () =>
      encodeSafetensors({
        a: { dtype: "F32", shape: [1], data: new Float64Array(1) as unknown as Float32Array },
      }), ['"a"', "Float32Array"]],
    [
      "wrong length",
      () => encodeSafetensors({ a: { dtype: "I32", shape: [2, 2], data: new Int32Array(3) } }),
      [
        '"a"',
        "expected 4 elements",
      ],
    ],
    [
      "bad shape",
      () => encodeSafetensors({ a: { dtype: "U8", shape: [-1], data: new Uint8Array(0) } }),
      [
        '"a"',
        "shape",
      ],
    ],
    [
      "BOOL 2",
      () => encodeSafetensors({ a: { dtype: "BOOL", shape: [1], data: new Uint8Array([2]) } }),
      [
        '"a"',
        "BOOL",
      ],
    ],
    ["__metadata__ name", () =>
      encodeSafetensors({
        __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) },
      }), ["__metadata__"]],
    ["metadata value", () => encodeSafetensors({}, { k: 3 as unknown as string }), [
      '"k"',
      "string",
    ]],
  ];
  for (const [name, run, mentions] of encodeFaults) {
    let err: unknown = null;
    try {
      run();
    } catch (e) {
      err = e;
    }
    const msg = err instanceof Error ? err.message : "";
    f.check(
      err instanceof TypeError && msg.startsWith("Cannot encode") &&
        mentions.every((m) => msg.includes(m)),
      () => `encode ${name}: ${err === null ? "no error" : describeError(err)}`,
    );
  }
  // An I64 outside int32, after a valid entry: a RangeError before any upload.
  const before = liveBufferCount();
  let err: unknown = null;
  try {
    safetensorsToTensors({
      ok: { dtype: "F32", shape: [1], data: new Float32Array(1) },
      big: { dtype: "I64", shape: [2], data: new BigInt64Array([0n, 2n ** 31n]) },
    });
  } catch (e) {
    err = e;
  }
  f.check(
    err instanceof RangeError && (err as Error).message.includes('"big"') &&
      liveBufferCount() === before,
    () => `I64 out of range: ${describeError(err)}`,
  );
  // Tensors to save: a disposed tensor and a non-tensor, refused before any read-back.
  const gone = tensor([1], [1]);
  gone.dispose();
  for (
    const [name, input, cls] of [
      ["disposed tensor", { x: gone }, DisposedTensorError],
      ["non-tensor", { x: 3 as unknown as Tensor }, TypeError],
    ] as const
  ) {
    let e: unknown = null;
    try {
      await tensorsToSafetensors(input);
    } catch (err) {
      e = err;
    }
    f.check(
      e instanceof cls && (e as Error).message.includes('"x"'),
      () => `save ${name}: ${describeError(e)}`,
    );
  }
  return f.measurement(
    `${FILE_FAULTS.length} malformed files (decode and loadTensors), ${encodeFaults.length} ` +
      "encode faults, 1 upload fault, 2 save faults",
  );
});
