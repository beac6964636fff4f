// `fx.trace(f)(...args)`: stages a function over tensors and pytrees into a Program without
// computing any values. Tensors captured from closures become constants.

import { ValueError } from "../errors.js";
import type { Program } from "../ir/program.js";
import { type Aval } from "../ir/var.js";
import { scalar } from "../tensor/create.js";
import { Tensor } from "../tensor/tensor.js";
import { type TreeDef, flatten, unflatten } from "../tree/index.js";
import { withNewTrace } from "./context.js";

/** Turns a JS number leaf into a float32 scalar tensor; other non-tensor leaves are errors. */
export function leafToTensor(op: string, leaf: unknown, i: number): Tensor {
  if (leaf instanceof Tensor) return leaf;
  if (typeof leaf === "number") return scalar(leaf, "float32");
  if (typeof leaf === "boolean") return scalar(leaf, "bool");
  throw new ValueError(`${op}: argument leaf ${i} is ${leaf === null ? "null" : typeof leaf}, expected a Tensor or number`);
}

/**
 * Traces `f` at the given input avals. `f` receives tracers arranged like `inTree` and may
 * return any pytree of tensors (numbers become constants).
 */
export function traceFlat(
  op: string,
  f: (...args: any[]) => unknown,
  inAvals: readonly Aval[],
  inTree: TreeDef,
): { program: Program; outTree: TreeDef } {
  return withNewTrace((trace) => {
    const tracers = inAvals.map((a) => trace.newInput(a));
    const args = unflatten<unknown[]>(inTree, tracers);
    const result = f(...args);
    const [outLeaves, outTree] = flatten(result);
    const outs = outLeaves.map((l, i) => {
      if (l instanceof Tensor) return l;
      if (typeof l === "number" || typeof l === "boolean") return leafToTensor(op, l, i);
      throw new ValueError(`${op}: the function returned a ${l === null ? "null" : typeof l} leaf (output ${i}); expected tensors`);
    });
    return { program: trace.finish(outs, { inTree, outTree }), outTree };
  });
}

/** `fx.trace(f)(...args)` → the Program f computes, as IR (String(program) prints it). */
export function trace(f: (...args: any[]) => unknown): (...args: unknown[]) => Program {
  return (...args: unknown[]) => {
    const [leaves, inTree] = flatten(args);
    const tensors = leaves.map((l, i) => leafToTensor("trace", l, i));
    return traceFlat("trace", f, tensors, inTree).program;
  };
}
