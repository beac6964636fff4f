// Validation of the option objects taken by fx.nn functions: each function declares its
// options once as an io-ts codec (`t.exact(t.partial({...}))`), and `decodeOptions` turns an
// unknown key or a wrongly typed value into a ValueError naming the function, the key and the
// value. (A local stand-in until the shared validator in src/options/ is merged.)

import * as t from "io-ts";
import { ValueError } from "../errors.js";

/** The closed option codecs fx.nn uses: an exact partial object of named properties. */
export type OptionsCodec<P extends t.Props> = t.ExactC<t.PartialC<P>>;

/** A closed options codec over the given properties (every property optional). */
export function optionsCodec<P extends t.Props>(name: string, props: P): OptionsCodec<P> {
  return t.exact(t.partial(props), name);
}

/** A finite number (io-ts's t.number admits NaN and ±Infinity). */
export const FiniteNumber = t.refinement(t.number, Number.isFinite, "a finite number");

/** A positive finite number. */
export const PositiveNumber = t.refinement(t.number, (n) => Number.isFinite(n) && n > 0, "a positive finite number");

function show(v: unknown): string {
  if (typeof v === "function") return "a function";
  if (typeof v === "number" || typeof v === "bigint" || v === undefined) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The options `value` decoded by `codec`, or a ValueError naming `op` and the first bad key
 * (unknown, or of the wrong type). `undefined` stands for no options.
 */
export function decodeOptions<P extends t.Props>(op: string, codec: OptionsCodec<P>, value: unknown): t.TypeOf<OptionsCodec<P>> {
  if (value === undefined) return {} as t.TypeOf<OptionsCodec<P>>;
  const proto = typeof value === "object" && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new ValueError(`${op}: options must be a plain object, got ${show(value)}`);
  }
  const props = codec.type.props;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.prototype.hasOwnProperty.call(props, key)) {
      throw new ValueError(`${op}: unknown option "${key}" (known options: ${Object.keys(props).join(", ") || "none"})`);
    }
    const decoded = props[key]!.decode(record[key]);
    if (decoded._tag === "Left" && record[key] !== undefined) {
      throw new ValueError(`${op}: option "${key}" must be ${props[key]!.name}, got ${show(record[key])}`);
    }
  }
  const result = codec.decode(value);
  if (result._tag === "Left") throw new ValueError(`${op}: invalid options ${show(value)}`);
  return result.right;
}
