// Creation functions: tensor() from nested arrays or typed arrays, and the usual constructors.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { type DType, type TypedArray, allocArray, checkDType, coerceScalar, dtypeOfArray } from "./dtype.js";
import { type Shape, checkShape, sizeOf } from "./shape.js";
import { Tensor } from "./tensor.js";
import { type WeakKind, weakKindOf, weakStorageDType } from "./weak.js";

export interface TensorOptions {
  dtype?: DType;
  shape?: readonly number[];
}

/** Anything `tensor()` accepts: a number, a boolean, nested arrays of them, or a typed array. */
export type TensorData = number | boolean | TypedArray | readonly unknown[];

function inferShape(data: unknown, path: string): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = inferShape(data[0], `${path}[0]`);
  for (let i = 1; i < data.length; i++) {
    const s = inferShape(data[i], `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) {
      throw new ShapeError(
        `tensor: ragged nested array: ${path}[0] has shape ${fmtShape(inner)} but ${path}[${i}] has shape ${fmtShape(s)}`,
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
  if (data instanceof Tensor) {
    const dtype = options.dtype ? checkDType("tensor", options.dtype) : data.dtype;
    const src = data._concrete("tensor");
    return fromValues(Array.from(src), options.shape ?? data.shape, dtype);
  }
  const arrayDType = dtypeOfArray(data);
  if (arrayDType !== undefined || ArrayBuffer.isView(data)) {
    const src = data as unknown as ArrayLike<number>;
    const dtype = options.dtype ? checkDType("tensor", options.dtype) : (arrayDType ?? "float32");
    const shape = options.shape ? checkShape("tensor", options.shape) : [src.length];
    return fromValues(src, shape, dtype);
  }
  const shape = inferShape(data, "data");
  const flat: unknown[] = [];
  flattenInto(data, flat);
  let allBool = flat.length > 0;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v === "boolean") continue;
    allBool = false;
    if (typeof v !== "number") {
      throw new ValueError(`tensor: element ${i} is ${v === null ? "null" : typeof v} (${String(v)}); expected numbers or booleans`);
    }
  }
  const dtype = options.dtype ? checkDType("tensor", options.dtype) : allBool ? "bool" : "float32";
  const finalShape = options.shape ? checkShape("tensor", options.shape) : shape;
  return fromValues(flat as (number | boolean)[], finalShape, dtype);
}

function fromValues(values: ArrayLike<number | boolean>, shape: Shape, dtype: DType): Tensor {
  const size = sizeOf(shape);
  if (values.length !== size) {
    throw new ShapeError(`tensor: ${values.length} values cannot fill shape ${fmtShape(shape)} (${size} elements)`);
  }
  const out = allocArray(dtype, size);
  for (let i = 0; i < size; i++) out[i] = coerceScalar(values[i]!, dtype);
  return new Tensor(shape, dtype, out);
}

/** @internal wraps storage the caller hands over (and never writes again) without copying. */
export function fromArray(data: TypedArray, shape: Shape, dtype: DType = dtypeOfArray(data)!): Tensor {
  return new Tensor(shape, dtype, data);
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype: DType = typeof value === "boolean" ? "bool" : "float32"): Tensor {
  const out = allocArray(dtype, 1);
  out[0] = coerceScalar(value, dtype);
  return new Tensor([], dtype, out);
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

export function full(shape: readonly number[], value: number | boolean, options: { dtype?: DType } = {}): Tensor {
  const s = checkShape("full", shape);
  const dtype = options.dtype ? checkDType("full", options.dtype) : typeof value === "boolean" ? "bool" : "float32";
  const out = allocArray(dtype, sizeOf(s));
  out.fill(coerceScalar(value, dtype));
  return new Tensor(s, dtype, out);
}

export function zeros(shape: readonly number[], options: { dtype?: DType } = {}): Tensor {
  return full(shape, 0, { dtype: options.dtype ?? "float32" });
}

export function ones(shape: readonly number[], options: { dtype?: DType } = {}): Tensor {
  return full(shape, 1, { dtype: options.dtype ?? "float32" });
}

export function zerosLike(x: Tensor, options: { dtype?: DType } = {}): Tensor {
  return zeros(x.shape, { dtype: options.dtype ?? x.dtype });
}

export function onesLike(x: Tensor, options: { dtype?: DType } = {}): Tensor {
  return ones(x.shape, { dtype: options.dtype ?? x.dtype });
}

export function fullLike(x: Tensor, value: number | boolean, options: { dtype?: DType } = {}): Tensor {
  return full(x.shape, value, { dtype: options.dtype ?? x.dtype });
}

/** Values from `start` up to (not including) `stop` by `step`: arange(n), arange(a, b), arange(a, b, s). */
export function arange(start: number, stop?: number, step = 1, options: { dtype?: DType } = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [name, v] of [["start", start], ["stop", stop], ["step", step]] as const) {
    if (!Number.isFinite(v)) throw new ValueError(`arange: ${name} must be a finite number, got ${v}`);
  }
  if (step === 0) throw new ValueError("arange: step must not be 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(step);
  const dtype = options.dtype ? checkDType("arange", options.dtype) : allInt ? "int32" : "float32";
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++) out[i] = coerceScalar(start + i * step, dtype);
  return new Tensor([n], dtype, out);
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num = 50, options: { dtype?: DType } = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be a non-negative integer, got ${num}`);
  const dtype = options.dtype ? checkDType("linspace", options.dtype) : "float32";
  if (dtype === "bool") throw new DTypeError("linspace: dtype bool is not supported");
  const out = allocArray(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = coerceScalar(i === num - 1 && num > 1 ? stop : start + i * step, dtype);
  return new Tensor([num], dtype, out);
}

/** An n×m matrix with ones on the k-th diagonal. */
export function eye(n: number, m: number = n, options: { k?: number; dtype?: DType } = {}): Tensor {
  checkShape("eye", [n, m]);
  const k = options.k ?? 0;
  const dtype = options.dtype ? checkDType("eye", options.dtype) : "float32";
  const out = allocArray(dtype, n * m);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < m) out[i * m + j] = 1;
  }
  return new Tensor([n, m], dtype, out);
}
