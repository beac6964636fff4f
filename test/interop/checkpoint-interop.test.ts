// Checkpoints outside fluxion: Debian's Python reads them with an independent reader written
// from the safetensors description (json + numpy.frombuffer), and, when Debian's
// python3-torch is installed, a LeNet-5 written in PyTorch loads a trained fluxion LeNet-5's
// weights and makes the same test-set predictions. Each part skips, saying why, when its
// Python packages are missing.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { TEST_DIGITS, batch, loadDigits } from "../../examples/mnist-data.js";
import { save } from "../../src/train/index.js";
import { encode } from "../../src/train/safetensors.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = "/usr/bin/python3";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fluxion-interop-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Whether Debian's python can import `module`. */
function canImport(module: string): boolean {
  return fs.existsSync(PYTHON) && spawnSync(PYTHON, ["-c", `import ${module}`], { encoding: "utf8" }).status === 0;
}

/** Why the torch part is skipped: not installed, or not packaged in this Debian release. */
function torchAbsence(): string {
  const policy = spawnSync("apt-cache", ["policy", "python3-torch"], { encoding: "utf8" });
  const packaged = policy.status === 0 && /Candidate: (?!\(none\))/.test(policy.stdout);
  return packaged ? "python3-torch is not installed (apt-get install python3-torch)" : "python3-torch is not packaged in this Debian release (or apt-cache is absent)";
}

function runPython(script: string, ...args: string[]): any {
  const r = spawnSync(PYTHON, [path.join(here, script), ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const hasNumpy = canImport("numpy");
const hasTorch = hasNumpy && canImport("torch");
if (!hasNumpy) console.warn(`checkpoint interop: skipped: python3-numpy is not installed for ${PYTHON} (apt-get install python3-numpy)`);
else if (!hasTorch) console.warn(`checkpoint interop with PyTorch: skipped: ${torchAbsence()}`);

const hex = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

describe.skipIf(!hasNumpy)("an independent Python reader (json + numpy.frombuffer)", () => {
  it("reads every tensor of a checkpoint with the same dtype, shape and bytes, and the metadata", () => {
    const params = {
      conv: { w: fx.random.normal(fx.random.key(3), [2, 1, 3, 3]), b: fx.tensor(new Float32Array([-0, NaN])) },
      f64: fx.tensor(new Float64Array([Math.PI, -0, Infinity, NaN, 5e-324])),
      counts: fx.tensor(new Int32Array([-2147483648, 0, 2147483647]), { shape: [3, 1] }),
      mask: fx.tensor([[true, false], [false, true]]),
      empty: fx.zeros([0, 4]),
    };
    const file = path.join(dir, "all-dtypes.safetensors");
    save(file, { params, meta: { epoch: 4 } });
    const out = runPython("read_safetensors.py", file);
    expect(JSON.parse(out.metadata["fluxion.meta"])).toEqual({ epoch: 4 });
    const flat: [string, fx.Tensor][] = [
      ["params.conv.w", params.conv.w],
      ["params.conv.b", params.conv.b],
      ["params.f64", params.f64],
      ["params.counts", params.counts],
      ["params.mask", params.mask],
      ["params.empty", params.empty],
    ];
    expect(Object.keys(out.tensors).sort()).toEqual(flat.map(([n]) => n).sort());
    for (const [name, t] of flat) {
      const py = out.tensors[name];
      expect(py.dtype, name).toBe(t.dtype);
      expect(py.shape, name).toEqual(t.shape);
      expect(py.hex, name).toBe(hex(t.data()));
    }
    expect(out.tensors["params.conv.b"]).toMatchObject({ nan: 1, negativeZeros: 1 });
    expect(out.tensors["params.f64"]).toMatchObject({ nan: 1, negativeZeros: 1, finiteSum: Math.PI + 5e-324 });
    expect(out.tensors["params.counts"].finiteSum).toBe(-1);
    expect(out.tensors["params.mask"].finiteSum).toBe(2);
  });
});

describe.skipIf(!hasTorch)("PyTorch loads a trained LeNet-5", () => {
  it("and predicts the same classes on 2,000 held-out MNIST digits", () => {
    type Tree = fx.nn.layers.Tree;
    const model = fx.nn.models.lenet5();
    const { images, labels, count } = loadDigits();
    const [splitKey, initKey] = fx.random.splitKeys(fx.random.key(7), 2);
    const order = fx.random.permutation(splitKey!, count).data() as Int32Array;
    let { params, state } = model.init(initKey!, [1, 28, 28]);
    const optimizer = fx.optim.momentum(0.05, 0.9);
    let optState = optimizer.init(params);
    const step = fx.jit((p: Tree, s: Tree, o: fx.optim.MomentumState, x: fx.Tensor, y: fx.Tensor) => {
      const loss = (q: Tree) => fx.nn.losses.softmaxCrossEntropy(model.apply(q, s, x)[0], y);
      const grads = fx.grad(loss)(p);
      const [updates, o1] = optimizer.update(grads, o, p);
      return [fx.optim.applyUpdates(p, updates), o1] as const;
    });
    // A short training run (40 steps of 64) so the weights are far from their initial draw.
    for (let s = 0; s < 40; s++) {
      const { x, y } = batch(images, labels, order.subarray(TEST_DIGITS + s * 64, TEST_DIGITS + (s + 1) * 64), [1, 28, 28]);
      [params, optState] = step(params, state, optState, x, y) as [Tree, fx.optim.MomentumState];
    }
    const test = batch(images, labels, order.subarray(0, TEST_DIGITS), [1, 28, 28]);
    const logits = model.apply(params, state, test.x)[0];
    const accuracy = fx.nn.accuracy(logits, test.y).item();
    expect(accuracy).toBeGreaterThan(0.5); // it learned something: the comparison is not of noise

    const checkpoint = path.join(dir, "lenet5.safetensors");
    save(checkpoint, { params, state, optState, meta: { model: "lenet5", steps: 40 } });
    const inputs = path.join(dir, "lenet5-inputs.safetensors");
    fs.writeFileSync(inputs, encode([
      { name: "x", dtype: "float32", shape: test.x.shape, data: test.x.data() },
      { name: "logits", dtype: "float32", shape: logits.shape, data: logits.data() },
    ], {}));
    const out = runPython("lenet5_torch.py", checkpoint, inputs);
    console.log(`LeNet-5 after 40 steps: fluxion test accuracy ${(100 * accuracy).toFixed(1)}%; PyTorch ${out.torch}: ${out.agree}/${out.n} predictions agree, largest logit difference ${out.maxAbsDiff.toExponential(2)}`);
    expect(out.n).toBe(TEST_DIGITS);
    expect(out.agree).toBe(TEST_DIGITS);
    // float32 in both; only the order of summation differs.
    expect(out.maxAbsDiff).toBeLessThan(1e-4 * Math.max(1, out.maxAbsLogit));
  });
});
