import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { checkAllDerivatives, mismatch } from "../props/gradcheck.js";
import { ACTIVATIONS, erfcRef, expectJitIdentical, sigmoidRef, valuesOf } from "./nn-reference.js";

const f64 = (data: number[] | number[][], shape?: number[]) => fx.tensor(data as number[], { dtype: "float64", ...(shape ? { shape } : {}) });

/** Whether `actual` is within rtol·|expected| (plus a tiny atol for zeros) of `expected`, elementwise. */
function expectClose(actual: readonly number[], expected: readonly number[], rtol: number, atol = 1e-300): void {
  const m = mismatch(actual, expected, { rtol, atol });
  expect(m).toBeNull();
}

const GRID = [-1e4, -50, -20, -6.5, -3, -1.25, -1, -0.5, -1e-3, -0, 0, 1e-3, 0.5, 1, 1.25, 3, 6, 6.5, 20, 50, 1e4];

describe("activations: values against float64 formulas", () => {
  for (const [name, c] of Object.entries(ACTIVATIONS)) {
    it(`${name} matches its formula in float64`, () => {
      const y = valuesOf(c.fn(f64(GRID)));
      expectClose(y, GRID.map(c.f), c.rtol);
    });
  }

  it("gelu (exact) is within 2e-7 relative of x·Φ(x) over [−12, 12] (its derivative within 1e-7), and the erfc reference is sound", () => {
    // The reference's own accuracy, at values known to many digits.
    expectClose([erfcRef(0.5), erfcRef(1), erfcRef(3), erfcRef(5), erfcRef(-1)], [0.4795001221869535, 0.15729920705028513, 2.209049699858544e-5, 1.5374597944280349e-12, 1.8427007929497148], 1e-13);
    const xs = Array.from({ length: 961 }, (_, i) => -12 + i * 0.025);
    const y = valuesOf(fx.nn.gelu(f64(xs)));
    expectClose(y, xs.map(ACTIVATIONS.gelu!.f), 2e-7);
    const g = valuesOf(fx.grad((x: Tensor) => fx.sum(fx.nn.gelu(x)))(f64(xs)));
    // The derivative's error is absolute: ≤ 8.7e-8 measured (mpmath) over this range.
    expectClose(g, xs.map(ACTIVATIONS.gelu!.d), 1e-6, 1e-7);
  });
});

it("gelu's tanh form is ½x(1 + tanh(√(2/π)(x + 0.044715x³))) as written in the literature", () => {
  const xs = Array.from({ length: 61 }, (_, i) => -3 + i * 0.1);
  const c = Math.sqrt(2 / Math.PI);
  const y = valuesOf(fx.nn.gelu(f64(xs), { approximate: true }));
  expectClose(y, xs.map((x) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3)))), 1e-12, 1e-15);
});

describe("activations: derivatives", () => {
  for (const [name, c] of Object.entries(ACTIVATIONS)) {
    it(`${name}: grad matches the analytic derivative (kinks by convention) in float64`, () => {
      const g = valuesOf(fx.grad((x: Tensor) => fx.sum(c.fn(x)))(f64(GRID)));
      expectClose(g, GRID.map(c.d), Math.max(c.rtol * 100, 1e-13), 1e-15);
    });

    it(`${name}: vjp, jvp and second order agree with central finite differences (float64, away from kinks)`, () => {
      const xs = [-4.3, -2.1, -1.3, -0.7, -0.31, 0.27, 0.66, 1.4, 2.2, 4.9, 5.7, 7.1].filter((x) => c.kinks.every((k) => Math.abs(x - k) > 0.05));
      checkAllDerivatives(c.fn, [f64(xs)], 7, { rtol: 1e-6, atol: 1e-8 }, name);
    });
  }

  it("kink conventions: relu'(0) = 0, relu6' = 0 at 0 and 6, hardTanh' = 0 at ±1, leakyRelu'(0) = α, elu'(0) = α", () => {
    const d = (f: (x: Tensor) => Tensor, xs: number[]) => valuesOf(fx.grad((x: Tensor) => fx.sum(f(x)))(fx.tensor(xs)));
    expect(d(fx.nn.relu, [0, -0])).toEqual([0, 0]);
    expect(d(fx.nn.relu6, [0, 6])).toEqual([0, 0]);
    expect(d((x) => fx.nn.hardTanh(x), [-1, 1])).toEqual([0, 0]);
    expect(d((x) => fx.nn.hardTanh(x, -2, 3), [-2, 3, 2.5])).toEqual([0, 0, 1]);
    expect(d((x) => fx.nn.leakyRelu(x, 0.25), [0])).toEqual([0.25]);
    expect(d((x) => fx.nn.elu(x, 0.5), [0])).toEqual([0.5]);
    expect(d(fx.nn.softplus, [0])).toEqual([0.5]);
    expect(d(fx.nn.softsign, [0])).toEqual([1]);
    expect(d((x) => fx.nn.gelu(x), [0])[0]).toBeCloseTo(0.5, 7);
  });

  it("prelu: gradient to x and to α (slope per channel, broadcast)", () => {
    const x = f64([[-2, 3], [1, -0.5]]);
    const alpha = f64([0.1, 0.3]);
    const y = valuesOf(fx.nn.prelu(x, alpha));
    expect(y).toEqual([-0.2, 3, 1, -0.15]);
    const [gx, ga] = fx.grad((a: Tensor, b: Tensor) => fx.sum(fx.nn.prelu(a, b)), { argnums: [0, 1] })(x, alpha) as Tensor[];
    expect(valuesOf(gx!)).toEqual([0.1, 1, 1, 0.3]);
    expect(valuesOf(ga!)).toEqual([-2, -0.5]);
    checkAllDerivatives(fx.nn.prelu, [x, alpha], 3, {}, "prelu");
    // A number slope takes x's dtype: float64 keeps 0.1 exactly.
    expect(valuesOf(fx.nn.prelu(f64([-3]), 0.1))).toEqual([-3 * 0.1]);
  });
});

describe("activations: stability and NaN", () => {
  it("sigmoid, softplus, logSigmoid, silu and gelu are finite with finite gradients at ±1e4 and beyond in float32", () => {
    const x = fx.tensor([-3e38, -1e30, -1e4, -100, 100, 1e4, 1e30, 3e38]);
    for (const [name, f] of Object.entries({
      sigmoid: fx.nn.sigmoid, softplus: fx.nn.softplus, logSigmoid: fx.nn.logSigmoid, elu: (v: Tensor) => fx.nn.elu(v), selu: fx.nn.selu,
      tanh: fx.nn.tanh, relu: fx.nn.relu, softsign: fx.nn.softsign,
    })) {
      const y = valuesOf(f(x));
      const g = valuesOf(fx.grad((v: Tensor) => fx.sum(f(v)))(x));
      expect(y.every(Number.isFinite), `${name}(x) = ${y}`).toBe(true);
      expect(g.every(Number.isFinite), `${name}'(x) = ${g}`).toBe(true);
    }
    expect(valuesOf(fx.nn.softplus(fx.tensor([1e4, -1e4])))).toEqual([1e4, 0]);
    expect(valuesOf(fx.nn.logSigmoid(fx.tensor([1e4, -1e4])))).toEqual([-0, -1e4]);
  });

  it("every activation propagates NaN", () => {
    for (const [name, c] of Object.entries(ACTIVATIONS)) {
      expect(Number.isNaN(valuesOf(c.fn(fx.tensor([NaN])))[0]), name).toBe(true);
    }
  });

  it("softmax and logSoftmax subtract the max: huge logits give exact answers", () => {
    const z = fx.tensor([[1000, 0, -1000], [3e38, 3e38, -3e38]]);
    expect(valuesOf(fx.nn.softmax(z))).toEqual([1, 0, 0, 0.5, 0.5, 0]);
    expect(valuesOf(fx.nn.logSoftmax(z)).slice(0, 3)).toEqual([0, -1000, -2000]);
    // A row of −∞ (everything masked) is NaN, as the formula says; a −∞ entry alone gets probability 0.
    expect(valuesOf(fx.nn.softmax(fx.tensor([-Infinity, 0, 0])))).toEqual([0, 0.5, 0.5]);
    expect(valuesOf(fx.nn.logSoftmax(fx.tensor([-Infinity, 0])))).toEqual([-Infinity, 0]);
  });
});

describe("softmax, logSoftmax, maxout", () => {
  it("softmax and logSoftmax match float64 formulas on any axis", () => {
    const data = [0.3, -1.2, 2.5, 0.7, 4.1, -0.9];
    const x = f64(data, [2, 3]);
    const rowRef = (row: number[]) => {
      const m = Math.max(...row);
      const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      return row.map((v) => [Math.exp(v - m) / s, v - m - Math.log(s)] as const);
    };
    const rows = [rowRef(data.slice(0, 3)), rowRef(data.slice(3))];
    expectClose(valuesOf(fx.nn.softmax(x)), rows.flat().map((p) => p[0]), 1e-15);
    expectClose(valuesOf(fx.nn.logSoftmax(x, { axis: 1 })), rows.flat().map((p) => p[1]), 1e-15);
    const cols = [0, 1, 2].map((j) => rowRef([data[j]!, data[j + 3]!]));
    expectClose(valuesOf(fx.nn.softmax(x, { axis: 0 })), [0, 1].flatMap((i) => cols.map((c) => c[i]![0])), 1e-15);
    expectClose(valuesOf(fx.nn.logSoftmax(x, { axis: -2 })), [0, 1].flatMap((i) => cols.map((c) => c[i]![1])), 1e-15);
  });

  it("softmax and logSoftmax derivatives agree with finite differences", () => {
    const x = f64([0.3, -1.2, 2.5, 0.7, 4.1, -0.9], [2, 3]);
    checkAllDerivatives((v) => fx.nn.softmax(v), [x], 11, {}, "softmax");
    checkAllDerivatives((v) => fx.nn.logSoftmax(v, { axis: 0 }), [x], 12, {}, "logSoftmax");
  });

  it("maxout takes the max of consecutive groups of k along the axis", () => {
    const x = f64([1, 5, 2, 4, 9, 0, 3, 3, 7, -1, 8, 6], [2, 6]);
    expect(valuesOf(fx.nn.maxout(x, 2))).toEqual([5, 4, 9, 3, 7, 8]);
    expect(valuesOf(fx.nn.maxout(x, 3))).toEqual([5, 9, 7, 8]);
    expect(fx.nn.maxout(x, 2, { axis: 0 }).shape).toEqual([1, 6]);
    expect(valuesOf(fx.nn.maxout(x, 2, { axis: 0 }))).toEqual([3, 5, 7, 4, 9, 6]);
    const g = valuesOf(fx.grad((v: Tensor) => fx.sum(fx.nn.maxout(v, 2)))(x));
    expect(g).toEqual([0, 1, 0, 1, 1, 0, 0.5, 0.5, 1, 0, 1, 0]);
    checkAllDerivatives((v) => fx.nn.maxout(v, 3), [f64([1, 5, 2, 4, 9, 0.5], [1, 6])], 5, {}, "maxout");
  });
});

describe("activations: errors", () => {
  it("name the function and the dtype, shape, option or parameter", () => {
    const i32 = fx.tensor([1, 2], { dtype: "int32" });
    expect(() => fx.nn.relu(i32)).toThrow(fx.DTypeError);
    expect(() => fx.nn.gelu(i32)).toThrow(/gelu: expects a float tensor, got int32\[2\]/);
    expect(() => fx.nn.gelu(fx.tensor([1]), { approx: true } as never)).toThrow(/^gelu: unknown option "approx"; did you mean "approximate"\?$/);
    expect(() => fx.nn.gelu(fx.tensor([1]), { approximate: "yes" } as never)).toThrow(/^gelu: approximate: expected true or false, got "yes"$/);
    expect(() => fx.nn.maxout(fx.tensor([[1, 2, 3]]), 2)).toThrow(/maxout: axis 1 of shape \[1,3\] \(length 3\) does not divide into groups of 2/);
    expect(() => fx.nn.maxout(fx.tensor([1, 2]), 0)).toThrow(/maxout: k must be a positive integer, got 0/);
    expect(() => fx.nn.softmax(fx.scalar(1))).toThrow(/softmax: needs at least one axis/);
    expect(() => fx.nn.logSoftmax(fx.tensor([1, 2]), { axis: 1 })).toThrow(fx.FluxionError);
    expect(() => fx.nn.leakyRelu(fx.tensor([1]), NaN)).toThrow(/leakyRelu: alpha must be a finite number, got NaN/);
    expect(() => fx.nn.softmax(fx.tensor([1]), { axis: Symbol("axis") as never })).toThrow(/^softmax: axis: expected an integer, got Symbol\(axis\)$/);
    expect(() => fx.nn.maxout(fx.tensor([1, 2]), Symbol("k") as never)).toThrow(/^maxout: k must be a positive integer, got Symbol\(k\)$/);
    expect(() => fx.nn.hardTanh(fx.tensor([1]), 1, -1)).toThrow(/hardTanh: minValue 1 must be below maxValue -1/);
  });
});

describe("activations under jit", () => {
  const fns: Record<string, (x: Tensor) => Tensor> = {
    ...Object.fromEntries(Object.entries(ACTIVATIONS).map(([k, c]) => [k, c.fn])),
    softmax: (x) => fx.nn.softmax(x),
    logSoftmax: (x) => fx.nn.logSoftmax(x),
    maxout: (x) => fx.nn.maxout(x, 3),
    preluScalar: (x) => fx.nn.prelu(x, 0.1),
  };
  const data = [-1e4, -7.5, -2.25, -1, -0.3, -0, 0, 0.3, 1, 2.25, 7.5, 1e4, NaN, Infinity, -Infinity];
  for (const [name, f] of Object.entries(fns)) {
    it(`${name}: jit ≡ eager bit for bit, values and gradients (float64)`, () => {
      const x = f64(data.slice(0, 12));
      expectJitIdentical(f, x);
      expectJitIdentical((v) => fx.grad((u: Tensor) => fx.sum(f(u)))(v), x);
    });
    it(`${name}: jit ≡ eager bit for bit (float32, with NaN and ±Inf)`, () => {
      const x = fx.tensor(name === "maxout" ? data.slice(0, 15) : data);
      expectJitIdentical(f, x);
      expectJitIdentical((v) => fx.grad((u: Tensor) => fx.sum(f(u)))(v), fx.tensor(data.slice(0, 12)));
    });
  }
});

it("sigmoid reference sanity: σ(x) + σ(−x) = 1", () => {
  for (const x of [-30, -1, 0, 2, 40]) expect(sigmoidRef(x) + sigmoidRef(-x)).toBeCloseTo(1, 15);
});
