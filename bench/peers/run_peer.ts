/**
 * Runs one peer's workloads in this process (`main.ts` starts one process per
 * peer, so a peer that crashes, leaks GPU memory or keeps workers alive cannot
 * disturb the others) and writes its rows as JSON.
 *
 * Usage: `deno run … bench/peers/run_peer.ts <peer> <out.json> [--quick] [--forms=a,b] [workload …]`
 *
 * @module
 */
import {
  errorText,
  FULL,
  measure,
  type Peer,
  QUICK,
  type Reference,
  type Row,
  type WorkloadId,
  WORKLOADS,
} from "./_common.ts";
import { inputsOf } from "./_common.ts";

/** The peers by name; each is imported only by the process that runs it. */
export const PEERS: Record<string, () => Promise<Peer>> = {
  memspec: async () => (await import("./memspec_peer.ts")).memspecPeer,
  "tfjs-webgpu": async () => (await import("./tfjs_peer.ts")).tfjsPeer,
  "jax-js-webgpu": async () => (await import("./jax_peer.ts")).jaxPeer,
  "ort-webgpu": async () => (await import("./ort_peer.ts")).ortPeer,
};

/** Where main.ts caches the f64 references. */
export function referencePath(dir: string, id: WorkloadId): string {
  return `${dir}/reference_${id.replace(/[^a-z0-9]+/gi, "_")}.f64`;
}

/** Reads a reference written by {@link writeReference}. */
export async function readReference(dir: string, id: WorkloadId): Promise<Reference> {
  const all = new Float64Array((await Deno.readFile(referencePath(dir, id))).buffer);
  const n = all.length / 2;
  return { expected: all.subarray(0, n), bound: all.subarray(n) };
}

/** Writes a reference: expected values, then bounds, as little-endian f64. */
export async function writeReference(dir: string, id: WorkloadId, ref: Reference): Promise<void> {
  const all = new Float64Array(ref.expected.length * 2);
  all.set(ref.expected);
  all.set(ref.bound, ref.expected.length);
  await Deno.writeFile(referencePath(dir, id), new Uint8Array(all.buffer));
}

async function main(args: string[]): Promise<void> {
  const [peerName, outPath, ...rest] = args;
  const load = PEERS[peerName ?? ""];
  if (!load || !outPath) {
    throw new TypeError(
      `Cannot run a peer: expected <peer> <out.json> with peer one of ${
        Object.keys(PEERS).join(", ")
      } but got ${JSON.stringify(args)}`,
    );
  }
  const opts = rest.includes("--quick") ? QUICK : FULL;
  const wanted = rest.filter((a) => !a.startsWith("--"));
  const formArg = rest.find((a) => a.startsWith("--forms="));
  const forms = formArg ? formArg.slice("--forms=".length).split(",") : null;
  const workloads = WORKLOADS.filter((w) => wanted.length === 0 || wanted.includes(w));
  const dir = outPath.slice(0, outPath.lastIndexOf("/"));
  const rows: Row[] = [];
  const save = () => Deno.writeTextFile(outPath, JSON.stringify(rows, null, 1));
  let peer: Peer;
  let adapter: string;
  try {
    peer = await load();
    adapter = await peer.init();
  } catch (e) {
    rows.push({
      peer: peerName!,
      library: "",
      adapter: "",
      workload: workloads[0]!,
      form: "init",
      note: "the peer could not start on this runtime's WebGPU",
      comparable: true,
      status: "error",
      error: errorText(e),
    });
    await save();
    return;
  }
  for (const id of workloads) {
    const ref = await readReference(dir, id);
    const inputs = inputsOf(id);
    for (const form of peer.forms(id).filter((f) => !forms || forms.includes(f.form))) {
      const row: Row = {
        peer: peer.name,
        library: peer.library,
        adapter,
        workload: id,
        form: form.form,
        note: form.note,
        comparable: form.comparable ?? true,
        status: "error",
      };
      const t0 = performance.now();
      try {
        const p = await form.prepare(inputs);
        row.setupMs = performance.now() - t0;
        await measure(row, p, ref, opts);
        p.dispose();
      } catch (e) {
        row.error = errorText(e);
      }
      rows.push(row);
      console.error(summary(row));
      await save();
    }
  }
}

function summary(r: Row): string {
  const f = (x: number | undefined) => (x === undefined ? "-" : x.toPrecision(4));
  const what = r.status === "ok"
    ? `${f(r.perCallMs?.median)} ms/call (R=${r.reps}), e2e ${f(r.endToEndMs?.median)} ms, ` +
      `err/bound ${f(r.check?.maxRatio)}`
    : `${r.status}: ${r.error ?? r.check?.detail}`;
  return `  ${r.peer} · ${r.workload} · ${r.form}: ${what}`;
}

if (import.meta.main) {
  await main(Deno.args);
  // Some peers (jax-js's wasm workers) keep the event loop alive after the work is done.
  Deno.exit(0);
}
