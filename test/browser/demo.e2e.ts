// The demo page (examples/browser) in real Chromium, headless, driven by playwright-core: once
// under the strict CSP (fluxion must use its eval-free interpreter) and once with ?codegen=allow
// (generated kernels). Each run: the page loads, goes offline, trains until enough steps are
// seen — the loss falls and the accuracy rises — and stops; a drawn stroke gets a prediction;
// weights saved as a download load back and give the saved prediction again (the downloaded
// file is read by Node's fx.train.load too); no console error. Screenshots go to
// docs/images/browser-demo.png (strict run, shown in the README) and to test-results/browser/.
// Run: npm run test:browser   (skips with a message where there is no chromium).

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fx from "../../src/index.js";
import { buildDemo } from "../../scripts/build-demo.js";
import { serveDemo } from "../../scripts/serve-demo.js";
import { findChromium } from "./chromium.js";

const ROOT = resolve(__dirname, "../..");
const ARTIFACTS = resolve(ROOT, process.env.FLUXION_ARTIFACTS ?? "test-results/browser");
const SCREENSHOT = join(ROOT, "docs/images/browser-demo.png");
/** Training steps to watch before stopping (batches of 32). */
const STEPS = 12;

/** The page's window.fluxionDemo, as main.ts keeps it. */
interface DemoState {
  backend?: string;
  wasm?: boolean;
  ready: boolean;
  training: boolean;
  steps: { step: number; loss: number; accuracy: number; ms: number }[];
  tests: { step: number; accuracy: number }[];
  samplesPerSecond?: number;
  prediction?: { digit: number; probabilities: number[] };
  saved: number;
  loaded: number;
  errors: string[];
}

const executablePath = findChromium();
if (executablePath === undefined) console.warn("test:browser: no chromium found (CHROMIUM_PATH, /usr/bin/chromium or on PATH; Debian: apt-get install chromium): skipping the browser tests");

const state = (page: Page) => page.evaluate("window.fluxionDemo") as Promise<DemoState>;

/**
 * Polls the page's state until `check` holds (or its errors are not empty). Not
 * page.waitForFunction: that evaluates its predicate with eval, which the strict CSP forbids.
 */
async function until(page: Page, what: string, check: (s: DemoState) => boolean, timeout = 30_000): Promise<DemoState> {
  const end = Date.now() + timeout;
  for (;;) {
    const s = await state(page);
    if (s !== undefined && s.errors.length > 0) throw new Error(`the page reported errors while waiting for ${what}: ${s.errors.join("; ")}`);
    if (s !== undefined && check(s)) return s;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Draws a stroke on the pad: a "7" (a bar, then the diagonal down). */
async function drawSeven(page: Page): Promise<void> {
  const box = (await page.locator("#pad").boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  const path = [at(0.25, 0.2), at(0.5, 0.2), at(0.75, 0.2), at(0.62, 0.5), at(0.5, 0.8)];
  await page.mouse.move(...path[0]!);
  await page.mouse.down();
  for (const p of path.slice(1)) await page.mouse.move(...p, { steps: 6 });
  await page.mouse.up();
}

describe.skipIf(executablePath === undefined)("the browser demo in Chromium", () => {
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveDemo>>;
  let built: string;

  beforeAll(async () => {
    built = mkdtempSync(join(tmpdir(), "fluxion-demo-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    [browser, site] = await Promise.all([chromium.launch({ executablePath, headless: true }), buildDemo(built).then(() => serveDemo(built))]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    rmSync(built, { recursive: true, force: true });
  });

  for (const mode of [{ name: "strict", query: "", backend: "interpreter" }, { name: "codegen", query: "?codegen=allow", backend: "codegen" }] as const) {
    // The two pages run side by side (each in its own context): the test's time is about one run's.
    it.concurrent(`${mode.name} CSP: trains, classifies a drawing, saves and loads the weights (${mode.backend})`, async () => {
      const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1150, height: 760 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("worker", (w) => w.on("console", (m) => void (m.type() === "error" && problems.push(`worker console: ${m.text()}`))));
      page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      try {
        const response = await page.goto(site.url + mode.query);
        expect(response!.headers()["content-security-policy"]).toContain(mode.name === "strict" ? "script-src 'self' 'wasm-unsafe-eval';" : "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval';");
        const ready = await until(page, "the digits", (s) => s.ready);
        expect(ready.backend).toBe(mode.backend);
        // Both policies allow WebAssembly ('wasm-unsafe-eval'), and Chromium has SIMD.
        expect(ready.wasm).toBe(true);
        await expect(page.locator("#backend").textContent()).resolves.toMatch(mode.backend === "codegen" ? /generated JavaScript/ : /eval-free interpreter/);
        // Everything the page needs is loaded: from here on it works without the network.
        await context.setOffline(true);

        // A prediction with the untrained weights, saved as a download.
        await drawSeven(page);
        const untrained = (await until(page, "a prediction", (s) => s.prediction !== undefined)).prediction!;
        const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save")]);
        expect(download.suggestedFilename()).toBe("lenet5-mnist.safetensors");
        const savedFile = join(built, `${mode.name}-untrained.safetensors`);
        await download.saveAs(savedFile);
        const fromNode = fx.train.load<Record<string, Record<string, fx.Tensor>>>(savedFile);
        expect(fromNode.params["conv1"]!["w"]!.shape).toEqual([6, 1, 5, 5]);

        // Train until STEPS steps are seen, then stop with the button.
        await page.click("#start");
        await until(page, `${STEPS} training steps`, (s) => s.steps.length >= STEPS, 40_000);
        await page.click("#start");
        const trained = await until(page, "training to stop", (s) => !s.training, 20_000);
        // Training is deterministic (fixed keys; both backends compute the same bits), so these
        // margins do not depend on luck, only on how many steps arrive before the stop.
        const first = trained.steps.slice(0, 5);
        const last = trained.steps.slice(-5);
        expect(mean(last.map((s) => s.loss))).toBeLessThan(mean(first.map((s) => s.loss)) - 0.3);
        expect(mean(last.map((s) => s.accuracy))).toBeGreaterThan(mean(first.map((s) => s.accuracy)) + 0.15);
        expect(trained.tests.at(-1)!.accuracy).toBeGreaterThan(0.3);
        expect(trained.samplesPerSecond).toBeGreaterThan(0);
        await expect(page.locator("#sps").textContent()).resolves.toMatch(/^\d+$/);
        await expect(page.locator("#step-ms").textContent()).resolves.toMatch(/^\d+$/);
        // The shown speed is that of the recent steps: the first one (it compiles) is left out.
        const ms = trained.steps.map((s) => s.ms);
        expect(ms.every((t) => t > 0)).toBe(true);
        const recent = ms.slice(1).slice(-20);
        expect(trained.samplesPerSecond!).toBeCloseTo((32 * recent.length) / (recent.reduce((a, b) => a + b, 0) / 1000), 6);
        const sorted = [...ms.slice(2)].sort((a, b) => a - b);
        console.log(`browser demo, ${mode.name} page (${mode.backend}): first step ${ms[0]!.toFixed(0)} ms (compiles), then median ${sorted[sorted.length >> 1]!.toFixed(0)} ms per step of 32`);
        // Stopped means stopped: no step arrives after the worker said so.
        const stoppedAt = trained.steps.length;
        await page.waitForTimeout(300);
        expect((await state(page)).steps.length).toBe(stoppedAt);

        // The drawing is classified again with the trained weights: a digit and ten bars.
        const prediction = (await until(page, "a prediction with the trained weights", (s) => s.prediction!.probabilities.join() !== untrained.probabilities.join())).prediction!;
        expect(prediction.probabilities).toHaveLength(10);
        expect(mean(prediction.probabilities) * 10).toBeCloseTo(1, 4);
        await expect(page.locator("#prediction").textContent()).resolves.toBe(String(prediction.digit));
        // The top bar's width is its probability to 0.1%; compared as numbers, since Chromium
        // serialises a width set as "95.0%" back as "95%".
        const barStyle = (await page.locator(".bar-row.top .bar").getAttribute("style")) ?? "";
        expect(Number(/^width: ([\d.]+)%;$/.exec(barStyle)?.[1])).toBe(Number((prediction.probabilities[prediction.digit]! * 100).toFixed(1)));
        const shot = await page.screenshot({ fullPage: true });
        mkdirSync(ARTIFACTS, { recursive: true });
        const artifact = join(ARTIFACTS, `browser-demo-${mode.name}.png`);
        writeFileSync(artifact, shot);
        if (mode.name === "strict") copyFileSync(artifact, SCREENSHOT);

        // Loading the saved file gives back the untrained weights: the same prediction, bit for bit.
        await page.setInputFiles("#load", savedFile);
        await until(page, "the saved weights to load", (s) => s.loaded === 1);
        await until(page, "the saved weights' prediction", (s) => s.prediction!.probabilities.join() === untrained.probabilities.join(), 10_000);

        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }, 150_000);
  }
});
