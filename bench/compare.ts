// Every figure of issue 12 side by side in one process: square float32 matmul (128–1024), the
// fused chain tanh(x·a+b)·σ(x) + max(x−1, 0) over 1M floats, the 784-256-10 MLP training step at
// batch 128, the LeNet-5 training step at batch 64, and conv [64,6,14,14] ∗ [16,6,5,5] forward +
// both gradients — fluxion (JS kernels; WebAssembly with float64 and float32 accumulation; two
// threads where setBackend takes a `threads` option) against jax-js (WASM), TensorFlow.js (WASM,
// and CPU for matmul), a hand-written loop (chain) and PyTorch on one thread (bench/torch_ref.py,
// a child process, when Python has torch). Then the machine's measured peaks (bench/peak.ts).
//
// Every contender is first checked to compute the same values as the first fluxion variant (loss
// and gradients for the training steps); one that cannot run the work is listed with its error.
// The contenders of a benchmark are timed interleaved: round after round, each gets one window
// (≥ 400 ms of calls; 100 ms with --quick), so load that comes and goes hits all of them; the figure is the median
// over rounds. Prints ms per call, GFLOP/s, fluxion's speed-up over each peer (peer ms / fluxion
// ms, "× faster"), and writes a JSON record (bench/results/compare-latest.json for a full run, a
// temporary file for --quick or a partial run).
//
//   npm run bench:compare                                  everything (~5 min on a quiet 2-core machine)
//   npm run bench:compare -- --quick                       fewer, shorter windows: a smoke run
//   npm run bench:compare -- --sizes 128,512 --only matmul,peak
//   npm run bench:compare -- --no-torch

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as jax from "@jax-js/jax";
import { fx, initTf, median, rotate, tf, wasmFeatures, writeReport } from "./common.js";
import { type Checked, type Contender, type Failure, CHAIN_SIZE, chainContenders, chainData, convContenders, convData, fluxionVariants, matmulContenders, matmulData, mlpContenders, mlpData, threadsOptionSupported } from "./contenders.js";
import { lenetContenders, lenetData } from "./lenet.js";
import { type Peaks, bestPeaks, formatPeaks, measurePeaks } from "./peak.js";
import { type Work, chainWork, convWork, lenetWork, matmulWork, mlpWork } from "./work.js";

export const DEFAULT_SIZES = [128, 256, 512, 1024];
export const BENCHMARKS = ["matmul", "chain", "mlp", "lenet", "conv"] as const;
export type BenchmarkKind = (typeof BENCHMARKS)[number];

export interface Options {
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly only: ReadonlySet<BenchmarkKind | "peak">;
  readonly torch: boolean;
}

/** Writes one float32 input for bench/torch_ref.py and returns the name it reads it by. */
export type PutInput = (name: string, data: Float32Array) => string;

/** One benchmark's contenders and how closely they must agree. */
export interface Benchmark {
  readonly id: string;
  readonly kind: BenchmarkKind;
  readonly title: string;
  readonly work: Work;
  /** Largest allowed |got − reference| relative to max |reference| (values) and |loss| (loss). */
  readonly tolerance: number;
  readonly contenders: () => (Contender | Failure)[];
  /** Writes the same inputs for bench/torch_ref.py; returns its entry of the spec. */
  readonly torchInputs: (put: PutInput) => Record<string, unknown>;
}

/** Sizes of the non-matmul benchmarks: the issue's, or tiny ones for the smoke test. */
export interface Scale {
  readonly chain: number;
  readonly mlpBatch: number;
  readonly lenetBatch: number;
  readonly convBatch: number;
}

export const FULL_SCALE: Scale = { chain: CHAIN_SIZE, mlpBatch: 128, lenetBatch: 64, convBatch: 64 };

export function benchmarks(o: Pick<Options, "sizes" | "only">, threads: boolean, scale: Scale = FULL_SCALE): Benchmark[] {
  const variants = fluxionVariants(threads);
  const list: Benchmark[] = [];
  const want = (k: BenchmarkKind) => o.only.has(k);
  if (want("matmul")) {
    for (const n of o.sizes) {
      list.push({
        id: `matmul-${n}`,
        kind: "matmul",
        title: `matmul ${n}×${n} f32`,
        work: matmulWork(n),
        tolerance: 1e-5,
        contenders: () => matmulContenders(n, variants, threads, { tfjsCpu: true }),
        torchInputs: (put) => ({ n, a: put(`matmul-${n}-a`, matmulData(n).a), b: put(`matmul-${n}-b`, matmulData(n).b) }),
      });
    }
  }
  if (want("chain")) {
    const size = scale.chain;
    const title = `chain tanh(x·a+b)·σ(x) + max(x−1, 0), ${size === CHAIN_SIZE ? "1M" : size} f32`;
    list.push({ id: "chain", kind: "chain", title, work: chainWork(size), tolerance: 1e-5, contenders: () => chainContenders(size, variants, threads), torchInputs: (put) => ({ x: put("chain-x", chainData(size)) }) });
  }
  if (want("mlp")) {
    const batch = scale.mlpBatch;
    list.push({
      id: "mlp",
      kind: "mlp",
      title: `MLP 784-256-10 training step, batch ${batch}`,
      work: mlpWork(batch),
      tolerance: 1e-3,
      contenders: () => mlpContenders(variants, threads, batch),
      torchInputs: (put) => {
        const d = mlpData(batch);
        return { x: put("mlp-x", d.x), y: put("mlp-y", d.y), params: d.params.map((p, i) => put(`mlp-p${i}`, p)), shapes: d.shapes, batch };
      },
    });
  }
  if (want("lenet")) {
    const batch = scale.lenetBatch;
    list.push({
      id: "lenet",
      kind: "lenet",
      title: `LeNet-5 training step, batch ${batch}`,
      work: lenetWork(batch),
      tolerance: 1e-3,
      contenders: () => lenetContenders(variants, threads, batch),
      torchInputs: (put) => {
        const d = lenetData(batch);
        return { x: put("lenet-x", d.x), y: put("lenet-y", d.y), params: d.params.map((p, i) => put(`lenet-p${i}`, p)), batch };
      },
    });
  }
  if (want("conv")) {
    const n = scale.convBatch;
    list.push({
      id: "conv",
      kind: "conv",
      title: `conv [${n},6,14,14] ∗ [16,6,5,5] forward + both gradients`,
      work: convWork(n),
      tolerance: 1e-4,
      contenders: () => convContenders(variants, threads, n),
      torchInputs: (put) => {
        const d = convData(n);
        return { x: put("conv-x", d.x), w: put("conv-w", d.w), r: put("conv-r", d.r), n };
      },
    });
  }
  return list;
}

// ---- cross-checks ------------------------------------------------------------------------

/** Indices of `count` evenly spread elements of a vector of `length` (all when it is short). */
export function sampleIndices(length: number, count: number): number[] {
  if (length <= count) return Array.from({ length }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * length) / count));
}

/** Elements a cross-check with bench/torch_ref.py compares (it sends these, not whole tensors). */
export const TORCH_SAMPLE = 4096;

/**
 * How far `got` is from `want`: the largest |difference| relative to max |want| (values; compared
 * at `want`'s sample indices when `got` is a sample) and |Δloss|/|loss|. NaN anywhere is Infinity.
 */
export function discrepancy(got: Checked, want: Checked): number {
  let values = want.values;
  if (got.values.length !== values.length) {
    const idx = sampleIndices(values.length, got.values.length);
    if (idx.length !== got.values.length) return Infinity;
    values = idx.map((i) => want.values[i]!);
  }
  let scale = 0;
  for (let i = 0; i < values.length; i++) scale = Math.max(scale, Math.abs(values[i]!));
  let d = 0;
  for (let i = 0; i < values.length; i++) {
    const e = Math.abs(got.values[i]! - values[i]!);
    d = Math.max(d, e === e ? e / (scale || 1) : Infinity);
  }
  if (want.loss !== undefined) {
    const e = got.loss === undefined ? Infinity : Math.abs(got.loss - want.loss) / Math.max(Math.abs(want.loss), 1e-12);
    d = Math.max(d, e === e ? e : Infinity);
  }
  return d;
}

export interface Checks {
  /** contenders that computed the reference's values */
  readonly passed: Contender[];
  /** each contender's discrepancy from the reference (the first fluxion variant that runs) */
  readonly discrepancies: Record<string, number>;
  /** contenders that failed to run or to agree, with the reason */
  readonly failures: Record<string, string>;
  readonly reference: Checked | null;
}

/** Runs every contender once and compares its values with the first one's. */
export function crossCheck(all: readonly (Contender | Failure)[], tolerance: number): Checks {
  const passed: Contender[] = [];
  const discrepancies: Record<string, number> = {};
  const failures: Record<string, string> = {};
  let reference: Checked | null = null;
  for (const c of all) {
    if ("fails" in c) {
      failures[c.name] = c.fails;
      continue;
    }
    c.enter?.();
    c.run();
    const got = c.result();
    reference ??= got;
    const d = discrepancy(got, reference);
    discrepancies[c.name] = d;
    if (d <= tolerance) passed.push(c);
    else failures[c.name] = `cross-check failed: differs from ${Object.keys(discrepancies)[0]} by ${d.toExponential(2)} (tolerance ${tolerance})`;
  }
  return { passed, discrepancies, failures, reference };
}

// ---- timing ------------------------------------------------------------------------------

export interface Timing {
  readonly rounds: number;
  readonly windowMs: number;
}

/**
 * Median ms per call of each contender over `rounds` interleaved windows (the starting contender
 * rotates each round). A contender slower than a second a call gets single-call windows in the
 * first three rounds only.
 */
export function timeInterleaved(cs: readonly Contender[], t: Timing): Record<string, number> {
  const per: Record<string, number[]> = {};
  const slow = new Set<string>();
  for (const c of cs) {
    c.enter?.();
    const t0 = performance.now();
    c.run();
    if (performance.now() - t0 > 1000) slow.add(c.name);
  }
  for (let r = 0; r < t.rounds; r++) {
    for (const c of rotate(cs, r)) {
      if (slow.has(c.name) && r >= 3) continue;
      c.enter?.();
      let calls = 0;
      const t0 = performance.now();
      do {
        c.run();
        calls++;
      } while (!slow.has(c.name) && performance.now() - t0 < t.windowMs);
      (per[c.name] ??= []).push((performance.now() - t0) / calls);
    }
  }
  return Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)]));
}

// ---- PyTorch reference -------------------------------------------------------------------

export interface TorchReport {
  readonly torch: string;
  readonly threads: number;
  readonly python: string;
  /** BLAS libraries torch had mapped (Netlib's reference libblas makes its matmul slow) */
  readonly blas: string[];
  readonly results: Record<string, { ms: number; loss?: number; values: number[] }>;
}

/** Pythons to try, in order: $FLUXION_PYTHON, python3, /usr/bin/python3 (Debian's python3-torch). */
const PYTHONS = [process.env.FLUXION_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => p !== undefined && p !== "");
/** torch_ref.py's exit status when its Python cannot import torch (or numpy). */
const NO_TORCH = 3;

/** Writes every benchmark's inputs as raw float32 files for bench/torch_ref.py; returns their spec entries. */
function writeTorchInputs(dir: string, list: readonly Benchmark[]): object[] {
  const put: PutInput = (name, a) => {
    writeFileSync(path.join(dir, `${name}.f32`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return name;
  };
  return list.map((b) => ({ id: b.id, kind: b.kind, ...b.torchInputs(put) }));
}

/** Runs bench/torch_ref.py on the same inputs; a message instead when Python has no torch or the script fails. */
export function runTorch(list: readonly Benchmark[], t: Timing): TorchReport | string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fluxion-torch-"));
  try {
    const spec = JSON.stringify({ dir, sample: TORCH_SAMPLE, rounds: t.rounds, windowMs: t.windowMs, benchmarks: writeTorchInputs(dir, list) });
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "torch_ref.py");
    const env = { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" };
    // Each Python is asked directly (importing torch takes seconds; no separate probe).
    for (const python of PYTHONS) {
      const r = spawnSync(python, [script], { input: spec, encoding: "utf8", maxBuffer: 1 << 28, env });
      if (r.error !== undefined || r.status === NO_TORCH) continue;
      if (r.status !== 0) return `failed: ${(r.stderr ?? "").trim().split("\n").slice(-1)[0]}`;
      return { ...(JSON.parse(r.stdout) as Omit<TorchReport, "python">), python };
    }
    return `skipped: no Python with torch and numpy (tried ${PYTHONS.join(", ")})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the run -----------------------------------------------------------------------------

export interface BenchmarkRecord {
  readonly id: string;
  readonly title: string;
  readonly work: Work;
  /** ms per call */
  readonly ms: Record<string, number>;
  readonly gflops: Record<string, number>;
  readonly discrepancies: Record<string, number>;
  readonly failures: Record<string, string>;
  /** fluxion variant → peer → peer ms / fluxion ms (> 1: fluxion faster) */
  readonly speedups: Record<string, Record<string, number>>;
  /** fluxion variant → achieved GFLOP/s / the matching measured peak */
  readonly peakFraction?: Record<string, number>;
  /** fluxion variant → (minimal bytes / time) / the measured copy bandwidth at the work's size */
  readonly bandwidthFraction?: Record<string, number>;
}

const isFluxion = (name: string) => name.startsWith("fluxion");

function speedupsOf(ms: Record<string, number>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [f, fm] of Object.entries(ms)) {
    if (!isFluxion(f)) continue;
    out[f] = {};
    for (const [p, pm] of Object.entries(ms)) if (!isFluxion(p)) out[f]![p] = pm / fm;
  }
  return out;
}

/** The peak a fluxion variant can at most reach: f32x4 with float32 accumulation or float32-step transcendentals, f64x2 with float64, scalar JS for the JS kernels (× threads). */
function peakFor(name: string, p: Peaks): number {
  const threads = name.endsWith("-2t") ? 2 : 1;
  if (name.startsWith("fluxion-js")) return p.jsScalarGflops * threads;
  return (name.includes("f32acc") || name.includes("f32trans") ? p.wasmF32x4Gflops : p.wasmF64x2Gflops) * threads;
}

/** The copy bandwidth (GB/s) that applies to a working set of `bytes`: the cache-sized figure up to 16 MiB. */
function copyPeakFor(bytes: number, p: Peaks): number {
  return bytes <= 16 << 20 ? p.copy4MiBGBs : p.copyGBs;
}

/** The columns of the summary table, in this order when present. */
const PEER_ORDER = ["jax-js", "tfjs-cpu", "tfjs-wasm", "hand-written loop", "torch"];

/** ms per call of every contender of every benchmark, as a Markdown table ("fails" where a library could not run it). */
export function msTable(records: readonly BenchmarkRecord[]): string {
  const names = new Set<string>();
  for (const r of records) for (const k of [...Object.keys(r.ms), ...Object.keys(r.failures)]) names.add(k);
  const cols = [...[...names].filter(isFluxion), ...PEER_ORDER.filter((p) => names.has(p)), ...[...names].filter((n) => !isFluxion(n) && !PEER_ORDER.includes(n))];
  const lines = [`| ms per call | ${cols.join(" | ")} |`, `| --- |${" --- |".repeat(cols.length)}`];
  for (const r of records) lines.push(`| ${r.title} | ${cols.map((c) => (r.ms[c] !== undefined ? fmtMs(r.ms[c]!) : r.failures[c] !== undefined ? "fails" : "—")).join(" | ")} |`);
  return lines.join("\n");
}

function parseArgs(argv: readonly string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const positional = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  const sizes = value("--sizes")?.split(",").map(Number) ?? (positional.length > 0 ? positional : DEFAULT_SIZES);
  const onlyList = value("--only")?.split(",") ?? [...BENCHMARKS, "peak"];
  for (const o of onlyList) if (!([...BENCHMARKS, "peak"] as string[]).includes(o)) throw new Error(`compare: unknown benchmark ${JSON.stringify(o)} in --only (expected ${[...BENCHMARKS, "peak"].join(", ")})`);
  if (sizes.some((n) => !(Number.isInteger(n) && n > 0))) throw new Error(`compare: --sizes must be positive integers, got ${value("--sizes")}`);
  return { quick: argv.includes("--quick"), sizes, only: new Set(onlyList as (BenchmarkKind | "peak")[]), torch: !argv.includes("--no-torch") };
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** A dependency's version, from its package.json in node_modules (some packages do not export that file). */
function versionOf(pkg: string): string {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "node_modules", pkg, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadStart = os.loadavg();
  const started = new Date().toISOString();
  await initTf();
  const devices = await jax.init("wasm", "cpu");
  jax.defaultDevice("wasm");
  const tfWasm = await wasmFeatures();
  const threads = threadsOptionSupported();
  const timing: Timing = o.quick ? { rounds: 2, windowMs: 100 } : { rounds: 5, windowMs: 400 };
  console.log(`# compare: ${started}; node ${process.version}; ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}; load ${loadStart.map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`# jax-js ${versionOf("@jax-js/jax")} (devices ${devices.join(",")}, using wasm); tfjs ${tf.version.tfjs} (wasm simd=${tfWasm.simd} threads=${tfWasm.threads}); fluxion threads option: ${threads ? "yes (1 and 2 threads timed)" : "no (one thread)"}`);
  console.log(`# ${timing.rounds} interleaved rounds of ≥ ${timing.windowMs} ms windows per contender; ms = median over rounds`);

  // Peaks are measured before and after the benchmarks and the better of the two kept: on a
  // shared machine a single measurement can land in a busy moment.
  const peaksStart = o.only.has("peak") ? measurePeaks(o.quick) : null;
  const list = benchmarks(o, threads);
  const records: BenchmarkRecord[] = [];
  for (const b of list) {
    console.log(`\n## ${b.title}  (${(b.work.flops / 1e6).toFixed(1)} MFLOP, ${(b.work.bytes / 1e6).toFixed(2)} MB)`);
    const checks = crossCheck(b.contenders(), b.tolerance);
    if (checks.reference !== null) lastReference.set(b.id, checks.reference);
    const ms = timeInterleaved(checks.passed, timing);
    const gflops = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, b.work.flops / v / 1e6]));
    for (const [name, t] of Object.entries(ms)) console.log(`  ${name.padEnd(24)} ${fmtMs(t).padStart(9)} ms  ${gflops[name]!.toFixed(2).padStart(7)} GFLOP/s  (max diff ${checks.discrepancies[name]!.toExponential(1)})`);
    for (const [name, why] of Object.entries(checks.failures)) console.log(`  ${name.padEnd(24)} fails: ${why}`);
    records.push({ id: b.id, title: b.title, work: b.work, ms, gflops, discrepancies: checks.discrepancies, failures: checks.failures, speedups: {} });
  }
  fx.setBackend("auto");

  let torch: TorchReport | string = "not requested (--no-torch)";
  if (o.torch && list.length > 0) {
    console.log("\n## PyTorch, one thread (bench/torch_ref.py)");
    torch = runTorch(list, timing);
    if (typeof torch === "string") console.log(`  torch ${torch}`);
    else {
      console.log(`  torch ${torch.torch}, ${torch.threads} thread(s), ${torch.python}; BLAS: ${torch.blas.join(", ") || "?"}`);
      if (torch.blas.some((b) => /\/blas\/libblas\.so/.test(b))) console.log("  note: that is Netlib's reference BLAS: torch's matmul (and the MLP's, LeNet's dense layers) run unoptimised loops; install an optimised BLAS (libopenblas0) for a native reference");
      for (const [i, b] of list.entries()) {
        const r = torch.results[b.id];
        const rec = records[i]!;
        if (r === undefined) continue;
        const ref = lastReference.get(b.id);
        const d = ref === undefined ? NaN : discrepancy({ loss: r.loss, values: r.values }, ref);
        rec.discrepancies.torch = d;
        if (d <= b.tolerance) {
          rec.ms.torch = r.ms;
          rec.gflops.torch = b.work.flops / r.ms / 1e6;
          console.log(`  ${b.id.padEnd(24)} ${fmtMs(r.ms).padStart(9)} ms  ${rec.gflops.torch!.toFixed(2).padStart(7)} GFLOP/s  (max diff ${d.toExponential(1)})`);
        } else {
          rec.failures.torch = `cross-check failed: differs by ${d.toExponential(2)}`;
          console.log(`  ${b.id.padEnd(24)} ${rec.failures.torch}`);
        }
      }
    }
  }

  let peaks: Peaks | null = null;
  let peaksEnd: Peaks | null = null;
  if (peaksStart !== null) {
    peaksEnd = measurePeaks(o.quick);
    peaks = bestPeaks(peaksStart, peaksEnd);
    console.log("\n## single-thread peaks (bench/peak.ts; best window, the better of a measurement before and one after the benchmarks)");
    console.log(formatPeaks(peaks));
  }

  console.log("\n## summary\n");
  console.log(msTable(records));
  console.log("\n## speed-up of fluxion over each peer (peer ms / fluxion ms; > 1: fluxion faster)");
  if (peaks) console.log("## and the fraction of the measured single-thread peaks it reaches: FLOP/s (its lanes: JS scalar, f64x2, f32x4) and minimal bytes/s against copy bandwidth");
  for (const r of records) {
    Object.assign(r.speedups, speedupsOf(r.ms));
    const peers = Object.keys(r.ms).filter((k) => !isFluxion(k));
    console.log(`\n${r.title}`);
    console.log(`  ${"".padEnd(24)} ${peers.map((p) => p.padStart(18)).join("")}${peaks ? "   FLOP peak   copy BW" : ""}`);
    const fractions: Record<string, number> = {};
    const bandwidth: Record<string, number> = {};
    for (const [f, s] of Object.entries(r.speedups)) {
      if (peaks) {
        fractions[f] = r.gflops[f]! / peakFor(f, peaks);
        bandwidth[f] = r.work.bytes / r.ms[f]! / 1e6 / copyPeakFor(r.work.bytes, peaks);
      }
      const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
      console.log(`  ${f.padEnd(24)} ${peers.map((p) => `${s[p]!.toFixed(2)}×`.padStart(18)).join("")}${peaks ? `${pct(fractions[f]!).padStart(13)}${pct(bandwidth[f]!).padStart(10)}` : ""}`);
    }
    for (const [name, why] of Object.entries(r.failures)) console.log(`  ${name} fails: ${why}`);
    if (peaks) Object.assign(r, { peakFraction: fractions, bandwidthFraction: bandwidth });
  }

  const loadEnd = os.loadavg();
  console.log(`\n# load average at start ${loadStart.map((l) => l.toFixed(2)).join(" ")}, at end ${loadEnd.map((l) => l.toFixed(2)).join(" ")}`);
  const command = `npm run bench:compare${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const report = {
    date: started,
    command,
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.arch()}`, node: process.version },
    loadAverage: { start: loadStart, end: loadEnd },
    versions: { tfjs: tf.version.tfjs, jaxjs: versionOf("@jax-js/jax"), torch: typeof torch === "string" ? torch : torch.torch },
    torch: typeof torch === "string" ? null : { python: torch.python, threads: torch.threads, blas: torch.blas },
    tfjsWasm: tfWasm,
    fluxionThreadsOption: threads,
    timing,
    peaks,
    peaksBeforeAndAfter: [peaksStart, peaksEnd],
    benchmarks: records,
  };
  const full = !o.quick && o.only.size === BENCHMARKS.length + 1 && o.torch && o.sizes.join() === DEFAULT_SIZES.join();
  const file = writeReport("compare", report, full);
  console.log(`# record written to ${path.relative(process.cwd(), file)}`);
}

/** Each benchmark's reference values (the first fluxion variant's), for the PyTorch cross-check. */
const lastReference = new Map<string, Checked>();

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
