// Laws of fx.nn.layers over random stacks of layers on random image sizes (float64, eager):
//   - init either succeeds or throws a ShapeError naming the serial position of the layer that
//     does not fit; when it succeeds, apply's output is [batch, ...outputShape] in training
//     and in inference, and the new state has the old state's structure;
//   - summary counts exactly the scalars init creates, and agrees on the output shape;
//   - init is deterministic: the same key gives the same parameters, bit for bit;
//   - inference is per example: a batch's output rows equal each example's own output.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { mismatch } from "./gradcheck.js";
import { runs } from "./runs.js";

const L = fx.nn.layers;
type Layer = fx.nn.layers.Layer;
type Tree = fx.nn.layers.Tree;

/** A spatial layer (on [C, H, W]) drawn from its description. */
const spatialLayerArb: fc.Arbitrary<[string, () => Layer]> = fc.oneof(
  fc.record({ f: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 4 }), same: fc.boolean(), stride: fc.integer({ min: 1, max: 2 }) }).map(
    ({ f, k, same, stride }) => [`conv2d(${f}, ${k}, ${same ? "same" : "valid"}, /${stride})`, () => L.conv2d(f, k, { padding: same ? "same" : "valid", stride })] as [string, () => Layer],
  ),
  fc.integer({ min: 1, max: 3 }).map((w) => [`maxPool2d(${w})`, () => L.maxPool2d(w)] as [string, () => Layer]),
  fc.integer({ min: 1, max: 3 }).map((w) => [`avgPool2d(${w}, /1)`, () => L.avgPool2d(w, { stride: 1 })] as [string, () => Layer]),
  fc.constant(["batchNorm", () => L.batchNorm()] as [string, () => Layer]),
  fc.constant(["relu", () => L.relu()] as [string, () => Layer]),
  fc.constant(["prelu", () => L.prelu()] as [string, () => Layer]),
  fc.constant(["dropout", () => L.dropout(0.5)] as [string, () => Layer]),
  fc.integer({ min: 1, max: 3 }).map((f) => [`residual(conv2d(${f}))`, () => L.residual(L.conv2d(f, 3, { padding: "same" }))] as [string, () => Layer]),
);

const stackArb = fc.record({
  input: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })),
  spatial: fc.array(spatialLayerArb, { minLength: 1, maxLength: 4 }),
  head: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  batch: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(1000),
});

function build(c: { spatial: [string, () => Layer][]; head: number | undefined }): Layer {
  const layers = c.spatial.map(([, make]) => make());
  if (c.head !== undefined) layers.push(L.flatten(), L.dense(c.head));
  return L.serial(...layers);
}

const describeStack = (c: { input: number[]; spatial: [string, () => Layer][]; head?: number }) =>
  `[${c.input}] → ${c.spatial.map(([d]) => d).join(" → ")}${c.head !== undefined ? ` → flatten → dense(${c.head})` : ""}`;

const count = (tree: Tree) => fx.tree.leaves<Tensor>(tree).reduce((n, t) => n + t.size, 0);

describe("layer stacks", () => {
  it("init fits or names the misfit; apply gives the shape init promised; summary agrees", () => {
    fc.assert(
      fc.property(stackArb, (c) => {
        const model = build(c);
        const key = fx.random.key(c.seed);
        let init: fx.nn.layers.Initialized;
        try {
          init = model.init(key, c.input, { dtype: "float64" });
        } catch (e) {
          expect(e, describeStack(c)).toBeInstanceOf(fx.ShapeError);
          expect(String(e)).toMatch(/^ShapeError: serial: layer \d+ \(/);
          return;
        }
        const x = fx.random.normal(fx.random.key(c.seed + 1), [c.batch, ...c.input], { dtype: "float64" });
        for (const train of [false, true]) {
          const [y, s] = model.apply(init.params, init.state, x, { train, key: fx.random.key(c.seed + 2) });
          expect(y.shape, describeStack(c)).toEqual([c.batch, ...init.outputShape]);
          expect(fx.tree.structure(s)).toEqual(fx.tree.structure(init.state));
        }
        const s = fx.nn.summary(model, c.input, { print: false, dtype: "float64" });
        expect(s.totalParams).toBe(count(init.params));
        expect(s.totalState).toBe(count(init.state));
        expect(s.outputShape).toEqual(init.outputShape);
      }),
      runs(100),
    );
  }, 300_000);

  it("init is deterministic, and inference is per example", () => {
    fc.assert(
      fc.property(stackArb, (c) => {
        const model = build(c);
        const key = fx.random.key(c.seed);
        let init: fx.nn.layers.Initialized;
        try {
          init = model.init(key, c.input, { dtype: "float64" });
        } catch {
          return;
        }
        const again = model.init(key, c.input, { dtype: "float64" });
        const a = fx.tree.leaves<Tensor>(init.params);
        fx.tree.leaves<Tensor>(again.params).forEach((t, i) => {
          const u = Array.from(t.data());
          const v = Array.from(a[i]!.data());
          expect(u.every((e, j) => Object.is(e, v[j]))).toBe(true);
        });
        const x = fx.random.normal(fx.random.key(c.seed + 1), [c.batch, ...c.input], { dtype: "float64" });
        const [y] = model.apply(init.params, init.state, x);
        const rows = Array.from({ length: c.batch }, (_, i) => {
          const xi = fx.slice(x, [[i, i + 1]]);
          return Array.from(model.apply(init.params, init.state, xi)[0].data());
        });
        expect(mismatch(Array.from(y.data()), rows.flat(), { rtol: 1e-12, atol: 1e-12 }), describeStack(c)).toBeNull();
      }),
      runs(100),
    );
  }, 300_000);
});
