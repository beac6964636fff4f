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
import { ProgramBuilder } from "../../src/ir/builder.js";
import type { Primitive } from "../../src/prims/primitive.js";
import { addPrim } from "../../src/prims/binary.js";
import { expPrim } from "../../src/prims/unary.js";
import { lowerEqn } from "../../src/compile/lower.js";
import { emitKernel } from "../../src/compile/codegen/emitter.js";

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
    expect(kernelKinds(text)).toEqual(["contraction"]);
    expect(text).toContain("(js-matmul)");
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
    expect(kernelKinds(text)[0]).toBe("contraction");
    expect(text).toMatch(/kernel 0: contraction → \w+:f32\[2,2\] \(js-matmul\), 1 equation:/);
  });

  // Found by a soak run of props/jit.test.ts: a layout read both by the matmul and by its
  // epilogue was made index arithmetic inside the kernel that also needed it as an operand.
  it("a layout read by both the matmul and its epilogue is stored once and read by both", () => {
    const f = (a: fx.Tensor) => {
      const d = fx.reshape(a, [2, 2]);
      return fx.add(fx.exp(d), fx.matmul(d, d));
    };
    const a = fx.tensor([1, 2, 3, 4], { dtype: "float64" });
    const text = jit(f).explain(a);
    expect(kernelKinds(text)).toContain("contraction");
    expect(jit(f)(a).toArray()).toEqual(f(a).toArray());
    fusedOf(f, a);
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

describe("conv epilogues", () => {
  // Deterministic data with both signs, so the activation matters.
  const filled = (shape: number[], seed: number, dtype: "float32" | "float64" = "float64") =>
    fx.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 1.5), { dtype }).reshape(shape);
  const kernelLines = (text: string) => text.split("== kernels:")[1]!.split("\n\n")[0]!;

  const relus: [string, (y: fx.Tensor) => fx.Tensor][] = [
    ["maximum(y, 0)", (y) => fx.maximum(y, 0)],
    ["where(y > 0, y, 0)", (y) => fx.where(fx.greater(y, 0), y, 0)],
  ];
  for (const [name, relu] of relus) {
    it(`relu(conv2d(x, w, { bias })) with relu = ${name} is one kernel covering conv, bias add and activation`, () => {
      const xs = filled([2, 3, 6, 5], 1);
      const ws = filled([4, 3, 3, 3], 2);
      const bs = filled([4], 3);
      const f = (a: fx.Tensor, w: fx.Tensor, b: fx.Tensor) => relu(fx.conv2d(a, w, { bias: b, padding: "same" }));
      const text = jit(f).explain(xs, ws, bs);
      expect(kernelCount(text)).toBe(1);
      expect(kernelKinds(text)).toEqual(["contraction"]);
      const lines = kernelLines(text);
      expect(lines).toMatch(/\((js-conv-(direct|im2col)|wasm-conv-f64x2)\+epilogue\)/);
      expect(lines).toMatch(/= conv\[/);
      expect(lines).toMatch(/= add /);
      expect(lines).toMatch(name.startsWith("maximum") ? /= maximum / : /= gt [\s\S]*= select /);
      expect(text).toContain("fused_conv");
      expect(text).toContain("== memory: 0 reusable buffers"); // no stored conv result
      // float64: the direct kernel sums in the reference's order, so fused equals unfused exactly.
      const got = jit(f)(xs, ws, bs);
      expect(got.toArray()).toEqual(f(xs, ws, bs).toArray());
      expect(got.data().some((v) => v === 0)).toBe(true); // the activation clipped something
      fusedOf(f, xs, ws, bs);
    });
  }

  it("conv1d with bias and tanh, float32: one kernel, equal to eager within float32 rounding", () => {
    const xs = filled([3, 2, 9], 4, "float32");
    const ws = filled([4, 1, 3], 5, "float32");
    const bs = filled([4], 6, "float32");
    const f = (a: fx.Tensor, w: fx.Tensor, b: fx.Tensor) => fx.tanh(fx.conv1d(a, w, { bias: b, stride: 2, groups: 2, padding: [[1, 0]] }));
    const text = jit(f).explain(xs, ws, bs);
    expect(kernelCount(text)).toBe(1);
    expect(kernelKinds(text)).toEqual(["contraction"]);
    const got = jit(f)(xs, ws, bs).data();
    const want = f(xs, ws, bs).data();
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6));
  });

  it("the im2col method takes the epilogue too (many filters, deep contraction)", () => {
    const xs = filled([1, 32, 8, 8], 7);
    const ws = filled([32, 32, 1, 1], 8);
    const bs = filled([32], 9);
    const f = (a: fx.Tensor, w: fx.Tensor, b: fx.Tensor) => fx.mul(fx.maximum(fx.conv2d(a, w, { bias: b }), 0), 2);
    const text = jit(f).explain(xs, ws, bs);
    expect(kernelCount(text)).toBe(1);
    expect(kernelLines(text)).toContain("(js-conv-im2col+epilogue)");
    const got = jit(f)(xs, ws, bs).data();
    const want = f(xs, ws, bs).data();
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 10));
  });

  it("epilogue operands are read through their views (a channels-last residual, a reshaped transpose)", () => {
    const xs = filled([2, 3, 5, 4], 13);
    const ws = filled([4, 3, 3, 3], 14);
    const nhwc = filled([2, 5, 4, 4], 15); // [N, H, W, O]
    const flat = filled([4, 40], 16); // transposed to [40, 4], reshaped to [2, 4, 5, 4]
    const f = (a: fx.Tensor, w: fx.Tensor, r: fx.Tensor, q: fx.Tensor) =>
      fx.tanh(fx.add(fx.add(fx.conv2d(a, w, { padding: "same" }), fx.transpose(r, [0, 3, 1, 2])), fx.reshape(fx.transpose(q), [2, 4, 5, 4])));
    const text = jit(f).explain(xs, ws, nhwc, flat);
    expect(kernelCount(text)).toBe(1);
    expect(kernelKinds(text)).toEqual(["contraction"]);
    expect(jit(f)(xs, ws, nhwc, flat).toArray()).toEqual(f(xs, ws, nhwc, flat).toArray());
  });

  it("a conv result read elsewhere is stored; a reduction after it takes the elementwise chain as its prologue", () => {
    const xs = filled([2, 2, 5, 5], 10);
    const ws = filled([3, 2, 3, 3], 11);
    const bs = filled([3], 12);
    const twice = (a: fx.Tensor, w: fx.Tensor, b: fx.Tensor) => {
      const y = fx.conv2d(a, w, { bias: b });
      return fx.add(fx.maximum(y, 0), fx.sum(fx.conv2d(a, w)));
    };
    const t1 = jit(twice).explain(xs, ws, bs);
    expect(t1).toMatch(/kernel 0: contraction → \w+:f64\[2,3,3,3\] \((js-conv-direct|wasm-conv-f64x2)\), 1 equation:/);
    expect(jit(twice)(xs, ws, bs).toArray()).toEqual(twice(xs, ws, bs).toArray());
    const pooled = (a: fx.Tensor, w: fx.Tensor, b: fx.Tensor) => fx.sum(fx.maximum(fx.conv2d(a, w, { bias: b }), 0), { axis: [2, 3] });
    const t2 = jit(pooled).explain(xs, ws, bs);
    expect(kernelKinds(t2)).toEqual(["contraction", "reduce"]);
    const got = jit(pooled)(xs, ws, bs).data();
    const want = pooled(xs, ws, bs).data();
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 10));
  });
});

describe("contraction roots come from a lowering capability, not a primitive's name", () => {
  // An unregistered primitive whose lowering declares `epilogue: true` (its reference doubles x).
  const doubled: Primitive = {
    name: "test_doubled",
    abstractEval: ([a]) => ({ shape: a!.shape, dtype: a!.dtype }),
    impl: ([a]) => a!.data.map((v) => 2 * v),
    vjp: () => [null],
    jvp: () => null,
    lowering: { kind: "kernel", kernel: "test_doubled", epilogue: true },
  };

  it("fusion makes it the root of its elementwise readers; codegen asks for its class's epilogue kernel", () => {
    const b = new ProgramBuilder();
    const a = b.addInput({ shape: [2, 3], dtype: "float64" });
    const c = b.addInput({ shape: [2, 3], dtype: "float64" });
    const d = b.addEqn(doubled, [a], {});
    const out = b.addEqn(expPrim, [b.addEqn(addPrim, [d, c], {})], {});
    const p = b.build([out]);
    const q = fuseElementwise(p);
    verifyProgram(q);
    expect(q.eqns).toHaveLength(1);
    const prim = q.eqns[0]!.prim;
    expect(isFused(prim) && prim.fused.kind === "contraction" && prim.fused.root?.prim === doubled).toBe(true);
    expect(prim.name).toBe("fused_test_doubled");
    const args = [fx.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" }), fx.tensor([[0, -1, -2], [-3, -4, -5]], { dtype: "float64" })];
    expect(evalProgram(q, args, { reference: true })[0]!.toArray()).toEqual(evalProgram(p, args, { reference: true })[0]!.toArray());
    const spec = lowerEqn(q.eqns[0]!);
    expect(spec.kind).toBe("contraction");
    if (spec.kind !== "contraction") return;
    expect(spec.root.kernelClass).toBe("test_doubled");
    expect(spec.operands).toEqual([0]);
    // Nothing registered for the class: a clear error, not a silent fallback.
    expect(() => emitKernel(spec)).toThrow(/no epilogue kernel is registered for kernel class "test_doubled"/);
  });
});
