/**
 * Finds every claims file under a spec folder, so the gate lists every
 * declared claim without a hand-kept import list: a claims file that exists is
 * a claims file the gate loads. A claims file is `claims.ts` or `*_claims.ts`;
 * folders starting with `_` (harness, helpers) are skipped.
 *
 * @example
 * ```ts ignore
 * import { findClaimFiles, loadClaimFiles } from "./claim_files.ts";
 * const files = await findClaimFiles(new URL("../", import.meta.url));
 * await loadClaimFiles(files); // every claim in them is now declared
 * ```
 *
 * @module
 */

/** Whether `name` names a claims file. */
export function isClaimFileName(name: string): boolean {
  return name === "claims.ts" || name.endsWith("_claims.ts");
}

/**
 * Every claims file under `root` (a directory URL ending in `/`), sorted, as file URLs.
 *
 * @throws {TypeError} when `root` does not end in `/`.
 */
export async function findClaimFiles(root: URL): Promise<URL[]> {
  if (!root.pathname.endsWith("/")) {
    throw new TypeError(
      `Cannot search ${root.href} for claims files: expected a folder URL ending in "/"`,
    );
  }
  const found: URL[] = [];
  const walk = async (dir: URL): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !e.name.startsWith("_") && !e.name.startsWith(".")) {
        await walk(new URL(`${e.name}/`, dir));
      } else if (e.isFile && isClaimFileName(e.name)) {
        found.push(new URL(e.name, dir));
      }
    }
  };
  await walk(root);
  return found.sort((a, b) => a.href.localeCompare(b.href));
}

/** Imports each claims file, declaring its claims in this process. */
export async function loadClaimFiles(files: readonly URL[]): Promise<void> {
  for (const f of files) await import(f.href);
}
