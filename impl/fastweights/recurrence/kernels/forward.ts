/**
 * The fast-weight recurrence, forward, fused over all time steps: for each
 * episode n and each row a of the state,
 *   W_t[a, :] = W_{t−1}[a, :] + ((η·g_t)·v_t[a])·k_t      (t = 0..T_n−1, W_{−1} = W0 or 0)
 * then the read y[a] = Σ_c W_{T−1}[a, c]·q[c] after the last write. One
 * invocation owns one row and loops over t inside the shader, so a whole
 * batch of sequences is one dispatch. The query is q[n] (q_at_last = 0) or the
 * query emitted at the episode's last step (q_at_last = 1, the unknown-delay
 * recall). Optionally stores W after every step.
 *
 * Uniforms: n, tm (padded steps), fixed_t (steps when use_lens = 0), use_lens,
 * q_at_last, use_init, store_hist (0/1 flags), eta.
 * Bindings: keys [n, tm, DK]; vals [n, tm, DV]; gates [n, tm];
 * qs (queries) [n, DK] or [n, tm, DK]; lens u32 [n] (T_n; optional, read only
 * when use_lens); w0 [n, DV, DK] (initial state; optional, read only when
 * use_init); ys [n, DV]; ws (final state) [n, DV, DK]; hist [n, tm, DV, DK]
 * (optional, written only when store_hist).
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled; one invocation per (episode, row).
 * Accuracy (class T3): each state entry is a sum of T (+1 with W0) terms, each
 * term three roundings deep: |ΔW| ≤ γ_{T+2}·Σ_t |η g_t v_t[a] k_t[c]|; the read
 * adds a DK-term dot product.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Compile-time sizes of the recurrence kernels: key size DK and value size DV. */
export interface ScanSizes extends Record<string, number | boolean> {
  /** Key size DK: the columns of the state W [DV, DK] (keys and queries have DK entries). */
  keyDim: number;
  /**
   * Value size DV: the rows of the state W (the forward runs one invocation per episode and row).
   */
  valueDim: number;
}

/** The forward's sizes: whether the history is stored changes its loop count, not its WGSL. */
export interface ScanForwardSizes extends ScanSizes {
  /** True when the dispatch stores the state after every step (`hist` bound, store_hist = 1). */
  history: boolean;
}

/** Loop-header evaluations of one forward invocation over `tm` steps. */
export function scanForwardLoops(tm: number, keyDim: number, history: boolean): number {
  return 2 * (keyDim + 1) + (tm + 1) + tm * (keyDim + 1) * (history ? 2 : 1);
}

/** The forward recurrence; `steps` of a dispatch are the padded steps tm. */
export const SCAN_FORWARD: Program<ScanForwardSizes> = defineProgram<ScanForwardSizes>({
  name: "fastweights_scan_forward",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    tm: "u32",
    fixed_t: "u32",
    use_lens: "u32",
    q_at_last: "u32",
    use_init: "u32",
    store_hist: "u32",
    eta: "f32",
  },
  bindings: {
    keys: { access: "read" },
    vals: { access: "read" },
    gates: { access: "read" },
    qs: { access: "read" },
    lens: { access: "read", type: "u32", optional: true },
    w0: { access: "read", optional: true },
    ys: { access: "read_write" },
    ws: { access: "read_write" },
    hist: { access: "read_write", optional: true },
  },
  main: ({ keyDim: dk, valueDim: dv }) => `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let a = gi % ${dv}u;
  var steps = prm.fixed_t;
  if (prm.use_lens == 1u) { steps = lens[n]; }
  var w: array<f32, ${dk}>;
  let row = (n * ${dv}u + a) * ${dk}u;
  for (var c = 0u; c < ${dk}u; c++) {
    w[c] = 0.0;
    if (prm.use_init == 1u) { w[c] = w0[row + c]; }
  }
  for (var t = 0u; t < steps; t++) {
    let st = n * prm.tm + t;
    let coef = (prm.eta * gates[st]) * vals[st * ${dv}u + a];
    for (var c = 0u; c < ${dk}u; c++) { w[c] = w[c] + coef * keys[st * ${dk}u + c]; }
    if (prm.store_hist == 1u) {
      for (var c = 0u; c < ${dk}u; c++) { hist[(st * ${dv}u + a) * ${dk}u + c] = w[c]; }
    }
  }
  var qo = n * ${dk}u;
  if (prm.q_at_last == 1u) { qo = (n * prm.tm + steps - 1u) * ${dk}u; }
  var y = 0.0;
  for (var c = 0u; c < ${dk}u; c++) {
    ws[row + c] = w[c];
    y = y + w[c] * qs[qo + c];
  }
  ys[n * ${dv}u + a] = y;`,
  loopIterations: (s, steps) => scanForwardLoops(steps, s.keyDim, s.history),
});
