// PRNG keys: what a key is, how keys are made, split and folded, and how a key becomes random
// bits. A key is an int32 tensor of shape [2] holding the two uint32 words of a Threefry-2x32
// key (bit patterns stored as int32); a batch of keys has shape [n, 2]. Keys are ordinary
// tensors, so they pass through `jit`, `grad` and pytrees as arguments.
//
// Every function follows JAX's original (non-partitionable) threefry implementation, so the
// same seed gives the same keys and the same bits as JAX with jax_threefry_partitionable=False.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { concat, sliceRaw } from "../prims/movement.js";
import { reshape } from "../prims/layout.js";
import { threefry2x32 } from "../prims/random.js";
import { fromArray } from "../tensor/create.js";
import { describeValue } from "../options/describe.js";
import type { DType } from "../tensor/dtype.js";
import { checkTensorSize, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** Throws unless `key` is a single key: an int32 tensor of shape [2]. */
export function checkKey(op: string, key: unknown): Tensor {
  if (!(key instanceof Tensor)) {
    throw new ValueError(`${op}: the key must be a Tensor made by fx.random.key/split/foldIn, got ${key === null ? "null" : typeof key}`);
  }
  if (key.dtype !== "int32") throw new DTypeError(`${op}: a key is an int32 tensor of shape [2], got a ${key.dtype} tensor`);
  if (key.shape.length !== 1 || key.shape[0] !== 2) {
    const hint = key.shape.length === 2 && key.shape[1] === 2 ? " (a batch of keys: pick one, e.g. fx.random.splitKeys)" : "";
    throw new ShapeError(`${op}: a key has shape [2], got ${fmtShape(key.shape)}${hint}`);
  }
  return key;
}

const TWO_32 = 4294967296;

/**
 * A key from an integer seed. Seeds in the int32 range give [0, seed] (seed as uint32 bits), as
 * JAX does for 32-bit seeds: key(-1) is [0, 4294967295]. Larger seeds up to 2^53 give
 * [⌊seed / 2^32⌋, seed mod 2^32], as JAX does for 64-bit seeds. A seed may also be an int32
 * scalar tensor (e.g. traced inside `jit`).
 */
export function key(seed: number | Tensor): Tensor {
  if (seed instanceof Tensor) {
    if (seed.dtype !== "int32" || seed.shape.length !== 0) {
      throw new ValueError(`random.key: a tensor seed must be an int32 scalar, got a ${seed.dtype} tensor of shape ${fmtShape(seed.shape)}`);
    }
    return concat([fromArray(new Int32Array(1), [1]), reshape(seed, [1])]);
  }
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < -(2 ** 31)) {
    throw new ValueError(`random.key: the seed must be an integer in [-2^31, 2^53), got ${String(seed)}`);
  }
  const hi = seed < 0 ? 0 : Math.floor(seed / TWO_32);
  const lo = seed < 0 ? seed : seed % TWO_32;
  return fromArray(Int32Array.of(hi | 0, lo | 0), [2]);
}

/**
 * The counter pairs JAX's threefry_2x32 forms from the counters 0, 1, …, n − 1: the flat
 * counters (padded with one 0 when n is odd) are cut in halves, the first half pairs with the
 * second. Returned as an int32 [2, ⌈n/2⌉] tensor.
 */
function iotaCounters(n: number): Tensor {
  const m = Math.ceil(n / 2);
  const data = new Int32Array(2 * m);
  for (let i = 0; i < n; i++) data[i] = i;
  return fromArray(data, [2, m]);
}

/** Threefry-2x32 of `key` over counters [2, m], flattened back to the order of the flat counters, first n kept. */
function hashCounters(op: string, k: Tensor, counters: Tensor, n: number): Tensor {
  const out = reshape(threefry2x32(checkKey(op, k), counters), [counters.size]);
  return n === counters.size ? out : sliceRaw(out, [0], [n]);
}

/**
 * `n` uint32 words of random bits (int32 storage) in the given shape: Threefry-2x32 of the key
 * over the counters 0 … size − 1 (JAX's `random.bits` for 32-bit words).
 */
export function bits(k: Tensor, shape: readonly number[] = []): Tensor {
  const dims = checkSampleShape("random.bits", shape, "int32");
  const n = sizeOf(dims);
  return reshape(hashCounters("random.bits", k, iotaCounters(n), n), dims);
}

/** `num` new keys as an int32 tensor [num, 2] (JAX's split: counters 0 … 2·num − 1). */
export function split(k: Tensor, num = 2): Tensor {
  return splitAs("random.split", k, num);
}

function splitAs(op: string, k: Tensor, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`${op}: the number of keys must be a non-negative integer, got ${describeValue(num)}`);
  checkKey(op, k);
  checkTensorSize(op, [num, 2], "int32");
  return reshape(hashCounters(op, k, iotaCounters(2 * num), 2 * num), [num, 2]);
}

/** `split(key, num)` as an array of `num` keys of shape [2], for destructuring: `const [a, b] = splitKeys(key)`. */
export function splitKeys(k: Tensor, num = 2): Tensor[] {
  const keys = splitAs("random.splitKeys", k, num);
  return Array.from({ length: num }, (_, i) => reshape(sliceRaw(keys, [i, 0], [i + 1, 2]), [2]));
}

/**
 * A new key that depends on `key` and a 32-bit integer `data` (a number in [-2^31, 2^32), or an
 * int32 scalar tensor): Threefry-2x32 of the key over the counter pair [0, data], as JAX.
 */
export function foldIn(k: Tensor, data: number | Tensor): Tensor {
  let word: Tensor;
  if (data instanceof Tensor) {
    if (data.dtype !== "int32" || data.shape.length !== 0) {
      throw new ValueError(`random.foldIn: data must be an int32 scalar, got a ${data.dtype} tensor of shape ${fmtShape(data.shape)}`);
    }
    word = reshape(data, [1]);
  } else {
    if (!Number.isInteger(data) || data < -(2 ** 31) || data >= TWO_32) {
      throw new ValueError(`random.foldIn: data must be an integer in [-2^31, 2^32), got ${String(data)}`);
    }
    word = fromArray(Int32Array.of(data | 0), [1]);
  }
  const counters = reshape(concat([fromArray(new Int32Array(1), [1]), word]), [2, 1]);
  return reshape(threefry2x32(checkKey("random.foldIn", k), counters), [2]);
}

/** The uint32 words of a key ([2] → two numbers) or of a batch of keys ([n, 2] → n pairs). */
export function keyData(k: Tensor): number[] | number[][] {
  if (!(k instanceof Tensor) || k.dtype !== "int32" || k.shape.length < 1 || k.shape[k.shape.length - 1] !== 2) {
    const what = k instanceof Tensor ? `a ${k.dtype} tensor of shape ${fmtShape(k.shape)}` : typeof k;
    throw new ValueError(`random.keyData: expects a key [2] or a batch of keys [..., 2] (int32), got ${what}`);
  }
  const words = Array.from(k.data(), (w) => w >>> 0);
  if (k.shape.length === 1) return words;
  const pairs: number[][] = [];
  for (let i = 0; i < words.length; i += 2) pairs.push([words[i]!, words[i + 1]!]);
  return pairs;
}

/** Validates a sample shape: an array of non-negative integers, of a size a tensor of `dtype` may have. */
export function checkSampleShape(op: string, shape: unknown, dtype: DType = "float32"): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}: the shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  }
  checkTensorSize(op, shape, dtype);
  return [...shape];
}
