// Elementwise ops: every unary, binary, comparison and logical op, where, cast, dtype
// promotion, JS numbers as operands and NumPy broadcasting.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

const xs = [-2.5, -1, -0.5, 0, 0.3, 1, 2.5, 4];
const pos = [0.1, 0.5, 1, 2, 3.7];
const f64 = (v: readonly number[]) => fx.tensor(v, { dtype: "float64" });

describe("unary ops match Math exactly in float64", () => {
  const cases: [string, (x: fx.Tensor) => fx.Tensor, (v: number) => number, readonly number[]][] = [
    ["neg", fx.neg, (v) => -v, xs],
    ["abs", fx.abs, Math.abs, xs],
    ["sign", fx.sign, Math.sign, xs],
    ["exp", fx.exp, Math.exp, xs],
    ["log", fx.log, Math.log, pos],
    ["log1p", fx.log1p, Math.log1p, pos],
    ["expm1", fx.expm1, Math.expm1, xs],
    ["sqrt", fx.sqrt, Math.sqrt, pos],
    ["rsqrt", fx.rsqrt, (v) => 1 / Math.sqrt(v), pos],
    ["reciprocal", fx.reciprocal, (v) => 1 / v, pos],
    ["square", fx.square, (v) => v * v, xs],
    ["sin", fx.sin, Math.sin, xs],
    ["cos", fx.cos, Math.cos, xs],
    ["tanh", fx.tanh, Math.tanh, xs],
    ["sigmoid", fx.sigmoid, (v) => 1 / (1 + Math.exp(-v)), xs],
    ["floor", fx.floor, Math.floor, xs],
    ["ceil", fx.ceil, Math.ceil, xs],
  ];
  for (const [name, op, ref, values] of cases) {
    it(name, () => {
      const y = op(f64(values));
      expect(y.dtype).toBe("float64");
      const got = Array.from(y.data());
      values.forEach((v, i) => {
        // sigmoid is written in an overflow-safe form; the others are the same expression.
        if (name === "sigmoid") expect(got[i]).toBeCloseTo(ref(v), 15);
        else expect(Object.is(got[i], ref(v)) || got[i] === ref(v)).toBe(true);
      });
    });
  }

  it("round is half-to-even like NumPy", () => {
    expect(fx.round(f64([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6])).toArray()).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });

  it("isNaN and isFinite give bool", () => {
    const t = f64([NaN, Infinity, -Infinity, 1]);
    expect(fx.isNaN(t).toArray()).toEqual([true, false, false, false]);
    expect(fx.isFinite(t).toArray()).toEqual([false, false, false, true]);
    expect(fx.isNaN(t).dtype).toBe("bool");
  });

  it("sigmoid does not overflow for large magnitudes", () => {
    expect(fx.sigmoid(f64([-1000, 1000])).toArray()).toEqual([0, 1]);
  });

  it("float32 results are rounded to float32", () => {
    expect(fx.exp(fx.tensor([1])).item()).toBe(Math.fround(Math.E));
  });

  it("float ops convert int input to float32; numeric ops keep int32", () => {
    const i = fx.tensor([1, 4], { dtype: "int32" });
    expect(fx.sqrt(i).dtype).toBe("float32");
    expect(fx.sqrt(i).toArray()).toEqual([1, 2]);
    expect(fx.abs(fx.tensor([-3], { dtype: "int32" })).dtype).toBe("int32");
    expect(fx.square(i).toArray()).toEqual([1, 16]);
  });

  it("methods chain", () => {
    expect(f64([1, 4]).sqrt().neg().toArray()).toEqual([-1, -2]);
  });
});

describe("binary arithmetic", () => {
  const a = [1.5, -2, 3, 0.25];
  const b = [0.5, 4, -3, 2];
  const cases: [string, (x: fx.TensorLike, y: fx.TensorLike) => fx.Tensor, (x: number, y: number) => number][] = [
    ["add", fx.add, (x, y) => x + y],
    ["sub", fx.sub, (x, y) => x - y],
    ["mul", fx.mul, (x, y) => x * y],
    ["div", fx.div, (x, y) => x / y],
    ["pow", fx.pow, (x, y) => Math.pow(x, y)],
    ["maximum", fx.maximum, Math.max],
    ["minimum", fx.minimum, Math.min],
  ];
  for (const [name, op, ref] of cases) {
    it(`${name} is exact in float64, with a JS number on either side`, () => {
      expect(Array.from(op(f64(a), f64(b)).data())).toEqual(a.map((v, i) => ref(v, b[i]!)));
      expect(Array.from(op(f64(a), 2).data())).toEqual(a.map((v) => ref(v, 2)));
      expect(Array.from(op(3, f64(b)).data())).toEqual(b.map((v) => ref(3, v)));
      expect(op(3, f64(b)).dtype).toBe("float64");
    });
  }

  it("maximum and minimum propagate NaN", () => {
    expect(fx.maximum(f64([NaN, 1]), f64([1, NaN])).toArray()).toEqual([NaN, NaN]);
    expect(fx.minimum(f64([NaN, 1]), 0).toArray()).toEqual([NaN, 0]);
  });

  it("int32 arithmetic stays int32; division gives float32", () => {
    const i = fx.tensor([7, -7], { dtype: "int32" });
    expect(fx.add(i, 1).dtype).toBe("int32");
    expect(fx.mul(i, i).toArray()).toEqual([49, 49]);
    const q = fx.div(i, 2);
    expect(q.dtype).toBe("float32");
    expect(q.toArray()).toEqual([3.5, -3.5]);
  });

  it("a JS number takes the tensor's dtype only when nothing is lost (weak types)", () => {
    const i = fx.tensor([1], { dtype: "int32" });
    expect(fx.add(i, 2).dtype).toBe("int32");
    expect(fx.add(i, 2.7).dtype).toBe("float32"); // a fraction promotes int32, it is not truncated
    expect(fx.add(i, 2.7).item()).toBe(Math.fround(1 + Math.fround(2.7)));
    expect(fx.add(fx.tensor([1]), 0.1).item()).toBe(Math.fround(1 + Math.fround(0.1)));
  });
});

describe("dtype promotion", () => {
  const b = fx.tensor([true]);
  const i = fx.tensor([1], { dtype: "int32" });
  const f = fx.tensor([1]);
  const d = f64([1]);
  it("follows bool < int32 < float32 < float64", () => {
    expect(fx.add(i, f).dtype).toBe("float32");
    expect(fx.add(f, d).dtype).toBe("float64");
    expect(fx.add(i, d).dtype).toBe("float64");
    expect(fx.maximum(i, i).dtype).toBe("int32");
    expect(fx.equal(b, i).dtype).toBe("bool");
  });
  it("rejects bool in arithmetic with a hint to cast", () => {
    expect(() => fx.add(b, b)).toThrow(/add: bool operands are not supported; cast them first/);
    expect(() => fx.neg(b)).toThrow(fx.DTypeError);
  });
});

describe("broadcasting", () => {
  it("broadcasts like NumPy", () => {
    const col = fx.tensor([[1], [2]]);
    const row = fx.tensor([10, 20, 30]);
    expect(fx.add(col, row).toArray()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(fx.mul(fx.ones([2, 1, 3]), fx.ones([4, 1])).shape).toEqual([2, 4, 3]);
    expect(fx.add(fx.zeros([0, 3]), fx.ones([3])).shape).toEqual([0, 3]);
  });
  it("rejects incompatible shapes naming both shapes", () => {
    expect(() => fx.add(fx.ones([2, 3]), fx.ones([4]))).toThrow(fx.ShapeError);
    expect(() => fx.add(fx.ones([2, 3]), fx.ones([4]))).toThrow(/add: shapes \[2,3\] and \[4\] cannot be broadcast together/);
  });
});

describe("comparisons and logic", () => {
  const a = f64([1, 2, 3, NaN]);
  const b = f64([2, 2, 2, NaN]);
  it("compare elementwise into bool", () => {
    expect(fx.equal(a, b).toArray()).toEqual([false, true, false, false]);
    expect(fx.notEqual(a, b).toArray()).toEqual([true, false, true, true]);
    expect(fx.less(a, b).toArray()).toEqual([true, false, false, false]);
    expect(fx.lessEqual(a, b).toArray()).toEqual([true, true, false, false]);
    expect(fx.greater(a, b).toArray()).toEqual([false, false, true, false]);
    expect(fx.greaterEqual(a, b).toArray()).toEqual([false, true, true, false]);
    expect(fx.greater(a, 1.5).toArray()).toEqual([false, true, true, false]);
    expect(fx.less(2, a).dtype).toBe("bool");
  });
  it("logical ops on bools", () => {
    const p = fx.tensor([true, true, false, false]);
    const q = fx.tensor([true, false, true, false]);
    expect(fx.logicalAnd(p, q).toArray()).toEqual([true, false, false, false]);
    expect(fx.logicalOr(p, q).toArray()).toEqual([true, true, true, false]);
    expect(fx.logicalNot(p).toArray()).toEqual([false, false, true, true]);
    expect(fx.logicalAnd(p, true).toArray()).toEqual([true, true, false, false]);
    expect(() => fx.logicalAnd(fx.tensor([1]), p)).toThrow(/logicalAnd: expects bool operands, got float32/);
  });
});

describe("where and cast", () => {
  it("where picks and broadcasts all three operands", () => {
    const c = fx.tensor([[true], [false]]);
    expect(fx.where(c, fx.tensor([1, 2]), 0).toArray()).toEqual([[1, 2], [0, 0]]);
    expect(fx.where(fx.tensor([true, false]), 1, 2).toArray()).toEqual([1, 2]);
    expect(fx.where(fx.tensor([true]), f64([1]), fx.tensor([2])).dtype).toBe("float64");
  });
  it("where requires a bool condition", () => {
    expect(() => fx.where(fx.tensor([1]), 1, 2)).toThrow(/where: condition must be bool, got float32/);
  });
  it("cast converts between all dtypes", () => {
    const t = f64([-1.7, 0, 2.5, NaN]);
    expect(fx.cast(t, "int32").toArray()).toEqual([-1, 0, 2, 0]);
    expect(fx.cast(t, "bool").toArray()).toEqual([true, false, true, true]);
    expect(fx.cast(fx.tensor([true, false]), "float32").toArray()).toEqual([1, 0]);
    expect(fx.cast(f64([0.1]), "float32").item()).toBe(Math.fround(0.1));
    expect(t.cast("float64")).toBe(t);
    expect(() => fx.cast(t, "uint8" as fx.DType)).toThrow(/cast: unknown dtype "uint8"/);
  });
});
