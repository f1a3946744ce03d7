/**
 * Teacher export (asuramaya/decepticons src/decepticons/teacher_export.py): a teacher's and a
 * student's rows over one vocabulary, their argmax labels (lower index on ties), the flip
 * rate mean[label_T ≠ label_S], and each one's bits per byte on the targets.
 *
 * @example
 * ```ts
 * import { teacherExport } from "./teacher_export.ts";
 * import { strictEqual } from "node:assert/strict";
 * const r = teacherExport({ vocab: 2, teacher: [[0.9, 0.1], [0.2, 0.8]], student: [[0.4, 0.6], [0.3, 0.7]], targets: [0, 1] });
 * strictEqual(r.flipRate, 0.5);
 * ```
 *
 * @module
 */
import { integer, tokenIds } from "../control/check.ts";
import { normalizeRow, topkIndices } from "../probability_diagnostics/probability_diagnostics.ts";
import { checkRows, rowsBitsPerByte } from "../bridge_export/bridge_export.ts";

/** Input of {@link teacherExport}. */
export interface TeacherInput {
  /** The vocabulary V. */
  vocab: number;
  /** Teacher rows [n][V]. */
  teacher: ReadonlyArray<ArrayLike<number>>;
  /** Student rows [n][V]. */
  student: ReadonlyArray<ArrayLike<number>>;
  /** Target ids in [0, V). */
  targets: ArrayLike<number>;
}

/** The teacher report. */
export interface TeacherReport {
  /** Teacher's argmax per row. */
  readonly teacherLabels: readonly number[];
  /** Student's argmax per row. */
  readonly studentLabels: readonly number[];
  /** Fraction of rows whose labels differ. */
  readonly flipRate: number;
  /** Teacher bits per byte on the targets. */
  readonly teacherBitsPerByte: number;
  /** Student bits per byte on the targets. */
  readonly studentBitsPerByte: number;
}

/**
 * The teacher report.
 *
 * @throws {TypeError | RangeError} for empty or mismatched rows, bad probabilities or targets.
 */
export function teacherExport(input: TeacherInput): TeacherReport {
  const op = "build a teacher export";
  const vocab = integer(op, "vocab", input?.vocab, 1, 2 ** 24);
  const teacher = checkRows(op, "teacher", input.teacher, vocab);
  const student = checkRows(op, "student", input.student, vocab, teacher.length);
  const targets = tokenIds(op, "targets", input.targets, vocab);
  if (targets.length !== teacher.length) {
    throw new RangeError(
      `Cannot ${op}: expected ${teacher.length} targets but got ${targets.length}`,
    );
  }
  const label = (r: ArrayLike<number>) => topkIndices(normalizeRow(r), 1)[0]!;
  const tl = teacher.map(label);
  const sl = student.map(label);
  const flips = tl.reduce((a, l, i) => a + (l !== sl[i] ? 1 : 0), 0);
  return Object.freeze({
    teacherLabels: Object.freeze(tl),
    studentLabels: Object.freeze(sl),
    flipRate: flips / tl.length,
    teacherBitsPerByte: rowsBitsPerByte(teacher, targets),
    studentBitsPerByte: rowsBitsPerByte(student, targets),
  });
}
