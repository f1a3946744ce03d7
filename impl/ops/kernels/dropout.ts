/**
 * The dropout mask map, forward and backward in one program:
 * `out[i] = keep(i) ? v[i] · scale : 0`, where
 * `keep(i) = (rng_u32(seed, i) >> 8) >= threshold` (impl/gpu/rng.ts), so the
 * mask is a pure function of (seed, i) and the host can replay it bit for bit.
 * The forward maps x, the backward maps the output gradient g with the same
 * seed: the backward reuses the forward's mask without storing it.
 *
 * Uniforms {n, seed, threshold (in [0, 2²⁴]: an element is dropped with
 * probability threshold / 2²⁴), scale (f32)}. Bindings: `xs` (x or g), `out`.
 * Grid: ceil(n / 64) workgroups, tiled past 65,535.
 *
 * Accuracy: one correctly rounded f32 multiply per kept element (WGSL's `*`
 * is correctly rounded), so `out[i] = fl(v[i] · scale)` exactly; dropped
 * elements are exactly 0, whatever v[i] holds (NaN and ±∞ too: a select, not
 * a multiply by 0).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";
import { RNG_WGSL } from "../../gpu/rng.ts";

/** Invocations per workgroup of the dropout map (one element each). */
export const DROPOUT_WORKGROUP = 64;
const WG = DROPOUT_WORKGROUP;

/** The dropout map (forward on x, backward on g). */
export const DROPOUT_MAP: Program = defineProgram({
  name: "dropout_map",
  workgroupSize: WG,
  uniforms: { n: "u32", seed: "u32", threshold: "u32", scale: "f32" },
  bindings: { xs: { access: "read" }, out: { access: "read_write" } },
  helpers: () => RNG_WGSL,
  main: () =>
    `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  let keep = (rng_u32(p.seed, i) >> 8u) >= p.threshold;
  out[i] = select(0.0, xs[i] * p.scale, keep);`,
});
