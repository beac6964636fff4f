// Compiled kernels for the `conv` primitive (src/prims/conv.ts), specialised to static shapes:
// JavaScript source with constant loop bounds, made by `compileKernelSource` (checked to contain
// only numbers, operators and compiler-made identifiers). Two methods, both covering every option
// (stride, padding/cropping, input dilation, filter dilation, groups; 1-D runs as 2-D of height 1):
//
// - "direct" (./conv-direct.ts): register tiles of output channels × adjacent outputs of a row,
//   accumulating in locals over a zero-padded scratch image, leaving out products that only read
//   padding.
// - "im2col" (./im2col.ts): the windows of a chunk of images are unrolled into a column matrix and
//   multiplied by the filter with the matmul kernel (./matmul.ts, WebAssembly when switched on).
//
// On the WebAssembly backend a plugged-in accelerator (`setConvAccelerator`: ../wasm/conv.ts, SIMD
// lanes over output channels, the same summation order) runs the direct method; the JS loops
// stay its fallback and what the "js" backend runs.
//
// `chooseConvMethod` picks one per shape class from the measurements in docs/performance.md
// ("Convolution kernels"). Both methods accept an epilogue (bias, activation) applied to each
// accumulator as it is stored: conv's lowering declares `epilogue: true`, so the fuse pass makes
// conv + bias + activation one `contraction` kernel, built here by `convContractionKernel`.

import { type ConvParams, convPrim } from "../../prims/conv.js";
import type { TypedArray } from "../../tensor/dtype.js";
import { type Shape, stridesOf } from "../../tensor/shape.js";
import { type CompiledKernel, type KernelFn, compileKernelSource, registerEpilogueKernel, registerKernel } from "../codegen/emitter.js";
import { chainTail, epilogueOperands, literalExpression, opExpression, storedAs } from "../codegen/graph.js";
import { numberLiteral } from "../codegen/safety.js";
import type { ExprGraph, KernelSpec } from "../lower.js";
import type { StridedLayer } from "../views.js";
import { type DirectTiling, compileDirect, directTilingFor } from "./conv-direct.js";
import {
  type ConvEpilogue,
  type ConvGeometry,
  type ConvIndex,
  type ConvKernel,
  checkedEpilogue,
  convGeometry,
  convSizes,
  emitEpilogueStoreSource,
} from "./conv-geometry.js";
import { compileIm2col } from "./im2col.js";
import { matmulAccelerated } from "./matmul.js";
import { registerPoolKernels } from "./pool.js";

export { type ConvEpilogue, type ConvGeometry, type ConvIndex, type ConvKernel, convGeometry, sharedScratch } from "./conv-geometry.js";
export {
  DEFAULT_DIRECT_TILING,
  type DirectTiling,
  FILTER_PANEL_MIN_USES,
  WHOLE_ROW_TILE,
  directTilingFor,
  filterReadInPlace,
  filterRowsReadingData,
  paddingColumns,
} from "./conv-direct.js";

export type ConvMethod = "direct" | "im2col";

/**
 * The faster method for a shape class, from the measurements in docs/performance.md
 * ("Convolution kernels"): im2col + matmul wins only when there are many filters per group, a
 * deep contraction and many output positions (1×1 and 3×3 layers with ≥ 32 filters), where the
 * matmul's packed panels amortise the column copy. Direct loops win everywhere else: LeNet-5's
 * forward convolutions (few filters), input gradients, filter gradients (few output positions,
 * huge windows), depthwise convolutions, and input-dilated (transposed) convolutions, whose
 * columns would copy the dilation holes. With the WebAssembly matmul, im2col wins from 16 filters
 * per group, a contraction of 64 and 64 output positions (LeNet-5's second layer; "WebAssembly
 * matmul" in docs/performance.md). Filter gradients (25 positions in LeNet-5) stay direct: with
 * the direct loops skipping padding, they measured 7.8 ms direct vs 9.3 ms im2col (CPU time,
 * float64 accumulation; with float32 accumulation im2col took 6.1 ms).
 * With the WebAssembly direct convolution (`acceleratedDirect`, ../wasm/conv.ts) direct wins
 * LeNet-5's second layer too (2.9 ms against 8.3 ms for im2col + WebAssembly matmul, loaded
 * machine, same process): im2col keeps only the original class (≥ 32 filters per group), where
 * the direct kernel would re-read the image once per block of 6 channels.
 */
export function chooseConvMethod(g: ConvGeometry, acceleratedMatmul = false, acceleratedDirect = false): ConvMethod {
  const { og, k, positions } = convSizes(g);
  if (g.lhsDilation[0] > 1 || g.lhsDilation[1] > 1) return "direct";
  if (acceleratedMatmul && !acceleratedDirect && og >= 16 && k >= 64 && positions >= 64) return "im2col";
  return og >= 32 && k >= 32 && positions >= 64 ? "im2col" : "direct";
}

export interface ConvKernelOptions {
  readonly method?: ConvMethod;
  readonly epilogue?: ConvEpilogue;
  /** A JS tiling of the direct method (given: the JS loops run, never the accelerator). */
  readonly tiling?: DirectTiling;
  /** Let a plugged-in accelerator run the direct method (default true; false: the JS loops). */
  readonly accelerate?: boolean;
}

/** A faster direct convolution (the WebAssembly backend, ../wasm/conv.ts). */
export interface ConvAccelerator {
  /**
   * The kernel for a geometry, or null to use the JS loops. `fallback` makes the JS kernel, for
   * calls the accelerator hands back (a non-finite filter).
   */
  compile(g: ConvGeometry, epilogue: ConvEpilogue | undefined, fallback: () => ConvKernel): { kernel: ConvKernel; source: string; emitter: string } | null;
  /** Whether it is switched on now (the method choice depends on it). */
  active(): boolean;
}

let accelerator: ConvAccelerator | null = null;

/** Plugs in the accelerator the direct method tries first (null: none). */
export function setConvAccelerator(a: ConvAccelerator | null): void {
  accelerator = a;
}

/** Whether a direct-convolution accelerator is plugged in and switched on. */
export function directConvAccelerated(): boolean {
  return accelerator !== null && accelerator.active();
}

/** A compiled convolution: its kernel, readable source, method and emitter name (for `explain`). */
export interface CompiledConv {
  readonly kernel: ConvKernel;
  readonly source: string;
  readonly method: ConvMethod;
  readonly emitter: string;
}

/** Compiles the convolution of `g` with the given (or the chosen) method. */
export function compileConv(g: ConvGeometry, options: ConvKernelOptions = {}): CompiledConv {
  const method = options.method ?? chooseConvMethod(g, matmulAccelerated(), directConvAccelerated());
  const guard = <T extends { kernel: ConvKernel }>(made: T): T => ({ ...made, kernel: exactForNonFiniteFilters(g, options.epilogue, made.kernel) });
  if (method === "im2col") return { ...guard(compileIm2col(g, options.epilogue)), emitter: "js-conv-im2col" };
  const tiling = options.tiling ?? directTilingFor(g);
  const js = () => guard(compileDirect(g, options.epilogue, tiling));
  if (accelerator !== null && options.tiling === undefined && options.accelerate !== false) {
    const fast = accelerator.compile(g, options.epilogue, () => js().kernel);
    if (fast !== null) return { ...fast, method: "direct" };
  }
  return { ...js(), emitter: "js-conv-direct" };
}

/**
 * Whether a kernel may multiply values that are not input data: zero padding or the holes of
 * input dilation, which both methods materialise (the direct loops skip only some padding rows and
 * columns, im2col none). With a finite filter those products are ±0 and change no sum.
 */
function multipliesZeros(g: ConvGeometry): boolean {
  const { eh, ew } = convSizes(g);
  const dataEnd = (lo: number, size: number, dil: number) => lo + (size - 1) * dil + 1;
  return (
    g.lhsDilation[0] > 1 ||
    g.lhsDilation[1] > 1 ||
    g.padLo[0] > 0 ||
    g.padLo[1] > 0 ||
    eh > dataEnd(g.padLo[0], g.h, 1) ||
    ew > dataEnd(g.padLo[1], g.w, 1)
  );
}

/**
 * `kernel`, except that a call whose filter holds NaN or ±Infinity, in a geometry where the kernel
 * multiplies padding or dilation holes, runs the reference evaluation (which skips those taps:
 * NaN·0 would otherwise be NaN where the reference has no product) and stores its results through
 * the epilogue. The check reads the filter once per call, a small fraction of the convolution.
 */
function exactForNonFiniteFilters(g: ConvGeometry, epilogue: ConvEpilogue | undefined, kernel: ConvKernel): ConvKernel {
  if (!multipliesZeros(g)) return kernel;
  let store: KernelFn | null = null;
  const args: TypedArray[] = [];
  return (x, w, out, extras) => {
    if (allFinite(w)) {
      kernel(x, w, out, extras);
      return;
    }
    const raw = referenceConv(g, x, w);
    if (epilogue === undefined) {
      out.set(raw);
      return;
    }
    store ??= compileKernelSource(emitEpilogueStoreSource(g, checkedEpilogue(epilogue)!, g.o / g.groups));
    args.length = 0;
    args.push(raw, ...extras);
    store(args, out);
  };
}

function allFinite(a: TypedArray): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/** The primitive's reference evaluation of the geometry's convolution (as 2-D; 1-D has height 1). */
function referenceConv(g: ConvGeometry, x: TypedArray, w: TypedArray): TypedArray {
  const params: ConvParams = {
    stride: [...g.stride],
    // The reference reads only the low padding (the output size fixes the rest).
    padding: [
      [g.padLo[0], 0],
      [g.padLo[1], 0],
    ],
    lhsDilation: [...g.lhsDilation],
    rhsDilation: [...g.rhsDilation],
    groups: g.groups,
  };
  return convPrim.impl(
    [
      { data: x, shape: [g.n, g.c, g.h, g.w], dtype: g.dtype },
      { data: w, shape: [g.o, g.c / g.groups, g.kh, g.kw], dtype: g.dtype },
    ],
    params,
    { shape: [g.n, g.o, g.th, g.tw], dtype: g.dtype },
  ) as TypedArray;
}

/** The kernel factory for `conv` equations (registered below). */
export function convKernel(spec: { params: unknown; inputs: readonly { shape: Shape; dtype: string }[]; out: { shape: Shape; dtype: string } }): CompiledKernel {
  const [x, w] = spec.inputs;
  const g = convGeometry(x!.shape, w!.shape, spec.out.shape, spec.params as ConvParams, spec.out.dtype);
  const { kernel, source, emitter } = compileConv(g);
  const none: TypedArray[] = [];
  return { run: (ins, out) => kernel(ins[0]!, ins[1]!, out, none), source, emitter };
}

/**
 * The index of a load's first layer (strides over the conv output [N, O, W] or [N, O, H, W]) at
 * the element being stored, from the conv index: contiguous loads use the flat offset; otherwise
 * image, channel and spatial terms, with the spatial position split into row and column only
 * when the strides require it (a per-channel bias is `o · stride`, no division).
 */
function convLoadIndex(top: StridedLayer, shape: Shape, idx: ConvIndex): string {
  const rank = shape.length;
  const contiguous = stridesOf(shape);
  if (top.offset === 0 && top.strides.every((s, d) => s === contiguous[d] || shape[d] === 1)) return idx.flat;
  const terms: string[] = top.offset !== 0 ? [numberLiteral(top.offset)] : [];
  const term = (e: string, s: number) => {
    if (s !== 0) terms.push(s === 1 ? e : `${e} * ${numberLiteral(s)}`);
  };
  const stride = (d: number) => (shape[d] === 1 ? 0 : top.strides[d]!);
  term(idx.n, stride(0));
  term(idx.o, stride(1));
  if (rank === 3) term(idx.p, stride(2));
  else {
    const [sh, sw, w] = [stride(2), stride(3), shape[3]!];
    if (sh === sw * w) term(idx.p, sw);
    else {
      term(`(${idx.p} / ${w} | 0)`, sh);
      term(`(${idx.p} % ${w})`, sw);
    }
  }
  return terms.length === 0 ? "0" : terms.length === 1 ? terms[0]! : `(${terms.join(" + ")})`;
}

/**
 * A fused epilogue graph (the compiler's ExprGraph over the conv output shape, whose `acc` node is
 * the convolution) as a ConvEpilogue. Loads index the extra operands from the conv index
 * (`convLoadIndex`, then any index layers below through `chainTail`). The expression form keeps
 * intermediates in a Float64 register file (appended to the extras when needed, as the matmul
 * epilogue does: im2col runs it inside the matmul kernel); the statement form used by the direct
 * method makes every load and intermediate a block-local constant. `extraInputs` says which kernel
 * inputs the extras are.
 */
export function convEpilogueFromGraph(graph: ExprGraph): { epilogue: ConvEpilogue | undefined; extraInputs: number[]; registers: number } {
  if (graph.nodes[graph.result]!.kind === "acc") return { epilogue: undefined, extraInputs: [], registers: 0 };
  const { extraInputs, regOf } = epilogueOperands(graph);
  const registers = regOf.size;
  /** Definitions [name, expression] of the nodes named by `nameOf` (null: written inline), and the result. */
  const render = (acc: string, idx: ConvIndex, extras: readonly string[], nameOf: (i: number) => string | null) => {
    const defs: [string, string][] = [];
    const refs: string[] = [];
    graph.nodes.forEach((n, i) => {
      let e: string;
      if (n.kind === "lit") e = literalExpression(n.value, n.dtype);
      else if (n.kind === "acc") e = storedAs(n.dtype, acc); // rounded as the stored conv result
      else if (n.kind === "load") e = `${extras[extraInputs.indexOf(n.input)]}[${chainTail(convLoadIndex(n.chain[0]!, graph.shape, idx), n.chain)}]`;
      else e = opExpression(n, n.args.map((a) => refs[a]!)); // rounded to its dtype
      const name = n.kind === "load" || n.kind === "op" ? nameOf(i) : null;
      if (name === null) refs.push(e);
      else {
        defs.push([name, e]);
        refs.push(name);
      }
    });
    return { defs, value: refs[graph.result]! };
  };
  const epilogue: ConvEpilogue = {
    extraInputs: extraInputs.length + (registers > 0 ? 1 : 0),
    graph: { graph, inputs: extraInputs },
    expr: (acc, idx, extras) => {
      const reg = extras[extraInputs.length];
      const { defs, value } = render(acc, idx, extras, (i) => (regOf.has(i) ? `${reg}[${regOf.get(i)}]` : null));
      return `(${[...defs.map(([name, e]) => `${name} = ${e}`), value].join(", ")})`;
    },
    block: (acc, idx, extras, local) => {
      const { defs, value } = render(acc, idx, extras, local);
      return { lines: defs.map(([name, e]) => `const ${name} = ${e};`), value };
    },
  };
  return { epilogue, extraInputs, registers };
}

/**
 * The kernel of a fused conv + elementwise epilogue (bias, activation) in one output pass: the
 * conv operands are kernel inputs `x` and `w`, the epilogue graph reads the others.
 */
export function fusedConvKernel(
  root: { params: ConvParams; x: Shape; w: Shape; out: Shape; dtype: string },
  x: number,
  w: number,
  graph: ExprGraph,
  method?: ConvMethod,
): CompiledKernel {
  const g = convGeometry(root.x, root.w, root.out, root.params, root.dtype);
  const { epilogue, extraInputs, registers } = convEpilogueFromGraph(graph);
  const { kernel, source, emitter } = compileConv(g, { method: method ?? chooseConvMethod(g, matmulAccelerated(), directConvAccelerated()), epilogue });
  const extras: TypedArray[] = extraInputs.map(() => new Float64Array(0));
  if (registers > 0) extras.push(new Float64Array(registers));
  const run = (ins: readonly TypedArray[], out: TypedArray) => {
    for (let k = 0; k < extraInputs.length; k++) extras[k] = ins[extraInputs[k]!]!;
    kernel(ins[x]!, ins[w]!, out, extras);
  };
  return { run, source, emitter: `${emitter}${epilogue === undefined ? "" : "+epilogue"}` };
}

/**
 * The kernel of a `contraction` spec whose root is a conv equation: the fusion pass makes conv
 * (its lowering declares `epilogue: true`) the root of its elementwise readers, as it does matmul.
 */
export function convContractionKernel(spec: Extract<KernelSpec, { kind: "contraction" }>): CompiledKernel {
  const { params, inputs, out } = spec.root;
  const [x, w] = spec.operands as [number, number];
  const root = { params: params as ConvParams, x: inputs[0]!.shape, w: inputs[1]!.shape, out: out.shape, dtype: out.dtype };
  return fusedConvKernel(root, x, w, spec.epilogue);
}

registerKernel("conv", convKernel);
registerEpilogueKernel("conv", convContractionKernel);
registerPoolKernels();
