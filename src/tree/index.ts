// Pytrees: nested plain objects, arrays and tuples whose leaves are tensors (or other values).
// Object keys are visited in sorted order, so two objects with the same keys flatten alike
// whatever order they were built in. `null` and `undefined` are empty subtrees. Every own
// enumerable key is kept, `__proto__` and `constructor` included.

import { ValueError } from "../errors.js";
import type { LeafOf, MapLeaves } from "./types.js";

export type { Argnums, CotangentOf, GradOf, GradsAt, HessianAt, Leaf, LeafOf, MapLeaves, TangentOf, TensorTree, Traced, Tree, TreeLike, TreeOf } from "./types.js";

/** The structure of a pytree without its leaves (from `flatten`, for `unflatten`). */
export type TreeDef =
  | { readonly kind: "leaf" }
  | { readonly kind: "none"; readonly value: null | undefined }
  | { readonly kind: "array"; readonly children: readonly TreeDef[] }
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

const LEAF: TreeDef = Object.freeze({ kind: "leaf" });

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** The leaves of a tree in deterministic order, and the structure to rebuild it. */
export function flatten<L = unknown>(tree: unknown): [L[], TreeDef] {
  const leaves: L[] = [];
  const walk = (node: unknown): TreeDef => {
    if (node === null || node === undefined) return { kind: "none", value: node };
    if (Array.isArray(node)) return { kind: "array", children: node.map(walk) };
    if (isPlainObject(node)) {
      const keys = Object.keys(node).sort();
      return { kind: "object", keys, children: keys.map((k) => walk(node[k])) };
    }
    leaves.push(node as L);
    return LEAF;
  };
  const def = walk(tree);
  return [leaves, def];
}

/** The leaves of a tree in flatten order. */
export function leaves<L = unknown>(tree: unknown): L[] {
  return flatten<L>(tree)[0];
}

/** The structure of a tree (its TreeDef). */
export function structure(tree: unknown): TreeDef {
  return flatten(tree)[1];
}

/** The number of leaves a structure holds. */
export function numLeaves(def: TreeDef): number {
  switch (def.kind) {
    case "leaf":
      return 1;
    case "none":
      return 0;
    default:
      return def.children.reduce((n, c) => n + numLeaves(c), 0);
  }
}

/** Rebuilds a tree of the structure `def` from its leaves. */
export function unflatten<T = unknown>(def: TreeDef, leafValues: readonly unknown[]): T {
  const expected = numLeaves(def);
  if (leafValues.length !== expected) {
    throw new ValueError(`tree.unflatten: structure has ${expected} leaves but ${leafValues.length} values were given`);
  }
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf":
        return leafValues[i++];
      case "none":
        return d.value;
      case "array":
        return d.children.map(build);
      case "object": {
        // Keys are defined, not assigned: `out["__proto__"] = v` would set the prototype.
        const out: Record<string, unknown> = {};
        d.keys.forEach((k, j) => Object.defineProperty(out, k, { value: build(d.children[j]!), enumerable: true, writable: true, configurable: true }));
        return out;
      }
    }
  };
  return build(def) as T;
}

/** A canonical text of a structure, usable as a cache key and in messages. */
export function treeDefKey(def: TreeDef): string {
  switch (def.kind) {
    case "leaf":
      return "*";
    case "none":
      return def.value === null ? "null" : "undefined";
    case "array":
      return `[${def.children.map(treeDefKey).join(",")}]`;
    case "object":
      return `{${def.keys.map((k, i) => `${JSON.stringify(k)}:${treeDefKey(def.children[i]!)}`).join(",")}}`;
  }
}

/** Whether two structures are the same (same kinds, keys and lengths). */
export function treeDefsEqual(a: TreeDef, b: TreeDef): boolean {
  return treeDefKey(a) === treeDefKey(b);
}

/**
 * Applies `f` to corresponding leaves of `tree` and `rest` (which must have the same structure)
 * and returns a tree of the results, shaped like `tree` (`MapLeaves<T, R>`; a tree of tensors
 * mapped to tensors keeps its type).
 *
 * @example
 * const halved = fx.tree.map((p: Tensor) => fx.mul(p, 0.5), params);          // typeof params
 * const sums = fx.tree.map((p: Tensor, g: Tensor) => fx.add(p, g), params, grads);
 * const sizes = fx.tree.map((p: Tensor) => p.size, { w, b });                 // { w: number; b: number }
 */
export function map<T, R>(f: (leaf: LeafOf<NoInfer<T>>, ...others: any[]) => R, tree: T, ...rest: readonly MapLeaves<NoInfer<T>, unknown>[]): MapLeaves<T, R>;
export function map(f: (...leaves: any[]) => unknown, tree: unknown, ...rest: unknown[]): unknown {
  const [ls, def] = flatten(tree);
  const others = rest.map((t, k) => {
    const [l2, d2] = flatten(t);
    if (!treeDefsEqual(def, d2)) {
      throw new ValueError(`tree.map: tree ${k + 1} has structure ${treeDefKey(d2)}, expected ${treeDefKey(def)}`);
    }
    return l2;
  });
  return unflatten(def, ls.map((l, i) => f(l, ...others.map((o) => o[i]))));
}

/**
 * Folds over the leaves in flatten order.
 *
 * @example
 * const count = fx.tree.reduce((n, p: Tensor) => n + p.size, params, 0);
 */
export function reduce<A, T = unknown>(f: (acc: A, leaf: LeafOf<NoInfer<T>>) => A, tree: T, init: A): A {
  return leaves<LeafOf<T>>(tree).reduce(f, init);
}
