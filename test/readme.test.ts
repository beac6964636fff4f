// The README's example must run as printed: extract its TypeScript block and execute it.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test, vi } from "vitest";

test("the README example runs and prints the backward program", async () => {
  const readme = readFileSync(resolve(__dirname, "../README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  expect(block, "README has a ```ts example").not.toBeNull();
  const entry = pathToFileURL(resolve(__dirname, "../src/index.ts")).href;
  const source = block![1]!.replace(`from "fluxion"`, `from ${JSON.stringify(entry)}`);
  const dir = mkdtempSync(join(tmpdir(), "fluxion-readme-"));
  const file = join(dir, "example.ts");
  writeFileSync(file, source);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
    const printed = log.mock.calls.map((c) => c.join(" ")).join("\n");
    expect(printed).toContain("{ lambda");
    expect(printed).toContain("matmul");
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
});
