/**
 * A fault fuzzer for a family's public surface: every exported function, constructor and method
 * is called under fast-check with one argument (or the object itself) replaced by a malformed
 * value, and every call must raise a typed error that names the entry point and says what was
 * expected, before any GPU work, leaving the live GPU buffer count and the object's state where
 * they were.
 *
 * An entry ({@link FaultEntry}) is a name, a builder of VALID small arguments (tiny configs, so
 * that a call which wrongly succeeds is still cheap), and the argument paths with their poison
 * arbitraries. {@link fuzzFaults} runs each entry's property with the suite's fast-check
 * parameters ({@link fcParams}: seeded, replayable) and classifies every outcome:
 *
 * - pass: a `TypeError`, `RangeError`, `SyntaxError` or one of memspec's own error classes
 *   (impl/gpu/errors.ts), whose message names the entry (one of {@link FaultEntry.names}) and
 *   says what was expected;
 * - fail: a JavaScript engine error ("Cannot read properties of undefined", "x is not iterable",
 *   "is not a function", "Invalid array length", …), an untyped `Error`, a message that does not
 *   name the entry or what was expected, a call that returns (silent success on malformed input),
 *   a changed live-buffer count, a dispatch recorded, or a changed state read-back.
 *
 * Every failure is printed with the export name, the argument path and the poison. For a method,
 * the entry's `target` builds the object once (reused across runs, so any state change shows in
 * its `state` read-back) and the path `"this"` calls a disposed object with valid arguments.
 * {@link registerFaultFuzz} registers a family's claim test over its entries and a coverage test:
 * every runtime export and every class member (constructor, method, static method) of the
 * family's `mod.ts` has an entry or an exclusion with its reason. `FAULT_FUZZ_ONLY=<regex>` runs
 * the matching entries only and `FAULT_FUZZ_TIMES=1` prints each entry's time and failures as it
 * finishes (both for debugging; the claim runs every entry).
 *
 * @example A function entry and a method entry
 * ```ts ignore
 * import { fuzzFaults, poisons } from "../../_harness/fault_fuzz.ts";
 * const report = await fuzzFaults([
 *   {
 *     name: "scaleAll", // scaleAll(k: number, xs: number[])
 *     args: () => [2, [1, 2]],
 *     call: (_t, [k, xs]) => scaleAll(k as number, xs as number[]),
 *     poisons: { "0": poisons.f32(), "1": poisons.finiteArray(2) },
 *   },
 *   {
 *     name: "Store.write", // a stateful object with dispose()
 *     target: () => new Store(2),
 *     args: () => [[1, 0]],
 *     call: (store, [key]) => (store as Store).write(key as number[]),
 *     poisons: { "this": poisons.disposed(), "0": poisons.finiteArray(2) },
 *     state: (store) => (store as Store).state.toFloat32(),
 *   },
 * ]);
 * // report.failures is empty when every malformed call raised a typed, named error before any
 * // GPU work and left buffers and state as they were.
 * ```
 *
 * @module
 */
import fc from "fast-check";
import { liveBufferCount } from "../../impl/gpu/buffers.ts";
import { recordedWork } from "../../impl/gpu/batch.ts";
import {
  DeviceLostError,
  DisposedTensorError,
  GpuOutOfMemoryError,
  KernelValidationError,
  NoAdapterError,
} from "../../impl/gpu/errors.ts";
import { type DType, Tensor, tensor } from "../../impl/tensor.ts";
import { type Claim, claimTest, type Measurement } from "./claim.ts";
import { fcParams, replayHint } from "./fuzz.ts";

/**
 * A malformed value built when it is used (a fresh tensor, disposed or of the wrong dtype), so
 * that every run gets its own and the fuzzer can release it afterwards.
 */
export class Lazy {
  /**
   * @param label how a failure report prints the poison
   * @param make builds the value (called once per run that uses it)
   */
  constructor(readonly label: string, readonly make: () => unknown) {}
  /** The label, so fast-check's counterexample prints readably. */
  toString(): string {
    return this.label;
  }
}

/** The marker of the `this` path: the call is made on an object that was disposed. */
export const DISPOSED: unique symbol = Symbol("disposed object");

/**
 * One entry point under test.
 *
 * @typeParam T the object a method acts on (`undefined` for a plain function)
 */
export interface FaultEntry<T = unknown> {
  /** The export, or `Class.method` / `new Class` / `Class.method after dispose`. */
  name: string;
  /**
   * Strings of which a message must contain one (case-sensitive): the export's name and the
   * words its messages use for the object ("fast-weight store"). Default: `[name]` and, for
   * `Class.member`, the class name.
   */
  names?: readonly string[];
  /** Runs of the property (default 100; `FC_RUNS` may raise it). */
  runs?: number;
  /**
   * Builds the object the call acts on: once per entry (the object is reused across runs, so a
   * state change by any failed call is seen), and once per run of the `this` path (then disposed).
   */
  target?: () => T;
  /**
   * Builds the object of the `this` path when it is not "a disposed target" (e.g. a coder that
   * was never fitted); it is not released.
   */
  stale?: () => T;
  /** Releases a target (default: its `dispose()`, when it has one). */
  release?: (target: T) => void;
  /** VALID arguments, fresh each run (tiny sizes); tensors among them are disposed after the call. */
  args: (target: T) => unknown[];
  /** Makes the call. */
  call: (target: T, args: unknown[]) => unknown;
  /**
   * Releases what `args` built besides tensors (e.g. episode objects), after the call's buffer
   * count was measured; tensors reachable from the arguments are disposed by the fuzzer.
   */
  cleanup?: (args: unknown[], target: T) => void;
  /**
   * Argument paths and their poison arbitraries: `"0"` replaces argument 0, `"1.keyDim"` a field
   * of argument 1 (plain objects and arrays along the path are copied, never mutated), `"this"`
   * (arbitrary {@link poisons.disposed}) calls a disposed object with valid arguments.
   */
  poisons: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /**
   * A read-back of the object's state (plain data: numbers, arrays, typed arrays), compared
   * before and after every failed call; may sync with the GPU.
   */
  state?: (target: T) => unknown | Promise<unknown>;
}

/** One (entry, poison) case that did not raise the documented error. */
export interface FaultFailure {
  /** The entry's name. */
  entry: string;
  /** The argument path that was poisoned. */
  path: string;
  /** The poison, printed. */
  poison: string;
  /** What went wrong. */
  reason: string;
}

/** The result of one entry's property. */
export interface EntryReport {
  /** The entry's name. */
  entry: string;
  /** Runs made. */
  runs: number;
  /** The failing runs, deduplicated by path, poison and reason. */
  failures: FaultFailure[];
  /** Wall time of the entry's runs, in milliseconds. */
  ms: number;
  /** GPU buffers the entry left alive in all (its target's included), 0 when clean. */
  leaked: number;
}

/** The result of {@link fuzzFaults}. */
export interface FaultReport {
  /** One report per entry, in order. */
  entries: EntryReport[];
  /** Every failure of every entry. */
  failures: FaultFailure[];
  /** The seed every property ran with. */
  seed: number;
}

const TYPED: readonly (abstract new (...a: never[]) => Error)[] = [
  TypeError,
  RangeError,
  SyntaxError,
  DisposedTensorError,
  NoAdapterError,
  DeviceLostError,
  GpuOutOfMemoryError,
  KernelValidationError,
];

/** Messages the JavaScript engine (V8) writes itself: never a documented error. */
const ENGINE_MESSAGES: readonly RegExp[] = [
  /Cannot read propert/,
  /Cannot set propert/,
  /Cannot destructure/,
  /Cannot convert/,
  /Cannot mix BigInt/,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /is not defined/,
  /is not an object/,
  /Invalid array length/,
  /Invalid typed array length/,
  /Array buffer allocation failed/,
  /Maximum call stack/,
  /Reduce of empty array/,
  /out of memory/i,
  /Offset is outside the bounds/,
  /Start offset .* is outside/,
  /toFixed\(\) digits/,
  /toPrecision\(\) argument/,
  /Invalid time value/,
  /Invalid string length/,
  /Cannot create property/,
  /called on null or undefined/,
  /Failed to execute/,
];

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no env permission: every entry runs
  }
}

/** How a report prints a value. */
export function describe(v: unknown): string {
  if (v instanceof Lazy) return v.label;
  if (v === DISPOSED) return "disposed object";
  if (v instanceof Tensor) return `tensor ${v.dtype}[${v.shape.join(", ")}]`;
  if (typeof v === "string") return JSON.stringify(v.length > 20 ? v.slice(0, 20) + "…" : v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (ArrayBuffer.isView(v)) {
    const a = v as unknown as ArrayLike<number>;
    return `${v.constructor.name}(${a.length})`;
  }
  if (Array.isArray(v)) {
    const shown = v.slice(0, 6).map(describe).join(", ");
    return `[${shown}${v.length > 6 ? `, … (${v.length})` : ""}]`;
  }
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).slice(0, 6);
    return `{${entries.map(([k, x]) => `${k}: ${describe(x)}`).join(", ")}}`;
  }
  return String(v);
}

/** Tensors reachable from `v` (depth 3), for release after a run. */
function tensorsIn(v: unknown, out: Set<Tensor>, depth = 0): Set<Tensor> {
  if (v instanceof Tensor) out.add(v);
  else if (depth < 3 && v !== null && typeof v === "object" && !ArrayBuffer.isView(v)) {
    const values = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const x of values.slice(0, 64)) tensorsIn(x, out, depth + 1);
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A copy of `root` with the value at `path` (dot-separated keys) replaced. */
function setPath(root: unknown, keys: readonly string[], value: unknown): unknown {
  if (keys.length === 0) return value;
  const [k, ...rest] = keys as [string, ...string[]];
  let copy: Record<string, unknown> | unknown[];
  if (Array.isArray(root)) copy = root.slice();
  else if (ArrayBuffer.isView(root)) copy = Array.from(root as unknown as ArrayLike<number>);
  else if (isPlain(root)) copy = { ...root };
  else throw new TypeError(`fault_fuzz: cannot poison path "${keys.join(".")}" of ${root}`);
  (copy as Record<string, unknown>)[k] = setPath((copy as Record<string, unknown>)[k], rest, value);
  return copy;
}

function materialise(v: unknown): unknown {
  return v instanceof Lazy ? v.make() : v;
}

function sameState(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameState(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length &&
      ka.every((k) =>
        sameState((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
      );
  }
  return false;
}

/** The names a message must mention for `entry`. */
export function entryNames(entry: Pick<FaultEntry, "name" | "names">): readonly string[] {
  if (entry.names !== undefined) return entry.names;
  const base = entry.name.replace(/^new /, "").replace(/ after dispose$/, "");
  const cls = base.split(".")[0]!;
  return cls === base ? [base] : [base, cls];
}

/**
 * Classifies a thrown value: `null` when it is the documented kind of error (typed, naming one
 * of `names`, saying what was expected), else why not.
 */
export function classifyError(e: unknown, names: readonly string[]): string | null {
  if (!(e instanceof Error)) return `threw a non-Error ${describe(e)}`;
  const msg = e.message;
  const head = `${e.name}: ${msg.split("\n")[0]!.slice(0, 200)}`;
  if (ENGINE_MESSAGES.some((re) => re.test(msg))) return `engine error (${head})`;
  if (!TYPED.some((C) => e instanceof C)) return `untyped error (${head})`;
  if (!names.some((n) => msg.includes(n))) {
    return `message names none of ${names.map((n) => JSON.stringify(n)).join(", ")} (${head})`;
  }
  if (!/expect|must|disposed/i.test(msg)) return `message does not say what was expected (${head})`;
  return null;
}

interface Case {
  path: string;
  poison: unknown;
}

function releaseTarget<T>(entry: FaultEntry<T>, t: T): void {
  if (entry.release) entry.release(t);
  else (t as { dispose?: () => void } | undefined)?.dispose?.();
}

/** Runs one entry's property; see {@link fuzzFaults}. */
export async function fuzzEntry<T>(entry: FaultEntry<T>): Promise<EntryReport> {
  const names = entryNames(entry);
  const paths = Object.keys(entry.poisons);
  if (paths.length === 0) {
    throw new TypeError(`Cannot fuzz ${entry.name}: expected at least one poisoned path`);
  }
  const arb: fc.Arbitrary<Case> = fc.oneof(
    ...paths.map((path) => entry.poisons[path]!.map((poison): Case => ({ path, poison }))),
  );
  const t0 = performance.now();
  const liveAtStart = liveBufferCount();
  const shared = entry.target ? entry.target() : (undefined as T);
  const failures = new Map<string, FaultFailure>();
  let runs = 0;
  let before: unknown = entry.state ? await entry.state(shared) : undefined;
  const fail = (c: Case, reason: string) => {
    const f = { entry: entry.name, path: c.path, poison: describe(c.poison), reason };
    failures.set(`${f.path}|${f.poison}|${reason}`, f);
  };
  try {
    const out = await fc.check(
      fc.asyncProperty(arb, async (c) => {
        runs++;
        const isThis = c.path === "this";
        let target = shared;
        let valid: unknown[];
        if (isThis && entry.stale) {
          target = entry.stale();
          valid = entry.args(target);
        } else if (isThis && entry.target) {
          // Valid arguments for the live object, then the object is disposed.
          target = entry.target();
          valid = entry.args(target);
          releaseTarget(entry, target);
        } else valid = entry.args(target);
        let args = valid;
        if (!isThis) {
          const poison = materialise(c.poison);
          args = setPath(valid, c.path.split("."), poison) as unknown[];
        }
        const owned = tensorsIn(valid, new Set());
        tensorsIn(args, owned);
        const live = liveBufferCount();
        const dispatches = recordedWork();
        let result: unknown;
        let thrown: unknown = null;
        let threw = false;
        try {
          result = await entry.call(target, args);
        } catch (e) {
          threw = true;
          thrown = e;
        }
        const liveAfter = liveBufferCount();
        const dispatchesAfter = recordedWork();
        if (!threw) {
          fail(c, `returned ${describe(result)} instead of raising`);
          tensorsIn(result, owned);
          const r = result as { dispose?: () => void } | null;
          if (r !== null && typeof r === "object" && !(r instanceof Tensor) && r.dispose) {
            r.dispose();
          }
        } else {
          const why = classifyError(thrown, names);
          if (why !== null) fail(c, why);
        }
        if (threw && liveAfter !== live) {
          fail(c, `left the live-buffer count at ${liveAfter} (was ${live})`);
        }
        if (threw && dispatchesAfter !== dispatches) {
          fail(c, `recorded ${dispatchesAfter - dispatches} dispatches before raising`);
        }
        entry.cleanup?.(args, target);
        if (args !== valid) entry.cleanup?.(valid, target);
        for (const t of owned) t.dispose();
        if (isThis) return true;
        if (entry.state) {
          const after = await entry.state(shared);
          if (!sameState(before, after)) {
            fail(c, `changed the state: ${describe(before)} → ${describe(after)}`);
            before = after;
          }
        }
        return true;
      }),
      // deno-lint-ignore no-explicit-any
      fcParams<any>(entry.runs ?? 100),
    );
    if (out.failed) {
      // The property returns true on every classified outcome: a failure here is an exception
      // of the entry's own builders (args, state, cleanup), which must be fixed in the entry.
      const e = out.errorInstance;
      fail(
        out.counterexample?.[0] ?? { path: "*", poison: "*" },
        `the fuzz run itself threw after ${runs} runs: ${e instanceof Error ? e.message : e}`,
      );
    }
  } finally {
    if (entry.target) releaseTarget(entry, shared);
  }
  const leaked = liveBufferCount() - liveAtStart;
  if (leaked !== 0) {
    const f = {
      entry: entry.name,
      path: "*",
      poison: "*",
      reason: `the entry's runs left ${leaked} GPU buffers alive (target and results released)`,
    };
    failures.set("leak", f);
  }
  return {
    entry: entry.name,
    runs,
    failures: [...failures.values()],
    ms: performance.now() - t0,
    leaked,
  };
}

/**
 * Runs every entry's property (seeded by {@link fcParams}) and collects the failing cases.
 * Entries run one after another; each entry's target is built once and released at the end.
 */
export async function fuzzFaults(entries: readonly FaultEntry<never>[]): Promise<FaultReport> {
  const reports: EntryReport[] = [];
  const only = env("FAULT_FUZZ_ONLY");
  for (const e of entries) {
    if (only !== undefined && !new RegExp(only).test(e.name)) continue;
    if (env("FAULT_FUZZ_TIMES") !== undefined) console.error(`fuzzing ${e.name}`);
    const r = await fuzzEntry(e as unknown as FaultEntry<unknown>);
    reports.push(r);
    if (env("FAULT_FUZZ_TIMES") !== undefined) {
      for (const f of r.failures) {
        console.error(`  ${f.entry} [${f.path} = ${f.poison}]: ${f.reason}`);
      }
    }
  }
  return {
    entries: reports,
    failures: reports.flatMap((r) => r.failures),
    seed: fcParams(1).seed,
  };
}

/**
 * The failures of a report, one line each (export, argument path, poison, reason), with the
 * replay hint of `claimId`; empty when there are none.
 */
export function formatFailures(report: FaultReport, claimId: string, limit = 60): string {
  if (report.failures.length === 0) return "";
  const lines = report.failures.slice(0, limit).map((f) =>
    `${f.entry} [${f.path} = ${f.poison}]: ${f.reason}`
  );
  if (report.failures.length > limit) lines.push(`… ${report.failures.length - limit} more`);
  return `${lines.join("\n")}\nseed ${report.seed}; ${replayHint(claimId)}`;
}

/** Whether `v` is a class (its source starts with `class`). */
function isClass(v: unknown): v is abstract new (...a: never[]) => unknown {
  return typeof v === "function" && /^class[\s{]/.test(Function.prototype.toString.call(v));
}

/**
 * The public members of a module's classes, as `Class.constructor`, `Class.method` (prototype
 * methods, getters excluded) and `Class.staticMethod`.
 */
export function classMembers(module: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(module)) {
    if (!isClass(v)) continue;
    out.push(`${name}.constructor`);
    for (const k of Object.getOwnPropertyNames(v.prototype)) {
      const d = Object.getOwnPropertyDescriptor(v.prototype, k)!;
      if (k !== "constructor" && typeof d.value === "function") out.push(`${name}.${k}`);
    }
    for (const k of Object.getOwnPropertyNames(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      if (typeof d.value === "function") out.push(`${name}.${k}`);
    }
  }
  return out.sort();
}

/**
 * The member an entry's name covers: `new X` → `X.constructor`; `X.m after dispose` and a
 * second entry of one member told apart by a suffix, `X.m with <what>`, → `X.m`.
 */
export function memberOf(entryName: string): string {
  const base = entryName.replace(/^new /, "new:").split(/\s/)[0]!;
  return base.startsWith("new:") ? `${base.slice(4)}.constructor` : base;
}

/**
 * Checks a family module's runtime exports against the fuzzed entries and the excluded lists:
 * returns the exports and class members (constructor, methods, static methods) that have
 * neither an entry nor an exclusion (a new export or method without a fuzz entry), and the
 * listed names that the module does not have (a stale list).
 *
 * @param module the family's `mod.ts` namespace
 * @param entryNames the names of the fuzz entries (`f`, `new C`, `C.m`)
 * @param excluded exports and members (`C.m`) left out, each with its reason
 */
export function exportCoverage(
  module: Record<string, unknown>,
  entryNames: readonly string[],
  excluded: Readonly<Record<string, string>>,
): { missing: string[]; stale: string[] } {
  const exported = Object.keys(module).sort();
  const members = classMembers(module);
  const covered = new Set([...entryNames.map(exportOf), ...entryNames.map(memberOf)]);
  const listed = new Set([...covered, ...Object.keys(excluded)]);
  const known = new Set([...exported, ...members]);
  return {
    missing: [...exported, ...members].filter((n) => !listed.has(n)),
    stale: [...listed].filter((n) => !known.has(n)).sort(),
  };
}

/** The export a fuzz entry's name belongs to: `new X`, `X.m`, `X.m after dispose` → `X`. */
export function exportOf(entryName: string): string {
  return entryName.replace(/^new /, "").split(/[.\s]/)[0]!;
}

// --- poison arbitraries ---

const notNumbers = ["3", "", null, {}, [2], true, 2n] as const;
const notObjects = [null, undefined, "cfg", 4, true, [] as unknown[]] as const;

function tensorOf(shape: readonly number[], dtype: DType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return dtype === "i32"
    ? tensor(new Int32Array(n), shape, { dtype: "i32" })
    : tensor(new Float32Array(n), shape);
}

/** Ready-made poison arbitraries. */
export const poisons = {
  /** The `this` path: the call is made on a disposed object. */
  disposed: (): fc.Arbitrary<unknown> => fc.constant(DISPOSED),
  /**
   * Values that are not numbers (strings, null, objects, arrays, booleans, bigints), and
   * `undefined` unless the argument is optional (where `undefined` means its default).
   */
  notNumber: (optional = false): fc.Arbitrary<unknown> =>
    fc.constantFrom<unknown>(...notNumbers, ...(optional ? [] : [undefined])),
  /** NaN and ±Infinity. */
  nonFinite: (): fc.Arbitrary<unknown> => fc.constantFrom(NaN, Infinity, -Infinity),
  /** A real number argument computed in f64 on the host: not a number, or not finite. */
  real: (optional = false): fc.Arbitrary<unknown> =>
    fc.oneof(poisons.notNumber(optional), poisons.nonFinite()),
  /**
   * A real number that reaches the GPU as f32 (a uniform, an uploaded value): not a number, not
   * finite, or past the f32 range (the upload would make it ±Infinity).
   */
  f32: (optional = false): fc.Arbitrary<unknown> =>
    fc.oneof(poisons.notNumber(optional), poisons.nonFinite(), poisons.hugeReal()),
  /** Reals far past the f32 range (become ±Infinity on upload). */
  hugeReal: (): fc.Arbitrary<unknown> => fc.constantFrom(1e39, -1e39, Number.MAX_VALUE),
  /**
   * An integer count or size: not a number, not finite, not an integer, negative, huge (refused
   * before allocating), and 0 unless `zeroOk`.
   */
  count: (opts: { zeroOk?: boolean; min?: number; optional?: boolean } = {}): fc.Arbitrary<
    unknown
  > => {
    const min = opts.min ?? (opts.zeroOk ? 0 : 1);
    return fc.oneof(
      poisons.notNumber(opts.optional),
      poisons.nonFinite(),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
      fc.integer({ min: -1e6, max: min - 1 }),
      fc.constantFrom(2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER, 1e300),
    );
  },
  /** An integer where any finite integer is allowed (a seed): not a number, not finite, not an integer. */
  integer: (optional = false): fc.Arbitrary<unknown> =>
    fc.oneof(
      poisons.notNumber(optional),
      poisons.nonFinite(),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
    ),
  /** A probability-like real in [lo, hi]: bad reals and values outside the interval. */
  inRange: (lo: number, hi: number, optional = false): fc.Arbitrary<unknown> =>
    fc.oneof(
      poisons.f32(optional),
      fc.double({ max: lo, maxExcluded: true, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: hi, minExcluded: true, noNaN: true, noDefaultInfinity: true }),
    ),
  /** A configuration or options object: not an object at all. */
  notObject: (optional = false): fc.Arbitrary<unknown> =>
    fc.constantFrom<unknown>(...notObjects.filter((x) => !optional || x !== undefined)),
  /** Not a string. */
  notString: (): fc.Arbitrary<unknown> =>
    fc.constantFrom<unknown>(null, undefined, 3, {}, [], true),
  /** A string outside `allowed`. */
  notOneOf: (allowed: readonly string[]): fc.Arbitrary<unknown> =>
    fc.oneof(
      fc.string({ maxLength: 8 }).filter((s) => !allowed.includes(s)),
      fc.constantFrom<unknown>(null, undefined, 3, {}, ["x"]),
    ),
  /**
   * A list of `length` finite numbers: not a list, empty (when `length` > 0), the wrong length,
   * or an entry that is NaN, ±Infinity, past the f32 range or not a number.
   */
  finiteArray: (length: number): fc.Arbitrary<unknown> => {
    const good = () => Array.from({ length }, (_, i) => (i % 3) - 1);
    return fc.oneof(
      fc.constantFrom<unknown>(null, undefined, "abc", 7, {}),
      fc.constantFrom<unknown>(...(length > 0 ? [[]] : [[1]]), [...good(), 1]),
      ...(length > 1 ? [fc.constant<unknown>(good().slice(1))] : []),
      ...(length > 0
        ? [
          fc.tuple(
            fc.integer({ min: 0, max: length - 1 }),
            fc.constantFrom<unknown>(NaN, Infinity, -Infinity, 1e39, "1", null),
          ).map(([i, x]) => {
            const a: unknown[] = good();
            a[i] = x;
            return a;
          }),
        ]
        : []),
    );
  },
  /**
   * A vector of `n` finite reals computed in f64 on the host (so 1e39 is valid): not a list,
   * empty, the wrong length, or an entry that is NaN, ±Infinity or not a number; `undefined`
   * unless the argument is optional.
   */
  hostVector: (n: number, optional = false): fc.Arbitrary<unknown> => {
    const good = () => Array.from({ length: n }, (_, i) => (i % 3) - 1);
    return fc.oneof(
      fc.constantFrom<unknown>(
        null,
        "abc",
        7,
        {},
        [],
        [...good(), 1],
        ...(optional ? [] : [undefined]),
      ),
      fc.tuple(
        fc.integer({ min: 0, max: n - 1 }),
        fc.constantFrom<unknown>(NaN, Infinity, -Infinity, "1", null),
      ).map(([i, x]) => {
        const a: unknown[] = good();
        a[i] = x;
        return a;
      }),
    );
  },
  /** A list of integers (seeds, ids): not a list, empty, or an entry that is not an integer. */
  intArray: (opts: { emptyOk?: boolean; min?: number; max?: number } = {}): fc.Arbitrary<
    unknown
  > =>
    fc.oneof(
      fc.constantFrom<unknown>(null, undefined, "abc", 7, {}),
      ...(opts.emptyOk ? [] : [fc.constant<unknown>([])]),
      fc.constantFrom<unknown>(NaN, Infinity, 0.5, "1", null).map((x) => [1, x]),
      ...(opts.min !== undefined ? [fc.constant<unknown>([opts.min - 1])] : []),
      ...(opts.max !== undefined ? [fc.constant<unknown>([opts.max + 1])] : []),
    ),
  /**
   * A tensor argument of `shape` and `dtype`: not a tensor, a disposed tensor of the right shape,
   * the other dtype, the wrong rank, or (unless `wrongSize` is false: a first dimension that
   * may vary) one more row; `undefined` unless the argument is `optional`.
   */
  tensor: (
    shape: readonly number[],
    dtype: DType = "f32",
    opts: { wrongSize?: boolean; optional?: boolean } = {},
  ): fc.Arbitrary<unknown> => {
    const other: DType = dtype === "f32" ? "i32" : "f32";
    const label = (what: string, s: readonly number[], d: DType) =>
      `${what} tensor ${d}[${s.join(", ")}]`;
    const wrongRank = shape.length > 1 ? shape.slice(1) : [...shape, 1];
    const wrongSize = shape.map((d, i) => (i === 0 ? d + 1 : d));
    const notTensors: unknown[] = [null, 3, "t", {}, [1, 2], ...(opts.optional ? [] : [undefined])];
    return fc.oneof(
      fc.constantFrom<unknown>(...notTensors),
      fc.constantFrom(
        new Lazy(label("disposed", shape, dtype), () => {
          const t = tensorOf(shape, dtype);
          t.dispose();
          return t;
        }),
        new Lazy(label("wrong-dtype", shape, other), () => tensorOf(shape, other)),
        new Lazy(label("wrong-rank", wrongRank, dtype), () => tensorOf(wrongRank, dtype)),
        ...(opts.wrongSize === false ? [] : [
          new Lazy(label("wrong-size", wrongSize, dtype), () => tensorOf(wrongSize, dtype)),
        ]),
      ),
    );
  },
};

/**
 * The claim's measurement: the figure is the number of failing (export, poison) cases, with one
 * part per export (bound 0 each), and the failures in the detail.
 */
export function faultMeasurement(report: FaultReport, claimId: string): Measurement {
  const perExport = new Map<string, number>();
  for (const r of report.entries) {
    const name = exportOf(r.entry);
    perExport.set(name, (perExport.get(name) ?? 0) + r.failures.length);
  }
  const runs = report.entries.reduce((a, r) => a + r.runs, 0);
  const failed = report.failures.length;
  return {
    figure: failed,
    bound: 0,
    pass: failed === 0,
    parts: [...perExport].map(([name, n]) => ({
      name,
      figure: n,
      bound: 0,
      direction: "<=" as const,
    })),
    detail: `${report.entries.length} entry points of ${perExport.size} exports, ${runs} runs` +
      (failed > 0 ? `\n${formatFailures(report, claimId)}` : ""),
  };
}

/**
 * Registers a family's fault-fuzz claim test over `entries`, and a test that every runtime
 * export of `module` has an entry or is in `excluded` with its reason.
 *
 * @param claim the family's `<family>.public_api.fault_fuzz` claim
 * @param module the family's `mod.ts` namespace
 * @param entries one entry per function, constructor and method
 * @param excluded exports and class members (`C.m`) without entries, each with its reason
 * @param init run before the first entry (e.g. `initGpu`)
 */
export function registerFaultFuzz(
  claim: Claim,
  module: Record<string, unknown>,
  entries: readonly FaultEntry<never>[],
  excluded: Readonly<Record<string, string>>,
  init: () => Promise<unknown>,
): void {
  Deno.test(`${claim.id}: every runtime export is fuzzed or excluded with a reason`, () => {
    const { missing, stale } = exportCoverage(module, entries.map((e) => e.name), excluded);
    if (missing.length > 0 || stale.length > 0) {
      throw new Error(
        `Cannot accept the fault fuzz of ${claim.family}: expected every export of mod.ts to ` +
          `have a fuzz entry or an exclusion with its reason, but ` +
          `${missing.length} exports or class members have neither (${missing.join(", ")}) and ` +
          `${stale.length} listed names are not exported (${stale.join(", ")})`,
      );
    }
    const noReason = Object.entries(excluded).filter(([, why]) => why.trim().length < 10);
    if (noReason.length > 0) {
      throw new Error(
        `Cannot accept the exclusions of ${claim.family}: expected a reason for each, got none ` +
          `for ${noReason.map(([n]) => n).join(", ")}`,
      );
    }
  });
  claimTest(claim, async () => {
    await init();
    const report = await fuzzFaults(entries);
    const m = faultMeasurement(report, claim.id);
    if (report.failures.length > 0) console.error(formatFailures(report, claim.id, 400));
    if (env("FAULT_FUZZ_TIMES") !== undefined) {
      for (const r of report.entries) {
        console.error(
          `${r.entry}: ${r.runs} runs, ${r.ms.toFixed(0)} ms, ${r.failures.length} failing`,
        );
      }
    }
    return m;
  });
}

/**
 * Registers a test that every entry's VALID arguments are accepted, so that each poisoned call
 * of {@link registerFaultFuzz} is refused for its poison and not for a mistake in the valid
 * arguments. Each entry builds its target and arguments, is called once, and its output,
 * arguments and target are disposed after.
 *
 * @param claim the family's `<family>.public_api.fault_fuzz` claim (for the test's name)
 * @param entries the entries to call (the fuzzed ones and any fuzzed by a test of their own)
 * @param init run before the first entry (e.g. `initGpu`)
 * @param opts `settle`: yield to the event loop after building each target, so that a target's
 *   pending writes settle before its arguments are built
 */
export function registerValidArgumentsAccepted(
  claim: Claim,
  entries: readonly FaultEntry<never>[],
  init: () => Promise<unknown>,
  opts: { settle?: boolean } = {},
): void {
  Deno.test({
    name: `${claim.id}: every entry accepts its valid arguments`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      await init();
      const refused: string[] = [];
      for (const e of entries as unknown as readonly FaultEntry<unknown>[]) {
        const target = e.target ? e.target() : undefined;
        if (opts.settle) await new Promise((r) => setTimeout(r, 0));
        const args = e.args(target);
        try {
          const out = await e.call(target, args);
          (out as { dispose?: () => void } | null)?.dispose?.();
        } catch (err) {
          refused.push(`${e.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
        for (const a of args) (a as { dispose?: () => void } | null)?.dispose?.();
        (target as { dispose?: () => void } | undefined)?.dispose?.();
      }
      if (refused.length > 0) {
        throw new Error(
          `Cannot fuzz the ${claim.family} surface: expected every entry's valid arguments to ` +
            `be accepted, but ${refused.join("; ")}`,
        );
      }
    },
  });
}

/**
 * Registers a test that each class's `dispose()` is harmless when repeated and releases every
 * buffer the object allocated: the documented contract of a second `dispose()`, which therefore
 * has no malformed call to fuzz.
 *
 * @param family the family, for the test's name
 * @param makers one builder of a small live object per class
 * @param init run before the first build (e.g. `initGpu`)
 */
export function registerDisposeTwice(
  family: string,
  makers: Readonly<Record<string, () => { dispose(): void }>>,
  init: () => Promise<unknown>,
): void {
  Deno.test({
    name: `${family}.public_api: dispose() twice is harmless and releases every buffer`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      await init();
      const failures: string[] = [];
      for (const [name, make] of Object.entries(makers)) {
        const before = liveBufferCount();
        try {
          const o = make();
          o.dispose();
          o.dispose();
        } catch (e) {
          failures.push(`${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
        }
        const left = liveBufferCount() - before;
        if (left !== 0) failures.push(`${name}: ${left} buffers left after dispose()`);
      }
      if (failures.length > 0) {
        throw new Error(
          `Cannot accept dispose() of ${family}: expected a second call to be harmless and no ` +
            `buffer left, but ${failures.join("; ")}`,
        );
      }
    },
  });
}
