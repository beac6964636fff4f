// trace: staging functions into Programs, closures as constants, pytrees, tracer errors,
// and the interpreter running programs on concrete tensors.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

describe("trace", () => {
  it("records equations without computing values", () => {
    let sawTracer = false;
    const p = fx.trace((x: fx.Tensor) => {
      sawTracer = x.isTracer;
      return fx.exp(fx.neg(x));
    })(fx.ones([2, 2]));
    expect(sawTracer).toBe(true);
    expect(String(p)).toBe("{ lambda ; a:f32[2,2]. let\n    b:f32[2,2] = neg a\n    c:f32[2,2] = exp b\n  in (c) }");
  });

  it("captured tensors become constants; rank-0 ones become literals", () => {
    const w = fx.tensor([1, 2, 3]);
    const s = fx.scalar(4);
    const p = fx.trace((x: fx.Tensor) => fx.mul(fx.add(x, w), s))(fx.zeros([3]));
    expect(p.constants.length).toBe(1);
    expect(p.constants[0]!.value).toBe(w);
    expect(String(p)).toContain("{ lambda a:f32[3] ; b:f32[3]. let");
    expect(String(p)).toContain("mul c 4.0:f32");
  });

  it("takes and returns pytrees", () => {
    const p = fx.trace(({ w, b }: { w: fx.Tensor; b: fx.Tensor }, x: fx.Tensor) => ({ y: fx.add(fx.matmul(x, w), b), n: fx.sum(x) }))(
      { w: fx.ones([3, 2]), b: fx.zeros([2]) },
      fx.ones([5, 3]),
    );
    expect(p.inputs.map((v) => v.shape)).toEqual([[2], [3, 2], [5, 3]]); // keys sorted: b, w
    expect(p.outputs.length).toBe(2);
    expect(fx.tree.treeDefKey(p.outTree!)).toBe('{"n":*,"y":*}');
  });

  it("JS numbers as arguments become weak scalars, converted as the number would be", () => {
    const p = fx.trace((a: fx.Tensor | number, b: fx.Tensor) => fx.add(a, b))(1, fx.ones([2]));
    expect(p.inputs[0]!.shape).toEqual([]);
    expect(p.inputs[0]!.dtype).toBe("int32");
    expect(p.inputs[0]!.weak).toBe(true);
    expect(String(p)).toBe(
      "{ lambda ; a:i32[]{weak} b:f32[2]. let\n    c:f32[] = convert[dtype=float32] a\n    d:f32[2] = add c b\n  in (d) }",
    );
    const q = fx.trace((a: fx.Tensor | number) => a)(0.5);
    expect(String(q)).toBe("{ lambda ; a:f64[]{weak}. let\n    b:f32[] = convert[dtype=float32] a\n  in (b) }"); // returned like a number: float32
  });

  it("JS booleans are static: f receives the boolean, the program has no input for it", () => {
    const f = (x: fx.Tensor, training: boolean) => (training ? fx.mul(x, 2) : x);
    const on = fx.trace(f)(fx.ones([2]), true);
    const off = fx.trace(f)(fx.ones([2]), false);
    expect(on.inputs.length).toBe(1);
    expect(on.eqns.map((e) => e.prim.name)).toEqual(["mul"]);
    expect(off.eqns.length).toBe(0);
  });

  it("a tracer has no truth value of its own: `if (tensor)` is always taken", () => {
    // The trap docs/sharp-bits.md describes: a Tensor is an object, so it is truthy.
    const p = fx.trace((x: fx.Tensor, flag: fx.Tensor) => (flag ? fx.neg(x) : x))(fx.ones([1]), fx.scalar(false));
    expect(p.eqns.map((e) => e.prim.name)).toEqual(["neg"]);
  });

  it("branching on a traced value raises a TracerError that says to use where", () => {
    const f = (x: fx.Tensor) => (fx.greater(x, 0).item() ? x : fx.neg(x));
    expect(() => fx.trace(f)(fx.ones([1]))).toThrow(fx.TracerError);
    expect(() => fx.trace(f)(fx.ones([1]))).toThrow(/fx.where\(cond, a, b\)/);
    const g = (x: fx.Tensor) => ((x as unknown as number) > 0 ? x : fx.neg(x));
    expect(() => fx.trace(g)(fx.ones([1]))).toThrow(/where/);
    expect(() => fx.trace((x: fx.Tensor) => x.toArray() as fx.tree.TreeLike)(fx.ones([1]))).toThrow(/toArray: cannot read the values of a traced tensor \(shape \[1\], float32\)/);
  });

  it("an escaped tracer raises a clear error when used later", () => {
    let leaked: fx.Tensor | undefined;
    fx.trace((x: fx.Tensor) => {
      leaked = fx.exp(x);
      return x;
    })(fx.ones([2]));
    expect(() => fx.add(leaked!, 1)).toThrow(fx.TracerError);
    expect(() => fx.add(leaked!, 1)).toThrow(/escaped the trace that made it/);
    // Used inside a later, unrelated trace: still an error.
    expect(() => fx.trace((y: fx.Tensor) => fx.add(y, leaked!))(fx.ones([2]))).toThrow(/escaped the trace/);
  });

  it("rejects non-tensor leaves", () => {
    expect(() => fx.trace((x: unknown) => x as fx.tree.TreeLike)("hello")).toThrow(/trace: argument leaf 0 is string/);
    expect(() => fx.trace(() => ({ a: "s" }))()).toThrow(/returned a string leaf/);
  });
});

describe("evalProgram", () => {
  it("runs a traced program and equals eager evaluation", () => {
    const f = (x: fx.Tensor, y: fx.Tensor) => fx.mean(fx.square(fx.sub(fx.matmul(x, y), 1)), { axis: 0 });
    const x = fx.tensor([[1, 2], [3, 4]], { dtype: "float64" });
    const y = fx.tensor([[0.5, -1], [2, 0.25]], { dtype: "float64" });
    const p = fx.trace(f)(x, y);
    const [out] = fx.evalProgram(p, [x, y]);
    expect(out!.toArray()).toEqual(f(x, y).toArray());
    const [ref] = fx.evalProgram(p, [x, y], { reference: true });
    expect(ref!.toArray()).toEqual(f(x, y).toArray());
  });

  it("checks argument count, shapes and dtypes", () => {
    const p = fx.trace((x: fx.Tensor) => fx.exp(x))(fx.ones([2]));
    expect(() => fx.evalProgram(p, [])).toThrow(/evalProgram: program takes 1 inputs, got 0/);
    expect(() => fx.evalProgram(p, [fx.ones([3])])).toThrow(/evalProgram: input 0 must be float32\[2\], got float32\[3\]/);
    expect(() => fx.evalProgram(p, [fx.ones([2], { dtype: "float64" })])).toThrow(/must be float32\[2\], got float64\[2\]/);
  });

  it("re-records equations when run on tracers (inlining into an outer trace)", () => {
    const inner = fx.trace((x: fx.Tensor) => fx.sin(x))(fx.ones([2]));
    const outer = fx.trace((x: fx.Tensor) => fx.evalProgram(inner, [fx.mul(x, 2)])[0]!)(fx.ones([2]));
    expect(outer.eqns.map((e) => e.prim.name)).toEqual(["mul", "sin"]);
  });
});
