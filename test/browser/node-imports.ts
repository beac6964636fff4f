// Bundles an entry point for the browser with esbuild and lists every import of a Node built-in
// on the way (who imports what), instead of failing at the first one as a plain build would.

import { builtinModules } from "node:module";
import { relative, resolve } from "node:path";
import * as esbuild from "esbuild";

const ROOT = resolve(__dirname, "../..");
const BUILTINS = new Set(builtinModules);

/** Is `spec` a Node built-in module (`node:fs`, `fs`, `fs/promises`, `zlib`, …)? */
export function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || BUILTINS.has(spec) || BUILTINS.has(spec.split("/")[0]!);
}

/** The browser bundle of `entry` (ESM, platform browser) and the Node built-ins it imports. */
export async function browserBundle(entry: string): Promise<{ text: string; nodeImports: string[] }> {
  const nodeImports: string[] = [];
  const result = await esbuild.build({
    entryPoints: [resolve(ROOT, entry)],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "record-node-builtins",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (!isNodeBuiltin(args.path)) return undefined;
            nodeImports.push(`${relative(ROOT, args.importer)} imports ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return { text: result.outputFiles[0]!.text, nodeImports };
}
