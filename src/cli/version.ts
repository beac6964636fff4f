// The package's version, read from package.json (two levels up from both src/cli and dist/cli).

import { createRequire } from "node:module";

/** fluxion's version as package.json gives it. */
export function version(): string {
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}
