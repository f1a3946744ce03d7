/**
 * The full causal-bank configuration: the original's defaults, a fuzz of every field alone,
 * the table of refused combinations (one claim per group of the original's defects, and the
 * whole table as the fault claim), the edges of every rule, and the learnable substrate keys.
 * Host only.
 *
 * @module
 */
import {
  CAUSAL_BANK_DEFAULTS,
  type CausalBankConfig,
  learnableSubstrateKeys,
  validateCausalBankConfig,
} from "../../../impl/decepticons/causal_bank/config.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import {
  ACCEPTED,
  badValues,
  type ComboGroup,
  EXPECTED_KEYS,
  FIELD_DOMAINS,
  MEMSPEC_ONLY_FIELDS,
  MODE_CONFIGS,
  NAME_OF_ORIGINAL,
  ORIGINAL_DEFAULTS,
  ORIGINAL_KEYS,
  randomValid,
  REFUSED,
  withDefaults,
} from "./_cases.ts";
import {
  BANK_BANDS,
  BANK_COMBINATIONS,
  BANK_DEFAULTS,
  BANK_FIELDS,
  BANK_HEMISPHERES,
  BANK_KEYS,
  BANK_PATCH_N,
  BANK_SILENT,
  BANK_TEMPORAL,
  BANK_TRUST,
} from "./claims.ts";

/** Why a call did not raise `kind` with a message naming every one of `names` (null: it did). */
function refusal(
  fn: () => void,
  kind: "TypeError" | "RangeError",
  names: readonly string[],
): string | null {
  try {
    fn();
    return "accepted";
  } catch (e) {
    if (!(e instanceof Error) || e.name !== kind) {
      return `${e instanceof Error ? e.name : typeof e} instead of ${kind}: ${String(e)}`;
    }
    // A field is named as a word: "stateDim" must not be found inside "stateDimension".
    const missing = names.filter((n) =>
      !new RegExp(`(^|[^A-Za-z])${n}([^A-Za-z]|$)`).test(e.message)
    );
    if (missing.length) return `does not name ${missing.join(", ")}: ${e.message}`;
    // Every refusal says what would be valid.
    return /expect|must/.test(e.message) ? null : `does not say what is expected: ${e.message}`;
  }
}

function measured(failures: string[], cases: number, what: string): Measurement {
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${cases} ${what}` + (failures.length ? `; ${failures.slice(0, 4).join(" | ")}` : ""),
  };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

claimTest(BANK_DEFAULTS, () => {
  const failures: string[] = [];
  const fields = new Set(Object.keys(CAUSAL_BANK_DEFAULTS));
  for (const [orig, field, value] of ORIGINAL_DEFAULTS) {
    if (!fields.has(field)) failures.push(`${orig}: no field ${field}`);
    else if (!deepEqual(CAUSAL_BANK_DEFAULTS[field], value)) {
      failures.push(
        `${field} = ${JSON.stringify(CAUSAL_BANK_DEFAULTS[field])}, ${orig} = ${value}`,
      );
    }
    fields.delete(field);
  }
  for (const f of MEMSPEC_ONLY_FIELDS) fields.delete(f);
  for (const f of fields) failures.push(`extra field ${f}`);
  for (const f of Object.keys(FIELD_DOMAINS)) {
    if (!(f in CAUSAL_BANK_DEFAULTS)) failures.push(`domain of a missing field ${f}`);
  }
  if (!Object.isFrozen(CAUSAL_BANK_DEFAULTS)) failures.push("the defaults are not frozen");
  for (const f of ["linearHidden", "localHidden", "bandExperts"] as const) {
    if (!Object.isFrozen(CAUSAL_BANK_DEFAULTS[f])) failures.push(`${f} is not frozen`);
  }
  const invalid = refusal(() => validateCausalBankConfig(CAUSAL_BANK_DEFAULTS), "RangeError", []);
  if (invalid !== "accepted") failures.push(`the defaults are refused: ${invalid}`);
  return measured(failures, ORIGINAL_DEFAULTS.length, "fields against the original's defaults");
});

claimTest(BANK_FIELDS, () => {
  const failures: string[] = [];
  const rng = new Rng(0x5eed_c0f1);
  const BASES = 24;
  let cases = 0;
  for (let b = 0; b < BASES; b++) {
    const base = randomValid(rng);
    const ok = refusal(() => validateCausalBankConfig(base), "RangeError", []);
    cases++;
    if (ok !== "accepted") {
      failures.push(`valid base ${JSON.stringify(base).slice(0, 200)} refused: ${ok}`);
      continue;
    }
    for (const [field, domain] of Object.entries(FIELD_DOMAINS)) {
      for (const bad of badValues(domain)) {
        cases++;
        const cfg = { ...base, [field]: bad.value } as CausalBankConfig;
        const why = refusal(() => validateCausalBankConfig(cfg), bad.kind, [field]);
        if (why !== null) {
          const shown = Array.isArray(bad.value) && bad.value.length > 8
            ? `[${bad.value.length} entries]`
            : JSON.stringify(bad.value) ?? String(bad.value);
          failures.push(`${field} = ${shown}: ${why}`);
        }
      }
    }
  }
  // Not an object at all.
  for (const v of [null, undefined, 3, "cfg"]) {
    cases++;
    const why = refusal(() => validateCausalBankConfig(v as never), "TypeError", []);
    if (why !== null) failures.push(`config ${String(v)}: ${why}`);
  }
  return measured(failures, cases, `cases (${BASES} random valid configurations × every field)`);
});

/** Runs the refused combinations of `groups` and the accepted edges (when `edges`). */
function combinations(groups: readonly ComboGroup[] | "all", edges: boolean): Measurement {
  const failures: string[] = [];
  let cases = 0;
  for (const c of REFUSED) {
    if (groups !== "all" && !groups.includes(c.group)) continue;
    cases++;
    const why = refusal(
      () => validateCausalBankConfig(withDefaults(c.patch)),
      c.kind ?? "RangeError",
      c.names,
    );
    if (why !== null) failures.push(`${c.name}: ${why}`);
  }
  if (edges) {
    for (const [name, patch] of ACCEPTED) {
      cases++;
      try {
        validateCausalBankConfig(withDefaults(patch));
      } catch (e) {
        failures.push(`edge "${name}" refused: ${e instanceof Error ? e.message : e}`);
      }
    }
  }
  return measured(failures, cases, edges ? "combinations and edge configurations" : "combinations");
}

claimTest(BANK_COMBINATIONS, () => combinations("all", true));
claimTest(BANK_HEMISPHERES, () => combinations(["hemispheres"], false));
claimTest(BANK_BANDS, () => combinations(["bands"], false));
claimTest(BANK_PATCH_N, () => combinations(["patch_n"], false));
claimTest(BANK_TRUST, () => combinations(["trust"], false));
claimTest(BANK_TEMPORAL, () => combinations(["temporal"], false));
claimTest(BANK_SILENT, () => combinations(["silent"], false));

claimTest(BANK_KEYS, () => {
  const failures: string[] = [];
  let cases = 0;
  for (const [mode, patch] of Object.entries(MODE_CONFIGS)) {
    cases++;
    const cfg = withDefaults(patch);
    const keys = [...learnableSubstrateKeys(cfg)];
    if (!deepEqual(keys, EXPECTED_KEYS[mode])) {
      failures.push(
        `${mode}: ${JSON.stringify(keys)}, expected ${JSON.stringify(EXPECTED_KEYS[mode])}`,
      );
    }
    // Against the original's list in memspec's names: only learned_recurrence may differ, and
    // only by the decays its forward never reads.
    const original = ORIGINAL_KEYS[mode]!.flatMap((k) => NAME_OF_ORIGINAL[k]!);
    const dropped = original.filter((k) => !keys.includes(k));
    const added = keys.filter((k) => !original.includes(k));
    const allowed = mode === "learned_recurrence" ? ["decays"] : [];
    if (added.length > 0 || !deepEqual(dropped, allowed)) {
      failures.push(`${mode}: differs from the original by +${added} −${dropped}`);
    }
    if (keys.includes("decays") && mode !== "learnable_decays") {
      failures.push(`${mode}: trains the decays, which only learnable_decays reads`);
    }
  }
  // The keys depend on the mode only, and an invalid configuration is refused first.
  cases++;
  const other = learnableSubstrateKeys(
    withDefaults({ ...MODE_CONFIGS.learned_recurrence, numBlocks: 3 }),
  );
  if (!deepEqual(other, EXPECTED_KEYS.learned_recurrence)) {
    failures.push("keys depend on numBlocks");
  }
  cases++;
  const bad = refusal(
    () => learnableSubstrateKeys(withDefaults({ substrateMode: "gated_delta" })),
    "RangeError",
    ["substrateMode", "stateDim"],
  );
  if (bad !== null) failures.push(`invalid configuration: ${bad}`);
  return measured(failures, cases, "modes and checks");
});
