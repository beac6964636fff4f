// How messages show the values a person passed (`got {"window":2}`, `got [NaN]`), and the
// closest valid name for a misspelled option key. JSON.stringify is not enough: it prints NaN
// as null, drops undefined, and throws on cycles and BigInts.

import { Tensor } from "../tensor/tensor.js";

const MAX_ITEMS = 8;
const MAX_DEPTH = 3;
const MAX_LENGTH = 160;

/** A short, faithful rendering of any value for an error message. */
export function describeValue(v: unknown): string {
  const text = render(v, 0, new Set());
  return text.length <= MAX_LENGTH ? text : `${text.slice(0, MAX_LENGTH - 1)}…`;
}

function render(v: unknown, depth: number, seen: Set<object>): string {
  switch (typeof v) {
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "string":
      return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
    case "bigint":
      return `${v}n`;
    case "boolean":
    case "undefined":
    case "symbol":
      return String(v);
    case "function":
      return "a function";
  }
  if (v === null) return "null";
  const obj = v as object;
  if (obj instanceof Tensor) return `a ${obj.dtype} tensor of shape [${obj.shape.join(",")}]`;
  if (ArrayBuffer.isView(obj)) return `a ${obj.constructor.name}`;
  if (seen.has(obj)) return "[circular]";
  if (depth >= MAX_DEPTH) return Array.isArray(obj) ? "[…]" : "{…}";
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items = obj.slice(0, MAX_ITEMS).map((x) => render(x, depth + 1, seen));
      if (obj.length > MAX_ITEMS) items.push(`… ${obj.length - MAX_ITEMS} more`);
      return `[${items.join(",")}]`;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) return `a ${proto?.constructor?.name ?? "object"}`;
    const keys = Object.keys(obj);
    const items = keys.slice(0, MAX_ITEMS).map((k) => `${JSON.stringify(k)}:${render((obj as Record<string, unknown>)[k], depth + 1, seen)}`);
    if (keys.length > MAX_ITEMS) items.push(`… ${keys.length - MAX_ITEMS} more`);
    return `{${items.join(",")}}`;
  } finally {
    seen.delete(obj);
  }
}

/**
 * Edit distance (insertions, deletions, substitutions, and swaps of two adjacent letters: the
 * optimal-string-alignment distance), case-insensitive.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let before: number[] = [];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) row[j] = Math.min(row[j]!, before[j - 2]! + 1);
    }
    [before, prev] = [prev, row];
  }
  return prev[t.length]!;
}

/** A name reduced to its letters and digits, lower case: weight_decay ≡ weightDecay. */
function normalized(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Two spellings of one name: the same letters (weight_decay, weightDecay), one a prefix of
 * the other (approx, approximate; epsilon, eps), or the same initial and number (beta1, b1).
 */
function related(given: string, name: string): boolean {
  const g = normalized(given);
  const n = normalized(name);
  if (g === n) return true;
  if (Math.min(g.length, n.length) >= 3 && (g.startsWith(n) || n.startsWith(g))) return true;
  const initialAndNumber = (k: string) => /^([a-z])[a-z]*(\d+)$/.exec(k)?.slice(1).join("");
  const gi = initialAndNumber(g);
  return gi !== undefined && gi === initialAndNumber(n);
}

/**
 * The valid name a misspelling most likely meant: among the names close by edit distance (at
 * most a third of the longer name, and at least 1 edit allowed) and the other spellings of the
 * same name (see `related`), the nearest; undefined when nothing is close.
 */
export function closestName(given: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of valid) {
    const d = editDistance(given, name);
    const close = d <= Math.max(1, Math.floor(Math.max(given.length, name.length) / 3));
    if ((close || related(given, name)) && d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}
