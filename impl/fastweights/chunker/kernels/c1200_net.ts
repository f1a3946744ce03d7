/**
 * Shared WGSL of the chunker-1200 kernels (not a kernel by itself): one Elman
 * net h' = tanh(W_xh[:, x] + b_h + W_hh h), z = W_hy h' + b_y held in
 * arrays of vec4 (H a multiple of 4, V = O symbols), its forward step, the
 * per-step BPTT step with the gradients accumulated in arrays, and the
 * element-wise clipped SGD update
 * p ← p − lr·clamp(g, −c, c). The inner dot products over the hidden units
 * are written out as H/4 vec4 dots (generated text, no inner loops), so one
 * time step costs a few dozen loop-header evaluations instead of hundreds;
 * the loop bounds come from uniforms (passed as arguments) so that llvmpipe
 * does not unroll the outer loops.
 *
 * The arrays are written as module-scope private arrays; the kernels rewrite
 * them into offsets of a storage scratch ({@link c1200NetToStorage}): on
 * llvmpipe the dynamically indexed private arrays made the window kernel take
 * ~40 s to compile, the storage version ~3 s, at about the same speed.
 *
 * Parameters live in storage in the flat layout of
 * spec/oracle/fastweights/chunker.ts without a label head: W_xh [H, V],
 * W_hh [H, H], W_hy [V, H], b_h [H], b_y [V] (offsets derived here).
 *
 * Accuracy: f32; vec4 dots (summation order unspecified within a dot, groups
 * summed in ascending order), WGSL tanh and exp, softmax with the row max
 * subtracted. Training is compared with the f64 oracle by decisions only
 * (spec/fastweights/chunker/training_test.ts).
 *
 * @module
 */

/**
 * Flat offsets of a label-free Elman net with H hidden units and V symbols:
 * where W_xh [H, V], W_hh [H, H], W_hy [V, H], b_h [H] and b_y [V] start in the
 * per-net parameter vector, and its length `size` = H(V + H + 1) + V(H + 1).
 */
export function c1200NetOffsets(
  H: number,
  V: number,
): { wxh: number; whh: number; why: number; bh: number; by: number; size: number } {
  const whh = H * V;
  const why = whh + H * H;
  const bh = why + V * H;
  const by = bh + H;
  return { wxh: 0, whh, why, bh, by, size: by + V };
}

/**
 * Loop-header evaluations of {@link c1200NetWgsl}'s functions (worst case, one call each):
 * `net_load` (`load`), `net_store` (`store`), one `net_forward` step (`forward`),
 * `net_softmax` (`softmax`), one `net_backward` step including its softmax (`backward`)
 * and `net_sgd` (`sgd`).
 */
export function c1200NetLoops(H: number, V: number): {
  load: number;
  store: number;
  forward: number;
  softmax: number;
  backward: number;
  sgd: number;
} {
  const H4 = H / 4;
  const params = (V + 1) + V * (H4 + 1) + (H * H4 + 1) + (V * H4 + 1) + (H4 + 1) + (V + 1);
  const softmax = V + 2 * (V + 1);
  return {
    load: params,
    store: params,
    forward: (H4 + 1) + (V + 1),
    softmax,
    backward: softmax + (V + 1) + (H4 + 1) + (H4 + 1),
    sgd: (V * H4 + 1) + (H * H4 + 1) + (V * H4 + 1) + (H4 + 1) + (V + 1),
  };
}

/**
 * The shared WGSL text for H hidden units (a multiple of 4) and V symbols:
 * private parameter, gradient and state arrays and the functions
 * `net_load(base)`, `net_store(base)` (over a storage array named `params`),
 * `net_forward(x, n4, nv)` (hprev → hcur, logits zl), `net_softmax(nv)`
 * (returns log Σ exp(zl − m) + m), `net_backward(x, y, n4, nv)` (one step's
 * CE gradient plus the carried dh) and `net_sgd(lr, clip, n4, nh, nv)`.
 */
export function c1200NetWgsl(
  H: number,
  V: number,
  space: "private" | "storage" = "private",
): string {
  if (H % 4 !== 0) throw new RangeError(`chunker-1200 net: H must be a multiple of 4, got ${H}`);
  const H4 = H / 4;
  const o = c1200NetOffsets(H, V);
  const terms = (f: (q: number) => string) => Array.from({ length: H4 }, (_, q) => f(q));
  const dotRow = (arr: string, row: string, vec: string) =>
    terms((q) => `dot(${arr}[${row} * ${H4}u + ${q}u], ${vec}[${q}])`).join(" + ");
  const whhStep = [0, 1, 2, 3].map((c) =>
    `{
      let j = 4u * g + ${c}u;
      let d = da[g][${c}];
      ${
      terms((q) =>
        `gwhh[j * ${H4}u + ${q}u] = gwhh[j * ${H4}u + ${q}u] + d * hprev[${q}];
      dhn[${q}] = dhn[${q}] + d * whh[j * ${H4}u + ${q}u];`
      ).join("\n      ")
    }
    }`
  ).join("\n    ");
  const decls = space === "private"
    ? `
var<${space}> wx: array<vec4f, ${V * H4}>;
var<${space}> whh: array<vec4f, ${H * H4}>;
var<${space}> why: array<vec4f, ${V * H4}>;
var<${space}> bh: array<vec4f, ${H4}>;
var<${space}> by: array<f32, ${V}>;
var<${space}> gwx: array<vec4f, ${V * H4}>;
var<${space}> gwhh: array<vec4f, ${H * H4}>;
var<${space}> gwhy: array<vec4f, ${V * H4}>;
var<${space}> gbh: array<vec4f, ${H4}>;
var<${space}> gby: array<f32, ${V}>;
var<${space}> hprev: array<vec4f, ${H4}>;
var<${space}> hcur: array<vec4f, ${H4}>;
var<${space}> dh: array<vec4f, ${H4}>;
var<${space}> dhn: array<vec4f, ${H4}>;
var<${space}> da: array<vec4f, ${H4}>;
var<${space}> zl: array<f32, ${V}>;
var<${space}> ez: array<f32, ${V}>;
`
    : "";
  const body = `${decls}
fn net_load(base: u32, n4: u32, nh: u32, nv: u32) {
  for (var s = 0u; s < nv; s++) {
    for (var g = 0u; g < n4; g++) {
      let r = base + ${o.wxh}u + 4u * g * ${V}u + s;
      wx[s * ${H4}u + g] = vec4f(params[r], params[r + ${V}u], params[r + ${2 * V}u], params[r + ${
    3 * V
  }u]);
      gwx[s * ${H4}u + g] = vec4f(0.0);
    }
  }
  for (var i = 0u; i < nh * n4; i++) {
    let r = base + ${o.whh}u + 4u * i;
    whh[i] = vec4f(params[r], params[r + 1u], params[r + 2u], params[r + 3u]);
    gwhh[i] = vec4f(0.0);
  }
  for (var i = 0u; i < nv * n4; i++) {
    let r = base + ${o.why}u + 4u * i;
    why[i] = vec4f(params[r], params[r + 1u], params[r + 2u], params[r + 3u]);
    gwhy[i] = vec4f(0.0);
  }
  for (var g = 0u; g < n4; g++) {
    let r = base + ${o.bh}u + 4u * g;
    bh[g] = vec4f(params[r], params[r + 1u], params[r + 2u], params[r + 3u]);
    gbh[g] = vec4f(0.0);
  }
  for (var q = 0u; q < nv; q++) { by[q] = params[base + ${o.by}u + q]; gby[q] = 0.0; }
}

fn net_forward(x: u32, n4: u32, nv: u32) {
  for (var g = 0u; g < n4; g++) {
    let a = vec4f(${dotRow("whh", "(4u * g)", "hprev")},
      ${dotRow("whh", "(4u * g + 1u)", "hprev")},
      ${dotRow("whh", "(4u * g + 2u)", "hprev")},
      ${dotRow("whh", "(4u * g + 3u)", "hprev")});
    hcur[g] = tanh(wx[x * ${H4}u + g] + bh[g] + a);
  }
  for (var q = 0u; q < nv; q++) { zl[q] = by[q] + ${dotRow("why", "q", "hcur")}; }
}

fn net_softmax(nv: u32) -> f32 {
  var m = zl[0];
  for (var q = 1u; q < nv; q++) { m = max(m, zl[q]); }
  var sum = 0.0;
  for (var q = 0u; q < nv; q++) { ez[q] = exp(zl[q] - m); sum = sum + ez[q]; }
  for (var q = 0u; q < nv; q++) { ez[q] = ez[q] / sum; }
  return log(sum) + m;
}

fn net_backward(x: u32, y: u32, n4: u32, nv: u32) {
  _ = net_softmax(nv);
  for (var q = 0u; q < nv; q++) {
    let dz = ez[q] - select(0.0, 1.0, q == y);
    gby[q] = gby[q] + dz;
    ${
    terms((q) =>
      `gwhy[q * ${H4}u + ${q}u] = gwhy[q * ${H4}u + ${q}u] + dz * hcur[${q}];
    dh[${q}] = dh[${q}] + dz * why[q * ${H4}u + ${q}u];`
    ).join("\n    ")
  }
  }
  for (var g = 0u; g < n4; g++) {
    da[g] = dh[g] * (vec4f(1.0) - hcur[g] * hcur[g]);
    gbh[g] = gbh[g] + da[g];
    gwx[x * ${H4}u + g] = gwx[x * ${H4}u + g] + da[g];
    dhn[g] = vec4f(0.0);
  }
  for (var g = 0u; g < n4; g++) {
    ${whhStep}
  }
  ${terms((q) => `dh[${q}] = dhn[${q}];`).join(" ")}
}

fn net_sgd(lr: f32, clip: f32, n4: u32, nh: u32, nv: u32) {
  let c = vec4f(clip);
  for (var i = 0u; i < nv * n4; i++) { wx[i] = wx[i] - lr * clamp(gwx[i], -c, c); gwx[i] = vec4f(0.0); }
  for (var i = 0u; i < nh * n4; i++) { whh[i] = whh[i] - lr * clamp(gwhh[i], -c, c); gwhh[i] = vec4f(0.0); }
  for (var i = 0u; i < nv * n4; i++) { why[i] = why[i] - lr * clamp(gwhy[i], -c, c); gwhy[i] = vec4f(0.0); }
  for (var g = 0u; g < n4; g++) { bh[g] = bh[g] - lr * clamp(gbh[g], -c, c); gbh[g] = vec4f(0.0); }
  for (var q = 0u; q < nv; q++) { by[q] = by[q] - lr * clamp(gby[q], -clip, clip); gby[q] = 0.0; }
}
`;
  return space === "private" ? body : c1200NetToStorage(body, H, V);
}

/** WGSL of `net_store(base, n4, nh, nv)` (needs a read-write storage array named `params`). */
export function c1200NetStoreWgsl(H: number, V: number): string {
  const H4 = H / 4;
  const o = c1200NetOffsets(H, V);
  return `
fn net_store(base: u32, n4: u32, nh: u32, nv: u32) {
  for (var s = 0u; s < nv; s++) {
    for (var g = 0u; g < n4; g++) {
      let r = base + ${o.wxh}u + 4u * g * ${V}u + s;
      let w = wx[s * ${H4}u + g];
      params[r] = w.x; params[r + ${V}u] = w.y; params[r + ${2 * V}u] = w.z; params[r + ${
    3 * V
  }u] = w.w;
    }
  }
  for (var i = 0u; i < nh * n4; i++) {
    let r = base + ${o.whh}u + 4u * i;
    params[r] = whh[i].x; params[r + 1u] = whh[i].y; params[r + 2u] = whh[i].z; params[r + 3u] = whh[i].w;
  }
  for (var i = 0u; i < nv * n4; i++) {
    let r = base + ${o.why}u + 4u * i;
    params[r] = why[i].x; params[r + 1u] = why[i].y; params[r + 2u] = why[i].z; params[r + 3u] = why[i].w;
  }
  for (var g = 0u; g < n4; g++) {
    let r = base + ${o.bh}u + 4u * g;
    params[r] = bh[g].x; params[r + 1u] = bh[g].y; params[r + 2u] = bh[g].z; params[r + 3u] = bh[g].w;
  }
  for (var q = 0u; q < nv; q++) { params[base + ${o.by}u + q] = by[q]; }
}
`;
}

/** Sizes (in vec4 and in f32) of the storage scratch of {@link c1200NetToStorage}. */
export function c1200NetScratch(H: number, V: number): { vec4: number; f32: number } {
  const H4 = H / 4;
  return { vec4: 2 * (2 * V * H4 + H * H4 + H4) + 5 * H4, f32: 4 * V };
}

/**
 * Rewrites the net's private arrays in `text` into offsets of two read-write
 * storage arrays named `scr` (vec4) and `scf` (f32), each starting at 0 (one
 * invocation per dispatch): llvmpipe compiles dynamically indexed storage far
 * faster than dynamically indexed private arrays.
 */
export function c1200NetToStorage(text: string, H: number, V: number): string {
  const H4 = H / 4;
  const vec: [string, number][] = [
    ["wx", V * H4],
    ["whh", H * H4],
    ["why", V * H4],
    ["bh", H4],
    ["gwx", V * H4],
    ["gwhh", H * H4],
    ["gwhy", V * H4],
    ["gbh", H4],
    ["hprev", H4],
    ["hcur", H4],
    ["dh", H4],
    ["dhn", H4],
    ["da", H4],
  ];
  const f32: [string, number][] = [["by", V], ["gby", V], ["zl", V], ["ez", V]];
  let out = text;
  for (const [arr, list] of [["scr", vec], ["scf", f32]] as const) {
    let off = 0;
    for (const [name, n] of list) {
      out = out.replace(new RegExp(`\\b${name}\\[`, "g"), `${arr}[${off}u + `);
      off += n;
    }
  }
  return out;
}
