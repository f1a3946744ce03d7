/**
 * Tests of the fixture loader: a well-formed text parses into the expected
 * cases (the control), and every kind of malformed text fails with a
 * SyntaxError naming the file and the 1-based line; hashes are verified
 * against the manifest.
 *
 * @module
 */
import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import {
  FIXTURE_MANIFEST,
  listFixtures,
  loadFixture,
  OP_FIXTURE_DIR,
  parseFixture,
} from "./fixtures.ts";

const HEADER = "case,tensor,dtype,shape,values";

/** A well-formed two-case file exercising every role, dtype and value spelling. */
const GOOD = [
  HEADER,
  "pair,input0,f32,2x3,0.5 -1 2 0 1.5 -0.25",
  "pair,input1,i32,3,0 2 -7",
  "pair,attr.axis,attr,,-1",
  "pair,attr.perm,attr,2,1 0",
  "pair,grad_output,f32,3,1 1 0.5",
  "pair,output,f64,3,NaN Infinity -Infinity",
  "pair,grad_input0,f64,2x3,1e-300 -2.5e+10 0.1 0 -0 3",
  "scalar,input0,f32,,0.10000000149011612",
  "scalar,output,f64,,0.1",
  "",
].join("\n");

Deno.test("parseFixture reads a well-formed fixture (control)", () => {
  const cases = parseFixture(GOOD, "good.csv");
  strictEqual(cases.length, 2);
  const [pair, scalar] = cases as [(typeof cases)[0], (typeof cases)[0]];
  strictEqual(pair.name, "pair");
  strictEqual(pair.line, 2);
  deepStrictEqual(pair.inputs.map((x) => [x.shape, x.dtype, x.differentiable]), [
    [[2, 3], "f32", true],
    [[3], "i32", false],
  ]);
  deepStrictEqual(Array.from(pair.inputs[1]!.values), [0, 2, -7]);
  deepStrictEqual(pair.attrs, { axis: -1, perm: [1, 0] });
  deepStrictEqual(Array.from(pair.gradOutput!.data), [1, 1, 0.5]);
  ok(Number.isNaN(pair.output.data[0]!));
  deepStrictEqual(Array.from(pair.output.data.slice(1)), [Infinity, -Infinity]);
  deepStrictEqual(pair.gradInputs[0]!.shape, [2, 3]);
  ok(Object.is(pair.gradInputs[0]!.data[4], -0));
  strictEqual(pair.gradInputs[0]!.data[1], -2.5e10);
  strictEqual(pair.gradInputs[1], null);
  strictEqual(scalar.line, 9);
  deepStrictEqual(scalar.output.shape, []);
  strictEqual(scalar.output.data[0], 0.1);
  strictEqual(scalar.inputs[0]!.values[0], Math.fround(0.1));
  strictEqual(scalar.gradOutput, null);
  deepStrictEqual(scalar.gradInputs, [null]);
});

Deno.test("parseFixture accepts CRLF line endings", () => {
  strictEqual(parseFixture(GOOD.replaceAll("\n", "\r\n"), "crlf.csv").length, 2);
});

/** GOOD with line `line` (1-based) replaced. */
function withLine(line: number, text: string): string {
  const lines = GOOD.split("\n");
  lines[line - 1] = text;
  return lines.join("\n");
}

const MALFORMED: [label: string, text: string, message: string][] = [
  [
    "too few columns",
    withLine(7, "pair,output,f64,3"),
    "Cannot parse fixtures/ops/add.csv line 7: expected 5 columns but found 4",
  ],
  [
    "too many columns",
    withLine(3, "pair,input1,i32,3,0 2 -7,extra"),
    "line 3: expected 5 columns but found 6",
  ],
  ["a blank line between rows", withLine(9, ""), "line 9: expected 5 columns but found 1"],
  ["wrong header", withLine(1, "case,role,dtype,shape,values"), "line 1: expected the header"],
  ["empty file", "", "line 1: empty file"],
  ["header only", HEADER + "\n", "line 1: no cases after the header"],
  ["unknown role", withLine(4, "pair,attribute.axis,attr,,-1"), "line 4: unknown tensor role"],
  ["unknown dtype", withLine(3, "pair,input1,int64,3,0 2 -7"), 'line 3: unknown dtype "int64"'],
  [
    "dtype not allowed for the role",
    withLine(7, "pair,output,f32,3,1 2 3"),
    "line 7: tensor output has dtype f32, expected f64",
  ],
  ["malformed shape", withLine(3, "pair,input1,i32,3x,0 2 -7"), 'line 3: malformed shape "3x"'],
  ["shape/values mismatch", withLine(3, "pair,input1,i32,4,0 2 -7"), "line 3: shape 4 needs 4"],
  ["scalar with no value", withLine(10, "scalar,output,f64,,"), "line 10: shape (scalar) needs 1"],
  ["not a number", withLine(6, "pair,grad_output,f32,3,1 one 0.5"), 'line 6: value 1 "one"'],
  ["hexadecimal", withLine(6, "pair,grad_output,f32,3,1 0x1 0.5"), 'line 6: value 1 "0x1"'],
  ["i32 not an integer", withLine(3, "pair,input1,i32,3,0 2.5 -7"), 'line 3: value 1 "2.5"'],
  ["i32 out of range", withLine(3, "pair,input1,i32,3,0 2147483648 -7"), "line 3: value 1"],
  ["f32 not representable", withLine(9, "scalar,input0,f32,,0.1"), 'line 9: value 0 "0.1"'],
  ["attribute of rank 2", withLine(5, "pair,attr.perm,attr,1x2,1 0"), "line 5: attribute"],
  ["duplicate role", withLine(5, "pair,attr.axis,attr,,0"), 'line 5: case "pair" has a second'],
  [
    "case rows not contiguous",
    GOOD + "pair,attr.extra,attr,,1\n",
    'line 11: case "pair" continues after other cases',
  ],
  [
    "missing output",
    withLine(10, "scalar,attr.axis,attr,,0"),
    'line 9: case "scalar" has no output',
  ],
  [
    "missing input0",
    withLine(2, "pair,input2,f32,2x3,0.5 -1 2 0 1.5 -0.25"),
    'line 3: case "pair" has input1 but no input0',
  ],
  [
    "grad_input shape differs from its input",
    withLine(8, "pair,grad_input0,f64,6,1 2 3 4 5 6"),
    "line 8: grad_input0 shape [6] differs from input0 shape [2, 3]",
  ],
  [
    "grad_input without an input",
    withLine(8, "pair,grad_input5,f64,1,1"),
    "line 8: grad_input5 has no input5",
  ],
  [
    "grad_input of an i32 input",
    withLine(8, "pair,grad_input1,f64,3,1 2 3"),
    "line 8: grad_input1 belongs to an i32 input",
  ],
  [
    "grad_output shape differs from the output",
    withLine(6, "pair,grad_output,f32,2,1 1"),
    "line 6: grad_output shape [2] differs from the output shape [3]",
  ],
  [
    "grad_input without grad_output",
    withLine(6, "pair,attr.other,attr,,1"),
    'line 2: case "pair" has input gradients but no grad_output',
  ],
  ["empty case name", withLine(9, ",input0,f32,,1"), "line 9: empty case name"],
  [
    "unclosed quote",
    withLine(9, 'scalar,"input0,f32,,1'),
    "Cannot parse fixtures/ops/add.csv line",
  ],
  ["quoted newline", withLine(9, 'scalar,input0,f32,,"1\n2"'), "a field spans several lines"],
];

for (const [label, text, message] of MALFORMED) {
  Deno.test(`parseFixture rejects a malformed fixture: ${label}`, () => {
    throws(() => parseFixture(text, "fixtures/ops/add.csv"), (e: unknown) => {
      ok(e instanceof SyntaxError, `expected a SyntaxError, got ${e}`);
      ok(
        e.message.startsWith("Cannot parse fixtures/ops/add.csv line "),
        `message names the file and line: ${e.message}`,
      );
      ok(e.message.includes(message), `"${e.message}" should contain "${message}"`);
      return true;
    });
  });
}

const ROOT = new URL("../../", import.meta.url);
const SCRATCH = "out/fixtures_test";

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Writes `files` and a manifest listing `hashes` under a fresh scratch directory. */
async function scratch(
  name: string,
  files: Record<string, string>,
  hashes: Record<string, string>,
): Promise<{ dir: string; manifest: string }> {
  const dir = `${SCRATCH}/${name}`;
  await Deno.mkdir(new URL(dir + "/", ROOT), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await Deno.writeTextFile(new URL(`${dir}/${file}`, ROOT), text);
  }
  const manifest = `${dir}/manifest.json`;
  const entries = Object.fromEntries(
    Object.entries(hashes).map(([file, sha]) => [`${dir}/${file}`, { sha256: sha }]),
  );
  await Deno.writeTextFile(new URL(manifest, ROOT), JSON.stringify({ files: entries }));
  return { dir, manifest };
}

Deno.test("loadFixture verifies the sha256 and parses (control)", async () => {
  const { dir, manifest } = await scratch("ok", { "neg.csv": GOOD }, {
    "neg.csv": await sha256(GOOD),
  });
  const f = await loadFixture(`${dir}/neg.csv`, { manifest });
  strictEqual(f.op, "neg");
  strictEqual(f.cases.length, 2);
  strictEqual(f.sha256, await sha256(GOOD));
});

Deno.test("loadFixture rejects a file whose sha256 differs from the manifest", async () => {
  const { dir, manifest } = await scratch("stale", { "neg.csv": GOOD }, {
    "neg.csv": "0".repeat(64),
  });
  await rejects(loadFixture(`${dir}/neg.csv`, { manifest }), (e: unknown) => {
    ok(e instanceof Error && !(e instanceof SyntaxError));
    ok(e.message.includes(`${dir}/neg.csv`) && e.message.includes("deno task fixtures"), e.message);
    return true;
  });
});

Deno.test("loadFixture rejects a file the manifest does not list", async () => {
  const { dir, manifest } = await scratch("unlisted", { "neg.csv": GOOD }, {});
  await rejects(loadFixture(`${dir}/neg.csv`, { manifest }), /not listed in .*deno task fixtures/);
});

Deno.test("loadFixture reports malformed content with file and line after the hash check", async () => {
  const bad = withLine(7, "pair,output,f64,3");
  const { dir, manifest } = await scratch("bad", { "add.csv": bad }, {
    "add.csv": await sha256(bad),
  });
  await rejects(
    loadFixture(`${dir}/add.csv`, { manifest }),
    new SyntaxError(`Cannot parse ${dir}/add.csv line 7: expected 5 columns but found 4`),
  );
});

Deno.test("every op fixture is listed in the manifest and loads", async () => {
  const files = listFixtures(OP_FIXTURE_DIR);
  ok(files.length > 0, `no fixtures under ${OP_FIXTURE_DIR}`);
  const manifest = JSON.parse(await Deno.readTextFile(new URL(FIXTURE_MANIFEST, ROOT))) as {
    files: Record<string, { rows: number; cases: number; claims: string[] }>;
  };
  for (const path of files) {
    const f = await loadFixture(path);
    const entry = manifest.files[path]!;
    strictEqual(f.cases.length, entry.cases, `${path}: case count`);
    ok(f.cases.length >= 3, `${path}: at least three cases`);
    deepStrictEqual(entry.claims, [`ops.${f.op}.fixture_parity`]);
  }
  for (const listed of Object.keys(manifest.files)) {
    if (listed.startsWith(`${OP_FIXTURE_DIR}/`)) ok(files.includes(listed), `${listed} is missing`);
  }
});
