// Each kind of error: its class, and a message that names the op and the offending
// shapes, dtypes or values.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { IRError } from "../src/ir/verify.js";

/** Asserts `f` throws an instance of `cls` whose message starts with `op:` and contains every part. */
function expectError(f: () => unknown, cls: new (...a: any[]) => Error, op: string, ...parts: string[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `${op} should throw`).toBeInstanceOf(cls);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${op}:`), msg).toBe(true);
  for (const p of parts) expect(msg).toContain(p);
}

describe("error classes", () => {
  it("all derive from FluxionError and carry their own name", () => {
    for (const C of [fx.ShapeError, fx.DTypeError, fx.ValueError, fx.TracerError, IRError]) {
      const e = new C("x: y");
      expect(e).toBeInstanceOf(fx.FluxionError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(C.name);
    }
  });
});

describe("ShapeError", () => {
  it("names the op and the shapes", () => {
    expectError(() => fx.matmul(fx.ones([2, 3]), fx.ones([4, 5])), fx.ShapeError, "matmul", "[2,3] @ [4,5]");
    expectError(() => fx.add(fx.ones([2, 3]), fx.ones([3, 2])), fx.ShapeError, "add", "[2,3]", "[3,2]");
    expectError(() => fx.where(fx.tensor([true, false, true]), fx.ones([2]), 0), fx.ShapeError, "where", "[3]", "[2]");
    expectError(() => fx.reshape(fx.ones([2, 3]), [5]), fx.ShapeError, "reshape", "[2,3]", "[5]");
    expectError(() => fx.broadcastTo(fx.ones([2]), [3]), fx.ShapeError, "broadcastTo", "[2]", "[3]");
    expectError(() => fx.concat([fx.ones([2, 2]), fx.ones([2, 3])]), fx.ShapeError, "concat", "[2,2]", "[2,3]");
    expectError(() => fx.stack([fx.ones([2]), fx.ones([3])]), fx.ShapeError, "stack", "[2]", "[3]");
    expectError(() => fx.squeeze(fx.ones([2, 1]), { axis: 0 }), fx.ShapeError, "squeeze", "[2,1]", "size 2");
    expectError(() => fx.split(fx.ones([5]), 2), fx.ShapeError, "split", "[5]", "2 equal parts");
    expectError(() => fx.tensor([[1], [1, 2]]), fx.ShapeError, "tensor", "ragged");
    expectError(() => fx.dot(fx.ones([3]), fx.ones([4])), fx.ShapeError, "dot", "[3]", "[4]");
  });
});

describe("DTypeError", () => {
  it("names the op and the dtypes", () => {
    expectError(() => fx.add(fx.tensor([true]), fx.tensor([true])), fx.DTypeError, "add", "bool");
    expectError(() => fx.where(fx.ones([1]), 1, 2), fx.DTypeError, "where", "float32");
    expectError(() => fx.logicalOr(fx.ones([1]), fx.ones([1])), fx.DTypeError, "logicalOr", "float32");
    expectError(() => fx.take(fx.ones([3]), fx.ones([1])), fx.DTypeError, "take", "int32", "float32");
    expectError(() => fx.full([1], 0, { dtype: "f16" as fx.DType }), fx.DTypeError, "full", '"f16"');
    expectError(() => fx.oneHot(fx.ones([2]), 3), fx.DTypeError, "oneHot", "float32");
  });
});

describe("ValueError", () => {
  it("names the op and the offending value", () => {
    expectError(() => fx.sum(fx.ones([2]), { axis: 3 }), fx.ValueError, "sum", "axis 3", "rank 1");
    expectError(() => fx.transpose(fx.ones([2, 2]), [1, 1]), fx.ValueError, "transpose", "[1,1]");
    expectError(() => fx.take(fx.ones([3]), [7]), fx.ValueError, "take", "index 7", "size 3");
    expectError(() => fx.slice(fx.ones([3]), [[0, 3, -1]]), fx.ValueError, "slice", "step", "-1");
    expectError(() => fx.pad(fx.ones([3]), [[2, -1]]), fx.ValueError, "pad", "[2,-1]");
    expectError(() => fx.arange(0, 5, 0), fx.ValueError, "arange", "step");
    expectError(() => fx.tensor([1, 2]).item(), fx.ValueError, "item", "[2]");
    expectError(() => fx.variance(fx.ones([2]), { ddof: 2 }), fx.ValueError, "variance", "ddof 2");
    expectError(() => fx.mean(fx.zeros([0])), fx.ValueError, "mean", "[0]");
    expectError(() => fx.tile(fx.ones([2]), [1.5]), fx.ValueError, "tile", "1.5");
  });
});

describe("positional axis arguments (removed: the axis is an options object { axis })", () => {
  const x = fx.ones([2, 1, 3]);
  // Each old positional call, and the call the message must tell a JavaScript user to write.
  const calls: [string, () => unknown, string][] = [
    ["concat", () => fx.concat([x, x], 1 as any), "concat(xs, { axis: 1 })"],
    ["stack", () => fx.stack([x, x], -1 as any), "stack(xs, { axis: -1 })"],
    ["split", () => fx.split(x, 3, 2 as any), "split(x, sections, { axis: 2 })"],
    ["take", () => fx.take(x, [0], 2 as any), "take(x, indices, { axis: 2 })"],
    ["gather", () => fx.gather(x, [0], 2 as any), "gather(x, indices, { axis: 2 })"],
    ["scatterAdd", () => fx.scatterAdd(x, [0], 2, 1 as any), "scatterAdd(updates, indices, size, { axis: 1 })"],
    ["flip", () => fx.flip(x, [0, 2] as any), "flip(x, { axis: [0,2] })"],
    ["expandDims", () => fx.expandDims(x, 0 as any), "expandDims(x, { axis: 0 })"],
    ["squeeze", () => fx.squeeze(x, 1 as any), "squeeze(x, { axis: 1 })"],
    ["softmax", () => fx.nn.softmax(x, 0 as any), "softmax(x, { axis: 0 })"],
    ["logSoftmax", () => fx.nn.logSoftmax(x, 0 as any), "logSoftmax(x, { axis: 0 })"],
    ["maxout", () => fx.nn.maxout(x, 3, -1 as any), "maxout(x, k, { axis: -1 })"],
    ["x.split", () => x.split(3, 2 as any), "split(x, sections, { axis: 2 })"],
    ["x.squeeze", () => x.squeeze(1 as any), "squeeze(x, { axis: 1 })"],
  ];
  for (const [name, call, fix] of calls) {
    it(`${name}: an ArgumentError naming the op and the { axis } form to write`, () => {
      const op = name.replace("x.", "");
      expectError(call, fx.ArgumentError, op, "options object", fix, "positionally");
    });
  }

  it("the { axis } form gives what the positional form used to", () => {
    expect(fx.concat([x, x], { axis: 1 }).shape).toEqual([2, 2, 3]);
    expect(fx.squeeze(x, { axis: 1 }).shape).toEqual([2, 3]);
    expect(fx.nn.softmax(fx.tensor([[0, 0]]), { axis: 0 }).toArray()).toEqual([[1, 1]]);
  });
});

describe("TracerError", () => {
  it("explains reading a traced value and points to where", () => {
    let msg = "";
    try {
      fx.trace((x: fx.Tensor) => (x.item() > 0 ? x : x))(fx.ones([1]));
    } catch (e) {
      expect(e).toBeInstanceOf(fx.TracerError);
      msg = (e as Error).message;
    }
    expect(msg).toContain("item:");
    expect(msg).toContain("[1]");
    expect(msg).toContain("fx.where");
  });
});

describe("IRError", () => {
  it("names the equation and the disagreeing types", () => {
    const p = fx.trace((x: fx.Tensor) => fx.exp(x))(fx.ones([2]));
    const bad = p.with({ outputs: [new fx.Var({ shape: [2], dtype: "float32" })] });
    expect(() => fx.verifyProgram(bad)).toThrow(IRError);
    expect(() => fx.verifyProgram(bad)).toThrow(/verify: variable #\d+ is used before it is defined \(output 0\)/);
  });
});

// Issue 9: malformed arguments and options are FluxionErrors naming the op and the argument,
// never a TypeError from deep inside, a bare RangeError, or a silently ignored key.
describe("malformed arguments and options", () => {
  const x4 = fx.ones([1, 1, 4, 4]);
  const x3 = fx.ones([1, 1, 4]);
  const w4 = fx.ones([1, 1, 2, 2]);

  it("a wrong type in an argument position names the op and the argument", () => {
    expectError(() => fx.maxPool2d(x4, { window: 2 } as any), fx.ArgumentError, "maxPool2d", "window: expected a positive integer or a list of 2", '{"window":2}');
    expectError(() => fx.maxPool1d(x3, 2, { stride: { a: 1 } } as any), fx.ArgumentError, "maxPool1d", "stride", '{"a":1}');
    expectError(() => fx.reshape(x4, 2 as any), fx.ArgumentError, "reshape", "shape", "got 2");
    expectError(() => fx.transpose(fx.ones([2, 3]), "ab" as any), fx.ArgumentError, "transpose", "perm", '"ab"');
    expectError(() => fx.sum(fx.ones([2, 3]), null as any), fx.ArgumentError, "sum", "options", "null");
  });

  it("a padding larger than the window allows names the op and the padding", () => {
    expectError(() => fx.maxPool2d(x4, 2, { padding: 5 }), fx.ValueError, "maxPool2d", "padding", "window");
    expectError(() => fx.avgPool1d(x3, 3, { padding: [[0, 3]] }), fx.ValueError, "avgPool1d", "padding", "window");
  });

  it("NaN in a shape is printed as NaN", () => {
    expectError(() => fx.zeros([NaN]), fx.ArgumentError, "zeros", "shape", "[NaN]");
    expectError(() => fx.eye(NaN), fx.ArgumentError, "eye", "NaN");
  });

  it("a tensor larger than the engine allows names the op, the shape and the byte size", () => {
    expectError(() => fx.zeros([1e6, 1e6]), fx.ShapeError, "zeros", "[1000000,1000000]", "4000000000000 bytes");
    expectError(() => fx.full([1e6, 1e6], 1, { dtype: "float64" }), fx.ShapeError, "full", "[1000000,1000000]", "8000000000000 bytes");
    expectError(() => fx.arange(1e12), fx.ShapeError, "arange", "[1000000000000]");
    expectError(() => fx.linspace(0, 1, 1e12), fx.ShapeError, "linspace", "[1000000000000]");
    expectError(() => fx.broadcastTo(fx.ones([1]), [1e6, 1e6]), fx.ShapeError, "broadcastTo", "[1000000,1000000]", "bytes");
    expectError(() => fx.tile(fx.ones([1]), [1e6, 1e6]), fx.ShapeError, "tile", "[1000000,1000000]", "bytes");
    expectError(() => fx.pad(fx.ones([2]), 1e12), fx.ShapeError, "pad", "bytes");
    expectError(() => fx.conv1d(x3, fx.ones([1, 1, 2]), { padding: 1e12 }), fx.ShapeError, "conv1d", "bytes");
    expectError(() => fx.oneHot(fx.tensor([1], { dtype: "int32" }), 1e12), fx.ShapeError, "oneHot", "bytes");
  });

  it("misspelled option keys are errors that suggest the valid name", () => {
    expectError(() => fx.conv2d(x4, w4, { strides: 2 } as any), fx.ArgumentError, "conv2d", 'unknown option "strides"', 'did you mean "stride"?');
    expectError(() => fx.maxPool2d(x4, 2, { strides: 1 } as any), fx.ArgumentError, "maxPool2d", 'unknown option "strides"', 'did you mean "stride"?');
    expectError(() => fx.sum(fx.ones([2, 3]), { axes: 0 } as any), fx.ArgumentError, "sum", 'unknown option "axes"', 'did you mean "axis"?');
    expectError(() => fx.sum(fx.ones([2, 3]), { keepdims: true } as any), fx.ArgumentError, "sum", 'unknown option "keepdims"; did you mean "keepDims"?');
    expectError(() => fx.globalAvgPool2d(x4, { keepdims: true } as any), fx.ArgumentError, "globalAvgPool2d", '"keepDims"');
    expectError(() => fx.tensor([1, 2], { dtyp: "int32" } as any), fx.ArgumentError, "tensor", '"dtype"');
    expectError(() => fx.convolve(fx.ones([3]), fx.ones([2]), { mod: "valid" } as any), fx.ArgumentError, "convolve", '"mode"');
    expectError(() => fx.flatten(fx.ones([3, 2]), { start: 1 } as any), fx.ArgumentError, "flatten", '"startAxis"');
    expectError(() => fx.jit((a: fx.Tensor) => a, { staticArgnum: 1 } as any), fx.ArgumentError, "jit", '"staticArgnums"');
    expectError(() => fx.grad((a: fx.Tensor) => a, { argnum: 1 } as any), fx.ArgumentError, "grad", '"argnums"');
  });

  it("an option of the wrong type says what was expected and what came", () => {
    expectError(() => fx.sum(fx.ones([2, 3]), { axis: "0" } as any), fx.ArgumentError, "sum", "axis: expected", 'got "0"');
    expectError(() => fx.concat([fx.ones([2])], { axis: "0" } as any), fx.ArgumentError, "concat", "axis", '"0"');
    expectError(() => fx.squeeze(fx.ones([2, 1]), { axis: "1" as any }), fx.ArgumentError, "squeeze", "axis", '"1"');
    expectError(() => fx.hessian((a: fx.Tensor) => a, { argnums: [0.5] } as any), fx.ArgumentError, "hessian", "argnums", "[0.5]");
    expectError(() => fx.zeros([1], { dtype: "f16" as fx.DType }), fx.DTypeError, "zeros", '"f16"');
  });
});
