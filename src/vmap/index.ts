// The batching transform: `vmap` and its per-primitive batching rules.

export { vmap, type VmapOptions, type AxisSpec } from "./vmap.js";
export { batchingRules, type BatchRule, type BatchedPrimitiveName } from "./rules.js";
