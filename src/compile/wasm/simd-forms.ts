// Cheaper instruction forms the WebAssembly SIMD loop (./elementwise.ts) may use for some nodes,
// each giving the node's value bit for bit (NaN included) for every input:
//
// - selects that are wasm's pmin/pmax by definition: `pmin(a, b)` = `b < a ? b : a`, `pmax(a, b)`
//   = `a < b ? b : a` (one instruction instead of a comparison and a bitselect);
// - clamps that cannot clip: a pmin/pmax against a constant bound the operand never crosses is the
//   operand itself (tanh's ±104 clamp of a value already limited to ±20);
// - `pow2(n)` of an integer-valued n in [−1022, 1023] by an add: the double n + (2⁵² + 1023) is
//   exact and holds n + 1023 in its low mantissa bits, which a 64-bit shift by 52 moves into the
//   exponent field (NaN is first masked to +0, as pow2 reads NaN as 0). Four instructions where
//   the general form (saturating truncation, add, widening, shift) takes seven. The same for a
//   single n in [−126, 127]: n + (2²³ + 127), a 32-bit shift by 23 (the saturating truncation
//   f32x4 → i32x4 it replaces is several machine instructions on x64).
//
// The last two need to know which values a node can take: `valueRanges` bounds every float node
// by interval arithmetic over the expression (rounding is monotonic, so rounding the bounds as
// the operation rounds its result keeps them bounds) and marks nodes whose values are all
// integers. NaN is never excluded (every rule above keeps NaN as the original does).

import type { ScalarExpr } from "../../scalar/expr.js";

/** A node's value computed as one of the cheaper forms (see the file comment). */
export type SimdForm =
  | { readonly op: "pmin" | "pmax"; readonly a: ScalarExpr; readonly b: ScalarExpr }
  | { readonly op: "same"; readonly a: ScalarExpr }
  | { readonly op: "pow2Int"; readonly a: ScalarExpr };

/** The nodes `n` reads: its operands, or those of its cheaper form. */
export function readsOf(n: ScalarExpr & { kind: "op" | "libm" }, forms: ReadonlyMap<ScalarExpr, SimdForm>): readonly ScalarExpr[] {
  const form = forms.get(n);
  if (form === undefined) return n.args;
  return form.op === "pmin" || form.op === "pmax" ? [form.a, form.b] : [form.a];
}

/** Every non-NaN value of a node lies in [lo, hi]; `integer`: every finite one is an integer. */
export interface ValueRange {
  readonly lo: number;
  readonly hi: number;
  readonly integer: boolean;
}

const ANY: ValueRange = { lo: -Infinity, hi: Infinity, integer: false };

/** The same node, or equal constants (descriptions build a constant afresh at each use). */
function same(a: ScalarExpr, b: ScalarExpr): boolean {
  return a === b || (a.kind === "const" && b.kind === "const" && a.type === b.type && Object.is(a.value, b.value));
}

const isConst = (x: ScalarExpr): x is ScalarExpr & { kind: "const" } => x.kind === "const";
const numericConst = (x: ScalarExpr) => isConst(x) && !Number.isNaN(x.value);

/** Magnitude from which every value of the type is an integer (2⁵² in double, 2²³ in single). */
const ALL_INTEGERS = { f32: 2 ** 23, f64: 2 ** 52 } as const;

/** A range from bounds (ANY where a bound is NaN, as ∞ − ∞ makes it), rounded to the node's type. */
function bounded(n: ScalarExpr, lo: number, hi: number, integer: boolean): ValueRange {
  if (Number.isNaN(lo) || Number.isNaN(hi) || n.type === "i32") return ANY;
  const round = n.type === "f32" ? Math.fround : (v: number) => v;
  const [l, h] = [round(lo), round(hi)];
  const big = ALL_INTEGERS[n.type];
  return { lo: l, hi: h, integer: integer || l >= big || h <= -big };
}

/**
 * Bounds of every float node's non-NaN values, the forms in `forms` read as what they compute
 * (so a clamp found there bounds its result). Nodes without a rule get (−∞, ∞).
 */
export function valueRanges(order: readonly ScalarExpr[], forms: ReadonlyMap<ScalarExpr, SimdForm>): Map<ScalarExpr, ValueRange> {
  const ranges = new Map<ScalarExpr, ValueRange>();
  const of = (x: ScalarExpr) => ranges.get(x) ?? ANY;
  for (const n of order) {
    let r = ANY;
    const form = forms.get(n);
    if (n.type === "i32" || n.kind === "arg" || n.kind === "libm") r = ANY;
    else if (n.kind === "const") r = Number.isNaN(n.value) ? ANY : { lo: n.value, hi: n.value, integer: Number.isInteger(n.value) };
    else if (form !== undefined) r = formRange(n, form, of);
    else {
      const [a, b] = n.args.map(of) as [ValueRange, ValueRange | undefined];
      switch (n.op) {
        case "promote":
          r = a;
          break;
        case "demote":
          r = bounded(n, Math.fround(a.lo), Math.fround(a.hi), a.integer);
          break;
        case "floor":
        case "ceil":
        case "nearest": // nearest(v) lies in [floor(v), ceil(v)]
          r = bounded(n, (n.op === "ceil" ? Math.ceil : Math.floor)(a.lo), (n.op === "floor" ? Math.floor : Math.ceil)(a.hi), true);
          break;
        case "neg":
          r = bounded(n, -a.hi, -a.lo, a.integer);
          break;
        case "abs": // |v| over [lo, hi]: 0 where the range holds 0, else the bound nearer to 0
          r = bounded(n, a.lo >= 0 ? a.lo : a.hi <= 0 ? -a.hi : 0, Math.max(Math.abs(a.lo), Math.abs(a.hi)), a.integer);
          break;
        case "add":
          r = bounded(n, a.lo + b!.lo, a.hi + b!.hi, a.integer && b!.integer);
          break;
        case "sub":
          r = bounded(n, a.lo - b!.hi, a.hi - b!.lo, a.integer && b!.integer);
          break;
        case "mul": {
          const corners = [a.lo * b!.lo, a.lo * b!.hi, a.hi * b!.lo, a.hi * b!.hi];
          r = corners.some(Number.isNaN) ? ANY : bounded(n, Math.min(...corners), Math.max(...corners), a.integer && b!.integer);
          break;
        }
        case "exponent":
          r = n.type === "f32" ? { lo: -127, hi: 128, integer: true } : { lo: -1023, hi: 1024, integer: true };
          break;
        default:
          r = ANY;
      }
    }
    ranges.set(n, r);
  }
  return ranges;
}

/** The range of a node computed in one of the forms. */
function formRange(n: ScalarExpr, form: SimdForm, of: (x: ScalarExpr) => ValueRange): ValueRange {
  const a = of(form.a);
  if (form.op === "same") return a;
  if (form.op === "pow2Int") return ANY;
  const b = of(form.b);
  const integer = a.integer && b.integer;
  // With b NaN both give a; with a NaN, a. A numeric constant b is never NaN.
  if (form.op === "pmin") return numericConst(form.b) ? bounded(n, Math.min(a.lo, b.lo), Math.min(a.hi, b.hi), integer) : bounded(n, Math.min(a.lo, b.lo), a.hi, integer);
  return numericConst(form.b) ? bounded(n, Math.max(a.lo, b.lo), Math.max(a.hi, b.hi), integer) : bounded(n, a.lo, Math.max(a.hi, b.hi), integer);
}

/**
 * The select `select(cond, p, q)` as pmin/pmax, or undefined:
 * - select(u < w, w, u) = pmax(u, w) and select(u < w, u, w) = pmin(w, u), `gt` read as `lt`
 *   with its operands swapped;
 * - the clamp select(x > H, H, pmax(x, L)) = pmin(pmax(x, L), H) for constants L ≤ H (for x > H
 *   both give H, otherwise pmax(x, L) ≤ H; NaN passes through both);
 * - maximum's select(x ≥ c or x ≠ x, x, c) = pmax(x, c) and minimum's select(x ≤ c or x ≠ x, x, c)
 *   = pmin(x, c) for a constant c that is not NaN (x NaN: both x; x ≥ c, resp. ≤ c: both x, ±0
 *   included as the comparison is numeric; otherwise both c).
 */
function minMaxForm(n: ScalarExpr & { kind: "op" }, found: ReadonlyMap<ScalarExpr, SimdForm>): SimdForm | undefined {
  const [cond, p, q] = n.args as [ScalarExpr, ScalarExpr, ScalarExpr];
  if (cond.kind !== "op") return undefined;
  if (cond.op === "or") {
    const [c1, c2] = cond.args as [ScalarExpr, ScalarExpr];
    for (const [keep, nan] of [[c1, c2], [c2, c1]] as const) {
      if (keep.kind !== "op" || (keep.op !== "ge" && keep.op !== "le") || nan.kind !== "op" || nan.op !== "ne") continue;
      const [x, c] = keep.args as [ScalarExpr, ScalarExpr];
      if (x.type !== n.type || !same(nan.args[0]!, x) || !same(nan.args[1]!, x) || !same(p, x) || !same(q, c) || !numericConst(c)) continue;
      return { op: keep.op === "ge" ? "pmax" : "pmin", a: x, b: c };
    }
    return undefined;
  }
  if ((cond.op !== "lt" && cond.op !== "gt") || cond.args[0]!.type !== n.type) return undefined;
  const [u, w] = (cond.op === "lt" ? cond.args : [cond.args[1], cond.args[0]]) as [ScalarExpr, ScalarExpr]; // u < w
  if (same(p, w) && same(q, u)) return { op: "pmax", a: u, b: w };
  if (same(p, u) && same(q, w)) return { op: "pmin", a: w, b: u };
  const inner = found.get(q);
  const low = inner !== undefined && inner.op === "pmax" ? inner.b : undefined;
  if (same(p, u) && inner?.op === "pmax" && same(inner.a, w) && isConst(u) && low !== undefined && isConst(low) && low.value <= u.value) return { op: "pmin", a: q, b: u };
  return undefined;
}

/** Whether the pmin/pmax of `form` gives its first operand for every value it can take (a clamp that cannot clip). */
function cannotClip(form: SimdForm, ranges: ReadonlyMap<ScalarExpr, ValueRange>): boolean {
  if ((form.op !== "pmin" && form.op !== "pmax") || !numericConst(form.b)) return false;
  const a = ranges.get(form.a) ?? ANY;
  const bound = (form.b as ScalarExpr & { kind: "const" }).value;
  return form.op === "pmin" ? a.hi <= bound : a.lo >= bound;
}

/**
 * The nodes the SIMD loop computes in a cheaper form, in `order` (operands before users). Only
 * nodes whose operands and result are float values of one type (f32 or f64) are rewritten.
 */
export function simdForms(order: readonly ScalarExpr[]): Map<ScalarExpr, SimdForm> {
  const forms = new Map<ScalarExpr, SimdForm>();
  for (const n of order) if (n.kind === "op" && n.op === "select" && n.type !== "i32") {
    const form = minMaxForm(n, forms);
    if (form !== undefined) forms.set(n, form);
  }
  const ranges = valueRanges(order, forms);
  for (const n of order) {
    const form = forms.get(n);
    if (form !== undefined && cannotClip(form, ranges)) forms.set(n, { op: "same", a: form.a });
    if (n.kind === "op" && n.op === "pow2") {
      const a = ranges.get(n.args[0]!) ?? ANY;
      const [lo, hi] = n.type === "f64" ? [-1022, 1023] : [-126, 127];
      if (a.integer && a.lo >= lo && a.hi <= hi) forms.set(n, { op: "pow2Int", a: n.args[0]! });
    }
  }
  return forms;
}
