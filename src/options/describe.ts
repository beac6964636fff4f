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

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[t.length]!;
}

/**
 * The valid name a misspelling most likely meant: the nearest by edit distance when it is
 * close (at most a third of the longer name, and at least 1 edit allowed), or a name that
 * starts with the given one (`start` → `startAxis`); undefined when nothing is close.
 */
export function closestName(given: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of valid) {
    const d = editDistance(given, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.max(given.length, best.length) / 3))) return best;
  const lower = given.toLowerCase();
  return lower.length >= 3 ? valid.find((name) => name.toLowerCase().startsWith(lower)) : undefined;
}
