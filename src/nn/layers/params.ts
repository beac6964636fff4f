// Option codecs and parameter creation shared by the layers that own weights (dense,
// convolutions, embedding, norms, prelu): initialisers are options, keys are split per tensor.

import * as t from "io-ts";
import { ValueError } from "../../errors.js";
import { splitKeys } from "../../random/keys.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Initializer } from "../init.js";

/** An initialiser option: a function (key, shape, { dtype }) → Tensor, e.g. fx.nn.init.heNormal. */
export const InitializerCodec = t.refinement(t.Function, () => true, "an initialiser (key, shape, options) => Tensor") as unknown as t.Type<Initializer, Initializer>;

/** A spatial size option: one positive integer for every axis, or one per axis. */
export const SpatialCodec = t.union([t.number, t.array(t.number)], "an integer or an array of integers");

/** A padding option: "valid", "same", an integer, or per-axis integers / [low, high] pairs. */
export const PaddingCodec = t.union([t.literal("valid"), t.literal("same"), t.number, t.array(t.unknown)], 'a padding ("valid", "same", an integer or per-axis entries)');

/** A positive integer argument (units, filters, classes), or a ValueError naming the layer. */
export function positiveInt(op: string, name: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new ValueError(`${op}: ${name} must be a positive integer, got ${String(n)}`);
  return n;
}

/** A kernel or window size for `nd` spatial axes: a positive integer or nd of them. */
export function spatialSize(op: string, name: string, k: unknown, nd: number): number[] {
  const ks = typeof k === "number" ? Array.from({ length: nd }, () => k) : Array.isArray(k) ? k : null;
  if (ks === null || ks.length !== nd || !ks.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ValueError(`${op}: ${name} must be a positive integer or ${nd} of them, got ${JSON.stringify(k)}`);
  }
  return ks as number[];
}

/** Draws the named parameters with one key each (split from `key` in the order given). */
export function draw(key: Tensor, dtype: "float32" | "float64", specs: readonly (readonly [string, Initializer, readonly number[]])[]): Record<string, Tensor> {
  const keys = specs.length === 1 ? [key] : splitKeys(key, specs.length);
  const out: Record<string, Tensor> = {};
  specs.forEach(([name, init, shape], i) => {
    out[name] = init(keys[i]!, shape, { dtype });
  });
  return out;
}
