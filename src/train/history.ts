// What fit records per epoch. Plain numbers, so a history is JSON as it is.

import { ValueError } from "../errors.js";

/** One epoch of training. Validation fields are there when fit had a validation split. */
export interface EpochRecord {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Mean training loss over the epoch's real examples (padding excluded). */
  readonly loss: number;
  /** Training accuracy over the epoch (with the parameters of each step, before its update). */
  readonly accuracy?: number;
  readonly val_loss?: number;
  readonly val_accuracy?: number;
  /** The factor the optimiser's updates were multiplied by (1 unless reduceLROnPlateau lowered it). */
  readonly lrScale: number;
  /** Wall time of the epoch's training steps and validation, in seconds. */
  readonly seconds: number;
  /** Training examples per second of the epoch's steps. */
  readonly samplesPerSecond: number;
}

/** The records of a run's epochs, first epoch first. */
export type History = readonly EpochRecord[];

/** The metric names a callback can monitor. */
export type Monitor = "loss" | "accuracy" | "val_loss" | "val_accuracy";

/** Whether larger is better for a metric: accuracies are maximised, losses minimised. */
export function maximised(monitor: Monitor): boolean {
  return monitor.endsWith("accuracy");
}

/** The monitored value of a record, or an error listing what the record has. */
export function monitored(op: string, record: EpochRecord, monitor: Monitor): number {
  const v = record[monitor];
  if (v === undefined) {
    const have = (["loss", "accuracy", "val_loss", "val_accuracy"] as const).filter((k) => record[k] !== undefined);
    throw new MonitorError(`${op}: cannot monitor "${monitor}": the history has ${have.join(", ")} (val_* needs a validation split)`);
  }
  return v;
}

/** A callback asked to monitor a metric the fit does not record. */
export class MonitorError extends ValueError {}
