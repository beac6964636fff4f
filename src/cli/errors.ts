// The CLI's own errors. A UsageError is a mistake on the command line (an unknown flag, a bad
// value, a flag that does not apply): the tool exits with 2 and points at --help. Anything
// else that goes wrong while running (missing data files, a corrupt checkpoint) exits with 1.

import { FluxionError } from "../errors.js";

/** A bad command line: unknown command or flag, a value its codec refuses, a missing flag. */
export class UsageError extends FluxionError {}

/** The exit codes of `fluxion`. */
export const EXIT = Object.freeze({
  /** Done. */
  ok: 0,
  /** A runtime failure (missing data, unreadable checkpoint, a library error). */
  failure: 1,
  /** A usage error: bad flag, bad value. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT) after training stopped cleanly and its files were written. */
  interrupted: 130,
});
