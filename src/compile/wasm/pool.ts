// WebAssembly SIMD kernels for 2 × 2 max pooling with stride 2 and no padding (LeNet-5's and most
// CNNs' pooling), `max_pool` and its VJP `max_pool_scatter`, used for them by the pooling kernels
// (../kernels/pool.ts) when the backend is WebAssembly; other windows keep the JS kernels.
//
// Lanes hold adjacent windows of an output row (f32x4: 4 windows, f64x2: 2): two loads of an
// input row are split into its even and odd columns by shuffles, so the four elements of each
// window are four vectors in row-major window order. Each window selects exactly what the
// reference does — the first maximum, a NaN over any number — by the reference's comparison
// chain as lane masks: element k replaces the choice when `k > x0 || (k ≠ k && x0 = x0)`. The
// JS kernels' branches on that comparison mispredicted about once per window. Windows past the
// last whole vector run the same chain in scalar code. The scatter writes, for every input element
// of a window, the cotangent where the element is the one selected and +0 elsewhere, the
// cotangent plus +0 as the reference's zero-filled sum gives (−0 becomes +0); elements of a last
// odd row or column, in no window, get +0.
//
// Operands that are program buffers in the kernel memory (./arena.ts) are read where they lie and
// a result there is written in place; others are copied in and out (native copies, no conversion).

import type { TypedArray } from "../../tensor/dtype.js";
import { FluxionError } from "../../errors.js";
import { type PoolAccelerator, type PoolGeometry, type PoolKind, setPoolAccelerator } from "../kernels/pool.js";
import { cacheLimits, registerCache } from "../limits.js";
import { LruCache } from "../lru.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";
import { ensureScratch, kernelBuffer, kernelImports, kernelMemoryLimits, reserveScratch, scratchBase, scratchOf } from "./memory.js";
import { backendInUse } from "./backend.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";

/** Whether the WebAssembly pooling kernel takes a geometry: 2 × 2 windows, stride 2, no padding, float values. */
export function wasmPoolTakes(kind: PoolKind, g: PoolGeometry, dtype: string): boolean {
  return (
    (kind === "max_pool" || kind === "max_pool_scatter") &&
    (dtype === "float32" || dtype === "float64") &&
    g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.ph === 0 && g.pw === 0 &&
    g.th === Math.floor(g.h / 2) && g.tw === Math.floor(g.w / 2) && g.planes * g.th * g.tw > 0
  );
}

const align16 = (x: number) => Math.ceil(x / 16) * 16;

/** Byte offsets of the input, the cotangent (scatter) and the result in the scratch, where they are copied when they lie outside the kernel memory. */
function layout(kind: PoolKind, g: PoolGeometry, E: number) {
  const x = 0;
  const gOff = align16(g.planes * g.h * g.w * E);
  const pooled = g.planes * g.th * g.tw;
  const out = gOff + (kind === "max_pool_scatter" ? align16(pooled * E) : 0);
  const outLength = kind === "max_pool" ? pooled : g.planes * g.h * g.w;
  return { x, g: gOff, out, outLength, total: out + align16(outLength * E) };
}

/**
 * The kernel function `pool(x, cotangent, out)`: every window of the geometry, reading the input
 * (and the cotangent) and writing the result at those byte addresses.
 */
export function emitWasmPoolFunction(kind: PoolKind, g: PoolGeometry, dtype: "float32" | "float64"): FunctionBody {
  const f32 = dtype === "float32";
  const E = f32 ? 4 : 8;
  const L = 16 / E;
  const { i32, v128, f32: f32t, f64: f64t } = ValType;
  const scalar = f32 ? f32t : f64t;
  const load = f32 ? Op.f32Load : Op.f64Load;
  const store = f32 ? Op.f32Store : Op.f64Store;
  const gt = f32 ? Simd.f32x4Gt : Simd.f64x2Gt;
  const ne = f32 ? Simd.f32x4Ne : Simd.f64x2Ne;
  const eq = f32 ? Simd.f32x4Eq : Simd.f64x2Eq;
  const add = f32 ? Simd.f32x4Add : Simd.f64x2Add;
  const [sGt, sNe, sEq, sAdd] = f32 ? [Op.f32Gt, Op.f32Ne, Op.f32Eq, Op.f32Add] : [Op.f64Gt, Op.f64Ne, Op.f64Eq, Op.f64Add];
  const alignE = f32 ? 2 : 3;
  const scatter = kind === "max_pool_scatter";
  const { planes, h, w, th, tw } = g;
  const groups = Math.floor(tw / L);

  const f = new FunctionBody([i32, i32, i32], []);
  const [xBase, gBase, outBase] = [0, 1, 2];
  const [plane, row, col, r0, gp, op] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  // r0/gp: the input row and the pooled row; or0/pp: the same in the result (the scatter's is shaped as the input).
  const [or0, pp] = [f.local(i32), f.local(i32)];
  const e = [f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const [x0, cond, a, b, gv, zero] = [f.local(v128), f.local(v128), f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const sel = [f.local(v128), f.local(v128), f.local(v128), f.local(v128)];
  const es = [f.local(scalar), f.local(scalar), f.local(scalar), f.local(scalar)];
  const xs = f.local(scalar);
  const ks = f.local(i32);
  const gs = f.local(scalar);

  // Shuffle lanes (bytes) taking the even and the odd elements of two vectors, and interleaving back.
  const bytes = (elems: number[]) => elems.flatMap((el) => Array.from({ length: E }, (_, i) => el * E + i));
  const evens = bytes(Array.from({ length: L }, (_, i) => 2 * i));
  const odds = bytes(Array.from({ length: L }, (_, i) => 2 * i + 1));
  const lowHalf = bytes(Array.from({ length: L }, (_, i) => (i % 2 === 0 ? i / 2 : L + (i - 1) / 2)));
  const highHalf = bytes(Array.from({ length: L }, (_, i) => (i % 2 === 0 ? L / 2 + i / 2 : L + L / 2 + (i - 1) / 2)));

  const loop = (counter: number, count: number, body: () => void) => f.countedLoop(counter, count, body);

  f.v128Zero().set(zero);
  if (scatter && (h % 2 === 1 || w % 2 === 1)) {
    // Elements in no window (a last odd row or column) get +0: zero the whole result first (no
    // byte past it: the result may be a program buffer with neighbours).
    const bytes = planes * h * w * E;
    const whole = Math.floor(bytes / 16);
    if (whole > 0) {
      f.i32Const(0).set(col);
      f.loop();
      f.get(outBase).get(col).emit(Op.i32Add).get(zero).simdMem(Simd.v128Store, 0);
      f.get(col).i32Const(16).emit(Op.i32Add).tee(col).i32Const(whole * 16).emit(Op.i32LtS).brIf(0);
      f.end();
    }
    for (let b = whole * 16; b < bytes; b += E) {
      f.get(outBase);
      if (f32) f.f32Const(0);
      else f.f64Const(0);
      f.mem(store, alignE, b);
    }
  }
  loop(plane, planes, () => {
    loop(row, th, () => {
      // r0: the window row's first input row; gp/op: the pooled row (cotangent or max_pool result).
      f.get(plane).i32Const(h * w * E).emit(Op.i32Mul).get(row).i32Const(2 * w * E).emit(Op.i32Mul).emit(Op.i32Add).tee(r0).get(outBase).emit(Op.i32Add).set(or0);
      f.get(r0).get(xBase).emit(Op.i32Add).set(r0);
      f.get(plane).i32Const(th * tw * E).emit(Op.i32Mul).get(row).i32Const(tw * E).emit(Op.i32Mul).emit(Op.i32Add).tee(gp).get(outBase).emit(Op.i32Add).set(pp);
      f.get(gp).get(gBase).emit(Op.i32Add).set(gp);
      if (groups > 0) {
        loop(col, groups, () => {
          // op: byte offset of the group's first window in the row (2L input columns per group).
          f.get(col).i32Const(2 * L * E).emit(Op.i32Mul).set(op);
          for (let u = 0; u < 2; u++) {
            f.get(r0).get(op).emit(Op.i32Add).simdMem(Simd.v128Load, alignE, u * w * E).set(a);
            f.get(r0).get(op).emit(Op.i32Add).simdMem(Simd.v128Load, alignE, u * w * E + 16).set(b);
            f.get(a).get(b).simdShuffle(evens).set(e[2 * u]!);
            f.get(a).get(b).simdShuffle(odds).set(e[2 * u + 1]!);
          }
          f.get(e[0]!).set(x0);
          if (scatter) {
            f.v128Const(new Uint8Array(16).fill(255)).set(sel[0]!);
            for (let k = 1; k < 4; k++) f.get(zero).set(sel[k]!);
          }
          for (let k = 1; k < 4; k++) {
            // cond = e_k > x0 || (e_k ≠ e_k && x0 = x0)
            f.get(e[k]!).get(x0).simd(gt);
            f.get(e[k]!).get(e[k]!).simd(ne).get(x0).get(x0).simd(eq).simd(Simd.v128And);
            f.simd(Simd.v128Or).set(cond);
            f.get(e[k]!).get(x0).get(cond).simd(Simd.v128Bitselect).set(x0);
            if (scatter) {
              for (let j = 0; j < k; j++) f.get(sel[j]!).get(cond).simd(Simd.v128AndNot).set(sel[j]!);
              f.get(cond).set(sel[k]!);
            }
          }
          if (!scatter) {
            f.get(pp).get(col).i32Const(L * E).emit(Op.i32Mul).emit(Op.i32Add).get(x0).simdMem(Simd.v128Store, alignE);
            return;
          }
          // The cotangents of the L windows, plus +0; each element gets it where selected, else +0.
          f.get(gp).get(col).i32Const(L * E).emit(Op.i32Mul).emit(Op.i32Add).simdMem(Simd.v128Load, alignE).get(zero).simd(add).set(gv);
          for (let k = 0; k < 4; k++) f.get(gv).get(zero).get(sel[k]!).simd(Simd.v128Bitselect).set(e[k]!);
          for (let u = 0; u < 2; u++) {
            f.get(or0).get(op).emit(Op.i32Add).get(e[2 * u]!).get(e[2 * u + 1]!).simdShuffle(lowHalf).simdMem(Simd.v128Store, alignE, u * w * E);
            f.get(or0).get(op).emit(Op.i32Add).get(e[2 * u]!).get(e[2 * u + 1]!).simdShuffle(highHalf).simdMem(Simd.v128Store, alignE, u * w * E + 16);
          }
        });
      }
      // The remaining windows of the row, one at a time.
      for (let t = groups * L; t < tw; t++) {
        const at = 2 * t * E;
        for (let u = 0; u < 2; u++) for (let v = 0; v < 2; v++) f.get(r0).mem(load, alignE, at + (u * w + v) * E).set(es[2 * u + v]!);
        f.get(es[0]!).set(xs);
        if (scatter) f.i32Const(0).set(ks);
        for (let k = 1; k < 4; k++) {
          f.get(es[k]!).get(xs).emit(sGt);
          f.get(es[k]!).get(es[k]!).emit(sNe).get(xs).get(xs).emit(sEq).emit(Op.i32And).emit(Op.i32Or);
          f.if();
          f.get(es[k]!).set(xs);
          if (scatter) f.i32Const(k).set(ks);
          f.end();
        }
        if (!scatter) {
          f.get(pp).get(xs).mem(store, alignE, t * E);
          continue;
        }
        f.get(gp).mem(load, alignE, t * E);
        if (f32) f.f32Const(0);
        else f.f64Const(0);
        f.emit(sAdd).set(gs);
        for (let k = 0; k < 4; k++) {
          const [u, v] = [k >> 1, k & 1];
          f.get(or0);
          f.get(gs);
          if (f32) f.f32Const(0);
          else f.f64Const(0);
          f.get(ks).i32Const(k).emit(Op.i32Eq).emit(Op.select);
          f.mem(store, alignE, at + (u * w + v) * E);
        }
      }
    });
  });
  return f;
}

type RunPool = (x: number, cotangent: number, out: number) => void;

/** Instantiated kernels by kind, dtype and geometry. */
const instances = new LruCache<string, RunPool>(() => cacheLimits().kernelSources);
registerCache(() => instances.trim(), () => instances.clear());

/** Calls of the WebAssembly pooling kernels, and operands and results used in place in the kernel memory (tests read them). */
export const wasmPoolCalls = { count: 0, inPlace: 0 };

/**
 * The WebAssembly pooling kernel `run(x, second, out)` (second: the cotangent for the scatter),
 * or null when `wasmPoolTakes` says no. Throws what compiling the module throws.
 */
export function compileWasmPool(kind: PoolKind, g: PoolGeometry, dtype: string): ((x: TypedArray, second: TypedArray | undefined, out: TypedArray) => void) | null {
  if (!wasmPoolTakes(kind, g, dtype)) return null;
  const d = dtype as "float32" | "float64";
  const key = [kind, d, g.planes, g.h, g.w].join("|");
  let run = instances.get(key);
  if (run === undefined) {
    const m = new ModuleBuilder().importMemory("env", "memory", kernelMemoryLimits());
    m.addFunction(emitWasmPoolFunction(kind, g, d), "pool");
    run = instantiateModule(compileModule(m.build()), kernelImports()).exports["pool"] as RunPool;
    instances.set(key, run);
  }
  const E = d === "float32" ? 4 : 8;
  const lay = layout(kind, g, E);
  const inLength = g.planes * g.h * g.w;
  const pooled = g.planes * g.th * g.tw;
  const fn = run;
  // Recorded now, so a program grows the memory for it before it runs rather than mid-step.
  reserveScratch(lay.total);
  return (x, second, out) => {
    wasmPoolCalls.count++;
    ensureScratch(lay.total);
    const at = scratchBase();
    const view = scratchOf(d);
    const memory = kernelBuffer();
    /** Where an operand lies in the kernel memory, or where it is copied to. */
    const place = (a: TypedArray, length: number, offset: number) => {
      if (a.buffer === memory) {
        wasmPoolCalls.inPlace++;
        return a.byteOffset;
      }
      view.set(a.subarray(0, length), (at + offset) / E);
      return at + offset;
    };
    const xp = place(x, inLength, lay.x);
    const gp = kind === "max_pool_scatter" ? place(second!, pooled, lay.g) : 0;
    const inPlace = out.buffer === memory;
    fn(xp, gp, inPlace ? out.byteOffset : at + lay.out);
    if (inPlace) wasmPoolCalls.inPlace++;
    else {
      const o = (at + lay.out) / E;
      out.set(view.subarray(o, o + lay.outLength));
    }
  };
}

/** The WebAssembly pooling as the pooling kernels' accelerator (plugged in below; benchmarks unplug and replug it). */
export const wasmPoolAccelerator: PoolAccelerator = {
  compile(kind, g, dtype) {
    if (backendInUse() !== "wasm") return null;
    try {
      const run = compileWasmPool(kind, g, dtype);
      return run === null ? null : { run, source: `(wasm ${dtype === "float32" ? "f32x4" : "f64x2"} ${kind}: ${g.planes} planes of ${g.h}×${g.w}, 2×2 windows, stride 2)`, emitter: "wasm-pool" };
    } catch (err) {
      // Code-generation errors keep their meaning; an engine's refusal leaves the JS kernel.
      if (err instanceof FluxionError) throw err;
      return null;
    }
  },
};

setPoolAccelerator(wasmPoolAccelerator);
