// Where a command writes: lines to standard output (results) and standard error (messages).
// Tests pass their own Io to collect the lines of an in-process run.

/** The two output streams of a command, line by line. */
export interface Io {
  /** A line of results (tables, the final accuracy): standard output. */
  out(line: string): void;
  /** A line of diagnostics (errors, hints): standard error. */
  err(line: string): void;
}

/** The process's own stdout and stderr. */
export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
