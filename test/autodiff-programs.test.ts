// The textbook examples of reverse-mode differentiation (issue 3): their gradient VALUES against
// hand-derived formulas, and their printed backward programs against the textbook backward pass:
// the equation counts, and no two equations doing the same work (same primitive, params and
// inputs) after the simplification the transform applies itself.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Program, Tensor } from "../src/index.js";
import { formatParams, VarNamer } from "../src/ir/printer.js";

const f64 = (data: unknown, shape?: number[]) => fx.tensor(data as number[], { dtype: "float64", ...(shape ? { shape } : {}) });
const vals = (t: unknown) => Array.from((t as Tensor).data());

function expectClose(actual: unknown, expected: readonly number[], tol = 1e-12) {
  const a = vals(actual);
  expect(a).toHaveLength(expected.length);
  a.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!))));
}

/** Equations doing the same work as an earlier one: same primitive, params and inputs. */
function duplicateEqns(p: Program): string[] {
  const namer = new VarNamer();
  p.inputs.forEach((v) => namer.name(v));
  p.constants.forEach((c) => namer.name(c.v));
  const seen = new Map<string, string>();
  const dups: string[] = [];
  for (const e of p.eqns) {
    const key = `${e.prim.name}${formatParams(e.params)} ${e.inputs.map((a) => namer.atom(a)).join(" ")}`;
    const out = namer.name(e.out);
    const first = seen.get(key);
    if (first !== undefined) dups.push(`${out} = ${key} (same as ${first})`);
    else seen.set(key, out);
  }
  return dups;
}

/** The primitive names of a program's equations, in order. */
const primsOf = (p: Program) => p.eqns.map((e) => e.prim.name);

// ---------------------------------------------------------------- the examples

/** f(x, y, z) = (x + y)·z */
const xyz = (x: Tensor, y: Tensor, z: Tensor) => fx.mul(fx.add(x, y), z);

/** L = ½(σ(wx + b) − t)², plus (λ/2)·w² when lambda > 0. */
const logisticLoss = (lambda: number) => (w: Tensor, b: Tensor, x: Tensor, t: Tensor) => {
  const y = fx.sigmoid(fx.add(fx.mul(w, x), b));
  const loss = fx.mul(0.5, fx.square(fx.sub(y, t)));
  return lambda > 0 ? fx.add(loss, fx.mul(lambda / 2, fx.square(w))) : loss;
};

/** log Σ exp over the last axis, the max held constant (keepDims). */
function logSumExp(z: Tensor): Tensor {
  const m = fx.stopGradient(fx.max(z, { axis: -1, keepDims: true }));
  return fx.add(fx.log(fx.sum(fx.exp(fx.sub(z, m)), { axis: -1, keepDims: true })), m);
}

/** Mean cross-entropy of softmax(xW + b) against one-hot labels. */
const softmaxRegression = (W: Tensor, b: Tensor, x: Tensor, onehot: Tensor) => {
  const z = fx.add(fx.matmul(x, W), b);
  return fx.div(fx.sum(fx.mul(onehot, fx.sub(logSumExp(z), z))), x.shape[0]!);
};

interface MlpParams {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

/** Mean squared error ½·Σ(o − y)²/N of a 2-layer tanh MLP o = tanh(xW1 + b1)W2 + b2. */
const mlpLoss = (p: MlpParams, x: Tensor, y: Tensor) => {
  const h = fx.tanh(fx.add(fx.matmul(x, p.w1), p.b1));
  const o = fx.add(fx.matmul(h, p.w2), p.b2);
  return fx.div(fx.mul(0.5, fx.sum(fx.square(fx.sub(o, y)))), x.shape[0]!);
};

// Data for the examples (float64, fixed).
const W = f64([[0.2, -0.1, 0.4, 0.0], [0.5, 0.3, -0.2, 0.1], [-0.3, 0.2, 0.1, 0.6]]);
const bias = f64([0.1, -0.2, 0.05, 0.0]);
const X = f64([[1.0, -0.5, 0.3], [0.2, 0.8, -1.1], [-0.7, 0.1, 0.9], [0.4, 0.4, 0.4], [1.5, -0.2, 0.0]]);
const labels = [2, 0, 3, 1, 2];
const onehot = f64(labels.map((l) => [0, 1, 2, 3].map((c) => (c === l ? 1 : 0))));

const mlpParams: MlpParams = {
  w1: f64([[0.3, -0.2, 0.1, 0.5], [-0.4, 0.6, 0.2, -0.1], [0.05, 0.1, -0.3, 0.2]]),
  b1: f64([0.01, -0.02, 0.03, 0.0]),
  w2: f64([[0.2, -0.5], [0.4, 0.1], [-0.3, 0.3], [0.6, -0.2]]),
  b2: f64([0.1, -0.1]),
};
const mlpY = f64([[0.5, -0.5], [1.0, 0.0], [0.0, 1.0], [-0.2, 0.3], [0.7, 0.7]]);

// Plain-JS matrices for the hand-derived formulas.
type M = number[][];
const mat = (t: Tensor) => t.toArray() as M;
const matmul = (a: M, b: M) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transposeM = (a: M) => a[0]!.map((_, j) => a.map((r) => r[j]!));
const colSums = (a: M) => a[0]!.map((_, j) => a.reduce((s, r) => s + r[j]!, 0));

describe("gradient values of the textbook examples", () => {
  it("f(x, y, z) = (x + y)·z: ∂x = ∂y = z, ∂z = x + y", () => {
    const [gx, gy, gz] = fx.grad(xyz, { argnums: [0, 1, 2] })(f64(-2), f64(5), f64(-4)) as Tensor[];
    expect([gx, gy, gz].map((t) => t!.item())).toEqual([-4, -4, 3]);
  });

  for (const lambda of [0, 0.1]) {
    it(`logistic least squares${lambda ? " with an L2 term" : ""}: z̄ = (y − t)·y(1 − y), w̄ = z̄·x${lambda ? " + λw" : ""}, b̄ = z̄`, () => {
      const [w, b, x, t] = [0.7, -0.3, 1.5, 1];
      const y = 1 / (1 + Math.exp(-(w * x + b)));
      const zbar = (y - t) * y * (1 - y);
      const [gw, gb] = fx.grad(logisticLoss(lambda), { argnums: [0, 1] })(f64(w), f64(b), f64(x), f64(t)) as Tensor[];
      expectClose(gw, [zbar * x + lambda * w]);
      expectClose(gb, [zbar]);
    });
  }

  it("softmax regression with cross-entropy: z̄ = (softmax(z) − onehot)/N, W̄ = xᵀz̄, b̄ = Σ z̄", () => {
    const z = matmul(mat(X), mat(W)).map((r) => r.map((v, j) => v + vals(bias)[j]!));
    const n = z.length;
    const zbar = z.map((r, i) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, v) => a + v, 0);
      return e.map((v, c) => (v / s - (c === labels[i] ? 1 : 0)) / n);
    });
    const [gW, gb] = fx.grad(softmaxRegression, { argnums: [0, 1] })(W, bias, X, onehot) as Tensor[];
    expectClose(gW, matmul(transposeM(mat(X)), zbar).flat());
    expectClose(gb, colSums(zbar));
  });

  it("2-layer MLP: ō = (o − y)/N, W̄2 = hᵀō, b̄2 = Σō, z̄1 = ōW2ᵀ ⊙ (1 − h²), W̄1 = xᵀz̄1, b̄1 = Σz̄1", () => {
    const x = mat(X);
    const p = { w1: mat(mlpParams.w1), b1: vals(mlpParams.b1), w2: mat(mlpParams.w2), b2: vals(mlpParams.b2) };
    const h = matmul(x, p.w1).map((r) => r.map((v, j) => Math.tanh(v + p.b1[j]!)));
    const o = matmul(h, p.w2).map((r) => r.map((v, j) => v + p.b2[j]!));
    const y = mat(mlpY);
    const obar = o.map((r, i) => r.map((v, j) => (v - y[i]![j]!) / x.length));
    const z1bar = matmul(obar, transposeM(p.w2)).map((r, i) => r.map((v, j) => v * (1 - h[i]![j]! ** 2)));
    const g = fx.grad(mlpLoss)(mlpParams, X, mlpY) as MlpParams;
    expectClose(g.w2, matmul(transposeM(h), obar).flat());
    expectClose(g.b2, colSums(obar));
    expectClose(g.w1, matmul(transposeM(x), z1bar).flat());
    expectClose(g.b1, colSums(z1bar));
  });
});

// ---------------------------------------------------------------- the backward programs

/** How many equations of each primitive a program has. */
function tally(p: Program): Record<string, number> {
  const t: Record<string, number> = {};
  for (const name of primsOf(p)) t[name] = (t[name] ?? 0) + 1;
  return t;
}

/**
 * The textbook backward pass of each example, equation by equation. A program matches when it
 * has exactly these equations (as a multiset of primitives) and no equation repeats another's
 * work. Layout equations (broadcast_to, reshape for keepDims) are the IR's explicit form of
 * broadcasting and count like any other.
 */
describe("the printed backward programs do the textbook work, once", () => {
  const z = (shape: number[]) => fx.zeros(shape, { dtype: "float64" });

  function expectProgram(p: Program, expected: Record<string, number>) {
    expect(duplicateEqns(p), String(p)).toEqual([]);
    expect(tally(p), String(p)).toEqual(expected);
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(p.eqns.length).toBe(total);
  }

  it("(x + y)·z: x + y is the only work; ∂x = ∂y = z and ∂z = x + y are reused values", () => {
    const p = fx.trace(fx.grad(xyz, { argnums: [0, 1, 2] }))(f64(1), f64(2), f64(3));
    expectProgram(p, { add: 1 });
    // The outputs are the inputs z, z and the sum.
    expect(p.outputs[0]).toBe(p.inputs[2]);
    expect(p.outputs[1]).toBe(p.inputs[2]);
    expect(p.outputs[2]).toBe(p.eqns[0]!.out);
    // valueAndGrad also computes the product.
    expectProgram(fx.trace(fx.valueAndGrad(xyz, { argnums: [0, 1, 2] }))(f64(1), f64(2), f64(3)), { add: 1, mul: 1 });
  });

  it("logistic least squares: forward z = wx + b, y = σ(z), r = y − t; backward ȳ = r, z̄ = ȳ·y(1 − y), w̄ = z̄·x, b̄ = z̄", () => {
    const p = fx.trace(fx.grad(logisticLoss(0), { argnums: [0, 1] }))(f64(0.3), f64(0.1), f64(2), f64(1));
    // forward: mul, add, sigmoid, sub (4); backward: mul (r·2), mul (½·2r: two scalings are not
    // combined into one, which could differ by overflow or underflow), sub (1 − y),
    // mul (y·(1 − y)), mul (ȳ·σ'), mul (z̄·x) (6)
    expectProgram(p, { mul: 6, add: 1, sigmoid: 1, sub: 2 });
  });

  it("logistic least squares with an L2 term: w̄ = z̄·x + (λ/2)·(2w) adds two muls and one add", () => {
    const p = fx.trace(fx.grad(logisticLoss(0.01), { argnums: [0, 1] }))(f64(0.3), f64(0.1), f64(2), f64(1));
    expectProgram(p, { mul: 8, add: 2, sigmoid: 1, sub: 2 });
  });

  it("softmax regression: z̄ = softmax(z)·(Σ onehot/N) − onehot/N, W̄ = xᵀz̄, b̄ = Σ z̄", () => {
    const p = fx.trace(fx.grad(softmaxRegression, { argnums: [0, 1] }))(z([3, 4]), z([4]), z([5, 3]), z([5, 4]));
    // forward (11): matmul, broadcast_to b, add, reduce_max, reshape, stop_gradient,
    //   broadcast_to m, sub, exp, reduce_sum, reshape;
    // backward (9): mul (onehot/N), reduce_sum + reshape (the log-sum-exp's cotangent Σ onehot/N),
    //   div (by Σ exp), broadcast_to, mul (by exp(z − m)), sub (− onehot/N),
    //   reduce_sum (b̄), matmul (W̄ = xᵀz̄).
    expectProgram(p, { matmul: 2, broadcast_to: 3, add: 1, reduce_max: 1, reshape: 3, stop_gradient: 1, sub: 2, exp: 1, reduce_sum: 3, mul: 2, div: 1 });
  });

  it("2-layer MLP: ō = (o − y)/N, W̄2 = hᵀō, b̄2 = Σō, h̄ = ōW2ᵀ, z̄1 = h̄ ⊙ (1 − h²), W̄1 = xᵀz̄1, b̄1 = Σz̄1", () => {
    const params = { w1: z([3, 4]), b1: z([4]), w2: z([4, 2]), b2: z([2]) };
    const p = fx.trace(fx.grad(mlpLoss))(params, z([5, 3]), z([5, 2]));
    // forward (8): matmul, broadcast_to, add, tanh, matmul, broadcast_to, add, sub;
    // backward (10): mul (2·(o − y)), mul (ō = 0.1·2(o − y): ½/N folded, the 2 kept apart since
    //   combining scales is not exact in general), reduce_sum (b̄2), matmul (W̄2),
    //   matmul (h̄), mul (h·h), sub (1 − h²), mul (z̄1), reduce_sum (b̄1), matmul (W̄1).
    // The data's gradient xᵀ… is not computed: x is not differentiated.
    expectProgram(p, { matmul: 5, broadcast_to: 2, add: 2, tanh: 1, sub: 2, mul: 4, reduce_sum: 2 });
    // valueAndGrad adds the loss itself: square, reduce_sum, mul ½, div N.
    const pv = fx.trace(fx.valueAndGrad(mlpLoss))(params, z([5, 3]), z([5, 2]));
    expectProgram(pv, { matmul: 5, broadcast_to: 2, add: 2, tanh: 1, sub: 2, mul: 5, reduce_sum: 3, square: 1, div: 1 });
  });
});
