// The reduction kernel: one pass over the input, with the prologue (elementwise producers)
// evaluated at each input element and the epilogue (elementwise consumers) at each output element.
//
// Two loop orders, both single passes:
//  - inner: the last input axis is reduced. Loops run over kept axes, then reduced axes; the
//    accumulator is a local (`let acc`) and the epilogue runs right after the reduced loops.
//  - outer: the last input axis is kept (e.g. a column sum). Loops follow the input's memory
//    order and accumulate into a Float64 scratch row; a second loop over the output applies the
//    epilogue. Reading the input in order matters more than keeping the accumulator in a register.
// Accumulators are doubles, as in the reference evaluation (int32 combiners wrap at every step);
// the epilogue reads the accumulator rounded to the reduction's dtype, as its stored result.

import type { DType } from "../../tensor/dtype.js";
import { type Shape, stridesOf } from "../../tensor/shape.js";
import type { KernelSpec } from "../lower.js";
import { type CompiledKernel, type KernelEmitter, compileKernelSource } from "./emitter.js";
import { kernelHeader } from "./emit-loop.js";
import { AccessTable, GraphCode, emitStoreNest, loadAccess } from "./graph.js";
import { coalesce, emitNest } from "./loops.js";
import { numberLiteral } from "./safety.js";
import { wasmReduceKernel } from "../wasm/reduce-kernel.js";

type ReduceSpec = Extract<KernelSpec, { kind: "reduce" }>;

/** The reduction's dtype (of its operand and its result), which selects the combiner. */
function accDtype(spec: ReduceSpec): DType {
  return spec.prologue.nodes[spec.prologue.result]!.dtype;
}

function keptAxes(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((_, i) => i).filter((i) => !axes.includes(i));
}

export function emitReduceSource(spec: ReduceSpec): { source: string; scratch: number } {
  const inShape = spec.prologue.shape;
  const rank = inShape.length;
  const inner = rank > 0 && spec.axes.includes(rank - 1);
  return inner ? { source: emitInner(spec), scratch: 0 } : emitOuter(spec);
}

function emitInner(spec: ReduceSpec): string {
  const inShape = spec.prologue.shape;
  const kept = keptAxes(inShape, spec.axes);
  const order = [...kept, ...spec.axes];
  const loopRank = order.length;
  const loopDims = order.map((d) => inShape[d]!);
  const table = new AccessTable();
  const outStrides = stridesOf(spec.out.shape);
  const outAccess = table.add({ strides: [...outStrides, ...spec.axes.map(() => 0)], offset: 0 });
  const proAccess = new Map<number, number>();
  spec.prologue.nodes.forEach((n, i) => {
    if (n.kind === "load") proAccess.set(i, table.add(loadAccess(n.chain, loopRank, (d) => order.indexOf(d))));
  });
  const epiAccess = new Map<number, number>();
  spec.epilogue.nodes.forEach((n, i) => {
    if (n.kind === "load") epiAccess.set(i, table.add(loadAccess(n.chain, loopRank, (d) => d)));
  });
  const merged = coalesce(loopDims, table.accesses, [kept.length, spec.axes.length]);
  const K = merged.sections[0]!;
  const innermost = merged.dims.length - 1;
  const input = (k: number) => `in${k}`;
  const pro = new GraphCode(spec.prologue, 0, proAccess, () => merged.accesses, input);
  const epi = new GraphCode(spec.epilogue, 1, epiAccess, () => merged.accesses, input, { expr: () => "acc", depth: K - 1, deferred: true });
  pro.resolveDepths();
  epi.resolveDepths();
  const lines = kernelHeader(spec.inputs.length);
  lines.push(
    ...emitNest(merged.dims, merged.accesses, {
      enter: (level, at) => {
        const ls = [...pro.linesAt(level, at), ...epi.linesAt(level, at)];
        if (level === K - 1) ls.push(`let acc = ${numberLiteral(spec.identity)};`);
        if (level === innermost) ls.push(`acc = ${spec.combine("acc", pro.result, accDtype(spec))};`);
        return ls;
      },
      leave: (level, at) => (level === K - 1 ? [...epi.accLines(at), `out[${at(outAccess)}] = ${epi.result};`] : []),
    }),
  );
  lines.push("};");
  return lines.join("\n");
}

function emitOuter(spec: ReduceSpec): { source: string; scratch: number } {
  const inShape = spec.prologue.shape;
  const rank = inShape.length;
  const outSize = spec.out.shape.reduce((a, b) => a * b, 1);
  const input = (k: number) => `in${k}`;
  // Pass 1: accumulate in input order.
  const t1 = new AccessTable();
  const outStrides = stridesOf(spec.out.shape);
  const kept = keptAxes(inShape, spec.axes);
  const scStrides = inShape.map((_, d) => (kept.includes(d) ? outStrides[kept.indexOf(d)]! : 0));
  const scAccess = t1.add({ strides: scStrides, offset: 0 });
  const proAccess = new Map<number, number>();
  spec.prologue.nodes.forEach((n, i) => {
    if (n.kind === "load") proAccess.set(i, t1.add(loadAccess(n.chain, rank, (d) => d)));
  });
  const m1 = coalesce(inShape, t1.accesses);
  const pro = new GraphCode(spec.prologue, 0, proAccess, () => m1.accesses, input);
  pro.resolveDepths();
  const inner1 = m1.dims.length - 1;
  const lines = kernelHeader(spec.inputs.length);
  lines.push(`sc.fill(${numberLiteral(spec.identity)});`);
  lines.push(
    ...emitNest(m1.dims, m1.accesses, {
      enter: (level, at) => {
        const ls = pro.linesAt(level, at);
        if (level === inner1) ls.push(`{ const acc = sc[${at(scAccess)}]; sc[${at(scAccess)}] = ${spec.combine("acc", pro.result, accDtype(spec))}; }`);
        return ls;
      },
      leave: () => [],
    }),
  );
  // Pass 2: the epilogue over the output.
  const t2 = new AccessTable();
  const outAccess = t2.add({ strides: outStrides, offset: 0 });
  const epiAccess = new Map<number, number>();
  spec.epilogue.nodes.forEach((n, i) => {
    if (n.kind === "load") epiAccess.set(i, t2.add(loadAccess(n.chain, spec.out.shape.length, (d) => d)));
  });
  const m2 = coalesce(spec.out.shape, t2.accesses);
  const epi = new GraphCode(spec.epilogue, 1, epiAccess, () => m2.accesses, input, {
    expr: (at) => `sc[${at(outAccess)}]`,
    depth: m2.dims.length - 1,
    deferred: false,
  });
  epi.resolveDepths();
  lines.push(...emitStoreNest(m2.dims, m2.accesses, epi, outAccess));
  lines.push("};");
  return { source: lines.join("\n"), scratch: outSize };
}

/** Reductions: under the "wasm" backend the WebAssembly kernel where it applies (../wasm/reduce-kernel.ts), else the JS kernel. */
export const reduceEmitter: KernelEmitter = {
  name: "js-reduce",
  emit(spec): CompiledKernel | null {
    if (spec.kind !== "reduce") return null;
    const wasm = wasmReduceKernel(spec);
    if (wasm !== null) return wasm;
    const { source, scratch } = emitReduceSource(spec);
    return { run: compileKernelSource(source, scratch), source, emitter: "js-reduce" };
  },
};
