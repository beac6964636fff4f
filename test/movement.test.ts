// Movement ops: slice, pad, concat, flip, take/gather, scatterAdd, and the composites
// stack, split, tile, oneHot. Also checks each primitive's VJP/JVP rule shapes through trace.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { gatherPrim, padPrim, scatterAddPrim, slicePrim } from "../src/prims/movement.js";

const x = fx.arange(12).reshape([3, 4]);

describe("slice", () => {
  it("takes [start, stop, step] per axis, NumPy-like", () => {
    expect(fx.slice(x, [[1, 3]]).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(fx.slice(x, [null, [null, null, 2]]).toArray()).toEqual([[0, 2], [4, 6], [8, 10]]);
    expect(fx.slice(x, [[-1], [-3, -1]]).toArray()).toEqual([[9, 10]]);
    expect(fx.slice(x, [[0, 100], [1, 2]]).toArray()).toEqual([[1], [5], [9]]);
    expect(fx.slice(x, [[2, 1]]).shape).toEqual([0, 4]);
    expect(fx.slice(x, [[1, null, 5]]).toArray()).toEqual([[4, 5, 6, 7]]);
    expect(x.slice([[null], [1, 4, 2]]).toArray()).toEqual([[1, 3], [5, 7], [9, 11]]);
  });
  it("returns the tensor itself for a full slice", () => {
    expect(fx.slice(x, [])).toBe(x);
    expect(fx.slice(x, [null, [0, 4, 1]])).toBe(x);
  });
  it("rejects bad specs clearly", () => {
    expect(() => fx.slice(x, [null, null, null])).toThrow(/slice: spec has 3 entries but the tensor has rank 2/);
    expect(() => fx.slice(x, [[0, 2, 0]])).toThrow(/slice: axis 0: step must be >= 1, got 0; use fx.flip/);
    expect(() => fx.slice(x, [[0.5]])).toThrow(/slice: spec: expected .*integers or null.*got \[\[0.5\]\]/);
    expect(() => fx.slice(x, [3 as unknown as [number]])).toThrow(/slice: spec: expected .* got \[3\]/);
  });
  it("the primitive checks its params", () => {
    expect(() => slicePrim.abstractEval([{ shape: [3], dtype: "float32" }], { start: [2], stop: [4], step: [1] })).toThrow(/slice: axis 0 needs 0 <= start <= stop <= 3/);
  });
});

describe("pad", () => {
  const m = fx.tensor([[1, 2], [3, 4]]);
  it("pads with a constant, per axis or uniformly", () => {
    expect(fx.pad(m, [[1, 0], [0, 2]], { value: 9 }).toArray()).toEqual([[9, 9, 9, 9], [1, 2, 9, 9], [3, 4, 9, 9]]);
    expect(fx.pad(m, 1).shape).toEqual([4, 4]);
    expect(fx.pad(m, [0, 1]).toArray()).toEqual([[1, 2, 0], [3, 4, 0], [0, 0, 0]]);
    expect(fx.pad(fx.tensor([1, 2, 3]), 0, { interior: 1 }).toArray()).toEqual([1, 0, 2, 0, 3]);
    expect(fx.pad(fx.tensor([1, 2], { dtype: "int32" }), 1, { value: 7 }).toArray()).toEqual([7, 1, 2, 7]);
    expect(fx.pad(fx.tensor([1, 2], { dtype: "int32" }), 1, { value: 7.5 }).toArray()).toEqual([7.5, 1, 2, 7.5]); // promotes (weak types)
    expect(m.pad(0)).toBe(m);
  });
  it("rejects negative or malformed widths", () => {
    expect(() => fx.pad(m, -1)).toThrow(/pad: widths: expected a non-negative integer.*use fx.slice to crop.*got -1/);
    expect(() => fx.pad(m, [[1, 1]])).toThrow(/pad: got 1 \[lo, hi\] pairs for a tensor of rank 2/);
    expect(() => fx.pad(m, "x" as unknown as number)).toThrow(fx.ValueError);
  });
  it("the primitive rejects negative params", () => {
    expect(() => padPrim.abstractEval([{ shape: [3], dtype: "float32" }], { lo: [-1], hi: [0], interior: [0], value: 0 })).toThrow(/pad: lo: expected a list of 1 non-negative integers, got \[-1\]/);
  });
});

describe("concat", () => {
  it("joins along an axis and promotes dtypes", () => {
    const a = fx.tensor([[1, 2]], { dtype: "int32" });
    const b = fx.tensor([[3, 4], [5, 6]]);
    const c = fx.concat([a, b]);
    expect(c.dtype).toBe("float32");
    expect(c.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(fx.concat([x, x], { axis: 1 }).shape).toEqual([3, 8]);
    expect(fx.concat([x, x], { axis: -1 }).shape).toEqual([3, 8]);
    expect(fx.concat([x])).toBe(x);
  });
  it("rejects mismatched shapes, scalars and empty input", () => {
    expect(() => fx.concat([x, fx.ones([3, 3])])).toThrow(/concat: shapes \[3,4\], \[3,3\] differ outside axis 0/);
    expect(() => fx.concat([fx.scalar(1), fx.scalar(2)])).toThrow(/rank-0 tensors cannot be concatenated; use fx.stack/);
    expect(() => fx.concat([])).toThrow(/concat: xs: expected a non-empty list of Tensors, got \[\]/);
    expect(() => fx.concat([x, fx.ones([3])])).toThrow(/concat: ranks differ/);
  });
});

describe("flip", () => {
  it("reverses the given axes, or all", () => {
    expect(fx.flip(x, { axis: 0 }).toArray()).toEqual([[8, 9, 10, 11], [4, 5, 6, 7], [0, 1, 2, 3]]);
    expect(fx.flip(x).toArray()).toEqual([[11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]);
    expect(x.flip({ axis: -1 }).toArray()).toEqual([[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8]]);
    expect(fx.flip(fx.zeros([0, 2])).shape).toEqual([0, 2]);
    expect(() => fx.flip(x, { axis: 2 })).toThrow(/flip: axis 2 is out of range/);
  });
});

describe("take / gather / scatterAdd", () => {
  it("picks entries along an axis; shape = x[:axis] + idx + x[axis+1:]", () => {
    expect(fx.take(x, [2, 0]).toArray()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(fx.take(x, [[0, 3]], { axis: 1 }).shape).toEqual([3, 1, 2]);
    expect(fx.take(x, [[0, 3]], { axis: 1 }).toArray()).toEqual([[[0, 3]], [[4, 7]], [[8, 11]]]);
    expect(fx.take(x, 1, { axis: 1 }).toArray()).toEqual([1, 5, 9]);
    expect(fx.gather(x, fx.tensor([1, 1], { dtype: "int32" })).shape).toEqual([2, 4]);
    expect(x.take([0], { axis: -1 }).shape).toEqual([3, 1]);
  });
  it("rejects out-of-range and negative indices, naming index and size", () => {
    expect(() => fx.take(x, [3])).toThrow(fx.ValueError);
    expect(() => fx.take(x, [3])).toThrow(/take: index 3 is out of range for axis 0 of size 3/);
    expect(() => fx.take(x, [-1], { axis: 1 })).toThrow(/index -1 is out of range for axis 1 of size 4/);
  });
  it("requires integer indices", () => {
    expect(() => fx.take(x, fx.tensor([0]))).toThrow(/take: indices must be int32, got float32/);
    expect(() => fx.take(x, [0.5])).toThrow(/take: indices: expected .*integers, got \[0.5\]/);
    expect(() => fx.take(fx.scalar(1), [0])).toThrow(/rank-0/);
  });
  it("scatterAdd accumulates repeated indices", () => {
    const u = fx.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(fx.scatterAdd(u, [0, 2, 0], 3).toArray()).toEqual([[6, 8], [0, 0], [3, 4]]);
    expect(fx.scatterAdd(u, [1, 1], 2, { axis: 1 }).toArray()).toEqual([[0, 3], [0, 7], [0, 11]]);
    expect(() => fx.scatterAdd(u, [0, 5, 0], 3)).toThrow(/scatterAdd: index 5 is out of range for axis 0 of size 3/);
    expect(() => scatterAddPrim.abstractEval([{ shape: [3, 2], dtype: "float32" }, { shape: [2], dtype: "int32" }], { axis: 0, size: 4 })).toThrow(fx.ShapeError);
  });
  it("gather's shape rule checks dtype and axis", () => {
    expect(() => gatherPrim.abstractEval([{ shape: [3], dtype: "float32" }, { shape: [2], dtype: "float32" }], { axis: 0 })).toThrow(fx.DTypeError);
    expect(() => gatherPrim.abstractEval([{ shape: [3], dtype: "float32" }, { shape: [2], dtype: "int32" }], { axis: 1 })).toThrow(/gather: axis 1 is out of range/);
  });
});

describe("stack / split / tile / oneHot", () => {
  it("stack joins along a new axis", () => {
    const a = fx.tensor([1, 2]);
    const b = fx.tensor([3, 4]);
    expect(fx.stack([a, b]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(fx.stack([a, b], { axis: 1 }).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(fx.stack([fx.scalar(1), fx.scalar(2)]).toArray()).toEqual([1, 2]);
    expect(() => fx.stack([a, fx.ones([3])])).toThrow(/stack: all tensors must have the same shape, got \[2\], \[3\]/);
  });
  it("split into equal parts or at indices", () => {
    const parts = fx.split(x, 2, { axis: 1 });
    expect(parts.map((p) => p.toArray())).toEqual([[[0, 1], [4, 5], [8, 9]], [[2, 3], [6, 7], [10, 11]]]);
    expect(fx.split(x, [1, 3], { axis: 1 }).map((p) => p.shape)).toEqual([[3, 1], [3, 2], [3, 1]]);
    expect(fx.split(x, [0]).map((p) => p.shape)).toEqual([[0, 4], [3, 4]]);
    expect(x.split(3).length).toBe(3);
    expect(() => fx.split(x, 2)).toThrow(/split: axis 0 of shape \[3,4\] \(length 3\) does not divide into 2 equal parts/);
    expect(() => fx.split(x, [3, 1], { axis: 1 })).toThrow(/must be non-decreasing/);
  });
  it("tile repeats like NumPy", () => {
    const a = fx.tensor([[1, 2], [3, 4]]);
    expect(fx.tile(a, [1, 2]).toArray()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(fx.tile(a, [2, 1]).toArray()).toEqual([[1, 2], [3, 4], [1, 2], [3, 4]]);
    expect(fx.tile(fx.tensor([1, 2]), 2).toArray()).toEqual([1, 2, 1, 2]);
    expect(fx.tile(fx.tensor([1, 2]), [2, 1]).shape).toEqual([2, 2]);
    expect(fx.tile(a, 2).shape).toEqual([2, 4]);
    expect(() => fx.tile(a, [-1])).toThrow(/tile: reps: expected a non-negative integer or a list of them, got \[-1\]/);
  });
  it("oneHot encodes along a new last axis", () => {
    expect(fx.oneHot([0, 2], 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(fx.oneHot([0, 2], 3).dtype).toBe("float32");
    expect(fx.oneHot(fx.tensor([[1]], { dtype: "int32" }), 2, { dtype: "int32" }).toArray()).toEqual([[[0, 1]]]);
    expect(fx.oneHot([5, -1], 3).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(() => fx.oneHot(fx.tensor([1]), 3)).toThrow(/oneHot: indices must be int32, got float32/);
    expect(() => fx.oneHot([1], -1)).toThrow(/oneHot: depth: expected a non-negative integer, got -1/);
  });
});

describe("gradient rules of movement primitives", () => {
  // The VJP of each primitive must return cotangents shaped like its inputs; tracing checks
  // every equation against its shape rule, so this exercises the rules structurally.
  const vjpShapes = (f: (t: fx.Tensor) => fx.Tensor, x0: fx.Tensor) => {
    const g = fx.grad((t: fx.Tensor) => fx.sum(f(t)))(x0) as fx.Tensor;
    return g;
  };
  const xf = fx.arange(12).reshape([3, 4]).cast("float64");
  it("slice's gradient is a pad with interior zeros", () => {
    expect(vjpShapes((t) => fx.slice(t, [[0, 3, 2], [1, 4, 2]]), xf).toArray()).toEqual([[0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]);
  });
  it("pad's gradient is a strided slice", () => {
    expect(vjpShapes((t) => fx.mul(fx.pad(t, 1, { interior: 1, value: 5 }), 2), xf).toArray()).toEqual([[2, 2, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2]]);
  });
  it("concat, flip and take route gradients back", () => {
    expect(vjpShapes((t) => fx.concat([t, fx.mul(t, 3)], { axis: 1 }), xf).toArray()).toEqual([[4, 4, 4, 4], [4, 4, 4, 4], [4, 4, 4, 4]]);
    expect(vjpShapes((t) => fx.mul(fx.flip(t, { axis: 0 }), fx.arange(4).cast("float64")), xf).toArray()).toEqual([[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
    expect(vjpShapes((t) => fx.take(t, [0, 0, 2]), xf).toArray()).toEqual([[2, 2, 2, 2], [0, 0, 0, 0], [1, 1, 1, 1]]);
  });
});
