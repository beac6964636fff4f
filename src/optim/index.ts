/**
 * Optimisers as pure `init`/`update` pairs over pytrees (optax's design): sgd, momentum, adam and
 * the rest, the transformations they chain with, and learning-rate schedules.
 * @module
 */
// fx.optim: optimisers as pure init/update pairs over pytrees (optax's design), the
// transformations they chain with, and learning-rate schedules (fx.optim.schedules).

export { type GradientTransformation, type Count, type EmptyState, type LearningRate, type Schedule, applyUpdates, chain } from "./base.js";
export { sgd, momentum, nesterov, type SgdState, type MomentumState } from "./sgd.js";
export {
  adagrad,
  rmsprop,
  adam,
  adamw,
  type AdagradOptions,
  type AdagradState,
  type RmspropOptions,
  type RmspropState,
  type AdamOptions,
  type AdamWOptions,
  type AdamState,
} from "./adaptive.js";
export { lion, lamb, type LionOptions, type LionState, type LambOptions } from "./modern.js";
export { clipByGlobalNorm, clipByValue, addWeightDecay, scale, scaleByLearningRate, scaleUpdates, globalNorm } from "./transforms.js";
export * as schedules from "./schedules.js";
