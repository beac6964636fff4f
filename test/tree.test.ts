// Pytrees: flatten/unflatten round trips, deterministic key order, map, leaves, structure.

import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";

const { tree } = fx;

describe("tree", () => {
  it("flattens nested objects, arrays and tuples in sorted-key order", () => {
    const a = fx.scalar(1);
    const b = fx.scalar(2);
    const c = fx.scalar(3);
    const [leaves] = tree.flatten({ z: a, a: [b, { y: c }] });
    expect(leaves).toEqual([b, c, a]);
  });

  it("key order does not depend on construction order", () => {
    const s1 = tree.structure({ w: 1, b: 2 });
    const s2 = tree.structure({ b: 2, w: 1 });
    expect(tree.treeDefsEqual(s1, s2)).toBe(true);
    expect(tree.treeDefKey(s1)).toBe('{"b":*,"w":*}');
  });

  it("unflatten inverts flatten, keeping null and undefined", () => {
    const t = { layers: [{ w: fx.ones([2]), b: null }, { w: fx.zeros([1]), b: undefined }], step: 3 };
    const [leaves, def] = tree.flatten(t);
    expect(leaves.length).toBe(3);
    const back = tree.unflatten<typeof t>(def, leaves);
    expect(back.layers[0]!.b).toBeNull();
    expect(back.layers[1]!.b).toBeUndefined();
    expect(back.layers[0]!.w).toBe(t.layers[0]!.w);
    expect(back.step).toBe(3);
    expect(() => tree.unflatten(def, [1])).toThrow(/tree.unflatten: structure has 3 leaves but 1 values were given/);
  });

  it("map applies a function to corresponding leaves", () => {
    const p = { w: fx.tensor([1, 2]), b: fx.tensor([3]) };
    const g = { w: fx.tensor([10, 20]), b: fx.tensor([30]) };
    const out = tree.map<{ w: fx.Tensor; b: fx.Tensor }>((x: fx.Tensor, y: fx.Tensor) => fx.add(x, y), p, g);
    expect(out.w.toArray()).toEqual([11, 22]);
    expect(out.b.toArray()).toEqual([33]);
    expect(() => tree.map((x: unknown) => x, p, { w: 1 })).toThrow(/tree.map: tree 1 has structure \{"w":\*\}, expected \{"b":\*,"w":\*\}/);
  });

  it("leaves and a lone leaf", () => {
    expect(tree.leaves([1, [2, [3]]])).toEqual([1, 2, 3]);
    expect(tree.leaves(5)).toEqual([5]);
    expect(tree.structure(5)).toEqual({ kind: "leaf" });
    expect(tree.leaves({})).toEqual([]);
  });

  it("tensors and class instances are leaves, not containers", () => {
    const t = fx.ones([2]);
    expect(tree.leaves({ t, d: new Date(0) }).length).toBe(2);
  });
});
