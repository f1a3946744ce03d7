/**
 * GRU test cases: deterministic f32 inputs and weights, and one GPU run of a
 * case (states plus every gradient of Σ g ⊙ h).
 *
 * @module
 */
import { backward, type Tensor, tensor, tidy } from "../../../impl/mod.ts";
import { gru, type GruWeights } from "../../../impl/nn/gru/gru.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import type { GruGeometry, GruOracleInputs } from "../../oracle/nn/gru.ts";

/** Path of the torch fixture file. */
export const GRU_FIXTURE = "fixtures/nn/gru.json";

/** One call: geometry, f32 values (as f64), the output gradient g. */
export interface GruCase {
  g: GruGeometry;
  x: GruOracleInputs;
  gOut: Float64Array;
  label: string;
}

/** What the GPU returned for a case, as f64. */
export interface GruGpuResult {
  hs: Float64Array;
  grads: {
    x: Float64Array;
    wIh: Float64Array;
    wHh: Float64Array;
    bIh: Float64Array;
    bHh: Float64Array;
    h0: Float64Array | null;
  };
}

/** Gradient keys in a fixed order. */
export const GRU_GRAD_KEYS = ["x", "h0", "wIh", "wHh", "bIh", "bHh"] as const;

const f32s = (rng: Rng, n: number, scale: number) =>
  Float64Array.from({ length: n }, () => Math.fround(rng.uniformIn(-scale, scale)));

/**
 * A case with seeded values: weights U(±wScale/√H) (wScale 2 leaves the gates' linear range),
 * x U(±1.5), h0 U(±0.8) or null, g U(±1).
 */
export function makeGruCase(
  g: GruGeometry,
  seed: number,
  withH0: boolean,
  wScale = 2,
): GruCase {
  const rng = new Rng(seed);
  const { batch: B, steps: T, input: I, hidden: H } = g;
  const k = wScale / Math.sqrt(H);
  return {
    g,
    x: {
      x: f32s(rng, B * T * I, 1.5),
      wIh: f32s(rng, 3 * H * I, k),
      wHh: f32s(rng, 3 * H * H, k),
      bIh: f32s(rng, 3 * H, k),
      bHh: f32s(rng, 3 * H, k),
      h0: withH0 ? f32s(rng, B * H, 0.8) : null,
    },
    gOut: f32s(rng, B * T * H, 1),
    label: `B=${B} T=${T} I=${I} H=${H}${withH0 ? " h0" : ""} seed ${seed}`,
  };
}

/** Uploads a case's weights as leaves that require gradients. */
export function uploadWeights(c: GruCase): GruWeights {
  const { input: I, hidden: H } = c.g;
  const leaf = (v: Float64Array, shape: number[]) => tensor(v, shape, { requiresGrad: true });
  return {
    wIh: leaf(c.x.wIh, [3 * H, I]),
    wHh: leaf(c.x.wHh, [3 * H, H]),
    bIh: leaf(c.x.bIh, [3 * H]),
    bHh: leaf(c.x.bHh, [3 * H]),
  };
}

/** Runs a case on the GPU: states and every gradient (backward seeded with g); frees all. */
export async function runGruGpu(c: GruCase): Promise<GruGpuResult> {
  const { batch: B, steps: T, input: I, hidden: H } = c.g;
  const w = uploadWeights(c);
  const x = tensor(c.x.x, [B, T, I], { requiresGrad: true });
  const h0 = c.x.h0 === null ? undefined : tensor(c.x.h0, [B, H], { requiresGrad: true });
  const leaves: Tensor[] = [x, w.wIh, w.wHh, w.bIh, w.bHh, ...(h0 ? [h0] : [])];
  try {
    const hs = tidy(() => {
      const out = gru(x, w, h0);
      const seed = tensor(c.gOut, [B, T, H]);
      backward(out, seed);
      return out;
    });
    const read = async (t: Tensor | null | undefined) =>
      t ? Float64Array.from(await t.toFloat32()) : null;
    const result: GruGpuResult = {
      hs: (await read(hs))!,
      grads: {
        x: (await read(x.grad))!,
        wIh: (await read(w.wIh.grad))!,
        wHh: (await read(w.wHh.grad))!,
        bIh: (await read(w.bIh.grad))!,
        bHh: (await read(w.bHh.grad))!,
        h0: await read(h0?.grad),
      },
    };
    hs.dispose();
    return result;
  } finally {
    for (const t of leaves) t.dispose();
  }
}
