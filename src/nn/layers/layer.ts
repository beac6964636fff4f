// The Layer: an init/apply pair over plain pytrees (stax's and Haiku's transform_with_state).
// `init(key, inputShape)` creates the parameters and state for inputs of one shape;
// `apply(params, state, x, { train, key, mask })` is a pure function returning [y, newState].
// Shapes passed to init and returned as outputShape are PER EXAMPLE: they exclude the batch
// axis, which apply's inputs and outputs always have first. Also: the helpers every layer
// file shares (key splitting, shape inference by abstract tracing, error prefixes).

import * as t from "io-ts";
import { FluxionError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import type { Aval } from "../../ir/var.js";
import { splitKeys } from "../../random/keys.js";
import type { DType } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { traceFlat } from "../../trace/trace.js";
import { flatten } from "../../tree/index.js";
import { decodeOptions, optionsCodec } from "../options.js";

/**
 * A pytree of tensors: nested plain objects and arrays (`{}` when a layer has none); an
 * optional entry (dense's `b` with `useBias: false`) may be absent.
 */
export type Tree = Tensor | readonly Tree[] | { readonly [name: string]: Tree | undefined };

/** The params or state of a layer that has none: `{}`. */
export type NoParams = Record<string, never>;

/**
 * What `init` returns: the parameters, the state and the per-example output shape.
 *
 * @typeParam P - the layer's parameter tree (`{ w: Tensor; b?: Tensor }` for dense)
 * @typeParam S - the layer's state tree (`{}` for most layers)
 */
export interface Initialized<P = Tree, S = Tree> {
  readonly params: P;
  readonly state: S;
  readonly outputShape: number[];
}

/** Options of `layer.init`. */
export interface InitOptions {
  /** The dtype of the parameters and float state: float32 (default) or float64. */
  readonly dtype?: "float32" | "float64";
}

/** Options of `layer.apply`. */
export interface ApplyOptions {
  /** Training mode: dropout drops, batch norm uses (and updates) batch statistics. Default false. */
  readonly train?: boolean;
  /** A random key, needed by layers that sample in training (dropout). */
  readonly key?: Tensor;
  /**
   * Which rows of the batch are real examples: a [batch] tensor of 1 (real) and 0 (padding),
   * as `fx.data.batches` makes for a padded last batch. Layers that look across the batch
   * (batch norm in training) compute their statistics over the real rows only; a tensor, so
   * one jitted step serves every count of real rows. Default: every row is real.
   */
  readonly mask?: Tensor;
}

/**
 * A layer: `init` makes the parameters and state, `apply` uses them. The types flow from one
 * to the other: `apply` takes the params and state `init` returned, and returns a new state
 * of the same type.
 *
 * @typeParam P - the parameter tree
 * @typeParam S - the state tree
 * @example
 * const layer = fx.nn.layers.dense(10);                          // Layer<{ w: Tensor; b?: Tensor }, NoParams>
 * const { params, state } = layer.init(fx.random.key(0), [784]);
 * const [y, nextState] = layer.apply(params, state, x);
 */
export interface Layer<P = Tree, S = Tree> {
  /** What the layer is, for messages and summaries: `dense(10)`, `conv2d(6, 5×5)`, `serial`. */
  readonly name: string;
  /** The parameters and state for per-example inputs of `inputShape`, and the output shape. */
  init(key: Tensor, inputShape: readonly number[], options?: InitOptions): Initialized<P, S>;
  /** `[y, newState]` for a batch `x` (batch axis first). */
  apply(params: P, state: S, x: Tensor, options?: ApplyOptions): [Tensor, S];
  /** The sub-layers of a combinator, by their parameter names (for summaries). */
  readonly children?: readonly (readonly [string, Layer<any, any>])[];
  /** Which combinator made the layer, if one did (summaries expand serial models in place). */
  readonly combinator?: "serial" | "parallel" | "residual";
}

/** The parameter tree type of a layer type. */
export type ParamsOf<L> = L extends Layer<infer P, any> ? P : never;

/** The state tree type of a layer type. */
export type StateOf<L> = L extends Layer<any, infer S> ? S : never;

/** Whether `x` is a layer (an object with init and apply). */
export function isLayer(x: unknown): x is Layer<any, any> {
  return typeof x === "object" && x !== null && typeof (x as Layer).init === "function" && typeof (x as Layer).apply === "function";
}

const InitCodec = optionsCodec("init options", { dtype: t.keyof({ float32: null, float64: null }) });
const ApplyCodec = optionsCodec("apply options", { train: t.boolean, key: t.unknown, mask: t.unknown });

/** Validated init options with the dtype filled in. */
export function initOptions(op: string, options: InitOptions | undefined): { dtype: "float32" | "float64" } {
  return { dtype: decodeOptions(`${op}.init`, InitCodec, options).dtype ?? "float32" };
}

/** Validated apply options: a key, when given, must be a [2] int32 tensor, a mask a [batch] tensor. */
export function applyOptions(op: string, options: ApplyOptions | undefined): { train: boolean; key: Tensor | undefined; mask: Tensor | undefined } {
  const o = decodeOptions(`${op}.apply`, ApplyCodec, options);
  const { key, mask } = o;
  if (key !== undefined && !(key instanceof Tensor && key.dtype === "int32" && key.shape.length === 1 && key.shape[0] === 2)) {
    throw new ValueError(`${op}.apply: key must be a random key (an int32 tensor of shape [2]), got ${key instanceof Tensor ? `${key.dtype}${fmtShape(key.shape)}` : typeof key}`);
  }
  if (mask !== undefined && !(mask instanceof Tensor && mask.shape.length === 1)) {
    throw new ShapeError(`${op}.apply: mask must be a tensor of shape [batch] (1 for a real example, 0 for padding), got ${mask instanceof Tensor ? `${mask.dtype}${fmtShape(mask.shape)}` : typeof mask}`);
  }
  return { train: o.train ?? false, key: key as Tensor | undefined, mask: mask as Tensor | undefined };
}

/** `n` independent keys from `key` (deterministic), or n undefined when there is no key. */
export function splitOrNone(key: Tensor | undefined, n: number): (Tensor | undefined)[] {
  if (key === undefined || n === 0) return Array.from({ length: n }, () => undefined);
  return n === 1 ? [key] : splitKeys(key, n);
}

/** A per-example shape: non-negative integers. */
export function checkShape(op: string, inputShape: readonly number[]): number[] {
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}.init: inputShape must be an array of non-negative integers (the shape of one example, without the batch axis), got ${JSON.stringify(inputShape)}`);
  }
  return [...inputShape];
}

/** A rank requirement on the per-example input shape, with what the axes mean. */
export function checkRank(op: string, inputShape: readonly number[], rank: number, axes: string): void {
  if (inputShape.length !== rank) {
    throw new ShapeError(`${op}: expected inputs of per-example shape [${axes}] (rank ${rank}), got ${fmtShape(inputShape)}`);
  }
}

/** A per-example input of rank ≥ 1 (`axes` says what they mean, e.g. "..., features"). */
export function checkFeatureShape(op: string, inputShape: readonly number[], axes: string): void {
  if (inputShape.length === 0) throw new ShapeError(`${op}: expected inputs of per-example shape [${axes}] (rank ≥ 1), got ${fmtShape(inputShape)}`);
}

function aval(x: Tensor): Aval {
  return { shape: x.shape, dtype: x.dtype };
}

/**
 * The per-example output shape of `apply` for inputs of `inputShape`, found by tracing apply
 * (inference mode, batch of 1) over abstract values: no arithmetic is done. An op's error
 * comes back, of the same class, naming the layer and the input shape.
 */
export function inferOutputShape(layer: Pick<Layer<any, any>, "name" | "apply">, params: Tree, state: Tree, inputShape: readonly number[], inputDType: DType): number[] {
  const [leaves, tree] = flatten<Tensor>([params, state]);
  const avals: Aval[] = [...leaves.map(aval), { shape: [1, ...inputShape], dtype: inputDType }];
  try {
    const { program } = traceFlat(layer.name, (p: [Tree, Tree], x: Tensor) => layer.apply(p[0], p[1], x)[0], avals, {
      kind: "array",
      children: [tree, { kind: "leaf" }],
    });
    return [...program.outputs[0]!.shape.slice(1)];
  } catch (e) {
    if (e instanceof ShapeError) throw new ShapeError(`${layer.name}: inputs of per-example shape ${fmtShape(inputShape)} do not fit: ${e.message}`);
    if (e instanceof FluxionError) {
      const Cls = e.constructor as new (message: string) => FluxionError;
      throw new Cls(`${layer.name}: on inputs of per-example shape ${fmtShape(inputShape)}: ${e.message}`);
    }
    throw e;
  }
}

/** A layer without parameters applying `fn` to per-example inputs of rank `rank`. */
export function statelessLayer(name: string, rank: number | null, axes: string, fn: (x: Tensor) => Tensor): Layer<NoParams, NoParams> {
  const layer: Layer<NoParams, NoParams> = {
    name,
    init(_key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const { dtype } = initOptions(name, initOpts);
      if (rank !== null) checkRank(name, shape, rank, axes);
      return { params: {}, state: {}, outputShape: inferOutputShape(layer, {}, {}, shape, dtype) };
    },
    apply(_params, state, x, applyOpts) {
      applyOptions(name, applyOpts);
      return [fn(x), state];
    },
  };
  return layer;
}

/** "5×5" for a kernel or window. */
export function fmtWindow(w: readonly number[]): string {
  return w.join("×");
}
