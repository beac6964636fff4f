// The im2col method of the convolution kernel (./conv.ts chooses it): the windows of a chunk of
// images are unrolled into one column matrix per group, [K, images·P] (K = channels per group ·
// taps in (channel, tap row, tap column) order, P = output positions), and multiplied by the group's
// [O/groups, K] filter with the matmul kernel (./matmul.ts, which the WebAssembly matmul serves
// when it is switched on and the size pays). Taking several images per product gives the matmul a
// wide right-hand side: LeNet-5's layers have only 6–16 filters and 25–196 positions per image,
// too small a product for the packed kernels to pay; and a filter gradient (few "images", huge
// windows) gets all its images in one deep product. The product lands in a Float64 block
// [O, images·P] of the scratch; a generated store pass moves it to the output's [N, O, P] layout,
// applying the epilogue (bias, activation) on the way. A float32 convolution keeps its padded
// image and columns in a Float32 scratch (exact copies of float32 values, half the bytes to write
// and for the matmul to pack).
//
// Exactness: each output is Σ over K in the reference's order (channel, tap row, tap column), in
// float64 whatever the chunking (the matmul never splits a sum across chunks); padding taps add
// ±0 products, which leave every partial sum unchanged, as the direct method's do. So the results
// equal the reference evaluation bit for bit, as the direct method's do.
//
// A 1×1 filter at unit stride whose input needs no copy reads the input itself as its per-image
// [C, P] column matrix (one product per image and group).

import type { TypedArray } from "../../tensor/dtype.js";
import { compileKernelSource } from "../codegen/emitter.js";
import { type ConvEpilogue, type ConvGeometry, type ConvKernel, checkedEpilogue, convSizes, emitPadCopy, sharedScratch, sharedScratch32 } from "./conv-geometry.js";
import { type MatmulEpilogue, type MatmulKernel, compileMatmul } from "./matmul.js";

/**
 * Column-matrix elements per chunk of images (all groups): 256 Ki float64 (2 MiB), so the column
 * matrix and the matmul's packed copy of it stay within a last-level cache.
 */
export const COLUMN_BUDGET = 1 << 18;

/** Columns (images · positions) a product should have: below, more images join the product. */
export const MIN_COLUMNS = 128;

/**
 * Images per product: enough for MIN_COLUMNS columns, within the column budget (at least one).
 * Measured at LeNet-5's shapes (batch 64, CPU time): with float32 accumulation 2–6 images per
 * product run 10–15% faster than one where an image has 25–100 positions; with float64
 * accumulation the chunk size made no difference beyond the noise, and wider chunks (17, 64
 * images) ran slower.
 */
export function imagesPerChunk(g: ConvGeometry, budget = COLUMN_BUDGET): number {
  const { k, positions } = convSizes(g);
  const perImage = g.groups * k * positions;
  const wanted = Math.ceil(MIN_COLUMNS / Math.max(1, positions));
  return Math.max(1, Math.min(g.n, wanted, Math.floor(budget / Math.max(1, perImage))));
}

/** Options of `compileIm2col`. */
export interface Im2colOptions {
  /** Images per product (default `imagesPerChunk(g)`); 1 reproduces the per-image scheme. */
  readonly imagesPerChunk?: number;
}

/** Compiles the im2col convolution of `g` with an optional epilogue (see the file comment). */
export function compileIm2col(
  g: ConvGeometry,
  epilogue: ConvEpilogue | undefined,
  options: Im2colOptions = {},
): { kernel: ConvKernel; source: string; method: "im2col" } {
  const { k: kTaps, positions, inPlace } = convSizes(g);
  const identityColumns = inPlace && g.kh === 1 && g.kw === 1 && g.stride[0] === 1 && g.stride[1] === 1 && g.th === g.h && g.tw === g.w;
  return identityColumns ? compileIdentityColumns(g, checkedEpilogue(epilogue)) : compileChunked(g, checkedEpilogue(epilogue), options, kTaps, positions, inPlace);
}

/** The column pass of `count` images from image ins[2][0]: sc[colBase + row·count·P + image·P + position]. */
function columnSource(g: ConvGeometry, count: number, colBase: number, inPlace: boolean): string {
  const { eh, ew } = convSizes(g);
  const [sh, sw] = g.stride;
  const [dh, dw] = g.rhsDilation;
  const src = inPlace ? "in0" : "sc";
  const rowStride = inPlace ? g.w : ew;
  const planeStride = inPlace ? g.h * g.w : eh * ew;
  const lines = ["return function kernel(ins, out) {", "const in0 = ins[0], sc = ins[1], i9 = ins[2][0];"];
  lines.push(`let p1 = ${colBase};`);
  lines.push(`for (let i0 = 0; i0 < ${g.c}; i0++) for (let i1 = 0; i1 < ${g.kh}; i1++) for (let i2 = 0; i2 < ${g.kw}; i2++) {`);
  lines.push(`for (let i5 = 0; i5 < ${count}; i5++) {`);
  lines.push(`let p0 = ((i9 + i5) * ${g.c} + i0) * ${planeStride} + i1 * ${dh * rowStride} + i2 * ${dw};`);
  lines.push(`for (let i3 = 0; i3 < ${g.th}; i3++) {`);
  if (sw === 1) lines.push(`for (let i4 = 0; i4 < ${g.tw}; i4++) sc[p1 + i4] = ${src}[p0 + i4];`);
  else lines.push(`for (let i4 = 0; i4 < ${g.tw}; i4++) sc[p1 + i4] = ${src}[p0 + i4 * ${sw}];`);
  lines.push(`p1 += ${g.tw}; p0 += ${sh * rowStride};`, `}`, `}`, `}`, `};`);
  return lines.join("\n");
}

/**
 * The store pass of `count` images from image ins[2][0]: out[n, o, p] = epilogue(sc[resultBase +
 * o·count·P + (n − first)·P + p]), extras in ins[3…].
 */
function storeSource(g: ConvGeometry, count: number, resultBase: number, epi: ConvEpilogue | undefined): string {
  const p = g.th * g.tw;
  const extras = Array.from({ length: epi?.extraInputs ?? 0 }, (_, e) => `in${e + 3}`);
  const lines = ["return function kernel(ins, out) {", "const sc = ins[1], i9 = ins[2][0];"];
  extras.forEach((name, e) => lines.push(`const ${name} = ins[${e + 3}];`));
  lines.push(`for (let i0 = 0; i0 < ${count}; i0++) for (let i1 = 0; i1 < ${g.o}; i1++) {`);
  lines.push(`const p0 = ${resultBase} + i1 * ${count * p} + i0 * ${p}, p1 = ((i9 + i0) * ${g.o} + i1) * ${p};`);
  lines.push(`for (let i2 = 0; i2 < ${p}; i2++) {`);
  if (epi === undefined) lines.push(`out[p1 + i2] = sc[p0 + i2];`);
  else {
    const index = { n: "(i9 + i0)", o: "i1", p: "i2", flat: "(p1 + i2)" };
    lines.push(`const acc = sc[p0 + i2];`);
    if (epi.block === undefined) lines.push(`out[p1 + i2] = ${epi.expr("acc", index, extras)};`);
    else {
      const { lines: ls, value } = epi.block("acc", index, extras, (k) => `t${k}_0`);
      lines.push(...ls, `out[p1 + i2] = ${value};`);
    }
  }
  lines.push(`}`, `}`, `};`);
  return lines.join("\n");
}

function compileChunked(
  g: ConvGeometry,
  epi: ConvEpilogue | undefined,
  options: Im2colOptions,
  kTaps: number,
  positions: number,
  inPlace: boolean,
): { kernel: ConvKernel; source: string; method: "im2col" } {
  const { og, eh, ew } = convSizes(g);
  const chunk = Math.max(1, Math.min(g.n, Math.floor(options.imagesPerChunk ?? imagesPerChunk(g))));
  const imageSize = inPlace ? 0 : g.n * g.c * eh * ew;
  const colBase = imageSize;
  const columnSize = colBase + g.groups * kTaps * chunk * positions;
  const resultSize = g.o * chunk * positions;
  const narrow = g.dtype === "float32";

  const padLines = ["return function kernel(ins, out) {", "const in0 = ins[0], sc = ins[1];"];
  if (!inPlace) emitPadCopy(g, padLines);
  padLines.push(`};`);
  const padSource = padLines.join("\n");
  const padKernel = inPlace ? null : compileKernelSource(padSource);

  /** The passes and products of a chunk of `count` images (the last chunk may be shorter). */
  const stage = (count: number) => {
    const cols = columnSource(g, count, colBase, inPlace);
    const store = storeSource(g, count, 0, epi);
    const matmul: MatmulKernel = compileMatmul({ batch: 1, m: og, k: kTaps, n: count * positions, transposeA: false, transposeB: false, dtype: g.dtype });
    return { count, cols, store, columns: compileKernelSource(cols), stored: compileKernelSource(store), matmul };
  };
  const full = stage(chunk);
  const tail = g.n % chunk === 0 ? null : stage(g.n % chunk);

  const ctx = new Int32Array(1);
  const empty = new Float64Array(0);
  const args: TypedArray[] = [empty, empty, ctx];
  const none: TypedArray[] = [];
  // Views of the scratch per group (columns, result), re-made only when a scratch grows.
  let columnsOf: TypedArray | null = null;
  let resultsOf: Float64Array | null = null;
  let views: { cols: TypedArray; result: Float64Array }[][] = [];
  let results: Float64Array = new Float64Array(0);
  // The filter's per-group views, re-made only when the filter array changes.
  let filterOf: TypedArray | null = null;
  let filterViews: TypedArray[] = [];
  const filters = (w: TypedArray): TypedArray[] => {
    if (w !== filterOf) {
      filterOf = w;
      filterViews = g.groups === 1 ? [w] : Array.from({ length: g.groups }, (_, gi) => w.subarray(gi * og * kTaps, (gi + 1) * og * kTaps));
    }
    return filterViews;
  };
  const kernel: ConvKernel = (x, w, out, ex) => {
    const sc: TypedArray = narrow ? sharedScratch32(columnSize) : sharedScratch(columnSize + resultSize);
    const res = narrow ? sharedScratch(resultSize) : (sc as Float64Array);
    const resultBase = narrow ? 0 : columnSize;
    if (sc !== columnsOf || res !== resultsOf) {
      columnsOf = sc;
      resultsOf = res;
      results = res.subarray(resultBase, resultBase + resultSize);
      views = [full, tail ?? full].map(({ count }) =>
        Array.from({ length: g.groups }, (_, gi) => ({
          cols: sc.subarray(colBase + gi * kTaps * count * positions, colBase + (gi + 1) * kTaps * count * positions),
          result: res.subarray(resultBase + gi * og * count * positions, resultBase + (gi + 1) * og * count * positions),
        })),
      );
    }
    args.length = 3;
    args[0] = x;
    for (const e of ex) args.push(e);
    args[1] = sc;
    if (padKernel !== null) padKernel(args, sc);
    const ws = filters(w);
    for (let n = 0; n < g.n; n += chunk) {
      const s = n + chunk <= g.n ? full : tail!;
      const vs = views[s === full ? 0 : 1]!;
      ctx[0] = n;
      args[1] = sc;
      s.columns(args, sc);
      for (let gi = 0; gi < g.groups; gi++) s.matmul(ws[gi]!, vs[gi]!.cols, vs[gi]!.result, none);
      args[1] = results;
      s.stored(args, out);
    }
  };
  const source = [
    inPlace ? "" : padSource,
    full.cols,
    `(then per group the matmul ${og}×${kTaps} @ ${kTaps}×${chunk * positions} into a Float64 result block, read by the store pass as sc)`,
    full.store,
    tail === null ? "" : `(last chunk of ${tail.count} images: the same passes for ${tail.count})`,
  ]
    .filter(Boolean)
    .join("\n");
  return { kernel, source, method: "im2col" };
}

/** 1×1 at unit stride, read in place: per image and group the input is the column matrix. */
function compileIdentityColumns(g: ConvGeometry, epi: ConvEpilogue | undefined): { kernel: ConvKernel; source: string; method: "im2col" } {
  const { cg, og, k: kTaps, positions } = convSizes(g);
  // The matmul epilogue in conv terms: a context array (the last extra) holds [n, first channel, output offset].
  const extraCount = epi?.extraInputs ?? 0;
  const mmEpilogue: MatmulEpilogue | undefined = epi && {
    extraInputs: extraCount + 1,
    expr: (acc, idx, names) => {
      const ctx = names[extraCount]!;
      const index = { n: `${ctx}[0]`, o: `(${ctx}[1] + ${idx.i})`, p: idx.j, flat: `(${ctx}[2] + ${idx.o})` };
      return epi.expr(acc, index, names.slice(0, extraCount));
    },
  };
  const matmul: MatmulKernel = compileMatmul({ batch: 1, m: og, k: kTaps, n: positions, transposeA: false, transposeB: false, dtype: g.dtype }, mmEpilogue);
  const ctx = new Int32Array(3);
  const mmExtras: TypedArray[] = [];
  const kernel: ConvKernel = (x, w, out, ex) => {
    mmExtras.length = 0;
    mmExtras.push(...ex, ctx);
    for (let n = 0; n < g.n; n++) {
      ctx[0] = n;
      for (let gi = 0; gi < g.groups; gi++) {
        const b = x.subarray((n * g.c + gi * cg) * positions, (n * g.c + (gi + 1) * cg) * positions);
        const a = w.subarray(gi * og * kTaps, (gi + 1) * og * kTaps);
        const start = (n * g.o + gi * og) * positions;
        ctx[1] = gi * og;
        ctx[2] = start;
        matmul(a, b, out.subarray(start, start + og * positions), mmExtras);
      }
    }
  };
  return { kernel, source: "(the input is the column matrix: the matmul kernel per image and group)", method: "im2col" };
}
