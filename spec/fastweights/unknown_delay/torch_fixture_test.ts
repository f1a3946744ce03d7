/**
 * Parity of the f64 oracle with an independent PyTorch reference
 * (fixtures/fastweights/unknown_delay_torch.json): a forward written in torch
 * from the original's description, whose gradients come from torch.autograd.
 * The numpy reference of fixtures_test.ts was written from the same reading as
 * the oracle, hand-derived backward included; this one shares neither, so a
 * misread term in the oracle's backward cannot hide in both.
 *
 * @module
 */
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import {
  UD_PARAM_NAMES,
  udBackward,
  type UdConfig,
  type UdEpisode,
  udForward,
  type UdParams,
} from "../../oracle/fastweights/unknown_delay.ts";
import { UD_FIXTURE_TORCH } from "./claims.ts";
import { type EncodedArray, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  type Compared,
  Comparison,
  differential,
  jointly,
  relativeBounds,
} from "../../_harness/differential.ts";

type Named = Record<string, EncodedArray>;

interface UdTorchCase {
  name: string;
  config: UdConfig;
  K: number;
  params: Named;
  /** [B, K+2, p+2]. */
  x: EncodedArray;
  /** [B, p]. */
  target: EncodedArray;
  /** torch's read, [B, p]. */
  y: EncodedArray;
  loss: number;
  /** torch.autograd's ∂L/∂param, each in the parameter's shape. */
  grads: Named;
}

interface UdTorchFixture {
  format: string;
  torch: string;
  cases: UdTorchCase[];
}

const FILE = "fixtures/fastweights/unknown_delay_torch.json";
const FORMAT = "memspec.fastweights.unknown_delay_torch.v1";

function episodes(c: UdTorchCase): UdEpisode[] {
  const x = f64(c.x, "x");
  const target = f64(c.target, "target");
  const [B, T, w] = c.x.shape as [number, number, number];
  const p = c.config.p;
  if (T !== c.K + 2 || w !== p + 2 || c.target.shape[0] !== B) {
    throw new SyntaxError(
      `Cannot read ${FILE} case ${c.name}: expected x [B, ${c.K + 2}, ${p + 2}] and target ` +
        `[B, ${p}] but got x [${c.x.shape.join(", ")}], target [${c.target.shape.join(", ")}]`,
    );
  }
  return Array.from({ length: B }, (_, e) => ({
    steps: T,
    x: x.slice(e * T * w, (e + 1) * T * w),
    target: target.slice(e * p, (e + 1) * p),
  }));
}

claimTest(UD_FIXTURE_TORCH, async (t) => {
  const { data, integrity } = await loadPinnedJson<UdTorchFixture>(FILE, FORMAT);
  const rel = (ref: ArrayLike<number>) => relativeBounds(ref, FIXTURE_F64_REL);
  /** One case: the oracle's forward and hand-derived backward against torch autograd. */
  const compare = (c: UdTorchCase): Compared => {
    const params = {} as UdParams;
    for (const n of UD_PARAM_NAMES) params[n] = f64(c.params[n]!, `params.${n}`);
    const eps = episodes(c);
    const fwd = udForward(c.config, params, eps);
    const grads = udBackward(c.config, params, eps, fwd);
    const out = new Comparison();
    const put = (name: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
      out.add(name, got, want, rel(want));
    put("y", Float64Array.from(fwd.episodes.flatMap((a) => Array.from(a.y))), f64(c.y, "y"));
    put("loss", [fwd.loss], [c.loss]);
    for (const n of UD_PARAM_NAMES) put(`∂L/∂${n}`, grads[n], f64(c.grads[n]!, `grads.${n}`));
    return out;
  };
  type Case = () => Compared;
  const m = await differential<Case>(t, {
    cases: data.cases.map((c) => {
      const { p, hidden, keyDim, eta } = c.config;
      return {
        name: `${c.name}: p=${p} H=${hidden} d_k=${keyDim} η=${eta}, ${c.x.shape[0]} episodes`,
        input: () => compare(c),
      };
    }),
    ...jointly((c: Case) => c()),
  });
  return { ...m, detail: `${m.detail}; torch ${data.torch} autograd; ${integrity}` };
});
