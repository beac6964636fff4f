// Fused equations. The fusion pass replaces a group of equations that will run as one loop by a
// single equation whose primitive carries the group as a sub-program (its "body"). The result is
// still an ordinary Program: it prints, verifies, and the reference interpreter evaluates a fused
// equation by interpreting its body, which is how tests check that fusion never changes results.
//
// Fused primitives are made per group and never registered: their identity is the object.

import { FluxionError } from "../errors.js";
import type { Eqn, Program } from "../ir/program.js";
import type { Aval } from "../ir/var.js";
import type { Primitive } from "../prims/primitive.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { evalProgram } from "../trace/interpret.js";

/**
 * - `loop`: elementwise and layout equations over one output shape.
 * - `reduce`: a reduction (the root) with elementwise producers over its input shape (prologue)
 *   and elementwise consumers over its output shape (epilogue).
 * - `contraction`: an equation whose kernel applies epilogues (matmul, conv: the root) with an
 *   elementwise epilogue over its output. Named after the root's kernel class (`fused_conv`).
 */
export type FusedKind = "loop" | "reduce" | "contraction";

export interface FusedBody {
  readonly kind: FusedKind;
  /** Inputs are the group's operands (the same Var objects as in the enclosing program). */
  readonly program: Program;
  /** The reduction or contraction equation, for `reduce` and `contraction` bodies. */
  readonly root: Eqn | null;
}

export interface FusedPrimitive extends Primitive {
  readonly fused: FusedBody;
}

export function isFused(prim: Primitive): prim is FusedPrimitive {
  return (prim as Partial<FusedPrimitive>).fused !== undefined;
}

export function makeFusedPrimitive(body: FusedBody): FusedPrimitive {
  const l = body.root?.prim.lowering;
  const name = body.kind === "contraction" && l?.kind === "kernel" ? `fused_${l.kernel}` : `fused_${body.kind}`;
  const outAval = body.program.outputs[0]!;
  const prim: FusedPrimitive = {
    name,
    fused: body,
    abstractEval(inputs: readonly Aval[]) {
      const expected = body.program.inputs;
      if (inputs.length !== expected.length || inputs.some((a, i) => a.dtype !== expected[i]!.dtype || !shapesEqual(a.shape, expected[i]!.shape))) {
        throw new FluxionError(`${name}: operands do not match the fused body's inputs`);
      }
      return { shape: outAval.shape, dtype: outAval.dtype };
    },
    impl(inputs) {
      const args = inputs.map((a) => new Tensor(a.shape, a.dtype, a.data));
      return evalProgram(body.program, args, { reference: true })[0]!._concrete(name);
    },
    vjp() {
      throw new FluxionError(`${name}: fused equations exist only after differentiation; differentiate before compiling`);
    },
    jvp() {
      throw new FluxionError(`${name}: fused equations exist only after differentiation; differentiate before compiling`);
    },
    lowering: { kind: "kernel", kernel: name },
  };
  return prim;
}
