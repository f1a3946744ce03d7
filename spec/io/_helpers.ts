/**
 * Shared helpers of the io tests: bit-exact comparison of typed arrays, a
 * failure counter that becomes a claim's measurement, and a temporary folder
 * under out/tmp (the test task may write only under out/).
 *
 * @module
 */
import type { Measurement } from "../_harness/claim.ts";

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Index of the first differing byte of two views, or -1 when their bytes are equal. */
export function firstByteDiff(a: ArrayBufferView, b: ArrayBufferView): number {
  const x = bytesOf(a);
  const y = bytesOf(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : n;
}

/** Counts failed checks and keeps the first few for the claim's detail. */
export class Failures {
  count = 0;
  checks = 0;
  readonly notes: string[] = [];

  /** Records one check; `ok` false counts a failure described by `what`. */
  check(ok: boolean, what: () => string): boolean {
    this.checks++;
    if (!ok) {
      this.count++;
      if (this.notes.length < 5) this.notes.push(what());
    }
    return ok;
  }

  /** The claim's measurement: failures == 0. */
  measurement(summary: string): Measurement {
    return {
      figure: this.count,
      bound: 0,
      pass: this.count === 0,
      detail: `${summary}; ${this.checks} checks` +
        (this.notes.length > 0 ? `; first failures: ${this.notes.join(" | ")}` : ""),
    };
  }
}

/** Runs `fn` with a fresh folder under out/tmp, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  await Deno.mkdir("out/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out/tmp", prefix: "io-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
