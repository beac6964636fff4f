// Normalisation layers. batchNorm normalises each feature (axis 1: the channel of NCHW, the
// unit of [N, F]) with the batch's statistics in training and the running ones otherwise; the
// updated running statistics are returned as the new state (nothing is mutated). Given apply's
// mask, the statistics count the real rows only (fit pads its last batch). layerNorm
// normalises each example over its last axis.

import * as t from "io-ts";
import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { mean, variance } from "../../ops/reductions.js";
import { add, cast, div, mul, reshape, rsqrt, square, sub, sum } from "../../prims/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { ones, zeros, type Initializer } from "../init.js";
import { decodeOptions, optionsCodec } from "../options.js";
import { type Layer, type NoParams, applyOptions, checkFeatureShape, checkShape, initOptions } from "./layer.js";
import { draw } from "./params.js";

const NormOptions = { eps: t.number, center: t.boolean, scale: t.boolean };
const BatchNormOptions = optionsCodec("batchNorm options", { ...NormOptions, momentum: t.number });
const LayerNormOptions = optionsCodec("layerNorm options", NormOptions);

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Learn an offset β (param `bias`, default true). */
  readonly center?: boolean;
  /** Learn a scale γ (param `scale`, default true). */
  readonly scale?: boolean;
}

/** Options of `batchNorm`. */
export interface BatchNormOptions extends LayerNormOptions {
  /** running ← momentum·running + (1 − momentum)·batch statistic (default 0.99, as Keras and Flax). */
  readonly momentum?: number;
}

function checkNumbers(op: string, eps: number, momentum: number): void {
  if (!(Number.isFinite(eps) && eps >= 0)) throw new ValueError(`${op}: eps must be a non-negative finite number, got ${eps}`);
  if (!(momentum >= 0 && momentum <= 1)) throw new ValueError(`${op}: momentum must be in [0, 1], got ${momentum}`);
}

/** The parameters of batchNorm and layerNorm: γ (`scale`) and β (`bias`), each unless turned off. */
export type NormParams = { scale?: Tensor; bias?: Tensor };

/** The state of batchNorm: the running mean and variance per feature. */
export type BatchNormState = { mean: Tensor; var: Tensor };

/** γ and β for `features` as the options ask. */
function affineParams(key: Tensor, dtype: "float32" | "float64", features: number, center: boolean, scale: boolean): NormParams {
  const specs: [string, Initializer, number[]][] = [];
  if (scale) specs.push(["scale", ones, [features]]);
  if (center) specs.push(["bias", zeros, [features]]);
  return specs.length === 0 ? {} : draw(key, dtype, specs);
}

/** x̂·γ + β with γ, β of shape [F] viewed as `view` (broadcasting along the feature axis). */
function affine(xhat: Tensor, p: { scale?: Tensor; bias?: Tensor }, view: number[]): Tensor {
  let y = xhat;
  if (p.scale !== undefined) y = mul(y, reshape(p.scale, view));
  if (p.bias !== undefined) y = add(y, reshape(p.bias, view));
  return y;
}

/**
 * The batch mean and (biased) variance over `axes`, kept as dims. With a mask [B] they count
 * the rows whose mask is 1 only: Σ m·x / Σ m and Σ m·(x − μ)² / Σ m, each Σ m scaled by the
 * elements per row. The masked form does the unmasked one's operations in the same order (the
 * mean computed twice, the variance scaled by 1/n), so an all-ones mask gives the same bits.
 */
function batchStatistics(x: Tensor, axes: number[], mask: Tensor | undefined): [Tensor, Tensor] {
  if (mask === undefined) return [mean(x, { axis: axes, keepDims: true }), variance(x, { axis: axes, keepDims: true })];
  const w = reshape(cast(mask, x.dtype), [x.shape[0]!, ...x.shape.slice(1).map(() => 1)]);
  const perRow = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const count = mul(sum(w), perRow);
  const maskedMean = (t: Tensor) => div(sum(mul(t, w), { axis: axes, keepDims: true }), count);
  const mu = maskedMean(x);
  const v = mul(sum(mul(square(sub(x, maskedMean(x))), w), { axis: axes, keepDims: true }), div(1, count));
  return [mu, v];
}

/** Batch normalisation over axis 1; params `{ scale, bias }` [F], state `{ mean, var }` [F]. */
export function batchNorm(options?: BatchNormOptions): Layer<NormParams, BatchNormState> {
  const o = decodeOptions("batchNorm", BatchNormOptions, options);
  const { eps = 1e-5, momentum = 0.99, center = true, scale = true } = o;
  checkNumbers("batchNorm", eps, momentum);
  const name = "batchNorm";
  return {
    name,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const { dtype } = initOptions(name, initOpts);
      checkFeatureShape(name, shape, "features, ...");
      const f = shape[0]!;
      const state = { mean: zeros(key, [f], { dtype }), var: ones(key, [f], { dtype }) };
      return { params: affineParams(key, dtype, f, center, scale), state, outputShape: shape };
    },
    apply(params, state, x, applyOpts) {
      const { train, mask } = applyOptions(name, applyOpts);
      const s = state;
      const f = s.mean.shape[0]!;
      const view = [f, ...x.shape.slice(2).map(() => 1)];
      if (x.shape.length < 2 || x.shape[1] !== f) {
        throw new ShapeError(`${name}: inputs of shape ${fmtShape(x.shape)} do not have the ${f} features (axis 1) the state was made for`);
      }
      if (!train) {
        const xhat = mul(sub(x, reshape(s.mean, view)), rsqrt(add(reshape(s.var, view), eps)));
        return [affine(xhat, params, view), state];
      }
      if (mask !== undefined && mask.shape[0] !== x.shape[0]) {
        throw new ShapeError(`${name}: the mask of shape ${fmtShape(mask.shape)} does not match inputs of shape ${fmtShape(x.shape)} (one entry per example)`);
      }
      const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
      const [mu, v] = batchStatistics(x, axes, mask);
      const xhat = mul(sub(x, mu), rsqrt(add(v, eps)));
      const blend = (running: Tensor, batch: Tensor) => add(mul(running, momentum), mul(reshape(batch, [f]), 1 - momentum));
      return [affine(xhat, params, view), { mean: blend(s.mean, mu), var: blend(s.var, v) }];
    },
  };
}

/** Layer normalisation over each example's last axis; params `{ scale, bias }` [last]. */
export function layerNorm(options?: LayerNormOptions): Layer<NormParams, NoParams> {
  const o = decodeOptions("layerNorm", LayerNormOptions, options);
  const { eps = 1e-5, center = true, scale = true } = o;
  checkNumbers("layerNorm", eps, 0);
  const name = "layerNorm";
  return {
    name,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const { dtype } = initOptions(name, initOpts);
      checkFeatureShape(name, shape, "..., features");
      return { params: affineParams(key, dtype, shape[shape.length - 1]!, center, scale), state: {}, outputShape: shape };
    },
    apply(params, state, x, applyOpts) {
      applyOptions(name, applyOpts);
      const mu = mean(x, { axis: -1, keepDims: true });
      const v = variance(x, { axis: -1, keepDims: true });
      const xhat = mul(sub(x, mu), rsqrt(add(v, eps)));
      return [affine(xhat, params, [x.shape[x.shape.length - 1]!]), state];
    },
  };
}
