/**
 * The fused elementwise program: one kernel for a recorded run of same-shape binary ops
 * (add, sub, mul, div, maximum, minimum), so a chain of k ops costs one dispatch instead
 * of k (a dispatch costs ~35–60 µs on llvmpipe whatever its size).
 *
 * The run is written out as straight-line WGSL (the `body` size): every input the run
 * reads from outside is loaded first, then each op is one `let` in the order recorded,
 * each result a live tensor needs is stored. Each op is {@link BINARY_OPS}' forward
 * expression evaluated exactly as the per-op kernel evaluates it, so results are
 * bit-identical. One pipeline is compiled per distinct run (a training loop repeats the
 * same runs, so it compiles each once).
 *
 * Bindings: `s0 … s{k−1}` (the `slots` size), all read_write (a slot may be read and
 * later rewritten by the run). Uniforms: `n`, the elements; `z`, always 0 (see
 * {@link fusedOpStatement}). Grid: ceil(n/64) workgroups
 * of 64, one element per invocation.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";
import { BINARY_OPS, type BinaryOpName } from "../binary_defs.ts";
import { ELEMENTWISE_WORKGROUP, WGSL_IS_NAN } from "./elementwise.ts";

/** Buffers one fused dispatch may bind (capped further by the device's storage-buffer limit). */
export const FUSED_MAX_SLOTS = 16;
/** Binary ops one fused dispatch may run. */
export const FUSED_MAX_OPS = 256;

/** Compile-time sizes of {@link fusedElementwiseProgram}. */
export interface FusedSizes {
  readonly [key: string]: string | number;
  /** The straight-line body: loads, `let`s and stores over `i`. */
  readonly body: string;
}

const WG = ELEMENTWISE_WORKGROUP;
const programs = new Map<number, Program<FusedSizes>>();

/**
 * One op of a run as a WGSL statement: `let v{d} = f(o(v{a}, k), o(v{b}, k + 1));`, where
 * `k`, `k + 1` number the op's operand uses (unique in the run, from 1).
 *
 * `o(v, k)` is `select(v, 0.0, p.z == k)` with the uniform `z` always 0: v's bits
 * unchanged, but a value the compiler cannot prove equal to any other use of v. Without
 * it, straight-line code lets the shader compiler simplify across ops as WGSL's finite-math
 * license allows: on llvmpipe (a + b) − a became b (1 for a = 1e30, b = 1, where the per-op
 * kernels give 0) and x − x became 0 for x = NaN; the per-op kernels read separate
 * bindings and cannot be simplified so.
 */
export function fusedOpStatement(
  op: BinaryOpName,
  d: number,
  a: number,
  b: number,
  k: number,
): string {
  return `let v${d} = f_${op}(o(v${a}, ${k}u), o(v${b}, ${k + 1}u));`;
}

/** The ops as WGSL functions, so a run's statements stay one call each. */
const OP_FUNCTIONS = Object.entries(BINARY_OPS).map(([name, def]) =>
  `fn f_${name}(a: f32, b: f32) -> f32 { return ${def.forward}; }`
).join("\n");

/** The fused program binding `slots` buffers (cached: one per slot count). */
export function fusedElementwiseProgram(slots: number): Program<FusedSizes> {
  if (!Number.isInteger(slots) || slots < 1 || slots > FUSED_MAX_SLOTS) {
    throw new RangeError(
      `Cannot build the fused elementwise program: expected 1 to ${FUSED_MAX_SLOTS} slots ` +
        `but got ${slots}`,
    );
  }
  let p = programs.get(slots);
  if (p !== undefined) return p;
  p = defineProgram<FusedSizes>({
    name: `fused_elementwise_${slots}`,
    workgroupSize: WG,
    uniforms: { n: "u32", z: "u32" },
    bindings: Object.fromEntries(
      Array.from({ length: slots }, (_, s) => [`s${s}`, { access: "read_write" as const }]),
    ),
    helpers: () =>
      WGSL_IS_NAN + OP_FUNCTIONS +
      "\nfn o(v: f32, k: u32) -> f32 { return select(v, 0.0, p.z == k); }",
    main: (s) =>
      `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  ${s.body}`,
  });
  programs.set(slots, p);
  return p;
}
