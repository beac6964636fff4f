// Convolution ops: worked examples with values computed by hand, output-shape rules, options
// (stride, padding, dilation, groups, bias, outputPadding), the true convolution, the IR the
// ops and their gradients record, and error messages. The laws are in props/conv.test.ts.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import { convPrim } from "../src/prims/conv.js";

const t = (data: unknown, dtype: fx.DType = "float32") => fx.tensor(data as number[], { dtype });

/** A direct, independent evaluation of conv2d from its definition (groups, stride, padding, dilation). */
function naiveConv2d(
  x: fx.Tensor,
  w: fx.Tensor,
  o: { stride: [number, number]; pad: [number, number, number, number]; dil: [number, number]; groups: number },
): number[][][][] {
  const [n, , h, wd] = x.shape as number[];
  const [f, cg, kh, kw] = w.shape as number[];
  const xs = x.toArray() as number[][][][];
  const ws = w.toArray() as number[][][][];
  const [pt, pb, pl, pr] = o.pad;
  const th = Math.floor((h! + pt + pb - (kh! - 1) * o.dil[0] - 1) / o.stride[0]) + 1;
  const tw = Math.floor((wd! + pl + pr - (kw! - 1) * o.dil[1] - 1) / o.stride[1]) + 1;
  const og = f! / o.groups;
  const out: number[][][][] = [];
  for (let b = 0; b < n!; b++) {
    out.push([]);
    for (let oc = 0; oc < f!; oc++) {
      out[b]!.push([]);
      for (let i = 0; i < th; i++) {
        out[b]![oc]!.push([]);
        for (let j = 0; j < tw; j++) {
          let s = 0;
          for (let ci = 0; ci < cg!; ci++) {
            for (let u = 0; u < kh!; u++) {
              for (let v = 0; v < kw!; v++) {
                const r = i * o.stride[0] + u * o.dil[0] - pt;
                const q = j * o.stride[1] + v * o.dil[1] - pl;
                if (r >= 0 && r < h! && q >= 0 && q < wd!) s += xs[b]![Math.floor(oc / og) * cg! + ci]![r]![q]! * ws[oc]![ci]![u]![v]!;
              }
            }
          }
          out[b]![oc]![i]!.push(s);
        }
      }
    }
  }
  return out;
}

function expectClose(actual: fx.Tensor, expected: unknown, digits = 5): void {
  const a = (actual.toArray() as unknown[]).flat(4) as number[];
  const e = (expected as unknown[]).flat(4) as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(e[i]!, digits));
}

describe("conv1d", () => {
  const x = t([[[1, 2, 3, 4, 5]]]);
  const w = t([[[1, 0, -1]]]);

  it("is a cross-correlation: y[t] = Σ_k x[t + k]·w[k]", () => {
    expect(fx.conv1d(x, w).toArray()).toEqual([[[-2, -2, -2]]]);
  });

  it("strides and pads: padding 1, stride 2 reads [0,1,2], [2,3,4], [4,5,0]", () => {
    expect(fx.conv1d(x, w, { stride: 2, padding: 1 }).toArray()).toEqual([[[-2, -2, 4]]]);
    expect(fx.conv1d(x, w, { stride: 2, padding: [[1, 1]] }).toArray()).toEqual([[[-2, -2, 4]]]);
  });

  it('"same" puts the odd padding element on the high side', () => {
    expect(fx.conv1d(t([[[1, 2, 3, 4]]]), t([[[1, 1]]]), { padding: "same" }).toArray()).toEqual([[[3, 5, 7, 4]]]);
  });

  it("dilation spaces the taps", () => {
    // taps at t, t+2, t+4: 1 − 5
    expect(fx.conv1d(x, w, { dilation: 2 }).toArray()).toEqual([[[-4]]]);
  });

  it("sums over input channels, and groups keep channel groups apart", () => {
    const x2 = t([[[1, 2, 3], [10, 20, 30]]]);
    expect(fx.conv1d(x2, t([[[1, 1], [1, -1]]])).toArray()).toEqual([[[-7, -5]]]);
    expect(fx.conv1d(x2, t([[[1, 1]], [[1, -1]]]), { groups: 2 }).toArray()).toEqual([[[3, 5], [-10, -10]]]);
  });

  it("adds a bias per output channel and accepts unbatched input", () => {
    expect(fx.conv1d(x, w, { bias: t([100]) }).toArray()).toEqual([[[98, 98, 98]]]);
    expect(fx.conv1d(t([[1, 2, 3, 4, 5]]), w).toArray()).toEqual([[-2, -2, -2]]);
    expect(x.conv1d(w).toArray()).toEqual([[[-2, -2, -2]]]);
  });

  it("has the gradients of a sliding dot product", () => {
    const [gx, gw] = fx.grad((a: fx.Tensor, b: fx.Tensor) => fx.sum(fx.conv1d(a, b)), { argnums: [0, 1] })(x, w) as fx.Tensor[];
    // x_i meets the taps of every window covering it; w_k meets x[k], x[k+1], x[k+2].
    expect(gx!.toArray()).toEqual([[[1, 1, 0, -1, -1]]]);
    expect(gw!.toArray()).toEqual([[[6, 9, 12]]]);
  });
});

describe("conv2d", () => {
  const x = fx.reshape(fx.arange(1, 10, 1, { dtype: "float32" }), [1, 1, 3, 3]);

  it("worked examples", () => {
    expect(fx.conv2d(x, t([[[[1, 0], [0, 1]]]])).toArray()).toEqual([[[[6, 8], [12, 14]]]]);
    // 3×3 box sums with zero padding.
    expect(fx.conv2d(x, fx.ones([1, 1, 3, 3]), { padding: "same" }).toArray()).toEqual([
      [[[12, 21, 16], [27, 45, 33], [24, 39, 28]]],
    ]);
  });

  it("output shapes: ⌊(H + lo + hi − dilation·(K−1) − 1)/stride⌋ + 1, and ⌈H/stride⌉ for same", () => {
    const z = fx.zeros([2, 3, 7, 9]);
    const k = fx.zeros([4, 3, 3, 3]);
    expect(fx.conv2d(z, k).shape).toEqual([2, 4, 5, 7]);
    expect(fx.conv2d(z, k, { stride: 2 }).shape).toEqual([2, 4, 3, 4]);
    expect(fx.conv2d(z, k, { stride: 2, padding: "same" }).shape).toEqual([2, 4, 4, 5]);
    expect(fx.conv2d(z, k, { dilation: 2 }).shape).toEqual([2, 4, 3, 5]);
    expect(fx.conv2d(z, k, { stride: [1, 3], padding: [[2, 0], 1] }).shape).toEqual([2, 4, 7, 3]);
    expect(fx.conv2d(fx.zeros([3, 5, 5]), k).shape).toEqual([4, 3, 3]);
  });

  it("matches an independent direct evaluation for every option", () => {
    const configs = [
      { stride: [1, 1], pad: [0, 0, 0, 0], dil: [1, 1], groups: 1 },
      { stride: [2, 1], pad: [1, 0, 2, 1], dil: [1, 1], groups: 1 },
      { stride: [1, 2], pad: [1, 1, 1, 1], dil: [2, 1], groups: 2 },
      { stride: [3, 3], pad: [2, 2, 0, 1], dil: [1, 2], groups: 4 },
    ] as const;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (const o of configs) {
      const xs = fx.tensor(Array.from({ length: 2 * 4 * 6 * 7 }, rand), { shape: [2, 4, 6, 7], dtype: "float64" });
      const ws = fx.tensor(Array.from({ length: 4 * (4 / o.groups) * 3 * 2 }, rand), { shape: [4, 4 / o.groups, 3, 2], dtype: "float64" });
      const y = fx.conv2d(xs, ws, {
        stride: [...o.stride],
        padding: [[o.pad[0], o.pad[1]], [o.pad[2], o.pad[3]]],
        dilation: [...o.dil],
        groups: o.groups,
      });
      expectClose(y, naiveConv2d(xs, ws, { stride: [...o.stride], pad: [...o.pad], dil: [...o.dil], groups: o.groups }), 12);
    }
  });

  it("is depthwise when groups equals the channel count", () => {
    const two = fx.concat([x, fx.mul(x, -1)], { axis: 1 }); // [1, 2, 3, 3]
    const y = fx.conv2d(two, t([[[[1, 1], [1, 1]]], [[[1, 0], [0, 0]]]]), { groups: 2 });
    expect(y.toArray()).toEqual([[[[12, 16], [24, 28]], [[-1, -2], [-4, -5]]]]);
  });

  it("keeps float64 and converts integer operands to float32", () => {
    expect(fx.conv2d(fx.zeros([1, 1, 2, 2], { dtype: "float64" }), fx.zeros([1, 1, 1, 1], { dtype: "float64" })).dtype).toBe("float64");
    const yi = fx.conv2d(fx.reshape(fx.arange(4), [1, 1, 2, 2]), fx.reshape(fx.arange(1, 2), [1, 1, 1, 1]));
    expect(yi.dtype).toBe("float32");
    expect(yi.toArray()).toEqual([[[[0, 1], [2, 3]]]]);
  });

  it("records one conv equation, and its gradients are conv equations too", () => {
    const w = fx.ones([4, 3, 3, 3]);
    const fwd = String(fx.trace((a: fx.Tensor) => fx.conv2d(a, w, { stride: 2, padding: "same" }))(fx.zeros([2, 3, 8, 8])));
    expect(fwd).toContain("conv[groups=1 lhsDilation=[1,1] padding=[[0,1],[0,1]] rhsDilation=[1,1] stride=[2,2]]");
    const bwd = String(
      fx.trace(fx.grad((a: fx.Tensor, b: fx.Tensor) => fx.sum(fx.conv2d(a, b, { stride: 2, padding: "same" })), { argnums: [0, 1] }))(
        fx.zeros([2, 3, 8, 8]),
        w,
      ),
    );
    // Input gradient: the cotangent dilated by the stride against the flipped, transposed filter.
    expect(bwd).toContain("conv[groups=1 lhsDilation=[2,2] padding=[[2,1],[2,1]] rhsDilation=[1,1] stride=[1,1]]");
    expect(bwd).toContain("rev[axes=[2,3]]");
    // Filter gradient: the input correlated with the cotangent, which is dilated by the stride.
    expect(bwd).toContain("conv[groups=1 lhsDilation=[1,1] padding=[[0,1],[0,1]] rhsDilation=[2,2] stride=[1,1]]");
  });
});

describe("conv1dTranspose / conv2dTranspose", () => {
  const y = t([[[1, 2]]]);
  const w = t([[[1, 1, 1]]]);

  it("spreads each input over a window, stride apart, summing overlaps", () => {
    expect(fx.conv1dTranspose(y, w, { stride: 2 }).toArray()).toEqual([[[1, 1, 3, 2, 2]]]);
  });

  it("padding crops the output; outputPadding adds back rows at the high end", () => {
    expect(fx.conv1dTranspose(y, w, { stride: 2, padding: 1 }).toArray()).toEqual([[[1, 3, 2]]]);
    expect(fx.conv1dTranspose(y, w, { stride: 2, padding: 1, outputPadding: 1 }).toArray()).toEqual([[[1, 3, 2, 2]]]);
  });

  it("output shape (T−1)·stride − lo − hi + dilation·(K−1) + 1 + outputPadding; same gives T·stride", () => {
    expect(fx.conv2dTranspose(fx.zeros([1, 2, 3, 3]), fx.zeros([2, 4, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 }).shape).toEqual([1, 4, 6, 6]);
    expect(fx.conv2dTranspose(fx.zeros([1, 2, 3, 3]), fx.zeros([2, 2, 3, 3]), { stride: 2, padding: "same", groups: 2 }).shape).toEqual([1, 4, 6, 6]);
    expect(fx.conv2dTranspose(fx.zeros([2, 3, 4]), fx.zeros([2, 5, 2, 2]), { dilation: 2 }).shape).toEqual([5, 5, 6]);
  });

  it('"same" with outputPadding: T·stride + outputPadding rows, the first T·stride as without it', () => {
    const y3 = t([[[1, 2, 3]]]);
    const w4 = t([[[1, 1, 1, 1]]]);
    expect(fx.conv1dTranspose(y3, w4, { stride: 2, padding: "same" }).toArray()).toEqual([[[1, 3, 3, 5, 5, 3]]]);
    // The low padding stays 1: outputPadding appends a row, it does not shift the others.
    expect(fx.conv1dTranspose(y3, w4, { stride: 2, padding: "same", outputPadding: 1 }).toArray()).toEqual([[[1, 3, 3, 5, 5, 3, 3]]]);
    const y2d = fx.reshape(y3, [1, 1, 1, 3]);
    const w2d = fx.reshape(w4, [1, 1, 1, 4]);
    expect(fx.conv2dTranspose(y2d, w2d, { stride: [1, 2], padding: "same", outputPadding: [0, 1] }).toArray()).toEqual([[[[1, 3, 3, 5, 5, 3, 3]]]]);
  });

  it("uses PyTorch's filter layout [in, out/groups, …] and adds a bias per output channel", () => {
    // Two input channels, one output channel: the contributions add up.
    const y2 = t([[[1], [10]]]);
    const w2 = t([[[1, 2]], [[3, 4]]]); // [in=2, out=1, K=2]
    expect(fx.conv1dTranspose(y2, w2, { bias: t([0.5]) }).toArray()).toEqual([[[31.5, 42.5]]]);
  });
});

describe("convolve (true convolution)", () => {
  it("flips the kernel: (a ∗ b)[t] = Σ a[τ]·b[t − τ]", () => {
    expect(fx.convolve(t([1, 2, 3]), t([0, 1, 0.5])).toArray()).toEqual([0, 1, 2.5, 4, 1.5]);
  });

  it('"same" is the centre of the full result, the size of a; "valid" only full overlaps', () => {
    expect(fx.convolve(t([1, 2, 3]), t([0, 1, 0.5]), { mode: "same" }).toArray()).toEqual([1, 2.5, 4]);
    expect(fx.convolve(t([1, 2, 3, 4]), t([1, 1]), { mode: "same" }).toArray()).toEqual([1, 3, 5, 7]);
    expect(fx.convolve(t([1, 2, 3]), t([0, 1, 0.5]), { mode: "valid" }).toArray()).toEqual([2.5]);
    // The larger operand is the signal.
    expect(fx.convolve(t([1, 2]), t([1, 2, 3]), { mode: "valid" }).toArray()).toEqual([4, 7]);
  });

  it("works in 2-D", () => {
    // b = δ(0,1) + δ(1,0): a shifted right plus a shifted down.
    expect(fx.convolve(t([[1, 2], [3, 4]]), t([[0, 1], [1, 0]])).toArray()).toEqual([[0, 1, 2], [1, 5, 4], [3, 4, 0]]);
    expect(t([[1, 2], [3, 4]]).convolve(t([[1]])).toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

describe("errors name the op and the shapes", () => {
  const x = fx.zeros([1, 3, 5, 5]);
  it("conv2d", () => {
    expect(() => fx.conv2d(x, fx.zeros([2, 2, 3, 3]))).toThrow(fx.ShapeError);
    expect(() => fx.conv2d(x, fx.zeros([2, 2, 3, 3]))).toThrow(/conv2d: the input has 3 channels but the filter expects 2 per group × groups=1 = 2 \(input \[1,3,5,5\], filter \[2,2,3,3\]\)/);
    expect(() => fx.conv2d(fx.zeros([5, 5]), fx.zeros([1, 1, 3, 3]))).toThrow(/conv2d: input must be \[N,C,H,W\] \(or \[C,H,W\]\), got \[5,5\]/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3]))).toThrow(/conv2d: filter must have rank 4, got \[2,3,3\]/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3, 3]), { padding: "full" as "same" })).toThrow(/conv2d: padding: expected "valid", "same", .* got "full"/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3, 3]), { padding: -1 })).toThrow(fx.ValueError);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3, 3]), { stride: 0 })).toThrow(/conv2d: stride: expected a positive integer or a list of 2, got 0/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3, 3]), { dilation: [1, 2, 3] })).toThrow(/conv2d: dilation: expected a positive integer or a list of 2, got \[1,2,3\]/);
    expect(() => fx.conv2d(fx.zeros([1, 4, 5, 5]), fx.zeros([3, 2, 3, 3]), { groups: 2 })).toThrow(/conv2d: the 3 filters \(output channels\) do not split into groups=2 \(input \[1,4,5,5\], filter \[3,2,3,3\]\)/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3, 3]), { groups: 0 })).toThrow(/conv2d: groups: expected a positive integer, got 0/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3, 3]), { bias: fx.zeros([3]) })).toThrow(/conv2d: bias must have shape \[2\].*got \[3\]/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 6, 3]))).toThrow(/conv2d: along spatial axis 0 the padded input \(5\) is smaller than the dilated filter \(6\)/);
    expect(() => fx.conv2d(x, fx.zeros([2, 3, 3, 3]), { dilation: 3 })).toThrow(/smaller than the dilated filter \(7\)/);
  });

  it("conv1d", () => {
    expect(() => fx.conv1d(fx.zeros([1, 2, 5]), fx.zeros([1, 3, 2]))).toThrow(/conv1d: the input has 2 channels but the filter expects 3 per group × groups=1 = 3 \(input \[1,2,5\], filter \[1,3,2\]\)/);
    expect(() => fx.conv1d(fx.zeros([1, 2, 5]), fx.zeros([1, 2, 2]), { stride: [1, 1] })).toThrow(/conv1d: stride: expected a positive integer or a list of 1, got \[1,1\]/);
  });

  it("transposed convolution", () => {
    expect(() => fx.conv2dTranspose(x, fx.zeros([2, 3, 3, 3]))).toThrow(/conv2dTranspose: filter \[in, out\/groups, …\] must have in = input channels \(3\)/);
    expect(() => fx.conv2dTranspose(x, fx.zeros([3, 3, 3, 3]), { stride: 2, outputPadding: 2 })).toThrow(/conv2dTranspose: outputPadding \[2,2\] must be smaller than max\(stride, dilation\) = 2/);
    expect(() => fx.conv1dTranspose(fx.zeros([1, 1, 1]), fx.zeros([1, 1, 1]), { padding: 1 })).toThrow(/conv1dTranspose: the padding 1 leaves an empty output/);
  });

  it("convolve", () => {
    expect(() => fx.convolve(fx.zeros([3]), fx.zeros([2, 2]))).toThrow(/convolve: expects two 1-D or two 2-D arrays, got \[3\] and \[2,2\]/);
    expect(() => fx.convolve(fx.zeros([3, 1]), fx.zeros([1, 3]), { mode: "valid" })).toThrow(/convolve: mode "valid" needs one operand at least as large/);
    expect(() => fx.convolve(fx.zeros([3]), fx.zeros([2]), { mode: "circular" as "full" })).toThrow(/convolve: mode: expected "full", "same" or "valid", got "circular"/);
    expect(() => fx.convolve(fx.zeros([0]), fx.zeros([2]))).toThrow(/convolve: operands must not be empty/);
  });

  it("the primitive checks its operands and params", () => {
    const f32 = { shape: [1, 1, 4], dtype: "float32" as const };
    const p = { stride: [1], padding: [[0, 0]], lhsDilation: [1], rhsDilation: [1], groups: 1 };
    expect(convPrim.abstractEval([f32, f32], p)).toEqual({ shape: [1, 1, 1], dtype: "float32" });
    expect(() => convPrim.abstractEval([f32, { ...f32, dtype: "float64" }], p)).toThrow(/conv: input and filter dtypes differ: float32 and float64/);
    expect(() => convPrim.abstractEval([{ ...f32, dtype: "int32" }, { ...f32, dtype: "int32" }], p)).toThrow(/conv: expects float operands, got int32/);
    expect(() => convPrim.abstractEval([f32, f32], { ...p, lhsDilation: [0] })).toThrow(/conv: lhsDilation: expected a list of 1 positive integers, got \[0\]/);
    expect(() => convPrim.abstractEval([f32, f32], { ...p, padding: [[0.5, 0]] })).toThrow(/conv: padding must be 1 \[low, high\] integer pairs/);
    // Negative padding crops (the gradient of a padded convolution uses it).
    expect(convPrim.abstractEval([{ ...f32, shape: [1, 1, 6] }, { ...f32, shape: [1, 1, 2] }], { ...p, padding: [[-2, -1]] }).shape).toEqual([1, 1, 2]);
  });
});
