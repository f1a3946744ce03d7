/**
 * `fit`: the decepticons CLI's `fit` command (asuramaya/decepticons
 * src/decepticons/cli.py) on memspec's GPU ByteLatentPredictiveCoder.
 *
 * ```
 * deno task fit --input F [--prompt P] [--generate N] [--temperature T] [--greedy]
 *               [--seed N] [--readout calibrated|ridge] [--max-bytes N]
 * ```
 *
 * Fits the coder on the file's bytes (any file: the model is a byte model), prints "train
 * bits/byte", "patches" and "mean patch size", then continues the prompt byte by byte, each
 * byte written to stdout as it is drawn (an empty prompt uses the input's first 16 bytes). The
 * input limit of the adapter is checked before any GPU work and stated in bytes, with the flag
 * that lifts it (`--max-bytes N` fits on the first N bytes). Progress goes to stderr while
 * fitting and generating: one line redrawn with \r on a terminal, plain lines otherwise.
 * Exit codes: 0 success, 1 a runtime failure, 2 a usage error.
 *
 * {@link main} takes the arguments and an I/O record, so it can be driven without a process.
 *
 * @example Usage errors exit with code 2
 * ```ts
 * import { main } from "./fit.ts";
 * const err: string[] = [];
 * const code = await main(["--bogus"], { stdout: () => {}, stderr: (s) => err.push(s) });
 * if (code !== 2 || !err.join("").includes("--bogus")) throw new Error("expected a usage error");
 * ```
 *
 * @module
 */
import { initGpu } from "../../gpu/device.ts";
import { encodeText } from "../codec/codec.ts";
import { ByteLatentPredictiveCoder, type FitProgress, type Readout } from "./predictive_coder.ts";

/** Usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: fit --input FILE [options]

Fit memspec's GPU ByteLatentPredictiveCoder on FILE and continue a prompt.

Options:
  --input FILE          file to fit, read as bytes (required)
  --prompt TEXT         prompt to continue (default: the input's first 16 bytes)
  --generate N          bytes to generate, streamed to stdout (default 80, at most 10000)
  --temperature T       sample from softmax(logits / T), T > 0 (default: greedy argmax)
  --greedy              argmax (the default; overrides --temperature)
  --seed N              seed of the sampling stream (default: unseeded)
  --readout KIND        calibrated (log-loss, Adam; the default) or ridge (the original's)
  --max-bytes N         fit on the input's first N bytes (lifts the adapter's input limit)
  --help                print this help
`;

/** Where {@link main} reads and writes. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress redrawn with \r); default false. */
  stderrIsTerminal?: boolean;
  /** Reads the input file as bytes; default Deno.readFile. */
  readFile?: (path: string) => Promise<Uint8Array>;
  /** Reads the input file as text (kept for callers of the earlier API); used when set. */
  readTextFile?: (path: string) => Promise<string>;
}

/** Parsed options of the `fit` command. */
export interface FitArgs {
  input: string;
  prompt: string;
  generate: number;
  /** Sampling temperature, or undefined for greedy decoding. */
  temperature: number | undefined;
  greedy: boolean;
  seed: number | undefined;
  readout: Readout;
  /** Fit on the first N bytes only; undefined for the whole input. */
  maxBytes: number | undefined;
}

/** A usage error: reported with the usage text and exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

const VALUE_FLAGS = [
  "input",
  "prompt",
  "generate",
  "temperature",
  "seed",
  "readout",
  "max-bytes",
] as const;

/** The most bytes `--generate` accepts: about 16 ms a byte on llvmpipe, so ~3 minutes. */
export const MAX_GENERATE = 10_000;

/**
 * Parses the command line, or returns "help".
 *
 * @throws {UsageError} for an unknown flag, a missing value or --input, or a bad number.
 */
export function parseFitArgs(args: readonly string[]): FitArgs | "help" {
  const values = new Map<string, string>();
  let greedy = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--greedy") {
      greedy = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = m?.[1];
    if (!m || !name || !(VALUE_FLAGS as readonly string[]).includes(name)) {
      throw new UsageError(
        arg.startsWith("-") ? `unknown flag ${arg}` : `unexpected argument "${arg}"`,
      );
    }
    let value = m[2];
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`--${name} expects a value`);
    }
    values.set(name, value);
  }
  const input = values.get("input");
  if (input === undefined || input === "") throw new UsageError("--input FILE is required");
  const int = (name: string, fallback: number | undefined) => {
    const s = values.get(name);
    if (s === undefined) return fallback;
    const v = Number(s);
    if (s.trim() === "" || !Number.isInteger(v) || v < 0) {
      throw new UsageError(`--${name} expects an integer >= 0, got "${s}"`);
    }
    return v;
  };
  const generate = int("generate", 80)!;
  if (generate > MAX_GENERATE) {
    throw new UsageError(
      `--generate ${generate} is above the cap of ${MAX_GENERATE} bytes (about 16 ms a byte ` +
        "on a software adapter); generate in several runs",
    );
  }
  const maxBytes = int("max-bytes", undefined);
  if (maxBytes !== undefined && maxBytes < 2) {
    throw new UsageError(`--max-bytes expects an integer >= 2, got ${maxBytes}`);
  }
  const seed = int("seed", undefined);
  if (seed !== undefined && seed > 0xffffffff) {
    throw new UsageError(`--seed expects an integer below 2^32, got ${seed}`);
  }
  const ts = values.get("temperature");
  const temperature = ts === undefined ? undefined : Number(ts);
  if (
    ts !== undefined && (ts.trim() === "" || !Number.isFinite(temperature) || temperature! <= 0)
  ) {
    throw new UsageError(`--temperature expects a number > 0, got "${ts}"`);
  }
  const readout = values.get("readout") ?? "calibrated";
  if (readout !== "ridge" && readout !== "calibrated") {
    throw new UsageError(`--readout expects ridge or calibrated, got "${readout}"`);
  }
  return {
    input,
    prompt: values.get("prompt") ?? "",
    generate,
    temperature,
    // Greedy unless a temperature asks for sampling.
    greedy: greedy || temperature === undefined,
    seed,
    readout,
    maxBytes,
  };
}

const PHASES: Record<FitProgress["phase"] | "generate", string> = {
  substrate: "substrate",
  features: "features",
  readout: "readout",
  generate: "generate",
};

/** A progress reporter: a redrawn bar on a terminal, a line per quarter otherwise. */
/** Progress of one phase: fitting's phases, or generation. */
type Progress = Omit<FitProgress, "phase"> & { phase: FitProgress["phase"] | "generate" };

function progressReporter(io: CliIo): { update: (p: Progress) => void; end: () => void } {
  let drawn = false;
  const lastQuarter = new Map<string, number>();
  return {
    update(p) {
      const frac = p.total > 0 ? p.done / p.total : 1;
      const label = `${PHASES[p.phase]} ${p.done}/${p.total}`;
      if (io.stderrIsTerminal) {
        const width = 30;
        const fill = Math.round(frac * width);
        io.stderr(`\r[${"#".repeat(fill)}${".".repeat(width - fill)}] ${label}\x1b[K`);
        drawn = true;
      } else {
        const q = Math.floor(frac * 4);
        if (lastQuarter.get(p.phase) !== q) {
          lastQuarter.set(p.phase, q);
          io.stderr(`${label}\n`);
        }
      }
    },
    end() {
      if (drawn) io.stderr("\n");
    },
  };
}

/**
 * Runs the `fit` command; resolves to the exit code (0, 1 runtime failure, 2 usage error).
 * Never calls Deno.exit.
 */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: FitArgs | "help";
  try {
    parsed = parseFitArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`error: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === "help") {
    io.stdout(USAGE);
    return 0;
  }
  const a = parsed;
  let bytes: Uint8Array;
  try {
    bytes = io.readTextFile
      ? encodeText(await io.readTextFile(a.input))
      : await (io.readFile ?? ((p: string) => Deno.readFile(p)))(a.input);
  } catch (e) {
    io.stderr(`error: cannot read --input ${a.input}: ${e instanceof Error ? e.message : e}\n`);
    return 1;
  }
  if (a.maxBytes !== undefined && bytes.length > a.maxBytes) bytes = bytes.subarray(0, a.maxBytes);
  if (bytes.length < 2) {
    io.stderr(`error: --input ${a.input} holds ${bytes.length} bytes, expected at least 2\n`);
    return 1;
  }
  const prompt = a.prompt === "" ? bytes.subarray(0, 16) : encodeText(a.prompt);
  try {
    await initGpu();
    const coder = ByteLatentPredictiveCoder.fromSeed();
    // The adapter's limit, in the user's terms, before any GPU work.
    const limit = coder.maxInputBytes();
    if (bytes.length > limit) {
      io.stderr(
        `error: --input ${a.input} is ${bytes.length} bytes; this adapter fits at most ${limit} ` +
          `bytes in one fit (the substrate keeps ${4 * coder.config.size} bytes of state per ` +
          `input byte in one GPU buffer). Fit on the first ${limit} bytes with --max-bytes ${limit}.\n`,
      );
      return 1;
    }
    const bar = progressReporter(io);
    const fit = await coder.fit(bytes, { readout: a.readout, onProgress: bar.update });
    bar.end();
    io.stdout(`train bits/byte: ${fit.bitsPerByte.toFixed(4)}\n`);
    io.stdout(`patches: ${fit.patches}\n`);
    io.stdout(`mean patch size: ${fit.meanPatchSize.toFixed(3)}\n`);
    // Stream: the prompt, then each byte as it is drawn (UTF-8 decoded incrementally).
    const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
    io.stdout(decoder.decode(prompt, { stream: true }));
    const gen = progressReporter(io);
    await coder.generate(prompt, a.generate, {
      greedy: a.greedy,
      temperature: a.temperature ?? 1,
      seed: a.seed,
      onByte: (byte, i) => {
        io.stdout(decoder.decode(Uint8Array.of(byte), { stream: true }));
        gen.update({ phase: "generate", done: i + 1, total: a.generate });
      },
    });
    gen.end();
    io.stdout(`${decoder.decode()}\n`);
    return 0;
  } catch (e) {
    io.stderr(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  const enc = new TextEncoder();
  const writeAll = (w: { writeSync(p: Uint8Array): number }, s: string) => {
    const bytes = enc.encode(s);
    for (let off = 0; off < bytes.length;) off += w.writeSync(bytes.subarray(off));
  };
  const code = await main(Deno.args, {
    stdout: (s) => writeAll(Deno.stdout, s),
    stderr: (s) => writeAll(Deno.stderr, s),
    stderrIsTerminal: Deno.stderr.isTerminal(),
  });
  Deno.exit(code);
}
