/**
 * Kernel program objects: one declaration per WGSL program, one runner.
 *
 * A {@link Program} names its bindings (storage buffers with access mode and
 * element type, or texture arrays, see {@link BindingKind}), its uniform
 * fields, the workgroup size, the WGSL of its helpers and of the body of
 * `main` as functions of compile-time sizes, and the loop count of one
 * invocation as a function of the sizes and of the steps a dispatch runs.
 * The runner ({@link dispatch}) writes the preamble (the uniform struct, the
 * `@binding` lines, the tiled-grid helper and the `fn main` signature), packs
 * uniforms by name with WGSL's alignment rules, binds buffers by name (absent
 * optional bindings share one placeholder buffer), and splits a dispatch over
 * several launches when its steps would loop past the adapter's budget.
 *
 * Inside `main`, these names are in scope: `wid`, `nwg` (workgroup id and
 * count), `lid` (local invocation index), `lid3` (local invocation id),
 * `gid` (global invocation id) and `wg`, the linear workgroup index of a grid
 * tiled by {@link tileGrid}. Uniform fields are read as `p.<field>` (or the
 * program's `uniformVar`).
 *
 * @example A program that scales a vector, and its launch
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { defineProgram, dispatch } from "./program.ts";
 * import { createStorageBuffer, releaseBuffer } from "./buffers.ts";
 * import { readBuffers } from "./readback.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const scale = defineProgram({
 *   name: "scale_example",
 *   workgroupSize: 64,
 *   uniforms: { n: "u32", k: "f32" },
 *   bindings: { x: { access: "read" }, out: { access: "read_write" } },
 *   main: () => `let i = wg * 64u + lid; if (i >= p.n) { return; } out[i] = p.k * x[i];`,
 * });
 * const x = createStorageBuffer(12, "x", new Float32Array([1, 2, 3]));
 * const out = createStorageBuffer(12, "out");
 * dispatch(scale, { uniforms: { n: 3, k: 2 }, buffers: { x, out }, workgroups: 1 });
 * const [bytes] = await readBuffers([{ buffer: out, byteLength: 12 }]);
 * deepStrictEqual(Array.from(new Float32Array(bytes!)), [2, 4, 6]);
 * releaseBuffer(x);
 * releaseBuffer(out);
 * ```
 *
 * @module
 */
import {
  assertLoopBudget,
  cachedBindGroup,
  commitUniforms,
  launch,
  pipelineWithLayout,
  recordDispatch,
  recordHeldWork,
  reserveUniforms,
  uniformRing,
} from "./batch.ts";
import { bindingMeta } from "./buffers.ts";
import { gpu } from "./device.ts";
import { tileGrid } from "./grid.ts";
import { WGSL_LINEAR_WORKGROUP } from "./grid.ts";

/** A uniform field's WGSL type. Arrays are of `vec4u` (16-byte elements, as uniform arrays need). */
export type UniformType = "u32" | "i32" | "f32" | "vec4u" | `array<vec4u, ${number}>`;

/**
 * What a binding holds: a storage buffer (the default), a sampled f32 texture
 * array (`texture_2d_array<f32>`, bound as a "2d-array" view, access `read`)
 * or a write-only rgba32float storage texture array
 * (`texture_storage_2d_array<rgba32float, write>`, access `write`).
 */
export type BindingKind = "buffer" | "texture_2d_array" | "storage_texture_2d_array";

/** A binding's declaration: a storage buffer unless `kind` says otherwise. */
export interface BindingDecl {
  /** `read` or `read_write` for buffers; `read` for a sampled texture, `write` for a storage texture. */
  readonly access: "read" | "read_write" | "write";
  /** Element type of the `array<…>` (buffers only); `f32` when absent. */
  readonly type?:
    | "f32"
    | "u32"
    | "i32"
    | "atomic<u32>"
    | "atomic<i32>"
    | "vec4f"
    | "vec2f"
    | "vec2u";
  /**
   * Whether a launch may leave it out; then it is bound to the shared placeholder
   * buffer (the kernel must not read it, e.g. behind a uniform flag). Buffers only.
   */
  readonly optional?: boolean;
  /** What is bound; `buffer` when absent. */
  readonly kind?: BindingKind;
}

/** The access each binding kind allows. */
const KIND_ACCESS: Readonly<Record<BindingKind, readonly BindingDecl["access"][]>> = {
  buffer: ["read", "read_write"],
  texture_2d_array: ["read"],
  storage_texture_2d_array: ["write"],
};

/** The WGSL type of a binding. */
function bindingType(b: BindingDecl): string {
  switch (b.kind ?? "buffer") {
    case "buffer":
      return `array<${b.type ?? "f32"}>`;
    case "texture_2d_array":
      return "texture_2d_array<f32>";
    case "storage_texture_2d_array":
      return "texture_storage_2d_array<rgba32float, write>";
  }
}

/** Compile-time sizes a program's WGSL depends on (unrolled dims, flags). */
export type Sizes = Readonly<Record<string, number | boolean | string>>;

/** How a program's dispatch splits over launches, see {@link ProgramSpec.split}. */
export interface SplitDecl {
  /** Uniform field receiving the first step of a launch. */
  readonly begin: string;
  /** Uniform field receiving the end (exclusive) of a launch. */
  readonly end: string;
}

/** The declaration of one WGSL program. */
export interface ProgramSpec<S extends Sizes = Sizes> {
  /** Names the kernel in errors and labels. */
  readonly name: string;
  /** Invocations per workgroup: a count (x only) or an (x, y, z) size, or a function of the sizes. */
  readonly workgroupSize:
    | number
    | readonly [number, number, number]
    | ((s: S) => number | readonly [number, number, number]);
  /** Uniform fields in struct order (bound at binding 0 when present). */
  readonly uniforms?: Readonly<Record<string, UniformType>>;
  /** Name of the uniform variable in WGSL; `p` when absent. */
  readonly uniformVar?: string;
  /** Storage bindings in binding order (from 1 with uniforms, else from 0). */
  readonly bindings: Readonly<Record<string, BindingDecl>>;
  /** WGSL placed between the bindings and `main`: constants, helper functions, `var<workgroup>`. */
  readonly helpers?: (s: S) => string;
  /** The body of `main`. */
  readonly main: (s: S) => string;
  /**
   * Worst-case loop-header evaluations of one invocation running `steps` steps
   * (a loop of k iterations costs k + 1; nested loops multiply). Checked
   * against the adapter's budget before any launch.
   */
  readonly loopIterations?: (s: S, steps: number) => number;
  /** When present, {@link dispatch} with `steps` splits the steps over launches that fit the budget. */
  readonly split?: SplitDecl;
}

/** A declared program: its spec plus the cached WGSL per sizes. */
export interface Program<S extends Sizes = Sizes> extends ProgramSpec<S> {
  /** The full WGSL for `sizes`: generated preamble, helpers and `main`. */
  wgsl(sizes: S): string;
}

const ALIGN: Record<string, number> = { u32: 4, i32: 4, f32: 4, vec4u: 16 };

/** Byte offset and size of each uniform field, with WGSL's uniform-layout rules. */
export function uniformLayout(
  fields: Readonly<Record<string, UniformType>>,
): { offsets: Map<string, { offset: number; type: UniformType; count: number }>; size: number } {
  const offsets = new Map<string, { offset: number; type: UniformType; count: number }>();
  let at = 0;
  for (const [name, type] of Object.entries(fields)) {
    const arr = /^array<vec4u, (\d+)>$/.exec(type);
    const align = arr ? 16 : ALIGN[type]!;
    const size = arr ? 16 * Number(arr[1]) : type === "vec4u" ? 16 : 4;
    at = Math.ceil(at / align) * align;
    offsets.set(name, { offset: at, type, count: size / 4 });
    at += size;
  }
  return { offsets, size: Math.max(16, Math.ceil(at / 16) * 16) };
}

function sizesKey(s: Sizes): string {
  return JSON.stringify(Object.entries(s).sort(([a], [b]) => a.localeCompare(b)));
}

function workgroupOf<S extends Sizes>(spec: ProgramSpec<S>, s: S): [number, number, number] {
  const w = typeof spec.workgroupSize === "function" ? spec.workgroupSize(s) : spec.workgroupSize;
  return typeof w === "number" ? [w, 1, 1] : [w[0], w[1], w[2]];
}

/**
 * Declares a program. Names are checked once here: binding and uniform names
 * must be WGSL identifiers and distinct.
 *
 * @throws {TypeError} when a name is not an identifier or is used twice.
 */
export function defineProgram<S extends Sizes = Sizes>(spec: ProgramSpec<S>): Program<S> {
  const names = [...Object.keys(spec.bindings), spec.uniformVar ?? "p"];
  for (const n of names) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n)) {
      throw new TypeError(`Cannot define program "${spec.name}": "${n}" is not a WGSL identifier`);
    }
  }
  if (new Set(names).size !== names.length) {
    throw new TypeError(`Cannot define program "${spec.name}": binding names repeat (${names})`);
  }
  for (const [name, b] of Object.entries(spec.bindings)) {
    const kind = b.kind ?? "buffer";
    if (!KIND_ACCESS[kind].includes(b.access)) {
      throw new TypeError(
        `Cannot define program "${spec.name}": binding "${name}" (${kind}) takes access ` +
          `${KIND_ACCESS[kind].join(" or ")}, got ${b.access}`,
      );
    }
    if (kind !== "buffer" && (b.optional === true || b.type !== undefined)) {
      throw new TypeError(
        `Cannot define program "${spec.name}": texture binding "${name}" takes neither ` +
          `"optional" nor "type"`,
      );
    }
  }
  if (spec.split !== undefined) {
    for (const f of [spec.split.begin, spec.split.end]) {
      if (spec.uniforms?.[f] !== "u32") {
        throw new TypeError(
          `Cannot define program "${spec.name}": split field "${f}" must be a u32 uniform`,
        );
      }
    }
  }
  const cache = new Map<string, string>();
  const wgsl = (s: S): string => {
    const key = sizesKey(s);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const lines: string[] = [];
    let binding = 0;
    const u = spec.uniforms;
    if (u !== undefined && Object.keys(u).length > 0) {
      const fields = Object.entries(u).map(([n, t]) => `  ${n}: ${t},`).join("\n");
      lines.push(`struct Params {\n${fields}\n}`);
      lines.push(
        `@group(0) @binding(${binding++}) var<uniform> ${spec.uniformVar ?? "p"}: Params;`,
      );
    }
    for (const [name, b] of Object.entries(spec.bindings)) {
      const space = (b.kind ?? "buffer") === "buffer"
        ? `<storage, ${b.access === "read" ? "read" : "read_write"}>`
        : "";
      lines.push(`@group(0) @binding(${binding++}) var${space} ${name}: ${bindingType(b)};`);
    }
    const [x, y, z] = workgroupOf(spec, s);
    const code = `// ${spec.name} (generated preamble: impl/gpu/program.ts)
${lines.join("\n")}
${WGSL_LINEAR_WORKGROUP}
${spec.helpers?.(s) ?? ""}
@compute @workgroup_size(${x}, ${y}, ${z})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32,
        @builtin(local_invocation_id) lid3: vec3u,
        @builtin(global_invocation_id) gid: vec3u) {
  let wg = linear_workgroup(wid, nwg);
  ${spec.main(s)}
}
`;
    cache.set(key, code);
    return code;
  };
  return Object.freeze({ ...spec, wgsl });
}

/** A uniform value: numbers for u32 (and f32/i32 fields), arrays for vec4u and arrays. */
export type UniformInput = number | readonly number[];

/** One dispatch of a program. */
export interface DispatchArgs<S extends Sizes = Sizes> {
  /** Compile-time sizes; `{}` when the program has none. */
  readonly sizes?: S;
  /** Uniform values by field name; split fields are filled by the runner. */
  readonly uniforms?: Readonly<Record<string, UniformInput>>;
  /** Buffers by binding name (texture views for texture bindings). */
  readonly buffers: Readonly<Record<string, GPUBuffer | GPUTextureView | undefined>>;
  /** Total workgroups (tiled past the per-dimension limit) or an explicit grid. */
  readonly workgroups: number | readonly [number, number, number];
  /**
   * Steps to run: with a `split` program, the runner launches consecutive
   * ranges [begin, end) of at most as many steps as fit the loop budget;
   * without one, the loop count of all steps is checked. Default 0.
   */
  readonly steps?: number;
  /** The first step (split programs); default 0. */
  readonly firstStep?: number;
}

type Layout = ReturnType<typeof uniformLayout>;

/** Checks `values` against `layout` and writes them at `base` of `view` (names checked first). */
function writeNamedUniforms(
  program: string,
  layout: Layout,
  values: Readonly<Record<string, UniformInput>>,
  view: DataView,
  base: number,
): void {
  const { offsets } = layout;
  for (const name in values) {
    if (!offsets.has(name)) {
      throw new TypeError(`Cannot run kernel "${program}": it has no uniform field "${name}"`);
    }
  }
  for (const [name, { offset, type, count }] of offsets) {
    const v = values[name];
    if (v === undefined) {
      throw new TypeError(`Cannot run kernel "${program}": uniform field "${name}" is missing`);
    }
    const single = typeof v === "number";
    const length = single ? 1 : v.length;
    if (length > count || (single && count !== 1)) {
      throw new TypeError(
        `Cannot run kernel "${program}": uniform field "${name}" (${type}) takes ` +
          `${count === 1 ? "a number" : `at most ${count} numbers`}, got ${length}`,
      );
    }
    for (let i = 0; i < count; i++) {
      // Array fields shorter than their type are zero-padded, as a fresh buffer would be.
      const x = single ? v : i < length ? v[i]! : 0;
      const at = base + offset + 4 * i;
      if (type === "f32") view.setFloat32(at, x, true);
      else if (type === "i32") {
        if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) {
          throw new RangeError(`Cannot run kernel "${program}": ${name} = ${x} is not an i32`);
        }
        view.setInt32(at, x, true);
      } else {
        if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) {
          throw new RangeError(`Cannot run kernel "${program}": ${name} = ${x} is not a u32`);
        }
        view.setUint32(at, x, true);
      }
    }
  }
}

/** Packs uniform values by name into the struct layout. */
export function packNamedUniforms(
  program: string,
  fields: Readonly<Record<string, UniformType>>,
  values: Readonly<Record<string, UniformInput>>,
): ArrayBuffer {
  const layout = uniformLayout(fields);
  const buf = new ArrayBuffer(layout.size);
  writeNamedUniforms(program, layout, values, new DataView(buf), 0);
  return buf;
}

let placeholders: { device: GPUDevice; read: GPUBuffer; readWrite: GPUBuffer } | null = null;

/**
 * The shared 16-byte storage buffer of the current device bound wherever an
 * optional binding with `access` is absent. There is one per access mode: one
 * buffer bound both read-only and read-write in a dispatch is a usage conflict
 * WebGPU rejects. They live as long as the device and are not counted by
 * `liveBufferCount()` (no tensor owns them).
 */
export function placeholderBuffer(access: BindingDecl["access"] = "read"): GPUBuffer {
  const { device } = gpu();
  if (placeholders === null || placeholders.device !== device) {
    const make = (label: string) =>
      device.createBuffer({ label, size: 16, usage: GPUBufferUsage.STORAGE });
    placeholders = {
      device,
      read: make("memspec placeholder (read)"),
      readWrite: make("memspec placeholder (read_write)"),
    };
  }
  return access === "read" ? placeholders.read : placeholders.readWrite;
}

/**
 * The largest number of steps one launch of `program` may run with `sizes`
 * within the adapter's loop budget (at least 1; a single step past the budget
 * throws at launch).
 */
export function maxStepsPerLaunch<S extends Sizes>(
  program: Program<S>,
  sizes: S,
  steps: number,
): number {
  if (program.loopIterations === undefined) return Math.max(1, steps);
  const budget = gpu().maxLoopIterations;
  if (program.loopIterations(sizes, steps) <= budget) return Math.max(1, steps);
  let lo = 1;
  let hi = steps;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (program.loopIterations(sizes, mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A program's compiled form for one set of sizes on the explicit-layout path. */
interface Compiled {
  readonly code: string;
  pipeline: GPUComputePipeline | null;
  readonly grid: [number, number, number];
}

/** What {@link dispatch} derives once per program. */
interface Runtime {
  readonly device: GPUDevice;
  readonly names: readonly string[];
  readonly decls: readonly BindingDecl[];
  readonly layout: Layout | null;
  /** Null for programs with texture bindings: they take the general launch path. */
  readonly bgl: GPUBindGroupLayout | null;
  readonly bglKey: string;
  readonly compiled: Map<string, Compiled>;
  readonly resources: (GPUBuffer | GPUTextureView)[];
}

const runtimes = new WeakMap<object, Runtime>();
let nextLayoutId = 1;
const layouts = new Map<string, { device: GPUDevice; bgl: GPUBindGroupLayout; key: string }>();

function runtimeOf<S extends Sizes>(program: Program<S>): Runtime {
  const { device } = gpu();
  const hit = runtimes.get(program);
  if (hit !== undefined && hit.device === device) return hit;
  const names = Object.keys(program.bindings);
  const decls = names.map((n) => program.bindings[n]!);
  const fields = program.uniforms ?? {};
  const layout = Object.keys(fields).length > 0 ? uniformLayout(fields) : null;
  let bgl: GPUBindGroupLayout | null = null;
  let bglKey = "";
  if (decls.every((d) => (d.kind ?? "buffer") === "buffer")) {
    // The uniform binding takes a dynamic offset into the batch's one uniform buffer,
    // so one bind group serves every dispatch that binds the same buffers.
    const sig = (layout === null ? "" : "u") + decls.map((d) => d.access[5] ?? "r").join("");
    let l = layouts.get(sig);
    if (l === undefined || l.device !== device) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      if (layout !== null) {
        entries.push({
          binding: 0,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: "uniform", hasDynamicOffset: true },
        });
      }
      decls.forEach((d) =>
        entries.push({
          binding: entries.length,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: d.access === "read" ? "read-only-storage" : "storage" },
        })
      );
      l = {
        device,
        bgl: device.createBindGroupLayout({ label: `memspec layout ${sig}`, entries }),
        key: `L${nextLayoutId++}`,
      };
      layouts.set(sig, l);
    }
    bgl = l.bgl;
    bglKey = l.key;
  }
  const rt: Runtime = {
    device,
    names,
    decls,
    layout,
    bgl,
    bglKey,
    compiled: new Map(),
    resources: new Array(names.length),
  };
  runtimes.set(program, rt);
  return rt;
}

function fastSizesKey(s: Sizes): string {
  let key = "";
  for (const k in s) key += k + "\u0001" + String(s[k]) + "\u0002";
  return key;
}

/**
 * Records `program` into the open batch: one launch, or, for a `split`
 * program with `steps`, one launch per range of steps that fits the loop
 * budget. Every check (names, uniforms, loop budget) runs before anything is
 * recorded. Returns the number of launches.
 *
 * A single launch of a program with buffer bindings only takes the fast path:
 * its pipeline, bind-group layout and bind groups are cached, and its uniforms
 * are written straight into the batch's uniform ring.
 *
 * @throws {TypeError} when a binding or uniform is missing or unknown.
 * @throws {RangeError} when one step alone loops past the budget, or a uniform is out of range.
 */
export function dispatch<S extends Sizes>(program: Program<S>, args: DispatchArgs<S>): number {
  // Held fused work first: it must precede this dispatch and must not interleave with
  // its uniform reservation or its use of the program's binding array.
  recordHeldWork();
  const sizes = (args.sizes ?? {}) as S;
  const rt = runtimeOf(program);
  const { names, decls, resources } = rt;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const decl = decls[i]!;
    const b = args.buffers[name];
    if (b === undefined) {
      if (!decl.optional) {
        throw new TypeError(`Cannot run kernel "${program.name}": buffer "${name}" is missing`);
      }
      resources[i] = placeholderBuffer(decl.access);
      continue;
    }
    const texture = (decl.kind ?? "buffer") !== "buffer";
    if (texture === b instanceof GPUBuffer) {
      throw new TypeError(
        `Cannot run kernel "${program.name}": binding "${name}" expected a ` +
          `${texture ? "texture view" : "GPUBuffer"} but got a ${
            texture ? "GPUBuffer" : "texture view"
          }`,
      );
    }
    resources[i] = b;
  }
  for (const name in args.buffers) {
    if (!(name in program.bindings)) {
      throw new TypeError(`Cannot run kernel "${program.name}": it has no binding "${name}"`);
    }
  }
  const steps = args.steps ?? 0;
  const first = args.firstStep ?? 0;
  if (rt.bgl !== null && (program.split === undefined || steps === 0)) {
    return dispatchOne(program, rt, sizes, args, first, first + steps);
  }
  const ranges: [number, number][] = [];
  if (program.split !== undefined && steps > 0) {
    const per = maxStepsPerLaunch(program, sizes, steps);
    for (let t = 0; t < steps; t += per) ranges.push([first + t, first + Math.min(steps, t + per)]);
  } else ranges.push([first, first + steps]);
  const code = program.wgsl(sizes);
  const fields = program.uniforms ?? {};
  const hasUniforms = Object.keys(fields).length > 0;
  const packed = ranges.map(([b, e]) => {
    if (program.loopIterations !== undefined) {
      assertLoopBudget(program.name, program.loopIterations(sizes, e - b));
    }
    if (!hasUniforms) return undefined;
    const values = program.split === undefined
      ? { ...args.uniforms }
      : { ...args.uniforms, [program.split.begin]: b, [program.split.end]: e };
    return packNamedUniforms(program.name, fields, values);
  });
  const buffers = resources.slice();
  packed.forEach((u) =>
    launch({
      name: program.name,
      code,
      uniformBytes: u,
      buffers,
      workgroups: args.workgroups,
    })
  );
  return packed.length;
}

/** The fast path of {@link dispatch}: one launch, buffers only. */
function dispatchOne<S extends Sizes>(
  program: Program<S>,
  rt: Runtime,
  sizes: S,
  args: DispatchArgs<S>,
  begin: number,
  end: number,
): number {
  if (program.loopIterations !== undefined) {
    assertLoopBudget(program.name, program.loopIterations(sizes, end - begin));
  }
  const key = fastSizesKey(sizes);
  let c = rt.compiled.get(key);
  if (c === undefined) {
    c = { code: program.wgsl(sizes), pipeline: null, grid: [0, 0, 0] };
    rt.compiled.set(key, c);
  }
  let offset = -1;
  const layout = rt.layout;
  if (layout !== null) {
    offset = reserveUniforms(layout.size);
    const ring = uniformRing();
    let values = args.uniforms ?? {};
    if (program.split !== undefined) {
      values = { ...values, [program.split.begin]: begin, [program.split.end]: end };
    }
    writeNamedUniforms(program.name, layout, values, ring.view, offset);
  }
  const w = args.workgroups;
  let x: number, y: number, z: number;
  if (typeof w === "number") {
    const max = gpu().limits.maxComputeWorkgroupsPerDimension;
    if (w <= max && Number.isInteger(w) && w >= 0) [x, y, z] = [w, 1, 1];
    else [x, y, z] = tileGrid(w, max);
  } else [x, y, z] = [w[0], w[1], w[2]];
  if (x === 0 || y === 0 || z === 0) return 1;
  const compiled = c;
  if (compiled.pipeline === null) {
    compiled.pipeline = pipelineWithLayout(program.name, compiled.code, rt.bglKey, rt.bgl!, () => {
      compiled.pipeline = null;
    });
  }
  const resources = rt.resources;
  let bgKey = rt.bglKey;
  if (layout !== null) bgKey += "|" + bindingMeta(uniformRing().buffer).id + ":" + layout.size;
  for (let i = 0; i < resources.length; i++) {
    const m = bindingMeta(resources[i]!);
    bgKey += "|" + m.id + ":" + m.bytes;
  }
  const bindGroup = cachedBindGroup(bgKey, () => {
    const entries: GPUBindGroupEntry[] = [];
    if (layout !== null) {
      entries.push({
        binding: 0,
        resource: { buffer: uniformRing().buffer, offset: 0, size: layout.size },
      });
    }
    for (const r of resources) {
      const b = r as GPUBuffer;
      entries.push({
        binding: entries.length,
        resource: { buffer: b, size: bindingMeta(b).bytes },
      });
    }
    return rt.device.createBindGroup({ label: program.name, layout: rt.bgl!, entries });
  });
  if (layout !== null) commitUniforms(layout.size);
  recordDispatch(compiled.pipeline, bindGroup, offset, x, y, z);
  return 1;
}
