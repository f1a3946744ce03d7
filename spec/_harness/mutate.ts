/**
 * `deno task mutate`: the measure of the suite's strength. Each planted bug of
 * the catalogue (`spec/_mutations/<family>.ts`) is applied to a temporary copy
 * of the tree, the claims it targets are run there, and the bug is recorded as
 * killed (a claim failed), survived (every claim passed: the suite cannot see
 * it), or invalid (the mutated tree does not type-check, so no claim was
 * tested). A survivor is either killed by a stronger claim or documented in
 * the catalogue as equivalent, with why.
 *
 * Usage: `deno task mutate [--family F] [--limit N] [--id ID[,ID…]]`. It prints a
 * progress line per mutation and a kill table per family, and writes
 * `out/mutate/report.md` and `report.json`. Not part of CI: a full run applies
 * every mutation and re-runs its claims (tens of minutes on llvmpipe).
 *
 * @module
 */
import { MUTATIONS } from "../_mutations/mod.ts";
import { applyMutation, type Mutation, validateMutations } from "../_mutations/mutation.ts";

/** What happened to one planted bug. */
export interface MutationOutcome {
  id: string;
  family: string;
  mechanism: string;
  layer: Mutation["layer"];
  outcome: "killed" | "survived" | "invalid" | "equivalent";
  /** The first failing claim line, or why it is invalid. */
  evidence: string;
  seconds: number;
}

function parseArgs(args: readonly string[]): { family?: string; limit?: number; id?: string } {
  const out: { family?: string; limit?: number; id?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if (a === "--") continue;
    if ((a === "--family" || a === "--limit" || a === "--id") && v === undefined) {
      throw new TypeError(`Cannot parse ${a}: expected a value after it`);
    }
    if (a === "--family") out.family = v!, i++;
    else if (a === "--id") out.id = v!, i++;
    else if (a === "--limit") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) {
        throw new RangeError(`Cannot parse --limit ${v}: expected a positive integer`);
      }
      out.limit = n;
      i++;
    } else throw new TypeError(`Cannot parse argument "${a}": expected --family, --limit or --id`);
  }
  return out;
}

async function git(args: string[]): Promise<string> {
  const r = await new Deno.Command("git", { args, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`git ${args.join(" ")} failed: ${new TextDecoder().decode(r.stderr)}`);
  }
  return new TextDecoder().decode(r.stdout);
}

/**
 * Copies the working tree's files — tracked ones and untracked ones git does not ignore, so a
 * mechanism still being written is mutated as it stands — into a fresh temporary folder.
 */
async function copyTree(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "memspec-mutate-" });
  const files = (await git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])).split(
    "\0",
  ).filter((f) => f !== "");
  for (const f of files) {
    const slash = f.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${dir}/${f.slice(0, slash)}`, { recursive: true });
    try {
      await Deno.copyFile(f, `${dir}/${f}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // deleted in the working tree
    }
  }
  return dir;
}

async function run(
  cwd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; out: string; timedOut: boolean }> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const r = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr), timedOut };
}

function firstFailure(out: string): string {
  const m = /Claim (\S+) failed: ([^\n]{0,160})/.exec(out) ??
    /(\S+): [^\n]* \.\.\. FAILED/.exec(out) ?? /error: ([^\n]{0,160})/.exec(out);
  return m ? m.slice(1).join(": ") : "a test failed";
}

/** Applies one mutation in `tree`, runs its claims, restores the file. */
async function tryMutation(tree: string, m: Mutation): Promise<MutationOutcome> {
  const t0 = performance.now();
  const base = {
    id: m.id,
    family: m.family,
    mechanism: m.mechanism,
    layer: m.layer,
  };
  if (m.equivalent !== undefined) {
    return { ...base, outcome: "equivalent", evidence: m.equivalent, seconds: 0 };
  }
  const path = `${tree}/${m.file}`;
  const original = await Deno.readTextFile(path);
  try {
    await Deno.writeTextFile(path, applyMutation(m, original));
    const check = await run(tree, ["check", "--quiet", m.file, ...m.tests], 300_000);
    if (check.code !== 0) {
      return {
        ...base,
        outcome: "invalid",
        evidence: `does not type-check: ${firstFailure(check.out)}`,
        seconds: (performance.now() - t0) / 1000,
      };
    }
    const test = await run(tree, [
      "test",
      "--allow-read=.",
      "--allow-write=out",
      "--allow-env",
      "--no-check",
      "--fail-fast",
      ...(m.filter ? ["--filter", m.filter] : []),
      ...m.tests,
    ], 900_000);
    const killed = test.code !== 0;
    // A filter that selects no test proves nothing: neither killed nor survived.
    if (!killed && /\|\s*0 passed\s*\|\s*0 failed/.test(test.out)) {
      return {
        ...base,
        outcome: "invalid",
        evidence: `no test ran (filter ${m.filter ?? "(none)"} selects nothing in ${
          m.tests.join(", ")
        })`,
        seconds: (performance.now() - t0) / 1000,
      };
    }
    return {
      ...base,
      outcome: killed ? "killed" : "survived",
      evidence: test.timedOut ? "timed out (900 s)" : killed ? firstFailure(test.out) : "",
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await Deno.writeTextFile(path, original);
  }
}

function table(outcomes: readonly MutationOutcome[]): string {
  const fams = [...new Set(outcomes.map((o) => o.family))].sort();
  const lines = [
    "| family | planted | killed | survived | equivalent | invalid | kill rate |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  const row = (name: string, os: readonly MutationOutcome[]) => {
    const n = (k: MutationOutcome["outcome"]) => os.filter((o) => o.outcome === k).length;
    const judged = n("killed") + n("survived");
    const rate = judged === 0 ? "–" : `${((100 * n("killed")) / judged).toFixed(1)}%`;
    lines.push(
      `| ${name} | ${os.length} | ${n("killed")} | ${n("survived")} | ${n("equivalent")} | ` +
        `${n("invalid")} | ${rate} |`,
    );
  };
  for (const f of fams) row(f, outcomes.filter((o) => o.family === f));
  row("**all**", outcomes);
  return lines.join("\n");
}

async function main(): Promise<number> {
  const opts = parseArgs(Deno.args);
  validateMutations(MUTATIONS);
  let chosen = MUTATIONS.filter((m) =>
    (opts.family === undefined || m.family === opts.family) &&
    (opts.id === undefined || opts.id.split(",").includes(m.id))
  );
  if (opts.limit !== undefined) chosen = chosen.slice(0, opts.limit);
  if (chosen.length === 0) {
    console.error("mutate: no mutation matches the given --family/--id");
    return 2;
  }
  console.error(`mutate: copying the tree; ${chosen.length} mutations to try`);
  const tree = await copyTree();
  const outcomes: MutationOutcome[] = [];
  try {
    for (const [i, m] of chosen.entries()) {
      const o = await tryMutation(tree, m);
      outcomes.push(o);
      console.error(
        `[${i + 1}/${chosen.length}] ${o.outcome.padEnd(10)} ${m.id} (${o.seconds.toFixed(0)} s)` +
          (o.evidence ? `: ${o.evidence}` : ""),
      );
      // Partial results survive an interrupted run.
      await Deno.mkdir("out/mutate", { recursive: true });
      await Deno.writeTextFile(
        "out/mutate/partial.json",
        JSON.stringify({ done: outcomes.length, of: chosen.length, outcomes }, null, 2),
      );
    }
  } finally {
    await Deno.remove(tree, { recursive: true });
  }
  const t = table(outcomes);
  console.log(`\n${t}\n`);
  const survivors = outcomes.filter((o) => o.outcome === "survived");
  for (const s of survivors) console.log(`survived: ${s.id}`);
  await Deno.mkdir("out/mutate", { recursive: true });
  const listing = outcomes.map((o) =>
    `| \`${o.id}\` | ${o.layer} | ${o.outcome} | ${o.evidence.replaceAll("|", "\\|")} |`
  );
  await Deno.writeTextFile(
    "out/mutate/report.md",
    `${t}\n\n| mutation | layer | outcome | evidence |\n| --- | --- | --- | --- |\n${
      listing.join("\n")
    }\n`,
  );
  await Deno.writeTextFile("out/mutate/report.json", JSON.stringify({ outcomes }, null, 2));
  console.log("mutate: report in out/mutate/");
  return survivors.length > 0 || outcomes.some((o) => o.outcome === "invalid") ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
