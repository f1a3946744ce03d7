/**
 * Worker entry: computes {@link c1200ReplayReport} and posts it back once.
 *
 * @module
 */
import { c1200ReplayReport } from "./_replay1200.ts";

(self as unknown as { postMessage(m: unknown): void }).postMessage(c1200ReplayReport());
