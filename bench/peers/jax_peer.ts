/**
 * jax-js (@jax-js/jax) on its webgpu device, the same adapter. jax-js arrays
 * are reference-counted and every function consumes its arguments, hence the
 * `.ref`s on inputs reused across calls. Sync: `blockUntilReady` on the
 * outputs recorded since the last sync (jax-js dispatches lazily, so this also
 * flushes them).
 *
 * @module
 */
// The peers are bench-only: a pinned npm: specifier (deno.lock), not a workspace import.
// deno-lint-ignore no-import-prefix
import * as jax from "npm:@jax-js/jax@0.1.25";
import {
  CHAIN_OPS,
  CHAIN_SIZE,
  CHUNK,
  chunkMasks,
  D,
  type Form,
  GAMMA,
  type Inputs,
  matmulSize,
  type Peer,
  type Prepared,
  recurrenceLength,
  type WorkloadId,
} from "./_common.ts";

type JaxArray = jax.Array;
const { blockUntilReady, defaultDevice, getWebGPUDevice, init, jit, numpy: np } = jax;

function arr(data: Float32Array, shape: number[]): JaxArray {
  // A copy on a plain ArrayBuffer, the type jax-js declares.
  return np.array(new Float32Array(data), { shape });
}

function prepared(inputs: JaxArray[], call: () => JaxArray, cleanup?: () => void): Prepared {
  let pending: JaxArray[] = [];
  return {
    call() {
      const out = call();
      pending.push(out);
      return out;
    },
    async sync() {
      await blockUntilReady(pending);
      pending = [];
    },
    release: (h) => (h as JaxArray).dispose(),
    async run() {
      return (await call().data()) as Float32Array;
    },
    dispose() {
      inputs.forEach((a) => a.dispose());
      cleanup?.();
    },
  };
}

function recurrenceForms(t: number): Form[] {
  return [
    {
      form: "per-step",
      note: "jit(step) called T times: S ← γS + outer(k_t, v_t), o_t = q_t S; stack at the end",
      prepare(inp: Inputs) {
        const step = jit((s: JaxArray, q: JaxArray, k: JaxArray, v: JaxArray) => {
          const s2 = s.mul(GAMMA).add(np.outer(k, v));
          return [s2.ref, np.matmul(q.reshape([1, D]), s2).reshape([D])];
        });
        // Per-step rows are split off before timing (the loop's slicing is not timed).
        const rows = (x: Float32Array) =>
          Array.from({ length: t }, (_, i) => arr(x.slice(i * D, (i + 1) * D), [D]));
        const qs = rows(inp.q!);
        const ks = rows(inp.k!);
        const vs = rows(inp.v!);
        return Promise.resolve(prepared([...qs, ...ks, ...vs], () => {
          let s = np.zeros([D, D]);
          const os: JaxArray[] = [];
          for (let i = 0; i < t; i++) {
            const [s2, o] = step(s, qs[i]!.ref, ks[i]!.ref, vs[i]!.ref) as JaxArray[];
            s = s2!;
            os.push(o!);
          }
          s.dispose();
          return np.stack(os);
        }, () => step.dispose()));
      },
    },
    {
      form: "chunked",
      note:
        `C = ${CHUNK}, one jit of batched matmuls: ((Q Kᵀ)⊙D)V + (γ^{i+1}Q)·(carry · Kᵀ(γ^{C−1−j}V))`,
      prepare(inp: Inputs) {
        const m = chunkMasks(t);
        const n = m.chunks;
        const f = jit((
          q: JaxArray,
          k: JaxArray,
          v: JaxArray,
          intra: JaxArray,
          rowDecay: JaxArray,
          stateDecay: JaxArray,
          carry: JaxArray,
        ) => {
          const o1 = np.matmul(np.matmul(q.ref, np.swapaxes(k.ref, -1, -2)).mul(intra), v.ref);
          const u = np.matmul(np.swapaxes(k, -1, -2), v.mul(stateDecay));
          const s = np.matmul(carry, u.reshape([n, D * D])).reshape([n, D, D]);
          return o1.add(np.matmul(q.mul(rowDecay), s)).reshape([t, D]);
        });
        const args = [
          arr(inp.q!, [n, CHUNK, D]),
          arr(inp.k!, [n, CHUNK, D]),
          arr(inp.v!, [n, CHUNK, D]),
          arr(m.intra, [CHUNK, CHUNK]),
          arr(m.rowDecay, [CHUNK, 1]),
          arr(m.stateDecay, [CHUNK, 1]),
          arr(m.carry, [n, n]),
        ] as const;
        return Promise.resolve(prepared(
          [...args],
          () =>
            f(...args.map((a) => a.ref) as [
              JaxArray,
              JaxArray,
              JaxArray,
              JaxArray,
              JaxArray,
              JaxArray,
              JaxArray,
            ]),
          () => f.dispose(),
        ));
      },
    },
  ];
}

/** jax-js on its webgpu device. */
export const jaxPeer: Peer = {
  name: "jax-js-webgpu",
  library: "@jax-js/jax 0.1.25 (webgpu device)",
  async init() {
    const devices = await init("webgpu");
    if (!devices.includes("webgpu")) {
      throw new Error(`Cannot start jax-js on webgpu: init gave devices [${devices.join(", ")}]`);
    }
    defaultDevice("webgpu");
    return getWebGPUDevice().adapterInfo?.description ?? "unknown adapter";
  },
  forms(id: WorkloadId): Form[] {
    if (id.startsWith("matmul")) {
      const n = matmulSize(id);
      return [{
        form: "matmul",
        note: "np.matmul(a, b)",
        prepare(inp: Inputs) {
          const a = arr(inp.a!, [n, n]);
          const b = arr(inp.b!, [n, n]);
          return Promise.resolve(prepared([a, b], () => np.matmul(a.ref, b.ref)));
        },
      }];
    }
    if (id.startsWith("recurrence")) return recurrenceForms(recurrenceLength(id));
    return [{
      form: "per-op",
      // jax-js turns constant-filled arrays under 128 elements into inline literals (no
      // kernel); x and c here hold distinct values, so they are device buffers.
      note: `${CHAIN_OPS} × y.add(c) on ${CHAIN_SIZE} elements, eager (x, c non-constant device ` +
        "arrays, so not inlined as literals)",
      prepare(inp: Inputs) {
        const x = arr(inp.x!, [CHAIN_SIZE]);
        const c = arr(inp.c!, [CHAIN_SIZE]);
        return Promise.resolve(prepared([x, c], () => {
          let y = x.ref;
          for (let i = 0; i < CHAIN_OPS; i++) y = y.add(c.ref);
          return y;
        }));
      },
    }];
  },
};
