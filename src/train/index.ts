/**
 * Training: the fit loop with one jitted step, its callbacks (early stopping, LR reduction on
 * plateau, keep-best checkpoints), evaluation, the charts of a run and checkpoint files. Needs
 * Node for files and the progress bar.
 * @module
 */
// fx.train: the fit loop, its callbacks, evaluation, the pictures of a run and checkpoints.
// (browser.ts lists the parts that need no Node: fit without the terminal bar, checkpoints as bytes.)

export { fit, type FitOptions, type FitResult } from "./fit.js";
export { earlyStopping, reduceLROnPlateau, type Callback, type TrainingContext, type StepInfo, type CheckpointWriter, type EarlyStoppingOptions, type ReduceLROnPlateauOptions, type KeepBestOptions } from "./callbacks.js";
export { keepBest } from "./keep-best.js";
export { evaluate, confusionMatrix, precisionRecall, type Evaluation, type EvaluateOptions } from "./evaluate.js";
export { type EpochRecord, type History, type Monitor, MonitorError } from "./history.js";
export { crossEntropy, type PerExampleLoss } from "./steps.js";
export { epochLine, type Verbosity } from "./progress.js";
export { historyChart, confusionChart, misclassifiedGrid, type MisclassifiedOptions } from "./charts.js";
export { save, load, CheckpointError, type Checkpoint } from "./checkpoint.js";
export { saveBytes, loadBytes } from "./checkpoint-bytes.js";
