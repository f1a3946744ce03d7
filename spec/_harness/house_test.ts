/**
 * The house rules, checked on the tree itself: no import crosses from one
 * family's folder into another family's (in `impl/`, `spec/` and
 * `spec/oracle/`), `impl/` never imports `spec/`, and no kernel file
 * hand-writes its `@binding` lines or its `fn main` prologue (the program
 * object in impl/gpu/program.ts generates both), and no bench reads the
 * environment but through bench/_env.ts (`deno task bench` may not read it).
 *
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Families: folders whose mechanisms must not reach into each other. */
const FAMILIES = ["fastweights", "decepticons", "ams", "amygdala", "larkos"];

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(new URL(dir, ROOT))) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) await walk(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** The family a repository path belongs to, or null for shared code. */
export function familyOf(path: string): string | null {
  const m = /^(?:spec\/oracle|impl|spec|bench)\/([a-z0-9_]+)\//.exec(path);
  const f = m?.[1] ?? null;
  return f !== null && FAMILIES.includes(f) ? f : null;
}

/** Relative import specifiers of a module's text, resolved against its path. */
export function importsOf(path: string, text: string): string[] {
  const out: string[] = [];
  const re = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of text.matchAll(re)) {
    const parts = path.split("/").slice(0, -1);
    for (const seg of m[1]!.split("/")) {
      if (seg === "..") parts.pop();
      else if (seg !== ".") parts.push(seg);
    }
    out.push(parts.join("/"));
  }
  return out;
}

Deno.test("no import crosses from one family's folder into another's", async () => {
  const crossings: string[] = [];
  for (const file of [...await walk("impl"), ...await walk("spec"), ...await walk("bench")]) {
    const from = familyOf(file);
    if (from === null) continue;
    const text = await Deno.readTextFile(new URL(file, ROOT));
    for (const target of importsOf(file, text)) {
      const to = familyOf(target);
      if (to !== null && to !== from) crossings.push(`${file} → ${target}`);
    }
  }
  deepStrictEqual(crossings, []);
});

Deno.test("impl/ never imports spec/", async () => {
  const found: string[] = [];
  for (const file of await walk("impl")) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    for (const target of importsOf(file, text)) {
      if (target.startsWith("spec/")) found.push(`${file} → ${target}`);
    }
  }
  deepStrictEqual(found, []);
});

Deno.test("no kernel file hand-writes @binding lines or a fn main prologue", async () => {
  const found: string[] = [];
  for (const file of await walk("impl")) {
    // The runtime layer is exempt: program.ts generates the prologue, device.ts probes the
    // adapter's loop budget before any program can run, batch_test.ts tests launch() itself.
    if (file.startsWith("impl/gpu/")) continue;
    const text = await Deno.readTextFile(new URL(file, ROOT));
    if (/@binding\(/.test(text)) found.push(`${file}: @binding`);
    if (/fn main\s*\(/.test(text)) found.push(`${file}: fn main`);
  }
  deepStrictEqual(found, []);
});

/** Whether a module's text reads the environment itself (`Deno.env.get` and the like). */
export function readsEnvDirectly(text: string): boolean {
  return /\bDeno\.env\.(?:get|has|toObject)\s*\(/.test(text);
}

Deno.test("no bench reads the environment but through bench/_env.ts", async () => {
  // `deno task bench` grants env access to the fuzz variables only: a bench reading any other
  // variable itself fails there with NotCapable, and takes every bench after it down.
  const found: string[] = [];
  for (const file of await walk("bench")) {
    if (file === "bench/_env.ts") continue;
    if (readsEnvDirectly(await Deno.readTextFile(new URL(file, ROOT)))) found.push(file);
  }
  deepStrictEqual(found, []);
});

Deno.test("readsEnvDirectly() flags a direct read and passes optionalEnv()", async (t) => {
  await t.step("fault: Deno.env.get", () => {
    deepStrictEqual(readsEnvDirectly('const T = Number(Deno.env.get("PROBE_T") ?? 512);'), true);
  });
  await t.step("fault: Deno.env.toObject", () => {
    deepStrictEqual(readsEnvDirectly("const all = Deno.env.toObject();"), true);
  });
  await t.step("control: optionalEnv", () => {
    deepStrictEqual(readsEnvDirectly('const T = Number(optionalEnv("PROBE_T") ?? 512);'), false);
  });
});

Deno.test("familyOf() and importsOf() read paths as the house does", () => {
  deepStrictEqual(familyOf("impl/fastweights/srwm/srwm.ts"), "fastweights");
  deepStrictEqual(familyOf("spec/oracle/decepticons/retention.ts"), "decepticons");
  deepStrictEqual(familyOf("spec/_harness/claim.ts"), null);
  deepStrictEqual(familyOf("impl/ops/matmul.ts"), null);
  deepStrictEqual(
    importsOf("spec/decepticons/x/a_test.ts", 'import { f } from "../../fastweights/y/_b.ts";'),
    ["spec/fastweights/y/_b.ts"],
  );
});
