// vmap: the rule table covers every primitive; inAxes/outAxes over pytrees, negative axes,
// axisSize; clear errors; composition with grad, jit and itself in every order; random sampling
// with a batch of keys; the batched program is one program (no per-example equations).

import { describe, expect, expectTypeOf, it } from "vitest";
import * as fx from "../src/index.js";
import { ArgumentError, FluxionError, ShapeError, type Tensor, ValueError } from "../src/index.js";
import { allPrimitives } from "../src/prims/primitive.js";
import { batchingRules } from "../src/vmap/rules.js";
import { tensorDifference } from "../props/exact.js";

const t = (data: unknown, dtype: "float32" | "float64" | "int32" = "float32") => fx.tensor(data as number[], { dtype });

/** Bit-identical tensors (Object.is per element), with the first difference as the message. */
function expectSame(got: Tensor, expected: Tensor): void {
  expect(tensorDifference(got, expected)).toBeNull();
}

function expectClose(got: Tensor, expected: Tensor, tol = 1e-5): void {
  expect(got.shape).toEqual(expected.shape);
  const a = got.data();
  const b = expected.data();
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
}

/** Row b of a batched tensor (batch at axis 0). */
const row = (x: Tensor, b: number) => fx.reshape(fx.slice(x, [[b, b + 1]]), x.shape.slice(1));

describe("batching rules", () => {
  it("every registered primitive has a batching rule in the one table", () => {
    const missing = allPrimitives()
      .map((p) => p.name)
      .filter((n) => !Object.hasOwn(batchingRules, n));
    expect(missing).toEqual([]);
  });

  it("the batched program has no per-example equations: its size does not grow with the batch", () => {
    const w = fx.ones([3, 2]);
    const f = (x: Tensor) => fx.tanh(fx.matmul(x, w));
    const count = (n: number) => fx.trace(fx.vmap(f))(fx.zeros([n, 3])).eqns.length;
    expect(count(2)).toBe(count(50));
  });
});

describe("inAxes, outAxes and axisSize", () => {
  const x = t([[1, 2, 3], [4, 5, 6]]);

  it("one number maps every argument; a list gives one entry per argument; null broadcasts", () => {
    expectSame(fx.vmap((a: Tensor) => fx.sum(a))(x), t([6, 15]));
    expectSame(fx.vmap((a: Tensor) => fx.sum(a), { inAxes: 1 })(x), t([5, 7, 9]));
    expectSame(fx.vmap((a: Tensor) => fx.sum(a), { inAxes: -1 })(x), t([5, 7, 9]));
    expectSame(fx.vmap((a: Tensor, b: Tensor) => fx.mul(a, b), { inAxes: [0, null] })(x, t([1, 0, -1])), t([[1, 0, -3], [4, 0, -6]]));
  });

  it("inAxes per leaf of a pytree argument; numbers and booleans pass through with null", () => {
    // A number is traced as a weak scalar (as under jit); a boolean is static.
    const f = (p: { w: Tensor; b: Tensor }, scale: number, flip: boolean) => {
      const y = fx.mul(fx.add(p.w, p.b), scale);
      return flip ? fx.neg(y) : y;
    };
    const out = fx.vmap(f, { inAxes: [{ w: 1, b: null }, null, null] })({ w: x, b: t(10) }, 2, true);
    expectSame(out, t([[-22, -28], [-24, -30], [-26, -32]]));
  });

  it("outAxes moves the batch (negative counts from the end) and follows the output's tree", () => {
    const f = (a: Tensor) => ({ s: fx.sum(a), v: fx.mul(a, 2) });
    const out = fx.vmap(f, { outAxes: { s: 0, v: -1 } })(x) as { s: Tensor; v: Tensor };
    expectSame(out.s, t([6, 15]));
    expectSame(out.v, t([[2, 8], [4, 10], [6, 12]]));
    const unbatched = fx.vmap((a: Tensor, c: Tensor) => [fx.sum(a), fx.neg(c)], { inAxes: [0, null], outAxes: [0, null] })(x, t([1, 2])) as Tensor[];
    expectSame(unbatched[1]!, t([-1, -2]));
  });

  it("axisSize when no argument is mapped: the output is repeated", () => {
    expectSame(fx.vmap((c: Tensor) => fx.mul(c, 3), { inAxes: null, axisSize: 2 })(t([1, 2])), t([[3, 6], [3, 6]]));
  });

  it("an output that does not depend on the mapped arguments is repeated along the batch", () => {
    expectSame(fx.vmap((_a: Tensor) => fx.ones([2]))(x), t([[1, 1], [1, 1]]));
  });

  it("keeps f's parameter and result types", () => {
    const g = fx.vmap((a: Tensor, p: { w: Tensor }) => [a, p.w] as const);
    expectTypeOf(g).parameters.toEqualTypeOf<[Tensor, { w: Tensor }]>();
    expectTypeOf(g).returns.toEqualTypeOf<readonly [Tensor, Tensor]>();
  });
});

describe("errors name vmap, the argument and the sizes", () => {
  const f = (a: Tensor, b: Tensor) => fx.add(a, b);

  it("batch sizes that disagree", () => {
    const call = () => fx.vmap((p: { u: Tensor; v: Tensor }) => fx.add(p.u, p.v))({ u: fx.zeros([3, 2]), v: fx.zeros([4, 2]) });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow("vmap: batch sizes disagree: argument 0 at .u has size 3 along axis 0 (shape [3,2]), but argument 0 at .v has size 4 along axis 0 (shape [4,2])");
    expect(() => fx.vmap(f, { inAxes: [0, 1] })(fx.zeros([2, 5]), fx.zeros([5, 3]))).toThrow(/argument 1 has size 3 along axis 1/);
  });

  it("axes out of range, in and out", () => {
    expect(() => fx.vmap(f, { inAxes: [0, -3] })(fx.zeros([2]), fx.zeros([2, 2]))).toThrow(
      new ShapeError("vmap: inAxes -3 is out of range for argument 1 of shape [2,2] (rank 2)"),
    );
    expect(() => fx.vmap((a: Tensor) => a, { outAxes: 2 })(fx.zeros([3, 4]))).toThrow(
      new ShapeError("vmap: outAxes 2 is out of range for the output of per-example shape [4] (the batch axis can be -2 … 1)"),
    );
  });

  it("axisSize missing or disagreeing, wrong inAxes forms, values without an axis", () => {
    expect(() => fx.vmap((a: Tensor) => a, { inAxes: null })(fx.zeros([2]))).toThrow(new ValueError("vmap: no argument is mapped (every inAxes entry is null); give the batch size as axisSize"));
    expect(() => fx.vmap((a: Tensor) => a, { axisSize: 3 })(fx.zeros([2]))).toThrow(/vmap: axisSize is 3, but argument 0 has size 2/);
    expect(() => fx.vmap(f, { inAxes: [0] })(fx.zeros([2]), fx.zeros([2]))).toThrow(/inAxes lists 1 entry but the function was called with 2 arguments/);
    expect(() => fx.vmap((a: Tensor, s: number) => fx.mul(a, s))(fx.zeros([2]), 3)).toThrow(/vmap: argument 1 is the JS number 3, which has no axis to map; give it inAxes null/);
    expect(() => fx.vmap((p: { w: Tensor }) => p.w, { inAxes: [{ v: 0 }] })({ w: fx.zeros([2]) })).toThrow(ArgumentError);
    expect(() => fx.vmap((a: Tensor) => a, { inAxes: 0.5 })(fx.zeros([2]))).toThrow(/inAxes must be an integer or null, got 0.5/);
    expect(() => fx.vmap((a: Tensor) => a, { outAxes: null })(fx.zeros([2]))).toThrow(/outAxes is null for the output, but it differs between examples/);
    expect(() => fx.vmap((a: Tensor) => a, { inaxes: 0 } as never)).toThrow(ArgumentError);
  });

  it("every one of them is a FluxionError", () => {
    try {
      fx.vmap(f)(fx.zeros([2]), fx.zeros([3]));
    } catch (e) {
      expect(e).toBeInstanceOf(FluxionError);
    }
    expect.assertions(1);
  });
});

describe("composition with grad, jit and itself", () => {
  const w = t([[0.5, -1], [2, 0.25], [-0.75, 1.5]], "float64");
  const xs = t([[1, 2, 3], [-1, 0.5, 2], [0, 0, 1], [3, -2, 1]], "float64");
  const ys = t([[1, 0], [0, 1], [1, 1], [-1, 2]], "float64");
  const loss = (p: Tensor, x: Tensor, y: Tensor) => fx.sum(fx.square(fx.sub(fx.tanh(fx.matmul(x, p)), y)));

  it("per-example gradients: vmap(grad(loss), { inAxes: [null, 0, 0] }) equals a loop of grad calls, bit for bit", () => {
    const batched = fx.vmap(fx.grad(loss), { inAxes: [null, 0, 0] })(w, xs, ys);
    const loop = fx.stack([0, 1, 2, 3].map((b) => fx.grad(loss)(w, row(xs, b), row(ys, b))));
    expectSame(batched, loop);
    expectSame(fx.jit(fx.vmap(fx.grad(loss), { inAxes: [null, 0, 0] }))(w, xs, ys), batched);
  });

  it("grad of a vmapped function equals the gradient of the summed loop", () => {
    const total = (p: Tensor) => fx.sum(fx.vmap(loss, { inAxes: [null, 0, 0] })(p, xs, ys));
    const loopTotal = (p: Tensor) => [0, 1, 2, 3].reduce((acc: Tensor, b) => fx.add(acc, loss(p, row(xs, b), row(ys, b))), fx.scalar(0, "float64"));
    expectClose(fx.grad(total)(w), fx.grad(loopTotal)(w), 1e-12);
  });

  it("vmap(vmap(f)), vmap(jit(f)) and jit(vmap(vmap(f))) agree with the plain loops", () => {
    const f = (a: Tensor, b: Tensor) => fx.sum(fx.mul(fx.sin(a), b));
    const A = fx.tensor(Array.from({ length: 24 }, (_, i) => i / 7), { dtype: "float64", shape: [2, 3, 4] });
    const B = fx.tensor(Array.from({ length: 8 }, (_, i) => 1 - i / 4), { dtype: "float64", shape: [2, 4] });
    const nested = fx.vmap(fx.vmap(f, { inAxes: [0, null] }), { inAxes: [0, 0] });
    const expected = fx.stack([0, 1].map((i) => fx.stack([0, 1, 2].map((j) => f(row(row(A, i), j), row(B, i))))));
    expectSame(nested(A, B), expected);
    expectSame(fx.jit(nested)(A, B), expected);
    expectSame(fx.vmap(fx.vmap(fx.jit(f), { inAxes: [0, null] }))(A, B), expected);
  });

  it("vmap of a hessian and jvp through vmap", () => {
    const f = (x: Tensor) => fx.sum(fx.mul(fx.square(x), fx.sin(x)));
    const X = t([[0.1, 0.2], [1, -2], [0.5, 0.5]], "float64");
    const hs = fx.vmap(fx.hessian(f))(X);
    expectSame(hs, fx.stack([0, 1, 2].map((b) => fx.hessian(f)(row(X, b)))));
    const [, tangent] = fx.jvp(fx.vmap(f), [X], [fx.onesLike(X)]);
    const loop = fx.stack([0, 1, 2].map((b) => fx.jvp(f, [row(X, b)], [fx.ones([2], { dtype: "float64" })])[1] as Tensor));
    expectClose(tangent as Tensor, loop, 1e-12);
  });

  it("vmap inside a jitted training step: per-example gradients averaged equal the batch gradient", () => {
    const step = fx.jit((p: Tensor, x: Tensor, y: Tensor) => {
      const perExample = fx.vmap(fx.grad(loss), { inAxes: [null, 0, 0] })(p, x, y) as Tensor;
      const g = fx.mean(perExample, { axis: 0 });
      return [fx.sub(p, fx.mul(g, 0.1)), fx.max(fx.sqrt(fx.sum(fx.square(perExample), { axis: [1, 2] })))];
    });
    const [p1, maxNorm] = step(w, xs, ys) as Tensor[];
    const meanLoss = (p: Tensor) => fx.div(loopSum(p), 4);
    const loopSum = (p: Tensor) => [0, 1, 2, 3].reduce((acc: Tensor, b) => fx.add(acc, loss(p, row(xs, b), row(ys, b))), fx.scalar(0, "float64"));
    expectClose(p1!, fx.sub(w, fx.mul(fx.grad(meanLoss)(w), 0.1)), 1e-12);
    expect(maxNorm!.shape).toEqual([]);
  });
});

describe("random sampling with a batch of keys", () => {
  const keys = fx.random.split(fx.random.key(7), 4);
  const perKey = (f: (k: Tensor) => Tensor) => fx.stack([0, 1, 2, 3].map((b) => f(row(keys, b))));

  it.each([
    ["normal", (k: Tensor) => fx.random.normal(k, [3, 2])],
    ["uniform", (k: Tensor) => fx.random.uniform(k, [5])],
    ["bernoulli", (k: Tensor) => fx.random.bernoulli(k, 0.3, [6])],
    ["randint", (k: Tensor) => fx.random.randint(k, [4], -3, 9)],
    ["permutation", (k: Tensor) => fx.random.permutation(k, 7)],
    ["split", (k: Tensor) => fx.random.split(k, 3)],
  ] as const)("%s: vmap over keys gives each key's own samples, bit for bit (eager and jitted)", (_name, f) => {
    const expected = perKey(f);
    expectSame(fx.vmap(f)(keys), expected);
    expectSame(fx.jit(fx.vmap(f))(keys), expected);
  });

  it("nested: a [2, 2] grid of keys (keys per counter pair, batched again)", () => {
    const grid = fx.reshape(keys, [2, 2, 2]);
    const f = (k: Tensor) => fx.random.normal(k, [3]);
    const expected = fx.stack([0, 1].map((i) => fx.stack([0, 1].map((j) => f(row(row(grid, i), j))))));
    expectSame(fx.vmap(fx.vmap(f))(grid), expected);
  });

  it("one key for every example (inAxes null) and mapped data: the same noise for each example", () => {
    const f = (k: Tensor, x: Tensor) => fx.add(x, fx.random.normal(k, [2]));
    const out = fx.vmap(f, { inAxes: [null, 0] })(fx.random.key(1), fx.zeros([3, 2]));
    const noise = fx.random.normal(fx.random.key(1), [2]);
    expectSame(out, fx.stack([noise, noise, noise]));
  });
});
