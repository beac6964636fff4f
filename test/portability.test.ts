// The core runs in browsers too (DESIGN: portable core): nothing under src/ may import a Node
// built-in or touch Node globals, except the folders DESIGN.md reserves for Node-only code
// (data/ file loaders, train/ checkpoint files and progress, cli/) and node/, the Node hooks the
// Node entry installs (worker threads). src/index.ts re-exports the
// Node forms of fx.data and fx.train; src/browser.ts is the entry without them
// (test/browser/bundle.test.ts bundles it and finds no Node import).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { builtinModules } from "node:module";
import { expect, test } from "vitest";

const SRC = resolve(__dirname, "../src");
const NODE_ONLY = ["data", "train", "cli", "node"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return NODE_ONLY.includes(relative(SRC, path)) ? [] : sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

test("the core imports no Node built-in and uses no Node global", () => {
  const builtins = new Set(builtinModules);
  const offenders: string[] = [];
  const files = sources(SRC);
  expect(files.length).toBeGreaterThan(20);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import|require\()\s*["']([^"']+)["']/g)) {
      const spec = m[1]!;
      if (spec.startsWith("node:") || builtins.has(spec.split("/")[0]!)) offenders.push(`${relative(SRC, file)} imports ${spec}`);
    }
    for (const global of [/\bprocess\./, /(?<![\w.])Buffer\./, /\b__dirname\b/, /\brequire\(/]) {
      if (global.test(text)) offenders.push(`${relative(SRC, file)} uses ${global.source}`);
    }
  }
  expect(offenders).toEqual([]);
});
