/**
 * Scaffolds a new mechanism, spec first: a claims file with pending claims,
 * an oracle stub, a test file and an impl stub. Nothing is overwritten.
 *
 * Usage: `deno task new <family> <mechanism>`, e.g. `deno task new ams direction_tree`.
 * Then import `spec/<family>/claims.ts` from `spec/catalogue.ts`: the gate lists
 * the new claims as pending until their tests exist.
 *
 * @module
 */

const NAME = /^[a-z][a-z0-9_]*$/;

/** The files to create for `family`/`mechanism`, path → content. */
export function scaffold(family: string, mechanism: string): Map<string, string> {
  for (const [what, v] of [["family", family], ["mechanism", mechanism]] as const) {
    if (!NAME.test(v)) {
      throw new TypeError(
        `Cannot scaffold ${what} "${v}": expected snake_case letters, digits and underscores`,
      );
    }
  }
  const id = `${family}.${mechanism}`;
  const files = new Map<string, string>();
  files.set(
    `spec/${family}/claims.ts`,
    `/**
 * Claims of the ${family} family.
 *
 * @module
 */
import { declareClaim } from "./claim.ts";

/** ${mechanism}: the oracle's gradients match central differences. */
export const ${camel(mechanism)}Gradcheck = declareClaim({
  id: "${id}.gradcheck",
  family: "${family}",
  kind: "gradcheck",
  statement: "${mechanism}: oracle analytic gradients match central differences in f64",
  source: "TODO: seed file and section",
  bound: "max rel error <= 1e-6",
});
`,
  );
  files.set(
    `spec/oracle/${family}/${mechanism}.ts`,
    `/**
 * f64 oracle of ${mechanism}: forward and analytic backward.
 *
 * @module
 */
`,
  );
  files.set(
    `spec/${family}/${mechanism}_test.ts`,
    `// Bind each claim of ${mechanism} to its test with claimTest(claim, fn) from
// spec/_harness/claim.ts. A declared claim without a test shows as pending.
import "./claims.ts";
`,
  );
  files.set(
    `impl/${family}/${mechanism}.ts`,
    `/**
 * ${mechanism} on WebGPU.
 *
 * @module
 */
export {};
`,
  );
  return files;
}

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

if (import.meta.main) {
  const [family, mechanism] = Deno.args;
  if (family === undefined || mechanism === undefined) {
    console.error("usage: deno task new <family> <mechanism>");
    Deno.exit(2);
  }
  for (const [path, content] of scaffold(family, mechanism)) {
    try {
      await Deno.stat(path);
      console.log(`exists, kept: ${path}`);
    } catch {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, content);
      console.log(`created: ${path}`);
    }
  }
  console.log(
    `next: import "./${family}/claims.ts" from spec/catalogue.ts, then run deno task gate`,
  );
}
