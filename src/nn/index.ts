// fx.nn: what a model author composes networks from — activations, losses and penalties
// (fx.nn.losses), and classification metrics.

export * from "./activations.js";
export * as losses from "./losses.js";
export * from "./metrics.js";
