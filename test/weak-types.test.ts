// Weak types (JAX's weak_type): a JS number next to a tensor takes the tensor's dtype only when
// that loses nothing of its kind, and the same rule holds eagerly, under jit, grad and trace,
// where a number argument becomes a weak tensor. Results are compared bit for bit (Object.is).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runs } from "../props/runs.js";
import * as fx from "../src/index.js";
import type { DType, Tensor } from "../src/index.js";

const i32 = (v: readonly number[]) => fx.tensor(v, { dtype: "int32" });
const f64 = (v: readonly number[]) => fx.tensor(v, { dtype: "float64" });

/** Same dtype, shape and bits (Object.is per element). */
function expectSame(a: Tensor, b: Tensor): void {
  expect(a.dtype).toBe(b.dtype);
  expect(a.shape).toEqual(b.shape);
  const x = Array.from(a.data());
  const y = Array.from(b.data());
  x.forEach((v, i) => expect(Object.is(v, y[i]), `element ${i}: ${v} vs ${y[i]}`).toBe(true));
}

describe("eager: a number takes the tensor's dtype only when nothing of its kind is lost", () => {
  it("the issue's repros", () => {
    expect(fx.equal(i32([1, 2, 3]), 1.5).toArray()).toEqual([false, false, false]);
    expect(fx.less(i32([1, 2, 3]), 1.5).toArray()).toEqual([true, false, false]);
    const s = fx.add(i32([1, 2, 3]), 0.5);
    expect(s.dtype).toBe("float32");
    expect(s.toArray()).toEqual([1.5, 2.5, 3.5]);
    const w = fx.where(fx.tensor([true, false]), i32([1, 2]), 0.5);
    expect(w.dtype).toBe("float32");
    expect(w.toArray()).toEqual([1, 0.5]);
  });

  // [tensor dtype, number, result dtype of add/where]
  const table: [DType, number | boolean, DType][] = [
    ["int32", 2, "int32"],
    ["int32", -7, "int32"],
    ["int32", 2 ** 31 - 1, "int32"],
    ["int32", -(2 ** 31), "int32"],
    ["int32", 2 ** 31, "float32"],
    ["int32", 2.5, "float32"],
    ["int32", -0, "float32"], // −0 is no integer value: a weak float
    ["int32", NaN, "float32"],
    ["int32", Infinity, "float32"],
    ["int32", true, "int32"],
    ["float32", 2, "float32"],
    ["float32", 0.1, "float32"],
    ["float64", 2, "float64"],
    ["float64", 0.1, "float64"],
    ["bool", 2, "int32"],
    ["bool", 0.5, "float32"],
    ["bool", true, "bool"],
  ];
  for (const [dtype, v, expected] of table) {
    it(`${dtype} with ${Object.is(v, -0) ? "-0" : String(v)} → ${expected}`, () => {
      const x = fx.tensor([1, 0], { dtype });
      expect(fx.where(fx.tensor([true, false]), x, v).dtype).toBe(expected);
      expect(fx.where(fx.tensor([true, false]), v, x).dtype).toBe(expected);
      if (dtype !== "bool" && typeof v === "number") {
        expect(fx.add(x, v).dtype).toBe(expected);
        expect(fx.sub(v, x).dtype).toBe(expected);
      }
      expect(fx.equal(x, v).dtype).toBe("bool");
    });
  }

  it("a weak float keeps full precision next to float64", () => {
    expect(Object.is(fx.add(f64([0]), 0.1).item(), 0.1)).toBe(true);
    expect(Object.is(fx.mul(f64([0.1]), 0.1).item(), 0.1 * 0.1)).toBe(true);
    expect(Object.is(fx.cast(0.1, "float64").item(), 0.1)).toBe(true);
  });

  it("numbers only give float32; JS booleans give bool", () => {
    expect(fx.add(1, 2).dtype).toBe("float32");
    expect(fx.logicalAnd(true, false).dtype).toBe("bool");
    expect(fx.where(true, 1, 2).dtype).toBe("float32");
  });

  it("comparisons, maximum, minimum and pow promote too", () => {
    const x = i32([0, 1, 2]);
    expect(fx.greaterEqual(x, 0.5).toArray()).toEqual([false, true, true]);
    expect(fx.notEqual(x, 1.5).toArray()).toEqual([true, true, true]);
    expect(fx.maximum(x, 0.5).toArray()).toEqual([0.5, 1, 2]);
    expect(fx.minimum(x, 1.5).toArray()).toEqual([0, 1, 1.5]);
    expect(fx.mul(x, 0.5).toArray()).toEqual([0, 0.5, 1]);
    expect(fx.maximum(x, 1).dtype).toBe("int32");
    expect(fx.pow(x, 2).dtype).toBe("float32");
    expect(Object.is(fx.pow(f64([3]), 0.1).item(), Math.pow(3, 0.1))).toBe(true);
  });

  it("pad values follow the same rule", () => {
    const p = fx.pad(i32([1, 2]), 1, { value: 0.5 });
    expect(p.dtype).toBe("float32");
    expect(p.toArray()).toEqual([0.5, 1, 2, 0.5]);
    expect(fx.pad(i32([1, 2]), 1, { value: 7 }).dtype).toBe("int32");
    expect(fx.pad(fx.tensor([true]), 1).dtype).toBe("bool"); // the default fill is x's own zero
    expect(Object.is((fx.pad(f64([1]), 1, { value: 0.1 }).toArray() as number[])[0], 0.1)).toBe(true);
  });

  it("reduction composites mix numbers by the same rule", () => {
    expect(Object.is(fx.mean(f64([0.1, 0.2, 0.4])).item(), (0.1 + 0.2 + 0.4) / 3)).toBe(true);
  });
});

describe("number arguments of jit, grad and trace are weak", () => {
  const cases: [string, (x: Tensor, s: Tensor | number) => Tensor, Tensor, number][] = [
    ["add int32 + 2.5", (x, s) => fx.add(x, s), i32([1, 2, 3]), 2.5],
    ["add int32 + 2", (x, s) => fx.add(x, s), i32([1, 2, 3]), 2],
    ["equal int32 == 1.5", (x, s) => fx.equal(x, s), i32([1, 2, 3]), 1.5],
    ["less int32 < 1.5", (x, s) => fx.less(x, s), i32([1, 2, 3]), 1.5],
    ["where int32 / 0.5", (x, s) => fx.where(fx.greater(x, 1), x, s), i32([1, 2, 3]), 0.5],
    ["mul float64 · 0.1", (x, s) => fx.mul(x, s), f64([0.1, 3]), 0.1],
    ["mul float32 · 0.1", (x, s) => fx.mul(x, s), fx.tensor([0.1, 3]), 0.1],
    ["sub float32 − NaN", (x, s) => fx.sub(x, s), fx.tensor([0.1, 3]), NaN],
    ["add float32 + −0", (x, s) => fx.add(x, s), fx.tensor([-0, 3]), -0],
    ["add int32 + 2^31", (x, s) => fx.add(x, s), i32([1, -5]), 2 ** 31],
    ["numbers only: neg(s) · x", (x, s) => fx.mul(fx.neg(s), x), f64([1, 2]), 0.1],
    ["bool with int", (x, s) => fx.add(fx.greater(x, 1), s), i32([1, 2, 3]), 3],
    ["cast of a weak float", (x, s) => fx.add(x, fx.cast(s, "float64")), f64([1]), 0.1],
  ];
  for (const [name, f, x, s] of cases) {
    it(`${name}: jit, trace and grad's value equal eager bit for bit`, () => {
      const eager = f(x, s as unknown as Tensor);
      const jitted = fx.jit(f) as unknown as (x: Tensor, s: number) => Tensor;
      expectSame(jitted(x, s), eager);
      const program = fx.trace(f)(x, s);
      expectSame(fx.evalProgram(program, [x, fx.tensor(s, { dtype: program.inputs[1]!.dtype })])[0]!, eager);
      // Under grad, s is not differentiated (z is), so it stays a weak number of its own kind.
      const g = (z: Tensor, a: Tensor, b: Tensor | number) => fx.add(fx.mul(z, 0), fx.sum(fx.cast(f(a, b), "float64")));
      const [value] = fx.valueAndGrad(g)(fx.scalar(1, "float64"), x, s);
      expectSame(value, g(fx.scalar(1, "float64"), x, s as unknown as Tensor));
    });
  }

  it("the issue's precision repro: float64 0.1 · 0.1 under jit and grad", () => {
    const f = (x: Tensor, s: Tensor | number) => fx.sum(fx.mul(x, s));
    const x = f64([0.1]);
    expect(f(x, 0.1 as unknown as Tensor).item()).toBe(0.010000000000000002);
    expect((fx.jit(f) as unknown as (x: Tensor, s: number) => Tensor)(x, 0.1).item()).toBe(0.010000000000000002);
    const [v, g] = fx.valueAndGrad(f)(x, 0.1);
    expect(v.item()).toBe(0.010000000000000002);
    expect(Object.is(g.item(), 0.1)).toBe(true);
  });

  it("the abstract value is weak: int32 storage for a weak int, float64 for a weak float", () => {
    const p = fx.trace((x: Tensor, a: number, b: number) => fx.add(fx.add(x, a), b))(fx.ones([2]), 3, 0.5);
    expect(p.inputs.map((v) => [v.dtype, v.weak])).toEqual([
      ["float32", false],
      ["int32", true],
      ["float64", true],
    ]);
    expect(String(p)).toContain("; a:f32[2] b:i32[]{weak} c:f64[]{weak}. let");
  });

  it("the jit cache key tells a weak int from a weak float and from a tensor", () => {
    const f = fx.jit((x: Tensor, s: Tensor | number) => fx.add(x, s)) as unknown as (x: Tensor, s: number | Tensor) => Tensor;
    const x = i32([1, 2]);
    expect(f(x, 2).toArray()).toEqual([3, 4]);
    expect(f(x, 2).dtype).toBe("int32");
    expect(f(x, 2.5).toArray()).toEqual([3.5, 4.5]);
    expect(f(x, 3).toArray()).toEqual([4, 5]);
    expect(f(x, fx.scalar(3, "int32")).dtype).toBe("int32");
    expect(f(x, fx.scalar(3, "float64")).dtype).toBe("float64"); // a strong float64 tensor promotes
    expect((f as unknown as fx.Jitted<() => void>).cacheSize).toBe(4);
  });

  it("a differentiated number is a weak float and its gradient a float32 scalar", () => {
    const g = fx.grad((s: Tensor | number) => fx.mul(s, s))(3);
    expect(g.dtype).toBe("float32");
    expect(g.shape).toEqual([]);
    expect(g.item()).toBe(6);
    const h = fx.grad((x: Tensor, s: Tensor | number) => fx.sum(fx.mul(x, s)), { argnums: 1 })(f64([0.1, 0.2]), 2);
    expect(h.dtype).toBe("float32");
    expect(h.item()).toBe(Math.fround(0.1 + 0.2));
    const [, vj] = fx.vjp((s: Tensor | number) => fx.mul(s, 2), 1.5);
    const [ct] = vj(fx.scalar(1));
    expect((ct as Tensor).dtype).toBe("float32");
    expect((ct as Tensor).item()).toBe(2);
    const [out, tan] = fx.jvp((s: Tensor | number) => fx.mul(s, s), [1.5], [1]);
    expect(out.item()).toBe(2.25);
    expect(tan.item()).toBe(3);
    const [, tan32] = fx.jvp((s: Tensor | number) => fx.mul(s, s), [1.5], [fx.scalar(1)]); // a float32 tangent for a number primal
    expect(tan32.item()).toBe(3);
  });

  it("undifferentiated numbers stay weak under grad (int32 stays int32)", () => {
    const f = (x: Tensor, k: number) => fx.sum(fx.mul(x, fx.cast(fx.add(fx.arange(2), k), "float32")));
    const g = fx.grad(f)(fx.tensor([1, 1]), 3);
    expect(g.toArray()).toEqual([3, 4]);
  });

  it("jit of grad and grad of jit agree with eager grad bit for bit", () => {
    const f = (x: Tensor, s: Tensor | number) => fx.sum(fx.mul(fx.exp(fx.mul(x, s)), s));
    const x = f64([0.1, 0.7]);
    const eager = fx.grad(f)(x, 0.3);
    expectSame((fx.jit(fx.grad(f)) as unknown as (x: Tensor, s: number) => Tensor)(x, 0.3), eager);
    expectSame(fx.grad(fx.jit(f))(x, 0.3), eager);
  });
});

describe("hessian and nested transforms of a number", () => {
  it("hessian of s³ at 2 is a float32 12", () => {
    const h = fx.hessian((s: Tensor | number) => fx.mul(fx.mul(s, s), s))(2);
    expect(h.dtype).toBe("float32");
    expect(h.item()).toBe(12);
  });

  it("grad of grad at a number agrees with a float32 tensor argument", () => {
    const f = (s: Tensor | number) => fx.sin(fx.mul(s, 3));
    const viaNumber = fx.grad(fx.grad(f))(0.5);
    const viaTensor = fx.grad(fx.grad(f))(fx.scalar(0.5));
    expectSame(viaNumber, viaTensor);
  });
});

// Every statement of docs/sharp-bits.md, run as written there.
describe("docs/sharp-bits.md", () => {
  const x = fx.tensor([1, 2]);
  type F = (...args: any[]) => any;
  const jit = (f: F, o?: fx.JitOptions) => fx.jit(f, o) as fx.Jitted<F>;

  it("a number captured in a closure is fixed at trace time; an argument is not", () => {
    let scale = 2;
    const f = jit((x: Tensor) => fx.mul(x, scale));
    expect(f(x).toArray()).toEqual([2, 4]);
    scale = 3;
    expect(f(x).toArray()).toEqual([2, 4]);
    expect(jit((x: Tensor, s: Tensor | number) => fx.mul(x, s))(x, 3).toArray()).toEqual([3, 6]);
  });

  it("a tensor is truthy, eagerly and under jit; where selects by value; JS comparison of a tracer throws", () => {
    expect(fx.scalar(false) ? "taken" : "not taken").toBe("taken");
    expect(jit((x: Tensor, flag: Tensor) => (flag ? fx.neg(x) : x))(x, fx.scalar(false)).toArray()).toEqual([-1, -2]);
    expect(jit((x: Tensor, flag: Tensor) => fx.where(flag, fx.neg(x), x))(x, fx.scalar(false)).toArray()).toEqual([1, 2]);
    expect(() => jit((x: Tensor) => ((fx.sum(x) as unknown as number) > 0 ? x : fx.neg(x)))(x)).toThrow(fx.TracerError);
    expect(() => jit((x: Tensor) => fx.mul(x, x.sum().item()))(x)).toThrow(fx.TracerError);
  });

  it("booleans are static: one compilation per value", () => {
    const h = jit((x: Tensor, training: boolean) => (training ? fx.mul(x, 0.5) : x));
    h(x, true);
    h(x, false);
    expect(h.cacheSize).toBe(2);
  });

  it("number arguments are tracers: JS arithmetic or plain-number parameters throw; staticArgnums fixes it", () => {
    expect(() => jit((x: Tensor, s: number) => fx.mul(x, s * 2))(x, 3)).toThrow(fx.TracerError);
    expect(() => jit((x: Tensor, n: number) => fx.add(x, fx.full([2], n)))(x, 3)).toThrow(fx.TracerError);
    expect(jit((x: Tensor, n: number) => fx.add(x, fx.full([2], n)), { staticArgnums: 1 })(x, 3).toArray()).toEqual([4, 5]);
  });

  it("weak-type promotion", () => {
    const i = fx.tensor([1, 2, 3], { dtype: "int32" });
    const check = (t: Tensor, dtype: DType, values: unknown) => {
      expect(t.dtype).toBe(dtype);
      expect(t.toArray()).toEqual(values);
    };
    check(fx.add(i, 2), "int32", [3, 4, 5]);
    check(fx.add(i, 2.5), "float32", [3.5, 4.5, 5.5]);
    check(fx.add(i, -0), "float32", [1, 2, 3]);
    check(fx.add(fx.tensor([true, false]), 1), "int32", [2, 1]);
    check(fx.add(1, 2), "float32", 3);
    check(fx.grad((s: Tensor | number) => fx.mul(s, s))(3), "float32", 6);
    check(fx.add(fx.tensor([2147483647], { dtype: "int32" }), 1), "int32", [-2147483648]);
  });

  it("tensors are immutable and data() is a copy", () => {
    const d = x.data();
    d[0] = 100;
    expect(x.toArray()).toEqual([1, 2]);
    const y = x.add(1);
    expect(y).not.toBe(x);
    expect(x.toArray()).toEqual([1, 2]);
  });

  it("a jitted function returns tensors where f returns numbers", () => {
    const seven = jit(() => 7)();
    expect([seven.dtype, seven.item()]).toEqual(["float32", 7]);
    const two = jit((s: Tensor | number) => s)(2);
    expect([two.dtype, two.item()]).toEqual(["float32", 2]);
  });

  it("pytree leaves come in sorted-key order", () => {
    expect(fx.tree.leaves({ b: 1, a: 2 })).toEqual([2, 1]);
  });

  it("a traced value must not escape its transform", () => {
    let leaked: Tensor | undefined;
    jit((x: Tensor) => {
      leaked = fx.exp(x);
      return x;
    })(x);
    expect(() => fx.add(leaked!, 1)).toThrow(/escaped the trace that made it/);
  });
});

describe("property: a number beside a tensor gives the same bits eagerly, under jit, trace and grad", () => {
  const corners = [0, -0, 1, -1, 2, 7, 0.1, 0.3, 0.5, 2.5, 1e-30, 1e300, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 16777217];
  const ops: [string, (a: Tensor | number, b: Tensor | number) => Tensor][] = [
    ["add", fx.add],
    ["sub", fx.sub],
    ["mul", fx.mul],
    ["div", fx.div],
    ["pow", fx.pow],
    ["maximum", fx.maximum],
    ["minimum", fx.minimum],
    ["equal", fx.equal],
    ["less", fx.less],
    ["greaterEqual", fx.greaterEqual],
    ["where", (a, b) => fx.where(fx.tensor([true, false, true]), a, b)],
  ];
  const dtypes: DType[] = ["int32", "float32", "float64", "bool"];
  const inputs: Record<DType, readonly number[]> = {
    int32: [-3, 0, 2147483647],
    float32: [-0, 0.1, NaN],
    float64: [0.1, -1e300, Infinity],
    bool: [1, 0, 1],
  };
  const arith = new Set(["add", "sub", "mul", "div", "pow", "maximum", "minimum"]);

  it("holds for every op, dtype, corner number and operand order", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ops), fc.constantFrom(...dtypes), fc.constantFrom(...corners), fc.boolean(), ([name, op], dtype, v, numberFirst) => {
        if (dtype === "bool" && arith.has(name)) return; // arithmetic rejects bool operands
        const x = fx.tensor([...inputs[dtype]], { dtype });
        const f = (a: Tensor, s: Tensor | number) => (numberFirst ? op(s, a) : op(a, s));
        const eager = f(x, v as unknown as Tensor);
        expectSame((fx.jit(f) as unknown as (a: Tensor, s: number) => Tensor)(x, v), eager);
        const program = fx.trace(f)(x, v);
        expect(program.inputs[1]!.weak).toBe(true);
        const weakArg = fx.tensor([v], { dtype: program.inputs[1]!.dtype, shape: [] });
        expectSame(fx.evalProgram(program, [x, weakArg])[0]!, eager);
        const g = (z: Tensor, a: Tensor, s: Tensor | number) => fx.add(fx.mul(z, 0), fx.sum(fx.cast(f(a, s), "float64")));
        const [value] = fx.valueAndGrad(g)(fx.scalar(1, "float64"), x, v);
        expectSame(value, g(fx.scalar(1, "float64"), x, v as unknown as Tensor));
      }),
      runs(150),
    );
  });
});

describe("weak values inside nested transforms", () => {
  it("an outer weak tracer captured by an inner transform: a valid program and the right float32 gradient", () => {
    const x = f64([0.5, 2]);
    const inner = (s: Tensor | number) => (w: Tensor) => fx.sum(fx.mul(fx.add(w, s), fx.add(w, s)));
    const outer = (s: Tensor | number) => fx.sum(fx.grad(inner(s))(x));
    const program = fx.trace(fx.grad(outer))(0.25);
    fx.verifyProgram(program);
    expect(String(program)).toContain("a:f64[]{weak}");
    // d/ds Σ 2(w + s) = 2n, as a float32 scalar (a differentiated number).
    const g = fx.grad(outer)(0.25);
    expect(g.dtype).toBe("float32");
    expect(g.item()).toBe(4);
    const p2 = fx.trace((s: Tensor | number) => fx.grad(inner(s))(x))(0.25);
    expect(p2.constants.map((c) => c.value)).toEqual([x]); // only the closure tensor; s is the input
  });
});
