// vmap side by side with the loops it replaces, in one run:
//   1. per-example gradients of a small MLP (batch 64): one jitted
//      vmap(grad(loss), { inAxes: [null, 0, 0] }) call vs a loop of 64 calls of jitted grad(loss),
//      for a 64-32-10 MLP and for a 784-32-10 one;
//   2. one training step of an 8-member ensemble of MLPs (SGD): fx.nn.ensemble's one jitted
//      vmapped step vs 8 separate models' jitted steps, for 784-64-10 at batch 128 (the MNIST
//      example's) and 64-32-10 at batch 32.
// Prints each side's median time per call and ratio = loop time / vmap time (above 1: vmap is
// faster). Before timing, each pair is checked to compute the same values.
//
// The two sides are timed INTERLEAVED (vmap, loop, vmap, loop, …; medians of each), not one
// after the other as benny does: on a shared, loaded machine the load drifts over seconds, and
// interleaving gives both sides the same drift.
//
//   npm run bench:vmap                      60 samples of each side per comparison
//   npm run bench:vmap -- --samples 200

import { type Case, assertClose, fx, median, randomArray } from "./common.js";

type Tensor = fx.Tensor;
type Tree = fx.nn.layers.Tree;

interface Geometry {
  readonly batch: number;
  readonly input: number;
  readonly hidden: number;
  readonly classes: number;
}

const PER_EXAMPLE: Geometry[] = [
  { batch: 64, input: 64, hidden: 32, classes: 10 },
  { batch: 64, input: 784, hidden: 32, classes: 10 },
];
const MEMBERS = 8;
const ENSEMBLE: Geometry[] = [
  { batch: 128, input: 784, hidden: 64, classes: 10 },
  { batch: 32, input: 64, hidden: 32, classes: 10 },
];

interface Mlp {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

function mlpParams(input: number, hidden: number, classes: number, seed: number): Mlp {
  return {
    w1: fx.tensor(randomArray(input * hidden, seed, Math.sqrt(6 / (input + hidden)))).reshape([input, hidden]),
    b1: fx.zeros([hidden]),
    w2: fx.tensor(randomArray(hidden * classes, seed + 1, Math.sqrt(6 / (hidden + classes)))).reshape([hidden, classes]),
    b2: fx.zeros([classes]),
  };
}

/** Softmax cross-entropy of one example: x [input], label an int32 scalar. */
function exampleLoss(p: Mlp, x: Tensor, label: Tensor): Tensor {
  const h = fx.maximum(fx.add(fx.matmul(x, p.w1), p.b1), 0);
  const logits = fx.add(fx.matmul(h, p.w2), p.b2);
  return fx.nn.losses.softmaxCrossEntropy(fx.reshape(logits, [1, -1]), fx.reshape(label, [1]));
}

function labels(n: number, classes: number): Tensor {
  return fx.tensor(Array.from({ length: n }, (_, i) => (i * 7) % classes), { dtype: "int32" });
}

function perExampleCases({ batch, input, hidden, classes }: Geometry): Case[] {
  const params = mlpParams(input, hidden, classes, 21);
  const xs = fx.tensor(randomArray(batch * input, 22)).reshape([batch, input]);
  const ys = labels(batch, classes);
  const batched = fx.jit(fx.vmap(fx.grad(exampleLoss), { inAxes: [null, 0, 0] }));
  const single = fx.jit(fx.grad(exampleLoss));
  const rows = Array.from({ length: batch }, (_, b) => [fx.reshape(fx.slice(xs, [[b, b + 1]]), [input]), fx.reshape(fx.slice(ys, [[b, b + 1]]), [])] as const);
  // Same values before timing: example 5's gradient of w1 both ways.
  const viaVmap = batched(params, xs, ys) as Mlp;
  const viaLoop = single(params, ...rows[5]!) as Mlp;
  assertClose("per-example w1 gradient", fx.reshape(fx.slice(viaVmap.w1, [[5, 6]]), [input, hidden]).data(), viaLoop.w1.data(), 0);
  return [
    { name: "vmap(grad)", fn: () => batched(params, xs, ys) },
    { name: `loop of ${batch} grad calls`, fn: () => rows.map(([x, y]) => single(params, x, y)) },
  ];
}

function ensembleCases({ batch, input, hidden, classes }: Geometry): Case[] {
  const members = MEMBERS;
  const model = fx.nn.models.mlp([input, hidden, classes]);
  const optimizer: fx.optim.GradientTransformation = fx.optim.sgd(0.1);
  const ens = fx.nn.ensemble(model, members);
  const { params, state } = ens.init(fx.random.key(5), [input]);
  const optState = ens.initOptimizer(optimizer, params);
  const step = ens.trainStep(optimizer);
  const x = fx.tensor(randomArray(batch * input, 23)).reshape([batch, input]);
  const y = labels(batch, classes);
  const single = fx.jit((p: Tree, o: unknown) => {
    const [value, grads] = fx.valueAndGrad((q: Tree) => fx.nn.losses.softmaxCrossEntropy(model.apply(q, {}, x)[0], y))(p);
    const [updates, o1] = optimizer.update(grads, o, p);
    return [fx.optim.applyUpdates(p, updates), o1, value];
  });
  const separate = Array.from({ length: members }, (_, b) => {
    const p = fx.tree.map((t: Tensor) => fx.reshape(fx.slice(t, [[b, b + 1]]), t.shape.slice(1)), params) as Tree;
    return { p, o: optimizer.init(p) };
  });
  const [, , , losses] = step(params, state, optState, x, y);
  const memberLoss = (single(separate[3]!.p, separate[3]!.o) as [Tree, unknown, Tensor])[2];
  assertClose("member 3's loss", [losses.data()[3]!], memberLoss.data(), 0);
  return [
    { name: `ensemble of ${members} (one vmapped step)`, fn: () => step(params, state, optState, x, y) },
    { name: `${members} separate models`, fn: () => separate.map((m) => single(m.p, m.o)) },
  ];
}

/** Median seconds per call of each case, sampled alternately (after two warm-up calls each). */
function interleaved(cases: readonly Case[], samples: number): number[] {
  const times: number[][] = cases.map(() => []);
  for (const c of cases) for (let w = 0; w < 2; w++) c.fn();
  for (let s = 0; s < samples; s++) {
    // Alternate which case goes first, so neither always runs right after the other.
    const order = s % 2 === 0 ? cases.map((_, i) => i) : cases.map((_, i) => cases.length - 1 - i);
    for (const i of order) {
      const t0 = performance.now();
      cases[i]!.fn();
      times[i]!.push((performance.now() - t0) / 1e3);
    }
  }
  return times.map(median);
}

async function main() {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--samples");
  const samples = at >= 0 ? Number(argv[at + 1]) : 60;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`bench vmap: --samples must be a positive integer, got ${argv[at + 1]}`);
  const mlp = (g: Geometry) => `MLP ${g.input}-${g.hidden}-${g.classes}, batch ${g.batch}`;
  const suites: [string, () => Case[]][] = [
    ...PER_EXAMPLE.map((g) => [`per-example gradients, ${mlp(g)}`, () => perExampleCases(g)] as [string, () => Case[]]),
    ...ENSEMBLE.map((g) => [`ensemble training step, ${MEMBERS} × ${mlp(g)}`, () => ensembleCases(g)] as [string, () => Case[]]),
  ];
  for (const [name, make] of suites) {
    const cases = make();
    const [vmapped, loop] = interleaved(cases, samples);
    console.log(`${name}:`);
    console.log(`  ${cases[0]!.name}: ${(vmapped! * 1e3).toFixed(2)} ms; ${cases[1]!.name}: ${(loop! * 1e3).toFixed(2)} ms`);
    console.log(`  ratio loop / vmap = ${(loop! / vmapped!).toFixed(2)} (above 1: vmap is faster)`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
