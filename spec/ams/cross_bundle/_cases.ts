/**
 * Cases of the cross-bundle attention claims: host parameters (f32 values held as f64), data,
 * the GPU run (forward, and backward from a fixed upstream gradient, one sync) and its
 * comparison with the oracle's tracked replay (spec/oracle/ams/cross_bundle.ts).
 *
 * @module
 */
import fc from "fast-check";
import {
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { type Cfg4, cfg4, type Cfg4Overrides } from "../../../impl/ams/config/config.ts";
import {
  CROSS_BUNDLES,
  CrossBundleAttention,
  crossBundleParameterShapes,
  fiberDim,
  headsOf,
  slotsOf,
} from "../../../impl/ams/cross_bundle/cross_bundle.ts";
import {
  CB_TRACKED,
  type CbBundle,
  type CbData,
  type CbDims,
  type CbParams,
  cbPass,
} from "../../oracle/ams/cross_bundle.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import type { Tracked } from "../../../invariants/tolerance.ts";

/** One case. */
export interface CbCase {
  label: string;
  cfg: Readonly<Cfg4>;
  dims: CbDims;
  params: CbParams;
  data: CbData;
  /** Upstream gradient of the prefix [B, L, d]. */
  up: Float64Array;
}

/** The oracle's dims of a config, batch and entry count. */
export function dimsOf(cfg: Readonly<Cfg4>, B: number, M: number): CbDims {
  const per = (f: (c: Readonly<Cfg4>, b: CbBundle) => number) =>
    Object.fromEntries(CROSS_BUNDLES.map((b) => [b, f(cfg, b)])) as Record<CbBundle, number>;
  return { d: cfg.d_LLM, B, M, dF: per(fiberDim), heads: per(headsOf), slots: per(slotsOf) };
}

/** A config from overrides, the rest Cfg4's defaults. */
export function smallCfg(o: Cfg4Overrides): Readonly<Cfg4> {
  return cfg4(o);
}

const f32 = Math.fround;

/**
 * Parameters: "init" reproduces PyTorch's defaults (LayerNorms ones/zeros, zero MHA biases,
 * prefix_scale 1/√d); "random" perturbs every one of them (γ ∈ [0.5, 1.5], biases ±0.3,
 * prefix_scale ∈ [0.1, 1]) so that every gradient path carries signal.
 */
export function makeParams(cfg: Readonly<Cfg4>, seed: number, kind: "init" | "random"): CbParams {
  const rng = new Rng(seed);
  const u = (lo: number, hi: number) => f32(rng.uniformIn(lo, hi));
  const out: Record<string, Float64Array> = {};
  const shapes = new Map(crossBundleParameterShapes(cfg));
  for (const [k, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Float64Array(n);
    const rnd = kind === "random";
    if (k === "prefix_scale") a[0] = rnd ? u(0.1, 1) : f32(1 / Math.sqrt(cfg.d_LLM));
    else if (k.endsWith("ln.weight")) { for (let i = 0; i < n; i++) a[i] = rnd ? u(0.5, 1.5) : 1; }
    else if (k.endsWith("ln.bias") || k.endsWith("proj_bias") || k.endsWith("out_proj.bias")) {
      for (let i = 0; i < n; i++) a[i] = rnd ? u(-0.3, 0.3) : 0;
    } else if (k.endsWith("in_proj_weight")) {
      const b = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < n; i++) a[i] = u(-b, b);
    } else {
      // nn.Linear: U(±1/√fan_in) for weight and bias, fan_in the weight's second dim.
      const w = k.endsWith(".weight") ? shape : shapes.get(k.replace(/bias$/, "weight"))!;
      const b = 1 / Math.sqrt(w[1]!);
      for (let i = 0; i < n; i++) a[i] = u(-b, b);
    }
    out[k] = a;
  }
  return out;
}

/** Uniform f32 values in ±amp. */
export function uniformValues(rng: Rng, n: number, amp: number): Float64Array {
  return Float64Array.from({ length: n }, () => f32(rng.uniformIn(-amp, amp)));
}

/** Options of {@link makeCase}. */
export interface CaseOptions {
  /** Mask a random subset of entries (at least one left per row). */
  mask?: boolean;
  /** Parameter kind; default "random". */
  params?: "init" | "random";
  /** Fiber amplitude; default 1. */
  amp?: number;
}

/** A seeded case. */
export function makeCase(
  label: string,
  cfg: Readonly<Cfg4>,
  B: number,
  M: number,
  seed: number,
  o: CaseOptions = {},
): CbCase {
  const rng = new Rng(seed + 7919);
  const dims = dimsOf(cfg, B, M);
  const amp = o.amp ?? 1;
  const fibers = Object.fromEntries(
    CROSS_BUNDLES.map((b) => [b, uniformValues(rng, M * dims.dF[b], amp)]),
  ) as Record<CbBundle, Float64Array>;
  let mask: boolean[] | null = null;
  if (o.mask) {
    mask = [];
    for (let r = 0; r < B; r++) {
      const keep = Math.floor(rng.uniformIn(0, M - 1e-9));
      for (let j = 0; j < M; j++) mask.push(j !== keep && rng.uniformIn(0, 1) < 0.5);
    }
  }
  const L = cfg.L_mem;
  return {
    label: `${label} (B ${B}, M ${M}, d ${cfg.d_LLM}, seed ${seed}${o.mask ? ", masked" : ""})`,
    cfg,
    dims,
    params: makeParams(cfg, seed, o.params ?? "random"),
    data: { h: uniformValues(rng, B * cfg.d_LLM, 2), fibers, mask },
    up: uniformValues(rng, B * L * cfg.d_LLM, 1),
  };
}

/** The module holding the case's parameters. */
export function buildModule(c: CbCase): CrossBundleAttention {
  return new CrossBundleAttention({ cfg: c.cfg, weights: c.params });
}

/** What one GPU run read back. */
export interface GpuRun {
  prefix: Float32Array;
  weights: Record<CbBundle, Float32Array>;
  /** "h", "fibers.<b>" and every parameter (empty without gradients). */
  grads: Record<string, Float32Array>;
}

/**
 * The module's forward and, with `grads`, the backward of Σ up·prefix; one sync; throws on a
 * leaked buffer. `m` reuses a module (its parameters' gradients are reset first).
 */
export async function runGpu(
  c: CbCase,
  o: { grads?: boolean; module?: CrossBundleAttention; h?: Float64Array } = {},
): Promise<GpuRun> {
  await initGpu();
  const before = liveBufferCount();
  const grads = o.grads ?? true;
  const m = o.module ?? buildModule(c);
  const d = c.cfg.d_LLM;
  const h = tensor(o.h ?? c.data.h, [c.dims.B, d], { requiresGrad: grads });
  const F = Object.fromEntries(
    CROSS_BUNDLES.map((b) => [
      b,
      tensor(c.data.fibers[b], [c.dims.M, c.dims.dF[b]], { requiresGrad: grads }),
    ]),
  ) as Record<CbBundle, Tensor>;
  try {
    const read = tidy(() => {
      const r = m.forward(h, F, { mask: c.data.mask });
      if (grads) backward(r.prefix, tensor(c.up, r.prefix.shape));
      return [r.prefix, r.weights.time, r.weights.topic, r.weights.ctx];
    });
    const names = grads ? m.namedParameters().map(([k]) => k) : [];
    const gts: Tensor[] = grads
      ? [h.grad!, ...CROSS_BUNDLES.map((b) => F[b].grad!), ...m.parameters().map((p) => p.grad!)]
      : [];
    const vals = await readTensors([...read, ...gts]) as Float32Array[];
    for (const t of read) t.dispose();
    const out: GpuRun = {
      prefix: vals[0]!,
      weights: { time: vals[1]!, topic: vals[2]!, ctx: vals[3]! },
      grads: {},
    };
    if (grads) {
      out.grads["h"] = vals[4]!;
      CROSS_BUNDLES.forEach((b, i) => out.grads[`fibers.${b}`] = vals[5 + i]!);
      names.forEach((k, i) => out.grads[k] = vals[8 + i]!);
      for (const p of m.parameters()) {
        p.grad?.dispose();
        p.grad = null;
      }
    }
    return out;
  } finally {
    h.dispose();
    for (const b of CROSS_BUNDLES) F[b].dispose();
    if (o.module === undefined) m.dispose();
    if (liveBufferCount() !== before) {
      // deno-lint-ignore no-unsafe-finally
      throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
    }
  }
}

/** The tracked replay of a case: forward values with bounds and, on request, gradients. */
export function tracked(c: CbCase) {
  return cbPass(CB_TRACKED, c.dims, c.params, c.data);
}

/** One compared array. */
export interface CbCompared {
  name: string;
  verdict: CloseVerdict;
}

function cmp(name: string, got: ArrayLike<number>, want: readonly Tracked[]): CbCompared {
  return {
    name,
    verdict: checkClose(got, want.map((x) => x.v), { atol: want.map((x) => x.e) }),
  };
}

/** The GPU run against the tracked replay, each element within its derived bound; worst first. */
export function compareGpu(c: CbCase, r: GpuRun): CbCompared[] {
  const t = tracked(c);
  const out: CbCompared[] = [cmp("out prefix", r.prefix, t.prefix)];
  for (const b of CROSS_BUNDLES) out.push(cmp(`out weights ${b}`, r.weights[b], t.weights[b]));
  if (Object.keys(r.grads).length > 0) {
    const g = t.backward(Array.from(c.up, (v) => ({ v, e: 0 })));
    for (const [k, v] of Object.entries(r.grads)) out.push(cmp(`grad ${k}`, v, g[k]!));
  }
  return out.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** One line for a comparison. */
export function describeCompared(c: CbCase, r: CbCompared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}

/**
 * The fuzz arbitrary: batch 1–3, entries 1–6, d_LLM 8–24, fiber dims 4·heads with 1–3 heads,
 * slots 1–3 per bundle, masks on or off.
 */
export const cbArbitrary: fc.Arbitrary<CbCase> = fc
  .record({
    B: fc.integer({ min: 1, max: 3 }),
    M: fc.integer({ min: 1, max: 6 }),
    d: fc.integer({ min: 8, max: 24 }),
    heads: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
    ),
    dh: fc.integer({ min: 2, max: 8 }),
    slots: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
    ),
    mask: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 20 }),
  })
  .map((r) => {
    const cfg = smallCfg({
      d_LLM: r.d,
      d_F_time: r.heads[0] * r.dh,
      n_heads_time: r.heads[0],
      d_F_topic: r.heads[1] * r.dh,
      n_heads_topic: r.heads[1],
      d_F_ctx: r.heads[2] * r.dh,
      n_heads_ctx: r.heads[2],
      prefix_slots_time: r.slots[0],
      prefix_slots_topic: r.slots[1],
      prefix_slots_ctx: r.slots[2],
      L_mem: r.slots[0] + r.slots[1] + r.slots[2],
    });
    return makeCase("fuzz", cfg, r.B, r.M, r.seed, { mask: r.mask && r.M > 1 });
  });
