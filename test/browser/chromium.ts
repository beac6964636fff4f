// Where Debian's chromium is (no browser is ever downloaded): CHROMIUM_PATH, /usr/bin/chromium,
// or chromium / chromium-browser on PATH. Undefined when there is none.

import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The chromium executable to drive, if this machine has one. */
export function findChromium(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== "") return executable(given) ? given : undefined;
  const onPath = (process.env.PATH ?? "").split(delimiter).flatMap((dir) => ["chromium", "chromium-browser"].map((name) => join(dir, name)));
  return ["/usr/bin/chromium", ...onPath].find(executable);
}
