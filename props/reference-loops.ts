// Independent references for pooling and convolution: plain nested loops over JS arrays,
// written from the definitions (PyTorch's conventions), sharing no code with src/ (neither the
// primitives' `impl`s nor the compiled kernels). Properties compare eager ops and `jit` with
// them bit for bit (props/exact.ts).
//
// Layouts: inputs [N, C, ...spatial] with 1 or 2 spatial axes, flattened row-major. A 1-D case
// is handled as 2-D of height 1 (window 1, stride 1, no padding along the height).

export interface PoolGeometry {
  /** Spatial sizes of the input (1 or 2 axes). */
  sizes: readonly number[];
  window: readonly number[];
  stride: readonly number[];
  /** [low, high] padding per spatial axis. */
  pads: readonly (readonly [number, number])[];
}

/** `"same"` padding of one axis as TensorFlow and PyTorch define it (odd element on the high side). */
export function samePads(size: number, window: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + window - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Output length of a window sliding over lo + size + hi elements. */
function outLength(size: number, window: number, stride: number, lo: number, hi: number): number {
  return Math.floor((lo + size + hi - window) / stride) + 1;
}

/** The geometry as 2-D (height 1 for 1-D) and the output spatial sizes. */
function as2d(g: PoolGeometry) {
  const two = g.sizes.length === 2;
  const h = two ? g.sizes[0]! : 1;
  const w = g.sizes[g.sizes.length - 1]!;
  const [kh, kw] = two ? [g.window[0]!, g.window[1]!] : [1, g.window[0]!];
  const [sh, sw] = two ? [g.stride[0]!, g.stride[1]!] : [1, g.stride[0]!];
  const [ph, phHi] = two ? g.pads[0]! : [0, 0];
  const [pw, pwHi] = g.pads[g.pads.length - 1]!;
  const th = outLength(h, kh, sh, ph, phHi);
  const tw = outLength(w, kw, sw, pw, pwHi);
  return { h, w, kh, kw, sh, sw, ph, pw, th, tw, out: two ? [th, tw] : [tw] };
}

const identity = (v: number) => v;

/**
 * Average pooling of `planes` planes. `round` rounds a stored value to the dtype (Math.fround
 * for float32): the window sum is accumulated in double precision in row-major window order,
 * stored (rounded), then divided by the window size (countIncludePad) or by the number of input
 * elements the window covers, and the quotient rounded.
 */
export function avgPoolLoop(
  xs: ArrayLike<number>,
  planes: number,
  g: PoolGeometry,
  countIncludePad: boolean,
  round: (v: number) => number = identity,
): { values: number[]; outSizes: number[] } {
  const { h, w, kh, kw, sh, sw, ph, pw, th, tw, out } = as2d(g);
  const values: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < th; i++) {
      for (let j = 0; j < tw; j++) {
        let sum = 0;
        let covered = 0;
        for (let u = 0; u < kh; u++) {
          for (let v = 0; v < kw; v++) {
            const r = i * sh - ph + u;
            const c = j * sw - pw + v;
            if (r < 0 || r >= h || c < 0 || c >= w) continue;
            sum += xs[(p * h + r) * w + c]!;
            covered++;
          }
        }
        values.push(round(round(sum) / (countIncludePad ? kh * kw : covered)));
      }
    }
  }
  return { values, outSizes: out };
}

/** Max pooling: each window's first maximum in row-major order; a NaN beats any number (the first NaN). */
export function maxPoolLoop(xs: ArrayLike<number>, planes: number, g: PoolGeometry): { values: number[]; outSizes: number[] } {
  const { h, w, kh, kw, sh, sw, ph, pw, th, tw, out } = as2d(g);
  const values: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < th; i++) {
      for (let j = 0; j < tw; j++) {
        let best: number | undefined;
        for (let u = 0; u < kh; u++) {
          for (let v = 0; v < kw; v++) {
            const r = i * sh - ph + u;
            const c = j * sw - pw + v;
            if (r < 0 || r >= h || c < 0 || c >= w) continue;
            const x = xs[(p * h + r) * w + c]!;
            if (best === undefined || (Number.isNaN(x) && !Number.isNaN(best)) || x > best) best = x;
          }
        }
        values.push(best!);
      }
    }
  }
  return { values, outSizes: out };
}

export interface ConvTransposeGeometry {
  /** Input spatial sizes T. */
  sizes: readonly number[];
  /** Filter spatial sizes K (undilated). */
  kernel: readonly number[];
  stride: readonly number[];
  dilation: readonly number[];
  /** "same", or [low, high] per axis (cropped from the full result). */
  padding: "same" | readonly (readonly [number, number])[];
  outputPadding: readonly number[];
}

/**
 * Transposed convolution as PyTorch defines it: input y [N, Cin, T…], filter [Cin, Cout/groups,
 * K…]; every y[n, ci, t] spreads y·w[ci, co′, k] to output position t·stride + k·dilation − lo.
 * Output length (T−1)·stride + dilation·(K−1) + 1 − lo − hi + outputPadding; with "same" it is
 * T·stride + outputPadding and lo is the low "same" padding of the forward convolution of an
 * input of T·stride elements. Sums in double precision, in (ci, k) order per output element.
 */
export function convTransposeLoop(
  ys: ArrayLike<number>,
  yShape: readonly number[],
  ws: ArrayLike<number>,
  wShape: readonly number[],
  groups: number,
  g: ConvTransposeGeometry,
  round: (v: number) => number = identity,
): { values: number[]; shape: number[] } {
  const nd = g.sizes.length;
  const [n, cin] = [yShape[0]!, yShape[1]!];
  const coutG = wShape[1]!;
  const cinG = cin / groups;
  const dil = (d: number) => (g.kernel[d]! - 1) * g.dilation[d]! + 1;
  const lo: number[] = [];
  const outSizes: number[] = [];
  for (let d = 0; d < nd; d++) {
    if (g.padding === "same") {
      const t = g.sizes[d]! * g.stride[d]!;
      lo.push(samePads(t, dil(d), g.stride[d]!)[0]);
      outSizes.push(t + g.outputPadding[d]!);
    } else {
      const [l, hgh] = g.padding[d]!;
      lo.push(l);
      outSizes.push((g.sizes[d]! - 1) * g.stride[d]! + dil(d) - l - hgh + g.outputPadding[d]!);
    }
  }
  // 2-D view.
  const two = nd === 2;
  const [th, tw] = two ? [g.sizes[0]!, g.sizes[1]!] : [1, g.sizes[0]!];
  const [kh, kw] = two ? [g.kernel[0]!, g.kernel[1]!] : [1, g.kernel[0]!];
  const [sh, sw] = two ? [g.stride[0]!, g.stride[1]!] : [1, g.stride[0]!];
  const [dh, dw] = two ? [g.dilation[0]!, g.dilation[1]!] : [1, g.dilation[0]!];
  const [lh, lw] = two ? [lo[0]!, lo[1]!] : [0, lo[0]!];
  const [oh, ow] = two ? [outSizes[0]!, outSizes[1]!] : [1, outSizes[0]!];
  const cout = groups * coutG;
  const values: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cout; co++) {
      const grp = Math.floor(co / coutG);
      for (let r = 0; r < oh; r++) {
        for (let c = 0; c < ow; c++) {
          let acc = 0;
          for (let ci = grp * cinG; ci < (grp + 1) * cinG; ci++) {
            for (let i = 0; i < th; i++) {
              for (let u = 0; u < kh; u++) {
                if (i * sh + u * dh - lh !== r) continue;
                for (let j = 0; j < tw; j++) {
                  for (let v = 0; v < kw; v++) {
                    if (j * sw + v * dw - lw !== c) continue;
                    acc += ys[((b * cin + ci) * th + i) * tw + j]! * ws[((ci * coutG + (co % coutG)) * kh + u) * kw + v]!;
                  }
                }
              }
            }
          }
          values.push(round(acc));
        }
      }
    }
  }
  return { values, shape: [n, cout, ...outSizes] };
}
