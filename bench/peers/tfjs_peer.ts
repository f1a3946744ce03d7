/**
 * tfjs-webgpu (@tensorflow/tfjs-core + @tensorflow/tfjs-backend-webgpu) on the
 * same adapter. `WEBGPU_CPU_FORWARD` is off, so small ops run on the GPU
 * rather than on tfjs's CPU kernels. Sync: the backend's pending commands are
 * submitted, then the device queue is awaited.
 *
 * @module
 */
// The peers are bench-only: pinned npm: specifiers (deno.lock), not workspace imports.
// deno-lint-ignore no-import-prefix
import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
// deno-lint-ignore no-import-prefix
import "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
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

/** The part of tfjs-backend-webgpu's backend object the sync uses. */
interface WebGpuBackendLike {
  device: GPUDevice;
  ensureCommandEncoderReady?: () => void;
  endComputePassEncoder?: () => void;
  submitQueue?: () => void;
}

async function flushAndWait(): Promise<void> {
  const be = tf.backend() as unknown as WebGpuBackendLike;
  // submitQueue finishes the current encoder, which is null when nothing is pending.
  be.ensureCommandEncoderReady?.();
  be.endComputePassEncoder?.();
  be.submitQueue?.();
  await be.device.queue.onSubmittedWorkDone();
}

function prepared(inputs: tf.Tensor[], call: () => tf.Tensor): Prepared {
  return {
    call: () => tf.tidy(call),
    sync: flushAndWait,
    release: (h) => (h as tf.Tensor).dispose(),
    async run() {
      const out = tf.tidy(call);
      const values = await out.data();
      out.dispose();
      return values as Float32Array;
    },
    dispose: () => inputs.forEach((t) => t.dispose()),
  };
}

function recurrenceForms(t: number): Form[] {
  return [
    {
      form: "per-step",
      note: "per step: mul(S, γ), matMul(k_t, v_t) (outer), add, matMul(q_t, S); concat at the end",
      prepare(inp: Inputs) {
        // Inputs are split into per-step tensors before timing (the loop's slicing is not timed).
        const qs = tf.unstack(tf.tensor2d(inp.q!, [t, D])).map((r) => tf.reshape(r, [1, D]));
        const ks = tf.unstack(tf.tensor2d(inp.k!, [t, D])).map((r) => tf.reshape(r, [D, 1]));
        const vs = tf.unstack(tf.tensor2d(inp.v!, [t, D])).map((r) => tf.reshape(r, [1, D]));
        const gamma = tf.scalar(GAMMA);
        return Promise.resolve(prepared([...qs, ...ks, ...vs, gamma], () => {
          let s = tf.matMul(ks[0]!, vs[0]!);
          const os: tf.Tensor[] = [tf.matMul(qs[0]!, s)];
          for (let i = 1; i < t; i++) {
            s = tf.add(tf.mul(s, gamma), tf.matMul(ks[i]!, vs[i]!));
            os.push(tf.matMul(qs[i]!, s));
          }
          return tf.concat(os, 0);
        }));
      },
    },
    {
      form: "chunked",
      note: `C = ${CHUNK}, all batched matMuls: ((Q Kᵀ)⊙D)V + (γ^{i+1}Q)·(carry · Kᵀ(γ^{C−1−j}V))`,
      prepare(inp: Inputs) {
        const m = chunkMasks(t);
        const n = m.chunks;
        const q = tf.tensor3d(inp.q!, [n, CHUNK, D]);
        const k = tf.tensor3d(inp.k!, [n, CHUNK, D]);
        const v = tf.tensor3d(inp.v!, [n, CHUNK, D]);
        const intra = tf.tensor2d(m.intra, [CHUNK, CHUNK]);
        const rowDecay = tf.tensor2d(m.rowDecay, [CHUNK, 1]);
        const stateDecay = tf.tensor2d(m.stateDecay, [CHUNK, 1]);
        const carry = tf.tensor2d(m.carry, [n, n]);
        return Promise.resolve(prepared([q, k, v, intra, rowDecay, stateDecay, carry], () => {
          const o1 = tf.matMul(tf.mul(tf.matMul(q, k, false, true), intra), v);
          const u = tf.matMul(k, tf.mul(v, stateDecay), true, false);
          const s = tf.reshape(tf.matMul(carry, tf.reshape(u, [n, D * D])), [n, D, D]);
          return tf.reshape(tf.add(o1, tf.matMul(tf.mul(q, rowDecay), s)), [t, D]);
        }));
      },
    },
  ];
}

/** tfjs-webgpu on the same adapter. */
export const tfjsPeer: Peer = {
  name: "tfjs-webgpu",
  library: "@tensorflow/tfjs-core + tfjs-backend-webgpu 4.22.0",
  async init() {
    tf.env().set("WEBGPU_CPU_FORWARD", false);
    if (!(await tf.setBackend("webgpu"))) {
      throw new Error("Cannot start tfjs-webgpu: setBackend('webgpu') returned false");
    }
    await tf.ready();
    const be = tf.backend() as unknown as { device: GPUDevice };
    return be.device.adapterInfo?.description ?? "unknown adapter";
  },
  forms(id: WorkloadId): Form[] {
    if (id.startsWith("matmul")) {
      const n = matmulSize(id);
      return [{
        form: "matmul",
        note: "tf.matMul(a, b)",
        prepare(inp: Inputs) {
          const a = tf.tensor2d(inp.a!, [n, n]);
          const b = tf.tensor2d(inp.b!, [n, n]);
          return Promise.resolve(prepared([a, b], () => tf.matMul(a, b)));
        },
      }];
    }
    if (id.startsWith("recurrence")) return recurrenceForms(recurrenceLength(id));
    return [{
      form: "per-op",
      note: `${CHAIN_OPS} × tf.add(x, c) on ${CHAIN_SIZE} elements`,
      prepare(inp: Inputs) {
        const x = tf.tensor1d(inp.x!);
        const c = tf.tensor1d(inp.c!);
        return Promise.resolve(prepared([x, c], () => {
          let y = x;
          for (let i = 0; i < CHAIN_OPS; i++) y = tf.add(y, c);
          return y;
        }));
      },
    }];
  },
};
