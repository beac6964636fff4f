// dtypes, their typed-array storage and the promotion lattice bool < int32 < float32 < float64.

import { DTypeError } from "../errors.js";
import { describeValue } from "../options/describe.js";

/** The element types of a tensor: float32 (the default), float64, int32 and bool. */
export type DType = "float32" | "float64" | "int32" | "bool";
export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];

/** The storage of each dtype: Float32Array, Float64Array, Int32Array, Uint8Array (bool, 0 or 1). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** A fresh zero-filled typed array holding `size` elements of `dtype`. */
export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

/** The dtype whose storage a typed array is, or undefined for other arrays. */
export function dtypeOfArray(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint8Array) return "bool";
  return undefined;
}

/** Converts a JS number to what storing it in `dtype` gives (rounding, truncation, 0/1). */
export function coerceScalar(value: number | boolean, dtype: DType): number {
  const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
  switch (dtype) {
    case "float32":
      return Math.fround(v);
    case "float64":
      return v;
    case "int32":
      return v | 0;
    case "bool":
      return v !== 0 ? 1 : 0; // NaN is truthy, as in NumPy
  }
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The smallest dtype both `a` and `b` convert to without losing kind (bool < int32 < float32 < float64). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The float dtype an op that needs floats computes in: float64 stays, everything else is float32. */
export function floatTypeOf(dtype: DType): DType {
  return dtype === "float64" ? "float64" : "float32";
}

export function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new DTypeError(`${op}: unknown dtype ${describeValue(dtype)}; expected one of ${DTYPES.join(", ")}`);
  }
  return dtype;
}

/** Short names used by the IR printer. */
export const DTYPE_SHORT: Record<DType, string> = { float32: "f32", float64: "f64", int32: "i32", bool: "bool" };
