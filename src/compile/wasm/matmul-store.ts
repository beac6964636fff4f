// The WebAssembly matmul's store pass in WebAssembly: the real region of the padded result scratch,
// through the fused epilogue (bias, activation, an update such as w − lr·g), into the output. The
// epilogue's graph becomes one scalar expression (as a fused loop's does, ./elementwise-kernel.ts)
// over the row's accumulators (rounded to the product's dtype first, as the JS pass does) and the
// extra inputs, and each output row is one call of the rendered elementwise loop: an extra input
// is a contiguous run along the row (stride 1) or one value per row (stride 0). Other forms (a
// strided or transposed extra, a view through several index layers) keep the JS pass.
//
// Extra inputs and the output that lie in the kernel memory (a program's buffers) are read and
// written in place; others are copied to (the output: from) staging areas after the kernel's
// scratch, whose sizes are known from the graph when the kernel is compiled.

import { type DType, type TypedArray, coerceScalar } from "../../tensor/dtype.js";
import { S, type ScalarExpr, scalarTypeOf } from "../../scalar/expr.js";
import { opScalar } from "../codegen/graph.js";
import type { ExprGraph } from "../lower.js";
import { ELEMENT_BYTES, type Operand } from "./elementwise.js";
import { type RunLoop, substitute, wasmLoopFunction } from "./elementwise-kernel.js";
import { kernelBuffer, scratchOf } from "./memory.js";

/** Where the store reads and writes: the product's geometry and the result scratch's layout. */
export interface StoreLayout {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  /** Elements between rows, and between batch elements, of the result scratch. */
  readonly nPadded: number;
  readonly perBatch: number;
  /** Element type of the result scratch. */
  readonly acc: "f32" | "f64";
  /** The output's dtype (the epilogue's result's). */
  readonly out: DType;
}

/** An extra input as the store reads it. */
interface StoreExtra {
  /** Index into the kernel's extra arrays. */
  readonly extra: number;
  readonly dtype: DType;
  readonly offset: number;
  readonly strides: readonly number[];
  /** Elements from 0 the graph can read (the part copied when the array is outside the kernel memory). */
  readonly extent: number;
}

/**
 * One call's store, region by region: a split product stores each chunk once it is computed. A
 * staged output (outside the kernel memory) is copied out region by region where the regions are
 * whole rows, else all at the end.
 */
export interface StoreRegion {
  /** Stores rows [i0, i1) × columns [j0, j1) of batch element `bt`. */
  store(bt: number, i0: number, i1: number, j0: number, j1: number): void;
  /** Ends the call: after every element is stored once. */
  end(): void;
}

/** A compiled store pass, with the result scratch's (`c`) and the staging area's byte addresses. */
export interface WasmStore {
  /** Staging bytes it needs after its `stage` address. */
  readonly stageBytes: number;
  /** Stores everything. */
  run(c: number, out: TypedArray, extras: readonly TypedArray[], stage: number): void;
  /** Starts a store by regions (staging the extra inputs that are outside the kernel memory). */
  begin(c: number, out: TypedArray, extras: readonly TypedArray[], stage: number): StoreRegion;
}

/** Operands and result stored in place or staged, by all store passes (for tests and benchmarks). */
export const storeCounts = { wasm: 0, inPlaceOutputs: 0 };

const align16 = (x: number) => Math.ceil(x / 16) * 16;

/**
 * The store pass of an epilogue graph (over the output shape [..batch, m, n]; `inputs`: which
 * kernel input each extra array is), or null where the graph has a form this pass does not take
 * or the renderer declines.
 */
export function compileWasmStore(graph: ExprGraph | null, inputs: readonly number[], layout: StoreLayout): WasmStore | null {
  if (graph === null) {
    // No epilogue: the accumulator rounded to the output's dtype.
    const acc = S.arg(0, layout.acc);
    const root = layout.out === "float32" && layout.acc === "f64" ? S.demote(acc) : acc;
    if (root.type !== scalarTypeOf(layout.out)) return null;
    const loop = wasmLoopFunction(root, [{ dtype: layout.acc === "f32" ? "float32" : "float64", scalar: false }], layout.out);
    if (loop === null) return null;
    const shape = [layout.batch, layout.m, layout.n];
    return storePass(loop, [], [], 0, layout, shape, align16(layout.batch * layout.m * layout.n * ELEMENT_BYTES[layout.out]));
  }
  const shape = graph.shape;
  if (shape.length < 2) return null;
  const rank = shape.length;
  const n = layout.n;
  const operands: Operand[] = [{ dtype: layout.acc === "f32" ? "float32" : "float64", scalar: false }];
  const extras: StoreExtra[] = [];
  const keys = new Map<string, number>();
  const exprs: ScalarExpr[] = [];
  for (const node of graph.nodes) {
    if (node.kind === "lit") exprs.push(S.c(coerceScalar(node.value, node.dtype), scalarTypeOf(node.dtype)));
    else if (node.kind === "acc") {
      const acc = S.arg(0, layout.acc);
      if (node.dtype === "float32") exprs.push(layout.acc === "f64" ? S.demote(acc) : acc);
      else if (node.dtype === "float64" && layout.acc === "f64") exprs.push(acc);
      else return null;
    } else if (node.kind === "load") {
      if (node.chain.length !== 1) return null;
      const top = node.chain[0]!;
      const sj = top.strides[rank - 1]!;
      if (n > 1 && sj !== 0 && sj !== 1) return null;
      const extra = inputs.indexOf(node.input);
      if (extra < 0) return null;
      const key = `${extra}|${top.offset}|${top.strides.join(",")}`;
      let index = keys.get(key);
      if (index === undefined) {
        index = operands.length;
        const extent = top.offset + shape.reduce((s, size, d) => s + (size - 1) * Math.max(0, top.strides[d]!), 0) + 1;
        if (top.strides.some((s) => s < 0)) return null;
        extras.push({ extra, dtype: node.dtype, offset: top.offset, strides: top.strides, extent });
        operands.push({ dtype: node.dtype, scalar: n > 1 && sj === 0 });
        keys.set(key, index);
      }
      exprs.push(S.arg(index, scalarTypeOf(node.dtype)));
    } else {
      const e = substitute(opScalar(node), node.args.map((a) => exprs[a]!));
      if (e === null) return null;
      exprs.push(e);
    }
  }
  const root = exprs[graph.result]!;
  if (root.type !== scalarTypeOf(layout.out)) return null;
  const loop = wasmLoopFunction(root, operands, layout.out);
  if (loop === null) return null;
  // Staging: each extra's readable extent, then the output.
  const places: number[] = [];
  let end = 0;
  for (const x of extras) {
    places.push(end);
    end = align16(end + x.extent * ELEMENT_BYTES[x.dtype]);
  }
  const outPlace = end;
  const outBytes = ELEMENT_BYTES[layout.out];
  end = align16(end + layout.batch * layout.m * n * outBytes);
  return storePass(loop, extras, places, outPlace, layout, shape, end);
}

function storePass(loop: RunLoop, extras: readonly StoreExtra[], places: readonly number[], outPlace: number, layout: StoreLayout, shape: readonly number[], stageBytes: number): WasmStore {
  const { batch, m, n, nPadded, perBatch } = layout;
  const rank = shape.length;
  const accBytes = layout.acc === "f32" ? 4 : 8;
  const outBytes = ELEMENT_BYTES[layout.out];
  const k = extras.length;
  const args = new Array<number>(k + 3).fill(0);
  args[k + 2] = n;
  const bases = new Array<number>(k).fill(0);
  // Calls of a fixed arity: a spread call into WebAssembly costs several times more per row.
  const a = args;
  const call =
    k === 0 ? () => loop(a[0]!, a[1]!, a[2]!)
    : k === 1 ? () => loop(a[0]!, a[1]!, a[2]!, a[3]!)
    : k === 2 ? () => loop(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!)
    : k === 3 ? () => loop(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!)
    : () => loop(...a);
  const begin = (c: number, out: TypedArray, arrays: readonly TypedArray[], stage: number): StoreRegion => {
    const memory = kernelBuffer();
    for (let x = 0; x < k; x++) {
      const e = extras[x]!;
      const src = arrays[e.extra]!;
      if (src.buffer === memory) bases[x] = src.byteOffset;
      else {
        scratchOf(e.dtype).set(src.subarray(0, e.extent), (stage + places[x]!) / ELEMENT_BYTES[e.dtype]);
        bases[x] = stage + places[x]!;
      }
    }
    const inPlace = out.buffer === memory;
    const outBase = inPlace ? out.byteOffset : stage + outPlace;
    /** Whether some region was not whole rows (then a staged output is copied out at the end). */
    let partRows = false;
    const store = (bt: number, i0: number, i1: number, j0: number, j1: number) => {
      args[k + 2] = j1 - j0;
      for (let i = i0; i < i1; i++) {
        args[0] = c + (bt * perBatch + i * nPadded + j0) * accBytes;
        for (let x = 0; x < k; x++) {
          const e = extras[x]!;
          // The element (bt, i, j0): batch axes unravelled from bt, then the row and the column.
          let at = e.offset + i * e.strides[rank - 2]! + j0 * e.strides[rank - 1]!;
          let rest = bt;
          for (let d = rank - 3; d >= 0; d--) {
            at += (rest % shape[d]!) * e.strides[d]!;
            rest = Math.floor(rest / shape[d]!);
          }
          args[x + 1] = bases[x]! + at * ELEMENT_BYTES[e.dtype];
        }
        args[k + 1] = outBase + ((bt * m + i) * n + j0) * outBytes;
        call();
      }
      if (inPlace) return;
      if (j0 > 0 || j1 < n) partRows = true;
      else {
        const at = (bt * m + i0) * n;
        const first = outBase / outBytes + at;
        out.set(scratchOf(layout.out).subarray(first, first + (i1 - i0) * n), at);
      }
    };
    const end = () => {
      storeCounts.wasm++;
      if (inPlace) storeCounts.inPlaceOutputs++;
      else if (partRows) {
        const first = outBase / outBytes;
        out.set(scratchOf(layout.out).subarray(first, first + batch * m * n));
      }
    };
    return { store, end };
  };
  const run = (c: number, out: TypedArray, arrays: readonly TypedArray[], stage: number) => {
    const region = begin(c, out, arrays, stage);
    for (let bt = 0; bt < batch; bt++) region.store(bt, 0, m, 0, n);
    region.end();
  };
  return { stageBytes, run, begin };
}
