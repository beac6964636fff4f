// Tensors: creation functions, dtypes, shape inference, immutability, conversion and printing.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

describe("tensor()", () => {
  it("infers shape and float32 from nested arrays", () => {
    const t = fx.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it("infers bool from booleans and rank 0 from a number", () => {
    expect(fx.tensor([true, false]).dtype).toBe("bool");
    expect(fx.tensor([true, false]).toArray()).toEqual([true, false]);
    const s = fx.tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3.5);
  });

  it("takes the dtype of a typed array and copies it", () => {
    const src = new Float64Array([1, 2, 3, 4]);
    const t = fx.tensor(src, { shape: [2, 2] });
    expect(t.dtype).toBe("float64");
    expect(t.shape).toEqual([2, 2]);
    src[0] = 100;
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(fx.tensor(new Int32Array([1, 2])).dtype).toBe("int32");
  });

  it("converts values to the requested dtype", () => {
    expect(Array.from(fx.tensor([1.7, -1.7, 3], { dtype: "int32" }).data())).toEqual([1, -1, 3]);
    expect(fx.tensor([0.1], { dtype: "float32" }).item()).toBe(Math.fround(0.1));
    expect(fx.tensor([0.1], { dtype: "float64" }).item()).toBe(0.1);
    expect(fx.tensor([0, 2, NaN], { dtype: "bool" }).toArray()).toEqual([false, true, true]);
  });

  it("handles empty arrays", () => {
    expect(fx.tensor([]).shape).toEqual([0]);
    expect(fx.tensor([[], []]).shape).toEqual([2, 0]);
  });

  it("rejects ragged input naming the offending positions", () => {
    expect(() => fx.tensor([[1, 2], [3]])).toThrow(fx.ShapeError);
    expect(() => fx.tensor([[1, 2], [3]])).toThrow(/ragged.*data\[1\].*\[1\]/);
    expect(() => fx.tensor([[[1], [2]], [[3], 4]])).toThrow(/ragged/);
  });

  it("rejects non-numeric elements and bad dtypes", () => {
    expect(() => fx.tensor([1, "a" as unknown as number])).toThrow(/element 1 is string/);
    expect(() => fx.tensor([1], { dtype: "int8" as fx.DType })).toThrow(fx.DTypeError);
    expect(() => fx.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/3 values cannot fill shape \[2,2\]/);
  });
});

describe("creation functions", () => {
  it("zeros, ones, full and their *Like variants", () => {
    expect(fx.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(fx.ones([3], { dtype: "int32" }).toArray()).toEqual([1, 1, 1]);
    expect(fx.ones([3], { dtype: "int32" }).dtype).toBe("int32");
    expect(fx.full([2], 7).toArray()).toEqual([7, 7]);
    expect(fx.full([1], true).dtype).toBe("bool");
    const x = fx.tensor([[1, 2]], { dtype: "float64" });
    expect(fx.zerosLike(x).dtype).toBe("float64");
    expect(fx.zerosLike(x).shape).toEqual([1, 2]);
    expect(fx.onesLike(x).toArray()).toEqual([[1, 1]]);
    expect(() => fx.zeros([2, -1])).toThrow(/zeros: shape: expected a list of non-negative integers, got \[2,-1\]/);
  });

  it("arange with one, two and three arguments", () => {
    expect(fx.arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(fx.arange(4).dtype).toBe("int32");
    expect(fx.arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(fx.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(fx.arange(0, 1, 0.25).dtype).toBe("float32");
    expect(fx.arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(fx.arange(3, 1).shape).toEqual([0]);
    expect(() => fx.arange(0, 1, 0)).toThrow(/step must not be 0/);
  });

  it("arange takes { dtype } after any of its argument forms", () => {
    const f32 = { dtype: "float32" } as const;
    for (const t of [fx.arange(3, f32), fx.arange(0, 3, f32), fx.arange(0, 3, 1, f32)]) {
      expect(t.dtype).toBe("float32");
      expect(t.toArray()).toEqual([0, 1, 2]);
    }
    expect(fx.arange(2, 5, { dtype: "float64" }).toArray()).toEqual([2, 3, 4]);
    expect(fx.arange(0, 1, 0.5, {}).dtype).toBe("float32");
    expect(() => fx.arange(3, { dtype: "int8" as never })).toThrow(/arange.*dtype/);
    expect(() => (fx.arange as (...a: unknown[]) => fx.Tensor)(0, 1, 1, 2, {})).toThrow(/arange: expected at most start, stop, step and an options object, got 5 arguments/);
    expect(() => (fx.arange as (...a: unknown[]) => fx.Tensor)(0, "3")).toThrow(/arange: stop: expected a finite number, got "3"/);
  });

  it("linspace includes both ends", () => {
    expect(fx.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(fx.linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(fx.linspace(0, 1, 3, { dtype: "float64" }).dtype).toBe("float64");
    expect(() => fx.linspace(0, 1, -1)).toThrow(/linspace: num: expected a non-negative integer, got -1/);
  });

  it("eye with offset diagonals", () => {
    expect(fx.eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(fx.eye(2, 3, { k: 1 }).toArray()).toEqual([[0, 1, 0], [0, 0, 1]]);
    expect(fx.eye(3, 2, { k: -1 }).toArray()).toEqual([[0, 0], [1, 0], [0, 1]]);
  });

  it("scalar makes rank-0 tensors", () => {
    expect(fx.scalar(2).shape).toEqual([]);
    expect(fx.scalar(2, "int32").dtype).toBe("int32");
    expect(fx.scalar(false).dtype).toBe("bool");
  });
});

describe("reading values", () => {
  it("data() returns a copy: writing to it does not change the tensor", () => {
    const t = fx.tensor([1, 2, 3]);
    const d = t.data();
    expect(d).toBeInstanceOf(Float32Array);
    d[0] = 99;
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(t.data()).not.toBe(t.data());
  });

  it("shape is frozen and ops never mutate their operands", () => {
    const t = fx.tensor([[1, 2], [3, 4]]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    const before = Array.from(t.data());
    fx.add(t, 1);
    fx.reshape(t, [4]);
    fx.flip(t);
    fx.pad(t, 1);
    expect(Array.from(t.data())).toEqual(before);
  });

  it("item() requires exactly one element", () => {
    expect(fx.tensor([[5]]).item()).toBe(5);
    expect(() => fx.tensor([1, 2]).item()).toThrow(/item: tensor of shape \[2\] has 2 elements/);
  });

  it("toArray() of bool tensors gives booleans, of scalars a number", () => {
    expect(fx.tensor([[true], [false]]).toArray()).toEqual([[true], [false]]);
    expect(fx.scalar(4).toArray()).toBe(4);
  });

  it("a one-element tensor converts to a JS number; a larger one does not", () => {
    expect(+fx.tensor([3])).toBe(3);
    expect(() => +fx.tensor([1, 2])).toThrow(/was used as a JS number/);
  });
});

describe("toString()", () => {
  it("prints like NumPy", () => {
    expect(String(fx.tensor([[1, 2], [3, 4]]))).toBe("tensor([[1., 2.],\n        [3., 4.]], dtype=float32)");
    expect(String(fx.tensor([1, 22], { dtype: "int32" }))).toBe("tensor([ 1, 22], dtype=int32)");
    expect(String(fx.tensor([true, false]))).toBe("tensor([ true, false], dtype=bool)");
    expect(String(fx.scalar(2.5))).toBe("tensor(2.5, dtype=float32)");
  });

  it("aligns decimals and switches to scientific notation for wide ranges", () => {
    expect(String(fx.tensor([1.5, 2.25, 3]))).toBe("tensor([1.5 , 2.25, 3.  ], dtype=float32)");
    expect(String(fx.tensor([465.416, 187762]))).toBe("tensor([   465.416, 187762.   ], dtype=float32)");
    expect(String(fx.tensor([1e-5, 1]))).toBe("tensor([1.e-05, 1.e+00], dtype=float32)");
    expect(String(fx.tensor([1.5, 2e4]))).toBe("tensor([1.5e+00, 2.0e+04], dtype=float32)");
    expect(String(fx.tensor([1e10]))).toBe("tensor([1.e+10], dtype=float32)");
    expect(String(fx.tensor([NaN, 1, -Infinity]))).toBe("tensor([      NaN,        1., -Infinity], dtype=float32)");
  });

  it("prints float32 values by their shortest float32 form and float64 to 8 decimals", () => {
    expect(String(fx.tensor([0.1, 0.2]))).toBe("tensor([0.1, 0.2], dtype=float32)");
    expect(String(fx.tensor([0.1 + 0.2], { dtype: "float64" }))).toBe("tensor([0.3], dtype=float64)");
    expect(String(fx.tensor([1 / 3], { dtype: "float64" }))).toBe("tensor([0.33333333], dtype=float64)");
  });

  it("summarises large tensors with ... and notes the shape", () => {
    const s = String(fx.arange(2000, undefined, 1, { dtype: "float32" }).reshape([40, 50]));
    expect(s).toContain("...");
    expect(s).toContain("shape=[40,50]");
    expect(s.split("\n").length).toBe(7);
    expect(s.startsWith("tensor([[0.000e+00, 1.000e+00, 2.000e+00, ..., 4.700e+01")).toBe(true);
  });
});
