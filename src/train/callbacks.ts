// Callbacks: code fit runs after each step, after each epoch and at the end. The context
// gives them the current parameters and lets them change the update scale, swap in other
// parameters (restore-best) or ask fit to stop. Built-ins: earlyStopping, reduceLROnPlateau,
// keepBest (writes the best parameters through a CheckpointWriter; the Node default writes a
// file, keep-best.ts).

import * as t from "io-ts";
import { ValueError } from "../errors.js";
import { decodeOptions, optionsCodec } from "../nn/options.js";
import type { Tree } from "../nn/layers/layer.js";
import { reduceOnPlateau, type PlateauOptions } from "../optim/plateau.js";
import type { EpochRecord, History, Monitor } from "./history.js";
import { maximised, monitored } from "./history.js";

/** What a callback can see and change while fit runs. */
export interface TrainingContext {
  /** The current parameters, layer state and optimiser state (assignable: fit continues from them). */
  params: Tree;
  state: Tree;
  optState: unknown;
  /** The factor every update is multiplied by (an input of the compiled step: changing it does not recompile). */
  lrScale: number;
  /** The epochs finished so far. */
  readonly history: History;
  /** Ask fit to stop after the current step; `reason` is printed and returned. */
  stop(reason: string): void;
}

/** After each training step: 1-based epoch, 0-based step, the batch's mean loss and real size. */
export interface StepInfo {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly size: number;
  /** The fraction of the batch classified correctly, when fit records accuracy. */
  readonly accuracy?: number;
}

/** What `fit` calls during training; every method is optional and may return a promise, which fit awaits. */
export interface Callback {
  /** After every training step, with the step's loss and batch size. */
  onStepEnd?(ctx: TrainingContext, info: StepInfo): void | Promise<void>;
  /**
   * After every epoch (and its validation), with the epoch's record; may stop training through the context.
   */
  onEpochEnd?(ctx: TrainingContext, record: EpochRecord): void | Promise<void>;
  /** Once, when training ends (also after a stop). */
  onTrainEnd?(ctx: TrainingContext): void | Promise<void>;
}

const MonitorCodec = t.keyof({ loss: null, accuracy: null, val_loss: null, val_accuracy: null }, '"loss", "accuracy", "val_loss" or "val_accuracy"');
const NonNegative = t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0, "a non-negative number");
const NonNegativeInt = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, "a non-negative integer");

/** The monitor to use: the given one, else val_loss when validated, else loss. */
function defaultMonitor(given: Monitor | undefined, record: EpochRecord): Monitor {
  return given ?? (record.val_loss !== undefined ? "val_loss" : "loss");
}

/** Is `value` better than `best` by more than minDelta? */
function improves(value: number, best: number, max: boolean, minDelta: number): boolean {
  return max ? value > best + minDelta : value < best - minDelta;
}

/**
 * Options of `earlyStopping`: the metric, patience, smallest improvement and whether to restore the best epoch.
 */
export interface EarlyStoppingOptions {
  /** Default val_loss when fit validates, else loss. */
  readonly monitor?: Monitor;
  /** Epochs without improvement to wait before stopping. Default 0. */
  readonly patience?: number;
  /** The smallest change that counts as an improvement. Default 0. */
  readonly minDelta?: number;
  /** At the end, put back the parameters and state of the best epoch. Default false. */
  readonly restoreBest?: boolean;
}

const EarlyStoppingCodec = optionsCodec("earlyStopping options", { monitor: MonitorCodec, patience: NonNegativeInt, minDelta: NonNegative, restoreBest: t.boolean });

/** Stops when the monitored metric has not improved for `patience` epochs (Keras's EarlyStopping). */
export function earlyStopping(options?: EarlyStoppingOptions): Callback {
  const o = decodeOptions("earlyStopping", EarlyStoppingCodec, options);
  const patience = o.patience ?? 0;
  const minDelta = o.minDelta ?? 0;
  let best: { value: number; epoch: number; params: Tree; state: Tree } | undefined;
  let wait = 0;
  return {
    onEpochEnd(ctx, record) {
      const monitor = defaultMonitor(o.monitor, record);
      const value = monitored("earlyStopping", record, monitor);
      if (best === undefined || improves(value, best.value, maximised(monitor), minDelta)) {
        best = { value, epoch: record.epoch, params: ctx.params, state: ctx.state };
        wait = 0;
        return;
      }
      wait++;
      if (wait > patience) ctx.stop(`early stopping: ${monitor} has not improved on ${best.value.toPrecision(4)} (epoch ${best.epoch}) for ${wait} epoch(s)`);
    },
    onTrainEnd(ctx) {
      // Tensors are immutable, so the references kept above are the best epoch's values.
      if (o.restoreBest && best !== undefined) {
        ctx.params = best.params;
        ctx.state = best.state;
      }
    },
  };
}

/** Options of `reduceLROnPlateau`: those of `fx.optim.schedules.reduceOnPlateau` and the metric to follow. */
export interface ReduceLROnPlateauOptions extends PlateauOptions {
  /** Default val_loss when fit validates, else loss. */
  readonly monitor?: Monitor;
}

/**
 * Multiplies the updates by fx.optim's reduceOnPlateau scale, following the monitored metric
 * once per epoch (the mode, min or max, follows from the metric unless given).
 */
export function reduceLROnPlateau(options?: ReduceLROnPlateauOptions): Callback {
  const { monitor: given, ...plateauOptions } = options ?? {};
  if (given !== undefined) decodeOptions("reduceLROnPlateau", optionsCodec("reduceLROnPlateau options", { monitor: MonitorCodec }), { monitor: given });
  let plateau: ReturnType<typeof reduceOnPlateau> | undefined;
  let state: ReturnType<ReturnType<typeof reduceOnPlateau>["init"]> | undefined;
  return {
    onEpochEnd(ctx, record) {
      const monitor = defaultMonitor(given, record);
      if (plateau === undefined) {
        plateau = reduceOnPlateau({ mode: maximised(monitor) ? "max" : "min", ...plateauOptions });
        state = plateau.init();
      }
      state = plateau.update(monitored("reduceLROnPlateau", record, monitor), state!);
      ctx.lrScale = plateau.scale(state).item();
    },
  };
}

/** What writes a checkpoint: fx.train.save by default in Node; another writer can be given (tests use one that records calls; a page can keep the bytes of saveBytes). */
export interface CheckpointWriter {
  /** Writes `checkpoint` to `path` (may be asynchronous). */
  save(path: string, checkpoint: { params: Tree; state: Tree; optState: unknown; meta: Record<string, string> }): void | Promise<void>;
}

/** Options of `keepBest`: the file, the writer and the metric. */
export interface KeepBestOptions {
  /** The checkpoint file to write (replaced at each improvement). */
  readonly path: string;
  /** Default in Node: fx.train.save (safetensors, written atomically); required in a browser. */
  readonly writer?: CheckpointWriter;
  /** Default val_loss when fit validates, else loss. */
  readonly monitor?: Monitor;
}

const KeepBestCodec = optionsCodec("keepBest options", { path: t.string, writer: t.UnknownRecord, monitor: MonitorCodec });

/**
 * keepBest with `defaultWriter` for when options give none (Node: fx.train.save; in a browser
 * there is none, and a writer is required).
 */
export function keepBestWith(defaultWriter: CheckpointWriter | undefined, options: KeepBestOptions): Callback {
  decodeOptions("keepBest", KeepBestCodec, options);
  if (typeof options?.path !== "string" || options.path === "") throw new ValueError('keepBest: option "path" (where to write the checkpoint) is required');
  const writer = options.writer ?? defaultWriter;
  if (writer === undefined) throw new ValueError('keepBest: option "writer" is required here (no file system): give { save(path, checkpoint) }, e.g. one that keeps fx.train.saveBytes(checkpoint)');
  if (typeof writer.save !== "function") throw new ValueError('keepBest: option "writer" must be a CheckpointWriter, { save(path, checkpoint) }');
  let best: number | undefined;
  return {
    async onEpochEnd(ctx, record) {
      const monitor = defaultMonitor(options.monitor, record);
      const value = monitored("keepBest", record, monitor);
      if (best !== undefined && !improves(value, best, maximised(monitor), 0)) return;
      best = value;
      const meta = { epoch: String(record.epoch), monitor, [monitor]: String(value) };
      await writer.save(options.path, { params: ctx.params, state: ctx.state, optState: ctx.optState, meta });
    },
  };
}
