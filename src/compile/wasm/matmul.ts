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
// Large products (`parallelTuning.minWork`) are split among worker threads (./threads/pool.ts)
// along rows or columns (`chooseSplit`): the generated functions take strip ranges, all threads
// pack the operand every chunk reads, then each thread packs its chunks' own strips of the other
// operand and computes their tiles, while the calling thread also stores finished chunks through
// the epilogue (where the store pass is WebAssembly).
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
import { type PackShape, emitPackFunction, packCounts } from "./matmul-pack.js";
import { type StoreRegion, compileWasmStore } from "./matmul-store.js";
import { type MemoryLimits, ModuleBuilder, compileModule, instantiateModule } from "./module.js";
import { threadCount } from "./threads/count.js";
import { type SplitKernel, runSplit, splitKernel } from "./threads/pool.js";

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

/** Steps of k per iteration of the micro-kernel's inner loop (benchmarks compare settings). */
export const matmulTuning = { unroll: 1 };
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
  return { mr, nv, mcStrips, unroll: spec.k >= 2 * matmulTuning.unroll ? matmulTuning.unroll : 1, kc };
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
 * The kernel function `matmul(pa, pb, pc, firstRow, endRow, firstCol, endCol)` of a plan: the
 * tiles of row strips [firstRow, endRow) and column strips [firstCol, endCol) of C[pc] (padded
 * mStrips·mr × nPadded, row major) = panel A[pa] · panel B[pb] for one batch element, all
 * offsets in bytes. Each output element is computed by the same instructions whatever range it
 * is part of, so splitting the strips among threads never changes a result.
 */
export function emitWasmMatmulFunction(plan: WasmMatmulPlan): FunctionBody {
  const { spec, tiling, elementBytes: E, lanes, mStrips, nPadded } = plan;
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

  const f = new FunctionBody([i32, i32, i32, i32, i32, i32, i32], []);
  const [pa, pb, pc, firstStrip, endStrip, firstCol, endCol] = [0, 1, 2, 3, 4, 5, 6];
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
    f.get(firstCol).set(js);
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
    f.get(js).i32Const(1).emit(Op.i32Add).tee(js).get(endCol).emit(Op.i32LtS).brIf(0);
    f.end();
    f.get(ic).i32Const(mcStrips).emit(Op.i32Add).tee(ic).get(endStrip).emit(Op.i32LtS).brIf(0);
    f.end();
  };

  // k blocks: the first starts the sums, the middle ones (a loop) and the last add to them. Partial
  // sums pass through C at full accumulator precision, so blocking never changes a result.
  const blocks = Math.ceil(k / kcMax);
  // The loops test at their ends: an empty range must not enter them.
  f.get(firstStrip).get(endStrip).emit(Op.i32GeS).get(firstCol).get(endCol).emit(Op.i32GeS).emit(Op.i32Or).if().emit(Op.return).end();
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

/** How a plan's operands are packed into its panels (A by row strips of mr, B by column strips of nr). */
export function packShapes(plan: WasmMatmulPlan): { a: PackShape; b: PackShape } {
  const { m, k, n, transposeA, transposeB } = plan.spec;
  const src = plan.spec.dtype === "float32" ? "f32" : "f64";
  const dst = plan.accumulation === "float32" ? "f32" : "f64";
  const nr = plan.tiling.nv * plan.lanes;
  return {
    a: { rows: m, depth: k, rowStride: transposeA ? 1 : k, depthStride: transposeA ? m : 1, strip: plan.tiling.mr, src, dst },
    b: { rows: n, depth: k, rowStride: transposeB ? k : 1, depthStride: transposeB ? 1 : n, strip: nr, src, dst },
  };
}

/**
 * The module of a plan: imports the kernel memory (declared as `memory` says), exports `matmul`
 * and the packs of its operands, `packA` and `packB` (./matmul-pack.ts), so that a worker thread
 * instantiating it can pack the strips it computes.
 */
export function emitWasmMatmulModule(plan: WasmMatmulPlan, memory: MemoryLimits = kernelMemoryLimits()): Uint8Array {
  const m = new ModuleBuilder().importMemory("env", "memory", memory);
  const packs = packShapes(plan);
  m.addFunction(emitWasmMatmulFunction(plan), "matmul");
  m.addFunction(emitPackFunction(packs.a), "packA");
  m.addFunction(emitPackFunction(packs.b), "packB");
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
const instances = new LruCache<string, SplitKernel>(() => cacheLimits().kernelSources);
registerCache(() => instances.trim(), () => instances.clear());

/** The instantiated functions of a plan (shared by every kernel of its shape). */
export function wasmMatmulFunctions(plan: WasmMatmulPlan): SplitKernel {
  const { spec, tiling: t } = plan;
  const key = [plan.accumulation, spec.dtype, spec.m, spec.k, spec.n, spec.transposeA, spec.transposeB, t.mr, t.nv, t.mcStrips, t.unroll, t.kc].join("|");
  let kernel = instances.get(key);
  if (kernel === undefined) {
    const module = compileModule(emitWasmMatmulModule(plan));
    const e = instantiateModule(module, kernelImports()).exports as unknown as Pick<SplitKernel, "matmul" | "packA" | "packB">;
    kernel = splitKernel(module, e);
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
 * `chunk` > 0 fixes the strips per claimed chunk (0: `chooseSplit`'s), and `axis` forces the
 * split axis ("auto": `chooseSplit`'s). `storeColumns`: columns per chunk from which a column
 * split stores chunk by chunk while the workers compute (narrower chunks are stored after the
 * job, since one call per row and chunk costs more than the overlap saves). Tests change them.
 */
export const parallelTuning: { minWork: number; chunk: number; axis: "auto" | "rows" | "columns"; storeColumns: number } = { minWork: 1 << 22, chunk: 0, axis: "auto", storeColumns: 64 };

/** How a product is split among threads (see `SplitJob` in ./threads/pool.ts). */
export interface MatmulSplit {
  readonly threads: number;
  /** 0: row strips, 1: column strips. */
  readonly axis: 0 | 1;
  /** Strips of the split axis per chunk, and of the shared operand per packing item. */
  readonly chunk: number;
  readonly packChunk: number;
}

/**
 * Chunks per thread: enough that a late worker or the store pass leaves little imbalance at the
 * end. Fewer (4) for row chunks when B's panel passes the L2, since every row chunk reads all of
 * it; more (16) for column chunks, which cost nothing in cache traffic: the kernel reads all of A
 * once per column strip whatever the chunk.
 */
const CHUNKS_PER_THREAD = 8;

/**
 * The split of one batch element of a plan on `threads` threads, or null to run it on the caller
 * (under `minWork`, or a single strip). Every chunk packs its own strips of one operand, while the
 * other operand, read by all chunks, is packed first by all threads together. Rows, unless there
 * are fewer than 4 row strips per thread and more column strips (a product with few rows, such as
 * one input's x·W). For the MLP's x·W1 (32 row strips, 32 column strips) columns would share the
 * smaller panel (A), but rows measured faster: 1.19–1.21 against 1.26–1.42 ms at float32, best
 * of 300 calls on the loaded machine. Row chunks stay within one cache block of A's rows.
 */
export function chooseSplit(plan: WasmMatmulPlan, threads: number): MatmulSplit | null {
  const { m, k, n } = plan.spec;
  if (threads < 2 || m * k * n < parallelTuning.minWork) return null;
  const { nv, mcStrips } = plan.tiling;
  const nr = nv * plan.lanes;
  const { mStrips, nStrips } = plan;
  const columns = parallelTuning.axis === "auto" ? mStrips < 4 * threads && nStrips > mStrips : parallelTuning.axis === "columns";
  const own = columns ? nStrips : mStrips;
  const shared = columns ? mStrips : nStrips;
  if (own < 2) return null;
  const t = Math.min(threads, own);
  const perThread = columns ? 2 * CHUNKS_PER_THREAD : nStrips * nr * k * plan.elementBytes > L2_BYTES ? CHUNKS_PER_THREAD / 2 : CHUNKS_PER_THREAD;
  const even = Math.ceil(own / (perThread * t));
  const chunk = parallelTuning.chunk > 0 ? parallelTuning.chunk : Math.max(1, columns ? even : Math.min(mcStrips, even));
  return { threads: t, axis: columns ? 1 : 0, chunk, packChunk: Math.max(1, Math.ceil(shared / (4 * t))) };
}

/** A compiled WebAssembly matmul with its readable description for `explain`. */
export interface WasmMatmul {
  readonly kernel: MatmulKernel;
  readonly source: string;
  readonly plan: WasmMatmulPlan;
  /** Bytes of scratch a call uses from `scratchBase()`: panels, result, staging areas. */
  readonly scratchBytes: number;
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
  const functions = wasmMatmulFunctions(plan);
  const { packA, packB } = functions;
  const kernel: MatmulKernel = (a, b, out, extras) => {
    ensureScratch(scratchBytes);
    const at = scratchBase();
    const scratch: Panel = f32 ? scratchF32() : scratchF64();
    const operands = spec.dtype === "float32" ? scratchF32() : scratchF64();
    const memory = kernelBuffer();
    const aIn = a.buffer === memory;
    const bIn = b.buffer === memory;
    const split = chooseSplit(plan, threadCount());
    const pa = at + plan.offsetA;
    const pb = at + plan.offsetB;
    // A product without an epilogue may be stored into a wider array than its dtype's (im2col
    // keeps float32 products' float64 sums in a Float64Array): the JS copy keeps them unrounded.
    const storeHere = wasmStore !== null && (epilogue !== undefined || out.BYTES_PER_ELEMENT === Es);
    // Split products store each chunk as soon as it is computed, while the workers compute others
    // (narrow column chunks: after the job, row by row).
    // The region starts with the first stored chunk: staging the epilogue's extra inputs then
    // overlaps the workers' computing.
    const byChunk = storeHere && split !== null && (split.axis === 0 || split.chunk * nr >= parallelTuning.storeColumns);
    const open: { region: StoreRegion | null } = { region: null };
    const region = () => (open.region ??= wasmStore!.begin(at + plan.offsetC, out, extras, at + storeStage));
    for (let bt = 0; bt < batch; bt++) {
      const srcA = aIn ? a.byteOffset + bt * m * k * Es : at + stageA;
      const srcB = bIn ? b.byteOffset + bt * k * n * Es : at + stageB;
      // Operands outside the kernel memory: one native copy each (on a split, while the workers wake).
      const stage = () => {
        if (aIn) packCounts.inPlace++;
        else operands.set(a.subarray(bt * m * k, (bt + 1) * m * k), (at + stageA) / Es);
        if (bIn) packCounts.inPlace++;
        else operands.set(b.subarray(bt * k * n, (bt + 1) * k * n), (at + stageB) / Es);
      };
      const pc = at + plan.offsetC + bt * plan.bytesC;
      if (split !== null) {
        const job = { axis: split.axis, srcA, srcB, pa, pb, pc, mStrips: plan.mStrips, nStrips: plan.nStrips, chunk: split.chunk, packChunk: split.packChunk };
        const done =
          !byChunk ? undefined
          : split.axis === 0 ? (first: number, end: number) => region().store(bt, first * mr, Math.min(end * mr, m), 0, n)
          : (first: number, end: number) => region().store(bt, 0, m, first * nr, Math.min(end * nr, n));
        runSplit(functions, kernelMemory(), split.threads, job, done, stage);
      } else {
        stage();
        packA(srcA, pa, 0, plan.mStrips);
        packB(srcB, pb, 0, plan.nStrips);
        functions.matmul(pa, pb, pc, 0, plan.mStrips, 0, plan.nStrips);
      }
    }
    if (open.region !== null) open.region.end();
    else if (storeHere) wasmStore.run(at + plan.offsetC, out, extras, at + storeStage);
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
  return { kernel, source: storeText, plan, scratchBytes };
}
