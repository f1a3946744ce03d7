/**
 * Code generation of the retention scans: one invocation owns a block of four
 * state columns j..j+3 and keeps every state row c of that block in its own
 * vec4 register (`s[c]` in a row template becomes the variable `s_c`), the
 * row loops unrolled in their order. Each lane of a vec4 is one column and
 * sees exactly the scalar loop's operations in the scalar loop's order, so
 * every value rounds as before; the row loops no longer count against the
 * adapter's loop budget, and the state never touches memory between steps.
 *
 * @example Row 2 of a template, and a vec4 stored over the lanes of a column block
 * ```ts
 * import { atRow, lanes } from "./unroll.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(atRow("s[c] = g * s[c] + ks[st * 8u + c];", 2), "s_2 = g * s_2 + ks[st * 8u + 2u];");
 * strictEqual(
 *   lanes("os[t * 4u + j] = o;", 4),
 *   "os[t * 4u + (j + 0u)] = (o).x; os[t * 4u + (j + 1u)] = (o).y; " +
 *     "os[t * 4u + (j + 2u)] = (o).z; os[t * 4u + (j + 3u)] = (o).w;",
 * );
 * ```
 *
 * @module
 */

/** Columns per invocation of the scans (one vec4 lane each) up to UNROLL_MAX_ROWS rows. */
export const SCAN_LANES = 4;

const LANE = ["x", "y", "z", "w"] as const;

/** `template` for row c: `name[c]` becomes the register `name_c`, any other `c` the constant. */
export function atRow(template: string, c: number): string {
  return template.replace(/\b(\w+)\[c\]/g, `$1_${c}`).replace(/\bc\b/g, `${c}u`);
}

/**
 * Largest key size whose rows are unrolled into vec4 registers. Past it a scan owns one
 * column per invocation and keeps it in a scalar private array walked by loops (the
 * same templates: `name[c]` is then the array element, a lane statement is the plain
 * statement): llvmpipe's compile time explodes on an unrolled or vec4-array state of a
 * few hundred rows (48 s for one 256-row kernel), not on a scalar array.
 */
export const UNROLL_MAX_ROWS = 64;

/** Columns per scan invocation at key size dk: SCAN_LANES, or 1 past UNROLL_MAX_ROWS. */
export function scanLanes(dk: number): number {
  return dk <= UNROLL_MAX_ROWS ? SCAN_LANES : 1;
}

/** The zero of a per-lane temporary at key size dk (a vec4 or, one column wide, an f32). */
export function laneZero(dk: number): string {
  return dk <= UNROLL_MAX_ROWS ? "vec4f(0.0)" : "0.0";
}

/**
 * The component selector a scan appends to its vec4 history buffers: none when it owns
 * a whole block, else `[jl]` (the WGSL variable jl = j % 4 picks its column's lane).
 */
export function lanePick(dk: number): string {
  return dk <= UNROLL_MAX_ROWS ? "" : "[jl]";
}

/**
 * WGSL that splits the invocation index `gi` into its sequence `n`, first column `j`,
 * vec4 block `jb` (and `jl`, the column's lane, when one column wide).
 */
export function scanColumns(dk: number, dv: number, sequences = "prm.n"): string {
  const lanes = scanLanes(dk);
  const per = Math.ceil(dv / lanes);
  const head = `if (gi >= ${sequences} * ${per}u) { return; }
  let n = gi / ${per}u;`;
  return lanes === 1
    ? `${head}
  let j = gi % ${dv}u;
  let jb = j / ${SCAN_LANES}u;
  let jl = j % ${SCAN_LANES}u;`
    : `${head}
  let jb = gi % ${per}u;
  let j = jb * ${SCAN_LANES}u;`;
}

/** Loop headers of one row loop at key size dk: 0 when unrolled, else dk + 1. */
export function rowLoop(dk: number): number {
  return dk <= UNROLL_MAX_ROWS ? 0 : dk + 1;
}

/** `template` for rows 0..dk−1 in order: one line per row, or a loop past UNROLL_MAX_ROWS. */
export function unrollRows(dk: number, template: string, indent = "  "): string {
  if (dk > UNROLL_MAX_ROWS) return `for (var c = 0u; c < ${dk}u; c++) { ${template} }`;
  const out: string[] = [];
  for (let c = 0; c < dk; c++) out.push(atRow(template, c));
  return out.join(`\n${indent}`);
}

/**
 * Declarations of the zeroed per-row registers name_0..name_{dk−1} (vec4, or f32 with
 * `scalar`), or past UNROLL_MAX_ROWS of the f32 array `name` (one column per invocation).
 */
export function registers(name: string, dk: number, scalar = false): string {
  if (dk > UNROLL_MAX_ROWS) return `var ${name}: array<f32, ${dk}>;`;
  const zero = scalar ? "0.0" : "vec4f(0.0)";
  return Array.from({ length: dk }, (_, c) => `var ${name}_${c} = ${zero};`).join(" ");
}

/**
 * The lanes of one statement over the column block j..j+3 (`j` in it is the
 * block's first column; columns past `cols` are skipped, their lanes left 0):
 * - `let X = EXPR;` declares the vec4 X with lane l = EXPR at column j + l;
 * - `TARGET = VALUE;` stores lane l of the vec4 VALUE to TARGET at column j + l.
 * With `dk` past UNROLL_MAX_ROWS (one column per invocation) the statement is kept as is.
 */
export function lanes(statement: string, cols: number, dk = 0): string {
  const s = statement.trim();
  if (scanLanes(dk) === 1) return s;
  const at = (text: string, l: number) => text.replace(/\bj\b/g, `(j + ${l}u)`);
  const guard = (l: number, body: string) =>
    cols % SCAN_LANES === 0 ? body : `if (j + ${l}u < ${cols}u) { ${body} }`;
  const decl = /^let (\w+) = (.*);$/s.exec(s);
  if (decl !== null) {
    const [, name, expr] = decl as unknown as [string, string, string];
    const set = LANE.map((l, i) => guard(i, `${name}.${l} = ${at(expr, i)};`));
    return `var ${name} = vec4f(0.0); ${set.join(" ")}`;
  }
  const store = /^(.*?) = (.*);$/s.exec(s);
  if (store === null) throw new TypeError(`Cannot expand lanes of "${statement}"`);
  const [, target, value] = store as unknown as [string, string, string];
  return LANE.map((l, i) => guard(i, `${at(target, i)} = (${value}).${l};`)).join(" ");
}

/**
 * A statement that names the bindings a compiled variant does not use, so the
 * pipeline's derived layout keeps them (the host binds every declared buffer);
 * it runs only when the uniform `prm.n` is 0, which a launch never has after its
 * early return. `reads` are read-only f32 bindings, `writes` read-write ones
 * (`vec4` when their element type is vec4f).
 */
export function keepBindings(
  reads: readonly string[],
  writes: readonly { name: string; vec4?: boolean }[],
): string {
  if (reads.length === 0 && writes.length === 0) return "";
  const sum = ["0.0", ...reads.map((r) => `${r}[0]`)].join(" + ");
  const stores = writes.length === 0
    ? `if (${sum} == 1.0) { return; }`
    : writes.map((w) => `${w.name}[0] = ${w.vec4 ? `vec4f(${sum})` : sum};`).join(" ");
  return `if (prm.n == 0u) { ${stores} }`;
}
