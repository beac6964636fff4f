// `fluxion evaluate`: loads a checkpoint that `fluxion train` wrote, rebuilds its model from the
// checkpoint's meta (model name and options, classes), and prints the test loss and accuracy,
// per-class precision and recall, and the confusion matrix. The data set, its test subset and
// the seed default to the ones recorded, so the npm digits are split exactly as in training.

import * as t from "io-ts";
import type { Split } from "../data/dataset.js";
import { ValueError } from "../errors.js";
import { NonNegativeInt, PositiveInt } from "../options/codecs.js";
import { describeValue } from "../options/describe.js";
import type { Tree } from "../nn/layers/layer.js";
import { load } from "../train/checkpoint.js";
import { evaluate } from "../train/evaluate.js";
import { defineCommand } from "./command.js";
import { PathArg, PositiveIntArg, SeedArg } from "./codecs.js";
import { DataArg, type DataSpec, dataText, loadData } from "./data.js";
import { EXIT } from "./errors.js";
import { decodeValue, flag } from "./flags.js";
import { MODEL_NAMES, type ModelName, modelEntry } from "./models.js";
import { runKeys } from "./run.js";
import { formatTable, percent } from "./table.js";

/** The part of a checkpoint's meta evaluate needs (written by `fluxion train`). */
const MetaCodec = t.type({
  model: t.keyof(Object.fromEntries(MODEL_NAMES.map((m) => [m, null])) as Record<ModelName, null>),
  modelOptions: t.partial({ hidden: t.array(PositiveInt), dropout: t.number }),
  data: t.string,
  classes: t.array(t.string),
  seed: NonNegativeInt,
  testSize: t.union([PositiveInt, t.undefined]),
});

/** The confusion matrix as table lines: a row per true class, a column per predicted class. */
export function confusionLines(confusion: readonly (readonly number[])[], classes: readonly string[]): string[] {
  const k = confusion.length;
  const columns = [{ header: "true \\ predicted" }, ...Array.from({ length: k }, (_, c) => ({ header: String(c), right: true }))];
  const rows = confusion.map((row, i) => [`${i} ${classes[i] ?? ""}`.trimEnd(), ...row.map(String)]);
  return formatTable(columns, rows);
}

/** Per-class precision, recall and support as table lines. */
export function perClassLines(classes: readonly string[], precision: readonly number[], recall: readonly number[], confusion: readonly (readonly number[])[]): string[] {
  const rows = precision.map((p, c) => [`${c} ${classes[c] ?? ""}`.trimEnd(), percent(p, 1), percent(recall[c]!, 1), String(confusion[c]!.reduce((s, v) => s + v, 0))]);
  return formatTable([{ header: "class" }, { header: "precision", right: true }, { header: "recall", right: true }, { header: "support", right: true }], rows);
}

export const evaluateCommand = defineCommand({
  name: "evaluate",
  summary: "evaluate a checkpoint: loss, accuracy, per-class precision/recall, confusion matrix",
  description:
    "Loads a checkpoint written by fluxion train, rebuilds its model from the checkpoint's meta and evaluates it on the\n" +
    "test split. --data, --test-size and --seed default to the values recorded at training time.",
  flags: {
    checkpoint: flag(PathArg, "FILE", "the checkpoint (checkpoint.safetensors in a train run's --out)"),
    data: flag(DataArg, "NAME", "mnist or fashion-mnist[=DIR]", { defaultText: "the checkpoint's" }),
    testSize: flag(PositiveIntArg, "N", "evaluate on a random subset of N test samples", { defaultText: "the checkpoint's" }),
    seed: flag(SeedArg, "S", "seed of the data split and subset", { defaultText: "the checkpoint's" }),
    batchSize: flag(PositiveIntArg, "B", "examples per evaluation step", { default: 256 }),
  },
  required: ["checkpoint"],
  examples: ["fluxion evaluate --checkpoint runs/lenet5-mnist/checkpoint.safetensors", "fluxion evaluate --checkpoint run/checkpoint.safetensors --data fashion-mnist=/data/fashion"],
  async run(o, io) {
    const file = o.checkpoint!;
    const ckpt = load<Tree, Tree>(file);
    const decoded = MetaCodec.decode(ckpt.meta);
    if (decoded._tag === "Left") {
      throw new ValueError(`evaluate: ${file}: its meta is not a fluxion train run's (needs model, modelOptions, data, classes, seed), got ${describeValue(ckpt.meta)}`);
    }
    const meta = decoded.right;
    const data: DataSpec = o.data ?? decodeValue("evaluate", "data", DataArg, meta.data);
    const seed = o.seed ?? meta.seed;
    const [dataKey] = runKeys(seed);
    const ds = loadData(data, dataKey, { testSize: o.testSize ?? meta.testSize });
    if (ds.classes.length !== meta.classes.length) {
      throw new ValueError(`evaluate: ${file} was trained on ${meta.classes.length} classes, ${dataText(data)} has ${ds.classes.length}`);
    }
    const entry = modelEntry(meta.model, meta.modelOptions);
    const test: Split = { x: entry.prepare(ds.test.x), y: ds.test.y };
    const model = entry.build(meta.classes.length, test.x.shape.slice(1), meta.modelOptions);
    const e = evaluate(model, ckpt.params, ckpt.state ?? {}, test, { batchSize: o.batchSize });
    io.out(`fluxion evaluate: ${meta.model} from ${file} on ${dataText(data)} (${test.y.shape[0]} test samples, seed ${seed})`);
    io.out("");
    io.out(`loss ${e.loss.toFixed(4)}  accuracy ${percent(e.accuracy)}`);
    io.out("");
    for (const line of perClassLines(meta.classes, e.precision, e.recall, e.confusion)) io.out(line);
    io.out("");
    io.out("confusion matrix (rows: true class, columns: predicted class)");
    for (const line of confusionLines(e.confusion, meta.classes)) io.out(line);
    return EXIT.ok;
  },
});
