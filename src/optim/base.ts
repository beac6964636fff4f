// What an optimiser is (optax's GradientTransformation): a pair of pure functions over pytrees,
//   init(params) → state
//   update(grads, state, params) → [updates, newState]
// with `applyUpdates(params, updates)` adding the updates to the parameters. State is a pytree
// of tensors only — the step count is an int32 scalar tensor, never a JS number — so a whole
// training step can be jitted once and a state can be checkpointed as it is.
//
// Also here: `chain`, and the helpers every optimiser shares (checked float leaves, the step
// count, the learning rate at a step, scalars cast to each leaf's dtype).

import { DTypeError, ValueError, fmtShape } from "../errors.js";
import { add, cast, less, where } from "../prims/index.js";
import type { DType } from "../tensor/dtype.js";
import { shapesEqual } from "../tensor/shape.js";
import { scalar } from "../tensor/create.js";
import { Tensor } from "../tensor/tensor.js";
import { type TreeDef, flatten, treeDefKey, treeDefsEqual, unflatten } from "../tree/index.js";
import { describeValue } from "../options/describe.js";
import type { LearningRate } from "./options.js";

export type { LearningRate, Schedule } from "./options.js";

/**
 * An optimiser or a transformation of updates: pure `init` and `update` over pytrees. The
 * state type `S` flows from `init` to `update`; the updates have the gradients' type.
 *
 * @example
 * const opt = fx.optim.adam(1e-3);            // GradientTransformation<AdamState>
 * let state = opt.init(params);               // AdamState
 * const [updates, next] = opt.update(grads, state, params); // [typeof grads, AdamState]
 * params = fx.optim.applyUpdates(params, updates);
 */
export interface GradientTransformation<S = unknown> {
  /** The initial state for parameters `params` (a pytree of tensors). */
  init(params: unknown): S;
  /**
   * The updates to add to the parameters (same structure as `grads`) and the new state.
   * `params` is needed by transformations that look at the parameters (weight decay).
   */
  update<T>(grads: T, state: S, params?: T): [T, S];
}

/** The step count kept in optimiser states: an int32 scalar, 0 before the first update. */
export type Count = Tensor;

/**
 * `params + updates`, leaf by leaf, in each parameter's dtype; the result has the params' type.
 *
 * @example
 * params = fx.optim.applyUpdates(params, updates);
 */
export function applyUpdates<T>(params: T, updates: T): T {
  const [ps, def] = flatten<unknown>(params);
  const [us, udef] = flatten<unknown>(updates);
  if (!treeDefsEqual(def, udef)) {
    throw new ValueError(`applyUpdates: updates have structure ${treeDefKey(udef)}, parameters ${treeDefKey(def)}`);
  }
  return unflatten<T>(
    def,
    ps.map((p, i) => {
      const u = us[i];
      if (!(p instanceof Tensor) || !(u instanceof Tensor)) {
        throw new ValueError(`applyUpdates: leaf ${i} must be a tensor in both trees, got ${describeValue(p)} and ${describeValue(u)}`);
      }
      if (!shapesEqual(p.shape, u.shape)) {
        throw new ValueError(`applyUpdates: leaf ${i} has shape ${fmtShape(p.shape)} but its update ${fmtShape(u.shape)}`);
      }
      const sum = add(p, u);
      return sum.dtype === p.dtype ? sum : cast(sum, p.dtype);
    }),
  );
}

/** The state type of an optimiser or transformation type. */
export type StateOfTransformation<T> = T extends GradientTransformation<infer S> ? S : never;

/**
 * Applies transformations one after another: the updates of each are the gradients of the
 * next. The state is the tuple of their states, in order.
 *
 * @example
 * const opt = fx.optim.chain(fx.optim.clipByGlobalNorm(1), fx.optim.adam(1e-3)); // state [EmptyState, AdamState]
 */
export function chain<const T extends readonly GradientTransformation<any>[]>(...transforms: T): GradientTransformation<{ -readonly [K in keyof T]: StateOfTransformation<T[K]> }>;
export function chain(...transforms: GradientTransformation<any>[]): GradientTransformation<unknown[]> {
  transforms.forEach((tr, i) => {
    if (typeof tr !== "object" || tr === null || typeof tr.init !== "function" || typeof tr.update !== "function") {
      throw new ValueError(`chain: argument ${i} must be an optimiser or transformation ({ init, update }), got ${describeValue(tr)}`);
    }
  });
  return {
    init: (params) => transforms.map((tr) => tr.init(params)),
    update<T>(grads: T, state: unknown[], params?: T): [T, unknown[]] {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new ValueError(`chain.update: state must be the array of ${transforms.length} states that chain.init returns, got ${describeValue(state)}`);
      }
      let updates = grads;
      const next: unknown[] = [];
      transforms.forEach((tr, i) => {
        const [u, s] = tr.update(updates, state[i], params);
        updates = u;
        next.push(s);
      });
      return [updates, next];
    },
  };
}

/** The leaves of a tree (all float tensors) and its structure, or an error naming `op`. */
export function floatLeaves(op: string, what: string, tree: unknown): [Tensor[], TreeDef] {
  const [ls, def] = flatten<unknown>(tree);
  ls.forEach((l, i) => {
    if (!(l instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a pytree of tensors; leaf ${i} is ${describeValue(l)}`);
    if (l.dtype !== "float32" && l.dtype !== "float64") {
      throw new DTypeError(`${op}: ${what} must be float tensors; leaf ${i} is ${l.dtype} of shape [${l.shape.join(",")}]`);
    }
  });
  return [ls as Tensor[], def];
}

/**
 * The leaves of `tree`, which must have the gradients' structure `def`, and each leaf the
 * shape and dtype of its gradient (a state from another model would otherwise broadcast).
 */
export function leavesLike(op: string, what: string, tree: unknown, def: TreeDef, grads: readonly Tensor[]): Tensor[] {
  const [ls, d] = floatLeaves(op, what, tree);
  if (!treeDefsEqual(d, def)) throw new ValueError(`${op}: ${what} has structure ${treeDefKey(d)}, the gradients ${treeDefKey(def)}`);
  ls.forEach((l, i) => {
    const g = grads[i]!;
    if (l.dtype !== g.dtype || !shapesEqual(l.shape, g.shape)) {
      throw new ValueError(`${op}: ${what} leaf ${i} is ${l.dtype} of shape ${fmtShape(l.shape)} but its gradient is ${g.dtype} of shape ${fmtShape(g.shape)}`);
    }
  });
  return ls;
}

/** The parameters an update needs (weight decay), checked against the gradients. */
export function requireParams(op: string, params: unknown, def: TreeDef, grads: readonly Tensor[]): Tensor[] {
  if (params === undefined) throw new ValueError(`${op}: update(grads, state, params) needs the parameters (for weight decay); none were given`);
  return leavesLike(op, "params", params, def, grads);
}

/** The dtype step-dependent scalars are computed in: float64 if any leaf is, else float32. */
export function scalarDType(leaves: readonly Tensor[]): DType {
  return leaves.some((l) => l.dtype === "float64") ? "float64" : "float32";
}

/** A new step count, 0. */
export function zeroCount(): Count {
  return scalar(0, "int32");
}

const INT32_MAX = 2147483647;

/** count + 1, saturating at the largest int32 instead of wrapping to negative steps. */
export function incrementCount(count: Count): Count {
  return where(less(count, INT32_MAX), add(count, 1), count);
}

/** The count of a state, checked (an int32 scalar). */
export function checkCount(op: string, count: unknown): Count {
  if (!(count instanceof Tensor) || count.dtype !== "int32" || count.shape.length !== 0) {
    throw new ValueError(`${op}: state.count must be an int32 scalar tensor (from init), got ${describeValue(count)}`);
  }
  return count;
}

/** The learning rate at step `count` (updates done so far): a number, or a scalar tensor of `dtype`. */
export function learningRateAt(op: string, lr: LearningRate, count: Count, dtype: DType): Tensor | number {
  if (typeof lr === "number") return lr;
  return scheduleValue(op, lr(cast(count, dtype)), dtype);
}

/** Checks what a schedule returned: a number, or a scalar float tensor (cast to `dtype`). */
export function scheduleValue(op: string, v: unknown, dtype: DType): Tensor | number {
  if (typeof v === "number") return v;
  if (v instanceof Tensor && v.size === 1 && v.shape.length === 0 && v.dtype !== "bool") return v.dtype === dtype ? v : cast(v, dtype);
  throw new ValueError(`${op}: a learning-rate schedule must return a number or a scalar tensor, got ${describeValue(v)}`);
}

/** A scalar (number or rank-0 tensor) in the dtype of the leaf it multiplies. */
export function asDType(x: Tensor | number, dtype: DType): Tensor | number {
  return typeof x === "number" || x.dtype === dtype ? x : cast(x, dtype);
}

/** The state of a transformation that keeps nothing. */
export type EmptyState = Record<string, never>;
