// The jit transform: pytrees in and out, the signature cache, static arguments, inlining under
// other transforms, output freshness, and the sections of `explain`.

import { describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { backendSetting, setBackend } from "../../src/compile/wasm/backend.js";
import { wasmSimdAvailable } from "../../src/compile/wasm/feature.js";

describe("jit", () => {
  it("takes and returns pytrees", () => {
    const f = (p: { w: fx.Tensor; b: fx.Tensor }, xs: [fx.Tensor]) => ({ y: fx.add(fx.matmul(xs[0], p.w), p.b), n: [fx.sum(p.w)] });
    const p = { w: fx.tensor([[1, 2], [3, 4]]), b: fx.tensor([1, 1]) };
    const xs: [fx.Tensor] = [fx.tensor([[1, 0], [0, 1]])];
    const got = fx.jit(f)(p, xs);
    expect(got.y.toArray()).toEqual([[2, 3], [4, 5]]);
    expect(got.n[0]!.item()).toBe(10);
  });

  it("traces once per signature and re-traces for new shapes, dtypes, structures and statics", () => {
    let traces = 0;
    const f = (x: fx.Tensor, scale: number) => {
      traces++;
      return fx.mul(x, scale);
    };
    const jf = fx.jit(f, { staticArgnums: 1 });
    const a = fx.tensor([1, 2, 3]);
    expect(jf(a, 2).toArray()).toEqual([2, 4, 6]);
    expect(jf(fx.tensor([4, 5, 6]), 2).toArray()).toEqual([8, 10, 12]);
    expect(traces).toBe(1);
    jf(a, 3);
    expect(traces).toBe(2);
    jf(fx.tensor([1, 2]), 3);
    expect(traces).toBe(3);
    jf(fx.tensor([1, 2], { dtype: "float64" }), 3);
    expect(traces).toBe(4);
    jf(a, 2);
    jf(a, 3);
    expect(traces).toBe(4);
    expect(jf.cacheSize).toBe(4);

    let t2 = 0;
    const g = fx.jit((tree: unknown) => {
      t2++;
      return fx.tree.leaves<fx.Tensor>(tree).reduce((s, x) => fx.add(s, fx.sum(x)), fx.scalar(0));
    });
    g({ a: a, b: a });
    g({ a: a, b: a });
    g([a, a]);
    expect(t2).toBe(2);
  });

  it("inlines when called with tracers: grad(jit(f)) and jit(grad(f)) agree with grad(f)", () => {
    const f = (x: fx.Tensor) => fx.sum(fx.tanh(fx.mul(x, x)));
    const x = fx.tensor([0.5, -1, 2], { dtype: "float64" });
    const expected = fx.grad(f)(x).data();
    expect(fx.grad(fx.jit(f))(x).data()).toEqual(expected);
    const jg = fx.jit(fx.grad(f));
    const got = jg(x).data();
    got.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(String(fx.trace(fx.jit(f))(x))).toContain("tanh");
  });

  it("returns tensors for number and boolean leaves inside another transform too, as when compiled", () => {
    const f = fx.jit((x: fx.Tensor) => [fx.sum(x), 3, true]);
    const [, three, yes] = f(fx.ones([2]));
    expect([three.dtype, three.item(), yes.dtype, yes.item()]).toEqual(["float32", 3, "bool", 1]);
    // Under grad f is inlined: its number and boolean leaves still come back as tensors.
    let inner: unknown[] = [];
    fx.grad((x: fx.Tensor) => {
      const out = f(x);
      inner = out;
      return out[0];
    })(fx.ones([2]));
    expect(inner.map((l) => l instanceof fx.Tensor)).toEqual([true, true, true]);
  });

  it("handles a closure over an enclosing transform's tracer by interpreting", () => {
    const outer = (y: fx.Tensor) => fx.jit((x: fx.Tensor) => fx.mul(x, y))(fx.tensor([1, 2], { dtype: "float64" })).sum();
    expect(fx.grad(outer)(fx.scalar(3, "float64")).item()).toBe(3);
  });

  it("returns fresh arrays: outputs never alias arguments or each other's storage", () => {
    const x = fx.tensor([1, 2, 3]);
    const jf = fx.jit((a: fx.Tensor) => [a, fx.neg(a), 7]);
    const [same, neg, seven] = jf(x) as fx.Tensor[];
    expect(same!._data).not.toBe(x._data);
    expect(same!.toArray()).toEqual([1, 2, 3]);
    expect(neg!.toArray()).toEqual([-1, -2, -3]);
    expect(seven!.item()).toBe(7);
    const [, neg2] = jf(x) as fx.Tensor[];
    expect(neg2!._data).not.toBe(neg!._data);
    expect(neg!.toArray()).toEqual([-1, -2, -3]);
  });

  it("captures closed-over tensors as constants", () => {
    const w = fx.tensor([10, 20]);
    expect(fx.jit((x: fx.Tensor) => fx.add(x, w))(fx.tensor([1, 2])).toArray()).toEqual([11, 22]);
  });

  it("explain shows every stage", () => {
    const text = fx.jit((x: fx.Tensor) => fx.exp(x).mul(2)).explain(fx.tensor([1, 2]));
    for (const section of ["== traced IR ==", "== optimised IR ==", "== fused IR (one equation per kernel) ==", "== kernels: 1 ==", "== memory:", "== generated JavaScript =="]) {
      expect(text).toContain(section);
    }
    expect(text).toContain("return function kernel(ins, out)");
    expect(text).not.toContain("Math.exp"); // float32 exp is inlined (docs/compiler.md, fast transcendentals)
    expect(text).toContain("P2[");
  });

  it("explain says where the planned buffers live: the WebAssembly kernel memory or JS arrays", () => {
    const x = fx.reshape(fx.arange(64, { dtype: "float32" }), [8, 8]);
    const f = (a: fx.Tensor) => fx.matmul(fx.matmul(a, a), a); // the inner product is a planned buffer
    const before = backendSetting();
    try {
      setBackend("js");
      expect(fx.jit(f).explain(x)).toMatch(/== memory: 1 reusable buffer, 256 bytes; 1 fresh output per call ==/);
      if (wasmSimdAvailable()) {
        setBackend("wasm");
        expect(fx.jit(f).explain(x)).toMatch(/== memory: 1 reusable buffer, 256 bytes in the WebAssembly kernel memory; 1 fresh output per call ==/);
      }
    } finally {
      setBackend(before.backend, before.options);
    }
  });

  it("JS booleans are static: the branch follows the value, one compilation per value", () => {
    let traces = 0;
    const f = (x: fx.Tensor, training: boolean) => {
      traces++;
      return training ? fx.mul(x, 2) : x;
    };
    const jf = fx.jit(f);
    const x = fx.tensor([1, 2]);
    expect(jf(x, false).toArray()).toEqual([1, 2]);
    expect(jf(x, true).toArray()).toEqual([2, 4]);
    expect(jf(x, false).toArray()).toEqual([1, 2]);
    expect(traces).toBe(2);
    expect(jf.cacheSize).toBe(2);
    // Nested in a pytree too.
    const g = fx.jit((opts: { x: fx.Tensor; negate: boolean }) => (opts.negate ? fx.neg(opts.x) : opts.x));
    expect(g({ x, negate: true }).toArray()).toEqual([-1, -2]);
    expect(g({ x, negate: false }).toArray()).toEqual([1, 2]);
  });

  it("JS numbers are traced as weak scalars: no re-trace per value, eager's dtype and bits", () => {
    let traces = 0;
    const f = (x: fx.Tensor, s: number) => {
      traces++;
      return fx.mul(x, s as unknown as fx.Tensor);
    };
    const jf = fx.jit(f);
    const x = fx.tensor([1, 2, 3], { dtype: "int32" });
    expect(jf(x, 2).dtype).toBe("int32");
    expect(jf(x, 3).toArray()).toEqual([3, 6, 9]);
    expect(traces).toBe(1);
    const y = jf(x, 2.5);
    expect(y.dtype).toBe("float32");
    expect(y.toArray()).toEqual([2.5, 5, 7.5]);
    expect(traces).toBe(2);
    const z = fx.tensor([0.1], { dtype: "float64" });
    expect(jf(z, 0.1).item()).toBe(0.1 * 0.1);
    expect(jf.explain(x, 2.5)).toContain("b:f64[]{weak}");
  });

  it("rejects bad staticArgnums", () => {
    expect(() => fx.jit((x: fx.Tensor) => x, { staticArgnums: -1 })).toThrow(/jit: staticArgnums/);
  });
});
