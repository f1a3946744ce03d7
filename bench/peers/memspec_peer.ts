/**
 * memspec itself, measured with the same method as the peers: its matmul
 * (default kernel choice), `retention` in the recurrent and chunkwise forms
 * (one head, d_k = d_v = 64, γ = 0.99, chunk 64) and a chain of `add`s, as memspec runs it
 * (elementwise fusion on) and op by op.
 *
 * @module
 */
import {
  add,
  initGpu,
  matmul,
  setElementwiseFusion,
  sync,
  type Tensor,
  tensor,
  tidy,
} from "../../impl/mod.ts";
import { retention } from "../../impl/decepticons/retention/retention.ts";
import {
  CHAIN_OPS,
  CHAIN_SIZE,
  CHUNK,
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

function prepared(inputs: Tensor[], call: () => Tensor): Prepared {
  return {
    call: () => tidy(call),
    sync,
    release: (h) => (h as Tensor).dispose(),
    async run() {
      const out = tidy(call);
      const values = await out.toArray();
      out.dispose();
      return values;
    },
    dispose: () => inputs.forEach((t) => t.dispose()),
  };
}

/** memspec on the same adapter. */
export const memspecPeer: Peer = {
  name: "memspec",
  library: "memspec (this tree)",
  async init() {
    return (await initGpu()).adapterDescription;
  },
  forms(id: WorkloadId): Form[] {
    if (id.startsWith("matmul")) {
      const n = matmulSize(id);
      return [{
        form: "matmul",
        note: "matmul(a, b), default kernel choice",
        prepare(inp: Inputs) {
          const a = tensor(inp.a!, [n, n]);
          const b = tensor(inp.b!, [n, n]);
          return Promise.resolve(prepared([a, b], () => matmul(a, b)));
        },
      }];
    }
    if (id.startsWith("recurrence")) {
      const t = recurrenceLength(id);
      return (["recurrent", "chunkwise"] as const).map((form) => ({
        form,
        note: `retention(q, k, v, γ, { form: "${form}"${
          form === "chunkwise" ? `, chunk: ${CHUNK}` : ""
        } }), 1 head of ${D}×${D}`,
        prepare(inp: Inputs) {
          const q = tensor(inp.q!, [1, t, D]);
          const k = tensor(inp.k!, [1, t, D]);
          const v = tensor(inp.v!, [1, t, D]);
          const g = tensor(Float32Array.of(GAMMA), [1]);
          return Promise.resolve(
            prepared([q, k, v, g], () => retention(q, k, v, g, { form, chunk: CHUNK })),
          );
        },
      }));
    }
    // The same eager calls twice: as memspec runs them (elementwise fusion holds runs of
    // adds and records each as one dispatch; the chain keeps every intermediate alive until
    // its tidy ends, so a run is 14 adds) and with fusion off, one dispatch per add.
    return ([["per-op", true], ["per-op, fusion off", false]] as const).map(([form, fuse]) => ({
      form,
      note: `${CHAIN_OPS} × add(x, c) on ${CHAIN_SIZE} elements` +
        (fuse ? " (fused: 14 adds per dispatch)" : " (one dispatch per add)"),
      prepare(inp: Inputs) {
        const x = tensor(inp.x!, [CHAIN_SIZE]);
        const c = tensor(inp.c!, [CHAIN_SIZE]);
        return Promise.resolve(prepared([x, c], () => {
          const was = setElementwiseFusion(fuse);
          try {
            let y = x;
            for (let i = 0; i < CHAIN_OPS; i++) y = add(y, c);
            return y;
          } finally {
            setElementwiseFusion(was);
          }
        }));
      },
    }));
  },
};
