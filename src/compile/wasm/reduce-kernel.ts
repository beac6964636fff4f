// jit's WebAssembly reduction kernel: a fused `reduce` kernel (lower.ts) — an elementwise
// prologue feeding reduce_sum/prod/max/min, and an elementwise epilogue over the results — run
// in the kernel memory in three steps:
//  1. the prologue's operands are copied in with the reduced axes moved outward: the values the
//     reduction reads form a row-major [rows, cols] block, rows = the reduced elements in the
//     reference's (row-major) order, cols = the outputs, contiguous. A bias gradient (reduce axis
//     0) needs no moving; a row reduction (softmax, cross-entropy, mean over the last axis) is
//     transposed as it is copied. The prologue then runs as the WebAssembly elementwise loop
//     (./elementwise.ts) over that block; a bare load skips it.
//  2. the reduction loop (./reduce.ts) walks every column down its rows, SIMD lanes holding
//     different columns, so each output's combining order is the reference's, bit for bit.
//  3. the epilogue runs as the elementwise loop over the outputs, reading the reduced values
//     where they are; the result is copied out.
// A shape with fewer than 4 outputs has no lanes to fill: its one sequential chain of adds is as
// slow in WebAssembly as in JS, and the copies are extra, so the JS kernel keeps it (see
// WASM_REDUCE_MIN_COLUMNS). The JS kernel also keeps what the elementwise renderer declines
// (library calls, ToInt32), multi-layer index views, bool data, and everything under
// `setBackend("js")`.

import type { DType, TypedArray } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";
import { FluxionError } from "../../errors.js";
import type { Aval } from "../../ir/var.js";
import { reduceMaxPrim, reduceMinPrim, reduceProdPrim, reduceSumPrim } from "../../prims/reduce.js";
import type { CompiledKernel } from "../codegen/emitter.js";
import { cacheLimits, registerCache } from "../limits.js";
import type { ExprGraph, ExprNode, KernelSpec } from "../lower.js";
import { LruCache } from "../lru.js";
import { identityChain } from "../views.js";
import { backendInUse } from "./backend.js";
import { ELEMENT_BYTES, renderWasmElementwise } from "./elementwise.js";
import { type LoopOperand, type WasmLoopPlan, gatherInto, listScalar, planWasmLoop } from "./elementwise-kernel.js";
import { ensureScratch, kernelImports, kernelMemoryLimits, scratchBase, scratchOf } from "./memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";
import { type Combiner, type ReduceDType, accumulatorBytes, renderWasmReduce } from "./reduce.js";

type ReduceSpec = Extract<KernelSpec, { kind: "reduce" }>;

/** Input elements from which the WebAssembly reduction replaces the JS kernel. */
export const WASM_REDUCE_MIN_SIZE = 1024;

/** Outputs from which the WebAssembly reduction replaces the JS kernel (one SIMD block of columns). */
export const WASM_REDUCE_MIN_COLUMNS = 4;

/** Byte cap of the kernel's scratch; larger reductions run the JS kernel. */
export const WASM_REDUCE_SCRATCH_BUDGET = 1 << 30;

/** Bytes of rows the reduction loop keeps in the cache while its column blocks walk them. */
const CHUNK_BYTES = 1 << 17;

/** A reduce spec in the WebAssembly kernel's terms. */
export interface WasmReducePlan {
  readonly combiner: Combiner;
  readonly dtype: ReduceDType;
  /** Reduced elements per output. */
  readonly rows: number;
  /** Outputs. */
  readonly cols: number;
  /** The prologue over the [rows, cols] block (operands gathered into that order). */
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
  const nodes: ExprNode[] = [];
  for (const n of g.nodes) {
    if (n.kind !== "load") {
      nodes.push(n);
      continue;
    }
    if (n.chain.length !== 1) return null;
    const top = n.chain[0]!;
    nodes.push({ ...n, chain: [{ shape: perm.map((d) => top.shape[d]!), strides: perm.map((d) => top.strides[d]!), offset: top.offset }] });
  }
  return { shape: perm.map((d) => g.shape[d]!), nodes, result: g.result };
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
  const perm = [...spec.axes, ...kept];
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
  return { combiner, dtype, rows: cols === 0 ? 0 : sizeOf(shape) / cols, cols, prologue, epilogue, accInput, out: spec.out.dtype };
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
  const key = `${plan.combiner}|${plan.dtype}|${pro === null ? "bare" : planKey(pro)}|${plan.epilogue === null ? "acc" : planKey(plan.epilogue)}`;
  let made = modules.get(key);
  if (made !== undefined) return made;
  const m = new ModuleBuilder().importMemory("env", "memory", kernelMemoryLimits());
  m.addFunction(renderWasmReduce(plan.combiner, plan.dtype), "reduce");
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

/** Byte places of a plan's operands from `start` (operands of input `skip` get none: they are placed by the caller). */
function placeOperands(p: WasmLoopPlan, start: number, skip: number): { places: number[]; end: number } {
  const places: number[] = [];
  let end = start;
  for (const o of p.operands) {
    places.push(end);
    if (o.input !== skip) end = align(end + (o.scalar ? 1 : p.size) * ELEMENT_BYTES[o.dtype]);
  }
  return { places, end };
}

/** Copies a plan's operands (but those of input `skip`) from the kernel's inputs to their places above `base`. */
function copyOperands(p: WasmLoopPlan, places: readonly number[], base: number, ins: readonly TypedArray[], skip: number): void {
  p.operands.forEach((o: LoopOperand, k) => {
    if (o.input === skip) return;
    const at = (base + places[k]!) / ELEMENT_BYTES[o.dtype];
    if (o.gather !== undefined) gatherInto(scratchOf(o.dtype), at, ins[o.input]!, o.offset, o.gather.dims, o.gather.strides);
    else scratchOf(o.dtype).set(ins[o.input]!.subarray(o.offset, o.offset + (o.scalar ? 1 : p.size)), at);
  });
}

/** The identity the accumulators start from (int32 max/min: the extreme int32, which any element replaces or equals). */
function startValue(c: Combiner, dtype: ReduceDType): number {
  if (c === "sum") return 0;
  if (c === "prod") return 1;
  if (dtype === "int32") return c === "max" ? -(2 ** 31) : 2 ** 31 - 1;
  return c === "max" ? -Infinity : Infinity;
}

/** The compiled kernel of a plan, or null where a renderer or the engine declines or the scratch would exceed the budget. */
export function compileWasmReduce(plan: WasmReducePlan): CompiledKernel | null {
  const fns = reduceModule(plan);
  if (fns === null) return null;
  const { rows, cols, dtype, combiner } = plan;
  const eb = ELEMENT_BYTES[dtype];
  const ab = accumulatorBytes(dtype);
  // Scratch: prologue operands, the prologue's values (unless a bare load), accumulators, the
  // float32 results, epilogue operands, the epilogue's result.
  const pro = placeOperands(plan.prologue, 0, -1);
  const bare = bareLoad(plan.prologue);
  const valuesAt = bare ? pro.places[(plan.prologue.root as { index: number }).index]! : pro.end;
  let end = bare ? pro.end : align(pro.end + rows * cols * eb);
  const accAt = end;
  end = align(end + cols * ab);
  const reducedAt = dtype === "float32" ? end : accAt; // where the reduced values are, in their dtype
  if (dtype === "float32") end = align(end + cols * eb);
  const epi = plan.epilogue === null ? null : placeOperands(plan.epilogue, end, plan.accInput);
  if (epi !== null) {
    plan.epilogue!.operands.forEach((o, k) => {
      if (o.input === plan.accInput) epi.places[k] = reducedAt;
    });
    end = epi.end;
  }
  const outAt = epi === null ? reducedAt : end;
  end = align(end + (epi === null ? 0 : cols * ELEMENT_BYTES[plan.out]));
  if (end > WASM_REDUCE_SCRATCH_BUDGET) return null;
  const chunk = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, cols * eb)));
  const start = startValue(combiner, dtype);
  const accView = dtype === "int32" ? "int32" : "float64";
  const outDtype = plan.out;
  const kernel = (ins: readonly TypedArray[], out: TypedArray) => {
    ensureScratch(end);
    const base = scratchBase();
    copyOperands(plan.prologue, pro.places, base, ins, -1);
    if (!bare) fns.prologue!(...pro.places.map((p) => base + p), base + valuesAt, rows * cols);
    const first = (base + accAt) / ab;
    scratchOf(accView).fill(start, first, first + cols);
    fns.reduce(base + valuesAt, base + accAt, base + reducedAt, rows, cols, chunk);
    if (epi !== null) {
      copyOperands(plan.epilogue!, epi.places, base, ins, plan.accInput);
      fns.epilogue!(...epi.places.map((p) => base + p), base + outAt, cols);
    }
    const at = (base + outAt) / ELEMENT_BYTES[outDtype];
    out.set(scratchOf(outDtype).subarray(at, at + cols));
  };
  const text = (p: WasmLoopPlan, skip: number) =>
    p.operands.map((o, k) => (o.input === skip ? `in${k} = the reduced values` : `in${k} = kernel input ${o.input}${o.scalar ? " (one value)" : o.gather !== undefined ? `, gathered over [${o.gather.dims.join(", ")}] with strides [${o.gather.strides.join(", ")}]` : ""}: ${o.dtype}`)).concat(listScalar(p.root));
  const source = [
    `(wasm SIMD reduction: ${combiner} down ${rows} rows × ${cols} columns of ${dtype}, lanes over the columns, accumulators ${accView === "float64" ? "f64" : "i32"}; operands copied into the kernel memory, reduced axes outermost)`,
    `prologue${bare ? " (a bare load)" : ""}:`,
    ...text(plan.prologue, -1),
    ...(plan.epilogue === null ? ["epilogue: none"] : ["epilogue:", ...text(plan.epilogue, plan.accInput)]),
  ].join("\n");
  return { run: kernel, source, emitter: "wasm-reduce-simd" };
}

/** The WebAssembly reduction for `spec` under the "wasm" backend, when it applies and is large enough; else null (the JS kernel). */
export function wasmReduceKernel(spec: ReduceSpec): CompiledKernel | null {
  if (backendInUse() !== "wasm" || sizeOf(spec.prologue.shape) < WASM_REDUCE_MIN_SIZE || sizeOf(spec.out.shape) < WASM_REDUCE_MIN_COLUMNS) return null;
  const plan = planWasmReduce(spec);
  return plan === null ? null : compileWasmReduce(plan);
}
