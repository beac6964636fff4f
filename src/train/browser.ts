// fx.train where there is no Node (src/browser.ts): everything of index.ts but the file-based
// parts — fit reports in plain lines (no terminal bar), checkpoints are bytes (saveBytes /
// loadBytes; a page downloads or uploads them), keepBest needs a writer.

export { fit, type FitOptions, type FitResult } from "./fit-browser.js";
export { earlyStopping, reduceLROnPlateau, type Callback, type TrainingContext, type StepInfo, type CheckpointWriter, type EarlyStoppingOptions, type ReduceLROnPlateauOptions, type KeepBestOptions } from "./callbacks.js";
export { evaluate, confusionMatrix, precisionRecall, type Evaluation, type EvaluateOptions } from "./evaluate.js";
export { type EpochRecord, type History, type Monitor, MonitorError } from "./history.js";
export { crossEntropy, type PerExampleLoss } from "./steps.js";
export { epochLine, type Verbosity } from "./epoch-lines.js";
export { historyChart, confusionChart, misclassifiedGrid, type MisclassifiedOptions } from "./charts.js";
export { CheckpointError } from "./safetensors.js";
export { saveBytes, loadBytes, type Checkpoint } from "./checkpoint-bytes.js";
export { keepBestInBrowser as keepBest } from "./keep-best-browser.js";
