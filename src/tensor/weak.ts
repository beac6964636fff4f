// Weak types (JAX's weak_type). A JS number has no dtype of its own: next to a tensor it takes
// the tensor's dtype when that loses nothing of its kind, and promotes otherwise. JS has no
// int/float distinction, so a number's kind is read from its value: an integer within int32
// range is a weak int; anything else (a fraction, NaN, ±Infinity, −0, |v| ≥ 2^31) a weak float.
// The table this gives is in docs/ir.md.

import { type DType, isFloat, promoteTypes } from "./dtype.js";

export type WeakKind = "int" | "float";

/** The kind of a JS number: "int" for integers in int32 range (−0 excluded), else "float". */
export function weakKindOf(v: number): WeakKind {
  return Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 && !Object.is(v, -0) ? "int" : "float";
}

/** The kind of a weak tensor, from its storage dtype. */
export function weakKindOfDType(dtype: DType): WeakKind {
  return isFloat(dtype) ? "float" : "int";
}

/** How a weak value of `kind` is stored exactly: int32 for ints, float64 for floats. */
export function weakStorageDType(kind: WeakKind): DType {
  return kind === "int" ? "int32" : "float64";
}

/**
 * The dtype a weak value of `kind` takes next to operands of (strong) dtype `dtype`: the same
 * dtype when it is of the weak value's kind or higher (int32, float32, float64 for an int;
 * float32, float64 for a float), else the smallest dtype of the weak value's kind.
 */
export function weakResultDType(dtype: DType, kind: WeakKind): DType {
  return promoteTypes(dtype, kind === "int" ? "int32" : "float32");
}
