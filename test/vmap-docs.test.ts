// docs/vmap.md's examples run as printed: every ```ts block is extracted, pointed at the source
// instead of the package, executed, and its printed claims are checked.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";

const page = readFileSync(resolve(__dirname, "../docs/vmap.md"), "utf8");
const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** Runs one block as a module and returns what it printed. */
async function run(block: string, name: string): Promise<string> {
  const entry = pathToFileURL(resolve(__dirname, "../src/index.ts")).href;
  const dir = mkdtempSync(join(tmpdir(), "fluxion-vmap-doc-"));
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, block.replace(`from "fluxion"`, `from ${JSON.stringify(entry)}`));
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
    return log.mock.calls.map((c) => c.map(String).join(" ")).join("\n");
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("docs/vmap.md", () => {
  it("has the per-example-gradient, ensemble and random-key examples", () => {
    expect(blocks).toHaveLength(3);
  });

  it("per-example gradients: shapes, one grad call per example, bit for bit, and DP-SGD clipping", async () => {
    const out = await run(blocks[0]!, "per-example");
    expect(out).toContain("per-example w1 gradients: 16,4,8");
    expect(out).toContain("example 3 matches a grad call: true");
    expect(out).toContain("clipped mean gradient of b2: 3");
  });

  it("ensemble: 4 members trained in one step separate the two blobs", async () => {
    const out = await run(blocks[1]!, "ensemble");
    expect(out).toContain("each member's final loss: 4");
    expect(out).toContain("member accuracies: 4");
    const accuracy = Number(/ensemble accuracy: ([\d.]+)/.exec(out)![1]);
    expect(accuracy).toBeGreaterThan(0.95);
  });

  it("random keys: each key's row is that key's own sample", async () => {
    const out = await run(blocks[2]!, "keys");
    expect(out).toContain("samples: 5,3");
    expect(out).toContain("key 1's row is its own sample: true");
  });
});
