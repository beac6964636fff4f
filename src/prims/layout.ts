// Layout primitives: reshape, broadcast_to and transpose. Each is a pure re-indexing of its
// operand; the compiler may turn them into index arithmetic inside fused loops.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { type DType, allocArray } from "../tensor/dtype.js";
import { type Shape, broadcastsTo, checkTensorSize, shapesEqual, sizeOf, stridesOf } from "../tensor/shape.js";
import * as schemas from "../options/schemas.js";
import { checkArg } from "../options/validate.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { toTensors, type TensorLike } from "./elementwise.js";
import { definePrimitive } from "./primitive.js";
import { forEachIndex, reduceSum } from "./reduce.js";

// ---------------------------------------------------------------- reshape

type ReshapeParams = { readonly shape: readonly number[] };

export const reshapePrim = definePrimitive<ReshapeParams>({
  name: "reshape",
  abstractEval([x], { shape }) {
    if (sizeOf(shape) !== sizeOf(x!.shape)) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(x!.shape)} (${sizeOf(x!.shape)} elements) to ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    return { shape, dtype: x!.dtype };
  },
  impl: ([x]) => x!.data.slice(),
  vjp: (g, { inputs: [x] }) => [reshape(g, x!.shape)],
  jvp: ({ tangents: [t], out }) => (t ? reshape(t, out.shape) : null),
  lowering: { kind: "kernel", kernel: "reshape" },
});

/** Resolves a target shape that may contain one -1 against `size` elements. */
export function resolveShape(op: string, from: Shape, shape: readonly number[]): number[] {
  const size = sizeOf(from);
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1) throw new ValueError(`${op}: at most one dimension can be -1, got ${fmtShape(shape)}`);
  if (holes === 0) {
    if (sizeOf(shape) !== size) {
      throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    return [...shape];
  }
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
  if (known === 0 || size % known !== 0) {
    throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(shape)}`);
  }
  return shape.map((d) => (d === -1 ? size / known : d));
}

/** The same values in a new shape; one dimension may be -1 (inferred). */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const [t] = toTensors("reshape", [x]);
  const target = resolveShape("reshape", t!.shape, checkArg("reshape", "shape", schemas.ReshapeTarget, shape));
  if (shapesEqual(target, t!.shape)) return t!;
  return bind(reshapePrim, [t!], { shape: target });
}

// ---------------------------------------------------------------- broadcast_to

type BroadcastParams = { readonly shape: readonly number[] };

export const broadcastToPrim = definePrimitive<BroadcastParams>({
  name: "broadcast_to",
  abstractEval([x], { shape }) {
    if (!broadcastsTo(x!.shape, shape)) {
      throw new ShapeError(`broadcastTo: cannot broadcast shape ${fmtShape(x!.shape)} to ${fmtShape(shape)}`);
    }
    return { shape, dtype: x!.dtype };
  },
  impl([x], { shape }, out) {
    const rank = shape.length;
    const off = rank - x!.shape.length;
    const inStrides = stridesOf(x!.shape);
    // Stride of each output axis in the input (0 along broadcast axes).
    const strides = shape.map((d, i) => (i < off || x!.shape[i - off] === 1 ? 0 : inStrides[i - off]!));
    return gatherStrided(x!.data, shape, strides, 0, out.dtype);
  },
  vjp: (g, { inputs: [x] }) => [unbroadcast(g, x!.shape)],
  jvp: ({ tangents: [t], out }) => (t ? broadcastTo(t, out.shape) : null),
  lowering: { kind: "kernel", kernel: "broadcast_to" },
});

/** Sums `g` over the axes along which `shape` was broadcast, returning a tensor of `shape`. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  const off = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length ? reduceSum(g, axes) : g;
  return reshape(summed, shape);
}

/** Repeats `x` along new leading axes and axes of size 1 to fill `shape` (NumPy rules). */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const [t] = toTensors("broadcastTo", [x]);
  const target = checkArg("broadcastTo", "shape", schemas.Shape, shape);
  checkTensorSize("broadcastTo", target, t!.dtype);
  if (shapesEqual(target, t!.shape)) return t!;
  return bind(broadcastToPrim, [t!], { shape: target });
}

// ---------------------------------------------------------------- transpose

type TransposeParams = { readonly perm: readonly number[] };

function checkPerm(perm: readonly number[], rank: number): void {
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new ValueError(`transpose: ${fmtShape(perm)} is not a permutation of the ${rank} axes`);
  }
}

export const transposePrim = definePrimitive<TransposeParams>({
  name: "transpose",
  abstractEval([x], { perm }) {
    checkPerm(perm, x!.shape.length);
    return { shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
  },
  impl([x], { perm }, out) {
    const inStrides = stridesOf(x!.shape);
    return gatherStrided(x!.data, out.shape, perm.map((p) => inStrides[p]!), 0, out.dtype);
  },
  vjp: (g, { params: { perm } }) => [transpose(g, inversePermutation(perm))],
  jvp: ({ tangents: [t], params: { perm } }) => (t ? transpose(t, perm) : null),
  lowering: { kind: "kernel", kernel: "transpose" },
});

export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Permutes the axes (default: reversed). Negative axes count from the end. */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const [t] = toTensors("transpose", [x]);
  const rank = t!.shape.length;
  if (perm !== undefined) checkArg("transpose", "perm", schemas.Permutation, perm);
  const p = perm ? perm.map((a) => (a < 0 ? a + rank : a)) : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  checkPerm(p, rank);
  if (p.every((a, i) => a === i)) return t!;
  return bind(transposePrim, [t!], { perm: p });
}

// ---------------------------------------------------------------- shared reference loop

/**
 * Reference gather of a strided view: element (i0, i1, …) of the output is
 * `data[offset + Σ ik·strides[k]]`. Used by layout primitives' reference evaluations.
 */
export function gatherStrided(data: ArrayLike<number>, shape: Shape, strides: readonly number[], offset: number, dtype: DType) {
  const out = allocArray(dtype, sizeOf(shape));
  forEachIndex(shape, strides, (i, src) => {
    out[i] = data[offset + src]!;
  });
  return out;
}
