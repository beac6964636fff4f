/**
 * Parameter initialisers: each is a function (key, shape, options?) → Tensor that layers take
 * (glorot, he, lecun, normal, uniform, zeros, …).
 * @module
 */
// fx.nn.init: parameter initialisers. Each is an `Initializer`, a function
// (key, shape, options?) → Tensor, so layers can take any of them (or a user's own).
//
// Fans (how many inputs feed a unit and how many units a input feeds) follow the layouts of
// fluxion's layers:
//   rank 2, a dense weight [in, out]:              fanIn = in, fanOut = out
//   rank ≥ 3, a conv filter OIHW [O, I, k…]:        fanIn = I·∏k, fanOut = O·∏k  (PyTorch's rule)
//   rank 1 (a bias [n]):                           fanIn = fanOut = n
//   rank 0:                                        fanIn = fanOut = 1
//
// The variance-scaling initialisers draw as JAX's `variance_scaling` does: "uniform" is
// U[−1, 1)·√(3·var), "normal" is a normal truncated to ±2 and rescaled by 1/0.8796… (the standard
// deviation of that truncated normal) so the variance is exactly the promised one.

import { ValueError } from "../errors.js";
import { add, div, matmul, mul, sqrt, sub, sum, transpose, reshape, cast } from "../prims/index.js";
import { checkKey, checkSampleShape } from "../random/keys.js";
import { DTypeCodec, FiniteNumber, FloatDTypeCodec, optionsObject } from "../options/codecs.js";
import { checkOptions } from "../options/validate.js";
import { normal, truncatedNormal, uniform } from "../random/samplers.js";
import { fromArray, full, zeros as zerosOf } from "../tensor/create.js";
import type { DType } from "../tensor/dtype.js";
import { sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** Options of an initialiser: the dtype and a gain. */
export interface InitOptions {
  /** float32 (default) or float64; zeros/ones/constant also accept int32 and bool. */
  readonly dtype?: DType;
  /** Multiplies the standard deviation (variance by gain²); default 1. */
  readonly gain?: number;
}

/** An initialiser: a new parameter tensor of `shape` drawn with `key`. */
export type Initializer = (key: Tensor, shape: readonly number[], options?: InitOptions) => Tensor;

const ScaledOptions = optionsObject({ dtype: FloatDTypeCodec, gain: FiniteNumber });
const FillOptions = optionsObject({ dtype: DTypeCodec });

/** [fanIn, fanOut] of a parameter shape (see the table at the top of this file). */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = sizeOf(shape.slice(2));
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/** The standard deviation of a standard normal truncated to [−2, 2]. */
const TRUNCATED_STD = 0.87962566103423978;

type Mode = "fanIn" | "fanOut" | "fanAvg";
type Distribution = "uniform" | "truncatedNormal";

function varianceScaling(op: string, scale: number, mode: Mode, distribution: Distribution): Initializer {
  return (key, shape, options) => {
    const o = checkOptions(op, ScaledOptions, options);
    checkKey(op, key);
    const dtype = o.dtype ?? "float32";
    const dims = checkSampleShape(op, shape, dtype);
    const gain = o.gain ?? 1;
    if (!Number.isFinite(gain) || gain < 0) throw new ValueError(`${op}: gain must be a finite number >= 0, got ${gain}`);
    if (sizeOf(dims) === 0) return zerosOf(dims, { dtype });
    const [fanIn, fanOut] = computeFans(dims);
    const denominator = mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2;
    const variance = (gain * gain * scale) / denominator;
    if (distribution === "uniform") {
      return mul(uniform(key, dims, { dtype, minval: -1, maxval: 1 }), Math.sqrt(3 * variance));
    }
    return mul(truncatedNormal(key, -2, 2, dims, { dtype }), Math.sqrt(variance) / TRUNCATED_STD);
  };
}

/** Glorot/Xavier uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)); variance 2 / (fanIn + fanOut). */
export const glorotUniform: Initializer = varianceScaling("nn.init.glorotUniform", 1, "fanAvg", "uniform");
/** Glorot/Xavier normal: truncated normal with variance 2 / (fanIn + fanOut). */
export const glorotNormal: Initializer = varianceScaling("nn.init.glorotNormal", 1, "fanAvg", "truncatedNormal");
/** He/Kaiming uniform: U(−l, l) with l = √(6 / fanIn); variance 2 / fanIn (for ReLU networks). */
export const heUniform: Initializer = varianceScaling("nn.init.heUniform", 2, "fanIn", "uniform");
/** He/Kaiming normal: truncated normal with variance 2 / fanIn. */
export const heNormal: Initializer = varianceScaling("nn.init.heNormal", 2, "fanIn", "truncatedNormal");
/** LeCun uniform: U(−l, l) with l = √(3 / fanIn); variance 1 / fanIn (for SELU networks). */
export const lecunUniform: Initializer = varianceScaling("nn.init.lecunUniform", 1, "fanIn", "uniform");
/** LeCun normal: truncated normal with variance 1 / fanIn. */
export const lecunNormal: Initializer = varianceScaling("nn.init.lecunNormal", 1, "fanIn", "truncatedNormal");

/**
 * Orthonormal columns of an m×n matrix (m ≥ n) by classical Gram–Schmidt applied twice per
 * column ("twice is enough" keeps the columns orthogonal to working precision). The R factor
 * this implies has a positive diagonal, which makes Q Haar-distributed when A is Gaussian.
 * Shapes stay fixed across columns, so every step reuses the same compiled kernels.
 */
function orthonormalColumns(a: Tensor): Tensor {
  const [m, n] = a.shape as [number, number];
  let q = zerosOf([m, n], { dtype: a.dtype });
  for (let j = 0; j < n; j++) {
    const unit = new Float64Array(n);
    unit[j] = 1;
    const ej = fromArray(unit, [n, 1]);
    let v = matmul(a, ej);
    for (let pass = 0; pass < 2; pass++) v = sub(v, matmul(q, matmul(transpose(q), v)));
    const column = div(v, sqrt(sum(mul(v, v))));
    q = add(q, matmul(column, transpose(ej)));
  }
  return q;
}

/**
 * A (semi-)orthogonal matrix, reshaped to `shape` and scaled by `gain`: the shape is read as
 * rows = shape[0], columns = ∏ shape[1:] (PyTorch's rule; a dense [in, out] or a conv OIHW
 * filter as [O, I·∏k]). If rows ≥ columns the columns are orthonormal (WᵀW = gain²·I), else the
 * rows (WWᵀ = gain²·I). Drawn as the Q factor of a Gaussian matrix (float64 arithmetic).
 */
export const orthogonal: Initializer = (key, shape, options) => {
  const op = "nn.init.orthogonal";
  const o = checkOptions(op, ScaledOptions, options);
  checkKey(op, key);
  const dims = checkSampleShape(op, shape);
  if (dims.length < 2) throw new ValueError(`${op}: needs a shape of rank >= 2, got [${dims.join(",")}]`);
  const dtype = o.dtype ?? "float32";
  const rows = dims[0]!;
  const cols = sizeOf(dims.slice(1));
  if (rows === 0 || cols === 0) return zerosOf(dims, { dtype });
  const tall = rows >= cols;
  const a = normal(key, tall ? [rows, cols] : [cols, rows], { dtype: "float64" });
  const q = orthonormalColumns(a);
  const w = mul(tall ? q : transpose(q), o.gain ?? 1);
  return reshape(cast(w, dtype), dims);
};

function fill(op: string, value: number, key: Tensor, shape: readonly number[], options: InitOptions | undefined): Tensor {
  const o = checkOptions(op, FillOptions, options);
  checkKey(op, key);
  const dtype = o.dtype ?? "float32";
  return full(checkSampleShape(op, shape, dtype), value, { dtype });
}

/** All zeros (the key is checked, not used). */
export const zeros: Initializer = (key, shape, options) => fill("nn.init.zeros", 0, key, shape, options);
/** All ones (the key is checked, not used). */
export const ones: Initializer = (key, shape, options) => fill("nn.init.ones", 1, key, shape, options);

/** An initialiser that fills with `value`: `constant(0.1)` (as JAX's initializers.constant). */
export function constant(value: number): Initializer {
  if (typeof value !== "number" || Number.isNaN(value)) throw new ValueError(`nn.init.constant: value must be a number, got ${String(value)}`);
  return (key, shape, options) => fill("nn.init.constant", value, key, shape, options);
}
