/**
 * Chunker-1200 baseline: full-BPTT SGD of one Elman net over long sequences,
 * in phases recorded by the host, one invocation and no barriers. The net's
 * parameters, gradients and the carried ∂L/∂h live in the storage scratch of
 * fastweights_chunker1200_net.ts for the whole stage, so the phases of one
 * update (and all updates) chain without a readback:
 * phase 0 loads the parameters from `params` (gradients zeroed);
 * phase 1 runs steps [first, first + count) forward from hs[first], storing
 * h and the logits; phase 2 runs BPTT over steps first + count − 1 down to
 * first (the carry persists between slices; it is zeroed when the slice ends
 * the sequence's last step), and with `sgd` set ends with
 * p ← p − lr·clamp(g, −clip, clip) (gradients zeroed); phase 3 stores the
 * parameters back to `params`; phase 4 reads the logits stored by phase 1
 * for steps [first, first + count) and writes CE_t = log Σ exp(z) − z_{y_t}
 * to out[t] and, at the sequence's last step (len − 1), the argmax of the
 * logits (first maximum wins) to out[len].
 *
 * Bindings: 0 uniform {phase, first, count, sgd, n4 (H/4), nh (H), nv (V),
 * len, lr f32, clip f32, pad, pad}; 1 params f32 [P] (read-write); 2 xs i32
 * [len]; 3 ys i32 [len]; 4 hs vec4 f32 [(len + 1)·H/4] (row 0 stays zero);
 * 5 zs f32 [len·V]; 6 net scratch vec4 f32; 7 net scratch f32; 8 out f32
 * [len + 1] (read-write).
 * Grid: one workgroup of one invocation.
 * Accuracy: f32 as fastweights_chunker1200_net.ts, plus WGSL log.
 *
 * @module
 */
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

/** WGSL of the phased full-BPTT kernel for H hidden units (a multiple of 4) and V symbols. */
export function c1200FullWgsl(H: number, V: number): string {
  const H4 = H / 4;
  const each = (f: (g: number) => string) => Array.from({ length: H4 }, (_, g) => f(g)).join(" ");
  const eachV = (f: (q: number) => string) => Array.from({ length: V }, (_, q) => f(q)).join(" ");
  return c1200NetToStorage(
    `
struct Params { phase: u32, first: u32, count: u32, sgd: u32, n4: u32, nh: u32, nv: u32, len: u32,
  lr: f32, clip: f32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> xs: array<i32>;
@group(0) @binding(3) var<storage, read> ys: array<i32>;
@group(0) @binding(4) var<storage, read_write> hs: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> zs: array<f32>;
@group(0) @binding(6) var<storage, read_write> scr: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> scf: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;
${c1200NetWgsl(H, V, "storage")}
${c1200NetStoreWgsl(H, V)}
@compute @workgroup_size(1)
fn main() {
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
    for (var t = prm.first; t < prm.first + prm.count; t++) {
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
    for (var t = prm.first; t < prm.first + prm.count; t++) {
      ${each((g) => `hprev[${g}] = hs[t * ${H4}u + ${g}u];`)}
      net_forward(u32(xs[t]), n4, nv);
      ${each((g) => `hs[(t + 1u) * ${H4}u + ${g}u] = hcur[${g}];`)}
      ${eachV((q) => `zs[t * ${V}u + ${q}u] = zl[${q}];`)}
    }
    return;
  }
  for (var r = 0u; r < prm.count; r++) {
    let t = prm.first + prm.count - 1u - r;
    ${
      each((g) =>
        `hprev[${g}] = hs[t * ${H4}u + ${g}u]; hcur[${g}] = hs[(t + 1u) * ${H4}u + ${g}u];`
      )
    }
    ${eachV((q) => `zl[${q}] = zs[t * ${V}u + ${q}u];`)}
    net_backward(u32(xs[t]), u32(ys[t]), n4, nv);
  }
  if (prm.first == 0u) { ${each((g) => `dh[${g}] = vec4f(0.0);`)} }
  if (prm.sgd == 1u) { net_sgd(prm.lr, prm.clip, n4, prm.nh, nv); }
}
`,
    H,
    V,
  );
}
