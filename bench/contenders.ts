// The contenders of bench/compare.ts: each benchmark's work written once per library (fluxion
// under each backend variant, jax-js, TensorFlow.js, a hand-written loop), all on the same data.
// A contender is set up once; `run` is one timed call (the result ends up on the host: fluxion
// runs synchronously, jax-js and tfjs results are read back with dataSync), `result` returns
// what the cross-check compares after a run. A library that cannot run a benchmark is a
// `Failure` carrying its error message, never a crash.

import * as jax from "@jax-js/jax";
import { fx, onBackend, randomArray, tf, useBackend } from "./common.js";
import { CHAIN_A, CHAIN_B, transcendentalChain, transcendentalLoop } from "./elementwise.js";
import { fromHwio, fromNhwc, toHwio, toNhwc } from "./layout.js";
import { BATCH, CLASSES, HIDDEN, INPUT, mlpStep } from "./mlp.js";

/** What a cross-check compares: an optional loss and a vector of values (outputs or gradients). */
export interface Checked {
  readonly loss?: number;
  readonly values: ArrayLike<number>;
}

export interface Contender {
  readonly name: string;
  /** Called before the check and before every timed window (fluxion: selects its backend). */
  readonly enter?: () => void;
  readonly run: () => void;
  /** The values of the last run, for the cross-check. */
  readonly result: () => Checked;
}

/** A contender that cannot run the benchmark, with the library's error message. */
export interface Failure {
  readonly name: string;
  readonly fails: string;
}

/** Sets a contender up, or records why its library cannot run the work (first call included). */
export function attempt(name: string, make: () => Omit<Contender, "name">): Contender | Failure {
  try {
    const c = { name, ...make() };
    c.enter?.();
    c.run();
    return c;
  } catch (e) {
    return { name, fails: e instanceof Error ? e.message.split("\n")[0]!.slice(0, 200) : String(e) };
  }
}

// ---- fluxion variants ---------------------------------------------------------------------

/** One way of running fluxion: backend, float32 contraction accumulation, worker threads. */
export interface FluxionVariant {
  readonly name: string;
  readonly backend: "js" | "wasm";
  readonly accumulation: "float64" | "float32";
  readonly threads: number;
  /** setBackend's `transcendentals` (default "float64"; the chain also runs "float32", single-step exp/tanh/σ). */
  readonly transcendentals?: "float64" | "float32";
}

/** Whether this checkout's `setBackend` takes a `threads` option (feature-detected, restored after). */
export function threadsOptionSupported(): boolean {
  try {
    fx.setBackend("auto", { threads: 1 } as fx.BackendOptions);
    return true;
  } catch (e) {
    if (e instanceof Error && /threads/.test(e.message)) return false;
    throw e;
  } finally {
    fx.setBackend("auto");
  }
}

/**
 * The variants timed: JS kernels, WebAssembly with float64 accumulation (fluxion's default, bit
 * for bit the JS results) and with float32 accumulation, each on one thread; with a `threads`
 * option, the two WebAssembly ones on two threads as well.
 */
export function fluxionVariants(threads: boolean): FluxionVariant[] {
  const one: FluxionVariant[] = [
    { name: "fluxion-js", backend: "js", accumulation: "float64", threads: 1 },
    { name: "fluxion-wasm-f64acc", backend: "wasm", accumulation: "float64", threads: 1 },
    { name: "fluxion-wasm-f32acc", backend: "wasm", accumulation: "float32", threads: 1 },
  ];
  if (!threads) return one;
  return [...one, ...one.filter((v) => v.backend === "wasm").map((v) => ({ ...v, name: `${v.name}-2t`, threads: 2 }))];
}

/** Makes `v` the active fluxion configuration (kernels compiled from now on use it). */
export function selectVariant(v: FluxionVariant, threads: boolean): void {
  const options: Record<string, unknown> = { accumulation: v.accumulation };
  if (threads) options.threads = v.threads;
  if (v.transcendentals !== undefined) options.transcendentals = v.transcendentals;
  fx.setBackend(v.backend, options as fx.BackendOptions);
}

/** A fluxion contender: `make` runs under the variant (so its jit compiles with it) and returns run/result. */
function fluxion(v: FluxionVariant, threads: boolean, make: () => Omit<Contender, "name" | "enter">): Contender | Failure {
  const enter = () => selectVariant(v, threads);
  return attempt(v.name, () => {
    enter();
    return { enter, ...make() };
  });
}

// ---- matmul ------------------------------------------------------------------------------

/** The two n×n operands of the matmul benchmark. */
export function matmulData(n: number): { a: Float32Array; b: Float32Array } {
  return { a: randomArray(n * n, 11 * n + 1), b: randomArray(n * n, 11 * n + 2) };
}

export function matmulContenders(n: number, variants: readonly FluxionVariant[], threads: boolean, peers: { tfjsCpu: boolean }): (Contender | Failure)[] {
  const { a, b } = matmulData(n);
  const out: (Contender | Failure)[] = variants.map((v) =>
    fluxion(v, threads, () => {
      const x = fx.tensor(a).reshape([n, n]);
      const y = fx.tensor(b).reshape([n, n]);
      const mm = fx.jit((p: fx.Tensor, q: fx.Tensor) => fx.matmul(p, q));
      let c = mm(x, y);
      return { run: () => void (c = mm(x, y)), result: () => ({ values: c.data() }) };
    }),
  );
  out.push(
    attempt("jax-js", () => {
      const x = jax.numpy.array(a, { shape: [n, n] });
      const y = jax.numpy.array(b, { shape: [n, n] });
      const mm = jax.jit((p: jax.Array, q: jax.Array) => jax.numpy.matmul(p, q));
      let last: ArrayLike<number> = [];
      return { run: () => void (last = mm(x.ref, y.ref).dataSync() as ArrayLike<number>), result: () => ({ values: last }) };
    }),
  );
  const backends = peers.tfjsCpu ? (["cpu", "wasm"] as const) : (["wasm"] as const);
  for (const backend of backends) out.push(attempt(`tfjs-${backend}`, () => tfjsRun(backend, () => [tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])], ([x, y]) => [tf.matMul(x!, y!)], (r) => ({ values: r[0]! }))));
  return out;
}

/**
 * A tfjs contender on `backend`: inputs made once, `f` run inside `tf.tidy`, every output read
 * back (dataSync) and disposed; `check` turns the read-back outputs into the checked values.
 */
function tfjsRun(backend: "cpu" | "wasm", inputs: () => tf.Tensor[], f: (xs: tf.Tensor[]) => tf.Tensor[], check: (outs: Float32Array[]) => Checked): Omit<Contender, "name"> {
  const xs = onBackend(backend, inputs);
  let last: Float32Array[] = [];
  return {
    enter: () => useBackend(backend),
    run: () => {
      useBackend(backend);
      const outs = tf.tidy(() => f(xs));
      last = outs.map((t) => t.dataSync() as Float32Array);
      tf.dispose(outs);
    },
    result: () => check(last),
  };
}

// ---- the fused chain ---------------------------------------------------------------------

/** Elements of the chain benchmark. */
export const CHAIN_SIZE = 1 << 20;

export function chainData(size: number): Float32Array {
  return randomArray(size, 2, 4);
}

export function chainContenders(size: number, variants: readonly FluxionVariant[], threads: boolean): (Contender | Failure)[] {
  const data = chainData(size);
  // Accumulation does not enter an elementwise chain: one variant per backend and thread count,
  // and the WebAssembly ones again with float32-step transcendentals (f32x4 lanes).
  const chainVariants = variants.filter((v) => v.accumulation === "float64");
  const f32trans = chainVariants.filter((v) => v.backend === "wasm").map((v): FluxionVariant => ({ ...v, name: v.name.replace("f64acc", "f32trans"), transcendentals: "float32" }));
  const out: (Contender | Failure)[] = [...chainVariants, ...f32trans]
    .map((v) =>
      fluxion(v, threads, () => {
        const x = fx.tensor(data);
        const chain = fx.jit(transcendentalChain);
        let y = chain(x);
        return { run: () => void (y = chain(x)), result: () => ({ values: y.data() }) };
      }),
    );
  out.push(
    attempt("jax-js", () => {
      const np = jax.numpy;
      const x = np.array(data);
      const chain = jax.jit((v: jax.Array) => np.tanh(v.ref.mul(CHAIN_A).add(CHAIN_B)).mul(jax.nn.sigmoid(v.ref)).add(np.maximum(v.sub(1), 0)));
      let last: ArrayLike<number> = [];
      return { run: () => void (last = chain(x.ref).dataSync() as ArrayLike<number>), result: () => ({ values: last }) };
    }),
    attempt("tfjs-wasm", () =>
      tfjsRun("wasm", () => [tf.tensor1d(data)], ([x]) => [x!.mul(CHAIN_A).add(CHAIN_B).tanh().mul(x!.sigmoid()).add(x!.sub(1).maximum(0))], (r) => ({ values: r[0]! })),
    ),
    attempt("hand-written loop", () => {
      let last: ArrayLike<number> = [];
      return { run: () => void (last = transcendentalLoop(data)), result: () => ({ values: last }) };
    }),
  );
  return out;
}

// ---- training steps (MLP here, LeNet-5 in ./lenet.ts) -------------------------------------

export const LR = 0.01;

/**
 * The checked values of a training step: the loss and the gradients recovered from the update,
 * (w − w′)/lr, so every contender must compute the same gradients, not only the same loss.
 */
export function stepChecked(loss: number, before: readonly ArrayLike<number>[], after: readonly ArrayLike<number>[]): Checked {
  const size = before.reduce((s, w) => s + w.length, 0);
  const g = new Float64Array(size);
  let o = 0;
  before.forEach((w, i) => {
    const w2 = after[i]!;
    for (let j = 0; j < w.length; j++) g[o++] = (w[j]! - w2[j]!) / LR;
  });
  return { loss, values: g };
}

/** MLP step inputs, the same for every contender (parameter order w1, b1, w2, b2). */
export function mlpData(batch = BATCH) {
  const y = new Float32Array(batch * CLASSES);
  for (let i = 0; i < batch; i++) y[i * CLASSES + ((i * 7) % CLASSES)] = 1;
  const b1 = randomArray(HIDDEN, 14, 0.1);
  const b2 = randomArray(CLASSES, 15, 0.1);
  return {
    x: randomArray(batch * INPUT, 11),
    y,
    batch,
    params: [randomArray(INPUT * HIDDEN, 12, Math.sqrt(6 / (INPUT + HIDDEN))), b1, randomArray(HIDDEN * CLASSES, 13, Math.sqrt(6 / (HIDDEN + CLASSES))), b2],
    shapes: [[INPUT, HIDDEN], [HIDDEN], [HIDDEN, CLASSES], [CLASSES]],
  };
}

type MlpParams = { w1: fx.Tensor; b1: fx.Tensor; w2: fx.Tensor; b2: fx.Tensor };
type JaxMlpParams = { w1: jax.Array; b1: jax.Array; w2: jax.Array; b2: jax.Array };
const MLP_KEYS = ["w1", "b1", "w2", "b2"] as const;

export function mlpContenders(variants: readonly FluxionVariant[], threads: boolean, batch = BATCH): (Contender | Failure)[] {
  const d = mlpData(batch);
  const out: (Contender | Failure)[] = variants.map((v) =>
    fluxion(v, threads, () => {
      const p = Object.fromEntries(MLP_KEYS.map((k, i) => [k, fx.tensor(d.params[i]!).reshape(d.shapes[i]!)])) as MlpParams;
      const x = fx.tensor(d.x).reshape([batch, INPUT]);
      const y = fx.tensor(d.y).reshape([batch, CLASSES]);
      const step = fx.jit(mlpStep);
      let last = step(p, x, y);
      return {
        run: () => void (last = step(p, x, y)),
        result: () => stepChecked(last[0].item(), d.params, MLP_KEYS.map((k) => last[1][k].data())),
      };
    }),
  );
  out.push(
    attempt("jax-js", () => {
      const np = jax.numpy;
      const loss = (p: JaxMlpParams, x: jax.Array, y: jax.Array): jax.Array => {
        const h = jax.nn.relu(np.matmul(x, p.w1).add(p.b1));
        const logits = np.matmul(h, p.w2).add(p.b2);
        return np.mean(np.sum(y.mul(jax.nn.logSoftmax(logits, -1)), -1)).neg();
      };
      const step = jax.jit((p: JaxMlpParams, x: jax.Array, y: jax.Array) => {
        const [l, g] = jax.valueAndGrad(loss)(jax.tree.map((w: jax.Array) => w.ref, p) as JaxMlpParams, x, y) as [jax.Array, JaxMlpParams];
        return [l, jax.tree.map((w: jax.Array, gw: jax.Array) => w.sub(gw.mul(LR)), p, g)] as const;
      });
      const p = Object.fromEntries(MLP_KEYS.map((k, i) => [k, np.array(d.params[i]!, { shape: d.shapes[i]! })])) as JaxMlpParams;
      const x = np.array(d.x, { shape: [batch, INPUT] });
      const y = np.array(d.y, { shape: [batch, CLASSES] });
      return jaxStep(() => step(jax.tree.map((w: jax.Array) => w.ref, p) as JaxMlpParams, x.ref, y.ref) as unknown as [jax.Array, JaxMlpParams], MLP_KEYS, d.params);
    }),
    attempt("tfjs-wasm", () =>
      tfjsRun(
        "wasm",
        () => [tf.tensor2d(d.x, [batch, INPUT]), tf.tensor2d(d.y, [batch, CLASSES]), ...d.params.map((w, i) => tf.tensor(w, d.shapes[i]))],
        ([x, y, ...ps]) => {
          const loss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
            const h = tf.relu(tf.add(tf.matMul(x!, w1), b1));
            const logits = tf.add(tf.matMul(h, w2), b2);
            return tf.neg(tf.mean(tf.sum(tf.mul(y!, tf.logSoftmax(logits)), -1))) as tf.Scalar;
          };
          const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) => loss(ws[0]!, ws[1]!, ws[2]!, ws[3]!))(ps);
          return [value, ...ps.map((w, i) => tf.sub(w, tf.mul(grads[i]!, LR)))];
        },
        ([l, ...ps]) => stepChecked(l![0]!, d.params, ps),
      ),
    ),
  );
  return out;
}

/**
 * A jax-js training step contender: `call` runs the jitted step on references to fixed
 * parameters (every call starts from the same ones, as fluxion's does); every output is read back.
 */
export function jaxStep<K extends string>(call: () => [jax.Array, Record<K, jax.Array>], keys: readonly K[], before: readonly Float32Array[]): Omit<Contender, "name"> {
  let loss = 0;
  let after: ArrayLike<number>[] = [];
  return {
    run: () => {
      const [l, q] = call();
      after = keys.map((k) => q[k].dataSync() as ArrayLike<number>);
      loss = (l.dataSync() as Float32Array)[0]!;
    },
    result: () => stepChecked(loss, before, after),
  };
}

// ---- convolution forward + both gradients -------------------------------------------------

/** LeNet's second convolution at batch 64: [64,6,14,14] ∗ [16,6,5,5] valid → [64,16,10,10]. */
export const CONV = { n: 64, c: 6, size: 14, o: 16, k: 5 } as const;
export const CONV_OUT = CONV.size - CONV.k + 1;

/** Inputs of the conv benchmark at batch `n`. */
export function convData(n: number = CONV.n) {
  const { c, size, o, k } = CONV;
  return {
    x: randomArray(n * c * size * size, 31),
    w: randomArray(o * c * k * k, 32, Math.sqrt(6 / (c * k * k))),
    // fixed cotangent weights: loss = Σ conv(x, w)·r
    r: randomArray(n * o * CONV_OUT * CONV_OUT, 33),
  };
}

/** Checked values of the conv benchmark: Σ conv·r and both gradients, concatenated (dx then dw). */
function convChecked(loss: number, dx: ArrayLike<number>, dw: ArrayLike<number>): Checked {
  const values = new Float64Array(dx.length + dw.length);
  values.set(dx);
  values.set(dw, dx.length);
  return { loss, values };
}

export function convContenders(variants: readonly FluxionVariant[], threads: boolean, n: number = CONV.n): (Contender | Failure)[] {
  const { c, size, o, k } = CONV;
  const d = convData(n);
  const xShape = [n, c, size, size];
  const wShape = [o, c, k, k];
  const rShape = [n, o, CONV_OUT, CONV_OUT];
  const out: (Contender | Failure)[] = variants.map((v) =>
    fluxion(v, threads, () => {
      const x = fx.tensor(d.x).reshape(xShape);
      const w = fx.tensor(d.w).reshape(wShape);
      const r = fx.tensor(d.r).reshape(rShape);
      const loss = (x: fx.Tensor, w: fx.Tensor, r: fx.Tensor) => fx.sum(fx.mul(fx.conv2d(x, w), r));
      const step = fx.jit(fx.valueAndGrad(loss, { argnums: [0, 1] }) as (x: fx.Tensor, w: fx.Tensor, r: fx.Tensor) => [fx.Tensor, [fx.Tensor, fx.Tensor]]);
      let last = step(x, w, r);
      return { run: () => void (last = step(x, w, r)), result: () => convChecked(last[0].item(), last[1][0].data(), last[1][1].data()) };
    }),
  );
  out.push(
    attempt("jax-js", () => {
      const np = jax.numpy;
      const loss = (x: jax.Array, w: jax.Array, r: jax.Array) => np.sum(jax.lax.conv(x, w, [1, 1], "VALID").mul(r));
      const step = jax.jit(jax.valueAndGrad(loss, { argnums: [0, 1] }) as (x: jax.Array, w: jax.Array, r: jax.Array) => [jax.Array, [jax.Array, jax.Array]]);
      const x = np.array(d.x, { shape: xShape });
      const w = np.array(d.w, { shape: wShape });
      const r = np.array(d.r, { shape: rShape });
      let last: Checked = { values: [] };
      return {
        run: () => {
          const [l, [dx, dw]] = step(x.ref, w.ref, r.ref);
          const gx = dx.dataSync() as ArrayLike<number>;
          const gw = dw.dataSync() as ArrayLike<number>;
          last = convChecked((l.dataSync() as Float32Array)[0]!, gx, gw);
        },
        result: () => last,
      };
    }),
    attempt("tfjs-wasm", () =>
      tfjsRun(
        "wasm",
        () => [tf.tensor4d(toNhwc(d.x, xShape), [n, size, size, c]), tf.tensor4d(toHwio(d.w, wShape), [k, k, c, o]), tf.tensor4d(toNhwc(d.r, rShape), [n, CONV_OUT, CONV_OUT, o])],
        ([x, w, r]) => {
          const { value, grads } = tf.valueAndGrads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, "valid"), r!)) as tf.Scalar)([x!, w!]);
          return [value, ...grads];
        },
        ([l, dx, dw]) => convChecked(l![0]!, fromNhwc(dx!, xShape), fromHwio(dw!, wShape)),
      ),
    ),
  );
  return out;
}
