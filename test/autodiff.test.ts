// The autodiff API's behaviour: argnums, hasAux, pytree arguments and results, valueAndGrad,
// vjp/jvp/jacobian/hessian shapes and structure, stopGradient, nested transforms, the errors,
// and the conventions at kinks (documented in docs/autodiff.md).

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/index.js";

const f64 = (data: unknown) => fx.tensor(data as number[], { dtype: "float64" });
const arr = (t: unknown) => (t as Tensor).toArray();

describe("grad and valueAndGrad", () => {
  it("differentiates w.r.t. argument 0 by default", () => {
    const f = (x: Tensor, y: Tensor) => fx.sum(fx.mul(fx.square(x), y));
    const g = fx.grad(f)(f64([1, 2]), f64([3, 4]));
    expect(g.dtype).toBe("float64");
    expect(arr(g)).toEqual([6, 16]); // 2·x·y
  });

  it("argnums: a number gives one gradient, an array gives an array of gradients", () => {
    const f = (x: Tensor, y: Tensor, z: Tensor) => fx.sum(fx.mul(fx.mul(x, y), z));
    const [x, y, z] = [f64([1, 2]), f64([3, 4]), f64([5, 6])];
    expect(arr(fx.grad(f, { argnums: 1 })(x, y, z))).toEqual([5, 12]);
    const gs = fx.grad(f, { argnums: [2, 0] })(x, y, z) as Tensor[];
    expect(gs).toHaveLength(2);
    expect(arr(gs[0])).toEqual([3, 8]); // ∂/∂z = x·y
    expect(arr(gs[1])).toEqual([15, 24]); // ∂/∂x = y·z
    expect((fx.grad(f, { argnums: [1] })(x, y, z) as Tensor[]).map(arr)).toEqual([[5, 12]]);
  });

  it("hasAux: f returns [value, aux]; grad gives [grads, aux] and aux is not differentiated", () => {
    const f = (x: Tensor) => {
      const y = fx.square(x);
      return [fx.sum(y), { y, n: fx.max(x) }] as const;
    };
    const [g, aux] = fx.grad(f, { hasAux: true })(f64([1, -3]));
    expect(arr(g)).toEqual([2, -6]);
    expect(arr(aux.y)).toEqual([1, 9]);
    expect(arr(aux.n)).toBe(1);
    const [[value, aux2], g2] = fx.valueAndGrad(f, { hasAux: true })(f64([1, -3]));
    expect(arr(value)).toBe(10);
    expect(arr(aux2.y)).toEqual([1, 9]);
    expect(arr(g2)).toEqual([2, -6]);
  });

  it("valueAndGrad returns f's value and the gradient", () => {
    const f = (x: Tensor) => fx.sum(fx.exp(x));
    const x = f64([0, 1]);
    const [v, g] = fx.valueAndGrad(f)(x);
    expect(arr(v)).toBeCloseTo(1 + Math.E, 14);
    expect(arr(g)).toEqual([1, Math.E]);
  });

  it("pytree arguments: gradients come back in the argument's structure", () => {
    const params = { layers: [{ w: f64([[1, 2], [3, 4]]), b: f64([0.5, -0.5]) }, { w: f64([[1], [-1]]) }], scale: f64(2) };
    const x = f64([[1, 1]]);
    const loss = (p: typeof params, xb: Tensor) => {
      const h = fx.add(fx.matmul(xb, p.layers[0]!.w), p.layers[0]!.b!);
      return fx.mul(p.scale, fx.sum(fx.matmul(h, p.layers[1]!.w as Tensor)));
    };
    const g = fx.grad(loss)(params, x) as typeof params;
    expect(Object.keys(g).sort()).toEqual(["layers", "scale"]);
    expect(g.layers).toHaveLength(2);
    expect(Object.keys(g.layers[0]!).sort()).toEqual(["b", "w"]);
    expect(Object.keys(g.layers[1]!)).toEqual(["w"]);
    // h = x W0 + b = [4.5, 5.5]; L = s·(h₀ − h₁) → ∂L/∂b = s·[1, −1], ∂L/∂W0 = s·xᵀ[1, −1], ∂L/∂W1 = s·hᵀ, ∂L/∂s = h₀ − h₁.
    expect(arr(g.layers[0]!.b)).toEqual([2, -2]);
    expect(arr(g.layers[0]!.w)).toEqual([[2, -2], [2, -2]]);
    expect(arr(g.layers[1]!.w)).toEqual([[9], [11]]);
    expect(arr(g.scale)).toBe(-1);
    // Gradients have the leaves' shapes and dtypes.
    expect((g.layers[0]!.w as Tensor).shape).toEqual([2, 2]);
    expect((g.layers[0]!.w as Tensor).dtype).toBe("float64");
  });

  it("pytree arguments with argnums as an array", () => {
    const f = (a: { u: Tensor }, b: [Tensor, Tensor]) => fx.sum(fx.mul(fx.mul(a.u, b[0]), b[1]));
    const [ga, gb] = fx.grad(f, { argnums: [0, 1] })({ u: f64([1, 2]) }, [f64([3, 4]), f64([5, 6])]) as [{ u: Tensor }, Tensor[]];
    expect(arr(ga.u)).toEqual([15, 24]);
    expect(gb.map(arr)).toEqual([[5, 12], [3, 8]]);
  });

  it("an input the output does not depend on gets zeros of its shape and dtype", () => {
    const g = fx.grad((x: Tensor, y: Tensor) => fx.sum(y), { argnums: [0, 1] })(fx.ones([2, 3]), fx.ones([2])) as Tensor[];
    expect(g[0]!.shape).toEqual([2, 3]);
    expect(g[0]!.dtype).toBe("float32");
    expect(arr(g[0])).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(arr(fx.grad((x: Tensor) => fx.scalar(3))(fx.ones([2])))).toEqual([0, 0]);
  });

  it("float32 inputs get float32 gradients; JS numbers are float32 scalars", () => {
    const g = fx.grad((x: Tensor) => fx.sum(fx.square(x)))(fx.tensor([1, 2]));
    expect(g.dtype).toBe("float32");
    expect(arr(g)).toEqual([2, 4]);
    const h = fx.grad((x: Tensor | number) => fx.mul(x, x))(3);
    expect(h.dtype).toBe("float32");
    expect(arr(h)).toBe(6);
  });

  it("JS booleans are static under grad: the branch follows the value; they are never differentiated", () => {
    const f = (x: Tensor, square: boolean) => fx.sum(square ? fx.mul(x, x) : x);
    const x = f64([1, 3]);
    expect(arr(fx.grad(f)(x, true))).toEqual([2, 6]);
    expect(arr(fx.grad(f)(x, false))).toEqual([1, 1]);
    const g = (p: { w: Tensor; on: boolean }) => fx.sum(p.on ? fx.exp(p.w) : p.w);
    expect(() => fx.grad(g)({ w: x, on: true })).toThrow(/grad: cannot differentiate with respect to argument 0 \(leaf 0 is the JS boolean true, which is static\)/);
    expect(arr(fx.grad((w: Tensor, p: { on: boolean }) => g({ w, on: p.on }))(x, { on: false }))).toEqual([1, 1]);
    const [out, vjpFn] = fx.vjp((a: Tensor, neg: boolean) => (neg ? fx.neg(a) : a), x, true);
    expect(arr(out)).toEqual([-1, -3]);
    const [ca, cb] = vjpFn(f64([1, 1]));
    expect(arr(ca)).toEqual([-1, -1]);
    expect(cb).toBeNull();
    const [y, ty] = fx.jvp((a: Tensor, neg: boolean) => (neg ? fx.neg(a) : a), [x, true], [f64([1, 0]), false]); // a static primal's tangent leaf is ignored
    expect(arr(y)).toEqual([-1, -3]);
    expect(arr(ty)).toEqual([-1, -0]);
  });

  it("integer and bool arguments that are not differentiated are allowed", () => {
    const f = (x: Tensor, labels: Tensor, mask: Tensor) => fx.sum(fx.where(mask, fx.mul(x, fx.cast(labels, "float64")), 0));
    const g = fx.grad(f)(f64([1, 1, 1]), fx.tensor([2, 3, 4], { dtype: "int32" }), fx.tensor([true, false, true]));
    expect(arr(g)).toEqual([2, 0, 4]);
  });

  it("a tensor captured from a closure is a constant", () => {
    const w = f64([2, 3]);
    expect(arr(fx.grad((x: Tensor) => fx.sum(fx.mul(x, w)))(f64([1, 1])))).toEqual([2, 3]);
  });

  it("fan-out: a value used several times accumulates all its cotangents", () => {
    // f(x) = x·x + sin(x)·x → f' = 2x + cos(x)·x + sin(x)
    const f = (x: Tensor) => fx.add(fx.mul(x, x), fx.mul(fx.sin(x), x));
    const x = 0.7;
    expect(arr(fx.grad(f)(f64(x)))).toBeCloseTo(2 * x + Math.cos(x) * x + Math.sin(x), 14);
  });
});

describe("vjp, jvp, jacobian, hessian", () => {
  it("vjp: the output keeps its structure; vjpFn gives one cotangent per primal, in its structure", () => {
    const f = (p: { a: Tensor; b: Tensor }, x: Tensor) => ({ s: fx.mul(p.a, x), t: [fx.add(p.b, x)] });
    const [out, vjpFn] = fx.vjp(f, { a: f64([1, 2]), b: f64([3, 4]) }, f64([5, 6]));
    expect(arr(out.s)).toEqual([5, 12]);
    expect(arr(out.t[0])).toEqual([8, 10]);
    const [cp, cx] = vjpFn({ s: f64([1, 1]), t: [f64([10, 100])] }) as [{ a: Tensor; b: Tensor }, Tensor];
    expect(arr(cp.a)).toEqual([5, 6]);
    expect(arr(cp.b)).toEqual([10, 100]);
    expect(arr(cx)).toEqual([11, 102]); // a·1 + 1·ct_t
    // vjpFn can be called again with another cotangent.
    const [cp2] = vjpFn({ s: f64([2, 0]), t: [f64([0, 0])] });
    expect(arr(cp2.a)).toEqual([10, 0]);
  });

  it("vjp gives zeros of the right dtype for integer primals", () => {
    const [, vjpFn] = fx.vjp((x: Tensor, n: Tensor) => fx.mul(x, fx.cast(n, "float64")), f64([1, 2]), fx.tensor([3, 4], { dtype: "int32" }));
    const [cx, cn] = vjpFn(f64([1, 1])) as Tensor[];
    expect(arr(cx)).toEqual([3, 4]);
    expect(cn!.dtype).toBe("int32");
    expect(arr(cn)).toEqual([0, 0]);
  });

  it("vjp rejects a cotangent of the wrong structure, shape or dtype", () => {
    const [, vjpFn] = fx.vjp((x: Tensor) => fx.mul(x, 2), f64([1, 2]));
    expect(() => vjpFn(f64([1, 2, 3]))).toThrow(fx.ShapeError);
    expect(() => vjpFn(f64([1, 2, 3]))).toThrow(/vjp: cotangent 0 must be float64\[2\]/);
    expect(() => vjpFn(fx.tensor([1, 2]))).toThrow(/float64\[2\].*float32\[2\]/);
    // @ts-expect-error the cotangent must have the output's structure
    expect(() => vjpFn([f64([1, 2])])).toThrow(fx.ValueError);
  });

  it("jvp: primals and tangents are arrays of pytrees; the tangent out has the output's structure", () => {
    const f = (p: { a: Tensor }, x: Tensor) => [fx.mul(p.a, x), fx.sum(fx.square(x))];
    const [out, tan] = fx.jvp(f, [{ a: f64([1, 2]) }, f64([3, 4])], [{ a: f64([1, 0]) }, f64([0, 1])]);
    expect(out.map(arr)).toEqual([[3, 8], 25]);
    // d(a·x) = da·x + a·dx = [3, 0] + [0, 2]; d Σx² = 2x·dx = 8
    expect(tan.map(arr)).toEqual([[3, 2], 8]);
  });

  it("jvp rejects tangents of the wrong structure or shape", () => {
    expect(() => fx.jvp((x: Tensor) => x, [f64(1)], [f64([1, 2])])).toThrow(/jvp: tangent 0 must be float64\[\]/);
    // @ts-expect-error tangents must have the primals' structure
    expect(() => fx.jvp((x: Tensor) => x, [f64(1)], [f64(1), f64(1)])).toThrow(fx.ValueError);
  });

  it("jacobian: shape out.shape ++ arg.shape, rows by reverse mode", () => {
    const A = f64([[1, 2, 3], [4, 5, 6]]);
    const J = fx.jacobian((x: Tensor) => fx.matmul(A, x))(f64([1, 1, 1])) as Tensor;
    expect(J.shape).toEqual([2, 3]);
    expect(arr(J)).toEqual(arr(A));
    const J2 = fx.jacobian((x: Tensor) => fx.square(x))(f64([[1, 2], [3, 4]])) as Tensor;
    expect(J2.shape).toEqual([2, 2, 2, 2]);
    expect(arr(fx.reshape(J2, [4, 4]))).toEqual([[2, 0, 0, 0], [0, 4, 0, 0], [0, 0, 6, 0], [0, 0, 0, 8]]);
    const Js = fx.jacobian((x: Tensor) => fx.sum(fx.square(x)))(f64([1, 2])) as Tensor;
    expect(Js.shape).toEqual([2]);
    expect(arr(Js)).toEqual([2, 4]);
  });

  it("jacobian with argnums and pytree arguments", () => {
    const f = (p: { w: Tensor }, x: Tensor) => fx.mul(p.w, x);
    const [jp, jx] = fx.jacobian(f, { argnums: [0, 1] })({ w: f64([2, 3]) }, f64([5, 7])) as [{ w: Tensor }, Tensor];
    expect(jp.w.shape).toEqual([2, 2]);
    expect(arr(jp.w)).toEqual([[5, 0], [0, 7]]);
    expect(arr(jx)).toEqual([[2, 0], [0, 3]]);
  });

  it("hessian: [n, n] for a vector argument; argnums selects the argument", () => {
    const f = (x: Tensor, y: Tensor) => fx.sum(fx.mul(fx.mul(x, x), y));
    const H = fx.hessian(f)(f64([1, 2]), f64([3, 4])) as Tensor;
    expect(arr(H)).toEqual([[6, 0], [0, 8]]);
    const Hy = fx.hessian(f, { argnums: 1 })(f64([1, 2]), f64([3, 4])) as Tensor;
    expect(arr(Hy)).toEqual([[0, 0], [0, 0]]);
  });

  it("hessian takes a list of argnums as jacobian does: the blocks H[a][b]", () => {
    // f = Σ x²·y: ∂²f/∂x² = diag(2y), ∂²f/∂x∂y = diag(2x), ∂²f/∂y² = 0.
    const f = (x: Tensor, y: Tensor) => fx.sum(fx.mul(fx.mul(x, x), y));
    const [[hxx, hxy], [hyx, hyy]] = fx.hessian(f, { argnums: [0, 1] })(f64([1, 2]), f64([3, 4]));
    expect(arr(hxx)).toEqual([[6, 0], [0, 8]]);
    expect(arr(hxy)).toEqual([[2, 0], [0, 4]]);
    expect(arr(hyx)).toEqual([[2, 0], [0, 4]]);
    expect(arr(hyy)).toEqual([[0, 0], [0, 0]]);
    const [[only]] = fx.hessian(f, { argnums: [1] })(f64([1, 2]), f64([3, 4]));
    expect(arr(only)).toEqual([[0, 0], [0, 0]]);
  });

  it("nested transforms keep their perturbations apart", () => {
    // d/dx [x · d/dy (x·y)] = d/dx x² = 2x (no perturbation confusion).
    const inner = (x: Tensor) => fx.grad((y: Tensor) => fx.mul(x, y))(f64(1));
    expect(arr(fx.grad((x: Tensor) => fx.mul(x, inner(x)))(f64(3)))).toBe(6);
    // d/dx [x · d/dy (x + y)] = 1
    expect(arr(fx.grad((x: Tensor) => fx.mul(x, fx.grad((y: Tensor) => fx.add(x, y))(x)))(f64(3)))).toBe(1);
    // jvp of jvp of a closure: d/dx [d/dy x·y] = 1
    const [o, t] = fx.jvp((x: Tensor) => fx.jvp((y: Tensor) => fx.mul(x, y), [f64(2)], [f64(1)])[1], [f64(3)], [f64(1)]);
    expect([arr(o), arr(t)]).toEqual([3, 1]);
  });

  it("derivatives of every order: the n-th derivative of exp is exp", () => {
    let d: (x: Tensor) => Tensor = fx.exp;
    for (let k = 0; k < 4; k++) d = fx.grad(d);
    expect(arr(d(f64(0.5)))).toBeCloseTo(Math.exp(0.5), 13);
    const [, t] = fx.jvp(fx.grad(fx.grad(fx.sin)), [f64(0.3)], [f64(1)]);
    expect(arr(t)).toBeCloseTo(-Math.cos(0.3), 14); // sin''' = −cos
  });
});

describe("stopGradient", () => {
  it("is the identity on values and blocks derivatives of every order", () => {
    const x = f64([1, 2]);
    expect(arr(fx.stopGradient(x))).toEqual([1, 2]);
    // Σ x·sg(x): d/dx = sg(x), not 2x.
    expect(arr(fx.grad((y: Tensor) => fx.sum(fx.mul(y, fx.stopGradient(y))))(x))).toEqual([1, 2]);
    expect(arr(fx.grad((y: Tensor) => fx.sum(fx.stopGradient(fx.exp(y))))(x))).toEqual([0, 0]);
    const [, t] = fx.jvp(fx.stopGradient, [x], [f64([1, 1])]);
    expect(arr(t)).toEqual([0, 0]);
    expect(arr(fx.hessian((y: Tensor) => fx.sum(fx.mul(fx.square(y), fx.stopGradient(y))))(x))).toEqual([[2, 0], [0, 4]]);
  });
});

describe("errors", () => {
  it("grad of a non-scalar output is a ShapeError naming the shape", () => {
    expect(() => fx.grad((x: Tensor) => fx.mul(x, 2))(f64([1, 2]))).toThrow(fx.ShapeError);
    expect(() => fx.grad((x: Tensor) => fx.mul(x, 2))(f64([1, 2]))).toThrow(/grad: the function must return a scalar \(shape \[\]\), got shape \[2\]/);
    // @ts-expect-error grad needs f to return a tensor
    expect(() => fx.grad((x: Tensor) => [fx.sum(x), fx.sum(x)])(f64([1, 2]))).toThrow(/single scalar tensor.*hasAux/);
  });

  it("differentiating w.r.t. an int32 or bool input is a DTypeError", () => {
    expect(() => fx.grad((x: Tensor) => fx.sum(x))(fx.tensor([1, 2], { dtype: "int32" }))).toThrow(fx.DTypeError);
    expect(() => fx.grad((x: Tensor) => fx.sum(x))(fx.tensor([1, 2], { dtype: "int32" }))).toThrow(/argument 0 \(leaf of dtype int32, shape \[2\]\)/);
    expect(() => fx.grad((p: { m: Tensor }) => fx.sum(fx.cast(p.m, "float32")))({ m: fx.tensor([true]) })).toThrow(/dtype bool/);
    expect(() => fx.jacobian((x: Tensor) => x)(fx.tensor([1], { dtype: "int32" }))).toThrow(fx.DTypeError);
    expect(() => fx.grad((x: Tensor) => fx.cast(x, "int32"))(f64(1))).toThrow(/must return a float scalar, got int32/);
  });

  it("argnums out of range is a ValueError", () => {
    expect(() => fx.grad((x: Tensor, y: Tensor) => fx.sum(x), { argnums: 2 })(f64(1), f64(2))).toThrow(fx.ValueError);
    expect(() => fx.grad((x: Tensor, y: Tensor) => fx.sum(x), { argnums: 2 })(f64(1), f64(2))).toThrow(/argnums 2 is out of range for a function called with 2 arguments/);
    expect(() => fx.grad((x: Tensor) => fx.sum(x), { argnums: [0, -1] })(f64(1))).toThrow(/grad: argnums: expected a non-negative integer or a list of them, got \[0,-1\]/);
    expect(() => fx.jacobian((x: Tensor) => x, { argnums: 1 })(f64(1))).toThrow(/jacobian: argnums 1/);
  });

  it("a function that returns no tensor is a ValueError", () => {
    // @ts-expect-error f must return a tensor
    expect(() => fx.grad(() => undefined)(f64(1))).toThrow(/grad: the function returned no tensor/);
    // @ts-expect-error f must return a tensor
    expect(() => fx.grad(() => ({}))(f64(1))).toThrow(fx.ValueError);
    // @ts-expect-error f must return a tensor
    expect(() => fx.grad(() => "loss")(f64(1))).toThrow(/returned a string leaf/);
    // @ts-expect-error f must return a tensor
    expect(() => fx.vjp(() => [], f64(1))).toThrow(/vjp: the function returned no tensor/);
    // @ts-expect-error f must return a tensor
    expect(() => fx.jvp(() => null, [f64(1)], [f64(1)])).toThrow(/jvp: the function returned no tensor/);
  });

  it("hasAux with a non-pair result is a ValueError", () => {
    // @ts-expect-error with hasAux, f returns [value, aux]
    expect(() => fx.grad((x: Tensor) => fx.sum(x), { hasAux: true })(f64([1]))).toThrow(/hasAux.*\[value, aux\]/);
  });
});

// The conventions at kinks and domain edges (docs/autodiff.md, "Conventions at kinks").
describe("conventions at kinks", () => {
  const d = (f: (x: Tensor) => Tensor, x: number) => arr(fx.grad(f)(f64(x))) as number;
  const dj = (f: (x: Tensor) => Tensor, x: number) => arr(fx.jvp(f, [f64(x)], [f64(1)])[1]) as number;

  it("relu'(0) = 0 for where(x > 0, x, 0); maximum(x, 0) and maximum(0, x) give ½ (a tie splits the gradient, as in JAX)", () => {
    const reluWhere = (x: Tensor) => fx.where(fx.greater(x, 0), x, 0);
    const reluMax0x = (x: Tensor) => fx.maximum(0, x);
    const reluMaxx0 = (x: Tensor) => fx.maximum(x, 0);
    for (const f of [reluWhere, reluMax0x, reluMaxx0]) {
      expect(d(f, 2)).toBe(1);
      expect(d(f, -2)).toBe(0);
    }
    expect(d(reluWhere, 0)).toBe(0);
    expect(dj(reluWhere, 0)).toBe(0);
    for (const f of [reluMax0x, reluMaxx0]) {
      expect(d(f, 0)).toBe(0.5);
      expect(dj(f, 0)).toBe(0.5);
    }
  });

  it("abs'(0) = 0 and sign'(x) = 0", () => {
    expect(d(fx.abs, 0)).toBe(0);
    expect(dj(fx.abs, 0)).toBe(0);
    expect(d(fx.abs, -3)).toBe(-1);
    expect(d(fx.sign, 0)).toBe(0);
  });

  it("maximum/minimum ties: each operand gets half the gradient; a NaN result sends none back (JAX)", () => {
    for (const op of [fx.maximum, fx.minimum]) {
      const gs = fx.grad((a: Tensor, b: Tensor) => op(a, b), { argnums: [0, 1] })(f64(2), f64(2)) as Tensor[];
      expect(gs.map(arr)).toEqual([0.5, 0.5]);
      const [, t] = fx.jvp(op, [f64(2), f64(2)], [f64(3), f64(5)]);
      expect(arr(t)).toBe(4);
      const nan = fx.grad((a: Tensor, b: Tensor) => op(a, b), { argnums: [0, 1] })(f64(NaN), f64(2)) as Tensor[];
      expect(nan.map(arr)).toEqual([0, 0]);
    }
  });

  it("reduce max/min ties: the gradient is shared equally among the tied elements", () => {
    expect(arr(fx.grad((x: Tensor) => fx.max(x))(f64([1, 3, 3, 2])))).toEqual([0, 0.5, 0.5, 0]);
    expect(arr(fx.grad((x: Tensor) => fx.min(x))(f64([1, 3, 1, 1])))).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
    const g = fx.grad((x: Tensor) => fx.sum(fx.max(x, { axis: 1 })))(f64([[2, 2], [1, 5]]));
    expect(arr(g)).toEqual([[0.5, 0.5], [0, 1]]);
    const [, t] = fx.jvp((x: Tensor) => fx.max(x), [f64([3, 1, 3])], [f64([1, 7, 2])]);
    expect(arr(t)).toBe(1.5);
  });

  it("sqrt'(0) = +Infinity; pow(x, 2)' at 0 is 0; pow(0, b)' w.r.t. b is 0; pow(a, 0)' w.r.t. a is 0", () => {
    expect(d(fx.sqrt, 0)).toBe(Infinity);
    expect(dj(fx.sqrt, 0)).toBe(Infinity);
    expect(d((x) => fx.pow(x, 2), 0)).toBe(0);
    expect(d((b) => fx.pow(0, b), 2)).toBe(0);
    expect(d((a) => fx.pow(a, 0), 0)).toBe(0); // b·a^(b−1) taken as 0 when b = 0
  });

  it("floor, ceil, round and comparisons have zero derivative", () => {
    for (const f of [fx.floor, fx.ceil, fx.round]) expect(d(f, 1.3)).toBe(0);
    expect(d((x) => fx.cast(fx.greater(x, 0), "float64"), 0.5)).toBe(0);
  });

  it("prod at zeros: exact first and second derivatives (no division by zero)", () => {
    expect(arr(fx.grad((x: Tensor) => fx.prod(x))(f64([0, 2, 3])))).toEqual([6, 0, 0]);
    expect(arr(fx.grad((x: Tensor) => fx.prod(x))(f64([0, 0, 3])))).toEqual([0, 0, 0]);
    expect(arr(fx.hessian((x: Tensor) => fx.prod(x))(f64([0, 2, 3])))).toEqual([[0, 3, 2], [3, 0, 0], [2, 0, 0]]);
    expect(arr(fx.hessian((x: Tensor) => fx.prod(x))(f64([0, 0, 3])))).toEqual([[0, 3, 0], [3, 0, 0], [0, 0, 0]]);
    const g = fx.grad((x: Tensor) => fx.sum(fx.prod(x, { axis: 0 })))(f64([[0, 2], [4, 5]]));
    expect(arr(g)).toEqual([[4, 5], [0, 2]]);
  });

  it("max pooling ties: the whole window's gradient goes to its first maximum", () => {
    const g = fx.grad((x: Tensor) => fx.sum(fx.maxPool1d(x, 2)))(f64([[[1, 1, 0, 3]]]));
    expect(arr(g)).toEqual([[[1, 0, 0, 1]]]);
  });
});

describe("the backward program is IR", () => {
  it("fx.trace(fx.grad(f)) prints forward and backward equations", () => {
    // d/dx Σ x·sin(x) = sin(x) + x·cos(x): the forward sin is reused by the backward pass.
    const p = fx.trace(fx.grad((x: Tensor) => fx.sum(fx.mul(x, fx.sin(x)))))(f64([1, 2]));
    const text = String(p);
    expect(text).toMatch(/ = sin a\n/);
    expect(text).toMatch(/ = cos a\n/);
    // Only the gradient's work: no forward reduce_sum (the value is not returned).
    expect(text).not.toMatch(/reduce_sum/);
    expect(p.outputs).toHaveLength(1);
    expect(p.outputs[0]!.shape).toEqual([2]);
  });

  it("evaluating the traced gradient program gives the gradient", () => {
    const f = (x: Tensor) => fx.sum(fx.mul(fx.tanh(x), x));
    const x = f64([0.5, -1]);
    const [g] = fx.evalProgram(fx.trace(fx.grad(f))(x), [x]);
    expect(arr(g)).toEqual(arr(fx.grad(f)(x)));
  });
});
