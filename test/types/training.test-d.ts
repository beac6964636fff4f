// Type tests for a full training step: the params and state types flow from layer.init to
// apply, from optim.init to update, through valueAndGrad and jit, and out of fx.train.fit.

import { describe, expectTypeOf, it } from "vitest";
import * as fx from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { AdamState } from "../../src/optim/adaptive.js";
import type { EmptyState } from "../../src/optim/base.js";

const L = fx.nn.layers;
type Dense = { w: Tensor; b?: Tensor };
type None = fx.nn.layers.NoParams;

describe("layers", () => {
  it("init's params and state types are apply's", () => {
    const layer = L.dense(3);
    const init = layer.init(fx.random.key(0), [2]);
    expectTypeOf(init.params).toEqualTypeOf<Dense>();
    expectTypeOf(init.state).toEqualTypeOf<None>();
    expectTypeOf(layer.apply).parameters.toEqualTypeOf<[params: Dense, state: None, x: Tensor, options?: fx.nn.layers.ApplyOptions]>();
    expectTypeOf(L.batchNorm().init(fx.random.key(0), [4]).state).toEqualTypeOf<{ mean: Tensor; var: Tensor }>();
  });

  it("combinators give the tuple (or object) of their children's params and states", () => {
    const mlp = L.serial(L.dense(8), L.relu(), L.dense(2));
    expectTypeOf(mlp.init(fx.random.key(0), [4]).params).toEqualTypeOf<[Dense, None, Dense]>();
    const named = L.serial({ hidden: L.dense(8), bn: L.batchNorm(), out: L.dense(2) });
    expectTypeOf<fx.nn.layers.ParamsOf<typeof named>>().toEqualTypeOf<{ hidden: Dense; bn: { scale?: Tensor; bias?: Tensor }; out: Dense }>();
    expectTypeOf<fx.nn.layers.StateOf<typeof named>>().toEqualTypeOf<{ hidden: None; bn: { mean: Tensor; var: Tensor }; out: None }>();
    expectTypeOf(L.parallel([L.dense(2), L.dense(3)]).init(fx.random.key(0), [4]).params).toEqualTypeOf<[Dense, Dense]>();
  });
});

describe("optimisers", () => {
  it("the state flows from init to update; updates have the gradients' type", () => {
    const params = { w: fx.zeros([2]), b: fx.zeros([1]) };
    const opt = fx.optim.adam(1e-3);
    const state = opt.init(params);
    expectTypeOf(state).toEqualTypeOf<AdamState>();
    expectTypeOf(opt.update(params, state, params)).toEqualTypeOf<[typeof params, AdamState]>();
    expectTypeOf(fx.optim.applyUpdates(params, params)).toEqualTypeOf<typeof params>();
    const chained = fx.optim.chain(fx.optim.clipByGlobalNorm(1), fx.optim.adam(1e-3));
    expectTypeOf(chained.init(params)).toEqualTypeOf<[EmptyState, AdamState]>();
  });
});

describe("a full training step", () => {
  const model = L.serial(L.dense(8), L.batchNorm(), L.relu(), L.dense(3));
  type P = fx.nn.layers.ParamsOf<typeof model>;
  type S = fx.nn.layers.StateOf<typeof model>;
  const opt = fx.optim.chain(fx.optim.clipByGlobalNorm(1), fx.optim.adam(1e-3));
  type O = ReturnType<typeof opt.init>;

  it("valueAndGrad with hasAux, update, applyUpdates, under jit: every type is kept", () => {
    const step = fx.jit((params: P, state: S, optState: O, x: Tensor, y: Tensor) => {
      const lossOf = (p: P) => {
        const [logits, next] = model.apply(p, state, x, { train: true });
        return [fx.nn.losses.softmaxCrossEntropy(logits, y), next] as const;
      };
      const [[loss, nextState], grads] = fx.valueAndGrad(lossOf, { hasAux: true })(params);
      expectTypeOf(grads).toEqualTypeOf<P>();
      expectTypeOf(nextState).toEqualTypeOf<S>();
      const [updates, nextOpt] = opt.update(grads, optState, params);
      return { params: fx.optim.applyUpdates(params, updates), state: nextState, optState: nextOpt, loss };
    });
    const { params, state } = model.init(fx.random.key(0), [4]);
    const out = step(params, state, opt.init(params), fx.zeros([2, 4]), fx.zeros([2], { dtype: "int32" }));
    expectTypeOf(out).toEqualTypeOf<{ params: P; state: S; optState: O; loss: Tensor }>();
    expectTypeOf(step).parameters.toEqualTypeOf<[params: P, state: S, optState: O, x: Tensor, y: Tensor]>();
  });

  it("fit returns the model's params and state types", () => {
    type Fit = ReturnType<typeof fx.train.fit<P, S>>;
    expectTypeOf<Awaited<Fit>["params"]>().toEqualTypeOf<P>();
    expectTypeOf<Awaited<Fit>["state"]>().toEqualTypeOf<S>();
  });
});
