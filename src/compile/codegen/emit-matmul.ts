// The matmul contraction kernel (registered for kernel class `matmul` in builtin.ts): the matmul
// kernel emitter (../kernels/matmul.ts) with the fused epilogue written into its output loop. The
// epilogue graph becomes one JS expression: loads read the extra operands through their index
// views, intermediate values go to a small Float64 register file (`reg`, an extra operand) so
// shared subexpressions are computed once per element; the statement form (`block`, preferred by
// the WebAssembly store pass) makes them block-local constants instead. The double accumulator
// is rounded to the product's dtype before the epilogue reads it, and every intermediate to its
// own dtype, so the fused kernel computes what the matmul and its epilogue compute one by one.

import type { TypedArray } from "../../tensor/dtype.js";
import { sizeOf, stridesOf } from "../../tensor/shape.js";
import { type MatmulEpilogue, type MatmulSpec, acceleratedMatmul, chooseTiling, compileMatmul, emitMatmulSource } from "../kernels/matmul.js";
import "../wasm/backend.js";
import type { ExprGraph, KernelSpec } from "../lower.js";
import type { CompiledKernel } from "./emitter.js";
import { chainTail, epilogueOperands, literalExpression, opExpression, storedAs } from "./graph.js";
import { checkKernelSource, numberLiteral } from "./safety.js";

type ContractionSpec = Extract<KernelSpec, { kind: "contraction" }>;

/** The epilogue as a MatmulEpilogue, plus which kernel inputs its extra operands are. */
export function buildEpilogue(graph: ExprGraph): { epilogue: MatmulEpilogue | undefined; extraInputs: number[]; registers: number } {
  if (graph.nodes[graph.result]!.kind === "acc") return { epilogue: undefined, extraInputs: [], registers: 0 };
  const { extraInputs, regOf } = epilogueOperands(graph);
  const registers = regOf.size;
  const shape = graph.shape;
  const rank = shape.length;
  const contiguous = stridesOf(shape);
  type Index = { b: string; i: string; j: string; o: string };
  /** Definitions [name, expression] of the op nodes (named by `nameOf`) and the stored value. */
  const render = (acc: string, idx: Index, extras: readonly string[], nameOf: (i: number) => string) => {
    const ref = (i: number): string => {
      const n = graph.nodes[i]!;
      if (n.kind === "lit") return literalExpression(n.value, n.dtype);
      if (n.kind === "acc") return storedAs(n.dtype, acc);
      if (n.kind === "op") return nameOf(i);
      const top = n.chain[0]!;
      let flat: string;
      if (top.offset === 0 && top.strides.every((s, d) => s === contiguous[d])) flat = idx.o;
      else {
        const terms: string[] = top.offset !== 0 ? [numberLiteral(top.offset)] : [];
        // batch axes: unravel b over shape[0..rank-2)
        let inner = 1;
        for (let d = rank - 3; d >= 0; d--) {
          const s = top.strides[d]!;
          if (s !== 0 && shape[d] !== 1) {
            let q = inner === 1 ? idx.b : `(${idx.b} / ${inner} | 0)`;
            if (d > 0) q = `(${q} % ${shape[d]})`;
            terms.push(`${q} * ${numberLiteral(s)}`);
          }
          inner *= shape[d]!;
        }
        const si = top.strides[rank - 2]!;
        const sj = top.strides[rank - 1]!;
        if (si !== 0) terms.push(`${idx.i} * ${numberLiteral(si)}`);
        if (sj !== 0) terms.push(sj === 1 ? idx.j : `${idx.j} * ${numberLiteral(sj)}`);
        flat = terms.length ? `(${terms.join(" + ")})` : "0";
      }
      return `${extras[extraInputs.indexOf(n.input)]}[${chainTail(flat, n.chain)}]`;
    };
    const defs: [string, string][] = [];
    graph.nodes.forEach((n, i) => {
      if (n.kind === "op") defs.push([nameOf(i), opExpression(n, n.args.map(ref))]);
    });
    return { defs, value: ref(graph.result) };
  };
  const expr = (acc: string, idx: Index, extras: readonly string[]): string => {
    const reg = extras[extraInputs.length];
    const { defs, value } = render(acc, idx, extras, (i) => `${reg}[${regOf.get(i)}]`);
    return `(${[...defs.map(([name, e]) => `${name} = ${e}`), value].join(", ")})`;
  };
  const block = (acc: string, idx: Index, extras: readonly string[], local: (k: number) => string) => {
    const { defs, value } = render(acc, idx, extras, (i) => local(regOf.get(i)!));
    return { lines: defs.map(([name, e]) => `const ${name} = ${e};`), value };
  };
  const extraCount = extraInputs.length + (registers > 0 ? 1 : 0);
  // Check the expression with compiler-made names before the matmul emitter sees it.
  const names = Array.from({ length: extraCount }, (_, k) => `x${k}`);
  checkKernelSource(expr("acc", { b: "i0", i: "i1", j: "i2", o: "o" }, names), names);
  return { epilogue: { extraInputs: extraCount, expr, block, graph: { graph, inputs: extraInputs } }, extraInputs, registers };
}

/** The MatmulSpec of a `contraction` spec whose root is a matrix product (class `matmul`). */
export function matmulSpecOf(spec: ContractionSpec): MatmulSpec {
  const { params, inputs: [a, b], out } = spec.root;
  const shape = out.shape;
  const ta = params["transposeA"] === true;
  const rank = a!.shape.length;
  return {
    batch: sizeOf(shape.slice(0, -2)),
    m: shape[shape.length - 2]!,
    k: ta ? a!.shape[rank - 2]! : a!.shape[rank - 1]!,
    n: shape[shape.length - 1]!,
    transposeA: ta,
    transposeB: params["transposeB"] === true,
    dtype: out.dtype as MatmulSpec["dtype"],
  };
}

/** The matmul kernel with the spec's epilogue in its output loop (registered for class `matmul`). */
export function matmulKernel(spec: ContractionSpec): CompiledKernel {
  const matmul = matmulSpecOf(spec);
  const { epilogue, extraInputs, registers } = buildEpilogue(spec.epilogue);
  const fast = acceleratedMatmul(matmul, epilogue);
  const kernel = fast?.kernel ?? compileMatmul(matmul, epilogue, chooseTiling(matmul));
  const extras: TypedArray[] = extraInputs.map(() => new Float64Array(0));
  if (registers > 0) extras.push(new Float64Array(registers));
  const [a, b] = spec.operands as [number, number];
  const n = extraInputs.length;
  const run = (ins: readonly TypedArray[], out: TypedArray) => {
    for (let k = 0; k < n; k++) extras[k] = ins[extraInputs[k]!]!;
    kernel(ins[a]!, ins[b]!, out, extras);
  };
  if (fast !== null) return { run, source: fast.source, emitter: fast.emitter };
  return { run, source: emitMatmulSource(matmul, epilogue).source, emitter: "js-matmul" };
}
