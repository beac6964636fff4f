// Activation functions, each a composite of fluxion's primitives (so grad, jit and the
// printed IR need nothing new). Two concerns shape every formula:
// - Stability: no branch ever sees an input that overflows. `where` sends a zero cotangent to
//   the branch it did not pick, and 0 · Inf is NaN, so each branch's input is clamped to the
//   range where that branch is used (elu's expm1 sees min(x, 0), softplus's exp sees −|x|).
// - Kinks: the derivative at a kink is the one-sided value of the flat side wherever the
//   function leaves the identity, as PyTorch does (and JAX for relu and relu6): relu'(0) = 0,
//   relu6'(0) = relu6'(6) = 0, hardTanh'(±1) = 0, leakyRelu'(0) = α, elu'(0) = α. Kinks are
//   written with `where` (which sends the whole gradient to the branch it picks), never with
//   maximum/minimum, whose gradient at a tie is a convention of its own.
// All of them propagate NaN and expect a float tensor.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import { isFloat } from "../tensor/dtype.js";
import { normalizeAxis } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { type TensorLike, toTensors } from "../prims/elementwise.js";
import { add, div, mul, sub } from "../prims/binary.js";
import { greater, greaterEqual, lessEqual, where } from "../prims/compare.js";
import { abs, exp, expm1, isFinite, log, log1p, neg, sigmoid as sigmoidPrim, stopGradient, tanh as tanhPrim } from "../prims/unary.js";
import { max, sum } from "../prims/reduce.js";
import { reshape } from "../prims/layout.js";
import { type AxisOptions, axisOption } from "../prims/movement.js";
import { describeValue } from "../options/describe.js";
import { erfc } from "./erfc.js";
import { Bool } from "../options/codecs.js";
import { decodeOptions, optionsCodec } from "./options.js";

/** The input as a float tensor, or a DTypeError naming the activation. */
function floatInput(op: string, x: TensorLike): Tensor {
  const [tensor] = toTensors(op, [x]);
  if (!isFloat(tensor!.dtype)) {
    throw new DTypeError(`${op}: expects a float tensor, got ${tensor!.dtype}${fmtShape(tensor!.shape)}; cast it with fx.cast(x, "float32")`);
  }
  return tensor!;
}

function finiteNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} must be a finite number, got ${describeValue(v)}`);
  return v;
}

/** The identity: x itself. */
export function identity(x: TensorLike): Tensor {
  return floatInput("identity", x);
}

/** The logistic function 1 / (1 + e^(−x)), safe for large |x| (fluxion's primitive). */
export function sigmoid(x: TensorLike): Tensor {
  return sigmoidPrim(floatInput("sigmoid", x));
}

/** The hyperbolic tangent (fluxion's primitive). */
export function tanh(x: TensorLike): Tensor {
  return tanhPrim(floatInput("tanh", x));
}

/**
 * x clamped to [lo, hi] as nested wheres: the ends are picked where x ≤ lo or x ≥ hi (so the
 * derivative there is 0), and NaN, failing both comparisons, passes through.
 */
function clamp(x: Tensor, lo: number, hi: number): Tensor {
  return where(lessEqual(x, lo), lo, where(greaterEqual(x, hi), hi, x));
}

/** max(0, x); relu'(0) = 0. */
export function relu(x: TensorLike): Tensor {
  const v = floatInput("relu", x);
  return where(lessEqual(v, 0), 0, v);
}

/** min(max(0, x), 6); the derivative is 0 at both kinks, 0 and 6. */
export function relu6(x: TensorLike): Tensor {
  return clamp(floatInput("relu6", x), 0, 6);
}

/** x clamped to [min, max] (default [−1, 1]); the derivative is 0 at both ends. */
export function hardTanh(x: TensorLike, minValue = -1, maxValue = 1): Tensor {
  const lo = finiteNumber("hardTanh", "minValue", minValue);
  const hi = finiteNumber("hardTanh", "maxValue", maxValue);
  if (!(lo < hi)) throw new ValueError(`hardTanh: minValue ${lo} must be below maxValue ${hi}`);
  return clamp(floatInput("hardTanh", x), lo, hi);
}

/** x for x > 0, αx otherwise (α = 0.01 by default); the derivative at 0 is α. */
export function leakyRelu(x: TensorLike, alpha = 0.01): Tensor {
  const a = finiteNumber("leakyRelu", "alpha", alpha);
  const v = floatInput("leakyRelu", x);
  return where(greater(v, 0), v, mul(v, a));
}

/**
 * Parametric ReLU: x for x > 0, α·x otherwise, with α a tensor (learned) that broadcasts
 * against x (a scalar, or one slope per channel shaped to broadcast). The derivative at 0 is α.
 */
export function prelu(x: TensorLike, alpha: TensorLike): Tensor {
  const v = floatInput("prelu", x);
  // A JS number stays weakly typed (x's dtype), as in every fluxion op.
  const a = typeof alpha === "number" ? alpha : floatInput("prelu", alpha);
  return where(greater(v, 0), v, mul(v, a));
}

/** x for x > 0, α(eˣ − 1) otherwise (α = 1 by default); the derivative at 0 is α. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  const a = finiteNumber("elu", "alpha", alpha);
  return eluOf(floatInput("elu", x), a);
}

function eluOf(v: Tensor, alpha: number): Tensor {
  // expm1 sees only min(x, 0) (x itself at 0, so the derivative there is α), so the branch
  // not taken never overflows.
  const positive = greater(v, 0);
  return where(positive, v, mul(alpha, expm1(where(positive, 0, v))));
}

/** SELU's constants λ and α (Klambauer et al. 2017), to float64 precision. */
export const SELU_SCALE = 1.0507009873554804934193349852946;
/** SELU's α (see `SELU_SCALE`). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;

/** Scaled ELU: λ·elu(x, α) with the self-normalising constants. */
export function selu(x: TensorLike): Tensor {
  return mul(SELU_SCALE, eluOf(floatInput("selu", x), SELU_ALPHA));
}

/** x·σ(x), also called swish. */
export function silu(x: TensorLike): Tensor {
  const v = floatInput("silu", x);
  return mul(v, sigmoidPrim(v));
}

/** Alias of silu (swish with β = 1). */
export function swish(x: TensorLike): Tensor {
  const v = floatInput("swish", x);
  return mul(v, sigmoidPrim(v));
}

/**
 * log(1 + eˣ), computed as x + log1p(e^(−x)) for x > 0 and log1p(eˣ) otherwise, so exp only
 * ever sees −|x| and the derivative at 0 is σ(0) = ½.
 */
export function softplus(x: TensorLike): Tensor {
  return softplusOf(floatInput("softplus", x));
}

function softplusOf(v: Tensor): Tensor {
  const positive = greater(v, 0);
  const pos = where(positive, v, 0);
  const nonPos = where(positive, 0, v);
  return where(positive, add(pos, log1p(exp(neg(pos)))), log1p(exp(nonPos)));
}

/** log σ(x) = −softplus(−x), finite for every finite x. */
export function logSigmoid(x: TensorLike): Tensor {
  return neg(softplusOf(neg(floatInput("logSigmoid", x))));
}

/** x / (1 + |x|). */
export function softsign(x: TensorLike): Tensor {
  const v = floatInput("softsign", x);
  return div(v, add(1, abs(v)));
}

const GeluOptions = optionsCodec("GeluOptions", { approximate: Bool });

/**
 * GELU, x·Φ(x) with Φ the standard normal CDF (`approximate: false`, the default, as in
 * PyTorch), or the tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (`approximate: true`, JAX's
 * default), computed as x·σ(2√(2/π)(x + 0.044715x³)) — the same function, without the
 * cancellation of 1 + tanh(u) near −1 that costs float32 three digits at x ≈ −4.
 * Φ(x) = ½erfc(−x/√2) with erfc a rational-exponential fit (erfc.ts): measured against mpmath
 * on [−12, 12], relative error ≤ 1.05e-7 in the value and absolute error ≤ 8.7e-8 in the
 * derivative, in float64 (float32 adds its own rounding) — not float64-exact.
 */
export function gelu(x: TensorLike, options?: { approximate?: boolean }): Tensor {
  const { approximate } = decodeOptions("gelu", GeluOptions, options);
  const v = floatInput("gelu", x);
  if (approximate) {
    const inner = mul(2 * Math.sqrt(2 / Math.PI), add(v, mul(0.044715, mul(v, mul(v, v)))));
    return mul(v, sigmoidPrim(inner));
  }
  return mul(v, mul(0.5, erfc(mul(v, -Math.SQRT1_2))));
}

/** The axis of `x` a softmax-like function reduces over (a single axis, default −1). */
function softmaxAxis(op: string, x: Tensor, options: unknown): number {
  const axis = axisOption(op, options, -1);
  if (x.shape.length === 0) throw new ShapeError(`${op}: needs at least one axis, got a scalar`);
  const a = normalizeAxis(op, axis, x.shape.length);
  if (x.shape[a] === 0) throw new ShapeError(`${op}: axis ${a} of shape ${fmtShape(x.shape)} is empty`);
  return a;
}

/** x − max(x) along the axis: the max is held constant for differentiation (the result does not depend on it). */
function shiftByMax(x: Tensor, axis: number): Tensor {
  const m = stopGradient(max(x, { axis, keepDims: true }));
  // A non-finite max (all −∞, or a +∞) is not subtracted, so the outcome is that of the plain formula.
  return sub(x, where(isFinite(m), m, 0));
}

/**
 * eˣ / Σ eˣ along `axis` (default −1), computed from x − max(x) so that exp never overflows.
 *
 * @example
 * fx.nn.softmax(logits);                // over the last axis
 * fx.nn.softmax(logits, { axis: 0 });
 */
export function softmax(x: TensorLike, options: AxisOptions = {}): Tensor {
  const v = floatInput("softmax", x);
  const a = softmaxAxis("softmax", v, options);
  const e = exp(shiftByMax(v, a));
  return div(e, sum(e, { axis: a, keepDims: true }));
}

/**
 * x − log Σ eˣ along `axis` (default −1), computed as s − log Σ eˢ with s = x − max(x).
 *
 * @example
 * fx.nn.logSoftmax(logits, { axis: -1 });
 */
export function logSoftmax(x: TensorLike, options: AxisOptions = {}): Tensor {
  const v = floatInput("logSoftmax", x);
  const a = softmaxAxis("logSoftmax", v, options);
  const s = shiftByMax(v, a);
  return sub(s, log(sum(exp(s), { axis: a, keepDims: true })));
}

/**
 * Maxout: the axis (default −1) of length n is cut into n/k groups of k consecutive features
 * and each group is replaced by its maximum (the gradient of a tie is shared equally).
 *
 * @example
 * fx.nn.maxout(fx.ones([8, 6]), 2);             // shape [8, 3]
 * fx.nn.maxout(fx.ones([6, 8]), 3, { axis: 0 }); // shape [2, 8]
 */
export function maxout(x: TensorLike, k: number, options: AxisOptions = {}): Tensor {
  const axis = axisOption("maxout", options, -1, "maxout(x, k, { axis: … })");
  const v = floatInput("maxout", x);
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`maxout: k must be a positive integer, got ${describeValue(k)}`);
  if (v.shape.length === 0) throw new ShapeError("maxout: needs at least one axis, got a scalar");
  const a = normalizeAxis("maxout", axis, v.shape.length);
  const n = v.shape[a]!;
  if (n % k !== 0) throw new ShapeError(`maxout: axis ${a} of shape ${fmtShape(v.shape)} (length ${n}) does not divide into groups of ${k}`);
  const grouped = [...v.shape.slice(0, a), n / k, k, ...v.shape.slice(a + 1)];
  return max(reshape(v, grouped), { axis: a + 1 });
}
