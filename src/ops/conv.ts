// User-facing convolutions: conv1d/conv2d (cross-correlation, NCW/NCHW inputs, OIW/OIHW
// filters), their transposes (PyTorch's ConvTranspose filter layout [in, out/groups, …]) and
// `convolve`, the true convolution of signal processing. All of them bind the one `conv`
// primitive (src/prims/conv.ts); this file turns options into its explicit parameters and
// validates them with messages that name the public op.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { isFloat, promoteTypes } from "../tensor/dtype.js";
import { checkTensorSize } from "../tensor/shape.js";
import type { PaddingSpec } from "../options/codecs.js";
import * as schemas from "../options/schemas.js";
import { checkOptions } from "../options/validate.js";
import type { Tensor } from "../tensor/tensor.js";
import { type TensorLike, castAll, toTensors } from "../prims/elementwise.js";
import { add } from "../prims/binary.js";
import { reshape } from "../prims/layout.js";
import { type ConvParams, conv, convInputGrad, convShape, dilatedSize, reverseSpatial } from "../prims/conv.js";
import { addTensorMethods } from "./methods.js";

/** One integer for every spatial axis, or one per axis. */
export type SpatialInts = number | readonly number[];

/**
 * Padding: `"valid"` (none), `"same"` (output size ⌈input / stride⌉, the odd extra element on
 * the high side, as TensorFlow and PyTorch do), one number for every side, or per spatial axis
 * either a number (both sides) or a `[low, high]` pair.
 */
export type Padding = "valid" | "same" | number | readonly (number | readonly [number, number])[];

/** Options of conv1d and conv2d (padding is "valid", "same", or explicit per-axis widths). */
export interface ConvOptions {
  /** Window step (default 1). */
  stride?: SpatialInts;
  /** Default `"valid"`. */
  padding?: Padding;
  /** Filter dilation (default 1). */
  dilation?: SpatialInts;
  /** Feature groups (default 1); groups = input channels = output channels is depthwise. */
  groups?: number;
  /** Added per output channel, shape [out channels]. */
  bias?: TensorLike;
}

/** Options of the transposed convolutions. */
export interface ConvTransposeOptions extends ConvOptions {
  /** Extra elements at the high end of each output axis (default 0; < max(stride, dilation)). */
  outputPadding?: SpatialInts;
}

/**
 * Resolves a decoded padding option to [low, high] per spatial axis for inputs of `sizes`,
 * windows of (dilated) extent `windows` and `strides`. "same": total = max((⌈S/s⌉ − 1)·s + k − S, 0),
 * low = ⌊total/2⌋, high = total − low.
 */
export function resolvePadding(padding: PaddingSpec | undefined, sizes: readonly number[], windows: readonly number[], strides: readonly number[]): number[][] {
  if (padding === undefined || padding === "valid") return sizes.map(() => [0, 0]);
  if (padding === "same") {
    return sizes.map((s, d) => {
      const total = Math.max((Math.ceil(s / strides[d]!) - 1) * strides[d]! + windows[d]! - s, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return padding;
}

/** Converts both operands to one float dtype (ints become float32). */
function floatOperands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const [x, w] = toTensors(op, [a, b]);
  let dtype = promoteTypes(x!.dtype, w!.dtype);
  if (!isFloat(dtype)) dtype = "float32";
  return castAll([x!, w!], dtype) as [Tensor, Tensor];
}

/** Adds a batch axis to an unbatched input (rank nd + 1); checks the ranks. */
function batched(op: string, x: Tensor, w: Tensor, nd: number): [Tensor, boolean] {
  const layout = nd === 1 ? "[N,C,W] (or [C,W])" : "[N,C,H,W] (or [C,H,W])";
  if (w.shape.length !== nd + 2) {
    throw new ShapeError(`${op}: filter must have rank ${nd + 2}, got ${fmtShape(w.shape)} (input ${fmtShape(x.shape)})`);
  }
  if (x.shape.length === nd + 1) return [reshape(x, [1, ...x.shape]), true];
  if (x.shape.length !== nd + 2) throw new ShapeError(`${op}: input must be ${layout}, got ${fmtShape(x.shape)}`);
  return [x, false];
}

/** Adds `bias` (shape [channels]) along axis 1 and removes an added batch axis. */
function finish(op: string, y: Tensor, bias: TensorLike | undefined, unbatched: boolean): Tensor {
  let out = y;
  if (bias !== undefined) {
    const [b] = toTensors(op, [bias]);
    const c = y.shape[1]!;
    if (b!.shape.length !== 1 || b!.shape[0] !== c) {
      throw new ShapeError(`${op}: bias must have shape [${c}] (one value per output channel), got ${fmtShape(b!.shape)}`);
    }
    out = add(out, reshape(b!, [c, ...y.shape.slice(2).map(() => 1)]));
  }
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}

function convNd(op: string, nd: 1 | 2, input: TensorLike, filter: TensorLike, rawOptions: ConvOptions): Tensor {
  const options = checkOptions(op, schemas.ConvOptions[nd], rawOptions);
  const [x0, w] = floatOperands(op, input, filter);
  const [x, unbatched] = batched(op, x0, w, nd);
  const ones = Array<number>(nd).fill(1);
  const stride = options.stride ?? ones;
  const dilation = options.dilation ?? ones;
  const windows = w.shape.slice(2).map((k, d) => dilatedSize(k, dilation[d]!));
  const padding = resolvePadding(options.padding, x.shape.slice(2), windows, stride);
  const params: ConvParams = { stride, padding, lhsDilation: ones, rhsDilation: dilation, groups: options.groups ?? 1 };
  checkTensorSize(op, convShape(op, x, w, params), x.dtype);
  return finish(op, conv(x, w, params), options.bias, unbatched);
}

/** 1-D cross-correlation: input [N, C, W] (or [C, W]), filter [O, C/groups, K] → [N, O, W']. */
export function conv1d(input: TensorLike, filter: TensorLike, options: ConvOptions = {}): Tensor {
  return convNd("conv1d", 1, input, filter, options);
}

/** 2-D cross-correlation: input [N, C, H, W] (or [C, H, W]), filter [O, C/groups, KH, KW] → [N, O, H', W']. */
export function conv2d(input: TensorLike, filter: TensorLike, options: ConvOptions = {}): Tensor {
  return convNd("conv2d", 2, input, filter, options);
}

function convTransposeNd(op: string, nd: 1 | 2, input: TensorLike, filter: TensorLike, rawOptions: ConvTransposeOptions): Tensor {
  const options = checkOptions(op, schemas.ConvTransposeOptions[nd], rawOptions);
  const [y0, w] = floatOperands(op, input, filter);
  const [y, unbatched] = batched(op, y0, w, nd);
  const groups = options.groups ?? 1;
  const cin = y.shape[1]!;
  if (w.shape[0] !== cin || cin % groups !== 0) {
    throw new ShapeError(
      `${op}: filter [in, out/groups, …] must have in = input channels (${cin}) divisible by groups=${groups}; got input ${fmtShape(y.shape)}, filter ${fmtShape(w.shape)}`,
    );
  }
  const stride = options.stride ?? Array<number>(nd).fill(1);
  const dilation = options.dilation ?? Array<number>(nd).fill(1);
  const extra = options.outputPadding ?? Array<number>(nd).fill(0);
  const windows = w.shape.slice(2).map((k, d) => dilatedSize(k, dilation[d]!));
  const t = y.shape.slice(2);
  extra.forEach((e, d) => {
    if (e >= Math.max(stride[d]!, dilation[d]!)) {
      throw new ValueError(`${op}: outputPadding ${JSON.stringify(extra)} must be smaller than max(stride, dilation) = ${Math.max(stride[d]!, dilation[d]!)} on axis ${d}`);
    }
  });
  // The transposed convolution is the input gradient of the forward convolution whose output
  // has y's spatial shape; find that convolution's input size and padding.
  let padding: number[][];
  let sizes: number[];
  if (options.padding === "same") {
    // The padding of the "same" convolution of an input of T·stride elements; outputPadding
    // only appends rows at the high end (it must not move the low padding, which places
    // every row).
    padding = t.map((n, d) => {
      const total = Math.max((n - 1) * stride[d]! + windows[d]! - n * stride[d]!, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
    sizes = t.map((n, d) => n * stride[d]! + extra[d]!);
  } else {
    padding = resolvePadding(options.padding, t, windows, stride);
    sizes = t.map((n, d) => (n - 1) * stride[d]! + windows[d]! - padding[d]![0]! - padding[d]![1]! + extra[d]!);
  }
  if (sizes.some((s) => s < 1)) {
    throw new ShapeError(`${op}: the padding ${JSON.stringify(rawOptions.padding)} leaves an empty output (input ${fmtShape(y.shape)}, filter ${fmtShape(w.shape)})`);
  }
  checkTensorSize(op, [...y.shape.slice(0, 1), w.shape[1]! * groups, ...sizes], y.dtype);
  const params: ConvParams = { stride, padding, lhsDilation: stride.map(() => 1), rhsDilation: dilation, groups };
  return finish(op, convInputGrad(y, w, params, sizes), options.bias, unbatched);
}

/**
 * 1-D transposed convolution (the adjoint of conv1d with the same options): input [N, Cin, W],
 * filter [Cin, Cout/groups, K] → [N, Cout, (W−1)·stride − padLow − padHigh + dilation·(K−1) + 1 + outputPadding].
 */
export function conv1dTranspose(input: TensorLike, filter: TensorLike, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd("conv1dTranspose", 1, input, filter, options);
}

/** 2-D transposed convolution (the adjoint of conv2d): input [N, Cin, H, W], filter [Cin, Cout/groups, KH, KW]. */
export function conv2dTranspose(input: TensorLike, filter: TensorLike, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd("conv2dTranspose", 2, input, filter, options);
}

/** Options of `convolve`. */
export interface ConvolveOptions {
  /**
   * "full" (default): every overlap, size na + nb − 1. "same": the central part of the size
   * of `a`. "valid": only complete overlaps, size |na − nb| + 1 (the larger operand is the
   * signal; one operand must be at least as large as the other on every axis).
   */
  mode?: "full" | "same" | "valid";
}

/**
 * The true (flip-and-filter) convolution of two 1-D or two 2-D arrays:
 * (a ∗ b)[t] = Σ_τ a[τ]·b[t − τ], as signal processing (and SciPy) define it.
 */
export function convolve(a: TensorLike, b: TensorLike, options: ConvolveOptions = {}): Tensor {
  const op = "convolve";
  const mode = checkOptions(op, schemas.ConvolveOptions, options).mode ?? "full";
  let [x, k] = floatOperands(op, a, b);
  const nd = x.shape.length;
  if ((nd !== 1 && nd !== 2) || k.shape.length !== nd) {
    throw new ShapeError(`${op}: expects two 1-D or two 2-D arrays, got ${fmtShape(x.shape)} and ${fmtShape(k.shape)}`);
  }
  if (x.size === 0 || k.size === 0) throw new ShapeError(`${op}: operands must not be empty, got ${fmtShape(x.shape)} and ${fmtShape(k.shape)}`);
  if (mode === "valid" && !x.shape.every((n, d) => n >= k.shape[d]!)) {
    if (!k.shape.every((n, d) => n >= x.shape[d]!)) {
      throw new ShapeError(`${op}: mode "valid" needs one operand at least as large as the other on every axis, got ${fmtShape(x.shape)} and ${fmtShape(k.shape)}`);
    }
    [x, k] = [k, x];
  }
  const padding = k.shape.map((n) => {
    if (mode === "full") return [n - 1, n - 1];
    if (mode === "valid") return [0, 0];
    const start = Math.floor((n - 1) / 2); // where "same" starts inside the full result
    return [n - 1 - start, start];
  });
  const ones = k.shape.map(() => 1);
  const signal = reshape(x, [1, 1, ...x.shape]);
  const kernel = reverseSpatial(reshape(k, [1, 1, ...k.shape]));
  const y = conv(signal, kernel, { stride: ones, padding, lhsDilation: ones, rhsDilation: ones, groups: 1 });
  return reshape(y, y.shape.slice(2));
}

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** `fx.conv1d` with this tensor as its first argument. */
    conv1d(filter: TensorLike, options?: ConvOptions): Tensor;
    /** `fx.conv2d` with this tensor as its first argument. */
    conv2d(filter: TensorLike, options?: ConvOptions): Tensor;
    /** `fx.conv1dTranspose` with this tensor as its first argument. */
    conv1dTranspose(filter: TensorLike, options?: ConvTransposeOptions): Tensor;
    /** `fx.conv2dTranspose` with this tensor as its first argument. */
    conv2dTranspose(filter: TensorLike, options?: ConvTransposeOptions): Tensor;
    /** `fx.convolve` with this tensor as its first argument. */
    convolve(other: TensorLike, options?: ConvolveOptions): Tensor;
  }
}

addTensorMethods({ conv1d, conv2d, conv1dTranspose, conv2dTranspose, convolve });
