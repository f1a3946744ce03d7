/**
 * The fused elementwise program: one kernel for a recorded run of same-shape binary ops
 * (add, sub, mul, div, maximum, minimum) and unary ops (every op of impl/ops/unary.ts), so
 * a chain of k ops costs one dispatch instead of k (a dispatch costs ~35–60 µs on llvmpipe
 * whatever its size).
 *
 * The run is written out as straight-line WGSL (the `body` size): every input the run
 * reads from outside is loaded first, then each op is one `let` in the order recorded,
 * each result a live tensor needs is stored. Each op is its forward expression
 * ({@link BINARY_OPS}, {@link UNARY_OPS}) with the per-op kernels' helpers, evaluated
 * exactly as the per-op kernel evaluates it, so results are bit-identical. One pipeline is compiled per distinct run (a training loop repeats the
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
import { UNARY_OPS, type UnaryOpName } from "../unary_defs.ts";
import { ELEMENTWISE_WORKGROUP, UNARY_EXPRESSION_HELPERS } from "./elementwise.ts";

/** Buffers one fused dispatch may bind (capped further by the device's storage-buffer limit). */
export const FUSED_MAX_SLOTS = 16;
/** Ops one fused dispatch may run. */
export const FUSED_MAX_OPS = 256;

/** Compile-time sizes of {@link fusedElementwiseProgram}. */
export interface FusedSizes {
  /**
   * Makes the interface a `Sizes` record, as the program runner requires; the
   * program reads no size but `body`.
   */
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
 * `o(v, k)` is v's bits XOR `p.z · k` with the uniform `z` always 0: v unchanged, but an
 * integer value the compiler can neither see through nor prove equal to any other use of
 * v. Without it, straight-line code lets the shader compiler simplify across ops as WGSL's
 * finite-math license allows: on llvmpipe (a + b) − a became b (1 for a = 1e30, b = 1, where
 * the per-op kernels give 0) and x − x became 0 for x = NaN; hidden behind a select on a
 * uniform instead, exp(log(x)) still differed from the per-op kernels in 1–2 ulp for 273 of
 * 4096 values. The per-op kernels read separate bindings and cannot be simplified so.
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

/**
 * One unary op of a run as a WGSL statement: `let v{d} = u(o(v{a}, k), o(a0, k + 1),
 * o(a1, k + 2));`, the attributes as exact f32 bit patterns behind the same barrier, so
 * the compiler cannot specialise a builtin for a literal (pow's exponent, clamp's bounds).
 */
export function fusedUnaryStatement(
  op: UnaryOpName,
  d: number,
  a: number,
  attrs: readonly [number, number],
  k: number,
): string {
  const bits = (x: number) => {
    const u = new Uint32Array(new Float32Array([x]).buffer)[0]!;
    return `bitcast<f32>(0x${u.toString(16)}u)`;
  };
  return `let v${d} = u_${op}(o(v${a}, ${k}u), o(${bits(attrs[0])}, ${k + 1}u), ` +
    `o(${bits(attrs[1])}, ${k + 2}u));`;
}

/** Operand uses a fused op numbers (see {@link fusedOpStatement}, {@link fusedUnaryStatement}). */
export const FUSED_USES = { binary: 2, unary: 3 } as const;

/** The ops as WGSL functions, so a run's statements stay one call each. */
const OP_FUNCTIONS =
  Object.entries(BINARY_OPS).map(([name, def]) =>
    `fn f_${name}(a: f32, b: f32) -> f32 { return ${def.forward}; }`
  ).join("\n") + "\n" + Object.entries(UNARY_OPS).map(([name, def]) =>
    `fn u_${name}(x: f32, a0: f32, a1: f32) -> f32 { return ${
      def.forward.replaceAll("p.a0", "a0").replaceAll("p.a1", "a1")
    }; }`
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
      UNARY_EXPRESSION_HELPERS + OP_FUNCTIONS +
      "\nfn o(v: f32, k: u32) -> f32 { return bitcast<f32>(bitcast<u32>(v) ^ (p.z * k)); }",
    main: (s) =>
      `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  ${s.body}`,
  });
  programs.set(slots, p);
  return p;
}
