/**
 * A planted bug: one exact text replacement in one file, and the tests whose
 * claims must catch it. Kept as data so `deno task mutate` can apply each in a
 * temporary copy of the tree, and a harness test can check that every
 * mutation still applies to today's code (a refactor that moves the text
 * makes the catalogue fail loudly instead of silently testing nothing).
 *
 * @example
 * ```ts
 * import { applyMutation } from "./mutation.ts";
 * import { strictEqual } from "node:assert/strict";
 * const m = {
 *   id: "demo.sign", family: "demo", mechanism: "x", layer: "forward" as const,
 *   file: "x.ts", find: "a + b", replace: "a - b", tests: ["x_test.ts"], why: "sign flip",
 * };
 * strictEqual(applyMutation(m, "return a + b;"), "return a - b;");
 * ```
 *
 * @module
 */

/** Which part of a mechanism a planted bug breaks. */
export type MutationLayer =
  | "forward"
  | "backward"
  | "causality"
  | "training"
  | "fault"
  | "oracle"
  | "fixture";

/** One planted bug. */
export interface Mutation {
  /** `<family>.<mechanism>.<what>`, unique. */
  readonly id: string;
  readonly family: string;
  readonly mechanism: string;
  readonly layer: MutationLayer;
  /** Repository-relative path of the file to change. */
  readonly file: string;
  /** Text that must occur exactly once in the file (`occurrence` picks one of several). */
  readonly find: string;
  readonly replace: string;
  /** Which occurrence of `find` to replace (0-based) when it occurs more than once. */
  readonly occurrence?: number;
  /** Test files (repository-relative) whose claims must kill it. */
  readonly tests: readonly string[];
  /** `deno test --filter` to run only the claims that target it. */
  readonly filter?: string;
  /** The bug in words: what a real implementation could get wrong. */
  readonly why: string;
  /**
   * Set when the mutation is equivalent (no claim can see it because the
   * behaviour does not change): why. Not run.
   */
  readonly equivalent?: string;
}

function occurrences(text: string, find: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(find); i !== -1; i = text.indexOf(find, i + 1)) at.push(i);
  return at;
}

/**
 * `text` with the mutation applied.
 *
 * @throws {RangeError} when `find` does not occur, or occurs several times without an
 *   `occurrence`, or the chosen occurrence does not exist.
 */
export function applyMutation(m: Mutation, text: string): string {
  const at = occurrences(text, m.find);
  if (at.length === 0) {
    throw new RangeError(`Cannot apply mutation ${m.id}: its text is not in ${m.file}`);
  }
  if (m.occurrence === undefined && at.length > 1) {
    throw new RangeError(
      `Cannot apply mutation ${m.id}: its text occurs ${at.length} times in ${m.file}; ` +
        `set occurrence`,
    );
  }
  const i = at[m.occurrence ?? 0];
  if (i === undefined) {
    throw new RangeError(
      `Cannot apply mutation ${m.id}: occurrence ${m.occurrence} of ${at.length} in ${m.file}`,
    );
  }
  return text.slice(0, i) + m.replace + text.slice(i + m.find.length);
}

/**
 * Checks the catalogue: unique ids, ids starting with family and mechanism,
 * a change that changes something, at least one test.
 *
 * @throws {TypeError} naming the first bad mutation.
 */
export function validateMutations(ms: readonly Mutation[]): void {
  const seen = new Set<string>();
  for (const m of ms) {
    if (seen.has(m.id)) throw new TypeError(`Mutation ${m.id} is declared twice`);
    seen.add(m.id);
    if (!m.id.startsWith(`${m.family}.${m.mechanism}.`)) {
      throw new TypeError(
        `Mutation ${m.id}: expected an id starting with ${m.family}.${m.mechanism}.`,
      );
    }
    if (m.find === m.replace) throw new TypeError(`Mutation ${m.id}: find and replace are equal`);
    if (m.tests.length === 0) {
      throw new TypeError(`Mutation ${m.id}: no test file names its claims`);
    }
  }
}

/** The fields of a planted bug its family's {@link mutationsOf} helpers fill in. */
export type PlantedFields = Omit<Mutation, "id" | "family" | "mechanism" | "layer">;

/**
 * Helpers bound to one family: `planted(mechanism, what, layer, fields)` builds the mutation
 * `<family>.<mechanism>.<what>`, and `claims(mechanism, ...kinds)` the `--filter` regex over the
 * named claims of one mechanism.
 *
 * @example
 * ```ts
 * import { mutationsOf } from "./mutation.ts";
 * import { strictEqual } from "node:assert/strict";
 * const { planted, claims } = mutationsOf("demo");
 * const m = planted("x", "sign", "forward", {
 *   file: "x.ts", find: "a + b", replace: "a - b", tests: ["x_test.ts"],
 *   filter: claims("x", "gpu_parity"), why: "sign flip",
 * });
 * strictEqual(m.id, "demo.x.sign");
 * strictEqual(m.filter, "/^demo\\.x\\.(gpu_parity):/");
 * ```
 */
export function mutationsOf(family: string): {
  planted: (mechanism: string, what: string, layer: MutationLayer, m: PlantedFields) => Mutation;
  claims: (mechanism: string, ...what: string[]) => string;
} {
  return {
    planted: (mechanism, what, layer, m) => ({
      id: `${family}.${mechanism}.${what}`,
      family,
      mechanism,
      layer,
      ...m,
    }),
    claims: (mechanism, ...what) => `/^${family}\\.${mechanism}\\.(${what.join("|")}):/`,
  };
}
