// The package as users install it: `npm pack` (which builds through the `prepare` script) on a
// copy of the sources, the tarball installed into a fresh CommonJS project and a fresh
// ES-module project made by `npm init -y`, a small training step in each (require / import),
// and tsc reading the types under node16 resolution (both conditions) and bundler resolution,
// without Node's types and without skipLibCheck. Slow by nature (one build, two installs, tsc):
// about 30–60 s. The installs use npm's cache when it has every package (--offline) and the
// registry otherwise.

import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

let work = "";
let tarball = "";
let packed: string[] = [];

/** `npm install <tarball>` as a user would, from npm's cache alone when it has everything. */
async function installTarball(dir: string): Promise<void> {
  const args = ["install", tarball, "--no-audit", "--no-fund"];
  try {
    await run(NPM, [...args, "--offline"], { cwd: dir });
  } catch {
    await run(NPM, [...args, "--prefer-offline"], { cwd: dir });
  }
}

/** A fresh project (`npm init -y`) of the given module type with the tarball installed. */
async function freshProject(name: string, type: "commonjs" | "module"): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  await run(NPM, ["init", "-y"], { cwd: dir });
  await run(NPM, ["pkg", "set", `type=${type}`], { cwd: dir });
  await installTarball(dir);
  return dir;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fluxion-package-"));
  // Pack a copy, so that the build `prepare` runs does not rewrite this checkout's dist/ while
  // other test files may read it.
  const source = join(work, "source");
  mkdirSync(source);
  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json", "README.md"]) cpSync(join(ROOT, file), join(source, file));
  for (const dir of ["src", "scripts"]) cpSync(join(ROOT, dir), join(source, dir), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(source, "node_modules"), "junction");
  const { stdout } = await run(NPM, ["pack", "--json", "--pack-destination", work], { cwd: source, maxBuffer: 64 << 20 });
  const [report] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, report!.filename);
  packed = report!.files.map((f) => f.path);
  await Promise.all([freshProject("cjs", "commonjs"), freshProject("esm", "module")]);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every file path named in an `exports` map. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === "string") return [exports];
  if (typeof exports === "object" && exports !== null) return Object.values(exports).flatMap(exportTargets);
  return [];
}

// A one-layer model fitted to y = x₀ + x₁ by SGD for 30 steps; prints where "fluxion" resolved
// and the first and last loss. `fx` and `resolved` are bound by the caller.
const TRAINING_STEP = `
const model = fx.nn.layers.dense(1);
const { params, state } = model.init(fx.random.key(0), [4, 2]);
const x = fx.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = fx.tensor([[0], [1], [1], [2]]);
const loss = (p) => fx.mean(fx.square(fx.sub(model.apply(p, state, x)[0], y)));
const lossAndGrad = fx.jit(fx.valueAndGrad(loss));
const optimiser = fx.optim.sgd(0.2);
let p = params;
let s = optimiser.init(params);
const losses = [];
for (let i = 0; i < 30; i++) {
  const [l, g] = lossAndGrad(p);
  const [updates, next] = optimiser.update(g, s, p);
  p = fx.optim.applyUpdates(p, updates);
  s = next;
  losses.push(l.item());
}
console.log(JSON.stringify({ resolved, first: losses[0], last: losses[losses.length - 1] }));
`;

async function train(dir: string, file: string, header: string): Promise<{ resolved: string; first: number; last: number }> {
  writeFileSync(join(dir, file), header + TRAINING_STEP);
  const { stdout } = await run(process.execPath, [file], { cwd: dir });
  return JSON.parse(stdout) as { resolved: string; first: number; last: number };
}

describe("the packed package", () => {
  it("holds the ES-module and CommonJS builds with their types, every export target, and no sources", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: unknown; main: string; types: string };
    let targets = [...exportTargets(manifest.exports), manifest.main, manifest.types].map((t) => t.replace(/^\.\//, ""));
    // The browser entry exists once src/browser.ts does (the browser build's own work).
    if (!existsSync(join(ROOT, "src/browser.ts"))) targets = targets.filter((t) => !t.startsWith("dist/browser."));
    expect(targets).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/cjs/index.js", "dist/cjs/index.d.ts"]));
    expect(targets.filter((t) => !packed.includes(t))).toEqual([]);
    expect(packed).toContain("dist/cjs/package.json");
    expect(packed.filter((p) => /^(src|test|props|scripts|node_modules)\//.test(p))).toEqual([]);
  });

  it("a fresh CommonJS project requires it and trains", async () => {
    const dir = join(work, "cjs");
    const r = await train(dir, "train.js", `const fx = require("fluxion");\nconst resolved = require.resolve("fluxion");\n`);
    expect(r.resolved.replaceAll("\\", "/")).toMatch(/\/node_modules\/fluxion\/dist\/cjs\/index\.js$/);
    expect(r.last).toBeLessThan(r.first / 10);
  }, 300_000);

  it("a fresh ES-module project imports it and trains", async () => {
    const dir = join(work, "esm");
    const r = await train(dir, "train.js", `import * as fx from "fluxion";\nconst resolved = import.meta.resolve("fluxion");\n`);
    expect(r.resolved).toMatch(/\/node_modules\/fluxion\/dist\/index\.js$/);
    expect(r.last).toBeLessThan(r.first / 10);
  }, 300_000);

  it("tsc reads its types through import and require (node16) and through bundler resolution", async () => {
    const dir = join(work, "esm");
    // Typed uses that must compile, and misuse that must not (so the types are not `any`).
    const body = `
const t: fx.Tensor = fx.tensor([[1, 2], [3, 4]]);
const total: number = fx.sum(t).item();
// @ts-expect-error a shape is not a string
const shape: string = t.shape;
console.log(total, shape);
`;
    writeFileSync(join(dir, "check.ts"), `import * as fx from "fluxion";\n${body}`);
    writeFileSync(join(dir, "check-require.cts"), `import fx = require("fluxion");\n${body}`);
    const strict = { strict: true, noEmit: true, skipLibCheck: false, types: [], target: "es2022" };
    const configs = {
      "tsconfig.node16.json": { compilerOptions: { ...strict, module: "node16", moduleResolution: "node16" }, files: ["check.ts", "check-require.cts"] },
      // The declarations themselves are checked above; here only how they resolve and what they say.
      "tsconfig.bundler.json": { compilerOptions: { ...strict, skipLibCheck: true, module: "esnext", moduleResolution: "bundler" }, files: ["check.ts"] },
    };
    for (const [name, config] of Object.entries(configs)) writeFileSync(join(dir, name), JSON.stringify(config));
    const check = (config: string) =>
      run(process.execPath, [TSC, "-p", config, "--listFiles"], { cwd: dir }).catch((e: { stdout?: string }) => {
        const errors = (e.stdout ?? String(e)).split("\n").filter((line) => line.includes("error"));
        throw new Error(`tsc -p ${config} failed:\n${errors.join("\n")}`);
      });
    const [node16, bundler] = await Promise.all([check("tsconfig.node16.json"), check("tsconfig.bundler.json")]);
    const listed = (out: string) => out.replaceAll("\\", "/");
    expect(listed(node16.stdout)).toContain("node_modules/fluxion/dist/index.d.ts");
    expect(listed(node16.stdout)).toContain("node_modules/fluxion/dist/cjs/index.d.ts");
    expect(listed(bundler.stdout)).toContain("node_modules/fluxion/dist/index.d.ts");
  }, 300_000);
});
