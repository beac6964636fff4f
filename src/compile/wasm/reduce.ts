// The WebAssembly reduction loops, over the kernel memory. By columns (reductions that keep the
// last axis: a bias gradient's sum over the batch): a function `reduce(src, acc, dst, rows, cols,
// chunk, finish)` that combines a row-major [rows, cols] block of values (`src`) down its rows,
// one output per column. Every column is summed (or multiplied, or maxed) in row order, from
// row 0 to the last, so each output sees exactly the sequence of combining steps the reference
// loop (src/prims/reduce.ts) gives it; SIMD lanes hold different COLUMNS, never parts of one
// column's sum. That is the layout the kernel (./reduce-kernel.ts) copies a reduction into: the
// reduced axes outer, the kept axes inner and contiguous.
//
// Accumulators are doubles for float data, as in the reference (a float32 value widens exactly,
// and the result is rounded once to float32 at the end), and i32 for int32 data (the reference's
// `| 0` and Math.imul wrap at every step, as i32 arithmetic does). `acc` holds one accumulator per
// column and must be filled with the identity before the first call; the rows are taken in chunks
// of `chunk` rows, each column block carrying its accumulators in registers down one chunk, so a
// chunk's rows stay in the cache while the column blocks walk them; a caller may also pass the
// rows in several calls, in order. With `finish` ≠ 0, float32 results are then rounded from `acc`
// into `dst`; for float64 and int32 `dst` is unused (`acc` is the result).
//
// max/min follow the reference's step exactly: `x > a || x !== x ? x : a` (a NaN element wins,
// equal values keep the first, so max(−0, +0) stays −0): a comparison, a self-inequality, an or
// and a bitselect per lane; not wasm's f64x2.max, which picks +0.
//
// By rows (reductions over the last axis: softmax, cross-entropy, a mean over features): see
// `renderWasmReduceRows`, several rows' scalar chains side by side.

import { FluxionError } from "../../errors.js";
import type { DType } from "../../tensor/dtype.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";

/** The reductions the loop renders: reduce_sum, reduce_prod, reduce_max, reduce_min. */
export type Combiner = "sum" | "prod" | "max" | "min";

/** The dtypes the loop reads (the reduction's own dtype). */
export type ReduceDType = "float32" | "float64" | "int32";

/** Bytes of one accumulator in `acc`: a double for float data, an i32 for int32. */
export function accumulatorBytes(dtype: ReduceDType): number {
  return dtype === "int32" ? 4 : 8;
}

const ELEMENT: Record<ReduceDType, number> = { float32: 4, float64: 8, int32: 4 };

// SIMD opcodes the encoder's table does not name (SIMD spec numbers).
const I32X4_MUL = 0xb5;
const I32X4_MIN_S = 0xb6;
const I32X4_MAX_S = 0xb8;

/**
 * Column blocks of 4 per step of the widest loop. Four give eight independent f64x2 chains for
 * float data (a double add has a latency of several cycles; one chain per column would stall).
 */
const GROUPS = 4;

/** A group of 4 columns in registers: floats as two f64x2 (columns 0–1, 2–3), int32 as one i32x4. */
interface Quad {
  readonly acc: readonly number[];
  readonly x: readonly number[];
}

/** Combines x into a for one vector (a, x: locals; the result is left in a). */
function combineVector(f: FunctionBody, c: Combiner, dtype: ReduceDType, a: number, x: number): void {
  if (dtype === "int32") {
    const op = c === "sum" ? Simd.i32x4Add : c === "prod" ? I32X4_MUL : c === "max" ? I32X4_MAX_S : I32X4_MIN_S;
    f.get(a).get(x).simd(op).set(a);
    return;
  }
  if (c === "sum" || c === "prod") {
    f.get(a).get(x).simd(c === "sum" ? Simd.f64x2Add : Simd.f64x2Mul).set(a);
    return;
  }
  // bitselect(x, a, x ⋚ a | x ≠ x)
  f.get(x).get(a);
  f.get(x).get(a).simd(c === "max" ? Simd.f64x2Gt : Simd.f64x2Lt);
  f.get(x).get(x).simd(Simd.f64x2Ne).simd(Simd.v128Or);
  f.simd(Simd.v128Bitselect).set(a);
}

/** Combines x into a for one scalar (a, x: locals of f64 or i32). */
function combineScalar(f: FunctionBody, c: Combiner, dtype: ReduceDType, a: number, x: number): void {
  const int = dtype === "int32";
  if (c === "sum" || c === "prod") {
    const op = int ? (c === "sum" ? Op.i32Add : Op.i32Mul) : c === "sum" ? Op.f64Add : Op.f64Mul;
    f.get(a).get(x).emit(op).set(a);
    return;
  }
  f.get(x).get(a);
  if (int) f.get(x).get(a).emit(c === "max" ? Op.i32GtS : Op.i32LtS);
  else f.get(x).get(a).emit(c === "max" ? Op.f64Gt : Op.f64Lt).get(x).get(x).emit(Op.f64Ne, Op.i32Or);
  f.emit(Op.select).set(a);
}

/**
 * The reduction function for `combiner` over `dtype` data (see the file comment for its
 * parameters and layout).
 */
export function renderWasmReduce(combiner: Combiner, dtype: ReduceDType): FunctionBody {
  if (!(dtype in ELEMENT)) throw new FluxionError(`wasm reduce: no loop for ${dtype} data`);
  const i32 = ValType.i32;
  const f = new FunctionBody([i32, i32, i32, i32, i32, i32, i32], []);
  const [src, accPtr, dst, rows, cols, chunk, finish] = [0, 1, 2, 3, 4, 5, 6];
  const r0 = f.local(i32);
  const n = f.local(i32); // rows in this chunk
  const col = f.local(i32);
  const p = f.local(i32);
  const r = f.local(i32);
  const eb = ELEMENT[dtype];
  const ab = accumulatorBytes(dtype);
  const int = dtype === "int32";
  const scalarType = int ? ValType.i32 : ValType.f64;

  // p = src + (r0·cols + col)·eb
  const rowStart = () => f.get(src).get(r0).get(cols).emit(Op.i32Mul).get(col).emit(Op.i32Add).i32Const(eb).emit(Op.i32Mul, Op.i32Add).set(p);
  // p += cols·eb
  const nextRow = () => f.get(p).get(cols).i32Const(eb).emit(Op.i32Mul, Op.i32Add).set(p);
  const accAt = () => f.get(accPtr).get(col).i32Const(ab).emit(Op.i32Mul, Op.i32Add);

  /** Loads 4 columns at byte offset `at` from p into quad q's x vectors. */
  const loadQuad = (q: Quad, at: number) => {
    if (dtype === "float32") {
      f.get(p).simdMem(Simd.v128Load64Zero, 2, at).simd(Simd.f64x2PromoteLowF32x4).set(q.x[0]!);
      f.get(p).simdMem(Simd.v128Load64Zero, 2, at + 8).simd(Simd.f64x2PromoteLowF32x4).set(q.x[1]!);
    } else if (dtype === "float64") {
      f.get(p).simdMem(Simd.v128Load, 2, at).set(q.x[0]!);
      f.get(p).simdMem(Simd.v128Load, 2, at + 16).set(q.x[1]!);
    } else f.get(p).simdMem(Simd.v128Load, 2, at).set(q.x[0]!);
  };

  /** A loop over column blocks of 4·groups columns while they fit. */
  const blockLoop = (groups: number) => {
    const width = 4 * groups;
    const halves = int ? 1 : 2;
    const quads: Quad[] = Array.from({ length: groups }, () => ({
      acc: Array.from({ length: halves }, () => f.local(ValType.v128)),
      x: Array.from({ length: halves }, () => f.local(ValType.v128)),
    }));
    f.block().loop();
    f.get(col).i32Const(width).emit(Op.i32Add).get(cols).emit(Op.i32GtS).brIf(1);
    quads.forEach((q, g) => q.acc.forEach((a, h) => accAt().simdMem(Simd.v128Load, 2, g * 4 * ab + h * 16).set(a)));
    rowStart();
    f.get(n).set(r);
    f.block().loop();
    f.get(r).emit(Op.i32Eqz).brIf(1);
    quads.forEach((q, g) => loadQuad(q, g * 4 * eb));
    for (const q of quads) q.acc.forEach((a, h) => combineVector(f, combiner, dtype, a, q.x[h]!));
    nextRow();
    f.get(r).i32Const(1).emit(Op.i32Sub).set(r).br(0);
    f.end().end();
    quads.forEach((q, g) => q.acc.forEach((a, h) => accAt().get(a).simdMem(Simd.v128Store, 2, g * 4 * ab + h * 16)));
    f.get(col).i32Const(width).emit(Op.i32Add).set(col).br(0);
    f.end().end();
  };

  // for (r0 = 0; r0 < rows; r0 += chunk)
  f.i32Const(0).set(r0);
  f.block().loop();
  f.get(r0).get(rows).emit(Op.i32GeS).brIf(1);
  // n = min(chunk, rows − r0)
  f.get(chunk).get(rows).get(r0).emit(Op.i32Sub).tee(n).get(n).get(chunk).emit(Op.i32GtS, Op.select).set(n);
  f.i32Const(0).set(col);
  blockLoop(GROUPS);
  blockLoop(1);
  // The last columns (fewer than 4) one at a time.
  const a = f.local(scalarType);
  const x = f.local(scalarType);
  f.block().loop();
  f.get(col).get(cols).emit(Op.i32GeS).brIf(1);
  accAt().mem(int ? Op.i32Load : Op.f64Load, int ? 2 : 3).set(a);
  rowStart();
  f.get(n).set(r);
  f.block().loop();
  f.get(r).emit(Op.i32Eqz).brIf(1);
  f.get(p);
  if (dtype === "float32") f.mem(Op.f32Load, 2).emit(Op.f64PromoteF32);
  else f.mem(int ? Op.i32Load : Op.f64Load, int ? 2 : 3);
  f.set(x);
  combineScalar(f, combiner, dtype, a, x);
  nextRow();
  f.get(r).i32Const(1).emit(Op.i32Sub).set(r).br(0);
  f.end().end();
  accAt().get(a).mem(int ? Op.i32Store : Op.f64Store, int ? 2 : 3);
  f.get(col).i32Const(1).emit(Op.i32Add).set(col).br(0);
  f.end().end();
  f.get(r0).get(chunk).emit(Op.i32Add).set(r0).br(0);
  f.end().end();

  if (dtype === "float32") {
    // dst[col] = fround(acc[col]), one rounding per output as the reference's store.
    f.i32Const(0).set(col);
    f.block();
    f.get(finish).emit(Op.i32Eqz).brIf(0);
    f.loop();
    f.get(col).get(cols).emit(Op.i32GeS).brIf(1);
    f.get(dst).get(col).i32Const(2).emit(Op.i32Shl, Op.i32Add);
    accAt().mem(Op.f64Load, 3).emit(Op.f32DemoteF64).mem(Op.f32Store, 2);
    f.get(col).i32Const(1).emit(Op.i32Add).set(col).br(0);
    f.end().end();
  }
  return f;
}

/**
 * Outputs combined side by side in `renderWasmReduceRows`: independent chains of adds (or
 * multiplies) that the processor overlaps, where the JS kernel runs one chain at a time.
 */
export const ROW_GROUP = 4;

/**
 * The reduction function over rows: `reduceRows(src, dst, count, length)` combines each of `count`
 * contiguous rows of `length` values (`src`, row-major) into one output (`dst[row]`), the row's
 * values in order from the first. For reductions over the last axis (a softmax's sum, a mean over
 * features), whose outputs each read a contiguous row: ROW_GROUP rows run side by side with one
 * scalar accumulator each (a double for float data, rounded once to float32 at the store; an i32
 * for int32), so every output keeps the reference's order while their chains overlap.
 */
export function renderWasmReduceRows(combiner: Combiner, dtype: ReduceDType): FunctionBody {
  if (!(dtype in ELEMENT)) throw new FluxionError(`wasm reduce: no loop for ${dtype} data`);
  const i32 = ValType.i32;
  const f = new FunctionBody([i32, i32, i32, i32], []);
  const [src, dst, count, length] = [0, 1, 2, 3];
  const row = f.local(i32);
  const j = f.local(i32);
  const eb = ELEMENT[dtype];
  const int = dtype === "int32";
  const scalarType = int ? ValType.i32 : ValType.f64;
  const start = combiner === "sum" ? 0 : combiner === "prod" ? 1 : int ? (combiner === "max" ? -(2 ** 31) : 2 ** 31 - 1) : combiner === "max" ? -Infinity : Infinity;

  const groupLoop = (group: number) => {
    const ptr = Array.from({ length: group }, () => f.local(i32));
    const acc = Array.from({ length: group }, () => f.local(scalarType));
    const x = Array.from({ length: group }, () => f.local(scalarType));
    f.block().loop();
    f.get(row).i32Const(group).emit(Op.i32Add).get(count).emit(Op.i32GtS).brIf(1);
    ptr.forEach((p, g) => {
      // ptr_g = src + (row + g)·length·eb
      f.get(src).get(row).i32Const(g).emit(Op.i32Add).get(length).emit(Op.i32Mul).i32Const(eb).emit(Op.i32Mul, Op.i32Add).set(p);
      if (int) f.i32Const(start).set(acc[g]!);
      else f.f64Const(start).set(acc[g]!);
    });
    f.get(length).set(j);
    f.block().loop();
    f.get(j).emit(Op.i32Eqz).brIf(1);
    ptr.forEach((p, g) => {
      f.get(p);
      if (dtype === "float32") f.mem(Op.f32Load, 2).emit(Op.f64PromoteF32);
      else f.mem(int ? Op.i32Load : Op.f64Load, int ? 2 : 3);
      f.set(x[g]!);
    });
    ptr.forEach((p, g) => {
      combineScalar(f, combiner, dtype, acc[g]!, x[g]!);
      f.get(p).i32Const(eb).emit(Op.i32Add).set(p);
    });
    f.get(j).i32Const(1).emit(Op.i32Sub).set(j).br(0);
    f.end().end();
    acc.forEach((a, g) => {
      f.get(dst).get(row).i32Const(g).emit(Op.i32Add).i32Const(eb).emit(Op.i32Mul, Op.i32Add).get(a);
      if (dtype === "float32") f.emit(Op.f32DemoteF64).mem(Op.f32Store, 2);
      else f.mem(int ? Op.i32Store : Op.f64Store, int ? 2 : 3);
    });
    f.get(row).i32Const(group).emit(Op.i32Add).set(row).br(0);
    f.end().end();
  };
  f.i32Const(0).set(row);
  groupLoop(ROW_GROUP);
  groupLoop(1);
  return f;
}

