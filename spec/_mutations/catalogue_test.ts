/**
 * The mutation catalogue still applies to today's code: every planted bug's
 * text occurs where it says (exactly once, or at its chosen occurrence), its
 * test files exist, and the ids are well-formed. A refactor that moves the text
 * fails here instead of leaving `deno task mutate` testing nothing.
 *
 * @module
 */
import { ok } from "node:assert/strict";
import { MUTATIONS } from "./mod.ts";
import { applyMutation, validateMutations } from "./mutation.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("the mutation catalogue is well-formed", () => {
  validateMutations(MUTATIONS);
});

Deno.test("every planted bug applies to today's code and names existing tests", async (t) => {
  for (const m of MUTATIONS) {
    await t.step(m.id, async () => {
      const text = await Deno.readTextFile(new URL(m.file, ROOT));
      const mutated = applyMutation(m, text);
      ok(mutated !== text, `${m.id} changes nothing`);
      for (const test of m.tests) {
        const s = await Deno.stat(new URL(test, ROOT));
        ok(s.isFile || s.isDirectory, `${m.id}: ${test} does not exist`);
      }
    });
  }
});
