// One LeNet-5 training step at batch 64 (forward, backward, SGD update) in fluxion, jax-js and
// TensorFlow.js WASM, on the same data and parameters: conv 6@5×5 "same" + bias → relu → max
// pool 2 → conv 16@5×5 valid + bias → relu → max pool 2 → flatten (NCHW order, 400) → dense 120
// → relu → dense 84 → relu → dense 10 → softmax cross-entropy (mean over the batch).
// The layer shapes are the ones of `fx.nn.models.lenet5`; the step is written as a plain function
// of a parameter list so every library computes exactly the same thing.

import * as jax from "@jax-js/jax";
import { fx, randomArray, tf, useBackend } from "./common.js";
import { type Contender, type Failure, type FluxionVariant, LR, attempt, jaxStep, selectVariant, stepChecked } from "./contenders.js";
import { fromHwio, toHwio, toNhwc } from "./layout.js";

export const LENET_BATCH = 64;
export const LENET_CLASSES = 10;

/** Parameter names and shapes (filters OIHW, dense weights [in, out]). */
export const LENET_PARAMS = [
  ["c1w", [6, 1, 5, 5]],
  ["c1b", [6]],
  ["c2w", [16, 6, 5, 5]],
  ["c2b", [16]],
  ["f1w", [400, 120]],
  ["f1b", [120]],
  ["f2w", [120, 84]],
  ["f2b", [84]],
  ["f3w", [84, 10]],
  ["f3b", [10]],
] as const;

type Key = (typeof LENET_PARAMS)[number][0];
const KEYS = LENET_PARAMS.map(([k]) => k);
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Inputs, one-hot labels and uniform fan-in-scaled parameters, the same for every library (and bench/torch_ref.py). */
export function lenetData(batch = LENET_BATCH) {
  const y = new Float32Array(batch * LENET_CLASSES);
  for (let i = 0; i < batch; i++) y[i * LENET_CLASSES + ((i * 3) % LENET_CLASSES)] = 1;
  const params = LENET_PARAMS.map(([, shape], i) => {
    const fanIn = shape.length === 1 ? 16 : size(shape) / shape[shape.length === 4 ? 0 : 1]!;
    return randomArray(size(shape), 40 + i, Math.sqrt(6 / fanIn) * (shape.length === 1 ? 0.1 : 1));
  });
  return { x: randomArray(batch * 28 * 28, 39), y, params, batch };
}

type FxParams = Record<Key, fx.Tensor>;

/** The LeNet-5 loss in fluxion (`lib`: another checkout's fluxion, for old/new comparisons). */
export function lenetLoss(p: FxParams, x: fx.Tensor, y: fx.Tensor, lib: typeof fx = fx): fx.Tensor {
  const relu = (t: fx.Tensor) => lib.maximum(t, 0);
  let h = lib.maxPool2d(relu(lib.conv2d(x, p.c1w, { padding: "same", bias: p.c1b })), 2);
  h = lib.maxPool2d(relu(lib.conv2d(h, p.c2w, { bias: p.c2b })), 2);
  h = h.reshape([x.shape[0]!, 400]);
  h = relu(lib.add(lib.matmul(h, p.f1w), p.f1b));
  h = relu(lib.add(lib.matmul(h, p.f2w), p.f2b));
  const logits = lib.add(lib.matmul(h, p.f3w), p.f3b);
  const logp = lib.sub(logits, lib.logSumExp(logits, { axis: -1, keepDims: true }));
  return lib.neg(lib.mean(lib.sum(lib.mul(y, logp), { axis: -1 })));
}

/** One SGD step: [loss, new parameters] (`lib` as for `lenetLoss`). */
export function lenetStep(p: FxParams, x: fx.Tensor, y: fx.Tensor, lib: typeof fx = fx): [fx.Tensor, FxParams] {
  const [loss, g] = lib.valueAndGrad((pp: FxParams, xx: fx.Tensor, yy: fx.Tensor) => lenetLoss(pp, xx, yy, lib))(p, x, y) as [fx.Tensor, FxParams];
  return [loss, lib.tree.map((w: fx.Tensor, gw: fx.Tensor) => lib.sub(w, lib.mul(gw, LR)), p, g) as FxParams];
}

type JaxParams = Record<Key, jax.Array>;

function jaxLoss(p: JaxParams, x: jax.Array, y: jax.Array): jax.Array {
  const np = jax.numpy;
  const pool = (t: jax.Array) => {
    const [n, c, h, w] = t.shape as [number, number, number, number];
    return np.max(t.reshape([n, c, h / 2, 2, w / 2, 2]), [3, 5]);
  };
  const n = x.shape[0]!;
  let h = pool(jax.nn.relu(jax.lax.conv(x, p.c1w, [1, 1], "SAME").add(p.c1b.reshape([1, 6, 1, 1]))));
  h = pool(jax.nn.relu(jax.lax.conv(h, p.c2w, [1, 1], "VALID").add(p.c2b.reshape([1, 16, 1, 1]))));
  h = h.reshape([n, 400]);
  h = jax.nn.relu(np.matmul(h, p.f1w).add(p.f1b));
  h = jax.nn.relu(np.matmul(h, p.f2w).add(p.f2b));
  const logits = np.matmul(h, p.f3w).add(p.f3b);
  return np.mean(np.sum(y.mul(jax.nn.logSoftmax(logits, -1)), -1)).neg();
}

/** The contenders of the LeNet step: every fluxion variant, jax-js, tfjs-wasm (which may fail). */
export function lenetContenders(variants: readonly FluxionVariant[], threads: boolean, batch = LENET_BATCH): (Contender | Failure)[] {
  const d = lenetData(batch);
  const out: (Contender | Failure)[] = variants.map((v) =>
    attempt(v.name, () => {
      const enter = () => selectVariant(v, threads);
      enter();
      const p = Object.fromEntries(LENET_PARAMS.map(([k, shape], i) => [k, fx.tensor(d.params[i]!).reshape(shape)])) as FxParams;
      const x = fx.tensor(d.x).reshape([batch, 1, 28, 28]);
      const y = fx.tensor(d.y).reshape([batch, LENET_CLASSES]);
      const step = fx.jit(lenetStep);
      let last = step(p, x, y);
      return {
        enter,
        run: () => void (last = step(p, x, y)),
        result: () => stepChecked(last[0].item(), d.params, KEYS.map((k) => last[1][k].data())),
      };
    }),
  );
  out.push(
    attempt("jax-js", () => {
      const np = jax.numpy;
      const step = jax.jit((p: JaxParams, x: jax.Array, y: jax.Array) => {
        const [l, g] = jax.valueAndGrad(jaxLoss)(jax.tree.map((w: jax.Array) => w.ref, p) as JaxParams, x, y) as [jax.Array, JaxParams];
        return [l, jax.tree.map((w: jax.Array, gw: jax.Array) => w.sub(gw.mul(LR)), p, g)] as const;
      });
      const p = Object.fromEntries(LENET_PARAMS.map(([k, shape], i) => [k, np.array(d.params[i]!, { shape: [...shape] })])) as JaxParams;
      const x = np.array(d.x, { shape: [batch, 1, 28, 28] });
      const y = np.array(d.y, { shape: [batch, LENET_CLASSES] });
      return jaxStep(() => step(jax.tree.map((w: jax.Array) => w.ref, p) as JaxParams, x.ref, y.ref) as unknown as [jax.Array, JaxParams], KEYS, d.params);
    }),
    attempt("tfjs-wasm", () => tfjsLenet(d)),
  );
  return out;
}

/** The step in tfjs on its WASM backend, channels-last (NHWC, filters HWIO); flattened in NCHW order. */
function tfjsLenet(d: ReturnType<typeof lenetData>): Omit<Contender, "name"> {
  const n = d.batch;
  useBackend("wasm");
  const params = LENET_PARAMS.map(([, shape], i) => (shape.length === 4 ? tf.tensor4d(toHwio(d.params[i]!, shape), [shape[2], shape[3], shape[1], shape[0]]) : tf.tensor(d.params[i]!, [...shape])));
  const x = tf.tensor4d(toNhwc(d.x, [n, 1, 28, 28]), [n, 28, 28, 1]);
  const y = tf.tensor2d(d.y, [n, LENET_CLASSES]);
  const loss = (...p: tf.Tensor[]): tf.Scalar => {
    let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, p[0] as tf.Tensor4D, 1, "same"), p[1]!)) as tf.Tensor4D, 2, 2, "valid");
    h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, p[2] as tf.Tensor4D, 1, "valid"), p[3]!)) as tf.Tensor4D, 2, 2, "valid");
    let f: tf.Tensor = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [n, 400]);
    f = tf.relu(tf.add(tf.matMul(f as tf.Tensor2D, p[4] as tf.Tensor2D), p[5]!));
    f = tf.relu(tf.add(tf.matMul(f as tf.Tensor2D, p[6] as tf.Tensor2D), p[7]!));
    const logits = tf.add(tf.matMul(f as tf.Tensor2D, p[8] as tf.Tensor2D), p[9]!);
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  };
  const valueAndGrads = tf.valueAndGrads(loss);
  let last: Float32Array[] = [];
  return {
    enter: () => useBackend("wasm"),
    run: () => {
      useBackend("wasm");
      const outs = tf.tidy(() => {
        const { value, grads } = valueAndGrads(params);
        return [value, ...params.map((w, i) => tf.sub(w, tf.mul(grads[i]!, LR)))];
      });
      last = outs.map((t) => t.dataSync() as Float32Array);
      tf.dispose(outs);
    },
    result: () => {
      const [l, ...ps] = last;
      return stepChecked(l![0]!, d.params, ps.map((w, i) => { const shape = LENET_PARAMS[i]![1]; return shape.length === 4 ? fromHwio(w, shape) : w; }));
    },
  };
}
