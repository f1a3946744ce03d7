/**
 * Chunker-1200 training: many dependent SGD updates of one Elman net in one
 * invocation, no barriers. A cursor (sequence u, offset o) walks a list of
 * sequences (each one of K kinds: inputs xs[k], targets ys[k], length
 * lens[k]); each update takes the window [o, o + n), n = min(W, len − o), runs
 * the net forward from the carried state (zero at a sequence's start), BPTT
 * over the window alone (the carried state is a constant: the gradient is
 * detached at window borders) and p ← p − (lr / n)·clamp(g, −clip, clip);
 * the state after the window is carried to the next window of the same
 * sequence. With W ≥ every length, each update is a full BPTT over one whole
 * sequence from the zero state. The parameters are copied into the net
 * scratch at the start of a dispatch and back at its end, with the cursor and
 * the carried state, so the program runner splits the update list over
 * launches by the adapter's loop budget without reading anything back.
 *
 * Uniforms: u_begin, u_end (the launch's range of updates, filled by the
 * runner; only their difference matters), window W, lmax, n4 (H/4), nh (H),
 * nv (V), lr, clip.
 * Bindings: params f32 [P] (read-write, the flat layout of ./c1200_net.ts);
 * xs i32 [K, lmax]; ys i32 [K, lmax]; lens i32 [K]; kinds i32 [U] (kind of
 * each sequence); state f32 [H] (read-write, carried h); cursor i32 [2]
 * (read-write: u, o); hs vec4 f32 [(W + 1)·H/4] (scratch); zs f32 [W·V]
 * (scratch); scr (net scratch, vec4: parameters, gradients, states, see
 * c1200NetToStorage); scf (net scratch, f32: b_y, its gradient, logits, softmax).
 * Grid: one workgroup of one invocation.
 * Accuracy: f32 as ./c1200_net.ts; the trained net is compared with the f64
 * oracle by its decisions (spec/fastweights/chunker/training_test.ts).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import {
  c1200NetLoops,
  c1200NetScratch,
  c1200NetStoreWgsl,
  c1200NetToStorage,
  c1200NetWgsl,
} from "./c1200_net.ts";

/**
 * Loop-header evaluations that llvmpipe charges beyond the k + 1 per loop
 * counted by c1200NetLoops, declared per time step and per update (and per
 * dispatch). Measured with one dispatch of this kernel at H = 16, W = 6:
 * 134 full windows run and 136 stop early at T = 1200, 136 run and 137 stop
 * at T = 60 (where every tenth window has 5 steps), so the true excess is
 * between 6.5 and 10 per six-step window; 2 per step plus 4 per update
 * (16 per window) are declared.
 */
export const C1200_LOOP_SLACK = 4;

/** Per time step part of {@link C1200_LOOP_SLACK}. */
export const C1200_LOOP_SLACK_STEP = 2;

/** Worst-case loop-header evaluations of one update of at most W steps (no load/store). */
export function c1200WindowUpdateLoops(W: number, H: number, V: number): number {
  const n = c1200NetLoops(H, V);
  const step = 2 + n.forward + n.backward + 2 * C1200_LOOP_SLACK_STEP;
  return 3 + W * step + n.sgd + C1200_LOOP_SLACK;
}

/** Loop-header evaluations of one dispatch outside its updates (load, store, the exit check). */
export function c1200WindowFixedLoops(H: number, V: number): number {
  const n = c1200NetLoops(H, V);
  return n.load + n.store + 1 + C1200_LOOP_SLACK;
}

/**
 * Sizes of the window kernel: H hidden units (a multiple of 4) and V symbols
 * shape the WGSL; the window W only the loop count.
 */
export interface C1200WindowSizes extends Record<string, number> {
  /** Hidden units H, a multiple of 4 (the net is held in vec4 groups). */
  H: number;
  /** Symbols V: the one-hot input width and the logits per step (7 in chunker-1200). */
  V: number;
  /**
   * Window W: steps per update (BPTT truncated at window borders); at least the longest
   * sequence for full BPTT over whole sequences.
   */
  W: number;
}

/** The window-training kernel (the net in storage scratch); `steps` of a dispatch are updates. */
export const C1200_WINDOW: Program<C1200WindowSizes> = defineProgram<C1200WindowSizes>({
  name: "fastweights_chunker1200_window",
  workgroupSize: 1,
  uniformVar: "prm",
  uniforms: {
    u_begin: "u32",
    u_end: "u32",
    window: "u32",
    lmax: "u32",
    n4: "u32",
    nh: "u32",
    nv: "u32",
    lr: "f32",
    clip: "f32",
  },
  bindings: {
    params: { access: "read_write" },
    xs: { access: "read", type: "i32" },
    ys: { access: "read", type: "i32" },
    lens: { access: "read", type: "i32" },
    kinds: { access: "read", type: "i32" },
    state: { access: "read_write" },
    cursor: { access: "read_write", type: "i32" },
    hs: { access: "read_write", type: "vec4f" },
    zs: { access: "read_write" },
    scr: { access: "read_write", type: "vec4f" },
    scf: { access: "read_write" },
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
  net_load(0u, n4, prm.nh, nv);
  var u = u32(cursor[0]);
  var o = u32(cursor[1]);
  ${
        each((g) =>
          `hcur[${g}] = vec4f(state[${4 * g}], state[${4 * g + 1}], state[${4 * g + 2}], state[${
            4 * g + 3
          }]);`
        )
      }
  for (var w = prm.u_begin; w < prm.u_end; w++) {
    let k = u32(kinds[u]);
    let len = u32(lens[k]);
    let base = k * prm.lmax + o;
    if (o == 0u) { ${each((g) => `hcur[${g}] = vec4f(0.0);`)} }
    let n = min(prm.window, len - o);
    ${each((g) => `hs[${g}u] = hcur[${g}];`)}
    for (var t = 0u; t < n; t++) {
      ${each((g) => `hprev[${g}] = hcur[${g}];`)}
      net_forward(u32(xs[base + t]), n4, nv);
      ${each((g) => `hs[(t + 1u) * ${H4}u + ${g}u] = hcur[${g}];`)}
      ${eachV((q) => `zs[t * ${V}u + ${q}u] = zl[${q}];`)}
    }
    ${each((g) => `dh[${g}] = vec4f(0.0);`)}
    for (var r = 0u; r < n; r++) {
      let t = n - 1u - r;
      ${
        each((g) =>
          `hprev[${g}] = hs[t * ${H4}u + ${g}u]; hcur[${g}] = hs[(t + 1u) * ${H4}u + ${g}u];`
        )
      }
      ${eachV((q) => `zl[${q}] = zs[t * ${V}u + ${q}u];`)}
      net_backward(u32(xs[base + t]), u32(ys[base + t]), n4, nv);
    }
    net_sgd(prm.lr / f32(n), prm.clip, n4, prm.nh, nv);
    ${each((g) => `hcur[${g}] = hs[n * ${H4}u + ${g}u];`)}
    o = o + n;
    if (o >= len) {
      u = u + 1u;
      o = 0u;
    }
  }
  cursor[0] = i32(u);
  cursor[1] = i32(o);
  ${
        each((g) =>
          `state[${4 * g}] = hcur[${g}].x; state[${4 * g + 1}] = hcur[${g}].y; state[${
            4 * g + 2
          }] = hcur[${g}].z; state[${4 * g + 3}] = hcur[${g}].w;`
        )
      }
  net_store(0u, n4, prm.nh, nv);`,
      H,
      V,
    );
  },
  loopIterations: ({ H, V, W }, updates) =>
    c1200WindowFixedLoops(H, V) + updates * c1200WindowUpdateLoops(W, H, V),
  split: { begin: "u_begin", end: "u_end" },
});

/** Scratch sizes (vec4 and f32 elements) of the window kernel's net state. */
export function c1200WindowScratch(H: number, V: number): { vec4: number; f32: number } {
  return c1200NetScratch(H, V);
}
