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
    const out = tree.map((x: fx.Tensor, y: fx.Tensor) => fx.add(x, y), p, g);
    expect(out.w.toArray()).toEqual([11, 22]);
    expect(out.b.toArray()).toEqual([33]);
    // @ts-expect-error the trees must have the same structure
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

describe("tree keeps every key, including __proto__ and Object.prototype's names", () => {
  const tricky = () => {
    const t: Record<string, unknown> = JSON.parse('{"__proto__": 1, "constructor": 2, "hasOwnProperty": 3, "toString": 4, "plain": 5}');
    return t;
  };
  const ownKeys = (o: object) => Object.keys(o).sort();

  it("JSON.parse makes an own __proto__ key (the fixture is what we think it is)", () => {
    const t = tricky();
    expect(Object.prototype.hasOwnProperty.call(t, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
  });

  it("flatten/unflatten round-trips every key as an own data property, prototype untouched", () => {
    const [leaves, def] = tree.flatten(tricky());
    expect(leaves).toEqual([1, 2, 3, 5, 4]); // sorted: __proto__, constructor, hasOwnProperty, plain, toString
    const back = tree.unflatten<Record<string, unknown>>(def, [10, 20, 30, 40, 50]);
    expect(ownKeys(back)).toEqual(["__proto__", "constructor", "hasOwnProperty", "plain", "toString"]);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, "__proto__")!.value).toBe(10);
    expect(back["constructor"]).toBe(20);
    expect(back["toString"]).toBe(50);
    expect(tree.treeDefKey(tree.structure(back))).toBe(tree.treeDefKey(def));
  });

  it("tree.map keeps them", () => {
    const out = tree.map((v: number) => v * 2, tricky()) as Record<string, unknown>;
    expect(ownKeys(out)).toEqual(["__proto__", "constructor", "hasOwnProperty", "plain", "toString"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")!.value).toBe(2);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it("an own __proto__ made with Object.defineProperty survives too", () => {
    const t = { a: 1 };
    Object.defineProperty(t, "__proto__", { value: 7, enumerable: true, writable: true, configurable: true });
    const out = tree.map((v: number) => v + 1, t) as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")!.value).toBe(8);
    expect(out["a"]).toBe(2);
  });

  it("grad and jit keep them", () => {
    const params = JSON.parse('{"__proto__": 0, "constructor": 0}') as Record<string, fx.Tensor>;
    Object.defineProperty(params, "__proto__", { value: fx.tensor([1, 2]), enumerable: true, writable: true, configurable: true });
    params["constructor"] = fx.tensor([3]);
    const loss = (p: Record<string, fx.Tensor>) => fx.add(fx.sum(fx.square(p["__proto__"]!)), fx.sum(p["constructor"]!));
    const g = fx.grad(loss)(params) as Record<string, fx.Tensor>;
    expect(ownKeys(g)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(g, "__proto__")!.value.toArray()).toEqual([2, 4]);
    expect(g["constructor"]!.toArray()).toEqual([1]);
    const j = fx.jit((p: Record<string, fx.Tensor>) => ({ ...p }))(params as Record<string, fx.Tensor>) as Record<string, fx.Tensor>;
    expect(ownKeys(j)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(j, "__proto__")!.value.toArray()).toEqual([1, 2]);
  });
});
