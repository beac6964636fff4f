// Every number and command the README quotes must match what the code and the recorded
// benchmark results say: npm scripts exist, linked docs exist, the primitive count is the
// registry's, the data split is the demo's, and each speed ratio is the one in
// bench/results/compare-latest.json (rounded as printed). The accuracy of `npm run train` is the one
// recorded in docs/results/npm-run-train.json by a full run; the test runs the first of its three
// epochs (STOP_AFTER=1: the same schedule, so the same epoch) and checks that it still gives the
// recorded numbers, which keeps it under a minute. FLUXION_README_FULL=1 runs all of it
// (about 2 minutes on a 2-core machine) and checks the final accuracy too.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import "../src/index.js";
import { allPrimitives } from "../src/prims/primitive.js";
import { TEST_DIGITS, loadDigits } from "../examples/mnist-data.js";

const root = resolve(__dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts as Record<string, string>;

function textFiles(dir: string, ext: string): string[] {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f));
}

/** bench/results/compare-latest.json: per benchmark, fluxion variant and peer, peer time / fluxion time. */
type CompareRecord = { benchmarks: { id: string; speedups: Record<string, Record<string, number>> }[] };
const compare = JSON.parse(readFileSync(join(root, "bench/results/compare-latest.json"), "utf8")) as CompareRecord;

/** The recorded speed-ups of `variant` over `peer` in the benchmarks whose ids start with `prefix`. */
function speedups(prefix: string, variant: string, peer: string): number[] {
  const found = compare.benchmarks.filter((b) => b.id.startsWith(prefix) && b.speedups[variant]?.[peer] !== undefined);
  expect(found.length, `the compare record has "${prefix}…" with ${variant} against ${peer}`).toBeGreaterThan(0);
  return found.map((b) => b.speedups[variant]![peer]!);
}
type EpochNumbers = { epoch: number; loss: number; accuracy: number; val_loss: number; val_accuracy: number };
/** What a full `npm run train` recorded (docs/results.md quotes it). */
const trainRecord = JSON.parse(readFileSync(join(root, "docs/results/npm-run-train.json"), "utf8")) as {
  command: string;
  epochs: number;
  testAccuracy: number;
  history: EpochNumbers[];
};
/** Training is deterministic given the seed: accuracies are counts and match exactly, losses to float32 rounding. */
function expectSameEpoch(got: EpochNumbers, recorded: EpochNumbers): void {
  expect(got.epoch).toBe(recorded.epoch);
  expect(got.accuracy).toBe(recorded.accuracy);
  expect(got.val_accuracy).toBe(recorded.val_accuracy);
  expect(got.loss).toBeCloseTo(recorded.loss, 6);
  expect(got.val_loss).toBeCloseTo(recorded.val_loss, 6);
}
const fmt = (x: number) => x.toFixed(1);
const range = (xs: number[]) => (xs.length === 1 ? `${fmt(xs[0]!)}×` : `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}×`);

describe("README claims", () => {
  test("every `npm run` script named in the README, docs, examples and benchmarks exists", () => {
    const files = ["README.md", ...textFiles("docs", ".md"), ...textFiles("examples", ".ts"), ...textFiles("bench", ".ts")];
    const named = new Set<string>();
    for (const f of files) for (const m of readFileSync(join(root, f), "utf8").matchAll(/npm run ([\w:-]+)/g)) named.add(m[1]!);
    expect(named.size).toBeGreaterThan(3);
    for (const s of named) expect(scripts[s], `npm run ${s}`).toBeDefined();
    expect(readme).toMatch(/^npm ci && npm run train /m);
    expect(readme).toMatch(/^npm test /m);
  });

  test("every relative link in the README points at a file that exists", () => {
    const links = [...readme.matchAll(/\]\(([^)#:]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(existsSync(join(root, l)), l).toBe(true);
  });

  test("the primitive count is the registry's", () => {
    const m = /an SSA program of (\d+) primitives/.exec(readme);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(allPrimitives().length);
  });

  test("the demo's data split is what the demo does", () => {
    const total = loadDigits().count;
    const fmtCount = (n: number) => n.toLocaleString("en-US");
    const flat = readme.replace(/\s+/g, " ");
    expect(flat).toContain(`trains LeNet-5 on ${fmtCount(total - TEST_DIGITS)} real MNIST digits, tests on ${fmtCount(TEST_DIGITS)} more`);
    expect(flat).toContain(`(${fmtCount(total)} real digits: ${fmtCount(total - TEST_DIGITS)} to train on, ${fmtCount(TEST_DIGITS)} to`);
  });

  test("every speed ratio is the recorded benchmark's", () => {
    const f32 = "fluxion-wasm-f32acc";
    const claims: [string, string][] = [
      ["float32 accumulation:", range(speedups("matmul-", f32, "jax-js"))],
      ["jax-js and", range(speedups("matmul-", f32, "tfjs-wasm"))],
      ["MLP training step with float32 accumulation:", range(speedups("mlp", f32, "jax-js"))],
      ["LeNet-5 training step with the default accumulation:", range(speedups("lenet", "fluxion-wasm-f64acc", "jax-js"))],
      // PyTorch is faster here: the README gives fluxion's time as a multiple of PyTorch's.
      ["jax-js, and", range(speedups("lenet", "fluxion-wasm-f64acc", "torch").map((x) => 1 / x))],
    ];
    const speed = readme.slice(readme.indexOf("**Speed**"));
    for (const [before, value] of claims) expect(speed.replace(/\s+/g, " ")).toContain(`${before}${before.endsWith("(") ? "" : " "}${value}`);
  });

  test("the README quotes the recorded accuracy of npm run train, and the record is one run's", () => {
    const claimed = /^npm ci && npm run train .*\((\d+\.\d\d)% test accuracy/m.exec(readme);
    expect(claimed, "README's first command quotes the test accuracy").not.toBeNull();
    expect(claimed![1]).toBe((100 * trainRecord.testAccuracy).toFixed(2));
    expect(trainRecord.command).toBe("npm run train");
    // The last epoch validates on the same 2,000 test digits that evaluate scores.
    expect(trainRecord.history).toHaveLength(trainRecord.epochs);
    expect(trainRecord.history.at(-1)!.val_accuracy).toBe(trainRecord.testAccuracy);
    expect(trainRecord.testAccuracy).toBeGreaterThanOrEqual(0.98);
  });

  test("npm run train still trains as recorded: its first epoch gives the recorded numbers", () => {
    const out = mkdtempSync(join(tmpdir(), "fluxion-readme-train-"));
    try {
      const env = { ...process.env, STOP_AFTER: "1", FLUXION_OUT: out };
      execFileSync(process.execPath, ["--import", "tsx", join(root, "examples/train-mnist.ts")], { cwd: root, encoding: "utf8", env });
      const history = JSON.parse(readFileSync(join(out, "history.json"), "utf8")) as EpochNumbers[];
      expect(history).toHaveLength(1);
      expectSameEpoch(history[0]!, trainRecord.history[0]!);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  test.runIf(process.env.FLUXION_README_FULL === "1")("FLUXION_README_FULL=1: all of npm run train gives the recorded run", () => {
    const out = mkdtempSync(join(tmpdir(), "fluxion-readme-train-"));
    try {
      execFileSync(process.execPath, ["--import", "tsx", join(root, "examples/train-mnist.ts")], { cwd: root, encoding: "utf8", env: { ...process.env, FLUXION_OUT: out } });
      const run = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { testAccuracy: number };
      const history = JSON.parse(readFileSync(join(out, "history.json"), "utf8")) as EpochNumbers[];
      expect(run.testAccuracy).toBe(trainRecord.testAccuracy);
      history.forEach((e, i) => expectSameEpoch(e, trainRecord.history[i]!));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 900_000);
});
