// fx.train of the browser entry, run in Node: fit is the same loop as Node's (bit-identical
// results), reports through plain lines, lets messages in between steps (a worker's stop
// button), and checkpoints are bytes identical to the files train.save writes.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as web from "../../src/browser.js";
import * as node from "../../src/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fluxion-web-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Two separable blobs in 4 dimensions. */
function blobs(seed: number, n: number): web.data.Split {
  const x = web.random.normal(web.random.key(seed), [n, 4]).data() as Float32Array;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = x[i * 4]! + x[i * 4 + 1]! - x[i * 4 + 2]! > 0 ? 1 : 0;
  return { x: web.tensor(x, { shape: [n, 4] }), y: web.tensor(y, { shape: [n], dtype: "int32" }) };
}
const mlp = () => web.nn.layers.serial(web.nn.layers.dense(8), web.nn.layers.relu(), web.nn.layers.dense(2));
const leaves = (tree: unknown) => web.tree.leaves<web.Tensor>(tree).map((t) => Array.from(t.data()));
const sameBits = (a: number[][], b: number[][]) => a.length === b.length && a.every((xs, i) => xs.length === b[i]!.length && xs.every((v, j) => Object.is(v, b[i]![j])));
/** A history without its timings. */
const untimed = (h: readonly web.train.EpochRecord[]) => h.map(({ seconds: _s, samplesPerSecond: _p, ...r }) => r);

describe("fit of the browser entry", () => {
  const train = blobs(1, 90);
  const validation = blobs(2, 40);
  const options = { optimizer: web.optim.adam(0.02), epochs: 3, batchSize: 16, key: web.random.key(5) } as const;

  it("gives the Node fit's results bit for bit, one log line per epoch", async () => {
    const lines: string[] = [];
    const a = await web.train.fit(mlp(), { train, validation }, { ...options, log: (l) => lines.push(l) });
    const b = await node.train.fit(mlp(), { train, validation }, { ...options, verbose: false });
    expect(untimed(a.history)).toEqual(untimed(b.history));
    expect(sameBits(leaves(a.params), leaves(b.params))).toBe(true);
    expect(sameBits(leaves(a.optState), leaves(b.optState))).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^epoch 3\/3 {2}loss \d\.\d{4} {2}accuracy/);
  });

  it("refuses the terminal bar; verbose false is silent", async () => {
    await expect(web.train.fit(mlp(), { train }, { ...options, verbose: "bar" })).rejects.toThrow(/fit: verbose "bar" draws on a terminal \(Node only\)/);
    const lines: string[] = [];
    await web.train.fit(mlp(), { train }, { ...options, epochs: 1, verbose: false, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
  });

  it("each step reports its batch accuracy; their weighted mean is the epoch's", async () => {
    const steps: web.train.StepInfo[] = [];
    const { history } = await web.train.fit(mlp(), { train }, { ...options, epochs: 1, verbose: false, callbacks: [{ onStepEnd: (_ctx, info) => void steps.push(info) }] });
    expect(steps).toHaveLength(6);
    for (const s of steps) expect(Number.isInteger(s.accuracy! * s.size)).toBe(true);
    const correct = steps.reduce((n, s) => n + Math.round(s.accuracy! * s.size), 0);
    expect(correct / 90).toBe(history[0]!.accuracy);
  });

  it("yields a task between steps: a message sent during training stops it (a worker's stop button)", async () => {
    const channel = new MessageChannel();
    let stopAsked = false;
    channel.port1.once("message", () => void (stopAsked = true));
    let steps = 0;
    const res = await web.train.fit(mlp(), { train }, {
      ...options,
      epochs: 50,
      verbose: false,
      callbacks: [{
        onStepEnd(ctx) {
          if (++steps === 2) channel.port2.postMessage("stop");
          if (stopAsked) ctx.stop("stopped by the user");
        },
      }],
    });
    channel.port1.close();
    expect(res.stopReason).toBe("stopped by the user");
    expect(steps).toBeGreaterThanOrEqual(3);
    expect(steps).toBeLessThan(10);
  });

  it("keepBest needs a writer; given one it receives the checkpoint", async () => {
    expect(() => web.train.keepBest({ path: "best" })).toThrow(/keepBest: option "writer" is required here \(no file system\)/);
    const saved: Uint8Array[] = [];
    const writer = { save: (_p: string, c: web.train.Checkpoint) => void saved.push(web.train.saveBytes(c)) };
    await web.train.fit(mlp(), { train, validation }, { ...options, verbose: false, callbacks: [web.train.keepBest({ path: "best", writer })] });
    expect(saved.length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(web.train.loadBytes(saved.at(-1)!).meta as object)).toContain("epoch");
  });
});

describe("checkpoints as bytes", () => {
  const checkpoint = {
    params: { w: web.tensor([[1.5, -0], [NaN, -Infinity]]), b: web.tensor([1, 2], { dtype: "int32" }), flag: web.tensor([true, false]) },
    state: [null, 3, "s"],
    meta: { note: "x" },
  };

  it("saveBytes is byte for byte the file train.save writes; loadBytes reads it back bit-exact", () => {
    const file = path.join(dir, "c.safetensors");
    node.train.save(file, checkpoint);
    const bytes = web.train.saveBytes(checkpoint);
    expect(Array.from(bytes)).toEqual(Array.from(fs.readFileSync(file)));
    const back = web.train.loadBytes(bytes);
    const fromFile = node.train.load(file);
    expect(sameBits(leaves(back.params), leaves(checkpoint.params))).toBe(true);
    expect(sameBits(leaves(back.params), leaves(fromFile.params))).toBe(true);
    expect(back.state).toEqual([null, 3, "s"]);
    expect(back.meta).toEqual({ note: "x" });
  });

  it("loadBytes reads bytes at any offset of a larger buffer (as an upload may give)", () => {
    const bytes = web.train.saveBytes(checkpoint);
    const bigger = new Uint8Array(bytes.length + 3);
    bigger.set(bytes, 3);
    const back = web.train.loadBytes(bigger.subarray(3));
    expect(sameBits(leaves(back.params), leaves(checkpoint.params))).toBe(true);
  });

  it("bad bytes raise a CheckpointError naming the source", () => {
    const bytes = web.train.saveBytes(checkpoint);
    expect(() => web.train.loadBytes(bytes.subarray(0, 5), "upload.safetensors")).toThrow(web.train.CheckpointError);
    expect(() => web.train.loadBytes(bytes.subarray(0, 5), "upload.safetensors")).toThrow(/^load: upload\.safetensors: truncated: the file is 5 bytes/);
    expect(() => web.train.loadBytes(bytes.subarray(0, bytes.length - 1))).toThrow(/^load: \(bytes\): .*/);
    expect(() => web.train.loadBytes([1, 2, 3] as unknown as Uint8Array)).toThrow(/loadBytes: expected a Uint8Array/);
    expect(() => web.train.saveBytes({ params: { f: () => 1 } } as never)).toThrow(/^saveBytes: params\.f is function/);
  });
});
