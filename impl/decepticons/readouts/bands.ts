/**
 * Readout bands and band experts (asuramaya/decepticons:src/decepticons/models/
 * causal_bank_torch.py (7be9af7), readout_bands / band_experts): the features u = [S, x]
 * (S the M bank modes, x the E embedding columns) are read by n band readouts, band i seeing
 * its slice of the modes beside x, and the logits are their sum:
 *
 *   w = ⌊M/n⌋; band i reads S[i·w : (i+1)·w] (the last band to M); logits = Σ_i readout_i([S_i, x]).
 *
 * Each band is a readout of the configured kind with hidden widths ⌊h/n⌋; a band with 0 experts
 * in `bandExperts` is static: a linear map of x alone. The balance loss is the sum over every
 * routed band, tied-embedding bands included.
 *
 * Where memspec differs from the original, which
 * - drops the M mod n remainder modes (the logits ignore them): here the last band reads them;
 * - builds the full readout beside the bands and never uses it: here only the bands exist;
 * - gives a band hidden width 0 when a width h < n: here that is a RangeError naming it;
 * - turns kind "recurrent" (and routed bands with one expert) into MLP bands: refused here;
 * - leaves tied-embedding bands out of the balance loss: counted here;
 * - draws the band weights from torch's global RNG: seeded here like every parameter.
 *
 * Position-wise (every band kind memspec accepts is), so causal.
 *
 * @example Three bands over ten modes: the last band reads modes 6 … 9
 * ```ts
 * import { initGpu, tidy, zeros } from "../../mod.ts";
 * import { BandsReadout } from "./bands.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const r = new BandsReadout(
 *   { bands: 3, modes: 10, bandKind: "mlp", hidden: [6] },
 *   { inputDim: 14, vocab: 16, seed: 1, prefix: "readout" },
 * );
 * deepStrictEqual(r.layout.map((b) => [b.start, b.width]), [[0, 3], [3, 3], [6, 4]]);
 * const u = zeros([1, 2, 14]);
 * const { logits } = tidy(() => r.forward(u));
 * deepStrictEqual(logits.shape, [1, 2, 16]);
 * logits.dispose();
 * u.dispose();
 * r.dispose();
 * ```
 *
 * @module
 */
import type { Tensor } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { slice } from "../../ops/slice.ts";
import { concat } from "../../ops/concat.ts";
import { shown } from "../../validate.ts";
import { MlpReadout } from "./mlp.ts";
import { TiedRecursiveReadout } from "./tied_recursive.ts";
import { RoutedExpertsReadout } from "./routed_experts.ts";
import { TiedEmbedReadout } from "./tied_embed.ts";
import {
  assertNotDisposed,
  type CausalBankReadout,
  checkBuildOptions,
  checkContext,
  checkFeatures,
  intField,
  type ReadoutBuildOptions,
  type ReadoutContext,
  type ReadoutOutput,
} from "./_common.ts";

const ID = "BandsReadout";

/** The readout kinds a band can be. */
export const BAND_KINDS = [
  "mlp",
  "tied_recursive",
  "routed_sqrelu_experts",
  "tied_embed_readout",
] as const;
/** A band's readout kind. */
export type BandKind = typeof BAND_KINDS[number];

/** Settings of {@link BandsReadout}. */
export interface BandsSettings {
  /** Number of bands n (integer ≥ 2, ≤ modes). */
  bands: number;
  /** Bank modes M: the first M feature columns are the state S, the rest x. */
  modes: number;
  /** Every band's readout kind ("recurrent" is refused: a band is position-wise). */
  bandKind: BandKind;
  /** The readout's hidden widths; each band gets ⌊h/n⌋ (which must be ≥ 1). */
  hidden: readonly number[];
  /** tied_recursive: applications of the shared block (default 2). */
  depth?: number;
  /** Routed and tied-embedding bands: experts per band unless `bandExperts` says (default 4). */
  experts?: number;
  /** Experts per band (length n); 0 makes the band static (a linear map of x). */
  bandExperts?: readonly number[];
  /** tied_embed_readout: the embedding width. */
  embeddingDim?: number;
  /** tied_embed_readout: unit-norm embedding rows (default false). */
  normalize?: boolean;
}

/** One band: its mode slice, its kind and its readout. */
export interface BandLayout {
  /** First mode the band reads. */
  readonly start: number;
  /** Modes it reads (0 for a static band, which reads x only). */
  readonly width: number;
  /** "static" or the band's readout kind. */
  readonly kind: BandKind | "static";
  /** Experts of a routed band (0 otherwise). */
  readonly experts: number;
}

/** A banded readout: the sum of per-band readouts over slices of the bank modes. */
export class BandsReadout implements CausalBankReadout {
  /** Always "bands". */
  readonly kind = "bands";
  /** Every band's parameters, under `<prefix>.band<i>.`. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** Where each band reads and what it is. */
  readonly layout: readonly BandLayout[];
  readonly #bands: CausalBankReadout[] = [];
  readonly #inputDim: number;
  readonly #modes: number;
  #disposed = false;

  /**
   * Checks the settings, then builds one readout per band, each tensor drawn from its own
   * stream keyed by (seed, name).
   *
   * @param settings bands, modes, kind, hidden widths and the kind's options
   * @param options input width (M + E), vocabulary, seed and name prefix
   * @throws {TypeError|RangeError} naming the bad field (a zero band width, a kind bands cannot
   *   honour, a routed band with one expert), before any GPU work.
   */
  constructor(settings: BandsSettings, options: ReadoutBuildOptions) {
    const o = checkBuildOptions(ID, options);
    if (settings === null || typeof settings !== "object") {
      throw new TypeError(
        `Cannot build ${ID}: expected settings as an object but got ${shown(settings)}`,
      );
    }
    const s = settings;
    const M = intField("modes", ID, s.modes, 1, 65536);
    const n = intField("bands", ID, s.bands, 2, M);
    const E = o.inputDim - M;
    if (E < 1) {
      throw new RangeError(
        `Cannot build ${ID}: expected inputDim (${o.inputDim}) > modes (${M}): the features are ` +
          `[S (modes), x (at least one embedding column)]`,
      );
    }
    const kind: BandKind = s.bandKind;
    if (typeof kind !== "string" || !(BAND_KINDS as readonly string[]).includes(kind)) {
      const hint = (kind as string) === "recurrent"
        ? " (a recurrent band would need its own state per band: refused, not silently an MLP)"
        : "";
      throw new RangeError(
        `Cannot build ${ID}: expected bandKind to be one of ${BAND_KINDS.join(", ")} but got ` +
          `${shown(kind)}${hint}`,
      );
    }
    if (!Array.isArray(s.hidden)) {
      throw new TypeError(
        `Cannot build ${ID}: expected hidden to be an array but got ${shown(s.hidden)}`,
      );
    }
    s.hidden.forEach((h, i) => intField(`hidden[${i}]`, ID, h, 1, 65536));
    if (kind !== "mlp" && s.hidden.length !== 1) {
      throw new RangeError(
        `Cannot build ${ID}: expected exactly one hidden width for kind ${kind} but got ` +
          `${s.hidden.length}`,
      );
    }
    const bandHidden = s.hidden.map((h, i) => {
      const w = Math.floor(h / n);
      if (w < 1) {
        throw new RangeError(
          `Cannot build ${ID}: readoutBands ${n} with hidden[${i}] = ${h}: band hidden width ` +
            `${w} (expected every ⌊h/n⌋ >= 1)`,
        );
      }
      return w;
    });
    const depth = s.depth === undefined ? 2 : intField("depth", ID, s.depth, 1, 256);
    const experts = s.experts === undefined ? 4 : intField("experts", ID, s.experts, 2, 256);
    let perBand: number[] = Array(n).fill(experts);
    if (s.bandExperts !== undefined) {
      if (!Array.isArray(s.bandExperts) || s.bandExperts.length !== n) {
        throw new RangeError(
          `Cannot build ${ID}: expected bandExperts to list ${n} expert counts (one per band) ` +
            `but got ${shown(s.bandExperts)}`,
        );
      }
      perBand = s.bandExperts.map((k, i) => intField(`bandExperts[${i}]`, ID, k, 0, 256));
    }
    const routed = kind === "routed_sqrelu_experts" || kind === "tied_embed_readout";
    perBand.forEach((k, i) => {
      if (routed && k === 1) {
        throw new RangeError(
          `Cannot build ${ID}: bandExperts[${i}] = 1 with kind ${kind}: a routed band needs ` +
            `at least 2 experts (0 makes it static)`,
        );
      }
    });
    let embeddingDim = 0;
    if (kind === "tied_embed_readout") {
      embeddingDim = intField("embeddingDim", ID, s.embeddingDim, 1, 65536);
      if (s.normalize !== undefined && typeof s.normalize !== "boolean") {
        throw new TypeError(
          `Cannot build ${ID}: expected normalize to be a boolean but got ${shown(s.normalize)}`,
        );
      }
    }
    this.#inputDim = o.inputDim;
    this.#modes = M;
    const w = Math.floor(M / n);
    const layout: BandLayout[] = [];
    const params = new Map<string, Tensor>();
    try {
      for (let i = 0; i < n; i++) {
        const start = i * w;
        const width = i === n - 1 ? M - start : w;
        const bo = { ...o, prefix: `${o.prefix}.band${i}` };
        let band: CausalBankReadout;
        if (perBand[i] === 0) {
          band = new MlpReadout([], { ...bo, inputDim: E });
          layout.push({ start, width: 0, kind: "static", experts: 0 });
        } else {
          const inputDim = width + E;
          const ro = { ...bo, inputDim };
          if (kind === "mlp") band = new MlpReadout(bandHidden, ro);
          else if (kind === "tied_recursive") {
            band = new TiedRecursiveReadout(bandHidden[0]!, depth, ro);
          } else if (kind === "routed_sqrelu_experts") {
            band = new RoutedExpertsReadout(bandHidden[0]!, perBand[i]!, ro);
          } else {
            band = new TiedEmbedReadout({
              hidden: bandHidden[0]!,
              experts: perBand[i]!,
              embeddingDim,
              normalize: s.normalize ?? false,
            }, ro);
          }
          layout.push({ start, width, kind: kind, experts: routed ? perBand[i]! : 0 });
        }
        this.#bands.push(band);
        for (const [k, v] of band.parameters) params.set(k, v);
      }
    } catch (e) {
      for (const b of this.#bands) b.dispose();
      throw e;
    }
    this.layout = Object.freeze(layout.map((l) => Object.freeze(l)));
    this.parameters = params;
  }

  /**
   * Logits [B, T, V] = Σ over bands, and the summed balance loss of the routed bands (null when
   * no band routes). `ctx.embedding` is required when a band is tied_embed_readout. Call
   * inside `tidy()`.
   *
   * @throws {TypeError} when u is not a live f32 [B, T, M + E] tensor (or a tied band lacks the
   *   embedding). @throws {RangeError} for an empty batch.
   */
  forward(u: Tensor, ctx?: ReadoutContext): ReadoutOutput {
    assertNotDisposed(ID, this.#disposed, "forward");
    const [b, t] = checkFeatures(ID, u, this.#inputDim);
    const c = checkContext(ID, ctx);
    const M = this.#modes;
    const E = this.#inputDim - M;
    const x = slice(u, [0, 0, M], [b, t, E]);
    let logits: Tensor | null = null;
    let balance: Tensor | null = null;
    this.layout.forEach((l, i) => {
      const input = l.kind === "static"
        ? x
        : concat([slice(u, [0, 0, l.start], [b, t, l.width]), x], 2);
      const r = this.#bands[i]!.forward(input, c);
      logits = logits === null ? r.logits : add(logits, r.logits);
      if (r.balance !== null) balance = balance === null ? r.balance : add(balance, r.balance);
    });
    return { logits: logits!, balance };
  }

  /** Releases every band's parameters; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const b of this.#bands) b.dispose();
  }
}
