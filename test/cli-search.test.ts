// fluxion search: the grid and random trial generators, the spec errors, the ranking and the
// CSV, and a small k-fold search run in process.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/errors.js";
import type { Io } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { type TrialResult, gridTrials, meanStd, randomTrials, rank, searchCsv, trialConfig } from "../src/cli/tuning.js";
import * as fx from "../src/index.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("search specs", () => {
  it("a grid is every combination, the first key varying slowest", () => {
    expect(gridTrials("lr=0.1,0.01;batch-size=32,64;hidden=128,256-128")).toEqual([
      { lr: "0.1", "batch-size": "32", hidden: "128" },
      { lr: "0.1", "batch-size": "32", hidden: "256-128" },
      { lr: "0.1", "batch-size": "64", hidden: "128" },
      { lr: "0.1", "batch-size": "64", hidden: "256-128" },
      { lr: "0.01", "batch-size": "32", hidden: "128" },
      { lr: "0.01", "batch-size": "32", hidden: "256-128" },
      { lr: "0.01", "batch-size": "64", hidden: "128" },
      { lr: "0.01", "batch-size": "64", hidden: "256-128" },
    ]);
  });

  it("a trial's values decode with the train flags' codecs", () => {
    const base = { model: "mlp" as const, optimizer: "sgd" as const, schedule: "constant" as const, epochs: 1, batchSize: 8 };
    expect(trialConfig(base, { lr: "0.01", "batch-size": "64", hidden: "256-128", optimizer: "adam", dropout: "0.25", "weight-decay": "1e-4", schedule: "cosine" })).toEqual({
      ...base,
      lr: 0.01,
      batchSize: 64,
      hidden: [256, 128],
      optimizer: "adam",
      dropout: 0.25,
      weightDecay: 1e-4,
      schedule: "cosine",
    });
  });

  it("bad specs are usage errors naming the key and the value", () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(message(() => gridTrials("lr=0.1,fast"))).toBe('search: --grid lr: expected a positive finite number, got "fast"');
    expect(message(() => gridTrials("batchsize=32"))).toBe('search: --grid: cannot search over "batchsize"; the keys are lr, batch-size, hidden, dropout, optimizer, weight-decay, schedule; did you mean batch-size?');
    expect(message(() => gridTrials("optimizer=adma"))).toContain("did you mean adam?");
    expect(message(() => gridTrials("lr=0.1;lr=0.2"))).toBe("search: --grid: lr is given twice");
    expect(message(() => gridTrials("lr"))).toBe('search: --grid: expected key=values in "lr"');
    expect(message(() => randomTrials("lr=0.1..0.01", 2, fx.random.key(0)))).toContain("lo..hi with finite lo < hi");
    expect(message(() => randomTrials("lr=0..0.1:log", 2, fx.random.key(0)))).toContain("lo > 0 for :log");
    expect(message(() => randomTrials("dropout=0..1", 2, fx.random.key(0)))).toBe('search: --space dropout: expected a number in [0, 1), got "1"');
  });

  it("random trials are drawn from the space with the key: in range, reproducible", () => {
    const space = "lr=1e-4..1e-1:log;dropout=0..0.5;batch-size=16..128;optimizer=adam,sgd,momentum";
    const a = randomTrials(space, 200, fx.random.key(7));
    expect(randomTrials(space, 200, fx.random.key(7))).toEqual(a);
    expect(randomTrials(space, 200, fx.random.key(8))).not.toEqual(a);
    const lrs = a.map((t) => Number(t.lr));
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1e-1);
    // Log-uniform: about half the draws below the geometric midpoint 10^-2.5 (binomial, 200 draws).
    const below = lrs.filter((x) => x < 10 ** -2.5).length;
    expect(below).toBeGreaterThan(70);
    expect(below).toBeLessThan(130);
    for (const t of a) {
      expect(Number(t.dropout)).toBeGreaterThanOrEqual(0);
      expect(Number(t.dropout)).toBeLessThanOrEqual(0.5);
      expect(Number.isInteger(Number(t["batch-size"]))).toBe(true);
      expect(Number(t["batch-size"])).toBeGreaterThanOrEqual(16);
      expect(Number(t["batch-size"])).toBeLessThanOrEqual(128);
    }
    expect(new Set(a.map((t) => t.optimizer))).toEqual(new Set(["adam", "sgd", "momentum"]));
  });
});

describe("ranking and CSV", () => {
  const result = (trial: Record<string, string>, accuracies: number[], losses: number[]): TrialResult => {
    const [meanAccuracy, stdAccuracy] = meanStd(accuracies);
    const [meanLoss, stdLoss] = meanStd(losses);
    return { trial, accuracies, losses, meanAccuracy, stdAccuracy, meanLoss, stdLoss, seconds: 1.5 };
  };

  it("mean and sample standard deviation", () => {
    expect(meanStd([0.9, 0.8, 0.7])[0]).toBeCloseTo(0.8, 12);
    expect(meanStd([0.9, 0.8, 0.7])[1]).toBeCloseTo(0.1, 12);
    expect(meanStd([0.5])).toEqual([0.5, 0]);
  });

  it("ranks by mean accuracy, then lower loss; the CSV has one row per trial in that order", () => {
    const ranked = rank([result({ lr: "0.1" }, [0.5, 0.7], [1, 1]), result({ lr: "0.01" }, [0.9, 0.7], [2, 2]), result({ lr: "0.001" }, [0.8, 0.8], [1, 1])]);
    expect(ranked.map((r) => r.trial.lr)).toEqual(["0.001", "0.01", "0.1"]);
    expect(searchCsv(ranked).split("\n")).toEqual([
      "rank,lr,mean_accuracy,std_accuracy,mean_loss,std_loss,folds,seconds",
      "1,0.001,0.800000,0.000000,1.000000,0.000000,2,1.50",
      "2,0.01,0.800000,0.141421,2.000000,0.000000,2,1.50",
      "3,0.1,0.600000,0.141421,1.000000,0.000000,2,1.50",
      "",
    ]);
  });
});

describe("fluxion search (in process)", () => {
  it("cross-validates a small grid with 2 folds, prints the ranked table and writes the CSV", async () => {
    const out = mkdtempSync(join(tmpdir(), "fluxion-search-"));
    dirs.push(out);
    const lines: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => err.push(l) };
    const code = await main(["search", "--model", "mlp", "--hidden", "32", "--train-size", "400", "--grid", "lr=0.2,0.0005", "--folds", "2", "--epochs", "1", "--batch-size", "32", "--optimizer", "sgd", "--out", out], io);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(lines[0]).toBe("fluxion search: 2 trials of mlp on mnist (400 training samples), 1 epochs each, scored by 2-fold cross-validation");
    expect(lines.filter((l) => l.startsWith("trial "))).toHaveLength(2);
    const csv = readFileSync(join(out, "search.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("rank,lr,mean_accuracy,std_accuracy,mean_loss,std_loss,folds,seconds");
    const rows = csv.slice(1).map((l) => l.split(","));
    expect(rows.map((r) => r[0])).toEqual(["1", "2"]);
    expect(rows.every((r) => r[6] === "2")).toBe(true);
    // SGD at 0.2 learns in one epoch; at 0.0005 it barely moves from chance.
    expect(rows[0]![1]).toBe("0.2");
    expect(Number(rows[0]![2])).toBeGreaterThan(Number(rows[1]![2]));
    // The table shows the same order, with mean ± std; no temporary file is left behind.
    const header = lines.findIndex((l) => /^rank\s+lr\s+val accuracy/.test(l));
    expect(lines[header + 2]).toMatch(/^\s*1\s+0\.2\s+\d+\.\d\d% ± \d+\.\d\d%/);
    expect(readdirSync(out)).toEqual(["search.csv"]);
  });
});
