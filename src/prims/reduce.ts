// Reductions over a set of axes: reduce_sum, reduce_max, reduce_min, reduce_prod, and the
// index reductions argmax/argmin. In the IR a reduction removes its axes; `keepDims` is a
// reshape added by the front end. Ties of max/min share the gradient equally among the tied
// elements; prod's gradient is exact at zeros (the product of the other elements).

import { DTypeError, ValueError, fmtShape } from "../errors.js";
import type { Aval } from "../ir/var.js";
import { type DType, allocArray } from "../tensor/dtype.js";
import { type Shape, normalizeAxes, normalizeAxis, sizeOf, stridesOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { type TensorLike, checkKind, toTensors } from "./elementwise.js";
import { type CombineFn, type ConcreteArg, type Primitive, definePrimitive } from "./primitive.js";
import { broadcastTo, inversePermutation, reshape, transpose } from "./layout.js";
import { flip, padRaw, sliceRaw } from "./movement.js";
import { scalar } from "../tensor/create.js";
import * as schemas from "../options/schemas.js";
import { checkOptions } from "../options/validate.js";
import { cast, equal } from "./compare.js";
import { div, mul } from "./binary.js";

type ReduceParams = { readonly axes: readonly number[] };

/** Options of the reductions (`sum`, `max`, `argmax`, …): the axes to reduce and whether to keep them. */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); all axes when omitted. */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes as size-1 dimensions. */
  keepDims?: boolean;
}

function reducedShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/** The shape of a reduction's result with the reduced axes kept as 1s. */
export function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function checkAxes(op: string, x: Aval, axes: readonly number[]): void {
  const rank = x.shape.length;
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i]!;
    if (!Number.isInteger(a) || a < 0 || a >= rank || (i > 0 && a <= axes[i - 1]!)) {
      throw new ValueError(`${op}: axes ${fmtShape(axes)} must be sorted, distinct and within rank ${rank}`);
    }
  }
}

/**
 * Reference loop of a reduction: combine every input element into its output slot, in row-major
 * order, with a double accumulator; the result is stored in the output dtype.
 */
function reduceImpl(reference: (dtype: DType) => CombineFn, identity: number) {
  return ([x]: readonly ConcreteArg[], { axes }: ReduceParams, out: Aval) => {
    const combine = reference(out.dtype);
    const result = allocArray(out.dtype, sizeOf(out.shape));
    const acc = new Float64Array(result.length).fill(identity);
    const outStrides = stridesOf(keptShape(x!.shape, axes)).map((s, i) => (axes.includes(i) ? 0 : s));
    forEachIndex(x!.shape, outStrides, (src, dst) => {
      acc[dst] = combine(acc[dst]!, x!.data[src]!);
    });
    for (let i = 0; i < result.length; i++) result[i] = acc[i]!;
    return result;
  };
}

/** Calls `f(flatIndex, Σ index·strides)` for every index of `shape`, in row-major order. */
export function forEachIndex(shape: Shape, strides: readonly number[], f: (flat: number, strided: number) => void): void {
  const n = sizeOf(shape);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    f(i, pos);
    for (let k = rank - 1; k >= 0; k--) {
      index[k]!++;
      pos += strides[k]!;
      if (index[k]! < shape[k]!) break;
      pos -= strides[k]! * shape[k]!;
      index[k] = 0;
    }
  }
}

/** Broadcasts a reduction's result (or cotangent) back over the reduced axes of `shape`. */
function expandBack(y: Tensor, shape: Shape, axes: readonly number[]): Tensor {
  // A rank-0 value broadcasts as it is; no reshape to all-ones dimensions needed.
  return broadcastTo(y.shape.length === 0 ? y : reshape(y, keptShape(shape, axes)), shape);
}

function defineReduce(
  name: string,
  identity: number,
  combine: (acc: string, x: string, dtype: DType) => string,
  reference: (dtype: DType) => CombineFn,
  rules: Pick<Primitive<ReduceParams>, "vjp" | "jvp">,
  nonEmpty: boolean,
): Primitive<ReduceParams> {
  return definePrimitive<ReduceParams>({
    name,
    abstractEval([x], { axes }) {
      checkAxes(name, x!, axes);
      checkKind(name, x!.dtype, "numeric");
      if (nonEmpty && axes.some((a) => x!.shape[a] === 0)) {
        throw new ValueError(`${name}: cannot reduce over an empty axis of shape ${fmtShape(x!.shape)}`);
      }
      return { shape: reducedShape(x!.shape, axes), dtype: x!.dtype };
    },
    impl: reduceImpl(reference, identity),
    ...rules,
    lowering: { kind: "reduce", identity, combine, reference },
  });
}

// int32 sums and products wrap like C at every step (Math.imul for products).
export const reduceSumPrim = defineReduce(
  "reduce_sum",
  0,
  (a, x, dtype) => (dtype === "int32" ? `(${a} + ${x}) | 0` : `${a} + ${x}`),
  (dtype) => (dtype === "int32" ? (a, x) => (a + x) | 0 : (a, x) => a + x),
  {
    vjp: (g, { inputs: [x], params: { axes } }) => [expandBack(g, x!.shape, axes)],
    jvp: ({ tangents: [t], params: { axes } }) => (t ? reduceSum(t, axes) : null),
  },
  false,
);

/** Gradient of max/min: shared equally among the elements equal to the extremum. */
function extremumWeights(x: Tensor, out: Tensor, axes: readonly number[]): Tensor {
  const mask = cast(equal(x, expandBack(out, x.shape, axes)), x.dtype);
  return div(mask, expandBack(reduceSum(mask, axes), x.shape, axes));
}

const extremumRules: Pick<Primitive<ReduceParams>, "vjp" | "jvp"> = {
  vjp: (g, { inputs: [x], out, params: { axes } }) => [mul(expandBack(g, x!.shape, axes), extremumWeights(x!, out, axes))],
  jvp: ({ inputs: [x], tangents: [t], out, params: { axes } }) =>
    t ? reduceSum(mul(t, extremumWeights(x!, out, axes)), axes) : null,
};

// NaN propagates: once the accumulator is NaN it stays NaN; a NaN element replaces it.
// Between equal values (−0 and +0 included) the first one stays.
export const reduceMaxPrim = defineReduce(
  "reduce_max",
  -Infinity,
  (a, x) => `(${x} > ${a} || ${x} !== ${x} ? ${x} : ${a})`,
  () => (a, x) => (Number.isNaN(a) || !(x > a || Number.isNaN(x)) ? a : x),
  extremumRules,
  true,
);
export const reduceMinPrim = defineReduce(
  "reduce_min",
  Infinity,
  (a, x) => `(${x} < ${a} || ${x} !== ${x} ? ${x} : ${a})`,
  () => (a, x) => (Number.isNaN(a) || !(x < a || Number.isNaN(x)) ? a : x),
  extremumRules,
  true,
);

/**
 * ∂prod/∂xᵢ = the product of the other elements: exclusive prefix product × exclusive suffix
 * product along the (flattened) reduced axes. Built only from mul/pad/slice/flip — no division
 * and no branch on zeros — so it is exact at zeros at every order of differentiation.
 */
function prodPartials(x: Tensor, axes: readonly number[]): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  if (n <= 1) return broadcastTo(scalar(1, x.dtype), x.shape);
  const moved = transpose(x, perm);
  const rows = reshape(moved, [...kept.map((i) => x.shape[i]!), n]);
  const lastAxis = rows.shape.length - 1;
  const others = mul(exclusiveCumprod(rows), flip(exclusiveCumprod(flip(rows, { axis: [lastAxis] })), { axis: [lastAxis] }));
  return transpose(reshape(others, moved.shape), inversePermutation(perm));
}

/** y[…, i] = Π_{k<i} x[…, k]: a Hillis–Steele scan of shifted products (log₂ n muls). */
function exclusiveCumprod(x: Tensor): Tensor {
  const n = x.shape[x.shape.length - 1]!;
  const shift = (y: Tensor, s: number) => {
    const zeros = y.shape.map(() => 0);
    const lo = y.shape.map((_, i) => (i === y.shape.length - 1 ? s : 0));
    return sliceRaw(padRaw(y, lo, zeros, zeros, 1), zeros, y.shape);
  };
  let y = shift(x, 1);
  for (let s = 1; s < n; s *= 2) y = mul(y, shift(y, s));
  return y;
}

export const reduceProdPrim = defineReduce(
  "reduce_prod",
  1,
  (a, x, dtype) => (dtype === "int32" ? `Math.imul(${a}, ${x})` : `${a} * ${x}`),
  (dtype) => (dtype === "int32" ? Math.imul : (a, x) => a * x),
  {
    vjp: (g, { inputs: [x], params: { axes } }) => [mul(expandBack(g, x!.shape, axes), prodPartials(x!, axes))],
    jvp: ({ inputs: [x], tangents: [t], params: { axes } }) => (t ? reduceSum(mul(t, prodPartials(x!, axes)), axes) : null),
  },
  false,
);

// ---------------------------------------------------------------- argmax / argmin

type ArgParams = { readonly axis: number };

function defineArg(name: string, better: (a: number, b: number) => boolean): Primitive<ArgParams> {
  return definePrimitive<ArgParams>({
    name,
    abstractEval([x], { axis }) {
      checkAxes(name, x!, [axis]);
      if (x!.dtype === "bool") throw new DTypeError(`${name}: bool operands are not supported; cast them first`);
      if (x!.shape[axis] === 0) throw new ValueError(`${name}: cannot take ${name} over an empty axis of shape ${fmtShape(x!.shape)}`);
      return { shape: reducedShape(x!.shape, [axis]), dtype: "int32" };
    },
    impl([x], { axis }, out) {
      const shape = x!.shape;
      const n = shape[axis]!;
      const inner = sizeOf(shape.slice(axis + 1));
      const outer = sizeOf(shape.slice(0, axis));
      const result = allocArray("int32", sizeOf(out.shape));
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let best = 0;
          let bestValue = x!.data[o * n * inner + i]!;
          for (let k = 1; k < n && bestValue === bestValue; k++) {
            const v = x!.data[(o * n + k) * inner + i]!;
            // The first NaN wins (as NumPy); otherwise the first of equal extrema.
            if (v !== v || better(v, bestValue)) {
              best = k;
              bestValue = v;
            }
          }
          result[o * inner + i] = best;
        }
      }
      return result;
    },
    vjp: () => [null],
    jvp: () => null,
    lowering: { kind: "kernel", kernel: "arg_reduce" },
  });
}

export const argmaxPrim = defineArg("argmax", (a, b) => a > b);
export const argminPrim = defineArg("argmin", (a, b) => a < b);

// ---------------------------------------------------------------- front ends

/** A reduction's front end. Bool operands are reduced as int32; max/min give bool back. */
function reduction(prim: Primitive<ReduceParams>, publicName: string, boolResult = false) {
  return (x: TensorLike, rawOptions: ReduceOptions = {}): Tensor => {
    const options = checkOptions(publicName, schemas.ReduceOptions, rawOptions);
    let [t] = toTensors(publicName, [x]);
    const axes = normalizeAxes(publicName, options.axis, t!.shape.length);
    const wasBool = t!.dtype === "bool";
    if (wasBool) t = cast(t!, "int32");
    let y = axes.length === 0 ? t! : bind(prim, [t!], { axes });
    if (wasBool && boolResult) y = cast(y, "bool");
    return options.keepDims ? reshape(y, keptShape(t!.shape, axes)) : y;
  };
}

/** Sum over axes (all by default). bool sums count trues as int32. */
export const sum = reduction(reduceSumPrim, "sum");
/** Product over axes. */
export const prod = reduction(reduceProdPrim, "prod");
/** Maximum over axes (NaN propagates). */
export const max = reduction(reduceMaxPrim, "max", true);
/** Minimum over axes (NaN propagates). */
export const min = reduction(reduceMinPrim, "min", true);

/** Internal helper: sum over already-normalised axes, no keepDims. */
export function reduceSum(x: Tensor, axes: readonly number[]): Tensor {
  return axes.length === 0 ? x : bind(reduceSumPrim, [x], { axes: [...axes].sort((a, b) => a - b) });
}

/** Internal helper: product over already-normalised axes. */
function reduceProd(x: Tensor, axes: readonly number[]): Tensor {
  return axes.length === 0 ? x : bind(reduceProdPrim, [x], { axes });
}

function argReduction(prim: Primitive<ArgParams>, publicName: string) {
  return (x: TensorLike, rawOptions: { axis?: number | null; keepDims?: boolean } = {}): Tensor => {
    const options = checkOptions(publicName, schemas.ArgReduceOptions, rawOptions);
    let [t] = toTensors(publicName, [x]);
    if (t!.dtype === "bool") t = cast(t!, "int32");
    if (options.axis === undefined || options.axis === null) {
      const flat = reshape(t!, [t!.size]);
      const y = bind(prim, [flat], { axis: 0 });
      return options.keepDims ? reshape(y, t!.shape.map(() => 1)) : y;
    }
    const axis = normalizeAxis(publicName, options.axis, t!.shape.length);
    const y = bind(prim, [t!], { axis });
    return options.keepDims ? reshape(y, keptShape(t!.shape, [axis])) : y;
  };
}

/** Index of the maximum along `axis` (of the flattened tensor when omitted); first one on ties. */
export const argmax = argReduction(argmaxPrim, "argmax");
/** Index of the minimum along `axis` (of the flattened tensor when omitted); first one on ties. */
export const argmin = argReduction(argminPrim, "argmin");
