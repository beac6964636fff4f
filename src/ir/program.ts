// The IR program: typed inputs, constants, a list of single-output equations in SSA form, outputs.

import type { Primitive, Params } from "../prims/primitive.js";
import type { Tensor } from "../tensor/tensor.js";
import type { TreeDef } from "../tree/index.js";
import type { Atom, Var } from "./var.js";
import { printProgram } from "./printer.js";

/** One equation: `out = prim[params] inputs`. */
export interface Eqn {
  readonly prim: Primitive;
  readonly inputs: readonly Atom[];
  readonly params: Params;
  readonly out: Var;
}

/**
 * A constant bound to a variable. Its value is usually a concrete tensor captured from a
 * closure; inside nested transforms it can be a tracer of an enclosing trace (a captured value).
 */
export interface Constant {
  readonly v: Var;
  readonly value: Tensor;
}

/**
 * A traced program (what `fx.trace` returns): SSA equations of primitives over typed variables, with
 * its inputs, captured constants and outputs; `String(program)` prints it like a jaxpr.
 */
export class Program {
  readonly inputs: readonly Var[];
  readonly constants: readonly Constant[];
  readonly eqns: readonly Eqn[];
  readonly outputs: readonly Atom[];
  /** Pytree structure of the traced function's arguments and result, when known. */
  readonly inTree: TreeDef | undefined;
  readonly outTree: TreeDef | undefined;

  constructor(parts: {
    inputs: readonly Var[];
    constants: readonly Constant[];
    eqns: readonly Eqn[];
    outputs: readonly Atom[];
    inTree?: TreeDef | undefined;
    outTree?: TreeDef | undefined;
  }) {
    this.inputs = Object.freeze([...parts.inputs]);
    this.constants = Object.freeze([...parts.constants]);
    this.eqns = Object.freeze([...parts.eqns]);
    this.outputs = Object.freeze([...parts.outputs]);
    this.inTree = parts.inTree;
    this.outTree = parts.outTree;
  }

  /** The same program with some parts replaced (passes build programs this way). */
  with(parts: Partial<{ inputs: readonly Var[]; constants: readonly Constant[]; eqns: readonly Eqn[]; outputs: readonly Atom[] }>): Program {
    return new Program({
      inputs: parts.inputs ?? this.inputs,
      constants: parts.constants ?? this.constants,
      eqns: parts.eqns ?? this.eqns,
      outputs: parts.outputs ?? this.outputs,
      inTree: this.inTree,
      outTree: this.outTree,
    });
  }

  /** The program printed like JAX's jaxpr, one equation per line: `{ lambda ; a:f32[2,3]. let b:f32[2,3] = exp a in (b) }`. */
  toString(): string {
    return printProgram(this);
  }
}
