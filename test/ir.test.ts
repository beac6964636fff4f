// The IR: the builder, the printer's text (snapshot) and the verifier's checks.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { ProgramBuilder } from "../src/ir/builder.js";
import { Program } from "../src/ir/program.js";
import { Lit, Var } from "../src/ir/var.js";
import { IRError, verifyProgram } from "../src/ir/verify.js";
import { addPrim, expPrim, lookupPrimitive, matmulPrim, reduceSumPrim } from "../src/prims/index.js";

const f32 = (...shape: number[]) => ({ shape, dtype: "float32" as const });

describe("ProgramBuilder", () => {
  it("builds a program whose equations obey the shape rules", () => {
    const b = new ProgramBuilder();
    const x = b.addInput(f32(2, 3));
    const w = b.addConstant(fx.ones([3, 4]));
    const y = b.addEqn(matmulPrim, [x, w], { transposeA: false, transposeB: false });
    const z = b.addEqn(addPrim, [y, new Lit(1, "float32")], {});
    const s = b.addEqn(reduceSumPrim, [z], { axes: [0, 1] });
    const p = b.build([s]);
    expect(y.shape).toEqual([2, 4]);
    expect(s.shape).toEqual([]);
    expect(p.eqns.length).toBe(3);
    verifyProgram(p);
    const [out] = fx.evalProgram(p, [fx.ones([2, 3])]);
    expect(out!.item()).toBe(32);
  });

  it("rejects an equation that breaks its shape rule as it is added", () => {
    const b = new ProgramBuilder();
    const x = b.addInput(f32(2, 3));
    const y = b.addInput(f32(4, 5));
    expect(() => b.addEqn(matmulPrim, [x, y], { transposeA: false, transposeB: false })).toThrow("matmul: inner dimensions differ: [2,3] @ [4,5]");
    expect(() => b.addEqn(addPrim, [x, y], {})).toThrow(/add: operand shapes differ: \[2,3\], \[4,5\]/);
  });
});

describe("printer", () => {
  it("prints a jaxpr-like text with constants, inputs, params and literals", () => {
    const w = fx.tensor([[1, 2, 3], [4, 5, 6]]);
    const p = fx.trace((x: fx.Tensor, b: fx.Tensor) => fx.sum(fx.tanh(fx.add(fx.matmul(x, w), b)), { axis: 1 }))(fx.ones([4, 2]), fx.ones([3]));
    expect(String(p)).toBe(
      [
        "{ lambda a:f32[2,3] ; b:f32[4,2] c:f32[3]. let",
        "    d:f32[4,3] = matmul[transposeA=false transposeB=false] b a",
        "    e:f32[4,3] = broadcast_to[shape=[4,3]] c",
        "    f:f32[4,3] = add d e",
        "    g:f32[4,3] = tanh f",
        "    h:f32[4] = reduce_sum[axes=[1]] g",
        "  in (h) }",
      ].join("\n"),
    );
  });

  it("prints literals with their dtype, and names do not depend on variable ids", () => {
    const f = (x: fx.Tensor) => fx.greater(fx.mul(x, 2), fx.scalar(1, "float32"));
    const p1 = fx.trace(f)(fx.ones([2], { dtype: "int32" }));
    fx.trace(f)(fx.ones([7])); // allocate other variable ids in between
    const p2 = fx.trace(f)(fx.ones([2], { dtype: "int32" }));
    expect(String(p1)).toContain("mul a 2:i32");
    expect(String(p1)).toContain("convert[dtype=float32]");
    expect(String(p1)).toBe(String(p2));
  });
});

describe("verifier", () => {
  const x = new Var(f32(3));
  it("accepts a well-formed program", () => {
    const y = new Var(f32(3));
    verifyProgram(new Program({ inputs: [x], constants: [], eqns: [{ prim: expPrim, inputs: [x], params: {}, out: y }], outputs: [y] }));
  });

  it("catches a variable used before it is defined", () => {
    const y = new Var(f32(3));
    const z = new Var(f32(3));
    const p = new Program({
      inputs: [x],
      constants: [],
      eqns: [
        { prim: expPrim, inputs: [y], params: {}, out: z },
        { prim: expPrim, inputs: [x], params: {}, out: y },
      ],
      outputs: [z],
    });
    expect(() => verifyProgram(p)).toThrow(IRError);
    expect(() => verifyProgram(p)).toThrow(/used before it is defined \(equation 0: exp\)/);
  });

  it("catches a variable defined twice", () => {
    const y = new Var(f32(3));
    const p = new Program({
      inputs: [x],
      constants: [],
      eqns: [
        { prim: expPrim, inputs: [x], params: {}, out: y },
        { prim: expPrim, inputs: [y], params: {}, out: y },
      ],
      outputs: [y],
    });
    expect(() => verifyProgram(p)).toThrow(/is defined twice \(equation 1: exp\)/);
  });

  it("catches an output shape that disagrees with the shape rule", () => {
    const y = new Var(f32(4));
    const p = new Program({ inputs: [x], constants: [], eqns: [{ prim: expPrim, inputs: [x], params: {}, out: y }], outputs: [y] });
    expect(() => verifyProgram(p)).toThrow(/equation 0: exp declares f32\[4\] but its shape rule gives f32\[3\]/);
  });

  it("catches an equation whose operands break the shape rule", () => {
    const a = new Var(f32(2));
    const y = new Var(f32(3));
    const p = new Program({ inputs: [x, a], constants: [], eqns: [{ prim: addPrim, inputs: [x, a], params: {}, out: y }], outputs: [y] });
    expect(() => verifyProgram(p)).toThrow(/equation 0: add breaks its shape rule: add: operand shapes differ/);
  });

  it("catches an undefined output and a mistyped constant", () => {
    const y = new Var(f32(3));
    expect(() => verifyProgram(new Program({ inputs: [x], constants: [], eqns: [], outputs: [y] }))).toThrow(/used before it is defined \(output 0\)/);
    const c = new Var(f32(2));
    expect(() => verifyProgram(new Program({ inputs: [], constants: [{ v: c, value: fx.ones([3]) }], eqns: [], outputs: [c] }))).toThrow(
      /constant 0 is declared f32\[2\] but holds f32\[3\]/,
    );
  });

  it("every traced program verifies", () => {
    const p = fx.trace((a: fx.Tensor) => fx.logSumExp(fx.concat([fx.slice(a, [[1]]), fx.flip(a)]), { axis: 0 }))(fx.ones([3, 2]));
    expect(() => verifyProgram(p)).not.toThrow();
    expect(lookupPrimitive("rev")).toBeDefined();
  });
});

describe("docs/ir.md", () => {
  it("shows the program the documented example really traces to", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(new URL("../docs/ir.md", import.meta.url), "utf8");
    const w = fx.tensor([[0.5, -1, 2], [1, 0.25, -0.5]]);
    const b = fx.tensor([0.1, 0.2, 0.3]);
    function model({ x, labels }: { x: fx.Tensor; labels: fx.Tensor }) {
      const h = fx.tanh(fx.add(fx.matmul(x, w), b));
      const logits = fx.pad(fx.slice(h, [null, [0, 2]]), [[0, 0], [0, 1]]);
      const logp = fx.sub(logits, fx.logSumExp(logits, { axis: -1, keepDims: true }));
      return fx.neg(fx.mean(fx.sum(fx.mul(logp, fx.oneHot(labels, 3)), { axis: 1 })));
    }
    const p = fx.trace(model)({ x: fx.ones([4, 2]), labels: fx.tensor([0, 1, 2, 0], { dtype: "int32" }) });
    expect(doc).toContain(String(p));
  });
});
