// fast-check arbitraries shared by the property suites: shapes, broadcast-compatible shape
// groups, tensors, and RANDOM PROGRAMS — small op graphs over random shapes that the trace,
// autodiff and jit suites run through their transforms and compare with eager evaluation.
//
// Quick use:
//
//   import { programArb, programWithInputsArb, sameValues } from "./arbitraries.js";
//   fc.assert(fc.property(programWithInputsArb({ smooth: true, dtype: "float64" }), ({ program, inputs }) => {
//     const eager = program.fn(...inputs);                  // a Tensor
//     const traced = fx.trace(program.fn)(...inputs);        // a Program
//     ...
//   }), { numRuns: 100 });
//
// How a random program is made. A *recipe* is a list of nodes, each an op kind plus a few
// random naturals. `buildProgram` turns a recipe into `fn(...xs)`: it keeps a list of values
// (starting with the inputs), and every node picks operands from that list (biased to recent
// values, so chains get deep) and uses its naturals for the op's choices (axes, perms, slice
// bounds, …), adapted to the operands' actual shapes so that every node is valid. Every choice
// depends only on shapes, never on values, so `fn` takes the same path on tracers as on
// concrete tensors. `fn` returns the last value computed.
//
// Input shapes come from one random base shape: each input is a suffix of it with some
// dimensions set to 1, so binary nodes broadcast often. When two picked operands do not
// broadcast, the second is reduced to a scalar (mean) first.
//
// `smooth: true` keeps values away from kinks and domain edges, for finite-difference
// gradient checks: only differentiable-everywhere ops, written in bounded forms —
//   exp(tanh x), log(1 + x²), sqrt(1 + x²), a / (1 + b²), a · tanh(b), mean instead of sum,
//   matmul divided by the inner dimension, no abs/sign/floor/max/min/where/comparisons.
// Values then stay within a few units of the inputs (inputs are drawn from [-2, 2]).
// Without `smooth`, every op kind can appear, including raw log/sqrt (NaN for negative
// input), comparisons + where, maximum/minimum, max/min/argmax reductions and floor/round.

import fc from "fast-check";
import * as fx from "../src/index.js";
import { type Tensor } from "../src/index.js";

// ------------------------------------------------------------------ shapes and tensors

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest dimension (default 4). */
  maxDim?: number;
  /** Smallest dimension (default 1; 0 allows empty tensors). */
  minDim?: number;
}

export function shapeArb(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, maxDim = 4, minDim = 1 } = options;
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * `n` shapes that broadcast together (NumPy rules): each is a suffix of a common base shape
 * with some dimensions replaced by 1. Also returns the broadcast result shape.
 */
export function broadcastShapesArb(n: number, options: ShapeOptions = {}): fc.Arbitrary<{ shapes: number[][]; result: number[] }> {
  return shapeArb(options).chain((base) =>
    fc
      .array(fc.tuple(fc.nat(base.length), fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length })), { minLength: n, maxLength: n })
      .map((specs) => {
        const shapes = specs.map(([drop, ones]) => base.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
        let result: number[] = [];
        for (const s of shapes) result = broadcastResult(result, s);
        return { shapes, result };
      }),
  );
}

function broadcastResult(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

export interface TensorOptions {
  dtype?: "float32" | "float64" | "int32";
  /** Value range (default [-2, 2]; ints default to [-5, 5]). */
  min?: number;
  max?: number;
}

/** A tensor of the given shape with values drawn from [min, max] (no NaN). */
export function tensorArb(shape: readonly number[], options: TensorOptions = {}): fc.Arbitrary<Tensor> {
  const dtype = options.dtype ?? "float32";
  const size = shape.reduce((a, b) => a * b, 1);
  const values =
    dtype === "int32"
      ? fc.integer({ min: options.min ?? -5, max: options.max ?? 5 })
      : fc.double({ min: options.min ?? -2, max: options.max ?? 2, noNaN: true, noDefaultInfinity: true });
  return fc.array(values, { minLength: size, maxLength: size }).map((v) => fx.tensor(v, { dtype, shape: [...shape] }));
}

// ------------------------------------------------------------------ corner values

/** The literals, pad values and fill values the corner generators draw from. */
export const CORNER_LITERALS: readonly number[] = [0, -0, 1, -1, 2, 0.1, 0.3, 1e-30, NaN, Infinity, -Infinity];

/** Float values that reach the corners: signed zeros, ±Inf, NaN, subnormals, huge, tiny, ties. */
export function cornerFloatArb(dtype: "float32" | "float64"): fc.Arbitrary<number> {
  const subnormal = dtype === "float32" ? [1e-45, -1.4e-44, 1.1754942e-38] : [5e-324, -1e-320, 2.2250738585072e-308];
  const huge = dtype === "float32" ? [3.4e38, -3.4e38, 1e20] : [1.7e308, -1.7e308, 1e200];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...CORNER_LITERALS, ...subnormal, ...huge) },
    // Few distinct small integers: ties for max/min/argmax/pooling.
    { weight: 2, arbitrary: fc.integer({ min: -2, max: 2 }) },
    // Uniform in [-4, 4] (fc.double is uniform over bit patterns: mostly tiny values).
    { weight: 6, arbitrary: fc.noBias(fc.integer({ min: -(2 ** 30), max: 2 ** 30 })).map((k) => k / 2 ** 28 + 1e-9 * (k % 7)) },
  );
}

/** int32 values over the whole range, edges and small values (ties) included. */
export function cornerIntArb(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(0, 1, -1, 2, 2147483647, -2147483648, 65536, 123456789, 987654321, -46341),
    fc.integer({ min: -3, max: 3 }),
    fc.noBias(fc.integer({ min: -2147483648, max: 2147483647 })),
  );
}

/** A tensor of `shape` with corner values of `dtype` (bool: true/false). */
export function cornerTensorArb(shape: readonly number[], dtype: "float32" | "float64" | "int32" | "bool"): fc.Arbitrary<Tensor> {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = dtype === "int32" ? cornerIntArb() : dtype === "bool" ? fc.constantFrom(0, 1) : cornerFloatArb(dtype);
  return fc.array(values, { minLength: size, maxLength: size }).map((v) => fx.tensor(v, { dtype, shape: [...shape] }));
}

/** A tensor of a random shape. */
export function anyTensorArb(shapeOptions: ShapeOptions = {}, options: TensorOptions = {}): fc.Arbitrary<Tensor> {
  return shapeArb(shapeOptions).chain((s) => tensorArb(s, options));
}

// ------------------------------------------------------------------ comparing results

/** Elementwise identical values and equal shapes/dtypes (NaN equals NaN, 0 vs −0 ignored). */
export function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = a.data();
  const y = b.data();
  for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (x[i] !== x[i] && y[i] !== y[i]))) return false;
  return true;
}

/** Equal shapes and |a − b| ≤ atol + rtol·|b| everywhere (NaN and ±Infinity must match). */
export function allClose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-6): boolean {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = a.data();
  const y = b.data();
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (u === v || (u !== u && v !== v)) continue;
    if (!Number.isFinite(u) || !Number.isFinite(v) || Math.abs(u - v) > atol + rtol * Math.abs(v)) return false;
  }
  return true;
}

// ------------------------------------------------------------------ random programs

/** The op kinds a random program node can be. */
export const OP_KINDS = ["unary", "binary", "reduce", "reshape", "transpose", "matmul", "movement", "select"] as const;
export type OpKind = (typeof OP_KINDS)[number];

/** One node of a recipe: an op kind and random naturals for its choices. */
export interface RecipeNode {
  kind: OpKind;
  /** Choices: [operand a, operand b, op variant, parameter, parameter]. */
  picks: readonly number[];
}

export interface ProgramOptions {
  /** Number of inputs, 1..maxInputs (default 3). */
  maxInputs?: number;
  /** Number of nodes, 1..maxNodes (default 8). */
  maxNodes?: number;
  /** Rank of the base shape, up to maxRank (default 3). */
  maxRank?: number;
  /** Largest dimension of the base shape (default 4). */
  maxDim?: number;
  /** Nodes whose result would exceed this many elements are skipped (default 512). */
  maxSize?: number;
  /** Only smooth, bounded ops (see the file header); default false. */
  smooth?: boolean;
  /** Restrict the node kinds (default: all of OP_KINDS; `select` only without smooth). */
  kinds?: readonly OpKind[];
  /** Input dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** A generated program: the function, its input shapes and the recipe it came from. */
export interface RandomProgram {
  fn: (...xs: Tensor[]) => Tensor;
  inputShapes: number[][];
  dtype: "float32" | "float64";
  recipe: readonly RecipeNode[];
  smooth: boolean;
  /** The traced IR, for counterexample reports. */
  toString(): string;
}

const SMOOTH_UNARY: readonly ((x: Tensor) => Tensor)[] = [
  fx.neg,
  fx.sin,
  fx.cos,
  fx.tanh,
  fx.sigmoid,
  (x) => fx.exp(fx.tanh(x)),
  (x) => fx.log(fx.add(fx.square(x), 1)),
  (x) => fx.sqrt(fx.add(fx.square(x), 1)),
  (x) => fx.square(fx.tanh(x)),
  (x) => fx.log1p(fx.sigmoid(x)),
];
const RAW_UNARY: readonly ((x: Tensor) => Tensor)[] = [
  ...SMOOTH_UNARY,
  fx.abs,
  fx.sign,
  fx.exp,
  fx.log,
  fx.sqrt,
  fx.square,
  fx.reciprocal,
  fx.floor,
  fx.ceil,
  fx.round,
  fx.expm1,
  fx.rsqrt,
  (x) => fx.maximum(x, 0),
];
const SMOOTH_BINARY: readonly ((a: Tensor, b: Tensor) => Tensor)[] = [
  fx.add,
  fx.sub,
  (a, b) => fx.mul(a, fx.tanh(b)),
  (a, b) => fx.div(a, fx.add(fx.square(b), 1)),
];
const RAW_BINARY: readonly ((a: Tensor, b: Tensor) => Tensor)[] = [
  ...SMOOTH_BINARY,
  fx.mul,
  fx.div,
  fx.maximum,
  fx.minimum,
  fx.pow,
];

/** Shapes broadcast together under NumPy's rules. */
export function broadcasts(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!;
    const y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

/** A permutation of n items from random naturals (deterministic Fisher–Yates). */
export function permutation(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    const j = s % (i + 1);
    s = Math.floor(s / (i + 1)) + 7 * i;
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** A non-empty subset of axes 0..rank-1 chosen by the bits of `bits`. */
export function axesSubset(rank: number, bits: number): number[] {
  const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => (bits >> i) & 1);
  return axes.length ? axes : [bits % rank];
}

/** Applies one node; returns null when it does not apply to the picked operands. */
function applyNode(node: RecipeNode, values: readonly Tensor[], smooth: boolean): Tensor | null {
  const [pa = 0, pb = 0, variant = 0, p1 = 0, p2 = 0] = node.picks;
  const pick = (k: number) => values[values.length - 1 - (k % values.length)]!;
  const a = pick(pa);
  const rank = a.shape.length;
  switch (node.kind) {
    case "unary": {
      const ops = smooth ? SMOOTH_UNARY : RAW_UNARY;
      return ops[variant % ops.length]!(a);
    }
    case "binary": {
      const ops = smooth ? SMOOTH_BINARY : RAW_BINARY;
      let b = pick(pb);
      if (!broadcasts(a.shape, b.shape)) b = fx.mean(b);
      return (p1 & 1) === 0 ? ops[variant % ops.length]!(a, b) : ops[variant % ops.length]!(b, a);
    }
    case "select": {
      if (smooth) return null;
      let b = pick(pb);
      if (!broadcasts(a.shape, b.shape)) b = fx.mean(b);
      const cmp = [fx.greater, fx.less, fx.greaterEqual, fx.equal][variant % 4]!;
      return fx.where(cmp(a, b), (p1 & 1) === 0 ? a : fx.neg(a), b);
    }
    case "reduce": {
      if (rank === 0) return null;
      const axes = axesSubset(rank, p1);
      const keepDims = (p2 & 1) === 1;
      if (smooth) return variant % 2 === 0 ? fx.mean(a, { axis: axes, keepDims }) : fx.logSumExp(a, { axis: axes, keepDims });
      const ops = [fx.sum, fx.mean, fx.max, fx.min, fx.prod, fx.logSumExp];
      const v = variant % (ops.length + 1);
      if (v === ops.length) return fx.cast(fx.argmax(a, { axis: axes[0]!, keepDims }), a.dtype);
      return ops[v]!(a, { axis: axes, keepDims });
    }
    case "reshape": {
      switch (variant % 5) {
        case 0:
          return fx.reshape(a, [-1]);
        case 1:
          return rank >= 2 ? fx.flatten(a, { startAxis: p1 % (rank - 1), endAxis: (p1 % (rank - 1)) + 1 }) : null;
        case 2:
          return fx.expandDims(a, { axis: p1 % (rank + 1) });
        case 3:
          return a.shape.includes(1) ? fx.squeeze(a) : null;
        default: {
          // Split an axis of size d into [f, d / f].
          if (rank === 0) return null;
          const ax = p1 % rank;
          const d = a.shape[ax]!;
          const factors = Array.from({ length: d }, (_, i) => i + 1).filter((f) => d % f === 0);
          const f = factors[p2 % factors.length]!;
          return fx.reshape(a, [...a.shape.slice(0, ax), f, d / f, ...a.shape.slice(ax + 1)]);
        }
      }
    }
    case "transpose":
      return rank >= 2 ? fx.transpose(a, permutation(rank, p1)) : null;
    case "matmul": {
      if (rank === 0) return null;
      const b = pick(pb);
      const k = a.shape[rank - 1]!;
      const kb = b.shape.length === 1 ? b.shape[0] : b.shape[b.shape.length - 2];
      const batchOk = b.shape.length < 2 || rank < 2 || broadcasts(a.shape.slice(0, -2), b.shape.slice(0, -2));
      const rhs = b.shape.length >= 1 && kb === k && batchOk ? b : rank >= 2 ? fx.transpose(a, [...Array(rank - 2).keys(), rank - 1, rank - 2]) : a;
      const rhsT = smooth ? fx.tanh(rhs) : rhs;
      const out = fx.matmul(a, rhsT);
      return smooth ? fx.div(out, Math.max(1, k)) : out;
    }
    case "movement": {
      if (rank === 0) return null;
      const ax = p1 % rank;
      const d = a.shape[ax]!;
      switch (variant % 5) {
        case 0: {
          // slice [s : e : step] on one axis (kept non-empty)
          const s = p2 % d;
          const step = 1 + (p1 % 2);
          const spec = a.shape.map((_, i) => (i === ax ? ([s, null, step] as const) : null));
          return fx.slice(a, spec);
        }
        case 1: {
          const widths = a.shape.map((_, i) => (i === ax ? ([p2 % 2, (p2 >> 1) % 2] as [number, number]) : ([0, 0] as [number, number])));
          return fx.pad(a, widths, { value: smooth ? 0 : (p2 % 3) - 1 });
        }
        case 2:
          return fx.flip(a, { axis: ax });
        case 3: {
          const b = pick(pb);
          const ok = b.shape.length === rank && b.shape.every((e, i) => i === ax || e === a.shape[i]);
          return fx.concat([a, ok ? b : a], { axis: ax });
        }
        default: {
          const n = 1 + (p2 % 3);
          const idx = Array.from({ length: n }, (_, i) => (p2 + i * 7) % d);
          return fx.take(a, idx, { axis: ax });
        }
      }
    }
  }
}

/**
 * Turns a recipe into a function over tensors. Every choice depends only on shapes, so the
 * function behaves the same on tracers and on concrete tensors.
 */
export function buildProgram(recipe: readonly RecipeNode[], inputShapes: number[][], options: ProgramOptions = {}): RandomProgram {
  const smooth = options.smooth ?? false;
  const maxSize = options.maxSize ?? 512;
  const dtype = options.dtype ?? "float32";
  const fn = (...xs: Tensor[]): Tensor => {
    const values: Tensor[] = [...xs];
    for (const node of recipe) {
      const y = applyNode(node, values, smooth);
      if (y !== null && y.size <= maxSize && y.size > 0) values.push(y);
    }
    return values[values.length - 1]!;
  };
  const program: RandomProgram = {
    fn,
    inputShapes,
    dtype,
    recipe,
    smooth,
    toString() {
      const args = inputShapes.map((s) => fx.zeros(s, { dtype }));
      return `inputs ${JSON.stringify(inputShapes)} (${dtype})\n${String(fx.trace(fn)(...args))}`;
    },
  };
  return program;
}

/** Random recipes of 1..maxNodes nodes over the allowed kinds. */
export function recipeArb(options: ProgramOptions = {}): fc.Arbitrary<RecipeNode[]> {
  const smooth = options.smooth ?? false;
  const kinds = (options.kinds ?? OP_KINDS).filter((k) => !(smooth && k === "select"));
  const node = fc.record({
    kind: fc.constantFrom(...kinds),
    picks: fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }),
  });
  return fc.array(node, { minLength: 1, maxLength: options.maxNodes ?? 8 });
}

/** Input shapes: suffixes of one base shape with some dims set to 1 (so they broadcast). */
export function inputShapesArb(options: ProgramOptions = {}): fc.Arbitrary<number[][]> {
  return fc
    .integer({ min: 1, max: options.maxInputs ?? 3 })
    .chain((n) => broadcastShapesArb(n, { maxRank: options.maxRank ?? 3, maxDim: options.maxDim ?? 4 }))
    .map(({ shapes }) => shapes);
}

/** A random program (function + input shapes); see the file header. */
export function programArb(options: ProgramOptions = {}): fc.Arbitrary<RandomProgram> {
  return fc.tuple(recipeArb(options), inputShapesArb(options)).map(([recipe, shapes]) => buildProgram(recipe, shapes, options));
}

/** A random program with random inputs of its shapes (values in [-2, 2]). */
export function programWithInputsArb(options: ProgramOptions = {}): fc.Arbitrary<{ program: RandomProgram; inputs: Tensor[] }> {
  return programArb(options).chain((program) =>
    fc
      .tuple(...program.inputShapes.map((s) => tensorArb(s, { dtype: program.dtype })))
      .map((inputs) => ({ program, inputs })),
  );
}
