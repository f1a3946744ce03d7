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
  /** Dotted id: `<family>.<mechanism>.<what>`, e.g. `ops.matmul.gpu_parity`. */
  readonly id: string;
  /** The family the claim belongs to: the first segment of its id. */
  readonly family: string;
  /** One line, stating the property as true. */
  readonly statement: string;
  /** Where it comes from: the original's repository and path, a paper, or a standard. */
  readonly source: string;
  /** The bound in words, e.g. "max rel error <= 1e-6". */
  readonly bound: string;
  /** What kind of statement it is. */
  readonly kind: ClaimKind;
  /** Where an original diverges from the claim, and how. */
  readonly divergence?: string;
  /**
   * How the figure must relate to the bound for the claim to hold: `<=` (the
   * default: errors, ratios, counts of failures), `>=` (accuracies, margins),
   * `==` (exact counts). The harness, not the test, applies it.
   */
  readonly direction?: Direction;
}

/** How a figure must relate to its bound. */
export type Direction = "<=" | ">=" | "==";

/** One numeric part of a composite figure, with its own bound. */
export interface SubFigure {
  /** Names the part, e.g. "store gate". */
  name: string;
  /** The part's measured figure. */
  figure: number;
  /** The part's bound. */
  bound: number;
  /** How the part's figure must relate to its bound. */
  direction: Direction;
}

/** What a claim's test measured. */
export interface Measurement {
  /**
   * The measured figure. A number is judged against `bound` with the claim's
   * direction; text is judged only through numeric `parts`, and text without
   * parts fails: no bound can judge it.
   */
  figure: number | string;
  /** The bound the figure was compared with. */
  bound: number | string;
  /**
   * The test's own verdict. It can only make a claim fail: a `pass` whose
   * figure its bound does not support is a failure.
   */
  pass: boolean;
  /** Numeric parts of a composite figure: every part must hold its own bound. */
  parts?: readonly SubFigure[];
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
  /** The figure as a number, when it is one. */
  figureValue?: number;
  /** The bound as a number, when it is one. */
  boundValue?: number;
  /** False when the harness could not judge the figure (text without numeric parts). */
  judged?: boolean;
}

/** Whether `figure` holds `bound` in `direction`; NaN never holds. */
export function holds(figure: number, direction: Direction, bound: number): boolean {
  if (Number.isNaN(figure) || Number.isNaN(bound)) return false;
  if (direction === "<=") return figure <= bound;
  if (direction === ">=") return figure >= bound;
  return figure === bound;
}

/** The harness's verdict on a measurement. */
export interface Judgement {
  /** Whether the claim holds. */
  pass: boolean;
  /** Whether the figure (or its parts) was compared with its bound numerically. */
  judged: boolean;
  /** Why it failed, when it did. */
  reason: string;
}

/**
 * Judges a measurement against its claim: the figure (and every part) must
 * hold its bound in the claim's direction, and the test's own `pass` must be
 * true. A test that reports `pass` for a figure its bound does not support fails.
 */
export function judge(claim: Pick<Claim, "direction">, m: Measurement): Judgement {
  const dir = claim.direction ?? "<=";
  const broken: string[] = [];
  let judged = false;
  if (typeof m.figure === "number" && typeof m.bound === "number") {
    judged = true;
    if (!holds(m.figure, dir, m.bound)) {
      broken.push(`figure ${formatFigure(m.figure)} does not hold ${dir} ${formatFigure(m.bound)}`);
    }
  }
  for (const part of m.parts ?? []) {
    judged = true;
    if (!holds(part.figure, part.direction, part.bound)) {
      broken.push(
        `${part.name} ${formatFigure(part.figure)} does not hold ${part.direction} ` +
          formatFigure(part.bound),
      );
    }
  }
  if (!judged) {
    // Text is not a verdict: a claim must give a number (or numeric parts) and its bound.
    return {
      pass: false,
      judged,
      reason: `the figure ${JSON.stringify(String(m.figure)).slice(0, 60)} is not a number and ` +
        "the measurement has no numeric parts, so no bound can judge it",
    };
  }
  if (broken.length > 0) {
    return {
      pass: false,
      judged,
      reason: broken.join("; ") + (m.pass ? " (the test reported pass)" : ""),
    };
  }
  if (!m.pass) return { pass: false, judged, reason: "the test reported a failure" };
  return { pass: true, judged, reason: "" };
}

const ID_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

/**
 * The claim-suffix vocabulary: the last segment of every claim id starts with
 * one of these words, optionally followed by `_<detail>`, so `--filter` can
 * select one kind of claim across families (e.g. `--filter .fixture_parity`).
 *
 * - `oracle_gradcheck`: the f64 oracle's analytic gradients against central differences;
 * - `gpu_parity`: the GPU forward against the f64 oracle, element by element within derived bounds;
 * - `gpu_gradients`: the GPU backward against the oracle's analytic gradients;
 * - `gpu_training`: a training run on the GPU against its f64 replay;
 * - `fixture_parity`: the oracle or the GPU against numpy or PyTorch fixtures;
 * - `property`: an exact or mathematical property (causality, determinism, an identity);
 * - `behaviour`: what a trained mechanism does (recall, accuracy, bits per byte);
 * - `fault`: bad input raises the documented typed error, leaving state unchanged;
 * - `divergence`: the true property where an original's claim is false.
 */
export const CLAIM_SUFFIXES = [
  "oracle_gradcheck",
  "gpu_parity",
  "gpu_gradients",
  "gpu_training",
  "fixture_parity",
  "property",
  "behaviour",
  "fault",
  "divergence",
] as const;

/** Whether the last segment of `id` starts with a word of {@link CLAIM_SUFFIXES}. */
export function hasClaimSuffix(id: string): boolean {
  const last = id.slice(id.lastIndexOf(".") + 1);
  return CLAIM_SUFFIXES.some((s) => last === s || last.startsWith(`${s}_`));
}
const declared = new Map<string, Claim>();

/**
 * Declares a claim.
 *
 * @throws {TypeError} when the id is malformed, does not start with the family, does not end
 *   in a word of {@link CLAIM_SUFFIXES}, or is declared twice.
 */
export function declareClaim(claim: Claim): Claim {
  if (!ID_PATTERN.test(claim.id) || !claim.id.startsWith(`${claim.family}.`)) {
    throw new TypeError(
      `Cannot declare claim "${claim.id}": expected a dotted lower-case id starting with its ` +
        `family "${claim.family}."`,
    );
  }
  if (!hasClaimSuffix(claim.id)) {
    throw new TypeError(
      `Cannot declare claim "${claim.id}": expected its last segment to start with one of ` +
        `${CLAIM_SUFFIXES.join(", ")} (optionally followed by _<detail>)`,
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

/** A figure or bound as the report prints it. */
export function formatFigure(x: number | string): string {
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
  /** The error name, for `instanceof`-free checks and logs. */
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
  fn: (t: Deno.TestContext) => Measurement | Promise<Measurement>,
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
    fn: async (t) => {
      const t0 = performance.now();
      const buffersBefore = liveBufferCount();
      let m: Measurement;
      try {
        m = await fn(t);
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
      const j = judge(claim, m);
      const result: ClaimResult = {
        id: claim.id,
        verdict: j.pass ? "pass" : "fail",
        figure: formatFigure(m.figure),
        bound: formatFigure(m.bound),
        detail: m.detail ?? "",
        ms: performance.now() - t0,
        judged: j.judged,
        ...(typeof m.figure === "number" ? { figureValue: m.figure } : {}),
        ...(typeof m.bound === "number" ? { boundValue: m.bound } : {}),
      };
      record(result);
      if (!j.pass) {
        throw new ClaimFailedError(
          `Claim ${claim.id} failed: ${j.reason}` + (m.detail ? `: ${m.detail}` : ""),
        );
      }
    },
  });
}
