// The `conv` primitive: one general cross-correlation over NC(spatial) inputs and OI(spatial)
// filters with 1 or 2 spatial axes. Convolution, transposed convolution, true convolution
// (with a flipped filter) and average pooling are all front ends of it.
//
// conv[stride, padding, lhsDilation, rhsDilation, groups] x w, per spatial axis:
//   x̃[p] = x[(p − lo)/lhsDilation] when that is an integer index of x, else 0,
//            for p in [0, lo + (S−1)·lhsDilation + 1 + hi)     (padding may be negative: a crop)
//   y[n, o, t] = Σ_{c' < C/groups, k} x̃[n, g·C/groups + c', t·stride + k·rhsDilation] · w[o, c', k]
// where g = o div (O/groups). lhsDilation > 1 makes a transposed convolution. Both gradients
// are `conv` equations again (with other parameters), so every order of derivative works.

import { DTypeError, ShapeError, ValueError, fmtShape } from "../errors.js";
import type { Aval } from "../ir/var.js";
import { allocArray, isFloat } from "../tensor/dtype.js";
import { type Shape, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { bind } from "../trace/context.js";
import { definePrimitive } from "./primitive.js";
import { checkIntList } from "../options/validate.js";
import { addTangents } from "./binary.js";
import { reshape, transpose } from "./layout.js";
import { flip } from "./movement.js";

export type ConvParams = {
  /** Window step per spatial axis. */
  readonly stride: readonly number[];
  /** [low, high] zero padding per spatial axis; negative values crop. */
  readonly padding: readonly (readonly number[])[];
  /** Input dilation per spatial axis (lhsDilation − 1 zeros between input elements). */
  readonly lhsDilation: readonly number[];
  /** Filter dilation per spatial axis (atrous convolution). */
  readonly rhsDilation: readonly number[];
  /** Feature groups: input and output channels split into this many independent groups. */
  readonly groups: number;
};

/** The extent of a dilated window or dilated input: (n − 1)·d + 1. */
export function dilatedSize(n: number, dilation: number): number {
  return (n - 1) * dilation + 1;
}

/** Output length along one axis: ⌊(lo + dilated input + hi − dilated window) / stride⌋ + 1. */
export function windowCount(size: number, window: number, stride: number, lo: number, hi: number, lhsDil = 1, rhsDil = 1): number {
  return Math.floor((lo + dilatedSize(size, lhsDil) + hi - dilatedSize(window, rhsDil)) / stride) + 1;
}

/** Validates conv parameters against the operand avals and returns the output shape; `op` names the caller. */
export function convShape(op: string, x: Aval, w: Aval, p: ConvParams): number[] {
  const desc = `input ${fmtShape(x.shape)}, filter ${fmtShape(w.shape)}`;
  const nd = x.shape.length - 2;
  if (nd < 1 || nd > 2 || w.shape.length !== x.shape.length) {
    throw new ShapeError(`${op}: expects input [N,C,…] and filter [O,I,…] of equal rank 3 or 4, got ${desc}`);
  }
  for (const [name, v] of [["stride", p.stride], ["lhsDilation", p.lhsDilation], ["rhsDilation", p.rhsDilation]] as const) checkIntList(op, name, v, nd, 1);
  if (p.padding.length !== nd || p.padding.some((lh) => lh.length !== 2 || !lh.every(Number.isInteger))) {
    throw new ValueError(`${op}: padding must be ${nd} [low, high] integer pairs, got ${JSON.stringify(p.padding)} (${desc})`);
  }
  const g = p.groups;
  const [n, c] = x.shape as [number, number];
  const [o, ci] = w.shape as [number, number];
  if (!Number.isInteger(g) || g < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${g}`);
  if (ci * g !== c) {
    throw new ShapeError(`${op}: the input has ${c} channels but the filter expects ${ci} per group × groups=${g} = ${ci * g} (${desc})`);
  }
  if (o % g !== 0) throw new ShapeError(`${op}: the ${o} filters (output channels) do not split into groups=${g} (${desc})`);
  const out = [n, o];
  for (let d = 0; d < nd; d++) {
    const s = x.shape[2 + d]!;
    const k = w.shape[2 + d]!;
    if (s < 1 || k < 1) throw new ShapeError(`${op}: spatial sizes must be at least 1, got ${desc}`);
    const [lo, hi] = p.padding[d] as [number, number];
    const padded = lo + dilatedSize(s, p.lhsDilation[d]!) + hi;
    const window = dilatedSize(k, p.rhsDilation[d]!);
    if (padded < window) {
      throw new ShapeError(
        `${op}: along spatial axis ${d} the padded input (${padded}) is smaller than the dilated filter (${window}) (${desc}, padding ${JSON.stringify(p.padding)})`,
      );
    }
    out.push(windowCount(s, k, p.stride[d]!, lo, hi, p.lhsDilation[d], p.rhsDilation[d]));
  }
  return out;
}

/**
 * For one spatial axis: table[t·K + k] = the input index read by output t and filter tap k,
 * or −1 where the tap falls on padding or on a dilation hole.
 */
function tapTable(size: number, k: number, t: number, stride: number, lo: number, lhsDil: number, rhsDil: number): Int32Array {
  const table = new Int32Array(t * k);
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < k; j++) {
      const p = i * stride + j * rhsDil - lo;
      const idx = p >= 0 && p % lhsDil === 0 ? p / lhsDil : -1;
      table[i * k + j] = idx >= 0 && idx < size ? idx : -1;
    }
  }
  return table;
}

export const convPrim = definePrimitive<ConvParams>({
  name: "conv",
  abstractEval([x, w], params) {
    if (x!.dtype !== w!.dtype) throw new DTypeError(`conv: input and filter dtypes differ: ${x!.dtype} and ${w!.dtype}`);
    if (!isFloat(x!.dtype)) throw new DTypeError(`conv: expects float operands, got ${x!.dtype}`);
    return { shape: convShape("conv", x!, w!, params), dtype: x!.dtype };
  },
  // Plain loops over a 2-D view (a 1-D convolution is a 2-D one of height 1).
  impl([x, w], p, out) {
    const two = x!.shape.length === 4;
    const [n, c, h, wd] = two ? x!.shape : [x!.shape[0]!, x!.shape[1]!, 1, x!.shape[2]!];
    const [o, cg, kh, kw] = two ? w!.shape : [w!.shape[0]!, w!.shape[1]!, 1, w!.shape[2]!];
    const [th, tw] = two ? [out.shape[2]!, out.shape[3]!] : [1, out.shape[2]!];
    const ax = (d: number) => (two ? d : d - 1); // params index of the H (0) / W (1) axis
    const tab = (size: number, k: number, t: number, d: number) =>
      d < 0
        ? new Int32Array(1)
        : tapTable(size, k, t, p.stride[d]!, p.padding[d]![0]!, p.lhsDilation[d]!, p.rhsDilation[d]!);
    const tabH = tab(h, kh, th, ax(0));
    const tabW = tab(wd, kw, tw, ax(1));
    const og = o / p.groups;
    const xs = x!.data;
    const ws = w!.data;
    const result = allocArray(out.dtype, sizeOf(out.shape));
    let r = 0;
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < o; f++) {
        const c0 = Math.floor(f / og) * cg;
        for (let i = 0; i < th; i++) {
          for (let j = 0; j < tw; j++) {
            let acc = 0;
            for (let ci = 0; ci < cg; ci++) {
              const xBase = (b * c + c0 + ci) * h;
              const wBase = (f * cg + ci) * kh;
              for (let u = 0; u < kh; u++) {
                const ih = tabH[i * kh + u]!;
                if (ih < 0) continue;
                const xRow = (xBase + ih) * wd;
                const wRow = (wBase + u) * kw;
                for (let v = 0; v < kw; v++) {
                  const iw = tabW[j * kw + v]!;
                  if (iw >= 0) acc += xs[xRow + iw]! * ws[wRow + v]!;
                }
              }
            }
            result[r++] = acc;
          }
        }
      }
    }
    return result;
  },
  vjp(g, { inputs: [x, w], params }) {
    return [convInputGrad(g, w!, params, x!.shape.slice(2)), convFilterGrad(x!, g, params, w!.shape.slice(2))];
  },
  // Bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw).
  jvp: ({ inputs: [x, w], tangents: [tx, tw], params }) =>
    addTangents(tx ? conv(tx, w!, params) : null, tw ? conv(x!, tw, params) : null),
  lowering: { kind: "kernel", kernel: "conv", epilogue: true },
});

/** Binds the conv primitive with fully explicit parameters. */
export function conv(x: Tensor, w: Tensor, params: ConvParams): Tensor {
  return bind(convPrim, [x, w], params);
}

/** Moves each group's channel blocks: [A, G·B, …] viewed as [A, G, B, …] → [B, G·A, …]. */
function swapGroupedAxes(t: Tensor, groups: number): Tensor {
  const [a, gb, ...rest] = t.shape as number[];
  const spatialPerm = rest.map((_, i) => i + 3);
  if (groups === 1) return transpose(t, [1, 0, ...spatialPerm.map((i) => i - 1)]);
  const b = gb! / groups;
  const split = reshape(t, [a!, groups, b, ...rest]);
  return reshape(transpose(split, [2, 1, 0, ...spatialPerm]), [b, groups * a!, ...rest]);
}

/**
 * The cotangent of conv's input, given the output cotangent `g`: a convolution of `g`, dilated
 * by the forward stride, with the flipped filter whose in/out channels are exchanged within each
 * group. Its stride is the forward input dilation. `inSpatial` is the input's spatial shape
 * (windows that do not tile the input exactly leave the last rows with zero gradient).
 * This is also the transposed convolution.
 */
export function convInputGrad(g: Tensor, w: Tensor, p: ConvParams, inSpatial: Shape): Tensor {
  const nd = inSpatial.length;
  // w [O, C/G, K…] → [C, O/G, K…] (per group), flipped spatially.
  const [o, cg, ...ks] = w.shape as number[];
  const spatial = ks.map((_, i) => i + 2);
  const swapped =
    p.groups === 1
      ? transpose(w, [1, 0, ...spatial])
      : reshape(transpose(reshape(w, [p.groups, o! / p.groups, cg!, ...ks]), [0, 2, 1, ...spatial.map((i) => i + 1)]), [
          cg! * p.groups,
          o! / p.groups,
          ...ks,
        ]);
  const wT = reverseSpatial(swapped);
  const padding: number[][] = [];
  for (let d = 0; d < nd; d++) {
    const lo = p.padding[d]![0]!;
    const window = dilatedSize(ks[d]!, p.rhsDilation[d]!);
    const t = g.shape[2 + d]!;
    padding.push([window - 1 - lo, (inSpatial[d]! - 1) * p.lhsDilation[d]! + lo - (t - 1) * p.stride[d]!]);
  }
  return conv(g, wT, { stride: p.lhsDilation, padding, lhsDilation: p.stride, rhsDilation: p.rhsDilation, groups: p.groups });
}

/**
 * The cotangent of conv's filter: the correlation of the input with the output cotangent,
 * batch and channel axes exchanged, so the batch is the contraction. Windows that do not tile
 * the input exactly: the high padding drops the rows no window reads.
 */
export function convFilterGrad(x: Tensor, g: Tensor, p: ConvParams, kSpatial: Shape): Tensor {
  const nd = kSpatial.length;
  const padding: number[][] = [];
  for (let d = 0; d < nd; d++) {
    const [lo, hi] = p.padding[d] as [number, number];
    const extent = lo + dilatedSize(x.shape[2 + d]!, p.lhsDilation[d]!) + hi - dilatedSize(kSpatial[d]!, p.rhsDilation[d]!);
    padding.push([lo, hi - (extent % p.stride[d]!)]);
  }
  const xT = swapGroupedAxes(x, p.groups); // [C/G, G·N, S…]
  // g [N, O, T…] → [O, N, T…]: output channel o reads batch n of its own group.
  const gT = transpose(g, [1, 0, ...kSpatial.map((_, i) => i + 2)]);
  const z = conv(xT, gT, { stride: p.rhsDilation, padding, lhsDilation: p.lhsDilation, rhsDilation: p.stride, groups: p.groups });
  return transpose(z, [1, 0, ...kSpatial.map((_, i) => i + 2)]); // [O, C/G, K…]
}

/** Reverses the spatial axes (all after the first two) of an NC…/OI… tensor. */
export function reverseSpatial(x: Tensor): Tensor {
  return flip(x, { axis: x.shape.slice(2).map((_, i) => i + 2) });
}
