// Pytree types: what transforms accept and return, described at the type level so that the
// editor knows what `grad(f)`, `jit(f)` or `tree.map` give back. They mirror the runtime rules
// of flatten (src/tree/index.ts) and of the transforms: tensors and JS numbers are traced
// leaves, JS booleans are static leaves, null and undefined are empty subtrees.

import type { Tensor } from "../tensor/tensor.js";

/** True for `any` (untyped code keeps `any` through the pytree types). */
type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * True for the general pytree type `Tree` (and anything as wide): recursive types like it are
 * answered directly rather than expanded without end.
 */
type IsWide<T> = unknown extends T ? false : [Tree] extends [T] ? true : false;

/** True for `unknown` (nothing is known of the structure, and nothing is claimed). */
type IsUnknown<T> = unknown extends T ? (IsAny<T> extends true ? false : true) : false;

/** A pytree of `L` leaves: arrays, tuples and plain objects of them. */
export type TreeOf<L> = L | null | undefined | readonly TreeOf<L>[] | { readonly [key: string]: TreeOf<L> };

/** A leaf of a pytree: a tensor, a JS number (a weak scalar) or a JS boolean (static). */
export type Leaf = Tensor | number | boolean;

/**
 * A pytree: leaves, arrays, tuples and plain objects of them (null and undefined are empty
 * subtrees). Transforms take and return pytrees.
 *
 * @example
 * const params: Tree = { w: fx.zeros([3, 2]), b: fx.zeros([2]), layers: [fx.ones([2])] };
 */
export type Tree = Leaf | null | undefined | readonly Tree[] | { readonly [key: string]: Tree };

/**
 * A pytree whose leaves are all tensors: parameters, optimiser states, gradients.
 *
 * @example
 * const grads: TensorTree = { w: fx.zeros([3, 2]), b: fx.zeros([2]) };
 */
export type TensorTree = Tensor | null | undefined | readonly TensorTree[] | { readonly [key: string]: TensorTree };

/**
 * The gradient of a value of type `T`: the same structure with every tensor and number leaf
 * a tensor (the derivative of a JS number is a float32 scalar). Static boolean leaves have no
 * gradient (`grad` rejects them): they map to `never`.
 *
 * @example
 * type G = GradOf<{ w: Tensor; b: Tensor; scale: number }>; // { w: Tensor; b: Tensor; scale: Tensor }
 */
export type GradOf<T> = DerivativeOf<T, never>;

/**
 * The cotangent `vjp`'s backward function returns for a primal of type `T`: like `GradOf`,
 * with null at static boolean leaves.
 */
export type CotangentOf<T> = DerivativeOf<T, null>;

/** T with tensor and number leaves made tensors and boolean leaves made `B`. */
type DerivativeOf<T, B> = IsAny<T> extends true
  ? any
  : IsUnknown<T> extends true
    ? unknown
    : IsWide<T> extends true
      ? TensorTree
      : T extends TensorTree
        ? T
        : T extends Tensor | number
          ? Tensor
          : T extends boolean
            ? B
            : T extends null | undefined
              ? T
              : T extends readonly unknown[]
                ? { -readonly [K in keyof T]: DerivativeOf<T[K], B> }
                : T extends object
                  ? { -readonly [K in keyof T]: DerivativeOf<T[K], B> }
                  : never;

/**
 * What `jit(f)` returns when `f` returns a `T`: the same structure with every leaf a tensor
 * (numbers become float32 scalars, booleans bool scalars), arrays as mutable arrays.
 *
 * @example
 * const f = fx.jit((x: Tensor) => [fx.sum(x), 3]);
 * f(x); // typed [Tensor, Tensor]
 */
export type Traced<T> = IsAny<T> extends true
  ? any
  : IsUnknown<T> extends true
    ? unknown
    : IsWide<T> extends true
    ? TensorTree
    : T extends TensorTree
  ? T
  : T extends Leaf
    ? Tensor
    : T extends null | undefined
      ? T
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Traced<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Traced<T[K]> }
          : never;

/**
 * A value shaped like `T` whose tensor and number leaves may each be a tensor or a JS number
 * (a tangent or cotangent: a number stands for a scalar). Boolean leaves accept anything.
 */
export type TangentOf<T> = T extends Tensor | number
  ? Tensor | number
  : T extends boolean
    ? unknown
    : T extends null | undefined
      ? T
      : T extends readonly unknown[]
        ? { readonly [K in keyof T]: TangentOf<T[K]> }
        : T extends object
          ? { readonly [K in keyof T]: TangentOf<T[K]> }
          : never;

/**
 * A pytree of `L` leaves with the structure of `T` (what `tree.map` returns: each leaf of `T`
 * replaced by what the function returned for it).
 */
export type MapLeaves<T, L> = IsWide<T> extends true
  ? TreeOf<L>
  : [T] extends [TensorTree]
    ? IsTensor<L> extends true
      ? T
      : [TensorTree] extends [T]
        ? TreeOf<L>
        : MapLeavesOf<T, L>
    : MapLeavesOf<T, L>;

/** True when `L` is exactly `Tensor`. */
type IsTensor<L> = [L] extends [Tensor] ? ([Tensor] extends [L] ? true : false) : false;

type MapLeavesOf<T, L> = T extends Leaf
  ? L
  : T extends null | undefined
    ? T
    : T extends readonly unknown[]
      ? number extends T["length"]
        ? MapElement<T[number], L>[]
        : { -readonly [K in keyof T]: MapLeaves<T[K], L> }
      : T extends object
        ? string extends keyof T
          ? { [key: string]: MapElement<T[string & keyof T], L> }
          : { -readonly [K in keyof T]: MapLeaves<T[K], L> }
        : L;

/**
 * An element of an array or index signature mapped: a tensor subtree of such a container is
 * typically recursive (`Tree[]`), so it is answered as a `TreeOf<L>` rather than expanded.
 */
type MapElement<E, L> = E extends Leaf ? L : [E] extends [TensorTree] ? TreeOf<L> : MapLeaves<E, L>;

/**
 * An upper bound for a transform's pytree arguments and results that also admits interfaces
 * (which TypeScript does not let match an index signature): the precise type is kept by
 * inference; the `readonly []` member makes array literals infer as tuples.
 */
export type TreeLike = Leaf | null | undefined | object | readonly [] | readonly [unknown];

/** The `argnums` option of grad, valueAndGrad, jacobian and hessian: one position or a list. */
export type Argnums = number | readonly number[];

/**
 * The gradients `grad(f, { argnums: N })` returns for arguments `A`: `GradOf<A[N]>` for one
 * position, a tuple of them for a list.
 */
export type GradsAt<A extends readonly unknown[], N> = N extends number
  ? GradOf<A[N]>
  : N extends readonly number[]
    ? GradsOfList<A, Mutable<N>>
    : never;

/** One gradient per position of the list `L` (a fresh tuple type, so the mapping gives a tuple). */
type GradsOfList<A extends readonly unknown[], L extends number[]> = { [K in keyof L]: GradOf<A[L[K]]> };

/** The Hessian blocks for arguments `A` and argnums `N`: `H` for one position, `H[i][j]` for a list. */
export type HessianAt<A extends readonly unknown[], N> = N extends number
  ? GradOf<A[N]>
  : N extends readonly number[]
    ? HessianRows<A, Mutable<N>, Mutable<N>>
    : never;

/** Row a of the Hessian blocks: the gradients for the whole list, once per position. */
type HessianRows<A extends readonly unknown[], L extends number[], All extends number[]> = { [K in keyof L]: GradsOfList<A, All> };

/** The union of the leaf types of a pytree type (what `tree.map`'s function receives). */
export type LeafOf<T> = IsUnknown<T> extends true
  ? any
  : IsWide<T> extends true
  ? Leaf
  : [T] extends [TensorTree]
    ? Tensor
    : LeafOfNarrow<T>;

type LeafOfNarrow<T> = T extends Leaf
  ? T
  : T extends null | undefined
    ? never
    : T extends readonly (infer E)[]
      ? LeafOf<E>
      : T extends object
        ? LeafOf<T[keyof T]>
        : T;

/** A list type without readonly (argnums `as const` and const-inferred lists are readonly). */
type Mutable<N extends readonly number[]> = N extends readonly [infer H extends number, ...infer R extends readonly number[]] ? [H, ...Mutable<R>] : N extends readonly [] ? [] : number[];
