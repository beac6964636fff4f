// Samplers: random tensors of a given distribution from a key. Each turns the key's Threefry bits
// into values exactly as jax.random does (non-partitionable threefry), with fluxion ops, so a
// sampler works eagerly and inside `jit` (the key may be a traced argument).

import * as t from "io-ts";
import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import {
  add, argmax, cast, div, floor, less, log, maximum, minimum, mul, neg, reshape, broadcastTo, sub, where,
} from "../prims/index.js";
import { take } from "../prims/movement.js";
import { randintFromBits } from "../prims/random.js";
import { scalar } from "../tensor/create.js";
import { type DType, isFloat } from "../tensor/dtype.js";
import { broadcastShapes, normalizeAxis, shapesEqual, sizeOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { bits, checkKey, checkSampleShape, splitKeys } from "./keys.js";
import { FloatDTypeCodec, Int, NumberOrTensorCodec, ShapeCodec, described, optionsObject } from "../options/codecs.js";
import { checkOptions } from "../options/validate.js";
import { erfNumber, erfinv, nextAfter, roundTo } from "./special.js";

function floatDType(op: string, dtype: DType | undefined, fallback: DType = "float32"): DType {
  const d = dtype ?? fallback;
  if (!isFloat(d)) throw new DTypeError(`${op}: dtype must be float32 or float64, got ${d}`);
  return d;
}

/** A number or tensor as a tensor of `dtype` (numbers are rounded to it, tensors cast). */
function asTensor(x: number | Tensor, dtype: DType): Tensor {
  return x instanceof Tensor ? cast(x, dtype) : scalar(x, dtype);
}

/** Throws unless `param` broadcasts to the sample shape without enlarging it. */
function checkParamShape(op: string, name: string, param: Tensor, shape: readonly number[]): void {
  const joint = broadcastShapes(op, shape, param.shape);
  if (!shapesEqual(joint, shape)) {
    throw new ShapeError(`${op}: ${name} of shape ${fmtShape(param.shape)} does not broadcast to the sample shape ${fmtShape(shape)}`);
  }
}

const TWO_32 = 4294967296;

/** uint32 words (int32 storage) as exact float64 numbers in [0, 2^32). */
function wordsAsFloat64(words: Tensor): Tensor {
  const w = cast(words, "float64");
  return where(less(w, 0), add(w, TWO_32), w);
}

/**
 * Uniform floats in [0, 1) with JAX's bits: for float32 one word per value, (w >>> 9)·2^-23 (the
 * 23 high bits as the mantissa of a number in [1, 2), minus 1); for float64 two words, the high
 * 52 of the 64-bit number hi·2^32 + lo, times 2^-52. Computed exactly in float64.
 */
function unitFloats(k: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const n = sizeOf(shape);
  if (dtype === "float32") {
    const w = wordsAsFloat64(bits(k, [n]));
    return reshape(cast(mul(floor(div(w, 512)), 2 ** -23), "float32"), shape);
  }
  // JAX draws 2n words; the first n are the high halves, the last n the low halves.
  const words = reshape(bits(k, [2 * n]), [2, n]);
  const [hiWords, loWords] = [take(words, 0), take(words, 1)];
  const hi = wordsAsFloat64(hiWords);
  const lo = wordsAsFloat64(loWords);
  return reshape(mul(add(mul(hi, 2 ** 20), floor(div(lo, 4096))), 2 ** -52), shape);
}

const UniformOptions = optionsObject({ dtype: FloatDTypeCodec, minval: NumberOrTensorCodec, maxval: NumberOrTensorCodec });
/**
 * Options of `uniform`: the float dtype (default float32) and the interval [minval, maxval) (default [0, 1)).
 */
export type UniformOptions = { dtype?: DType; minval?: number | Tensor; maxval?: number | Tensor };

/**
 * Uniform values in [minval, maxval) (default [0, 1)), float32 by default. As JAX:
 * u·(maxval − minval) + minval in the dtype, then at least minval.
 */
export function uniform(key: Tensor, shape: readonly number[] = [], options: UniformOptions = {}): Tensor {
  const op = "random.uniform";
  const o = checkOptions(op, UniformOptions, options);
  const dtype = floatDType(op, o.dtype);
  return uniformIn(op, checkKey(op, key), checkSampleShape(op, shape, dtype), dtype, o.minval ?? 0, o.maxval ?? 1);
}

function uniformIn(op: string, k: Tensor, shape: number[], dtype: DType, minval: number | Tensor, maxval: number | Tensor): Tensor {
  const lo = asTensor(minval, dtype);
  const hi = asTensor(maxval, dtype);
  checkParamShape(op, "minval", lo, shape);
  checkParamShape(op, "maxval", hi, shape);
  const u = unitFloats(k, shape, dtype);
  return broadcastTo(maximum(lo, add(mul(u, sub(hi, lo)), lo)), shape);
}

const DTypeOnly = optionsObject({ dtype: FloatDTypeCodec });

/**
 * Standard normal values, as JAX: u uniform in (−1, 1) (minval the float just above −1), then
 * √2·erfinv(u), with erfinv Giles' single-precision approximation (see special.ts).
 */
export function normal(key: Tensor, shape: readonly number[] = [], options: { dtype?: DType } = {}): Tensor {
  const op = "random.normal";
  const dtype = floatDType(op, checkOptions(op, DTypeOnly, options).dtype);
  const u = uniformIn(op, checkKey(op, key), checkSampleShape(op, shape, dtype), dtype, nextAfter(-1, 0, dtype), 1);
  return mul(scalar(Math.SQRT2, dtype), erfinv(u));
}

/**
 * Standard normal values conditioned on lower < x < upper (numbers), as JAX: u uniform between
 * erf(lower/√2) and erf(upper/√2), x = √2·erfinv(u), clamped to the open interval.
 */
export function truncatedNormal(key: Tensor, lower: number, upper: number, shape: readonly number[] = [], options: { dtype?: DType } = {}): Tensor {
  const op = "random.truncatedNormal";
  const dtype = floatDType(op, checkOptions(op, DTypeOnly, options).dtype);
  if (typeof lower !== "number" || typeof upper !== "number" || Number.isNaN(lower) || Number.isNaN(upper) || !(lower < upper)) {
    throw new ValueError(`${op}: lower and upper must be numbers with lower < upper, got ${String(lower)} and ${String(upper)}`);
  }
  const sqrt2 = roundTo(Math.SQRT2, dtype);
  const [l, u] = [roundTo(lower, dtype), roundTo(upper, dtype)];
  const a = roundTo(erfNumber(roundTo(l / sqrt2, dtype)), dtype);
  const b = roundTo(erfNumber(roundTo(u / sqrt2, dtype)), dtype);
  const x = mul(scalar(sqrt2, dtype), erfinv(uniformIn(op, checkKey(op, key), checkSampleShape(op, shape, dtype), dtype, a, b)));
  return minimum(maximum(x, scalar(nextAfter(l, Infinity, dtype), dtype)), scalar(nextAfter(u, -Infinity, dtype), dtype));
}

/**
 * Booleans that are true with probability p (a number, default 0.5, or a float tensor): as JAX,
 * uniform(key, shape, dtype of p) < p. The shape defaults to p's shape.
 */
export function bernoulli(key: Tensor, p: number | Tensor = 0.5, shape?: readonly number[]): Tensor {
  const op = "random.bernoulli";
  const pt = p instanceof Tensor ? p : typeof p === "number" ? scalar(p, "float32") : null;
  if (pt === null || !isFloat(pt.dtype)) {
    throw new DTypeError(`${op}: p must be a number or a float tensor, got ${p instanceof Tensor ? `a ${p.dtype} tensor` : typeof p}`);
  }
  const dims = checkSampleShape(op, shape === undefined ? pt.shape : shape, pt.dtype);
  checkParamShape(op, "p", pt, dims);
  return less(unitFloats(checkKey(op, key), dims, pt.dtype), pt);
}

function int32Operand(op: string, name: string, x: number | Tensor): Tensor {
  if (x instanceof Tensor) {
    if (x.dtype !== "int32") throw new DTypeError(`${op}: ${name} must be an int32 tensor or an integer, got a ${x.dtype} tensor`);
    return x;
  }
  if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) throw new ValueError(`${op}: ${name} must be an integer in the int32 range, got ${String(x)}`);
  return scalar(x, "int32");
}

const RandintOptions = optionsObject({ dtype: described('"int32"', t.literal("int32")) });

/**
 * Integers in [minval, maxval) (int32), as JAX: two words of bits per value (from the two halves
 * of split(key)) reduced modulo the span — slightly biased when the span is not a power of two,
 * by at most span / 2^32. maxval ≤ minval gives minval.
 */
export function randint(key: Tensor, shape: readonly number[], minval: number | Tensor, maxval: number | Tensor, options: { dtype?: "int32" } = {}): Tensor {
  const op = "random.randint";
  checkOptions(op, RandintOptions, options);
  const dims = checkSampleShape(op, shape, "int32");
  const lo = int32Operand(op, "minval", minval);
  const hi = int32Operand(op, "maxval", maxval);
  checkParamShape(op, "minval", lo, dims);
  checkParamShape(op, "maxval", hi, dims);
  const [k1, k2] = splitKeys(checkKey(op, key));
  return randintFromBits(bits(k1!, dims), bits(k2!, dims), broadcastTo(lo, dims), broadcastTo(hi, dims));
}

const CategoricalOptions = optionsObject({ axis: Int, shape: ShapeCodec });

/**
 * Indices drawn from the categorical distributions softmax(logits) along `axis` (default −1),
 * by the Gumbel-max trick as JAX: argmax(logits + g) with g = −log(−log(u)), u uniform in
 * [tiny, 1). The result's shape is logits' shape without `axis`, or `shape` (which must end
 * with that shape; leading axes give independent draws).
 */
export function categorical(key: Tensor, logits: Tensor, options: { axis?: number; shape?: readonly number[] } = {}): Tensor {
  const op = "random.categorical";
  const o = checkOptions(op, CategoricalOptions, options);
  checkKey(op, key);
  if (!(logits instanceof Tensor) || !isFloat(logits.dtype) || logits.shape.length === 0) {
    throw new DTypeError(`${op}: logits must be a float tensor of rank >= 1`);
  }
  const rank = logits.shape.length;
  const axis = normalizeAxis(op, o.axis ?? -1, rank);
  const batch = logits.shape.filter((_, i) => i !== axis);
  const shape = checkSampleShape(op, o.shape ?? batch);
  const prefix = shape.slice(0, shape.length - batch.length);
  if (shape.length < batch.length || !shapesEqual(shape.slice(prefix.length), batch)) {
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} must end with the batch shape ${fmtShape(batch)} (logits ${fmtShape(logits.shape)} without axis ${axis})`);
  }
  const full = [...prefix, ...logits.shape];
  const tiny = logits.dtype === "float32" ? 2 ** -126 : 2 ** -1022;
  const u = uniformIn(op, key, full, logits.dtype, tiny, 1);
  const gumbel = neg(log(neg(log(u))));
  return argmax(add(gumbel, logits), { axis: prefix.length + axis });
}
