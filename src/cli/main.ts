// `fluxion <command> [flags]`: finds the command, decodes its flags, runs it and turns what
// happened into an exit code (0 done, 1 runtime failure, 2 usage error, 130 Ctrl-C). `main`
// never exits the process itself, so tests call it in process; bin/fluxion.js and running
// this file directly (node --import tsx src/cli/main.ts) set process.exitCode from it.

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FluxionError } from "../errors.js";
import { closestName, describeValue } from "../options/describe.js";
import type { Command } from "./command.js";
import { EXIT, UsageError } from "./errors.js";
import { type Flags, kebab, parseFlags } from "./flags.js";
import { commandHelp, toolHelp } from "./help.js";
import { type Io, processIo } from "./io.js";
import { evaluateCommand } from "./evaluate.js";
import { searchCommand } from "./search.js";
import { trainCommand } from "./train.js";
import { version } from "./version.js";

/** The commands of the tool, in the order help lists them. */
export const COMMANDS: readonly Command<Flags>[] = [trainCommand, evaluateCommand, searchCommand] as unknown as Command<Flags>[];

const isHelp = (word: string) => word === "--help" || word === "-h";

/** Runs `fluxion` with the words after the program name; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(toolHelp(COMMANDS));
    return EXIT.usage;
  }
  if (isHelp(name) || name === "help") {
    io.out(toolHelp(COMMANDS));
    return EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    io.out(version());
    return EXIT.ok;
  }
  try {
    const command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) {
      const near = closestName(name, COMMANDS.map((c) => c.name));
      throw new UsageError(`unknown command ${describeValue(name)}; ${near !== undefined ? `did you mean ${near}?` : `the commands are ${COMMANDS.map((c) => c.name).join(", ")}`}`);
    }
    if (rest.some(isHelp)) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    const options = parseFlags(command.name, command.flags, rest);
    for (const key of command.required) {
      if ((options as Record<string, unknown>)[key] === undefined) throw new UsageError(`${command.name}: --${kebab(key)} is required (see fluxion ${command.name} --help)`);
    }
    return await command.run(options, io);
  } catch (e) {
    return report(e, io);
  }
}

/** Prints a failure for a person and gives its exit code. */
function report(e: unknown, io: Io): number {
  if (e instanceof UsageError) {
    // "train: --epochs: …" reads as "fluxion train: --epochs: …"; other messages get a colon.
    io.err(/^[a-z]+: /.test(e.message) ? `fluxion ${e.message}` : `fluxion: ${e.message}`);
    io.err("Run fluxion --help, or fluxion <command> --help, for the flags.");
    return EXIT.usage;
  }
  // The library's own errors say what went wrong and what to do (the install hint of a missing data set).
  if (e instanceof FluxionError) io.err(`fluxion: ${e.name}: ${e.message}`);
  else io.err(`fluxion: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return EXIT.failure;
}

/** True when this module is the program node was started with. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await main(process.argv.slice(2));
