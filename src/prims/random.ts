// The integer work behind `fx.random`, as three kernel primitives over int32 storage that holds
// uint32 bit patterns (fluxion has no unsigned dtype, shifts or bitcasts, so these loops do the
// 32-bit arithmetic themselves: `(a + b) | 0`, `Math.imul`, `>>>`). None of them is
// differentiable: their outputs are integers (random bits, ranks, indices).
//
//   threefry2x32 key x            → the Threefry-2x32 block cipher (20 rounds, Random123's and
//                                    JAX's) applied to each counter pair (x[0, i], x[1, i])
//   randint_from_bits hi lo lo_ hi_ → JAX's double-word modulus reduction of random bits into
//                                    [minval, maxval)
//   argsort_u32 keys              → the stable ascending order of uint32 keys along the last axis

import { DTypeError, ShapeError, fmtShape } from "../errors.js";
import type { Aval } from "../ir/var.js";
import { shapesEqual, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { type Params, definePrimitive } from "./primitive.js";

/** Throws unless `a` is int32 (Threefry's words are uint32 bits held in int32). */
export function checkInt32(op: string, what: string, a: Aval): void {
  if (a.dtype !== "int32") throw new DTypeError(`${op}: ${what} must be int32 (holding uint32 bits), got ${a.dtype}`);
}

/** Rotation amounts of Threefry-2x32, in groups of four rounds (Salmon et al. 2011, table 4). */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
/** The key-schedule parity constant of Threefish (SKEIN_KS_PARITY32). */
const KS_PARITY = 0x1bd11bda;

/**
 * Threefry-2x32 with 20 rounds on one counter pair; writes the two output words (as int32) to
 * out[i0] and out[i1]. Five groups of four rounds, each group followed by a key injection.
 */
export function threefryBlock(k0: number, k1: number, x0: number, x1: number, out: Int32Array, i0: number, i1: number): void {
  const ks = [k0 | 0, k1 | 0, (k0 ^ k1 ^ KS_PARITY) | 0];
  let a = (x0 + ks[0]!) | 0;
  let b = (x1 + ks[1]!) | 0;
  for (let group = 0; group < 5; group++) {
    const base = (group & 1) * 4;
    for (let r = 0; r < 4; r++) {
      const rot = ROTATIONS[base + r]!;
      a = (a + b) | 0;
      b = (b << rot) | (b >>> (32 - rot));
      b ^= a;
    }
    a = (a + ks[(group + 1) % 3]!) | 0;
    b = (b + ks[(group + 2) % 3]! + group + 1) | 0;
  }
  out[i0] = a;
  out[i1] = b;
}

/** Exposed for tests: the block function on plain uint32 numbers, returning uint32 numbers. */
export function threefry2x32Block(key: readonly [number, number], counter: readonly [number, number]): [number, number] {
  const out = new Int32Array(2);
  threefryBlock(key[0], key[1], counter[0], counter[1], out, 0, 1);
  return [out[0]! >>> 0, out[1]! >>> 0];
}

export const threefry2x32Prim = definePrimitive<Params>({
  name: "threefry2x32",
  abstractEval([key, x]) {
    checkInt32("threefry2x32", "the key", key!);
    checkInt32("threefry2x32", "the counters", x!);
    if (!shapesEqual(key!.shape, [2])) throw new ShapeError(`threefry2x32: the key must have shape [2], got ${fmtShape(key!.shape)}`);
    if (x!.shape.length !== 2 || x!.shape[0] !== 2) {
      throw new ShapeError(`threefry2x32: the counters must have shape [2, n], got ${fmtShape(x!.shape)}`);
    }
    return { shape: x!.shape, dtype: "int32" };
  },
  impl([key, x]) {
    const n = x!.shape[1]!;
    const k = key!.data;
    const xs = x!.data;
    const out = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) threefryBlock(k[0]!, k[1]!, xs[i]!, xs[n + i]!, out, i, n + i);
    return out;
  },
  vjp: () => [null, null],
  jvp: () => null,
  lowering: { kind: "kernel", kernel: "threefry2x32" },
});

/** Applies Threefry-2x32 under `key` ([2]) to the counter pairs (x[0, i], x[1, i]) of x ([2, n]). */
export function threefry2x32(key: Tensor, x: Tensor): Tensor {
  return bind(threefry2x32Prim, [key, x]);
}

export const randintFromBitsPrim = definePrimitive<Params>({
  name: "randint_from_bits",
  abstractEval(inputs) {
    const names = ["the high bits", "the low bits", "minval", "maxval"];
    if (inputs.length !== 4) throw new ShapeError(`randint_from_bits: expects 4 operands, got ${inputs.length}`);
    inputs.forEach((a, i) => checkInt32("randint_from_bits", names[i]!, a));
    if (!inputs.every((a) => shapesEqual(a.shape, inputs[0]!.shape))) {
      throw new ShapeError(`randint_from_bits: operand shapes differ: ${inputs.map((a) => fmtShape(a.shape)).join(", ")}`);
    }
    return { shape: inputs[0]!.shape, dtype: "int32" };
  },
  // As jax.random.randint for int32: span = uint32(maxval − minval) (1 when maxval ≤ minval);
  // offset = ((hi mod span)·m + lo mod span) mod span with m = (2¹⁶ mod span)² mod span, all in
  // wrapping uint32 arithmetic; result = minval + offset (wrapping int32).
  impl([hi, lo, minval, maxval], _p, out) {
    const n = sizeOf(out.shape);
    const result = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const low = minval!.data[i]!;
      const high = maxval!.data[i]!;
      const span = high <= low ? 1 : ((high - low) | 0) >>> 0;
      const m16 = 65536 % span;
      const multiplier = (Math.imul(m16, m16) >>> 0) % span;
      const a = (hi!.data[i]! >>> 0) % span;
      const b = (lo!.data[i]! >>> 0) % span;
      const offset = (((Math.imul(a, multiplier) >>> 0) + b) >>> 0) % span;
      result[i] = (low + offset) | 0;
    }
    return result;
  },
  vjp: () => [null, null, null, null],
  jvp: () => null,
  lowering: { kind: "kernel", kernel: "randint_from_bits" },
});

/** Random integers in [minval, maxval) from two words of random bits (all int32, one shape). */
export function randintFromBits(hi: Tensor, lo: Tensor, minval: Tensor, maxval: Tensor): Tensor {
  return bind(randintFromBitsPrim, [hi, lo, minval, maxval]);
}

export const argsortU32Prim = definePrimitive<Params>({
  name: "argsort_u32",
  abstractEval([keys]) {
    checkInt32("argsort_u32", "the keys", keys!);
    if (keys!.shape.length === 0) throw new ShapeError("argsort_u32: the keys must have rank >= 1, got a scalar");
    return { shape: keys!.shape, dtype: "int32" };
  },
  impl([keys], _p, out) {
    const n = out.shape[out.shape.length - 1]!;
    const lanes = n === 0 ? 0 : sizeOf(out.shape) / n;
    const result = new Int32Array(sizeOf(out.shape));
    const order = Array.from({ length: n }, (_, i) => i);
    for (let lane = 0; lane < lanes; lane++) {
      const base = lane * n;
      const ks = keys!.data;
      for (let i = 0; i < n; i++) order[i] = i;
      // Ties keep their original order (the sort is stable), as lax.sort_key_val's.
      order.sort((i, j) => (ks[base + i]! >>> 0) - (ks[base + j]! >>> 0) || i - j);
      for (let i = 0; i < n; i++) result[base + i] = order[i]!;
    }
    return result;
  },
  vjp: () => [null],
  jvp: () => null,
  lowering: { kind: "kernel", kernel: "argsort_u32" },
});

/** The stable ascending order of uint32 keys (stored as int32) along the last axis. */
export function argsortU32(keys: Tensor): Tensor {
  return bind(argsortU32Prim, [keys]);
}
