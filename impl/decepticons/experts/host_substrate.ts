/**
 * A substrate stepped one token at a time in f64 on the host: what the frozen readout experts
 * and the oracle analysis carry from token to token. The step math is the substrates' own
 * (impl/decepticons/substrate/build.ts documents each); the GPU runner
 * (impl/decepticons/substrate/gpu.ts) runs the same recurrences fused over time.
 *
 * @example A delay line remembers the last tokens
 * ```ts
 * import { hostSubstrate } from "./host_substrate.ts";
 * import { delayLine } from "../substrate/build.ts";
 * const s = hostSubstrate(delayLine({ length: 2, dim: 1, vocab: 4 }));
 * const a = s.step(s.initial(), 1);
 * const b = s.step(a, 2);
 * if (b[1] !== a[0]) throw new Error("slot 1 holds the previous token");
 * ```
 *
 * @module
 */
import {
  checkSubstrate,
  type ReservoirLayer,
  stateDimOf,
  type Substrate,
} from "../substrate/build.ts";
import { shown } from "../../validate.ts";

/** A substrate stepped on the host. */
export interface HostSubstrate {
  /** Token ids are 0..vocab−1. */
  readonly vocab: number;
  /** State width. */
  readonly stateDim: number;
  /** A fresh zero state. */
  initial(): Float64Array;
  /** The next state from `state` and token `x` (a pure function). */
  step(state: Float64Array, x: number): Float64Array;
}

/** s' = (1−λ)s + λ tanh(W s + U[:, x] + Up·below) on the slice at `off`. */
function layer(
  l: ReservoirLayer,
  vocab: number,
  prev: Float64Array,
  off: number,
  below: Float64Array | null,
  belowOff: number,
  belowN: number,
  x: number,
  out: Float64Array,
): void {
  for (let i = 0; i < l.n; i++) {
    let a = l.u[i * vocab + x]!;
    for (let j = 0; j < l.n; j++) a += l.w[i * l.n + j]! * prev[off + j]!;
    if (l.up !== null && below !== null) {
      for (let j = 0; j < belowN; j++) a += l.up[i * belowN + j]! * below[belowOff + j]!;
    }
    out[off + i] = (1 - l.leak) * prev[off + i]! + l.leak * Math.tanh(a);
  }
}

/**
 * The host stepper of an echo-state, delay-line, linear-memory or hierarchical substrate (the
 * hierarchical state ends with its step phase, as the GPU runner's does).
 *
 * @throws {TypeError} when `s` is not a substrate as the builders make it.
 * @throws {RangeError} when its kind has no host stepper (oscillatory, mixed).
 */
export function hostSubstrate(s: Substrate): HostSubstrate {
  const op = "build a host substrate";
  checkSubstrate(op, s);
  if (s.kind === "oscillatory" || s.kind === "mixed") {
    throw new RangeError(
      `Cannot ${op}: expected an echo_state, delay, linear or hierarchical substrate but got ` +
        `"${s.kind}"`,
    );
  }
  const D = stateDimOf(s);
  const V = s.vocab;
  const step = (state: Float64Array, x: number): Float64Array => {
    if (!Number.isInteger(x) || x < 0 || x >= V) {
      throw new RangeError(
        `Cannot step the ${s.kind} substrate: expected a token id in 0..${V - 1} but got ${
          shown(x)
        }`,
      );
    }
    if (!(state instanceof Float64Array) || state.length !== D) {
      throw new TypeError(
        `Cannot step the ${s.kind} substrate: expected a Float64Array state of ${D} values but ` +
          `got ${shown(state)}`,
      );
    }
    const out = new Float64Array(D);
    switch (s.kind) {
      case "echo_state":
        layer(s.layer, V, state, 0, null, 0, 0, x, out);
        break;
      case "delay": {
        const E = s.dim;
        for (let e = 0; e < E; e++) out[e] = s.emb[x * E + e]!;
        for (let i = E; i < D; i++) out[i] = s.decay * state[i - E]!;
        break;
      }
      case "linear": {
        const E = s.dim;
        s.decays.forEach((d, k) => {
          for (let e = 0; e < E; e++) out[k * E + e] = d * state[k * E + e]! + s.emb[x * E + e]!;
        });
        break;
      }
      case "hierarchical": {
        const phase = state[D - 1]!;
        let off = 0, belowOff = 0, belowN = 0;
        s.layers.forEach((l, i) => {
          // The slow layer moves every stride-th step; otherwise it holds its state.
          if (l.stride === 1 || (phase + 1) % l.stride === 0) {
            layer(l, V, state, off, i === 0 ? null : out, belowOff, belowN, x, out);
          } else {
            out.set(state.subarray(off, off + l.n), off);
          }
          belowOff = off;
          belowN = l.n;
          off += l.n;
        });
        out[D - 1] = (phase + 1) % s.layers.reduce((a, l) => a * l.stride, 1);
        break;
      }
    }
    return out;
  };
  return { vocab: V, stateDim: D, initial: () => new Float64Array(D), step };
}
