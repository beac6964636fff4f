// Index views: how layout primitives re-index their operand without moving data. Inside a fused
// loop a layout equation costs nothing but index arithmetic: a load of `x` through
// `transpose(broadcast_to(x))` reads `x[offset + Σ index·strides]` with strides the compiler folds
// at compile time.
//
// A view is a chain of strided layers. Layer 0 is indexed by the consumer's multi-index and gives
// a flat offset; when a reshape cannot be expressed as strides of the layer below (a reshape of a
// transposed operand), a new layer starts: the flat offset of layer k is unravelled over layer
// k+1's shape and indexed again. The last layer's offset indexes the contiguous base buffer.
//
// Which primitives are views is decided by their `lowering.kernel` class through `viewRules`,
// so the passes never name primitives; a movement primitive added later registers a rule here.

import type { Params } from "../prims/primitive.js";
import { type Shape, sizeOf, stridesOf } from "../tensor/shape.js";

export interface StridedLayer {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Layers from the consumer (index 0) down to the base buffer. */
export type ViewChain = readonly StridedLayer[];

export function contiguousLayer(shape: Shape): StridedLayer {
  return { shape: [...shape], strides: stridesOf(shape), offset: 0 };
}

/** The identity view of a contiguous buffer of `shape`. */
export function identityChain(shape: Shape): ViewChain {
  return [contiguousLayer(shape)];
}

/** Rewrites the top layer of a view for one layout equation; null if the rule cannot compose. */
export type ViewRule = (top: StridedLayer, params: Params, outShape: Shape) => StridedLayer | null;

const viewRules = new Map<string, ViewRule>();

/** Registers how primitives of a kernel class re-index their single operand. */
export function registerViewRule(kernelClass: string, rule: ViewRule): void {
  viewRules.set(kernelClass, rule);
}

export function viewRuleFor(kernelClass: string): ViewRule | undefined {
  return viewRules.get(kernelClass);
}

/** Applies a layout equation to a chain; a failed composition starts a new layer. */
export function applyView(chain: ViewChain, rule: ViewRule, params: Params, outShape: Shape): ViewChain {
  const top = chain[0]!;
  const composed = rule(top, params, outShape);
  if (composed !== null) return [composed, ...chain.slice(1)];
  // Only a reshape can fail to compose: its output's row-major order is the operand's row-major
  // order, so a fresh contiguous layer over the new shape feeds the old top layer.
  return [contiguousLayer(outShape), ...chain];
}

/** The flat offset of `index` in the base buffer (reference semantics of a chain; tests use it). */
export function chainOffset(chain: ViewChain, index: readonly number[]): number {
  let idx = [...index];
  let off = 0;
  for (let k = 0; k < chain.length; k++) {
    const layer = chain[k]!;
    off = layer.offset;
    for (let d = 0; d < idx.length; d++) off += idx[d]! * layer.strides[d]!;
    if (k + 1 < chain.length) idx = unravel(off, chain[k + 1]!.shape);
  }
  return off;
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = n === 0 ? 0 : flat % n;
    flat = n === 0 ? 0 : Math.floor(flat / n);
  }
  return idx;
}

/** Whether every layer below the top is needed (a chain of one layer is purely affine). */
export function isAffine(chain: ViewChain): boolean {
  return chain.length === 1;
}

/**
 * Reshape of a strided layer without copying, when the strides allow it (NumPy's
 * "attempt no-copy reshape"): old and new dimensions are grouped into runs of equal size, and each
 * old run must be contiguous in itself.
 */
export function reshapeLayer(top: StridedLayer, newShape: Shape): StridedLayer | null {
  if (sizeOf(newShape) === 0 || sizeOf(top.shape) === 0) return { shape: [...newShape], strides: newShape.map(() => 0), offset: top.offset };
  const od: number[] = [];
  const os: number[] = [];
  top.shape.forEach((d, i) => {
    if (d !== 1) {
      od.push(d);
      os.push(top.strides[i]!);
    }
  });
  const nd = [...newShape];
  const ns = new Array<number>(nd.length).fill(0);
  let oi = 0;
  let oj = 1;
  let ni = 0;
  let nj = 1;
  while (ni < nd.length && oi < od.length) {
    let np = nd[ni]!;
    let op = od[oi]!;
    while (np !== op) {
      if (np < op) np *= nd[nj++]!;
      else op *= od[oj++]!;
    }
    for (let k = oi; k < oj - 1; k++) if (os[k] !== os[k + 1]! * od[k + 1]!) return null;
    ns[nj - 1] = os[oj - 1]!;
    for (let k = nj - 1; k > ni; k--) ns[k - 1] = ns[k]! * nd[k]!;
    ni = nj++;
    oi = oj++;
  }
  return { shape: nd, strides: ns, offset: top.offset };
}

// ---------------------------------------------------------------- rules of the built-in layout classes

registerViewRule("reshape", (top, _params, outShape) => reshapeLayer(top, outShape));

registerViewRule("broadcast_to", (top, _params, outShape) => {
  const off = outShape.length - top.shape.length;
  const strides = outShape.map((d, i) => (i < off || (top.shape[i - off] === 1 && d !== 1) ? 0 : top.strides[i - off]!));
  return { shape: [...outShape], strides, offset: top.offset };
});

registerViewRule("transpose", (top, params, outShape) => {
  const perm = params["perm"] as readonly number[];
  return { shape: [...outShape], strides: perm.map((p) => top.strides[p]!), offset: top.offset };
});

registerViewRule("slice", (top, params, outShape) => {
  const start = params["start"] as readonly number[];
  const step = params["step"] as readonly number[];
  let offset = top.offset;
  start.forEach((s, i) => (offset += s * top.strides[i]!));
  return { shape: [...outShape], strides: top.strides.map((s, i) => s * step[i]!), offset };
});

registerViewRule("rev", (top, params, outShape) => {
  const axes = params["axes"] as readonly number[];
  let offset = top.offset;
  const strides = top.strides.map((s, i) => {
    if (!axes.includes(i) || top.shape[i] === 0) return s;
    offset += (top.shape[i]! - 1) * s;
    return -s;
  });
  return { shape: [...outShape], strides, offset };
});
