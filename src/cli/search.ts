// `fluxion search`: grid or random hyper-parameter search (learning rate, batch size, widths,
// dropout, optimiser, weight decay, schedule) with k-fold cross-validation or a validation
// split of the training samples. Prints a line per trial, then the ranked table (mean ± sample
// standard deviation across folds), and writes the table as search.csv in --out (atomically).

import { join } from "node:path";
import { defineCommand } from "./command.js";
import { FoldsArg, PathArg, PositiveIntArg, SpecArg } from "./codecs.js";
import { dataText, loadData } from "./data.js";
import { EXIT, UsageError } from "./errors.js";
import { writeFileAtomic } from "./files.js";
import { flag } from "./flags.js";
import { type TrainingConfig, checkConfig, runKeys } from "./run.js";
import { dataFlags, modelFlags, trainingFlags, valSplitFlag } from "./shared-flags.js";
import { formatTable, percent } from "./table.js";
import { SEARCH_NAMES, type TrialResult, gridTrials, randomTrials, search, searchCsv, searchedNames, trialConfig, trialKey, trialText } from "./tuning.js";

/** The ranked results as table lines. */
export function rankedLines(ranked: readonly TrialResult[]): string[] {
  const names = searchedNames(ranked.map((r) => r.trial));
  const pm = (m: number, s: number, f: (x: number) => string) => `${f(m)} ± ${f(s)}`;
  return formatTable(
    [{ header: "rank", right: true }, ...names.map((n) => ({ header: n })), { header: "val accuracy", right: true }, { header: "val loss", right: true }, { header: "seconds", right: true }],
    ranked.map((r, i) => [
      String(i + 1),
      ...names.map((n) => r.trial[n] ?? ""),
      pm(r.meanAccuracy, r.stdAccuracy, (x) => percent(x)),
      pm(r.meanLoss, r.stdLoss, (x) => x.toFixed(4)),
      r.seconds.toFixed(1),
    ]),
  );
}

export const searchCommand = defineCommand({
  name: "search",
  summary: "grid or random hyper-parameter search with k-fold cross-validation; ranked table and CSV",
  description:
    `Trains one model per trial on the training split and scores it by k-fold cross-validation (--folds K) or on a\n` +
    `held-out fraction (--val-split F, default 0.2). Trials come from --grid (every combination) or --random N with\n` +
    `--space. Keys: ${SEARCH_NAMES.join(", ")} (hidden widths joined by "-": hidden=256-128).\n` +
    `Grid:  "lr=0.1,0.01;batch-size=32,64"   Space: "lr=1e-4..1e-1:log;dropout=0..0.5;optimizer=adam,sgd"\n` +
    `(a..b uniform, a..b:log log-uniform, a list a choice). Other flags set what every trial shares.`,
  flags: {
    ...modelFlags,
    ...dataFlags,
    ...trainingFlags,
    epochs: flag(trainingFlags.epochs.codec, "N", "epochs of each training", { default: 3 }),
    grid: flag(SpecArg, "SPEC", "a grid: key=v1,v2;key=…"),
    random: flag(PositiveIntArg, "N", "draw N trials at random from --space"),
    space: flag(SpecArg, "SPEC", "the random search's space: key=lo..hi[:log] or key=v1,v2;…"),
    folds: flag(FoldsArg, "K", "k-fold cross-validation with K folds"),
    valSplit: valSplitFlag,
    out: flag(PathArg, "DIR", "where search.csv goes", { defaultText: "runs/search-MODEL-DATA" }),
  },
  required: [],
  examples: [
    "fluxion search --model mlp --data mnist --grid 'lr=0.1,0.01;batch-size=32,64' --folds 3 --epochs 2",
    "fluxion search --model mlp --data fashion-mnist --train-size 5000 --random 8 --space 'lr=1e-4..1e-1:log;dropout=0..0.5;hidden=128,256-128' --val-split 0.2",
  ],
  async run(o, io) {
    if ((o.grid === undefined) === (o.random === undefined)) throw new UsageError("search: give either --grid SPEC or --random N with --space SPEC");
    if (o.random !== undefined && o.space === undefined) throw new UsageError("search: --random N needs --space SPEC");
    if (o.grid !== undefined && o.space !== undefined) throw new UsageError("search: --space goes with --random, not --grid");
    if (o.folds !== undefined && o.valSplit !== undefined) throw new UsageError("search: give --folds K or --val-split F, not both");
    const [dataKey, fitKey] = runKeys(o.seed);
    const trials = o.grid !== undefined ? gridTrials(o.grid) : randomTrials(o.space!, o.random!, trialKey(dataKey));
    const base: TrainingConfig = { model: o.model, hidden: o.hidden, dropout: o.dropout, optimizer: o.optimizer, lr: o.lr, schedule: o.schedule, weightDecay: o.weightDecay, epochs: o.epochs, batchSize: o.batchSize };
    for (const tr of trials) checkConfig(trialConfig(base, tr)); // before loading any data
    const ds = loadData(o.data, dataKey, o);
    const scoring = o.folds !== undefined ? `${o.folds}-fold cross-validation` : `a ${o.valSplit ?? 0.2} validation split`;
    io.out(`fluxion search: ${trials.length} trials of ${o.model} on ${dataText(o.data)} (${ds.train.y.shape[0]} training samples), ${o.epochs} epochs each, scored by ${scoring}`);

    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
    };
    process.on("SIGINT", onSigint);
    let ranked: TrialResult[];
    try {
      ranked = await search({
        base,
        trials,
        train: ds.train,
        classes: ds.classes.length,
        folds: o.folds,
        valSplit: o.valSplit,
        dataKey,
        fitKey,
        stopped: () => interrupted,
        onTrial: (r, i) =>
          io.out(`trial ${i + 1}/${trials.length}  ${trialText(r.trial)}  val accuracy ${r.accuracies.map((a) => percent(a)).join(" ")}  mean ${percent(r.meanAccuracy)} ± ${percent(r.stdAccuracy)}  ${r.seconds.toFixed(1)} s`),
      });
    } finally {
      process.removeListener("SIGINT", onSigint);
    }
    const out = o.out ?? join("runs", `search-${o.model}-${o.data.name}`);
    const csv = join(out, "search.csv");
    writeFileAtomic(csv, searchCsv(ranked));
    io.out("");
    for (const line of rankedLines(ranked)) io.out(line);
    io.out("");
    io.out(`wrote ${csv}${interrupted ? ` (interrupted: ${ranked.length} of ${trials.length} trials finished)` : ""}`);
    return interrupted ? EXIT.interrupted : EXIT.ok;
  },
});
