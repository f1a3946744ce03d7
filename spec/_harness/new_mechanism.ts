/**
 * Scaffolds a new mechanism, spec first: a mechanism folder on both sides
 * (`spec/<family>/<mechanism>/` with its own claims file and a test file,
 * `impl/<family>/<mechanism>/` with a host module and a `kernels/` folder)
 * and the oracle stub `spec/oracle/<family>/<mechanism>.ts`. The claims are
 * declared at once, so the gate lists them as pending (and fails on them) until
 * their tests exist. A second mechanism of the same family gets its own files;
 * nothing existing is overwritten.
 *
 * Usage: `deno task new <family> <mechanism>`, e.g. `deno task new ams direction_tree`.
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
  const c = camel(mechanism);
  const C = c[0]!.toUpperCase() + c.slice(1);
  const files = new Map<string, string>();
  const claim = (what: string, kind: string, statement: string, bound: string) => `
/** ${statement} */
export const ${c}${pascal(what)} = declareClaim({
  id: "${id}.${what}",
  family: "${family}",
  kind: "${kind}",
  statement: "${mechanism}: ${statement}",
  source: "TODO: the original (repository and path, paper or seed text)",
  bound: "${bound}",
});
`;
  files.set(
    `spec/${family}/${mechanism}/claims.ts`,
    `/**
 * Claims of ${mechanism} (${family}). Each is pending until a test in this
 * folder proves it with claimTest(); the gate fails on pending claims.
 *
 * @module
 */
import { declareClaim } from "../../_harness/claim.ts";
${
      claim(
        "oracle_gradcheck",
        "gradcheck",
        "oracle analytic gradients match central differences in f64",
        "max rel error <= 1e-6",
      )
    }${
      claim(
        "gpu_parity",
        "parity",
        "the GPU forward matches the f64 oracle within derived f32 bounds",
        "worst error/bound ratio <= 1",
      )
    }${
      claim(
        "fault_arguments",
        "fault",
        "bad input raises a typed error naming what was expected, before any GPU work",
        "0 cases without the documented error",
      )
    }`,
  );
  files.set(
    `spec/${family}/${mechanism}/${mechanism}_test.ts`,
    `// Tests of ${mechanism}: bind each claim of ./claims.ts with claimTest(claim, fn);
// GPU parity claims return differential(t, {...}) from spec/_harness/differential.ts.
import "./claims.ts";
`,
  );
  files.set(
    `spec/oracle/${family}/${mechanism}.ts`,
    `/**
 * f64 oracle of ${mechanism}: forward and analytic backward. The definition the
 * GPU implementation is checked against.
 *
 * @module
 */
export {};
`,
  );
  files.set(
    `impl/${family}/${mechanism}/${mechanism}.ts`,
    `/**
 * ${C} on WebGPU. Kernels live in ./kernels/, one program object per file
 * (defineProgram from impl/gpu/program.ts).
 *
 * @module
 */
export {};
`,
  );
  files.set(`impl/${family}/${mechanism}/kernels/.gitkeep`, "");
  return files;
}

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function pascal(s: string): string {
  const c = camel(s);
  return c[0]!.toUpperCase() + c.slice(1);
}

if (import.meta.main) {
  const [family, mechanism] = Deno.args;
  if (family === undefined || mechanism === undefined) {
    console.error("usage: deno task new <family> <mechanism>");
    Deno.exit(2);
  }
  let files: Map<string, string>;
  try {
    files = scaffold(family, mechanism);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(2);
  }
  for (const [path, content] of files) {
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
    `next: deno task gate -- --allow-pending lists ${family}.${mechanism}.* as pending; ` +
      `write the oracle, then the tests in spec/${family}/${mechanism}/`,
  );
}
