// Validation of the optimisers' and schedules' arguments and options: io-ts codecs, and a
// decoder that turns a failure into a ValueError naming the op, the option and the value:
//   adam: unknown option "beta1"; did you mean "b1"? (options: b1, b2, eps)
//   adam: learning rate: expected a non-negative finite number or a schedule (step) => lr, got -1
// A local stand-in for the shared validator of src/options/ (another branch); the lead
// switches `decodeOptions` and `checkArg` over to it when the branches meet.

import * as t from "io-ts";
import { ValueError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";

/** A codec under the phrase an error message uses for what was expected. */
function described<A>(name: string, is: (u: unknown) => u is A): t.Type<A, A, unknown> {
  return new t.Type<A, A, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity);
}

const isNumber = (u: unknown): u is number => typeof u === "number";

export const Finite = described("a finite number", (u): u is number => isNumber(u) && Number.isFinite(u));
export const NonNegative = described("a non-negative finite number", (u): u is number => isNumber(u) && Number.isFinite(u) && u >= 0);
export const Positive = described("a positive finite number", (u): u is number => isNumber(u) && Number.isFinite(u) && u > 0);
export const PositiveInt = described("a positive integer", (u): u is number => isNumber(u) && Number.isInteger(u) && u >= 1);
export const NonNegativeInt = described("a non-negative integer", (u): u is number => isNumber(u) && Number.isInteger(u) && u >= 0);
/** Decay rates of running averages: β = 1 would never forget, β ≥ 1 diverges. */
export const DecayRate = described("a number in [0, 1)", (u): u is number => isNumber(u) && u >= 0 && u < 1);
export const Bool = described("true or false", (u): u is boolean => typeof u === "boolean");
export const FiniteList = described("a list of finite numbers", (u): u is number[] => Array.isArray(u) && u.every((x) => isNumber(x) && Number.isFinite(x)));

/** A learning rate: a number, or a schedule mapping the step count (a scalar tensor) to one. */
export type Schedule = (step: Tensor) => Tensor | number;
export type LearningRate = number | Schedule;
export const LearningRateCodec = described(
  "a non-negative finite number or a schedule (step) => lr",
  (u): u is LearningRate => typeof u === "function" || (isNumber(u) && Number.isFinite(u) && u >= 0),
);

/** A short rendering of a value for a message (JSON.stringify prints NaN as null). */
export function describeValue(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "function") return "a function";
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(",")}]`;
  if (v === undefined) return "undefined";
  try {
    const text = JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x));
    return text.length > 120 ? `${text.slice(0, 119)}…` : text;
  } catch {
    return String(v);
  }
}

/** Decodes positional argument `name` of `op` or throws a ValueError naming both. */
export function checkArg<A>(op: string, name: string, codec: t.Type<A, A, unknown>, value: unknown): A {
  const r = codec.validate(value, [{ key: name, type: codec, actual: value }]);
  if (r._tag === "Right") return r.right;
  throw new ValueError(`${op}: ${name}: expected ${codec.name}, got ${describeValue(value)}`);
}

/** The keys an (exact) options codec declares, required and optional. */
function declaredKeys(codec: t.Mixed): string[] {
  const c = codec as unknown as { props?: t.Props; type?: t.Mixed; types?: t.Mixed[] };
  if (c.props !== undefined) return Object.keys(c.props);
  if (c.types !== undefined) return c.types.flatMap(declaredKeys);
  if (c.type !== undefined) return declaredKeys(c.type);
  return [];
}

/** The keys a codec requires (those of `t.type` parts). */
function requiredKeys(codec: t.Mixed): string[] {
  if (codec instanceof t.InterfaceType) return Object.keys(codec.props as t.Props);
  const c = codec as unknown as { type?: t.Mixed; types?: t.Mixed[] };
  if (c.types !== undefined) return c.types.flatMap(requiredKeys);
  if (c.type !== undefined && !(codec instanceof t.PartialType)) return requiredKeys(c.type);
  return [];
}

function propCodec(codec: t.Mixed, key: string): t.Mixed | undefined {
  const c = codec as unknown as { props?: t.Props; type?: t.Mixed; types?: t.Mixed[] };
  if (c.props !== undefined) return c.props[key];
  if (c.types !== undefined) for (const s of c.types) { const p = propCodec(s, key); if (p) return p; }
  if (c.type !== undefined) return propCodec(c.type, key);
  return undefined;
}

/** Levenshtein distance, case-insensitive. */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const u = b.toLowerCase();
  let prev = Array.from({ length: u.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= u.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === u[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[u.length]!;
}

/** The declared key a misspelt one most likely meant (beta1 → b1, weight_decay → weightDecay). */
export function closestKey(given: string, valid: readonly string[]): string | undefined {
  const norm = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, "");
  // Long and short forms of the same name: beta1 ↔ b1, epsilon ↔ eps.
  const initials = (k: string) => norm(k).replace(/^([a-z])[a-z]*?(\d*)$/, "$1$2");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const v of valid) {
    if (norm(v) === norm(given) || norm(given).startsWith(norm(v)) || norm(v).startsWith(norm(given)) || initials(v) === initials(given)) {
      const d = editDistance(given, v);
      if (d < bestDistance) [best, bestDistance] = [v, d];
    }
  }
  if (best !== undefined) return best;
  for (const v of valid) {
    const d = editDistance(given, v);
    if (d < bestDistance && d <= Math.max(1, Math.floor(Math.max(given.length, v.length) / 3))) [best, bestDistance] = [v, d];
  }
  return best;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Decodes the options object of `op` (undefined means none given) with an exact codec. io-ts's
 * `exact` strips unknown keys silently, so they are looked for here first: a misspelt option
 * must never be ignored.
 */
export function decodeOptions<A>(op: string, codec: t.Type<A, unknown, unknown>, value: unknown): A {
  const keys = declaredKeys(codec);
  const given = value === undefined ? {} : value;
  if (!isPlainObject(given)) throw new ValueError(`${op}: options: expected an object with keys ${keys.join(", ")}, got ${describeValue(value)}`);
  for (const k of Object.keys(given)) {
    if (keys.includes(k)) continue;
    const guess = closestKey(k, keys);
    throw new ValueError(`${op}: unknown option ${JSON.stringify(k)}${guess ? `; did you mean ${JSON.stringify(guess)}?` : ""} (options: ${keys.join(", ")})`);
  }
  for (const k of requiredKeys(codec)) {
    if (given[k] === undefined) throw new ValueError(`${op}: option ${JSON.stringify(k)} is required (${propCodec(codec, k)?.name ?? "a value"})`);
  }
  for (const k of Object.keys(given)) {
    const c = propCodec(codec, k)!;
    if (given[k] !== undefined && !c.is(given[k])) throw new ValueError(`${op}: option ${JSON.stringify(k)}: expected ${c.name}, got ${describeValue(given[k])}`);
  }
  const r = codec.decode(given);
  if (r._tag === "Left") throw new ValueError(`${op}: options: got ${describeValue(value)}`);
  return r.right;
}
