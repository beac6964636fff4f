// `fx.vmap(f, { inAxes, outAxes, axisSize })`: maps f over a batch axis by transforming its IR.
// f is traced once at the shapes one example has; the batching interpreter then evaluates that
// program on the batched arguments, giving each equation its batching rule (src/vmap/rules.ts).
// Nothing loops over the examples. Like grad, vmap binds primitives as it goes, so it composes
// with grad, jit and itself in any order: inside another transform it records the batched
// program into the enclosing trace.
//
// Argument leaves: tensors are mapped along their inAxes entry (or passed whole with null); JS
// numbers are weak scalars and JS booleans static, both only with null (they have no axis).

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { NonNegativeInt, optionsObject } from "../options/codecs.js";
import { checkTransform } from "../options/validate.js";
import type { Aval } from "../ir/var.js";
import { Tensor } from "../tensor/tensor.js";
import { flattenArgs, traceFlat } from "../trace/trace.js";
import { type TreeDef, flatten, numLeaves, unflatten } from "../tree/index.js";
import * as t from "io-ts";
import { type AxisSpec, type LeafAxis, expandAxes, normalizeAxis } from "./axes.js";
import { type Batched, batchAt, exampleShape } from "./batched.js";
import { batchProgram } from "./interpret.js";

export type { AxisSpec } from "./axes.js";

/** Options of `vmap`. */
export interface VmapOptions {
  /**
   * The batch axis of each argument: one number (or null) for every argument, or a list with one
   * entry per argument, each a number, null (not mapped: the same for every example) or a tree
   * prefix of the argument. Negative axes count from the end. Default 0.
   */
  readonly inAxes?: AxisSpec;
  /** Where the batch axis goes in each output leaf: a number or a tree prefix of the output (null: an unbatched output). Default 0. */
  readonly outAxes?: AxisSpec;
  /** The batch size, needed when no argument is mapped (and checked against the arguments otherwise). */
  readonly axisSize?: number;
}

const VmapOptionsCodec = optionsObject({ inAxes: t.unknown, outAxes: t.unknown, axisSize: NonNegativeInt });

const op = "vmap";

/** One axis spec per argument. */
function perArgument(inAxes: unknown, nargs: number): unknown[] {
  if (inAxes === undefined) return Array.from({ length: nargs }, () => 0);
  if (inAxes === null || typeof inAxes === "number") return Array.from({ length: nargs }, () => inAxes);
  if (!Array.isArray(inAxes)) {
    throw new ValueError(`vmap: inAxes must be a number, null, or a list with one entry per argument, got ${typeof inAxes === "object" ? "an object" : String(inAxes)}`);
  }
  if (inAxes.length !== nargs) {
    throw new ValueError(`vmap: inAxes lists ${inAxes.length} entr${inAxes.length === 1 ? "y" : "ies"} but the function was called with ${nargs} argument${nargs === 1 ? "" : "s"}`);
  }
  return inAxes;
}

interface MappedLeaf {
  readonly axis: number;
  readonly where: string;
  readonly shape: readonly number[];
}

/** The batch size the mapped leaves agree on (or axisSize), with errors naming the leaves that disagree. */
function batchSize(mapped: readonly MappedLeaf[], axisSize: number | undefined): number {
  const first = mapped[0];
  if (first === undefined) {
    if (axisSize === undefined) throw new ValueError("vmap: no argument is mapped (every inAxes entry is null); give the batch size as axisSize");
    return axisSize;
  }
  const size = first.shape[first.axis]!;
  const describe = (m: MappedLeaf) => `${m.where} has size ${m.shape[m.axis]} along axis ${m.axis} (shape ${fmtShape(m.shape)})`;
  for (const m of mapped) {
    if (m.shape[m.axis] !== size) throw new ShapeError(`vmap: batch sizes disagree: ${describe(first)}, but ${describe(m)}`);
  }
  if (axisSize !== undefined && axisSize !== size) throw new ShapeError(`vmap: axisSize is ${axisSize}, but ${describe(first)}`);
  return size;
}

/** A stand-in for each output leaf, so the outAxes tree can be matched against the output's structure. */
class OutputSlot {}

/** Places one output's batch at its outAxes entry (or checks that an unmapped output is unbatched). */
function placeOutput(out: Batched, spec: LeafAxis, size: number): Tensor {
  if (spec.axis === null) {
    if (out.bdim !== null) throw new ValueError(`vmap: outAxes is null for ${spec.where}, but it differs between examples (it depends on a mapped argument)`);
    return out.value;
  }
  const axis = normalizeAxis(op, "outAxes", spec.axis, exampleShape(out), spec.where, 1);
  return batchAt(out, size, axis);
}

/**
 * `vmap(f, { inAxes, outAxes, axisSize })`: f mapped over a batch axis of its arguments, as
 * one batched program (a batching rule per primitive, no loop over examples). The result has
 * f's structure with the batch at `outAxes` (default 0) of every output.
 *
 * ```ts
 * const perExampleGrads = fx.vmap(fx.grad(loss), { inAxes: [null, 0, 0] })(params, xs, ys);
 * ```
 *
 * @typeParam F - the mapped function; the result takes and returns the same types
 */
export function vmap<F extends (...args: any[]) => any>(f: F, options: VmapOptions = {}): (...args: Parameters<F>) => ReturnType<F> {
  const o = checkTransform(op, f, VmapOptionsCodec, options);
  return ((...args: unknown[]) => {
    const specs = perArgument(o.inAxes, args.length);
    const leafAxes = args.flatMap((a, i) => expandAxes(op, Array.isArray(o.inAxes) ? `inAxes[${i}]` : "inAxes", specs[i], a, `argument ${i}`));
    const [rawLeaves] = flatten(args);
    const { leaves, inTree } = flattenArgs(op, args);
    const mapped: MappedLeaf[] = [];
    const avals: (Aval | boolean)[] = [];
    const inputs: Batched[] = [];
    leaves.forEach((leaf, j) => {
      const { axis, where } = leafAxes[j]!;
      if (typeof leaf === "boolean" || !(rawLeaves[j] instanceof Tensor)) {
        if (axis !== null) {
          throw new ValueError(`vmap: ${where} is the JS ${typeof rawLeaves[j]} ${String(rawLeaves[j])}, which has no axis to map; give it inAxes null`);
        }
      }
      if (typeof leaf === "boolean") return avals.push(leaf);
      if (axis === null) {
        avals.push(leaf);
        inputs.push({ value: leaf, bdim: null });
        return;
      }
      const a = normalizeAxis(op, "inAxes", axis, leaf.shape, where);
      mapped.push({ axis: a, where, shape: leaf.shape });
      avals.push({ shape: leaf.shape.filter((_, i) => i !== a), dtype: leaf.dtype });
      inputs.push({ value: leaf, bdim: a });
    });
    const size = batchSize(mapped, o.axisSize);
    const { program, outTree } = traceFlat(op, f, avals, inTree);
    const outs = batchProgram(program, inputs, size);
    const outSpecs = expandOutAxes(o.outAxes, outTree);
    return unflatten(outTree, outs.map((out, i) => placeOutput(out, outSpecs[i]!, size)));
  }) as (...args: Parameters<F>) => ReturnType<F>;
}

/** outAxes expanded over the output's structure, one entry per output leaf. */
function expandOutAxes(outAxes: unknown, outTree: TreeDef): LeafAxis[] {
  const slots = unflatten(outTree, Array.from({ length: numLeaves(outTree) }, () => new OutputSlot()));
  return expandAxes(op, "outAxes", outAxes === undefined ? 0 : outAxes, slots, "the output");
}
