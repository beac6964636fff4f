import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as fx from "../src/index.js";
import { makeTrainStep } from "../src/train/fit.js";
import { epochLine, makeProgress, resolveVerbosity } from "../src/train/progress.js";

const { layers: L } = fx.nn;
type Tree = fx.nn.layers.Tree;

/** Two Gaussian blobs in 4 dimensions, separable: label = whether x·(1,1,−1,1) > 0, pushed apart by a margin. */
function blobs(seed: number, n: number): fx.data.Split {
  const x = fx.random.normal(fx.random.key(seed), [n, 4]).data() as Float32Array;
  const y = new Int32Array(n);
  const dir = [1, 1, -1, 1];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < 4; j++) s += x[i * 4 + j]! * dir[j]!;
    y[i] = s > 0 ? 1 : 0;
    for (let j = 0; j < 4; j++) x[i * 4 + j]! += (y[i] ? 0.5 : -0.5) * dir[j]!;
  }
  return { x: fx.tensor(x, { shape: [n, 4] }), y: fx.tensor(y, { shape: [n], dtype: "int32" }) };
}

const mlp = () => L.serial(L.dense(16), L.relu(), L.dense(2));
const bits = (t: fx.Tensor) => Array.from(t.data());
const leaves = (tree: unknown) => fx.tree.leaves<fx.Tensor>(tree).map(bits);

describe("fit", () => {
  const train = blobs(1, 200);
  const validation = blobs(2, 100);

  it("trains a small MLP: accuracy rises to near 1, history has every field", async () => {
    const { history, params, state, compiled } = await fx.train.fit(mlp(), { train, validation }, { optimizer: fx.optim.adam(0.02), epochs: 6, batchSize: 32, verbose: false, key: fx.random.key(3) });
    expect(history).toHaveLength(6);
    // 200 = 6·32 + 8 and 100 = 3·32 + 4: both last batches are padded, and nothing recompiles.
    expect(compiled).toEqual({ train: 1, validation: 1 });
    expect(history[5]!.accuracy!).toBeGreaterThan(history[0]!.accuracy!);
    expect(history[5]!.val_accuracy!).toBeGreaterThan(0.93);
    expect(history[5]!.loss).toBeLessThan(history[0]!.loss);
    for (const r of history) {
      expect(Object.keys(r).sort()).toEqual(["accuracy", "epoch", "loss", "lrScale", "samplesPerSecond", "seconds", "val_accuracy", "val_loss"]);
      expect(r.samplesPerSecond).toBeGreaterThan(0);
    }
    const ev = fx.train.evaluate(mlp(), params, state, validation, { batchSize: 32 });
    expect(ev.accuracy).toBe(history[5]!.val_accuracy);
    expect(ev.loss).toBeCloseTo(history[5]!.val_loss!, 6);
  });

  it("a model with batch norm and dropout: the running statistics are updated and validation uses them", async () => {
    const model = L.serial({ fc1: L.dense(16), bn: L.batchNorm({ momentum: 0.5 }), relu: L.relu(), drop: L.dropout(0.1), fc2: L.dense(2) });
    const res = await fx.train.fit(model, { train, validation }, { optimizer: fx.optim.adam(0.02), epochs: 3, batchSize: 32, verbose: false, key: fx.random.key(1) });
    const runningMean = (res.state as { bn: { mean: fx.Tensor } }).bn.mean.toArray() as number[];
    expect(runningMean.some((v) => v !== 0)).toBe(true);
    expect(res.history[2]!.val_accuracy!).toBeGreaterThan(0.9);
    const ev = fx.train.evaluate(model, res.params, res.state, validation, { batchSize: 32 });
    expect(ev.accuracy).toBe(res.history[2]!.val_accuracy);
    expect(res.compiled).toEqual({ train: 1, validation: 1 });
  });

  it("is deterministic given a key: two runs give the same history and parameters, bit for bit", async () => {
    const run = () => fx.train.fit(L.serial(L.dense(8), L.relu(), L.dropout(0.2), L.dense(2)), { train, validation }, { optimizer: fx.optim.sgd(0.1), epochs: 2, batchSize: 48, verbose: false, key: fx.random.key(7) });
    const [a, b] = [await run(), await run()];
    const strip = (h: fx.train.EpochRecord[]) => h.map(({ seconds: _s, samplesPerSecond: _p, ...rest }) => rest);
    expect(strip(b.history)).toEqual(strip(a.history));
    const [pa, pb] = [leaves(a.params).flat(), leaves(b.params).flat()];
    expect(pa.length).toBeGreaterThan(0);
    pa.forEach((v, i) => expect(Object.is(v, pb[i])).toBe(true));
    // A different key gives a different run.
    const c = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.1), epochs: 1, batchSize: 48, verbose: false, key: fx.random.key(8) });
    const d = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.1), epochs: 1, batchSize: 48, verbose: false, key: fx.random.key(9) });
    expect(c.history[0]!.loss).not.toBe(d.history[0]!.loss);
  });

  it("compiles the training step once over epochs with a padded last batch and a changing update scale", async () => {
    const model = mlp();
    const opt = fx.optim.sgd(0.05);
    const step = makeTrainStep(model, opt, fx.train.crossEntropy, true);
    let { params, state } = model.init(fx.random.key(0), [4]);
    let optState: unknown = opt.init(params);
    const sizes: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for (const b of fx.data.batches(train, { batchSize: 64, key: fx.random.key(epoch) })) {
        sizes.push(b.size);
        const out = step(params, state, optState, fx.scalar(epoch === 0 ? 1 : 0.5, "float32"), b.x, b.y, b.mask, fx.random.key(epoch)) as [fx.Tensor, fx.Tensor, typeof params, typeof state, unknown];
        [params, state, optState] = [out[2], out[3], out[4]];
      }
    }
    expect(sizes).toEqual([64, 64, 64, 8, 64, 64, 64, 8]);
    expect(step.cacheSize).toBe(1);
  });

  it("padding: the padded last batch gives the gradient step of the unpadded one", async () => {
    const model = mlp();
    const opt = fx.optim.sgd(1);
    const step = makeTrainStep(model, opt, fx.train.crossEntropy, true);
    const { params, state } = model.init(fx.random.key(0), [4]);
    const optState = opt.init(params);
    const k = fx.random.key(0);
    const small = { x: fx.slice(train.x, [[0, 5]]), y: fx.slice(train.y, [[0, 5]]) };
    const [padded] = [...fx.data.batches(small, { batchSize: 16 })];
    const [exact] = [...fx.data.batches(small, { batchSize: 16, pad: false })];
    expect(padded!.x.shape).toEqual([16, 4]);
    expect(exact!.x.shape).toEqual([5, 4]);
    const a = step(params, state, optState, fx.scalar(1, "float32"), padded!.x, padded!.y, padded!.mask, k) as [fx.Tensor, fx.Tensor, Tree];
    const b = step(params, state, optState, fx.scalar(1, "float32"), exact!.x, exact!.y, exact!.mask, k) as [fx.Tensor, fx.Tensor, Tree];
    expect(a[0].item()).toBeCloseTo(b[0].item(), 6);
    expect(a[1].item()).toBe(b[1].item());
    const [la, lb] = [leaves(a[2]).flat(), leaves(b[2]).flat()];
    la.forEach((v, i) => expect(v).toBeCloseTo(lb[i]!, 6));
    // The padding changes nothing, but without the mask it would: the padded rows count.
    const unmasked = step(params, state, optState, fx.scalar(1, "float32"), padded!.x, padded!.y, fx.onesLike(padded!.mask), k) as [fx.Tensor];
    expect(Math.abs(unmasked[0].item() - b[0].item())).toBeGreaterThan(1e-4);
  });

  it("early stopping stops after `patience` epochs without improvement and restores the best parameters", async () => {
    const seen: Tree[] = [];
    const record: fx.train.Callback = { onEpochEnd: (ctx) => void seen.push(ctx.params) };
    const res = await fx.train.fit(mlp(), { train }, {
      optimizer: fx.optim.sgd(0.02),
      epochs: 20,
      batchSize: 50,
      verbose: false,
      callbacks: [record, fx.train.earlyStopping({ monitor: "loss", patience: 1, minDelta: 10, restoreBest: true })],
    });
    // minDelta 10 means no epoch after the first improves: stops at epoch 1 + patience + 1.
    expect(res.history).toHaveLength(3);
    expect(res.stopReason).toMatch(/early stopping: loss has not improved/);
    expect(res.params).toBe(seen[0]);
    expect(res.params).not.toBe(seen[2]);
  });

  it("early stopping without restoreBest keeps the last parameters; monitoring a missing metric is a clear error", async () => {
    const res = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.02), epochs: 5, batchSize: 50, verbose: false, callbacks: [fx.train.earlyStopping({ monitor: "loss", patience: 0, minDelta: 10 })] });
    expect(res.history).toHaveLength(2);
    await expect(fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.02), epochs: 2, batchSize: 50, verbose: false, callbacks: [fx.train.earlyStopping({ monitor: "val_loss" })] })).rejects.toThrow(/cannot monitor "val_loss".*has loss, accuracy/);
    expect(() => fx.train.earlyStopping({ patience: -1 })).toThrow(/^earlyStopping: patience: expected a non-negative integer, got -1$/);
  });

  it("reduceLROnPlateau lowers the update scale when the loss stops improving, without recompiling", async () => {
    const res = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.02), epochs: 4, batchSize: 50, verbose: false, callbacks: [fx.train.reduceLROnPlateau({ monitor: "loss", patience: 0, factor: 0.5, threshold: 10, thresholdMode: "abs" })] });
    // Epoch 1 sets the best; epochs 2 and 3 do not improve by 10, so each halves the scale.
    expect(res.history.map((r) => r.lrScale)).toEqual([1, 1, 0.5, 0.25]);
  });

  it("keepBest writes through the CheckpointWriter when the monitored metric improves", async () => {
    const saved: { path: string; epoch: string; params: Tree }[] = [];
    const writer: fx.train.CheckpointWriter = { save: async (path, c) => void saved.push({ path, epoch: c.meta.epoch!, params: c.params }) };
    const res = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.adam(0.02), epochs: 3, batchSize: 50, verbose: false, callbacks: [fx.train.keepBest({ path: "best.safetensors", writer, monitor: "loss" })] });
    // The loss falls every epoch on this problem, so every epoch is the best so far.
    expect(res.history[2]!.loss).toBeLessThan(res.history[1]!.loss);
    expect(saved.map((s) => s.epoch)).toEqual(["1", "2", "3"]);
    expect(saved[2]!.params).toBe(res.params);
    expect(saved.every((s) => s.path === "best.safetensors")).toBe(true);
    expect(() => fx.train.keepBest({ path: "", writer })).toThrow(/keepBest: option "path"/);
    expect(() => fx.train.keepBest({ path: "a", writer: {} as never })).toThrow(/keepBest: option "writer" must be a CheckpointWriter/);
    expect(() => fx.train.keepBest({ path: "a", writer, monitor: "acc" as never })).toThrow(/^keepBest: monitor: expected "loss", "accuracy", "val_loss" or "val_accuracy", got "acc"$/);
  });

  it("keepBest writes a safetensors checkpoint with fx.train.save by default; load gives the best parameters back, bit for bit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fluxion-keepbest-"));
    try {
      const path = join(dir, "best.safetensors");
      const res = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.adam(0.02), epochs: 2, batchSize: 50, verbose: false, callbacks: [fx.train.keepBest({ path, monitor: "loss" })] });
      const back = fx.train.load(path);
      expect(back.meta).toMatchObject({ epoch: "2", monitor: "loss" });
      const want = fx.tree.leaves<fx.Tensor>(res.params).map((t) => Array.from(t.data()));
      const got = fx.tree.leaves<fx.Tensor>(back.params).map((t) => Array.from(t.data()));
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => g.forEach((v, k) => expect(Object.is(v, want[i]![k])).toBe(true)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a callback can stop; SIGINT stops after the current step and the handler is removed", async () => {
    const before = process.listenerCount("SIGINT");
    let steps = 0;
    let during = 0;
    const res = await fx.train.fit(mlp(), { train }, {
      optimizer: fx.optim.sgd(0.1),
      epochs: 3,
      batchSize: 20,
      verbose: "lines",
      log: () => {},
      callbacks: [{ onStepEnd: (_ctx, info) => {
        steps++;
        during = process.listenerCount("SIGINT");
        if (info.epoch === 2 && info.step === 3) process.emit("SIGINT", "SIGINT");
      } }],
    });
    expect(during).toBe(before + 1);
    expect(process.listenerCount("SIGINT")).toBe(before);
    expect(steps).toBe(10 + 4);
    expect(res.history).toHaveLength(2);
    expect(res.stopReason).toMatch(/interrupted/);
    const stopped = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.1), epochs: 3, batchSize: 100, verbose: false, callbacks: [{ onEpochEnd: (ctx, r) => void (r.epoch === 1 && ctx.stop("enough")) }] });
    expect(stopped.history).toHaveLength(1);
    expect(stopped.stopReason).toBe("enough");
  });

  it("resumes from given params, state and optimiser state", async () => {
    const first = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.adam(0.01), epochs: 1, batchSize: 50, verbose: false, shuffle: false });
    const second = await fx.train.fit(mlp(), { train }, { optimizer: fx.optim.adam(0.01), epochs: 1, batchSize: 50, verbose: false, shuffle: false, initial: first });
    expect(second.history[0]!.loss).toBeLessThan(first.history[0]!.loss);
  });

  it("plain lines name the epoch, the metrics and the speed", async () => {
    const lines: string[] = [];
    await fx.train.fit(mlp(), { train, validation }, { optimizer: fx.optim.sgd(0.1), epochs: 2, batchSize: 50, verbose: "lines", log: (l) => lines.push(l) });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^epoch 2\/2 {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_accuracy \d\.\d{4} {2}\d+\.\d s {2}\d+ samples\/s$/);
  });

  it("rejects bad options by name", async () => {
    await expect(fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.1), epochs: 1, batchSize: 0 } as never)).rejects.toThrow(/^fit: batchSize: expected a positive integer, got 0$/);
    await expect(fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.1), epochs: 1, batchSize: 8, epoch: 3 } as never)).rejects.toThrow(/fit: unknown option "epoch"/);
    await expect(fx.train.fit(mlp(), { train }, { optimizer: fx.optim.sgd(0.1), epochs: 1, batchSize: 8, verbose: false, loss: (z: fx.Tensor, y: fx.Tensor) => fx.nn.losses.softmaxCrossEntropy(z, y) })).rejects.toThrow(/one value per example, shape \[8\], got \[\]/);
  });
});

describe("evaluate", () => {
  it("confusion matrix, precision and recall against a hand count", () => {
    // A fixed linear model: logits = x (two features as the two class scores).
    const model = L.serial(L.identity());
    const x = fx.tensor([[1, 0], [0, 1], [2, 1], [0, 3], [1, 2], [5, 0], [0, 1]], { dtype: "float32" });
    const y = fx.tensor([0, 1, 0, 1, 0, 1, 1], { dtype: "int32" });
    // Predictions: 0, 1, 0, 1, 1, 0, 1.
    const ev = fx.train.evaluate(model, [{}], [{}], { x, y }, { batchSize: 3 });
    expect(Array.from(ev.predictions)).toEqual([0, 1, 0, 1, 1, 0, 1]);
    // true 0: predicted 0, 0, 1 → [2, 1]; true 1: predicted 1, 1, 0, 1 → [1, 3].
    expect(ev.confusion).toEqual([[2, 1], [1, 3]]);
    expect(ev.accuracy).toBe(5 / 7);
    expect(ev.precision).toEqual([2 / 3, 3 / 4]);
    expect(ev.recall).toEqual([2 / 3, 3 / 4]);
    const expected = fx.nn.losses.softmaxCrossEntropy(x, y).item();
    expect(ev.loss).toBeCloseTo(expected, 6);
  });

  it("precision and recall are 0 for a class never predicted or absent", () => {
    expect(fx.train.precisionRecall([[3, 0, 0], [2, 0, 0], [0, 0, 0]])).toEqual({ precision: [3 / 5, 0, 0], recall: [1, 0, 0] });
  });
});

describe("fit against a hand-written loop", () => {
  it("one epoch in order with SGD gives the parameters of the plain loop (no padding, no dropout)", async () => {
    const train = blobs(4, 120);
    const model = mlp();
    const opt = fx.optim.sgd(0.1);
    const res = await fx.train.fit(model, { train }, { optimizer: opt, epochs: 1, batchSize: 40, verbose: false, shuffle: false, key: fx.random.key(5) });
    // fit splits its key into [init, shuffle, dropout]; initialise the same way.
    const [initKey] = fx.random.splitKeys(fx.random.key(5), 3);
    let { params } = model.init(initKey!, [4]);
    const { state } = model.init(initKey!, [4]);
    const losses: number[] = [];
    for (let s = 0; s < 120; s += 40) {
      const x = fx.slice(train.x, [[s, s + 40]]);
      const y = fx.slice(train.y, [[s, s + 40]]);
      const [value, grads] = fx.valueAndGrad((p: typeof params) => fx.nn.losses.softmaxCrossEntropy(model.apply(p, state, x)[0], y))(params);
      losses.push(value.item());
      params = fx.optim.applyUpdates(params, opt.update(grads, opt.init(params), params)[0]);
    }
    const [got, want] = [leaves(res.params).flat(), leaves(params).flat()];
    expect(got).toHaveLength(want.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(res.history[0]!.loss).toBeCloseTo(losses.reduce((a, b) => a + b) / 3, 5);
  });

  it("a model without class scores needs metrics: [] and then trains on its loss", async () => {
    const train = blobs(4, 40);
    const regression = L.serial(L.dense(1), L.flatten());
    const l2 = (p: fx.Tensor, y: fx.Tensor) => fx.square(fx.sub(fx.reshape(p, [-1]), fx.cast(y, "float32")));
    await expect(fx.train.fit(L.serial(L.dense(1), L.reshape([])), { train }, { optimizer: fx.optim.sgd(0.1), epochs: 1, batchSize: 8, verbose: false, loss: l2 })).rejects.toThrow(/accuracy needs class scores of shape \[batch, classes\], the model gives \[8\]/);
    const res = await fx.train.fit(regression, { train }, { optimizer: fx.optim.sgd(0.05), epochs: 3, batchSize: 8, verbose: false, loss: l2, metrics: [] });
    expect(res.history[0]!.accuracy).toBeUndefined();
    expect(res.history[2]!.loss).toBeLessThan(res.history[0]!.loss);
  });
});

const record = { epoch: 1, loss: 0.5, accuracy: 0.75, lrScale: 1, seconds: 2, samplesPerSecond: 500 };

/** A fake terminal that keeps what is written to it. */
function terminal(): Writable & { text: string } {
  const t = new Writable({ write(chunk, _enc, done) { t.text += String(chunk); done(); } }) as Writable & { text: string; isTTY: boolean; columns: number };
  Object.assign(t, { text: "", isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return t;
}

describe("progress", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("auto: lines under CI or off a terminal", () => {
    vi.stubEnv("CI", "1");
    expect(resolveVerbosity("auto")).toBe("lines");
    expect(resolveVerbosity(false)).toBe("silent");
    expect(resolveVerbosity("bar")).toBe("bar");
  });

  it("the bar shows the epoch, step, loss, accuracy, samples/s and ETA; the epoch line follows", () => {
    const out = terminal();
    const lines: string[] = [];
    const p = makeProgress("bar", (l) => lines.push(l), out);
    p.epochStart(1, 3, 10);
    p.step(4, 0.1234, 0.875, 321.6);
    p.epochEnd(record, 3);
    p.end();
    expect(out.text).toMatch(/epoch 1\/3 \|.*\| step 5\/10 {2}loss 0\.1234 {2}accuracy 0\.8750 {2}322 samples\/s {2}ETA/);
    expect(lines).toEqual([epochLine(record, 3)]);
    expect(lines[0]).toBe("epoch 1/3  loss 0.5000  accuracy 0.7500  2.0 s  500 samples/s");
  });

  it("lines mode writes only epoch lines; silent writes nothing", () => {
    const lines: string[] = [];
    const p = makeProgress("lines", (l) => lines.push(l));
    p.epochStart(1, 1, 5);
    p.step(0, 1, 1, 1);
    p.epochEnd({ ...record, lrScale: 0.5 }, 1);
    expect(lines).toEqual(["epoch 1/1  loss 0.5000  accuracy 0.7500  lr×0.500  2.0 s  500 samples/s"]);
    const quiet: string[] = [];
    makeProgress("silent", (l) => quiet.push(l)).epochEnd(record, 1);
    expect(quiet).toEqual([]);
  });
});
