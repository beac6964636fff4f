// The interpreter: runs a Program equation by equation. With concrete arguments it computes
// values; with tracers (inside another transform) it re-records the equations, which is how
// transforms inline programs into enclosing traces.

import { ValueError, fmtShape } from "../errors.js";
import type { Program } from "../ir/program.js";
import type { Atom, Var } from "../ir/var.js";
import { scalar } from "../tensor/create.js";
import { shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind, referenceExecutor } from "./context.js";

/** Options of `evalProgram`. */
export interface InterpretOptions {
  /** Evaluate with the primitives' reference loops instead of the current executor. */
  reference?: boolean;
}

/** Checks that `args` fit the program's inputs (count, shapes, dtypes), naming `op` otherwise. */
export function checkArgs(op: string, program: Program, args: readonly Tensor[]): void {
  if (args.length !== program.inputs.length) {
    throw new ValueError(`${op}: program takes ${program.inputs.length} inputs, got ${args.length}`);
  }
  program.inputs.forEach((v, i) => {
    const a = args[i]!;
    if (a.dtype !== v.dtype || !shapesEqual(a.shape, v.shape)) {
      throw new ValueError(`${op}: input ${i} must be ${v.dtype}${fmtShape(v.shape)}, got ${a.dtype}${fmtShape(a.shape)}`);
    }
  });
}

/**
 * Evaluates a Program on tensors, equation by equation (with tracers inside another transform,
 * which then records the equations).
 *
 * @example
 * const program = fx.trace((x: Tensor) => fx.exp(x))(fx.ones([2]));
 * const [y] = fx.evalProgram(program, [fx.zeros([2])]); // [1, 1]
 */
export function evalProgram(program: Program, args: readonly Tensor[], options: InterpretOptions = {}): Tensor[] {
  checkArgs("evalProgram", program, args);
  const env = new Map<Var, Tensor>();
  program.inputs.forEach((v, i) => env.set(v, args[i]!));
  program.constants.forEach((c) => env.set(c.v, c.value));
  const read = (a: Atom): Tensor => (a.kind === "lit" ? scalar(a.value, a.dtype) : env.get(a)!);
  for (const e of program.eqns) {
    const inputs = e.inputs.map(read);
    const out = options.reference && inputs.every((t) => !t.isTracer) ? referenceExecutor(e.prim, inputs, e.params) : bind(e.prim, inputs, e.params);
    env.set(e.out, out);
  }
  return program.outputs.map(read);
}
