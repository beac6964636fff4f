// The README's code example runs verbatim right after the README's commands (`npm ci`, whose
// `prepare` script builds dist/): saved in the checkout and run with tsx as the README says, it
// imports "fluxion" by name, which resolves through package.json's `exports` to the build.
// (test/readme.test.ts runs the same example against the sources.)

import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "..");

/** The newest modification time of the files under `path`. */
function newestChange(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((t, name) => Math.max(t, newestChange(join(path, name))), 0);
}

/**
 * dist/ as `npm ci` leaves it: when missing or older than what it is built from, made again by
 * the script `npm ci` runs after installing (`prepare`).
 */
async function ensureBuilt(): Promise<void> {
  const built = ["dist/index.js", "dist/cjs/index.js"].map((f) => join(ROOT, f));
  const inputs = ["src", "package.json", "tsconfig.build.json", "scripts"].map((f) => newestChange(join(ROOT, f)));
  let stale: boolean;
  try {
    stale = Math.min(...built.map((f) => statSync(f).mtimeMs)) < Math.max(...inputs);
  } catch {
    stale = true;
  }
  if (stale) await run(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "prepare"], { cwd: ROOT });
}

test("the README's code example runs verbatim against the built package", async () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  expect(block, "README has a ```ts example").not.toBeNull();
  expect(block![1]).toContain(`from "fluxion"`);
  await ensureBuilt();
  // Inside the checkout, so that "fluxion" is the package itself (its self-reference).
  const dir = mkdtempSync(join(ROOT, ".readme-example-"));
  try {
    writeFileSync(join(dir, "example.ts"), block![1]!);
    const { stdout } = await run(process.execPath, ["--import", "tsx", "example.ts"], { cwd: dir });
    expect(stdout).toContain("{ lambda");
    expect(stdout).toContain("matmul");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
