// What fit reports while it runs, without a terminal: the Progress interface fit drives, one
// plain line per epoch, or nothing. The terminal bar (cli-progress) is in progress.ts, Node only.

import type { EpochRecord } from "./history.js";

/** What fit calls as it runs: the start and end of each epoch, each step, and messages. */
export interface Progress {
  epochStart(epoch: number, epochs: number, steps: number): void;
  step(step: number, loss: number, accuracy: number | undefined, samplesPerSecond: number): void;
  epochEnd(record: EpochRecord, epochs: number): void;
  message(text: string): void;
  end(): void;
}

/** How fit shows its progress: "auto" picks "bar" on a terminal, "lines" elsewhere. */
export type Verbosity = "auto" | "bar" | "lines" | "silent";

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

/** Progress as one `log` line per epoch and per message ("lines"), or nothing ("silent"). */
export function plainProgress(verbosity: "lines" | "silent", log: (line: string) => void = console.log): Progress {
  if (verbosity === "silent") return { epochStart() {}, step() {}, epochEnd() {}, message() {}, end() {} };
  return { epochStart() {}, step() {}, epochEnd: (r, epochs) => log(epochLine(r, epochs)), message: log, end() {} };
}
