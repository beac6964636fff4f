// Validation of the option objects of `fx.random` and `fx.nn.init` with io-ts codecs: unknown
// keys and wrong types are FluxionErrors naming the op. (A local stand-in until the shared
// validator of src/options/ is merged; the codecs stay as they are.)

import * as t from "io-ts";
import { ValueError } from "../errors.js";
import { type DType, isDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/** A fluxion Tensor (checked with instanceof). */
export const TensorCodec = new t.Type<Tensor, Tensor, unknown>(
  "Tensor",
  (u): u is Tensor => u instanceof Tensor,
  (u, c) => (u instanceof Tensor ? t.success(u) : t.failure(u, c)),
  t.identity,
);

export const DTypeCodec = new t.Type<DType, DType, unknown>(
  "DType",
  isDType,
  (u, c) => (isDType(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/** "float32" | "float64": the dtypes samplers and initialisers draw in. */
export const FloatDType = t.keyof({ float32: null, float64: null }, '"float32" | "float64"');

/** A JS number or a Tensor. */
export const NumberOrTensor = t.union([t.number, TensorCodec]);

function show(value: unknown): string {
  if (value instanceof Tensor) return `a ${value.dtype} Tensor of shape [${value.shape.join(",")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Decodes `value` (undefined means `{}`) with an exact codec; throws a ValueError that names
 * `op`, the offending key and its value, or the unknown keys.
 */
export function decodeOptions<C extends t.Mixed>(op: string, codec: C, value: unknown): t.TypeOf<C> {
  const input = value === undefined ? {} : value;
  if (typeof input !== "object" || input === null || Array.isArray(input) || input instanceof Tensor) {
    throw new ValueError(`${op}: options must be a plain object, got ${show(input)}`);
  }
  const result = codec.decode(input);
  if (result._tag === "Right") {
    // t.exact strips unknown keys instead of failing, so they are looked for here.
    const known = new Set(Object.keys(result.right as object));
    const extra = Object.keys(input).filter((k) => !known.has(k) && (input as Record<string, unknown>)[k] !== undefined);
    if (extra.length > 0) throw new ValueError(`${op}: unknown option${extra.length > 1 ? "s" : ""} ${extra.map((k) => `"${k}"`).join(", ")}`);
    return result.right;
  }
  const err = result.left[0]!;
  const path = err.context.map((c) => c.key).filter((k) => k !== "" && !/^\d+$/.test(k));
  const key = path[0] ?? "?";
  const expected = err.context[err.context.length - 1]?.type.name ?? "?";
  throw new ValueError(`${op}: option "${key}" must be ${expected}, got ${show((input as Record<string, unknown>)[key])}`);
}
