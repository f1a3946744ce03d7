/**
 * Comparison helpers for the fast-weight GPU claims: each GPU element against
 * the f64 oracle within its running f32 bound (scaled by the ledger's
 * reference factor), keeping the worst ratio and where it happened.
 *
 * @module
 */
import { checkClose, describeClose } from "../../invariants/close.ts";
import { FW_REFERENCE_FACTOR, type Tracked } from "../../invariants/tolerance.ts";

/** The worst comparison so far: ratio ≤ 1 passes. */
export class WorstRatio {
  ratio = 0;
  detail = "no comparison";
  compared = 0;
  failures: string[] = [];

  /**
   * Compares `gpu` with `oracle` element by element within `bounds[i].e·(1 + 2⁻²⁰)`.
   *
   * @throws {TypeError} when the lengths differ.
   */
  check(
    what: string,
    gpu: ArrayLike<number>,
    oracle: ArrayLike<number>,
    bounds: readonly Tracked[],
  ) {
    if (gpu.length !== oracle.length || gpu.length !== bounds.length) {
      throw new TypeError(
        `Cannot compare ${what}: ${gpu.length} GPU values, ${oracle.length} oracle values, ` +
          `${bounds.length} bounds`,
      );
    }
    const atol = bounds.map((b) => b.e * FW_REFERENCE_FACTOR);
    const v = checkClose(gpu, oracle, { atol });
    this.compared += v.count;
    if (!v.pass) this.failures.push(`${what}: ${describeClose(v)}`);
    if (v.ratio >= this.ratio) {
      this.ratio = v.ratio;
      this.detail = `${what}: ${describeClose(v)} bound=${atol[v.worstIndex]?.toExponential(2)}`;
    }
  }

  /** A one-line summary: worst place, element count, failures. */
  summary(): string {
    return `worst ${this.detail}; ${this.compared} elements` +
      (this.failures.length ? `; FAILED ${this.failures.join(" | ")}` : "");
  }
}

/**
 * The worst relative difference |a − b| / max(|b|, 1) of f64 values against a
 * reference (NaN counts as infinitely far), with where it happened.
 */
export class F64Worst {
  worst = 0;
  where = "";
  count = 0;
  /** Compares `oracle` with `fixture` element by element. */
  check(what: string, oracle: ArrayLike<number>, fixture: ArrayLike<number>): void {
    if (oracle.length !== fixture.length) {
      throw new TypeError(`Cannot compare ${what}: ${oracle.length} vs ${fixture.length} values`);
    }
    for (let i = 0; i < fixture.length; i++) {
      const r = Math.abs(oracle[i]! - fixture[i]!) / Math.max(Math.abs(fixture[i]!), 1);
      this.count++;
      if (!(r <= this.worst)) {
        this.worst = Number.isNaN(r) ? Infinity : r;
        this.where = `${what}[${i}]`;
      }
    }
  }
}
