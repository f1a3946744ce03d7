/**
 * f64 oracle of the shape ops: reshape, transpose, slice, concat, embedding,
 * where and masked_fill, forward and analytic backward. Written from the
 * definitions, element by element over coordinates, independently of the GPU
 * kernels (which walk output offsets through stride tables).
 *
 * Attributes: reshape `{shape}` (one entry may be -1); transpose `{perm}`
 * (absent: reversed axes); slice `{begin, size}` (size -1: to the end);
 * concat `{axis}` (negative from the end); masked_fill `{value}`.
 * Conditions and masks are true where nonzero; embedding ids outside
 * [0, V) give zero rows and no gradient.
 *
 * @module
 */
import type { OpAttrs, OracleOp } from "../_harness/op_spec.ts";
import { broadcastIndex, broadcastShape, reduceToShape } from "./broadcast.ts";
import { type NDArray, ndZeros, sizeOf } from "./ndarray.ts";

function list(attrs: OpAttrs, key: string): number[] {
  const v = attrs[key];
  if (!Array.isArray(v)) throw new TypeError(`oracle: attribute "${key}" must be a list`);
  return v;
}

function scalar(attrs: OpAttrs, key: string): number {
  const v = attrs[key];
  if (typeof v !== "number") throw new TypeError(`oracle: attribute "${key}" must be a number`);
  return v;
}

/** `[f(0), …, f(n − 1)]` (a plain loop: typed-array `from` with a callback is slow on large arrays). */
function tabulate(n: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/** Coordinates of flat index `i` in `shape` (row-major). */
function coordsOf(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return c;
}

/** Flat index of coordinates `c` in `shape` (row-major, Horner). */
function indexOf(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + c[d]!;
  return i;
}

/** The shape reshape targets, with a -1 entry resolved. */
export function reshapeTarget(size: number, target: readonly number[]): number[] {
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  return target.map((d) => (d === -1 ? size / known : d));
}

/** reshape: the same row-major data under another shape. */
export const RESHAPE_ORACLE: OracleOp = {
  forward: ([x], attrs) => ({
    shape: reshapeTarget(x!.data.length, list(attrs, "shape")),
    data: x!.data.slice(),
  }),
  backward: ([x], _attrs, g) => [{ shape: [...x!.shape], data: g.data.slice() }],
};

function permOf(attrs: OpAttrs, rank: number): number[] {
  return attrs.perm === undefined
    ? Array.from({ length: rank }, (_, i) => rank - 1 - i)
    : list(attrs, "perm");
}

/** For each input element, its flat index in the transposed output. */
function transposeMap(shape: readonly number[], perm: readonly number[]): Int32Array {
  const outShape = perm.map((a) => shape[a]!);
  const map = new Int32Array(sizeOf(shape));
  for (let j = 0; j < map.length; j++) {
    const c = coordsOf(j, shape);
    map[j] = indexOf(perm.map((a) => c[a]!), outShape);
  }
  return map;
}

/** transpose: output axis d is input axis perm[d]. */
export const TRANSPOSE_ORACLE: OracleOp = {
  forward: ([x], attrs) => {
    const perm = permOf(attrs, x!.shape.length);
    const map = transposeMap(x!.shape, perm);
    const out = new Float64Array(map.length);
    for (let j = 0; j < map.length; j++) out[map[j]!] = x!.data[j]!;
    return { shape: perm.map((a) => x!.shape[a]!), data: out };
  },
  backward: ([x], attrs, g) => {
    const map = transposeMap(x!.shape, permOf(attrs, x!.shape.length));
    const gx = new Float64Array(map.length);
    for (let j = 0; j < map.length; j++) gx[j] = g.data[map[j]!]!;
    return [{ shape: [...x!.shape], data: gx }];
  },
};

function sliceBox(x: NDArray, attrs: OpAttrs): { begin: number[]; size: number[] } {
  const begin = list(attrs, "begin");
  const size = list(attrs, "size").map((s, d) => (s === -1 ? x.shape[d]! - begin[d]! : s));
  return { begin, size };
}

/** For each output element of the slice, its flat index in the input. */
function sliceMap(x: NDArray, attrs: OpAttrs): { size: number[]; map: Int32Array } {
  const { begin, size } = sliceBox(x, attrs);
  const map = new Int32Array(sizeOf(size));
  for (let i = 0; i < map.length; i++) {
    map[i] = indexOf(coordsOf(i, size).map((c, d) => c + begin[d]!), x.shape);
  }
  return { size, map };
}

/** slice: the box [begin, begin + size) of each axis. */
export const SLICE_ORACLE: OracleOp = {
  forward: ([x], attrs) => {
    const { size, map } = sliceMap(x!, attrs);
    return { shape: size, data: tabulate(map.length, (i) => x!.data[map[i]!]!) };
  },
  backward: ([x], attrs, g) => {
    const { map } = sliceMap(x!, attrs);
    const gx = ndZeros(x!.shape);
    for (let i = 0; i < map.length; i++) gx.data[map[i]!] = g.data[i]!;
    return [gx];
  },
};

/** For each input k and each of its elements, the flat index in the concatenation. */
function concatMaps(
  xs: readonly NDArray[],
  attrs: OpAttrs,
): { shape: number[]; maps: Int32Array[] } {
  const rank = xs[0]!.shape.length;
  const axisAttr = scalar(attrs, "axis");
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis]!, 0);
  let offset = 0;
  const maps = xs.map((x) => {
    const m = new Int32Array(x.data.length);
    for (let j = 0; j < m.length; j++) {
      const c = coordsOf(j, x.shape);
      c[axis] = c[axis]! + offset;
      m[j] = indexOf(c, shape);
    }
    offset += x.shape[axis]!;
    return m;
  });
  return { shape, maps };
}

/** concat: inputs joined along `axis`. */
export const CONCAT_ORACLE: OracleOp = {
  forward: (xs, attrs) => {
    const { shape, maps } = concatMaps(xs, attrs);
    const out = new Float64Array(sizeOf(shape));
    xs.forEach((x, k) => {
      const m = maps[k]!;
      for (let j = 0; j < m.length; j++) out[m[j]!] = x.data[j]!;
    });
    return { shape, data: out };
  },
  backward: (xs, attrs, g) => {
    const { maps } = concatMaps(xs, attrs);
    return xs.map((x, k) => ({
      shape: [...x.shape],
      data: tabulate(x.data.length, (j) => g.data[maps[k]![j]!]!),
    }));
  },
};

/** embedding: out[..., d] = table[id, d] for 0 ≤ id < V, else 0; the gradient sums rows by id. */
export const EMBEDDING_ORACLE: OracleOp = {
  forward: ([table, ids]) => {
    const [vocab, dim] = table!.shape as [number, number];
    const out = new Float64Array(ids!.data.length * dim);
    for (let n = 0; n < ids!.data.length; n++) {
      const id = ids!.data[n]!;
      if (id < 0 || id >= vocab) continue;
      for (let d = 0; d < dim; d++) out[n * dim + d] = table!.data[id * dim + d]!;
    }
    return { shape: [...ids!.shape, dim], data: out };
  },
  backward: ([table, ids], _attrs, g) => {
    const [vocab, dim] = table!.shape as [number, number];
    const gt = ndZeros(table!.shape);
    for (let n = 0; n < ids!.data.length; n++) {
      const id = ids!.data[n]!;
      if (id < 0 || id >= vocab) continue;
      for (let d = 0; d < dim; d++) {
        gt.data[id * dim + d] = gt.data[id * dim + d]! + g.data[n * dim + d]!;
      }
    }
    return [gt, null];
  },
};

/** How many times each id in [0, V) occurs (the length of its gradient sum). */
export function idCounts(ids: ArrayLike<number>, vocab: number): Int32Array {
  const counts = new Int32Array(vocab);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n]!;
    if (id >= 0 && id < vocab) counts[id] = counts[id]! + 1;
  }
  return counts;
}

/** where: cond ≠ 0 ? a : b, all three broadcast to one shape. */
export const WHERE_ORACLE: OracleOp = {
  forward: ([c, a, b]) => {
    const shape = broadcastShape(broadcastShape(c!.shape, a!.shape), b!.shape);
    const [ic, ia, ib] = [c!, a!, b!].map((x) => broadcastIndex(x.shape, shape)) as [
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    const out = new Float64Array(ic.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = c!.data[ic[i]!] !== 0 ? a!.data[ia[i]!]! : b!.data[ib[i]!]!;
    }
    return { shape, data: out };
  },
  backward: ([c, a, b], _attrs, g) => {
    const ic = broadcastIndex(c!.shape, g.shape);
    const ga = new Float64Array(ic.length);
    const gb = new Float64Array(ic.length);
    for (let i = 0; i < ic.length; i++) {
      if (c!.data[ic[i]!] !== 0) ga[i] = g.data[i]!;
      else gb[i] = g.data[i]!;
    }
    return [
      null,
      reduceToShape({ shape: g.shape, data: ga }, a!.shape),
      reduceToShape({ shape: g.shape, data: gb }, b!.shape),
    ];
  },
};

/** masked_fill: value where mask ≠ 0 (mask broadcast to x), x elsewhere. */
export const MASKED_FILL_ORACLE: OracleOp = {
  forward: ([x, m], attrs) => {
    const value = scalar(attrs, "value");
    const im = broadcastIndex(m!.shape, x!.shape);
    return {
      shape: [...x!.shape],
      data: tabulate(im.length, (i) => (m!.data[im[i]!] !== 0 ? value : x!.data[i]!)),
    };
  },
  backward: ([x, m], _attrs, g) => {
    const im = broadcastIndex(m!.shape, x!.shape);
    return [
      {
        shape: [...x!.shape],
        data: tabulate(im.length, (i) => (m!.data[im[i]!] !== 0 ? 0 : g.data[i]!)),
      },
      null,
    ];
  },
};
