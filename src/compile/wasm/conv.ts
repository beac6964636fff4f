// WebAssembly SIMD direct convolution kernels, generated per geometry: the WebAssembly form of the
// JS "direct" loops (../kernels/conv.ts), used for them when the backend is WebAssembly. SIMD lanes
// hold adjacent OUTPUT CHANNELS of one output position: the filter is packed into panels of `cb`
// channels (nv vectors of `lanes`) interleaved per tap, so one v128 load gives a tap's values for
// the block, and each input value is loaded once as a splat for every channel of the block. A
// register tile of nv vectors × jb adjacent positions of one output row sums over input channels,
// filter rows and filter columns — each output in exactly the order of the JS loops and the
// reference (channel, row, column), one accumulator per lane, no FMA — so under the default
// "float64" accumulation results are bit for bit theirs. Lanes over channels rather than positions
// make every option uniform: stride, dilations, padding and groups only move addresses.
//
// Padding: the input is copied into a zero-padded (input-dilated) image in the kernel memory, and
// the filter into its panels, both by WebAssembly (./conv-copy.ts, ./matmul-pack.ts) reading
// operands in place where they are program buffers in the kernel memory.
// Products with padding are ±0 when the filter is finite, and adding ±0 leaves every partial sum
// unchanged (a sum starting at +0 never becomes −0), so the kernel may compute them or skip them:
// it skips filter rows that read only padding (a per-output-row table) and, in tiles written out at
// a fixed column, the products of positions whose filter column reads only padding. A non-finite filter value would turn a padding product
// into NaN where the reference skips it: the packed filter is checked, and such a call
// runs the JS loops instead (its results are theirs; they skip padding rows and columns as the
// reference does).
//
// Results go to a result area (channels padded to whole blocks) in the accumulator's precision,
// then into the output, rounded to its dtype: by a native copy without an epilogue; through a
// fused epilogue (bias, activation) by the WebAssembly store pass (./conv-store.ts) where the
// epilogue's form allows, else by a generated JS store loop.
//
// "float32" accumulation (float32 operands only): f32x4 lanes, products and sums rounded to
// float32 in the same order; results within float32 summation error of the (float32-rounded)
// reference: |result − reference| ≤ γ(k + 1)·Σ|products|, γ(m) = m·2⁻²⁴/(1 − m·2⁻²⁴), k the taps
// per output (props/conv-kernels.test.ts checks it).

import { FluxionError } from "../../errors.js";
import type { TypedArray } from "../../tensor/dtype.js";
import { compileKernelSource } from "../codegen/emitter.js";
import { type ConvEpilogue, type ConvGeometry, type ConvKernel, convSizes, emitEpilogueStoreSource } from "../kernels/conv-geometry.js";
import { type ConvAccelerator, setConvAccelerator } from "../kernels/conv.js";
import { cacheLimits, registerCache } from "../limits.js";
import { LruCache } from "../lru.js";
import { backendInUse, contractionAccumulation } from "./backend.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";
import type { Accumulation } from "./matmul.js";
import { ensureScratch, kernelBuffer, kernelImports, kernelMemoryLimits, reserveScratch, scratchBase, scratchF32, scratchF64, scratchOf } from "./memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";
import { compileWasmConvStore } from "./conv-store.js";
import { wasmFiniteCheck, wasmImageCopy } from "./conv-copy.js";
import { wasmPack } from "./matmul-pack.js";
import "./pool.js"; // plugs the WebAssembly 2 × 2 max pooling into the pooling kernels

/** Register tile: `nv` vectors of output channels × `jb` adjacent outputs of a row. */
export interface WasmConvTiling {
  readonly nv: number;
  readonly jb: number;
}

/** Everything a generated kernel is specialised to, with its scratch layout (byte offsets from the scratch base). */
export interface WasmConvPlan {
  readonly g: ConvGeometry;
  readonly accumulation: Accumulation;
  readonly tiling: WasmConvTiling;
  readonly lanes: number;
  readonly elementBytes: number;
  /** Channels per block (nv · lanes), blocks per group, channels per group padded to whole blocks. */
  readonly cb: number;
  readonly blocks: number;
  readonly ogPadded: number;
  /** Taps per output channel (cg · kh · kw). */
  readonly taps: number;
  /** Input channels per chunk: the kernel sums chunk by chunk, the filter panel's slice of a chunk staying in cache (see `channelChunk`). */
  readonly chunk: number;
  /** Per output row, the filter rows [lo, hi) that read input data; null when every row does. */
  readonly rows: Int32Array | null;
  readonly offsetImage: number;
  readonly offsetPanel: number;
  readonly offsetOut: number;
  readonly offsetRows: number;
  readonly totalBytes: number;
}

/**
 * Vector registers a tile may keep live: its accumulators, the tap's filter vectors (one per
 * channel vector) and its input splats (one per position), since V8 issues all loads of a tap
 * before its arithmetic. x64 has 16 and V8 keeps one as scratch; with 15 live (3 vectors × 3
 * positions) LeNet-5's convolutions spilled and ran up to 1.9× slower than with 11 (3 × 2).
 */
const LIVE_VECTORS = 14;

/**
 * The tile for a geometry: blocks of up to 3 vectors of channels (the block count chosen so few
 * lanes are padding), and as many adjacent positions as fit the vector registers with them.
 */
export function chooseWasmConvTiling(g: ConvGeometry, lanes: number): WasmConvTiling {
  const og = g.o / g.groups;
  const vectors = Math.ceil(og / lanes);
  const nv = vectors <= 3 ? vectors : vectors % 3 === 0 ? 3 : vectors % 2 === 0 ? 2 : 3;
  // Tiles of a row as even as they can be (5 = 3 + 2 rather than 4 + 1: a thin tile's loads serve few products).
  const widest = Math.max(1, Math.floor((LIVE_VECTORS - nv) / (nv + 1)));
  const jb = Math.ceil(g.tw / Math.ceil(g.tw / widest));
  return { nv, jb };
}

const align16 = (x: number) => Math.ceil(x / 16) * 16;

/** Bytes of a channel block's filter panel per chunk of input channels: it is re-read by every tile, so it should stay in L2. */
const CHUNK_PANEL_BYTES = 64 * 1024;

/**
 * Input channels per chunk: all of them unless a block's filter panel would pass
 * CHUNK_PANEL_BYTES (filter gradients: LeNet-5's first has 6 × 64 × 28 × 28 "filter" values, 2.4 MB
 * in float64, re-read by each of its 10 tiles), else the largest divisor of `cg` that fits.
 * Partial sums of a chunk pass through the result area at full precision, so chunking never
 * changes a result.
 */
export function channelChunk(cg: number, panelBytesPerChannel: number): number {
  if (cg * panelBytesPerChannel <= CHUNK_PANEL_BYTES) return cg;
  let best = 1;
  for (let d = 1; d <= cg; d++) if (cg % d === 0 && d * panelBytesPerChannel <= CHUNK_PANEL_BYTES) best = d;
  return best;
}

/** Per output row the filter rows [lo, hi) reading rows of the padded image that hold data; null when all do. */
export function filterRowRanges(g: ConvGeometry): Int32Array | null {
  const { eh } = convSizes(g);
  const [sh] = g.stride;
  const [dh] = g.rhsDilation;
  const r0 = Math.max(0, g.padLo[0]);
  const r1 = Math.min(eh, g.padLo[0] + (g.h - 1) * g.lhsDilation[0] + 1);
  const rows = new Int32Array(2 * g.th);
  let full = true;
  for (let t = 0; t < g.th; t++) {
    const lo = Math.min(g.kh, Math.max(0, Math.ceil((r0 - t * sh) / dh)));
    const hi = Math.max(lo, Math.min(g.kh, Math.floor((r1 - 1 - t * sh) / dh) + 1));
    rows[2 * t] = lo;
    rows[2 * t + 1] = hi;
    full &&= lo === 0 && hi === g.kh;
  }
  return full ? null : rows;
}

/** The plan of a geometry. float64 operands force "float64" accumulation. */
export function planWasmConv(g: ConvGeometry, accumulation: Accumulation, tiling?: WasmConvTiling): WasmConvPlan {
  const acc: Accumulation = g.dtype === "float64" ? "float64" : accumulation;
  const elementBytes = acc === "float32" ? 4 : 8;
  const lanes = 16 / elementBytes;
  const t = tiling ?? chooseWasmConvTiling(g, lanes);
  const { cg, og, eh, ew, k: taps, positions } = convSizes(g);
  const cb = t.nv * lanes;
  const blocks = Math.ceil(og / cb);
  const ogPadded = blocks * cb;
  const rows = filterRowRanges(g);
  // Every tap reads a cell of the padded image, so no address leaves its area.
  const offsetImage = 0;
  const offsetPanel = align16(g.n * g.c * eh * ew * elementBytes);
  const offsetOut = offsetPanel + align16(g.groups * blocks * taps * cb * elementBytes);
  const offsetRows = offsetOut + align16(g.n * g.groups * ogPadded * positions * elementBytes);
  const totalBytes = offsetRows + align16(rows === null ? 0 : rows.byteLength);
  const chunk = channelChunk(cg, cb * g.kh * g.kw * elementBytes);
  return { g, accumulation: acc, tiling: t, lanes, elementBytes, cb, blocks, ogPadded, taps, chunk, rows, offsetImage, offsetPanel, offsetOut, offsetRows, totalBytes };
}

/** Filter columns of a tile's row, each with the tile's positions it multiplies (the others read only padding there). */
type Taps = readonly { readonly kx: number; readonly js: readonly number[] }[];

/** Output rows of at most this many tiles are written out tile by tile (each skipping its padding columns). */
const MAX_FIXED_TILES = 8;

/**
 * The kernel function `conv(base)` of a plan: every output of the geometry into the result area,
 * reading the padded image and the filter panels, all at byte offsets from `base`.
 */
export function emitWasmConvFunction(plan: WasmConvPlan): FunctionBody {
  const { g, tiling, elementBytes: E, lanes, cb, blocks, ogPadded, taps, rows } = plan;
  const { nv, jb } = tiling;
  const { cg, eh, ew, positions: P } = convSizes(g);
  const [sh, sw] = g.stride;
  const [dh, dw] = g.rhsDilation;
  const f32 = plan.accumulation === "float32";
  const splat = f32 ? Simd.v128Load32Splat : Simd.v128Load64Splat;
  const add = f32 ? Simd.f32x4Add : Simd.f64x2Add;
  const mul = f32 ? Simd.f32x4Mul : Simd.f64x2Mul;
  const extract = f32 ? Simd.f32x4ExtractLane : Simd.f64x2ExtractLane;
  const store = f32 ? Op.f32Store : Op.f64Store;
  const alignE = f32 ? 2 : 3;
  const { i32, v128 } = ValType;
  const plane = eh * ew;

  const f = new FunctionBody([i32], []);
  const base = 0;
  const L = () => f.local(i32);
  const [n, grp, blk, y, lo, cnt, ci, tileIdx, col, cix] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const chunks = cg / plan.chunk;
  const [xImg, wBlk, oBlk, xRow, wRow, oRow, xT, oT, px, pw, qx, qw, rx, rw] = [L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L(), L()];
  const acc = Array.from({ length: nv }, () => Array.from({ length: jb }, () => f.local(v128)));
  const wv = Array.from({ length: nv }, () => f.local(v128));
  const xs = f.local(v128);
  const left = f.local(i32);

  const addConst = (local: number, by: number) => {
    if (by !== 0) f.get(local).i32Const(by).emit(Op.i32Add).set(local);
  };
  const loop = (counter: number, count: number, body: () => void) => f.countedLoop(counter, count, body);

  /** Filter column `kx` of the taps at (x, w) for the tile's positions `js`. */
  const tap = (x: number, w: number, kx: number, js: readonly number[]) => {
    for (let v = 0; v < nv; v++) f.get(w).simdMem(Simd.v128Load, alignE, (kx * cb + v * lanes) * E).set(wv[v]!);
    for (const j of js) {
      f.get(x).simdMem(splat, alignE, (j * sw + kx * dw) * E).set(xs);
      for (let v = 0; v < nv; v++) f.get(acc[v]![j]!).get(wv[v]!).get(xs).simd(mul).simd(add).set(acc[v]![j]!);
    }
  };

  /**
   * The filter columns of one filter row at (qx, qw): each run of consecutive columns that multiply
   * the same positions is a loop of one tap per iteration. A loop's back edge keeps V8 from issuing
   * the loads of many taps ahead of their arithmetic, which spilled accumulators (unrolled taps
   * ran LeNet-5's convolutions 1.4–2× slower).
   */
  const filterRow = (taps: Taps) => {
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, k) => v === b[k]);
    for (let i = 0; i < taps.length; ) {
      let end = i + 1;
      while (end < taps.length && taps[end]!.kx === taps[end - 1]!.kx + 1 && same(taps[end]!.js, taps[i]!.js)) end++;
      const { kx, js } = taps[i]!;
      f.get(qx).i32Const(kx * dw * E).emit(Op.i32Add).set(rx);
      f.get(qw).i32Const(kx * cb * E).emit(Op.i32Add).set(rw);
      loop(col, end - i, () => {
        tap(rx, rw, 0, js);
        addConst(rx, dw * E);
        addConst(rw, cb * E);
      });
      i = end;
    }
  };

  /** A tile of `cols` positions at xT (input) / oT (result): sums, then stores every lane. */
  const tile = (cols: number, kxs: Taps) => {
    const zero = () => {
      for (let v = 0; v < nv; v++) for (let j = 0; j < cols; j++) f.v128Zero().set(acc[v]![j]!);
    };
    if (chunks === 1) zero();
    else {
      // The first chunk starts the sums; later ones continue the partial sums stored by the previous.
      f.get(cix).emit(Op.i32Eqz).if();
      zero();
      f.else();
      for (let v = 0; v < nv; v++) {
        for (let j = 0; j < cols; j++) {
          f.get(oT).mem(f32 ? Op.f32Load : Op.f64Load, alignE, (v * lanes * P + j) * E).simd(f32 ? Simd.f32x4Splat : Simd.f64x2Splat);
          for (let l = 1; l < lanes; l++) f.get(oT).mem(f32 ? Op.f32Load : Op.f64Load, alignE, ((v * lanes + l) * P + j) * E).simdLane(f32 ? Simd.f32x4ReplaceLane : Simd.f64x2ReplaceLane, l);
          f.set(acc[v]![j]!);
        }
      }
      f.end();
    }
    f.get(xT).set(px).get(wRow).set(pw);
    const body = () => {
      f.get(px).set(qx).get(pw).set(qw);
      if (rows === null) {
        loop(left, g.kh, () => {
          filterRow(kxs);
          addConst(qx, dh * ew * E);
          addConst(qw, g.kw * cb * E);
        });
      } else {
        // Filter rows [lo, hi) of this output row: cnt of them, possibly none.
        f.block();
        f.get(cnt).emit(Op.i32Eqz).brIf(0);
        f.get(cnt).set(left);
        f.loop();
        filterRow(kxs);
        addConst(qx, dh * ew * E);
        addConst(qw, g.kw * cb * E);
        f.get(left).i32Const(1).emit(Op.i32Sub).tee(left).brIf(0);
        f.end();
        f.end();
      }
      addConst(px, plane * E);
      addConst(pw, g.kh * g.kw * cb * E);
    };
    if (plan.chunk === 1) body();
    else loop(ci, plan.chunk, body);
    for (let v = 0; v < nv; v++) {
      for (let l = 0; l < lanes; l++) {
        const r = v * lanes + l;
        for (let j = 0; j < cols; j++) f.get(oT).get(acc[v]![j]!).simdLane(extract, l).mem(store, alignE, (r * P + j) * E);
      }
    }
  };

  // Columns [c0, c1) of the padded image can hold data.
  const c0 = Math.max(0, g.padLo[1]);
  const c1 = Math.min(ew, g.padLo[1] + (g.w - 1) * g.lhsDilation[1] + 1);
  /** For a tile at column x0: per filter column, the positions reading a column that can hold data. */
  const columnsReadingData = (x0: number, cols: number): Taps => {
    const taps: { kx: number; js: number[] }[] = [];
    for (let kx = 0; kx < g.kw; kx++) {
      const js: number[] = [];
      for (let j = 0; j < cols; j++) {
        const c = (x0 + j) * sw + kx * dw;
        if (c >= c0 && c < c1) js.push(j);
      }
      if (js.length > 0) taps.push({ kx, js });
    }
    return taps;
  };
  const everyTap = (cols: number): Taps => Array.from({ length: g.kw }, (_, kx) => ({ kx, js: Array.from({ length: cols }, (_, j) => j) }));
  const fullTiles = Math.floor(g.tw / jb);
  const rem = g.tw - fullTiles * jb;
  const fixed = fullTiles + (rem > 0 ? 1 : 0) <= MAX_FIXED_TILES;

  /** All tiles of output row y (pointers xRow, wRow, oRow set). */
  const row = () => {
    const at = (x0: number) => {
      f.get(xRow).i32Const(x0 * sw * E).emit(Op.i32Add).set(xT);
      f.get(oRow).i32Const(x0 * E).emit(Op.i32Add).set(oT);
    };
    if (fixed) {
      for (let t = 0; t < fullTiles; t++) {
        at(t * jb);
        tile(jb, columnsReadingData(t * jb, jb));
      }
    } else if (fullTiles > 0) {
      f.get(xRow).set(xT).get(oRow).set(oT);
      loop(tileIdx, fullTiles, () => {
        tile(jb, everyTap(jb));
        addConst(xT, jb * sw * E);
        addConst(oT, jb * E);
      });
    }
    if (rem > 0) {
      at(fullTiles * jb);
      tile(rem, fixed ? columnsReadingData(fullTiles * jb, rem) : everyTap(rem));
    }
  };

  const mulAdd = (local: number, by: number) => f.get(local).i32Const(by).emit(Op.i32Mul).emit(Op.i32Add);
  loop(n, g.n, () => {
    loop(grp, g.groups, () => {
      // xImg = base + image + (n·c + grp·cg)·plane·E
      f.get(base).i32Const(plan.offsetImage).emit(Op.i32Add);
      mulAdd(n, g.c * plane * E);
      mulAdd(grp, cg * plane * E).set(xImg);
      loop(blk, blocks, () => {
        f.get(base).i32Const(plan.offsetPanel).emit(Op.i32Add);
        mulAdd(grp, blocks * taps * cb * E);
        mulAdd(blk, taps * cb * E).set(wBlk);
        f.get(base).i32Const(plan.offsetOut).emit(Op.i32Add);
        mulAdd(n, g.groups * ogPadded * P * E);
        mulAdd(grp, ogPadded * P * E);
        mulAdd(blk, cb * P * E).set(oBlk);
        const rowsOfChunk = () => loop(y, g.th, () => {
          if (rows === null) {
            f.get(xImg);
            mulAdd(y, sh * ew * E).set(xRow);
            f.get(wBlk).set(wRow);
          } else {
            // lo, hi = rows[y]; the tile starts at filter row lo.
            f.get(base).get(y).i32Const(8).emit(Op.i32Mul).emit(Op.i32Add).mem(Op.i32Load, 2, plan.offsetRows).set(lo);
            f.get(base).get(y).i32Const(8).emit(Op.i32Mul).emit(Op.i32Add).mem(Op.i32Load, 2, plan.offsetRows + 4).get(lo).emit(Op.i32Sub).set(cnt);
            f.get(xImg);
            mulAdd(y, sh * ew * E);
            mulAdd(lo, dh * ew * E).set(xRow);
            f.get(wBlk);
            mulAdd(lo, g.kw * cb * E).set(wRow);
          }
          f.get(oBlk);
          mulAdd(y, g.tw * E).set(oRow);
          row();
        });
        if (chunks === 1) rowsOfChunk();
        else {
          // Chunk cix starts plan.chunk channels further into the image and the panel.
          f.i32Const(0).set(cix);
          f.loop();
          rowsOfChunk();
          addConst(xImg, plan.chunk * plane * E);
          addConst(wBlk, plan.chunk * g.kh * g.kw * cb * E);
          f.get(cix).i32Const(1).emit(Op.i32Add).tee(cix).i32Const(chunks).emit(Op.i32LtS).brIf(0);
          f.end();
          // Back to the group's first channel for the next block.
          addConst(xImg, -chunks * plan.chunk * plane * E);
        }
      });
    });
  });
  return f;
}

/** The module of a plan: imports the kernel memory, exports `conv`. */
export function emitWasmConvModule(plan: WasmConvPlan): Uint8Array {
  const m = new ModuleBuilder().importMemory("env", "memory", kernelMemoryLimits());
  m.addFunction(emitWasmConvFunction(plan), "conv");
  return m.build();
}

type RunConv = (base: number) => void;


/** Instantiated kernels by plan: equal geometries share one module. */
const instances = new LruCache<string, RunConv>(() => cacheLimits().kernelSources);
registerCache(() => instances.trim(), () => instances.clear());

function planKey(p: WasmConvPlan): string {
  const g = p.g;
  return [p.accumulation, g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.th, g.tw, g.groups, ...g.stride, ...g.padLo, ...g.lhsDilation, ...g.rhsDilation, p.tiling.nv, p.tiling.jb, p.chunk].join("|");
}

function wasmConvFunction(plan: WasmConvPlan): RunConv {
  const key = planKey(plan);
  let run = instances.get(key);
  if (run === undefined) {
    const instance = instantiateModule(compileModule(emitWasmConvModule(plan)), kernelImports());
    run = instance.exports["conv"] as RunConv;
    instances.set(key, run);
  }
  return run;
}

type Panel = Float32Array | Float64Array;

/** A compiled WebAssembly convolution with its readable description for `explain`. */
export interface WasmConv {
  readonly kernel: ConvKernel;
  readonly source: string;
  readonly plan: WasmConvPlan;
}

/** Switches read when a kernel is compiled (benchmarks turn a step off to compare with the older path in one process). */
export const wasmConvTuning = { wasmStore: true };

/** Byte cap of a kernel's scratch (image, panels, results); larger convolutions run the JS loops. */
export const WASM_CONV_SCRATCH_BUDGET = 1 << 30;

/**
 * Calls of WebAssembly convolution kernels, of those that ran the JS loops for a non-finite filter,
 * and of those whose epilogue the WebAssembly store pass applied (tests read them).
 */
export const wasmConvCalls = { kernel: 0, fallback: 0, wasmStore: 0 };

/**
 * Compiles the direct convolution of `g` (with an optional fused epilogue) as a WebAssembly SIMD
 * kernel, or returns null when this kernel does not take it (an empty output or sum, scratch over
 * budget), so the caller uses the JS loops. `fallback` makes the JS kernel, used for calls whose
 * filter holds a non-finite value (see the file comment). Throws what compiling the module throws.
 */
export function compileWasmConv(g: ConvGeometry, epilogue: ConvEpilogue | undefined, accumulation: Accumulation, fallback: () => ConvKernel, tiling?: WasmConvTiling): WasmConv | null {
  const { k, positions } = convSizes(g);
  if (g.n * g.o * positions === 0 || k === 0) return null;
  const plan = planWasmConv(g, accumulation, tiling);
  if (plan.totalBytes > WASM_CONV_SCRATCH_BUDGET) return null;
  const run = wasmConvFunction(plan);
  const { eh, ew } = convSizes(g);
  const imageLength = g.n * g.c * eh * ew;
  // An input outside the kernel memory copies straight in (a native copy) when the padded image is the input itself.
  const plain = g.padLo[0] === 0 && g.padLo[1] === 0 && eh === g.h && ew === g.w && g.lhsDilation[0] === 1 && g.lhsDilation[1] === 1;
  const E = plan.elementBytes;
  const f32 = plan.accumulation === "float32";
  // The epilogue's store pass in WebAssembly where its form allows, else in JS.
  const wasmStore = epilogue?.graph === undefined || !wasmConvTuning.wasmStore ? null : compileWasmConvStore(epilogue.graph.graph, epilogue.graph.inputs, g, plan.ogPadded, f32 ? "f32" : "f64");
  const storeSource = epilogue === undefined || wasmStore !== null ? null : emitEpilogueStoreSource(g, epilogue, plan.ogPadded);
  const store = storeSource === null ? null : compileKernelSource(storeSource);
  // The store pass stages extras and the output that lie outside the kernel memory after the kernel's scratch.
  const storeStage = align16(plan.totalBytes);
  // Then staging for an input and a filter outside the kernel memory, which the WebAssembly copies read from there.
  const Es = g.dtype === "float32" ? 4 : 8;
  const stageX = storeStage + align16(wasmStore?.stageBytes ?? 0);
  const stageW = stageX + align16(g.n * g.c * g.h * g.w * Es);
  const scratchBytes = stageW + align16(g.o * plan.taps * Es);
  const og = g.o / g.groups;
  const outLength = g.n * g.groups * plan.ogPadded * positions;
  const panelLength = g.groups * plan.blocks * plan.taps * plan.cb;
  const [srcType, panelType] = [Es === 4 ? "f32" : "f64", f32 ? "f32" : "f64"] as const;
  const packFilter = wasmPack({ rows: og, depth: plan.taps, rowStride: plan.taps, depthStride: 1, strip: plan.cb, src: srcType, dst: panelType });
  const panelFinite = wasmFiniteCheck(panelType, panelLength);
  const copyImage = wasmImageCopy(g, srcType, panelType);
  let jsKernel: ConvKernel | null = null;
  const args: TypedArray[] = [];
  // Recorded now, so a program grows the memory for it before it runs rather than mid-step.
  reserveScratch(scratchBytes);
  const kernel: ConvKernel = (x, w, out, extras) => {
    ensureScratch(scratchBytes);
    const at = scratchBase();
    const view: Panel = f32 ? scratchF32() : scratchF64();
    const memory = kernelBuffer();
    // The filter packed per group from where it lies (or from its staging copy), then checked.
    let from = w.byteOffset;
    if (w.buffer !== memory) {
      scratchOf(g.dtype).set(w.subarray(0, g.o * plan.taps), (at + stageW) / Es);
      from = at + stageW;
    }
    for (let grp = 0; grp < g.groups; grp++) packFilter(from + grp * og * plan.taps * Es, at + plan.offsetPanel + grp * plan.blocks * plan.taps * plan.cb * E);
    if (panelFinite(at + plan.offsetPanel) === 0) {
      wasmConvCalls.fallback++;
      jsKernel ??= fallback();
      jsKernel(x, w, out, extras);
      return;
    }
    wasmConvCalls.kernel++;
    const image = (at + plan.offsetImage) / E;
    if (plain && x.buffer !== memory) view.set(x.subarray(0, imageLength), image);
    else if (x.buffer === memory) copyImage(x.byteOffset, at + plan.offsetImage);
    else {
      scratchOf(g.dtype).set(x.subarray(0, g.n * g.c * g.h * g.w), (at + stageX) / Es);
      copyImage(at + stageX, at + plan.offsetImage);
    }
    if (plan.rows !== null) scratchOf("int32").set(plan.rows, (at + plan.offsetRows) / 4);
    run(at);
    const result = (at + plan.offsetOut) / E;
    if (wasmStore !== null) {
      wasmStore.run(at + plan.offsetOut, out, extras, at + storeStage);
      wasmConvCalls.wasmStore++;
    } else if (store !== null) {
      args.length = 0;
      args.push(view.subarray(result, result + outLength), ...extras);
      store(args, out);
    } else if (plan.ogPadded === og) out.set(view.subarray(result, result + outLength));
    else {
      // Per image and group, the real channels are contiguous.
      const span = og * positions;
      for (let b = 0; b < g.n * g.groups; b++) {
        const s = result + b * plan.ogPadded * positions;
        out.set(view.subarray(s, s + span), b * span);
      }
    }
  };
  const t = plan.tiling;
  const description =
    `(wasm ${f32 ? "f32x4" : "f64x2"} direct conv: ${g.n}×${g.c}×${g.h}×${g.w} * ${g.o}×${g.c / g.groups}×${g.kh}×${g.kw} → ${g.th}×${g.tw}` +
    `${g.groups > 1 ? `, ${g.groups} groups` : ""}; tile ${t.nv * plan.lanes} channels × ${t.jb} positions, ${plan.rows === null ? "every filter row" : "filter rows reading data"}, ${plan.accumulation} accumulation)`;
  const storeText = wasmStore !== null ? "(store pass in WebAssembly: the epilogue, channel by channel, into the output)" : storeSource;
  return { kernel, source: storeText === null ? description : `${description}\n${storeText}`, plan };
}

/** The accelerator plugged into the direct method: WebAssembly when the backend is, else null (the JS loops). */
function wasmDirectConv(g: ConvGeometry, epilogue: ConvEpilogue | undefined, fallback: () => ConvKernel): { kernel: ConvKernel; source: string; emitter: string } | null {
  if (backendInUse() !== "wasm") return null;
  let made: WasmConv | null;
  try {
    made = compileWasmConv(g, epilogue, contractionAccumulation(), fallback);
  } catch (err) {
    // Code-generation errors keep their meaning; an engine's refusal falls back to the JS loops.
    if (err instanceof FluxionError) throw err;
    return null;
  }
  if (made === null) return null;
  return { kernel: made.kernel, source: made.source, emitter: `wasm-conv-${made.plan.accumulation === "float32" ? "f32x4" : "f64x2"}` };
}

/** The WebAssembly direct convolution as the conv kernels' accelerator (plugged in below; benchmarks unplug and replug it). */
export const wasmConvAccelerator: ConvAccelerator = { compile: wasmDirectConv, active: () => backendInUse() === "wasm" };

setConvAccelerator(wasmConvAccelerator);
