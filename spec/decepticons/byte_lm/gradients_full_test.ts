/**
 * The byte LM's full gradient on the readout path (decepticons.byte_lm.gpu_gradients_full): the
 * GPU's gradient of the mean cross-entropy in every parameter of the model against the f64
 * oracle's full backward from the loss (spec/oracle/decepticons/byte_lm_full_backward.ts).
 *
 * ## The bound, composed
 *
 * The GPU's backward is a chain of stages, each with a derived running bound for exact inputs:
 * the cross-entropy's gradient (crossEntropyBounds), the gated mix (gatedMixGradBounds) or the
 * additive mix (one product), the linear and local readouts (readoutGradBounds; the GRU readout
 * through gruBounds and a tracked output layer), and the substrate, blocks and embedding
 * (byteLMBounds from the readouts' adjoints). Each stage is run on the GPU on leaves holding
 * what the model's forward and backward hand it (deterministic kernels: the same values), so
 * its output ŷ = Ŝ(â) is bounded against the exact stage on the GPU's own input â:
 * |ŷ − S(â)| ≤ e_stage(â). The stage is linear in its incoming adjoint (its forward values
 * fixed), so the oracle's stage on the oracle's adjoint a differs by
 * |S(â) − S(a)| = |J(â − a)| ≤ |J|ᵀ·e_a, with e_a the adjoint's own composed bound and |J| the
 * absolute value of the stage's exact Jacobian, assembled column by column from the oracle's
 * stage on unit adjoints. Hence |ŷ − S(a)| ≤ e_stage(â) + |J|ᵀ e_a: the adjoint's bound is
 * carried into every later stage, down to the substrate and the embedding table. Where two
 * paths meet in a gradient (the tied readout's share of the table beside the gathers'),
 * autograd's accumulation is bounded as a sum in any order.
 *
 * The forward values each backward stage reads (the features u = [S, x], the window, the two
 * paths' logits and the mixed logits) are the GPU's, read back exactly; the features are
 * checked against their derived forward bound of the oracle's forward (a part of the claim),
 * and the substrate's backward walk tracks its own forward's errors.
 *
 * Where the readout routes, the objective is the training step's: the cross-entropy plus
 * balanceCoef (f32) times the routers' balance loss. `lm.loss` is the cross-entropy alone, so
 * the balance term's gradient is a second GPU backward through the model (its readout on its
 * states and embeddings), added on the host as coef·g; its bound is coef times the routers'
 * walk (logits tracked from the GPU's features, the argmax checked stable, the backward as
 * balanceGradBounds replays it) and the substrate's walk from the GPU's balance adjoint with
 * that adjoint's bound carried. The hash memory (on a bank substrate, where x feeds one
 * substrate path) adds its parameters (hashMemoryBounds on the GPU's adjoint, carried) and
 * the extra roundings of x's gradient, which sums four paths where the substrate walk counts
 * two (see `hashMemoryPart`).
 *
 * @module
 */
import {
  add,
  backward,
  concat,
  crossEntropy,
  initGpu,
  matmul,
  mul,
  noGrad,
  readTensors,
  reshape,
  sum,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { CausalBankLM } from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { reducePathLength, rowLanes, segmentPathLength } from "../../../impl/ops/kernels/reduce.ts";
import {
  BYTE_LM_REFERENCE_FACTOR,
  crossEntropyBounds,
  F32_MIN_NORMAL,
  gamma32,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
} from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import { gruBackward, gruForward } from "../../oracle/nn/gru.ts";
import { matmulForward } from "../../oracle/matmul.ts";
import {
  byteLMBackward,
  type ByteLMBatch,
  linearReadoutSpec,
  ORACLE_BYTE_VOCAB,
  windowIds,
} from "../../oracle/decepticons/byte_lm.ts";
import {
  balanceBackward,
  balanceRouters,
  byteLMFullBackward,
} from "../../oracle/decepticons/byte_lm_full_backward.ts";
import {
  gatedMixBackward,
  type OracleParams,
  oracleReadoutBackward,
} from "../../oracle/decepticons/readouts.ts";
import { gatedMixGradBounds, readoutGradBounds } from "../readouts/_bounds.ts";
import { gruBounds } from "../../nn/gru/_bounds.ts";
import { hashMemoryBounds } from "../hash_memory/_bounds.ts";
import { hashMemoryBackward } from "../../oracle/decepticons/hash_memory.ts";
import { byteLMBounds, type ByteLMBoundsConfig } from "./_bounds.ts";
import { caseBatch, type LMCase, pathCase } from "./_cases.ts";
import { lmConfigOf, seedModel } from "./_gpu_cases.ts";
import { BYTE_LM_FULL_GPU_GRADIENTS } from "./gradients_full_claims.ts";

await initGpu();

const V = ORACLE_BYTE_VOCAB;
const TR = { ...track, ...trackBuiltins };

const FULL_CASES: readonly LMCase[] = [
  {
    name: "routed bands (2 x 2 experts), gated mix, learned_recurrence, two blocks",
    config: pathCase("learned_recurrence", {
      readoutKind: "routed_sqrelu_experts",
      readoutBands: 2,
      readoutExperts: 2,
      mixMode: "gated",
      numBlocks: 2,
      blockBottleneck: 2,
    }),
    seed: 71,
  },
  {
    name: "tied_embed_readout normalised (3 experts), frozen",
    config: pathCase("frozen", {
      readoutKind: "tied_embed_readout",
      readoutExperts: 3,
      tiedReadoutNormalize: true,
    }),
    seed: 72,
  },
  {
    name: "recurrent (GRU) readout, learned_recurrence",
    config: pathCase("learned_recurrence", { readoutKind: "recurrent" }),
    seed: 73,
  },
  {
    name: "tied_recursive (depth 2), gated mix, gated_retention, two blocks",
    config: pathCase("gated_retention", {
      readoutKind: "tied_recursive",
      readoutDepth: 2,
      mixMode: "gated",
      numBlocks: 2,
      blockBottleneck: 2,
    }),
    seed: 74,
  },
  {
    name: "tied_embed_readout bands (2 x 2 experts), gated_delta",
    config: pathCase("gated_delta", {
      readoutKind: "tied_embed_readout",
      readoutBands: 2,
      readoutExperts: 2,
    }),
    seed: 75,
  },
  {
    name: "mlp, hash memory (3 slots x 4), frozen",
    config: pathCase("frozen", {
      hashMemory: true,
      hashMemorySlots: 3,
      hashMemoryDim: 4,
    }),
    seed: 76,
  },
];

/** What the GPU computed: the full gradients and every stage's inputs and outputs. */
interface GpuRun {
  values: Record<string, Float64Array>;
  batch: ByteLMBatch;
  names: string[];
  grads: Record<string, Float32Array>;
  features: Float32Array;
  window: Float32Array;
  lin: Float32Array;
  loc: Float32Array;
  logits: Float32Array;
  dY: Float32Array;
  dLin: Float32Array;
  dLoc: Float32Array;
  /** The GRU readout's adjoint of its states (null for the other kinds). */
  dHs: Float32Array | null;
  dU: Float32Array;
  dWin: Float32Array;
  /** The balance loss's pass (null without a router): its coefficient (f32), gradients, ∂u. */
  balance: {
    coef: number;
    grads: Record<string, Float32Array>;
    dU: Float32Array;
    /** Each router's logits z = u_r W + b on the GPU's features. */
    z: Float32Array[];
  } | null;
}

function clearGrads(lm: CausalBankLM): void {
  for (const t of lm.parameters.values()) {
    t.grad?.dispose();
    t.grad = null;
  }
}

/** The model's full backward, then each stage on leaves holding what the model handed it. */
async function runGpu(cs: LMCase): Promise<GpuRun> {
  const c = cs.config;
  const batch = caseBatch(cs.seed);
  const { B, T } = batch;
  const N = B * T;
  const E = c.embeddingDim;
  const M = c.linearModes;
  const W = c.localWindow;
  const F = M + E;
  const lm = new CausalBankLM(lmConfigOf(c, cs.seed));
  const made: Tensor[] = [];
  const leaf = (data: ArrayLike<number>, shape: number[], requiresGrad = true) => {
    const t = tensor(Float32Array.from(data), shape, { requiresGrad });
    made.push(t);
    return t;
  };
  try {
    const mods = lm.readoutModules!;
    const values = await seedModel(lm, cs.config, cs.seed);
    const tok = tensor(batch.tokens, [B, T], { dtype: "i32" });
    const tgt = tensor(batch.targets, [B, T], { dtype: "i32" });
    made.push(tok, tgt);
    // The model's own forward and backward of the mean cross-entropy.
    clearGrads(lm);
    made.push(tidy(() => {
      const l = lm.loss(tok, tgt);
      backward(l);
      return l;
    }));
    const names = [...lm.parameters.keys()];
    const gread = await readTensors(names.map((n) => lm.parameters.get(n)!.grad!));
    const grads = Object.fromEntries(names.map((n, i) => [n, gread[i] as Float32Array]));
    clearGrads(lm);
    // Forward values: u = [S, x], the window (exact rows), each path's logits, the mix's.
    const [x, s, logits] = noGrad(() =>
      tidy(() => {
        const xe = lm.embed(tok);
        // The readout's x: x + HashMemory(x) with the memory (the model's own ops).
        const xr = mods.memory !== null ? add(xe, mods.memory.forward(xe)) : xe;
        return [xr, lm.states(xe), lm.forward(tok)];
      })
    );
    made.push(x!, s!, logits!);
    const [xv, sv, lv] = await readTensors([x!, s!, logits!]);
    const features = new Float32Array(N * F);
    for (let n = 0; n < N; n++) {
      features.set(sv!.subarray(n * M, (n + 1) * M), n * F);
      features.set(xv!.subarray(n * E, (n + 1) * E), n * F + M);
    }
    const ids = windowIds(batch, W);
    const window = new Float32Array(N * W * E);
    ids.forEach((id, i) => {
      if (id >= 0) {
        for (let d = 0; d < E; d++) window[i * E + d] = values.embedding![id * E + d]!;
      }
    });
    const emb = lm.parameters.get("embedding")!;
    const u0 = leaf(features, [B, T, F], false);
    const w0 = leaf(window, [B, T, W * E], false);
    const [linT, locT] = noGrad(() =>
      tidy(() => [
        mods.linear.forward(u0, { embedding: emb }).logits,
        mods.local!.forward(w0).logits,
      ])
    );
    made.push(linT!, locT!);
    const [lin, loc] = (await readTensors([linT!, locT!])) as Float32Array[];
    // The cross-entropy's gradient on the GPU's logits.
    const lg = leaf(lv!, [N, V]);
    made.push(tidy(() => {
      const l = crossEntropy(lg, reshape(tgt, [N]));
      backward(l);
      return l;
    }));
    const [dY] = (await readTensors([lg.grad!])) as Float32Array[];
    // The mix's backward from it (sum·mul seeds the adjoint exactly).
    const dYt = leaf(dY!, [B, T, V], false);
    const a = leaf(lin!, [B, T, V]);
    const b = leaf(loc!, [B, T, V]);
    made.push(tidy(() => {
      const out = mods.mix !== null
        ? mods.mix.forward(a, b).logits
        : add(a, mul(b, lm.buffers.get("local_scale")!));
      const l = sum(mul(out, dYt));
      backward(l);
      return l;
    }));
    const [dLin, dLoc] = (await readTensors([a.grad!, b.grad!])) as Float32Array[];
    // The readouts' backward from the mix's adjoints.
    const dLinT = leaf(dLin!, [B, T, V], false);
    const dLocT = leaf(dLoc!, [B, T, V], false);
    const u = leaf(features, [B, T, F]);
    const win = leaf(window, [B, T, W * E]);
    made.push(tidy(() => {
      const l = add(
        sum(mul(mods.linear.forward(u, { embedding: emb }).logits, dLinT)),
        sum(mul(mods.local!.forward(win).logits, dLocT)),
      );
      backward(l);
      return l;
    }));
    const [dU, dWin] = (await readTensors([u.grad!, win.grad!])) as Float32Array[];
    // The GRU readout: the output layer's adjoint of the states (∂A = ∂C·Wᵀ reads no A).
    let dHs: Float32Array | null = null;
    if ((c.readoutKind ?? "mlp") === "recurrent") {
      const H = c.readoutHidden;
      const hs = leaf(new Float32Array(N * H), [N, H]);
      made.push(tidy(() => {
        const out = add(
          matmul(hs, lm.parameters.get("readout.out_w")!),
          lm.parameters.get("readout.out_b")!,
        );
        const l = sum(mul(reshape(out, [B, T, V]), dLinT));
        backward(l);
        return l;
      }));
      dHs = (await readTensors([hs.grad!]))[0] as Float32Array;
    }
    clearGrads(lm);
    // The balance loss's own backward: through the whole model (its readout on the model's
    // states and embeddings), then on a leaf of the features for ∂u, and each router's logits.
    const routers = balanceRouters(c);
    let balance: GpuRun["balance"] = null;
    if (routers.length > 0) {
      made.push(tidy(() => {
        const xe = lm.embed(tok);
        const xr = mods.memory !== null ? add(xe, mods.memory.forward(xe)) : xe;
        const l = mods.linear.forward(concat([lm.states(xe), xr], 2), { embedding: emb }).balance!;
        backward(l);
        return l;
      }));
      const held = names.filter((n) => lm.parameters.get(n)!.grad !== null);
      const bread = await readTensors(held.map((n) => lm.parameters.get(n)!.grad!));
      const bgrads: Record<string, Float32Array> = {};
      for (const n of names) bgrads[n] = new Float32Array(lm.parameters.get(n)!.size);
      held.forEach((n, i) => (bgrads[n] = bread[i] as Float32Array));
      clearGrads(lm);
      const ub = leaf(features, [B, T, F]);
      made.push(tidy(() => {
        const l = mods.linear.forward(ub, { embedding: emb }).balance!;
        backward(l);
        return l;
      }));
      const [dUB] = (await readTensors([ub.grad!])) as Float32Array[];
      clearGrads(lm);
      // The router's logits as the routed core computes them: add(matmul(rows, W), b).
      const zs = noGrad(() =>
        tidy(() =>
          routers.map((r) => {
            const f = r.cols.length;
            const rows = new Float32Array(N * f);
            for (let n = 0; n < N; n++) {
              r.cols.forEach((col, k) => (rows[n * f + k] = features[n * F + col]!));
            }
            return add(
              matmul(leaf(rows, [N, f], false), lm.parameters.get(`${r.prefix}.router_w`)!),
              lm.parameters.get(`${r.prefix}.router_b`)!,
            );
          })
        )
      );
      made.push(...zs);
      const z = (await readTensors(zs)) as Float32Array[];
      balance = { coef: Math.fround(lm.config.balanceCoef), grads: bgrads, dU: dUB!, z };
    }
    return {
      values,
      batch,
      names,
      grads,
      features,
      window,
      lin: lin!,
      loc: loc!,
      logits: lv as Float32Array,
      dY: dY!,
      dLin: dLin!,
      dLoc: dLoc!,
      dHs,
      dU: dU!,
      dWin: dWin!,
      balance,
    };
  } finally {
    for (const t of made) {
      t.grad?.dispose();
      t.dispose();
    }
    clearGrads(lm);
    lm.dispose();
  }
}

// ------------------------------------------------------------------ composition helpers

/**
 * |J|ᵀ·e of a stage linear in its adjoint: Σ_j e_j·|S(unit_j)| over the adjoint's elements,
 * each output array by name.
 */
function carried(
  stage: (seed: Float64Array) => Record<string, ArrayLike<number>>,
  e: ArrayLike<number>,
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const seed = new Float64Array(e.length);
  for (let j = 0; j < e.length; j++) {
    const ej = e[j]!;
    if (ej === 0) continue;
    seed[j] = 1;
    const g = stage(seed);
    seed[j] = 0;
    for (const [k, v] of Object.entries(g)) {
      let o = out[k];
      if (o === undefined) o = out[k] = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) o[i]! += ej * Math.abs(v[i]!);
    }
  }
  return out;
}

/**
 * {@link carried} of a position-wise stage, one row at a time: `stage(r, seedRow)` runs the
 * stage on row r alone (the other rows' seeds are zero, so they add nothing); the outputs named
 * in `rowKeys` are that row's slice and land at row r, the others are whole arrays.
 */
function carriedRows(
  stage: (r: number, seedRow: Float64Array) => Record<string, ArrayLike<number>>,
  e: ArrayLike<number>,
  rows: number,
  rowKeys: readonly string[],
): Record<string, Float64Array> {
  const width = e.length / rows;
  const out: Record<string, Float64Array> = {};
  const seed = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const ej = e[r * width + j]!;
      if (ej === 0) continue;
      seed[j] = 1;
      const g = stage(r, seed);
      seed[j] = 0;
      for (const [k, v] of Object.entries(g)) {
        const perRow = rowKeys.includes(k);
        let o = out[k];
        if (o === undefined) o = out[k] = new Float64Array(perRow ? rows * v.length : v.length);
        const at = perRow ? r * v.length : 0;
        for (let i = 0; i < v.length; i++) o[at + i]! += ej * Math.abs(v[i]!);
      }
    }
  }
  return out;
}

/** e + carry, elementwise (a missing carry: nothing carried). */
function plus(e: ArrayLike<number>, carry: Float64Array | undefined): Float64Array {
  return Float64Array.from(e, (x, i) => x + (carry?.[i] ?? 0));
}

/** A tracked matmul C = A·B ([n, k]·[k, m]): the product rule plus γ_k of the magnitudes. */
function trackedMatmul(
  a: { v: Float64Array; e: Float64Array },
  aShape: [number, number],
  b: { v: Float64Array; e: Float64Array },
  bShape: [number, number],
): { v: Float64Array; e: Float64Array } {
  const mm = (x: Float64Array, y: Float64Array) =>
    matmulForward({ shape: aShape, data: x }, { shape: bShape, data: y }, {}).data;
  const abs = (x: Float64Array) => x.map(Math.abs);
  const v = mm(a.v, b.v);
  const p1 = mm(abs(a.v), b.e);
  const p2 = mm(a.e, abs(b.v));
  const p3 = mm(a.e, b.e);
  const mag = mm(
    a.v.map((x, i) => Math.abs(x) + a.e[i]!),
    b.v.map((x, i) => Math.abs(x) + b.e[i]!),
  );
  const L = aShape[1];
  const g = gamma32(L);
  return {
    v,
    e: v.map((_, i) => p1[i]! + p2[i]! + p3[i]! + g * mag[i]! + 2 * L * F32_MIN_NORMAL),
  };
}

function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  }
  return out;
}

/** One compared array: GPU values, the oracle's, the composed bound. */
interface Compared {
  gpu: ArrayLike<number>;
  oracle: ArrayLike<number>;
  bound: ArrayLike<number>;
}

/** Worst |gpu − oracle| / (bound·factor) of an array, and where. */
function worstRatio(x: Compared): { ratio: number; at: number } {
  let ratio = 0;
  let at = 0;
  for (let i = 0; i < x.oracle.length; i++) {
    const d = Math.abs(x.gpu[i]! - x.oracle[i]!);
    const q = d === 0 ? 0 : d / (x.bound[i]! * BYTE_LM_REFERENCE_FACTOR);
    if (!(q <= ratio)) {
      ratio = q;
      at = i;
    }
  }
  return { ratio, at };
}

/** Checks that a walk's exact values are the oracle's at the same inputs. */
function sameValues(what: string, walk: ArrayLike<number>, oracle: ArrayLike<number>): void {
  for (let i = 0; i < oracle.length; i++) {
    const o = oracle[i]!;
    if (!(Math.abs(walk[i]! - o) <= 1e-9 * (1 + Math.abs(o)))) {
      throw new Error(
        `Cannot compose the bound of ${what}: the walk's ${walk[i]} at ${i} differs from the ` +
          `oracle's ${o}`,
      );
    }
  }
}

/** Every parameter's and adjoint's comparison of one case. */
interface CaseResult {
  /** The balance loss's weight in the objective (0: cross-entropy only). */
  balanceCoef: number;
  params: Record<string, Compared>;
  adjoints: Record<string, Compared>;
  features: Compared;
}

const caseRuns = new Map<string, Promise<CaseResult>>();

function runCase(cs: LMCase): Promise<CaseResult> {
  let p = caseRuns.get(cs.name);
  if (p === undefined) {
    p = (async () => composeCase(cs, await runGpu(cs)))();
    caseRuns.set(cs.name, p);
  }
  return p;
}

/** The oracle's full backward on the GPU's forward values, and every composed bound. */
function composeCase(cs: LMCase, g: GpuRun): CaseResult {
  const c = cs.config;
  const { values, batch } = g;
  const { B, T } = batch;
  const N = B * T;
  const E = c.embeddingDim;
  const M = c.linearModes;
  const W = c.localWindow;
  const F = M + E;
  const emb = values.embedding!;
  const p = values as OracleParams;
  const u = Float64Array.from(g.features);
  const win = Float64Array.from(g.window);
  const pins = { features: g.features, lin: g.lin, loc: g.loc, logits: g.logits };
  const full = byteLMFullBackward(c, values, batch, pins);
  const adj = full.adjoints;
  // Cross-entropy: the kernel's bound on the GPU's logits (seed 1).
  const ce = crossEntropyBounds(
    g.logits,
    batch.targets,
    N,
    V,
    1,
    segmentPathLength(V, rowLanes(N, V)),
    reducePathLength({ outer: 1, n: N, inner: 1 }),
  );
  const eDY = ce.gx;
  // The mix.
  const params: Record<string, Compared> = {};
  const adjoints: Record<string, Compared> = {
    dLogits: { gpu: g.dY, oracle: adj.dLogits, bound: eDY },
  };
  let eDLin: Float64Array;
  let eDLoc: Float64Array;
  const lin = Float64Array.from(g.lin);
  const loc = Float64Array.from(g.loc);
  if ((c.mixMode ?? "additive") === "gated") {
    const w = values["mix.gate_w"]!;
    const b0 = values["mix.gate_b"]![0]!;
    const st = gatedMixGradBounds(g.lin, g.loc, N, V, w, b0, c.localScale, g.dY);
    const at = gatedMixBackward(lin, loc, N, V, w, b0, c.localScale, Float64Array.from(g.dY));
    sameValues("the gated mix", st.dLin.v, at.dLin);
    // The mix is row-wise: row r's adjoint moves row r's ∂ℓ and the gate's weights only.
    const row = (x: Float64Array, r: number) => x.subarray(r * V, (r + 1) * V);
    const cy = carriedRows(
      (r, seed) => {
        const m = gatedMixBackward(row(lin, r), row(loc, r), 1, V, w, b0, c.localScale, seed);
        return { dLin: m.dLin, dLoc: m.dLoc, dW: m.dW, dB: [m.dB] };
      },
      eDY,
      N,
      ["dLin", "dLoc"],
    );
    eDLin = plus(st.dLin.e, cy.dLin);
    eDLoc = plus(st.dLoc.e, cy.dLoc);
    params["mix.gate_w"] = {
      gpu: g.grads["mix.gate_w"]!,
      oracle: full.grads["mix.gate_w"]!,
      bound: plus(st.dW.e, cy.dW),
    };
    params["mix.gate_b"] = {
      gpu: g.grads["mix.gate_b"]!,
      oracle: full.grads["mix.gate_b"]!,
      bound: plus(st.dB.e, cy.dB),
    };
  } else {
    // add passes the adjoint (exact); mul(loc, s) sends g·s to loc, one rounding.
    const s = TR.uniform(c.localScale);
    eDLin = Float64Array.from(eDY);
    eDLoc = Float64Array.from(g.dY, (d, i) => TR.mul({ v: d, e: eDY[i]! }, s).e);
  }
  adjoints.dLin = { gpu: g.dLin, oracle: adj.dLin, bound: eDLin };
  adjoints.dLoc = { gpu: g.dLoc, oracle: adj.dLoc!, bound: eDLoc };
  // The local readout.
  const localSpec = { kind: "mlp" as const, hidden: [c.localHidden] };
  const localDims = { B, T, F: W * E, V };
  const lst = readoutGradBounds(localSpec, p, "local", g.window, localDims, g.dLoc);
  const WE = W * E;
  const lcy = carriedRows(
    (r, seed) => {
      const one = { B: 1, T: 1, F: WE, V };
      const x = oracleReadoutBackward(
        localSpec,
        p,
        "local",
        win.subarray(r * WE, (r + 1) * WE),
        one,
        seed,
      );
      return { ...x.params, du: x.du };
    },
    eDLoc,
    N,
    ["du"],
  );
  for (const [n, b] of Object.entries(lst.params)) {
    params[n] = { gpu: g.grads[n]!, oracle: full.grads[n]!, bound: plus(b.e, lcy[n]) };
  }
  const eDWin = plus(lst.du.e, lcy.du);
  adjoints.dWin = { gpu: g.dWin, oracle: adj.dWin!, bound: eDWin };
  // The linear readout.
  const spec = linearReadoutSpec(c);
  const dims = { B, T, F, V };
  let eDU: Float64Array;
  let tied: { oracle: Float64Array; e: Float64Array } | null = null;
  if (spec.kind === "recurrent") {
    const H = spec.hidden;
    const gp = "readout.gru.";
    const geo = { batch: B, steps: T, input: F, hidden: H };
    const inp = {
      x: u,
      wIh: values[`${gp}weight_ih_l0`]!,
      wHh: values[`${gp}weight_hh_l0`]!,
      bIh: values[`${gp}bias_ih_l0`]!,
      bHh: values[`${gp}bias_hh_l0`]!,
      h0: null,
    };
    // The output layer ℓ = hs W + b on the GPU's states (within gruBounds' forward bound) and
    // the GPU's ∂ℓ (within its composed bound): tracked products, both centred on the oracle.
    const fwd = gruForward(geo, inp);
    const hsB = gruBounds(geo, inp, new Float64Array(N * H)).hs;
    sameValues("the GRU's states", hsB.v, fwd.hs);
    const dLinT = { v: adj.dLin, e: eDLin };
    const hsT = { v: fwd.hs, e: Float64Array.from(hsB.e) };
    const dOutW = trackedMatmul(
      { v: transpose(hsT.v, N, H), e: transpose(hsT.e, N, H) },
      [H, N],
      dLinT,
      [N, V],
    );
    const dOutB = Float64Array.from({ length: V }, (_, j) =>
      trackSum(
        Array.from({ length: N }, (_, r) => ({ v: adj.dLin[r * V + j]!, e: eDLin[r * V + j]! })),
        N - 1,
      ).e);
    const wOut = values["readout.out_w"]!;
    const dHsT = trackedMatmul(dLinT, [N, V], {
      v: transpose(wOut, H, V),
      e: new Float64Array(H * V),
    }, [V, H]);
    adjoints.dHs = { gpu: g.dHs!, oracle: dHsT.v, bound: dHsT.e };
    const gst = gruBounds(geo, inp, Float64Array.from(g.dHs!));
    const gcy = carried((seed) => {
      const r = gruBackward(geo, inp, fwd, seed);
      return { x: r.x, wIh: r.wIh, wHh: r.wHh, bIh: r.bIh, bHh: r.bHh };
    }, dHsT.e);
    const gg = gst.grads;
    const pairs: [string, { e: Float64Array | ArrayLike<number> }, Float64Array | undefined][] = [
      [`${gp}weight_ih_l0`, gg.wIh, gcy.wIh],
      [`${gp}weight_hh_l0`, gg.wHh, gcy.wHh],
      [`${gp}bias_ih_l0`, gg.bIh, gcy.bIh],
      [`${gp}bias_hh_l0`, gg.bHh, gcy.bHh],
    ];
    for (const [n, b, cy] of pairs) {
      params[n] = { gpu: g.grads[n]!, oracle: full.grads[n]!, bound: plus(b.e, cy) };
    }
    params["readout.out_w"] = {
      gpu: g.grads["readout.out_w"]!,
      oracle: full.grads["readout.out_w"]!,
      bound: dOutW.e,
    };
    params["readout.out_b"] = {
      gpu: g.grads["readout.out_b"]!,
      oracle: full.grads["readout.out_b"]!,
      bound: dOutB,
    };
    eDU = plus(gg.x.e, gcy.x);
  } else {
    const st = readoutGradBounds(spec, p, "readout", g.features, dims, g.dLin, emb);
    // Position-wise kinds and bands: row r's adjoint moves row r's ∂u and the shared weights.
    const cy = carriedRows(
      (r, seed) => {
        const one = { B: 1, T: 1, F, V };
        const x = oracleReadoutBackward(
          spec,
          p,
          "readout",
          u.subarray(r * F, (r + 1) * F),
          one,
          seed,
          emb,
        );
        return { ...x.params, du: x.du, ...(x.dEmbedding !== null ? { dEmb: x.dEmbedding } : {}) };
      },
      eDLin,
      N,
      ["du"],
    );
    for (const [n, b] of Object.entries(st.params)) {
      params[n] = { gpu: g.grads[n]!, oracle: full.grads[n]!, bound: plus(b.e, cy[n]) };
    }
    eDU = plus(st.du.e, cy.du);
    if (st.dEmbedding !== null) {
      tied = { oracle: adj.dEmbeddingTied!, e: plus(st.dEmbedding.e, cy.dEmb) };
    }
  }
  adjoints.dU = { gpu: g.dU, oracle: adj.dU, bound: eDU };
  // The substrate, blocks and embedding from the GPU's adjoints, and the adjoints' bounds
  // carried through the (linear) backward of the oracle's forward.
  const walk = byteLMBounds(c, values, batch, { dCat: g.dU, dWin: g.dWin });
  const atGpuRun = byteLMBackward(c, values, batch, full.trace, 1, {
    dCat: Float64Array.from(g.dU),
    dWin: Float64Array.from(g.dWin),
  });
  const atGpu = atGpuRun.grads;
  const nCat = N * F;
  const ucy = carried((seed) =>
    byteLMBackward(c, values, batch, full.trace, 1, {
      dCat: seed.subarray(0, nCat),
      dWin: seed.subarray(nCat),
    }).grads, Float64Array.from([...eDU, ...eDWin]));
  for (const [n, b] of Object.entries(walk.grads)) {
    sameValues(`∂L/∂${n}`, b.v, atGpu[n]!);
    params[n] = { gpu: g.grads[n]!, oracle: full.grads[n]!, bound: plus(b.e, ucy[n]) };
  }
  let features: Compared = { gpu: g.features, oracle: walk.features.v, bound: walk.features.e };
  if (c.hashMemory ?? false) {
    const hm = hashMemoryPart(
      c,
      g,
      full,
      walk.features,
      eDU,
      atGpuRun.adjoints.dX,
      walk.grads.embedding!.e,
    );
    Object.assign(params, hm.params);
    const prev = params.embedding!;
    params.embedding = {
      ...prev,
      bound: Float64Array.from(prev.bound, (e, i) => e + hm.embExtra[i]!),
    };
    features = hm.features;
  }
  if (tied !== null) {
    // The table's gradient: the gathers' terms and the tied readout's, summed by autograd in
    // any order: count + 1 terms, each through at most `count` additions.
    const count = new Int32Array(V);
    for (const id of batch.tokens) count[id]!++;
    for (const id of windowIds(batch, W)) if (id >= 0) count[id]!++;
    const t = tied;
    const prev = params.embedding!;
    params.embedding = {
      ...prev,
      bound: Float64Array.from(prev.bound, (e, i) => {
        const k = count[Math.floor(i / E)]!;
        const tv = Math.abs(t.oracle[i]!) + 2 * t.e[i]!;
        return e + t.e[i]! + (k > 0 ? gamma32(k) * tv + F32_MIN_NORMAL : 0);
      }),
    };
  }
  if (g.balance !== null && (c.hashMemory ?? false)) {
    throw new RangeError(
      `Cannot compose the bound of ${cs.name}: expected no router beside the hash memory (the ` +
        `balance adjoint's path through the memory is not composed) but got both`,
    );
  }
  if (g.balance !== null) {
    // The training objective's balance term: a second GPU backward (the balance loss alone),
    // added on the host as coef·g; its bound coef·e from the routers' tracked walk on the
    // GPU's features and the substrate's walk from the GPU's ∂u, with ∂u's bound carried.
    const bal = g.balance;
    const fullC = byteLMFullBackward(c, values, batch, pins, bal.coef);
    const bb = balanceBounds(c, values, g.features, bal.z, N);
    sameValues("the balance loss's ∂u", bb.du.v, balanceBackward(c, values, u, N).du);
    adjoints.dUBalance = { gpu: bal.dU, oracle: bb.du.v, bound: bb.du.e };
    const noWin = new Float64Array(N * W * E);
    const walkB = byteLMBounds(c, values, batch, { dCat: bal.dU, dWin: noWin });
    const atB = byteLMBackward(c, values, batch, full.trace, 1, {
      dCat: Float64Array.from(bal.dU),
      dWin: noWin,
    }).grads;
    const bcy = carried(
      (seed) => byteLMBackward(c, values, batch, full.trace, 1, { dCat: seed, dWin: noWin }).grads,
      bb.du.e,
    );
    for (const [n, x] of Object.entries(params)) {
      let e: Float64Array | undefined = bb.params[n];
      const wb = walkB.grads[n];
      if (wb !== undefined) {
        sameValues(`the balance loss's ∂L/∂${n}`, wb.v, atB[n]!);
        e = plus(wb.e, bcy[n]);
      }
      const gb = bal.grads[n]!;
      params[n] = {
        gpu: Float64Array.from(x.gpu, (v, i) => v + bal.coef * gb[i]!),
        oracle: fullC.grads[n]!,
        bound: e === undefined
          ? x.bound
          : Float64Array.from(x.bound, (b, i) => b + bal.coef * e![i]!),
      };
    }
  }
  return {
    balanceCoef: g.balance?.coef ?? 0,
    params,
    adjoints,
    features,
  };
}

/**
 * Bounds of the balance loss's backward (seed 1) on the GPU: each router's logits
 * z = add(matmul(rows, W), b) tracked from the GPU's exact features, the softmax, the hard
 * counts (the computed argmax checked to be the exact one), then the backward as
 * balanceGradBounds replays it (∂/∂f̂P̂ scaled by E, by f̂, by f32(1/N), the softmax backward)
 * and the router's matmul and bias backward; the routers' ∂u summed by autograd (bands: any
 * order over at most 2·bands terms).
 */
function balanceBounds(
  c: ByteLMBoundsConfig,
  values: Record<string, Float64Array>,
  features: Float32Array,
  zGpu: readonly Float32Array[],
  N: number,
): { params: Record<string, Float64Array>; du: { v: Float64Array; e: Float64Array } } {
  const F = features.length / N;
  const routers = balanceRouters(c);
  const params: Record<string, Float64Array> = {};
  const parts: { v: Float64Array; e: Float64Array }[] = [];
  routers.forEach((r, ri) => {
    const f = r.cols.length;
    const X = r.experts;
    const ub = new Float64Array(N * f);
    for (let n = 0; n < N; n++) {
      r.cols.forEach((col, k) => (ub[n * f + k] = features[n * F + col]!));
    }
    const w = values[`${r.prefix}.router_w`]!;
    const b = values[`${r.prefix}.router_b`]!;
    const zm = trackedMatmul({ v: ub, e: new Float64Array(N * f) }, [N, f], {
      v: w,
      e: new Float64Array(f * X),
    }, [f, X]);
    const z: Tracked[] = Array.from(
      { length: N * X },
      (_, i) => TR.add({ v: zm.v[i]!, e: zm.e[i]! }, TR.input(b[i % X]!)),
    );
    z.forEach((t, i) => {
      if (!(Math.abs(zGpu[ri]![i]! - t.v) <= t.e * BYTE_LM_REFERENCE_FACTOR)) {
        throw new Error(
          `Cannot bound ${r.prefix}'s balance gradient: the GPU's router logit ${zGpu[ri]![i]} ` +
            `at ${i} is outside its bound ${t.v} ± ${t.e}`,
        );
      }
    });
    const pi = Array.from({ length: N }, (_, n) => {
      const row = z.slice(n * X, (n + 1) * X);
      let mv = -Infinity;
      let me = 0;
      for (const t of row) {
        mv = Math.max(mv, t.v);
        me = Math.max(me, t.e);
      }
      const d = row.map((t) => TR.sub(t, { v: mv, e: me }));
      const ex = d.map((t) => TR.exp(t));
      const sm = trackSum(ex, X - 1);
      return ex.map((t) => TR.div(t, sm));
    });
    const counts = new Array<number>(X).fill(0);
    pi.forEach((row, n) => {
      let best = 0;
      for (let j = 1; j < X; j++) if (row[j]!.v > row[best]!.v) best = j;
      for (let j = 0; j < X; j++) {
        if (j !== best && row[best]!.v - row[best]!.e <= row[j]!.v + row[j]!.e) {
          throw new RangeError(
            `Cannot bound ${r.prefix}'s balance gradient: row ${n}'s router probabilities ` +
              `${row[best]!.v} and ${row[j]!.v} are within their error bounds`,
          );
        }
      }
      counts[best]!++;
    });
    const gPi = counts.map((k) => {
      const fh = TR.mul({ v: k, e: 0 }, TR.uniform(1 / N));
      return TR.mul(TR.mul(TR.mul({ v: 1, e: 0 }, { v: X, e: 0 }), fh), TR.uniform(1 / N));
    });
    const dz = { v: new Float64Array(N * X), e: new Float64Array(N * X) };
    pi.forEach((row, n) => {
      const cdot = trackSum(row.map((y, j) => TR.mul(gPi[j]!, y)), X - 1);
      row.forEach((y, j) => {
        const t = TR.mul(y, TR.sub(gPi[j]!, cdot));
        dz.v[n * X + j] = t.v;
        dz.e[n * X + j] = t.e;
      });
    });
    const dW = trackedMatmul(
      { v: transpose(ub, N, f), e: new Float64Array(N * f) },
      [f, N],
      dz,
      [N, X],
    );
    params[`${r.prefix}.router_w`] = dW.e;
    params[`${r.prefix}.router_b`] = Float64Array.from({ length: X }, (_, j) =>
      trackSum(
        Array.from({ length: N }, (_, n) => ({ v: dz.v[n * X + j]!, e: dz.e[n * X + j]! })),
        N - 1,
      ).e);
    const dx = trackedMatmul(dz, [N, X], { v: transpose(w, f, X), e: new Float64Array(f * X) }, [
      X,
      f,
    ]);
    const part = { v: new Float64Array(N * F), e: new Float64Array(N * F) };
    for (let n = 0; n < N; n++) {
      r.cols.forEach((col, k) => {
        part.v[n * F + col] = dx.v[n * f + k]!;
        part.e[n * F + col] = dx.e[n * f + k]!;
      });
    }
    parts.push(part);
  });
  const bands = c.readoutBands ?? 1;
  const k = parts.length > 1 || bands > 1 ? 2 * bands : 0;
  const du = { v: new Float64Array(N * F), e: new Float64Array(N * F) };
  for (let i = 0; i < N * F; i++) {
    const t = trackSum(parts.map((x) => ({ v: x.v[i]!, e: x.e[i]! })), k);
    du.v[i] = t.v;
    du.e[i] = t.e;
  }
  return { params, du };
}

/**
 * The hash memory's share: its parameters' gradients (hashMemoryBounds on the GPU's ∂L/∂(x +
 * HashMemory(x)), plus that adjoint's bound carried), the memory's forward bound in the
 * features' x columns, and what its ∂L/∂x adds to the embedding table's bound. x's gradient is
 * autograd's sum of four paths in any order (the substrate's drive, the add, the memory's write
 * and query projections: three additions per term), where the substrate walk modelled two; the
 * extra rounding needs each path's magnitude: the substrate's exact path at the walk's centre
 * plus the walk's bound of the row (which contains that path's error), and the memory's two
 * paths through their accumulated bound (e_x ≥ γ₁·Σ(|path| + e_path)). The table's scatter then
 * sums the changed rows: γ_count of the added magnitudes.
 */
function hashMemoryPart(
  c: ByteLMBoundsConfig,
  g: GpuRun,
  full: ReturnType<typeof byteLMFullBackward>,
  featureBound: { v: Float64Array; e: Float64Array },
  eDU: Float64Array,
  dXAtGpu: Float64Array,
  walkEmbE: Float64Array,
): { params: Record<string, Compared>; embExtra: Float64Array; features: Compared } {
  if (!["frozen", "learnable_decays", "learnable_mixing"].includes(c.substrate)) {
    throw new RangeError(
      `Cannot compose the hash memory's bound: expected a bank substrate (x feeds one substrate ` +
        `path) but got "${c.substrate}"`,
    );
  }
  const { values, batch } = g;
  const { B, T } = batch;
  const N = B * T;
  const E = c.embeddingDim;
  const M = c.linearModes;
  const F = M + E;
  const shape = { B, T, E, M: c.hashMemorySlots!, D: c.hashMemoryDim! };
  const keys = ["write_w", "write_b", "query_w", "query_b", "out_w", "out_b"] as const;
  const w64 = Object.fromEntries(keys.map((k) => [k, values[`hash_memory.${k}`]!])) as Record<
    (typeof keys)[number],
    Float64Array
  >;
  const w32 = Object.fromEntries(keys.map((k) => [k, Float32Array.from(w64[k])])) as Record<
    (typeof keys)[number],
    Float32Array
  >;
  const x = full.trace.x;
  const xCols = (a: ArrayLike<number>) =>
    Float64Array.from({ length: N * E }, (_, i) => a[Math.floor(i / E) * F + M + (i % E)]!);
  const dxr = xCols(g.dU);
  const eDxr = xCols(eDU);
  const hb = hashMemoryBounds(w32, Float32Array.from(x), Float32Array.from(dxr), shape);
  sameValues("the hash memory's ∂x", hb.grads.x!.v, hashMemoryBackward(w64, x, shape, dxr).x);
  const cy = carried((seed) => {
    const r = hashMemoryBackward(w64, x, shape, seed);
    return { ...r };
  }, eDxr);
  const params: Record<string, Compared> = {};
  for (const k of keys) {
    const n = `hash_memory.${k}`;
    params[n] = { gpu: g.grads[n]!, oracle: full.grads[n]!, bound: plus(hb.grads[k]!.e, cy[k]) };
  }
  // The table's extra bound, row by row of the tokens.
  const hx = full.adjoints.dXHash!;
  const ex = plus(hb.grads.x!.e, cy.x);
  const g1 = gamma32(1);
  const g3 = gamma32(3);
  const count = new Int32Array(V);
  for (const id of batch.tokens) count[id]!++;
  for (const id of windowIds(batch, c.localWindow)) if (id >= 0) count[id]!++;
  const embExtra = new Float64Array(V * E);
  batch.tokens.forEach((r, n) => {
    for (let d = 0; d < E; d++) {
      const i = n * E + d;
      const at = r * E + d;
      const sub = Math.abs(dXAtGpu[i]! - dxr[i]!) + walkEmbE[at]!;
      const memPaths = Math.max(hb.grads.x!.e[i]! - F32_MIN_NORMAL, 0) / g1;
      const extra = ex[i]! + g3 * (Math.abs(dxr[i]!) + sub + memPaths) + 3 * F32_MIN_NORMAL;
      const mag = Math.abs(hx[i]!) + ex[i]! + extra;
      embExtra[at]! += extra + gamma32(count[r]!) * mag + F32_MIN_NORMAL;
    }
  });
  // The features' x columns hold x + HashMemory(x): the exact rows plus the memory's bound.
  const fb = Float64Array.from(featureBound.e);
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < E; d++) {
      const i = n * E + d;
      fb[n * F + M + d] = TR.add(TR.input(x[i]!), { v: hb.out.v[i]!, e: hb.out.e[i]! }).e;
    }
  }
  return {
    params,
    embExtra,
    features: { gpu: g.features, oracle: full.trace.readout!.features, bound: fb },
  };
}

claimTest(BYTE_LM_FULL_GPU_GRADIENTS, async () => {
  let worst = 0;
  let where = "";
  let adjWorst = 0;
  let adjWhere = "";
  let featWorst = 0;
  let elements = 0;
  const missing: string[] = [];
  const perCase: string[] = [];
  for (const cs of FULL_CASES) {
    const r = await runCase(cs);
    const lm = new CausalBankLM(lmConfigOf(cs.config, cs.seed));
    const names = [...lm.parameters.keys()];
    lm.dispose();
    const compared = Object.keys(r.params).sort();
    const wanted = [...names].sort();
    if (compared.join() !== wanted.join()) {
      missing.push(
        `${cs.name}: lm.parameters [${wanted.filter((n) => !(n in r.params)).join(", ")}] ` +
          `not compared, [${compared.filter((n) => !names.includes(n)).join(", ")}] extra`,
      );
    }
    let caseWorst = 0;
    const counts: string[] = [];
    for (const n of compared) {
      const x = r.params[n]!;
      const { ratio, at } = worstRatio(x);
      elements += x.oracle.length;
      counts.push(`${n} ${x.oracle.length}`);
      caseWorst = Math.max(caseWorst, ratio);
      if (!(ratio <= worst)) {
        worst = ratio;
        where = `${cs.name}: ${n}[${at}] (gpu ${x.gpu[at]}, oracle ` +
          `${Number(x.oracle[at]).toExponential(6)}, bound ${
            Number(x.bound[at]).toExponential(2)
          })`;
      }
    }
    for (const [n, x] of Object.entries(r.adjoints)) {
      const { ratio, at } = worstRatio(x);
      if (!(ratio <= adjWorst)) {
        adjWorst = ratio;
        adjWhere = `${cs.name}: ${n}[${at}]`;
      }
    }
    featWorst = Math.max(featWorst, worstRatio(r.features).ratio);
    const objective = r.balanceCoef > 0 ? ` (+ ${r.balanceCoef.toPrecision(3)} x balance)` : "";
    perCase.push(`${cs.name}${objective} ${formatFigure(caseWorst)} (${counts.join(", ")})`);
  }
  const detail = `worst |gpu - oracle| / bound at ${where}; ${elements} gradient elements of ` +
    `every parameter over ${FULL_CASES.length} configurations; adjoints worst ` +
    `${formatFigure(adjWorst)} at ${adjWhere}; features ${formatFigure(featWorst)}; ` +
    `${perCase.join("; ")}` + (missing.length > 0 ? `; MISSING ${missing.join("; ")}` : "");
  console.log(`byte_lm.gpu_gradients_full: worst ratio ${formatFigure(worst)}; ${detail}`);
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1 && adjWorst <= 1 && featWorst <= 1 && missing.length === 0,
    parts: [
      { name: "adjoints' worst ratio", figure: adjWorst, bound: 1, direction: "<=" },
      { name: "features' worst ratio", figure: featWorst, bound: 1, direction: "<=" },
      { name: "parameters not compared", figure: missing.length, bound: 0, direction: "==" },
    ],
    detail,
  };
});
