/**
 * Proof of the Kakeya fault claim (./claims.ts): every bad input raises the documented typed
 * error naming what was wrong, before any GPU work and with the registry unchanged.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { matrix } from "../../../impl/linalg/mod.ts";
import {
  type CompressedVec,
  KAKEYA_DEFAULT_ROUTING,
  kakeyaByteAccount,
  kakeyaPca,
  KakeyaRegistry,
  type KakeyaRoute,
  KakeyaSet,
  sphericalKMeans,
} from "../../../impl/ams/kakeya/kakeya.ts";
import { checkFault, type FaultCase } from "../../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { lowRank, normals, row } from "./_cases.ts";
import { KAKEYA_FAULT } from "./claims.ts";

claimTest(KAKEYA_FAULT, async (): Promise<Measurement> => {
  const rng = new Rng(9000);
  const corpus = {
    semantic_emb: lowRank(rng, 10, 4, 32, 0.1),
    content_wte_mean: lowRank(rng, 10, 4, 24, 0.1),
    context_descriptor: lowRank(rng, 10, 4, 16, 0.1),
  };
  const axes = {
    time: normals(rng, 1, 8).data,
    topic: normals(rng, 1, 16).data,
    ctx: normals(rng, 1, 12).data,
  };
  const fields = {
    semantic_emb: Float64Array.from(row(corpus.semantic_emb, 0)),
    content_wte_mean: Float64Array.from(row(corpus.content_wte_mean, 0)),
    context_descriptor: Float64Array.from(row(corpus.context_descriptor, 0)),
  };
  const unbuilt = new KakeyaRegistry();
  const reg = new KakeyaRegistry();
  reg.build(corpus, axes);
  const snapshot = () =>
    reg.slots.map((s) => `${s.index}:${s.active}:${s.set?.dEff}:${s.map?.data[0]}`).join("|");
  const before = snapshot();
  const handle = reg.encode(fields);
  const set = reg.slots[0]!.set!;
  const code = handle.entries.semantic_emb![0]!;
  const withNaN = (m: ReturnType<typeof lowRank>, i: number, v: number) => {
    const c = matrix(m.rows, m.cols, m.data);
    c.data[i] = v;
    return c;
  };
  const badCode = (patch: Partial<CompressedVec>): CompressedVec => ({ ...code, ...patch });
  const cases: FaultCase[] = [
    {
      name: "encode before build",
      run: () => unbuilt.encode(fields),
      expect: RangeError,
      message: /no set is active; call build\(\) first/,
    },
    {
      name: "field of the wrong width",
      run: () => reg.encode({ ...fields, content_wte_mean: new Float64Array(23) }),
      expect: TypeError,
      mentions: ["field content_wte_mean", "24 values", "23"],
    },
    {
      name: "missing field",
      run: () => reg.encode({ semantic_emb: fields.semantic_emb }),
      expect: TypeError,
      mentions: ["content_wte_mean", "missing"],
    },
    {
      name: "NaN in an encoded field",
      run: () =>
        reg.encode({
          ...fields,
          semantic_emb: fields.semantic_emb.map((v, i) => (i === 3 ? NaN : v)),
        }),
      expect: RangeError,
      mentions: ["field semantic_emb[3]", "finite", "NaN"],
    },
    {
      name: "Infinity in the build corpus",
      run: () =>
        reg.build({ ...corpus, semantic_emb: withNaN(corpus.semantic_emb, 5, Infinity) }, axes),
      expect: RangeError,
      mentions: ["corpus.semantic_emb", "(0, 5)", "Infinity"],
    },
    {
      name: "NaN in an axis",
      run: () => reg.build(corpus, { ...axes, ctx: axes.ctx.map((v, i) => (i === 0 ? NaN : v)) }),
      expect: RangeError,
      mentions: ["axes.ctx[0]", "NaN"],
    },
    {
      name: "axis of the wrong length",
      run: () => reg.build(corpus, { ...axes, topic: new Float64Array(15) }),
      expect: TypeError,
      mentions: ["axes.topic", "16 values", "15"],
    },
    {
      name: "one row",
      run: () => reg.build({ semantic_emb: matrix(1, 32) }, axes),
      expect: RangeError,
      mentions: ["at least 2 rows", "got 1"],
    },
    {
      name: "row counts differ",
      run: () => reg.build({ ...corpus, context_descriptor: lowRank(rng, 9, 2, 16, 0.1) }, axes),
      expect: TypeError,
      mentions: ["10 rows", "9"],
    },
    {
      name: "explicit map of the wrong width",
      run: () => new KakeyaRegistry({ maps: [matrix(8, 31)] }).build(corpus, axes),
      expect: TypeError,
      mentions: ["maps[0]", "8 × 32", "8 × 31"],
    },
    {
      name: "short routing",
      run: () => new KakeyaRegistry({ routing: KAKEYA_DEFAULT_ROUTING.slice(0, 2) }),
      expect: RangeError,
      mentions: ["n_kakeya_sets = 4", "got 2"],
    },
    {
      name: "unknown bundle",
      run: () =>
        new KakeyaRegistry({
          routing: [
            ...KAKEYA_DEFAULT_ROUTING.slice(0, 3),
            { bundle: "space", fields: ["x"] } as unknown as KakeyaRoute,
          ],
        }),
      expect: TypeError,
      mentions: ["route 3", "time, topic or ctx", "space"],
    },
    {
      name: "n_kakeya_sets below 2",
      run: () => new KakeyaRegistry({ nSets: 1, routing: KAKEYA_DEFAULT_ROUTING.slice(0, 1) }),
      expect: RangeError,
      mentions: ["nSets", "[2,"],
    },
    {
      name: "set encode of the wrong width",
      run: () => set.encode(new Float64Array(31)),
      expect: TypeError,
      mentions: ["32 values", "31"],
    },
    {
      name: "set encode of NaN",
      run: () => set.encode(new Float64Array(32).fill(NaN)),
      expect: RangeError,
      mentions: ["[0]", "NaN"],
    },
    {
      name: "decode of an out-of-range segment",
      run: () => set.decode(badCode({ segId: set.centers.rows })),
      expect: RangeError,
      mentions: ["segId", `${set.centers.rows}`],
    },
    {
      name: "decode of an out-of-range residual index",
      run: () =>
        set.decode(badCode({ residualIdx: Int32Array.from(code.residualIdx, () => set.dEff) })),
      expect: RangeError,
      mentions: ["residual index", `${set.dEff}`],
    },
    {
      name: "decode of a NaN α",
      run: () => set.decode(badCode({ alpha: NaN })),
      expect: RangeError,
      mentions: ["alpha", "NaN"],
    },
    {
      name: "decodeField of a field the handle lacks",
      run: () => reg.decodeField({ entries: {} }, "semantic_emb"),
      expect: TypeError,
      mentions: ["semantic_emb"],
    },
    {
      name: "decodeField from a set that does not route the field",
      run: () => reg.decodeField(handle, "semantic_emb", 3),
      expect: TypeError,
      mentions: ["set 3", "sets 0, 1"],
    },
    {
      name: "variance ratio 0",
      run: () => kakeyaPca(corpus.semantic_emb, 0),
      expect: RangeError,
      mentions: ["variance ratio", "(0, 1]"],
    },
    {
      name: "k-means with K = 0",
      run: () => sphericalKMeans(matrix(2, 2, [1, 0, 0, 1]), 0),
      expect: RangeError,
      mentions: ["K", "got 0"],
    },
    {
      name: "KakeyaSet of one column",
      run: () => KakeyaSet.build(matrix(3, 1, [1, 2, 3]), [1]),
      expect: RangeError,
      mentions: ["2 columns", "got 1"],
    },
    {
      name: "byte account with N = 0",
      run: () => kakeyaByteAccount({ N: 0, d: 768, dEff: 7, K: 8, dRes: 5 }),
      expect: RangeError,
      mentions: ["N", "got 0"],
    },
    {
      name: "replaceMap of an inactive set",
      run: () => unbuilt.replaceMap(0, matrix(8, 32)),
      expect: RangeError,
      mentions: ["set 0", "active"],
    },
  ];
  const failures: string[] = [];
  for (const c of cases) {
    const wrong = await checkFault(c);
    if (wrong !== null) failures.push(wrong);
  }
  if (snapshot() !== before) failures.push("the registry changed");
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${cases.length} cases` + (failures.length ? `: ${failures.join("; ")}` : ""),
  };
});
