// The browser entry (src/browser.ts) as a bundler sees it: an esbuild bundle for the browser
// imports no Node built-in and leaves no require() behind; it exports every name the Node
// entry does, with fx.data and fx.train missing only their file-based parts.

import { describe, expect, it } from "vitest";
import * as web from "../../src/browser.js";
import * as node from "../../src/index.js";
import { browserBundle } from "./node-imports.js";

/** What the Node entry has and the browser entry leaves out, on purpose (files, terminal). */
const NODE_ONLY = {
  data: ["loadIdx", "readIdx", "parseIdx", "encodeIdx", "DEFAULT_MAX_BYTES", "mnist", "mnistDigits", "MNIST_TEST_COUNT", "fashionMnist", "loadImageSplit", "FASHION_MNIST_DIR", "FASHION_MNIST_CLASSES", "FASHION_MNIST_FILES"],
  train: ["save", "load"],
};

describe("the browser bundle", () => {
  it("src/browser.ts bundles for the browser with no Node built-in and no require()", async () => {
    const { text, nodeImports } = await browserBundle("src/browser.ts");
    expect(nodeImports).toEqual([]);
    expect(text.length).toBeGreaterThan(100_000);
    // What a missed import or a CommonJS leftover would look like in the output.
    expect(text).not.toMatch(/from\s*["']node:|import\(\s*["']node:|\b__require\(|\brequire\(\s*["']/);
    expect(text).not.toMatch(/\bprocess\.(env|on|exit|stderr|stdout|argv|pid)\b|\bsetImmediate\(/);
  }, 60_000);

  it("the check finds the Node imports of the Node entry (so it can fail)", async () => {
    const { nodeImports } = await browserBundle("src/index.ts");
    expect(nodeImports).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/data\/idx\.ts imports node:zlib$/), expect.stringMatching(/^src\/train\/checkpoint\.ts imports node:fs$/)]));
  }, 60_000);
});

describe("the browser entry's exports", () => {
  it("has every top-level name of the Node entry", () => {
    expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
    for (const name of Object.keys(node) as (keyof typeof node)[]) {
      if (name === "data" || name === "train") continue;
      expect(web[name as keyof typeof web], name).toBe(node[name]);
    }
  });

  it("fx.data and fx.train lack only their file-based parts", () => {
    for (const part of ["data", "train"] as const) {
      const missing = Object.keys(node[part]).filter((k) => !(k in web[part]));
      expect(missing.sort(), part).toEqual([...NODE_ONLY[part]].sort());
      const extra = Object.keys(web[part]).filter((k) => !(k in node[part]));
      expect(extra, part).toEqual([]);
    }
    // The same functions where both have them, except fit and keepBest (Node: terminal bar, file writer).
    for (const k of Object.keys(web.data)) expect(web.data[k as keyof typeof web.data], k).toBe(node.data[k as keyof typeof node.data]);
    const differ = Object.keys(web.train).filter((k) => web.train[k as keyof typeof web.train] !== node.train[k as keyof typeof node.train]);
    expect(differ.sort()).toEqual(["fit", "keepBest"]);
  });
});
