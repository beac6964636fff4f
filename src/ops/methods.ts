// Tensor methods for chaining (`x.mul(2).exp().sum()`): each forwards to the free function.

import { Tensor } from "../tensor/tensor.js";
import type { TensorLike } from "../prims/elementwise.js";
import type { ReduceOptions } from "../prims/reduce.js";
import type { DType } from "../tensor/dtype.js";
import * as p from "../prims/index.js";

type Unary = () => Tensor;
type Binary = (other: TensorLike) => Tensor;

declare module "../tensor/tensor.js" {
  interface Tensor {
    neg: Unary; abs: Unary; sign: Unary; exp: Unary; log: Unary; log1p: Unary; expm1: Unary;
    sqrt: Unary; rsqrt: Unary; reciprocal: Unary; square: Unary; sin: Unary; cos: Unary;
    tanh: Unary; sigmoid: Unary; floor: Unary; ceil: Unary; round: Unary; isNaN: Unary; isFinite: Unary;
    logicalNot: Unary;
    add: Binary; sub: Binary; mul: Binary; div: Binary; pow: Binary; maximum: Binary; minimum: Binary;
    equal: Binary; notEqual: Binary; less: Binary; lessEqual: Binary; greater: Binary; greaterEqual: Binary;
    logicalAnd: Binary; logicalOr: Binary; matmul: Binary;
    cast(dtype: DType): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    sum(options?: ReduceOptions): Tensor;
    prod(options?: ReduceOptions): Tensor;
    max(options?: ReduceOptions): Tensor;
    min(options?: ReduceOptions): Tensor;
    argmax(options?: { axis?: number; keepDims?: boolean }): Tensor;
    argmin(options?: { axis?: number; keepDims?: boolean }): Tensor;
  }
}

const methods: Record<string, (...args: any[]) => Tensor> = {
  neg: p.neg, abs: p.abs, sign: p.sign, exp: p.exp, log: p.log, log1p: p.log1p, expm1: p.expm1,
  sqrt: p.sqrt, rsqrt: p.rsqrt, reciprocal: p.reciprocal, square: p.square, sin: p.sin, cos: p.cos,
  tanh: p.tanh, sigmoid: p.sigmoid, floor: p.floor, ceil: p.ceil, round: p.round, isNaN: p.isNaN,
  isFinite: p.isFinite, logicalNot: p.logicalNot,
  add: p.add, sub: p.sub, mul: p.mul, div: p.div, pow: p.pow, maximum: p.maximum, minimum: p.minimum,
  equal: p.equal, notEqual: p.notEqual, less: p.less, lessEqual: p.lessEqual, greater: p.greater,
  greaterEqual: p.greaterEqual, logicalAnd: p.logicalAnd, logicalOr: p.logicalOr, matmul: p.matmul,
  cast: p.cast, reshape: p.reshape, transpose: p.transpose, broadcastTo: p.broadcastTo,
  sum: p.sum, prod: p.prod, max: p.max, min: p.min, argmax: p.argmax, argmin: p.argmin,
};

/** Adds methods forwarding to free functions (used by later modules for their ops too). */
export function addTensorMethods(table: Record<string, (...args: any[]) => Tensor>): void {
  for (const [name, fn] of Object.entries(table)) {
    Object.defineProperty(Tensor.prototype, name, {
      value: function (this: Tensor, ...args: unknown[]) {
        return fn(this, ...args);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

addTensorMethods(methods);

// Movement primitives and the shape / reduction / linear-algebra composites.
import * as mv from "../prims/movement.js";
import * as shapeOps from "./shape.js";
import * as red from "./reductions.js";
import * as la from "./linalg.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    slice(spec: readonly mv.SliceRange[]): Tensor;
    pad(widths: Parameters<typeof mv.pad>[1], options?: mv.PadOptions): Tensor;
    flip(options?: mv.AxesOptions): Tensor;
    take(indices: Parameters<typeof mv.take>[1], options?: mv.AxisOptions): Tensor;
    gather(indices: Parameters<typeof mv.take>[1], options?: mv.AxisOptions): Tensor;
    expandDims(options: Parameters<typeof shapeOps.expandDims>[1]): Tensor;
    squeeze(options?: mv.AxesOptions): Tensor;
    flatten(options?: { startAxis?: number; endAxis?: number }): Tensor;
    tile(reps: number | readonly number[]): Tensor;
    split(sections: number | readonly number[], options?: mv.AxisOptions): Tensor[];
    mean(options?: ReduceOptions): Tensor;
    logSumExp(options?: ReduceOptions): Tensor;
    variance(options?: red.VarianceOptions): Tensor;
    std(options?: red.VarianceOptions): Tensor;
    dot: Binary; outer: Binary;
  }
}

addTensorMethods({
  slice: mv.slice, pad: mv.pad, flip: mv.flip, take: mv.take, gather: mv.gather,
  expandDims: shapeOps.expandDims, squeeze: shapeOps.squeeze, flatten: shapeOps.flatten, tile: shapeOps.tile,
  split: shapeOps.split as unknown as (...args: any[]) => Tensor,
  mean: red.mean, logSumExp: red.logSumExp, variance: red.variance, std: red.std,
  dot: la.dot, outer: la.outer,
});
