// Everything fluxion exports that runs on any host (Node, browsers, workers): tensors and their
// operations, the IR, trace, grad, jit, vmap, tree, random, nn and optim. index.ts (Node) and
// browser.ts add fx.data and fx.train, each in its host's form.

export { Tensor, isTensor, type NestedArray, type TensorJSON } from "./tensor/tensor.js";
export type { DType, TypedArray } from "./tensor/dtype.js";
export type { Shape } from "./tensor/shape.js";
export { tensor, scalar, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye } from "./tensor/create.js";
export type { TensorOptions, TensorData } from "./tensor/create.js";
export * from "./errors.js";

export {
  type TensorLike,
  neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, square, sin, cos, tanh, sigmoid,
  floor, ceil, round, isNaN, isFinite,
  add, sub, mul, div, pow, maximum, minimum,
  equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalNot, where, cast,
  reshape, broadcastTo, transpose,
  sum, prod, max, min, argmax, argmin, type ReduceOptions,
  matmul,
} from "./prims/index.js";
import "./ops/methods.js";

export { Program } from "./ir/program.js";
export type { Eqn, Constant } from "./ir/program.js";
export { Var, Lit, type Aval, type Atom } from "./ir/var.js";
export { verifyProgram, IRError } from "./ir/verify.js";
export { trace } from "./trace/trace.js";
export { evalProgram } from "./trace/interpret.js";

/** Pytrees: flatten, unflatten, map and reduce nested objects, arrays and tuples of tensors. */
export * as tree from "./tree/index.js";
export type { Tree, TensorTree, GradOf, Traced } from "./tree/types.js";
export * as optim from "./optim/index.js";

// autodiff
export { stopGradient } from "./prims/unary.js";
export { grad, valueAndGrad, vjp, jvp, jacobian, hessian, type GradOptions } from "./autodiff/transforms.js";
export { vmap, type VmapOptions, type AxisSpec } from "./vmap/index.js";

// movement primitives and shape / reduction / linear-algebra composites
export { slice, pad, concat, flip, take, gather, scatterAdd, type SliceRange, type PadOptions, type AxisOptions, type AxesOptions } from "./prims/movement.js";
export { expandDims, squeeze, flatten, stack, split, tile, oneHot } from "./ops/shape.js";
export { mean, logSumExp, variance, std, type VarianceOptions } from "./ops/reductions.js";
export { dot, outer } from "./ops/linalg.js";

// convolution and pooling
export { conv1d, conv2d, conv1dTranspose, conv2dTranspose, convolve, type ConvOptions, type ConvTransposeOptions, type ConvolveOptions, type Padding, type SpatialInts } from "./ops/conv.js";
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, globalAvgPool2d, globalMaxPool2d, type PoolOptions, type AvgPoolOptions, type GlobalPoolOptions } from "./ops/pool.js";

// compiler settings: cache bounds, and reference kernels where code generation is off or forbidden
export { setCacheLimits, cacheLimits, clearCaches, type CacheLimits, setCodeGeneration, codeGenerationAvailable } from "./compile/index.js";
export { setBackend, backendInUse, type Backend, type BackendOptions } from "./compile/wasm/backend.js";

// compiler: jit, and compiled kernels for eager operations (installed on import)
export { jit, type JitOptions, type Jitted } from "./compile/index.js";

// functional random keys and samplers
export * as random from "./random/index.js";

// the model author's library
export * as nn from "./nn/index.js";
