// User-facing pooling over NCW / NCHW inputs (or unbatched CW / CHW): max and average pooling
// with window, stride (default = window) and padding, and the global poolings.
// Max pooling binds the max_pool primitive (src/prims/pool.ts: its gradient goes to the first
// maximum of each window). Average pooling is a convolution of each channel with a window of
// ones, divided by the window size (or, with countIncludePad false, by the number of input
// elements the window covers), so its gradient spreads evenly and reuses the conv kernels.

import { ShapeError, ValueError, fmtShape } from "../errors.js";
import { allocArray, isFloat } from "../tensor/dtype.js";
import { fromArray, ones } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import { type TensorLike, toTensors } from "../prims/elementwise.js";
import { div } from "../prims/binary.js";
import { cast } from "../prims/compare.js";
import { reshape } from "../prims/layout.js";
import { reduceSum } from "../prims/reduce.js";
import { conv } from "../prims/conv.js";
import { type PoolParams, maxPoolRaw, poolShape } from "../prims/pool.js";
import { type Padding, type SpatialInts, resolvePadding } from "./conv.js";
import type { PaddingSpec } from "../options/codecs.js";
import * as schemas from "../options/schemas.js";
import { checkArg, checkOptions } from "../options/validate.js";
import { addTensorMethods } from "./methods.js";

/** Options of the pooling ops. */
export interface PoolOptions {
  /** Window step (default: the window size, i.e. non-overlapping windows). */
  stride?: SpatialInts;
  /** Default "valid". Explicit padding must be smaller than the window on each side. */
  padding?: Padding;
}

/** Options of the average pooling ops. */
export interface AvgPoolOptions extends PoolOptions {
  /** Divide by the full window size, padding included (default true, as PyTorch); false divides by the input elements covered. */
  countIncludePad?: boolean;
}

/** Validated input (batch axis added when missing) and explicit pooling parameters. */
function poolSetup(op: string, input: TensorLike, nd: 1 | 2, window: SpatialInts, options: { stride?: number[]; padding?: PaddingSpec }) {
  const win = checkArg(op, "window", schemas.PoolWindow[nd], window);
  const [x0] = toTensors(op, [input]);
  const layout = nd === 1 ? "[N,C,W] (or [C,W])" : "[N,C,H,W] (or [C,H,W])";
  if (x0!.shape.length !== nd + 1 && x0!.shape.length !== nd + 2) throw new ShapeError(`${op}: input must be ${layout}, got ${fmtShape(x0!.shape)}`);
  const unbatched = x0!.shape.length === nd + 1;
  const x = unbatched ? reshape(x0!, [1, ...x0!.shape]) : x0!;
  const stride = options.stride ?? win;
  const padding = resolvePadding(options.padding, x.shape.slice(2), win, stride);
  const params: PoolParams = { window: win, stride, padding };
  poolShape(op, x, params);
  return { x, params, unbatched };
}

function unbatch(y: Tensor, unbatched: boolean): Tensor {
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

function maxPoolNd(op: string, nd: 1 | 2, input: TensorLike, window: SpatialInts, options: PoolOptions): Tensor {
  const { x, params, unbatched } = poolSetup(op, input, nd, window, checkOptions(op, schemas.PoolOptions[nd], options));
  return unbatch(maxPoolRaw(x, params), unbatched);
}

/** How many input elements each window covers along one axis (the rest is padding). */
function coverage(size: number, window: number, stride: number, lo: number, count: number): number[] {
  return Array.from({ length: count }, (_, t) => Math.min(size, t * stride - lo + window) - Math.max(0, t * stride - lo));
}

function avgPoolNd(op: string, nd: 1 | 2, input: TensorLike, window: SpatialInts, rawOptions: AvgPoolOptions): Tensor {
  const options = checkOptions(op, schemas.AvgPoolOptions[nd], rawOptions);
  const setup = poolSetup(op, input, nd, window, options);
  let x = setup.x;
  if (!isFloat(x.dtype)) x = cast(x, "float32");
  const { params, unbatched } = setup;
  const [n, c, ...sizes] = x.shape as number[];
  // Each channel separately: [N·C, 1, …] correlated with a [1, 1, window] filter of ones.
  const planes = reshape(x, [n! * c!, 1, ...sizes]);
  const unit = params.window.map(() => 1);
  const sums = conv(planes, ones([1, 1, ...params.window], { dtype: x.dtype }), {
    stride: params.stride,
    padding: params.padding,
    lhsDilation: unit,
    rhsDilation: unit,
    groups: 1,
  });
  const summed = reshape(sums, [n!, c!, ...sums.shape.slice(2)]);
  const outSizes = summed.shape.slice(2);
  let divisor: Tensor | number;
  if (options.countIncludePad ?? true) divisor = params.window.reduce((a, b) => a * b, 1);
  else {
    // The outer product of the per-axis coverages: a constant of the output's spatial shape.
    const covers = sizes.map((s, d) => coverage(s, params.window[d]!, params.stride[d]!, params.padding[d]![0]!, outSizes[d]!));
    const counts = allocArray(x.dtype, outSizes.reduce((a, b) => a * b, 1));
    for (let i = 0; i < counts.length; i++) {
      counts[i] = nd === 1 ? covers[0]![i]! : covers[0]![Math.floor(i / outSizes[1]!)]! * covers[1]![i % outSizes[1]!]!;
    }
    divisor = fromArray(counts, outSizes, x.dtype);
  }
  return unbatch(div(summed, divisor), unbatched);
}

/** Max over windows of [N, C, W]: window size, stride (default window), padding. */
export function maxPool1d(input: TensorLike, window: SpatialInts, options: PoolOptions = {}): Tensor {
  return maxPoolNd("maxPool1d", 1, input, window, options);
}

/** Max over windows of [N, C, H, W]; the gradient goes to the first maximum of each window. */
export function maxPool2d(input: TensorLike, window: SpatialInts, options: PoolOptions = {}): Tensor {
  return maxPoolNd("maxPool2d", 2, input, window, options);
}

/** Mean over windows of [N, C, W]. */
export function avgPool1d(input: TensorLike, window: SpatialInts, options: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool1d", 1, input, window, options);
}

/** Mean over windows of [N, C, H, W]. */
export function avgPool2d(input: TensorLike, window: SpatialInts, options: AvgPoolOptions = {}): Tensor {
  return avgPoolNd("avgPool2d", 2, input, window, options);
}

/** Options of the global pooling ops. */
export interface GlobalPoolOptions {
  /** Keep the pooled axes as size 1: [N, C, 1, 1] instead of [N, C]. */
  keepDims?: boolean;
}

function checkGlobal(op: string, input: TensorLike): Tensor {
  const [x] = toTensors(op, [input]);
  if (x!.shape.length !== 4) throw new ShapeError(`${op}: input must be [N,C,H,W], got ${fmtShape(x!.shape)}`);
  if (x!.shape[2] === 0 || x!.shape[3] === 0) throw new ValueError(`${op}: empty spatial axes in ${fmtShape(x!.shape)}`);
  return x!;
}

/** Mean over H and W: [N, C, H, W] → [N, C] (or [N, C, 1, 1] with keepDims). */
export function globalAvgPool2d(input: TensorLike, rawOptions: GlobalPoolOptions = {}): Tensor {
  const options = checkOptions("globalAvgPool2d", schemas.GlobalPoolOptions, rawOptions);
  let x = checkGlobal("globalAvgPool2d", input);
  if (!isFloat(x.dtype)) x = cast(x, "float32");
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const y = div(reduceSum(x, [2, 3]), h * w);
  return options.keepDims ? reshape(y, [n, c, 1, 1]) : y;
}

/** Max over H and W: [N, C, H, W] → [N, C]; a max pool with one H×W window (same tie rule). */
export function globalMaxPool2d(input: TensorLike, rawOptions: GlobalPoolOptions = {}): Tensor {
  const options = checkOptions("globalMaxPool2d", schemas.GlobalPoolOptions, rawOptions);
  const x = checkGlobal("globalMaxPool2d", input);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const y = maxPoolRaw(x, { window: [h, w], stride: [1, 1], padding: [[0, 0], [0, 0]] });
  return options.keepDims ? y : reshape(y, [n, c]);
}

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** `fx.maxPool1d` with this tensor as its first argument. */
    maxPool1d(window: SpatialInts, options?: PoolOptions): Tensor;
    /** `fx.maxPool2d` with this tensor as its first argument. */
    maxPool2d(window: SpatialInts, options?: PoolOptions): Tensor;
    /** `fx.avgPool1d` with this tensor as its first argument. */
    avgPool1d(window: SpatialInts, options?: AvgPoolOptions): Tensor;
    /** `fx.avgPool2d` with this tensor as its first argument. */
    avgPool2d(window: SpatialInts, options?: AvgPoolOptions): Tensor;
    /** `fx.globalAvgPool2d` with this tensor as its first argument. */
    globalAvgPool2d(options?: GlobalPoolOptions): Tensor;
    /** `fx.globalMaxPool2d` with this tensor as its first argument. */
    globalMaxPool2d(options?: GlobalPoolOptions): Tensor;
  }
}

addTensorMethods({ maxPool1d, maxPool2d, avgPool1d, avgPool2d, globalAvgPool2d, globalMaxPool2d });
