/**
 * Throughput benches for GPU ops under `deno bench`.
 *
 * Every host sync costs at least ~11 ms in Deno (its WebGPU completion loop
 * sleeps 10 ms), so timing one call plus a sync measures the sync. Each bench
 * iteration therefore records R back-to-back calls and syncs once (time R
 * back-to-back calls with one sync at the end and divide by R). R starts at the
 * bench's `reps` and is raised after the warm-up until one iteration takes at
 * least {@link MIN_BATCH_MS} (the sync floor: the sync is then under 5% of a
 * kernel figure); a `latency` bench keeps R as given, since the sync is part of
 * what it measures. `deno bench` reports the time of the whole iteration (its
 * group summary compares iterations, not calls), and a table printed at exit
 * gives R, the per-call time, the rate in GFLOP/s or GB/s (median over
 * iterations) and, per group, how many times slower than the group's fastest
 * each bench is per call.
 *
 * @module
 */
import process from "node:process";
import { initGpu, sync, Tensor, tidy } from "../impl/mod.ts";

/** The shortest iteration of a kernel figure: R grows until R calls and one sync take this long. */
export const MIN_BATCH_MS = 250;

/** One throughput bench. */
export interface ThroughputBench {
  /** Bench name, e.g. "matmul 1024³ (register-texture)". */
  name: string;
  /** Bench group (benches in one group are compared by `deno bench`). */
  group: string;
  /** Calls recorded per iteration before the one sync: the least R (raised to fill {@link MIN_BATCH_MS}). */
  reps: number;
  /**
   * Keep R = `reps`: the figure is the latency of R calls and their sync, as a caller sees it,
   * not a kernel figure.
   */
  latency?: boolean;
  /** Work of one call: floating-point operations, bytes moved, or ops (for µs/op). */
  work: number;
  unit: "GFLOP/s" | "GB/s" | "µs/op";
  /** Records one call (inside a tidy scope; do not sync). */
  call: () => Tensor | void;
  /** End each iteration by reading the last call's result back instead of a bare sync. */
  readback?: boolean;
  /** Timed iterations after one warm-up; default 5. */
  iterations?: number;
}

interface Row {
  name: string;
  group: string;
  reps: number;
  msPerCall: number[];
  /** Process CPU time per call (all threads, llvmpipe's included). */
  cpuMsPerCall: number[];
  work: number;
  unit: ThroughputBench["unit"];
}

const rows: Row[] = [];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function rate(row: Row, ms: number): number {
  if (row.unit === "µs/op") return (ms * 1000) / row.work;
  const perSecond = row.work / (ms / 1000);
  return perSecond / 1e9;
}

/** Registers a throughput bench with `Deno.bench`. */
export function throughputBench(b: ThroughputBench): void {
  const row: Row = {
    name: b.name,
    group: b.group,
    reps: b.reps,
    msPerCall: [],
    cpuMsPerCall: [],
    work: b.work,
    unit: b.unit,
  };
  rows.push(row);
  let warmed = false;
  Deno.bench({
    name: b.latency
      ? `${b.name} [×${b.reps} + sync]`
      : `${b.name} [R calls per sync, ≥ ${MIN_BATCH_MS} ms]`,
    group: b.group,
    n: b.iterations ?? 5,
    warmup: 0,
    async fn(ctx) {
      await initGpu();
      if (!warmed) {
        // Pipeline compilation and first-use allocation stay out of the timing.
        tidy(() => b.call());
        await sync();
        warmed = true;
        if (!b.latency) {
          // Calibrate R on the fastest of three batches (a slow one, from other load, would
          // leave R too small), then enough calls that a batch fills MIN_BATCH_MS.
          let ms = Infinity;
          for (let k = 0; k < 3; k++) {
            const t0 = performance.now();
            tidy(() => {
              for (let i = 0; i < row.reps; i++) b.call();
            });
            await sync();
            ms = Math.min(ms, performance.now() - t0);
          }
          if (ms < MIN_BATCH_MS) {
            row.reps = Math.ceil((row.reps * MIN_BATCH_MS * 1.1) / Math.max(ms, 1e-3));
          }
        }
      }
      ctx.start();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const last = tidy(() => {
        let out: Tensor | void = undefined;
        for (let i = 0; i < row.reps; i++) out = b.call();
        return b.readback && out instanceof Tensor ? out : null;
      });
      if (last === null) await sync();
      else {
        await last.toArray();
        last.dispose();
      }
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      ctx.end();
      row.msPerCall.push(ms / row.reps);
      row.cpuMsPerCall.push((cpu.user + cpu.system) / 1000 / row.reps);
    },
  });
}

/** Cores the process could use: the rate it would reach alone on the machine is work / (CPU time / cores). */
const CORES = navigator.hardwareConcurrency;

function printTable(): void {
  if (rows.every((r) => r.msPerCall.length === 0)) return;
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  const lines = [
    "",
    `throughput per call (median over iterations; R calls per sync). "by CPU time" divides the`,
    `work by the process's CPU time / ${CORES} cores: the rate without other load on the machine.`,
  ];
  for (const r of rows) {
    if (r.msPerCall.length === 0) continue;
    const ms = median(r.msPerCall);
    const cpuMs = median(r.cpuMsPerCall) / CORES;
    lines.push(
      `  ${r.name.padEnd(46)} R=${String(r.reps).padStart(4)} ${ms.toFixed(3).padStart(9)} ms ` +
        `${fmt(rate(r, ms)).padStart(7)} ${r.unit} (best ${
          fmt(rate(r, Math.min(...r.msPerCall)))
        }, ` +
        `by CPU time ${fmt(rate(r, cpuMs))})`,
    );
  }
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const g of groups) {
    const members = rows.filter((r) => r.group === g && r.msPerCall.length > 0);
    if (members.length < 2) continue;
    const perCall = members.map((r) => ({ name: r.name, ms: median(r.msPerCall) }));
    const fastest = perCall.reduce((a, b) => (b.ms < a.ms ? b : a));
    lines.push(`per call in "${g}": ${fastest.name} is fastest`);
    for (const r of perCall) {
      if (r !== fastest) lines.push(`    ${(r.ms / fastest.ms).toFixed(1)}× slower: ${r.name}`);
    }
  }
  console.log(lines.join("\n"));
}

globalThis.addEventListener("unload", printTable);
