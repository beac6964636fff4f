// Laws of the compiled convolution kernels' exact paths (src/compile/kernels/conv.ts, im2col.ts):
// - the direct loops skip filter rows that read only zero padding, and write the tiles meeting
//   padding columns out without those multiply-adds; with any padding (up to a full "input
//   gradient" padding and beyond), crops, strides, dilations and register tiles the results equal
//   the reference evaluation bit for bit, float32 and float64;
// - im2col takes several images per product (with a shorter last chunk); whatever the chunking,
//   the results equal the reference bit for bit, with and without an epilogue;
// - a skipped padding row or column multiplies nothing: an infinite filter value that only meets
//   padding leaves the output finite, as in the reference (which skips padding taps);
// - the automatic tiling runs output rows of 5 or 6 columns as one tile (LeNet-5's filter
//   gradients) and reads a filter whose values serve few outputs in place instead of copying it
//   into panels, bit for bit equal to the reference (any tile reads the filter either way);
// - the WebAssembly direct kernel (src/compile/wasm/conv.ts) with float64 accumulation equals the
//   reference bit for bit for every option and tile, NaN/±Infinity/±0 inputs included, applies a
//   fused epilogue with the JS loops' bits, and hands a call with a non-finite filter value to the
//   JS loops (the "infinite filter value" law above holds through them); with float32 accumulation it stays within the documented float32 summation bound.
// - a filter holding NaN or ±Infinity gives the reference's bits with every method, where the
//   kernels would multiply padding or input-dilation holes (NaN·0) that the reference skips.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../src/index.js";
import { type ConvEpilogue, type DirectTiling, WHOLE_ROW_TILE, compileConv, convGeometry, directTilingFor, filterReadInPlace, filterRowsReadingData, paddingColumns } from "../src/compile/kernels/conv.js";
import { compileIm2col } from "../src/compile/kernels/im2col.js";
import { backendSetting, setBackend } from "../src/compile/wasm/backend.js";
import { type WasmConvTiling, channelChunk, compileWasmConv, wasmConvCalls } from "../src/compile/wasm/conv.js";
import type { Accumulation } from "../src/compile/wasm/matmul.js";
import { type ConvParams, convPrim, convShape } from "../src/prims/conv.js";
import { allocArray } from "../src/tensor/dtype.js";
import { allocateRegion, freeRegion } from "../src/compile/wasm/arena.js";
import { ensureReserved, kernelBuffer } from "../src/compile/wasm/memory.js";
import { bitDifference } from "./exact.js";
import { runs } from "./runs.js";

type FloatDType = "float32" | "float64";
type Arr = Float32Array | Float64Array;

interface Case {
  xShape: number[];
  wShape: number[];
  params: ConvParams;
  dtype: FloatDType;
  seed: number;
}

/** Random conv equations with up to `maxN` images and paddings up to a full convolution's and beyond. */
function caseArb(maxN: number): fc.Arbitrary<Case> {
  const pair = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: 2, maxLength: 2 });
  return fc
    .record({
      nd: fc.constantFrom(1, 2),
      n: fc.integer({ min: 1, max: maxN }),
      groups: fc.integer({ min: 1, max: 2 }),
      cg: fc.integer({ min: 1, max: 3 }),
      og: fc.integer({ min: 1, max: 5 }),
      size: pair(fc.integer({ min: 1, max: 9 })),
      k: pair(fc.integer({ min: 1, max: 5 })),
      stride: pair(fc.integer({ min: 1, max: 3 })),
      lhs: pair(fc.constantFrom(1, 1, 2)),
      rhs: pair(fc.constantFrom(1, 1, 2)),
      // Extra padding beyond the window (a full convolution pads window − 1 on each side).
      pads: pair(fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }))),
      full: pair(fc.boolean()),
      dtype: fc.constantFrom<FloatDType>("float32", "float64"),
      seed: fc.nat(),
    })
    .map((r) => {
      const axes = r.nd === 2 ? [0, 1] : [1];
      const padding = axes.map((d) => {
        const window = (r.k[d]! - 1) * r.rhs[d]! + 1;
        const [lo0, hi0] = r.pads[d]!;
        const [lo, hi] = r.full[d] ? [window - 1 + lo0, window - 1 + hi0] : [lo0, hi0];
        const need = window - ((r.size[d]! - 1) * r.lhs[d]! + 1);
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
}

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
  const reference = (wd: Arr) =>
    convPrim.impl(
      [
        { data: x, shape: c.xShape, dtype: c.dtype },
        { data: wd, shape: c.wShape, dtype: c.dtype },
      ],
      c.params,
      { shape: outShape, dtype: c.dtype },
    ) as Arr;
  const geometry = convGeometry(c.xShape, c.wShape, outShape, c.params, c.dtype);
  const fresh = () => (allocArray(c.dtype, size(outShape)) as Arr).fill(NaN); // unwritten elements show up
  return { x, w, outShape, reference, geometry, fresh };
}

const label = (c: Case) => JSON.stringify({ ...c, seed: undefined });

const tilingArb: fc.Arbitrary<DirectTiling> = fc.record({
  ob: fc.integer({ min: 1, max: 5 }),
  jb: fc.integer({ min: 1, max: 6 }),
  unrollKw: fc.constantFrom(0, 3, 8),
  alwaysCopy: fc.boolean(),
  filterInPlace: fc.option(fc.boolean(), { nil: undefined }),
});

describe("direct convolution loops that skip padding", () => {
  it("equal the reference evaluation bit for bit (paddings up to a full convolution's, crops, strides, dilations, any tile)", () => {
    fc.assert(
      fc.property(caseArb(2), fc.option(tilingArb), (c, tiling) => {
        const { x, w, reference, geometry, fresh } = setup(c);
        const out = fresh();
        compileConv(geometry, { method: "direct", tiling: tiling ?? undefined }).kernel(x, w, out, []);
        expect(bitDifference(out, reference(w)), label(c)).toBeNull();
      }),
      runs(150),
    );
  });

  it("skip rows exactly where padding leaves a filter row nothing but zeros", () => {
    const p = (pad: number[][]): ConvParams => ({ stride: [1, 1], padding: pad, lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 });
    // LeNet-5's second layer: the input gradient pads 4 rows on each side, the forward nothing.
    expect(filterRowsReadingData(convGeometry([64, 16, 10, 10], [6, 16, 5, 5], [64, 6, 14, 14], p([[4, 4], [4, 4]]), "float32"))).not.toBeNull();
    expect(filterRowsReadingData(convGeometry([64, 6, 14, 14], [16, 6, 5, 5], [64, 16, 10, 10], p([[0, 0], [0, 0]]), "float32"))).toBeNull();
    // Padding only along the width: every filter row reads data.
    expect(filterRowsReadingData(convGeometry([1, 1, 6, 6], [1, 1, 3, 3], [1, 1, 4, 8], p([[0, 0], [2, 2]]), "float32"))).toBeNull();
    // Columns: the input gradient's 14 output columns in tiles of 4 meet padding in the first
    // tile, the third and the 2-column remainder; the second tile runs in the loop.
    const columns = paddingColumns(convGeometry([64, 16, 10, 10], [6, 16, 5, 5], [64, 6, 14, 14], p([[4, 4], [4, 4]]), "float32"), 4, 3);
    expect(columns && [columns.loopFrom, columns.loopTo]).toEqual([1, 2]);
    expect(columns!.reads(0, 0)).toBe(false); // output column 0 · filter column 0 reads padding column 0
    expect(columns!.reads(0, 4)).toBe(true); // … filter column 4 reads input column 0
    expect(columns!.reads(13, 0)).toBe(true);
    expect(columns!.reads(13, 1)).toBe(false);
    expect(paddingColumns(convGeometry([64, 6, 14, 14], [16, 6, 5, 5], [64, 16, 10, 10], p([[0, 0], [0, 0]]), "float32"), 4, 2)).toBeNull();
  });

  it("an infinite filter value that meets only padding rows or columns leaves the output finite, as in the reference", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.boolean(), fc.nat(), (pad, k, rows, seed) => {
        // Padding of `pad` ≥ 1 rows (or columns) only: the first output row (column) reads padding
        // with filter row (column) 0.
        const c: Case = {
          xShape: rows ? [1, 2, 6, 5] : [1, 2, 5, 6],
          wShape: rows ? [3, 2, k, 2] : [3, 2, 2, k],
          params: { stride: [1, 1], padding: rows ? [[pad, pad], [0, 0]] : [[0, 0], [pad, pad]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 },
          dtype: "float32",
          seed,
        };
        const { x, w, reference, geometry, fresh } = setup(c);
        w[0] = Infinity; // filter 0, channel 0, row 0, column 0: meets data only away from the first output row/column
        const out = fresh();
        compileConv(geometry, { method: "direct" }).kernel(x, w, out, []);
        const expected = reference(w);
        expect(Number.isFinite(expected[0]!)).toBe(true);
        expect(bitDifference(out, expected)).toBeNull();
      }),
      runs(100),
    );
  });
});

describe("a non-finite filter value", () => {
  it("gives the reference's bits with every method (padding, crops, input-dilation holes: the reference skips those taps)", () => {
    const saved = backendSetting();
    try {
      fc.assert(
        fc.property(caseArb(2), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), fc.constantFrom("js", "auto"), (c, at, bad, backend) => {
          setBackend(backend as "js" | "auto");
          const { x, w, reference, geometry, fresh } = setup(c);
          w[at % w.length] = bad;
          const expected = reference(w);
          for (const options of [{ method: "direct" as const }, { method: "im2col" as const }, { method: "direct" as const, accelerate: false }, {}]) {
            const out = fresh();
            compileConv(geometry, options).kernel(x, w, out, []);
            expect(bitDifference(out, expected), `${label(c)} ${JSON.stringify(options)} ${backend}`).toBeNull();
          }
        }),
        runs(100),
      );
    } finally {
      setBackend(saved.backend, saved.options);
    }
  });

  it("gives the reference's value through a fused epilogue (bias + relu)", () => {
    // x [1,1,1], filter NaN, crop 1 then pad 1 behind the input-dilated row: the only tap is padding.
    const c: Case = { xShape: [1, 1, 1], wShape: [1, 1, 1], params: { stride: [1], padding: [[-1, 1]], lhsDilation: [2], rhsDilation: [1], groups: 1 }, dtype: "float32", seed: 1 };
    const { x, w, reference, geometry, fresh } = setup(c);
    w[0] = NaN;
    expect(Object.is(reference(w)[0], 0)).toBe(true);
    const epilogue: ConvEpilogue = { extraInputs: 1, expr: (acc, index, extras) => `Math.max(0, Math.fround(${acc} + ${extras[0]}[${index.o}]))` };
    for (const method of ["direct", "im2col"] as const) {
      const out = fresh();
      compileConv(geometry, { method, epilogue }).kernel(x, w, out, [new Float32Array([0.5])]);
      expect(out[0], method).toBe(0.5);
    }
  });
});

/** Random conv equations whose output rows are 4 to 7 columns wide (5 or 6 unless input dilation adds one). */
function narrowRowArb(): fc.Arbitrary<Case> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      cg: fc.integer({ min: 1, max: 3 }),
      og: fc.integer({ min: 1, max: 6 }),
      h: fc.integer({ min: 1, max: 5 }),
      tw: fc.constantFrom(4, 5, 6),
      k: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 12 })),
      stride: fc.integer({ min: 1, max: 3 }),
      lhs: fc.constantFrom(1, 1, 2),
      rhs: fc.constantFrom(1, 1, 2),
      pads: fc.tuple(fc.nat(), fc.nat(), fc.nat()),
      dtype: fc.constantFrom<FloatDType>("float32", "float64"),
      seed: fc.nat(),
    })
    .map((r) => {
      const window = (r.k[1] - 1) * r.rhs + 1;
      const extent = (r.tw - 1) * r.stride + window; // padded (and dilated) width giving tw outputs
      const lo = r.pads[0] % Math.min(window, extent);
      let hi = r.pads[1] % Math.max(1, Math.min(window, extent - lo));
      // The dilated input spans extent − lo − hi columns: (w − 1)·lhs + 1.
      if ((extent - lo - hi - 1) % r.lhs !== 0) hi -= 1;
      const w = (extent - lo - hi - 1) / r.lhs + 1;
      const padH = r.pads[2] % r.k[0];
      return {
        xShape: [r.n, r.groups * r.cg, r.h + r.k[0] - 1, w],
        wShape: [r.groups * r.og, r.cg, r.k[0], r.k[1]],
        params: { stride: [1, r.stride], padding: [[padH, padH], [lo, hi]], lhsDilation: [1, r.lhs], rhsDilation: [1, r.rhs], groups: r.groups },
        dtype: r.dtype,
        seed: r.seed,
      };
    });
}

describe("the automatic direct tiling", () => {
  it("runs rows of 5 or 6 outputs as one tile and equals the reference bit for bit (odd sizes, strides, padding, dilations, groups, batch 1)", () => {
    let wholeRows = 0;
    fc.assert(
      fc.property(narrowRowArb(), (c) => {
        const { x, w, reference, geometry, fresh } = setup(c);
        const tiling = directTilingFor(geometry);
        const whole = geometry.tw > 4 && geometry.tw <= WHOLE_ROW_TILE;
        expect(tiling.jb, label(c)).toBe(whole ? geometry.tw : 4);
        if (whole) wholeRows++;
        const out = fresh();
        compileConv(geometry, { method: "direct" }).kernel(x, w, out, []);
        expect(bitDifference(out, reference(w)), label(c)).toBeNull();
      }),
      runs(150),
    );
    expect(wholeRows).toBeGreaterThan(50);
  });

  it("gives LeNet-5's filter gradients (5 × 5 outputs) whole-row tiles of 4 × 5 and 3 × 5", () => {
    const p = (pad: number): ConvParams => ({ stride: [1, 1], padding: [[pad, pad], [pad, pad]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 });
    const conv2 = directTilingFor(convGeometry([6, 64, 14, 14], [16, 64, 10, 10], [6, 16, 5, 5], p(0), "float32"));
    const conv1 = directTilingFor(convGeometry([1, 64, 28, 28], [6, 64, 28, 28], [1, 6, 5, 5], p(2), "float32"));
    expect([conv2.ob, conv2.jb, conv1.ob, conv1.jb]).toEqual([4, 5, 3, 5]);
    // Wider rows keep 4-column tiles (the input gradient's 14 columns).
    expect(directTilingFor(convGeometry([64, 16, 10, 10], [6, 16, 5, 5], [64, 6, 14, 14], p(4), "float32")).jb).toBe(4);
  });

  it("reads the filter in place only where each filter value serves few outputs (LeNet-5's first filter gradient)", () => {
    const p = (pad: number): ConvParams => ({ stride: [1, 1], padding: [[pad, pad], [pad, pad]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 });
    const dw1 = convGeometry([1, 64, 28, 28], [6, 64, 28, 28], [1, 6, 5, 5], p(2), "float32");
    const dw2 = convGeometry([6, 64, 14, 14], [16, 64, 10, 10], [6, 16, 5, 5], p(0), "float32");
    const forward = convGeometry([64, 1, 28, 28], [6, 1, 5, 5], [64, 6, 28, 28], p(2), "float32");
    expect([filterReadInPlace(dw1), filterReadInPlace(dw2), filterReadInPlace(forward)]).toEqual([true, false, false]);
    // In place, the source loads filter values from the filter input (in1) in the tile loops, not from panels.
    expect(compileConv(dw1, { method: "direct", accelerate: false }).source).toMatch(/t0 = in1\[p1/);
    expect(compileConv(dw2, { method: "direct", accelerate: false }).source).not.toMatch(/t0 = in1\[p1/);
  });
});

describe("im2col over chunks of images", () => {
  // bias + relu, and an epilogue reading every index (raw accumulator, no rounding first).
  const biasRelu: ConvEpilogue = { extraInputs: 1, expr: (acc, idx, [b]) => `Math.max(0, ${acc} + ${b}[${idx.o}])` };
  const indexed: ConvEpilogue = { extraInputs: 1, expr: (acc, idx, [e]) => `(${e}[${idx.flat}] * ${acc} + ${idx.n} - ${idx.p} / 4)` };

  it("equals the reference bit for bit for every chunk size (a shorter last chunk included)", () => {
    fc.assert(
      fc.property(caseArb(5), fc.integer({ min: 1, max: 5 }), (c, chunk) => {
        const { x, w, reference, geometry, fresh } = setup(c);
        const out = fresh();
        compileIm2col(geometry, undefined, { imagesPerChunk: chunk }).kernel(x, w, out, []);
        expect(bitDifference(out, reference(w)), `${label(c)} chunk ${chunk}`).toBeNull();
        // A second call reuses the scratch and gives the same bits.
        const again = fresh();
        compileIm2col(geometry, undefined, { imagesPerChunk: chunk }).kernel(x, w, again, []);
        expect(bitDifference(again, out)).toBeNull();
      }),
      runs(100),
    );
  });

  it("applies an epilogue to each stored element with its image, channel and position", () => {
    fc.assert(
      fc.property(caseArb(5), fc.integer({ min: 1, max: 5 }), fc.boolean(), (c, chunk, useIndexed) => {
        const { x, w, outShape, reference, geometry, fresh } = setup(c);
        const conv = reference(w);
        const [n, o] = outShape as [number, number];
        const p = size(outShape.slice(2));
        const extra = useIndexed ? fill(allocArray("float64", conv.length) as Arr, c.seed + 5) : fill(allocArray("float64", o) as Arr, c.seed + 3);
        const expected = allocArray(c.dtype, conv.length) as Arr;
        // The expected values computed from the reference convolution in float64 (the accumulator
        // the kernel passes is the unrounded float64 sum; the reference rounds it to the dtype, so
        // recompute it in float64 for float32 cases).
        const conv64 = c.dtype === "float64" ? conv : (convPrim.impl([{ data: Float64Array.from(x), shape: c.xShape, dtype: "float64" }, { data: Float64Array.from(w), shape: c.wShape, dtype: "float64" }], c.params, { shape: outShape, dtype: "float64" }) as Arr);
        for (let b = 0; b < n; b++)
          for (let ch = 0; ch < o; ch++)
            for (let q = 0; q < p; q++) {
              const flat = (b * o + ch) * p + q;
              const acc = conv64[flat]!;
              expected[flat] = useIndexed ? extra[flat]! * acc + b - q / 4 : Math.max(0, acc + extra[ch]!);
            }
        const out = fresh();
        compileIm2col(geometry, useIndexed ? indexed : biasRelu, { imagesPerChunk: chunk }).kernel(x, w, out, [extra]);
        expect(bitDifference(out, expected), `${label(c)} chunk ${chunk}`).toBeNull();
      }),
      {
        ...runs(100),
        // Found by CI: a float32 product whose float64 sums the WebAssembly store pass rounded.
        examples: [[{ xShape: [1, 3, 3, 2], wShape: [5, 3, 2, 3], params: { stride: [1, 1], padding: [[3, 4], [2, 4]], lhsDilation: [1, 1], rhsDilation: [2, 1], groups: 1 }, dtype: "float32", seed: 0 }, 1, false]],
      },
    );
  });
});

describe("the WebAssembly direct convolution", () => {
  const wasmTilingArb: fc.Arbitrary<WasmConvTiling | undefined> = fc.option(fc.record({ nv: fc.integer({ min: 1, max: 3 }), jb: fc.integer({ min: 1, max: 6 }) }), { nil: undefined });
  const noFallback = () => {
    throw new Error("the JS loops were asked for although the filter is finite");
  };
  /** NaN, ±Infinity and ±0 written over some input values. */
  const specialsArb = fc.array(fc.tuple(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0)), { maxLength: 4 });

  /**
   * Runs `body` over copies of `arrays` that lie in the kernel memory (as a program's buffers do,
   * which the kernel reads in place), when `place`; else over the arrays themselves.
   */
  const maybeInKernelMemory = <T extends Arr[]>(place: boolean, arrays: T, body: (...placed: T) => void) => {
    if (!place) return body(...arrays);
    const regions = arrays.map((a) => [allocateRegion(a.byteLength), a.byteLength] as const);
    try {
      ensureReserved(); // no growth (which would detach the views) while the kernel runs
      const placed = arrays.map((a, i) => {
        const view = new (a.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(kernelBuffer(), regions[i]![0], a.length);
        view.set(a);
        return view;
      }) as T;
      body(...placed);
    } finally {
      for (const [at, bytes] of regions) freeRegion(at, bytes);
    }
  };

  it("with float64 accumulation equals the reference bit for bit (every option, any tile, NaN/±Infinity/±0 inputs, operands in the kernel memory or not)", () => {
    fc.assert(
      fc.property(caseArb(3), wasmTilingArb, specialsArb, fc.boolean(), (c, tiling, specials, place) => {
        const { x, w, reference, geometry, fresh } = setup(c);
        for (const [i, v] of specials) x[i % x.length] = v;
        const made = compileWasmConv(geometry, undefined, "float64", noFallback, tiling);
        expect(made, label(c)).not.toBeNull();
        const expected = reference(w);
        maybeInKernelMemory(place, [x, w, fresh()], (xp, wp, out) => {
          const before = wasmConvCalls.kernel;
          made!.kernel(xp, wp, out, []);
          expect(wasmConvCalls.kernel).toBe(before + 1);
          expect(bitDifference(out, expected), `${label(c)} ${JSON.stringify(tiling)} in kernel memory: ${place}`).toBeNull();
        });
      }),
      runs(150),
    );
  });

  it("sums input channels in chunks through the result area when a filter panel is large, to the same bits", () => {
    expect(channelChunk(64, 6 * 784 * 8)).toBe(1); // LeNet-5's first filter gradient
    expect(channelChunk(64, 4 * 100 * 8)).toBe(16); // its second (4-channel blocks)
    expect(channelChunk(6, 6 * 25 * 8)).toBe(6);
    // 12 channels of 6·7·7 filter values: 2.3 KiB per channel and block, so chunks of 12 ≥ … fit;
    // a 40 × 40 filter (76.8 KiB per channel) forces chunks of one channel.
    const c: Case = {
      xShape: [1, 3, 41, 42],
      wShape: [5, 3, 40, 40],
      params: { stride: [1, 1], padding: [[1, 0], [0, 1]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 },
      dtype: "float32",
      seed: 7,
    };
    const { x, w, reference, geometry, fresh } = setup(c);
    const made = compileWasmConv(geometry, undefined, "float64", noFallback)!;
    expect(made.plan.chunk).toBe(1);
    const out = fresh();
    made.kernel(x, w, out, []);
    expect(bitDifference(out, reference(w))).toBeNull();
  });

  it("applies a fused epilogue with the JS loops' bits", () => {
    const biasRelu: ConvEpilogue = { extraInputs: 1, expr: (acc, idx, [b]) => `Math.max(0, ${acc} + ${b}[${idx.o}])` };
    const indexed: ConvEpilogue = { extraInputs: 1, expr: (acc, idx, [e]) => `(${e}[${idx.flat}] * ${acc} + ${idx.n} - ${idx.p} / 4)` };
    fc.assert(
      fc.property(caseArb(3), fc.boolean(), (c, useIndexed) => {
        const { x, w, outShape, geometry, fresh } = setup(c);
        const extra = fill(allocArray("float64", useIndexed ? size(outShape) : outShape[1]!) as Arr, c.seed + 3);
        const epilogue = useIndexed ? indexed : biasRelu;
        const expected = fresh();
        compileConv(geometry, { method: "direct", epilogue, accelerate: false }).kernel(x, w, expected, [extra]);
        const out = fresh();
        compileWasmConv(geometry, epilogue, "float64", noFallback)!.kernel(x, w, out, [extra]);
        expect(bitDifference(out, expected), label(c)).toBeNull();
      }),
      runs(100),
    );
  });

  it("hands a call whose filter holds NaN or ±Infinity to the JS loops, with the reference's bits", () => {
    fc.assert(
      fc.property(caseArb(2), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), fc.constantFrom<Accumulation>("float64", "float32"), fc.boolean(), (c, at, bad, accumulation, place) => {
        const { x, w, reference, geometry, fresh } = setup(c);
        w[at % w.length] = bad;
        const js = compileConv(geometry, { method: "direct", accelerate: false }).kernel;
        const made = compileWasmConv(geometry, undefined, accumulation, () => js)!;
        const expected = reference(w);
        maybeInKernelMemory(place, [x, w, fresh()], (xp, wp, out) => {
          const before = wasmConvCalls.fallback;
          made.kernel(xp, wp, out, []);
          expect(wasmConvCalls.fallback).toBe(before + 1);
          expect(bitDifference(out, expected), `${label(c)} ${accumulation} in kernel memory: ${place}`).toBeNull();
        });
      }),
      runs(100),
    );
  });

  it("with float32 accumulation stays within γ(k + 1)·Σ|products| of the reference (k taps per output)", () => {
    fc.assert(
      fc.property(caseArb(3), wasmTilingArb, fc.boolean(), (c, tiling, place) => {
        const f32: Case = { ...c, dtype: "float32" };
        const { x, w, outShape, reference, geometry, fresh } = setup(f32);
        const made = compileWasmConv(geometry, undefined, "float32", noFallback, tiling)!;
        expect(made.plan.lanes).toBe(4);
        const out = fresh();
        maybeInKernelMemory(place, [x, w, out], (xp, wp, op) => {
          made.kernel(xp, wp, op, []);
          out.set(op);
        });
        const expected = reference(w);
        // Σ|products| per output: the float64 convolution of |x| and |w| (exact enough to bound with).
        const abs = (a: Arr) => Float64Array.from(a, Math.abs);
        const magnitude = convPrim.impl([{ data: abs(x), shape: f32.xShape, dtype: "float64" }, { data: abs(w), shape: f32.wShape, dtype: "float64" }], f32.params, { shape: outShape, dtype: "float64" }) as Arr;
        const k = f32.wShape.slice(1).reduce((a, b) => a * b, 1);
        const u = 2 ** -24;
        const gamma = ((k + 1) * u) / (1 - (k + 1) * u);
        for (let i = 0; i < out.length; i++) {
          expect(Math.abs(out[i]! - expected[i]!), `${label(f32)} element ${i}`).toBeLessThanOrEqual(gamma * magnitude[i]! + 1e-300);
        }
      }),
      runs(100),
    );
  });

  it("is what the direct method runs on the WebAssembly backend (float64 and float32 accumulation), and the JS loops on the JS backend", () => {
    const saved = backendSetting();
    try {
      const g = convGeometry([2, 3, 6, 7], [4, 3, 3, 3], [2, 4, 6, 7], { stride: [1, 1], padding: [[1, 1], [1, 1]], lhsDilation: [1, 1], rhsDilation: [1, 1], groups: 1 }, "float32");
      setBackend("wasm");
      expect(compileConv(g, { method: "direct" }).emitter).toBe("wasm-conv-f64x2");
      setBackend("wasm", { accumulation: "float32" });
      expect(compileConv(g, { method: "direct" }).emitter).toBe("wasm-conv-f32x4");
      setBackend("js");
      expect(compileConv(g, { method: "direct" }).emitter).toBe("js-conv-direct");
    } finally {
      setBackend(saved.backend, saved.options);
    }
  });
});
