// fx.nn.ensemble: members initialised from split keys equal models initialised one by one; one
// vmapped training step equals each member's own step, bit for bit; prediction averages the
// members' probabilities or counts their votes; clear errors; the MNIST example runs (small).

import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as fx from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { tensorDifference } from "../props/exact.js";

type Tree = fx.nn.layers.Tree;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Member b of a stacked pytree. */
const member = (tree: unknown, b: number) => fx.tree.map((x: Tensor) => fx.reshape(fx.slice(x, [[b, b + 1]]), x.shape.slice(1)), tree);

function expectSameTree(got: unknown, expected: unknown): void {
  const [a] = fx.tree.flatten(got);
  const [b] = fx.tree.flatten(expected);
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(tensorDifference(x as Tensor, b[i] as Tensor)).toBeNull());
}

describe("fx.nn.ensemble", () => {
  const model = fx.nn.models.mlp([5, 7, 3]);
  const ens = fx.nn.ensemble(model, 4);
  const x = fx.random.normal(fx.random.key(1), [6, 5]);
  const y = fx.tensor([0, 1, 2, 0, 1, 2], { dtype: "int32" });

  it("init: member b is the model initialised from split(key, n)[b]; params stacked along a leading axis", () => {
    const { params, state, outputShape } = ens.init(fx.random.key(3), [5]);
    expect(outputShape).toEqual([3]);
    const keys = fx.random.splitKeys(fx.random.key(3), 4);
    keys.forEach((k, b) => {
      const one = model.init(k, [5]);
      expectSameTree(member(params, b), one.params);
      expectSameTree(member(state, b), one.state);
    });
  });

  it("one vmapped, jitted step equals every member's own step, bit for bit", () => {
    const optimizer: fx.optim.GradientTransformation = fx.optim.adam(0.01);
    let { params, state } = ens.init(fx.random.key(3), [5]);
    let optState = ens.initOptimizer(optimizer, params);
    const step = ens.trainStep(optimizer);
    const separate = fx.jit((p: Tree, o: unknown) => {
      const [value, grads] = fx.valueAndGrad((q: Tree) => fx.nn.losses.softmaxCrossEntropy(model.apply(q, {}, x)[0], y))(p);
      const [updates, o1] = optimizer.update(grads, o, p);
      return [fx.optim.applyUpdates(p, updates), o1, value];
    });
    const members = [0, 1, 2, 3].map((b) => ({ p: member(params, b) as Tree, o: optimizer.init(member(params, b)) }));
    for (let s = 0; s < 2; s++) {
      let losses: Tensor;
      [params, state, optState, losses] = step(params, state, optState, x, y);
      members.forEach((m, b) => {
        const [p1, o1, value] = separate(m.p, m.o) as [Tree, unknown, Tensor];
        [m.p, m.o] = [p1, o1];
        expect(Object.is(losses.data()[b], value.item())).toBe(true);
        expectSameTree(member(params, b), p1);
      });
    }
    expect(step(params, state, optState, x, y)[3].shape).toEqual([4]);
  });

  it("with dropout and batch norm: member b trains with split(key, n)[b] and keeps its own statistics", () => {
    const withState = fx.nn.models.mlp([5, 6, 3], { dropout: 0.5, batchNorm: true });
    const pair = fx.nn.ensemble(withState, 2);
    const optimizer: fx.optim.GradientTransformation = fx.optim.sgd(0.1);
    const { params, state } = pair.init(fx.random.key(8), [5]);
    const [p1, s1, , losses] = pair.trainStep(optimizer)(params, state, pair.initOptimizer(optimizer, params), x, y, fx.random.key(9));
    const keys = fx.random.splitKeys(fx.random.key(9), 2);
    [0, 1].forEach((b) => {
      const objective = (q: Tree) => {
        const [out, s] = withState.apply(q, member(state, b) as Tree, x, { train: true, key: keys[b]! });
        return [fx.nn.losses.softmaxCrossEntropy(out, y), s] as const;
      };
      const [[value, sb], grads] = fx.valueAndGrad(objective, { hasAux: true })(member(params, b)) as [[Tensor, Tree], Tree];
      expect(Object.is(losses.data()[b], value.item())).toBe(true);
      expectSameTree(member(s1, b), sb);
      expectSameTree(member(p1, b), fx.optim.applyUpdates(member(params, b), optimizer.update(grads, optimizer.init(member(params, b)), member(params, b))[0]));
    });
    expect(losses.data()[0]).not.toBe(losses.data()[1]);
  });

  it("predict: mean of the members' softmax probabilities, or the share of votes per class", () => {
    const { params, state } = ens.init(fx.random.key(4), [5]);
    const [outputs] = ens.apply(params, state, x);
    expect(outputs.shape).toEqual([4, 6, 3]);
    const probs = [0, 1, 2, 3].map((b) => fx.nn.softmax(model.apply(member(params, b) as Tree, {}, x)[0]));
    const mean = fx.div(probs.reduce((a, b) => fx.add(a, b)), 4);
    const got = ens.predict(params, state, x);
    expect(got.shape).toEqual([6, 3]);
    const [g, m] = [got.data(), mean.data()];
    g.forEach((v, i) => expect(Math.abs(v - m[i]!)).toBeLessThan(1e-6));
    const votes = ens.predict(params, state, x, { combine: "vote" });
    const expectedVotes = fx.div(probs.map((p) => fx.oneHot(fx.argmax(p, { axis: -1 }), 3)).reduce((a, b) => fx.add(a, b)), 4);
    expect(tensorDifference(votes, expectedVotes)).toBeNull();
    expect(tensorDifference(fx.nn.memberAccuracies(outputs, y), fx.stack(probs.map((p) => fx.nn.accuracy(p, y))))).toBeNull();
  });

  it("errors name the ensemble and the bad value", () => {
    expect(() => fx.nn.ensemble(model, 0)).toThrow("ensemble: n must be a positive integer, got 0");
    expect(() => fx.nn.ensemble({} as never, 2)).toThrow(/ensemble: model must be a Layer/);
    const { params, state } = ens.init(fx.random.key(4), [5]);
    expect(() => ens.predict(params, state, x, { combine: "median" } as never)).toThrow(fx.ArgumentError);
    expect(() => ens.init(fx.zeros([2]), [5])).toThrow(/ensemble.init: a key is an int32 tensor/);
  });
});

describe("examples/ensemble-mnist.ts", () => {
  it("trains 8 MLPs at once on a few hundred digits and reports each member and the ensemble", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", join(root, "examples/ensemble-mnist.ts")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, TRAIN_DIGITS: "384", TEST_DIGITS: "400", EPOCHS: "1", HIDDEN: "16" },
    });
    expect(out).toMatch(/384 training digits, 400 test digits/);
    expect(out).toMatch(/8 MLPs 784-16-10 trained at once/);
    expect(out.match(/^member \d: test accuracy \d+\.\d\d%$/gm)).toHaveLength(8);
    expect(out).toMatch(/^average member: \d+\.\d\d%, best member: \d+\.\d\d%$/m);
    expect(out).toMatch(/^ensemble \(mean probabilities\): \d+\.\d\d%, ensemble \(majority vote\): \d+\.\d\d%$/m);
  }, 120_000);
});
