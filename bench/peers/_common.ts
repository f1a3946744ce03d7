/**
 * Shared pieces of `bench:peers`: the workloads, their seeded inputs, the f64
 * references (memspec's oracles) with a derived f32 error bound per element,
 * and the timing method every peer is measured with.
 *
 * Method (the same for memspec and every peer):
 * 1. one call, read back, compared element-wise with the f64 oracle: a peer
 *    whose output leaves the bound is reported as wrong and not timed;
 * 2. warm-up calls (pipeline compilation stays out of the timing);
 * 3. throughput: R back-to-back calls and one sync per batch, R grown until a
 *    batch takes ≥ 250 ms, so Deno's ≥ 11 ms host sync is amortised; the
 *    figure per call is batch / R, min / median / max over the batches;
 * 4. recurrences also get "end to end": one call plus the read-back of its
 *    output, what a caller waits for (the sync included).
 *
 * @module
 */
import type { NDArray } from "../../spec/oracle/ndarray.ts";
import { matmulForward } from "../../spec/oracle/matmul.ts";
import { scanForward } from "../../spec/oracle/decepticons/retention.ts";
import { Rng } from "../../impl/gpu/rng.ts";

/** The workloads, in table order. */
export const WORKLOADS = [
  "matmul 512",
  "matmul 1024",
  "recurrence T=512",
  "recurrence T=4096",
  "chain 1000 adds",
] as const;

/** One workload's name. */
export type WorkloadId = typeof WORKLOADS[number];

/** The recurrence's state is D×D; the decay is γ (as f32, so every form decays by the same number). */
export const D = 64;
/** The decay γ of S ← γS + k vᵀ, rounded to f32 once for every peer and the oracle. */
export const GAMMA: number = Math.fround(0.99);
/** Chunk length of every chunked form. */
export const CHUNK = 64;
/** Elements of the op chain's tensors, and its length. */
export const CHAIN_SIZE = 64;
/** Adds in one chain. */
export const CHAIN_OPS = 1000;

/** Unit roundoff of f32. */
const U = 2 ** -24;

/** What the workload's figure means: GFLOP/s for matmul, ms per sequence, µs per op. */
export function unitOf(id: WorkloadId): "GFLOP/s" | "ms" | "µs/op" {
  return id.startsWith("matmul") ? "GFLOP/s" : id.startsWith("recurrence") ? "ms" : "µs/op";
}

/** Matmul size n of "matmul n". */
export function matmulSize(id: WorkloadId): number {
  return Number(id.split(" ")[1]);
}

/** Sequence length T of "recurrence T=…". */
export function recurrenceLength(id: WorkloadId): number {
  return Number(id.split("=")[1]);
}

/** Converts one call's time to the workload's figure (higher is better only for GFLOP/s). */
export function figureOf(id: WorkloadId, msPerCall: number): number {
  if (id.startsWith("matmul")) return (2 * matmulSize(id) ** 3) / (msPerCall / 1000) / 1e9;
  if (id.startsWith("recurrence")) return msPerCall;
  return (msPerCall * 1000) / CHAIN_OPS;
}

function values(seed: number, n: number, scale: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(rng.normal() * scale));
}

/** Seeded inputs of every workload (f32; the oracle reads the same values exactly). */
export interface Inputs {
  /** matmul: A, B [n, n]. */
  a?: Float32Array;
  /** matmul: B. */
  b?: Float32Array;
  /** recurrence: q, k, v [T, D] (N(0, 1)/8, the anchors' scale). */
  q?: Float32Array;
  /** recurrence: keys k [T, D]. */
  k?: Float32Array;
  /** recurrence: values v [T, D]. */
  v?: Float32Array;
  /** chain: x and the added constant c [CHAIN_SIZE]; dyadic, so every partial sum is exact. */
  x?: Float32Array;
  /** chain: the added constant. */
  c?: Float32Array;
}

/** The inputs of one workload, the same in every process. */
export function inputsOf(id: WorkloadId): Inputs {
  if (id.startsWith("matmul")) {
    const n = matmulSize(id);
    return { a: values(11 + n, n * n, 1), b: values(13 + n, n * n, 1) };
  }
  if (id.startsWith("recurrence")) {
    const t = recurrenceLength(id);
    return {
      q: values(21 + t, t * D, 1 / 8),
      k: values(23 + t, t * D, 1 / 8),
      v: values(29 + t, t * D, 1 / 8),
    };
  }
  const rng = new Rng(31);
  return {
    x: Float32Array.from({ length: CHAIN_SIZE }, () => Math.floor(rng.uniform() * 64) / 4 - 8),
    c: Float32Array.from({ length: CHAIN_SIZE }, () => Math.floor(rng.uniform() * 16) / 64),
  };
}

/** The f64 reference of a workload's output and, per element, the f32 error it may carry. */
export interface Reference {
  /** The oracle's output. */
  expected: Float64Array;
  /** Per element, the largest |f32 output − expected| the derived bound allows. */
  bound: Float64Array;
}

/**
 * matmul: memspec's f64 oracle; bound γ_K·(|A||B|)_ij with γ_K = K·u / (1 − K·u), the classic
 * forward error bound of a K-term dot product in any summation order (fma included).
 */
function matmulReference(n: number, inp: Inputs): Reference {
  const a: NDArray = { shape: [n, n], data: Float64Array.from(inp.a!) };
  const b: NDArray = { shape: [n, n], data: Float64Array.from(inp.b!) };
  const expected = matmulForward(a, b, {}).data;
  const gammaK = (n * U) / (1 - n * U);
  const absBt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) absBt[j * n + i] = Math.abs(b.data[i * n + j]!);
  }
  const bound = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = a.data.subarray(i * n, (i + 1) * n);
    for (let j = 0; j < n; j++) {
      const col = absBt.subarray(j * n, (j + 1) * n);
      let s = 0;
      for (let q = 0; q < n; q++) s += Math.abs(row[q]!) * col[q]!;
      bound[i * n + j] = gammaK * s;
    }
  }
  return { expected, bound };
}

/**
 * Recurrence S_t = γS_{t−1} + k_t v_tᵀ, o_t = S_tᵀ q_t: memspec's retention oracle (one
 * sequence, every gate γ). Bound, for any of the forms measured here: the term of step s read
 * at step t carries at most m(t − s) roundings, m(n) = 2d + 2C + T/C + 8 + 2n (per-step:
 * d + 2n + 1 — n decays, n adds, the d-term read; chunked: the d-term score, the C-term
 * intra-chunk sum, the T/C-term carry across chunks, the rounded decay masks and the final add),
 * so |ô − o|_tj ≤ u/(1 − m_max·u)·Σ_c |q_tc| (m₀·A_t + 2·B_t)_cj with
 * A_t = Σ_s γ^{t−s}|k_s||v_s|ᵀ and B_t = Σ_s (t − s)γ^{t−s}|k_s||v_s|ᵀ.
 */
function recurrenceReference(t: number, inp: Inputs): Reference {
  const fwd = scanForward({
    n: 1,
    t,
    dk: D,
    dv: D,
    q: Float64Array.from(inp.q!),
    k: Float64Array.from(inp.k!),
    v: Float64Array.from(inp.v!),
    gates: new Float64Array(t).fill(GAMMA),
    beta: null,
  });
  const m0 = 2 * D + 2 * CHUNK + t / CHUNK + 8;
  const scale = U / (1 - (m0 + 2 * t) * U);
  const a = new Float64Array(D * D);
  const b = new Float64Array(D * D);
  const bound = new Float64Array(t * D);
  for (let s = 0; s < t; s++) {
    const k = inp.k!.subarray(s * D, (s + 1) * D);
    const v = inp.v!.subarray(s * D, (s + 1) * D);
    const q = inp.q!.subarray(s * D, (s + 1) * D);
    for (let i = 0; i < D * D; i++) {
      b[i] = GAMMA * (b[i]! + a[i]!);
      a[i] = GAMMA * a[i]! + Math.abs(k[Math.floor(i / D)]!) * Math.abs(v[i % D]!);
    }
    for (let j = 0; j < D; j++) {
      let e = 0;
      for (let c = 0; c < D; c++) e += Math.abs(q[c]!) * (m0 * a[c * D + j]! + 2 * b[c * D + j]!);
      bound[s * D + j] = scale * e;
    }
  }
  return { expected: fwd.o, bound };
}

/** Chain: x + 1000·c by repeated f64 addition; the dyadic inputs keep every f32 sum exact. */
function chainReference(inp: Inputs): Reference {
  const expected = Float64Array.from(inp.x!);
  for (let r = 0; r < CHAIN_OPS; r++) {
    for (let i = 0; i < CHAIN_SIZE; i++) expected[i]! += inp.c![i]!;
  }
  const bound = Float64Array.from(
    expected,
    (_, i) => CHAIN_OPS * U * (Math.abs(inp.x![i]!) + CHAIN_OPS * Math.abs(inp.c![i]!)),
  );
  return { expected, bound };
}

/** The f64 reference and bound of a workload. */
export function referenceOf(id: WorkloadId, inp: Inputs): Reference {
  if (id.startsWith("matmul")) return matmulReference(matmulSize(id), inp);
  if (id.startsWith("recurrence")) return recurrenceReference(recurrenceLength(id), inp);
  return chainReference(inp);
}

/** Result of checking one output: the worst |error| / bound (≤ 1 passes) and the worst |error|. */
export interface Check {
  /** Every element within its bound. */
  ok: boolean;
  /** max |output − oracle|. */
  maxAbsError: number;
  /** max |output − oracle| / bound. */
  maxRatio: number;
  /** Present when the output is wrong: where and by how much. */
  detail?: string;
}

/** Compares an output with the reference, element by element. */
export function check(out: ArrayLike<number>, ref: Reference): Check {
  if (out.length !== ref.expected.length) {
    return {
      ok: false,
      maxAbsError: Infinity,
      maxRatio: Infinity,
      detail: `expected ${ref.expected.length} values but got ${out.length}`,
    };
  }
  let maxAbsError = 0;
  let maxRatio = 0;
  let worst = 0;
  for (let i = 0; i < out.length; i++) {
    const e = Math.abs(out[i]! - ref.expected[i]!);
    const r = e === 0 ? 0 : e / ref.bound[i]!;
    if (!(e <= maxAbsError)) maxAbsError = e; // NaN lands here and stays
    if (!(r <= maxRatio)) {
      maxRatio = r;
      worst = i;
    }
  }
  const ok = maxRatio <= 1 && Number.isFinite(maxAbsError);
  return {
    ok,
    maxAbsError,
    maxRatio,
    ...(ok ? {} : {
      detail: `element ${worst}: got ${out[worst]} but the f64 oracle gives ` +
        `${ref.expected[worst]} (bound ${ref.bound[worst]!.toExponential(2)})`,
    }),
  };
}

/** One prepared workload of one peer, in one form. */
export interface Prepared {
  /** Records (enqueues) one call without waiting for the GPU; returns what to release later. */
  call(): unknown | Promise<unknown>;
  /** Waits until every recorded call has finished on the GPU. */
  sync(): Promise<void>;
  /** Releases what `call` returned (after `sync`). */
  release(handle: unknown): void;
  /** One call and the read-back of its output (the end-to-end path, and the check). */
  run(): Promise<ArrayLike<number>>;
  /** Frees the inputs. */
  dispose(): void;
}

/** One way a peer runs a workload ("per-step", "chunked", …), with a note on how. */
export interface Form {
  /** The form's name. */
  form: string;
  /** How the peer runs it. */
  note: string;
  /** False when the row does not measure what the workload means (kept, but never "best peer"). */
  comparable?: boolean;
  /** Builds the call (session creation, jit tracing, uploads: not timed). */
  prepare(inputs: Inputs): Promise<Prepared>;
}

/** A peer: what it is, and the forms it offers per workload. */
export interface Peer {
  /** The peer's name in the tables. */
  name: string;
  /** Library version and backend, e.g. "@tensorflow/tfjs-backend-webgpu 4.22.0". */
  library: string;
  /** Starts the backend; returns the adapter's description. */
  init(): Promise<string>;
  /** The forms it offers for a workload. */
  forms(id: WorkloadId): Form[];
}

/** min / median / max of a list. */
export interface Stats {
  /** Smallest value. */
  min: number;
  /** Middle value (the lower middle for an even count). */
  median: number;
  /** Largest value. */
  max: number;
  /** How many values. */
  n: number;
}

/** Summary statistics (the median of an even count is the lower middle, a measured value). */
export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: s[0] ?? NaN,
    median: s[Math.floor((s.length - 1) / 2)] ?? NaN,
    max: s.at(-1) ?? NaN,
    n: s.length,
  };
}

/** One measured row. */
export interface Row {
  /** The peer's name. */
  peer: string;
  /** Library and version. */
  library: string;
  /** The adapter's description. */
  adapter: string;
  /** The workload. */
  workload: WorkloadId;
  /** The form measured. */
  form: string;
  /** How the peer runs it. */
  note: string;
  /** False: shown, but left out of "best peer" (the note says why). */
  comparable: boolean;
  /** ok: checked and timed; wrong: outside the oracle's bound (not timed); error: it threw. */
  status: "ok" | "wrong" | "error";
  /** The error, when status is "error". */
  error?: string;
  /** The comparison with the f64 oracle. */
  check?: Check;
  /** ms per call, R calls per sync. */
  perCallMs?: Stats;
  /** R: calls per sync, and the batch time it gave (ms, median). */
  reps?: number;
  /** Median batch time, ms. */
  batchMs?: number;
  /** ms for one call + read-back (recurrences). */
  endToEndMs?: Stats;
  /** Set-up cost (session creation, first call with compilation), ms. */
  setupMs?: number;
  /** The round of `--rounds=N` it was measured in (1-based; set by main.ts). */
  round?: number;
}

/** Options of the timing method. */
export interface MethodOptions {
  /** Minimum batch time, ms (R grows until a batch takes this long). */
  batchMs: number;
  /** Timed batches. */
  batches: number;
  /** End-to-end repeats (recurrences). */
  endToEnd: number;
  /** Upper bound on the time spent timing one row, ms (fewer batches beyond it, at least 3). */
  rowBudgetMs: number;
}

/** The full method; `--quick` shortens it for development. */
export const FULL: MethodOptions = { batchMs: 250, batches: 7, endToEnd: 5, rowBudgetMs: 8000 };
/** A shorter method for development runs. */
export const QUICK: MethodOptions = { batchMs: 250, batches: 3, endToEnd: 3, rowBudgetMs: 3000 };

async function batch(p: Prepared, reps: number): Promise<number> {
  const handles: unknown[] = [];
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) handles.push(await p.call());
  await p.sync();
  const ms = performance.now() - t0;
  for (const h of handles) p.release(h);
  return ms;
}

/** Checks, warms up and times one prepared form; never throws (errors become the row's status). */
export async function measure(
  row: Row,
  p: Prepared,
  ref: Reference,
  opts: MethodOptions,
): Promise<Row> {
  try {
    const out = await p.run();
    row.check = check(out, ref);
    if (!row.check.ok) {
      row.status = "wrong";
      return row;
    }
    // Warm-up and choice of R: double R until one batch takes batchMs.
    let reps = 1;
    let ms = await batch(p, reps);
    while (ms < opts.batchMs && reps < 1 << 14) {
      reps = Math.min(
        1 << 14,
        Math.ceil(reps * Math.max(2, Math.min(8, (1.2 * opts.batchMs) / ms))),
      );
      ms = await batch(p, reps);
    }
    // A form slower than a quarter of the row budget per call (the per-step loops at long T)
    // gets two batches and two end-to-end runs; its first batch (after the checked call, so
    // compiled) counts as one of them.
    const slow = reps === 1 && ms > opts.rowBudgetMs / 4;
    const batches = slow
      ? 1
      : Math.max(3, Math.min(opts.batches, Math.floor(opts.rowBudgetMs / ms)));
    const times: number[] = slow ? [ms] : [];
    for (let i = 0; i < batches; i++) times.push(await batch(p, reps));
    row.reps = reps;
    row.batchMs = stats(times).median;
    row.perCallMs = stats(times.map((t) => t / reps));
    if (row.workload.startsWith("recurrence")) {
      const e2e: number[] = [];
      const n = slow ? 2 : opts.endToEnd;
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await p.run();
        e2e.push(performance.now() - t0);
      }
      row.endToEndMs = stats(e2e);
    }
    row.status = "ok";
  } catch (e) {
    row.status = "error";
    row.error = errorText(e);
  }
  return row;
}

/** One line of an error for the report. */
export function errorText(e: unknown): string {
  const s = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return s.split("\n").slice(0, 3).join(" ").slice(0, 400);
}

/** The chunked form's constant masks (f64 → f32 once), shared by the peers that build it. */
export interface ChunkMasks {
  /** intra-chunk decay D[i, j] = γ^{i−j} for j ≤ i, else 0 [C, C]. */
  intra: Float32Array;
  /** carry into row i of a chunk: γ^{i+1} [C]. */
  rowDecay: Float32Array;
  /** weight of row j in its chunk's state: γ^{C−1−j} [C]. */
  stateDecay: Float32Array;
  /** entering state of chunk c from chunk c′ < c: γ^{C(c−1−c′)} [n, n]. */
  carry: Float32Array;
  /** n = T / C. */
  chunks: number;
}

/**
 * Masks of the chunked (all-matmul) form, C = CHUNK, n = T / C chunks:
 * O_c = ((Q_c K_cᵀ) ⊙ D) V_c + diag(γ^{i+1}) Q_c S_c, U_c = K_cᵀ diag(γ^{C−1−j}) V_c,
 * S_c = Σ_{c′<c} γ^{C(c−1−c′)} U_{c′} — one [n, n]·[n, D·D] product instead of a scan.
 */
export function chunkMasks(t: number): ChunkMasks {
  const c = CHUNK;
  const n = t / c;
  const intra = new Float32Array(c * c);
  for (let i = 0; i < c; i++) for (let j = 0; j <= i; j++) intra[i * c + j] = GAMMA ** (i - j);
  const rowDecay = Float32Array.from({ length: c }, (_, i) => GAMMA ** (i + 1));
  const stateDecay = Float32Array.from({ length: c }, (_, j) => GAMMA ** (c - 1 - j));
  const carry = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) carry[i * n + j] = GAMMA ** (c * (i - 1 - j));
  }
  return { intra, rowDecay, stateDecay, carry, chunks: n };
}
