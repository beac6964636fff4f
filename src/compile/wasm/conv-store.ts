// The WebAssembly direct convolution's store pass in WebAssembly: its result area (laid out
// [n, groups, channels padded to whole blocks, positions], in the accumulator's precision) through
// the fused epilogue (bias, activation) into the output. It is the matmul's store pass
// (./matmul-store.ts) over the convolution seen as a batch of products: batch element (image,
// group), row = output channel of the group, column = output position (row·tw + column), rows
// `ogPadded · positions` apart in the result area. So the epilogue's graph is re-indexed from the
// output's shape [N, O, (H,) W] to [N, groups, O / groups, H·W]; a load whose spatial strides do
// not flatten into one (a view that steps rows and columns unevenly) keeps the JS pass, as does
// every form the matmul's pass declines (a strided extra along the positions, a load through
// several index layers, an op the WebAssembly renderer has no form for).

import type { DType } from "../../tensor/dtype.js";
import type { ConvGeometry } from "../kernels/conv-geometry.js";
import { relayoutLoads } from "../codegen/graph.js";
import type { ExprGraph } from "../lower.js";
import type { StridedLayer } from "../views.js";
import { type WasmStore, compileWasmStore } from "./matmul-store.js";

/** A load's first layer over [N, O, (H,) W] as one over [N, groups, og, positions], or null when its spatial strides do not flatten. */
function regroupLayer(top: StridedLayer, g: ConvGeometry): StridedLayer | null {
  const og = g.o / g.groups;
  const positions = g.th * g.tw;
  const s = top.strides;
  const rank = s.length;
  // The positions' stride: the column stride, unless the rows are one column wide (or the view
  // has no rows: 1-D); rows must follow each other by a whole row of columns.
  let sp: number;
  if (rank === 3) sp = s[2]!;
  else if (g.tw === 1) sp = s[2]!;
  else if (g.th === 1 || s[2] === s[3]! * g.tw) sp = s[3]!;
  else return null;
  return { shape: [g.n, g.groups, og, positions], strides: [s[0]!, og * s[1]!, s[1]!, positions === 1 ? 0 : sp], offset: top.offset };
}

/** The epilogue graph over [N, groups, og, positions], or null (see the file comment). */
export function regroupEpilogue(graph: ExprGraph, g: ConvGeometry): ExprGraph | null {
  return relayoutLoads(graph, [g.n, g.groups, g.o / g.groups, g.th * g.tw], (top) => regroupLayer(top, g));
}

/**
 * The store pass of a convolution's epilogue graph (`inputs`: which kernel input each extra array
 * is) from a result area with `ogPadded` channels per group in `acc` precision, or null where it
 * keeps the JS pass.
 */
export function compileWasmConvStore(graph: ExprGraph, inputs: readonly number[], g: ConvGeometry, ogPadded: number, acc: "f32" | "f64"): WasmStore | null {
  const regrouped = regroupEpilogue(graph, g);
  if (regrouped === null) return null;
  const positions = g.th * g.tw;
  const out: DType = graph.nodes[graph.result]!.dtype;
  return compileWasmStore(regrouped, inputs, { batch: g.n * g.groups, m: g.o / g.groups, n: positions, nPadded: positions, perBatch: ogPadded * positions, acc, out });
}
