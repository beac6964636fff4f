// Layout ops: reshape (with -1), transpose, broadcastTo, and the shape composites
// expandDims, squeeze, flatten.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

const x = fx.arange(6).reshape([2, 3]);

describe("reshape", () => {
  it("keeps row-major order and infers one -1", () => {
    expect(x.reshape([3, 2]).toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(x.reshape([-1]).toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(x.reshape([1, -1, 2]).shape).toEqual([1, 3, 2]);
    expect(fx.reshape(fx.scalar(3), [1, 1]).shape).toEqual([1, 1]);
    expect(x.reshape([2, 3])).toBe(x);
  });
  it("rejects mismatched sizes and several -1s", () => {
    expect(() => x.reshape([4, 2])).toThrow(/reshape: cannot reshape \[2,3\] \(6 elements\) to \[4,2\] \(8 elements\)/);
    expect(() => x.reshape([-1, -1])).toThrow(/at most one dimension can be -1/);
    expect(() => x.reshape([4, -1])).toThrow(fx.ShapeError);
    expect(() => x.reshape([-2, 3])).toThrow(/reshape: shape: expected .*one may be -1.*got \[-2,3\]/);
  });
});

describe("transpose", () => {
  it("reverses axes by default and accepts any permutation", () => {
    expect(x.transpose().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    const y = fx.arange(24).reshape([2, 3, 4]);
    const t = y.transpose([1, 2, 0]);
    expect(t.shape).toEqual([3, 4, 2]);
    // t[i,j,k] = y[k,i,j]
    expect((t.toArray() as number[][][])[2]![1]![0]).toBe((y.toArray() as number[][][])[0]![2]![1]);
    expect(y.transpose([0, -1, 1]).shape).toEqual([2, 4, 3]);
  });
  it("rejects non-permutations", () => {
    expect(() => x.transpose([0, 0])).toThrow(/transpose: \[0,0\] is not a permutation of the 2 axes/);
    expect(() => x.transpose([0])).toThrow(fx.ValueError);
  });
});

describe("broadcastTo", () => {
  it("repeats along new and size-1 axes", () => {
    expect(fx.broadcastTo(fx.tensor([1, 2]), [2, 2]).toArray()).toEqual([[1, 2], [1, 2]]);
    expect(fx.broadcastTo(fx.tensor([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(fx.broadcastTo(fx.scalar(5), [2]).toArray()).toEqual([5, 5]);
  });
  it("rejects impossible targets", () => {
    expect(() => fx.broadcastTo(fx.ones([3]), [4])).toThrow(/broadcastTo: cannot broadcast shape \[3\] to \[4\]/);
    expect(() => fx.broadcastTo(fx.ones([2, 3]), [3])).toThrow(fx.ShapeError);
  });
});

describe("expandDims / squeeze / flatten", () => {
  it("expandDims inserts size-1 axes at result positions", () => {
    expect(fx.expandDims(x, { axis: 0 }).shape).toEqual([1, 2, 3]);
    expect(fx.expandDims(x, { axis: -1 }).shape).toEqual([2, 3, 1]);
    expect(fx.expandDims(x, { axis: [0, 2] }).shape).toEqual([1, 2, 1, 3]);
    expect(x.expandDims({ axis: 1 }).toArray()).toEqual([[[0, 1, 2]], [[3, 4, 5]]]);
    expect(() => fx.expandDims(x, { axis: 4 })).toThrow(/expandDims: axis 4 is out of range for a tensor of rank 3/);
    expect(() => fx.expandDims(x, { axis: [1, 1] })).toThrow(/repeated axis/);
  });
  it("squeeze removes all or the named size-1 axes", () => {
    const y = fx.zeros([1, 2, 1, 3]);
    expect(fx.squeeze(y).shape).toEqual([2, 3]);
    expect(fx.squeeze(y, { axis: 2 }).shape).toEqual([1, 2, 3]);
    expect(fx.squeeze(y, { axis: [0, -2] }).shape).toEqual([2, 3]);
    expect(y.squeeze({ axis: 0 }).shape).toEqual([2, 1, 3]);
    expect(() => fx.squeeze(y, { axis: 1 })).toThrow(/squeeze: axis 1 of shape \[1,2,1,3\] has size 2, not 1/);
    expect(() => fx.squeeze(y, { axis: 5 })).toThrow(fx.ValueError);
  });
  it("flatten collapses a range of axes", () => {
    const y = fx.zeros([2, 3, 4, 5]);
    expect(fx.flatten(y).shape).toEqual([120]);
    expect(fx.flatten(y, { startAxis: 1 }).shape).toEqual([2, 60]);
    expect(fx.flatten(y, { startAxis: 1, endAxis: 2 }).shape).toEqual([2, 12, 5]);
    expect(fx.flatten(fx.scalar(1)).shape).toEqual([1]);
    expect(() => fx.flatten(y, { startAxis: 2, endAxis: 1 })).toThrow(/flatten: startAxis 2 is after endAxis 1/);
  });
});
