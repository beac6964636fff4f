// Runs the benchmarks side by side and prints, per suite, the ratio fluxion time / other time
// (median over repeats; below 1 means fluxion is faster). A full run's results replace
// bench/results/<suites>-latest.json; partial and quick runs write to the temporary folder.
//
//   npm run bench                         all suites, 3 repeats
//   npm run bench -- matmul --repeat 5    one suite (elementwise | matmul | mlp)
//   npm run bench -- --quick              fewer samples, one repeat (a smoke run)

import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_RUN, FLUXION_MODE, type RunOptions, type SuiteDef, initTf, median, rotate, runSuite, tf, wasmFeatures, writeReport } from "./common.js";
import { elementwiseSuite, transcendentalSuite } from "./elementwise.js";
import { MATMUL_SIZES, matmulSuite } from "./matmul.js";
import { mlpSuite } from "./mlp.js";

const GROUPS: Record<string, () => SuiteDef[]> = {
  elementwise: () => [elementwiseSuite, transcendentalSuite],
  matmul: () => MATMUL_SIZES.map(matmulSuite),
  mlp: () => [mlpSuite],
};

function parseArgs(argv: readonly string[]) {
  const groups: string[] = [];
  let repeat = 3;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--repeat") repeat = Number(argv[++i]);
    else if (a === "--quick") quick = true;
    else if (a in GROUPS) groups.push(a);
    else throw new Error(`bench: unknown argument ${JSON.stringify(a)}; expected ${Object.keys(GROUPS).join(" | ")}, --repeat N, --quick`);
  }
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`bench: --repeat must be a positive integer, got ${repeat}`);
  if (quick) repeat = 1;
  return { groups: groups.length ? groups : Object.keys(GROUPS), repeat, quick };
}

interface SuiteReport {
  suite: string;
  reference: string;
  /** median seconds per call of each case, one entry per repeat */
  seconds: Record<string, number[]>;
  /** median over repeats of (reference time / case time) */
  ratios: Record<string, number>;
}

function fmtRatio(r: number): string {
  const speed = r < 1 ? `${(1 / r).toFixed(1)}x faster` : `${r.toFixed(1)}x slower`;
  return `${r.toFixed(3).padStart(8)}  (fluxion ${speed})`;
}

async function main() {
  const { groups, repeat, quick } = parseArgs(process.argv.slice(2));
  const options: RunOptions = quick ? { maxTime: 0.3, minSamples: 3 } : DEFAULT_RUN;
  await initTf();
  const wasm = await wasmFeatures();
  const suites = groups.flatMap((g) => GROUPS[g]!());

  for (const s of suites) s.check?.();
  console.log(`checks passed: every implementation computes the same values (fluxion mode: ${FLUXION_MODE})`);

  const reports: SuiteReport[] = suites.map((s) => ({ suite: s.name, reference: s.reference, seconds: {}, ratios: {} }));
  for (let rep = 0; rep < repeat; rep++) {
    for (const [i, s] of suites.entries()) {
      const result = await runSuite(`${s.name} [${rep + 1}/${repeat}]`, rotate(await s.cases(), rep), options);
      for (const [name, sec] of Object.entries(result.seconds)) (reports[i]!.seconds[name] ??= []).push(sec);
    }
  }

  console.log(`\nratio = fluxion time / other time (median of ${repeat} repeat${repeat > 1 ? "s" : ""}; < 1: fluxion faster)`);
  for (const r of reports) {
    const ref = r.seconds[r.reference]!;
    console.log(`\n${r.suite} — fluxion case: ${r.reference}`);
    for (const [name, secs] of Object.entries(r.seconds)) {
      if (name === r.reference) continue;
      r.ratios[name] = median(secs.map((s, k) => ref[k]! / s));
      console.log(`  vs ${name.padEnd(44)} ${fmtRatio(r.ratios[name]!)}`);
    }
  }

  const report = {
    date: new Date().toISOString(),
    command: process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(" ")}` : "npm run bench",
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg(),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
    tfjs: { version: tf.version.tfjs, wasmSimd: wasm.simd, wasmThreads: wasm.threads },
    fluxionMode: FLUXION_MODE,
    repeat,
    sampling: options,
    suites: reports,
  };
  const full = !quick && groups.length === Object.keys(GROUPS).length;
  const file = writeReport(groups.join("+"), report, full);
  console.log(`\nresults written to ${path.relative(process.cwd(), file)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
