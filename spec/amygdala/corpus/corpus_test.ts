/**
 * Proofs of ./claims.ts: the positives/negatives rule, dedup, pooling and preflight.
 *
 * @module
 */
import fc from "fast-check";
import {
  type ActivationSource,
  conceptSets,
  type Corpus,
  CorpusError,
  poolLast,
  readCorpus,
  trainReadout,
} from "../../../impl/amygdala/mod.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import {
  parseTrainArgs,
  readModelRecord,
  runTrain,
  UsageError,
} from "../../../impl/apps/amygdala_cli.ts";
import { CORPUS_DEDUP, CORPUS_FAULT, CORPUS_POOLING, CORPUS_RULE } from "./claims.ts";

const TMP = "out/tmp";
const SHIPPED = "fixtures/corpus/amygdala";

async function tempDir(): Promise<string> {
  await Deno.mkdir(TMP, { recursive: true });
  return await Deno.makeTempDir({ dir: TMP, prefix: "amygdala_corpus_" });
}

class Failures {
  readonly list: string[] = [];
  cases = 0;
  check(ok: boolean, what: () => string): void {
    this.cases++;
    if (!ok) this.list.push(what());
  }
  measurement(detail: string): Measurement {
    return {
      figure: this.list.length,
      bound: 0,
      pass: this.list.length === 0,
      detail: this.list.length > 0
        ? `${this.list.length} failures: ${this.list.slice(0, 4).join("; ")}`
        : `${this.cases} checks; ${detail}`,
    };
  }
}

/** A source of deterministic vectors that records what it was asked. */
function countingSource(hidden: readonly number[] = [4]) {
  const calls: string[][] = [];
  const source: ActivationSource = {
    layers: hidden.map((_, i) => i),
    hiddenSizes: hidden,
    activate(texts) {
      calls.push([...texts]);
      const layers = new Map(hidden.map((h, l) => [l, {
        hidden: h,
        pooled: Float32Array.from(
          texts.flatMap((t) =>
            Array.from({ length: h }, (_, k) => ((t.length * (k + 3) + l) % 17) - 8 + k / 7)
          ),
        ),
      }]));
      return Promise.resolve({ layers });
    },
  };
  return { source, calls };
}

// ------------------------------------------------------------------ the rule

interface CorpusSpec {
  stories: Record<string, string[]>;
  paired: Record<string, { baseline: string[]; framed: Record<string, string[]> }>;
}

async function writeCorpus(dir: string, spec: CorpusSpec): Promise<void> {
  await Deno.mkdir(`${dir}/stories`, { recursive: true });
  await Deno.mkdir(`${dir}/paired`, { recursive: true });
  for (const [c, texts] of Object.entries(spec.stories)) {
    await Deno.writeTextFile(`${dir}/stories/${c}.txt`, texts.join("\n\n") + "\n");
  }
  for (const [s, p] of Object.entries(spec.paired)) {
    await Deno.mkdir(`${dir}/paired/${s}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/paired/${s}/baseline.txt`, p.baseline.join("\n\n"));
    for (const [c, texts] of Object.entries(p.framed)) {
      await Deno.writeTextFile(`${dir}/paired/${s}/${c}.txt`, texts.join("\n \n"));
    }
  }
}

/** The rule enumerated from the spec, independently of readCorpus's maps. */
function expectedSets(spec: CorpusSpec, concept: string) {
  const pos = new Set<string>(spec.stories[concept] ?? []);
  for (const p of Object.values(spec.paired)) for (const t of p.framed[concept] ?? []) pos.add(t);
  const neg = new Set<string>();
  for (const [c, texts] of Object.entries(spec.stories)) {
    if (c !== concept) { for (const t of texts) neg.add(t); }
  }
  for (const p of Object.values(spec.paired)) for (const t of p.baseline) neg.add(t);
  for (const t of pos) neg.delete(t);
  return { pos, neg };
}

function sameSet(list: readonly string[], want: Set<string>): boolean {
  return list.length === want.size && new Set(list).size === list.length &&
    list.every((t) => want.has(t));
}

function checkRule(f: Failures, corpus: Corpus, spec: CorpusSpec, where: string): void {
  for (const c of corpus.concepts) {
    const { positives, negatives } = conceptSets(corpus, c);
    const want = expectedSets(spec, c);
    f.check(sameSet(positives, want.pos), () => `${where} ${c}: positives differ`);
    f.check(sameSet(negatives, want.neg), () => `${where} ${c}: negatives differ`);
  }
}

async function shippedSpec(): Promise<CorpusSpec> {
  // Read the shipped files directly (split on blank lines), not through readCorpus.
  const split = (s: string) => s.split(/\n\s*\n/).map((t) => t.trim()).filter((t) => t !== "");
  const spec: CorpusSpec = { stories: {}, paired: {} };
  for await (const e of Deno.readDir(`${SHIPPED}/stories`)) {
    spec.stories[e.name.slice(0, -4)] = split(
      await Deno.readTextFile(`${SHIPPED}/stories/${e.name}`),
    );
  }
  for await (const s of Deno.readDir(`${SHIPPED}/paired`)) {
    const p = { baseline: [] as string[], framed: {} as Record<string, string[]> };
    for await (const e of Deno.readDir(`${SHIPPED}/paired/${s.name}`)) {
      const texts = split(await Deno.readTextFile(`${SHIPPED}/paired/${s.name}/${e.name}`));
      if (e.name === "baseline.txt") p.baseline = texts;
      else p.framed[e.name.slice(0, -4)] = texts;
    }
    spec.paired[s.name] = p;
  }
  return spec;
}

claimTest(CORPUS_RULE, async () => {
  const f = new Failures();
  const shipped = await readCorpus(SHIPPED);
  checkRule(f, shipped, await shippedSpec(), "shipped");
  f.check(shipped.concepts.length >= 4, () => `shipped corpus has ${shipped.concepts.length}`);
  const dir = await tempDir();
  let runs = 0;
  try {
    const pool = ["t0.", "t1.", "t2.", "t3.", "t4.", "t5.", "t6.", "t7.", "t8.", "t9."];
    const texts = fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 3 });
    const concept = fc.constantFrom("a", "b", "c", "d");
    const arb = fc.record({
      stories: fc.dictionary(concept, texts, { maxKeys: 4 }),
      paired: fc.dictionary(
        fc.constantFrom("s1", "s2", "s3"),
        fc.record({ baseline: texts, framed: fc.dictionary(concept, texts, { maxKeys: 4 }) }),
        { maxKeys: 3 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (spec: CorpusSpec) => {
        const names = new Set([
          ...Object.keys(spec.stories),
          ...Object.values(spec.paired).flatMap((p) => Object.keys(p.framed)),
        ]);
        if (names.size === 0) return;
        runs++;
        const d = `${dir}/${runs}`;
        await writeCorpus(d, spec);
        const starved = [...names].find((c) => expectedSets(spec, c).neg.size === 0);
        try {
          const corpus = await readCorpus(d, { minPositives: 1 });
          f.check(starved === undefined, () => `run ${runs}: ${starved} has no negatives`);
          f.check(
            corpus.concepts.join() === [...names].sort().join(),
            () => `run ${runs}: concepts ${corpus.concepts}`,
          );
          checkRule(f, corpus, spec, `run ${runs}`);
        } catch (e) {
          f.check(
            starved !== undefined && e instanceof CorpusError && e.concept !== null,
            () => `run ${runs}: ${e}`,
          );
        }
      }),
      fcParams(40),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return f.measurement(`shipped corpus (${shipped.concepts.length} concepts) + ${runs} fuzzed`);
});

// ------------------------------------------------------------------ dedup

claimTest(CORPUS_DEDUP, async () => {
  const f = new Failures();
  const corpus = await readCorpus(SHIPPED);
  const { source, calls } = countingSource();
  const trained = await trainReadout(corpus, source, { method: "pooled" });
  const asked = calls.flat();
  const seen = new Map<string, number>();
  for (const t of asked) seen.set(t, (seen.get(t) ?? 0) + 1);
  const repeated = [...seen.values()].filter((n) => n > 1).length;
  f.check(repeated === 0, () => `${repeated} texts asked for more than once`);
  f.check(calls.length === 1, () => `${calls.length} calls to activate`);
  let uses = 0;
  for (const s of trained.sets.values()) {
    for (const t of [...s.positives, ...s.negatives]) {
      uses++;
      f.check(seen.has(t), () => `a used text was never asked for`);
    }
  }
  // A corpus with the same text filed several times (two stories files and a baseline).
  const dir = await tempDir();
  try {
    await writeCorpus(dir, {
      stories: { a: ["same.", "a1."], b: ["same.", "b1."] },
      paired: { s: { baseline: ["same.", "base."], framed: { a: ["fa."], b: ["fb."] } } },
    });
    const rep = countingSource();
    await trainReadout(await readCorpus(dir), rep.source, { method: "pooled" });
    const all = rep.calls.flat();
    f.check(
      rep.calls.length === 1 && all.length === new Set(all).size &&
        all.filter((t) => t === "same.").length === 1 && all.length === 6,
      () => `repeated text: asked ${JSON.stringify(rep.calls)}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return f.measurement(
    `${asked.length} unique texts asked in ${calls.length} call for ${uses} uses across ` +
      `${corpus.concepts.length} concepts; a text filed 3 times asked once`,
  );
});

// ------------------------------------------------------------------ pooling

claimTest(CORPUS_POOLING, () => {
  const f = new Failures();
  let runs = 0;
  const arb = fc.integer({ min: 1, max: 6 }).chain((b) =>
    fc.record({
      b: fc.constant(b),
      t: fc.integer({ min: 1, max: 9 }),
      h: fc.integer({ min: 1, max: 4 }),
      fracs: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
        minLength: b,
        maxLength: b,
      }),
    })
  );
  fc.assert(
    fc.property(arb, ({ b, t, h, fracs }) => {
      runs++;
      const lens = fracs.map((q) => 1 + Math.min(t - 1, Math.floor(q * t)));
      // x[i, j, k] encodes (row, position, feature), so a pooled value names its source.
      const x = Float32Array.from({ length: b * t * h }, (_, n) => {
        const i = Math.floor(n / (t * h));
        const j = Math.floor(n / h) % t;
        return i * 1000 + j * 10 + (n % h);
      });
      const right = new Uint8Array(b * t);
      const left = new Uint8Array(b * t);
      lens.forEach((len, i) => {
        right.fill(1, i * t, i * t + len);
        left.fill(1, i * t + t - len, i * t + t);
      });
      const where = `B=${b} T=${t} H=${h} lens=[${lens}]`;
      const r = poolLast(x, right, b, t, h, "right");
      const l = poolLast(x, left, b, t, h, "left");
      lens.forEach((len, i) => {
        for (let k = 0; k < h; k++) {
          f.check(r[i * h + k] === i * 1000 + (len - 1) * 10 + k, () => `${where}: right row ${i}`);
          f.check(l[i * h + k] === i * 1000 + (t - 1) * 10 + k, () => `${where}: left row ${i}`);
        }
      });
      const padded = lens.some((len) => len < t);
      for (const [mask, side] of [[left, "right"], [right, "left"]] as const) {
        let refused = false;
        try {
          poolLast(x, mask, b, t, h, side);
        } catch (e) {
          refused = e instanceof CorpusError && /batch is (left|right)-padded/.test(e.message);
        }
        f.check(
          refused === padded,
          () =>
            `${where}: a ${side === "right" ? "left" : "right"}-padded batch pooled as ` +
            `${side}: ${refused ? "refused" : "accepted"}`,
        );
      }
    }),
    fcParams(200),
  );
  for (
    const [what, mask] of [
      ["hole", [1, 0, 1]],
      ["empty row", [0, 0, 0]],
      ["non-binary", [1, 2, 0]],
    ] as const
  ) {
    let refused = false;
    try {
      poolLast(new Float32Array(3), mask, 1, 3, 1, "right");
    } catch (e) {
      refused = e instanceof CorpusError;
    }
    f.check(refused, () => `${what}: accepted`);
  }
  return f.measurement(`${runs} fuzzed batches, each pooled both ways and mis-padded`);
});

// ------------------------------------------------------------------ preflight faults

claimTest(CORPUS_FAULT, async () => {
  const f = new Failures();
  const dir = await tempDir();
  const expectCorpusError = async (
    what: string,
    run: () => Promise<unknown>,
    pattern: RegExp,
    named: { path?: RegExp; concept?: string },
  ) => {
    try {
      await run();
      f.check(false, () => `${what}: no error`);
    } catch (e) {
      f.check(
        e instanceof CorpusError && pattern.test(e.message) &&
          (named.path === undefined || named.path.test(e.path ?? "")) &&
          (named.concept === undefined || e.concept === named.concept),
        () => `${what}: got ${e instanceof Error ? `${e.name}: ${e.message}` : e}`,
      );
    }
  };
  try {
    await expectCorpusError(
      "missing folder",
      () => readCorpus(`${dir}/nope`),
      /nope: expected a folder/,
      { path: /nope$/ },
    );
    await Deno.mkdir(`${dir}/bare/other`, { recursive: true });
    await expectCorpusError(
      "no stories or paired",
      () => readCorpus(`${dir}/bare`),
      /expected a stories\/ or a paired\/ folder/,
      { path: /bare$/ },
    );
    await writeCorpus(`${dir}/nobase`, {
      stories: { a: ["x.", "y."], b: ["z.", "w."] },
      paired: {},
    });
    await Deno.mkdir(`${dir}/nobase/paired/s1`);
    await Deno.writeTextFile(`${dir}/nobase/paired/s1/a.txt`, "framed.");
    await expectCorpusError(
      "scenario without baseline",
      () => readCorpus(`${dir}/nobase`),
      /expected a non-empty baseline\.txt/,
      { path: /paired\/s1\/baseline\.txt$/ },
    );
    await writeCorpus(`${dir}/badname`, {
      stories: { a: ["x.", "y."], "b c": ["z.", "w."] },
      paired: {},
    });
    await expectCorpusError(
      "malformed concept name",
      () => readCorpus(`${dir}/badname`),
      /expected a concept name.*"b c"/,
      { path: /b c\.txt$/ },
    );
    await writeCorpus(`${dir}/few`, {
      stories: { a: ["x.", "y."], b: ["z."] },
      paired: {},
    });
    await expectCorpusError(
      "too few positives",
      () => readCorpus(`${dir}/few`, { minPositives: 2 }),
      /concept "b".*at least 2 positive texts.*got 1/,
      { concept: "b" },
    );
    await Deno.mkdir(`${dir}/empty/stories`, { recursive: true });
    await Deno.writeTextFile(`${dir}/empty/stories/a.txt`, "\n \n");
    await expectCorpusError(
      "only empty files",
      () => readCorpus(`${dir}/empty`),
      /expected at least one concept with texts/,
      { path: /empty$/ },
    );
    // Empty files are skipped with a warning naming them.
    await writeCorpus(`${dir}/skip`, {
      stories: { a: ["x.", "y."], b: ["z.", "w."] },
      paired: {},
    });
    await Deno.writeTextFile(`${dir}/skip/stories/c.txt`, "");
    const warned: string[] = [];
    const skip = await readCorpus(`${dir}/skip`, { warn: (m) => warned.push(m) });
    f.check(
      warned.length === 1 && /skip\/stories\/c\.txt: the file is empty/.test(warned[0]!) &&
        skip.warnings.join() === warned.join() && !skip.concepts.includes("c"),
      () => `empty file: warnings ${JSON.stringify(warned)}, concepts ${skip.concepts}`,
    );
    // Training faults, before any activation is computed.
    const corpus = await readCorpus(SHIPPED);
    const mixed = countingSource([3, 4]);
    await expectCorpusError(
      "mismatched hidden sizes",
      () => trainReadout(corpus, mixed.source, { layers: [0, 1] }),
      /expected one hidden size.*got 3, 4/,
      {},
    );
    await expectCorpusError(
      "unknown layer",
      () => trainReadout(corpus, mixed.source, { layers: [5] }),
      /layer 5: expected one of the source's layers/,
      {},
    );
    f.check(mixed.calls.length === 0, () => `${mixed.calls.length} activation calls`);
    // A source that ignores options.tokens cannot serve the subspace method: named, not a
    // TypeError on an undefined row.
    await expectCorpusError(
      "subspace without per-byte states",
      () => trainReadout(corpus, countingSource([4]).source, { method: "subspace" }),
      /subspace readout at layer 0: expected the activation source to return per-byte states .* but got none/,
      {},
    );
    const nan: ActivationSource = {
      layers: [0],
      hiddenSizes: [2],
      activate: (texts) =>
        Promise.resolve({
          layers: new Map([[0, {
            hidden: 2,
            pooled: Float32Array.from(texts.flatMap((_, i) => [i === 3 ? NaN : 1, 0])),
          }]]),
        }),
    };
    await expectCorpusError(
      "NaN activation",
      () => trainReadout(corpus, nan),
      /layer 0: expected finite values but text ".*" has NaN at hidden index 0/,
      {},
    );
    const short: ActivationSource = {
      ...nan,
      activate: (texts) =>
        Promise.resolve({
          layers: new Map([[0, { hidden: 2, pooled: new Float32Array(texts.length) }]]),
        }),
    };
    await expectCorpusError(
      "mis-sized activations",
      () => trainReadout(corpus, short),
      /layer 0: expected hidden size 2 and \d+·2 pooled values/,
      {},
    );
    // The CLI: preflight faults before any model work, nothing written.
    const args = (extra: string[]) =>
      parseTrainArgs(["--corpus", SHIPPED, "--out", `${dir}/cli`, ...extra]);
    await expectCorpusError(
      "CLI: layers of hidden sizes 16 and 64",
      () => runTrain(args(["--layers", "0,1"])),
      /expected one hidden size.*got 16, 64/,
      {},
    );
    await expectCorpusError(
      "CLI: stack LM layers of hidden sizes 64 and 256",
      () => runTrain(args(["--model", "stack", "--layers", "1,2"])),
      /expected one hidden size.*got 64, 256/,
      {},
    );
    await expectCorpusError(
      "CLI: missing corpus",
      () => runTrain({ ...args([]), corpus: `${dir}/nope` }),
      /nope: expected a folder/,
      { path: /nope$/ },
    );
    let cliWrote = true;
    try {
      await Deno.stat(`${dir}/cli`);
    } catch {
      cliWrote = false;
    }
    f.check(!cliWrote, () => "CLI: a refused training wrote its output folder");
    let usage = false;
    try {
      args(["--method", "linear"]);
    } catch (e) {
      usage = e instanceof UsageError &&
        /--method: expected one of pooled, subspace/.test(e.message);
    }
    f.check(usage, () => "CLI: --method linear accepted");
    const refusedUsage = (extra: string[], pattern: RegExp) => {
      try {
        args(extra);
        return false;
      } catch (e) {
        return e instanceof UsageError && pattern.test(e.message);
      }
    };
    f.check(
      refusedUsage(["--model", "gru"], /--model: expected one of bank, stack but got "gru"/),
      () => "CLI: --model gru accepted",
    );
    // The stack LM is loaded, not trained: --lm-steps is refused with it, in either order.
    for (
      const extra of [["--model", "stack", "--lm-steps", "5"], [
        "--lm-steps",
        "5",
        "--model",
        "stack",
      ]]
    ) {
      f.check(
        refusedUsage(extra, /^Cannot read --lm-steps: .*--model stack/),
        () => `CLI: ${extra.join(" ")} accepted`,
      );
    }
    // A readout folder whose model.json names no known model.
    await Deno.mkdir(`${dir}/badmodel`);
    await Deno.writeTextFile(`${dir}/badmodel/model.json`, '{"model": "gru"}');
    let badModel = false;
    try {
      await readModelRecord(`${dir}/badmodel`);
    } catch (e) {
      badModel = e instanceof SyntaxError &&
        /model\.json: expected "model" one of bank, stack but got "gru"/.test(e.message);
    }
    f.check(badModel, () => "CLI: model.json naming model gru accepted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return f.measurement(
    "6 refused corpora, 1 skipped empty file, 4 refused trainings, 7 refused CLI runs, 1 " +
      "refused model.json",
  );
});
