// Combinators: serial (one layer after another), parallel (branches on the same input, merged)
// and residual (x + body(x)). Their params and state are arrays (or objects, when the layers
// are given by name) of the children's, so parameter paths read `0.w`, `conv1.b`. init splits
// its key into one per child, as apply does with a training key: both are deterministic.

import * as t from "io-ts";
import { FluxionError, ShapeError, ValueError, fmtShape } from "../../errors.js";
import { add, concat } from "../../prims/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { decodeOptions, optionsCodec } from "../options.js";
import { type Initialized, type Layer, type ParamsOf, type StateOf, type Tree, applyOptions, checkShape, isLayer, splitOrNone } from "./layer.js";

/** Any layer, whatever its params and state. */
type AnyLayer = Layer<any, any>;

type Children = readonly (readonly [string, AnyLayer])[];

/** Layers given as arguments, or as one object of named layers. */
export type LayerList = AnyLayer[] | [Readonly<Record<string, AnyLayer>>];

/** The params of layers given as a tuple or as named layers: the same structure of their params. */
export type ParamsOfLayers<L> = { -readonly [K in keyof L]: ParamsOf<L[K]> };

/** The states of layers given as a tuple or as named layers: the same structure of their states. */
export type StateOfLayers<L> = { -readonly [K in keyof L]: StateOf<L[K]> };

/** A combinator of the layers `L` (a tuple, or an object of named layers). */
export type CombinedLayer<L> = Layer<ParamsOfLayers<L>, StateOfLayers<L>>;

function childrenOf(op: string, args: readonly unknown[]): { children: Children; named: boolean } {
  if (args.length === 1 && !isLayer(args[0]) && typeof args[0] === "object" && args[0] !== null && !Array.isArray(args[0])) {
    const entries = Object.entries(args[0] as Record<string, unknown>);
    entries.forEach(([k, l]) => {
      if (!isLayer(l)) throw new ValueError(`${op}: "${k}" is not a layer (expected an object with init and apply)`);
    });
    return { children: entries as [string, Layer][], named: true };
  }
  args.forEach((l, i) => {
    if (!isLayer(l)) throw new ValueError(`${op}: argument ${i} is not a layer (expected an object with init and apply)`);
  });
  return { children: (args as AnyLayer[]).map((l, i) => [String(i), l] as const), named: false };
}

/** Children's values collected as an array or as an object keyed by the children's names. */
function collect(children: Children, named: boolean, values: readonly Tree[]): Tree {
  if (!named) return [...values];
  const out: Record<string, Tree> = {};
  children.forEach(([k], i) => {
    out[k] = values[i]!;
  });
  return out;
}

function pick(tree: Tree, name: string, named: boolean, i: number): Tree {
  return named ? (tree as Record<string, Tree>)[name]! : (tree as readonly Tree[])[i]!;
}

/** Re-raises a child's error, of the same class, prefixed with where it happened. */
function rethrow(e: unknown, prefix: string): never {
  if (e instanceof FluxionError) {
    const Cls = e.constructor as new (m: string) => FluxionError;
    throw new Cls(`${prefix}: ${e.message}`);
  }
  throw e;
}

const describe = (name: string, i: number, l: AnyLayer) => (name === String(i) ? `layer ${i} (${l.name})` : `layer ${i} "${name}" (${l.name})`);

/**
 * The layers applied one after the other. Params and state are the tuple of the layers'
 * (or an object of them, for named layers), typed accordingly.
 *
 * @example
 * const mlp = fx.nn.layers.serial(dense(128), relu(), dense(10));
 * const { params } = mlp.init(fx.random.key(0), [784]); // [{ w; b? }, {}, { w; b? }]
 * const named = fx.nn.layers.serial({ hidden: dense(128), act: relu(), out: dense(10) });
 */
export function serial<const L extends readonly AnyLayer[]>(...layers: L): CombinedLayer<L>;
/** The named layers applied one after the other (params and state keyed by the names). */
export function serial<const L extends Readonly<Record<string, AnyLayer>>>(layers: L): CombinedLayer<L>;
export function serial(...layers: LayerList): Layer<any, any> {
  const { children, named } = childrenOf("serial", layers);
  return {
    name: "serial",
    combinator: "serial",
    children,
    init(key, inputShape, initOpts) {
      let shape = checkShape("serial", inputShape);
      const keys = splitOrNone(key, children.length);
      const params: Tree[] = [];
      const state: Tree[] = [];
      children.forEach(([name, l], i) => {
        let r: Initialized;
        try {
          r = l.init(keys[i]!, shape, initOpts);
        } catch (e) {
          const from = i === 0 ? "the input" : `the output of ${describe(children[i - 1]![0], i - 1, children[i - 1]![1])}`;
          rethrow(e, `serial: ${describe(name, i, l)} cannot take ${from}, per-example shape ${fmtShape(shape)}`);
        }
        params.push(r.params);
        state.push(r.state);
        shape = r.outputShape;
      });
      return { params: collect(children, named, params), state: collect(children, named, state), outputShape: shape };
    },
    apply(params, state, x, applyOpts) {
      const { train, key, mask } = applyOptions("serial", applyOpts);
      const keys = splitOrNone(key, children.length);
      const next: Tree[] = [];
      let y = x;
      children.forEach(([name, l], i) => {
        const [out, s] = l.apply(pick(params, name, named, i), pick(state, name, named, i), y, { train, key: keys[i], mask });
        next.push(s);
        y = out;
      });
      return [y, collect(children, named, next)];
    },
  };
}

/**
 * y = x + body(x), body being the layers in series; the body must keep the shape.
 *
 * @example
 * const block = fx.nn.layers.residual(dense(64), relu(), dense(64));
 */
export function residual<const L extends readonly AnyLayer[]>(...layers: L): CombinedLayer<L>;
/** y = x + body(x) with the body given as named layers. */
export function residual<const L extends Readonly<Record<string, AnyLayer>>>(layers: L): CombinedLayer<L>;
export function residual(...layers: LayerList): Layer<any, any> {
  const body: Layer = (serial as (...ls: LayerList) => Layer)(...layers);
  return {
    name: "residual",
    combinator: "residual",
    children: body.children,
    init(key, inputShape, initOpts) {
      const shape = checkShape("residual", inputShape);
      const r = body.init(key, shape, initOpts);
      if (fmtShape(r.outputShape) !== fmtShape(shape)) {
        throw new ShapeError(`residual: the body maps per-example shape ${fmtShape(shape)} to ${fmtShape(r.outputShape)}; x + body(x) needs them equal`);
      }
      return r;
    },
    apply(params, state, x, applyOpts) {
      const [y, s] = body.apply(params, state, x, applyOpts);
      return [add(x, y), s];
    },
  };
}

const ParallelOptions = optionsCodec("parallel options", { merge: t.keyof({ concat: null, sum: null }) });

/** Options of `parallel`. */
export interface ParallelOptions {
  /** How the branches' outputs combine: "concat" along the feature axis (default) or "sum". */
  readonly merge?: "concat" | "sum";
}

/**
 * Branches applied to the same input, their outputs concatenated along the feature axis
 * (axis 1; per example, axis 0 — Inception's channel concat) or summed.
 *
 * @example
 * const both = fx.nn.layers.parallel([dense(8), dense(4)]);            // outputs [B, 12]
 * const summed = fx.nn.layers.parallel({ a: dense(8), b: dense(8) }, { merge: "sum" });
 */
export function parallel<const L extends readonly AnyLayer[] | Readonly<Record<string, AnyLayer>>>(branches: L, options?: ParallelOptions): CombinedLayer<L>;
export function parallel(branches: AnyLayer[] | Readonly<Record<string, AnyLayer>>, options?: ParallelOptions): Layer<any, any> {
  const { children, named } = childrenOf("parallel", Array.isArray(branches) ? branches : [branches]);
  if (children.length === 0) throw new ValueError("parallel: needs at least one branch");
  const merge = decodeOptions("parallel", ParallelOptions, options).merge ?? "concat";
  const name = `parallel(${merge})`;
  return {
    name,
    combinator: "parallel",
    children,
    init(key, inputShape, initOpts) {
      const shape = checkShape(name, inputShape);
      const keys = splitOrNone(key, children.length);
      const rs = children.map(([n, l], i) => {
        try {
          return l.init(keys[i]!, shape, initOpts);
        } catch (e) {
          rethrow(e, `${name}: branch ${describe(n, i, l).slice("layer ".length)} cannot take the input, per-example shape ${fmtShape(shape)}`);
        }
      });
      const first = rs[0]!.outputShape;
      let outputShape = first;
      rs.forEach((r, i) => {
        const s = r.outputShape;
        const fits = merge === "sum" ? fmtShape(s) === fmtShape(first) : s.length === first.length && s.length > 0 && s.every((d, a) => a === 0 || d === first[a]);
        if (!fits) {
          const need = merge === "sum" ? "equal shapes" : "the same shape apart from the feature axis (the first per-example axis)";
          throw new ShapeError(`${name}: branch ${i} (${children[i]![1].name}) gives per-example shape ${fmtShape(s)} but branch 0 (${children[0]![1].name}) gives ${fmtShape(first)}; ${merge} needs ${need}`);
        }
        if (merge === "concat" && i > 0) outputShape = [outputShape[0]! + s[0]!, ...outputShape.slice(1)];
      });
      return { params: collect(children, named, rs.map((r) => r.params)), state: collect(children, named, rs.map((r) => r.state)), outputShape };
    },
    apply(params, state, x, applyOpts) {
      const { train, key, mask } = applyOptions(name, applyOpts);
      const keys = splitOrNone(key, children.length);
      const outs: Tensor[] = [];
      const next: Tree[] = [];
      children.forEach(([n, l], i) => {
        const [y, s] = l.apply(pick(params, n, named, i), pick(state, n, named, i), x, { train, key: keys[i], mask });
        outs.push(y);
        next.push(s);
      });
      const y = merge === "sum" ? outs.reduce((a, b) => add(a, b)) : outs.length === 1 ? outs[0]! : concat(outs, { axis: 1 });
      return [y, collect(children, named, next)];
    },
  };
}
