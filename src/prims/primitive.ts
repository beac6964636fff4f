// What a primitive is. Every primitive is defined in ONE place (a file of this folder) by one
// object that carries all its rules: the shape/dtype rule, the reference evaluation, the VJP
// and JVP rules (written with fluxion ops, so they are differentiable again) and how it lowers
// for the compiler. The interface makes a missing rule a type error.

import type { Aval } from "../ir/var.js";
import type { DType, TypedArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { FluxionError } from "../errors.js";
import type { ScalarExpr } from "../scalar/expr.js";

export type ParamValue = number | boolean | string | null | readonly ParamValue[];
/** Static parameters of an equation: plain data, printable and usable in cache keys. */
export type Params = Readonly<Record<string, ParamValue>>;

/** A concrete operand of a reference evaluation: storage plus shape and dtype. */
export interface ConcreteArg {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface VjpArgs<P extends Params> {
  /** The primal inputs (tracers while the backward program is being built). */
  readonly inputs: readonly Tensor[];
  /** The primal output. */
  readonly out: Tensor;
  readonly params: P;
}

export interface JvpArgs<P extends Params> extends VjpArgs<P> {
  /** Tangents of the inputs; null stands for a symbolic zero. */
  readonly tangents: readonly (Tensor | null)[];
}

/** A reduction's combining step: the next accumulator from the current one and one element. */
export type CombineFn = (acc: number, x: number) => number;

/**
 * How the compiler lowers an equation of this primitive.
 * - `elementwise`: the scalar computation as data — an expression over the operands' stored
 *   values in the scalar expression language (src/scalar/expr.ts), for given params and
 *   dtypes, whose root has the output dtype's type. It is the one definition of the op's
 *   semantics: the JS renderer (fusion and code generation), the interpreter (reference
 *   evaluation, and the path where generating code is forbidden) and any other backend consume it;
 *   none of them knows the primitive.
 * - `reduce`: a reduction over `params.axes` with an identity value and a combining expression
 *   for the accumulator's dtype (the accumulator is a double; int32 accumulators wrap at every
 *   step); `reference` gives the combining step as a closure.
 * - `kernel`: anything else (movement, contraction, gather, …); the compiler has a kernel for
 *   the primitive's `kernel` class or falls back to the reference evaluation. `epilogue: true`
 *   declares that the class's kernel can apply an elementwise epilogue (bias add, activation) to
 *   each output as it stores it: fusion then makes the equation the root of its elementwise
 *   readers, and the kernel registered with `registerEpilogueKernel` for the class runs the group.
 */
export type Lowering<P extends Params> =
  | {
      readonly kind: "elementwise";
      scalar(params: P, inDtypes: readonly DType[], outDtype: DType): ScalarExpr;
    }
  | {
      readonly kind: "reduce";
      readonly identity: number;
      combine(acc: string, x: string, dtype: DType): string;
      reference(dtype: DType): CombineFn;
    }
  | { readonly kind: "kernel"; readonly kernel: string; readonly epilogue?: boolean };

export interface Primitive<P extends Params = Params> {
  readonly name: string;
  /** Shape/dtype rule: validates operands and params, throws an error naming the op. */
  abstractEval(inputs: readonly Aval[], params: P): Aval;
  /**
   * Reference evaluation: plain loops over the operands (elementwise and reduce primitives call
   * their lowering's scalar description through the interpreter, reduce ones their `reference`
   * closures), never generated code. Returns fresh storage for the output.
   */
  impl(inputs: readonly ConcreteArg[], params: P, out: Aval): TypedArray;
  /** Cotangents of the inputs given the output's cotangent `g`; null means zero / not differentiable. */
  vjp(g: Tensor, args: VjpArgs<P>): readonly (Tensor | null)[];
  /** Tangent of the output given the inputs' tangents; null means zero. */
  jvp(args: JvpArgs<P>): Tensor | null;
  readonly lowering: Lowering<P>;
}

const registry = new Map<string, Primitive>();

/** Registers a primitive under its unique name and returns it. */
export function definePrimitive<P extends Params>(prim: Primitive<P>): Primitive<P> {
  if (registry.has(prim.name)) throw new FluxionError(`definePrimitive: primitive "${prim.name}" is defined twice`);
  registry.set(prim.name, prim as unknown as Primitive);
  return prim;
}

export function lookupPrimitive(name: string): Primitive | undefined {
  return registry.get(name);
}

export function allPrimitives(): Primitive[] {
  return [...registry.values()];
}
