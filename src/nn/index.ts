/**
 * What a model author composes networks from: activations, losses and penalties (`nn.losses`),
 * classification metrics, initialisers (`nn.init`), layers (`nn.layers`), ready-made models
 * (`nn.models`) and `summary`.
 * @module
 */
// fx.nn: what a model author composes networks from — activations, losses and penalties
// (fx.nn.losses), classification metrics, parameter initialisers (fx.nn.init), layers
// (fx.nn.layers), ready-made models (fx.nn.models) and `summary`.

export * from "./activations.js";
export * as losses from "./losses.js";
export * from "./metrics.js";
export * as init from "./init.js";
export * as layers from "./layers/index.js";
export * as models from "./models.js";
export { summary, type Summary, type SummaryRow, type SummaryOptions } from "./summary.js";
export { ensemble, memberAccuracies, type Ensemble, type EnsembleStep, type EnsembleLoss, type Combine } from "./ensemble.js";
