// The "direct" convolution method as generated JavaScript (./conv.ts dispatches to it): the input
// is copied once into a zero-padded (and, for input dilation, spread) Float64 scratch image, the
// filter into Float64 panels of `ob` output channels (or read in place where panels do not pay);
// then each tile of `ob` output channels × `jb` adjacent outputs of one row keeps its ob·jb
// accumulators in locals while it runs over input channels and filter rows. Filter columns are
// unrolled when the filter is narrow, and each input value of a row is loaded once for all the
// taps that read it. Products that could only read zero padding are left out: filter rows above
// and below the input per output row, and padding columns in the tiles at a row's ends (exact, see
// `filterRowsReadingData`); input gradients pad by the whole window and gain most. Each output
// sums in the reference's order (channel, row, column).

import type { TypedArray } from "../../tensor/dtype.js";
import { compileKernelSource } from "../codegen/emitter.js";
import { type ConvEpilogue, type ConvGeometry, type ConvKernel, checkedEpilogue, convSizes, emitPadCopy, sharedScratch } from "./conv-geometry.js";

/** Register tile of the direct method: `ob` output channels × `jb` adjacent outputs of a row. */
export interface DirectTiling {
  readonly ob: number;
  readonly jb: number;
  /** Unroll the filter columns when the filter is at most this wide. */
  readonly unrollKw: number;
  /** Copy the input into the Float64 scratch image even when it could be read in place. */
  readonly alwaysCopy: boolean;
  /**
   * Read the filter where it lies (one load stream per output channel of the tile) instead of
   * copying it into Float64 panels first. Default (undefined): when the copy would not pay, see
   * `filterReadInPlace`.
   */
  readonly filterInPlace?: boolean;
}

export const DEFAULT_DIRECT_TILING: DirectTiling = { ob: 4, jb: 4, unrollKw: 8, alwaysCopy: true };

/** Output rows at most this wide run as one tile (see directTilingFor). */
export const WHOLE_ROW_TILE = 6;

/**
 * The direct tiling for a geometry: 4 channels × 4 outputs, or 3 × 4 when the channels per group
 * split into threes but not fours (6 = 3 + 3 rather than 4 + 2). Other tiles measured within the
 * noise of these (docs/performance.md); one output channel (depthwise, a 1-filter input
 * gradient) clamps the tile to 1 × 4, which measured faster than 1 × 8. Rows of 5 or 6 outputs
 * run as one tile instead of 4 + a 1- or 2-wide remainder, whose loads serve few multiply-adds:
 * LeNet-5's filter gradients (5 × 5 outputs, 10- and 28-wide filters) measured 8–12 % faster
 * with 4 × 5 and 3 × 5 tiles. Each output keeps its own accumulator and summation order.
 */
export function directTilingFor(g: ConvGeometry): DirectTiling {
  const og = g.o / g.groups;
  const ob = og % 3 === 0 && og % 4 !== 0 ? 3 : DEFAULT_DIRECT_TILING.ob;
  const jb = g.tw > DEFAULT_DIRECT_TILING.jb && g.tw <= WHOLE_ROW_TILE ? g.tw : DEFAULT_DIRECT_TILING.jb;
  return ob === DEFAULT_DIRECT_TILING.ob && jb === DEFAULT_DIRECT_TILING.jb ? DEFAULT_DIRECT_TILING : { ...DEFAULT_DIRECT_TILING, ob, jb };
}

/** Outputs per image and filter below which the direct method reads the filter in place. */
export const FILTER_PANEL_MIN_USES = 64;

/**
 * Whether the direct method should read the filter where it lies rather than copy it into
 * panels: when each filter value serves fewer than FILTER_PANEL_MIN_USES outputs (images ×
 * positions), the copy (one strided Float64 store per value) is not repaid by the panels'
 * contiguous loads. LeNet-5's first filter gradient (1 "image" × 25 positions, a 6 × 64 × 28 × 28
 * "filter") measured 6–11 % faster in place; the forward convolutions (64 × 784 and 64 × 100
 * uses) and the second filter gradient (6 × 25) measured as fast or faster with panels.
 */
export function filterReadInPlace(g: ConvGeometry): boolean {
  return g.n * g.th * g.tw < FILTER_PANEL_MIN_USES;
}

// Identifiers of the generated source (all within the compiler's naming scheme, see safety.ts):
// in0 input, in1 filter, sc scratch, in3… epilogue extras; i0–i9 loop counters and indices,
// p0–p9 running offsets, x<k> input values, t<k> filter values, acc<o>_<j> accumulators.

/**
 * Where zero-padding rows (or cropped-away rows) would give whole filter rows nothing but zeros to
 * multiply for some output rows, the source line setting `i10`, `i11` for output row `i3`: the
 * filter rows [i10, i11) that read rows of the scratch image holding input data. Other rows are
 * skipped: their products are ±0, which leave every partial sum unchanged (a sum that starts at
 * +0 never becomes −0 by adding zeros), so skipping them changes no bit of the result and matches
 * the reference evaluation, which skips padding taps. null: every filter row reads data.
 * Input gradients (full padding) spend about a third of their time on such rows.
 */
export function filterRowsReadingData(g: ConvGeometry): string | null {
  const { eh } = convSizes(g);
  const [sh] = g.stride;
  const [dh] = g.rhsDilation;
  // Rows [r0, r1) of the scratch image can hold data (the input dilation's holes stay inside).
  const r0 = Math.max(0, g.padLo[0]);
  const r1 = Math.min(eh, g.padLo[0] + (g.h - 1) * g.lhsDilation[0] + 1);
  const first = (t: number) => Math.min(g.kh, Math.max(0, Math.ceil((r0 - t * sh) / dh)));
  const end = (t: number) => Math.max(first(t), Math.min(g.kh, Math.floor((r1 - 1 - t * sh) / dh) + 1));
  let full = true;
  for (let t = 0; t < g.th && full; t++) full = first(t) === 0 && end(t) === g.kh;
  if (full) return null;
  // The same formulas in the kernel: i12 = r0 − i3·sh, i13 = r1 − 1 − i3·sh (floor division of a negative i13 gives no rows).
  return [
    `const i12 = ${r0} - i3 * ${sh}, i13 = ${r1 - 1} - i3 * ${sh};`,
    `let i10 = i12 <= 0 ? 0 : (i12 + ${dh - 1}) / ${dh} | 0; if (i10 > ${g.kh}) i10 = ${g.kh};`,
    `let i11 = i13 < 0 ? 0 : (i13 / ${dh} | 0) + 1; if (i11 > ${g.kh}) i11 = ${g.kh}; if (i11 < i10) i11 = i10;`,
  ].join(" ");
}

/** Most tiles per output row written out at a fixed column to leave padding multiply-adds out. */
const MAX_FIXED_TILES = 6;

/**
 * Which output columns meet zero padding with which filter columns: `reads(q, v)` whether output
 * column q with filter column v reads a column of the scratch image holding input data, and the
 * full tiles [loopFrom, loopTo) of `jb` columns that read no padding (the loop; the tiles before
 * and after are written out at fixed columns). Null when no tile meets padding, with input
 * dilation (its holes would make every tile special), or when more than MAX_FIXED_TILES would.
 * Leaving those products out is exact for the reason given at filterRowsReadingData.
 */
export function paddingColumns(g: ConvGeometry, jb: number, full: number): { reads: (q: number, v: number) => boolean; loopFrom: number; loopTo: number } | null {
  if (g.lhsDilation[1] !== 1) return null;
  const { ew } = convSizes(g);
  const [sw, dw] = [g.stride[1], g.rhsDilation[1]];
  const c0 = Math.max(0, g.padLo[1]);
  const c1 = Math.min(ew, g.padLo[1] + g.w);
  const reads = (q: number, v: number) => q * sw + v * dw >= c0 && q * sw + v * dw < c1;
  const clean = (q0: number, cols: number) => {
    for (let c = 0; c < cols; c++) for (let v = 0; v < g.kw; v++) if (!reads(q0 + c, v)) return false;
    return true;
  };
  let loopFrom = 0;
  while (loopFrom < full && !clean(loopFrom * jb, jb)) loopFrom++;
  let loopTo = full;
  while (loopTo > loopFrom && !clean((loopTo - 1) * jb, jb)) loopTo--;
  const remClean = clean(full * jb, g.tw - full * jb);
  if (loopFrom === 0 && loopTo === full && remClean) return null;
  if (loopFrom + (full - loopTo) > MAX_FIXED_TILES) return null;
  return { reads, loopFrom, loopTo };
}

/** The direct method's kernel for a geometry, tiling and optional epilogue. */
export function compileDirect(g: ConvGeometry, epilogue: ConvEpilogue | undefined, tiling: DirectTiling): { kernel: ConvKernel; source: string; method: "direct" } {
  const { cg, og, eh, ew, k: kTaps, positions, inPlace } = convSizes(g);
  const panels = !(tiling.filterInPlace ?? filterReadInPlace(g));
  const epi = checkedEpilogue(epilogue);
  const ob = Math.max(1, Math.min(tiling.ob, og));
  const jb = Math.max(1, Math.min(tiling.jb, g.tw));
  const [sh, sw] = g.stride;
  const [dh, dw] = g.rhsDilation;
  const copy = tiling.alwaysCopy || !inPlace;
  const src = copy ? "sc" : "in0";
  const rowStride = copy ? ew : g.w;
  const planeStride = copy ? eh * ew : g.h * g.w;
  const imageSize = copy ? g.n * g.c * eh * ew : 0;
  const wOff = imageSize; // packed filter panels follow the image in the scratch
  // Filter value of tile channel r at tap offset `at` from p1: panels interleave the tile's
  // channels per tap; in place, channel r lies kTaps further on and taps are adjacent.
  const wSrc = panels ? "sc" : "in1";
  const wAt = (at: number, r: number, rows: number) => (panels ? at * rows + r : at + r * kTaps);
  const tapStep = (rows: number) => (panels ? rows : 1);
  const extras = Array.from({ length: epi?.extraInputs ?? 0 }, (_, e) => `in${e + 3}`);

  const lines = ["return function kernel(ins, out) {", "const in0 = ins[0], in1 = ins[1], sc = ins[2];"];
  extras.forEach((name, e) => lines.push(`const ${name} = ins[${e + 3}];`));
  if (copy) emitPadCopy(g, lines);
  // Filter panels: output channel o of group block [o0, o0 + size) at wOff + o0·K + tap·size + (o − o0).
  if (panels) {
    lines.push(`for (let i0 = 0; i0 < ${g.o}; i0++) {`);
    lines.push(`const i1 = i0 % ${og}, i2 = i1 % ${ob}, i3 = ${og} - (i1 - i2) < ${ob} ? ${og} - (i1 - i2) : ${ob};`);
    lines.push(`let p0 = ${wOff} + (i0 - i2) * ${kTaps} + i2, p1 = i0 * ${kTaps};`);
    lines.push(`for (let i4 = 0; i4 < ${kTaps}; i4++) { sc[p0] = in1[p1 + i4]; p0 += i3; }`);
    lines.push(`}`);
  }

  const unroll = g.kw <= tiling.unrollKw;
  const rowsRead = copy ? filterRowsReadingData(g) : null;
  /**
   * One register tile of `rows` channels × `cols` outputs at channel block i2, row i3, column i4.
   * `reads(c, v)`, given for a tile at a fixed column, says whether its column c meets input data
   * with filter column v; the multiply-adds of the others (zero padding) are left out.
   */
  const tile = (rows: number, cols: number, reads: (c: number, v: number) => boolean = () => true) => {
    const acc = (r: number, c: number) => `acc${r}_${c}`;
    const inits: string[] = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) inits.push(`${acc(r, c)} = 0`);
    lines.push(`{ let ${inits.join(", ")};`);
    // With padding rows, filter rows [i10, i11) of output row i3 read data (see filterRowsReadingData).
    const skip = rowsRead === null ? "" : ` + i10 * ${dh * rowStride}`;
    const skipW = rowsRead === null ? "" : ` + i10 * ${g.kw * tapStep(rows)}`;
    lines.push(`let p0 = (i0 * ${g.c} + i1 * ${cg}) * ${planeStride} + i3 * ${sh * rowStride} + i4 * ${sw}${skip}, p1 = ${panels ? `${wOff} + ` : ""}(i1 * ${og} + i2 * ${ob}) * ${kTaps}${skipW};`);
    lines.push(`for (let i5 = 0; i5 < ${cg}; i5++) {`);
    lines.push(rowsRead === null ? `for (let i6 = 0; i6 < ${g.kh}; i6++) {` : `for (let i6 = i10; i6 < i11; i6++) {`);
    if (unroll) {
      // Each distinct input offset of this row is loaded once and reused by every tap reading it.
      const offsets = new Map<number, string>();
      for (let v = 0; v < g.kw; v++) for (let c = 0; c < cols; c++) {
        const off = c * sw + v * dw;
        if (reads(c, v) && !offsets.has(off)) offsets.set(off, `x${offsets.size}`);
      }
      if (offsets.size > 0) lines.push(`const ${[...offsets].map(([off, name]) => `${name} = ${src}[p0 + ${off}]`).join(", ")};`);
      for (let v = 0; v < g.kw; v++) {
        const taps = Array.from({ length: cols }, (_, c) => c).filter((c) => reads(c, v));
        if (taps.length === 0) continue;
        const ts = Array.from({ length: rows }, (_, r) => `t${r} = ${wSrc}[p1 + ${wAt(v, r, rows)}]`);
        lines.push(`{ const ${ts.join(", ")};`);
        const fmas: string[] = [];
        for (let r = 0; r < rows; r++) for (const c of taps) fmas.push(`${acc(r, c)} += ${offsets.get(c * sw + v * dw)} * t${r};`);
        lines.push(fmas.join(" "), `}`);
      }
      lines.push(`p0 += ${dh * rowStride}; p1 += ${g.kw * tapStep(rows)};`);
    } else {
      lines.push(`let p2 = p0;`);
      lines.push(`for (let i7 = 0; i7 < ${g.kw}; i7++) {`);
      const xs = Array.from({ length: cols }, (_, c) => `x${c} = ${src}[p2 + ${c * sw}]`);
      const ts = Array.from({ length: rows }, (_, r) => `t${r} = ${wSrc}[p1 + ${wAt(0, r, rows)}]`);
      lines.push(`const ${xs.join(", ")};`, `const ${ts.join(", ")};`);
      const fmas: string[] = [];
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) fmas.push(`${acc(r, c)} += x${c} * t${r};`);
      lines.push(fmas.join(" "));
      lines.push(`p2 += ${dw}; p1 += ${tapStep(rows)}; }`);
      lines.push(`p0 += ${dh * rowStride};`);
    }
    lines.push(`}`);
    if (rowsRead === null) lines.push(`p0 += ${planeStride - g.kh * dh * rowStride};`);
    else lines.push(`p0 += ${planeStride} - (i11 - i10) * ${dh * rowStride}; p1 += (${g.kh} - i11 + i10) * ${g.kw * tapStep(rows)};`);
    lines.push(`}`);
    // Store: output (i0, o = i1·og + i2·ob + r, i3, i4 + c).
    lines.push(`const p3 = ((i0 * ${g.o} + i1 * ${og} + i2 * ${ob}) * ${g.th} + i3) * ${g.tw} + i4;`);
    const stores: string[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const at = `p3 + ${r * positions + c}`;
        if (epi === undefined) stores.push(`out[${at}] = ${acc(r, c)};`);
        else {
          const index = { n: "i0", o: `(i1 * ${og} + i2 * ${ob} + ${r})`, p: `(i3 * ${g.tw} + i4 + ${c})`, flat: `(${at})` };
          if (epi.block === undefined) stores.push(`out[${at}] = ${epi.expr(acc(r, c), index, extras)};`);
          else {
            // Block-local temporaries: the tile's x/t constants live in inner blocks, closed here.
            const { lines: ls, value } = epi.block(acc(r, c), index, extras, (k) => `t${k}_0`);
            stores.push(`{ ${ls.join(" ")} out[${at}] = ${value}; }`);
          }
        }
      }
    }
    lines.push(stores.join(" "), `}`);
  };
  /** The tiles of one channel block (of `rows` channels) over all output rows. */
  const channelBlock = (rows: number) => {
    const full = Math.floor(g.tw / jb);
    const rem = g.tw - full * jb;
    lines.push(`for (let i3 = 0; i3 < ${g.th}; i3++) {`);
    if (rowsRead !== null) lines.push(rowsRead);
    // Tiles meeting padding columns are written out at their fixed column, without the
    // multiply-adds that read padding (a prefix and a suffix of the row; see paddingColumns).
    const pad = unroll && copy ? paddingColumns(g, jb, full) : null;
    const fixed = (i4: number, cols: number) => {
      lines.push(`{ const i4 = ${i4};`);
      tile(rows, cols, pad === null ? undefined : (c, v) => pad.reads(i4 + c, v));
      lines.push(`}`);
    };
    const [lo, hi] = pad === null ? [0, full] : [pad.loopFrom, pad.loopTo];
    for (let t = 0; t < lo; t++) fixed(t * jb, jb);
    if (hi > lo) {
      lines.push(`for (let i4 = ${lo * jb}; i4 < ${hi * jb}; i4 += ${jb})`);
      tile(rows, jb);
    }
    for (let t = hi; t < full; t++) fixed(t * jb, jb);
    if (rem > 0) fixed(full * jb, rem);
    lines.push(`}`);
  };
  const fullBlocks = Math.floor(og / ob);
  const remRows = og - fullBlocks * ob;
  lines.push(`for (let i0 = 0; i0 < ${g.n}; i0++) for (let i1 = 0; i1 < ${g.groups}; i1++) {`);
  if (fullBlocks > 0) {
    lines.push(`for (let i2 = 0; i2 < ${fullBlocks}; i2++) {`);
    channelBlock(ob);
    lines.push(`}`);
  }
  if (remRows > 0) {
    lines.push(`{ const i2 = ${fullBlocks};`);
    channelBlock(remRows);
    lines.push(`}`);
  }
  lines.push(`}`, `};`);
  const source = lines.join("\n");
  const run = compileKernelSource(source);
  const scratchSize = imageSize + (panels ? g.o * kTaps : 0);
  const args: TypedArray[] = [];
  const kernel: ConvKernel = (x, w, out, ex) => {
    args.length = 0;
    args.push(x, w, sharedScratch(scratchSize), ...ex);
    run(args, out);
  };
  return { kernel, source, method: "direct" };
}
