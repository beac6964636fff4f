// Misuse that must not compile. Each `@ts-expect-error` fails the type check if its line
// type-checks (the error it expects is gone), so these pin the strictness of the API.

import { describe, it } from "vitest";
import * as fx from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

declare const w: Tensor;
declare const x: Tensor;
const f = (v: Tensor) => fx.sum(fx.square(v));

describe("transforms reject what cannot work", () => {
  it("a gradient function has f's parameters", () => {
    // @ts-expect-error a string is not a Tensor
    fx.grad(f)("str");
    // @ts-expect-error f takes one argument
    fx.grad(f)(w, 42, {});
    // @ts-expect-error the gradient is a Tensor, not a string
    const s: string = fx.grad(f)(w);
    // @ts-expect-error valueAndGrad returns [Tensor, grads]
    const [v, g]: [number, Tensor] = fx.valueAndGrad(f)(w);
    // @ts-expect-error a jitted function keeps f's parameters
    fx.jit(f)("x");
    void [s, v, g];
  });

  it("grad needs a tensor-valued f (or [value, aux] with hasAux)", () => {
    // @ts-expect-error f returns an array: use hasAux
    fx.grad((v: Tensor) => [fx.sum(v), fx.sum(v)]);
    // @ts-expect-error f returns a number
    fx.grad((v: Tensor) => 3);
    // @ts-expect-error f returns a string
    fx.valueAndGrad((v: Tensor) => "loss");
    // @ts-expect-error with hasAux f must return [value, aux]
    fx.grad(f, { hasAux: true });
    // @ts-expect-error jacobian needs a tensor-valued f
    fx.jacobian((v: Tensor) => ({ v }));
    // @ts-expect-error argnums are numbers
    fx.grad(f, { argnums: "0" });
  });

  it("jvp and vjp take primals and tangents of f's structure", () => {
    // @ts-expect-error tangents must match the primals
    fx.jvp(f, [x], [x, x]);
    // @ts-expect-error primals must fit f's parameters
    fx.jvp(f, ["x"], [x]);
    const [, back] = fx.vjp((a: Tensor) => ({ a }), x);
    // @ts-expect-error the cotangent has the output's structure
    back(x);
  });

  it("tree.map's trees share a structure", () => {
    // @ts-expect-error the second tree lacks b
    fx.tree.map((a: Tensor, b: Tensor) => fx.add(a, b), { w, b: w }, { w });
  });
});

describe("options: one axis form and literal values", () => {
  it("positional axes do not compile", () => {
    // @ts-expect-error concat(xs, { axis })
    fx.concat([x, x], 1);
    // @ts-expect-error stack(xs, { axis })
    fx.stack([x, x], 0);
    // @ts-expect-error split(x, sections, { axis })
    fx.split(x, 2, 1);
    // @ts-expect-error take(x, indices, { axis })
    fx.take(x, [0], 1);
    // @ts-expect-error flip(x, { axis })
    fx.flip(x, 0);
    // @ts-expect-error expandDims(x, { axis })
    fx.expandDims(x, 0);
    // @ts-expect-error squeeze(x, { axis })
    fx.squeeze(x, 0);
    // @ts-expect-error softmax(x, { axis })
    fx.nn.softmax(x, -1);
    // @ts-expect-error logSoftmax(x, { axis })
    fx.nn.logSoftmax(x, -1);
    // @ts-expect-error x.split(sections, { axis })
    x.split(2, 1);
  });

  it("literal options", () => {
    // @ts-expect-error padding is "valid", "same" or numbers
    fx.conv2d(x, w, { padding: "full" });
    // @ts-expect-error no float16
    fx.zeros([2], { dtype: "float16" });
    // @ts-expect-error unknown option key
    fx.sum(x, { axes: 0 });
  });
});

describe("layers and optimisers", () => {
  it("apply takes the params init made", () => {
    const layer = fx.nn.layers.dense(3);
    const { state } = layer.init(fx.random.key(0), [2]);
    // @ts-expect-error dense's params are { w, b? }
    layer.apply({ kernel: x }, state, x);
    const opt = fx.optim.adam(1e-3);
    // @ts-expect-error adam's state is { count, mu, nu }, not an array
    opt.update({ w }, [], { w });
  });
});
