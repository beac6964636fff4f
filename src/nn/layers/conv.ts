// Convolution layers over fluxion's layouts: inputs NCW / NCHW (per example [C, W] / [C, H, W]),
// filters OIW / OIHW as PyTorch stores them, transposed filters [in, out/groups, kH, kW].
// Output shapes come from tracing the op itself, so they always agree with it.

import * as t from "io-ts";
import { ValueError } from "../../errors.js";
import { conv1d as conv1dOp, conv2d as conv2dOp, conv2dTranspose as conv2dTransposeOp, type Padding } from "../../ops/conv.js";
import type { Tensor } from "../../tensor/tensor.js";
import { glorotUniform, zeros, type Initializer } from "../init.js";
import { decodeOptions, optionsCodec } from "../options.js";
import { type Layer, type NoParams, applyOptions, checkRank, checkShape, fmtWindow, inferOutputShape, initOptions } from "./layer.js";
import { InitializerCodec, PaddingCodec, SpatialCodec, draw, positiveInt, spatialSize } from "./params.js";

const CONV_OPTION_PROPS = {
  stride: SpatialCodec,
  padding: PaddingCodec,
  dilation: SpatialCodec,
  groups: t.number,
  useBias: t.boolean,
  kernelInit: InitializerCodec,
  biasInit: InitializerCodec,
};
const ConvOptions = optionsCodec("conv options", CONV_OPTION_PROPS);
const ConvTransposeOptions = optionsCodec("conv transpose options", { ...CONV_OPTION_PROPS, outputPadding: SpatialCodec });

/** Options of the convolution layers: stride, padding, dilation, groups, bias and initialisers. */
export interface ConvLayerOptions {
  /** Step between windows (default 1). */
  readonly stride?: number | readonly number[];
  /** "valid" (default), "same", an integer, or per-axis integers / [low, high] pairs. */
  readonly padding?: Padding;
  /** Filter dilation (default 1). */
  readonly dilation?: number | readonly number[];
  /** Feature groups (default 1): input and output channels must divide by it. */
  readonly groups?: number;
  /** Add a per-channel bias (default true). */
  readonly useBias?: boolean;
  /** Filter initialiser (default glorotUniform). */
  readonly kernelInit?: Initializer;
  /** Bias initialiser (default zeros). */
  readonly biasInit?: Initializer;
}

/** Options of `conv2dTranspose`: those of the convolutions and the output padding. */
export interface ConvTransposeLayerOptions extends ConvLayerOptions {
  /** Extra elements at the high end of each output axis (default 0). */
  readonly outputPadding?: number | readonly number[];
}

type ConvFn = (x: Tensor, w: Tensor, o: Record<string, unknown>) => Tensor;

/** The parameters of a convolution layer: the filters w and, unless `useBias: false`, the bias b `[filters]`. */
export type ConvParams = { w: Tensor; b?: Tensor };

function convLayer(op: string, nd: number, transpose: boolean, fn: ConvFn, filters: number, kernel: number | readonly number[], options: unknown): Layer<ConvParams, NoParams> {
  positiveInt(op, "filters", filters);
  const ks = spatialSize(op, "kernel", kernel, nd);
  const o = (transpose ? decodeOptions(op, ConvTransposeOptions, options) : decodeOptions(op, ConvOptions, options)) as ConvTransposeLayerOptions;
  const groups = o.groups ?? 1;
  positiveInt(op, "groups", groups);
  if (filters % groups !== 0) throw new ValueError(`${op}: filters ${filters} must divide by groups ${groups}`);
  const { useBias = true, kernelInit = glorotUniform, biasInit = zeros, ...convOpts } = o;
  const name = `${op}(${filters}, ${fmtWindow(ks)})`;
  const layer: Layer<ConvParams, NoParams> = {
    name,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const { dtype } = initOptions(name, initOpts);
      checkRank(name, shape, nd + 1, nd === 1 ? "channels, width" : "channels, height, width");
      const channels = shape[0]!;
      if (channels % groups !== 0) throw new ValueError(`${name}: input channels ${channels} (input shape [${shape}]) must divide by groups ${groups}`);
      const wShape = transpose ? [channels, filters / groups, ...ks] : [filters, channels / groups, ...ks];
      const specs: [string, Initializer, number[]][] = [["w", kernelInit, wShape]];
      if (useBias) specs.push(["b", biasInit, [filters]]);
      const params = draw(key, dtype, specs) as ConvParams;
      return { params, state: {}, outputShape: inferOutputShape(layer, params, {}, shape, dtype) };
    },
    apply(params, state, x, applyOpts) {
      applyOptions(name, applyOpts);
      const p = params;
      return [fn(x, p.w, p.b === undefined ? convOpts : { ...convOpts, bias: p.b }), state];
    },
  };
  return layer;
}

/** 1-D convolution: per-example [C, W] → [filters, W']; params `{ w: [filters, C/groups, k], b: [filters] }`. */
export function conv1d(filters: number, kernel: number | readonly number[], options?: ConvLayerOptions): Layer<ConvParams, NoParams> {
  return convLayer("conv1d", 1, false, conv1dOp as ConvFn, filters, kernel, options);
}

/** 2-D convolution: per-example [C, H, W] → [filters, H', W']; params `{ w: [filters, C/groups, kH, kW], b }`. */
export function conv2d(filters: number, kernel: number | readonly number[], options?: ConvLayerOptions): Layer<ConvParams, NoParams> {
  return convLayer("conv2d", 2, false, conv2dOp as ConvFn, filters, kernel, options);
}

/** 2-D transposed convolution (conv2d's adjoint, for upsampling): params `{ w: [C, filters/groups, kH, kW], b }`. */
export function conv2dTranspose(filters: number, kernel: number | readonly number[], options?: ConvTransposeLayerOptions): Layer<ConvParams, NoParams> {
  return convLayer("conv2dTranspose", 2, true, conv2dTransposeOp as ConvFn, filters, kernel, options);
}
