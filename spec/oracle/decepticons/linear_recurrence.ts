/**
 * f64 oracle of the linear recurrence h_t = a_t ⊙ h_{t−1} + b_t (real, or
 * complex as interleaved (re, im) pairs): the sequential forward, its
 * magnitude companion (the same recurrence on |a| and |b|, Σ_s |Π a|·|b_s|,
 * which scales every rounding bound), the analytic backward, and the
 * ORIGINAL's division-based chunked algorithm (asuramaya/decepticons
 * `_chunked_recurrence_scan`, re-derived from its math, not its code)
 * to measure where it diverges. Layout: [B, T, C] elements, w = 1 or 2 numbers
 * per element. Independent of impl/.
 *
 * @module
 */

/** Sizes of a recurrence: sequences, steps, channels, numbers per element (2: complex). */
export interface RecurrenceDims {
  nb: number;
  T: number;
  C: number;
  w: 1 | 2;
}

function cmul(ar: number, ai: number, br: number, bi: number): [number, number] {
  return [ar * br - ai * bi, ar * bi + ai * br];
}

/**
 * Sequential f64 recurrence. `init` is [B, C]·w or null (zero).
 * Returns every state [B, T, C]·w and the final state [B, C]·w.
 */
export function recurrenceForward(
  d: RecurrenceDims,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  init: ArrayLike<number> | null,
): { h: Float64Array; final: Float64Array } {
  const { nb, T, C, w } = d;
  const h = new Float64Array(nb * T * C * w);
  const final = new Float64Array(nb * C * w);
  for (let bi = 0; bi < nb; bi++) {
    for (let c = 0; c < C; c++) {
      let xr = init ? init[(bi * C + c) * w]! : 0;
      let xi = init && w === 2 ? init[(bi * C + c) * w + 1]! : 0;
      for (let t = 0; t < T; t++) {
        const e = ((bi * T + t) * C + c) * w;
        if (w === 1) {
          xr = a[e]! * xr + b[e]!;
          h[e] = xr;
        } else {
          const [pr, pi] = cmul(a[e]!, a[e + 1]!, xr, xi);
          xr = pr + b[e]!;
          xi = pi + b[e + 1]!;
          h[e] = xr;
          h[e + 1] = xi;
        }
      }
      final[(bi * C + c) * w] = xr;
      if (w === 2) final[(bi * C + c) * w + 1] = xi;
    }
  }
  return { h, final };
}

/** |z| of element e (w numbers at e·w). */
function modulus(x: ArrayLike<number>, e: number, w: 1 | 2): number {
  return w === 1 ? Math.abs(x[e]!) : Math.hypot(x[2 * e]!, x[2 * e + 1]!);
}

/**
 * The magnitude companion, one number per element: m_t = |a_t|·m_{t−1} + |b_t|,
 * m_{−1} = |init|, i.e. Σ_s |Π_{r>s} a_r|·|b_s| + |Π a|·|init| (the modulus for complex).
 */
export function recurrenceMagnitude(
  d: RecurrenceDims,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  init: ArrayLike<number> | null,
): Float64Array {
  const { nb, T, C, w } = d;
  const m = new Float64Array(nb * T * C);
  for (let bi = 0; bi < nb; bi++) {
    for (let c = 0; c < C; c++) {
      let x = init ? modulus(init, bi * C + c, w) : 0;
      for (let t = 0; t < T; t++) {
        const e = (bi * T + t) * C + c;
        x = modulus(a, e, w) * x + modulus(b, e, w);
        m[e] = x;
      }
    }
  }
  return m;
}

/**
 * The adjoint λ_t = g_t + conj(a_{t+1})·λ_{t+1} (λ_{T−1} = g_{T−1}), with
 * `g` = ∂L/∂h [B, T, C]·w: the input gradient and the magnitude companion of
 * the reversed recurrence is the same function on reversed data.
 */
export function recurrenceAdjoint(
  d: RecurrenceDims,
  a: ArrayLike<number>,
  g: ArrayLike<number>,
): Float64Array {
  const { nb, T, C, w } = d;
  const lam = new Float64Array(nb * T * C * w);
  for (let bi = 0; bi < nb; bi++) {
    for (let c = 0; c < C; c++) {
      let xr = 0;
      let xi = 0;
      for (let t = T - 1; t >= 0; t--) {
        const e = ((bi * T + t) * C + c) * w;
        if (t + 1 < T) {
          const n = ((bi * T + t + 1) * C + c) * w;
          if (w === 1) xr = a[n]! * xr;
          else [xr, xi] = cmul(a[n]!, -a[n + 1]!, xr, xi);
        }
        xr += g[e]!;
        lam[e] = xr;
        if (w === 2) {
          xi += g[e + 1]!;
          lam[e + 1] = xi;
        }
      }
    }
  }
  return lam;
}

/**
 * Analytic backward of L = Σ gH·h + Σ gF·final: ∂L/∂a_t = λ_t·conj(h_{t−1}),
 * ∂L/∂b_t = λ_t, ∂L/∂init = conj(a_0)·λ_0, with λ the adjoint of gH plus gF at
 * the last step. Complex gradients are ∂L/∂Re + i·∂L/∂Im.
 */
export function recurrenceBackward(
  d: RecurrenceDims,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  init: ArrayLike<number> | null,
  gH: ArrayLike<number>,
  gF: ArrayLike<number> | null,
): { da: Float64Array; db: Float64Array; dinit: Float64Array; lam: Float64Array } {
  const { nb, T, C, w } = d;
  const g = Float64Array.from(gH);
  if (gF) {
    for (let bi = 0; bi < nb; bi++) {
      for (let j = 0; j < C * w; j++) {
        const i = ((bi * T + T - 1) * C) * w + j;
        g[i] = g[i]! + gF[bi * C * w + j]!;
      }
    }
  }
  const lam = recurrenceAdjoint(d, a, g);
  const { h } = recurrenceForward(d, a, b, init);
  const da = new Float64Array(lam.length);
  const dinit = new Float64Array(nb * C * w);
  for (let bi = 0; bi < nb; bi++) {
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < T; t++) {
        const e = ((bi * T + t) * C + c) * w;
        const p = t > 0 ? e - C * w : -1;
        const hpr = p >= 0 ? h[p]! : init ? init[(bi * C + c) * w]! : 0;
        const hpi = w === 1 ? 0 : p >= 0 ? h[p + 1]! : init ? init[(bi * C + c) * w + 1]! : 0;
        if (w === 1) da[e] = lam[e]! * hpr;
        else [da[e], da[e + 1]] = cmul(lam[e]!, lam[e + 1]!, hpr, -hpi);
      }
      const e0 = (bi * T * C + c) * w;
      const o = (bi * C + c) * w;
      if (w === 1) dinit[o] = a[e0]! * lam[e0]!;
      else [dinit[o], dinit[o + 1]] = cmul(a[e0]!, -a[e0 + 1]!, lam[e0]!, lam[e0 + 1]!);
    }
  }
  return { da, db: lam, dinit, lam };
}

/**
 * The ORIGINAL's chunked scan (real gates, zero initial state), re-derived from
 * asuramaya/decepticons `CausalBankModel._chunked_recurrence_scan`: per chunk of
 * K steps, A_i = exp(Σ_{r≤i} ln max(a_r, 1e−6)) and
 * h_i = A_i·(h_in + Σ_{j≤i} b_j / max(A_j, 1e−8)); h_in of the next chunk is
 * the last h. Evaluated in f64, so every difference from
 * {@link recurrenceForward} is the algorithm's (the clamps), not rounding.
 */
export function divisionChunkedScan(
  d: RecurrenceDims,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  K: number,
): Float64Array {
  const { nb, T, C } = d;
  const h = new Float64Array(nb * T * C);
  for (let bi = 0; bi < nb; bi++) {
    for (let c = 0; c < C; c++) {
      let hin = 0;
      for (let t0 = 0; t0 < T; t0 += K) {
        let logA = 0;
        let acc = 0;
        for (let t = t0; t < Math.min(T, t0 + K); t++) {
          const e = (bi * T + t) * C + c;
          logA += Math.log(Math.max(a[e]!, 1e-6));
          const A = Math.exp(logA);
          acc += b[e]! / Math.max(A, 1e-8);
          h[e] = A * (hin + acc);
        }
        hin = h[(bi * T + Math.min(T, t0 + K) - 1) * C + c]!;
      }
    }
  }
  return h;
}
