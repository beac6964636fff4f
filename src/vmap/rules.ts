// The batching rules: one table keyed by primitive name. A rule receives the operands of one
// equation as batched values (at least one of them carries the batch) and returns the batched
// result, built from primitives of the same set — never a loop over the examples. Each rule
// keeps every example's arithmetic exactly as the unbatched equation does it (same operands,
// same summation order), so vmap(f)(X) equals f applied to each slice, bit for bit.
//
// Adding a primitive: add its rule here; test/vmap-rules.test.ts fails for a registered
// primitive without one.

import { FluxionError } from "../errors.js";
import type { Params, Primitive } from "../prims/primitive.js";
import { fromArray, scalar } from "../tensor/create.js";
import type { Tensor } from "../tensor/tensor.js";
import { type Batched, apply, batchAt, exampleShape, moveAxis, reshapeTo, shiftAxis, withAxis } from "./batched.js";
import { threefryLanesPrim } from "./threefry-lanes.js";
import { bind } from "../trace/context.js";

/** Batches one equation: operands (some batched) and params → the batched result. */
export type BatchRule = (prim: Primitive, args: readonly Batched[], params: Params, size: number) => Batched;

// ---------------------------------------------------------------- elementwise

/**
 * Elementwise: operands have the output's shape or are rank 0 (repeated). Batched operands
 * meet at one batch axis: that of the largest full-rank batched operand (so the big operands are
 * never transposed, only small ones); unbatched rank-0 operands stay rank 0; every other operand
 * is spread to the full batched shape.
 */
const elementwise: BatchRule = (prim, args, params, size) => {
  const outShape = args.map(exampleShape).reduce((s, a) => (a.length > s.length ? a : s), [] as number[]);
  const full = args.filter((a) => a.bdim !== null && a.value.shape.length === outShape.length + 1);
  const largest = full.reduce<Batched | undefined>((best, a) => (best === undefined || a.value.size > best.value.size ? a : best), undefined);
  const bdim = largest?.bdim ?? 0;
  const batchedShape = withAxis(outShape, bdim, size);
  const inputs = args.map((a) => {
    if (a.bdim === null && a.value.shape.length === 0) return a.value;
    if (a.bdim !== null && a.value.shape.length === 1 && outShape.length > 0) {
      // A per-example scalar next to per-example arrays: each example's value fills its slice.
      const lifted = reshapeTo(a.value, batchedShape.map((d, i) => (i === bdim ? d : 1)));
      return apply("broadcast_to", [lifted], { shape: batchedShape });
    }
    return batchAt(a, size, bdim);
  });
  return { value: bind(prim, inputs, params), bdim };
};

/** Operands of equal per-example shape, all moved (or spread) to a batch at axis 0. */
function allAtZero(args: readonly Batched[], size: number): Tensor[] {
  return args.map((a) => batchAt(a, size, 0));
}

// ---------------------------------------------------------------- reductions

const reduce: BatchRule = (prim, [x], params) => {
  const b = x!.bdim!;
  const axes = params.axes as readonly number[];
  const out = bind(prim, [x!.value], { ...params, axes: axes.map((a) => shiftAxis(a, b)) });
  return { value: out, bdim: b - axes.filter((a) => a < b).length };
};

const argReduce: BatchRule = (prim, [x], params) => {
  const b = x!.bdim!;
  const axis = params.axis as number;
  return { value: bind(prim, [x!.value], { ...params, axis: shiftAxis(axis, b) }), bdim: axis < b ? b - 1 : b };
};

// ---------------------------------------------------------------- layout

const reshape: BatchRule = (_prim, [x], params, size) => ({
  value: reshapeTo(batchAt(x!, size, 0), [size, ...(params.shape as readonly number[])]),
  bdim: 0,
});

/**
 * broadcast_to without a transpose: a batch at the operand's front stays at the front (the new
 * axes go after it); any other batch axis keeps its place among the operand's own axes (the new
 * axes go in front).
 */
const broadcastTo: BatchRule = (_prim, [x], params, size) => {
  const target = params.shape as readonly number[];
  const b = x!.bdim!;
  const own = exampleShape(x!);
  const lead = target.length - own.length;
  const ones = target.slice(0, lead).map(() => 1);
  const bdim = b === 0 ? 0 : lead + b;
  const lifted = reshapeTo(x!.value, b === 0 ? [size, ...ones, ...own] : [...ones, ...x!.value.shape]);
  return { value: apply("broadcast_to", [lifted], { shape: withAxis(target, bdim, size) }), bdim };
};

const transpose: BatchRule = (_prim, [x], params) => {
  const b = x!.bdim!;
  const perm = params.perm as readonly number[];
  return { value: apply("transpose", [x!.value], { perm: [b, ...perm.map((p) => shiftAxis(p, b))] }), bdim: 0 };
};

// ---------------------------------------------------------------- movement

/** Inserts `value` at the batch axis of each per-axis list param named in `keys`. */
function insertAtBatch(params: Params, keys: readonly string[], values: readonly (number | null)[], bdim: number, size: number): Params {
  const out: Record<string, unknown> = { ...params };
  keys.forEach((k, i) => {
    const list = [...(params[k] as readonly number[])];
    list.splice(bdim, 0, values[i] ?? size);
    out[k] = list;
  });
  return out as Params;
}

const slice: BatchRule = (prim, [x], params, size) => {
  const b = x!.bdim!;
  return { value: bind(prim, [x!.value], insertAtBatch(params, ["start", "stop", "step"], [0, null, 1], b, size)), bdim: b };
};

const pad: BatchRule = (prim, [x], params, size) => {
  const b = x!.bdim!;
  return { value: bind(prim, [x!.value], insertAtBatch(params, ["lo", "hi", "interior"], [0, 0, 0], b, size)), bdim: b };
};

const concatenate: BatchRule = (prim, args, params, size) => ({
  value: bind(prim, allAtZero(args, size), { ...params, axis: (params.axis as number) + 1 }),
  bdim: 0,
});

const rev: BatchRule = (prim, [x], params) => {
  const b = x!.bdim!;
  return { value: bind(prim, [x!.value], { ...params, axes: (params.axes as readonly number[]).map((a) => shiftAxis(a, b)) }), bdim: b };
};

/**
 * Indices [B, …I] into a batch of B blocks of `n` entries laid end to end: example b's index k
 * becomes b·n + k. An index outside [0, n) becomes −1, so the gather/scatter still refuses it
 * (instead of reading the neighbouring example's block).
 */
function laneIndices(idx: Tensor, n: number, size: number): Tensor {
  const offsets = new Int32Array(size);
  for (let b = 0; b < size; b++) offsets[b] = b * n;
  const lane = reshapeTo(fromArray(offsets, [size]), [size, ...idx.shape.slice(1).map(() => 1)]);
  const spread = apply("broadcast_to", [lane], { shape: [...idx.shape] });
  const inRange = apply("and", [apply("ge", [idx, scalar(0, "int32")]), apply("lt", [idx, scalar(n, "int32")])]);
  return apply("select", [inRange, apply("add", [idx, spread]), scalar(-1, "int32")]);
}

const gather: BatchRule = (prim, [x, idx], params, size) => {
  const axis = params.axis as number;
  if (idx!.bdim === null) return { value: bind(prim, [batchAt(x!, size, 0), idx!.value], { axis: axis + 1 }), bdim: 0 };
  const indices = batchAt(idx!, size, 0);
  if (x!.bdim === null) return { value: bind(prim, [x!.value, indices], params), bdim: axis };
  // Both batched: the examples' blocks along `axis` laid end to end, indices offset per example.
  const own = exampleShape(x!);
  const n = own[axis]!;
  const blocks = reshapeTo(moveAxis(x!.value, x!.bdim, axis), [...own.slice(0, axis), size * n, ...own.slice(axis + 1)]);
  return { value: bind(prim, [blocks, laneIndices(indices, n, size)], params), bdim: axis };
};

const scatterAdd: BatchRule = (prim, [u, idx], params, size) => {
  const axis = params.axis as number;
  const n = params.size as number;
  if (idx!.bdim === null) return { value: bind(prim, [batchAt(u!, size, 0), idx!.value], { ...params, axis: axis + 1 }), bdim: 0 };
  // Indices batched: scatter into B blocks of `n` laid end to end along `axis`, then split them.
  const updates = batchAt(u!, size, axis);
  const summed = bind(prim, [updates, laneIndices(batchAt(idx!, size, 0), n, size)], { ...params, size: size * n });
  const shape = [...summed.shape];
  shape.splice(axis, 1, size, n);
  return { value: reshapeTo(summed, shape), bdim: axis };
};

// ---------------------------------------------------------------- contractions

/**
 * matmul: when only one operand is batched and it is a plain matrix, the batch folds into its
 * free dimension (A's rows, or B's columns) — one larger product, the other operand never
 * copied; each output element is still the same sum in the same order. Otherwise both operands
 * get the batch as a leading batch axis.
 */
const matmul: BatchRule = (prim, [a, b], params, size) => {
  const tA = params.transposeA as boolean;
  const tB = params.transposeB as boolean;
  if (b!.bdim === null && a!.value.shape.length === 3) {
    // A's rows of every example stacked: stored [m, k] → [B·m, k]; stored [k, m] (read
    // transposed) → [k, B·m]. One product [B·m, n], split back into [B, m, n].
    const [r, c] = exampleShape(a!) as [number, number];
    const rows = tA ? reshapeTo(batchAt(a!, size, 1), [r, size * c]) : reshapeTo(batchAt(a!, size, 0), [size * r, c]);
    const out = bind(prim, [rows, b!.value], params);
    return { value: reshapeTo(out, [size, tA ? c : r, out.shape[1]!]), bdim: 0 };
  }
  if (a!.bdim === null && b!.value.shape.length === 3) {
    // B's columns of every example side by side: stored [k, n] → [k, B·n]; stored [n, k] (read
    // transposed) → [B·n, k]. One product [m, B·n], split into [m, B, n].
    const [r, c] = exampleShape(b!) as [number, number];
    const cols = tB ? reshapeTo(batchAt(b!, size, 0), [size * r, c]) : reshapeTo(batchAt(b!, size, 1), [r, size * c]);
    const out = bind(prim, [a!.value, cols], params);
    return { value: reshapeTo(out, [out.shape[0]!, size, tB ? r : c]), bdim: 1 };
  }
  return { value: bind(prim, allAtZero([a!, b!], size), params), bdim: 0 };
};

/**
 * conv: a batched input folds its batch into the images' batch axis. A batched filter becomes
 * `size` times as many feature groups: filters [B·O, I, …] against the input's channels repeated
 * (or each example's own channels) [N, B·C, …], so group b·G + g reads example b's channels.
 */
const conv: BatchRule = (prim, [x, w], params, size) => {
  const groups = params.groups as number;
  if (w!.bdim === null) {
    const [n, ...rest] = exampleShape(x!);
    const images = reshapeTo(batchAt(x!, size, 0), [size * n!, ...rest]);
    const out = bind(prim, [images, w!.value], params);
    return { value: reshapeTo(out, [size, n!, ...out.shape.slice(1)]), bdim: 0 };
  }
  const [n, c, ...spatial] = exampleShape(x!);
  const [o, ...filterRest] = exampleShape(w!);
  const images = reshapeTo(batchAt(x!, size, 1), [n!, size * c!, ...spatial]);
  const filters = reshapeTo(batchAt(w!, size, 0), [size * o!, ...filterRest]);
  const out = bind(prim, [images, filters], { ...params, groups: groups * size });
  return { value: reshapeTo(out, [n!, size, o!, ...out.shape.slice(2)]), bdim: 1 };
};

/** Pooling works plane by plane: the batch folds into the images' batch axis. */
const pool: BatchRule = (prim, args, params, size) => {
  const n = exampleShape(args[0]!)[0]!;
  const operands = args.map((a) => {
    const own = exampleShape(a);
    return reshapeTo(batchAt(a, size, 0), [size * own[0]!, ...own.slice(1)]);
  });
  const out = bind(prim, operands, params);
  return { value: reshapeTo(out, [size, n!, ...out.shape.slice(1)]), bdim: 0 };
};

// ---------------------------------------------------------------- random bits

/**
 * threefry2x32 key [2], counters [2, m]. With one key for all examples the counters of every
 * example are hashed in one equation; with a batch of keys each example's key is spread over its
 * own counters and the per-pair-key primitive hashes them all.
 */
const threefry: BatchRule = (prim, [key, x], params, size) => {
  const m = exampleShape(x!)[1]!;
  const counters = reshapeTo(batchAt(x!, size, 1), [2, size * m]);
  let out: Tensor;
  if (key!.bdim === null) out = bind(prim, [key!.value, counters], params);
  else {
    const perExample = reshapeTo(batchAt(key!, size, 1), [2, size, 1]);
    const keys = reshapeTo(apply("broadcast_to", [perExample], { shape: [2, size, m] }), [2, size * m]);
    out = bind(threefryLanesPrim, [keys, counters], {});
  }
  return { value: reshapeTo(out, [2, size, m]), bdim: 1 };
};

/** threefry2x32_lanes pairs keys and counters column by column: examples go side by side. */
const threefryLanes: BatchRule = (prim, args, params, size) => {
  const m = exampleShape(args[0]!)[1]!;
  const operands = args.map((a) => reshapeTo(batchAt(a, size, 1), [2, size * m]));
  return { value: reshapeTo(bind(prim, operands, params), [2, size, m]), bdim: 1 };
};

/** Operands of one shape (no implicit rank-0 repetition): all get the batch at axis 0. */
const sameShape: BatchRule = (prim, args, params, size) => ({ value: bind(prim, allAtZero(args, size), params), bdim: 0 });

/** argsort_u32 sorts along the last axis: any other batch axis is left where it is. */
const lastAxisSort: BatchRule = (prim, [keys], params) => {
  const b = keys!.bdim!;
  const last = keys!.value.shape.length - 1;
  const value = b === last ? moveAxis(keys!.value, b, 0) : keys!.value;
  return { value: bind(prim, [value], params), bdim: b === last ? 0 : b };
};

// ---------------------------------------------------------------- the table

/** The batching rule of every primitive, by name. */
export const batchingRules = {
  // comparisons, logic, select, convert
  eq: elementwise, ne: elementwise, lt: elementwise, le: elementwise, gt: elementwise, ge: elementwise,
  and: elementwise, or: elementwise, not: elementwise, select: elementwise, convert: elementwise,
  // arithmetic
  add: elementwise, sub: elementwise, mul: elementwise, div: elementwise, pow: elementwise, maximum: elementwise, minimum: elementwise,
  neg: elementwise, sign: elementwise, abs: elementwise, exp: elementwise, log: elementwise, log1p: elementwise, expm1: elementwise,
  sqrt: elementwise, rsqrt: elementwise, reciprocal: elementwise, square: elementwise, sin: elementwise, cos: elementwise,
  tanh: elementwise, sigmoid: elementwise, floor: elementwise, ceil: elementwise, round: elementwise,
  is_nan: elementwise, is_finite: elementwise, stop_gradient: elementwise,
  // movement
  slice, pad, concatenate, rev, gather, scatter_add: scatterAdd,
  // reductions
  reduce_sum: reduce, reduce_max: reduce, reduce_min: reduce, reduce_prod: reduce, argmax: argReduce, argmin: argReduce,
  // layout
  reshape, broadcast_to: broadcastTo, transpose,
  // contractions and pooling
  matmul, conv, max_pool: pool, max_pool_scatter: pool, max_pool_gather: pool,
  // random bits
  threefry2x32: threefry, threefry2x32_lanes: threefryLanes, randint_from_bits: sameShape, argsort_u32: lastAxisSort,
} satisfies Record<string, BatchRule>;

/** The names of the primitives that have a batching rule. */
export type BatchedPrimitiveName = keyof typeof batchingRules;

/** The rule for `prim`, or an error naming it. */
export function batchingRuleFor(prim: Primitive): BatchRule {
  const rule = (batchingRules as Record<string, BatchRule>)[prim.name];
  if (rule === undefined || !Object.hasOwn(batchingRules, prim.name)) {
    throw new FluxionError(`vmap: the primitive ${prim.name} has no batching rule (add one to src/vmap/rules.ts)`);
  }
  return rule;
}
