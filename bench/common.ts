// Shared benchmark plumbing: TensorFlow.js backends (pure-JS CPU and WASM, loaded from
// node_modules), the jit/eager switch for fluxion, running one benny suite per comparison and
// turning its median times into ratios (fluxion time / other time).

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import b from "benny";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as fx from "../src/index.js";

export { tf, fx };

export type Backend = "cpu" | "wasm";

let tfReady: Promise<void> | undefined;

/** Initialises both TensorFlow.js backends once; the WASM binary comes from node_modules, never the network. */
export function initTf(): Promise<void> {
  tfReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmDir = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + path.sep;
    setWasmPaths(wasmDir);
    if (!(await tf.setBackend("wasm"))) throw new Error("bench: the tfjs WASM backend failed to initialise");
    if (!(await tf.setBackend("cpu"))) throw new Error("bench: the tfjs CPU backend failed to initialise");
  })();
  return tfReady;
}

/**
 * Makes `name` the active tfjs backend. Both backends are initialised by `initTf`, so the switch
 * is synchronous (the returned promise is already settled in effect); cheap when already active.
 */
export function useBackend(name: Backend): void {
  if (tf.getBackend() !== name) void tf.setBackend(name);
}

/** Runs `f` with `name` as the active backend (used while creating a case's input tensors). */
export function onBackend<R>(name: Backend, f: () => R): R {
  useBackend(name);
  return f();
}

/** Facts about the tfjs WASM backend worth recording next to its numbers. */
export async function wasmFeatures(): Promise<{ simd: boolean; threads: boolean }> {
  return {
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    threads: Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")),
  };
}

/** Whether `fx.jit` exists yet; the fluxion cases use it when it does, eager ops otherwise. */
export const HAS_JIT = typeof (fx as Record<string, unknown>).jit === "function";

/** `fx.jit(f)` once jit exists; until then f itself (eager). The one-line switch for every suite. */
export function maybeJit<F extends (...args: any[]) => any>(f: F): F {
  return HAS_JIT ? ((fx as any).jit(f) as F) : f;
}

export const FLUXION_MODE = HAS_JIT ? "jit" : "eager";

/** One implementation of a benchmark; `fn` is the timed body (setup happens before). */
export interface Case {
  readonly name: string;
  readonly fn: () => unknown;
}

export interface SuiteResult {
  readonly suite: string;
  /** median seconds per call of each case */
  readonly seconds: Record<string, number>;
}

export interface RunOptions {
  /** benchmark.js sampling: seconds per case (at least `minSamples` samples are always taken) */
  readonly maxTime: number;
  readonly minSamples: number;
}

export const DEFAULT_RUN: RunOptions = { maxTime: 1.5, minSamples: 5 };

/** Runs the cases side by side in one benny suite and returns each one's median time per call. */
export async function runSuite(name: string, cases: readonly Case[], options: RunOptions = DEFAULT_RUN): Promise<SuiteResult> {
  const summary = await b.suite(
    name,
    b.configure({ cases: { maxTime: options.maxTime, minSamples: options.minSamples } }),
    ...cases.map((c) => b.add(c.name, () => { c.fn(); })),
  );
  const seconds: Record<string, number> = {};
  for (const r of summary.results) seconds[r.name] = r.details.median;
  return { suite: name, seconds };
}

/** The cases rotated by `by` places: repeats start with a different case, so no case is always first. */
export function rotate<T>(xs: readonly T[], by: number): T[] {
  const k = xs.length ? by % xs.length : 0;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/** ratio = time of `reference` / time of each other case (< 1: `reference` is faster). */
export function ratiosOf(result: SuiteResult, reference: string): Record<string, number> {
  const t = result.seconds[reference];
  const out: Record<string, number> = {};
  if (t === undefined) return out;
  for (const [name, s] of Object.entries(result.seconds)) if (name !== reference) out[name] = t / s;
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Deterministic uniform values in [-scale, scale) (xorshift), so every run times the same data. */
export function randomArray(size: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32 * 2 - 1) * scale;
  }
  return out;
}

/** A suite of the benchmark: its name and a function that builds its cases. */
export interface SuiteDef {
  readonly name: string;
  /** the case all ratios are taken against: fluxion's main variant */
  readonly reference: string;
  readonly cases: () => Case[] | Promise<Case[]>;
  /** Checks that the implementations agree (run once before timing); throws if they do not. */
  readonly check?: () => void;
}

/** Throws unless |a − b| ≤ tol·max(1, |b|) elementwise: benchmarks must compare equal work. */
export function assertClose(what: string, a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  if (a.length !== b.length) throw new Error(`bench check ${what}: lengths ${a.length} and ${b.length} differ`);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)))) {
      throw new Error(`bench check ${what}: element ${i} is ${a[i]} vs ${b[i]}`);
    }
  }
}

/**
 * Writes a benchmark report. A full run replaces the tracked `bench/results/<name>-latest.json`
 * (the numbers docs/performance.md quotes); a partial or quick run goes to the system's temporary
 * folder, so no benchmark run leaves an untracked file in the checkout.
 */
export function writeReport(name: string, report: unknown, full: boolean): string {
  const dir = full ? path.join(path.dirname(fileURLToPath(import.meta.url)), "results") : mkdtempSync(path.join(os.tmpdir(), "fluxion-bench-"));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-latest.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}
