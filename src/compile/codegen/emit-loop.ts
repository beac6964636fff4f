// The elementwise loop kernel: one pass over the output shape, loads through index views,
// the fused expression in registers, one store per element.

import { stridesOf } from "../../tensor/shape.js";
import type { KernelSpec } from "../lower.js";
import { type CompiledKernel, type KernelEmitter, compileKernelSource } from "./emitter.js";
import { AccessTable, GraphCode, emitStoreNest, loadAccess } from "./graph.js";
import { coalesce } from "./loops.js";

type LoopSpec = Extract<KernelSpec, { kind: "loop" }>;

export function emitLoopSource(spec: LoopSpec): string {
  const { graph } = spec;
  const rank = graph.shape.length;
  const table = new AccessTable();
  const outAccess = table.add({ strides: stridesOf(graph.shape), offset: 0 });
  const accessOf = new Map<number, number>();
  graph.nodes.forEach((n, i) => {
    if (n.kind === "load") accessOf.set(i, table.add(loadAccess(n.chain, rank, (d) => d)));
  });
  const merged = coalesce(graph.shape, table.accesses);
  const code = new GraphCode(graph, 0, accessOf, () => merged.accesses, (k) => `in${k}`);
  code.resolveDepths();
  const lines = kernelHeader(spec.inputs.length);
  lines.push(...emitStoreNest(merged.dims, merged.accesses, code, outAccess));
  lines.push("};");
  return lines.join("\n");
}

export function kernelHeader(inputs: number): string[] {
  const lines = ["return function kernel(ins, out) {"];
  for (let k = 0; k < inputs; k++) lines.push(`const in${k} = ins[${k}];`);
  return lines;
}

export const loopEmitter: KernelEmitter = {
  name: "js-loop",
  emit(spec): CompiledKernel | null {
    if (spec.kind !== "loop") return null;
    const source = emitLoopSource(spec);
    return { run: compileKernelSource(source), source, emitter: "js-loop" };
  },
};
