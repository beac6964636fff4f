// Weight penalties over parameter pytrees (re-exported by fx.nn.losses): l1 = Σ|w|,
// l2 = ½Σw², elasticNet = α(r·l1 + (1 − r)·l2) (scikit-learn's parametrisation, so l2's
// gradient is w itself and elasticNet(α, 0) is weight decay α). `include` chooses the leaves:
// "all" (default), "weights" — the leaves of rank ≥ 2 (dense and conv kernels, not biases,
// norm scales or PReLU slopes) — or a predicate on the leaf's dotted pytree path ("0.w",
// "conv1.b", the names checkpoints use) and the leaf.

import * as t from "io-ts";
import { DTypeError, ValueError } from "../errors.js";
import { isFloat } from "../tensor/dtype.js";
import { scalar } from "../tensor/create.js";
import { Tensor } from "../tensor/tensor.js";
import { add, mul } from "../prims/binary.js";
import { abs, square } from "../prims/unary.js";
import { sum } from "../prims/reduce.js";
import { decodeOptions, optionsCodec } from "./options.js";

/** Which leaves a penalty covers. */
export type PenaltySelection = "all" | "weights" | ((path: string, leaf: Tensor) => boolean);

/** Options of the penalties l1, l2 and elasticNet. */
export interface PenaltyOptions {
  /**
   * Which leaves the penalty covers: "all" (default), "weights" (rank ≥ 2) or a predicate on (path, leaf).
   */
  include?: PenaltySelection;
}

const Predicate = new t.Type<(path: string, leaf: Tensor) => boolean>(
  '"all", "weights" or a function (path, leaf) => boolean',
  (u): u is (path: string, leaf: Tensor) => boolean => typeof u === "function",
  (u, c) => (typeof u === "function" ? t.success(u as (path: string, leaf: Tensor) => boolean) : t.failure(u, c)),
  t.identity,
);
const Selection = t.union([t.literal("all"), t.literal("weights"), Predicate], '"all", "weights" or a function (path, leaf) => boolean');
const PenaltyOptionsCodec = optionsCodec("PenaltyOptions", { include: Selection });

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** The tensors of a pytree with their dotted paths, in fx.tree's order (object keys sorted). */
export function leavesWithPaths(op: string, tree: unknown): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || node === undefined) return;
    if (Array.isArray(node)) return node.forEach((child, i) => walk(child, path === "" ? `${i}` : `${path}.${i}`));
    if (isPlainObject(node)) {
      for (const k of Object.keys(node).sort()) walk(node[k], path === "" ? k : `${path}.${k}`);
      return;
    }
    if (!(node instanceof Tensor)) throw new ValueError(`${op}: parameter ${path || "(root)"} is not a tensor (got ${typeof node})`);
    out.push([path, node]);
  };
  walk(tree, "");
  return out;
}

/** The selected float leaves; an integer or bool leaf that is selected is an error. */
function selected(op: string, params: unknown, options: PenaltyOptions | undefined): Tensor[] {
  const { include = "all" } = decodeOptions(op, PenaltyOptionsCodec, options);
  const keep =
    include === "all" ? () => true : include === "weights" ? (_: string, leaf: Tensor) => leaf.shape.length >= 2 : include;
  return leavesWithPaths(op, params).flatMap(([path, leaf]) => {
    if (!keep(path, leaf)) return [];
    if (!isFloat(leaf.dtype)) throw new DTypeError(`${op}: parameter ${path || "(root)"} is ${leaf.dtype}, penalties apply to float parameters`);
    return [leaf];
  });
}

/** Σ over the leaves of f(leaf) summed; 0 (float32) when nothing is selected. */
function total(leaves: readonly Tensor[], f: (w: Tensor) => Tensor): Tensor {
  return leaves.reduce<Tensor>((acc, w) => add(acc, sum(f(w))), scalar(0, leaves[0]?.dtype ?? "float32"));
}

/** Σ|w| over the selected leaves (derivative 0 where w = 0). */
export function l1(params: unknown, options?: PenaltyOptions): Tensor {
  return total(selected("l1", params, options), abs);
}

/** ½Σw² over the selected leaves. */
export function l2(params: unknown, options?: PenaltyOptions): Tensor {
  return mul(0.5, total(selected("l2", params, options), square));
}

/** α(r·Σ|w| + (1 − r)·½Σw²) over the selected leaves, with α ≥ 0 and r = l1Ratio in [0, 1]. */
export function elasticNet(params: unknown, alpha: number, l1Ratio: number, options?: PenaltyOptions): Tensor {
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha < 0) throw new ValueError(`elasticNet: alpha must be a non-negative finite number, got ${String(alpha)}`);
  if (typeof l1Ratio !== "number" || !(l1Ratio >= 0 && l1Ratio <= 1)) throw new ValueError(`elasticNet: l1Ratio must be in [0, 1], got ${String(l1Ratio)}`);
  const leaves = selected("elasticNet", params, options);
  const l1Part = total(leaves, abs);
  const l2Part = mul(0.5, total(leaves, square));
  return mul(alpha, add(mul(l1Ratio, l1Part), mul(1 - l1Ratio, l2Part)));
}
