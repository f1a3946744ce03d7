/**
 * The teacher export: the numpy report and faults.
 *
 * @module
 */
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { teacherExport } from "../../../impl/decepticons/teacher_export/teacher_export.ts";
import { TEACHER_FAULTS, TEACHER_FIXTURE } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  ints,
  loadControlFixture,
  relErr,
  rows,
} from "../control/_fixtures.ts";

claimTest(TEACHER_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("diagnostics");
  const t = data.teacher;
  const r = teacherExport({
    vocab: t.vocab,
    teacher: rows(t.teacher, "teacher"),
    student: rows(t.student, "student"),
    targets: ints(t.targets, "targets"),
  });
  const tl = ints(t.teacher_labels, "tl");
  const sl = ints(t.student_labels, "sl");
  const mismatches = r.teacherLabels.filter((l, i) => l !== tl[i]).length +
    r.studentLabels.filter((l, i) => l !== sl[i]).length;
  const err = relErr(
    [r.flipRate, r.teacherBitsPerByte, r.studentBitsPerByte],
    [t.flip_rate, t.teacher_bpb, t.student_bpb],
  );
  return {
    figure: err,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [{ name: "label mismatches", figure: mismatches, bound: 0, direction: "==" }],
    detail: `flip rate ${r.flipRate}, teacher ${r.teacherBitsPerByte.toFixed(4)} bpb, student ` +
      `${r.studentBitsPerByte.toFixed(4)} bpb; ${integrity}`,
  };
});

claimTest(TEACHER_FAULTS, async () => {
  const row = [0.5, 0.5];
  const cases = [
    {
      name: "no rows",
      run: () => teacherExport({ vocab: 2, teacher: [], student: [], targets: [] }),
      expect: RangeError,
      mentions: ["at least one row"],
    },
    {
      name: "rows of another vocabulary",
      run: () => teacherExport({ vocab: 3, teacher: [row], student: [row], targets: [0] }),
      expect: RangeError,
      mentions: ["3 values"],
    },
    {
      name: "unequal row counts",
      run: () => teacherExport({ vocab: 2, teacher: [row], student: [row, row], targets: [0] }),
      expect: RangeError,
      mentions: ["1 rows"],
    },
    {
      name: "negative target",
      run: () => teacherExport({ vocab: 2, teacher: [row], student: [row], targets: [-1] }),
      expect: RangeError,
      mentions: ["targets[0]"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
