// Pooling ops: worked examples with values computed by hand, options (window, stride,
// padding, countIncludePad), the gradient rules (max: the first maximum of each window; average:
// spread evenly), the IR they record, and error messages. The laws are in props/pool.test.ts.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { maxPoolGatherPrim, maxPoolPrim, maxPoolScatterPrim } from "../src/prims/pool.js";

const x16 = fx.reshape(fx.arange(16, undefined, 1, { dtype: "float32" }), [1, 1, 4, 4]);
const t = (data: unknown) => fx.tensor(data as number[]);

describe("maxPool2d / maxPool1d", () => {
  it("takes the maximum of each window; stride defaults to the window", () => {
    expect(fx.maxPool2d(x16, 2).toArray()).toEqual([[[[5, 7], [13, 15]]]]);
    expect(fx.maxPool2d(x16, [2, 2], { stride: 1 }).toArray()).toEqual([[[[5, 6, 7], [9, 10, 11], [13, 14, 15]]]]);
    expect(x16.maxPool2d(2).toArray()).toEqual([[[[5, 7], [13, 15]]]]);
  });

  it("pads with −∞ (padding never wins)", () => {
    expect(fx.maxPool2d(fx.neg(x16), 2, { padding: 1 }).toArray()).toEqual([[[[-0, -1, -3], [-4, -5, -7], [-12, -13, -15]]]]);
    expect(fx.maxPool2d(x16, 3, { stride: 2, padding: "same" }).shape).toEqual([1, 1, 2, 2]);
  });

  it("1-D, with a remainder no window reaches", () => {
    expect(fx.maxPool1d(t([[[1, 3, 2, 5, 4]]]), 2).toArray()).toEqual([[[3, 5]]]);
    expect(fx.maxPool1d(t([[[1, 3, 2, 5, 4]]]), 2, { stride: 1 }).toArray()).toEqual([[[3, 3, 5, 5]]]);
    expect(fx.maxPool1d(t([[1, 3, 2, 5]]), 2).toArray()).toEqual([[3, 5]]); // unbatched [C, W]
  });

  it("keeps integer dtypes and propagates NaN", () => {
    const xi = fx.maxPool1d(fx.reshape(fx.arange(6), [1, 1, 6]), 3);
    expect(xi.dtype).toBe("int32");
    expect(xi.toArray()).toEqual([[[2, 5]]]);
    expect(Array.from(fx.maxPool1d(t([[[1, NaN, 3, NaN]]]), 2).data())).toEqual([NaN, NaN]);
  });

  it("gradient: each window's cotangent goes to its first maximum (ties → earliest in row-major order)", () => {
    const g = fx.grad((x: fx.Tensor) => fx.sum(fx.maxPool2d(x, 2)));
    expect(g(fx.ones([1, 1, 2, 2])).toArray()).toEqual([[[[1, 0], [0, 0]]]]);
    expect(g(x16).toArray()).toEqual([[[[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]]]);
    // Overlapping windows: an element that is the maximum of two windows collects both.
    const g1 = fx.grad((x: fx.Tensor) => fx.sum(fx.maxPool1d(x, 2, { stride: 1 })));
    expect(g1(fx.ones([1, 1, 3])).toArray()).toEqual([[[1, 1, 0]]]);
    expect(g1(t([[[1, 3, 2]]])).toArray()).toEqual([[[0, 2, 0]]]);
    // A NaN is selected, so it receives the gradient.
    expect(fx.grad((x: fx.Tensor) => fx.sum(fx.maxPool1d(x, 2)))(t([[[1, NaN, 3, NaN]]])).toArray()).toEqual([[[0, 1, 0, 1]]]);
  });

  it("records max_pool, and its gradient is max_pool_scatter; second order uses max_pool_gather", () => {
    expect(String(fx.trace((x: fx.Tensor) => fx.maxPool2d(x, 2))(x16))).toContain("max_pool[padding=[[0,0],[0,0]] stride=[2,2] window=[2,2]]");
    const ir = String(fx.trace(fx.grad((x: fx.Tensor) => fx.sum(fx.maxPool2d(x, 2))))(x16));
    expect(ir).toContain("max_pool_scatter[padding=[[0,0],[0,0]] stride=[2,2] window=[2,2]]");
    const f = (x: fx.Tensor) => fx.sum(fx.square(fx.maxPool1d(x, 2)));
    const x = t([[[1, 3, 2, -5]]]);
    // f = 3² + 2² → ∂f/∂x = [0, 6, 4, 0]; the Hessian is diag(0, 2, 2, 0).
    expect(fx.grad(f)(x).toArray()).toEqual([[[0, 6, 4, 0]]]);
    const hv = fx.grad((z: fx.Tensor) => fx.sum(fx.mul(fx.grad(f)(z), t([[[1, 1, 1, 1]]]))))(x);
    expect(hv.toArray()).toEqual([[[0, 2, 2, 0]]]);
    expect(String(fx.trace(fx.grad((z: fx.Tensor) => fx.sum(fx.grad(f)(z))))(x))).toContain("max_pool_gather");
  });
});

describe("avgPool2d / avgPool1d", () => {
  it("averages each window", () => {
    expect(fx.avgPool2d(x16, 2).toArray()).toEqual([[[[2.5, 4.5], [10.5, 12.5]]]]);
    expect(fx.avgPool1d(t([[[1, 2, 3, 4]]]), 2).toArray()).toEqual([[[1.5, 3.5]]]);
  });

  it("countIncludePad: divide by the window size (default) or by the input elements covered", () => {
    const ones = fx.ones([1, 1, 2, 2]);
    expect(fx.avgPool2d(ones, 2, { padding: 1 }).toArray()).toEqual([[[[0.25, 0.25], [0.25, 0.25]]]]);
    expect(fx.avgPool2d(ones, 2, { padding: 1, countIncludePad: false }).toArray()).toEqual([[[[1, 1], [1, 1]]]]);
    expect(fx.avgPool1d(t([[[1, 2, 3, 4]]]), 3, { stride: 1, padding: 1, countIncludePad: false }).toArray()).toEqual([[[1.5, 2, 3, 3.5]]]);
  });

  it("converts integers to float32 and keeps float64", () => {
    expect(fx.avgPool1d(fx.reshape(fx.arange(4), [1, 1, 4]), 2).dtype).toBe("float32");
    expect(fx.avgPool1d(fx.zeros([1, 1, 4], { dtype: "float64" }), 2).dtype).toBe("float64");
  });

  it("gradient spreads evenly over each window", () => {
    expect(fx.grad((x: fx.Tensor) => fx.sum(fx.avgPool2d(x, 2)))(x16).toArray()).toEqual([[[[0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25]]]]);
    expect(fx.grad((x: fx.Tensor) => fx.sum(fx.avgPool1d(x, 2, { stride: 1 })))(fx.ones([1, 1, 3])).toArray()).toEqual([[[0.5, 1, 0.5]]]);
    // Without counting the padding, a corner element alone in its window gets the whole share.
    expect(fx.grad((x: fx.Tensor) => fx.sum(fx.avgPool1d(x, 2, { padding: 1, countIncludePad: false })))(fx.ones([1, 1, 2])).toArray()).toEqual([[[1, 1]]]);
  });
});

describe("global pooling", () => {
  const x = t([[[[1, 2], [3, 4]], [[-1, -2], [-3, -4]]]]);
  it("pools all of H×W per channel", () => {
    expect(fx.globalAvgPool2d(x).toArray()).toEqual([[2.5, -2.5]]);
    expect(fx.globalMaxPool2d(x).toArray()).toEqual([[4, -1]]);
    expect(fx.globalAvgPool2d(x, { keepDims: true }).shape).toEqual([1, 2, 1, 1]);
    expect(x.globalMaxPool2d({ keepDims: true }).toArray()).toEqual([[[[4]], [[-1]]]]);
  });
  it("globalMaxPool2d has the max-pool tie rule", () => {
    expect(fx.grad((z: fx.Tensor) => fx.sum(fx.globalMaxPool2d(z)))(fx.ones([1, 1, 2, 2])).toArray()).toEqual([[[[1, 0], [0, 0]]]]);
  });
});

describe("errors name the op and the shapes", () => {
  it("rejects bad windows, strides, paddings, ranks and dtypes", () => {
    expect(() => fx.maxPool2d(x16, 5)).toThrow(fx.ShapeError);
    expect(() => fx.maxPool2d(x16, 5)).toThrow(/maxPool2d: along spatial axis 0 the window 5 is larger than the padded input 4 \(input \[1,1,4,4\]\)/);
    expect(() => fx.maxPool2d(x16, 2, { padding: 2 })).toThrow(/maxPool2d: padding along spatial axis 0 must be a \[low, high\] pair of integers in \[0, window − 1 = 1\]/);
    expect(() => fx.avgPool2d(x16, 2, { stride: 0 })).toThrow(/avgPool2d: stride: expected a positive integer or a list of 2, got 0/);
    expect(() => fx.avgPool1d(x16, 2)).toThrow(/avgPool1d: input must be \[N,C,W\] \(or \[C,W\]\), got \[1,1,4,4\]/);
    expect(() => fx.maxPool2d(x16, [2, 2, 2])).toThrow(/maxPool2d: window: expected a positive integer or a list of 2, got \[2,2,2\]/);
    expect(() => fx.maxPool1d(fx.tensor([[[true, false]]]), 1)).toThrow(/maxPool1d: bool operands are not supported/);
    expect(() => fx.globalAvgPool2d(fx.zeros([2, 3, 4]))).toThrow(/globalAvgPool2d: input must be \[N,C,H,W\], got \[2,3,4\]/);
    expect(() => fx.globalMaxPool2d(fx.zeros([2, 3, 0, 4]))).toThrow(/globalMaxPool2d: empty spatial axes in \[2,3,0,4\]/);
  });

  it("the primitives check their operands", () => {
    const x = { shape: [1, 1, 4], dtype: "float32" as const };
    const p = { window: [2], stride: [2], padding: [[0, 0]] };
    expect(maxPoolPrim.abstractEval([x], p)).toEqual({ shape: [1, 1, 2], dtype: "float32" });
    expect(() => maxPoolScatterPrim.abstractEval([x, x], p)).toThrow(/max_pool_scatter: the second operand must have the pooled shape \[1,1,2\], got \[1,1,4\]/);
    expect(() => maxPoolGatherPrim.abstractEval([x, { ...x, dtype: "float64" }], p)).toThrow(/max_pool_gather: operand dtypes differ: float32 and float64/);
  });
});
