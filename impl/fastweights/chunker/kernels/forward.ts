/**
 * Chunker Elman net, forward over a range of time steps: one invocation per
 * sequence runs h_t = tanh(W_xh[:, x_t] + b_h + Σ_k W_hh[j, k] h_{t−1}[k]),
 * z_t = b_y + Σ_k W_hy[o, k] h_t[k] and (with a label head)
 * σ(b_l + Σ_k W_hl[k] h_t[k]) for t in [t_begin, t_end), reading
 * h_{t_begin−1} from the state buffer, so the program runner can split a long
 * sequence over launches by the adapter's loop budget (the state never leaves
 * the GPU).
 *
 * Uniforms: seqs S, t_begin, t_end (filled by the runner), steps T, vocab V,
 * hidden H, out O, size P (parameters per net), the seven parameter offsets
 * wxh, whh, why, whl, bh, by, bl, and label (0/1).
 * Bindings: params f32 [S, P] (flat layout of spec/oracle/fastweights/chunker.ts:
 * W_xh, W_hh, W_hy, W_hl, b_h, b_y, b_l); inputs i32 [S, T]; hs f32 [S, T + 1, H]
 * (row 0 the initial state); logits f32 [S, T, O]; labels f32 [S, T] (0
 * without a label head).
 * Grid: ceil(S / 64) workgroups of 64, tiled.
 * Accuracy: sequential f32 sums in the order written (bias first, then k
 * ascending); WGSL tanh and exp; bounds replayed by spec/fastweights/chunker/_bounds.ts.
 *
 * @module
 */
import { defineProgram, type Program, type UniformType } from "../../../gpu/program.ts";
/** Sizes of a chunker net and its sequences. */
export interface ChunkerNetDims {
  /** Input symbols V (one-hot inputs). */
  readonly vocab: number;
  /** Hidden units H. */
  readonly hidden: number;
  /** Output logits O. */
  readonly out: number;
  /** 0 or 1. */
  readonly label: number;
  /** Steps per sequence. */
  readonly steps: number;
}

/**
 * Flat parameter offsets (the oracle's layout, derived here independently of it): where
 * W_xh [H, V], W_hh [H, H], W_hy [O, H], W_hl [L, H], b_h [H], b_y [O] and b_l [L] start
 * (L = `label`, 0 or 1), and the parameters per net `size`.
 */
export function chunkerOffsets(d: ChunkerNetDims): {
  wxh: number;
  whh: number;
  why: number;
  whl: number;
  bh: number;
  by: number;
  bl: number;
  size: number;
} {
  const { vocab: V, hidden: H, out: O, label: L } = d;
  const whh = H * V;
  const why = whh + H * H;
  const whl = why + O * H;
  const bh = whl + L * H;
  const by = bh + H;
  const bl = by + O;
  return { wxh: 0, whh, why, whl, bh, by, bl, size: bl + L };
}

/** Compile-time sizes of the chunker kernels: the label head shapes the WGSL; H and O the loop counts. */
export interface ChunkerSizes extends Record<string, number> {
  /** 1: the net has a label head σ(b_l + W_hl·h) (its WGSL is generated); 0: none. */
  label: number;
  /** Hidden units H (bounds the inner loops; the value itself is a uniform). */
  hidden: number;
  /** Output logits O per step (bounds the output loops; the value itself is a uniform). */
  out: number;
}

/** The sizes of `d`. */
export function chunkerSizes(d: ChunkerNetDims): ChunkerSizes {
  return { label: d.label, hidden: d.hidden, out: d.out };
}

/** Worst-case loop-header evaluations of one forward step. */
export function chunkerForwardLoopsPerStep(d: Pick<ChunkerNetDims, "hidden" | "out">): number {
  const { hidden: H, out: O } = d;
  return 1 + H * (H + 1) + (H + 1) + O * (H + 1) + (O + 1) + (H + 1);
}

/**
 * Uniform fields shared by both chunker kernels: sizes and offsets go in as
 * uniforms (not WGSL constants) so that llvmpipe does not unroll the loops
 * into a huge straight-line shader.
 */
export const CHUNKER_UNIFORM_FIELDS = {
  seqs: "u32",
  steps: "u32",
  vocab: "u32",
  hidden: "u32",
  out: "u32",
  size: "u32",
  wxh: "u32",
  whh: "u32",
  why: "u32",
  whl: "u32",
  bh: "u32",
  by: "u32",
  bl: "u32",
  label: "u32",
} as const satisfies Record<string, UniformType>;

/** Values of {@link CHUNKER_UNIFORM_FIELDS} for `seqs` sequences of nets `d`. */
export function chunkerUniforms(
  d: ChunkerNetDims,
  seqs: number,
): Record<keyof typeof CHUNKER_UNIFORM_FIELDS, number> {
  const o = chunkerOffsets(d);
  return {
    seqs,
    steps: d.steps,
    vocab: d.vocab,
    hidden: d.hidden,
    out: d.out,
    size: o.size,
    wxh: o.wxh,
    whh: o.whh,
    why: o.why,
    whl: o.whl,
    bh: o.bh,
    by: o.by,
    bl: o.bl,
    label: d.label,
  };
}

/** The forward kernel; `steps` of a dispatch are time steps, split into [t_begin, t_end) ranges. */
export const CHUNKER_FORWARD: Program<ChunkerSizes> = defineProgram<ChunkerSizes>({
  name: "fastweights_chunker_forward",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { t_begin: "u32", t_end: "u32", ...CHUNKER_UNIFORM_FIELDS },
  bindings: {
    params: { access: "read" },
    inputs: { access: "read", type: "i32" },
    hs: { access: "read_write" },
    logits: { access: "read_write" },
    labels: { access: "read_write" },
  },
  helpers: () => "fn prm_at(i: u32) -> f32 { return params[i]; }",
  main: ({ label }) => {
    const labelCode = label
      ? `var zl = prm_at(pb + prm.bl);
    for (var k = 0u; k < prm.hidden; k++) { zl = zl + prm_at(pb + prm.whl + k) * hs[hc + k]; }
    labels[s * prm.steps + t] = 1.0 / (1.0 + exp(-zl));`
      : `labels[s * prm.steps + t] = 0.0;`;
    return `
  let s = wg * 64u + lid;
  if (s >= prm.seqs) { return; }
  let pb = s * prm.size;
  for (var t = prm.t_begin; t < prm.t_end; t++) {
    let x = u32(inputs[s * prm.steps + t]);
    let hp = (s * (prm.steps + 1u) + t) * prm.hidden;
    let hc = hp + prm.hidden;
    for (var j = 0u; j < prm.hidden; j++) {
      var a = prm_at(pb + prm.wxh + j * prm.vocab + x) + prm_at(pb + prm.bh + j);
      for (var k = 0u; k < prm.hidden; k++) { a = a + prm_at(pb + prm.whh + j * prm.hidden + k) * hs[hp + k]; }
      hs[hc + j] = tanh(a);
    }
    for (var q = 0u; q < prm.out; q++) {
      var z = prm_at(pb + prm.by + q);
      for (var k = 0u; k < prm.hidden; k++) { z = z + prm_at(pb + prm.why + q * prm.hidden + k) * hs[hc + k]; }
      logits[(s * prm.steps + t) * prm.out + q] = z;
    }
    ${labelCode}
  }`;
  },
  loopIterations: (s, steps) => 1 + steps * chunkerForwardLoopsPerStep(s),
  split: { begin: "t_begin", end: "t_end" },
});
