/**
 * Atomic file replacement: write to a temporary name in the target's folder,
 * flush it to disk, then rename it over the target. A rename within one folder
 * (one file system) is atomic on POSIX, so a reader sees either the old file or
 * the complete new one, never a partial write.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * await writeFileAtomic(`${dir}/data.bin`, new Uint8Array([1, 2, 3]));
 * deepStrictEqual(Array.from(await Deno.readFile(`${dir}/data.bin`)), [1, 2, 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

/** Writes `bytes` to `path` (creating or truncating it); the default writes and fsyncs. */
export type FileWriter = (path: string, bytes: Uint8Array) => Promise<void>;

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * What writes the temporary file; default {@link writeAndSync}. Tests inject a writer
   * that fails half-way to prove the old file survives.
   */
  writer?: FileWriter;
}

/**
 * Writes `bytes` to `path` and flushes them to disk before returning.
 *
 * @example
 * ```ts
 * import { writeAndSync } from "./atomic.ts";
 * import { strictEqual } from "node:assert/strict";
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * await writeAndSync(`${dir}/x.bin`, new Uint8Array(5));
 * strictEqual((await Deno.stat(`${dir}/x.bin`)).size, 5);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeAndSync(path: string, bytes: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    let at = 0;
    while (at < bytes.length) at += await file.write(bytes.subarray(at));
    await file.sync();
  } finally {
    file.close();
  }
}

function splitPath(path: string): { dir: string; base: string } {
  const cut = path.lastIndexOf("/");
  return cut < 0
    ? { dir: "", base: path }
    : { dir: path.slice(0, cut + 1), base: path.slice(cut + 1) };
}

/**
 * The temporary name {@link writeFileAtomic} writes `path` under: same folder, hidden.
 *
 * @example
 * ```ts
 * import { isTemporaryName, temporaryName } from "./atomic.ts";
 * import { ok } from "node:assert/strict";
 * const tmp = temporaryName("out/run.safetensors");
 * ok(tmp.startsWith("out/.run.safetensors.tmp-") && isTemporaryName(tmp.slice(4)));
 * ```
 */
export function temporaryName(path: string): string {
  const { dir, base } = splitPath(path);
  const tag = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(16).padStart(8, "0");
  return `${dir}.${base}.tmp-${tag}`;
}

/**
 * Whether `name` (a bare file name) is one of {@link writeFileAtomic}'s temporary names.
 *
 * @example
 * ```ts
 * import { isTemporaryName } from "./atomic.ts";
 * import { ok } from "node:assert/strict";
 * ok(isTemporaryName(".w.safetensors.tmp-0a1b2c3d") && !isTemporaryName("w.safetensors"));
 * ```
 */
export function isTemporaryName(name: string): boolean {
  return /^\..*\.tmp-[0-9a-f]{8}$/.test(name);
}

/**
 * Writes `bytes` to `path` atomically (temporary file, then rename). When the write fails,
 * the temporary file is removed (best effort) and the error rethrown; `path` is untouched.
 *
 * @throws whatever the writer or the rename throws (e.g. `Deno.errors.PermissionDenied`).
 *
 * @example A failing writer leaves the old file
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * import { deepStrictEqual, rejects } from "node:assert/strict";
 * await Deno.mkdir("out/tmp", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out/tmp" });
 * const path = `${dir}/f.bin`;
 * await writeFileAtomic(path, new Uint8Array([1]));
 * const writer = () => Promise.reject(new Error("disk full"));
 * await rejects(writeFileAtomic(path, new Uint8Array([2]), { writer }));
 * deepStrictEqual(Array.from(await Deno.readFile(path)), [1]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const writer = options.writer ?? writeAndSync;
  const tmp = temporaryName(path);
  try {
    await writer(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
