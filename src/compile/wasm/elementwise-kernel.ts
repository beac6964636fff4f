// jit's WebAssembly elementwise kernel: a fused `loop` kernel (lower.ts) rendered from the same
// scalar descriptions as the JS kernel (./elementwise.ts). Its operands are contiguous runs or
// single values, or are gathered into runs as they are copied (broadcast rows and columns,
// transposes). An operand or result that is a program buffer in the kernel memory (./arena.ts) is
// used where it lies; the others are copied into scratch (./memory.ts) and the result out. From
// about a thousand elements the SIMD loop wins back more than the copies cost, so under the "wasm"
// backend the WebAssembly kernel is taken from WASM_LOOP_MIN_SIZE elements on. The JS kernel keeps the rest: multi-layer
// index views (a reshape of a transpose), library calls (float64 transcendentals), ToInt32.
//
// The operands and result stay in their dtypes (float32, float64, int32, bool): bool and int32
// results take the renderer's scalar loop, float results the SIMD loop where it applies.

import type { DType, TypedArray } from "../../tensor/dtype.js";
import { coerceScalar } from "../../tensor/dtype.js";
import { sizeOf, stridesOf } from "../../tensor/shape.js";
import { FluxionError } from "../../errors.js";
import type { CompiledKernel, KernelEmitter } from "../codegen/emitter.js";
import { opScalar } from "../codegen/graph.js";
import { coalesce } from "../codegen/loops.js";
import { cacheLimits, registerCache } from "../limits.js";
import type { KernelSpec } from "../lower.js";
import { LruCache } from "../lru.js";
import { S, type ScalarExpr, scalarTypeOf, topoOrder } from "../../scalar/expr.js";
import { backendInUse } from "./backend.js";
import { ELEMENT_BYTES, type Operand, renderWasmElementwise, wasmElementwiseUsesSimd } from "./elementwise.js";
import { ensureScratch, kernelBuffer, kernelImports, kernelMemoryLimits, reserveScratch, scratchBase, scratchOf } from "./memory.js";
import { ModuleBuilder, compileModule, instantiateModule } from "./module.js";

type LoopSpec = Extract<KernelSpec, { kind: "loop" }>;

/**
 * Elements from which the WebAssembly loop replaces the JS loop. Measured (CPU time, JS / wasm,
 * interleaved in one process, for x + y, x·a + b, √(x² + y²), a polynomial, exp, tanh and the
 * transcendental chain): at 64 elements wasm loses ~10% (the calls and copies), at 256 it breaks
 * even, from 1024 it wins on every one (1.1–2.4×), at 16K by 1.5–4×.
 */
export const WASM_LOOP_MIN_SIZE = 1024;

/** Byte cap of a kernel's operands and result in the kernel memory; larger loops run the JS kernel. */
export const WASM_LOOP_SCRATCH_BUDGET = 1 << 30;

/**
 * One operand of the WebAssembly kernel: which kernel input, the element its values start at, and
 * how they are read: one value, a contiguous run, or (`gather`) through strides over the loop's
 * dimensions (a broadcast row or column, a transpose), gathered into a run as it is copied.
 */
export interface LoopOperand extends Operand {
  readonly input: number;
  readonly offset: number;
  readonly gather?: { readonly dims: readonly number[]; readonly strides: readonly number[] };
}

/** A loop spec as one scalar expression over contiguous operands. */
export interface WasmLoopPlan {
  readonly root: ScalarExpr;
  readonly operands: readonly LoopOperand[];
  readonly out: DType;
  readonly size: number;
}

/** `e` with operand k replaced by `args[k]` (shared nodes stay shared); null if a type differs. */
export function substitute(e: ScalarExpr, args: readonly ScalarExpr[]): ScalarExpr | null {
  const memo = new Map<ScalarExpr, ScalarExpr>();
  let ok = true;
  const visit = (n: ScalarExpr): ScalarExpr => {
    const hit = memo.get(n);
    if (hit !== undefined) return hit;
    let r: ScalarExpr;
    if (n.kind === "arg") {
      r = args[n.index] ?? n;
      if (r.type !== n.type || args[n.index] === undefined) ok = false;
    } else if (n.kind === "const") r = n;
    else r = { ...n, args: n.args.map(visit) } as ScalarExpr;
    memo.set(n, r);
    return r;
  };
  const root = visit(e);
  return ok ? root : null;
}

/**
 * The plan of a fused loop for the WebAssembly kernel, or null when some load goes through more
 * than one index layer (a reshape of a transposed operand).
 */
export function planWasmLoop(spec: LoopSpec): WasmLoopPlan | null {
  const { graph } = spec;
  const shape = graph.shape;
  const contiguous = stridesOf(shape);
  const operands: LoopOperand[] = [];
  const keys = new Map<string, number>();
  const exprs: ScalarExpr[] = [];
  for (const n of graph.nodes) {
    if (n.kind === "lit") {
      exprs.push(S.c(coerceScalar(n.value, n.dtype), scalarTypeOf(n.dtype)));
    } else if (n.kind === "load") {
      if (n.chain.length !== 1) return null;
      const top = n.chain[0]!;
      const dims = shape.map((_, d) => d).filter((d) => shape[d]! > 1);
      const run = dims.every((d) => top.strides[d] === contiguous[d]);
      const single = !run && dims.every((d) => top.strides[d] === 0);
      const gather = run || single ? undefined : coalesce(shape, [{ strides: top.strides, offset: top.offset }]);
      const key = `${n.input}|${top.offset}|${single}|${gather?.accesses[0]!.strides.join(",") ?? ""}`;
      let index = keys.get(key);
      if (index === undefined) {
        index = operands.length;
        const operand = { input: n.input, offset: top.offset, scalar: single, dtype: n.dtype };
        operands.push(gather === undefined ? operand : { ...operand, gather: { dims: gather.dims, strides: gather.accesses[0]!.strides } });
        keys.set(key, index);
      }
      exprs.push(S.arg(index, scalarTypeOf(n.dtype)));
    } else if (n.kind === "op") {
      const e = substitute(opScalar(n), n.args.map((a) => exprs[a]!));
      if (e === null) return null;
      exprs.push(e);
    } else return null;
  }
  return { root: exprs[graph.result]!, operands, out: spec.out.dtype, size: sizeOf(shape) };
}

/** A linear, readable form of an expression DAG (each node once): the cache key and `explain`'s text. */
export function listScalar(root: ScalarExpr): string {
  const order = topoOrder(root);
  const id = new Map(order.map((n, i) => [n, i]));
  return order
    .map((n, i) => {
      const body = n.kind === "arg" ? `in${n.index}` : n.kind === "const" ? String(Object.is(n.value, -0) ? "-0" : n.value) : n.kind === "op" ? `${n.op}(${n.args.map((a) => `t${id.get(a)}`).join(", ")})` : `Math.${n.fn}(${n.args.map((a) => `t${id.get(a)}`).join(", ")})`;
      return `t${i}: ${n.type} = ${body}`;
    })
    .join("\n");
}

/** A rendered loop: operand places, the result's place and the count, all byte addresses but the count. */
export type RunLoop = (...args: number[]) => void;

/** Operands read and results written in place in the kernel memory, by all WebAssembly loop kernels (for tests and benchmarks). */
export const inPlaceCounts = { operands: 0, results: 0 };

/** Instantiated kernels by expression and operand forms (equal fused loops share one module). */
const modules = new LruCache<string, RunLoop>(() => cacheLimits().kernelSources);
registerCache(() => modules.trim(), () => modules.clear());

/**
 * The instantiated loop `run(place_0, …, place_k−1, outPlace, n)` of an expression over operands of
 * these forms (shared with every kernel of the same expression), or null where the renderer or the
 * engine declines. Used by the matmul's store pass (./matmul-store.ts).
 */
export function wasmLoopFunction(root: ScalarExpr, operands: readonly Operand[], out: DType): RunLoop | null {
  const key = `${out}|${operands.map((o) => `${o.dtype}${o.scalar ? "s" : ""}`).join(",")}|${listScalar(root)}`;
  return loopFunction({ root, operands: operands.map((o, input) => ({ ...o, input, offset: 0 })), out, size: 0 }, key);
}

function loopFunction(plan: WasmLoopPlan, key: string): RunLoop | null {
  let run = modules.get(key);
  if (run === undefined) {
    const body = renderWasmElementwise(plan.root, plan.operands, plan.out);
    if (body === null) return null;
    const m = new ModuleBuilder().importMemory("env", "memory", kernelMemoryLimits());
    m.addFunction(body, "kernel");
    try {
      run = instantiateModule(compileModule(m.build()), kernelImports()).exports["kernel"] as RunLoop;
    } catch (err) {
      // An engine's refusal (a CompileError, a size limit) leaves the JS kernel in place.
      if (err instanceof FluxionError) throw err;
      return null;
    }
    modules.set(key, run);
  }
  return run;
}

/**
 * Writes the elements `src[offset + Σ index_d·strides[d]]` over `dims` in row-major order to
 * `dst` from `at`: contiguous rows by `set`, repeated values by `fill`, a dimension of stride 0
 * (a broadcast) by gathering its first block once and doubling it with `copyWithin`.
 */
export function gatherInto(dst: TypedArray, at: number, src: TypedArray, offset: number, dims: readonly number[], strides: readonly number[]): void {
  const rank = dims.length;
  const block: number[] = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) block[d] = block[d + 1]! * dims[d]!;
  const fill = (d: number, to: number, from: number): void => {
    if (d === rank) {
      dst[to] = src[from]!;
      return;
    }
    const n = dims[d]!;
    const s = strides[d]!;
    const size = block[d + 1]!;
    if (d === rank - 1) {
      if (s === 1) dst.set(src.subarray(from, from + n), to);
      else if (s === 0) dst.fill(src[from]!, to, to + n);
      else for (let k = 0; k < n; k++) dst[to + k] = src[from + k * s]!;
    } else if (s === 0) {
      fill(d + 1, to, from);
      for (let have = 1; have < n; have *= 2) dst.copyWithin(to + have * size, to, to + Math.min(have, n - have) * size);
    } else for (let k = 0; k < n; k++) fill(d + 1, to + k * size, from + k * s);
  };
  fill(0, at, offset);
}

/**
 * The compiled kernel of a plan: its operands read in place where they are program buffers in the
 * kernel memory, else copied to 16-byte aligned places of scratch; the loop; the result written in
 * place or copied out. Null where the renderer or the engine declines, or the copies would need
 * more than WASM_LOOP_SCRATCH_BUDGET bytes.
 */
export function compileWasmLoop(plan: WasmLoopPlan): CompiledKernel | null {
  const bytes = plan.operands.reduce((sum, o) => sum + (o.scalar ? 1 : plan.size) * ELEMENT_BYTES[o.dtype] + 16, plan.size * ELEMENT_BYTES[plan.out]);
  if (bytes > WASM_LOOP_SCRATCH_BUDGET) return null;
  const key = `${plan.out}|${plan.operands.map((o) => `${o.dtype}${o.scalar ? "s" : ""}`).join(",")}|${listScalar(plan.root)}`; // gathered operands are runs to the module
  const run = loopFunction(plan, key);
  if (run === null) return null;
  const n = plan.size;
  const align = (b: number) => Math.ceil(b / 16) * 16;
  const places: number[] = [];
  let end = 0;
  for (const o of plan.operands) {
    places.push(end);
    end = align(end + (o.scalar ? 1 : n) * ELEMENT_BYTES[o.dtype]);
  }
  const outPlace = end;
  end += n * ELEMENT_BYTES[plan.out];
  const operands = plan.operands;
  const outDtype = plan.out;
  const args: number[] = new Array<number>(operands.length + 2).fill(0);
  args[operands.length + 1] = n;
  reserveScratch(end);
  const kernel = (ins: readonly TypedArray[], out: TypedArray) => {
    ensureScratch(end);
    const base = scratchBase();
    const memory = kernelBuffer();
    for (let k = 0; k < operands.length; k++) {
      const o = operands[k]!;
      const src = ins[o.input]!;
      if (o.gather === undefined && src.buffer === memory) {
        // A program buffer in the kernel memory: the loop reads it where it is.
        args[k] = src.byteOffset + o.offset * ELEMENT_BYTES[o.dtype];
        inPlaceCounts.operands++;
        continue;
      }
      const at = (base + places[k]!) / ELEMENT_BYTES[o.dtype];
      if (o.gather !== undefined) gatherInto(scratchOf(o.dtype), at, src, o.offset, o.gather.dims, o.gather.strides);
      else scratchOf(o.dtype).set(src.subarray(o.offset, o.offset + (o.scalar ? 1 : n)), at);
      args[k] = base + places[k]!;
    }
    if (out.buffer === memory) {
      args[operands.length] = out.byteOffset;
      inPlaceCounts.results++;
      run(...args);
      return;
    }
    args[operands.length] = base + outPlace;
    run(...args);
    const first = (base + outPlace) / ELEMENT_BYTES[outDtype];
    out.set(scratchOf(outDtype).subarray(first, first + n));
  };
  const lanes = wasmElementwiseUsesSimd(plan.root, plan.operands, plan.out) ? "simd" : "scalar";
  const how = (o: LoopOperand) => (o.scalar ? `[${o.offset}] (one value)` : o.gather !== undefined ? ` from ${o.offset}, gathered over [${o.gather.dims.join(", ")}] with strides [${o.gather.strides.join(", ")}]` : ` from ${o.offset}`);
  const operandText = plan.operands.map((o, k) => `in${k} = kernel input ${o.input}${how(o)}: ${o.dtype}`);
  const source = [`(wasm ${lanes} elementwise loop over ${n} elements → ${plan.out}; operands and result in the kernel memory (a program's buffers) are used in place, others copied in and out)`, ...operandText, listScalar(plan.root)].join("\n");
  return { run: kernel, source, emitter: `wasm-loop-${lanes}` };
}

/** The emitter: under the "wasm" backend, fused loops the WebAssembly kernel handles and that are large enough. */
export const wasmLoopEmitter: KernelEmitter = {
  name: "wasm-loop",
  emit(spec) {
    if (spec.kind !== "loop" || backendInUse() !== "wasm" || sizeOf(spec.graph.shape) < WASM_LOOP_MIN_SIZE) return null;
    const plan = planWasmLoop(spec);
    return plan === null ? null : compileWasmLoop(plan);
  },
};
