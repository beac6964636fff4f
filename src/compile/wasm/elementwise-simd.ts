// The SIMD loop of the WebAssembly elementwise renderer (./elementwise.ts): which lanes each node
// of an expression is held in (`simdLanes`; null sends the whole loop to scalar code), how many
// groups of 4 elements an iteration computes (`simdGroups`), and each node's instructions over
// its vectors (`simdNode`), using the cheaper exact forms of ./simd-forms.ts. ./elementwise.ts
// assembles the loop (operand loads, constants, the store) around them and the scalar tail.

import { FluxionError } from "../../errors.js";
import type { DType } from "../../tensor/dtype.js";
import { type ScalarExpr, type ScalarType, isComparison } from "../../scalar/expr.js";
import { FunctionBody, Simd } from "./encoder.js";
import type { Operand } from "./elementwise.js";
import { type SimdForm, readsOf } from "./simd-forms.js";

const F32X4_CEIL = 0x67;
const F32X4_FLOOR = 0x68;
const F32X4_NEAREST = 0x6a;
const I32X4_TRUNC_SAT_F32X4_S = 0xf8;
const F32X4_CONVERT_I32X4_S = 0xfa;
const SIMD_OP: Record<string, number> = {
  add: Simd.f32x4Add, sub: Simd.f32x4Sub, mul: Simd.f32x4Mul, div: Simd.f32x4Div, sqrt: Simd.f32x4Sqrt,
  neg: Simd.f32x4Neg, abs: Simd.f32x4Abs, floor: F32X4_FLOOR, ceil: F32X4_CEIL, nearest: F32X4_NEAREST,
  eq: Simd.f32x4Eq, ne: Simd.f32x4Ne, lt: Simd.f32x4Lt, le: Simd.f32x4Le, gt: Simd.f32x4Gt, ge: Simd.f32x4Ge,
  and: Simd.v128And, or: Simd.v128Or,
};
const F64X2_CEIL = 0x74;
const F64X2_FLOOR = 0x75;
const F64X2_NEAREST = 0x94;
const I32X4_TRUNC_SAT_F64X2_S_ZERO = 0xfc;
const F64X2_CONVERT_LOW_I32X4_S = 0xfe;
const I64X2_EXTEND_LOW_I32X4_S = 0xc7;
const I64X2_EXTEND_HIGH_I32X4_S = 0xc8;
const I64X2_EXTEND_LOW_I32X4_U = 0xc9;
const I64X2_SHL = 0xcb;
const SIMD_F64: Record<string, number> = {
  add: Simd.f64x2Add, sub: Simd.f64x2Sub, mul: Simd.f64x2Mul, div: Simd.f64x2Div, sqrt: Simd.f64x2Sqrt,
  neg: Simd.f64x2Neg, abs: Simd.f64x2Abs, floor: F64X2_FLOOR, ceil: F64X2_CEIL, nearest: F64X2_NEAREST,
  eq: Simd.f64x2Eq, ne: Simd.f64x2Ne, lt: Simd.f64x2Lt, le: Simd.f64x2Le, gt: Simd.f64x2Gt, ge: Simd.f64x2Ge,
};
/** Byte lanes of i8x16.shuffle: elements 2–3 of an f32x4 moved to 0–1; two demoted halves joined; two i64x2 masks narrowed to i32x4; the high words of two doubles. */
const HIGH_PAIR = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const JOIN_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const NARROW_MASKS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const HIGH_WORDS = [4, 5, 6, 7, 12, 13, 14, 15, 4, 5, 6, 7, 12, 13, 14, 15];

/**
 * How a node's value is held in the SIMD loop, four elements per iteration: `f32` one f32x4
 * vector; `f64` two f64x2 vectors (elements 0–1 and 2–3); `m32` an i32x4 lane mask (a comparison
 * of f32 values, all ones where true); `m64` two i64x2 lane masks (a comparison of f64 values).
 */
export type Lanes = "f32" | "f64" | "m32" | "m64";

const VALUE_LANES: Partial<Record<ScalarType, Lanes>> = { f32: "f32", f64: "f64" };
const OPERAND_LANES: Partial<Record<DType, Lanes>> = { float32: "f32", float64: "f64" };
/** A bool operand read as a lane mask (its 0/1 bytes widened and negated to 0/−1). */
export const I16X8_EXTEND_LOW_I8X16_U = 0x89;
export const I32X4_EXTEND_LOW_I16X8_U = 0xa9;
export const I32X4_NEG = 0xa1;
const isMask = (l: Lanes | undefined) => l === "m32" || l === "m64";

/**
 * Each node's lanes, or null where the SIMD loop does not apply: float values (single and
 * double), comparisons of them and bool operands used as masks by and/or/select, promote/demote,
 * exponent/pow2. Other i32 values (integer arithmetic, int32 operands, bool or int32 results, a
 * bool operand used as a number) take the scalar loop.
 */
export function simdLanes(order: readonly ScalarExpr[], root: ScalarExpr, operands: readonly Operand[], out: DType): Map<ScalarExpr, Lanes> | null {
  if (OPERAND_LANES[out] === undefined || OPERAND_LANES[out] !== VALUE_LANES[root.type]) return null;
  const lanes = new Map<ScalarExpr, Lanes>();
  const of = (n: ScalarExpr) => lanes.get(n);
  for (const n of order) {
    let l: Lanes | undefined;
    if (n.kind === "arg") {
      const dtype = operands[n.index]!.dtype;
      l = dtype === "bool" ? "m32" : OPERAND_LANES[dtype] === VALUE_LANES[n.type] ? VALUE_LANES[n.type] : undefined;
    }
    else if (n.kind === "const") l = VALUE_LANES[n.type];
    else if (n.kind === "libm") l = undefined;
    else if (isComparison(n.op)) {
      const a = of(n.args[0]!);
      l = a === "f32" ? "m32" : a === "f64" ? "m64" : undefined;
    } else if (n.op === "and" || n.op === "or") {
      const [a, b] = [of(n.args[0]!), of(n.args[1]!)];
      l = isMask(a) && isMask(b) ? (a === "m64" && b === "m64" ? "m64" : "m32") : undefined;
    } else if (n.op === "select") {
      const v = VALUE_LANES[n.type];
      l = isMask(of(n.args[0]!)) && of(n.args[1]!) === v && of(n.args[2]!) === v ? v : undefined;
    } else if (n.op === "promote") l = of(n.args[0]!) === "f32" ? "f64" : undefined;
    else if (n.op === "demote") l = of(n.args[0]!) === "f64" ? "f32" : undefined;
    else if (n.op === "exponent" || n.op === "pow2") l = of(n.args[0]!) === VALUE_LANES[n.type] ? VALUE_LANES[n.type] : undefined;
    else if (n.op in SIMD_F64 && n.type !== "i32" && n.args.every((a) => of(a) === VALUE_LANES[n.type])) l = VALUE_LANES[n.type];
    if (l === undefined) return null;
    lanes.set(n, l);
  }
  return lanes;
}

/**
 * Groups of 4 elements per iteration of the SIMD loop (see `renderWasmElementwise`), 2 or 3 as
 * `simdGroups` chooses. Measured on
 * the transcendental chain (CPU time per 1M elements, one process): 1 group 7.3 ms, 2 groups
 * 6.1 ms, 3 groups 7.0 ms, 4 groups 8.2 ms (more locals than registers). Re-measured after the
 * cheaper forms (./simd-forms.ts): 2 groups still best for the chain (1: 0.87×, 3: 0.81×, and
 * 1.5 groups, a half group of 2 elements, no better than 2), while a single transcendental
 * gains from 3 (see `simdGroups`). V8 schedules a block's pure instructions breadth-first from
 * its end, so every chain of every group runs in lockstep: more groups hide more latency but
 * spill more (the chain at 2 groups: ~150 spill moves per 8 elements).
 */
const SIMD_GROUPS = 2;

/**
 * Groups per iteration for an expression: 3 where its double-precision work is one chain (about
 * one f64 node per level of the expression: exp, tanh, log, sigmoid, log1p(exp x), x·σ(x)),
 * SIMD_GROUPS where chains run side by side (tanh(…)·σ(…), eˣ·eʸ: three groups spill). Measured
 * (CPU time, interleaved, 2 groups / 3 groups): exp 1.04, expm1 1.13, tanh 1.17, sigmoid 1.12,
 * log 1.16, log1p 1.13, x·σ(x) 1.10, gelu 1.12, softplus 1.17; the chain 0.88, eˣ·eʸ 0.88.
 * Without double-precision work, see the comment inside (the float32-step forms, speed relative
 * to 2 groups, CPU time interleaved: tanh 3 groups 1.13×, 4 groups 1.18×; sigmoid 1.13×, 1.15×;
 * exp 1.13×, 1.18×; the chain 0.94×, 0.82×).
 */
export function simdGroups(order: readonly ScalarExpr[], root: ScalarExpr, live: ReadonlySet<ScalarExpr>, forms: ReadonlyMap<ScalarExpr, SimdForm>, lanes: ReadonlyMap<ScalarExpr, Lanes>): number {
  // Height: the longest path from a node to the root through what the loop computes.
  const height = new Map<ScalarExpr, number>([[root, 0]]);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    if (!live.has(n) || n.kind !== "op") continue;
    const h = height.get(n) ?? 0;
    for (const a of readsOf(n, forms)) height.set(a, Math.max(height.get(a) ?? 0, h + 1));
  }
  const heights = (l: Lanes) => order.filter((n) => live.has(n) && n.kind === "op" && lanes.get(n) === l).map((n) => height.get(n) ?? 0);
  const f64 = heights("f64");
  if (f64.length === 0) {
    // Single-precision work (one vector per value, half the registers of a double): long
    // expressions that are one chain (a float32-step transcendental) take 4 groups; chains side
    // by side (the chain's tanh and σ) and short expressions stay at SIMD_GROUPS.
    const f32 = heights("f32");
    if (f32.length < 24) return SIMD_GROUPS;
    return f32.length <= 1.7 * (Math.max(...f32) - Math.min(...f32) + 1) ? 4 : SIMD_GROUPS;
  }
  const levels = Math.max(...f64) - Math.min(...f64) + 1;
  return f64.length <= 1.5 * levels ? 3 : SIMD_GROUPS;
}

/** The nodes the SIMD loop computes: those the root reads, through the operands of the nodes computed in a cheaper form. */
export function liveNodes(order: readonly ScalarExpr[], root: ScalarExpr, forms: ReadonlyMap<ScalarExpr, SimdForm>): Set<ScalarExpr> {
  const live = new Set<ScalarExpr>([root]);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    if (!live.has(n) || n.kind === "arg" || n.kind === "const") continue;
    for (const x of readsOf(n, forms)) live.add(x);
  }
  return live;
}

/** A node's SIMD locals: one vector, or two (elements 0–1, 2–3) for `f64` and `m64`. */
export interface Vec {
  readonly lo: number;
  readonly hi: number;
}

/** The 16 bytes of a vector of `value` in every lane of `width` bytes (4: single, 8: double). */
export function splatBytes(value: number, width: 4 | 8): Uint8Array {
  const view = new DataView(new ArrayBuffer(16));
  for (let at = 0; at < 16; at += width) {
    if (width === 4) view.setFloat32(at, value, true);
    else view.setFloat64(at, value, true);
  }
  return new Uint8Array(view.buffer);
}

/** Pushes half `h` (0: elements 0–1, 1: 2–3) of mask `m` as an i64x2 mask. */
function pushMask64(f: FunctionBody, m: Vec, lanes: Lanes, h: 0 | 1): void {
  if (lanes === "m64") f.get(h === 0 ? m.lo : m.hi);
  else f.get(m.lo).simd(h === 0 ? I64X2_EXTEND_LOW_I32X4_S : I64X2_EXTEND_HIGH_I32X4_S);
}

/** Pushes mask `m` as one i32x4 mask. */
function pushMask32(f: FunctionBody, m: Vec, lanes: Lanes): void {
  if (lanes === "m32") f.get(m.lo);
  else f.get(m.lo).get(m.hi).simdShuffle(NARROW_MASKS);
}

/** Locals holding constant vectors some SIMD forms use (−1 where the loop has none of those forms). */
export interface LoopConstants {
  /** f64x2 2⁵² + 1023 and f32x4 2²³ + 127 (pow2 by an add). */
  readonly pow2Bias: number;
  readonly pow2Bias32: number;
  /** i32x4 127 and 255 (the single's exponent bias and field mask). */
  readonly bias127: number;
  readonly mask255: number;
}

/** One node's value from its operands' vectors, stored into its own (not for operands and constants). */
export function simdNode(f: FunctionBody, n: ScalarExpr, lanes: ReadonlyMap<ScalarExpr, Lanes>, vec: (m: ScalarExpr) => Vec, forms: ReadonlyMap<ScalarExpr, SimdForm>, k: LoopConstants): void {
  if (n.kind !== "op") throw new FluxionError("wasm elementwise: not a SIMD node");
  const l = lanes.get(n)!;
  const v = vec(n);
  const [a, b, c] = n.args;
  const halves = (each: (h: 0 | 1, part: (x: Vec) => number) => void) => {
    each(0, (x) => x.lo);
    f.set(v.lo);
    each(1, (x) => x.hi);
    f.set(v.hi);
  };
  const form = forms.get(n);
  if (form?.op === "same") {
    // Local copies: free once compiled (the engine renames values).
    if (l === "f32") f.get(vec(form.a).lo).set(v.lo);
    else halves((_, part) => f.get(part(vec(form.a))));
    return;
  }
  if (form?.op === "pow2Int" && l === "f32") {
    // bits of n + (2²³ + 127), NaN masked to +0 first, shifted left by 23
    const x = vec(form.a).lo;
    f.get(x).get(x).get(x).simd(Simd.f32x4Eq).simd(Simd.v128And).get(k.pow2Bias32).simd(Simd.f32x4Add).i32Const(23).simd(Simd.i32x4Shl).set(v.lo);
    return;
  }
  if (form?.op === "pow2Int") {
    // bits of n + (2⁵² + 1023), NaN masked to +0 first, shifted left by 52
    halves((_, part) => {
      const x = part(vec(form.a));
      f.get(x).get(x).get(x).simd(Simd.f64x2Eq).simd(Simd.v128And).get(k.pow2Bias).simd(Simd.f64x2Add).i32Const(52).simd(I64X2_SHL);
    });
    return;
  }
  if (form !== undefined) {
    const code = l === "f32" ? (form.op === "pmin" ? Simd.f32x4Pmin : Simd.f32x4Pmax) : form.op === "pmin" ? Simd.f64x2Pmin : Simd.f64x2Pmax;
    if (l === "f32") f.get(vec(form.a).lo).get(vec(form.b).lo).simd(code).set(v.lo);
    else halves((_, part) => f.get(part(vec(form.a))).get(part(vec(form.b))).simd(code));
    return;
  }
  switch (n.op) {
    case "select":
      if (l === "f32") {
        f.get(vec(b!).lo).get(vec(c!).lo);
        pushMask32(f, vec(a!), lanes.get(a!)!);
        f.simd(Simd.v128Bitselect).set(v.lo);
      } else {
        halves((h, part) => {
          f.get(part(vec(b!))).get(part(vec(c!)));
          pushMask64(f, vec(a!), lanes.get(a!)!, h);
          f.simd(Simd.v128Bitselect);
        });
      }
      return;
    case "and":
    case "or": {
      const code = SIMD_OP[n.op]!;
      if (l === "m32") {
        pushMask32(f, vec(a!), lanes.get(a!)!);
        pushMask32(f, vec(b!), lanes.get(b!)!);
        f.simd(code).set(v.lo);
      } else halves((_, part) => f.get(part(vec(a!))).get(part(vec(b!))).simd(code));
      return;
    }
    case "promote": {
      const x = vec(a!).lo;
      f.get(x).simd(Simd.f64x2PromoteLowF32x4).set(v.lo);
      f.get(x).get(x).simdShuffle(HIGH_PAIR).simd(Simd.f64x2PromoteLowF32x4).set(v.hi);
      return;
    }
    case "demote":
      f.get(vec(a!).lo).simd(Simd.f32x4DemoteF64x2Zero).get(vec(a!).hi).simd(Simd.f32x4DemoteF64x2Zero).simdShuffle(JOIN_LOW).set(v.lo);
      return;
    case "exponent":
      if (l === "f32") {
        // ((bits >>> 23) & 255) − 127, converted to single
        f.get(vec(a!).lo).i32Const(23).simd(Simd.i32x4ShrU).get(k.mask255).simd(Simd.v128And).get(k.bias127).simd(Simd.i32x4Sub).simd(F32X4_CONVERT_I32X4_S).set(v.lo);
        return;
      }
      // ((high word >>> 20) & 2047) − 1023, converted to double
      halves((_, part) => {
        const x = part(vec(a!));
        f.get(x).get(x).simdShuffle(HIGH_WORDS).i32Const(20).simd(Simd.i32x4ShrU);
        f.i32Const(2047).simd(Simd.i32x4Splat).simd(Simd.v128And).i32Const(1023).simd(Simd.i32x4Splat).simd(Simd.i32x4Sub).simd(F64X2_CONVERT_LOW_I32X4_S);
      });
      return;
    case "pow2":
      if (l === "f32") {
        // bits (trunc(n) + 127) << 23; the saturating truncation makes NaN 0, as the scalar loop does.
        f.get(vec(a!).lo).simd(I32X4_TRUNC_SAT_F32X4_S).get(k.bias127).simd(Simd.i32x4Add).i32Const(23).simd(Simd.i32x4Shl).set(v.lo);
        return;
      }
      // bits (trunc(n) + 1023) << 52; the saturating truncation makes NaN 0, as the scalar loop does.
      halves((_, part) => {
        f.get(part(vec(a!))).simd(I32X4_TRUNC_SAT_F64X2_S_ZERO).i32Const(1023).simd(Simd.i32x4Splat).simd(Simd.i32x4Add);
        f.simd(I64X2_EXTEND_LOW_I32X4_U).i32Const(52).simd(I64X2_SHL);
      });
      return;
    default:
      break;
  }
  const operandLanes = lanes.get(a!)!;
  if (operandLanes === "f32") {
    for (const x of n.args) f.get(vec(x).lo);
    f.simd(SIMD_OP[n.op]!).set(v.lo);
  } else {
    halves((_, part) => {
      for (const x of n.args) f.get(part(vec(x)));
      f.simd(SIMD_F64[n.op]!);
    });
  }
}

