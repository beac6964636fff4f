// The WebAssembly 2 × 2, stride-2 max pooling (src/compile/wasm/pool.ts) against the reference
// evaluation, bit for bit (Object.is): odd and even sizes (a last odd row or column in no window),
// vector groups and scalar remainders, float32 and float64, values drawn so windows tie and hold
// NaN, ±0 and ±Infinity, cotangents with NaN and −0; and the registered kernels run it exactly
// for the geometries it takes, on the WebAssembly backend only.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../src/index.js";
import { kernelFactoryFor } from "../../src/compile/codegen/emitter.js";
import { type PoolKind, poolGeometry } from "../../src/compile/kernels/pool.js";
import { backendSetting, setBackend } from "../../src/compile/wasm/backend.js";
import { compileWasmPool, wasmPoolCalls, wasmPoolTakes } from "../../src/compile/wasm/pool.js";
import { type PoolParams, maxPoolPrim, maxPoolScatterPrim, poolShape } from "../../src/prims/pool.js";
import type { Primitive } from "../../src/prims/primitive.js";
import { type TypedArray, allocArray } from "../../src/tensor/dtype.js";
import { allocateRegion, freeRegion } from "../../src/compile/wasm/arena.js";
import { ensureReserved, kernelBuffer } from "../../src/compile/wasm/memory.js";
import { bitDifference } from "../../props/exact.js";
import { runs } from "../../props/runs.js";

const PRIMS: Record<"max_pool" | "max_pool_scatter", Primitive> = {
  max_pool: maxPoolPrim as unknown as Primitive,
  max_pool_scatter: maxPoolScatterPrim as unknown as Primitive,
};
const PARAMS: PoolParams = { window: [2, 2], stride: [2, 2], padding: [[0, 0], [0, 0]] };
const VALUES = [0, -0, 1, -1, 2, 0.5, NaN, Infinity, -Infinity];
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function fill(arr: TypedArray, seed: number, values: readonly number[]): TypedArray {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < arr.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    arr[i] = values[(s >>> 8) % values.length]!;
  }
  return arr;
}

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 2, max: 13 }),
  w: fc.integer({ min: 2, max: 21 }),
  dtype: fc.constantFrom<"float32" | "float64">("float32", "float64"),
  kind: fc.constantFrom<"max_pool" | "max_pool_scatter">("max_pool", "max_pool_scatter"),
  seed: fc.nat(),
});

describe("the WebAssembly 2 × 2 max pooling", () => {
  it("equals the reference bit for bit (odd sizes, remainders, ties, NaN, ±0, ±Infinity; float32 and float64; operands and result in the kernel memory or not)", () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), ({ n, c, h, w, dtype, kind, seed }, place) => {
        const xShape = [n, c, h, w];
        const pooled = poolShape("test", { shape: xShape, dtype }, PARAMS);
        const x = fill(allocArray(dtype, size(xShape)), seed, VALUES);
        const cot = fill(allocArray(dtype, size(pooled)), seed + 1, [1, -0, 2.5, NaN, -3]);
        const outShape = kind === "max_pool" ? pooled : xShape;
        const args = [{ data: x, shape: xShape, dtype }];
        if (kind === "max_pool_scatter") args.push({ data: cot, shape: pooled, dtype });
        const want = PRIMS[kind].impl(args, PARAMS as never, { shape: outShape, dtype });
        const run = compileWasmPool(kind, poolGeometry(xShape, pooled, PARAMS), dtype)!;
        expect(run).not.toBeNull();
        const got = allocArray(dtype, size(outShape)).fill(NaN);
        const before = { ...wasmPoolCalls };
        if (!place) run(x, cot, got);
        else {
          // In the kernel memory, as a program's buffers are; 32 guard bytes after the result must stay untouched.
          const E = got.BYTES_PER_ELEMENT;
          const regions = [x.byteLength, cot.byteLength, got.byteLength + 32].map((bytes) => [allocateRegion(bytes), bytes] as const);
          try {
            ensureReserved();
            const Ctor = got.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
            const [xm, cm, om] = [x, cot, got].map((a, i) => new Ctor(kernelBuffer(), regions[i]![0], a.length + (i === 2 ? 32 / E : 0)));
            xm!.set(x);
            cm!.set(cot);
            om!.fill(NaN).fill(7, got.length);
            run(xm!, cm!.subarray(0, cot.length), om!.subarray(0, got.length));
            expect(wasmPoolCalls.inPlace - before.inPlace).toBe(kind === "max_pool" ? 2 : 3);
            expect([...om!.subarray(got.length)], "the guard bytes after the result").toEqual(new Array(32 / E).fill(7));
            got.set(om!.subarray(0, got.length));
          } finally {
            for (const [at, bytes] of regions) freeRegion(at, bytes);
          }
        }
        expect(wasmPoolCalls.count).toBe(before.count + 1);
        expect(bitDifference(got, want), JSON.stringify({ n, c, h, w, dtype, kind, place })).toBeNull();
      }),
      runs(150),
    );
  });

  it("takes only 2 × 2 windows of stride 2 without padding over float values, 2-D", () => {
    const g = (window: number[], stride: number[], padding: number[][]) => poolGeometry([1, 2, 8, 8], poolShape("t", { shape: [1, 2, 8, 8], dtype: "float32" }, { window, stride, padding }), { window, stride, padding });
    expect(wasmPoolTakes("max_pool", g([2, 2], [2, 2], [[0, 0], [0, 0]]), "float32")).toBe(true);
    expect(wasmPoolTakes("max_pool", g([2, 2], [2, 2], [[0, 0], [0, 0]]), "int32")).toBe(false);
    expect(wasmPoolTakes("max_pool_gather", g([2, 2], [2, 2], [[0, 0], [0, 0]]), "float32")).toBe(false);
    expect(wasmPoolTakes("max_pool", g([3, 3], [2, 2], [[0, 0], [0, 0]]), "float32")).toBe(false);
    expect(wasmPoolTakes("max_pool", g([2, 2], [1, 1], [[0, 0], [0, 0]]), "float32")).toBe(false);
    expect(wasmPoolTakes("max_pool", g([2, 2], [2, 2], [[1, 1], [0, 0]]), "float32")).toBe(false);
  });

  it("is what the registered kernels run on the WebAssembly backend, and the JS kernel on the JS backend", () => {
    const saved = backendSetting();
    const spec = (kind: PoolKind) => ({
      kind: "call",
      prim: PRIMS[kind as "max_pool"],
      params: PARAMS,
      kernelClass: kind,
      inputs: kind === "max_pool" ? [{ shape: [2, 3, 6, 6], dtype: "float32" }] : [{ shape: [2, 3, 6, 6], dtype: "float32" }, { shape: [2, 3, 3, 3], dtype: "float32" }],
      out: { shape: kind === "max_pool" ? [2, 3, 3, 3] : [2, 3, 6, 6], dtype: "float32" },
    });
    try {
      setBackend("wasm");
      for (const kind of ["max_pool", "max_pool_scatter"] as const) expect(kernelFactoryFor(kind)!(spec(kind) as never).emitter).toBe("wasm-pool");
      setBackend("js");
      for (const kind of ["max_pool", "max_pool_scatter"] as const) expect(kernelFactoryFor(kind)!(spec(kind) as never).emitter).toBe("js-pool");
    } finally {
      setBackend(saved.backend, saved.options);
    }
  });
});
