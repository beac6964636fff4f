// The compiled max-pooling kernels (src/compile/kernels/pool.ts) against the primitives'
// reference evaluations, for random windows, strides and paddings (edge windows clamped to the
// input), 1-D and 2-D, odd sizes, float32, float64 and int32, with many ties and some NaNs: the
// kernels must select exactly the element the reference selects, so results are compared exactly.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../src/index.js";
import { kernelFactoryFor } from "../../src/compile/codegen/emitter.js";
import { type PoolKind, compilePool, emitPoolSource, poolGeometry } from "../../src/compile/kernels/pool.js";
import { type PoolParams, maxPoolGatherPrim, maxPoolPrim, maxPoolScatterPrim, poolShape } from "../../src/prims/pool.js";
import type { ConcreteArg, Primitive } from "../../src/prims/primitive.js";
import { type DType, type TypedArray, allocArray } from "../../src/tensor/dtype.js";

type PoolDType = "float32" | "float64" | "int32";

interface Case {
  xShape: number[];
  params: PoolParams;
  dtype: PoolDType;
  /** values are drawn from few levels so windows tie; NaNs appear in float cases when set */
  nan: boolean;
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    nd: fc.constantFrom(1, 2),
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    size: fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 2, maxLength: 2 }),
    window: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 2 }),
    stride: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
    pads: fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { minLength: 2, maxLength: 2 }),
    dtype: fc.constantFrom<PoolDType>("float32", "float64", "int32"),
    nan: fc.boolean(),
    seed: fc.nat(),
  })
  .map((r) => {
    const axes = r.nd === 2 ? [0, 1] : [1];
    // Windows no larger than the input; padding below the window.
    const window = axes.map((d) => Math.min(r.window[d]!, r.size[d]!));
    const padding = axes.map((d, i) => [r.pads[d]![0] % window[i]!, r.pads[d]![1] % window[i]!]);
    return {
      xShape: [r.n, r.c, ...axes.map((d) => r.size[d]!)],
      params: { window, stride: axes.map((d) => r.stride[d]!), padding },
      dtype: r.dtype,
      nan: r.nan && r.dtype !== "int32",
      seed: r.seed,
    };
  });

function fill(arr: TypedArray, seed: number, levels: number, nan: boolean): TypedArray {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < arr.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = (s >>> 8) % levels - Math.floor(levels / 2);
    arr[i] = nan && (s >>> 4) % 23 === 0 ? NaN : v;
  }
  return arr;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function reference(prim: Primitive, args: ConcreteArg[], params: PoolParams, shape: number[], dtype: DType): TypedArray {
  return prim.impl(args, params as never, { shape, dtype });
}

function expectSame(got: TypedArray, want: TypedArray): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`element ${i}: got ${got[i]}, expected ${want[i]}`);
  }
}

const PRIMS: Record<PoolKind, Primitive> = {
  max_pool: maxPoolPrim as unknown as Primitive,
  max_pool_scatter: maxPoolScatterPrim as unknown as Primitive,
  max_pool_gather: maxPoolGatherPrim as unknown as Primitive,
};

function check(kind: PoolKind, c: Case, viaRegistry: boolean): void {
  const pooled = poolShape("test", { shape: c.xShape, dtype: c.dtype }, c.params);
  const x = fill(allocArray(c.dtype, size(c.xShape)), c.seed, 5, c.nan);
  // max_pool_scatter's second operand is pooled-shaped, max_pool_gather's is x-shaped.
  const secondShape = kind === "max_pool_scatter" ? pooled : c.xShape;
  const second = fill(allocArray(c.dtype, size(secondShape)), c.seed + 3, 1000, false);
  const outShape = kind === "max_pool_scatter" ? c.xShape : pooled;
  const args: ConcreteArg[] = [{ data: x, shape: c.xShape, dtype: c.dtype }];
  if (kind !== "max_pool") args.push({ data: second, shape: secondShape, dtype: c.dtype });
  const want = reference(PRIMS[kind], args, c.params, outShape, c.dtype);
  const got = allocArray(c.dtype, size(outShape));
  got.fill(c.dtype === "int32" ? 123456789 : NaN);
  if (viaRegistry) {
    const factory = kernelFactoryFor(kind)!;
    const k = factory({
      kind: "call",
      prim: PRIMS[kind],
      params: c.params,
      kernelClass: kind,
      inputs: args.map((a) => ({ shape: a.shape, dtype: a.dtype })) as never,
      out: { shape: outShape, dtype: c.dtype },
    });
    expect(["js-pool", "wasm-pool"]).toContain(k.emitter); // 2 × 2 windows of stride 2 run as WebAssembly (test/compile/wasm-pool.test.ts)
    k.run(args.map((a) => a.data), got);
  } else {
    compilePool(kind, poolGeometry(c.xShape, pooled, c.params)).run(x, kind === "max_pool" ? undefined : second, got);
  }
  expectSame(got, want);
}

describe("max-pooling kernels vs the reference evaluation", () => {
  for (const kind of ["max_pool", "max_pool_scatter", "max_pool_gather"] as const) {
    it(`${kind}: random windows, strides, paddings; ties and NaNs; float32, float64, int32`, () => {
      fc.assert(fc.property(caseArb, (c) => check(kind, c, false)), { numRuns: 150 });
    });
    it(`${kind}: the registered kernel matches`, () => {
      fc.assert(fc.property(caseArb, (c) => check(kind, c, true)), { numRuns: 100 });
    });
  }

  it("covers large windows (looped rather than unrolled) and overlapping scatters", () => {
    const c: Case = { xShape: [2, 2, 9, 11], params: { window: [5, 4], stride: [1, 2], padding: [[2, 1], [3, 0]] }, dtype: "float32", nan: false, seed: 7 };
    for (const kind of ["max_pool", "max_pool_scatter", "max_pool_gather"] as const) check(kind, c, false);
    const source = emitPoolSource("max_pool_scatter", poolGeometry(c.xShape, poolShape("t", { shape: c.xShape, dtype: "float32" }, c.params), c.params));
    expect(source).toContain("sc.fill"); // overlapping windows sum through the Float64 scratch
  });
});
