// Reductions: sum, mean, prod, max, min, argmax, argmin, logSumExp, variance, std with
// axes and keepDims, dtypes, NaN propagation and errors.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

const x = fx.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" });

describe("sum / prod / max / min", () => {
  it("reduce over all axes by default", () => {
    expect(fx.sum(x).item()).toBe(21);
    expect(fx.prod(x).item()).toBe(720);
    expect(fx.max(x).item()).toBe(6);
    expect(fx.min(x).item()).toBe(1);
    expect(fx.sum(x).shape).toEqual([]);
  });
  it("reduce over one axis, a negative axis or a list of axes", () => {
    expect(fx.sum(x, { axis: 0 }).toArray()).toEqual([5, 7, 9]);
    expect(fx.sum(x, { axis: -1 }).toArray()).toEqual([6, 15]);
    expect(fx.prod(x, { axis: 1 }).toArray()).toEqual([6, 120]);
    expect(fx.max(x, { axis: 0 }).toArray()).toEqual([4, 5, 6]);
    expect(fx.min(x, { axis: 1 }).toArray()).toEqual([1, 4]);
    const y = fx.arange(24).reshape([2, 3, 4]);
    expect(fx.sum(y, { axis: [0, 2] }).toArray()).toEqual([60, 92, 124]);
    expect(fx.sum(y, { axis: [] })).toBe(y);
  });
  it("keepDims keeps reduced axes as 1s", () => {
    expect(fx.sum(x, { axis: 1, keepDims: true }).toArray()).toEqual([[6], [15]]);
    expect(fx.max(x, { keepDims: true }).shape).toEqual([1, 1]);
    expect(x.sum({ axis: 0, keepDims: true }).shape).toEqual([1, 3]);
  });
  it("dtypes: int stays int, bool sums count trues, bool max stays bool", () => {
    expect(fx.sum(fx.arange(4)).dtype).toBe("int32");
    const b = fx.tensor([true, false, true]);
    expect(fx.sum(b).item()).toBe(2);
    expect(fx.sum(b).dtype).toBe("int32");
    expect(fx.max(b).dtype).toBe("bool");
    expect(fx.max(b).item()).toBe(1);
  });
  it("identities over empty axes; max/min over an empty axis is an error", () => {
    expect(fx.sum(fx.zeros([0, 2]), { axis: 0 }).toArray()).toEqual([0, 0]);
    expect(fx.prod(fx.zeros([0])).item()).toBe(1);
    expect(() => fx.max(fx.zeros([0, 2]), { axis: 0 })).toThrow(/reduce_max: cannot reduce over an empty axis of shape \[0,2\]/);
  });
  it("NaN propagates through max, min and sum", () => {
    const n = fx.tensor([1, NaN, 3], { dtype: "float64" });
    expect(fx.max(n).item()).toBeNaN();
    expect(fx.min(n).item()).toBeNaN();
    expect(fx.sum(n).item()).toBeNaN();
    expect(fx.max(fx.tensor([NaN, 1])).item()).toBeNaN();
  });
  it("rejects bad axes", () => {
    expect(() => fx.sum(x, { axis: 2 })).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
    expect(() => fx.sum(x, { axis: [0, -2] })).toThrow(/sum: repeated axis/);
  });
});

describe("argmax / argmin", () => {
  const y = fx.tensor([[3, 7, 7], [9, 1, 1]]);
  it("index of the extremum along an axis, first on ties", () => {
    expect(fx.argmax(y, { axis: 1 }).toArray()).toEqual([1, 0]);
    expect(fx.argmin(y, { axis: 1 }).toArray()).toEqual([0, 1]);
    expect(fx.argmax(y, { axis: 0 }).toArray()).toEqual([1, 0, 0]);
    expect(fx.argmax(y, { axis: 1 }).dtype).toBe("int32");
  });
  it("of the flattened tensor without an axis; keepDims", () => {
    expect(fx.argmax(y).item()).toBe(3);
    expect(fx.argmin(y).item()).toBe(4);
    expect(fx.argmax(y, { keepDims: true }).shape).toEqual([1, 1]);
    expect(fx.argmax(y, { axis: 0, keepDims: true }).shape).toEqual([1, 3]);
  });
  it("the first NaN wins, as in NumPy", () => {
    expect(fx.argmax(fx.tensor([1, NaN, 5, NaN])).item()).toBe(1);
    expect(fx.argmin(fx.tensor([1, NaN, -5])).item()).toBe(1);
  });
  it("empty axis is an error", () => {
    expect(() => fx.argmax(fx.zeros([2, 0]), { axis: 1 })).toThrow(/argmax: cannot take argmax over an empty axis/);
  });
});

describe("mean / variance / std", () => {
  it("mean over axes, keepDims, and ints become float32", () => {
    expect(fx.mean(x).item()).toBe(3.5);
    expect(fx.mean(x, { axis: 0 }).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(fx.mean(x, { axis: 1, keepDims: true }).toArray()).toEqual([[2], [5]]);
    expect(fx.mean(fx.arange(4)).dtype).toBe("float32");
    expect(fx.mean(fx.arange(4)).item()).toBe(1.5);
    expect(x.mean().dtype).toBe("float64");
    expect(() => fx.mean(fx.zeros([0]))).toThrow(/mean: cannot average over an empty axis/);
  });
  it("variance and std with ddof", () => {
    const v = fx.tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: "float64" });
    expect(fx.variance(v).item()).toBe(4);
    expect(fx.std(v).item()).toBe(2);
    expect(fx.variance(v, { ddof: 1 }).item()).toBeCloseTo(32 / 7, 14);
    expect(fx.std(v, { ddof: 1 }).item()).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(fx.variance(x, { axis: 1 }).toArray()).toEqual([2 / 3, 2 / 3]);
    expect(fx.std(x, { axis: 0, keepDims: true }).toArray()).toEqual([[1.5, 1.5, 1.5]]);
    expect(x.variance({ axis: 0 }).toArray()).toEqual([2.25, 2.25, 2.25]);
  });
  it("variance rejects having no degrees of freedom", () => {
    expect(() => fx.variance(fx.ones([1]), { ddof: 1 })).toThrow(/variance: 1 elements reduced.*no degrees of freedom with ddof 1/);
    expect(() => fx.variance(x, { ddof: -1 })).toThrow(/variance: ddof: expected a non-negative integer, got -1/);
  });
});

describe("logSumExp", () => {
  it("equals log(sum(exp)) for moderate values", () => {
    const ref = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect((fx.logSumExp(x, { axis: 1 }).toArray() as number[])[0]).toBeCloseTo(ref, 14);
    expect(fx.logSumExp(x, { axis: 1, keepDims: true }).shape).toEqual([2, 1]);
    expect(fx.logSumExp(x).shape).toEqual([]);
  });
  it("is stable for large magnitudes and handles infinities", () => {
    const big = fx.tensor([1000, 1000], { dtype: "float64" });
    expect(fx.logSumExp(big).item()).toBeCloseTo(1000 + Math.log(2), 10);
    expect(fx.logSumExp(fx.tensor([-1000, -1000], { dtype: "float64" })).item()).toBeCloseTo(-1000 + Math.log(2), 10);
    expect(fx.logSumExp(fx.tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(fx.logSumExp(fx.tensor([Infinity, 1])).item()).toBe(Infinity);
  });
  it("its gradient is softmax", () => {
    const v = fx.tensor([1, 2, 3], { dtype: "float64" });
    const g = (fx.grad((t: fx.Tensor) => fx.logSumExp(t))(v) as fx.Tensor).toArray() as number[];
    const e = [1, 2, 3].map(Math.exp);
    const s = e[0]! + e[1]! + e[2]!;
    g.forEach((gi, i) => expect(gi).toBeCloseTo(e[i]! / s, 14));
  });
});
