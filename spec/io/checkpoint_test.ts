/**
 * Tests of the checkpoint claims (./claims.ts): a bit-exact resume of Adam and
 * AdamW training, exact save/load with provenance and sidecar, expandCopy
 * against a host oracle, strict and non-strict refusals, and saves interrupted
 * half-way by an injected writer.
 *
 * @module
 */
import {
  Adam,
  type AdamOptions,
  add,
  backward,
  initGpu,
  liveBufferCount,
  matmul,
  mean,
  readTensors,
  relu,
  square,
  sub,
  type Tensor,
  tensor,
  tidy,
} from "../../impl/mod.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadCheckpoint,
  MEMSPEC_VERSION,
  readCheckpointInfo,
  saveCheckpoint,
  sidecarPath,
} from "../../impl/io/mod.ts";
import denoConfig from "../../deno.json" with { type: "json" };
import { claimTest } from "../_harness/claim.ts";
import { caseValues } from "../_harness/op_spec.ts";
import { Failures, firstByteDiff, withTempDir } from "./_helpers.ts";
import {
  CK_EXPAND,
  CK_FAULT_INTERRUPTED,
  CK_FAULT_STRICT,
  CK_RESUME,
  CK_ROUND_TRIP,
} from "./claims.ts";

function f32(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from(caseValues(seed, n, lo, hi));
}

// ------------------------------------------------------------------ resume

const B = 6;
const IN = 4;
const HIDDEN = 8;
const OUT = 3;
const STEPS = 12;

interface Mlp {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

function mlp(seed: number): Mlp {
  const p = (shape: number[], s: number) =>
    tensor(f32(seed + s, shape.reduce((a, b) => a * b, 1), -0.5, 0.5), shape, {
      requiresGrad: true,
    });
  return { w1: p([IN, HIDDEN], 1), b1: p([HIDDEN], 2), w2: p([HIDDEN, OUT], 3), b2: p([OUT], 4) };
}

function params(m: Mlp): Tensor[] {
  return [m.w1, m.b1, m.w2, m.b2];
}

function dispose(m: Mlp): void {
  for (const t of params(m)) t.dispose();
}

/** Steps of Adam on mean((relu(x·W1 + b1)·W2 + b2 − y)²). */
function train(m: Mlp, opt: Adam, x: Tensor, y: Tensor, steps: number): void {
  for (let s = 0; s < steps; s++) {
    tidy(() => {
      const h = relu(add(matmul(x, m.w1), m.b1));
      backward(mean(square(sub(add(matmul(h, m.w2), m.b2), y))));
    });
    opt.step();
    opt.zeroGrad();
  }
}

/** Every parameter and moment of the run, read back at once, and the step counts. */
async function snapshot(m: Mlp, opt: Adam): Promise<{ values: Float32Array[]; steps: number[] }> {
  const ps = params(m);
  const states = ps.map((_, i) => opt.state(i)!);
  const values = await readTensors([...ps, ...states.flatMap((s) => [s.m, s.v])]);
  return { values: values as Float32Array[], steps: states.map((s) => s.step) };
}

claimTest(CK_RESUME, async () => {
  await initGpu();
  const f = new Failures();
  const x = tensor(f32(11, B * IN, -2, 2), [B, IN]);
  const y = tensor(f32(12, B * OUT), [B, OUT]);
  const variants: [string, AdamOptions][] = [
    ["Adam", { lr: 0.05 }],
    ["AdamW", { lr: 0.05, weightDecay: 0.1, decoupledWeightDecay: true }],
  ];
  let elements = 0;
  try {
    await withTempDir(async (dir) => {
      for (const [name, options] of variants) {
        // Uninterrupted.
        const a = mlp(100);
        const optA = new Adam(params(a), options);
        train(a, optA, x, y, STEPS);
        const want = await snapshot(a, optA);
        optA.dispose();
        dispose(a);
        // Interrupted at STEPS / 2, resumed in a fresh model and optimiser.
        const path = `${dir}/${name}.safetensors`;
        const b = mlp(100);
        const optB = new Adam(params(b), options);
        train(b, optB, x, y, STEPS / 2);
        await saveCheckpoint(path, { params: { ...b }, optimizer: optB, meta: { name } });
        optB.dispose();
        dispose(b);
        const c = mlp(999); // other initial values: everything must come from the file
        const optC = new Adam(params(c), options);
        await loadCheckpoint(path, { params: { ...c }, optimizer: optC });
        train(c, optC, x, y, STEPS / 2);
        const got = await snapshot(c, optC);
        optC.dispose();
        dispose(c);
        f.check(
          JSON.stringify(got.steps) === JSON.stringify(want.steps),
          () => `${name}: steps ${got.steps} vs ${want.steps}`,
        );
        want.values.forEach((w, i) => {
          elements += w.length;
          const at = firstByteDiff(got.values[i]!, w);
          f.check(at < 0, () => `${name}: tensor ${i} differs from byte ${at}`);
        });
      }
    });
  } finally {
    x.dispose();
    y.dispose();
  }
  return f.measurement(
    `2-layer MLP ${IN}→${HIDDEN}→${OUT}, batch ${B}, ${STEPS} steps, checkpoint at ` +
      `${STEPS / 2}; Adam and AdamW; ${elements} parameter and moment elements compared`,
  );
});

// ------------------------------------------------------------------ round trip

claimTest(CK_ROUND_TRIP, async () => {
  await initGpu();
  const f = new Failures();
  const wBits = new Uint32Array([0, 0x80000000, 0x7f800000, 0xffc12345, 1, 0x3f800000]);
  const wVals = new Float32Array(wBits.buffer);
  const idVals = new Int32Array([-2147483648, 0, 2147483647, 5]);
  const w = tensor(wVals, [2, 3]);
  const ids = tensor(idVals, [4], { dtype: "i32" });
  const w2 = tensor(new Float32Array(6), [2, 3]);
  const ids2 = tensor(new Int32Array(4), [4], { dtype: "i32" });
  const extra = tensor([7, 8], [2]);
  const meta = { run: "round-trip", lr: 0.5, tags: ["a", "é"] };
  try {
    await withTempDir(async (dir) => {
      const path = `${dir}/ck.safetensors`;
      const t0 = Date.now();
      const saved = await saveCheckpoint(path, { params: { w, ids }, meta });
      const report = await loadCheckpoint(path, { params: { w: w2, ids: ids2 } });
      const [gw, gids] = await readTensors([w2, ids2]);
      f.check(firstByteDiff(gw!, wVals) < 0, () => "f32 values differ");
      f.check(firstByteDiff(gids!, idVals) < 0, () => "i32 values differ");
      f.check(
        JSON.stringify(report.loaded) === '["w","ids"]' && report.missing.length === 0 &&
          report.unexpected.length === 0,
        () => `report ${JSON.stringify(report)}`,
      );
      // Provenance, in the file and in the sidecar.
      const info = await readCheckpointInfo(path);
      const date = Date.parse(info.date);
      f.check(
        info.format === "memspec-checkpoint/1" && info.memspec === denoConfig.version &&
          info.memspec === MEMSPEC_VERSION && date >= t0 - 1000 && date <= Date.now() + 1000 &&
          JSON.stringify(info.meta) === JSON.stringify(meta) && info.optimizer === null,
        () => `provenance ${JSON.stringify(info)}`,
      );
      f.check(
        JSON.stringify(info.parameters) ===
          '[{"name":"w","shape":[2,3],"dtype":"f32"},{"name":"ids","shape":[4],"dtype":"i32"}]',
        () => `parameters ${JSON.stringify(info.parameters)}`,
      );
      f.check(JSON.stringify(saved) === JSON.stringify(info), () => "returned provenance differs");
      const sidecar = JSON.parse(await Deno.readTextFile(sidecarPath(path)));
      const bytes = await Deno.readFile(path);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const sha = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      f.check(
        sidecarPath(path) === `${dir}/ck.json` && sidecar.sha256 === sha &&
          sidecar.file === "ck.safetensors" && sidecar.date === info.date &&
          JSON.stringify(sidecar.meta) === JSON.stringify(meta),
        () => `sidecar ${JSON.stringify(sidecar).slice(0, 200)}`,
      );
      // Non-strict: missing and unexpected names are reported and tolerated.
      const before = await extra.toArray();
      const loose = await loadCheckpoint(path, { params: { w: w2, extra }, strict: false });
      const [after] = await readTensors([extra]);
      f.check(
        JSON.stringify(loose.missing) === '["extra"]' &&
          JSON.stringify(loose.unexpected) === '["ids"]' &&
          JSON.stringify(loose.loaded) === '["w"]' && firstByteDiff(after!, before) < 0,
        () => `non-strict report ${JSON.stringify(loose)}`,
      );
    });
  } finally {
    for (const t of [w, ids, w2, ids2, extra]) t.dispose();
  }
  return f.measurement("f32 specials and i32 extremes, provenance, sidecar, non-strict load");
});

// ------------------------------------------------------------------ expandCopy

/** The host oracle: fresh values, with saved values wherever every index is in both shapes. */
function expandOracle(
  saved: Float32Array,
  savedShape: number[],
  fresh: Float32Array,
  freshShape: number[],
): Float32Array {
  const out = fresh.slice();
  for (let flat = 0; flat < fresh.length; flat++) {
    let rest = flat;
    const idx: number[] = [];
    for (let k = freshShape.length - 1; k >= 0; k--) {
      idx.unshift(rest % freshShape[k]!);
      rest = Math.floor(rest / freshShape[k]!);
    }
    if (idx.every((i, k) => i < savedShape[k]!)) {
      const s = idx.reduce((acc, i, k) => acc * savedShape[k]! + i, 0);
      out[flat] = saved[s]!;
    }
  }
  return out;
}

claimTest(CK_EXPAND, async () => {
  await initGpu();
  const f = new Failures();
  const cases: [number[], number[]][] = [
    [[3], [5]],
    [[5], [3]],
    [[2, 3], [3, 2]],
    [[4, 1], [2, 5]],
    [[2, 2, 2], [3, 1, 4]],
    [[3, 4, 2], [2, 5, 3]],
    [[0, 3], [2, 3]],
  ];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  let elements = 0;
  await withTempDir(async (dir) => {
    const savedTensors: Record<string, Tensor> = {};
    const fresh: Record<string, Tensor> = {};
    const freshHost: Record<string, Float32Array> = {};
    const savedHost: Record<string, Float32Array> = {};
    cases.forEach(([s, n], k) => {
      savedHost[`p${k}`] = f32(200 + k, size(s));
      freshHost[`p${k}`] = f32(300 + k, size(n));
      savedTensors[`p${k}`] = tensor(savedHost[`p${k}`]!, s);
      fresh[`p${k}`] = tensor(freshHost[`p${k}`]!, n);
    });
    // An Adam over one parameter ([2, 3] → [3, 2]) that has stepped once: its moments expand too.
    const k2 = savedTensors.p2!;
    k2.grad = tensor(f32(400, k2.size), k2.shape);
    const savedOpt = new Adam([k2], { lr: 0.1 });
    savedOpt.step();
    savedHost.p2 = (await k2.toArray()) as Float32Array; // what the step left, as saved
    const freshOpt = new Adam([fresh.p2!], { lr: 0.1 });
    try {
      const path = `${dir}/expand.safetensors`;
      await saveCheckpoint(path, { params: savedTensors, optimizer: savedOpt });
      const report = await loadCheckpoint(path, {
        params: fresh,
        optimizer: freshOpt,
        strict: false,
        expandCopy: true,
      });
      f.check(report.expanded.length === cases.length, () => `expanded ${report.expanded}`);
      const s = savedOpt.state(0)!;
      const r = freshOpt.state(0);
      if (f.check(r !== null && r.step === 1, () => `restored step ${r?.step}`)) {
        const [sm, sv, rm, rv] = (await readTensors([s.m, s.v, r!.m, r!.v])) as Float32Array[];
        const zeros = new Float32Array(6);
        for (const [name, saved, got] of [["m", sm!, rm!], ["v", sv!, rv!]] as const) {
          const want = expandOracle(saved, [2, 3], zeros, [3, 2]);
          elements += want.length;
          const at = firstByteDiff(got, want);
          f.check(at < 0, () => `moment ${name} [2,3] → [3,2]: byte ${at} differs`);
        }
      }
      const got = await readTensors(cases.map((_, k) => fresh[`p${k}`]!));
      cases.forEach(([s, n], k) => {
        const want = expandOracle(savedHost[`p${k}`]!, s, freshHost[`p${k}`]!, n);
        elements += want.length;
        const at = firstByteDiff(got[k]!, want);
        f.check(at < 0, () => `[${s}] → [${n}]: byte ${at} differs`);
      });
    } finally {
      savedOpt.dispose();
      freshOpt.dispose();
      for (const t of [...Object.values(savedTensors), ...Object.values(fresh)]) t.dispose();
    }
  });
  return f.measurement(
    `${cases.length} shape changes of rank 1–3 and one Adam's moments, ${elements} elements`,
  );
});

// ------------------------------------------------------------------ faults

async function refusal(run: () => Promise<unknown>): Promise<Error | null> {
  try {
    await run();
    return null;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

claimTest(CK_FAULT_STRICT, async () => {
  await initGpu();
  const f = new Failures();
  const a = tensor([1, 2], [2]);
  const b = tensor([1, 2, 3], [3]);
  const c = tensor([1, 2, 3, 4], [4]);
  const m = {
    a: tensor([9, 9], [2]),
    b: tensor([9, 9, 9, 9, 9], [5]),
    d: tensor([9], [1]),
    r: tensor([9, 9, 9], [1, 3]),
    i: tensor(new Int32Array([9, 9]), [2], { dtype: "i32" }),
  };
  const all = [a, b, c, ...Object.values(m)];
  try {
    await withTempDir(async (dir) => {
      const path = `${dir}/strict.safetensors`;
      await saveCheckpoint(path, { params: { a, b, c, r: c, i: a } });
      const plain = `${dir}/plain.safetensors`;
      await Deno.writeFile(
        plain,
        encodeSafetensors({ a: { dtype: "F32", shape: [2], data: new Float32Array(2) } }),
      );
      // A checkpoint whose saved second moment holds a negative value (hand-edited or corrupt).
      const bad = `${dir}/bad_state.safetensors`;
      a.grad = tensor([1, 1], [2]);
      const opt = new Adam([a], { lr: 0.1 });
      opt.step();
      await saveCheckpoint(bad, { params: { a }, optimizer: opt });
      opt.dispose();
      const file = decodeSafetensors(await Deno.readFile(bad));
      (file.tensors.get("__optim__/v/a")!.data as Float32Array)[1] = -1;
      await Deno.writeFile(bad, encodeSafetensors(file.tensors, file.metadata!));
      const freshOpt = new Adam([m.a], { lr: 0.1 });
      const before = await readTensors(Object.values(m));
      const buffers = liveBufferCount();
      const cases: [string, () => Promise<unknown>, ErrorConstructor, string[]][] = [
        [
          "strict lists all",
          () => loadCheckpoint(path, { params: { a: m.a, b: m.b, d: m.d } }),
          TypeError,
          [
            path,
            "strictly",
            'missing "d"',
            'unexpected "c", "i", "r"',
            'shape mismatch "b" saved [3], model [5]',
          ],
        ],
        [
          "strict shape only",
          () => loadCheckpoint(path, { params: { a: m.a, b: m.b, c, r: c, i: a } }),
          TypeError,
          [
            'shape mismatch "b" saved [3], model [5]',
          ],
        ],
        [
          "non-strict shape",
          () => loadCheckpoint(path, { params: { a: m.a, b: m.b }, strict: false }),
          TypeError,
          [
            'shape mismatch "b" saved [3], model [5]',
            "expandCopy",
          ],
        ],
        [
          "expandCopy across ranks",
          () => loadCheckpoint(path, { params: { r: m.r }, strict: false, expandCopy: true }),
          TypeError,
          [
            'shape mismatch "r" saved [4], model [1, 3]',
          ],
        ],
        ["dtype", () => loadCheckpoint(path, { params: { i: m.i }, strict: false }), TypeError, [
          '"i" saved as F32, expected i32',
        ]],
        [
          "strict with expandCopy",
          () => loadCheckpoint(path, { params: { a: m.a }, expandCopy: true }),
          TypeError,
          [
            "expandCopy needs strict: false",
          ],
        ],
        ["not a checkpoint", () => loadCheckpoint(plain, { params: { a: m.a } }), SyntaxError, [
          plain,
          "memspec.checkpoint",
        ]],
        [
          "bad optimizer state",
          () => loadCheckpoint(bad, { params: { a: m.a }, optimizer: freshOpt }),
          SyntaxError,
          [
            bad,
            "optimizer's v",
            "v[1] = -1",
          ],
        ],
      ];
      for (const [name, run, cls, mentions] of cases) {
        const e = await refusal(run);
        f.check(
          e instanceof cls && mentions.every((s) => e.message.includes(s)),
          () => `${name}: ${e === null ? "loaded" : `${e.name}: ${e.message}`}`,
        );
      }
      const after = await readTensors(Object.values(m));
      f.check(
        after.every((v, i) => firstByteDiff(v, before[i]!) < 0),
        () => "a refused load changed a parameter",
      );
      f.check(liveBufferCount() === buffers, () => "a refused load leaked buffers");
      f.check(freshOpt.state(0) === null, () => "a refused load set the optimizer state");
      freshOpt.dispose();
      // Controls: the loads the refusals are measured against succeed.
      const ok = await refusal(() =>
        loadCheckpoint(path, { params: { a: m.a, d: m.d }, strict: false })
      );
      f.check(ok === null, () => `non-strict control: ${ok?.message}`);
      const [ga] = await readTensors([m.a]);
      f.check(ga![0] === 1 && ga![1] === 2, () => "control did not load a");
    });
  } finally {
    for (const t of all) t.dispose();
  }
  return f.measurement(
    "8 refusals (strict, non-strict, rank, dtype, flags, foreign file, bad optimizer state), " +
      "1 control",
  );
});

claimTest(CK_FAULT_INTERRUPTED, async () => {
  await initGpu();
  const f = new Failures();
  const w = tensor([1, 2, 3], [3]);
  const w2 = tensor([4, 5, 6], [3]);
  const into = tensor([0, 0, 0], [3]);
  /** A writer that writes half the bytes, then fails, as a full disk or a crash would. */
  const halfWriter = async (path: string, bytes: Uint8Array) => {
    await Deno.writeFile(path, bytes.subarray(0, bytes.length >> 1));
    throw new Error("injected failure half-way through the write");
  };
  try {
    await withTempDir(async (dir) => {
      const path = `${dir}/run.safetensors`;
      await saveCheckpoint(path, { params: { w }, meta: { v: 1 } });
      const oldBytes = await Deno.readFile(path);
      const e1 = await refusal(() =>
        saveCheckpoint(path, { params: { w: w2 }, meta: { v: 2 } }, { writer: halfWriter })
      );
      f.check(e1?.message.includes("injected") === true, () => `save did not fail: ${e1}`);
      const nowBytes = await Deno.readFile(path);
      f.check(firstByteDiff(nowBytes, oldBytes) < 0, () => "the old checkpoint's bytes changed");
      const loaded = await refusal(() => loadCheckpoint(path, { params: { w: into } }));
      const [got] = await readTensors([into]);
      f.check(
        loaded === null && Array.from(got!).join() === "1,2,3",
        () => `old checkpoint: ${loaded?.message ?? Array.from(got!)}`,
      );
      // A first save that fails leaves no file under its name.
      const fresh = `${dir}/fresh.safetensors`;
      await refusal(() => saveCheckpoint(fresh, { params: { w } }, { writer: halfWriter }));
      const names: string[] = [];
      for await (const e of Deno.readDir(dir)) names.push(e.name);
      names.sort();
      f.check(
        JSON.stringify(names) === '["run.json","run.safetensors"]',
        () => `folder holds ${JSON.stringify(names)}`,
      );
    });
  } finally {
    for (const t of [w, w2, into]) t.dispose();
  }
  return f.measurement("a failed overwrite and a failed first save, each half-written");
});
