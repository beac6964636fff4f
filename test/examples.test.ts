// Every example in examples/ at a small size, in process, asserting on what it is for: XOR's
// truth table, accuracy well above chance (10%) for the MNIST and Fashion-MNIST examples, a
// ranked k-fold search.

import { describe, expect, it, vi } from "vitest";
import { fashionLenet } from "../examples/fashion-lenet.js";
import { kfoldSearch } from "../examples/kfold-search.js";
import { mnistMlp } from "../examples/mnist-mlp.js";
import { trainXor } from "../examples/xor.js";
import * as fx from "../src/index.js";

describe("examples at a small size", () => {
  it("xor: the network learns the truth table", () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const { loss, probabilities } = trainXor(300);
    vi.restoreAllMocks();
    expect(loss).toBeLessThan(0.05);
    expect(probabilities.map((p) => (p >= 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });

  it("mnist-mlp: one epoch on 1,000 digits is far above chance", async () => {
    const accuracy = await mnistMlp({ epochs: 1, trainSize: 1000, verbose: false });
    expect(accuracy).toBeGreaterThan(0.4);
  });

  it("fashion-lenet: one epoch on 512 images is far above chance (or skips with the install hint)", async (ctx) => {
    const logged: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(line));
    const accuracy = await fashionLenet({ epochs: 1, trainSize: 512, testSize: 256, verbose: false });
    vi.restoreAllMocks();
    if (accuracy === undefined) {
      expect(logged[0]).toMatch(/^skipped: fashionMnist: .*apt-get install dataset-fashion-mnist/);
      ctx.skip(`Fashion-MNIST is not installed in ${fx.data.FASHION_MNIST_DIR}`);
    }
    expect(accuracy).toBeGreaterThan(0.3);
  });

  it("fashion-lenet: missing files print the install hint instead of failing", async () => {
    const logged: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(line));
    const accuracy = await fashionLenet({ epochs: 1, dir: "/nonexistent/fashion" });
    vi.restoreAllMocks();
    expect(accuracy).toBeUndefined();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^skipped: fashionMnist: \/nonexistent\/fashion does not exist\. Install Debian's package/);
  });

  it("kfold-search: every trial scored on every fold, ranked best first", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const ranked = await kfoldSearch({ trainSize: 300, folds: 2, epochs: 1, grid: "lr=0.1,0.003;hidden=32" });
    vi.restoreAllMocks();
    expect(ranked.map((r) => r.trial)).toEqual([{ lr: "0.1", hidden: "32" }, { lr: "0.003", hidden: "32" }]);
    for (const r of ranked) expect(r.accuracies).toHaveLength(2);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.meanAccuracy).toBeGreaterThanOrEqual(ranked[i]!.meanAccuracy);
    expect(ranked[0]!.meanAccuracy).toBeGreaterThan(0.3);
  });
});
