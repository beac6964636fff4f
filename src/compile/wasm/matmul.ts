// WebAssembly SIMD matmul kernels, generated per shape. The same GotoBLAS-like scheme as the JS
// kernel (../kernels/matmul.ts): both operands are packed into panels in the shared kernel memory
// (strips of `mr` rows of A and `nr` = `nv`·lanes columns of B, k-major, zero-padded to whole
// strips, transposes resolved while packing), and a micro-kernel keeps an mr×nr tile of
// accumulators in v128 locals over a block of k, reading two contiguous streams. k is cut into
// blocks so a block of B's strip is reused from L1, and rows into blocks of `mcStrips` strips so a
// block of A's panel stays in L2. Packing is generated WebAssembly (./matmul-pack.ts), reading an
// operand in place when it is a program buffer in the kernel memory and after one native copy
// otherwise. The padded result goes to a scratch area; a store pass copies the real region into
// the output, applying the fused epilogue (bias, activation) on the way: WebAssembly
// (./matmul-store.ts) where the epilogue's form allows, else generated JS.
// Large products (`parallelTuning.minWork`) split their row strips among worker threads
// (./threads/pool.ts): the generated function takes a strip range, and every thread runs it over
// the chunks it claims; packing and the store pass stay on the calling thread.
//
// Two accumulations:
// - "float64" (f64x2 lanes): float32 operands are widened while packing and summed in float64 in
//   k order, exactly as the JS kernel and the reference interpreter do, so results agree bit for
//   bit with them (a float32·float32 product is exact in float64, and no FMA is used).
// - "float32" (f32x4 lanes): products and sums rounded to float32 — twice the lanes, results
//   within float32 summation error of the reference (its order of additions is the same; only the
//   rounding of partial sums differs). float64 operands always use "float64".

import type { TypedArray } from "../../tensor/dtype.js";
import { compileCheckedSource } from "../codegen/emitter.js";
import { type MatmulEpilogue, type MatmulKernel, type MatmulSpec, checkedExpr } from "../kernels/matmul.js";
import { cacheLimits, registerCache } from "../limits.js";
import { LruCache } from "../lru.js";
import { FunctionBody, Op, Simd, ValType } from "./encoder.js";
import { ensureScratch, kernelBuffer, kernelImports, kernelMemory, kernelMemoryLimits, reserveScratch, scratchBase, scratchF32, scratchF64 } from "./memory.js";
import { packCounts, wasmPack } from "./matmul-pack.js";
import { compileWasmStore } from "./matmul-store.js";
import { type MemoryLimits, ModuleBuilder, compileModule, instantiateModule } from "./module.js";
import { threadCount } from "./threads/count.js";
import { type StripKernel, runStrips, stripKernel } from "./threads/pool.js";

/** How partial sums are kept (see the file comment). */
export type Accumulation = "float64" | "float32";

/** Register tile and cache blocking of one kernel. */
export interface WasmMatmulTiling {
  /** Rows of the register tile. */
  readonly mr: number;
  /** v128 vectors per tile row (`nr` = nv · lanes columns). */
  readonly nv: number;
  /** Row strips per cache block of A's panel. */
  readonly mcStrips: number;
  /** Unroll factor of the k loop. */
  readonly unroll: number;
  /** Depth of a k block (0: all of k): a block of B's strip, kc·nr elements, stays in L1. */
  readonly kc: number;
}

/** Everything a generated kernel is specialised to, with the scratch layout (byte offsets). */
export interface WasmMatmulPlan {
  readonly spec: MatmulSpec;
  readonly accumulation: Accumulation;
  readonly tiling: WasmMatmulTiling;
  /** Bytes per element of panels and result scratch (4 or 8), and lanes per v128. */
  readonly elementBytes: number;
  readonly lanes: number;
  readonly mStrips: number;
  readonly nStrips: number;
  /** Padded result row length (elements). */
  readonly nPadded: number;
  readonly offsetA: number;
  readonly offsetB: number;
  readonly offsetC: number;
  /** Bytes of the result scratch per batch element. */
  readonly bytesC: number;
  readonly totalBytes: number;
}

const L2_BYTES = 256 * 1024;
/**
 * Bytes of B's strip per k block. 16 KiB (half an L1) measured 5–10% slower than whole-k strips at
 * 1024 (32 KiB), so only deeper products are blocked.
 */
const L1_BLOCK_BYTES = 32 * 1024;

/**
 * The tiling for a shape: a 4×2-vector tile (4×8 in float32, 4×4 in float64; 6×2, 5×2, 4×3, 3×3
 * and 2×4 measured within the noise of a loaded machine, see docs/performance.md), narrowed to what the output has (one row: 1×4 vectors; few columns:
 * one vector per row); k blocks when a strip of B's panel passes 32 KiB, and row blocks so
 * a block of A's panel fits a 256 KiB L2.
 */
export function chooseWasmTiling(spec: MatmulSpec, accumulation: Accumulation): WasmMatmulTiling {
  const lanes = accumulation === "float32" ? 4 : 2;
  const bytes = accumulation === "float32" ? 4 : 8;
  let mr = 4;
  let nv = 2;
  if (spec.n <= lanes) nv = 1;
  if (spec.m === 1) {
    mr = 1;
    nv = Math.max(1, Math.min(4, Math.ceil(spec.n / lanes)));
  } else if (spec.m < mr) mr = spec.m;
  const kcFit = Math.floor(L1_BLOCK_BYTES / (nv * lanes * bytes));
  const kc = spec.k > kcFit ? kcFit : 0;
  const mcStrips = Math.max(1, Math.floor(L2_BYTES / (mr * Math.max(1, kc || spec.k) * bytes)));
  return { mr, nv, mcStrips, unroll: spec.k >= 4 ? 2 : 1, kc };
}

const align16 = (x: number) => Math.ceil(x / 16) * 16;

/** The scratch layout of a kernel. float64 operands force "float64" accumulation. */
export function planWasmMatmul(spec: MatmulSpec, accumulation: Accumulation, tiling?: WasmMatmulTiling): WasmMatmulPlan {
  const acc: Accumulation = spec.dtype === "float64" ? "float64" : accumulation;
  const t = tiling ?? chooseWasmTiling(spec, acc);
  const elementBytes = acc === "float32" ? 4 : 8;
  const lanes = 16 / elementBytes;
  const nr = t.nv * lanes;
  const mStrips = Math.ceil(spec.m / t.mr);
  const nStrips = Math.ceil(spec.n / nr);
  const nPadded = nStrips * nr;
  const offsetA = 0;
  const offsetB = align16(mStrips * t.mr * spec.k * elementBytes);
  const offsetC = offsetB + align16(nStrips * nr * spec.k * elementBytes);
  const bytesC = align16(mStrips * t.mr * nPadded * elementBytes);
  return { spec, accumulation: acc, tiling: t, elementBytes, lanes, mStrips, nStrips, nPadded, offsetA, offsetB, offsetC, bytesC, totalBytes: offsetC + spec.batch * bytesC };
}

/**
 * The kernel function `matmul(pa, pb, pc, first, end)` of a plan: row strips [first, end) of
 * C[pc] (padded mStrips·mr × nPadded, row major) = panel A[pa] · panel B[pb] for one batch
 * element, all offsets in bytes. Each output element is computed by the same instructions
 * whatever range it is part of, so splitting the strips among threads never changes a result.
 */
export function emitWasmMatmulFunction(plan: WasmMatmulPlan): FunctionBody {
  const { spec, tiling, elementBytes: E, lanes, mStrips, nStrips, nPadded } = plan;
  const { mr, nv, unroll } = tiling;
  const mcStrips = Math.min(tiling.mcStrips, mStrips);
  const nr = nv * lanes;
  const k = spec.k;
  const kcMax = tiling.kc > 0 && tiling.kc < k ? tiling.kc : k;
  const f32 = plan.accumulation === "float32";
  const splat = f32 ? Simd.v128Load32Splat : Simd.v128Load64Splat;
  const add = f32 ? Simd.f32x4Add : Simd.f64x2Add;
  const mul = f32 ? Simd.f32x4Mul : Simd.f64x2Mul;
  const alignE = f32 ? 2 : 3;
  const { i32, v128 } = ValType;

  const f = new FunctionBody([i32, i32, i32, i32, i32], []);
  const [pa, pb, pc, firstStrip, endStrip] = [0, 1, 2, 3, 4];
  const ic = f.local(i32);
  const icEnd = f.local(i32);
  const js = f.local(i32);
  const is = f.local(i32);
  const p = f.local(i32);
  const ap = f.local(i32);
  const bp = f.local(i32);
  const cp = f.local(i32);
  const acc = Array.from({ length: mr }, () => Array.from({ length: nv }, () => f.local(v128)));
  const bv = Array.from({ length: nv }, () => f.local(v128));
  const av = f.local(v128);
  const aK = f.local(i32);
  const bK = f.local(i32);
  const kb = f.local(i32);

  /** One step of k at panel offset `u` steps ahead of the pointers. */
  const step = (u: number) => {
    for (let v = 0; v < nv; v++) f.get(bp).simdMem(Simd.v128Load, 4, (u * nr + v * lanes) * E).set(bv[v]!);
    for (let r = 0; r < mr; r++) {
      f.get(ap).simdMem(splat, alignE, (u * mr + r) * E).set(av);
      for (let v = 0; v < nv; v++) f.get(acc[r]![v]!).get(av).get(bv[v]!).simd(mul).simd(add).set(acc[r]![v]!);
    }
  };
  const bump = (local: number, by: number) => f.get(local).i32Const(by).emit(Op.i32Add).set(local);

  /** All tiles over the k block of `kc` steps starting `aK`/`bK` bytes into the strips; later blocks add to C. */
  const kBlock = (kc: number, first: boolean) => {
    f.get(firstStrip).set(ic);
    f.loop(); // row blocks
    f.get(ic).i32Const(mcStrips).emit(Op.i32Add).get(endStrip).get(ic).i32Const(mcStrips).emit(Op.i32Add).get(endStrip).emit(Op.i32LtS).emit(Op.select).set(icEnd);
    f.i32Const(0).set(js);
    f.loop(); // column strips
    f.get(ic).set(is);
    f.loop(); // row strips of the block
    f.get(pa).get(is).i32Const(k * mr * E).emit(Op.i32Mul).emit(Op.i32Add).get(aK).emit(Op.i32Add).set(ap);
    f.get(pb).get(js).i32Const(k * nr * E).emit(Op.i32Mul).emit(Op.i32Add).get(bK).emit(Op.i32Add).set(bp);
    f.get(pc).get(is).i32Const(mr * nPadded * E).emit(Op.i32Mul).emit(Op.i32Add).get(js).i32Const(nr * E).emit(Op.i32Mul).emit(Op.i32Add).set(cp);
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++) {
        if (first) f.v128Zero().set(acc[r]![v]!);
        else f.get(cp).simdMem(Simd.v128Load, 4, (r * nPadded + v * lanes) * E).set(acc[r]![v]!);
      }
    }
    const full = Math.floor(kc / unroll);
    if (full > 0) {
      f.i32Const(full).set(p);
      f.loop();
      for (let u = 0; u < unroll; u++) step(u);
      bump(ap, unroll * mr * E);
      bump(bp, unroll * nr * E);
      f.get(p).i32Const(1).emit(Op.i32Sub).tee(p).brIf(0);
      f.end();
    }
    for (let u = 0; u < kc - full * unroll; u++) step(u);
    for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) f.get(cp).get(acc[r]![v]!).simdMem(Simd.v128Store, 4, (r * nPadded + v * lanes) * E);
    f.get(is).i32Const(1).emit(Op.i32Add).tee(is).get(icEnd).emit(Op.i32LtS).brIf(0);
    f.end();
    f.get(js).i32Const(1).emit(Op.i32Add).tee(js).i32Const(nStrips).emit(Op.i32LtS).brIf(0);
    f.end();
    f.get(ic).i32Const(mcStrips).emit(Op.i32Add).tee(ic).get(endStrip).emit(Op.i32LtS).brIf(0);
    f.end();
  };

  // k blocks: the first starts the sums, the middle ones (a loop) and the last add to them. Partial
  // sums pass through C at full accumulator precision, so blocking never changes a result.
  const blocks = Math.ceil(k / kcMax);
  // The loops test at their ends: an empty range must not enter them.
  f.get(firstStrip).get(endStrip).emit(Op.i32GeS).if().emit(Op.return).end();
  f.i32Const(0).set(aK).i32Const(0).set(bK);
  kBlock(Math.min(k, kcMax), true);
  if (blocks > 2) {
    f.i32Const(blocks - 2).set(kb);
    f.loop();
    bump(aK, kcMax * mr * E);
    bump(bK, kcMax * nr * E);
    kBlock(kcMax, false);
    f.get(kb).i32Const(1).emit(Op.i32Sub).tee(kb).brIf(0);
    f.end();
  }
  if (blocks > 1) {
    bump(aK, kcMax * mr * E);
    bump(bK, kcMax * nr * E);
    kBlock(k - (blocks - 1) * kcMax, false);
  }
  return f;
}

/** The module of a plan: imports the kernel memory (declared as `memory` says), exports `matmul`. */
export function emitWasmMatmulModule(plan: WasmMatmulPlan, memory: MemoryLimits = kernelMemoryLimits()): Uint8Array {
  const m = new ModuleBuilder().importMemory("env", "memory", memory);
  m.addFunction(emitWasmMatmulFunction(plan), "matmul");
  return m.build();
}

type Panel = Float32Array | Float64Array;

/** Copies the real region of the padded result scratch into `out` (rounding to its dtype). */
function copyResult(plan: WasmMatmulPlan, scratch: Panel, at: number, out: TypedArray): void {
  const { m, n, batch } = plan.spec;
  const base = at + plan.offsetC / plan.elementBytes;
  const perBatch = plan.bytesC / plan.elementBytes;
  if (plan.nPadded === n && plan.tiling.mr * plan.mStrips === m && perBatch === m * n) {
    // No padding: one native copy (converting float64 → float32 where the output is float32).
    out.set(scratch.subarray(base, base + batch * m * n));
    return;
  }
  for (let bt = 0; bt < batch; bt++) {
    for (let i = 0; i < m; i++) {
      const s = base + bt * perBatch + i * plan.nPadded;
      const o = (bt * m + i) * n;
      for (let j = 0; j < n; j++) out[o + j] = scratch[s + j]!;
    }
  }
}

type StoreKernel = (scratch: Panel, out: TypedArray, extras: readonly TypedArray[]) => void;

/** The JS pass that stores `epilogue(acc)` for every real element (checked generated source). */
export function emitStoreSource(plan: WasmMatmulPlan, epilogue: MatmulEpilogue): string {
  const { m, n, batch } = plan.spec;
  const base = plan.offsetC / plan.elementBytes;
  const perBatch = plan.bytesC / plan.elementBytes;
  const extras = Array.from({ length: epilogue.extraInputs }, (_, e) => `x${e}`);
  const index = { b: "bt", i: "ei", j: "ej", o: "eo" };
  // The statement form keeps temporaries in registers; the source is checked as a whole below.
  const body =
    epilogue.block === undefined
      ? `C[eo] = ${checkedExpr(epilogue.expr("acc", index, extras))};`
      : (({ lines, value }) => `${lines.join(" ")} C[eo] = ${value};`)(epilogue.block("acc", index, extras, (k) => `t${k}`));
  const lines = [`return function kernel(A, C, X) {`];
  extras.forEach((x, e) => lines.push(`const ${x} = X[${e}];`));
  lines.push(`for (let bt = 0; bt < ${batch}; bt++) {`);
  lines.push(`for (let i = 0; i < ${m}; i++) {`);
  lines.push(`const s = ${base} + bt * ${perBatch} + i * ${plan.nPadded}, o = (bt * ${m} + i) * ${n};`);
  lines.push(`for (let j = 0; j < ${n}; j++) { const acc = A[s + j], ei = i, ej = j, eo = o + j; ${body} }`);
  lines.push(`}`, `}`, `};`);
  return lines.join("\n");
}

/** Instantiated kernels by plan: equal shapes share one module. */
const instances = new LruCache<string, StripKernel>(() => cacheLimits().kernelSources);
registerCache(() => instances.trim(), () => instances.clear());

/** The instantiated kernel function of a plan (shared by every kernel of its shape). */
export function wasmMatmulStrips(plan: WasmMatmulPlan): StripKernel {
  const { spec, tiling: t } = plan;
  const key = [plan.accumulation, spec.m, spec.k, spec.n, t.mr, t.nv, t.mcStrips, t.unroll, t.kc].join("|");
  let kernel = instances.get(key);
  if (kernel === undefined) {
    const module = compileModule(emitWasmMatmulModule(plan));
    const instance = instantiateModule(module, kernelImports());
    kernel = stripKernel(module, instance.exports["matmul"] as StripKernel["run"]);
    instances.set(key, kernel);
  }
  return kernel;
}

/**
 * When a product is split among threads: from `minWork` multiply-adds per batch element (below
 * it, waking the workers costs more than they save; measured in docs/performance.md, "Threads").
 * 2²² (about 161³): 256³ products gained 1.41× on two threads and larger ones 1.75×, while
 * LeNet-5's dense products (64×400×120 = 3.1 M and 64×120×84 = 0.65 M, with their gradients)
 * made its step 0.95× as fast; at 2¹⁸ they were split, now they stay on the caller.
 * `chunk` > 0 fixes the row strips per claimed chunk (0: `chunkStrips`). Tests change both.
 */
export const parallelTuning = { minWork: 1 << 22, chunk: 0 };

/** Threads for one batch element of a plan now (1: the calling thread alone). */
function threadsFor(plan: WasmMatmulPlan): number {
  const { m, k, n } = plan.spec;
  if (plan.mStrips < 2 || m * k * n < parallelTuning.minWork) return 1;
  return Math.min(threadCount(), plan.mStrips);
}

/** Strips per claimed chunk: about four chunks per thread, at most one cache block of rows. */
function chunkStrips(plan: WasmMatmulPlan, threads: number): number {
  if (parallelTuning.chunk > 0) return parallelTuning.chunk;
  return Math.max(1, Math.min(plan.tiling.mcStrips, Math.ceil(plan.mStrips / (4 * threads))));
}

/** A compiled WebAssembly matmul with its readable description for `explain`. */
export interface WasmMatmul {
  readonly kernel: MatmulKernel;
  readonly source: string;
  readonly plan: WasmMatmulPlan;
}

/** Byte cap of a kernel's scratch (panels and result); larger products run the JS kernel. */
export const WASM_SCRATCH_BUDGET = 1 << 30;

/**
 * Compiles `out[b] = epilogue(op(A[b]) @ op(B[b]))` as a WebAssembly SIMD kernel, or returns null
 * when this kernel does not handle the spec (int32, an empty product or sum, scratch over budget)
 * so the caller uses the JS kernel. Throws what compiling the module throws (no WebAssembly, a
 * policy forbidding it); the backend (./backend.ts) decides whether WebAssembly is used at all.
 * `out` must not alias `a` or `b`; an extra input may alias `out` if read only at offset `o`.
 */
export function compileWasmMatmul(spec: MatmulSpec, epilogue: MatmulEpilogue | undefined, accumulation: Accumulation, tiling?: WasmMatmulTiling): WasmMatmul | null {
  if (spec.dtype !== "float32" && spec.dtype !== "float64") return null;
  const { batch, m, k, n, transposeA, transposeB } = spec;
  if (batch * m * n === 0 || k === 0) return null;
  const plan = planWasmMatmul(spec, accumulation, tiling);
  if (plan.totalBytes > WASM_SCRATCH_BUDGET || k * plan.tiling.mr * plan.elementBytes * plan.mStrips > 0x7fffffff) return null;
  const matmul = wasmMatmulStrips(plan);
  const outDtype = epilogue?.graph === undefined ? spec.dtype : epilogue.graph.graph.nodes[epilogue.graph.graph.result]!.dtype;
  const layout = { batch, m, n, nPadded: plan.nPadded, perBatch: plan.bytesC / plan.elementBytes, acc: plan.accumulation === "float32" ? "f32" : "f64", out: outDtype } as const;
  // The store pass in WebAssembly where the epilogue's form allows (./matmul-store.ts), else in JS.
  const wasmStore = epilogue === undefined ? compileWasmStore(null, [], layout) : epilogue.graph === undefined ? null : compileWasmStore(epilogue.graph.graph, epilogue.graph.inputs, layout);
  const storeSource = epilogue === undefined || wasmStore !== null ? null : emitStoreSource(plan, epilogue);
  const store: StoreKernel | null = storeSource === null ? null : (compileCheckedSource([], storeSource) as () => StoreKernel)();
  const { mr, nv } = plan.tiling;
  const nr = nv * plan.lanes;
  const E = plan.elementBytes;
  const f32 = plan.accumulation === "float32";
  const Es = spec.dtype === "float32" ? 4 : 8;
  // Operands outside the kernel memory are first copied (one native copy per batch element) to
  // staging areas after the kernel's scratch, so every operand is packed by WebAssembly.
  const stageA = align16(plan.totalBytes);
  const stageB = stageA + align16(m * k * Es);
  const storeStage = stageB + align16(k * n * Es);
  const scratchBytes = storeStage + (wasmStore?.stageBytes ?? 0);
  reserveScratch(scratchBytes);
  const panelType = f32 ? "f32" : "f64";
  const srcType = spec.dtype === "float32" ? "f32" : "f64";
  const packA = wasmPack({ rows: m, depth: k, rowStride: transposeA ? 1 : k, depthStride: transposeA ? m : 1, strip: mr, src: srcType, dst: panelType });
  const packB = wasmPack({ rows: n, depth: k, rowStride: transposeB ? k : 1, depthStride: transposeB ? 1 : n, strip: nr, src: srcType, dst: panelType });
  const kernel: MatmulKernel = (a, b, out, extras) => {
    ensureScratch(scratchBytes);
    const at = scratchBase();
    const scratch: Panel = f32 ? scratchF32() : scratchF64();
    const operands = spec.dtype === "float32" ? scratchF32() : scratchF64();
    const memory = kernelBuffer();
    const aIn = a.buffer === memory;
    const bIn = b.buffer === memory;
    const threads = threadsFor(plan);
    const chunk = chunkStrips(plan, threads);
    const pa = at + plan.offsetA;
    const pb = at + plan.offsetB;
    for (let bt = 0; bt < batch; bt++) {
      if (aIn) {
        packA(a.byteOffset + bt * m * k * Es, pa);
        packCounts.inPlace++;
      } else {
        operands.set(a.subarray(bt * m * k, (bt + 1) * m * k), (at + stageA) / Es);
        packA(at + stageA, pa);
      }
      if (bIn) {
        packB(b.byteOffset + bt * k * n * Es, pb);
        packCounts.inPlace++;
      } else {
        operands.set(b.subarray(bt * k * n, (bt + 1) * k * n), (at + stageB) / Es);
        packB(at + stageB, pb);
      }
      const pc = at + plan.offsetC + bt * plan.bytesC;
      if (threads > 1) runStrips(matmul, kernelMemory(), threads, pa, pb, pc, plan.mStrips, chunk);
      else matmul.run(pa, pb, pc, 0, plan.mStrips);
    }
    // A product without an epilogue may be stored into a wider array than its dtype's (im2col
    // keeps float32 products' float64 sums in a Float64Array): the JS copy keeps them unrounded.
    if (wasmStore !== null && (epilogue !== undefined || out.BYTES_PER_ELEMENT === Es)) wasmStore.run(at + plan.offsetC, out, extras, at + storeStage);
    else if (store === null) copyResult(plan, scratch, at / E, out);
    // The generated pass addresses scratch from 0: give it the view from where scratch starts.
    else store(at === 0 ? scratch : scratch.subarray(at / E), out, extras);
  };
  const t = plan.tiling;
  const description = [
    `(wasm ${f32 ? "f32x4" : "f64x2"} matmul: batch ${batch}, ${m}×${k} @ ${k}×${n}${transposeA ? ", A transposed" : ""}${transposeB ? ", B transposed" : ""};`,
    ` tile ${t.mr}×${nr}, ${t.mcStrips} row strips per block, k blocks of ${t.kc || k}, unrolled ×${t.unroll}, ${plan.accumulation} accumulation)`,
  ].join("");
  const storeText = wasmStore !== null ? `${description}\n(store pass in WebAssembly: ${epilogue === undefined ? "the result" : "the epilogue"} row by row into the output)` : storeSource === null ? description : `${description}\n${storeSource}`;
  return { kernel, source: storeText, plan };
}
