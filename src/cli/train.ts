// `fluxion train`: trains a registry model on a data set and writes the run into --out: the
// checkpoint (fx.train.save, with a meta that lets `fluxion evaluate` rebuild the model),
// history.json, run.json (the configuration and the results), and the charts: history.svg,
// confusion.svg, misclassified.svg. Prints fit's progress and, last, the test accuracy.
// Ctrl-C stops after the current step; the files are still written, and the exit code is 130.

import { join } from "node:path";
import { trainValSplit } from "../data/splits.js";
import { foldIn } from "../random/keys.js";
import { save } from "../train/checkpoint.js";
import { confusionChart, historyChart, misclassifiedGrid } from "../train/charts.js";
import { evaluate } from "../train/evaluate.js";
import { defineCommand } from "./command.js";
import { PathArg } from "./codecs.js";
import { dataText, loadData } from "./data.js";
import { EXIT } from "./errors.js";
import { writeFileAtomic } from "./files.js";
import { flag } from "./flags.js";
import { checkConfig, effectiveLr, runKeys, trainModel, type TrainingConfig } from "./run.js";
import { dataFlags, modelFlags, progressFlag, trainingFlags, valSplitFlag } from "./shared-flags.js";
import { version } from "./version.js";

/** The checkpoint's file name in --out. */
export const CHECKPOINT_FILE = "checkpoint.safetensors";

/** What `fluxion train` records in the checkpoint's meta (enough to rebuild model and data). */
export interface RunMeta {
  readonly tool: "fluxion train";
  readonly version: string;
  readonly model: TrainingConfig["model"];
  readonly modelOptions: { readonly hidden?: number[]; readonly dropout?: number };
  readonly data: string;
  readonly classes: readonly string[];
  readonly seed: number;
  readonly trainSize?: number;
  readonly testSize?: number;
  readonly config: Record<string, unknown>;
  readonly test: { readonly accuracy: number; readonly loss: number };
}

/** A value with its undefined fields dropped: meta must be JSON. */
function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export const trainCommand = defineCommand({
  name: "train",
  summary: "train a model and write its checkpoint, history and charts",
  description:
    "Trains --model on --data with fx.train.fit and writes into --out: checkpoint.safetensors, history.json, run.json,\n" +
    "history.svg, confusion.svg and misclassified.svg. Validates every epoch on the test split, or on a held-out part of\n" +
    "the training split with --val-split. The last line printed is the test accuracy.",
  flags: {
    ...modelFlags,
    ...dataFlags,
    ...trainingFlags,
    valSplit: valSplitFlag,
    out: flag(PathArg, "DIR", "where the run's files go (created if needed)", { defaultText: "runs/MODEL-DATA" }),
    progress: progressFlag,
  },
  required: [],
  examples: [
    "fluxion train --model lenet5 --data mnist --epochs 3",
    "fluxion train --model lenet5 --data fashion-mnist --epochs 10 --out runs/fashion-lenet5",
    "fluxion train --model mlp --hidden 256,128,100 --data fashion-mnist --optimizer adam --lr 0.001 --schedule cosine",
    "fluxion train --model mlp --data mnist --train-size 1000 --test-size 500 --epochs 1 --progress lines",
  ],
  async run(o, io) {
    const started = performance.now();
    const config: TrainingConfig = {
      model: o.model,
      hidden: o.hidden,
      dropout: o.dropout,
      optimizer: o.optimizer,
      lr: o.lr,
      schedule: o.schedule,
      weightDecay: o.weightDecay,
      epochs: o.epochs,
      batchSize: o.batchSize,
    };
    checkConfig(config); // before loading any data
    const out = o.out ?? join("runs", `${o.model}-${o.data.name}`);
    const [dataKey, fitKey] = runKeys(o.seed);
    const ds = loadData(o.data, dataKey, o);
    const held = o.valSplit !== undefined ? trainValSplit(ds.train, { fraction: o.valSplit, key: foldIn(dataKey, 1) }) : undefined;
    const train = held?.train ?? ds.train;
    const validation = held?.val ?? ds.test;
    const n = (s: { y: { shape: readonly number[] } }) => s.y.shape[0]!;
    io.out(
      `fluxion train: ${o.model} on ${dataText(o.data)} (${n(train)} train, ${held !== undefined ? `${n(held.val)} validation, ` : ""}${n(ds.test)} test); ` +
        `${o.optimizer} lr ${effectiveLr(config)} ${o.schedule}${o.weightDecay !== undefined ? ` weight decay ${o.weightDecay}` : ""}; ${o.epochs} epochs of batch ${o.batchSize}; seed ${o.seed}`,
    );

    // fit stops after the current step on Ctrl-C; this listener only remembers that it happened.
    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
    };
    process.on("SIGINT", onSigint);
    let run;
    try {
      run = await trainModel(config, train, { key: fitKey, classes: ds.classes.length, validation, verbose: o.progress, log: io.out });
    } finally {
      process.removeListener("SIGINT", onSigint);
    }
    const { result } = run;
    const test = evaluate(run.model, result.params, result.state, run.prepare(ds.test));

    const meta: RunMeta = json({
      tool: "fluxion train" as const,
      version: version(),
      model: o.model,
      modelOptions: { hidden: o.hidden, dropout: o.dropout },
      data: dataText(o.data),
      classes: ds.classes,
      seed: o.seed,
      trainSize: o.trainSize,
      testSize: o.testSize,
      config: { ...config, lr: effectiveLr(config), valSplit: o.valSplit },
      test: { accuracy: test.accuracy, loss: test.loss },
    });
    const seconds = (performance.now() - started) / 1000;
    const epochs = result.history;
    const samplesPerSecond = epochs.length === 0 ? 0 : epochs.reduce((s, r) => s + r.samplesPerSecond, 0) / epochs.length;
    const title = `${o.model} on ${o.data.name}`;
    writeFileAtomic(join(out, "history.json"), `${JSON.stringify(epochs, null, 2)}\n`);
    writeFileAtomic(join(out, "history.svg"), historyChart(epochs, { title }));
    writeFileAtomic(join(out, "confusion.svg"), confusionChart(test.confusion, ds.classes, { title: `${title}: test confusion matrix` }));
    writeFileAtomic(join(out, "misclassified.svg"), misclassifiedGrid(ds.test, test.predictions, ds.classes));
    writeFileAtomic(
      join(out, "run.json"),
      `${JSON.stringify(json({ ...meta, epochsRun: epochs.length, stopReason: result.stopReason, seconds, samplesPerSecond, precision: test.precision, recall: test.recall }), null, 2)}\n`,
    );
    save(join(out, CHECKPOINT_FILE), { params: result.params, state: result.state, optState: result.optState, meta });
    io.out(`wrote ${CHECKPOINT_FILE}, history.json, run.json, history.svg, confusion.svg, misclassified.svg to ${out}`);
    io.out(`${epochs.length} epochs in ${seconds.toFixed(1)} s (${Math.round(samplesPerSecond)} samples/s)`);
    io.out(`test accuracy ${pct(test.accuracy)} (loss ${test.loss.toFixed(4)})`);
    return interrupted || result.stopReason?.startsWith("interrupted") ? EXIT.interrupted : EXIT.ok;
  },
});
