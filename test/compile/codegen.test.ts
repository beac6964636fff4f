// Code generation: the injection guard, that no user string reaches generated source, index
// views against a direct computation, and loop coalescing.

import { describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { definePrimitive, type Params } from "../../src/prims/primitive.js";
import { bind } from "../../src/trace/context.js";
import { checkKernelSource, numberLiteral, UnsafeSourceError } from "../../src/compile/codegen/safety.js";
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

  it("a template that interpolates a string parameter is refused and the reference runs instead", () => {
    type P = { readonly label: string };
    const leaky = definePrimitive<P>({
      name: "test_leaky_template",
      abstractEval: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
      impl: ([x]) => x!.data.map((v) => v + 1) as typeof x.data,
      vjp: () => [null],
      jvp: () => null,
      // A badly written template: it splices a parameter string into code.
      lowering: { kind: "elementwise", expr: ([a], p: P) => `(${a} + 1 + ${p.label})`, reference: () => (v) => v + 1 },
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
    const f = (a: fx.Tensor) => fx.add(fx.flip(fx.slice(a, [[1, 4], [0, 6, 2]]), 0), 1);
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
