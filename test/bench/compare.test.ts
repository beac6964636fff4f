// Smoke test of bench/compare.ts at tiny sizes: every benchmark's contenders (fluxion's variants,
// jax-js, TensorFlow.js, the hand-written loop, PyTorch when Python has it) compute the same
// values, the cross-check catches one that does not, the interleaved timer returns a time for
// every contender, and the peak kernels of bench/peak.ts compute what they claim. No timing is
// asserted (the machine is shared). Lives under test/bench/ so only the main run executes it
// (the no-eval and JS-backend runs pick test/*.test.ts and named files).

import * as jax from "@jax-js/jax";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initTf } from "../../bench/common.js";
import { type Benchmark, type Checks, BENCHMARKS, benchmarks, crossCheck, discrepancy, msTable, runTorch, sampleIndices, timeInterleaved } from "../../bench/compare.js";
import { type Contender, threadsOptionSupported } from "../../bench/contenders.js";
import { CHAINS, peakModule, readModule } from "../../bench/peak.js";
import { compileModule, instantiateModule } from "../../src/compile/wasm/module.js";
import * as fx from "../../src/index.js";

const TINY = { chain: 4099, mlpBatch: 8, lenetBatch: 4, convBatch: 2 };

describe("bench/compare cross-checks", () => {
  test("discrepancy is relative to the reference's scale, compares samples, and flags NaN and a different loss", () => {
    const want = { loss: 2, values: Float64Array.from({ length: 10 }, (_, i) => i - 5) };
    expect(discrepancy(want, want)).toBe(0);
    expect(discrepancy({ loss: 2, values: want.values.map((v, i) => (i === 3 ? v + 0.05 : v)) }, want)).toBeCloseTo(0.01, 12);
    expect(discrepancy({ loss: 2.002, values: want.values }, want)).toBeCloseTo(0.001, 12);
    expect(discrepancy({ values: want.values }, want)).toBe(Infinity);
    expect(discrepancy({ loss: 2, values: want.values.map((v, i) => (i === 0 ? NaN : v)) }, want)).toBe(Infinity);
    // A sample (as bench/torch_ref.py sends) is compared at the same indices.
    const idx = sampleIndices(10, 4);
    expect(idx).toEqual([0, 2, 5, 7]);
    expect(discrepancy({ loss: 2, values: idx.map((i) => want.values[i]!) }, want)).toBe(0);
    expect(discrepancy({ loss: 2, values: idx.map((i) => want.values[i]! + 1) }, want)).toBeCloseTo(0.2, 12);
  });

  test("crossCheck drops a contender that computes something else and keeps the others", () => {
    const make = (name: string, values: number[]): Contender => ({ name, run: () => {}, result: () => ({ values }) });
    const checks = crossCheck([make("fluxion-js", [1, 2, 4]), make("same", [1, 2, 4 + 1e-7]), make("wrong", [1, 2, 4.1]), { name: "broken", fails: "kernel missing" }], 1e-5);
    expect(checks.passed.map((c) => c.name)).toEqual(["fluxion-js", "same"]);
    expect(Object.keys(checks.failures).sort()).toEqual(["broken", "wrong"]);
    expect(checks.failures.wrong).toMatch(/^cross-check failed: differs from fluxion-js by 2\.5/);
    expect(checks.failures.broken).toBe("kernel missing");
  });
});

describe("bench/compare at tiny sizes", () => {
  const threads = threadsOptionSupported();
  let list: Benchmark[] = [];
  const checks = new Map<string, Checks>();

  beforeAll(async () => {
    await initTf();
    await jax.init("wasm", "cpu");
    jax.defaultDevice("wasm");
    list = benchmarks({ sizes: [24], only: new Set(BENCHMARKS) }, threads, TINY);
    for (const b of list) checks.set(b.id, crossCheck(b.contenders(), b.tolerance));
  }, 120_000);
  afterAll(() => fx.setBackend("auto"));

  test("covers every benchmark", () => {
    expect(list.map((b) => b.kind)).toEqual([...BENCHMARKS]);
  });

  test.each(BENCHMARKS)("%s: fluxion's variants and jax-js agree; other peers agree or say why they cannot run it", (kind) => {
    const b = list.find((x) => x.kind === kind)!;
    const c = checks.get(b.id)!;
    const passed = c.passed.map((x) => x.name);
    // Accumulation does not enter the elementwise chain, so it has no f32acc variant.
    const expected = kind === "chain" ? ["fluxion-js", "fluxion-wasm-f64acc", "jax-js", "hand-written loop"] : ["fluxion-js", "fluxion-wasm-f64acc", "fluxion-wasm-f32acc", "jax-js"];
    for (const name of expected) expect(passed, `${b.id}: ${name} (${c.failures[name]})`).toContain(name);
    expect(passed.length + Object.keys(c.failures).length).toBeGreaterThanOrEqual(5);
    for (const [name, why] of Object.entries(c.failures)) {
      expect(why, `${b.id}: ${name}`).not.toMatch(/^cross-check failed/);
      expect(why.length).toBeGreaterThan(0);
    }
    for (const name of passed) expect(c.discrepancies[name]!).toBeLessThanOrEqual(b.tolerance);
  });

  test("the interleaved timer gives every contender a time, and the summary table a cell", () => {
    const b = list.find((x) => x.kind === "matmul")!;
    const c = checks.get(b.id)!;
    const ms = timeInterleaved(c.passed, { rounds: 2, windowMs: 0 });
    expect(Object.keys(ms).sort()).toEqual(c.passed.map((x) => x.name).sort());
    for (const t of Object.values(ms)) expect(Number.isFinite(t) && t > 0).toBe(true);
    const table = msTable([{ id: b.id, title: b.title, work: b.work, ms, gflops: {}, discrepancies: {}, failures: { broken: "x" }, speedups: {} }]);
    expect(table.split("\n")).toHaveLength(3);
    expect(table).toContain("| fails |");
  });

  test("PyTorch (bench/torch_ref.py) computes the same values, where Python has torch", (ctx) => {
    const report = runTorch(list, { rounds: 1, windowMs: 0 });
    if (typeof report === "string" && report.startsWith("skipped")) ctx.skip();
    if (typeof report === "string") throw new Error(`torch_ref.py: ${report}`);
    expect(Object.keys(report.results).sort()).toEqual(list.map((b) => b.id).sort());
    for (const b of list) {
      const r = report.results[b.id]!;
      expect(Number.isFinite(r.ms)).toBe(true);
      const d = discrepancy({ loss: r.loss, values: r.values }, checks.get(b.id)!.reference!);
      expect(d, b.id).toBeLessThanOrEqual(b.tolerance);
    }
  }, 60_000);
});

describe("bench/peak kernels", () => {
  test("the multiply-add chains converge to 1 in every lane (the sum of lane 0 is the chain count)", () => {
    for (const lanes of ["f32x4", "f64x2"] as const) {
      const peak = instantiateModule(compileModule(peakModule(lanes))).exports.peak as (n: number) => number;
      // 4·40 steps of acc·0.5 + 0.5 from 1 + i/64: within 2⁻¹⁶⁰ of 1, so exactly 1 in float32 and float64.
      expect(peak(40)).toBe(CHAINS);
    }
  });

  test("the read loop sums every float of its range", () => {
    const instance = instantiateModule(compileModule(readModule(1)));
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    const f = new Float32Array(memory.buffer);
    for (let i = 0; i < f.length; i++) f[i] = i % 7;
    const sum = instance.exports.sum as (bytes: number) => number;
    let want = 0;
    for (let i = 0; i < 1024; i++) want += f[i]!;
    expect(sum(4096)).toBe(want);
  });
});
