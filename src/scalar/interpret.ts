// The interpreter of scalar expressions: the reference evaluation of elementwise primitives and
// the path where generating code is forbidden. No source text is made; an expression becomes a
// list of steps over a slot array (each node once, in dependency order), each step a closure.
// Each operation is written here from the semantics in expr.ts, apart from the JS renderer, so
// comparing compiled kernels with the interpreter compares two implementations.

import { FluxionError } from "../errors.js";
import { type ScalarExpr, topoOrder } from "./expr.js";

/** A scalar function of the operands' stored values (as JS numbers). */
export type ScalarFn = (...xs: number[]) => number;

const bits = new DataView(new ArrayBuffer(8));

/** floor(log2 |x|) from the exponent field of the double x (see `exponent` in expr.ts). */
function exponentField(x: number): number {
  bits.setFloat64(0, x);
  return ((bits.getUint16(0) >>> 4) & 0x7ff) - 1023;
}

/** floor(log2 |x|) from the exponent field of the single x (see `exponent` in expr.ts). */
function exponentField32(x: number): number {
  bits.setFloat32(0, x);
  return ((bits.getUint16(0) >>> 7) & 0xff) - 127;
}

/** 2ⁿ for n = ToInt32(n) in [−126, 127], built from the single's bits. */
function pow2Single(n: number): number {
  bits.setUint32(0, (((n | 0) + 127) << 23) >>> 0);
  return bits.getFloat32(0);
}

/** 2ⁿ for n = ToInt32(n) in [−1022, 1023], built from its bits. */
function pow2(n: number): number {
  bits.setUint32(0, (((n | 0) + 1023) << 20) >>> 0);
  bits.setUint32(4, 0);
  return bits.getFloat64(0);
}

/** Round half to even, keeping −0 (and NaN, ±Inf). */
function nearest(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const frac = x - f; // exact
  const r = frac < 0.5 ? f : frac > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

/** ToInt32 by arithmetic: truncate toward zero, wrap modulo 2³² into [−2³¹, 2³¹); NaN, ±Inf → 0. */
function toInt32(x: number): number {
  if (!Number.isFinite(x)) return 0;
  const m = ((Math.trunc(x) % 4294967296) + 4294967296) % 4294967296; // exact: fmod of doubles
  return m >= 2147483648 ? m - 4294967296 : m === 0 ? 0 : m;
}

type Step = (s: Float64Array) => void;

function stepOf(n: ScalarExpr, slot: number, slotOf: (n: ScalarExpr) => number): Step | null {
  if (n.kind === "arg" || n.kind === "const") return null;
  const [a, b, c] = n.args.map(slotOf) as [number, number, number];
  if (n.kind === "libm") {
    const f = Math[n.fn] as (...xs: number[]) => number;
    return n.args.length === 1 ? (s) => void (s[slot] = f(s[a]!)) : (s) => void (s[slot] = f(s[a]!, s[b]!));
  }
  const t = n.type;
  const f32 = t === "f32";
  const i32 = t === "i32";
  const round = f32 ? Math.fround : i32 ? (v: number) => v | 0 : (v: number) => v;
  switch (n.op) {
    case "add":
      return (s) => void (s[slot] = round(s[a]! + s[b]!));
    case "sub":
      return (s) => void (s[slot] = round(s[a]! - s[b]!));
    case "mul":
      return i32 ? (s) => void (s[slot] = Math.imul(s[a]!, s[b]!)) : (s) => void (s[slot] = round(s[a]! * s[b]!));
    case "div":
      return (s) => void (s[slot] = round(s[a]! / s[b]!));
    case "neg":
      return (s) => void (s[slot] = round(-s[a]!));
    case "abs":
      return (s) => void (s[slot] = round(Math.abs(s[a]!)));
    case "sqrt":
      return (s) => void (s[slot] = round(Math.sqrt(s[a]!)));
    case "floor":
      return (s) => void (s[slot] = Math.floor(s[a]!));
    case "ceil":
      return (s) => void (s[slot] = Math.ceil(s[a]!));
    case "nearest":
      return (s) => void (s[slot] = nearest(s[a]!));
    case "eq":
      return (s) => void (s[slot] = s[a]! === s[b]! ? 1 : 0);
    case "ne":
      return (s) => void (s[slot] = s[a]! === s[b]! ? 0 : 1);
    case "lt":
      return (s) => void (s[slot] = s[a]! < s[b]! ? 1 : 0);
    case "le":
      return (s) => void (s[slot] = s[a]! <= s[b]! ? 1 : 0);
    case "gt":
      return (s) => void (s[slot] = s[a]! > s[b]! ? 1 : 0);
    case "ge":
      return (s) => void (s[slot] = s[a]! >= s[b]! ? 1 : 0);
    case "and":
      return (s) => void (s[slot] = s[a]! & s[b]!);
    case "or":
      return (s) => void (s[slot] = s[a]! | s[b]!);
    case "select":
      return (s) => void (s[slot] = s[a]! !== 0 ? s[b]! : s[c]!);
    case "promote":
    case "fromInt":
      return (s) => void (s[slot] = s[a]!);
    case "demote":
      return (s) => void (s[slot] = Math.fround(s[a]!));
    case "toInt":
      return (s) => void (s[slot] = toInt32(s[a]!));
    case "exponent":
      return f32 ? (s) => void (s[slot] = exponentField32(s[a]!)) : (s) => void (s[slot] = exponentField(s[a]!));
    case "pow2":
      return f32 ? (s) => void (s[slot] = pow2Single(s[a]!)) : (s) => void (s[slot] = pow2(s[a]!));
  }
}

/**
 * The scalar function an expression computes, for `arity` operands. The result is the root's
 * value in its type (a float32 result is already a single value, an int32 one wrapped).
 */
export function interpretScalar(root: ScalarExpr, arity: number): ScalarFn {
  const order = topoOrder(root);
  const slots = new Map<ScalarExpr, number>();
  // Operands take the first slots, then every other node one slot.
  let next = arity;
  for (const n of order) {
    if (n.kind === "arg") {
      if (n.index >= arity) throw new FluxionError(`interpretScalar: operand ${n.index} of a ${arity}-operand expression`);
      slots.set(n, n.index);
    } else slots.set(n, next++);
  }
  const s = new Float64Array(next);
  for (const n of order) if (n.kind === "const") s[slots.get(n)!] = n.value;
  const slotOf = (n: ScalarExpr) => slots.get(n)!;
  const steps = order.map((n) => stepOf(n, slotOf(n), slotOf)).filter((st): st is Step => st !== null);
  const result = slotOf(root);
  const count = steps.length;
  return (...xs: number[]) => {
    for (let k = 0; k < arity; k++) s[k] = xs[k]!;
    for (let k = 0; k < count; k++) steps[k]!(s);
    return s[result]!;
  };
}
