/**
 * Unknown-delay episode generator: writes every input row, the target pattern
 * and the episode length of a batch, drawing from the counter-based RNG
 * ({@link RNG_WGSL}) so the host's `Rng` reproduces each draw bit for bit.
 *
 * Episode n belongs to seed s = n / per_seed; within the seed, group
 * u = (n % per_seed) / per_unit and member e = n % per_unit. The delay K is drawn
 * from the seed's delay stream at index `iter` (mode 0, training: one K per
 * seed and iteration, shared by its batch) or read from `ks[u]` (mode 1,
 * evaluation groups). Bit j of step t ≤ K is +1 when the top bit of
 * rng_u32(bitSeed_s, ((unit·per_unit + e)·64 + t)·p + j) is set, else −1, with
 * unit = iter (mode 0) or u (mode 1). Rows: step 0 = [P, 1, 0], steps 1..K =
 * [d_t, 0, 0], step K+1 = [0…0, 0, 1], padding rows past K+1 are zero.
 *
 * Uniforms: n (episodes), tm (padded steps), per_seed, per_unit, mode, iter,
 * d_min, d_span (delays of mode 0 in [d_min, d_min + d_span)).
 * Bindings: streams u32 [S, 2] (bit seed, delay seed); ks u32 [groups] (the
 * delays of mode 1; optional, absent in mode 0); xs f32 [n, tm, p+2];
 * targets f32 [n, p]; lens u32 [n].
 * Grid: ceil(n·tm / 64) workgroups of 64, tiled; one invocation per (episode, step).
 * Accuracy: exact (integer hashing; outputs are 0 and ±1).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { RNG_WGSL } from "../../../gpu/rng.ts";
import type { UdPatternSizes } from "../layout.ts";

/** Slots per episode in the bit stream (steps 0..63 may carry bits, so K ≤ 63). */
export const UD_STEP_SLOTS = 64;

/** The episode generator; its WGSL depends on the pattern size p only. */
export const UD_EPISODES: Program<UdPatternSizes> = defineProgram<UdPatternSizes>({
  name: "fastweights_ud_episodes",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    tm: "u32",
    per_seed: "u32",
    per_unit: "u32",
    mode: "u32",
    iter: "u32",
    d_min: "u32",
    d_span: "u32",
  },
  bindings: {
    streams: { access: "read", type: "u32" },
    ks: { access: "read", type: "u32", optional: true },
    xs: { access: "read_write" },
    targets: { access: "read_write" },
    lens: { access: "read_write", type: "u32" },
  },
  helpers: () => RNG_WGSL,
  main: ({ p }) => `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * prm.tm) { return; }
  let n = gi / prm.tm;
  let t = gi % prm.tm;
  let s = n / prm.per_seed;
  let r = n % prm.per_seed;
  let e = r % prm.per_unit;
  var k: u32;
  var unit: u32;
  if (prm.mode == 0u) {
    k = prm.d_min + (((rng_u32(streams[2u * s + 1u], prm.iter) >> 8u) * prm.d_span) >> 24u);
    unit = prm.iter;
  } else {
    unit = r / prm.per_unit;
    k = ks[unit];
  }
  let steps = k + 2u;
  let row = gi * ${p + 2}u;
  let base = ((unit * prm.per_unit + e) * ${UD_STEP_SLOTS}u + t) * ${p}u;
  for (var j = 0u; j < ${p}u; j++) {
    var bit = 0.0;
    if (t <= k) {
      bit = select(-1.0, 1.0, (rng_u32(streams[2u * s], base + j) >> 31u) == 1u);
    }
    xs[row + j] = bit;
    if (t == 0u) { targets[n * ${p}u + j] = bit; }
  }
  xs[row + ${p}u] = select(0.0, 1.0, t == 0u);
  xs[row + ${p + 1}u] = select(0.0, 1.0, t + 1u == steps);
  if (t == 0u) { lens[n] = steps; }`,
  loopIterations: ({ p }) => p + 1,
});
