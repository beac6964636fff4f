// Argument checks shared by losses and metrics: float predictions, class labels that fit
// the logits (batch shape, dtype, and — when the labels are concrete — their range), targets
// shaped like the predictions. Messages name the function and the shapes.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { isFloat } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { type TensorLike, toTensors } from "../prims/elementwise.js";

/** The argument as a tensor, or a DTypeError naming `op` and the argument. */
export function tensorArg(op: string, name: string, x: TensorLike): Tensor {
  if (!(x instanceof Tensor) && typeof x !== "number" && typeof x !== "boolean") {
    throw new DTypeError(`${op}: ${name} must be a Tensor, got ${x === null ? "null" : typeof x}`);
  }
  return toTensors(op, [x])[0]!;
}

/** A float tensor argument. */
export function floatArg(op: string, name: string, x: TensorLike): Tensor {
  const t = tensorArg(op, name, x);
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.dtype}${fmtShape(t.shape)}`);
  return t;
}

/** A float tensor of rank ≥ 1 whose last axis holds the classes; returns the class count. */
export function classScores(op: string, name: string, x: TensorLike): [Tensor, number] {
  const t = floatArg(op, name, x);
  if (t.shape.length === 0) throw new ShapeError(`${op}: ${name} must have a class axis (rank ≥ 1), got shape []`);
  const classes = t.shape[t.shape.length - 1]!;
  if (classes === 0) throw new ShapeError(`${op}: ${name} of shape ${fmtShape(t.shape)} has no classes`);
  return [t, classes];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * int32 class labels for scores of shape [...batch, classes]: their shape must be the batch
 * shape, and concrete labels must lie in [0, classes).
 */
export function checkClassLabels(op: string, scores: Tensor, labels: Tensor): void {
  const batch = scores.shape.slice(0, -1);
  const classes = scores.shape[scores.shape.length - 1]!;
  if (labels.dtype !== "int32") {
    throw new DTypeError(`${op}: class labels must be int32 (or float targets shaped like the scores), got ${labels.dtype}${fmtShape(labels.shape)}`);
  }
  if (!sameShape(labels.shape, batch)) {
    throw new ShapeError(`${op}: labels of shape ${fmtShape(labels.shape)} do not match the batch shape ${fmtShape(batch)} of scores ${fmtShape(scores.shape)}`);
  }
  if (labels.isTracer) return;
  const data = labels.data();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= classes) {
      throw new ValueError(`${op}: label ${v} at flat index ${i} is outside [0, ${classes}) for scores of shape ${fmtShape(scores.shape)}`);
    }
  }
}

/** Float targets of exactly the predictions' shape. */
export function checkSameShape(op: string, predName: string, pred: Tensor, targetName: string, target: Tensor): void {
  if (!sameShape(pred.shape, target.shape)) {
    throw new ShapeError(`${op}: ${targetName} of shape ${fmtShape(target.shape)} does not match ${predName} of shape ${fmtShape(pred.shape)}`);
  }
}

/** Concrete values of `t` must satisfy `ok`; traced ones cannot be checked. */
export function checkValues(op: string, name: string, t: Tensor, ok: (v: number) => boolean, expected: string): void {
  if (t.isTracer) return;
  const data = t.data();
  for (let i = 0; i < data.length; i++) {
    if (!ok(data[i]!)) throw new ValueError(`${op}: ${name} must be ${expected}, got ${data[i]} at flat index ${i} (shape ${fmtShape(t.shape)})`);
  }
}
