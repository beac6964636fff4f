// The executable specification of vmap (issue 13): vmap(f)(X) is f applied to every slice of X
// and stacked, bit for bit (Object.is: NaN ≡ NaN, −0 ≢ +0) — for every registered primitive
// with random operands, random batch sizes, random (negative too) in/out axes and unbatched
// (broadcast) operands; for random programs of many primitives; for matmul, convolution and
// pooling front ends with random geometries; and jit(vmap(f)) ≡ vmap(f).
//
// The expected value is computed the plain way: f called on each example's operands, one call
// per example, and the results stacked. Adding a primitive: add a case to CASES; the coverage
// test fails until you do.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { allPrimitives, lookupPrimitive, type Params, type Primitive } from "../src/prims/primitive.js";
import { bind } from "../src/trace/context.js";
import type { DType } from "../src/tensor/dtype.js";
import { threefryLanesPrim } from "../src/vmap/threefry-lanes.js";
import { cornerFloatArb, cornerIntArb, programArb, type RandomProgram } from "./arbitraries.js";
import { convGeometryArb } from "./conv-cases.js";
import { tensorDifference } from "./exact.js";
import { runs } from "./runs.js";

// ---------------------------------------------------------------- operands of one example

/** What one operand of a case is: its shape and dtype, and for index operands the bound. */
interface OperandSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Index operands hold integers in [0, index). */
  readonly index?: number;
}

interface PrimCase {
  readonly operands: readonly OperandSpec[];
  readonly params: Params;
}

const op = (shape: readonly number[], dtype: DType, index?: number): OperandSpec => (index === undefined ? { shape, dtype } : { shape, dtype, index });

/** Values of one example's operand: corner values of its dtype, or valid indices. */
function operandArb(spec: OperandSpec): fc.Arbitrary<Tensor> {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values =
    spec.index !== undefined
      ? fc.integer({ min: 0, max: spec.index - 1 })
      : spec.dtype === "int32"
        ? cornerIntArb()
        : spec.dtype === "bool"
          ? fc.boolean()
          : cornerFloatArb(spec.dtype as "float32" | "float64");
  return fc.array(values as fc.Arbitrary<number | boolean>, { minLength: size, maxLength: size }).map((v) => fx.tensor(v as number[], { dtype: spec.dtype, shape: [...spec.shape] }));
}

const dim = (max = 3) => fc.integer({ min: 1, max });
const shapeOf = (minRank: number, maxRank: number, maxDim = 3) => fc.array(dim(maxDim), { minLength: minRank, maxLength: maxRank });
const floatDType = fc.constantFrom<DType>("float32", "float64");
const numericDType = fc.constantFrom<DType>("float32", "float64", "int32");
const anyDType = fc.constantFrom<DType>("float32", "float64", "int32", "bool");

// ---------------------------------------------------------------- one case per primitive

/** Elementwise operands: the output's shape, or rank 0 (repeated). */
function elementwiseCase(arity: number, dtypes: fc.Arbitrary<DType>, params: fc.Arbitrary<Params> = fc.constant({})): fc.Arbitrary<PrimCase> {
  return fc.record({ shape: shapeOf(0, 3), dtype: dtypes, scalars: fc.array(fc.boolean(), { minLength: arity, maxLength: arity }), params }).map(({ shape, dtype, scalars, params: p }) => ({
    operands: scalars.map((s) => op(s ? [] : shape, dtype)),
    params: p,
  }));
}

const unaryFloat = () => elementwiseCase(1, floatDType);
const unaryNumeric = () => elementwiseCase(1, numericDType);
const binaryFloat = () => elementwiseCase(2, floatDType);
const binaryNumeric = () => elementwiseCase(2, numericDType);
const compare = () => elementwiseCase(2, anyDType);

/** Sorted distinct axes of a rank (a random subset). */
const axesOf = (rank: number) => fc.subarray(Array.from({ length: rank }, (_, i) => i));

const reduceCase = fc.record({ shape: shapeOf(0, 3), dtype: numericDType }).chain(({ shape, dtype }) =>
  axesOf(shape.length).map((axes) => ({ operands: [op(shape, dtype)], params: { axes } })),
);

const argCase = fc.record({ shape: shapeOf(1, 3), dtype: numericDType }).chain(({ shape, dtype }) =>
  fc.nat(shape.length - 1).map((axis) => ({ operands: [op(shape, dtype)], params: { axis } })),
);

const matmulCase = fc
  .record({ batch: shapeOf(0, 2), m: dim(4), k: dim(4), n: dim(4), tA: fc.boolean(), tB: fc.boolean(), dtype: numericDType })
  .map(({ batch, m, k, n, tA, tB, dtype }) => ({
    operands: [op([...batch, ...(tA ? [k, m] : [m, k])], dtype), op([...batch, ...(tB ? [n, k] : [k, n])], dtype)],
    params: { transposeA: tA, transposeB: tB },
  }));

const convCase = fc
  .record({
    nd: fc.constantFrom(1, 2),
    n: dim(2),
    groups: dim(2),
    cg: dim(2),
    og: dim(2),
    k: fc.array(dim(3), { minLength: 2, maxLength: 2 }),
    stride: fc.array(dim(2), { minLength: 2, maxLength: 2 }),
    lhs: fc.array(dim(2), { minLength: 2, maxLength: 2 }),
    rhs: fc.array(dim(2), { minLength: 2, maxLength: 2 }),
    pads: fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), { minLength: 2, maxLength: 2 }),
    extra: fc.array(fc.nat(2), { minLength: 2, maxLength: 2 }),
    dtype: floatDType,
  })
  .map(({ nd, n, groups, cg, og, k, stride, lhs, rhs, pads, extra, dtype }) => {
    const axes = Array.from({ length: nd }, (_, d) => d);
    const sizes = axes.map((d) => {
      const window = (k[d]! - 1) * rhs[d]! + 1;
      const need = window - pads[d]![0] - pads[d]![1] - 1; // (S − 1)·lhs ≥ need
      return Math.max(1, Math.ceil(Math.max(0, need) / lhs[d]!) + 1) + extra[d]!;
    });
    return {
      operands: [op([n, groups * cg, ...sizes], dtype), op([groups * og, cg, ...axes.map((d) => k[d]!)], dtype)],
      params: { stride: axes.map((d) => stride[d]!), padding: axes.map((d) => [...pads[d]!]), lhsDilation: axes.map((d) => lhs[d]!), rhsDilation: axes.map((d) => rhs[d]!), groups },
    };
  });

/** Pooling geometry: input [N, C, S…], window, stride, padding < window. */
const poolGeometry = fc
  .record({
    nd: fc.constantFrom(1, 2),
    n: dim(2),
    c: dim(2),
    window: fc.array(dim(3), { minLength: 2, maxLength: 2 }),
    stride: fc.array(dim(2), { minLength: 2, maxLength: 2 }),
    pads: fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 2, maxLength: 2 }),
    extra: fc.array(fc.nat(2), { minLength: 2, maxLength: 2 }),
    dtype: numericDType,
  })
  .map(({ nd, n, c, window, stride, pads, extra, dtype }) => {
    const axes = Array.from({ length: nd }, (_, d) => d);
    const w = axes.map((d) => window[d]!);
    const padding = axes.map((d) => pads[d]!.map((p) => Math.min(p, w[d]! - 1)));
    const sizes = axes.map((d) => w[d]! + extra[d]!);
    const params = { window: w, stride: axes.map((d) => stride[d]!), padding };
    const out = axes.map((d) => Math.floor((padding[d]![0]! + sizes[d]! + padding[d]![1]! - w[d]!) / params.stride[d]!) + 1);
    return { x: [n, c, ...sizes], pooled: [n, c, ...out], dtype, params };
  });

const sliceCase = fc.record({ shape: shapeOf(1, 3, 5), dtype: anyDType }).chain(({ shape, dtype }) =>
  fc.tuple(...shape.map((d) => fc.tuple(fc.nat(d), fc.nat(d), dim(3)))).map((ranges) => ({
    operands: [op(shape, dtype)],
    params: {
      start: ranges.map(([a, b]) => Math.min(a, b)),
      stop: ranges.map(([a, b]) => Math.max(a, b)),
      step: ranges.map(([, , s]) => s),
    },
  })),
);

const padCase = fc.record({ shape: shapeOf(0, 3), dtype: floatDType, value: fc.constantFrom(0, -0, 1.5, NaN, -Infinity) }).chain(({ shape, dtype, value }) =>
  fc.tuple(...shape.map(() => fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2)))).map((w) => ({
    operands: [op(shape, dtype)],
    params: { lo: w.map((x) => x[0]), hi: w.map((x) => x[1]), interior: w.map((x) => x[2]), value },
  })),
);

const concatCase = fc.record({ shape: shapeOf(1, 3), dtype: anyDType, lengths: fc.array(dim(3), { minLength: 1, maxLength: 3 }) }).chain(({ shape, dtype, lengths }) =>
  fc.nat(shape.length - 1).map((axis) => ({
    operands: lengths.map((l) => op(shape.map((d, i) => (i === axis ? l : d)), dtype)),
    params: { axis },
  })),
);

const gatherCase = fc.record({ shape: shapeOf(1, 3), idx: shapeOf(0, 2), dtype: anyDType }).chain(({ shape, idx, dtype }) =>
  fc.nat(shape.length - 1).map((axis) => ({ operands: [op(shape, dtype), op(idx, "int32", shape[axis]!)], params: { axis } })),
);

const scatterCase = fc.record({ pre: shapeOf(0, 2), idx: shapeOf(0, 2), post: shapeOf(0, 1), size: dim(4), dtype: numericDType }).map(({ pre, idx, post, size, dtype }) => ({
  operands: [op([...pre, ...idx, ...post], dtype), op(idx, "int32", size)],
  params: { axis: pre.length, size },
}));

const reshapeCase = fc.record({ shape: shapeOf(0, 3), dtype: anyDType, kind: fc.nat(2) }).map(({ shape, dtype, kind }) => {
  const size = shape.reduce((a, b) => a * b, 1);
  const target = kind === 0 ? [size] : kind === 1 ? [...shape].reverse() : [1, ...shape, 1];
  return { operands: [op(shape, dtype)], params: { shape: target } };
});

const broadcastCase = fc.record({ target: shapeOf(0, 3), dtype: anyDType, drop: fc.nat(3), ones: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }).map(({ target, dtype, drop, ones }) => {
  const own = target.slice(Math.min(drop, target.length)).map((d, i) => (ones[i] ? 1 : d));
  return { operands: [op(own, dtype)], params: { shape: target } };
});

const transposeCase = fc.record({ shape: shapeOf(0, 3), dtype: anyDType }).chain(({ shape, dtype }) =>
  fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }).map((perm) => ({ operands: [op(shape, dtype)], params: { perm } })),
);

const revCase = fc.record({ shape: shapeOf(1, 3), dtype: anyDType }).chain(({ shape, dtype }) => axesOf(shape.length).map((axes) => ({ operands: [op(shape, dtype)], params: { axes } })));

const ELEMENTWISE_ANY = ["is_nan", "is_finite", "stop_gradient"];
const UNARY_FLOAT = ["exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tanh", "sigmoid"];
const UNARY_NUMERIC = ["neg", "sign", "abs", "square", "floor", "ceil", "round"];

const CASES: Record<string, fc.Arbitrary<PrimCase>> = {
  ...Object.fromEntries(["eq", "ne", "lt", "le", "gt", "ge"].map((n) => [n, compare()])),
  and: elementwiseCase(2, fc.constant<DType>("bool")),
  or: elementwiseCase(2, fc.constant<DType>("bool")),
  not: elementwiseCase(1, fc.constant<DType>("bool")),
  select: fc.record({ shape: shapeOf(0, 3), dtype: anyDType, scalars: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }).map(({ shape, dtype, scalars }) => ({
    operands: [op(scalars[0] ? [] : shape, "bool"), op(scalars[1] ? [] : shape, dtype), op(scalars[2] ? [] : shape, dtype)],
    params: {},
  })),
  convert: elementwiseCase(1, anyDType, anyDType.map((dtype) => ({ dtype }))),
  ...Object.fromEntries(["add", "sub", "mul", "maximum", "minimum"].map((n) => [n, binaryNumeric()])),
  ...Object.fromEntries(["div", "pow"].map((n) => [n, binaryFloat()])),
  ...Object.fromEntries(UNARY_NUMERIC.map((n) => [n, unaryNumeric()])),
  ...Object.fromEntries(UNARY_FLOAT.map((n) => [n, unaryFloat()])),
  ...Object.fromEntries(ELEMENTWISE_ANY.map((n) => [n, elementwiseCase(1, anyDType)])),
  slice: sliceCase,
  pad: padCase,
  concatenate: concatCase,
  rev: revCase,
  gather: gatherCase,
  scatter_add: scatterCase,
  reduce_sum: reduceCase,
  reduce_prod: reduceCase,
  reduce_max: reduceCase,
  reduce_min: reduceCase,
  argmax: argCase,
  argmin: argCase,
  reshape: reshapeCase,
  broadcast_to: broadcastCase,
  transpose: transposeCase,
  matmul: matmulCase,
  conv: convCase,
  max_pool: poolGeometry.map((g) => ({ operands: [op(g.x, g.dtype)], params: g.params })),
  max_pool_scatter: poolGeometry.map((g) => ({ operands: [op(g.x, g.dtype), op(g.pooled, g.dtype)], params: g.params })),
  max_pool_gather: poolGeometry.map((g) => ({ operands: [op(g.x, g.dtype), op(g.x, g.dtype)], params: g.params })),
  threefry2x32: dim(4).map((m) => ({ operands: [op([2], "int32"), op([2, m], "int32")], params: {} })),
  randint_from_bits: shapeOf(0, 2).map((shape) => ({ operands: [0, 1, 2, 3].map(() => op(shape, "int32")), params: {} })),
  argsort_u32: shapeOf(1, 3, 5).map((shape) => ({ operands: [op(shape, "int32")], params: {} })),
};

/** The batching transform's own primitive (not registered): keys per counter pair. */
const INTERNAL: Record<string, [Primitive, fc.Arbitrary<PrimCase>]> = {
  threefry2x32_lanes: [threefryLanesPrim as unknown as Primitive, dim(4).map((m) => ({ operands: [op([2, m], "int32"), op([2, m], "int32")], params: {} }))],
};

// ---------------------------------------------------------------- the law

type Fn = (...xs: Tensor[]) => Tensor;

/** A batched call: per-example operands for each of `size` examples, the in/out axes. */
interface BatchedCall {
  readonly size: number;
  /** Per operand: null (broadcast: one value for all examples) or the batch axis as given (maybe negative). */
  readonly inAxes: readonly (number | null)[];
  /** examples[i][b]: operand i of example b (one entry for broadcast operands). */
  readonly examples: readonly (readonly Tensor[])[];
  /** Where the output's batch goes, as a fraction picked into the output's rank (maybe negative). */
  readonly outPick: number;
}

/** A batched call over operands of the given specs; at least one operand is mapped. */
function batchedCallArb(specs: readonly OperandSpec[]): fc.Arbitrary<BatchedCall> {
  return fc
    .record({
      size: fc.integer({ min: 1, max: 3 }),
      mapped: fc.array(fc.boolean(), { minLength: specs.length, maxLength: specs.length }),
      axisPicks: fc.array(fc.nat(100), { minLength: specs.length, maxLength: specs.length }),
      negative: fc.array(fc.boolean(), { minLength: specs.length, maxLength: specs.length }),
      outPick: fc.integer({ min: -100, max: 100 }),
    })
    .chain(({ size, mapped, axisPicks, negative, outPick }) => {
      const anyMapped = mapped.some((m) => m) ? mapped : mapped.map((_, i) => i === 0);
      const inAxes = specs.map((s, i) => {
        if (!anyMapped[i]) return null;
        const a = axisPicks[i]! % (s.shape.length + 1);
        return negative[i] ? a - (s.shape.length + 1) : a;
      });
      const examples = fc.tuple(...specs.map((s, i) => fc.array(operandArb(s), { minLength: anyMapped[i] ? size : 1, maxLength: anyMapped[i] ? size : 1 })));
      return examples.map((ex) => ({ size, inAxes, examples: ex, outPick }));
    });
}

const normalize = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The operands vmap receives: mapped ones stacked along their axis. */
function batchedOperands(call: BatchedCall): Tensor[] {
  return call.examples.map((ex, i) => {
    const axis = call.inAxes[i];
    return axis === null || axis === undefined ? ex[0]! : fx.stack([...ex], { axis: normalize(axis, ex[0]!.shape.length + 1) });
  });
}

/** The output's batch axis for an output of per-example rank `rank` (in −(rank+1) … rank). */
function outAxisOf(call: BatchedCall, rank: number): number {
  const n = rank + 1;
  return ((call.outPick % n) + n) % n - (call.outPick < 0 ? n : 0);
}

/** f on each example's operands, stacked along the out axis: what vmap must equal. */
function expectedOf(f: Fn, call: BatchedCall): Tensor {
  const outs = Array.from({ length: call.size }, (_, b) => f(...call.examples.map((ex, i) => (call.inAxes[i] === null ? ex[0]! : ex[b]!))));
  return fx.stack(outs, { axis: normalize(outAxisOf(call, outs[0]!.shape.length), outs[0]!.shape.length + 1) });
}

/** Checks vmap(f) and jit(vmap(f)) against the stacked per-example results, bit for bit. */
function checkVmap(f: Fn, call: BatchedCall, label: () => string): void {
  const expected = expectedOf(f, call);
  const options = { inAxes: [...call.inAxes], outAxes: outAxisOf(call, expected.shape.length - 1) };
  const batched = fx.vmap(f, options);
  const args = batchedOperands(call);
  const got = batched(...args);
  const diff = tensorDifference(got, expected);
  if (diff !== null) throw new Error(`vmap ≠ stacked f: ${diff}\n${label()}\ninAxes ${JSON.stringify(call.inAxes)}, outAxes ${options.outAxes}, size ${call.size}`);
  const jitted = fx.jit(batched)(...args);
  const jitDiff = tensorDifference(jitted, got);
  if (jitDiff !== null) throw new Error(`jit(vmap(f)) ≠ vmap(f): ${jitDiff}\n${label()}\ninAxes ${JSON.stringify(call.inAxes)}`);
}

const applyPrim = (prim: Primitive, params: Params): Fn => (...xs) => bind(prim, xs, params);

describe("vmap(f)(X) is f on every slice of X, stacked (bit for bit), for every primitive", () => {
  it("every registered primitive has a case here, and nothing else", () => {
    const registered = allPrimitives().map((p) => p.name);
    expect(registered.filter((n) => !(n in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((n) => !registered.includes(n))).toEqual([]);
  });

  const all: [string, Primitive | undefined, fc.Arbitrary<PrimCase>][] = [
    ...Object.entries(CASES).map(([n, arb]) => [n, lookupPrimitive(n), arb] as [string, Primitive | undefined, fc.Arbitrary<PrimCase>]),
    ...Object.entries(INTERNAL).map(([n, [p, arb]]) => [n, p, arb] as [string, Primitive, fc.Arbitrary<PrimCase>]),
  ];
  for (const [name, prim, arb] of all) {
    it(name, () => {
      fc.assert(
        fc.property(
          arb.chain((c) => batchedCallArb(c.operands).map((call) => ({ c, call }))),
          ({ c, call }) => checkVmap(applyPrim(prim!, c.params), call, () => `${name} ${JSON.stringify(c.params)} operands ${c.operands.map((o) => `${o.dtype}[${o.shape}]`).join(", ")}`),
        ),
        runs(100),
      );
    });
  }
});

describe("vmap of random programs", () => {
  it("programs of many primitives (elementwise, reductions, layout, matmul, movement, select) with mapped and broadcast inputs", () => {
    const arb = programArb({ maxInputs: 3, maxNodes: 6, maxRank: 3, maxDim: 3 }).chain((program: RandomProgram) =>
      batchedCallArb(program.inputShapes.map((s) => op(s, program.dtype))).map((call) => ({ program, call })),
    );
    fc.assert(
      fc.property(arb, ({ program, call }) => checkVmap(program.fn, call, () => String(program))),
      runs(100),
    );
  });

  it("nested: vmap(vmap(f)) is f on every slice of both axes", () => {
    const arb = programArb({ maxInputs: 2, maxNodes: 4, maxRank: 2, maxDim: 3 }).chain((program: RandomProgram) =>
      fc.record({
        outer: dim(3),
        inner: dim(3),
        xs: fc.constant(program.inputShapes),
      }).chain(({ outer, inner, xs }) =>
        fc
          .tuple(...xs.map((s) => fc.array(fc.array(operandArb(op(s, program.dtype)), { minLength: inner, maxLength: inner }), { minLength: outer, maxLength: outer })))
          .map((vals) => ({ program, vals })),
      ),
    );
    fc.assert(
      fc.property(arb, ({ program, vals }) => {
        const stacked = vals.map((perOuter) => fx.stack(perOuter.map((inner) => fx.stack(inner))));
        const got = fx.vmap(fx.vmap(program.fn))(...stacked);
        const expected = fx.stack(vals[0]!.map((_, o) => fx.stack(vals[0]![o]!.map((_, i) => program.fn(...vals.map((v) => v[o]![i]!))))));
        const diff = tensorDifference(got, expected);
        if (diff !== null) throw new Error(`vmap(vmap(f)) ≠ stacked f: ${diff}\n${String(program)}`);
      }),
      runs(100),
    );
  });
});

// ---------------------------------------------------------------- front ends with random geometries

describe("vmap of matmul, convolution and pooling front ends with random geometries", () => {
  it("matmul: vectors, matrices and broadcast batch dimensions, either operand mapped", () => {
    const arb = fc
      .record({ m: dim(4), k: dim(4), n: dim(4), aVec: fc.boolean(), bVec: fc.boolean(), aBatch: shapeOf(0, 1), dtype: floatDType })
      .chain(({ m, k, n, aVec, bVec, aBatch, dtype }) => {
        const a = op(aVec ? [k] : [...aBatch, m, k], dtype);
        const b = op(bVec ? [k] : [k, n], dtype);
        return batchedCallArb([a, b]);
      });
    fc.assert(fc.property(arb, (call) => checkVmap((a, b) => fx.matmul(a, b), call, () => "matmul")), runs(100));
  });

  it("conv1d / conv2d (stride, padding, dilation, groups), input or filter or both mapped", () => {
    const arb = convGeometryArb({ n: [1, 2], groups: [1, 2], cg: [1, 2], og: [1, 2], kernel: 3, stride: 2, extra: 2 }).chain((g) => {
      const x = op([g.n, g.groups * g.cg, ...g.sizes], "float32");
      const w = op([g.groups * g.og, g.cg, ...g.k], "float32");
      return batchedCallArb([x, w]).map((call) => ({ g, call }));
    });
    fc.assert(
      fc.property(arb, ({ g, call }) => {
        const options = { stride: g.stride, dilation: g.dilation, groups: g.groups, padding: g.padKind === "explicit" ? g.pads : g.padKind };
        const f = g.nd === 1 ? (x: Tensor, w: Tensor) => fx.conv1d(x, w, options) : (x: Tensor, w: Tensor) => fx.conv2d(x, w, options);
        checkVmap(f, call, () => JSON.stringify(g));
      }),
      runs(100),
    );
  });

  it("maxPool2d / avgPool2d / maxPool1d with random windows, strides and padding", () => {
    const arb = poolGeometry.chain((g) => fc.constantFrom(0, 1, 2).chain((kind) => batchedCallArb([op(g.x, g.dtype === "int32" ? "float32" : g.dtype)]).map((call) => ({ g, kind, call }))));
    fc.assert(
      fc.property(arb, ({ g, kind, call }) => {
        const window = g.params.window;
        const options = { stride: g.params.stride, padding: g.params.padding.map((p) => [p[0]!, p[1]!] as [number, number]) };
        const f: Fn =
          window.length === 1
            ? (x) => fx.maxPool1d(x, window, options)
            : kind === 0
              ? (x) => fx.maxPool2d(x, window, options)
              : (x) => fx.avgPool2d(x, window, options);
        checkVmap(f, call, () => `${JSON.stringify(g)} kind ${kind}`);
      }),
      runs(100),
    );
  });
});
