/**
 * `deno task bench:peers`: memspec against the same-adapter peers
 * (tfjs-webgpu, jax-js on webgpu, onnxruntime-web's WebGPU EP) on matmul
 * 512³ / 1024³, the decayed fast-weight recurrence S ← 0.99·S + k vᵀ,
 * o = Sᵀq (64×64 state) at T = 512 and 4096 in each peer's per-step and
 * chunked forms, and a chain of 1000 adds on 64 elements.
 *
 * Every output is checked against memspec's f64 oracle before it is timed (a
 * wrong peer is reported as wrong); the method is in `_common.ts`. Each peer
 * runs in its own process, one after the other, so a peer that fails to start
 * or crashes is reported with its error and the rest still run.
 *
 * Writes out/bench_peers.json (every row) and out/bench_peers.md (the summary
 * table, memspec's speed-up over the best peer per row, and every row), and
 * prints the markdown.
 *
 * Usage: `deno task bench:peers [--quick] [--rounds=N] [--peers=memspec,ort-webgpu] [--forms=chunked] [workload …]`
 * (workloads: "matmul 512", "matmul 1024", "recurrence T=512", "recurrence T=4096",
 * "chain 1000 adds"; default all). `--quick` times fewer batches. `--rounds=N` (default 1)
 * runs every peer N times in turn, the order rotated each round, and reports per row the
 * round whose ratio is the median, with every round's ratio: a ratio then compares figures
 * taken minutes apart rather than a whole run apart, and one slow round of the host (±30% on
 * a shared machine) moves one ratio, not the row.
 *
 * @module
 */
import {
  errorText,
  FULL,
  QUICK,
  referenceOf,
  type Row,
  type Stats,
  unitOf,
  type WorkloadId,
  WORKLOADS,
} from "./_common.ts";
import { inputsOf, stats } from "./_common.ts";
import { PEERS, writeReference } from "./run_peer.ts";
import { D, figureOf, recurrenceLength } from "./_common.ts";

const OUT = "out";
const WORK_DIR = `${OUT}/bench_peers`;
/** A peer process that runs longer than this is stopped and reported. */
const PEER_TIMEOUT_MS = 30 * 60 * 1000;

function parseArgs(args: string[]) {
  const quick = args.includes("--quick");
  const peersArg = args.find((a) => a.startsWith("--peers="));
  const peers = peersArg ? peersArg.slice("--peers=".length).split(",") : Object.keys(PEERS);
  for (const p of peers) {
    if (!(p in PEERS)) {
      throw new TypeError(
        `Cannot run bench:peers: expected peers among ${
          Object.keys(PEERS).join(", ")
        } but got "${p}"`,
      );
    }
  }
  const wanted = args.filter((a) => !a.startsWith("--"));
  for (const w of wanted) {
    if (!(WORKLOADS as readonly string[]).includes(w)) {
      throw new TypeError(
        `Cannot run bench:peers: expected workloads among ${WORKLOADS.join(", ")} but got "${w}"`,
      );
    }
  }
  const workloads = WORKLOADS.filter((w) => wanted.length === 0 || wanted.includes(w));
  const forms = args.find((a) => a.startsWith("--forms="));
  const roundsArg = args.find((a) => a.startsWith("--rounds="));
  const rounds = roundsArg ? Number(roundsArg.slice("--rounds=".length)) : 1;
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new TypeError(
      `Cannot run bench:peers: expected --rounds=N with N a positive integer but got "${roundsArg}"`,
    );
  }
  return { quick, peers, workloads, forms, rounds };
}

/** Runs one peer's process; returns its rows (plus an error row if it failed). */
async function runPeer(
  peer: string,
  workloads: readonly WorkloadId[],
  quick: boolean,
  forms: string | undefined,
): Promise<Row[]> {
  const outPath = `${WORK_DIR}/${peer}.json`;
  await Deno.remove(outPath).catch(() => {});
  const script = new URL("./run_peer.ts", import.meta.url).pathname;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      `--allow-write=${OUT}`,
      "--allow-env",
      "--allow-sys",
      script,
      peer,
      outPath,
      ...(quick ? ["--quick"] : []),
      ...(forms ? [forms] : []),
      ...workloads,
    ],
    stdout: "inherit",
    stderr: "piped",
    signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
  });
  const child = cmd.spawn();
  // Echo the child's progress while keeping its last lines for the report.
  let tail = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stderr) {
    const text = decoder.decode(chunk, { stream: true });
    await Deno.stderr.write(chunk);
    tail = (tail + text).slice(-2000);
  }
  const status = await child.status;
  let rows: Row[] = [];
  try {
    rows = JSON.parse(await Deno.readTextFile(outPath));
  } catch {
    // No rows written: the error row below says why.
  }
  if (!status.success) {
    const done = new Set(rows.map((r) => r.workload));
    rows.push({
      peer,
      library: rows[0]?.library ?? "",
      adapter: rows[0]?.adapter ?? "",
      workload: workloads.find((w) => !done.has(w)) ?? workloads.at(-1)!,
      form: "process",
      note: "the peer's process ended early; rows after this one were not measured",
      comparable: true,
      status: "error",
      error: `exit code ${status.code}${status.signal ? ` (${status.signal})` : ""}: ` +
        tail.trim().split("\n").slice(-4).join(" ").slice(-600),
    });
  }
  return rows;
}

/** The row's figure used for ranking: GFLOP/s (higher is better), else ms or µs/op (lower). */
function rank(id: WorkloadId, s: Stats | undefined): number | undefined {
  return s ? figureOf(id, s.median) : undefined;
}

interface Summary {
  workload: WorkloadId;
  metric: string;
  unit: string;
  memspec?: { form: string; figure: number };
  bestPeer?: { peer: string; form: string; figure: number };
  /** memspec's speed over the best peer's (> 1: memspec is faster). */
  speedup?: number;
  /** With several rounds: each round's speed-up, in round order (this entry is the median's). */
  speedups?: number[];
  /** With several rounds: the round whose figures this entry shows (1-based). */
  round?: number;
  /** Peers that could not be compared on this row, with why. */
  missing: string[];
}

function summarise(rows: Row[], workloads: readonly WorkloadId[]): Summary[] {
  const out: Summary[] = [];
  for (const id of workloads) {
    const metrics: [string, (r: Row) => Stats | undefined][] = id.startsWith("recurrence")
      ? [["end to end (1 call + read-back)", (r) => r.endToEndMs], [
        "GPU time per call (R calls per sync)",
        (r) => r.perCallMs,
      ]]
      : [["per call (R calls per sync)", (r) => r.perCallMs]];
    const higher = unitOf(id) === "GFLOP/s";
    for (const [metric, pick] of metrics) {
      const best = (rs: Row[]) => {
        let b: { row: Row; figure: number } | undefined;
        for (const r of rs) {
          const f = r.status === "ok" ? rank(id, pick(r)) : undefined;
          if (f === undefined) continue;
          if (!b || (higher ? f > b.figure : f < b.figure)) b = { row: r, figure: f };
        }
        return b;
      };
      const mine = best(rows.filter((r) => r.workload === id && r.peer === "memspec"));
      const theirs = best(
        rows.filter((r) => r.workload === id && r.peer !== "memspec" && r.comparable),
      );
      const missing = rows
        .filter((r) => r.workload === id && r.peer !== "memspec")
        .filter((r) => r.status !== "ok" || !r.comparable)
        .map((r) =>
          `${r.peer} ${r.form}: ${
            r.status === "ok" ? "not comparable" : r.status === "wrong" ? "WRONG output" : "error"
          }`
        );
      const s: Summary = { workload: id, metric, unit: unitOf(id), missing };
      if (mine) s.memspec = { form: mine.row.form, figure: mine.figure };
      if (theirs) {
        s.bestPeer = { peer: theirs.row.peer, form: theirs.row.form, figure: theirs.figure };
      }
      if (mine && theirs) {
        s.speedup = higher ? mine.figure / theirs.figure : theirs.figure / mine.figure;
      }
      out.push(s);
    }
  }
  return out;
}

/**
 * The summaries of several rounds as one: per row, the round whose speed-up is the median
 * (the lower middle of an even count), with every round's speed-up beside it.
 */
function medianRound(perRound: readonly Summary[][]): Summary[] {
  return perRound[0]!.map((_, i) => {
    const entries = perRound.map((summary, r) => ({ s: summary[i]!, round: r + 1 }));
    const speedups = entries.map((e) => e.s.speedup).filter((x) => x !== undefined);
    const timed = entries.filter((e) => e.s.speedup !== undefined)
      .sort((a, b) => a.s.speedup! - b.s.speedup!);
    const pick = timed[Math.floor((timed.length - 1) / 2)] ?? entries.at(-1)!;
    return { ...pick.s, speedups, round: pick.round };
  });
}

const fmt = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? "–" : x >= 100 ? x.toFixed(0) : x.toPrecision(3);

function statsCell(id: WorkloadId, s: Stats | undefined): string {
  if (!s) return "–";
  // Figures, not times: for GFLOP/s the fastest call is the highest figure.
  const a = figureOf(id, s.min);
  const b = figureOf(id, s.median);
  const c = figureOf(id, s.max);
  return unitOf(id) === "GFLOP/s"
    ? `${fmt(c)} / ${fmt(b)} / ${fmt(a)}`
    : `${fmt(a)} / ${fmt(b)} / ${fmt(c)}`;
}

/**
 * How close each recurrence form comes to matmul-class throughput: 4·T·d² flops per sequence
 * (the update and the read, d = 64) over its GPU time per call, against the same peer's matmul
 * 1024³ rate in this run (with several rounds, the medians over the rounds of both rates).
 */
function flopLines(rows: Row[]): string[] {
  const rates = new Map<string, { peer: string; rates: number[] }>();
  const matmulRates = new Map<string, number[]>();
  for (const r of rows) {
    if (r.status !== "ok" || !r.perCallMs) continue;
    if (r.workload === "matmul 1024") {
      const list = matmulRates.get(r.peer) ?? [];
      list.push(figureOf(r.workload, r.perCallMs.median));
      matmulRates.set(r.peer, list);
    }
    if (!r.workload.startsWith("recurrence")) continue;
    const t = recurrenceLength(r.workload);
    const key = `${r.peer} ${r.workload} ${r.form}`;
    const entry = rates.get(key) ?? { peer: r.peer, rates: [] };
    entry.rates.push((4 * t * D * D) / (r.perCallMs.median / 1000) / 1e9);
    rates.set(key, entry);
  }
  const lines = [...rates].map(([key, { peer, rates: list }]) => {
    const rate = stats(list).median;
    const mm = matmulRates.get(peer);
    const mmRate = mm ? stats(mm).median : undefined;
    return `- ${key}: ${fmt(rate)} GFLOP/s (4·T·d² per sequence)` +
      (mmRate ? `, ${(100 * rate / mmRate).toFixed(1)}% of its matmul 1024³ rate` : "");
  });
  return lines.length === 0 ? [] : ["", "Recurrence throughput against matmul:", "", ...lines];
}

function markdown(rows: Row[], summary: Summary[], header: string[]): string {
  const lines = [...header, ""];
  lines.push("| workload | metric | memspec | best same-adapter peer | memspec ÷ best peer |");
  lines.push("| --- | --- | --- | --- | --- |");
  for (const s of summary) {
    const unit = s.unit === "ms" ? " ms" : ` ${s.unit}`;
    const mine = s.memspec ? `${fmt(s.memspec.figure)}${unit} (${s.memspec.form})` : "–";
    const theirs = s.bestPeer
      ? `${fmt(s.bestPeer.figure)}${unit} (${s.bestPeer.peer}, ${s.bestPeer.form})`
      : `– (${s.missing.join("; ") || "no peer row"})`;
    const spread = s.speedups && s.speedups.length > 1
      ? ` (round ${s.round}; ${s.speedups.map((x) => x.toFixed(2)).join(", ")})`
      : "";
    lines.push(
      `| ${s.workload} | ${s.metric} | ${mine} | ${theirs} | ${
        s.speedup === undefined ? "–" : `**${s.speedup.toFixed(2)}×**${spread}`
      } |`,
    );
  }
  lines.push(...flopLines(rows));
  lines.push(
    "",
    "Every row (figures min / median / max over batches; GFLOP/s, ms per sequence or µs per op; " +
      "err/bound: the worst |output − f64 oracle| over its derived f32 bound, ≤ 1 passes):",
    "",
    "| round | peer | workload | form | status | per call, R per sync | R | end to end | err/bound | setup ms | note |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const r of rows) {
    const status = r.status === "ok"
      ? (r.comparable ? "ok" : "ok (not comparable)")
      : r.status === "wrong"
      ? `**WRONG**: ${r.check?.detail ?? ""}`
      : `**error**: ${(r.error ?? "").replaceAll("|", "\\|")}`;
    lines.push(
      `| ${r.round ?? 1} | ${r.peer} | ${r.workload} | ${r.form} | ${status} | ${
        statsCell(r.workload, r.perCallMs)
      } | ${r.reps ?? "–"} | ${statsCell(r.workload, r.endToEndMs)} | ${fmt(r.check?.maxRatio)} | ${
        fmt(r.setupMs)
      } | ${r.note.replaceAll("|", "\\|")} |`,
    );
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const { quick, peers, workloads, forms, rounds } = parseArgs(Deno.args);
  await Deno.mkdir(WORK_DIR, { recursive: true });
  const started = new Date().toISOString();
  console.error(`bench:peers: f64 references for ${workloads.join(", ")}`);
  for (const id of workloads) await writeReference(WORK_DIR, id, referenceOf(id, inputsOf(id)));
  const rows: Row[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Rotated, so that no peer always runs right after a given other one.
    const order = peers.map((_, i) => peers[(i + round - 1) % peers.length]!);
    for (const peer of order) {
      console.error(`bench:peers: ${peer}${rounds > 1 ? ` (round ${round} of ${rounds})` : ""}`);
      let got: Row[];
      try {
        got = await runPeer(peer, workloads, quick, forms);
      } catch (e) {
        got = [{
          peer,
          library: "",
          adapter: "",
          workload: workloads[0]!,
          form: "process",
          note: "the peer's process could not be run",
          comparable: true,
          status: "error",
          error: errorText(e),
        }];
      }
      for (const r of got) rows.push({ ...r, round });
    }
  }
  const perRound = Array.from(
    { length: rounds },
    (_, r) => summarise(rows.filter((row) => row.round === r + 1), workloads),
  );
  const summary = rounds === 1 ? perRound[0]! : medianRound(perRound);
  const adapters = [...new Set(rows.map((r) => r.adapter).filter((a) => a))];
  const method = quick ? QUICK : FULL;
  const header = [
    `bench:peers, ${started} — Deno ${Deno.version.deno}, adapter ${adapters.join(" / ") || "?"}` +
    (quick ? " (--quick)" : ""),
    "",
    `Method: each output checked against memspec's f64 oracle first; warm-up; R calls per sync ` +
    `with R grown until a batch takes ≥ ${method.batchMs} ms; min / median / max over up to ` +
    `${method.batches} batches; recurrences also end to end (1 call + read-back, ` +
    `${method.endToEnd} repeats). memspec ÷ best peer > 1: memspec is faster.` +
    (rounds > 1
      ? ` ${rounds} rounds, every peer once per round: each row shows the round whose ` +
        `ratio is the median, then every round's ratio.`
      : ""),
  ];
  const md = markdown(rows, summary, header);
  await Deno.writeTextFile(
    `${OUT}/bench_peers.json`,
    JSON.stringify(
      { started, deno: Deno.version.deno, adapters, quick, rounds, method, summary, rows },
      null,
      1,
    ),
  );
  await Deno.writeTextFile(`${OUT}/bench_peers.md`, md);
  // The references (25 MB) and per-peer files are only scratch once the rows are merged.
  await Deno.remove(WORK_DIR, { recursive: true });
  console.log(md);
}

if (import.meta.main) await main();
