// A value inside the batching interpreter: a tensor that either carries the batch along one of
// its axes (`bdim`) or is the same for every example (`bdim` null, "unbatched"). The helpers here
// move the batch axis and materialise it; every batching rule is written with them, by binding
// primitives, so the rules record into any enclosing trace (grad, jit, an outer vmap).

import { FluxionError } from "../errors.js";
import { type Params, type Primitive, lookupPrimitive } from "../prims/primitive.js";
import { bind } from "../trace/context.js";
import type { Tensor } from "../tensor/tensor.js";

/** A tensor and the axis holding its batch (null: the same value for every example). */
export interface Batched {
  readonly value: Tensor;
  readonly bdim: number | null;
}

/** The registered primitive `name` (rules bind primitives by name, never through front ends). */
export function primitive(name: string): Primitive {
  const p = lookupPrimitive(name);
  if (p === undefined) throw new FluxionError(`vmap: internal error: no primitive named ${name}`);
  return p;
}

/** Binds the primitive `name` to `inputs` with `params`. */
export function apply(name: string, inputs: readonly Tensor[], params: Params = {}): Tensor {
  return bind(primitive(name), inputs, params);
}

/** The shape one example sees: the batched shape without its batch axis. */
export function exampleShape(b: Batched): number[] {
  const s = [...b.value.shape];
  if (b.bdim !== null) s.splice(b.bdim, 1);
  return s;
}

/** `shape` with `size` inserted at `axis`. */
export function withAxis(shape: readonly number[], axis: number, size: number): number[] {
  const s = [...shape];
  s.splice(axis, 0, size);
  return s;
}

/** Moves axis `from` of `x` to position `to` (a transpose; nothing when they agree). */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const order = x.shape.map((_, i) => i).filter((i) => i !== from);
  order.splice(to, 0, from);
  return apply("transpose", [x], { perm: order });
}

/** Reshapes unless the shape is already `shape`. */
export function reshapeTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return apply("reshape", [x], { shape: [...shape] });
}

/**
 * The value with its batch at axis `to`: a batched value has its batch axis moved there; an
 * unbatched one is repeated `size` times along a new axis there (a broadcast).
 */
export function batchAt(b: Batched, size: number, to: number): Tensor {
  if (b.bdim !== null) return moveAxis(b.value, b.bdim, to);
  const x = b.value;
  const spread = apply("broadcast_to", [x], { shape: [size, ...x.shape] });
  return moveAxis(spread, 0, to);
}

/** Maps a per-example axis to the batched tensor's axis, for a batch at `bdim`. */
export function shiftAxis(axis: number, bdim: number): number {
  return axis >= bdim ? axis + 1 : axis;
}
