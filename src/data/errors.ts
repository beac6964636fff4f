// The errors of fx.data's file loaders. Each message names the loader, the file, and what is
// wrong with it (or how to get the files), so a person can act without opening a debugger.

import { FluxionError } from "../errors.js";

/** A data file that is not what its format says: bad magic, truncated, oversized, corrupt. */
export class DataFormatError extends FluxionError {}

/** Data files that are not there (or cannot be read); the message says how to get them. */
export class DataNotFoundError extends FluxionError {}
