// Creation functions: tensor() from nested arrays or typed arrays, and the usual constructors.

import { ArgumentError, DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { type DType, type TypedArray, allocArray, coerceScalar, dtypeOfArray, isDType } from "./dtype.js";
import { type Shape, checkTensorSize, sizeOf } from "./shape.js";
import { Tensor } from "./tensor.js";
import { type WeakKind, weakKindOf, weakStorageDType } from "./weak.js";
import * as schemas from "../options/schemas.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { describeValue } from "../options/describe.js";

/**
 * Options of `fx.tensor`: the dtype (default: inferred, float32 for numbers) and a shape to give the values.
 */
export interface TensorOptions {
  /** The dtype of the tensor (default: bool for booleans, float32 for numbers, the typed array's own). */
  dtype?: DType;
  /** The shape to give the values (their count must fill it); default: the nesting of the arrays. */
  shape?: readonly number[];
}

/** Anything `tensor()` accepts: a number, a boolean, nested arrays of them, or a typed array. */
export type TensorData = number | boolean | TypedArray | readonly unknown[];

function inferShape(op: string, data: unknown, path: string): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = inferShape(op, data[0], `${path}[0]`);
  for (let i = 1; i < data.length; i++) {
    const s = inferShape(op, data[i], `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) {
      throw new ShapeError(
        `${op}: ragged nested array: ${path}[0] has shape ${fmtShape(inner)} but ${path}[${i}] has shape ${fmtShape(s)}`,
      );
    }
  }
  return [data.length, ...inner];
}

function flattenInto(data: unknown, out: unknown[]): void {
  if (Array.isArray(data)) for (const d of data) flattenInto(d, out);
  else out.push(data);
}

/** Makes an immutable tensor from nested arrays, a typed array (copied) or a scalar. */
export function tensor(data: TensorData | Tensor, options: TensorOptions = {}): Tensor {
  return tensorFrom("tensor", data, checkOptions("tensor", schemas.TensorOptions, options));
}

/** @internal `tensor()` for an op that converts user data (errors name `op`); options already checked. */
export function tensorFrom(op: string, data: TensorData | Tensor, options: TensorOptions): Tensor {
  if (data instanceof Tensor) {
    const src = data._concrete(op);
    return fromValues(op, Array.from(src), options.shape ?? data.shape, options.dtype ?? data.dtype);
  }
  const arrayDType = dtypeOfArray(data);
  if (arrayDType !== undefined || ArrayBuffer.isView(data)) {
    const src = data as unknown as ArrayLike<number>;
    return fromValues(op, src, options.shape ?? [src.length], options.dtype ?? arrayDType ?? "float32");
  }
  const shape = inferShape(op, data, "data");
  const flat: unknown[] = [];
  flattenInto(data, flat);
  let allBool = flat.length > 0;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v === "boolean") continue;
    allBool = false;
    if (typeof v !== "number") {
      throw new ValueError(`${op}: element ${i} is ${v === null ? "null" : typeof v} (${describeValue(v)}); expected numbers or booleans`);
    }
  }
  const dtype = options.dtype ?? (allBool ? "bool" : "float32");
  return fromValues(op, flat as (number | boolean)[], options.shape ?? shape, dtype);
}

function fromValues(op: string, values: ArrayLike<number | boolean>, shape: Shape, dtype: DType): Tensor {
  const size = sizeOf(shape);
  if (values.length !== size) {
    throw new ShapeError(`${op}: ${values.length} values cannot fill shape ${fmtShape(shape)} (${size} elements)`);
  }
  const out = allocTensor(op, shape, dtype);
  for (let i = 0; i < size; i++) out[i] = coerceScalar(values[i]!, dtype);
  return new Tensor(shape, dtype, out);
}

/**
 * Fresh zeroed storage for a tensor of `shape`: a ShapeError naming the op, the shape and the
 * byte size when it is larger than the engine allows or the allocation fails.
 */
function allocTensor(op: string, shape: Shape, dtype: DType): TypedArray {
  checkTensorSize(op, shape, dtype);
  try {
    return allocArray(dtype, sizeOf(shape));
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = sizeOf(shape) * allocArray(dtype, 0).BYTES_PER_ELEMENT;
    throw new ShapeError(`${op}: cannot allocate a tensor of shape ${fmtShape(shape)} and dtype ${dtype} (${bytes} bytes): ${e.message}`);
  }
}

/** @internal wraps storage the caller hands over (and never writes again) without copying. */
export function fromArray(data: TypedArray, shape: Shape, dtype: DType = dtypeOfArray(data)!): Tensor {
  return new Tensor(shape, dtype, data);
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  // Called for every JS number operand: the validator runs only when the check fails.
  if (typeof value !== "number" && typeof value !== "boolean") checkArg("scalar", "value", schemas.NumberOrBool, value);
  const d = dtype === undefined ? (typeof value === "boolean" ? "bool" : "float32") : isDType(dtype) ? dtype : checkArg("scalar", "dtype", schemas.DType, dtype);
  const out = allocArray(d, 1);
  out[0] = coerceScalar(value, d);
  return new Tensor([], d, out);
}

/**
 * @internal a weak rank-0 tensor standing for the JS number `value` (a number argument of
 * jit, grad or trace), stored exactly: int32 for a weak int, float64 for a weak float.
 */
export function weakScalar(value: number, kind: WeakKind = weakKindOf(value)): Tensor {
  const dtype = weakStorageDType(kind);
  const out = allocArray(dtype, 1);
  out[0] = value;
  return new Tensor([], dtype, out, undefined, true);
}

/** A tensor of `shape` with every element `value` (default dtype: bool for a boolean, else float32). */
function filled(op: string, shape: readonly number[], value: number | boolean, options: { dtype?: DType } | undefined): Tensor {
  const s = checkArg(op, "shape", schemas.Shape, shape);
  const dtype = checkOptions(op, schemas.DTypeOptions, options).dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  const out = allocTensor(op, s, dtype);
  out.fill(coerceScalar(value, dtype));
  return new Tensor(s, dtype, out);
}

/** A tensor of `shape` with every element `value` (dtype: bool for a boolean, else float32, unless given). */
export function full(shape: readonly number[], value: number | boolean, options: { dtype?: DType } = {}): Tensor {
  return filled("full", shape, checkArg("full", "value", schemas.NumberOrBool, value), options);
}

/** A tensor of `shape` filled with 0 (float32 unless `dtype` says otherwise): `fx.zeros([2, 3])`. */
export function zeros(shape: readonly number[], options: { dtype?: DType } = {}): Tensor {
  return filled("zeros", shape, 0, options);
}

/** A tensor of `shape` filled with 1 (float32 unless `dtype` says otherwise): `fx.ones([2, 3])`. */
export function ones(shape: readonly number[], options: { dtype?: DType } = {}): Tensor {
  return filled("ones", shape, 1, options);
}

/** A tensor shaped like `x` (dtype: x's unless given) filled with `value`. */
function filledLike(op: string, x: Tensor, value: number | boolean, options: { dtype?: DType } | undefined): Tensor {
  const like = checkArg(op, "x", schemas.TensorArg, x);
  const dtype = checkOptions(op, schemas.DTypeOptions, options).dtype ?? like.dtype;
  return filled(op, like.shape, value, { dtype });
}

/** Zeros of `x`'s shape and dtype (or the `dtype` given). */
export function zerosLike(x: Tensor, options: { dtype?: DType } = {}): Tensor {
  return filledLike("zerosLike", x, 0, options);
}

/** Ones of `x`'s shape and dtype (or the `dtype` given). */
export function onesLike(x: Tensor, options: { dtype?: DType } = {}): Tensor {
  return filledLike("onesLike", x, 1, options);
}

/** A tensor of `x`'s shape and dtype (or the `dtype` given) with every element `value`. */
export function fullLike(x: Tensor, value: number | boolean, options: { dtype?: DType } = {}): Tensor {
  return filledLike("fullLike", x, checkArg("fullLike", "value", schemas.NumberOrBool, value), options);
}

/**
 * Values from `start` up to (not including) `stop` by `step`: arange(n), arange(a, b), arange(a, b, s),
 * each optionally followed by `{ dtype }` (arange(n, { dtype: "float32" }) as well as
 * arange(0, n, 1, { dtype: "float32" })). The default dtype is int32 for integer start and step, else float32.
 */
export function arange(stop: number, options?: { dtype?: DType }): Tensor;
export function arange(start: number, stop: number, options?: { dtype?: DType }): Tensor;
export function arange(start: number, stop?: number, step?: number, options?: { dtype?: DType }): Tensor;
export function arange(start: number, ...rest: unknown[]): Tensor {
  const op = "arange";
  // An options object ends the argument list wherever it comes (after n, after a and b, or last).
  const last = rest.length > 0 && typeof rest[rest.length - 1] === "object" && rest[rest.length - 1] !== null ? rest.length - 1 : -1;
  const options = (last >= 0 ? rest[last] : undefined) ?? {};
  if (last >= 0) rest = rest.slice(0, last);
  if (rest.length > 2) throw new ArgumentError(`arange: expected at most start, stop, step and an options object, got ${rest.length + 1 + (last >= 0 ? 1 : 0)} arguments`);
  let stop = rest[0] as number | undefined;
  const step = (rest[1] === undefined ? 1 : rest[1]) as number;
  checkArg(op, "start", schemas.FiniteNumber, start);
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  checkArg(op, "stop", schemas.FiniteNumber, stop);
  checkArg(op, "step", schemas.FiniteNumber, step);
  if (step === 0) throw new ValueError("arange: step must not be 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(step);
  const dtype = checkOptions(op, schemas.DTypeOptions, options).dtype ?? (allInt ? "int32" : "float32");
  const out = allocTensor(op, [n], dtype);
  for (let i = 0; i < n; i++) out[i] = coerceScalar(start + i * step, dtype);
  return new Tensor([n], dtype, out);
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num = 50, options: { dtype?: DType } = {}): Tensor {
  const op = "linspace";
  checkArg(op, "start", schemas.FiniteNumber, start);
  checkArg(op, "stop", schemas.FiniteNumber, stop);
  checkArg(op, "num", schemas.Count, num);
  const dtype = checkOptions(op, schemas.DTypeOptions, options).dtype ?? "float32";
  if (dtype === "bool") throw new DTypeError("linspace: dtype bool is not supported");
  const out = allocTensor(op, [num], dtype);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = coerceScalar(i === num - 1 && num > 1 ? stop : start + i * step, dtype);
  return new Tensor([num], dtype, out);
}

/** An n×m matrix with ones on the k-th diagonal. */
export function eye(n: number, m: number = n, options: { k?: number; dtype?: DType } = {}): Tensor {
  const op = "eye";
  checkArg(op, "n", schemas.Count, n);
  checkArg(op, "m", schemas.Count, m);
  const o = checkOptions(op, schemas.EyeOptions, options);
  const k = o.k ?? 0;
  const dtype = o.dtype ?? "float32";
  const out = allocTensor(op, [n, m], dtype);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < m) out[i * m + j] = 1;
  }
  return new Tensor([n, m], dtype, out);
}
