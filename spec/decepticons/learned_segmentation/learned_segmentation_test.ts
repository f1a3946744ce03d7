/**
 * Learned segmentation: numpy trajectories, fuzzed length bounds, exact counters,
 * target-driven self-training, faults.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import {
  LearnedBoundaryScorer,
  LearnedSegmenter,
} from "../../../impl/decepticons/learned_segmentation/learned_segmentation.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { SEG_COUNTERS, SEG_FAULTS, SEG_FIXTURE, SEG_LENGTHS, SEG_SELF_TRAINING } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  fuzzCases,
  ints,
  loadControlFixture,
  nums,
  type Raw,
  relErr,
  rows,
  Worst,
} from "../control/_fixtures.ts";

claimTest(SEG_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("segmentation");
  const signals = rows(data.signals, "signals");
  const worst = new Worst();
  let mismatches = 0;
  const check = (r: Raw, seg: LearnedSegmenter, ps: number[], bds: number[], ys: number[]) => {
    worst.add(`${r.name} probabilities`, relErr(ps, nums(r.probabilities, "p")));
    worst.add(`${r.name} weights`, relErr(seg.scorer.weights, nums(r.weights, "w")));
    worst.add(`${r.name} bias`, relErr([seg.scorer.bias], [r.bias]));
    worst.add(`${r.name} mean target`, relErr([seg.scorer.meanTarget], [r.mean_target]));
    const wantB = ints(r.boundaries, "b");
    const wantY = ints(r.targets, "y");
    mismatches += bds.filter((b, i) => b !== wantB[i]).length;
    mismatches += ys.filter((y, i) => y !== wantY[i]).length;
    if (seg.stepsSeen !== r.steps_seen) mismatches++;
    if (seg.updates !== r.updates) mismatches++;
    if (seg.boundaries !== r.boundary_count) mismatches++;
  };
  const config = (r: Raw) => ({
    targetPatchSize: r.target_patch_size,
    targetBoundaryRate: r.target_boundary_rate,
    updateSteps: r.update_steps,
  });
  for (const r of data.runs as Raw[]) {
    const seg = new LearnedSegmenter(config(r));
    const ps: number[] = [], bds: number[] = [], ys: number[] = [];
    for (const [nov, drift] of signals) {
      const d = seg.step(nov!, drift!, { learn: r.learn });
      ps.push(d.probability);
      bds.push(Number(d.boundary));
      ys.push(d.target ?? -1);
    }
    check(r, seg, ps, bds, ys);
  }
  const r = data.decide;
  const seg = new LearnedSegmenter(config(r));
  const ps: number[] = [], bds: number[] = [], ys: number[] = [];
  let L = 0;
  for (const [nov, sur] of signals) {
    L++;
    const d = seg.decide(L, nov!, sur!, { train: true });
    ps.push(d.probability);
    bds.push(Number(d.boundary));
    ys.push(d.target ?? -1);
    if (d.boundary) L = 0;
  }
  check(r, seg, ps, bds, ys);
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [{
      name: "decision, target and counter mismatches",
      figure: mismatches,
      bound: 0,
      direction: "==",
    }],
    detail: `${data.runs.length + 1} trajectories of ${signals.length} steps, worst at ` +
      `${worst.where} (${worst.error.toExponential(2)}); ${integrity}`,
  };
});

claimTest(SEG_LENGTHS, () => {
  const arb = fc.record({
    lo: fc.integer({ min: 1, max: 5 }),
    span: fc.integer({ min: 0, max: 6 }),
    theta: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    learn: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1 << 20 }),
  });
  let patches = 0;
  const runs = fuzzCases(arb, 200, (c) => {
    const hi = c.lo + c.span;
    const seg = new LearnedSegmenter({
      minPatch: c.lo,
      maxPatch: hi,
      threshold: c.theta,
      targetPatchSize: (c.lo + hi) / 2,
    });
    const rng = new Rng(c.seed);
    let len = 0;
    for (let t = 0; t < 120; t++) {
      const d = seg.step(rng.normal() * 3, rng.normal() * 3, { learn: c.learn });
      len++;
      if (d.length !== len) return `candidate length ${d.length} != ${len}`;
      if (d.boundary) {
        if (len < c.lo || len > hi) return `patch ${len} outside [${c.lo}, ${hi}]`;
        patches++;
        len = 0;
      } else if (len >= hi) return `no boundary at maxPatch ${hi}`;
    }
    return null;
  });
  return {
    figure: 0,
    bound: 0,
    pass: true,
    detail: `${runs} fuzzed streams, ${patches} patches, 0 violations`,
  };
});

claimTest(SEG_COUNTERS, () => {
  const seg = new LearnedSegmenter({ targetBoundaryRate: 0.2 });
  const rng = new Rng(5);
  const ys: number[] = [];
  for (let t = 0; t < 10; t++) {
    ys.push(seg.step(rng.uniform(), rng.normal(), { learn: true }).target!);
  }
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  const err = Math.abs(seg.stepsSeen - 10) + Math.abs(seg.updates - 10) +
    Math.abs(seg.scorer.targetRate! - 0.2) + Math.abs(seg.scorer.meanTarget - meanY);
  return {
    figure: err,
    bound: 0,
    pass: true,
    detail: `stepsSeen ${seg.stepsSeen}, updates ${seg.updates}, targetRate ` +
      `${seg.scorer.targetRate}, meanTarget ${seg.scorer.meanTarget} (targets ${ys.join("")}); ` +
      "the original reads steps_seen 20 and mean_target_rate 0.137",
  };
});

/** Mean patch length of 3000 decide(train) steps; `own` trains on the scorer's own decision. */
function selfTrain(cfg: { targetPatchSize?: number; targetBoundaryRate?: number }, own = false) {
  const seg = new LearnedSegmenter(cfg);
  const scorer = own ? new LearnedBoundaryScorer() : null;
  const rng = new Rng(2026);
  let L = 0;
  const lengths: number[] = [];
  for (let t = 0; t < 3000; t++) {
    L++;
    const nov = rng.uniform();
    const sur = rng.uniform();
    let boundary: boolean;
    if (scorer !== null) {
      // The original's rule without a target size: the target is the decision itself.
      const f = scorer.features(L, nov, sur);
      const decide = () => (L >= 8 ? true : L < 2 ? false : scorer.probability(f) >= 0.5);
      scorer.update(f, decide() ? 1 : 0);
      boundary = decide();
    } else {
      boundary = seg.decide(L, nov, sur, { train: true }).boundary;
    }
    if (boundary) {
      lengths.push(L);
      L = 0;
    }
  }
  return { mean: lengths.reduce((a, b) => a + b, 0) / lengths.length, patches: lengths.length };
}

claimTest(SEG_SELF_TRAINING, () => {
  const size = selfTrain({ targetPatchSize: 4 });
  const rate = selfTrain({ targetBoundaryRate: 0.25 });
  const own = selfTrain({}, true);
  return {
    figure: Math.max(Math.abs(size.mean - 4), Math.abs(rate.mean - 4)),
    bound: 0.25,
    pass: true,
    detail: `target size 4: mean ${size.mean.toFixed(3)} over ${size.patches} patches; target ` +
      `rate .25: ${rate.mean.toFixed(3)} over ${rate.patches}; the original's self-training ` +
      `rule on the same stream: ${own.mean.toFixed(3)} over ${own.patches} (max 8)`,
  };
});

claimTest(SEG_FAULTS, async () => {
  const seg = new LearnedSegmenter();
  const before = JSON.stringify([
    seg.length,
    seg.stepsSeen,
    [...seg.scorer.weights],
    seg.scorer.bias,
  ]);
  const cases = [
    {
      name: "minPatch > maxPatch",
      run: () => new LearnedSegmenter({ minPatch: 9, maxPatch: 4 }),
      expect: RangeError,
      mentions: ["minPatch", "maxPatch 4"],
    },
    {
      name: "θ = 1.5",
      run: () => new LearnedSegmenter({ threshold: 1.5 }),
      expect: RangeError,
      mentions: ["threshold"],
    },
    {
      name: "η = 0",
      run: () => new LearnedSegmenter({ learningRate: 0 }),
      expect: RangeError,
      mentions: ["learningRate"],
    },
    {
      name: "rate 0",
      run: () => new LearnedSegmenter({ targetBoundaryRate: 0 }),
      expect: RangeError,
      mentions: ["targetBoundaryRate"],
    },
    {
      name: "learning without a target",
      run: () => seg.step(0.5, 0.1, { learn: true }),
      expect: RangeError,
      mentions: ["targetPatchSize or targetBoundaryRate"],
    },
    {
      name: "training decide without a target",
      run: () => seg.decide(3, 0.5, 0.1, { train: true }),
      expect: RangeError,
      mentions: ["targetPatchSize or targetBoundaryRate"],
    },
    { name: "NaN novelty", run: () => seg.step(NaN, 0), expect: RangeError, mentions: ["novelty"] },
  ];
  const failures = await checkFaults(cases);
  const after = JSON.stringify([
    seg.length,
    seg.stepsSeen,
    [...seg.scorer.weights],
    seg.scorer.bias,
  ]);
  if (after !== before) failures.push("state changed");
  return faultMeasurement(cases.length, failures);
});
