// dense(units): y = x·W + b over the last axis. W is [in, out] (fluxion's dense layout), b is
// [out]; per-example inputs [..., in] give [..., units].

import * as t from "io-ts";
import { add, matmul } from "../../prims/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { glorotUniform, zeros, type Initializer } from "../init.js";
import { decodeOptions, optionsCodec } from "../options.js";
import { type Layer, type NoParams, applyOptions, checkFeatureShape, checkShape, initOptions } from "./layer.js";
import { InitializerCodec, draw, positiveInt } from "./params.js";

const DenseOptions = optionsCodec("dense options", { useBias: t.boolean, kernelInit: InitializerCodec, biasInit: InitializerCodec });

/** The parameters of a dense layer: W `[in, units]` and, unless `useBias: false`, b `[units]`. */
export type DenseParams = { w: Tensor; b?: Tensor };

/** Options of `dense`. */
export interface DenseOptions {
  /** Add a bias b (default true). */
  readonly useBias?: boolean;
  /** Initialiser of W (default glorotUniform, as Keras). */
  readonly kernelInit?: Initializer;
  /** Initialiser of b (default zeros). */
  readonly biasInit?: Initializer;
}

/** A fully connected layer of `units` outputs; params `{ w: [in, units], b: [units] }`. */
export function dense(units: number, options?: DenseOptions): Layer<DenseParams, NoParams> {
  const op = "dense";
  positiveInt(op, "units", units);
  const o = decodeOptions(op, DenseOptions, options);
  const useBias = o.useBias ?? true;
  const name = `dense(${units})`;
  return {
    name,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const { dtype } = initOptions(name, initOpts);
      checkFeatureShape(name, shape, "..., features");
      const fanIn = shape[shape.length - 1]!;
      const specs: [string, Initializer, number[]][] = [["w", o.kernelInit ?? glorotUniform, [fanIn, units]]];
      if (useBias) specs.push(["b", o.biasInit ?? zeros, [units]]);
      return { params: draw(key, dtype, specs) as DenseParams, state: {}, outputShape: [...shape.slice(0, -1), units] };
    },
    apply(params, state, x, applyOpts) {
      applyOptions(name, applyOpts);
      const p = params;
      const y = matmul(x, p.w);
      return [p.b === undefined ? y : add(y, p.b), state];
    },
  };
}
