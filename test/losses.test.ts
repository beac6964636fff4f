import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { checkAllDerivatives, mismatch } from "../props/gradcheck.js";
import { expectJitIdentical, sigmoidRef, softplusRef, valuesOf } from "./nn-reference.js";

const L = fx.nn.losses;
const f64 = (data: number[], shape: number[]) => fx.tensor(data, { shape, dtype: "float64" });
const i32 = (data: number[], shape?: number[]) => fx.tensor(data, { dtype: "int32", ...(shape ? { shape } : {}) });

function expectClose(actual: readonly number[], expected: readonly number[], rtol = 1e-14, atol = 1e-15): void {
  expect(mismatch(actual, expected, { rtol, atol })).toBeNull();
}
const sumOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const meanOf = (xs: readonly number[]) => sumOf(xs) / xs.length;

/** Each reduction of a loss against the per-element float64 values. */
function expectReductions(loss: (o: { reduction: "mean" | "sum" | "none" }) => Tensor, perElement: readonly number[], shape: readonly number[], rtol = 1e-14): void {
  const none = loss({ reduction: "none" });
  expect(none.shape).toEqual(shape);
  expectClose(valuesOf(none), perElement, rtol);
  expectClose(valuesOf(loss({ reduction: "sum" })), [sumOf(perElement)], rtol);
  expectClose(valuesOf(loss({ reduction: "mean" })), [meanOf(perElement)], rtol);
}

// A batch of 3 examples over 4 classes, and its float64 log-softmax.
const LOGITS = [2.0, -1.0, 0.5, 0.25, -3.0, 4.0, 1.5, 0.0, 0.1, 0.2, 0.3, -0.4];
const LABELS = [0, 3, 2];
function logSoftmaxRows(z: readonly number[], c: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < z.length; r += c) {
    const row = z.slice(r, r + c);
    const m = Math.max(...row);
    const lse = m + Math.log(sumOf(row.map((v) => Math.exp(v - m))));
    out.push(...row.map((v) => v - lse));
  }
  return out;
}
const LS = logSoftmaxRows(LOGITS, 4);

describe("regression losses", () => {
  const p = [0.5, -1.25, 3.0, 2.0, -0.75, 0.1];
  const y = [0.0, -1.0, 1.0, 2.5, 1.25, 0.1];
  const P = f64(p, [2, 3]);
  const Y = f64(y, [2, 3]);

  it("mse, mae and huber match their formulas under every reduction", () => {
    expectReductions((o) => L.mse(P, Y, o), p.map((v, i) => (v - y[i]!) ** 2), [2, 3]);
    expectReductions((o) => L.mae(P, Y, o), p.map((v, i) => Math.abs(v - y[i]!)), [2, 3]);
    const huberRef = (d: number, delta: number) => (Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta));
    expectReductions((o) => L.huber(P, Y, o), p.map((v, i) => huberRef(v - y[i]!, 1)), [2, 3]);
    expectReductions((o) => L.huber(P, Y, { ...o, delta: 0.6 }), p.map((v, i) => huberRef(v - y[i]!, 0.6)), [2, 3]);
    expect(L.mse(P, Y).shape).toEqual([]);
  });

  it("gradients agree with finite differences (away from the kinks of mae and huber)", () => {
    const q = f64([0.5, -1.3, 3.1, 2.2, -0.7, 0.4], [2, 3]);
    checkAllDerivatives((a, b) => L.mse(a, b), [q, Y], 1, {}, "mse");
    checkAllDerivatives((a, b) => L.mae(a, b, { reduction: "sum" }), [q, Y], 2, {}, "mae");
    checkAllDerivatives((a, b) => L.huber(a, b, { delta: 0.6, reduction: "none" }), [q, Y], 3, {}, "huber");
  });

  it("mae'(0) = 0 and huber' is continuous at |d| = δ (slope δ on both sides)", () => {
    const g = (f: (a: Tensor) => Tensor, v: number[]) => valuesOf(fx.grad(f)(fx.tensor(v)));
    expect(g((a) => L.mae(a, fx.tensor([1, 1]), { reduction: "sum" }), [1, 1])).toEqual([0, 0]);
    expect(g((a) => L.huber(a, fx.tensor([0, 0]), { delta: 0.5, reduction: "sum" }), [0.5, -0.5])).toEqual([0.5, -0.5]);
  });
});

describe("softmaxCrossEntropy", () => {
  const z = f64(LOGITS, [3, 4]);
  const labels = i32(LABELS);
  const perExample = LABELS.map((c, r) => -LS[r * 4 + c]!);

  it("int32 labels: −logSoftmax(z)[label], under every reduction", () => {
    expectReductions((o) => L.softmaxCrossEntropy(z, labels, o), perExample, [3]);
  });

  it("int32 labels ≡ one-hot targets, bit for bit, with and without label smoothing", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const zz = fx.cast(z, dtype);
      for (const labelSmoothing of [0, 0.1, 1]) {
        for (const reduction of ["none", "sum", "mean"] as const) {
          const a = valuesOf(L.softmaxCrossEntropy(zz, labels, { labelSmoothing, reduction }));
          const b = valuesOf(L.softmaxCrossEntropy(zz, fx.oneHot(labels, 4, { dtype }), { labelSmoothing, reduction }));
          a.forEach((v, i) => expect(Object.is(v, b[i]), `${dtype} ε=${labelSmoothing} ${reduction}: ${v} vs ${b[i]}`).toBe(true));
        }
      }
    }
  });

  it("label smoothing ε: targets (1 − ε)·onehot + ε/C, i.e. (1 − ε)·CE + ε·mean_c(−logSoftmax)", () => {
    const eps = 0.2;
    const smoothed = LABELS.map((c, r) => (1 - eps) * -LS[r * 4 + c]! + eps * meanOf(LS.slice(r * 4, r * 4 + 4).map((v) => -v)));
    expectReductions((o) => L.softmaxCrossEntropy(z, labels, { ...o, labelSmoothing: eps }), smoothed, [3]);
  });

  it("soft targets: −Σ q·logSoftmax(z); zero-probability classes may have −∞ logits", () => {
    const q = [0.2, 0.3, 0.5, 0, 0, 0, 1, 0, 0.25, 0.25, 0.25, 0.25];
    const per = [0, 1, 2].map((r) => -sumOf([0, 1, 2, 3].map((c) => q[r * 4 + c]! * LS[r * 4 + c]!)));
    expectReductions((o) => L.softmaxCrossEntropy(z, f64(q, [3, 4]), o), per, [3]);
    const masked = fx.tensor([[0, -Infinity, 1]]);
    expect(L.softmaxCrossEntropy(masked, i32([2])).item()).toBeCloseTo(Math.log1p(Math.exp(-1)), 6);
    const g = valuesOf(fx.grad((v: Tensor) => L.softmaxCrossEntropy(v, i32([2])))(masked));
    expect(g.every(Number.isFinite)).toBe(true);
  });

  it("gradient is softmax(z) − q (per example, divided by the batch for mean) and agrees with finite differences", () => {
    const g = valuesOf(fx.grad((v: Tensor) => L.softmaxCrossEntropy(v, labels, { labelSmoothing: 0.1 }))(z));
    const want = LS.map((l, i) => {
      const r = Math.floor(i / 4);
      const q = 0.9 * (LABELS[r] === i % 4 ? 1 : 0) + 0.1 / 4;
      return (Math.exp(l) - q) / 3;
    });
    expectClose(g, want, 1e-13);
    checkAllDerivatives((v) => L.softmaxCrossEntropy(v, labels, { reduction: "none" }), [z], 4, {}, "softmaxCrossEntropy");
    const soft = f64([0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0], [3, 4]);
    checkAllDerivatives((v, q) => L.softmaxCrossEntropy(v, q), [z, soft], 5, {}, "softmaxCrossEntropy soft");
  });

  it("errors name the function and the shapes, dtypes or values", () => {
    expect(() => L.softmaxCrossEntropy(z, i32([0, 1]))).toThrow(/softmaxCrossEntropy: labels of shape \[2\] do not match the batch shape \[3\] of scores \[3,4\]/);
    expect(() => L.softmaxCrossEntropy(z, i32([0, 4, 1]))).toThrow(/softmaxCrossEntropy: label 4 at flat index 1 is outside \[0, 4\)/);
    expect(() => L.softmaxCrossEntropy(z, i32([0, -1, 1]))).toThrow(fx.ValueError);
    expect(() => L.softmaxCrossEntropy(z, fx.tensor([true, false, true]))).toThrow(/softmaxCrossEntropy: class labels must be int32.*got bool\[3\]/);
    expect(() => L.softmaxCrossEntropy(z, f64([0, 1, 0], [3]))).toThrow(/softmaxCrossEntropy: targets of shape \[3\] does not match logits of shape \[3,4\]/);
    expect(() => L.softmaxCrossEntropy(z, fx.zeros([3, 4]))).toThrow(/float targets must have the logits' dtype float64, got float32/);
    expect(() => L.softmaxCrossEntropy(i32([1, 2]), i32([0]))).toThrow(/softmaxCrossEntropy: logits must be float32 or float64, got int32\[2\]/);
    expect(() => L.softmaxCrossEntropy(fx.scalar(1), i32([0]))).toThrow(/must have a class axis/);
    expect(() => L.softmaxCrossEntropy(z, labels, { labelSmothing: 0.1 } as never)).toThrow(/^softmaxCrossEntropy: unknown option "labelSmothing"; did you mean "labelSmoothing"\?$/);
    expect(() => L.softmaxCrossEntropy(z, labels, { labelSmoothing: 1.5 })).toThrow(/^softmaxCrossEntropy: labelSmoothing: expected a number in \[0, 1\], got 1.5$/);
    expect(() => L.softmaxCrossEntropy(z, labels, { reduction: "avg" } as never)).toThrow(/^softmaxCrossEntropy: reduction: expected "mean", "sum" or "none", got "avg"$/);
  });
});

describe("options and single examples", () => {
  it("options must be an options object; undefined means none", () => {
    const a = fx.tensor([1, 2]);
    expect(() => L.mse(a, a, 5 as never)).toThrow(/^mse: options: expected an options object \{ reduction \}, got 5$/);
    expect(() => L.mse(a, a, null as never)).toThrow(/^mse: options: expected an options object \{ reduction \}, got null$/);
    expect(() => L.huber(a, a, { delta: 0 })).toThrow(/^huber: delta: expected a positive finite number, got 0$/);
    expect(L.mse(a, a, undefined).item()).toBe(0);
  });

  it("a single example: logits [C] with a scalar label", () => {
    const z = f64(LOGITS.slice(0, 4), [4]);
    const loss = L.softmaxCrossEntropy(z, fx.scalar(0, "int32"));
    expect(loss.shape).toEqual([]);
    expectClose([loss.item()], [-LS[0]!]);
    expect(fx.nn.accuracy(z, fx.scalar(0, "int32")).item()).toBe(1);
  });
});

describe("nll, binaryCrossEntropy, klDivergence, hinge", () => {
  it("nll(logSoftmax(z), y) = softmaxCrossEntropy(z, y), and its gradient picks the label", () => {
    const z = f64(LOGITS, [3, 4]);
    const logP = fx.nn.logSoftmax(z);
    expectReductions((o) => L.nll(logP, i32(LABELS), o), LABELS.map((c, r) => -LS[r * 4 + c]!), [3], 1e-14);
    const g = valuesOf(fx.grad((v: Tensor) => L.nll(v, i32(LABELS), { reduction: "sum" }))(logP));
    expect(g).toEqual([-1, 0, 0, 0, 0, 0, 0, -1, 0, 0, -1, 0]);
    expect(L.nll(fx.tensor([[-Infinity, 0]]), i32([1])).item() + 0).toBe(0);
    expect(() => L.nll(logP, i32([0, 1, 9]))).toThrow(/nll: label 9 at flat index 2 is outside \[0, 4\)/);
  });

  it("binaryCrossEntropy = −[y log σ(z) + (1 − y) log(1 − σ(z))], stable at |z| = 1e4 and beyond", () => {
    const zs = [-30, -2.5, -0.5, 0, 0.75, 3, 40];
    const ys = [0, 1, 0.3, 1, 0, 0.8, 1];
    const ref = zs.map((v, i) => ys[i]! * softplusRef(-v) + (1 - ys[i]!) * softplusRef(v));
    expectReductions((o) => L.binaryCrossEntropy(f64(zs, [7]), f64(ys, [7]), o), ref, [7], 1e-13);
    const big = L.binaryCrossEntropy(fx.tensor([1e4, -1e4, 1e30, -1e30]), fx.tensor([0, 1, 1, 0]), { reduction: "none" });
    expect(valuesOf(big)).toEqual([1e4, 1e4, 0, 0]);
    const g = valuesOf(fx.grad((v: Tensor) => L.binaryCrossEntropy(v, fx.tensor([0, 1, 1, 0, 0.25]), { reduction: "sum" }))(fx.tensor([1e4, -1e4, 1e30, -1e30, 0])));
    expect(g).toEqual([1, -1, 0, 0, 0.25]);
    checkAllDerivatives((v, y) => L.binaryCrossEntropy(v, y), [f64([-2.1, 0.3, 1.7], [3]), f64([0.2, 0.9, 0.1], [3])], 6, {}, "binaryCrossEntropy");
    // σ(z) − y at z = 0 (no kink there)
    expect(valuesOf(fx.grad((v: Tensor) => L.binaryCrossEntropy(v, fx.tensor([1]), { reduction: "sum" }))(fx.tensor([0])))).toEqual([-0.5]);
    expect(sigmoidRef(0)).toBe(0.5);
    expect(() => L.binaryCrossEntropy(fx.tensor([0, 1]), fx.tensor([0, 2]))).toThrow(/binaryCrossEntropy: targets must be in \[0, 1\], got 2 at flat index 1/);
    expect(() => L.binaryCrossEntropy(fx.tensor([0, 1]), fx.tensor([0]))).toThrow(/binaryCrossEntropy: targets of shape \[1\] does not match logits of shape \[2\]/);
  });

  it("klDivergence = Σ p (log p − log q) per example; 0 for p = q; classes with p = 0 contribute 0", () => {
    const p = [0.5, 0.25, 0.25, 0, 0.2, 0.8];
    const q = [0.4, 0.4, 0.2, 0.1, 0.6, 0.3];
    const logQ = f64(q.map(Math.log), [2, 3]);
    const per = [0, 1].map((r) => sumOf([0, 1, 2].map((c) => (p[r * 3 + c]! > 0 ? p[r * 3 + c]! * (Math.log(p[r * 3 + c]!) - Math.log(q[r * 3 + c]!)) : 0))));
    expectReductions((o) => L.klDivergence(logQ, f64(p, [2, 3]), o), per, [2]);
    expect(L.klDivergence(fx.tensor([Math.log(0.3), Math.log(0.7)]), fx.tensor([0.3, 0.7])).item()).toBeCloseTo(0, 7);
    const g = valuesOf(fx.grad((v: Tensor) => L.klDivergence(v, f64(p, [2, 3]), { reduction: "sum" }))(logQ));
    expectClose(g, p.map((v) => -v));
    checkAllDerivatives((a) => L.klDivergence(a, f64(p, [2, 3])), [logQ], 8, {}, "klDivergence");
    expect(() => L.klDivergence(logQ, f64([0.5, 0.5, 1.5, 0, 0, 1], [2, 3]))).toThrow(/klDivergence: targets must be probabilities in \[0, 1\], got 1.5/);
  });

  it("hinge = max(0, 1 − y·s) with derivative 0 at the margin", () => {
    const s = [2, 0.5, -0.3, 1, -1, 0];
    const y = [1, 1, -1, 1, 1, -1];
    expectReductions((o) => L.hinge(f64(s, [6]), f64(y, [6]), o), s.map((v, i) => Math.max(0, 1 - y[i]! * v)), [6]);
    expect(valuesOf(L.hinge(f64(s, [6]), i32(y), { reduction: "none" }))).toEqual([0, 0.5, 0.7, 0, 2, 1]);
    const g = valuesOf(fx.grad((v: Tensor) => L.hinge(v, fx.tensor(y), { reduction: "sum" }))(fx.tensor(s)));
    expect(g.map((v) => v + 0)).toEqual([0, -1, 1, 0, -1, 1]);
    expect(() => L.hinge(fx.tensor([1, 2]), fx.tensor([1, 0]))).toThrow(/hinge: labels must be −1 or \+1, got 0 at flat index 1/);
  });
});

describe("penalties over parameter pytrees", () => {
  const params = {
    layers: [
      { w: f64([1, -2, 3, -4], [2, 2]), b: f64([0.5, -0.5], [2]) },
      { w: f64([-1, 0.5], [2, 1]), b: f64([2], [1]) },
    ],
    scale: f64([3], []),
  };
  const weights = [1, -2, 3, -4, -1, 0.5];
  const all = [...weights, 0.5, -0.5, 2, 3];

  it("l1 = Σ|w|, l2 = ½Σw², elasticNet = α(r·l1 + (1 − r)·l2), over all leaves or only weights (rank ≥ 2)", () => {
    const l1 = (xs: number[]) => sumOf(xs.map(Math.abs));
    const l2 = (xs: number[]) => 0.5 * sumOf(xs.map((v) => v * v));
    expect(L.l1(params).item()).toBe(l1(all));
    expect(L.l2(params).item()).toBe(l2(all));
    expect(L.l1(params, { include: "weights" }).item()).toBe(l1(weights));
    expect(L.l2(params, { include: "weights" }).item()).toBe(l2(weights));
    expect(L.elasticNet(params, 0.1, 0.3).item()).toBeCloseTo(0.1 * (0.3 * l1(all) + 0.7 * l2(all)), 14);
    expect(L.elasticNet(params, 0.1, 0.3, { include: "weights" }).item()).toBeCloseTo(0.1 * (0.3 * l1(weights) + 0.7 * l2(weights)), 14);
    expect(L.l1({}).item()).toBe(0);
  });

  it("a predicate on the dotted path chooses leaves (layers.0.w, layers.1.b, scale)", () => {
    const seen: string[] = [];
    L.l2(params, { include: (path) => (seen.push(path), true) });
    expect(seen).toEqual(["layers.0.b", "layers.0.w", "layers.1.b", "layers.1.w", "scale"]);
    expect(L.l1(params, { include: (path) => path.endsWith(".b") }).item()).toBe(3);
    expect(L.l1(params, { include: (_, leaf) => leaf.size === 1 }).item()).toBe(5);
  });

  it("gradients: l2 gives w, l1 gives sign(w), only on selected leaves; works under jit", () => {
    const g = fx.grad((p: typeof params) => L.elasticNet(p, 2, 0.5, { include: "weights" }))(params) as typeof params;
    // α(r·sign(w) + (1 − r)·w) = sign(w) + w for α = 2, r = ½, w = [1, −2, 3, −4]
    expect(valuesOf(g.layers[0]!.w)).toEqual([2, -3, 4, -5]);
    expect(valuesOf(g.layers[0]!.b)).toEqual([0, 0]);
    expect(valuesOf(g.scale)).toEqual([0]);
    const jitted = fx.jit((p: typeof params) => L.l2(p, { include: "weights" }))(params);
    expect(Object.is(jitted.item(), L.l2(params, { include: "weights" }).item())).toBe(true);
  });

  it("errors: a non-tensor or integer leaf, bad α or ratio, an unknown option", () => {
    expect(() => L.l1({ a: { w: [1, 2] } })).toThrow(/l1: parameter a.w.0 is not a tensor/);
    expect(() => L.l2({ step: i32([3]) })).toThrow(/l2: parameter step is int32, penalties apply to float parameters/);
    expect(L.l2({ step: i32([3]), w: f64([2], [1]) }, { include: (p) => p !== "step" }).item()).toBe(2);
    expect(() => L.elasticNet(params, -1, 0.5)).toThrow(/elasticNet: alpha must be a non-negative finite number, got -1/);
    expect(() => L.elasticNet(params, 1, 1.5)).toThrow(/elasticNet: l1Ratio must be in \[0, 1\], got 1.5/);
    expect(() => L.l1(params, { only: "weights" } as never)).toThrow(/^l1: unknown option "only"; valid options are include$/);
    expect(() => L.l1(params, { include: "biases" } as never)).toThrow(/^l1: include: expected "all", "weights" or a function \(path, leaf\) => boolean, got "biases"$/);
  });
});

describe("metrics", () => {
  const z = fx.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2]]);
  it("accuracy: fraction whose argmax (first on ties) is the label; int32 or one-hot labels", () => {
    expect(fx.nn.accuracy(z, i32([1, 0, 1, 0])).item()).toBe(0.75);
    expect(fx.nn.accuracy(z, i32([1, 0, 1, 1])).item()).toBe(0.5);
    expect(fx.nn.accuracy(z, fx.oneHot(i32([1, 0, 2, 0]), 3)).item()).toBe(1);
    expect(fx.nn.accuracy(z, i32([1, 0, 1, 0])).dtype).toBe("float32");
  });
  it("topK: fraction whose label is among the k highest (fewer than k classes strictly higher)", () => {
    expect(fx.nn.topK(z, i32([2, 1, 0, 1]), 1).item()).toBe(0.25);
    expect(fx.nn.topK(z, i32([2, 1, 0, 1]), 2).item()).toBe(1);
    // Row 2's label ties the second-highest score: it counts as in the top 2, not the top 1.
    expect(fx.nn.topK(z, i32([0, 2, 0, 2]), 1).item()).toBe(0);
    expect(fx.nn.topK(z, i32([0, 2, 0, 2]), 2).item()).toBe(0.25);
    expect(fx.nn.topK(z, i32([0, 2, 0, 2]), 3).item()).toBe(1);
    expect(fx.nn.topK(z, i32([1, 0, 2, 0]), 1).item()).toBe(fx.nn.accuracy(z, i32([1, 0, 2, 0])).item());
  });
  it("work under jit with the same results", () => {
    const labels = i32([2, 1, 0, 1]);
    expectJitIdentical((a, b) => fx.nn.topK(a, b, 2), z, labels);
    expectJitIdentical((a, b) => fx.nn.accuracy(a, b), z, labels);
  });
  it("errors name the metric and the shapes", () => {
    expect(() => fx.nn.accuracy(z, i32([1, 0]))).toThrow(/accuracy: labels of shape \[2\] do not match the batch shape \[4\] of scores \[4,3\]/);
    expect(() => fx.nn.topK(z, i32([1, 0, 2, 0]), 4)).toThrow(/topK: k must be an integer in \[1, 3\] for logits of shape \[4,3\], got 4/);
    expect(() => fx.nn.topK(z, i32([1, 0, 3, 0]), 1)).toThrow(/topK: label 3 at flat index 2 is outside \[0, 3\)/);
  });
});

describe("losses under jit", () => {
  const z = f64(LOGITS, [3, 4]);
  const t = f64([0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0], [3, 4]);
  const cases: Record<string, [(a: Tensor, b: Tensor) => Tensor, Tensor]> = {
    mse: [(a, b) => L.mse(a, b), t],
    mae: [(a, b) => L.mae(a, b, { reduction: "sum" }), t],
    huber: [(a, b) => L.huber(a, b, { delta: 0.3, reduction: "none" }), t],
    softmaxCrossEntropyInt: [(a, b) => L.softmaxCrossEntropy(a, b, { labelSmoothing: 0.1 }), i32(LABELS)],
    softmaxCrossEntropySoft: [(a, b) => L.softmaxCrossEntropy(a, b), t],
    nll: [(a, b) => L.nll(a, b), i32(LABELS)],
    binaryCrossEntropy: [(a, b) => L.binaryCrossEntropy(a, b), t],
    klDivergence: [(a, b) => L.klDivergence(a, b, { reduction: "none" }), t],
  };
  for (const [name, [f, target]] of Object.entries(cases)) {
    it(`${name}: jit ≡ eager bit for bit, value and gradient (float64)`, () => {
      expectJitIdentical(f, z, target);
      expectJitIdentical((a, b) => fx.grad((v: Tensor) => fx.sum(f(v, b)))(a), z, target);
    });
    it(`${name}: jit ≡ eager bit for bit (float32)`, () => {
      const z32 = fx.cast(z, "float32");
      const t32 = target.dtype === "float64" ? fx.cast(target, "float32") : target;
      expectJitIdentical(f, z32, t32);
      expectJitIdentical((a, b) => fx.grad((v: Tensor) => fx.sum(f(v, b)))(a), z32, t32);
    });
  }
  it("hinge: jit ≡ eager", () => {
    expectJitIdentical((a, b) => L.hinge(a, b), f64([2, 0.5, -0.3], [3]), f64([1, -1, 1], [3]));
  });
});
