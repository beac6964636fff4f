// Building a Dataset from the arrays a person has: typed arrays, nested JS arrays or tensors.
// Everything is validated (shapes, counts, integer labels within the classes) and converted
// to the contract: x float32 with the sample count first, y int32 [N].

import * as t from "io-ts";
import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { ShapeCodec, listOf, optionsObject } from "../options/codecs.js";
import { checkArg } from "../options/validate.js";
import { tensor } from "../tensor/create.js";
import type { TensorData } from "../tensor/create.js";
import { Tensor } from "../tensor/tensor.js";
import type { Dataset, Split } from "./dataset.js";

/** One split's arrays: samples (any numbers) and their integer labels. */
export interface SplitArrays {
  x: TensorData | Tensor;
  y: TensorData | Tensor;
}

/** What `fromArrays` makes a Dataset from: the arrays of each split, the class names and the sample shape. */
export interface FromArraysInput {
  /** The training examples and their labels. */
  train: SplitArrays;
  /** The test examples and their labels. */
  test: SplitArrays;
  /** Class names; label i names classes[i] (default "0" … String(max label)). */
  classes?: readonly string[];
  /** The shape of one sample, e.g. [1, 28, 28], when x is flat (default: x's own shape after the first axis). */
  sampleShape?: readonly number[];
}

const Arrays = t.type({ x: t.unknown, y: t.unknown });
const InputCodec = optionsObject({
  train: Arrays,
  test: Arrays,
  classes: listOf(t.string, "a list of class names (strings)"),
  sampleShape: ShapeCodec,
});

/** A Dataset from arrays: `fromArrays({ train: { x, y }, test: { x, y }, classes?, sampleShape? })`. */
export function fromArrays(input: FromArraysInput): Dataset {
  const op = "fromArrays";
  const o = checkArg(op, "input", InputCodec, input);
  if (o.train === undefined || o.test === undefined) throw new ValueError(`${op}: both train and test splits are required: { train: { x, y }, test: { x, y } }`);
  const train = toSplit(op, "train", o.train as SplitArrays, o.sampleShape);
  const test = toSplit(op, "test", o.test as SplitArrays, o.sampleShape);
  if (train.x.shape.slice(1).join(",") !== test.x.shape.slice(1).join(",")) {
    throw new ShapeError(`${op}: train samples have shape ${fmtShape(train.x.shape.slice(1))} but test samples ${fmtShape(test.x.shape.slice(1))}`);
  }
  const labels = [train.y, test.y].flatMap((y) => Array.from(y._concrete(op)));
  const maxLabel = labels.reduce((a, b) => Math.max(a, b), -1);
  const classes = o.classes ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  if (classes.length === 0) throw new ValueError(`${op}: no classes: give classes, or at least one label`);
  if (maxLabel >= classes.length) throw new ValueError(`${op}: label ${maxLabel} is out of range for ${classes.length} classes (labels index classes: 0 … ${classes.length - 1})`);
  return { train, test, classes: Object.freeze([...classes]) };
}

function toSplit(op: string, name: string, arrays: SplitArrays, sampleShape: readonly number[] | undefined): Split {
  const yIn = asTensor(op, `${name}.y`, arrays.y);
  if (yIn.rank !== 1) throw new ShapeError(`${op}: ${name}.y must be a list of labels (rank 1), got shape ${fmtShape(yIn.shape)}`);
  const n = yIn.shape[0]!;
  const yValues = yIn._concrete(op);
  for (let i = 0; i < yValues.length; i++) {
    const v = Number(yValues[i]);
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: ${name}.y[${i}] is ${v}; labels are non-negative integers`);
  }
  const y = yIn.dtype === "int32" ? yIn : tensor(Int32Array.from(yValues as ArrayLike<number>), { dtype: "int32" });
  let x = asTensor(op, `${name}.x`, arrays.x);
  if (x.dtype !== "float32") x = tensor(Float32Array.from(x._concrete(op) as ArrayLike<number>), { shape: x.shape });
  const shape = sampleShape !== undefined ? [n, ...sampleShape] : x.rank === 1 ? [n, n === 0 ? 0 : x.size / n] : x.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== x.size || (sampleShape === undefined && x.rank > 1 && x.shape[0] !== n)) {
    throw new ShapeError(`${op}: ${name}.x has ${x.size} values (shape ${fmtShape(x.shape)}), which is not ${n} samples${sampleShape ? ` of shape ${fmtShape(sampleShape)}` : ""} for the ${n} labels of ${name}.y`);
  }
  if (shape.length < 2) throw new ShapeError(`${op}: ${name}.x must have a sample axis and at least one feature axis`);
  const values = x._concrete(op);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ValueError(`${op}: ${name}.x has a non-finite value ${values[i]} at flat index ${i}`);
  }
  return { x: x.shape.join(",") === shape.join(",") ? x : tensor(values, { shape }), y };
}

function asTensor(op: string, name: string, u: unknown): Tensor {
  if (u instanceof Tensor) {
    if (u.isTracer) throw new ValueError(`${op}: ${name} must be a concrete tensor, not a tracer`);
    if (u.dtype === "bool") throw new ValueError(`${op}: ${name} must be numbers, got a bool tensor`);
    return u;
  }
  if (!(Array.isArray(u) || ArrayBuffer.isView(u))) throw new ValueError(`${op}: ${name} must be a typed array, a nested array of numbers or a tensor`);
  try {
    return tensor(u as TensorData, ArrayBuffer.isView(u) && !(u instanceof Float32Array || u instanceof Float64Array || u instanceof Int32Array) ? { dtype: "float64" } : {});
  } catch (e) {
    throw new ValueError(`${op}: ${name}: ${(e as Error).message}`);
  }
}
