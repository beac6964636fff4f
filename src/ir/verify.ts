// Checks a Program's invariants: SSA (each variable defined once, before use) and every
// equation's output agreeing with its primitive's shape rule.

import { FluxionError } from "../errors.js";
import { shapesEqual } from "../tensor/shape.js";
import type { Program } from "./program.js";
import { formatAval } from "./printer.js";
import type { Atom, Var } from "./var.js";

/** A program that breaks the IR's invariants (a bug in a transform, not in the user's code). */
export class IRError extends FluxionError {}

/**
 * Checks a program's invariants (each variable defined once, before use; every output agreeing with
 * its primitive's shape rule); throws an IRError naming the equation otherwise.
 */
export function verifyProgram(p: Program): void {
  const defined = new Set<Var>();
  const define = (v: Var, where: string) => {
    if (defined.has(v)) throw new IRError(`verify: variable #${v.id} is defined twice (${where})`);
    defined.add(v);
  };
  const use = (a: Atom, where: string) => {
    if (a.kind === "var" && !defined.has(a)) throw new IRError(`verify: variable #${a.id} is used before it is defined (${where})`);
  };
  p.inputs.forEach((v, i) => define(v, `input ${i}`));
  p.constants.forEach((c, i) => {
    define(c.v, `constant ${i}`);
    if (c.value.dtype !== c.v.dtype || !shapesEqual(c.value.shape, c.v.shape)) {
      throw new IRError(`verify: constant ${i} is declared ${formatAval(c.v)} but holds ${formatAval(c.value)}`);
    }
  });
  p.eqns.forEach((e, i) => {
    const where = `equation ${i}: ${e.prim.name}`;
    e.inputs.forEach((a) => use(a, where));
    let expected;
    try {
      expected = e.prim.abstractEval(e.inputs, e.params);
    } catch (err) {
      throw new IRError(`verify: ${where} breaks its shape rule: ${(err as Error).message}`);
    }
    if (expected.dtype !== e.out.dtype || !shapesEqual(expected.shape, e.out.shape)) {
      throw new IRError(`verify: ${where} declares ${formatAval(e.out)} but its shape rule gives ${formatAval(expected)}`);
    }
    define(e.out, where);
  });
  p.outputs.forEach((a, i) => use(a, `output ${i}`));
}
