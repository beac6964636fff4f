// Values print as values: console.log and util.inspect show a tensor as String(t) does (also
// inside objects), JSON.stringify writes { dtype, shape, data }, and toArray() is typed as
// nested arrays. None of them shows the internals (_data, _var, _trace).

import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as fx from "../src/index.js";
import { TracerError } from "../src/errors.js";

/** What console.log writes for `values`, through a Console of our own. */
function logged(...values: unknown[]): string {
  let text = "";
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  new Console({ stdout: out, colorMode: false }).log(...values);
  return text;
}

const examples = (): fx.Tensor[] => [
  fx.tensor([[1, 2.5], [3, 4]]),
  fx.tensor([1, 2, 3], { dtype: "int32" }),
  fx.tensor([true, false]),
  fx.scalar(7, "float64"),
  fx.zeros([0, 3]),
  fx.arange(2000),
];

describe("util.inspect and console.log", () => {
  it("show a tensor as String(t) does, at every rank and dtype", () => {
    for (const t of examples()) {
      expect(inspect(t)).toBe(String(t));
      expect(logged(t)).toBe(`${String(t)}\n`);
    }
  });

  it("show a tensor inside an object as its value, rows indented with the object, no internals", () => {
    const params = { w: fx.tensor([[1, 2], [3, 4]]), b: fx.tensor([0.5, -1]) };
    const text = logged({ params, step: 3 });
    expect(text).toBe(
      [
        "{",
        "  params: {",
        "    w: tensor([[1., 2.],",
        // Node indents a multi-line value by the object's depth (as Python leaves NumPy's rows
        // in a dict): the rows move with the object, relative to the line.
        "            [3., 4.]], dtype=float32),",
        "    b: tensor([ 0.5, -1. ], dtype=float32)",
        "  },",
        "  step: 3",
        "}",
        "",
      ].join("\n"),
    );
    expect(text).not.toMatch(/_data|_var|_trace/);
  });

  it("show a tracer as String(t) does while tracing", () => {
    let seen = "";
    fx.trace((x: fx.Tensor) => {
      seen = inspect({ x });
      return fx.exp(x);
    })(fx.ones([2, 3]));
    expect(seen).toBe("{ x: Tracer<float32[2,3]> }");
  });
});

describe("JSON.stringify", () => {
  it("writes a tensor as { dtype, shape, data } with its values in row-major order", () => {
    expect(fx.tensor([[1, 2.5], [3, 4]]).toJSON()).toEqual({ dtype: "float32", shape: [2, 2], data: [1, 2.5, 3, 4] });
    expect(JSON.stringify(fx.tensor([1, -2], { dtype: "int32" }))).toBe('{"dtype":"int32","shape":[2],"data":[1,-2]}');
    expect(JSON.stringify(fx.tensor([true, false]))).toBe('{"dtype":"bool","shape":[2],"data":[true,false]}');
    expect(JSON.stringify(fx.scalar(0.1, "float64"))).toBe('{"dtype":"float64","shape":[],"data":[0.1]}');
  });

  it("writes float32 values as the numbers stored, and names the values JSON has no number for", () => {
    const t = fx.tensor([0.1, NaN, Infinity, -Infinity]);
    const json = JSON.parse(JSON.stringify(t)) as { data: unknown[] };
    expect(json.data).toEqual([Math.fround(0.1), "NaN", "Infinity", "-Infinity"]);
  });

  it("writes a pytree of tensors as the same structure of { dtype, shape, data }", () => {
    const tree = { params: [{ w: fx.tensor([[1, 2]]), b: fx.zeros([1]) }], step: 3, name: "dense" };
    expect(JSON.stringify(tree)).toBe(
      '{"params":[{"w":{"dtype":"float32","shape":[1,2],"data":[1,2]},"b":{"dtype":"float32","shape":[1],"data":[0]}}],"step":3,"name":"dense"}',
    );
  });

  it("of a tracer is an error that says why", () => {
    expect(() =>
      fx.trace((x: fx.Tensor) => {
        JSON.stringify(x);
        return x;
      })(fx.ones([2])),
    ).toThrow(TracerError);
  });
});

describe("toArray", () => {
  it("is typed as nested arrays of numbers (booleans for bool)", () => {
    const a = fx.tensor([[1, 2], [3, 4]]).toArray();
    expectTypeOf(a).toEqualTypeOf<fx.NestedArray>();
    expectTypeOf<number>().toMatchTypeOf<fx.NestedArray>();
    expectTypeOf<boolean[][]>().toMatchTypeOf<fx.NestedArray>();
    expectTypeOf<string>().not.toMatchTypeOf<fx.NestedArray>();
    expect(a).toEqual([[1, 2], [3, 4]]);
    expect(fx.scalar(3).toArray()).toBe(3);
    expect(fx.tensor([true]).toArray()).toEqual([true]);
    // What toArray gives back makes the same tensor again.
    expect(String(fx.tensor(a))).toBe(String(fx.tensor([[1, 2], [3, 4]])));
  });
});
