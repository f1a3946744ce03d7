import fc from "fast-check";
import {
  add,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  zeros,
} from "../../impl/mod.ts";
import {
  createStorageBuffer,
  MAX_POOLED_BYTES,
  MIN_CLASS_BYTES,
  physicalSize,
  POOL_CAP_BYTES,
  poolStats,
  releaseBuffer,
  sizeClass,
  trimPool,
} from "../../impl/gpu/buffers.ts";
import { defineProgram, dispatch } from "../../impl/gpu/program.ts";
import { outputLike } from "../../impl/tensor.ts";
import { claimTest } from "../_harness/claim.ts";
import { fcParams, replayHint } from "../_harness/fuzz.ts";
import { POOL_BOUNDED, POOL_LIVE_COUNT, POOL_NO_ALIAS } from "./pool_claims.ts";

/** Element counts spanning several size classes, the 256-byte minimum class and its edge. */
const SIZES = [1, 3, 64, 65, 200, 257, 1000, 1025, 3000] as const;

/** out = xs, one element per invocation: reads a buffer whose tensor may be disposed. */
const COPY = defineProgram({
  name: "pool_test_copy",
  workgroupSize: 64,
  uniforms: { n: "u32" },
  bindings: { xs: { access: "read" }, out: { access: "read_write" } },
  main: () => `let i = wg * 64u + lid; if (i >= p.n) { return; } out[i] = xs[i];`,
});

type Step =
  | { kind: "upload" | "stale"; n: number; seed: number }
  | { kind: "zeros"; n: number }
  | { kind: "op"; n: number; v: number }
  | { kind: "free"; pick: number };

const nArb = fc.constantFrom(...SIZES);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("upload" as const, "stale" as const),
    n: nArb,
    seed: fc.nat(),
  }),
  fc.record({ kind: fc.constant("zeros" as const), n: nArb }),
  fc.record({
    kind: fc.constant("op" as const),
    n: nArb,
    v: fc.integer({ min: -1000, max: 1000 }),
  }),
  fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
);

function values(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((seed + i * 7919) % 2003) - 1001;
  return v;
}

interface Live {
  t: Tensor;
  expected: Float32Array;
}

/** What the fuzzed sequences found, shared by the two claims that judge it. */
interface FuzzResult {
  cases: number;
  failing: number;
  countMismatches: number;
  steps: number;
  maxPooledBytes: number;
  firstFailure: string;
  seed: number;
}

/** Applies one step to the model and the device. */
function apply(step: Step, live: Live[]): void {
  switch (step.kind) {
    case "upload": {
      const v = values(step.n, step.seed);
      live.push({ t: tensor(v, [step.n]), expected: v });
      return;
    }
    case "zeros":
      live.push({ t: zeros([step.n]), expected: new Float32Array(step.n) });
      return;
    case "op": {
      // zeros from the pool (cleared), an uploaded scalar, an uninitialised output.
      const z = zeros([step.n]);
      const s = tensor([step.v], [1]);
      const t = add(z, s);
      z.dispose();
      s.dispose();
      live.push({ t, expected: new Float32Array(step.n).fill(step.v) });
      return;
    }
    case "stale": {
      // The temporary's tensor is disposed before the dispatch that reads it is recorded.
      const v = values(step.n, step.seed);
      const tmp = tensor(v, [step.n]);
      const buffer = tmp.buffer;
      tmp.dispose();
      const out = outputLike([step.n]);
      dispatch(COPY, {
        uniforms: { n: step.n },
        buffers: { xs: buffer, out: out.buffer },
        workgroups: Math.ceil(step.n / 64),
      });
      live.push({ t: out, expected: v });
      return;
    }
    case "free": {
      if (live.length === 0) return;
      const [gone] = live.splice(step.pick % live.length, 1);
      gone!.t.dispose();
    }
  }
}

let shared: Promise<FuzzResult> | null = null;

/** Runs the fuzzed sequences once for both claims. */
function fuzzPool(): Promise<FuzzResult> {
  shared ??= (async () => {
    await initGpu();
    const r: FuzzResult = {
      cases: 0,
      failing: 0,
      countMismatches: 0,
      steps: 0,
      maxPooledBytes: 0,
      firstFailure: "",
      seed: 0,
    };
    const params = fcParams<[Step[]]>(60);
    r.seed = params.seed;
    const fail = (what: string) => {
      r.failing++;
      if (r.firstFailure === "") r.firstFailure = what;
    };
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
          r.cases++;
          const base = liveBufferCount();
          const live: Live[] = [];
          let ok = true;
          try {
            for (const step of steps) {
              apply(step, live);
              r.steps++;
              r.maxPooledBytes = Math.max(r.maxPooledBytes, poolStats().pooledBytes);
              if (liveBufferCount() !== base + live.length) {
                r.countMismatches++;
                ok = false;
              }
            }
            if (new Set(live.map((l) => l.t.buffer)).size !== live.length) {
              fail(`two live tensors share a buffer after ${JSON.stringify(steps)}`);
              return false;
            }
            const got = await readTensors(live.map((l) => l.t));
            for (let k = 0; k < live.length; k++) {
              const e = live[k]!.expected;
              const g = got[k]!;
              const bad = e.findIndex((x, i) => !Object.is(x, g[i]));
              if (bad >= 0) {
                fail(`tensor ${k} [${e.length}] reads ${g[bad]} at ${bad}, expected ${e[bad]}`);
                return false;
              }
            }
          } finally {
            for (const l of live) l.t.dispose();
          }
          if (liveBufferCount() !== base) {
            r.countMismatches++;
            ok = false;
          }
          return ok;
        }),
        params,
      );
    } catch (e) {
      if (r.failing === 0 && r.countMismatches === 0) throw e;
      if (r.firstFailure === "") {
        r.firstFailure = `${replayHint(POOL_NO_ALIAS.id)}: ${(e as Error).message.slice(0, 200)}`;
      }
    }
    return r;
  })();
  return shared;
}

claimTest(POOL_NO_ALIAS, async () => {
  const r = await fuzzPool();
  return {
    figure: r.failing,
    bound: 0,
    pass: r.failing === 0 && r.cases >= 60,
    detail: `${r.cases} sequences, ${r.steps} steps, seed ${r.seed}` +
      (r.firstFailure === "" ? "" : `; first failure: ${r.firstFailure}`),
  };
});

claimTest(POOL_LIVE_COUNT, async () => {
  const r = await fuzzPool();
  await initGpu();
  // A second release of one buffer must count once (and must not pool it twice).
  const before = liveBufferCount();
  const pooled = poolStats().pooledBuffers;
  const b = createStorageBuffer(64, "pool test double release");
  releaseBuffer(b);
  releaseBuffer(b);
  const double = (liveBufferCount() !== before ? 1 : 0) +
    (poolStats().pooledBuffers > pooled + 1 ? 1 : 0);
  const figure = r.countMismatches + double;
  return {
    figure,
    bound: 0,
    pass: figure === 0 && r.steps > 0,
    detail: `${r.steps} fuzzed steps checked; double release ${
      double === 0 ? "counted once" : "broke the count"
    }`,
  };
});

claimTest(POOL_BOUNDED, async () => {
  await initGpu();
  const broken: string[] = [];
  const r = await fuzzPool();
  if (r.maxPooledBytes > POOL_CAP_BYTES) broken.push(`fuzz pooled ${r.maxPooledBytes} bytes`);
  const sizes = [0, 1, 4, 255, 256, 257, 1023, 1024, 1025, 4097, 65535, 1 << 20, (1 << 20) + 4];
  for (let k = 0; k < 200; k++) sizes.push((k * 2654435761) % MAX_POOLED_BYTES);
  sizes.push(MAX_POOLED_BYTES, MAX_POOLED_BYTES + 4);
  for (const s of sizes) {
    const p = physicalSize(s);
    const c = sizeClass(s);
    const ok = p > MAX_POOLED_BYTES ? c === p : c >= p && c <= Math.max(MIN_CLASS_BYTES, 1.25 * p);
    if (!ok) broken.push(`sizeClass(${s}) = ${c} for ${p} bytes`);
  }
  // Release five 16 MiB buffers (80 MiB): the pool keeps at most its cap.
  const big = Array.from({ length: 5 }, () => createStorageBuffer(MAX_POOLED_BYTES, "pool cap"));
  for (const b of big) releaseBuffer(b);
  if (poolStats().pooledBytes > POOL_CAP_BYTES) {
    broken.push(`pool holds ${poolStats().pooledBytes} bytes past the cap ${POOL_CAP_BYTES}`);
  }
  // A buffer above the largest class is destroyed on release, not pooled.
  const pooled = poolStats().pooledBuffers;
  releaseBuffer(createStorageBuffer(MAX_POOLED_BYTES + 4, "pool unpooled"));
  if (poolStats().pooledBuffers !== pooled) broken.push("a buffer above 16 MiB was pooled");
  trimPool();
  if (poolStats().pooledBytes !== 0) broken.push("trimPool left pooled bytes");
  return {
    figure: broken.length,
    bound: 0,
    pass: broken.length === 0,
    detail: broken.length === 0
      ? `${sizes.length} sizes, cap ${POOL_CAP_BYTES} bytes held; fuzz peak ${r.maxPooledBytes} bytes`
      : broken.slice(0, 3).join("; "),
  };
});
