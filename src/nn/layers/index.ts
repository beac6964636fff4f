/**
 * Layers as `init`/`apply` pairs over pytrees (dense, convolution, pooling, dropout,
 * normalisation, activations) and the combinators that compose them (serial, parallel, residual).
 * @module
 */
// fx.nn.layers: Layer constructors (init/apply pairs over pytrees) and their combinators.

export type { Layer, Tree, Initialized, InitOptions, ApplyOptions, NoParams, ParamsOf, StateOf } from "./layer.js";
export { dense, type DenseOptions, type DenseParams } from "./dense.js";
export { conv1d, conv2d, conv2dTranspose, type ConvLayerOptions, type ConvTransposeLayerOptions, type ConvParams } from "./conv.js";
export { maxPool2d, avgPool2d, globalAvgPool2d, type PoolLayerOptions } from "./pool.js";
export { flatten, reshape } from "./shape.js";
export { dropout } from "./dropout.js";
export { batchNorm, layerNorm, type BatchNormOptions, type LayerNormOptions, type NormParams, type BatchNormState } from "./norm.js";
export { embedding } from "./embedding.js";
export {
  ACTIVATIONS, activation, type ActivationName, identity, sigmoid, tanh, relu, relu6, selu, silu, swish, softplus, softsign, logSigmoid,
  hardTanh, leakyRelu, elu, gelu, softmax, logSoftmax, maxout, prelu,
} from "./activation.js";
export { serial, parallel, residual, type ParallelOptions, type CombinedLayer, type ParamsOfLayers, type StateOfLayers } from "./combinators.js";
