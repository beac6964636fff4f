// Code generation: the injection guard, that no user string reaches generated source, index
// views against a direct computation, and loop coalescing.

import { describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { definePrimitive, type Params } from "../../src/prims/primitive.js";
import { bind } from "../../src/trace/context.js";
import { checkKernelSource, numberLiteral, UnsafeSourceError } from "../../src/compile/codegen/safety.js";
import { compileCheckedSource } from "../../src/compile/codegen/emitter.js";
import { rejectedSourceCount } from "../../src/compile/executable.js";
import { coalesce } from "../../src/compile/codegen/loops.js";
import { jit } from "../../src/compile/jit.js";
import { type ViewChain, applyView, chainOffset, identityChain, reshapeLayer, viewRuleFor } from "../../src/compile/views.js";
import { gatherStrided } from "../../src/prims/layout.js";
import { stridesOf } from "../../src/tensor/shape.js";

describe("checkKernelSource", () => {
  it("accepts compiler-made code", () => {
    const src = "return function kernel(ins, out) {\nconst in0 = ins[0];\nfor (let i0 = 0; i0 < 4; i0++) { const t0_1 = Math.exp(in0[i0]) * 1.5e-7; out[i0] = t0_1 | 0; }\n};";
    expect(checkKernelSource(src)).toBe(src);
  });

  const bad: [string, string][] = [
    ["a string literal", `const t0 = "x";`],
    ["a single-quoted string", `const t0 = 'x';`],
    ["a template literal", "const t0 = `${1}`;"],
    ["a line comment", "const t0 = 1; // hi"],
    ["a block comment", "const t0 = 1 /* hi */;"],
    ["a foreign identifier", "globalThis.pwned = 1;"],
    ["a foreign function call", "const t0 = eval(1);"],
    ["a property other than Math's functions", "const t0 = Math.constructor;"],
    ["a prototype walk", "const t0 = in0.constructor;"],
    ["a backslash escape", "const t\\u0030 = 1;"],
    ["non-ASCII identifiers", "const té = 1;"],
  ];
  for (const [name, src] of bad) {
    it(`rejects ${name}`, () => expect(() => checkKernelSource(src)).toThrow(UnsafeSourceError));
  }

  // Bodies that pass a purely lexical token check (only operators and brackets, or only
  // compiler-style names) but reach strings and so the Function constructor.
  const kernel = (body: string) => `return function kernel(ins, out) {\nconst in0 = ins[0];\n${body}\n};`;
  const hostile: [string, string][] = [
    ["JSFuck: the Function constructor", "[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]+(![]+[])[+!+[]]+(!![]+[])[+[]]]"],
    ["JSFuck: a letter from false", "(![]+[])[+!+[]]"],
    ["JSFuck inside a kernel", kernel("out[0] = [][(![]+[])[+[]]];")],
    ["an empty array literal", kernel("out[0] = +[];")],
    ["an array literal with numbers", kernel("const t0 = [1, 2];")],
    ["negation of an array literal", kernel("out[0] = ![] + 1;")],
    ["indexing a parenthesised expression", kernel("out[0] = (t0 + 1)[0];")],
    ["indexing a scalar (a string in disguise)", kernel("const t0 = in0[0], t1 = t0[3];")],
    ["a named member on an array", "[].constructor"],
    ["a string key", `[]["constructor"]`],
    ["a function value made a string", kernel("const t0 = Math.abs + 1;")],
    ["Math made a string", kernel("const t0 = Math + 1;")],
    ["an array made a string", kernel("out[0] = in0 + 1;")],
    ["an array of arrays made a string", kernel("out[0] = ins[0] + 1;")],
    ["an array held in a scalar", kernel("const t0 = 1, t1 = (t0, in0);")],
    ["an array assigned to a scalar", kernel("let t0 = 0; t0 = in0;")],
    ["ins read at a computed index", kernel("const in1 = ins[t0];")],
    ["the result of fill as an operand", kernel("const t0 = in0.fill(0) + 1;")],
    ["fill used as a value", kernel("const t0 = in0.fill;")],
    ["the kernel function as a value", kernel("const t0 = kernel + 1;")],
    ["a second function", kernel("const t0 = function kernel() {};")],
    ["an arrow function", kernel("const t0 = (i0) => i0;")],
    ["an object literal", kernel("const t0 = {} + 1;")],
    ["an object literal after a colon", kernel("const t0 = i0 ? 1 : {};")],
    ["a regular expression", kernel("const t0 = /t1/ + 1;")],
    ["a call of a call", kernel("const t0 = Math.max(1)(2);")],
    ["a call of a scalar", kernel("const t0 = t1(2);")],
    ["this", kernel("const t0 = this;")],
    ["globalThis", kernel("const t0 = globalThis;")],
    ["constructor as a name", kernel("const constructor = 1;")],
    ["__proto__", kernel("out[0] = in0.__proto__;")],
    ["the keyword in", kernel("const t0 = 0 in out;")],
    ["new", kernel("const t0 = new Float64Array(1);")],
    ["a string literal in a kernel", kernel(`const t0 = "x";`)],
    ["a template literal in a kernel", kernel("const t0 = `x`;")],
    ["a comment in a kernel", kernel("out[0] = 1; /* x */")],
    ["a malformed header", "return function evil(ins, out) {};"],
    ["a return outside the header", kernel("return in0;")],
  ];
  for (const [name, src] of hostile) {
    it(`rejects ${name}`, () => expect(() => checkKernelSource(src)).toThrow(UnsafeSourceError));
  }

  it("accepts the shapes of code the emitters write", () => {
    const ok = [
      kernel("sc.fill(0, 0, 12);\nfor (let i0 = 0; i0 < 3; i0++) { const t0 = in0[i0]; out[i0] = t0 > 0 ? t0 : Math.max(t0, -1) / 2; }"),
      "return function kernel(ins, out) {\nconst in0 = ins[0], sc = ins[1], i9 = ins[2][0];\nlet x0 = in0[i9]; x0 = x0 * 2; out[0] = x0;\n};",
      "return function matmulKernel(A, B, C, X, panel) {\nconst PA = panel, PB = panel;\nconst x0 = X[0];\nC[0] = A[0] * B[0] + x0[0];\n};",
    ];
    for (const src of ok) expect(checkKernelSource(src, ["sc"])).toBe(src);
  });

  it("compileCheckedSource compiles only checked source with compiler-named parameters", () => {
    expect(() => compileCheckedSource(["constructor"], "return 1;")).toThrow(UnsafeSourceError);
    expect(() => compileCheckedSource([], "return this;")).toThrow(UnsafeSourceError);
    expect((compileCheckedSource(["sc"], "return function kernel(ins, out) { out[0] = sc[0]; };") as (s: Float64Array) => unknown)).toBeTypeOf("function");
  });

  it("every kernel of a broad set of programs passes the guard (none falls back to the reference)", () => {
    const before = rejectedSourceCount();
    const x = fx.tensor([[0.5, -1.5, 2, 0], [3, -0.25, 1, 4]]);
    const w = fx.tensor([[1, 2], [-1, 0.5], [0.25, 3], [2, -2]]);
    const img = fx.reshape(fx.sin(fx.arange(2 * 2 * 7 * 7)), [2, 2, 7, 7]);
    const filt = fx.reshape(fx.cos(fx.arange(4 * 1 * 3 * 3)), [4, 1, 3, 3]);
    const programs: (() => unknown)[] = [
      () => fx.jit(fx.grad((a: fx.Tensor, b: fx.Tensor) => fx.sum(fx.tanh(fx.add(fx.matmul(a, b), 1)))))(x, w),
      () => fx.jit((a: fx.Tensor) => [fx.sum(a, { axis: 0 }), fx.max(a, { axis: 1 }), fx.prod(a), fx.argmax(a, { axis: 0 })])(x),
      () => fx.jit((a: fx.Tensor, b: fx.Tensor) => fx.matmul(fx.transpose(a), fx.transpose(b), ))(w, x),
      () => fx.jit(fx.grad((f: fx.Tensor) => fx.sum(fx.maxPool2d(fx.conv2d(img, f, { stride: 2, padding: 1, groups: 2 }), 2))))(filt),
      () => fx.jit((f: fx.Tensor) => fx.avgPool2d(fx.sigmoid(fx.conv2d(img, f, { padding: "same", dilation: 2, groups: 2 })), 3, { stride: 1 }))(filt),
      () => fx.where(fx.less(x, 1), fx.cast(x, "int32"), 7),
    ];
    for (const p of programs) p();
    expect(rejectedSourceCount()).toBe(before);
  });

  it("writes numbers as plain numeric literals", () => {
    for (const v of [0, -0, 1.5, -2, 1e21, 5e-324, NaN, Infinity, -Infinity]) {
      const lit = numberLiteral(v);
      expect(() => checkKernelSource(`const t0 = ${lit};`)).not.toThrow();
      expect(Object.is(new Function(`return ${lit};`)(), v)).toBe(true);
    }
  });
});

describe("no user string reaches generated source", () => {
  it("pytree keys and static arguments never appear in kernels", () => {
    const evil = `"); globalThis.__fluxionPwned = 1; ("`;
    const f = (tree: Record<string, fx.Tensor>, label: string) => fx.exp(tree[evil]!).add(label.length);
    const x = fx.tensor([1, 2, 3]);
    const jf = jit(f, { staticArgnums: 1 });
    const y = jf({ [evil]: x }, evil);
    expect(y.data()).toEqual(f({ [evil]: x }, evil).data());
    const text = jf.explain({ [evil]: x }, evil);
    const source = text.split("== generated JavaScript ==")[1]!;
    expect(source).not.toContain("__fluxionPwned");
    expect(source).not.toMatch(/["'`]/);
    expect((globalThis as Record<string, unknown>)["__fluxionPwned"]).toBeUndefined();
  });

  it("a description that smuggles a string parameter in as a constant is refused and the reference runs instead", () => {
    type P = { readonly label: string };
    const leaky = definePrimitive<P>({
      name: "test_leaky_template",
      abstractEval: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
      impl: ([x]) => x!.data.map((v) => v + 1) as typeof x.data,
      vjp: () => [null],
      jvp: () => null,
      // A badly written description: a parameter string passed off as a constant.
      lowering: { kind: "elementwise", scalar: (p: P) => ({ kind: "op", op: "add", type: "f32", args: [{ kind: "arg", index: 0, type: "f32" }, { kind: "const", value: p.label as unknown as number, type: "f32" }] }) },
    });
    const evil = `0); globalThis.__fluxionPwned2 = 1; (0`;
    const f = (x: fx.Tensor) => fx.mul(bind(leaky as never, [x], { label: evil } as Params), 2);
    const x = fx.tensor([1, 2, 3]);
    const y = jit(f)(x);
    expect(Array.from(y.data())).toEqual([4, 6, 8]);
    expect((globalThis as Record<string, unknown>)["__fluxionPwned2"]).toBeUndefined();
    const text = jit(f).explain(x);
    expect(text.split("== generated JavaScript ==")[1]).not.toContain("__fluxionPwned2");
    expect(text).toContain("(reference)");
  });
});

describe("index views", () => {
  /** The values a chain reads from 0..n−1, computed directly. */
  const readAll = (chain: ViewChain, shape: readonly number[]) => {
    const out: number[] = [];
    const idx = shape.map(() => 0);
    const n = shape.reduce((a, b) => a * b, 1);
    for (let k = 0; k < n; k++) {
      out.push(chainOffset(chain, idx));
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d]! < shape[d]!) break;
        idx[d] = 0;
      }
    }
    return out;
  };

  it("transpose then reshape (not expressible as strides) adds a layer and reads the right elements", () => {
    const base = [2, 3, 4];
    let chain = identityChain(base);
    chain = applyView(chain, viewRuleFor("transpose")!, { perm: [2, 0, 1] }, [4, 2, 3]);
    chain = applyView(chain, viewRuleFor("reshape")!, {}, [8, 3]);
    expect(chain.length).toBe(2);
    const data = Array.from({ length: 24 }, (_, i) => i);
    const transposed = gatherStrided(data, [4, 2, 3], [1, 12, 4], 0, "float64");
    expect(readAll(chain, [8, 3])).toEqual(Array.from(transposed));
  });

  it("reshape of a contiguous or broadcast view stays one strided layer", () => {
    expect(reshapeLayer({ shape: [2, 3, 4], strides: stridesOf([2, 3, 4]), offset: 0 }, [6, 4])?.strides).toEqual([4, 1]);
    expect(reshapeLayer({ shape: [3, 4], strides: [0, 1], offset: 0 }, [3, 2, 2])?.strides).toEqual([0, 2, 1]);
    expect(reshapeLayer({ shape: [3, 4], strides: [1, 3], offset: 0 }, [12])).toBeNull();
  });

  it("slice and flip are strided views", () => {
    const x = fx.reshape(fx.arange(24), [4, 6]);
    const f = (a: fx.Tensor) => fx.add(fx.flip(fx.slice(a, [[1, 4], [0, 6, 2]]), { axis: 0 }), 1);
    expect(jit(f)(x).toArray()).toEqual(f(x).toArray());
    expect(jit(f).explain(x)).toContain("== kernels: 1 ==");
  });
});

describe("coalesce", () => {
  it("merges dimensions every access walks contiguously", () => {
    const r = coalesce([2, 3, 4], [{ strides: [12, 4, 1], offset: 0 }, { strides: [12, 4, 1], offset: 0 }]);
    expect(r.dims).toEqual([24]);
  });
  it("keeps a broadcast dimension apart and drops size-1 dimensions", () => {
    const r = coalesce([2, 1, 3, 4], [{ strides: [12, 12, 4, 1], offset: 0 }, { strides: [0, 0, 4, 1], offset: 0 }]);
    expect(r.dims).toEqual([2, 12]);
    expect(r.accesses[1]!.strides).toEqual([0, 1]);
  });
  it("never merges across sections", () => {
    const r = coalesce([2, 3], [{ strides: [3, 1], offset: 0 }], [1, 1]);
    expect(r.dims).toEqual([2, 3]);
    expect(r.sections).toEqual([1, 1]);
  });
});
