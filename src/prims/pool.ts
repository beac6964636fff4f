// Max pooling over the spatial axes of NC… tensors (1 or 2 spatial axes), as three primitives
// that are each other's derivatives, so every order of derivative stays inside the family:
//   max_pool x            → y[n,c,t] = max over window t of x (padding is −∞, never selected)
//   max_pool_scatter x g  → adds g[n,c,t] at the element window t selected (the VJP of max_pool)
//   max_pool_gather x h   → h at the element each window selected (the JVP of max_pool)
// scatter and gather are linear in their second operand and adjoint to each other; the
// selection depends on x only through comparisons, so their derivative in x is zero.
//
// Ties: each window selects its FIRST maximal element in row-major window order (a later
// element replaces the current one only when strictly greater); a NaN is selected over any
// number (the first NaN), so NaN propagates. The whole gradient of a window goes to the
// selected element. (Average pooling is a convolution, see ops/pool.ts.)

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import type { Aval } from "../ir/var.js";
import { allocArray } from "../tensor/dtype.js";
import { shapesEqual, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { type ConcreteArg, definePrimitive } from "./primitive.js";
import { windowCount } from "./conv.js";
import { checkIntList } from "../options/validate.js";

export type PoolParams = {
  /** Window size per spatial axis. */
  readonly window: readonly number[];
  /** Window step per spatial axis. */
  readonly stride: readonly number[];
  /** [low, high] padding per spatial axis, each at most window − 1 (so every window sees input). */
  readonly padding: readonly (readonly number[])[];
};

/** Validates pooling parameters against the input aval and returns the output shape. */
export function poolShape(op: string, x: Aval, p: PoolParams): number[] {
  const nd = x.shape.length - 2;
  if (nd < 1 || nd > 2) throw new ShapeError(`${op}: expects an input [N,C,W] or [N,C,H,W], got ${fmtShape(x.shape)}`);
  if (x.dtype === "bool") throw new DTypeError(`${op}: bool operands are not supported; cast them first`);
  checkIntList(op, "window", p.window, nd, 1);
  checkIntList(op, "stride", p.stride, nd, 1);
  const out = [x.shape[0]!, x.shape[1]!];
  for (let d = 0; d < nd; d++) {
    const k = p.window[d]!;
    const lh = p.padding[d];
    if (!lh || lh.length !== 2 || !lh.every((v) => Number.isInteger(v) && v >= 0 && v < k)) {
      throw new ValueError(
        `${op}: padding along spatial axis ${d} must be a [low, high] pair of integers in [0, window − 1 = ${k - 1}], got ${JSON.stringify(p.padding)}`,
      );
    }
    const s = x.shape[2 + d]!;
    if (s < 1 || lh[0]! + s + lh[1]! < k) {
      throw new ShapeError(
        `${op}: along spatial axis ${d} the window ${k} is larger than the padded input ${lh[0]! + s + lh[1]!} (input ${fmtShape(x.shape)})`,
      );
    }
    out.push(windowCount(s, k, p.stride[d]!, lh[0]!, lh[1]!));
  }
  return out;
}

/**
 * The flat input index each output window selects (first maximum, NaN first). Every window
 * overlaps the input because padding < window, so every entry is a valid index.
 */
function selectedIndices(x: ConcreteArg, p: PoolParams, outShape: readonly number[]): Int32Array {
  const two = x.shape.length === 4;
  const [h, w] = two ? [x.shape[2]!, x.shape[3]!] : [1, x.shape[2]!];
  const [th, tw] = two ? [outShape[2]!, outShape[3]!] : [1, outShape[2]!];
  const [kh, kw] = two ? p.window : [1, p.window[0]!];
  const [sh, sw] = two ? p.stride : [1, p.stride[0]!];
  const [ph, pw] = two ? [p.padding[0]![0]!, p.padding[1]![0]!] : [0, p.padding[0]![0]!];
  const planes = x.shape[0]! * x.shape[1]!;
  const xs = x.data;
  const sel = new Int32Array(planes * th * tw);
  let r = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let i = 0; i < th; i++) {
      const h0 = Math.max(0, i * sh - ph);
      const h1 = Math.min(h, i * sh - ph + kh);
      for (let j = 0; j < tw; j++) {
        const w0 = Math.max(0, j * sw - pw);
        const w1 = Math.min(w, j * sw - pw + kw);
        let best = base + h0 * w + w0;
        let bestValue = xs[best]!;
        for (let u = h0; u < h1; u++) {
          for (let v = w0; v < w1; v++) {
            const idx = base + u * w + v;
            const value = xs[idx]!;
            if (value > bestValue || (value !== value && bestValue === bestValue)) {
              best = idx;
              bestValue = value;
            }
          }
        }
        sel[r++] = best;
      }
    }
  }
  return sel;
}

export const maxPoolPrim = definePrimitive<PoolParams>({
  name: "max_pool",
  abstractEval: ([x], p) => ({ shape: poolShape("max_pool", x!, p), dtype: x!.dtype }),
  impl([x], p, out) {
    const sel = selectedIndices(x!, p, out.shape);
    const result = allocArray(out.dtype, sel.length);
    for (let i = 0; i < sel.length; i++) result[i] = x!.data[sel[i]!]!;
    return result;
  },
  vjp: (g, { inputs: [x], params }) => [maxPoolScatter(x!, g, params)],
  jvp: ({ inputs: [x], tangents: [t], params }) => (t ? maxPoolGather(x!, t, params) : null),
  lowering: { kind: "kernel", kernel: "max_pool" },
});

function checkSecondOperand(op: string, x: Aval, y: Aval, expected: readonly number[], what: string): void {
  if (y.dtype !== x.dtype) throw new DTypeError(`${op}: operand dtypes differ: ${x.dtype} and ${y.dtype}`);
  if (!shapesEqual(y.shape, expected)) {
    throw new ShapeError(`${op}: the second operand must have the ${what} shape ${fmtShape(expected)}, got ${fmtShape(y.shape)} (input ${fmtShape(x.shape)})`);
  }
}

export const maxPoolScatterPrim = definePrimitive<PoolParams>({
  name: "max_pool_scatter",
  abstractEval([x, g], p) {
    checkSecondOperand("max_pool_scatter", x!, g!, poolShape("max_pool_scatter", x!, p), "pooled");
    return { shape: x!.shape, dtype: x!.dtype };
  },
  impl([x, g], p, out) {
    const sel = selectedIndices(x!, p, g!.shape);
    const acc = new Float64Array(sizeOf(out.shape));
    for (let i = 0; i < sel.length; i++) acc[sel[i]!]! += g!.data[i]!;
    const result = allocArray(out.dtype, acc.length);
    result.set(acc);
    return result;
  },
  vjp: (ct, { inputs: [x], params }) => [null, maxPoolGather(x!, ct, params)],
  jvp: ({ inputs: [x], tangents: [, tg], params }) => (tg ? maxPoolScatter(x!, tg, params) : null),
  lowering: { kind: "kernel", kernel: "max_pool_scatter" },
});

export const maxPoolGatherPrim = definePrimitive<PoolParams>({
  name: "max_pool_gather",
  abstractEval([x, h], p) {
    checkSecondOperand("max_pool_gather", x!, h!, x!.shape, "input's");
    return { shape: poolShape("max_pool_gather", x!, p), dtype: x!.dtype };
  },
  impl([x, h], p, out) {
    const sel = selectedIndices(x!, p, out.shape);
    const result = allocArray(out.dtype, sel.length);
    for (let i = 0; i < sel.length; i++) result[i] = h!.data[sel[i]!]!;
    return result;
  },
  vjp: (ct, { inputs: [x], params }) => [null, maxPoolScatter(x!, ct, params)],
  jvp: ({ inputs: [x], tangents: [, th], params }) => (th ? maxPoolGather(x!, th, params) : null),
  lowering: { kind: "kernel", kernel: "max_pool_gather" },
});

export function maxPoolRaw(x: Tensor, params: PoolParams): Tensor {
  return bind(maxPoolPrim, [x], params);
}

/** Sends each window's `g` to the element the window selects in `x`; zero elsewhere. */
export function maxPoolScatter(x: Tensor, g: Tensor, params: PoolParams): Tensor {
  return bind(maxPoolScatterPrim, [x, g], params);
}

/** Reads `h` at the element each window selects in `x`. */
export function maxPoolGather(x: Tensor, h: Tensor, params: PoolParams): Tensor {
  return bind(maxPoolGatherPrim, [x, h], params);
}
