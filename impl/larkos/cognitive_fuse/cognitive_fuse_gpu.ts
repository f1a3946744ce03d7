/**
 * The cognitive fusion on the GPU: a batch of calls packed into one data buffer, four
 * dispatches (coefficient table, query, memory scores, top-K + softmax + bands + mix + LN;
 * see kernels/fuse.ts) and one host sync for the whole batch. The hash is exact (u32-pair
 * emulation of the C's u64 arithmetic); the rest follows the host's f32 order, so outputs
 * differ from {@link cognitiveFuse} only through WGSL's exp, sqrt and division.
 *
 * @example Two calls, one sync
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { cognitiveFuseGpuBatch } from "./cognitive_fuse_gpu.ts";
 * import { cognitiveFuse } from "./cognitive_fuse.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const dw = new Array(22).fill(0.1);
 * const a = { llm: [1, 2, 3], memories: [], importances: [], defaultWeights: dw,
 *   memWeightRatio: 0.5, contextFactor: 0.5 };
 * const b = { ...a, memories: [new Array(22).fill(1)], importances: [2] };
 * const [ga, gb] = await cognitiveFuseGpuBatch([a, b]);
 * const ha = cognitiveFuse(a);
 * ok(ga!.every((v, i) => Math.abs(v - ha[i]!) < 1e-5) && gb!.length === 64);
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { createStorageBuffer, releaseBuffer } from "../../gpu/buffers.ts";
import { dispatch } from "../../gpu/program.ts";
import { readBuffers } from "../../gpu/readback.ts";
import { checkList, shown } from "../../validate.ts";
import {
  CF_DIM,
  CF_MEMORY_WIDTH,
  type CheckedFuseInput,
  checkFuseInput,
  type CognitiveFuseInput,
} from "./cognitive_fuse.ts";
import {
  CF_FUSE,
  CF_META_WORDS,
  CF_QUERY,
  CF_SCORES,
  CF_TABLE,
  CF_TABLE_SIZE,
} from "./kernels/fuse.ts";
import { CF_HASH } from "./kernels/hash.ts";

const f = Math.fround;

/** The C's 1.0f / sqrtf((float)n) for a projection of length n > 0 (0 for n = 0, unused). */
function projectionScale(n: number): number {
  return n > 0 ? f(1 / f(Math.sqrt(f(n)))) : 0;
}

interface Packed {
  data: Float32Array;
  meta: Uint32Array;
  memcall: Uint32Array;
  total: number;
  maxLT: number;
  maxN: number;
}

function pack(calls: readonly CheckedFuseInput[]): Packed {
  let floats = 0;
  let total = 0;
  for (const x of calls) {
    floats += x.llm.length + x.text.length + CF_MEMORY_WIDTH + x.n * (1 + CF_MEMORY_WIDTH) + 4;
    total += x.n;
  }
  const data = new Float32Array(Math.max(1, floats));
  const meta = new Uint32Array(CF_META_WORDS * calls.length);
  const memcall = new Uint32Array(Math.max(1, total));
  let at = 0;
  let mem = 0;
  let maxLT = 0;
  let maxN = 0;
  const put = (a: Float32Array): number => {
    data.set(a, at);
    at += a.length;
    return at - a.length;
  };
  calls.forEach((x, b) => {
    const m = meta.subarray(b * CF_META_WORDS, (b + 1) * CF_META_WORDS);
    m[0] = put(x.llm);
    m[1] = x.llm.length;
    m[2] = put(x.text);
    m[3] = x.text.length;
    m[4] = put(x.dw);
    m[5] = put(x.imp);
    m[6] = put(x.vec);
    m[7] = x.n;
    m[8] = put(
      Float32Array.of(
        x.beta,
        x.c,
        projectionScale(x.llm.length),
        projectionScale(x.text.length),
      ),
    );
    m[9] = mem;
    memcall.fill(b, mem, mem + x.n);
    mem += x.n;
    maxLT = Math.max(maxLT, x.llm.length + x.text.length);
    maxN = Math.max(maxN, x.n);
  });
  return { data, meta, memcall, total, maxLT, maxN };
}

/**
 * The fused 64-vectors of a batch of calls, computed on the GPU in four dispatches with one
 * host sync. Every input is checked before any GPU work.
 *
 * @throws {TypeError} when `inputs` is not an array, or an input is malformed (as
 *   {@link cognitiveFuse}).
 * @throws {RangeError} when a value is not finite in f32, or when a call's llm and text
 *   together are too long for one invocation within the adapter's loop budget.
 */
export async function cognitiveFuseGpuBatch(
  inputs: readonly CognitiveFuseInput[],
): Promise<Float32Array[]> {
  if (!Array.isArray(inputs)) {
    throw new TypeError(
      `Cannot run cognitiveFuseGpuBatch: expected an array of inputs but got ${shown(inputs)}`,
    );
  }
  const calls = inputs.map((x, i) => checkFuseInput(x, `cognitiveFuseGpuBatch (call ${i})`));
  if (calls.length === 0) return [];
  const p = pack(calls);
  const budget = gpu().maxLoopIterations;
  const queryLoops = CF_QUERY.loopIterations!({}, p.maxLT);
  if (queryLoops > budget) {
    throw new RangeError(
      `Cannot run cognitiveFuseGpuBatch: expected llm and text of at most ` +
        `${budget - (queryLoops - p.maxLT)} values together per call (the adapter's loop ` +
        `budget) but got ${p.maxLT}`,
    );
  }
  const B = calls.length;
  const bufs: GPUBuffer[] = [];
  const make = (bytes: number, label: string, src?: ArrayBufferView) => {
    const buf = createStorageBuffer(bytes, label, src);
    bufs.push(buf);
    return buf;
  };
  try {
    const data = make(p.data.byteLength, "cognitive_fuse data", p.data);
    const meta = make(p.meta.byteLength, "cognitive_fuse meta", p.meta);
    const memcall = make(p.memcall.byteLength, "cognitive_fuse memcall", p.memcall);
    const coefs = make(CF_TABLE_SIZE * 4, "cognitive_fuse coefficients");
    const q = make(B * CF_DIM * 4, "cognitive_fuse q");
    const keys = make(Math.max(1, p.total) * CF_DIM * 4, "cognitive_fuse keys");
    const scores = make(Math.max(1, p.total) * 4, "cognitive_fuse scores");
    const out = make(B * CF_DIM * 4, "cognitive_fuse out");
    dispatch(CF_TABLE, { buffers: { coefs }, workgroups: Math.ceil(CF_TABLE_SIZE / 64) });
    dispatch(CF_QUERY, {
      uniforms: { calls: B, d: CF_DIM },
      buffers: { data, calls_tab: meta, q },
      workgroups: B,
      steps: p.maxLT,
    });
    if (p.total > 0) {
      dispatch(CF_SCORES, {
        uniforms: { total: p.total, d: CF_DIM, w: CF_MEMORY_WIDTH },
        buffers: { data, calls_tab: meta, memcall, q, coefs, keys, scores },
        workgroups: Math.ceil(p.total / 64),
      });
    }
    dispatch(CF_FUSE, {
      uniforms: { calls: B, d: CF_DIM },
      buffers: { data, calls_tab: meta, q, coefs, keys, scores, out },
      workgroups: B,
      steps: p.maxN,
    });
    const [bytes] = await readBuffers([{ buffer: out, byteLength: B * CF_DIM * 4 }]);
    const all = new Float32Array(bytes!);
    return calls.map((_, b) => all.slice(b * CF_DIM, (b + 1) * CF_DIM));
  } finally {
    for (const buf of bufs) releaseBuffer(buf);
  }
}

/**
 * The fused 64-vector of one call on the GPU ({@link cognitiveFuseGpuBatch} of one).
 *
 * @throws {TypeError | RangeError} as {@link cognitiveFuseGpuBatch}.
 *
 * @example
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { cognitiveFuseGpu } from "./cognitive_fuse_gpu.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const out = await cognitiveFuseGpu({
 *   llm: [0.1, 0.2], memories: [], importances: [], defaultWeights: new Array(22).fill(0),
 *   memWeightRatio: 0, contextFactor: 0.5,
 * });
 * strictEqual(out.length, 64);
 * ```
 */
export async function cognitiveFuseGpu(input: CognitiveFuseInput): Promise<Float32Array> {
  const [out] = await cognitiveFuseGpuBatch([input]);
  return out!;
}

function checkIndices(what: string, v: unknown): Uint32Array {
  const n = checkList("projCoefGpu", what, v);
  const xs = v as ArrayLike<unknown>;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 0xffffffff) {
      throw new RangeError(
        `Cannot run projCoefGpu: expected ${what}[${i}] to be an integer in [0, 4294967295] ` +
          `but got ${shown(x)}`,
      );
    }
    out[i] = x;
  }
  return out;
}

/**
 * The hash coefficients coef(r[i], c[i]) computed by the WGSL u32-pair emulation, one
 * dispatch and one sync: bit-identical to {@link projCoef}.
 *
 * @throws {TypeError} when r or c is not a list, or their lengths differ.
 * @throws {RangeError} when an entry is not an integer in [0, 2³² − 1].
 *
 * @example
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { projCoefGpu } from "./cognitive_fuse_gpu.ts";
 * import { projCoef } from "./cognitive_fuse.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const [c] = await projCoefGpu([3001], [1]);
 * strictEqual(c, projCoef(3001, 1));
 * ```
 */
export async function projCoefGpu(
  r: ArrayLike<number>,
  c: ArrayLike<number>,
): Promise<Float32Array> {
  const rs = checkIndices("r", r);
  const cs = checkIndices("c", c);
  if (rs.length !== cs.length) {
    throw new TypeError(
      `Cannot run projCoefGpu: expected r and c of one length but got ${rs.length} and ${cs.length}`,
    );
  }
  const n = rs.length;
  if (n === 0) return new Float32Array(0);
  const bufs = [
    createStorageBuffer(n * 4, "projCoefGpu r", rs),
    createStorageBuffer(n * 4, "projCoefGpu c", cs),
    createStorageBuffer(n * 4, "projCoefGpu coef"),
  ];
  try {
    dispatch(CF_HASH, {
      uniforms: { count: n },
      buffers: { r: bufs[0], c: bufs[1], coef: bufs[2] },
      workgroups: Math.ceil(n / 64),
    });
    const [bytes] = await readBuffers([{ buffer: bufs[2]!, byteLength: n * 4 }]);
    return new Float32Array(bytes!);
  } finally {
    for (const b of bufs) releaseBuffer(b);
  }
}
