/**
 * Citations stand alone: every source, comment and docstring in the repository
 * cites what a user of the repository can open (the original's repository and
 * path, a paper, a standard, or memspec's own claims, docs and fixture
 * generators), never memspec's working notes: no `../shared/…` path, no claim
 * catalogue section or id (`catalogue B9`, `FWUD-01`, `DC-CB-11`), no seed
 * file of the build, no build issue number (`issue 5`).
 *
 * The scan reads impl/, spec/, invariants/, bench/, fixtures/gen/ and
 * README.md line by line, and also across each line break (the end of a line
 * joined to the start of the next, comment markers and string quotes dropped),
 * so a citation wrapped over two lines is caught too. The word "catalogue"
 * alone is fine (spec/_mutations keeps a catalogue of planted bugs).
 *
 * @module
 */
import { deepStrictEqual, ok } from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Folders and files the scan reads, relative to the repository root. */
export const SCANNED = ["impl", "spec", "invariants", "bench", "fixtures/gen", "README.md"];

/** This file: it spells every pattern out, so the scan skips it. */
const SELF = "spec/_harness/sources_test.ts";

/** File endings that hold text worth scanning. */
const TEXT_FILES = /\.(?:ts|js|py|md|wgsl|json|txt|sh)$/;

/** One kind of citation a user of the repository cannot follow. */
export interface ForeignPattern {
  /** What the pattern finds, as printed in a failure. */
  readonly name: string;
  /** The expression; a line (or line-break window) matching it fails. */
  readonly re: RegExp;
  /** Texts the pattern must flag (checked by the control test). */
  readonly examples: readonly string[];
}

/**
 * Ids of the claim catalogues, built from the prefixes they use: the
 * fastweights stubs (FWUD, KV, SRWM, C22, C1200, with -fix fixtures),
 * decepticons (DC-CB, DC-SUB, DC-BL, DC-OCM, DC-EX, DC-NG, DC-SB, DC-CODEC,
 * DC-CLI, DC-X; DC-sub-fix style fixtures; DCX-name), AMS (AMS-1, AMS-G3,
 * AMS-GATE, F-AMS-2), amygdala (AMY-3, AMY-E1) and Larkos (LK-C1, LK-SC1).
 */
const CATALOGUE_ID =
  /\b(?:FWUD|KV|SRWM|C22|C1200|AMS|AMY|LK|F-AMS|DC(?:-[A-Za-z]+)?)-(?:[A-Z]{0,4}\d|fix\b|GATE\b|[a-z]+-fix\b)|\bDCX-[a-z]+\b/;

/** Every kind of foreign citation the scan rejects. */
export const FOREIGN_PATTERNS: readonly ForeignPattern[] = [
  {
    name: "path into memspec's working notes",
    re: /\.\.\/shared\b|\bshared\/(?:claims|seeds|reference|hooks|DESIGN\.md)\b/,
    examples: [
      "(../shared/claims/fastweights-decepticons.md, B8.2)",
      'const SOURCE = "memspec error policy (shared/DESIGN.md: Errors)";',
      "shared/claims/fastweights-decepticons.md (Optimiser: global-norm clip)",
    ],
  },
  {
    name: "catalogue section or id",
    re: /\b[Cc]atalogue(?:'s)?[:\s]+(?:(?:section|part)\s+)?(?:§|[A-Z]{1,4}\d|[A-Z]+-|\d)/,
    examples: [
      "`fit`: the decepticons CLI's `fit` command (catalogue B9)",
      "source: `${RET}; catalogue DC-CB-17`,",
      "catalogue §0.3 findings 1–2",
      "catalogue 0.3 finding 1",
      "(seed 004, catalogue section A1)",
      "the claim catalogue's part B3 / C",
      "over 2000 steps (catalogue: 5.1)",
      "/** Catalogue C2: every substrate is causal. */",
    ],
  },
  {
    name: "claim catalogue",
    re: /\bclaim\s+catalogue/i,
    examples: ["Sources are the seed file and the claim catalogue's ids"],
  },
  {
    name: "bare catalogue id",
    re: CATALOGUE_ID,
    examples: [
      "/** FWUD-01. */",
      "catalogue KV-03",
      "/** SRWM-06. */",
      "/** DC-CODEC-01. */",
      "/** DC-OCM-01 and C2's causality gate for every memory. */",
      "even when the argmax is always right (DC-BL-08);",
      "/** C1200-04. */",
      "/** C22-01 / C22-03. */",
      "C1 DC-mem-fix",
      "FWUD-fix-2",
      "KV-fix",
      "DC-X-01",
      "DCX-views",
      "AMS-G3b",
      "F-AMS-2",
      "AMY-E1",
      "LK-SC1",
    ],
  },
  {
    name: "build issue number",
    re: /\bissues?\s+#?\d+/i,
    examples: [
      "issue 3",
      "catalogue B8.2 gated_delta; issue 5 mechanism 3",
      "/** Issue 5 'Byte LM' claim. */",
      "fixed in issue #12",
    ],
  },
  {
    name: "seed file of the build",
    re: /\b\d{3}_[0-9a-f]{16}\.txt\b|\bseed\s+00\d\b/,
    examples: [
      'const SEED = "seed 004_1c0bfdb6f312b6cb.txt (cybertronai/schmidhuber-problems PR #8)";',
      "001_c5ebacc4f0c68784.txt",
      "Causal-bank mechanisms (seed 001: asuramaya/decepticons)",
    ],
  },
  {
    name: "unshipped reference note",
    re: /\bperformance[ -]anchors\b/i,
    examples: ["(llvmpipe, 2 cores; performance anchors §2a)"],
  },
];

/** Citations every pattern must let through. */
export const LEGAL_CITATIONS: readonly string[] = [
  "source: `cybertronai/schmidhuber-problems PR #8, fast-weights-unknown-delay/README.md: ` + " +
  '"10/10 seeds reach 100.00% within 1500 iters"',
  "asuramaya/decepticons v0.1.3 src/decepticons/causal_bank.py, build_linear_bank",
  'asuramaya/decepticons README (a65b98d): "chunked parallel scan for learned_recurrence"',
  "src/decepticons/models/causal_bank_torch.py, CausalBankModel._chunked_recurrence_scan",
  "spec/oracle/fastweights/chunker.ts; fixtures/gen/fastweights_chunker_fixtures.py",
  "decepticons.predictive_coder.fixture_parity_ridge",
  "The catalogue of planted bugs, by family.",
  'Deno.test("the mutation catalogue is well-formed", () => {',
  "Checks the catalogue: unique ids, ids starting with family and mechanism,",
  "WGSL `x / y`: 2.5 ulp (WGSL §15.7.4.1)",
  "Kingma & Ba 2015, Algorithm 1; PyTorch torch.optim.Adam",
  "the gated delta rule (Yang, Kautz & Hatamizadeh 2024)",
  "after 1500 iterations every one of seeds 0..9 recalls the pattern; seed 0 at K = 20",
  "memspec error policy (README: Using the implementation, Errors)",
  "Mesa llvmpipe 22.3; chunker-22-symbol and chunker-very-deep-1200; KV binding at d = 8",
  "an issue with the adapter is reported as a NoAdapterError",
];

/** One foreign citation found in the tree. */
export interface Finding {
  /** Repository path. */
  readonly path: string;
  /** 1-based line (the first of the two when found across a line break). */
  readonly line: number;
  /** The pattern's name. */
  readonly pattern: string;
  /** The line's text, trimmed. */
  readonly text: string;
}

/** A line's end and the next line's start, comment markers and string quotes dropped. */
function joinAcrossBreak(line: string, next: string): string {
  const tail = line.replace(/["'`]\s*\+?\s*$/, "").slice(-60);
  const head = next.replace(/^\s*(?:\*|\/\/|#)?\s*["'`]?/, "").slice(0, 60);
  return `${tail} ${head}`;
}

/**
 * Every foreign citation of one file's text, line by line and across each
 * line break (a match found only across a break is reported at its first line).
 */
export function findForeignCitations(path: string, text: string): Finding[] {
  const lines = text.split("\n");
  const out: Finding[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    for (const p of FOREIGN_PATTERNS) {
      const here = p.re.test(line);
      const across = !here && next !== undefined && !p.re.test(next) &&
        p.re.test(joinAcrossBreak(line, next));
      if (here || across) out.push({ path, line: i + 1, pattern: p.name, text: line.trim() });
    }
  }
  return out;
}

async function walk(path: string, out: string[] = []): Promise<string[]> {
  const info = await Deno.stat(new URL(path, ROOT));
  if (info.isFile) {
    if (TEXT_FILES.test(path) && path !== SELF) out.push(path);
    return out;
  }
  const entries: string[] = [];
  for await (const e of Deno.readDir(new URL(path, ROOT))) {
    if (e.isDirectory || e.isFile) entries.push(e.name);
  }
  for (const name of entries.sort()) await walk(`${path}/${name}`, out);
  return out;
}

Deno.test("source patterns: legal citations pass, each pattern's examples fail", () => {
  const wrongly: string[] = [];
  for (const text of LEGAL_CITATIONS) {
    for (const p of FOREIGN_PATTERNS) {
      if (p.re.test(text)) wrongly.push(`${p.name} flags the legal ${JSON.stringify(text)}`);
    }
  }
  for (const p of FOREIGN_PATTERNS) {
    ok(p.examples.length > 0, `Cannot check pattern "${p.name}": expected examples but got none`);
    for (const text of p.examples) {
      if (!p.re.test(text)) wrongly.push(`${p.name} misses its example ${JSON.stringify(text)}`);
    }
  }
  // Wrapped over a line break, in a comment and in a concatenated string.
  const wrapped = [
    " * Sources are the seed file and the claim",
    " * catalogue's ids, B4 and B7.",
    '  source: `${ORIGINAL}; see the catalogue " +',
    '    "B8.1 for the decays`,',
  ].join("\n");
  const found = findForeignCitations("wrapped.ts", wrapped).map((f) => `${f.line} ${f.pattern}`);
  if (!found.includes("1 claim catalogue")) wrongly.push(`wrapped "claim catalogue": ${found}`);
  if (!found.includes("3 catalogue section or id")) {
    wrongly.push(`wrapped "catalogue B8.1": ${found}`);
  }
  const clean = findForeignCitations("clean.ts", LEGAL_CITATIONS.join("\n"));
  if (clean.length > 0) {
    wrongly.push(`legal citations joined line by line: ${JSON.stringify(clean)}`);
  }
  deepStrictEqual(wrongly, []);
});

Deno.test("every citation in the tree is one a user of the repository can follow", async () => {
  const files: string[] = [];
  for (const root of SCANNED) await walk(root, files);
  ok(files.length > 100, `Cannot scan the tree: expected over 100 files but found ${files.length}`);
  const findings: string[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    for (const f of findForeignCitations(file, text)) {
      findings.push(`${f.path}:${f.line}: ${f.pattern}: ${f.text}`);
    }
  }
  if (findings.length > 0) {
    throw new Error(
      `Cannot accept the tree's citations: expected none that point outside the repository ` +
        `(cite the original's repository and path, a paper, or memspec's own docs) but got ` +
        `${findings.length}:\n${findings.join("\n")}`,
    );
  }
});
