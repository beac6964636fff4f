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
    /** `fx.cast` with this tensor as its first argument. */
    cast(dtype: DType): Tensor;
    /** `fx.reshape` with this tensor as its first argument. */
    reshape(shape: readonly number[]): Tensor;
    /** `fx.transpose` with this tensor as its first argument. */
    transpose(perm?: readonly number[]): Tensor;
    /** `fx.broadcastTo` with this tensor as its first argument. */
    broadcastTo(shape: readonly number[]): Tensor;
    /** `fx.sum` with this tensor as its first argument. */
    sum(options?: ReduceOptions): Tensor;
    /** `fx.prod` with this tensor as its first argument. */
    prod(options?: ReduceOptions): Tensor;
    /** `fx.max` with this tensor as its first argument. */
    max(options?: ReduceOptions): Tensor;
    /** `fx.min` with this tensor as its first argument. */
    min(options?: ReduceOptions): Tensor;
    /** `fx.argmax` with this tensor as its first argument. */
    argmax(options?: { axis?: number; keepDims?: boolean }): Tensor;
    /** `fx.argmin` with this tensor as its first argument. */
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
    /** `fx.slice` with this tensor as its first argument. */
    slice(spec: readonly mv.SliceRange[]): Tensor;
    /** `fx.pad` with this tensor as its first argument. */
    pad(widths: Parameters<typeof mv.pad>[1], options?: mv.PadOptions): Tensor;
    /** `fx.flip` with this tensor as its first argument. */
    flip(options?: mv.AxesOptions): Tensor;
    /** `fx.take` with this tensor as its first argument. */
    take(indices: Parameters<typeof mv.take>[1], options?: mv.AxisOptions): Tensor;
    /** `fx.gather` with this tensor as its first argument. */
    gather(indices: Parameters<typeof mv.take>[1], options?: mv.AxisOptions): Tensor;
    /** `fx.expandDims` with this tensor as its first argument. */
    expandDims(options: Parameters<typeof shapeOps.expandDims>[1]): Tensor;
    /** `fx.squeeze` with this tensor as its first argument. */
    squeeze(options?: mv.AxesOptions): Tensor;
    /** `fx.flatten` with this tensor as its first argument. */
    flatten(options?: { startAxis?: number; endAxis?: number }): Tensor;
    /** `fx.tile` with this tensor as its first argument. */
    tile(reps: number | readonly number[]): Tensor;
    /** `fx.split` with this tensor as its first argument. */
    split(sections: number | readonly number[], options?: mv.AxisOptions): Tensor[];
    /** `fx.mean` with this tensor as its first argument. */
    mean(options?: ReduceOptions): Tensor;
    /** `fx.logSumExp` with this tensor as its first argument. */
    logSumExp(options?: ReduceOptions): Tensor;
    /** `fx.variance` with this tensor as its first argument. */
    variance(options?: red.VarianceOptions): Tensor;
    /** `fx.std` with this tensor as its first argument. */
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
