// Type tests (vitest typecheck, run by `npm test`): the inferred types of every transform.
// A wrong expectation here fails the run; so does a `@ts-expect-error` line that compiles.

import { describe, expectTypeOf, it } from "vitest";
import * as fx from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { GradOf, TensorTree, Traced, Tree } from "../../src/tree/types.js";

declare const w: Tensor;
declare const x: Tensor;
type Params = { w: Tensor; b: Tensor };
declare const params: Params;
interface ParamsInterface {
  w: Tensor;
  b: Tensor;
}
declare const paramsI: ParamsInterface;
const loss = (p: Params, x: Tensor) => fx.sum(fx.square(fx.add(fx.matmul(x, p.w), p.b)));

describe("pytree types", () => {
  it("GradOf keeps the structure with tensor leaves", () => {
    expectTypeOf<GradOf<Params>>().toEqualTypeOf<Params>();
    expectTypeOf<GradOf<{ w: Tensor; scale: number }>>().toEqualTypeOf<{ w: Tensor; scale: Tensor }>();
    expectTypeOf<GradOf<[Tensor, number]>>().toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf<GradOf<readonly [Tensor, { a: number }]>>().toEqualTypeOf<[Tensor, { a: Tensor }]>();
    expectTypeOf<GradOf<number>>().toEqualTypeOf<Tensor>();
    expectTypeOf<GradOf<Tree>>().toEqualTypeOf<TensorTree>();
  });

  it("Traced makes every leaf a tensor", () => {
    expectTypeOf<Traced<[Tensor, number, boolean]>>().toEqualTypeOf<[Tensor, Tensor, Tensor]>();
    expectTypeOf<Traced<{ loss: Tensor; n: number }>>().toEqualTypeOf<{ loss: Tensor; n: Tensor }>();
    expectTypeOf<Traced<Params>>().toEqualTypeOf<Params>();
    expectTypeOf<Traced<Tree>>().toEqualTypeOf<TensorTree>();
  });
});

describe("grad and valueAndGrad", () => {
  it("keep f's parameters and return GradOf the selected argument", () => {
    const g = fx.grad(loss);
    expectTypeOf(g).parameters.toEqualTypeOf<[p: Params, x: Tensor]>();
    expectTypeOf(g(params, x)).toEqualTypeOf<Params>();
    expectTypeOf(fx.grad(loss, { argnums: 1 })(params, x)).toEqualTypeOf<Tensor>();
    expectTypeOf(fx.grad(loss, { argnums: [0, 1] })(params, x)).toEqualTypeOf<[Params, Tensor]>();
    expectTypeOf(fx.grad((p: ParamsInterface) => fx.sum(p.w))(paramsI)).toEqualTypeOf<{ w: Tensor; b: Tensor }>();
    expectTypeOf(fx.grad((s: number) => fx.mul(fx.scalar(2), s))(3)).toEqualTypeOf<Tensor>();
  });

  it("hasAux: [grads, aux] with aux's leaves tensors", () => {
    const [g, aux] = fx.grad((p: Params) => [loss(p, x), { n: 3, y: x }], { hasAux: true })(params);
    expectTypeOf(g).toEqualTypeOf<Params>();
    expectTypeOf(aux).toEqualTypeOf<{ n: Tensor; y: Tensor }>();
  });

  it("valueAndGrad: [value, grads] and [[value, aux], grads]", () => {
    expectTypeOf(fx.valueAndGrad(loss)(params, x)).toEqualTypeOf<[Tensor, Params]>();
    expectTypeOf(fx.valueAndGrad(loss, { argnums: [1] })(params, x)).toEqualTypeOf<[Tensor, [Tensor]]>();
    const r = fx.valueAndGrad((p: Params) => [loss(p, x), x] as const, { hasAux: true })(params);
    expectTypeOf(r).toEqualTypeOf<[[Tensor, Tensor], Params]>();
  });

  it("compose: grad(grad(f)) and jit(grad(f))", () => {
    const f = (s: Tensor) => fx.sin(s);
    expectTypeOf(fx.grad(fx.grad(f))).toEqualTypeOf<(s: Tensor) => Tensor>();
    expectTypeOf(fx.jit(fx.grad(loss))(params, x)).toEqualTypeOf<Params>();
  });
});

describe("vjp, jvp, jacobian, hessian", () => {
  it("vjp: [out, backward]; backward gives one cotangent per primal", () => {
    const [out, back] = fx.vjp((a: Tensor, p: Params) => ({ y: fx.matmul(a, p.w), n: 1 }), x, params);
    expectTypeOf(out).toEqualTypeOf<{ y: Tensor; n: Tensor }>();
    expectTypeOf(back({ y: out.y, n: 1 })).toEqualTypeOf<[Tensor, Params]>();
    expectTypeOf(back).parameter(0).toEqualTypeOf<{ readonly y: Tensor | number; readonly n: Tensor | number }>();
  });

  it("jvp: [out, tangent out] shaped like f's output", () => {
    expectTypeOf(fx.jvp((a: Tensor) => fx.sin(a), [x], [x])).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(fx.jvp((a: Tensor, b: Tensor) => [a, b], [x, w], [x, 1])).toEqualTypeOf<[[Tensor, Tensor], [Tensor, Tensor]]>();
  });

  it("jacobian and hessian take the same argnums", () => {
    expectTypeOf(fx.jacobian((a: Tensor) => fx.sin(a))(x)).toEqualTypeOf<Tensor>();
    expectTypeOf(fx.jacobian((a: Tensor, p: Params) => fx.matmul(a, p.w), { argnums: [0, 1] })(x, params)).toEqualTypeOf<[Tensor, Params]>();
    expectTypeOf(fx.hessian((a: Tensor) => fx.sum(a))(x)).toEqualTypeOf<Tensor>();
    expectTypeOf(fx.hessian((a: Tensor, b: Tensor) => fx.sum(fx.mul(a, b)), { argnums: 1 })(x, w)).toEqualTypeOf<Tensor>();
    expectTypeOf(fx.hessian((a: Tensor, b: Tensor) => fx.sum(fx.mul(a, b)), { argnums: [0, 1] })(x, w)).toEqualTypeOf<[[Tensor, Tensor], [Tensor, Tensor]]>();
  });
});

describe("jit, trace and tree.map", () => {
  it("jit keeps the parameters and makes every leaf of the result a tensor", () => {
    const f = fx.jit((a: Tensor) => [fx.sum(a), 3]);
    expectTypeOf(f).parameters.toEqualTypeOf<[a: Tensor]>();
    expectTypeOf(f(x)).toEqualTypeOf<[Tensor, Tensor]>();
    expectTypeOf(fx.jit((p: Params) => ({ s: fx.sum(p.w), ok: true }))(params)).toEqualTypeOf<{ s: Tensor; ok: Tensor }>();
    expectTypeOf(fx.jit((p: Params) => p)(params)).toEqualTypeOf<Params>();
    expectTypeOf(f.explain).parameters.toEqualTypeOf<[a: Tensor]>();
    expectTypeOf(f.cacheSize).toEqualTypeOf<number>();
  });

  it("trace keeps the parameters and returns a Program", () => {
    const t = fx.trace((a: Tensor, n: number) => fx.mul(a, n));
    expectTypeOf(t).parameters.toEqualTypeOf<[a: Tensor, n: number]>();
    expectTypeOf(t(x, 2)).toEqualTypeOf<fx.Program>();
  });

  it("tree.map: the structure of the tree with the function's results as leaves", () => {
    expectTypeOf(fx.tree.map((p: Tensor) => fx.mul(p, 2), params)).toEqualTypeOf<Params>();
    expectTypeOf(fx.tree.map((p: Tensor) => p.size, params)).toEqualTypeOf<{ w: number; b: number }>();
    expectTypeOf(fx.tree.map((a: Tensor, b: Tensor) => fx.add(a, b), params, params)).toEqualTypeOf<Params>();
    expectTypeOf(fx.tree.map((v: number | Tensor) => String(v), [1, x] as [number, Tensor])).toEqualTypeOf<[string, string]>();
    expectTypeOf(fx.tree.reduce((n, p: Tensor) => n + p.size, params, 0)).toEqualTypeOf<number>();
  });
});

describe("options are literal-typed and axes take one form", () => {
  it("axis options", () => {
    expectTypeOf(fx.concat).parameter(1).toEqualTypeOf<fx.AxisOptions | undefined>();
    expectTypeOf(fx.concat).parameter(0).toEqualTypeOf<readonly fx.TensorLike[]>();
    expectTypeOf(fx.stack).parameter(0).toEqualTypeOf<readonly fx.TensorLike[]>();
    expectTypeOf(fx.flip).parameter(1).toEqualTypeOf<fx.AxesOptions | undefined>();
    expectTypeOf(fx.nn.softmax).parameter(1).toEqualTypeOf<fx.AxisOptions | undefined>();
  });

  it("padding and dtype are string literals", () => {
    expectTypeOf<NonNullable<fx.ConvOptions["padding"]>>().extract<string>().toEqualTypeOf<"valid" | "same">();
    expectTypeOf<fx.DType>().toEqualTypeOf<"float32" | "float64" | "int32" | "bool">();
  });
});
