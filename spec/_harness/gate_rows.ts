/**
 * The gate's verdict logic, kept pure so the harness can test it: declared
 * claims joined with the results the tests recorded, one row per claim, and
 * the exit code. A declared claim without a result is pending; a result whose
 * id no claims file declares is a failing row of its own (a renamed or
 * deleted declaration must not leave its test's verdict unseen).
 *
 * @example
 * ```ts
 * import { buildRows, gateExitCode, tally } from "./gate_rows.ts";
 * import { strictEqual } from "node:assert/strict";
 * const rows = buildRows([], [{ id: "x.y.property", verdict: "pass", figure: "0", bound: "0", detail: "", ms: 1 }]);
 * strictEqual(rows[0]!.verdict, "fail"); // undeclared
 * strictEqual(gateExitCode(tally(rows), 0, false), 1);
 * ```
 *
 * @module
 */
import type { Claim, ClaimResult } from "./claim.ts";

/** One line of the gate's table. */
export interface GateRow {
  family: string;
  id: string;
  statement: string;
  figure: string;
  bound: string;
  verdict: "pass" | "fail" | "pending";
  /** The figure as a number, when the test gave one. */
  figureValue: number | null;
  /** The bound as a number, when the test gave one. */
  boundValue: number | null;
  /** How the figure must relate to the bound. */
  direction: string;
  ms: number;
  detail: string;
  divergence: string;
  source: string;
}

/** Claim counts by verdict. */
export interface GateCounts {
  pass: number;
  fail: number;
  pending: number;
}

/** One row per declared claim, then one failing row per undeclared result id. */
export function buildRows(claims: readonly Claim[], results: readonly ClaimResult[]): GateRow[] {
  const byId = new Map<string, ClaimResult[]>();
  for (const r of results) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const rows: GateRow[] = claims.map((c) => {
    const rs = byId.get(c.id) ?? [];
    const failed = rs.find((r) => r.verdict === "fail");
    const shown = failed ?? rs[rs.length - 1];
    return {
      family: c.family,
      id: c.id,
      statement: c.statement,
      figure: shown?.figure ?? "",
      bound: shown?.bound ?? c.bound,
      verdict: rs.length === 0 ? "pending" : failed ? "fail" : "pass",
      figureValue: shown?.figureValue ?? null,
      boundValue: shown?.boundValue ?? null,
      direction: c.direction ?? "<=",
      ms: rs.reduce((a, r) => a + r.ms, 0),
      detail: shown?.detail ?? "",
      divergence: c.divergence ?? "",
      source: c.source,
    };
  });
  const declared = new Set(claims.map((c) => c.id));
  for (const [id, rs] of byId) {
    if (declared.has(id)) continue;
    const shown = rs[rs.length - 1]!;
    rows.push({
      family: id.split(".")[0] ?? "",
      id,
      statement: "",
      figure: shown.figure,
      bound: shown.bound,
      verdict: "fail",
      figureValue: shown.figureValue ?? null,
      boundValue: shown.boundValue ?? null,
      direction: "",
      ms: rs.reduce((a, r) => a + r.ms, 0),
      detail: `undeclared: no claims file under spec/ declares "${id}" (recorded verdict ` +
        `${shown.verdict})`,
      divergence: "",
      source: "",
    });
  }
  return rows;
}

/** Counts rows by verdict. */
export function tally(rows: readonly GateRow[]): GateCounts {
  const counts = { pass: 0, fail: 0, pending: 0 };
  for (const r of rows) counts[r.verdict]++;
  return counts;
}

/**
 * The gate's exit code: 1 when a claim failed, the test run failed, or a claim
 * is pending without `allowPending`; else 0.
 */
export function gateExitCode(counts: GateCounts, testCode: number, allowPending: boolean): number {
  if (counts.fail > 0 || testCode !== 0) return 1;
  if (counts.pending > 0 && !allowPending) return 1;
  return 0;
}
