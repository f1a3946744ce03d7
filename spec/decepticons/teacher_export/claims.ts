/**
 * Claims of the teacher export, against asuramaya/decepticons:src/decepticons/teacher_export.py
 * at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/teacher_export.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The teacher report against numpy. */
export const TEACHER_FIXTURE = claim({
  id: "decepticons.teacher_export.fixture_parity",
  statement: "labels, flip rate and the teacher's and student's bits per byte on 24 shipped " +
    "rows at V = 8 match numpy",
  source: `${SRC}; asuramaya/decepticons:tests/test_teacher_export_adapter.py; ` +
    "fixtures/gen/decepticons_diagnostics_fixtures.py",
  bound: "labels equal; values max |Δ|/max(|want|, 1) <= 1e-12",
  kind: "parity",
});

/** Bad input. */
export const TEACHER_FAULTS = claim({
  id: "decepticons.teacher_export.fault_inputs",
  statement: "no rows, rows of another vocabulary, unequal row counts and target ids outside " +
    "[0, V) are refused",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
});
