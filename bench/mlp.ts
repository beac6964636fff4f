// Benchmark 3: one training step of a 784-256-10 MLP (relu, softmax cross-entropy) at batch 128:
// the loss value, its gradient with respect to all parameters and a plain SGD update.

import { assertClose, type Case, FLUXION_MODE, type SuiteDef, fx, maybeJit, onBackend, randomArray, tf, useBackend } from "./common.js";

export const BATCH = 128;
export const INPUT = 784;
export const HIDDEN = 256;
export const CLASSES = 10;
const LR = 0.01;

interface Data {
  x: Float32Array;
  y: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

function makeData(): Data {
  const y = new Float32Array(BATCH * CLASSES);
  for (let i = 0; i < BATCH; i++) y[i * CLASSES + ((i * 7) % CLASSES)] = 1;
  return {
    x: randomArray(BATCH * INPUT, 11),
    y,
    w1: randomArray(INPUT * HIDDEN, 12, Math.sqrt(6 / (INPUT + HIDDEN))),
    b1: new Float32Array(HIDDEN),
    w2: randomArray(HIDDEN * CLASSES, 13, Math.sqrt(6 / (HIDDEN + CLASSES))),
    b2: new Float32Array(CLASSES),
  };
}

type Params = { w1: fx.Tensor; b1: fx.Tensor; w2: fx.Tensor; b2: fx.Tensor };

function fluxionParams(d: Data): Params {
  return {
    w1: fx.tensor(d.w1).reshape([INPUT, HIDDEN]),
    b1: fx.tensor(d.b1),
    w2: fx.tensor(d.w2).reshape([HIDDEN, CLASSES]),
    b2: fx.tensor(d.b2),
  };
}

export function mlpLoss(p: Params, x: fx.Tensor, y: fx.Tensor): fx.Tensor {
  const h = fx.maximum(fx.add(fx.matmul(x, p.w1), p.b1), 0);
  const logits = fx.add(fx.matmul(h, p.w2), p.b2);
  const logp = fx.sub(logits, fx.logSumExp(logits, { axis: -1, keepDims: true }));
  return fx.neg(fx.mean(fx.sum(fx.mul(y, logp), { axis: -1 })));
}

/** One SGD step: [loss, new params]. */
export function mlpStep(p: Params, x: fx.Tensor, y: fx.Tensor): [fx.Tensor, Params] {
  const [loss, g] = fx.valueAndGrad(mlpLoss)(p, x, y) as [fx.Tensor, Params];
  return [loss, fx.tree.map((w: fx.Tensor, gw: fx.Tensor) => fx.sub(w, fx.mul(gw, LR)), p, g) as Params];
}

/** The same step written by hand over flat arrays (i-k-j matmul loops), updating in place. */
export function handStep(d: Data): number {
  const { x, y, w1, b1, w2, b2 } = d;
  const z1 = new Float32Array(BATCH * HIDDEN);
  const z2 = new Float32Array(BATCH * CLASSES);
  for (let b = 0; b < BATCH; b++) {
    const zr = b * HIDDEN;
    z1.set(b1, zr);
    for (let i = 0; i < INPUT; i++) {
      const xv = x[b * INPUT + i]!;
      const wr = i * HIDDEN;
      for (let j = 0; j < HIDDEN; j++) z1[zr + j]! += xv * w1[wr + j]!;
    }
  }
  const h = z1.map((v) => (v > 0 ? v : 0));
  let loss = 0;
  const dz2 = new Float32Array(BATCH * CLASSES);
  for (let b = 0; b < BATCH; b++) {
    const r = b * CLASSES;
    z2.set(b2, r);
    for (let j = 0; j < HIDDEN; j++) {
      const hv = h[b * HIDDEN + j]!;
      for (let c = 0; c < CLASSES; c++) z2[r + c]! += hv * w2[j * CLASSES + c]!;
    }
    let mx = -Infinity;
    for (let c = 0; c < CLASSES; c++) mx = Math.max(mx, z2[r + c]!);
    let se = 0;
    for (let c = 0; c < CLASSES; c++) se += Math.exp(z2[r + c]! - mx);
    const lse = mx + Math.log(se);
    let sy = 0;
    for (let c = 0; c < CLASSES; c++) {
      loss -= y[r + c]! * (z2[r + c]! - lse);
      sy += y[r + c]!;
    }
    for (let c = 0; c < CLASSES; c++) dz2[r + c] = (Math.exp(z2[r + c]! - lse) * sy - y[r + c]!) / BATCH;
  }
  // Backward: dW2 = hᵀ dz2, dh = dz2 W2ᵀ ⊙ [z1 > 0], dW1 = xᵀ dz1.
  const dw2 = new Float32Array(HIDDEN * CLASSES);
  const db2 = new Float32Array(CLASSES);
  const dz1 = new Float32Array(BATCH * HIDDEN);
  const db1 = new Float32Array(HIDDEN);
  for (let b = 0; b < BATCH; b++) {
    for (let j = 0; j < HIDDEN; j++) {
      const hv = h[b * HIDDEN + j]!;
      let s = 0;
      for (let c = 0; c < CLASSES; c++) {
        const g = dz2[b * CLASSES + c]!;
        dw2[j * CLASSES + c]! += hv * g;
        s += g * w2[j * CLASSES + c]!;
      }
      const g1 = z1[b * HIDDEN + j]! > 0 ? s : 0;
      dz1[b * HIDDEN + j] = g1;
      db1[j]! += g1;
    }
    for (let c = 0; c < CLASSES; c++) db2[c]! += dz2[b * CLASSES + c]!;
  }
  const dw1 = new Float32Array(INPUT * HIDDEN);
  for (let b = 0; b < BATCH; b++) {
    for (let i = 0; i < INPUT; i++) {
      const xv = x[b * INPUT + i]!;
      const wr = i * HIDDEN;
      const gr = b * HIDDEN;
      for (let j = 0; j < HIDDEN; j++) dw1[wr + j]! += xv * dz1[gr + j]!;
    }
  }
  for (let i = 0; i < w1.length; i++) w1[i]! -= LR * dw1[i]!;
  for (let i = 0; i < b1.length; i++) b1[i]! -= LR * db1[i]!;
  for (let i = 0; i < w2.length; i++) w2[i]! -= LR * dw2[i]!;
  for (let i = 0; i < b2.length; i++) b2[i]! -= LR * db2[i]!;
  return loss / BATCH;
}

function tfVars(backend: "cpu" | "wasm", d: Data) {
  return onBackend(backend, () => ({
    x: tf.tensor2d(d.x, [BATCH, INPUT]),
    y: tf.tensor2d(d.y, [BATCH, CLASSES]),
    vars: [
      tf.variable(tf.tensor2d(d.w1, [INPUT, HIDDEN])),
      tf.variable(tf.tensor1d(d.b1)),
      tf.variable(tf.tensor2d(d.w2, [HIDDEN, CLASSES])),
      tf.variable(tf.tensor1d(d.b2)),
    ] as [tf.Variable, tf.Variable, tf.Variable, tf.Variable],
  }));
}

/** One tfjs step: value and gradients through `variableGrads`, then SGD by `assign`. */
function tfStep(backend: "cpu" | "wasm", t: ReturnType<typeof tfVars>): number {
  const { x, y, vars } = t;
  const [w1, b1, w2, b2] = vars;
  const loss = () => {
    const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const logits = tf.add(tf.matMul(h, w2), b2);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  useBackend(backend);
  const value = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, vars);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, LR)));
    return value;
  });
  const out = value.dataSync()[0]!;
  value.dispose();
  return out;
}

function tfCase(backend: "cpu" | "wasm", d: Data): Case {
  const t = tfVars(backend, d);
  return { name: `tfjs-${backend}`, fn: () => tfStep(backend, t) };
}

export const mlpSuite: SuiteDef = {
  name: "MLP 784-256-10 train step (batch 128)",
  reference: `fluxion ${FLUXION_MODE}`,
  check() {
    // Two steps from the same start: the losses of every implementation agree.
    const d = makeData();
    const copy = (): Data => ({ ...d, w1: d.w1.slice(), b1: d.b1.slice(), w2: d.w2.slice(), b2: d.b2.slice() });
    const hand = copy();
    const want = [handStep(hand), handStep(hand)];
    const step = maybeJit(mlpStep);
    let p = fluxionParams(d);
    const x = fx.tensor(d.x).reshape([BATCH, INPUT]);
    const y = fx.tensor(d.y).reshape([BATCH, CLASSES]);
    const got: number[] = [];
    for (let i = 0; i < 2; i++) {
      const [loss, next] = step(p, x, y);
      got.push(loss.item());
      p = next;
    }
    assertClose("mlp fluxion", got, want, 1e-4);
    for (const backend of ["cpu", "wasm"] as const) {
      const t = tfVars(backend, copy());
      assertClose(`mlp tfjs-${backend}`, [tfStep(backend, t), tfStep(backend, t)], want, 1e-4);
      tf.dispose([t.x, t.y, ...t.vars]);
    }
  },
  cases() {
    const d = makeData();
    const x = fx.tensor(d.x).reshape([BATCH, INPUT]);
    const y = fx.tensor(d.y).reshape([BATCH, CLASSES]);
    let params = fluxionParams(d);
    const step = maybeJit(mlpStep);
    const hand: Data = { ...d, w1: d.w1.slice(), b1: d.b1.slice(), w2: d.w2.slice(), b2: d.b2.slice() };
    const cases: Case[] = [
      {
        name: `fluxion ${FLUXION_MODE}`,
        fn: () => {
          const [loss, next] = step(params, x, y);
          params = next;
          return loss.item();
        },
      },
    ];
    if (FLUXION_MODE === "jit") {
      let eagerParams = params;
      cases.push({
        name: "fluxion eager",
        fn: () => {
          const [loss, next] = mlpStep(eagerParams, x, y);
          eagerParams = next;
          return loss.item();
        },
      });
    }
    cases.push(tfCase("cpu", d), tfCase("wasm", d), { name: "hand-written loop", fn: () => handStep(hand) });
    return cases;
  },
};
