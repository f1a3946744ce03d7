/**
 * Chunker-1200 baseline: full-BPTT SGD of one Elman net over long sequences,
 * in phases recorded by the host, one invocation and no barriers. The net's
 * parameters, gradients and the carried ∂L/∂h live in the storage scratch of
 * ./c1200_net.ts for the whole stage, so the phases of one update (and all
 * updates) chain without a readback:
 * phase 0 loads the parameters from `params` (gradients zeroed);
 * phase 1 runs steps [first, end) forward from hs[first], storing h and the
 * logits; phase 2 runs BPTT over steps end − 1 down to first (the carry
 * persists between slices; it is zeroed when the slice ends the sequence's
 * last step), and with `sgd` set ends with p ← p − lr·clamp(g, −clip, clip)
 * (gradients zeroed); phase 3 stores the parameters back to `params`; phase 4
 * reads the logits stored by phase 1 for steps [first, end) and writes
 * CE_t = log Σ exp(z) − z_{y_t} to out[t] and, at the sequence's last step
 * (len − 1), the argmax of the logits (first maximum wins) to out[len].
 * Phases 1 and 4 are split over launches by the program runner; the host
 * slices phase 2 from the last step down.
 *
 * Uniforms: phase, first, end (the step range), sgd (0/1), n4 (H/4), nh (H),
 * nv (V), len, lr, clip.
 * Bindings: params f32 [P] (read-write); xs i32 [len]; ys i32 [len]; hs vec4
 * f32 [(len + 1)·H/4] (row 0 stays zero); zs f32 [len·V]; scr (net scratch,
 * vec4) and scf (net scratch, f32) as the window kernel's; out f32 [len + 1]
 * (read-write).
 * Grid: one workgroup of one invocation.
 * Accuracy: f32 as ./c1200_net.ts, plus WGSL log.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { c1200NetLoops, c1200NetStoreWgsl, c1200NetToStorage, c1200NetWgsl } from "./c1200_net.ts";
import { C1200_LOOP_SLACK, C1200_LOOP_SLACK_STEP } from "./c1200_window.ts";

/** Worst-case loop-header evaluations of one phase. */
export function c1200FullLoops(
  phase: 0 | 1 | 2 | 3 | 4,
  count: number,
  H: number,
  V: number,
  sgd = true,
): number {
  const n = c1200NetLoops(H, V);
  const per = phase === 1 ? 1 + n.forward : phase === 2 ? 1 + n.backward : 1 + n.softmax;
  // llvmpipe runs the loops of untaken phase branches to their first exit check (measured: an
  // if/else with a loop in each branch costs one more header per evaluation), so every loop
  // statement of the kernel (32) is charged once per dispatch.
  const fixed = 1 + C1200_LOOP_SLACK + 32;
  if (phase === 0) return n.load + fixed;
  if (phase === 3) return n.store + fixed;
  const tail = phase === 2 && sgd ? n.sgd : phase === 4 ? V : 0;
  return fixed + count * (per + C1200_LOOP_SLACK_STEP) + tail;
}

/**
 * Sizes of the full kernel: H hidden units (a multiple of 4) and V symbols
 * shape the WGSL; the phase and `sgd` (a uniform each) only the loop count.
 */
export interface C1200FullSizes extends Record<string, number | boolean> {
  /** Hidden units H, a multiple of 4 (the net is held in vec4 groups). */
  H: number;
  /** Symbols V: the one-hot input width and the logits per step (7 in chunker-1200). */
  V: number;
  /** The phase dispatched: 0 load, 1 forward, 2 BPTT (+ SGD), 3 store, 4 CE and argmax read-out. */
  phase: 0 | 1 | 2 | 3 | 4;
  /** Whether a phase-2 dispatch ends with the clipped SGD step (its loops are then counted). */
  sgd: boolean;
}

/** The phased full-BPTT kernel; `steps` of a dispatch are time steps [first, end). */
export const C1200_FULL: Program<C1200FullSizes> = defineProgram<C1200FullSizes>({
  name: "fastweights_chunker1200_full",
  workgroupSize: 1,
  uniformVar: "prm",
  uniforms: {
    phase: "u32",
    first: "u32",
    end: "u32",
    sgd: "u32",
    n4: "u32",
    nh: "u32",
    nv: "u32",
    len: "u32",
    lr: "f32",
    clip: "f32",
  },
  bindings: {
    params: { access: "read_write" },
    xs: { access: "read", type: "i32" },
    ys: { access: "read", type: "i32" },
    hs: { access: "read_write", type: "vec4f" },
    zs: { access: "read_write" },
    scr: { access: "read_write", type: "vec4f" },
    scf: { access: "read_write" },
    out: { access: "read_write" },
  },
  helpers: ({ H, V }) =>
    c1200NetToStorage(`${c1200NetWgsl(H, V, "storage")}\n${c1200NetStoreWgsl(H, V)}`, H, V),
  main: ({ H, V }) => {
    const H4 = H / 4;
    const each = (f: (g: number) => string) => Array.from({ length: H4 }, (_, g) => f(g)).join(" ");
    const eachV = (f: (q: number) => string) => Array.from({ length: V }, (_, q) => f(q)).join(" ");
    return c1200NetToStorage(
      `
  let n4 = prm.n4;
  let nv = prm.nv;
  if (prm.phase == 0u) {
    net_load(0u, n4, prm.nh, nv);
    ${each((g) => `dh[${g}] = vec4f(0.0);`)}
    return;
  }
  if (prm.phase == 3u) {
    net_store(0u, n4, prm.nh, nv);
    return;
  }
  if (prm.phase == 4u) {
    for (var t = prm.first; t < prm.end; t++) {
      ${eachV((q) => `zl[${q}] = zs[t * ${V}u + ${q}u];`)}
      let lse = net_softmax(nv);
      out[t] = lse - zl[u32(ys[t])];
      if (t + 1u == prm.len) {
        var best = 0u;
        for (var q = 1u; q < nv; q++) { if (zl[q] > zl[best]) { best = q; } }
        out[prm.len] = f32(best);
      }
    }
    return;
  }
  if (prm.phase == 1u) {
    for (var t = prm.first; t < prm.end; t++) {
      ${each((g) => `hprev[${g}] = hs[t * ${H4}u + ${g}u];`)}
      net_forward(u32(xs[t]), n4, nv);
      ${each((g) => `hs[(t + 1u) * ${H4}u + ${g}u] = hcur[${g}];`)}
      ${eachV((q) => `zs[t * ${V}u + ${q}u] = zl[${q}];`)}
    }
    return;
  }
  for (var r = 0u; r < prm.end - prm.first; r++) {
    let t = prm.end - 1u - r;
    ${
        each((g) =>
          `hprev[${g}] = hs[t * ${H4}u + ${g}u]; hcur[${g}] = hs[(t + 1u) * ${H4}u + ${g}u];`
        )
      }
    ${eachV((q) => `zl[${q}] = zs[t * ${V}u + ${q}u];`)}
    net_backward(u32(xs[t]), u32(ys[t]), n4, nv);
  }
  if (prm.first == 0u) { ${each((g) => `dh[${g}] = vec4f(0.0);`)} }
  if (prm.sgd == 1u) { net_sgd(prm.lr, prm.clip, n4, prm.nh, nv); }`,
      H,
      V,
    );
  },
  loopIterations: ({ H, V, phase, sgd }, steps) => c1200FullLoops(phase, steps, H, V, sgd),
  split: { begin: "first", end: "end" },
});
