/**
 * Unknown-delay parameter gradients, pass 2 of 2: grads[s, i] = Σ_l partials[s, l, i]
 * over the lanes of pass 1, in lane order. Padding entries (i ≥ total) get 0.
 *
 * Uniforms: seeds S.
 * Bindings: partials [S, lanes, stride]; grads [S, stride].
 * Grid: ceil(S·stride / 64) workgroups of 64, tiled.
 * Accuracy: part of the two-level sum bounded in ./param_grads.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { udLayout, type UdSizes } from "../layout.ts";
import { UD_GRAD_LANES } from "./param_grads.ts";

/** The reduce pass; sizes are the net's p, H and d_k (they fix the layout). */
export const UD_PARAM_REDUCE: Program<UdSizes> = defineProgram<UdSizes>({
  name: "fastweights_ud_param_reduce",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { seeds: "u32" },
  bindings: {
    partials: { access: "read" },
    grads: { access: "read_write" },
  },
  main: (cfg) => {
    const l = udLayout(cfg);
    return `
  let gi = wg * 64u + lid;
  if (gi >= prm.seeds * ${l.stride}u) { return; }
  let s = gi / ${l.stride}u;
  let i = gi % ${l.stride}u;
  var acc = 0.0;
  if (i < ${l.total}u) {
    for (var lane = 0u; lane < ${UD_GRAD_LANES}u; lane++) {
      acc = acc + partials[(s * ${UD_GRAD_LANES}u + lane) * ${l.stride}u + i];
    }
  }
  grads[gi] = acc;`;
  },
  loopIterations: () => UD_GRAD_LANES + 1,
});
