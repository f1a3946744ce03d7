/**
 * Sizes and the flat parameter layout of the unknown-delay slow net, as the
 * GPU kernels address it. Per seed the parameters are one f32 vector:
 * W_xh [H, p+2], b_h [H], W_hk [d_k, H], b_k [d_k], W_hv [p, H], b_v [p],
 * W_hq [d_k, H], b_q [d_k], w_hg [H], b_g [1], each row-major, in this order;
 * GPU buffers pad each seed's vector with zeros to `stride` (a multiple of 4)
 * so the slow-net kernels can read it as vec4 rows.
 *
 * @example
 * ```ts
 * import { udLayout, UNKNOWN_DELAY_DEFAULTS } from "./layout.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(udLayout(UNKNOWN_DELAY_DEFAULTS).total, 917);
 * ```
 *
 * @module
 */
import { shown } from "../../validate.ts";

/** Sizes and write strength of the unknown-delay model. */
export interface UnknownDelayConfig {
  /** Pattern bits p; inputs have p + 2 entries (pattern, store flag, recall flag). */
  readonly p: number;
  /** Hidden units H. */
  readonly hidden: number;
  /** Key and query size d_k. */
  readonly keyDim: number;
  /** Write strength η. */
  readonly eta: number;
}

/** The original's defaults: p = 4, H = 32, d_k = 8, η = 0.5. */
export const UNKNOWN_DELAY_DEFAULTS: UnknownDelayConfig = { p: 4, hidden: 32, keyDim: 8, eta: 0.5 };

/** The compile-time sizes of the unknown-delay programs (a config without η). */
export interface UdSizes extends Record<string, number> {
  /** Pattern bits p (inputs have p + 2 entries), in [1, 256]. */
  p: number;
  /** Hidden units H of the slow net, in [1, 256]. */
  hidden: number;
  /** Key and query size d_k, in [1, 256]. */
  keyDim: number;
}

/** The compile-time sizes of the programs shaped by the pattern size alone. */
export interface UdPatternSizes extends Record<string, number> {
  /** Pattern bits p (the width of each stored pattern and recall target), in [1, 256]. */
  p: number;
}

/** The program sizes of `cfg`. */
export function udSizes(cfg: UnknownDelayConfig): UdSizes {
  return { p: cfg.p, hidden: cfg.hidden, keyDim: cfg.keyDim };
}

/** Offsets of every parameter in the flat per-seed vector, and its length. */
export interface UdLayout {
  /** Offset of W_xh [H, p+2]. */
  readonly wxh: number;
  /** Offset of b_h [H]. */
  readonly bh: number;
  /** Offset of W_hk [d_k, H]. */
  readonly whk: number;
  /** Offset of b_k [d_k]. */
  readonly bk: number;
  /** Offset of W_hv [p, H]. */
  readonly whv: number;
  /** Offset of b_v [p]. */
  readonly bv: number;
  /** Offset of W_hq [d_k, H]. */
  readonly whq: number;
  /** Offset of b_q [d_k]. */
  readonly bq: number;
  /** Offset of w_hg [H]. */
  readonly whg: number;
  /** Offset of b_g [1]. */
  readonly bg: number;
  /** Parameters per seed: H(p+3) + (2d_k + p + 1)(H + 1). */
  readonly total: number;
  /** Per-seed stride of GPU parameter buffers: `total` rounded up to a multiple of 4 (zero padding). */
  readonly stride: number;
  /** Head outputs per step: d_k (key) + p (value) + d_k (query) + 1 (gate). */
  readonly heads: number;
}

/**
 * Validates a configuration: an object with integer sizes in [1, 256] and a finite f32 η.
 *
 * @throws {TypeError} when `cfg` is not an object or a field not a number.
 * @throws {RangeError} naming the bad field.
 */
export function checkUdConfig(cfg: UnknownDelayConfig, op: string): void {
  checkUdSizes(cfg, op);
  if (typeof cfg.eta !== "number") {
    throw new TypeError(`Cannot ${op}: expected eta to be a number but got ${shown(cfg.eta)}`);
  }
  if (!Number.isFinite(Math.fround(cfg.eta))) {
    throw new RangeError(`Cannot ${op}: eta must be finite, got ${cfg.eta}`);
  }
}

/**
 * Validates the sizes of a configuration: an object with integer p, hidden and keyDim in
 * [1, 256].
 *
 * @throws {TypeError} when `cfg` is not an object or a size not a number.
 * @throws {RangeError} naming the bad field.
 */
export function checkUdSizes(
  cfg: Pick<UnknownDelayConfig, "p" | "hidden" | "keyDim">,
  op: string,
): void {
  if (cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) {
    throw new TypeError(`Cannot ${op}: expected a configuration object but got ${shown(cfg)}`);
  }
  for (const k of ["p", "hidden", "keyDim"] as const) {
    const v = cfg[k];
    if (typeof v !== "number") {
      throw new TypeError(`Cannot ${op}: expected ${k} to be a number but got ${shown(v)}`);
    }
    if (!Number.isInteger(v) || v < 1 || v > 256) {
      throw new RangeError(`Cannot ${op}: ${k} must be an integer in [1, 256], got ${v}`);
    }
  }
}

/** The flat layout for `cfg` (η plays no part). */
export function udLayout(cfg: Pick<UnknownDelayConfig, "p" | "hidden" | "keyDim">): UdLayout {
  checkUdSizes(cfg, "lay out unknown-delay parameters (udLayout)");
  const { p, hidden: h, keyDim: dk } = cfg;
  const wxh = 0;
  const bh = wxh + h * (p + 2);
  const whk = bh + h;
  const bk = whk + dk * h;
  const whv = bk + dk;
  const bv = whv + p * h;
  const whq = bv + p;
  const bq = whq + dk * h;
  const whg = bq + dk;
  const bg = whg + h;
  const total = bg + 1;
  return {
    wxh,
    bh,
    whk,
    bk,
    whv,
    bv,
    whq,
    bq,
    whg,
    bg,
    total,
    stride: Math.ceil(total / 4) * 4,
    heads: 2 * dk + p + 1,
  };
}
