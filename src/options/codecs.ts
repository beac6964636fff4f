// The building blocks of fluxion's option codecs (io-ts): branded integers, per-axis lists,
// axes, dtypes, shapes, and `optionsObject`, a closed object type that rejects unknown keys.
// Every codec's `name` is the phrase an error message uses for what was expected ("a
// positive integer or a list of 2"); src/options/schemas.ts builds each public function's
// option codec from these once, at module load.

import * as t from "io-ts";
import { DTYPES, type DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { closestName, describeValue } from "./describe.js";

/**
 * A codec under the name that messages use for it. Decoding is the given codec's; the result
 * type may be widened (a branded number is used as a number once it has been checked).
 */
export function described<A>(name: string, codec: { is(u: unknown): boolean; validate(u: unknown, c: t.Context): t.Validation<A> }): t.Type<A, A, unknown> {
  return new t.Type<A, A, unknown>(name, (u): u is A => codec.is(u), (u, c) => codec.validate(u, c), t.identity);
}

interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}
interface PositiveIntBrand {
  readonly PositiveInt: unique symbol;
}
interface FiniteBrand {
  readonly Finite: unique symbol;
}
interface SizedBrand {
  readonly Sized: unique symbol;
}

/** A codec of integers (of some range). */
export type IntCodec = t.Type<number, number, unknown>;

/** Any integer (axes may be negative: they count from the end). */
export const Int: IntCodec = described<number>("an integer", t.Int);
/** An integer ≥ 0 (sizes, counts). */
export const NonNegativeInt: IntCodec = described<number>(
  "a non-negative integer",
  t.brand(t.number, (n): n is t.Branded<number, NonNegativeIntBrand> => Number.isInteger(n) && n >= 0, "NonNegativeInt"),
);
/** An integer ≥ 1 (batch sizes, units, strides). */
export const PositiveInt: IntCodec = described<number>(
  "a positive integer",
  t.brand(t.number, (n): n is t.Branded<number, PositiveIntBrand> => Number.isInteger(n) && n >= 1, "PositiveInt"),
);
/** A number that is neither ±Infinity nor NaN. */
export const FiniteNumber: t.Type<number, number, unknown> = described<number>(
  "a finite number",
  t.brand(t.number, (n): n is t.Branded<number, FiniteBrand> => Number.isFinite(n), "Finite"),
);
/** A value that must pass a test beyond its base codec (a range, a sign), named as a whole. */
export function refined<A>(name: string, base: t.Type<A, A, unknown>, test: (a: A) => boolean): t.Type<A, A, unknown> {
  return new t.Type<A, A, unknown>(
    name,
    (u): u is A => base.is(u) && test(u),
    (u, c) => {
      const r = base.validate(u, c);
      return r._tag === "Right" && test(r.right) ? r : t.failure(u, c);
    },
    t.identity,
  );
}

/** A finite number > 0. */
export const PositiveNumber = refined("a positive finite number", FiniteNumber, (n) => n > 0);
/** A finite number ≥ 0. */
export const NonNegativeNumber = refined("a non-negative finite number", FiniteNumber, (n) => n >= 0);
/** A probability, a mixing ratio, a smoothing weight. */
export const UnitInterval = refined("a number in [0, 1]", FiniteNumber, (n) => n <= 1 && n >= 0);
/** true or false. */
export const Bool: t.Type<boolean, boolean, unknown> = described("true or false", t.boolean);
/** A number or a boolean (a fill value). */
export const NumberOrBool: t.Type<number | boolean, number | boolean, unknown> = described("a number or a boolean", t.union([t.number, t.boolean]));

const dtypeKeys = Object.fromEntries(DTYPES.map((d) => [d, null])) as Record<DType, null>;
/** One of fluxion's dtypes; a failure here is a DTypeError (see validate.ts). */
export const DTypeCodec: t.Type<DType, DType, unknown> = described(`one of ${DTYPES.map((d) => JSON.stringify(d)).join(", ")}`, t.keyof(dtypeKeys));

/** "float32" or "float64": the dtypes samplers and initialisers draw in (a wrong one is an ArgumentError). */
export const FloatDTypeCodec: t.Type<"float32" | "float64", "float32" | "float64", unknown> = described('"float32" or "float64"', t.keyof({ float32: null, float64: null }));

/** A fluxion Tensor. */
export const TensorCodec: t.Type<Tensor, Tensor, unknown> = new t.Type<Tensor, Tensor, unknown>(
  "a Tensor",
  (u): u is Tensor => u instanceof Tensor,
  (u, c) => (u instanceof Tensor ? t.success(u) : t.failure(u, c)),
  t.identity,
);
/** A Tensor, or a JS number or boolean standing for one. */
export const TensorLikeCodec: t.Type<Tensor | number | boolean, Tensor | number | boolean, unknown> = new t.Type<Tensor | number | boolean, Tensor | number | boolean, unknown>(
  "a Tensor, a number or a boolean",
  (u): u is Tensor | number | boolean => u instanceof Tensor || typeof u === "number" || typeof u === "boolean",
  (u, c) => (u instanceof Tensor || typeof u === "number" || typeof u === "boolean" ? t.success(u) : t.failure(u, c)),
  t.identity,
);
/** Any function (a loss, a schedule, a predicate). */
export const FunctionCodec: t.Type<(...args: any[]) => any, (...args: any[]) => any, unknown> = new t.Type<(...args: any[]) => any, (...args: any[]) => any, unknown>(
  "a function",
  (u): u is (...args: any[]) => any => typeof u === "function",
  (u, c) => (typeof u === "function" ? t.success(u as (...args: any[]) => any) : t.failure(u, c)),
  t.identity,
);

/** A JS number or a Tensor (a sampler's bound, broadcast against the sample). */
export const NumberOrTensorCodec: t.Type<number | Tensor, number | Tensor, unknown> = new t.Type<number | Tensor, number | Tensor, unknown>(
  "a number or a Tensor",
  (u): u is number | Tensor => u instanceof Tensor || typeof u === "number",
  (u, c) => (u instanceof Tensor || typeof u === "number" ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/** A list of items (any length). */
export function listOf<A>(item: t.Type<A, A, unknown>, name = `a list of ${plural(item.name)}`): t.Type<A[], A[], unknown> {
  return described(name, t.array(item));
}

/** A list of exactly `n` items (branded: its length was checked). */
export function sized<A>(n: number, item: t.Type<A, A, unknown>): t.Type<A[], A[], unknown> {
  return described<A[]>(
    `a list of ${n} ${plural(item.name)}`,
    t.brand(t.array(item), (a): a is t.Branded<A[], SizedBrand> => a.length === n, "Sized"),
  );
}

/** "a positive integer" → "positive integers": the item phrase in a list's name. */
function plural(name: string): string {
  return name.replace(/^an? /, "").replace(/(integer|number|Tensor|function|pair)\b/, "$1s");
}

/**
 * One value for every spatial axis or a list of `nd`, decoded to the list of `nd`
 * (`2` → `[2, 2]` for two axes).
 */
export function perAxis(nd: number, item: IntCodec): t.Type<number[], number[], unknown> {
  const list = sized(nd, item);
  return new t.Type<number[], number[], unknown>(
    `${item.name} or a list of ${nd}`,
    (u): u is number[] => list.is(u),
    (u, c) => (item.is(u) ? t.success(Array<number>(nd).fill(u)) : list.is(u) ? t.success([...u]) : t.failure(u, c)),
    t.identity,
  );
}

/** An axis option: an integer, a list of integers, or null (every axis); decoded to a list or null. */
export const Axes: t.Type<number[] | null, number[] | null, unknown> = new t.Type<number[] | null, number[] | null, unknown>(
  "an integer, a list of integers, or null",
  (u): u is number[] | null => u === null || (Array.isArray(u) && u.every((a) => Int.is(a))),
  (u, c) => {
    if (u === null) return t.success(null);
    if (Int.is(u)) return t.success([u]);
    if (Array.isArray(u) && u.every((a) => Int.is(a))) return t.success([...u]);
    return t.failure(u, c);
  },
  t.identity,
);

/** One integer axis or null. */
export const AxisOrNull: t.Type<number | null, number | null, unknown> = described("an integer or null", t.union([Int, t.null]));

/** A shape: a list of non-negative integers. */
export const ShapeCodec = listOf(NonNegativeInt, "a list of non-negative integers");

/** The resolved form of a padding option: a mode, or [low, high] per spatial axis. */
export type PaddingSpec = "valid" | "same" | number[][];

/**
 * Padding of `nd` spatial axes: "valid", "same", one count for every side, or per axis a count
 * (both sides) or a [low, high] pair. Decoded to "valid" | "same" | [low, high] per axis.
 */
export function paddingCodec(nd: number): t.Type<PaddingSpec, PaddingSpec, unknown> {
  const count = NonNegativeInt;
  const pair = (u: unknown): u is [number, number] => Array.isArray(u) && u.length === 2 && count.is(u[0]) && count.is(u[1]);
  return new t.Type<PaddingSpec, PaddingSpec, unknown>(
    `"valid", "same", a non-negative integer, or a list of ${nd} (each a non-negative integer or a [low, high] pair)`,
    (u): u is PaddingSpec => u === "valid" || u === "same" || (Array.isArray(u) && u.length === nd && u.every(pair)),
    (u, c) => {
      if (u === "valid" || u === "same") return t.success(u);
      if (count.is(u)) return t.success(Array.from({ length: nd }, () => [u, u]));
      if (Array.isArray(u) && u.length === nd && u.every((p) => count.is(p) || pair(p))) {
        return t.success(u.map((p: number | [number, number]) => (typeof p === "number" ? [p, p] : [p[0], p[1]])));
      }
      return t.failure(u, c);
    },
    t.identity,
  );
}

function isPlainObject(u: unknown): u is Record<string, unknown> {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return false;
  const proto = Object.getPrototypeOf(u);
  return proto === Object.prototype || proto === null;
}

/** The decoded type of an options object's optional props. */
export type OptionsOf<P extends t.Props> = { [K in keyof P]?: t.TypeOf<P[K]> };
/** The decoded type of an options object's required props. */
export type RequiredOf<R extends t.Props> = { [K in keyof R]: t.TypeOf<R[K]> };

/**
 * A closed options object: every key of `props` optional (undefined = not given), every key
 * of `required` present, every value decoded by its codec, and any other key an error that
 * names the closest valid key. Field failures carry their message (`axis: expected …, got
 * …`), so the validator reports the field, not io-ts's inner path. (io-ts's `t.exact` would
 * strip unknown keys silently: a misspelt option must never be ignored.)
 */
export function optionsObject<P extends t.Props, R extends t.Props = {}>(
  props: P,
  required?: R,
): t.Type<OptionsOf<P> & RequiredOf<R>, OptionsOf<P> & RequiredOf<R>, unknown> {
  type A = OptionsOf<P> & RequiredOf<R>;
  const all: t.Props = { ...required, ...props };
  const keys = Object.keys(all);
  const requiredKeys = Object.keys(required ?? {});
  const known = (k: string) => Object.prototype.hasOwnProperty.call(all, k);
  return new t.Type<A, A, unknown>(
    `an options object { ${keys.join(", ")} }`,
    (u): u is A =>
      isPlainObject(u) &&
      Object.keys(u).every((k) => known(k) && (u[k] === undefined || all[k]!.is(u[k]))) &&
      requiredKeys.every((k) => u[k] !== undefined),
    (u, c) => {
      if (!isPlainObject(u)) return t.failure(u, c);
      const given = Object.keys(u);
      for (const key of given) {
        if (!known(key)) {
          const near = closestName(key, keys);
          const hint = near === undefined ? `valid options are ${keys.join(", ")}` : `did you mean "${near}"?`;
          return t.failure(u, t.appendContext(c, key, t.unknown, undefined), `unknown option ${JSON.stringify(key)}; ${hint}`);
        }
      }
      for (const key of requiredKeys) {
        const codec = all[key]!;
        if (u[key] === undefined) return t.failure(u, t.appendContext(c, key, codec, undefined), `missing option ${JSON.stringify(key)}: expected ${codec.name}`);
      }
      const out: Record<string, unknown> = {};
      for (const key of given) {
        const v = u[key];
        if (v === undefined) continue;
        const codec = all[key]!;
        const r = codec.validate(v, c);
        if (r._tag === "Left") return t.failure(v, t.appendContext(c, key, codec, v), `${key}: expected ${codec.name}, got ${describeValue(v)}`);
        out[key] = r.right;
      }
      return t.success(out as A);
    },
    t.identity,
  );
}

/** A bare value or an options object: `concat(xs, 1)` and `concat(xs, { axis: 1 })`. */
export function valueOrOptions<A, P extends t.Props>(value: t.Type<A, A, unknown>, object: t.Type<OptionsOf<P>, OptionsOf<P>, unknown>): t.Type<A | OptionsOf<P>, A | OptionsOf<P>, unknown> {
  return new t.Type<A | OptionsOf<P>, A | OptionsOf<P>, unknown>(
    `${value.name}, or ${object.name}`,
    (u): u is A | OptionsOf<P> => value.is(u) || object.is(u),
    (u, c) => (isPlainObject(u) ? object.validate(u, c) : value.validate(u, c)),
    t.identity,
  );
}
