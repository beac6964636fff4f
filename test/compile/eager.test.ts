// Eager operations run through cached one-op compiled programs; the reference evaluation stays
// reachable as the oracle (evalProgram(..., { reference: true })).

import { describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { compiledExecutor } from "../../src/compile/eager.js";
import { getExecutor, referenceExecutor } from "../../src/trace/context.js";
import { evalProgram } from "../../src/trace/interpret.js";
import { compiledSourceCount } from "../../src/compile/codegen/emitter.js";

describe("the compiled executor", () => {
  it("is installed when fluxion is imported", () => {
    expect(getExecutor()).toBe(compiledExecutor);
  });

  it("agrees with the reference evaluation on every primitive family", () => {
    const x = fx.tensor([[0.5, -1.5, 2], [3, -0.25, 1]]);
    const y = fx.tensor([[1, 2, 0.5], [-1, 4, 2]]);
    const fns: [string, () => fx.Tensor][] = [
      ["unary chain", () => fx.sigmoid(fx.exp(x).log1p())],
      ["binary with broadcast", () => fx.pow(fx.abs(x), fx.tensor([1, 2, 0.5]))],
      ["int32", () => fx.add(fx.cast(x, "int32"), 2147483647)],
      ["compare and where", () => fx.where(fx.less(x, y), x, y)],
      ["reduce inner", () => fx.max(x, { axis: 1 })],
      ["reduce outer", () => fx.sum(x, { axis: 0 })],
      ["reduce all", () => fx.prod(x)],
      ["transpose", () => fx.transpose(x)],
      ["matmul", () => fx.matmul(x, fx.transpose(y))],
      ["argmax (reference kernel)", () => fx.argmax(x, { axis: 1 })],
    ];
    for (const [name, f] of fns) {
      const p = fx.trace(f)();
      const want = evalProgram(p, [], { reference: true })[0]!;
      const got = f();
      expect(got.dtype, name).toBe(want.dtype);
      const a = got.data();
      const b = want.data();
      a.forEach((v, i) => expect(v, name).toBeCloseTo(b[i]!, 5));
    }
  });

  it("caches one-op programs by primitive, params and operand types", () => {
    const a = fx.tensor([1, 2, 3]);
    fx.exp(a);
    const n = compiledSourceCount();
    for (let i = 0; i < 5; i++) fx.exp(fx.tensor([i, i, i]));
    expect(compiledSourceCount()).toBe(n);
  });

  it("reports shape errors from the primitive's own rule", () => {
    expect(() => fx.add(fx.ones([2]), fx.ones([3]))).toThrow(/add/);
    expect(referenceExecutor).toBeTypeOf("function");
  });
});
