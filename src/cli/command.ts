// What a command is: its name, a one-line summary, its flags (with codecs and help), the flags
// it requires, examples for --help, and `run`, which returns the exit code.

import type { Decoded, Flags } from "./flags.js";
import type { Io } from "./io.js";

/** One subcommand of `fluxion`. */
export interface Command<F extends Flags = Flags> {
  readonly name: string;
  readonly summary: string;
  /** A paragraph for --help after the usage line. */
  readonly description: string;
  readonly flags: F;
  /** Flags without a default that must be given. */
  readonly required: readonly (keyof F & string)[];
  readonly examples: readonly string[];
  run(options: Decoded<F>, io: Io): Promise<number>;
}

/** A command with its flag types checked (the identity, for inference). */
export function defineCommand<F extends Flags>(command: Command<F>): Command<F> {
  return command;
}
