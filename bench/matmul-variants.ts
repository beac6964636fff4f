// Tuning run for the matmul kernel emitter: the same float32 product under different register
// tiles, block sizes, packing and unrolling, side by side. Prints each variant's speed relative
// to the default tiling (ratio = default time / variant time, median over repeats; > 1 means the
// variant is faster).
//
//   npm run bench:matmul-variants                         sizes 256 and 512, 3 repeats
//   npm run bench:matmul-variants -- 128 1024 --repeat 5  other sizes

import { DEFAULT_TILING, type MatmulTiling, compileMatmul } from "../src/compile/kernels/matmul.js";
import { type Case, median, randomArray, rotate, runSuite } from "./common.js";

const VARIANTS: Record<string, Partial<MatmulTiling>> = {
  default: {},
  "4x4": { mr: 4, nr: 4 },
  "4x3": { mr: 4, nr: 3 },
  "2x4": { mr: 2, nr: 4 },
  "4x8": { mr: 4, nr: 8 },
  "2x8": { mr: 2, nr: 8 },
  "kc 128": { kc: 128 },
  "kc 256": { kc: 256 },
  "mc 4 strips": { mcStrips: 4 },
  "mc 64 strips": { mcStrips: 64 },
  "unroll 2": { unroll: 2 },
  "A in place": { packA: false },
  "B in place": { packB: false },
  "no packing": { packA: false, packB: false },
};

async function main() {
  const argv = process.argv.slice(2);
  let repeat = 3;
  const sizes: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--repeat") repeat = Number(argv[++i]);
    else sizes.push(Number(argv[i]));
  }
  if (!sizes.length) sizes.push(256, 512);
  for (const n of [...sizes, repeat]) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`matmul-variants: sizes and --repeat must be positive integers, got ${n}`);
  }
  for (const n of sizes) {
    const a = randomArray(n * n, 1);
    const b = randomArray(n * n, 2);
    const cases: Case[] = Object.entries(VARIANTS).map(([name, v]) => {
      const kernel = compileMatmul(
        { batch: 1, m: n, k: n, n, transposeA: false, transposeB: false, dtype: "float32" },
        undefined,
        { ...DEFAULT_TILING, ...v },
      );
      const out = new Float32Array(n * n);
      return { name, fn: () => kernel(a, b, out, []) };
    });
    // The machine is shared: repeat the whole suite and take medians of the per-repeat ratios.
    const ratios: Record<string, number[]> = {};
    const defaults: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const result = await runSuite(`matmul ${n} tiling variants [${r + 1}/${repeat}]`, rotate(cases, r * 5), { maxTime: 1, minSamples: 5 });
      const base = result.seconds.default!;
      defaults.push(base);
      for (const [name, s] of Object.entries(result.seconds)) if (name !== "default") (ratios[name] ??= []).push(base / s);
    }
    console.log(`matmul ${n}: default ${JSON.stringify(DEFAULT_TILING)} at ${((2 * n ** 3) / median(defaults) / 1e9).toFixed(2)} GFLOP/s`);
    for (const [name, rs] of Object.entries(ratios)) console.log(`  ${name.padEnd(14)} ${median(rs).toFixed(3)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
