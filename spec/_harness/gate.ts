/**
 * The acceptance gate: runs every claim test in `spec/`, then prints the claim
 * table (family, id, statement, figure, bound, verdict, time) and writes it as
 * Markdown, JSON and CSV to `out/gate/`. Exits non-zero when any claim fails
 * or the test run itself failed. Declared claims that no test ran are listed
 * as pending: never hidden, never counted as passed, and the gate fails on them
 * unless `--allow-pending` is given (work in progress; never in CI). A result
 * whose claim id no claims file declares fails the gate too. Claims files are
 * found by walking `spec/` ({@link findClaimFiles}): there is no import list
 * to forget.
 *
 * Usage: `deno task gate [-- --allow-pending] [-- --filter <text>]`
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { declaredClaims } from "./claim.ts";
import { findClaimFiles, loadClaimFiles } from "./claim_files.ts";
import { buildRows, gateExitCode, type GateRow as Row, tally } from "./gate_rows.ts";
import type { ClaimResult } from "./claim.ts";
import { fcParams } from "./fuzz.ts";
import { runDenoTest } from "./deno_test.ts";
import { initGpu } from "../../impl/gpu/device.ts";
import { type Figure, validateFigure } from "./figures.ts";
import { renderReport } from "./report/html.ts";

const OUT = "out/gate";
const RESULTS = `${OUT}/results`;

async function runTests(extra: string[]): Promise<number> {
  await Deno.remove(RESULTS, { recursive: true }).catch(() => {});
  await Deno.mkdir(RESULTS, { recursive: true });
  // A crash of deno at exit after an all-passing summary is an upstream teardown crash, not a
  // failed claim (see deno_test.ts); every claim's own verdict is in the results files anyway.
  const outcome = await runDenoTest(
    [
      "--allow-read=.",
      "--allow-write=out",
      "--allow-env=FC_SEED,FC_PATH,FC_RUNS,MEMSPEC_RESULTS_DIR",
      "--parallel",
      ...extra,
      "spec/",
    ],
    { MEMSPEC_RESULTS_DIR: RESULTS },
  );
  return outcome.effectiveCode;
}

/** The figures the claims recorded in this run, sorted by id; a malformed one is skipped loudly. */
async function readFigures(): Promise<Figure[]> {
  const out: Figure[] = [];
  try {
    for await (const e of Deno.readDir(`${RESULTS}/figures`)) {
      if (!e.name.endsWith(".json")) continue;
      const f = JSON.parse(await Deno.readTextFile(`${RESULTS}/figures/${e.name}`)) as Figure;
      try {
        validateFigure(f);
        out.push(f);
      } catch (err) {
        console.log(`gate: figure ${e.name} skipped: ${(err as Error).message}`);
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

async function readResults(): Promise<ClaimResult[]> {
  const out: ClaimResult[] = [];
  for await (const entry of Deno.readDir(RESULTS)) {
    if (!entry.name.endsWith(".jsonl")) continue;
    const text = await Deno.readTextFile(`${RESULTS}/${entry.name}`);
    for (const line of text.split("\n")) if (line.trim()) out.push(JSON.parse(line));
  }
  return out;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

function printTable(rows: Row[]): void {
  const head = ["family", "claim", "statement", "figure", "bound", "verdict", "ms"];
  const cells = rows.map((r) => [
    r.family,
    r.id,
    clip(r.statement, 80),
    clip(r.figure, 14),
    clip(r.bound, 14),
    r.verdict,
    r.ms.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ");
  console.log("\n" + line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

function markdown(rows: Row[]): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const lines = [
    "| family | claim | statement | figure | bound | verdict | ms | divergence |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.family} | \`${r.id}\` | ${esc(r.statement)} | ${esc(r.figure)} | ${esc(r.bound)} | ` +
      `${r.verdict} | ${r.ms.toFixed(0)} | ${esc(r.divergence)} |`
    ),
  ];
  return lines.join("\n") + "\n";
}

/** Where the report was made: enough to reproduce or compare it. */
interface Provenance {
  commit: string;
  dirty: boolean;
  date: string;
  deno: string;
  adapter: Record<string, string | number | boolean>;
  fcSeed: number;
  fcPath: string | null;
  filter: string | null;
}

async function gitLine(args: string[]): Promise<string> {
  try {
    const r = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
    return r.success ? new TextDecoder().decode(r.stdout).trim() : "";
  } catch {
    return "";
  }
}

async function provenance(filter: string | null): Promise<Provenance> {
  let adapter: Record<string, string | number | boolean> = { name: "none (no WebGPU adapter)" };
  try {
    const ctx = await initGpu();
    adapter = {
      name: ctx.adapterDescription,
      fallback: ctx.isFallbackAdapter,
      maxLoopIterations: Number.isFinite(ctx.maxLoopIterations) ? ctx.maxLoopIterations : -1,
      measuredLoopIterations: Number.isFinite(ctx.measuredLoopIterations)
        ? ctx.measuredLoopIterations
        : -1,
      maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupsPerDimension: ctx.limits.maxComputeWorkgroupsPerDimension,
    };
  } catch (e) {
    adapter = { name: `none: ${e instanceof Error ? e.message : String(e)}` };
  }
  const seed = fcParams(1).seed;
  let path: string | null = null;
  try {
    path = Deno.env.get("FC_PATH") ?? null;
  } catch {
    path = null;
  }
  return {
    commit: (await gitLine(["rev-parse", "HEAD"])) || "unknown",
    dirty: (await gitLine(["status", "--porcelain", "--untracked-files=no"])) !== "",
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    adapter,
    fcSeed: seed,
    fcPath: path,
    filter,
  };
}

/** The value of `--filter` among the arguments, if any. */
function filterOf(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--filter") return args[i + 1] ?? null;
    if (a.startsWith("--filter=")) return a.slice("--filter=".length);
  }
  return null;
}

/** Whether deno test's `--filter` selects the test named `name` (text, or /regex/). */
export function filterSelects(filter: string, name: string): boolean {
  const re = /^\/(.*)\/$/.exec(filter);
  return re ? new RegExp(re[1]!).test(name) : name.includes(filter);
}

async function main(): Promise<number> {
  const allowPending = Deno.args.includes("--allow-pending");
  const extra = Deno.args.filter((a) => a !== "--" && a !== "--allow-pending");
  const filter = filterOf(extra);
  await loadClaimFiles(await findClaimFiles(new URL("../", import.meta.url)));
  const testCode = await runTests(extra);
  // A filtered run judges only the claims its filter selects (the name deno test matches).
  const claims = declaredClaims().filter((c) =>
    filter === null || filterSelects(filter, `${c.id}: ${c.statement}`)
  );
  const rows = buildRows(claims, await readResults());
  const counts = tally(rows);
  printTable(rows);
  const dir = filter === null
    ? OUT
    : `${OUT}/filtered-${filter.replace(/[^a-zA-Z0-9_.-]+/g, "_").slice(0, 80)}`;
  await Deno.mkdir(dir, { recursive: true });
  const prov = await provenance(filter);
  const head = `commit ${prov.commit.slice(0, 12)}${prov.dirty ? " (uncommitted changes)" : ""}, ` +
    `${prov.date}, Deno ${prov.deno}, adapter ${prov.adapter.name}` +
    `${prov.adapter.fallback ? " (fallback)" : ""}, fast-check seed ${prov.fcSeed}` +
    `${prov.fcPath ? ` path ${prov.fcPath}` : ""}${filter ? `, filter ${filter}` : ""}`;
  await Deno.writeTextFile(`${dir}/report.md`, `# memspec gate\n\n${head}\n\n${markdown(rows)}`);
  await Deno.writeTextFile(
    `${dir}/report.json`,
    JSON.stringify({ provenance: prov, counts, rows }, null, 2),
  );
  const csvRows = rows.map((r) => ({ ...r, ms: Math.round(r.ms) }));
  await Deno.writeTextFile(
    `${dir}/report.csv`,
    `# ${head}\n` +
      stringify(csvRows, { header: true, columns: Object.keys(csvRows[0] ?? { id: "" }) }),
  );
  const figures = (await readFigures()).filter((f) => rows.some((r) => r.id === f.claim));
  await Deno.mkdir(`${dir}/figures`, { recursive: true });
  for (const f of figures) {
    await Deno.writeTextFile(
      `${dir}/figures/${f.id}.json`,
      JSON.stringify({ provenance: prov, figure: f }, null, 2),
    );
  }
  await Deno.writeTextFile(`${dir}/index.html`, renderReport({ head, counts, rows, figures }));
  const diverging = rows.filter((r) => r.divergence).length;
  console.log(
    `\ngate: ${counts.pass} passed, ${counts.fail} failed, ${counts.pending} pending ` +
      `(${rows.length} claims, ${diverging} with a recorded divergence); report in ${dir}/ (index.html: table and ${figures.length} figures)`,
  );
  console.log(`gate: ${head}`);
  for (const r of rows.filter((r) => r.verdict === "fail" && r.detail.startsWith("undeclared"))) {
    console.log(`gate: ${r.id}: ${r.detail}`);
  }
  if (testCode !== 0 && counts.fail === 0) {
    console.log(`gate: deno test exited with code ${testCode} (a test outside the claims failed)`);
  }
  if (counts.pending > 0) {
    console.log(
      allowPending
        ? `gate: ${counts.pending} pending claims allowed by --allow-pending`
        : `gate: ${counts.pending} claims are pending (declared, no test ran them); ` +
          `pass --allow-pending for work in progress`,
    );
  }
  return gateExitCode(counts, testCode, allowPending);
}

if (import.meta.main) Deno.exit(await main());
