// How fit shows its progress: a cli-progress bar on a terminal (epoch, step, loss, accuracy,
// samples/s, ETA), one plain line per epoch when the output is not a terminal or under CI
// (logs stay readable), or nothing.

import cliProgress from "cli-progress";
import type { EpochRecord } from "./history.js";

export interface Progress {
  epochStart(epoch: number, epochs: number, steps: number): void;
  step(step: number, loss: number, accuracy: number | undefined, samplesPerSecond: number): void;
  epochEnd(record: EpochRecord, epochs: number): void;
  message(text: string): void;
  end(): void;
}

/**
 * How `fit` shows progress: "auto" (a bar on a terminal, lines otherwise or under CI), "bar", "lines" or "silent".
 */
export type Verbosity = "auto" | "bar" | "lines" | "silent";

/** "auto": a bar on a TTY unless process.env.CI is set, otherwise lines. */
export function resolveVerbosity(v: Verbosity | boolean | undefined): Exclude<Verbosity, "auto"> {
  if (v === false) return "silent";
  if (v === undefined || v === true || v === "auto") return process.stderr.isTTY && !process.env.CI ? "bar" : "lines";
  return v;
}

const fmt = (x: number | undefined, digits = 4): string => (x === undefined ? "-" : x.toFixed(digits));

/** The one-line summary of an epoch. */
export function epochLine(r: EpochRecord, epochs: number): string {
  const parts = [`epoch ${r.epoch}/${epochs}`, `loss ${fmt(r.loss)}`];
  if (r.accuracy !== undefined) parts.push(`accuracy ${fmt(r.accuracy)}`);
  if (r.val_loss !== undefined) parts.push(`val_loss ${fmt(r.val_loss)}`);
  if (r.val_accuracy !== undefined) parts.push(`val_accuracy ${fmt(r.val_accuracy)}`);
  if (r.lrScale !== 1) parts.push(`lr×${r.lrScale.toPrecision(3)}`);
  parts.push(`${r.seconds.toFixed(1)} s`, `${Math.round(r.samplesPerSecond)} samples/s`);
  return parts.join("  ");
}

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
  if (verbosity === "silent") return { epochStart() {}, step() {}, epochEnd() {}, message() {}, end() {} };
  if (verbosity === "lines") {
    return { epochStart() {}, step() {}, epochEnd: (r, epochs) => log(epochLine(r, epochs)), message: log, end() {} };
  }
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
