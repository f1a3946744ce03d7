/**
 * Selection kernels of `where` and `maskedFill`, one program per condition dtype
 * (an f32 or i32 condition; an element is true when it is nonzero).
 *
 * - {@link WHERE_FORWARD}: `out[i] = cond[ic] ≠ 0 ? a[ia] : b[ib]` with NumPy
 *   broadcasting of all three operands to the output shape (rank ≤ 8).
 *   Uniforms {n, rank, shape, strides sc of cond, sa of a, sb of b}.
 *   Bindings: `cond`, `xa` (a), `xb` (b), `out`.
 * - {@link SELECT_GRAD}: `out[i] = (cond[ic] ≠ 0) = keep ? g[i] : 0`: the gradient of
 *   `where` for a (keep = 1) or b (keep = 0), and of `maskedFill` for x
 *   (keep = 0), at the output shape before any broadcast sum.
 *   Uniforms {n, rank, keep, shape, sc}. Bindings: `cond`, `gs` the output gradient, `out`.
 * - {@link MASKED_FILL}: `out[i] = mask[im] ≠ 0 ? value : x[i]`, the mask broadcast to x.
 *   Uniforms {n, rank, value_bits (the fill value's f32 bits, read as a u32), shape,
 *   sc (the mask's strides)}. Bindings: `mask`, `xs` (x), `out`.
 *
 * Grid: ceil(n / 64) workgroups, tiled past 65,535. Values move as u32 bit
 * patterns (the fill value's f32 bits are read as a u32), so every kernel is
 * exact (accuracy class T0). For an f32 condition −0 counts as zero; NaN
 * conditions are unsupported, since WGSL lets implementations assume floats are
 * not NaN, and subnormal ones may count as zero where a device flushes them.
 *
 * @module
 */
import {
  type BindingDecl,
  defineProgram,
  type Program,
  type UniformType,
} from "../../gpu/program.ts";

/** Invocations per workgroup of the selection kernels. */
export const WHERE_WORKGROUP = 64;
const WG = WHERE_WORKGROUP;

/** Element type of a condition or mask. */
export type ConditionType = "f32" | "i32";

function isTrue(t: ConditionType, v: string): string {
  return t === "f32" ? `(${v} != 0.0)` : `(${v} != 0)`;
}

/** The coordinate walk computing one offset per named stride table. */
function offsets(tables: readonly string[]): string {
  return `${tables.map((t) => `var o_${t} = 0u;`).join(" ")}
  var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.shape, du);
    let c = rem % size;
    rem = rem / size;
    ${tables.map((t) => `o_${t} += c * dim(p.${t}, du);`).join("\n    ")}
  }`;
}

const DIM = `
fn dim(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
`;

/** One selection program per condition type; the condition binds first. */
function selection(
  name: string,
  uniforms: Readonly<Record<string, UniformType>>,
  condName: string,
  bindings: Readonly<Record<string, BindingDecl>>,
  body: (t: ConditionType) => string,
): Readonly<Record<ConditionType, Program>> {
  const make = (t: ConditionType) =>
    defineProgram({
      name: `${name}_${t}`,
      workgroupSize: WG,
      uniforms,
      bindings: { [condName]: { access: "read", type: t }, ...bindings },
      helpers: () => DIM,
      main: () =>
        `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  ${body(t)}`,
    });
  return { f32: make("f32"), i32: make("i32") };
}

const SHAPE_FIELDS = { shape: "array<vec4u, 2>", sc: "array<vec4u, 2>" } as const;

/** `where`'s forward, by condition type. */
export const WHERE_FORWARD: Readonly<Record<ConditionType, Program>> = selection(
  "where",
  { n: "u32", rank: "u32", ...SHAPE_FIELDS, sa: "array<vec4u, 2>", sb: "array<vec4u, 2>" },
  "cond",
  {
    xa: { access: "read", type: "u32" },
    xb: { access: "read", type: "u32" },
    out: { access: "read_write", type: "u32" },
  },
  (t) =>
    `${offsets(["sc", "sa", "sb"])}
  if ${isTrue(t, "cond[o_sc]")} { out[i] = xa[o_sa]; } else { out[i] = xb[o_sb]; }`,
);

/** The gradient selection (`where`'s and `maskedFill`'s backward), by condition type. */
export const SELECT_GRAD: Readonly<Record<ConditionType, Program>> = selection(
  "select_grad",
  { n: "u32", rank: "u32", keep: "u32", ...SHAPE_FIELDS },
  "cond",
  { gs: { access: "read", type: "u32" }, out: { access: "read_write", type: "u32" } },
  (t) =>
    `${offsets(["sc"])}
  out[i] = select(0u, gs[i], ${isTrue(t, "cond[o_sc]")} == (p.keep != 0u));`,
);

/** `maskedFill`'s forward, by mask type. */
export const MASKED_FILL: Readonly<Record<ConditionType, Program>> = selection(
  "masked_fill",
  { n: "u32", rank: "u32", value_bits: "u32", ...SHAPE_FIELDS },
  "mask",
  { xs: { access: "read", type: "u32" }, out: { access: "read_write", type: "u32" } },
  (t) =>
    `${offsets(["sc"])}
  out[i] = select(xs[i], p.value_bits, ${isTrue(t, "mask[o_sc]")});`,
);
