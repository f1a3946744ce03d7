/**
 * Unknown-delay episode generator: writes every input row, the target pattern
 * and the episode length of a batch, drawing from the counter-based RNG
 * ({@link RNG_WGSL}) so the host's `Rng` reproduces each draw bit for bit.
 *
 * Episode n belongs to seed s = n / perSeed; within the seed, group
 * u = (n % perSeed) / perUnit and member e = n % perUnit. The delay K is drawn
 * from the seed's delay stream at index `iter` (mode 0, training: one K per
 * seed and iteration, shared by its batch) or read from `ks[u]` (mode 1,
 * evaluation groups). Bit j of step t ≤ K is +1 when the top bit of
 * rng_u32(bitSeed_s, ((unit·perUnit + e)·64 + t)·p + j) is set, else −1, with
 * unit = iter (mode 0) or u (mode 1). Rows: step 0 = [P, 1, 0], steps 1..K =
 * [d_t, 0, 0], step K+1 = [0…0, 0, 1], padding rows past K+1 are zero.
 *
 * Bindings: 0 uniform {n, tm, perSeed, perUnit, mode, iter, dMin, dSpan};
 * 1 streams u32 [S, 2] (bit seed, delay seed); 2 ks u32 [groups];
 * 3 x f32 [n, tm, p+2]; 4 target f32 [n, p]; 5 lens u32 [n].
 * Grid: ceil(n·tm / 64) workgroups of 64, tiled; one invocation per (episode, step).
 * Accuracy: exact (integer hashing; outputs are 0 and ±1).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { RNG_WGSL } from "../../../gpu/rng.ts";

/** Slots per episode in the bit stream (steps 0..63 may carry bits, so K ≤ 63). */
export const UD_STEP_SLOTS = 64;

/** WGSL of the generator for p pattern bits. */
export function udEpisodesWgsl(p: number): string {
  const w = p + 2;
  return `
struct Params { n: u32, tm: u32, per_seed: u32, per_unit: u32, mode: u32, iter: u32, d_min: u32, d_span: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> streams: array<u32>;
@group(0) @binding(2) var<storage, read> ks: array<u32>;
@group(0) @binding(3) var<storage, read_write> xs: array<f32>;
@group(0) @binding(4) var<storage, read_write> targets: array<f32>;
@group(0) @binding(5) var<storage, read_write> lens: array<u32>;
${WGSL_LINEAR_WORKGROUP}
${RNG_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
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
  let row = gi * ${w}u;
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
  if (t == 0u) { lens[n] = steps; }
}
`;
}
