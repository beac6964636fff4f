// The backend switch: which kernels jit and eager mode get under "js", "wasm" and "auto", that
// both give the same bits (float64 accumulation), that small and thin products stay on JS, that
// the im2col convolution's contraction runs on WebAssembly, and that growing the kernel memory
// does not break kernels compiled before.

import { afterEach, describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { ValueError } from "../src/errors.js";
import { jit } from "../src/compile/jit.js";
import { backendInUse, backendSetting, setBackend, wasmMatmulPays } from "../src/compile/wasm/backend.js";
import { wasmSimdAvailable } from "../src/compile/wasm/feature.js";
import { compileWasmMatmul } from "../src/compile/wasm/matmul.js";
import { DEFAULT_TILING, compileMatmul } from "../src/compile/kernels/matmul.js";
import { chooseConvMethod, compileConv, convGeometry } from "../src/compile/kernels/conv.js";
import type { ConvParams } from "../src/prims/conv.js";
import { bitDifference } from "../props/exact.js";

const before = backendSetting();
afterEach(() => setBackend(before.backend, before.options));

function filled(shape: number[], seed: number): fx.Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return fx.tensor(data).reshape(shape);
}

const mlp = (x: fx.Tensor, w1: fx.Tensor, b1: fx.Tensor, w2: fx.Tensor) => fx.sum(fx.tanh(fx.matmul(fx.maximum(fx.add(fx.matmul(x, w1), b1), 0), w2)));

describe("setBackend", () => {
  it("validates its arguments", () => {
    expect(() => setBackend("gpu" as never)).toThrow(ValueError);
    expect(() => setBackend("gpu" as never)).toThrow(/setBackend: backend must be "auto", "js" or "wasm", got "gpu"/);
    expect(() => setBackend("auto", { accumulate: "float32" } as never)).toThrow(/setBackend: unknown option "accumulate"/);
    expect(() => setBackend("auto", { accumulation: "float16" as never })).toThrow(/accumulation must be "float64" or "float32", got "float16"/);
  });

  it('"js" forces the JS kernels; "auto" uses WebAssembly where SIMD is available', () => {
    setBackend("js");
    expect(backendInUse()).toBe("js");
    const [x, w] = [filled([32, 40], 1), filled([40, 24], 2)];
    expect(jit(fx.matmul).explain(x, w)).toContain("(js-matmul)");
    setBackend("auto");
    expect(backendInUse()).toBe(wasmSimdAvailable() ? "wasm" : "js");
  });
});

describe.runIf(wasmSimdAvailable())("the WebAssembly backend", () => {
  it("takes large enough products and leaves tiny, thin and shallow ones to JS", () => {
    setBackend("wasm");
    const big = { batch: 1, m: 32, k: 40, n: 24, transposeA: false, transposeB: false, dtype: "float32" as const };
    expect(wasmMatmulPays(big)).toBe(true);
    expect(jit(fx.matmul).explain(filled([32, 40], 1), filled([40, 24], 2))).toContain("(wasm-matmul-f64x2)");
    for (const [m, k, n] of [[2, 3, 2], [1, 256, 256], [256, 256, 1], [64, 2, 64]]) {
      expect(wasmMatmulPays({ ...big, m, k, n })).toBe(false);
      expect(jit(fx.matmul).explain(filled([m, k], 1), filled([k, n], 2))).toContain("(js-matmul)");
    }
    setBackend("wasm", { accumulation: "float32" });
    expect(jit(fx.matmul).explain(filled([32, 40], 1), filled([40, 24], 2))).toContain("(wasm-matmul-f32x4)");
  });

  it("jit and eager give the JS kernels' bits with float64 accumulation (an MLP and its gradient)", () => {
    const args = [filled([48, 30], 3), filled([30, 20], 4), filled([20], 5), filled([20, 10], 6)] as const;
    const g = fx.grad(mlp, { argnums: [0, 1, 2, 3] });
    const run = () => {
      const eager = fx.matmul(args[0]!, args[1]!).data();
      const grads = (jit(g)(...args) as fx.Tensor[]).map((t) => t.data());
      return [eager, ...grads];
    };
    setBackend("js");
    const js = run();
    setBackend("wasm");
    const wasm = run();
    js.forEach((expected, i) => expect(bitDifference(wasm[i]!, expected)).toBeNull());
    expect(jit(g).explain(...args)).toMatch(/wasm-matmul-f64x2/);
  });

  it("the store pass runs a fused epilogue in WebAssembly, with the JS kernel's bits (NaN, ±0, ±Infinity included)", () => {
    // relu's gradient (two selects on comparisons with the forward value) and sigmoid(y)·y (y read
    // twice, a division): the intermediates the expression form keeps in a register file.
    const corners = (shape: number[], seed: number) => {
      const data = filled(shape, seed).data() as Float32Array;
      const special = [NaN, 0, -0, Infinity, -Infinity, 3e38];
      for (let i = 0; i < data.length; i += 7) data[i] = special[(i / 7) % special.length]!;
      return fx.tensor(data).reshape(shape);
    };
    const reluGrad = (g: fx.Tensor, w: fx.Tensor, z: fx.Tensor) => (fx.vjp((v: fx.Tensor) => fx.maximum(v, 0), z)[1](fx.matmul(g, w)) as fx.Tensor[])[0]!;
    const swish = (g: fx.Tensor, w: fx.Tensor, z: fx.Tensor) => {
      const y = fx.add(fx.matmul(g, w), z);
      return fx.mul(fx.div(1, fx.add(1, fx.exp(fx.neg(y)))), y);
    };
    const args = [corners([40, 12], 7), corners([12, 36], 8), corners([40, 36], 9)] as const;
    for (const f of [reluGrad, swish]) {
      setBackend("js");
      const js = (jit(f)(...args) as fx.Tensor).data();
      setBackend("wasm");
      const source = jit(f).explain(...args);
      expect(source).toContain("(wasm-matmul-f64x2)");
      expect(source).toContain("(store pass in WebAssembly: the epilogue row by row into the output)");
      const wasm = (jit(f)(...args) as fx.Tensor).data();
      const diff = bitDifference(wasm, js);
      if (diff !== null) expect.fail(`${f.name}: ${diff}`);
    }
  });

  it("the im2col convolution (and so its gradient forms) runs its contraction on WebAssembly", () => {
    const params: ConvParams = { stride: [1, 1], padding: [[1, 1], [1, 1]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 } as ConvParams;
    const g = convGeometry([2, 8, 10, 10], [32, 8, 3, 3], [2, 32, 10, 10], params, "float32");
    const x = filled([2, 8, 10, 10], 7).data() as Float32Array;
    const w = filled([32, 8, 3, 3], 8).data() as Float32Array;
    const run = () => {
      const out = new Float32Array(2 * 32 * 100);
      compileConv(g, { method: "im2col" }).kernel(x, w, out, []);
      return out;
    };
    setBackend("js");
    const js = run();
    setBackend("wasm");
    const wasm = run();
    expect(bitDifference(wasm, js)).toBeNull();
  });

  it("with the WebAssembly matmul, conv picks im2col from 16 filters per group, a contraction of 64 and 64 positions", () => {
    const params = { stride: [1, 1], padding: [[0, 0], [0, 0]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 } as unknown as ConvParams;
    const secondLayer = convGeometry([64, 6, 14, 14], [16, 6, 5, 5], [64, 16, 10, 10], params, "float32");
    const filterGrad = convGeometry([6, 64, 12, 12], [16, 64, 8, 8], [6, 16, 5, 5], params, "float32");
    const firstLayer = convGeometry([64, 1, 28, 28], [6, 1, 5, 5], [64, 6, 24, 24], params, "float32");
    expect(chooseConvMethod(secondLayer, false)).toBe("direct");
    expect(chooseConvMethod(secondLayer, true)).toBe("im2col");
    expect(chooseConvMethod(filterGrad, true)).toBe("direct"); // 25 positions
    expect(chooseConvMethod(firstLayer, true)).toBe("direct");
    // With the WebAssembly direct convolution too, direct wins the second layer (src/compile/wasm/conv.ts).
    expect(chooseConvMethod(secondLayer, true, true)).toBe("direct");
    setBackend("wasm");
    expect([compileConv(secondLayer).method, compileConv(secondLayer).emitter]).toEqual(["direct", "wasm-conv-f64x2"]);
    setBackend("js");
    expect([compileConv(secondLayer).method, compileConv(secondLayer).emitter]).toEqual(["direct", "js-conv-direct"]);
  });

  it("packing reads along depth (untransposed A, transposed B) and along rows (the others) to the same bits as the JS kernel", () => {
    // The MLP step's products (128×784 @ 784×256 and its transposed gradient forms) and ragged
    // shapes whose last strip is partial, so both loop orders and the zero padding are exercised.
    const shapes: [number, number, number][] = [[128, 784, 256], [784, 128, 256], [128, 256, 10], [13, 7, 5], [6, 3, 9]];
    for (const [m, k, n] of shapes) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const spec = { batch: 1, m, k, n, transposeA, transposeB, dtype: "float32" as const };
          const a = filled([m * k], m + 3 * k).data() as Float32Array;
          const b = filled([k * n], n + 5 * k).data() as Float32Array;
          const got = new Float32Array(m * n).fill(NaN);
          compileWasmMatmul(spec, undefined, "float64")!.kernel(a, b, got, []);
          const want = new Float32Array(m * n);
          compileMatmul(spec, undefined, DEFAULT_TILING)(a, b, want, []);
          const diff = bitDifference(got, want);
          if (diff !== null) expect.fail(`${diff} (${JSON.stringify(spec)})`);
        }
      }
    }
  });

  it("a float32 product stored into a Float64Array keeps its float64 sums unrounded, as the JS kernel does (im2col relies on it)", () => {
    const spec = { batch: 1, m: 5, k: 18, n: 48, transposeA: false, transposeB: false, dtype: "float32" as const };
    const a = filled([5 * 18], 7).data() as Float32Array;
    const b = filled([18 * 48], 11).data() as Float32Array;
    const got = new Float64Array(5 * 48).fill(NaN);
    compileWasmMatmul(spec, undefined, "float64")!.kernel(a, b, got as unknown as Float32Array, []);
    const want = new Float64Array(5 * 48);
    compileMatmul(spec, undefined, DEFAULT_TILING)(a, b, want as unknown as Float32Array, []);
    expect(bitDifference(got, want)).toBeNull();
    // The sums really are wider than float32 (else this test could not fail).
    expect(Array.from(want).some((v) => Math.fround(v) !== v)).toBe(true);
  });

  it("kernels compiled before the kernel memory grows still compute correctly after", () => {
    const spec = (s: number) => ({ batch: 1, m: s, k: s, n: s, transposeA: false, transposeB: false, dtype: "float32" as const });
    const small = compileWasmMatmul(spec(16), undefined, "float32")!;
    const a = filled([16, 16], 9).data() as Float32Array;
    const b = filled([16, 16], 10).data() as Float32Array;
    const first = new Float32Array(256);
    small.kernel(a, b, first, []);
    // 700² floats ×3 regions: several MiB, past anything the tests before needed.
    const big = compileWasmMatmul(spec(700), undefined, "float32")!;
    big.kernel(new Float32Array(700 * 700).fill(1), new Float32Array(700 * 700).fill(1), new Float32Array(700 * 700), []);
    const again = new Float32Array(256);
    small.kernel(a, b, again, []);
    expect(bitDifference(again, first)).toBeNull();
  });
});
