/**
 * The online causal memory's 7 features on the GPU, for every position of a batch of byte
 * streams at once (asuramaya/decepticons:src/decepticons/online_memory.py (7be9af7), as
 * memspec's host {@link OnlineCausalMemory.trace} computes them: exact contexts, one table per
 * order, maxOrder 3).
 *
 * Row (b, t) holds the features queried before token t of stream b is counted, from the tokens
 * s < t of that stream only: f0 the unigram entropy (nats, p clipped below at 1e-10), f1 the
 * max unigram p, f2 the entropy of the bigram row of the previous token, f3 its max p, f4 the
 * max p of the trigram row of the previous two tokens, f5 log1p(tokens seen), f6 log1p(bigram
 * row total); undefined features are 0.
 *
 * The original computes them in a Python double loop on the CPU inside the model's forward.
 * Here one invocation owns one (b, t): it counts the stream's tokens s < t into three private
 * count arrays (unigram, the bigram row of x_{t−1}, the trigram row of (x_{t−2}, x_{t−1})),
 * O(t + 256) steps, then reduces them. No host sync; not differentiable (the inputs are ids).
 *
 * Ids live on the GPU and cannot be refused there without a sync (as the embedding's): an id
 * outside [0, 256) is never wrapped; it is not counted, and a context holding one has no row
 * (its features are 0), as its embedding row is zero. The host memory refuses such ids.
 *
 * Accuracy: the counts are exact integers in f32 (t < 2²⁴); f1, f3, f4 are one WGSL division
 * of exact integers (2.5 ULP, the ledger's WGSL_DIV_REL); the entropies are a sequential sum of
 * 256 terms p·log p with WGSL's log (3 ULP, 2⁻²¹ absolute in [0.5, 2]); f5, f6 one log of an
 * exact integer. spec/decepticons/memory/online_gpu_test.ts replays the kernel's operations with
 * the ledger's track rules for the bound of every feature.
 *
 * @example The features of "abab" equal the host trace's within f32
 * ```ts
 * import { initGpu, liveBufferCount, tensor, tidy } from "../../mod.ts";
 * import { onlineCausalFeatures } from "./online_causal_gpu.ts";
 * import { OnlineCausalMemory } from "./online_causal.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const ids = tensor(Int32Array.of(97, 98, 97, 98), [1, 4], { dtype: "i32" });
 * const f = tidy(() => onlineCausalFeatures(ids));
 * const got = await f.toArray();
 * const want = OnlineCausalMemory.trace([97, 98, 97, 98]);
 * ok(got.every((v, i) => Math.abs(v - want[i]!) < 1e-5));
 * f.dispose();
 * ids.dispose();
 * ok(liveBufferCount() === before);
 * ```
 *
 * @module
 */
import { defineProgram, dispatch, type Program } from "../../gpu/program.ts";
import { assertLive, emptyLike, Tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";
import { OCM_ENTROPY_CLIP, OCM_FEATURES } from "./online_causal.ts";

/** Invocations per workgroup of the feature kernel (one per position). */
export const OCM_GPU_WORKGROUP = 64;

/** The vocabulary the kernel counts: bytes. */
export const OCM_GPU_VOCAB = 256;

/**
 * Longest stream the kernel accepts: one invocation loops t + 257 + 1 times, and llvmpipe stops
 * a loop after 65,535 header evaluations (the adapter's budget is checked at launch as well).
 */
export const OCM_GPU_MAX_T = 32768;

/** The feature kernel: one invocation per (b, t), counts over s < t, then the 7 features. */
export const OCM_FEATURES_PROGRAM: Program = defineProgram({
  name: "online_causal_features",
  workgroupSize: OCM_GPU_WORKGROUP,
  uniforms: { n: "u32", t: "u32" },
  bindings: { tokens: { access: "read", type: "i32" }, out: { access: "read_write" } },
  helpers: () => `
const V: u32 = ${OCM_GPU_VOCAB}u;
const CLIP: f32 = ${OCM_ENTROPY_CLIP};
fn valid(x: i32) -> bool { return x >= 0 && x < i32(V); }
`,
  main: () => `
  let i = wg * ${OCM_GPU_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  let t = i % p.t;
  let row = i - t;
  var uni: array<u32, ${OCM_GPU_VOCAB}>;
  var bi: array<u32, ${OCM_GPU_VOCAB}>;
  var tri: array<u32, ${OCM_GPU_VOCAB}>; // function-scope variables start at zero (WGSL)
  // The contexts of the query at t: x_{t-1} (bigram row) and (x_{t-2}, x_{t-1}) (trigram row).
  var prev = -1;
  var prev2 = -1;
  if (t >= 1u) { prev = tokens[row + t - 1u]; }
  if (t >= 2u) { prev2 = tokens[row + t - 2u]; }
  let hasBi = valid(prev);
  let hasTri = hasBi && valid(prev2);
  var n = 0u;
  var nb = 0u;
  var nt = 0u;
  // Query before update: only the tokens s < t are counted.
  for (var s = 0u; s < t; s++) {
    let x = tokens[row + s];
    if (!valid(x)) { continue; }
    let xv = u32(x);
    uni[xv] += 1u;
    n += 1u;
    if (hasBi && s >= 1u && tokens[row + s - 1u] == prev) {
      bi[xv] += 1u;
      nb += 1u;
      if (hasTri && s >= 2u && tokens[row + s - 2u] == prev2) {
        tri[xv] += 1u;
        nt += 1u;
      }
    }
  }
  let fn_ = f32(n);
  let fb = f32(nb);
  // An unseen token's term −pc·ln pc at the clip, the same for every zero count.
  let clipTerm = CLIP * log(CLIP);
  var h0 = 0.0;
  var h2 = 0.0;
  var m0 = 0u;
  var m2 = 0u;
  var m4 = 0u;
  for (var v = 0u; v < V; v++) {
    let cu = uni[v];
    let cb = bi[v];
    m0 = max(m0, cu);
    m2 = max(m2, cb);
    m4 = max(m4, tri[v]);
    if (cu == 0u) { h0 = h0 - clipTerm; } else { let pu = f32(cu) / fn_; h0 = h0 - pu * log(pu); }
    if (cb == 0u) { h2 = h2 - clipTerm; } else { let pb = f32(cb) / fb; h2 = h2 - pb * log(pb); }
  }
  let o = i * ${OCM_FEATURES}u;
  out[o] = select(0.0, h0, n > 0u);
  out[o + 1u] = select(0.0, f32(m0) / fn_, n > 0u);
  out[o + 2u] = select(0.0, h2, nb > 0u);
  out[o + 3u] = select(0.0, f32(m2) / fb, nb > 0u);
  out[o + 4u] = select(0.0, f32(m4) / f32(nt), nt > 0u);
  out[o + 5u] = select(0.0, log(1.0 + fn_), n > 0u);
  out[o + 6u] = select(0.0, log(1.0 + fb), nb > 0u);
`,
  // Counting (t ≤ T − 1 steps) and reducing, each loop k + 1 header evaluations.
  loopIterations: (_s, steps) => OCM_GPU_VOCAB + 1 + steps + 1,
});

/**
 * The online causal memory's 7 features [B, T, 7] (f32) of byte ids [B, T] (i32), every
 * stream from the empty memory: row (b, t) is queried before token t is counted (see the module
 * documentation). Records GPU work only (no sync); not differentiable. Ids outside [0, 256)
 * are not counted (see the module documentation).
 *
 * @throws {TypeError} when tokens are not a live i32 Tensor [B, T].
 * @throws {RangeError} when B < 1, T < 1 or T > {@link OCM_GPU_MAX_T}.
 */
export function onlineCausalFeatures(tokens: Tensor): Tensor {
  if (!(tokens instanceof Tensor)) {
    throw new TypeError(
      `Cannot compute the online causal features: expected tokens as an i32 Tensor [B, T] but ` +
        `got ${shown(tokens)}`,
    );
  }
  assertLive(tokens, "onlineCausalFeatures", "tokens");
  if (tokens.dtype !== "i32" || tokens.rank !== 2) {
    throw new TypeError(
      `Cannot compute the online causal features: expected tokens as an i32 Tensor [B, T] but ` +
        `got ${tokens.dtype} [${tokens.shape.join(", ")}]`,
    );
  }
  const [b, t] = tokens.shape as [number, number];
  if (b < 1 || t < 1 || t > OCM_GPU_MAX_T) {
    throw new RangeError(
      `Cannot compute the online causal features: expected tokens [B, T] with B >= 1 and ` +
        `1 <= T <= ${OCM_GPU_MAX_T} but got [${b}, ${t}]`,
    );
  }
  const out = emptyLike([b, t, OCM_FEATURES], "f32", "online causal features");
  dispatch(OCM_FEATURES_PROGRAM, {
    uniforms: { n: b * t, t },
    buffers: { tokens: tokens.buffer, out: out.buffer },
    workgroups: Math.ceil((b * t) / OCM_GPU_WORKGROUP),
    steps: t,
  });
  return out;
}
