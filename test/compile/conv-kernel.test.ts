// The compiled convolution kernels (src/compile/kernels/conv.ts) against the conv primitive's
// reference evaluation, for random options: 1-D and 2-D, odd sizes, stride, padding and cropping,
// input dilation (transposed / input-gradient convolutions), filter dilation, groups; both methods
// (direct loops under random register tiles, im2col + matmul), float32 and float64; epilogues;
// and the registered kernel that eager ops and jit run.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../src/index.js";
import { kernelFactoryFor } from "../../src/compile/codegen/emitter.js";
import {
  type ConvEpilogue,
  type ConvGeometry,
  type ConvMethod,
  type DirectTiling,
  chooseConvMethod,
  directConvAccelerated,
  compileConv,
  convGeometry,
  convKernel,
  fusedConvKernel,
} from "../../src/compile/kernels/conv.js";
import { matmulAccelerated } from "../../src/compile/kernels/matmul.js";
import type { ExprGraph } from "../../src/compile/lower.js";
import { addPrim, maximumPrim, mulPrim } from "../../src/prims/binary.js";
import { type ConvParams, convPrim, convShape } from "../../src/prims/conv.js";
import type { ConcreteArg } from "../../src/prims/primitive.js";
import { allocArray } from "../../src/tensor/dtype.js";

type FloatDType = "float32" | "float64";
type Arr = Float32Array | Float64Array;

interface Case {
  xShape: number[];
  wShape: number[];
  params: ConvParams;
  dtype: FloatDType;
  seed: number;
}

/** Random conv equations: every option, sizes chosen so the padded input holds the dilated filter. */
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    nd: fc.constantFrom(1, 2),
    n: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 3 }),
    cg: fc.integer({ min: 1, max: 3 }),
    og: fc.integer({ min: 1, max: 7 }),
    size: fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 2, maxLength: 2 }),
    k: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 2 }),
    stride: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
    lhs: fc.array(fc.constantFrom(1, 1, 2, 3), { minLength: 2, maxLength: 2 }),
    rhs: fc.array(fc.constantFrom(1, 1, 2, 3), { minLength: 2, maxLength: 2 }),
    pads: fc.array(fc.tuple(fc.integer({ min: -2, max: 4 }), fc.integer({ min: -2, max: 4 })), { minLength: 2, maxLength: 2 }),
    dtype: fc.constantFrom<FloatDType>("float32", "float64"),
    seed: fc.nat(),
  })
  .map((r) => {
    const axes = r.nd === 2 ? [0, 1] : [1];
    const padding = axes.map((d) => {
      const s = r.size[d]!;
      const [lo, hi] = r.pads[d]!;
      const need = (r.k[d]! - 1) * r.rhs[d]! + 1 - ((s - 1) * r.lhs[d]! + 1);
      // Raise the high side until the padded input holds at least one window.
      return [lo, Math.max(hi, need - lo)];
    });
    const params: ConvParams = {
      stride: axes.map((d) => r.stride[d]!),
      padding,
      lhsDilation: axes.map((d) => r.lhs[d]!),
      rhsDilation: axes.map((d) => r.rhs[d]!),
      groups: r.groups,
    };
    return {
      xShape: [r.n, r.groups * r.cg, ...axes.map((d) => r.size[d]!)],
      wShape: [r.groups * r.og, r.cg, ...axes.map((d) => r.k[d]!)],
      params,
      dtype: r.dtype,
      seed: r.seed,
    };
  });

const tilingArb: fc.Arbitrary<DirectTiling> = fc.record({
  ob: fc.integer({ min: 1, max: 6 }),
  jb: fc.integer({ min: 1, max: 8 }),
  unrollKw: fc.constantFrom(0, 3, 8),
  alwaysCopy: fc.boolean(),
});

function fill(arr: Arr, seed: number): Arr {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < arr.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    arr[i] = s / 2 ** 31 - 1;
  }
  return arr;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function setup(c: Case) {
  const outShape = convShape("test", { shape: c.xShape, dtype: c.dtype }, { shape: c.wShape, dtype: c.dtype }, c.params);
  const x = fill(allocArray(c.dtype, size(c.xShape)) as Arr, c.seed);
  const w = fill(allocArray(c.dtype, size(c.wShape)) as Arr, c.seed + 17);
  const ref = (xd: Arr, wd: Arr) => {
    const args: ConcreteArg[] = [
      { data: xd, shape: c.xShape, dtype: c.dtype },
      { data: wd, shape: c.wShape, dtype: c.dtype },
    ];
    return convPrim.impl(args, c.params, { shape: outShape, dtype: c.dtype }) as Arr;
  };
  const expected = ref(x, w);
  // |x| ∗ |w| bounds each output's rounding error.
  const bound = ref(x.map(Math.abs) as Arr, w.map(Math.abs) as Arr);
  const geometry = convGeometry(c.xShape, c.wShape, outShape, c.params, c.dtype);
  const fresh = () => (allocArray(c.dtype, size(outShape)) as Arr).fill(NaN); // unwritten elements show up
  return { x, w, outShape, expected, bound, geometry, fresh };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>, dtype: FloatDType): void {
  expect(got.length).toBe(want.length);
  const eps = dtype === "float32" ? 2e-6 : 1e-13;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= eps * (bound[i]! + 1))) {
      throw new Error(`element ${i}: got ${got[i]}, expected ${want[i]} (|x|∗|w| = ${bound[i]})`);
    }
  }
}

const METHODS: ConvMethod[] = ["direct", "im2col"];

describe("conv kernels vs the reference evaluation", () => {
  for (const method of METHODS) {
    it(`${method}: random options, 1-D and 2-D, float32 and float64`, () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const { x, w, expected, bound, geometry, fresh } = setup(c);
          const out = fresh();
          compileConv(geometry, { method }).kernel(x, w, out, []);
          expectClose(out, expected, bound, c.dtype);
        }),
        { numRuns: 150 },
      );
    });
  }

  it("direct: any register tile, filter-column unrolling and input copy", () => {
    fc.assert(
      fc.property(caseArb, tilingArb, (c, tiling) => {
        const { x, w, expected, bound, geometry, fresh } = setup(c);
        const out = fresh();
        compileConv(geometry, { method: "direct", tiling }).kernel(x, w, out, []);
        expectClose(out, expected, bound, c.dtype);
      }),
      { numRuns: 100 },
    );
  });

  it("direct float64 sums in the reference's order: results are identical", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { x, w, expected, geometry, fresh } = setup({ ...c, dtype: "float64" });
        const out = fresh();
        compileConv(geometry, { method: "direct" }).kernel(x, w, out, []);
        expect(Array.from(out)).toEqual(Array.from(expected));
      }),
      { numRuns: 100 },
    );
  });

  it("the registered kernel (eager and jit) runs the chosen method and matches", () => {
    expect(kernelFactoryFor("conv")).toBe(convKernel);
    fc.assert(
      fc.property(caseArb, (c) => {
        const { x, w, outShape, expected, bound, geometry, fresh } = setup(c);
        const k = convKernel({ params: c.params, inputs: [{ shape: c.xShape, dtype: c.dtype }, { shape: c.wShape, dtype: c.dtype }], out: { shape: outShape, dtype: c.dtype } });
        const method = chooseConvMethod(geometry, matmulAccelerated(), directConvAccelerated());
        // The direct method runs as WebAssembly where the backend is (the JS loops for empty outputs).
        expect([`js-conv-${method}`, ...(method === "direct" && directConvAccelerated() ? ["wasm-conv-f64x2"] : [])]).toContain(k.emitter);
        const out = fresh();
        k.run([x, w], out);
        expectClose(out, expected, bound, c.dtype);
        // A second call reuses the scratch and gives the same result.
        const again = fresh();
        k.run([x, w], again);
        expect(Array.from(again)).toEqual(Array.from(out));
      }),
      { numRuns: 100 },
    );
  });
});

describe("conv kernel epilogues", () => {
  // bias + relu: one value per output channel, then max(0, ·).
  const biasRelu: ConvEpilogue = { extraInputs: 1, expr: (acc, idx, [b]) => `Math.max(0, ${acc} + ${b}[${idx.o}])` };
  // Reads every index: e[flat]·acc + n − p/4.
  const indexed: ConvEpilogue = { extraInputs: 1, expr: (acc, idx, [e]) => `(${e}[${idx.flat}] * ${acc} + ${idx.n} - ${idx.p} / 4)` };

  for (const method of METHODS) {
    it(`${method}: bias + relu and an epilogue reading every index`, () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const { x, w, outShape, expected, bound, geometry, fresh } = setup(c);
          const [n, o] = outShape as [number, number];
          const positions = size(outShape.slice(2));
          const bias = fill(allocArray(c.dtype, o) as Arr, c.seed + 5);
          const out = fresh();
          compileConv(geometry, { method, epilogue: biasRelu }).kernel(x, w, out, [bias]);
          const want = expected.map((v, i) => Math.max(0, v + bias[Math.floor(i / positions) % o]!));
          expectClose(out, want, bound, c.dtype);

          const e = fill(allocArray(c.dtype, size(outShape)) as Arr, c.seed + 9);
          const out2 = fresh();
          compileConv(geometry, { method, epilogue: indexed }).kernel(x, w, out2, [e]);
          const want2 = expected.map((v, i) => e[i]! * v + Math.floor(i / (o * positions)) - (i % positions) / 4);
          // e·acc + n − p/4 rounds each step in the output dtype: the bound scales with |e| and the result.
          expectClose(out2, want2, bound.map((b, i) => Math.abs(e[i]!) * b + n + Math.abs(want2[i]!)), c.dtype);
        }),
        { numRuns: 100 },
      );
    });
  }

  it("epilogue text is checked: anything but compiler-made identifiers is refused", () => {
    const g: ConvGeometry = convGeometry([1, 1, 4], [1, 1, 2], [1, 1, 3], { stride: [1], padding: [[0, 0]], lhsDilation: [1], rhsDilation: [1], groups: 1 }, "float32");
    const evil: ConvEpilogue = { extraInputs: 0, expr: (acc) => `${acc} + globalThis.process` };
    expect(() => compileConv(g, { method: "direct", epilogue: evil })).toThrow(/identifier the compiler did not make/);
    expect(() => compileConv(g, { method: "im2col", epilogue: { extraInputs: 0, expr: (acc) => `${acc} + "x"` } })).toThrow(/character outside numbers, operators and identifiers/);
  });
});

describe("fused conv epilogues from the compiler's expression graphs", () => {
  /** relu(acc + bias[o]) · scale[n, o, …] over the output shape: a broadcast load, a full load, shared subexpressions. */
  function biasReluScale(shape: readonly number[], dtype: FloatDType): ExprGraph {
    const full = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const channel = shape.map((_, d) => (d === 1 ? 1 : 0));
    const op = (prim: typeof addPrim, args: number[]) => ({ kind: "op" as const, prim, params: {}, args, inDtypes: args.map(() => dtype), dtype });
    return {
      shape,
      nodes: [
        { kind: "acc", dtype },
        { kind: "load", input: 2, chain: [{ shape: [...shape], strides: channel, offset: 0 }], dtype },
        op(addPrim, [0, 1]),
        { kind: "lit", value: 0, dtype },
        op(maximumPrim, [2, 3]),
        { kind: "load", input: 3, chain: [{ shape: [...shape], strides: full, offset: 0 }], dtype },
        op(mulPrim, [4, 5]),
      ],
      result: 6,
    } as ExprGraph;
  }

  for (const method of METHODS) {
    it(`${method}: relu(conv + bias)·scale in the conv's output pass`, () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const { x, w, outShape, expected, bound, fresh } = setup(c);
          const o = outShape[1]!;
          const positions = size(outShape.slice(2));
          const bias = fill(allocArray(c.dtype, o) as Arr, c.seed + 5);
          const scale = fill(allocArray(c.dtype, size(outShape)) as Arr, c.seed + 6);
          const k = fusedConvKernel({ params: c.params, x: c.xShape, w: c.wShape, out: outShape, dtype: c.dtype }, 0, 1, biasReluScale(outShape, c.dtype), method);
          const out = fresh();
          k.run([x, w, bias, scale], out);
          const want = expected.map((v, i) => Math.max(v + bias[Math.floor(i / positions) % o]!, 0) * scale[i]!);
          expectClose(out, want, bound, c.dtype);
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe("the dispatch rule", () => {
  const geometry = (x: number[], w: number[], out: number[], pad: number, groups = 1) =>
    convGeometry(x, w, out, { stride: [1, 1], padding: [[pad, pad], [pad, pad]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups }, "float32");

  it("follows the measured shape classes", () => {
    // LeNet-5's forward, input-gradient and filter-gradient convolutions: direct.
    expect(chooseConvMethod(geometry([64, 1, 28, 28], [6, 1, 5, 5], [64, 6, 28, 28], 2))).toBe("direct");
    expect(chooseConvMethod(geometry([64, 6, 28, 28], [1, 6, 5, 5], [64, 1, 28, 28], 2))).toBe("direct");
    expect(chooseConvMethod(geometry([1, 64, 28, 28], [6, 64, 28, 28], [1, 6, 5, 5], 2))).toBe("direct");
    expect(chooseConvMethod(geometry([64, 6, 14, 14], [16, 6, 5, 5], [64, 16, 10, 10], 0))).toBe("direct");
    expect(chooseConvMethod(geometry([6, 64, 14, 14], [16, 64, 10, 10], [6, 16, 5, 5], 0))).toBe("direct");
    // Depthwise: direct.
    expect(chooseConvMethod(geometry([16, 32, 28, 28], [32, 1, 3, 3], [16, 32, 28, 28], 1, 32))).toBe("direct");
    // Many filters, deep contraction, many positions: im2col + matmul.
    expect(chooseConvMethod(geometry([16, 64, 14, 14], [128, 64, 1, 1], [16, 128, 14, 14], 0))).toBe("im2col");
    expect(chooseConvMethod(geometry([16, 32, 28, 28], [64, 32, 3, 3], [16, 64, 28, 28], 1))).toBe("im2col");
  });
});
