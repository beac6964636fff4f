// io-ts codecs that decode command-line strings into typed values, built on the library's own
// codecs (src/options/codecs.ts): `--epochs 3` is the string "3", read as a number and then
// checked by PositiveInt, so the CLI and the library agree on what a positive integer is and
// say it the same way. A codec may attach its own message (a did-you-mean for a choice).

import * as t from "io-ts";
import { FiniteNumber, NonNegativeNumber, PositiveInt, PositiveNumber, UnitInterval, described, refined } from "../options/codecs.js";
import { closestName, describeValue } from "../options/describe.js";

/** A codec from the command line's string to a value of type A. */
export type ArgCodec<A> = t.Type<A, A, unknown>;

/** A decimal integer string, then checked by `base` (PositiveInt, NonNegativeInt). */
export function intArg(base: t.Type<number, number, unknown>): ArgCodec<number> {
  return new t.Type<number, number, unknown>(
    base.name,
    (u): u is number => base.is(u),
    (u, c) => (typeof u === "string" && /^[+-]?\d+$/.test(u.trim()) ? base.validate(Number(u), c) : t.failure(u, c)),
    t.identity,
  );
}

/** A number string (1e-3, 0.5, -2), then checked by `base`. */
export function numberArg(base: t.Type<number, number, unknown>): ArgCodec<number> {
  return new t.Type<number, number, unknown>(
    base.name,
    (u): u is number => base.is(u),
    (u, c) => {
      if (typeof u !== "string" || u.trim() === "") return t.failure(u, c);
      const n = Number(u);
      return Number.isNaN(n) ? t.failure(u, c) : base.validate(n, c);
    },
    t.identity,
  );
}

/** One of `names`; a misspelling gets the closest name as a suggestion. */
export function choiceArg<N extends string>(names: readonly N[]): ArgCodec<N> {
  const name = `one of ${names.join(", ")}`;
  const is = (u: unknown): u is N => typeof u === "string" && (names as readonly string[]).includes(u);
  return new t.Type<N, N, unknown>(
    name,
    is,
    (u, c) => {
      if (is(u)) return t.success(u);
      const near = typeof u === "string" ? closestName(u, names) : undefined;
      return t.failure(u, c, `expected ${name}, got ${describeValue(u)}${near !== undefined ? `; did you mean ${near}?` : ""}`);
    },
    t.identity,
  );
}

/** A comma-separated list of items (`256,128,100`), each decoded by `item`. */
export function listArg<A>(item: ArgCodec<A>, separator = ","): ArgCodec<A[]> {
  return new t.Type<A[], A[], unknown>(
    `a list of ${item.name.replace(/^an? /, "")} separated by "${separator}"`,
    (u): u is A[] => Array.isArray(u) && u.every((x) => item.is(x)),
    (u, c) => {
      if (typeof u !== "string" || u.trim() === "") return t.failure(u, c);
      const out: A[] = [];
      for (const part of u.split(separator)) {
        const r = item.validate(part.trim(), c);
        if (r._tag === "Left") return t.failure(u, c);
        out.push(r.right);
      }
      return t.success(out);
    },
    t.identity,
  );
}

/** A non-empty string: a file or directory path. */
export const PathArg: ArgCodec<string> = described<string>("a path", {
  is: (u: unknown) => typeof u === "string" && u.length > 0,
  validate(u: unknown, c: t.Context) {
    return typeof u === "string" && u.length > 0 ? t.success(u) : t.failure(u, c);
  },
});

/** A search spec (key=values;…), parsed further by src/cli/tuning.ts. */
export const SpecArg: ArgCodec<string> = described<string>("a spec key=values;key=values", {
  is: (u: unknown) => typeof u === "string" && u.trim().length > 0,
  validate(u: unknown, c: t.Context) {
    return typeof u === "string" && u.trim().length > 0 ? t.success(u) : t.failure(u, c);
  },
});

export const PositiveIntArg = intArg(PositiveInt);
export const SeedArg = intArg(refined("an integer in [0, 2^32)", FiniteNumber, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32));
export const PositiveNumberArg = numberArg(PositiveNumber);
export const NonNegativeNumberArg = numberArg(NonNegativeNumber);
/** A rate in [0, 1): dropout. */
export const RateArg = numberArg(refined("a number in [0, 1)", UnitInterval, (n) => n < 1));
/** A fraction strictly between 0 and 1: the validation split. */
export const FractionArg = numberArg(refined("a number in (0, 1)", UnitInterval, (n) => n > 0 && n < 1));
/** An integer ≥ 2: the number of folds. */
export const FoldsArg = intArg(refined("an integer >= 2", FiniteNumber, (n) => Number.isInteger(n) && n >= 2));
