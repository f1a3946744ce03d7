/**
 * Dispatch grids tiled past `maxComputeWorkgroupsPerDimension` (65,535 on most
 * adapters). Kernels recover a linear workgroup index with
 * {@link WGSL_LINEAR_WORKGROUP} and must return early when it is past the
 * work they were given, since the tiled grid may overshoot.
 *
 * @module
 */

/** WGSL helper: the linear workgroup index of a grid tiled by {@link tileGrid}. */
export const WGSL_LINEAR_WORKGROUP = `
fn linear_workgroup(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
}
`;

/**
 * Splits `count` workgroups into an (x, y, z) grid with each dimension at most `maxPerDim`.
 *
 * @example
 * ```ts
 * import { tileGrid } from "./grid.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(tileGrid(70000, 65535), [35000, 2, 1]);
 * ```
 */
export function tileGrid(count: number, maxPerDim: number): [number, number, number] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Cannot tile a grid of ${count} workgroups: expected an integer >= 0`);
  }
  if (count <= maxPerDim) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDim);
  if (y <= maxPerDim) return [Math.ceil(count / y), y, 1];
  const z = Math.ceil(count / (maxPerDim * maxPerDim));
  if (z > maxPerDim) {
    throw new RangeError(
      `Cannot dispatch ${count} workgroups: exceeds ${maxPerDim}^3 on this device`,
    );
  }
  const perZ = Math.ceil(count / z);
  const y2 = Math.ceil(perZ / maxPerDim);
  return [Math.ceil(perZ / y2), y2, z];
}
