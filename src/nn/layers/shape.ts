// Layers that only rearrange each example: flatten() and reshape(shape). The batch axis stays.

import { ShapeError, ValueError, fmtShape } from "../../errors.js";
import { reshape as reshapeOp } from "../../prims/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { type Layer, type NoParams, applyOptions, checkShape, initOptions } from "./layer.js";

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** `target` with its −1 (at most one) resolved for examples of `elements` scalars, or null. */
function resolve(target: readonly number[], elements: number): number[] | null {
  const known = size(target.filter((d) => d !== -1));
  const free = target.indexOf(-1);
  if (free < 0) return known === elements ? [...target] : null;
  if (known === 0 || elements % known !== 0) return null;
  return target.map((d) => (d === -1 ? elements / known : d));
}

/** Each example reshaped to `shape` (one entry may be −1: whatever is left). */
export function reshape(shape: readonly number[]): Layer<NoParams, NoParams> {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1) || shape.filter((d) => d === -1).length > 1) {
    throw new ValueError(`reshape: shape must be non-negative integers with at most one −1, got ${JSON.stringify(shape)}`);
  }
  const name = `reshape(${fmtShape(shape)})`;
  return {
    name,
    init(_key, inputShape, initOpts) {
      const input = checkShape(name, inputShape);
      initOptions(name, initOpts);
      const out = resolve(shape, size(input));
      if (out === null) throw new ShapeError(`${name}: cannot reshape per-example shape ${fmtShape(input)} (${size(input)} elements) into ${fmtShape(shape)}`);
      return { params: {}, state: {}, outputShape: out };
    },
    apply(_params, state, x: Tensor, applyOpts) {
      applyOptions(name, applyOpts);
      const out = resolve(shape, size(x.shape.slice(1)));
      if (out === null) throw new ShapeError(`${name}: cannot reshape inputs of shape ${fmtShape(x.shape)} (batch first) into ${fmtShape(shape)} per example`);
      return [reshapeOp(x, [x.shape[0]!, ...out]), state];
    },
  };
}

/** Each example flattened to one axis: [N, ...] → [N, product]. */
export function flatten(): Layer<NoParams, NoParams> {
  const layer = reshape([-1]);
  return { ...layer, name: "flatten" };
}
