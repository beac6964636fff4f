#!/usr/bin/env node
// The `fluxion` command: runs the compiled CLI (dist/cli/main.js, made by `npm run build`) and
// exits with the code it returns.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("fluxion: the compiled CLI is missing (dist/cli/main.js); run npm run build first\n");
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
