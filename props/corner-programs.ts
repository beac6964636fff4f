// Random programs that reach the corners, for the bit-exact compiler properties (props/jit.test.ts,
// props/trace-interpret.test.ts). Unlike `programArb` (props/arbitraries.ts: float values only,
// one output), a corner program
//   - takes float, int32 and bool inputs, with values over the full int32 range and floats
//     containing NaN, ±Inf, ±0, subnormals, huge values and ties (cornerTensorArb);
//   - applies ops of every dtype: float math, int32 arithmetic that wraps, comparisons, logical
//     ops, where, casts between all three dtypes, reductions (argmax included), movement;
//   - uses literals, pad values and fill values (fullLike as a where branch) drawn from
//     CORNER_LITERALS (0, −0, ±1, 2, 0.1, 0.3, 1e-30, NaN, ±Inf), so constant folding and
//     algebraic rewrites meet them;
//   - slices with a non-zero start on EVERY axis (and steps of 1 or 2);
//   - returns several outputs that share subexpressions (sometimes one value twice, or an input).
//
// As in arbitraries.ts, every choice depends on shapes and dtypes only, never on values, so the
// function takes the same path on tracers as on concrete tensors.

import fc from "fast-check";
import * as fx from "../src/index.js";
import { type Tensor } from "../src/index.js";
import { CORNER_LITERALS, axesSubset, broadcasts, cornerTensorArb, permutation } from "./arbitraries.js";

export type FloatDType = "float32" | "float64";
type AnyDType = FloatDType | "int32" | "bool";

export const CORNER_KINDS = ["float", "int", "literal", "compare", "where", "cast", "reduce", "layout", "slice", "pad", "movement", "matmul"] as const;
export type CornerKind = (typeof CORNER_KINDS)[number];

const KIND_WEIGHTS: Readonly<Record<CornerKind, number>> = {
  float: 6, int: 2, literal: 5, compare: 2, where: 2, cast: 1, reduce: 2, layout: 1, slice: 2, pad: 1, movement: 1, matmul: 1,
};

export interface CornerNode {
  kind: CornerKind;
  /** [operand a, operand b, variant, parameter, parameter]. */
  picks: readonly number[];
}

export interface CornerProgram {
  fn: (...xs: Tensor[]) => Tensor[];
  inputShapes: number[][];
  inputDTypes: AnyDType[];
  dtype: FloatDType;
  recipe: readonly CornerNode[];
  /** Picks for the extra outputs. */
  outputs: readonly number[];
  toString(): string;
}

const INT_LITERALS = [0, 1, -1, 2, 3, -2147483648, 2147483647, 65535];

const FLOAT_UNARY: readonly ((x: Tensor) => Tensor)[] = [
  fx.neg, fx.abs, fx.sign, fx.exp, fx.log, fx.sqrt, fx.square, fx.reciprocal, fx.floor, fx.ceil, fx.round,
  fx.expm1, fx.log1p, fx.rsqrt, fx.sin, fx.cos, fx.tanh, fx.sigmoid,
];
const FLOAT_BINARY: readonly ((a: Tensor, b: Tensor | number) => Tensor)[] = [fx.add, fx.sub, fx.mul, fx.div, fx.maximum, fx.minimum, fx.pow];
const INT_UNARY: readonly ((x: Tensor) => Tensor)[] = [fx.neg, fx.abs, fx.sign, fx.square];
const INT_BINARY: readonly ((a: Tensor, b: Tensor | number) => Tensor)[] = [fx.add, fx.sub, fx.mul, fx.maximum, fx.minimum];
const COMPARE: readonly ((a: Tensor, b: Tensor | number) => Tensor)[] = [fx.greater, fx.less, fx.greaterEqual, fx.lessEqual, fx.equal, fx.notEqual];

const isFloat = (t: Tensor) => t.dtype === "float32" || t.dtype === "float64";

/** Applies one node; null when it does not apply to the picked operands. */
function applyCornerNode(node: CornerNode, values: readonly Tensor[], dtype: FloatDType, floatLiterals: readonly number[]): Tensor | null {
  const [pa = 0, pb = 0, variant = 0, p1 = 0, p2 = 0] = node.picks;
  const pick = (k: number) => values[values.length - 1 - (k % values.length)]!;
  // The first operand is usually the latest value, so chains (and fused loops) get long.
  const a = pa < 600 ? values[values.length - 1]! : pick(pa);
  const rank = a.shape.length;
  /** `b` made to broadcast with `a` (reduced to a scalar when it does not) and cast to `to`. */
  const partner = (to: AnyDType): Tensor => {
    let b = pick(pb);
    if (!broadcasts(a.shape, b.shape)) b = fx.max(b);
    return b.dtype === to ? b : fx.cast(b, to);
  };
  switch (node.kind) {
    case "float": {
      const x = isFloat(a) ? a : fx.cast(a, dtype);
      if (variant % 3 === 0) return FLOAT_UNARY[p1 % FLOAT_UNARY.length]!(x);
      const b = partner(x.dtype);
      const op = FLOAT_BINARY[p1 % FLOAT_BINARY.length]!;
      return (p2 & 1) === 0 ? op(x, b) : op(b, x);
    }
    case "int": {
      const x = a.dtype === "int32" ? a : fx.cast(a, "int32");
      if (variant % 3 === 0) return INT_UNARY[p1 % INT_UNARY.length]!(x);
      const b = partner("int32");
      const op = INT_BINARY[p1 % INT_BINARY.length]!;
      return (p2 & 1) === 0 ? op(x, b) : op(b, x);
    }
    case "literal": {
      // x op literal, or literal op x (as a rank-0 tensor of x's dtype: no weak-type question).
      if (a.dtype === "bool") return null;
      const lits = isFloat(a) ? floatLiterals : INT_LITERALS;
      const lit = fx.scalar(lits[p1 % lits.length]!, a.dtype);
      const ops = isFloat(a) ? FLOAT_BINARY : INT_BINARY;
      const op = ops[variant % ops.length]!;
      return (p2 & 1) === 0 ? op(a, lit) : op(lit, a);
    }
    case "compare": {
      if (a.dtype === "bool") {
        const b = partner("bool");
        return [fx.logicalAnd, fx.logicalOr, (x: Tensor) => fx.logicalNot(x), fx.equal, fx.notEqual][variant % 5]!(a, b);
      }
      if (isFloat(a) && variant % 4 === 3) return (p1 & 1) === 0 ? fx.isNaN(a) : fx.isFinite(a);
      const lits = isFloat(a) ? floatLiterals : INT_LITERALS;
      const b = (p2 & 1) === 0 ? partner(a.dtype) : fx.scalar(lits[(p2 >> 1) % lits.length]!, a.dtype);
      return COMPARE[p1 % COMPARE.length]!(a, b);
    }
    case "where": {
      const c = pick(p1);
      const cond = c.dtype === "bool" ? c : fx.greater(c, fx.scalar(0, c.dtype));
      if (!broadcasts(cond.shape, a.shape)) return null;
      // The other branch: a value, or a fill value drawn from the corner literals.
      const fill = isFloat(a) ? floatLiterals[p2 % floatLiterals.length]! : a.dtype === "int32" ? INT_LITERALS[p2 % INT_LITERALS.length]! : p2 % 2;
      const b = variant % 3 === 0 ? fx.fullLike(a, fill) : partner(a.dtype);
      if (!broadcasts(cond.shape, b.shape)) return null;
      return (p2 & 1) === 0 ? fx.where(cond, a, b) : fx.where(cond, b, a);
    }
    case "cast": {
      const to: AnyDType[] = [dtype, "int32", "bool"];
      return fx.cast(a, to[variant % 3]!);
    }
    case "reduce": {
      if (rank === 0) return null;
      const axes = axesSubset(rank, p1);
      const keepDims = (p2 & 1) === 1;
      if (a.dtype === "bool") return variant % 2 === 0 ? fx.sum(a, { axis: axes, keepDims }) : fx.max(fx.cast(a, "int32"), { axis: axes, keepDims });
      const ops = isFloat(a) ? [fx.sum, fx.mean, fx.max, fx.min, fx.prod, fx.logSumExp, fx.variance] : [fx.sum, fx.max, fx.min, fx.prod];
      const v = variant % (ops.length + 2);
      if (v === ops.length) return fx.argmax(a, { axis: axes[0]!, keepDims });
      if (v === ops.length + 1) return fx.argmin(a, { axis: axes[0]!, keepDims });
      return ops[v]!(a, { axis: axes, keepDims });
    }
    case "layout": {
      switch (variant % 4) {
        case 0:
          return fx.reshape(a, [-1]);
        case 1:
          return rank >= 2 ? fx.transpose(a, permutation(rank, p1)) : null;
        case 2:
          return fx.expandDims(a, { axis: p1 % (rank + 1) });
        default:
          return rank >= 1 ? fx.broadcastTo(a, [1 + (p2 % 3), ...a.shape]) : fx.broadcastTo(a, [1 + (p2 % 3)]);
      }
    }
    case "slice": {
      // A non-zero start on every axis that has room for one; steps 1 or 2; stops before the end sometimes.
      if (rank === 0 || a.shape.every((d) => d < 2)) return null;
      const spec = a.shape.map((d, i) => {
        if (d < 2) return null;
        const start = 1 + ((p1 >> i) % (d - 1));
        const stop = (p2 >> i) & 1 ? d : Math.max(start + 1, d - 1);
        return [start, stop, 1 + ((variant >> i) & 1)] as [number, number, number];
      });
      return fx.slice(a, spec);
    }
    case "pad": {
      if (rank === 0) return null;
      const value = isFloat(a) ? floatLiterals[p1 % floatLiterals.length]! : a.dtype === "int32" ? INT_LITERALS[p1 % INT_LITERALS.length]! : p1 % 2;
      const widths = a.shape.map((_, i) => [(p2 >> (2 * i)) & 1, (p2 >> (2 * i + 1)) & 1] as [number, number]);
      return fx.pad(a, widths, { value });
    }
    case "movement": {
      if (rank === 0) return null;
      const ax = p1 % rank;
      const d = a.shape[ax]!;
      switch (variant % 3) {
        case 0:
          return fx.flip(a, { axis: ax });
        case 1: {
          const b = pick(pb);
          const ok = b.dtype === a.dtype && b.shape.length === rank && b.shape.every((e, i) => i === ax || e === a.shape[i]);
          return fx.concat([a, ok ? b : a], { axis: ax });
        }
        default: {
          const n = 1 + (p2 % 3);
          return fx.take(a, Array.from({ length: n }, (_, i) => (p2 + i * 7) % d), { axis: ax });
        }
      }
    }
    case "matmul": {
      if (rank === 0 || a.dtype === "bool") return null;
      const b0 = pick(pb);
      const b = b0.dtype === a.dtype ? b0 : fx.cast(b0, a.dtype);
      const k = a.shape[rank - 1]!;
      const kb = b.shape.length === 1 ? b.shape[0] : b.shape[b.shape.length - 2];
      const batchOk = b.shape.length < 2 || rank < 2 || broadcasts(a.shape.slice(0, -2), b.shape.slice(0, -2));
      const rhs = b.shape.length >= 1 && kb === k && batchOk ? b : rank >= 2 ? fx.transpose(a, [...Array(rank - 2).keys(), rank - 1, rank - 2]) : a;
      return fx.matmul(a, rhs);
    }
  }
}

export interface CornerProgramOptions {
  maxInputs?: number;
  maxNodes?: number;
  maxRank?: number;
  maxDim?: number;
  /** Nodes whose result would exceed this many elements are skipped (default 256). */
  maxSize?: number;
  /** The float dtype of float inputs and casts (default: drawn). */
  dtype?: FloatDType;
  kinds?: readonly CornerKind[];
  /** Input dtypes to draw from ("float" = the program's float dtype; default float ×3, int32, bool). */
  inputs?: readonly ("float" | "int32" | "bool")[];
  /** Only the finite corner literals (no NaN/±Inf, which end a chain's information). */
  finiteLiterals?: boolean;
}

export function buildCornerProgram(
  recipe: readonly CornerNode[],
  outputs: readonly number[],
  inputShapes: number[][],
  inputDTypes: AnyDType[],
  dtype: FloatDType,
  maxSize = 256,
  floatLiterals: readonly number[] = CORNER_LITERALS,
): CornerProgram {
  const fn = (...xs: Tensor[]): Tensor[] => {
    const values: Tensor[] = [...xs];
    for (const node of recipe) {
      const y = applyCornerNode(node, values, dtype, floatLiterals);
      if (y !== null && y.size <= maxSize && y.size > 0) values.push(y);
    }
    // The last value, then values picked from the whole list (shared subexpressions, repeats, inputs).
    return [values[values.length - 1]!, ...outputs.map((k) => values[values.length - 1 - (k % values.length)]!)];
  };
  return {
    fn,
    inputShapes,
    inputDTypes,
    dtype,
    recipe,
    outputs,
    toString() {
      const args = inputShapes.map((s, i) => fx.zeros(s, { dtype: inputDTypes[i]! }));
      return `inputs ${inputShapes.map((s, i) => `${inputDTypes[i]}[${s.join(",")}]`).join(" ")}\n${String(fx.trace(fn)(...args))}`;
    },
  };
}

/**
 * `n` input shapes that broadcast together: mostly a whole base shape (dims 2..maxDim, so there
 * are several elements), sometimes with one axis set to 1, the leading axis dropped, or rank 0.
 */
function inputShapesArb(n: number, maxRank: number, maxDim: number): fc.Arbitrary<number[][]> {
  return fc.array(fc.integer({ min: 2, max: maxDim }), { minLength: 1, maxLength: maxRank }).chain((base) =>
    fc
      .array(fc.tuple(fc.constantFrom("whole", "whole", "whole", "one", "drop", "scalar"), fc.nat(base.length - 1)), { minLength: n, maxLength: n })
      .map((specs) =>
        specs.map(([how, axis]) => {
          if (how === "one") return base.map((d, i) => (i === axis ? 1 : d));
          if (how === "drop") return base.slice(1);
          if (how === "scalar") return [];
          return [...base];
        }),
      ),
  );
}

/** A corner program (see the file header). */
export function cornerProgramArb(options: CornerProgramOptions = {}): fc.Arbitrary<CornerProgram> {
  const kinds = options.kinds ?? CORNER_KINDS;
  // Elementwise float work (and literals) most often, so fused chains are long.
  const kind = fc.oneof(...kinds.map((k) => ({ weight: KIND_WEIGHTS[k], arbitrary: fc.constant(k) })));
  // Unbiased picks: fast-check's bias towards small naturals would mostly choose the first op and literal.
  const node = fc.record({ kind, picks: fc.array(fc.noBias(fc.nat(1000)), { minLength: 5, maxLength: 5 }) });
  return fc
    .record({
      recipe: fc.array(node, { minLength: 1, maxLength: options.maxNodes ?? 10 }),
      outputs: fc.array(fc.nat(1000), { maxLength: 2 }),
      dtype: options.dtype ? fc.constant(options.dtype) : fc.constantFrom("float32" as const, "float64" as const),
      shapes: fc.integer({ min: 1, max: options.maxInputs ?? 3 }).chain((n) => inputShapesArb(n, options.maxRank ?? 3, options.maxDim ?? 4)),
      kindsOfInputs: fc.array(fc.constantFrom(...(options.inputs ?? (["float", "float", "float", "int32", "bool"] as const))), { minLength: 3, maxLength: 3 }),
    })
    .map(({ recipe, outputs, dtype, shapes, kindsOfInputs }) => {
      const dtypes = shapes.map((_, i) => (kindsOfInputs[i % 3] === "float" ? dtype : (kindsOfInputs[i % 3] as AnyDType)));
      const literals = options.finiteLiterals ? CORNER_LITERALS.filter(Number.isFinite) : CORNER_LITERALS;
      return buildCornerProgram(recipe, outputs, shapes, dtypes, dtype, options.maxSize ?? 256, literals);
    });
}

/** A corner program with corner-valued inputs of its shapes and dtypes. */
export function cornerProgramWithInputsArb(options: CornerProgramOptions = {}): fc.Arbitrary<{ program: CornerProgram; inputs: Tensor[] }> {
  return cornerProgramArb(options).chain((program) =>
    fc.tuple(...program.inputShapes.map((s, i) => cornerTensorArb(s, program.inputDTypes[i]!))).map((inputs) => ({ program, inputs })),
  );
}
