// fx.train: checkpoints (this file is minimal; the fit loop's exports join it).
export { save, load, CheckpointError, type Checkpoint } from "./checkpoint.js";
