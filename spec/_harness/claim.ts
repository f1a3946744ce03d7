/**
 * Claims: one declaration (id, family, statement, source, bound, kind,
 * divergence) bound to one test. The test measures a figure and compares it
 * with the bound; every claim must also leave the live GPU buffer count where
 * it found it. The verdict goes to `deno test` (a failing claim fails the
 * test with its figure) and, when the gate runs, to a results file the gate
 * turns into its report. A declared claim no test has run shows as pending.
 *
 * @example Declaring and proving a claim
 * ```ts ignore
 * import { claimTest, declareClaim } from "./claim.ts";
 * const c = declareClaim({
 *   id: "demo.addition.exact", family: "demo", kind: "exact",
 *   statement: "1 + 1 equals 2 exactly", source: "arithmetic", bound: "error = 0",
 * });
 * claimTest(c, () => {
 *   const error = Math.abs(1 + 1 - 2);
 *   return { figure: error, bound: 0, pass: error === 0 };
 * });
 * ```
 *
 * @module
 */
import { liveBufferCount } from "../../impl/gpu/buffers.ts";

/** What kind of statement a claim makes. */
export type ClaimKind =
  | "exact"
  | "parity"
  | "gradcheck"
  | "property"
  | "behaviour"
  | "fault"
  | "gate";

/** A claim's declaration. */
export interface Claim {
  /** Dotted id: `<family>.<mechanism>.<what>`, e.g. `ops.matmul.parity`. */
  readonly id: string;
  readonly family: string;
  /** One line, stating the property as true. */
  readonly statement: string;
  /** Where it comes from: seed file and section, a paper, or a standard. */
  readonly source: string;
  /** The bound in words, e.g. "max rel error <= 1e-6". */
  readonly bound: string;
  readonly kind: ClaimKind;
  /** Where an original diverges from the claim, and how. */
  readonly divergence?: string;
}

/** What a claim's test measured. */
export interface Measurement {
  /** The measured figure (a number, or a short text for composite figures). */
  figure: number | string;
  /** The bound the figure was compared with. */
  bound: number | string;
  pass: boolean;
  /** Extra context: worst index, seeds, case counts. */
  detail?: string;
}

/** One claim result, as written for the gate. */
export interface ClaimResult {
  id: string;
  verdict: "pass" | "fail";
  figure: string;
  bound: string;
  detail: string;
  ms: number;
}

const ID_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;
const declared = new Map<string, Claim>();

/**
 * Declares a claim.
 *
 * @throws {TypeError} when the id is malformed, does not start with the family, or is declared twice.
 */
export function declareClaim(claim: Claim): Claim {
  if (!ID_PATTERN.test(claim.id) || !claim.id.startsWith(`${claim.family}.`)) {
    throw new TypeError(
      `Cannot declare claim "${claim.id}": expected a dotted lower-case id starting with its ` +
        `family "${claim.family}."`,
    );
  }
  if (declared.has(claim.id)) {
    throw new TypeError(`Cannot declare claim "${claim.id}": it is already declared`);
  }
  declared.set(claim.id, Object.freeze({ ...claim }));
  return declared.get(claim.id)!;
}

/** Every claim declared so far in this process. */
export function declaredClaims(): Claim[] {
  return [...declared.values()];
}

function formatFigure(x: number | string): string {
  if (typeof x === "string") return x;
  if (Number.isInteger(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(4) : x.toExponential(2);
}

function resultsFile(): string | null {
  let dir: string | undefined;
  try {
    dir = Deno.env.get("MEMSPEC_RESULTS_DIR");
  } catch {
    return null; // no env permission: plain `deno test` without the gate
  }
  return dir ? `${dir}/results-${Deno.pid}.jsonl` : null;
}

function record(result: ClaimResult): void {
  const file = resultsFile();
  if (file !== null) Deno.writeTextFileSync(file, JSON.stringify(result) + "\n", { append: true });
}

/** Error thrown when a claim's figure is outside its bound. */
export class ClaimFailedError extends Error {
  override name = "ClaimFailedError";
}

/** Options for {@link claimTest}. */
export interface ClaimTestOptions {
  /** Deno.test sanitizers; GPU tests keep ops/resources sanitizers off (device callbacks). */
  sanitize?: boolean;
}

/**
 * Registers a Deno test proving `claim`. The test fails when `fn` throws or its
 * measurement does not pass; either way the verdict is recorded for the gate.
 */
export function claimTest(
  claim: Claim,
  fn: () => Measurement | Promise<Measurement>,
  options: ClaimTestOptions = {},
): void {
  if (!declared.has(claim.id)) {
    throw new TypeError(`Cannot test claim "${claim.id}": it is not declared`);
  }
  const sanitize = options.sanitize ?? false;
  Deno.test({
    name: `${claim.id}: ${claim.statement}`,
    sanitizeOps: sanitize,
    sanitizeResources: sanitize,
    fn: async () => {
      const t0 = performance.now();
      const buffersBefore = liveBufferCount();
      let m: Measurement;
      try {
        m = await fn();
        const leaked = liveBufferCount() - buffersBefore;
        if (leaked !== 0) {
          throw new Error(
            `the test left ${leaked} GPU buffers alive (live-buffer count ${buffersBefore} before)`,
          );
        }
      } catch (e) {
        const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        record({
          id: claim.id,
          verdict: "fail",
          figure: "error",
          bound: claim.bound,
          detail: msg.split("\n")[0]!.slice(0, 300),
          ms: performance.now() - t0,
        });
        throw e;
      }
      const result: ClaimResult = {
        id: claim.id,
        verdict: m.pass ? "pass" : "fail",
        figure: formatFigure(m.figure),
        bound: formatFigure(m.bound),
        detail: m.detail ?? "",
        ms: performance.now() - t0,
      };
      record(result);
      if (!m.pass) {
        throw new ClaimFailedError(
          `Claim ${claim.id} failed: figure ${result.figure} is outside bound ${result.bound}` +
            (m.detail ? `: ${m.detail}` : ""),
        );
      }
    },
  });
}
