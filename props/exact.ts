// Bit-exact comparison for the properties that promise "the same values": Object.is per
// element (NaN ≡ NaN, −0 ≢ +0), plus equal dtype and shape. Failures name the first differing
// element, so a counterexample says what went wrong.

import type { Tensor } from "../src/index.js";

/** Why `got` differs from `expected` (null when identical). */
export function bitDifference(got: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  if (got.length !== expected.length) return `length ${got.length} vs expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], expected[i])) return `element ${i}: ${fmt(got[i]!)} vs expected ${fmt(expected[i]!)}`;
  }
  return null;
}

/** Why tensor `got` differs from `expected` in dtype, shape or any element's bits (null when identical). */
export function tensorDifference(got: Tensor, expected: Tensor): string | null {
  if (got.dtype !== expected.dtype) return `dtype ${got.dtype} vs expected ${expected.dtype}`;
  if (got.shape.length !== expected.shape.length || got.shape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${got.shape.join(",")}] vs expected [${expected.shape.join(",")}]`;
  }
  return bitDifference(got.data(), expected.data());
}

/** The first difference between two lists of tensors, labelled with its position (null when identical). */
export function tensorsDifference(got: readonly Tensor[], expected: readonly Tensor[]): string | null {
  if (got.length !== expected.length) return `${got.length} results vs expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) {
    const d = tensorDifference(got[i]!, expected[i]!);
    if (d !== null) return `result ${i}: ${d}`;
  }
  return null;
}

function fmt(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}
