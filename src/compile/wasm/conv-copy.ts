// The WebAssembly direct convolution's two copies into its scratch, in WebAssembly (they were
// generated JS loops): the input into the zero-padded (input-dilated) image, widened to the
// accumulator's precision (float32 → float64 is exact), and the check that a packed filter panel
// holds only finite values (the filter itself is packed by the matmul's packer, ./matmul-pack.ts:
// a filter [o, taps] is the matmul's B operand with rows = output channels). Both read operands
// where they lie in the kernel memory; the caller stages the others there first.

import { cacheLimits, registerCache } from "../limits.js";
import { LruCache } from "../lru.js";
import { type ConvGeometry, convSizes, padCopyRanges } from "../kernels/conv-geometry.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";
import { kernelImports, kernelMemoryLimits } from "./memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";

type Element = "f32" | "f64";

/**
 * `copy(src, dst)` (byte addresses): the input [n·c, h, w] at src into the image [n·c, eh, ew] at
 * dst, plane by plane: the plane's zeros first (while it is in cache), unless the input covers
 * it, then its data rows, with v128 copies where the columns are contiguous (input dilation 1).
 */
export function emitImageCopyFunction(g: ConvGeometry, src: Element, dst: Element): FunctionBody {
  if (src === "f64" && dst === "f32") throw new RangeError("conv image copy: a float64 input never narrows into a float32 image");
  const { eh, ew } = convSizes(g);
  const { a0, a1, b0, b1, covers } = padCopyRanges(g);
  const [loh, low] = g.padLo;
  const [dh, dw] = g.lhsDilation;
  const Es = src === "f32" ? 4 : 8;
  const Ed = dst === "f32" ? 4 : 8;
  const widen = src !== dst;
  const { i32 } = ValType;
  const f = new FunctionBody([i32, i32], []);
  const [sp, dp] = [0, 1];
  const [plane, row, k, s, d, p, q] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const bump = (local: number, by: number) => {
    if (by !== 0) f.get(local).i32Const(by).emit(Op.i32Add).set(local);
  };
  /** `count` iterations of `body` (none when count is 0). */
  const repeat = (counter: number, count: number, body: () => void) => {
    if (count > 0) f.countedLoop(counter, count, body);
  };
  /** One element from address `from` + offset to `to` + offset. */
  const element = (from: number, fromOffset: number, to: number, toOffset: number) => {
    f.get(to).get(from).mem(src === "f32" ? Op.f32Load : Op.f64Load, 0, fromOffset);
    if (widen) f.emit(Op.f64PromoteF32);
    f.mem(dst === "f32" ? Op.f32Store : Op.f64Store, 0, toOffset);
  };

  const planeBytes = eh * ew * Ed;
  const cols = b1 - b0;
  repeat(plane, g.n * g.c, () => {
    if (!covers) {
      f.get(dp).set(p);
      repeat(k, Math.floor(planeBytes / 16), () => {
        f.get(p).v128Zero().simdMem(Simd.v128Store, 0);
        bump(p, 16);
      });
      // The plane's last bytes past whole v128s: element stores at offsets from p.
      for (let b = 0; b < planeBytes % 16; b += Ed) {
        f.get(p);
        if (dst === "f32") f.f32Const(0).mem(Op.f32Store, 0, b);
        else f.f64Const(0).mem(Op.f64Store, 0, b);
      }
    }
    if (a1 > a0 && cols > 0) {
      f.get(sp).i32Const((a0 * g.w + b0) * Es).emit(Op.i32Add).set(s);
      f.get(dp).i32Const(((loh + a0 * dh) * ew + low + b0 * dw) * Ed).emit(Op.i32Add).set(d);
      repeat(row, a1 - a0, () => {
        f.get(s).set(p).get(d).set(q);
        if (dw === 1) {
          // Runs of a v128 of the image: 2 float64 lanes (from 2 floats when widening) or 4 floats.
          const lanes = 16 / Ed;
          repeat(k, Math.floor(cols / lanes), () => {
            f.get(q);
            if (widen) f.get(p).simdMem(Simd.v128Load64Zero, 0).simd(Simd.f64x2PromoteLowF32x4);
            else f.get(p).simdMem(Simd.v128Load, 0);
            f.simdMem(Simd.v128Store, 0);
            bump(p, lanes * Es);
            bump(q, 16);
          });
          for (let j = 0; j < cols % lanes; j++) element(p, j * Es, q, j * Ed);
        } else {
          repeat(k, cols, () => {
            element(p, 0, q, 0);
            bump(p, Es);
            bump(q, dw * Ed);
          });
        }
        bump(s, g.w * Es);
        bump(d, dh * ew * Ed);
      });
    }
    bump(sp, g.h * g.w * Es);
    bump(dp, planeBytes);
  });
  return f;
}

/**
 * `finite(at)` → 1 when the `count` elements at byte address `at` are all finite, else 0: it sums
 * v·0 over them, which is ±0 for a finite v and NaN for NaN and ±Infinity (a sum starting at +0
 * stays +0 over ±0; NaN stays NaN). The elements fill whole v128s (a panel's blocks do).
 */
export function emitFiniteCheckFunction(type: Element, count: number): FunctionBody {
  const { i32, v128 } = ValType;
  const E = type === "f32" ? 4 : 8;
  if ((count * E) % 16 !== 0) throw new RangeError(`conv finite check: ${count} elements of ${type} do not fill whole v128s`);
  const f = new FunctionBody([i32], [i32]);
  const at = 0;
  const [k, acc] = [f.local(i32), f.local(v128)];
  const [add, mul, ne] = type === "f32" ? [Simd.f32x4Add, Simd.f32x4Mul, Simd.f32x4Ne] : [Simd.f64x2Add, Simd.f64x2Mul, Simd.f64x2Ne];
  const chunks = Math.floor((count * E) / 16);
  f.v128Zero().set(acc);
  if (chunks > 0) {
    f.countedLoop(k, chunks, () => {
      f.get(acc).get(at).simdMem(Simd.v128Load, 0).v128Zero().simd(mul).simd(add).set(acc);
      f.get(at).i32Const(16).emit(Op.i32Add).set(at);
    });
  }
  f.get(acc).get(acc).simd(ne).simd(Simd.v128AnyTrue).emit(Op.i32Eqz);
  return f;
}

/** Instantiated copy and check functions by what they are specialised to. */
const functions = new LruCache<string, (...args: number[]) => number | undefined>(() => cacheLimits().kernelSources);
registerCache(() => functions.trim(), () => functions.clear());

function instantiated(key: string, emit: () => FunctionBody): (...args: number[]) => number | undefined {
  let fn = functions.get(key);
  if (fn === undefined) {
    const m = new ModuleBuilder().importMemory("env", "memory", kernelMemoryLimits());
    m.addFunction(emit(), "run");
    fn = instantiateModule(compileModule(m.build()), kernelImports()).exports["run"] as (...args: number[]) => number | undefined;
    functions.set(key, fn);
  }
  return fn;
}

/** The image copy of a geometry (see `emitImageCopyFunction`): `copy(src, dst)`. */
export function wasmImageCopy(g: ConvGeometry, src: Element, dst: Element): (src: number, dst: number) => void {
  const key = ["image", src, dst, g.n, g.c, g.h, g.w, g.kh, g.kw, g.th, g.tw, ...g.stride, ...g.padLo, ...g.lhsDilation, ...g.rhsDilation].join("|");
  return instantiated(key, () => emitImageCopyFunction(g, src, dst)) as (src: number, dst: number) => void;
}

/** The finiteness check of `count` elements (see `emitFiniteCheckFunction`): `finite(at)` → 1 or 0. */
export function wasmFiniteCheck(type: Element, count: number): (at: number) => number {
  return instantiated(`finite|${type}|${count}`, () => emitFiniteCheckFunction(type, count)) as (at: number) => number;
}
