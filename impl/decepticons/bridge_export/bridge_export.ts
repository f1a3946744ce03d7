/**
 * Bridge export (asuramaya/decepticons src/decepticons/bridge_export.py): a report over the
 * rows of a base and a proxy model, with per-row agreement mass Σ min(p, q), the spans where
 * it reaches the threshold, and the byte accounting of those spans.
 *
 * memspec differs from the original where the original is wrong: the accounting and the
 * spans use one comparison (agreement ≥ θ; the original counts replay bytes with > θ while
 * its spans select ≥ θ, so at θ = 0 it reports 2 replay bytes beside a span of 4 rows), and a
 * vocabulary other than the configured one is refused for every configured size (the
 * original silently accepts any vocabulary when configured with 256).
 *
 * @example
 * ```ts
 * import { bridgeExport } from "./bridge_export.ts";
 * import { strictEqual } from "node:assert/strict";
 * const r = bridgeExport({ vocab: 2, threshold: 0, base: [[1, 0], [0, 1]], proxy: [[0, 1], [0, 1]], targets: [0, 1] });
 * strictEqual(r.replayBytes, 2);
 * ```
 *
 * @module
 */
import { finiteNumber, integer, tokenIds } from "../control/check.ts";
import { normalizeRow, overlap } from "../probability_diagnostics/probability_diagnostics.ts";
import { selected, selectSpans, type Span } from "../span_selection/span_selection.ts";
import { shown } from "../../validate.ts";

/** Input of {@link bridgeExport}. */
export interface BridgeInput {
  /** The vocabulary V every row must have. */
  vocab: number;
  /** Agreement threshold θ. */
  threshold: number;
  /** Base rows [n][V]. */
  base: ReadonlyArray<ArrayLike<number>>;
  /** Proxy rows [n][V]. */
  proxy: ReadonlyArray<ArrayLike<number>>;
  /** Target ids, one per row, in [0, V). */
  targets: ArrayLike<number>;
}

/** The bridge report. */
export interface BridgeReport {
  /** Rows n (one byte each). */
  readonly artifactBytes: number;
  /** Rows whose agreement is ≥ θ: the selected positions of the spans. */
  readonly replayBytes: number;
  /** Per-row agreement Σ min(p, q). */
  readonly agreement: Float64Array;
  /** Spans of agreement ≥ θ (minSpan 1, maxGap 0). */
  readonly spans: readonly Span[];
  /** Bits per byte of the base rows on the targets. */
  readonly baseBitsPerByte: number;
  /** Bits per byte of the proxy rows on the targets. */
  readonly proxyBitsPerByte: number;
  /** ½(base + proxy). */
  readonly meanBitsPerByte: number;
}

/** mean −log2(max(p_target, 1e−12)) over normalised rows. */
export function rowsBitsPerByte(
  rows: ReadonlyArray<ArrayLike<number>>,
  targets: ArrayLike<number>,
): number {
  let s = 0;
  for (let i = 0; i < rows.length; i++) {
    const p = normalizeRow(rows[i]!);
    s -= Math.log2(Math.max(p[targets[i]!]!, 1e-12));
  }
  return s / rows.length;
}

/** Checks rows [n][V] of one vocabulary. */
export function checkRows(
  op: string,
  what: string,
  rows: unknown,
  vocab: number,
  n?: number,
): ReadonlyArray<ArrayLike<number>> {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new RangeError(
      `Cannot ${op}: expected ${what} to hold at least one row but got ${shown(rows)}`,
    );
  }
  if (n !== undefined && rows.length !== n) {
    throw new RangeError(`Cannot ${op}: expected ${what} to hold ${n} rows but got ${rows.length}`);
  }
  rows.forEach((r, i) => {
    const len = (r as ArrayLike<number> | null)?.length;
    if (len !== vocab) {
      throw new RangeError(
        `Cannot ${op}: expected ${what} row ${i} to hold the vocabulary's ${vocab} values but got ` +
          `${len === undefined ? shown(r) : len}`,
      );
    }
    try {
      normalizeRow(r as ArrayLike<number>, `${what} row ${i}`);
    } catch (e) {
      // The row helper names itself; the error should name the export that was called.
      if (e instanceof Error) e.message = e.message.replace("normalise a probability row", op);
      throw e;
    }
  });
  return rows;
}

/**
 * The bridge report of base and proxy rows.
 *
 * @throws {TypeError | RangeError} for an empty input, rows of another vocabulary, unequal row
 *   counts, negative or non-finite probabilities, or target ids outside [0, V).
 */
export function bridgeExport(input: BridgeInput): BridgeReport {
  const op = "build a bridge export";
  const vocab = integer(op, "vocab", input?.vocab, 1, 2 ** 24);
  const threshold = finiteNumber(op, "threshold", input.threshold);
  const base = checkRows(op, "base", input.base, vocab);
  const proxy = checkRows(op, "proxy", input.proxy, vocab, base.length);
  const targets = tokenIds(op, "targets", input.targets, vocab);
  if (targets.length !== base.length) {
    throw new RangeError(`Cannot ${op}: expected ${base.length} targets but got ${targets.length}`);
  }
  const agreement = Float64Array.from(base, (p, i) => overlap(p, proxy[i]!));
  const spans = selectSpans(agreement, threshold, { minSpan: 1, maxGap: 0 });
  const replayBytes = agreement.reduce((a, x) => a + (selected(x, threshold) ? 1 : 0), 0);
  const b = rowsBitsPerByte(base, targets);
  const q = rowsBitsPerByte(proxy, targets);
  return Object.freeze({
    artifactBytes: base.length,
    replayBytes,
    agreement,
    spans: Object.freeze(spans),
    baseBitsPerByte: b,
    proxyBitsPerByte: q,
    meanBitsPerByte: (b + q) / 2,
  });
}
