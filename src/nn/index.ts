// fx.nn: what a model author composes networks from — activations, losses and penalties
// (fx.nn.losses), classification metrics and parameter initialisers (fx.nn.init).

export * from "./activations.js";
export * as losses from "./losses.js";
export * from "./metrics.js";
export * as init from "./init.js";
