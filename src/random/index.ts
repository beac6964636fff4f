/**
 * Functional random numbers: explicit PRNG keys (counter-based Threefry-2x32 with JAX's bits),
 * split and folded, and samplers that take a key.
 * @module
 */
// fx.random: functional PRNG keys (counter-based Threefry-2x32, JAX's bits) and samplers.

export { key, split, splitKeys, foldIn, keyData, bits } from "./keys.js";
export { uniform, normal, truncatedNormal, bernoulli, randint, categorical, type UniformOptions } from "./samplers.js";
export { permutation, shuffle } from "./permute.js";
