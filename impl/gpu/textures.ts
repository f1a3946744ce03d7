/**
 * The pool of rgba32f texture arrays that kernels read operands from (the matmul's
 * register-blocked form on fallback adapters: on llvmpipe a storage-buffer load is a loop
 * over the SIMD lanes with a bounds check per component, a texel fetch one vectorised
 * gather), and the layer count wgpu's GL backend needs for a "2d-array" view.
 *
 * @example A texture released to the pool is handed out again for the same size
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { acquireTexture, arrayLayers, releaseTexture } from "./textures.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const a = acquireTexture(4, 8, arrayLayers(1), "example");
 * strictEqual(a.depthOrArrayLayers, 2);
 * releaseTexture(a);
 * strictEqual(acquireTexture(4, 8, 2, "example again"), a);
 * ```
 *
 * @module
 */
import { deferDestroy } from "./batch.ts";
import { gpu } from "./device.ts";

/** Bytes of one rgba32f texel. */
const TEXEL_BYTES = 16;

/**
 * The most bytes of free textures the pool keeps; older ones beyond it are destroyed once
 * the work that uses them is submitted. Allocating, clearing and faulting in a fresh texture
 * per use costs about as much as the copy into it.
 */
const TEXTURE_POOL_BYTES = 64 * 2 ** 20;
let poolDevice: GPUDevice | null = null;
const pool: GPUTexture[] = [];

function textureBytes(t: GPUTexture): number {
  return t.width * t.height * t.depthOrArrayLayers * TEXEL_BYTES;
}

/**
 * An rgba32f texture of width × height texels and `layers` layers (pass
 * {@link arrayLayers}' count), from the pool when one of that size is free. A texture
 * released may be handed out again at once, before the work that reads it is submitted:
 * commands run in recorded order, so the next user's fill lands after the earlier reads.
 */
export function acquireTexture(
  width: number,
  height: number,
  layers: number,
  label: string,
): GPUTexture {
  const { device } = gpu();
  if (poolDevice !== device) {
    pool.length = 0; // textures of a lost device are gone with it
    poolDevice = device;
  }
  const i = pool.findIndex((t) =>
    t.width === width && t.height === height && t.depthOrArrayLayers === layers
  );
  if (i >= 0) return pool.splice(i, 1)[0]!;
  return device.createTexture({
    label,
    size: [width, height, layers],
    format: "rgba32float",
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST |
      GPUTextureUsage.STORAGE_BINDING,
  });
}

/** Returns a texture from {@link acquireTexture} to the pool (it must not be used again). */
export function releaseTexture(t: GPUTexture): void {
  pool.push(t);
  let bytes = pool.reduce((sum, x) => sum + textureBytes(x), 0);
  while (bytes > TEXTURE_POOL_BYTES && pool.length > 0) {
    const old = pool.shift()!;
    bytes -= textureBytes(old);
    deferDestroy(old);
  }
}

/**
 * Layers to allocate for `layers` images. wgpu's GL backend fixes a texture's view
 * dimension at creation from its layer count alone: 1 layer is taken as "2d", 6 as "cube",
 * other multiples of 6 as "cube-array". A "2d-array" view then samples the wrong image, so
 * those counts get one unused extra layer.
 */
export function arrayLayers(layers: number): number {
  let n = Math.max(2, layers);
  while (n % 6 === 0) n++;
  return n;
}
