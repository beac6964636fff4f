// `fx.trace(f)(...args)`: stages a function over tensors and pytrees into a Program without
// computing any values. Tensors captured from closures become constants. Argument leaves that
// are JS numbers become weak tensors (they are traced, and ops promote them as they would the
// number); JS booleans are static: f receives them as they are, and they are not program inputs.

import { ValueError } from "../errors.js";
import type { Program } from "../ir/program.js";
import { type Aval } from "../ir/var.js";
import { lookupPrimitive } from "../prims/primitive.js";
import { scalar, weakScalar } from "../tensor/create.js";
import { Tensor } from "../tensor/tensor.js";
import type { WeakKind } from "../tensor/weak.js";
import { type TreeDef, flatten, unflatten } from "../tree/index.js";
import type { TreeLike } from "../tree/types.js";
import { bind, withNewTrace } from "./context.js";

/** A flattened argument leaf as transforms see it: a tensor (traced) or a JS boolean (static). */
export type ArgLeaf = Tensor | boolean;

/**
 * An argument leaf: a tensor stays, a JS number becomes a weak scalar (of the kind its value
 * says, or of `numberKind`: grad makes differentiated numbers weak floats), a JS boolean stays
 * static; anything else is an error.
 */
export function argLeaf(op: string, leaf: unknown, i: number, numberKind?: WeakKind): ArgLeaf {
  if (leaf instanceof Tensor || typeof leaf === "boolean") return leaf;
  if (typeof leaf === "number") return weakScalar(leaf, numberKind);
  throw new ValueError(`${op}: argument leaf ${i} is ${leaf === null ? "null" : typeof leaf}, expected a Tensor, number or boolean`);
}

/** The flattened arguments: every leaf, the traced tensors among them, and the structure. */
export function flattenArgs(op: string, args: readonly unknown[], numberKind?: (leaf: number) => WeakKind | undefined) {
  const [rawLeaves, inTree] = flatten(args);
  const leaves = rawLeaves.map((l, i) => argLeaf(op, l, i, numberKind?.(i)));
  const tensors = leaves.filter((l): l is Tensor => l instanceof Tensor);
  return { leaves, tensors, inTree };
}

/** The abstract value of a tensor without its weak flag (for programs derived from a traced one). */
export function strongAval(a: Aval): Aval {
  return { shape: a.shape, dtype: a.dtype };
}

/** An output leaf as a tensor: numbers become float32 scalars, weak tensors too (as numbers do). */
export function outputTensor(op: string, l: unknown, i: number): Tensor {
  if (l instanceof Tensor) return l.weak ? bind(lookupPrimitive("convert")!, [l], { dtype: "float32" }) : l;
  if (typeof l === "number") return scalar(l, "float32");
  if (typeof l === "boolean") return scalar(l, "bool");
  throw new ValueError(`${op}: the function returned a ${l === null ? "null" : typeof l} leaf (output ${i}); expected tensors`);
}

/**
 * Traces `f` with a tracer for each abstract value among `inLeaves` (booleans are passed to f
 * as they are), arranged like `inTree`. f may return any pytree of tensors (numbers become
 * constants).
 */
export function traceFlat(
  op: string,
  f: (...args: any[]) => unknown,
  inLeaves: readonly (Aval | boolean)[],
  inTree: TreeDef,
): { program: Program; outTree: TreeDef } {
  return withNewTrace((trace) => {
    const leaves = inLeaves.map((a) => (typeof a === "boolean" ? a : trace.newInput(a)));
    const args = unflatten<unknown[]>(inTree, leaves);
    const result = f(...args);
    const [outLeaves, outTree] = flatten(result);
    const outs = outLeaves.map((l, i) => outputTensor(op, l, i));
    return { program: trace.finish(outs, { inTree, outTree }), outTree };
  });
}

/**
 * `fx.trace(f)(...args)` → the Program f computes, as IR (String(program) prints it). The
 * returned function has f's parameters; f must return a pytree of tensors, numbers or booleans.
 *
 * @example
 * const program = fx.trace((x: Tensor) => fx.sum(fx.exp(x)))(fx.ones([3]));
 * console.log(String(program)); // { lambda ; a:f32[3]. let b:f32[3] = exp a  c:f32[] = reduce_sum[axes=[0]] b in (c) }
 */
export function trace<A extends unknown[]>(f: (...args: A) => TreeLike): (...args: A) => Program {
  return (...args: A) => {
    const { leaves, inTree } = flattenArgs("trace", args);
    return traceFlat("trace", f, leaves, inTree).program;
  };
}
