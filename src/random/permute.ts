// Random permutations: JAX's sort-based shuffle (sort by fresh random words, enough rounds that
// ties between words cannot bias the result), for `permutation` and `shuffle`.

import { ShapeError, ValueError } from "../errors.js";
import { add, mul, reshape, transpose } from "../prims/index.js";
import { take } from "../prims/movement.js";
import { argsortU32 } from "../prims/random.js";
import { arange } from "../tensor/create.js";
import { normalizeAxis } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { bits, checkKey, splitKeys } from "./keys.js";
import { Bool, Int, optionsObject } from "../options/codecs.js";
import { checkOptions } from "../options/validate.js";

const UINT32_MAX = 4294967295;

/** Moves `axis` of x to the end. */
function axisLast(x: Tensor, axis: number): Tensor {
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis);
  return transpose(x, [...perm, axis]);
}

/** Inverse of axisLast. */
function axisBack(x: Tensor, axis: number): Tensor {
  const rank = x.shape.length;
  const perm: number[] = [];
  for (let i = 0, j = 0; i < rank; i++) perm.push(i === axis ? rank - 1 : j++);
  return transpose(x, perm);
}

/**
 * JAX's shuffle: sorts x along `axis` by fresh random uint32 keys, ⌈3·ln(size)/ln(2^32 − 1)⌉
 * times, each round with a key split off. Ties between keys (resolved by position, the sort is
 * stable) are what could bias one round; JAX's heuristic round count makes an undecided pair
 * after all rounds rare. Every 1-D slice along the axis is shuffled independently.
 */
function shuffleAlong(k: Tensor, x: Tensor, axis: number): Tensor {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(UINT32_MAX));
  const n = x.shape[axis]!;
  let y = x;
  let current = k;
  for (let r = 0; r < rounds; r++) {
    const [next, roundKey] = splitKeys(current);
    current = next!;
    const order = argsortU32(axisLast(bits(roundKey!, x.shape), axis));
    if (x.shape.length === 1) {
      y = take(y, order);
      continue;
    }
    const lanes = x.size / n;
    const flatOrder = add(reshape(order, [lanes, n]), mul(reshape(arange(0, lanes, 1, { dtype: "int32" }), [lanes, 1]), n));
    const moved = axisLast(y, axis);
    y = axisBack(reshape(take(reshape(moved, [x.size]), reshape(flatOrder, [x.size])), moved.shape), axis);
  }
  return y;
}

const PermutationOptions = optionsObject({ axis: Int, independent: Bool });

/**
 * A random permutation: of 0 … n − 1 (int32) when given a number, else of x's slices along
 * `axis` (default 0). With `independent: true` each 1-D slice along the axis is permuted on its
 * own. Same bits as jax.random.permutation.
 */
export function permutation(key: Tensor, x: number | Tensor, options: { axis?: number; independent?: boolean } = {}): Tensor {
  const op = "random.permutation";
  const o = checkOptions(op, PermutationOptions, options);
  const k = checkKey(op, key);
  if (typeof x === "number") {
    if (!Number.isInteger(x) || x < 0 || x >= 2 ** 31) throw new ValueError(`${op}: n must be a non-negative int32 integer, got ${x}`);
    return shuffleAlong(k, arange(0, x, 1, { dtype: "int32" }), 0);
  }
  if (!(x instanceof Tensor) || x.shape.length === 0) throw new ShapeError(`${op}: x must be a number or a tensor of rank >= 1`);
  const axis = normalizeAxis(op, o.axis ?? 0, x.shape.length);
  if (o.independent || x.shape.length === 1) return shuffleAlong(k, x, axis);
  const order = shuffleAlong(k, arange(0, x.shape[axis]!, 1, { dtype: "int32" }), 0);
  return take(x, order, { axis });
}

const ShuffleOptions = optionsObject({ axis: Int });

/**
 * Shuffles each 1-D slice of x along `axis` (default 0) independently (the legacy
 * jax.random.shuffle; for a 1-D x the same as `permutation`).
 */
export function shuffle(key: Tensor, x: Tensor, options: { axis?: number } = {}): Tensor {
  const op = "random.shuffle";
  const o = checkOptions(op, ShuffleOptions, options);
  if (!(x instanceof Tensor) || x.shape.length === 0) throw new ShapeError(`${op}: x must be a tensor of rank >= 1`);
  return shuffleAlong(checkKey(op, key), x, normalizeAxis(op, o.axis ?? 0, x.shape.length));
}

