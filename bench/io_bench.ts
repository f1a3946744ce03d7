/**
 * safetensors throughput in MB/s (10⁶ bytes per second of file bytes) for one
 * 100 MB F32 tensor: encode and decode in memory, and, when the bench may write
 * under out/, writeSafetensors (temporary file, fsync, rename) and
 * readSafetensors through the file system. A table of MB/s (median over
 * iterations) is printed at exit.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-write=out --allow-env bench/io_bench.ts`
 * (without `--allow-write=out`, as `deno task bench` runs it, the file benches are skipped and
 * the table says so).
 *
 * @module
 */
import process from "node:process";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafetensorsTensor,
  writeSafetensors,
} from "../impl/io/mod.ts";

const BYTES = 100_000_000;
const data = new Float32Array(BYTES / 4);
for (let i = 0; i < data.length; i++) data[i] = (i % 1000) / 250 - 2;
const tensors: Record<string, SafetensorsTensor> = {
  w: { dtype: "F32", shape: [data.length / 1000, 1000], data },
};
const file = encodeSafetensors(tensors);

const DIR = "out/tmp/io_bench";
const canWrite = Deno.permissions.querySync({ name: "write", path: "out" }).state === "granted";
if (canWrite) Deno.mkdirSync(DIR, { recursive: true });
const PATH = `${DIR}/w.safetensors`;

const times = new Map<string, number[]>();

function timed(name: string, fn: () => unknown): () => Promise<void> {
  return async () => {
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    times.set(name, [...(times.get(name) ?? []), ms]);
  };
}

Deno.bench({
  name: "encodeSafetensors 100 MB F32",
  group: "memory",
  n: 5,
  warmup: 1,
  fn: timed("encode (memory)", () => encodeSafetensors(tensors)),
});
Deno.bench({
  name: "decodeSafetensors 100 MB F32",
  group: "memory",
  n: 5,
  warmup: 1,
  fn: timed("decode (memory)", () => decodeSafetensors(file, "bench")),
});
Deno.bench({
  name: "writeSafetensors 100 MB F32 (tmp, fsync, rename)",
  group: "file",
  n: 5,
  warmup: 1,
  ignore: !canWrite,
  fn: timed("write (file)", () => writeSafetensors(PATH, tensors)),
});
Deno.bench({
  name: "readSafetensors 100 MB F32",
  group: "file",
  n: 5,
  warmup: 1,
  ignore: !canWrite,
  fn: timed("read (file)", () => readSafetensors(PATH)),
});

process.on("exit", () => {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lines = [`safetensors throughput, ${file.length} bytes per file (MB = 10⁶ bytes):`];
  for (const [name, ms] of times) {
    const m = median(ms);
    lines.push(
      `  ${name.padEnd(18)} ${(file.length / 1e6 / (m / 1000)).toFixed(0).padStart(6)} MB/s` +
        `  (median ${m.toFixed(1)} ms over ${ms.length} calls, warm-up included)`,
    );
  }
  if (!canWrite) lines.push("  file benches skipped: run with --allow-write=out");
  console.log(lines.join("\n"));
  if (canWrite) {
    try {
      Deno.removeSync(DIR, { recursive: true });
    } catch { /* already gone */ }
  }
});
