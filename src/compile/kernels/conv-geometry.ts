// What every convolution kernel method shares (./conv.ts direct loops, ./im2col.ts columns +
// matmul): the fixed-size geometry, its derived sizes, the epilogue interface, the shared Float64
// scratch, and the copy of the input into a zero-padded (input-dilated) scratch image.

import { ValueError } from "../../errors.js";
import type { ConvParams } from "../../prims/conv.js";
import type { TypedArray } from "../../tensor/dtype.js";
import type { Shape } from "../../tensor/shape.js";
import type { ExprGraph } from "../lower.js";

/** A convolution with every size fixed, viewed as 2-D (a 1-D convolution has h = kh = th = 1). */
export interface ConvGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly kh: number;
  readonly kw: number;
  readonly th: number;
  readonly tw: number;
  readonly groups: number;
  /** [height, width] pairs */
  readonly stride: readonly [number, number];
  readonly padLo: readonly [number, number];
  readonly lhsDilation: readonly [number, number];
  readonly rhsDilation: readonly [number, number];
  readonly dtype: "float32" | "float64";
}

/** The 2-D geometry of a conv equation with input shape `x`, filter shape `w`, output shape `out`. */
export function convGeometry(x: Shape, w: Shape, out: Shape, p: ConvParams, dtype: string): ConvGeometry {
  if (dtype !== "float32" && dtype !== "float64") throw new ValueError(`conv: internal error: the compiled kernel expects float32 or float64, got ${dtype}`);
  const two = x.length === 4;
  const pair = (v: readonly number[], one: number): [number, number] => (two ? [v[0]!, v[1]!] : [one, v[0]!]);
  const geometry: ConvGeometry = {
    n: x[0]!,
    c: x[1]!,
    h: two ? x[2]! : 1,
    w: x[x.length - 1]!,
    o: w[0]!,
    kh: two ? w[2]! : 1,
    kw: w[w.length - 1]!,
    th: two ? out[2]! : 1,
    tw: out[out.length - 1]!,
    groups: p.groups,
    stride: pair(p.stride, 1),
    padLo: pair(p.padding.map((lh) => lh[0]!), 0),
    lhsDilation: pair(p.lhsDilation, 1),
    rhsDilation: pair(p.rhsDilation, 1),
    dtype,
  };
  for (const [k, v] of Object.entries(geometry)) {
    const vs = typeof v === "number" ? [v] : typeof v === "string" ? [] : (v as number[]);
    if (!vs.every((d) => Number.isSafeInteger(d) && (k === "padLo" || d >= 0))) {
      // The conv front ends and shape rule reject such geometries first; reaching this is a bug.
      throw new ValueError(
        `conv: internal error: the compiled kernel got ${k} = ${JSON.stringify(v)} for input [${x.join(",")}], filter [${w.join(",")}], output [${out.join(",")}]; please report it`,
      );
    }
  }
  return geometry;
}

/** Sizes derived from a geometry: channels and filters per group, taps, and the read extent. */
export function convSizes(g: ConvGeometry) {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  // Rows/columns of the padded, dilated input that some output reads: [0, eh) × [0, ew).
  const eh = (g.th - 1) * g.stride[0] + (g.kh - 1) * g.rhsDilation[0] + 1;
  const ew = (g.tw - 1) * g.stride[1] + (g.kw - 1) * g.rhsDilation[1] + 1;
  const k = cg * g.kh * g.kw;
  const positions = g.th * g.tw;
  // The input can be read in place when the read region is a plain top-left crop of it.
  const inPlace = g.lhsDilation[0] === 1 && g.lhsDilation[1] === 1 && g.padLo[0] === 0 && g.padLo[1] === 0 && eh <= g.h && ew <= g.w;
  return { cg, og, eh, ew, k, positions, inPlace };
}

/** An elementwise function of the accumulator applied as each output is stored. */
export interface ConvEpilogue {
  /** Number of extra input arrays the epilogue reads (e.g. a bias). */
  readonly extraInputs: number;
  /**
   * The stored value given the accumulator identifier, index expressions (image `n`, output
   * channel `o`, flat spatial position `p` = row·tw + column, flat output offset `flat`) and the
   * extra input array identifiers. Only compiler-made identifiers, numbers and operators.
   */
  expr(acc: string, index: ConvIndex, extras: readonly string[]): string;
  /**
   * Optional statement form, preferred by the direct method: `const` declarations of block-local
   * temporaries (named by `local(k)`) and the stored value. Temporaries stay in registers, where
   * the expression form must keep shared intermediates in an extra array.
   */
  block?(acc: string, index: ConvIndex, extras: readonly string[], local: (k: number) => string): { lines: string[]; value: string };
  /**
   * The epilogue as data, for renderers other than JS (the WebAssembly store pass): its graph over
   * the output shape, and which kernel input each extra array is (`graph`'s loads name kernel inputs).
   */
  readonly graph?: { readonly graph: ExprGraph; readonly inputs: readonly number[] };
}

/** Index expressions of the output element being stored (see `ConvEpilogue.expr`). */
export interface ConvIndex {
  readonly n: string;
  readonly o: string;
  readonly p: string;
  readonly flat: string;
}

/** A compiled convolution: `extras` are the epilogue's extra inputs. */
export type ConvKernel = (x: TypedArray, w: TypedArray, out: TypedArray, extras: readonly TypedArray[]) => void;

// One Float64 scratch area shared by all convolution kernels, and one Float32 area for float32
// column matrices (./im2col.ts): kernels run one at a time and never call each other, so they can
// share them; each grows to the largest request.
let scratch = new Float64Array(1024);
let scratch32 = new Float32Array(1024);

/** The shared Float64 scratch, at least `size` long (contents undefined). */
export function sharedScratch(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, Math.ceil(scratch.length * 1.5)));
  return scratch;
}

/** The shared Float32 scratch, at least `size` long (contents undefined). */
export function sharedScratch32(size: number): Float32Array {
  if (scratch32.length < size) scratch32 = new Float32Array(Math.max(size, Math.ceil(scratch32.length * 1.5)));
  return scratch32;
}

/**
 * Where the input lands in the scratch image [n·c, eh, ew] (zero padding, spread by the input
 * dilation): input rows [a0, a1) and columns [b0, b1) are the ones inside it (input row a at image
 * row padLo[0] + a·dh, likewise columns); `covers` when they fill it, so no zeros are needed.
 */
export function padCopyRanges(g: ConvGeometry) {
  const { eh, ew } = convSizes(g);
  const [loh, low] = g.padLo;
  const [dh, dw] = g.lhsDilation;
  // Input rows a with 0 ≤ loh + a·dh < eh (likewise columns).
  const range = (lo: number, d: number, extent: number, size: number): [number, number] => [
    Math.max(0, Math.ceil(-lo / d)),
    Math.min(size, Math.floor((extent - 1 - lo) / d) + 1),
  ];
  const [a0, a1] = range(loh, dh, eh, g.h);
  const [b0, b1] = range(low, dw, ew, g.w);
  const covers = dh === 1 && dw === 1 && loh <= 0 && low <= 0 && a1 - a0 === eh && b1 - b0 === ew;
  return { a0, a1, b0, b1, covers };
}

/** Source lines copying the input into the scratch image [n·c, eh, ew] (zero padding, spread by the input dilation). */
export function emitPadCopy(g: ConvGeometry, lines: string[]): void {
  const { eh, ew } = convSizes(g);
  const [loh, low] = g.padLo;
  const [dh, dw] = g.lhsDilation;
  const image = g.n * g.c * eh * ew;
  const { a0, a1, b0, b1, covers } = padCopyRanges(g);
  if (!covers) lines.push(`sc.fill(0, 0, ${image});`);
  if (a1 <= a0 || b1 <= b0) return;
  lines.push(`for (let i0 = 0; i0 < ${g.n * g.c}; i0++) {`);
  lines.push(`for (let i1 = ${a0}; i1 < ${a1}; i1++) {`);
  lines.push(`let p0 = i0 * ${eh * ew} + i1 * ${dh * ew} + ${loh * ew + low + b0 * dw}, p1 = i0 * ${g.h * g.w} + i1 * ${g.w} + ${b0};`);
  if (dw === 1) lines.push(`for (let i2 = 0; i2 < ${b1 - b0}; i2++) sc[p0 + i2] = in0[p1 + i2];`);
  else lines.push(`for (let i2 = 0; i2 < ${b1 - b0}; i2++) { sc[p0] = in0[p1 + i2]; p0 += ${dw}; }`);
  lines.push(`}`, `}`);
}

/** The epilogue after a sanity check of its declared extra-input count. */
export function checkedEpilogue(e: ConvEpilogue | undefined): ConvEpilogue | undefined {
  if (e === undefined) return undefined;
  if (!Number.isSafeInteger(e.extraInputs) || e.extraInputs < 0) throw new ValueError(`conv: internal error: epilogue extraInputs must be a count, got ${e.extraInputs}`);
  return e;
}

/**
 * Source of a JS pass storing epilogue(acc) into `out` from raw convolution results `sc` laid out
 * [n, groups, ogPadded, positions] (output channels of each group padded to `ogPadded`; equal to
 * o / groups when the results are unpadded).
 */
export function emitEpilogueStoreSource(g: ConvGeometry, epilogue: ConvEpilogue, ogPadded: number): string {
  const og = g.o / g.groups;
  const P = g.th * g.tw;
  const extras = Array.from({ length: epilogue.extraInputs }, (_, e) => `in${e + 3}`);
  const index = { n: "i0", o: "i3", p: "i4", flat: "(p1 + i4)" };
  const body =
    epilogue.block === undefined
      ? `out[p1 + i4] = ${epilogue.expr("acc", index, extras)};`
      : (({ lines, value }) => `${lines.join(" ")} out[p1 + i4] = ${value};`)(epilogue.block("acc", index, extras, (k) => `t${k}_0`));
  const lines = ["return function kernel(ins, out) {", "const sc = ins[0];"];
  extras.forEach((name, e) => lines.push(`const ${name} = ins[${e + 1}];`));
  lines.push(`for (let i0 = 0; i0 < ${g.n}; i0++) for (let i1 = 0; i1 < ${g.groups}; i1++) for (let i2 = 0; i2 < ${og}; i2++) {`);
  lines.push(`const i3 = i1 * ${og} + i2, p0 = ((i0 * ${g.groups} + i1) * ${ogPadded} + i2) * ${P}, p1 = (i0 * ${g.o} + i3) * ${P};`);
  lines.push(`for (let i4 = 0; i4 < ${P}; i4++) { const acc = sc[p0 + i4]; ${body} }`);
  lines.push(`}`, `};`);
  return lines.join("\n");
}
