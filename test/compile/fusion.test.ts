// Fusion groups: which equations share a kernel, checked through `explain` and the fused IR,
// and that fused programs compute what the unfused ones do.

import { describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import type { Program } from "../../src/ir/program.js";
import { verifyProgram } from "../../src/ir/verify.js";
import { evalProgram } from "../../src/trace/interpret.js";
import { isFused } from "../../src/compile/fused.js";
import { fuseElementwise } from "../../src/compile/passes/fuse.js";
import { jit } from "../../src/compile/jit.js";

const kernelCount = (text: string) => Number(/== kernels: (\d+) ==/.exec(text)![1]);
const kernelKinds = (text: string) => [...text.matchAll(/^kernel \d+: (\w+) →/gm)].map((m) => m[1]);

function fusedOf(f: (...xs: fx.Tensor[]) => fx.Tensor, ...args: fx.Tensor[]): Program {
  const p = fx.trace(f)(...args);
  const q = fuseElementwise(p);
  verifyProgram(q);
  const a = evalProgram(p, args, { reference: true })[0]!.data();
  const b = evalProgram(q, args, { reference: true })[0]!.data();
  expect(Array.from(b)).toEqual(Array.from(a));
  return q;
}

const x = fx.tensor([[0.5, -1, 2], [3, -0.25, 1]]);

describe("elementwise chains", () => {
  for (const k of [1, 2, 5, 10]) {
    it(`a chain of ${k} elementwise ops over one shape is exactly one kernel`, () => {
      const f = (a: fx.Tensor) => {
        let y = a;
        for (let i = 0; i < k; i++) y = i % 3 === 0 ? fx.tanh(y) : i % 3 === 1 ? fx.mul(y, 1.5) : fx.sub(y, a);
        return y;
      };
      const text = jit(f).explain(x);
      expect(kernelCount(text)).toBe(1);
      expect(kernelKinds(text)).toEqual(["loop"]);
      expect(text).toContain(`${k} equation`);
    });
  }

  it("broadcasts, casts and where join the loop", () => {
    const b = fx.tensor([1, 2, 3]);
    const f = (a: fx.Tensor, c: fx.Tensor) => fx.where(fx.greater(a, c), fx.cast(fx.floor(a), "int32").cast("float32"), fx.add(a, c));
    const q = fusedOf(f, x, b);
    expect(q.eqns).toHaveLength(1);
    expect(isFused(q.eqns[0]!.prim)).toBe(true);
    expect(kernelCount(jit(f).explain(x, b))).toBe(1);
  });

  it("transpose and reshape of inputs are index arithmetic inside the loop", () => {
    const f = (a: fx.Tensor) => fx.add(fx.transpose(a), fx.reshape(a, [3, 2])).exp();
    expect(kernelCount(jit(f).explain(x))).toBe(1);
    expect(jit(f)(x).toArray()).toEqual(f(x).toArray());
  });

  it("a value read by two kernels is materialised once", () => {
    const f = (a: fx.Tensor) => {
      const e = fx.exp(a);
      return fx.add(fx.sum(e, { axis: 1, keepDims: true }), e);
    };
    fusedOf(f, x);
    // exp → stored; sum reads it; the add reads it and the sum's result
    expect(kernelCount(jit(f).explain(x))).toBe(3);
  });
});

describe("reductions consume their producers", () => {
  it("sum(exp(x − m)) is one pass over x", () => {
    const m = fx.tensor([[1], [2]]);
    const f = (a: fx.Tensor, mm: fx.Tensor) => fx.sum(fx.exp(fx.sub(a, mm)), { axis: 1 });
    const text = jit(f).explain(x, m);
    expect(kernelCount(text)).toBe(1);
    expect(kernelKinds(text)).toEqual(["reduce"]);
    const src = text.split("== generated JavaScript ==")[1]!;
    expect(src.match(/for \(/g)).toHaveLength(2); // rows, then the reduced axis: one pass
    fusedOf(f, x, m);
  });

  it("logsumexp-style epilogues run in the reduction's output loop", () => {
    const f = (a: fx.Tensor) => fx.log(fx.sum(fx.exp(a), { axis: 0 })).mul(2);
    const text = jit(f).explain(x);
    expect(kernelCount(text)).toBe(1);
    expect(jit(f)(x).data()).toEqual(f(x).data());
  });

  it("softmax: max, then exp (stored, read twice), then sum and the division", () => {
    const softmax = (a: fx.Tensor) => {
      const e = fx.exp(fx.sub(a, fx.max(a, { axis: 1, keepDims: true })));
      return fx.div(e, fx.sum(e, { axis: 1, keepDims: true }));
    };
    const text = jit(softmax).explain(x);
    expect(kernelKinds(text)).toEqual(["reduce", "loop", "reduce", "loop"]);
    const got = jit(softmax)(x).data();
    const want = softmax(x).data();
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });
});

describe("matmul epilogues", () => {
  it("bias add and activation are written in the matmul's output loop", () => {
    const w = fx.tensor([[1, 2], [3, 4], [5, 6]]);
    const bias = fx.tensor([0.5, -100]);
    const f = (a: fx.Tensor, ww: fx.Tensor, b: fx.Tensor) => fx.maximum(fx.add(fx.matmul(a, ww), b), 0);
    const text = jit(f).explain(x, w, bias);
    expect(kernelCount(text)).toBe(1);
    expect(kernelKinds(text)).toEqual(["matmul"]);
    expect(jit(f)(x, w, bias).toArray()).toEqual(f(x, w, bias).toArray());
    fusedOf(f, x, w, bias);
  });

  it("a matmul result read elsewhere is stored and not fused", () => {
    const w = fx.tensor([[1, 2], [3, 4], [5, 6]]);
    const f = (a: fx.Tensor, ww: fx.Tensor) => {
      const y = fx.matmul(a, ww);
      return fx.add(fx.tanh(y), fx.sum(y));
    };
    const text = jit(f).explain(x, w);
    expect(kernelKinds(text)[0]).toBe("matmul");
    expect(text).toMatch(/kernel 0: matmul → \w+:f32\[2,2\] \(js-matmul\), 1 equation:/);
  });
});

describe("primitives without a compiled kernel", () => {
  it("run their reference evaluation as an opaque kernel between fused loops", () => {
    const f = (a: fx.Tensor) => fx.argmax(fx.exp(a), { axis: 1 }).cast("float32").mul(2);
    const text = jit(f).explain(x);
    expect(text).toContain("(reference)");
    expect(jit(f)(x).toArray()).toEqual(f(x).toArray());
  });
});
