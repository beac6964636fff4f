// Help text, generated from the commands' flag tables so that it cannot drift from what the
// parser accepts.

import type { Command } from "./command.js";
import { type Flags, kebab } from "./flags.js";

/** The help of one command: usage, description, flags with defaults, examples. */
export function commandHelp(command: Command<Flags>): string {
  const lines = [`Usage: fluxion ${command.name} [flags]`, "", command.description, "", "Flags:"];
  const rows = Object.entries(command.flags).map(([key, f]) => {
    const left = `  --${kebab(key)}${f.placeholder !== undefined ? ` ${f.placeholder}` : ""}`;
    const shown = f.defaultText ?? (f.default !== undefined && f.placeholder !== undefined ? String(f.default) : undefined);
    const required = command.required.includes(key) ? " (required)" : "";
    return [left, `${f.help}${required}${shown !== undefined ? ` [default: ${shown}]` : ""}`] as const;
  });
  rows.push(["  --help", "show this help"]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  for (const [left, right] of rows) lines.push(left.padEnd(width) + right);
  if (command.examples.length > 0) lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

/** The tool's help: the commands and the exit codes. */
export function toolHelp(commands: readonly Command<Flags>[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    "Usage: fluxion <command> [flags]",
    "",
    "Train, evaluate and tune fluxion networks on MNIST and Fashion-MNIST.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run fluxion <command> --help for the command's flags. Also: fluxion --version.",
    "",
    "Exit codes: 0 done, 1 runtime failure (missing data, bad checkpoint), 2 usage error (bad flag or value), 130 stopped by Ctrl-C.",
  ].join("\n");
}
