// Packing a matmul operand into its panel in WebAssembly, for operands that already lie in the
// kernel memory (a program's buffers, ./arena.ts): the same layout and values as the JS packer in
// ./matmul.ts (`packPanel`), specialised to one shape. Panel strip s holds rows s·strip … s·strip +
// strip − 1, depth-major: dst[s·depth·strip + p·strip + r] = src[(s·strip + r)·rowStride +
// p·depthStride], widened from float32 to float64 where the panel is float64 (exact), zero past
// the last row. Where the rows are contiguous in the source (rowStride 1: a transposed A, an
// untransposed B), each step of depth is a run of `strip` elements: v128 copies (with
// f64x2.promote_low_f32x4 when widening); otherwise each step gathers `strip` elements from their
// rows by scalar loads at constant offsets. A pack takes a range of strips, so the threads of a
// split product can each pack the strips they consume (./matmul.ts); the function is emitted into
// the matmul's own module, which the worker threads instantiate. The convolution packs its filter
// with a stand-alone module of the same function (`wasmPack`).

import { cacheLimits, registerCache } from "../limits.js";
import { LruCache } from "../lru.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";
import { kernelImports, kernelMemoryLimits } from "./memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";

/** One operand's packing: the source's geometry and the element types of source and panel. */
export interface PackShape {
  readonly rows: number;
  readonly depth: number;
  /** Elements between consecutive rows and between consecutive steps of depth in the source. */
  readonly rowStride: number;
  readonly depthStride: number;
  /** Rows per strip of the panel. */
  readonly strip: number;
  readonly src: "f32" | "f64";
  readonly dst: "f32" | "f64";
}

/**
 * `pack(src, dst, first, end)`: strips [first, end) of the panel, from byte addresses of the
 * operand's first element and of the panel's.
 */
export type PackFunction = (src: number, dst: number, first: number, end: number) => void;

/** The function body of a pack (see the file comment). */
export function emitPackFunction(s: PackShape): FunctionBody {
  const { rows, depth, rowStride, depthStride, strip } = s;
  const Es = s.src === "f32" ? 4 : 8;
  const Ed = s.dst === "f32" ? 4 : 8;
  const load = s.src === "f32" ? Op.f32Load : Op.f64Load;
  const store = s.dst === "f32" ? Op.f32Store : Op.f64Store;
  const widen = s.src === "f32" && s.dst === "f64";
  if (s.src === "f64" && s.dst === "f32") throw new RangeError("matmul pack: a float64 operand never packs into a float32 panel");
  const { i32 } = ValType;
  const f = new FunctionBody([i32, i32, i32, i32], []);
  const [src, dst, first, end] = [0, 1, 2, 3];
  const sp = f.local(i32);
  const q = f.local(i32);
  const p = f.local(i32);
  const n = f.local(i32);
  const bump = (local: number, by: number) => f.get(local).i32Const(by).emit(Op.i32Add).set(local);
  const contiguous = rowStride === 1 && (strip * Es) % 16 === 0 && (!widen || strip % 4 === 0);

  /** One step of depth for a strip with `real` real rows: from q to dst. */
  const stepOf = (real: number) => {
    if (contiguous && real === strip) {
      if (!widen) {
        for (let c = 0; c < (strip * Es) / 16; c++) f.get(dst).get(q).simdMem(Simd.v128Load, 0, c * 16).simdMem(Simd.v128Store, 0, c * 16);
      } else {
        for (let g = 0; g < strip / 2; g++) f.get(dst).get(q).simdMem(Simd.v128Load64Zero, 0, g * 8).simd(Simd.f64x2PromoteLowF32x4).simdMem(Simd.v128Store, 0, g * 16);
      }
      return;
    }
    for (let r = 0; r < strip; r++) {
      f.get(dst);
      if (r < real) {
        f.get(q).mem(load, 0, r * rowStride * Es);
        if (widen) f.emit(Op.f64PromoteF32);
      } else if (s.dst === "f32") f.f32Const(0);
      else f.f64Const(0);
      f.mem(store, 0, r * Ed);
    }
  };

  /** A whole strip from sp: `depth` steps. */
  const stripOf = (real: number) => {
    f.get(sp).set(q);
    f.i32Const(depth).set(p);
    f.loop();
    stepOf(real);
    bump(q, depthStride * Es);
    bump(dst, strip * Ed);
    f.get(p).i32Const(1).emit(Op.i32Sub).tee(p).brIf(0);
    f.end();
  };

  const full = Math.floor(rows / strip);
  f.get(first).get(end).emit(Op.i32GeS).if().emit(Op.return).end();
  // Start at strip `first`: sp in the source, dst in the panel.
  f.get(src).get(first).i32Const(strip * rowStride * Es).emit(Op.i32Mul).emit(Op.i32Add).set(sp);
  f.get(dst).get(first).i32Const(depth * strip * Ed).emit(Op.i32Mul).emit(Op.i32Add).set(dst);
  // Whole strips: min(end, full) − first of them (the loop tests at its end: skip an empty run).
  f.get(end).i32Const(full).get(end).i32Const(full).emit(Op.i32LtS).emit(Op.select).get(first).emit(Op.i32Sub).tee(n);
  f.i32Const(0).emit(Op.i32GtS).if();
  f.loop();
  stripOf(strip);
  bump(sp, strip * rowStride * Es);
  f.get(n).i32Const(1).emit(Op.i32Sub).tee(n).brIf(0);
  f.end();
  f.end();
  // The partial last strip, where the range reaches it.
  if (rows % strip > 0) {
    f.get(end).i32Const(full).emit(Op.i32GtS).if();
    stripOf(rows % strip);
    f.end();
  }
  return f;
}

/** Operands packed from where they lie in the kernel memory, not copied there first (for tests and benchmarks). */
export const packCounts = { inPlace: 0 };

/** Instantiated stand-alone packs by shape (the convolution packs its filter with them; a matmul packs in its own module). */
const packs = new LruCache<string, (src: number, dst: number) => void>(() => cacheLimits().kernelSources);
registerCache(() => packs.trim(), () => packs.clear());

/** A stand-alone module packing every strip of a shape: `pack(src, dst)` (compiled once per shape; depth at least 1). */
export function wasmPack(s: PackShape): (src: number, dst: number) => void {
  const key = [s.rows, s.depth, s.rowStride, s.depthStride, s.strip, s.src, s.dst].join("|");
  let fn = packs.get(key);
  if (fn === undefined) {
    const m = new ModuleBuilder().importMemory("env", "memory", kernelMemoryLimits());
    m.addFunction(emitPackFunction(s), "pack");
    const pack = instantiateModule(compileModule(m.build()), kernelImports()).exports["pack"] as PackFunction;
    const strips = Math.ceil(s.rows / s.strip);
    fn = (src, dst) => pack(src, dst, 0, strips);
    packs.set(key, fn);
  }
  return fn;
}
