// Careless and hostile input (issue 9): every public function that takes options, shapes, axes
// or other structured arguments, called with a random malformed value in one of those
// positions, throws a FluxionError whose message starts with the function's name — never
// another error class, never a result, never a hang.
//
// The table lists each function once: its name, a valid call (checked to succeed), and the
// argument positions to corrupt, each with the kind of value it takes. A kind's junk is a
// list of values that are wrong for EVERY argument of that kind (wrong types, NaN, ±Infinity,
// negative, fractional, huge where the value sizes a tensor, nested junk, null, strings); an
// options position also gets extra and misspelled keys and each key's own junk.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { runs } from "./runs.js";

const HUGE = [1e12, 2 ** 53, 1e300];
/** Wrong for every number-like argument; `{}` too, except where an options object may stand instead. */
const NOT_NUMBERS = ["2", "x", null, { a: 1 }, [[]], () => 1, Symbol("s"), 10n];

/** Values wrong for every argument of each kind (undefined is "not given" and may be valid). */
const junk = {
  posInt: [0, -1, 1.5, NaN, Infinity, -Infinity, true, [], [1.5], [0, 0, 0], {}, ...NOT_NUMBERS],
  count: [-1, 1.5, NaN, Infinity, -Infinity, true, [1], {}, ...HUGE, ...NOT_NUMBERS],
  outputPadding: [-1, 1.5, NaN, Infinity, true, [1, 1, 1], [-1], {}, 1e12, ...NOT_NUMBERS],
  int: [1.5, NaN, Infinity, -Infinity, true, [[0]], 99, -99, {}, ...HUGE, ...NOT_NUMBERS],
  axisArg: [1.5, NaN, Infinity, -Infinity, true, [[0]], [0], 99, -99, { axis: 99 }, { axes: 0 }, ...HUGE, ...NOT_NUMBERS],
  intType: [1.5, NaN, Infinity, -Infinity, true, [[0]], [0], {}, ...NOT_NUMBERS],
  axes: [1.5, NaN, Infinity, true, [0.5], [[0]], ["0"], [0, 0], 99, [99], ...HUGE, "0", { a: 1 }, { axis: "0" }, () => 1],
  argAxis: [1.5, NaN, Infinity, true, [0], 99, ...HUGE, "0", {}, () => 1],
  bool: [1, 0, "true", null, {}, [], NaN, () => true],
  dtype: ["f16", "Float32", "float", 1, null, {}, [], true, () => 1, 10n, Symbol("float32"), Object.create(null)],
  shape: [2, "23", [NaN], [-1], [1.5], [Infinity], [1e6, 1e6], [2 ** 53], [[2]], ["2"], {}, null, true],
  reshapeTarget: [2, "23", [NaN], [-2], [-1, -1], [5], [1.5], [Infinity], [1e6, 1e6], [[2]], ["2"], {}, null, true],
  data: ["abc", {}, [[1], [1, 2]], [null], [["1"]], [[1, [2]]], () => 1, Symbol("s"), [undefined], null],
  padding: [-1, 1.5, NaN, "full", "SAME", [1, 2, 3], [[1, 2, 3], 0], [[-1, 0], 0], [[0.5, 0], 0], {}, null, true, 1e12],
  windowPadding: [-1, 1.5, NaN, "full", [1, 2, 3], [[1, 2, 3], 0], [[-1, 0], 0], {}, null, true, 5, 1e12],
  fn: [1, "f", null, {}, [], true, fx.ones([1])],
  tensorLike: ["x", {}, null, [1, 2], [[1]], () => 1, Symbol("s")],
  tensor: ["x", {}, null, 3, [1, 2], true, () => 1],
  number: [NaN, Infinity, -Infinity, "1", null, {}, [], true, () => 1],
  numberOrBool: ["1", null, {}, [], [1], () => 1, undefined],
  perm: ["ab", [0, 0], [1.5, 0], [0], [0, 1, 2], [0, 99], 5, {}, null, [[0], [1]]],
  sliceSpec: ["abc", [[0.5]], [[1, 2, 3, 4]], [[1, 2, 0]], [[0, 1, -1]], [1], [null, null, null], {}, null, [["0"]]],
  widths: [-1, 1.5, NaN, [[1, 2, 3], [0, 0]], [[1, -1], [0, 0]], [[0, 0]], [1, 2, 3], "1", {}, null, 1e12, [[0, 1e12], [0, 0]]],
  sections: [0, -1, 1.5, NaN, "2", [1.5], [5], [3, 1], 3, {}, null, true],
  reps: [-1, 1.5, NaN, [1.5], [-1], "2", {}, null, true, [1e6, 1e6], 1e12],
  indices: [1.5, "1", [0.5], [[0], [1, 2]], {}, null, true, 99, [99], [-1], [2 ** 32], [NaN], fx.ones([2])],
  oneHotIndices: [1.5, "1", [0.5], [[0], [1, 2]], {}, null, true, [2 ** 32], [NaN], fx.ones([2]), [true]],
  tensorList: [[], "x", {}, null, 5, [fx.ones([2]), "x"], [null], fx.ones([2])],
  argnums: [-1, 1.5, NaN, "0", [0.5], [-1], {}, null, true],
  list: [fx.ones([2]), 5, "x", null, {}, true],
  // fx.random, fx.nn and fx.optim
  key: ["x", {}, null, 3, [0, 1], true, () => 1, fx.ones([2]), fx.tensor([1, 2, 3], { dtype: "int32" })],
  seed: [1.5, NaN, Infinity, -Infinity, "1", null, {}, [], true, () => 1, Symbol("s"), 10n],
  bound: [NaN, "1", null, {}, [], true, () => 1, fx.ones([1])],
  probability: ["x", null, {}, [], true, () => 1, fx.tensor([1], { dtype: "int32" })],
  int32Bound: [1.5, NaN, Infinity, 2 ** 31, "1", null, {}, true, fx.ones([1])],
  int32DType: ["float32", "int", "Int32", 1, null, {}, [], true],
  floatDType: ["int32", "bool", "float16", "Float32", 1, null, {}, [], true, () => 1],
  numberOrTensor: ["1", null, {}, [], [1], true, () => 1],
  permInput: [-1, 1.5, NaN, "5", null, {}, [], 2 ** 31, fx.scalar(1), true],
  floatTensor: ["x", {}, null, 3, [1, 2], true, fx.tensor([1, 2], { dtype: "int32" }), fx.scalar(1)],
  reduction: ["avg", "MEAN", "", 1, null, {}, [], true, () => 1],
  positive: [0, -1, NaN, Infinity, -Infinity, "1", null, {}, [], true, () => 1],
  nonNegative: [-1, -1e-9, NaN, Infinity, -Infinity, "1", null, {}, [], true, () => 1],
  unit: [-0.1, 1.5, NaN, Infinity, "0.1", null, {}, [], true],
  decayRate: [1, -0.1, 1.5, NaN, Infinity, "0.9", null, {}, [], true, () => 0.9],
  learningRate: [-1, NaN, Infinity, -Infinity, "0.1", null, {}, [], true, Symbol("lr")],
  nonNegInt: [-1, 1.5, NaN, Infinity, -Infinity, true, [1], {}, ...NOT_NUMBERS],
  gain: [-1, NaN, Infinity, -Infinity, "1", null, {}, [], true],
  selection: ["biases", "ALL", 1, null, {}, [], true],
  finiteList: ["x", null, {}, 5, [NaN], ["1"], [Infinity], [[1]], true],
  transformation: [{}, null, 1, "x", () => 1, { init: 1 }, { update: () => 1 }, []],
  plateauMode: ["minimum", "MAX", 1, null, {}, true],
  thresholdMode: ["relative", "ABS", 1, null, {}, true],
} as const satisfies Record<string, readonly unknown[]>;

type Kind = keyof typeof junk;
type Spec = Kind | { options: Record<string, Kind> };

interface Row {
  name: string;
  /** The arguments of a valid call. */
  args: () => unknown[];
  call: (...args: any[]) => unknown;
  /** Positions to corrupt: an argument kind, or an options object with the kind of each key. */
  corrupt: [number, Spec][];
}

const x2 = () => fx.ones([2, 3]);
const img1 = () => fx.ones([1, 2, 6]);
const img2 = () => fx.ones([1, 2, 6, 6]);
const f1 = () => fx.ones([2, 2, 3]);
const f2 = () => fx.ones([2, 2, 3, 3]);
const ints = (v: number[]) => fx.tensor(v, { dtype: "int32" });
const scalarFn = (x: fx.Tensor) => fx.sum(fx.mul(x, x));
const dtypeOpt = { options: { dtype: "dtype" } } as const;
const reduceOpt = { options: { axis: "axes", keepDims: "bool" } } as const;
const axisOpt = { options: { axis: "int" } } as const;
const axesOpt = { options: { axis: "axes" } } as const;

const convKeys = { stride: "posInt", padding: "padding", dilation: "posInt", groups: "posInt", bias: "tensorLike" } as const;
const poolKeys = { stride: "posInt", padding: "windowPadding" } as const;

const groups: Record<string, Row[]> = {
  creation: [
    { name: "tensor", args: () => [[1, 2], { dtype: "int32" }], call: fx.tensor, corrupt: [[0, "data"], [1, { options: { dtype: "dtype", shape: "shape" } }]] },
    { name: "scalar", args: () => [1, "float64"], call: fx.scalar, corrupt: [[0, "numberOrBool"], [1, "dtype"]] },
    { name: "zeros", args: () => [[2, 3]], call: fx.zeros, corrupt: [[0, "shape"], [1, dtypeOpt]] },
    { name: "ones", args: () => [[2, 3]], call: fx.ones, corrupt: [[0, "shape"], [1, dtypeOpt]] },
    { name: "full", args: () => [[2], 7], call: fx.full, corrupt: [[0, "shape"], [1, "numberOrBool"], [2, dtypeOpt]] },
    { name: "zerosLike", args: () => [x2()], call: fx.zerosLike, corrupt: [[0, "tensor"], [1, dtypeOpt]] },
    { name: "onesLike", args: () => [x2()], call: fx.onesLike, corrupt: [[0, "tensor"], [1, dtypeOpt]] },
    { name: "fullLike", args: () => [x2(), 3], call: fx.fullLike, corrupt: [[0, "tensor"], [1, "numberOrBool"], [2, dtypeOpt]] },
    // The options object is passed explicitly: arange also takes one in the step's place (arange(a, b, { dtype })).
    { name: "arange", args: () => [0, 5, 1, {}], call: fx.arange, corrupt: [[0, "number"], [1, "number"], [2, "number"], [3, dtypeOpt]] },
    { name: "linspace", args: () => [0, 1, 5], call: fx.linspace, corrupt: [[0, "number"], [1, "number"], [2, "count"], [3, dtypeOpt]] },
    { name: "eye", args: () => [3, 2], call: fx.eye, corrupt: [[0, "count"], [1, "count"], [2, { options: { k: "intType", dtype: "dtype" } }]] },
    { name: "cast", args: () => [x2(), "int32"], call: fx.cast, corrupt: [[1, "dtype"]] },
  ],
  layout: [
    { name: "reshape", args: () => [x2(), [3, -1]], call: fx.reshape, corrupt: [[1, "reshapeTarget"]] },
    { name: "broadcastTo", args: () => [x2(), [4, 2, 3]], call: fx.broadcastTo, corrupt: [[1, "shape"]] },
    { name: "transpose", args: () => [x2(), [1, 0]], call: fx.transpose, corrupt: [[1, "perm"]] },
    { name: "expandDims", args: () => [x2(), { axis: 1 }], call: fx.expandDims, corrupt: [[1, "axes"], [1, axesOpt]] },
    { name: "squeeze", args: () => [fx.ones([2, 1]), { axis: 1 }], call: fx.squeeze, corrupt: [[1, "axes"], [1, axesOpt]] },
    { name: "flatten", args: () => [x2(), { startAxis: 0 }], call: fx.flatten, corrupt: [[1, { options: { startAxis: "int", endAxis: "int" } }]] },
    { name: "tile", args: () => [x2(), [2, 1]], call: fx.tile, corrupt: [[1, "reps"]] },
  ],
  reductions: [
    ...(["sum", "prod", "max", "min", "mean", "logSumExp"] as const).map((name): Row => ({ name, args: () => [x2(), { axis: 0 }], call: fx[name], corrupt: [[1, reduceOpt]] })),
    ...(["argmax", "argmin"] as const).map((name): Row => ({ name, args: () => [x2(), { axis: 1 }], call: fx[name], corrupt: [[1, { options: { axis: "argAxis", keepDims: "bool" } }]] })),
    ...(["variance", "std"] as const).map((name): Row => ({ name, args: () => [x2(), { ddof: 1 }], call: fx[name], corrupt: [[1, { options: { axis: "axes", keepDims: "bool", ddof: "count" } }]] })),
  ],
  movement: [
    { name: "slice", args: () => [x2(), [[0, 1], null]], call: fx.slice, corrupt: [[1, "sliceSpec"]] },
    { name: "pad", args: () => [x2(), 1, { value: 0 }], call: fx.pad, corrupt: [[1, "widths"], [2, { options: { value: "numberOrBool", interior: "reps" } }]] },
    { name: "concat", args: () => [[x2(), x2()], { axis: 1 }], call: fx.concat, corrupt: [[0, "tensorList"], [1, "axisArg"], [1, axisOpt]] },
    { name: "stack", args: () => [[x2(), x2()], { axis: 0 }], call: fx.stack, corrupt: [[0, "tensorList"], [1, "axisArg"], [1, axisOpt]] },
    { name: "split", args: () => [fx.ones([4, 2]), 2], call: fx.split, corrupt: [[1, "sections"], [2, "axisArg"], [2, axisOpt]] },
    { name: "flip", args: () => [x2(), { axis: 0 }], call: fx.flip, corrupt: [[1, "axes"], [1, axesOpt]] },
    { name: "take", args: () => [x2(), [1, 0]], call: fx.take, corrupt: [[1, "indices"], [2, "axisArg"], [2, axisOpt]] },
    { name: "gather", args: () => [x2(), ints([2]), { axis: 1 }], call: fx.gather, corrupt: [[1, "indices"], [2, axisOpt]] },
    {
      name: "scatterAdd",
      args: () => [x2(), [0, 1], 3],
      call: fx.scatterAdd,
      corrupt: [[0, "tensor"], [1, "indices"], [2, "count"], [3, axisOpt]],
    },
    { name: "oneHot", args: () => [ints([0, 2]), 3], call: fx.oneHot, corrupt: [[0, "oneHotIndices"], [1, "count"], [2, dtypeOpt]] },
  ],
  convolution: [
    { name: "conv1d", args: () => [img1(), f1(), { padding: 1 }], call: fx.conv1d, corrupt: [[2, { options: convKeys }]] },
    { name: "conv2d", args: () => [img2(), f2(), { stride: 2 }], call: fx.conv2d, corrupt: [[2, { options: convKeys }]] },
    {
      name: "conv1dTranspose",
      args: () => [img1(), f1(), { stride: 2 }],
      call: fx.conv1dTranspose,
      corrupt: [[2, { options: { ...convKeys, outputPadding: "outputPadding" } }]],
    },
    {
      name: "conv2dTranspose",
      args: () => [img2(), f2(), { stride: 2 }],
      call: fx.conv2dTranspose,
      corrupt: [[2, { options: { ...convKeys, outputPadding: "outputPadding" } }]],
    },
    { name: "convolve", args: () => [fx.ones([5]), fx.ones([2]), { mode: "same" }], call: fx.convolve, corrupt: [[2, { options: { mode: "dtype" } }]] },
  ],
  pooling: [
    { name: "maxPool1d", args: () => [img1(), 2], call: fx.maxPool1d, corrupt: [[1, "posInt"], [2, { options: poolKeys }]] },
    { name: "maxPool2d", args: () => [img2(), 2], call: fx.maxPool2d, corrupt: [[1, "posInt"], [2, { options: poolKeys }]] },
    { name: "avgPool1d", args: () => [img1(), 3], call: fx.avgPool1d, corrupt: [[1, "posInt"], [2, { options: { ...poolKeys, countIncludePad: "bool" } }]] },
    { name: "avgPool2d", args: () => [img2(), 3], call: fx.avgPool2d, corrupt: [[1, "posInt"], [2, { options: { ...poolKeys, countIncludePad: "bool" } }]] },
    { name: "globalAvgPool2d", args: () => [img2()], call: fx.globalAvgPool2d, corrupt: [[1, { options: { keepDims: "bool" } }]] },
    { name: "globalMaxPool2d", args: () => [img2()], call: fx.globalMaxPool2d, corrupt: [[1, { options: { keepDims: "bool" } }]] },
  ],
  transforms: [
    { name: "grad", args: () => [scalarFn, { argnums: 0 }], call: (f, o) => fx.grad(f, o)(x2()), corrupt: [[0, "fn"], [1, { options: { argnums: "argnums", hasAux: "bool" } }]] },
    {
      name: "valueAndGrad",
      args: () => [scalarFn, { hasAux: false }],
      call: (f, o) => fx.valueAndGrad(f, o)(x2()),
      corrupt: [[0, "fn"], [1, { options: { argnums: "argnums", hasAux: "bool" } }]],
    },
    { name: "jacobian", args: () => [fx.exp, {}], call: (f, o) => fx.jacobian(f, o)(x2()), corrupt: [[0, "fn"], [1, { options: { argnums: "argnums" } }]] },
    { name: "hessian", args: () => [scalarFn, {}], call: (f, o) => fx.hessian(f, o)(fx.ones([2])), corrupt: [[0, "fn"], [1, { options: { argnums: "argnums" } }]] },
    { name: "vjp", args: () => [fx.exp, x2()], call: fx.vjp, corrupt: [[0, "fn"]] },
    { name: "jvp", args: () => [fx.exp, [x2()], [x2()]], call: fx.jvp, corrupt: [[0, "fn"], [1, "list"], [2, "list"]] },
    {
      name: "jit",
      args: () => [fx.exp, {}, {}],
      call: (f, o, c) => fx.jit(f, o, c)(x2()),
      corrupt: [[0, "fn"], [1, { options: { staticArgnums: "argnums" } }], [2, { options: { optimize: "bool", fuse: "bool", verify: "bool" } }]],
    },
  ],
};

const key0 = () => fx.random.key(0);
const logits = () => fx.tensor([[1, 2, 3], [3, 1, 2]]);
const labels = () => ints([2, 0]);
const lossOpt = { options: { reduction: "reduction" } } as const;
const params = () => ({ w: fx.ones([2, 2]), b: fx.zeros([2]) });
const floatDTypeOpt = { options: { dtype: "floatDType" } } as const;

/** Rows for fx.random, fx.nn and fx.optim (names as their messages start). */
const libraryGroups: Record<string, Row[]> = {
  random: [
    { name: "random.key", args: () => [0], call: fx.random.key, corrupt: [[0, "seed"]] },
    { name: "random.split", args: () => [key0(), 2], call: fx.random.split, corrupt: [[0, "key"], [1, "count"]] },
    { name: "random.splitKeys", args: () => [key0(), 2], call: fx.random.splitKeys, corrupt: [[0, "key"], [1, "count"]] },
    { name: "random.foldIn", args: () => [key0(), 3], call: fx.random.foldIn, corrupt: [[0, "key"], [1, "seed"]] },
    { name: "random.keyData", args: () => [key0()], call: fx.random.keyData, corrupt: [[0, "key"]] },
    { name: "random.bits", args: () => [key0(), [2, 3]], call: fx.random.bits, corrupt: [[0, "key"], [1, "shape"]] },
    {
      name: "random.uniform",
      args: () => [key0(), [2, 3], { minval: -1 }],
      call: fx.random.uniform,
      corrupt: [[0, "key"], [1, "shape"], [2, { options: { dtype: "floatDType", minval: "numberOrTensor", maxval: "numberOrTensor" } }]],
    },
    { name: "random.normal", args: () => [key0(), [2, 3]], call: fx.random.normal, corrupt: [[0, "key"], [1, "shape"], [2, floatDTypeOpt]] },
    {
      name: "random.truncatedNormal",
      args: () => [key0(), -1, 1, [3]],
      call: fx.random.truncatedNormal,
      corrupt: [[0, "key"], [1, "bound"], [2, "bound"], [3, "shape"], [4, floatDTypeOpt]],
    },
    { name: "random.bernoulli", args: () => [key0(), 0.3, [3]], call: fx.random.bernoulli, corrupt: [[0, "key"], [1, "probability"], [2, "shape"]] },
    {
      name: "random.randint",
      args: () => [key0(), [3], 0, 5],
      call: fx.random.randint,
      corrupt: [[0, "key"], [1, "shape"], [2, "int32Bound"], [3, "int32Bound"], [4, { options: { dtype: "int32DType" } }]],
    },
    {
      name: "random.categorical",
      args: () => [key0(), logits(), { axis: -1 }],
      call: fx.random.categorical,
      corrupt: [[0, "key"], [1, "floatTensor"], [2, { options: { axis: "int", shape: "shape" } }]],
    },
    {
      name: "random.permutation",
      args: () => [key0(), fx.ones([4, 2]), { axis: 0 }],
      call: fx.random.permutation,
      corrupt: [[0, "key"], [1, "permInput"], [2, { options: { axis: "int", independent: "bool" } }]],
    },
    { name: "random.shuffle", args: () => [key0(), fx.ones([4, 2])], call: fx.random.shuffle, corrupt: [[0, "key"], [1, "tensor"], [2, axisOpt]] },
  ],
  "nn activations": [
    { name: "gelu", args: () => [x2(), { approximate: true }], call: fx.nn.gelu, corrupt: [[0, "tensorLike"], [1, { options: { approximate: "bool" } }]] },
    ...(["softmax", "logSoftmax"] as const).map((name): Row => ({ name, args: () => [x2(), { axis: -1 }], call: fx.nn[name], corrupt: [[0, "tensorLike"], [1, "axisArg"], [1, axisOpt]] })),
    { name: "maxout", args: () => [fx.ones([2, 4]), 2, { axis: -1 }], call: fx.nn.maxout, corrupt: [[0, "tensorLike"], [1, "posInt"], [2, "axisArg"], [2, axisOpt]] },
    ...(["leakyRelu", "elu"] as const).map((name): Row => ({ name, args: () => [x2(), 0.5], call: fx.nn[name], corrupt: [[0, "tensorLike"], [1, "number"]] })),
    { name: "hardTanh", args: () => [x2(), -1, 1], call: fx.nn.hardTanh, corrupt: [[0, "tensorLike"], [1, "number"], [2, "number"]] },
    { name: "prelu", args: () => [x2(), 0.1], call: fx.nn.prelu, corrupt: [[0, "tensorLike"], [1, "tensorLike"]] },
  ],
  "nn losses": [
    ...(["mse", "mae", "binaryCrossEntropy"] as const).map((name): Row => ({
      name,
      args: () => [fx.tensor([0.5, 0.2]), fx.tensor([1, 0])],
      call: fx.nn.losses[name],
      corrupt: [[0, "tensorLike"], [1, "tensorLike"], [2, lossOpt]],
    })),
    {
      name: "huber",
      args: () => [fx.tensor([0.5, 0.2]), fx.tensor([1, 0]), { delta: 0.5 }],
      call: fx.nn.losses.huber,
      corrupt: [[0, "tensorLike"], [1, "tensorLike"], [2, { options: { reduction: "reduction", delta: "positive" } }]],
    },
    {
      name: "softmaxCrossEntropy",
      args: () => [logits(), labels(), { labelSmoothing: 0.1 }],
      call: fx.nn.losses.softmaxCrossEntropy,
      corrupt: [[0, "tensorLike"], [1, "tensorLike"], [2, { options: { reduction: "reduction", labelSmoothing: "unit" } }]],
    },
    { name: "nll", args: () => [fx.nn.logSoftmax(logits()), labels()], call: fx.nn.losses.nll, corrupt: [[0, "tensorLike"], [1, "tensorLike"], [2, lossOpt]] },
    {
      name: "klDivergence",
      args: () => [fx.nn.logSoftmax(logits()), fx.nn.softmax(logits())],
      call: fx.nn.losses.klDivergence,
      corrupt: [[0, "tensorLike"], [1, "tensorLike"], [2, lossOpt]],
    },
    { name: "hinge", args: () => [fx.tensor([0.5, -2]), fx.tensor([1, -1])], call: fx.nn.losses.hinge, corrupt: [[0, "tensorLike"], [1, "tensorLike"], [2, lossOpt]] },
  ],
  "nn penalties and metrics": [
    ...(["l1", "l2"] as const).map((name): Row => ({ name, args: () => [params(), { include: "weights" }], call: fx.nn.losses[name], corrupt: [[1, { options: { include: "selection" } }]] })),
    {
      name: "elasticNet",
      args: () => [params(), 0.1, 0.5],
      call: fx.nn.losses.elasticNet,
      corrupt: [[1, "nonNegative"], [2, "unit"], [3, { options: { include: "selection" } }]],
    },
    { name: "accuracy", args: () => [logits(), labels()], call: fx.nn.accuracy, corrupt: [[0, "tensorLike"], [1, "tensorLike"]] },
    { name: "topK", args: () => [logits(), labels(), 2], call: fx.nn.topK, corrupt: [[0, "tensorLike"], [1, "tensorLike"], [2, "posInt"]] },
  ],
  "nn init": [
    ...(["glorotUniform", "glorotNormal", "heUniform", "heNormal", "lecunUniform", "lecunNormal"] as const).map((name): Row => ({
      name: `nn.init.${name}`,
      args: () => [key0(), [3, 4], { gain: 2 }],
      call: fx.nn.init[name],
      corrupt: [[0, "key"], [1, "shape"], [2, { options: { dtype: "floatDType", gain: "gain" } }]],
    })),
    {
      name: "nn.init.orthogonal",
      args: () => [key0(), [3, 4]],
      call: fx.nn.init.orthogonal,
      corrupt: [[0, "key"], [1, "shape"], [2, floatDTypeOpt]],
    },
    ...(["zeros", "ones"] as const).map((name): Row => ({ name: `nn.init.${name}`, args: () => [key0(), [3]], call: fx.nn.init[name], corrupt: [[0, "key"], [1, "shape"], [2, dtypeOpt]] })),
    {
      name: "nn.init.constant",
      args: () => [0.5, key0(), [3]],
      call: (v, k, s, o) => fx.nn.init.constant(v)(k, s, o),
      corrupt: [[0, "bound"], [1, "key"], [2, "shape"], [3, dtypeOpt]],
    },
  ],
  optimisers: [
    ...(["sgd", "scaleByLearningRate"] as const).map((name): Row => ({ name, args: () => [0.1], call: fx.optim[name], corrupt: [[0, "learningRate"]] })),
    ...(["momentum", "nesterov"] as const).map((name): Row => ({ name, args: () => [0.1, 0.9], call: fx.optim[name], corrupt: [[0, "learningRate"], [1, "decayRate"]] })),
    {
      name: "adagrad",
      args: () => [0.1, { eps: 1e-8 }],
      call: fx.optim.adagrad,
      corrupt: [[0, "learningRate"], [1, { options: { eps: "nonNegative", initialAccumulator: "nonNegative" } }]],
    },
    {
      name: "rmsprop",
      args: () => [0.1, { centered: true }],
      call: fx.optim.rmsprop,
      corrupt: [[0, "learningRate"], [1, { options: { decay: "decayRate", eps: "nonNegative", centered: "bool", momentum: "decayRate" } }]],
    },
    { name: "adam", args: () => [0.1, { b1: 0.8 }], call: fx.optim.adam, corrupt: [[0, "learningRate"], [1, { options: { b1: "decayRate", b2: "decayRate", eps: "nonNegative" } }]] },
    ...(["adamw", "lamb"] as const).map((name): Row => ({
      name,
      args: () => [0.1, { weightDecay: 0.01 }],
      call: fx.optim[name],
      corrupt: [[0, "learningRate"], [1, { options: { b1: "decayRate", b2: "decayRate", eps: "nonNegative", weightDecay: "nonNegative" } }]],
    })),
    { name: "lion", args: () => [0.1, { b2: 0.9 }], call: fx.optim.lion, corrupt: [[0, "learningRate"], [1, { options: { b1: "decayRate", b2: "decayRate", weightDecay: "nonNegative" } }]] },
  ],
  "gradient transforms": [
    { name: "clipByGlobalNorm", args: () => [1], call: fx.optim.clipByGlobalNorm, corrupt: [[0, "positive"]] },
    { name: "clipByValue", args: () => [-1, 1], call: fx.optim.clipByValue, corrupt: [[0, "number"], [1, "number"]] },
    { name: "addWeightDecay", args: () => [0.1], call: fx.optim.addWeightDecay, corrupt: [[0, "nonNegative"]] },
    { name: "scale", args: () => [2], call: fx.optim.scale, corrupt: [[0, "number"]] },
    { name: "scaleUpdates", args: () => [params(), 2], call: fx.optim.scaleUpdates, corrupt: [[1, "tensorLike"]] },
    { name: "chain", args: () => [fx.optim.sgd(1), fx.optim.scale(2)], call: fx.optim.chain, corrupt: [[0, "transformation"], [1, "transformation"]] },
  ],
  schedules: [
    { name: "constant", args: () => [0.1], call: fx.optim.schedules.constant, corrupt: [[0, "number"]] },
    {
      name: "stepDecay",
      args: () => [0.1, { stepSize: 2 }],
      call: fx.optim.schedules.stepDecay,
      corrupt: [[0, "number"], [1, { options: { stepSize: "posInt", factor: "nonNegative" } }]],
    },
    ...(["exponential", "inverseTime"] as const).map((name): Row => ({ name, args: () => [0.1, 0.5], call: fx.optim.schedules[name], corrupt: [[0, "number"], [1, "nonNegative"]] })),
    {
      name: "polynomial",
      args: () => [0.1, { steps: 10 }],
      call: fx.optim.schedules.polynomial,
      corrupt: [[0, "number"], [1, { options: { steps: "posInt", end: "number", power: "positive", begin: "nonNegInt" } }]],
    },
    { name: "cosine", args: () => [0.1, { steps: 10 }], call: fx.optim.schedules.cosine, corrupt: [[0, "number"], [1, { options: { steps: "posInt", alpha: "unit" } }]] },
    {
      name: "warmupCosine",
      args: () => [{ peak: 1, warmupSteps: 2, totalSteps: 10 }],
      call: fx.optim.schedules.warmupCosine,
      corrupt: [[0, { options: { peak: "number", warmupSteps: "nonNegInt", totalSteps: "posInt", init: "number", end: "number" } }]],
    },
    { name: "piecewise", args: () => [[1], [1, 2]], call: fx.optim.schedules.piecewise, corrupt: [[0, "finiteList"], [1, "finiteList"]] },
    {
      name: "reduceOnPlateau",
      args: () => [{ patience: 2 }],
      call: fx.optim.schedules.reduceOnPlateau,
      corrupt: [
        [
          0,
          {
            options: {
              factor: "decayRate",
              patience: "nonNegInt",
              threshold: "nonNegative",
              thresholdMode: "thresholdMode",
              mode: "plateauMode",
              cooldown: "nonNegInt",
              minScale: "nonNegative",
            },
          },
        ],
      ],
    },
  ],
};

/** A key one edit away from a valid one (or a random word), which is not itself valid. */
function unknownKeyArb(valid: readonly string[]): fc.Arbitrary<string> {
  const misspelt = fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.constantFrom("drop", "double", "swapcase", "plural", "upper")).map(([k, i, how]) => {
    const at = i % k.length;
    if (how === "drop") return k.slice(0, at) + k.slice(at + 1);
    if (how === "double") return k.slice(0, at) + k[at] + k.slice(at);
    if (how === "plural") return `${k}s`;
    if (how === "upper") return k.toUpperCase();
    const c = k[at]!;
    return k.slice(0, at) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + k.slice(at + 1);
  });
  return fc.oneof(misspelt, fc.string({ minLength: 1, maxLength: 8 })).filter((k) => !valid.includes(k) && k !== "__proto__");
}

/** A malformed value for one position of a row. */
function malformedArb(spec: Spec, valid: unknown): fc.Arbitrary<unknown> {
  if (typeof spec === "string") return fc.constantFrom(...junk[spec]);
  const keys = Object.keys(spec.options);
  const base = valid !== null && typeof valid === "object" && !Array.isArray(valid) ? valid : {};
  return fc.oneof(
    // not an options object at all
    fc.constantFrom("x", [1], fx.ones([1]), null, true, NaN, () => 0),
    // an extra or misspelled key next to valid ones
    fc.tuple(unknownKeyArb(keys), fc.constantFrom(1, true, "x", null, {})).map(([k, v]) => ({ ...base, [k]: v })),
    // a known key with a value wrong for its kind
    fc.constantFrom(...keys).chain((k) => fc.constantFrom(...junk[spec.options[k]!]).filter((v) => v !== undefined).map((v) => ({ ...base, [k]: v }))),
  );
}

const SLOW_MS = 5_000;

describe.each(Object.entries({ ...groups, ...libraryGroups }))("malformed input to the %s functions", (_group, rows) => {
  it.each(rows.map((r) => [r.name, r] as const))("%s: valid call succeeds", (_name, row) => {
    expect(() => row.call(...row.args())).not.toThrow();
  });

  it.each(rows.map((r) => [r.name, r] as const))("%s: every malformed argument is a FluxionError naming the op", (name, row) => {
    const caseArb = fc.constantFrom(...row.corrupt).chain(([pos, spec]) => fc.tuple(fc.constant(pos), malformedArb(spec, row.args()[pos])));
    fc.assert(
      fc.property(caseArb, ([pos, bad]) => {
        const args = row.args();
        while (args.length <= pos) args.push(undefined);
        args[pos] = bad;
        const started = Date.now();
        let error: unknown;
        let result: unknown;
        try {
          result = row.call(...args);
        } catch (e) {
          error = e;
        }
        expect(Date.now() - started, `${name} took too long`).toBeLessThan(SLOW_MS);
        expect(error, `${name} returned ${String(result)} for argument ${pos}`).toBeInstanceOf(fx.FluxionError);
        const message = (error as Error).message;
        expect(message.startsWith(`${name}:`), message).toBe(true);
      }),
      runs(100),
    );
  });
});
