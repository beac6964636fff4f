// How fit shows its progress in Node: a cli-progress bar on a terminal (epoch, step, loss,
// accuracy, samples/s, ETA), one plain line per epoch when the output is not a terminal or
// under CI (logs stay readable), or nothing (those two are epoch-lines.ts, shared with browsers).

import cliProgress from "cli-progress";
import { type Progress, type Verbosity, epochLine, plainProgress } from "./epoch-lines.js";

export { epochLine, type Progress, type Verbosity } from "./epoch-lines.js";

/** "auto": a bar on a TTY unless process.env.CI is set, otherwise lines. */
export function resolveVerbosity(v: Verbosity | boolean | undefined): Exclude<Verbosity, "auto"> {
  if (v === false) return "silent";
  if (v === undefined || v === true || v === "auto") return process.stderr.isTTY && !process.env.CI ? "bar" : "lines";
  return v;
}

const fmt = (x: number | undefined, digits = 4): string => (x === undefined ? "-" : x.toFixed(digits));

/**
 * Where a progress bar is drawn: a terminal stream such as `process.stderr`. Typed by its shape
 * so that fluxion's declarations need no Node types in a user's project.
 */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** `stream` is where the bar is drawn (stderr; tests pass a fake terminal). */
export function makeProgress(verbosity: Exclude<Verbosity, "auto">, log: (line: string) => void = console.log, stream: ProgressStream = process.stderr): Progress {
  if (verbosity !== "bar") return plainProgress(verbosity, log);
  let bar: cliProgress.SingleBar | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    epochStart(epoch, epochs, steps) {
      bar = new cliProgress.SingleBar(
        {
          format: "epoch {epoch} |{bar}| step {value}/{total}  loss {loss}  accuracy {accuracy}  {sps} samples/s  ETA {eta_formatted}",
          stream: stream as NodeJS.WritableStream, // cli-progress's types ask for Node's type; it writes text
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(steps, 0, { epoch: `${epoch}/${epochs}`, loss: "-", accuracy: "-", sps: "-" });
    },
    step(step, loss, accuracy, sps) {
      bar?.update(step + 1, { loss: fmt(loss), accuracy: fmt(accuracy), sps: String(Math.round(sps)) });
    },
    epochEnd(r, epochs) {
      stop();
      log(epochLine(r, epochs));
    },
    message(text) {
      stop();
      log(text);
    },
    end: stop,
  };
}
