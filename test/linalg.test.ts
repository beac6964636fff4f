// matmul with NumPy semantics (vectors, batch broadcasting, transposes), dot and outer.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

/** Plain-loop matrix product of nested arrays: the expectation. */
function refMatmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

const a = [[1, 2, 3], [4, 5, 6]];
const b = [[7, 8], [9, 10], [11, 12]];
const A = fx.tensor(a, { dtype: "float64" });
const B = fx.tensor(b, { dtype: "float64" });

describe("matmul", () => {
  it("matrix @ matrix", () => {
    expect(fx.matmul(A, B).toArray()).toEqual(refMatmul(a, b));
    expect(A.matmul(B).shape).toEqual([2, 2]);
  });
  it("vector operands drop their added axis", () => {
    const v = fx.tensor([1, 0, -1], { dtype: "float64" });
    expect(fx.matmul(A, v).toArray()).toEqual([-2, -2]);
    expect(fx.matmul(fx.tensor([1, 1], { dtype: "float64" }), A).toArray()).toEqual([5, 7, 9]);
    expect(fx.matmul(v, v).shape).toEqual([]);
    expect(fx.matmul(v, v).item()).toBe(2);
  });
  it("batch dimensions broadcast", () => {
    const batch = fx.stack([A, fx.mul(A, 2)]); // [2,2,3]
    const out = fx.matmul(batch, B);
    expect(out.shape).toEqual([2, 2, 2]);
    expect(out.toArray()).toEqual([refMatmul(a, b), refMatmul(a, b).map((r) => r.map((v) => 2 * v))]);
    expect(fx.matmul(fx.ones([3, 1, 2, 4]), fx.ones([5, 4, 6])).shape).toEqual([3, 5, 2, 6]);
    expect(fx.matmul(fx.ones([2, 2, 3]), fx.ones([3])).shape).toEqual([2, 2]);
  });
  it("agrees with transposes: (AB)ᵀ = BᵀAᵀ", () => {
    expect(fx.transpose(fx.matmul(A, B)).toArray()).toEqual(fx.matmul(fx.transpose(B), fx.transpose(A)).toArray());
  });
  it("promotes dtypes and rejects bool", () => {
    expect(fx.matmul(fx.ones([2, 2], { dtype: "int32" }), fx.ones([2, 2])).dtype).toBe("float32");
    expect(fx.matmul(fx.ones([2, 2], { dtype: "int32" }), fx.ones([2, 2], { dtype: "int32" })).toArray()).toEqual([[2, 2], [2, 2]]);
    expect(() => fx.matmul(fx.tensor([[true]]), fx.tensor([[true]]))).toThrow(/matmul: bool operands are not supported/);
  });
  it("names the shapes in errors", () => {
    expect(() => fx.matmul(fx.ones([2, 3]), fx.ones([4, 5]))).toThrow("matmul: inner dimensions differ: [2,3] @ [4,5]");
    expect(() => fx.matmul(fx.scalar(1), fx.ones([2]))).toThrow(/matmul: operands must not be scalars/);
    expect(() => fx.matmul(fx.ones([2, 2, 3]), fx.ones([3, 3, 2]))).toThrow(/matmul: shapes \[2\] and \[3\] cannot be broadcast/);
  });
});

describe("dot and outer", () => {
  it("dot: inner product, matrix-vector, matrix-matrix, scalar", () => {
    const u = fx.tensor([1, 2, 3], { dtype: "float64" });
    expect(fx.dot(u, u).item()).toBe(14);
    expect(fx.dot(u, u).shape).toEqual([]);
    expect(fx.dot(A, u).toArray()).toEqual([14, 32]);
    expect(fx.dot(A, B).toArray()).toEqual(refMatmul(a, b));
    expect(fx.dot(2, u).toArray()).toEqual([2, 4, 6]);
    expect(u.dot(u).item()).toBe(14);
  });
  it("dot rejects rank > 2 and mismatched dimensions", () => {
    expect(() => fx.dot(fx.ones([2, 2, 2]), fx.ones([2]))).toThrow(/dot: supports operands of rank <= 2, got \[2,2,2\] and \[2\]; use fx.matmul/);
    expect(() => fx.dot(fx.ones([3]), fx.ones([2]))).toThrow(/dot: inner dimensions differ: \[3\] · \[2\]/);
  });
  it("outer product (flattening higher ranks)", () => {
    expect(fx.outer(fx.tensor([1, 2]), fx.tensor([3, 4, 5])).toArray()).toEqual([[3, 4, 5], [6, 8, 10]]);
    expect(fx.outer(fx.ones([2, 2]), fx.ones([3])).shape).toEqual([4, 3]);
    expect(fx.tensor([1, 2]).outer(fx.tensor([1])).toArray()).toEqual([[1], [2]]);
  });
});
