// The machine's measured single-thread limits, the yardstick docs/performance.md holds every
// benchmark against:
//
// - arithmetic peaks: WebAssembly SIMD f32x4 and f64x2 multiply + add, and scalar JS double
//   multiply + add. Each runs CHAINS independent accumulator chains `acc = acc·m + c` (m = c =
//   0.5, so every value converges to 1: no overflow, no denormals) with no memory access, enough
//   chains to hide the multiply and add latencies. There is no fused multiply-add in WebAssembly
//   SIMD (relaxed SIMD is not assumed), so a multiply and an add are two instructions, as in every
//   kernel of ours;
// - memory bandwidth: copying a large Float32Array (`set`, a memcpy; read + write bytes counted),
//   and reading one with WebAssembly SIMD loads (eight accumulators), at a size far beyond the
//   caches and at 4 MiB (the elementwise chain's working set, which may stay in L3).
//
// The peak modules are generated with our own encoder (src/compile/wasm). Each figure is the best
// of several windows: a peak is what the machine can do, not what it did on average.
//
//   npm run bench:peak [-- --quick]
//
// With an engine that offers relaxed SIMD (Node 20: `node --experimental-wasm-relaxed-simd
// --import tsx bench/peak.ts`; on by default from V8 11.4, i.e. Node 22 and Chrome 114) it also
// prints the f32x4 peak with `f32x4.relaxed_madd` (a fused multiply-add where the hardware has
// one), the ceiling a relaxed-SIMD matmul could approach.

import { pathToFileURL } from "node:url";
import { FunctionBody, Op, Simd, ValType } from "../src/compile/wasm/encoder.js";
import { webAssembly } from "../src/compile/wasm/api.js";
import { ModuleBuilder, compileModule, instantiateModule } from "../src/compile/wasm/module.js";

/** Independent accumulator chains per peak loop: 12 v128 accumulators + 2 constants fit x64's 16 vector registers. */
export const CHAINS = 12;
/** Loop body repeats per iteration (amortises the counter and branch). */
const UNROLL = 4;

export interface Peaks {
  /** GFLOP/s of WebAssembly f32x4 mul + add, one thread */
  readonly wasmF32x4Gflops: number;
  /** GFLOP/s of WebAssembly f64x2 mul + add, one thread */
  readonly wasmF64x2Gflops: number;
  /** GFLOP/s of scalar JS double mul + add, one thread */
  readonly jsScalarGflops: number;
  /** GB/s of Float32Array.set over `bigBytes` (bytes read + bytes written) */
  readonly copyGBs: number;
  /** GB/s of a WebAssembly SIMD sum over `bigBytes` */
  readonly readGBs: number;
  /** the same two at 4 MiB (cache-resident on most machines) */
  readonly copy4MiBGBs: number;
  readonly read4MiBGBs: number;
  /** size of the large buffers, bytes */
  readonly bigBytes: number;
}

type Lanes = "f32x4" | "f64x2";

/** `f32x4.relaxed_madd` (a·b + c, fused or not as the hardware chooses): relaxed SIMD opcode 0x105. */
const F32X4_RELAXED_MADD = 0x105;

/**
 * A module exporting `peak(iterations) → f64`: CHAINS chains of acc·m + c, UNROLL times per
 * iteration, returning the sum of lane 0 of every accumulator (so nothing is dead code).
 */
export function peakModule(lanes: Lanes, relaxedMadd = false): Uint8Array {
  const f32 = lanes === "f32x4";
  const f = new FunctionBody([ValType.i32], [ValType.f64]);
  const iterations = 0;
  const accs = Array.from({ length: CHAINS }, () => f.local(ValType.v128));
  const m = f.local(ValType.v128);
  const c = f.local(ValType.v128);
  const total = f.local(ValType.f64);
  const splat = (v: number) => (f32 ? f.f32Const(v).simd(Simd.f32x4Splat) : f.f64Const(v).simd(Simd.f64x2Splat));
  splat(0.5).set(m);
  splat(0.5).set(c);
  accs.forEach((a, i) => splat(1 + i / 64).set(a));
  f.block().loop();
  for (let u = 0; u < UNROLL; u++) {
    for (const a of accs) {
      if (relaxedMadd && f32) {
        f.get(a).get(m).get(c).simd(F32X4_RELAXED_MADD).set(a);
        continue;
      }
      f.get(a).get(m).simd(f32 ? Simd.f32x4Mul : Simd.f64x2Mul);
      f.get(c).simd(f32 ? Simd.f32x4Add : Simd.f64x2Add).set(a);
    }
  }
  f.get(iterations).i32Const(1).emit(Op.i32Sub).tee(iterations).brIf(0);
  f.end().end();
  f.f64Const(0).set(total);
  for (const a of accs) {
    f.get(total).get(a);
    if (f32) f.simdLane(Simd.f32x4ExtractLane, 0).emit(Op.f64PromoteF32);
    else f.simdLane(Simd.f64x2ExtractLane, 0);
    f.emit(Op.f64Add).set(total);
  }
  f.get(total);
  const module = new ModuleBuilder();
  module.addFunction(f, "peak");
  return module.build();
}

/**
 * A module with its own memory exporting `sum(bytes) → f32`: the sum of the first `bytes` bytes
 * as float32, read 128 bytes per iteration into eight f32x4 accumulators (`bytes` a multiple of 128,
 * at least 128).
 */
export function readModule(pages: number): Uint8Array {
  const f = new FunctionBody([ValType.i32], [ValType.f32]);
  const bytes = 0;
  const p = f.local(ValType.i32);
  const accs = Array.from({ length: 8 }, () => f.local(ValType.v128));
  for (const a of accs) f.v128Zero().set(a);
  f.block().loop();
  accs.forEach((a, i) => f.get(a).get(p).simdMem(Simd.v128Load, 4, 16 * i).simd(Simd.f32x4Add).set(a));
  f.get(p).i32Const(128).emit(Op.i32Add).tee(p).get(bytes).emit(Op.i32LtU).brIf(0);
  f.end().end();
  for (let i = 1; i < accs.length; i++) f.get(accs[0]!).get(accs[i]!).simd(Simd.f32x4Add).set(accs[0]!);
  f.get(accs[0]!).simdLane(Simd.f32x4ExtractLane, 0);
  for (let lane = 1; lane < 4; lane++) f.get(accs[0]!).simdLane(Simd.f32x4ExtractLane, lane).emit(Op.f32Add);
  const m = new ModuleBuilder().defineMemory({ initial: pages, maximum: pages });
  m.addFunction(f, "sum");
  return m.build();
}

/** Best (largest) rate over `windows` windows of ≥ `ms` milliseconds each; `work(n)` does n units and rate is units/s. */
function bestRate(work: (n: number) => void, unitsPerCall: number, windows: number, ms: number): number {
  // Warm up long enough for V8 to tier the code up (WebAssembly starts in its baseline compiler).
  const warm = performance.now();
  do work(1);
  while (performance.now() - warm < Math.max(ms, 150));
  let best = 0;
  for (let w = 0; w < windows; w++) {
    let calls = 0;
    const t0 = performance.now();
    do {
      work(1);
      calls++;
    } while (performance.now() - t0 < ms);
    best = Math.max(best, (calls * unitsPerCall) / ((performance.now() - t0) / 1000));
  }
  return best;
}

function wasmPeakGflops(lanes: Lanes, windows: number, ms: number, relaxedMadd = false): number {
  const peak = instantiateModule(compileModule(peakModule(lanes, relaxedMadd))).exports.peak as (n: number) => number;
  const iterations = 1 << 16;
  const flopsPerIteration = UNROLL * CHAINS * 2 * (lanes === "f32x4" ? 4 : 2);
  if (!Number.isFinite(peak(16))) throw new Error(`peak: ${lanes} chains did not stay finite`);
  return bestRate(() => peak(iterations), iterations * flopsPerIteration, windows, ms) / 1e9;
}

/** The scalar JS counterpart: twelve local doubles, acc·0.5 + 0.5 each, four times per iteration. */
function jsScalarChains(iterations: number): number {
  let a0 = 1, a1 = 1.01, a2 = 1.02, a3 = 1.03, a4 = 1.04, a5 = 1.05, a6 = 1.06, a7 = 1.07, a8 = 1.08, a9 = 1.09, a10 = 1.1, a11 = 1.11;
  const m = 0.5, c = 0.5;
  for (let i = 0; i < iterations; i++) {
    for (let u = 0; u < 4; u++) {
      a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
      a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
      a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
    }
  }
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
}

/** GB/s of `dst.set(src)` over `bytes`-sized Float32Arrays (read + write). */
function copyGBs(bytes: number, windows: number, ms: number): number {
  const src = new Float32Array(bytes / 4).fill(1);
  const dst = new Float32Array(bytes / 4);
  return bestRate(() => dst.set(src), 2 * bytes, windows, ms) / 1e9;
}

/** GB/s of the WebAssembly SIMD sum over `bytes` bytes of its memory. */
function readGBs(bytes: number, windows: number, ms: number): number {
  const pages = Math.ceil(bytes / 65536);
  const instance = instantiateModule(compileModule(readModule(pages)));
  const memory = instance.exports.memory as { buffer: ArrayBuffer };
  new Float32Array(memory.buffer, 0, bytes / 4).fill(0.25);
  const sum = instance.exports.sum as (n: number) => number;
  // bytes/4 floats of 0.25; every partial sum is a multiple of 0.25 below 2²², exact in float32.
  const got = sum(bytes);
  if (got !== bytes / 16) throw new Error(`peak: the read loop summed ${got}, expected ${bytes / 16}`);
  return bestRate(() => sum(bytes), bytes, windows, ms) / 1e9;
}

/** Measures every peak; `quick` takes fewer, shorter windows and a smaller large buffer. */
export function measurePeaks(quick = false): Peaks {
  const windows = quick ? 2 : 5;
  const ms = quick ? 50 : 300;
  const bigBytes = quick ? 16 << 20 : 256 << 20;
  const jsIterations = 1 << 16;
  if (!Number.isFinite(jsScalarChains(16))) throw new Error("peak: the JS chains did not stay finite");
  return {
    wasmF32x4Gflops: wasmPeakGflops("f32x4", windows, ms),
    wasmF64x2Gflops: wasmPeakGflops("f64x2", windows, ms),
    jsScalarGflops: bestRate(() => jsScalarChains(jsIterations), jsIterations * 4 * 12 * 2, windows, ms) / 1e9,
    copyGBs: copyGBs(bigBytes, windows, ms),
    readGBs: readGBs(bigBytes, windows, ms),
    copy4MiBGBs: copyGBs(4 << 20, windows, ms),
    read4MiBGBs: readGBs(4 << 20, windows, ms),
    bigBytes,
  };
}

/** GFLOP/s of f32x4 `relaxed_madd` chains (2 flops per lane), or null where the engine has no relaxed SIMD. */
export function relaxedMaddPeakGflops(quick = false): number | null {
  if (webAssembly()?.validate(peakModule("f32x4", true)) !== true) return null;
  return wasmPeakGflops("f32x4", quick ? 2 : 5, quick ? 50 : 300, true);
}

/** The larger of two measurements of every figure. */
export function bestPeaks(a: Peaks, b: Peaks): Peaks {
  const out: Record<string, number> = {};
  for (const k of Object.keys(a) as (keyof Peaks)[]) out[k] = Math.max(a[k], b[k]);
  return out as unknown as Peaks;
}

/** The peaks as printed lines. */
export function formatPeaks(p: Peaks): string {
  const mib = p.bigBytes >> 20;
  return [
    `WebAssembly f32x4 mul+add   ${p.wasmF32x4Gflops.toFixed(1).padStart(7)} GFLOP/s`,
    `WebAssembly f64x2 mul+add   ${p.wasmF64x2Gflops.toFixed(1).padStart(7)} GFLOP/s`,
    `JS scalar double mul+add    ${p.jsScalarGflops.toFixed(1).padStart(7)} GFLOP/s`,
    `copy ${mib} MiB (Float32Array.set) ${p.copyGBs.toFixed(1).padStart(7)} GB/s (read + write)`,
    `read ${mib} MiB (wasm SIMD sum)    ${p.readGBs.toFixed(1).padStart(7)} GB/s`,
    `copy 4 MiB                  ${p.copy4MiBGBs.toFixed(1).padStart(7)} GB/s (read + write)`,
    `read 4 MiB                  ${p.read4MiBGBs.toFixed(1).padStart(7)} GB/s`,
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log("# single-thread peaks (best window)");
  const quick = process.argv.includes("--quick");
  console.log(formatPeaks(measurePeaks(quick)));
  const fused = relaxedMaddPeakGflops(quick);
  console.log(fused === null ? "f32x4 relaxed_madd: not offered by this engine (Node 20: --experimental-wasm-relaxed-simd)" : `WebAssembly f32x4 relaxed_madd ${fused.toFixed(1).padStart(4)} GFLOP/s (relaxed SIMD)`);
}
