/**
 * f64 oracle of a unidirectional GRU with PyTorch 1.13 `nn.GRU` semantics
 * (batch-first, one layer, rows [r; z; n] of every weight), forward and
 * analytic backward (BPTT).
 *
 * Forward, per sequence b and step t (h_{−1} = h0):
 *   gi = W_ih x_t + b_ih, gh = W_hh h_{t−1} + b_hh (each split [r; z; n]),
 *   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n),
 *   h_t = n + z ⊙ (h_{t−1} − n)  (= (1 − z) ⊙ n + z ⊙ h_{t−1}).
 *
 * Backward of L = Σ g ⊙ h (g = ∂L/∂h, [B, T, H]), in reverse time with the
 * carried adjoint λ (λ_T = 0), ∂h = g_t + λ:
 *   ∂z = ∂h ⊙ (h_{t−1} − n), ∂n̂ = ∂h ⊙ (1 − z) ⊙ (1 − n²),
 *   ∂r̂ = ∂n̂ ⊙ gh_n ⊙ r(1 − r), ∂ẑ = ∂z ⊙ z(1 − z),
 *   ∂gi = (∂r̂, ∂ẑ, ∂n̂), ∂gh = (∂r̂, ∂ẑ, ∂n̂ ⊙ r),
 *   λ ← ∂h ⊙ z + W_hhᵀ ∂gh;
 *   ∂W_ih = Σ ∂gi ⊗ x_t, ∂b_ih = Σ ∂gi, ∂x_t = W_ihᵀ ∂gi,
 *   ∂W_hh = Σ ∂gh ⊗ h_{t−1}, ∂b_hh = Σ ∂gh, ∂h0 = λ after t = 0.
 *
 * @module
 */

/** Sizes of one GRU call. */
export interface GruGeometry {
  /** Batch B. */
  batch: number;
  /** Steps T. */
  steps: number;
  /** Input size I. */
  input: number;
  /** Hidden size H. */
  hidden: number;
}

/** Inputs and parameters, f64 row-major in torch's layout. */
export interface GruOracleInputs {
  /** [B, T, I]. */
  x: Float64Array;
  /** [3H, I]. */
  wIh: Float64Array;
  /** [3H, H]. */
  wHh: Float64Array;
  /** [3H]. */
  bIh: Float64Array;
  /** [3H]. */
  bHh: Float64Array;
  /** [B, H]; zeros when null. */
  h0: Float64Array | null;
}

/** Forward values: the states and what the backward reuses. */
export interface GruForward {
  /** h_t [B, T, H]. */
  hs: Float64Array;
  /** gi = W_ih x + b_ih [B, T, 3H]. */
  gi: Float64Array;
  /** gh = W_hh h_{t−1} + b_hh [B, T, 3H]. */
  gh: Float64Array;
  /** (r, z, n) [B, T, 3H]. */
  gates: Float64Array;
}

/** Gradients of Σ g ⊙ h. */
export interface GruGradients {
  x: Float64Array;
  wIh: Float64Array;
  wHh: Float64Array;
  bIh: Float64Array;
  bHh: Float64Array;
  h0: Float64Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** h_{t−1} of sequence b at step t (h0 at t = 0), as a row reader. */
function prevOf(g: GruGeometry, inp: GruOracleInputs, hs: Float64Array, b: number, t: number) {
  const H = g.hidden;
  return (k: number) =>
    t === 0 ? (inp.h0 === null ? 0 : inp.h0[b * H + k]!) : hs[((b * g.steps + t - 1) * H) + k]!;
}

/** The GRU forward in f64. */
export function gruForward(g: GruGeometry, inp: GruOracleInputs): GruForward {
  const { batch: B, steps: T, input: I, hidden: H } = g;
  const hs = new Float64Array(B * T * H);
  const gi = new Float64Array(B * T * 3 * H);
  const gh = new Float64Array(B * T * 3 * H);
  const gates = new Float64Array(B * T * 3 * H);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const st = b * T + t;
      const prev = prevOf(g, inp, hs, b, t);
      for (let r = 0; r < 3 * H; r++) {
        let a = inp.bIh[r]!;
        for (let i = 0; i < I; i++) a += inp.wIh[r * I + i]! * inp.x[st * I + i]!;
        gi[st * 3 * H + r] = a;
        let c = inp.bHh[r]!;
        for (let k = 0; k < H; k++) c += inp.wHh[r * H + k]! * prev(k);
        gh[st * 3 * H + r] = c;
      }
      const o = st * 3 * H;
      for (let j = 0; j < H; j++) {
        const rr = sigmoid(gi[o + j]! + gh[o + j]!);
        const z = sigmoid(gi[o + H + j]! + gh[o + H + j]!);
        const n = Math.tanh(gi[o + 2 * H + j]! + rr * gh[o + 2 * H + j]!);
        gates[o + j] = rr;
        gates[o + H + j] = z;
        gates[o + 2 * H + j] = n;
        hs[st * H + j] = n + z * (prev(j) - n);
      }
    }
  }
  return { hs, gi, gh, gates };
}

/** The analytic gradients of Σ gOut ⊙ h (gOut [B, T, H]) by backpropagation through time. */
export function gruBackward(
  g: GruGeometry,
  inp: GruOracleInputs,
  fwd: GruForward,
  gOut: Float64Array,
): GruGradients {
  const { batch: B, steps: T, input: I, hidden: H } = g;
  const out: GruGradients = {
    x: new Float64Array(B * T * I),
    wIh: new Float64Array(3 * H * I),
    wHh: new Float64Array(3 * H * H),
    bIh: new Float64Array(3 * H),
    bHh: new Float64Array(3 * H),
    h0: new Float64Array(B * H),
  };
  const dgi = new Float64Array(3 * H);
  const dgh = new Float64Array(3 * H);
  for (let b = 0; b < B; b++) {
    let lambda = new Float64Array(H);
    for (let t = T - 1; t >= 0; t--) {
      const st = b * T + t;
      const o = st * 3 * H;
      const prev = prevOf(g, inp, fwd.hs, b, t);
      const next = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const dh = gOut[st * H + j]! + lambda[j]!;
        const r = fwd.gates[o + j]!;
        const z = fwd.gates[o + H + j]!;
        const n = fwd.gates[o + 2 * H + j]!;
        const dz = dh * (prev(j) - n);
        const dn = dh * (1 - z) * (1 - n * n);
        const dr = dn * fwd.gh[o + 2 * H + j]! * r * (1 - r);
        const dzh = dz * z * (1 - z);
        dgi[j] = dr;
        dgi[H + j] = dzh;
        dgi[2 * H + j] = dn;
        dgh[j] = dr;
        dgh[H + j] = dzh;
        dgh[2 * H + j] = dn * r;
        next[j] = dh * z;
      }
      for (let rw = 0; rw < 3 * H; rw++) {
        out.bIh[rw] = out.bIh[rw]! + dgi[rw]!;
        out.bHh[rw] = out.bHh[rw]! + dgh[rw]!;
        for (let i = 0; i < I; i++) {
          out.wIh[rw * I + i] = out.wIh[rw * I + i]! + dgi[rw]! * inp.x[st * I + i]!;
          out.x[st * I + i] = out.x[st * I + i]! + dgi[rw]! * inp.wIh[rw * I + i]!;
        }
        for (let k = 0; k < H; k++) {
          out.wHh[rw * H + k] = out.wHh[rw * H + k]! + dgh[rw]! * prev(k);
          next[k] = next[k]! + dgh[rw]! * inp.wHh[rw * H + k]!;
        }
      }
      lambda = next;
    }
    out.h0.set(lambda, b * H);
  }
  return out;
}
