// Each optimisation pass alone, on hand-written programs: what it removes or rewrites, and that
// the result computes the same values (checked with the reference interpreter).

import { describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import type { Program } from "../../src/ir/program.js";
import { verifyProgram } from "../../src/ir/verify.js";
import { evalProgram } from "../../src/trace/interpret.js";
import { eliminateCommonSubexpressions } from "../../src/compile/passes/cse.js";
import { eliminateDeadCode } from "../../src/compile/passes/dce.js";
import { foldConstants } from "../../src/compile/passes/fold-constants.js";
import { simplifyAlgebra } from "../../src/compile/passes/simplify.js";

const prims = (p: Program) => p.eqns.map((e) => e.prim.name);
const x23 = fx.tensor([[1, -2, 3], [4, 5, -6]]);

function sameResults(p: Program, q: Program, args: fx.Tensor[]) {
  verifyProgram(q);
  const a = evalProgram(p, args, { reference: true });
  const b = evalProgram(q, args, { reference: true });
  expect(b.map((t) => t.toArray())).toEqual(a.map((t) => t.toArray()));
}

describe("eliminateDeadCode", () => {
  it("drops equations and constants nothing reads", () => {
    const c = fx.tensor([1, 2, 3]);
    const p = fx.trace((x: fx.Tensor) => {
      fx.exp(x).mul(c); // dead, and so is the constant it captured
      return fx.neg(x);
    })(x23);
    expect(prims(p)).toEqual(["exp", "broadcast_to", "mul", "neg"]);
    const q = eliminateDeadCode(p);
    expect(prims(q)).toEqual(["neg"]);
    expect(q.constants).toHaveLength(0);
    sameResults(p, q, [x23]);
  });

  it("returns the same program when nothing is dead", () => {
    const p = fx.trace((x: fx.Tensor) => fx.exp(x))(x23);
    expect(eliminateDeadCode(p)).toBe(p);
  });
});

describe("eliminateCommonSubexpressions", () => {
  it("merges equal equations, including chains of them", () => {
    const p = fx.trace((x: fx.Tensor) => fx.add(fx.exp(x).mul(2), fx.exp(x).mul(2)))(x23);
    expect(prims(p)).toEqual(["exp", "mul", "exp", "mul", "add"]);
    const q = eliminateCommonSubexpressions(p);
    expect(prims(q)).toEqual(["exp", "mul", "add"]);
    const add = q.eqns[2]!;
    expect(add.inputs[0]).toBe(add.inputs[1]);
    sameResults(p, q, [x23]);
  });

  it("keeps equations whose params or literals differ", () => {
    const p = fx.trace((x: fx.Tensor) => fx.add(x.mul(2), x.mul(3)).add(fx.sum(x, { axis: 0 }).sum().add(fx.sum(x, { axis: 1 }).sum())))(x23);
    const q = eliminateCommonSubexpressions(p);
    expect(q.eqns.length).toBe(p.eqns.length);
  });
});

describe("foldConstants", () => {
  it("evaluates equations over constants and literals at compile time", () => {
    const w = fx.tensor([[1, 2, 3], [4, 5, 6]]);
    const p = fx.trace((x: fx.Tensor) => fx.add(x, fx.exp(w).mul(2)))(x23);
    expect(prims(p)).toEqual(["exp", "mul", "add"]);
    const q = eliminateDeadCode(foldConstants(p));
    expect(prims(q)).toEqual(["add"]);
    expect(q.constants).toHaveLength(1);
    sameResults(p, q, [x23]);
  });

  it("folds rank-0 results into literals", () => {
    const p = fx.trace((x: fx.Tensor) => fx.mul(x, fx.add(fx.scalar(2), fx.scalar(3))))(x23);
    const q = eliminateDeadCode(foldConstants(p));
    expect(String(q)).toContain("5.0:f32");
    sameResults(p, q, [x23]);
  });

  it("does not expand a literal into a large constant", () => {
    const p = fx.trace((x: fx.Tensor) => fx.add(x, fx.broadcastTo(fx.scalar(1), [100, 100])))(fx.zeros([100, 100]));
    expect(prims(foldConstants(p))).toContain("broadcast_to");
  });
});

describe("simplifyAlgebra", () => {
  const cases: [string, (x: fx.Tensor) => fx.Tensor, string[]][] = [
    ["x·1 and 1·x", (x) => fx.mul(fx.mul(x, 1), 1).exp(), ["exp"]],
    // x + 0 is not x for floats (−0 + 0 = +0); x + (−0) is.
    ["x+(−0), (−0)+x, x−0, x/1", (x) => fx.div(fx.sub(fx.add(-0, fx.add(x, -0)), 0), 1).exp(), ["exp"]],
    ["x+0 and 0+x stay for floats", (x) => fx.add(0, fx.add(x, 0)).exp(), ["add", "add", "exp"]],
    ["−(−x)", (x) => fx.neg(fx.neg(x)).exp(), ["exp"]],
    ["transpose of transpose", (x) => fx.transpose(fx.transpose(x)).exp(), ["exp"]],
    ["reshape chains", (x) => fx.reshape(fx.reshape(x, [3, 2]), [6]).exp(), ["reshape", "exp"]],
    ["reshape back to the same shape", (x) => fx.reshape(fx.reshape(x, [6]), [2, 3]).exp(), ["exp"]],
  ];
  for (const [name, f, expected] of cases) {
    it(name, () => {
      const p = fx.trace(f)(x23);
      const q = eliminateDeadCode(simplifyAlgebra(p));
      expect(prims(q)).toEqual(expected);
      sameResults(p, q, [x23]);
    });
  }

  it("uses rank-0 values instead of their broadcasts", () => {
    const p = fx.trace((x: fx.Tensor, s: fx.Tensor) => fx.add(x, s).mul(fx.broadcastTo(s, [2, 3])))(x23, fx.scalar(2));
    expect(prims(p)).toContain("broadcast_to");
    const q = eliminateDeadCode(simplifyAlgebra(p));
    expect(prims(q)).toEqual(["add", "mul"]);
    sameResults(p, q, [x23, fx.scalar(2)]);
  });

  it("keeps a broadcast when every operand would become rank-0", () => {
    const p = fx.trace((s: fx.Tensor) => fx.add(fx.broadcastTo(s, [3]), fx.broadcastTo(s, [3])))(fx.scalar(2));
    const q = eliminateDeadCode(simplifyAlgebra(p));
    expect(q.outputs[0]!.shape).toEqual([3]);
    sameResults(p, q, [fx.scalar(2)]);
  });

  it("folds a transpose of the last two axes into matmul's flags", () => {
    const a = fx.tensor([[1, 2], [3, 4], [5, 6]]);
    const p = fx.trace((x: fx.Tensor, y: fx.Tensor) => fx.matmul(fx.transpose(x), y))(a, a);
    const q = eliminateDeadCode(simplifyAlgebra(p));
    expect(prims(q)).toEqual(["matmul"]);
    expect(q.eqns[0]!.params).toEqual({ transposeA: true, transposeB: false });
    sameResults(p, q, [a, a]);
  });

  it("does not remove x·1 when it changes the dtype or shape", () => {
    const p = fx.trace((x: fx.Tensor) => fx.mul(x, fx.ones([2, 3])))(fx.scalar(3));
    const q = eliminateDeadCode(simplifyAlgebra(p));
    expect(q.outputs[0]!.shape).toEqual([2, 3]);
    sameResults(p, q, [fx.scalar(3)]);
  });
});
