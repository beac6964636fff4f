// How much work each benchmark of bench/compare.ts is: floating-point operations (a multiply and
// an add count as two) and the fewest bytes a call must move (its inputs read once, its outputs
// written once, float32). docs/performance.md ("Against the machine's limits") quotes these.

import { CONV, CONV_OUT } from "./contenders.js";
import { LENET_PARAMS } from "./lenet.js";
import { BATCH, CLASSES, HIDDEN, INPUT } from "./mlp.js";

export interface Work {
  readonly flops: number;
  readonly bytes: number;
  /** how the numbers were counted */
  readonly formula: string;
}

const F32 = 4;

export function matmulWork(n: number): Work {
  return { flops: 2 * n ** 3, bytes: 3 * n * n * F32, formula: "2n³ FLOPs; A and B read, C written: 3n² floats" };
}

/**
 * The chain tanh(x·a + b)·σ(x) + max(x − 1, 0): 8 elementwise operations per element (mul, add,
 * tanh, sigmoid, mul, sub, max, add), counted as one FLOP each; inlined, tanh and σ cost about
 * 25 arithmetic operations each.
 */
export function chainWork(size: number): Work {
  return { flops: 8 * size, bytes: 2 * size * F32, formula: "8 ops per element; x read, result written: 2N floats" };
}

const MLP_PARAMS = INPUT * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES;

/**
 * MLP step: both products forward and their weight gradients, and the hidden layer's input
 * gradient (dh); the input x needs no gradient, so its product is not computed: 2·B·784·256·2 +
 * 2·B·256·10·3. (The usual "3× the forward" rule, 2·B·(784·256 + 256·10)·3 = 156.1 M at B = 128,
 * counts that product too.) Bias, relu, softmax and the update are a few operations per element,
 * left out (< 1%).
 */
export function mlpWork(batch = BATCH): Work {
  return {
    flops: 2 * batch * INPUT * HIDDEN * 2 + 2 * batch * HIDDEN * CLASSES * 3,
    bytes: (batch * INPUT + batch * CLASSES + 2 * MLP_PARAMS) * F32,
    formula: "2·B·784·256·2 + 2·B·256·10·3 FLOPs (no gradient for x); x, y read, parameters read and written",
  };
}

/** Multiply-adds of a convolution producing [n, o, h, w] from c input channels and k×k filters. */
function convMacs(n: number, o: number, h: number, w: number, c: number, k: number): number {
  return n * o * h * w * c * k * k;
}

/**
 * LeNet-5 step at `batch`: conv1 forward and filter gradient (the input needs no gradient),
 * conv2 forward, input and filter gradients, the three dense layers forward and both gradients
 * (dense 1's input gradient feeds conv2's path, so all are needed). Bias adds, relu and pooling
 * are a few operations per element, left out (< 1%).
 */
export function lenetWork(batch = 64): Work {
  const conv1 = 2 * convMacs(batch, 6, 28, 28, 1, 5);
  const conv2 = 2 * convMacs(batch, 16, 10, 10, 6, 5);
  const dense = 2 * batch * (400 * 120 + 120 * 84 + 84 * 10);
  const params = LENET_PARAMS.reduce((s, [, shape]) => s + (shape as readonly number[]).reduce((a, b) => a * b, 1), 0);
  return {
    flops: 2 * conv1 + 3 * conv2 + 3 * dense,
    bytes: (batch * 28 * 28 + batch * 10 + 2 * params) * F32,
    formula: "conv1 2×(2·B·6·28²·25) + conv2 3×(2·B·16·10²·150) + dense 3×(2·B·(400·120 + 120·84 + 84·10))",
  };
}

/** Conv forward + input and filter gradients: three contractions of the same size. */
export function convWork(n: number = CONV.n): Work {
  const { c, size, o, k } = CONV;
  return {
    flops: 3 * 2 * convMacs(n, o, CONV_OUT, CONV_OUT, c, k),
    bytes: (2 * n * c * size * size + 2 * o * c * k * k + n * o * CONV_OUT * CONV_OUT) * F32,
    formula: "3 × 2·N·O·H′·W′·C·K² FLOPs; x, w, r read, dx, dw written",
  };
}
