// The executable specification of automatic differentiation (issue 3): for every registered
// primitive and for random compositions of primitives, derivatives from vjp / jvp / grad agree
// with float64 central finite differences (props/gradcheck.ts states the stencil, step and
// tolerance: relative error ≤ 1e-6), the two modes agree (dot-product test), second-order
// derivatives agree with finite differences of first derivatives, and the laws a user relies
// on hold: linearity, closed forms, broadcasting sums, fan-out accumulation, xᵀAx's Hessian.
//
// Adding a primitive: add an entry to CASES (or, if its output is never float, to
// NON_DIFFERENTIABLE with the reason); the coverage test fails until you do.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { allPrimitives, lookupPrimitive } from "../src/prims/primitive.js";
import { bind } from "../src/trace/context.js";
import { isFloat, type DType } from "../src/tensor/dtype.js";
import type { Tensor } from "../src/tensor/tensor.js";
import {
  type Domain,
  type PrimInstance,
  type TensorFn,
  assertClose,
  awayFromZero,
  betweenSteps,
  checkAllDerivatives,
  checkDotProduct,
  checkJvp,
  checkSecondOrder,
  checkVjp,
  describeProgram,
  distinctTensorArb,
  dyadic,
  fdDirectional,
  fdVjp,
  programCaseArb,
  programFunction,
  prng,
  randomLike,
  tensorArb,
  tensorOf,
  uniform,
  values,
} from "./gradcheck.js";
import { programWithInputsArb } from "./arbitraries.js";
import { runs } from "./runs.js";

const RUNS = runs(100);

// ---------------------------------------------------------------- per-primitive instances

type Arb = fc.Arbitrary<PrimInstance>;

const inst = (inputs: Tensor[], params: Record<string, unknown> = {}): PrimInstance => ({ inputs, params });

const ELEMENTWISE_SHAPES: readonly (readonly number[])[] = [[], [4], [2, 3]];

function unary(domain: Domain, dtype: DType = "float64"): Arb {
  return fc.constantFrom(...ELEMENTWISE_SHAPES).chain((s) => tensorArb(s, domain, dtype).map((x) => inst([x])));
}

/** Both operands full-shape, or one of them rank-0 (the IR's implicit scalar broadcast). */
function binary(da: Domain, db: Domain): Arb {
  return fc
    .constantFrom<[number[], number[]]>([[2, 3], [2, 3]], [[2, 3], []], [[], [2, 3]], [[], []])
    .chain(([sa, sb]) => fc.tuple(tensorArb(sa, da), tensorArb(sb, db)).map(([a, b]) => inst([a, b])));
}

/** maximum/minimum operands at least 0.05 apart everywhere (no ties within reach of h). */
function separatedPair(): Arb {
  return fc
    .constantFrom<[number[], number[]]>([[2, 3], [2, 3]], [[2, 3], []], [[], [2, 3]], [[], []])
    .chain(([sa, sb]) => {
      const full = sa.length ? sa : sb;
      return fc.tuple(tensorArb(full, uniform(-2, 2)), tensorArb(full, awayFromZero(0.05, 1)), fc.nat(5)).map(([a, d, k]) => {
        const av = values(a);
        const bv = av.map((x, i) => x + values(d)[i]!);
        // A rank-0 operand is one value; the other operand is moved away from it.
        if (sa.length === 0 && sb.length === 0) return inst([tensorOf([av[0]!], []), tensorOf([bv[0]!], [])]);
        if (sa.length === 0) return inst([tensorOf([av[k % av.length]!], []), tensorOf(av.map((_, i) => av[k % av.length]! + values(d)[i]!), sb)]);
        if (sb.length === 0) return inst([tensorOf(av.map((_, i) => bv[k % av.length]! - values(d)[i]!), sa), tensorOf([bv[k % av.length]!], [])]);
        return inst([tensorOf(av, sa), tensorOf(bv, sb)]);
      });
    });
}

const boolTensorArb = (shape: readonly number[]) =>
  fc.array(fc.boolean(), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((bs) =>
    fx.tensor(Uint8Array.from(bs.map(Number)), { shape: [...shape], dtype: "bool" }),
  );

const intTensor = (data: number[], shape: number[]) => fx.tensor(Int32Array.from(data), { shape, dtype: "int32" });

/** Non-empty sorted subsets of 0..rank-1. */
const axesArb = (rank: number) =>
  fc.subarray(Array.from({ length: rank }, (_, i) => i), { minLength: 1 }).map((a) => [...a].sort((x, y) => x - y));

function reduceCase(distinct: boolean, domain: Domain = uniform(-2, 2)): Arb {
  return fc.constantFrom<number[]>([4], [2, 3], [2, 3, 2]).chain((s) =>
    fc.tuple(distinct ? distinctTensorArb(s) : tensorArb(s, domain), axesArb(s.length)).map(([x, axes]) => inst([x], { axes })),
  );
}

const matmulCase: Arb = fc
  .record({
    m: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 3 }),
    batch: fc.constantFrom<number[]>([], [2]),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
  })
  .chain(({ m, k, n, batch, transposeA, transposeB }) =>
    fc
      .tuple(
        tensorArb([...batch, ...(transposeA ? [k, m] : [m, k])], uniform(-2, 2)),
        tensorArb([...batch, ...(transposeB ? [n, k] : [k, n])], uniform(-2, 2)),
      )
      .map(([a, b]) => inst([a, b], { transposeA, transposeB })),
  );

const sliceCase: Arb = fc
  .tuple(tensorArb([4, 5], uniform(-2, 2)), fc.tuple(fc.nat(3), fc.nat(4), fc.integer({ min: 1, max: 3 })), fc.tuple(fc.nat(4), fc.nat(5), fc.integer({ min: 1, max: 3 })))
  .map(([x, [a0, b0, s0], [a1, b1, s1]]) => {
    const r = (a: number, b: number): [number, number] => [Math.min(a, b), Math.max(a, b)];
    const [lo0, hi0] = r(a0, b0);
    const [lo1, hi1] = r(a1, b1);
    return inst([x], { start: [lo0, lo1], stop: [hi0, hi1], step: [s0, s1] });
  });

const padCase: Arb = fc
  .tuple(tensorArb([2, 3], uniform(-2, 2)), fc.array(fc.nat(2), { minLength: 6, maxLength: 6 }), fc.constantFrom(0, 1.5, -3))
  .map(([x, [l0, l1, h0, h1, i0, i1], value]) => inst([x], { lo: [l0, l1], hi: [h0, h1], interior: [i0! % 2, i1! % 2], value }));

const concatCase: Arb = fc
  .tuple(fc.constantFrom(0, 1), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }))
  .chain(([axis, lens]) =>
    fc.tuple(...lens.map((l) => tensorArb(axis === 0 ? [l, 3] : [2, l], uniform(-2, 2)))).map((xs) => inst(xs, { axis })),
  );

const flipCase: Arb = fc.tuple(tensorArb([3, 4], uniform(-2, 2)), axesArb(2)).map(([x, axes]) => inst([x], { axes }));

const gatherCase: Arb = fc
  .tuple(tensorArb([4, 3], uniform(-2, 2)), fc.constantFrom(0, 1), fc.constantFrom<number[]>([5], [2, 2]), fc.array(fc.nat(100), { minLength: 5, maxLength: 5 }))
  .map(([x, axis, idxShape, raw]) => {
    const n = idxShape.reduce((a, b) => a * b, 1);
    const idx = intTensor(raw.slice(0, n).map((r) => r % x.shape[axis]!), idxShape);
    return inst([x, idx], { axis });
  });

const scatterCase: Arb = fc
  .tuple(fc.constantFrom(0, 1), fc.array(fc.nat(100), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 4 }))
  .chain(([axis, raw, size]) => {
    const idx = intTensor(raw.map((r) => r % size), [4]);
    const shape = axis === 0 ? [4, 2] : [2, 4];
    return tensorArb(shape, uniform(-2, 2)).map((u) => inst([u, idx], { axis, size }));
  });

const selectCase: Arb = fc
  .constantFrom<[number[], number[], number[]]>([[2, 3], [2, 3], [2, 3]], [[], [2, 3], [2, 3]], [[2, 3], [], [2, 3]], [[2, 3], [2, 3], []])
  .chain(([sc, sa, sb]) => fc.tuple(boolTensorArb(sc), tensorArb(sa, uniform(-2, 2)), tensorArb(sb, uniform(-2, 2))).map((xs) => inst(xs)));

// float32 ↔ float64 on dyadic values, so that every perturbed input and output is exact.
const convertCase: Arb = fc
  .tuple(fc.constantFrom<[DType, DType]>(["float64", "float32"], ["float32", "float64"]), fc.constantFrom(...ELEMENTWISE_SHAPES))
  .chain(([[from, to], s]) => tensorArb(s, dyadic, from).map((x) => inst([x], { dtype: to })));

const convCase: Arb = fc
  .record({
    two: fc.boolean(),
    stride: fc.integer({ min: 1, max: 2 }),
    lo: fc.integer({ min: 0, max: 1 }),
    hi: fc.integer({ min: 0, max: 1 }),
    lhsDilation: fc.integer({ min: 1, max: 2 }),
    rhsDilation: fc.integer({ min: 1, max: 2 }),
    groups: fc.constantFrom(1, 2),
  })
  .chain(({ two, stride, lo, hi, lhsDilation, rhsDilation, groups }) => {
    const nd = two ? 2 : 1;
    const spatial = two ? [3, 3] : [5];
    const x = [1, 2, ...spatial];
    const w = [2, 2 / groups, ...spatial.map(() => 2)];
    const rep = (v: number) => Array.from({ length: nd }, () => v);
    return fc
      .tuple(tensorArb(x, uniform(-2, 2)), tensorArb(w, uniform(-2, 2)))
      .map(([a, b]) => inst([a, b], { stride: rep(stride), padding: rep(0).map(() => [lo, hi]), lhsDilation: rep(lhsDilation), rhsDilation: rep(rhsDilation), groups }));
  });

/** Pooling params on distinct inputs (no ties in any window): 1-D [1,2,5] or 2-D [1,1,4,4]. */
const poolBase = fc
  .record({ two: fc.boolean(), window: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), pad: fc.nat(2) })
  .chain(({ two, window, stride, pad }) => {
    const nd = two ? 2 : 1;
    const shape = two ? [1, 1, 4, 4] : [1, 2, 5];
    const p = Math.min(pad, window - 1);
    const params = {
      window: Array.from({ length: nd }, () => window),
      stride: Array.from({ length: nd }, () => stride),
      padding: Array.from({ length: nd }, () => [p, 0]),
    };
    return distinctTensorArb(shape).map((x) => ({ x, params }));
  });

const pooledShape = (x: Tensor, params: Record<string, unknown>) => lookupPrimitive("max_pool")!.abstractEval([x], params as never).shape;

const maxPoolCase: Arb = poolBase.map(({ x, params }) => inst([x], params));
const maxPoolScatterCase: Arb = poolBase.chain(({ x, params }) => tensorArb(pooledShape(x, params), uniform(-2, 2)).map((g) => inst([x, g], params)));
const maxPoolGatherCase: Arb = poolBase.chain(({ x, params }) => tensorArb(x.shape, uniform(-2, 2)).map((h) => inst([x, h], params)));

/**
 * One entry per differentiable primitive: instances drawn away from kinks, poles and domain
 * edges (the domain is stated next to each). Piecewise-constant primitives (sign, floor, …)
 * are checked too: away from their steps the finite difference is 0 and so must the rules be.
 */
const CASES: Record<string, Arb> = {
  neg: unary(uniform(-2, 2)),
  abs: unary(awayFromZero(0.05, 2)), // kink at 0
  sign: unary(awayFromZero(0.05, 2)), // step at 0
  exp: unary(uniform(-2, 2)),
  log: unary(uniform(0.2, 3)), // pole at 0
  log1p: unary(uniform(-0.7, 3)), // pole at −1
  expm1: unary(uniform(-2, 2)),
  sqrt: unary(uniform(0.2, 3)), // infinite slope at 0
  rsqrt: unary(uniform(0.2, 3)),
  reciprocal: unary(awayFromZero(0.3, 2)),
  square: unary(uniform(-2, 2)),
  sin: unary(uniform(-3, 3)),
  cos: unary(uniform(-3, 3)),
  tanh: unary(uniform(-3, 3)),
  sigmoid: unary(uniform(-4, 4)),
  floor: unary(betweenSteps(0.05, 0.95)), // steps at integers
  ceil: unary(betweenSteps(0.05, 0.95)),
  round: unary(betweenSteps(-0.45, 0.45)), // steps at half-integers
  add: binary(uniform(-2, 2), uniform(-2, 2)),
  sub: binary(uniform(-2, 2), uniform(-2, 2)),
  mul: binary(uniform(-2, 2), uniform(-2, 2)),
  div: binary(uniform(-2, 2), awayFromZero(0.3, 2)), // pole at b = 0
  pow: binary(uniform(0.5, 2), uniform(-2, 2)), // a ≥ 0.5: real-valued and smooth, and finite differences stay accurate (a soak run found 0.2^-2 too steep for the 4th-order stencil)
  maximum: separatedPair(), // kink at a = b
  minimum: separatedPair(),
  select: selectCase,
  convert: convertCase,
  reduce_sum: reduceCase(false),
  reduce_max: reduceCase(true), // kink at ties
  reduce_min: reduceCase(true),
  // A polynomial: smooth everywhere. A quarter of the entries are exact zeros, where the
  // rules must not divide (second order included).
  reduce_prod: reduceCase(false, (u) => (u < 0.25 ? 0 : uniform(-1.5, 1.5)((u - 0.25) / 0.75))),
  reshape: fc
    .constantFrom<[number[], number[]]>([[2, 3], [3, 2]], [[2, 3], [6]], [[6], [1, 6, 1]], [[], [1, 1]])
    .chain(([from, to]) => tensorArb(from, uniform(-2, 2)).map((x) => inst([x], { shape: to }))),
  broadcast_to: fc
    .constantFrom<[number[], number[]]>([[3], [2, 3]], [[2, 1], [2, 3]], [[], [2, 2]], [[1, 3], [2, 2, 3]], [[2, 1, 1], [2, 3, 2]])
    .chain(([from, to]) => tensorArb(from, uniform(-2, 2)).map((x) => inst([x], { shape: to }))),
  transpose: fc
    .constantFrom([0, 1, 2], [2, 0, 1], [1, 0, 2], [2, 1, 0])
    .chain((perm) => tensorArb([2, 3, 4], uniform(-2, 2)).map((x) => inst([x], { perm }))),
  matmul: matmulCase,
  slice: sliceCase,
  pad: padCase,
  concatenate: concatCase,
  rev: flipCase,
  gather: gatherCase,
  scatter_add: scatterCase,
  conv: convCase,
  max_pool: maxPoolCase, // kink at ties: distinct inputs
  max_pool_scatter: maxPoolScatterCase,
  max_pool_gather: maxPoolGatherCase,
};

/**
 * Primitives whose output is never float, so nothing flows back through them (their rules
 * return null). Each entry: a sample instance, used to assert that the output is not float.
 */
const NON_DIFFERENTIABLE: Record<string, () => PrimInstance> = {
  // comparisons → bool
  eq: () => inst([tensorOf([1, 2], [2]), tensorOf([1, 3], [2])]),
  ne: () => inst([tensorOf([1, 2], [2]), tensorOf([1, 3], [2])]),
  lt: () => inst([tensorOf([1, 2], [2]), tensorOf([1, 3], [2])]),
  le: () => inst([tensorOf([1, 2], [2]), tensorOf([1, 3], [2])]),
  gt: () => inst([tensorOf([1, 2], [2]), tensorOf([1, 3], [2])]),
  ge: () => inst([tensorOf([1, 2], [2]), tensorOf([1, 3], [2])]),
  // logical ops: bool → bool
  and: () => inst([fx.tensor([true, false]), fx.tensor([true, true])]),
  or: () => inst([fx.tensor([true, false]), fx.tensor([true, true])]),
  not: () => inst([fx.tensor([true, false])]),
  // predicates → bool
  is_nan: () => inst([tensorOf([1, NaN], [2])]),
  is_finite: () => inst([tensorOf([1, Infinity], [2])]),
  // index reductions → int32
  argmax: () => inst([tensorOf([1, 3, 2], [3])], { axis: 0 }),
  argmin: () => inst([tensorOf([1, 3, 2], [3])], { axis: 0 }),
  // random bits, ranks and indices (src/prims/random.ts) → int32
  threefry2x32: () => inst([fx.tensor([0, 1], { dtype: "int32" }), fx.tensor([[0, 1], [2, 3]], { dtype: "int32" })]),
  randint_from_bits: () => inst([1, 2, 0, 5].map((v) => fx.tensor([v, v + 7], { dtype: "int32" }))),
  argsort_u32: () => inst([fx.tensor([3, -1, 0], { dtype: "int32" })]),
};

/** stop_gradient is the identity whose derivative is zero by definition (finite differences say 1). */
const ZERO_BY_DEFINITION = ["stop_gradient"];

const applyPrim = (name: string, params: Record<string, unknown>): TensorFn => {
  const prim = lookupPrimitive(name)!;
  return (...xs) => bind(prim, xs, params as never);
};

describe("every primitive has a gradient property", () => {
  it("CASES ∪ NON_DIFFERENTIABLE ∪ ZERO_BY_DEFINITION covers every registered primitive, and nothing else", () => {
    const registered = allPrimitives().map((p) => p.name);
    const missing = registered.filter((n) => !(n in CASES) && !(n in NON_DIFFERENTIABLE) && !ZERO_BY_DEFINITION.includes(n));
    expect(missing, `primitives without a gradient check: add them to CASES in props/grad.test.ts`).toEqual([]);
    const unknown = [...Object.keys(CASES), ...Object.keys(NON_DIFFERENTIABLE), ...ZERO_BY_DEFINITION].filter((n) => !registered.includes(n));
    expect(unknown).toEqual([]);
  });

  for (const [name, sample] of Object.entries(NON_DIFFERENTIABLE)) {
    it(`${name}: output is not float, and its rules pass nothing back`, () => {
      const prim = lookupPrimitive(name)!;
      const { inputs, params } = sample();
      const out = bind(prim, inputs, params as never);
      expect(isFloat(out.dtype)).toBe(false);
      expect(prim.vjp(out, { inputs, out, params: params as never }).every((c) => c === null)).toBe(true);
      expect(prim.jvp({ inputs, out, params: params as never, tangents: inputs.map(() => null) })).toBeNull();
    });
  }

  it("stop_gradient: value is the identity, every derivative is zero", () => {
    fc.assert(
      fc.property(tensorArb([2, 3], uniform(-2, 2)), (x) => {
        const f = (y: Tensor) => fx.sum(fx.mul(fx.stopGradient(y), y));
        assertClose(values(fx.stopGradient(x)), values(x), "stopGradient value");
        // d/dx Σ sg(x)·x = sg(x) = x, not 2x.
        assertClose(values(fx.grad(f)(x)), values(x), "grad through stopGradient");
        const [, t] = fx.jvp((y: Tensor) => fx.stopGradient(y), [x], [fx.onesLike(x)]);
        assertClose(values(t as Tensor), new Float64Array(6), "jvp of stopGradient");
        assertClose(values(fx.hessian((y: Tensor) => fx.sum(fx.square(fx.stopGradient(y))))(x)), new Float64Array(36), "hessian of a stopped value");
      }),
      RUNS,
    );
  });
});

describe("per-primitive derivatives agree with finite differences (vjp, jvp, dot-product, second order)", () => {
  for (const [name, arb] of Object.entries(CASES)) {
    it(name, () => {
      fc.assert(
        fc.property(arb, fc.nat(), ({ inputs, params }, seed) => {
          checkAllDerivatives(applyPrim(name, params), inputs, seed, {}, name);
        }),
        RUNS,
      );
    });
  }
});

// ---------------------------------------------------------------- random compositions

/** A composition to check: the function, its inputs, a seed for u, v, w, and a description. */
interface Composition {
  f: TensorFn;
  xs: Tensor[];
  seed: number;
  describe: () => string;
}

/**
 * Two sources of random programs: props/gradcheck.ts's own (pow, prod, gather with repeated
 * indices, select, casts, …) and the shared generator of props/arbitraries.ts in its smooth mode
 * (float64; small shapes so that per-element finite differences stay cheap).
 */
const COMPOSITIONS: [string, fc.Arbitrary<Composition>][] = [
  [
    "gradcheck programs",
    programCaseArb().map(({ program, inputs, seed }) => ({ f: programFunction(program), xs: inputs, seed, describe: () => describeProgram(program) })),
  ],
  [
    "arbitraries.ts programs",
    fc
      .tuple(programWithInputsArb({ smooth: true, dtype: "float64", maxRank: 2, maxDim: 3, maxNodes: 6 }), fc.nat())
      .map(([{ program, inputs }, seed]) => ({ f: program.fn, xs: inputs, seed, describe: () => String(program) })),
  ],
];

for (const [source, arb] of COMPOSITIONS) describe(`random compositions of primitives (${source})`, () => {
  const withProgram = (body: (f: TensorFn, xs: Tensor[], seed: number) => void) =>
    fc.assert(
      fc.property(arb, ({ f, xs, seed, describe }) => {
        try {
          body(f, xs, seed);
        } catch (e) {
          throw new Error(`${describe()}\n${(e as Error).message}`);
        }
      }),
      RUNS,
    );

  const vectors = (f: TensorFn, xs: readonly Tensor[], seed: number) => {
    const rand = prng(seed);
    const out = f(...xs);
    return { out, u: randomLike(out, rand), vs: xs.map((x) => randomLike(x, rand)), w: randomLike(out, rand) };
  };

  it("vjp agrees with finite differences", () => {
    withProgram((f, xs, seed) => checkVjp(f, xs, vectors(f, xs, seed).u));
  });

  it("jvp agrees with finite differences", () => {
    withProgram((f, xs, seed) => checkJvp(f, xs, vectors(f, xs, seed).vs));
  });

  it("dot-product test: ⟨u, J v⟩ (jvp) = ⟨Jᵀ u, v⟩ (vjp)", () => {
    withProgram((f, xs, seed) => {
      const { u, vs } = vectors(f, xs, seed);
      checkDotProduct(f, xs, u, vs);
    });
  });

  it("second order: jvp of grad, grad of grad and grad of jvp agree with finite differences of first derivatives", () => {
    withProgram((f, xs, seed) => {
      const { u, vs, w } = vectors(f, xs, seed);
      checkSecondOrder(f, xs, u, vs, w);
    });
  });

  it("linearity: grad(f + g) = grad f + grad g and grad(c·f) = c·grad f", () => {
    fc.assert(
      fc.property(arb, arb, fc.double({ min: -3, max: 3, noNaN: true }), (p, q, c) => {
        // g reads f's inputs: each of its own inputs is one of f's, or (when shapes differ)
        // its own fixed input shifted by a multiple of the sum of one of f's.
        const xs = p.xs;
        const gArgs = (ys: Tensor[]) =>
          q.xs.map((x, i) => {
            const y = ys[i % ys.length]!;
            return y.shape.join() === x.shape.join() ? y : fx.add(fx.mul(fx.sum(y), 0.25), x);
          });
        const F = (...ys: Tensor[]) => fx.sum(p.f(...ys));
        const G = (...ys: Tensor[]) => fx.sum(q.f(...gArgs(ys)));
        const argnums = xs.map((_, i) => i);
        const gradOf = (h: TensorFn) => (fx.grad(h, { argnums })(...xs) as Tensor[]).map(values);
        const gf = gradOf(F);
        const gg = gradOf(G);
        const gsum = gradOf((...ys) => fx.add(F(...ys), G(...ys)));
        const gscaled = gradOf((...ys) => fx.mul(c, F(...ys)));
        const tol = { rtol: 1e-10, atol: 1e-12 };
        gsum.forEach((g, i) => assertClose(g, gf[i]!.map((a, k) => a + gg[i]![k]!), `grad(f+g), input ${i}`, tol));
        gscaled.forEach((g, i) => assertClose(g, gf[i]!.map((a) => c * a), `grad(c·f), input ${i}`, tol));
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- closed forms

/** log Σ exp(z) over the last axis, stable, written with primitives (max held constant). */
function logSumExpLast(z: Tensor): Tensor {
  const m = fx.stopGradient(fx.max(z, { axis: -1, keepDims: true }));
  return fx.add(fx.log(fx.sum(fx.exp(fx.sub(z, m)), { axis: -1, keepDims: true })), m);
}
const softmaxLast = (z: Tensor) => fx.exp(fx.sub(z, logSumExpLast(z)));
/** Σ over the batch of −log softmax(z)[label], labels given one-hot. */
const softmaxCrossEntropy = (z: Tensor, onehot: Tensor) => fx.sum(fx.mul(onehot, fx.sub(logSumExpLast(z), z)));

describe("closed forms", () => {
  const tol = { rtol: 1e-12, atol: 1e-14 };
  it("σ' = σ(1 − σ)", () => {
    fc.assert(
      fc.property(tensorArb([2, 3], uniform(-8, 8)), (x) => {
        const s = values(fx.sigmoid(x));
        assertClose(values(fx.grad((y: Tensor) => fx.sum(fx.sigmoid(y)))(x)), s.map((v) => v * (1 - v)), "σ'", tol);
      }),
      RUNS,
    );
  });

  it("tanh' = 1 − tanh²", () => {
    fc.assert(
      fc.property(tensorArb([2, 3], uniform(-5, 5)), (x) => {
        const t = values(fx.tanh(x));
        assertClose(values(fx.grad((y: Tensor) => fx.sum(fx.tanh(y)))(x)), t.map((v) => 1 - v * v), "tanh'", tol);
      }),
      RUNS,
    );
  });

  it("∂/∂z softmax-cross-entropy = softmax(z) − onehot", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 5 }),
        fc.nat(),
        fc.double({ min: -20, max: 20, noNaN: true }),
        (batch, classes, seed, shift) => {
          const rand = prng(seed);
          const z = tensorOf(Array.from({ length: batch * classes }, () => (rand() * 2 - 1) * 6 + shift), [batch, classes]);
          const labels = Array.from({ length: batch }, () => Math.floor(rand() * classes));
          const onehot = tensorOf(labels.flatMap((l) => Array.from({ length: classes }, (_, c) => (c === l ? 1 : 0))), [batch, classes]);
          const expected = values(fx.sub(softmaxLast(z), onehot));
          // Cross-check the local softmax against a direct formula.
          const zv = values(z);
          for (let b = 0; b < batch; b++) {
            const row = zv.slice(b * classes, (b + 1) * classes);
            const m = Math.max(...row);
            const e = row.map((v) => Math.exp(v - m));
            const s = e.reduce((a, v) => a + v, 0);
            e.forEach((v, c) => expect(Math.abs(expected[b * classes + c]! - (v / s - (c === labels[b] ? 1 : 0)))).toBeLessThan(1e-12));
          }
          assertClose(values(fx.grad(softmaxCrossEntropy)(z, onehot)), expected, "softmax-CE gradient", { rtol: 1e-10, atol: 1e-12 });
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- second order closed form

describe("second order", () => {
  it("hessian of xᵀAx is A + Aᵀ", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.nat(), (n, seed) => {
        const rand = prng(seed);
        const a = tensorOf(Array.from({ length: n * n }, () => rand() * 4 - 2), [n, n]);
        const x = tensorOf(Array.from({ length: n }, () => rand() * 4 - 2), [n]);
        const h = fx.hessian((y: Tensor) => fx.dot(y, fx.matmul(a, y)))(x) as Tensor;
        expect(h.shape).toEqual([n, n]);
        assertClose(values(h), values(fx.add(a, fx.transpose(a))), "hessian of xᵀAx", { rtol: 1e-12, atol: 1e-12 });
      }),
      RUNS,
    );
  });

  it("grad(grad(f)) of a scalar function agrees with the finite difference of grad f", () => {
    const f = (x: Tensor) => fx.mul(fx.sin(fx.mul(x, x)), fx.exp(fx.tanh(x)));
    fc.assert(
      fc.property(tensorArb([], uniform(-2, 2)), (x) => {
        const g = fx.grad(f);
        const gg = fx.grad(g)(x) as Tensor;
        assertClose(values(gg), fdDirectional(g, [x], [fx.scalar(1, "float64")]), "grad(grad f)");
        const ggg = fx.grad(fx.grad(g))(x) as Tensor;
        assertClose(values(ggg), fdDirectional(fx.grad(g), [x], [fx.scalar(1, "float64")]), "grad(grad(grad f))");
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- broadcasting and fan-out

describe("broadcasting and fan-out", () => {
  it("the gradient of a broadcast input is the cotangent summed over the broadcast axes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<[number[], number[]]>([[3], [2, 3]], [[2, 1], [2, 3]], [[], [2, 3]], [[1, 3], [4, 2, 3]], [[2, 1, 3], [2, 4, 3]]),
        fc.nat(),
        ([small, big], seed) => {
          const rand = prng(seed);
          const b = tensorOf(Array.from({ length: small.reduce((p, d) => p * d, 1) }, () => rand() * 2 - 1), small);
          const x = randomLike({ shape: big, dtype: "float64" }, rand);
          const u = randomLike({ shape: big, dtype: "float64" }, rand);
          // d/db Σ u ⊙ (x + b) = Σ over broadcast axes of u; d/db Σ u ⊙ (x · b) = Σ of u ⊙ x.
          const gAdd = fx.grad((bb: Tensor) => fx.sum(fx.mul(u, fx.add(x, bb))))(b) as Tensor;
          const gMul = fx.grad((bb: Tensor) => fx.sum(fx.mul(u, fx.mul(x, bb))))(b) as Tensor;
          expect(gAdd.shape).toEqual(small);
          const off = big.length - small.length;
          const axes = big.flatMap((d, i) => (i < off || small[i - off] === 1 ? [i] : []));
          const expectAdd = fx.reshape(fx.sum(u, { axis: axes }), small);
          const expectMul = fx.reshape(fx.sum(fx.mul(u, x), { axis: axes }), small);
          assertClose(values(gAdd), values(expectAdd), "broadcast add", { rtol: 1e-12, atol: 1e-14 });
          assertClose(values(gMul), values(expectMul), "broadcast mul", { rtol: 1e-12, atol: 1e-14 });
          checkVjp((bb: Tensor) => fx.mul(x, bb), [b], u);
        },
      ),
      RUNS,
    );
  });

  it("fan-out accumulates: a value used k times receives the sum of its uses' cotangents", () => {
    fc.assert(
      fc.property(tensorArb([3], uniform(-2, 2)), fc.integer({ min: 1, max: 5 }), (x, k) => {
        // f(x) = Σ_{j<k} sin(x)·(j+1) + x·x: df/dx = cos(x)·k(k+1)/2 + 2x.
        const f = (y: Tensor) => {
          const s = fx.sin(y);
          let acc = fx.mul(y, y);
          for (let j = 0; j < k; j++) acc = fx.add(acc, fx.mul(s, j + 1));
          return fx.sum(acc);
        };
        const expected = values(x).map((v) => (Math.cos(v) * k * (k + 1)) / 2 + 2 * v);
        assertClose(values(fx.grad(f)(x)), expected, "fan-out", { rtol: 1e-12, atol: 1e-14 });
        // The same value reaching the output along several paths, including a repeated gather.
        const g = (y: Tensor) => fx.sum(fx.mul(fx.take(y, [0, 0, 2, 0]), y.sum()));
        const gv = values(x);
        const sum = gv[0]! + gv[1]! + gv[2]!;
        const picked = 3 * gv[0]! + gv[2]!;
        assertClose(values(fx.grad(g)(x)), [3 * sum + picked, picked, sum + picked], "repeated gather", { rtol: 1e-12, atol: 1e-12 });
        expect(fdVjp(g, [x], fx.scalar(1, "float64"))[0]!.length).toBe(3);
      }),
      RUNS,
    );
  });
});
