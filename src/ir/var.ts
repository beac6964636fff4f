// The atoms of the IR: variables (SSA values with a static shape and dtype) and scalar literals.

import type { DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";

/**
 * An abstract value: what the IR knows about a tensor. `weak` (JAX's weak_type) marks a value
 * that stands for a JS number (a number argument of jit, grad or trace): the front ends
 * promote it as they would the number (src/tensor/weak.ts), so tracing gives what eager gives.
 */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly weak?: boolean;
}

let nextVarId = 0;

/** An SSA variable. Identity is the object; `id` is only for debugging and ordering. */
export class Var implements Aval {
  readonly kind = "var" as const;
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly weak: boolean;
  constructor(aval: Aval) {
    this.id = nextVarId++;
    this.shape = Object.freeze([...aval.shape]);
    this.dtype = aval.dtype;
    this.weak = aval.weak ?? false;
  }
}

/** A rank-0 constant written inline in an equation (`mul a 2.0:f32`). */
export class Lit implements Aval {
  readonly kind = "lit" as const;
  readonly shape: Shape = Object.freeze([]);
  readonly value: number;
  readonly dtype: DType;
  constructor(value: number, dtype: DType) {
    this.value = value;
    this.dtype = dtype;
  }
}

/** An operand of an equation: a variable or a literal. */
export type Atom = Var | Lit;

export function isVar(a: Atom): a is Var {
  return a.kind === "var";
}
