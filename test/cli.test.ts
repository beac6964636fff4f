// fluxion's command line, in process (main with a collecting Io): flags decoded by their
// codecs, usage errors naming the flag, the value and the closest flag, exit codes, and a small
// `fluxion train` run whose files are read back.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Io } from "../src/cli/io.js";
import * as fx from "../src/index.js";

/** Runs main and collects what it prints. */
async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(argv, io);
  return { code, out, err };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "fluxion-cli-"));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("fluxion: usage errors exit with 2 and name the flag and the value", () => {
  it("suggests the closest flag for a misspelt one", async () => {
    const r = await run("train", "--epoch", "3");
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe("fluxion train: unknown flag --epoch; did you mean --epochs?");
  });

  it("names the flag, what it expects and the bad value", async () => {
    const r = await run("train", "--epochs", "ten");
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe('fluxion train: --epochs: expected a non-negative integer, got "ten"');
    const lr = await run("train", "--lr=-0.1");
    expect(lr.code).toBe(2);
    expect(lr.err[0]).toBe('fluxion train: --lr: expected a positive finite number, got "-0.1"');
    const bs = await run("train", "--batch-size", "0");
    expect(bs.err[0]).toBe('fluxion train: --batch-size: expected a positive integer, got "0"');
  });

  it("suggests the closest choice", async () => {
    const r = await run("train", "--optimizer", "adma");
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe('fluxion train: --optimizer: expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, got "adma"; did you mean adam?');
    const d = await run("train", "--data", "fashion-mnst");
    expect(d.err[0]).toContain("did you mean fashion-mnist?");
  });

  it("refuses a flag given twice, a missing value, a stray word, an unknown command", async () => {
    expect((await run("train", "--epochs", "1", "--epochs", "2")).err[0]).toBe("fluxion train: --epochs is given twice");
    expect((await run("train", "--epochs")).err[0]).toMatch(/^fluxion train: --epochs needs a value/);
    expect((await run("train", "epochs")).err[0]).toMatch(/^fluxion train: unexpected argument "epochs"/);
    const r = await run("trian");
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe('fluxion: unknown command "trian"; did you mean train?');
  });

  it("refuses a model option the model does not take", async () => {
    const r = await run("train", "--model", "lenet5", "--hidden", "10", "--epochs", "0", "--train-size", "10", "--test-size", "10");
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/--hidden applies to mlp; --model lenet5 does not take it/);
  });
});

describe("fluxion: help and version", () => {
  it("prints the tool's help, each command's help and the version", async () => {
    const tool = await run("--help");
    expect(tool.code).toBe(0);
    expect(tool.out.join("\n")).toMatch(/train .*\n/);
    expect(tool.out.join("\n")).toContain("Exit codes: 0");
    const train = await run("train", "--help");
    expect(train.code).toBe(0);
    const text = train.out.join("\n");
    for (const f of ["--model NAME", "--data NAME", "--epochs N", "--batch-size B", "--optimizer NAME", "--lr X", "--schedule NAME", "--seed S", "--out DIR", "--hidden", "--val-split F"]) expect(text).toContain(f);
    const v = await run("--version");
    expect(v.out).toEqual([JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version]);
    const none = await run();
    expect(none.code).toBe(2);
  });
});

describe("fluxion train and evaluate", () => {
  // One small run shared by the tests below: an mlp on 512 of the npm digits, 2 epochs.
  let out: string;
  let trained: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    out = tempDir();
    trained = await run("train", "--model", "mlp", "--hidden", "64", "--data", "mnist", "--train-size", "512", "--test-size", "256", "--epochs", "2", "--batch-size", "32", "--optimizer", "adam", "--schedule", "cosine", "--progress", "lines", "--out", out);
  });

  it("trains, prints the epochs and ends with the test accuracy", () => {
    expect(trained.err).toEqual([]);
    expect(trained.code).toBe(0);
    expect(trained.out[0]).toBe("fluxion train: mlp on mnist (512 train, 256 test); adam lr 0.001 cosine; 2 epochs of batch 32; seed 42");
    expect(trained.out.filter((l) => l.startsWith("epoch "))).toHaveLength(2);
    const m = /^test accuracy (\d+\.\d\d)% \(loss \d+\.\d{4}\)$/.exec(trained.out[trained.out.length - 1]!);
    expect(m, trained.out.join("\n")).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(50); // 10 classes: chance is 10%
  });

  it("writes the checkpoint (with the meta evaluate needs), the history and the charts", () => {
    for (const f of ["checkpoint.safetensors", "history.json", "run.json", "history.svg", "confusion.svg", "misclassified.svg"]) expect(existsSync(join(out, f)), f).toBe(true);
    const history = JSON.parse(readFileSync(join(out, "history.json"), "utf8"));
    expect(history.map((r: { epoch: number }) => r.epoch)).toEqual([1, 2]);
    expect(history[1].val_accuracy).toBeGreaterThan(0.5);
    for (const f of ["history.svg", "confusion.svg", "misclassified.svg"]) expect(readFileSync(join(out, f), "utf8")).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\s*$/);
    const ckpt = fx.train.load<Record<string, unknown>, unknown, unknown, Record<string, any>>(join(out, "checkpoint.safetensors"));
    expect(ckpt.meta!.model).toBe("mlp");
    expect(ckpt.meta!.modelOptions).toEqual({ hidden: [64] });
    expect(ckpt.meta!.data).toBe("mnist");
    expect(ckpt.meta!.seed).toBe(42);
    expect(ckpt.meta!.testSize).toBe(256);
    expect(Object.keys(ckpt.params).sort()).toEqual(["act1", "dense1", "dense2"]);
    const runJson = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(runJson.test.accuracy).toBe(ckpt.meta!.test.accuracy);
    expect(runJson.epochsRun).toBe(2);
  });

  it("evaluate rebuilds the model and finds the same test accuracy, with the tables", async () => {
    const r = await run("evaluate", "--checkpoint", join(out, "checkpoint.safetensors"));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const accuracy = /test accuracy (\d+\.\d\d)%/.exec(trained.out[trained.out.length - 1]!)![1];
    expect(r.out).toContain(`loss ${/\(loss (\d+\.\d{4})\)/.exec(trained.out[trained.out.length - 1]!)![1]}  accuracy ${accuracy}%`);
    const text = r.out.join("\n");
    expect(text).toMatch(/class\s+precision\s+recall\s+support/);
    expect(text).toContain("confusion matrix (rows: true class, columns: predicted class)");
    // The confusion matrix's counts add up to the 256 test samples.
    const start = r.out.findIndex((l) => l.startsWith("true \\ predicted"));
    const rows = r.out.slice(start + 2, start + 12).map((l) => l.trim().split(/\s+/).slice(2).map(Number));
    expect(rows).toHaveLength(10);
    expect(rows.flat().reduce((a, b) => a + b, 0)).toBe(256);
  });

  it("evaluate: a missing checkpoint is a runtime failure (1), a missing --checkpoint a usage error (2)", async () => {
    const missing = await run("evaluate", "--checkpoint", join(out, "nope.safetensors"));
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/^fluxion: CheckpointError: load: .*nope\.safetensors: cannot open the checkpoint/);
    const none = await run("evaluate");
    expect(none.code).toBe(2);
    expect(none.err[0]).toBe("fluxion evaluate: --checkpoint is required (see fluxion evaluate --help)");
  });

  it("exits with 1 and prints the install hint when the Fashion-MNIST files are missing", async () => {
    const r = await run("train", "--data", `fashion-mnist=${join(tempDir(), "nowhere")}`, "--epochs", "1");
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^fluxion: DataNotFoundError: fashionMnist: .*nowhere does not exist\. Install Debian's package \(apt-get install dataset-fashion-mnist/);
    expect(r.err[0]).toContain("--data fashion-mnist=DIR");
  });
});
