// jit's WebAssembly reduction kernel: a fused `reduce` kernel (lower.ts) — an elementwise
// prologue feeding reduce_sum/prod/max/min, and an elementwise epilogue over the results — run
// in the kernel memory in three steps:
//  1. the prologue's operands are copied in so that the values the reduction reads form one
//     row-major block, in one of two layouts: "columns" ([reduced, outputs], when the last axis
//     is kept: a bias gradient's sum over the batch needs no moving) or "rows" ([outputs,
//     reduced], when the last axis is reduced: softmax, cross-entropy, a mean over features).
//     Other axis orders are gathered into the layout as they are copied. The prologue then runs
//     as the WebAssembly elementwise loop (./elementwise.ts) over the block; a bare load skips it.
//  2. the reduction loop (./reduce.ts) combines each output's values in the reference's
//     row-major order, bit for bit: by columns with SIMD lanes over the outputs, by rows with
//     several outputs' scalar chains side by side. Never one output's sum split among lanes.
//  3. the epilogue runs as the elementwise loop over the outputs, reading the reduced values
//     where they are; the result is copied out.
// Steps 1 and 2 go chunk by chunk (CHUNK_BYTES), so copies and prologue values stay in the cache.
// The JS kernel keeps what the elementwise renderer declines (library calls, ToInt32),
// multi-layer index views, bool data, reductions below WASM_REDUCE_MIN_SIZE elements, and
// everything under `setBackend("js")`.

import type { DType, TypedArray } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";
import { FluxionError } from "../../errors.js";
import type { Aval } from "../../ir/var.js";
import { reduceMaxPrim, reduceMinPrim, reduceProdPrim, reduceSumPrim } from "../../prims/reduce.js";
import type { CompiledKernel } from "../codegen/emitter.js";
import { relayoutLoads } from "../codegen/graph.js";
import { cacheLimits, registerCache } from "../limits.js";
import type { ExprGraph, ExprNode, KernelSpec } from "../lower.js";
import { LruCache } from "../lru.js";
import { type StridedLayer, identityChain } from "../views.js";
import { backendInUse } from "./backend.js";
import { ELEMENT_BYTES, renderWasmElementwise } from "./elementwise.js";
import { type LoopOperand, type WasmLoopPlan, gatherInto, listScalar, planWasmLoop } from "./elementwise-kernel.js";
import { ensureScratch, kernelImports, kernelMemoryLimits, reserveScratch, scratchBase, scratchOf } from "./memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";
import { type Combiner, ROW_GROUP, type ReduceDType, accumulatorBytes, renderWasmReduce, renderWasmReduceRows } from "./reduce.js";

type ReduceSpec = Extract<KernelSpec, { kind: "reduce" }>;

/**
 * Input elements from which the WebAssembly reduction by columns (the last axis kept) replaces the
 * JS kernel. Measured (CPU time, JS / wasm, jitted sums interleaved in one process): 0.92 at 256
 * elements, 1.02–1.07 at 512–1024, 1.31 at 2048, 3.6 on a [128, 256] bias gradient; narrow blocks
 * win too ([4096, k] for k = 1–4: 1.6–2.7, the JS kernel's accumulator row is slow there).
 */
export const WASM_REDUCE_MIN_SIZE = 1024;

/**
 * Input elements from which the WebAssembly reduction by rows (the last axis reduced) replaces
 * the JS kernel, whose inner loop is one chain of adds too and fast. Measured as above: 0.85–0.98
 * up to 2048 elements, about 1.0 at 1280–5120 in rows of 10, 1.1–1.3 from 4096 to 16K, 1.4–1.8
 * beyond (rows of 64 to 4096).
 */
export const WASM_REDUCE_ROWS_MIN_SIZE = 4096;

/**
 * Outputs from which the reduction by rows is taken: fewer leave its side-by-side chains empty,
 * and one output (a full sum) is a single chain in either language: measured 0.74–0.91 for full
 * sums of 4K to 1M floats (the copies are extra), 0.88–0.92 for two or three rows.
 */
export const WASM_REDUCE_MIN_ROWS = 4;

/** Byte cap of the kernel's scratch; larger reductions run the JS kernel. */
export const WASM_REDUCE_SCRATCH_BUDGET = 1 << 30;

/** Bytes of operand rows and prologue values the kernel handles at a time (they stay in the cache). */
const CHUNK_BYTES = 1 << 17;

/** A reduce spec in the WebAssembly kernel's terms. */
export interface WasmReducePlan {
  readonly combiner: Combiner;
  readonly dtype: ReduceDType;
  /**
   * How the prologue's values are laid out for the reduction loop: "columns" as [reduced, outputs]
   * (SIMD lanes over the outputs: the last axis is kept), "rows" as [outputs, reduced] (each
   * output's values a contiguous row: the last axis is reduced).
   */
  readonly layout: "columns" | "rows";
  /** Reduced elements per output. */
  readonly rows: number;
  /** Outputs. */
  readonly cols: number;
  /** The prologue over the block in `layout`'s order (operands gathered into that order). */
  readonly prologue: WasmLoopPlan;
  /** The epilogue over the outputs; its operands of input `accInput` are the reduced values. Null when the result is the reduced values. */
  readonly epilogue: WasmLoopPlan | null;
  readonly accInput: number;
  readonly out: DType;
}

/** Which reduction a spec is, by its combining step (the primitive's own function). */
function combinerOf(spec: ReduceSpec): Combiner | null {
  const table = [["sum", reduceSumPrim], ["prod", reduceProdPrim], ["max", reduceMaxPrim], ["min", reduceMinPrim]] as const;
  for (const [name, prim] of table) {
    const l = prim.lowering;
    if (l.kind === "reduce" && l.combine === spec.combine) return name;
  }
  return null;
}

function loopSpec(graph: ExprGraph, inputs: ReduceSpec["inputs"], out: Aval): Extract<KernelSpec, { kind: "loop" }> {
  return { kind: "loop", inputs, out, graph };
}

/** The prologue with the reduced axes moved outward (`perm`: new axis → old), or null for a multi-layer view. */
function permutedPrologue(g: ExprGraph, perm: readonly number[]): ExprGraph | null {
  const permuted = (top: StridedLayer): StridedLayer => ({ shape: perm.map((d) => top.shape[d]!), strides: perm.map((d) => top.strides[d]!), offset: top.offset });
  return relayoutLoads(g, perm.map((d) => g.shape[d]!), permuted);
}

/** The epilogue with its `acc` node read as input `accInput` (a contiguous array of the outputs). */
function epilogueOverAcc(g: ExprGraph, accInput: number): ExprGraph {
  const nodes = g.nodes.map((n): ExprNode => (n.kind === "acc" ? { kind: "load", input: accInput, chain: identityChain(g.shape), dtype: n.dtype } : n));
  return { shape: g.shape, nodes, result: g.result };
}

/** The plan of a reduce spec, or null where the kernel does not apply (see the file comment). */
export function planWasmReduce(spec: ReduceSpec): WasmReducePlan | null {
  const combiner = combinerOf(spec);
  const pro = spec.prologue;
  const dtype = pro.nodes[pro.result]!.dtype;
  if (combiner === null || (dtype !== "float32" && dtype !== "float64" && dtype !== "int32")) return null;
  const shape = pro.shape;
  const kept = shape.map((_, d) => d).filter((d) => !spec.axes.includes(d));
  const layout = shape.length > 0 && spec.axes.includes(shape.length - 1) ? "rows" : "columns";
  const perm = layout === "rows" ? [...kept, ...spec.axes] : [...spec.axes, ...kept];
  const permuted = permutedPrologue(pro, perm);
  if (permuted === null) return null;
  const prologue = planWasmLoop(loopSpec(permuted, spec.inputs, { shape: permuted.shape, dtype }));
  if (prologue === null) return null;
  const accInput = spec.inputs.length;
  const epi = spec.epilogue;
  const bare = epi.nodes[epi.result]!.kind === "acc";
  const epilogue = bare ? null : planWasmLoop(loopSpec(epilogueOverAcc(epi, accInput), spec.inputs, spec.out));
  if (!bare && epilogue === null) return null;
  const cols = sizeOf(kept.map((d) => shape[d]!));
  return { combiner, dtype, layout, rows: cols === 0 ? 0 : sizeOf(shape) / cols, cols, prologue, epilogue, accInput, out: spec.out.dtype };
}

/** Whether the prologue is a bare load of one run: the reduction reads the copied operand itself. */
function bareLoad(p: WasmLoopPlan): boolean {
  return p.root.kind === "arg" && !p.operands[p.root.index]!.scalar;
}

type Fn = (...args: number[]) => void;
interface ReduceModule {
  readonly prologue: Fn | undefined;
  readonly reduce: Fn;
  readonly epilogue: Fn | undefined;
}

const planKey = (p: WasmLoopPlan) => `${p.out}|${p.operands.map((o) => `${o.dtype}${o.scalar ? "s" : ""}`).join(",")}|${listScalar(p.root)}`;

/** Instantiated modules by combiner, dtype, prologue and epilogue (equal reductions share one). */
const modules = new LruCache<string, ReduceModule>(() => cacheLimits().kernelSources);
registerCache(() => modules.trim(), () => modules.clear());

function reduceModule(plan: WasmReducePlan): ReduceModule | null {
  const pro = bareLoad(plan.prologue) ? null : plan.prologue;
  const key = `${plan.layout}|${plan.combiner}|${plan.dtype}|${pro === null ? "bare" : planKey(pro)}|${plan.epilogue === null ? "acc" : planKey(plan.epilogue)}`;
  let made = modules.get(key);
  if (made !== undefined) return made;
  const m = new ModuleBuilder().importMemory("env", "memory", kernelMemoryLimits());
  m.addFunction(plan.layout === "rows" ? renderWasmReduceRows(plan.combiner, plan.dtype) : renderWasmReduce(plan.combiner, plan.dtype), "reduce");
  for (const [name, p] of [["prologue", pro], ["epilogue", plan.epilogue]] as const) {
    if (p === null) continue;
    const body = renderWasmElementwise(p.root, p.operands, p.out);
    if (body === null) return null;
    m.addFunction(body, name);
  }
  try {
    const exports = instantiateModule(compileModule(m.build()), kernelImports()).exports;
    made = { prologue: exports["prologue"] as Fn | undefined, reduce: exports["reduce"] as Fn, epilogue: exports["epilogue"] as Fn | undefined };
  } catch (err) {
    // An engine's refusal (a CompileError, a size limit) leaves the JS kernel in place.
    if (err instanceof FluxionError) throw err;
    return null;
  }
  modules.set(key, made);
  return made;
}

const align = (b: number) => Math.ceil(b / 16) * 16;

/** Byte places of the epilogue's operands from `start`; those of input `accInput` are `reducedAt` (the reduced values). */
function placeEpilogue(p: WasmLoopPlan, start: number, accInput: number, reducedAt: number): { places: number[]; end: number } {
  const places: number[] = [];
  let end = start;
  for (const o of p.operands) {
    if (o.input === accInput) {
      places.push(reducedAt);
      continue;
    }
    places.push(end);
    end = align(end + (o.scalar ? 1 : p.size) * ELEMENT_BYTES[o.dtype]);
  }
  return { places, end };
}

/** Copies operand `o` of a plan (`count` elements from element `from` of its run) to byte `at` of the kernel memory. */
function copyOperand(o: LoopOperand, ins: readonly TypedArray[], at: number, from: number, count: number): void {
  const view = scratchOf(o.dtype);
  const first = at / ELEMENT_BYTES[o.dtype];
  if (o.gather !== undefined) gatherInto(view, first, ins[o.input]!, o.offset, o.gather.dims, o.gather.strides);
  else view.set(ins[o.input]!.subarray(o.offset + from, o.offset + from + count), first);
}

/** The identity the accumulators start from (int32 max/min: the extreme int32, which any element replaces or equals). */
function startValue(c: Combiner, dtype: ReduceDType): number {
  if (c === "sum") return 0;
  if (c === "prod") return 1;
  if (dtype === "int32") return c === "max" ? -(2 ** 31) : 2 ** 31 - 1;
  return c === "max" ? -Infinity : Infinity;
}

/**
 * The compiled kernel of a plan, or null where a renderer or the engine declines or the scratch
 * would exceed the budget. The rows are taken in chunks of about CHUNK_BYTES: each chunk's
 * operand rows are copied in, the prologue runs over them and the reduction loop combines them,
 * so the copies and the prologue's values stay in the cache. Gathered operands (a transpose, a
 * broadcast) are copied whole first; one-value operands once.
 */
export function compileWasmReduce(plan: WasmReducePlan): CompiledKernel | null {
  const fns = reduceModule(plan);
  if (fns === null) return null;
  const { rows, cols, dtype, combiner, prologue } = plan;
  const byRows = plan.layout === "rows";
  // The block is [outer, inner]; chunks are ranges of the outer index.
  const [outer, inner] = byRows ? [cols, rows] : [rows, cols];
  const eb = ELEMENT_BYTES[dtype];
  const ab = accumulatorBytes(dtype);
  const bare = bareLoad(prologue);
  const ops = prologue.operands;
  const chunked = (o: LoopOperand) => !o.scalar && o.gather === undefined;
  // Bytes per outer index of what a chunk holds: its operands' part and the prologue's values.
  const lineBytes = inner * (ops.reduce((sum, o) => sum + (chunked(o) ? ELEMENT_BYTES[o.dtype] : 0), 0) + (bare ? 0 : eb));
  // By rows, at least ROW_GROUP rows per chunk, so long rows still run side by side.
  const chunk = Math.max(byRows ? ROW_GROUP : 1, Math.min(outer, Math.floor(CHUNK_BYTES / Math.max(1, lineBytes))));
  // Scratch: the prologue's operands (chunks, whole gathers, single values), the prologue's values
  // for a chunk (unless a bare load), the accumulators (by columns), the reduced values in their
  // dtype, the epilogue's operands and result.
  const places: number[] = [];
  let end = 0;
  for (const o of ops) {
    places.push(end);
    end = align(end + (o.scalar ? 1 : chunked(o) ? chunk * inner : rows * cols) * ELEMENT_BYTES[o.dtype]);
  }
  const rootOperand = bare ? (prologue.root as { index: number }).index : -1;
  const valuesAt = bare ? places[rootOperand]! : end;
  if (!bare) end = align(end + chunk * inner * eb);
  const accAt = end;
  if (!byRows) end = align(end + cols * ab);
  const reducedAt = dtype === "float32" || byRows ? end : accAt;
  if (reducedAt === end) end = align(end + cols * eb);
  const epi = plan.epilogue === null ? null : placeEpilogue(plan.epilogue, end, plan.accInput, reducedAt);
  const outAt = epi === null ? reducedAt : epi.end;
  end = epi === null ? end : align(epi.end + cols * ELEMENT_BYTES[plan.out]);
  if (end > WASM_REDUCE_SCRATCH_BUDGET) return null;
  const start = startValue(combiner, dtype);
  const accView = dtype === "int32" ? "int32" : "float64";
  const outDtype = plan.out;
  // Argument lists reused by every call (kernels run one at a time): operand addresses, then the
  // result's address and the element count.
  const proArgs = new Array<number>(ops.length + 2).fill(0);
  const epiOps = plan.epilogue?.operands ?? [];
  const epiArgs = new Array<number>(epiOps.length + 2).fill(0);
  // Recorded now, so a program grows the memory for it before it runs rather than mid-step.
  reserveScratch(end);
  const kernel = (ins: readonly TypedArray[], out: TypedArray) => {
    ensureScratch(end);
    const base = scratchBase();
    for (let k = 0; k < ops.length; k++) {
      const o = ops[k]!;
      if (!chunked(o)) copyOperand(o, ins, base + places[k]!, 0, o.scalar ? 1 : rows * cols);
    }
    if (!byRows) {
      const first = (base + accAt) / ab;
      scratchOf(accView).fill(start, first, first + cols);
    }
    for (let c0 = 0; c0 < outer; c0 += chunk) {
      const n = Math.min(chunk, outer - c0);
      for (let k = 0; k < ops.length; k++) {
        const o = ops[k]!;
        if (chunked(o)) copyOperand(o, ins, base + places[k]!, c0 * inner, n * inner);
        proArgs[k] = base + places[k]! + (chunked(o) || o.scalar ? 0 : c0 * inner * ELEMENT_BYTES[o.dtype]);
      }
      proArgs[ops.length] = base + valuesAt;
      proArgs[ops.length + 1] = n * inner;
      if (!bare) fns.prologue!.apply(null, proArgs);
      const src = bare ? proArgs[rootOperand]! : base + valuesAt;
      if (byRows) fns.reduce(src, base + reducedAt + c0 * eb, n, inner);
      else fns.reduce(src, base + accAt, base + reducedAt, n, cols, n, 0);
    }
    if (!byRows) fns.reduce(0, base + accAt, base + reducedAt, 0, cols, 1, 1);
    if (epi !== null) {
      for (let k = 0; k < epiOps.length; k++) {
        const o = epiOps[k]!;
        if (o.input !== plan.accInput) copyOperand(o, ins, base + epi.places[k]!, 0, o.scalar ? 1 : cols);
        epiArgs[k] = base + epi.places[k]!;
      }
      epiArgs[epiOps.length] = base + outAt;
      epiArgs[epiOps.length + 1] = cols;
      fns.epilogue!.apply(null, epiArgs);
    }
    const at = (base + outAt) / ELEMENT_BYTES[outDtype];
    out.set(scratchOf(outDtype).subarray(at, at + cols));
  };
  const text = (p: WasmLoopPlan, skip: number) =>
    p.operands.map((o, k) => (o.input === skip ? `in${k} = the reduced values` : `in${k} = kernel input ${o.input}${o.scalar ? " (one value)" : o.gather !== undefined ? `, gathered over [${o.gather.dims.join(", ")}] with strides [${o.gather.strides.join(", ")}]` : ""}: ${o.dtype}`)).concat(listScalar(p.root));
  const acc = accView === "float64" ? "f64" : "i32";
  const how = byRows
    ? `${combiner} of ${cols} rows of ${rows} ${dtype} values, ${chunk} rows at a time, rows side by side with one ${acc} accumulator each; operands copied into the kernel memory, reduced axes innermost`
    : `${combiner} down ${rows} rows × ${cols} columns of ${dtype} in chunks of ${chunk} rows, SIMD lanes over the columns, ${acc} accumulators; operands copied into the kernel memory, reduced axes outermost`;
  const source = [
    `(wasm reduction: ${how})`,
    `prologue${bare ? " (a bare load)" : ""}:`,
    ...text(prologue, -1),
    ...(plan.epilogue === null ? ["epilogue: none"] : ["epilogue:", ...text(plan.epilogue, plan.accInput)]),
  ].join("\n");
  return { run: kernel, source, emitter: byRows ? "wasm-reduce-rows" : "wasm-reduce-simd" };
}

/** Whether the WebAssembly reduction is taken for an input of `shape` reduced over `axes` (the thresholds above). */
export function wasmReducePays(shape: readonly number[], axes: readonly number[]): boolean {
  const size = sizeOf(shape);
  const byRows = shape.length > 0 && axes.includes(shape.length - 1);
  if (!byRows) return size >= WASM_REDUCE_MIN_SIZE;
  const outputs = sizeOf(shape.filter((_, d) => !axes.includes(d)));
  return size >= WASM_REDUCE_ROWS_MIN_SIZE && outputs >= WASM_REDUCE_MIN_ROWS;
}

/** The WebAssembly reduction for `spec` under the "wasm" backend, when it applies and pays; else null (the JS kernel). */
export function wasmReduceKernel(spec: ReduceSpec): CompiledKernel | null {
  if (backendInUse() !== "wasm" || !wasmReducePays(spec.prologue.shape, spec.axes)) return null;
  const plan = planWasmReduce(spec);
  return plan === null ? null : compileWasmReduce(plan);
}
