// Pooling layers over per-example [C, H, W] inputs (no parameters, no state).

import * as t from "io-ts";
import { avgPool2d as avgPoolOp, globalAvgPool2d as globalAvgPoolOp, maxPool2d as maxPoolOp } from "../../ops/pool.js";
import { decodeOptions, optionsCodec } from "../options.js";
import { type Layer, type NoParams, fmtWindow, statelessLayer } from "./layer.js";
import { PaddingCodec, SpatialCodec, spatialSize } from "./params.js";

const PoolOptions = optionsCodec("pool options", { stride: SpatialCodec, padding: PaddingCodec });
const AvgPoolOptions = optionsCodec("avgPool options", { stride: SpatialCodec, padding: PaddingCodec, countIncludePad: t.boolean });

/** Options of the pooling layers: the strides (default: the window) and the padding. */
export interface PoolLayerOptions {
  /** Step between windows (default: the window). */
  readonly stride?: number | readonly number[];
  /** "valid" (default), "same", an integer or per-axis entries. */
  readonly padding?: "valid" | "same" | number | readonly (number | readonly [number, number])[];
}

/** Max over windows of each channel. */
export function maxPool2d(window: number | readonly number[], options?: PoolLayerOptions): Layer<NoParams, NoParams> {
  const w = spatialSize("maxPool2d", "window", window, 2);
  const o = decodeOptions("maxPool2d", PoolOptions, options);
  return statelessLayer(`maxPool2d(${fmtWindow(w)})`, 3, "channels, height, width", (x) => maxPoolOp(x, w, o as never));
}

/** Mean over windows of each channel (countIncludePad, default true, as the op). */
export function avgPool2d(window: number | readonly number[], options?: PoolLayerOptions & { readonly countIncludePad?: boolean }): Layer<NoParams, NoParams> {
  const w = spatialSize("avgPool2d", "window", window, 2);
  const o = decodeOptions("avgPool2d", AvgPoolOptions, options);
  return statelessLayer(`avgPool2d(${fmtWindow(w)})`, 3, "channels, height, width", (x) => avgPoolOp(x, w, o as never));
}

/** The mean of each channel over all positions: per-example [C, H, W] → [C]. */
export function globalAvgPool2d(): Layer<NoParams, NoParams> {
  return statelessLayer("globalAvgPool2d", 3, "channels, height, width", (x) => globalAvgPoolOp(x));
}
