// The training worker: loads the digits, trains LeNet-5 with fx.train.fit between the page's
// start and stop, classifies drawn digits and saves / loads the weights as safetensors bytes.
// Everything heavy runs here, so the page never freezes. fit yields a task between steps, so
// a stop or a prediction request is answered while training runs.
//
// Backend: ?codegen=off forces fluxion's eval-free interpreter (setCodeGeneration("off"));
// otherwise fluxion probes whether it may generate code — under the page's strict CSP (no
// 'unsafe-eval') it may not and uses the interpreter; with ?codegen=allow the server allows it.

import * as fx from "../../src/browser.js";
import { decodeDigits, PIXELS } from "./digits.js";
import type { Backend, FromWorker, ToWorker } from "./protocol.js";

const TEST_COUNT = 500;
const BATCH = 32;
/** Steps between two measurements of the test accuracy. */
const TEST_EVERY = 50;
/** Steps the shown speed averages over. */
const SPEED_WINDOW = 20;

const mode = new URL(self.location.href).searchParams.get("codegen") ?? "strict";
if (mode === "off") fx.setCodeGeneration("off");
const backend: Backend = fx.codeGenerationAvailable() ? "codegen" : "interpreter";
/** Whether WebAssembly SIMD runs here (the page's CSP decides; jit uses it for contractions when it generates code). */
const wasm = fx.backendInUse() === "wasm";

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

const model = fx.nn.models.lenet5();
/** The current weights; fit continues from them. optState is dropped by a load (Adam starts afresh). */
let current: { params: fx.nn.layers.Tree; state: fx.nn.layers.Tree; optState?: unknown } = model.init(fx.random.key(0), [1, 28, 28]);
let steps = 0;
let running = false;
let stopAsked = false;

/** Class probabilities for a batch of images. Compiled once per batch size. */
const probabilities = fx.jit((params: fx.nn.layers.Tree, state: fx.nn.layers.Tree, x: fx.Tensor) => fx.nn.softmax(model.apply(params, state, x, { train: false })[0]));

/** The digits, split once: TEST_COUNT held out (a fixed shuffle), the rest for training. */
const data = (async () => {
  const response = await fetch(new URL("digits.bin", self.location.href));
  if (!response.ok) throw new Error(`digits.bin: HTTP ${response.status}`);
  const { count, images, labels } = decodeDigits(new Uint8Array(await response.arrayBuffer()));
  const all = { x: fx.tensor(images, { shape: [count, 1, 28, 28] }), y: fx.tensor(labels, { shape: [count], dtype: "int32" }) };
  const { train, val } = fx.data.trainValSplit(all, { fraction: TEST_COUNT / count, key: fx.random.key(1) });
  return { train, test: val };
})();

/** The accuracy of the current weights on the held-out digits. */
async function testAccuracy(): Promise<number> {
  const { test } = await data;
  const predicted = fx.argmax(probabilities(current.params, current.state, test.x), { axis: -1 }).data();
  const labels = test.y.data();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}

/**
 * The training speed over the last SPEED_WINDOW steps. A step's time runs from the end of the
 * previous step's callback to its own, so the test evaluations are left out; a run's first step,
 * which compiles the training step (seconds rather than milliseconds), counts only until a
 * second step is in.
 */
function speedMeter(): { add(size: number, ms: number): { stepMs: number; samplesPerSecond: number } } {
  let compiling: [number, number] | undefined;
  const recent: [number, number][] = [];
  return {
    add(size, ms) {
      if (compiling === undefined) compiling = [size, ms];
      else recent.push([size, ms]);
      if (recent.length > SPEED_WINDOW) recent.shift();
      const window = recent.length > 0 ? recent : [compiling];
      const [samples, total] = window.reduce(([n, t], [k, m]) => [n + k, t + m], [0, 0]);
      return { stepMs: ms, samplesPerSecond: samples / (total / 1000) };
    },
  };
}

async function train(): Promise<void> {
  const { train } = await data;
  running = true;
  stopAsked = false;
  const speed = speedMeter();
  let stepStarted = performance.now();
  const result = await fx.train.fit(model, { train }, {
    optimizer: fx.optim.adam(3e-3),
    epochs: 1000,
    batchSize: BATCH,
    verbose: false,
    key: fx.random.key(steps + 1),
    initial: current,
    callbacks: [{
      async onStepEnd(ctx, info) {
        const { stepMs, samplesPerSecond } = speed.add(info.size, performance.now() - stepStarted);
        current = { params: ctx.params, state: ctx.state, optState: ctx.optState };
        steps++;
        post({ type: "step", step: steps, loss: info.loss, accuracy: info.accuracy ?? 0, stepMs, samplesPerSecond });
        if (steps % TEST_EVERY === 0) post({ type: "test", step: steps, accuracy: await testAccuracy() });
        if (stopAsked) ctx.stop("stopped");
        stepStarted = performance.now();
      },
    }],
  });
  running = false;
  post({ type: "test", step: steps, accuracy: await testAccuracy() });
  post({ type: "stopped", reason: result.stopReason ?? "finished" });
}

/** A checkpoint of the current weights (no optimiser state: a quarter of the size). */
function save(): void {
  const bytes = fx.train.saveBytes({ params: current.params, state: current.state, meta: { model: "lenet5", steps } });
  post({ type: "saved", bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer]);
}

function load(bytes: ArrayBuffer, name: string): void {
  const checkpoint = fx.train.loadBytes<fx.nn.layers.Tree, fx.nn.layers.Tree, unknown, { steps?: number }>(new Uint8Array(bytes), name);
  // Checked against the model before it replaces the weights: a wrong file is refused, not half-used.
  probabilities(checkpoint.params, checkpoint.state ?? {}, fx.zeros([1, 1, 28, 28]));
  current = { params: checkpoint.params, state: checkpoint.state ?? {} };
  steps = checkpoint.meta?.steps ?? 0;
  post({ type: "loaded", name, step: steps });
}

function predict(pixels: Float32Array): void {
  if (pixels.length !== PIXELS) throw new Error(`predict: expected ${PIXELS} pixels, got ${pixels.length}`);
  const p = probabilities(current.params, current.state, fx.tensor(pixels, { shape: [1, 1, 28, 28] }));
  post({ type: "prediction", probabilities: Array.from(p.data()) });
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  try {
    if (m.type === "start" && !running) await train();
    else if (m.type === "stop") stopAsked = true;
    else if (m.type === "predict") predict(m.pixels);
    else if (m.type === "save") save();
    else if (m.type === "load") load(m.bytes, m.name);
  } catch (e) {
    running = false;
    post({ type: "error", message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
};

data.then(
  ({ train, test }) => post({ type: "ready", backend, wasm, mode, trainCount: train.y.shape[0]!, testCount: test.y.shape[0]! }),
  (e: Error) => post({ type: "error", message: `cannot load the digits: ${e.message}` }),
);
