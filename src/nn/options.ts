// The option objects of fx.nn functions and layers go through the shared validator of
// src/options/: these are its names as fx.nn code (and the layers) call them. A closed codec
// rejects unknown keys with the closest valid name; a decoding failure is an ArgumentError
// (`huber: delta: expected a positive finite number, got 0`).

import type * as t from "io-ts";
import { type OptionsOf, optionsObject } from "../options/codecs.js";
import { checkOptions } from "../options/validate.js";

export { FiniteNumber, PositiveNumber } from "../options/codecs.js";

/** A closed options codec: every key of `props` optional, any other key an error. */
export type OptionsCodec<P extends t.Props> = t.Type<OptionsOf<P>, OptionsOf<P>, unknown>;

/**
 * The closed options codec of a function over the given properties. `name` (the TypeScript
 * interface it mirrors) is documentation only: messages name the op and the keys.
 */
export function optionsCodec<P extends t.Props>(_name: string, props: P): OptionsCodec<P> {
  return optionsObject<P>(props);
}

/** The options `value` (undefined = none given) decoded by `codec`, or an ArgumentError naming `op`. */
export function decodeOptions<P extends t.Props>(op: string, codec: OptionsCodec<P>, value: unknown): OptionsOf<P> {
  return checkOptions(op, codec, value);
}
